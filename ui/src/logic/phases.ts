/**
 * Which of a work slip preview's columns the editor folds. Each earlier phase brings its own
 * quantity and amount column (`Workslip-1 Qty`, `Workslip-1 Amt`, …), so from the sixth work
 * slip the editor is wider than the default window and the description scrolls out of sight.
 * The latest earlier phase is what a clerk compares the new quantities with; the ones before it
 * fold until asked for (the printed work slip always has every phase).
 */

const PHASE_HEADING = /^Workslip-(\d+) (Qty|Amt)$/;

function phaseOf(heading: string): number | null {
  const match = PHASE_HEADING.exec(heading);
  return match ? Number(match[1]) : null;
}

/** The earlier phases that fold: every phase column but the latest one's, by heading, and the
 * phases they belong to (for the "show them" button). */
export function foldablePhases(headings: readonly string[]): { headings: Set<string>; phases: number[] } {
  const phases = headings.map(phaseOf).filter((phase): phase is number => phase !== null);
  if (phases.length === 0) return { headings: new Set(), phases: [] };
  const latest = Math.max(...phases);
  const folded = headings.filter((heading) => {
    const phase = phaseOf(heading);
    return phase !== null && phase < latest;
  });
  const foldedPhases = [...new Set(phases.filter((phase) => phase < latest))].sort((a, b) => a - b);
  return { headings: new Set(folded), phases: foldedPhases };
}

/** "work slip 1", "work slips 1–4". */
export function describePhases(phases: readonly number[]): string {
  if (phases.length === 1) return `work slip ${phases[0]}`;
  return `work slips ${phases[0]}–${phases[phases.length - 1]}`;
}
