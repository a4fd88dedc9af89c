/**
 * The one door to the Rust core.
 *
 * Every `invoke` and every event listener in the frontend lives in this file. The rest of the UI
 * talks to a `Backend` it receives through React context (see `backendContext.tsx`), so the same
 * components run against:
 *
 * - `tauriBackend`: the real shell, through `@tauri-apps/api`;
 * - `createFakeBackend(seed)`: an in-memory stand-in used by the Vitest tests and by `npm run dev`
 *   in a plain browser. It follows the same rules as the core as far as the screens can tell
 *   (who may enter which org, effective roles, lockout, audit rows), but it is not the gate and
 *   proves nothing about it.
 *
 * Every method rejects with an `ApiError` (`{code, message}`), never with anything else, so
 * callers can branch on `code` and show `message` where the action happened.
 */
import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ApiError } from "./bindings/ApiError";
import type { AppStatus } from "./bindings/AppStatus";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { EffectiveRole } from "./bindings/EffectiveRole";
import type { MemberView } from "./bindings/MemberView";
import type { MembershipRole } from "./bindings/MembershipRole";
import type { OrgChoice } from "./bindings/OrgChoice";
import type { OrgType } from "./bindings/OrgType";
import type { Plan } from "./bindings/Plan";
import type { SessionView } from "./bindings/SessionView";
import type { UserKind } from "./bindings/UserKind";

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

export type NewAccount = { username: string; fullName: string; password: string };
export type Credentials = { username: string; password: string };
export type AuditQuery = { deniedOnly: boolean; limit: number };

export interface Backend {
  appStatus(): Promise<AppStatus>;
  /** First run only: the account becomes the device's superuser and is signed in. */
  createFirstAccount(account: NewAccount): Promise<SessionView>;
  signIn(credentials: Credentials): Promise<SessionView>;
  signOut(): Promise<void>;
  /** Only the orgs this user may enter; `active` marks the current one. */
  listOrgs(): Promise<OrgChoice[]>;
  switchOrg(code: string): Promise<SessionView>;
  listMembers(): Promise<MemberView[]>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /**
   * Called when the session changes outside this window's own calls (another window switched
   * org, or the core ended the session). Returns an unsubscribe function.
   */
  onSessionChanged(listener: (session: SessionView | null) => void): () => void;
}

/** Tauri event the shell emits after a sign-in, sign-out or org switch. */
export const SESSION_CHANGED_EVENT = "session-changed";

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

// ---------------------------------------------------------------------------------------------
// The real backend
// ---------------------------------------------------------------------------------------------

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}

export const tauriBackend: Backend = {
  appStatus: () => call<AppStatus>("app_status"),
  createFirstAccount: ({ username, fullName, password }) =>
    call<SessionView>("create_first_account", { username, fullName, password }),
  signIn: ({ username, password }) => call<SessionView>("sign_in", { username, password }),
  signOut: async () => {
    await call<null>("sign_out");
  },
  listOrgs: () => call<OrgChoice[]>("list_orgs"),
  switchOrg: (code) => call<SessionView>("switch_org", { code }),
  listMembers: () => call<MemberView[]>("list_members"),
  listAudit: ({ deniedOnly, limit }) => call<AuditEntry[]>("list_audit", { deniedOnly, limit }),
  onSessionChanged: (listener) => {
    let stopped = false;
    let unlisten: (() => void) | null = null;
    listen<SessionView | null>(SESSION_CHANGED_EVENT, (event) => listener(event.payload))
      .then((stop) => {
        if (stopped) stop();
        else unlisten = stop;
      })
      .catch(() => {
        // Listening is a convenience; the UI already applies the results of its own calls.
      });
    return () => {
      stopped = true;
      unlisten?.();
    };
  },
};

