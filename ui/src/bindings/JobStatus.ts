// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.

export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled";
