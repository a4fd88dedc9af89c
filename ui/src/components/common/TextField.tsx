/**
 * A labelled text input in the form layout (`.field`: the label above, help in small print
 * below). Forms keep their values as strings, so the field hands back the text, not the event.
 */
import type { ComponentProps, ReactNode } from "react";

export function TextField({
  label,
  help,
  wide,
  onValue,
  ...input
}: Omit<ComponentProps<"input">, "onChange"> & {
  label: ReactNode;
  help?: ReactNode;
  /** Takes a whole row of the form grid. */
  wide?: boolean;
  onValue: (value: string) => void;
}) {
  return (
    <label className={wide ? "field wide" : "field"}>
      <span>{label}</span>
      <input {...input} onChange={(e) => onValue(e.target.value)} />
      {help ? <small className="field-help">{help}</small> : null}
    </label>
  );
}
