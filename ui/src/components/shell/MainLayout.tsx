/**
 * Signed in: top bar, left navigation, the current pane, and the org picker on demand. It also
 * owns what spans the panes: the live jobs feed and file drops on the window.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useAppActions, AppActionsContext, type AppActions } from "../../appContext";
import { useBackend } from "../../backendContext";
import type { JobView } from "../../bindings/JobView";
import type { OrgChoice } from "../../bindings/OrgChoice";
import type { SessionView } from "../../bindings/SessionView";
import type { UploadOutcome } from "../../bindings/UploadOutcome";
import { ImportContext, type ImportActions, type ImportState } from "../../importContext";
import { JobsFeedContext, runningSummary, useJobFeed } from "../../jobsFeed";
import { NavigationContext, type Navigation } from "../../navigation";
import { isPickerShortcut } from "../../logic/picker";
import { syncSummary } from "../../logic/sync";
import { useFeed } from "../../useFeed";
import { importBlockedReason, may, PANE_LABELS, visiblePanes, type PaneId } from "../../logic/roles";
import { AuditPane } from "../audit/AuditPane";
import { DropOverlay } from "../works/DropOverlay";
import { ImportNotices } from "../works/ImportNotices";
import { AuditIcon, JobsIcon, MembersIcon, OutputsIcon, SettingsIcon, WorksIcon } from "../common/Icons";
import { JobsPane } from "../jobs/JobsPane";
import { MembersPane } from "../members/MembersPane";
import { OutputsPane } from "../outputs/OutputsPane";
import { OrgPicker } from "./OrgPicker";
import { SettingsPane } from "../settings/SettingsPane";
import { TopBar } from "./TopBar";
import { WorksPane } from "../works/WorksPane";

/** The results of earlier drops on `code` that are still on screen, which a new drop adds to. */
function stillShown(state: ImportState | null, code: string): UploadOutcome[] {
  if (state === null || state.orgCode !== code) return [];
  if (state.kind === "done") return state.outcomes;
  if (state.kind === "busy") return state.earlier;
  return [];
}

/** Whether a job of the files shown in the tray has failed: the tray then stays until dismissed. */
function importJobFailed(state: ImportState | null, jobs: readonly JobView[]): boolean {
  if (state?.kind !== "done") return false;
  const imported = new Set(state.outcomes.map((o) => o.jobId).filter((id): id is number => id !== null));
  return jobs.some((job) => job.status === "failed" && imported.has(job.id));
}

/** How long results that need nothing from the person stay before they fade (tests shorten it). */
export const noticeTiming = { fadeMs: 12_000 };

const PANE_ICONS: Record<PaneId, typeof WorksIcon> = {
  works: WorksIcon,
  jobs: JobsIcon,
  outputs: OutputsIcon,
  members: MembersIcon,
  audit: AuditIcon,
  settings: SettingsIcon,
};

type Props = {
  session: SessionView;
  onSessionChange: (session: SessionView) => void;
  onSignOut: () => void;
  onSwitchUser: () => void;
};

