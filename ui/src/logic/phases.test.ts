import { describe, expect, it } from "vitest";
import { describePhases, foldablePhases } from "./phases";

const sixthSlip = [
  "Estimate qty",
  "Estimate amount",
  ...[1, 2, 3, 4, 5].flatMap((k) => [`Workslip-${k} Qty`, `Workslip-${k} Amt`]),
  "Qty (Execution)",
  "Amount (Execution)",
  "More",
  "Less",
];

describe("foldablePhases", () => {
  it("folds every earlier phase but the latest, quantity and amount alike", () => {
    const { headings, phases } = foldablePhases(sixthSlip);
    expect([...headings].sort()).toEqual(
      [1, 2, 3, 4].flatMap((k) => [`Workslip-${k} Qty`, `Workslip-${k} Amt`]).sort(),
    );
    expect(phases).toEqual([1, 2, 3, 4]);
    expect(headings.has("Workslip-5 Qty")).toBe(false);
    expect(headings.has("Amount (Execution)")).toBe(false);
  });

  it("folds nothing on a second work slip, which has one earlier phase", () => {
    const second = ["Estimate qty", "Workslip-1 Qty", "Workslip-1 Amt", "Qty (Execution)", "Amount (Execution)"];
    expect(foldablePhases(second)).toEqual({ headings: new Set(), phases: [] });
  });

  it("folds nothing on a bill, whose columns name no phase", () => {
    expect(foldablePhases(["Previous qty", "Till-date amount", "Since-last amount"]).phases).toEqual([]);
  });

  it("does not take a look-alike heading for a phase", () => {
    expect(foldablePhases(["Workslip-1 Qty", "Workslip-2 Qty", "From Workslip-1", "Workslip-x Amt"]).headings).toEqual(
      new Set(["Workslip-1 Qty"]),
    );
  });
});

describe("describePhases", () => {
  it("names one phase, or the first and last of several", () => {
    expect(describePhases([3])).toBe("work slip 3");
    expect(describePhases([1, 2, 3, 4])).toBe("work slips 1–4");
  });
});
