/** Loads data for a pane and keeps loading / error / data in one place. */
import { useCallback, useEffect, useRef, useState } from "react";
import { useAppActions } from "./appContext";
import type { ApiError } from "./bindings/ApiError";

export type LoadState<T> =
  | { status: "loading"; data: T | null }
  | { status: "ready"; data: T }
  | { status: "error"; data: T | null; error: ApiError };

export function useLoad<T>(load: () => Promise<T>): LoadState<T> & { reload: () => void } {
  const { handleError } = useAppActions();
  const [state, setState] = useState<LoadState<T>>({ status: "loading", data: null });
  const generation = useRef(0);

  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ status: "loading", data: s.data }));
    load().then(
      (data) => {
        if (generation.current === mine) setState({ status: "ready", data });
      },
      (caught: unknown) => {
        const error = handleError(caught);
        if (generation.current === mine) setState((s) => ({ status: "error", data: s.data, error }));
      },
    );
  }, [load, handleError]);

  useEffect(() => {
    run();
    return () => {
      generation.current++;
    };
  }, [run]);

  return { ...state, reload: run };
}
