//! Restore on a new laptop: the `restore_outputs` job lists the org's objects in its bucket
//! and downloads the ones this device lacks into `outputs/{org_slug}/`, where they appear in
//! Outputs marked "restored".
//!
//! Each download is checked against the sha256 the object was stored with, and written under a
//! name no local file has, so nothing here (another device's file of the same name included) is
//! ever overwritten. A restored file is recorded as already synced under its key, so it is never
//! sent back. The job runs in the job engine like any other: progress per file, retried on a
//! network failure, and a second run only fetches what is still missing. Up to four downloads
//! are in flight at once (the syncer's concurrency), alongside the storing of the files, which
//! goes one by one, in order.

use std::collections::HashSet;
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::task::JoinSet;

use crate::domain::permissions::Action;
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::Ctx;
use crate::jobs::{JobHandlers, JobKind, RunFailure};
use crate::store::files::{outputs_dir, sha256_bytes};
use crate::store::{outbox, outputs};
use crate::sync::bucket::{Bucket, BucketError};
use crate::sync::syncer::open_bucket;
use crate::tenancy::gate::WriteScope;

type Step = (String, RunFailure);

fn permanent(step: &str, message: impl Into<String>) -> Step {
    (step.to_string(), RunFailure::Permanent(message.into()))
}

fn from_bucket(step: &str, error: BucketError) -> Step {
    match error {
        BucketError::Transient(message) => (step.to_string(), RunFailure::Transient(message)),
        BucketError::Permanent(message) => permanent(step, message),
    }
}

/// Makes the engine run restores with [`run`].
pub(crate) fn register(handlers: &mut JobHandlers) {
    handlers.register(JobKind::RestoreOutputs, |ctx, job| {
        Box::pin(async move { run(ctx, job).await.into() })
    });
}

/// Queues a restore of the scope's org from its bucket.
pub(crate) async fn request(ctx: &Ctx, scope: &WriteScope) -> crate::error::Result<i64> {
    let mut tx = ctx.write_tx().await?;
    let id = queue::enqueue(ctx, &mut tx, scope, JobKind::RestoreOutputs, None, "{}").await?;
    tx.commit().await?;
    ctx.wake.notify_waiters();
    Ok(id)
}

/// One text column of the scope's org's rows, as a set (`sql` takes the org id).
async fn org_values(
    ctx: &Ctx,
    scope: &WriteScope,
    sql: &str,
) -> crate::error::Result<HashSet<String>> {
    Ok(sqlx::query_scalar(sql)
        .bind(scope.org_id())
        .fetch_all(&ctx.db)
        .await?
        .into_iter()
        .collect())
}

/// The longest file name a restore writes: ext4 and NTFS stop at 255, and a restored name may
/// gain " (restored 12)".
const MAX_RESTORED_NAME_BYTES: usize = 230;

/// The kind of output an object is, from its key's kind folder (`…/{kind}/{file name}`).
fn kind_of(key: &str) -> Option<&'static str> {
    let mut parts = key.rsplit('/');
    let _file = parts.next()?;
    match parts.next()? {
        "pdf" => Some("pdf"),
        "xlsx" => Some("xlsx"),
        "json" => Some("json"),
        _ => None,
    }
}

/// A file name in `taken` or on disk gets " (restored 2)", " (restored 3)" … before its
/// extension.
fn free_name(folder: &std::path::Path, wanted: &str, taken: &HashSet<String>) -> String {
    let is_free = |name: &str| !taken.contains(name) && !folder.join(name).exists();
    if is_free(wanted) {
        return wanted.to_string();
    }
    let (stem, extension) = match wanted.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (wanted, String::new()),
    };
    (2..)
        .map(|n| format!("{stem} (restored {n}){extension}"))
        .find(|name| is_free(name))
        .expect("some number is free")
}

/// One object of the bucket, as the restore needs it.
enum Fetched {
    /// Its content (by the sha256 it was stored with) is already an output here, made on this
    /// device under another key: nothing to download.
    AlreadyHere,
    /// Its bytes and the sha256 it was stored with, if any.
    Object {
        bytes: Vec<u8>,
        stored_sha256: Option<String>,
    },
}

