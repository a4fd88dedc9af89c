//! The inbox's memory of the files it filed under `failed/` while their jobs may still be
//! retried. A retry that succeeds (the window's Retry, `sitebook jobs retry`, from any process)
//! should leave the file where a first success would have: under `imported/`, with no note
//! saying it failed. The watcher looks these up when a job ends and every rescan.
//!
//! Device bookkeeping, like the stuck files: it names files of the inbox folder, not org data.
//! Whether a job completed is read through the org's scope, by the watcher.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::jobs::Ctx;

/// One file filed under `failed/` with its job's id.
#[derive(Debug, Clone)]
pub(crate) struct FiledFailure {
    pub job_id: i64,
    /// Where it lay in the inbox when it was taken, org subfolder included: it decides the org
    /// and the name it is filed under again.
    pub taken_from: PathBuf,
    /// Where it lies now, within the inbox (`failed/…`).
    pub filed_as: PathBuf,
}

fn folder_key(inbox: &Path) -> String {
    inbox.to_string_lossy().into_owned()
}

/// Remembers that the file taken from `taken_from` was filed as `filed_as` (both within
/// `inbox`) when job `job_id` ended without importing it. A job filed again replaces its row.
pub(crate) async fn remember(
    ctx: &Ctx,
    inbox: &Path,
    job_id: i64,
    taken_from: &Path,
    filed_as: &Path,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO inbox_filed_failures (job_id, inbox, taken_from, filed_as, noted_at) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET inbox = excluded.inbox, \
         taken_from = excluded.taken_from, filed_as = excluded.filed_as, \
         noted_at = excluded.noted_at",
    )
    .bind(job_id)
    .bind(folder_key(inbox))
    .bind(taken_from.to_string_lossy())
    .bind(filed_as.to_string_lossy())
    .bind(ctx.now_text())
    .execute(&ctx.db)
    .await?;
    Ok(())
}

/// The files of this inbox filed under `failed/` whose jobs may yet be retried, oldest first.
pub(crate) async fn of_inbox(ctx: &Ctx, inbox: &Path) -> Result<Vec<FiledFailure>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT job_id, taken_from, filed_as FROM inbox_filed_failures WHERE inbox = ? \
         ORDER BY job_id",
    )
    .bind(folder_key(inbox))
    .fetch_all(&ctx.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(job_id, taken_from, filed_as)| FiledFailure {
            job_id,
            taken_from: taken_from.into(),
            filed_as: filed_as.into(),
        })
        .collect())
}

/// Forgets a filed file: refiled, or gone from `failed/`.
pub(crate) async fn forget(ctx: &Ctx, job_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM inbox_filed_failures WHERE job_id = ?")
        .bind(job_id)
        .execute(&ctx.db)
        .await?;
    Ok(())
}
