/**
 * The documents of one estimate, in chain order: work data, work slips, bills, and the
 * estimate abstract, each list with the action that creates the next one. Creating opens the
 * quantity editor in place. Read-only roles see the lists with the actions disabled, and why.
 */
import { useCallback, useId, useState, type ReactNode } from "react";
import { useAppActions } from "../../appContext";
import { useBackend } from "../../backendContext";
import type { ApiError } from "../../bindings/ApiError";
import type { OrgChoice } from "../../bindings/OrgChoice";
import { useJobsFeed } from "../../jobsFeed";
import { paneErrorView } from "../../logic/errors";
import { formatMoney, formatTimestamp } from "../../logic/format";
import { documentsBlockedReason, withdrawBlockedReason } from "../../logic/roles";
import { useNavigation } from "../../navigation";
import { type LoadState, useLoad } from "../../useLoad";
import { InlineError } from "../common/ErrorBanner";
import { ReasonForm } from "../common/ReasonForm";
import { OutputsIcon } from "../common/Icons";
import { JobStatusLabel } from "../common/JobStatusLabel";
import { QuantityEditor, type EditorKind } from "./QuantityEditor";
import { WorkDataForm } from "./WorkDataForm";

/** What a chain's section shows; `entries` is undefined until its list has loaded. */
type ChainContent = {
  document: EditorKind;
  title: string;
  titleId: string;
  testId: string;
  tableTestId?: string;
  list: LoadState<unknown>;
  /** The chain's documents; `withdrawalRefused` is the core's word on why one cannot be withdrawn now. */
  entries:
    | Array<{
        id: number;
        number: number;
        createdAt: string;
        jobId: number | null;
        name: ReactNode;
        /** A bill's payment, in a column of its own; work slips have none. */
        pays?: ReactNode;
        withdrawalRefused: string | null;
      }>
    | undefined;
  emptyText: string;
  /** The button that creates the next document, and why it cannot (its tooltip), if it cannot. */
  next: { label: string; refusal: string | null };
};

