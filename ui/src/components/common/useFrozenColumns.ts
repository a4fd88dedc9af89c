/**
 * A table wider than the space it is given scrolls inside a box of its own, so that the page
 * around it (its sections, the options above it, the memorandum below) keeps the window's width;
 * and while the box scrolls sideways, the table's first columns (the serial and the description)
 * stay in view, so a figure far to the right can still be read against its item.
 *
 * CSS `position: sticky` would keep the columns in one line, but WebKitGTK 2.50, which the Linux
 * desktop runs on, draws sticky table cells wrongly (the three faults are recorded in
 * styles.css). So the box's sideways offset is written to one custom property on the table,
 * and each `.frozen` cell is shifted back by it with a transform: one style write per scroll
 * event, and no React render.
 */
import { useEffect, useLayoutEffect, useState, type RefObject } from "react";
import { flushSync } from "react-dom";

/** The scroll area of every pane, which a table fitting in it scrolls in. */
export const PANE_SCROLLER = ".pane-body";

/** The class that makes a table's wrapper a box scrolling both ways (styles.css). */
export const TABLE_BOX = "table-box";

/**
 * Whether the table is wider than the room it has, from its wrapper's left edge to the right
 * edge of the pane it scrolls in (it may reach into the pane's padding): wider, the pane would
 * scroll sideways, so the wrapper is to be given {@link TABLE_BOX}. Boxing only narrows the
 * room (by the box's border and scroll bar), so a table boxed stays boxed until the window is
 * made wide enough for it to fit unboxed: the state cannot flicker.
 */
export function useWiderThanItsRoom(tableRef: RefObject<HTMLTableElement | null>): boolean {
  const [wider, setWider] = useState(false);
  useLayoutEffect(() => {
    const table = tableRef.current;
    const wrapper = table?.parentElement;
    if (!table || !wrapper || typeof ResizeObserver !== "function") return;
    const pane = table.closest<HTMLElement>(PANE_SCROLLER);
    const room = () => {
      if (!pane) return wrapper.clientWidth;
      const start = wrapper.getBoundingClientRect().left + wrapper.clientLeft;
      return pane.getBoundingClientRect().left + pane.clientLeft + pane.clientWidth - start;
    };
    const measure = () => setWider(table.offsetWidth > room() + 1);
    measure();
    // Rendered at once, inside the observer's callback, which runs before the frame is painted:
    // left to React's scheduler, the table showed for a frame running past the pane's edge.
    const resized = new ResizeObserver(() => flushSync(measure));
    resized.observe(table);
    resized.observe(wrapper);
    return () => resized.disconnect();
  }, [tableRef]);
  return wider;
}

/** Shifts the `.frozen` cells of a boxed table back by as far as its box has scrolled sideways. */
export function useFrozenColumns(tableRef: RefObject<HTMLTableElement | null>, boxed: boolean) {
  useEffect(() => {
    const table = tableRef.current;
    const box = table?.parentElement;
    if (!boxed || !table || !box) return;
    const follow = () => {
      const shift = box.scrollLeft;
      table.style.setProperty("--frozen-shift", `${shift}px`);
      // Marks the frozen edge with a rule only while something is scrolled under it.
      table.classList.toggle("columns-shifted", shift > 0);
    };
    follow();
    box.addEventListener("scroll", follow, { passive: true });
    return () => {
      box.removeEventListener("scroll", follow);
      table.style.removeProperty("--frozen-shift");
      table.classList.remove("columns-shifted");
    };
  }, [tableRef, boxed]);
}
