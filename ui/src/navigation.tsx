/** Moving between panes from inside one: a created document's result opens in Outputs. */
import { createContext, useContext } from "react";

export type Navigation = {
  /** Shows the Outputs pane, with the outputs of `jobId` selected when given. */
  openOutputs(jobId: number | null): void;
};

export const NavigationContext = createContext<Navigation>({ openOutputs: () => undefined });

export function useNavigation(): Navigation {
  return useContext(NavigationContext);
}
