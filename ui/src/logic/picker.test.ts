import { describe, expect, it } from "vitest";
import { ORGS, org } from "../test/fixtures";
import { filterOrgs, initialHighlight, isPickerShortcut, noMatchMessage, pickerKey } from "./picker";

const codes = (list: { code: string }[]) => list.map((o) => o.code);

describe("filterOrgs", () => {
  it("finds MOH when typing lowercase moh, ranked above other matches", () => {
    const result = filterOrgs(ORGS, "moh");
    expect(result[0]?.code).toBe("MOH");
    // SMOHAN contains "moh" in its code too, but an exact code match comes first.
    expect(codes(result)).toEqual(["MOH", "SMOHAN"]);
  });

  it("matches case-insensitively on code, ignoring surrounding spaces", () => {
    expect(codes(filterOrgs(ORGS, "  MoH "))).toEqual(["MOH", "SMOHAN"]);
    expect(codes(filterOrgs(ORGS, "pwd"))).toEqual(["PWD"]);
  });

  it("matches on the name, including words after the first", () => {
    expect(codes(filterOrgs(ORGS, "health"))).toEqual(["MOH"]);
    expect(codes(filterOrgs(ORGS, "works dep"))).toEqual(["PWD"]);
    expect(codes(filterOrgs(ORGS, "ministry"))).toEqual(["MOF", "MOH"]);
  });

  it("ranks a code prefix above a name-only match", () => {
    const list = [org("XYZ", "Natural Resources"), org("NAT", "Zeta Office")];
    expect(codes(filterOrgs(list, "nat"))).toEqual(["NAT", "XYZ"]);
  });

  it("returns everything, in the given order, for an empty query", () => {
    expect(codes(filterOrgs(ORGS, ""))).toEqual(codes(ORGS));
    expect(codes(filterOrgs(ORGS, "   "))).toEqual(codes(ORGS));
  });

  it("returns nothing when nothing matches, with a message naming the query", () => {
    expect(filterOrgs(ORGS, "zzz")).toEqual([]);
    expect(noMatchMessage(" zzz ")).toBe("No organization matches “zzz”.");
  });

  it("does not modify the list it was given", () => {
    const before = codes(ORGS);
    filterOrgs(ORGS, "moh");
    expect(codes(ORGS)).toEqual(before);
  });
});

describe("initialHighlight", () => {
  it("starts on the active org", () => {
    expect(initialHighlight(ORGS)).toBe(4);
  });
  it("starts at the top when no org is active", () => {
    expect(initialHighlight(ORGS.map((o) => ({ ...o, active: false })))).toBe(0);
  });
});

describe("pickerKey", () => {
  it("moves down and up, wrapping at both ends", () => {
    expect(pickerKey("ArrowDown", 0, 3)).toEqual({ type: "move", index: 1 });
    expect(pickerKey("ArrowDown", 2, 3)).toEqual({ type: "move", index: 0 });
    expect(pickerKey("ArrowUp", 1, 3)).toEqual({ type: "move", index: 0 });
    expect(pickerKey("ArrowUp", 0, 3)).toEqual({ type: "move", index: 2 });
  });

  it("jumps with Home, End and the page keys", () => {
    expect(pickerKey("Home", 5, 10)).toEqual({ type: "move", index: 0 });
    expect(pickerKey("End", 0, 10)).toEqual({ type: "move", index: 9 });
    expect(pickerKey("PageDown", 5, 10, 8)).toEqual({ type: "move", index: 9 });
    expect(pickerKey("PageUp", 5, 10, 8)).toEqual({ type: "move", index: 0 });
  });

  it("chooses the highlighted row on Enter, clamped to the list", () => {
    expect(pickerKey("Enter", 1, 3)).toEqual({ type: "choose", index: 1 });
    expect(pickerKey("Enter", 7, 3)).toEqual({ type: "choose", index: 2 });
  });

  it("closes on Escape even when the list is empty", () => {
    expect(pickerKey("Escape", 0, 0)).toEqual({ type: "close" });
  });

  it("does nothing with an empty list or an unrelated key", () => {
    expect(pickerKey("ArrowDown", 0, 0)).toEqual({ type: "none" });
    expect(pickerKey("Enter", 0, 0)).toEqual({ type: "none" });
    expect(pickerKey("a", 0, 3)).toEqual({ type: "none" });
  });
});

describe("isPickerShortcut", () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }>) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    ...mods,
  });
  it("accepts Ctrl-K and ⌘-K", () => {
    expect(isPickerShortcut(key("k", { ctrlKey: true }))).toBe(true);
    expect(isPickerShortcut(key("K", { metaKey: true }))).toBe(true);
  });
  it("ignores plain K and other combinations", () => {
    expect(isPickerShortcut(key("k", {}))).toBe(false);
    expect(isPickerShortcut(key("k", { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isPickerShortcut(key("j", { ctrlKey: true }))).toBe(false);
  });
});
