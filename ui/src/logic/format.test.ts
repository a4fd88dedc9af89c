import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../bindings/AuditEntry";
import {
  auditObject,
  auditActionLabel,
  filterAudit,
  formatDuration,
  formatIndianDecimal,
  formatMoney,
  formatQuantity,
  formatTimestamp,
  groupIndian,
  groupInternational,
  jobElapsed,
  isTypedFigure,
  readTypedNumber,
} from "./format";

const row = (id: number, extra: Partial<AuditEntry>): AuditEntry => ({
  id,
  at: "2025-03-04T07:30:05Z",
  username: "ravi",
  orgCode: "PWD",
  action: "org.switch",
  objectType: "organization",
  objectId: "MOH",
  outcome: "allowed",
  reason: null,
  device: "site-laptop-07",
  repeats: 1,
  ...extra,
});

describe("formatTimestamp", () => {
  it("writes UTC as YYYY-MM-DD HH:MM:SS", () => {
    expect(formatTimestamp("2025-03-04T07:30:05Z", "utc")).toBe("2025-03-04 07:30:05");
  });
  it("writes local time in the same fixed shape", () => {
    expect(formatTimestamp("2025-03-04T07:30:05Z")).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });
  it("shows an unreadable value unchanged", () => {
    expect(formatTimestamp("yesterday")).toBe("yesterday");
  });
});

describe("auditObject", () => {
  it("joins type and id, and copes with either missing", () => {
    expect(auditObject({ objectType: "user", objectId: "asha" })).toBe("user asha");
    expect(auditObject({ objectType: "organization", objectId: null })).toBe("organization");
    expect(auditObject({ objectType: null, objectId: null })).toBe("—");
  });
});

describe("filterAudit", () => {
  const rows = [
    row(1, {}),
    row(2, { username: "asha", outcome: "denied", reason: "not a member", action: "members.add" }),
    row(3, { username: null, orgCode: null, outcome: "failure", action: "session.sign_in" }),
  ];
  it("keeps every row for an empty filter", () => {
    expect(filterAudit(rows, " ").map((r) => r.id)).toEqual([1, 2, 3]);
  });
  it("matches any column, case-insensitively, and needs every word", () => {
    expect(filterAudit(rows, "DENIED").map((r) => r.id)).toEqual([2]);
    expect(filterAudit(rows, "member").map((r) => r.id)).toEqual([2]);
    expect(filterAudit(rows, "ravi pwd").map((r) => r.id)).toEqual([1]);
    expect(filterAudit(rows, "sign_in").map((r) => r.id)).toEqual([3]);
    expect(filterAudit(rows, "nobody")).toEqual([]);
  });
  it("matches the words an action is shown in, so 'bill' finds the bills made", () => {
    const made = [row(4, { action: "document.generate" }), row(5, { action: "estimates.view" })];
    expect(auditActionLabel("document.generate")).toBe("Make a bill, work slip or abstract");
    expect(filterAudit(made, "bill").map((r) => r.id)).toEqual([4]);
    // A name this window does not know is shown as it is.
    expect(auditActionLabel("future.thing")).toBe("future.thing");
  });
});

describe("groupIndian", () => {
  it.each([
    ["0", "0"],
    ["999", "999"],
    ["1000", "1,000"],
    ["12345", "12,345"],
    ["123456", "1,23,456"],
    ["12345678", "1,23,45,678"],
    ["123456789012", "1,23,45,67,89,012"],
  ])("groups %s as %s", (digits, grouped) => {
    expect(groupIndian(digits)).toBe(grouped);
  });
});

describe("formatMoney", () => {
  it.each([
    ["5625.00", "5,625.00"],
    ["5625", "5,625.00"],
    ["12345678.9", "1,23,45,678.90"],
    ["100000", "1,00,000.00"],
    ["0", "0.00"],
    ["0.5", "0.50"],
    [".5", "0.50"],
    ["007.10", "7.10"],
    ["+450", "450.00"],
    [" 12 ", "12.00"],
  ])("writes %j as %s", (value, shown) => {
    expect(formatMoney(value)).toBe(shown);
  });

  it("keeps the sign of negatives, as in a deduct row", () => {
    expect(formatMoney("-1234567.8")).toBe("-12,34,567.80");
    expect(formatMoney("-500")).toBe("-500.00");
    expect(formatMoney("-0.00")).toBe("0.00");
  });

  it("writes crores exactly, beyond what a JS number holds", () => {
    expect(formatMoney("12345678901234.57")).toBe("1,23,45,67,89,01,234.57");
    expect(formatMoney("98765432109876543.21")).toBe("98,76,54,32,10,98,76,543.21");
    // Number("98765432109876543.21") is 98765432109876540: the digits must never pass through one.
    expect(formatMoney("12345678901234.565")).toBe("1,23,45,67,89,01,234.57");
  });

  it("rounds extra decimals half away from zero on the digits, never through a float", () => {
    // 1.005 is 1.00499999… as a double, so Number-based rounding would print 1.00.
    expect(formatMoney("1.005")).toBe("1.01");
    expect(formatMoney("2.344")).toBe("2.34");
    expect(formatMoney("999.995")).toBe("1,000.00");
    expect(formatMoney("99999.999")).toBe("1,00,000.00");
    expect(formatMoney("-2.345")).toBe("-2.35");
    expect(formatMoney("-0.004")).toBe("0.00");
  });

  it("shows anything that is not a plain decimal unchanged", () => {
    expect(formatMoney("")).toBe("");
    expect(formatMoney("#REF!")).toBe("#REF!");
    expect(formatMoney("1e5")).toBe("1e5");
    expect(formatMoney("1,234.00")).toBe("1,234.00");
    expect(formatMoney("-")).toBe("-");
  });
});

