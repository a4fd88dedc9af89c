import { describe, expect, it } from "vitest";
import { FIRST_GUESS_PX, RowHeights, rowTop, rowWindow, WINDOWING_THRESHOLD } from "./windowing";

describe("rowWindow", () => {
  it("draws a short table whole", () => {
    const heights = new RowHeights(WINDOWING_THRESHOLD);
    expect(rowWindow(heights, 5000, 5800)).toEqual({ start: 0, end: WINDOWING_THRESHOLD, before: 0, after: 0 });
  });

  it("draws the rows in view of a long table and a margin, and stands in for the rest", () => {
    const heights = new RowHeights(60_000);
    for (let i = 0; i < 60_000; i++) heights.record(i, 20);
    // View from 10,000 px to 10,800 px, 200 px drawn beyond each edge: rows 490 to 549.
    const shown = rowWindow(heights, 10_000, 10_800, 200);
    expect(shown).toEqual({ start: 490, end: 550, before: 490 * 20, after: (60_000 - 550) * 20 });
    // Every row is drawn or stood in for: the table keeps its whole height.
    expect(shown.before + (shown.end - shown.start) * 20 + shown.after).toBe(60_000 * 20);
  });

  it("starts on an even row, so a striped row keeps its stripe as the window moves", () => {
    const heights = new RowHeights(1000);
    for (let i = 0; i < 1000; i++) heights.record(i, 10);
    // Row 51 is the first to reach the margin; row 50 is drawn with it.
    const shown = rowWindow(heights, 615, 700, 100);
    expect(shown.start).toBe(50);
    expect(shown.before).toBe(500);
  });

  it("reckons with rows not yet drawn at the drawn rows' average", () => {
    const heights = new RowHeights(1000);
    expect(heights.guess()).toBe(FIRST_GUESS_PX);
    heights.record(0, 20);
    heights.record(1, 60);
    expect(heights.guess()).toBe(40);
    expect(heights.of(1)).toBe(60);
    expect(heights.of(500)).toBe(40);
    expect(rowTop(heights, 3)).toBe(20 + 60 + 40);
    // Measuring a row again at the same height changes nothing; at another, it is taken.
    expect(heights.record(1, 60.2)).toBe(false);
    expect(heights.record(1, 30)).toBe(true);
    expect(heights.guess()).toBe(25);
  });

  it("draws the last rows when the view stands below a table that shrank", () => {
    const heights = new RowHeights(400);
    for (let i = 0; i < 400; i++) heights.record(i, 10);
    const shown = rowWindow(heights, 90_000, 91_000, 100);
    expect(shown.end).toBe(400);
    expect(shown.start).toBeLessThan(400);
    expect(shown.before + (shown.end - shown.start) * 10 + shown.after).toBe(4000);
  });

  it("draws from the first row at the top", () => {
    const heights = new RowHeights(5000);
    const shown = rowWindow(heights, 0, 900, 300);
    expect(shown.start).toBe(0);
    expect(shown.before).toBe(0);
    expect(shown.end).toBe(Math.ceil(1200 / FIRST_GUESS_PX));
  });
});
