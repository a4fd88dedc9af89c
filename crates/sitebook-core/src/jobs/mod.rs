//! The job engine: a persistent queue in SQLite, a pool of tokio workers that claim jobs
//! atomically, progress that is stored and pushed to subscribers, retries with exponential
//! backoff for transient failures, soft and hard time limits, cancellation, and recovery of jobs
//! a crash left running.
//!
//! A job runs with the permissions of the person who queued it: before each run the engine
//! rebuilds that person's session and passes the one gate again, so a membership revoked while
//! the job waited stops it. Untrusted workbooks are parsed in child processes, reused from
//! file to file ([`worker_process`]), with a memory limit and a time limit.

pub mod cleanup;
pub mod device;
pub(crate) mod group_commit;
pub(crate) mod intake;
pub mod parse_estimate;
pub mod pool;
pub mod queue;
pub mod worker_process;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::excel::Limits;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobKind {
    /// Reading an uploaded workbook (in a child process) and storing its estimates.
    ParseEstimate,
    /// Rendering a recorded bill as PDF and XLSX outputs.
    GenerateBill,
    /// Rendering a recorded work slip as PDF and XLSX outputs.
    GenerateWorkslip,
    /// Rendering an estimate's abstract (its items and footer) as PDF and XLSX outputs.
    GenerateEstimateAbstract,
    /// Fetching the org's outputs from its sync bucket (a new laptop).
    RestoreOutputs,
}

impl JobKind {
    /// Every kind, for parsing the stored name back.
    pub const ALL: [JobKind; 5] = [
        JobKind::ParseEstimate,
        JobKind::GenerateBill,
        JobKind::GenerateWorkslip,
        JobKind::GenerateEstimateAbstract,
        JobKind::RestoreOutputs,
    ];

    /// The snake_case name stored in the `jobs` table.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::ParseEstimate => "parse_estimate",
            JobKind::GenerateBill => "generate_bill",
            JobKind::GenerateWorkslip => "generate_workslip",
            JobKind::GenerateEstimateAbstract => "generate_estimate_abstract",
            JobKind::RestoreOutputs => "restore_outputs",
        }
    }

    /// Reads a kind from its stored name; `None` for a name this version does not know.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum JobStatus {
    /// Waiting for a worker (new, retried after a transient failure, or put back after a crash).
    Queued,
    /// Claimed by a worker in some process, which keeps its heartbeat fresh.
    Running,
    /// Finished successfully; its results are stored.
    Completed,
    /// Stopped for good with an error; people may retry it unless its own file made it fail.
    Failed,
    /// Stopped at someone's request before it finished.
    Cancelled,
}

impl JobStatus {
    /// The lowercase name stored in the `jobs` table.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a status from its stored name; `None` for an unknown one.
    pub fn parse(text: &str) -> Option<Self> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Completed,
            JobStatus::Failed,
            JobStatus::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    /// Completed, failed or cancelled: nothing will happen to it unless someone retries.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

/// One entry of a job's error log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct JobLogEntry {
    /// When the entry was written: RFC 3339 UTC text.
    pub at: String,
    /// Which attempt it concerns, counting from 1; 0 for an upload refused before any attempt.
    pub attempt: u32,
    /// The step the job had reached.
    pub step: String,
    /// The error (or the warning, such as the soft time limit), in the words people see.
    pub error: String,
}

/// A change of a job's progress or status, pushed to subscribers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobEvent {
    /// The job whose progress or status changed.
    #[ts(type = "number")]
    pub job_id: i64,
    /// The job's organization, so each subscriber gets only its own org's jobs; not sent to the UI.
    #[serde(skip)]
    #[ts(skip)]
    pub org_id: i64,
    /// The job's status after the change.
    pub status: JobStatus,
    /// How far the job is, in percent (0–100).
    pub progress: u8,
    /// What the job is doing now, in words (`File read`, `Storing results`).
    pub current_step: String,
}

/// Which program parses untrusted workbooks.
#[derive(Debug, Clone)]
pub enum WorkerProgram {
    /// This same executable, started with [`worker_process::WORKER_ARG`] (the CLI and the
    /// desktop app both answer to it).
    CurrentExe,
    /// A dedicated program that answers to the same arguments (used by the core's own tests).
    Program(PathBuf),
}

