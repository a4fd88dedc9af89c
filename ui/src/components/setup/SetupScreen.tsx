/** First run: create the device's first account (a superuser), then go straight in. */
import { useRef, useState, type FormEvent } from "react";
import { useBackend } from "../../backendContext";
import { useAppActions } from "../../appContext";
import type { SessionView } from "../../bindings/SessionView";
import { checkNewAccount, setupErrorView } from "../../logic/errors";
import { InlineError } from "../common/ErrorBanner";
import { LogoMark } from "../common/Icons";
import { PlaceFooter } from "./PlaceFooter";

export function SetupScreen({
  place,
  onCreated,
}: {
  place: { dataDir: string; device: string } | null;
  onCreated: (session: SessionView) => void;
}) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const [username, setUsername] = useState("");
  const [fullName, setFullName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; hint: string | null } | null>(null);
  const usernameRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const problem = checkNewAccount({ username, fullName, password, confirm });
    if (problem) {
      setError({ message: problem, hint: null });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await backend.createFirstAccount({ username: username.trim(), fullName: fullName.trim(), password });
      onCreated(session);
    } catch (caught) {
      const view = setupErrorView(handleError(caught));
      setError({ message: view.message, hint: view.hint });
      setBusy(false);
    }
  }

  return (
    <main className="center-screen">
      <form className="card narrow" onSubmit={(e) => void submit(e)} aria-labelledby="setup-title" noValidate>
        <div className="brand">
          <LogoMark size={20} /> Sitebook
        </div>
        <h1 className="card-title" id="setup-title">
          Create the first account
        </h1>
        <p className="lead">
          No one has used Sitebook on this device yet. The account you create now is the device’s
          administrator (<strong>superuser</strong>): it can enter every organization here and add
          accounts for the other people who share this laptop.
        </p>
        <label className="field">
          <span>Username</span>
          <input
            ref={usernameRef}
            data-testid="setup-username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            disabled={busy}
          />
          <small className="field-help">Lowercase letters, digits, dot, dash or underscore.</small>
        </label>
        <label className="field">
          <span>Full name</span>
          <input
            data-testid="setup-fullname"
            autoComplete="name"
            value={fullName}
            onChange={(e) => setFullName(e.target.value)}
            disabled={busy}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            data-testid="setup-password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={busy}
          />
        </label>
        <label className="field">
          <span>Confirm password</span>
          <input
            type="password"
            data-testid="setup-password-confirm"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            disabled={busy}
          />
        </label>
        <div className="form-actions">
          <button type="submit" className="button primary" data-testid="setup-submit" disabled={busy}>
            {busy ? "Creating account…" : "Create account and continue"}
          </button>
        </div>
        {error ? <InlineError message={error.message} hint={error.hint} testId="form-error" /> : null}
        <PlaceFooter place={place} />
      </form>
    </main>
  );
}
