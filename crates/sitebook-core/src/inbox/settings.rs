//! The inbox folder of this device, and whom it imports for.
//!
//! A member or above picks the folder in their active org (`inbox.configure`). From then on,
//! files directly in it import into that org, as that person; files in a subfolder named after
//! another org code import there, still as that person, if the gate lets them upload there. The
//! setting belongs to the device (one data dir), so there is one inbox at most, and every change
//! is audited.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use sqlx::{Sqlite, Transaction};

use crate::domain::permissions::{permits, Action, EffectiveRole};
use crate::error::{Error, Result};
use crate::jobs::Ctx;
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::gate::WriteScope;

/// The inbox as a person sees it in Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InboxView {
    /// The inbox folder's full path.
    pub folder: String,
    /// The org that files directly in the folder go to.
    pub org_code: String,
    /// Whom files are imported as.
    pub username: String,
    /// When the inbox was set: RFC 3339 UTC text.
    pub set_at: String,
}

/// What the watcher needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxPlan {
    /// The folder to watch, as a full path.
    pub folder: PathBuf,
    /// The organization files directly in the folder import into.
    pub org_id: i64,
    /// The person files are imported as, whose permissions the gate checks for each import.
    pub user_id: i64,
    /// Where the folder and the person were given, which the advice names when they no longer
    /// hold.
    pub source: PlanSource,
}

/// Where a watcher's folder and person were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanSource {
    /// The device's inbox, set in Settings.
    Settings,
    /// `sitebook watch --inbox DIR`, for as long as that command runs.
    Command,
}

/// This device's inbox, or `None` when none is set.
pub async fn show(ctx: &Ctx) -> Result<Option<InboxView>> {
    let row: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT i.folder, o.code, u.username, i.set_at FROM inbox_settings i \
         JOIN organizations o ON o.id = i.org_id JOIN users u ON u.id = i.user_id",
    )
    .fetch_optional(&ctx.db)
    .await?;
    Ok(row.map(|(folder, org_code, username, set_at)| InboxView {
        folder,
        org_code,
        username,
        set_at,
    }))
}

pub(crate) async fn plan(ctx: &Ctx) -> Result<Option<InboxPlan>> {
    let row: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT folder, org_id, user_id FROM inbox_settings")
            .fetch_optional(&ctx.db)
            .await?;
    Ok(row.map(|(folder, org_id, user_id)| InboxPlan {
        folder: PathBuf::from(folder),
        org_id,
        user_id,
        source: PlanSource::Settings,
    }))
}

/// Checks a folder for use as the inbox, creating it if it does not exist yet, but only in a
/// folder that does: a mistyped path, or the mount point of a drive not plugged in, would
/// otherwise become folders on the local disk that nobody copies into.
pub fn check_folder(ctx: &Ctx, folder: &Path) -> Result<PathBuf> {
    if folder.as_os_str().is_empty() {
        return Err(Error::Validation("Choose a folder for the inbox.".into()));
    }
    if !folder.is_absolute() {
        return Err(Error::Validation(format!(
            "The inbox folder must be a full path (like /home/you/Estimates inbox), not '{}'.",
            folder.display()
        )));
    }
    if !folder.exists() {
        let parent = folder.parent().unwrap_or(folder);
        if !parent.is_dir() {
            return Err(Error::Validation(format!(
                "{} does not exist, nor does the folder it would go in ({}). Check the path, or \
                 plug in the drive it is on.",
                folder.display(),
                parent.display()
            )));
        }
        std::fs::create_dir(folder).map_err(|e| {
            Error::io(
                format!("Could not create the inbox folder {}", folder.display()),
                e,
            )
        })?;
    }
    if !folder.is_dir() {
        return Err(Error::Validation(format!(
            "{} is a file, not a folder. Choose a folder for the inbox.",
            folder.display()
        )));
    }
    let folder = folder
        .canonicalize()
        .map_err(|e| Error::io(format!("Could not open {}", folder.display()), e))?;
    if is_system_folder(&folder) {
        return Err(Error::Validation(format!(
            "{} is a folder of the system itself: nobody copies workbooks into it, and watching \
             it would mean reading far more than an inbox holds. Choose a folder of your own, \
             such as ~/Estimates inbox.",
            folder.display()
        )));
    }
    let data_dir = ctx.data_dir.canonicalize().unwrap_or(ctx.data_dir.clone());
    let sitebooks_own = ["uploads", "outputs", "logs"]
        .iter()
        .any(|own| folder.starts_with(data_dir.join(own)));
    if data_dir.starts_with(&folder) || sitebooks_own {
        return Err(Error::Validation(format!(
            "The inbox cannot be Sitebook's data folder ({}), hold it, or lie in its uploads, \
             outputs or logs. Choose a folder of its own.",
            data_dir.display()
        )));
    }
    std::fs::read_dir(&folder)
        .map_err(|e| Error::io(format!("Could not read the folder {}", folder.display()), e))?;
    Ok(folder)
}

