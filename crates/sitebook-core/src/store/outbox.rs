//! The sync outbox table (`sync_outbox`): one row per output file, enqueued in the same
//! transaction as the output's own row, and moved along by the syncer.
//!
//! States: `pending` (due at `next_attempt_at`), `uploading` (claimed by a syncer; a crash
//! leaves it so, and start-up puts it back to pending), `synced`, `conflict` (another device
//! already had other content under the key, so this copy went under a conflict key), and
//! `failed` (the bucket refused it for a reason a retry cannot fix).

use serde::Serialize;
use sqlx::{Sqlite, Transaction};
use ts_rs::TS;

use crate::clock::to_db_time;
use crate::context::Base;
use crate::error::Result;
use crate::tenancy::gate::{OrgScope, WriteScope};

/// Queues the upload of an output inside the transaction that records it. A re-run job that
/// rewrote the file with other content queues it again.
pub(crate) async fn enqueue_in(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
    output_id: i64,
    sha256: &str,
) -> Result<()> {
    let now = ctx.now_text();
    sqlx::query(
        "INSERT INTO sync_outbox (org_id, output_id, sha256, state, next_attempt_at, created_at) \
         VALUES (?, ?, ?, 'pending', ?, ?) \
         ON CONFLICT (output_id) DO UPDATE SET sha256 = excluded.sha256, state = 'pending', \
         attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL \
         WHERE sync_outbox.sha256 != excluded.sha256",
    )
    .bind(scope.org_id())
    .bind(output_id)
    .bind(sha256)
    .bind(&now)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A file fetched from the bucket is already there: its row is synced under the key it came
/// from, so the syncer never sends it back.
pub(crate) async fn mark_restored_in(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
    output_id: i64,
    key: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE sync_outbox SET state = 'synced', object_key = ?, last_error = NULL, \
         synced_at = ? WHERE output_id = ? AND org_id = ?",
    )
    .bind(key)
    .bind(ctx.now_text())
    .bind(output_id)
    .bind(scope.org_id())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One output waiting to go to the bucket.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct OutboxItem {
    pub id: i64,
    pub sha256: String,
    pub filename: String,
    pub kind: String,
    pub stored_path: String,
    pub attempts: i64,
    /// The key may hold other bytes under our sha256 (a deep check found them): read them back
    /// before counting the output as already there.
    pub check_content: bool,
}

/// Claims up to `limit` due rows of the scope's org for upload.
pub(crate) async fn claim_due(
    ctx: &Base,
    scope: &WriteScope,
    limit: u32,
) -> Result<Vec<OutboxItem>> {
    let mut tx = ctx.write_tx().await?;
    let items: Vec<OutboxItem> = sqlx::query_as(
        "SELECT o.id, o.sha256, f.filename, f.kind, f.stored_path, o.attempts, o.check_content \
         FROM sync_outbox o JOIN output_files f ON f.id = o.output_id \
         WHERE o.org_id = ? AND o.state = 'pending' AND o.next_attempt_at <= ? \
         ORDER BY o.next_attempt_at, o.id LIMIT ?",
    )
    .bind(scope.org_id())
    .bind(ctx.now_text())
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    for item in &items {
        sqlx::query(
            "UPDATE sync_outbox SET state = 'uploading', attempts = attempts + 1, \
             claimed_by = ? WHERE id = ?",
        )
        .bind(std::process::id())
        .bind(item.id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(items)
}

/// Where an upload ended.
pub(crate) enum Settled<'a> {
    Synced {
        key: &'a str,
    },
    Conflict {
        key: &'a str,
        note: &'a str,
    },
    RetryAt {
        at: chrono::DateTime<chrono::Utc>,
        error: &'a str,
    },
    Failed {
        error: &'a str,
    },
}

/// Records how the upload of row `id` ended.
pub(crate) async fn settle(
    ctx: &Base,
    scope: &WriteScope,
    id: i64,
    how: Settled<'_>,
) -> Result<()> {
    let now = ctx.now_text();
    let query = match how {
        Settled::Synced { key } => sqlx::query(
            "UPDATE sync_outbox SET state = 'synced', object_key = ?, last_error = NULL, \
             synced_at = ?, check_content = 0 WHERE id = ? AND org_id = ?",
        )
        .bind(key.to_string())
        .bind(now),
        Settled::Conflict { key, note } => sqlx::query(
            "UPDATE sync_outbox SET state = 'conflict', object_key = ?, last_error = ?, \
             synced_at = ?, check_content = 0 WHERE id = ? AND org_id = ?",
        )
        .bind(key.to_string())
        .bind(note.to_string())
        .bind(now),
        Settled::RetryAt { at, error } => sqlx::query(
            "UPDATE sync_outbox SET state = 'pending', next_attempt_at = ?, last_error = ? \
             WHERE id = ? AND org_id = ?",
        )
        .bind(to_db_time(at))
        .bind(error.to_string()),
        Settled::Failed { error } => sqlx::query(
            "UPDATE sync_outbox SET state = 'failed', last_error = ? WHERE id = ? AND org_id = ?",
        )
        .bind(error.to_string()),
    };
    query.bind(id).bind(scope.org_id()).execute(&ctx.db).await?;
    Ok(())
}

/// Makes the scope's rows that wait out a retry's backoff due now, their old problem said no
/// more: a person who asks to sync now, or saves new settings, has most often just fixed what
/// failed (the network is back, the endpoint is right now). The backoff is for the background
/// syncer, which must not hammer a server that is down.
pub(crate) async fn due_now(ctx: &Base, scope: &WriteScope) -> Result<u64> {
    let now = ctx.now_text();
    Ok(sqlx::query(
        "UPDATE sync_outbox SET next_attempt_at = ?, last_error = NULL \
         WHERE org_id = ? AND state = 'pending' AND next_attempt_at > ?",
    )
    .bind(&now)
    .bind(scope.org_id())
    .bind(&now)
    .execute(&ctx.db)
    .await?
    .rows_affected())
}

/// Says `problem` on the scope's waiting rows, leaving when they are due as it was: the problem
/// of a pass that stopped before it reached any row, shown as the org's last problem.
pub(crate) async fn note_problem(ctx: &Base, scope: &WriteScope, problem: &str) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE sync_outbox SET last_error = ? WHERE org_id = ? AND state = 'pending'")
            .bind(problem)
            .bind(scope.org_id())
            .execute(&ctx.db)
            .await?
            .rows_affected(),
    )
}

