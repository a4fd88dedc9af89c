/**
 * Draws only the rows of a long table that are in view (and a margin around them), so that a
 * 60,000-item estimate opens and takes a key as quickly as a short one. The arithmetic is in
 * `logic/windowing`; this hook reads where the pane has scrolled, measures the rows it drew,
 * and keeps the two spacers that stand in for the rest.
 *
 * The rows go in their own `<tbody>`, and each spacer in another, so a striped row keeps its
 * stripe (`nth-child` counts within the rows' body) wherever the window stands.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from "react";
import { PANE_SCROLLER, TABLE_BOX } from "./useFrozenColumns";
import { RowHeights, rowTop, rowWindow, WINDOWING_THRESHOLD, type RowWindow } from "../../logic/windowing";

/** A table's own box, which a table wider than the pane scrolls in. */
const BOX_SCROLLER = `.${TABLE_BOX}`;

export type WindowedRows = RowWindow & {
  /** Scrolls row `index` to the middle of the view; it is drawn on the next render. */
  reveal: (index: number) => void;
};

export function useWindowedRows(bodyRef: RefObject<HTMLTableSectionElement | null>, count: number, boxed = false): WindowedRows {
  // Where the rows scroll: the pane, or the table's own box once it is wider than the pane.
  const scroller = boxed ? BOX_SCROLLER : PANE_SCROLLER;
  const heights = useMemo(() => new RowHeights(count), [count]);
  const [shown, setShown] = useState<RowWindow>(() => rowWindow(heights, 0, viewHeight()));
  const shownRef = useRef(shown);
  shownRef.current = shown;

  // Where the view stands, in pixels from the top of the first row.
  const view = useCallback((): { top: number; bottom: number; scroller: HTMLElement } | null => {
    const body = bodyRef.current;
    const area = body?.closest<HTMLElement>(scroller);
    if (!body || !area) return null;
    const firstRowTop = body.getBoundingClientRect().top - shownRef.current.before;
    const top = area.getBoundingClientRect().top + area.clientTop - firstRowTop;
    return { top, bottom: top + area.clientHeight, scroller: area };
  }, [bodyRef, scroller]);

  // The row the eye is on when the window moves, and where it stood: after the new rows are
  // drawn, the pane is scrolled by as much as that row moved. Spacers sized by a guess become
  // exact as rows are measured, and without this the content under the view jumped by the
  // difference (WebKit has no scroll anchoring of its own).
  const anchorRef = useRef<{ index: number; top: number } | null>(null);

  const update = useCallback(() => {
    const at = view();
    const next = at ? rowWindow(heights, at.top, at.bottom) : rowWindow(heights, 0, viewHeight());
    if (sameWindow(shownRef.current, next)) return;
    anchorRef.current = at ? rowInSight(bodyRef.current, at.scroller, shownRef.current.start) : null;
    setShown(next);
  }, [bodyRef, heights, view]);

  // A new table (another count) is placed from where the view stands now.
  useLayoutEffect(update, [update]);

  useEffect(() => {
    const area = bodyRef.current?.closest<HTMLElement>(scroller);
    if (!area || heights.count === 0) return;
    let frame = 0;
    const onMove = () => {
      if (frame === 0)
        frame = requestAnimationFrame(() => {
          frame = 0;
          update();
        });
    };
    area.addEventListener("scroll", onMove, { passive: true });
    window.addEventListener("resize", onMove);
    // Content above the table that grows or shrinks (a notice, another table's preview) moves
    // the table under a view that did not scroll.
    const resized = typeof ResizeObserver === "function" ? new ResizeObserver(onMove) : null;
    for (const part of Array.from(area.children)) resized?.observe(part);
    return () => {
      cancelAnimationFrame(frame);
      resized?.disconnect();
      area.removeEventListener("scroll", onMove);
      window.removeEventListener("resize", onMove);
    };
  }, [bodyRef, heights, update, scroller]);

  // After every render, the row in sight is put back where it stood, and the rows drawn are
  // measured: a problem shown under a cell, or a description that wraps, makes a row taller
  // than the guess the spacers were made with.
  useLayoutEffect(() => {
    const body = bodyRef.current;
    if (!body || heights.count <= WINDOWING_THRESHOLD) return;
    const anchor = anchorRef.current;
    anchorRef.current = null;
    const area = body.closest<HTMLElement>(scroller);
    const anchorRow = anchor ? body.rows[anchor.index - shown.start] : undefined;
    if (anchor && anchorRow && area) {
      const moved = anchorRow.getBoundingClientRect().top + area.scrollTop - anchor.top;
      if (Math.abs(moved) >= 1) area.scrollTop += moved;
    }
    let changed = false;
    const rows = body.rows;
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k];
      if (row) changed = heights.record(shown.start + k, row.getBoundingClientRect().height) || changed;
    }
    if (changed) update();
  });

  const reveal = useCallback(
    (index: number) => {
      const at = view();
      if (!at) return;
      at.scroller.scrollTop += rowTop(heights, index) - (at.top + at.scroller.clientHeight / 2);
      update();
    },
    [heights, update, view],
  );

  return { ...shown, reveal };
}

/** Stands in, at its height, for the rows of a table that are not drawn. */
export function RowSpacer({ height, columns }: { height: number; columns: number }) {
  if (height <= 0) return null;
  return (
    <tbody className="row-spacer" aria-hidden="true">
      <tr>
        <td colSpan={columns} style={{ height: `${height}px` }} />
      </tr>
    </tbody>
  );
}

/** The first drawn row not wholly above the view (or the last drawn, if all are), and where it is. */
function rowInSight(body: HTMLTableSectionElement | null, scroller: HTMLElement, start: number): { index: number; top: number } | null {
  const rows = body?.rows;
  if (!rows || rows.length === 0) return null;
  const viewTop = scroller.getBoundingClientRect().top;
  let k = 0;
  while (k < rows.length - 1 && (rows[k]?.getBoundingClientRect().bottom ?? 0) <= viewTop) k++;
  const row = rows[k];
  // Its place in the pane's content, not in the view: a scroll before the window is drawn
  // again is the reader's, and is not undone.
  return row ? { index: start + k, top: row.getBoundingClientRect().top + scroller.scrollTop } : null;
}

function viewHeight(): number {
  return typeof window === "undefined" ? 800 : window.innerHeight;
}

function sameWindow(a: RowWindow, b: RowWindow): boolean {
  return a.start === b.start && a.end === b.end && Math.abs(a.before - b.before) < 1 && Math.abs(a.after - b.after) < 1;
}