export function MainLayout({ session, onSessionChange, onSignOut, onSwitchUser }: Props) {
  const backend = useBackend();
  const parentActions = useAppActions();
  const [pickerOpen, setPickerOpen] = useState(false);
  const [chosenPane, setChosenPane] = useState<PaneId>("works");
  // The job whose outputs the Outputs pane opens on, and a counter that remounts the pane for it.
  const [outputsFocus, setOutputsFocus] = useState<{ job: number | null; visit: number }>({ job: null, visit: 0 });
  const pickerButtonRef = useRef<HTMLButtonElement>(null);
  const org = session.activeOrg;
  const panes = visiblePanes(org, session.mayGlobally);
  // A pane the new role cannot use falls back to Works.
  const pane: PaneId = panes.includes(chosenPane) ? chosenPane : "works";
  const feed = useJobFeed(org?.code ?? null);
  const syncStatus = useFeed(backend.subscribeSync, org?.code ?? null);
  const inboxStatus = useFeed(backend.subscribeInbox, "device");

  const openPicker = useCallback(() => setPickerOpen(true), []);
  const closePicker = useCallback(() => {
    setPickerOpen(false);
    // Give focus back to where the picker came from.
    requestAnimationFrame(() => {
      const button = pickerButtonRef.current;
      if (!button) return;
      button.dataset.focusReturned = "true";
      button.addEventListener("blur", () => delete button.dataset.focusReturned, { once: true });
      button.focus();
    });
  }, []);

  // Layout effects for window-level listeners: they are in place as soon as the layout shows.
  useLayoutEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (isPickerShortcut(event)) {
        event.preventDefault();
        setPickerOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // ------------------------------------------------------------------ file drops

  const [dragging, setDragging] = useState(false);
  const [dropReady, setDropReady] = useState(false);
  const [importState, setImportState] = useState<ImportState | null>(null);
  const orgRef = useRef<OrgChoice | null>(org);
  const paneRef = useRef<PaneId>(pane);
  const reloadJobsRef = useRef(feed.reload);
  useEffect(() => {
    orgRef.current = org;
    paneRef.current = pane;
    reloadJobsRef.current = feed.reload;
  });

  // Results that need nothing from the person (every file queued) fade after a while; refusals
  // and duplicates stay until dismissed.
  // Escape puts the tray's results away, unless something nearer answered it first (an editor,
  // the withdraw form, the picker: each marks the key as handled).
  useEffect(() => {
    if (importState === null || importState.kind === "busy") return;
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === "Escape" && !event.defaultPrevented) setImportState(null);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [importState]);

  const importedJobFailed = importJobFailed(importState, feed.jobs);
  useEffect(() => {
    if (importState?.kind !== "done") return;
    if (importedJobFailed || importState.outcomes.some((o) => o.error !== null || o.duplicate)) return;
    const shown = importState;
    const timer = window.setTimeout(() => setImportState((now) => (now === shown ? null : now)), noticeTiming.fadeMs);
    return () => window.clearTimeout(timer);
  }, [importState, importedJobFailed]);

  const importFiles = useCallback(
    async (paths: string[]) => {
      if (paths.length === 0) return;
      const target = orgRef.current;
      // The results show in the notice tray over the pane the person is on; nothing moves.
      const blocked = importBlockedReason(target);
      if (target === null || blocked !== null) {
        setImportState({ kind: "blocked", orgCode: target?.code ?? null, message: blocked ?? "", count: paths.length });
        return;
      }
      const code = target.code;
      setImportState((shown) => ({ kind: "busy", orgCode: code, count: paths.length, earlier: stillShown(shown, code) }));
      try {
        const outcomes = await backend.uploadFiles(paths);
        // Added to what is still shown from earlier drops on the same org.
        setImportState((shown) => ({ kind: "done", orgCode: code, outcomes: [...stillShown(shown, code), ...outcomes] }));
        reloadJobsRef.current();
      } catch (caught) {
        setImportState({ kind: "failed", orgCode: target.code, error: parentActions.handleError(caught) });
      }
    },
    [backend, parentActions],
  );

  const chooseAndImport = useCallback(async () => {
    let paths: string[];
    try {
      paths = await backend.chooseWorkbooks();
    } catch (caught) {
      setImportState({ kind: "failed", orgCode: orgRef.current?.code ?? null, error: parentActions.handleError(caught) });
      return;
    }
    await importFiles(paths);
  }, [backend, importFiles, parentActions]);

  const importRef = useRef(importFiles);
  useEffect(() => {
    importRef.current = importFiles;
  }, [importFiles]);

  useLayoutEffect(() => {
    let stop: (() => void) | null = null;
    let ended = false;
    backend
      .onFileDrop({
        enter: () => setDragging(true),
        leave: () => setDragging(false),
        drop: (paths) => {
          setDragging(false);
          void importRef.current(paths);
        },
      })
      .then(
        (unlisten) => {
          if (ended) unlisten();
          else {
            stop = unlisten;
            setDropReady(true);
          }
        },
        (caught: unknown) => parentActions.reportUnexpected(caught),
      );
    return () => {
      ended = true;
      stop?.();
    };
  }, [backend, parentActions]);

  // ------------------------------------------------------------------ contexts

  const openJobs = useCallback(() => setChosenPane("jobs"), []);
  const navigation = useMemo<Navigation>(
    () => ({
      openOutputs: (job) => {
        setOutputsFocus((f) => ({ job, visit: f.visit + 1 }));
        setChosenPane("outputs");
      },
    }),
    [],
  );
  const actions = useMemo<AppActions>(() => ({ ...parentActions, openPicker }), [parentActions, openPicker]);
  // The session as the core now sees it, after one's own role changed in Members (it carries
  // the new role) or the org was renamed in Settings (the top bar and picker show the new
  // name). Removed from the org, it has no active org any more, which the window then shows
  // (where it had gone on showing the org behind the picker), and the picker offers the orgs
  // that are left.
  const takeUpSessionAsNow = useCallback(async () => {
    try {
      const status = await backend.appStatus();
      if (status.session) onSessionChange(status.session);
      if (!status.session?.activeOrg) openPicker();
    } catch (caught) {
      parentActions.reportUnexpected(caught);
    }
  }, [backend, onSessionChange, openPicker, parentActions]);
  const importActions = useMemo<ImportActions>(
    () => ({
      state: importState,
      dismiss: () => setImportState(null),
      openJobs,
      chooseAndImport: () => void chooseAndImport(),
    }),
    [importState, openJobs, chooseAndImport],
  );
  const running = runningSummary(feed.jobs);

  // The tray floats over the bottom of the pane; the pane gets as much room below its last row,
  // so that every row can be scrolled clear of it.
  const layoutRef = useRef<HTMLDivElement>(null);
  const trayRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const tray = trayRef.current;
    const layout = layoutRef.current;
    if (!tray || !layout || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      const height = tray.getBoundingClientRect().height;
      layout.style.setProperty("--tray-room", height > 0 ? `${Math.ceil(height) + 16}px` : "0px");
    });
    observer.observe(tray);
    return () => observer.disconnect();
  }, []);

  return (
    <AppActionsContext.Provider value={actions}>
      <NavigationContext.Provider value={navigation}>
      <JobsFeedContext.Provider value={feed}>
        <ImportContext.Provider value={importActions}>
          {/* data-drop-ready: the window now hears file drops (the end-to-end test waits for it). */}
          <div ref={layoutRef} className="layout" data-drop-ready={dropReady ? "true" : undefined}>
            <TopBar
              ref={pickerButtonRef}
              session={session}
              pickerOpen={pickerOpen}
              onOpenPicker={openPicker}
              onSignOut={onSignOut}
              onSwitchUser={onSwitchUser}
              running={running}
              onOpenJobs={openJobs}
              sync={syncSummary(syncStatus, org ? may(org, "sync_configure") : false)}
              inbox={inboxStatus}
              onOpenSettings={() => setChosenPane("settings")}
            />
            <nav className="sidenav" aria-label="Sections">
              <ul>
                {panes.map((id) => {
                  const Icon = PANE_ICONS[id];
                  return (
                    <li key={id}>
                      <button
                        type="button"
                        className="nav-link"
                        data-testid={`nav-${id}`}
                        aria-current={pane === id ? "page" : undefined}
                        title={PANE_LABELS[id]}
                        onClick={() => {
                          if (id === "outputs") setOutputsFocus((f) => ({ job: null, visit: f.visit + 1 }));
                          setChosenPane(id);
                        }}
                      >
                        <Icon /> <span className="nav-label">{PANE_LABELS[id]}</span>
                        {id === "jobs" && running.count > 0 ? (
                          <span className="nav-count">
                            {running.count}
                            <span className="sr-only"> running</span>
                          </span>
                        ) : null}
                      </button>
                    </li>
                  );
                })}
              </ul>
            </nav>
            {/* Keyed by org, so a switch remounts the pane and it reloads for the new org. */}
            <main className="content" key={`${session.user.username}/${org?.code ?? "-"}`}>
              {pane === "works" ? <WorksPane org={org} /> : null}
              {pane === "jobs" ? <JobsPane org={org} /> : null}
              {pane === "outputs" ? <OutputsPane key={outputsFocus.visit} org={org} focusJob={outputsFocus.job} /> : null}
              {pane === "members" ? (
                <MembersPane org={org} me={session.user.username} onOwnMembershipChanged={takeUpSessionAsNow} />
              ) : null}
              {pane === "audit" ? <AuditPane org={org} mayGlobally={session.mayGlobally} /> : null}
              {pane === "settings" && org ? (
                <SettingsPane org={org} mayGlobally={session.mayGlobally} username={session.user.username} onOrgRenamed={takeUpSessionAsNow} />
              ) : null}
            </main>
            <div ref={trayRef} className="notice-tray" data-testid="notice-tray">
              <ImportNotices org={org} />
            </div>
            {dragging ? <DropOverlay org={org} /> : null}
            {pickerOpen ? (
              <OrgPicker
                mayCreate={session.mayGlobally.includes("org_create")}
                onClose={closePicker}
                onSwitched={(next) => {
                  onSessionChange(next);
                  closePicker();
                }}
              />
            ) : null}
          </div>
        </ImportContext.Provider>
      </JobsFeedContext.Provider>
      </NavigationContext.Provider>
    </AppActionsContext.Provider>
  );
}
