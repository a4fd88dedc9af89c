import type { EffectiveRole } from "../bindings/EffectiveRole";
import { isReadOnlyRole, roleLabel } from "../logic/roles";
import { EyeIcon } from "./Icons";

/** The effective role as text in an outlined badge; read-only roles also carry an eye icon. */
export function RoleBadge({ role, testId }: { role: EffectiveRole; testId?: string }) {
  return (
    <span className={`role-badge role-${role}`} data-testid={testId} data-role={role}>
      {isReadOnlyRole(role) ? <EyeIcon size={12} /> : null}
      {roleLabel(role)}
    </span>
  );
}
