/** The audit log: who did what, where, and whether the gate allowed it. */
import { useCallback, useId, useMemo, useState } from "react";
import { useBackend } from "../../backendContext";
import type { AuditEntry } from "../../bindings/AuditEntry";
import type { AuditVerification } from "../../bindings/AuditVerification";
import type { OrgChoice } from "../../bindings/OrgChoice";
import { paneErrorView } from "../../logic/errors";
import { auditActionLabel, auditObject, filterAudit, formatTimestamp, OUTCOME_LABELS } from "../../logic/format";
import { auditCoversAllOrgs } from "../../logic/roles";
import type { GlobalAction } from "../../bindings/GlobalAction";
import { type LoadState, useLoad } from "../../useLoad";
import { InlineError } from "../common/ErrorBanner";
import { ReasonForm } from "../common/ReasonForm";
import { AlertIcon, CheckIcon, DeniedIcon, SearchIcon } from "../common/Icons";
import { EmptyRow, LedgerHead } from "../common/Ledger";
import { OrgPane, PaneHeader, ReloadButton } from "../common/Pane";

export const AUDIT_LIMIT = 500;

const COLUMNS = ["Time", "User", "Org", "Action", "Object", "Outcome", "Reason"];

export function AuditPane({ org, mayGlobally }: { org: OrgChoice | null; mayGlobally: GlobalAction[] }) {
  const allOrgs = auditCoversAllOrgs(mayGlobally);
  const mayReanchor = mayGlobally.includes("audit_reanchor");
  return (
    <OrgPane
      pane="audit"
      title="Audit"
      body={org || allOrgs ? <AuditTable org={org} allOrgs={allOrgs} mayReanchor={mayReanchor} /> : null}
    />
  );
}

function Outcome({ outcome }: { outcome: AuditEntry["outcome"] }) {
  const label = OUTCOME_LABELS[outcome];
  const icon =
    outcome === "denied" ? <DeniedIcon size={13} /> : outcome === "failure" ? <AlertIcon size={13} /> : <CheckIcon size={13} />;
  return (
    <span className={`outcome outcome-${outcome}`}>
      {icon} {label}
    </span>
  );
}

/** Whether the log's hash chain is intact: a quiet line when it is, an alert where it breaks. */
function ChainStatus({
  chain,
  mayReanchor,
  onReanchored,
}: {
  chain: LoadState<AuditVerification>;
  mayReanchor: boolean;
  onReanchored: () => void;
}) {
  if (chain.status === "error") return null;
  const result = chain.data;
  if (!result) {
    return (
      <p className="pane-note" data-testid="audit-chain">
        Checking the log's hash chain…
      </p>
    );
  }
  if (result.broken) {
    return (
      <>
        <InlineError
          testId="audit-chain"
          message={`The audit log was altered: the chain breaks at entry ${result.broken.id}. ${result.broken.reason}`}
          hint={
            result.verified >= result.broken.id
              ? `All ${result.verified} entries link correctly among themselves; it is the check against the anchor that failed. Keep a copy of the data folder and tell whoever looks after this computer.`
              : `The ${result.verified} ${result.verified === 1 ? "entry" : "entries"} before it are verified. Keep a copy of the data folder and tell whoever looks after this computer.`
          }
        />
        {mayReanchor ? <ReanchorForm onDone={onReanchored} /> : null}
      </>
    );
  }
  // The time on one line: a narrow window had split it between the date and the hour.
  const anchored = result.anchor ? <span className="nowrap"> · anchored {formatTimestamp(result.anchor.at)}</span> : null;
  const older = result.beforeChain > 0 ? ` · ${result.beforeChain} older entries predate the chain` : "";
  return (
    <p className="pane-note" data-testid="audit-chain">
      <CheckIcon size={13} /> Verified: {result.verified} {result.verified === 1 ? "entry links" : "entries link"} in an
      unbroken chain{anchored}
      {older}
      {/* The list below goes on growing (opening it is itself logged), so its count may be the
          larger; said, so the two numbers do not read as entries left unchecked. */}
      <span className="muted"> · checked when this pane opened; later entries at the next check</span>
    </p>
  );
}

/**
 * For a superuser, when the anchor file is lost for good: accept the log as it stands, saying
 * why. The core refuses when the log's own chain is broken, and keeps the reason in the log.
 */
