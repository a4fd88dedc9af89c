/**
 * The one door to the Rust core.
 *
 * Every `invoke` and every event listener in the frontend lives in this file. The rest of the UI
 * talks to a `Backend` (the contract, in `backendApi.ts`, re-exported here) it receives through
 * React context (see `backendContext.tsx`), so the same components run against:
 *
 * - `tauriBackend`: the real shell, through `@tauri-apps/api` (this file);
 * - `createFakeBackend(seed)` in `fake/backend.ts`: an in-memory stand-in used by the Vitest tests
 *   and by `npm run dev` in a plain browser. It follows the same rules as the core as far as the
 *   screens can tell (who may enter which org, effective roles, lockout, audit rows), but it is
 *   not the gate and proves nothing about it.
 *
 * `runningInTauri()` tells `main.tsx` and `reactApp.tsx` which of the two to use.
 *
 * Every method rejects with an `ApiError` (`{code, message}`), never with anything else, so
 * callers can branch on `code` and show `message` where the action happened.
 */
import { Channel, invoke, isTauri } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { AppStatus } from "./bindings/AppStatus";
import type { AuditAnchor } from "./bindings/AuditAnchor";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { AuditVerification } from "./bindings/AuditVerification";
import type { BucketCheckReport } from "./bindings/BucketCheckReport";
import type { CurrencyMark } from "./bindings/CurrencyMark";
import type { BillDraft } from "./bindings/BillDraft";
import type { BillView } from "./bindings/BillView";
import type { DocumentPreview } from "./bindings/DocumentPreview";
import type { JobFilesView } from "./bindings/JobFilesView";
import type { OutputView } from "./bindings/OutputView";
import type { QueuedDocument } from "./bindings/QueuedDocument";
import type { DeductionTable } from "./bindings/DeductionTable";
import type { Withdrawn } from "./bindings/Withdrawn";
import type { WorkForm } from "./bindings/WorkForm";
import type { WorkslipDraft } from "./bindings/WorkslipDraft";
import type { WorkslipView } from "./bindings/WorkslipView";
import type { DeviceSettings } from "./bindings/DeviceSettings";
import type { InboxStatus } from "./bindings/InboxStatus";
import type { InboxView } from "./bindings/InboxView";
import type { OutboxCounts } from "./bindings/OutboxCounts";
import type { JobRequest } from "./bindings/JobRequest";
import type { ShareLink } from "./bindings/ShareLink";
import type { SyncStatus } from "./bindings/SyncStatus";
import type { SyncTargetView } from "./bindings/SyncTargetView";
import type { EstimateDetail } from "./bindings/EstimateDetail";
import type { EstimateSummary } from "./bindings/EstimateSummary";
import type { JobEvent } from "./bindings/JobEvent";
import type { JobView } from "./bindings/JobView";
import type { MemberView } from "./bindings/MemberView";
import type { OrgChoice } from "./bindings/OrgChoice";
import type { OrgDetails } from "./bindings/OrgDetails";
import type { SessionView } from "./bindings/SessionView";
import type { UploadOutcome } from "./bindings/UploadOutcome";
import { toApiError, type Backend } from "./backendApi";

export { isApiError, toApiError } from "./backendApi";
export type { AuditQuery, Backend, Credentials, FileDropHandlers, NewAccount } from "./backendApi";

/**
 * The window's file-drop events. The shell emits them for a real drop, and the end-to-end test
 * emits `tauri://drag-drop` itself (the IPC call `emit` makes), so they are heard with the
 * global `listen` (any target), not only with the webview's `onDragDropEvent`.
 */
export const DRAG_EVENTS = {
  enter: "tauri://drag-enter",
  over: "tauri://drag-over",
  drop: "tauri://drag-drop",
  leave: "tauri://drag-leave",
} as const;

