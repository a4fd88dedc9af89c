//! The queue table and every state change of a job.
//!
//! Claiming is one `UPDATE … RETURNING` statement, so two workers (even in two processes) can
//! never claim the same job: SQLite runs one writer at a time and the statement re-checks the
//! status it changes. Each running job names its owner process (`pid@device`) and refreshes a
//! heartbeat; a job whose owner is gone goes back to the queue.

use std::time::Duration;

use serde::Serialize;
use sqlx::{FromRow, Sqlite, Transaction};
use ts_rs::TS;

use crate::clock::{from_db_time, to_db_time};
use crate::domain::permissions::Action;
use crate::error::{Error, Result};
use crate::jobs::Ctx;
use crate::jobs::{JobEvent, JobKind, JobLogEntry, JobStatus};
use crate::store::uploads;
use crate::tenancy::gate::{OrgScope, WriteScope};

/// A heartbeat older than this means the owner is gone, whatever its pid says.
pub const STALE_HEARTBEAT: Duration = Duration::from_secs(120);

/// A running job's progress is written to the database at most this often; every step is
/// still announced to this process's subscribers at once. Another process (the desktop
/// watching a CLI worker) polls the row, so this is as live as it can see; a burst of short
/// jobs no longer pays four writes a job for steps nobody outside could have seen.
pub const PROGRESS_STORE_INTERVAL: Duration = Duration::from_millis(250);

/// A job a worker has claimed.
#[derive(Debug, Clone)]
pub(crate) struct ClaimedJob {
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub upload_id: Option<i64>,
    pub kind: JobKind,
    /// What the job works on, as JSON (for example `{"bill_id": 3}`).
    pub payload: String,
    pub attempts: u32,
    /// It completed before and runs again to make files that went missing ([`requeue`]): what
    /// it stored then (a parse's estimate) is kept, not stored a second time.
    pub made_before: bool,
    /// When its progress was last written to the database (the claim writes the first).
    progress_stored_at: std::sync::Arc<std::sync::Mutex<std::time::Instant>>,
}

impl ClaimedJob {
    /// Whether a step reported now should be written, and if so, notes that it is.
    fn progress_store_due(&self) -> bool {
        let mut stored_at = self
            .progress_stored_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if stored_at.elapsed() < PROGRESS_STORE_INTERVAL {
            return false;
        }
        *stored_at = std::time::Instant::now();
        true
    }
}

#[derive(FromRow)]
struct ClaimedRow {
    id: i64,
    org_id: i64,
    user_id: i64,
    upload_id: Option<i64>,
    kind: String,
    payload: String,
    attempts: i64,
    made_before: bool,
}

/// This process's name as a job owner.
pub(crate) fn owner_name(ctx: &Ctx) -> String {
    format!("{}@{}", std::process::id(), ctx.device)
}

/// Queues a job inside the caller's transaction (so an upload and its job commit together).
pub(crate) async fn enqueue(
    ctx: &Ctx,
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
    kind: JobKind,
    upload_id: Option<i64>,
    payload: &str,
) -> Result<i64> {
    let now = ctx.now_text();
    let id = sqlx::query_scalar(
        "INSERT INTO jobs (org_id, user_id, upload_id, kind, payload, status, progress, \
         current_step, next_run_at, created_at) VALUES (?, ?, ?, ?, ?, 'queued', 0, 'Queued', ?, ?) \
         RETURNING id",
    )
    .bind(scope.org_id())
    .bind(scope.user_id())
    .bind(upload_id)
    .bind(kind.as_str())
    .bind(payload)
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// The job a request for a one-at-a-time kind (a restore) came to, and whether that job was
/// already queued or running (asked for earlier, perhaps in another window), so the faces can
/// say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobRequest {
    /// The job to follow.
    #[ts(type = "number")]
    pub job_id: i64,
    /// True when this request joined a job already queued or running, not a new one.
    pub already_underway: bool,
}

/// [`enqueue`] for a kind of which an org runs one at a time: returns the job of `kind` already
/// queued or running in the scope's org, if there is one (made due at once, in case it waits to
/// be retried), else queues a new one. The caller's transaction serialises two requests.
pub(crate) async fn enqueue_unless_underway(
    ctx: &Ctx,
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
    kind: JobKind,
    payload: &str,
) -> Result<JobRequest> {
    let underway: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE org_id = ? AND kind = ? AND status IN ('queued', 'running') \
         ORDER BY id LIMIT 1",
    )
    .bind(scope.org_id())
    .bind(kind.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = underway else {
        let id = enqueue(ctx, tx, scope, kind, None, payload).await?;
        return Ok(JobRequest {
            job_id: id,
            already_underway: false,
        });
    };
    sqlx::query("UPDATE jobs SET next_run_at = ? WHERE id = ? AND status = 'queued'")
        .bind(ctx.now_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(JobRequest {
        job_id: id,
        already_underway: true,
    })
}

/// A job that failed before it started, so the refusal shows in the jobs list and its log.
pub(crate) async fn record_refused_upload(
    ctx: &Ctx,
    scope: &WriteScope,
    payload: &str,
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
         error_message, error_code, error_log, next_run_at, created_at, completed_at, \
         retryable) \
         VALUES (?, ?, 'parse_estimate', ?, 'failed', 0, 'Failed: upload', ?, ?, ?, ?, ?, ?, 0) \
         RETURNING id",
    )
    .bind(scope.org_id())
    .bind(scope.user_id())
    .bind(payload)
    .bind(refusal.to_string())
    .bind(refusal.code())
    .bind(serde_json::to_string(&log).unwrap_or_else(|_| "[]".into()))
    .bind(&now)
    .bind(&now)
    .bind(&now)
    .fetch_one(&ctx.db)
    .await?;
    Ok(id)
}

