/**
 * The in-memory fake backend: `createFakeBackend(seed)` implements the whole `Backend` contract
 * for the Vitest tests and for `npm run dev` in a plain browser. It follows the same rules as the
 * core as far as the screens can tell (who may enter which org, effective roles, lockout, audit
 * rows, job steps and retries), but it is not the gate and proves nothing about it.
 *
 * The documents and settings sides live in `documents.ts` and `settings.ts`, the parsed workbooks
 * in `estimates.ts`, the seed types in `types.ts` and the demo data in `demoSeed.ts`.
 */
import type { ApiError } from "../bindings/ApiError";
import type { AuditAnchor } from "../bindings/AuditAnchor";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { AuditVerification } from "../bindings/AuditVerification";
import type { EffectiveRole } from "../bindings/EffectiveRole";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { JobEvent } from "../bindings/JobEvent";
import type { JobKind } from "../bindings/JobKind";
import type { JobStatus } from "../bindings/JobStatus";
import type { JobView } from "../bindings/JobView";
import type { MemberView } from "../bindings/MemberView";
import type { OrgChoice } from "../bindings/OrgChoice";
import type { SessionView } from "../bindings/SessionView";
import type { UploadOutcome } from "../bindings/UploadOutcome";
import type { Backend, FileDropHandlers } from "../backendApi";
import { isReadOnly, mayAs, mayGloballyAs, permits } from "./permissions";
import { createFakeDocuments } from "./documents";
import { fakeExample, fakeParse, summarize } from "./estimates";
import { completedJob } from "./jobs";
import { createFakeSettings } from "./settings";
import type { FakeBackend, FakeEstimate, FakeJob, FakeMembership, FakeOrg, FakeSeed, FakeUser } from "./types";

export type { FakeBackend, FakeEstimate, FakeJob, FakeMembership, FakeOrg, FakeSeed, FakeUser } from "./types";

/**
 * The steps a parse job reports, as the core's job engine does (issue 3): progress and the
 * `currentStep` text.
 */
export const PARSE_STEPS: ReadonlyArray<readonly [number, string]> = [
  [10, "File read"],
  [30, "Sheet found"],
  [50, "Items parsed"],
  [90, "Stored"],
  [100, "Done"],
];

const ACCEPTED_WORKBOOK = /\.(xlsx|xlsm|xls|ods)$/i;
const MAX_ATTEMPTS = 4; // the first run and at most 3 retries

type FakeFailure = { step: number; message: string; transient: boolean; code?: string };

function failsForGood(step: number, code: string, message: string): FakeFailure {
  return { step, transient: false, code, message };
}

/**
 * How the fake's parse fails, chosen by the file name so tests and the demo can ask for it:
 * "protected", "broken" and "nosheet" fail for good at the step named; "flaky" fails its first
 * attempt with a transient error and is retried by itself. The first name that matches decides.
 */
const FAILURES: ReadonlyArray<readonly [RegExp, FakeFailure]> = [
  [/protected/i, failsForGood(0, "password_protected", "The workbook is password-protected, so it cannot be read. Save an unprotected copy and import that.")],
  [/broken|corrupt/i, failsForGood(0, "not_a_workbook", "This file is not a workbook: its contents are not a spreadsheet. Open it in your spreadsheet program, save it as .xlsx and import it again.")],
  [/nosheet/i, failsForGood(1, "no_estimate_sheet", "No estimate sheet was found. The sheets Sheet1 and Datas were searched for a header row with Sl.No, Quantity and Description in the first 60 rows.")],
  [/flaky/i, { step: 3, transient: true, message: "The database was busy; the job will be tried again." }],
];

