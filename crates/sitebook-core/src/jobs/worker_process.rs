//! Parsing untrusted workbooks in child processes, so that a hostile file can cost at most a
//! child: each child caps its own data (`RLIMIT_DATA`, 1 GiB by default) before reading
//! anything, and the parent kills it at the hard time limit.
//!
//! Children are reused. Starting a process for every file cost more than parsing it, so a
//! child reads one request at a time from its stdin and parses files in turn. The parser keeps
//! no state between files, and a child is retired — never given another file — after
//! [`FILES_PER_WORKER`] files (a setting), after any file that did not parse (a refusal, a crash, a time
//! limit, a cancellation), and after [`IDLE_LIFETIME`] without work. A file that crashes or
//! exhausts a child that had parsed others is read once more in a fresh child before it is
//! blamed, so a file is only ever refused on what it does to a child of its own.
//!
//! The cap bounds data, not address space: mapped program text and reserved-but-unused
//! allocator space are not what a hostile workbook can inflate, and counting them left ordinary
//! parses no headroom. The child starts with [`crate::allocator::WORKER_ENVIRONMENT`] so that
//! its allocator reserves memory as it goes instead of 1 GiB up front.
//!
//! The protocol is JSON lines. The parent writes one request per file,
//! `{"path":…,"name":…}`, and closing the child's stdin ends it. The child writes
//! `{"limited":{"memory_bytes":N}}` once the cap is in force, then for each file
//! `{"progress":30,"step":"Sheet found"}` while it works and exactly one `{"done":{…}}` or
//! `{"failed":{"code","message"}}`, each message in one write. Anything else — a crash, a
//! signal, silence — is classified (`Ending`) from the exit status and the child's stderr: the
//! workbook needed more memory than allowed (its fault), the reader was killed from outside
//! (transient, worth a retry), or the reader crashed (the file is the likely cause).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::allocator::{self, OUT_OF_MEMORY_MARKER};
use crate::excel::{self, Limits, ParseError, ParsedWorkbook};
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::Ctx;
use crate::jobs::{JobSettings, WorkerProgram};

/// The first argument that turns the CLI or the desktop binary into a parse worker.
pub const WORKER_ARG: &str = "__sitebook-parse-worker";

/// Files one child parses, by default, before it is replaced by a fresh one. Enough that a burst starts a
/// handful of processes, few enough that what one file left behind in the allocator does not
/// follow the child for long.
pub const FILES_PER_WORKER: u32 = 100;

/// How long an idle child waits for another file before it is ended.
pub const IDLE_LIFETIME: Duration = Duration::from_secs(60);

/// What the parent asks of a child: parse the file at `path`, calling it `name`.
#[derive(Debug, Serialize, Deserialize)]
struct Request {
    #[serde(with = "path_json")]
    path: PathBuf,
    name: String,
}

/// A path in a request: its text, or on Unix its bytes when it is not UTF-8 (a name from a FAT
/// drive or an old zip), which JSON text cannot hold and the request used to lose.
mod path_json {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Encoded {
        Text(String),
        Bytes(Vec<u8>),
    }

