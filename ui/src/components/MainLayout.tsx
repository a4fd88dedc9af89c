/** Signed in: top bar, left navigation, the current pane, and the org picker on demand. */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useAppActions, AppActionsContext, type AppActions } from "../appContext";
import type { SessionView } from "../bindings/SessionView";
import { isPickerShortcut } from "../logic/picker";
import { PANE_LABELS, visiblePanes, type PaneId } from "../logic/roles";
import { AuditPane } from "./AuditPane";
import { AuditIcon, MembersIcon, WorksIcon } from "./Icons";
import { MembersPane } from "./MembersPane";
import { OrgPicker } from "./OrgPicker";
import { TopBar } from "./TopBar";
import { WorksPane } from "./WorksPane";

const PANE_ICONS: Record<PaneId, typeof WorksIcon> = {
  works: WorksIcon,
  members: MembersIcon,
  audit: AuditIcon,
};

type Props = {
  session: SessionView;
  onSessionChange: (session: SessionView) => void;
  onSignOut: () => void;
  onSwitchUser: () => void;
};

export function MainLayout({ session, onSessionChange, onSignOut, onSwitchUser }: Props) {
  const parentActions = useAppActions();
  const [pickerOpen, setPickerOpen] = useState(false);
  const [chosenPane, setChosenPane] = useState<PaneId>("works");
  const pickerButtonRef = useRef<HTMLButtonElement>(null);
  const org = session.activeOrg;
  const panes = visiblePanes(org?.role ?? null, session.user.kind);
  // A pane the new role cannot use falls back to Works.
  const pane: PaneId = panes.includes(chosenPane) ? chosenPane : "works";

  const openPicker = useCallback(() => setPickerOpen(true), []);
  const closePicker = useCallback(() => {
    setPickerOpen(false);
    // Give focus back to where the picker came from.
    requestAnimationFrame(() => pickerButtonRef.current?.focus());
  }, []);

  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (isPickerShortcut(event)) {
        event.preventDefault();
        setPickerOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const actions = useMemo<AppActions>(() => ({ ...parentActions, openPicker }), [parentActions, openPicker]);

  return (
    <AppActionsContext.Provider value={actions}>
      <div className="layout">
        <TopBar
          ref={pickerButtonRef}
          session={session}
          pickerOpen={pickerOpen}
          onOpenPicker={openPicker}
          onSignOut={onSignOut}
          onSwitchUser={onSwitchUser}
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
                    onClick={() => setChosenPane(id)}
                  >
                    <Icon /> {PANE_LABELS[id]}
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
        {/* Keyed by org, so a switch remounts the pane and it reloads for the new org. */}
        <main className="content" key={`${session.user.username}/${org?.code ?? "-"}`}>
          {pane === "works" ? <WorksPane org={org} /> : null}
          {pane === "members" ? <MembersPane org={org} /> : null}
          {pane === "audit" ? <AuditPane org={org} userKind={session.user.kind} /> : null}
        </main>
        {pickerOpen ? (
          <OrgPicker
            onClose={closePicker}
            onSwitched={(next) => {
              onSessionChange(next);
              closePicker();
            }}
          />
        ) : null}
      </div>
    </AppActionsContext.Provider>
  );
}
