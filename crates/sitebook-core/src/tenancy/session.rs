//! The session: who is signed in and which organization is active, and how the active
//! organization is chosen.
//!
//! Resolution order (DESIGN.md): the org chosen explicitly (picker or `--org`), then the last org
//! this user used, then the primary membership, then the first membership, otherwise none — and
//! with none, the gate denies everything org-scoped.

use serde::Serialize;
use sqlx::FromRow;
use ts_rs::TS;

use crate::context::Base;
use crate::domain::permissions::{
    effective_role, permits, Action, EffectiveRole, MembershipRole, UserKind,
};
use crate::error::{Error, Result};
use crate::tenancy::audit::{AuditEvent, Outcome};
pub use crate::tenancy::identity::Principal;
use crate::tenancy::identity::{OrgType, Plan};

/// The organization the session acts in, with the role resolved when it was entered. The gate
/// re-resolves the role on every action, so a revoked membership takes effect at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveOrg {
    /// The organization's id in the `organizations` table.
    pub id: i64,
    /// The short code people type to choose it (`MOH`), matched ignoring case.
    pub code: String,
    /// The lowercase ASCII name its files live under (`outputs/{slug}/`).
    pub slug: String,
    /// The organization's full name.
    pub name: String,
    /// What kind of body the organization is.
    pub org_type: OrgType,
    /// The organization's subscription plan.
    pub plan: Plan,
    /// The role the user acts with here, as resolved on entering; the gate checks it again on
    /// every action.
    pub role: EffectiveRole,
}

/// Who is acting and where. Only the core constructs one, after a successful sign-in.
///
/// Two sessions are equal when the same person would act in the same organization with the
/// same role: so a standing read again can be compared with one the gate refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    user: Principal,
    active: Option<ActiveOrg>,
}

impl Session {
    pub(crate) fn new(user: Principal, active: Option<ActiveOrg>) -> Self {
        Self { user, active }
    }

    /// The signed-in person.
    pub fn user(&self) -> &Principal {
        &self.user
    }

    /// The organization the session acts in; `None` when none is chosen, and then every
    /// org-scoped action is denied.
    pub fn active_org(&self) -> Option<&ActiveOrg> {
        self.active.as_ref()
    }

    /// The same person with no active organization (every org-scoped action is then denied).
    pub fn without_active_org(&self) -> Session {
        Session::new(self.user.clone(), None)
    }

    pub(crate) fn set_active(&mut self, org: Option<ActiveOrg>) {
        self.active = org;
    }
}

/// One entry of the organization picker.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrgChoice {
    /// The short code people type to choose it (`MOH`), matched ignoring case.
    pub code: String,
    /// The organization's full name.
    pub name: String,
    /// The lowercase ASCII name its files live under (`outputs/{slug}/`).
    pub slug: String,
    /// What kind of body the organization is.
    pub org_type: OrgType,
    /// The organization's subscription plan.
    pub plan: Plan,
    /// The role the user would act with there.
    pub role: EffectiveRole,
    /// True for the organization the session is in now.
    pub active: bool,
    /// What the role permits there, from the gate's own permission matrix. Faces offer only
    /// these; the gate still decides every call.
    pub may: Vec<Action>,
    /// True when the role there only reads (viewer, oversight): every write is refused.
    pub read_only: bool,
}

#[derive(FromRow)]
struct EnterableRow {
    id: i64,
    code: String,
    slug: String,
    name: String,
    org_type: String,
    plan: String,
    membership_role: Option<String>,
}

impl EnterableRow {
    fn into_active(self, kind: UserKind) -> Option<ActiveOrg> {
        let membership = self
            .membership_role
            .as_deref()
            .and_then(MembershipRole::parse);
        let role = effective_role(kind, membership)?;
        Some(ActiveOrg {
            id: self.id,
            code: self.code,
            slug: self.slug,
            name: self.name,
            org_type: OrgType::parse(&self.org_type).unwrap_or(OrgType::Office),
            plan: Plan::parse(&self.plan).unwrap_or(Plan::Free),
            role,
        })
    }
}

