//! Memberships: who belongs to an organization and with which role, and the rules for changing
//! that.
//!
//! Admins manage members, viewers and other admins. Anything that grants, revokes or touches the
//! owner role also needs [`Action::OwnersManage`], which only owners (and superusers) hold. The
//! last active owner can neither leave nor be demoted, so an organization is never orphaned.

use serde::Serialize;
use sqlx::{FromRow, Sqlite, Transaction};
use ts_rs::TS;

use crate::clock::to_db_time;
use crate::context::Base;
use crate::domain::permissions::{Action, MembershipRole, UserKind};
use crate::error::{Error, Result};
use crate::tenancy::accounts::{
    clear_lockout, find_by_username, insert_membership, lock_in_force, set_temporary_password,
    Password,
};
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::gate::{authorize, authorize_write_on, About, OrgScope, WriteScope};
use crate::tenancy::session::Session;

/// A member as the members list shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemberView {
    /// The member's sign-in name.
    pub username: String,
    /// The member's name as shown.
    pub full_name: String,
    /// The role the membership gives in this organization.
    pub role: MembershipRole,
    /// Whether this is the member's primary organization, entered when they used none last.
    pub primary: bool,
    /// Whether the membership is in force; an inactive one gives no access.
    pub active: bool,
    /// When the account's sign-in lockout ends (RFC 3339, UTC), while it is locked.
    pub locked_until: Option<String>,
}

#[derive(FromRow)]
struct MemberRow {
    username: String,
    full_name: String,
    role: String,
    is_primary: bool,
    active: bool,
    locked_until: Option<String>,
}

/// The members of the scope's organization, owners first.
pub async fn list(ctx: &Base, scope: &OrgScope) -> Result<Vec<MemberView>> {
    let rows = sqlx::query_as::<_, MemberRow>(
        "SELECT u.username, u.full_name, m.role, m.is_primary, m.active, u.locked_until \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = ? \
         ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'member' THEN 2 \
         ELSE 3 END, u.username COLLATE NOCASE",
    )
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?;
    let now = ctx.clock.now();
    Ok(rows
        .into_iter()
        .map(|row| MemberView {
            locked_until: lock_in_force(row.locked_until.as_deref(), now).map(to_db_time),
            username: row.username,
            full_name: row.full_name,
            role: MembershipRole::parse(&row.role).unwrap_or(MembershipRole::Viewer),
            primary: row.is_primary,
            active: row.active,
        })
        .collect())
}

struct Target {
    user_id: i64,
    username: String,
    kind: UserKind,
    membership: Option<(i64, MembershipRole)>,
}

async fn find_target(ctx: &Base, scope: &OrgScope, username: &str) -> Result<Target> {
    let user = find_by_username(ctx, username).await?.ok_or_else(|| {
        Error::NotFound(format!("No account named '{}' exists.", username.trim()))
    })?;
    let membership: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, role FROM memberships WHERE org_id = ? AND user_id = ? AND active = 1",
    )
    .bind(scope.org_id())
    .bind(user.id)
    .fetch_optional(&ctx.db)
    .await?;
    Ok(Target {
        user_id: user.id,
        username: user.username,
        kind: user.kind,
        membership: membership.map(|(id, role)| {
            (
                id,
                MembershipRole::parse(&role).unwrap_or(MembershipRole::Viewer),
            )
        }),
    })
}

/// A current member of the scope's organization: the account, its membership's id and its role.
async fn find_member(
    ctx: &Base,
    scope: &OrgScope,
    username: &str,
) -> Result<(Target, i64, MembershipRole)> {
    let target = find_target(ctx, scope, username).await?;
    match target.membership {
        Some((membership_id, role)) => Ok((target, membership_id, role)),
        None => Err(not_a_member(&target, scope)),
    }
}

fn not_a_member(target: &Target, scope: &OrgScope) -> Error {
    Error::NotFound(format!(
        "'{}' is not a member of {}.",
        target.username,
        scope.org_code()
    ))
}

/// Whether the org has one active owner at most, read inside the caller's write transaction.
/// The transaction holds the write lock (`BEGIN IMMEDIATE`), so two owners demoting or removing
/// each other at the same moment are serialised: the second sees the first's change and is
/// refused, and the org is never left without an owner.
async fn has_last_owner(tx: &mut Transaction<'_, Sqlite>, org_id: i64) -> Result<bool> {
    // An oversight account changes nothing anywhere, so an owner membership of one (made before
    // that was refused) cannot keep the org managed.
    let owners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = ? AND m.role = 'owner' AND m.active = 1 AND u.active = 1 \
         AND u.kind != 'oversight'",
    )
    .bind(org_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(owners <= 1)
}

