/**
 * What the two account screens (create the first account, sign in) share: the card they sit in,
 * the way they submit, and the username field. Both end in a session and show a refusal under
 * the form in the same place (`form-error`), so they are built from one set of parts.
 */
import { useState, type FormEvent, type ReactNode, type Ref } from "react";
import { useAppActions } from "../../appContext";
import type { ApiError } from "../../bindings/ApiError";
import type { SessionView } from "../../bindings/SessionView";
import type { TypedBefore } from "../../firstScreen/handoff";
import { InlineError } from "../common/ErrorBanner";
import { LogoMark } from "../common/Icons";
import { TextField } from "../common/TextField";
import { PlaceFooter, type Place } from "./PlaceFooter";

export type ShownError = { message: string; hint: string | null };

/** A screen that React drew from the start had nothing typed into it before. */
export const noneTyped: TypedBefore = () => "";

/**
 * Submits an account form once at a time. A problem `check` finds is shown without asking the
 * backend; a refusal is put in the form's words by `explain`, and the fields come back to edit.
 */
export function useAccountSubmit<E extends ShownError>({
  check,
  send,
  explain,
  onSession,
}: {
  check: () => E | null;
  send: () => Promise<SessionView>;
  explain: (error: ApiError) => E;
  onSession: (session: SessionView) => void;
}) {
  const { handleError } = useAppActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<E | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const problem = check();
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSession(await send());
    } catch (caught) {
      setError(explain(handleError(caught)));
      setBusy(false);
    }
  }

  return { busy, error, submit };
}

/**
 * The card of an account screen: brand, title, the fields given, one submit button, the error.
 * `name` prefixes the title's id and the button's test hook (`setup-submit`, `signin-submit`).
 */
export function AccountForm({
  name,
  title,
  submitLabel,
  busyLabel,
  place,
  submission: { busy, error, submit },
  children,
}: {
  name: string;
  title: string;
  submitLabel: string;
  busyLabel: string;
  place: Place | null;
  submission: ReturnType<typeof useAccountSubmit>;
  children: ReactNode;
}) {
  return (
    <main className="center-screen">
      <form className="card narrow" onSubmit={(e) => void submit(e)} aria-labelledby={`${name}-title`} noValidate>
        <div className="brand">
          <LogoMark size={20} /> Sitebook
        </div>
        <h1 className="card-title" id={`${name}-title`}>
          {title}
        </h1>
        {children}
        <div className="form-actions">
          <button type="submit" className="button primary" data-testid={`${name}-submit`} disabled={busy}>
            {busy ? busyLabel : submitLabel}
          </button>
        </div>
        {error ? <InlineError message={error.message} hint={error.hint} testId="form-error" /> : null}
        <PlaceFooter place={place} />
      </form>
    </main>
  );
}

/** A username as both screens take it: focused first, never capitalized or spell-checked. */
export function UsernameField({
  inputRef,
  testId,
  value,
  onValue,
  busy,
  invalid,
  help,
}: {
  inputRef: Ref<HTMLInputElement>;
  testId: string;
  value: string;
  onValue: (value: string) => void;
  busy: boolean;
  invalid?: boolean;
  help?: string;
}) {
  return (
    <TextField
      label="Username"
      help={help}
      ref={inputRef}
      data-testid={testId}
      autoComplete="username"
      autoCapitalize="none"
      spellCheck={false}
      autoFocus
      value={value}
      onValue={onValue}
      disabled={busy}
      aria-invalid={invalid}
    />
  );
}
