import { describe, expect, it } from "vitest";
import type { EffectiveRole } from "../bindings/EffectiveRole";
import { isReadOnly, mayAs, mayGloballyAs } from "../fake/permissions";
import { importBlockedReason, kindLabel, may, roleLabel, visiblePanes, withdrawBlockedReason } from "./roles";

describe("roleLabel", () => {
  it.each<[EffectiveRole, string]>([
    ["owner", "Owner"],
    ["admin", "Admin"],
    ["member", "Member"],
    ["viewer", "Viewer"],
    ["oversight", "Oversight · read-only"],
    ["operations", "Operations"],
    ["superuser", "Superuser"],
  ])("labels %s as %s", (role, label) => {
    expect(roleLabel(role)).toBe(label);
  });
});

/** An org as the core offers it to `role`, with the core's own recorded matrix. */
const offer = (code: string, role: EffectiveRole) => ({ code, role, may: mayAs(role), readOnly: isReadOnly(role) });

describe("visiblePanes", () => {
  it.each<[EffectiveRole, string[]]>([
    ["owner", ["works", "jobs", "outputs", "members", "audit", "settings"]],
    ["admin", ["works", "jobs", "outputs", "members", "audit", "settings"]],
    ["operations", ["works", "jobs", "outputs", "members", "audit", "settings"]],
    ["superuser", ["works", "jobs", "outputs", "members", "audit", "settings"]],
    ["oversight", ["works", "jobs", "outputs", "members", "audit", "settings"]],
    ["member", ["works", "jobs", "outputs", "settings"]],
    ["viewer", ["works", "jobs", "outputs", "settings"]],
  ])("shows %s the panes %j", (role, panes) => {
    expect(visiblePanes(offer("ORG", role))).toEqual(panes);
  });

  it("shows only Works with no active org, plus Audit for kinds that see every org", () => {
    expect(visiblePanes(null)).toEqual(["works"]);
    expect(visiblePanes(null, mayGloballyAs("standard"))).toEqual(["works"]);
    expect(visiblePanes(null, mayGloballyAs("operations"))).toEqual(["works"]);
    expect(visiblePanes(null, mayGloballyAs("oversight"))).toEqual(["works", "audit"]);
    expect(visiblePanes(null, mayGloballyAs("superuser"))).toEqual(["works", "audit"]);
  });
});

describe("read-only roles and kinds", () => {
  it("treats viewer and oversight as read-only, and no one else", () => {
    const all: EffectiveRole[] = ["owner", "admin", "member", "viewer", "operations", "oversight", "superuser"];
    expect(all.filter(isReadOnly)).toEqual(["viewer", "oversight"]);
  });
  it("names the user kinds", () => {
    expect(kindLabel("standard")).toBe("Standard user");
    expect(kindLabel("superuser")).toBe("Superuser");
  });
});

describe("importing", () => {
  it("lets member and above import, and not viewers or oversight", () => {
    const all: EffectiveRole[] = ["owner", "admin", "member", "viewer", "operations", "oversight", "superuser"];
    expect(all.filter((role) => may(offer("ORG", role), "upload_create"))).toEqual([
      "owner",
      "admin",
      "member",
      "operations",
      "superuser",
    ]);
  });
  it("explains a refused drop by role, naming the org", () => {
    expect(importBlockedReason(offer("PWD", "member"))).toBeNull();
    expect(importBlockedReason(offer("PWD", "viewer"))).toContain("Your role in PWD is Viewer, which is read-only");
    expect(importBlockedReason(offer("MOF", "oversight"))).toBe(
      "Oversight is read-only: workbooks cannot be imported into MOF.",
    );
    expect(importBlockedReason(null)).toContain("No organization is active");
  });
});

describe("withdrawBlockedReason", () => {
  it("lets the roles the core's matrix allows withdraw, and tells the others why not", () => {
    // From the recorded matrix: owners and admins withdraw; members make documents but do not.
    expect(withdrawBlockedReason(offer("MOH", "owner"))).toBeNull();
    expect(withdrawBlockedReason(offer("MOH", "admin"))).toBeNull();
    expect(withdrawBlockedReason(offer("MOH", "member"))).toBe(
      "Your role in MOH is Member, which does not withdraw documents. Ask an owner or admin of MOH.",
    );
    expect(withdrawBlockedReason(offer("MOH", "oversight"))).toBe("Oversight is read-only: documents cannot be withdrawn in MOH.");
  });
});
