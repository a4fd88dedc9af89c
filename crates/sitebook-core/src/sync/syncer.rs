//! The syncer: drains each organization's outbox into its bucket.
//!
//! For every org whose target is on, it acts as the person who configured the target, through
//! the gate (a person who lost the right pauses their org's sync). It claims due rows, at most
//! `concurrency` uploads at a time, and for each:
//! - reads the file and checks it still has the recorded sha256;
//! - puts it create-only under `{prefix}/{org}/{kind}/{file}` with its sha256 as metadata;
//! - if the key is taken by the same content, the row is synced (a retry after a crash, or
//!   another device of the org with the same file); if by other content, the file goes under a
//!   conflict key (`… (conflict from <device> <date>).pdf`) and the row is marked `conflict`,
//!   so nothing is overwritten and both copies are kept;
//! - verifies the object's size and sha256 before marking the row synced.
//!
//! Transient failures (offline, timeouts, 5xx, 429) retry with exponential backoff and jitter;
//! a permanent one (wrong secret, no permission, no bucket) marks the row failed with the
//! reason and stops that org's pass, since every other row would fail the same way. A file
//! that cannot be sent (gone or changed on disk) fails alone.
//!
//! Create-only puts rely on the server honouring `If-None-Match: *` (AWS, R2, Garage and s3s
//! do). Where a server ignores it, the put could replace an object another device wrote in the
//! instant between our read of the outbox and the put; there is no HEAD-then-put here that would
//! narrow that window and still leave one.

use std::sync::Arc;

use futures_util::StreamExt;
use rand_core::RngCore;
use tokio::task::JoinSet;

use crate::domain::permissions::Action;
use crate::error::{Error, Result};
use crate::jobs::Ctx;
use crate::secrets::Secret;
use crate::store::files::{sha256_bytes, sha256_file};
use crate::store::outbox::{self, OutboxCounts, OutboxItem, Settled};
use crate::sync::bucket::{Bucket, BucketError};
use crate::sync::config::{self, configured_target, SyncTarget};
use crate::sync::SyncTuning;
use crate::tenancy::gate::{authorize_write, WriteScope};
use crate::tenancy::session::session_for_job;

/// Opens the scope's org's bucket with its secret from the keyring.
pub(crate) async fn open_bucket(ctx: &Ctx, scope: &WriteScope) -> Result<(SyncTarget, Bucket)> {
    let target = configured_target(ctx, scope).await?;
    let bucket = bucket_of(ctx, &target).await?;
    Ok((target, bucket))
}

async fn bucket_of(ctx: &Ctx, target: &SyncTarget) -> Result<Bucket> {
    let secret: Secret = ctx
        .keyring
        .get(&target.secret_account)
        .await?
        .ok_or_else(|| {
            Error::Precondition(
                "The secret access key is missing from the system keyring; enter it again in \
                 the sync settings."
                    .into(),
            )
        })?;
    Bucket::open(&target.settings, &secret, &ctx.sync.timeouts)
        .map_err(|e| Error::SyncFailed(e.message().to_string()))
}

/// "Test connection": writes, reads back and deletes a small probe object.
pub(crate) async fn test_connection(ctx: &Ctx, scope: &WriteScope) -> Result<String> {
    let (target, bucket) = open_bucket(ctx, scope).await?;
    let stamp = ctx.clock.now().format("%Y%m%dT%H%M%S%.3f");
    let key = bucket.key(
        &scope.bucket_folder(),
        "probe",
        &format!("sitebook-probe-{}-{stamp}.txt", ctx.device),
    );
    let body = format!("Sitebook connection test from {} at {stamp}\n", ctx.device).into_bytes();
    let sha = sha256_bytes(&body);
    let failed = |e: BucketError| Error::SyncFailed(e.message().to_string());
    bucket
        .put_new(&key, body.clone(), &sha)
        .await
        .map_err(failed)?;
    let read = bucket.get(&key).await.map_err(failed)?;
    bucket.delete(&key).await.map_err(failed)?;
    if read != body {
        return Err(Error::SyncFailed(format!(
            "{} stored the probe object but gave back other bytes; the bucket cannot be trusted \
             with outputs.",
            target.settings.endpoint
        )));
    }
    Ok(format!(
        "Connected to bucket '{}' at {}: a probe object was written, read back and deleted.",
        target.settings.bucket, target.settings.endpoint
    ))
}

