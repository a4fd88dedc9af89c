// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.
import type { ApiError } from "./ApiError";

export type UploadOutcome = { fileName: string, jobId: number | null, uploadId: number | null, duplicate: boolean, error: ApiError | null, };