/// Which jobs a worker may claim.
#[derive(Debug, Clone, Default)]
pub(crate) enum ClaimFilter {
    /// Any due job of any organization (the app's and `sitebook worker`'s pool).
    #[default]
    Any,
    /// Only these jobs: a command that waits for its own work runs that and nothing else.
    Only(std::sync::Arc<[i64]>),
}

/// Claims a due job, if any: of each organization's oldest due job, the one whose org was served
/// least recently, so organizations take turns (see migration 0012).
pub(crate) async fn claim_next(ctx: &Ctx, filter: &ClaimFilter) -> Result<Option<ClaimedJob>> {
    let now = ctx.now_text();
    let only = match filter {
        ClaimFilter::Any => None,
        ClaimFilter::Only(ids) => Some(serde_json::to_string(&ids[..]).unwrap_or_default()),
    };
    let row = sqlx::query_as::<_, ClaimedRow>(
        "UPDATE jobs SET status = 'running', owner = ?1, heartbeat_at = ?2, \
         started_at = COALESCE(started_at, ?2), attempts = attempts + 1, \
         progress = 0, current_step = 'Starting', \
         claim_seq = (SELECT COALESCE(MAX(claim_seq), 0) + 1 FROM jobs) \
         WHERE id = ( \
             SELECT due.id FROM ( \
                 SELECT org_id, MIN(id) AS id FROM jobs \
                 WHERE status = 'queued' AND next_run_at <= ?2 \
                 AND (?3 IS NULL OR id IN (SELECT value FROM json_each(?3))) \
                 GROUP BY org_id \
             ) AS due \
             ORDER BY (SELECT COALESCE(MAX(c.claim_seq), 0) FROM jobs c \
                       WHERE c.org_id = due.org_id), due.id \
             LIMIT 1) \
         AND status = 'queued' \
         RETURNING id, org_id, user_id, upload_id, kind, payload, attempts, \
         result IS NOT NULL AS made_before",
    )
    .bind(owner_name(ctx))
    .bind(&now)
    .bind(only)
    // A courtesy write, without an fsync of its own: a claim lost to a power cut only puts
    // the job back in line (it completes in its own durable transaction, or not at all), and
    // the job's audited authorization, committed durably next, makes the claim durable too,
    // since a WAL is synced in order.
    .fetch_optional(&ctx.courtesy_db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let kind = JobKind::parse(&row.kind).ok_or_else(|| {
        Error::Internal(format!("job {} has an unknown kind '{}'", row.id, row.kind))
    })?;
    let job = ClaimedJob {
        id: row.id,
        org_id: row.org_id,
        user_id: row.user_id,
        upload_id: row.upload_id,
        kind,
        payload: row.payload,
        attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        made_before: row.made_before,
        progress_stored_at: std::sync::Arc::new(std::sync::Mutex::new(std::time::Instant::now())),
    };
    publish(ctx, &job, JobStatus::Running, 0, "Starting");
    Ok(Some(job))
}

/// Whether one of the scope's jobs is still queued or running (a document whose files are
/// still being made cannot be withdrawn). A withdrawal reads it inside its own transaction; the
/// estimate's lists read it to say so before anyone asks.
pub(crate) async fn unfinished(
    db: impl sqlx::SqliteExecutor<'_>,
    scope: &OrgScope,
    job_id: i64,
) -> Result<bool> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM jobs WHERE id = ? AND org_id = ?")
            .bind(job_id)
            .bind(scope.org_id())
            .fetch_optional(db)
            .await?;
    Ok(matches!(status.as_deref(), Some("queued" | "running")))
}

fn publish(ctx: &Ctx, job: &ClaimedJob, status: JobStatus, progress: u8, step: &str) {
    if status.is_terminal() {
        ctx.endings.announce(job.id);
    }
    // No subscriber is fine: the database row is the truth, events are a courtesy.
    let _ = ctx.events.send(JobEvent {
        job_id: job.id,
        org_id: job.org_id,
        status,
        progress,
        current_step: step.to_string(),
    });
}

/// Announces a step of a running job, and stores it (without an fsync, see `Ctx::courtesy_db`)
/// when [`PROGRESS_STORE_INTERVAL`] has passed since the last one stored.
pub(crate) async fn report(ctx: &Ctx, job: &ClaimedJob, progress: u8, step: &str) -> Result<()> {
    publish(ctx, job, JobStatus::Running, progress, step);
    if !job.progress_store_due() {
        return Ok(());
    }
    store_step(ctx, job, progress, step).await
}

