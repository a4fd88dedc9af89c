// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.

export type ParseWarning = { cell: string, message: string, row: number | null, };
