/**
 * The frame every pane shares: the section the shell labels by the pane's title, the header with
 * its title, count and tools, and the no-organization state of the org-scoped panes. One place,
 * so the test hooks (`<pane>-pane`, `<pane>-title`) and the header's markup cannot drift apart.
 */
import type { ReactNode } from "react";
import { RefreshIcon } from "./Icons";
import { NoOrgState } from "./NoOrgState";

/**
 * An org-scoped pane. `body` is null when the pane has nothing to show without an active
 * organization; the pane then keeps its bare title and asks for one.
 */
export function OrgPane({ pane, title, body }: { pane: string; title: string; body: ReactNode | null }) {
  return (
    <section className="pane" data-testid={`${pane}-pane`} aria-labelledby={`${pane}-title`}>
      {body ?? (
        <>
          <PaneHeader titleId={`${pane}-title`} title={title} />
          <NoOrgState />
        </>
      )}
    </section>
  );
}

/** A pane's header row; its count is announced politely, since it changes as the pane loads and filters. */
export function PaneHeader({
  titleId,
  title,
  count,
  tools,
}: {
  titleId?: string;
  title: ReactNode;
  count?: ReactNode;
  tools?: ReactNode;
}) {
  return (
    <header className="pane-header">
      <h1 id={titleId}>{title}</h1>
      {count !== undefined ? (
        <span className="pane-count" aria-live="polite">
          {count}
        </span>
      ) : null}
      {tools ? <div className="pane-tools">{tools}</div> : null}
    </header>
  );
}

/** Every pane's Reload: the visible word is the same, so `label` names what it reloads. */
export function ReloadButton({ label, onClick, testId }: { label: string; onClick: () => void; testId?: string }) {
  return (
    <button type="button" className="button quiet" onClick={onClick} aria-label={label} data-testid={testId}>
      <RefreshIcon /> Reload
    </button>
  );
}
