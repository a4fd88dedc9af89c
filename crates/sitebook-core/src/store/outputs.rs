//! Output files: what jobs produce under `outputs/{org_slug}/`, their records, exporting them
//! (which counts a download), and the retention cleanup.
//!
//! A file is written atomically before its row is committed. Cleanup removes the file first
//! and the row second: a crash in between leaves a row whose file is gone, which the next
//! cleanup finishes, never a file that no row remembers (the legacy app leaked those).

use std::path::{Path, PathBuf};

use serde::Serialize;
use sqlx::{FromRow, Sqlite, Transaction};
use ts_rs::TS;

use crate::clock::to_db_time;
use crate::context::Base;
use crate::domain::permissions::EffectiveRole;
use crate::error::{Error, Result};
use crate::store::files::{
    copy_out_atomic, outputs_dir, sha256_bytes, sha256_file, write_atomic_leaving_folder_unsynced,
    write_out_atomic,
};
use crate::tenancy::gate::{OrgScope, WriteScope};

/// A file a job produced, as the outputs list shows it.
#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutputView {
    /// The output's id, by which it is exported, previewed or shared.
    #[ts(type = "number")]
    pub id: i64,
    /// The job that produced the file.
    #[ts(type = "number")]
    pub job_id: i64,
    /// The file's name in the org's outputs folder.
    pub filename: String,
    /// The file's format.
    #[ts(type = "\"json\" | \"pdf\" | \"xlsx\"")]
    pub kind: String,
    /// The file's size in bytes.
    #[ts(type = "number")]
    pub size: i64,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Lowercase hex SHA-256 of the inputs the document was made from; the same inputs give the
    /// same file.
    pub inputs_sha256: String,
    /// How many times the file was exported; cleanup never removes one exported at least once.
    #[ts(type = "number")]
    pub download_count: i64,
    /// When it was last exported (RFC 3339 UTC text); `None` if never.
    pub last_downloaded: Option<String>,
    /// When the file was recorded: RFC 3339 UTC text.
    pub created_at: String,
    /// `local` when the org's sync is off, else the file's place in the sync outbox.
    #[ts(
        type = "\"local\" | \"pending\" | \"uploading\" | \"synced\" | \"conflict\" | \"failed\""
    )]
    pub sync_state: String,
    /// Why the file is not plainly in the bucket, in the syncer's words: the bucket's refusal
    /// (`failed`), the name it was kept under beside another device's file (`conflict`), or
    /// what the last try met (`pending`, waiting to be tried again). `None` otherwise.
    pub sync_problem: Option<String>,
    /// Fetched from the org's bucket by a restore, not made on this device.
    pub restored: bool,
    /// The bill or work slip it belongs to was withdrawn; the file is kept as it was.
    pub withdrawn: bool,
}

/// A file written to disk and waiting for its row.
pub(crate) struct WrittenOutput {
    pub filename: String,
    pub kind: &'static str,
    pub relative_path: String,
    pub size: i64,
    pub sha256: String,
    pub inputs_sha256: String,
}

/// `wanted` with ` (label)` put before its extension: `bill.pdf` → `bill (2).pdf`.
pub(crate) fn labelled(wanted: &str, label: &str) -> String {
    match wanted.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem} ({label}).{extension}"),
        _ => format!("{wanted} ({label})"),
    }
}

/// The `n`th name an output `wanted` may take: `wanted` itself, then `… (2)`, `… (3)`, ….
fn nth_name(wanted: &str, n: u32) -> String {
    match n {
        1 => wanted.to_string(),
        n => labelled(wanted, &n.to_string()),
    }
}