/// Puts the scope's failed rows back in line (after the settings were fixed).
pub(crate) async fn retry_failed(ctx: &Base, scope: &WriteScope) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE sync_outbox SET state = 'pending', next_attempt_at = ? \
         WHERE org_id = ? AND state = 'failed'",
    )
    .bind(ctx.now_text())
    .bind(scope.org_id())
    .execute(&ctx.db)
    .await?
    .rows_affected())
}

/// Rows of the scope's org left `uploading` by a process that is gone (a `sync run` stopped
/// with Ctrl-C or killed) go back to `pending`, so that the next pass sends them instead of
/// waiting on them for ever. Rows another live process is sending are left to it.
pub(crate) async fn release_abandoned(ctx: &Base, scope: &WriteScope) -> Result<u64> {
    let claimed: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, claimed_by FROM sync_outbox WHERE org_id = ? AND state = 'uploading'",
    )
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?;
    let own = i64::from(std::process::id());
    let mut released = 0;
    for (id, claimer) in claimed {
        let gone = match claimer {
            Some(pid) if pid == own => false,
            Some(pid) => {
                u32::try_from(pid).map_or(true, |pid| !crate::store::files::process_is_alive(pid))
            }
            None => true,
        };
        if gone {
            released += sqlx::query(
                "UPDATE sync_outbox SET state = 'pending' WHERE id = ? AND state = 'uploading' \
                 AND claimed_by IS ?",
            )
            .bind(id)
            .bind(claimer)
            .execute(&ctx.db)
            .await?
            .rows_affected();
        }
    }
    Ok(released)
}

/// Every output of the scope's org is sent again: the target moved to another endpoint,
/// bucket or prefix, which holds none of what the old one did.
pub(crate) async fn resend_all(ctx: &Base, scope: &WriteScope) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE sync_outbox SET state = 'pending', attempts = 0, last_error = NULL, \
         object_key = NULL, synced_at = NULL, next_attempt_at = ? \
         WHERE org_id = ? AND state IN ('synced', 'conflict', 'failed')",
    )
    .bind(ctx.now_text())
    .bind(scope.org_id())
    .execute(&ctx.db)
    .await?
    .rows_affected())
}

/// An output the outbox counts as in the bucket: where it went and how big it is.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct SentOutput {
    pub id: i64,
    pub filename: String,
    pub object_key: String,
    pub size: i64,
    pub sha256: String,
}

