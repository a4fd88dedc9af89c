//! Restore on a new laptop: the `restore_outputs` job lists the org's objects in its bucket
//! and downloads the ones this device lacks into `outputs/{org_slug}/`, where they appear in
//! Outputs marked "restored".
//!
//! Each download is checked against the sha256 the object was stored with, and written under a
//! name no local file has, so nothing here (another device's file of the same name included) is
//! ever overwritten. A restored file is recorded as already synced under its key, so it is never
//! sent back. The job runs in the job engine like any other: progress as files arrive, retried
//! on a network failure, and a second run only fetches what is still missing. Up to four
//! downloads are in flight at once (the syncer's concurrency), alongside the storing of the
//! files, in the listing's order and in batches: each file is durable before its rename, and a
//! batch costs one folder sync and one commit. A file that a crash left written but not
//! recorded is taken up by the next run, not restored beside itself.
//!
//! It also mends this device: an output synced from here whose file has since gone from the
//! data folder (deleted by hand, taken by a virus scanner) is fetched back into place under its
//! own row, when the bucket's copy still has the bytes that row records; and a file of this
//! device that the retention cleanup removed with its row goes back to the job that made it,
//! as that job's file (`outputs::record_cleaned_again`), not beside it as a restored stranger.

use std::collections::HashSet;
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::task::JoinSet;

use crate::domain::permissions::Action;
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::Ctx;
use crate::jobs::{JobHandlers, JobKind, RunFailure};
use crate::store::files::{
    modified_ago, off_the_async_threads, outputs_dir, sha256_bytes, sha256_file, sync_folder,
    write_atomic, write_new_leaving_folder_unsynced,
};
use crate::store::{outbox, outputs};
use crate::sync::bucket::{Bucket, BucketError};
use crate::sync::syncer::open_bucket;
use crate::tenancy::gate::{OrgScope, WriteScope};

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

/// Queues a restore of the scope's org from its bucket, or returns the one already queued or
/// running there (due at once, if it was waiting to be retried). Two restores of one org at
/// once would each write every file, and the second would keep a copy of each beside the first.
pub(crate) async fn request(
    ctx: &Ctx,
    scope: &WriteScope,
) -> crate::error::Result<queue::JobRequest> {
    // Refused now, not queued to fail: a restore has nowhere to fetch from.
    crate::sync::config::configured_target(ctx, scope).await?;
    let mut tx = ctx.write_tx().await?;
    let requested =
        queue::enqueue_unless_underway(ctx, &mut tx, scope, JobKind::RestoreOutputs, "{}").await?;
    tx.commit().await?;
    ctx.wake.notify_waiters();
    Ok(requested)
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
/// Whether `key`, listed under an org's `folder` (ending in '/'), lies where Sitebook puts an
/// output: in one of the org's kind folders (`{folder}{kind}/{file}`). Told by the key's own
/// parent folder alone, an object lying directly in an org folder named `pdf` (another org's,
/// in a bucket shared under a prefix that equals that org's folder) was taken for this org's.
fn is_output_key(folder: &str, key: &str) -> bool {
    let in_a_kind_folder = key
        .strip_prefix(folder.trim_start_matches('/'))
        .and_then(|inner| inner.split_once('/'))
        .is_some_and(|(_, file)| !file.is_empty() && !file.contains('/'));
    in_a_kind_folder && kind_of(key).is_some()
}

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
    (2..)
        .map(|n| outputs::labelled(wanted, &format!("restored {n}")))
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

/// The most fetched files waiting in memory to be stored, and so the most in one batch (one
/// folder sync and one commit): what arrived while the last batch was being stored.
const STORE_BATCH: usize = 16;

/// What a finished restore did, as its job recorded it: the files it restored as new
/// outputs, the files of this device's own outputs it fetched back, those already here, and
/// why it passed over the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RestoreOutcome {
    /// Objects restored as outputs this device did not have.
    #[ts(type = "number")]
    pub restored: u64,
    /// This device's own outputs whose files were gone here, fetched back.
    #[ts(type = "number")]
    pub fetched_back: u64,
    /// Outputs already here, left as they are.
    #[ts(type = "number")]
    pub already_here: u64,
    /// Why each object passed over was not restored.
    pub skipped: Vec<String>,
}

/// The outcome of the scope's org's restore job `job_id`, once it has completed.
pub(crate) async fn outcome(
    ctx: &Ctx,
    scope: &OrgScope,
    job_id: i64,
) -> crate::error::Result<Option<RestoreOutcome>> {
    let result: Option<Option<String>> = sqlx::query_scalar(
        "SELECT result FROM jobs WHERE id = ? AND org_id = ? AND kind = ? \
         AND status = 'completed'",
    )
    .bind(job_id)
    .bind(scope.org_id())
    .bind(JobKind::RestoreOutputs.as_str())
    .fetch_optional(&ctx.db)
    .await?;
    Ok(result
        .flatten()
        .and_then(|text| serde_json::from_str(&text).ok()))
}

