//! The one gate. `authorize(session, action)` is the only way to an [`OrgScope`], and every
//! repository of org-owned rows requires one, so no query can run without a verdict.
//!
//! Reads and writes are different proofs. [`authorize`] hands back an [`OrgScope`], which can
//! read; [`authorize_write`] hands back a [`WriteScope`] for the actions the matrix marks as
//! writes, and every repository function that changes org-owned rows or files requires that
//! kind. Code that holds a scope obtained to view therefore cannot write with it.
//!
//! One written exception, the system plane of the background runners. Claiming a job, its
//! heartbeat, its progress, and completing, retrying or failing it by id (the job queue) act on
//! rows the gate already admitted when the job was queued, with no person present; those
//! functions take the claimed job instead of a scope. What a job does to the org's own data
//! (estimates, outputs) still goes through the gate first, as the person who queued it. The
//! syncer likewise lists the orgs whose sync is on and releases outbox rows a crash left
//! uploading, then works in each org only through the gate, as the person who configured its
//! sync.
//!
//! Each decision, allowed or denied, is written to the audit log before the caller proceeds.
//! The role is re-read from the database on every call rather than trusted from the session, so
//! a membership revoked a moment ago already counts. With no active org the answer is always no:
//! there is never an "all rows" fallback.

use crate::context::Base;
use crate::domain::permissions::{
    permits, permits_global, Action, EffectiveRole, GlobalAction, UserKind,
};
use crate::error::{Error, Result};
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::session::{enterable_by_id, JobSession, Session};

/// Proof that the gate let one user act in one organization. Its fields are private and it has
/// no public constructor: holding one means `authorize` said yes.
#[derive(Debug, Clone)]
pub struct OrgScope {
    org_id: i64,
    org_code: String,
    org_slug: String,
    org_name: String,
    user_id: i64,
    username: String,
    role: EffectiveRole,
    /// The action the gate allowed, and the object its row named: a failure after the gate is
    /// written under the same names ([`WriteScope::attempt`]).
    granted: Action,
    object: Option<(&'static str, String)>,
}

impl OrgScope {
    /// The organization the proof is for; every org-owned query filters on it.
    pub fn org_id(&self) -> i64 {
        self.org_id
    }
    /// The organization's code, for messages and audit rows.
    pub fn org_code(&self) -> &str {
        &self.org_code
    }
    /// The org's slug, the only org-derived part of file paths.
    pub fn org_slug(&self) -> &str {
        &self.org_slug
    }
    /// The org's folder in a sync bucket: its code in lowercase. Codes are unique whatever
    /// their case and the same on every device, where a slug depends on the order orgs were
    /// made on one computer, so two devices' folders for one org always meet, and two orgs'
    /// never do.
    pub fn bucket_folder(&self) -> String {
        self.org_code.to_ascii_lowercase()
    }
    /// The organization's full name, recorded as the author of the documents it makes.
    pub fn org_name(&self) -> &str {
        &self.org_name
    }
    /// The id of the person the gate let act.
    pub fn user_id(&self) -> i64 {
        self.user_id
    }
    /// The username of that person, for audit rows and messages.
    pub fn username(&self) -> &str {
        &self.username
    }
    /// The role that person acts with here, as the gate resolved it for this action.
    pub fn role(&self) -> EffectiveRole {
        self.role
    }

    /// Whether the same person may also do `action` here. Not audited: use it to shape a view,
    /// never to grant access.
    pub fn also_permits(&self, action: Action) -> bool {
        permits(self.role, action)
    }