/// The name job `job_id` writes its output `wanted` under: `wanted`, unless a row of another
/// job names a file there, then the first of `… (2)`, `… (3)`, … that none does. A job that
/// `made_before` its files (run again to make a lost one) keeps the name its row has.
///
/// Each device numbers its own jobs and estimates, so a file restored from another device can
/// carry the very name a job here makes (`estimate-job3.json`); writing over it would leave its
/// row describing bytes that are gone. A file that no row names is this job's own, left by a
/// run that a crash cut short (or by a cut restore, which fetches it again), and is written
/// over; a row whose file is gone names nothing left to protect. So the database is asked only
/// when the file exists, and a burst's fresh names cost one `stat` each.
pub(crate) async fn name_for_job(
    ctx: &Base,
    scope: &WriteScope,
    (job_id, made_before): (i64, bool),
    wanted: &str,
) -> Result<String> {
    if made_before {
        let own: std::collections::HashSet<String> =
            sqlx::query_scalar("SELECT filename FROM output_files WHERE org_id = ? AND job_id = ?")
                .bind(scope.org_id())
                .bind(job_id)
                .fetch_all(&ctx.db)
                .await?
                .into_iter()
                .collect();
        // Its names were the first free ones then; a handful of numbers covers them.
        if let Some(name) = (1..=own.len() as u32 + 100)
            .map(|n| nth_name(wanted, n))
            .find(|name| own.contains(name))
        {
            return Ok(name);
        }
    }
    let folder = outputs_dir(&ctx.data_dir, scope.org_slug());
    for n in 1.. {
        let name = nth_name(wanted, n);
        if !folder.join(&name).exists() {
            return Ok(name);
        }
        let held_by_another_job = sqlx::query_scalar::<_, i64>(
            "SELECT 1 FROM output_files WHERE org_id = ? AND stored_path = ? AND job_id != ? \
             LIMIT 1",
        )
        .bind(scope.org_id())
        .bind(relative_path(scope.org_slug(), &name))
        .bind(job_id)
        .fetch_optional(&ctx.db)
        .await?
        .is_some();
        if !held_by_another_job {
            return Ok(name);
        }
    }
    unreachable!("some number is free")
}

/// Where the output `filename` of the org `org_slug` is stored, relative to the data dir, as
/// its row records it.
fn relative_path(org_slug: &str, filename: &str) -> String {
    Path::new("outputs")
        .join(org_slug)
        .join(filename)
        .to_string_lossy()
        .into_owned()
}

/// Writes one output of a job atomically. Its name is derived from the job, so a re-run after a
/// crash rewrites the same file rather than adding one.
///
/// The file's bytes are durable on return, its name is not: the caller syncs the returned
/// folder ([`crate::store::files::sync_folder`]) before it commits the output's row, once for
/// all the files it wrote there (a render's PDF and XLSX, a burst's group commit).
pub(crate) fn write_leaving_folder_unsynced(
    ctx: &Base,
    scope: &WriteScope,
    filename: &str,
    kind: &'static str,
    bytes: &[u8],
    inputs_sha256: &str,
) -> Result<(WrittenOutput, PathBuf)> {
    let folder = outputs_dir(&ctx.data_dir, scope.org_slug());
    write_atomic_leaving_folder_unsynced(&folder.join(filename), bytes)?;
    let output = WrittenOutput::in_outputs_of(
        scope.org_slug(),
        filename,
        kind,
        bytes.len(),
        sha256_bytes(bytes),
        inputs_sha256,
    );
    Ok((output, folder))
}

impl WrittenOutput {
    /// The row-to-be of `filename` in the outputs folder of the org `org_slug`: `size` bytes
    /// whose SHA-256 is `sha256`.
    pub(crate) fn in_outputs_of(
        org_slug: &str,
        filename: &str,
        kind: &'static str,
        size: usize,
        sha256: String,
        inputs_sha256: &str,
    ) -> Self {
        WrittenOutput {
            filename: filename.to_string(),
            kind,
            relative_path: relative_path(org_slug, filename),
            size: i64::try_from(size).unwrap_or(i64::MAX),
            sha256,
            inputs_sha256: inputs_sha256.to_string(),
        }
    }
}

/// Whether a row of the scope's org names the file at `relative_path` (under the data dir).
pub(crate) async fn is_recorded(
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
    relative_path: &str,
) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT 1 FROM output_files WHERE org_id = ? AND stored_path = ? LIMIT 1",
    )
    .bind(scope.org_id())
    .bind(relative_path)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// Records a written output inside the job's transaction.
