//! Parsing untrusted workbooks in a child process, so that a hostile file can cost at most that
//! process: the child caps its own address space (`RLIMIT_AS`, 1 GiB by default) before reading
//! anything, and the parent kills it at the hard time limit.
//!
//! The protocol is JSON lines on the child's stdout: `{"progress":30,"step":"Sheet found"}`
//! while it works, then exactly one `{"done":{…}}` or `{"failed":{"code","message"}}`. Anything
//! else — a crash, a signal, silence — is reported by the parent as a failure naming the file.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::excel::{self, Limits, ParseError, ParsedWorkbook};
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::{JobSettings, WorkerProgram};
use crate::Ctx;

/// The first argument that turns the CLI or the desktop binary into a parse worker.
pub const WORKER_ARG: &str = "__sitebook-parse-worker";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Message {
    Progress { progress: u8, step: String },
    Done(Box<ParsedWorkbook>),
    Failed { code: String, message: String },
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
    /// The child could not be started (transient).
    Spawn(String),
    Cancelled,
    SoftLimit(Duration),
    HardLimit(Duration),
    /// Keeping the job's heartbeat failed (transient).
    Store(crate::Error),
}

type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

fn spawn(
    settings: &JobSettings,
    path: &Path,
    display_name: &str,
) -> Result<(tokio::process::Child, Lines), WorkerError> {
    let limits = serde_json::to_string(&settings.parse_limits)
        .map_err(|e| WorkerError::Spawn(format!("could not encode the limits: {e}")))?;
    let mut command = match &settings.worker_program {
        WorkerProgram::CurrentExe => {
            let exe = std::env::current_exe()
                .map_err(|e| WorkerError::Spawn(format!("could not find this program: {e}")))?;
            tokio::process::Command::new(exe)
        }
        WorkerProgram::Program(program) => tokio::process::Command::new(program),
    };
    command
        .arg(WORKER_ARG)
        .arg(path)
        .arg(display_name)
        .arg(limits)
        .arg(settings.worker_memory_bytes.to_string())
        .args(&settings.worker_extra_args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| WorkerError::Spawn(format!("could not start the parse worker: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| WorkerError::Spawn("the parse worker has no output".into()))?;
    Ok((child, BufReader::new(stdout).lines()))
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
    let (mut child, mut lines) = spawn(settings, path, display_name).map_err(failure)?;
    let read = async {
        let mut outcome = None;
        while let Ok(Some(line)) = lines.next_line().await {
            match serde_json::from_str::<Message>(&line) {
                Ok(Message::Done(parsed)) => outcome = Some(Ok(*parsed)),
                Ok(Message::Failed { code, message }) => {
                    outcome = Some(Err(WorkerError::Rejected { code, message }))
                }
                Ok(Message::Progress { .. }) => {}
                Err(_) => {}
            }
        }
        outcome
    };
    let outcome = match tokio::time::timeout(settings.hard_limit, read).await {
        Ok(outcome) => outcome,
        Err(_) => {
            let _ = child.kill().await;
            return Err(failure(WorkerError::HardLimit(settings.hard_limit)));
        }
    };
    let status = child
        .wait()
        .await
        .map_err(|e| failure(WorkerError::Crashed(e.to_string())))?;
    match outcome {
        Some(result) => result.map_err(failure),
        None => Err(failure(WorkerError::Crashed(crash_message(
            display_name,
            &status,
            settings.worker_memory_bytes,
        )))),
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
    let (mut child, mut lines) = spawn(settings, path, display_name)?;

    let started = Instant::now();
    let mut soft_warned = false;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut outcome: Option<Result<ParsedWorkbook, WorkerError>> = None;
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => match serde_json::from_str::<Message>(&line) {
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
        None => Err(WorkerError::Crashed(crash_message(
            display_name,
            &status,
            settings.worker_memory_bytes,
        ))),
    }
}

fn crash_message(display_name: &str, status: &std::process::ExitStatus, memory: u64) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!(
                "Reading {display_name} stopped the reader (signal {signal}), most likely because \
                 the workbook needs more than the {} MiB allowed. Save it again in a spreadsheet \
                 program, removing unused sheets and formatting, and upload the new copy.",
                memory >> 20
            );
        }
    }
    format!(
        "Reading {display_name} stopped the reader ({status}) before it finished, most likely \
         because the workbook needs more than the {} MiB allowed or is damaged. Save it again in \
         a spreadsheet program and upload the new copy.",
        memory >> 20
    )
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
        limit_address_space(bytes);
    }
    // Tests slow the worker down to exercise time limits, cancellation and crashes mid-job.
    if let [flag, millis, ..] = extra {
        if flag == "--test-delay-ms" {
            if let Ok(millis) = millis.parse::<u64>() {
                std::thread::sleep(Duration::from_millis(millis));
            }
        }
    }
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

fn limit_address_space(bytes: u64) {
    #[cfg(unix)]
    {
        let limit = libc::rlimit {
            rlim_cur: bytes as libc::rlim_t,
            rlim_max: bytes as libc::rlim_t,
        };
        // Failing to set the limit leaves the time limit as the only guard; it is not fatal.
        unsafe {
            libc::setrlimit(libc::RLIMIT_AS, &limit);
        }
    }
    #[cfg(not(unix))]
    let _ = bytes;
}
