/** Sign in with a local account. Errors stay under the form, in the words of the core. */
import { useEffect, useRef, useState } from "react";
import { useBackend } from "../../backendContext";
import type { SessionView } from "../../bindings/SessionView";
import { signInErrorView, type FormErrorView } from "../../logic/errors";
import { InfoIcon } from "../common/Icons";
import { TextField } from "../common/TextField";
import { AccountForm, noneTyped, UsernameField, useAccountSubmit } from "./AccountForm";
import type { TypedBefore } from "../../firstScreen/handoff";
import type { Place } from "./PlaceFooter";

export function SignInScreen({
  place,
  notice,
  typedBefore = noneTyped,
  onSignedIn,
}: {
  place: Place | null;
  notice: string | null;
  typedBefore?: TypedBefore;
  onSignedIn: (session: SessionView) => void;
}) {
  const backend = useBackend();
  const [username, setUsername] = useState(() => typedBefore("signin-username"));
  const [password, setPassword] = useState(() => typedBefore("signin-password"));
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const submission = useAccountSubmit<FormErrorView>({
    check: () =>
      username.trim() === "" || password === ""
        ? {
            message: username.trim() === "" ? "Enter your username." : "Enter your password.",
            hint: null,
            focus: username.trim() === "" ? "username" : "password",
            clearPassword: false,
          }
        : null,
    send: () => backend.signIn({ username: username.trim(), password }),
    explain: (caught) => {
      const view = signInErrorView(caught);
      if (view.clearPassword) setPassword("");
      return view;
    },
    onSession: onSignedIn,
  });

  const { busy, error } = submission;

  useEffect(() => {
    if (!error) return;
    if (error.focus === "password") passwordRef.current?.focus();
    if (error.focus === "username") usernameRef.current?.focus();
  }, [error]);

  return (
    <AccountForm name="signin" title="Sign in" submitLabel="Sign in" busyLabel="Signing in…" place={place} submission={submission}>
      {notice ? (
        <p className="notice" role="status">
          <InfoIcon /> {notice}
        </p>
      ) : null}
      <UsernameField
        inputRef={usernameRef}
        testId="signin-username"
        value={username}
        onValue={setUsername}
        busy={busy}
        invalid={error?.focus === "username" || undefined}
      />
      <TextField
        label="Password"
        ref={passwordRef}
        type="password"
        data-testid="signin-password"
        autoComplete="current-password"
        value={password}
        onValue={setPassword}
        disabled={busy}
        aria-invalid={error?.focus === "password" || undefined}
      />
    </AccountForm>
  );
}
