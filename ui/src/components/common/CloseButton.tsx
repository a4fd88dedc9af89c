/**
 * The icon-only × button that closes a panel or drops a line. It has no visible words, so every
 * use must name what it closes: `label` is required and becomes the accessible name.
 */
import { CloseIcon } from "./Icons";

export function CloseButton({ label, onClick, testId }: { label: string; onClick: () => void; testId?: string }) {
  return (
    <button type="button" className="icon-button" aria-label={label} onClick={onClick} data-testid={testId}>
      <CloseIcon />
    </button>
  );
}
