/**
 * The gate's permission matrix as the core itself recorded it (`recorded/permissions.json`,
 * written by `crates/sitebook-core/tests/permission_matrix.rs`, which fails when the file and the
 * core disagree). The fake backend decides with it, so the UI's tests cannot drift from the rules.
 */
import type { Action } from "../bindings/Action";
import type { EffectiveRole } from "../bindings/EffectiveRole";
import type { GlobalAction } from "../bindings/GlobalAction";
import type { UserKind } from "../bindings/UserKind";
import recorded from "./recorded/permissions.json";

type Recorded = {
  mayByRole: Record<EffectiveRole, Action[]>;
  readOnlyRoles: EffectiveRole[];
  mayGloballyByKind: Record<UserKind, GlobalAction[]>;
};

const table = recorded as Recorded;

/** What `role` may do in an org, as the core's session view lists it. */
export function mayAs(role: EffectiveRole): Action[] {
  return [...table.mayByRole[role]];
}

/** Whether the gate lets `role` do `action`. */
export function permits(role: EffectiveRole, action: Action): boolean {
  return table.mayByRole[role].includes(action);
}

/** Whether `role` only reads (every write is refused). */
export function isReadOnly(role: EffectiveRole): boolean {
  return table.readOnlyRoles.includes(role);
}

/** What a user of `kind` may do outside any org. */
export function mayGloballyAs(kind: UserKind): GlobalAction[] {
  return [...table.mayGloballyByKind[kind]];
}
