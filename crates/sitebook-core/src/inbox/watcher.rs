//! The watcher: notices files arriving in the inbox, waits until each is complete, imports it
//! like a drop, and moves it out once its parse job has ended.
//!
//! Events only say *where to look*. A file is taken when its size and change time have stayed
//! the same for the settling period and it opens for reading, because both notify debouncers fire
//! on a half-written file whenever its writer pauses. The change time (ctime on Unix) moves on
//! every write and every rename and cannot be set back by a copy tool, so a file renamed into the
//! folder is a fresh arrival and a file still being written never looks old. A settled file that
//! visibly lacks its end (a copy stalled half-way, see [`looks_unfinished`]) waits on, up to
//! the patience, so a stall of a network share is not read as a damaged workbook.
//!
//! Exactly once, even across `kill -9`: a file leaves the inbox only after its job has ended, and
//! the upload is content-addressed, so a file found again after a restart resolves to the upload
//! and job it already has instead of a second one. Files that cannot be moved out (a read-only
//! folder) are remembered by their hash, so they are neither imported nor reported twice.
//!
//! One watcher per folder: a watcher holds an OS lock on the hidden file `.sitebook-inbox.lock`
//! in the folder while it watches, so a second one (the desktop app and `sitebook watch`, or
//! two computers on a shared folder) waits and says who has it, instead of racing it for every
//! file. The lock goes with the process, however it ends.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use notify_debouncer_full::notify::RecursiveMode;
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, watch};
use ts_rs::TS;

use crate::domain::permissions::Action;
use crate::error::{Error, Result};
use crate::excel::sniff::looks_unfinished;
use crate::inbox::filed;
use crate::inbox::names::{self, Route};
use crate::inbox::settings::{InboxPlan, PlanSource};
use crate::inbox::InboxTiming;
use crate::jobs::intake::{self, Origin};
use crate::jobs::Ctx;
use crate::jobs::{queue, JobStatus};
use crate::store::files::{sha256_file, sha256_within};
use crate::tenancy::gate::{authorize_write, WriteScope};
use crate::tenancy::session::{self, Remember, Session};

/// How often candidates are looked at again, and how often the folder's presence is checked.
const TICK: Duration = Duration::from_millis(200);
/// How often a missing folder is looked for, and a folder another watcher holds is tried.
const MISSING_RETRY: Duration = Duration::from_secs(1);
/// The hidden file in the inbox folder whose OS lock its one watcher holds.
pub const LOCK_FILE: &str = ".sitebook-inbox.lock";
/// Events are grouped this long; settling, not this, decides when a file is taken.
const DEBOUNCE: Duration = Duration::from_millis(250);
/// A full look at the folder now and then, in case the OS dropped events (a burst can overflow
/// the inotify queue).
const RESCAN_EVERY: Duration = Duration::from_secs(30);
/// How often a paused inbox reads its person's standing (account, membership, role) again, to
/// resume soon after access is given back. A read, not an access attempt: the gate is asked,
/// and audits, only when the standing has changed.
const STANDING_LOOK: Duration = Duration::from_secs(1);

/// What the watcher is doing, for the top bar and `sitebook watch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InboxStatus {
    /// Whether the inbox is off, watched, or waiting for its folder to come back.
    pub state: InboxState,
    /// The folder watched (or waited for), when there is one.
    pub folder: Option<String>,
    /// Who watches the folder instead, while the state is `watchedElsewhere`: what the other
    /// watcher wrote in the folder's lock file ("Sitebook on laptop-7, process 4120").
    pub watched_by: Option<String>,
    /// Files that look cut short, as a copy still under way does, and are waited for (by name,
    /// in order): nothing is imported from them until the rest arrives.
    pub arriving: Vec<String>,
    /// Why nothing is imported, while the state is `paused`: one sentence naming the person,
    /// the organization and what to do.
    pub paused_because: Option<String>,
}

/// The watcher's state, as the top bar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum InboxState {
    /// No inbox is set on this device.
    Off,
    /// The folder is there and new files in it are being imported.
    Watching,
    /// The folder is not there (an unplugged drive); watching resumes when it returns.
    Missing,
    /// Another watcher (another Sitebook, here or on another computer) has the folder; this one
    /// takes over when it stops.
    WatchedElsewhere,
    /// The person the inbox imports as may no longer upload into its organization (disabled,
    /// no longer a member, or a role that may not upload). Files put directly in the inbox are
    /// left where they are rather than each filed as failed for the same reason; importing
    /// resumes once the gate allows it again. Subfolders for other organizations go on.
    Paused,
}

impl InboxStatus {
    /// The status when no inbox is set on this device.
    pub fn off() -> Self {
        Self {
            state: InboxState::Off,
            folder: None,
            watched_by: None,
            arriving: Vec::new(),
            paused_because: None,
        }
    }
}

/// One thing that happened to one file, as the watcher reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InboxNews {
    /// The file's name, for the message shown to people.
    pub file_name: String,
    /// What became of the file.
    pub outcome: InboxOutcome,
    /// One sentence for people.
    pub message: String,
    /// The file's parse job, when it has one.
    #[ts(type = "number | null")]
    pub job_id: Option<i64>,
}

/// What became of one file in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum InboxOutcome {
    /// Taken in and queued for parsing.
    Queued,
    /// Parsed; moved to `imported/`.
    Imported,
    /// The same content was imported before; moved to `imported/`.
    AlreadyImported,
    /// Refused or failed; moved to `failed/` with a note saying why.
    Failed,
    /// Handled, but it could not be moved out of the folder; it will be left alone.
    Stuck,
    /// It disappeared before it finished arriving; nothing was imported.
    Vanished,
    /// It looks cut short, as a copy still under way does, so it is not read yet. Said once
    /// per file; it is read when the rest arrives, or after the patience if nothing more does.
    Waiting,
    /// Not imported, and left where it is: deeper than one subfolder, not a regular file, a
    /// link to nothing, or unreadable to this account. The message says which and what to do.
    Ignored,
}

/// The watcher's two outward channels.
#[derive(Clone)]
pub struct InboxSignals {
    /// The watcher's current state, which late subscribers read at once.
    pub status: watch::Sender<InboxStatus>,
    /// What happens to each file, sent to whoever is listening at the time.
    pub news: broadcast::Sender<InboxNews>,
}

impl Default for InboxSignals {
    fn default() -> Self {
        Self {
            status: watch::channel(InboxStatus::off()).0,
            news: broadcast::channel(512).0,
        }
    }
}

/// A file seen arriving, not yet complete.
struct Arrival {
    size: u64,
    changed: SystemTime,
    unchanged_since: Instant,
    /// Since when, unchanged, it has looked cut short.
    unfinished_since: Option<Instant>,
    /// Whether its waiting was told, so a copy that stalls again is not told again.
    told_waiting: bool,
    /// Whether it was told to be open in another program, so that is said once.
    told_open: bool,
}

