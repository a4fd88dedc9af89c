//! The worker pool: N tokio tasks that claim jobs, run them and settle their outcome. Idle
//! workers wake when this process queues a job and otherwise look every `poll_interval`, which
//! also picks up work queued by another process (the CLI beside the desktop app).
//!
//! Parsing happens in a child process and storing is async I/O, so the async threads never
//! carry CPU-heavy work. A job whose results wait in the group commit no longer holds its
//! worker: the worker claims its next job at once, and the waiting job is settled when its
//! commit ends, so a busy queue is never polled and a burst commits in batches.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::jobs::queue::{self, ClaimFilter, ClaimedJob, Retry};
use crate::jobs::Ctx;
use crate::jobs::{Attempt, Ran, RunFailure};

/// How often the pool looks for jobs a crashed process left running.
const RECOVERY_INTERVAL: Duration = Duration::from_secs(30);

/// A running pool. Dropping it without [`WorkerPool::shutdown`] leaves the tasks to end with the
/// runtime.
pub struct WorkerPool {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    workers: usize,
}

impl WorkerPool {
    /// Recovers jobs a crash left running, then starts `workers` workers that claim the jobs
    /// `filter` lets through.
    pub(crate) async fn start(
        ctx: Ctx,
        workers: usize,
        filter: ClaimFilter,
    ) -> crate::error::Result<Self> {
        let recovered = queue::recover_orphans(&ctx).await?;
        if recovered > 0 {
            tracing::info!(
                recovered,
                "queued again jobs that an earlier run left unfinished"
            );
        }
        let workers = workers.max(1);
        let mut ctx = ctx;
        ctx.cpu_slots = std::sync::Arc::new(tokio::sync::Semaphore::new(workers));
        let (stop, stopped) = watch::channel(false);
        let in_flight = workers * ctx.jobs.jobs_in_flight_per_worker.max(1);
        let mut tasks: Vec<JoinHandle<()>> = (0..in_flight)
            .map(|_| tokio::spawn(work(ctx.clone(), filter.clone(), stopped.clone())))
            .collect();
        tasks.push(tokio::spawn(recover_periodically(ctx, stopped)));
        Ok(Self {
            stop,
            tasks,
            workers,
        })
    }

    /// How many jobs this pool parses or renders at once.
    pub fn size(&self) -> usize {
        self.workers
    }

    /// Asks every worker to stop after its current job, and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn recover_periodically(ctx: Ctx, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(RECOVERY_INTERVAL) => {
                if let Err(error) = queue::recover_orphans(&ctx).await {
                    tracing::warn!(%error, "could not look for interrupted jobs");
                }
            }
            _ = stopped.changed() => return,
        }
    }
}

/// Jobs one worker loop may have waiting for the group commit before it waits for one of
/// them: each holds its parsed rows in memory, so a committer that falls behind slows the
/// claims instead of piling up results.
const MAX_COMMITTING_PER_WORKER: usize = 4;

async fn work(ctx: Ctx, filter: ClaimFilter, mut stopped: watch::Receiver<bool>) {
    // Jobs whose results wait in the group commit; each is settled by its own task.
    let mut committing = JoinSet::new();
    loop {
        while committing.try_join_next().is_some() {}
        if *stopped.borrow() {
            break;
        }
        match queue::claim_next(&ctx, &filter).await {
            Ok(Some(job)) => match run(&ctx, &job).await {
                Ran::Ended(outcome) => settle(&ctx, &job, outcome).await,
                Ran::Committing(commit) => {
                    if committing.len() >= MAX_COMMITTING_PER_WORKER {
                        committing.join_next().await;
                    }
                    let ctx = ctx.clone();
                    committing.spawn(async move { settle(&ctx, &job, commit.await).await });
                }
            },
            Ok(None) => {
                ctx.parse_workers.retire_stale();
                tokio::select! {
                    _ = ctx.wake.notified() => {}
                    _ = tokio::time::sleep(ctx.jobs.poll_interval) => {}
                    _ = stopped.changed() => break,
                }
            }
            Err(error) => {
                tracing::warn!(%error, "could not claim a job");
                tokio::time::sleep(ctx.jobs.poll_interval).await;
            }
        }
    }
    // Stopping waits for the results already handed over: they are done work.
    while committing.join_next().await.is_some() {}
}

async fn run(ctx: &Ctx, job: &ClaimedJob) -> Ran {
    match ctx.handlers.get(job.kind) {
        Some(handler) => handler(ctx, job).await,
        None => Ran::Ended(Err((
            "start".to_string(),
            RunFailure::Permanent(format!(
                "This version of Sitebook cannot run {} jobs.",
                job.kind.as_str()
            )),
        ))),
    }
}

/// The delay before retry `n` (1-based): `base × 2ⁿ⁻¹`.
pub fn backoff(base: Duration, retry: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
}

async fn settle(ctx: &Ctx, job: &ClaimedJob, outcome: Attempt) {
    let settled = match outcome {
        Ok(()) => Ok(()),
        Err((_, RunFailure::Cancelled)) => queue::mark_cancelled(ctx, job).await,
        Err((step, RunFailure::Permanent(message))) => {
            queue::fail(ctx, job, &step, &message, Retry::Offered).await
        }
        Err((step, RunFailure::Refused { code, message })) => {
            queue::fail(ctx, job, &step, &message, Retry::Pointless(code)).await
        }
        Err((step, RunFailure::Transient(message))) => {
            let retry = job.attempts;
            if retry <= ctx.jobs.max_retries {
                let delay = backoff(ctx.jobs.retry_base, retry);
                queue::retry_later(ctx, job, &step, &message, delay).await
            } else {
                let message = format!("{message} (gave up after {} attempts)", job.attempts);
                queue::fail(ctx, job, &step, &message, Retry::Offered).await
            }
        }
    };
    if let Err(error) = settled {
        // The job stays `running` with a stale heartbeat; recovery will queue it again.
        tracing::error!(job = job.id, %error, "could not record how a job ended");
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_from_the_base() {
        let base = Duration::from_secs(60);
        assert_eq!(backoff(base, 1), Duration::from_secs(60));
        assert_eq!(backoff(base, 2), Duration::from_secs(120));
        assert_eq!(backoff(base, 3), Duration::from_secs(240));
    }
}
