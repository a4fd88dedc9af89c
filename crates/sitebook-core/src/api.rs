//! The operations the CLI and the desktop shell call. Each is a few lines that sign in, pass
//! the gate and call a tenancy or store function; both faces stay thin because the work is here.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::clock::Clock;
use crate::documents::editor::{
    self, BillDraft, DocumentPreview, QuantityEntry, RateEntry, SupplementalEntry, WorkslipDraft,
};
use crate::documents::work_form::WorkForm;
use crate::domain::money::CurrencyMark;
use crate::domain::permissions::{permits_global, Action, GlobalAction, MembershipRole, UserKind};
use crate::error::{Error, Result};
use crate::inbox::{self, InboxNews, InboxPlan, InboxRuntime, InboxStatus, InboxView};
use crate::jobs::device::DeviceSettings;
use crate::jobs::intake::Origin;
use crate::jobs::pool::WorkerPool;
use crate::jobs::queue::{self, ClaimFilter, JobView};
use crate::jobs::Ctx;
use crate::jobs::{JobEvent, JobSettings};
use crate::secrets::Secret;
use crate::store;
use crate::store::estimates::{self, EstimateDetail, EstimateSummary};
use crate::store::outbox::OutboxCounts;
use crate::store::outputs::{self, CleanupReport, OutputView};
use crate::store::uploads::UploadOutcome;
use crate::sync::{
    self,
    config::{SyncSettings, SyncTargetView},
};
use crate::tenancy::accounts::{self, NewAccount, Password, UserView};
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::audit_chain::{AuditAnchor, AuditVerification};
use crate::tenancy::audit_log::{self, AuditEntry, AuditFilter};
use crate::tenancy::gate::{
    authorize, authorize_all_orgs_audit, authorize_global, authorize_on, authorize_write,
    authorize_write_on, About, OrgScope, WriteScope,
};
use crate::tenancy::memberships::{self, MemberView};
use crate::tenancy::orgs::{self, ImportReport, NewOrg, OrgDetails};
use crate::tenancy::session::{self, OrgChoice, Remember, Session};

/// How to open the core.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// The folder holding the database, outputs and logs.
    pub data_dir: PathBuf,
    /// Where "now" comes from: the system clock, or a manual one in tests.
    pub clock: Clock,
    /// The device name written to audit rows; the host name when `None`.
    pub device: Option<String>,
    /// How the job workers run: how many, their limits and their poll interval.
    pub jobs: JobSettings,
    /// Largest upload accepted, in bytes (default 50 MB).
    pub max_upload_bytes: u64,
    /// Where secrets go: the OS keyring by default.
    pub keyring: crate::secrets::KeyringChoice,
    /// How the syncer paces itself: poll interval, concurrency, backoff and multipart size.
    pub sync: crate::sync::SyncTuning,
    /// How long the inbox waits for a file to be whole: 2 s untouched, or 5 min when it looks
    /// cut short.
    pub inbox_timing: crate::inbox::InboxTiming,
}

/// The default upload size limit: 50 MB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;

impl OpenOptions {
    /// Options for the data dir at `data_dir`, with every other setting at its default.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            clock: Clock::system(),
            device: None,
            jobs: JobSettings::default(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            keyring: crate::secrets::KeyringChoice::Os,
            sync: crate::sync::SyncTuning::default(),
            inbox_timing: crate::inbox::InboxTiming::default(),
        }
    }

    /// Applies `SITEBOOK_TEST_WORKER_DELAY_MS`, which only the end-to-end tests set: it slows
    /// each parse down so that a job can be caught running (killed mid-job, cancelled) and a
    /// burst lasts long enough to click through. Also `SITEBOOK_TEST_RETRY_BASE_MS`, which
    /// shortens the minute a job waits before its first retry, so that a test of the faces can
    /// watch a job retry. Both faces call it, so both honour them alike.
    pub fn with_test_environment(mut self) -> Self {
        if let Ok(millis) = std::env::var("SITEBOOK_TEST_WORKER_DELAY_MS") {
            self.jobs.worker_extra_args = vec!["--test-delay-ms".into(), millis];
        }
        if let Some(millis) = std::env::var("SITEBOOK_TEST_RETRY_BASE_MS")
            .ok()
            .and_then(|millis| millis.parse().ok())
        {
            self.jobs.retry_base = std::time::Duration::from_millis(millis);
        }
        self
    }
}

/// The signed-in state as a face shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SessionView {
    /// Who is signed in.
    pub user: UserView,
    /// The organization the session acts in, if one is chosen.
    pub active_org: Option<OrgChoice>,
    /// True when the user may change nothing in the active org.
    pub read_only: bool,
    /// What the user's kind permits outside any org (creating accounts, reading every org's
    /// audit log, …).
    pub may_globally: Vec<GlobalAction>,
}

/// What the desktop app needs to know before anyone signs in.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppStatus {
    /// True until the first account exists: the window shows the set-up screen.
    pub needs_setup: bool,
    /// The signed-in session, if any.
    pub session: Option<SessionView>,
    /// The data folder in use, shown so a person knows where their data is.
    pub data_dir: String,
    /// This device's name, as audit rows record it.
    pub device: String,
}

/// The core, opened on one data dir.
#[derive(Clone)]
pub struct Sitebook {
    ctx: Ctx,
    data_dir: PathBuf,
    inbox: std::sync::Arc<InboxRuntime>,
}

