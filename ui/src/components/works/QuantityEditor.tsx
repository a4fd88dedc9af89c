/**
 * The bill and work-slip editor: a quantity per estimate item, and beside it the live figures
 * of the document those quantities make (since-last amounts, AE rows for quantities past the
 * estimate, totals, the amount in words). The figures come from the core's preview, the same
 * computation that saving runs, so what is shown here is what will print. A work slip may also
 * give an estimate item a rate of its own (DOMAIN.md §3), typed in the Rate column.
 *
 * Saving records the document and queues its PDF and XLSX; when that job completes, the result
 * opens in Outputs. What was typed and not saved is kept (`logic/typedDrafts`): closing the
 * editor or leaving the pane loses nothing, and the editor says so when it brings it back.
 */
import { Fragment, memo, useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { useAppActions } from "../../appContext";
import { useBackend } from "../../backendContext";
import type { ApiError } from "../../bindings/ApiError";
import type { DocumentPreview } from "../../bindings/DocumentPreview";
import type { EditorItem } from "../../bindings/EditorItem";
import type { PreviewRow } from "../../bindings/PreviewRow";
import type { PreviewMemorandum } from "../../bindings/PreviewMemorandum";
import type { QueuedDocument } from "../../bindings/QueuedDocument";
import type { RateEntry } from "../../bindings/RateEntry";
import type { RecoveryEntry } from "../../bindings/RecoveryEntry";
import type { SupplementalEntry } from "../../bindings/SupplementalEntry";
import { useJobsFeed } from "../../jobsFeed";
import { formatMoney, formatQuantity, isTypedFigure } from "../../logic/format";
import { describePhases, foldablePhases } from "../../logic/phases";
import { nextSupplementalSerial } from "../../logic/serials";
import { draftKey, forgetTypedDraft, keepTypedDraft, typedDraft } from "../../logic/typedDrafts";
import { useNavigation } from "../../navigation";
import { useAction } from "../../useAction";
import { CloseButton } from "../common/CloseButton";
import { InlineError } from "../common/ErrorBanner";
import { AlertIcon } from "../common/Icons";
import { LedgerHead, numeric, screenReaderOnly } from "../common/Ledger";
import { ProgressBar } from "../common/ProgressBar";
import { PANE_SCROLLER, TABLE_BOX, useFrozenColumns, useWiderThanItsRoom } from "../common/useFrozenColumns";
import { RowSpacer, useWindowedRows } from "../common/useWindowedRows";

export type EditorKind = "bill" | "workslip";

type Draft = {
  number: number | null;
  blocked: string | null;
  items: EditorItem[];
  isFirst: boolean;
  tenderPremium: string | null;
  /** Where a bill's items and caps come from (the sanctioned or the working estimate). */
  capSource: string | null;
  /** The work slip whose quantities cap a bill's, once the estimate has work slips. */
  capsFromWorkslip: number | null;
  /** The measurement-book and date lines a bill prints, from the work data. */
  workLines: string[];
};

const PREVIEW_DELAY_MS = 150;

/** Preview columns that repeat a column the editor already shows (the estimate quantity, and a
 * work slip's current-phase quantity, which is the input itself). */
const DUPLICATE_HEADINGS = ["Estimate qty", "Qty (Execution)"];
/** Preview columns that show the previous bill's or work slip's figures. */
const PREVIOUS_HEADINGS = /^(Previous qty|Workslip-\d+ Qty)$/;

export function QuantityEditor({
  estimateId,
  kind,
  onClose,
  onCreated,
  workVersion,
}: {
  estimateId: number;
  kind: EditorKind;
  onClose: () => void;
  onCreated: () => void;
  /** Goes up when the work data is saved: the draft and its preview are worked out again. */
  workVersion: number;
}) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const titleId = useId();

  useEffect(() => {
    let current = true;
    const load =
      kind === "bill"
        ? backend.billDraft(estimateId)
        : backend.workslipDraft(estimateId).then((d) => ({ number: d.phase, blocked: d.blocked, items: d.items, isFirst: d.phase === 1, tenderPremium: null, capSource: null, capsFromWorkslip: null, workLines: [] }));
    load.then(
      (d) => {
        if (!current) return;
        setDraft(d);
        setLoadError(null);
      },
      (caught: unknown) => current && setLoadError(handleError(caught)),
    );
    return () => {
      current = false;
    };
    // workVersion is a signal to load again, not an input of the request.
  }, [backend, estimateId, kind, handleError, workVersion]);

  // The editor opens under the chain's button, which may be at the foot of the view (below a
  // long estimate's items): it is brought up, or the click would seem to do nothing.
  // Once its rows are there to scroll to.
  const sectionRef = useRef<HTMLElement>(null);
  const broughtUp = useRef(false);
  useEffect(() => {
    const section = sectionRef.current;
    const scroller = section?.closest<HTMLElement>(PANE_SCROLLER);
    if (!draft || broughtUp.current || !section || !scroller) return;
    broughtUp.current = true;
    const view = scroller.getBoundingClientRect();
    if (section.getBoundingClientRect().top > view.top + view.height * 0.6) section.scrollIntoView?.({ block: "start" });
  }, [draft]);

  const what = kind === "bill" ? "Bill" : "Work slip";
  return (
    <section
      ref={sectionRef}
      className="editor"
      data-testid={`${kind}-editor`}
      aria-labelledby={titleId}
      onKeyDown={(event) => {
        // Escape closes the editor from any of its fields; what was typed is kept for next time.
        if (event.key === "Escape" && !event.defaultPrevented) {
          event.preventDefault();
          onClose();
        }
      }}
    >
      <header className="editor-head">
        <h3 id={titleId}>
          {draft?.number ? `${what} ${draft.number}` : `New ${what.toLowerCase()}`}
          <span className="muted">
            {" "}
            · {kind === "bill" ? "enter the quantity measured up to date for each item" : "enter the quantity executed for each item"}
          </span>
        </h3>
        <CloseButton label={`Close the ${what.toLowerCase()} editor`} onClick={onClose} testId="editor-close" />
      </header>
      {loadError ? <InlineError message={loadError.message} testId="editor-error" /> : null}
      {draft?.blocked ? <InlineError message={draft.blocked} testId="editor-blocked" /> : null}
      {draft && !draft.blocked ? <Editor estimateId={estimateId} kind={kind} draft={draft} onCreated={onCreated} /> : null}
    </section>
  );
}

