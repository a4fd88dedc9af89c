//! The parse worker's memory cap: ordinary workbooks never trip it, a workbook that needs more
//! than the cap is stopped with a message that names the cap the worker really had, and a
//! worker killed from outside is retried instead of blaming the workbook.
//!
//! Before the cap bounded data, mimalloc reserved a 1 GiB arena before the worker capped its
//! address space at 1 GiB, so ordinary parses failed at random (about 1 in 25) and an
//! allocation bomb ran unhindered inside the arena. The repeat counts below are what the issue
//! asks for; at that failure rate they catch the old behaviour with near certainty.

mod common;
mod workbooks;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::{fixture_with, Fixture};
use sitebook_core::jobs::worker_process::parse_isolated;
use sitebook_core::jobs::{JobSettings, JobStatus, WorkerProgram};

const MIB: u64 = 1 << 20;

fn worker_settings() -> JobSettings {
    JobSettings {
        worker_program: WorkerProgram::Program(env!("CARGO_BIN_EXE_sitebook-parse-worker").into()),
        ..JobSettings::default()
    }
}

/// The parse worker the two 200-run tests start. The random failures they guard against showed
/// only in release builds of the worker, so CI builds it in release and names it in
/// `SITEBOOK_RELEASE_PARSE_WORKER` (scripts/test-all.sh); this side of the tests may then run
/// in the debug build it already has. Unset, it is this build's own worker.
fn reliability_worker() -> WorkerProgram {
    match std::env::var_os("SITEBOOK_RELEASE_PARSE_WORKER") {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "SITEBOOK_RELEASE_PARSE_WORKER names no file: {}",
                path.display()
            );
            WorkerProgram::Program(path)
        }
        None => worker_settings().worker_program,
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_worker_parses_of_a_10000_item_workbook_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "estimate-10000.xlsx",
        &workbooks::estimate_with_items("District roads, 10,000 items", 10_000),
    );
    let settings = Arc::new(JobSettings {
        worker_program: reliability_worker(),
        ..worker_settings()
    });
    // Two at a time, as the two-core pool runs them.
    let lanes = (0..2).map(|lane| {
        let (settings, path) = (settings.clone(), path.clone());
        tokio::spawn(async move {
            let mut failures = Vec::new();
            for run in 0..100 {
                match parse_isolated(&settings, &path, "estimate-10000.xlsx").await {
                    Ok(parsed) => assert_eq!(parsed.sheets[0].items.len(), 10_000),
                    Err(error) => failures.push(format!("lane {lane} run {run}: {error:?}")),
                }
            }
            failures
        })
    });
    let mut failures = Vec::new();
    for lane in lanes {
        failures.extend(lane.await.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} of 200 parses failed: {failures:#?}",
        failures.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_uploads_of_distinct_500_item_workbooks_all_complete() {
    let fx = fixture_with(|options| {
        // A failure must show, not hide behind a retry.
        options.jobs.max_retries = 0;
        options.jobs.worker_program = reliability_worker();
    })
    .await;
    let files: Vec<PathBuf> = (0..200)
        .map(|n| {
            write(
                fx.dir.path(),
                &format!("estimate-{n:03}.xlsx"),
                &workbooks::estimate_with_items(&format!("Village road {n}, 500 items"), 500),
            )
        })
        .collect();
    let outcomes = fx.core.upload(&fx.root, &files).await.unwrap();
    assert_eq!(outcomes.len(), 200);
    let pool = fx.core.start_workers(Some(2)).await.unwrap();
    let mut failed = Vec::new();
    for outcome in &outcomes {
        assert!(!outcome.duplicate, "each workbook is distinct: {outcome:?}");
        let job_id = outcome.job_id.expect("a parse job was queued");
        let job = tokio::time::timeout(
            Duration::from_secs(600),
            fx.core.job_wait(&fx.root, job_id, |_| {}),
        )
        .await
        .expect("the batch ends")
        .unwrap();
        if job.status != JobStatus::Completed {
            failed.push(format!(
                "{:?}: {:?} {:?}",
                job.file_name, job.status, job.error_message
            ));
        }
    }
    pool.shutdown().await;
    assert!(
        failed.is_empty(),
        "{} of 200 uploads failed: {failed:#?}",
        failed.len()
    );
    assert_eq!(fx.core.estimates_list(&fx.root).await.unwrap().len(), 200);
}

/// Parses the worked example in a worker capped at `cap` that first fills `ballast_mib` MiB,
/// standing for what a workbook makes the reader hold.
async fn parse_with_ballast(
    cap: u64,
    ballast_mib: u64,
) -> Result<sitebook_core::excel::ParsedWorkbook, (String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "works.xlsx",
        &workbooks::domain_example_workbook(),
    );
    let settings = JobSettings {
        worker_memory_bytes: cap,
        worker_extra_args: vec!["--test-allocate-mib".into(), ballast_mib.to_string()],
        ..worker_settings()
    };
    parse_isolated(&settings, &path, "works.xlsx").await
}

#[tokio::test]
async fn the_memory_cap_leaves_the_parse_its_headroom_and_stops_what_goes_past_it() {
    // Most of the cap is the parse's to use: none of it is eaten up front.
    let parsed = parse_with_ballast(256 * MIB, 192).await;
    assert!(
        parsed.is_ok(),
        "192 MiB fits under a 256 MiB cap: {parsed:?}"
    );

    // Past the cap the reader is stopped, and told so in plain words with the cap it had.
    let (code, message) = parse_with_ballast(256 * MIB, 400).await.unwrap_err();
    assert_eq!(code, "too_large", "{message}");
    assert!(
        message.contains("works.xlsx")
            && message.contains("needs more than the 256 MiB of memory the reader is allowed"),
        "{message}"
    );
    assert!(!message.contains("damaged"), "{message}");

    // The figure is the worker's own: another cap, another figure.
    let (_, message) = parse_with_ballast(320 * MIB, 400).await.unwrap_err();
    assert!(message.contains("the 320 MiB of memory"), "{message}");
}

#[tokio::test]
async fn a_job_past_the_memory_cap_fails_at_once_naming_the_cap() {
    let fx = fixture_with(|options| {
        options.jobs.worker_memory_bytes = 256 * MIB;
        options.jobs.worker_extra_args = vec!["--test-allocate-mib".into(), "400".into()];
    })
    .await;
    let file = write(
        fx.dir.path(),
        "works.xlsx",
        &workbooks::domain_example_workbook(),
    );
    let job = run_one(&fx, file).await;
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    assert_eq!(
        job.attempts, 1,
        "the workbook's fault is not retried: {job:?}"
    );
    let message = job.error_message.unwrap();
    assert!(
        message.contains("needs more than the 256 MiB of memory the reader is allowed"),
        "{message}"
    );
}

async fn run_one(fx: &Fixture, file: PathBuf) -> sitebook_core::jobs::queue::JobView {
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    let outcomes = fx.core.upload(&fx.root, &[file]).await.unwrap();
    let job = tokio::time::timeout(
        Duration::from_secs(120),
        fx.core
            .job_wait(&fx.root, outcomes[0].job_id.unwrap(), |_| {}),
    )
    .await
    .expect("the job ends")
    .unwrap();
    pool.shutdown().await;
    job
}

/// Process ids of the parse workers this test process started with the test option `arg`
/// (workers are reused, so their command line names no file).
#[cfg(target_os = "linux")]
fn workers_started_with(arg: &str) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let is_worker = args
            .iter()
            .any(|a| *a == sitebook_core::jobs::worker_process::WORKER_ARG.as_bytes());
        let ours = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|stat| {
                // The parent's pid is the second field after the name in parentheses.
                let after_name = stat.rsplit_once(')')?.1.to_string();
                after_name.split_whitespace().nth(1)?.parse::<u32>().ok()
            })
            == Some(std::process::id());
        if is_worker && ours && args.contains(&arg.as_bytes()) {
            found.push(pid);
        }
    }
    found
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_from_outside_is_retried_and_the_workbook_not_blamed() {
    let fx = fixture_with(|options| {
        options.jobs.worker_extra_args = vec!["--test-delay-ms".into(), "30000".into()];
    })
    .await;
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    let file = write(
        fx.dir.path(),
        "killed-outside.xlsx",
        &workbooks::domain_example_workbook(),
    );
    let outcomes = fx.core.upload(&fx.root, &[file]).await.unwrap();
    let job_id = outcomes[0].job_id.unwrap();

    // The only worker slowed this much is the one reading this file.
    let mut killed = 0;
    for _ in 0..500 {
        for pid in workers_started_with("30000") {
            // SAFETY: a plain kill(2) of a child this test's core started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed += 1;
        }
        if killed > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(killed > 0, "the worker was found and killed");

    let mut job = fx.core.job_show(&fx.root, job_id).await.unwrap();
    for _ in 0..500 {
        if job.attempts == 1 && job.status == JobStatus::Queued {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        job = fx.core.job_show(&fx.root, job_id).await.unwrap();
    }
    pool.shutdown().await;
    assert_eq!(job.status, JobStatus::Queued, "queued for a retry: {job:?}");
    let logged = &job.error_log.last().expect("the kill is logged").error;
    assert!(
        logged.contains("stopped from outside (signal 9)") && logged.contains("not at fault"),
        "{logged}"
    );
    assert!(!logged.contains("needs more than"), "{logged}");
}

/// The worker reads untrusted files: the secrets scripts export for the command that starts it
/// (the sign-in password, the sync secret) are not in its environment.
#[cfg(target_os = "linux")]
#[test]
fn the_parse_worker_inherits_no_secret_from_its_environment() {
    // Edition 2021: setting a variable is safe; this test binary reads no variable meanwhile.
    std::env::set_var("SITEBOOK_S3_SECRET", "env-leak-secret-123");
    std::env::set_var("SITEBOOK_PASSWORD", "env-leak-password-123");
    let mut child = sitebook_core::jobs::worker_process::worker_command(&worker_settings())
        .unwrap()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The worker waits for a request on its stdin; its environment is readable meanwhile.
    // It may restart itself once to set its allocator's variables, so look a few times.
    std::thread::sleep(Duration::from_millis(300));
    let environment = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let environment = String::from_utf8_lossy(&environment);
    assert!(!environment.is_empty(), "the environment was read");
    assert!(
        environment.contains("MIMALLOC_ARENA_RESERVE"),
        "{environment}"
    );
    assert!(!environment.contains("env-leak"), "{environment}");
    assert!(!environment.contains("SITEBOOK_"), "{environment}");
}