pub(crate) async fn record(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
    job_id: i64,
    output: &WrittenOutput,
) -> Result<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO output_files (org_id, user_id, job_id, filename, kind, stored_path, size, \
         sha256, inputs_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (job_id, filename) DO UPDATE SET size = excluded.size, \
         sha256 = excluded.sha256, inputs_sha256 = excluded.inputs_sha256 RETURNING id",
    )
    .bind(scope.org_id())
    .bind(scope.user_id())
    .bind(job_id)
    .bind(&output.filename)
    .bind(output.kind)
    .bind(&output.relative_path)
    .bind(output.size)
    .bind(&output.sha256)
    .bind(&output.inputs_sha256)
    .bind(ctx.now_text())
    .fetch_one(&mut **tx)
    .await?;
    // In the same transaction: an output that exists is an output the syncer will see.
    crate::store::outbox::enqueue_in(ctx, tx, scope, id, &output.sha256).await?;
    Ok(id)
}

/// Records `output`, a restored copy of the file the retention cleanup removed under the bucket
/// key `object_key`, as the file of the job that made it, inside the restore's transaction, and
/// makes that job's result name the new row in place of the removed one: the job's files are
/// then whole again, with nothing to make again. Returns `None` when the copy is not that file
/// any more (other bytes) or the job no longer names it (it was made again since); the copy is
/// then restored as any other.
pub(crate) async fn record_cleaned_again(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
    object_key: &str,
    output: &WrittenOutput,
) -> Result<Option<i64>> {
    let cleaned: Option<(i64, i64, i64, String, String, i64)> = sqlx::query_as(
        "SELECT output_id, user_id, job_id, sha256, inputs_sha256, withdrawn \
         FROM cleaned_outputs WHERE org_id = ? AND object_key = ?",
    )
    .bind(scope.org_id())
    .bind(object_key)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((removed_id, user_id, job_id, sha256, inputs_sha256, withdrawn)) = cleaned else {
        return Ok(None);
    };
    if sha256 != output.sha256 {
        return Ok(None);
    }
    let result = result_of_job(&mut **tx, scope.org_id(), job_id)
        .await?
        .unwrap_or_default();
    let forget = "DELETE FROM cleaned_outputs WHERE org_id = ? AND object_key = ?";
    if !output_ids_in_result(&result).contains(&removed_id) {
        sqlx::query(forget)
            .bind(scope.org_id())
            .bind(object_key)
            .execute(&mut **tx)
            .await?;
        return Ok(None);
    }
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO output_files (org_id, user_id, job_id, filename, kind, stored_path, size, \
         sha256, inputs_sha256, withdrawn, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (job_id, filename) DO NOTHING RETURNING id",
    )
    .bind(scope.org_id())
    .bind(user_id)
    .bind(job_id)
    .bind(&output.filename)
    .bind(output.kind)
    .bind(&output.relative_path)
    .bind(output.size)
    .bind(&output.sha256)
    .bind(&inputs_sha256)
    .bind(withdrawn)
    .bind(ctx.now_text())
    .fetch_optional(&mut **tx)
    .await?;
    sqlx::query(forget)
        .bind(scope.org_id())
        .bind(object_key)
        .execute(&mut **tx)
        .await?;
    let Some(id) = id else {
        return Ok(None); // The job has a file of that name again: it was made again since.
    };
    sqlx::query("UPDATE jobs SET result = ? WHERE id = ? AND org_id = ?")
        .bind(result_naming_instead(&result, removed_id, id))
        .bind(job_id)
        .bind(scope.org_id())
        .execute(&mut **tx)
        .await?;
    crate::store::outbox::enqueue_in(ctx, tx, scope, id, &output.sha256).await?;
    Ok(Some(id))
}

/// A job's `result` (JSON) with output `removed` named as `instead`.
fn result_naming_instead(result: &str, removed: i64, instead: i64) -> String {
    let Ok(mut result) = serde_json::from_str::<serde_json::Value>(result) else {
        return result.to_string();
    };
    let rename = |value: &mut serde_json::Value| {
        if value.as_i64() == Some(removed) {
            *value = instead.into();
        }
    };
    if let Some(ids) = result
        .get_mut("outputIds")
        .and_then(serde_json::Value::as_array_mut)
    {
        ids.iter_mut().for_each(rename);
    }
    if let Some(id) = result.get_mut("outputId") {
        rename(id);
    }
    result.to_string()
}

