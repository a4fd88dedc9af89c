import type { OrgChoice } from "../bindings/OrgChoice";
import { isReadOnly, mayAs } from "../fake/permissions";

/** An org as the core lists it; what the role may do there comes from the core's recorded matrix. */
export function org(code: string, name: string, extra: Partial<OrgChoice> = {}): OrgChoice {
  const role = extra.role ?? "member";
  return {
    code,
    name,
    slug: code.toLowerCase(),
    orgType: "office",
    plan: "free",
    role,
    active: false,
    may: mayAs(role),
    readOnly: isReadOnly(role),
    ...extra,
  };
}

/** A list in the order the backend sends it (by code). */
export const ORGS: OrgChoice[] = [
  org("ASHA", "Asha's Organization", { orgType: "personal", role: "owner" }),
  org("MOF", "Ministry of Finance", { orgType: "ministry" }),
  org("MOH", "Ministry of Health", { orgType: "ministry", role: "admin" }),
  org("NHC", "National Highways Commission", { orgType: "commission" }),
  org("PWD", "Public Works Department", { role: "owner", active: true }),
  org("SMOHAN", "Sri Mohan Builders", { orgType: "company" }),
];

/**
 * A hand-driven timer for the fake backend's jobs (`schedule` in its seed): each `step()` runs the
 * steps that are due, which schedule the next ones.
 */
export function manualTimer() {
  const queue: Array<() => void> = [];
  const timer = {
    schedule: (next: () => void) => {
      queue.push(next);
    },
    /** Runs every step due now (the steps they schedule wait for the next call). */
    step() {
      for (const next of queue.splice(0)) next();
    },
    /** Steps until nothing is left to run. */
    runAll() {
      for (let i = 0; i < 100 && queue.length > 0; i++) timer.step();
    },
    get pending() {
      return queue.length;
    },
  };
  return timer;
}