    /// `row` when the scope's query found it; otherwise [`Self::not_found`]'s error.
    pub(crate) async fn found<T>(
        &self,
        ctx: &Base,
        row: Option<T>,
        (label, id, table): (&str, i64, &'static str),
    ) -> Result<T> {
        match row {
            Some(row) => Ok(row),
            None => Err(self.not_found(ctx, label, id, table).await),
        }
    }

    /// The error for an object id this scope cannot see. Whether the id is missing or belongs to
    /// another organization, the caller gets the same "not found", and the attempt is audited
    /// as the same denied row: this organization's admins read its audit log, and a row that
    /// said "belongs to another organization" would tell them which ids exist elsewhere.
    pub(crate) async fn not_found(
        &self,
        ctx: &Base,
        label: &str,
        id: i64,
        table: &'static str,
    ) -> Error {
        let audited = AuditEvent::new("object.read", Outcome::Denied)
            .by_name(Some(self.user_id), &self.username)
            .in_org(self.org_id, &self.org_code)
            .object(table, id)
            .reason(NOT_IN_THIS_ORGANIZATION)
            .write(ctx)
            .await;
        if let Err(error) = audited {
            return error;
        }
        Error::NotFound(format!(
            "{} {id} was not found in {}.",
            crate::error::capitalised(label),
            self.org_code
        ))
    }
}

impl AuditEvent {
    /// The event happened in the scope's organization.
    pub fn in_scope(self, scope: &OrgScope) -> Self {
        self.in_org(scope.org_id(), scope.org_code())
    }
}

/// The reason audited for an object id a scope cannot see, missing or another organization's.
pub(crate) const NOT_IN_THIS_ORGANIZATION: &str = "no such object in this organization";

/// Proof that the gate let one user change something in one organization: granted only for
/// actions the matrix marks as writes. Repository functions that write require it. It reads as
/// the [`OrgScope`] it contains.
///
/// A scope obtained to view cannot write: this does not compile.
///
/// ```compile_fail
/// use sitebook_core::tenancy::gate::OrgScope;
/// async fn clean_with_a_view(ctx: &sitebook_core::Ctx, scope: &OrgScope) {
///     // expected `&WriteScope`, found `&OrgScope`
///     let _ = sitebook_core::store::outputs::cleanup(ctx, scope, 30).await;
/// }
/// ```
///
/// while the same call with a write scope does:
///
/// ```no_run
/// use sitebook_core::tenancy::gate::WriteScope;
/// async fn clean(ctx: &sitebook_core::Ctx, scope: &WriteScope) {
///     let _ = sitebook_core::store::outputs::cleanup(ctx, scope, 30).await;
/// }
/// ```
#[derive(Debug, Clone)]
pub struct WriteScope(OrgScope);

impl std::ops::Deref for WriteScope {
    type Target = OrgScope;

    fn deref(&self) -> &OrgScope {
        &self.0
    }
}

impl WriteScope {
    /// Runs the change the gate let through and, when it fails, writes the failure beside the
    /// gate's "allowed" row, so the log never reads as if a refused change had been made: a
    /// conflict, a bad value, a bucket that would not take the file. Refusals already written
    /// (a rule's denial, an object this org does not have) are not written twice.
    pub(crate) async fn attempt<T>(
        &self,
        ctx: &Base,
        change: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let result = change.await;
        if let Err(error) = &result {
            let mut row = AuditEvent::new(self.granted.audit_name(), Outcome::Failure)
                .by_name(Some(self.user_id), &self.username)
                .in_scope(self);
            if let Some((kind, id)) = &self.object {
                row = row.object(kind, id);
            }
            write_failure(ctx, row, error).await;
        }
        result
    }
}

/// Writes `row` with `error` as its reason, unless the error is a refusal that wrote its own
/// denied row (a rule's denial, an object not in the organization).
async fn write_failure(ctx: &Base, row: AuditEvent, error: &Error) {
    if matches!(error, Error::Denied(_) | Error::NotFound(_)) {
        return;
    }
    // The change failed either way; a log that cannot take the row says so in the application
    // log rather than hiding the change's own error.
    if let Err(written) = row.reason(failure_reason(error)).write(ctx).await {
        tracing::warn!(error = %written, "could not audit a failed change");
    }
}

/// An error in an audit row: its code and its first 200 characters, on one line.
fn failure_reason(error: &Error) -> String {
    let reason = crate::tenancy::audit::cut_for_log(&error.to_string(), 200);
    format!("{}: {reason}", error.code())
}

/// Proof that the gate let a superuser or oversight user read every organization's audit rows.
#[derive(Debug)]
pub struct AllOrgsAudit(());

/// Proof that the gate allowed an action that belongs to no organization. Its field is private,
/// so only [`authorize_global`] makes one.
#[derive(Debug)]
pub struct GlobalGrant {
    action: GlobalAction,
}

impl GlobalGrant {
    /// The action the gate allowed.
    pub fn action(&self) -> GlobalAction {
        self.action
    }

