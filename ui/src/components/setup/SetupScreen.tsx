/** First run: create the device's first account (a superuser), then go straight in. */
import { useRef, useState } from "react";
import { useBackend } from "../../backendContext";
import type { SessionView } from "../../bindings/SessionView";
import { checkNewAccount, setupErrorView } from "../../logic/errors";
import { TextField } from "../common/TextField";
import { AccountForm, noneTyped, UsernameField, useAccountSubmit, type ShownError } from "./AccountForm";
import type { TypedBefore } from "../../firstScreen/handoff";
import type { Place } from "./PlaceFooter";

export function SetupScreen({
  place,
  typedBefore = noneTyped,
  onCreated,
}: {
  place: Place | null;
  typedBefore?: TypedBefore;
  onCreated: (session: SessionView) => void;
}) {
  const backend = useBackend();
  const [username, setUsername] = useState(() => typedBefore("setup-username"));
  const [fullName, setFullName] = useState(() => typedBefore("setup-fullname"));
  const [password, setPassword] = useState(() => typedBefore("setup-password"));
  const [confirm, setConfirm] = useState(() => typedBefore("setup-password-confirm"));
  const usernameRef = useRef<HTMLInputElement>(null);
  const submission = useAccountSubmit<ShownError>({
    check: () => {
      const problem = checkNewAccount({ username, fullName, password, confirm });
      return problem ? { message: problem, hint: null } : null;
    },
    send: () => backend.createFirstAccount({ username: username.trim(), fullName: fullName.trim(), password }),
    explain: setupErrorView,
    onSession: onCreated,
  });

  return (
    <AccountForm
      name="setup"
      title="Create the first account"
      submitLabel="Create account and continue"
      busyLabel="Creating account…"
      place={place}
      submission={submission}
    >
      <p className="lead">
        No one has used Sitebook on this device yet. The account you create now is the device’s
        administrator (<strong>superuser</strong>): it can enter every organization here and add
        accounts for the other people who share this laptop.
      </p>
      <UsernameField
        inputRef={usernameRef}
        testId="setup-username"
        value={username}
        onValue={setUsername}
        busy={submission.busy}
        help="Lowercase letters, digits, dot, dash or underscore."
      />
      <TextField label="Full name" data-testid="setup-fullname" autoComplete="name" value={fullName} onValue={setFullName} disabled={submission.busy} />
      <TextField label="Password" type="password" data-testid="setup-password" autoComplete="new-password" value={password} onValue={setPassword} disabled={submission.busy} />
      <TextField label="Confirm password" type="password" data-testid="setup-password-confirm" autoComplete="new-password" value={confirm} onValue={setConfirm} disabled={submission.busy} />
    </AccountForm>
  );
}