/** True inside the Tauri webview, false in a plain browser or under Vitest. */
export function runningInTauri(): boolean {
  try {
    return isTauri() || (typeof window !== "undefined" && "__TAURI_INTERNALS__" in window);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The fake backend
// ---------------------------------------------------------------------------------------------

export type FakeUser = {
  username: string;
  fullName: string;
  kind: UserKind;
  password: string;
  active?: boolean;
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
  /**
   * Emit session-changed events, as a shell with several windows would. Off by default, so tests
   * prove the UI applies the results of its own calls without relying on the event.
   */
  sessionEvents?: boolean;
};

export interface FakeBackend extends Backend {
  /** Names of the commands called so far, in order (the Tauri names, e.g. "switch_org"). */
  readonly calls: string[];
  /** Make the next call of `command` fail with `error`, once. */
  failNext(command: string, error: ApiError): void;
}

const LOCK_AFTER_FAILURES = 5;
const LOCK_WINDOW_MS = 15 * 60 * 1000;
const USERNAME_RULE = /^[a-z0-9][a-z0-9._-]{1,31}$/;
const MIN_PASSWORD = 8;

function fail(code: string, message: string): ApiError {
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
  const lastOrg: Record<string, string> = { ...(seed.lastOrg ?? {}) };
  const now = seed.now ?? (() => new Date());
  const device = seed.device ?? "fake-device";
  const dataDir = seed.dataDir ?? "/home/user/.local/share/sitebook";
  const latency = seed.latencyMs ?? 0;
  const failures = new Map<string, number[]>();
  const lockedUntil = new Map<string, number>();
  const listeners = new Set<(session: SessionView | null) => void>();
  const queuedFailures = new Map<string, ApiError>();
  const calls: string[] = [];

  let signedIn: string | null = seed.signedIn ?? null;
  let activeCode: string | null = null;
  let nextAuditId = audit.reduce((max, entry) => Math.max(max, entry.id), 0) + 1;

  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const findUser = (username: string) => users.find((u) => same(u.username, username));
  const findOrg = (code: string) => orgs.find((o) => same(o.code, code));
  const membershipsOf = (username: string) =>
    memberships.filter(
      (m) => same(m.username, username) && m.active !== false && findOrg(m.orgCode)?.active !== false,
    );

  function writeAudit(entry: Omit<AuditEntry, "id" | "at" | "device">): void {
    audit.push({ ...entry, id: nextAuditId++, at: now().toISOString(), device });
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
      readOnly: activeOrg !== null && (activeOrg.role === "oversight" || activeOrg.role === "viewer"),
    };
  }

  function currentUser(): FakeUser {
    const user = signedIn ? findUser(signedIn) : undefined;
    if (!user) throw fail("not_signed_in", "You are not signed in. Sign in to continue.");
    return user;
  }

  function activeOrgFor(user: FakeUser): { org: FakeOrg; role: EffectiveRole } {
    const org = activeCode ? findOrg(activeCode) : undefined;
    const role = org ? roleIn(user, org) : null;
    if (!org || !role) {
      throw fail("no_active_org", "No organization is active. Choose one from the organization picker.");
    }
    return { org, role };
  }

  function emit(session: SessionView | null): void {
    if (!seed.sessionEvents) return;
    for (const listener of listeners) listener(copy(session));
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

  return {
    calls,
    failNext(command, error) {
      queuedFailures.set(command, error);
    },

    appStatus: () =>
      run("app_status", () => {
        const user = signedIn ? findUser(signedIn) : undefined;
        return { needsSetup: users.length === 0, session: user ? sessionOf(user) : null, dataDir, device };
      }),

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
        const session = sessionOf(user);
        emit(session);
        return session;
      }),

    signIn: ({ username, password }) =>
      run("sign_in", () => {
        const at = now().getTime();
        const user = findUser(username.trim());
        const key = username.trim().toLowerCase();
        const lockEnd = lockedUntil.get(key);
        if (lockEnd !== undefined && lockEnd > at) {
          const minutes = Math.max(1, Math.ceil((lockEnd - at) / 60000));
          writeAudit({
            username: user?.username ?? null,
            orgCode: null,
            action: "session.sign_in",
            objectType: "user",
            objectId: key,
            outcome: "denied",
            reason: "account locked",
          });
          throw fail(
            "account_locked",
            `This account is locked after too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
          );
        }
        if (!user || user.active === false || user.password !== password) {
          const recent = (failures.get(key) ?? []).filter((t) => at - t < LOCK_WINDOW_MS);
          recent.push(at);
          failures.set(key, recent);
          writeAudit({
            username: user?.username ?? null,
            orgCode: null,
            action: "session.sign_in",
            objectType: "user",
            objectId: key,
            outcome: "failure",
            reason: "wrong username or password",
          });
          if (recent.length >= LOCK_AFTER_FAILURES) {
            lockedUntil.set(key, at + LOCK_WINDOW_MS);
            failures.delete(key);
            writeAudit({
              username: user?.username ?? null,
              orgCode: null,
              action: "session.lockout",
              objectType: "user",
              objectId: key,
              outcome: "denied",
              reason: `${LOCK_AFTER_FAILURES} failed sign-ins within 15 minutes`,
            });
            throw fail(
              "account_locked",
              "This account is now locked for 15 minutes after 5 failed sign-ins.",
            );
          }
          throw fail("auth_failed", "The username or password is wrong.");
        }
        failures.delete(key);
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
        const session = sessionOf(user);
        emit(session);
        return session;
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
        emit(null);
        return undefined;
      }),

    listOrgs: () => run("list_orgs", () => choices(currentUser())),

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
          throw fail("not_found", `No organization has the code ${code.trim().toUpperCase()}.`);
        }
        if (!roleIn(user, org)) {
          writeAudit({
            username: user.username,
            orgCode: org.code,
            action: "org.switch",
            objectType: "organization",
            objectId: org.code,
            outcome: "denied",
            reason: "not a member",
          });
          throw fail(
            "denied",
            `You are not a member of ${org.code}. Ask one of its owners or admins to add you.`,
          );
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
        const session = sessionOf(user);
        emit(session);
        return session;
      }),

    listMembers: () =>
      run("list_members", () => {
        const user = currentUser();
        const { org, role } = activeOrgFor(user);
        const allowed: EffectiveRole[] = ["owner", "admin", "operations", "oversight", "superuser"];
        if (!allowed.includes(role)) {
          writeAudit({
            username: user.username,
            orgCode: org.code,
            action: "members.list",
            objectType: "organization",
            objectId: org.code,
            outcome: "denied",
            reason: `role ${role} cannot list members`,
          });
          throw fail("denied", `Your role in ${org.code} (${role}) cannot see its members.`);
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
            };
          })
          .sort((a, b) => a.fullName.localeCompare(b.fullName));
      }),

    listAudit: ({ deniedOnly, limit }) =>
      run("list_audit", () => {
        const user = currentUser();
        let scope: string | null = null; // null: every org
        if (user.kind !== "oversight" && user.kind !== "superuser") {
          const { org, role } = activeOrgFor(user);
          if (role !== "owner" && role !== "admin" && role !== "operations") {
            writeAudit({
              username: user.username,
              orgCode: org.code,
              action: "audit.list",
              objectType: "organization",
              objectId: org.code,
              outcome: "denied",
              reason: `role ${role} cannot view the audit log`,
            });
            throw fail("denied", `Your role in ${org.code} (${role}) cannot view the audit log.`);
          }
          scope = org.code;
        }
        return audit
          .filter((e) => scope === null || (e.orgCode !== null && same(e.orgCode, scope)))
          .filter((e) => !deniedOnly || e.outcome === "denied")
          .sort((a, b) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1))
          .slice(0, Math.max(0, limit));
      }),

    onSessionChanged(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
