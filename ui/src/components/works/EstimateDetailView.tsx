/**
 * One stored estimate: its metadata lines, the items table, the footer totals and the parse
 * warnings, then its documents (work data, work slips, bills). Clicking a warning scrolls to its
 * row and highlights it.
 */
import { useCallback, useEffect, useId, useRef, useState } from "react";
import { useBackend } from "../../backendContext";
import type { EstimateDetail } from "../../bindings/EstimateDetail";
import type { EstimateItemView } from "../../bindings/EstimateItemView";
import type { OrgChoice } from "../../bindings/OrgChoice";
import type { ParseWarning } from "../../bindings/ParseWarning";
import { paneErrorView } from "../../logic/errors";
import { formatMoney, formatQuantity, formatTimestamp } from "../../logic/format";
import { useLoad } from "../../useLoad";
import { InlineError } from "../common/ErrorBanner";
import { EmptyRow, LedgerHead, numeric } from "../common/Ledger";
import { EstimateDocuments } from "./EstimateDocuments";
import { CloseButton } from "../common/CloseButton";
import { AlertIcon, CheckIcon, ChevronRightIcon, FlagIcon } from "../common/Icons";
import { RowSpacer, useWindowedRows } from "../common/useWindowedRows";

/** Metadata values longer than this take a row of their own. */
const WIDE_VALUE_CHARS = 28;

export function EstimateDetailView({ id, org, onClose }: { id: number; org: OrgChoice; onClose: () => void }) {
  const backend = useBackend();
  const load = useCallback(() => backend.getEstimate(id), [backend, id]);
  const estimate = useLoad(load);
  const titleId = useId();

  return (
    <section className="estimate-detail" data-testid="estimate-detail" aria-labelledby={titleId} data-estimate-id={id}>
      {estimate.data ? (
        <Detail estimate={estimate.data} org={org} titleId={titleId} onClose={onClose} />
      ) : (
        <header className="estimate-head">
          <h2 id={titleId}>{estimate.status === "loading" ? "Opening the estimate…" : "Estimate"}</h2>
          <CloseButton label="Close estimate" onClick={onClose} />
        </header>
      )}
      {estimate.status === "error" ? <InlineError {...paneErrorView(estimate.error)} /> : null}
    </section>
  );
}

const dash = <span className="muted">—</span>;

const ITEM_COLUMNS = [
  { ...numeric("Row"), title: "Row in the spreadsheet" },
  "Sl.No",
  "Description",
  numeric("Quantity"),
  "Unit",
  numeric("Rate"),
  numeric("Amount"),
];