/// The root folder, and the system's own trees (kernel views, devices, programs): the inbox
/// watches everything under it, and these are huge, endless or never written by people.
/// Removable drives (`/media`, `/run/media`, `/mnt`) stay allowed.
fn is_system_folder(canonical: &Path) -> bool {
    #[cfg(unix)]
    const SYSTEM_TREES: &[&str] = &[
        "/proc", "/sys", "/dev", "/usr", "/etc", "/boot", "/bin", "/sbin", "/lib", "/lib64",
    ];
    #[cfg(not(unix))]
    const SYSTEM_TREES: &[&str] = &[];
    canonical.parent().is_none() || SYSTEM_TREES.iter().any(|tree| canonical.starts_with(tree))
}

/// Makes `folder` this device's inbox, for the scope's org and person.
pub async fn set(ctx: &Ctx, scope: &WriteScope, folder: &Path) -> Result<InboxView> {
    let folder = check_folder(ctx, folder)?;
    let folder_text = folder.to_string_lossy().into_owned();
    let now = ctx.now_text();
    let mut tx = ctx.write_tx().await?;
    if let Some(refusal) = refusal_to_replace(&mut tx, scope).await? {
        drop(tx);
        return Err(refused(ctx, scope, refusal).await);
    }
    sqlx::query(
        "INSERT INTO inbox_settings (id, folder, org_id, user_id, set_at) VALUES (1, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET folder = excluded.folder, org_id = excluded.org_id, \
         user_id = excluded.user_id, set_at = excluded.set_at",
    )
    .bind(&folder_text)
    .bind(scope.org_id())
    .bind(scope.user_id())
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    change_audited(scope)
        .reason(format!("inbox set to {folder_text}"))
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    Ok(InboxView {
        folder: folder_text,
        org_code: scope.org_code().to_string(),
        username: scope.username().to_string(),
        set_at: now,
    })
}

/// Stops watching: the folder and its files are left as they are.
pub async fn clear(ctx: &Ctx, scope: &WriteScope) -> Result<()> {
    let mut tx = ctx.write_tx().await?;
    if let Some(refusal) = refusal_to_replace(&mut tx, scope).await? {
        drop(tx);
        return Err(refused(ctx, scope, refusal).await);
    }
    let removed = sqlx::query("DELETE FROM inbox_settings")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed > 0 {
        change_audited(scope)
            .reason("inbox turned off")
            .write_with(ctx, &mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Why this person may not replace or turn off the inbox another person set, if they may not:
/// the inbox is one per computer and imports as the person who set it, so a member could
/// otherwise take over a superuser's inbox, and every file after would come in as the member.
/// Its setter, a superuser, and an owner, admin or operations account of the org it imports
/// into may; the refusal says whom to ask.
async fn refusal_to_replace(
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
) -> Result<Option<String>> {
    let existing: Option<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT i.user_id, i.org_id, u.username, o.code FROM inbox_settings i \
         JOIN users u ON u.id = i.user_id JOIN organizations o ON o.id = i.org_id",
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some((setter, org_id, username, code)) = existing else {
        return Ok(None);
    };
    // Those who manage the org's members: owners, admins, operations (the permission table's
    // word, not a second list of roles).
    let manages_its_org = org_id == scope.org_id() && permits(scope.role(), Action::MembersManage);
    if setter == scope.user_id() || manages_its_org || scope.role() == EffectiveRole::Superuser {
        return Ok(None);
    }
    Ok(Some(format!(
        "This computer's inbox was set by {username}, importing into {code}. Only {username}, \
         a superuser, or an owner or admin of {code} may replace it or turn it off."
    )))
}

/// The denial, audited as a rule's refusal is (the gate had allowed the action itself).
async fn refused(ctx: &Ctx, scope: &WriteScope, refusal: String) -> Error {
    let row = AuditEvent::new("inbox.configure", Outcome::Denied)
        .by_name(Some(scope.user_id()), scope.username())
        .in_scope(scope)
        .reason("inbox set by another person");
    if let Err(e) = row.write(ctx).await {
        return e;
    }
    Error::Denied(refusal)
}

fn change_audited(scope: &WriteScope) -> AuditEvent {
    AuditEvent::new("inbox.configure", Outcome::Success)
        .by_name(Some(scope.user_id()), scope.username())
        .in_scope(scope)
}