const VIEW_COLUMNS: &str = "f.id, f.job_id, f.filename, f.kind, f.size, f.sha256, \
     f.inputs_sha256, f.download_count, f.last_downloaded, f.created_at, \
     CASE WHEN t.org_id IS NULL THEN 'local' ELSE COALESCE(o.state, 'pending') END AS sync_state, \
     CASE WHEN t.org_id IS NOT NULL AND o.state IN ('pending', 'failed', 'conflict') \
          THEN o.last_error END AS sync_problem, \
     EXISTS (SELECT 1 FROM jobs r WHERE r.id = f.job_id AND r.kind = 'restore_outputs') AS restored, \
     f.withdrawn != 0 AS withdrawn";

/// Where [`VIEW_COLUMNS`] read from: the file, its sync state, and whether its org syncs.
const VIEW_FROM: &str = "output_files f \
     LEFT JOIN sync_outbox o ON o.output_id = f.id \
     LEFT JOIN sync_targets t ON t.org_id = f.org_id AND t.enabled = 1";

/// The scope's outputs, newest first, optionally of one job.
pub async fn list(ctx: &Base, scope: &OrgScope, job_id: Option<i64>) -> Result<Vec<OutputView>> {
    Ok(sqlx::query_as::<_, OutputView>(&format!(
        "SELECT {VIEW_COLUMNS} FROM {VIEW_FROM} \
         WHERE f.org_id = ? AND (? IS NULL OR f.job_id = ?) ORDER BY f.id DESC"
    ))
    .bind(scope.org_id())
    .bind(job_id)
    .bind(job_id)
    .fetch_all(&ctx.db)
    .await?)
}

/// One of the scope's outputs as the list shows it; another org's, or a missing one, is "not
/// found".
pub async fn one(ctx: &Base, scope: &OrgScope, id: i64) -> Result<OutputView> {
    let view = sqlx::query_as::<_, OutputView>(&format!(
        "SELECT {VIEW_COLUMNS} FROM {VIEW_FROM} WHERE f.org_id = ? AND f.id = ?"
    ))
    .bind(scope.org_id())
    .bind(id)
    .fetch_optional(&ctx.db)
    .await?;
    match view {
        Some(view) => Ok(view),
        None => Err(scope.not_found(ctx, "output", id, "output_files").await),
    }
}

/// Where an output's file lies in the data folder, with its file name. Another org's output
/// is "not found", as a missing one is; a row whose file is gone says how to have it back.
pub async fn locate(ctx: &Base, scope: &OrgScope, id: i64) -> Result<(String, PathBuf)> {
    let found = find(ctx, scope, id).await?;
    Ok((found.filename, found.source))
}

/// As [`locate`], for handing the file to a person (exported, previewed, opened): refused when
/// its bytes are no longer those recorded when it was made (a hand edit, a disk error), since a
/// document is evidence and that file is not the one Sitebook made.
pub async fn locate_intact(ctx: &Base, scope: &OrgScope, id: i64) -> Result<(String, PathBuf)> {
    let found = find(ctx, scope, id).await?;
    let path = found.source.clone();
    let now = tokio::task::spawn_blocking(move || sha256_file(&path))
        .await
        .map_err(|e| Error::Internal(format!("hashing output {id} stopped: {e}")))??;
    found.unless_changed(id, &now)?;
    Ok((found.filename, found.source))
}

/// An output's file name and bytes, refused as [`locate_intact`] refuses: the bytes read once,
/// and hashed as they are, for the in-app preview.
pub async fn read_intact(ctx: &Base, scope: &OrgScope, id: i64) -> Result<(String, Vec<u8>)> {
    let found = find(ctx, scope, id).await?;
    let bytes = tokio::fs::read(&found.source).await.map_err(|e| {
        Error::io(
            format!("Could not read output {id} ({})", found.filename),
            e,
        )
    })?;
    found.unless_changed(id, &sha256_bytes(&bytes))?;
    Ok((found.filename, bytes))
}

/// The job that made output `id` and the file's kind (`pdf`, `xlsx`), when the output is a file
/// of a withdrawn bill or work slip; `None` otherwise, and for another org's output.
pub(crate) async fn withdrawn_output(
    ctx: &Base,
    scope: &OrgScope,
    id: i64,
) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT job_id, kind FROM output_files WHERE id = ? AND org_id = ? AND withdrawn != 0",
    )
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?)
}

/// An output's row, and its file, which is there.
struct Found {
    filename: String,
    source: PathBuf,
    sha256: String,
    job_id: i64,
    job_kind: String,
}

