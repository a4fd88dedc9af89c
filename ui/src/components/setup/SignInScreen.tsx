/** Sign in with a local account. Errors stay under the form, in the words of the core. */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useBackend } from "../../backendContext";
import { useAppActions } from "../../appContext";
import type { SessionView } from "../../bindings/SessionView";
import { signInErrorView, type FormErrorView } from "../../logic/errors";
import { InlineError } from "../common/ErrorBanner";
import { InfoIcon, LogoMark } from "../common/Icons";
import { PlaceFooter } from "./PlaceFooter";

export function SignInScreen({
  place,
  notice,
  onSignedIn,
}: {
  place: { dataDir: string; device: string } | null;
  notice: string | null;
  onSignedIn: (session: SessionView) => void;
}) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FormErrorView | null>(null);
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!error) return;
    if (error.focus === "password") passwordRef.current?.focus();
    if (error.focus === "username") usernameRef.current?.focus();
  }, [error]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (username.trim() === "" || password === "") {
      setError({
        message: username.trim() === "" ? "Enter your username." : "Enter your password.",
        hint: null,
        focus: username.trim() === "" ? "username" : "password",
        clearPassword: false,
      });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await backend.signIn({ username: username.trim(), password });
      onSignedIn(session);
    } catch (caught) {
      const view = signInErrorView(handleError(caught));
      if (view.clearPassword) setPassword("");
      setError(view);
      setBusy(false);
    }
  }

  return (
    <main className="center-screen">
      <form className="card narrow" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title" noValidate>
        <div className="brand">
          <LogoMark size={20} /> Sitebook
        </div>
        <h1 className="card-title" id="signin-title">
          Sign in
        </h1>
        {notice ? (
          <p className="notice" role="status">
            <InfoIcon /> {notice}
          </p>
        ) : null}
        <label className="field">
          <span>Username</span>
          <input
            ref={usernameRef}
            data-testid="signin-username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            disabled={busy}
            aria-invalid={error?.focus === "username" || undefined}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            ref={passwordRef}
            type="password"
            data-testid="signin-password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={busy}
            aria-invalid={error?.focus === "password" || undefined}
          />
        </label>
        <div className="form-actions">
          <button type="submit" className="button primary" data-testid="signin-submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </div>
        {error ? <InlineError message={error.message} hint={error.hint} testId="form-error" /> : null}
        <PlaceFooter place={place} />
      </form>
    </main>
  );
}