/// The longest a SigV4 presigned link may live: 7 days.
pub const MAX_SHARE_SECONDS: u64 = 7 * 24 * 60 * 60;

/// A link to a synced output, valid for `expires_in` (at most 7 days).
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ShareLink {
    /// The presigned GET link; anyone who has it can download the file until it expires.
    pub url: String,
    /// When the link stops working: RFC 3339 UTC text.
    pub expires_at: String,
}

/// A presigned GET link to the scope's synced output `output_id`, audited.
pub(crate) async fn share(
    ctx: &Ctx,
    scope: &WriteScope,
    output_id: i64,
    expires_in: std::time::Duration,
) -> Result<ShareLink> {
    if expires_in.is_zero() || expires_in.as_secs() > MAX_SHARE_SECONDS {
        return Err(Error::Validation(
            "A share link lasts between 1 second and 7 days (the longest S3 allows).".into(),
        ));
    }
    let (filename, _) = crate::store::outputs::locate(ctx, scope, output_id).await?;
    if crate::store::outputs::withdrawn_output(ctx, scope, output_id)
        .await?
        .is_some()
    {
        return Err(Error::Precondition(withdrawn_share_refusal(&filename)));
    }
    let key = outbox::object_key_of(ctx, scope, output_id)
        .await?
        .ok_or_else(|| {
            Error::Precondition(format!(
                "{filename} is not in the bucket yet, so it cannot be shared by link. Wait for \
                 it to sync (sync status) or run sync now."
            ))
        })?;
    let (_, bucket) = open_bucket(ctx, scope).await?;
    let url = bucket
        .share_link(&key, expires_in)
        .await
        .map_err(|e| Error::SyncFailed(e.message().to_string()))?;
    let expires_at = crate::clock::to_db_time(
        ctx.clock.now() + chrono::Duration::from_std(expires_in).unwrap_or_default(),
    );
    crate::tenancy::audit::AuditEvent::new("output.share", crate::tenancy::audit::Outcome::Success)
        .by_name(Some(scope.user_id()), scope.username())
        .in_scope(scope)
        .object("output", output_id)
        .reason(format!("link to {key} until {expires_at}"))
        .write(ctx)
        .await?;
    Ok(ShareLink { url, expires_at })
}

/// Why a withdrawn document's file is not shared by link: the bucket holds it as it was made,
/// unmarked, and a link would hand it on as if it were in force.
pub fn withdrawn_share_refusal(filename: &str) -> String {
    format!(
        "{filename} belongs to a withdrawn bill or work slip, so it is not shared by link: the \
         bucket holds it as it was made, unmarked. Save a copy with Save as… instead: the copy \
         is marked WITHDRAWN."
    )
}

/// What a check of the bucket found: of the outputs counted as synced, those whose objects are
/// gone from the bucket (deleted there, or a lifecycle rule expired them) or are now of another
/// size (replaced there), each put back in line to be sent again.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BucketCheck {
    /// How many synced outputs were looked for in the bucket.
    #[ts(type = "number")]
    pub checked: u64,
    /// Outputs whose objects the bucket no longer has, by file name.
    pub missing: Vec<String>,
    /// Outputs whose objects the bucket holds with another size, by file name.
    pub altered: Vec<String>,
    /// Objects in the org's folder, put there by another tool, whose names Sitebook cannot
    /// read (a control character shown as '␤'). They are left as they are.
    pub unreadable: Vec<String>,
}

impl BucketCheck {
    /// Every output the check put back in line.
    pub fn requeued(&self) -> usize {
        self.missing.len() + self.altered.len()
    }