impl Found {
    /// Refuses output `id` when its file hashes to `now`, other than what was recorded when it
    /// was made.
    fn unless_changed(&self, id: i64, now: &str) -> Result<()> {
        if now == self.sha256 {
            return Ok(());
        }
        Err(Error::Precondition(format!(
            "The file of output {id} ({}) has changed in the data folder since Sitebook made \
             it: its bytes no longer match those recorded then, so it is not the document that \
             was made. {}",
            self.filename,
            how_to_replace_changed(self.job_id, &self.job_kind)
        )))
    }
}

async fn find(ctx: &Base, scope: &OrgScope, id: i64) -> Result<Found> {
    let row: Option<(String, String, String, i64, String, bool)> = sqlx::query_as(
        "SELECT f.filename, f.stored_path, f.sha256, f.job_id, j.kind, \
         EXISTS (SELECT 1 FROM sync_outbox o WHERE o.output_id = f.id \
                 AND o.object_key IS NOT NULL AND o.state IN ('synced', 'conflict')) \
         FROM output_files f JOIN jobs j ON j.id = f.job_id WHERE f.id = ? AND f.org_id = ?",
    )
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    let Some((filename, stored_path, sha256, job_id, job_kind, in_bucket)) = row else {
        return Err(scope.not_found(ctx, "output", id, "output_files").await);
    };
    let source = ctx.data_dir.join(stored_path);
    if !source.exists() {
        return Err(Error::NotFound(format!(
            "The file of output {id} ({filename}) is missing from the data folder. {}",
            how_to_have_back(job_id, &job_kind, in_bucket)
        )));
    }
    Ok(Found {
        filename,
        source,
        sha256,
        job_id,
        job_kind,
    })
}

/// What became of the files one of the scope's jobs made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobFiles {
    /// Its result names none, and no row does.
    NoneRecorded,
    /// Its document was withdrawn: the files are kept as they were (or, once a cleanup took
    /// them, stay gone), never made again.
    Withdrawn,
    /// Some are gone: `missing` files whose rows remain left the data folder (deleted by hand,
    /// taken by a virus scanner) or changed there (their bytes are not those made), and
    /// `removed` ones went with their rows in a cleanup of outputs never saved.
    SomeGone { missing: u32, removed: u32 },
    /// All of them are in place.
    AllHere,
}

/// What became of the files of one of the scope's jobs. The job's result names every output it
/// made, so a file a cleanup removed with its row is still known to be the job's.
pub(crate) async fn files_of_job(ctx: &Base, scope: &OrgScope, job_id: i64) -> Result<JobFiles> {
    let rows: Vec<(i64, String, bool, String)> = sqlx::query_as(
        "SELECT id, stored_path, withdrawn != 0, sha256 FROM output_files \
         WHERE org_id = ? AND job_id = ?",
    )
    .bind(scope.org_id())
    .bind(job_id)
    .fetch_all(&ctx.db)
    .await?;
    let withdrawn_document = sqlx::query_scalar::<_, i64>(
        "SELECT 1 FROM withdrawn_documents WHERE org_id = ? AND job_id = ? LIMIT 1",
    )
    .bind(scope.org_id())
    .bind(job_id)
    .fetch_optional(&ctx.db)
    .await?
    .is_some();
    if withdrawn_document || rows.iter().any(|(_, _, withdrawn, _)| *withdrawn) {
        return Ok(JobFiles::Withdrawn);
    }
    let made = result_of_job(&ctx.db, scope.org_id(), job_id)
        .await?
        .as_deref()
        .map(output_ids_in_result)
        .unwrap_or_default();
    let removed = made
        .iter()
        .filter(|id| !rows.iter().any(|(row, _, _, _)| row == *id))
        .count() as u32;
    // A file whose bytes changed since it was made is as good as gone: it is not the document.
    let data_dir = ctx.data_dir.clone();
    let stored: Vec<(String, String)> = rows
        .iter()
        .map(|(_, stored_path, _, sha256)| (stored_path.clone(), sha256.clone()))
        .collect();
    let missing = tokio::task::spawn_blocking(move || {
        stored
            .iter()
            .filter(|(stored_path, sha256)| {
                !sha256_file(&data_dir.join(stored_path)).is_ok_and(|now| now == *sha256)
            })
            .count() as u32
    })
    .await
    .map_err(|e| Error::Internal(format!("checking a job's files stopped: {e}")))?;
    Ok(if rows.is_empty() && made.is_empty() {
        JobFiles::NoneRecorded
    } else if missing + removed > 0 {
        JobFiles::SomeGone { missing, removed }
    } else {
        JobFiles::AllHere
    })
}