/// The audited refusal of a change that would leave the org without an owner.
async fn last_owner_refusal(
    ctx: &Base,
    session: &Session,
    scope: &OrgScope,
    target: &Target,
    action: &str,
    message: String,
) -> Result<Error> {
    audit_refusal(ctx, session, scope, target, action, "last owner").await?;
    // A refusal by rule, written as denied: scripts see the denied exit code (3), and the
    // failure row of `WriteScope::attempt` is not written on top of the denied one.
    Ok(Error::Denied(message))
}

/// The denied row of a change the gate allowed but a rule about its member refused.
async fn audit_refusal(
    ctx: &Base,
    session: &Session,
    scope: &OrgScope,
    target: &Target,
    action: &str,
    reason: &str,
) -> Result<()> {
    AuditEvent::new(action, Outcome::Denied)
        .by(session.user())
        .in_scope(scope)
        .object("user", &target.username)
        .reason(reason)
        .write(ctx)
        .await
}

/// Whether the person acting manages `target` already: a superuser or operations account (who
/// manage every organization), or an owner or admin of an organization `target` is an active
/// member of. Only they may bring an existing account into another organization, or lift its
/// lockout: an owner of any org (everyone owns a personal one) could otherwise enrol anyone
/// into it, unlock them there, and so guess their password without end.
async fn manages_already(ctx: &Base, session: &Session, target: &Target) -> Result<bool> {
    let actor = session.user();
    if matches!(actor.kind, UserKind::Superuser | UserKind::Operations) {
        return Ok(true);
    }
    if target.kind != UserKind::Standard {
        return Ok(false);
    }
    let shared: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM memberships mine \
         JOIN memberships theirs ON theirs.org_id = mine.org_id \
         JOIN organizations o ON o.id = mine.org_id \
         WHERE mine.user_id = ? AND mine.active = 1 AND mine.role IN ('owner', 'admin') \
         AND theirs.user_id = ? AND theirs.active = 1 AND o.active = 1 LIMIT 1",
    )
    .bind(actor.id)
    .bind(target.user_id)
    .fetch_optional(&ctx.db)
    .await?;
    Ok(shared.is_some())
}

/// Whether the person acting may unlock `target` or reset their password. Either hands over
/// the account (a reset at once, an unlock to guessing without end) in every organization it
/// belongs to, so the person acting must manage it in each: an owner of every organization it
/// is active in, or an admin of those where it is not an owner (an admin manages members, not
/// owners). Operations accounts act as admins everywhere, never owners. The account's own
/// personal organization is left out: it comes with the account, whoever manages it.
async fn manages_everywhere(ctx: &Base, session: &Session, target: &Target) -> Result<bool> {
    let actor = session.user();
    if actor.kind == UserKind::Superuser {
        return Ok(true);
    }
    if !manages_already(ctx, session, target).await? {
        return Ok(false);
    }
    let memberships: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT theirs.role, o.org_type, mine.role FROM memberships theirs \
         JOIN organizations o ON o.id = theirs.org_id AND o.active = 1 \
         LEFT JOIN memberships mine ON mine.org_id = theirs.org_id AND mine.user_id = ? \
              AND mine.active = 1 \
         WHERE theirs.user_id = ? AND theirs.active = 1",
    )
    .bind(actor.id)
    .bind(target.user_id)
    .fetch_all(&ctx.db)
    .await?;
    Ok(memberships.iter().all(|(theirs, org_type, mine)| {
        let theirs = MembershipRole::parse(theirs);
        let owner = theirs == Some(MembershipRole::Owner);
        if owner && org_type == "personal" {
            return true;
        }
        let mine = match actor.kind {
            UserKind::Operations => Some(MembershipRole::Admin),
            _ => mine.as_deref().and_then(MembershipRole::parse),
        };
        match mine {
            Some(MembershipRole::Owner) => true,
            Some(MembershipRole::Admin) => !owner,
            _ => false,
        }
    }))
}

/// An oversight account is read-only in every organization: an owner role would give it
/// nothing, and would count as the owner an org needs.
fn refuse_oversight_owner(target: &Target, role: MembershipRole) -> Result<()> {
    if target.kind == UserKind::Oversight && role == MembershipRole::Owner {
        return Err(Error::Validation(format!(
            "'{}' is an oversight account, read-only in every organization, so it cannot be an \
             owner. Give it the viewer role, or make someone else the owner.",
            target.username
        )));
    }
    Ok(())
}

