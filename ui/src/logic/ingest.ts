/** How jobs and dropped files read on screen. Pure functions: no React, no backend. */
import type { JobKind } from "../bindings/JobKind";
import type { JobStatus } from "../bindings/JobStatus";
import type { JobView } from "../bindings/JobView";
import type { UploadOutcome } from "../bindings/UploadOutcome";

export const JOB_STATUS_LABELS: Record<JobStatus, string> = {
  queued: "Queued",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const JOB_KIND_LABELS: Record<JobKind, string> = {
  restore_outputs: "Restore from bucket",
  parse_estimate: "Read estimate",
  generate_bill: "Generate bill",
  generate_workslip: "Generate work slip",
  generate_estimate_abstract: "Generate estimate abstract",
};

/** The file types a drop accepts, as the hint states them. */
export const DROP_HINT = "Drop .xlsx, .xlsm, .xls or .ods files anywhere in this window";

export type OutcomeView = {
  tone: "queued" | "duplicate" | "refused";
  /** A few words: what happened to the file. */
  label: string;
  /** One or two sentences: why, and what happens next. */
  text: string;
};

/**
 * One dropped file's result, explained. `batch` is every file of the same drop: a duplicate of
 * another file in it is named by that file, whose job the two share.
 */
export function uploadOutcomeView(
  outcome: UploadOutcome,
  orgCode: string,
  batch: readonly UploadOutcome[] = [],
): OutcomeView {
  if (outcome.error) {
    const message = outcome.error.message.trim();
    return {
      tone: "refused",
      label: "Not imported",
      text:
        message !== ""
          ? message
          : `${outcome.fileName} could not be imported. Check that it is an estimate workbook and drop it again.`,
    };
  }
  if (outcome.duplicate && outcome.readAgain && outcome.jobId !== null) {
    return {
      tone: "queued",
      label: `Queued again as job #${outcome.jobId}`,
      text: `A file with the same content was uploaded to ${orgCode} before, but job #${outcome.jobId} had not read it, so it reads it now.`,
    };
  }
  if (outcome.duplicate) {
    // The job is the first upload's: this file is read as that one was, not read again.
    const twin = batch.find((other) => other !== outcome && !other.duplicate && other.jobId !== null && other.jobId === outcome.jobId);
    if (twin) {
      return {
        tone: "duplicate",
        label: "Same as another file",
        text: `It has the same content as ${twin.fileName}, dropped with it, so it is stored once and read as job #${twin.jobId}.`,
      };
    }
    return {
      tone: "duplicate",
      label: "Already uploaded",
      text:
        `A file with the same content was already uploaded to ${orgCode}, so it is not stored twice.` +
        (outcome.jobId !== null ? ` That content is job #${outcome.jobId}'s; see it under Jobs.` : " Nothing new was imported."),
    };
  }
  if (outcome.jobId !== null) {
    return {
      tone: "queued",
      label: `Queued as job #${outcome.jobId}`,
      text: "It is read in the background; follow it under Jobs. The estimate is listed here once it is read.",
    };
  }
  return { tone: "queued", label: "Uploaded", text: "The file was stored." };
}

/**
 * A queued line once its job has an end: the estimate is read, or why the file could not be read
 * (the same words as under Jobs). Other lines, and lines whose job is still going, stay as they are.
 */
export function followedOutcomeView(outcome: UploadOutcome, view: OutcomeView, job: JobView | undefined): OutcomeView {
  if (view.tone !== "queued" || !job || outcome.jobId !== job.id) return view;
  if (job.status === "failed") {
    return {
      tone: "refused",
      label: `Job #${job.id} failed`,
      text: job.errorMessage?.trim() || `${outcome.fileName} could not be read; see the job under Jobs.`,
    };
  }
  if (job.status === "completed") {
    return { tone: "queued", label: `Read (job #${job.id})`, text: "Its estimate is listed under Works." };
  }
  return view;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * "3 files dropped on PWD: 1 queued, 1 already uploaded, 1 not imported." Given the jobs, a
 * queued file whose job has ended is counted as read, or as not read, as its own line says it.
 */
export function importSummary(
  outcomes: readonly UploadOutcome[],
  orgCode: string,
  jobsById: ReadonlyMap<number, JobView> = new Map(),
): string {
  const refused = outcomes.filter((o) => o.error !== null).length;
  // A copy of another file of the same drop is told as that, as its own line tells it.
  const twins = outcomes.filter(
    (o) => o.error === null && o.duplicate && outcomes.some((other) => !other.duplicate && other.jobId !== null && other.jobId === o.jobId),
  ).length;
  const duplicates = outcomes.filter((o) => o.error === null && o.duplicate).length - twins;
  const ended = (status: JobView["status"]) =>
    outcomes.filter((o) => o.error === null && !o.duplicate && o.jobId !== null && jobsById.get(o.jobId)?.status === status).length;
  const read = ended("completed");
  const notRead = ended("failed") + ended("cancelled");
  const queued = outcomes.length - refused - duplicates - twins - read - notRead;
  const parts = [
    read > 0 ? `${read} read` : null,
    queued > 0 ? `${queued} queued` : null,
    notRead > 0 ? `${notRead} could not be read` : null,
    twins > 0 ? `${twins} the same as another` : null,
    duplicates > 0 ? `${duplicates} already uploaded` : null,
    refused > 0 ? `${refused} not imported` : null,
  ].filter((p): p is string => p !== null);
  return `${plural(outcomes.length, "file", "files")} dropped on ${orgCode}: ${parts.join(", ")}.`;
}