/// The result a job of the org recorded (JSON), if it has one.
async fn result_of_job(
    db: impl sqlx::SqliteExecutor<'_>,
    org_id: i64,
    job_id: i64,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT result FROM jobs WHERE id = ? AND org_id = ?")
            .bind(job_id)
            .bind(org_id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// The output ids a completed job's result names: a render's `outputIds`, a parse's `outputId`.
fn output_ids_in_result(result: &str) -> Vec<i64> {
    let Ok(result) = serde_json::from_str::<serde_json::Value>(result) else {
        return Vec::new();
    };
    let many = result
        .get("outputIds")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten();
    many.chain(result.get("outputId"))
        .filter_map(serde_json::Value::as_i64)
        .collect()
}

/// What puts the made file back in place of a changed one: its job makes it again, as it
/// makes a missing one; a restored file is fetched again once the changed one is out of the way.
fn how_to_replace_changed(job_id: i64, job_kind: &str) -> String {
    match job_kind {
        "restore_outputs" => "Delete it from the data folder, and Restore from bucket fetches \
             it again."
            .to_string(),
        _ => how_to_have_back(job_id, job_kind, false),
    }
}

/// What brings back the file of an output made by job `job_id` of `job_kind`, whose copy is in
/// the org's bucket if `in_bucket`.
fn how_to_have_back(job_id: i64, job_kind: &str, in_bucket: bool) -> String {
    if in_bucket {
        return "Its copy in the bucket is fetched back by Restore from bucket (in Settings, or \
                `sitebook sync restore --wait`)."
            .to_string();
    }
    match job_kind {
        "restore_outputs" => "It was restored from the bucket: set up sync for this \
             organization again and Restore from bucket fetches it back."
            .to_string(),
        _ => format!(
            "Job {job_id} makes it again from the same inputs: choose Make again beside Open \
             (or run `sitebook jobs retry {job_id}`)."
        ),
    }
}

/// What an export does with a file already at its destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfExists {
    /// Keep it and refuse the export: a command line asks for nothing before it writes.
    Refuse,
    /// Replace it: the person chose the file in a save dialog that asked them first.
    Replace,
}

/// Copies an output out to `destination` (a folder, where it keeps its own name, or a file
/// path) and counts the download. Returns where it was written. Refused before anything is
/// written: a folder that does not exist, a path through a file, a name whose extension says
/// another kind of file, and (unless asked to replace it) a file already there.
///
/// Oversight's copies are not counted (the audit row records them): oversight changes nothing
/// in an organization, and the count is the org's own, read by its people and by cleanup,
/// which keeps every file that was ever downloaded.
pub async fn export(
    ctx: &Base,
    scope: &OrgScope,
    id: i64,
    destination: &Path,
    if_exists: IfExists,
) -> Result<PathBuf> {
    let (filename, source) = locate_intact(ctx, scope, id).await?;
    let target = export_target(&filename, destination, if_exists)?;
    let written = copy_out_atomic(&source, &target);
    count_export(ctx, scope, id, &target, written).await
}

/// Writes `bytes`, a copy made from output `id` (a withdrawn PDF stamped as such), to
/// `destination` as [`export`] writes the file itself, and counts the download as it does.
pub async fn export_copy(
    ctx: &Base,
    scope: &OrgScope,
    id: i64,
    filename: &str,
    bytes: &[u8],
    destination: &Path,
    if_exists: IfExists,
) -> Result<PathBuf> {
    let target = export_target(filename, destination, if_exists)?;
    let written = write_out_atomic(&target, bytes);
    count_export(ctx, scope, id, &target, written).await
}

/// After an export's write: its error named by where it was going (the store's own path means
/// nothing to the person), or the download counted.
async fn count_export(
    ctx: &Base,
    scope: &OrgScope,
    id: i64,
    target: &Path,
    written: Result<()>,
) -> Result<PathBuf> {
    written.map_err(|e| match e {
        Error::Io { source, .. } => {
            Error::io(format!("Could not write {}", target.display()), source)
        }
        other => other,
    })?;
    let target = target.to_path_buf();
    if scope.role() == EffectiveRole::Oversight {
        return Ok(target);
    }
    sqlx::query(
        "UPDATE output_files SET download_count = download_count + 1, last_downloaded = ? \
         WHERE id = ?",
    )
    .bind(ctx.now_text())
    .bind(id)
    .execute(&ctx.db)
    .await?;
    Ok(target)
}

/// Where an export of `filename` to `destination` writes, or why it may not.
fn export_target(filename: &str, destination: &Path, if_exists: IfExists) -> Result<PathBuf> {
    let refused = |why: String| Err(Error::Validation(why));
    let target = if destination.is_dir() {
        destination.join(filename)
    } else {
        file_destination(filename, destination)?
    };
    if if_exists == IfExists::Refuse && target.symlink_metadata().is_ok() {
        return refused(format!(
            "{} already exists; nothing was written. Give another name or folder, or replace \
             it (--overwrite).",
            target.display()
        ));
    }
    Ok(target)
}

/// `destination` named as the file an export of `filename` writes, or why it cannot be.
fn file_destination(filename: &str, destination: &Path) -> Result<PathBuf> {
    let refused = |why: String| Err(Error::Validation(why));
    let given = destination.as_os_str().to_string_lossy();
    if given.ends_with('/') || given.ends_with(std::path::MAIN_SEPARATOR) {
        return refused(format!(
            "There is no folder {}; create it first, or give a file name.",
            destination.display()
        ));
    }
    // Missing folders on the way are made; one that is a file cannot be.
    if let Some(file) = destination
        .ancestors()
        .skip(1)
        .find(|ancestor| ancestor.exists())
        .filter(|ancestor| !ancestor.is_dir())
    {
        return refused(format!(
            "{} is a file, not a folder, so nothing can be written in it.",
            file.display()
        ));
    }
    let kind = Path::new(filename).extension().and_then(|e| e.to_str());
    let named = destination.extension().and_then(|e| e.to_str());
    if let (Some(kind), Some(named)) = (kind, named) {
        if !kind.eq_ignore_ascii_case(named) {
            return refused(format!(
                "{} would hold a .{kind} file ({filename}) under a .{named} name; give a name \
                 ending in .{kind}.",
                destination.display()
            ));
        }
    }
    Ok(destination.to_path_buf())
}

/// What a cleanup removed.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CleanupReport {
    /// How many files were deleted from the outputs folder.
    pub removed_files: u32,
    /// How many output rows were deleted, counting those whose file a crash had already removed.
    pub removed_rows: u32,
}