    /// [`WriteScope::attempt`] for an action of no organization, done by `by`.
    pub(crate) async fn attempt<T>(
        &self,
        ctx: &Base,
        by: &crate::tenancy::identity::Principal,
        change: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let result = change.await;
        if let Err(error) = &result {
            let row = AuditEvent::new(self.action.audit_name(), Outcome::Failure).by(by);
            write_failure(ctx, row, error).await;
        }
        result
    }
}

/// The one gate for org-scoped actions.
pub async fn authorize(ctx: &Base, session: &Session, action: Action) -> Result<OrgScope> {
    decide_now(ctx, session, action, None).await
}

/// What a decision concerns, named in its audit row (the Audit pane's Object column): a kind
/// (`job`, `estimate`, `output`) and its id. For a person's decision, the gate refuses an
/// object that is not the active org's as "not found", in one denied row; the repository the
/// scope then opens filters by org as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About<'a> {
    kind: &'static str,
    id: AboutId<'a>,
}

/// How an object is named: a row's id, or an account's username as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AboutId<'a> {
    Row(i64),
    Username(&'a str),
}

impl std::fmt::Display for AboutId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AboutId::Row(id) => write!(f, "{id}"),
            // Typed by someone: stored cut and without control characters.
            AboutId::Username(name) => f.write_str(&crate::tenancy::audit::as_typed(name)),
        }
    }
}

impl About<'static> {
    /// The object of kind `kind` (`job`, `estimate`, `output`, `audit entry`) with id `id`.
    pub fn new(kind: &'static str, id: i64) -> Self {
        Self {
            kind,
            id: AboutId::Row(id),
        }
    }
}

impl<'a> About<'a> {
    /// The account a member command acts on, by the username asked for (its membership is
    /// looked up in the active org after the decision, by the scope).
    pub fn account(username: &'a str) -> Self {
        Self {
            kind: "user",
            id: AboutId::Username(username),
        }
    }

    /// The table whose rows are objects of this kind, each with its `org_id`.
    fn table(self) -> Option<&'static str> {
        match self.kind {
            "estimate" => Some("estimates"),
            "job" => Some("jobs"),
            "output" => Some("output_files"),
            _ => None,
        }
    }

    /// Whether the object is one of `org_id`'s. A kind without a table of its own is left to
    /// the repository the scope opens, which answers "not found" for another org's.
    async fn is_in_org(self, ctx: &Base, org_id: i64) -> Result<bool> {
        let (Some(table), AboutId::Row(id)) = (self.table(), self.id) else {
            return Ok(true);
        };
        let found: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT 1 FROM {table} WHERE id = ? AND org_id = ?"
        ))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&ctx.db)
        .await?;
        Ok(found.is_some())
    }
}

/// [`authorize`] for an action on one object, which its audit row names.
pub async fn authorize_on(
    ctx: &Base,
    session: &Session,
    action: Action,
    about: About<'_>,
) -> Result<OrgScope> {
    decide_now(ctx, session, action, Some(about)).await
}

/// How the row of an allowed decision is committed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AllowedRow {
    /// With an fsync of its own, before the caller proceeds.
    Durable,
    /// Before the caller proceeds, but made durable by the caller's own next commit.
    WithNextCommit,
}

/// Where the gate takes the user's org and role from.
#[derive(Clone, Copy)]
enum Membership {
    /// Read again now: a session lives as long as a window or a command, and a membership
    /// may change meanwhile.
    ReadNow,
    /// The session's own: it was read from the database for this one decision
    /// ([`JobSession`]).
    JustRead,
}

