import type { ApiError } from "./bindings/ApiError";
import { beforeEach, describe, expect, it, vi } from "vitest";

const invokeMock = vi.hoisted(() => vi.fn());
const listenMock = vi.hoisted(() => vi.fn());
const FakeChannel = vi.hoisted(
  () =>
    class FakeChannel<T> {
      constructor(public onmessage: (message: T) => void) {}
    },
);
vi.mock("@tauri-apps/api/core", () => ({ invoke: invokeMock, isTauri: () => false, Channel: FakeChannel }));
vi.mock("@tauri-apps/api/event", () => ({ listen: listenMock }));

import { createTauriBackend, dropPaths, tauriBackend, toApiError } from "./backend";
import { createFakeBackend, PARSE_STEPS, type FakeSeed } from "./fake/backend";
import type { JobEvent } from "./bindings/JobEvent";
import { DEMO_PASSWORD, demoSeed, firstRunSeed } from "./fake/demoSeed";
import { manualTimer } from "./test/fixtures";

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("toApiError", () => {
  it("keeps {code, message} as it is", () => {
    expect(toApiError({ code: "denied", message: "No.", extra: 1 })).toEqual({ code: "denied", message: "No." });
  });
  it("reads a JSON string, and treats any other string as internal", () => {
    expect(toApiError('{"code":"auth_failed","message":"Wrong."}')).toEqual({ code: "auth_failed", message: "Wrong." });
    expect(toApiError("command sign_in not found")).toEqual({ code: "internal", message: "command sign_in not found" });
  });
  it("turns exceptions and oddities into internal errors with a message", () => {
    expect(toApiError(new TypeError("x is undefined"))).toEqual({ code: "internal", message: "x is undefined" });
    expect(toApiError(undefined).code).toBe("internal");
    expect(toApiError(undefined).message).not.toBe("");
  });
});

describe("dropPaths", () => {
  it("takes the string paths of a drop payload and ignores anything else", () => {
    expect(dropPaths({ paths: ["/a.xlsx", 3, "", "/b.ods"], position: { x: 0, y: 0 } })).toEqual(["/a.xlsx", "/b.ods"]);
    expect(dropPaths({ position: { x: 0, y: 0 } })).toEqual([]);
    expect(dropPaths(null)).toEqual([]);
    expect(dropPaths("x")).toEqual([]);
  });
});

