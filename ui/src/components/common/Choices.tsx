/**
 * Picking one of a few fixed choices, each a value and the words shown for it: as a labelled
 * drop-down (forms, pane filters) or as a row of radio buttons (`segmented`). Shared so every
 * such control is built the same way; the value comes back typed as the options were, so callers
 * need no casts.
 */
import type { ReactNode } from "react";

export type Choices<V extends string> = ReadonlyArray<readonly [value: V, text: string]>;

export function ChoiceField<V extends string>({
  label,
  value,
  options,
  onChange,
  testId,
  className = "field",
}: {
  label: ReactNode;
  value: V;
  options: Choices<V>;
  onChange: (value: V) => void;
  testId?: string;
  /** `inline-field` in a pane's tool row. */
  className?: string;
}) {
  return (
    <label className={className}>
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value as V)} data-testid={testId}>
        {options.map(([option, text]) => (
          <option key={option} value={option}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The choices side by side as radio buttons; `testIdOf` gives each its test hook. */
export function SegmentedChoice<V extends string>({
  label,
  name,
  value,
  options,
  onChange,
  testIdOf,
  disabled,
}: {
  label: string;
  name: string;
  value: V | null;
  options: Choices<V>;
  onChange: (value: V) => void;
  testIdOf: (value: V) => string;
  disabled?: boolean;
}) {
  return (
    <fieldset className="segmented" aria-label={label} disabled={disabled}>
      {options.map(([option, text]) => (
        <label key={option}>
          <input type="radio" name={name} checked={value === option} onChange={() => onChange(option)} data-testid={testIdOf(option)} />{" "}
          {text}
        </label>
      ))}
    </fieldset>
  );
}
