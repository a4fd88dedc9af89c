/** Formatting for tables: timestamps, audit objects and outcomes. */
import type { AuditEntry } from "../bindings/AuditEntry";

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * A stored UTC timestamp shown in the device's local time as `YYYY-MM-DD HH:MM:SS`, which sorts
 * and lines up in a table. An unreadable value is shown as it came.
 */
export function formatTimestamp(at: string, timeZone: "local" | "utc" = "local"): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  const utc = timeZone === "utc";
  const y = utc ? date.getUTCFullYear() : date.getFullYear();
  const mo = (utc ? date.getUTCMonth() : date.getMonth()) + 1;
  const d = utc ? date.getUTCDate() : date.getDate();
  const h = utc ? date.getUTCHours() : date.getHours();
  const mi = utc ? date.getUTCMinutes() : date.getMinutes();
  const s = utc ? date.getUTCSeconds() : date.getSeconds();
  return `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

export function auditObject(entry: Pick<AuditEntry, "objectType" | "objectId">): string {
  if (entry.objectType && entry.objectId) return `${entry.objectType} ${entry.objectId}`;
  return entry.objectType ?? entry.objectId ?? "—";
}

export const OUTCOME_LABELS: Record<AuditEntry["outcome"], string> = {
  allowed: "Allowed",
  denied: "Denied",
  success: "Success",
  failure: "Failure",
};

/** Text filter over the audit rows already loaded: user, org, action, object, outcome, reason. */
export function filterAudit(entries: readonly AuditEntry[], query: string): AuditEntry[] {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [...entries];
  return entries.filter((entry) => {
    const haystack = [
      entry.username,
      entry.orgCode,
      entry.action,
      entry.objectType,
      entry.objectId,
      OUTCOME_LABELS[entry.outcome],
      entry.reason,
      entry.device,
    ]
      .filter((v): v is string => v !== null)
      .join(" ")
      .toLowerCase();
    return terms.every((term) => haystack.includes(term));
  });
}
