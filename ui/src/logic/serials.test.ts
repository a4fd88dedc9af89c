import { describe, expect, it } from "vitest";
import { nextSupplementalSerial } from "./serials";

describe("nextSupplementalSerial", () => {
  it("starts at S1 when no supplemental item exists", () => {
    expect(nextSupplementalSerial(["1", "2", "3.1", "4a"])).toBe("S1");
  });

  it("follows the highest taken, by an earlier work slip or a line being typed", () => {
    expect(nextSupplementalSerial(["1", "S1", "S2", "2"])).toBe("S3");
    expect(nextSupplementalSerial(["S1", "s 7", "S3"])).toBe("S8");
  });

  it("is not misled by serials that only look alike", () => {
    expect(nextSupplementalSerial(["SH1", "S1a", "AE2"])).toBe("S1");
  });
});
