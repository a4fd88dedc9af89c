/**
 * The settings part of the backend contract: sync of the active org's outputs, this device's
 * inbox folder and its own settings. `Backend` extends it, and the fake's settings side
 * implements it, so the two cannot drift and neither imports the other.
 */
import type { BucketCheckReport } from "./bindings/BucketCheckReport";
import type { CurrencyMark } from "./bindings/CurrencyMark";
import type { DeductionLineForm } from "./bindings/DeductionLineForm";
import type { DeductionTable } from "./bindings/DeductionTable";
import type { DeviceSettings } from "./bindings/DeviceSettings";
import type { InboxStatus } from "./bindings/InboxStatus";
import type { InboxView } from "./bindings/InboxView";
import type { OutboxCounts } from "./bindings/OutboxCounts";
import type { JobRequest } from "./bindings/JobRequest";
import type { ShareLink } from "./bindings/ShareLink";
import type { SyncSettings } from "./bindings/SyncSettings";
import type { SyncStatus } from "./bindings/SyncStatus";
import type { SyncTargetView } from "./bindings/SyncTargetView";

export interface SettingsCommands {
  /** The active org's sync status now and after each change, until the returned stop is called. */
  subscribeSync(handler: (status: SyncStatus) => void): Promise<() => void>;
  syncStatus(): Promise<SyncStatus>;
  /** Saves the target; `secret` may be null to keep the one already in the keyring. */
  syncConfigure(settings: SyncSettings, secret: string | null): Promise<SyncTargetView>;
  syncSetEnabled(enabled: boolean): Promise<SyncTargetView>;
  syncForget(): Promise<void>;
  /** One sentence: what the probe did, or (rejecting) why the bucket cannot be reached. */
  syncTest(): Promise<string>;
  syncRun(): Promise<OutboxCounts>;
  /** Looks for the synced outputs in the bucket; those gone or replaced there are sent again. */
  /** `deep` also downloads every synced output and compares its bytes (slower). */
  syncCheck(deep: boolean): Promise<BucketCheckReport>;
  syncRetryFailed(): Promise<number>;
  /** Queues a restore of the org's outputs from its bucket, or joins the one under way. */
  syncRestore(): Promise<JobRequest>;
  shareOutput(id: number, days: number): Promise<ShareLink>;
  inboxSettings(): Promise<InboxView | null>;
  inboxSet(folder: string): Promise<InboxView>;
  inboxClear(): Promise<void>;
  /** The inbox watcher's state now and after each change. */
  subscribeInbox(handler: (status: InboxStatus) => void): Promise<() => void>;
  /** A folder the person picks in a native dialog, or null when they cancel. */
  chooseFolder(): Promise<string | null>;
  deviceSettings(): Promise<DeviceSettings>;
  /** Superusers only; the worker count applies from the next start. */
  saveDeviceSettings(settings: DeviceSettings): Promise<DeviceSettings>;
  /** How the active org's documents write amounts: "Rs." (the default) or "₹". */
  currencyMark(): Promise<CurrencyMark>;
  /** Sets it for documents made from now on (owners and admins); made documents keep theirs. */
  setCurrencyMark(mark: CurrencyMark): Promise<void>;
  /** The active org's additions and deductions (the example set until first changed). */
  listDeductions(): Promise<DeductionTable>;
  /** Adds a line, or replaces the line with the same code (owners and admins). */
  saveDeduction(line: DeductionLineForm): Promise<DeductionTable>;
  /** Removes the code's line in force from `validFrom` (dd-mm-yyyy; blank for the one without a first day). */
  removeDeduction(code: string, validFrom: string): Promise<DeductionTable>;
}
