/**
 * The documents of one estimate, in chain order: work data, work slips, bills, and the
 * estimate abstract, each list with the action that creates the next one. Creating opens the
 * quantity editor in place. Read-only roles see the lists with the actions disabled, and why.
 */
import { useCallback, useId, useState } from "react";
import { useAppActions } from "../../appContext";
import { useBackend } from "../../backendContext";
import type { ApiError } from "../../bindings/ApiError";
import type { OrgChoice } from "../../bindings/OrgChoice";
import { useJobsFeed } from "../../jobsFeed";
import { paneErrorView } from "../../logic/errors";
import { formatTimestamp } from "../../logic/format";
import { documentsBlockedReason, may } from "../../logic/roles";
import { useNavigation } from "../../navigation";
import { useLoad } from "../../useLoad";
import { InlineError } from "../common/ErrorBanner";
import { OutputsIcon } from "../common/Icons";
import { JobStatusLabel } from "../common/JobStatusLabel";
import { QuantityEditor, type EditorKind } from "./QuantityEditor";
import { WorkDataForm } from "./WorkDataForm";

export function EstimateDocuments({ estimateId, org }: { estimateId: number; org: OrgChoice }) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const navigation = useNavigation();
  const { jobs, completions } = useJobsFeed();
  const [editing, setEditing] = useState<EditorKind | null>(null);
  const [changes, setChanges] = useState(0);
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
  const mayWithdraw = may(org, "document_withdraw");
  const withdrawCell = (document: "bill" | "workslip", number: number, isLatest: boolean) =>
    mayWithdraw && isLatest && editing === null ? (
      <WithdrawLatest estimateId={estimateId} document={document} number={number} onWithdrawn={() => setChanges((c) => c + 1)} />
    ) : null;

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
      <WorkDataForm estimateId={estimateId} org={org} />

      <section className="doc-section" aria-labelledby={slipsId} data-testid="workslips">
        <div className="doc-section-head">
          <h3 id={slipsId}>Work slips</h3>
          <button
            type="button"
            className="button"
            disabled={blocked !== null || nextSlip > 10 || editing !== null}
            title={blocked ?? (nextSlip > 10 ? "An estimate has at most 10 work slips." : undefined)}
            onClick={() => setEditing("workslip")}
            data-testid="new-workslip"
          >
            {nextSlip > 10 ? "All 10 work slips made" : `Create work slip ${nextSlip}`}
          </button>
        </div>
        {slips.status === "error" ? <InlineError {...paneErrorView(slips.error)} /> : null}
        {slips.data && slips.data.length > 0 ? (
          <table className="ledger doc-table">
            <tbody>
              {slips.data.map((w, i, all) => (
                <tr key={w.id}>
                  <td>Work slip {w.phase}</td>
                  <td className="muted">
                    <time dateTime={w.createdAt}>{formatTimestamp(w.createdAt)}</time>
                  </td>
                  <td className="actions">
                    {jobCell(w.jobId)}
                    {withdrawCell("workslip", w.phase, i === all.length - 1)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : slips.data ? (
          <p className="muted">No work slips yet.</p>
        ) : null}
        {editing === "workslip" ? (
          <QuantityEditor estimateId={estimateId} kind="workslip" onClose={() => setEditing(null)} onCreated={() => setChanges((c) => c + 1)} />
        ) : null}
      </section>

      <section className="doc-section" aria-labelledby={billsId} data-testid="bills">
        <div className="doc-section-head">
          <h3 id={billsId}>Bills</h3>
          <button
            type="button"
            className="button"
            disabled={blocked !== null || closed || editing !== null}
            title={blocked ?? (closed ? "A final bill closes the chain: no bill can follow it." : undefined)}
            onClick={() => setEditing("bill")}
            data-testid="new-bill"
          >
            {closed ? "Chain closed by the final bill" : `Create bill ${nextBill}`}
          </button>
        </div>
        {bills.status === "error" ? <InlineError {...paneErrorView(bills.error)} /> : null}
        {bills.data && bills.data.length > 0 ? (
          <table className="ledger doc-table" data-testid="bills-table">
            <tbody>
              {bills.data.map((b, i, all) => (
                <tr key={b.id}>
                  <td>
                    Bill {b.number}
                    {b.isFinal ? <span className="flag-tag">Final</span> : null}
                  </td>
                  <td className="muted">
                    <time dateTime={b.createdAt}>{formatTimestamp(b.createdAt)}</time>
                  </td>
                  <td className="actions">
                    {jobCell(b.jobId)}
                    {withdrawCell("bill", b.number, i === all.length - 1)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : bills.data ? (
          <p className="muted">No bills yet.</p>
        ) : null}
        {editing === "bill" ? (
          <QuantityEditor estimateId={estimateId} kind="bill" onClose={() => setEditing(null)} onCreated={() => setChanges((c) => c + 1)} />
        ) : null}
      </section>

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

/**
 * Withdrawing the latest document of a chain: a reason is asked for in place (it goes to the
 * audit log), and the result or the refusal is shown where the button was.
 */
function WithdrawLatest({
  estimateId,
  document,
  number,
  onWithdrawn,
}: {
  estimateId: number;
  document: "bill" | "workslip";
  number: number;
  onWithdrawn: () => void;
}) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const name = document === "bill" ? `bill ${number}` : `work slip ${number}`;
  const reasonId = useId();

  if (!open) {
    return (
      <button type="button" className="button quiet small" onClick={() => setOpen(true)} data-testid={`withdraw-${document}-${number}`}>
        Withdraw…
      </button>
    );
  }
  const withdraw = async () => {
    setBusy(true);
    setError(null);
    try {
      await backend.withdrawDocument(estimateId, document, number, reason);
      onWithdrawn();
    } catch (caught) {
      setError(handleError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="withdraw-form" data-testid={`withdraw-form-${document}`}>
      <label htmlFor={reasonId}>Why is {name} withdrawn? (kept in the audit log)</label>
      <input
        id={reasonId}
        type="text"
        className="text-input"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        data-testid="withdraw-reason"
      />
      <button type="button" className="button danger small" disabled={busy || reason.trim().length < 3} onClick={() => void withdraw()} data-testid="withdraw-confirm">
        {busy ? "Withdrawing…" : `Withdraw ${name}`}
      </button>
      <button type="button" className="button quiet small" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {error ? <InlineError message={error.message} testId="withdraw-error" /> : null}
    </div>
  );
}