/// What the restore has stored so far, and what it refused.
#[derive(Default)]
struct Stored {
    restored: usize,
    /// Files of this device's own rows put back where they were (see [`fetch_back`]).
    fetched_back: usize,
    already_here: usize,
    skipped: Vec<String>,
}

/// A fetched object with the name it takes here.
struct Placed {
    key: String,
    filename: String,
    kind: &'static str,
    size: usize,
    sha256: String,
    /// `None` when the file is already on disk under that name: a restore a crash cut short
    /// wrote it, and no row names it yet.
    bytes: Option<Vec<u8>>,
}

/// How recent a file must be to be taken up by [`left_by_a_cut_restore`]: well inside the age at
/// which the crash sweep moves a file no row names to `lost+found/`
/// ([`outputs::LEFTOVER_GRACE`]), so that the sweep, which may run beside a resumed restore,
/// never moves a file away between its take-up and its row's commit. An older one goes to
/// `lost+found/` in time, and the object is restored beside it meanwhile.
const TAKE_UP_WITHIN: std::time::Duration =
    outputs::LEFTOVER_GRACE.saturating_sub(std::time::Duration::from_secs(10 * 60));

/// A file under `wanted` that no row of the org names, written lately, whose bytes are those of
/// the object: a restore that a crash stopped after writing it and before recording it. It is
/// taken up as it is, where restoring it again would put a copy beside it.
fn left_by_a_cut_restore(
    folder: &std::path::Path,
    wanted: &str,
    sha256: &str,
    taken: &HashSet<String>,
) -> bool {
    if taken.contains(wanted) {
        return false;
    }
    let path = folder.join(wanted);
    path.is_file()
        && modified_ago(&path).is_some_and(|age| age < TAKE_UP_WITHIN)
        && sha256_file(&path).is_ok_and(|on_disk| on_disk == sha256)
}

/// Names each object of a batch in `folder`, in order, and sets aside what is not restored. A
/// failed download stops the batch there: what was placed before it is still stored, and the
/// next attempt fetches the rest.
fn place_batch(
    batch: Vec<(String, Result<Fetched, Step>)>,
    folder: &std::path::Path,
    taken: &mut HashSet<String>,
    stored: &mut Stored,
) -> (Vec<Placed>, Option<Step>) {
    let mut placed = Vec::with_capacity(batch.len());
    for (key, fetched) in batch {
        let (bytes, stored_sha256) = match fetched {
            Err(failed) => return (placed, Some(failed)),
            Ok(Fetched::AlreadyHere) => {
                stored.already_here += 1;
                continue;
            }
            Ok(Fetched::Object {
                bytes,
                stored_sha256,
            }) => (bytes, stored_sha256),
        };
        let sha256 = sha256_bytes(&bytes);
        // Sitebook stores every output with its sha256: an object without one was put there by
        // something else, and is not taken for an output.
        match stored_sha256.as_deref() {
            None => {
                stored.skipped.push(format!(
                    "{key}: it carries no sha256 of Sitebook's, so Sitebook did not store it"
                ));
                continue;
            }
            Some(recorded) if recorded != sha256 => {
                stored.skipped.push(format!(
                    "{key}: its content does not match the sha256 it was stored with"
                ));
                continue;
            }
            Some(_) => {}
        }
        let Some(kind) = kind_of(&key) else {
            continue; // Set aside before the downloads; not fetched.
        };
        let size = bytes.len();
        let wanted = key.rsplit('/').next().unwrap_or(&key).to_string();
        let (filename, bytes) = if left_by_a_cut_restore(folder, &wanted, &sha256, taken) {
            (wanted, None)
        } else {
            (free_name(folder, &wanted, taken), Some(bytes))
        };
        taken.insert(filename.clone());
        placed.push(Placed {
            size,
            key,
            filename,
            kind,
            sha256,
            bytes,
        });
    }
    (placed, None)
}

/// A synced output of this device whose file is gone from the data folder, and where its copy
/// lies in the bucket.
struct Gone {
    key: String,
    path: std::path::PathBuf,
    sha256: String,
}

