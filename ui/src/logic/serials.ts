/**
 * Serials of supplemental items (DOMAIN.md: `S1`, `S2`, … through the work slips). A new line in
 * the work-slip editor starts with the next one free, so that a clerk does not reuse a serial
 * an earlier work slip gave another item, which the core refuses.
 */

/** The next `S<n>` after every one in `taken` (the items listed, the lines being typed). */
export function nextSupplementalSerial(taken: Iterable<string>): string {
  let highest = 0;
  for (const serial of taken) {
    const number = /^\s*S\s*(\d+)\s*$/i.exec(serial)?.[1];
    if (number !== undefined) highest = Math.max(highest, Number(number));
  }
  return `S${highest + 1}`;
}