    /// One to three sentences for a person: what was found and what happens to it.
    pub fn summary(&self, org_code: &str) -> String {
        let mut summary = self.outputs_summary(org_code);
        if !self.unreadable.is_empty() {
            let objects = if self.unreadable.len() == 1 {
                "an object".to_string()
            } else {
                format!("{} objects", self.unreadable.len())
            };
            summary.push_str(&format!(
                " The bucket also holds {objects} under {org_code}'s folder whose names Sitebook \
                 cannot read ({}): put there by another tool, and left as they are.",
                named(&self.unreadable)
            ));
        }
        summary
    }

    fn outputs_summary(&self, org_code: &str) -> String {
        if self.checked == 0 {
            return format!(
                "No output of {org_code} has reached the bucket yet: nothing to check."
            );
        }
        if self.requeued() == 0 && self.checked == 1 {
            return format!("The one synced output of {org_code} is in the bucket as it was sent.");
        }
        if self.requeued() == 0 {
            return format!(
                "All {} synced outputs of {org_code} are in the bucket as they were sent.",
                self.checked
            );
        }
        let mut found = Vec::new();
        if !self.missing.is_empty() {
            found.push(format!(
                "{} no longer in the bucket ({})",
                were(self.missing.len()),
                named(&self.missing)
            ));
        }
        if !self.altered.is_empty() {
            found.push(format!(
                "{} replaced there by other content ({})",
                were(self.altered.len()),
                named(&self.altered)
            ));
        }
        let outputs = if self.checked == 1 {
            "one synced output".to_string()
        } else {
            format!("{} synced outputs", self.checked)
        };
        format!(
            "Of the {outputs} of {org_code}, {}. {} in line to be sent again; nothing in the \
             bucket is overwritten.",
            found.join(", and "),
            if self.requeued() == 1 {
                "It is"
            } else {
                "They are"
            }
        )
    }
}

/// "1 was", "3 were".
fn were(count: usize) -> String {
    if count == 1 {
        "1 was".to_string()
    } else {
        format!("{count} were")
    }
}

/// Up to five names, and how many more.
fn named(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// What a check of the bucket found, and what became of it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BucketCheckReport {
    /// The outputs found gone from the bucket or replaced there.
    pub check: BucketCheck,
    /// The outbox afterwards (after sending again, when sync is on).
    pub counts: OutboxCounts,
    /// The finding and its outcome, in a sentence or three.
    pub summary: String,
}

/// [`check_with`], and then, when it put outputs back in line and sync is on, a pass that
/// sends them again (create-only: what the bucket holds now is never overwritten).
pub(crate) async fn check_and_send(
    ctx: &Ctx,
    scope: &WriteScope,
    deep: bool,
) -> Result<BucketCheckReport> {
    let (target, bucket) = open_bucket(ctx, scope).await?;
    let check = check_with(ctx, scope, &bucket, deep).await?;
    let mut summary = check.summary(scope.org_code());
    let counts = if check.requeued() == 0 {
        outbox::counts(ctx, scope).await?
    } else if !target.enabled {
        summary.push_str(" Sync is paused; they go when it is turned on again.");
        outbox::counts(ctx, scope).await?
    } else {
        let counts = send_due(ctx, scope, Arc::new(bucket)).await?;
        summary.push_str(&format!(
            " After sending again: {} synced, {} kept as conflicts, {} waiting, {} failed.",
            counts.synced,
            counts.conflict,
            counts.pending + counts.uploading,
            counts.failed
        ));
        counts
    };
    Ok(BucketCheckReport {
        check,
        counts,
        summary,
    })
}

/// Why a bucket check stopped: the bucket's own answer, which says whether trying again later
/// can help, or anything else.
enum CheckStopped {
    Bucket(BucketError),
    Other(Error),
}

impl From<Error> for CheckStopped {
    fn from(error: Error) -> Self {
        CheckStopped::Other(error)
    }
}

impl From<CheckStopped> for Error {
    fn from(stopped: CheckStopped) -> Self {
        match stopped {
            CheckStopped::Bucket(error) => Error::SyncFailed(error.message().to_string()),
            CheckStopped::Other(error) => error,
        }
    }
}

/// A check's entry in the sync status while it runs ([`crate::context::ChecksUnderway`]): each
/// move is news to the org's sync feed, and the entry goes when the check ends, however it ends.
struct CheckUnderway<'a> {
    ctx: &'a Ctx,
    org_id: i64,
    ticket: u64,
}

