import { describe, expect, it } from "vitest";
import type { InboxStatus } from "../bindings/InboxStatus";
import { inboxArrivingText, inboxChipText, inboxChipTitle, inboxNeedsAttention } from "./inbox";

const watching = (arriving: string[] = []): InboxStatus => ({
  state: "watching",
  folder: "/home/asha/Estimates inbox",
  watchedBy: null,
  arriving,
  pausedBecause: null,
});

describe("the inbox chip", () => {
  it("names the folder while it watches", () => {
    expect(inboxChipText(watching())).toBe("Inbox: Estimates inbox");
    expect(inboxArrivingText(watching())).toBeNull();
    expect(inboxChipTitle(watching())).not.toContain("incomplete");
  });

  it("counts the files still arriving and names them in its title", () => {
    expect(inboxArrivingText(watching(["road.xlsx"]))).toBe("· 1 arriving");
    expect(inboxChipTitle(watching(["road.xlsx"]))).toContain("road.xlsx looks incomplete, as if it is still being copied");
    const two = watching(["MOH/bridge.xls", "road.xlsx"]);
    expect(inboxArrivingText(two)).toBe("· 2 arriving");
    expect(inboxChipTitle(two)).toContain("2 files look incomplete, as if they are still being copied (MOH/bridge.xls, road.xlsx)");
  });

  it("says when the folder is gone or another watcher has it", () => {
    expect(inboxChipText({ ...watching(), state: "missing" })).toBe("Inbox folder missing");
    const elsewhere: InboxStatus = { ...watching(), state: "watchedElsewhere", watchedBy: "Sitebook on laptop-7, process 4120" };
    expect(inboxChipText(elsewhere)).toBe("Inbox watched elsewhere");
    expect(inboxChipTitle(elsewhere)).toContain("Sitebook on laptop-7, process 4120 is watching");
  });

  it("says why it is paused and what to do", () => {
    const paused: InboxStatus = {
      ...watching(),
      state: "paused",
      pausedBecause:
        "ravi can no longer upload into the inbox's organization. It resumes by itself once ravi may upload there again; or have someone who may upload there set the inbox again (Settings, Inbox folder).",
    };
    expect(inboxChipText(paused)).toBe("Inbox paused");
    expect(inboxNeedsAttention(paused)).toBe(true);
    expect(inboxNeedsAttention(watching())).toBe(false);
    expect(inboxArrivingText(paused)).toBeNull();
    expect(inboxChipTitle(paused)).toContain("files are left as they are: ravi can no longer upload");
    expect(inboxChipTitle(paused)).toContain("set the inbox again (Settings, Inbox folder).");
  });
});
