/** The role badge shown in the top bar and the org picker. */
import type { EffectiveRole } from "../../bindings/EffectiveRole";
import { roleLabel } from "../../logic/roles";
import { EyeIcon } from "../common/Icons";

/** The effective role as text in an outlined badge; read-only roles also carry an eye icon. */
export function RoleBadge({ role, readOnly, testId }: { role: EffectiveRole; readOnly: boolean; testId?: string }) {
  return (
    <span className={`role-badge role-${role}`} data-testid={testId} data-role={role}>
      {readOnly ? <EyeIcon size={12} /> : null}
      {roleLabel(role)}
    </span>
  );
}
