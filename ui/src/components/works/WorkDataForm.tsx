/**
 * The work data of an estimate: entered once, printed in every bill and work slip header. It
 * starts pre-filled from the workbook; saving checks every field in the core and names each bad
 * one in a message beside the Save button. Read-only roles see the fields disabled, with why.
 */
import { useCallback, useEffect, useId, useState, type ReactNode } from "react";
import { useBackend } from "../../backendContext";
import type { OrgChoice } from "../../bindings/OrgChoice";
import type { WorkForm } from "../../bindings/WorkForm";
import { paneErrorView } from "../../logic/errors";
import { formatMoney, readTypedNumber } from "../../logic/format";
import { documentsBlockedReason } from "../../logic/roles";
import { useAction } from "../../useAction";
import { useLoad } from "../../useLoad";
import { ChoiceField, type Choices } from "../common/Choices";
import { InlineError } from "../common/ErrorBanner";
import { CheckIcon, ChevronDownIcon, ChevronRightIcon } from "../common/Icons";

const WORK_MODES: Choices<WorkForm["workMode"]> = [["original", "Original"], ["repair", "Repair"]];
const AREAS: Choices<WorkForm["area"]> = [["municipal", "Municipal"], ["non_municipal", "Non-municipal"]];
const PREMIUM_TYPES: Choices<WorkForm["tpType"]> = [["excess", "Excess (added)"], ["less", "Less (deducted)"]];

export function WorkDataForm({ estimateId, org, onSaved }: { estimateId: number; org: OrgChoice; onSaved: () => void }) {
  const backend = useBackend();
  const load = useCallback(() => backend.getWorkForm(estimateId), [backend, estimateId]);
  const saved = useLoad(load);
  const [open, setOpen] = useState(true);
  const titleId = useId();

  return (
    <section className="doc-section" data-testid="work-data" aria-labelledby={titleId}>
      <h3 id={titleId}>
        <button type="button" className="disclosure" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? <ChevronDownIcon size={13} /> : <ChevronRightIcon size={13} />} Work data
        </button>
      </h3>
      {saved.status === "error" ? <InlineError {...paneErrorView(saved.error)} /> : null}
      {open && saved.data ? <Form key={JSON.stringify(saved.data)} initial={saved.data} estimateId={estimateId} org={org} onSaved={onSaved} /> : null}
    </section>
  );
}

function Form({ initial, estimateId, org, onSaved }: { initial: WorkForm; estimateId: number; org: OrgChoice; onSaved: () => void }) {
  const backend = useBackend();
  const [form, setForm] = useState<WorkForm>(initial);
  const { busy, error, setError, run } = useAction();
  const [savedAt, setSavedAt] = useState<WorkForm | null>(null);
  const blocked = documentsBlockedReason(org);
  const disabled = blocked !== null || busy;
  const dirty = JSON.stringify(form) !== JSON.stringify(savedAt ?? initial);
  // A figure refused beside its field is not sent: Save waits until it is put right.
  const figuresRefused = (
    [
      [form.estimateAmount, AMOUNT],
      [form.grandTotal, AMOUNT],
      [form.tpPercent, PERCENT],
    ] as const
  ).some(([value, numeric]) => value.trim() !== "" && numericProblem(value, numeric) !== null);

  useEffect(() => setError(null), [form]);

  const set = <K extends keyof WorkForm>(key: K) => (value: WorkForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setPages = (which: "mbMeasurements" | "mbAbstract", part: "book" | "firstPage" | "lastPage") => (value: string) =>
    setForm((f) => ({ ...f, [which]: { ...f[which], [part]: value } }));

  const save = () =>
    run(async () => {
      const result = await backend.saveWorkForm(estimateId, form);
      setForm(result);
      setSavedAt(result);
      onSaved();
    });

  return (
    <form
      className="work-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      title={blocked ?? undefined}
    >
      {blocked ? <p className="muted read-only-note" data-testid="work-data-readonly">{blocked}</p> : null}
      <fieldset disabled={disabled}>
        <div className="form-grid">
          <Text label="Name of work" wide value={form.nameOfWork} onChange={set("nameOfWork")} testId="work-name" />
          <ChoiceField label="Work mode" value={form.workMode} options={WORK_MODES} onChange={set("workMode")} />
          <ChoiceField label="Area" value={form.area} options={AREAS} onChange={set("area")} />
          <label className="field check-field">
            <input type="checkbox" checked={form.isAmc} onChange={(e) => set("isAmc")(e.target.checked)} />
            <span>AMC work (no QC charge)</span>
          </label>
          <Text label="Estimate amount (Rs.)" numeric={AMOUNT} money value={form.estimateAmount} onChange={set("estimateAmount")} testId="work-estimate-amount" />
          <Text label="Sanctioned grand total (Rs.)" numeric={AMOUNT} money value={form.grandTotal} onChange={set("grandTotal")} testId="work-grand-total" />
          <Text label="Administrative sanction ref." value={form.administrativeSanctionRef} onChange={set("administrativeSanctionRef")} />
          <Text label="Technical sanction ref." value={form.technicalSanctionRef} onChange={set("technicalSanctionRef")} />
          <Text label="Agreement ref." value={form.agreementRef} onChange={set("agreementRef")} testId="work-agreement" />
          <Text label="Name of the agency" value={form.agency} onChange={set("agency")} />
          <label className="field check-field">
            <input type="checkbox" checked={form.agencyIsIndividual} onChange={(e) => set("agencyIsIndividual")(e.target.checked)} data-testid="work-agency-individual" />
            <span>Agency is an individual or HUF (income-tax TDS at their rate)</span>
          </label>
          <Text label="Tender premium %" numeric={PERCENT} value={form.tpPercent} onChange={set("tpPercent")} hint="Blank if none" testId="work-tp" />
          <ChoiceField label="Tender premium type" value={form.tpType} options={PREMIUM_TYPES} onChange={set("tpType")} />
        </div>
        <Group title="Measurement books">
          <Pages label="Measurements" value={form.mbMeasurements} onChange={(part) => setPages("mbMeasurements", part)} />
          <Pages label="Abstract" value={form.mbAbstract} onChange={(part) => setPages("mbAbstract", part)} />
        </Group>
        <Group title="Dates (dd-mm-yyyy)">
          <Text label="DOI (intimation)" value={form.doi} onChange={set("doi")} placeholder="dd-mm-yyyy" testId="work-doi" />
          <Text label="DOC (completion)" value={form.doc} onChange={set("doc")} placeholder="dd-mm-yyyy" />
          <Text label="DOMR (measurements recorded)" value={form.domr} onChange={set("domr")} placeholder="dd-mm-yyyy" />
          <Text label="DOBR (bill recorded)" value={form.dobr} onChange={set("dobr")} placeholder="dd-mm-yyyy" />
        </Group>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={disabled || !dirty || figuresRefused} data-testid="work-save">
          {busy ? "Saving…" : "Save work data"}
        </button>
        {savedAt && !dirty ? (
          <span className="saved-note" role="status" data-testid="work-saved">
            <CheckIcon /> Saved. New bills and work slips print these details.
          </span>
        ) : null}
      </div>
      {error ? <InlineError message={error.message} testId="work-error" /> : null}
    </form>
  );
}

function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="form-group">
      <legend>{title}</legend>
      <div className="form-grid">{children}</div>
    </fieldset>
  );
}