/// How far the person acting must manage an account to do something to it.
#[derive(Clone, Copy)]
enum Reach {
    /// In one of its organizations (bringing it into another).
    Somewhere,
    /// In every organization it belongs to (unlocking it, resetting its password).
    Everywhere,
}

/// The refusal for an account the person acting does not manage, audited.
async fn not_managed(
    ctx: &Base,
    session: &Session,
    scope: &OrgScope,
    target: &Target,
    (action, doing): (&str, &str),
    reach: Reach,
) -> Result<Error> {
    let reason = match (target.kind, reach) {
        (UserKind::Standard, Reach::Somewhere) => "not an account this person manages",
        (UserKind::Standard, Reach::Everywhere) => {
            "not an account this person manages in each of its organizations"
        }
        _ => "only a superuser may",
    };
    audit_refusal(ctx, session, scope, target, action, reason).await?;
    let name = &target.username;
    Ok(Error::Denied(match (target.kind, reach) {
        (UserKind::Standard, Reach::Somewhere) => format!(
            "You may {doing} only people you already manage, as an owner or admin of one of \
             their organizations, and '{name}' is not one. Ask a superuser, or an owner or admin \
             of their organization."
        ),
        (UserKind::Standard, Reach::Everywhere) => format!(
            "You may {doing} '{name}' only if you manage them in every organization they belong \
             to, since it hands over their account in all of them: as its owner, or as its \
             admin where they are not an owner. Ask a superuser, or an owner of their \
             organizations."
        ),
        _ => {
            let kind = target.kind.as_str();
            let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("Only a superuser may {doing} '{name}', {article} {kind} account.")
        }
    }))
}

/// The write proof for changing `username`'s membership of the active org (owners and admins),
/// the decision's audit row naming that account.
async fn authorize_member_change(
    ctx: &Base,
    session: &Session,
    username: &str,
) -> Result<WriteScope> {
    authorize_write_on(
        ctx,
        session,
        Action::MembersManage,
        About::account(username),
    )
    .await
}

/// Adds an existing account to the active organization.
pub async fn add(
    ctx: &Base,
    session: &Session,
    username: &str,
    role: MembershipRole,
) -> Result<MemberView> {
    let scope = authorize_member_change(ctx, session, username).await?;
    scope
        .attempt(ctx, async {
            if role == MembershipRole::Owner {
                authorize(ctx, session, Action::OwnersManage).await?;
            }
            let target = find_target(ctx, &scope, username).await?;
            if let Some((_, existing)) = target.membership {
                return Err(Error::Conflict(format!(
                    "'{}' is already a member of {} (role {}). Change their role in the list of \
                     members instead (or with `sitebook member role`).",
                    target.username,
                    scope.org_code(),
                    existing.as_str()
                )));
            }
            if !manages_already(ctx, session, &target).await? {
                return Err(not_managed(
                    ctx,
                    session,
                    &scope,
                    &target,
                    ("member.add", "add"),
                    Reach::Somewhere,
                )
                .await?);
            }
            refuse_oversight_owner(&target, role)?;
            let mut tx = ctx.write_tx().await?;
            // A deactivated membership is replaced rather than duplicated.
            sqlx::query("DELETE FROM memberships WHERE org_id = ? AND user_id = ? AND active = 0")
                .bind(scope.org_id())
                .bind(target.user_id)
                .execute(&mut *tx)
                .await?;
            insert_membership(ctx, &mut tx, scope.org_id(), target.user_id, role).await?;
            let change = Change {
                session,
                scope: &scope,
                target: &target,
                action: "member.add",
                reason: format!("role {}", role.as_str()),
            };
            change.commit_audited(ctx, tx).await?;
            member_view(ctx, &scope, &target.username).await
        })
        .await
}

/// One change to a member's membership, and what its audit row says.
struct Change<'a> {
    session: &'a Session,
    scope: &'a OrgScope,
    target: &'a Target,
    action: &'static str,
    reason: String,
}

