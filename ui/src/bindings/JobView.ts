// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.
import type { JobKind } from "./JobKind";
import type { JobLogEntry } from "./JobLogEntry";
import type { JobStatus } from "./JobStatus";

export type JobView = { id: number, kind: JobKind, status: JobStatus, progress: number, currentStep: string, fileName: string | null, errorMessage: string | null, errorLog: Array<JobLogEntry>, attempts: number, createdAt: string, startedAt: string | null, completedAt: string | null, username: string, estimateId: number | null, canCancel: boolean, canRetry: boolean, };
