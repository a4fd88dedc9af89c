// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.

export type EstimateItemView = { row: number, slNo: string, description: string, quantity: string | null, unit: string, rate: string | null, amount: string | null, heading: boolean, flagged: boolean, };