/// How jobs run. The defaults are the product's; tests shorten the times.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// Workers in the pool; defaults to the number of cores.
    pub workers: usize,
    /// Jobs each worker keeps claimed at once. Only one of them parses or renders at a time
    /// (the pool has one CPU slot per worker); the others pass the gate, read their upload or
    /// wait for the database's write lock meanwhile, so a worker's core is not idle during
    /// those waits. With more than one, files may be read a few places out of upload order;
    /// 1 keeps the order exactly.
    pub jobs_in_flight_per_worker: usize,
    /// First retry delay; the n-th retry waits `retry_base × 2ⁿ⁻¹`.
    pub retry_base: Duration,
    /// Retries after the first attempt, for transient failures only.
    pub max_retries: u32,
    /// Past this a job is asked to stop at its next checkpoint, with a warning in its log.
    pub soft_limit: Duration,
    /// Past this the worker process is killed.
    pub hard_limit: Duration,
    /// Memory (data) limit of the parse worker process.
    pub worker_memory_bytes: u64,
    /// Which program the parse worker processes run.
    pub worker_program: WorkerProgram,
    /// Files a parse worker process reads before it is replaced.
    pub files_per_worker: u32,
    /// Extra arguments for the worker (tests use them to slow it down).
    pub worker_extra_args: Vec<String>,
    /// Limits checked before a workbook is read.
    pub parse_limits: Limits,
    /// How often idle workers look for work queued by another process.
    pub poll_interval: Duration,
    /// Outputs never downloaded are removed after this many days.
    pub retention_days: u32,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(2),
            // Four beat two by about 8 % in a 200-file burst; eight were little better than
            // four (BENCHMARKS.md, throughput).
            jobs_in_flight_per_worker: 4,
            retry_base: Duration::from_secs(60),
            max_retries: 3,
            soft_limit: Duration::from_secs(25 * 60),
            hard_limit: Duration::from_secs(30 * 60),
            worker_memory_bytes: 1 << 30,
            worker_program: WorkerProgram::CurrentExe,
            files_per_worker: worker_process::FILES_PER_WORKER,
            worker_extra_args: Vec::new(),
            parse_limits: Limits::default(),
            poll_interval: Duration::from_millis(500),
            retention_days: 30,
        }
    }
}

/// How one attempt of a job ended: done, or the step it stopped at and why.
pub(crate) type Attempt = Result<(), (String, RunFailure)>;

/// What a handler hands back to its worker.
pub(crate) enum Ran {
    /// The attempt is over, done or not.
    Ended(Attempt),
    /// The work is done and its results wait in the group commit ([`group_commit`]): the worker
    /// takes its next job at once, and the attempt ends when this future does.
    Committing(Pin<Box<dyn Future<Output = Attempt> + Send + 'static>>),
}

impl From<Attempt> for Ran {
    fn from(attempt: Attempt) -> Self {
        Ran::Ended(attempt)
    }
}

/// The step a job fails at when the person it acts for lost the right to: the job itself was
/// never at fault.
pub(crate) const PERMISSION_STEP: &str = "permission";

/// The write proof a job acts with: the person who queued it, in the job's org, for `action`
/// (`may_what` finishes "… may no longer …" when they lost the right). A lost right is a
/// permanent failure of the `permission` step; a database hiccup, in reading the session or in
/// writing the gate's audit row, is retried like any other.
pub(crate) async fn write_scope_for(
    ctx: &Ctx,
    job: &queue::ClaimedJob,
    action: crate::domain::permissions::Action,
    may_what: &str,
) -> Result<crate::tenancy::gate::WriteScope, (String, RunFailure)> {
    use crate::error::Error;
    let session = crate::tenancy::session::job_session(ctx, job.user_id, job.org_id)
        .await
        .map_err(|e| (PERMISSION_STEP.to_string(), e.into()))?;
    let username = session.user().username.clone();
    crate::tenancy::gate::authorize_job_write(ctx, session, action, job.id)
        .await
        .map_err(|e| {
            let failure = match e {
                Error::Denied(_) | Error::NoActiveOrg => {
                    RunFailure::Permanent(format!("{username} may no longer {may_what}: {e}"))
                }
                other => other.into(),
            };
            (PERMISSION_STEP.to_string(), failure)
        })
}

/// One of the pool's CPU slots, for a step that parses or renders. A job that must wait for
/// one says so (`waiting`, at `progress`), so that the jobs a worker keeps claimed during a
/// burst do not all look busy. The step is announced at once and stored when a store is due or
/// the wait is long ([`queue::wait_in_step`]); failing to store it is only logged.
pub(crate) async fn cpu_slot<'a>(
    ctx: &'a Ctx,
    job: &queue::ClaimedJob,
    progress: u8,
    waiting: &str,
) -> Option<tokio::sync::SemaphorePermit<'a>> {
    if let Ok(slot) = ctx.cpu_slots.try_acquire() {
        return Some(slot);
    }
    if let Err(error) = queue::report(ctx, job, progress, waiting).await {
        tracing::debug!(job = job.id, %error, "could not store a waiting step");
    }
    // Closed never; were it closed, working without a slot is still correct.
    queue::wait_in_step(ctx, job, progress, waiting, ctx.cpu_slots.acquire())
        .await
        .ok()
}

/// The jobs this process ends, told to each listener in order, every one of them.
///
/// The event feed ([`Ctx::events`]) is bounded: a reader that falls behind in a burst misses
/// events, which costs a progress bar a step but would cost a per-job report its line. A
/// listener here holds only ids, one per job, until it reads them.
#[derive(Default)]
pub(crate) struct Endings {
    listeners: std::sync::Mutex<Vec<tokio::sync::mpsc::UnboundedSender<i64>>>,
}

impl Endings {
    /// A new listener, told of every job that ends from now on.
    pub(crate) fn listen(&self) -> tokio::sync::mpsc::UnboundedReceiver<i64> {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        self.lock().push(sender);
        receiver
    }

