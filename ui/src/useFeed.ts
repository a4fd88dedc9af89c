/**
 * The latest value of a backend subscription (sync status, inbox status), renewed when `key`
 * changes (null: none). A feed that fails to open leaves the value null; the screens that need
 * it say so themselves.
 */
import { useEffect, useState } from "react";

export function useFeed<T>(subscribe: (handler: (value: T) => void) => Promise<() => void>, key: string | null): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    setValue(null);
    if (key === null) return;
    let live = true;
    let stop: (() => void) | null = null;
    subscribe((next) => live && setValue(next))
      .then((s) => {
        if (live) stop = s;
        else s();
      })
      .catch(() => undefined);
    return () => {
      live = false;
      stop?.();
    };
  }, [subscribe, key]);
  return value;
}