impl Arrival {
    fn new(size: u64, changed: SystemTime) -> Self {
        Self {
            size,
            changed,
            unchanged_since: Instant::now(),
            unfinished_since: None,
            told_waiting: false,
            told_open: false,
        }
    }
}

/// How a handled file went in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Imported {
    /// Its job made `estimates` estimates now, whose parse gave `warnings` warnings.
    Now {
        /// How many estimates it made (a workbook may hold several).
        estimates: usize,
        /// Parse warnings of the estimates it made.
        warnings: i64,
    },
    /// The same content had come in before; nothing new was stored.
    Before,
}

impl Imported {
    /// What job `job_id`, completed, made: its estimates and their warnings. Told as imported
    /// all the same when that cannot be read, since the job did complete.
    async fn by_job(ctx: &Ctx, scope: &WriteScope, job_id: i64) -> Self {
        let made = crate::store::estimates::made_by_job(ctx, scope, job_id)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "inbox could not read what a job made");
                Vec::new()
            });
        Imported::Now {
            estimates: made.len(),
            warnings: made.iter().map(|e| e.warning_count).sum(),
        }
    }

    /// What became of the file's content, as the inbox tells it. Warnings and a second
    /// estimate are told, since on an unattended machine this line may be all anyone reads of
    /// the import.
    fn told(self) -> (InboxOutcome, String) {
        match self {
            Imported::Before => (
                InboxOutcome::AlreadyImported,
                "Already imported (the same content came in before)".to_owned(),
            ),
            Imported::Now {
                estimates,
                warnings,
            } => {
                let (made, lists) = if estimates > 1 {
                    (format!(" as {estimates} estimates"), "the estimates list")
                } else {
                    (String::new(), "the estimate lists")
                };
                let warned = match warnings {
                    0 => String::new(),
                    1 => format!(" with 1 warning ({lists} it)"),
                    _ => format!(" with {warnings} warnings ({lists} them)"),
                };
                (InboxOutcome::Imported, format!("Imported{made}{warned}"))
            }
        }
    }
}

/// A file taken in whose job has not ended yet.
struct Taken {
    path: PathBuf,
    sha256: String,
    scope: WriteScope,
    job_id: i64,
    already_imported: bool,
    /// Once its job has failed: since when, and the file's size and change time then. It waits
    /// [`FAILED_GRACE_SETTLES`] settling periods before it moves to `failed/`.
    failed_since: Option<(Instant, Option<(u64, SystemTime)>)>,
}

/// How many settling periods a file whose job failed stays put before it is filed under
/// `failed/`. A copy from a slow network drive can pause for longer than one settling period:
/// the half file is taken and fails as damaged, and when the copy goes on, the file changes
/// here, is taken again whole and imported, instead of being finished inside `failed/`.
const FAILED_GRACE_SETTLES: u32 = 5;

/// Watches the plan's folder until the task is dropped.
pub async fn run(ctx: Ctx, plan: InboxPlan, timing: InboxTiming, signals: InboxSignals) {
    let ctx_endings = ctx.endings.listen();
    let mut watcher = Watcher {
        ctx,
        folder: plan.folder.clone(),
        plan,
        settle: timing.settle,
        unfinished_patience: timing.unfinished_patience,
        paused_recheck: timing.paused_recheck,
        signals,
        arrivals: HashMap::new(),
        taken: Vec::new(),
        left_alone: HashSet::new(),
        told_ignored: HashSet::new(),
        scopes: HashMap::new(),
        endings: ctx_endings,
        paused: None,
    };
    watcher.run().await;
}

struct Watcher {
    ctx: Ctx,
    plan: InboxPlan,
    folder: PathBuf,
    settle: Duration,
    unfinished_patience: Duration,
    paused_recheck: Duration,
    signals: InboxSignals,
    arrivals: HashMap<PathBuf, Arrival>,
    taken: Vec<Taken>,
    /// Files looked at and left where they are (stuck ones), by path, size and change time, so
    /// they are not hashed again on every rescan.
    left_alone: HashSet<(PathBuf, u64, SystemTime)>,
    /// Paths the inbox never takes (too deep, not a file, a dangling link) whose reason was
    /// told once already, so a rescan or a copy still growing does not tell it again.
    told_ignored: HashSet<PathBuf>,
    /// Write scopes for refiling retried files, by org folder (`None` for the inbox itself);
    /// see [`Watcher::lasting_scope`].
    scopes: HashMap<Option<String>, Option<WriteScope>>,
    /// The jobs this process ends: one may be a retried job whose file lies under `failed/`.
    endings: mpsc::UnboundedReceiver<i64>,
    /// While the inbox's person may not upload.
    paused: Option<Pause>,
}

/// Why a paused inbox imports nothing, and what it knows of its person since.
struct Pause {
    reason: String,
    /// When the gate was last asked: a waiting file asks again only after `paused_recheck`.
    asked: Instant,
    /// The session the gate refused, as last read: the person's account, organization and
    /// role. When a fresh read differs, access may be back, and the gate is asked at once.
    refused_as: Session,
    /// When the standing was last read.
    looked: Instant,
}

/// Why a file is not uploaded where it lies.
enum Refusal {
    /// This file's place is wrong (a subfolder naming an organization it may not go to): it is
    /// filed as failed, with the sentence.
    ThisFile(String),
    /// The inbox's person may not upload at all: every file would fail alike, so none is
    /// touched and the inbox pauses, with the sentence and the session that was refused.
    EveryFile(String, Session),
}

