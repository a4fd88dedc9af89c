/**
 * The settings side of the fake backend: each org's sync target and how far its outputs are
 * synced, and this device's inbox folder. It keeps the core's visible rules (the secret is never
 * shown back, read-only roles cannot change anything, a test of a bucket that does not exist
 * fails with one sentence) but talks to no bucket and watches no folder.
 */
import type { ApiError } from "../bindings/ApiError";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { CurrencyMark } from "../bindings/CurrencyMark";
import type { DeductionLineForm } from "../bindings/DeductionLineForm";
import type { DeductionTable } from "../bindings/DeductionTable";
import type { DeviceSettings } from "../bindings/DeviceSettings";
import type { InboxStatus } from "../bindings/InboxStatus";
import type { InboxView } from "../bindings/InboxView";
import type { BucketCheckProgress } from "../bindings/BucketCheckProgress";
import type { OutboxCounts } from "../bindings/OutboxCounts";
import type { OutputView } from "../bindings/OutputView";
import type { JobRequest } from "../bindings/JobRequest";
import type { SyncStatus } from "../bindings/SyncStatus";
import type { SyncTargetView } from "../bindings/SyncTargetView";
import type { SettingsCommands } from "../settingsContract";

/** How long the fake's deep check takes to read back one output. */
const FAKE_DOWNLOAD_MS = 150;

export type FakeSettingsContext = {
  run<T>(command: string, body: () => T): Promise<T>;
  orgCode(): string;
  username(): string;
  /** Throws (and audits) when the active role is read-only. */
  requireWriter(what: string): void;
  outputs(): OutputView[];
  isSuperuser(): boolean;
  /** Whether the person is an owner, admin, operations account or superuser of the active org. */
  managesActiveOrg(): boolean;
  now(): string;
};


function fail(code: ErrorCode, message: string): ApiError {
  return { code, message };
}

/** The core's rule: an inbox another person set is replaced or turned off only by its setter, a
 * superuser, or one who manages the org it imports into. */
function refuseTakeover(ctx: FakeSettingsContext, inbox: InboxView | null): void {
  if (!inbox || inbox.username === ctx.username()) return;
  if (ctx.isSuperuser() || (inbox.orgCode === ctx.orgCode() && ctx.managesActiveOrg())) return;
  throw fail(
    "denied",
    `This computer's inbox was set by ${inbox.username}, importing into ${inbox.orgCode}. Only ${inbox.username}, a superuser, or an owner or admin of ${inbox.orgCode} may replace it or turn it off.`,
  );
}

/** The core's example set (DOMAIN.md §2a), as the Settings form shows it. */
function exampleDeductions(): DeductionLineForm[] {
  const line = (code: string, label: string, chargeValue: string, extra: Partial<DeductionLineForm> = {}): DeductionLineForm => ({
    code,
    label,
    effect: "deduction",
    base: "gross",
    chargeKind: "percent",
    chargeValue,
    threshold: "",
    capKind: "none",
    capValue: "",
    validFrom: "",
    validTo: "",
    unlessEstimateHasLc: false,
    individualPercent: "",
    ...extra,
  });
  return [
    line("SD", "Security deposit", "5", { capKind: "percent_of_contract", capValue: "5" }),
    line("IT-TDS", "Income tax TDS (194C)", "2", { individualPercent: "1" }),
    line("GST-TDS", "GST TDS (CGST 1 % + SGST 1 %)", "2", { threshold: "250000" }),
    line("LC", "Labour cess (BOCW welfare)", "1", { unlessEstimateHasLc: true }),
  ];
}

/** The fake's settings, and what its sync has sent, for the outputs list to say. */
export type FakeSettings = SettingsCommands & {
  /** Whether the fake's sync has sent output `id` to the bucket. */
  isSynced(id: number): boolean;
};