/// Awaits `wait`, a wait the job spends in its announced step (`step`, at `progress`): for a
/// reader, a render slot, the group commit. A wait that outlasts [`PROGRESS_STORE_INTERVAL`]
/// stores that step, which the interval may have kept from the database: otherwise every other
/// process (`sitebook jobs list`) would see the waiting job at the step stored before, often
/// "Starting 0%", as if it were being read. A short wait costs no write.
pub(crate) async fn wait_in_step<F: std::future::Future>(
    ctx: &Ctx,
    job: &ClaimedJob,
    progress: u8,
    step: &str,
    wait: F,
) -> F::Output {
    let mut wait = std::pin::pin!(wait);
    tokio::select! {
        done = &mut wait => return done,
        _ = tokio::time::sleep(PROGRESS_STORE_INTERVAL) => {}
    }
    if job.progress_store_due() {
        if let Err(error) = store_step(ctx, job, progress, step).await {
            tracing::debug!(job = job.id, %error, "could not store a waiting step");
        }
    }
    wait.await
}

async fn store_step(ctx: &Ctx, job: &ClaimedJob, progress: u8, step: &str) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET progress = ?, current_step = ?, heartbeat_at = ? \
         WHERE id = ? AND status = 'running'",
    )
    .bind(progress)
    .bind(step)
    .bind(ctx.now_text())
    .bind(job.id)
    .execute(&ctx.courtesy_db)
    .await?;
    Ok(())
}

/// Refreshes the heartbeat and says whether someone asked the job to stop.
pub(crate) async fn heartbeat(ctx: &Ctx, job: &ClaimedJob) -> Result<bool> {
    let cancel: Option<bool> = sqlx::query_scalar(
        "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND status = 'running' \
         RETURNING cancel_requested",
    )
    .bind(ctx.now_text())
    .bind(job.id)
    .fetch_optional(&ctx.courtesy_db)
    .await?;
    // A row that is no longer running was finished elsewhere: stop too.
    Ok(cancel.unwrap_or(true))
}

/// Whether someone asked the job to stop, or it is no longer running here (finished
/// elsewhere). A read: a short job's last checkpoint need not take the write lock to refresh a
/// heartbeat nobody will look at before it ends.
pub(crate) async fn stop_requested(ctx: &Ctx, job: &ClaimedJob) -> Result<bool> {
    let cancel: Option<bool> = sqlx::query_scalar(
        "SELECT cancel_requested FROM jobs WHERE id = ? AND status = 'running' AND owner = ?",
    )
    .bind(job.id)
    .bind(owner_name(ctx))
    .fetch_optional(&ctx.db)
    .await?;
    Ok(cancel.unwrap_or(true))
}

