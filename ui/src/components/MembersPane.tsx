/** The members of the active org, read-only for now. */
import { useCallback } from "react";
import { useBackend } from "../backendContext";
import type { OrgChoice } from "../bindings/OrgChoice";
import { paneErrorView } from "../logic/errors";
import { membershipRoleLabel } from "../logic/roles";
import { useLoad } from "../useLoad";
import { InlineError } from "./ErrorBanner";
import { CheckIcon, EyeIcon, InfoIcon, RefreshIcon } from "./Icons";
import { NoOrgState } from "./NoOrgState";

export function MembersPane({ org }: { org: OrgChoice | null }) {
  return (
    <section className="pane" data-testid="members-pane" aria-labelledby="members-title">
      {org ? (
        <MembersTable org={org} />
      ) : (
        <>
          <header className="pane-header">
            <h1 id="members-title">Members</h1>
          </header>
          <NoOrgState />
        </>
      )}
    </section>
  );
}

function MembersTable({ org }: { org: OrgChoice }) {
  const backend = useBackend();
  const load = useCallback(() => backend.listMembers(), [backend]);
  const members = useLoad(load);
  const rows = members.data ?? [];

  return (
    <>
      <header className="pane-header">
        <h1 id="members-title">Members — {org.name}</h1>
        <span className="pane-count" aria-live="polite">
          {members.status === "loading" ? "Loading…" : `${rows.length} ${rows.length === 1 ? "member" : "members"}`}
        </span>
        <div className="pane-tools">
          <button type="button" className="button quiet" onClick={members.reload} aria-label="Reload members">
            <RefreshIcon /> Reload
          </button>
        </div>
      </header>
      <p className="pane-note">
        {org.role === "oversight" ? (
          <>
            <EyeIcon /> Oversight is read-only: you can see who belongs to {org.code} but not change it.
          </>
        ) : (
          <>
            <InfoIcon /> Adding, removing and changing members comes in a later release; this list is read-only.
          </>
        )}
      </p>
      {members.status === "error" ? <InlineError {...paneErrorView(members.error)} /> : null}
      <div className="table-wrap">
        <table className="ledger">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Primary</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <tr key={m.username} className={m.active ? undefined : "row-inactive"}>
                <td>{m.fullName}</td>
                <td className="mono">{m.username}</td>
                <td>{membershipRoleLabel(m.role)}</td>
                <td>
                  {m.primary ? (
                    <span className="yes">
                      <CheckIcon size={13} /> Primary
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>{m.active ? "Active" : <span className="muted">Inactive</span>}</td>
              </tr>
            ))}
            {members.status === "ready" && rows.length === 0 ? (
              <tr>
                <td colSpan={5} className="table-empty">
                  {org.code} has no members yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </>
  );
}
