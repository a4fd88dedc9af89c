// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.

export type JobLogEntry = { at: string, attempt: number, step: string, error: string, };
