/**
 * Sample people and organizations for the fake backend: used by `npm run dev` in a plain browser
 * and by the tests. Nothing here reaches the desktop build's screens unless the fake is in use.
 *
 * Every demo account's password is "sitebook-demo".
 */
import type { AuditEntry } from "../bindings/AuditEntry";
import type { FakeEstimate, FakeJob, FakeMembership, FakeOrg, FakeSeed, FakeUser } from "./types";
import { fakeParse } from "./estimates";
import { completedJob } from "./jobs";

export const DEMO_PASSWORD = "sitebook-demo";

const orgs: FakeOrg[] = [
  { code: "MOH", name: "Ministry of Health", slug: "moh", orgType: "ministry", plan: "enterprise" },
  { code: "MOF", name: "Ministry of Finance", slug: "mof", orgType: "ministry", plan: "enterprise" },
  { code: "PWD", name: "Public Works Department", slug: "pwd", orgType: "office", plan: "professional" },
  { code: "PWD-N", name: "Public Works Division North", slug: "pwd-n", orgType: "office", plan: "professional" },
  { code: "PWD-S", name: "Public Works Division South", slug: "pwd-s", orgType: "office", plan: "starter" },
  { code: "WRA", name: "Water Resources Agency", slug: "wra", orgType: "agency", plan: "professional" },
  { code: "RHA", name: "Rural Housing Agency", slug: "rha", orgType: "agency", plan: "starter" },
  { code: "NHC", name: "National Highways Commission", slug: "nhc", orgType: "commission", plan: "enterprise" },
  { code: "SPV-METRO", name: "Metro Rail Special Purpose Vehicle", slug: "spv-metro", orgType: "special", plan: "enterprise" },
  { code: "BUILDCO", name: "Buildco Contractors Pvt Ltd", slug: "buildco", orgType: "company", plan: "starter" },
  { code: "ASHA", name: "Asha's Organization", slug: "asha", orgType: "personal", plan: "free" },
  { code: "OLD-DEPT", name: "Dissolved Department", slug: "old-dept", orgType: "office", plan: "free", active: false },
];

const users: FakeUser[] = [
  { username: "admin", fullName: "Device Administrator", kind: "superuser", password: DEMO_PASSWORD },
  { username: "asha", fullName: "Asha Verma", kind: "standard", password: DEMO_PASSWORD },
  { username: "ravi", fullName: "Ravi Kumar", kind: "standard", password: DEMO_PASSWORD },
  { username: "meena", fullName: "Meena Iyer", kind: "standard", password: DEMO_PASSWORD },
  { username: "ops", fullName: "Operations Desk", kind: "operations", password: DEMO_PASSWORD },
  { username: "auditor", fullName: "Kiran Rao", kind: "oversight", password: DEMO_PASSWORD },
];

const memberships: FakeMembership[] = [
  { username: "asha", orgCode: "ASHA", role: "owner" },
  { username: "asha", orgCode: "PWD", role: "owner", primary: true },
  { username: "asha", orgCode: "MOH", role: "admin" },
  { username: "asha", orgCode: "WRA", role: "viewer" },
  { username: "ravi", orgCode: "PWD", role: "member", primary: true },
  { username: "ravi", orgCode: "PWD-N", role: "admin" },
  { username: "meena", orgCode: "MOH", role: "owner", primary: true },
  { username: "meena", orgCode: "PWD", role: "viewer" },
  { username: "meena", orgCode: "PWD-S", role: "member", active: false },
];

function entry(
  id: number,
  at: string,
  username: string | null,
  orgCode: string | null,
  action: string,
  outcome: AuditEntry["outcome"],
  reason: string | null = null,
  objectType: string | null = null,
  objectId: string | null = null,
): AuditEntry {
  return { id, at, username, orgCode, action, objectType, objectId, outcome, reason, device: "site-laptop-07", repeats: 1 };
}

const audit: AuditEntry[] = [
  entry(1, "2025-03-03T08:58:12Z", "asha", "PWD", "session.sign_in", "success", null, "user", "asha"),
  entry(2, "2025-03-03T09:02:40Z", "asha", "PWD", "members.add", "allowed", null, "user", "ravi"),
  entry(3, "2025-03-03T09:15:03Z", "ravi", "PWD", "members.add", "denied", "role member cannot manage members", "user", "meena"),
  entry(4, "2025-03-03T10:20:55Z", "meena", "MOH", "org.switch", "success", null, "organization", "MOH"),
  entry(5, "2025-03-03T11:41:09Z", null, null, "session.sign_in", "failure", "wrong username or password", "user", "ravi"),
  entry(6, "2025-03-04T07:30:00Z", "ravi", "MOH", "org.switch", "denied", "not a member", "organization", "MOH"),
  entry(7, "2025-03-04T08:05:47Z", "auditor", "WRA", "members.remove", "denied", "oversight is read-only", "user", "asha"),
  entry(8, "2025-03-04T09:12:30Z", "asha", "MOH", "members.role", "allowed", null, "user", "meena"),
];

/** MOH has two estimates already read, and one workbook that failed; PWD starts empty. */
const estimates: FakeEstimate[] = [
  { orgCode: "MOH", detail: fakeParse(1, "penna-bridge-estimate.xlsx", "2025-03-03T10:31:40Z") },
  { orgCode: "MOH", detail: fakeParse(2, "ward12-cc-road.xlsx", "2025-03-04T09:20:12Z") },
];

function doneJob(id: number, fileName: string, at: string, seconds: number, estimateId: number): FakeJob {
  const end = new Date(Date.parse(at) + seconds * 1000).toISOString();
  return completedJob({ id, orgCode: "MOH", kind: "parse_estimate", fileName, username: "meena", estimateId, startedAt: at, completedAt: end });
}

const protectedMessage =
  "The workbook is password-protected, so it cannot be read. Save an unprotected copy and import that.";

const jobs: FakeJob[] = [
  doneJob(1, "penna-bridge-estimate.xlsx", "2025-03-03T10:31:36Z", 4, 1),
  doneJob(2, "ward12-cc-road.xlsx", "2025-03-04T09:20:09Z", 3, 2),
  {
    id: 3,
    orgCode: "MOH",
    kind: "parse_estimate",
    status: "failed",
    progress: 10,
    currentStep: "File read",
    fileName: "ward7-rates-protected.xlsx",
    errorMessage: protectedMessage,
    errorLog: [{ at: "2025-03-04T09:41:02Z", attempt: 1, step: "File read", error: protectedMessage }],
    attempts: 1,
    createdAt: "2025-03-04T09:41:01Z",
    startedAt: "2025-03-04T09:41:01Z",
    completedAt: "2025-03-04T09:41:02Z",
    username: "asha",
    source: "inbox",
    estimateId: null,
  },
];

/** A device that has been in use for a while: several orgs, users of every kind. */
export function demoSeed(overrides: Partial<FakeSeed> = {}): FakeSeed {
  return {
    users,
    orgs,
    memberships,
    audit,
    estimates,
    jobs,
    device: "site-laptop-07",
    dataDir: "/home/asha/.local/share/sitebook",
    ...overrides,
  };
}

/** A fresh device: no accounts yet, so the app opens on "Create the first account". */
export function firstRunSeed(overrides: Partial<FakeSeed> = {}): FakeSeed {
  return { device: "site-laptop-07", dataDir: "/home/asha/.local/share/sitebook", ...overrides };
}
