/**
 * One action at a time from a button or form: `busy` while it runs, and the error it ended
 * with, already passed through the app's handler (so a lost session still signs out). The
 * panes and forms that act on one thing share it, so none forgets to clear the last error or
 * to end the busy state when the action fails.
 */
import { useCallback, useState } from "react";
import { useAppActions } from "./appContext";
import type { ApiError } from "./bindings/ApiError";

export function useAction() {
  const { handleError } = useAppActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const run = useCallback(
    async (action: () => Promise<void>) => {
      setBusy(true);
      setError(null);
      try {
        await action();
      } catch (caught) {
        setError(handleError(caught));
      } finally {
        setBusy(false);
      }
    },
    [handleError],
  );

  return { busy, error, setError, run };
}
