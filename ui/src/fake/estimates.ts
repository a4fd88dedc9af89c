/**
 * Parsed estimates for the fake backend: what the core's parser returns for typical workbooks
 * (DOMAIN.md §1). The bridge and the shipped example are the core's own parses, recorded with
 * the answers to the editors (`recorded/`), so they can be billed in the fake. The ward road is
 * written out here to show the parser's warnings (a #REF! rate, an amount that disagrees); an
 * item without a rate means it cannot be billed. Figures are strings, as the core sends them;
 * nothing here does arithmetic on money.
 */
import type { EstimateDetail } from "../bindings/EstimateDetail";
import type { EstimateItemView } from "../bindings/EstimateItemView";
import type { EstimateSummary } from "../bindings/EstimateSummary";
import { recordedEstimate } from "./recorded";

type Shape = Omit<EstimateDetail, "id" | "name" | "fileName" | "createdAt"> & { name: string };

function item(
  row: number,
  slNo: string,
  description: string,
  quantity: string | null,
  unit: string,
  rate: string | null,
  amount: string | null,
  flagged = false,
): EstimateItemView {
  return { row, slNo, description, quantity, unit, rate, amount, heading: false, flagged };
}

function heading(row: number, description: string): EstimateItemView {
  return { row, slNo: "", description, quantity: null, unit: "", rate: null, amount: null, heading: true, flagged: false };
}

/**
 * A ward road: headings, a #REF! rate, an amount that disagrees, a recomputed formula. As in the
 * core, every row a warning concerns is flagged.
 */
const WARD_ROAD: Shape = {
  name: "Providing CC road and side drains at Ward 12, Nellore",
  sheetName: "Estimate",
  headerRow: 3,
  metadata: [
    { label: "Name of the work", value: "Providing CC road and side drains at Ward 12, Nellore" },
    { label: "Estimate amount", value: "Rs. 6,50,000.00" },
    { label: "Ref. to Administrative sanction", value: "G.O.Rt.No. 118, MA&UD, dt. 04-02-2025" },
    { label: "Ref. to Technical sanction", value: "T.S.No. 42/EE/PH/2024-25" },
  ],
  items: [
    heading(4, "PART A — EARTH WORK"),
    item(5, "1", "Earth work excavation in all soils for side drains, including disposal of surplus earth within 50 m lead.", "125.50", "Cum", "285.00", "35767.50"),
    item(6, "2", "Providing and laying PCC 1:4:8 using 40 mm HBG metal for foundation and bed of drains.", "12.5", "Cum", "4500.00", "56250.00"),
    heading(7, "PART B — CONCRETE AND FINISHES"),
    item(8, "3", "Providing and laying VRCC M20 grade for road slab 150 mm thick, including curing.", "38.25", "Cum", "7850.00", "300262.50"),
    item(9, "4", "Supplying and fixing Aerial bunched cable 4 core × 16 sq.mm for street lights.", "120", "Mtrs", "450.00", "54000.00"),
    item(10, "5", "Painting two coats of synthetic enamel over one coat of primer on drain covers.", "210.75", "Sqm", "148.40", "31275.30"),
    item(11, "6", "Providing and fixing M.S. grill for drain inlets.", "45.6", "Kg", null, null, true),
    item(12, "7", "Dismantling old CC flooring and stacking serviceable material.", "60", "Sqm", "95.00", "5750.00", true),
    item(13, "8", "L.S provision for shifting of water supply lines.", "1", "LS", "25000.00", "25000.00", true),
  ],
  footer: [
    { label: "ECV", amount: "508305.30" },
    { label: "Add Excess T.P @ 5 %", amount: "25415.27" },
    { label: "Add LC @ 1 %", amount: "5083.05" },
    { label: "Add QC @ 1 %", amount: "5083.05" },
    { label: "Add NAC @ 0.1 %", amount: "508.31" },
    { label: "Sub Total", amount: "544394.98" },
    { label: "Add GST @ 18 %", amount: "97991.10" },
    { label: "L.S Provision towards unforeseen items", amount: "7613.92" },
    { label: "Grand Total", amount: "650000.00" },
  ],
  warnings: [
    { cell: "Estimate!E11", message: "The rate is the formula error #REF!. The row is flagged and left out of the totals.", row: 11 },
    { cell: "Estimate!H12", message: "The amount 5,750.00 differs from ROUND2(quantity × rate) = 5,700.00.", row: 12 },
    { cell: "Estimate!H13", message: "The formula had no cached value; the amount was recomputed as 25,000.00.", row: 13 },
  ],
};

/** The parse of a workbook by its file name: "bridge" in the name gives the bridge estimate. */
export function fakeParse(
  id: number,
  fileName: string,
  createdAt: string,
): EstimateDetail {
  if (/bridge/i.test(fileName)) return recordedEstimate("bridge", id, fileName, createdAt);
  return structuredClone({ ...WARD_ROAD, id, fileName, createdAt });
}

/** The example estimate that ships with the app, as the core parses it. */
export function fakeExample(id: number, fileName: string, createdAt: string): EstimateDetail {
  return recordedEstimate("example", id, fileName, createdAt);
}

const footerAmount = (detail: EstimateDetail, label: string) =>
  detail.footer.find((line) => line.label.toLowerCase() === label.toLowerCase())?.amount ?? null;

/** The list row of a stored estimate, as `list_estimates` returns it. */
export function summarize(detail: EstimateDetail): EstimateSummary {
  return {
    id: detail.id,
    name: detail.name,
    fileName: detail.fileName,
    sheetName: detail.sheetName,
    itemCount: detail.items.filter((i) => !i.heading).length,
    ecv: footerAmount(detail, "ECV"),
    grandTotal: footerAmount(detail, "Grand Total"),
    warningCount: detail.warnings.length,
    createdAt: detail.createdAt,
  };
}
