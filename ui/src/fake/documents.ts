/**
 * The documents side of the fake backend: work data, bills, work slips and their outputs, kept in
 * memory per estimate.
 *
 * Every figure it answers with is the core's: drafts, previews and what creating a bill or work
 * slip says come from the answers the real core gave to the same requests, recorded by
 * `crates/sitebook-core/tests/ui_recordings.rs` (see `recorded/index.ts`). A request that was
 * not recorded fails loudly, naming the scenario to add; the fake never computes a figure. What
 * it does simulate is the bookkeeping around them: the chain of bills and work slips listed,
 * withdrawals, the jobs and their outputs, and the work data form.
 */
import type { BillDraft } from "../bindings/BillDraft";
import type { BillView } from "../bindings/BillView";
import type { DocumentPreview } from "../bindings/DocumentPreview";
import type { EstimateDetail } from "../bindings/EstimateDetail";
import type { JobKind } from "../bindings/JobKind";
import type { JobFilesView } from "../bindings/JobFilesView";
import type { OutputView } from "../bindings/OutputView";
import type { QuantityEntry } from "../bindings/QuantityEntry";
import type { QueuedDocument } from "../bindings/QueuedDocument";
import type { RateEntry } from "../bindings/RateEntry";
import type { RecoveryEntry } from "../bindings/RecoveryEntry";
import type { SupplementalEntry } from "../bindings/SupplementalEntry";
import type { WorkForm } from "../bindings/WorkForm";
import type { WorkslipDraft } from "../bindings/WorkslipDraft";
import type { Withdrawn } from "../bindings/Withdrawn";
import type { WorkslipView } from "../bindings/WorkslipView";
import { failUnrecorded, recordedAnswer, recordedWorkForm, workbookOf, type RecordedStep } from "./recorded";

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

/** The core's refusal of an estimate whose items lack a quantity or rate (`items_of`). */
function refuseUnbillable(detail: EstimateDetail): void {
  const unusable = detail.items.filter((item) => !item.heading && (item.quantity === null || item.rate === null));
  if (unusable.length > 0) {
    // The recorded workbooks keep DOMAIN.md's standard columns: the quantity in B, the rate in E.
    const cells = (item: EstimateDetail["items"][number]) =>
      [
        item.quantity === null ? `${detail.sheetName}!B${item.row}, the quantity` : null,
        item.rate === null ? `${detail.sheetName}!E${item.row}, the rate` : null,
      ]
        .filter((cell) => cell !== null)
        .join("; ");
    throw {
      code: "validation",
      message: `Estimate ${detail.id} has items without a quantity or rate (${unusable
        .map(cells)
        .join(", ")}); fix them in the workbook and upload it again.`,
    };
  }
}

// The arguments exactly as the core reads them, so a request's recording is found whatever
// else the screen keeps beside them.
const quantities = (entries: QuantityEntry[]) => entries.map(({ slNo, quantity }) => ({ slNo, quantity }));
const billArgs = (isFinal: boolean, entries: QuantityEntry[], recoveries: RecoveryEntry[]) => ({
  isFinal,
  entries: quantities(entries),
  recoveries: recoveries.map(({ label, amount }) => ({ label, amount })),
});
const workslipArgs = (entries: QuantityEntry[], supplemental: SupplementalEntry[], rates: RateEntry[]) => ({
  entries: quantities(entries),
  supplemental: supplemental.map(({ slNo, description, unit, rate, executed }) => ({ slNo, description, unit, rate, executed })),
  rates: rates.map(({ slNo, rate }) => ({ slNo, rate })),
});

/** The core's refusal to withdraw a work slip that a bill follows (`followed_workslip_refusal`). */
function followedRefusal(estimateId: number, phase: number, bill: number): string {
  return `Bill ${bill} of estimate ${estimateId} was made after work slip ${phase} and follows its working estimate; withdraw the bills after it first.`;
}

/** A percentage from 0 to 100, as typed (checked on the text; it is never computed with). */
function isPercent(text: string): boolean {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return false;
  const whole = Number(match[1]);
  return whole < 100 || (whole === 100 && /^0*$/.test(match[2] ?? ""));
}

