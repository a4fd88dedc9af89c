//! Uploads: a workbook copied into org-scoped, content-addressed storage
//! (`uploads/{org_slug}/{sha256}.{ext}`) with its record and its parse job.
//!
//! The same content uploaded twice into one org is stored once: the second upload reports the
//! first. A file refused at the door (wrong type, too large) is not stored at all, but it still
//! leaves a failed job whose log says why, so the refusal is visible where people look for
//! their work.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, Error, Result};
use crate::excel::sniff::check_extension;
use crate::jobs::{queue, JobKind, JobLogEntry};
use crate::store::files::{copy_atomic, sha256_file, uploads_dir};
use crate::tenancy::gate::{OrgScope, WriteScope};
use crate::Ctx;

/// What happened to one file handed to `upload`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UploadOutcome {
    pub file_name: String,
    #[ts(type = "number | null")]
    pub job_id: Option<i64>,
    #[ts(type = "number | null")]
    pub upload_id: Option<i64>,
    /// The same content was already uploaded to this organization; nothing new was stored.
    pub duplicate: bool,
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

fn display_name(source: &Path) -> String {
    source
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| source.display().to_string())
}

/// Checks, stores and queues one file.
pub(crate) async fn upload(ctx: &Ctx, scope: &WriteScope, source: &Path) -> Result<UploadOutcome> {
    let file_name = display_name(source);
    if let Some(refusal) = refusal_at_the_door(ctx, source, &file_name) {
        let job_id = record_refused(ctx, scope, &file_name, &refusal).await?;
        return Ok(UploadOutcome {
            file_name,
            job_id: Some(job_id),
            upload_id: None,
            duplicate: false,
            error: Some(refusal.to_api()),
        });
    }
    let sha256 = sha256_file(source)?;
    if let Some((upload_id, job_id)) = existing(ctx, scope, &sha256).await? {
        return Ok(UploadOutcome {
            file_name,
            job_id,
            upload_id: Some(upload_id),
            duplicate: true,
            error: None,
        });
    }
    let extension = Path::new(&file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let relative = Path::new("uploads")
        .join(scope.org_slug())
        .join(format!("{sha256}.{extension}"));
    let target = uploads_dir(&ctx.data_dir, scope.org_slug()).join(format!("{sha256}.{extension}"));
    copy_atomic(source, &target)?;
    let size = std::fs::metadata(&target)
        .map_err(|e| Error::io(format!("Could not read {}", target.display()), e))?
        .len();

    let now = ctx.now_text();
    let mut tx = ctx.write_tx().await?;
    let upload_id: i64 = sqlx::query_scalar(
        "INSERT INTO uploads (org_id, user_id, original_name, size, sha256, stored_path, status, \
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id",
    )
    .bind(scope.org_id())
    .bind(scope.user_id())
    .bind(&file_name)
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(&sha256)
    .bind(relative.to_string_lossy().as_ref())
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let payload = serde_json::json!({ "file_name": file_name }).to_string();
    let job_id = queue::enqueue(
        ctx,
        &mut tx,
        scope,
        JobKind::ParseEstimate,
        Some(upload_id),
        &payload,
    )
    .await?;
    tx.commit().await?;
    ctx.wake.notify_waiters();
    Ok(UploadOutcome {
        file_name,
        job_id: Some(job_id),
        upload_id: Some(upload_id),
        duplicate: false,
        error: None,
    })
}

/// The checks that need no reading: the file exists, has an accepted extension and fits.
fn refusal_at_the_door(ctx: &Ctx, source: &Path, file_name: &str) -> Option<Error> {
    let metadata = match std::fs::metadata(source) {
        Ok(metadata) if metadata.is_file() => metadata,
        Ok(_) => {
            return Some(Error::Validation(format!(
                "{file_name} is a folder, not a workbook. Drop the workbook files themselves."
            )))
        }
        Err(e) => {
            return Some(Error::Validation(format!(
                "{file_name} could not be opened ({e}). Check that the file still exists."
            )))
        }
    };
    if let Err(refusal) = check_extension(file_name) {
        return Some(Error::Validation(refusal.to_string()));
    }
    if metadata.len() > ctx.max_upload_bytes {
        return Some(Error::Validation(format!(
            "{file_name} is {:.1} MB, over the {:.1} MB limit for uploads. Remove unused sheets \
             or split the workbook, then upload it again.",
            megabytes(metadata.len()),
            megabytes(ctx.max_upload_bytes)
        )));
    }
    None
}

fn megabytes(bytes: u64) -> f64 {
    // Display only; sizes are compared as integers above.
    bytes as f64 / 1_000_000.0
}

/// A job that failed before it started, so the refusal shows in the jobs list and its log.
async fn record_refused(
    ctx: &Ctx,
    scope: &WriteScope,
    file_name: &str,
    refusal: &Error,
) -> Result<i64> {
    let now = ctx.now_text();
    let log = vec![JobLogEntry {
        at: now.clone(),
        attempt: 0,
        step: "upload".into(),
        error: refusal.to_string(),
    }];
    let id = sqlx::query_scalar(
        "INSERT INTO jobs (org_id, user_id, kind, payload, status, progress, current_step, \
         error_message, error_log, next_run_at, created_at, completed_at) \
         VALUES (?, ?, 'parse_estimate', ?, 'failed', 0, 'Failed: upload', ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(scope.org_id())
    .bind(scope.user_id())
    .bind(serde_json::json!({ "file_name": file_name }).to_string())
    .bind(refusal.to_string())
    .bind(serde_json::to_string(&log).unwrap_or_else(|_| "[]".into()))
    .bind(&now)
    .bind(&now)
    .bind(&now)
    .fetch_one(&ctx.db)
    .await?;
    Ok(id)
}

async fn existing(ctx: &Ctx, scope: &OrgScope, sha256: &str) -> Result<Option<(i64, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, (SELECT MAX(j.id) FROM jobs j WHERE j.upload_id = u.id) \
         FROM uploads u WHERE u.org_id = ? AND u.sha256 = ?",
    )
    .bind(scope.org_id())
    .bind(sha256)
    .fetch_optional(&ctx.db)
    .await?)
}

/// The stored upload of the scope's org.
pub(crate) async fn stored(ctx: &Ctx, scope: &OrgScope, id: i64) -> Result<StoredUpload> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, original_name, sha256, stored_path FROM uploads WHERE id = ? AND org_id = ?",
    )
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    match row {
        Some((id, original_name, sha256, stored_path)) => Ok(StoredUpload {
            id,
            original_name,
            sha256,
            path: ctx.data_dir.join(stored_path),
        }),
        None => Err(scope.not_found(ctx, "upload", id, "uploads").await),
    }
}

/// How many uploads the scope's org has (for tests and the org overview).
pub async fn count(ctx: &Ctx, scope: &OrgScope) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM uploads WHERE org_id = ?")
            .bind(scope.org_id())
            .fetch_one(&ctx.db)
            .await?,
    )
}