/// A decision for a person at a window or a command: the membership read now, the row of an
/// allowed decision committed durably before the caller proceeds.
async fn decide_now(
    ctx: &Base,
    session: &Session,
    action: Action,
    about: Option<About<'_>>,
) -> Result<OrgScope> {
    decide(
        ctx,
        session,
        Membership::ReadNow,
        action,
        about,
        AllowedRow::Durable,
    )
    .await
}

async fn decide(
    ctx: &Base,
    session: &Session,
    membership: Membership,
    action: Action,
    about: Option<About<'_>>,
    allowed_row: AllowedRow,
) -> Result<OrgScope> {
    let user = session.user();
    let row = |outcome| {
        let event = AuditEvent::new(action.audit_name(), outcome).by(user);
        match about {
            Some(about) => event.object(about.kind, about.id),
            None => event,
        }
    };
    let Some(active) = session.active_org() else {
        row(Outcome::Denied)
            .reason("no active organization")
            .write(ctx)
            .await?;
        return Err(Error::NoActiveOrg);
    };
    let current = match membership {
        Membership::ReadNow => enterable_by_id(ctx, user, active.id).await?,
        Membership::JustRead => Some(active.clone()),
    };
    let refusal = match &current {
        None => Some((
            "no longer a member, the organization is inactive, or the account is disabled"
                .to_string(),
            format!(
                "You can no longer act in {}: your membership was removed, the organization \
                 was deactivated, or your account was disabled. Choose another organization, \
                 or ask a superuser.",
                active.code
            ),
        )),
        Some(org) if !permits(org.role, action) => Some((
            // In words, as the log is read by people; the action's own name is in its column.
            format!("role {} may not {}", org.role.as_str(), action.describe()),
            format!(
                "Your role in {} ({}) does not allow you to {}.{}",
                org.code,
                org.role.label(),
                action.describe(),
                if org.role.is_read_only() {
                    " This role is read-only."
                } else if permits(EffectiveRole::Admin, action) {
                    " Ask an owner or admin of this organization."
                } else if permits(EffectiveRole::Owner, action) {
                    " Ask an owner of this organization."
                } else {
                    " Ask a superuser."
                }
            ),
        )),
        Some(_) => None,
    };
    if let Some((reason, message)) = refusal {
        row(Outcome::Denied)
            .in_org(active.id, &active.code)
            .reason(reason)
            .write(ctx)
            .await?;
        return Err(Error::Denied(message));
    }
    let org = current.expect("refusal covers None");
    // An object of another organization (or none) is refused here, as one denied row; granting
    // the role first wrote an "allowed" row for it, and the repository's "not found" a second.
    // A job's own session was read from the job's row, so its object is its org's already.
    if let (Some(about), Membership::ReadNow) = (about, membership) {
        if !about.is_in_org(ctx, org.id).await? {
            row(Outcome::Denied)
                .in_org(org.id, &org.code)
                .reason(NOT_IN_THIS_ORGANIZATION)
                .write(ctx)
                .await?;
            return Err(Error::NotFound(format!(
                "{} {} was not found in {}.",
                crate::error::capitalised(about.kind),
                about.id,
                org.code
            )));
        }
    }
    let allowed = row(Outcome::Allowed).in_org(org.id, &org.code);
    // A write gets a row of its own; a repeated read is counted on its first row.
    match (action.is_write(), allowed_row) {
        (true, AllowedRow::Durable) => allowed.write(ctx).await?,
        (true, AllowedRow::WithNextCommit) => allowed.write_with_next_commit(ctx).await?,
        (false, _) => allowed.write_read(ctx).await?,
    }
    Ok(OrgScope {
        org_id: org.id,
        org_code: org.code,
        org_slug: org.slug,
        org_name: org.name,
        user_id: user.id,
        username: user.username.clone(),
        role: org.role,
        granted: action,
        object: about.map(|about| (about.kind, about.id.to_string())),
    })
}