// Most methods below are the same two steps: pass the gate for the method's action (naming the
// object it is on), then hand over to the module that owns the work. The shape repeats on
// purpose, and `duplicates` lists pairs of them: each public command reads in one place with
// the action that gates it and its doc, which a macro would hide.
impl Sitebook {
    /// Opens (creating if needed) the data dir's database, brings its schema up to date and
    /// readies the core.
    pub async fn open(options: OpenOptions) -> Result<Self> {
        let db = store::open(&options.data_dir).await?;
        let courtesy_db = store::open_courtesy(&options.data_dir).await?;
        let device = options
            .device
            .unwrap_or_else(|| gethostname::gethostname().to_string_lossy().into_owned());
        let (events, _) = tokio::sync::broadcast::channel(1024);
        let cpu_slots = options.jobs.workers.max(1);
        Ok(Self {
            ctx: Ctx {
                base: crate::context::Base {
                    db,
                    courtesy_db,
                    clock: options.clock,
                    device,
                    data_dir: options.data_dir.clone(),
                    audit_head: Default::default(),
                },
                jobs: std::sync::Arc::new(options.jobs),
                handlers: std::sync::Arc::new(job_handlers()),
                keyring: crate::secrets::Keyring::new(options.keyring),
                sync: std::sync::Arc::new(options.sync),
                max_upload_bytes: options.max_upload_bytes,
                events,
                endings: Default::default(),
                sync_news: tokio::sync::broadcast::channel(256).0,
                bucket_checks: Default::default(),
                wake: std::sync::Arc::new(tokio::sync::Notify::new()),
                parse_workers: Default::default(),
                group_commit: Default::default(),
                cpu_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(cpu_slots)),
            },
            data_dir: options.data_dir,
            inbox: std::sync::Arc::new(InboxRuntime::new(options.inbox_timing)),
        })
    }

    /// The data folder this core was opened on.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The name this device writes into audit rows and job owners.
    pub fn device(&self) -> &str {
        &self.ctx.device
    }

    /// The clock every timestamp comes from (a manual one in tests).
    pub fn clock(&self) -> &Clock {
        &self.ctx.clock
    }

    /// The raw pool, bypassing the gate. Only for test fixtures and benchmark seeding, which
    /// must build thousands of rows faster than the real API allows. It exists only with the
    /// `test-support` feature, which the core's own tests and benchmarks turn on and no
    /// program enables.
    #[cfg(feature = "test-support")]
    pub fn unscoped_pool_for_tests(&self) -> &sqlx::SqlitePool {
        &self.ctx.db
    }

    /// The context the gate functions take.
    pub fn context(&self) -> &Ctx {
        &self.ctx
    }

    /// The gate for `action` on the object of kind `kind` with id `id`, which the audit row
    /// names.
    async fn scope_on(
        &self,
        session: &Session,
        action: Action,
        kind: &'static str,
        id: i64,
    ) -> Result<OrgScope> {
        authorize_on(&self.ctx, session, action, About::new(kind, id)).await
    }

    /// [`Sitebook::scope_on`] for an action that writes.
    async fn write_scope_on(
        &self,
        session: &Session,
        action: Action,
        kind: &'static str,
        id: i64,
    ) -> Result<WriteScope> {
        authorize_write_on(&self.ctx, session, action, About::new(kind, id)).await
    }

    /// The one gate, for faces that need a verdict before they act (and for tests that pin it).
    pub async fn authorize(&self, session: &Session, action: Action) -> Result<OrgScope> {
        authorize(&self.ctx, session, action).await
    }

    /// Whether the device has no account yet, so the first start must create one.
    pub async fn needs_setup(&self) -> Result<bool> {
        accounts::no_accounts_yet(&self.ctx).await
    }

    /// The first account on this device: a superuser with a personal organization. Refused once
    /// any account exists.
    pub async fn init_first_account(
        &self,
        username: &str,
        full_name: &str,
        password: Password,
    ) -> Result<Session> {
        let mut tx = self.ctx.write_tx().await?;
        let existing: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username != '@system'")
                .fetch_one(&mut *tx)
                .await?;
        if existing > 0 {
            return Err(Error::Conflict(
                "This device already has accounts; `init` only creates the first one. Sign in \
                 and use `user add`."
                    .into(),
            ));
        }
        let user = accounts::insert_account(
            &self.ctx,
            &mut tx,
            NewAccount {
                username: username.into(),
                full_name: full_name.into(),
                kind: UserKind::Superuser,
                password,
                personal_org: true,
            },
        )
        .await?;
        AuditEvent::new("account.create", Outcome::Success)
            .by(&user)
            .object("user", &user.username)
            .reason("first account on this device (superuser)")
            .write_with(&self.ctx, &mut tx)
            .await?;
        tx.commit().await?;
        let active = session::resolve_default_org(&self.ctx, &user).await?;
        Ok(Session::new(user, active))
    }

    /// Signs in and resolves the active org: `org` if given (not remembered), else the
    /// default order.
    pub async fn sign_in(
        &self,
        username: &str,
        password: Password,
        org: Option<&str>,
    ) -> Result<Session> {
        let user = accounts::sign_in(&self.ctx, username, password).await?;
        self.session_for(user, org).await
    }

    /// A signed-in person's session, in `org` if given, else in their default one.
    async fn session_for(
        &self,
        user: crate::tenancy::session::Principal,
        org: Option<&str>,
    ) -> Result<Session> {
        let mut session = Session::new(user, None);
        match org {
            Some(code) => {
                session::enter_org(&self.ctx, &mut session, code, Remember::No).await?;
            }
            None => {
                let active = session::resolve_default_org(&self.ctx, session.user()).await?;
                session.set_active(active);
            }
        }
        Ok(session)
    }

    /// The code of the organization this person last used when the session could not enter it
    /// (their membership was removed, or it was closed) and fell back to another: a face says
    /// so, or an empty list would read as that organization having nothing. `None` otherwise.
    pub async fn org_fallen_back_from(&self, session: &Session) -> Result<Option<String>> {
        session::fallen_back_from(&self.ctx, session).await
    }

    /// The session as the faces show it: the person, the active organization and its role.
    pub async fn view(&self, session: &Session) -> Result<SessionView> {
        let active_org = match session.active_org() {
            Some(active) => session::picker(&self.ctx, session)
                .await?
                .into_iter()
                .find(|choice| choice.code == active.code),
            None => None,
        };
        let may_globally = GlobalAction::ALL
            .into_iter()
            .filter(|&action| permits_global(session.user().kind, action))
            .collect();
        Ok(SessionView {
            user: session.user().into(),
            read_only: active_org
                .as_ref()
                .is_none_or(|org| org.role.is_read_only()),
            active_org,
            may_globally,
        })
    }

    /// The organizations this user may enter, with the active one marked.
    pub async fn org_list(&self, session: &Session) -> Result<Vec<OrgChoice>> {
        session::picker(&self.ctx, session).await
    }

    /// Switches the active org and remembers the choice for next time.
    pub async fn org_switch(&self, session: &mut Session, code: &str) -> Result<()> {
        session::enter_org(&self.ctx, session, code, Remember::Yes).await
    }

    /// Details of the active organization; anyone who may enter it may look.
    pub async fn org_show(&self, session: &Session) -> Result<OrgDetails> {
        let scope = authorize(&self.ctx, session, Action::OrgView).await?;
        orgs::details(&self.ctx, &scope).await
    }

    /// Renames the active organization (its owners, and superusers), audited; returns it as
    /// `org show` does. Its code and folders stay; documents already made keep their name.
    pub async fn org_rename(&self, session: &Session, name: &str) -> Result<OrgDetails> {
        let scope = authorize_write(&self.ctx, session, Action::OrgRename).await?;
        scope
            .attempt(&self.ctx, async {
                orgs::rename(&self.ctx, &scope, name).await
            })
            .await?;
        orgs::details(&self.ctx, &scope).await
    }

    /// The mark the active org's documents print before amounts (`Rs.` unless changed).
    pub async fn currency_mark(&self, session: &Session) -> Result<CurrencyMark> {
        let scope = authorize(&self.ctx, session, Action::OrgView).await?;
        orgs::currency_mark(&self.ctx, &scope).await
    }

    /// Sets the mark the active org's new documents print before amounts (owners and admins;
    /// audited). Documents already made keep the mark they were made with.
    pub async fn currency_mark_set(&self, session: &Session, mark: CurrencyMark) -> Result<()> {
        let scope = authorize_write(&self.ctx, session, Action::SettingsEdit).await?;
        scope
            .attempt(&self.ctx, async {
                orgs::set_currency_mark(&self.ctx, &scope, mark).await
            })
            .await
    }

    /// Creates an organization (superusers), audited.
    pub async fn org_create(&self, session: &Session, new: NewOrg) -> Result<()> {
        let grant = authorize_global(&self.ctx, session, GlobalAction::OrgCreate).await?;
        grant
            .attempt(&self.ctx, session.user(), async {
                orgs::create(&self.ctx, &grant, session.user(), new).await
            })
            .await
    }

    /// Imports organizations from a CSV (`code,name,type`), all or nothing (superusers), audited.
    pub async fn org_import(
        &self,
        session: &Session,
        file_name: &str,
        csv_text: &str,
    ) -> Result<ImportReport> {
        let grant = authorize_global(&self.ctx, session, GlobalAction::OrgImport).await?;
        grant
            .attempt(&self.ctx, session.user(), async {
                orgs::import_csv(&self.ctx, &grant, session.user(), file_name, csv_text).await
            })
            .await
    }

    /// Creates an account. Standard accounts are added to the active org (default role member)
    /// by its owners and admins; other kinds, or an account outside any org, need a superuser.
    pub async fn user_add(
        &self,
        session: &Session,
        new: NewAccount,
        role: Option<MembershipRole>,
    ) -> Result<UserView> {
        let scope = self
            .user_add_scope(session, &new.username, new.kind, role)
            .await?;
        let mut tx = self.ctx.write_tx().await?;
        let user = accounts::insert_account(&self.ctx, &mut tx, new).await?;
        let mut event = AuditEvent::new("account.create", Outcome::Success)
            .by(session.user())
            .object("user", &user.username)
            .reason(format!("kind {}", user.kind.as_str()));
        if let Some(scope) = &scope {
            let role = role.unwrap_or(MembershipRole::Member);
            accounts::insert_membership(&self.ctx, &mut tx, scope.org_id(), user.id, role).await?;
            event = event.in_scope(scope).reason(format!(
                "kind {}, role {}",
                user.kind.as_str(),
                role.as_str()
            ));
        }
        event.write_with(&self.ctx, &mut tx).await?;
        tx.commit().await?;
        Ok((&user).into())
    }

    /// Whether `session` may create the account `username` of `kind`, joining the active org
    /// with `role`: checked (and a refusal audited) as [`Self::user_add`] checks it, so that a
    /// command line asks for the new password only once it is known the account may be made.
    pub async fn user_add_permitted(
        &self,
        session: &Session,
        username: &str,
        kind: UserKind,
        role: Option<MembershipRole>,
    ) -> Result<()> {
        self.user_add_scope(session, username, kind, role)
            .await
            .map(drop)
    }

    /// The checks of [`Self::user_add`]: the org the account joins, if any, once the gate lets
    /// `session` make it there.
    async fn user_add_scope(
        &self,
        session: &Session,
        username: &str,
        kind: UserKind,
        role: Option<MembershipRole>,
    ) -> Result<Option<OrgScope>> {
        if kind == UserKind::Oversight && role == Some(MembershipRole::Owner) {
            return Err(Error::Validation(format!(
                "'{}' would be an oversight account, read-only in every organization, so it \
                 cannot be an owner. Give it the viewer role, or none.",
                username.trim()
            )));
        }
        let joins_active_org = accounts::joins_active_org(session, kind, role);
        // A privileged kind, or an account that joins no org, is made only by those who may
        // make accounts outside an organization.
        if kind != UserKind::Standard || !joins_active_org || session.active_org().is_none() {
            authorize_global(&self.ctx, session, GlobalAction::AccountCreate).await?;
        }
        if joins_active_org && session.active_org().is_some() {
            let scope = authorize(&self.ctx, session, Action::MembersManage).await?;
            if role == Some(MembershipRole::Owner) {
                authorize(&self.ctx, session, Action::OwnersManage).await?;
            }
            Ok(Some(scope))
        } else if role.is_some() {
            Err(Error::NoActiveOrg)
        } else {
            Ok(None)
        }
    }

    /// Creates a standard account as a member of the active organization with `role`, and
    /// returns it as the members list shows it. Gated and audited as [`Self::user_add`].
    pub async fn member_create(
        &self,
        session: &Session,
        mut new: NewAccount,
        role: MembershipRole,
    ) -> Result<MemberView> {
        new.kind = UserKind::Standard;
        let user = self.user_add(session, new, Some(role)).await?;
        let scope = authorize(&self.ctx, session, Action::MembersView).await?;
        memberships::member_view(&self.ctx, &scope, &user.username).await
    }

    /// Members of the active organization, for anyone who may view them.
    pub async fn member_list(&self, session: &Session) -> Result<Vec<MemberView>> {
        let scope = authorize(&self.ctx, session, Action::MembersView).await?;
        memberships::list(&self.ctx, &scope).await
    }

    /// Adds an existing account to the active organization; owners alone grant `owner`. Audited.
    pub async fn member_add(
        &self,
        session: &Session,
        username: &str,
        role: MembershipRole,
    ) -> Result<MemberView> {
        memberships::add(&self.ctx, session, username, role).await
    }

    /// Changes a member's role; the last owner cannot be demoted, admins cannot touch owners.
    /// Audited.
    pub async fn member_set_role(
        &self,
        session: &Session,
        username: &str,
        role: MembershipRole,
    ) -> Result<MemberView> {
        memberships::set_role(&self.ctx, session, username, role).await
    }

    /// Lifts a member's sign-in lockout; returns whether they were locked. Audited.
    pub async fn member_unlock(&self, session: &Session, username: &str) -> Result<bool> {
        memberships::unlock(&self.ctx, session, username).await
    }

    /// Every account on this computer, with its kind, state and organizations; superusers,
    /// operations and oversight accounts.
    pub async fn accounts_list(&self, session: &Session) -> Result<Vec<accounts::AccountView>> {
        accounts::list(&self.ctx, session).await
    }

    /// Disables an account (it signs in nowhere, and its open sessions are refused by the
    /// gate) or enables it again; superusers only. Returns whether anything changed.
    pub async fn account_set_enabled(
        &self,
        session: &Session,
        username: &str,
        enabled: bool,
    ) -> Result<bool> {
        accounts::set_enabled(&self.ctx, session, username, enabled).await
    }

    /// Sets a temporary password for a member of the active org, to be replaced at their next
    /// sign-in. Gated as managing members; a privileged account needs a superuser. Audited.
    pub async fn member_reset_password(
        &self,
        session: &Session,
        username: &str,
        temporary: Password,
    ) -> Result<()> {
        memberships::reset_password(&self.ctx, session, username, temporary).await
    }

    /// Whether `session` may reset `username`'s password, checked as the reset checks it.
    pub async fn member_reset_password_permitted(
        &self,
        session: &Session,
        username: &str,
    ) -> Result<()> {
        memberships::may_reset_password(&self.ctx, session, username).await
    }

    /// Replaces a person's password, given their current one (checked as a sign-in is, with
    /// the same lockout). Needs no session: it is also how a password an admin set is replaced
    /// before the first sign-in. Returns the account's session, signed in with the new one.
    pub async fn change_password(
        &self,
        username: &str,
        current: Password,
        new: Password,
        org_code: Option<&str>,
    ) -> Result<Session> {
        let user = accounts::change_password(&self.ctx, username, current, new).await?;
        self.session_for(user, org_code).await
    }

    /// Removes a member (or yourself) from the active organization; the last owner cannot leave.
    /// Audited.
    pub async fn member_remove(&self, session: &Session, username: &str) -> Result<()> {
        memberships::remove(&self.ctx, session, username).await
    }

    /// Superusers and oversight read every org's rows; owners and admins read their org's.
    pub async fn audit_list(
        &self,
        session: &Session,
        filter: AuditFilter,
    ) -> Result<Vec<AuditEntry>> {
        if UserKind::reads_every_audit(session.user().kind) {
            let grant = authorize_all_orgs_audit(&self.ctx, session).await?;
            return audit_log::list_all(&self.ctx, &grant, filter).await;
        }
        let scope = authorize(&self.ctx, session, Action::AuditView).await?;
        audit_log::list_for_org(&self.ctx, &scope, filter).await
    }

    /// Walks the audit log's hash chain and checks it against the anchor; when it is intact,
    /// anchors the head. Whoever may read an audit log may ask: the answer names rows by id
    /// only, never their content.
    pub async fn audit_verify(&self, session: &Session) -> Result<AuditVerification> {
        if UserKind::reads_every_audit(session.user().kind) {
            authorize_all_orgs_audit(&self.ctx, session).await?;
        } else {
            authorize(&self.ctx, session, Action::AuditView).await?;
        }
        Ok(store::audit_anchor::verify_and_anchor(&self.ctx).await?.0)
    }

    /// Accepts the audit log as it stands as its new anchor, with a reason kept in the log
    /// (superusers): for a data dir whose anchor file was lost. Refused when the log's own
    /// chain is broken.
    pub async fn audit_reanchor(&self, session: &Session, reason: &str) -> Result<AuditAnchor> {
        let grant = authorize_global(&self.ctx, session, GlobalAction::AuditReanchor).await?;
        grant
            .attempt(&self.ctx, session.user(), async {
                store::audit_anchor::reanchor(&self.ctx, &grant, session.user(), reason).await
            })
            .await
    }

    /// One audit row: any organization's for superusers and oversight, the active one's for its
    /// owners and admins.
    pub async fn audit_show(&self, session: &Session, id: i64) -> Result<AuditEntry> {
        if UserKind::reads_every_audit(session.user().kind) {
            let grant = authorize_all_orgs_audit(&self.ctx, session).await?;
            return audit_log::get_any(&self.ctx, &grant, id).await;
        }
        let scope = self
            .scope_on(session, Action::AuditView, "audit entry", id)
            .await?;
        audit_log::get_in_org(&self.ctx, &scope, id).await
    }

    /// Stores each file in the active org and queues its parse. A bad file, or one that cannot
    /// be stored, does not stop the others: its outcome carries the error (a refused file's
    /// failed job records it too).
    pub async fn upload(&self, session: &Session, paths: &[PathBuf]) -> Result<Vec<UploadOutcome>> {
        let scope = authorize_write(&self.ctx, session, Action::UploadCreate).await?;
        let mut outcomes = Vec::with_capacity(paths.len());
        for path in paths {
            // Each file is an attempt of its own: one that cannot be stored (a full disk, a
            // database that stays busy) is told beside the others, and the files stored before
            // it are still reported as stored rather than lost behind one error.
            let stored = scope
                .attempt(
                    &self.ctx,
                    crate::jobs::intake::upload(&self.ctx, &scope, path, Origin::Upload, None),
                )
                .await;
            outcomes
                .push(stored.unwrap_or_else(|error| crate::jobs::intake::not_stored(path, &error)));
        }
        Ok(outcomes)
    }

    /// The active organization's jobs, newest first.
    pub async fn jobs_list(&self, session: &Session, limit: u32) -> Result<Vec<JobView>> {
        let scope = authorize(&self.ctx, session, Action::JobsView).await?;
        queue::list(&self.ctx, &scope, limit).await
    }

    /// One job of the active organization, with its error log.
    pub async fn job_show(&self, session: &Session, id: i64) -> Result<JobView> {
        let scope = self.scope_on(session, Action::JobsView, "job", id).await?;
        queue::get(&self.ctx, &scope, id).await
    }

    /// Cancels a job: your own with member rights, anyone's with admin rights.
    pub async fn job_cancel(&self, session: &Session, id: i64) -> Result<JobView> {
        let scope = self
            .write_scope_on(session, Action::JobCancelOwn, "job", id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                if queue::job_owner(&self.ctx, &scope, id).await? != scope.user_id() {
                    self.scope_on(session, Action::JobCancelAny, "job", id)
                        .await?;
                }
                queue::request_cancel(&self.ctx, &scope, id).await?;
                queue::get(&self.ctx, &scope, id).await
            })
            .await
    }

    /// Queues a failed or cancelled job again; a job its own file made fail is refused, as
    /// retrying it would fail the same way. A completed job runs again when one of its files
    /// has gone from the data folder, and makes the same files.
    pub async fn job_retry(&self, session: &Session, id: i64) -> Result<JobView> {
        let scope = self
            .write_scope_on(session, Action::JobRetry, "job", id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                if queue::job_owner(&self.ctx, &scope, id).await? != scope.user_id() {
                    self.scope_on(session, Action::JobRetryAny, "job", id)
                        .await?;
                    // Run as someone who lost the right, it would only fail again.
                    queue::take_over_if_owner_lost_the_right(&self.ctx, &scope, id).await?;
                }
                queue::requeue(&self.ctx, &scope, id).await?;
                queue::get(&self.ctx, &scope, id).await
            })
            .await
    }

    /// What became of a job's files: how many are gone, and whether retrying it makes them
    /// again.
    pub async fn job_files(&self, session: &Session, id: i64) -> Result<queue::JobFilesView> {
        let scope = self
            .scope_on(session, Action::OutputsView, "job", id)
            .await?;
        queue::files_of(&self.ctx, &scope, id).await
    }

    /// Waits until the job is completed, failed or cancelled, calling `on_change` whenever its
    /// progress or step changes. Works whichever process runs the job.
    pub async fn job_wait(
        &self,
        session: &Session,
        id: i64,
        mut on_change: impl FnMut(&JobView),
    ) -> Result<JobView> {
        let scope = self.scope_on(session, Action::JobsView, "job", id).await?;
        // A new attempt is a change even when a poll missed its run: it failed as the last one.
        let mut last: Option<(u8, String, crate::jobs::JobStatus, u32)> = None;
        loop {
            let job = queue::get(&self.ctx, &scope, id).await?;
            let now = (
                job.progress,
                job.current_step.clone(),
                job.status,
                job.attempts,
            );
            if last.as_ref() != Some(&now) {
                on_change(&job);
                last = Some(now);
            }
            if job.status.is_terminal() {
                return Ok(job);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The active organization's estimates.
    pub async fn estimates_list(&self, session: &Session) -> Result<Vec<EstimateSummary>> {
        let scope = authorize(&self.ctx, session, Action::EstimatesView).await?;
        estimates::list(&self.ctx, &scope).await
    }

    /// The estimates one of the active organization's jobs made from its workbook, in sheet
    /// order (none for another org's job, or a job that made none).
    pub async fn job_estimates(
        &self,
        session: &Session,
        job_id: i64,
    ) -> Result<Vec<EstimateSummary>> {
        let scope = self
            .scope_on(session, Action::EstimatesView, "job", job_id)
            .await?;
        estimates::made_by_job(&self.ctx, &scope, job_id).await
    }

    /// One estimate of the active organization: its items, totals and warnings.
    pub async fn estimate_show(&self, session: &Session, id: i64) -> Result<EstimateDetail> {
        let scope = self
            .scope_on(session, Action::EstimatesView, "estimate", id)
            .await?;
        estimates::get(&self.ctx, &scope, id).await
    }

    /// The active organization's output files, or one job's.
    pub async fn outputs_list(
        &self,
        session: &Session,
        job_id: Option<i64>,
    ) -> Result<Vec<OutputView>> {
        let scope = authorize(&self.ctx, session, Action::OutputsView).await?;
        outputs::list(&self.ctx, &scope, job_id).await
    }

    /// One output of the active organization, as the list shows it.
    pub async fn output_show(&self, session: &Session, id: i64) -> Result<OutputView> {
        let scope = self
            .scope_on(session, Action::OutputsView, "output", id)
            .await?;
        outputs::one(&self.ctx, &scope, id).await
    }

    /// Copies an output out of the data folder and counts the download.
    pub async fn output_export(
        &self,
        session: &Session,
        id: i64,
        destination: &Path,
        if_exists: outputs::IfExists,
    ) -> Result<PathBuf> {
        let scope = self
            .scope_on(session, Action::OutputExport, "output", id)
            .await?;
        crate::documents::withdraw::export_output(&self.ctx, &scope, id, destination, if_exists)
            .await
    }

    /// An output's file name and bytes, for the in-app preview. Viewing is not a download.
    pub async fn output_bytes(&self, session: &Session, id: i64) -> Result<(String, Vec<u8>)> {
        let scope = self
            .scope_on(session, Action::OutputsView, "output", id)
            .await?;
        outputs::read_intact(&self.ctx, &scope, id).await
    }

    /// Where an output's file lies, for opening it in the system viewer: a withdrawn
    /// document's PDF opens as a copy stamped withdrawn.
    pub async fn output_path(&self, session: &Session, id: i64) -> Result<PathBuf> {
        let scope = self
            .scope_on(session, Action::OutputsView, "output", id)
            .await?;
        crate::documents::withdraw::viewer_path(&self.ctx, &scope, id).await
    }

    /// Removes the active org's outputs never downloaded and older than `days`.
    pub async fn outputs_cleanup(&self, session: &Session, days: u32) -> Result<CleanupReport> {
        let scope = authorize_write(&self.ctx, session, Action::OutputsCleanup).await?;
        scope
            .attempt(&self.ctx, async {
                outputs::cleanup(&self.ctx, &scope, days).await
            })
            .await
    }

    /// The active org's sync target, secret excepted.
    pub async fn sync_settings(&self, session: &Session) -> Result<Option<SyncTargetView>> {
        let scope = authorize(&self.ctx, session, Action::SyncView).await?;
        sync::config::show(&self.ctx, &scope).await
    }

    /// Whether the active org's sync secret is in the keyring (never the secret itself), or
    /// `None` without a target.
    pub async fn sync_secret_whereabouts(
        &self,
        session: &Session,
    ) -> Result<Option<sync::config::SecretWhereabouts>> {
        let scope = authorize(&self.ctx, session, Action::SyncView).await?;
        sync::config::secret_whereabouts(&self.ctx, &scope).await
    }

    /// Sets the active org's sync target and turns sync on. The secret goes only to the OS
    /// keyring; it may be left out when changing a target that already has one.
    pub async fn sync_configure(
        &self,
        session: &Session,
        settings: &SyncSettings,
        secret: Option<&Secret>,
    ) -> Result<SyncTargetView> {
        let scope = authorize_write(&self.ctx, session, Action::SyncConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                let view = sync::config::save(&self.ctx, &scope, settings, secret).await?;
                let _ = self.ctx.sync_news.send(scope.org_id());
                Ok(view)
            })
            .await
    }

    /// Turns sync on or off for the active org, keeping its settings.
    pub async fn sync_set_enabled(
        &self,
        session: &Session,
        enabled: bool,
    ) -> Result<SyncTargetView> {
        let scope = authorize_write(&self.ctx, session, Action::SyncConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                let view = sync::config::set_enabled(&self.ctx, &scope, enabled).await?;
                if enabled {
                    // Turned on again after a fix: what was refused gets another try.
                    crate::store::outbox::retry_failed(&self.ctx, &scope).await?;
                }
                let _ = self.ctx.sync_news.send(scope.org_id());
                Ok(view)
            })
            .await
    }

    /// Removes the active org's sync target and deletes its secret from the keyring.
    pub async fn sync_forget(&self, session: &Session) -> Result<()> {
        let scope = authorize_write(&self.ctx, session, Action::SyncConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                sync::config::forget(&self.ctx, &scope).await?;
                let _ = self.ctx.sync_news.send(scope.org_id());
                Ok(())
            })
            .await
    }

    /// Writes, reads back and deletes a probe object in the active org's bucket. Failures are
    /// one sentence each (`sync_failed`): host not found, TLS, wrong key or secret, no bucket,
    /// no permission, clock skew, timeout.
    pub async fn sync_test(&self, session: &Session) -> Result<String> {
        let scope = authorize_write(&self.ctx, session, Action::SyncConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                // A person waits on this: a server that takes connections and never answers gets
                // half a minute, not the three a background upload allows itself with retries.
                const TEST_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);
                let said = tokio::time::timeout(
                    TEST_WITHIN,
                    sync::syncer::test_connection(&self.ctx, &scope),
                )
                .await
                .map_err(|_| {
                    Error::SyncFailed(format!(
                        "The bucket's server did not answer within {} seconds: check the \
                         endpoint, and that the server is running and reachable from this \
                         computer.",
                        TEST_WITHIN.as_secs()
                    ))
                })??;
                // The bucket takes writes now, whatever refused them before (rights given to the
                // key, a clock set right): outputs the bucket refused for good get another try.
                let retried = crate::store::outbox::retry_failed(&self.ctx, &scope).await?;
                let _ = self.ctx.sync_news.send(scope.org_id());
                Ok(if retried > 0 {
                    format!("{said} {retried} output(s) it had refused will be sent again.")
                } else {
                    said
                })
            })
            .await
    }

    /// The active org's target and how far its outputs are synced.
    pub async fn sync_status(&self, session: &Session) -> Result<SyncStatus> {
        let scope = authorize(&self.ctx, session, Action::SyncView).await?;
        Ok(SyncStatus {
            target: sync::config::show(&self.ctx, &scope).await?,
            counts: crate::store::outbox::counts(&self.ctx, &scope).await?,
            checking: self.ctx.bucket_checks.of(scope.org_id()),
        })
    }

    /// The active org's sync status now, and again each time this process's syncer moves it,
    /// as far as the gate lets this person see sync. After switching organizations, subscribe
    /// again.
    pub async fn subscribe_sync(&self, session: &Session) -> Result<SyncFeed> {
        let scope = authorize(&self.ctx, session, Action::SyncView).await?;
        Ok(SyncFeed {
            ctx: self.ctx.clone(),
            receiver: self.ctx.sync_news.subscribe(),
            scope,
            first: true,
        })
    }

    /// Puts the active org's failed uploads back in line and wakes nobody: the syncer takes
    /// them on its next pass (or `sync_run`).
    pub async fn sync_retry_failed(&self, session: &Session) -> Result<u64> {
        let scope = authorize_write(&self.ctx, session, Action::SyncConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                let retried = crate::store::outbox::retry_failed(&self.ctx, &scope).await?;
                let _ = self.ctx.sync_news.send(scope.org_id());
                Ok(retried)
            })
            .await
    }

    /// Checks that the active org's synced outputs are still in its bucket as they were sent.
    /// Those gone from it, or replaced there, are put back in line and, when sync is on, sent
    /// again at once (create-only: what the bucket holds now is never overwritten). `deep`
    /// reads every object back and compares its sha256, where the quick check compares sizes.
    pub async fn sync_check(
        &self,
        session: &Session,
        deep: bool,
    ) -> Result<sync::syncer::BucketCheckReport> {
        let scope = authorize_write(&self.ctx, session, Action::SyncConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                sync::syncer::check_and_send(&self.ctx, &scope, deep).await
            })
            .await
    }

    /// Syncs the active org's waiting outputs now, those waiting out a retry's backoff too, and
    /// returns the counts afterwards. A bucket check that is due (new settings, or the daily
    /// one) is made first, as the background syncer does.
    pub async fn sync_run(&self, session: &Session) -> Result<OutboxCounts> {
        let scope = authorize_write(&self.ctx, session, Action::SyncConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                store::outbox::due_now(&self.ctx, &scope).await?;
                sync::syncer::sync_org(&self.ctx, &scope).await
            })
            .await
    }

    /// Queues a restore of the active org's outputs from its bucket (a new laptop): the files
    /// this device lacks are fetched, verified and listed as restored. Returns the job, which is
    /// the one already queued or running if a restore of the org is under way.
    pub async fn sync_restore(&self, session: &Session) -> Result<queue::JobRequest> {
        let scope = authorize_write(&self.ctx, session, Action::SyncConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                sync::restore::request(&self.ctx, &scope).await
            })
            .await
    }

    /// What the active org's restore job `job_id` did, once it has completed (`None` before).
    pub async fn sync_restore_outcome(
        &self,
        session: &Session,
        job_id: i64,
    ) -> Result<Option<sync::restore::RestoreOutcome>> {
        let scope = self
            .scope_on(session, Action::SyncView, "job", job_id)
            .await?;
        sync::restore::outcome(&self.ctx, &scope, job_id).await
    }

    /// A link that downloads a synced output without signing in, valid for `expires_in` (at most
    /// 7 days; the default in the faces is 7 days). Sharing is gated and audited.
    pub async fn output_share(
        &self,
        session: &Session,
        output_id: i64,
        expires_in: std::time::Duration,
    ) -> Result<sync::syncer::ShareLink> {
        let scope = self
            .write_scope_on(session, Action::OutputShare, "output", output_id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                sync::syncer::share(&self.ctx, &scope, output_id, expires_in).await
            })
            .await
    }

    /// Starts the background syncer of this process (the desktop app and `sitebook worker`).
    pub fn spawn_syncer(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(sync::syncer::run_forever(self.ctx.clone()))
    }

    /// This device's inbox folder, if one is set. Anyone who can see the active org may look.
    pub async fn inbox_settings(&self, session: &Session) -> Result<Option<InboxView>> {
        authorize(&self.ctx, session, Action::OrgView).await?;
        inbox::settings::show(&self.ctx).await
    }

    /// Makes `folder` this device's inbox: files directly in it import into the active org, as
    /// this person; subfolders named after org codes import there. The watcher follows at once.
    pub async fn inbox_set(&self, session: &Session, folder: &Path) -> Result<InboxView> {
        let scope = authorize_write(&self.ctx, session, Action::InboxConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                let view = inbox::settings::set(&self.ctx, &scope, folder).await?;
                self.inbox.changed.notify_waiters();
                Ok(view)
            })
            .await
    }

    /// Stops watching the inbox folder (its files stay where they are).
    pub async fn inbox_clear(&self, session: &Session) -> Result<()> {
        let scope = authorize_write(&self.ctx, session, Action::InboxConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                inbox::settings::clear(&self.ctx, &scope).await?;
                self.inbox.changed.notify_waiters();
                Ok(())
            })
            .await
    }

    /// What the inbox watcher of this process is doing. Device state, like the data dir: it
    /// names a folder and no organization's data.
    pub fn inbox_status(&self) -> InboxStatus {
        self.inbox.signals.status.borrow().clone()
    }

    /// Changes of [`Sitebook::inbox_status`], for a face to show as they happen.
    pub fn inbox_status_changes(&self) -> tokio::sync::watch::Receiver<InboxStatus> {
        self.inbox.signals.status.subscribe()
    }

    /// What happens to each inbox file, as it happens.
    pub fn inbox_news(&self) -> tokio::sync::broadcast::Receiver<InboxNews> {
        self.inbox.signals.news.subscribe()
    }

    /// Starts the watcher of the saved inbox (the desktop app), following every change to it.
    pub fn spawn_inbox(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(inbox::supervise(self.ctx.clone(), self.inbox.clone()))
    }

    /// Watches `folder` as this person, with the active org for files directly in it, without
    /// saving it as the device's inbox (`sitebook watch --inbox DIR`).
    pub async fn watch_folder(
        &self,
        session: &Session,
        folder: &Path,
    ) -> Result<tokio::task::JoinHandle<()>> {
        let scope = authorize_write(&self.ctx, session, Action::InboxConfigure).await?;
        scope
            .attempt(&self.ctx, async {
                let folder = inbox::settings::check_folder(&self.ctx, folder)?;
                let plan = InboxPlan {
                    folder,
                    org_id: scope.org_id(),
                    user_id: scope.user_id(),
                    source: inbox::settings::PlanSource::Command,
                };
                Ok(tokio::spawn(inbox::watcher::run(
                    self.ctx.clone(),
                    plan,
                    self.inbox.timing,
                    self.inbox.signals.clone(),
                )))
            })
            .await
    }

    /// Starts the job workers in this process: `workers`, else the device's setting, else one
    /// per core.
    pub async fn start_workers(&self, workers: Option<usize>) -> Result<WorkerPool> {
        let workers = match workers {
            Some(workers) => workers,
            None => crate::jobs::device::current(&self.ctx).await?.workers as usize,
        };
        WorkerPool::start(self.ctx.clone(), workers, ClaimFilter::Any).await
    }

    /// Starts workers (the device's count when `None`) that run only the given jobs of the
    /// active org, for a command that waits for its own work (`--wait`): they do not take other
    /// orgs' queued jobs first, and they leave every other job to the app or `sitebook worker`.
    pub async fn start_workers_for(
        &self,
        session: &Session,
        workers: Option<usize>,
        jobs: &[i64],
    ) -> Result<WorkerPool> {
        let scope = authorize(&self.ctx, session, Action::JobsView).await?;
        for &id in jobs {
            // A job of another org is reported as missing, like any read through the scope.
            queue::get(&self.ctx, &scope, id).await?;
        }
        let workers = match workers {
            Some(workers) => workers,
            None => crate::jobs::device::current(&self.ctx).await?.workers as usize,
        };
        let workers = workers.clamp(1, jobs.len().max(1));
        WorkerPool::start(self.ctx.clone(), workers, ClaimFilter::Only(jobs.into())).await
    }

    /// This device's settings (retention, worker count). Anyone signed in may look.
    pub async fn device_settings(&self, _session: &Session) -> Result<DeviceSettings> {
        crate::jobs::device::current(&self.ctx).await
    }

    /// Changes this device's settings: superusers only, audited.
    pub async fn device_settings_save(
        &self,
        session: &Session,
        new: DeviceSettings,
    ) -> Result<DeviceSettings> {
        let grant = authorize_global(&self.ctx, session, GlobalAction::DeviceSettings).await?;
        grant
            .attempt(&self.ctx, session.user(), async {
                crate::jobs::device::save(&self.ctx, session, &grant, new).await
            })
            .await
    }

    /// Progress and status changes of the active organization's jobs that this process runs,
    /// as far as the gate lets this person see jobs. Another organization's events never reach
    /// the subscriber; after switching organizations, subscribe again.
    pub async fn subscribe_jobs(&self, session: &Session) -> Result<JobEvents> {
        let scope = authorize(&self.ctx, session, Action::JobsView).await?;
        Ok(JobEvents {
            org_id: scope.org_id(),
            receiver: self.ctx.events.subscribe(),
        })
    }

    /// Runs the retention cleanup for every org now and then daily (the desktop app's duty).
    pub fn spawn_daily_cleanup(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(crate::jobs::cleanup::daily(self.ctx.clone()))
    }

    /// Clears what crashes left in every org's folders (temp files of cut-short writes, output
    /// files no row refers to), as a worker process does when it starts. A failure is logged,
    /// not returned: running the jobs matters more than the tidying.
    pub async fn sweep_crash_leftovers(&self) {
        if let Err(error) = crate::jobs::cleanup::leftovers_all_orgs(&self.ctx).await {
            tracing::warn!(%error, "could not clear what a crash left behind");
        }
    }

    /// The jobs this process's workers bring to an end, one by one, in every org: what
    /// `sitebook worker` prints as it runs.
    pub fn ended_jobs(&self) -> EndedJobs {
        EndedJobs {
            ctx: self.ctx.clone(),
            receiver: self.ctx.endings.listen(),
            heard: None,
        }
    }

    /// The retention cleanup of every org, once.
    pub async fn cleanup_all_orgs(&self, days: u32) -> Result<CleanupReport> {
        crate::jobs::cleanup::all_orgs(&self.ctx, days).await
    }

    /// Jobs still to do for this process's workers: queued ones, and running ones it owns.
    /// A device-level count for `sitebook worker --exit-when-idle`, like the claim itself.
    pub async fn unfinished_jobs(&self) -> Result<i64> {
        queue::unfinished_here(&self.ctx).await
    }

    /// Returns once [`Sitebook::unfinished_jobs`] is zero. It looks again each time one of this
    /// process's jobs ends, so a burst's last job is noticed when it ends rather than at the
    /// next tick, and at least every `poll` for jobs another process queues or finishes.
    pub async fn wait_until_no_unfinished_jobs(&self, poll: std::time::Duration) -> Result<()> {
        let mut events = self.ctx.events.subscribe();
        while queue::unfinished_here(&self.ctx).await? > 0 {
            let _ = tokio::time::timeout(poll, async {
                loop {
                    match events.recv().await {
                        Ok(event) if !event.status.is_terminal() => continue,
                        // An end, or events missed or gone: look again.
                        _ => break,
                    }
                }
            })
            .await;
            // Events already waiting are seen by the count that follows: a burst costs one
            // count per wake-up, not one per job.
            while events.try_recv().is_ok() {}
        }
        Ok(())
    }

    /// The work data of an estimate (saved, or pre-filled from the workbook).
    pub async fn work_show(
        &self,
        session: &Session,
        estimate_id: i64,
    ) -> Result<crate::domain::work::WorkMetadata> {
        let scope = self
            .scope_on(session, Action::EstimatesView, "estimate", estimate_id)
            .await?;
        crate::documents::work(&self.ctx, &scope, estimate_id).await
    }

    /// Changes and saves the work data of an estimate. The changes are written into the form and
    /// the form is read as [`Self::work_form_save`] reads it, so the CLI and the desktop share
    /// one path.
    pub async fn work_edit(
        &self,
        session: &Session,
        estimate_id: i64,
        changes: crate::documents::WorkChanges,
    ) -> Result<crate::domain::work::WorkMetadata> {
        let scope = self
            .write_scope_on(session, Action::WorkEdit, "estimate", estimate_id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                let saved = crate::documents::work(&self.ctx, &scope, estimate_id).await?;
                let work = changes.read_into(WorkForm::from_work(&saved))?;
                crate::documents::save_work(&self.ctx, &scope, estimate_id, &work).await?;
                Ok(work)
            })
            .await
    }

    /// The work data as the desktop form shows it.
    pub async fn work_form(&self, session: &Session, estimate_id: i64) -> Result<WorkForm> {
        let work = self.work_show(session, estimate_id).await?;
        Ok(WorkForm::from_work(&work))
    }

    /// Saves the whole work data form (every bad field is named at once).
    pub async fn work_form_save(
        &self,
        session: &Session,
        estimate_id: i64,
        form: &WorkForm,
    ) -> Result<WorkForm> {
        let scope = self
            .write_scope_on(session, Action::WorkEdit, "estimate", estimate_id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                let work = form.to_work()?;
                crate::documents::save_work(&self.ctx, &scope, estimate_id, &work).await?;
                Ok(WorkForm::from_work(&work))
            })
            .await
    }

    /// Records the next bill of an estimate and queues its PDF and XLSX.
    pub async fn bill_create(
        &self,
        session: &Session,
        estimate_id: i64,
        kind: crate::domain::bill::BillKind,
        quantities: Option<Vec<crate::domain::bill::ItemQuantity>>,
    ) -> Result<crate::documents::QueuedDocument> {
        self.bill_create_with(session, estimate_id, kind, quantities, Vec::new())
            .await
    }

    /// Records the next bill with this bill's one-off recoveries (an advance, materials
    /// issued), deducted in its memorandum of payments with the org's lines in force.
    pub async fn bill_create_with(
        &self,
        session: &Session,
        estimate_id: i64,
        kind: crate::domain::bill::BillKind,
        quantities: Option<Vec<crate::domain::bill::ItemQuantity>>,
        recoveries: Vec<crate::domain::payments::OneOffRecovery>,
    ) -> Result<crate::documents::QueuedDocument> {
        let scope = self
            .write_scope_on(session, Action::DocumentGenerate, "estimate", estimate_id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                let request = crate::documents::BillRequest::Kind(kind);
                crate::documents::create_bill(
                    &self.ctx,
                    &scope,
                    estimate_id,
                    request,
                    quantities,
                    recoveries,
                )
                .await
            })
            .await
    }

    /// Withdraws the latest bill or work slip of an estimate, with a reason (admins and
    /// owners); its number can then be made again from the one before.
    pub async fn document_withdraw(
        &self,
        session: &Session,
        estimate_id: i64,
        document: crate::documents::withdraw::ChainDocument,
        number: u32,
        reason: &str,
    ) -> Result<crate::documents::withdraw::Withdrawn> {
        let scope = self
            .write_scope_on(session, Action::DocumentWithdraw, "estimate", estimate_id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                crate::documents::withdraw::withdraw_latest(
                    &self.ctx,
                    &scope,
                    estimate_id,
                    document,
                    number,
                    reason,
                )
                .await
            })
            .await
    }

    /// The org's table of additions and deductions (the example set until first edited).
    pub async fn deductions_list(
        &self,
        session: &Session,
    ) -> Result<crate::documents::payments::PaymentTable> {
        let scope = authorize(&self.ctx, session, Action::DeductionsView).await?;
        crate::documents::payments::table(&self.ctx, &scope).await
    }

    /// Adds a line to the org's table for its period; the code's lines for other dates stay.
    pub async fn deductions_save(
        &self,
        session: &Session,
        line: crate::domain::payments::PaymentLine,
    ) -> Result<crate::documents::payments::PaymentTable> {
        let scope = authorize_write(&self.ctx, session, Action::DeductionsEdit).await?;
        scope
            .attempt(&self.ctx, async {
                crate::documents::payments::save_line(&self.ctx, &scope, line).await
            })
            .await
    }

    /// Saves a line as typed in Settings (every field as text; one that cannot be read is
    /// named in the error).
    pub async fn deductions_save_form(
        &self,
        session: &Session,
        form: &crate::documents::payments::DeductionLineForm,
    ) -> Result<crate::documents::payments::DeductionTable> {
        let scope = authorize_write(&self.ctx, session, Action::DeductionsEdit).await?;
        scope
            .attempt(&self.ctx, async {
                let line = form.to_line()?;
                let table = crate::documents::payments::save_line(&self.ctx, &scope, line).await?;
                Ok((&table).into())
            })
            .await
    }

    /// Removes a code's lines from the org's table: all of them, or the one in force from a
    /// day.
    pub async fn deductions_remove(
        &self,
        session: &Session,
        code: &str,
        which: crate::documents::payments::LinesOfCode,
    ) -> Result<crate::documents::payments::PaymentTable> {
        let scope = authorize_write(&self.ctx, session, Action::DeductionsEdit).await?;
        scope
            .attempt(&self.ctx, async {
                crate::documents::payments::remove_line(&self.ctx, &scope, code, which).await
            })
            .await
    }

    /// Imports the example estimate that ships with the app into the active org and queues its
    /// first bill, so a newcomer sees a whole bill. The parse runs on the job workers, which
    /// must be running (the desktop app's are). Asked again, it returns the first bill already
    /// made rather than importing or billing twice.
    pub async fn example_first_bill(
        &self,
        session: &Session,
    ) -> Result<crate::documents::QueuedDocument> {
        use crate::documents::example::{write_example, EXAMPLE_FILE_NAME};
        let existing = self
            .estimates_list(session)
            .await?
            .into_iter()
            .find(|estimate| estimate.file_name == EXAMPLE_FILE_NAME);
        let estimate_id = match existing {
            Some(estimate) => estimate.id,
            None => {
                let path = write_example(&self.ctx.data_dir)?;
                let outcome = self.upload(session, std::slice::from_ref(&path)).await;
                // The upload keeps its own copy; the file written for it is not needed again.
                let _ = std::fs::remove_file(&path);
                let outcome = outcome?.into_iter().next().ok_or_else(|| {
                    Error::Internal("the example's upload gave no outcome".into())
                })?;
                if let Some(error) = outcome.error {
                    return Err(Error::Internal(format!(
                        "the example could not be imported: {}",
                        error.message
                    )));
                }
                let job_id = outcome
                    .job_id
                    .ok_or_else(|| Error::Internal("the example's upload queued no job".into()))?;
                let job = tokio::time::timeout(
                    std::time::Duration::from_secs(120),
                    self.job_wait(session, job_id, |_| {}),
                )
                .await
                .map_err(|_| {
                    Error::Precondition(format!(
                        "The example is still being read (job {job_id}); its bill can be made \
                         from Works once the job completes."
                    ))
                })??;
                match (job.status, job.estimate_id) {
                    (crate::jobs::JobStatus::Completed, Some(id)) => id,
                    _ => {
                        return Err(Error::Internal(format!(
                            "the example could not be read (job {job_id}): {}",
                            job.error_message
                                .unwrap_or_else(|| "no reason given".into())
                        )))
                    }
                }
            }
        };
        if let Some(first) = self
            .bill_list(session, estimate_id)
            .await?
            .into_iter()
            .find(|bill| bill.number == 1)
        {
            return Ok(crate::documents::QueuedDocument {
                number: Some(1),
                job_id: first
                    .job_id
                    .ok_or_else(|| Error::Internal("the example's first bill has no job".into()))?,
                inputs_sha256: first.inputs_sha256,
                warnings: Vec::new(),
                caps_from: None,
            });
        }
        self.bill_create(
            session,
            estimate_id,
            crate::domain::bill::BillKind::FirstPart,
            None,
        )
        .await
    }

    /// The bills of an estimate, in number order.
    pub async fn bill_list(
        &self,
        session: &Session,
        estimate_id: i64,
    ) -> Result<Vec<crate::documents::BillView>> {
        let scope = self
            .scope_on(session, Action::EstimatesView, "estimate", estimate_id)
            .await?;
        crate::documents::bills(&self.ctx, &scope, estimate_id).await
    }

    /// The bills or work slips of an estimate that were withdrawn, oldest withdrawal first.
    pub async fn document_withdrawn_list(
        &self,
        session: &Session,
        document: crate::documents::withdraw::ChainDocument,
        estimate_id: i64,
    ) -> Result<Vec<crate::store::documents::WithdrawnView>> {
        let scope = self
            .scope_on(session, Action::EstimatesView, "estimate", estimate_id)
            .await?;
        crate::documents::withdraw::withdrawn_list(&self.ctx, &scope, document, estimate_id).await
    }

    /// The work slips of an estimate, in phase order.
    pub async fn workslip_list(
        &self,
        session: &Session,
        estimate_id: i64,
    ) -> Result<Vec<crate::documents::WorkslipView>> {
        let scope = self
            .scope_on(session, Action::EstimatesView, "estimate", estimate_id)
            .await?;
        crate::documents::workslips(&self.ctx, &scope, estimate_id).await
    }

    /// What the bill editor starts with: the next number, or why none can follow.
    pub async fn bill_draft(&self, session: &Session, estimate_id: i64) -> Result<BillDraft> {
        let scope = self
            .scope_on(session, Action::DocumentGenerate, "estimate", estimate_id)
            .await?;
        editor::bill_draft(&self.ctx, &scope, estimate_id).await
    }

    /// The live figures of the next bill at the quantities typed so far. Saves nothing.
    pub async fn bill_preview(
        &self,
        session: &Session,
        estimate_id: i64,
        is_final: bool,
        entries: &[QuantityEntry],
        recoveries: &[editor::RecoveryEntry],
    ) -> Result<DocumentPreview> {
        let scope = self
            .scope_on(session, Action::DocumentGenerate, "estimate", estimate_id)
            .await?;
        editor::preview_bill(
            &self.ctx,
            &scope,
            estimate_id,
            is_final,
            entries,
            recoveries,
        )
        .await
    }

    /// Creates the next bill from what was typed in the editor.
    pub async fn bill_create_entered(
        &self,
        session: &Session,
        estimate_id: i64,
        is_final: bool,
        entries: &[QuantityEntry],
        recoveries: &[editor::RecoveryEntry],
    ) -> Result<crate::documents::QueuedDocument> {
        let scope = self
            .write_scope_on(session, Action::DocumentGenerate, "estimate", estimate_id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                let (quantities, recoveries) = editor::bill_entries_or_error(entries, recoveries)?;
                let request = crate::documents::BillRequest::Next { is_final };
                crate::documents::create_bill(
                    &self.ctx,
                    &scope,
                    estimate_id,
                    request,
                    Some(quantities),
                    recoveries,
                )
                .await
            })
            .await
    }

    /// What the work-slip editor starts with: the next phase, or why none can follow.
    pub async fn workslip_draft(
        &self,
        session: &Session,
        estimate_id: i64,
    ) -> Result<WorkslipDraft> {
        let scope = self
            .scope_on(session, Action::DocumentGenerate, "estimate", estimate_id)
            .await?;
        editor::workslip_draft(&self.ctx, &scope, estimate_id).await
    }

    /// The live figures of the next work slip at the executed quantities typed so far.
    pub async fn workslip_preview(
        &self,
        session: &Session,
        estimate_id: i64,
        entries: &[QuantityEntry],
        supplemental: &[SupplementalEntry],
        rates: &[RateEntry],
    ) -> Result<DocumentPreview> {
        let scope = self
            .scope_on(session, Action::DocumentGenerate, "estimate", estimate_id)
            .await?;
        editor::preview_workslip(&self.ctx, &scope, estimate_id, entries, supplemental, rates).await
    }

    /// Creates the next work slip from the executed quantities, supplemental items and rates
    /// typed in the editor.
    pub async fn workslip_create_entered(
        &self,
        session: &Session,
        estimate_id: i64,
        entries: &[QuantityEntry],
        supplemental: &[SupplementalEntry],
        rates: &[RateEntry],
    ) -> Result<crate::documents::QueuedDocument> {
        let scope = self
            .write_scope_on(session, Action::DocumentGenerate, "estimate", estimate_id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                let executed = editor::entries_or_error("The work slip", entries)?;
                let lines = editor::supplemental_or_error(supplemental)?;
                let rates = editor::rates_or_error(rates)?;
                crate::documents::create_workslip(
                    &self.ctx,
                    &scope,
                    estimate_id,
                    executed,
                    lines,
                    rates,
                )
                .await
            })
            .await
    }

    /// Records the next work slip of an estimate and queues its PDF and XLSX: this phase's
    /// executed quantities, its new supplemental items, and the rates that replace an estimate
    /// item's rate from now on (empty to keep the rates as they are).
    pub async fn workslip_create(
        &self,
        session: &Session,
        estimate_id: i64,
        executed: Vec<crate::domain::bill::ItemQuantity>,
        supplemental: Vec<crate::documents::input_csv::SupplementalLine>,
        rates: Vec<crate::domain::workslip::RateOverride>,
    ) -> Result<crate::documents::QueuedDocument> {
        let scope = self
            .write_scope_on(session, Action::DocumentGenerate, "estimate", estimate_id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                crate::documents::create_workslip(
                    &self.ctx,
                    &scope,
                    estimate_id,
                    executed,
                    supplemental,
                    rates,
                )
                .await
            })
            .await
    }

    /// Queues the estimate abstract (PDF and XLSX) of an estimate.
    pub async fn estimate_abstract(
        &self,
        session: &Session,
        estimate_id: i64,
    ) -> Result<crate::documents::QueuedDocument> {
        let scope = self
            .write_scope_on(session, Action::DocumentGenerate, "estimate", estimate_id)
            .await?;
        scope
            .attempt(&self.ctx, async {
                crate::documents::request_abstract(&self.ctx, &scope, estimate_id).await
            })
            .await
    }

    /// Puts back in the queue jobs whose process died (also done when workers start).
    pub async fn recover_interrupted_jobs(&self) -> Result<u64> {
        queue::recover_orphans(&self.ctx).await
    }
}

