// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.
import type { JobStatus } from "./JobStatus";

export type JobEvent = { jobId: number, status: JobStatus, progress: number, currentStep: string, };
