//! The commands the UI invokes. Each is a thin wrapper: take the session from app state, call
//! one core operation, and hand back its value or `{code, message}`.

use std::path::PathBuf;
use std::time::Duration;

use sitebook_core::api::{AppStatus, OpenOptions, SessionView, SyncStatus};
use sitebook_core::documents::editor::{
    BillDraft, DocumentPreview, QuantityEntry, RateEntry, RecoveryEntry, SupplementalEntry,
    WorkslipDraft,
};
use sitebook_core::documents::payments::{DeductionLineForm, DeductionTable};
use sitebook_core::documents::withdraw::{ChainDocument, Withdrawn};
use sitebook_core::documents::work_form::WorkForm;
use sitebook_core::documents::{BillView, QueuedDocument, WorkslipView};
use sitebook_core::domain::money::CurrencyMark;
use sitebook_core::domain::permissions::{MembershipRole, UserKind};
use sitebook_core::inbox::{InboxStatus, InboxView};
use sitebook_core::jobs::device::DeviceSettings;
use sitebook_core::jobs::queue::{JobFilesView, JobRequest, JobView};
use sitebook_core::jobs::JobEvent;
use sitebook_core::secrets::Secret;
use sitebook_core::store::estimates::{EstimateDetail, EstimateSummary};
use sitebook_core::store::outbox::OutboxCounts;
use sitebook_core::store::outputs::{IfExists, OutputView};
use sitebook_core::store::uploads::UploadOutcome;
use sitebook_core::sync::config::{SyncSettings, SyncTargetView};
use sitebook_core::sync::syncer::{BucketCheckReport, ShareLink};
use sitebook_core::tenancy::accounts::{NewAccount, Password};
use sitebook_core::tenancy::audit_chain::{AuditAnchor, AuditVerification};
use sitebook_core::tenancy::audit_log::{AuditEntry, AuditFilter};
use sitebook_core::tenancy::memberships::MemberView;
use sitebook_core::tenancy::orgs::{NewOrg, OrgDetails, OrgType};
use sitebook_core::tenancy::session::{OrgChoice, Session};
use sitebook_core::{ApiError, Error, ErrorCode, Sitebook};
use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::Mutex;

/// The core (or why it could not open) and the signed-in session of this window.
pub struct AppState {
    /// Where the core opens from, or why no data folder could be found.
    data_dir_found: Result<PathBuf, ApiError>,
    /// The core, opened once: by the start-up task while WebKit builds the window, or by the
    /// first command that needs it, whichever comes first. A failure is kept and shown.
    core: tokio::sync::OnceCell<Result<Sitebook, ApiError>>,
    /// Told when the window has its first screen's status, the cue for background work.
    first_screen: tokio::sync::Notify,
    session: Mutex<Option<Session>>,
    /// Where the window wants job events and sync status, and the tasks feeding them from the
    /// core's gated feeds of the active org. Renewed whenever the session or its org changes.
    job_feed: Mutex<Feed<JobEvent>>,
    sync_feed: Mutex<Feed<SyncStatus>>,
    /// The job workers of this process, once started.
    workers: Mutex<Option<sitebook_core::jobs::pool::WorkerPool>>,
}

/// How long background work waits for the window's first screen before starting anyway.
const FIRST_SCREEN_PATIENCE: Duration = Duration::from_secs(5);

/// A window channel and the task that feeds it.
struct Feed<T> {
    channel: Option<Channel<T>>,
    forwarder: Option<tauri::async_runtime::JoinHandle<()>>,
}

impl<T> Default for Feed<T> {
    fn default() -> Self {
        Self {
            channel: None,
            forwarder: None,
        }
    }
}

impl AppState {
    /// Readies the state without opening anything yet, so that the window is not kept waiting
    /// on the database: [`AppState::core`] opens it on first use.
    pub fn new(data_dir: Result<PathBuf, Error>) -> Self {
        Self {
            data_dir_found: data_dir.map_err(|error| error.to_api()),
            core: tokio::sync::OnceCell::new(),
            first_screen: tokio::sync::Notify::new(),
            session: Mutex::new(None),
            job_feed: Mutex::default(),
            sync_feed: Mutex::default(),
            workers: Mutex::default(),
        }
    }