impl<'a> CheckUnderway<'a> {
    fn start(ctx: &'a Ctx, org_id: i64, deep: bool) -> Self {
        let ticket = ctx.bucket_checks.start(org_id, deep);
        let _ = ctx.sync_news.send(org_id);
        Self {
            ctx,
            org_id,
            ticket,
        }
    }

    fn moved(&self, change: impl FnOnce(&mut crate::context::BucketCheckProgress)) {
        self.ctx
            .bucket_checks
            .update(self.org_id, self.ticket, change);
        let _ = self.ctx.sync_news.send(self.org_id);
    }
}

impl Drop for CheckUnderway<'_> {
    fn drop(&mut self) {
        self.ctx.bucket_checks.end(self.org_id, self.ticket);
        let _ = self.ctx.sync_news.send(self.org_id);
    }
}

/// Lists the scope's org's folder in the bucket and puts every synced output whose object is
/// gone, or is there with another size, back in line. One listing per kind folder and no
/// download, unless `deep`: then every object of the right size is also read back and hashed,
/// which is what notices other bytes of the very same size.
async fn check_with(
    ctx: &Ctx,
    scope: &WriteScope,
    bucket: &Bucket,
    deep: bool,
) -> std::result::Result<BucketCheck, CheckStopped> {
    let underway = CheckUnderway::start(ctx, scope.org_id(), deep);
    let listing = bucket
        .org_objects(&scope.bucket_folder(), |listed| {
            underway.moved(|progress| progress.listed = listed)
        })
        .await
        .map_err(CheckStopped::Bucket)?;
    let listed: std::collections::HashMap<String, u64> = listing.objects.into_iter().collect();
    let sent = outbox::sent(ctx, scope).await?;
    let outputs = sent.len() as u64;
    underway.moved(|progress| progress.outputs = outputs);
    let mut check = BucketCheck {
        checked: outputs,
        missing: Vec::new(),
        altered: Vec::new(),
        unreadable: listing.unreadable,
    };
    // (output id, whether its content must be compared when it is sent again)
    let mut again = Vec::new();
    let mut to_read = Vec::new();
    for output in sent {
        match listed.get(&output.object_key) {
            None => {
                check.missing.push(output.filename);
                again.push((output.id, false));
            }
            Some(&size) if i64::try_from(size).ok() != Some(output.size) => {
                check.altered.push(output.filename);
                again.push((output.id, false));
            }
            Some(_) if deep => to_read.push(output),
            Some(_) => {}
        }
    }
    // The deep check reads back every object of the right size, a few at a time as the uploads
    // go (the bucket's round trips, not this computer, set the pace), each hashed as it streams
    // in, so memory stays at a few chunks whatever the sizes.
    let mut compared = outputs - to_read.len() as u64;
    underway.moved(|progress| progress.compared = compared);
    let mut reads = futures_util::stream::iter(to_read.into_iter().enumerate())
        .map(|(n, output)| async move {
            let held = bucket.sha256_of(&output.object_key).await;
            (n, output, held)
        })
        .buffer_unordered(ctx.sync.concurrency.max(1));
    let mut not_as_sent = Vec::new();
    while let Some((n, output, held)) = reads.next().await {
        let held = held.map_err(CheckStopped::Bucket)?;
        compared += 1;
        underway.moved(|progress| progress.compared = compared);
        if held.as_deref() != Some(output.sha256.as_str()) {
            not_as_sent.push((n, held.is_some(), output));
        }
    }
    // Named in the order the outputs were sent, whichever download ended first.
    not_as_sent.sort_by_key(|(n, _, _)| *n);
    for (_, still_there, output) in not_as_sent {
        if still_there {
            check.altered.push(output.filename);
            // Same size, and maybe our sha256 as metadata: only the bytes tell.
            again.push((output.id, true));
        } else {
            // Deleted since the listing.
            check.missing.push(output.filename);
            again.push((output.id, false));
        }
    }
    if !again.is_empty() {
        outbox::send_again(ctx, scope, &again).await?;
        tracing::info!(
            org = scope.org_code(),
            missing = check.missing.len(),
            altered = check.altered.len(),
            "outputs no longer in the bucket as sent are in line again"
        );
    }
    super::config::mark_checked(ctx, scope).await?;
    // The feed hears of the new check time as `underway` ends.
    Ok(check)
}