async fn append_log(
    tx: &mut Transaction<'_, Sqlite>,
    job_id: i64,
    entry: JobLogEntry,
) -> Result<()> {
    let log: String = sqlx::query_scalar("SELECT error_log FROM jobs WHERE id = ?")
        .bind(job_id)
        .fetch_one(&mut **tx)
        .await?;
    let mut entries: Vec<JobLogEntry> = serde_json::from_str(&log).unwrap_or_default();
    entries.push(entry);
    let text = serde_json::to_string(&entries)
        .map_err(|e| Error::Internal(format!("could not write a job log: {e}")))?;
    sqlx::query("UPDATE jobs SET error_log = ? WHERE id = ?")
        .bind(text)
        .bind(job_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn log_entry(ctx: &Ctx, job: &ClaimedJob, step: &str, error: &str) -> JobLogEntry {
    JobLogEntry {
        at: ctx.now_text(),
        attempt: job.attempts,
        step: step.to_string(),
        error: error.to_string(),
    }
}

/// Adds a warning to the log without changing the job's state (the soft time limit).
pub(crate) async fn warn(ctx: &Ctx, job: &ClaimedJob, step: &str, message: &str) -> Result<()> {
    let mut tx = ctx.write_tx().await?;
    append_log(&mut tx, job.id, log_entry(ctx, job, step, message)).await?;
    tx.commit().await?;
    Ok(())
}

async fn set_upload_status(
    tx: &mut Transaction<'_, Sqlite>,
    job: &ClaimedJob,
    status: &str,
    now: &str,
) -> Result<()> {
    match job.upload_id {
        Some(upload_id) => uploads::set_status(tx, job.org_id, upload_id, status, now).await,
        None => Ok(()),
    }
}

/// Whether a failed job is offered for retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Retry {
    Offered,
    /// The input is at fault, for the reason this code names (the parser's own): the same
    /// bytes would fail the same way.
    Pointless(String),
}

/// Fails the job for good, with the reason in its log.
pub(crate) async fn fail(
    ctx: &Ctx,
    job: &ClaimedJob,
    step: &str,
    message: &str,
    retry: Retry,
) -> Result<()> {
    let now = ctx.now_text();
    let mut tx = ctx.write_tx().await?;
    append_log(&mut tx, job.id, log_entry(ctx, job, step, message)).await?;
    sqlx::query(
        "UPDATE jobs SET status = 'failed', error_message = ?, current_step = ?, \
         completed_at = ?, owner = NULL, retryable = ?, error_code = ? WHERE id = ?",
    )
    .bind(message)
    .bind(format!("Failed: {step}"))
    .bind(&now)
    .bind(retry == Retry::Offered)
    .bind(match &retry {
        Retry::Pointless(code) => Some(code.as_str()),
        Retry::Offered => None,
    })
    .bind(job.id)
    .execute(&mut *tx)
    .await?;
    set_upload_status(&mut tx, job, "failed", &now).await?;
    tx.commit().await?;
    let progress = current_progress(ctx, job.id).await.unwrap_or(0);
    publish(
        ctx,
        job,
        JobStatus::Failed,
        progress,
        &format!("Failed: {step}"),
    );
    Ok(())
}

async fn current_progress(ctx: &Ctx, job_id: i64) -> Result<u8> {
    let progress: i64 = sqlx::query_scalar("SELECT progress FROM jobs WHERE id = ?")
        .bind(job_id)
        .fetch_one(&ctx.db)
        .await?;
    Ok(u8::try_from(progress).unwrap_or(0))
}

/// Puts the job back in the queue to run after `delay`, with the failure in its log.
pub(crate) async fn retry_later(
    ctx: &Ctx,
    job: &ClaimedJob,
    step: &str,
    message: &str,
    delay: Duration,
) -> Result<()> {
    let next = ctx.clock.now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
    let mut tx = ctx.write_tx().await?;
    append_log(&mut tx, job.id, log_entry(ctx, job, step, message)).await?;
    sqlx::query(
        "UPDATE jobs SET status = 'queued', next_run_at = ?, owner = NULL, progress = 0, \
         current_step = ? WHERE id = ?",
    )
    .bind(to_db_time(next))
    .bind(format!("{WAITING_TO_RETRY} ({message})"))
    .bind(job.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    publish(ctx, job, JobStatus::Queued, 0, WAITING_TO_RETRY);
    Ok(())
}

/// Ends a job that was asked to stop.
pub(crate) async fn mark_cancelled(ctx: &Ctx, job: &ClaimedJob) -> Result<()> {
    let now = ctx.now_text();
    let mut tx = ctx.write_tx().await?;
    sqlx::query(
        "UPDATE jobs SET status = 'cancelled', current_step = 'Cancelled', completed_at = ?, \
         owner = NULL WHERE id = ?",
    )
    .bind(&now)
    .bind(job.id)
    .execute(&mut *tx)
    .await?;
    set_upload_status(&mut tx, job, "failed", &now).await?;
    tx.commit().await?;
    publish(ctx, job, JobStatus::Cancelled, 0, "Cancelled");
    Ok(())
}

/// Completes the job inside the transaction that stores its results, so that results and
/// status commit together or not at all.
pub(crate) async fn complete_in(
    ctx: &Ctx,
    tx: &mut Transaction<'_, Sqlite>,
    job: &ClaimedJob,
    result: &serde_json::Value,
) -> Result<()> {
    let now = ctx.now_text();
    sqlx::query(
        "UPDATE jobs SET status = 'completed', progress = 100, current_step = 'Done', \
         result = ?, completed_at = ?, owner = NULL, error_message = NULL WHERE id = ?",
    )
    .bind(result.to_string())
    .bind(&now)
    .bind(job.id)
    .execute(&mut **tx)
    .await?;
    set_upload_status(tx, job, "completed", &now).await?;
    Ok(())
}

/// Completes the job in `tx` beside the results already written there, commits, and tells the
/// job's watchers.
pub(crate) async fn complete_and_commit(
    ctx: &Ctx,
    mut tx: Transaction<'_, Sqlite>,
    job: &ClaimedJob,
    result: &serde_json::Value,
) -> Result<()> {
    complete_in(ctx, &mut tx, job, result).await?;
    tx.commit().await?;
    announce_completed(ctx, job);
    Ok(())
}

pub(crate) fn announce_completed(ctx: &Ctx, job: &ClaimedJob) {
    publish(ctx, job, JobStatus::Completed, 100, "Done");
    // Its outputs were queued for sync in the same transaction; the sync status has moved.
    let _ = ctx.sync_news.send(job.org_id);
}

/// Why a running job's run has stopped without it: the process that ran it is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interruption {
    /// Its process, on this device, no longer runs (killed, crashed, the power cut).
    OwnerGone,
    /// Its process has not reported within [`STALE_HEARTBEAT`]: hung, or its end could not
    /// be recorded (a full disk), or it runs on another device that stopped.
    Silent,
}

/// Whether the run of a running job with this `owner` (`pid@device`) and last `heartbeat` has
/// stopped, and how.
fn interruption(ctx: &Ctx, owner: Option<&str>, heartbeat: Option<&str>) -> Option<Interruption> {
    let owner_gone = match owner.and_then(|o| o.split_once('@')) {
        Some((pid, device)) if device == ctx.device => match pid.parse::<u32>() {
            Ok(pid) => pid != std::process::id() && !crate::store::files::process_is_alive(pid),
            Err(_) => true,
        },
        Some(_) => false,
        None => true,
    };
    let stale_before =
        ctx.clock.now() - chrono::Duration::from_std(STALE_HEARTBEAT).unwrap_or_default();
    let stale = heartbeat
        .and_then(from_db_time)
        .is_none_or(|at| at < stale_before);
    if owner_gone {
        Some(Interruption::OwnerGone)
    } else if stale {
        Some(Interruption::Silent)
    } else {
        None
    }
}

/// Puts back in the queue every running job whose owner process is gone: one of this device
/// whose pid no longer runs, or any whose heartbeat is stale. Returns how many.
pub async fn recover_orphans(ctx: &Ctx) -> Result<u64> {
    let running: Vec<(i64, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, owner, heartbeat_at, attempts FROM jobs WHERE status = 'running'",
    )
    .fetch_all(&ctx.db)
    .await?;
    let mut recovered = 0;
    for (id, owner, heartbeat, attempts) in running {
        let Some(how) = interruption(ctx, owner.as_deref(), heartbeat.as_deref()) else {
            continue;
        };
        let mut tx = ctx.write_tx().await?;
        let moved = sqlx::query(
            "UPDATE jobs SET status = 'queued', owner = NULL, progress = 0, \
             current_step = 'Queued again after an interrupted run', next_run_at = ? \
             WHERE id = ? AND status = 'running' AND owner IS ?",
        )
        .bind(ctx.now_text())
        .bind(id)
        .bind(&owner)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 1 {
            append_log(
                &mut tx,
                id,
                JobLogEntry {
                    at: ctx.now_text(),
                    // The attempt cut short: a claim counts an attempt as it starts it.
                    attempt: u32::try_from(attempts).unwrap_or(0),
                    step: "recovery".into(),
                    error: if how == Interruption::OwnerGone {
                        format!(
                            "the process running it ({}) stopped; queued again",
                            owner.as_deref().unwrap_or("unknown")
                        )
                    } else {
                        // Alive, but silent: its end could not be recorded (a full disk), or
                        // it hung.
                        format!(
                            "the process running it ({}) had not reported for {} minutes; \
                             queued again",
                            owner.as_deref().unwrap_or("unknown"),
                            STALE_HEARTBEAT.as_secs() / 60
                        )
                    },
                },
            )
            .await?;
            recovered += 1;
        }
        tx.commit().await?;
    }
    if recovered > 0 {
        ctx.wake.notify_waiters();
    }
    Ok(recovered)
}

/// Queued jobs, plus running jobs this process owns.
pub(crate) async fn unfinished_here(ctx: &Ctx) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE status = 'queued' OR (status = 'running' AND owner = ?)",
    )
    .bind(owner_name(ctx))
    .fetch_one(&ctx.db)
    .await?)
}