    /// The core, opening it (creating and migrating the database on a first run) if no one
    /// has yet. A failure (say, a database from a newer version) is kept and returned to every
    /// command, so the window can show why instead of the program ending before it is read.
    pub async fn core(&self) -> Result<&Sitebook, ApiError> {
        self.core
            .get_or_init(|| async {
                let dir = self.data_dir_found.clone()?;
                let mut options = OpenOptions::new(dir).with_test_environment();
                if let Some(seconds) = sync_interval_from_env() {
                    options.sync.poll_interval = std::time::Duration::from_secs(seconds);
                }
                Sitebook::open(options).await.map_err(|error| {
                    tracing::error!(%error, "could not open the data folder");
                    error.to_api()
                })
            })
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Opens the core at once (while WebKit builds the window), then starts the job workers,
    /// the daily output cleanup, the syncer and the inbox watcher in this process once the
    /// window has painted its first screen (or after [`FIRST_SCREEN_PATIENCE`], should it
    /// never say so), so that none of it competes with drawing that screen on a two-core
    /// laptop.
    /// They run until the app exits; the pool is kept in the state so that it lives as long.
    pub async fn open_then_start_background_work(&self) {
        let Ok(core) = self.core().await else {
            return;
        };
        let _ = tokio::time::timeout(FIRST_SCREEN_PATIENCE, self.first_screen.notified()).await;
        core.spawn_daily_cleanup();
        core.spawn_syncer();
        core.spawn_inbox();
        match core.start_workers(None).await {
            Ok(pool) => *self.workers.lock().await = Some(pool),
            Err(error) => tracing::error!(%error, "could not start the job workers"),
        }
    }

    async fn set_session(&self, session: Option<Session>) {
        let mut guard = self.session.lock().await;
        self.renew_feeds(session.as_ref()).await;
        *guard = session;
    }

    async fn renew_feeds(&self, session: Option<&Session>) {
        self.renew_job_feed(session).await;
        self.renew_sync_feed(session).await;
    }

    /// Points the window's sync status at the active org, through the gate (nothing when the
    /// person may not see sync there).
    async fn renew_sync_feed(&self, session: Option<&Session>) {
        let mut feed = self.sync_feed.lock().await;
        if let Some(old) = feed.forwarder.take() {
            old.abort();
        }
        let (Some(channel), Some(session), Ok(core)) =
            (feed.channel.clone(), session, self.core().await)
        else {
            return;
        };
        let Ok(mut statuses) = core.subscribe_sync(session).await else {
            return;
        };
        feed.forwarder = Some(tauri::async_runtime::spawn(async move {
            while let Some(status) = statuses.next().await {
                if channel.send(status).is_err() {
                    return;
                }
            }
        }));
    }

    /// Points the window's job events at what `session` may see now: the active org's jobs,
    /// through the gate, or nothing when signed out or with no org.
    async fn renew_job_feed(&self, session: Option<&Session>) {
        let mut feed = self.job_feed.lock().await;
        if let Some(old) = feed.forwarder.take() {
            old.abort();
        }
        let (Some(channel), Some(session), Ok(core)) =
            (feed.channel.clone(), session, self.core().await)
        else {
            return;
        };
        let mut events = match core.subscribe_jobs(session).await {
            Ok(events) => events,
            // No org, or no right to see jobs there: the window simply gets no events.
            Err(_) => return,
        };
        feed.forwarder = Some(tauri::async_runtime::spawn(async move {
            while let Some(event) = events.next().await {
                if channel.send(event).is_err() {
                    return;
                }
            }
        }));
    }
}

/// `SITEBOOK_SYNC_INTERVAL_SECS`: how often the background syncer looks for outputs to send
/// (default 15 s; see docs/sync.md).
fn sync_interval_from_env() -> Option<u64> {
    std::env::var("SITEBOOK_SYNC_INTERVAL_SECS")
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|&seconds| seconds > 0)
}

type Reply<T> = Result<T, ApiError>;