/// The organizations this user may enter, each with the role they would act with, by code.
pub(crate) async fn enterable_orgs(ctx: &Base, user: &Principal) -> Result<Vec<ActiveOrg>> {
    // Kinds that reach every org see all active orgs (with their membership, if any); standard
    // users see only orgs where they hold an active membership.
    let rows = sqlx::query_as::<_, EnterableRow>(
        "SELECT o.id, o.code, o.slug, o.name, o.org_type, o.plan, m.role AS membership_role \
         FROM organizations o \
         LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = ? AND m.active = 1 \
         WHERE o.active = 1 AND (? = 1 OR m.id IS NOT NULL) \
         ORDER BY o.code COLLATE NOCASE",
    )
    .bind(user.id)
    .bind(user.kind.reaches_every_org())
    .fetch_all(&ctx.db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| row.into_active(user.kind))
        .collect())
}

/// The org with this id as this user would enter it, or `None` if they may not.
pub(crate) async fn enterable_by_id(
    ctx: &Base,
    user: &Principal,
    org_id: i64,
) -> Result<Option<ActiveOrg>> {
    let row = sqlx::query_as::<_, EnterableRow>(
        "SELECT o.id, o.code, o.slug, o.name, o.org_type, o.plan, m.role AS membership_role \
         FROM organizations o \
         LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = ? AND m.active = 1 \
         WHERE o.id = ? AND o.active = 1 \
         AND EXISTS (SELECT 1 FROM users u WHERE u.id = ? \
         AND (u.active = 1 OR u.username = '@system'))",
    )
    .bind(user.id)
    .bind(org_id)
    .bind(user.id)
    .fetch_optional(&ctx.db)
    .await?;
    Ok(row.and_then(|row| row.into_active(user.kind)))
}

/// A job attempt's session, read from the database by [`job_session`] at the start of the
/// attempt and consumed by the gate's one decision for it
/// ([`crate::tenancy::gate::authorize_job_write`]). Because nothing else can make one or keep
/// one, the gate may take its org and role as current instead of reading them again: that
/// read would be the same joined statement, a moment later, once more per job of a burst.
#[derive(Debug)]
pub(crate) struct JobSession {
    session: Session,
    /// The job's organization (id and code) while it is active, entered or not: a refusal of
    /// a person who may no longer act there is audited in it, where its admins see it.
    job_org: Option<(i64, String)>,
}

impl JobSession {
    /// The person who queued the job.
    pub(crate) fn user(&self) -> &Principal {
        self.session.user()
    }

    /// The job's organization when the person can no longer enter it.
    pub(crate) fn org_left(&self) -> Option<(i64, &str)> {
        match self.session.active_org() {
            Some(_) => None,
            None => self.job_org.as_ref().map(|(id, code)| (*id, code.as_str())),
        }
    }

    pub(crate) fn into_session(self) -> Session {
        self.session
    }
}

/// [`session_for_job`], for the gate's decision on one attempt of a job.
pub(crate) async fn job_session(ctx: &Base, user_id: i64, org_id: i64) -> Result<JobSession> {
    let (session, job_org) = job_session_parts(ctx, user_id, org_id).await?;
    Ok(JobSession { session, job_org })
}

/// The session a background job runs in: the person who queued it, in the job's org. With no
/// right to enter that org any more, the session has no active org and the gate says no.
pub(crate) async fn session_for_job(ctx: &Base, user_id: i64, org_id: i64) -> Result<Session> {
    Ok(job_session_parts(ctx, user_id, org_id).await?.0)
}