/** The paths of a drag-drop payload (`{paths, position}`), ignoring anything malformed. */
export function dropPaths(payload: unknown): string[] {
  if (typeof payload !== "object" || payload === null) return [];
  const paths = (payload as { paths?: unknown }).paths;
  return Array.isArray(paths) ? paths.filter((p): p is string => typeof p === "string" && p !== "") : [];
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

/**
 * The real backend. Job events come through one channel per window: the shell keeps a
 * subscription alive until the window goes away (and sends only the active org's events), so
 * the channel is opened on the first `subscribeJobs` and shared by every later handler.
 */
/**
 * A window-wide channel from the shell that remembers its last value: opened by the first
 * subscriber, shared by the later ones, each of which gets the latest value at once.
 */
function sharedChannel<T>(command: string): (handler: (value: T) => void) => Promise<() => void> {
  const handlers = new Set<(value: T) => void>();
  let opened: Promise<void> | null = null;
  let latest: { value: T } | null = null;
  return async (handler) => {
    if (!opened) {
      const onStatus = new Channel<T>((value) => {
        latest = { value };
        for (const h of [...handlers]) h(value);
      });
      opened = call<null>(command, { onStatus }).then(
        () => undefined,
        (error: unknown) => {
          opened = null;
          throw error;
        },
      );
    }
    await opened;
    handlers.add(handler);
    if (latest) handler(latest.value);
    return () => {
      handlers.delete(handler);
    };
  };
}

export function createTauriBackend(): Backend {
  const subscribeSync = sharedChannel<SyncStatus>("subscribe_sync");
  const subscribeInbox = sharedChannel<InboxStatus>("subscribe_inbox");
  const jobHandlers = new Set<(event: JobEvent) => void>();
  let jobChannel: Promise<void> | null = null;

  const openJobChannel = (): Promise<void> => {
    if (!jobChannel) {
      const onEvent = new Channel<JobEvent>((event) => {
        for (const handler of [...jobHandlers]) handler(event);
      });
      jobChannel = call<null>("subscribe_jobs", { onEvent }).then(
        () => undefined,
        (error: unknown) => {
          jobChannel = null; // try again on the next subscription
          throw error;
        },
      );
    }
    return jobChannel;
  };

  return {
    appStatus: () => call<AppStatus>("app_status"),
    firstScreenShown: async () => {
      await call<null>("first_screen_shown");
    },
    createFirstAccount: ({ username, fullName, password }) =>
      call<SessionView>("create_first_account", { username, fullName, password }),
    signIn: ({ username, password }) => call<SessionView>("sign_in", { username, password }),
    changePassword: ({ username, currentPassword, newPassword }) =>
      call<SessionView>("change_password", { username, currentPassword, newPassword }),
    signOut: async () => {
      await call<null>("sign_out");
    },
    listOrgs: () => call<OrgChoice[]>("list_orgs"),
    switchOrg: (code) => call<SessionView>("switch_org", { code }),
    listMembers: () => call<MemberView[]>("list_members"),
    addMember: (username, role) => call<MemberView>("add_member", { username, role }),
    createMemberAccount: ({ username, fullName, password }, role) =>
      call<MemberView>("create_member_account", { username, fullName, password, role }),
    setMemberRole: (username, role) => call<MemberView>("set_member_role", { username, role }),
    removeMember: async (username) => {
      await call<null>("remove_member", { username });
    },
    unlockMember: (username) => call<boolean>("unlock_member", { username }),
    resetMemberPassword: (username, temporaryPassword) =>
      call<void>("reset_member_password", { username, temporaryPassword }),
    listAudit: ({ deniedOnly, limit }) => call<AuditEntry[]>("list_audit", { deniedOnly, limit }),
    verifyAudit: () => call<AuditVerification>("verify_audit"),
    reanchorAudit: (reason) => call<AuditAnchor>("reanchor_audit", { reason }),
    createOrg: async (code, name, orgType) => {
      await call<null>("create_org", { code, name, orgType });
    },
    renameOrg: (name) => call<OrgDetails>("org_rename", { name }),
    uploadFiles: (paths) => call<UploadOutcome[]>("upload_files", { paths }),
    chooseWorkbooks: () => call<string[]>("choose_workbooks"),
    importExample: () => call<QueuedDocument>("import_example"),
    listJobs: () => call<JobView[]>("list_jobs"),
    cancelJob: (id) => call<JobView>("cancel_job", { id }),
    retryJob: (id) => call<JobView>("retry_job", { id }),
    listEstimates: () => call<EstimateSummary[]>("list_estimates"),
    getEstimate: (id) => call<EstimateDetail>("get_estimate", { id }),
    getWorkForm: (estimateId) => call<WorkForm>("get_work_form", { estimateId }),
    saveWorkForm: (estimateId, form) => call<WorkForm>("save_work_form", { estimateId, form }),
    listBills: (estimateId) => call<BillView[]>("list_bills", { estimateId }),
    listWorkslips: (estimateId) => call<WorkslipView[]>("list_workslips", { estimateId }),
    billDraft: (estimateId) => call<BillDraft>("bill_draft", { estimateId }),
    previewBill: (estimateId, isFinal, entries, recoveries) =>
      call<DocumentPreview>("preview_bill", { estimateId, isFinal, entries, recoveries }),
    createBill: (estimateId, isFinal, entries, recoveries) =>
      call<QueuedDocument>("create_bill", { estimateId, isFinal, entries, recoveries }),
    workslipDraft: (estimateId) => call<WorkslipDraft>("workslip_draft", { estimateId }),
    previewWorkslip: (estimateId, entries, supplemental, rates) =>
      call<DocumentPreview>("preview_workslip", { estimateId, entries, supplemental, rates }),
    createWorkslip: (estimateId, entries, supplemental, rates) =>
      call<QueuedDocument>("create_workslip", { estimateId, entries, supplemental, rates }),
    requestAbstract: (estimateId) => call<QueuedDocument>("request_abstract", { estimateId }),
    withdrawDocument: (estimateId, document, number, reason) =>
      call<Withdrawn>("withdraw_document", { estimateId, document, number, reason }),
    listOutputs: (jobId) => call<OutputView[]>("list_outputs", { jobId }),
    jobFiles: (jobId) => call<JobFilesView>("job_files", { jobId }),
    readOutput: (id) => call<ArrayBuffer>("read_output", { id }),
    openOutput: async (id) => {
      await call<null>("open_output", { id });
    },
    saveOutputAs: (id, suggestedName) => call<string | null>("save_output_as", { id, suggestedName }),
    subscribeSync,
    syncStatus: () => call<SyncStatus>("sync_status"),
    syncConfigure: (settings, secret) => call<SyncTargetView>("sync_configure", { settings, secret }),
    syncSetEnabled: (enabled) => call<SyncTargetView>("sync_set_enabled", { enabled }),
    syncForget: async () => {
      await call<null>("sync_forget");
    },
    syncTest: () => call<string>("sync_test"),
    syncRun: () => call<OutboxCounts>("sync_run"),
    syncCheck: (deep) => call<BucketCheckReport>("sync_check", { deep }),
    syncRetryFailed: () => call<number>("sync_retry_failed"),
    syncRestore: () => call<JobRequest>("sync_restore"),
    shareOutput: (id, days) => call<ShareLink>("share_output", { id, days }),
    currencyMark: () => call<CurrencyMark>("currency_mark"),
    setCurrencyMark: async (mark) => {
      await call<null>("currency_mark_set", { mark });
    },
    inboxSettings: () => call<InboxView | null>("inbox_settings"),
    inboxSet: (folder) => call<InboxView>("inbox_set", { folder }),
    inboxClear: async () => {
      await call<null>("inbox_clear");
    },
    subscribeInbox,
    chooseFolder: () => call<string | null>("choose_folder"),
    deviceSettings: () => call<DeviceSettings>("device_settings"),
    saveDeviceSettings: (settings) => call<DeviceSettings>("device_settings_save", { settings }),
    listDeductions: () => call<DeductionTable>("list_deductions"),
    saveDeduction: (line) => call<DeductionTable>("save_deduction", { line }),
    removeDeduction: (code, validFrom) => call<DeductionTable>("remove_deduction", { code, validFrom }),
    subscribeJobs: async (handler) => {
      await openJobChannel();
      const own = (event: JobEvent) => handler(event);
      jobHandlers.add(own);
      return () => {
        jobHandlers.delete(own);
      };
    },
    onFileDrop: async (handlers) => {
      const stops: Array<() => void> = [];
      const stopAll = () => {
        for (const stop of stops.splice(0)) {
          // Tauri's unlisten functions are async; one that fails has nothing left to stop.
          Promise.resolve()
            .then(() => stop() as unknown)
            .catch(() => undefined);
        }
      };
      try {
        stops.push(await listen(DRAG_EVENTS.enter, () => handlers.enter()));
        stops.push(await listen(DRAG_EVENTS.over, () => handlers.enter()));
        stops.push(await listen(DRAG_EVENTS.leave, () => handlers.leave()));
        stops.push(await listen(DRAG_EVENTS.drop, (event) => handlers.drop(dropPaths(event.payload))));
      } catch (error) {
        stopAll();
        throw toApiError(error);
      }
      return stopAll;
    },
  };
}

export const tauriBackend: Backend = createTauriBackend();

/** True inside the Tauri webview, false in a plain browser or under Vitest. */
export function runningInTauri(): boolean {
  try {
    return isTauri() || (typeof window !== "undefined" && "__TAURI_INTERNALS__" in window);
  } catch {
    return false;
  }
}
