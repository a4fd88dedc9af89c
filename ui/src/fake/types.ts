/**
 * The fake backend's seed (the people, orgs, estimates and jobs it starts with, and its clock and
 * timer) and the extra handle tests get on it (`FakeBackend`: calls made, queued failures,
 * simulated file drops).
 */
import type { ApiError } from "../bindings/ApiError";
import type { AuditBreak } from "../bindings/AuditBreak";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { EstimateDetail } from "../bindings/EstimateDetail";
import type { JobView } from "../bindings/JobView";
import type { MembershipRole } from "../bindings/MembershipRole";
import type { OrgType } from "../bindings/OrgType";
import type { Plan } from "../bindings/Plan";
import type { UserKind } from "../bindings/UserKind";
import type { Backend } from "../backendApi";

export type FakeUser = {
  username: string;
  fullName: string;
  kind: UserKind;
  password: string;
  active?: boolean;
  /** Set by an admin's reset: the password signs in to nothing until its owner replaces it. */
  mustChangePassword?: boolean;
};

export type FakeOrg = {
  code: string;
  name: string;
  slug: string;
  orgType: OrgType;
  plan: Plan;
  active?: boolean;
};

export type FakeMembership = {
  username: string;
  orgCode: string;
  role: MembershipRole;
  primary?: boolean;
  active?: boolean;
};

export type FakeSeed = {
  users?: FakeUser[];
  orgs?: FakeOrg[];
  memberships?: FakeMembership[];
  audit?: AuditEntry[];
  /** Where the fake's audit chain is broken, if it is (as if someone edited the database). */
  auditBreak?: AuditBreak;
  device?: string;
  dataDir?: string;
  /** Username already signed in when the app starts. */
  signedIn?: string;
  /** Last org used, per username (org code). */
  lastOrg?: Record<string, string>;
  /** Clock, so tests get stable timestamps and can step past a lockout. */
  now?: () => Date;
  /** Artificial delay per call, to see loading states in the browser. */
  latencyMs?: number;
  /** Estimates already stored, per org. */
  estimates?: FakeEstimate[];
  /** Jobs already in the queue; seeded jobs do not advance. `canCancel`/`canRetry` are worked out per viewer. */
  jobs?: FakeJob[];
  /**
   * Paces the fake's jobs: it calls `schedule(next, ms)` for each next step. The default is a real
   * timer; tests pass a manual one and step the jobs by hand.
   */
  schedule?: (next: () => void, ms: number) => void;
  /** Time between two job steps with the default timer (default 700 ms). */
  jobStepMs?: number;
  /** What the native "choose workbooks" dialog answers (default: one workbook; [] is a cancel). */
  chosenWorkbooks?: string[];
};

export type FakeEstimate = { orgCode: string; detail: EstimateDetail };
export type FakeJob = Omit<JobView, "canCancel" | "canRetry" | "errorCode" | "interrupted"> & {
  orgCode: string;
  errorCode?: string | null;
  interrupted?: boolean;
};

export interface FakeBackend extends Backend {
  /** Names of the commands called so far, in order (the Tauri names, e.g. "switch_org"). */
  readonly calls: string[];
  /** Make the next call of `command` fail with `error`, once. */
  failNext(command: string, error: ApiError): void;
  /** Deletes an output's file from the fake data folder, as a person might by hand. */
  loseOutputFile(id: number): void;
  /** Removes an output with its row, as the retention cleanup of outputs never saved does. */
  removeOutputByCleanup(id: number): void;
  /** The shell's file-drop events, as a real drag over the window would send them. */
  dragEnter(): void;
  dragLeave(): void;
  drop(paths: string[]): void;
}