/** What a numeric field holds: the example its refusal gives, the largest figure it takes
 * (none above 0 but this), whether a percent sign may follow, and the sentence for a figure
 * out of range. */
type Numeric = { example: string; ceiling: bigint | null; percent: boolean; refusal: (typed: string) => string };
const AMOUNT: Numeric = {
  example: "an amount in rupees such as 1,25,000.50",
  ceiling: null,
  percent: false,
  refusal: (typed) => `An amount cannot be below 0; ${typed} is.`,
};
const PERCENT: Numeric = {
  example: "a percentage such as 4.5",
  ceiling: 100n,
  percent: true,
  refusal: (typed) => `A tender premium is a percentage from 0 to 100; ${typed} is not.`,
};

/** Whether the plain decimal `plain` (as `readTypedNumber` gives it) is below 0 or above
 * `ceiling`, compared digit for digit: a figure of money is never made a float. */
function outOfRange(plain: string, ceiling: bigint | null): boolean {
  if (plain.startsWith("-") && /[1-9]/.test(plain)) return true;
  if (ceiling === null) return false;
  const [integer = "", fraction = ""] = plain.replace(/^[+-]/, "").split(".");
  const whole = BigInt(integer === "" ? "0" : integer);
  return whole > ceiling || (whole === ceiling && /[1-9]/.test(fraction));
}

/** The sentence a typed figure is refused with as the person types, or null. */
function numericProblem(value: string, numeric: Numeric): string | null {
  // A percentage may be written with its sign, as on paper; the core reads it so too.
  const typed = numeric.percent ? value.trim().replace(/\s*%$/, "") : value;
  const read = readTypedNumber(typed, numeric.example);
  if ("problem" in read) return read.problem;
  return outOfRange(read.value, numeric.ceiling) ? numeric.refusal(value.trim()) : null;
}

function Text({
  label,
  value,
  onChange,
  wide,
  numeric,
  money,
  hint,
  placeholder,
  testId,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  wide?: boolean;
  numeric?: Numeric;
  /** An amount in rupees: shown with Indian grouping while the field is not being edited. */
  money?: boolean;
  hint?: string;
  placeholder?: string;
  testId?: string;
}) {
  const [editing, setEditing] = useState(false);
  const read = money && value.trim() !== "" ? readTypedNumber(value) : null;
  const problem = numeric && value.trim() !== "" ? numericProblem(value, numeric) : null;
  const shown = money && !editing && read && "value" in read ? formatMoney(read.value) : value;
  return (
    <label className={`field${wide ? " wide" : ""}`}>
      <span>
        {label}
        {hint ? <span className="muted"> · {hint}</span> : null}
      </span>
      <input
        type="text"
        className={numeric ? "num" : undefined}
        inputMode={numeric ? "decimal" : undefined}
        value={shown}
        placeholder={placeholder}
        aria-invalid={problem ? true : undefined}
        onFocus={() => setEditing(true)}
        onBlur={() => setEditing(false)}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
      />
      {problem && !editing ? (
        <span className="field-help field-problem" role="alert" data-testid={testId ? `${testId}-problem` : undefined}>
          {problem}
        </span>
      ) : null}
    </label>
  );
}

function Pages({
  label,
  value,
  onChange,
}: {
  label: string;
  value: WorkForm["mbMeasurements"];
  onChange: (part: "book" | "firstPage" | "lastPage") => (value: string) => void;
}) {
  return (
    <div className="field pages-field" role="group" aria-label={`MB for the ${label.toLowerCase()}`}>
      <span>{label}</span>
      <div className="pages-inputs">
        <input type="text" aria-label={`${label}: MB number`} placeholder="MB No." value={value.book} onChange={(e) => onChange("book")(e.target.value)} />
        <input type="text" className="num" inputMode="numeric" aria-label={`${label}: first page`} placeholder="from p." value={value.firstPage} onChange={(e) => onChange("firstPage")(e.target.value)} />
        <input type="text" className="num" inputMode="numeric" aria-label={`${label}: last page`} placeholder="to p." value={value.lastPage} onChange={(e) => onChange("lastPage")(e.target.value)} />
      </div>
    </div>
  );
}
