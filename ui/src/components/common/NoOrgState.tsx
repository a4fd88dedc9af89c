/** The empty state every org-scoped pane shows while no organization is active. */
import { useAppActions } from "../../appContext";
import { OrgIcon } from "./Icons";

/** Shown in place of a pane while no organization is active. */
export function NoOrgState() {
  const { openPicker } = useAppActions();
  return (
    <div className="empty-state">
      <OrgIcon size={28} />
      <h2>No organization is active</h2>
      <p>Everything in Sitebook belongs to an organization. Choose the one you want to work in.</p>
      <button type="button" className="button primary" onClick={openPicker}>
        Choose organization
      </button>
    </div>
  );
}
