//! `sitebook watch`, the headless inbox watcher of a shared office machine: killed with
//! `kill -9` in the middle of a burst and started again, every file ends in `imported/` exactly
//! once, with one job each. Also the folder it is given and what a second watcher says.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const PASSWORD: &str = "watch-pass-1";
const FILES: usize = 40;

fn fixture_workbook() -> Vec<u8> {
    std::fs::read(common::fixture_workbook()).unwrap()
}

/// The fixture with a zip comment of its own, so each copy is different content (the inbox
/// would rightly call identical copies "already imported") and still a valid workbook.
fn distinct_workbook(base: &[u8], n: usize) -> Vec<u8> {
    let end = base.len() - 22;
    assert_eq!(
        &base[end..end + 4],
        b"PK\x05\x06",
        "the fixture ends in a bare EOCD"
    );
    let comment = format!("copy {n}");
    let mut bytes = base.to_vec();
    bytes[base.len() - 2..].copy_from_slice(&(comment.len() as u16).to_le_bytes());
    bytes.extend_from_slice(comment.as_bytes());
    bytes
}

fn sitebook(data: &Path) -> Process {
    sitebook_as(data, "root")
}

fn sitebook_as(data: &Path, user: &str) -> Process {
    let mut command = common::process_as(data, user, PASSWORD);
    command.env_remove("SITEBOOK_TEST_WORKER_DELAY_MS");
    command
}

/// Starts `sitebook watch --json` and a thread that forwards its stdout lines.
fn start_watch(data: &Path, inbox: &Path) -> (Child, mpsc::Receiver<Value>) {
    watch_as(data, "root", inbox, Stdio::null())
}

/// [`start_watch`] as `user`, its errors going to `stderr`.
fn watch_as(
    data: &Path,
    user: &str,
    inbox: &Path,
    stderr: Stdio,
) -> (Child, mpsc::Receiver<Value>) {
    let mut child = sitebook_as(data, user)
        .args(["watch", "--json", "--workers", "2", "--inbox"])
        .arg(inbox)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(value) = serde_json::from_str::<Value>(&line) {
                if lines.send(value).is_err() {
                    break;
                }
            }
        }
    });
    (child, received)
}