function Detail({
  estimate,
  org,
  titleId,
  onClose,
}: {
  estimate: EstimateDetail;
  org: OrgChoice;
  titleId: string;
  onClose: () => void;
}) {
  const [highlight, setHighlight] = useState<number | null>(null);
  const rowRefs = useRef(new Map<number, HTMLTableRowElement>());
  const itemRows = new Set(estimate.items.map((i) => i.row));
  const rowsRef = useRef<HTMLTableSectionElement>(null);
  // Only the rows in view are drawn; a warning's row far down is brought into view first.
  const drawn = useWindowedRows(rowsRef, estimate.items.length);
  const [awaitedRow, setAwaitedRow] = useState<number | null>(null);

  const bringIntoView = (element: HTMLTableRowElement, smoothly: boolean) => {
    const reduce =
      typeof window.matchMedia === "function" && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    element.scrollIntoView?.({ block: "center", behavior: smoothly && !reduce ? "smooth" : "auto" });
    element.focus({ preventScroll: true });
  };

  const showRow = (row: number) => {
    setHighlight(row);
    const element = rowRefs.current.get(row);
    if (element) {
      bringIntoView(element, true);
      return;
    }
    const index = estimate.items.findIndex((item) => item.row === row);
    if (index < 0) return;
    drawn.reveal(index);
    setAwaitedRow(row);
  };

  // The row asked for is drawn once the view has moved to it.
  useEffect(() => {
    if (awaitedRow === null) return;
    const element = rowRefs.current.get(awaitedRow);
    if (!element) return;
    setAwaitedRow(null);
    bringIntoView(element, false);
  }, [awaitedRow, drawn.start, drawn.end]);

  return (
    <>
      <header className="estimate-head">
        <div className="estimate-title">
          <h2 id={titleId}>{estimate.name}</h2>
          <p className="muted">
            <span className="mono">{estimate.fileName}</span> · sheet {estimate.sheetName} · header on row{" "}
            {estimate.headerRow} · imported <time dateTime={estimate.createdAt}>{formatTimestamp(estimate.createdAt)}</time>
          </p>
        </div>
        <CloseButton label="Close estimate" onClick={onClose} />
      </header>

      {estimate.metadata.length > 0 ? (
        <dl className="metadata" data-testid="estimate-metadata">
          {estimate.metadata.map((line, i) => (
            // A long value (the name of the work) takes the whole row rather than wrapping into a
            // narrow column beside empty space.
            <div key={i} className={line.value.length > WIDE_VALUE_CHARS ? "wide" : undefined}>
              <dt>{line.label}</dt>
              <dd>{line.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}

      <div className="estimate-body">
        <div className="table-wrap items-wrap">
          <table className="ledger items-table" data-testid="items-table">
            <caption className="sr-only">Items of {estimate.name}</caption>
            <LedgerHead columns={ITEM_COLUMNS} />
            <RowSpacer height={drawn.before} columns={ITEM_COLUMNS.length} />
            <tbody ref={rowsRef}>
              {estimate.items.slice(drawn.start, drawn.end).map((item) => (
                <ItemRow
                  key={item.row}
                  item={item}
                  highlighted={highlight === item.row}
                  rowRef={(el) => {
                    if (el) rowRefs.current.set(item.row, el);
                    else rowRefs.current.delete(item.row);
                  }}
                />
              ))}
              {estimate.items.length === 0 ? (
                <EmptyRow columns={ITEM_COLUMNS.length}>No item rows were found under the header.</EmptyRow>
              ) : null}
            </tbody>
            <RowSpacer height={drawn.after} columns={ITEM_COLUMNS.length} />
          </table>
        </div>

        <aside className="estimate-side" aria-label="Totals and warnings">
          <h3>Totals</h3>
          <table className="ledger footer-table" data-testid="footer-table">
            <tbody>
              {estimate.footer.map((line, i) => (
                <tr key={i} className={/^grand total$/i.test(line.label.trim()) ? "row-grand" : undefined}>
                  <th scope="row">{line.label}</th>
                  <td className="num nowrap">{formatMoney(line.amount)}</td>
                </tr>
              ))}
              {estimate.footer.length === 0 ? <EmptyRow columns={2}>No footer rows were found.</EmptyRow> : null}
            </tbody>
          </table>

          <h3>
            Warnings <span className="muted">({estimate.warnings.length})</span>
          </h3>
          {estimate.warnings.length === 0 ? (
            <p className="muted warnings-none" data-testid="warnings-list">
              <CheckIcon size={13} /> No warnings: every row was read as it stands.
            </p>
          ) : (
            <ol className="warnings" data-testid="warnings-list">
              {estimate.warnings.map((warning, i) => (
                <li key={i}>
                  <WarningEntry
                    warning={warning}
                    index={i}
                    canShow={warning.row !== null && itemRows.has(warning.row)}
                    active={warning.row !== null && warning.row === highlight}
                    onShow={showRow}
                  />
                </li>
              ))}
            </ol>
          )}
        </aside>
      </div>
      <EstimateDocuments estimateId={estimate.id} org={org} />
    </>
  );
}

function ItemRow({
  item,
  highlighted,
  rowRef,
}: {
  item: EstimateItemView;
  highlighted: boolean;
  rowRef: (el: HTMLTableRowElement | null) => void;
}) {
  const classes = [
    item.heading ? "row-heading" : null,
    item.flagged ? "row-flagged" : null,
    highlighted ? "row-highlight" : null,
  ].filter(Boolean);
  const rowCell = (
    <td className="num mono row-no">
      {highlighted ? <ChevronRightIcon size={12} className="row-pointer" /> : null}
      {item.row}
      {highlighted ? <span className="sr-only"> (shown for a warning)</span> : null}
    </td>
  );
  return (
    <tr
      ref={rowRef}
      tabIndex={-1}
      className={classes.length > 0 ? classes.join(" ") : undefined}
      data-testid={`item-row-${item.row}`}
      data-heading={item.heading ? "true" : undefined}
      data-flagged={item.flagged ? "true" : undefined}
      data-highlighted={highlighted ? "true" : undefined}
    >
      {rowCell}
      {item.heading ? (
        <>
          <td className="mono">{item.slNo}</td>
          <td colSpan={5} className="heading-cell">
            {item.description}
          </td>
        </>
      ) : (
        <>
          <td className="mono">{item.slNo}</td>
          <td className="description">
            {item.description}
            {item.flagged ? (
              <span className="flag-tag">
                <FlagIcon size={12} /> Flagged
              </span>
            ) : null}
          </td>
          <td className="num nowrap">{item.quantity !== null ? formatQuantity(item.quantity) : dash}</td>
          <td>{item.unit}</td>
          <td className="num nowrap">{item.rate !== null ? formatMoney(item.rate) : dash}</td>
          <td className="num nowrap">{item.amount !== null ? formatMoney(item.amount) : dash}</td>
        </>
      )}
    </tr>
  );
}

function WarningEntry({
  warning,
  index,
  canShow,
  active,
  onShow,
}: {
  warning: ParseWarning;
  index: number;
  canShow: boolean;
  active: boolean;
  onShow: (row: number) => void;
}) {
  const body = (
    <>
      <AlertIcon size={13} />
      <span className="warning-cell mono">{warning.cell}</span>
      <span className="warning-message">{warning.message}</span>
    </>
  );
  if (canShow && warning.row !== null) {
    const row = warning.row;
    return (
      <button
        type="button"
        className={`warning${active ? " is-active" : ""}`}
        data-testid={`warning-${index}`}
        aria-pressed={active}
        title={`Show row ${row} in the items table`}
        onClick={() => onShow(row)}
      >
        {body}
      </button>
    );
  }
  return (
    <div className="warning" data-testid={`warning-${index}`}>
      {body}
    </div>
  );
}
