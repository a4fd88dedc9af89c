/**
 * The documents side of the fake backend: work data, bills, work slips and their outputs, kept in
 * memory per estimate.
 *
 * It behaves like the core as far as the screens can tell (the chain of numbers, a final bill
 * closing it, AE rows when a quantity passes the estimate, problems naming their item, previews
 * saving nothing, Save as counting a download). Its arithmetic is exact (BigInt thousandths and
 * paise) but much simpler than the core's; the real figures come from the core's domain code.
 */
import type { BillDraft } from "./bindings/BillDraft";
import type { BillView } from "./bindings/BillView";
import type { DocumentPreview } from "./bindings/DocumentPreview";
import type { EditorItem } from "./bindings/EditorItem";
import type { EstimateDetail } from "./bindings/EstimateDetail";
import type { JobKind } from "./bindings/JobKind";
import type { OutputView } from "./bindings/OutputView";
import type { PreviewProblem } from "./bindings/PreviewProblem";
import type { PreviewRow } from "./bindings/PreviewRow";
import type { QuantityEntry } from "./bindings/QuantityEntry";
import type { PreviewMemorandum } from "./bindings/PreviewMemorandum";
import type { QueuedDocument } from "./bindings/QueuedDocument";
import type { RecoveryEntry } from "./bindings/RecoveryEntry";
import type { SupplementalEntry } from "./bindings/SupplementalEntry";
import type { WorkForm } from "./bindings/WorkForm";
import type { WorkslipDraft } from "./bindings/WorkslipDraft";
import type { Withdrawn } from "./bindings/Withdrawn";
import type { WorkslipView } from "./bindings/WorkslipView";
import { readTypedNumber } from "./logic/format";

export type FakeDocumentsContext = {
  /** The active org's estimate, or a `not_found` error. */
  estimate(id: number): { orgCode: string; detail: EstimateDetail };
  orgCode(): string;
  /** Throws `denied` (and audits it) for read-only roles. */
  requireWriter(what: string): void;
  /** Records a job that already completed, named as the Jobs pane shows it; returns its id. */
  completedJob(kind: JobKind, estimateId: number, label: string): number;
  now(): string;
};

type StoredOutput = OutputView & { orgCode: string; bytes: Uint8Array };

const MAX_WORKSLIPS = 10;

