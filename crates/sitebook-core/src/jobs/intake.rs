//! Taking a workbook in: the checks at the door, the content-addressed copy, and its record
//! and parse job committed in one transaction. Every way in (a drop, `sitebook upload`, the
//! inbox) comes through here, so the same content uploaded twice into one org is stored once:
//! the second upload reports the first.
//!
//! A file refused at the door (a folder, a wrong type, too large) is not stored at all, but it
//! still leaves a failed job whose log says why, so the refusal shows where people look for
//! their work.

use std::path::Path;

use crate::error::{Error, Result};
use crate::excel::sniff::check_extension;
use crate::jobs::Ctx;
use crate::jobs::{queue, JobKind};
use crate::store::files::sha256_file;
use crate::store::uploads::{self, UploadOutcome};
use crate::tenancy::gate::WriteScope;

fn display_name(source: &Path) -> String {
    source
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| source.display().to_string())
}

/// The way a workbook came in, kept in its job's payload and shown as the job's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin<'a> {
    /// Dropped on the window, or `sitebook upload`.
    Upload,
    /// Saved or copied into the watched inbox folder. `file` says which file it was, there and
    /// then (see [`inbox_file_of`]).
    Inbox { file: &'a str },
}

impl Origin<'_> {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Upload => "upload",
            Origin::Inbox { .. } => "inbox",
        }
    }
}

/// Which inbox file a job's workbook was taken from, as the inbox described it when it took
/// it; `None` for a job that did not come from the inbox. The inbox compares it with a file
/// whose content came in before, to tell its own import cut short by a stop from the same
/// content brought in again.
pub(crate) async fn inbox_file_of(
    ctx: &Ctx,
    scope: &WriteScope,
    job_id: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT json_extract(payload, '$.inbox_file') FROM jobs WHERE id = ? AND org_id = ?",
    )
    .bind(job_id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?
    .flatten())
}

/// The outcome of a file that [`upload`] could not store: nothing of it was kept, and `error`
/// says why.
pub(crate) fn not_stored(source: &Path, error: &Error) -> UploadOutcome {
    UploadOutcome {
        file_name: display_name(source),
        job_id: None,
        upload_id: None,
        duplicate: false,
        read_again: false,
        error: Some(error.to_api()),
    }
}

/// Checks, stores and queues one file. `sha256` is the file's hash when the caller has already
/// read it (the inbox does, to recognise files it has handled).
pub(crate) async fn upload(
    ctx: &Ctx,
    scope: &WriteScope,
    source: &Path,
    origin: Origin<'_>,
    sha256: Option<String>,
) -> Result<UploadOutcome> {
    let file_name = display_name(source);
    let mut payload = serde_json::json!({ "file_name": file_name, "source": origin.as_str() });
    if let Origin::Inbox { file } = origin {
        payload["inbox_file"] = file.into();
    }
    let payload = payload.to_string();
    if let Some(refusal) = refusal_at_the_door(ctx, source, &file_name) {
        let job_id = queue::record_refused_upload(ctx, scope, &payload, &refusal).await?;
        return Ok(UploadOutcome {
            file_name,
            job_id: Some(job_id),
            upload_id: None,
            duplicate: false,
            read_again: false,
            error: Some(refusal.to_api()),
        });
    }
    let sha256 = match sha256 {
        Some(known) => known,
        None => sha256_file(source)?,
    };
    if let Some((upload_id, job_id)) = uploads::existing(ctx, scope, &sha256).await? {
        // The same bytes again mend a stored copy that was lost or damaged since (a disk
        // error, a hand in the data folder), and its failed job is queued again: the job's
        // own advice was to upload the workbook again.
        let restored = uploads::restore_copy(ctx, scope, upload_id, source, &sha256).await?;
        let (error, read_again) = match job_id {
            Some(job_id) if restored => {
                let requeued = queue::requeue_after_repair(ctx, scope, job_id).await?;
                (None, requeued)
            }
            Some(job_id) => match earlier_reading(ctx, scope, job_id, &file_name).await? {
                EarlierReading::Refused(error) => (Some(error), false),
                EarlierReading::ReadAgain => (None, true),
                EarlierReading::Stands => (None, false),
            },
            None => (None, false),
        };
        return Ok(UploadOutcome {
            file_name,
            job_id,
            upload_id: Some(upload_id),
            duplicate: true,
            read_again,
            error,
        });
    }
    let (relative, size) = uploads::keep_copy(ctx, scope, source, &file_name, &sha256)?;
    let mut tx = ctx.write_tx().await?;
    let inserted =
        uploads::insert_in(ctx, &mut tx, scope, &file_name, (&relative, size), &sha256).await;
    let upload_id = match inserted {
        Ok(id) => id,
        // The same content uploaded at the same moment by another window or process: that
        // upload won, and this one is its duplicate, as it would be a second later.
        Err(e) if e.is_unique_violation() => {
            drop(tx);
            let (upload_id, job_id) = uploads::existing(ctx, scope, &sha256)
                .await?
                .ok_or_else(|| Error::Internal("a duplicate upload vanished".into()))?;
            return Ok(UploadOutcome {
                file_name,
                job_id,
                upload_id: Some(upload_id),
                duplicate: true,
                read_again: false,
                error: None,
            });
        }
        Err(other) => return Err(other),
    };
    let job_id = queue::enqueue(
        ctx,
        &mut tx,
        scope,
        JobKind::ParseEstimate,
        Some(upload_id),
        &payload,
    )
    .await?;
    tx.commit().await?;
    ctx.wake.notify_waiters();
    Ok(UploadOutcome {
        file_name,
        job_id: Some(job_id),
        upload_id: Some(upload_id),
        duplicate: false,
        read_again: false,
        error: None,
    })
}

