//! Group commit: the results of several jobs stored in one transaction, so that a burst of short
//! jobs pays one commit (one fsync of the WAL) for many jobs instead of one each.
//!
//! A job hands the storing of its results to the committer and its worker moves on to the next
//! job. The committer takes every request that is waiting (up to [`MAX_BATCH`]), syncs the
//! folders the requests' files were renamed into, runs each request in a savepoint of one
//! `BEGIN IMMEDIATE` transaction, commits once, and only then answers each request.
//!
//! Why nothing is lost and nothing completes twice:
//! - a request is answered only after its commit, and a job is completed only by its own
//!   request, inside the transaction that stores its results;
//! - a crash before the commit leaves the batch's jobs `running` under this process, and
//!   recovery puts them back in the queue, so they run again from the start;
//! - a request that fails is rolled back to its savepoint and fails its own job alone; a commit
//!   that fails fails every job of the batch, each retried as after any transient error.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::context::Base;
use crate::error::{Error, Result};

/// The most requests one transaction takes: enough that a burst pays few commits, few enough
/// that one commit never holds the write lock for long.
pub const MAX_BATCH: usize = 64;

/// The transaction a request writes in.
pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Sqlite>;

/// What a request does inside the shared transaction.
pub(crate) type StoreFn = Box<
    dyn for<'t> FnOnce(&'t mut Tx) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 't>> + Send,
>;

struct Request {
    store: StoreFn,
    /// Folders a file of this request was renamed into; synced before the commit makes the
    /// rows that name the files durable.
    folders_to_sync: Vec<PathBuf>,
    answer: oneshot::Sender<Result<()>>,
}

/// The committer of one core. It starts on first use, on the runtime of the job that first
/// stores results, and ends when the core is dropped. Should that runtime end first (a core
/// outliving the runtime it was used on), the next request starts a new committer.
#[derive(Default)]
pub(crate) struct GroupCommit {
    requests: Mutex<Option<mpsc::UnboundedSender<Request>>>,
    /// Transactions committed so far, which the tests read to see requests share one.
    commits: Arc<AtomicU64>,
}

impl GroupCommit {
    /// Queues `store` for the next commit. The returned future ends once the commit has made
    /// it durable, or with the error that stopped it.
    pub(crate) fn submit(
        &self,
        base: &Base,
        folders_to_sync: Vec<PathBuf>,
        store: StoreFn,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let (answer, answered) = oneshot::channel();
        self.send(
            base,
            Request {
                store,
                folders_to_sync,
                answer,
            },
        );
        async move {
            answered.await.unwrap_or_else(|_| {
                Err(Error::Internal(
                    "the committer of job results stopped before answering".into(),
                ))
            })
        }
    }

    /// Hands `request` to the running committer, starting one when there is none or the one
    /// there has ended. A request that cannot be handed over is dropped, which answers it
    /// with an error.
    fn send(&self, base: &Base, mut request: Request) {
        let mut sender = self
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for _ in 0..2 {
            let running = match sender.as_ref() {
                Some(running) => running,
                None => {
                    // Called only from jobs, so always on a runtime; without one the request
                    // is dropped, and so answered with an error.
                    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                        return;
                    };
                    let (requests, waiting) = mpsc::unbounded_channel();
                    runtime.spawn(commit_in_batches(
                        base.clone(),
                        waiting,
                        self.commits.clone(),
                    ));
                    sender.insert(requests)
                }
            };
            match running.send(request) {
                Ok(()) => return,
                Err(mpsc::error::SendError(returned)) => {
                    request = returned;
                    *sender = None;
                }
            }
        }
    }
}

async fn commit_in_batches(
    base: Base,
    mut waiting: mpsc::UnboundedReceiver<Request>,
    commits: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit_batch(&base, std::mem::take(&mut batch)).await;
        commits.fetch_add(1, Ordering::Relaxed);
    }
}