/// One pass over the scope's org, the background syncer's and `sync run`'s alike: the bucket
/// is checked first when a check is due ([`bucket_check_due`]), so that a bucket the settings
/// switched to gets every output, not only those waiting; then the due rows are sent. Returns
/// the outbox counts afterwards.
pub(crate) async fn sync_org(ctx: &Ctx, scope: &WriteScope) -> Result<OutboxCounts> {
    let target = configured_target(ctx, scope).await?;
    if !target.enabled {
        return outbox::counts(ctx, scope).await;
    }
    let bucket = match bucket_of(ctx, &target).await {
        Ok(bucket) => bucket,
        Err(error) => {
            // A pass that cannot start (no keyring, a secret gone from it) touches no row:
            // said on the waiting ones, it shows as the org's last problem, where people look.
            outbox::note_problem(ctx, scope, &error.to_string()).await?;
            return Err(error);
        }
    };
    if bucket_check_due(ctx, &target) {
        match check_with(ctx, scope, &bucket, false).await {
            Ok(_) => {}
            Err(CheckStopped::Bucket(BucketError::Transient(problem))) => {
                // Offline, or a server that does not answer: each send would wait out the same
                // timeout, so the pass ends here, said on the waiting outputs, and the check
                // waits for a pass that reaches the bucket.
                outbox::note_problem(ctx, scope, &problem).await?;
                let _ = ctx.sync_news.send(scope.org_id());
                return outbox::counts(ctx, scope).await;
            }
            Err(stopped) => {
                // A key that may put objects but not list them, say: the sends may still go
                // through, and say why if they do not.
                let error = Error::from(stopped);
                tracing::warn!(org = scope.org_code(), %error, "could not check the bucket");
            }
        }
    }
    send_due(ctx, scope, Arc::new(bucket)).await
}

/// Sends the scope's org's due rows through `bucket` once. Returns the outbox counts afterwards.
async fn send_due(ctx: &Ctx, scope: &WriteScope, bucket: Arc<Bucket>) -> Result<OutboxCounts> {
    let released = outbox::release_abandoned(ctx, scope).await?;
    if released > 0 {
        tracing::info!(
            org = scope.org_code(),
            released,
            "outputs left uploading by a stopped sync are in line again"
        );
    }
    let tuning = ctx.sync.clone();
    let mut stopped = false;
    'pass: loop {
        let items = outbox::claim_due(ctx, scope, tuning.batch).await?;
        if items.is_empty() {
            break;
        }
        let mut running: JoinSet<(OutboxItem, Outcome)> = JoinSet::new();
        let mut waiting = items.into_iter();
        let mut stop = false;
        loop {
            while running.len() < tuning.concurrency.max(1) && !stop {
                let Some(item) = waiting.next() else { break };
                let (ctx, scope, bucket) = (ctx.clone(), scope.clone(), bucket.clone());
                running.spawn(async move {
                    let outcome = upload(&ctx, &scope, &bucket, &item).await;
                    (item, outcome)
                });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let (item, outcome) =
                joined.map_err(|e| Error::Internal(format!("an upload stopped: {e}")))?;
            let settled = match &outcome {
                Outcome::Synced(key) => Settled::Synced { key },
                Outcome::Conflict(key, note) => Settled::Conflict { key, note },
                Outcome::Failed(BucketError::Transient(error)) => {
                    // A server that is down or not answering would cost every other output
                    // of the pass its full timeout too: they wait for the next pass instead.
                    stop = true;
                    Settled::RetryAt {
                        at: ctx.clock.now() + backoff(&tuning, item.attempts),
                        error,
                    }
                }
                Outcome::Failed(BucketError::Permanent(error)) => {
                    stop = true;
                    Settled::Failed { error }
                }
                Outcome::Unsendable(error) => Settled::Failed { error },
            };
            outbox::settle(ctx, scope, item.id, settled).await?;
            let _ = ctx.sync_news.send(scope.org_id());
        }
        // Rows claimed but never started go back in line.
        for item in waiting {
            outbox::settle(
                ctx,
                scope,
                item.id,
                Settled::RetryAt {
                    at: ctx.clock.now(),
                    error: "not tried: an earlier upload of this pass failed",
                },
            )
            .await?;
        }
        if stop {
            stopped = true;
            break 'pass;
        }
    }
    // The bucket just failed: the anchor waits for a pass that reaches it.
    if stopped {
        let _ = ctx.sync_news.send(scope.org_id());
        return outbox::counts(ctx, scope).await;
    }
    if let Err(error) = send_audit_anchor(ctx, scope, &bucket).await {
        tracing::warn!(org = scope.org_code(), %error, "could not copy the audit anchor to the bucket");
    }
    let _ = ctx.sync_news.send(scope.org_id());
    outbox::counts(ctx, scope).await
}

