/**
 * What the top bar says about this device's inbox watcher. Pure: no React, no backend.
 */
import type { InboxStatus } from "../bindings/InboxStatus";

/** The folder's own name, the last part of its path. */
function lastPart(folder: string | null): string {
  if (!folder) return "";
  const parts = folder.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? folder;
}

/** The chip's few words. A long folder name is cut short on screen; see `inboxArrivingText`. */
export function inboxChipText(inbox: InboxStatus): string {
  switch (inbox.state) {
    case "missing":
      return "Inbox folder missing";
    case "watchedElsewhere":
      return "Inbox watched elsewhere";
    case "paused":
      return "Inbox paused";
    default:
      return `Inbox: ${lastPart(inbox.folder)}`;
  }
}

/** Whether the chip shows as a problem: nothing is being imported until someone acts. */
export function inboxNeedsAttention(inbox: InboxStatus): boolean {
  return inbox.state === "missing" || inbox.state === "paused";
}

/** "· 2 arriving", shown after the chip's words and never cut with them; null when none is. */
export function inboxArrivingText(inbox: InboxStatus): string | null {
  return inbox.state === "watching" && inbox.arriving.length > 0 ? `· ${inbox.arriving.length} arriving` : null;
}

/** The chip's hover title: the whole story. */
export function inboxChipTitle(inbox: InboxStatus): string {
  switch (inbox.state) {
    case "missing":
      return `The inbox folder ${inbox.folder} is not there (an unplugged drive?). Watching resumes when it returns.`;
    case "watchedElsewhere":
      return `${inbox.watchedBy ?? "Another Sitebook"} is watching ${inbox.folder}; this window takes over when it stops.`;
    case "paused":
      return `Nothing saved directly in ${inbox.folder} is imported, and its files are left as they are: ${inbox.pausedBecause ?? "its person may not upload."}`;
    default: {
      const watching = `Watching the inbox folder ${inbox.folder}: workbooks saved there import by themselves.`;
      const [first, ...rest] = inbox.arriving;
      if (first === undefined) return watching;
      const waited =
        rest.length === 0
          ? `${first} looks incomplete, as if it is still being copied; it is read when the rest arrives.`
          : `${inbox.arriving.length} files look incomplete, as if they are still being copied (${inbox.arriving.join(", ")}); each is read when the rest arrives.`;
      return `${watching} ${waited}`;
    }
  }
}