/// The scope's rows that are `synced` or `conflict`, with the key each went under.
pub(crate) async fn sent(ctx: &Base, scope: &OrgScope) -> Result<Vec<SentOutput>> {
    Ok(sqlx::query_as(
        "SELECT o.id, f.filename, o.object_key, f.size, o.sha256 \
         FROM sync_outbox o JOIN output_files f ON f.id = o.output_id \
         WHERE o.org_id = ? AND o.state IN ('synced', 'conflict') \
         AND o.object_key IS NOT NULL ORDER BY o.id",
    )
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?)
}

/// Rows of the scope's org go back in line as new, each with whether its upload must compare
/// the bytes its key holds: their objects are no longer what the bucket holds. Rows that moved
/// on meanwhile (another pass re-sent them) are left alone.
pub(crate) async fn send_again(
    ctx: &Base,
    scope: &WriteScope,
    rows: &[(i64, bool)],
) -> Result<u64> {
    let mut tx = ctx.write_tx().await?;
    let mut queued = 0;
    for (id, check_content) in rows {
        queued += sqlx::query(
            "UPDATE sync_outbox SET state = 'pending', attempts = 0, last_error = NULL, \
             object_key = NULL, synced_at = NULL, next_attempt_at = ?, check_content = ? \
             WHERE id = ? AND org_id = ? AND state IN ('synced', 'conflict')",
        )
        .bind(ctx.now_text())
        .bind(check_content)
        .bind(id)
        .bind(scope.org_id())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(queued)
}

/// Rows a crashed syncer left `uploading` go back to `pending`. Run at start-up, before this
/// process's syncer claims rows (the system plane: no person is acting). Another process's rows
/// in flight may be released too; sending them twice is harmless, as the puts are create-only
/// and the same content under a key counts as synced.
pub(crate) async fn release_interrupted(ctx: &Base) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE sync_outbox SET state = 'pending' WHERE state = 'uploading'")
            .execute(&ctx.db)
            .await?
            .rows_affected(),
    )
}

/// How far the scope's org's outputs are synced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutboxCounts {
    /// Outputs waiting for their first or next upload attempt.
    #[ts(type = "number")]
    pub pending: i64,
    /// Outputs a syncer is sending now.
    #[ts(type = "number")]
    pub uploading: i64,
    /// Outputs stored in the bucket.
    #[ts(type = "number")]
    pub synced: i64,
    /// Outputs another device already had other content for, stored under a conflict key instead.
    #[ts(type = "number")]
    pub conflict: i64,
    /// Outputs the bucket refused for a reason a retry cannot fix.
    #[ts(type = "number")]
    pub failed: i64,
    /// The most recent error of a row not yet synced.
    pub last_error: Option<String>,
    /// When an output last reached the bucket.
    pub last_success: Option<String>,
}

pub(crate) async fn counts(ctx: &Base, scope: &OrgScope) -> Result<OutboxCounts> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, COUNT(*) FROM sync_outbox WHERE org_id = ? GROUP BY state")
            .bind(scope.org_id())
            .fetch_all(&ctx.db)
            .await?;
    let mut counts = OutboxCounts::default();
    for (state, n) in rows {
        match state.as_str() {
            "pending" => counts.pending = n,
            "uploading" => counts.uploading = n,
            "synced" => counts.synced = n,
            "conflict" => counts.conflict = n,
            _ => counts.failed += n,
        }
    }
    // A failure's own words first: rows a failure stopped from being tried carry a note
    // that says only that, and would hide the cause.
    counts.last_error = sqlx::query_scalar(
        "SELECT last_error FROM sync_outbox WHERE org_id = ? AND state IN ('pending', 'failed') \
         AND last_error IS NOT NULL \
         ORDER BY state = 'failed' DESC, next_attempt_at DESC, id DESC LIMIT 1",
    )
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    counts.last_success = sqlx::query_scalar(
        "SELECT MAX(synced_at) FROM sync_outbox WHERE org_id = ? AND synced_at IS NOT NULL",
    )
    .bind(scope.org_id())
    .fetch_one(&ctx.db)
    .await?;
    Ok(counts)
}

/// Where the scope's output `output_id` is in the bucket, once it is there.
pub(crate) async fn object_key_of(
    ctx: &Base,
    scope: &OrgScope,
    output_id: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT object_key FROM sync_outbox WHERE output_id = ? AND org_id = ? \
         AND state IN ('synced', 'conflict')",
    )
    .bind(output_id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?
    .flatten())
}
