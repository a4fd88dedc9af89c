//! Sitebook core: everything the product does, with no window.
//!
//! The CLI and the desktop shell are two thin faces over [`api::Sitebook`]. Inside, every
//! org-scoped operation passes through the one gate ([`tenancy::gate::authorize`]), which checks
//! the permission matrix ([`domain::permissions`]), writes the audit row, and hands out the
//! [`tenancy::gate::OrgScope`] that org-owned data requires.
//!
//! Layers import only downward, in this order (top first):
//! `api` → `inbox`, `sync` → `documents` → `jobs` → `store` → `tenancy`, `excel`,
//! `pdf`/`xlsx` → `render` → `domain`. The job engine runs work it does not know: the modules above it register a
//! handler per kind of job when the core opens. `Ctx` below carries what every layer needs.

pub mod allocator;
pub mod api;
pub mod clock;
pub mod documents;
pub mod domain;
pub mod error;
pub mod excel;
pub mod inbox;
pub mod jobs;
pub mod logging;
pub mod pdf;
pub mod render;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod tenancy;
pub mod xlsx;

pub use api::Sitebook;
pub use error::{ApiError, Error, ErrorCode, Result};

/// The allocator every Sitebook program installs (`#[global_allocator]`); see [`allocator`].
pub use allocator::Allocator;

/// What every core operation needs: the database, the clock and the name of this device.
/// Only [`Sitebook::open`] builds one; outside the crate it is an opaque handle.
#[derive(Clone)]
pub struct Ctx {
    pub(crate) db: sqlx::SqlitePool,
    /// The same database for writes a power cut may lose without harm, committed without an
    /// fsync ([`store::open_courtesy`]): progress, heartbeats, an upload's processing mark and
    /// a job's claim. Everything else goes through `db`.
    pub(crate) courtesy_db: sqlx::SqlitePool,
    pub(crate) clock: clock::Clock,
    pub(crate) device: String,
    pub(crate) data_dir: std::path::PathBuf,
    pub(crate) jobs: std::sync::Arc<jobs::JobSettings>,
    /// What runs each kind of job, registered by the modules that own the work.
    pub(crate) handlers: std::sync::Arc<jobs::JobHandlers>,
    /// Where secrets are kept: the OS keyring, or a store a test supplies.
    pub(crate) keyring: secrets::Keyring,
    pub(crate) sync: std::sync::Arc<sync::SyncTuning>,
    /// Largest upload accepted, in bytes.
    pub(crate) max_upload_bytes: u64,
    /// Progress and status changes of jobs run by this process.
    pub(crate) events: tokio::sync::broadcast::Sender<jobs::JobEvent>,
    /// The id of an org whose outbox this process just changed (the syncer's progress).
    pub(crate) sync_news: tokio::sync::broadcast::Sender<i64>,
    /// Wakes idle workers when this process queues a job.
    pub(crate) wake: std::sync::Arc<tokio::sync::Notify>,
    /// Parse worker processes waiting for their next file.
    pub(crate) parse_workers: std::sync::Arc<jobs::worker_process::IdleWorkers>,
}

impl Ctx {
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
