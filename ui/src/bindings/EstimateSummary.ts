// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.

export type EstimateSummary = { id: number, name: string, fileName: string, sheetName: string, itemCount: number, ecv: string | null, grandTotal: string | null, warningCount: number, createdAt: string, };