/// The org's outputs whose copy is among the bucket's `keys` and whose file is no longer on
/// disk: deleted by hand, taken by a virus scanner, or lost to a disk fault. Their rows stay as
/// they are; [`fetch_back`] puts their files back.
async fn gone_from_disk(
    ctx: &Ctx,
    scope: &WriteScope,
    keys: &[String],
) -> crate::error::Result<Vec<Gone>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT o.object_key, f.stored_path, f.sha256 FROM output_files f \
         JOIN sync_outbox o ON o.output_id = f.id \
         WHERE f.org_id = ? AND o.object_key IS NOT NULL AND o.state IN ('synced', 'conflict')",
    )
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?;
    let listed: HashSet<String> = keys.iter().cloned().collect();
    let data_dir = ctx.data_dir.clone();
    off_the_async_threads(move || {
        Ok(rows
            .into_iter()
            .filter(|(key, _, _)| listed.contains(key))
            .map(|(key, stored_path, sha256)| Gone {
                key,
                path: data_dir.join(stored_path),
                sha256,
            })
            .filter(|gone| !gone.path.exists())
            .collect())
    })
    .await
}

/// Downloads each [`Gone`] file's copy, a few at a time, and writes it back where its row says
/// it lies, durably, when its bytes are still those the row records (an object replaced in the
/// bucket since is passed over, by name). Nothing is recorded: the rows never changed.
async fn fetch_back(
    ctx: &Ctx,
    job: &ClaimedJob,
    bucket: &Bucket,
    gone: Vec<Gone>,
    stored: &mut Stored,
) -> Result<(), Step> {
    let store = |e: crate::error::Error| ("store".to_string(), RunFailure::from(e));
    let total = gone.len();
    let mut downloads = futures_util::stream::iter(gone)
        .map(|gone| async move {
            let got = bucket.get_with_sha256(&gone.key).await;
            (gone, got)
        })
        .buffered(ctx.sync.concurrency.max(1));
    let mut done = 0;
    while let Some((gone, got)) = downloads.next().await {
        let (bytes, _) = got.map_err(|e| from_bucket("download", e))?;
        done += 1;
        if sha256_bytes(&bytes) != gone.sha256 {
            stored.skipped.push(format!(
                "{}: its file is missing here, and the copy in the bucket is no longer the one \
                 this computer sent (it was replaced there)",
                gone.key
            ));
            continue;
        }
        off_the_async_threads(move || write_atomic(&gone.path, &bytes))
            .await
            .map_err(store)?;
        stored.fetched_back += 1;
        queue::report(
            ctx,
            job,
            5,
            &format!("Fetched back {done} of {total} files that were missing here"),
        )
        .await
        .map_err(store)?;
    }
    Ok(())
}

