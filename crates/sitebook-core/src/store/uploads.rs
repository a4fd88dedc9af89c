//! The uploads table and its files: workbooks copied into org-scoped, content-addressed
//! storage (`uploads/{org_slug}/{sha256}.{ext}`). Taking a workbook in, with its parse job, is
//! the job engine's intake; this module only keeps the copies and their rows.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use sqlx::{Sqlite, Transaction};

use crate::context::Base;
use crate::error::{ApiError, Error, Result};
use crate::store::files::{copy_atomic_verified, uploads_dir};
use crate::tenancy::gate::{OrgScope, WriteScope};

/// What happened to one file handed to `upload`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UploadOutcome {
    /// The file's name as it was handed in, for messages and the jobs list.
    pub file_name: String,
    /// The parse job queued for the file (or the failed job that records its refusal); for a
    /// duplicate, the earlier upload's job; `None` when the file could not be stored at all.
    #[ts(type = "number | null")]
    pub job_id: Option<i64>,
    /// The stored upload; `None` when the file was refused before it was stored.
    #[ts(type = "number | null")]
    pub upload_id: Option<i64>,
    /// The same content was already uploaded to this organization; nothing new was stored.
    pub duplicate: bool,
    /// For a duplicate: its earlier job had not read it (cancelled, failed for a reason that
    /// may pass, or its stored copy was lost or damaged and is now mended), and is queued again
    /// to read it.
    pub read_again: bool,
    /// Why the file was refused or could not be stored, or why its earlier upload failed;
    /// `None` when all went well.
    pub error: Option<ApiError>,
}

/// The stored copy of an upload, for the job that parses it.
#[derive(Debug, Clone)]
pub(crate) struct StoredUpload {
    pub id: i64,
    pub original_name: String,
    pub sha256: String,
    pub path: std::path::PathBuf,
}

/// Keeps a content-addressed copy of `source` under the scope's org; returns the path
/// relative to the data dir and the stored size.
pub(crate) fn keep_copy(
    ctx: &Base,
    scope: &WriteScope,
    source: &Path,
    file_name: &str,
    sha256: &str,
) -> Result<(String, u64)> {
    let extension = Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let relative = Path::new("uploads")
        .join(scope.org_slug())
        .join(format!("{sha256}.{extension}"));
    let target = uploads_dir(&ctx.data_dir, scope.org_slug()).join(format!("{sha256}.{extension}"));
    copy_atomic_verified(source, &target, sha256)?;
    let size = std::fs::metadata(&target)
        .map_err(|e| Error::io(format!("Could not read {}", target.display()), e))?
        .len();
    Ok((relative.to_string_lossy().into_owned(), size))
}

/// Records a kept copy inside the caller's transaction (so the upload and its parse job
/// commit together).
pub(crate) async fn insert_in(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
    file_name: &str,
    (relative, size): (&str, u64),
    sha256: &str,
) -> Result<i64> {
    let now = ctx.now_text();
    Ok(sqlx::query_scalar(
        "INSERT INTO uploads (org_id, user_id, original_name, size, sha256, stored_path, status, \
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id",
    )
    .bind(scope.org_id())
    .bind(scope.user_id())
    .bind(file_name)
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(sha256)
    .bind(relative)
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?)
}

/// Makes the stored copy of the scope's upload `id` whole again from `source`, which has the
/// same content (`sha256`), when it is missing or damaged. Returns whether it was restored.
pub(crate) async fn restore_copy(
    ctx: &Base,
    scope: &WriteScope,
    id: i64,
    source: &Path,
    sha256: &str,
) -> Result<bool> {
    let stored_path: Option<String> =
        sqlx::query_scalar("SELECT stored_path FROM uploads WHERE id = ? AND org_id = ?")
            .bind(id)
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?;
    let Some(stored_path) = stored_path else {
        return Ok(false);
    };
    let target = ctx.data_dir.join(stored_path);
    let hashed = target.clone();
    let intact = tokio::task::spawn_blocking(move || crate::store::files::sha256_file(&hashed))
        .await
        .map_err(|e| Error::Internal(format!("hashing stopped: {e}")))?
        .is_ok_and(|stored| stored == sha256);
    if intact {
        return Ok(false);
    }
    if let Some(folder) = target.parent() {
        crate::store::files::create_private_dir(folder)
            .map_err(|e| Error::io(format!("Could not create {}", folder.display()), e))?;
    }
    copy_atomic_verified(source, &target, sha256)?;
    Ok(true)
}

/// The earlier upload of the same content in the scope's org, with its latest job.
pub(crate) async fn existing(
    ctx: &Base,
    scope: &OrgScope,
    sha256: &str,
) -> Result<Option<(i64, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, (SELECT MAX(j.id) FROM jobs j WHERE j.upload_id = u.id) \
         FROM uploads u WHERE u.org_id = ? AND u.sha256 = ?",
    )
    .bind(scope.org_id())
    .bind(sha256)
    .fetch_optional(&ctx.db)
    .await?)
}

/// The stored upload of the scope's org, marked as being read, at the start of its job's run.
///
/// The mark is a courtesy, like a job's progress: written without an fsync (`Base::courtesy_db`),
/// because the upload's end state is written durably with the job's, and a crash before then
/// puts the job back in line anyway. Reading the row and marking it is one statement: in a
/// burst every job does both, and each statement is a round trip to a connection's thread.
pub(crate) async fn start_reading(ctx: &Base, scope: &WriteScope, id: i64) -> Result<StoredUpload> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "UPDATE uploads SET status = 'processing', updated_at = ? WHERE id = ? AND org_id = ? \
         RETURNING id, original_name, sha256, stored_path",
    )
    .bind(ctx.now_text())
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.courtesy_db)
    .await?;
    let (id, original_name, sha256, stored_path) =
        scope.found(ctx, row, ("upload", id, "uploads")).await?;
    Ok(StoredUpload {
        id,
        original_name,
        sha256,
        path: ctx.data_dir.join(stored_path),
    })
}

// The job runner's system plane (see the gate's primer): these follow a job the gate already
// admitted, by the ids the job carries, so they take ids rather than a scope.

/// Sets an upload's status with its job's outcome, inside the job's completing transaction.
pub(crate) async fn set_status(
    tx: &mut Transaction<'_, Sqlite>,
    org_id: i64,
    upload_id: i64,
    status: &str,
    now: &str,
) -> Result<()> {
    sqlx::query("UPDATE uploads SET status = ?, updated_at = ? WHERE id = ? AND org_id = ?")
        .bind(status)
        .bind(now)
        .bind(upload_id)
        .bind(org_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Fails the upload of a job cancelled before it ran, inside the cancelling transaction.
pub(crate) async fn fail_upload_of_job(
    tx: &mut Transaction<'_, Sqlite>,
    job_id: i64,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE uploads SET status = 'failed', updated_at = ? \
         WHERE id = (SELECT upload_id FROM jobs WHERE id = ?)",
    )
    .bind(now)
    .bind(job_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