export function createFakeSettings(ctx: FakeSettingsContext): FakeSettings {
  const deductionTables = new Map<string, DeductionLineForm[]>();
  const deductionsOf = (): DeductionTable => {
    const own = deductionTables.get(ctx.orgCode());
    return { isExample: own === undefined, lines: own ?? exampleDeductions() };
  };
  const currencyMarks = new Map<string, CurrencyMark>();
  const targets = new Map<string, SyncTargetView>();
  const secrets = new Set<string>();
  const synced = new Set<number>();
  const syncHandlers = new Set<(status: SyncStatus) => void>();
  const checking = new Map<string, BucketCheckProgress>();
  /** Each org's restore under way (its job number), as the core runs one at a time. */
  const restoring = new Map<string, number>();
  let nextRestoreJob = 9000;
  const inboxHandlers = new Set<(status: InboxStatus) => void>();
  let inbox: InboxView | null = null;
  let device: DeviceSettings = { retentionDays: 30, workers: 2 };

  const counts = (org: string): OutboxCounts => {
    const target = targets.get(org);
    const outputs = target ? ctx.outputs() : [];
    const done = outputs.filter((o) => synced.has(o.id)).length;
    return {
      pending: outputs.length - done,
      uploading: 0,
      synced: done,
      conflict: 0,
      failed: 0,
      lastError: null,
      lastSuccess: done > 0 ? ctx.now() : null,
    };
  };
  const status = (): SyncStatus => {
    const org = ctx.orgCode();
    return { target: targets.get(org) ?? null, counts: counts(org), checking: checking.get(org) ?? null };
  };
  const announceSync = () => {
    const now = status();
    for (const h of [...syncHandlers]) h(structuredClone(now));
  };
  const inboxStatus = (): InboxStatus =>
    inbox
      ? { state: "watching", folder: inbox.folder, watchedBy: null, arriving: [], pausedBecause: null }
      : { state: "off", folder: null, watchedBy: null, arriving: [], pausedBecause: null };
  const announceInbox = () => {
    const now = inboxStatus();
    for (const h of [...inboxHandlers]) h(now);
  };
  const targetOf = (): SyncTargetView => {
    const target = targets.get(ctx.orgCode());
    if (!target) throw fail("not_found", `No sync target is set for ${ctx.orgCode()}.`);
    return target;
  };

  return {
    isSynced: (id) => synced.has(id),
    async subscribeSync(handler) {
      syncHandlers.add(handler);
      handler(status());
      return () => {
        syncHandlers.delete(handler);
      };
    },
    syncStatus: () => ctx.run("sync_status", status),
    syncConfigure: (settings, secret) =>
      ctx.run("sync_configure", () => {
        ctx.requireWriter("set up or run the sync of outputs");
        const org = ctx.orgCode();
        const problems: string[] = [];
        if (!/^https?:\/\/[^/\s]+\/?$/.test(settings.endpoint.trim())) {
          problems.push(`the endpoint '${settings.endpoint}' is not a URL like https://s3.eu-central-1.amazonaws.com`);
        }
        if (!settings.bucket.trim()) problems.push("the bucket name is empty");
        if (!settings.region.trim()) problems.push("the region is empty (use auto for R2, us-east-1 when unsure)");
        if (!secret && !secrets.has(org)) problems.push("give the secret access key as well");
        if (problems.length > 0) {
          throw fail("validation", `The sync settings were not saved: ${problems.join("; ")}.`);
        }
        if (secret) secrets.add(org);
        const view: SyncTargetView = { ...settings, enabled: true, updatedAt: ctx.now(), checkedAt: null, halted: null };
        targets.set(org, view);
        queueMicrotask(announceSync);
        return view;
      }),
    syncSetEnabled: (enabled) =>
      ctx.run("sync_set_enabled", () => {
        ctx.requireWriter("set up or run the sync of outputs");
        const view = { ...targetOf(), enabled, halted: null };
        targets.set(ctx.orgCode(), view);
        queueMicrotask(announceSync);
        return view;
      }),
    syncForget: () =>
      ctx.run("sync_forget", () => {
        ctx.requireWriter("set up or run the sync of outputs");
        targets.delete(ctx.orgCode());
        secrets.delete(ctx.orgCode());
        queueMicrotask(announceSync);
      }),
    syncTest: () =>
      ctx.run("sync_test", () => {
        ctx.requireWriter("test the sync settings");
        const target = targetOf();
        if (/missing/.test(target.bucket)) {
          throw fail("sync_failed", `The bucket ${target.bucket} does not exist at ${target.endpoint}. Check its name, or create it.`);
        }
        return `Connected: wrote, read back and deleted a test file in ${target.bucket}.`;
      }),
    syncRun: () =>
      ctx.run("sync_run", () => {
        ctx.requireWriter("sync outputs");
        if (targetOf().enabled) for (const o of ctx.outputs()) synced.add(o.id);
        queueMicrotask(announceSync);
        return counts(ctx.orgCode());
      }),
    syncCheck: async (deep) => {
      const report = await ctx.run(deep ? "sync_check_deep" : "sync_check", () => {
        ctx.requireWriter("set up or run the sync of outputs");
        const org = ctx.orgCode();
        targets.set(org, { ...targetOf(), checkedAt: ctx.now() });
        queueMicrotask(announceSync);
        // The fake's bucket never loses anything: every synced output is found.
        const now = counts(org);
        const summary =
          now.synced === 0
            ? `No output of ${org} has reached the bucket yet: nothing to check.`
            : now.synced === 1
              ? `The one synced output of ${org} is in the bucket as it was sent.`
              : `All ${now.synced} synced outputs of ${org} are in the bucket as they were sent.`;
        return { check: { checked: now.synced, missing: [], altered: [], unreadable: [] }, counts: now, summary };
      });
      // The deep check downloads every synced output: its progress moves in the status, one
      // output at a time, as the core's does.
      if (deep) {
        const org = ctx.orgCode();
        const outputs = report.check.checked;
        for (let compared = 0; compared < outputs; compared++) {
          checking.set(org, { deep: true, listed: outputs, compared, outputs });
          announceSync();
          await new Promise((resolve) => setTimeout(resolve, FAKE_DOWNLOAD_MS));
        }
        checking.delete(org);
        announceSync();
      }
      return report;
    },
    syncRetryFailed: () =>
      ctx.run("sync_retry_failed", () => {
        ctx.requireWriter("sync outputs");
        return 0;
      }),
    syncRestore: () =>
      ctx.run("sync_restore", (): JobRequest => {
        ctx.requireWriter("restore outputs");
        targetOf();
        const org = ctx.orgCode();
        const underway = restoring.get(org);
        if (underway !== undefined) return { jobId: underway, alreadyUnderway: true };
        const jobId = nextRestoreJob++;
        restoring.set(org, jobId);
        // The fake's bucket holds nothing this device lacks, so its restore ends soon, empty.
        setTimeout(() => restoring.delete(org), 1000);
        return { jobId, alreadyUnderway: false };
      }),
    shareOutput: (id, days) =>
      ctx.run("share_output", () => {
        const output = ctx.outputs().find((o) => o.id === id);
        if (output?.withdrawn) {
          // The core's refusal (`withdrawn_share_refusal`), in its words.
          throw fail(
            "precondition_failed",
            `${output.filename} belongs to a withdrawn bill or work slip, so it is not shared by link: the bucket holds it as it was made, unmarked. Save a copy with Save as… instead: the copy is marked WITHDRAWN.`,
          );
        }
        if (!synced.has(id)) throw fail("validation", `Output #${id} is not in the bucket yet; share it once it has synced.`);
        const target = targetOf();
        const expires = new Date(Date.parse(ctx.now()) + days * 86_400_000).toISOString();
        return { url: `${target.endpoint}/${target.bucket}/output-${id}?X-Amz-Expires=${days * 86_400}`, expiresAt: expires };
      }),
    currencyMark: () => ctx.run("currency_mark", () => currencyMarks.get(ctx.orgCode()) ?? "Rs."),
    setCurrencyMark: (mark) =>
      ctx.run("currency_mark_set", () => {
        ctx.requireWriter("change how documents write amounts");
        currencyMarks.set(ctx.orgCode(), mark);
      }),
    inboxSettings: () => ctx.run("inbox_settings", () => inbox),
    inboxSet: (folder) =>
      ctx.run("inbox_set", () => {
        ctx.requireWriter("set up the inbox folder");
        refuseTakeover(ctx, inbox);
        if (!folder.startsWith("/")) {
          throw fail("validation", `The inbox folder must be a full path (like /home/you/Estimates inbox), not '${folder}'.`);
        }
        inbox = { folder, orgCode: ctx.orgCode(), username: ctx.username(), setAt: ctx.now() };
        queueMicrotask(announceInbox);
        return inbox;
      }),
    inboxClear: () =>
      ctx.run("inbox_clear", () => {
        ctx.requireWriter("set up the inbox folder");
        refuseTakeover(ctx, inbox);
        inbox = null;
        queueMicrotask(announceInbox);
      }),
    async subscribeInbox(handler) {
      inboxHandlers.add(handler);
      handler(inboxStatus());
      return () => {
        inboxHandlers.delete(handler);
      };
    },
    chooseFolder: () => ctx.run("choose_folder", () => "/home/user/Estimates inbox"),
    deviceSettings: () => ctx.run("device_settings", () => device),
    listDeductions: () => ctx.run("list_deductions", deductionsOf),
    saveDeduction: (line) =>
      ctx.run("save_deduction", () => {
        ctx.requireWriter("change the deductions table");
        const value = Number(line.chargeValue.replace(/,/g, ""));
        if (line.chargeValue.trim() === "" || Number.isNaN(value)) {
          throw fail("validation", `Deduction line ${line.code}: rate or amount: '${line.chargeValue}' is not a number.`);
        }
        if (line.chargeKind === "percent" && (value < 0 || value > 100)) {
          throw fail("validation", `Deduction line ${line.code}: the rate must be a percentage from 0 to 100, not ${line.chargeValue}.`);
        }
        // The core keeps the code's earlier lines for the days before a dated line; the fake keeps
        // the simple cases: a line without dates replaces the code's lines, a dated one the
        // code's line that starts on its day.
        const lines = [...deductionsOf().lines];
        const sameCode = (l: DeductionLineForm) => l.code.toLowerCase() === line.code.toLowerCase();
        const undated = line.validFrom.trim() === "" && line.validTo.trim() === "";
        const at = lines.findIndex(sameCode);
        const kept = lines.filter((l) => !sameCode(l) || (!undated && l.validFrom !== line.validFrom));
        kept.splice(at >= 0 ? Math.min(at, kept.length) : kept.length, 0, { ...line });
        deductionTables.set(ctx.orgCode(), kept);
        return deductionsOf();
      }),
    removeDeduction: (code, validFrom) =>
      ctx.run("remove_deduction", () => {
        ctx.requireWriter("change the deductions table");
        const lines = deductionsOf().lines.filter((l) => l.code.toLowerCase() !== code.toLowerCase() || l.validFrom !== validFrom);
        deductionTables.set(ctx.orgCode(), lines);
        return deductionsOf();
      }),
    saveDeviceSettings: (next) =>
      ctx.run("device_settings_save", () => {
        if (!ctx.isSuperuser()) throw fail("denied", "Your account (standard) may not change this computer's settings. Only a superuser can.");
        const problems: string[] = [];
        if (next.retentionDays < 1 || next.retentionDays > 3650) problems.push(`retention must be 1 to 3650 days, not ${next.retentionDays}`);
        if (next.workers < 1 || next.workers > 16) problems.push(`the worker count must be 1 to 16, not ${next.workers}`);
        if (problems.length > 0) throw fail("validation", `The settings were not saved: ${problems.join("; ")}.`);
        device = { ...next };
        return device;
      }),
  };
}
