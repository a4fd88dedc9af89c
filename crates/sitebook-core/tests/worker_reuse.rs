//! Parse worker processes are reused from file to file (the throughput issue), without giving up
//! what a process per file gave: a reader crash fails only the file that caused it, and that
//! file is blamed only after it crashed a fresh reader of its own.
//!
//! The workers are told to log their starts (`--test-log-starts`), so each test counts the
//! processes a burst really started.

mod common;
mod workbooks;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{fixture_with, Fixture};
use sitebook_core::jobs::queue::JobView;
use sitebook_core::jobs::JobStatus;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A fixture whose workers log their starts to the returned file, after `extra` test options.
async fn fixture_logging_starts(
    files_per_worker: u32,
    extra: &[&str],
) -> (Fixture, tempfile::TempDir, PathBuf) {
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("starts.log");
    let log_arg = log.to_string_lossy().into_owned();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let fx = fixture_with(|options| {
        options.jobs.files_per_worker = files_per_worker;
        // One job claimed at a time, so a worker reads the files in upload order and each
        // test knows which reader reads which file.
        options.jobs.jobs_in_flight_per_worker = 1;
        // A failure must show, not hide behind a retry.
        options.jobs.max_retries = 0;
        options.jobs.worker_extra_args = extra;
        options
            .jobs
            .worker_extra_args
            .extend(["--test-log-starts".to_string(), log_arg]);
    })
    .await;
    (fx, log_dir, log)
}

fn starts(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

/// Uploads `names` (small distinct estimates) in this order, runs one worker until every job
/// ends, and returns the jobs in upload order.
async fn burst(fx: &Fixture, names: &[&str]) -> Vec<JobView> {
    let files: Vec<PathBuf> = names
        .iter()
        .map(|name| {
            write(
                fx.dir.path(),
                name,
                &workbooks::estimate_with_items(&format!("Road works, {name}"), 5),
            )
        })
        .collect();
    let outcomes = fx.core.upload(&fx.root, &files).await.unwrap();
    // One worker with one job in flight, so the files are read one after another in upload
    // order.
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    let mut jobs = Vec::new();
    for outcome in &outcomes {
        let job = tokio::time::timeout(
            Duration::from_secs(120),
            fx.core
                .job_wait(&fx.root, outcome.job_id.expect("a parse job"), |_| {}),
        )
        .await
        .expect("the job ends")
        .unwrap();
        jobs.push(job);
    }
    pool.shutdown().await;
    jobs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_read_by_a_few_reused_workers_each_replaced_after_its_share() {
    let (fx, _log_dir, log) = fixture_logging_starts(3, &[]).await;
    let names: Vec<String> = (0..7).map(|n| format!("burst-{n}.xlsx")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let jobs = burst(&fx, &names).await;
    for job in &jobs {
        assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    }
    assert_eq!(fx.core.estimates_list(&fx.root).await.unwrap().len(), 7);
    // Three files to a worker: 7 files need ceil(7 / 3) = 3 processes, where a process per
    // file started 7.
    assert_eq!(starts(&log), 3, "worker processes started for 7 files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_crash_in_a_burst_fails_its_file_alone_after_a_fresh_reader_crashed_too() {
    let (fx, _log_dir, log) =
        fixture_logging_starts(100, &["--test-abort-on", "crash-me.xlsx"]).await;
    let jobs = burst(
        &fx,
        &[
            "first.xlsx",
            "second.xlsx",
            "crash-me.xlsx",
            "fourth.xlsx",
            "fifth.xlsx",
        ],
    )
    .await;

    for (index, job) in jobs.iter().enumerate() {
        if index == 2 {
            assert_eq!(job.status, JobStatus::Failed, "{job:?}");
            let message = job.error_message.as_deref().unwrap_or_default();
            assert!(
                message.contains("crash-me.xlsx") && message.contains("probably damaged"),
                "{message}"
            );
            assert_eq!(job.error_code.as_deref(), Some("unreadable"), "{job:?}");
        } else {
            assert_eq!(job.status, JobStatus::Completed, "{job:?}");
            assert_eq!(
                job.attempts, 1,
                "the crash cost the others nothing: {job:?}"
            );
        }
    }
    assert_eq!(fx.core.estimates_list(&fx.root).await.unwrap().len(), 4);
    // The first reader read two files and crashed on the third; a fresh reader read the third
    // again and crashed too; a third reader read the rest. Without the fresh re-read the
    // count is 2, and with a process per file it is 6.
    assert_eq!(starts(&log), 3, "worker processes started");
}
