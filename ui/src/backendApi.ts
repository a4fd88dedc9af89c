/**
 * The backend contract: the `Backend` interface every screen talks to (through React context, see
 * `backendContext.tsx`), its argument types, and the `ApiError` helpers.
 *
 * Two implementations follow it: `tauriBackend` in `backend.ts` (the real shell) and
 * `createFakeBackend` in `fake/backend.ts` (the in-memory stand-in for tests and `npm run dev`).
 * This module imports neither, so neither depends on the other.
 *
 * Every method rejects with an `ApiError` (`{code, message}`), never with anything else, so
 * callers can branch on `code` and show `message` where the action happened.
 */
import type { ApiError } from "./bindings/ApiError";
import type { AppStatus } from "./bindings/AppStatus";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { AuditAnchor } from "./bindings/AuditAnchor";
import type { AuditVerification } from "./bindings/AuditVerification";
import type { BillDraft } from "./bindings/BillDraft";
import type { BillView } from "./bindings/BillView";
import type { DocumentPreview } from "./bindings/DocumentPreview";
import type { JobFilesView } from "./bindings/JobFilesView";
import type { OutputView } from "./bindings/OutputView";
import type { QuantityEntry } from "./bindings/QuantityEntry";
import type { QueuedDocument } from "./bindings/QueuedDocument";
import type { RateEntry } from "./bindings/RateEntry";
import type { RecoveryEntry } from "./bindings/RecoveryEntry";
import type { Withdrawn } from "./bindings/Withdrawn";
import type { SupplementalEntry } from "./bindings/SupplementalEntry";
import type { WorkForm } from "./bindings/WorkForm";
import type { WorkslipDraft } from "./bindings/WorkslipDraft";
import type { WorkslipView } from "./bindings/WorkslipView";
import type { EstimateDetail } from "./bindings/EstimateDetail";
import type { EstimateSummary } from "./bindings/EstimateSummary";
import type { JobEvent } from "./bindings/JobEvent";
import type { JobView } from "./bindings/JobView";
import type { MemberView } from "./bindings/MemberView";
import type { MembershipRole } from "./bindings/MembershipRole";
import type { OrgChoice } from "./bindings/OrgChoice";
import type { OrgDetails } from "./bindings/OrgDetails";
import type { OrgType } from "./bindings/OrgType";
import type { SessionView } from "./bindings/SessionView";
import type { UploadOutcome } from "./bindings/UploadOutcome";
import type { SettingsCommands } from "./settingsContract";

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

export type NewAccount = { username: string; fullName: string; password: string };
export type Credentials = { username: string; password: string };
export type PasswordChange = { username: string; currentPassword: string; newPassword: string };
export type AuditQuery = { deniedOnly: boolean; limit: number };

export interface Backend extends SettingsCommands {
  appStatus(): Promise<AppStatus>;
  /**
   * The window has drawn its first screen. The shell starts its background work (the job
   * workers, the syncer, the inbox watcher) then, so none of it competes with that screen.
   */
  firstScreenShown(): Promise<void>;
  /** First run only: the account becomes the device's superuser and is signed in. */
  createFirstAccount(account: NewAccount): Promise<SessionView>;
  signIn(credentials: Credentials): Promise<SessionView>;
  /**
   * Replaces a password, given the current one (checked as a sign-in is), and signs in with the
   * new one. Also how a temporary password an admin set is replaced before the first sign-in.
   */
  changePassword(change: PasswordChange): Promise<SessionView>;
  signOut(): Promise<void>;
  /** Only the orgs this user may enter; `active` marks the current one. */
  listOrgs(): Promise<OrgChoice[]>;
  switchOrg(code: string): Promise<SessionView>;
  /**
   * Creates an organization (superusers; refused and audited for others). The code is 2 to 32
   * letters, digits, `-` or `_`, unique ignoring case; a personal type is refused.
   */
  createOrg(code: string, name: string, orgType: OrgType): Promise<void>;
  /**
   * Gives the active org a new name (its owners, and superusers); its code and folders stay,
   * and documents already made keep their name. Returns the org as the core now has it.
   */
  renameOrg(name: string): Promise<OrgDetails>;
  listMembers(): Promise<MemberView[]>;
  /** Adds an existing account to the active org. Owners alone grant `owner`. */
  addMember(username: string, role: MembershipRole): Promise<MemberView>;
  /** Creates a standard account and adds it to the active org with `role`. */
  createMemberAccount(account: NewAccount, role: MembershipRole): Promise<MemberView>;
  /** Changes a member's role; the last owner cannot be demoted, admins cannot touch owners. */
  setMemberRole(username: string, role: MembershipRole): Promise<MemberView>;
  /** Removes a member from the active org; the last owner cannot be removed. */
  removeMember(username: string): Promise<void>;
  /** Lifts a member's sign-in lockout; whether they were locked. */
  unlockMember(username: string): Promise<boolean>;
  /** Sets a temporary password for a member, which they must replace at their next sign-in. */
  resetMemberPassword(username: string, temporaryPassword: string): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Walks the audit log's hash chain against its anchor: intact, or where it first breaks. */
  verifyAudit(): Promise<AuditVerification>;
  /**
   * Accepts the log as it stands as its new anchor, for a lost anchor file (superusers). The
   * reason (10 to 500 characters, one line) is kept in the log; refused when the log's own chain
   * is broken.
   */
  reanchorAudit(reason: string): Promise<AuditAnchor>;

