//! [`Base`], the part of the core's context that every layer may use: the database pools, the
//! clock, this device's name and the data dir.
//!
//! The store and the tenancy layers take a `&Base`; the full [`crate::Ctx`] adds the job engine,
//! the syncer's tuning and the keyring and dereferences to its `Base`, so a caller higher up
//! passes its `&Ctx` unchanged while the lower layers cannot reach what sits above them.
//!
//! The syncer's settings ([`SyncTuning`], [`BucketTimeouts`]) and how far its bucket checks have
//! got ([`ChecksUnderway`]) are plain values kept here rather than in `sync/`, so the context can
//! carry them without its lower users importing the syncer.

use std::time::Duration;

use crate::clock;
use crate::error::{Error, Result};

/// The database, the clock, this device and the data dir. See the module docs.
#[derive(Clone)]
pub struct Base {
    pub(crate) db: sqlx::SqlitePool,
    /// The same database for writes a power cut may lose without harm, committed without an
    /// fsync ([`crate::store::open_courtesy`]): progress, heartbeats, an upload's processing mark
    /// and a job's claim. Everything else goes through `db`.
    pub(crate) courtesy_db: sqlx::SqlitePool,
    pub(crate) clock: clock::Clock,
    pub(crate) device: String,
    pub(crate) data_dir: std::path::PathBuf,
    /// Taken while this process writes an audit row outside a transaction: each row links to
    /// the chain's head, and two of this process's writers racing for one head cost a failed
    /// insert and a retry (about a quarter of a burst's job authorizations).
    pub(crate) audit_head: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Base {
    /// A transaction that takes the write lock up front. Every transaction here reads and then
    /// writes; a deferred one would fail with SQLITE_BUSY_SNAPSHOT instead of waiting when
    /// another connection wrote in between.
    ///
    /// It is begun in a task of its own because sqlx 0.8's `begin` is not cancel-safe: a caller
    /// dropped after `BEGIN` was sent, but before the transaction object existed (an aborted
    /// task, a timeout), returned its connection to the pool inside a transaction nothing would
    /// end, and every later writer met "database is locked". In its own task the transaction
    /// always comes into being; when nobody is left to take it, dropping it rolls it back.
    pub(crate) async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        let pool = self.db.clone();
        tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await })
            .await
            .map_err(|e| Error::Internal(format!("could not begin a transaction: {e}")))?
            .map_err(Error::from)
    }

    pub(crate) fn now_text(&self) -> String {
        clock::to_db_time(self.clock.now())
    }
}

/// How far a check of one organization's bucket has got, while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BucketCheckProgress {
    /// Whether every object is read back and hashed (the deep check).
    pub deep: bool,
    /// Names listed so far in the organization's folder.
    #[ts(type = "number")]
    pub listed: u64,
    /// Synced outputs compared so far; 0 while the listing runs.
    #[ts(type = "number")]
    pub compared: u64,
    /// Synced outputs to compare; 0 while the listing runs.
    #[ts(type = "number")]
    pub outputs: u64,
}

/// The bucket checks this process runs, by organization: shown in the sync status while they
/// run, so a deep check of a large bucket is seen to move.
#[derive(Debug, Default)]
pub struct ChecksUnderway {
    running: std::sync::Mutex<std::collections::HashMap<i64, (u64, BucketCheckProgress)>>,
    next_ticket: std::sync::atomic::AtomicU64,
}

impl ChecksUnderway {
    /// Records that a check of `org_id` started; the ticket lets only this check update and end
    /// the entry (a later one for the same organization takes the entry over).
    pub(crate) fn start(&self, org_id: i64, deep: bool) -> u64 {
        let ticket = self
            .next_ticket
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let progress = BucketCheckProgress {
            deep,
            listed: 0,
            compared: 0,
            outputs: 0,
        };
        self.lock().insert(org_id, (ticket, progress));
        ticket
    }

    pub(crate) fn update(
        &self,
        org_id: i64,
        ticket: u64,
        change: impl FnOnce(&mut BucketCheckProgress),
    ) {
        if let Some((held, progress)) = self.lock().get_mut(&org_id) {
            if *held == ticket {
                change(progress);
            }
        }
    }

    pub(crate) fn end(&self, org_id: i64, ticket: u64) {
        let mut running = self.lock();
        if running
            .get(&org_id)
            .is_some_and(|(held, _)| *held == ticket)
        {
            running.remove(&org_id);
        }
    }

    /// The check of `org_id` underway in this process, if any.
    pub(crate) fn of(&self, org_id: i64) -> Option<BucketCheckProgress> {
        self.lock().get(&org_id).map(|(_, progress)| *progress)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<i64, (u64, BucketCheckProgress)>> {
        // Only plain numbers are written under the lock: a panic elsewhere cannot leave them
        // half-changed.
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How the syncer works; the defaults are the product's, tests shorten the times.
#[derive(Debug, Clone)]
pub struct SyncTuning {
    /// Uploads at a time per organization.
    pub concurrency: usize,
    /// Rows claimed at a time.
    pub batch: u32,
    /// How long the bucket's requests may take, and how they retry and reuse connections.
    pub timeouts: BucketTimeouts,
    /// First retry delay of a transient failure; doubles up to 15 minutes.
    pub retry_base: Duration,
    /// How often the background syncer looks at the outbox.
    pub poll_interval: Duration,
    /// How often the background syncer also lists each bucket for outputs deleted or replaced
    /// there, counted from the last check of that bucket by anyone (kept with the target), and
    /// once after its settings are saved.
    pub check_every: Duration,
    /// Files larger than this go up in parts (multipart upload), read from disk part by part.
    pub multipart_threshold: u64,
    /// The size of each part (S3 needs at least 5 MiB for every part but the last).
    pub part_size: usize,
}

impl Default for SyncTuning {
    fn default() -> Self {
        Self {
            concurrency: 4,
            batch: 64,
            timeouts: BucketTimeouts::default(),
            retry_base: Duration::from_secs(10),
            poll_interval: Duration::from_secs(15),
            check_every: Duration::from_secs(24 * 60 * 60),
            multipart_threshold: 32 * 1024 * 1024,
            part_size: 8 * 1024 * 1024,
        }
    }
}

/// How long requests may take (tests shorten them).
#[derive(Debug, Clone)]
pub struct BucketTimeouts {
    /// The longest a connection to the endpoint may take to open.
    pub connect: Duration,
    /// The longest one request may take, from sending to the last byte of the answer.
    pub request: Duration,
    /// Retries inside one call, before the outbox's own backoff takes over.
    pub retries: usize,
    /// Keep idle connections for the next request (tests turn it off so that every request
    /// opens its own connection through their fault proxy).
    pub keep_connections: bool,
}

impl Default for BucketTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(60),
            retries: 2,
            keep_connections: true,
        }
    }
}
