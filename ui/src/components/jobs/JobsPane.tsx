/**
 * The active org's jobs, live: progress, current step, elapsed time, and Cancel / Retry where the
 * core allows them. A failed job says what went wrong, with its log behind a disclosure.
 */
import { useEffect, useState, type ReactNode } from "react";
import { useAppActions } from "../../appContext";
import { useBackend } from "../../backendContext";
import type { ApiError } from "../../bindings/ApiError";
import type { JobView } from "../../bindings/JobView";
import type { OrgChoice } from "../../bindings/OrgChoice";
import { useJobsFeed } from "../../jobsFeed";
import { paneErrorView } from "../../logic/errors";
import { formatTimestamp, jobElapsed } from "../../logic/format";
import { JOB_KIND_LABELS } from "../../logic/ingest";
import { may } from "../../logic/roles";
import { InlineError } from "../common/ErrorBanner";
import { AlertIcon, EyeIcon, InfoIcon, JobsIcon, RefreshIcon } from "../common/Icons";
import { LedgerHead, numeric, screenReaderOnly } from "../common/Ledger";
import { DropHint } from "../works/ImportNotices";
import { JobStatusLabel } from "../common/JobStatusLabel";
import { OrgPane, PaneHeader, ReloadButton } from "../common/Pane";
import { ProgressBar } from "../common/ProgressBar";

export function JobsPane({ org }: { org: OrgChoice | null }) {
  return <OrgPane pane="jobs" title="Jobs" body={org ? <JobsList org={org} /> : null} />;
}

/** A clock that ticks every second while `running`, for elapsed times. */
function useNow(running: boolean): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    setNow(new Date());
    if (!running) return;
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

const COLUMNS = [numeric("Job"), "Kind", "File", "Status", "Progress", "Step", numeric("Elapsed"), "By", screenReaderOnly("Actions")];
const LOG_COLUMNS = ["Time", numeric("Attempt"), "Step", "Error"];

function JobsList({ org }: { org: OrgChoice }) {
  const feed = useJobsFeed();
  const jobs = feed.jobs;
  const running = jobs.filter((j) => j.status === "running" && !j.interrupted).length;
  const queued = jobs.filter((j) => j.status === "queued").length;
  const now = useNow(running > 0);

  return (
    <>
      <PaneHeader
        titleId="jobs-title"
        title={<>Jobs — {org.name}</>}
        count={
          feed.status === "loading"
            ? "Loading…"
            : `${jobs.length} ${jobs.length === 1 ? "job" : "jobs"}` +
              (running > 0 ? ` · ${running} running` : "") +
              (queued > 0 ? ` · ${queued} queued` : "")
        }
        tools={<ReloadButton label="Reload jobs" onClick={feed.reload} />}
      />
      <div className="pane-body">
        <DropHint org={org} />
        {!may(org, "job_retry") ? (
          <p className="pane-note">
            <EyeIcon /> Your role in {org.code} is read-only: you can follow jobs here but not cancel or retry them.
          </p>
        ) : null}
        {!feed.live ? (
          <p className="pane-note">
            <InfoIcon /> Live progress is not available right now; the list refreshes every few seconds while jobs run.
          </p>
        ) : null}
        {feed.status === "error" && feed.error ? <InlineError {...paneErrorView(feed.error)} /> : null}
        {feed.status === "ready" && jobs.length === 0 ? (
          <div className="empty-state">
            <JobsIcon size={28} />
            <h2>No jobs in {org.code} yet</h2>
            <p>Each imported workbook becomes a job here, with its progress.</p>
          </div>
        ) : (
          <div className="table-wrap">
            <table className="ledger jobs-table" data-testid="jobs-table">
              <LedgerHead columns={COLUMNS} />
              {jobs.map((job) => (
                <JobRows key={job.id} job={job} now={now} />
              ))}
            </table>
          </div>
        )}
      </div>
    </>
  );
}