/// What the same content uploaded again does to its earlier job.
enum EarlierReading {
    /// It failed because of the bytes: refused, with why.
    Refused(crate::error::ApiError),
    /// It had not read the content (cancelled, or failed for a reason that may pass): queued
    /// again.
    ReadAgain,
    /// It read the content, or is reading it: nothing to do.
    Stands,
}

/// The same content again, when its earlier reading did not end well. Failed because of the
/// bytes, it is refused: saying "already uploaded" would read as success, and reading the same
/// bytes again would fail the same way. Failed for another reason (the person who uploaded it
/// lost the right to, a disk, a crash) or cancelled, it is read again, as this person's upload
/// where the first person lost the right: uploading it again says it is wanted, and "already
/// uploaded" for a cancelled reading left the content out for good.
async fn earlier_reading(
    ctx: &Ctx,
    scope: &WriteScope,
    job_id: i64,
    file_name: &str,
) -> Result<EarlierReading> {
    use crate::jobs::JobStatus;
    let job = queue::get(ctx, scope, job_id).await?;
    let input_at_fault = match job.status {
        JobStatus::Cancelled => false,
        JobStatus::Failed => queue::failed_by_its_input(ctx, scope, job_id).await?,
        _ => return Ok(EarlierReading::Stands),
    };
    if !input_at_fault {
        queue::take_over_if_owner_lost_the_right(ctx, scope, job_id).await?;
        queue::requeue(ctx, scope, job_id).await?;
        return Ok(EarlierReading::ReadAgain);
    }
    let reason = job
        .error_message
        .unwrap_or_else(|| "no reason was recorded".into());
    Ok(EarlierReading::Refused(
        Error::Validation(format!(
            "{file_name} has the same content as a file uploaded before, whose reading failed \
             (job {job_id}): {} The same bytes would fail again: correct the workbook and \
             upload the corrected file.",
            crate::error::as_sentence(&reason)
        ))
        .to_api(),
    ))
}

/// The checks that need no reading: the file exists, has an accepted extension and fits.
fn refusal_at_the_door(ctx: &Ctx, source: &Path, file_name: &str) -> Option<Error> {
    let metadata = match std::fs::metadata(source) {
        Ok(metadata) if metadata.is_file() => metadata,
        Ok(metadata) if metadata.is_dir() => {
            return Some(Error::Validation(format!(
                "{file_name} is a folder, not a workbook. Drop the workbook files themselves."
            )))
        }
        Ok(metadata) => {
            return Some(Error::Validation(format!(
                "{file_name} is {}, not a workbook file.",
                kind_of_non_file(&metadata)
            )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some(Error::Validation(format!(
                "{file_name} is not there (moved, renamed or deleted since it was chosen). \
                 Check the file's name and folder, then upload it again."
            )))
        }
        Err(e) => {
            return Some(Error::Validation(format!(
                "{file_name} could not be opened: {}.",
                crate::error::os_words(&e)
            )))
        }
    };
    if let Err(refusal) = check_extension(file_name) {
        return Some(Error::Validation(refusal.to_string()));
    }
    if metadata.len() > ctx.max_upload_bytes {
        return Some(Error::Validation(format!(
            "{file_name} is {:.1} MB, over the {:.1} MB limit for uploads. Remove unused sheets \
             or split the workbook, then upload it again.",
            megabytes(metadata.len()),
            megabytes(ctx.max_upload_bytes)
        )));
    }
    None
}

/// What a path that is neither a file nor a folder is, in words.
pub(crate) fn kind_of_non_file(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a pipe";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if metadata.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

fn megabytes(bytes: u64) -> f64 {
    // Display only; sizes are compared as integers above.
    bytes as f64 / 1_000_000.0
}