/// Marks the files of one of the scope's jobs withdrawn (they stay on disk, listed as such),
/// inside the caller's transaction; returns how many were marked.
pub(crate) async fn mark_withdrawn(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    scope: &WriteScope,
    job_id: i64,
) -> Result<i64> {
    let marked =
        sqlx::query("UPDATE output_files SET withdrawn = 1 WHERE job_id = ? AND org_id = ?")
            .bind(job_id)
            .bind(scope.org_id())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(i64::try_from(marked).unwrap_or(i64::MAX))
}

/// Removes the scope's outputs that were never downloaded and are older than `days`.
pub async fn cleanup(ctx: &Base, scope: &WriteScope, days: u32) -> Result<CleanupReport> {
    // A span reaching back past the calendar's start holds no output: nothing is that old.
    let Some(cutoff) = chrono::Duration::try_days(i64::from(days))
        .and_then(|span| ctx.clock.now().checked_sub_signed(span))
    else {
        return Ok(CleanupReport::default());
    };
    let cutoff = to_db_time(cutoff);
    let candidates: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, stored_path FROM output_files \
         WHERE org_id = ? AND download_count = 0 AND created_at < ?",
    )
    .bind(scope.org_id())
    .bind(cutoff)
    .fetch_all(&ctx.db)
    .await?;
    let mut report = CleanupReport::default();
    for (id, stored_path) in candidates {
        match std::fs::remove_file(ctx.data_dir.join(&stored_path)) {
            Ok(()) => report.removed_files += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::io(format!("Could not remove {stored_path}"), e));
            }
        }
        let mut tx = ctx.write_tx().await?;
        // Its copy in the bucket outlives it: what a restore needs to give that copy back to
        // the job that made it goes first, in the same commit as the row's removal.
        sqlx::query(
            "INSERT OR REPLACE INTO cleaned_outputs (org_id, object_key, output_id, user_id, \
             job_id, filename, sha256, inputs_sha256, withdrawn, cleaned_at) \
             SELECT f.org_id, o.object_key, f.id, f.user_id, f.job_id, f.filename, f.sha256, \
             f.inputs_sha256, f.withdrawn, ? FROM output_files f \
             JOIN sync_outbox o ON o.output_id = f.id \
             WHERE f.id = ? AND f.org_id = ? AND o.object_key IS NOT NULL \
             AND o.state IN ('synced', 'conflict')",
        )
        .bind(ctx.now_text())
        .bind(id)
        .bind(scope.org_id())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM output_files WHERE id = ? AND org_id = ?")
            .bind(id)
            .bind(scope.org_id())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        report.removed_rows += 1;
    }
    Ok(report)
}