/// [`session_for_job`], with the job's org as found (id and code) if it is active.
async fn job_session_parts(
    ctx: &Base,
    user_id: i64,
    org_id: i64,
) -> Result<(Session, Option<(i64, String)>)> {
    // One statement for the person and the org as they would enter it: a burst of jobs builds
    // one session each, and every statement is a round trip to the connection's thread.
    let row = sqlx::query_as::<_, JobSessionRow>(
        "SELECT u.id AS user_id, u.username, u.full_name, u.kind, u.active AS user_active, \
         o.id, o.code, o.slug, o.name, o.org_type, o.plan, m.role AS membership_role \
         FROM users u \
         LEFT JOIN organizations o ON o.id = ? AND o.active = 1 \
         LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = u.id AND m.active = 1 \
         WHERE u.id = ?",
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(&ctx.db)
    .await?
    .ok_or_else(|| Error::NotFound(format!("The account {user_id} no longer exists.")))?;
    let user = Principal {
        id: row.user_id,
        username: row.username,
        full_name: row.full_name,
        kind: UserKind::parse(&row.kind).unwrap_or(UserKind::Standard),
    };
    let org = match (row.id, row.code, row.slug, row.name, row.org_type, row.plan) {
        (Some(id), Some(code), Some(slug), Some(name), Some(org_type), Some(plan)) => {
            Some(EnterableRow {
                id,
                code,
                slug,
                name,
                org_type,
                plan,
                membership_role: row.membership_role,
            })
        }
        _ => None,
    };
    let job_org = org.as_ref().map(|org| (org.id, org.code.clone()));
    // A disabled account's jobs act nowhere, as its sign-in does. The maintenance principal
    // is "disabled" only so that nobody signs in as it.
    let enabled = row.user_active || user.username == SYSTEM_USERNAME;
    let active = org
        .filter(|_| enabled)
        .and_then(|org| org.into_active(user.kind));
    Ok((Session::new(user, active), job_org))
}

/// A job's person, and its org's columns as [`EnterableRow`] has them: all `NULL` when the org
/// is gone or inactive.
#[derive(FromRow)]
struct JobSessionRow {
    user_id: i64,
    username: String,
    full_name: String,
    kind: String,
    user_active: bool,
    id: Option<i64>,
    code: Option<String>,
    slug: Option<String>,
    name: Option<String>,
    org_type: Option<String>,
    plan: Option<String>,
    membership_role: Option<String>,
}

/// The maintenance principal's username (see migration 0002): a superuser nobody can sign in
/// as, which runs the daily cleanup.
pub(crate) const SYSTEM_USERNAME: &str = "@system";

/// The maintenance principal's session in one org (see migration 0002).
pub(crate) async fn system_session(ctx: &Base, org_id: i64) -> Result<Session> {
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = '@system'")
        .fetch_one(&ctx.db)
        .await?;
    session_for_job(ctx, id, org_id).await
}

/// The code of the org `session`'s person last used, when the session acts elsewhere (or
/// nowhere) because that org could not be entered. Their own setting, read back to them.
pub(crate) async fn fallen_back_from(ctx: &Base, session: &Session) -> Result<Option<String>> {
    let last_used: Option<(i64, String)> = sqlx::query_as(
        "SELECT o.id, o.code FROM user_settings s JOIN organizations o ON o.id = s.last_org_id \
         WHERE s.user_id = ?",
    )
    .bind(session.user().id)
    .fetch_optional(&ctx.db)
    .await?;
    let Some((org_id, code)) = last_used else {
        return Ok(None);
    };
    if session
        .active_org()
        .is_some_and(|active| active.id == org_id)
    {
        return Ok(None);
    }
    // Enterable after all (a command run with --org elsewhere): nothing fell back.
    if enterable_by_id(ctx, session.user(), org_id)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    Ok(Some(code))
}

/// Resolution steps 2 to 5: last used, primary membership, first membership, none.
pub(crate) async fn resolve_default_org(ctx: &Base, user: &Principal) -> Result<Option<ActiveOrg>> {
    let last_used: Option<i64> =
        sqlx::query_scalar("SELECT last_org_id FROM user_settings WHERE user_id = ?")
            .bind(user.id)
            .fetch_optional(&ctx.db)
            .await?
            .flatten();
    if let Some(org_id) = last_used {
        if let Some(org) = enterable_by_id(ctx, user, org_id).await? {
            return Ok(Some(org));
        }
    }
    let memberships: Vec<i64> = sqlx::query_scalar(
        "SELECT m.org_id FROM memberships m JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = ? AND m.active = 1 AND o.active = 1 \
         ORDER BY m.is_primary DESC, m.id ASC",
    )
    .bind(user.id)
    .fetch_all(&ctx.db)
    .await?;
    for org_id in memberships {
        if let Some(org) = enterable_by_id(ctx, user, org_id).await? {
            return Ok(Some(org));
        }
    }
    Ok(None)
}

/// Whether an explicit choice is remembered as the user's last org.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remember {
    /// The picker, or `sitebook org switch`.
    Yes,
    /// `--org` for one command.
    No,
}

