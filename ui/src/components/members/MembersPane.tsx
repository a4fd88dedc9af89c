/**
 * The members of the active org. Owners, admins, operations and superusers add members (an
 * existing account, or a new standard account), change roles and remove members; everyone else
 * who may see the list sees it read-only.
 *
 * A member locked out by wrong passwords shows "Locked until HH:MM" (local time), and those who
 * manage members may unlock them at once. A member who forgot their password gets a temporary
 * one ("Reset password…"), which they replace with their own when they next sign in.
 *
 * The core decides every change and audits it; a refusal ("the last owner cannot leave", "only
 * owners grant owner") is shown where it was asked for: under the add form, or on the member's
 * row.
 */
import { useCallback, useEffect, useState, type ComponentProps, type FormEvent } from "react";
import { useAppActions } from "../../appContext";
import { useBackend } from "../../backendContext";
import type { EffectiveRole } from "../../bindings/EffectiveRole";
import type { MemberView } from "../../bindings/MemberView";
import type { MembershipRole } from "../../bindings/MembershipRole";
import type { OrgChoice } from "../../bindings/OrgChoice";
import { paneErrorView } from "../../logic/errors";
import { formatTimestamp } from "../../logic/format";
import { membershipRoleLabel } from "../../logic/roles";
import { useAction } from "../../useAction";
import { useLoad } from "../../useLoad";
import { SegmentedChoice, type Choices } from "../common/Choices";
import { InlineError } from "../common/ErrorBanner";
import { CheckIcon, DeniedIcon, EyeIcon, InfoIcon } from "../common/Icons";
import { EmptyRow, LedgerHead, screenReaderOnly } from "../common/Ledger";
import { OrgPane, PaneHeader, ReloadButton } from "../common/Pane";

const ROLES: MembershipRole[] = ["viewer", "member", "admin", "owner"];
const MANAGERS: EffectiveRole[] = ["owner", "admin", "operations", "superuser"];

type MembersProps = {
  org: OrgChoice | null;
  me: string;
  /** After a change to one's own membership: the window's role, badge and panes follow it. */
  onOwnMembershipChanged: () => Promise<void>;
};

export function MembersPane({ org, me, onOwnMembershipChanged }: MembersProps) {
  return (
    <OrgPane
      pane="members"
      title="Members"
      body={org ? <MembersTable org={org} me={me} onOwnMembershipChanged={onOwnMembershipChanged} /> : null}
    />
  );
}

/** A change to one's own role waiting for its confirmation. */
type OwnRoleChange = { role: MembershipRole };

/** What happened on one row, shown on that row. */
type RowNotice = { username: string; kind: "error" | "done"; text: string };