/// A job that came to an end, as the device's worker reports it line by line: which org's, of
/// what kind, on which file, and the error when it failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobEnded {
    /// The job's id, by which `sitebook jobs show` finds it.
    pub id: i64,
    /// The code of the job's organization (`--org` for `sitebook jobs show`).
    pub org_code: String,
    /// What the job did.
    pub kind: JobKind,
    /// Completed, failed or cancelled.
    pub status: JobStatus,
    /// The workbook it read or the document's file name, when it has one.
    pub file_name: Option<String>,
    /// Why it failed, in the words people see.
    pub error_message: Option<String>,
}

/// Job `id` as it ended, read for the worker of the device that ran it; `None` while it has
/// not ended (a retry put it back) or once it is gone. Device-level like the claim: the worker
/// runs every org's jobs without a session of its own.
pub(crate) async fn ended_here(ctx: &Ctx, id: i64) -> Result<Option<JobEnded>> {
    type Row = (i64, String, String, String, Option<String>, Option<String>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT j.id, o.code, j.kind, j.status, \
         COALESCE(u.original_name, json_extract(j.payload, '$.file_name')), j.error_message \
         FROM jobs j JOIN organizations o ON o.id = j.org_id \
         LEFT JOIN uploads u ON u.id = j.upload_id WHERE j.id = ?",
    )
    .bind(id)
    .fetch_optional(&ctx.db)
    .await?;
    Ok(
        row.and_then(|(id, org_code, kind, status, file_name, error_message)| {
            let status = JobStatus::parse(&status).filter(|status| status.is_terminal())?;
            Some(JobEnded {
                id,
                org_code,
                kind: JobKind::parse(&kind)?,
                status,
                file_name,
                error_message,
            })
        }),
    )
}

/// A job as people see it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobView {
    /// The job's id, by which it is cancelled, retried or waited for.
    #[ts(type = "number")]
    pub id: i64,
    /// What the job does.
    pub kind: JobKind,
    /// Where the job is in its life.
    pub status: JobStatus,
    /// How far the current attempt is, in percent (0–100).
    pub progress: u8,
    /// What the job is doing now, or where it stopped (`Storing results`, `Failed: upload`).
    pub current_step: String,
    /// The workbook's original file name, when the job works on an upload.
    pub file_name: Option<String>,
    /// Why the job failed, in words people can act on; `None` unless it failed.
    pub error_message: Option<String>,
    /// The code of the error the job failed with, when it has one of its own: the parser's
    /// (`truncated`, `password_protected`, `zip_bomb`, …) for a refused workbook.
    pub error_code: Option<String>,
    /// The job's log, oldest first: each failed attempt, and warnings such as the soft time limit.
    pub error_log: Vec<JobLogEntry>,
    /// How many times a worker has started the job (0 while it has never run).
    pub attempts: u32,
    /// When the job was queued: RFC 3339 UTC text.
    pub created_at: String,
    /// When a worker first started it; `None` while it has never run.
    pub started_at: Option<String>,
    /// When it completed, failed or was cancelled; `None` while unfinished.
    pub completed_at: Option<String>,
    /// The username of the person who queued the job, whose permissions it runs with.
    pub username: String,
    /// How the job's workbook came in: `upload` (a drop or `sitebook upload`) or `inbox`;
    /// empty for a job that reads no workbook brought in (a document, a restore).
    pub source: String,
    /// The first estimate the job stored, for a parse that has completed.
    #[ts(type = "number | null")]
    pub estimate_id: Option<i64>,
    /// Whether this person may cancel the job now (their own or anyone's, and not yet finished).
    pub can_cancel: bool,
    /// Whether this person may queue the job again: it failed or was cancelled, and not because
    /// of its own file.
    pub can_retry: bool,
    /// Whether the job shows as running, at the step it had reached, while nothing runs it: the
    /// worker that ran it was killed or hung. It runs again once a worker starts (a running
    /// one puts it back in line within a minute).
    pub interrupted: bool,
}

