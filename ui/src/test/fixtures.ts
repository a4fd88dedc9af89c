import type { OrgChoice } from "../bindings/OrgChoice";

export function org(code: string, name: string, extra: Partial<OrgChoice> = {}): OrgChoice {
  return {
    code,
    name,
    slug: code.toLowerCase(),
    orgType: "office",
    plan: "free",
    role: "member",
    active: false,
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