async fn fetch(bucket: &Bucket, key: &str, here: &HashSet<String>) -> Result<Fetched, Step> {
    let stored = bucket
        .stored(key)
        .await
        .map_err(|e| from_bucket("list", e))?;
    if stored
        .and_then(|stored| stored.sha256)
        .is_some_and(|sha256| here.contains(&sha256))
    {
        return Ok(Fetched::AlreadyHere);
    }
    let (bytes, stored_sha256) = bucket
        .get_with_sha256(key)
        .await
        .map_err(|e| from_bucket("download", e))?;
    Ok(Fetched::Object {
        bytes,
        stored_sha256,
    })
}

async fn run(ctx: &Ctx, job: &ClaimedJob) -> Result<(), Step> {
    let scope =
        crate::jobs::write_scope_for(ctx, job, Action::SyncConfigure, "restore outputs here")
            .await?;
    let store = |e: crate::error::Error| ("store".to_string(), RunFailure::from(e));
    let (_target, bucket) = open_bucket(ctx, &scope)
        .await
        .map_err(|e| permanent("bucket", e.to_string()))?;
    let listing = bucket
        .org_objects(&scope.bucket_folder(), |_| {})
        .await
        .map_err(|e| from_bucket("list", e))?;
    let keys: Vec<String> = listing.objects.into_iter().map(|(key, _)| key).collect();
    let known = org_values(
        ctx,
        &scope,
        "SELECT object_key FROM sync_outbox WHERE org_id = ? AND object_key IS NOT NULL",
    )
    .await
    .map_err(store)?;
    let missing: Vec<&String> = keys.iter().filter(|key| !known.contains(*key)).collect();
    queue::report(
        ctx,
        job,
        5,
        &format!(
            "{} of {} files in the bucket to fetch",
            missing.len(),
            keys.len()
        ),
    )
    .await
    .map_err(store)?;

    let folder = outputs_dir(&ctx.data_dir, scope.org_slug());
    let here = org_values(
        ctx,
        &scope,
        "SELECT sha256 FROM output_files WHERE org_id = ?",
    )
    .await
    .map_err(store)?;
    let mut taken = org_values(
        ctx,
        &scope,
        "SELECT filename FROM output_files WHERE org_id = ?",
    )
    .await
    .map_err(store)?;
    let (mut restored, mut already_here) = (0usize, 0usize);
    let mut skipped: Vec<String> = listing
        .unreadable
        .iter()
        .map(|name| {
            format!(
                "{name}: its name holds a line break or another character Sitebook cannot read; \
                 rename it in the bucket's console to restore it"
            )
        })
        .collect();
    // What cannot be restored is set aside by its name, before anything is fetched.
    let mut to_fetch: Vec<String> = Vec::new();
    for key in &missing {
        if kind_of(key).is_none() {
            skipped.push(format!("{key}: not a Sitebook output"));
            continue;
        }
        let wanted = key.rsplit('/').next().unwrap_or(key);
        // Longer than a file name may be on the disks Sitebook runs on: it would fail to be
        // written on every try, and hold up the files after it.
        if wanted.len() > MAX_RESTORED_NAME_BYTES {
            skipped.push(format!(
                "{key}: its name is longer than {MAX_RESTORED_NAME_BYTES} bytes, more than a \
                 file on this computer may have"
            ));
            continue;
        }
        to_fetch.push(key.to_string());
    }
    // Fetched a few at a time, as the uploads go (the bucket's round trips, not this computer,
    // set the pace), by a task of their own so that the downloads go on while each file is
    // written and recorded here, one by one in the listing's order. The task ends with this
    // function, however it ends (a JoinSet aborts its tasks when dropped).
    let total = to_fetch.len();
    let concurrency = ctx.sync.concurrency.max(1);
    let (bucket, here) = (Arc::new(bucket), Arc::new(here));
    let (fetched_out, mut fetched_in) = tokio::sync::mpsc::channel(concurrency);
    let mut fetching = JoinSet::new();
    fetching.spawn(async move {
        let mut fetches = futures_util::stream::iter(to_fetch)
            .map(|key| {
                let (bucket, here) = (bucket.clone(), here.clone());
                async move {
                    let fetched = fetch(&bucket, &key, &here).await;
                    (key, fetched)
                }
            })
            .buffered(concurrency);
        while let Some(item) = fetches.next().await {
            if fetched_out.send(item).await.is_err() {
                break;
            }
        }
    });
    let mut done = 0usize;
    while let Some((key, fetched)) = fetched_in.recv().await {
        done += 1;
        let progress = 5 + (90 * done / total.max(1)) as u8;
        queue::report(ctx, job, progress, &format!("Fetched {done} of {total}"))
            .await
            .map_err(store)?;
        if queue::heartbeat(ctx, job).await.map_err(store)? {
            return Err(("download".to_string(), RunFailure::Cancelled));
        }
        let (bytes, stored_sha256) = match fetched? {
            Fetched::AlreadyHere => {
                already_here += 1;
                continue;
            }
            Fetched::Object {
                bytes,
                stored_sha256,
            } => (bytes, stored_sha256),
        };
        let sha256 = sha256_bytes(&bytes);
        // Sitebook stores every output with its sha256: an object without one was put there by
        // something else, and is not taken for an output.
        match stored_sha256.as_deref() {
            None => {
                skipped.push(format!(
                    "{key}: it carries no sha256 of Sitebook's, so Sitebook did not store it"
                ));
                continue;
            }
            Some(stored) if stored != sha256 => {
                skipped.push(format!(
                    "{key}: its content does not match the sha256 it was stored with"
                ));
                continue;
            }
            Some(_) => {}
        }
        let Some(kind) = kind_of(&key) else {
            continue; // Set aside above; not fetched.
        };
        let wanted = key.rsplit('/').next().unwrap_or(&key);
        let filename = free_name(&folder, wanted, &taken);
        let (written, written_into) =
            outputs::write_leaving_folder_unsynced(ctx, &scope, &filename, kind, &bytes, "")
                .map_err(store)?;
        crate::store::files::sync_folder(&written_into);
        let mut tx = ctx.write_tx().await.map_err(store)?;
        let output_id = outputs::record(ctx, &mut tx, &scope, job.id, &written)
            .await
            .map_err(store)?;
        outbox::mark_restored_in(ctx, &mut tx, &scope, output_id, &key)
            .await
            .map_err(store)?;
        tx.commit().await.map_err(|e| store(e.into()))?;
        taken.insert(filename);
        restored += 1;
    }
    // The fetching task ends early only if it was stopped (a panic): what it did not hand over
    // is not restored, so the job is not done.
    if done < total {
        return Err((
            "download".to_string(),
            RunFailure::Transient(format!(
                "the downloads stopped after {done} of {total} files; the restore goes on from there"
            )),
        ));
    }
    for reason in &skipped {
        queue::warn(ctx, job, "download", &format!("Not restored: {reason}"))
            .await
            .map_err(store)?;
    }
    if restored == 0 && !skipped.is_empty() {
        return Err(permanent(
            "download",
            format!("Nothing could be restored: {}", skipped.join("; ")),
        ));
    }
    let result = serde_json::json!({
        "restored": restored,
        "alreadyHere": keys.len() - missing.len() + already_here,
        "skipped": skipped,
    });
    let tx = ctx.write_tx().await.map_err(store)?;
    queue::complete_and_commit(ctx, tx, job, &result)
        .await
        .map_err(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_key_folder() {
        assert_eq!(kind_of("p/moh/pdf/bill.pdf"), Some("pdf"));
        assert_eq!(kind_of("moh/xlsx/bill.xlsx"), Some("xlsx"));
        assert_eq!(kind_of("moh/other/bill.pdf"), None);
        assert_eq!(kind_of("bill.pdf"), None);
    }

    #[test]
    fn a_taken_name_gets_a_restored_number() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bill.pdf"), "here").unwrap();
        let taken: HashSet<String> = ["bill (restored 2).pdf".to_string()].into();
        assert_eq!(
            free_name(dir.path(), "bill.pdf", &taken),
            "bill (restored 3).pdf"
        );
        assert_eq!(
            free_name(dir.path(), "abstract.xlsx", &taken),
            "abstract.xlsx"
        );
        assert_eq!(
            free_name(dir.path(), "README", &["README".to_string()].into()),
            "README (restored 2)"
        );
    }
}