function fakeFailure(fileName: string): FakeFailure | null {
  return FAILURES.find(([name]) => name.test(fileName))?.[1] ?? null;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

type JobRecord = FakeJob & {
  /** The uploaded file, or null for a seeded job. */
  path: string | null;
  /** Bumped by every new run, cancel or retry, so steps scheduled for an older run do nothing. */
  run: number;
  /** False once the file itself made it fail: reading the same bytes again would fail too. */
  retryable?: boolean;
};

type UploadRecord = {
  id: number;
  orgCode: string;
  path: string;
  jobId: number;
  status: "pending" | "processing" | "completed" | "failed";
};

const LOCK_AFTER_FAILURES = 5;
const LOCK_WINDOW_MS = 15 * 60 * 1000;
/** The example estimate that ships with the app (the core's `EXAMPLE_FILE_NAME`). */
const EXAMPLE_FILE_NAME = "cc-road-example.xlsx";
const USERNAME_RULE = /^[a-z0-9][a-z0-9._-]{1,31}$/;
const MIN_PASSWORD = 8;

/** What a standard account is told for an org it cannot enter, whether or not the org exists. */
function notTheirs(code: string): string {
  return `You cannot enter '${code.trim()}': none of your organizations has this code. \`sitebook org list\` shows the ones you can enter; to join another, ask one of its admins.`;
}

/** The core's lockout sentence: how long is left, and who can lift it. */
function lockedMessage(username: string, minutes: number): string {
  const unit = minutes === 1 ? "minute" : "minutes";
  return `The account '${username}' is locked for another ${minutes} ${unit}, after 5 failed sign-ins. Try again then: it unlocks by itself. An owner or admin of your organization can unlock it sooner, in Members (or with \`sitebook member unlock ${username}\`).`;
}

function fail(code: ErrorCode, message: string): ApiError {
  return { code, message };
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

export function createFakeBackend(seed: FakeSeed = {}): FakeBackend {
  const users: FakeUser[] = copy(seed.users ?? []);
  const orgs: FakeOrg[] = copy(seed.orgs ?? []);
  const memberships: FakeMembership[] = copy(seed.memberships ?? []);
  const audit: AuditEntry[] = copy(seed.audit ?? []);
  let auditBreak = seed.auditBreak ?? null;
  const lastOrg: Record<string, string> = { ...(seed.lastOrg ?? {}) };
  const now = seed.now ?? (() => new Date());
  const device = seed.device ?? "fake-device";
  const dataDir = seed.dataDir ?? "/home/user/.local/share/sitebook";
  const latency = seed.latencyMs ?? 0;
  const failures = new Map<string, number[]>();
  const lockedUntil = new Map<string, number>();
  const queuedFailures = new Map<string, ApiError>();
  const calls: string[] = [];
  const estimates: FakeEstimate[] = copy(seed.estimates ?? []);
  const jobs: JobRecord[] = copy(seed.jobs ?? []).map((job) => ({ ...job, path: null, run: 0 }));
  const uploads: UploadRecord[] = [];
  const jobSubscribers = new Set<(event: JobEvent) => void>();
  const dropHandlers = new Set<FileDropHandlers>();
  const schedule = seed.schedule ?? ((next: () => void, ms: number) => void setTimeout(next, ms));
  const stepMs = seed.jobStepMs ?? 700;

  let signedIn: string | null = seed.signedIn ?? null;
  let activeCode: string | null = null;
  let nextAuditId = audit.reduce((max, entry) => Math.max(max, entry.id), 0) + 1;
  let nextJobId = jobs.reduce((max, job) => Math.max(max, job.id), 0) + 1;
  let nextEstimateId = estimates.reduce((max, e) => Math.max(max, e.detail.id), 0) + 1;
  let nextUploadId = 1;

  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const findUser = (username: string) => users.find((u) => same(u.username, username));
  const findOrg = (code: string) => orgs.find((o) => same(o.code, code));
  const membershipsOf = (username: string) =>
    memberships.filter(
      (m) => same(m.username, username) && m.active !== false && findOrg(m.orgCode)?.active !== false,
    );

  function writeAudit(entry: Omit<AuditEntry, "id" | "at" | "device" | "repeats">): void {
    audit.push({ ...entry, id: nextAuditId++, at: now().toISOString(), device, repeats: 1 });
  }

  function roleIn(user: FakeUser, org: FakeOrg): EffectiveRole | null {
    if (org.active === false) return null;
    if (user.kind !== "standard") return user.kind;
    const membership = membershipsOf(user.username).find((m) => same(m.orgCode, org.code));
    return membership ? membership.role : null;
  }

  function choices(user: FakeUser): OrgChoice[] {
    return orgs
      .map((org) => ({ org, role: roleIn(user, org) }))
      .filter((x): x is { org: FakeOrg; role: EffectiveRole } => x.role !== null)
      .map(({ org, role }) => ({
        code: org.code,
        name: org.name,
        slug: org.slug,
        orgType: org.orgType,
        plan: org.plan,
        role,
        active: activeCode !== null && same(org.code, activeCode),
        may: mayAs(role),
        readOnly: isReadOnly(role),
      }))
      .sort((a, b) => a.code.localeCompare(b.code));
  }

  /** DESIGN.md order: last used, then primary membership, then first membership, else none. */
  function resolveActive(user: FakeUser): string | null {
    const enterable = (code: string | undefined) => {
      if (code === undefined) return null;
      const org = findOrg(code);
      return org && roleIn(user, org) ? org.code : null;
    };
    const own = membershipsOf(user.username);
    return (
      enterable(lastOrg[user.username]) ??
      enterable(own.find((m) => m.primary)?.orgCode) ??
      enterable(own[0]?.orgCode) ??
      null
    );
  }

  function sessionOf(user: FakeUser): SessionView {
    const activeOrg = choices(user).find((c) => c.active) ?? null;
    return {
      user: { username: user.username, fullName: user.fullName, kind: user.kind },
      activeOrg,
      readOnly: activeOrg !== null && activeOrg.readOnly,
      mayGlobally: mayGloballyAs(user.kind),
    };
  }

  function currentUser(): FakeUser {
    const user = signedIn ? findUser(signedIn) : undefined;
    if (!user) throw fail("not_signed_in", "You are not signed in. Sign in to continue.");
    return user;
  }

  /** Whose audit rows the signed-in user may read: `null` for every org, or one org's code. */
  function auditScope(): string | null {
    const user = currentUser();
    if (mayGloballyAs(user.kind).includes("audit_view_all")) return null;
    const { org, role } = activeOrgFor(user);
    if (!permits(role, "audit_view")) {
      denyInOrg(user, org, "audit.list", `role ${role} cannot view the audit log`, `Your role in ${org.code} (${role}) cannot view the audit log.`);
    }
    return org.code;
  }

  function activeOrgFor(user: FakeUser): { org: FakeOrg; role: EffectiveRole } {
    const org = activeCode ? findOrg(activeCode) : undefined;
    const role = org ? roleIn(user, org) : null;
    if (!org || !role) {
      throw fail("no_active_org", "No organization is active. Choose one from the organization picker.");
    }
    return { org, role };
  }

  // ----------------------------------------------------------------------------- members

  const activeMembership = (org: FakeOrg, username: string) =>
    memberships.find((m) => same(m.orgCode, org.code) && same(m.username, username) && m.active !== false);
  const ownerCount = (org: FakeOrg) =>
    memberships.filter((m) => same(m.orgCode, org.code) && m.role === "owner" && m.active !== false).length;

  function memberAudit(
    user: FakeUser,
    org: FakeOrg,
    action: string,
    username: string,
    outcome: "success" | "denied",
    reason: string,
  ): Omit<AuditEntry, "id" | "at" | "device" | "repeats"> {
    return { username: user.username, orgCode: org.code, action, objectType: "user", objectId: username, outcome, reason };
  }

  function memberViewOf(org: FakeOrg, username: string): MemberView {
    const membership = activeMembership(org, username);
    const member = findUser(username);
    if (!membership || !member) throw fail("internal", `membership of '${username}' vanished`);
    return {
      username: member.username,
      fullName: member.fullName,
      role: membership.role,
      primary: membership.primary === true,
      active: member.active !== false,
      lockedUntil: lockEndOf(member.username),
    };
  }

  /** When the account's lockout ends (ISO, UTC), while it is locked. */
  function lockEndOf(username: string): string | null {
    const end = lockedUntil.get(username.toLowerCase());
    return end !== undefined && end > now().getTime() ? new Date(end).toISOString() : null;
  }

  /** Who may manage members is the core's `members_manage`; anyone but oversight may leave. */
  function requireMembersManager(action: string, username: string): { user: FakeUser; org: FakeOrg } {
    const user = currentUser();
    const { org, role } = activeOrgFor(user);
    const leaving = action === "member.remove" && same(username, user.username) && role !== "oversight";
    if (!leaving && !permits(role, "members_manage")) {
      writeAudit(memberAudit(user, org, action, username, "denied", `role ${role}`));
      throw fail("denied", `Your role in ${org.code} (${role}) does not allow you to add, remove or change members.`);
    }
    return { user, org };
  }

  /** Granting or revoking the owner role is the core's `owners_manage`. */
  function requireOwnersManager(user: FakeUser, org: FakeOrg, action: string, username: string): void {
    const role = roleIn(user, org);
    if (role === null || !permits(role, "owners_manage")) {
      writeAudit(memberAudit(user, org, action, username, "denied", `role ${role}`));
      throw fail("denied", `Your role in ${org.code} (${role}) does not allow you to grant or revoke the owner role.`);
    }
  }

  // -------------------------------------------------------------------------------- jobs

  const isActive = (status: JobStatus) => status === "queued" || status === "running";
  const stamp = () => now().toISOString();

  /** The person who started a job may cancel or retry it, and so may a role with `job_cancel_any`. */
  function mayManage(user: FakeUser, role: EffectiveRole, job: JobRecord): boolean {
    if (!permits(role, "job_retry")) return false;
    return same(job.username, user.username) || permits(role, "job_cancel_any");
  }

  function viewOf(job: JobRecord, user: FakeUser, role: EffectiveRole): JobView {
    const { orgCode: _org, path: _path, run: _run, retryable, errorCode, interrupted, ...view } = job;
    const manage = mayManage(user, role, job);
    return {
      ...view,
      errorCode: errorCode ?? null,
      canCancel: manage && isActive(job.status),
      canRetry: manage && retryable !== false && (job.status === "failed" || job.status === "cancelled"),
      interrupted: interrupted ?? false,
    };
  }

  /** Pushes a job's state to subscribers, as the core does, for the active org's jobs only. */
  function emitJob(job: JobRecord): void {
    if (activeCode === null || !same(job.orgCode, activeCode)) return;
    const event: JobEvent = { jobId: job.id, status: job.status, progress: job.progress, currentStep: job.currentStep };
    for (const handler of [...jobSubscribers]) handler({ ...event });
  }

  /** Queues the job's next run; a cancel or retry bumps `run`, so stale steps do nothing. */
  function queueRun(job: JobRecord): void {
    job.run++;
    const run = job.run;
    schedule(() => startJob(job, run), stepMs);
  }

  function startJob(job: JobRecord, run: number): void {
    if (job.run !== run || job.status !== "queued") return;
    job.status = "running";
    job.attempts++;
    job.startedAt = stamp();
    job.progress = 0;
    job.currentStep = "Started";
    emitJob(job);
    schedule(() => advanceJob(job, run, 0), stepMs);
  }

  function advanceJob(job: JobRecord, run: number, index: number): void {
    if (job.run !== run || job.status !== "running") return;
    const [progress, step] = PARSE_STEPS[index] ?? [100, "Done"];
    const failure = fakeFailure(job.fileName ?? "");
    if (failure && failure.step === index && (!failure.transient || job.attempts === 1)) {
      job.errorLog.push({ at: stamp(), attempt: job.attempts, step, error: failure.message });
      if (failure.transient && job.attempts < MAX_ATTEMPTS) {
        job.status = "queued";
        job.progress = 0;
        job.currentStep = "Waiting to retry";
        emitJob(job);
        queueRun(job);
        return;
      }
      job.status = "failed";
      job.errorMessage = failure.message;
      job.completedAt = stamp();
      job.retryable = failure.transient;
      job.errorCode = failure.code ?? null;
      setUploadStatus(job, "failed");
      emitJob(job);
      return;
    }
    if (step === "Stored" && job.estimateId === null) {
      const detail = fakeParse(nextEstimateId++, job.fileName ?? "estimate.xlsx", stamp());
      estimates.push({ orgCode: job.orgCode, detail });
      job.estimateId = detail.id;
    }
    job.progress = progress;
    job.currentStep = step;
    if (index >= PARSE_STEPS.length - 1) {
      job.status = "completed";
      job.completedAt = stamp();
      setUploadStatus(job, "completed");
      emitJob(job);
      return;
    }
    emitJob(job);
    schedule(() => advanceJob(job, run, index + 1), stepMs);
  }

  function setUploadStatus(job: JobRecord, status: UploadRecord["status"]): void {
    const upload = uploads.find((u) => u.jobId === job.id);
    if (upload) upload.status = status;
  }

  function findJob(org: FakeOrg, id: number): JobRecord {
    const job = jobs.find((j) => j.id === id && same(j.orgCode, org.code));
    if (!job) throw fail("not_found", `There is no job #${id} in ${org.code}.`);
    return job;
  }

  function guardJobChange(user: FakeUser, org: FakeOrg, role: EffectiveRole, job: JobRecord, action: string): void {
    if (mayManage(user, role, job)) return;
    writeAudit({
      username: user.username,
      orgCode: org.code,
      action: `job.${action}`,
      objectType: "job",
      objectId: String(job.id),
      outcome: "denied",
      reason: isReadOnly(role) ? `role ${role} is read-only` : "not the job's owner",
    });
    throw fail(
      "denied",
      isReadOnly(role)
        ? `Your role in ${org.code} (${role}) cannot change jobs.`
        : `Only the person who started job #${job.id}, or an owner or admin of ${org.code}, can ${action} it.`,
    );
  }

  /** Refuses (and audits) a write by a read-only role in the active org, as the gate does. */
  function refuseReadOnly(user: FakeUser, action: string, what: string): void {
    const { org, role } = activeOrgFor(user);
    if (!isReadOnly(role)) return;
    denyInOrg(user, org, action, `role ${role} is read-only`, `Your role in ${org.code} (${role}) is read-only: it cannot ${what}.`);
  }

  /** Audits a refused action on `org` as the gate does, then refuses it in the person's words. */
  function denyInOrg(user: FakeUser, org: FakeOrg, action: string, reason: string, message: string): never {
    writeAudit({ username: user.username, orgCode: org.code, action, objectType: "organization", objectId: org.code, outcome: "denied", reason });
    throw fail("denied", message);
  }

  /** Cancelling or retrying one of the active org's jobs: refused (and audited) as the gate would. */
  function changeJob(command: string, action: "cancel" | "retry", id: number, change: (job: JobRecord) => void): Promise<JobView> {
    return run(command, () => {
      const user = currentUser();
      const { org, role } = activeOrgFor(user);
      const job = findJob(org, id);
      guardJobChange(user, org, role, job, action);
      change(job);
      return viewOf(job, user, role);
    });
  }

  async function run<T>(command: string, body: () => T): Promise<T> {
    calls.push(command);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const queued = queuedFailures.get(command);
    if (queued) {
      queuedFailures.delete(command);
      throw copy(queued);
    }
    return copy(body());
  }

  if (signedIn) {
    const user = findUser(signedIn);
    activeCode = user ? resolveActive(user) : null;
  }

  /** A job that already completed, as the documents side and the example record them. */
  function recordCompletedJob(kind: JobKind, estimateId: number, fileName: string | null): number {
    const user = currentUser();
    const { org } = activeOrgFor(user);
    const at = stamp();
    const job: JobRecord = {
      ...completedJob({ id: nextJobId++, orgCode: org.code, kind, fileName, username: user.username, estimateId, startedAt: at, completedAt: at }),
      path: null,
      run: 0,
    };
    jobs.push(job);
    emitJob(job);
    return job.id;
  }

  /** The documents side of the fake: completed jobs appear at once, with their outputs. */
  const documents = createFakeDocuments({
    estimate(id) {
      const { org } = activeOrgFor(currentUser());
      const found = estimates.find((e) => e.detail.id === id && same(e.orgCode, org.code));
      if (!found) throw fail("not_found", `There is no estimate #${id} in ${org.code}.`);
      return { orgCode: org.code, detail: found.detail };
    },
    orgCode() {
      return activeOrgFor(currentUser()).org.code;
    },
    requireWriter(what) {
      refuseReadOnly(currentUser(), "document.generate", what);
    },
    completedJob(kind, estimateId, label) {
      return recordCompletedJob(kind, estimateId, label);
    },
    now: stamp,
  });

  const documentCommands: Pick<
    Backend,
    | "getWorkForm"
    | "saveWorkForm"
    | "listBills"
    | "listWorkslips"
    | "billDraft"
    | "previewBill"
    | "createBill"
    | "workslipDraft"
    | "previewWorkslip"
    | "createWorkslip"
    | "requestAbstract"
    | "withdrawDocument"
    | "listOutputs"
    | "jobFiles"
    | "readOutput"
    | "openOutput"
    | "saveOutputAs"
  > = {
    getWorkForm: (estimateId) => run("get_work_form", () => documents.workForm(estimateId)),
    saveWorkForm: (estimateId, form) => run("save_work_form", () => documents.saveWorkForm(estimateId, form)),
    listBills: (estimateId) => run("list_bills", () => documents.bills(estimateId)),
    listWorkslips: (estimateId) => run("list_workslips", () => documents.workslips(estimateId)),
    billDraft: (estimateId) => run("bill_draft", () => documents.billDraft(estimateId)),
    previewBill: (estimateId, isFinal, entries, recoveries) =>
      run("preview_bill", () => documents.previewBill(estimateId, isFinal, entries, recoveries)),
    createBill: (estimateId, isFinal, entries, recoveries) =>
      run("create_bill", () => documents.createBill(estimateId, isFinal, entries, recoveries)),
    workslipDraft: (estimateId) => run("workslip_draft", () => documents.workslipDraft(estimateId)),
    previewWorkslip: (estimateId, entries, supplemental, rates) =>
      run("preview_workslip", () => documents.previewWorkslip(estimateId, entries, supplemental, rates)),
    createWorkslip: (estimateId, entries, supplemental, rates) =>
      run("create_workslip", () => documents.createWorkslip(estimateId, entries, supplemental, rates)),
    requestAbstract: (estimateId) => run("request_abstract", () => documents.requestAbstract(estimateId)),
    withdrawDocument: (estimateId, document, number, reason) =>
      run("withdraw_document", () => documents.withdrawDocument(estimateId, document, number, reason)),
    // Once the fake's sync has sent a file, it lists as synced, as the core's outbox says.
    listOutputs: (jobId) =>
      run("list_outputs", () =>
        documents.outputs(jobId).map((o) => (settingsCommands.isSynced(o.id) ? { ...o, syncState: "synced" as const } : o)),
      ),
    jobFiles: (jobId) => run("job_files", () => documents.jobFiles(jobId)),
    readOutput: async (id) => {
      const bytes = await run("read_output", () => documents.read(id));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
    openOutput: (id) => run("open_output", () => void documents.read(id)),
    saveOutputAs: (id, suggestedName) => run("save_output_as", () => documents.saveAs(id, suggestedName)),
  };

  /** Sync and inbox settings: kept per org and per device, with the gate's read-only rule. */
  const settingsCommands = createFakeSettings({
    run,
    orgCode: () => activeOrgFor(currentUser()).org.code,
    username: () => currentUser().username,
    requireWriter(what) {
      refuseReadOnly(currentUser(), "sync.configure", what);
    },
    outputs: () => documents.outputs(null),
    isSuperuser: () => currentUser().kind === "superuser",
    managesActiveOrg: () => ["owner", "admin", "operations", "superuser"].includes(activeOrgFor(currentUser()).role),
    now: stamp,
  });

  return {
    ...documentCommands,
    ...settingsCommands,
    calls,
    failNext(command, error) {
      queuedFailures.set(command, error);
    },
    loseOutputFile(id) {
      documents.lose(id);
    },
    removeOutputByCleanup(id) {
      documents.removeByCleanup(id);
    },

    appStatus: () =>
      run("app_status", () => {
        const user = signedIn ? findUser(signedIn) : undefined;
        return { needsSetup: users.length === 0, session: user ? sessionOf(user) : null, dataDir, device };
      }),

    firstScreenShown: () => run("first_screen_shown", () => undefined),

    createFirstAccount: ({ username, fullName, password }) =>
      run("create_first_account", () => {
        if (users.length > 0) {
          throw fail("validation", "This device already has accounts. Sign in instead.");
        }
        const name = username.trim().toLowerCase();
        if (!USERNAME_RULE.test(name)) {
          throw fail(
            "validation",
            "Username must be 2 to 32 characters: lowercase letters, digits, dot, dash or underscore.",
          );
        }
        if (fullName.trim() === "") throw fail("validation", "Full name is required.");
        if (password.length < MIN_PASSWORD) {
          throw fail("validation", `Password must be at least ${MIN_PASSWORD} characters.`);
        }
        const user: FakeUser = { username: name, fullName: fullName.trim(), kind: "superuser", password };
        users.push(user);
        const firstName = user.fullName.split(/\s+/)[0] ?? user.fullName;
        const code = `${name.toUpperCase()}-PERSONAL`;
        orgs.push({ code, name: `${firstName}'s Organization`, slug: name, orgType: "personal", plan: "free" });
        memberships.push({ username: name, orgCode: code, role: "owner", primary: true });
        signedIn = name;
        activeCode = code;
        writeAudit({
          username: name,
          orgCode: null,
          action: "account.create",
          objectType: "user",
          objectId: name,
          outcome: "success",
          reason: "first account on this device",
        });
        return sessionOf(user);
      }),

    signIn: ({ username, password }) =>
      run("sign_in", () => {
        const at = now().getTime();
        const user = findUser(username.trim());
        const key = username.trim().toLowerCase();
        // Each failed or refused attempt is audited under the name typed, known or not.
        const auditAttempt = (action: string, outcome: AuditEntry["outcome"], reason: string) =>
          writeAudit({ username: user?.username ?? null, orgCode: null, action, objectType: "user", objectId: key, outcome, reason });
        const lockEnd = lockedUntil.get(key);
        if (lockEnd !== undefined && lockEnd > at) {
          const minutes = Math.max(1, Math.ceil((lockEnd - at) / 60000));
          auditAttempt("session.sign_in", "denied", "account locked");
          throw fail(
            "account_locked",
            lockedMessage(key, minutes),
          );
        }
        if (!user || user.active === false || user.password !== password) {
          const recent = (failures.get(key) ?? []).filter((t) => at - t < LOCK_WINDOW_MS);
          recent.push(at);
          failures.set(key, recent);
          auditAttempt("session.sign_in", "failure", "wrong username or password");
          if (recent.length >= LOCK_AFTER_FAILURES) {
            lockedUntil.set(key, at + LOCK_WINDOW_MS);
            failures.delete(key);
            auditAttempt("session.lockout", "denied", `${LOCK_AFTER_FAILURES} failed sign-ins within 15 minutes`);
            throw fail(
              "account_locked",
              lockedMessage(key, LOCK_WINDOW_MS / 60000),
            );
          }
          throw fail("auth_failed", "The username or password is wrong.");
        }
        failures.delete(key);
        if (user.mustChangePassword) {
          auditAttempt("sign_in", "failure", "password change required");
          throw fail(
            "password_change_required",
            `The password of '${user.username}' was set by an administrator: choose a new one to sign in.`,
          );
        }
        signedIn = user.username;
        activeCode = resolveActive(user);
        writeAudit({
          username: user.username,
          orgCode: activeCode,
          action: "session.sign_in",
          objectType: "user",
          objectId: user.username,
          outcome: "success",
          reason: null,
        });
        return sessionOf(user);
      }),

    changePassword: ({ username, currentPassword, newPassword }) =>
      run("change_password", () => {
        const user = findUser(username.trim());
        if (currentPassword === newPassword) {
          throw fail("validation", "The new password is the same as the current one; choose another.");
        }
        if ([...newPassword].length < 8) throw fail("validation", "The password must have at least 8 characters.");
        if (!user || user.active === false || user.password !== currentPassword) {
          throw fail("auth_failed", "The username or password is wrong.");
        }
        user.password = newPassword;
        user.mustChangePassword = false;
        signedIn = user.username;
        activeCode = resolveActive(user);
        writeAudit({
          username: user.username,
          orgCode: null,
          action: "password.change",
          objectType: null,
          objectId: null,
          outcome: "success",
          reason: null,
        });
        return sessionOf(user);
      }),

    signOut: () =>
      run("sign_out", () => {
        if (signedIn) {
          writeAudit({
            username: signedIn,
            orgCode: activeCode,
            action: "session.sign_out",
            objectType: "user",
            objectId: signedIn,
            outcome: "success",
            reason: null,
          });
        }
        signedIn = null;
        activeCode = null;
        return undefined;
      }),

    listOrgs: () => run("list_orgs", () => choices(currentUser())),

    createOrg: (code, name, orgType) =>
      run("create_org", () => {
        const user = currentUser();
        const trimmed = code.trim();
        if (!mayGloballyAs(user.kind).includes("org_create")) {
          writeAudit({ username: user.username, orgCode: null, action: "org.create", objectType: "organization", objectId: trimmed, outcome: "denied", reason: `${user.kind} account` });
          throw fail("denied", `Your account (${user.kind}) may not create organizations. Only a superuser can.`);
        }
        if (!/^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$/.test(trimmed)) {
          throw fail("validation", `Organization code '${trimmed}' must be 2 to 32 letters, digits, '-' or '_', starting with a letter or digit.`);
        }
        if (orgType === "personal") {
          throw fail("validation", `A personal organization is made only with its account; create '${trimmed}' as one of ministry, office, agency, special, commission, company.`);
        }
        if (name.trim() === "") throw fail("validation", "The organization's name must not be empty.");
        if (findOrg(trimmed)) throw fail("conflict", `An organization with the code '${trimmed}' already exists (codes ignore case).`);
        orgs.push({ code: trimmed, name: name.trim(), slug: trimmed.toLowerCase(), orgType, plan: "free" });
        writeAudit({ username: user.username, orgCode: trimmed, action: "org.create", objectType: "organization", objectId: trimmed, outcome: "success", reason: null });
      }),

    renameOrg: (name) =>
      run("org_rename", () => {
        const user = currentUser();
        const { org, role } = activeOrgFor(user);
        if (!permits(role, "org_rename")) {
          writeAudit({ username: user.username, orgCode: org.code, action: "org.rename", objectType: null, objectId: null, outcome: "denied", reason: `role ${role} may not rename this organization` });
          throw fail("denied", `Your role in ${org.code} (${role}) does not allow you to rename this organization.`);
        }
        // The core's rules for a display name (domain/names.rs), the ones the window meets.
        const trimmed = name.trim();
        if (trimmed === "") throw fail("validation", "The organization's new name is empty.");
        if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
          throw fail("validation", "The organization's new name holds a line break, tab or other control character.");
        }
        if (trimmed !== org.name) {
          writeAudit({ username: user.username, orgCode: org.code, action: "org.rename", objectType: "organization", objectId: org.code, outcome: "success", reason: `from "${org.name}" to "${trimmed}"` });
          org.name = trimmed;
        }
        const members = memberships.filter((m) => same(m.orgCode, org.code) && m.active !== false).length;
        return { code: org.code, name: org.name, slug: org.slug, orgType: org.orgType, plan: org.plan, active: org.active !== false, memberCount: members, role };
      }),

    switchOrg: (code) =>
      run("switch_org", () => {
        const user = currentUser();
        const org = findOrg(code.trim());
        if (!org || org.active === false) {
          writeAudit({
            username: user.username,
            orgCode: null,
            action: "org.switch",
            objectType: "organization",
            objectId: code,
            outcome: "denied",
            reason: "no such organization",
          });
          if (user.kind === "standard") throw fail("denied", notTheirs(code));
          throw fail("not_found", `No organization has the code '${code.trim()}'.`);
        }
        if (!roleIn(user, org)) {
          // The same words as for an unknown code: refusals do not map which orgs exist.
          denyInOrg(user, org, "org.switch", "not a member", notTheirs(code));
        }
        activeCode = org.code;
        lastOrg[user.username] = org.code;
        writeAudit({
          username: user.username,
          orgCode: org.code,
          action: "org.switch",
          objectType: "organization",
          objectId: org.code,
          outcome: "success",
          reason: null,
        });
        return sessionOf(user);
      }),

    addMember: (username, role) =>
      run("add_member", () => {
        const { user, org } = requireMembersManager("member.add", username);
        const target = findUser(username);
        if (!target) throw fail("not_found", `No account named '${username.trim()}' exists.`);
        if (role === "owner") requireOwnersManager(user, org, "member.add", target.username);
        const existing = activeMembership(org, target.username);
        if (existing) {
          throw fail(
            "conflict",
            `'${target.username}' is already a member of ${org.code} (role ${existing.role}). Change their role in the list instead.`,
          );
        }
        memberships.push({ username: target.username, orgCode: org.code, role });
        writeAudit(memberAudit(user, org, "member.add", target.username, "success", `role ${role}`));
        return memberViewOf(org, target.username);
      }),

    createMemberAccount: ({ username, fullName, password }, role) =>
      run("create_member_account", () => {
        const { user, org } = requireMembersManager("account.create", username);
        if (role === "owner") requireOwnersManager(user, org, "account.create", username);
        const name = username.trim().toLowerCase();
        if (!USERNAME_RULE.test(name)) {
          throw fail(
            "validation",
            `Username '${username.trim()}' must be 2 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
          );
        }
        if (findUser(name)) throw fail("conflict", `An account named '${name}' already exists.`);
        if (fullName.trim() === "") throw fail("validation", "Full name is required.");
        if (password.length < MIN_PASSWORD) {
          throw fail("validation", `The password must have at least ${MIN_PASSWORD} characters.`);
        }
        users.push({ username: name, fullName: fullName.trim(), kind: "standard", password });
        memberships.push({ username: name, orgCode: org.code, role });
        writeAudit(memberAudit(user, org, "account.create", name, "success", `kind standard, role ${role}`));
        return memberViewOf(org, name);
      }),

    setMemberRole: (username, role) =>
      run("set_member_role", () => {
        const { user, org } = requireMembersManager("member.role", username);
        const membership = activeMembership(org, username);
        if (!membership) throw fail("not_found", `'${username}' is not a member of ${org.code}.`);
        if (membership.role === role) return memberViewOf(org, membership.username);
        if (membership.role === "owner" || role === "owner") {
          requireOwnersManager(user, org, "member.role", membership.username);
        }
        if (membership.role === "owner" && ownerCount(org) <= 1) {
          writeAudit(memberAudit(user, org, "member.role", membership.username, "denied", "last owner"));
          throw fail(
            "denied",
            `'${membership.username}' is the last owner of ${org.code}, so they cannot be demoted. Make someone else an owner first.`,
          );
        }
        const before = membership.role;
        membership.role = role;
        writeAudit(memberAudit(user, org, "member.role", membership.username, "success", `${before} -> ${role}`));
        return memberViewOf(org, membership.username);
      }),

    unlockMember: (username) =>
      run("unlock_member", () => {
        const { user, org } = requireMembersManager("member.unlock", username);
        const membership = activeMembership(org, username);
        if (!membership) throw fail("not_found", `'${username}' is not a member of ${org.code}.`);
        const end = lockEndOf(membership.username);
        const key = membership.username.toLowerCase();
        lockedUntil.delete(key);
        failures.delete(key);
        writeAudit(
          memberAudit(user, org, "member.unlock", membership.username, "success", end ? `locked until ${end}` : "was not locked"),
        );
        return end !== null;
      }),

    resetMemberPassword: (username, temporaryPassword) =>
      run("reset_member_password", () => {
        const { user, org } = requireMembersManager("member.password_reset", username);
        const membership = activeMembership(org, username);
        if (!membership) throw fail("not_found", `'${username}' is not a member of ${org.code}.`);
        if (same(membership.username, user.username)) {
          throw fail("validation", "To change your own password, use Change password; a reset is for someone else's.");
        }
        if ([...temporaryPassword].length < 8) throw fail("validation", "The password must have at least 8 characters.");
        const target = findUser(membership.username);
        if (target) {
          target.password = temporaryPassword;
          target.mustChangePassword = true;
        }
        lockedUntil.delete(membership.username.toLowerCase());
        failures.delete(membership.username.toLowerCase());
        writeAudit(
          memberAudit(user, org, "member.password_reset", membership.username, "success", "to be changed at the next sign-in"),
        );
      }),

    removeMember: (username) =>
      run("remove_member", () => {
        const { user, org } = requireMembersManager("member.remove", username);
        const membership = activeMembership(org, username);
        if (!membership) throw fail("not_found", `'${username}' is not a member of ${org.code}.`);
        const leaving = same(membership.username, user.username);
        if (membership.role === "owner" && !leaving) {
          requireOwnersManager(user, org, "member.remove", membership.username);
        }
        if (membership.role === "owner" && ownerCount(org) <= 1) {
          writeAudit(memberAudit(user, org, "member.remove", membership.username, "denied", "last owner"));
          throw fail(
            "denied",
            `'${membership.username}' is the last owner of ${org.code} and cannot ${leaving ? "leave" : "be removed"}. Make someone else an owner first.`,
          );
        }
        memberships.splice(memberships.indexOf(membership), 1);
        writeAudit(memberAudit(user, org, "member.remove", membership.username, "success", `was ${membership.role}`));
      }),

    listMembers: () =>
      run("list_members", () => {
        const user = currentUser();
        const { org, role } = activeOrgFor(user);
        if (!permits(role, "members_view")) {
          denyInOrg(user, org, "members.list", `role ${role} cannot list members`, `Your role in ${org.code} (${role}) cannot see its members.`);
        }
        return memberships
          .filter((m) => same(m.orgCode, org.code))
          .map((m): MemberView => {
            const member = findUser(m.username);
            return {
              username: m.username,
              fullName: member?.fullName ?? m.username,
              role: m.role,
              primary: m.primary === true,
              active: m.active !== false && member?.active !== false,
              lockedUntil: lockEndOf(m.username),
            };
          })
          .sort((a, b) => a.fullName.localeCompare(b.fullName));
      }),

    listAudit: ({ deniedOnly, limit }) =>
      run("list_audit", () => {
        const scope = auditScope();
        return audit
          .filter((e) => scope === null || (e.orgCode !== null && same(e.orgCode, scope)))
          .filter((e) => !deniedOnly || e.outcome === "denied")
          .sort((a, b) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1))
          .slice(0, Math.max(0, limit));
      }),

    verifyAudit: () =>
      run("verify_audit", (): AuditVerification => {
        auditScope();
        const broken = auditBreak;
        const ids = audit.map((e) => e.id);
        const headId = ids.length ? Math.max(...ids) : null;
        return {
          // An anchor's break (a lost file) leaves every entry linked; a chain's break, those before it.
          verified: broken && !/anchor/i.test(broken.reason) ? ids.filter((id) => id < broken.id).length : ids.length,
          beforeChain: 0,
          headId,
          anchor: null,
          broken,
        };
      }),

    reanchorAudit: (reason) =>
      run("reanchor_audit", (): AuditAnchor => {
        const user = currentUser();
        if (!mayGloballyAs(user.kind).includes("audit_reanchor")) {
          writeAudit({ username: user.username, orgCode: null, action: "audit.reanchor", objectType: null, objectId: null, outcome: "denied", reason: `${user.kind} account` });
          throw fail("denied", `Your account (${user.kind}) may not anchor the audit log afresh. Only a superuser can.`);
        }
        const said = reason.trim();
        if (said.length < 10 || said.length > 500 || /[\u0000-\u001f]/.test(said)) {
          throw fail("validation", "Say on one line, in 10 to 500 characters, why the audit log is accepted as it stands. It is kept in the log.");
        }
        // Like the core: a break of the anchor (lost or unreadable file) may be accepted, a break
        // of the chain itself may not.
        if (auditBreak && !/anchor/i.test(auditBreak.reason)) {
          throw fail("precondition_failed", `The log's own chain is broken at entry ${auditBreak.id} (${auditBreak.reason}); a new anchor would hide that, so none was written.`);
        }
        auditBreak = null;
        writeAudit({ username: user.username, orgCode: null, action: "audit.reanchor", objectType: null, objectId: null, outcome: "success", reason: `${said} (replacing a missing anchor file)` });
        const head = Math.max(...audit.map((e) => e.id));
        return { id: head, hash: "f".repeat(64), at: now().toISOString() };
      }),

    importExample: () =>
      run("import_example", () => {
        const user = currentUser();
        const { org } = activeOrgFor(user);
        refuseReadOnly(user, "upload.create", "import workbooks");
        let example = estimates.find((e) => same(e.orgCode, org.code) && e.detail.fileName === EXAMPLE_FILE_NAME);
        if (!example) {
          example = { orgCode: org.code, detail: fakeExample(nextEstimateId++, EXAMPLE_FILE_NAME, stamp()) };
          estimates.push(example);
          recordCompletedJob("parse_estimate", example.detail.id, EXAMPLE_FILE_NAME);
        }
        const id = example.detail.id;
        const first = documents.bills(id).find((bill) => bill.number === 1);
        if (first && first.jobId !== null) {
          return { number: 1, jobId: first.jobId, inputsSha256: first.inputsSha256, warnings: [], capsFrom: null };
        }
        const entries = documents
          .billDraft(id)
          .items.map((item) => ({ slNo: item.slNo, quantity: item.suggestedQuantity }));
        return documents.createBill(id, false, entries, []);
      }),

    chooseWorkbooks: () => run("choose_workbooks", () => seed.chosenWorkbooks ?? ["/home/user/Estimates/ward12.xlsx"]),
    uploadFiles: (paths) =>
      run("upload_files", () => {
        const user = currentUser();
        const { org } = activeOrgFor(user);
        refuseReadOnly(user, "upload.create", "import workbooks");
        return paths.map((path): UploadOutcome => {
          const fileName = baseName(path);
          if (!ACCEPTED_WORKBOOK.test(fileName)) {
            return {
              fileName,
              jobId: null,
              uploadId: null,
              duplicate: false, readAgain: false,
              error: {
                code: "validation",
                message: `${fileName} is not an estimate workbook. Only .xlsx, .xlsm, .xls and .ods files can be imported.`,
              },
            };
          }
          // The fake has no file contents: the same path stands for the same content.
          const existing = uploads.find((u) => same(u.orgCode, org.code) && u.path === path);
          if (existing) {
            return { fileName, jobId: null, uploadId: existing.id, duplicate: true, readAgain: false, error: null };
          }
          const job: JobRecord = {
            id: nextJobId++,
            kind: "parse_estimate",
            status: "queued",
            progress: 0,
            currentStep: "Queued",
            fileName,
            errorMessage: null,
            errorLog: [],
            attempts: 0,
            createdAt: stamp(),
            startedAt: null,
            completedAt: null,
            username: user.username,
            source: "upload",
            estimateId: null,
            orgCode: org.code,
            path,
            run: 0,
          };
          const upload: UploadRecord = { id: nextUploadId++, orgCode: org.code, path, jobId: job.id, status: "pending" };
          jobs.push(job);
          uploads.push(upload);
          writeAudit({
            username: user.username,
            orgCode: org.code,
            action: "upload.create",
            objectType: "upload",
            objectId: String(upload.id),
            outcome: "success",
            reason: null,
          });
          queueRun(job);
          return { fileName, jobId: job.id, uploadId: upload.id, duplicate: false, readAgain: false, error: null };
        });
      }),

    listJobs: () =>
      run("list_jobs", () => {
        const user = currentUser();
        const { org, role } = activeOrgFor(user);
        return jobs
          .filter((j) => same(j.orgCode, org.code))
          .sort((a, b) => b.id - a.id)
          .map((j) => viewOf(j, user, role));
      }),

    cancelJob: (id) =>
      changeJob("cancel_job", "cancel", id, (job) => {
        if (!isActive(job.status)) {
          throw fail("validation", `Job #${id} has already ${job.status === "cancelled" ? "been cancelled" : job.status}; there is nothing to cancel.`);
        }
        job.run++;
        job.status = "cancelled";
        job.currentStep = "Cancelled";
        job.completedAt = stamp();
        setUploadStatus(job, "failed");
        emitJob(job);
      }),

    retryJob: (id) =>
      changeJob("retry_job", "retry", id, (job) => {
        // As in the core: a completed job makes its lost files again (the fake's jobs complete
        // at once).
        if (job.status === "completed" && documents.isWithdrawn(id)) {
          throw fail("precondition_failed", `Job ${id} made a document that was withdrawn; its files are kept as they were and are not made again.`);
        }
        if (job.status === "completed" && documents.makeAgain(id)) return;
        if (job.status === "completed" && job.kind !== "restore_outputs") {
          throw fail("precondition_failed", `Job ${id} is completed and its files are all here; there is nothing to make again.`);
        }
        if (job.status !== "failed" && job.status !== "cancelled") {
          throw fail("validation", `Job #${id} is ${job.status}; only a failed or cancelled job can be retried.`);
        }
        if (job.status === "failed" && job.retryable === false) {
          throw fail(
            "precondition_failed",
            `Job ${id} failed because of its file, and reading the same file again would fail the same way. Fix the workbook and upload it again.`,
          );
        }
        job.status = "queued";
        job.progress = 0;
        job.currentStep = "Queued";
        job.errorMessage = null;
        job.errorCode = null;
        job.startedAt = null;
        job.completedAt = null;
        emitJob(job);
        queueRun(job);
      }),

    listEstimates: () =>
      run("list_estimates", () => {
        const { org } = activeOrgFor(currentUser());
        return estimates
          .filter((e) => same(e.orgCode, org.code))
          .map((e) => summarize(e.detail))
          .sort((a, b) => (a.createdAt === b.createdAt ? b.id - a.id : a.createdAt < b.createdAt ? 1 : -1));
      }),

    getEstimate: (id) =>
      run("get_estimate", () => {
        const { org } = activeOrgFor(currentUser());
        const found = estimates.find((e) => e.detail.id === id && same(e.orgCode, org.code));
        if (!found) throw fail("not_found", `There is no estimate #${id} in ${org.code}.`);
        return found.detail;
      }),

    async subscribeJobs(handler) {
      calls.push("subscribe_jobs");
      currentUser();
      jobSubscribers.add(handler);
      return () => {
        jobSubscribers.delete(handler);
      };
    },

    async onFileDrop(handlers) {
      dropHandlers.add(handlers);
      return () => {
        dropHandlers.delete(handlers);
      };
    },

    dragEnter() {
      for (const h of [...dropHandlers]) h.enter();
    },
    dragLeave() {
      for (const h of [...dropHandlers]) h.leave();
    },
    drop(paths) {
      for (const h of [...dropHandlers]) h.drop([...paths]);
    },
  };
}
