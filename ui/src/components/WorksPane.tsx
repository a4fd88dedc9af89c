/** The works (estimates) of the active org. Estimates arrive in a later release: empty for now. */
import type { OrgChoice } from "../bindings/OrgChoice";
import { WorksIcon } from "./Icons";
import { NoOrgState } from "./NoOrgState";

export function WorksPane({ org }: { org: OrgChoice | null }) {
  return (
    <section className="pane" data-testid="works-pane" aria-labelledby="works-title">
      {org ? (
        <>
          <header className="pane-header">
            <h1 id="works-title">Works — {org.name}</h1>
          </header>
          <div className="empty-state">
            <WorksIcon size={28} />
            <h2>No estimates in {org.code} yet</h2>
            <p>Importing estimate workbooks comes in a later release. Estimates will be listed here.</p>
          </div>
        </>
      ) : (
        <>
          <header className="pane-header">
            <h1 id="works-title">Works</h1>
          </header>
          <NoOrgState />
        </>
      )}
    </section>
  );
}
