import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../bindings/AuditEntry";
import { auditObject, filterAudit, formatTimestamp } from "./format";

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
});