/// How long a file no row refers to is left alone: a render job writes its files just before
/// the transaction that records them, so a younger file may be about to be recorded.
pub const LEFTOVER_GRACE: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// What a sweep of crash leftovers did in one organization's folders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeftoverReport {
    /// Temp files (`.name.pid.part`) of writes a crash cut short, removed.
    pub temp_files_removed: u32,
    /// Output files no row refers to, moved to `lost+found/{slug}/`.
    pub orphans_moved: u32,
}

/// Clears what a crash can leave in the scope's folders: temp files of cut-short writes (in
/// outputs and uploads) are removed once older than `grace`, or at once when the process that
/// wrote them is gone; output files older than `grace` that no
/// row refers to are moved to `lost+found/{slug}/` with a log line, never deleted. A file a row
/// refers to is never touched.
pub async fn sweep_leftovers(
    ctx: &Base,
    scope: &WriteScope,
    grace: std::time::Duration,
) -> Result<LeftoverReport> {
    let referenced: std::collections::HashSet<String> =
        sqlx::query_scalar::<_, String>("SELECT stored_path FROM output_files WHERE org_id = ?")
            .bind(scope.org_id())
            .fetch_all(&ctx.db)
            .await?
            .into_iter()
            .collect();
    let old_enough =
        |path: &Path| crate::store::files::modified_ago(path).is_some_and(|age| age >= grace);
    let is_temp = |name: &str| name.starts_with('.') && name.ends_with(".part");
    let mut report = LeftoverReport::default();
    let uploads = crate::store::files::uploads_dir(&ctx.data_dir, scope.org_slug());
    let outputs = outputs_dir(&ctx.data_dir, scope.org_slug());
    for (folder, sweep_orphans) in [(&uploads, false), (&outputs, true)] {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            // A temp file whose writer is gone can never be finished, however new it is.
            let writer_gone = crate::store::files::temp_file_writer(&name)
                .is_some_and(|pid| !crate::store::files::process_is_alive(pid));
            let due = old_enough(&path) || (is_temp(&name) && writer_gone);
            if !due {
                continue;
            }
            if is_temp(&name) {
                std::fs::remove_file(&path)
                    .map_err(|e| Error::io(format!("Could not remove {}", path.display()), e))?;
                tracing::info!(file = %path.display(), "removed the temp file of a write a crash cut short");
                report.temp_files_removed += 1;
                continue;
            }
            let relative = path
                .strip_prefix(&ctx.data_dir)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            if sweep_orphans && !referenced.contains(&relative) {
                let lost = ctx.data_dir.join("lost+found").join(scope.org_slug());
                crate::store::files::create_private_dir(&lost)
                    .map_err(|e| Error::io(format!("Could not make {}", lost.display()), e))?;
                let target = lost.join(&name);
                std::fs::rename(&path, &target)
                    .map_err(|e| Error::io(format!("Could not move {}", path.display()), e))?;
                tracing::warn!(
                    file = %path.display(),
                    moved_to = %target.display(),
                    "an output file no record refers to (left by a crash) was moved to lost+found"
                );
                report.orphans_moved += 1;
            }
        }
    }
    Ok(report)
}
