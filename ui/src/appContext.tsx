/** App-wide actions that panes and dialogs need without prop-drilling. */
import { createContext, useContext } from "react";
import type { ApiError } from "./bindings/ApiError";

export type AppActions = {
  /**
   * Normalises a rejected call. If the session is gone it sends the person back to sign in; the
   * returned error is for the caller to show where the action happened.
   */
  handleError(error: unknown): ApiError;
  /** Shows an error that has no better place in the global banner. */
  reportUnexpected(error: unknown): void;
  /** Opens the organization picker. */
  openPicker(): void;
};

export const AppActionsContext = createContext<AppActions | null>(null);

export function useAppActions(): AppActions {
  const actions = useContext(AppActionsContext);
  if (!actions) throw new Error("useAppActions() needs the app's provider above it.");
  return actions;
}
