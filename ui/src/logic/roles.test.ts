import { describe, expect, it } from "vitest";
import type { EffectiveRole } from "../bindings/EffectiveRole";
import { canImport, importBlockedReason, isReadOnlyRole, kindLabel, roleLabel, visiblePanes } from "./roles";

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
    expect(visiblePanes(role)).toEqual(panes);
  });

  it("shows only Works with no active org, plus Audit for kinds that see every org", () => {
    expect(visiblePanes(null)).toEqual(["works"]);
    expect(visiblePanes(null, "standard")).toEqual(["works"]);
    expect(visiblePanes(null, "operations")).toEqual(["works"]);
    expect(visiblePanes(null, "oversight")).toEqual(["works", "audit"]);
    expect(visiblePanes(null, "superuser")).toEqual(["works", "audit"]);
  });
});

describe("read-only roles and kinds", () => {
  it("treats viewer and oversight as read-only, and no one else", () => {
    const all: EffectiveRole[] = ["owner", "admin", "member", "viewer", "operations", "oversight", "superuser"];
    expect(all.filter(isReadOnlyRole)).toEqual(["viewer", "oversight"]);
  });
  it("names the user kinds", () => {
    expect(kindLabel("standard")).toBe("Standard user");
    expect(kindLabel("superuser")).toBe("Superuser");
  });
});

describe("importing", () => {
  it("lets member and above import, and not viewers or oversight", () => {
    const all: EffectiveRole[] = ["owner", "admin", "member", "viewer", "operations", "oversight", "superuser"];
    expect(all.filter(canImport)).toEqual(["owner", "admin", "member", "operations", "superuser"]);
  });
  it("explains a refused drop by role, naming the org", () => {
    expect(importBlockedReason({ code: "PWD", role: "member" })).toBeNull();
    expect(importBlockedReason({ code: "PWD", role: "viewer" })).toContain("Your role in PWD is Viewer, which is read-only");
    expect(importBlockedReason({ code: "MOF", role: "oversight" })).toBe(
      "Oversight is read-only: workbooks cannot be imported into MOF.",
    );
    expect(importBlockedReason(null)).toContain("No organization is active");
  });
});
