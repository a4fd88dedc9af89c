//! Parsing untrusted workbooks in a child process, so that a hostile file can cost at most that
//! process: the child caps its own data (`RLIMIT_DATA`, 1 GiB by default) before reading
//! anything, and the parent kills it at the hard time limit.
//!
//! The cap bounds data, not address space: mapped program text and reserved-but-unused
//! allocator space are not what a hostile workbook can inflate, and counting them left ordinary
//! parses no headroom. The child starts with [`crate::allocator::WORKER_ENVIRONMENT`] so that
//! its allocator reserves memory as it goes instead of 1 GiB up front.
//!
//! The protocol is JSON lines on the child's stdout: `{"limited":{"memory_bytes":N}}` once the
//! cap is in force, `{"progress":30,"step":"Sheet found"}` while it works, then exactly one
//! `{"done":{…}}` or `{"failed":{"code","message"}}`. Anything else — a crash, a signal,
//! silence — is classified (`Ending`) from the exit status and the child's stderr: the
//! workbook needed more memory than allowed (its fault), the reader was killed from outside
//! (transient, worth a retry), or the reader crashed (the file is the likely cause).

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::allocator::{self, OUT_OF_MEMORY_MARKER};
use crate::excel::{self, Limits, ParseError, ParsedWorkbook};
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::{JobSettings, WorkerProgram};
use crate::Ctx;

/// The first argument that turns the CLI or the desktop binary into a parse worker.
pub const WORKER_ARG: &str = "__sitebook-parse-worker";

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
    Store(crate::Error),
}

type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

/// The command that starts a parse worker on `path` under `settings`' limits, with the
/// environment its allocator needs. Every worker is started through it.
pub fn worker_command(
    settings: &JobSettings,
    path: &Path,
    display_name: &str,
) -> Result<std::process::Command, String> {
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
    command
        .arg(WORKER_ARG)
        .arg(path)
        .arg(display_name)
        .arg(limits)
        .arg(settings.worker_memory_bytes.to_string())
        .args(&settings.worker_extra_args)
        .envs(allocator::WORKER_ENVIRONMENT);
    Ok(command)
}

/// A running worker: its result lines, and what its stderr said, gathered on the side.
struct Worker {
    child: tokio::process::Child,
    lines: Lines,
    stderr: tokio::task::JoinHandle<StderrSummary>,
}