function ReanchorForm({ onDone }: { onDone: () => void }) {
  const backend = useBackend();
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <p className="pane-note">
        <button type="button" className="button quiet small" onClick={() => setOpen(true)} data-testid="audit-reanchor-open">
          Accept the log as it stands…
        </button>{" "}
        <span className="muted">Only when the anchor file is lost for good and no backup or sync bucket has it.</span>
      </p>
    );
  }
  return (
    <ReasonForm
      label="Why is the log accepted as it stands? (kept in the log)"
      minLength={10}
      confirmLabel="Anchor afresh"
      busyLabel="Anchoring…"
      onConfirm={async (reason) => {
        await backend.reanchorAudit(reason);
        setOpen(false);
        onDone();
      }}
      onCancel={() => setOpen(false)}
      testId="audit-reanchor"
      className="pane-note"
    />
  );
}

function AuditTable({ org, allOrgs, mayReanchor }: { org: OrgChoice | null; allOrgs: boolean; mayReanchor: boolean }) {
  const backend = useBackend();
  const [deniedOnly, setDeniedOnly] = useState(false);
  const [query, setQuery] = useState("");
  const filterId = useId();
  const load = useCallback(() => backend.listAudit({ deniedOnly, limit: AUDIT_LIMIT }), [backend, deniedOnly]);
  const audit = useLoad(load);
  const verify = useCallback(() => backend.verifyAudit(), [backend]);
  const chain = useLoad(verify);
  const reload = () => {
    audit.reload();
    chain.reload();
  };
  const loaded = audit.data ?? [];
  const rows = useMemo(() => filterAudit(loaded, query), [loaded, query]);

  return (
    <>
      <PaneHeader
        titleId="audit-title"
        title={<>Audit — {allOrgs ? "all organizations" : org?.name}</>}
        count={
          <>
            {audit.status === "loading"
              ? "Loading…"
              : rows.length === loaded.length
                ? `${loaded.length} ${loaded.length === 1 ? "entry" : "entries"}`
                : `${rows.length} of ${loaded.length} entries`}
            {loaded.length >= AUDIT_LIMIT ? ` (latest ${AUDIT_LIMIT})` : ""}
          </>
        }
      />
      <div className="toolbar" role="search">
        <label className="search-field" htmlFor={filterId}>
          <SearchIcon />
          <span className="sr-only">Filter audit entries</span>
          <input
            id={filterId}
            type="search"
            placeholder="Filter by user, org, action, object, reason"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="audit-filter"
          />
        </label>
        <label className="toggle">
          <input
            type="checkbox"
            checked={deniedOnly}
            onChange={(e) => setDeniedOnly(e.target.checked)}
            data-testid="audit-denied-only"
          />
          <span>Denied only</span>
        </label>
        <ReloadButton label="Reload audit log" onClick={reload} testId="audit-reload" />
      </div>
      {audit.status === "error" ? <InlineError {...paneErrorView(audit.error)} /> : null}
      <ChainStatus chain={chain} mayReanchor={mayReanchor} onReanchored={reload} />
      <div className="table-wrap">
        <table className="ledger">
          <LedgerHead columns={COLUMNS} />
          <tbody>
            {rows.map((e) => (
              <tr key={e.id} className={e.outcome === "denied" ? "row-denied" : undefined} data-outcome={e.outcome}>
                <td className="nowrap">
                  <time dateTime={e.at} title={`${formatTimestamp(e.at, "utc")} UTC · device ${e.device}`}>
                    {formatTimestamp(e.at)}
                  </time>
                </td>
                <td className="mono">{e.username ?? <span className="muted">—</span>}</td>
                <td className="mono">{e.orgCode ?? <span className="muted">—</span>}</td>
                <td title={e.action} data-testid="audit-action">
                  {auditActionLabel(e.action)}
                  {e.repeats > 1 ? (
                    <span className="repeats" title={`The same read ${e.repeats} times within a minute`}>
                      {" "}
                      ×{e.repeats}
                    </span>
                  ) : null}
                </td>
                <td>{auditObject(e)}</td>
                <td className="nowrap">
                  <Outcome outcome={e.outcome} />
                </td>
                <td>{e.reason ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
            {audit.status === "ready" && rows.length === 0 ? (
              <EmptyRow columns={COLUMNS.length}>
                {loaded.length === 0
                  ? deniedOnly
                    ? "No denied actions recorded."
                    : "No audit entries yet."
                  : "No entries match the filter."}
              </EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
    </>
  );
}
