/**
 * The organization picker's logic: search ranking and keyboard movement. Pure, so the tests can
 * pin it without rendering anything.
 */
import type { OrgChoice } from "../bindings/OrgChoice";

/** Lower is better; null means "does not match". */
function rank(org: OrgChoice, needle: string): number | null {
  const code = org.code.toLowerCase();
  const name = org.name.toLowerCase();
  if (code === needle) return 0;
  if (code.startsWith(needle)) return 1;
  if (name.startsWith(needle)) return 2;
  if (name.split(/[\s\-'’.,()]+/).some((word) => word.startsWith(needle))) return 3;
  if (code.includes(needle)) return 4;
  if (name.includes(needle)) return 5;
  return null;
}

/**
 * Orgs whose code or name contains the query, case-insensitively. Best matches first (exact code,
 * code prefix, name prefix, word prefix, anywhere); ties keep the backend's order.
 */
export function filterOrgs(orgs: readonly OrgChoice[], query: string): OrgChoice[] {
  const needle = query.trim().toLowerCase();
  if (needle === "") return [...orgs];
  return orgs
    .map((org, index) => ({ org, index, score: rank(org, needle) }))
    .filter((x): x is { org: OrgChoice; index: number; score: number } => x.score !== null)
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .map((x) => x.org);
}

/** The line shown when nothing matches. */
export function noMatchMessage(query: string): string {
  return `No organization matches “${query.trim()}”.`;
}

/** Where the highlight starts when the list is shown: the active org if listed, else the top. */
export function initialHighlight(orgs: readonly OrgChoice[]): number {
  const active = orgs.findIndex((org) => org.active);
  return active >= 0 ? active : 0;
}

export type PickerCommand =
  | { type: "move"; index: number }
  | { type: "choose"; index: number }
  | { type: "close" }
  | { type: "none" };

/**
 * What a key press in the picker does. Arrows move and wrap around; Home/End jump; PageUp/Down
 * move by `page`; Enter chooses the highlighted org; Escape closes.
 */
export function pickerKey(key: string, highlight: number, count: number, page = 8): PickerCommand {
  if (key === "Escape") return { type: "close" };
  if (count <= 0) return { type: "none" };
  const current = Math.min(Math.max(highlight, 0), count - 1);
  switch (key) {
    case "ArrowDown":
      return { type: "move", index: (current + 1) % count };
    case "ArrowUp":
      return { type: "move", index: (current - 1 + count) % count };
    case "Home":
      return { type: "move", index: 0 };
    case "End":
      return { type: "move", index: count - 1 };
    case "PageDown":
      return { type: "move", index: Math.min(current + page, count - 1) };
    case "PageUp":
      return { type: "move", index: Math.max(current - page, 0) };
    case "Enter":
      return { type: "choose", index: current };
    default:
      return { type: "none" };
  }
}

/** ⌘-K on macOS, Ctrl-K elsewhere (both are accepted everywhere). */
export function isPickerShortcut(event: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "k";
}