/// An organization's sync target and its outbox counts.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncStatus {
    /// The configured target (never its secret), or none when sync is not set up.
    pub target: Option<SyncTargetView>,
    /// How many outputs are pending, synced, in conflict or failed.
    pub counts: OutboxCounts,
    /// A check of the bucket this process is running for the organization, and how far it has
    /// got.
    pub checking: Option<crate::context::BucketCheckProgress>,
}

/// One organization's sync status as it changes, from [`Sitebook::subscribe_sync`].
pub struct SyncFeed {
    ctx: Ctx,
    scope: OrgScope,
    receiver: tokio::sync::broadcast::Receiver<i64>,
    first: bool,
}

impl SyncFeed {
    /// The status now (on the first call), then after each change; `None` once the core has
    /// shut down. A burst of changes gives one status: the counts are read after it.
    pub async fn next(&mut self) -> Option<SyncStatus> {
        use tokio::sync::broadcast::error::{RecvError, TryRecvError};
        if !std::mem::take(&mut self.first) {
            loop {
                match self.receiver.recv().await {
                    Ok(org_id) if org_id == self.scope.org_id() => break,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return None,
                }
            }
            while !matches!(
                self.receiver.try_recv(),
                Err(TryRecvError::Empty | TryRecvError::Closed)
            ) {}
        }
        let target = sync::config::show(&self.ctx, &self.scope).await.ok()?;
        let counts = crate::store::outbox::counts(&self.ctx, &self.scope)
            .await
            .ok()?;
        let checking = self.ctx.bucket_checks.of(self.scope.org_id());
        Some(SyncStatus {
            target,
            counts,
            checking,
        })
    }
}