    /// Tells every listener that job `id` ended, and forgets the listeners gone.
    pub(crate) fn announce(&self, id: i64) {
        self.lock().retain(|listener| listener.send(id).is_ok());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<tokio::sync::mpsc::UnboundedSender<i64>>> {
        // A list of senders has no state a panic could leave half-changed.
        self.listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What every core operation needs: [`crate::context::Base`] (the database, the clock, this device and the
/// data dir) and, on top of it, the job engine, the syncer's tuning and the keyring. It lives with the job
/// engine, the lowest layer that needs all of it. Only
/// [`crate::api::Sitebook::open`] builds one; outside the crate it is an opaque handle.
///
/// It dereferences to its [`crate::context::Base`], which is all the store and the tenancy layers take: they sit
/// below the job engine and the syncer, so they must not see them.
#[derive(Clone)]
pub struct Ctx {
    pub(crate) base: crate::context::Base,
    pub(crate) jobs: std::sync::Arc<JobSettings>,
    /// What runs each kind of job, registered by the modules that own the work.
    pub(crate) handlers: std::sync::Arc<JobHandlers>,
    /// Where secrets are kept: the OS keyring, or a store a test supplies.
    pub(crate) keyring: crate::secrets::Keyring,
    pub(crate) sync: std::sync::Arc<crate::context::SyncTuning>,
    /// Largest upload accepted, in bytes.
    pub(crate) max_upload_bytes: u64,
    /// Progress and status changes of jobs run by this process.
    pub(crate) events: tokio::sync::broadcast::Sender<JobEvent>,
    /// The ids of the jobs this process ends, for readers that must hear every one.
    pub(crate) endings: std::sync::Arc<Endings>,
    /// The id of an org whose outbox this process just changed (the syncer's progress).
    pub(crate) sync_news: tokio::sync::broadcast::Sender<i64>,
    /// The bucket checks this process runs, and how far each has got.
    pub(crate) bucket_checks: std::sync::Arc<crate::context::ChecksUnderway>,
    /// Wakes idle workers when this process queues a job.
    pub(crate) wake: std::sync::Arc<tokio::sync::Notify>,
    /// Parse worker processes waiting for their next file.
    pub(crate) parse_workers: std::sync::Arc<worker_process::IdleWorkers>,
    /// Stores the results of jobs that finish close together in one transaction.
    pub(crate) group_commit: std::sync::Arc<group_commit::GroupCommit>,
    /// How many CPU-heavy steps (a parse in a worker process, a render) run at once: a worker
    /// pool sets it to its size, so it keeps more jobs in flight than it has cores without
    /// running more of those steps than it has cores.
    pub(crate) cpu_slots: std::sync::Arc<tokio::sync::Semaphore>,
}

impl std::ops::Deref for Ctx {
    type Target = crate::context::Base;

    fn deref(&self) -> &crate::context::Base {
        &self.base
    }
}

/// Runs one attempt of a job of one kind.
pub(crate) type Handler =
    for<'a> fn(&'a Ctx, &'a queue::ClaimedJob) -> Pin<Box<dyn Future<Output = Ran> + Send + 'a>>;

/// Which handler runs each kind of job. The engine runs jobs without knowing what they do: the
/// modules that own the work register it when the core opens, so the engine
/// never imports the layers above it.
#[derive(Default)]
pub(crate) struct JobHandlers(HashMap<JobKind, Handler>);

impl JobHandlers {
    pub(crate) fn register(&mut self, kind: JobKind, handler: Handler) {
        self.0.insert(kind, handler);
    }

    pub(crate) fn get(&self, kind: JobKind) -> Option<Handler> {
        self.0.get(&kind).copied()
    }
}

/// Why a run of a job did not complete, which decides what happens next.
#[derive(Debug)]
pub(crate) enum RunFailure {
    /// Worth another try later (I/O, a busy database, a worker that could not start).
    Transient(String),
    /// Trying again now cannot help; the job fails at once. It can still be retried by hand
    /// (after a setting or the disk is fixed).
    Permanent(String),
    /// The input itself is at fault (a workbook the reader refuses): the same bytes would fail
    /// the same way, so the job fails at once and is not offered for retry.
    Refused {
        /// The parser's own code (`truncated`, `password_protected`, …), kept on the job.
        code: String,
        message: String,
    },
    /// Someone cancelled it.
    Cancelled,
}

impl From<crate::error::Error> for RunFailure {
    fn from(error: crate::error::Error) -> Self {
        use crate::error::Error;
        // The job's message is what people read; an internal error's detail goes to the log.
        if error.error_code() == crate::error::ErrorCode::Internal {
            tracing::error!(detail = ?error, "a job step failed: {error}");
        }
        match &error {
            Error::Io { .. } => RunFailure::Transient(error.to_string()),
            Error::Database(sqlx::Error::Database(db))
                if db.message().contains("locked") || db.message().contains("busy") =>
            {
                RunFailure::Transient(error.to_string())
            }
            Error::Database(sqlx::Error::PoolTimedOut) => RunFailure::Transient(error.to_string()),
            _ => RunFailure::Permanent(error.to_string()),
        }
    }
}