export function createFakeDocuments(ctx: FakeDocumentsContext) {
  const workForms = new Map<number, WorkForm>();
  const bills: BillView[] = [];
  const workslips: WorkslipView[] = [];
  const outputs: StoredOutput[] = [];
  /** The phase whose working estimate each bill (by id) follows: the latest work slip when it was made. */
  const billFollows = new Map<number, number>();
  /** Per estimate, the steps that changed it, as the recordings key their answers. */
  const histories = new Map<number, RecordedStep[]>();
  let nextBillId = 1;
  let nextWorkslipId = 1;
  let nextOutputId = 1;

  const billsOf = (estimateId: number) => bills.filter((b) => b.estimateId === estimateId);
  const workslipsOf = (estimateId: number) => workslips.filter((w) => w.estimateId === estimateId);
  const firstBillFollowing = (estimateId: number, phase: number): number | null => {
    const numbers = billsOf(estimateId)
      .filter((bill) => billFollows.get(bill.id) === phase)
      .map((bill) => bill.number);
    return numbers.length > 0 ? Math.min(...numbers) : null;
  };
  const historyOf = (estimateId: number) => {
    let history = histories.get(estimateId);
    if (!history) histories.set(estimateId, (history = []));
    return history;
  };

  /** The core's recorded answer to a document request about estimate `estimateId`. */
  function ask<T>(estimateId: number, command: string, args: Record<string, unknown>): T {
    const { detail } = ctx.estimate(estimateId);
    refuseUnbillable(detail);
    const workbook = workbookOf(detail);
    if (workbook === null) {
      failUnrecorded(
        `The fake backend has no figures for estimate ${estimateId} (${detail.fileName}): it was not parsed from a workbook recorded in ui/src/fake/recorded/documents.json, so it cannot be billed in the fake.`,
      );
    }
    return recordedAnswer<T>({ workbook, history: [...historyOf(estimateId)], command, args });
  }

  function defaultForm(detail: EstimateDetail): WorkForm {
    const workbook = workbookOf(detail);
    if (workbook !== null) return recordedWorkForm(workbook);
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
      agencyIsIndividual: false,
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
        syncProblem: null,
        restored: false,
        withdrawn: false,
        orgCode,
        bytes,
      });
    }
  }

  const lost = new Set<number>();
  /** Outputs a retention cleanup took with their rows; their jobs can make them again. */
  const removedByCleanup: StoredOutput[] = [];
  /** Jobs whose bill or work slip was withdrawn: their files are never made again. */
  const withdrawnJobs = new Set<number>();

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
      if (form.tpPercent.trim() !== "" && !isPercent(form.tpPercent.trim())) {
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
      // The work data (a tender premium, the sanctioned total) changes the figures after it.
      historyOf(estimateId).push({ command: "save_work_form", args: { form: structuredClone(form) } });
      return workForms.get(estimateId)!;
    },
    bills(estimateId: number): BillView[] {
      ctx.estimate(estimateId);
      return billsOf(estimateId);
    },
    workslips(estimateId: number): WorkslipView[] {
      ctx.estimate(estimateId);
      return workslipsOf(estimateId).map((slip) => {
        const followedByBill = firstBillFollowing(estimateId, slip.phase);
        return { ...slip, followedByBill, withdrawalRefused: followedByBill === null ? null : followedRefusal(estimateId, slip.phase, followedByBill) };
      });
    },
    billDraft(estimateId: number): BillDraft {
      ctx.requireWriter("make documents (bills, work slips, abstracts)");
      return { ...ask<BillDraft>(estimateId, "bill_draft", {}), estimateId };
    },
    previewBill(estimateId: number, isFinal: boolean, entries: QuantityEntry[], recoveries: RecoveryEntry[]): DocumentPreview {
      ctx.requireWriter("make documents (bills, work slips, abstracts)");
      return ask<DocumentPreview>(estimateId, "preview_bill", billArgs(isFinal, entries, recoveries));
    },
    createBill(estimateId: number, isFinal: boolean, entries: QuantityEntry[], recoveries: RecoveryEntry[]): QueuedDocument {
      ctx.requireWriter("make documents (bills, work slips, abstracts)");
      const args = billArgs(isFinal, entries, recoveries);
      const queued = ask<Omit<QueuedDocument, "jobId">>(estimateId, "create_bill", args);
      const number = queued.number ?? billsOf(estimateId).length + 1;
      const jobId = ctx.completedJob("generate_bill", estimateId, `Bill ${number} of estimate ${estimateId}`);
      const followed = workslipsOf(estimateId).at(-1);
      if (followed) billFollows.set(nextBillId, followed.phase);
      // The fake's document jobs end as they are made, so the core's refusal while a bill's
      // files are still being made never applies here.
      // The fake records no memorandum with a created bill, so its figures are left unknown,
      // as the core leaves a bill's made before bills carried deductions.
      bills.push({
        id: nextBillId++,
        estimateId,
        number,
        isFinal,
        jobId,
        inputsSha256: queued.inputsSha256,
        createdAt: ctx.now(),
        withdrawalRefused: null,
        gross: null,
        netPayable: null,
      });
      historyOf(estimateId).push({ command: "create_bill", args });
      addOutputs(jobId, `bill-${number}-job-${jobId}`, `Bill ${number}${isFinal ? " (final)" : ""}`);
      return { ...queued, jobId };
    },
    workslipDraft(estimateId: number): WorkslipDraft {
      ctx.requireWriter("make documents (bills, work slips, abstracts)");
      return { ...ask<WorkslipDraft>(estimateId, "workslip_draft", {}), estimateId };
    },
    previewWorkslip(estimateId: number, entries: QuantityEntry[], supplemental: SupplementalEntry[] = [], rates: RateEntry[] = []): DocumentPreview {
      ctx.requireWriter("make documents (bills, work slips, abstracts)");
      return ask<DocumentPreview>(estimateId, "preview_workslip", workslipArgs(entries, supplemental, rates));
    },
    createWorkslip(estimateId: number, entries: QuantityEntry[], supplemental: SupplementalEntry[] = [], rates: RateEntry[] = []): QueuedDocument {
      ctx.requireWriter("make documents (bills, work slips, abstracts)");
      const args = workslipArgs(entries, supplemental, rates);
      const queued = ask<Omit<QueuedDocument, "jobId">>(estimateId, "create_workslip", args);
      const phase = queued.number ?? workslipsOf(estimateId).length + 1;
      const jobId = ctx.completedJob("generate_workslip", estimateId, `Work slip ${phase} of estimate ${estimateId}`);
      workslips.push({
        id: nextWorkslipId++,
        estimateId,
        phase,
        jobId,
        inputsSha256: queued.inputsSha256,
        createdAt: ctx.now(),
        followedByBill: null,
        withdrawalRefused: null,
      });
      historyOf(estimateId).push({ command: "create_workslip", args });
      addOutputs(jobId, `workslip-${phase}-job-${jobId}`, `Work slip ${phase}`);
      return { ...queued, jobId };
    },
    requestAbstract(estimateId: number): QueuedDocument {
      ctx.requireWriter("make documents (bills, work slips, abstracts)");
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
      const following = document === "workslip" ? firstBillFollowing(estimateId, number) : null;
      if (following !== null) {
        throw { code: "precondition_failed", message: followedRefusal(estimateId, number, following) };
      }
      const list: Array<{ id: number }> = document === "bill" ? bills : workslips;
      list.splice(list.findIndex((d) => d.id === latest.id), 1);
      // The figures after a withdrawal are those from before the withdrawn document was made.
      const history = historyOf(estimateId);
      const created = document === "bill" ? "create_bill" : "create_workslip";
      const at = history.map((step) => step.command).lastIndexOf(created);
      if (at >= 0) history.splice(at, 1);
      if (latest.jobId !== null) withdrawnJobs.add(latest.jobId);
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
      const output = findOutput(id);
      if (lost.has(id)) {
        throw {
          code: "not_found",
          message:
            `The file of output ${id} (${output.filename}) is missing from the data folder. Job ${output.jobId} makes ` +
            `it again from the same inputs: choose Make again beside Open (or run \`sitebook jobs retry ${output.jobId}\`).`,
        };
      }
      return output.bytes;
    },
    /** As a person deleting the file by hand: its row stays, opening it fails. */
    lose(id: number) {
      lost.add(findOutput(id).id);
    },
    /** As the retention cleanup of outputs never saved: the file goes with its row. */
    removeByCleanup(id: number) {
      const output = findOutput(id);
      outputs.splice(outputs.indexOf(output), 1);
      lost.delete(id);
      removedByCleanup.push(output);
    },
    jobFiles(jobId: number): JobFilesView {
      const orgCode = ctx.orgCode();
      const removed = removedByCleanup.filter((o) => o.jobId === jobId && o.orgCode === orgCode).length;
      const missing = outputs.filter((o) => o.jobId === jobId && o.orgCode === orgCode && lost.has(o.id)).length;
      if (withdrawnJobs.has(jobId)) return { removed: 0, missing: 0, canMakeAgain: false };
      return { removed, missing, canMakeAgain: removed + missing > 0 };
    },
    isWithdrawn(jobId: number): boolean {
      return withdrawnJobs.has(jobId);
    },
    /** A completed job renders its lost and removed files again; false when none was gone. */
    makeAgain(jobId: number): boolean {
      if (withdrawnJobs.has(jobId)) return false;
      const ofJob = outputs.filter((o) => o.jobId === jobId && lost.has(o.id));
      for (const output of ofJob) lost.delete(output.id);
      const removed = removedByCleanup.filter((o) => o.jobId === jobId);
      for (const output of removed) {
        removedByCleanup.splice(removedByCleanup.indexOf(output), 1);
        outputs.push({ ...output, id: nextOutputId++, downloadCount: 0, lastDownloaded: null, createdAt: ctx.now() });
      }
      return ofJob.length + removed.length > 0;
    },
    saveAs(id: number, suggestedName: string): string {
      const output = findOutput(id);
      output.downloadCount += 1;
      output.lastDownloaded = ctx.now();
      return `/home/user/Downloads/${suggestedName}`;
    },
  };
}
