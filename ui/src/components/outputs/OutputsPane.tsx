/**
 * The files jobs made for the active org: bills, work slips and abstracts as PDF and XLSX, and
 * parse results as JSON. Filter by type or job; select one to preview a PDF in the app, open it
 * in the system viewer, or save a copy (which counts a download and keeps it from retention
 * cleanup).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useAppActions } from "../../appContext";
import { useBackend } from "../../backendContext";
import type { OrgChoice } from "../../bindings/OrgChoice";
import type { OutputView } from "../../bindings/OutputView";
import type { ShareLink } from "../../bindings/ShareLink";
import { may } from "../../logic/roles";
import { useJobsFeed } from "../../jobsFeed";
import { paneErrorView } from "../../logic/errors";
import { formatTimestamp } from "../../logic/format";
import { useAction } from "../../useAction";
import { useLoad } from "../../useLoad";
import { ChoiceField, type Choices } from "../common/Choices";
import { CloseButton } from "../common/CloseButton";
import { InlineError } from "../common/ErrorBanner";
import { AlertIcon, CheckIcon, CloudIcon, OpenIcon, OutputsIcon, RefreshIcon, SaveIcon } from "../common/Icons";
import { LedgerHead, numeric } from "../common/Ledger";
import { OrgPane, PaneHeader, ReloadButton } from "../common/Pane";
import { PdfPreview } from "./PdfPreview";

type KindFilter = "all" | OutputView["kind"];

const KIND_FILTERS: Choices<KindFilter> = [
  ["all", "All"],
  ["pdf", "PDF"],
  ["xlsx", "XLSX"],
  ["json", "Data"],
];

/** What a file of each kind is, on hover: the parse result is no document to hand in. */
const KIND_TITLES: Record<OutputView["kind"], string> = {
  pdf: "A document to print or send",
  xlsx: "A workbook of the document, with its formulas",
  json: "The workbook as Sitebook read it (JSON): kept so documents can be made again, not a document to hand in",
};

