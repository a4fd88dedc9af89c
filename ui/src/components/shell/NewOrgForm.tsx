/**
 * Creating an organization from the picker, for the accounts the gate lets (superusers): a code,
 * a name and a type, then the picker switches to it. The core checks everything again and says
 * what was wrong; this form only keeps what was typed in place while it does.
 */
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { useAppActions } from "../../appContext";
import { useBackend } from "../../backendContext";
import type { OrgType } from "../../bindings/OrgType";
import type { SessionView } from "../../bindings/SessionView";
import { paneErrorView } from "../../logic/errors";
import { orgTypeLabel } from "../../logic/roles";
import { ChoiceField, type Choices } from "../common/Choices";
import { InlineError } from "../common/ErrorBanner";
import { TextField } from "../common/TextField";

/** A personal organization is made only with its account, so it is not offered. */
const CREATABLE: OrgType[] = ["ministry", "office", "agency", "special", "commission", "company"];
const TYPE_CHOICES: Choices<OrgType> = CREATABLE.map((type) => [type, orgTypeLabel(type)]);

export function NewOrgForm({ onCreated, onCancel }: { onCreated: (session: SessionView) => void; onCancel: () => void }) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [orgType, setOrgType] = useState<OrgType>("office");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; hint: string | null } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await backend.createOrg(code, name, orgType);
      onCreated(await backend.switchOrg(code.trim()));
    } catch (caught) {
      setError(paneErrorView(handleError(caught)));
      setBusy(false);
    }
  };

  // The picker moves its highlight on arrows and switches on Enter; in this form those keys are
  // the fields' own. Escape still closes, and Tab still cycles.
  const keepKeys = (event: KeyboardEvent) => {
    if (event.key !== "Escape" && event.key !== "Tab") event.stopPropagation();
  };

  return (
    <form className="new-org-form" onSubmit={submit} onKeyDown={keepKeys} data-testid="new-org-form" aria-label="New organization">
      <div className="form-grid">
        <TextField
          label="Code"
          value={code}
          onValue={setCode}
          placeholder="PWD-7"
          help="2 to 32 letters, digits, - or _; people type it to switch"
          autoFocus
          spellCheck={false}
          autoComplete="off"
          data-testid="new-org-code"
        />
        <TextField label="Name" value={name} onValue={setName} placeholder="Public Works Division 7" autoComplete="off" data-testid="new-org-name" />
        <ChoiceField label="Type" value={orgType} options={TYPE_CHOICES} onChange={setOrgType} testId="new-org-type" />
      </div>
      {error ? <InlineError message={error.message} hint={error.hint} testId="new-org-error" /> : null}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy} data-testid="new-org-create">
          {busy ? "Creating…" : "Create and switch to it"}
        </button>
        <button type="button" className="button quiet" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
