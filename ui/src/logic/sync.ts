/**
 * What the top bar says about sync, from the core's status of the active org. Pure: no React,
 * no backend.
 */
import type { BucketCheckProgress } from "../bindings/BucketCheckProgress";
import type { SyncStatus } from "../bindings/SyncStatus";

export type SyncSummary = {
  text: string;
  tone: "ok" | "waiting" | "offline" | "failed" | "paused";
  /** The longer explanation, for the hover title. */
  title: string;
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Null while the status has not come yet. An org with no sync target says so ("Local only"):
 * UI.md keeps the sync state always in view, and a newcomer should see that the outputs exist
 * on this computer alone without opening Settings.
 */
export function syncSummary(status: SyncStatus | null, maySetUp = true): SyncSummary | null {
  if (!status) return null;
  // Only those who may change sync are sent to Settings to do it.
  const whoSets = maySetUp ? "" : "An owner or admin can ";
  if (!status.target) {
    return {
      text: "Local only",
      tone: "paused",
      title: `Outputs stay on this computer only: no bucket is set to keep a copy. ${whoSets ? `${whoSets}set one` : "Set one"} in Settings.`,
    };
  }
  const { counts, target } = status;
  if (!target.enabled) {
    return {
      text: "Sync paused",
      tone: "paused",
      title: `Sync to ${target.bucket} is turned off. ${whoSets ? `${whoSets}turn it on` : "Turn it on"} in Settings.`,
    };
  }
  if (target.halted) {
    return { text: "Sync held up", tone: "failed", title: target.halted };
  }
  if (counts.failed > 0) {
    return {
      text: `${counts.failed} failed`,
      tone: "failed",
      title: `${plural(counts.failed, "output", "outputs")} could not be synced: ${counts.lastError ?? "see Settings"}`,
    };
  }
  const waiting = counts.pending + counts.uploading;
  if (waiting > 0 && counts.lastError) {
    return {
      text: `Offline · ${waiting} waiting`,
      tone: "offline",
      title: `The bucket cannot be reached just now (${counts.lastError}). Sync resumes by itself.`,
    };
  }
  if (waiting > 0) {
    return { text: `${waiting} waiting`, tone: "waiting", title: `${plural(waiting, "output", "outputs")} on the way to ${target.bucket}.` };
  }
  const conflicts = counts.conflict > 0 ? ` ${plural(counts.conflict, "output was", "outputs were")} kept under a conflict name.` : "";
  return { text: "Up to date", tone: "ok", title: `Every output is in ${target.bucket}.${conflicts}` };
}

/**
 * How far a check of the bucket has got, for the line under the sync actions; null when none
 * runs. The listing comes first (a thousand names a request), then the comparing, which only the
 * deep check (a download per output) makes slow.
 */
export function bucketCheckText(checking: BucketCheckProgress | null): string | null {
  if (!checking) return null;
  if (checking.outputs === 0) return `checking the bucket: ${plural(checking.listed, "name", "names")} listed so far`;
  if (!checking.deep) return `checking the bucket: ${plural(checking.outputs, "output", "outputs")} to look for`;
  return `comparing contents: ${checking.compared} of ${plural(checking.outputs, "output", "outputs")}`;
}