describe("tauriBackend", () => {
  beforeEach(() => {
    invokeMock.mockReset();
    listenMock.mockReset();
  });

  it("calls the documented commands with camelCase arguments", async () => {
    invokeMock.mockResolvedValue([]);
    await tauriBackend.listAudit({ deniedOnly: true, limit: 50 });
    await tauriBackend.switchOrg("MOH");
    await tauriBackend.createFirstAccount({ username: "a", fullName: "A B", password: "p" });
    await tauriBackend.signIn({ username: "a", password: "p" });
    await tauriBackend.signOut();
    await tauriBackend.listOrgs();
    await tauriBackend.listMembers();
    await tauriBackend.appStatus();
    expect(invokeMock.mock.calls).toEqual([
      ["list_audit", { deniedOnly: true, limit: 50 }],
      ["switch_org", { code: "MOH" }],
      ["create_first_account", { username: "a", fullName: "A B", password: "p" }],
      ["sign_in", { username: "a", password: "p" }],
      ["sign_out", undefined],
      ["list_orgs", undefined],
      ["list_members", undefined],
      ["app_status", undefined],
    ]);
  });

  it("calls the ingestion commands with camelCase arguments", async () => {
    invokeMock.mockResolvedValue([]);
    await tauriBackend.uploadFiles(["/home/a/ward12.xlsx", "/home/a/b.ods"]);
    await tauriBackend.listJobs();
    await tauriBackend.cancelJob(4);
    await tauriBackend.retryJob(5);
    await tauriBackend.listEstimates();
    await tauriBackend.getEstimate(2);
    expect(invokeMock.mock.calls).toEqual([
      ["upload_files", { paths: ["/home/a/ward12.xlsx", "/home/a/b.ods"] }],
      ["list_jobs", undefined],
      ["cancel_job", { id: 4 }],
      ["retry_job", { id: 5 }],
      ["list_estimates", undefined],
      ["get_estimate", { id: 2 }],
    ]);
  });

  it("opens one job channel per window and hands its events to every subscriber until it leaves", async () => {
    const backend = createTauriBackend();
    invokeMock.mockResolvedValue(null);
    const first: JobEvent[] = [];
    const second: JobEvent[] = [];
    const stopFirst = await backend.subscribeJobs((e) => first.push(e));
    await backend.subscribeJobs((e) => second.push(e));
    expect(invokeMock).toHaveBeenCalledTimes(1); // the shell keeps one subscription per window
    const [command, args] = invokeMock.mock.calls[0] as [string, { onEvent: InstanceType<typeof FakeChannel<JobEvent>> }];
    expect(command).toBe("subscribe_jobs");
    expect(Object.keys(args)).toEqual(["onEvent"]);
    expect(args.onEvent).toBeInstanceOf(FakeChannel);

    const event: JobEvent = { jobId: 3, status: "running", progress: 30, currentStep: "Sheet found" };
    args.onEvent.onmessage(event);
    stopFirst();
    const later: JobEvent = { ...event, progress: 50, currentStep: "Items parsed" };
    args.onEvent.onmessage(later);
    expect(first).toEqual([event]);
    expect(second).toEqual([event, later]);
  });

  it("rejects a refused subscription with an ApiError, and asks again next time", async () => {
    const backend = createTauriBackend();
    invokeMock.mockRejectedValueOnce({ code: "internal", message: "The core is not open." });
    expect(await rejection(backend.subscribeJobs(() => {}))).toEqual({ code: "internal", message: "The core is not open." });
    invokeMock.mockResolvedValueOnce(null);
    await backend.subscribeJobs(() => {});
    expect(invokeMock.mock.calls.map((c) => c[0])).toEqual(["subscribe_jobs", "subscribe_jobs"]);
  });

  it("hears the four drag events with the global listen, and routes drops by their paths", async () => {
    const handlers = new Map<string, (event: { payload: unknown }) => void>();
    const unlisten = vi.fn();
    listenMock.mockImplementation((name: string, handler: (event: { payload: unknown }) => void) => {
      handlers.set(name, handler);
      return Promise.resolve(unlisten);
    });
    const calls: string[] = [];
    const stop = await tauriBackend.onFileDrop({
      enter: () => calls.push("enter"),
      leave: () => calls.push("leave"),
      drop: (paths) => calls.push(`drop ${paths.join(",")}`),
    });
    expect([...handlers.keys()].sort()).toEqual([
      "tauri://drag-drop",
      "tauri://drag-enter",
      "tauri://drag-leave",
      "tauri://drag-over",
    ]);
    handlers.get("tauri://drag-enter")?.({ payload: { paths: ["/a.xlsx"], position: { x: 1, y: 1 } } });
    handlers.get("tauri://drag-over")?.({ payload: { position: { x: 2, y: 2 } } });
    handlers.get("tauri://drag-leave")?.({ payload: null });
    // What the end-to-end test emits:
    handlers.get("tauri://drag-drop")?.({ payload: { paths: ["/tmp/ward12.xlsx"], position: { x: 10, y: 10 } } });
    expect(calls).toEqual(["enter", "enter", "leave", "drop /tmp/ward12.xlsx"]);
    stop();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(unlisten).toHaveBeenCalledTimes(4);
  });

  it("rejects and stops what it started when a listener cannot be added", async () => {
    const unlisten = vi.fn();
    listenMock
      .mockResolvedValueOnce(unlisten)
      .mockRejectedValueOnce("event.listen not allowed");
    expect(await rejection(tauriBackend.onFileDrop({ enter() {}, leave() {}, drop() {} }))).toEqual({
      code: "internal",
      message: "event.listen not allowed",
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(unlisten).toHaveBeenCalledTimes(1);
  });

  it("rejects with an ApiError whatever the shell threw", async () => {
    invokeMock.mockRejectedValueOnce({ code: "auth_failed", message: "Wrong username or password." });
    expect(await rejection(tauriBackend.signIn({ username: "a", password: "b" }))).toEqual({
      code: "auth_failed",
      message: "Wrong username or password.",
    });
    invokeMock.mockRejectedValueOnce("unexpected panic");
    expect(await rejection(tauriBackend.listOrgs())).toEqual({ code: "internal", message: "unexpected panic" });
  });
});

describe("fake backend", () => {
  it("reports first run on an empty device, then creates a superuser and signs in", async () => {
    const fake = createFakeBackend(firstRunSeed());
    expect((await fake.appStatus()).needsSetup).toBe(true);
    const session = await fake.createFirstAccount({ username: "asha", fullName: "Asha Verma", password: "long-enough" });
    expect(session.user).toEqual({ username: "asha", fullName: "Asha Verma", kind: "superuser" });
    expect(session.activeOrg?.name).toBe("Asha's Organization");
    const status = await fake.appStatus();
    expect(status.needsSetup).toBe(false);
    expect(status.session?.user.username).toBe("asha");
    expect(await rejection(fake.createFirstAccount({ username: "b", fullName: "B", password: "long-enough" }))).toMatchObject({
      code: "validation",
    });
  });

  it("refuses a wrong password, then locks after five failures", async () => {
    let clock = Date.parse("2025-03-04T08:00:00Z");
    const fake = createFakeBackend(demoSeed({ now: () => new Date(clock) }));
    for (let i = 0; i < 4; i++) {
      expect(await rejection(fake.signIn({ username: "ravi", password: "nope" }))).toMatchObject({ code: "auth_failed" });
    }
    expect(await rejection(fake.signIn({ username: "ravi", password: "nope" }))).toMatchObject({ code: "account_locked" });
    expect(await rejection(fake.signIn({ username: "ravi", password: DEMO_PASSWORD }))).toMatchObject({
      code: "account_locked",
    });
    clock += 16 * 60 * 1000;
    const session = await fake.signIn({ username: "ravi", password: DEMO_PASSWORD });
    expect(session.user.username).toBe("ravi");
  });

  it("lists only a standard user's memberships, with their roles", async () => {
    const fake = createFakeBackend(demoSeed());
    await fake.signIn({ username: "asha", password: DEMO_PASSWORD });
    const orgs = await fake.listOrgs();
    expect(orgs.map((o) => [o.code, o.role, o.active])).toEqual([
      ["ASHA", "owner", false],
      ["MOH", "admin", false],
      ["PWD", "owner", true], // primary membership
      ["WRA", "viewer", false],
    ]);
  });

  it("lists every active org for oversight, read-only", async () => {
    const fake = createFakeBackend(demoSeed());
    const session = await fake.signIn({ username: "auditor", password: DEMO_PASSWORD });
    expect(session.activeOrg).toBeNull();
    const orgs = await fake.listOrgs();
    expect(orgs).toHaveLength(11); // OLD-DEPT is inactive
    expect(new Set(orgs.map((o) => o.role))).toEqual(new Set(["oversight"]));
    const switched = await fake.switchOrg("moh");
    expect(switched.activeOrg?.code).toBe("MOH");
    expect(switched.readOnly).toBe(true);
  });

  it("switches case-insensitively, remembers the choice, and refuses orgs without membership", async () => {
    const fake = createFakeBackend(demoSeed());
    await fake.signIn({ username: "ravi", password: DEMO_PASSWORD });
    expect((await fake.switchOrg("pwd-n")).activeOrg?.code).toBe("PWD-N");
    // An org ravi is not in and one that does not exist are refused alike: no map of the orgs.
    const notIn = await rejection(fake.switchOrg("MOF"));
    const unknown = await rejection(fake.switchOrg("NOPE"));
    expect(notIn).toMatchObject({ code: "denied" });
    expect(unknown).toMatchObject({ code: "denied" });
    expect((notIn as ApiError).message.replace("MOF", "X")).toBe((unknown as ApiError).message.replace("NOPE", "X"));
    await fake.signOut();
    const again = await fake.signIn({ username: "ravi", password: DEMO_PASSWORD });
    expect(again.activeOrg?.code).toBe("PWD-N");
    await fake.signOut();
    await fake.signIn({ username: "admin", password: DEMO_PASSWORD });
    expect(await rejection(fake.switchOrg("NOPE"))).toMatchObject({ code: "not_found" });
  });

  it("guards members and audit by role, and audits the refusals", async () => {
    const fake = createFakeBackend(demoSeed());
    await fake.signIn({ username: "ravi", password: DEMO_PASSWORD }); // member of PWD
    expect(await rejection(fake.listMembers())).toMatchObject({ code: "denied" });
    expect(await rejection(fake.listAudit({ deniedOnly: false, limit: 10 }))).toMatchObject({ code: "denied" });

    await fake.switchOrg("PWD-N"); // admin there: sees PWD-N's rows only
    const own = await fake.listAudit({ deniedOnly: false, limit: 100 });
    expect(own.map((e) => e.action)).toContain("org.switch");
    expect(own.every((e) => e.orgCode === "PWD-N")).toBe(true);
    expect(await fake.listAudit({ deniedOnly: true, limit: 100 })).toEqual([]);
    await fake.signOut();

    await fake.signIn({ username: "admin", password: DEMO_PASSWORD });
    const denied = await fake.listAudit({ deniedOnly: true, limit: 100 });
    const ravis = denied.filter((e) => e.username === "ravi" && e.orgCode === "PWD").map((e) => e.action);
    expect(ravis).toEqual(expect.arrayContaining(["members.list", "audit.list"]));
  });

  it("shows owners their org's rows and superusers every row, newest first", async () => {
    const fake = createFakeBackend(demoSeed());
    await fake.signIn({ username: "meena", password: DEMO_PASSWORD }); // owner of MOH
    const own = await fake.listAudit({ deniedOnly: false, limit: 100 });
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((e) => e.orgCode === "MOH")).toBe(true);
    await fake.signOut();

    await fake.signIn({ username: "admin", password: DEMO_PASSWORD });
    const all = await fake.listAudit({ deniedOnly: false, limit: 1000 });
    expect(new Set(all.map((e) => e.orgCode)).size).toBeGreaterThan(2);
    const times = all.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    const denied = await fake.listAudit({ deniedOnly: true, limit: 1000 });
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((e) => e.outcome === "denied")).toBe(true);
    expect(await fake.listAudit({ deniedOnly: false, limit: 2 })).toHaveLength(2);
  });

  it("answers not_signed_in and no_active_org like the core", async () => {
    const fake = createFakeBackend(demoSeed());
    expect(await rejection(fake.listOrgs())).toMatchObject({ code: "not_signed_in" });
    await fake.signIn({ username: "ops", password: DEMO_PASSWORD });
    expect(await rejection(fake.listMembers())).toMatchObject({ code: "no_active_org" });
  });

  it("hands out copies, so callers cannot change its state", async () => {
    const fake = createFakeBackend(demoSeed());
    await fake.signIn({ username: "asha", password: DEMO_PASSWORD });
    const first = await fake.listOrgs();
    first[0]!.name = "Changed";
    expect((await fake.listOrgs())[0]?.name).toBe("Asha's Organization");
  });

  it("can be told to fail the next call of a command", async () => {
    const fake = createFakeBackend(demoSeed());
    fake.failNext("app_status", { code: "newer_schema", message: "Made by a newer Sitebook." });
    expect(await rejection(fake.appStatus())).toEqual({ code: "newer_schema", message: "Made by a newer Sitebook." });
    expect((await fake.appStatus()).needsSetup).toBe(false);
    expect(fake.calls).toEqual(["app_status", "app_status"]);
  });
});

