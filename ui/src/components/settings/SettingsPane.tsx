/**
 * Settings: the signed-in person's password, this device (data folder, inbox folder), the
 * active org's sync to a bucket, and the org's table of additions and deductions that bills are
 * paid by.
 *
 * Every change goes to the core, which checks it through the gate; the pane only disables what
 * the role cannot change, and says why. The sync secret is typed here and sent once: the core
 * puts it in the OS keyring and never shows it back.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useBackend } from "../../backendContext";
import type { ApiError } from "../../bindings/ApiError";
import type { AppStatus } from "../../bindings/AppStatus";
import type { CurrencyMark } from "../../bindings/CurrencyMark";
import type { DeductionLineForm } from "../../bindings/DeductionLineForm";
import type { DeductionTable } from "../../bindings/DeductionTable";
import type { DeviceSettings } from "../../bindings/DeviceSettings";
import type { InboxStatus } from "../../bindings/InboxStatus";
import type { InboxView } from "../../bindings/InboxView";
import type { OrgChoice } from "../../bindings/OrgChoice";
import type { SyncSettings } from "../../bindings/SyncSettings";
import type { SyncTargetView } from "../../bindings/SyncTargetView";
import type { GlobalAction } from "../../bindings/GlobalAction";
import { toApiError } from "../../backend";
import { may } from "../../logic/roles";
import { formatMoney, formatTimestamp } from "../../logic/format";
import { bucketCheckText, syncSummary } from "../../logic/sync";
import { forgetTypedForm, keepTypedForm, typedForm } from "../../logic/typedDrafts";
import { useFeed } from "../../useFeed";
import { useLoad } from "../../useLoad";
import { ChoiceField, SegmentedChoice, type Choices } from "../common/Choices";
import { InlineError } from "../common/ErrorBanner";
import { CheckIcon, CloudIcon, EyeIcon, FolderIcon, InfoIcon } from "../common/Icons";
import { LedgerHead, screenReaderOnly } from "../common/Ledger";
import { PaneHeader } from "../common/Pane";
import { TextField } from "../common/TextField";

type Props = { org: OrgChoice };

/** A message shown beside the buttons of one section: what the last action did. */
type Said = { ok: true; text: string } | { ok: false; error: ApiError } | null;

function SaidLine({ said, testId }: { said: Said; testId: string }) {
  if (!said) return null;
  if (said.ok) {
    return (
      <span className="saved-note" role="status" data-testid={testId}>
        <CheckIcon /> {said.text}
      </span>
    );
  }
  return <InlineError message={said.error.message} testId={`${testId}-error`} />;
}

/**
 * One section's action state: which action runs (its buttons are disabled meanwhile) and what
 * the last one said, shown beside the buttons.
 */
function useSectionAction() {
  const [busy, setBusy] = useState<string | null>(null);
  const [said, setSaid] = useState<Said>(null);
  const act = async (name: string, work: () => Promise<Said>) => {
    setBusy(name);
    setSaid(null);
    try {
      setSaid(await work());
    } catch (error) {
      setSaid({ ok: false, error: toApiError(error) });
    } finally {
      setBusy(null);
    }
  };
  return { busy, said, setSaid, act };
}

/**
 * Reads what a section starts from, again whenever `read` changes; a failure is said beside the
 * section's buttons like a failed action, so the rest of the pane still works.
 */
