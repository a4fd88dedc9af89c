/**
 * The works of the active org: its stored estimates, and the one selected in detail. Workbooks
 * dropped anywhere on the window are imported into this org; their results show here.
 */
import { useCallback, useState } from "react";
import { useAppActions } from "../../appContext";
import { useBackend } from "../../backendContext";
import type { ApiError } from "../../bindings/ApiError";
import type { EstimateSummary } from "../../bindings/EstimateSummary";
import type { OrgChoice } from "../../bindings/OrgChoice";
import { useJobsFeed } from "../../jobsFeed";
import { paneErrorView } from "../../logic/errors";
import { formatMoney, formatTimestamp } from "../../logic/format";
import { importBlockedReason } from "../../logic/roles";
import { useNavigation } from "../../navigation";
import { useLoad } from "../../useLoad";
import { InlineError } from "../common/ErrorBanner";
import { LedgerHead, numeric } from "../common/Ledger";
import { EstimateDetailView } from "./EstimateDetailView";
import { AlertIcon, ChevronRightIcon, WorksIcon } from "../common/Icons";
import { DropHint } from "./ImportNotices";
import { OrgPane, PaneHeader, ReloadButton } from "../common/Pane";

export function WorksPane({ org }: { org: OrgChoice | null }) {
  return <OrgPane pane="works" title="Works" body={org ? <Works org={org} /> : null} />;
}

/** Where the example's one click stands: idle, working, or refused with a reason. */
type ExampleState = { busy: boolean; error: ApiError | null };

/**
 * A newcomer's first minute: one click imports the example estimate that ships with the app and
 * makes its first bill, then opens the bill's PDF in Outputs. Its state lives in the pane, so it
 * survives the list filling up while the example is read.
 */
function useExample(): [ExampleState, () => void] {
  const backend = useBackend();
  const navigation = useNavigation();
  const { handleError } = useAppActions();
  const [state, setState] = useState<ExampleState>({ busy: false, error: null });
  const start = useCallback(() => {
    setState({ busy: true, error: null });
    backend.importExample().then(
      (queued) => {
        setState({ busy: false, error: null });
        navigation.openOutputs(queued.jobId);
      },
      (caught: unknown) => setState({ busy: false, error: handleError(caught) }),
    );
  }, [backend, navigation, handleError]);
  return [state, start];
}

function ExampleOffer({ org, state, onStart }: { org: OrgChoice; state: ExampleState; onStart: () => void }) {
  return (
    <div className="example-offer" data-testid="example-offer">
      <p>
        New to Sitebook? See a whole bill first: the example estimate (a cement concrete road, 10 items) is
        imported into {org.code} and its first bill is made and opened.
      </p>
      <button type="button" className="button primary" onClick={onStart} disabled={state.busy} data-testid="example-start">
        {state.busy ? "Reading the example and making its bill…" : "Import the example and make its bill"}
      </button>
      {state.error ? <InlineError {...paneErrorView(state.error)} testId="example-error" /> : null}
    </div>
  );
}

function Works({ org }: { org: OrgChoice }) {
  const backend = useBackend();
  const { completions } = useJobsFeed();
  // `completions` is a dependency on purpose: each completed job may have stored an estimate.
  const load = useCallback(() => backend.listEstimates(), [backend, completions]);
  const estimates = useLoad(load);
  const rows = estimates.data ?? [];
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [example, startExample] = useExample();
  const exampleOffer = <ExampleOffer org={org} state={example} onStart={startExample} />;
  const selected = selectedId !== null && rows.some((e) => e.id === selectedId) ? selectedId : null;

  return (
    <>
      <PaneHeader
        titleId="works-title"
        title={<>Works — {org.name}</>}
        count={
          estimates.status === "loading" && estimates.data === null
            ? "Loading…"
            : `${rows.length} ${rows.length === 1 ? "estimate" : "estimates"}`
        }
        tools={<ReloadButton label="Reload estimates" onClick={estimates.reload} />}
      />
      <div className="pane-body">
        {estimates.status === "error" ? <InlineError {...paneErrorView(estimates.error)} /> : null}
        {estimates.data === null ? null : estimates.status === "ready" && rows.length === 0 ? (
          <div className="empty-state" data-testid="works-empty">
            <WorksIcon size={28} />
            <h2>No estimates in {org.code} yet</h2>
            <DropHint org={org} />
            {importBlockedReason(org) === null ? exampleOffer : null}
          </div>
        ) : (
          <>
            <DropHint org={org} />
            {example.busy || example.error ? exampleOffer : null}
            <EstimateList rows={rows} selected={selected} onSelect={setSelectedId} />
          </>
        )}
        {selected !== null ? (
          <EstimateDetailView key={selected} id={selected} org={org} onClose={() => setSelectedId(null)} />
        ) : null}
      </div>
    </>
  );
}

const ESTIMATE_COLUMNS = ["Name of work", "File", numeric("Items"), numeric("ECV"), numeric("Grand Total"), numeric("Warnings"), "Imported"];

function EstimateList({
  rows,
  selected,
  onSelect,
}: {
  rows: EstimateSummary[];
  selected: number | null;
  onSelect: (id: number) => void;
}) {
  return (
    <div className={`table-wrap estimates-wrap${selected !== null ? " is-compact" : ""}`}>
      <table className="ledger estimates-table" data-testid="estimates-table">
        <LedgerHead columns={ESTIMATE_COLUMNS} />
        <tbody>
          {rows.map((e) => {
            const isSelected = e.id === selected;
            return (
              <tr
                key={e.id}
                data-testid={`estimate-row-${e.id}`}
                className={isSelected ? "row-selected" : undefined}
                onClick={() => onSelect(e.id)}
              >
                <td>
                  <button
                    type="button"
                    className="link-button"
                    aria-pressed={isSelected}
                    onClick={(event) => {
                      event.stopPropagation();
                      onSelect(e.id);
                    }}
                  >
                    {isSelected ? <ChevronRightIcon size={13} /> : null}
                    <span>{e.name}</span>
                  </button>
                </td>
                <td className="mono">
                  {e.fileName}
                  <span className="muted"> · {e.sheetName}</span>
                </td>
                <td className="num">{e.itemCount}</td>
                <td className="num nowrap">{e.ecv !== null ? formatMoney(e.ecv) : <span className="muted">—</span>}</td>
                <td className="num nowrap">
                  {e.grandTotal !== null ? formatMoney(e.grandTotal) : <span className="muted">—</span>}
                </td>
                <td className="num nowrap">
                  {e.warningCount > 0 ? (
                    <span className="warn-count">
                      <AlertIcon size={12} /> {e.warningCount}
                    </span>
                  ) : (
                    <span className="muted">0</span>
                  )}
                </td>
                <td className="nowrap">
                  <time dateTime={e.createdAt}>{formatTimestamp(e.createdAt)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
