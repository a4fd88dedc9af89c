//! The `parse_estimate` job: read the stored upload in the worker process, then store the
//! estimates, the JSON result file and the job's completion in one transaction.
//!
//! Steps and progress: 10 % file read, 30 % sheet found, 50 % items parsed (reported by the
//! worker), 90 % stored, 100 % done. A crash anywhere before the final commit leaves no rows;
//! the re-run rewrites the same result file and commits once.

use crate::domain::permissions::Action;
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::worker_process::{describe, parse_in_worker, WorkerError};
use crate::jobs::Ctx;
use crate::jobs::{Attempt, JobHandlers, JobKind, RunFailure};
use crate::store::{estimates, files, outputs, uploads};

/// Makes the engine run parse jobs with [`run`].
pub(crate) fn register(handlers: &mut JobHandlers) {
    handlers.register(JobKind::ParseEstimate, |ctx, job| Box::pin(run(ctx, job)));
}

/// Runs one attempt. Returns where it stopped and why when it did not complete.
pub(crate) async fn run(ctx: &Ctx, job: &ClaimedJob) -> Attempt {
    let at = |step: &str| {
        let step = step.to_string();
        move |failure: RunFailure| (step, failure)
    };
    let scope = super::write_scope_for(ctx, job, Action::UploadCreate, "upload here").await?;
    let upload_id = job
        .upload_id
        .ok_or_else(|| at("file")(RunFailure::Permanent("the job has no upload".into())))?;
    let upload = uploads::stored(ctx, &scope, upload_id)
        .await
        .map_err(|e| at("file")(e.into()))?;
    queue::mark_upload_processing(ctx, job)
        .await
        .map_err(|e| at("file")(e.into()))?;

    let actual = files::sha256_file(&upload.path).map_err(|e| at("file")(e.into()))?;
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
    if queue::heartbeat(ctx, job)
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
    let output = outputs::write(
        ctx,
        &scope,
        &format!("estimate-job{}.json", job.id),
        "json",
        &result_json,
        &upload.sha256,
    )
    .map_err(|e| at("store")(e.into()))?;

    let store = async {
        let mut tx = ctx.write_tx().await?;
        let ids = estimates::insert_parsed(
            ctx,
            &mut tx,
            &scope,
            job.id,
            upload.id,
            &upload.original_name,
            &parsed,
        )
        .await?;
        let output_id = outputs::record(ctx, &mut tx, &scope, job.id, &output).await?;
        let result = serde_json::json!({
            "estimateIds": ids,
            "outputId": output_id,
            "warnings": parsed.warnings.len(),
        });
        queue::complete_in(ctx, &mut tx, job, &result).await?;
        tx.commit().await?;
        Ok::<(), crate::error::Error>(())
    };
    queue::report(ctx, job, 90, "Storing results")
        .await
        .map_err(|e| at("store")(e.into()))?;
    store.await.map_err(|e| at("store")(e.into()))?;
    queue::announce_completed(ctx, job);
    Ok(())
}
