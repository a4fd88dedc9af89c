/**
 * Sign in with a local account. Errors stay under the form, in the words of the core. A password
 * an admin set (a reset) signs in to nothing until its owner chooses their own: the form then
 * asks for a new password, twice, and signs in with it.
 */
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
  const [mustChange, setMustChange] = useState(false);
  const [newPassword, setNewPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const newPasswordRef = useRef<HTMLInputElement>(null);
  const problem = (message: string, focus: FormErrorView["focus"]): FormErrorView => ({
    message,
    hint: null,
    focus,
    clearPassword: false,
  });
  const submission = useAccountSubmit<FormErrorView>({
    check: () => {
      if (username.trim() === "") return problem("Enter your username.", "username");
      if (password === "") return problem("Enter your password.", "password");
      if (!mustChange) return null;
      if (newPassword === "") return problem("Choose a new password.", "newPassword");
      if (newPassword !== repeated) return problem("The two new passwords differ; type the same one twice.", "newPassword");
      return null;
    },
    send: () =>
      mustChange
        ? backend.changePassword({ username: username.trim(), currentPassword: password, newPassword })
        : backend.signIn({ username: username.trim(), password }),
    explain: (caught) => {
      if (caught.code === "password_change_required") setMustChange(true);
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
    if (error.focus === "newPassword") newPasswordRef.current?.focus();
  }, [error]);

  return (
    <AccountForm
      name="signin"
      title={mustChange ? "Choose your password" : "Sign in"}
      submitLabel={mustChange ? "Set password and sign in" : "Sign in"}
      busyLabel="Signing in…"
      place={place}
      submission={submission}
    >
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
        label={mustChange ? "Temporary password (the one you were given)" : "Password"}
        ref={passwordRef}
        type="password"
        data-testid="signin-password"
        autoComplete="current-password"
        value={password}
        onValue={setPassword}
        disabled={busy}
        aria-invalid={error?.focus === "password" || undefined}
      />
      {mustChange ? (
        <>
          <TextField
            label="New password (at least 8 characters)"
            ref={newPasswordRef}
            type="password"
            data-testid="signin-new-password"
            autoComplete="new-password"
            value={newPassword}
            onValue={setNewPassword}
            disabled={busy}
            aria-invalid={error?.focus === "newPassword" || undefined}
          />
          <TextField
            label="Repeat the new password"
            type="password"
            data-testid="signin-new-password-again"
            autoComplete="new-password"
            value={repeated}
            onValue={setRepeated}
            disabled={busy}
          />
        </>
      ) : null}
    </AccountForm>
  );
}