/// The step a job shows while it waits to run again after a failure that may pass, followed by
/// that failure in brackets.
const WAITING_TO_RETRY: &str = "Waiting to retry";

impl JobView {
    /// While the job waits to run again after a failure that may pass (a full disk, a bucket
    /// out of reach): that failure.
    pub fn waiting_to_retry(&self) -> Option<&str> {
        if self.status != JobStatus::Queued {
            return None;
        }
        let reason = self.current_step.strip_prefix(WAITING_TO_RETRY)?.trim();
        Some(
            reason
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .unwrap_or(reason),
        )
    }
}

#[derive(FromRow)]
struct JobRow {
    id: i64,
    user_id: i64,
    kind: String,
    status: String,
    progress: i64,
    current_step: String,
    file_name: Option<String>,
    error_message: Option<String>,
    error_code: Option<String>,
    error_log: String,
    attempts: i64,
    created_at: String,
    started_at: Option<String>,
    completed_at: Option<String>,
    username: String,
    source: String,
    estimate_id: Option<i64>,
    retryable: bool,
    owner: Option<String>,
    heartbeat_at: Option<String>,
}

const VIEW_SELECT: &str = "SELECT j.id, j.user_id, j.kind, j.status, j.progress, j.current_step, \
     COALESCE(u.original_name, json_extract(j.payload, '$.file_name')) AS file_name, j.error_message, j.error_code, j.error_log, j.attempts, j.created_at, \
     j.started_at, j.completed_at, p.username, \
     COALESCE(json_extract(j.payload, '$.source'), \
              CASE WHEN j.upload_id IS NULL THEN '' ELSE 'upload' END) AS source, \
     (SELECT MIN(e.id) FROM estimates e WHERE e.job_id = j.id) AS estimate_id, j.retryable, \
     j.owner, j.heartbeat_at FROM jobs j JOIN users p ON p.id = j.user_id LEFT JOIN uploads u ON u.id = j.upload_id";

fn to_view(ctx: &Ctx, row: JobRow, scope: &OrgScope) -> JobView {
    let status = JobStatus::parse(&row.status).unwrap_or(JobStatus::Failed);
    let interrupted = status == JobStatus::Running
        && interruption(ctx, row.owner.as_deref(), row.heartbeat_at.as_deref()).is_some();
    let own = row.user_id == scope.user_id();
    let may_cancel = if own {
        scope.also_permits(Action::JobCancelOwn)
    } else {
        scope.also_permits(Action::JobCancelAny)
    };
    let may_retry = if own {
        scope.also_permits(Action::JobRetry)
    } else {
        scope.also_permits(Action::JobRetryAny)
    };
    JobView {
        id: row.id,
        kind: JobKind::parse(&row.kind).unwrap_or(JobKind::ParseEstimate),
        status,
        progress: u8::try_from(row.progress).unwrap_or(0),
        current_step: row.current_step,
        file_name: row.file_name,
        error_message: row.error_message,
        error_code: row.error_code,
        error_log: serde_json::from_str(&row.error_log).unwrap_or_default(),
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        created_at: row.created_at,
        started_at: row.started_at,
        completed_at: row.completed_at,
        username: row.username,
        source: row.source,
        estimate_id: row.estimate_id,
        can_cancel: may_cancel && !status.is_terminal(),
        can_retry: may_retry
            && row.retryable
            && matches!(status, JobStatus::Failed | JobStatus::Cancelled),
        interrupted,
    }
}

/// The scope's jobs, newest first.
pub async fn list(ctx: &Ctx, scope: &OrgScope, limit: u32) -> Result<Vec<JobView>> {
    let rows = sqlx::query_as::<_, JobRow>(&format!(
        "{VIEW_SELECT} WHERE j.org_id = ? ORDER BY j.id DESC LIMIT ?"
    ))
    .bind(scope.org_id())
    .bind(limit)
    .fetch_all(&ctx.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| to_view(ctx, row, scope))
        .collect())
}

/// Which of `ids` are the scope's jobs and have completed.
pub(crate) async fn completed_among(
    ctx: &Ctx,
    scope: &OrgScope,
    ids: &[i64],
) -> Result<std::collections::HashSet<i64>> {
    let ids = serde_json::to_string(ids)
        .map_err(|e| Error::Internal(format!("could not list job ids: {e}")))?;
    let completed: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE org_id = ? AND status = 'completed' \
         AND id IN (SELECT value FROM json_each(?))",
    )
    .bind(scope.org_id())
    .bind(ids)
    .fetch_all(&ctx.db)
    .await?;
    Ok(completed.into_iter().collect())
}