    pub fn serialize<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
        let encoded = match path.to_str() {
            Some(text) => Encoded::Text(text.to_owned()),
            #[cfg(unix)]
            None => {
                use std::os::unix::ffi::OsStrExt;
                Encoded::Bytes(path.as_os_str().as_bytes().to_vec())
            }
            #[cfg(not(unix))]
            None => Encoded::Text(path.to_string_lossy().into_owned()),
        };
        encoded.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PathBuf, D::Error> {
        Ok(match Encoded::deserialize(deserializer)? {
            Encoded::Text(text) => PathBuf::from(text),
            #[cfg(unix)]
            Encoded::Bytes(bytes) => {
                use std::os::unix::ffi::OsStringExt;
                PathBuf::from(std::ffi::OsString::from_vec(bytes))
            }
            #[cfg(not(unix))]
            Encoded::Bytes(bytes) => PathBuf::from(String::from_utf8_lossy(&bytes).into_owned()),
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Message {
    /// The memory cap the child really runs under, read back after setting it.
    Limited {
        memory_bytes: u64,
    },
    Progress {
        progress: u8,
        step: String,
    },
    Done(Box<ParsedWorkbook>),
    Failed {
        code: String,
        message: String,
    },
}

/// How a worker run ended, when it did not produce a parsed workbook.
#[derive(Debug)]
pub(crate) enum WorkerError {
    /// The parser refused the file (permanent).
    Rejected {
        code: String,
        message: String,
    },
    /// The child died or broke the protocol (permanent: the file is the likely cause).
    Crashed(String),
    /// The workbook needed more memory than the child is allowed (permanent).
    OutOfMemory(String),
    /// Something outside the reader killed it, such as the system's out-of-memory killer or a
    /// user (transient: the file is not at fault).
    Killed(String),
    /// The child could not be started (transient).
    Spawn(String),
    Cancelled,
    SoftLimit(Duration),
    HardLimit(Duration),
    /// Keeping the job's heartbeat failed (transient).
    Store(crate::error::Error),
}

type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

/// The command that starts a parse worker under `settings`' limits, with the environment its
/// allocator needs. Every worker is started through it; it then takes [`request_line`]s on its
/// stdin.
pub fn worker_command(settings: &JobSettings) -> Result<std::process::Command, String> {
    let limits = serde_json::to_string(&settings.parse_limits)
        .map_err(|e| format!("could not encode the limits: {e}"))?;
    let mut command = match &settings.worker_program {
        WorkerProgram::CurrentExe => {
            let exe =
                std::env::current_exe().map_err(|e| format!("could not find this program: {e}"))?;
            std::process::Command::new(exe)
        }
        WorkerProgram::Program(program) => std::process::Command::new(program),
    };
    // The worker reads untrusted files, so it gets none of this process's environment but
    // what a program needs to start: not SITEBOOK_PASSWORD, not SITEBOOK_S3_SECRET, which
    // scripts export for the commands that start it.
    command.env_clear();
    for name in INHERITED_ENVIRONMENT {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command
        .arg(WORKER_ARG)
        .arg(limits)
        .arg(settings.worker_memory_bytes.to_string())
        .args(&settings.worker_extra_args)
        .envs(allocator::WORKER_ENVIRONMENT);
    Ok(command)
}

/// The variables a parse worker inherits: where programs and temporary files are, the
/// system folder Windows needs to load its libraries, and the locale and time zone.
const INHERITED_ENVIRONMENT: [&str; 7] =
    ["PATH", "SystemRoot", "TEMP", "TMP", "TMPDIR", "LANG", "TZ"];

/// The line, newline included, that asks a worker to parse `path` as `display_name`.
pub fn request_line(path: &Path, display_name: &str) -> String {
    let request = Request {
        path: path.to_path_buf(),
        name: display_name.to_string(),
    };
    // A struct of a path and a string always encodes.
    let mut line = serde_json::to_string(&request).unwrap_or_default();
    line.push('\n');
    line
}

/// What a child said next about the file it was given.
enum Next {
    Progress(u8, String),
    Outcome(Result<ParsedWorkbook, WorkerError>),
    /// Its output ended: it exited or died.
    Ended,
}

/// A running child, between files or inside one.
struct ParseWorker {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: Lines,
    stderr: tokio::task::JoinHandle<StderrSummary>,
    memory_limit: Option<u64>,
    /// Files it has parsed.
    files: u32,
    idle_since: Instant,
}

impl ParseWorker {
    fn start(settings: &JobSettings) -> Result<Self, WorkerError> {
        let mut command: tokio::process::Command =
            worker_command(settings).map_err(WorkerError::Spawn)?.into();
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|e| WorkerError::Spawn(format!("could not start the parse worker: {e}")))?;
        let missing = |what: &str| WorkerError::Spawn(format!("the parse worker has no {what}"));
        let stdin = child.stdin.take().ok_or_else(|| missing("input"))?;
        let stdout = child.stdout.take().ok_or_else(|| missing("output"))?;
        let stderr = child.stderr.take().ok_or_else(|| missing("error output"))?;
        Ok(Self {
            child,
            stdin,
            // Large enough that a big result arrives in few reads.
            lines: BufReader::with_capacity(1 << 20, stdout).lines(),
            stderr: tokio::spawn(summarize_stderr(stderr)),
            memory_limit: None,
            files: 0,
            idle_since: Instant::now(),
        })
    }

    /// Asks it to parse `path`. An error means the child is gone ([`Self::ended`] says how).
    async fn send(&mut self, path: &Path, display_name: &str) -> std::io::Result<()> {
        let line = request_line(path, display_name);
        self.stdin.write_all(line.as_bytes()).await?;
        self.stdin.flush().await
    }

    /// The next thing it says about the current file. Cancel-safe: a line half read is kept.
    async fn next(&mut self, display_name: &str) -> Next {
        loop {
            let line = match self.lines.next_line().await {
                Ok(Some(line)) => line,
                Ok(None) | Err(_) => return Next::Ended,
            };
            return match serde_json::from_str::<Message>(&line) {
                Ok(Message::Limited { memory_bytes }) => {
                    self.memory_limit = Some(memory_bytes);
                    continue;
                }
                Ok(Message::Progress { progress, step }) => Next::Progress(progress, step),
                Ok(Message::Done(parsed)) => Next::Outcome(Ok(*parsed)),
                Ok(Message::Failed { code, message }) => {
                    Next::Outcome(Err(WorkerError::Rejected { code, message }))
                }
                Err(_) => Next::Outcome(Err(WorkerError::Crashed(format!(
                    "the reader of {display_name} wrote something unexpected"
                )))),
            };
        }
    }

    /// Why a child whose output ended is gone, from its exit status and its stderr.
    async fn ended(mut self, display_name: &str) -> WorkerError {
        let status = match self.child.wait().await {
            Ok(status) => status,
            Err(e) => return WorkerError::Crashed(format!("lost the parse worker: {e}")),
        };
        let stderr = self.stderr.await.unwrap_or_default();
        ending_error(display_name, &status, &stderr, self.memory_limit)
    }

    /// Ends it at once and waits for it to go.
    async fn retire(mut self) {
        let _ = self.child.kill().await;
    }

    fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// Children waiting for their next file, shared by every job of this process.
#[derive(Default)]
pub(crate) struct IdleWorkers(std::sync::Mutex<Vec<ParseWorker>>);

impl IdleWorkers {
    /// A live child that has not waited too long, if there is one. Children found dead or
    /// stale are dropped, which kills them.
    fn take(&self) -> Option<ParseWorker> {
        let mut idle = self.lock();
        while let Some(mut worker) = idle.pop() {
            if worker.idle_since.elapsed() < IDLE_LIFETIME && worker.is_alive() {
                return Some(worker);
            }
        }
        None
    }

    /// Keeps a child that has just parsed a file for the next, unless it has done its share.
    fn put_back(&self, mut worker: ParseWorker, files_per_worker: u32) {
        if worker.files >= files_per_worker {
            return;
        }
        worker.idle_since = Instant::now();
        self.lock().push(worker);
    }

    /// Ends the children that have waited past [`IDLE_LIFETIME`]; the pool calls it when idle.
    pub(crate) fn retire_stale(&self) {
        self.lock()
            .retain(|worker| worker.idle_since.elapsed() < IDLE_LIFETIME);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ParseWorker>> {
        // A panic while the list was held cannot leave it inconsistent: it is only pushed to,
        // popped from and filtered.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What matters of a worker's stderr: whether an allocation failed, and its last words.
#[derive(Debug, Default)]
struct StderrSummary {
    out_of_memory: bool,
    last_line: String,
}

async fn summarize_stderr(stderr: tokio::process::ChildStderr) -> StderrSummary {
    let mut summary = StderrSummary::default();
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::new();
    loop {
        line.clear();
        // Bounded: a runaway writer cannot make the parent hold more than one short line.
        match (&mut reader).take(4096).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let text = text.trim();
                if text.contains(OUT_OF_MEMORY_MARKER) {
                    summary.out_of_memory = true;
                } else if !text.is_empty() {
                    summary.last_line = text.chars().take(300).collect();
                }
            }
        }
    }
    summary
}

/// Why a worker ended without a result.
fn ending_error(
    display_name: &str,
    status: &std::process::ExitStatus,
    stderr: &StderrSummary,
    memory_limit: Option<u64>,
) -> WorkerError {
    match Ending::of(status, stderr) {
        Ending::OutOfMemory => WorkerError::OutOfMemory(match memory_limit {
            Some(limit) => format!(
                "Reading {display_name} needs more than the {} of memory the reader is \
                 allowed, so it was stopped. Save the workbook again in a spreadsheet program, \
                 removing unused sheets and formatting, and upload the new copy.",
                describe_bytes(limit)
            ),
            None => format!(
                "Reading {display_name} ran out of memory before the reader could limit itself; \
                 the computer may be short of memory. Close other programs and try again."
            ),
        }),
        Ending::Killed(signal) => WorkerError::Killed(format!(
            "The reader of {display_name} was stopped from outside (signal {signal}), for \
             example by the system when it ran short of memory. The workbook is not at fault."
        )),
        Ending::Crashed => {
            let how = match status.code() {
                Some(code) => format!("exit status {code}"),
                None => exit_signal(status)
                    .map(|signal| format!("signal {signal}"))
                    .unwrap_or_else(|| status.to_string()),
            };
            let said = if stderr.last_line.is_empty() {
                String::new()
            } else {
                format!(" It said: {}.", stderr.last_line.trim_end_matches('.'))
            };
            WorkerError::Crashed(format!(
                "The reader stopped on {display_name} before it finished ({how}); the workbook \
                 is probably damaged.{said} Open it in a spreadsheet program, save a new copy and \
                 upload that."
            ))
        }
    }
}

/// How a worker that gave no result ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// An allocation was refused by the memory cap.
    OutOfMemory,
    /// A signal that only comes from outside: the OOM killer, a user, a shutdown.
    Killed(i32),
    /// Anything else: an abort, a segfault, an unexpected exit.
    Crashed,
}

impl Ending {
    fn of(status: &std::process::ExitStatus, stderr: &StderrSummary) -> Self {
        if stderr.out_of_memory {
            return Ending::OutOfMemory;
        }
        match exit_signal(status) {
            Some(signal) if is_external_signal(signal) => Ending::Killed(signal),
            _ => Ending::Crashed,
        }
    }
}

fn exit_signal(status: &std::process::ExitStatus) -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.signal()
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

/// Signals a reader never raises on itself: a workbook cannot cause them.
fn is_external_signal(signal: i32) -> bool {
    #[cfg(unix)]
    {
        [
            libc::SIGKILL,
            libc::SIGTERM,
            libc::SIGINT,
            libc::SIGHUP,
            libc::SIGQUIT,
        ]
        .contains(&signal)
    }
    #[cfg(not(unix))]
    {
        let _ = signal;
        false
    }
}

/// "1 GiB", "48 MiB".
fn describe_bytes(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// Parses one file in a child of its own, with the memory and hard time limits, outside any job
/// (the stateless `sitebook estimate parse`).
pub async fn parse_isolated(
    settings: &JobSettings,
    path: &Path,
    display_name: &str,
) -> Result<ParsedWorkbook, (String, String)> {
    let failure = |error: WorkerError| -> (String, String) {
        match error {
            WorkerError::Rejected { code, message } => (code, message),
            WorkerError::Crashed(message) => ("unreadable".into(), message),
            WorkerError::OutOfMemory(message) => ("too_large".into(), message),
            WorkerError::Killed(message) => (
                "interrupted".into(),
                format!("{message} Run the command again."),
            ),
            WorkerError::HardLimit(limit) => (
                "timed_out".into(),
                format!(
                    "{display_name}: reading took longer than {}; the file was not read.",
                    describe(limit)
                ),
            ),
            other => ("internal".into(), format!("{display_name}: {other:?}")),
        }
    };
    let mut worker = ParseWorker::start(settings).map_err(failure)?;
    if worker.send(path, display_name).await.is_err() {
        return Err(failure(worker.ended(display_name).await));
    }
    let read = async {
        loop {
            match worker.next(display_name).await {
                Next::Progress(..) => {}
                Next::Outcome(outcome) => return Some(outcome),
                Next::Ended => return None,
            }
        }
    };
    match tokio::time::timeout(settings.hard_limit, read).await {
        Ok(Some(outcome)) => {
            worker.retire().await;
            outcome.map_err(failure)
        }
        Ok(None) => Err(failure(worker.ended(display_name).await)),
        Err(_) => {
            worker.retire().await;
            Err(failure(WorkerError::HardLimit(settings.hard_limit)))
        }
    }
}

/// Parses `path` for `job` in a waiting child or a new one, forwarding its progress to the
/// queue. A crash or memory failure in a reused child is tried once more in a fresh one (see
/// the module docs).
pub(crate) async fn parse_in_worker(
    ctx: &Ctx,
    job: &ClaimedJob,
    path: &Path,
    display_name: &str,
) -> Result<ParsedWorkbook, WorkerError> {
    let _slot = super::cpu_slot(ctx, job, 10, "Waiting for a reader").await;
    let (worker, reused) = match ctx.parse_workers.take() {
        Some(worker) => (worker, true),
        None => (ParseWorker::start(&ctx.jobs)?, false),
    };
    match parse_with(ctx, job, worker, path, display_name).await {
        Err(WorkerError::Crashed(_) | WorkerError::OutOfMemory(_)) if reused => {
            tracing::info!(
                job = job.id,
                "a reused reader failed on {display_name}; reading it again in a fresh one"
            );
            let fresh = ParseWorker::start(&ctx.jobs)?;
            parse_with(ctx, job, fresh, path, display_name).await
        }
        outcome => outcome,
    }
}

/// One file through `worker`, under the job's time limits and cancellation. The worker goes
/// back to the idle list only after a clean parse.
async fn parse_with(
    ctx: &Ctx,
    job: &ClaimedJob,
    mut worker: ParseWorker,
    path: &Path,
    display_name: &str,
) -> Result<ParsedWorkbook, WorkerError> {
    let settings = &ctx.jobs;
    if worker.send(path, display_name).await.is_err() {
        return Err(worker.ended(display_name).await);
    }
    let started = Instant::now();
    let mut soft_warned = false;
    // The first beat comes after one period: the claim has just set the heartbeat, and a
    // short parse needs none.
    let period = Duration::from_millis(250);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            next = worker.next(display_name) => match next {
                Next::Progress(progress, step) => {
                    if let Err(error) = queue::report(ctx, job, progress, &step).await {
                        worker.retire().await;
                        return Err(WorkerError::Store(error));
                    }
                }
                Next::Outcome(Ok(parsed)) => {
                    if soft_warned {
                        worker.retire().await;
                        return Err(WorkerError::SoftLimit(settings.soft_limit));
                    }
                    worker.files += 1;
                    ctx.parse_workers.put_back(worker, settings.files_per_worker);
                    return Ok(parsed);
                }
                Next::Outcome(Err(error)) => {
                    worker.retire().await;
                    return Err(error);
                }
                Next::Ended => return Err(worker.ended(display_name).await),
            },
            _ = tick.tick() => {
                let elapsed = started.elapsed();
                if elapsed >= settings.hard_limit {
                    worker.retire().await;
                    return Err(WorkerError::HardLimit(settings.hard_limit));
                }
                if elapsed >= settings.soft_limit && !soft_warned {
                    soft_warned = true;
                    let _ = queue::warn(
                        ctx,
                        job,
                        "time limit",
                        &format!(
                            "ran past the soft time limit of {}; it will stop at its next checkpoint",
                            describe(settings.soft_limit)
                        ),
                    )
                    .await;
                }
                match queue::heartbeat(ctx, job).await {
                    Ok(false) => {}
                    Ok(true) => {
                        worker.retire().await;
                        return Err(WorkerError::Cancelled);
                    }
                    Err(error) => {
                        worker.retire().await;
                        return Err(WorkerError::Store(error));
                    }
                }
            }
        }
    }
}

/// "25 min", "1.5 s".
pub(crate) fn describe(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 60.0 && duration.as_secs().is_multiple_of(60) {
        format!("{} min", duration.as_secs() / 60)
    } else {
        format!("{seconds} s")
    }
}

/// The child side. Call it first thing in `main` when the first argument is [`WORKER_ARG`];
/// it parses the files asked for on stdin until stdin closes, and returns the exit code.
pub fn run_worker_main(args: &[String]) -> i32 {
    if !allocator::has_worker_environment() {
        // Started by hand, or by an old parent: the allocator has already reserved its arena,
        // so start again with the environment the memory cap needs.
        restart_with_worker_environment();
    }
    // A panic inside a reader must not print a backtrace: the parent reports it in one line.
    std::panic::set_hook(Box::new(|_| {}));
    let (limits, memory, extra) = match args {
        [limits, memory, extra @ ..] => (limits, memory, extra),
        _ => {
            emit(&Message::Failed {
                code: "usage".into(),
                message: format!(
                    "usage: {WORKER_ARG} LIMITS_JSON MEMORY_BYTES, then one JSON request per line"
                ),
            });
            return 2;
        }
    };
    if let Ok(bytes) = memory.parse::<u64>() {
        if let Some(memory_bytes) = limit_memory(bytes) {
            emit(&Message::Limited { memory_bytes });
        }
    }
    let Ok(limits) = serde_json::from_str::<Limits>(limits) else {
        emit(&Message::Failed {
            code: "usage".into(),
            message: "the limits argument is not valid JSON".into(),
        });
        return 2;
    };
    end_with_parent();
    let test_options = TestOptions::read(extra);
    test_options.on_start();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let Ok(request) = serde_json::from_str::<Request>(&line) else {
            emit(&Message::Failed {
                code: "usage".into(),
                message: "a request is not valid JSON".into(),
            });
            return 2;
        };
        emit(&answer(&request, &limits, &test_options));
    }
    0
}

/// Ends this child the moment its parent is gone, even in the middle of a file.
///
/// A parent that dies (killed, crashed, the machine shutting the app down) closes its end of
/// the child's stdout, and only the parent holds it, so the pipe reports an error on this end.
/// Without this the child parsed on for nobody until the file was done, up to the hard time
/// limit. `PR_SET_PDEATHSIG` would tie the child to the spawning *thread*, and tokio's blocking
/// threads come and go, so reused children would be killed at random. A closed stdin is not
/// enough either: the child reads it only between files.
///
/// Only when stdout is a pipe: run by hand into a terminal or a file, nothing can close it.
#[cfg(unix)]
fn end_with_parent() {
    use std::os::fd::{AsFd, AsRawFd};
    use std::os::unix::fs::FileTypeExt;

    let stdout = std::io::stdout();
    let is_pipe = stdout
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|file| file.metadata())
        .is_ok_and(|metadata| metadata.file_type().is_fifo());
    if !is_pipe {
        return;
    }
    let fd = stdout.as_raw_fd();
    let watch = move || loop {
        // No events asked for: poll still reports an error or a hang-up, which is all we want.
        let mut pipe = libc::pollfd {
            fd,
            events: 0,
            revents: 0,
        };
        // SAFETY: `pipe` is one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut pipe, 1, -1) };
        if ready > 0 && pipe.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
            // SAFETY: ends the process at once, without running destructors or flushing
            // buffers another thread may hold: nobody is left to read them.
            unsafe { libc::_exit(0) };
        }
        if ready < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    };
    // A small stack: the memory cap counts it, and the thread only waits.
    let _ = std::thread::Builder::new()
        .name("parent-watch".into())
        .stack_size(64 * 1024)
        .spawn(watch);
}

/// Elsewhere an orphaned child parses on until its current file is done, then reads the end of
/// its input and exits.
#[cfg(not(unix))]
fn end_with_parent() {}

/// Writes one message as one line in one write, so that a large result is not split into
/// many small writes.
fn emit(message: &Message) {
    let Ok(mut line) = serde_json::to_vec(message) else {
        return;
    };
    line.push(b'\n');
    let mut out = std::io::stdout().lock();
    // A parent that has gone closes stdin too, which ends the loop above.
    let _ = out.write_all(&line);
    let _ = out.flush();
}

/// The done or failed message for one request.
fn answer(request: &Request, limits: &Limits, test_options: &TestOptions) -> Message {
    let name = &request.name;
    // Kept alive for the whole parse: tests use it to stand for a workbook's memory.
    let _ballast = test_options.before_file(name);
    let result =
        std::panic::catch_unwind(|| parse_with_progress(&request.path, name, limits, &emit));
    match result {
        Ok(Ok(parsed)) => Message::Done(Box::new(parsed)),
        Ok(Err(error)) => Message::Failed {
            code: error.code().to_string(),
            message: error.to_string(),
        },
        Err(_) => Message::Failed {
            code: "unreadable".into(),
            message: format!(
                "{name}: the workbook is damaged in a way the reader cannot handle. Open it in \
                 a spreadsheet program, save a new copy and upload that."
            ),
        },
    }
}

fn parse_with_progress(
    path: &Path,
    name: &str,
    limits: &Limits,
    emit: &dyn Fn(&Message),
) -> Result<ParsedWorkbook, ParseError> {
    excel::sniff::check_extension(name)?;
    let io_error = |source| ParseError::Io {
        file: name.to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io_error)?.len();
    excel::limits::check_file_size(size, name, limits)?;
    let bytes = std::fs::read(path).map_err(io_error)?;
    let format = excel::sniff::sniff_format(&bytes, name)?;
    let grids = excel::read_workbook(&bytes, name, limits)?;
    emit(&Message::Progress {
        progress: 30,
        step: "Sheet found".into(),
    });
    let mut parsed = excel::parse_grids(name, &grids)?;
    parsed.format = Some(format);
    emit(&Message::Progress {
        progress: 50,
        step: "Items parsed".into(),
    });
    Ok(parsed)
}

/// Test-only worker options, as pairs after the required arguments:
/// - `--test-delay-ms N` sleeps before each file (time limits, cancellation, crashes mid-job);
/// - `--test-allocate-mib N` fills N MiB before each file (the memory cap);
/// - `--test-abort-on NAME` aborts the process when asked for a file named NAME (a reader
///   crash);
/// - `--test-log-starts PATH` appends a line to PATH when the process starts (reuse).
#[derive(Debug, Default)]
struct TestOptions {
    delay_ms: u64,
    allocate_mib: u64,
    abort_on: Option<String>,
    log_starts: Option<PathBuf>,
}

impl TestOptions {
    fn read(extra: &[String]) -> Self {
        let mut options = Self::default();
        for pair in extra.chunks(2) {
            let [flag, value] = pair else { continue };
            match flag.as_str() {
                "--test-delay-ms" => options.delay_ms = value.parse().unwrap_or(0),
                "--test-allocate-mib" => options.allocate_mib = value.parse().unwrap_or(0),
                "--test-abort-on" => options.abort_on = Some(value.clone()),
                "--test-log-starts" => options.log_starts = Some(PathBuf::from(value)),
                _ => {}
            }
        }
        options
    }