describe("formatQuantity", () => {
  it("groups the integer part and keeps the decimals as given", () => {
    expect(formatQuantity("12.5")).toBe("12.5");
    expect(formatQuantity("12.50")).toBe("12.50");
    expect(formatQuantity("1234.500")).toBe("1,234.500");
    expect(formatQuantity("120")).toBe("120");
    expect(formatQuantity("1234567")).toBe("12,34,567");
    expect(formatQuantity("-0.25")).toBe("-0.25");
    expect(formatQuantity("0.000001")).toBe("0.000001");
  });
  it("is the same routine with no rounding", () => {
    expect(formatIndianDecimal("1234.5678")).toBe("1,234.5678");
    expect(formatIndianDecimal("1234.5678", 3)).toBe("1,234.568");
    expect(formatIndianDecimal("1234.5", 0)).toBe("1,235");
  });
});

describe("durations", () => {
  it("writes m:ss, and h:mm:ss from an hour", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(42_900)).toBe("0:42");
    expect(formatDuration(12 * 60_000 + 5_000)).toBe("12:05");
    expect(formatDuration(3_723_000)).toBe("1:02:03");
    expect(formatDuration(-5)).toBe("0:00");
  });
  it("measures a job from start to end, or to now while it runs", () => {
    const now = new Date("2025-03-04T08:01:30Z");
    expect(jobElapsed({ startedAt: null, completedAt: null }, now)).toBe("—");
    expect(jobElapsed({ startedAt: "2025-03-04T08:00:00Z", completedAt: null }, now)).toBe("1:30");
    expect(jobElapsed({ startedAt: "2025-03-04T08:00:00Z", completedAt: "2025-03-04T08:00:07Z" }, now)).toBe("0:07");
  });
});

describe("readTypedNumber", () => {
  it("reads commas only as Indian or international digit grouping", () => {
    expect(readTypedNumber("1,250")).toEqual({ value: "1250" });
    expect(readTypedNumber("1,25,000.5")).toEqual({ value: "125000.5" });
    expect(readTypedNumber("125,000.5")).toEqual({ value: "125000.5" });
    expect(readTypedNumber(" 7.5 ")).toEqual({ value: "7.5" });
  });

  it("refuses 12,5 saying what it could mean and what to type, and refuses 1,2,3", () => {
    const twelve = readTypedNumber("12,5");
    expect("problem" in twelve && twelve.problem).toContain("could mean 12.5 or 125");
    for (const bad of ["1,2,3", "12,3456", "1,2345.5", ",5", "1.2.3", "abc", "-"]) {
      expect(readTypedNumber(bad), bad).toHaveProperty("problem");
    }
  });

  it("reads back every number written in either grouping unchanged", () => {
    // A fixed pseudo-random walk over magnitudes from units to lakh crores.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let n = 0; n < 2000; n++) {
      const digits = String(next()) + String(next()).slice(0, next() % 6);
      const plain = digits.replace(/^0+(?=\d)/, "");
      const fraction = n % 3 === 0 ? "" : `.${String(next() % 1000).padStart(3, "0")}`;
      for (const grouped of [groupIndian(plain), groupInternational(plain), plain]) {
        expect(readTypedNumber(grouped + fraction)).toEqual({ value: plain + fraction });
      }
    }
  });

  it("refuses every comma not followed by a full group of three", () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let n = 0; n < 2000; n++) {
      const head = String(1 + (next() % 999));
      const lastLength = [1, 2, 4, 5][next() % 4] ?? 1;
      const last = String(next()).padStart(lastLength, "1").slice(0, lastLength);
      expect(readTypedNumber(`${head},${last}`)).toHaveProperty("problem");
    }
  });
});

describe("isTypedFigure", () => {
  it("reads a typed rate as the core does, commas and trailing zeros aside", () => {
    expect(isTypedFigure("9875", "9875.00")).toBe(true);
    expect(isTypedFigure("9,875.0", "9875.00")).toBe(true);
    expect(isTypedFigure(" 9875.00 ", "9875.00")).toBe(true);
    expect(isTypedFigure("100", "100.00")).toBe(true);
    expect(isTypedFigure("10.5", "10.50")).toBe(true);
  });

  it("tells a different figure, and text that is not a number, from the figure", () => {
    expect(isTypedFigure("98750", "9875.00")).toBe(false);
    expect(isTypedFigure("987.5", "9875.00")).toBe(false);
    expect(isTypedFigure("10", "100.00")).toBe(false);
    expect(isTypedFigure("98,75", "9875.00")).toBe(false);
    expect(isTypedFigure("", "0.00")).toBe(false);
  });
});