/** A one-page PDF that says which document it stands for, so a preview has something to show. */
export function tinyPdf(title: string): Uint8Array {
  const text = title.replace(/[()\\]/g, "");
  const stream = `BT /F1 18 Tf 72 760 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(body);
}

// Exact decimals, never floats: quantities are whole thousandths and money whole paise (BigInt).
type Qty = bigint;
type Paise = bigint;
const QTY_SCALE = 3;
const MONEY_SCALE = 2;

/** Reads `12.5`, `1,234.50` or `-3` at `scale` decimal places, rounding half up; null if not a number. */
function parseFixed(text: string, scale: number): bigint | null {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.replace(/[,\s]/g, ""));
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) return null;
  const [, sign, whole, fraction = ""] = match;
  const digits = BigInt((whole || "0") + fraction.padEnd(scale, "0").slice(0, scale));
  const roundUp = fraction.length > scale && Number(fraction[scale]) >= 5 ? 1n : 0n;
  const value = digits + roundUp;
  return sign === "-" ? -value : value;
}

function formatFixed(value: bigint, scale: number): string {
  const negative = value < 0n;
  const text = (negative ? -value : value).toString().padStart(scale + 1, "0");
  const point = text.length - scale;
  return `${negative ? "-" : ""}${text.slice(0, point)}.${text.slice(point)}`;
}

const money = (value: Paise) => formatFixed(value, MONEY_SCALE);
const qty = (value: Qty) => formatFixed(value, QTY_SCALE).replace(/\.?0+$/, "");
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
/** ROUND2(quantity × rate), half up: thousandths × paise is in 1/1000 paise. */
const amountOf = (quantity: Qty, rate: Paise): Paise => (quantity * rate + 500n) / 1000n;
/** Whole rupees, for the fake's amount in words. */
const rupees = (value: Paise) => (value / 100n).toString();

type BillItem = { slNo: string; description: string; unit: string; rate: Paise; estimate: Qty };

/** The items a document can use; like the core, an item without a quantity or rate refuses them all. */
function billItems(detail: EstimateDetail): BillItem[] {
  const unusable = detail.items.filter((item) => !item.heading && (item.quantity === null || item.rate === null));
  if (unusable.length > 0) {
    throw {
      code: "validation",
      message: `Estimate ${detail.id} has items without a quantity or rate (${unusable
        .map((item) => `${detail.sheetName}!row ${item.row}`)
        .join(", ")}); fix them in the workbook and upload it again.`,
    };
  }
  return detail.items
    .filter((item) => !item.heading)
    .map((item) => ({
      slNo: item.slNo,
      description: item.description,
      unit: item.unit,
      rate: parseFixed(item.rate ?? "", MONEY_SCALE) ?? 0n,
      estimate: parseFixed(item.quantity ?? "", QTY_SCALE) ?? 0n,
    }));
}

function readEntries(entries: QuantityEntry[]): { values: Map<string, Qty>; problems: PreviewProblem[] } {
  const values = new Map<string, Qty>();
  const problems: PreviewProblem[] = [];
  for (const entry of entries) {
    if (entry.quantity.trim() === "") continue;
    const read = readTypedNumber(entry.quantity);
    if ("problem" in read) {
      problems.push({ slNo: entry.slNo, message: `item ${entry.slNo}: ${read.problem}` });
      continue;
    }
    const text = read.value;
    const value = parseFixed(text, QTY_SCALE);
    if (value === null) {
      problems.push({ slNo: entry.slNo, message: `item ${entry.slNo}: "${entry.quantity}" is not a number; type a quantity such as 12.5` });
    } else if (value < 0n) {
      problems.push({ slNo: entry.slNo, message: `item ${entry.slNo}: quantity ${text} is negative` });
    } else {
      values.set(entry.slNo, value);
    }
  }
  return { values, problems };
}

/** Supplemental lines as the core reads them: blank lines skipped, incomplete ones a problem. */
function readSupplemental(entries: SupplementalEntry[], problems: PreviewProblem[]) {
  const lines: Array<{ slNo: string; description: string; unit: string; rate: Paise; executed: Qty }> = [];
  entries.forEach((entry, index) => {
    const fields = [entry.slNo, entry.description, entry.unit, entry.rate, entry.executed];
    if (fields.every((f) => f.trim() === "")) return;
    const missing: string[] = [];
    if (entry.slNo.trim() === "") missing.push("a serial");
    if (entry.description.trim() === "") missing.push("a description");
    const rate = parseFixed(entry.rate, MONEY_SCALE);
    if (rate === null) missing.push("a rate (a number)");
    const executed = parseFixed(entry.executed, QTY_SCALE);
    if (executed === null) missing.push("an executed quantity (a number)");
    if (missing.length > 0 || rate === null || executed === null) {
      const name = entry.slNo.trim() === "" ? `supplemental line ${index + 1}` : `supplemental item ${entry.slNo.trim()}`;
      problems.push({ slNo: entry.slNo.trim() || null, message: `${name}: give ${missing.join(", ")}` });
      return;
    }
    lines.push({ slNo: entry.slNo.trim(), description: entry.description.trim(), unit: entry.unit.trim(), rate, executed });
  });
  return lines;
}

const ORDINALS = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth"];

export function createFakeDocuments(ctx: FakeDocumentsContext) {
  const workForms = new Map<number, WorkForm>();
  const bills: Array<BillView & { tillDate: Map<string, Qty> }> = [];
  const workslips: Array<WorkslipView & { executed: Map<string, Qty> }> = [];
  const outputs: StoredOutput[] = [];
  let nextBillId = 1;
  let nextOutputId = 1;

  const billsOf = (estimateId: number) => bills.filter((b) => b.estimateId === estimateId);
  const workslipsOf = (estimateId: number) => workslips.filter((w) => w.estimateId === estimateId);

  function defaultForm(detail: EstimateDetail): WorkForm {
    const meta = (label: RegExp) => detail.metadata.find((m) => label.test(m.label))?.value ?? "";
    const grand = detail.footer.find((f) => /grand total/i.test(f.label))?.amount ?? "0.00";
    return {
      nameOfWork: detail.name,
      workMode: "original",
      isAmc: false,
      area: "municipal",
      estimateAmount: grand,
      grandTotal: grand,
      administrativeSanctionRef: meta(/admin/i),
      technicalSanctionRef: meta(/techn/i),
      agreementRef: meta(/agreement/i),
      agency: meta(/agency/i),
      tpPercent: "",
      tpType: "excess",
      mbMeasurements: { book: "", firstPage: "", lastPage: "" },
      mbAbstract: { book: "", firstPage: "", lastPage: "" },
      doi: "",
      doc: "",
      domr: "",
      dobr: "",
    };
  }

  function nextBill(estimateId: number): { number: number | null; blocked: string | null; previous: Map<string, Qty> | null } {
    const chain = billsOf(estimateId);
    const last = chain[chain.length - 1];
    if (last?.isFinal) {
      return { number: null, blocked: `No bill can follow: bill ${last.number} is final and closes the chain.`, previous: null };
    }
    return { number: chain.length + 1, blocked: null, previous: last ? last.tillDate : null };
  }

  function editorItems(detail: EstimateDetail, previous: Map<string, Qty> | null): EditorItem[] {
    return billItems(detail).map((item) => {
      const before = previous ? (previous.get(item.slNo) ?? 0n) : null;
      return {
        slNo: item.slNo,
        description: item.description,
        unit: item.unit,
        rate: money(item.rate),
        estimateQuantity: qty(item.estimate),
        previousQuantity: before === null ? null : qty(before),
        suggestedQuantity: qty(before ?? item.estimate),
      };
    });
  }

  function computeBill(estimateId: number, entries: QuantityEntry[]) {
    const { detail } = ctx.estimate(estimateId);
    const { number, blocked, previous } = nextBill(estimateId);
    if (number === null) throw { code: "precondition_failed", message: `Estimate ${estimateId}: ${blocked}` };
    const { values, problems } = readEntries(entries);
    const items = billItems(detail);
    for (const slNo of values.keys()) {
      if (!items.some((i) => i.slNo === slNo)) problems.push({ slNo, message: `item ${slNo}: there is no such item in the estimate` });
    }
    const tillDate = new Map<string, Qty>();
    for (const item of items) {
      const before = previous?.get(item.slNo) ?? 0n;
      const now = values.get(item.slNo) ?? (previous ? before : 0n);
      if (previous && now < before) {
        problems.push({
          slNo: item.slNo,
          message: `item ${item.slNo}: till-date quantity ${qty(now)} is below the previous bill's ${qty(before)}; enter the quantity measured up to date, not since the last bill`,
        });
      }
      // As the core does, a row with a problem stays at its default so the others compute.
      tillDate.set(item.slNo, previous && now < before ? before : now);
    }
    return { detail, number, previous, items, tillDate, problems };
  }

  /**
   * The memorandum of payments, reduced for the fake: the bill's gross less the typed
   * recoveries. (The core also applies the organization's table of deductions.)
   */
  function fakeMemorandum(value: Paise, previous: Paise, recoveries: RecoveryEntry[]): PreviewMemorandum | PreviewProblem[] {
    const gross = value - previous;
    const problems: PreviewProblem[] = [];
    const lines = [
      { number: "1", particulars: "Total value of work done till date", detail: "", amount: money(value), isTotal: false },
      { number: "2", particulars: "Deduct the amount of previous payments", detail: "", amount: money(previous), isTotal: false },
      { number: "3", particulars: "Gross amount of this bill", detail: "1 - 2", amount: money(gross), isTotal: true },
    ];
    let net = gross;
    recoveries.forEach((entry, index) => {
      if (entry.label.trim() === "" && entry.amount.trim() === "") return;
      const read = readTypedNumber(entry.amount);
      if (entry.label.trim() === "" || "problem" in read) {
        problems.push({ slNo: null, message: `recovery ${index + 1}: give a label and an amount` });
        return;
      }
      const amount = parseFixed(read.value, MONEY_SCALE) ?? 0n;
      net -= amount;
      lines.push({ number: `4(${String.fromCharCode(97 + index)})`, particulars: `Deduct: ${entry.label.trim()}`, detail: "this bill", amount: money(amount), isTotal: false });
    });
    if (problems.length > 0) return problems;
    lines.push({ number: "5", particulars: "Net amount payable by cheque", detail: "3 + additions - deductions", amount: money(net), isTotal: true });
    return { lines, netPayable: money(net), netInWords: `Rupees ${rupees(net)} only` };
  }

  function previewBill(estimateId: number, isFinal: boolean, entries: QuantityEntry[], recoveries: RecoveryEntry[]): DocumentPreview {
    const { number, previous, items, tillDate, problems } = computeBill(estimateId, entries);
    const title = `CC ${ORDINALS[number - 1] ?? `${number}th`} & ${isFinal ? "Final" : "Part"} Bill`;
    const rows: PreviewRow[] = [];
    let total = 0n;
    let previousTotal = 0n;
    let ae = 0;
    for (const item of items) {
      const now = tillDate.get(item.slNo) ?? 0n;
      const before = previous?.get(item.slNo) ?? 0n;
      const within = min(now, item.estimate);
      const withinBefore = min(before, item.estimate);
      const excess = max(0n, now - item.estimate);
      const amount = amountOf(within, item.rate);
      const beforeAmount = amountOf(withinBefore, item.rate);
      total += amount;
      previousTotal += beforeAmount;
      const figures = previous
        ? [qty(within), money(amount), qty(withinBefore), money(beforeAmount), qty(within - withinBefore), money(amount - beforeAmount)]
        : [qty(within), money(amount)];
      rows.push({ kind: "item", slNo: item.slNo, description: item.description, unit: item.unit, rate: money(item.rate), figures, remarks: "" });
      if (excess > 0n) {
        const excessAmount = amountOf(excess, item.rate);
        total += excessAmount;
        ae += 1;
        rows.push({
          kind: "excess",
          slNo: "",
          description: `AE${ae}`,
          unit: item.unit,
          rate: money(item.rate),
          figures: previous ? [qty(excess), money(excessAmount), "0", "0.00", qty(excess), money(excessAmount)] : [qty(excess), money(excessAmount)],
          remarks: "",
        });
      }
    }
    const columns = previous
      ? [
          { heading: "Billed qty", isAmount: false },
          { heading: "Till-date amount", isAmount: true },
          { heading: "Previous qty", isAmount: false },
          { heading: "Previous amount", isAmount: true },
          { heading: "Since-last qty", isAmount: false },
          { heading: "Since-last amount", isAmount: true },
        ]
      : [
          { heading: "Quantity", isAmount: false },
          { heading: "Amount", isAmount: true },
        ];
    const line = (label: string, now: Paise, before: Paise) => ({
      label,
      figures: previous ? [null, money(now), null, money(before), null, money(now - before)] : [null, money(now)],
    });
    const memorandum = fakeMemorandum(total, previous ? previousTotal : 0n, recoveries);
    return {
      title,
      columns,
      rows,
      totals: [line("Sub Total Amount", total, previousTotal), line("Total", total, previousTotal)],
      amountInWords: `Rupees ${rupees(total)} only`,
      problems: Array.isArray(memorandum) ? [...problems, ...memorandum] : problems,
      warnings: [],
      memorandum: Array.isArray(memorandum) ? null : memorandum,
    };
  }

  function addOutputs(jobId: number, stem: string, title: string): void {
    const orgCode = ctx.orgCode();
    for (const kind of ["pdf", "xlsx"] as const) {
      const bytes = kind === "pdf" ? tinyPdf(title) : new TextEncoder().encode("PK fake workbook");
      outputs.push({
        id: nextOutputId++,
        jobId,
        filename: `${stem}.${kind}`,
        kind,
        size: bytes.length,
        sha256: `${stem}-${kind}`.padEnd(64, "0").slice(0, 64),
        inputsSha256: stem.padEnd(64, "0").slice(0, 64),
        downloadCount: 0,
        lastDownloaded: null,
        createdAt: ctx.now(),
        syncState: "local",
        restored: false,
        withdrawn: false,
        orgCode,
        bytes,
      });
    }
  }

  function findOutput(id: number): StoredOutput {
    const orgCode = ctx.orgCode();
    const found = outputs.find((o) => o.id === id && o.orgCode === orgCode);
    if (!found) throw { code: "not_found", message: `There is no output #${id} in ${orgCode}.` };
    return found;
  }

  const view = ({ orgCode: _org, bytes: _bytes, ...rest }: StoredOutput): OutputView => rest;

  return {
    workForm(estimateId: number): WorkForm {
      const { detail } = ctx.estimate(estimateId);
      return workForms.get(estimateId) ?? defaultForm(detail);
    },
    saveWorkForm(estimateId: number, form: WorkForm): WorkForm {
      ctx.estimate(estimateId);
      ctx.requireWriter("edit work data");
      const problems: string[] = [];
      if (form.nameOfWork.trim() === "") problems.push("the name of the work is empty");
      for (const [label, value] of [
        ["Estimate amount", form.estimateAmount],
        ["Sanctioned grand total", form.grandTotal],
      ] as const) {
        if (!/^\d[\d,]*(\.\d+)?$/.test(value.trim())) problems.push(`${label}: "${value}" is not an amount`);
      }
      const percent = parseFixed(form.tpPercent, QTY_SCALE);
      if (form.tpPercent.trim() !== "" && (percent === null || percent < 0n || percent > 100_000n)) {
        problems.push(`Tender premium: ${form.tpPercent} is not a percentage from 0 to 100`);
      }
      for (const [label, value] of [
        ["Date of intimation (DOI)", form.doi],
        ["Date of completion (DOC)", form.doc],
        ["Date of measurement recording (DOMR)", form.domr],
        ["Date of bill recording (DOBR)", form.dobr],
      ] as const) {
        if (value.trim() !== "" && !/^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$/.test(value.trim())) {
          problems.push(`${label}: "${value}" is not a date; write it as dd-mm-yyyy`);
        }
      }
      if (problems.length > 0) throw { code: "validation", message: `${problems.join("; ")}.` };
      workForms.set(estimateId, { ...form, nameOfWork: form.nameOfWork.trim() });
      return workForms.get(estimateId)!;
    },
    bills(estimateId: number): BillView[] {
      ctx.estimate(estimateId);
      return billsOf(estimateId).map(({ tillDate: _t, ...rest }) => rest);
    },
    workslips(estimateId: number): WorkslipView[] {
      ctx.estimate(estimateId);
      return workslipsOf(estimateId).map(({ executed: _e, ...rest }) => rest);
    },
    billDraft(estimateId: number): BillDraft {
      ctx.requireWriter("generate bills and work slips");
      const { detail } = ctx.estimate(estimateId);
      const { number, blocked, previous } = nextBill(estimateId);
      const form = workForms.get(estimateId);
      return {
        estimateId,
        number,
        isFirst: billsOf(estimateId).length === 0,
        blocked,
        tenderPremium: form && form.tpPercent.trim() !== "" ? `T.P @ ${form.tpPercent} % ${form.tpType === "less" ? "Less" : "Excess"}` : null,
        capSource: "the sanctioned estimate",
        items: blocked ? editorItems(detail, null) : editorItems(detail, previous),
      };
    },
    previewBill(estimateId: number, isFinal: boolean, entries: QuantityEntry[], recoveries: RecoveryEntry[]): DocumentPreview {
      ctx.requireWriter("generate bills and work slips");
      return previewBill(estimateId, isFinal, entries, recoveries);
    },
    createBill(estimateId: number, isFinal: boolean, entries: QuantityEntry[], recoveries: RecoveryEntry[]): QueuedDocument {
      ctx.requireWriter("generate bills and work slips");
      const { number, tillDate } = computeBill(estimateId, entries);
      const preview = previewBill(estimateId, isFinal, entries, recoveries);
      if (preview.problems.length > 0) {
        throw { code: "validation", message: `Bill ${number}: ${preview.problems.map((p) => p.message).join("; ")}.` };
      }
      const title = preview.title;
      const jobId = ctx.completedJob("generate_bill", estimateId, `Bill ${number} of estimate ${estimateId}`);
      const inputsSha256 = `bill${number}`.padEnd(64, "0");
      bills.push({ id: nextBillId++, estimateId, number, isFinal, jobId, inputsSha256, createdAt: ctx.now(), tillDate });
      addOutputs(jobId, `bill-${number}-job-${jobId}`, title);
      return { number, jobId, inputsSha256, warnings: [], capsFrom: "the sanctioned estimate" };
    },
    workslipDraft(estimateId: number): WorkslipDraft {
      ctx.requireWriter("generate bills and work slips");
      const { detail } = ctx.estimate(estimateId);
      const earlier = workslipsOf(estimateId);
      const last = earlier[earlier.length - 1];
      const full = earlier.length >= MAX_WORKSLIPS;
      return {
        estimateId,
        phase: full ? null : earlier.length + 1,
        blocked: full ? `This estimate has all ${MAX_WORKSLIPS} work slips; no more can be made.` : null,
        items: editorItems(detail, last ? last.executed : null),
      };
    },
    previewWorkslip(estimateId: number, entries: QuantityEntry[], supplemental: SupplementalEntry[] = []): DocumentPreview {
      ctx.requireWriter("generate bills and work slips");
      const { detail } = ctx.estimate(estimateId);
      const phase = workslipsOf(estimateId).length + 1;
      const { values, problems } = readEntries(entries);
      const extras = readSupplemental(supplemental, problems);
      const title = phase === 1 ? "WORKING ESTIMATE" : `WORKING ESTIMATE-${phase}`;
      if (problems.length > 0) return { title, columns: [], rows: [], totals: [], amountInWords: "", problems, warnings: [], memorandum: null };
      let estimateTotal = 0n;
      let executedTotal = 0n;
      const rows: PreviewRow[] = billItems(detail).map((item) => {
        const executed = values.get(item.slNo) ?? 0n;
        const estimateAmount = amountOf(item.estimate, item.rate);
        const amount = amountOf(executed, item.rate);
        estimateTotal += estimateAmount;
        executedTotal += amount;
        return {
          kind: "item",
          slNo: item.slNo,
          description: item.description,
          unit: item.unit,
          rate: money(item.rate),
          figures: [qty(item.estimate), money(estimateAmount), qty(executed), money(amount), money(max(0n, amount - estimateAmount)), money(max(0n, estimateAmount - amount))],
          remarks: executed === 0n ? "Deleted" : "",
        };
      });
      if (extras.length > 0) rows.push({ kind: "heading", slNo: "", description: `Supplemental Items-${phase}`, unit: "", rate: null, figures: [null, null, null, null, null, null], remarks: "" });
      for (const extra of extras) {
        const amount = amountOf(extra.executed, extra.rate);
        executedTotal += amount;
        rows.push({
          kind: "supplemental",
          slNo: extra.slNo,
          description: extra.description,
          unit: extra.unit,
          rate: money(extra.rate),
          figures: [null, null, qty(extra.executed), money(amount), money(amount), money(0n)],
          remarks: "Proposed as per site condition",
        });
      }
      const grand = parseFixed(this.workForm(estimateId).grandTotal, MONEY_SCALE) ?? 0n;
      return {
        title,
        columns: [
          { heading: "Estimate qty", isAmount: false },
          { heading: "Estimate amount", isAmount: true },
          { heading: "Qty (Execution)", isAmount: false },
          { heading: "Amount (Execution)", isAmount: true },
          { heading: "More", isAmount: true },
          { heading: "Less", isAmount: true },
        ],
        rows,
        totals: [
          { label: "Sub Total Amount", figures: [null, money(estimateTotal), null, money(executedTotal), null, null] },
          { label: "Grand Total", figures: [null, money(grand), null, money(grand), null, null] },
        ],
        amountInWords: `Rupees ${rupees(grand)} only`,
        warnings: [],
        memorandum: null,
        problems: [],
      };
    },
    createWorkslip(estimateId: number, entries: QuantityEntry[], supplemental: SupplementalEntry[] = []): QueuedDocument {
      const preview = this.previewWorkslip(estimateId, entries, supplemental);
      if (preview.problems.length > 0) {
        throw { code: "validation", message: `${preview.title}: ${preview.problems.map((p) => p.message).join("; ")}.` };
      }
      const phase = workslipsOf(estimateId).length + 1;
      if (phase > MAX_WORKSLIPS) {
        throw { code: "precondition_failed", message: `Estimate ${estimateId} already has ${MAX_WORKSLIPS} work slips, the most allowed.` };
      }
      const jobId = ctx.completedJob("generate_workslip", estimateId, `Work slip ${phase} of estimate ${estimateId}`);
      const inputsSha256 = `workslip${phase}`.padEnd(64, "0");
      workslips.push({
        id: workslips.length + 1,
        estimateId,
        phase,
        jobId,
        inputsSha256,
        createdAt: ctx.now(),
        executed: readEntries(entries).values,
      });
      addOutputs(jobId, `workslip-${phase}-job-${jobId}`, preview.title);
      return { number: phase, jobId, inputsSha256, warnings: [], capsFrom: null };
    },
    requestAbstract(estimateId: number): QueuedDocument {
      ctx.requireWriter("generate bills and work slips");
      ctx.estimate(estimateId);
      const jobId = ctx.completedJob("generate_estimate_abstract", estimateId, `Abstract of estimate ${estimateId}`);
      addOutputs(jobId, `abstract-job-${jobId}`, "ABSTRACT OF ESTIMATE");
      return { number: null, jobId, inputsSha256: "abstract".padEnd(64, "0"), warnings: [], capsFrom: null };
    },
    withdrawDocument(estimateId: number, document: "bill" | "workslip", number: number, reason: string): Withdrawn {
      ctx.requireWriter("withdraw a bill or work slip");
      const name = document === "bill" ? "bill" : "work slip";
      if (reason.trim().length < 3) {
        throw { code: "validation", message: `Say why ${name} ${number} is withdrawn, in 3 to 500 characters; the reason is kept in the audit log.` };
      }
      const chain: Array<{ jobId: number | null; id: number }> = document === "bill" ? billsOf(estimateId) : workslipsOf(estimateId);
      const latest = chain[chain.length - 1];
      if (!latest || chain.length !== number) {
        throw { code: "precondition_failed", message: `Only the latest ${name} of estimate ${estimateId} can be withdrawn.` };
      }
      const list: Array<{ id: number }> = document === "bill" ? bills : workslips;
      list.splice(list.findIndex((d) => d.id === latest.id), 1);
      let filesMarked = 0;
      for (const output of outputs) {
        if (output.jobId === latest.jobId) {
          output.withdrawn = true;
          filesMarked += 1;
        }
      }
      return { document: name, number, reason: reason.trim(), filesMarked };
    },
    outputs(jobId: number | null): OutputView[] {
      const orgCode = ctx.orgCode();
      return outputs
        .filter((o) => o.orgCode === orgCode && (jobId === null || o.jobId === jobId))
        .sort((a, b) => b.id - a.id)
        .map(view);
    },
    read(id: number): Uint8Array {
      return findOutput(id).bytes;
    },
    saveAs(id: number, suggestedName: string): string {
      const output = findOutput(id);
      output.downloadCount += 1;
      output.lastDownloaded = ctx.now();
      return `/home/user/Downloads/${suggestedName}`;
    },
  };
}