fn api(error: Error) -> ApiError {
    error.to_api()
}

async fn signed_in<T>(
    state: &AppState,
    operation: impl AsyncFnOnce(&Sitebook, &mut Session) -> Result<T, Error>,
) -> Reply<T> {
    let core = state.core().await?;
    let mut guard = state.session.lock().await;
    let session = guard.as_mut().ok_or_else(|| Error::NotSignedIn.to_api())?;
    operation(core, session).await.map_err(api)
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Reply<AppStatus> {
    let core = state.core().await?;
    let session = state.session.lock().await;
    let session = match session.as_ref() {
        Some(session) => Some(core.view(session).await.map_err(api)?),
        None => None,
    };
    let status = AppStatus {
        needs_setup: core.needs_setup().await.map_err(api)?,
        session,
        data_dir: state
            .data_dir_found
            .as_ref()
            .map(|dir| dir.display().to_string())
            .unwrap_or_default(),
        device: core.device().to_string(),
    };
    Ok(status)
}

/// The window has painted its first screen; the background work may start now (see
/// [`AppState::open_then_start_background_work`]).
#[tauri::command]
pub fn first_screen_shown(state: State<'_, AppState>) {
    state.first_screen.notify_one();
}

#[tauri::command]
pub async fn create_first_account(
    state: State<'_, AppState>,
    username: String,
    full_name: String,
    password: String,
) -> Reply<SessionView> {
    let core = state.core().await?;
    let session = core
        .init_first_account(&username, &full_name, Password::new(password))
        .await
        .map_err(api)?;
    let view = core.view(&session).await.map_err(api)?;
    state.set_session(Some(session)).await;
    Ok(view)
}

#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Reply<SessionView> {
    let core = state.core().await?;
    let session = core
        .sign_in(&username, Password::new(password), None)
        .await
        .map_err(api)?;
    let view = core.view(&session).await.map_err(api)?;
    state.set_session(Some(session)).await;
    Ok(view)
}

