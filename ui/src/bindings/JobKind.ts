// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.

export type JobKind = "parse_estimate" | "generate_bill" | "generate_workslip" | "generate_estimate_abstract";