/// Every kind of job, with the module that runs it.
fn job_handlers() -> crate::jobs::JobHandlers {
    let mut handlers = crate::jobs::JobHandlers::default();
    crate::jobs::parse_estimate::register(&mut handlers);
    crate::documents::render_job::register(&mut handlers);
    crate::sync::restore::register(&mut handlers);
    handlers
}

/// The job events of one organization, from [`Sitebook::subscribe_jobs`].
pub struct JobEvents {
    org_id: i64,
    receiver: tokio::sync::broadcast::Receiver<JobEvent>,
}

impl JobEvents {
    /// The next event of this organization's jobs; `None` once the core has shut down. Events
    /// missed because the subscriber fell behind are skipped: the next one carries the state.
    pub async fn next(&mut self) -> Option<JobEvent> {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match self.receiver.recv().await {
                Ok(event) if event.org_id == self.org_id => return Some(event),
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// An event already waiting, without waiting for one.
    pub fn try_next(&mut self) -> Option<JobEvent> {
        use tokio::sync::broadcast::error::TryRecvError;
        loop {
            match self.receiver.try_recv() {
                Ok(event) if event.org_id == self.org_id => return Some(event),
                Ok(_) | Err(TryRecvError::Lagged(_)) => continue,
                Err(TryRecvError::Empty | TryRecvError::Closed) => return None,
            }
        }
    }
}

/// The jobs this process ends, from [`Sitebook::ended_jobs`]: every one, however far the
/// reader falls behind a burst.
pub struct EndedJobs {
    ctx: Ctx,
    receiver: tokio::sync::mpsc::UnboundedReceiver<i64>,
    /// A job heard to end and not yet reported: kept across a `next` dropped while it read the
    /// job, so that a worker stopping at that moment still reports it.
    heard: Option<i64>,
}

impl EndedJobs {
    /// The next job to end; `None` once the core has shut down.
    pub async fn next(&mut self) -> Option<queue::JobEnded> {
        loop {
            if let Some(ended) = self.report_heard().await {
                return Some(ended);
            }
            self.heard = Some(self.receiver.recv().await?);
        }
    }

    /// A job that has ended and not been reported yet, without waiting for one: for the last
    /// lines once the worker stops.
    pub async fn next_already_ended(&mut self) -> Option<queue::JobEnded> {
        loop {
            if let Some(ended) = self.report_heard().await {
                return Some(ended);
            }
            self.heard = Some(self.receiver.try_recv().ok()?);
        }
    }

    /// The job heard to end, read; `heard` is cleared only once the read is over.
    async fn report_heard(&mut self) -> Option<queue::JobEnded> {
        let job_id = self.heard?;
        let ended = match queue::ended_here(&self.ctx, job_id).await {
            Ok(ended) => ended,
            Err(error) => {
                tracing::warn!(%error, job_id, "could not read a job that ended");
                None
            }
        };
        self.heard = None;
        ended
    }
}

/// What the faces may do without an open data dir: find the data folder and start the logs,
/// read a person's CSV files, parse a workbook (`sitebook estimate parse`) and draw a quick first
/// bill (`sitebook bill render`); both programs become a parse worker through [`worker`]. So
/// neither face reaches past this module into the jobs, documents or store layers.
pub mod stateless {
    use std::path::{Path, PathBuf};

    use crate::domain::bill::TenderPremium;
    use crate::error::{Error, Result};
    use crate::excel::ParsedWorkbook;

    /// Parses a workbook in a sandboxed worker process under the default limits, as an upload
    /// is parsed. A refusal is the parser's `(code, message)`.
    pub async fn parse_workbook(
        file: &Path,
    ) -> std::result::Result<ParsedWorkbook, (String, String)> {
        let name = file.display().to_string();
        // A pipe would block the reader for ever and a device never ends: only a file is read.
        if let Ok(metadata) = std::fs::metadata(file) {
            if !metadata.is_file() {
                return Err((
                    "validation".to_owned(),
                    format!(
                        "{name} is {}, not a workbook file.",
                        crate::jobs::intake::kind_of_non_file(&metadata)
                    ),
                ));
            }
        }
        crate::jobs::worker_process::parse_isolated(
            &crate::jobs::JobSettings::default(),
            file,
            &name,
        )
        .await
    }

    /// What [`write_quick_first_bill`] wrote, and from which sheet.
    #[derive(Debug)]
    pub struct QuickBill {
        /// The PDF and the XLSX written.
        pub written: Vec<PathBuf>,
        /// The estimate sheet the bill was drawn from.
        pub sheet: String,
        /// The workbook's other estimate sheets, any of which may be named instead.
        pub other_sheets: Vec<String>,
        /// The parse's warnings on that sheet, each naming its cell (a hidden sheet is one).
        pub warnings: Vec<crate::excel::Warning>,
    }

    /// Draws a first bill of `parsed` (read from `source`) at estimate quantities and writes
    /// its PDF and XLSX into `dir` (made if missing), each atomically. The bill is drawn from
    /// the sheet named, else from the workbook's main estimate sheet. The PDF records the
    /// source's sha256, and is dated from the workbook, else from the day the source was last
    /// saved.
    pub fn write_quick_first_bill(
        parsed: &ParsedWorkbook,
        source: &Path,
        sheet: Option<&str>,
        is_final: bool,
        premium: Option<TenderPremium>,
        dir: &Path,
        if_exists: crate::store::outputs::IfExists,
    ) -> Result<QuickBill> {
        let sheet = crate::documents::quick_bill_sheet(parsed, sheet)?;
        let read = |e| Error::io(format!("Could not read {}", source.display()), e);
        let bytes = std::fs::read(source).map_err(read)?;
        let saved: chrono::DateTime<chrono::Utc> = std::fs::metadata(source)
            .and_then(|m| m.modified())
            .map_err(read)?
            .into();
        let saved_on = crate::domain::work::DocDate::from_timestamp(&saved.to_rfc3339());
        let files = crate::documents::quick_first_bill(
            parsed,
            sheet,
            is_final,
            premium,
            Some(crate::store::files::sha256_bytes(&bytes)),
            saved_on,
        )?;
        if dir.exists() && !dir.is_dir() {
            return Err(Error::Validation(format!(
                "{} is not a folder; give the folder to write the bill's PDF and XLSX into.",
                dir.display()
            )));
        }
        // Both files are checked before either is written, so a refusal leaves the folder as
        // it was: the bill already there may be the one someone means to keep.
        if if_exists == crate::store::outputs::IfExists::Refuse {
            if let Some(there) = files
                .iter()
                .map(|(name, _)| dir.join(name))
                .find(|path| path.symlink_metadata().is_ok())
            {
                return Err(Error::Validation(format!(
                    "{} already exists; nothing was written. Give another --out folder, or \
                     replace it (--overwrite).",
                    there.display()
                )));
            }
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("Could not create {}", dir.display()), e))?;
        let mut written = Vec::new();
        for (name, bytes) in files {
            let path = dir.join(name);
            crate::store::files::write_atomic(&path, &bytes)?;
            written.push(path);
        }
        Ok(QuickBill {
            written,
            sheet: sheet.name.clone(),
            other_sheets: parsed
                .sheets
                .iter()
                .filter(|other| other.name != sheet.name)
                .map(|other| other.name.clone())
                .collect(),
            warnings: parsed.warnings_on(&sheet.name).cloned().collect(),
        })
    }

    /// The data folder: an explicit choice (`--data-dir`), then `SITEBOOK_DATA_DIR`, then the
    /// OS app-data folder, which the desktop app and the CLI share.
    pub fn data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
        crate::store::resolve_data_dir(explicit)
    }