describe("fake backend: uploads, jobs and estimates", () => {
  async function signedIn(username: string, extra: Partial<FakeSeed> = {}) {
    const timer = manualTimer();
    const fake = createFakeBackend(demoSeed({ schedule: timer.schedule, ...extra }));
    await fake.signIn({ username, password: DEMO_PASSWORD });
    const events: JobEvent[] = [];
    await fake.subscribeJobs((e) => events.push(e));
    return { fake, timer, events };
  }

  it("accepts workbooks, refuses other files by name, and says when content was already uploaded", async () => {
    const { fake } = await signedIn("asha"); // owner of PWD
    const outcomes = await fake.uploadFiles(["/home/asha/ward12.xlsx", "C:\\site\\notes.txt", "/home/asha/old.XLS"]);
    expect(outcomes.map((o) => [o.fileName, o.jobId !== null, o.duplicate, o.error?.code ?? null])).toEqual([
      ["ward12.xlsx", true, false, null],
      ["notes.txt", false, false, "validation"],
      ["old.XLS", true, false, null],
    ]);
    expect(outcomes[1]?.error?.message).toBe(
      "notes.txt is not an estimate workbook. Only .xlsx, .xlsm, .xls and .ods files can be imported.",
    );
    const again = await fake.uploadFiles(["/home/asha/ward12.xlsx"]);
    expect(again[0]).toMatchObject({ duplicate: true, jobId: null, uploadId: outcomes[0]?.uploadId, error: null });
    const jobs = await fake.listJobs();
    expect(jobs.map((j) => [j.fileName, j.status])).toEqual([
      ["old.XLS", "queued"],
      ["ward12.xlsx", "queued"],
    ]);
  });

  it("runs a job through the real steps, pushing each to subscribers, and stores the estimate", async () => {
    const { fake, timer, events } = await signedIn("asha");
    const [outcome] = await fake.uploadFiles(["/home/asha/ward12.xlsx"]);
    const id = outcome!.jobId!;
    expect(await fake.listEstimates()).toEqual([]);
    timer.runAll();
    expect(events.map((e) => [e.status, e.progress, e.currentStep])).toEqual([
      ["running", 0, "Started"],
      ...PARSE_STEPS.slice(0, -1).map(([p, step]) => ["running", p, step]),
      ["completed", 100, "Done"],
    ]);
    expect(events.every((e) => e.jobId === id)).toBe(true);
    const [job] = await fake.listJobs();
    expect(job).toMatchObject({ id, status: "completed", progress: 100, attempts: 1, canCancel: false, canRetry: false });
    expect(job?.startedAt).not.toBeNull();
    expect(job?.completedAt).not.toBeNull();
    const [summary] = await fake.listEstimates();
    expect(summary).toMatchObject({ id: job?.estimateId, fileName: "ward12.xlsx", itemCount: 8, warningCount: 3 });
    expect(summary?.ecv).toBe("508305.30");
    expect(summary?.grandTotal).toBe("650000.00");
    const detail = await fake.getEstimate(summary!.id);
    expect(detail.items.some((i) => i.heading)).toBe(true);
    expect(detail.items.find((i) => i.flagged)?.row).toBe(11);
    expect(detail.warnings.map((w) => w.cell)).toContain("Estimate!H12");
  });

  it("fails a bad file at once with its reason in the log, and offers no retry that would fail the same way", async () => {
    const { fake, timer } = await signedIn("asha");
    const [outcome] = await fake.uploadFiles(["/tmp/broken.xlsx"]);
    timer.runAll();
    const [job] = await fake.listJobs();
    expect(job).toMatchObject({ id: outcome?.jobId, status: "failed", canRetry: false, canCancel: false, errorCode: "not_a_workbook" });
    expect(job?.errorMessage).toContain("not a workbook");
    expect(job?.errorLog).toHaveLength(1);
    expect(job?.errorLog[0]).toMatchObject({ attempt: 1, step: "File read" });
    expect(await fake.listEstimates()).toEqual([]);
    expect(await rejection(fake.retryJob(job!.id))).toMatchObject({ code: "precondition_failed" });
  });

  it("lets a cancelled job be retried and cancelled again", async () => {
    const { fake, timer } = await signedIn("asha");
    const [outcome] = await fake.uploadFiles(["/tmp/road.xlsx"]);
    let job = await fake.cancelJob(outcome!.jobId!);
    expect(job).toMatchObject({ status: "cancelled", canCancel: false, canRetry: true });
    job = await fake.retryJob(job.id);
    expect(job).toMatchObject({ status: "queued", canCancel: true, canRetry: false, errorMessage: null });
    job = await fake.cancelJob(job.id);
    expect(job).toMatchObject({ status: "cancelled", canCancel: false, canRetry: true });
    timer.runAll(); // the cancelled run's steps do nothing
    expect((await fake.listJobs())[0]?.status).toBe("cancelled");
    expect(await rejection(fake.cancelJob(job.id))).toMatchObject({ code: "validation" });
  });

  it("retries a transient failure by itself, keeping the failed attempt in the log", async () => {
    const { fake, timer } = await signedIn("asha");
    await fake.uploadFiles(["/tmp/flaky.xlsx"]);
    timer.runAll();
    const [job] = await fake.listJobs();
    expect(job).toMatchObject({ status: "completed", attempts: 2 });
    expect(job?.errorLog.map((e) => [e.attempt, e.step])).toEqual([[1, "Stored"]]);
  });

  it("refuses uploads and job changes to read-only roles", async () => {
    const { fake } = await signedIn("meena");
    await fake.switchOrg("PWD"); // viewer there
    expect(await rejection(fake.uploadFiles(["/tmp/a.xlsx"]))).toMatchObject({ code: "denied" });
    await fake.switchOrg("MOH"); // owner
    expect((await fake.listJobs()).find((j) => j.status === "failed")?.canRetry).toBe(true);
    await fake.signOut();

    await fake.signIn({ username: "auditor", password: DEMO_PASSWORD });
    await fake.switchOrg("MOH");
    const jobs = await fake.listJobs();
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => !j.canCancel && !j.canRetry)).toBe(true);
    expect(await rejection(fake.retryJob(3))).toMatchObject({ code: "denied" });
    expect(await rejection(fake.uploadFiles(["/tmp/a.xlsx"]))).toMatchObject({ code: "denied" });
  });

  it("lets a member change only their own jobs, and an owner change anyone's", async () => {
    const { fake, timer } = await signedIn("asha");
    const [own] = await fake.uploadFiles(["/tmp/asha.xlsx"]);
    await fake.signOut();
    await fake.signIn({ username: "ravi", password: DEMO_PASSWORD }); // member of PWD
    const [mine] = await fake.uploadFiles(["/tmp/ravi.xlsx"]);
    const jobs = await fake.listJobs();
    expect(jobs.find((j) => j.id === own?.jobId)?.canCancel).toBe(false);
    expect(jobs.find((j) => j.id === mine?.jobId)?.canCancel).toBe(true);
    expect(await rejection(fake.cancelJob(own!.jobId!))).toMatchObject({ code: "denied" });
    await fake.signOut();
    await fake.signIn({ username: "asha", password: DEMO_PASSWORD });
    expect((await fake.cancelJob(mine!.jobId!)).status).toBe("cancelled");
    timer.runAll();
  });

  it("keeps each org's jobs and estimates to itself, events included", async () => {
    const { fake, timer, events } = await signedIn("asha");
    await fake.uploadFiles(["/tmp/ward12.xlsx"]);
    await fake.switchOrg("MOH");
    timer.runAll();
    expect(events).toEqual([]); // PWD's job ran while MOH was active
    const moh = await fake.listEstimates();
    expect(moh.map((e) => e.id)).toEqual([2, 1]);
    expect((await fake.listJobs()).every((j) => j.fileName !== "ward12.xlsx")).toBe(true);
    await fake.switchOrg("PWD");
    expect(await rejection(fake.getEstimate(1))).toMatchObject({ code: "not_found" });
    expect(await rejection(fake.cancelJob(1))).toMatchObject({ code: "not_found" });
    expect(await fake.listEstimates()).toHaveLength(1);
  });

  it("hands file drops to every listener until it stops", async () => {
    const fake = createFakeBackend(demoSeed());
    const seen: string[] = [];
    const stop = await fake.onFileDrop({
      enter: () => seen.push("enter"),
      leave: () => seen.push("leave"),
      drop: (paths) => seen.push(paths.join(",")),
    });
    fake.dragEnter();
    fake.dragLeave();
    fake.drop(["/a.xlsx", "/b.ods"]);
    stop();
    fake.drop(["/c.xlsx"]);
    expect(seen).toEqual(["enter", "leave", "/a.xlsx,/b.ods"]);
  });
});
