//! The commands the UI invokes. Each is a thin wrapper: take the session from app state, call
//! one core operation, and hand back its value or `{code, message}`.

use std::path::PathBuf;

use sitebook_core::api::{AppStatus, OpenOptions, SessionView, SyncStatus};
use sitebook_core::documents::editor::{
    BillDraft, DocumentPreview, QuantityEntry, RecoveryEntry, SupplementalEntry, WorkslipDraft,
};
use sitebook_core::documents::payments::{DeductionLineForm, DeductionTable};
use sitebook_core::documents::withdraw::{ChainDocument, Withdrawn};
use sitebook_core::documents::work_form::WorkForm;
use sitebook_core::documents::{BillView, QueuedDocument, WorkslipView};
use sitebook_core::domain::money::CurrencyMark;
use sitebook_core::domain::permissions::{MembershipRole, UserKind};
use sitebook_core::inbox::{InboxStatus, InboxView};
use sitebook_core::jobs::device::DeviceSettings;
use sitebook_core::jobs::queue::JobView;
use sitebook_core::jobs::JobEvent;
use sitebook_core::secrets::Secret;
use sitebook_core::store::estimates::{EstimateDetail, EstimateSummary};
use sitebook_core::store::outbox::OutboxCounts;
use sitebook_core::store::outputs::OutputView;
use sitebook_core::store::uploads::UploadOutcome;
use sitebook_core::sync::config::{SyncSettings, SyncTargetView};
use sitebook_core::sync::syncer::ShareLink;
use sitebook_core::tenancy::accounts::{NewAccount, Password};
use sitebook_core::tenancy::audit_chain::AuditVerification;
use sitebook_core::tenancy::audit_log::{AuditEntry, AuditFilter};
use sitebook_core::tenancy::memberships::MemberView;
use sitebook_core::tenancy::session::{OrgChoice, Session};
use sitebook_core::{ApiError, Error, ErrorCode, Sitebook};
use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::Mutex;