/// The gate for an action that changes org-owned rows or files. A read action is refused (a
/// mistake in the calling code, never the user's), so a write proof exists only for writes.
pub async fn authorize_write(ctx: &Base, session: &Session, action: Action) -> Result<WriteScope> {
    writes_only(action)?;
    decide_now(ctx, session, action, None).await.map(WriteScope)
}

/// [`authorize_write`] for an action on one object, which its audit row names.
pub async fn authorize_write_on(
    ctx: &Base,
    session: &Session,
    action: Action,
    about: About<'_>,
) -> Result<WriteScope> {
    writes_only(action)?;
    decide_now(ctx, session, action, Some(about))
        .await
        .map(WriteScope)
}

/// [`authorize_write`] for a background job acting as the person who queued it, once per
/// attempt. A denial is written as always; the row of an allowed decision is written before
/// the job proceeds but without an fsync of its own. Every attempt ends in a durable commit
/// (its results, or its failure, retry or cancellation), and a WAL is synced in order, so that
/// commit carries the row to disk. A power cut before it loses the row together with all the
/// attempt did, and the job, still `running`, is queued again and authorized again. A burst of
/// jobs so pays one disk flush per commit instead of one more per job. The org and role are
/// the ones the [`JobSession`] was just read with, not read a second time.
pub(crate) async fn authorize_job_write(
    ctx: &Base,
    session: JobSession,
    action: Action,
    job_id: i64,
) -> Result<WriteScope> {
    writes_only(action)?;
    if let Some((org_id, org_code)) = session.org_left() {
        // Refused in the job's org, by name, where the session alone would say only "no
        // active organization" in a row no org's admins see.
        let user = session.user();
        AuditEvent::new(action.audit_name(), Outcome::Denied)
            .by(user)
            .in_org(org_id, org_code)
            .object("job", job_id)
            .reason("no longer a member of the job's organization, or the account is disabled")
            .write(ctx)
            .await?;
        return Err(Error::Denied(format!(
            "{} is no longer a member of {org_code}, or the account was disabled.",
            user.username
        )));
    }
    decide(
        ctx,
        &session.into_session(),
        Membership::JustRead,
        action,
        Some(About::new("job", job_id)),
        AllowedRow::WithNextCommit,
    )
    .await
    .map(WriteScope)
}

/// A read action is refused (a mistake in the calling code, never the user's), so a write
/// proof exists only for writes.
fn writes_only(action: Action) -> Result<()> {
    if action.is_write() {
        return Ok(());
    }
    Err(Error::Internal(format!(
        "{} is a read action; it cannot grant a write",
        action.audit_name()
    )))
}

/// The gate for actions outside any organization; decided by the user's kind alone.
pub async fn authorize_global(
    ctx: &Base,
    session: &Session,
    action: GlobalAction,
) -> Result<GlobalGrant> {
    let user = session.user();
    if permits_global(user.kind, action) {
        AuditEvent::new(action.audit_name(), Outcome::Allowed)
            .by(user)
            .write(ctx)
            .await?;
        return Ok(GlobalGrant { action });
    }
    AuditEvent::new(action.audit_name(), Outcome::Denied)
        .by(user)
        .reason(format!(
            "kind {} may not {}",
            user.kind.as_str(),
            action.describe()
        ))
        .write(ctx)
        .await?;
    let hint = if user.kind == UserKind::Oversight {
        " Oversight accounts are read-only."
    } else {
        " Only a superuser can."
    };
    Err(Error::Denied(format!(
        "Your account ({}) may not {}.{hint}",
        user.kind.as_str(),
        action.describe()
    )))
}

/// The gate for reading every organization's audit rows.
pub async fn authorize_all_orgs_audit(ctx: &Base, session: &Session) -> Result<AllOrgsAudit> {
    authorize_global(ctx, session, GlobalAction::AuditViewAll).await?;
    Ok(AllOrgsAudit(()))
}
