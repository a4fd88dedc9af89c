//! The `parse_estimate` job: read the stored upload in the worker process, then store the
//! estimates, the JSON result file and the job's completion in one transaction, shared with the
//! other jobs that finish at the same time ([`super::group_commit`]).
//!
//! Steps and progress: 10 % file read, 30 % sheet found, 50 % items parsed (reported by the
//! worker), 90 % stored, 100 % done. A crash anywhere before the final commit leaves no rows;
//! the re-run rewrites the same result file and commits once.

use std::future::Future;
use std::pin::Pin;

use crate::domain::permissions::Action;
use crate::error::Error;
use crate::jobs::group_commit::Tx;
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::worker_process::{describe, parse_in_worker, WorkerError};
use crate::jobs::Ctx;
use crate::jobs::{Attempt, JobHandlers, JobKind, Ran, RunFailure};
use crate::store::estimates::PreparedEstimates;
use crate::store::outputs::WrittenOutput;
use crate::store::{estimates, files, outputs, uploads};
use crate::tenancy::gate::WriteScope;

/// Makes the engine run parse jobs with [`run`].
pub(crate) fn register(handlers: &mut JobHandlers) {
    handlers.register(JobKind::ParseEstimate, |ctx, job| Box::pin(run(ctx, job)));
}

/// Runs one attempt up to handing its results to the group commit.
pub(crate) async fn run(ctx: &Ctx, job: &ClaimedJob) -> Ran {
    match read_and_hand_over(ctx, job).await {
        Ok(committing) => Ran::Committing(committing),
        Err(stopped) => Ran::Ended(Err(stopped)),
    }
}