impl Watcher {
    async fn run(&mut self) {
        loop {
            if !self.folder.is_dir() {
                self.set_state(InboxState::Missing);
                tracing::warn!(folder = %self.folder.display(), "inbox folder is missing; waiting for it");
                while !self.folder.is_dir() {
                    tokio::time::sleep(MISSING_RETRY).await;
                }
            }
            // Whatever arrives while another watcher hands over is seen by the rescan below,
            // which comes after the folder is watched.
            let claim = match claim_folder(&self.folder, &self.holder_name()) {
                Claim::Held(lock) => Some(lock),
                Claim::Unlockable(reason) => {
                    tracing::warn!(folder = %self.folder.display(), %reason, "the inbox cannot be locked; watching without keeping other watchers off");
                    None
                }
                Claim::Elsewhere(holder) => {
                    if self.signals.status.borrow().state != InboxState::WatchedElsewhere {
                        tracing::warn!(folder = %self.folder.display(), %holder, "another watcher has the inbox; waiting for it to stop");
                    }
                    self.publish(InboxStatus {
                        state: InboxState::WatchedElsewhere,
                        folder: Some(self.folder.display().to_string()),
                        watched_by: Some(holder),
                        arriving: Vec::new(),
                        paused_because: None,
                    });
                    tokio::time::sleep(MISSING_RETRY).await;
                    continue;
                }
            };
            let (sender, mut events) = mpsc::unbounded_channel();
            let debouncer = notify_debouncer_full::new_debouncer(
                DEBOUNCE,
                None,
                move |result: notify_debouncer_full::DebounceEventResult| {
                    let _ = sender.send(result);
                },
            );
            let mut debouncer = match debouncer {
                Ok(debouncer) => debouncer,
                Err(e) => {
                    tracing::error!(error = %e, "could not start watching the inbox");
                    tokio::time::sleep(MISSING_RETRY).await;
                    continue;
                }
            };
            if let Err(e) = debouncer.watch(&self.folder, RecursiveMode::Recursive) {
                tracing::warn!(folder = %self.folder.display(), error = %e, "could not watch the inbox");
                tokio::time::sleep(MISSING_RETRY).await;
                continue;
            }
            match &self.paused {
                Some(pause) => self.publish_paused(pause.reason.clone()),
                None => self.set_state(InboxState::Watching),
            }
            tracing::info!(folder = %self.folder.display(), "watching the inbox");
            self.rescan();
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_rescan = Instant::now();
            // Files filed as failed while this watcher was away may have been retried meanwhile.
            let mut refile_due = true;
            loop {
                tokio::select! {
                    Some(result) = events.recv() => match result {
                        Ok(batch) => {
                            for event in batch {
                                if event.need_rescan() {
                                    self.rescan();
                                }
                                for path in &event.paths {
                                    self.notice(path);
                                }
                            }
                        }
                        Err(errors) => {
                            for error in errors {
                                tracing::warn!(error = %error, "inbox watch error; looking again");
                            }
                            self.rescan();
                        }
                    },
                    Some(_) = self.endings.recv() => refile_due = true,
                    _ = tick.tick() => {
                        if !self.folder.is_dir() {
                            break;
                        }
                        if last_rescan.elapsed() >= RESCAN_EVERY {
                            last_rescan = Instant::now();
                            self.rescan();
                            // A retry run by another process ends unheard here.
                            refile_due = true;
                        }
                        self.look_at_standing().await;
                        self.take_settled().await;
                        self.finish_ended().await;
                        if std::mem::take(&mut refile_due) {
                            self.refile_retried().await;
                        }
                    }
                }
            }
            drop(debouncer);
            drop(claim);
            // Files seen before the folder went away are looked for afresh when it returns.
            self.arrivals.clear();
        }
    }

    fn set_state(&self, state: InboxState) {
        self.publish(InboxStatus {
            state,
            folder: Some(self.folder.display().to_string()),
            watched_by: None,
            arriving: self.arriving(),
            paused_because: None,
        });
    }

    fn publish_paused(&self, reason: String) {
        self.publish(InboxStatus {
            state: InboxState::Paused,
            folder: Some(self.folder.display().to_string()),
            watched_by: None,
            arriving: self.arriving(),
            paused_because: Some(reason),
        });
    }

    /// Sends `status` to its subscribers when it differs from the last: a watcher waiting for
    /// another looks again every second, and each look had woken every subscriber (a line of
    /// `sitebook watch --json` a second, all alike).
    fn publish(&self, status: InboxStatus) {
        self.signals.status.send_if_modified(|current| {
            let changed = *current != status;
            *current = status;
            changed
        });
    }