/// Resolution step 1: enter the org with this code (case-insensitive), if this user may.
/// Refusals are audited; a switch that is remembered is audited as a switch.
pub(crate) async fn enter_org(
    ctx: &Base,
    session: &mut Session,
    code: &str,
    remember: Remember,
) -> Result<()> {
    let user = session.user().clone();
    let target: Option<(i64, String, bool)> =
        sqlx::query_as("SELECT id, code, active FROM organizations WHERE code = ? COLLATE NOCASE")
            .bind(code.trim())
            .fetch_optional(&ctx.db)
            .await?;
    let action = match remember {
        Remember::Yes => "org.switch",
        Remember::No => "org.enter",
    };
    // Someone who enters only the orgs they belong to is told the same whether the code is
    // unknown, belongs to an org they are not in, or to an inactive one: their refusals must
    // not map which organizations exist. The audit log keeps the real reason for its readers.
    let sees_every_org = user.kind != UserKind::Standard;
    let shown = crate::tenancy::audit::as_typed(code);
    let not_theirs = || {
        Error::Denied(format!(
            "You cannot enter '{shown}': none of your organizations has this code. `sitebook \
             org list` shows the ones you can enter; to join another, ask one of its admins."
        ))
    };
    let Some((org_id, org_code, active)) = target else {
        AuditEvent::new(action, Outcome::Denied)
            .by(&user)
            .object("organization", &shown)
            .reason("no organization has this code")
            .write(ctx)
            .await?;
        if !sees_every_org {
            return Err(not_theirs());
        }
        return Err(Error::NotFound(format!(
            "No organization has the code '{shown}'. `sitebook org list` shows the ones you can \
             enter."
        )));
    };
    let entered = if active {
        enterable_by_id(ctx, &user, org_id).await?
    } else {
        None
    };
    let Some(org) = entered else {
        let reason = if active {
            "no membership in this organization"
        } else {
            "organization is inactive"
        };
        AuditEvent::new(action, Outcome::Denied)
            .by(&user)
            .in_org(org_id, &org_code)
            .object("organization", &org_code)
            .reason(reason)
            .write(ctx)
            .await?;
        // A member of an org that was made inactive may know it exists: they are told why.
        let told_why = sees_every_org || (!active && is_member(ctx, user.id, org_id).await?);
        return Err(if !told_why {
            not_theirs()
        } else if active {
            Error::Denied(format!(
                "You are not a member of {org_code}, so you cannot switch into it. Ask an admin \
                 of {org_code} to add you."
            ))
        } else {
            Error::Denied(format!(
                "{org_code} is inactive; nobody can switch into it."
            ))
        });
    };
    if remember == Remember::Yes {
        let mut tx = ctx.write_tx().await?;
        sqlx::query(
            "INSERT INTO user_settings (user_id, last_org_id, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT(user_id) DO UPDATE SET last_org_id = excluded.last_org_id, \
             updated_at = excluded.updated_at",
        )
        .bind(user.id)
        .bind(org.id)
        .bind(ctx.now_text())
        .execute(&mut *tx)
        .await?;
        AuditEvent::new(action, Outcome::Success)
            .by(&user)
            .in_org(org.id, &org.code)
            .object("organization", &org.code)
            .reason(format!("acting as {}", org.role.as_str()))
            .write_with(ctx, &mut tx)
            .await?;
        tx.commit().await?;
    }
    session.set_active(Some(org));
    Ok(())
}

/// Whether the account has an active membership in the org (active or not).
async fn is_member(ctx: &Base, user_id: i64, org_id: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM memberships WHERE user_id = ? AND org_id = ? AND active = 1",
    )
    .bind(user_id)
    .bind(org_id)
    .fetch_optional(&ctx.db)
    .await?;
    Ok(found.is_some())
}

/// The picker list for this session, with the active org marked.
pub(crate) async fn picker(ctx: &Base, session: &Session) -> Result<Vec<OrgChoice>> {
    let active_id = session.active_org().map(|org| org.id);
    Ok(enterable_orgs(ctx, session.user())
        .await?
        .into_iter()
        .map(|org| OrgChoice {
            active: Some(org.id) == active_id,
            code: org.code,
            name: org.name,
            slug: org.slug,
            org_type: org.org_type,
            plan: org.plan,
            may: Action::ALL
                .into_iter()
                .filter(|&action| permits(org.role, action))
                .collect(),
            read_only: org.role.is_read_only(),
            role: org.role,
        })
        .collect())
}