/// Copies this device's newest audit anchor to the bucket, once per anchor, as a new object
/// (`{prefix}/{org}/audit/anchor-{device}-{row}.json`): a copy the laptop cannot rewrite, to
/// check the log against if the laptop's data dir is ever in doubt.
async fn send_audit_anchor(ctx: &Ctx, scope: &WriteScope, bucket: &Bucket) -> Result<()> {
    let Some(anchor) = crate::store::audit_anchor::read(&ctx.data_dir)? else {
        return Ok(());
    };
    if config::audit_anchor_sent(ctx, scope).await? >= anchor.id {
        return Ok(());
    }
    let bytes = serde_json::to_vec_pretty(&anchor)
        .map_err(|e| Error::Internal(format!("Could not encode the audit anchor: {e}")))?;
    let sha256 = sha256_bytes(&bytes);
    let name = format!("anchor-{}-{:012}.json", ctx.device, anchor.id);
    let key = bucket.key(&scope.bucket_folder(), "audit", &name);
    bucket
        .put_new(&key, bytes, &sha256)
        .await
        .map_err(|e| Error::SyncFailed(e.message().to_string()))?;
    config::mark_audit_anchor_sent(ctx, scope, anchor.id).await
}

enum Outcome {
    Synced(String),
    Conflict(String, String),
    /// The bucket or the network failed; a permanent failure is the target's, for every row.
    Failed(BucketError),
    /// This one file cannot be sent (gone or changed on disk); the other rows still can.
    Unsendable(String),
}

/// What goes up: a small file's bytes, or a large file read from disk part by part.
enum Body {
    Bytes(Vec<u8>),
    File { path: std::path::PathBuf, size: u64 },
}

impl Body {
    fn size(&self) -> u64 {
        match self {
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::File { size, .. } => *size,
        }
    }
}

/// The file of `item` as it will be sent, once it is known to be the content recorded.
async fn body_of(ctx: &Ctx, item: &OutboxItem) -> std::result::Result<Body, String> {
    let path = ctx.data_dir.join(&item.stored_path);
    let unreadable = |e: &dyn std::fmt::Display| {
        format!(
            "{} could not be read from this computer ({e}); it cannot be synced.",
            item.filename
        )
    };
    let size = tokio::fs::metadata(&path)
        .await
        .map_err(|e| unreadable(&e))?
        .len();
    let (body, sha256) = if size > ctx.sync.multipart_threshold {
        let hashed = path.clone();
        let sha256 = tokio::task::spawn_blocking(move || sha256_file(&hashed))
            .await
            .map_err(|e| unreadable(&e))?
            .map_err(|e| unreadable(&e))?;
        (Body::File { path, size }, sha256)
    } else {
        let bytes = tokio::fs::read(&path).await.map_err(|e| unreadable(&e))?;
        let sha256 = sha256_bytes(&bytes);
        (Body::Bytes(bytes), sha256)
    };
    if sha256 != item.sha256 {
        return Err(format!(
            "{} changed on disk since it was recorded; it was not synced.",
            item.filename
        ));
    }
    Ok(body)
}

