/**
 * Shown over the whole window while files are dragged over it. It only informs: the drop itself
 * is delivered by the shell's drag-drop event, whatever lies under the pointer.
 */
import type { OrgChoice } from "../../bindings/OrgChoice";
import { importBlockedReason } from "../../logic/roles";
import { EyeIcon, OrgIcon, UploadIcon } from "../common/Icons";

export function DropOverlay({ org }: { org: OrgChoice | null }) {
  const blocked = importBlockedReason(org);
  return (
    <div className="drop-overlay" data-testid="drop-overlay" data-blocked={blocked ? "true" : undefined}>
      <div className="drop-target" role="status" aria-live="assertive">
        {org && !blocked ? (
          <>
            <UploadIcon size={32} />
            <p className="drop-title" data-testid="drop-overlay-text">
              Drop estimate workbooks to import into {org.code}
            </p>
            <p className="drop-sub">.xlsx, .xlsm, .xls or .ods. Each file is read in the background as a job.</p>
          </>
        ) : (
          <>
            {org ? <EyeIcon size={32} /> : <OrgIcon size={32} />}
            <p className="drop-title" data-testid="drop-overlay-text">
              {org ? `${org.code} is read-only for your role` : "No organization is active"}
            </p>
            <p className="drop-sub">{blocked}</p>
          </>
        )}
      </div>
    </div>
  );
}
