import { beforeEach, describe, expect, it, vi } from "vitest";

const invokeMock = vi.hoisted(() => vi.fn());
vi.mock("@tauri-apps/api/core", () => ({ invoke: invokeMock, isTauri: () => false }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(() => Promise.resolve(() => {})) }));

import { createFakeBackend, tauriBackend, toApiError } from "./backend";
import { DEMO_PASSWORD, demoSeed, firstRunSeed } from "./demoSeed";

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

describe("tauriBackend", () => {
  beforeEach(() => invokeMock.mockReset());

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
    expect(await rejection(fake.switchOrg("MOF"))).toMatchObject({ code: "denied" });
    expect(await rejection(fake.switchOrg("NOPE"))).toMatchObject({ code: "not_found" });
    await fake.signOut();
    const again = await fake.signIn({ username: "ravi", password: DEMO_PASSWORD });
    expect(again.activeOrg?.code).toBe("PWD-N");
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