    /// The names of the files told to be waited for, as the status lists them.
    fn arriving(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .arrivals
            .iter()
            .filter(|(_, arrival)| arrival.told_waiting || arrival.told_open)
            .map(|(path, _)| {
                let relative = path.strip_prefix(&self.folder).unwrap_or(path);
                relative.to_string_lossy().into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// Tells the status's subscribers when the files waited for have changed.
    fn announce_arriving(&self) {
        let arriving = self.arriving();
        self.signals.status.send_if_modified(|status| {
            let changed = status.arriving != arriving;
            status.arriving = arriving;
            changed
        });
    }

    /// How this watcher names itself in the lock file, for a second watcher to show.
    fn holder_name(&self) -> String {
        format!(
            "Sitebook on {}, process {}",
            self.ctx.device,
            std::process::id()
        )
    }

    /// What a file that looks cut short is told.
    fn waiting_message(&self) -> String {
        format!(
            "Not read yet: it looks incomplete, as if it is still being copied. It is read when \
             the rest arrives, or as it is after {} without a change.",
            crate::jobs::worker_process::describe(self.unfinished_patience)
        )
    }

    fn tell(&self, path: &Path, outcome: InboxOutcome, message: String, job_id: Option<i64>) {
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        match outcome {
            InboxOutcome::Failed | InboxOutcome::Stuck | InboxOutcome::Ignored => {
                tracing::warn!(file = %file_name, %message, "inbox")
            }
            _ => tracing::info!(file = %file_name, %message, "inbox"),
        }
        let _ = self.signals.news.send(InboxNews {
            file_name,
            outcome,
            message,
            job_id,
        });
    }

    /// Every file already in the folder (and its org subfolders) is a candidate.
    fn rescan(&mut self) {
        let Ok(entries) = std::fs::read_dir(&self.folder) else {
            return;
        };
        // A folder is entered only when it is one, never through a link (`notice` names the
        // link instead), so no link can bring another folder's files into the inbox.
        let is_real_dir = |entry: &std::fs::DirEntry| entry.file_type().is_ok_and(|t| t.is_dir());
        let mut paths = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if is_real_dir(&entry) {
                let is_org_folder = entry.file_name().to_str().is_some_and(names::is_org_folder);
                if is_org_folder {
                    if let Ok(inner) = std::fs::read_dir(&path) {
                        for entry in inner.flatten() {
                            // One level further, only to find files put too deep and say so
                            // (events tell of deeper ones as they arrive).
                            if is_real_dir(&entry) {
                                if let Ok(deeper) = std::fs::read_dir(entry.path()) {
                                    paths.extend(deeper.flatten().map(|entry| entry.path()));
                                }
                            } else {
                                paths.push(entry.path());
                            }
                        }
                    }
                }
            } else {
                paths.push(path);
            }
        }
        for path in paths {
            self.notice(&path);
        }
    }

    /// Something happened at `path`: if it is a file the inbox takes, watch it settle.
    fn notice(&mut self, path: &Path) {
        let Ok(relative) = path.strip_prefix(&self.folder) else {
            return;
        };
        if self.taken.iter().any(|t| t.path == path) {
            return;
        }
        if let Some(link) = link_within(&self.folder, relative) {
            self.tell_link_once(&link);
            return;
        }
        if names::route(relative).is_none() {
            if names::is_too_deep(relative) && path.is_file() {
                let folder = relative.parent().unwrap_or(relative).display();
                self.tell_ignored_once(
                    path,
                    format!(
                        "Not imported: it is in {folder}, deeper than the inbox reads. Put it \
                         directly in the inbox, or in a subfolder named after an organization's \
                         code."
                    ),
                );
            }
            return;
        }
        let Ok(metadata) = std::fs::metadata(path) else {
            return;
        };
        if metadata.is_dir() {
            // A new org subfolder: files copied in with it may have landed before the watch
            // reached it.
            let is_org_folder = relative.components().count() == 1
                && relative.to_str().is_some_and(names::is_org_folder);
            if is_org_folder {
                if let Ok(entries) = std::fs::read_dir(path) {
                    for entry in entries.flatten() {
                        if entry.path().is_file() {
                            self.notice(&entry.path());
                        }
                    }
                }
            }
            return;
        }
        if !metadata.is_file() {
            self.tell_ignored_once(
                path,
                "Not imported: it is not a regular file (a pipe, socket or device). Save the \
                 workbook itself into the inbox."
                    .into(),
            );
            return;
        }
        let size = metadata.len();
        let changed = changed_at(&metadata);
        if self
            .left_alone
            .contains(&(path.to_path_buf(), size, changed))
        {
            return;
        }
        self.arrivals
            .entry(path.to_path_buf())
            .or_insert_with(|| Arrival::new(size, changed));
    }

    /// Takes every arrival that has settled, and says which are waited for.
    async fn take_settled(&mut self) {
        self.take_settled_files().await;
        self.announce_arriving();
    }

    async fn take_settled_files(&mut self) {
        let now = Instant::now();
        let mut settled = Vec::new();
        let mut vanished = Vec::new();
        for (path, arrival) in &mut self.arrivals {
            let metadata = match std::fs::metadata(path) {
                Ok(metadata) if metadata.is_file() => metadata,
                _ => {
                    vanished.push(path.clone());
                    continue;
                }
            };
            let (size, changed) = (metadata.len(), changed_at(&metadata));
            if (size, changed) != (arrival.size, arrival.changed) {
                // The patience for a file that looks cut short counts from its last change.
                *arrival = Arrival {
                    told_waiting: arrival.told_waiting,
                    told_open: arrival.told_open,
                    ..Arrival::new(size, changed)
                };
                continue;
            }
            let quiet_for = SystemTime::now()
                .duration_since(changed)
                .unwrap_or_default();
            let watched_for = now.duration_since(arrival.unchanged_since);
            // Seen unchanged at least once by us, and untouched for the settling period by
            // the file system's clock (or by ours, if that clock is odd). One that looked cut
            // short is looked at again a settling period later by our clock, not every tick.
            let settled_by_its_clock =
                quiet_for >= self.settle && arrival.unfinished_since.is_none();
            if watched_for >= TICK && (settled_by_its_clock || watched_for >= self.settle) {
                settled.push(path.clone());
            }
        }
        for path in vanished {
            self.arrivals.remove(&path);
            self.tell(
                &path,
                InboxOutcome::Vanished,
                // Editors save to a temporary name and rename it: the name it took arrives
                // on its own, so this one is told apart from a file lost.
                "It was renamed or removed before it finished arriving, so nothing was \
                 imported under this name; a name it was given is read as a file of its own."
                    .into(),
                None,
            );
        }
        settled.sort();
        for path in settled {
            let Some(mut arrival) = self.arrivals.remove(&path) else {
                continue;
            };
            if let Some((last, first)) = locks_beside(&path).split_last() {
                // Looked at again each tick, so it is taken as soon as the program lets go.
                if !arrival.told_open {
                    arrival.told_open = true;
                    // Every one is named: deleting the one named would leave the file waiting.
                    let (which, them) = if first.is_empty() {
                        (format!("its lock file {last} is"), "the lock file")
                    } else {
                        let first = first.join(", ");
                        (
                            format!("its lock files {first} and {last} are"),
                            "the lock files",
                        )
                    };
                    self.tell(
                        &path,
                        InboxOutcome::Waiting,
                        format!(
                            "Not read yet: it is open in another program ({which} beside it). \
                             It is read once that program closes it. If nothing has it open, \
                             delete {them}."
                        ),
                        None,
                    );
                }
                self.arrivals.insert(path, arrival);
                continue;
            }
            let file = match std::fs::File::open(&path) {
                Ok(file) => file,
                // Unix does not lock files for writing, so refused here is for good: this
                // account may not read it. Said once; a change of its permissions changes its
                // change time, and it arrives anew.
                Err(e) if cfg!(unix) && e.kind() == std::io::ErrorKind::PermissionDenied => {
                    self.leave_alone(&path);
                    self.tell(
                        &path,
                        InboxOutcome::Ignored,
                        "Not imported: this account may not read the file, so it was left in \
                         the inbox. Give it read access and it will be imported."
                            .into(),
                        None,
                    );
                    continue;
                }
                Err(_) => {
                    // Still locked by its writer (on systems that lock); try again next tick.
                    self.arrivals.insert(path, arrival);
                    continue;
                }
            };
            let size = arrival.size;
            let unfinished =
                tokio::task::spawn_blocking(move || looks_unfinished(&mut { file }, size)).await;
            match unfinished {
                Ok(Ok(false)) => {}
                Ok(Ok(true)) => {
                    let since = *arrival.unfinished_since.get_or_insert(now);
                    if now.duration_since(since) < self.unfinished_patience {
                        if !arrival.told_waiting {
                            arrival.told_waiting = true;
                            self.tell(&path, InboxOutcome::Waiting, self.waiting_message(), None);
                        }
                        // Looked at again after another settling period.
                        arrival.unchanged_since = now;
                        self.arrivals.insert(path, arrival);
                        continue;
                    }
                    // Nothing more came: read as it is, it fails with the reader's reason.
                    tracing::info!(file = %path.display(), "inbox file still looks cut short after the patience; reading it as it is");
                }
                // Shrunk or gone while it was looked at: the next tick sees why.
                Ok(Err(_)) | Err(_) => {
                    self.arrivals.insert(path, arrival);
                    continue;
                }
            }
            if let Err(e) = self.take(&path).await {
                if let Error::Conflict(_) = e {
                    // Saved again as it was stored: it settles anew and is taken then.
                    tracing::info!(file = %path.display(), error = %e, "inbox file changed as it was taken; will look again");
                } else {
                    tracing::error!(file = %path.display(), error = %e, "inbox could not take a file; will look again");
                }
                // A database hiccup: the file stays where it is and is looked at again.
                self.arrivals.insert(
                    path,
                    Arrival {
                        unchanged_since: Instant::now(),
                        ..arrival
                    },
                );
            }
        }
    }

    /// Imports one complete file, or sends it to `failed/` with the reason.
    async fn take(&mut self, path: &Path) -> Result<()> {
        // Looked at again as it is read: a file swapped for a link since it was noticed.
        let relative = path.strip_prefix(&self.folder).unwrap_or(path);
        if let Some(link) = link_within(&self.folder, relative) {
            self.tell_link_once(&link);
            return Ok(());
        }
        let Some(route) = names::route(relative) else {
            return Ok(());
        };
        // Paused, a file for the inbox's own organization stays as it is and is looked at
        // again by a later rescan, unread; the gate is asked again only now and then.
        let home = route == Route::Home;
        if home
            && self
                .paused
                .as_ref()
                .is_some_and(|pause| pause.asked.elapsed() < self.paused_recheck)
        {
            return Ok(());
        }
        // Not through a link: the file, or its subfolder, may have been swapped for one since
        // it was looked at.
        let (folder, within) = (self.folder.clone(), relative.to_path_buf());
        let hashed = move || sha256_within(&folder, &within);
        let sha256 = match tokio::task::spawn_blocking(hashed).await {
            Ok(Ok(sha256)) => sha256,
            // Gone or unreadable between the settle check and now: look again later.
            Ok(Err(_)) => return Ok(()),
            Err(e) => return Err(Error::Internal(format!("hashing stopped: {e}"))),
        };
        if let Some(outcome) = stuck_outcome(&self.ctx, &sha256, &self.relative(path)).await? {
            self.leave_alone(path);
            tracing::debug!(file = %path.display(), outcome, "inbox file was handled before and cannot be moved");
            return Ok(());
        }
        let scope = match self.scope_for(&route).await? {
            Ok(scope) => scope,
            Err(Refusal::ThisFile(refusal)) => {
                self.move_out(path, &sha256, Err(refusal), None).await?;
                return Ok(());
            }
            Err(Refusal::EveryFile(reason, refused_as)) => {
                self.pause(reason, refused_as);
                return Ok(());
            }
        };
        if home {
            self.resume();
        }
        let this_file = self.describe_file(path);
        let origin = Origin::Inbox { file: &this_file };
        let outcome = intake::upload(&self.ctx, &scope, path, origin, Some(sha256.clone())).await?;
        if let Some(error) = outcome.error {
            self.move_out(path, &sha256, Err(error.message), outcome.job_id)
                .await?;
            return Ok(());
        }
        let Some(job_id) = outcome.job_id else {
            // Uploaded before jobs were kept with uploads: nothing to wait for.
            self.move_out(path, &sha256, Ok(Imported::Before), None)
                .await?;
            return Ok(());
        };
        // The same content came in before, as this very file, untouched since: its import was
        // cut short by a stop before it was told (and the file moved out). It is this file's
        // import, told when its job ends, not a second copy "already imported".
        let its_own = outcome.duplicate
            && intake::inbox_file_of(&self.ctx, &scope, job_id)
                .await?
                .is_some_and(|taken| taken == this_file);
        if !outcome.duplicate {
            self.tell(
                path,
                InboxOutcome::Queued,
                format!(
                    "Queued for reading into {} (job {job_id}).",
                    scope.org_code()
                ),
                Some(job_id),
            );
        }
        self.taken.push(Taken {
            path: path.to_path_buf(),
            sha256,
            scope,
            job_id,
            already_imported: outcome.duplicate && !its_own,
            failed_since: None,
        });
        Ok(())
    }

    /// Stops importing files put directly in the inbox, for `reason`.
    fn pause(&mut self, reason: String, refused_as: Session) {
        if self.paused.is_none() {
            tracing::warn!(folder = %self.folder.display(), %reason, "inbox paused: its person may not upload");
        }
        let now = Instant::now();
        self.paused = Some(Pause {
            reason: reason.clone(),
            asked: now,
            refused_as,
            looked: now,
        });
        self.publish_paused(reason);
    }

    /// While paused, reads the person's standing now and then, and asks the gate again once it
    /// has changed (an account enabled again, a membership given back or a role changed, here
    /// or by another process), so the inbox resumes without waiting for a file to arrive.
    async fn look_at_standing(&mut self) {
        let Some(pause) = &mut self.paused else {
            return;
        };
        if pause.looked.elapsed() < STANDING_LOOK {
            return;
        }
        pause.looked = Instant::now();
        let standing =
            match session::session_for_job(&self.ctx, self.plan.user_id, self.plan.org_id).await {
                Ok(standing) => standing,
                Err(e) => {
                    tracing::debug!(error = %e, "the paused inbox's person could not be read");
                    return;
                }
            };
        if standing == pause.refused_as {
            return;
        }
        match self.scope_for(&Route::Home).await {
            Ok(Ok(_)) => self.resume(),
            Ok(Err(Refusal::EveryFile(reason, refused_as))) => self.pause(reason, refused_as),
            // The inbox's own folder is never refused file by file.
            Ok(Err(Refusal::ThisFile(_))) => {}
            Err(e) => tracing::warn!(error = %e, "the paused inbox could not ask the gate again"),
        }
    }

    /// Imports again after a pause: the gate allows the person once more.
    fn resume(&mut self) {
        if self.paused.take().is_some() {
            tracing::info!(folder = %self.folder.display(), "inbox resumed: its person may upload again");
            self.set_state(InboxState::Watching);
            // What arrived during the pause is taken now, not at the next full look.
            self.rescan();
        }
    }

    /// The write scope to upload with, or why this file, or every file, may not go there.
    /// Each refusal is audited by the gate (or by the org lookup, for an unknown code).
    async fn scope_for(&self, route: &Route) -> Result<std::result::Result<WriteScope, Refusal>> {
        let mut session =
            session::session_for_job(&self.ctx, self.plan.user_id, self.plan.org_id).await?;
        if let Route::OrgFolder(code) = route {
            if let Err(e) = session::enter_org(&self.ctx, &mut session, code, Remember::No).await {
                return match e {
                    Error::NotFound(_) => Ok(Err(Refusal::ThisFile(format!(
                        "The subfolder '{code}' names no organization. Subfolders of the inbox \
                         must be named after an organization's code; move the file into the \
                         right one."
                    )))),
                    // The refusal's own sentence already names the code and what to do.
                    Error::Denied(message) => Ok(Err(Refusal::ThisFile(format!(
                        "{} may not import into '{code}'. {message}",
                        session.user().username
                    )))),
                    other => Err(other),
                };
            }
        }
        let again = match self.plan.source {
            // Read in the top bar and on the Settings screen itself, so it names the section.
            // The window's watcher resumes by itself once the standing changes, which is the
            // other way out (`look_at_standing`).
            PlanSource::Settings => format!(
                "It resumes by itself once {} may upload there again; or have someone who may \
                 upload there set the inbox again (Settings, Inbox folder).",
                session.user().username
            ),
            // A watch stops when it pauses: it cannot change whom it imports as.
            PlanSource::Command => {
                "Start `sitebook watch` again as someone who may upload there.".to_owned()
            }
        };
        match authorize_write(&self.ctx, &session, Action::UploadCreate).await {
            Ok(scope) => Ok(Ok(scope)),
            // In a subfolder the person entered, the refusal is that organization's; at the
            // top, it is the inbox's own, and every file there would meet it.
            Err(Error::Denied(message)) | Err(Error::NotFound(message)) => Ok(Err(match route {
                Route::OrgFolder(_) => Refusal::ThisFile(message),
                Route::Home => Refusal::EveryFile(format!("{message} {again}"), session),
            })),
            Err(Error::NoActiveOrg) => {
                let lost = format!(
                    "{} can no longer upload into the inbox's organization.",
                    session.user().username
                );
                Ok(Err(match route {
                    Route::OrgFolder(_) => Refusal::ThisFile(lost),
                    Route::Home => Refusal::EveryFile(format!("{lost} {again}"), session),
                }))
            }
            Err(other) => Err(other),
        }
    }

    /// Moves out every taken file whose job has ended.
    async fn finish_ended(&mut self) {
        if self.taken.is_empty() {
            return;
        }
        let taken = std::mem::take(&mut self.taken);
        for mut file in taken {
            let ended = match queue::get(&self.ctx, &file.scope, file.job_id).await {
                Ok(job) => match job.status {
                    JobStatus::Completed if file.already_imported => Some(Ok(Imported::Before)),
                    JobStatus::Completed => {
                        Some(Ok(
                            Imported::by_job(&self.ctx, &file.scope, file.job_id).await
                        ))
                    }
                    JobStatus::Failed | JobStatus::Cancelled => Some(Err(job
                        .error_message
                        .unwrap_or_else(|| "The job was cancelled.".into()))),
                    JobStatus::Queued | JobStatus::Running => None,
                },
                Err(Error::NotFound(message)) => Some(Err(message)),
                Err(e) => {
                    tracing::warn!(error = %e, "inbox could not look up a job; will look again");
                    None
                }
            };
            match ended {
                None => self.taken.push(file),
                Some(Err(_)) if !self.failure_has_settled(&mut file) => self.taken.push(file),
                Some(result) if self.changed_since_taken(&file).await => {
                    // Saved again while its earlier version was read: what the job read stays
                    // imported, and the file, now other content, arrives anew instead of being
                    // filed under what it no longer is. The earlier version's import is told,
                    // since the file will be filed once, under its later version's outcome.
                    tracing::info!(file = %file.path.display(), job = file.job_id, "inbox file changed while it was read; taking it again");
                    if let Ok(imported) = result {
                        let (outcome, what) = imported.told();
                        self.tell(
                            &file.path,
                            outcome,
                            format!(
                                "{what}; that was the version saved first. The file was saved \
                                 again meanwhile, so it is read again."
                            ),
                            Some(file.job_id),
                        );
                    }
                    self.notice(&file.path);
                }
                Some(result) => {
                    if let Err(e) = self
                        .move_out(&file.path, &file.sha256, result, Some(file.job_id))
                        .await
                    {
                        tracing::error!(error = %e, "inbox could not record a stuck file");
                    }
                }
            }
        }
    }

    /// Whether a file whose job failed may be filed now: it changed or went since the failure
    /// was seen (the next checks take it from there), or it stayed the same for the grace.
    fn failure_has_settled(&self, file: &mut Taken) -> bool {
        let shape = std::fs::metadata(&file.path)
            .ok()
            .map(|metadata| (metadata.len(), changed_at(&metadata)));
        match &file.failed_since {
            None => {
                file.failed_since = Some((Instant::now(), shape));
                false
            }
            Some((since, seen)) => {
                shape.is_none()
                    || shape != *seen
                    || since.elapsed() >= self.settle * FAILED_GRACE_SETTLES
            }
        }
    }

    /// Whether a taken file now holds other content than its job read (it still exists).
    async fn changed_since_taken(&self, file: &Taken) -> bool {
        let path = file.path.clone();
        match tokio::task::spawn_blocking(move || sha256_file(&path)).await {
            Ok(Ok(now)) => now != file.sha256,
            // Gone or unreadable: moving it out reports that as before.
            _ => false,
        }
    }

    /// Moves a handled file to `imported/` (`Ok(how)`) or to `failed/` with a note
    /// (`Err(reason)`), keeping its org subfolder. A file that cannot be moved is remembered.
    async fn move_out(
        &mut self,
        path: &Path,
        sha256: &str,
        result: std::result::Result<Imported, String>,
        job_id: Option<i64>,
    ) -> Result<()> {
        let relative = path
            .strip_prefix(&self.folder)
            .unwrap_or(path)
            .to_path_buf();
        let file_name = relative
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The name it is filed under when nothing is in the way: its own, dated. Told when it
        // differs, whether taken or shortened to fit the file system.
        let first_choice = format!("{} {file_name}", self.today());
        let moved = self.file_away(path, &relative, &result);
        let target = match moved {
            Ok(target) => {
                if let (Err(_), Some(job_id)) = (&result, job_id) {
                    // Its job may yet be retried to success, which files it under imported/.
                    let filed_as = target.strip_prefix(&self.folder).unwrap_or(&target);
                    if let Err(e) =
                        filed::remember(&self.ctx, &self.folder, job_id, &relative, filed_as).await
                    {
                        tracing::warn!(error = %e, job = job_id, "inbox could not remember a file it filed as failed");
                    }
                }
                Some(target)
            }
            // Taken out of the inbox meanwhile: what it held is still told below.
            Err(_) if !path.exists() => None,
            Err(e) => {
                let kind = if result.is_ok() { "imported" } else { "failed" };
                remember_stuck(&self.ctx, sha256, &self.relative(path), kind).await?;
                self.leave_alone(path);
                let what = match &result {
                    Ok(_) => "It was imported".to_string(),
                    Err(reason) => format!("It was not imported ({reason})"),
                };
                self.tell(
                    path,
                    InboxOutcome::Stuck,
                    format!(
                        "{what}, but it could not be moved out of the inbox ({e}). Sitebook will \
                         leave it alone from now on; move or delete it yourself."
                    ),
                    job_id,
                );
                return Ok(());
            }
        };
        // Where the file went, told after what became of it: under another name when its own
        // was taken, or nowhere when it had been taken out of the inbox meanwhile (what it held
        // was imported all the same, which the person who took it should know).
        let filed = match target {
            Some(target) => {
                let name = target.file_name().unwrap_or_default().to_string_lossy();
                let folder = if result.is_ok() {
                    names::IMPORTED_DIR
                } else {
                    names::FAILED_DIR
                };
                if name == first_choice {
                    format!("moved to {folder}/.")
                } else {
                    format!("moved to {folder}/ as {name}.")
                }
            }
            None => {
                "meanwhile the file was taken out of the inbox, so nothing was moved.".to_owned()
            }
        };
        let (outcome, message) = match result {
            Ok(imported) => {
                let (outcome, what) = imported.told();
                (outcome, format!("{what}; {filed}"))
            }
            Err(reason) => (
                InboxOutcome::Failed,
                // A reason is a sentence of its own ("The job was cancelled."), often opening
                // with a file name whose case is not ours to change: so a full stop, not a colon.
                format!(
                    "Not imported. {} {}",
                    crate::error::as_sentence(&reason),
                    crate::error::capitalised(&filed)
                ),
            ),
        };
        self.tell(path, outcome, message, job_id);
        Ok(())
    }

    fn today(&self) -> String {
        self.ctx.clock.now().format("%Y-%m-%d").to_string()
    }

    /// Moves the file at `from`, taken from `taken_as` within the inbox, to `imported/` or to
    /// `failed/` with a note, under its org subfolder and dated name (numbered when taken), and
    /// says where it went.
    fn file_away(
        &self,
        from: &Path,
        taken_as: &Path,
        result: &std::result::Result<Imported, String>,
    ) -> std::io::Result<PathBuf> {
        let file_name = taken_as
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut destination = self.folder.join(match result {
            Ok(_) => names::IMPORTED_DIR,
            Err(_) => names::FAILED_DIR,
        });
        if let Some(subfolder) = taken_as.parent().filter(|p| !p.as_os_str().is_empty()) {
            destination.push(subfolder);
        }
        let date = self.today();
        make_folders_within(&self.folder, &destination)?;
        let target = (0..1000)
            .map(|attempt| destination.join(names::handled_name(&date, &file_name, attempt)))
            .find(|candidate| !candidate.exists())
            .ok_or_else(|| std::io::Error::other("no free name"))?;
        if let Err(reason) = result {
            let note = target.with_file_name(names::error_note_name(
                &target.file_name().unwrap_or_default().to_string_lossy(),
            ));
            std::fs::write(&note, format!("{file_name}: {reason}\n"))?;
        }
        move_file(from, &target)?;
        Ok(target)
    }

    /// Files under `failed/` whose jobs were retried and have now completed move to
    /// `imported/`, their notes removed, as if the first reading had gone well.
    async fn refile_retried(&mut self) {
        if let Err(e) = self.refile_completed().await {
            tracing::warn!(error = %e, "inbox could not look for retried files to refile");
        }
    }

    async fn refile_completed(&mut self) -> Result<()> {
        // Those still in place, by org folder: one question per org of which jobs completed,
        // however many files lie in failed/.
        let mut by_org: HashMap<Option<String>, (Route, Vec<filed::FiledFailure>)> = HashMap::new();
        for file in filed::of_inbox(&self.ctx, &self.folder).await? {
            let at = self.folder.join(&file.filed_as);
            let still_ours = link_within(&self.folder, &file.filed_as).is_none()
                && std::fs::symlink_metadata(&at).is_ok_and(|metadata| metadata.is_file());
            match names::route(&file.taken_from) {
                Some(route) if still_ours => {
                    let (_, files) = by_org
                        .entry(org_folder(&route))
                        .or_insert_with(|| (route, Vec::new()));
                    files.push(file);
                }
                // Moved, deleted or replaced by hand: nothing of the inbox's is left to refile.
                _ => filed::forget(&self.ctx, file.job_id).await?,
            }
        }
        for (route, files) in by_org.into_values() {
            let Some(scope) = self.lasting_scope(route).await? else {
                continue;
            };
            let ids: Vec<i64> = files.iter().map(|file| file.job_id).collect();
            let completed = queue::completed_among(&self.ctx, &scope, &ids).await?;
            for file in files {
                if completed.contains(&file.job_id) {
                    let job_id = file.job_id;
                    if let Err(e) = self.refile(&scope, file).await {
                        tracing::warn!(error = %e, job = job_id, "inbox could not refile a retried file");
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves a file filed as failed, whose job has now completed, to `imported/`.
    async fn refile(&mut self, scope: &WriteScope, file: filed::FiledFailure) -> Result<()> {
        let at = self.folder.join(&file.filed_as);
        let imported = Imported::by_job(&self.ctx, scope, file.job_id).await;
        let shown_as = self.folder.join(&file.taken_from);
        let (outcome, message) = match self.file_away(&at, &file.taken_from, &Ok(imported)) {
            Ok(target) => {
                let note = at.with_file_name(names::error_note_name(
                    &at.file_name().unwrap_or_default().to_string_lossy(),
                ));
                if let Err(e) = std::fs::remove_file(&note) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!(note = %note.display(), error = %e, "inbox could not remove a failure note");
                    }
                }
                let name = target.file_name().unwrap_or_default().to_string_lossy();
                let (outcome, what) = imported.told();
                let message = format!(
                    "Job {} was retried: {}; moved from {}/ to {}/ as {name}.",
                    file.job_id,
                    what.replacen("Imported", "imported", 1),
                    names::FAILED_DIR,
                    names::IMPORTED_DIR
                );
                (outcome, message)
            }
            Err(e) => {
                let message = format!(
                    "Job {} was retried and its file imported, but the file could not be moved \
                     from {}/ to {}/ ({e}); move it and delete its note yourself.",
                    file.job_id,
                    names::FAILED_DIR,
                    names::IMPORTED_DIR
                );
                (InboxOutcome::Stuck, message)
            }
        };
        filed::forget(&self.ctx, file.job_id).await?;
        self.tell(&shown_as, outcome, message, Some(file.job_id));
        Ok(())
    }

    /// The write scope for files of `route`, asked of the gate once per watcher: a rescan looks
    /// at every filed file, and asking each time would write an audit line per file every
    /// rescan. `None` when this person may no longer upload there (told when a file is taken).
    async fn lasting_scope(&mut self, route: Route) -> Result<Option<WriteScope>> {
        let key = org_folder(&route);
        if let Some(known) = self.scopes.get(&key) {
            return Ok(known.clone());
        }
        let scope = self.scope_for(&route).await?.ok();
        self.scopes.insert(key, scope.clone());
        Ok(scope)
    }

    /// Tells why `path` is never taken, the first time it is seen.
    /// Names a link in the inbox once, and why its target is not read.
    fn tell_link_once(&mut self, link: &Path) {
        let message = match std::fs::read_link(link) {
            Ok(target) if !link.exists() => format!(
                "Not imported: it is a link to {}, which is not there.",
                target.display()
            ),
            Ok(target) => format!(
                "Not imported: it is a link to {}. The inbox reads only what is saved into it, \
                 never what a link points to, so that no link can bring a folder or file from \
                 elsewhere on this computer into an organization. Save the workbooks themselves \
                 into the inbox.",
                target.display()
            ),
            Err(_) => "Not imported: it is a link, and the inbox reads only what is saved into \
                       it."
            .into(),
        };
        self.tell_ignored_once(link, message);
    }

    fn tell_ignored_once(&mut self, path: &Path, message: String) {
        if self.told_ignored.insert(path.to_path_buf()) {
            self.tell(path, InboxOutcome::Ignored, message, None);
        }
    }

    /// This file as it is now: where it lies in the inbox, its size and its change time. The
    /// same description later means the file was not touched, moved or copied over since.
    fn describe_file(&self, path: &Path) -> String {
        let (size, changed) = std::fs::metadata(path)
            .map(|metadata| (metadata.len(), changed_at(&metadata)))
            .unwrap_or((0, SystemTime::UNIX_EPOCH));
        let nanos = changed
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        format!("{} ({size} bytes, changed {nanos})", self.relative(path))
    }

    /// Where `path` lies within the inbox, '/'-separated on every system.
    fn relative(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.folder).unwrap_or(path);
        relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }

    fn leave_alone(&mut self, path: &Path) {
        if let Ok(metadata) = std::fs::metadata(path) {
            self.left_alone
                .insert((path.to_path_buf(), metadata.len(), changed_at(&metadata)));
        }
    }
}

/// What became of an attempt to be the folder's one watcher.
enum Claim {
    /// The lock is ours while this file stays open.
    Held(std::fs::File),
    /// Another watcher holds it; what it wrote about itself.
    Elsewhere(String),
    /// The folder cannot hold the lock (read-only, or a file system without locks): watch
    /// anyway, as before there were locks.
    Unlockable(String),
}

fn claim_folder(folder: &Path, holder: &str) -> Claim {
    use std::io::{Read, Seek, Write};
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(folder.join(LOCK_FILE));
    let mut file = match opened {
        Ok(file) => file,
        Err(error) => return Claim::Unlockable(error.to_string()),
    };
    match file.try_lock() {
        Ok(()) => {
            // Who holds it, for the watcher that waits; the lock, not these words, keeps it off.
            let _ = file
                .set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| file.write_all(holder.as_bytes()));
            Claim::Held(file)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut said = String::new();
            let _ = (&mut file).take(200).read_to_string(&mut said);
            let said: String = said.chars().filter(|c| !c.is_control()).collect();
            Claim::Elsewhere(if said.trim().is_empty() {
                "another Sitebook".to_string()
            } else {
                said.trim().to_string()
            })
        }
        Err(std::fs::TryLockError::Error(error)) => Claim::Unlockable(error.to_string()),
    }
}

/// Makes `destination` and the folders between it and `inbox`, but never `inbox` itself: if the
/// inbox has gone (an unplugged drive), nothing is created where its mount point was.
fn make_folders_within(inbox: &Path, destination: &Path) -> std::io::Result<()> {
    if !inbox.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the inbox folder is not there",
        ));
    }
    let mut folder = inbox.to_path_buf();
    for part in destination
        .strip_prefix(inbox)
        .unwrap_or(destination)
        .components()
    {
        folder.push(part);
        match std::fs::create_dir(&folder) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            // A file saved under the name (a note called `imported`) is in the way: the system
            // would only say "Not a directory".
            Err(_) if !folder.is_dir() => {
                return Err(std::io::Error::other(format!(
                    "{} is a file, where Sitebook keeps a folder of that name for the \
                     workbooks it has handled; rename or move that file",
                    folder.strip_prefix(inbox).unwrap_or(&folder).display()
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The first part of `relative` (a path within `folder`) that is a link, if any. The inbox
/// never reads through one: a link planted in a shared inbox would otherwise have the watcher
/// move every file of the folder it points to (a home folder, another organization's stored
/// uploads) into an organization.
fn link_within(folder: &Path, relative: &Path) -> Option<PathBuf> {
    let mut at = folder.to_path_buf();
    for part in relative.components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(at);
        }
    }
    None
}

/// Moves a handled file. An org subfolder may be another drive or a share mounted there, where
/// a rename cannot reach: there the file is copied and then removed (every such file had been
/// left in the inbox as one that could not be moved).
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::rename(from, to) {
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            let copied = std::fs::copy(from, to)
                .and_then(|_| std::fs::File::open(to)?.sync_all())
                .and_then(|()| std::fs::remove_file(from));
            if copied.is_err() && from.exists() {
                // Never two copies: the one in the inbox stays, the partial one goes.
                let _ = std::fs::remove_file(to);
            }
            copied
        }
        moved => moved,
    }
}

/// When the file's content or name last changed: ctime on Unix (a copy tool cannot set it
/// back), the modification time elsewhere.
fn changed_at(metadata: &std::fs::Metadata) -> SystemTime {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let seconds = metadata.ctime();
        let nanos = metadata.ctime_nsec();
        if seconds >= 0 {
            return SystemTime::UNIX_EPOCH
                + Duration::new(seconds as u64, u32::try_from(nanos).unwrap_or(0));
        }
    }
    metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The org folder a route names, as codes compare (any case); `None` for the inbox itself.
fn org_folder(route: &Route) -> Option<String> {
    match route {
        Route::Home => None,
        Route::OrgFolder(code) => Some(code.to_lowercase()),
    }
}

/// The lock files beside `path` that say another program has the workbook open.
fn locks_beside(path: &Path) -> Vec<String> {
    let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    names::lock_names(&name.to_string_lossy())
        .into_iter()
        .filter(|lock| folder.join(lock).exists())
        .collect()
}

/// What became of the file at `relative_path` (within the inbox) with these bytes, if it was
/// handled and could not be moved out. The same bytes anywhere else, or under another name,
/// are another file: taken as any other.
async fn stuck_outcome(ctx: &Ctx, sha256: &str, relative_path: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT outcome FROM inbox_stuck_files WHERE sha256 = ? AND relative_path = ?",
    )
    .bind(sha256)
    .bind(relative_path)
    .fetch_optional(&ctx.db)
    .await?)
}

