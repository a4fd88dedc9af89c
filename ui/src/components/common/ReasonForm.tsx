/**
 * A one-line reason asked for before an action the audit log must explain (withdrawing a bill,
 * accepting the audit log afresh): the field has the focus, Enter confirms once the reason is
 * long enough, Escape cancels, and the core's refusal is shown in place.
 */
import { useId, useState, type ReactNode } from "react";
import { useAction } from "../../useAction";
import { InlineError } from "./ErrorBanner";

export function ReasonForm({
  label,
  minLength,
  confirmLabel,
  busyLabel,
  onConfirm,
  onCancel,
  testId,
  className = "",
}: {
  label: ReactNode;
  minLength: number;
  confirmLabel: string;
  busyLabel: string;
  /** Does the action; a rejection is shown under the form. */
  onConfirm: (reason: string) => Promise<void>;
  onCancel: () => void;
  /** `withdraw` gives `withdraw-reason`, `withdraw-confirm` and `withdraw-error`. */
  testId: string;
  className?: string;
}) {
  const [reason, setReason] = useState("");
  const { busy, error, run } = useAction();
  const reasonId = useId();
  const ready = !busy && reason.trim().length >= minLength;
  const confirm = () => {
    if (ready) void run(() => onConfirm(reason));
  };
  return (
    <div className={`withdraw-form ${className}`.trim()} data-testid={`${testId}-form`}>
      <label htmlFor={reasonId}>{label}</label>
      <input
        id={reasonId}
        type="text"
        className="text-input"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") confirm();
          else if (e.key === "Escape") {
            // Handled here: the import tray, listening on the window, leaves it alone.
            e.preventDefault();
            onCancel();
          }
        }}
        autoFocus
        data-testid={`${testId}-reason`}
      />
      <button type="button" className="button danger small" disabled={!ready} onClick={confirm} data-testid={`${testId}-confirm`}>
        {busy ? busyLabel : confirmLabel}
      </button>
      <button type="button" className="button quiet small" onClick={onCancel}>
        Cancel
      </button>
      {error ? <InlineError message={error.message} testId={`${testId}-error`} /> : null}
    </div>
  );
}