function JobRows({ job, now }: { job: JobView; now: Date }) {
  const backend = useBackend();
  const feed = useJobsFeed();
  const { handleError } = useAppActions();
  const [busy, setBusy] = useState<"cancel" | "retry" | null>(null);
  const [actionError, setActionError] = useState<{ action: "cancel" | "retry"; error: ApiError } | null>(null);
  const what = job.fileName ? `job ${job.id} (${job.fileName})` : `job ${job.id}`;

  const act = async (action: "cancel" | "retry") => {
    setBusy(action);
    setActionError(null);
    try {
      const next = action === "cancel" ? await backend.cancelJob(job.id) : await backend.retryJob(job.id);
      feed.put(next);
    } catch (caught) {
      setActionError({ action, error: handleError(caught) });
      feed.reload();
    } finally {
      setBusy(null);
    }
  };

  const hasLog = job.errorLog.length > 0;
  const failed = job.status === "failed";
  // A finished document that needs attention (a working estimate beyond its sanction).
  const warnings = job.status === "completed" ? job.errorLog.filter((entry) => entry.step === "deviation") : [];

  return (
    <tbody className={`job-group job-${job.status}`}>
      <tr data-testid={`job-row-${job.id}`} data-status={job.status}>
        <td className="num mono">#{job.id}</td>
        <td className="nowrap">{JOB_KIND_LABELS[job.kind]}</td>
        <td className="job-file">
          <span className="clip" title={job.fileName ?? undefined}>
            <span className="mono" data-testid={`job-file-${job.id}`}>
              {job.fileName ?? "—"}
            </span>
          </span>
          {job.source === "inbox" ? (
            <span className="source-tag" title="Picked up from the watched inbox folder" data-testid={`job-source-${job.id}`}>
              inbox
            </span>
          ) : null}
        </td>
        <td className="nowrap">
          <JobStatusLabel status={job.status} testId={`job-status-${job.id}`} />
        </td>
        <td className="job-progress">
          <ProgressBar value={job.progress} label={`Progress of ${what}`} testId={`job-progress-${job.id}`} />
          <span className="progress-text">{Math.round(job.progress)} %</span>
        </td>
        <td data-testid={`job-step-${job.id}`}>
          {job.interrupted ? "Interrupted: its worker stopped. It is queued again shortly." : job.currentStep}
        </td>
        <td className="num nowrap">
          <time
            title={
              job.startedAt
                ? `Started ${formatTimestamp(job.startedAt)}${job.attempts > 1 ? ` · attempt ${job.attempts}` : ""}`
                : `Queued ${formatTimestamp(job.createdAt)}`
            }
          >
            {jobElapsed(job, now)}
          </time>
        </td>
        <td className="mono">{job.username}</td>
        <td className="job-actions">
          {job.canCancel ? (
            <JobActionButton testId={`job-cancel-${job.id}`} label={`Cancel ${what}`} disabled={busy !== null} onClick={() => void act("cancel")}>
              {busy === "cancel" ? "Cancelling…" : "Cancel"}
            </JobActionButton>
          ) : null}
          {job.canRetry ? (
            <JobActionButton testId={`job-retry-${job.id}`} label={`Retry ${what}`} disabled={busy !== null} onClick={() => void act("retry")}>
              <RefreshIcon /> {busy === "retry" ? "Retrying…" : "Retry"}
            </JobActionButton>
          ) : null}
        </td>
      </tr>
      {failed || hasLog ? (
        <tr className="job-detail-row">
          <td />
          <td colSpan={COLUMNS.length - 1}>
            {failed ? (
              <p className="job-error" data-testid={`job-error-${job.id}`}>
                <AlertIcon size={14} /> <span>{job.errorMessage ?? "The job failed without a message."}</span>
              </p>
            ) : null}
            {warnings.map((entry, i) => (
              <p key={i} className="job-error job-warning" data-testid={`job-warning-${job.id}`}>
                <AlertIcon size={14} label="Warning" /> <span>{entry.error}</span>
              </p>
            ))}
            {hasLog ? (
              <details className="job-log" data-testid={`job-log-${job.id}`}>
                <summary>
                  {failed ? "Error log" : warnings.length > 0 ? "Log" : "Earlier attempts"} ({job.errorLog.length}{" "}
                  {job.errorLog.length === 1 ? "entry" : "entries"})
                </summary>
                <table className="ledger log-table">
                  <LedgerHead columns={LOG_COLUMNS} />
                  <tbody>
                    {job.errorLog.map((entry, i) => (
                      <tr key={i}>
                        <td className="nowrap">
                          <time dateTime={entry.at}>{formatTimestamp(entry.at)}</time>
                        </td>
                        <td className="num">{entry.attempt}</td>
                        <td className="nowrap">{entry.step}</td>
                        <td>{entry.error}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ) : null}
          </td>
        </tr>
      ) : null}
      {actionError ? (
        <tr className="job-detail-row">
          <td />
          <td colSpan={COLUMNS.length - 1}>
            <InlineError
              message={`Could not ${actionError.action} ${what}: ${paneErrorView(actionError.error).message}`}
              hint={paneErrorView(actionError.error).hint}
              testId={`job-action-error-${job.id}`}
            />
          </td>
        </tr>
      ) : null}
    </tbody>
  );
}

/** Cancel or Retry on a job's row; `label` names the job, since every row has the same words. */
function JobActionButton({
  testId,
  label,
  disabled,
  onClick,
  children,
}: {
  testId: string;
  label: string;
  disabled: boolean;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button type="button" className="button small" data-testid={testId} aria-label={label} disabled={disabled} onClick={onClick}>
      {children}
    </button>
  );
}