async fn commit_batch(base: &Base, batch: Vec<Request>) {
    // The requests' files were renamed before they were handed over, so their folders can be
    // synced before the write lock is taken: no other writer then waits on these fsyncs, and
    // no async thread blocks on them. A folder synced for a request that fails costs nothing.
    let folders: BTreeSet<PathBuf> = batch
        .iter()
        .flat_map(|request| request.folders_to_sync.iter().cloned())
        .collect();
    if let Err(error) = crate::store::files::off_the_async_threads(move || {
        folders
            .iter()
            .for_each(|folder| crate::store::files::sync_folder(folder));
        Ok(())
    })
    .await
    {
        return answer_all(batch, &error);
    }
    let mut tx = match base.write_tx().await {
        Ok(tx) => tx,
        Err(error) => return answer_all(batch, &error),
    };
    let mut stored = Vec::with_capacity(batch.len());
    // A request alone needs no savepoint: if it fails, the whole transaction is its own.
    let alone = batch.len() == 1;
    for request in batch {
        let outcome = if alone {
            (request.store)(&mut tx).await
        } else {
            store_in_savepoint(&mut tx, request.store).await
        };
        match outcome {
            Ok(()) => stored.push(request.answer),
            Err(error) if alone => {
                let _ = tx.rollback().await;
                let _ = request.answer.send(Err(error));
                return;
            }
            Err(error) => {
                let _ = request.answer.send(Err(error));
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for answer in stored {
                let _ = answer.send(Ok(()));
            }
        }
        Err(error) => {
            let error = Error::from(error);
            for answer in stored {
                let _ = answer.send(Err(shared_failure(&error)));
            }
        }
    }
}

async fn store_in_savepoint(tx: &mut Tx, store: StoreFn) -> Result<()> {
    sqlx::query("SAVEPOINT job_result")
        .execute(&mut **tx)
        .await?;
    match store(tx).await {
        Ok(()) => {
            sqlx::query("RELEASE job_result").execute(&mut **tx).await?;
            Ok(())
        }
        Err(error) => {
            sqlx::query("ROLLBACK TO job_result; RELEASE job_result")
                .execute(&mut **tx)
                .await?;
            Err(error)
        }
    }
}

fn answer_all(batch: Vec<Request>, error: &Error) {
    for request in batch {
        let _ = request.answer.send(Err(shared_failure(error)));
    }
}

/// Each job of a batch that could not be committed gets its own copy of the failure, as an
/// I/O error: worth another try, like any failure to write (a full disk, a busy database).
fn shared_failure(error: &Error) -> Error {
    tracing::warn!(detail = ?error, "could not commit a batch of job results");
    Error::io(
        "Could not store the results of the jobs finished together",
        std::io::Error::other(error.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A core's base on a fresh database with a `probe` table for the requests to fill.
    async fn base_with_probe_table(dir: &std::path::Path) -> Base {
        let base = Base {
            db: crate::store::open(dir).await.unwrap(),
            courtesy_db: crate::store::open_courtesy(dir).await.unwrap(),
            clock: crate::clock::Clock::system(),
            device: "test".into(),
            data_dir: dir.to_path_buf(),
            audit_head: Default::default(),
        };
        sqlx::query("CREATE TABLE probe (value INTEGER NOT NULL)")
            .execute(&base.db)
            .await
            .unwrap();
        base
    }

    fn insert(value: i64, then_fail: bool) -> StoreFn {
        Box::new(move |tx| {
            Box::pin(async move {
                sqlx::query("INSERT INTO probe (value) VALUES (?)")
                    .bind(value)
                    .execute(&mut **tx)
                    .await?;
                if then_fail {
                    return Err(Error::Validation(format!("request {value} refused")));
                }
                Ok(())
            })
        })
    }

    #[tokio::test]
    async fn waiting_requests_share_one_commit_and_a_failing_one_is_undone_alone() {
        let dir = tempfile::tempdir().unwrap();
        let base = base_with_probe_table(dir.path()).await;
        let committer = GroupCommit::default();

        // All five are queued before the committer first runs (this test's runtime has one
        // thread), so they form one batch.
        let answers: Vec<_> = (1..=5)
            .map(|value| committer.submit(&base, Vec::new(), insert(value, value == 3)))
            .collect();
        let mut outcomes = Vec::new();
        for answer in answers {
            outcomes.push(answer.await.map_err(|e| e.to_string()));
        }

        assert_eq!(
            outcomes,
            [
                Ok(()),
                Ok(()),
                Err("request 3 refused".to_string()),
                Ok(()),
                Ok(())
            ]
        );
        let stored: Vec<i64> = sqlx::query_scalar("SELECT value FROM probe ORDER BY value")
            .fetch_all(&base.db)
            .await
            .unwrap();
        assert_eq!(stored, [1, 2, 4, 5], "the refused request's row was undone");
        assert_eq!(committer.commits.load(Ordering::Relaxed), 1);

        // A request on its own is committed on its own.
        committer
            .submit(&base, Vec::new(), insert(6, false))
            .await
            .unwrap();
        assert_eq!(committer.commits.load(Ordering::Relaxed), 2);

        // A request alone that fails leaves nothing behind either.
        let refused = committer.submit(&base, Vec::new(), insert(8, true)).await;
        assert!(refused.is_err());
        let eights: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM probe WHERE value = 8")
            .fetch_one(&base.db)
            .await
            .unwrap();
        assert_eq!(eights, 0);
        // And the committer goes on: the next request is stored.
        committer
            .submit(&base, Vec::new(), insert(9, false))
            .await
            .unwrap();
    }

    #[test]
    fn a_committer_whose_runtime_ended_is_replaced_on_the_next_request() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        let first = runtime();
        let base = first.block_on(base_with_probe_table(dir.path()));
        let committer = GroupCommit::default();
        first
            .block_on(async { committer.submit(&base, Vec::new(), insert(1, false)).await })
            .unwrap();
        // The runtime the committer ran on ends, and the core is used from another.
        drop(first);
        let second = runtime();
        second
            .block_on(async { committer.submit(&base, Vec::new(), insert(2, false)).await })
            .expect("a new committer took the request");
        let stored: Vec<i64> = second
            .block_on(
                sqlx::query_scalar("SELECT value FROM probe ORDER BY value").fetch_all(&base.db),
            )
            .unwrap();
        assert_eq!(stored, [1, 2]);
    }

    #[tokio::test]
    async fn an_answer_comes_only_after_the_commit_made_the_rows_visible_to_others() {
        let dir = tempfile::tempdir().unwrap();
        let base = base_with_probe_table(dir.path()).await;
        let committer = GroupCommit::default();
        committer
            .submit(&base, vec![dir.path().to_path_buf()], insert(7, false))
            .await
            .unwrap();
        // Another connection (the courtesy pool) sees the row: it was committed, not merely
        // written inside an open transaction.
        let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM probe WHERE value = 7")
            .fetch_one(&base.courtesy_db)
            .await
            .unwrap();
        assert_eq!(seen, 1);
    }
}