async fn upload(ctx: &Ctx, scope: &WriteScope, bucket: &Bucket, item: &OutboxItem) -> Outcome {
    let body = match body_of(ctx, item).await {
        Ok(body) => body,
        Err(reason) => return Outcome::Unsendable(reason),
    };
    let key = bucket.key(&scope.bucket_folder(), &item.kind, &item.filename);
    let verify = Verify {
        sha256: &item.sha256,
        read_back: item.check_content,
    };
    match put_verified(bucket, &key, &body, &verify, ctx.sync.part_size).await {
        Ok(Placed::Done) => Outcome::Synced(key),
        Ok(Placed::TakenByOther) => {
            let day = ctx.clock.now().format("%Y-%m-%d").to_string();
            let exact = ctx.clock.now().format("%Y-%m-%d %H%M%S").to_string();
            for when in [day, exact] {
                let conflict_key = conflict_key(&key, &ctx.device, &when);
                match put_verified(bucket, &conflict_key, &body, &verify, ctx.sync.part_size).await
                {
                    Ok(Placed::Done) => {
                        let note = format!(
                            "{key} already held other content (from another device), so this \
                             copy was kept as {conflict_key}."
                        );
                        return Outcome::Conflict(conflict_key, note);
                    }
                    Ok(Placed::TakenByOther) => continue,
                    Err(error) => return Outcome::Failed(error),
                }
            }
            Outcome::Failed(BucketError::Transient(format!(
                "{key} and its conflict names are all taken; it will be tried again."
            )))
        }
        Err(error) => Outcome::Failed(error),
    }
}

enum Placed {
    /// The object is there with exactly these bytes.
    Done,
    /// Something else is there.
    TakenByOther,
}

/// What an upload takes as its own bytes already under a key.
struct Verify<'a> {
    sha256: &'a str,
    /// Compare the bytes themselves when the key's metadata and size match ours.
    read_back: bool,
}

async fn put_verified(
    bucket: &Bucket,
    key: &str,
    body: &Body,
    verify: &Verify<'_>,
    part_size: usize,
) -> std::result::Result<Placed, BucketError> {
    let sha256 = verify.sha256;
    match body {
        Body::Bytes(bytes) => bucket.put_new(key, bytes.clone(), sha256).await?,
        Body::File { path, .. } => {
            bucket
                .put_new_in_parts(key, path, sha256, part_size)
                .await?
        }
    }
    // Whether new or already there, what counts is what the bucket now holds.
    match bucket.stored(key).await? {
        // Our sha256 on an object of another size: other bytes were put there under our
        // metadata (S3 puts are whole, so ours cannot have been cut short). A create-only put
        // can never replace them, so ours is kept beside them, as for any other content. After
        // a deep check found such bytes of the same size, the bytes themselves are compared.
        Some(stored) if stored.sha256.as_deref() == Some(sha256) => {
            let ours = stored.size == body.size()
                && (!verify.read_back || sha256_bytes(&bucket.get(key).await?) == sha256);
            Ok(if ours {
                Placed::Done
            } else {
                Placed::TakenByOther
            })
        }
        // No sha256 on the object: a server that drops user metadata, or an upload cut off
        // between writing the object and its metadata. Its content decides.
        Some(stored) if stored.sha256.is_none() && stored.size == body.size() => {
            let held = bucket.get(key).await?;
            if sha256_bytes(&held) == sha256 {
                Ok(Placed::Done)
            } else {
                Ok(Placed::TakenByOther)
            }
        }
        Some(_) => Ok(Placed::TakenByOther),
        None => Err(BucketError::Transient(format!(
            "{key} was not found right after it was stored; it will be uploaded again."
        ))),
    }
}

/// `a/b/bill-1.pdf` → `a/b/bill-1 (conflict from laptop-7 2026-12-01).pdf`.
fn conflict_key(key: &str, device: &str, when: &str) -> String {
    let (folder, name) = key.rsplit_once('/').unwrap_or(("", key));
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (name, String::new()),
    };
    let renamed = format!("{stem} (conflict from {device} {when}){extension}");
    if folder.is_empty() {
        renamed
    } else {
        format!("{folder}/{renamed}")
    }
}

