/**
 * Which rows of a long table to draw: those in view, and a margin above and below, with the
 * height of the rest stood in for by two spacers. Drawing all 60,000 rows of a large estimate
 * froze the window for half a minute when the editor opened, and for as long on each key,
 * because the webview lays out the whole table again on every change.
 *
 * Rows differ in height (a description wraps, a cell carries its problem), so each row's height
 * is taken as measured once it has been drawn, and as the measured rows' average until then.
 * This module is the arithmetic only; `components/common/useWindowedRows` measures and scrolls.
 */

/** Tables up to this many rows are drawn whole: find-as-you-read and printing keep every row. */
export const WINDOWING_THRESHOLD = 300;

/** Drawn beyond each edge of the view, so a Tab to the next row finds it drawn. */
export const OVERSCAN_PX = 600;

/** What a row is taken to be before any has been measured: one line of ledger text. */
export const FIRST_GUESS_PX = 30;

export type RowWindow = {
  /** The first row drawn. Always even, so that striped rows keep their stripe as it moves. */
  start: number;
  /** One past the last row drawn. */
  end: number;
  /** Height standing in for the rows above `start`. */
  before: number;
  /** Height standing in for the rows from `end` on. */
  after: number;
};

/** The heights of a table's rows, as measured where drawn and guessed elsewhere. */
export class RowHeights {
  private readonly measured: Float64Array;
  private measuredSum = 0;
  private measuredCount = 0;

  constructor(readonly count: number) {
    this.measured = new Float64Array(count);
  }

  /** The height to reckon with for row `index`. */
  of(index: number): number {
    const height = this.measured[index] ?? 0;
    return height > 0 ? height : this.guess();
  }

  /** The measured rows' average; a first guess before any is measured. */
  guess(): number {
    return this.measuredCount > 0 ? this.measuredSum / this.measuredCount : FIRST_GUESS_PX;
  }

  /** Records a drawn row's height; says whether it differs from what was reckoned with. */
  record(index: number, height: number): boolean {
    if (index < 0 || index >= this.count || !(height > 0)) return false;
    const old = this.measured[index] ?? 0;
    if (old > 0) {
      if (Math.abs(old - height) < 0.5) return false;
      this.measuredSum += height - old;
    } else {
      this.measuredSum += height;
      this.measuredCount += 1;
    }
    this.measured[index] = height;
    return true;
  }
}

/**
 * The rows to draw for a view from `top` to `bottom`, in pixels from the top of the first row.
 * A table at or under the threshold is drawn whole.
 */
export function rowWindow(heights: RowHeights, top: number, bottom: number, overscan = OVERSCAN_PX): RowWindow {
  const count = heights.count;
  if (count <= WINDOWING_THRESHOLD) return { start: 0, end: count, before: 0, after: 0 };
  const from = top - overscan;
  const to = Math.max(bottom, top) + overscan;
  let y = 0;
  let start = -1;
  let before = 0;
  let end = -1;
  let endTop = 0;
  for (let i = 0; i < count; i++) {
    const h = heights.of(i);
    if (start < 0 && y + h > from) {
      start = i;
      before = y;
    }
    if (start >= 0 && end < 0 && y >= to) {
      end = i;
      endTop = y;
    }
    y += h;
  }
  const total = y;
  if (end < 0) {
    end = count;
    endTop = total;
  }
  if (start < 0) {
    // Scrolled past the end (the table shrank under the view): draw its last rows.
    start = Math.max(0, count - 1);
    before = total - heights.of(start);
  }
  if (start % 2 === 1) {
    start -= 1;
    before -= heights.of(start);
  }
  return { start, end: Math.max(end, start + 1), before: Math.max(0, before), after: Math.max(0, total - endTop) };
}

/** Where row `index` begins, in pixels from the top of the first row. */
export function rowTop(heights: RowHeights, index: number): number {
  let y = 0;
  for (let i = 0; i < Math.min(index, heights.count); i++) y += heights.of(i);
  return y;
}
