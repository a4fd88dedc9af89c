// Written by hand to the agreed shape until ts-rs generates this file; the generated file replaces it.
import type { EstimateItemView } from "./EstimateItemView";
import type { FooterLine } from "./FooterLine";
import type { MetadataLine } from "./MetadataLine";
import type { ParseWarning } from "./ParseWarning";

export type EstimateDetail = { id: number, name: string, fileName: string, sheetName: string, headerRow: number, metadata: Array<MetadataLine>, items: Array<EstimateItemView>, footer: Array<FooterLine>, warnings: Array<ParseWarning>, createdAt: string, };