/// The core (or why it could not open) and the signed-in session of this window.
pub struct AppState {
    core: Result<Sitebook, ApiError>,
    data_dir: String,
    session: Mutex<Option<Session>>,
    /// Where the window wants job events and sync status, and the tasks feeding them from the
    /// core's gated feeds of the active org. Renewed whenever the session or its org changes.
    job_feed: Mutex<Feed<JobEvent>>,
    sync_feed: Mutex<Feed<SyncStatus>>,
}

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
    /// Opens the core. A failure (say, a database from a newer version) is kept and shown in
    /// the window instead of ending the program before the user can read why.
    pub fn open(data_dir: Result<PathBuf, Error>) -> Self {
        let shown_dir = data_dir
            .as_ref()
            .map(|dir| dir.display().to_string())
            .unwrap_or_default();
        let core = data_dir.and_then(|dir| {
            let mut options = OpenOptions::new(dir).with_test_environment();
            if let Some(seconds) = sync_interval_from_env() {
                options.sync.poll_interval = std::time::Duration::from_secs(seconds);
            }
            tauri::async_runtime::block_on(Sitebook::open(options))
        });
        if let Err(error) = &core {
            tracing::error!(%error, "could not open the data folder");
        }
        Self {
            core: core.map_err(|error| error.to_api()),
            data_dir: shown_dir,
            session: Mutex::new(None),
            job_feed: Mutex::default(),
            sync_feed: Mutex::default(),
        }
    }

    /// Starts the job workers, the daily output cleanup and the syncer in this process. They run
    /// until the app exits; the returned handle only keeps the pool alive.
    pub fn start_background_work(&self) -> Option<sitebook_core::jobs::pool::WorkerPool> {
        let core = self.core.as_ref().ok()?.clone();
        tauri::async_runtime::block_on(async move {
            core.spawn_daily_cleanup();
            core.spawn_syncer();
            core.spawn_inbox();
            match core.start_workers(None).await {
                Ok(pool) => Some(pool),
                Err(error) => {
                    tracing::error!(%error, "could not start the job workers");
                    None
                }
            }
        })
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
        let (Some(channel), Some(session), Ok(core)) = (feed.channel.clone(), session, self.core())
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
        let (Some(channel), Some(session), Ok(core)) = (feed.channel.clone(), session, self.core())
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

    fn core(&self) -> Result<&Sitebook, ApiError> {
        self.core.as_ref().map_err(Clone::clone)
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
    let core = state.core()?;
    let mut guard = state.session.lock().await;
    let session = guard.as_mut().ok_or_else(|| Error::NotSignedIn.to_api())?;
    operation(core, session).await.map_err(api)
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Reply<AppStatus> {
    let core = state.core()?;
    let session = state.session.lock().await;
    let session = match session.as_ref() {
        Some(session) => Some(core.view(session).await.map_err(api)?),
        None => None,
    };
    Ok(AppStatus {
        needs_setup: core.needs_setup().await.map_err(api)?,
        session,
        data_dir: state.data_dir.clone(),
        device: core.device().to_string(),
    })
}

#[tauri::command]
pub async fn create_first_account(
    state: State<'_, AppState>,
    username: String,
    full_name: String,
    password: String,
) -> Reply<SessionView> {
    let core = state.core()?;
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
    let core = state.core()?;
    let session = core
        .sign_in(&username, Password::new(password), None)
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

#[tauri::command]
pub async fn list_orgs(state: State<'_, AppState>) -> Reply<Vec<OrgChoice>> {
    signed_in(&state, async |core, session| core.org_list(session).await).await
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

#[tauri::command]
pub async fn list_members(state: State<'_, AppState>) -> Reply<Vec<MemberView>> {
    signed_in(&state, async |core, session| {
        core.member_list(session).await
    })
    .await
}

#[tauri::command]
pub async fn add_member(
    state: State<'_, AppState>,
    username: String,
    role: MembershipRole,
) -> Reply<MemberView> {
    signed_in(&state, async |core, session| {
        core.member_add(session, &username, role).await
    })
    .await
}

/// Creates a standard account and makes it a member of the active org with `role`.
#[tauri::command]
pub async fn create_member_account(
    state: State<'_, AppState>,
    username: String,
    full_name: String,
    password: String,
    role: MembershipRole,
) -> Reply<MemberView> {
    signed_in(&state, async |core, session| {
        let account = NewAccount {
            username: username.clone(),
            full_name,
            kind: UserKind::Standard,
            password: Password::new(password),
            personal_org: false,
        };
        let user = core.user_add(session, account, Some(role)).await?;
        core.member_list(session)
            .await?
            .into_iter()
            .find(|member| member.username == user.username)
            .ok_or_else(|| {
                Error::Internal(format!("'{}' was added but is not listed", user.username))
            })
    })
    .await
}

#[tauri::command]
pub async fn set_member_role(
    state: State<'_, AppState>,
    username: String,
    role: MembershipRole,
) -> Reply<MemberView> {
    signed_in(&state, async |core, session| {
        core.member_set_role(session, &username, role).await
    })
    .await
}

#[tauri::command]
pub async fn remove_member(state: State<'_, AppState>, username: String) -> Reply<()> {
    signed_in(&state, async |core, session| {
        core.member_remove(session, &username).await
    })
    .await
}

/// Imports the example estimate into the active org and queues its first bill.
#[tauri::command]
pub async fn import_example(state: State<'_, AppState>) -> Reply<QueuedDocument> {
    signed_in(&state, async |core, session| {
        core.example_first_bill(session).await
    })
    .await
}

#[tauri::command]
pub async fn list_audit(
    state: State<'_, AppState>,
    denied_only: bool,
    limit: u32,
) -> Reply<Vec<AuditEntry>> {
    let filter = AuditFilter { denied_only, limit };
    signed_in(&state, async |core, session| {
        core.audit_list(session, filter).await
    })
    .await
}

#[tauri::command]
pub async fn verify_audit(state: State<'_, AppState>) -> Reply<AuditVerification> {
    signed_in(&state, async |core, session| {
        core.audit_verify(session).await
    })
    .await
}

#[tauri::command]
pub async fn upload_files(
    state: State<'_, AppState>,
    paths: Vec<PathBuf>,
) -> Reply<Vec<UploadOutcome>> {
    signed_in(&state, async |core, session| {
        core.upload(session, &paths).await
    })
    .await
}

#[tauri::command]
pub async fn list_jobs(state: State<'_, AppState>) -> Reply<Vec<JobView>> {
    signed_in(&state, async |core, session| {
        core.jobs_list(session, 200).await
    })
    .await
}

#[tauri::command]
pub async fn cancel_job(state: State<'_, AppState>, id: i64) -> Reply<JobView> {
    signed_in(&state, async |core, session| {
        core.job_cancel(session, id).await
    })
    .await
}

#[tauri::command]
pub async fn retry_job(state: State<'_, AppState>, id: i64) -> Reply<JobView> {
    signed_in(&state, async |core, session| {
        core.job_retry(session, id).await
    })
    .await
}

#[tauri::command]
pub async fn list_estimates(state: State<'_, AppState>) -> Reply<Vec<EstimateSummary>> {
    signed_in(&state, async |core, session| {
        core.estimates_list(session).await
    })
    .await
}

#[tauri::command]
pub async fn get_estimate(state: State<'_, AppState>, id: i64) -> Reply<EstimateDetail> {
    signed_in(&state, async |core, session| {
        core.estimate_show(session, id).await
    })
    .await
}

/// Streams progress of the active org's jobs to the window until the window goes away; after a
/// switch of organization the same channel carries the new org's jobs.
#[tauri::command]
pub async fn subscribe_jobs(state: State<'_, AppState>, on_event: Channel<JobEvent>) -> Reply<()> {
    state.core()?;
    let session = state.session.lock().await;
    state.job_feed.lock().await.channel = Some(on_event);
    state.renew_job_feed(session.as_ref()).await;
    Ok(())
}

#[tauri::command]
pub async fn get_work_form(state: State<'_, AppState>, estimate_id: i64) -> Reply<WorkForm> {
    signed_in(&state, async |core, session| {
        core.work_form(session, estimate_id).await
    })
    .await
}

#[tauri::command]
pub async fn save_work_form(
    state: State<'_, AppState>,
    estimate_id: i64,
    form: WorkForm,
) -> Reply<WorkForm> {
    signed_in(&state, async |core, session| {
        core.work_form_save(session, estimate_id, &form).await
    })
    .await
}

/// The active org's table of additions and deductions.
#[tauri::command]
pub async fn list_deductions(state: State<'_, AppState>) -> Reply<DeductionTable> {
    signed_in(&state, async |core, session| {
        core.deductions_list(session).await.map(|t| (&t).into())
    })
    .await
}

/// Adds a line to the table, or replaces the line with the same code.
#[tauri::command]
pub async fn save_deduction(
    state: State<'_, AppState>,
    line: DeductionLineForm,
) -> Reply<DeductionTable> {
    signed_in(&state, async |core, session| {
        core.deductions_save_form(session, &line).await
    })
    .await
}

/// Removes a line from the table.
#[tauri::command]
pub async fn remove_deduction(state: State<'_, AppState>, code: String) -> Reply<DeductionTable> {
    signed_in(&state, async |core, session| {
        core.deductions_remove(session, &code)
            .await
            .map(|t| (&t).into())
    })
    .await
}

#[tauri::command]
pub async fn list_bills(state: State<'_, AppState>, estimate_id: i64) -> Reply<Vec<BillView>> {
    signed_in(&state, async |core, session| {
        core.bill_list(session, estimate_id).await
    })
    .await
}

#[tauri::command]
pub async fn list_workslips(
    state: State<'_, AppState>,
    estimate_id: i64,
) -> Reply<Vec<WorkslipView>> {
    signed_in(&state, async |core, session| {
        core.workslip_list(session, estimate_id).await
    })
    .await
}

#[tauri::command]
pub async fn bill_draft(state: State<'_, AppState>, estimate_id: i64) -> Reply<BillDraft> {
    signed_in(&state, async |core, session| {
        core.bill_draft(session, estimate_id).await
    })
    .await
}

#[tauri::command]
pub async fn preview_bill(
    state: State<'_, AppState>,
    estimate_id: i64,
    is_final: bool,
    entries: Vec<QuantityEntry>,
    recoveries: Vec<RecoveryEntry>,
) -> Reply<DocumentPreview> {
    signed_in(&state, async |core, session| {
        core.bill_preview(session, estimate_id, is_final, &entries, &recoveries)
            .await
    })
    .await
}

#[tauri::command]
pub async fn create_bill(
    state: State<'_, AppState>,
    estimate_id: i64,
    is_final: bool,
    entries: Vec<QuantityEntry>,
    recoveries: Vec<RecoveryEntry>,
) -> Reply<QueuedDocument> {
    signed_in(&state, async |core, session| {
        core.bill_create_entered(session, estimate_id, is_final, &entries, &recoveries)
            .await
    })
    .await
}

/// Withdraws the latest bill or work slip of an estimate with a reason.
#[tauri::command]
pub async fn withdraw_document(
    state: State<'_, AppState>,
    estimate_id: i64,
    document: String,
    number: u32,
    reason: String,
) -> Reply<Withdrawn> {
    let document = match document.as_str() {
        "bill" => ChainDocument::Bill,
        "workslip" => ChainDocument::Workslip,
        other => {
            return Err(api(Error::Validation(format!(
                "There is no document kind {other:?} to withdraw; use bill or workslip."
            ))))
        }
    };
    signed_in(&state, async |core, session| {
        core.document_withdraw(session, estimate_id, document, number, &reason)
            .await
    })
    .await
}

#[tauri::command]
pub async fn workslip_draft(state: State<'_, AppState>, estimate_id: i64) -> Reply<WorkslipDraft> {
    signed_in(&state, async |core, session| {
        core.workslip_draft(session, estimate_id).await
    })
    .await
}

#[tauri::command]
pub async fn preview_workslip(
    state: State<'_, AppState>,
    estimate_id: i64,
    entries: Vec<QuantityEntry>,
    supplemental: Vec<SupplementalEntry>,
) -> Reply<DocumentPreview> {
    signed_in(&state, async |core, session| {
        core.workslip_preview(session, estimate_id, &entries, &supplemental)
            .await
    })
    .await
}

#[tauri::command]
pub async fn create_workslip(
    state: State<'_, AppState>,
    estimate_id: i64,
    entries: Vec<QuantityEntry>,
    supplemental: Vec<SupplementalEntry>,
) -> Reply<QueuedDocument> {
    signed_in(&state, async |core, session| {
        core.workslip_create_entered(session, estimate_id, &entries, &supplemental)
            .await
    })
    .await
}

#[tauri::command]
pub async fn request_abstract(
    state: State<'_, AppState>,
    estimate_id: i64,
) -> Reply<QueuedDocument> {
    signed_in(&state, async |core, session| {
        core.estimate_abstract(session, estimate_id).await
    })
    .await
}

#[tauri::command]
pub async fn list_outputs(
    state: State<'_, AppState>,
    job_id: Option<i64>,
) -> Reply<Vec<OutputView>> {
    signed_in(&state, async |core, session| {
        core.outputs_list(session, job_id).await
    })
    .await
}

/// An output's bytes for the in-app preview, sent raw rather than as a JSON array of numbers.
#[tauri::command]
pub async fn read_output(state: State<'_, AppState>, id: i64) -> Reply<tauri::ipc::Response> {
    let (_, bytes) = signed_in(&state, async |core, session| {
        core.output_bytes(session, id).await
    })
    .await?;
    Ok(tauri::ipc::Response::new(bytes))
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
        core.output_export(session, id, &destination).await
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
    state.core()?;
    let session = state.session.lock().await;
    state.sync_feed.lock().await.channel = Some(on_status);
    state.renew_sync_feed(session.as_ref()).await;
    Ok(())
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Reply<SyncStatus> {
    signed_in(&state, async |core, session| {
        core.sync_status(session).await
    })
    .await
}

/// Saves the active org's sync target. The secret, when given, goes straight to the OS keyring.
#[tauri::command]
pub async fn sync_configure(
    state: State<'_, AppState>,
    settings: SyncSettings,
    secret: Option<String>,
) -> Reply<SyncTargetView> {
    let secret = secret.filter(|s| !s.is_empty()).map(Secret::new);
    signed_in(&state, async |core, session| {
        core.sync_configure(session, &settings, secret.as_ref())
            .await
    })
    .await
}

#[tauri::command]
pub async fn sync_set_enabled(state: State<'_, AppState>, enabled: bool) -> Reply<SyncTargetView> {
    signed_in(&state, async |core, session| {
        core.sync_set_enabled(session, enabled).await
    })
    .await
}

#[tauri::command]
pub async fn sync_forget(state: State<'_, AppState>) -> Reply<()> {
    signed_in(&state, async |core, session| {
        core.sync_forget(session).await
    })
    .await
}

#[tauri::command]
pub async fn sync_test(state: State<'_, AppState>) -> Reply<String> {
    signed_in(&state, async |core, session| core.sync_test(session).await).await
}

#[tauri::command]
pub async fn sync_run(state: State<'_, AppState>) -> Reply<OutboxCounts> {
    signed_in(&state, async |core, session| core.sync_run(session).await).await
}

#[tauri::command]
pub async fn sync_retry_failed(state: State<'_, AppState>) -> Reply<u64> {
    signed_in(&state, async |core, session| {
        core.sync_retry_failed(session).await
    })
    .await
}

/// Queues a restore of the active org's outputs from its bucket; returns the job id.
#[tauri::command]
pub async fn sync_restore(state: State<'_, AppState>) -> Reply<i64> {
    signed_in(&state, async |core, session| {
        core.sync_restore(session).await
    })
    .await
}

/// A download link for a synced output, valid for `days` (at most 7).
#[tauri::command]
pub async fn share_output(state: State<'_, AppState>, id: i64, days: u32) -> Reply<ShareLink> {
    let expires_in = std::time::Duration::from_secs(u64::from(days.clamp(1, 7)) * 24 * 60 * 60);
    signed_in(&state, async |core, session| {
        core.output_share(session, id, expires_in).await
    })
    .await
}

#[tauri::command]
pub async fn currency_mark(state: State<'_, AppState>) -> Reply<CurrencyMark> {
    signed_in(&state, async |core, session| {
        core.currency_mark(session).await
    })
    .await
}

#[tauri::command]
pub async fn currency_mark_set(state: State<'_, AppState>, mark: CurrencyMark) -> Reply<()> {
    signed_in(&state, async |core, session| {
        core.currency_mark_set(session, mark).await
    })
    .await
}

#[tauri::command]
pub async fn inbox_settings(state: State<'_, AppState>) -> Reply<Option<InboxView>> {
    signed_in(&state, async |core, session| {
        core.inbox_settings(session).await
    })
    .await
}

#[tauri::command]
pub async fn inbox_set(state: State<'_, AppState>, folder: String) -> Reply<InboxView> {
    signed_in(&state, async |core, session| {
        core.inbox_set(session, std::path::Path::new(&folder)).await
    })
    .await
}

#[tauri::command]
pub async fn inbox_clear(state: State<'_, AppState>) -> Reply<()> {
    signed_in(&state, async |core, session| {
        core.inbox_clear(session).await
    })
    .await
}

/// Streams the inbox watcher's state to the window: now, then on every change. Device state
/// (a folder and whether it is there), so no sign-in is needed to see it.
#[tauri::command]
pub async fn subscribe_inbox(
    state: State<'_, AppState>,
    on_status: Channel<InboxStatus>,
) -> Reply<()> {
    let mut changes = state.core()?.inbox_status_changes();
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

#[tauri::command]
pub async fn device_settings(state: State<'_, AppState>) -> Reply<DeviceSettings> {
    signed_in(&state, async |core, session| {
        core.device_settings(session).await
    })
    .await
}

/// Saves this device's settings (superusers); the worker count applies from the next start.
#[tauri::command]
pub async fn device_settings_save(
    state: State<'_, AppState>,
    settings: DeviceSettings,
) -> Reply<DeviceSettings> {
    signed_in(&state, async |core, session| {
        core.device_settings_save(session, settings).await
    })
    .await
}