// Same as sitebook-core's tests/inbox.rs `files_in`: the two crates' tests share no module.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                // The watcher's own lock file, hidden, stays in the folder it watches.
                .filter(|name| name != sitebook_core::inbox::watcher::LOCK_FILE)
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn after_kill_9_mid_burst_and_a_restart_every_file_is_imported_exactly_once() {
    let data = tempfile::tempdir().unwrap();
    let inbox: PathBuf = tempfile::tempdir().unwrap().keep();
    assert!(sitebook(data.path())
        .args(["init", "--name", "Root Admin"])
        .status()
        .unwrap()
        .success());

    let (mut first, lines) = start_watch(data.path(), &inbox);
    let watching = lines.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(watching["inbox"]["state"], "watching", "{watching}");

    let base = fixture_workbook();
    let staging = tempfile::tempdir().unwrap();
    for n in 0..FILES {
        let name = format!("estimate-{n:02}.xlsx");
        std::fs::write(staging.path().join(&name), distinct_workbook(&base, n)).unwrap();
        std::fs::copy(staging.path().join(&name), inbox.join(&name)).unwrap();
    }
    // Killed once a few files are queued and before the burst is through.
    let mut queued = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while queued < 5 {
        let line = lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("files are being queued");
        if line["file"]["outcome"] == "queued" {
            queued += 1;
        }
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let left_after_kill = files_in(&inbox).len();
    assert!(left_after_kill > 0, "the kill landed mid-burst");

    let (mut second, _lines) = start_watch(data.path(), &inbox);
    let imported = inbox.join("imported");
    let deadline = Instant::now() + Duration::from_secs(300);
    while files_in(&inbox).len() + files_in(&inbox.join("failed")).len() > 0
        || files_in(&imported).len() < FILES
    {
        assert!(
            Instant::now() < deadline,
            "the restarted watcher drains the inbox: {} left, {} imported, failed {:?}",
            files_in(&inbox).len(),
            files_in(&imported).len(),
            files_in(&inbox.join("failed"))
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    second.kill().unwrap();
    second.wait().unwrap();

    let expected: Vec<String> = (0..FILES)
        .map(|n| format!("{} estimate-{n:02}.xlsx", today()))
        .collect();
    assert_eq!(
        files_in(&imported),
        expected,
        "each file once, none renamed as a second copy"
    );

    let output = sitebook(data.path())
        .args(["jobs", "list", "--json", "--limit", "1000"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let jobs: Value = serde_json::from_slice(&output.stdout).unwrap();
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), FILES, "one job per file: {jobs:#?}");
    let mut names: Vec<&str> = jobs
        .iter()
        .map(|j| j["fileName"].as_str().unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), FILES, "no file has two jobs");
    assert!(jobs
        .iter()
        .all(|j| j["status"] == "completed" && j["source"] == "inbox"));
    // The table a person reads tags them too (it had only in JSON).
    let output = sitebook(data.path())
        .args(["jobs", "list", "--limit", "1000"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&output.stdout);
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().last(),
        Some("FROM"),
        "{table}"
    );
    assert_eq!(
        lines
            .filter(|line| line.trim_end().ends_with(" inbox"))
            .count(),
        FILES,
        "{table}"
    );
    std::fs::remove_dir_all(&inbox).unwrap();
}

#[test]
fn a_relative_inbox_folder_is_the_one_under_the_current_folder() {
    let data = tempfile::tempdir().unwrap();
    let here = tempfile::tempdir().unwrap();
    std::fs::create_dir(here.path().join("inbox")).unwrap();
    assert!(sitebook(data.path())
        .args(["init", "--name", "Root Admin"])
        .status()
        .unwrap()
        .success());
    let mut watch = sitebook(data.path())
        .args(["watch", "--json", "--inbox", "inbox"])
        .current_dir(here.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(watch.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    watch.kill().unwrap();
    let output = watch.wait_with_output().unwrap();
    let status: Value = serde_json::from_str(&first)
        .unwrap_or_else(|_| panic!("{first:?}; {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(status["inbox"]["state"], "watching", "{status}");
    let folder = PathBuf::from(status["inbox"]["folder"].as_str().unwrap());
    assert_eq!(
        folder.canonicalize().unwrap(),
        here.path().join("inbox").canonicalize().unwrap()
    );
}

fn today() -> String {
    // The watcher dates handled files by the UTC day; the test cannot straddle midnight UTC by
    // more than its own run time, so read the day the same way.
    let output = Process::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// A second `watch --json` of a folder another watcher holds wrote the same "watched elsewhere"
/// line every second; it says it once, and again only when something changes.
#[test]
fn a_watcher_waiting_for_another_says_so_once() {
    let data = tempfile::tempdir().unwrap();
    let inbox = data.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    assert!(sitebook(data.path())
        .args(["init", "--name", "Root Admin"])
        .status()
        .unwrap()
        .success());
    let (mut first, first_lines) = start_watch(data.path(), &inbox);
    let watching = first_lines.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(watching["inbox"]["state"], "watching", "{watching}");
    let (mut second, second_lines) = start_watch(data.path(), &inbox);
    let waiting = second_lines.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(waiting["inbox"]["state"], "watchedElsewhere", "{waiting}");
    // The waiting watcher looks again every second; four looks later it has said nothing more.
    std::thread::sleep(Duration::from_secs(4));
    let more: Vec<Value> = second_lines.try_iter().collect();
    second.kill().unwrap();
    second.wait().unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(more.is_empty(), "said again: {more:?}");
}

/// A watch whose person lost the organization filed every file dropped in as failed, for the
/// same reason each time, and ran on. It says why, stops with exit code 3 (denied), and leaves
/// the file where it was dropped.
#[test]
fn a_watch_whose_person_is_disabled_stops_and_leaves_the_files_in_place() {
    let data = tempfile::tempdir().unwrap();
    let inbox = data.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let root = |args: &[&str]| {
        let status = sitebook(data.path()).args(args).status().unwrap();
        assert!(status.success(), "{args:?}");
    };
    root(&["init", "--name", "Root Admin"]);
    root(&[
        "user",
        "add",
        "ravi",
        "--name",
        "Ravi",
        "--role",
        "member",
        "--no-personal-org",
    ]);
    let (mut watch, lines) = watch_as(data.path(), "ravi", &inbox, Stdio::piped());
    let watching = lines.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(watching["inbox"]["state"], "watching", "{watching}");
    root(&["user", "disable", "ravi"]);
    std::fs::write(inbox.join("road.xlsx"), fixture_workbook()).unwrap();

    let paused = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the watch says it pauses");
        if line["inbox"]["state"] == "paused" {
            break line;
        }
        assert_ne!(line["file"]["outcome"], "failed", "{line}");
    };
    let why = paused["inbox"]["pausedBecause"].as_str().unwrap();
    assert!(
        why.contains("ravi can no longer upload") && why.contains("Start `sitebook watch` again"),
        "{why}"
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = watch.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the watch runs on"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut told = String::new();
    std::io::Read::read_to_string(&mut watch.stderr.take().unwrap(), &mut told).unwrap();
    assert_eq!(status.code(), Some(3), "{told}");
    assert!(told.contains("The watch stopped"), "{told}");
    assert_eq!(files_in(&inbox), ["road.xlsx"]);
    assert!(files_in(&inbox.join("failed")).is_empty());
}