    fn on_start(&self) {
        if let Some(path) = &self.log_starts {
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path);
            if let Ok(log) = &mut log {
                let _ = writeln!(log, "{}", std::process::id());
            }
        }
    }

    /// Runs the options due before `name` is parsed; returns the memory standing for the
    /// workbook's, to be kept until the parse ends.
    fn before_file(&self, name: &str) -> Vec<Vec<u8>> {
        if self.abort_on.as_deref() == Some(name) {
            std::process::abort();
        }
        std::thread::sleep(Duration::from_millis(self.delay_ms));
        // Non-zero, so every page is really written, not merely mapped.
        (0..self.allocate_mib).map(|_| vec![1u8; 1 << 20]).collect()
    }
}

#[cfg(unix)]
fn restart_with_worker_environment() {
    use std::os::unix::process::CommandExt;
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .envs(allocator::WORKER_ENVIRONMENT)
        .exec();
    // Only reached when exec failed; parsing on is still bounded, if less precisely.
    let _ = error;
}

#[cfg(not(unix))]
fn restart_with_worker_environment() {}

/// Caps this process's data (heap, anonymous mappings, thread stacks) at `bytes`. Returns the
/// cap that is really in force, read back from the kernel, or `None` when it could not be set.
fn limit_memory(bytes: u64) -> Option<u64> {
    #[cfg(unix)]
    {
        let limit = libc::rlimit {
            rlim_cur: bytes as libc::rlim_t,
            rlim_max: bytes as libc::rlim_t,
        };
        let mut actual = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: both calls only read or write the rlimit structs passed by reference.
        let read_back = unsafe {
            libc::setrlimit(libc::RLIMIT_DATA, &limit) == 0
                && libc::getrlimit(libc::RLIMIT_DATA, &mut actual) == 0
        };
        // Failing to set the cap leaves the time limit as the only guard; it is not fatal.
        #[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not on every unix
        (read_back && actual.rlim_cur != libc::RLIM_INFINITY).then_some(actual.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    {
        let _ = bytes;
        None
    }
}