/// Replaces a password given the current one, and signs in with the new one: the way a
/// temporary password an admin set is replaced, and a person's own change.
#[tauri::command]
pub async fn change_password(
    state: State<'_, AppState>,
    username: String,
    current_password: String,
    new_password: String,
) -> Reply<SessionView> {
    let core = state.core().await?;
    let session = core
        .change_password(
            &username,
            Password::new(current_password),
            Password::new(new_password),
            None,
        )
        .await
        .map_err(api)?;
    let view = core.view(&session).await.map_err(api)?;
    state.set_session(Some(session)).await;
    Ok(view)
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Reply<()> {
    state.set_session(None).await;
    Ok(())
}

/// Defines the commands that only run one core operation for the signed-in session: each
/// `fn name(args) -> T = |core, session| call;` becomes a `#[tauri::command]` that takes the
/// session from app state, awaits `call`, and hands back its value or `{code, message}`.
/// Commands that do more (open a dialog, feed a channel, change the session) are written out
/// below it.
macro_rules! session_commands {
    ($(
        $(#[$attr:meta])*
        fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty
            = |$core:ident, $session:ident| $call:expr;
    )*) => {$(
        $(#[$attr])*
        #[tauri::command]
        pub async fn $name(state: State<'_, AppState>, $($arg: $ty),*) -> Reply<$ret> {
            signed_in(&state, async |$core, $session| $call.await).await
        }
    )*};
}

session_commands! {
    /// The organizations the person may enter.
    fn list_orgs() -> Vec<OrgChoice> = |core, session| core.org_list(session);

    /// Creates an organization (superusers), audited; the picker then switches to it.
    fn create_org(code: String, name: String, org_type: OrgType) -> ()
        = |core, session| core.org_create(session, NewOrg { code, name, org_type });

    /// The active org's members.
    fn list_members() -> Vec<MemberView> = |core, session| core.member_list(session);

    /// Adds an existing account to the active org with `role`.
    fn add_member(username: String, role: MembershipRole) -> MemberView
        = |core, session| core.member_add(session, &username, role);

    /// Creates a standard account and makes it a member of the active org with `role`.
    fn create_member_account(
        username: String,
        full_name: String,
        password: String,
        role: MembershipRole,
    ) -> MemberView = |core, session| core.member_create(
        session,
        NewAccount {
            username,
            full_name,
            kind: UserKind::Standard,
            password: Password::new(password),
            personal_org: false,
        },
        role,
    );

    /// Changes a member's role in the active org.
    fn set_member_role(username: String, role: MembershipRole) -> MemberView
        = |core, session| core.member_set_role(session, &username, role);

    /// Lifts a member's sign-in lockout; whether they were locked.
    fn unlock_member(username: String) -> bool
        = |core, session| core.member_unlock(session, &username);

    /// Sets a temporary password for a member, to be replaced at their next sign-in.
    fn reset_member_password(username: String, temporary_password: String) -> ()
        = |core, session| core.member_reset_password(
            session,
            &username,
            Password::new(temporary_password),
        );

    /// Removes a member from the active org.
    fn remove_member(username: String) -> ()
        = |core, session| core.member_remove(session, &username);

    /// Imports the example estimate into the active org and queues its first bill.
    fn import_example() -> QueuedDocument = |core, session| core.example_first_bill(session);

    /// The audit log the person may read, newest first.
    fn list_audit(denied_only: bool, limit: u32) -> Vec<AuditEntry>
        = |core, session| core.audit_list(session, AuditFilter { denied_only, limit });

    /// Checks the audit log's hash chain against its anchor.
    fn verify_audit() -> AuditVerification = |core, session| core.audit_verify(session);

    /// Accepts the audit log as it stands as its new anchor, with a reason the log keeps
    /// (superusers; refused when the log's own chain is broken).
    fn reanchor_audit(reason: String) -> AuditAnchor
        = |core, session| core.audit_reanchor(session, &reason);

    /// Uploads workbooks into the active org and queues their parsing.
    fn upload_files(paths: Vec<PathBuf>) -> Vec<UploadOutcome>
        = |core, session| core.upload(session, &paths);

    /// The active org's latest jobs.
    fn list_jobs() -> Vec<JobView> = |core, session| core.jobs_list(session, 200);

    /// Cancels a queued or running job.
    fn cancel_job(id: i64) -> JobView = |core, session| core.job_cancel(session, id);

    /// Queues a failed job again.
    fn retry_job(id: i64) -> JobView = |core, session| core.job_retry(session, id);

    /// The active org's estimates.
    fn list_estimates() -> Vec<EstimateSummary> = |core, session| core.estimates_list(session);

    /// One estimate with its items, footer and warnings.
    fn get_estimate(id: i64) -> EstimateDetail = |core, session| core.estimate_show(session, id);

    /// An estimate's work data as the form shows it.
    fn get_work_form(estimate_id: i64) -> WorkForm
        = |core, session| core.work_form(session, estimate_id);

    /// Saves an estimate's work data from the form.
    fn save_work_form(estimate_id: i64, form: WorkForm) -> WorkForm
        = |core, session| core.work_form_save(session, estimate_id, &form);

    /// The active org's table of additions and deductions.
    fn list_deductions() -> DeductionTable = |core, session| async move {
        core.deductions_list(session).await.map(|table| (&table).into())
    };

    /// Adds a line to the table for its period; the code's lines for other dates stay.
    fn save_deduction(line: DeductionLineForm) -> DeductionTable
        = |core, session| core.deductions_save_form(session, &line);

    /// Removes one line from the table: the code's line in force from `valid_from`
    /// (dd-mm-yyyy; blank for the one without a first day).
    fn remove_deduction(code: String, valid_from: String) -> DeductionTable
        = |core, session| async move {
            let which = sitebook_core::documents::payments::LinesOfCode::starting(&valid_from)?;
            core.deductions_remove(session, &code, which).await.map(|table| (&table).into())
        };

    /// An estimate's bills in order.
    fn list_bills(estimate_id: i64) -> Vec<BillView>
        = |core, session| core.bill_list(session, estimate_id);

    /// An estimate's work slips in phase order.
    fn list_workslips(estimate_id: i64) -> Vec<WorkslipView>
        = |core, session| core.workslip_list(session, estimate_id);

    /// What the bill editor starts from.
    fn bill_draft(estimate_id: i64) -> BillDraft
        = |core, session| core.bill_draft(session, estimate_id);

    // Preview and create take the same inputs, so their declarations look alike: the preview
    // computes what creating would save.
    /// The next bill's figures for what is typed so far.
    fn preview_bill(
        estimate_id: i64,
        is_final: bool,
        entries: Vec<QuantityEntry>,
        recoveries: Vec<RecoveryEntry>,
    ) -> DocumentPreview = |core, session| {
        core.bill_preview(session, estimate_id, is_final, &entries, &recoveries)
    };

    /// Records the next bill and queues its documents.
    fn create_bill(
        estimate_id: i64,
        is_final: bool,
        entries: Vec<QuantityEntry>,
        recoveries: Vec<RecoveryEntry>,
    ) -> QueuedDocument = |core, session| {
        core.bill_create_entered(session, estimate_id, is_final, &entries, &recoveries)
    };

    /// Withdraws the latest bill or work slip of an estimate with a reason.
    fn withdraw_document(
        estimate_id: i64,
        document: ChainDocument,
        number: u32,
        reason: String,
    ) -> Withdrawn = |core, session| {
        core.document_withdraw(session, estimate_id, document, number, &reason)
    };

    /// What the work-slip editor starts from.
    fn workslip_draft(estimate_id: i64) -> WorkslipDraft
        = |core, session| core.workslip_draft(session, estimate_id);

    /// The next work slip's figures for what is typed so far.
    fn preview_workslip(
        estimate_id: i64,
        entries: Vec<QuantityEntry>,
        supplemental: Vec<SupplementalEntry>,
        rates: Vec<RateEntry>,
    ) -> DocumentPreview = |core, session| {
        core.workslip_preview(session, estimate_id, &entries, &supplemental, &rates)
    };

    /// Records the next work slip and queues its documents.
    fn create_workslip(
        estimate_id: i64,
        entries: Vec<QuantityEntry>,
        supplemental: Vec<SupplementalEntry>,
        rates: Vec<RateEntry>,
    ) -> QueuedDocument = |core, session| {
        core.workslip_create_entered(session, estimate_id, &entries, &supplemental, &rates)
    };

    /// Queues an estimate's abstract (PDF and XLSX).
    fn request_abstract(estimate_id: i64) -> QueuedDocument
        = |core, session| core.estimate_abstract(session, estimate_id);

    /// The active org's outputs, or one job's.
    fn list_outputs(job_id: Option<i64>) -> Vec<OutputView>
        = |core, session| core.outputs_list(session, job_id);

    /// What became of a job's files: how many a cleanup removed, and whether retrying makes
    /// them again.
    fn job_files(job_id: i64) -> JobFilesView = |core, session| core.job_files(session, job_id);

    /// An output's bytes for the in-app preview, sent raw rather than as a JSON array of numbers.
    fn read_output(id: i64) -> tauri::ipc::Response
        = |core, session| async move {
            let (_, bytes) = core.output_bytes(session, id).await?;
            Ok(tauri::ipc::Response::new(bytes))
        };

    /// The active org's sync target and outbox counts.
    fn sync_status() -> SyncStatus = |core, session| core.sync_status(session);

    /// Saves the active org's sync target. The secret, when given, goes straight to the OS
    /// keyring.
    fn sync_configure(settings: SyncSettings, secret: Option<String>) -> SyncTargetView
        = |core, session| async move {
            let secret = secret.filter(|s| !s.is_empty()).map(Secret::new);
            core.sync_configure(session, &settings, secret.as_ref()).await
        };

    /// Turns the active org's sync on or off.
    fn sync_set_enabled(enabled: bool) -> SyncTargetView
        = |core, session| core.sync_set_enabled(session, enabled);

    /// Forgets the active org's sync target and its secret.
    fn sync_forget() -> () = |core, session| core.sync_forget(session);

    /// Writes, reads back and deletes a probe object; says in one sentence what failed.
    fn sync_test() -> String = |core, session| core.sync_test(session);

    /// Sends what is pending now.
    fn sync_run() -> OutboxCounts = |core, session| core.sync_run(session);

    /// Looks for the synced outputs in the bucket and sends again those gone or replaced there;
    /// `deep` also downloads each and compares its bytes.
    fn sync_check(deep: bool) -> BucketCheckReport = |core, session| core.sync_check(session, deep);

    /// Puts the failed uploads back in the queue.
    fn sync_retry_failed() -> u64 = |core, session| core.sync_retry_failed(session);

    /// Queues a restore of the active org's outputs from its bucket, or joins the one under way.
    fn sync_restore() -> JobRequest = |core, session| core.sync_restore(session);

    /// A download link for a synced output, valid for `days` (at most 7).
    fn share_output(id: i64, days: u32) -> ShareLink
        = |core, session| {
            let days = u64::from(days.clamp(1, 7));
            core.output_share(session, id, Duration::from_secs(days * 24 * 60 * 60))
        };

    /// Gives the active org a new name; its code and folders stay.
    fn org_rename(name: String) -> OrgDetails = |core, session| core.org_rename(session, &name);

    /// The mark the active org's documents print before amounts.
    fn currency_mark() -> CurrencyMark = |core, session| core.currency_mark(session);

    /// Sets the mark the active org's new documents print before amounts.
    fn currency_mark_set(mark: CurrencyMark) -> ()
        = |core, session| core.currency_mark_set(session, mark);

    /// This device's inbox folder, if one is set.
    fn inbox_settings() -> Option<InboxView> = |core, session| core.inbox_settings(session);

    /// Watches `folder` as this device's inbox.
    fn inbox_set(folder: PathBuf) -> InboxView = |core, session| core.inbox_set(session, &folder);

    /// Stops watching the inbox folder.
    fn inbox_clear() -> () = |core, session| core.inbox_clear(session);

    /// This device's settings.
    fn device_settings() -> DeviceSettings = |core, session| core.device_settings(session);

    /// Saves this device's settings (superusers); the worker count applies from the next start.
    fn device_settings_save(settings: DeviceSettings) -> DeviceSettings
        = |core, session| core.device_settings_save(session, settings);
}

#[tauri::command]
pub async fn switch_org(state: State<'_, AppState>, code: String) -> Reply<SessionView> {
    signed_in(&state, async |core, session| {
        core.org_switch(session, &code).await?;
        state.renew_feeds(Some(session)).await;
        core.view(session).await
    })
    .await
}

/// Streams progress of the active org's jobs to the window until the window goes away; after a
/// switch of organization the same channel carries the new org's jobs.
#[tauri::command]
pub async fn subscribe_jobs(state: State<'_, AppState>, on_event: Channel<JobEvent>) -> Reply<()> {
    state.core().await?;
    let session = state.session.lock().await;
    state.job_feed.lock().await.channel = Some(on_event);
    state.renew_job_feed(session.as_ref()).await;
    Ok(())
}

/// Opens an output in the system's viewer for its type.
#[tauri::command]
pub async fn open_output(app: tauri::AppHandle, state: State<'_, AppState>, id: i64) -> Reply<()> {
    let path = signed_in(&state, async |core, session| {
        core.output_path(session, id).await
    })
    .await?;
    let failed = |message: String| ApiError {
        code: ErrorCode::OpenFailed,
        message,
    };
    #[cfg(target_os = "linux")]
    {
        let _ = app;
        tokio::task::spawn_blocking(move || crate::system_open::open_with_xdg(&path))
            .await
            .map_err(|e| failed(format!("Opening the file stopped: {e}")))?
            .map_err(failed)
    }
    #[cfg(not(target_os = "linux"))]
    {
        use tauri_plugin_opener::OpenerExt;
        app.opener()
            .open_path(path.to_string_lossy(), None::<&str>)
            .map_err(|error| {
                failed(format!(
                    "No program could open {}: {error}. Use Save as… and open the copy instead.",
                    path.display()
                ))
            })
    }
}

/// Asks where to save an output (a native dialog), copies it there and counts the download.
/// Returns where it went, or nothing when the person cancelled. `SITEBOOK_SAVE_AS_DIR` answers
/// the dialog with a folder instead, so that end-to-end tests can drive Save as without a
/// native dialog they cannot reach.
#[tauri::command]
pub async fn save_output_as(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
    suggested_name: String,
) -> Reply<Option<String>> {
    let destination = match std::env::var_os("SITEBOOK_SAVE_AS_DIR") {
        Some(dir) => Some(PathBuf::from(dir).join(&suggested_name)),
        None => {
            use tauri_plugin_dialog::DialogExt;
            let mut dialog = app.dialog().file().set_file_name(&suggested_name);
            if let Some(dir) = sitebook_core::store::default_save_dir() {
                dialog = dialog.set_directory(dir);
            }
            dialog
                .blocking_save_file()
                .and_then(|chosen| chosen.into_path().ok())
        }
    };
    let Some(destination) = destination else {
        return Ok(None);
    };
    let written = signed_in(&state, async |core, session| {
        // The save dialog asked before a file already there is replaced.
        core.output_export(session, id, &destination, IfExists::Replace)
            .await
    })
    .await?;
    Ok(Some(written.display().to_string()))
}

/// Streams the active org's sync status to the window (now, then on every change); after a
/// switch of organization the same channel carries the new org's.
#[tauri::command]
pub async fn subscribe_sync(
    state: State<'_, AppState>,
    on_status: Channel<SyncStatus>,
) -> Reply<()> {
    state.core().await?;
    let session = state.session.lock().await;
    state.sync_feed.lock().await.channel = Some(on_status);
    state.renew_sync_feed(session.as_ref()).await;
    Ok(())
}

/// Streams the inbox watcher's state to the window: now, then on every change. Device state
/// (a folder and whether it is there), so no sign-in is needed to see it.
#[tauri::command]
pub async fn subscribe_inbox(
    state: State<'_, AppState>,
    on_status: Channel<InboxStatus>,
) -> Reply<()> {
    let mut changes = state.core().await?.inbox_status_changes();
    tauri::async_runtime::spawn(async move {
        loop {
            let now = changes.borrow_and_update().clone();
            if on_status.send(now).is_err() || changes.changed().await.is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// Asks for estimate workbooks to import (a native open dialog, several at once); empty when the
/// person cancels. `SITEBOOK_CHOOSE_WORKBOOKS` (paths joined like `PATH`) answers it instead, for
/// the end-to-end tests.
#[tauri::command]
pub async fn choose_workbooks(app: tauri::AppHandle) -> Reply<Vec<String>> {
    if let Some(paths) = std::env::var_os("SITEBOOK_CHOOSE_WORKBOOKS") {
        return Ok(std::env::split_paths(&paths)
            .map(|path| path.display().to_string())
            .collect());
    }
    use tauri_plugin_dialog::DialogExt;
    let chosen = app
        .dialog()
        .file()
        .set_title("Import estimate workbooks")
        .add_filter("Estimate workbooks", &["xlsx", "xlsm", "xls", "ods"])
        .blocking_pick_files()
        .unwrap_or_default();
    Ok(chosen
        .into_iter()
        .filter_map(|file| file.into_path().ok())
        .map(|path| path.display().to_string())
        .collect())
}

/// Asks for a folder (a native dialog). `SITEBOOK_CHOOSE_FOLDER` answers it instead, so that
/// end-to-end tests can drive the choice without a native dialog they cannot reach.
#[tauri::command]
pub async fn choose_folder(app: tauri::AppHandle) -> Reply<Option<String>> {
    if let Some(folder) = std::env::var_os("SITEBOOK_CHOOSE_FOLDER") {
        return Ok(Some(PathBuf::from(folder).display().to_string()));
    }
    use tauri_plugin_dialog::DialogExt;
    Ok(app
        .dialog()
        .file()
        .blocking_pick_folder()
        .and_then(|chosen| chosen.into_path().ok())
        .map(|path| path.display().to_string()))
}
