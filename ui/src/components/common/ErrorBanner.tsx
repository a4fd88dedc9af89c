/** How errors are shown: the global `ErrorBanner` and the in-place `InlineError` under what failed. */
import type { ApiError } from "../../bindings/ApiError";
import { CloseButton } from "./CloseButton";
import { AlertIcon } from "./Icons";

/** The global banner for failures that did not come from a form or a pane. */
export function ErrorBanner({ error, hint, onDismiss }: { error: ApiError; hint?: string | null; onDismiss?: () => void }) {
  return (
    <div className="error-banner" role="alert" data-testid="error-banner" data-code={error.code}>
      <AlertIcon label="Error" />
      <div className="error-banner-text">
        <strong>{error.message}</strong>
        {hint ? <span> {hint}</span> : null}
      </div>
      {onDismiss ? (
        <CloseButton label="Dismiss error" onClick={onDismiss} />
      ) : null}
    </div>
  );
}

/** An error shown in place, under the thing that failed. */
export function InlineError({ message, hint, testId }: { message: string; hint?: string | null; testId?: string }) {
  return (
    <div className="inline-error" role="alert" data-testid={testId}>
      <AlertIcon label="Error" />
      <p>
        {message}
        {hint ? <span className="inline-error-hint"> {hint}</span> : null}
      </p>
    </div>
  );
}
