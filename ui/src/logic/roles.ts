/**
 * What a role is called on screen and what it may open. Pure functions: no React, no backend.
 *
 * The core's gate decides every permission, and tells the window what it allows (`may` on each
 * organization, `mayGlobally` on the session); these helpers only turn that into what the UI
 * offers, so a person is not shown a pane that would answer "denied".
 */
import type { Action } from "../bindings/Action";
import type { EffectiveRole } from "../bindings/EffectiveRole";
import type { GlobalAction } from "../bindings/GlobalAction";
import type { MembershipRole } from "../bindings/MembershipRole";
import type { OrgType } from "../bindings/OrgType";
import type { UserKind } from "../bindings/UserKind";

export type PaneId = "works" | "jobs" | "outputs" | "members" | "audit" | "settings";

export const ROLE_LABELS: Record<EffectiveRole, string> = {
  owner: "Owner",
  admin: "Admin",
  member: "Member",
  viewer: "Viewer",
  operations: "Operations",
  oversight: "Oversight · read-only",
  superuser: "Superuser",
};

export function roleLabel(role: EffectiveRole): string {
  return ROLE_LABELS[role];
}

export function membershipRoleLabel(role: MembershipRole): string {
  return ROLE_LABELS[role];
}

const KIND_LABELS: Record<UserKind, string> = {
  standard: "Standard user",
  operations: "Operations",
  oversight: "Oversight",
  superuser: "Superuser",
};

export function kindLabel(kind: UserKind): string {
  return KIND_LABELS[kind];
}

const ORG_TYPE_LABELS: Record<OrgType, string> = {
  ministry: "Ministry",
  office: "Office",
  agency: "Agency",
  special: "Special",
  commission: "Commission",
  company: "Company",
  personal: "Personal",
};

export function orgTypeLabel(type: OrgType): string {
  return ORG_TYPE_LABELS[type];
}

/**
 * An organization as the core describes it to this person: its code, their role there, and what
 * the gate's permission matrix lets that role do (`may`, from the core). The UI asks `may`
 * instead of keeping its own copy of the matrix.
 */
export type OrgOffer = { code: string; role: EffectiveRole; may: readonly Action[]; readOnly: boolean };

/** Whether the core lists `action` for the person in `org` (false with no org). */
export function may(org: Pick<OrgOffer, "may"> | null, action: Action): boolean {
  return org !== null && org.may.includes(action);
}

/** Why a drop cannot import into the org, in one or two sentences; null when it can. */
export function importBlockedReason(org: OrgOffer | null): string | null {
  if (org === null) return "No organization is active. Choose one with the picker (Ctrl-K), then drop the workbooks again.";
  if (may(org, "upload_create")) return null;
  if (org.role === "oversight") {
    return `Oversight is read-only: workbooks cannot be imported into ${org.code}.`;
  }
  return `Your role in ${org.code} is ${roleLabel(org.role)}, which is read-only: workbooks cannot be imported. Ask an owner or admin of ${org.code} for member access.`;
}

/** Why the person cannot create or change documents (bills, work slips, work data); null when they can. */
export function documentsBlockedReason(org: OrgOffer): string | null {
  if (may(org, "document_generate")) return null;
  if (org.role === "oversight") return `Oversight is read-only: documents cannot be created or changed in ${org.code}.`;
  return `Your role in ${org.code} is ${roleLabel(org.role)}, which is read-only. Ask an owner or admin of ${org.code} for member access to create documents.`;
}

/** Why the person may not withdraw a bill or work slip in `org`, or null if they may. */
export function withdrawBlockedReason(org: OrgOffer): string | null {
  if (may(org, "document_withdraw")) return null;
  if (org.role === "oversight") return `Oversight is read-only: documents cannot be withdrawn in ${org.code}.`;
  return `Your role in ${org.code} is ${roleLabel(org.role)}, which does not withdraw documents. Ask an owner or admin of ${org.code}.`;
}

/** Whether the audit pane covers every org (true) or only the active one, from the kind's rights. */
export function auditCoversAllOrgs(mayGlobally: readonly GlobalAction[]): boolean {
  return mayGlobally.includes("audit_view_all");
}

/**
 * The panes listed in the left navigation, in order. With no active org there is no role to
 * judge by, so only Works shows (and asks the person to pick an org), plus Audit for the kinds
 * whose audit view spans every org. Jobs shows to every role that can enter an org: read-only
 * roles see the list without its actions.
 */
export function visiblePanes(org: Pick<OrgOffer, "may"> | null, mayGlobally: readonly GlobalAction[] = []): PaneId[] {
  const panes: PaneId[] = ["works"];
  if (org === null) {
    if (auditCoversAllOrgs(mayGlobally)) panes.push("audit");
    return panes;
  }
  panes.push("jobs", "outputs");
  if (may(org, "members_view")) panes.push("members");
  if (may(org, "audit_view")) panes.push("audit");
  panes.push("settings");
  return panes;
}

export const PANE_LABELS: Record<PaneId, string> = {
  works: "Works",
  jobs: "Jobs",
  outputs: "Outputs",
  members: "Members",
  audit: "Audit",
  settings: "Settings",
};