/// Writes a batch's files (each durable before its name is given, and never over a file that a
/// job of this device has written there since the batch was placed), syncs the folder once, and
/// records them all in one commit, each as synced under its key. A crash before the commit
/// leaves files that no row names; the next attempt takes them up ([`left_by_a_cut_restore`]).
async fn store_batch(
    ctx: &Ctx,
    scope: &WriteScope,
    job: &ClaimedJob,
    folder: &std::path::Path,
    taken: &HashSet<String>,
    mut placed: Vec<Placed>,
    stored: &mut Stored,
) -> Result<(), Step> {
    let store = |e: crate::error::Error| ("store".to_string(), RunFailure::from(e));
    if placed.is_empty() {
        return Ok(());
    }
    let taken_up: Vec<bool> = placed.iter().map(|item| item.bytes.is_none()).collect();
    let writes: Vec<(usize, String, Vec<u8>)> = placed
        .iter_mut()
        .enumerate()
        .filter_map(|(index, item)| {
            let bytes = item.bytes.take()?;
            Some((index, item.filename.clone(), bytes))
        })
        .collect();
    let (written_into, taken) = (folder.to_path_buf(), taken.clone());
    // Each file under its placed name, unless a job of this device has written that name
    // since it was placed: then under the next free one. A restore never writes over a file.
    let named = off_the_async_threads(move || {
        let mut named = Vec::with_capacity(writes.len());
        for (index, wanted, bytes) in &writes {
            let mut name = wanted.clone();
            while !write_new_leaving_folder_unsynced(&written_into.join(&name), bytes)? {
                name = free_name(&written_into, wanted, &taken);
            }
            named.push((*index, name));
        }
        // Also for files taken up as they were: their names may not have been synced.
        sync_folder(&written_into);
        Ok(named)
    })
    .await
    .map_err(store)?;
    for (index, name) in named {
        placed[index].filename = name;
    }
    let records: Vec<_> = placed
        .into_iter()
        .zip(taken_up)
        .map(|(item, taken_up)| {
            let output = outputs::WrittenOutput::in_outputs_of(
                scope.org_slug(),
                &item.filename,
                item.kind,
                item.size,
                item.sha256,
                "",
            );
            (item.key, output, taken_up)
        })
        .collect();
    let mut tx = ctx.write_tx().await.map_err(store)?;
    for (key, output, taken_up) in &records {
        // A file taken up as it was may have gained its row since the names were read, from a
        // job of this device that wrote the same bytes under the same name: it is here already.
        if *taken_up
            && outputs::is_recorded(&mut tx, scope, &output.relative_path)
                .await
                .map_err(store)?
        {
            stored.already_here += 1;
            continue;
        }
        // A file of this device that the retention cleanup removed goes back to its job.
        let output_id = match outputs::record_cleaned_again(ctx, &mut tx, scope, key, output)
            .await
            .map_err(store)?
        {
            Some(output_id) => {
                stored.fetched_back += 1;
                output_id
            }
            None => {
                stored.restored += 1;
                outputs::record(ctx, &mut tx, scope, job.id, output)
                    .await
                    .map_err(store)?
            }
        };
        outbox::mark_restored_in(ctx, &mut tx, scope, output_id, key)
            .await
            .map_err(store)?;
    }
    tx.commit().await.map_err(|e| store(e.into()))?;
    Ok(())
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
    let gone = gone_from_disk(ctx, &scope, &keys).await.map_err(store)?;
    let to_fetch_back = if gone.is_empty() {
        String::new()
    } else {
        format!(", and {} missing here to fetch back", gone.len())
    };
    queue::report(
        ctx,
        job,
        5,
        &format!(
            "{} of {} files in the bucket to fetch{to_fetch_back}",
            missing.len(),
            keys.len()
        ),
    )
    .await
    .map_err(store)?;
    let mut stored = Stored::default();
    fetch_back(ctx, job, &bucket, gone, &mut stored).await?;

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
    let skipped_by_name: Vec<String> = listing
        .unreadable
        .iter()
        .map(|name| {
            format!(
                "{name}: its name holds a line break or another character Sitebook cannot read; \
                 rename it in the bucket's console to restore it"
            )
        })
        .collect();
    stored.skipped.extend(skipped_by_name);
    // What cannot be restored is set aside by its name, before anything is fetched.
    let mut to_fetch: Vec<String> = Vec::new();
    let org_folder = bucket.org_folder_key(&scope.bucket_folder());
    for key in &missing {
        if !is_output_key(&org_folder, key) {
            stored.skipped.push(format!("{key}: not a Sitebook output"));
            continue;
        }
        let wanted = key.rsplit('/').next().unwrap_or(key);
        // Longer than a file name may be on the disks Sitebook runs on: it would fail to be
        // written on every try, and hold up the files after it.
        if wanted.len() > MAX_RESTORED_NAME_BYTES {
            stored.skipped.push(format!(
                "{key}: its name is longer than {MAX_RESTORED_NAME_BYTES} bytes, more than a \
                 file on this computer may have"
            ));
            continue;
        }
        to_fetch.push(key.to_string());
    }
    // Fetched a few at a time, as the uploads go (the bucket's round trips, not this computer,
    // set the pace), by a task of their own so that the downloads go on while the files are
    // written and recorded here, in the listing's order. The task ends with this function,
    // however it ends (a JoinSet aborts its tasks when dropped).
    let total = to_fetch.len();
    let concurrency = ctx.sync.concurrency.max(1);
    let (bucket, here) = (Arc::new(bucket), Arc::new(here));
    let (fetched_out, mut fetched_in) = tokio::sync::mpsc::channel(STORE_BATCH);
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
    while let Some(first) = fetched_in.recv().await {
        // Whatever arrived while the last batch was being stored is stored together: one
        // folder sync and one commit for the batch, where each file cost its own before.
        let mut batch = vec![first];
        while batch.len() < STORE_BATCH {
            match fetched_in.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        done += batch.len();
        let progress = 5 + (90 * done / total.max(1)) as u8;
        queue::report(ctx, job, progress, &format!("Fetched {done} of {total}"))
            .await
            .map_err(store)?;
        if queue::heartbeat(ctx, job).await.map_err(store)? {
            return Err(("download".to_string(), RunFailure::Cancelled));
        }
        let (placed, failed) = place_batch(batch, &folder, &mut taken, &mut stored);
        store_batch(ctx, &scope, job, &folder, &taken, placed, &mut stored).await?;
        if let Some(failed) = failed {
            return Err(failed);
        }
    }
    let Stored {
        restored,
        fetched_back,
        already_here,
        skipped,
    } = stored;
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
    if restored + fetched_back == 0 && !skipped.is_empty() {
        return Err(permanent(
            "download",
            format!("Nothing could be restored: {}", skipped.join("; ")),
        ));
    }
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    let result = serde_json::to_value(RestoreOutcome {
        restored: count(restored),
        fetched_back: count(fetched_back),
        already_here: count(
            (keys.len() - missing.len()).saturating_sub(fetched_back) + already_here,
        ),
        skipped,
    })
    .map_err(|e| store(crate::error::Error::Internal(e.to_string())))?;
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
        assert!(is_output_key("p/moh/", "p/moh/pdf/bill.pdf"));
        assert!(is_output_key("/moh/", "moh/json/estimate.json"));
        // Directly in an org folder named like a kind: another org's file, not an output here.
        assert!(!is_output_key(
            "root/pdf/",
            "root/pdf/estimate1-bill1-job2.pdf"
        ));
        assert!(is_output_key(
            "root/pdf/",
            "root/pdf/pdf/estimate1-bill1-job2.pdf"
        ));
        assert!(!is_output_key("p/moh/", "p/moh/notes/bill.pdf"));
        assert!(!is_output_key("p/moh/", "p/other/pdf/bill.pdf"));
        assert_eq!(kind_of("p/moh/pdf/bill.pdf"), Some("pdf"));
        assert_eq!(kind_of("moh/xlsx/bill.xlsx"), Some("xlsx"));
        assert_eq!(kind_of("moh/other/bill.pdf"), None);
        assert_eq!(kind_of("bill.pdf"), None);
    }

    fn object(key: &str, bytes: &[u8]) -> (String, Result<Fetched, Step>) {
        let fetched = Fetched::Object {
            bytes: bytes.to_vec(),
            stored_sha256: Some(sha256_bytes(bytes)),
        };
        (key.to_string(), Ok(fetched))
    }

    #[test]
    fn a_batch_gives_two_objects_of_one_name_two_names_before_either_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let batch = vec![
            object("sitebook/aaa/pdf/bill", b"the pdf"),
            object("sitebook/aaa/xlsx/bill", b"the xlsx"),
        ];
        let (mut taken, mut stored) = (HashSet::new(), Stored::default());
        let (placed, failed) = place_batch(batch, dir.path(), &mut taken, &mut stored);
        assert!(failed.is_none());
        let names: Vec<&str> = placed.iter().map(|p| p.filename.as_str()).collect();
        assert_eq!(names, ["bill", "bill (restored 2)"]);
    }

    #[test]
    fn a_failed_download_ends_the_batch_after_what_came_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let cut = (
            "sitebook/aaa/pdf/b.pdf".to_string(),
            Err((
                "download".to_string(),
                RunFailure::Transient("connection reset".into()),
            )),
        );
        let batch = vec![
            object("sitebook/aaa/pdf/a.pdf", b"a"),
            cut,
            object("sitebook/aaa/pdf/c.pdf", b"c"),
        ];
        let (mut taken, mut stored) = (HashSet::new(), Stored::default());
        let (placed, failed) = place_batch(batch, dir.path(), &mut taken, &mut stored);
        let names: Vec<&str> = placed.iter().map(|p| p.filename.as_str()).collect();
        assert_eq!(names, ["a.pdf"], "stored before the failure is returned");
        assert!(matches!(failed, Some((_, RunFailure::Transient(_)))));
    }

    #[test]
    fn only_a_recent_file_with_the_objects_bytes_and_no_row_is_taken_up() {
        let dir = tempfile::tempdir().unwrap();
        let sha256 = sha256_bytes(b"the object");
        std::fs::write(dir.path().join("bill.pdf"), b"the object").unwrap();
        std::fs::write(dir.path().join("other.pdf"), b"other bytes").unwrap();
        let none = HashSet::new();
        assert!(left_by_a_cut_restore(
            dir.path(),
            "bill.pdf",
            &sha256,
            &none
        ));
        assert!(!left_by_a_cut_restore(
            dir.path(),
            "other.pdf",
            &sha256,
            &none
        ));
        assert!(!left_by_a_cut_restore(
            dir.path(),
            "missing.pdf",
            &sha256,
            &none
        ));
        let named: HashSet<String> = ["bill.pdf".to_string()].into();
        assert!(!left_by_a_cut_restore(
            dir.path(),
            "bill.pdf",
            &sha256,
            &named
        ));
        // Old enough for the crash sweep to move it at any moment: left to the sweep.
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3_600);
        std::fs::File::options()
            .write(true)
            .open(dir.path().join("bill.pdf"))
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        assert!(!left_by_a_cut_restore(
            dir.path(),
            "bill.pdf",
            &sha256,
            &none
        ));
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