async fn remember_stuck(ctx: &Ctx, sha256: &str, relative_path: &str, outcome: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO inbox_stuck_files (sha256, relative_path, outcome, noted_at) \
         VALUES (?, ?, ?, ?) ON CONFLICT (sha256, relative_path) DO NOTHING",
    )
    .bind(sha256)
    .bind(relative_path)
    .bind(outcome)
    .bind(ctx.now_text())
    .execute(&ctx.db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::move_file;

    /// A file on another drive than its `imported/` folder (an org subfolder that is a mounted
    /// share): a rename cannot reach, so it is copied and the original removed. The RAM disk at
    /// /dev/shm is another device than the temporary folder on the Linux machines this runs on.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_on_another_drive_is_moved_by_copying_it_and_removing_the_original() {
        let far = tempfile::tempdir_in("/dev/shm").unwrap();
        let near = tempfile::tempdir().unwrap();
        let from = far.path().join("far.xlsx");
        let to = near.path().join("2026-11-20 far.xlsx");
        std::fs::write(&from, b"workbook bytes").unwrap();
        assert_eq!(
            std::fs::rename(&from, near.path().join("probe")).map_err(|e| e.kind()),
            Err(std::io::ErrorKind::CrossesDevices),
            "the two folders must be on different devices for this test to mean anything"
        );
        move_file(&from, &to).unwrap();
        assert!(!from.exists(), "moved, not copied");
        assert_eq!(std::fs::read(&to).unwrap(), b"workbook bytes");
    }
}
