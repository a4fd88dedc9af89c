/** A job's status label (icon and text), shared by the Jobs pane and an estimate's documents. */
import type { JobStatus } from "../../bindings/JobStatus";
import { JOB_STATUS_LABELS } from "../../logic/ingest";
import { AlertIcon, CheckIcon, ClockIcon, DeniedIcon, RunningIcon } from "./Icons";

const ICONS = {
  queued: ClockIcon,
  running: RunningIcon,
  completed: CheckIcon,
  failed: AlertIcon,
  cancelled: DeniedIcon,
} satisfies Record<JobStatus, unknown>;

/** A job's status as icon and text; colour only adds to them. */
export function JobStatusLabel({ status, testId }: { status: JobStatus; testId?: string }) {
  const Icon = ICONS[status];
  return (
    <span className={`job-status job-status-${status}`} data-status={status} data-testid={testId}>
      <Icon size={13} /> {JOB_STATUS_LABELS[status]}
    </span>
  );
}
