//! Local accounts: creating them (with a personal organization), hashing passwords with
//! argon2id, and signing in with a lockout after repeated failures.
//!
//! Passwords never leave this module except as a PHC hash string; they are not logged,
//! printed or kept. Five failures within fifteen minutes lock the account for fifteen minutes,
//! and every failure, success and lock is audited.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Duration;
use serde::Serialize;
use sqlx::{FromRow, Sqlite, Transaction};
use ts_rs::TS;

use crate::clock::{from_db_time, to_db_time};
use crate::context::Base;
use crate::domain::permissions::{MembershipRole, UserKind};
use crate::error::{Error, Result};
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::orgs::{free_code, insert_org, OrgType, Plan};
use crate::tenancy::session::Principal;

/// Failures inside this window count towards a lock.
pub const LOCKOUT_WINDOW_MINUTES: i64 = 15;
/// How many failures inside the window lock the account.
pub const LOCKOUT_THRESHOLD: i64 = 5;
/// How long a lock lasts.
pub const LOCKOUT_MINUTES: i64 = 15;
/// The fewest characters (not bytes) a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A password held only long enough to hash or verify it. It never prints.
pub struct Password(String);

impl Password {
    /// Wraps typed text as a password, so it is hidden from debug output from here on.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<hidden>)")
    }
}

/// What it takes to create an account.
#[derive(Debug)]
pub struct NewAccount {
    /// The name to sign in with: 2 to 32 letters, digits, `.`, `_` or `-`, starting with a letter
    /// or digit.
    pub username: String,
    /// The person's name as shown and printed.
    pub full_name: String,
    /// The account's global kind.
    pub kind: UserKind,
    /// The first password, hashed with argon2id before it is stored.
    pub password: Password,
    /// Create "<First name>'s Organization" with the person as owner.
    pub personal_org: bool,
}

/// An account as people see it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UserView {
    /// The name the person signs in with.
    pub username: String,
    /// The person's name as shown and printed.
    pub full_name: String,
    /// The account's global kind.
    pub kind: UserKind,
}

impl From<&Principal> for UserView {
    fn from(user: &Principal) -> Self {
        Self {
            username: user.username.clone(),
            full_name: user.full_name.clone(),
            kind: user.kind,
        }
    }
}

fn validate_username(username: &str) -> Result<()> {
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let starts_well = username
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if (2..=32).contains(&username.len()) && ok_chars && starts_well {
        Ok(())
    } else {
        Err(Error::Validation(format!(
            "Username '{}' must be 2 to 32 letters, digits, '.', '_' or '-', starting with a \
             letter or digit.",
            crate::error::excerpt(username)
        )))
    }
}

/// Why `password` is too easily guessed for the account `username`, if it is: shorter than
/// [`MIN_PASSWORD_CHARS`], only spaces, one character over and over, or the username itself.
/// An account holds an organization's bills and its audit trail; these are the first guesses.
fn password_problem(password: &str, username: &str) -> Option<String> {
    let first = password.chars().next();
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Some(format!(
            "The password must have at least {MIN_PASSWORD_CHARS} characters."
        ))
    } else if password.trim().is_empty() {
        Some("The password is only spaces; choose one with letters or digits.".into())
    } else if password.chars().all(|c| Some(c) == first) {
        Some(
            "The password is one character over and over, the first thing anyone tries; choose \
             another."
                .into(),
        )
    } else if password.trim().eq_ignore_ascii_case(username.trim()) {
        Some("The password is the username, the first thing anyone tries; choose another.".into())
    } else {
        None
    }
}