    /// Starts writing the program's logs under `data_dir/logs`; they stop when the guard drops.
    pub fn start_logging(data_dir: &Path) -> Result<crate::logging::LogGuard> {
        crate::logging::init(data_dir)
    }

    /// Reads a CSV of quantities (`sl_no,<quantity_column>`) written for a bill or a work slip,
    /// naming every bad line at once.
    pub fn quantities_from_csv(
        file_name: &str,
        text: &str,
        quantity_column: &str,
    ) -> Result<Vec<crate::domain::bill::ItemQuantity>> {
        crate::documents::input_csv::quantities(file_name, text, quantity_column)
    }

    /// Reads a CSV of rates that replace estimate items' rates in a work slip (`sl_no,rate`),
    /// naming every bad line at once.
    pub fn rates_from_csv(
        file_name: &str,
        text: &str,
    ) -> Result<Vec<crate::domain::workslip::RateOverride>> {
        crate::documents::input_csv::rates(file_name, text)
    }

    /// Reads a CSV of a work slip's supplemental items
    /// (`sl_no,description,unit,rate,executed_qty`), naming every bad line at once.
    pub fn supplemental_from_csv(
        file_name: &str,
        text: &str,
    ) -> Result<Vec<crate::documents::input_csv::SupplementalLine>> {
        crate::documents::input_csv::supplemental(file_name, text)
    }

