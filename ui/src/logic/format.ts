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
/** What each audited action is, in a clerk's words; the core's own name stays on hover. */
const AUDIT_ACTION_LABELS: Record<string, string> = {
  sign_in: "Sign in",
  "session.sign_in": "Sign in",
  "sign_in.lockout": "Locked out after wrong passwords",
  "password.change": "Change own password",
  "account.create": "Create an account",
  "account.disable": "Disable an account",
  "account.enable": "Enable an account",
  "org.view": "Open the organization",
  "org.enter": "Enter the organization",
  "org.switch": "Switch organization",
  "org.create": "Create an organization",
  "org.import": "Import organizations",
  "org.rename": "Rename the organization",
  "org.delete": "Delete the organization",
  "owners.manage": "Grant or take away owner",
  "members.view": "See the members",
  "members.manage": "Manage the members",
  "members.add": "Add a member",
  "members.role": "Change a member's role",
  "members.remove": "Remove a member",
  "member.add": "Add a member",
  "member.remove": "Remove a member",
  "member.role": "Change a member's role",
  "member.unlock": "Unlock a member",
  "member.password_reset": "Reset a member's password",
  "membership.leave": "Leave the organization",
  "audit.view": "See the audit log",
  "audit.view_all": "See every organization's audit log",
  "audit.reanchor": "Accept the audit log as its new anchor",
  "settings.edit": "Change settings",
  "settings.currency": "Change the currency mark",
  "device.settings": "Change this computer's settings",
  "upload.create": "Upload a workbook",
  "estimates.view": "See estimates",
  "jobs.view": "See jobs",
  "job.cancel_own": "Cancel own job",
  "job.cancel_any": "Cancel someone's job",
  "job.retry": "Retry a job",
  "job.retry_any": "Retry someone's job",
  "work.edit": "Edit work data",
  "document.generate": "Make a bill, work slip or abstract",
  "bill.create": "Create a bill",
  "bill.pdf": "Make a bill's PDF",
  "document.withdraw": "Withdraw a bill or work slip",
  "outputs.view": "See outputs",
  "output.export": "Save a copy of an output",
  "outputs.cleanup": "Clean up old outputs",
  "output.share": "Share an output by link",
  "object.read": "Read a record",
  "sync.view": "See the sync settings",
  "sync.configure": "Set up or run sync",
  "inbox.configure": "Set up the inbox",
  "deductions.view": "See the deductions",
  "deductions.edit": "Change the deductions",
};

/** An audited action in words: "Make a bill, work slip or abstract" for `document.generate`. An
 * action this window does not know yet is shown by its name. */
export function auditActionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action] ?? action;
}

