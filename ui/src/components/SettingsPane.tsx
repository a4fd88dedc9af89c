/**
 * Settings: this device (data folder, inbox folder) and the active org's sync to a bucket.
 *
 * Every change goes to the core, which checks it through the gate; the pane only disables what
 * the role cannot change, and says why. The sync secret is typed here and sent once: the core
 * puts it in the OS keyring and never shows it back.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useBackend } from "../backendContext";
import type { ApiError } from "../bindings/ApiError";
import type { AppStatus } from "../bindings/AppStatus";
import type { InboxStatus } from "../bindings/InboxStatus";
import type { InboxView } from "../bindings/InboxView";
import type { OrgChoice } from "../bindings/OrgChoice";
import type { SyncSettings } from "../bindings/SyncSettings";
import type { UserKind } from "../bindings/UserKind";
import { toApiError } from "../backend";
import { canConfigureSync, isReadOnlyRole } from "../logic/roles";
import { syncSummary } from "../logic/sync";
import { useFeed } from "../useFeed";
import { useLoad } from "../useLoad";
import { InlineError } from "./ErrorBanner";
import { CheckIcon, CloudIcon, EyeIcon, FolderIcon, InfoIcon } from "./Icons";

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

export function SettingsPane({ org, userKind }: Props & { userKind: UserKind }) {
  return (
    <>
      <header className="pane-header">
        <h1>Settings</h1>
      </header>
      <div className="settings">
        <DeviceSection mayChange={userKind === "superuser"} />
        <InboxSection org={org} />
        <SyncSection org={org} />
      </div>
    </>
  );
}

function DeviceSection({ mayChange }: { mayChange: boolean }) {
  const backend = useBackend();
  const load = useCallback(() => backend.appStatus(), [backend]);
  const status = useLoad<AppStatus>(load);
  const [retention, setRetention] = useState("");
  const [workers, setWorkers] = useState("");
  const { busy, said, setSaid, act } = useSectionAction();

  useEffect(() => {
    let live = true;
    backend.deviceSettings().then(
      (settings) => {
        if (!live) return;
        setRetention(String(settings.retentionDays));
        setWorkers(String(settings.workers));
      },
      (error: unknown) => live && setSaid({ ok: false, error: toApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, [backend, setSaid]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    void act("save", async () => {
      const days = Number(retention.trim());
      const count = Number(workers.trim());
      if (!Number.isInteger(days) || !Number.isInteger(count)) {
        return { ok: false, error: { code: "validation", message: "Type whole numbers: days such as 30, and a worker count such as 2." } };
      }
      const saved = await backend.saveDeviceSettings({ retentionDays: days, workers: count });
      setRetention(String(saved.retentionDays));
      setWorkers(String(saved.workers));
      return { ok: true, text: "Saved. Retention applies at the next daily cleanup; the worker count when Sitebook starts again." };
    });
  };

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
        your account only. Set SITEBOOK_DATA_DIR before starting Sitebook to use another one.
        Outputs nobody saved a copy of are removed after the retention days.
      </p>
      {!mayChange ? (
        <p className="muted read-only-note" data-testid="device-readonly">
          <EyeIcon /> Only a superuser can change this computer's settings.
        </p>
      ) : null}
      <form className="settings-form" onSubmit={save}>
        <div className="form-grid">
          <label className="field">
            <span>
              Output retention <span className="muted">· days</span>
            </span>
            <input
              type="text"
              inputMode="numeric"
              className="num"
              value={retention}
              onChange={(e) => setRetention(e.target.value)}
              disabled={!mayChange || busy !== null}
              data-testid="device-retention"
            />
          </label>
          <label className="field">
            <span>
              Jobs at once <span className="muted">· 1 to 16</span>
            </span>
            <input
              type="text"
              inputMode="numeric"
              className="num"
              value={workers}
              onChange={(e) => setWorkers(e.target.value)}
              disabled={!mayChange || busy !== null}
              data-testid="device-workers"
            />
          </label>
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

function InboxSection({ org }: Props) {
  const backend = useBackend();
  const [view, setView] = useState<InboxView | null>(null);
  const status = useFeed(backend.subscribeInbox, "device");
  const [folder, setFolder] = useState("");
  const { busy, said, setSaid, act } = useSectionAction();
  const readOnly = isReadOnlyRole(org.role);

  useEffect(() => {
    let live = true;
    backend.inboxSettings().then(
      (found) => {
        if (!live) return;
        setView(found);
        // A folder chosen or typed before the saved one arrived is kept.
        setFolder((current) => (current === "" ? (found?.folder ?? "") : current));
      },
      (error: unknown) => live && setSaid({ ok: false, error: toApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, [backend, setSaid]);

  const watch = (event: FormEvent) => {
    event.preventDefault();
    void act("watch", async () => {
      const saved = await backend.inboxSet(folder.trim());
      setView(saved);
      setFolder(saved.folder);
      return { ok: true, text: `Watching. Workbooks saved there import into ${saved.orgCode}.` };
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
      <form className="settings-form" onSubmit={watch}>
        <label className="field wide">
          <span>Folder to watch</span>
          <span className="input-row">
            <input
              type="text"
              value={folder}
              placeholder="/home/you/Estimates inbox"
              onChange={(e) => setFolder(e.target.value)}
              disabled={readOnly || busy !== null}
              data-testid="inbox-folder"
            />
            <button type="button" className="button" onClick={choose} disabled={readOnly || busy !== null} data-testid="inbox-choose">
              Choose…
            </button>
          </span>
        </label>
        <div className="form-actions">
          <button
            type="submit"
            className="button primary"
            disabled={readOnly || busy !== null || folder.trim() === "" || folder.trim() === view?.folder}
            data-testid="inbox-watch"
          >
            Watch this folder
          </button>
          {view ? (
            <button type="button" className="button" onClick={turnOff} disabled={readOnly || busy !== null} data-testid="inbox-off">
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
    case "watching":
      return `Watching ${status.folder}.${who}`;
    case "missing":
      return `The folder ${status.folder} is not there (an unplugged drive?). Watching resumes when it returns.${who}`;
    default:
      return view ? `Starting to watch ${view.folder}…` : "No inbox folder is set on this computer.";
  }
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
  const [form, setForm] = useState<SyncSettings>(EMPTY_SYNC);
  const [secret, setSecret] = useState("");
  const { busy, said, act } = useSectionAction();
  const [loaded, setLoaded] = useState(false);
  const mayChange = canConfigureSync(org.role);

  // The form starts from the saved target, once; later statuses only move the counts. The
  // core sends a new status after every change, so the buttons follow by themselves.
  useEffect(() => {
    if (loaded || status === null) return;
    setLoaded(true);
    if (status.target) {
      const { enabled: _enabled, updatedAt: _updatedAt, ...settings } = status.target;
      setForm(settings);
    }
  }, [status, loaded]);

  const target = status?.target ?? null;
  const summary = syncSummary(status);
  const set = <K extends keyof SyncSettings>(key: K) => (value: SyncSettings[K]) => setForm((f) => ({ ...f, [key]: value }));

  const save = (event: FormEvent) => {
    event.preventDefault();
    void act("save", async () => {
      await backend.syncConfigure(form, secret === "" ? null : secret);
      setSecret("");
      return { ok: true, text: "Saved. The secret is in the system keyring; outputs start syncing." };
    });
  };

  const disabled = !mayChange || busy !== null;
  const field = (label: string, key: "endpoint" | "region" | "bucket" | "prefix" | "accessKeyId", placeholder: string, wide = false) => (
    <label className={`field${wide ? " wide" : ""}`}>
      <span>{label}</span>
      <input
        type="text"
        value={form[key]}
        placeholder={placeholder}
        onChange={(e) => set(key)(e.target.value)}
        disabled={disabled}
        spellCheck={false}
        autoComplete="off"
        data-testid={`sync-${key}`}
      />
    </label>
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
        <div className="form-grid">
          {field("Endpoint URL", "endpoint", "https://s3.eu-central-1.amazonaws.com", true)}
          {field("Region", "region", "us-east-1, or auto for R2")}
          {field("Bucket", "bucket", "district-7-outputs")}
          {field("Key prefix (optional)", "prefix", "sitebook")}
          {field("Access key ID", "accessKeyId", "AKIA…")}
          <label className="field">
            <span>Secret access key</span>
            <input
              type="password"
              value={secret}
              placeholder={target ? "Kept in the keyring; type to replace" : "Stored in the system keyring only"}
              onChange={(e) => setSecret(e.target.value)}
              disabled={disabled}
              autoComplete="off"
              data-testid="sync-secret"
            />
          </label>
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
            disabled={disabled || !target}
            data-testid="sync-test"
            onClick={() => void act("test", async () => ({ ok: true, text: await backend.syncTest() }))}
          >
            {busy === "test" ? "Testing…" : "Test connection"}
          </button>
          <button
            type="button"
            className="button"
            disabled={disabled || !target?.enabled}
            data-testid="sync-run"
            onClick={() =>
              void act("run", async () => {
                const counts = await backend.syncRun();
                return counts.failed > 0
                  ? { ok: false, error: { code: "sync_failed", message: counts.lastError ?? `${counts.failed} outputs failed.` } }
                  : { ok: true, text: `Synced. ${counts.synced} outputs are in the bucket.` };
              })
            }
          >
            {busy === "run" ? "Syncing…" : "Sync now"}
          </button>
          {target ? (
            <button
              type="button"
              className="button"
              disabled={disabled}
              data-testid="sync-toggle"
              onClick={() =>
                void act("toggle", async () => {
                  const next = await backend.syncSetEnabled(!target.enabled);
                  return { ok: true, text: next.enabled ? "Sync is on." : "Sync is paused; nothing is sent until it is on again." };
                })
              }
            >
              {target.enabled ? "Pause sync" : "Turn sync on"}
            </button>
          ) : null}
          {target ? (
            <button
              type="button"
              className="button"
              disabled={disabled}
              data-testid="sync-restore"
              title="Fetch the files of this organization that this computer does not have (a new laptop)"
              onClick={() =>
                void act("restore", async () => {
                  const job = await backend.syncRestore();
                  return { ok: true, text: `Restore queued as job ${job}; follow it in Jobs. Restored files appear in Outputs.` };
                })
              }
            >
              Restore from bucket
            </button>
          ) : null}
          {status && status.counts.failed > 0 ? (
            <button
              type="button"
              className="button"
              disabled={disabled}
              onClick={() =>
                void act("retry", async () => {
                  const n = await backend.syncRetryFailed();
                  return { ok: true, text: `${n} failed outputs will be tried again.` };
                })
              }
            >
              Retry failed
            </button>
          ) : null}
          {target ? (
            <button
              type="button"
              className="button quiet"
              disabled={disabled}
              onClick={() =>
                void act("forget", async () => {
                  await backend.syncForget();
                  setForm(EMPTY_SYNC);
                  return { ok: true, text: "Sync is off and the secret was removed from the keyring. The bucket keeps its files." };
                })
              }
            >
              Forget target
            </button>
          ) : null}
        </div>
        <div className="settings-said">
          <SaidLine said={said} testId="sync-said" />
        </div>
      </form>
      {status && target ? (
        <p className="muted settings-help" data-testid="sync-counts">
          <InfoIcon /> {status.counts.synced} synced · {status.counts.pending + status.counts.uploading} waiting ·{" "}
          {status.counts.conflict} kept as conflicts · {status.counts.failed} failed
          {status.counts.lastSuccess ? ` · last success ${status.counts.lastSuccess}` : ""}
        </p>
      ) : null}
    </section>
  );
}