/// One of the scope's jobs; another org's job is "not found".
pub async fn get(ctx: &Ctx, scope: &OrgScope, id: i64) -> Result<JobView> {
    let row =
        sqlx::query_as::<_, JobRow>(&format!("{VIEW_SELECT} WHERE j.id = ? AND j.org_id = ?"))
            .bind(id)
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?;
    let row = scope.found(ctx, row, ("job", id, "jobs")).await?;
    Ok(to_view(ctx, row, scope))
}

/// Cancels a queued job at once, or asks a running one to stop. Who may cancel was checked by
/// the caller against the job's owner.
pub async fn request_cancel(ctx: &Ctx, scope: &WriteScope, id: i64) -> Result<()> {
    let now = ctx.now_text();
    let mut tx = ctx.write_tx().await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM jobs WHERE id = ? AND org_id = ?")
            .bind(id)
            .bind(scope.org_id())
            .fetch_optional(&mut *tx)
            .await?;
    match status.as_deref().and_then(JobStatus::parse) {
        Some(JobStatus::Queued) => {
            sqlx::query(
                "UPDATE jobs SET status = 'cancelled', current_step = 'Cancelled', \
                 completed_at = ? WHERE id = ?",
            )
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            uploads::fail_upload_of_job(&mut tx, id, &now).await?;
        }
        Some(JobStatus::Running) => {
            sqlx::query("UPDATE jobs SET cancel_requested = 1 WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        Some(other) => {
            return Err(Error::Precondition(format!(
                "Job {id} is already {}; only queued or running jobs can be cancelled.",
                other.as_str()
            )))
        }
        None => return Err(scope.not_found(ctx, "job", id, "jobs").await),
    }
    tx.commit().await?;
    Ok(())
}

/// Queues a failed job again after the stored copy of its file was restored (the same bytes
/// uploaded again): its failure was the copy's, not the file's, whatever it was marked. A job
/// in any other state is left as it is. Returns whether it was queued.
/// Hands the scope's job `id`, failed because the person who queued it lost the right to act
/// ([`PERMISSION_STEP`](super::PERMISSION_STEP)), to the person of `scope`, who asks for it
/// again and whose rights it runs with from now on: run as its first owner it would only fail
/// the same way. Returns whether it changed hands.
pub(crate) async fn take_over_if_owner_lost_the_right(
    ctx: &Ctx,
    scope: &WriteScope,
    id: i64,
) -> Result<bool> {
    let taken = sqlx::query(
        "UPDATE jobs SET user_id = ? \
         WHERE id = ? AND org_id = ? AND status = 'failed' AND current_step = ? AND user_id <> ?",
    )
    .bind(scope.user_id())
    .bind(id)
    .bind(scope.org_id())
    .bind(format!("Failed: {}", super::PERMISSION_STEP))
    .bind(scope.user_id())
    .execute(&ctx.db)
    .await?
    .rows_affected()
        > 0;
    Ok(taken)
}

/// Whether the scope's job `id` failed for good because of its input (a retry is pointless).
pub(crate) async fn failed_by_its_input(ctx: &Ctx, scope: &WriteScope, id: i64) -> Result<bool> {
    let pointless: Option<bool> = sqlx::query_scalar(
        "SELECT 1 FROM jobs WHERE id = ? AND org_id = ? AND status = 'failed' AND retryable = 0",
    )
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    Ok(pointless.is_some())
}

pub(crate) async fn requeue_after_repair(ctx: &Ctx, scope: &WriteScope, id: i64) -> Result<bool> {
    start_afresh(ctx, scope, id, [JobStatus::Failed, JobStatus::Failed], true).await
}

/// Puts the scope's job `id` back in line as new, if it is in one of `from`, keeping only its
/// log; `retryable_again` clears a "the file is at fault" mark. Returns whether it was.
async fn start_afresh(
    ctx: &Ctx,
    scope: &WriteScope,
    id: i64,
    from: [JobStatus; 2],
    retryable_again: bool,
) -> Result<bool> {
    let queued = sqlx::query(
        "UPDATE jobs SET status = 'queued', next_run_at = ?, cancel_requested = 0, \
         retryable = CASE WHEN ? THEN 1 ELSE retryable END, progress = 0, \
         current_step = 'Queued', started_at = NULL, completed_at = NULL, \
         error_message = NULL, error_code = NULL \
         WHERE id = ? AND org_id = ? AND status IN (?, ?)",
    )
    .bind(ctx.now_text())
    .bind(retryable_again)
    .bind(id)
    .bind(scope.org_id())
    .bind(from[0].as_str())
    .bind(from[1].as_str())
    .execute(&ctx.db)
    .await?
    .rows_affected()
        > 0;
    if queued {
        ctx.wake.notify_waiters();
    }
    Ok(queued)
}

/// Puts a failed or cancelled job back in the queue at a person's request. It starts afresh:
/// its elapsed time counts from the new start, and its log keeps the earlier attempts.
///
/// A completed job is run again too when one of its files is gone, from the data folder or
/// with its row in a cleanup of outputs never saved: a document's job renders the same files
/// from the same frozen inputs, a parse reads its stored workbook again and keeps the estimate
/// it stored then; a file whose row remains keeps that row.
pub async fn requeue(ctx: &Ctx, scope: &WriteScope, id: i64) -> Result<()> {
    let row: Option<(String, bool, String)> =
        sqlx::query_as("SELECT status, retryable, kind FROM jobs WHERE id = ? AND org_id = ?")
            .bind(id)
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?;
    let retryable = row.as_ref().is_none_or(|(_, retryable, _)| *retryable);
    match row
        .as_ref()
        .and_then(|(status, _, _)| JobStatus::parse(status))
    {
        Some(JobStatus::Completed)
            if row.as_ref().is_some_and(|(_, _, kind)| makes_files(kind)) =>
        {
            use crate::store::outputs::JobFiles;
            match crate::store::outputs::files_of_job(ctx, scope, id).await? {
                JobFiles::SomeGone { .. } => {
                    let from = [JobStatus::Completed, JobStatus::Completed];
                    start_afresh(ctx, scope, id, from, false).await?;
                    Ok(())
                }
                JobFiles::Withdrawn => Err(Error::Precondition(format!(
                    "Job {id} made a document that was withdrawn; its files are kept as they \
                     were and are not made again."
                ))),
                JobFiles::AllHere => Err(Error::Precondition(format!(
                    "Job {id} is completed and its files are all here; there is nothing to make \
                     again."
                ))),
                JobFiles::NoneRecorded => Err(Error::Precondition(format!(
                    "Job {id} is completed and made no files; there is nothing of it to make \
                     again."
                ))),
            }
        }
        Some(JobStatus::Failed) if !retryable => Err(Error::Precondition(format!(
            "Job {id} failed because of its file, and reading the same file again would fail \
             the same way. Fix the workbook and upload it again."
        ))),
        Some(JobStatus::Failed | JobStatus::Cancelled) => {
            let from = [JobStatus::Failed, JobStatus::Cancelled];
            start_afresh(ctx, scope, id, from, false).await?;
            Ok(())
        }
        Some(other) => Err(Error::Precondition(format!(
            "Job {id} is {}; only failed or cancelled jobs can be retried.",
            other.as_str()
        ))),
        None => Err(scope.not_found(ctx, "job", id, "jobs").await),
    }
}

/// Whether jobs of `kind` make files that the job can make again. A restore's files come from
/// the bucket, not from inputs it could read again.
fn makes_files(kind: &str) -> bool {
    JobKind::parse(kind).is_some_and(|kind| kind != JobKind::RestoreOutputs)
}

/// What became of a job's files, as the Outputs pane tells it beside the job's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobFilesView {
    /// Files the job made that a cleanup of outputs never saved removed, with their rows.
    pub removed: u32,
    /// Files whose rows remain but which are gone from the data folder.
    pub missing: u32,
    /// Whether retrying the job makes them again: it completed, makes its files from inputs it
    /// keeps, and its document was not withdrawn.
    pub can_make_again: bool,
}