/// `retry_base × 2^(attempts-1)`, at most 15 minutes, ±25 % so devices do not retry in step.
fn backoff(tuning: &SyncTuning, attempts: i64) -> chrono::Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let base = tuning
        .retry_base
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(std::time::Duration::from_secs(15 * 60));
    let jitter = 0.75 + f64::from(rand_core::OsRng.next_u32() % 1000) / 2000.0;
    chrono::Duration::from_std(base.mul_f64(jitter)).unwrap_or(chrono::Duration::minutes(15))
}

/// One pass over every org whose sync is on (the background syncer's unit of work), each as
/// [`sync_org`]: an org whose bucket was last checked longer than `check_every` ago, or never
/// since its settings were saved, is checked first, so that what was deleted there goes up
/// again in this pass. The time is kept with the target, so a restart does not check again.
pub(crate) async fn sync_all(ctx: &Ctx) -> Result<()> {
    let targets: Vec<(i64, i64)> =
        sqlx::query_as("SELECT org_id, updated_by FROM sync_targets WHERE enabled = 1")
            .fetch_all(&ctx.db)
            .await?;
    for (org_id, configured_by) in targets {
        let session = match session_for_job(ctx, configured_by, org_id).await {
            Ok(session) => session,
            Err(error) => {
                tracing::warn!(org_id, %error, "sync paused: the person who set it up cannot act");
                continue;
            }
        };
        let scope = match authorize_write(ctx, &session, Action::SyncConfigure).await {
            Ok(scope) => scope,
            Err(error) => {
                tracing::warn!(org_id, %error, "sync paused: the person who set it up lost the right");
                continue;
            }
        };
        if let Err(error) = sync_org(ctx, &scope).await {
            tracing::warn!(org = scope.org_code(), %error, "sync pass failed");
        }
    }
    Ok(())
}

/// Whether `target`'s bucket was last checked `check_every` ago or longer, or not since its
/// settings were saved.
fn bucket_check_due(ctx: &Ctx, target: &SyncTarget) -> bool {
    let check_every =
        chrono::Duration::from_std(ctx.sync.check_every).unwrap_or(chrono::Duration::MAX);
    // A time that does not read (edited by hand) is as good as none.
    target
        .checked_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .is_none_or(|at| ctx.clock.now().signed_duration_since(at) >= check_every)
}

/// The background syncer of the desktop app and `sitebook worker`: puts back rows a crash
/// left uploading, then passes over every org now and every `poll_interval`, checking each
/// bucket when its `check_every` has passed since it was last checked.
pub(crate) async fn run_forever(ctx: Ctx) {
    match outbox::release_interrupted(&ctx).await {
        Ok(0) => {}
        Ok(released) => tracing::info!(
            released,
            "sync rows left uploading by a crash are pending again"
        ),
        Err(error) => tracing::warn!(%error, "could not release interrupted sync rows"),
    }
    loop {
        if let Err(error) = sync_all(&ctx).await {
            tracing::warn!(%error, "sync pass failed");
        }
        tokio::time::sleep(ctx.sync.poll_interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_keys_keep_the_folder_and_the_extension() {
        assert_eq!(
            conflict_key("p/moh/pdf/bill-1.pdf", "laptop-7", "2026-12-01"),
            "p/moh/pdf/bill-1 (conflict from laptop-7 2026-12-01).pdf"
        );
        assert_eq!(
            conflict_key("README", "pc", "2026-12-01"),
            "README (conflict from pc 2026-12-01)"
        );
    }

    #[test]
    fn backoff_doubles_within_its_jitter_and_stops_at_fifteen_minutes() {
        let tuning = SyncTuning::default();
        let base = chrono::Duration::from_std(tuning.retry_base).unwrap();
        for attempts in 1..=4 {
            let wait = backoff(&tuning, attempts);
            let nominal = base * 2i32.pow(attempts as u32 - 1);
            assert!(
                wait >= nominal * 3 / 4 && wait <= nominal * 5 / 4,
                "{attempts}: {wait}"
            );
        }
        assert!(backoff(&tuning, 30) <= chrono::Duration::minutes(15) * 5 / 4);
    }
}
