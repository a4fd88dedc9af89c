/**
 * What a role is called on screen and what it may open. Pure functions: no React, no backend.
 *
 * The core's gate decides every permission; these rules only decide what the UI offers, so a
 * person is not shown a pane that would answer "denied".
 */
import type { EffectiveRole } from "../bindings/EffectiveRole";
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

/** Roles that only read in the org: every write is refused for them. */
export function isReadOnlyRole(role: EffectiveRole): boolean {
  return role === "viewer" || role === "oversight";
}

export function canSeeMembers(role: EffectiveRole): boolean {
  return (
    role === "owner" ||
    role === "admin" ||
    role === "operations" ||
    role === "superuser" ||
    role === "oversight"
  );
}

export function canSeeAudit(role: EffectiveRole): boolean {
  return canSeeMembers(role);
}

/**
 * Whether the role may import workbooks (upload) into the org: member and above. Viewers and
 * oversight only read.
 */
export function canImport(role: EffectiveRole): boolean {
  return !isReadOnlyRole(role);
}

/** Why a drop cannot import into the org, in one or two sentences; null when it can. */
export function importBlockedReason(org: { code: string; role: EffectiveRole } | null): string | null {
  if (org === null) return "No organization is active. Choose one with the picker (Ctrl-K), then drop the workbooks again.";
  if (org.role === "oversight") {
    return `Oversight is read-only: workbooks cannot be imported into ${org.code}.`;
  }
  if (org.role === "viewer") {
    return `Your role in ${org.code} is Viewer, which is read-only: workbooks cannot be imported. Ask an owner or admin of ${org.code} for member access.`;
  }
  return null;
}

/** Why the role cannot create or change documents (bills, work slips, work data); null when it can. */
export function documentsBlockedReason(org: { code: string; role: EffectiveRole }): string | null {
  if (org.role === "oversight") return `Oversight is read-only: documents cannot be created or changed in ${org.code}.`;
  if (org.role === "viewer") {
    return `Your role in ${org.code} is Viewer, which is read-only. Ask an owner or admin of ${org.code} for member access to create documents.`;
  }
  return null;
}

/** Whether the audit pane covers every org (true) or only the active one. */
export function auditCoversAllOrgs(kind: UserKind): boolean {
  return kind === "oversight" || kind === "superuser";
}

/**
 * The panes listed in the left navigation, in order. With no active org there is no role to
 * judge by, so only Works shows (and asks the person to pick an org), plus Audit for the kinds
 * whose audit view spans every org. Jobs shows to every role that can enter an org: read-only
 * roles see the list without its actions.
 */
export function visiblePanes(role: EffectiveRole | null, kind?: UserKind): PaneId[] {
  const panes: PaneId[] = ["works"];
  if (role === null) {
    if (kind !== undefined && auditCoversAllOrgs(kind)) panes.push("audit");
    return panes;
  }
  panes.push("jobs", "outputs");
  if (canSeeMembers(role)) panes.push("members");
  if (canSeeAudit(role)) panes.push("audit");
  panes.push("settings");
  return panes;
}

/** Whether the role may change the org's table of deductions (owners and admins, as the gate rules). */
export function canEditDeductions(role: EffectiveRole): boolean {
  return role === "owner" || role === "admin" || role === "operations" || role === "superuser";
}

/** Whether the role may change how the org's documents look, such as the currency mark (the gate's settings.edit). */
export function canEditDocumentSettings(role: EffectiveRole): boolean {
  return role === "owner" || role === "admin" || role === "operations" || role === "superuser";
}

/** Whether the role may withdraw the latest bill or work slip (owners and admins, as the gate rules). */
export function canWithdrawDocuments(role: EffectiveRole): boolean {
  return role === "owner" || role === "admin" || role === "operations" || role === "superuser";
}

/** Whether the role may change the org's sync target (owners and admins, as the gate rules). */
export function canConfigureSync(role: EffectiveRole): boolean {
  return role === "owner" || role === "admin" || role === "operations" || role === "superuser";
}

export const PANE_LABELS: Record<PaneId, string> = {
  works: "Works",
  jobs: "Jobs",
  outputs: "Outputs",
  members: "Members",
  audit: "Audit",
  settings: "Settings",
};