/// The attempt until its results are handed over; returns the wait for their commit, or where
/// it stopped and why.
async fn read_and_hand_over(
    ctx: &Ctx,
    job: &ClaimedJob,
) -> Result<Pin<Box<dyn Future<Output = Attempt> + Send + 'static>>, (String, RunFailure)> {
    let at = |step: &str| {
        let step = step.to_string();
        move |failure: RunFailure| (step, failure)
    };
    let scope = super::write_scope_for(ctx, job, Action::UploadCreate, "upload here").await?;
    let upload_id = job
        .upload_id
        .ok_or_else(|| at("file")(RunFailure::Permanent("the job has no upload".into())))?;
    let upload = uploads::start_reading(ctx, &scope, upload_id)
        .await
        .map_err(|e| at("file")(e.into()))?;

    let hashed = upload.path.clone();
    let actual = files::off_the_async_threads(move || files::sha256_file(&hashed))
        .await
        .map_err(|e| match e {
            // Gone from the data folder (a hand or a virus scanner): retrying cannot bring it
            // back, and the same workbook uploaded again restores it and reads it.
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                at("file")(RunFailure::Permanent(format!(
                    "The stored copy of {} is missing from the data folder; upload the \
                     workbook again.",
                    upload.original_name
                )))
            }
            e => at("file")(e.into()),
        })?;
    if actual != upload.sha256 {
        return Err(at("file")(RunFailure::Permanent(format!(
            "The stored copy of {} has changed since it was uploaded; upload the workbook again.",
            upload.original_name
        ))));
    }
    queue::report(ctx, job, 10, "File read")
        .await
        .map_err(|e| at("file")(e.into()))?;

    let parsed = parse_in_worker(ctx, job, &upload.path, &upload.original_name)
        .await
        .map_err(|error| {
            let failure = match error {
                WorkerError::Rejected { code, message } => RunFailure::Refused { code, message },
                WorkerError::Crashed(message) => RunFailure::Refused {
                    code: "unreadable".into(),
                    message,
                },
                WorkerError::OutOfMemory(message) => RunFailure::Permanent(message),
                WorkerError::Killed(message) => {
                    RunFailure::Transient(format!("{message} It will be read again."))
                }
                WorkerError::Spawn(message) => RunFailure::Transient(message),
                WorkerError::Store(e) => e.into(),
                WorkerError::Cancelled => RunFailure::Cancelled,
                WorkerError::SoftLimit(limit) => RunFailure::Permanent(format!(
                    "Reading {} took longer than the soft time limit of {} and was stopped.",
                    upload.original_name,
                    describe(limit)
                )),
                WorkerError::HardLimit(limit) => RunFailure::Permanent(format!(
                    "Reading {} took longer than the hard time limit of {}; the reader was \
                     stopped. Save the workbook again without unused sheets and upload it.",
                    upload.original_name,
                    describe(limit)
                )),
            };
            ("parse".to_string(), failure)
        })?;

    // The last checkpoint before anything is written.
    if queue::stop_requested(ctx, job)
        .await
        .map_err(|e| at("store")(e.into()))?
    {
        return Err(at("store")(RunFailure::Cancelled));
    }
    let result_json = serde_json::to_vec_pretty(&parsed).map_err(|e| {
        at("store")(RunFailure::Permanent(format!(
            "could not write the result: {e}"
        )))
    })?;
    let name = outputs::name_for_job(
        ctx,
        &scope,
        (job.id, job.made_before),
        &format!("estimate-job{}.json", job.id),
    )
    .await
    .map_err(|e| at("store")(e.into()))?;
    let (output, folder) = {
        let (base, scope, sha256) = (ctx.base.clone(), scope.clone(), upload.sha256.clone());
        files::off_the_async_threads(move || {
            outputs::write_leaving_folder_unsynced(
                &base,
                &scope,
                &name,
                "json",
                &result_json,
                &sha256,
            )
        })
        .await
        .map_err(|e| at("store")(e.into()))?
    };
    queue::report(ctx, job, 90, "Storing results")
        .await
        .map_err(|e| at("store")(e.into()))?;
    // Run again for its lost result file: the estimate it stored then stays the one.
    let estimates = if job.made_before {
        Estimates::Kept(
            estimates::stored_by_job(ctx, &scope, job.id)
                .await
                .map_err(|e| at("store")(e.into()))?,
        )
    } else {
        Estimates::New(
            estimates::prepare(&upload.original_name, &parsed)
                .map_err(|e| at("store")(e.into()))?,
        )
    };
    let stored = StoredResults {
        ctx: ctx.clone(),
        scope,
        job: job.clone(),
        estimates,
        upload_id: upload.id,
        file_name: upload.original_name,
        warnings: parsed.warnings.len(),
        output,
    };
    let committed =
        ctx.group_commit
            .submit(ctx, vec![folder], Box::new(|tx| Box::pin(stored.store(tx))));
    let (ctx, job) = (ctx.clone(), job.clone());
    Ok(Box::pin(async move {
        // A burst's jobs queue for the committer, each still showing this step.
        queue::wait_in_step(&ctx, &job, 90, "Storing results", committed)
            .await
            .map_err(|e| at("store")(e.into()))?;
        queue::announce_completed(&ctx, &job);
        Ok(())
    }))
}

/// The estimates a parse's results name.
enum Estimates {
    /// Read from the workbook now, to be stored.
    New(PreparedEstimates),
    /// Stored by a run before this one, when the job runs again for its lost result file.
    Kept(Vec<i64>),
}

/// What a parse stores, in the group commit's transaction: the estimates, the result file's
/// row and the job's completion, together or not at all.
struct StoredResults {
    ctx: Ctx,
    scope: WriteScope,
    job: ClaimedJob,
    estimates: Estimates,
    upload_id: i64,
    file_name: String,
    warnings: usize,
    output: WrittenOutput,
}

impl StoredResults {
    async fn store(self, tx: &mut Tx) -> crate::error::Result<()> {
        let Self {
            ctx,
            scope,
            job,
            estimates,
            upload_id,
            file_name,
            warnings,
            output,
        } = self;
        let ids = match estimates {
            Estimates::Kept(ids) => ids,
            Estimates::New(rows) => {
                estimates::insert_prepared(&ctx, tx, &scope, job.id, upload_id, &file_name, &rows)
                    .await?
            }
        };
        let output_id = outputs::record(&ctx, tx, &scope, job.id, &output).await?;
        let result = serde_json::json!({
            "estimateIds": ids,
            "outputId": output_id,
            "warnings": warnings,
        });
        queue::complete_in(&ctx, tx, &job, &result).await
    }
}