impl Change<'_> {
    /// The change's write transaction, unless the member it changes from `current` is the
    /// org's last owner: then the attempt is audited as denied and refused with `refusal`.
    async fn begin_unless_last_owner(
        &self,
        ctx: &Base,
        current: MembershipRole,
        refusal: impl FnOnce() -> String,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        let mut tx = ctx.write_tx().await?;
        if current == MembershipRole::Owner && has_last_owner(&mut tx, self.scope.org_id()).await? {
            drop(tx);
            return Err(last_owner_refusal(
                ctx,
                self.session,
                self.scope,
                self.target,
                self.action,
                refusal(),
            )
            .await?);
        }
        Ok(tx)
    }

    /// Runs `statement`, which changes the membership only while it still holds the role it
    /// was read with, then audits and commits; refused when someone changed it meanwhile.
    async fn apply<'q>(
        self,
        ctx: &Base,
        mut tx: sqlx::Transaction<'static, sqlx::Sqlite>,
        statement: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    ) -> Result<()> {
        if statement.execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(changed_meanwhile(self.target, self.scope));
        }
        self.commit_audited(ctx, tx).await
    }

    /// Writes the change's success row in its transaction, and commits the two together.
    async fn commit_audited(
        self,
        ctx: &Base,
        mut tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    ) -> Result<()> {
        AuditEvent::new(self.action, Outcome::Success)
            .by(self.session.user())
            .in_scope(self.scope)
            .object("user", &self.target.username)
            .reason(self.reason)
            .write_with(ctx, &mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Someone else changed this membership between reading it and writing: nothing was done.
fn changed_meanwhile(target: &Target, scope: &OrgScope) -> Error {
    Error::Conflict(format!(
        "'{}''s membership of {} was changed by someone else just now; nothing was done. Look \
         at the members again and retry.",
        target.username,
        scope.org_code()
    ))
}

/// One member of the scope's org as the members list shows them.
pub(crate) async fn member_view(
    ctx: &Base,
    scope: &OrgScope,
    username: &str,
) -> Result<MemberView> {
    list(ctx, scope)
        .await?
        .into_iter()
        .find(|m| m.username.eq_ignore_ascii_case(username))
        .ok_or_else(|| Error::Internal(format!("membership of '{username}' vanished")))
}

/// Changes a member's role.
pub async fn set_role(
    ctx: &Base,
    session: &Session,
    username: &str,
    role: MembershipRole,
) -> Result<MemberView> {
    let scope = authorize_member_change(ctx, session, username).await?;
    scope
        .attempt(ctx, async {
            let (target, membership_id, current) = find_member(ctx, &scope, username).await?;
            if current == role {
                return member_view(ctx, &scope, &target.username).await;
            }
            if current == MembershipRole::Owner || role == MembershipRole::Owner {
                authorize(ctx, session, Action::OwnersManage).await?;
            }
            refuse_oversight_owner(&target, role)?;
            let change = Change {
                session,
                scope: &scope,
                target: &target,
                action: "member.role",
                reason: format!("{} -> {}", current.as_str(), role.as_str()),
            };
            let tx = change
                .begin_unless_last_owner(ctx, current, || {
                    format!(
                        "'{}' is the last owner of {}, so they cannot be demoted. Make someone else an \
                         owner first.",
                        target.username,
                        scope.org_code()
                    )
                })
                .await?;
            change
                .apply(
                    ctx,
                    tx,
                    sqlx::query("UPDATE memberships SET role = ? WHERE id = ? AND role = ?")
                        .bind(role.as_str())
                        .bind(membership_id)
                        .bind(current.as_str()),
                )
                .await?;
            member_view(ctx, &scope, &target.username).await
        })
        .await
}

/// Lifts a member's sign-in lockout (and forgets their recent failures), so they may try their
/// password again at once. Whoever manages the org's members may do it for a standard account:
/// a colleague locked out by their own typing should not wait for the lock to run out. A
/// superuser, operations or oversight account is unlocked only by a superuser. Returns whether
/// the account was locked.
pub async fn unlock(ctx: &Base, session: &Session, username: &str) -> Result<bool> {
    let scope = authorize_member_change(ctx, session, username).await?;
    scope
        .attempt(ctx, async {
            let (target, _, _) = find_member(ctx, &scope, username).await?;
            may_act_on_account(ctx, session, &scope, &target, "member.unlock", "unlock").await?;
            let mut tx = ctx.write_tx().await?;
            let lifted = clear_lockout(&mut tx, target.user_id, ctx.clock.now()).await?;
            let change = Change {
                session,
                scope: &scope,
                target: &target,
                action: "member.unlock",
                reason: match lifted {
                    Some(until) => format!("locked until {}", to_db_time(until)),
                    None => "was not locked".to_owned(),
                },
            };
            change.commit_audited(ctx, tx).await?;
            Ok(lifted.is_some())
        })
        .await
}

/// Sets a new password for a member who forgot theirs, chosen by whoever manages the org's
/// members (on the same terms as [`unlock`]). They must replace it at their next sign-in, so
/// the one who set it does not go on knowing the password the account acts with. Any lockout
/// is lifted too.
pub async fn reset_password(
    ctx: &Base,
    session: &Session,
    username: &str,
    temporary: Password,
) -> Result<()> {
    let scope = authorize_member_change(ctx, session, username).await?;
    scope
        .attempt(ctx, async {
            let target = resettable(ctx, session, &scope, username).await?;
            let mut tx = ctx.write_tx().await?;
            let account = (target.user_id, target.username.as_str());
            set_temporary_password(ctx, &mut tx, account, temporary).await?;
            let change = Change {
                session,
                scope: &scope,
                target: &target,
                action: "member.password_reset",
                reason: "to be changed at the next sign-in".to_owned(),
            };
            change.commit_audited(ctx, tx).await
        })
        .await
}

/// Whether `session` may reset `username`'s password, checked (and a refusal audited) as the
/// reset itself checks it: so that a command line asks for the new password only once it is
/// known it may be set.
pub async fn may_reset_password(ctx: &Base, session: &Session, username: &str) -> Result<()> {
    let scope = authorize_member_change(ctx, session, username).await?;
    scope
        .attempt(ctx, async {
            resettable(ctx, session, &scope, username).await.map(drop)
        })
        .await
}

/// The member of the scope's org whose password `session` may reset: not their own (that is a
/// change of password), and an account they may act on.
async fn resettable(
    ctx: &Base,
    session: &Session,
    scope: &WriteScope,
    username: &str,
) -> Result<Target> {
    let (target, _, _) = find_member(ctx, scope, username).await?;
    if target.user_id == session.user().id {
        return Err(Error::Validation(
            "To change your own password, use Change password (`sitebook password`); a reset \
             is for someone else's."
                .into(),
        ));
    }
    may_act_on_account(
        ctx,
        session,
        scope,
        &target,
        "member.password_reset",
        "reset the password of",
    )
    .await?;
    Ok(target)
}

/// Refuses, audited, an unlock or a password reset of an account the person acting may not
/// touch: a standard account is theirs to help if they manage it; a superuser, operations or
/// oversight account only a superuser's.
async fn may_act_on_account(
    ctx: &Base,
    session: &Session,
    scope: &OrgScope,
    target: &Target,
    action: &str,
    doing: &str,
) -> Result<()> {
    let may = match target.kind {
        UserKind::Standard => manages_everywhere(ctx, session, target).await?,
        _ => session.user().kind == UserKind::Superuser,
    };
    if may {
        return Ok(());
    }
    Err(not_managed(
        ctx,
        session,
        scope,
        target,
        (action, doing),
        Reach::Everywhere,
    )
    .await?)
}

/// Removes a member from the active organization (or lets a member leave it).
pub async fn remove(ctx: &Base, session: &Session, username: &str) -> Result<()> {
    let leaving = session
        .user()
        .username
        .eq_ignore_ascii_case(username.trim());
    // Leaving is a write of its own that every role but oversight holds (oversight accounts
    // change nothing anywhere, their own memberships included); removing others is
    // `MembersManage`. Either way the change is made with a write proof.
    let scope = authorize_write_on(
        ctx,
        session,
        if leaving {
            Action::MembershipLeave
        } else {
            Action::MembersManage
        },
        About::account(username),
    )
    .await?;
    let (target, membership_id, current) = find_member(ctx, &scope, username).await?;
    if current == MembershipRole::Owner && !leaving {
        authorize(ctx, session, Action::OwnersManage).await?;
    }
    // Described like `set_role`'s change, with this action's name and reason; both then go
    // through `begin_unless_last_owner`.
    let change = Change {
        session,
        scope: &scope,
        target: &target,
        action: "member.remove",
        reason: format!("was {}", current.as_str()),
    };
    let tx = change
        .begin_unless_last_owner(ctx, current, || {
            format!(
                "'{}' is the last owner of {} and cannot {}. Make someone else an owner first.",
                target.username,
                scope.org_code(),
                if leaving { "leave" } else { "be removed" }
            )
        })
        .await?;
    change
        .apply(
            ctx,
            tx,
            sqlx::query("DELETE FROM memberships WHERE id = ? AND role = ?")
                .bind(membership_id)
                .bind(current.as_str()),
        )
        .await
}