    /// Makes the data folder private to this account (0700 on Unix), creating it if needed.
    pub fn prepare_data_dir(dir: &Path) -> Result<()> {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::Validation(format!(
                "{} is a file, not a folder: the data folder (--data-dir or SITEBOOK_DATA_DIR) \
                 is the folder that holds Sitebook's database",
                dir.display()
            )));
        }
        crate::store::files::create_private_dir(dir)
            .map_err(|e| Error::io(format!("Could not create {}", dir.display()), e))
    }

    /// Whether `dir` holds a Sitebook database: a command other than setting one up refuses a
    /// folder without one, where a mistyped path would otherwise start an empty database and
    /// then say the password is wrong.
    pub fn holds_data(dir: &Path) -> bool {
        dir.join(crate::store::DATABASE_FILE).is_file()
    }

    /// Turning a Sitebook program into a parse worker: its first argument is [`worker::ARG`],
    /// and the rest go to [`worker::run`].
    pub mod worker {
        pub use crate::jobs::worker_process::run_worker_main as run;
        pub use crate::jobs::worker_process::WORKER_ARG as ARG;
    }
}

#[cfg(test)]
mod tests {
    use super::job_handlers;
    use crate::jobs::JobKind;

    #[test]
    fn every_kind_of_job_has_a_handler() {
        let handlers = job_handlers();
        for kind in JobKind::ALL {
            assert!(handlers.get(kind).is_some(), "{kind:?}");
        }
    }
}