function MembersTable({ org, me, onOwnMembershipChanged }: { org: OrgChoice; me: string; onOwnMembershipChanged: () => Promise<void> }) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const load = useCallback(() => backend.listMembers(), [backend]);
  const members = useLoad(load);
  const rows = members.data ?? [];
  const manages = MANAGERS.includes(org.role);
  const [rowNotice, setRowNotice] = useState<RowNotice | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [resetting, setResetting] = useState<string | null>(null);
  const [temporary, setTemporary] = useState("");
  const [ownRole, setOwnRole] = useState<OwnRoleChange | null>(null);
  const isMe = (username: string) => username.toLowerCase() === me.toLowerCase();
  // Orgs made by `org import` have no owner: their last admin leaving leaves them to superusers.
  const noOtherManager = !rows.some((m) => m.active && !isMe(m.username) && (m.role === "owner" || m.role === "admin"));
  const lastManagerNote = noOtherManager ? ` No one else manages ${org.code}: only a superuser could then change its members.` : "";

  const [rowActions, setRowActions] = useState(0);

  const act = async (username: string, action: () => Promise<unknown>, done: string) => {
    setBusy(username);
    setRowNotice(null);
    setRowActions((n) => n + 1);
    let changedMe = false;
    try {
      await action();
      setRowNotice({ username, kind: "done", text: done });
      changedMe = isMe(username);
    } catch (caught) {
      setRowNotice({ username, kind: "error", text: handleError(caught).message });
    } finally {
      setBusy(null);
      setConfirming(null);
      setResetting(null);
      setTemporary("");
      setOwnRole(null);
      members.reload();
    }
    // The window acts with the role the core holds: after one's own change it takes it up, and
    // what the new role may not do goes away, where it had stayed on offer.
    if (changedMe) await onOwnMembershipChanged();
  };
  const changeRole = (username: string, role: MembershipRole) =>
    act(username, () => backend.setMemberRole(username, role), `${username} is now ${withArticle(membershipRoleLabel(role).toLowerCase())}.`);

  const columns = manages ? 6 : 5;
  return (
    <>
      <PaneHeader
        titleId="members-title"
        title={<>Members — {org.name}</>}
        count={members.status === "loading" ? "Loading…" : `${rows.length} ${rows.length === 1 ? "member" : "members"}`}
        tools={<ReloadButton label="Reload members" onClick={members.reload} />}
      />
      <p className="pane-note">
        {org.role === "oversight" ? (
          <>
            <EyeIcon /> Oversight is read-only: you can see who belongs to {org.code} but not change it.
          </>
        ) : manages ? (
          <>
            <InfoIcon /> Add an existing account or create one. Only owners grant or take away the owner role, and an
            organization&rsquo;s last owner cannot leave or be made anything else. Every change is recorded in the
            audit log.
          </>
        ) : (
          <>
            <InfoIcon /> Owners and admins manage the members of {org.code}; this list is read-only for you.
          </>
        )}
      </p>
      {manages ? <AddMember org={org} onAdded={members.reload} rowActions={rowActions} /> : null}
      {members.status === "error" ? <InlineError {...paneErrorView(members.error)} /> : null}
      <div className="table-wrap">
        <table className="ledger members-table">
          <LedgerHead columns={["Name", "Username", "Role", "Primary", "Status", manages ? screenReaderOnly("Actions") : null]} />
          {rows.map((m) => (
            <tbody key={m.username} data-testid={`member-${m.username}`}>
              <tr className={m.active ? undefined : "row-inactive"}>
                <td>{m.fullName}</td>
                <td className="mono">{m.username}</td>
                <td>
                  {manages ? (
                    <select
                      aria-label={`Role of ${m.username}`}
                      data-testid={`member-role-${m.username}`}
                      value={m.role}
                      disabled={busy !== null}
                      onChange={(event) => {
                        const role = event.target.value as MembershipRole;
                        if (isMe(m.username)) {
                          // One's own role is changed only once confirmed: a lower one may take
                          // away the right to change it back.
                          setRowNotice(null);
                          setConfirming(null);
                          setOwnRole({ role });
                        } else {
                          void changeRole(m.username, role);
                        }
                      }}
                    >
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          {membershipRoleLabel(role)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    membershipRoleLabel(m.role)
                  )}
                </td>
                <td>
                  {m.primary ? (
                    <span className="yes">
                      <CheckIcon size={13} /> Primary
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  {m.lockedUntil ? (
                    <span className="member-locked" data-testid={`member-locked-${m.username}`}>
                      <DeniedIcon size={13} /> Locked until {formatTimestamp(m.lockedUntil).slice(11, 16)}
                    </span>
                  ) : m.active ? (
                    "Active"
                  ) : (
                    <span className="muted">Inactive</span>
                  )}
                </td>
                {manages ? (
                  <td className="row-actions">
                    {resetting === m.username ? (
                      <form
                        className="confirm-inline"
                        onSubmit={(event) => {
                          event.preventDefault();
                          void act(
                            m.username,
                            () => backend.resetMemberPassword(m.username, temporary),
                            `${m.username} has a temporary password. Give it to them in person: they choose their own when they next sign in.`,
                          );
                        }}
                      >
                        <label>
                          Temporary password for {m.username}{" "}
                          <input
                            type="password"
                            autoComplete="new-password"
                            autoFocus
                            data-testid={`member-reset-password-${m.username}`}
                            value={temporary}
                            disabled={busy !== null}
                            onChange={(event) => setTemporary(event.target.value)}
                            onKeyDown={(event) => {
                              if (event.key === "Escape") setResetting(null);
                            }}
                          />
                        </label>{" "}
                        <button
                          type="submit"
                          className="button primary"
                          data-testid={`member-reset-confirm-${m.username}`}
                          disabled={busy !== null || temporary === ""}
                        >
                          Set
                        </button>{" "}
                        <button type="button" className="button quiet" onClick={() => setResetting(null)}>
                          Cancel
                        </button>
                      </form>
                    ) : ownRole && isMe(m.username) ? (
                      <span className="confirm-inline confirm-wrap" data-testid="member-own-role-confirm">
                        Make yourself {withArticle(membershipRoleLabel(ownRole.role).toLowerCase())} of {org.code}? You may
                        lose rights you have now.{ownRole.role === "owner" || ownRole.role === "admin" ? "" : lastManagerNote}{" "}
                        <button
                          type="button"
                          className="button danger"
                          data-testid="member-own-role-change"
                          disabled={busy !== null}
                          onClick={() => void changeRole(m.username, ownRole.role)}
                        >
                          Change my role
                        </button>{" "}
                        <button type="button" className="button quiet nowrap" onClick={() => setOwnRole(null)}>
                          Keep {membershipRoleLabel(m.role).toLowerCase()}
                        </button>
                      </span>
                    ) : confirming === m.username ? (
                      <span className={isMe(m.username) ? "confirm-inline confirm-wrap" : "confirm-inline"}>
                        {isMe(m.username)
                          ? `Remove yourself from ${org.code}? You will no longer see its works.${lastManagerNote}`
                          : `Remove ${m.username} from ${org.code}?`}{" "}
                        <button
                          type="button"
                          className="button danger"
                          data-testid={`member-remove-confirm-${m.username}`}
                          disabled={busy !== null}
                          onClick={() =>
                            void act(
                              m.username,
                              () => backend.removeMember(m.username),
                              `${m.username} was removed from ${org.code}.`,
                            )
                          }
                        >
                          Remove
                        </button>{" "}
                        <button type="button" className="button quiet" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </span>
                    ) : (
                      <>
                        {m.lockedUntil ? (
                          <button
                            type="button"
                            className="button quiet"
                            data-testid={`member-unlock-${m.username}`}
                            disabled={busy !== null}
                            onClick={() =>
                              void act(
                                m.username,
                                () => backend.unlockMember(m.username),
                                `${m.username} is unlocked and may sign in again now.`,
                              )
                            }
                          >
                            Unlock
                          </button>
                        ) : null}{" "}
                        {/* One's own password is changed under Settings, with the current one. */}
                        {m.username.toLowerCase() === me.toLowerCase() ? null : (
                          <button
                            type="button"
                            className="button quiet"
                            data-testid={`member-reset-${m.username}`}
                            disabled={busy !== null}
                            onClick={() => {
                              setRowNotice(null);
                              setConfirming(null);
                              setTemporary("");
                              setResetting(m.username);
                            }}
                          >
                            Reset password…
                          </button>
                        )}{" "}
                        <button
                          type="button"
                          className="button quiet"
                          data-testid={`member-remove-${m.username}`}
                          disabled={busy !== null}
                          onClick={() => {
                            setRowNotice(null);
                            setConfirming(m.username);
                          }}
                        >
                          Remove…
                        </button>
                      </>
                    )}
                  </td>
                ) : null}
              </tr>
              {rowNotice && rowNotice.username === m.username ? (
                <tr className="row-notice">
                  <td colSpan={columns}>
                    {rowNotice.kind === "error" ? (
                      <InlineError message={rowNotice.text} testId={`member-error-${m.username}`} />
                    ) : (
                      <p className="notice-done" role="status" data-testid={`member-done-${m.username}`}>
                        <CheckIcon size={13} /> {rowNotice.text}
                      </p>
                    )}
                  </td>
                </tr>
              ) : null}
            </tbody>
          ))}
          {rowNotice && !rows.some((m) => m.username === rowNotice.username) ? (
            <tbody>
              <tr className="row-notice">
                <td colSpan={columns}>
                  <p className="notice-done" role="status" data-testid="member-removed">
                    <CheckIcon size={13} /> {rowNotice.text}
                  </p>
                </td>
              </tr>
            </tbody>
          ) : null}
          {members.status === "ready" && rows.length === 0 ? (
            <tbody>
              <EmptyRow columns={columns}>{org.code} has no members yet.</EmptyRow>
            </tbody>
          ) : null}
        </table>
      </div>
    </>
  );
}

type AddMode = "existing" | "new";
const ADD_MODES: Choices<AddMode> = [["existing", "Existing account"], ["new", "New account"]];

/** Adds an existing account by username, or creates a new standard account, with a role. */
function AddMember({ org, onAdded, rowActions }: { org: OrgChoice; onAdded: () => void; rowActions: number }) {
  const backend = useBackend();
  const [mode, setMode] = useState<AddMode>("existing");
  const [username, setUsername] = useState("");
  const [fullName, setFullName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<MembershipRole>("member");
  const { busy, error, setError, run } = useAction();
  const [done, setDone] = useState<MemberView | null>(null);
  // What the form said belongs to the last add; an action on a row since makes it old news,
  // which had stayed on screen through later role changes and removals.
  useEffect(() => {
    setError(null);
    setDone(null);
  }, [rowActions, setError]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    if (username.trim() === "") {
      setError({ code: "validation", message: "Enter the username of the account to add." });
      return;
    }
    await run(async () => {
      const member =
        mode === "existing"
          ? await backend.addMember(username.trim(), role)
          : await backend.createMemberAccount({ username: username.trim(), fullName, password }, role);
      setDone(member);
      setUsername("");
      setFullName("");
      setPassword("");
      onAdded();
    });
  };

  return (
    <form className="add-member" data-testid="member-add-form" onSubmit={(event) => void submit(event)}>
      <SegmentedChoice
        label="Who to add"
        name="member-mode"
        value={mode}
        options={ADD_MODES}
        onChange={setMode}
        testIdOf={(value) => `member-mode-${value}`}
      />
      <div className="add-member-fields">
        {mode === "new" ? (
          <AddField label="Full name" value={fullName} onValue={setFullName} data-testid="member-full-name" autoComplete="off" />
        ) : null}
        <AddField label="Username" value={username} onValue={setUsername} data-testid="member-username" autoComplete="off" spellCheck={false} />
        {mode === "new" ? (
          <AddField label="Password" type="password" value={password} onValue={setPassword} data-testid="member-password" autoComplete="new-password" />
        ) : null}
        <label>
          Role
          <select value={role} onChange={(event) => setRole(event.target.value as MembershipRole)} data-testid="member-new-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {membershipRoleLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button primary" disabled={busy} data-testid="member-add">
          {mode === "existing" ? `Add to ${org.code}` : `Create and add to ${org.code}`}
        </button>
      </div>
      {error ? <InlineError {...paneErrorView(error)} hint={null} testId="member-add-error" /> : null}
      {done ? (
        <p className="notice-done" role="status" data-testid="member-add-done">
          <CheckIcon size={13} /> {done.fullName} ({done.username}) is now {withArticle(membershipRoleLabel(done.role).toLowerCase())} of{" "}
          {org.code}.
        </p>
      ) : null}
    </form>
  );
}

/** A field of the add form, which lays out in one row: the words, then the input, no form grid. */
function AddField({ label, onValue, ...input }: Omit<ComponentProps<"input">, "onChange"> & { label: string; onValue: (value: string) => void }) {
  return (
    <label>
      {label}
      <input {...input} onChange={(event) => onValue(event.target.value)} />
    </label>
  );
}

/** "an admin", "a member": a role's label as it reads after "is now". */
function withArticle(label: string): string {
  return `${/^[aeiou]/.test(label) ? "an" : "a"} ${label}`;
}