async fn hash_password(password: Password, username: &str) -> Result<String> {
    if let Some(problem) = password_problem(&password.0, username) {
        return Err(Error::Validation(problem));
    }
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand_core::OsRng);
        Argon2::default()
            .hash_password(password.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| Error::Internal(format!("Could not hash the password: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("Password hashing stopped: {e}")))?
}

async fn verify_password(password: Password, stored_hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored_hash)
            .map_err(|e| Error::Internal(format!("A stored password hash is damaged: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.0.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| Error::Internal(format!("Password check stopped: {e}")))?
}

/// "<First name>'s Organization".
pub fn personal_org_name(full_name: &str) -> String {
    let first = full_name.split_whitespace().next().unwrap_or(full_name);
    format!("{first}'s Organization")
}

/// Whether a new account of `kind` joins the organization its creator has active: when given a
/// role there, or as a standard account by default. Not by default, though, a personal
/// organization active for someone who may create accounts that belong nowhere (a superuser,
/// whose own is often active): it is its owner's own, and each newcomer would see its owner's
/// estimates. Anyone else adds people to their orgs as before, gated as a members change.
pub fn joins_active_org(
    creator: &crate::tenancy::session::Session,
    kind: UserKind,
    role: Option<MembershipRole>,
) -> bool {
    let personal = creator
        .active_org()
        .is_some_and(|org| org.org_type == OrgType::Personal);
    let may_leave_out = crate::domain::permissions::permits_global(
        creator.user().kind,
        crate::domain::permissions::GlobalAction::AccountCreate,
    );
    role.is_some() || (kind == UserKind::Standard && !(personal && may_leave_out))
}

/// Creates an account inside the caller's transaction, with its personal org if asked, and
/// returns it. The caller audits and commits.
pub(crate) async fn insert_account(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    new: NewAccount,
) -> Result<Principal> {
    let username = new.username.trim().to_string();
    validate_username(&username)?;
    let full_name = new.full_name.trim().to_string();
    if let Some(problem) = crate::domain::names::display_name_problem(&full_name) {
        return Err(Error::Validation(format!("The full name {problem}.")));
    }
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = ?")
        .bind(&username)
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Err(Error::Conflict(format!(
            "An account named '{username}' already exists (usernames ignore case)."
        )));
    }
    let hash = hash_password(new.password, &username).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, full_name, kind, password_hash, active, created_at) \
         VALUES (?, ?, ?, ?, 1, ?) RETURNING id",
    )
    .bind(&username)
    .bind(&full_name)
    .bind(new.kind.as_str())
    .bind(hash)
    .bind(ctx.now_text())
    .fetch_one(&mut **tx)
    .await?;
    let principal = Principal {
        id,
        username: username.clone(),
        full_name: full_name.clone(),
        kind: new.kind,
    };
    if new.personal_org {
        let code = free_code(tx, &username).await?;
        let name = personal_org_name(&full_name);
        let (org_id, _) = insert_org(ctx, tx, &code, &name, OrgType::Personal, Plan::Free).await?;
        insert_membership(ctx, tx, org_id, id, MembershipRole::Owner).await?;
    }
    Ok(principal)
}

/// Adds a membership; the user's first membership becomes their primary one.
///
/// The one write to `memberships` outside `memberships.rs`, on purpose: an account's first
/// membership is written in the account's own transaction, and `memberships.rs` already builds
/// on this module (moving the insert there would make the two import each other).
pub(crate) async fn insert_membership(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    org_id: i64,
    user_id: i64,
    role: MembershipRole,
) -> Result<()> {
    let has_primary: Option<i64> =
        sqlx::query_scalar("SELECT id FROM memberships WHERE user_id = ? AND is_primary = 1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, is_primary, active, created_at) \
         VALUES (?, ?, ?, ?, 1, ?)",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(has_primary.is_none())
    .bind(ctx.now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    full_name: String,
    kind: String,
    password_hash: String,
    active: bool,
    must_change_password: bool,
}

impl AccountRow {
    fn into_principal(self) -> Principal {
        Principal {
            id: self.id,
            username: self.username,
            full_name: self.full_name,
            kind: UserKind::parse(&self.kind).unwrap_or(UserKind::Standard),
        }
    }
}

/// Finds an account by name (case-insensitive).
pub(crate) async fn find_by_username(ctx: &Base, username: &str) -> Result<Option<Principal>> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, username, full_name, kind FROM users WHERE username = ? AND active = 1",
    )
    .bind(username.trim())
    .fetch_optional(&ctx.db)
    .await?;
    Ok(row.map(|(id, username, full_name, kind)| Principal {
        id,
        username,
        full_name,
        kind: UserKind::parse(&kind).unwrap_or(UserKind::Standard),
    }))
}

/// Checks a username and password, applying and auditing the lockout rule.
pub async fn sign_in(ctx: &Base, username: &str, password: Password) -> Result<Principal> {
    let row = check_password(ctx, "sign_in", username, password).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.write_tx().await?;
    clear_lockout(&mut tx, row.id, now).await?;
    if row.must_change_password {
        AuditEvent::new("sign_in", Outcome::Failure)
            .by_name(Some(row.id), &row.username)
            .reason("password change required")
            .write_with(ctx, &mut tx)
            .await?;
        tx.commit().await?;
        return Err(Error::PasswordChangeRequired(format!(
            "The password of '{}' was set by an administrator: choose a new one to sign in.",
            row.username
        )));
    }
    AuditEvent::new("sign_in", Outcome::Success)
        .by_name(Some(row.id), &row.username)
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    Ok(row.into_principal())
}

/// Replaces the account's password with `new`, given its `current` one, which is checked as a
/// sign-in is (the same lockout, and its failures audited). This is how a person replaces a
/// password an administrator set for them, so it needs no session.
pub async fn change_password(
    ctx: &Base,
    username: &str,
    current: Password,
    new: Password,
) -> Result<Principal> {
    if current.0 == new.0 {
        return Err(Error::Validation(
            "The new password is the same as the current one; choose another.".into(),
        ));
    }
    let new_hash = hash_password(new, username).await?;
    let row = check_password(ctx, "password.change", username, current).await?;
    let mut tx = ctx.write_tx().await?;
    sqlx::query("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?")
        .bind(new_hash)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
    clear_lockout(&mut tx, row.id, ctx.clock.now()).await?;
    AuditEvent::new("password.change", Outcome::Success)
        .by_name(Some(row.id), &row.username)
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    Ok(row.into_principal())
}

/// Sets a password someone else chose for the account, inside the caller's transaction: its
/// owner must replace it at their next sign-in, and any lockout is lifted. The caller audits.
pub(crate) async fn set_temporary_password(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    (user_id, username): (i64, &str),
    password: Password,
) -> Result<()> {
    let hash = hash_password(password, username).await?;
    sqlx::query("UPDATE users SET password_hash = ?, must_change_password = 1 WHERE id = ?")
        .bind(hash)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    clear_lockout(tx, user_id, ctx.clock.now()).await?;
    Ok(())
}

/// The account, if `password` is its password: the lockout rule applied, and a refusal audited
/// under `action`. A success is left for the caller to audit.
async fn check_password(
    ctx: &Base,
    action: &'static str,
    username: &str,
    password: Password,
) -> Result<AccountRow> {
    let username = username.trim();
    let row = sqlx::query_as::<_, AccountRow>(
        "SELECT id, username, full_name, kind, password_hash, active, must_change_password \
         FROM users WHERE username = ?",
    )
    .bind(username)
    .fetch_optional(&ctx.db)
    .await?;
    let Some(row) = row else {
        AuditEvent::new(action, Outcome::Failure)
            .by_name(None, &crate::tenancy::audit::as_typed(username))
            .reason("unknown user")
            .write(ctx)
            .await?;
        return Err(wrong_credentials());
    };
    if !row.active {
        AuditEvent::new(action, Outcome::Failure)
            .by_name(Some(row.id), &row.username)
            .reason("account disabled")
            .write(ctx)
            .await?;
        return Err(Error::AuthFailed(format!(
            "The account '{}' is disabled. Ask a superuser to enable it.",
            row.username
        )));
    }
    let now = ctx.clock.now();
    let failures_so_far = reserve_attempt(ctx, action, &row, now).await?;
    if verify_password(password, row.password_hash.clone()).await? {
        return Ok(row);
    }
    Err(record_failure(ctx, action, &row, now, failures_so_far).await?)
}

/// Counts this attempt as a failure before the slow hash is checked, in one write transaction
/// that also reads the lock afresh: however many attempts arrive at once, they are admitted one
/// by one, and once [`LOCKOUT_THRESHOLD`] are counted in the window the rest are refused
/// without being checked. A correct password then clears the count. Returns the failures in
/// the window, this attempt included.
async fn reserve_attempt(
    ctx: &Base,
    action: &'static str,
    row: &AccountRow,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    let mut tx = ctx.write_tx().await?;
    let locked_until: Option<String> =
        sqlx::query_scalar("SELECT locked_until FROM users WHERE id = ?")
            .bind(row.id)
            .fetch_one(&mut *tx)
            .await?;
    let window_start = to_db_time(now - Duration::minutes(LOCKOUT_WINDOW_MINUTES));
    let recent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE user_id = ? AND at > ?")
            .bind(row.id)
            .bind(&window_start)
            .fetch_one(&mut *tx)
            .await?;
    if let Some(until) = lock_in_force(locked_until.as_deref(), now) {
        AuditEvent::new(action, Outcome::Failure)
            .by_name(Some(row.id), &row.username)
            .reason("account locked")
            .write_with(ctx, &mut tx)
            .await?;
        tx.commit().await?;
        return Err(locked_error(&row.username, until, now));
    }
    if recent >= LOCKOUT_THRESHOLD {
        // No lock is set, so the attempt that reached the threshold has not been checked yet
        // (the failed one that reaches it sets the lock, a right one clears the count): many
        // sign-ins at once, not failures. Refused unchecked all the same, so that guesses sent
        // together get no more tries than guesses sent one by one.
        AuditEvent::new(action, Outcome::Failure)
            .by_name(Some(row.id), &row.username)
            .reason("too many sign-ins at once")
            .write_with(ctx, &mut tx)
            .await?;
        tx.commit().await?;
        return Err(Error::AccountLocked(format!(
            "{LOCKOUT_THRESHOLD} sign-ins to '{}' are being checked at this moment, so this one \
             was not. Try again in a moment.",
            row.username
        )));
    }
    sqlx::query("INSERT INTO sign_in_failures (user_id, at) VALUES (?, ?)")
        .bind(row.id)
        .bind(to_db_time(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(recent + 1)
}

async fn record_failure(
    ctx: &Base,
    action: &'static str,
    row: &AccountRow,
    now: chrono::DateTime<chrono::Utc>,
    recent: i64,
) -> Result<Error> {
    let mut tx = ctx.write_tx().await?;
    AuditEvent::new(action, Outcome::Failure)
        .by_name(Some(row.id), &row.username)
        .reason("wrong password")
        .write_with(ctx, &mut tx)
        .await?;
    if recent >= LOCKOUT_THRESHOLD {
        let until = now + Duration::minutes(LOCKOUT_MINUTES);
        sqlx::query("UPDATE users SET locked_until = ? WHERE id = ?")
            .bind(to_db_time(until))
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE user_id = ?")
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        AuditEvent::new("sign_in.lockout", Outcome::Denied)
            .by_name(Some(row.id), &row.username)
            .reason(format!(
                "{LOCKOUT_THRESHOLD} failed sign-ins within {LOCKOUT_WINDOW_MINUTES} minutes"
            ))
            .write_with(ctx, &mut tx)
            .await?;
        tx.commit().await?;
        return Ok(locked_error(&row.username, until, now));
    }
    tx.commit().await?;
    Ok(wrong_credentials())
}

/// One answer for an unknown user and a wrong password, so sign-in never tells a stranger
/// which usernames exist; the audit row keeps the difference.
fn wrong_credentials() -> Error {
    Error::AuthFailed(format!(
        "The username or password is wrong. {LOCKOUT_THRESHOLD} wrong tries within \
         {LOCKOUT_WINDOW_MINUTES} minutes lock an account for {LOCKOUT_MINUTES} minutes."
    ))
}

/// The lock as the person at the keyboard reads it: how long it has left, and when it ends by
/// this computer's clock, as every other time in the window and the CLI is shown.
fn locked_error(
    username: &str,
    until: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Error {
    use chrono::Offset;
    let offset = until.with_timezone(&chrono::Local).offset().fix();
    locked_error_in(username, until, now, offset)
}

/// [`locked_error`] on a clock `offset` from UTC. Off UTC, the UTC time follows in brackets
/// for anyone comparing with a log kept in UTC.
fn locked_error_in(
    username: &str,
    until: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    offset: chrono::FixedOffset,
) -> Error {
    let local = until.with_timezone(&offset).format("%H:%M").to_string();
    let ends = if offset.local_minus_utc() == 0 {
        format!("{local} UTC")
    } else {
        format!("{local}; {} UTC", until.format("%H:%M"))
    };
    let seconds_left = (until - now).num_seconds().max(1);
    let minutes_left = (seconds_left + 59) / 60;
    let minutes = if minutes_left == 1 {
        "minute"
    } else {
        "minutes"
    };
    Error::AccountLocked(format!(
        "The account '{username}' is locked for another {minutes_left} {minutes} (until \
         {ends}), after {LOCKOUT_THRESHOLD} failed sign-ins. Try again then: it unlocks by \
         itself. An owner or admin of your organization can unlock it sooner, in Members (or \
         with `sitebook member unlock {username}`)."
    ))
}

/// The end of the account's lockout, if it is locked at `now`.
pub(crate) fn lock_in_force(
    locked_until: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    locked_until
        .and_then(from_db_time)
        .filter(|until| *until > now)
}

/// Lifts an account's lockout and forgets its recent failures, inside the caller's write
/// transaction; returns the end of the lock it lifted, if it was locked.
pub(crate) async fn clear_lockout(
    tx: &mut Transaction<'_, Sqlite>,
    user_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let locked_until: Option<String> =
        sqlx::query_scalar("SELECT locked_until FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_one(&mut **tx)
            .await?;
    sqlx::query("UPDATE users SET locked_until = NULL WHERE id = ?")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE user_id = ?")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(lock_in_force(locked_until.as_deref(), now))
}

/// One account as `user list` shows it: who, what kind, whether it may sign in, and where.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountView {
    /// The sign-in name.
    pub username: String,
    /// The name as shown.
    pub full_name: String,
    /// The account's kind: standard, operations, oversight or superuser.
    pub kind: UserKind,
    /// Whether it may sign in; a disabled account signs in nowhere.
    pub enabled: bool,
    /// When its sign-in lockout ends (RFC 3339, UTC), while it is locked.
    pub locked_until: Option<String>,
    /// Its memberships in force, primary first, then by code.
    pub organizations: Vec<AccountMembership>,
}

/// One organization an account belongs to.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountMembership {
    /// The organization's code.
    pub org_code: String,
    /// The role the membership gives there.
    pub role: MembershipRole,
    /// Whether it is the account's primary organization.
    pub primary: bool,
}

/// Every account on this computer, by username (the system's own excepted). For those who
/// manage or oversee every organization: a superuser could add, disable and reset accounts,
/// but not see which there were.
pub async fn list(
    ctx: &Base,
    session: &crate::tenancy::session::Session,
) -> Result<Vec<AccountView>> {
    use crate::domain::permissions::GlobalAction;
    crate::tenancy::gate::authorize_global(ctx, session, GlobalAction::AccountsView).await?;
    let users: Vec<(i64, String, String, String, bool, Option<String>)> = sqlx::query_as(
        "SELECT id, username, full_name, kind, active, locked_until FROM users \
         WHERE username != ? ORDER BY username COLLATE NOCASE",
    )
    .bind(crate::tenancy::session::SYSTEM_USERNAME)
    .fetch_all(&ctx.db)
    .await?;
    let memberships: Vec<(i64, String, String, bool)> = sqlx::query_as(
        "SELECT m.user_id, o.code, m.role, m.is_primary FROM memberships m \
         JOIN organizations o ON o.id = m.org_id WHERE m.active = 1 \
         ORDER BY m.is_primary DESC, o.code COLLATE NOCASE",
    )
    .fetch_all(&ctx.db)
    .await?;
    let now = ctx.clock.now();
    Ok(users
        .into_iter()
        .map(
            |(id, username, full_name, kind, enabled, locked_until)| AccountView {
                username,
                full_name,
                kind: UserKind::parse(&kind).unwrap_or(UserKind::Standard),
                enabled,
                locked_until: lock_in_force(locked_until.as_deref(), now).map(to_db_time),
                organizations: memberships
                    .iter()
                    .filter(|(user_id, ..)| *user_id == id)
                    .map(|(_, code, role, primary)| AccountMembership {
                        org_code: code.clone(),
                        role: MembershipRole::parse(role).unwrap_or(MembershipRole::Viewer),
                        primary: *primary,
                    })
                    .collect(),
            },
        )
        .collect())
}

/// Disables an account (it then signs in nowhere, and the gate refuses its open sessions) or
/// enables it again. A superuser's power; one's own account is refused, so the device is never
/// left with nobody able to undo it. Audited. Returns whether anything changed.
pub async fn set_enabled(
    ctx: &Base,
    session: &crate::tenancy::session::Session,
    username: &str,
    enabled: bool,
) -> Result<bool> {
    use crate::domain::permissions::GlobalAction;
    crate::tenancy::gate::authorize_global(ctx, session, GlobalAction::AccountDisable).await?;
    let username = username.trim();
    let found: Option<(i64, String, bool)> =
        sqlx::query_as("SELECT id, username, active FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&ctx.db)
            .await?;
    let Some((id, username, active)) =
        found.filter(|(_, name, _)| name != crate::tenancy::session::SYSTEM_USERNAME)
    else {
        return Err(Error::NotFound(format!(
            "No account named '{}' exists.",
            crate::error::excerpt(username)
        )));
    };
    if id == session.user().id && !enabled {
        return Err(Error::Validation(
            "You cannot disable your own account; another superuser can.".into(),
        ));
    }
    if active == enabled {
        return Ok(false);
    }
    let mut tx = ctx.write_tx().await?;
    sqlx::query("UPDATE users SET active = ? WHERE id = ?")
        .bind(enabled)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    AuditEvent::new(
        if enabled {
            "account.enable"
        } else {
            "account.disable"
        },
        Outcome::Success,
    )
    .by(session.user())
    .object("user", &username)
    .write_with(ctx, &mut tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether this device has no account yet (the first-run state).
pub async fn no_accounts_yet(ctx: &Base) -> Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username != '@system'")
        .fetch_one(&ctx.db)
        .await?;
    Ok(count == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_username_is_quoted_without_its_direction_override() {
        let Err(Error::Validation(message)) = validate_username("nimda\u{202E}root") else {
            panic!("accepted");
        };
        assert!(
            message.starts_with("Username 'nimda<U+202E>root' must be"),
            "{message}"
        );
    }

    #[test]
    fn the_first_guesses_are_no_passwords() {
        for (password, says) in [
            ("short-1", "at least 8 characters"),
            ("        ", "only spaces"),
            ("aaaaaaaaaa", "one character over and over"),
            ("1111111111", "one character over and over"),
            ("Weakling", "the username"),
            (" weakling ", "the username"),
        ] {
            let problem = password_problem(password, "weakling")
                .unwrap_or_else(|| panic!("{password:?} accepted"));
            assert!(problem.contains(says), "{password:?}: {problem}");
        }
        for password in ["weakling-2026", "a a a a a", "long-enough-pw", "aaaaaaab"] {
            assert_eq!(password_problem(password, "weakling"), None, "{password:?}");
        }
    }

    #[test]
    fn personal_org_is_named_after_the_first_name() {
        assert_eq!(personal_org_name("Asha Rao"), "Asha's Organization");
        assert_eq!(personal_org_name("Ravi"), "Ravi's Organization");
    }

    #[test]
    fn a_lock_says_how_long_it_has_left_then_when_it_ends_and_its_advice_once() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-05T07:17:30Z")
            .unwrap()
            .to_utc();
        let until = now + Duration::seconds(14 * 60 + 30);
        let utc = chrono::FixedOffset::east_opt(0).unwrap();
        let Error::AccountLocked(message) = locked_error_in("ravi", until, now, utc) else {
            panic!("not a lock");
        };
        assert!(
            message.starts_with(
                "The account 'ravi' is locked for another 15 minutes (until 07:32 UTC), after"
            ),
            "{message}"
        );
        assert_eq!(message.matches("Try again").count(), 1, "{message}");
        // On a clock in India it ends at 13:02 there, which the window shows for every other
        // time; the UTC time follows for the log. It had said "until 07:32 UTC" alone.
        let ist = chrono::FixedOffset::east_opt(5 * 3600 + 30 * 60).unwrap();
        let Error::AccountLocked(in_india) = locked_error_in("ravi", until, now, ist) else {
            panic!("not a lock");
        };
        assert!(
            in_india.starts_with(
                "The account 'ravi' is locked for another 15 minutes (until 13:02; 07:32 UTC), \
                 after"
            ),
            "{in_india}"
        );
        assert!(
            in_india.contains("it unlocks by itself. An owner or admin"),
            "{in_india}"
        );
        let Error::AccountLocked(last) = locked_error("ravi", now + Duration::seconds(20), now)
        else {
            panic!("not a lock");
        };
        assert!(last.contains("for another 1 minute (until"), "{last}");
    }

    #[test]
    fn passwords_never_print() {
        let shown = format!("{:?}", Password::new("hunter22"));
        assert!(!shown.contains("hunter22"));
    }

    #[test]
    fn usernames_are_checked() {
        assert!(validate_username("asha.rao").is_ok());
        assert!(validate_username("a").is_err());
        assert!(validate_username("has space").is_err());
        assert!(validate_username("-dash").is_err());
    }
}
