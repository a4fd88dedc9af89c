/** A thin determinate progress bar with its value for assistive technology. */
export function ProgressBar({
  value,
  label,
  size = "normal",
  testId,
}: {
  value: number;
  label: string;
  size?: "normal" | "tiny";
  testId?: string;
}) {
  const clamped = Math.min(100, Math.max(0, Math.round(value)));
  return (
    <div
      className={`progress progress-${size}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={clamped}
      aria-valuetext={`${clamped} %`}
      data-testid={testId}
    >
      <div className="progress-fill" style={{ width: `${clamped}%` }} />
    </div>
  );
}
