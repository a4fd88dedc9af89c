/**
 * Keeps a wide table's first columns (the serial and the description) in view while the pane
 * that holds it scrolls sideways, so a figure far to the right can still be read against its
 * item.
 *
 * CSS `position: sticky` would say this in one line, but WebKitGTK 2.50, which the Linux
 * desktop runs on, draws sticky table cells wrongly (the three faults are recorded in
 * styles.css). So the pane's sideways offset is written to one custom property on the table,
 * and each `.frozen` cell is shifted back by it with a transform: one style write per scroll
 * event, and no React render.
 */
import { useEffect, type RefObject } from "react";

/** The scroll area a table scrolls in: the pane's body, the one scroller of every pane. */
const SCROLLER = ".pane-body";

export function useFrozenColumns(tableRef: RefObject<HTMLTableElement | null>) {
  useEffect(() => {
    const table = tableRef.current;
    const scroller = table?.closest<HTMLElement>(SCROLLER);
    if (!table || !scroller) return;
    const follow = () => {
      // Like sticky cells, the frozen ones move with the table until they reach the pane's
      // left edge, and stay there: nothing scrolls past in the margin to their left.
      const margin = table.getBoundingClientRect().left + scroller.scrollLeft - scroller.getBoundingClientRect().left - scroller.clientLeft;
      const shift = Math.max(0, scroller.scrollLeft - margin);
      table.style.setProperty("--frozen-shift", `${shift}px`);
      // Marks the frozen edge with a rule only while something is scrolled under it.
      table.classList.toggle("columns-shifted", shift > 0);
    };
    follow();
    scroller.addEventListener("scroll", follow, { passive: true });
    return () => {
      scroller.removeEventListener("scroll", follow);
      table.style.removeProperty("--frozen-shift");
      table.classList.remove("columns-shifted");
    };
  }, [tableRef]);
}