/// What became of the files of the scope's job `id`.
pub async fn files_of(ctx: &Ctx, scope: &OrgScope, id: i64) -> Result<JobFilesView> {
    use crate::store::outputs::JobFiles;
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT status, kind FROM jobs WHERE id = ? AND org_id = ?")
            .bind(id)
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?;
    let Some((status, kind)) = row else {
        return Err(scope.not_found(ctx, "job", id, "jobs").await);
    };
    let none = JobFilesView {
        removed: 0,
        missing: 0,
        can_make_again: false,
    };
    if JobStatus::parse(&status) != Some(JobStatus::Completed) || !makes_files(&kind) {
        return Ok(none);
    }
    Ok(
        match crate::store::outputs::files_of_job(ctx, scope, id).await? {
            JobFiles::SomeGone { missing, removed } => JobFilesView {
                removed,
                missing,
                can_make_again: true,
            },
            JobFiles::Withdrawn | JobFiles::AllHere | JobFiles::NoneRecorded => none,
        },
    )
}

/// The owner of a job in the scope, to decide between "cancel own" and "cancel any".
pub(crate) async fn job_owner(ctx: &Ctx, scope: &OrgScope, id: i64) -> Result<i64> {
    let owner: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM jobs WHERE id = ? AND org_id = ?")
            .bind(id)
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?;
    scope.found(ctx, owner, ("job", id, "jobs")).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(progress_stored_at: std::time::Instant) -> ClaimedJob {
        ClaimedJob {
            id: 1,
            org_id: 1,
            user_id: 1,
            upload_id: None,
            kind: JobKind::ParseEstimate,
            payload: "{}".into(),
            attempts: 1,
            made_before: false,
            progress_stored_at: std::sync::Arc::new(std::sync::Mutex::new(progress_stored_at)),
        }
    }

    #[test]
    fn steps_of_a_short_job_are_announced_but_not_each_written() {
        // Just claimed: the claim wrote the row, so the next steps wait for the interval.
        let job = claimed(std::time::Instant::now());
        assert!(!job.progress_store_due());
        assert!(!job.progress_store_due());

        // A job whose last write is older than the interval writes the next step, once.
        let long_ago = std::time::Instant::now() - PROGRESS_STORE_INTERVAL * 2;
        let job = claimed(long_ago);
        assert!(job.progress_store_due());
        assert!(
            !job.progress_store_due(),
            "the write just made starts a new interval"
        );
    }
}
