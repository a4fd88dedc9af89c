/**
 * The bar that is always visible: organization picker button, the jobs indicator, the signed-in
 * person, sign out.
 */
import { forwardRef } from "react";
import type { InboxStatus } from "../../bindings/InboxStatus";
import type { SessionView } from "../../bindings/SessionView";
import type { SyncSummary } from "../../logic/sync";
import { inboxArrivingText, inboxChipText, inboxChipTitle, inboxNeedsAttention } from "../../logic/inbox";
import { kindLabel } from "../../logic/roles";
import { AlertIcon, CheckIcon, ChevronDownIcon, CloudIcon, EyeIcon, FolderIcon, LogoMark, OrgIcon, RunningIcon, SignOutIcon, SwitchUserIcon, UserIcon } from "../common/Icons";
import { ProgressBar } from "../common/ProgressBar";
import { RoleBadge } from "./RoleBadge";

const shortcutLabel =
  typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘K" : "Ctrl K";

type Props = {
  session: SessionView;
  pickerOpen: boolean;
  onOpenPicker: () => void;
  onSignOut: () => void;
  onSwitchUser: () => void;
  /** Running jobs of the active org and their average progress. */
  running: { count: number; progress: number; waiting: number };
  onOpenJobs: () => void;
  /** The active org's sync state ("Local only" without a target); null until it has come. */
  sync: SyncSummary | null;
  /** This device's inbox watcher. */
  inbox: InboxStatus | null;
  onOpenSettings: () => void;
};

export const TopBar = forwardRef<HTMLButtonElement, Props>(function TopBar(
  { session, pickerOpen, onOpenPicker, onSignOut, onSwitchUser, running, onOpenJobs, sync, inbox, onOpenSettings },
  pickerButtonRef,
) {
  const org = session.activeOrg;
  return (
    <header className="topbar">
      <div className="brand topbar-brand">
        <LogoMark size={18} /> <span>Sitebook</span>
      </div>
      <button
        ref={pickerButtonRef}
        type="button"
        className="org-button"
        data-testid="org-picker-button"
        aria-haspopup="dialog"
        aria-expanded={pickerOpen}
        title={`Change organization (${shortcutLabel})`}
        onClick={onOpenPicker}
      >
        <span className="sr-only">Change organization. Current: </span>
        <OrgIcon />
        <span className="org-code mono" data-testid="active-org-code">
          {org ? org.code : "—"}
        </span>
        {/* The clipping box wraps the test hook: WebKit's WebDriver reads no text from an element
            that itself has overflow: hidden. */}
        <span className="org-name clip">
          <span data-testid="active-org-name">{org ? org.name : "No organization chosen"}</span>
        </span>
        {org ? <RoleBadge role={org.role} readOnly={org.readOnly} testId="active-role-badge" /> : null}
        <ChevronDownIcon />
        <kbd className="kbd">{shortcutLabel}</kbd>
      </button>
      {session.readOnly && org && org.role !== "oversight" ? (
        <span className="readonly-tag" title="Your role here can look but not change anything.">
          <EyeIcon size={12} /> Read-only
        </span>
      ) : null}
      <div className="topbar-spacer" />
      {running.count > 0 ? (
        <div className="jobs-indicator" data-testid="jobs-indicator">
          <button
            type="button"
            className="button quiet"
            onClick={onOpenJobs}
            title={`Open Jobs: ${running.count} running, ${running.progress} % done on average${
              running.waiting > 0 ? `, ${running.waiting} waiting` : ""
            }`}
          >
            <RunningIcon />{" "}
            <span data-testid="jobs-indicator-text">
              {running.count} running{running.waiting > 0 ? ` · ${running.waiting} waiting` : ""}
            </span>
          </button>
          <ProgressBar value={running.progress} size="tiny" label="Average progress of the running jobs" />
        </div>
      ) : null}
      {inbox && inbox.state !== "off" ? (
        <button
          type="button"
          className={`button quiet status-chip${inboxNeedsAttention(inbox) ? " status-bad" : ""}`}
          data-testid="inbox-indicator"
          onClick={onOpenSettings}
          title={inboxChipTitle(inbox)}
        >
          {inboxNeedsAttention(inbox) ? <AlertIcon /> : <FolderIcon />}
          <span className="clip status-chip-text">{inboxChipText(inbox)}</span>
          {inboxArrivingText(inbox) ? <span data-testid="inbox-arriving">{inboxArrivingText(inbox)}</span> : null}
        </button>
      ) : null}
      {sync ? (
        <button
          type="button"
          className={`button quiet status-chip sync-${sync.tone}${sync.tone === "failed" ? " status-bad" : ""}`}
          data-testid="sync-indicator"
          onClick={onOpenSettings}
          title={sync.title}
        >
          {sync.tone === "ok" ? <CheckIcon /> : sync.tone === "failed" ? <AlertIcon /> : <CloudIcon />}
          <span data-testid="sync-indicator-text">{sync.text}</span>
        </button>
      ) : null}
      <div
        className="current-user"
        data-testid="current-user"
        title={`${session.user.fullName}, signed in as ${session.user.username} (${kindLabel(session.user.kind)})`}
      >
        <UserIcon />
        <span className="current-user-name">{session.user.fullName}</span>
        <span className="current-user-kind"> · {kindLabel(session.user.kind)}</span>
      </div>
      <button type="button" className="button quiet" onClick={onSwitchUser} title="Sign out and let another person sign in">
        <SwitchUserIcon /> <span className="topbar-wide-only">Switch user</span>
      </button>
      <button type="button" className="button quiet" data-testid="sign-out" onClick={onSignOut}>
        <SignOutIcon /> Sign out
      </button>
    </header>
  );
});