export function filterAudit(entries: readonly AuditEntry[], query: string): AuditEntry[] {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [...entries];
  return entries.filter((entry) => {
    const haystack = [
      entry.username,
      entry.orgCode,
      entry.action,
      // The words shown, so "bill" finds the bills made, where only the name was searched.
      auditActionLabel(entry.action),
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

// ---------------------------------------------------------------------------------------------
// Exact decimals in Indian grouping
// ---------------------------------------------------------------------------------------------

/*
 * Money and quantities arrive from the core as strings holding exact decimals ("5625.00",
 * "-12.5"). They are formatted here by string manipulation only: converting them to JS numbers
 * would round large values (15+ digits) and halves such as 1.005.
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** Splits a plain decimal string into sign, integer digits and fraction digits; null if it is not one. */
function parseDecimal(value: string): { negative: boolean; int: string; frac: string } | null {
  const match = DECIMAL.exec(value.trim());
  if (!match) return null;
  const int = match[2] ?? "";
  const frac = match[3] ?? "";
  if (int === "" && frac === "") return null;
  return { negative: match[1] === "-", int: int.replace(/^0+(?=\d)/, "") || "0", frac };
}

/** 12345678 → 1,23,45,678: the last three digits, then groups of two. */
export function groupIndian(digits: string): string {
  if (digits.length <= 3) return digits;
  const last3 = digits.slice(-3);
  let rest = digits.slice(0, -3);
  const groups: string[] = [];
  while (rest.length > 2) {
    groups.unshift(rest.slice(-2));
    rest = rest.slice(0, -2);
  }
  if (rest !== "") groups.unshift(rest);
  return `${groups.join(",")},${last3}`;
}

/** Adds one to a string of digits: "0999" → "1000", "99" → "100". */
function incrementDigits(digits: string): string {
  const out = digits.split("");
  let i = out.length - 1;
  while (i >= 0) {
    if (out[i] === "9") {
      out[i] = "0";
      i--;
    } else {
      out[i] = String(Number(out[i]) + 1);
      return out.join("");
    }
  }
  return `1${out.join("")}`;
}

/**
 * Rounds to `places` decimals, half away from zero (ROUND2 in DOMAIN.md for places = 2), on the
 * digits themselves.
 */
function roundDigits(int: string, frac: string, places: number): { int: string; frac: string } {
  if (frac.length <= places) return { int, frac: frac.padEnd(places, "0") };
  const kept = frac.slice(0, places);
  const roundUp = (frac[places] ?? "0") >= "5";
  if (!roundUp) return { int, frac: kept };
  const bumped = incrementDigits(int + kept);
  return {
    int: bumped.slice(0, bumped.length - places) || "0",
    frac: places === 0 ? "" : bumped.slice(bumped.length - places),
  };
}

/**
 * Formats an exact decimal string with Indian digit grouping: "12345678.9" → "1,23,45,678.9".
 * With `places`, the fraction is rounded (half away from zero) or padded to that many digits;
 * without, it is kept exactly as given. A value that is not a plain decimal is returned as it came,
 * so nothing the core sent is ever hidden.
 */
export function formatIndianDecimal(value: string, places?: number): string {
  const parsed = parseDecimal(value);
  if (!parsed) return value;
  let { int, frac } = parsed;
  if (places !== undefined) ({ int, frac } = roundDigits(int, frac, places));
  const isZero = /^0*$/.test(int) && /^0*$/.test(frac);
  const sign = parsed.negative && !isZero ? "-" : "";
  return `${sign}${groupIndian(int)}${frac !== "" ? `.${frac}` : ""}`;
}

/** Money: Indian grouping, always two decimals. "5625" → "5,625.00". */
export function formatMoney(value: string): string {
  return formatIndianDecimal(value, 2);
}

/** A quantity: Indian grouping, decimals exactly as the workbook had them. "1234.5" → "1,234.5". */
export function formatQuantity(value: string): string {
  return formatIndianDecimal(value);
}

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

/** Milliseconds as m:ss, or h:mm:ss from an hour. Negative or unreadable spans show as 0:00. */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/**
 * How long a job has run: from its start to its end, or to `now` while it runs. "—" when it never
 * started (still queued, or cancelled before it ran).
 */
export function jobElapsed(
  job: { startedAt: string | null; completedAt: string | null },
  now: Date,
): string {
  if (!job.startedAt) return "—";
  const start = Date.parse(job.startedAt);
  const end = job.completedAt ? Date.parse(job.completedAt) : now.getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) return "—";
  return formatDuration(end - start);
}

/** 1234567 → 1,234,567: groups of three. */
export function groupInternational(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * A number as a person types it: digits, an optional sign and point, and commas only as digit
 * grouping, Indian (1,25,000.5) or international (125,000.5). Returns the plain decimal string,
 * or the sentence saying what was understood and what to type. The same rule as the core's, so
 * a refusal shows as the user types; the core still decides.
 */
export function readTypedNumber(
  typed: string,
  example = "a quantity such as 12.5",
): { value: string } | { problem: string } {
  const text = typed.trim();
  const match = /^([+-]?)([\d,]*)(?:\.(\d*))?$/.exec(text);
  if (!match || text === "" || /^[+-]?\.?$/.test(text)) {
    return { problem: `'${text}' is not a number; type ${example}` };
  }
  const [, sign, integer = "", fraction = ""] = match;
  const groups = integer.split(",");
  if (groups.length > 1) {
    const [first, ...rest] = groups;
    const last = rest[rest.length - 1] ?? "";
    const middle = rest.slice(0, -1);
    const indian = (first ?? "").length >= 1 && (first ?? "").length <= 2 && middle.every((g) => g.length === 2);
    const international = (first ?? "").length >= 1 && (first ?? "").length <= 3 && middle.every((g) => g.length === 3);
    if (last.length !== 3 || !(indian || international)) {
      const single = groups.length === 2 && /^\d+$/.test(first ?? "") && /^\d+$/.test(last) && fraction === "";
      return {
        problem: single
          ? `'${text}' is not read: a comma only groups digits (1,250 or 1,25,000.5), so it could mean ${first}.${last} or ${first}${last}. Type ${first}.${last} or ${first}${last}.`
          : `'${text}' is not read: a comma only groups digits, in threes (1,250,000) or Indian style (12,50,000). Type the quantity without commas, with a point for decimals, such as 12.5.`,
      };
    }
  }
  const digits = groups.join("").replace(/^0+(?=\d)/, "") || "0";
  const value = `${sign === "-" ? "-" : ""}${digits}${fraction ? `.${fraction}` : ""}`;
  return { value };
}

/**
 * Whether a typed number is the figure `plain` (a decimal string such as the core sends): the
 * editor marks a rate typed away from the estimate's. Read as the core reads it, commas and
 * trailing zeros aside; text that is not a number is never the figure.
 */
export function isTypedFigure(typed: string, plain: string): boolean {
  const read = readTypedNumber(typed);
  if (!("value" in read)) return false;
  const canonical = (value: string) => (value.includes(".") ? value.replace(/\.?0+$/, "") : value);
  return canonical(read.value) === canonical(plain);
}