function useSectionRead<T>(read: () => Promise<T>, show: (value: T) => void, setSaid: (said: Said) => void) {
  useEffect(() => {
    let live = true;
    read().then(
      (value) => live && show(value),
      (error: unknown) => live && setSaid({ ok: false, error: toApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, [read, show, setSaid]);
}

export function SettingsPane({
  org,
  mayGlobally,
  username,
  onOrgRenamed,
}: Props & { mayGlobally: GlobalAction[]; username: string; onOrgRenamed: () => void }) {
  return (
    <>
      <PaneHeader title="Settings" />
      <div className="settings">
        <OrganizationSection org={org} onRenamed={onOrgRenamed} />
        <AccountSection username={username} />
        <DeviceSection mayChange={mayGlobally.includes("device_settings")} />
        <InboxSection org={org} username={username} />
        <SyncSection org={org} />
        <DocumentsSection org={org} />
        <DeductionsSection org={org} />
      </div>
    </>
  );
}

/**
 * The active org's name, which its owners (and superusers) change. Its code, which people type
 * and its folders are named by, stays; documents already made keep the name they print.
 */
function OrganizationSection({ org, onRenamed }: Props & { onRenamed: () => void }) {
  const backend = useBackend();
  const [name, setName] = useState(org.name);
  // Another org chosen, or this one renamed: the field starts again from its name.
  useEffect(() => setName(org.name), [org.code, org.name]);
  const { busy, said, act } = useSectionAction();
  const mayRename = may(org, "org_rename");
  const unchanged = name.trim() === org.name;
  const rename = (event: FormEvent) => {
    event.preventDefault();
    void act("rename", async () => {
      const renamed = await backend.renameOrg(name);
      onRenamed();
      return {
        ok: true,
        text: `${renamed.code} is now named “${renamed.name}”. Its code stays; documents already made keep the name they print.`,
      };
    });
  };
  return (
    <section className="settings-section" aria-labelledby="settings-organization">
      <h2 id="settings-organization">Organization</h2>
      <p className="muted settings-help">
        <span className="mono">{org.code}</span>: the name new bills, work slips and abstracts print as their author. The code, which
        people type and its folders are named by, stays as it is.
      </p>
      {!mayRename ? (
        <p className="muted read-only-note">
          <EyeIcon /> Only owners of {org.code} rename it.
        </p>
      ) : null}
      <form className="settings-form" onSubmit={rename}>
        <div className="form-grid">
          <TextField label="Name" value={name} onValue={setName} disabled={!mayRename || busy !== null} data-testid="org-name" />
        </div>
        <div className="form-actions">
          <button type="submit" className="button" disabled={!mayRename || busy !== null || unchanged} data-testid="org-rename">
            {busy ? "Renaming…" : "Rename"}
          </button>
          <SaidLine said={said} testId="org-said" />
        </div>
      </form>
    </section>
  );
}

/** The signed-in person's own password: the current one, and the new one twice. */
function AccountSection({ username }: { username: string }) {
  const backend = useBackend();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeated, setRepeated] = useState("");
  const { busy, said, act } = useSectionAction();
  const change = (event: FormEvent) => {
    event.preventDefault();
    void act("change", async () => {
      if (current === "" || next === "") {
        return { ok: false, error: { code: "validation", message: "Type your current password and the new one." } };
      }
      if (next !== repeated) {
        return { ok: false, error: { code: "validation", message: "The two new passwords differ; type the same one twice." } };
      }
      await backend.changePassword({ username, currentPassword: current, newPassword: next });
      setCurrent("");
      setNext("");
      setRepeated("");
      return { ok: true, text: "Password changed. Sign in with the new one from now on." };
    });
  };
  const field = (label: string, value: string, onValue: (value: string) => void, testId: string, autoComplete: string) => (
    <TextField
      label={label}
      type="password"
      autoComplete={autoComplete}
      value={value}
      onValue={onValue}
      disabled={busy !== null}
      data-testid={testId}
    />
  );
  return (
    <section className="settings-section" aria-labelledby="settings-account">
      <h2 id="settings-account">Your password</h2>
      <p className="muted settings-help">
        Signed in as <span className="mono">{username}</span>. A new password needs at least 8
        characters. Forgotten passwords are reset by an owner or admin under Members.
      </p>
      <form className="settings-form" onSubmit={change}>
        <div className="form-grid">
          {field("Current password", current, setCurrent, "account-current-password", "current-password")}
          {field("New password", next, setNext, "account-new-password", "new-password")}
          {field("Repeat the new password", repeated, setRepeated, "account-new-password-again", "new-password")}
        </div>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={busy !== null} data-testid="account-change-password">
            {busy ? "Changing…" : "Change password"}
          </button>
          <SaidLine said={said} testId="account-said" />
        </div>
      </form>
    </section>
  );
}

function DeviceSection({ mayChange }: { mayChange: boolean }) {
  const backend = useBackend();
  const load = useCallback(() => backend.appStatus(), [backend]);
  const status = useLoad<AppStatus>(load);
  const [retention, setRetention] = useState("");
  const [workers, setWorkers] = useState("");
  const { busy, said, setSaid, act } = useSectionAction();
  const readSettings = useCallback(() => backend.deviceSettings(), [backend]);
  const showSettings = useCallback((settings: DeviceSettings) => {
    setRetention(String(settings.retentionDays));
    setWorkers(String(settings.workers));
  }, []);
  useSectionRead(readSettings, showSettings, setSaid);

  const save = (event: FormEvent) => {
    event.preventDefault();
    void act("save", async () => {
      const days = Number(retention.trim());
      const count = Number(workers.trim());
      if (!Number.isInteger(days) || !Number.isInteger(count)) {
        return { ok: false, error: { code: "validation", message: "Type whole numbers: days such as 30, and a worker count such as 2." } };
      }
      // A number no setting can hold (a minus sign, eleven digits) would fail on its way to
      // the core, in words meant for programmers; the core names any other bad value itself.
      const unsigned = (value: number) => value >= 0 && value <= 0xffffffff;
      if (!unsigned(days) || !unsigned(count)) {
        return {
          ok: false,
          error: { code: "validation", message: "Output retention must be 1 to 3650 days, and jobs at once 1 to 16." },
        };
      }
      showSettings(await backend.saveDeviceSettings({ retentionDays: days, workers: count }));
      return { ok: true, text: "Saved. Retention applies at the next daily cleanup; the worker count when Sitebook starts again." };
    });
  };

  const wholeNumber = (label: string, unit: string, value: string, onValue: (value: string) => void, testId: string) => (
    <TextField
      label={
        <>
          {label} <span className="muted">· {unit}</span>
        </>
      }
      type="text"
      inputMode="numeric"
      className="num"
      value={value}
      onValue={onValue}
      disabled={!mayChange || busy !== null}
      data-testid={testId}
    />
  );

  return (
    <section className="settings-section" aria-labelledby="settings-device">
      <h2 id="settings-device">This computer</h2>
      <dl className="settings-facts">
        <dt>Data folder</dt>
        <dd className="mono" data-testid="settings-data-dir">
          {status.data?.dataDir ?? "…"}
        </dd>
        <dt>Device name</dt>
        <dd className="mono">{status.data?.device ?? "…"}</dd>
      </dl>
      <p className="muted settings-help">
        The database, the uploaded workbooks and every output live in the data folder, readable by
        your account only. To back everything up, copy the whole folder while Sitebook is closed.
        Outputs nobody saved a copy of are removed after the retention days; their job can make
        them again, byte for byte (Make again in Outputs).
      </p>
      {!mayChange ? (
        <p className="muted read-only-note" data-testid="device-readonly">
          <EyeIcon /> Only a superuser can change this computer's settings.
        </p>
      ) : null}
      <form className="settings-form" onSubmit={save}>
        <div className="form-grid">
          {wholeNumber("Output retention", "days", retention, setRetention, "device-retention")}
          {wholeNumber("Jobs at once", "1 to 16", workers, setWorkers, "device-workers")}
        </div>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={!mayChange || busy !== null} data-testid="device-save">
            {busy ? "Saving…" : "Save"}
          </button>
          <SaidLine said={said} testId="device-said" />
        </div>
      </form>
    </section>
  );
}

/** The core's rule: once set, the inbox is changed only by whoever set it, a superuser, or one
 * who manages the members of the org it imports into (it imports as the person who set it). */
function mayReplaceInbox(view: InboxView | null, org: OrgChoice, username: string): boolean {
  if (!view || view.username.toLowerCase() === username.toLowerCase() || org.role === "superuser") return true;
  return view.orgCode === org.code && may(org, "members_manage");
}

function InboxSection({ org, username }: Props & { username: string }) {
  const backend = useBackend();
  const [view, setView] = useState<InboxView | null>(null);
  const status = useFeed(backend.subscribeInbox, "device");
  const [folder, setFolder] = useState("");
  const { busy, said, setSaid, act } = useSectionAction();
  const readOnly = !may(org, "inbox_configure");
  const readInbox = useCallback(() => backend.inboxSettings(), [backend]);
  const showInbox = useCallback((found: InboxView | null) => {
    setView(found);
    // A folder chosen or typed before the saved one arrived is kept.
    setFolder((current) => (current === "" ? (found?.folder ?? "") : current));
  }, []);
  useSectionRead(readInbox, showInbox, setSaid);

  // Someone else's inbox: shown, and left to them, said before a click is refused.
  const othersInbox = !readOnly && !mayReplaceInbox(view, org, username);
  const locked = readOnly || othersInbox;

  const watch = (event: FormEvent) => {
    event.preventDefault();
    void act("watch", async () => {
      const saved = await backend.inboxSet(folder.trim());
      setView(saved);
      setFolder(saved.folder);
      return { ok: true, text: `Saved. Workbooks saved there import into ${saved.orgCode}.` };
    });
  };

  const choose = () =>
    void act("choose", async () => {
      const chosen = await backend.chooseFolder();
      if (chosen) setFolder(chosen);
      return null;
    });

  const turnOff = () =>
    void act("off", async () => {
      await backend.inboxClear();
      setView(null);
      return { ok: true, text: "The inbox is off. Files already in the folder stay where they are." };
    });

  return (
    <section className="settings-section" aria-labelledby="settings-inbox">
      <h2 id="settings-inbox">
        <FolderIcon /> Inbox folder
      </h2>
      <p className="settings-state" data-testid="inbox-state">
        {inboxStateText(status, view)}
      </p>
      <p className="muted settings-help">
        Workbooks saved or copied into this folder import by themselves once they are complete, into
        the organization that was active when it was set; a subfolder named after an organization's
        code (MOH, mafar) imports into that one. Each file then moves to imported/ or, with a note
        saying why, to failed/.
      </p>
      {readOnly ? (
        <p className="muted read-only-note">
          <EyeIcon /> Your role in {org.code} is read-only, so you cannot set an inbox folder for it.
        </p>
      ) : null}
      {othersInbox && view ? (
        <p className="muted read-only-note" data-testid="inbox-others">
          <EyeIcon /> {view.username} set this computer&rsquo;s inbox for {view.orgCode}. Only {view.username}, a superuser, or an
          owner or admin of {view.orgCode} may replace it or turn it off.
        </p>
      ) : null}
      <form className="settings-form" onSubmit={watch}>
        <label className="field wide">
          <span>Folder to watch</span>
          <span className="input-row">
            <input
              type="text"
              value={folder}
              placeholder="/home/you/Estimates inbox"
              onChange={(e) => setFolder(e.target.value)}
              disabled={locked || busy !== null}
              data-testid="inbox-folder"
            />
            <button type="button" className="button" onClick={choose} disabled={locked || busy !== null} data-testid="inbox-choose">
              Choose…
            </button>
          </span>
        </label>
        <div className="form-actions">
          <button
            type="submit"
            className="button primary"
            disabled={locked || busy !== null || folder.trim() === "" || folder.trim() === view?.folder}
            data-testid="inbox-watch"
          >
            Watch this folder
          </button>
          {view ? (
            <button type="button" className="button" onClick={turnOff} disabled={locked || busy !== null} data-testid="inbox-off">
              Turn off
            </button>
          ) : null}
          <SaidLine said={said} testId="inbox-said" />
        </div>
      </form>
    </section>
  );
}

function inboxStateText(status: InboxStatus | null, view: InboxView | null): string {
  const who = view ? ` Files go to ${view.orgCode}, imported as ${view.username}.` : "";
  switch (status?.state) {
    case "watching": {
      const { arriving: files } = status;
      const arriving =
        files.length > 0 ? ` ${files.join(", ")} ${files.length === 1 ? "looks" : "look"} incomplete (still being copied?); waiting for the rest.` : "";
      return `Watching ${status.folder}.${who}${arriving}`;
    }
    case "missing":
      return `The folder ${status.folder} is not there (an unplugged drive?). Watching resumes when it returns.${who}`;
    case "watchedElsewhere":
      return `${status.watchedBy ?? "Another Sitebook"} is watching ${status.folder}, so this window leaves its files alone and takes over when that one stops.${who}`;
    case "paused":
      return `Paused: files saved directly in ${status.folder} are left as they are. ${status.pausedBecause ?? ""}${who}`;
    default:
      return view ? `Starting to watch ${view.folder}…` : "No inbox folder is set on this computer.";
  }
}

/** The settings of a saved target, without its state. */
function savedSettings(target: SyncTargetView): SyncSettings {
  const { enabled: _enabled, updatedAt: _updatedAt, checkedAt: _checkedAt, halted: _halted, ...settings } = target;
  return settings;
}

const EMPTY_SYNC: SyncSettings = {
  endpoint: "",
  region: "us-east-1",
  bucket: "",
  prefix: "",
  pathStyle: false,
  accessKeyId: "",
};

function SyncSection({ org }: Props) {
  const backend = useBackend();
  const status = useFeed(backend.subscribeSync, org.code);
  const keptKey = `sync/${org.code}`;
  const [restored] = useState(() => typedForm<SyncSettings>(keptKey));
  const [form, setForm] = useState<SyncSettings>(restored ?? EMPTY_SYNC);
  const [keptShown, setKeptShown] = useState(true);
  const [secret, setSecret] = useState("");
  const { busy, said, act } = useSectionAction();
  const [loaded, setLoaded] = useState(false);
  const [deepCheck, setDeepCheck] = useState(false);
  const mayChange = may(org, "sync_configure");

  // The form starts from the saved target, once (or from what was typed and not saved); later
  // statuses only move the counts. The core sends a new status after every change, so the
  // buttons follow by themselves.
  useEffect(() => {
    if (loaded || status === null) return;
    setLoaded(true);
    if (status.target && restored === null) setForm(savedSettings(status.target));
  }, [status, loaded, restored]);

  const target = status?.target ?? null;
  // What was typed is kept across a visit to another pane until it is saved or matches the
  // saved target again. The secret is never kept: it goes to the keyring or nowhere.
  useEffect(() => {
    if (!loaded) return;
    const saved = target ? savedSettings(target) : EMPTY_SYNC;
    if (JSON.stringify(form) === JSON.stringify(saved)) forgetTypedForm(keptKey);
    else keepTypedForm(keptKey, form);
  }, [form, target, loaded, keptKey]);
  const summary = syncSummary(status, mayChange);
  // Test checks the saved target; with other settings typed, it would report on what the form
  // no longer shows, so it waits until they are saved.
  const unsaved =
    loaded && (secret !== "" || JSON.stringify(form) !== JSON.stringify(target ? savedSettings(target) : EMPTY_SYNC));
  const savedFirst = "Save the settings first: Test, Sync now and Check use the saved target, not what is typed.";
  const set = <K extends keyof SyncSettings>(key: K) => (value: SyncSettings[K]) => setForm((f) => ({ ...f, [key]: value }));

  const save = (event: FormEvent) => {
    event.preventDefault();
    void act("save", async () => {
      // The form then shows the target as the core keeps it (a URL tidied), so it is saved.
      setForm(savedSettings(await backend.syncConfigure(form, secret === "" ? null : secret)));
      setSecret("");
      return { ok: true, text: "Saved. The secret is in the system keyring; outputs start syncing." };
    });
  };

  const toggle = (enabled: boolean) =>
    void act("toggle", async () => {
      const next = await backend.syncSetEnabled(enabled);
      return { ok: true, text: next.enabled ? "Sync is on." : "Sync is paused; nothing is sent until it is on again." };
    });

  const restore = () =>
    void act("restore", async () => {
      const { jobId, alreadyUnderway } = await backend.syncRestore();
      const start = alreadyUnderway ? `A restore is already under way as job ${jobId}; it fetches each file once` : `Restore queued as job ${jobId}`;
      return { ok: true, text: `${start}; follow it in Jobs. Restored files appear in Outputs.` };
    });

  const check = () =>
    void act("check", async () => {
      const report = await backend.syncCheck(deepCheck);
      return report.counts.failed > 0
        ? { ok: false, error: { code: "sync_failed", message: `${report.summary} ${report.counts.lastError ?? ""}`.trim() } }
        : { ok: true, text: report.summary };
    });

  const retryFailed = () =>
    void act("retry", async () => ({ ok: true, text: `${await backend.syncRetryFailed()} failed outputs will be tried again.` }));

  const forget = () =>
    void act("forget", async () => {
      await backend.syncForget();
      setForm(EMPTY_SYNC);
      return { ok: true, text: "Sync is off and the secret was removed from the keyring. The bucket keeps its files." };
    });

  const disabled = !mayChange || busy !== null;
  const field = (label: string, key: "endpoint" | "region" | "bucket" | "prefix" | "accessKeyId", placeholder: string, wide = false) => (
    <TextField
      label={label}
      wide={wide}
      type="text"
      value={form[key]}
      placeholder={placeholder}
      onValue={set(key)}
      disabled={disabled}
      spellCheck={false}
      autoComplete="off"
      data-testid={`sync-${key}`}
    />
  );

  return (
    <section className="settings-section" aria-labelledby="settings-sync">
      <h2 id="settings-sync">
        <CloudIcon /> Sync to a bucket · {org.code}
      </h2>
      <p className="settings-state" data-testid="sync-state">
        {!loaded
          ? "Loading…"
          : summary
            ? `${summary.text}. ${summary.title}`
            : `Outputs of ${org.code} stay on this computer only.`}
      </p>
      <p className="muted settings-help">
        Every bill, work slip and abstract of {org.code} is copied to an S3-compatible bucket (AWS S3, Cloudflare
        R2, a Garage cluster), so it survives a lost laptop and can be shared with a link. Existing files are never
        overwritten.
      </p>
      {!mayChange ? (
        <p className="muted read-only-note" data-testid="sync-readonly">
          <EyeIcon /> Only an owner or admin of {org.code} can change where its outputs sync.
        </p>
      ) : null}
      <form className="settings-form" onSubmit={save}>
        {restored !== null && keptShown ? (
          <p className="notice editor-restored" role="status" data-testid="sync-restored">
            What you typed here before is back; nothing is saved until you save (the secret is never kept: type it
            again).{" "}
            <button
              type="button"
              className="button quiet"
              onClick={() => {
                setForm(target ? savedSettings(target) : EMPTY_SYNC);
                setKeptShown(false);
              }}
              data-testid="sync-start-again"
            >
              Start again
            </button>
          </p>
        ) : null}
        <div className="form-grid">
          {field("Endpoint URL", "endpoint", "https://s3.eu-central-1.amazonaws.com", true)}
          {field("Region", "region", "us-east-1, or auto for R2")}
          {field("Bucket", "bucket", "district-7-outputs")}
          {field("Key prefix (optional)", "prefix", "sitebook")}
          {field("Access key ID", "accessKeyId", "AKIA…")}
          <TextField
            label="Secret access key"
            type="password"
            value={secret}
            placeholder={target ? "Kept in the keyring; type to replace" : "Stored in the system keyring only"}
            onValue={setSecret}
            disabled={disabled}
            autoComplete="off"
            data-testid="sync-secret"
          />
          <label className="field check-field">
            <input
              type="checkbox"
              checked={form.pathStyle}
              onChange={(e) => set("pathStyle")(e.target.checked)}
              disabled={disabled}
              data-testid="sync-pathStyle"
            />
            <span>Path-style addresses (Garage, MinIO)</span>
          </label>
        </div>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={disabled} data-testid="sync-save">
            {busy === "save" ? "Saving…" : target ? "Save changes" : "Save and turn on"}
          </button>
          <button
            type="button"
            className="button"
            disabled={disabled || !target || unsaved}
            title={target && unsaved ? savedFirst : undefined}
            data-testid="sync-test"
            onClick={() => void act("test", async () => ({ ok: true, text: await backend.syncTest() }))}
          >
            {busy === "test" ? "Testing…" : "Test connection"}
          </button>
          <button
            type="button"
            className="button"
            disabled={disabled || !target?.enabled || unsaved}
            title={target && unsaved ? savedFirst : undefined}
            data-testid="sync-run"
            onClick={() =>
              void act("run", async () => {
                const counts = await backend.syncRun();
                return counts.failed > 0
                  ? { ok: false, error: { code: "sync_failed", message: counts.lastError ?? `${counts.failed} outputs failed.` } }
                  : { ok: true, text: `Synced. ${counts.synced === 1 ? "1 output is" : `${counts.synced} outputs are`} in the bucket.` };
              })
            }
          >
            {busy === "run" ? "Syncing…" : "Sync now"}
          </button>
          {target ? (
            <>
              <button type="button" className="button" disabled={disabled} data-testid="sync-toggle" onClick={() => toggle(!target.enabled)}>
                {target.enabled ? "Pause sync" : "Turn sync on"}
              </button>
              <button
                type="button"
                className="button"
                disabled={disabled}
                data-testid="sync-restore"
                title="Fetch the files of this organization that this computer does not have (a new laptop)"
                onClick={restore}
              >
                Restore from bucket
              </button>
              <span className="action-with-option">
                <button
                  type="button"
                  className="button"
                  disabled={disabled || unsaved}
                  data-testid="sync-check"
                  title="Look for every synced output in the bucket, and send again any that were deleted or replaced there"
                  onClick={check}
                >
                  {busy === "check" ? (deepCheck ? "Comparing contents…" : "Checking…") : "Check the bucket"}
                </button>
                <label
                  className="check-field"
                  title="Also download every synced output and compare it byte for byte: finds one replaced by other bytes of the same size. Slower: it reads the whole folder back."
                >
                  <input
                    type="checkbox"
                    checked={deepCheck}
                    onChange={(e) => setDeepCheck(e.target.checked)}
                    disabled={disabled}
                    data-testid="sync-check-deep"
                  />
                  <span>compare contents</span>
                </label>
              </span>
            </>
          ) : null}
          {status && status.counts.failed > 0 ? (
            <button type="button" className="button" disabled={disabled} onClick={retryFailed}>
              Retry failed
            </button>
          ) : null}
          {target ? (
            <button type="button" className="button quiet" disabled={disabled} onClick={forget}>
              Forget target
            </button>
          ) : null}
        </div>
        <div className="settings-said">
          {target && unsaved && mayChange ? (
            <p className="muted small" data-testid="sync-unsaved">
              {savedFirst}
            </p>
          ) : (
            <SaidLine said={said} testId="sync-said" />
          )}
        </div>
      </form>
      {status && target ? (
        <p className="muted settings-help" data-testid="sync-counts">
          <InfoIcon /> {status.counts.synced} synced · {status.counts.pending + status.counts.uploading} waiting ·{" "}
          {status.counts.conflict} kept as conflicts · {status.counts.failed} failed
          {status.counts.lastSuccess ? ` · last success ${formatTimestamp(status.counts.lastSuccess)}` : ""}
          {target.checkedAt && !status.checking ? ` · bucket checked ${formatTimestamp(target.checkedAt)}` : ""}
          {status.checking ? <span data-testid="sync-check-progress"> · {bucketCheckText(status.checking)}</span> : null}
        </p>
      ) : null}
    </section>
  );
}

const BLANK_DEDUCTION: DeductionLineForm = {
  code: "",
  label: "",
  effect: "deduction",
  base: "gross",
  chargeKind: "percent",
  chargeValue: "",
  threshold: "",
  capKind: "none",
  capValue: "",
  validFrom: "",
  validTo: "",
  unlessEstimateHasLc: false,
  individualPercent: "",
};

const DEDUCTION_COLUMNS = ["Code", "Line", "Rate", "Applies", "In force", screenReaderOnly("Actions")];
const EFFECTS: Choices<DeductionLineForm["effect"]> = [["deduction", "Deduct"], ["addition", "Add"]];
const CHARGE_KINDS: Choices<DeductionLineForm["chargeKind"]> = [["percent", "% of the base"], ["fixed", "Fixed per bill"]];
const BASES: Choices<DeductionLineForm["base"]> = [["gross", "The bill's gross"], ["gross_with_additions", "Gross with additions"]];
const CAP_KINDS: Choices<DeductionLineForm["capKind"]> = [
  ["none", "None"],
  ["amount", "An amount"],
  ["percent_of_contract", "% of the contract"],
];

function rateText(line: DeductionLineForm): string {
  return line.chargeKind === "fixed" ? `Rs. ${formatMoney(line.chargeValue)} per bill` : `${line.chargeValue} %`;
}

function capText(line: DeductionLineForm): string {
  if (line.capKind === "amount") return `up to Rs. ${formatMoney(line.capValue)} in all`;
  if (line.capKind === "percent_of_contract") return `up to ${line.capValue} % of the contract`;
  return "";
}

/**
 * The org's additions and deductions (DOMAIN.md §2a): the example set until the office changes
 * a line. Each bill freezes the lines in force on its date, so a change here alters no issued
 * bill. Owners and admins edit; everyone else sees the table and why they cannot.
 */
const CURRENCY_MARKS: CurrencyMark[] = ["Rs.", "₹"];

/** How the org's documents write amounts: "Rs." (the default) or "₹". */
function DocumentsSection({ org }: Props) {
  const backend = useBackend();
  const [mark, setMark] = useState<CurrencyMark | null>(null);
  const { busy, said, setSaid, act } = useSectionAction();
  const mayChange = may(org, "settings_edit");
  // `org.code` is a dependency on purpose: another org's mark is read afresh.
  const readMark = useCallback(() => backend.currencyMark(), [backend, org.code]);
  useSectionRead(readMark, setMark, setSaid);

  const choose = (next: CurrencyMark) =>
    void act("save", async () => {
      await backend.setCurrencyMark(next);
      setMark(next);
      return { ok: true, text: `New documents print amounts as ${next} 1,200.00; documents already made keep theirs.` };
    });

  return (
    <section className="settings-section" aria-labelledby="settings-documents">
      <h2 id="settings-documents">Documents</h2>
      <p className="muted settings-help">How bills, work slips and abstracts of {org.code} write the currency before an amount.</p>
      {!mayChange ? (
        <p className="muted read-only-note">
          <EyeIcon /> Only owners and admins of {org.code} change this.
        </p>
      ) : null}
      <div className="currency-choice">
        <SegmentedChoice
          label="Amounts in documents"
          name="currency-mark"
          value={mark}
          options={CURRENCY_MARKS.map((option) => [option, `${option} 1,200.00`] as const)}
          onChange={choose}
          testIdOf={(option) => (option === "Rs." ? "currency-rs" : "currency-rupee")}
          disabled={!mayChange || busy !== null || mark === null}
        />
        <SaidLine said={said} testId="currency-said" />
      </div>
    </section>
  );
}

function DeductionsSection({ org }: Props) {
  const backend = useBackend();
  const [table, setTable] = useState<DeductionTable | null>(null);
  const [form, setForm] = useState<DeductionLineForm>(BLANK_DEDUCTION);
  const { busy, said, setSaid, act } = useSectionAction();
  const mayEdit = may(org, "deductions_edit");
  // `org.code` is a dependency on purpose: another org's table is read afresh.
  const readTable = useCallback(() => backend.listDeductions(), [backend, org.code]);
  useSectionRead(readTable, setTable, setSaid);

  const set = <K extends keyof DeductionLineForm>(field: K) => (value: DeductionLineForm[K]) => setForm((f) => ({ ...f, [field]: value }));
  const save = (event: FormEvent) => {
    event.preventDefault();
    void act("save", async () => {
      const saved = await backend.saveDeduction(form);
      setTable(saved);
      const code = form.code.trim();
      const from = form.validFrom.trim();
      setForm(BLANK_DEDUCTION);
      return {
        ok: true,
        text: from
          ? `Line ${code} from ${from} saved. Bills dated before it keep ${code}'s earlier line; issued bills keep theirs.`
          : `Line ${code} saved. Bills made from now on use it; issued bills keep theirs.`,
      };
    });
  };
  const remove = (code: string, validFrom: string) =>
    void act(`remove-${code}`, async () => {
      setTable(await backend.removeDeduction(code, validFrom));
      return { ok: true, text: `Line ${code}${validFrom ? ` from ${validFrom}` : ""} removed. Issued bills keep it.` };
    });

  return (
    <section className="settings-section" aria-labelledby="settings-deductions">
      <h2 id="settings-deductions">Deductions and additions</h2>
      <p className="muted settings-help">
        What each bill's memorandum of payments takes from (or adds to) its gross, down to the net paid by cheque. A bill
        applies the lines in force on its date: the work's DOBR, else its DOMR, DOC or DOI, else the day it is made.
        {table?.isExample ? " These are the usual rates, shipped as an example, not law: change them to your office's." : ""}
      </p>
      {!mayEdit ? (
        <p className="muted read-only-note">
          <EyeIcon /> Only owners and admins of {org.code} change this table.
        </p>
      ) : null}
      {table ? (
        <table className="ledger deductions-table" data-testid="deductions-table">
          <LedgerHead columns={DEDUCTION_COLUMNS} />
          <tbody>
            {table.lines.map((line) => (
              <tr key={`${line.code} ${line.validFrom}`} data-testid={`deduction-${line.code}`}>
                <td className="mono">{line.code}</td>
                <td>
                  {line.effect === "addition" ? "Add: " : ""}
                  {line.label}
                </td>
                <td>
                  <span className="nowrap">
                    {rateText(line)}
                    {line.base === "gross_with_additions" ? " of gross + additions" : ""}
                  </span>
                  {line.chargeKind === "percent" && line.individualPercent ? (
                    <div className="muted">{line.individualPercent} % for an individual or HUF</div>
                  ) : null}
                </td>
                <td>
                  {[
                    line.threshold ? `contract above Rs. ${formatMoney(line.threshold)}` : "",
                    line.unlessEstimateHasLc ? "estimate without an LC row" : "",
                    capText(line),
                  ]
                    .filter(Boolean)
                    .join("; ") || "every bill"}
                </td>
                <td className="nowrap">{line.validFrom || line.validTo ? `${line.validFrom || "…"} to ${line.validTo || "…"}` : "always"}</td>
                <td className="actions">
                  <button type="button" className="button quiet small" disabled={!mayEdit || busy !== null} onClick={() => setForm({ ...line })} data-testid={`deduction-edit-${line.code}`}>
                    Edit
                  </button>
                  <button type="button" className="button quiet small" disabled={!mayEdit || busy !== null} onClick={() => remove(line.code, line.validFrom)} data-testid={`deduction-remove-${line.code}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {mayEdit ? (
        <form className="settings-form deduction-form" onSubmit={save} data-testid="deduction-form">
          <TextField label="Code" type="text" value={form.code} placeholder="SD" onValue={set("code")} data-testid="deduction-code" />
          <TextField wide label="Label printed on the bill" type="text" value={form.label} placeholder="Security deposit" onValue={set("label")} data-testid="deduction-label" />
          <ChoiceField label="Effect" value={form.effect} options={EFFECTS} onChange={set("effect")} testId="deduction-effect" />
          <ChoiceField label="Charge" value={form.chargeKind} options={CHARGE_KINDS} onChange={set("chargeKind")} testId="deduction-kind" />
          <TextField
            label={form.chargeKind === "fixed" ? "Amount" : "Percent"}
            type="text"
            inputMode="decimal"
            value={form.chargeValue}
            onValue={set("chargeValue")}
            data-testid="deduction-value"
          />
          {form.chargeKind === "percent" ? (
            <TextField
              label="Percent for an individual or HUF"
              type="text"
              inputMode="decimal"
              value={form.individualPercent}
              placeholder="the same"
              onValue={set("individualPercent")}
              data-testid="deduction-individual"
            />
          ) : null}
          <ChoiceField label="Base" value={form.base} options={BASES} onChange={set("base")} />
          <TextField label="Only if the contract exceeds" type="text" inputMode="decimal" value={form.threshold} placeholder="none" onValue={set("threshold")} />
          <ChoiceField label="Cap over the chain" value={form.capKind} options={CAP_KINDS} onChange={set("capKind")} />
          {form.capKind !== "none" ? (
            <TextField label="Cap" type="text" inputMode="decimal" value={form.capValue} onValue={set("capValue")} />
          ) : null}
          <TextField label="In force from" type="text" value={form.validFrom} placeholder="dd-mm-yyyy" onValue={set("validFrom")} />
          <TextField label="In force until" type="text" value={form.validTo} placeholder="dd-mm-yyyy" onValue={set("validTo")} />
          <label className="field check-field">
            <input
              type="checkbox"
              checked={form.unlessEstimateHasLc}
              onChange={(e) => set("unlessEstimateHasLc")(e.target.checked)}
              data-testid="deduction-unless-lc"
            />
            <span>Nil when the estimate already has an Add LC row (labour cess)</span>
          </label>
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={busy !== null || form.code.trim() === "" || form.label.trim() === ""} data-testid="deduction-save">
              Save line
            </button>
            <button type="button" className="button" disabled={busy !== null} onClick={() => setForm(BLANK_DEDUCTION)}>
              Clear
            </button>
            <SaidLine said={said} testId="deductions-said" />
          </div>
        </form>
      ) : (
        <SaidLine said={said} testId="deductions-said" />
      )}
    </section>
  );
}
