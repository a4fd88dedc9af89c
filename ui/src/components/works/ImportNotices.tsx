/**
 * The drop hint and the results of the last drop, shown at the top of the Works and Jobs panes:
 * one line per file, with why a file was refused or already there.
 */
import { useState } from "react";
import type { OrgChoice } from "../../bindings/OrgChoice";
import { useImport } from "../../importContext";
import { paneErrorView } from "../../logic/errors";
import { useJobsFeed } from "../../jobsFeed";
import { DROP_HINT, followedOutcomeView, importSummary, uploadOutcomeView, type OutcomeView } from "../../logic/ingest";
import { importBlockedReason } from "../../logic/roles";
import { CloseButton } from "../common/CloseButton";
import { InlineError } from "../common/ErrorBanner";
import { AlertIcon, CheckIcon, EyeIcon, InfoIcon, UploadIcon } from "../common/Icons";

/** "Drop .xlsx, .xlsm, .xls or .ods files anywhere in this window", or why this role cannot. */
export function DropHint({ org }: { org: OrgChoice }) {
  const { state, chooseAndImport } = useImport();
  const blocked = importBlockedReason(org);
  // The tray is saying the same thing right now; once is enough.
  if (blocked && state?.kind === "blocked") return null;
  return (
    <p className="drop-hint" data-testid="drop-hint">
      {blocked ? (
        <>
          <EyeIcon /> {blocked}
        </>
      ) : (
        <>
          <UploadIcon /> {DROP_HINT}, or{" "}
          <button type="button" className="button quiet small inline-action" data-testid="choose-workbooks" onClick={chooseAndImport}>
            choose them…
          </button>
        </>
      )}
    </p>
  );
}

const TONE_ICONS: Record<OutcomeView["tone"], typeof CheckIcon> = {
  queued: CheckIcon,
  duplicate: InfoIcon,
  refused: AlertIcon,
};

/**
 * Queued files listed by name in a large drop; the rest are counted. Files that were refused or
 * already uploaded are always listed, since each needs a look.
 */
export const QUEUED_LINES_SHOWN = 5;

/** What the drops on the window did, shown once over whichever pane is open. */
export function ImportNotices({ org }: { org: OrgChoice | null }) {
  const { state, dismiss, openJobs } = useImport();
  const { jobs } = useJobsFeed();
  const [showAll, setShowAll] = useState(false);
  if (!state || (state.orgCode !== null && state.orgCode !== (org?.code ?? null))) return null;

  if (state.kind === "busy") {
    return (
      <p className="import-busy notice" role="status" data-testid="import-busy">
        <UploadIcon /> Importing {state.count} {state.count === 1 ? "file" : "files"} into {state.orgCode}…
      </p>
    );
  }
  if (state.kind === "blocked") {
    return (
      <div className="notice notice-with-close">
        <InlineError message={`Nothing was imported. ${state.message}`} testId="import-refused" />
        <CloseButton label="Dismiss" onClick={dismiss} />
      </div>
    );
  }
  if (state.kind === "failed") {
    const view = paneErrorView(state.error);
    return (
      <div className="notice notice-with-close">
        <InlineError message={`Nothing was imported: ${view.message}`} hint={view.hint} testId="import-error" />
        <CloseButton label="Dismiss" onClick={dismiss} />
      </div>
    );
  }


  const anyQueued = state.outcomes.some((o) => o.jobId !== null);
  // Each queued line follows its job while the tray shows, so a file that cannot be read says
  // so here, where it was dropped.
  const jobsById = new Map(jobs.map((job) => [job.id, job]));
  const lines = state.outcomes.map((outcome, index) => ({
    outcome,
    index,
    view: followedOutcomeView(
      outcome,
      uploadOutcomeView(outcome, state.orgCode, state.outcomes),
      outcome.jobId === null ? undefined : jobsById.get(outcome.jobId),
    ),
  }));
  const anyRefused = lines.some((line) => line.view.tone === "refused");
  let queuedListed = 0;
  const listed = showAll
    ? lines
    : lines.filter((line) => line.view.tone !== "queued" || queuedListed++ < QUEUED_LINES_SHOWN);
  const hidden = lines.length - listed.length;
  return (
    <section
      className={`import-results notice${anyRefused ? " has-refused" : ""}`}
      data-testid="upload-results"
      aria-label="Import results"
      role={anyRefused ? "alert" : "status"}
    >
      <header className="import-results-head">
        <strong>{importSummary(state.outcomes, state.orgCode, jobsById)}</strong>
        {anyQueued ? (
          <button type="button" className="button quiet small" onClick={openJobs}>
            Show jobs
          </button>
        ) : null}
        <CloseButton
          label="Dismiss import results"
          onClick={() => {
            setShowAll(false);
            dismiss();
          }}
        />
      </header>
      <ul>
        {listed.map(({ outcome, index, view }) => {
          const Icon = TONE_ICONS[view.tone];
          return (
            <li
              key={`${index}-${outcome.fileName}`}
              className={`import-line tone-${view.tone}`}
              data-testid={`upload-result-${index}`}
              data-outcome={view.tone}
            >
              <Icon size={14} />
              <span className="import-file mono">{outcome.fileName}</span>
              <span className="import-label">{view.label}.</span>
              <span className="import-text">{view.text}</span>
            </li>
          );
        })}
      </ul>
      {hidden > 0 ? (
        <button
          type="button"
          className="button quiet small import-results-more"
          data-testid="upload-results-more"
          onClick={() => setShowAll(true)}
        >
          {/* Counted lines are queued or read by now; a failed one is always listed. */}
          Show the other {hidden} {hidden === 1 ? "file" : "files"}
        </button>
      ) : null}
    </section>
  );
}