fn spawn(settings: &JobSettings, path: &Path, display_name: &str) -> Result<Worker, WorkerError> {
    let mut command: tokio::process::Command = worker_command(settings, path, display_name)
        .map_err(WorkerError::Spawn)?
        .into();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| WorkerError::Spawn(format!("could not start the parse worker: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| WorkerError::Spawn("the parse worker has no output".into()))?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| WorkerError::Spawn("the parse worker has no error output".into()))?;
    Ok(Worker {
        child,
        lines: BufReader::new(stdout).lines(),
        stderr: tokio::spawn(summarize_stderr(stderr)),
    })
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

/// Parses one file in a worker with the memory and hard time limits, outside any job (the
/// stateless `sitebook estimate parse`).
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
    let mut worker = spawn(settings, path, display_name).map_err(failure)?;
    let mut memory_limit = None;
    let read = async {
        let mut outcome = None;
        while let Ok(Some(line)) = worker.lines.next_line().await {
            match serde_json::from_str::<Message>(&line) {
                Ok(Message::Done(parsed)) => outcome = Some(Ok(*parsed)),
                Ok(Message::Failed { code, message }) => {
                    outcome = Some(Err(WorkerError::Rejected { code, message }))
                }
                Ok(Message::Limited { memory_bytes }) => memory_limit = Some(memory_bytes),
                Ok(Message::Progress { .. }) => {}
                Err(_) => {}
            }
        }
        outcome
    };
    let outcome = match tokio::time::timeout(settings.hard_limit, read).await {
        Ok(outcome) => outcome,
        Err(_) => {
            let _ = worker.child.kill().await;
            return Err(failure(WorkerError::HardLimit(settings.hard_limit)));
        }
    };
    let status = worker
        .child
        .wait()
        .await
        .map_err(|e| failure(WorkerError::Crashed(e.to_string())))?;
    match outcome {
        Some(result) => result.map_err(failure),
        None => {
            let stderr = worker.stderr.await.unwrap_or_default();
            Err(failure(ending_error(
                display_name,
                &status,
                &stderr,
                memory_limit,
            )))
        }
    }
}

/// Runs the parse worker on `path` for `job`, forwarding its progress to the queue.
pub(crate) async fn parse_in_worker(
    ctx: &Ctx,
    job: &ClaimedJob,
    path: &Path,
    display_name: &str,
) -> Result<ParsedWorkbook, WorkerError> {
    let settings = &ctx.jobs;
    let Worker {
        mut child,
        mut lines,
        stderr,
    } = spawn(settings, path, display_name)?;

    let started = Instant::now();
    let mut soft_warned = false;
    let mut memory_limit = None;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut outcome: Option<Result<ParsedWorkbook, WorkerError>> = None;
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => match serde_json::from_str::<Message>(&line) {
                    Ok(Message::Limited { memory_bytes }) => memory_limit = Some(memory_bytes),
                    Ok(Message::Progress { progress, step }) => {
                        queue::report(ctx, job, progress, &step).await.map_err(WorkerError::Store)?;
                    }
                    Ok(Message::Done(parsed)) => outcome = Some(Ok(*parsed)),
                    Ok(Message::Failed { code, message }) => {
                        outcome = Some(Err(WorkerError::Rejected { code, message }));
                    }
                    Err(_) => {
                        outcome = Some(Err(WorkerError::Crashed(format!(
                            "the reader of {display_name} wrote something unexpected"
                        ))));
                    }
                },
                // End of output: the child is done or dead; the exit status tells which.
                Ok(None) | Err(_) => break,
            },
            _ = tick.tick() => {
                let elapsed = started.elapsed();
                if elapsed >= settings.hard_limit {
                    let _ = child.kill().await;
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
                if queue::heartbeat(ctx, job).await.map_err(WorkerError::Store)? {
                    let _ = child.kill().await;
                    return Err(WorkerError::Cancelled);
                }
            }
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|e| WorkerError::Crashed(format!("lost the parse worker: {e}")))?;
    match outcome {
        Some(result) => {
            if soft_warned {
                return Err(WorkerError::SoftLimit(settings.soft_limit));
            }
            result
        }
        None => {
            let stderr = stderr.await.unwrap_or_default();
            Err(ending_error(display_name, &status, &stderr, memory_limit))
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
/// it returns the process exit code.
pub fn run_worker_main(args: &[String]) -> i32 {
    if !allocator::has_worker_environment() {
        // Started by hand, or by an old parent: the allocator has already reserved its arena,
        // so start again with the environment the memory cap needs.
        restart_with_worker_environment();
    }
    // A panic inside a reader must not print a backtrace: the parent reports it in one line.
    std::panic::set_hook(Box::new(|_| {}));
    let emit = |message: &Message| {
        let mut out = std::io::stdout().lock();
        let _ = serde_json::to_writer(&mut out, message);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    };
    let (path, name, limits, memory, extra) = match args {
        [path, name, limits, memory, extra @ ..] => (path, name, limits, memory, extra),
        _ => {
            emit(&Message::Failed {
                code: "usage".into(),
                message: format!("usage: {WORKER_ARG} PATH NAME LIMITS_JSON MEMORY_BYTES"),
            });
            return 2;
        }
    };
    if let Ok(bytes) = memory.parse::<u64>() {
        if let Some(memory_bytes) = limit_memory(bytes) {
            emit(&Message::Limited { memory_bytes });
        }
    }
    // Kept alive for the whole parse: tests use it to stand for a workbook's memory.
    let _ballast = run_test_options(extra);
    let Ok(limits) = serde_json::from_str::<Limits>(limits) else {
        emit(&Message::Failed {
            code: "usage".into(),
            message: "the limits argument is not valid JSON".into(),
        });
        return 2;
    };
    let result =
        std::panic::catch_unwind(|| parse_with_progress(Path::new(path), name, &limits, &emit));
    match result {
        Ok(Ok(parsed)) => {
            emit(&Message::Done(Box::new(parsed)));
            0
        }
        Ok(Err(error)) => {
            emit(&Message::Failed {
                code: error.code().to_string(),
                message: error.to_string(),
            });
            1
        }
        Err(_) => {
            emit(&Message::Failed {
                code: "unreadable".into(),
                message: format!(
                    "{name}: the workbook is damaged in a way the reader cannot handle. Open it in \
                     a spreadsheet program, save a new copy and upload that."
                ),
            });
            1
        }
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
/// `--test-delay-ms N` sleeps before parsing (time limits, cancellation, crashes mid-job);
/// `--test-allocate-mib N` fills N MiB before parsing (the memory cap). Returns the memory.
fn run_test_options(extra: &[String]) -> Vec<Vec<u8>> {
    let mut ballast = Vec::new();
    for pair in extra.chunks(2) {
        let [flag, value] = pair else { continue };
        let Ok(value) = value.parse::<u64>() else {
            continue;
        };
        match flag.as_str() {
            "--test-delay-ms" => std::thread::sleep(Duration::from_millis(value)),
            "--test-allocate-mib" => {
                for _ in 0..value {
                    // Non-zero, so every page is really written, not merely mapped.
                    ballast.push(vec![1u8; 1 << 20]);
                }
            }
            _ => {}
        }
    }
    ballast
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