export function OutputsPane({ org, focusJob }: { org: OrgChoice | null; focusJob: number | null }) {
  return <OrgPane pane="outputs" title="Outputs" body={org ? <Outputs org={org} focusJob={focusJob} /> : null} />;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const COLUMNS = ["File", "Type", numeric("Job"), numeric("Size"), "Made", numeric("Saved copies"), "Sync"];
/** Beside an open preview the list keeps what picks a file; the rest is told above the preview. */
const COMPACT_COLUMNS = ["File", "Type", numeric("Size")];

function Outputs({ org, focusJob }: { org: OrgChoice; focusJob: number | null }) {
  const backend = useBackend();
  const { completions } = useJobsFeed();
  const load = useCallback(() => backend.listOutputs(null), [backend, completions]);
  const outputs = useLoad(load);
  const [kind, setKind] = useState<KindFilter>("all");
  const [job, setJob] = useState<number | null>(focusJob);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const all = outputs.data ?? [];
  const rows = all.filter((o) => (kind === "all" || o.kind === kind) && (job === null || o.jobId === job));
  const selected = rows.find((o) => o.id === selectedId) ?? null;

  // Arriving for a job (a document just made): show its PDF.
  useEffect(() => {
    if (focusJob === null || selectedId !== null) return;
    // The document itself, not a statement made with it (a work slip's deviation statement).
    const pdfs = all.filter((o) => o.jobId === focusJob && o.kind === "pdf");
    const pdf = pdfs.find((o) => !o.filename.includes("-deviation")) ?? pdfs[0];
    if (pdf) setSelectedId(pdf.id);
  }, [all, focusJob, selectedId]);

  // The job asked for stays a choice when a cleanup left it no file in the list.
  const jobs = [...new Set([...all.map((o) => o.jobId), ...(job === null ? [] : [job])])].sort((a, b) => b - a);

  return (
    <>
      <PaneHeader
        titleId="outputs-title"
        title={<>Outputs — {org.name}</>}
        count={outputs.data === null ? "Loading…" : `${rows.length} of ${all.length} ${all.length === 1 ? "file" : "files"}`}
        tools={
          <>
            <ChoiceField className="inline-field" label="Type" value={kind} options={KIND_FILTERS} onChange={setKind} testId="outputs-kind" />
            <ChoiceField
              className="inline-field"
              label="Job"
              value={job === null ? "" : String(job)}
              options={[["", "All jobs"], ...jobs.map((id): [string, string] => [String(id), `#${id}`])]}
              onChange={(value) => setJob(value === "" ? null : Number(value))}
              testId="outputs-job"
            />
            <ReloadButton label="Reload outputs" onClick={outputs.reload} />
          </>
        }
      />
      <div className="pane-body outputs-body">
        {outputs.status === "error" ? <InlineError {...paneErrorView(outputs.error)} /> : null}
        {job !== null ? <RemovedFiles key={job} org={org} jobId={job} onChanged={outputs.reload} /> : null}
        {outputs.data !== null && all.length === 0 ? (
          <div className="empty-state" data-testid="outputs-empty">
            <OutputsIcon size={28} />
            <h2>No files in {org.code} yet</h2>
            <p className="muted">Bills, work slips and abstracts made from an estimate in Works appear here.</p>
          </div>
        ) : (
          <div className={`outputs-layout${selected ? " with-preview" : ""}`}>
            <div className="table-wrap">
              <table className="ledger outputs-table" data-testid="outputs-table">
                <LedgerHead columns={selected ? COMPACT_COLUMNS : COLUMNS} />
                <tbody>
                  {rows.map((o) => (
                    <tr key={o.id} className={o.id === selectedId ? "row-selected" : undefined} onClick={() => setSelectedId(o.id)} data-testid={`output-row-${o.id}`}>
                      <td>
                        <button
                          type="button"
                          className="link-button mono"
                          aria-pressed={o.id === selectedId}
                          onClick={(event) => {
                            event.stopPropagation();
                            setSelectedId(o.id);
                          }}
                        >
                          {o.filename}
                        </button>
                        {o.restored ? (
                          <span className="source-tag" title="Fetched from the organization's bucket by a restore" data-testid={`output-restored-${o.id}`}>
                            restored
                          </span>
                        ) : null}
                        {o.withdrawn ? (
                          <span className="flag-tag" title="Its bill or work slip was withdrawn; the file is kept as it was" data-testid={`output-withdrawn-${o.id}`}>
                            withdrawn
                          </span>
                        ) : null}
                      </td>
                      <td title={KIND_TITLES[o.kind]} data-testid={`output-kind-${o.id}`}>
                        {o.kind === "json" ? "Data" : o.kind.toUpperCase()}
                      </td>
                      {selected ? null : <td className="num">#{o.jobId}</td>}
                      <td className="num nowrap">{formatSize(o.size)}</td>
                      {selected ? null : (
                        <>
                          <td className="nowrap">
                            <time dateTime={o.createdAt}>{formatTimestamp(o.createdAt)}</time>
                          </td>
                          <td className="num" data-testid={`output-downloads-${o.id}`}>
                            {o.downloadCount}
                          </td>
                          <SyncStateCell output={o} />
                        </>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {selected ? (
              <OutputDetail key={selected.id} org={org} output={selected} onChanged={outputs.reload} onClose={() => setSelectedId(null)} />
            ) : null}
          </div>
        )}
      </div>
    </>
  );
}

/**
 * Above one job's files: those a cleanup of outputs never saved took with their records, and the
 * way to have them again. Its document's job renders them from the same frozen inputs.
 */
function RemovedFiles({ org, jobId, onChanged }: { org: OrgChoice; jobId: number; onChanged: () => void }) {
  const backend = useBackend();
  const { completions } = useJobsFeed();
  const load = useCallback(() => backend.jobFiles(jobId), [backend, jobId, completions]);
  const files = useLoad(load);
  const { busy, error, run: act } = useAction();
  const [making, setMaking] = useState(false);
  const removed = files.data?.removed ?? 0;
  if (removed === 0) return null;
  const them = removed === 1 ? "it" : "them";
  return (
    <div className="notice removed-files" role="status" data-testid="outputs-removed">
      <span>
        {removed === 1 ? "1 file" : `${removed} files`} of job #{jobId} {removed === 1 ? "was" : "were"} removed by the cleanup of
        outputs never saved.
      </span>
      {making ? (
        <span data-testid="outputs-removed-making">Job #{jobId} is making {them} again from the same inputs.</span>
      ) : files.data?.canMakeAgain && may(org, "job_retry") ? (
        <button
          type="button"
          className="button small"
          disabled={busy}
          data-testid="outputs-make-again"
          onClick={() =>
            void act(async () => {
              await backend.retryJob(jobId);
              setMaking(true);
              onChanged();
              files.reload();
            })
          }
        >
          <RefreshIcon /> Make again
        </button>
      ) : files.data?.canMakeAgain ? (
        <span>Someone who may retry jobs in {org.code} can make {them} again.</span>
      ) : null}
      {error ? <InlineError message={error.message} testId="outputs-removed-error" /> : null}
    </div>
  );
}

/** Where a file stands with the org's bucket, in a word, with the longer story on hover. */
const SYNC_STATES: Record<OutputView["syncState"], { label: string; title: string; tone: string }> = {
  local: { label: "Local only", title: "Sync to a bucket is off for this organization; the file stays in the data folder.", tone: "muted" },
  pending: { label: "Waiting", title: "Queued for the bucket; it goes when the network and the server allow.", tone: "muted" },
  uploading: { label: "Uploading", title: "Being copied to the bucket now.", tone: "" },
  synced: { label: "Synced", title: "In the bucket, checked byte for byte.", tone: "" },
  conflict: { label: "Conflict copy", title: "Another device had a different file of this name in the bucket, so this one was kept beside it under a conflict name.", tone: "sync-attention" },
  failed: { label: "Sync failed", title: "The bucket refused this file; sync status says why and what to change.", tone: "sync-attention" },
};

/** The state in a word; on hover, this file's own reason when the syncer recorded one (the
 * bucket's refusal, the conflict name it was kept under), else what the state means. */
export function SyncStateCell({ output }: { output: Pick<OutputView, "syncState" | "syncProblem"> }) {
  const shown = SYNC_STATES[output.syncState];
  return (
    <td className={`nowrap ${shown.tone}`} title={output.syncProblem ?? shown.title} data-testid="output-sync-state">
      {shown.label}
    </td>
  );
}

/** How long a copied share link works, in days: the longest S3 allows. */
const SHARE_DAYS = 7;

function OutputDetail({
  org,
  output,
  onChanged,
  onClose,
}: {
  org: OrgChoice;
  output: OutputView;
  onChanged: () => void;
  onClose: () => void;
}) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const [bytes, setBytes] = useState<ArrayBuffer | null>(null);
  const { busy, error, setError, run: act } = useAction();
  const [savedTo, setSavedTo] = useState<string | null>(null);
  const [opened, setOpened] = useState(false);
  const [share, setShare] = useState<ShareLink | null>(null);
  const [retried, setRetried] = useState(false);
  const [mending, setMending] = useState<string | null>(null);
  const [unreadable, setUnreadable] = useState(false);
  const inBucket = output.syncState === "synced" || output.syncState === "conflict";
  // Its row is here and its file is not (deleted by hand, taken by a virus scanner): the copy in
  // the bucket is fetched back, or the job that made the document makes it again.
  const fileMissing = error?.code === "not_found";
  const fetchBack = fileMissing && inBucket && may(org, "sync_configure");
  const makeAgain = fileMissing && !fetchBack && !output.restored && may(org, "job_retry");

  // Read once per file: a new error handler (the app's actions change with the session) must
  // not fetch and redraw the whole PDF again.
  const handleErrorRef = useRef(handleError);
  useEffect(() => {
    handleErrorRef.current = handleError;
  });
  useEffect(() => {
    if (output.kind !== "pdf") return;
    let current = true;
    backend.readOutput(output.id).then(
      (data) => current && setBytes(data),
      (caught: unknown) => {
        if (!current) return;
        setUnreadable(true);
        setError(handleErrorRef.current(caught));
      },
    );
    return () => {
      current = false;
    };
  }, [backend, output.id, output.kind]);

  return (
    <aside className="output-detail" aria-label={`Preview of ${output.filename}`} data-testid="output-detail">
      <header className="output-detail-head">
        <h2 className="mono">{output.filename}</h2>
        <div className="output-actions">
          <button type="button" className="button" disabled={busy} onClick={() =>
              void act(async () => {
                setOpened(false);
                await backend.openOutput(output.id);
                setOpened(true);
              })
            }
            data-testid="output-open"
          >
            <OpenIcon /> Open
          </button>
          <button
            type="button"
            className={output.withdrawn ? "button" : "button primary"}
            disabled={busy}
            title={
              output.withdrawn
                ? output.kind === "pdf"
                  ? "A copy stamped WITHDRAWN on every page: it is not the document in force."
                  : "A copy opening on a sheet named WITHDRAWN, its pages headed WITHDRAWN: it is not the document in force."
                : undefined
            }
            onClick={() =>
              void act(async () => {
                const path = await backend.saveOutputAs(output.id, output.filename);
                if (path !== null) {
                  setSavedTo(path);
                  onChanged();
                }
              })
            }
            data-testid="output-save-as"
          >
            <SaveIcon /> Save as…
          </button>
          {inBucket && may(org, "output_share") ? (
            <button
              type="button"
              className="button"
              disabled={busy || output.withdrawn}
              data-testid="output-share"
              title={
                output.withdrawn
                  ? "Its bill or work slip was withdrawn: the bucket holds this file unmarked, so it is not shared by link."
                  : `A link that downloads this file from the bucket without signing in, for ${SHARE_DAYS} days`
              }
              onClick={() =>
                void act(async () => {
                  const link = await backend.shareOutput(output.id, SHARE_DAYS);
                  setShare(link);
                  // The link is shown below as well, in case the clipboard is not available.
                  await navigator.clipboard?.writeText(link.url).catch(() => undefined);
                })
              }
            >
              <CloudIcon /> Copy share link
            </button>
          ) : null}
          {output.syncState === "failed" && may(org, "sync_configure") ? (
            <button
              type="button"
              className="button"
              disabled={busy || retried}
              data-testid="output-sync-retry"
              onClick={() =>
                void act(async () => {
                  await backend.syncRetryFailed();
                  setRetried(true);
                  onChanged();
                })
              }
            >
              Retry sync
            </button>
          ) : null}
          {fetchBack ? (
            <button
              type="button"
              className="button"
              disabled={busy}
              data-testid="output-fetch-back"
              onClick={() =>
                void act(async () => {
                  const { jobId } = await backend.syncRestore();
                  setMending(`Restore job ${jobId} fetches it back from the bucket; open it again when that job is done.`);
                })
              }
            >
              <CloudIcon /> Fetch back
            </button>
          ) : null}
          {makeAgain ? (
            <button
              type="button"
              className="button"
              disabled={busy}
              data-testid="output-make-again"
              onClick={() =>
                void act(async () => {
                  await backend.retryJob(output.jobId);
                  setMending(`Job ${output.jobId} is making it again from the same inputs; open it again when that job is done.`);
                  onChanged();
                })
              }
            >
              <RefreshIcon /> Make again
            </button>
          ) : null}
          <CloseButton label="Close the preview" onClick={onClose} />
        </div>
      </header>
      <p className="muted small" data-testid="output-facts">
        Job #{output.jobId} · made <time dateTime={output.createdAt}>{formatTimestamp(output.createdAt)}</time> · saved{" "}
        <span data-testid={`output-downloads-${output.id}`}>{output.downloadCount}</span>{" "}
        {output.downloadCount === 1 ? "time" : "times"} ·{" "}
        <span className={SYNC_STATES[output.syncState].tone} title={SYNC_STATES[output.syncState].title}>
          {SYNC_STATES[output.syncState].label}
        </span>
      </p>
      {output.withdrawn ? (
        <p className="notice withdrawn-notice" role="note" data-testid="output-withdrawn-note">
          <AlertIcon label="Withdrawn" /> Its bill or work slip was withdrawn. This file is kept as it was, as a record, and is not the
          document in force.{" "}
          {output.kind === "pdf"
            ? "A copy saved with Save as… or opened with Open is stamped WITHDRAWN on every page, with when, by whom and why."
            : "A copy saved with Save as… or opened with Open opens on a sheet named WITHDRAWN that says when, by whom and why, and every page it prints is headed WITHDRAWN."}
        </p>
      ) : null}
      {output.syncProblem ? (
        <p className={`small ${SYNC_STATES[output.syncState].tone}`} data-testid="output-sync-problem">
          {output.syncProblem}
        </p>
      ) : null}
      <p
        className="muted small"
        title="SHA-256 fingerprints: the same inputs always make this same file, so anyone can check a copy against them."
        data-testid="output-fingerprints"
      >
        Fingerprints: inputs <span className="mono">{output.inputsSha256.slice(0, 16)}…</span> · this file{" "}
        <span className="mono">{output.sha256.slice(0, 16)}…</span>
      </p>
      {opened && !error ? (
        <p className="saved-note" role="status" data-testid="output-opened">
          <CheckIcon /> Handed to your system’s program for .{output.kind} files.
        </p>
      ) : null}
      {savedTo ? (
        <p className="saved-note" role="status" data-testid="output-saved">
          <CheckIcon /> Saved a copy to <span className="mono">{savedTo}</span>
        </p>
      ) : null}
      {share ? (
        <p className="saved-note share-note" role="status">
          <CheckIcon /> Link copied; it works until {formatTimestamp(share.expiresAt)}.
          <input className="mono share-link" readOnly value={share.url} aria-label="Share link" data-testid="output-share-link" onFocus={(e) => e.target.select()} />
        </p>
      ) : null}
      {retried ? (
        <p className="saved-note" role="status">
          <CheckIcon /> Failed outputs will be sent again on the next sync pass.
        </p>
      ) : null}
      {mending ? (
        <p className="saved-note" role="status" data-testid="output-mending">
          <CheckIcon /> {mending}
        </p>
      ) : null}
      {error ? <InlineError message={error.message} testId="output-error" /> : null}
      {output.kind === "pdf" ? (
        bytes ? (
          <PdfPreview bytes={bytes} name={output.filename} />
        ) : unreadable ? (
          <p className="muted" data-testid="no-preview">No preview: the file could not be read.</p>
        ) : (
          <p className="muted">Loading the PDF…</p>
        )
      ) : (
        <p className="muted" data-testid="no-preview">
          {output.kind === "xlsx"
            ? "Workbooks have no preview here: use Open to edit it in your spreadsheet program."
            : output.kind === "json"
              ? "The workbook as Sitebook read it, kept so that its documents can be made again. It is data for other programs, not a document to hand in."
              : "Use Open to read this file."}
        </p>
      )}
    </aside>
  );
}