function Editor({ estimateId, kind, draft, onCreated }: { estimateId: number; kind: EditorKind; draft: Draft; onCreated: () => void }) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const suggested = useMemo(
    () => Object.fromEntries(draft.items.map((item) => [item.slNo, item.suggestedQuantity])),
    [draft],
  );
  const keptKey = draftKey(estimateId, kind, draft.number);
  const [restored] = useState(() => typedDraft(keptKey));
  const [values, setValues] = useState<Record<string, string>>(() => restored?.values ?? suggested);
  // Only the rates typed; a row shows the rate in force until its cell is typed into.
  const [rates, setRates] = useState<Record<string, string>>(restored?.rates ?? {});
  const [isFinal, setIsFinal] = useState(restored?.isFinal ?? false);
  const [extras, setExtras] = useState<SupplementalEntry[]>(restored?.extras ?? []);
  const [recoveries, setRecoveries] = useState<RecoveryEntry[]>(restored?.recoveries ?? []);
  const [showRestored, setShowRestored] = useState(restored !== null);
  const [preview, setPreview] = useState<DocumentPreview | null>(null);
  const [previewError, setPreviewError] = useState<ApiError | null>(null);
  const { busy: saving, error: saveError, run: runSave } = useAction();
  const [queued, setQueued] = useState<QueuedDocument | null>(null);
  const [allPhases, setAllPhases] = useState(false);
  const generation = useRef(0);
  const tableRef = useRef<HTMLTableElement>(null);
  const rowsRef = useRef<HTMLTableSectionElement>(null);
  const boxed = useWiderThanItsRoom(tableRef);
  useFrozenColumns(tableRef, boxed);

  const entries = useMemo(() => draft.items.map((item) => ({ slNo: item.slNo, quantity: values[item.slNo] ?? "" })), [draft, values]);
  // A rate is sent once it reads as another figure than the one in force; typing the estimate's
  // own back lifts an earlier slip's.
  const rateEntries = useMemo<RateEntry[]>(
    () =>
      kind === "workslip"
        ? draft.items
            .filter((item) => item.rateChangeable && rates[item.slNo] !== undefined && !isTypedFigure(rates[item.slNo] ?? "", item.rate))
            .map((item) => ({ slNo: item.slNo, rate: rates[item.slNo] ?? "" }))
        : [],
    [kind, draft, rates],
  );

  // Kept on every change, dropped once nothing differs from where the editor started.
  useEffect(() => {
    const untouched =
      !isFinal &&
      extras.length === 0 &&
      recoveries.length === 0 &&
      rateEntries.length === 0 &&
      draft.items.every((item) => values[item.slNo] === suggested[item.slNo]);
    if (untouched) forgetTypedDraft(keptKey);
    else keepTypedDraft(keptKey, { values, rates, isFinal, extras, recoveries });
  }, [keptKey, draft, suggested, values, rates, rateEntries, isFinal, extras, recoveries]);

  const startAgain = () => {
    setValues(suggested);
    setRates({});
    setIsFinal(false);
    setExtras([]);
    setRecoveries([]);
    setShowRestored(false);
  };

  useEffect(() => {
    const mine = ++generation.current;
    const timer = setTimeout(() => {
      const request =
        kind === "bill"
          ? backend.previewBill(estimateId, isFinal, entries, recoveries)
          : backend.previewWorkslip(estimateId, entries, extras, rateEntries);
      request.then(
        (result) => {
          if (generation.current !== mine) return;
          setPreview(result);
          setPreviewError(null);
        },
        (caught: unknown) => {
          if (generation.current === mine) setPreviewError(handleError(caught));
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [backend, estimateId, kind, isFinal, entries, extras, rateEntries, recoveries, handleError]);

  const problems = preview?.problems ?? [];
  const problemItems = new Set(problems.map((p) => p.slNo).filter((s): s is string => s !== null));
  // A problem on one row leaves the other rows' figures in place; only a problem of the whole
  // document leaves nothing to show.
  const computed = preview !== null && preview.rows.length > 0;
  // The estimate quantity already shows beside the input; the preview's copy of it is left out.
  // The previous figure has its own column next to the input only until the preview shows it
  // (a bill's Previous qty, a work slip's earlier phases): every column appears once, so the
  // editor fits the window.
  const previewShowsPrevious = computed && preview.columns.some((c) => PREVIOUS_HEADINGS.test(c.heading));
  const hasPrevious = !previewShowsPrevious && draft.items.some((item) => item.previousQuantity !== null);
  const foldable = useMemo(() => foldablePhases(computed ? preview.columns.map((c) => c.heading) : []), [computed, preview]);
  // Kept the same between keystrokes, so that only the row typed into is drawn again: a
  // 10,000-item estimate had every row redrawn, a second a key.
  const shown = useMemo(() => {
    const folded = allPhases ? new Set<string>() : foldable.headings;
    return computed
      ? preview.columns
          .map((column, index) => ({ column, index }))
          .filter(({ column }) => !DUPLICATE_HEADINGS.includes(column.heading) && !folded.has(column.heading))
      : [];
  }, [computed, preview, allPhases, foldable]);
  const columns = shown.map(({ column }) => column);
  const remarksColumn = kind === "workslip" && computed;
  // Sl., Description, Unit, Rate, Estimate qty, [previous], the input, the figures, [remarks].
  const fixedColumns = 6 + (hasPrevious ? 1 : 0);
  const columnCount = fixedColumns + columns.length + (remarksColumn ? 1 : 0);
  const items = useMemo(() => new Map(draft.items.map((item) => [item.slNo, item])), [draft]);
  const typeQuantity = useCallback((slNo: string, value: string) => setValues((v) => ({ ...v, [slNo]: value })), []);
  const typeRate = useCallback((slNo: string, value: string) => setRates((r) => ({ ...r, [slNo]: value })), []);
  const inputLabel = kind === "bill" ? "Till-date qty" : "Executed qty";
  // After work slips, a bill's items are capped at the latest work slip's quantities, not the
  // estimate's: the column says whose they are.
  const capLabel = draft.capsFromWorkslip !== null ? `Work slip ${draft.capsFromWorkslip} qty` : "Estimate qty";

  const save = () =>
    runSave(async () => {
      const result =
        kind === "bill"
          ? await backend.createBill(estimateId, isFinal, entries, recoveries)
          : await backend.createWorkslip(estimateId, entries, extras, rateEntries);
      forgetTypedDraft(keptKey);
      setQueued(result);
      onCreated();
    });

  // Rows in print order: the preview's when it computed, else the draft's items (to type into).
  // Item rows keep one key in both modes, so an input keeps its focus while the preview changes.
  const rows: Array<{ row: PreviewRow | null; item: EditorItem | null; key: string }> = computed
    ? preview.rows.map((row, i) => ({
        row,
        // Supplemental items of earlier work slips are typed into like items.
        item: row.kind === "item" || row.kind === "supplemental" ? (items.get(row.slNo) ?? null) : null,
        key: items.has(row.slNo) && row.kind !== "excess" ? `item-${row.slNo}` : `${row.kind}-${i}`,
      }))
    : draft.items.map((item) => ({ row: null, item, key: `item-${item.slNo}` }));
  // Only the rows in view are drawn (a long estimate's whole table froze the window).
  const drawn = useWindowedRows(rowsRef, rows.length, boxed);
  // One problem per item and place, looked up once rather than searched for on every row.
  const problemAt = new Map(problems.map((p) => [`${p.slNo}|${p.onRate}`, p] as const));
  const problemOf = (slNo: string, onRate: boolean) =>
    problemAt.get(`${slNo}|${onRate}`)?.message.replace(/^item [^:]+: /, "") ?? null;

  // A recovery's or a supplemental line's problem, shown under that line (its fields marked) as
  // well as in the list.
  const recoveryProblems = new Map(
    problems.filter((p) => p.recovery !== null).map((p) => [p.recovery as number, p.message.replace(/^recovery \d+( \([^)]*\))?: /, "")] as const),
  );
  const supplementalProblems = new Map(
    problems
      .filter((p) => p.supplemental !== null)
      .map((p) => [p.supplemental as number, p.message.replace(/^supplemental (line|item) [^:]+: /, "")] as const),
  );

  if (queued) return <Queued queued={queued} kind={kind} />;

  return (
    <>
      {showRestored ? (
        <p className="notice editor-restored" role="status" data-testid="editor-restored">
          What you typed here before is back; nothing is saved until you save.{" "}
          <button type="button" className="button quiet" onClick={startAgain} data-testid="editor-start-again">
            Start again
          </button>
        </p>
      ) : null}
      <div className="editor-options">
        {kind === "bill" ? (
          <label className="check-field">
            <input type="checkbox" checked={isFinal} onChange={(e) => setIsFinal(e.target.checked)} data-testid="bill-final" />
            <span>Final bill (closes the chain: no bill can follow it)</span>
          </label>
        ) : null}
        {draft.tenderPremium ? <span className="muted">Tender premium: {draft.tenderPremium}</span> : null}
        {draft.capSource ? (
          <span className="muted" data-testid="cap-source">
            Items and caps: {draft.capSource}
          </span>
        ) : null}
        {draft.workLines.length > 0 ? (
          <span className="muted" data-testid="bill-work-lines" title="From Work data above: change them there before saving, if this bill's differ.">
            Prints from Work data: {draft.workLines.join("; ")}
          </span>
        ) : null}
        {foldable.phases.length > 0 ? (
          <button type="button" className="link-button" onClick={() => setAllPhases((all) => !all)} data-testid="fold-phases">
            {allPhases ? `Fold ${describePhases(foldable.phases)}` : `Show ${describePhases(foldable.phases)} too`}
          </button>
        ) : null}
        <span className="muted" aria-live="polite" data-testid="preview-title">
          {previewError ? "Not computed (see below)" : preview ? preview.title : "Computing…"}
        </span>
      </div>
      <div className={`table-wrap editor-wrap${boxed ? ` ${TABLE_BOX}` : ""}`} data-testid="editor-box">
        <table className="ledger editor-table" data-testid="editor-table" ref={tableRef}>
          <LedgerHead
            columns={[
              { label: "Sl.", className: "frozen" },
              { label: "Description", className: "description-col frozen frozen-edge" },
              "Unit",
              numeric("Rate"),
              { ...numeric(capLabel), title: kind === "bill" ? "Above this quantity, the bill carries the rest as excess over the estimate (AE)." : undefined },
              hasPrevious ? numeric(kind === "bill" ? "Previous bill" : "Last work slip") : null,
              { label: inputLabel, className: "num input-col" },
              ...columns.map((c) => numeric(c.heading)),
              remarksColumn ? "Remarks" : null,
            ]}
          />
          <RowSpacer height={drawn.before} columns={columnCount} />
          <tbody ref={rowsRef}>
            {rows.slice(drawn.start, drawn.end).map(({ row, item, key }) =>
              row?.kind === "heading" ? (
                <tr key={key} className="heading-row">
                  <td colSpan={columnCount} className="heading-cell">
                    <span className="frozen">
                      {row.slNo ? <span className="mono">{row.slNo} </span> : null}
                      {row.description}
                    </span>
                  </td>
                </tr>
              ) : (
                <EditorRow
                  key={key}
                  row={row}
                  item={item}
                  typedQuantity={item ? (values[item.slNo] ?? "") : ""}
                  typedRate={item ? rates[item.slNo] : undefined}
                  quantityProblem={item ? problemOf(item.slNo, false) : null}
                  rateProblem={item ? problemOf(item.slNo, true) : null}
                  invalid={item !== null && problemItems.has(item.slNo)}
                  rateTypable={kind === "workslip" && item !== null && item.rateChangeable && (row === null || row.kind === "item")}
                  hasPrevious={hasPrevious}
                  inputLabel={inputLabel}
                  shown={shown}
                  remarksColumn={remarksColumn}
                  onQuantity={typeQuantity}
                  onRate={typeRate}
                />
              ),
            )}
          </tbody>
          <RowSpacer height={drawn.after} columns={columnCount} />
          {computed ? (
            <tfoot>
              {preview.totals.map((total, index) => (
                <tr key={`${index}-${total.label}`} data-testid="preview-total">
                  <th scope="row" colSpan={fixedColumns} className="total-label">
                    {total.label}
                  </th>
                  {shown.map(({ column: c, index: i }) => {
                    const figure = total.figures[i] ?? null;
                    return (
                      <td key={c.heading} className="num nowrap">
                        {figure === null ? "" : formatMoney(figure)}
                      </td>
                    );
                  })}
                  {remarksColumn ? <td /> : null}
                </tr>
              ))}
            </tfoot>
          ) : null}
        </table>
      </div>
      {computed && preview.amountInWords ? (
        <p className="amount-words" data-testid="amount-in-words">
          {preview.amountInWords}
        </p>
      ) : null}
      {kind === "bill" ? <RecoveryLines lines={recoveries} onChange={setRecoveries} problems={recoveryProblems} /> : null}
      {computed && preview.memorandum ? <Memorandum memorandum={preview.memorandum} /> : null}
      {kind === "workslip" ? (
        <SupplementalLines lines={extras} onChange={setExtras} taken={draft.items.map((item) => item.slNo)} problems={supplementalProblems} />
      ) : null}
      {computed && preview.warnings.length > 0 ? (
        <ul className="editor-warnings" data-testid="editor-warnings">
          {preview.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : null}
      {problems.length > 0 ? (
        <div className="inline-error" role="alert" data-testid="editor-problems">
          <AlertIcon label="Error" />
          <div>
            <p>Fix these before saving:</p>
            <ul>
              {problems.map((p, i) => (
                <li key={i}>{p.message}</li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
      {previewError ? <InlineError message={previewError.message} testId="editor-error" /> : null}
      <div className="form-actions">
        <button
          type="button"
          className="button primary"
          disabled={saving || !computed || problems.length > 0}
          onClick={() => void save()}
          data-testid="editor-save"
        >
          {saving ? "Saving…" : `Save ${kind === "bill" ? `bill ${draft.number}` : `work slip ${draft.number}`} and make PDF + XLSX`}
        </button>
      </div>
      {saveError ? <InlineError message={saveError.message} testId="editor-save-error" /> : null}
    </>
  );
}

/**
 * A work slip's rate for an estimate item, typed over the rate in force. Where the row's rate
 * is not the estimate's (typed now, or given by an earlier work slip), the estimate's shows
 * under it, so the change is seen and the estimate's can be typed back.
 */
type EditorRowProps = {
  row: PreviewRow | null;
  item: EditorItem | null;
  typedQuantity: string;
  typedRate: string | undefined;
  quantityProblem: string | null;
  rateProblem: string | null;
  invalid: boolean;
  rateTypable: boolean;
  hasPrevious: boolean;
  inputLabel: string;
  shown: Array<{ column: DocumentPreview["columns"][number]; index: number }>;
  remarksColumn: boolean;
  onQuantity: (slNo: string, value: string) => void;
  onRate: (slNo: string, value: string) => void;
};

/** One item (or AE) row of the editor. Drawn again only when its own props change: a key
 * typed into one row leaves the others as they are. */
const EditorRow = memo(function EditorRow({
  row,
  item,
  typedQuantity,
  typedRate,
  quantityProblem,
  rateProblem,
  invalid,
  rateTypable,
  hasPrevious,
  inputLabel,
  shown,
  remarksColumn,
  onQuantity,
  onRate,
}: EditorRowProps) {
  return (
    <tr
      className={row?.kind === "excess" ? "excess-row" : invalid ? "row-invalid" : undefined}
      data-testid={row?.kind === "excess" ? "ae-row" : item ? `editor-row-${item.slNo}` : undefined}
    >
      <td className="mono frozen">{row ? row.slNo : item?.slNo}</td>
      <td className="description frozen frozen-edge">
        {row?.kind === "excess" ? <span className="flag-tag">Above estimate</span> : null} {row ? row.description : item?.description}
      </td>
      <td>{row ? row.unit : item?.unit}</td>
      {rateTypable && item ? (
        <RateCell item={item} typed={typedRate} problem={rateProblem} onChange={(rate) => onRate(item.slNo, rate)} />
      ) : (
        <td className="num nowrap">{formatMoney((row?.rate ?? item?.rate) || "0")}</td>
      )}
      <td className="num nowrap">{item?.estimateQuantity ? formatQuantity(item.estimateQuantity) : ""}</td>
      {hasPrevious ? <td className="num nowrap">{item?.previousQuantity ? formatQuantity(item.previousQuantity) : ""}</td> : null}
      <td className="num input-col">
        {item ? (
          <input
            type="text"
            inputMode="decimal"
            className="qty-input num"
            aria-label={`${inputLabel}, item ${item.slNo}`}
            aria-invalid={quantityProblem !== null || undefined}
            aria-describedby={quantityProblem !== null ? `qty-problem-${item.slNo}` : undefined}
            value={typedQuantity}
            onChange={(e) => onQuantity(item.slNo, e.target.value)}
            data-testid={`qty-${item.slNo}`}
          />
        ) : null}
        {item && quantityProblem !== null ? (
          <span className="cell-problem" id={`qty-problem-${item.slNo}`} data-testid={`qty-problem-${item.slNo}`}>
            {quantityProblem}
          </span>
        ) : null}
      </td>
      {shown.map(({ column: c, index: i }) => {
        const figure = row?.figures[i] ?? null;
        return (
          <td key={c.heading} className="num nowrap">
            {figure === null ? "" : c.isAmount ? formatMoney(figure) : formatQuantity(figure)}
          </td>
        );
      })}
      {remarksColumn ? <td className="remarks">{row?.remarks}</td> : null}
    </tr>
  );
});

function RateCell({
  item,
  typed,
  problem,
  onChange,
}: {
  item: EditorItem;
  typed: string | undefined;
  problem: string | null;
  onChange: (rate: string) => void;
}) {
  const value = typed ?? formatMoney(item.rate);
  const estimateRate = item.estimateRate ?? item.rate;
  const changed = problem === null && value.trim() !== "" && !isTypedFigure(value, estimateRate);
  return (
    <td className="num rate-col">
      <input
        type="text"
        inputMode="decimal"
        className="qty-input num rate-input"
        style={{ width: `calc(${Math.max(value.length, 6)}ch + 8px)` }}
        aria-label={`Rate, item ${item.slNo}`}
        aria-invalid={problem !== null || undefined}
        aria-describedby={problem !== null ? `rate-problem-${item.slNo}` : changed ? `rate-note-${item.slNo}` : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        data-testid={`rate-${item.slNo}`}
      />
      {changed ? (
        <span className="rate-note" id={`rate-note-${item.slNo}`} data-testid={`rate-note-${item.slNo}`}>
          estimate {formatMoney(estimateRate)}
        </span>
      ) : null}
      {problem !== null ? (
        <span className="cell-problem" id={`rate-problem-${item.slNo}`} data-testid={`rate-problem-${item.slNo}`}>
          {problem}
        </span>
      ) : null}
    </td>
  );
}

/**
 * The memorandum of payments the bill will print: from its gross, through the organization's
 * deductions in force and this bill's recoveries, to the net payable by cheque.
 */
function Memorandum({ memorandum }: { memorandum: PreviewMemorandum }) {
  return (
    <section className="memorandum" aria-label="Memorandum of payments" data-testid="memorandum">
      <h4>Memorandum of payments</h4>
      <p className="muted memorandum-date" data-testid="memo-in-force">
        {memorandum.inForceOn}
      </p>
      <table className="ledger memorandum-table">
        <tbody>
          {memorandum.lines.map((line, index, all) => {
            // Deductions past the payment leave the net line below zero: it is marked, not hidden.
            const short = memorandum.shortBy !== null && index === all.length - 1;
            const classes = [line.isTotal ? "total-row" : "", short ? "memo-short" : ""].filter(Boolean).join(" ");
            return (
              <tr key={line.number} className={classes || undefined} data-testid="memo-line" aria-invalid={short || undefined}>
                <td className="mono">{line.number}</td>
                <td>{line.particulars}</td>
                <td className="muted">{line.detail}</td>
                <td className="num nowrap">{formatMoney(line.amount)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {memorandum.shortBy !== null ? (
        <p className="amount-words memo-short" data-testid="memo-short">
          Nothing can be paid by cheque: the deductions come to {formatMoney(memorandum.shortBy)} more than this bill pays. Reduce the
          recoveries or the lines above before saving.
        </p>
      ) : (
        <p className="amount-words">
          Net payable by cheque: <strong data-testid="memo-net">{formatMoney(memorandum.netPayable)}</strong> ({memorandum.netInWords})
        </p>
      )}
    </section>
  );
}

/** Changing and dropping the typed lines of a list the editor keeps (recoveries, supplemental items). */
function lineEdits<Line extends Record<string, string>>(lines: Line[], onChange: (lines: Line[]) => void) {
  return {
    set: (index: number, field: keyof Line, value: string) =>
      onChange(lines.map((line, i) => (i === index ? { ...line, [field]: value } : line))),
    remove: (index: number) => onChange(lines.filter((_, i) => i !== index)),
  };
}

/** One-off recoveries of this bill (an advance, materials issued from stores). */
function RecoveryLines({
  lines,
  onChange,
  problems,
}: {
  lines: RecoveryEntry[];
  onChange: (lines: RecoveryEntry[]) => void;
  /** A problem by the line it is on. */
  problems: ReadonlyMap<number, string>;
}) {
  const { set, remove } = lineEdits(lines, onChange);
  return (
    <fieldset className="supplemental" data-testid="recovery-lines">
      <legend>Recoveries from this bill only (an advance, materials issued)</legend>
      {lines.map((line, index) => {
        const problem = problems.get(index) ?? null;
        const marked = problem !== null || undefined;
        const describedBy = problem !== null ? `recovery-problem-${index}` : undefined;
        return (
        <div key={index} className="recovery-line">
          <input
            type="text"
            className="qty-input text-input"
            aria-label={`What is recovered, line ${index + 1}`}
            placeholder="e.g. Mobilisation advance"
            value={line.label}
            aria-invalid={marked}
            aria-describedby={describedBy}
            onChange={(e) => set(index, "label", e.target.value)}
            data-testid={`recovery-${index}-label`}
          />
          <input
            type="text"
            inputMode="decimal"
            className="qty-input num"
            aria-label={`Amount recovered, line ${index + 1}`}
            placeholder="0.00"
            value={line.amount}
            aria-invalid={marked}
            aria-describedby={describedBy}
            onChange={(e) => set(index, "amount", e.target.value)}
            data-testid={`recovery-${index}-amount`}
          />
          <CloseButton label={`Remove recovery line ${index + 1}`} onClick={() => remove(index)} />
          {problem !== null ? (
            <span className="cell-problem recovery-problem" id={describedBy} data-testid={`recovery-problem-${index}`}>
              {problem}
            </span>
          ) : null}
        </div>
        );
      })}
      <button type="button" className="button quiet" onClick={() => onChange([...lines, { label: "", amount: "" }])} data-testid="add-recovery">
        + Add a recovery
      </button>
    </fieldset>
  );
}

const BLANK_LINE: SupplementalEntry = { slNo: "", description: "", unit: "", rate: "", executed: "" };

/** Items the estimate lacks, proposed in this work slip; their rows join the preview above. */
function SupplementalLines({
  lines,
  onChange,
  taken,
  problems,
}: {
  lines: SupplementalEntry[];
  onChange: (lines: SupplementalEntry[]) => void;
  /** The serials of the items listed (earlier work slips' supplemental items among them). */
  taken: string[];
  /** A problem by the line it is on. */
  problems: ReadonlyMap<number, string>;
}) {
  const { set, remove } = lineEdits(lines, onChange);
  const fields: Array<[keyof SupplementalEntry, string, boolean]> = [
    ["slNo", "Sl.", false],
    ["description", "Description", false],
    ["unit", "Unit", false],
    ["rate", "Rate", true],
    ["executed", "Executed qty", true],
  ];
  return (
    <fieldset className="supplemental" data-testid="supplemental-lines">
      <legend>Supplemental items (not in the estimate), new in this work slip</legend>
      {lines.length > 0 ? (
        <table className="ledger supplemental-table">
          <LedgerHead columns={[...fields.map(([, label, isNumber]) => (isNumber ? numeric(label) : label)), screenReaderOnly("Remove")]} />
          <tbody>
            {lines.map((line, index) => {
              const problem = problems.get(index) ?? null;
              const describedBy = problem !== null ? `supp-problem-${index}` : undefined;
              return (
                <Fragment key={index}>
                  <tr>
                    {fields.map(([field, label, isNumber]) => (
                      <td key={field} className={field === "description" ? "description" : undefined}>
                        <input
                          type="text"
                          className={`qty-input${isNumber ? " num" : " text-input"}`}
                          inputMode={isNumber ? "decimal" : undefined}
                          aria-label={`${label}, supplemental line ${index + 1}`}
                          aria-invalid={problem !== null || undefined}
                          aria-describedby={describedBy}
                          value={line[field]}
                          onChange={(e) => set(index, field, e.target.value)}
                          data-testid={`supp-${index}-${field}`}
                        />
                      </td>
                    ))}
                    <td>
                      <CloseButton label={`Remove supplemental line ${index + 1}`} onClick={() => remove(index)} />
                    </td>
                  </tr>
                  {problem !== null ? (
                    <tr className="line-problem-row">
                      <td colSpan={fields.length + 1}>
                        <span className="cell-problem line-problem" id={describedBy} data-testid={`supp-problem-${index}`}>
                          {problem}
                        </span>
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <button type="button" className="button quiet" onClick={() => onChange([...lines, { ...BLANK_LINE, slNo: nextSupplementalSerial([...taken, ...lines.map((line) => line.slNo)]) }])} data-testid="add-supplemental">
        + Add a supplemental item
      </button>
    </fieldset>
  );
}

/** After saving: the render job's progress, then its outputs open in the preview. */
function Queued({ queued, kind }: { queued: QueuedDocument; kind: EditorKind }) {
  const { jobs } = useJobsFeed();
  const navigation = useNavigation();
  const job = jobs.find((j) => j.id === queued.jobId);
  const opened = useRef(false);
  const what = kind === "bill" ? `Bill ${queued.number}` : `Work slip ${queued.number}`;

  useEffect(() => {
    if (job?.status === "completed" && !opened.current) {
      opened.current = true;
      navigation.openOutputs(queued.jobId);
    }
  }, [job?.status, navigation, queued.jobId]);

  return (
    <div className="queued" role="status" data-testid="editor-queued">
      <p>
        <strong>{what} is saved.</strong> Its PDF and XLSX are being made by job #{queued.jobId}
        {job ? ` (${job.currentStep || job.status})` : ""}; they open in Outputs when ready.
      </p>
      {job && job.status !== "completed" ? <ProgressBar value={job.progress} label={`Job #${queued.jobId}`} /> : null}
      {job?.status === "failed" ? <InlineError message={job.errorMessage ?? "The job failed."} /> : null}
    </div>
  );
}