  /**
   * Imports workbooks into the active org: one outcome per path, in order. A refused file has
   * `error` and no job; a `duplicate` is content already uploaded to this org. The whole call is
   * refused (`denied`) for roles that only read.
   */
  uploadFiles(paths: string[]): Promise<UploadOutcome[]>;
  /** Workbooks the person picks in a native open dialog (several at once); empty when they cancel. */
  chooseWorkbooks(): Promise<string[]>;
  /**
   * Imports the example estimate that ships with the app into the active org and queues its
   * first bill; asked again, gives back that bill. Waits while the example is read.
   */
  importExample(): Promise<QueuedDocument>;
  /** The active org's jobs, newest first. */
  listJobs(): Promise<JobView[]>;
  cancelJob(id: number): Promise<JobView>;
  retryJob(id: number): Promise<JobView>;
  /** The active org's stored estimates. */
  listEstimates(): Promise<EstimateSummary[]>;
  getEstimate(id: number): Promise<EstimateDetail>;
  /**
   * Live job progress: `handler` receives a `JobEvent` on every progress or status change of the
   * active org's jobs. Resolves once subscribed, with a function that stops the delivery.
   */
  subscribeJobs(handler: (event: JobEvent) => void): Promise<() => void>;
  /**
   * Files dragged onto the window. `enter` fires on drag-enter and on every drag-over, `leave`
   * when the drag leaves or is cancelled, `drop` with the dropped files' paths. Resolves once
   * listening, with a function that stops it.
   */
  onFileDrop(handlers: FileDropHandlers): Promise<() => void>;

  /** The work data of an estimate as the form edits it (saved, or pre-filled from the workbook). */
  getWorkForm(estimateId: number): Promise<WorkForm>;
  /** Saves the whole form; a `validation` error names every bad field. */
  saveWorkForm(estimateId: number, form: WorkForm): Promise<WorkForm>;
  listBills(estimateId: number): Promise<BillView[]>;
  listWorkslips(estimateId: number): Promise<WorkslipView[]>;
  /** What the bill editor starts with: the next number, or why no bill can follow. */
  billDraft(estimateId: number): Promise<BillDraft>;
  /** Live figures of the next bill at the typed quantities and recoveries; saves nothing. */
  previewBill(estimateId: number, isFinal: boolean, entries: QuantityEntry[], recoveries: RecoveryEntry[]): Promise<DocumentPreview>;
  /** Records the next bill (with this bill's one-off recoveries) and queues its PDF and XLSX. */
  createBill(estimateId: number, isFinal: boolean, entries: QuantityEntry[], recoveries: RecoveryEntry[]): Promise<QueuedDocument>;
  workslipDraft(estimateId: number): Promise<WorkslipDraft>;
  /** Live figures of the next work slip; `supplemental` are items not in the estimate, new in it. */
  previewWorkslip(estimateId: number, entries: QuantityEntry[], supplemental: SupplementalEntry[], rates: RateEntry[]): Promise<DocumentPreview>;
  createWorkslip(estimateId: number, entries: QuantityEntry[], supplemental: SupplementalEntry[], rates: RateEntry[]): Promise<QueuedDocument>;
  /** Queues the estimate abstract (PDF and XLSX). */
  requestAbstract(estimateId: number): Promise<QueuedDocument>;
  /** Withdraws the latest bill or work slip with a reason; its files stay, marked withdrawn. */
  withdrawDocument(estimateId: number, document: "bill" | "workslip", number: number, reason: string): Promise<Withdrawn>;
  /** The active org's output files, newest first; optionally of one job. */
  listOutputs(jobId: number | null): Promise<OutputView[]>;
  /** What became of a job's files: how many a cleanup removed, and whether retrying makes them again. */
  jobFiles(jobId: number): Promise<JobFilesView>;
  /** An output's bytes, for the in-app preview (not counted as a download). */
  readOutput(id: number): Promise<ArrayBuffer>;
  /** Opens an output in the system's viewer. */
  openOutput(id: number): Promise<void>;
  /** Asks where to save a copy, saves it and counts a download; null when cancelled. */
  saveOutputAs(id: number, suggestedName: string): Promise<string | null>;

}

export type FileDropHandlers = {
  enter: () => void;
  leave: () => void;
  drop: (paths: string[]) => void;
};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/**
 * Turns whatever a rejected call produced into an `ApiError`. The shell serialises core errors as
 * `{code, message}`; anything else (a string from Tauri itself, a JS exception) becomes `internal`.
 */
export function toApiError(value: unknown): ApiError {
  if (isApiError(value)) return { code: value.code, message: value.message };
  if (typeof value === "string") {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isApiError(parsed)) return { code: parsed.code, message: parsed.message };
    } catch {
      // not JSON: a plain message
    }
    return { code: "internal", message: value || "The app could not complete the request." };
  }
  if (value instanceof Error) {
    return { code: "internal", message: value.message || "The app could not complete the request." };
  }
  return { code: "internal", message: "The app could not complete the request." };
}