export function EstimateDocuments({ estimateId, org }: { estimateId: number; org: OrgChoice }) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const navigation = useNavigation();
  const { jobs, completions } = useJobsFeed();
  const [editing, setEditing] = useState<EditorKind | null>(null);
  const [changes, setChanges] = useState(0);
  const [workVersion, setWorkVersion] = useState(0);
  const [abstractError, setAbstractError] = useState<ApiError | null>(null);
  const [abstractJob, setAbstractJob] = useState<number | null>(null);
  // `changes` and `completions` are dependencies on purpose: a saved or rendered document reloads the lists.
  const loadBills = useCallback(() => backend.listBills(estimateId), [backend, estimateId, changes, completions]);
  const loadSlips = useCallback(() => backend.listWorkslips(estimateId), [backend, estimateId, changes, completions]);
  const bills = useLoad(loadBills);
  const slips = useLoad(loadSlips);
  const blocked = documentsBlockedReason(org);
  const billsId = useId();
  const slipsId = useId();
  const closed = (bills.data ?? []).some((b) => b.isFinal);
  const nextBill = (bills.data?.length ?? 0) + 1;
  const nextSlip = (slips.data?.length ?? 0) + 1;
  const slipEntries = slips.data?.map((w) => ({
    id: w.id,
    number: w.phase,
    createdAt: w.createdAt,
    jobId: w.jobId,
    name: <>Work slip {w.phase}</>,
    withdrawalRefused: w.withdrawalRefused,
  }));
  const billEntries = bills.data?.map((b) => ({
    id: b.id,
    number: b.number,
    createdAt: b.createdAt,
    jobId: b.jobId,
    withdrawalRefused: b.withdrawalRefused,
    name: (
      <>
        Bill {b.number}
        {b.isFinal ? <span className="flag-tag">Final</span> : null}
      </>
    ),
    // What the bill pays, so that nobody opens each PDF to find it; the gross is on hover.
    pays:
      b.netPayable !== null ? (
        <span title={b.gross !== null ? `Gross ${formatMoney(b.gross)}` : undefined} data-testid={`bill-net-${b.number}`}>
          net payable {formatMoney(b.netPayable)}
        </span>
      ) : null,
  }));
  const withdrawRefused = withdrawBlockedReason(org);
  // One reason form at a time; what was withdrawn is said once the lists have reloaded.
  const [withdrawing, setWithdrawing] = useState<string | null>(null);
  const [withdrawn, setWithdrawn] = useState<{ chain: EditorKind; text: string } | null>(null);
  const withdrawCell = (document: "bill" | "workslip", entry: { number: number; withdrawalRefused: string | null }, isLatest: boolean) => {
    if (!isLatest || editing !== null) return null;
    const { number } = entry;
    const key = `${document}-${number}`;
    const name = document === "bill" ? `bill ${number}` : `work slip ${number}`;
    // The core says why this document cannot go now (its files are still being made, a bill
    // follows a work slip's working estimate); the window adds only what is its own: the
    // role, and one form at a time.
    const refusal =
      withdrawRefused ??
      entry.withdrawalRefused ??
      (withdrawing !== null && withdrawing !== key ? "Finish or cancel the other withdrawal first." : null);
    return (
      <WithdrawLatest
        estimateId={estimateId}
        document={document}
        number={number}
        refusal={refusal}
        open={withdrawing === key}
        onOpen={(open) => setWithdrawing(open ? key : null)}
        onWithdrawn={() => {
          setWithdrawing(null);
          setWithdrawn({
            chain: document,
            text: `${name[0]?.toUpperCase()}${name.slice(1)} is withdrawn. Its files stay in Outputs, marked withdrawn; ${name} can be made again.`,
          });
          setChanges((c) => c + 1);
        }}
      />
    );
  };

  const jobCell = (jobId: number | null) => {
    const job = jobId === null ? undefined : jobs.find((j) => j.id === jobId);
    return (
      <>
        {job ? <JobStatusLabel status={job.status} /> : null}
        {jobId !== null ? (
          <button type="button" className="button quiet small" onClick={() => navigation.openOutputs(jobId)} aria-label={`Outputs of job ${jobId}`}>
            <OutputsIcon /> Outputs
          </button>
        ) : null}
      </>
    );
  };

  /** One chain (work slips or bills): its list, the button that creates the next one, and the editor while it is made. */
  const chainSection = (chain: ChainContent) => (
    <section className="doc-section" aria-labelledby={chain.titleId} data-testid={chain.testId}>
      <div className="doc-section-head">
        <h3 id={chain.titleId}>{chain.title}</h3>
        <button
          type="button"
          className="button"
          disabled={blocked !== null || chain.next.refusal !== null || editing !== null}
          title={blocked ?? chain.next.refusal ?? (editing !== null ? openEditorNote(editing, chain.document) : undefined)}
          onClick={() => setEditing(chain.document)}
          data-testid={`new-${chain.document}`}
        >
          {chain.next.label}
        </button>
      </div>
      {chain.list.status === "error" ? <InlineError {...paneErrorView(chain.list.error)} /> : null}
      {withdrawn?.chain === chain.document ? (
        <p className="notice" role="status" data-testid="withdrawn-note">
          {withdrawn.text}
        </p>
      ) : null}
      {chain.entries && chain.entries.length > 0 ? (
        <table className="ledger doc-table" data-testid={chain.tableTestId}>
          <tbody>
            {chain.entries.map((entry, i, all) => (
              <tr key={entry.id}>
                <td>{entry.name}</td>
                {entry.pays !== undefined ? <td className="num">{entry.pays}</td> : null}
                <td className="muted">
                  <time dateTime={entry.createdAt}>{formatTimestamp(entry.createdAt)}</time>
                </td>
                <td className="actions">
                  {jobCell(entry.jobId)}
                  {withdrawCell(chain.document, entry, i === all.length - 1)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : chain.entries ? (
        <p className="muted">{chain.emptyText}</p>
      ) : null}
      {editing === chain.document ? (
        <QuantityEditor estimateId={estimateId} kind={chain.document} onClose={() => setEditing(null)} onCreated={() => setChanges((c) => c + 1)}
          workVersion={workVersion}
        />
      ) : null}
    </section>
  );

  const requestAbstract = async () => {
    setAbstractError(null);
    try {
      const queued = await backend.requestAbstract(estimateId);
      setAbstractJob(queued.jobId);
    } catch (caught) {
      setAbstractError(handleError(caught));
    }
  };

  return (
    <div className="estimate-documents" data-testid="estimate-documents">
      <WorkDataForm estimateId={estimateId} org={org} onSaved={() => setWorkVersion((v) => v + 1)} />

      {chainSection({
        document: "workslip",
        title: "Work slips",
        titleId: slipsId,
        testId: "workslips",
        list: slips,
        entries: slipEntries,
        emptyText: "No work slips yet.",
        next: closed
          ? { label: "Closed by the final bill", refusal: "The final bill closed this estimate: no work slip can follow it. To change the work, withdraw the final bill first." }
          : nextSlip > 10
            ? { label: "All 10 work slips made", refusal: "An estimate has at most 10 work slips." }
            : { label: `Create work slip ${nextSlip}`, refusal: null },
      })}

      {chainSection({
        document: "bill",
        title: "Bills",
        titleId: billsId,
        testId: "bills",
        tableTestId: "bills-table",
        list: bills,
        entries: billEntries,
        emptyText: "No bills yet.",
        next: closed
          ? { label: "Chain closed by the final bill", refusal: "A final bill closes the chain: no bill can follow it." }
          : { label: `Create bill ${nextBill}`, refusal: null },
      })}

      <section className="doc-section" data-testid="abstract">
        <div className="doc-section-head">
          <h3>Estimate abstract</h3>
          <button type="button" className="button" disabled={blocked !== null} title={blocked ?? undefined} onClick={() => void requestAbstract()} data-testid="make-abstract">
            Make abstract (PDF + XLSX)
          </button>
          {abstractJob !== null ? jobCell(abstractJob) : null}
        </div>
        {abstractError ? <InlineError message={abstractError.message} /> : null}
      </section>
      {blocked ? <p className="muted read-only-note">{blocked}</p> : null}
    </div>
  );
}

/** Why a chain's create button waits while an editor is open (one document is made at a time). */
function openEditorNote(open: EditorKind, chain: EditorKind): string {
  if (open === chain) return "Its editor is open below.";
  return `Save or close the ${open === "bill" ? "bill" : "work slip"} being made first: one document is made at a time.`;
}

/**
 * Withdrawing the latest document of a chain: a reason is asked for in place (it goes to the
 * audit log), and the result or the refusal is shown where the button was.
 */
function WithdrawLatest({
  estimateId,
  document,
  number,
  refusal,
  open,
  onOpen,
  onWithdrawn,
}: {
  estimateId: number;
  document: "bill" | "workslip";
  number: number;
  /** Why it cannot be withdrawn now (shown on hover of the disabled button), or null. */
  refusal: string | null;
  open: boolean;
  onOpen: (open: boolean) => void;
  onWithdrawn: () => void;
}) {
  const backend = useBackend();
  const name = document === "bill" ? `bill ${number}` : `work slip ${number}`;

  if (!open) {
    return (
      <button
        type="button"
        className="button quiet small"
        disabled={refusal !== null}
        title={refusal ?? undefined}
        onClick={() => onOpen(true)}
        data-testid={`withdraw-${document}-${number}`}
      >
        Withdraw…
      </button>
    );
  }
  return (
    <ReasonForm
      label={<>Why is {name} withdrawn? (kept in the audit log)</>}
      minLength={3}
      confirmLabel={`Withdraw ${name}`}
      busyLabel="Withdrawing…"
      onConfirm={async (reason) => {
        await backend.withdrawDocument(estimateId, document, number, reason);
        onWithdrawn();
      }}
      onCancel={() => onOpen(false)}
      testId="withdraw"
    />
  );
}
