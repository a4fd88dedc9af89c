/**
 * The results of the drops of workbooks on the window. The drop is heard by the main layout and
 * its results are shown once, in a tray over whichever pane the person is looking at; a second
 * drop adds to the results still shown, and results that need nothing from the person fade.
 */
import { createContext, useContext } from "react";
import type { ApiError } from "./bindings/ApiError";
import type { UploadOutcome } from "./bindings/UploadOutcome";

export type ImportState =
  /** The files are being handed to the core; `earlier` are the results still shown from drops before. */
  | { kind: "busy"; orgCode: string; count: number; earlier: UploadOutcome[] }
  /** The core answered with one outcome per file. */
  | { kind: "done"; orgCode: string; outcomes: UploadOutcome[] }
  /** The whole call failed (denied, no org, internal). */
  | { kind: "failed"; orgCode: string | null; error: ApiError }
  /** Not sent: the role only reads, or no org is active. */
  | { kind: "blocked"; orgCode: string | null; message: string; count: number };

export type ImportActions = {
  state: ImportState | null;
  dismiss: () => void;
  openJobs: () => void;
  /** Opens the native dialog and imports what the person picks, as a drop would. */
  chooseAndImport: () => void;
};

export const ImportContext = createContext<ImportActions | null>(null);

export function useImport(): ImportActions {
  const value = useContext(ImportContext);
  if (!value) throw new Error("useImport() needs the main layout's provider above it.");
  return value;
}
