import { describe, expect, it } from "vitest";
import type { EffectiveRole } from "../bindings/EffectiveRole";
import { isReadOnlyRole, kindLabel, roleLabel, visiblePanes } from "./roles";

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
    ["owner", ["works", "members", "audit"]],
    ["admin", ["works", "members", "audit"]],
    ["operations", ["works", "members", "audit"]],
    ["superuser", ["works", "members", "audit"]],
    ["oversight", ["works", "members", "audit"]],
    ["member", ["works"]],
    ["viewer", ["works"]],
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
