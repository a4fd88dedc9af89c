/**
 * A job that ran once and completed, as the fake keeps it: the demo's seeded imports and the
 * documents the fake makes at once both need one, and both must look like the core's finished
 * job (every step done, no log), so they are built here.
 */
import type { JobKind } from "../bindings/JobKind";
import type { FakeJob } from "./types";

export function completedJob(job: {
  id: number;
  orgCode: string;
  kind: JobKind;
  fileName: string | null;
  username: string;
  estimateId: number | null;
  /** When it was queued, and started at once. */
  startedAt: string;
  completedAt: string;
}): FakeJob {
  return {
    ...job,
    status: "completed",
    progress: 100,
    currentStep: "Done",
    errorMessage: null,
    errorLog: [],
    attempts: 1,
    createdAt: job.startedAt,
    source: "upload",
  };
}
