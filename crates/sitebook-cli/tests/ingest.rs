//! The ingestion commands of the real binary: the stateless parse and its JSON shape, uploads
//! with and without waiting, and a worker killed in the middle of a job.

mod common;

use std::process::{Command as Process, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use common::{fixture_workbook, sitebook_as_root};
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const PASSWORD: &str = "ingest-pass-1";

struct Device {
    dir: TempDir,
}

impl Device {
    fn new() -> Self {
        let device = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        device.run(&["init", "--name", "Root Admin"]).success();
        device
    }

    fn command(&self) -> Command {
        let mut command = sitebook_as_root(self.dir.path(), PASSWORD);
        command.env_remove("SITEBOOK_TEST_WORKER_DELAY_MS");
        command
    }

    fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.command().args(args).assert()
    }

    /// What a successful `sitebook ARGS` wrote to stdout.
    fn stdout(&self, args: &[&str]) -> String {
        let output = self.run(args).success().get_output().stdout.clone();
        String::from_utf8_lossy(&output).into_owned()
    }

    fn json(&self, args: &[&str]) -> Value {
        let output = self.run(args).success().get_output().stdout.clone();
        serde_json::from_slice(&output).expect("JSON")
    }

    /// Waits until job `id` is `wanted` (`running`, `cancelled`, …).
    fn until_job_is(&self, id: &str, wanted: &str) {
        // A guard against hanging forever, not a speed requirement.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while self.json(&["jobs", "show", id, "--json"])["status"] != wanted {
            assert!(
                std::time::Instant::now() < deadline,
                "job {id} never {wanted}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `sitebook worker ARGS` on this device in the background, as a service runs it.
    fn spawn_worker(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
        Process::new(env!("CARGO_BIN_EXE_sitebook"))
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("worker")
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Starts `jobs wait ID` in the background and returns it with the first line it writes
    /// to stderr. The line is read on a thread of its own: a wait that says nothing would block
    /// the read until the job ended, which here happens only once the test starts a worker.
    fn wait_and_first_word(&self, id: &str) -> (std::process::Child, String) {
        let mut waiting = common::root_process(self.dir.path(), PASSWORD)
            .env_remove("SITEBOOK_TEST_WORKER_DELAY_MS")
            .args(["jobs", "wait", id])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = waiting.stderr.take().unwrap();
        let (line, said) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stderr), &mut first);
            let _ = line.send(first);
        });
        // A guard against hanging forever, not a speed requirement.
        match said.recv_timeout(Duration::from_secs(60)) {
            Ok(first) => (waiting, first),
            Err(_) => {
                let _ = waiting.kill();
                panic!("the wait on job {id} said nothing")
            }
        }
    }
}

#[test]
fn estimate_parse_prints_the_documented_json_shape() {
    let assert = Command::cargo_bin("sitebook")
        .unwrap()
        .args(["estimate", "parse", &fixture_workbook(), "--json"])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert!(json["file"].as_str().unwrap().ends_with("estimate.xlsx"));
    let sheet = &json["sheets"][0];
    assert_eq!(sheet["name"], "Estimate");
    assert_eq!(sheet["header_row"], 6);
    let item = &sheet["items"][0];
    for field in ["sl_no", "description", "quantity", "unit", "rate", "amount"] {
        assert!(item[field].is_string(), "{field} is a string: {item}");
    }
    assert_eq!(
        item["row"], 9,
        "rows are numbered from 1 as in the spreadsheet"
    );
    assert_eq!(sheet["footer"]["ecv"], "100000.00");
    assert_eq!(sheet["footer"]["grand_total"], "130000.00");
    assert!(sheet["metadata"]["name_of_work"]
        .as_str()
        .unwrap()
        .contains("Gandhi Nagar"));
    let warnings = json["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w["cell"] == "Estimate!H12"));
    assert!(warnings.iter().all(|w| w["message"].is_string()));
}

#[test]
fn estimate_parse_of_a_bad_file_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("prices.xlsx");
    std::fs::write(&fake, "sl,qty\n1,2\n").unwrap();
    let assert = Command::cargo_bin("sitebook")
        .unwrap()
        .args(["estimate", "parse"])
        .arg(&fake)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("prices.xlsx"))
        .stderr(predicate::str::contains("panicked").not());
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn upload_and_wait_reports_one_line_per_job() {
    let device = Device::new();
    let bad = device.dir.path().join("notes.xlsx");
    std::fs::write(&bad, "just text").unwrap();
    let assert = device
        .run(&[
            "upload",
            &fixture_workbook(),
            bad.to_str().unwrap(),
            "--wait",
        ])
        .code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        stdout.contains("completed: estimate.xlsx -> estimate"),
        "{stdout}"
    );
    assert!(
        stdout.contains("failed: notes.xlsx is not a spreadsheet workbook"),
        "{stdout}"
    );

    let estimates = device.json(&["estimate", "list", "--json"]);
    assert_eq!(
        estimates.as_array().unwrap().len(),
        2,
        "Estimate and Errors sheets"
    );
    // The workbook holds two estimates, which parse with warnings: the job's line names both
    // and counts the warnings (it had named the first alone and read as a clean import).
    let list = estimates.as_array().unwrap();
    let mut ids: Vec<i64> = list.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    ids.sort();
    let warnings: i64 = list
        .iter()
        .map(|e| e["warningCount"].as_i64().unwrap())
        .sum();
    assert!(warnings > 0, "{estimates}");
    assert!(
        stdout.contains(&format!(
            "completed: estimate.xlsx -> estimates {} and {}, with {warnings} warnings (see \
             `sitebook estimate show` for each)",
            ids[0], ids[1]
        )),
        "{stdout}"
    );
    let id = estimates[0]["id"].as_i64().unwrap();
    device
        .run(&["estimate", "show", &id.to_string()])
        .success()
        .stdout(predicate::str::contains("warning"));
    // Figures in the tables as the documents print them, in Indian grouping.
    device
        .run(&["estimate", "list"])
        .success()
        .stdout(predicate::str::contains("1,00,000.00  1,30,000.00"));
    let sheet = estimates[1]["id"].as_i64().unwrap().to_string();
    device.run(&["estimate", "show", &sheet]).success().stdout(
        predicate::str::contains("40,064.95  80,129.90")
            .and(predicate::str::contains("1,00,000.00")),
    );

    // A second upload of the same content is a duplicate.
    device
        .run(&["upload", &fixture_workbook()])
        .success()
        .stdout(predicate::str::contains("already uploaded"));
    // Waiting on a duplicate waits for its job, here long done, and says how it ended.
    device
        .run(&["upload", &fixture_workbook(), "--wait"])
        .success()
        .stdout(
            predicate::str::contains("already uploaded")
                .and(predicate::str::contains("completed: ")),
        );

    // Exporting counts a download; cleanup is for admins and above.
    let outputs = device.json(&["outputs", "list", "--json"]);
    let output = outputs[0]["id"].as_i64().unwrap().to_string();
    let dest = device.dir.path().join("exported.json");
    device
        .run(&["outputs", "export", &output, dest.to_str().unwrap()])
        .success();
    assert!(dest.exists());
    assert_eq!(
        device.json(&["outputs", "list", "--json"])[0]["downloadCount"],
        1
    );
    device
        .run(&["outputs", "cleanup", "--days", "30"])
        .success()
        .stdout(predicate::str::contains("Removed 0 files"));
    // Longer ago than the calendar reaches: nothing is that old (it had panicked).
    device
        .run(&["outputs", "cleanup", "--days", "4294967295"])
        .success()
        .stdout(predicate::str::contains("Removed 0 files"));
}

#[test]
fn a_workbook_that_is_not_there_is_said_so_in_words() {
    let device = Device::new();
    let gone = device.dir.path().join("moved-away.xlsx");
    let assert = device
        .run(&["upload", gone.to_str().unwrap(), "--wait"])
        .code(1);
    let output = assert.get_output();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("moved-away.xlsx is not there"), "{said}");
    assert!(!said.contains("os error"), "{said}");
}

#[test]
fn an_export_keeps_a_file_already_there_unless_told_to_replace_it() {
    let device = Device::new();
    device
        .run(&["upload", &fixture_workbook(), "--wait"])
        .success();
    let outputs = device.json(&["outputs", "list", "--json"]);
    let output = outputs[0]["id"].as_i64().unwrap().to_string();
    let stored = std::fs::read(
        device
            .dir
            .path()
            .join("outputs/root")
            .join(outputs[0]["filename"].as_str().unwrap()),
    )
    .unwrap();
    let export = |dest: &std::path::Path, more: &[&str]| {
        let mut args = vec!["outputs", "export", &output, dest.to_str().unwrap()];
        args.extend_from_slice(more);
        device.run(&args)
    };

    // The person's own file of that name is kept, and said to be.
    let mine = device.dir.path().join("notes.json");
    std::fs::write(&mine, "my own notes").unwrap();
    export(&mine, &[]).failure().stderr(
        predicate::str::contains("notes.json already exists; nothing was written")
            .and(predicate::str::contains("--overwrite")),
    );
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "my own notes");
    export(&mine, &["--overwrite"]).success();
    assert_eq!(std::fs::read(&mine).unwrap(), stored);
    // Into a folder, the same: a second export finds the first copy there.
    let folder = device.dir.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    export(&folder, &[]).success();
    export(&folder, &[])
        .failure()
        .stderr(predicate::str::contains(
            "already exists; nothing was written",
        ));

    // A name saying another kind of file, a folder that is not there and a path through a file
    // are refused in words, naming what the person gave (not the data folder's own paths).
    export(&device.dir.path().join("bill.pdf"), &[])
        .failure()
        .stderr(
            predicate::str::contains("would hold a .json file")
                .and(predicate::str::contains("give a name ending in .json")),
        );
    let missing = format!("{}/", device.dir.path().join("no-such-folder").display());
    export(std::path::Path::new(&missing), &[])
        .failure()
        .stderr(
            predicate::str::contains("There is no folder")
                .and(predicate::str::contains("no-such-folder")),
        );
    let through = device.dir.path().join("notes.json").join("copy.json");
    export(&through, &[]).failure().stderr(
        predicate::str::contains("notes.json is a file, not a folder")
            .and(predicate::str::contains("outputs/root").not()),
    );
    assert!(!device.dir.path().join("bill.pdf").exists());
}

#[test]
fn a_jobs_outputs_say_what_a_cleanup_removed_and_the_job_makes_it_again() {
    let device = Device::new();
    device
        .run(&["upload", &fixture_workbook(), "--wait"])
        .success();
    let made = device.json(&["outputs", "list", "--json"]);
    let (job, filename) = (
        made[0]["jobId"].as_i64().unwrap().to_string(),
        made[0]["filename"].as_str().unwrap().to_owned(),
    );
    let file_bytes = || std::fs::read(device.dir.path().join("outputs/root").join(&filename));
    let bytes = file_bytes().unwrap();
    let tells_nothing_gone = || {
        device
            .run(&["outputs", "list", "--job", &job])
            .success()
            .stderr(predicate::str::contains("removed").not());
    };
    tells_nothing_gone();

    // Never saved, so a cleanup with no days to spare takes it with its record.
    device
        .run(&["outputs", "cleanup", "--days", "0"])
        .success()
        .stdout(predicate::str::contains("Removed 1 file"));
    device
        .run(&["outputs", "list", "--job", &job])
        .success()
        .stderr(
            predicate::str::contains(format!(
                "1 file of job {job} was removed by the cleanup of outputs never saved."
            ))
            .and(predicate::str::contains(format!(
                "`sitebook jobs retry {job}` makes them again"
            ))),
        );

    device.run(&["jobs", "retry", &job]).success();
    device.run(&["worker", "--exit-when-idle"]).success();
    let again = device.json(&["outputs", "list", "--job", &job, "--json"]);
    assert_eq!(again.as_array().unwrap().len(), 1, "{again}");
    assert_eq!(again[0]["filename"], filename.as_str());
    assert_eq!(file_bytes().unwrap(), bytes);
    tells_nothing_gone();
    // A job that is not there is told alone, not under an empty table.
    device
        .run(&["outputs", "list", "--job", "999"])
        .code(4)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("999"));
}

#[test]
fn jobs_wait_says_each_time_a_job_will_be_tried_again_and_why() {
    let device = Device::new();
    device
        .run(&["upload", &fixture_workbook()])
        .success()
        .stdout(predicate::str::contains("job 1 queued"));
    // Its stored copy cannot be read (a folder stands in its place): an error reading a file
    // that is there is one that may pass (a disk's read error), so the job is tried again,
    // three times (a full disk and a bucket out of reach are met the same way). A stored copy
    // that is gone is not: that fails at once (core's ingestion tests).
    let stored = std::fs::read_dir(device.dir.path().join("uploads/root"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&stored).unwrap();
    std::fs::create_dir(&stored).unwrap();
    let mut worker = device.spawn_worker(
        &["--exit-when-idle", "--workers", "1"],
        &[("SITEBOOK_TEST_RETRY_BASE_MS", "700")],
    );
    let waited = device.run(&["jobs", "wait", "1"]).code(1);
    assert!(worker.wait().unwrap().success());
    let told = String::from_utf8_lossy(&waited.get_output().stderr).to_string();
    for attempt in 1..=3 {
        let line = told
            .lines()
            .find(|line| {
                line.starts_with(&format!(
                    "job 1 will be tried again after attempt {attempt} failed: "
                ))
            })
            .unwrap_or_else(|| panic!("no line for attempt {attempt} in {told}"));
        assert!(line.contains(&*stored.to_string_lossy()), "{line}");
    }
    assert!(!told.contains("no worker is running"), "{told}");
    let stdout = String::from_utf8_lossy(&waited.get_output().stdout).to_string();
    assert!(stdout.contains("gave up after 4 attempts"), "{stdout}");
}

#[test]
fn a_worker_killed_mid_job_is_finished_exactly_once_by_the_next_one() {
    let device = Device::new();
    device
        .run(&["upload", &fixture_workbook()])
        .success()
        .stdout(predicate::str::contains("job 1 queued"));

    // A slow worker, killed while it holds the job.
    let mut slow = device.spawn_worker(
        &["--workers", "1"],
        &[("SITEBOOK_TEST_WORKER_DELAY_MS", "30000")],
    );
    let mut running = false;
    for _ in 0..300 {
        if device.json(&["jobs", "show", "1", "--json"])["status"] == "running" {
            running = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(running, "the slow worker picked the job up");
    #[cfg(target_os = "linux")]
    let reader = parse_child_of(slow.id());
    slow.kill().unwrap();
    slow.wait().unwrap();
    // Its reader, 30 s from done, goes with it rather than parsing on for nobody.
    #[cfg(target_os = "linux")]
    assert!(
        gone_within(reader, Duration::from_secs(5)),
        "the parse worker {reader} outlived its killed parent"
    );
    assert_eq!(
        device.json(&["jobs", "show", "1", "--json"])["status"],
        "running"
    );

    // The next worker queues it again and completes it.
    device.run(&["worker", "--exit-when-idle"]).success();
    let job = device.json(&["jobs", "show", "1", "--json"]);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["attempts"], 2);
    // Logged under the attempt it cut short, where it was logged as attempt 0.
    let recovery: Vec<&Value> = job["errorLog"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["step"] == "recovery")
        .collect();
    assert_eq!(recovery.len(), 1, "{job}");
    assert_eq!(recovery[0]["attempt"], 1, "{job}");
    assert_eq!(
        device
            .json(&["estimate", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        device
            .json(&["outputs", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// The parse worker `parent` started, waited for while it starts.
#[cfg(target_os = "linux")]
fn parse_child_of(parent: u32) -> u32 {
    for _ in 0..200 {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // The parent's pid is the second field after the parenthesised command name.
            let parent_of = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|field| field.parse::<u32>().ok());
            let command = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if parent_of == Some(parent)
                && String::from_utf8_lossy(&command).contains("__sitebook-parse-worker")
            {
                return pid;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("process {parent} started no parse worker");
}

/// Whether `pid` has ended (or is a zombie nobody reaps) within `limit`.
#[cfg(target_os = "linux")]
fn gone_within(pid: u32, limit: Duration) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat) => {
                let state = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.trim().chars().next());
                if state == Some('Z') || state == Some('X') {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn the_worker_says_how_each_job_it_ran_ended() {
    let device = Device::new();
    let bad = device.dir.path().join("notes.xlsx");
    std::fs::write(&bad, "just text").unwrap();
    device
        .run(&["upload", &fixture_workbook(), bad.to_str().unwrap()])
        .success();
    let assert = device.run(&["worker", "--exit-when-idle"]).success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a line per job: {stdout}");
    assert!(
        lines.contains(&"job 1 (parse_estimate in root, estimate.xlsx): completed"),
        "{stdout}"
    );
    assert!(
        lines.iter().any(|line| line.starts_with(
            "job 2 (parse_estimate in root, notes.xlsx): failed: notes.xlsx is not a spreadsheet \
             workbook"
        )),
        "{stdout}"
    );

    // With --json, one object a line, each naming its org, so a script can follow it up.
    let other = device.dir.path().join("other.xlsx");
    std::fs::write(&other, "more text").unwrap();
    device.run(&["upload", other.to_str().unwrap()]).success();
    let assert = device
        .run(&["worker", "--exit-when-idle", "--json"])
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line["job"]["id"], 3, "{stdout}");
    assert_eq!(line["job"]["fileName"], "other.xlsx", "{stdout}");
    assert_eq!(line["job"]["orgCode"], "root", "{stdout}");
    assert_eq!(line["job"]["status"], "failed", "{stdout}");
}

#[test]
fn jobs_cancel_retry_and_wait() {
    let device = Device::new();
    device.run(&["upload", &fixture_workbook()]).success();
    device
        .run(&["jobs", "cancel", "1"])
        .success()
        .stdout(predicate::str::contains("cancelled"))
        .stderr(predicate::str::contains("stays recorded").not());
    device
        .run(&["jobs", "cancel", "1"])
        .code(1)
        .stderr(predicate::str::contains("already cancelled"));
    device.run(&["jobs", "wait", "1"]).code(1);
    // The same file uploaded again is read again, by the job that was cancelled, instead of
    // "already uploaded" with nothing ever reading it.
    device
        .run(&["upload", &fixture_workbook()])
        .success()
        .stdout(predicate::str::contains(
            "was uploaded to this organization before, but job 1 had not read it; job 1 is \
             queued to read it again.",
        ));
    device.run(&["worker", "--exit-when-idle"]).success();
    device
        .run(&["jobs", "wait", "1"])
        .success()
        .stdout(predicate::str::contains("completed"));
    device.run(&["jobs", "show", "999"]).code(4);
    // No list of none, which read as if there were no jobs.
    device
        .run(&["jobs", "list", "--limit", "0"])
        .code(2)
        .stderr(predicate::str::contains("--limit"));
}

#[test]
fn cancelling_a_running_job_says_it_stops_at_its_next_step() {
    let device = Device::new();
    device.run(&["upload", &fixture_workbook()]).success();
    let mut worker = device.spawn_worker(&[], &[("SITEBOOK_TEST_WORKER_DELAY_MS", "20000")]);
    device.until_job_is("1", "running");
    device
        .run(&["jobs", "cancel", "1"])
        .success()
        .stderr(predicate::str::contains(
            "Cancel requested: job 1 stops at its next step",
        ));
    device.until_job_is("1", "cancelled");
    worker.kill().unwrap();
    worker.wait().unwrap();
}

/// A worker killed mid-job leaves the job shown as running, at its step, with nothing running
/// it; a wait on it had waited without a word.
#[test]
fn waiting_on_a_job_whose_worker_was_killed_says_it_runs_when_a_worker_starts() {
    let device = Device::new();
    device.run(&["upload", &fixture_workbook()]).success();
    let mut worker = device.spawn_worker(&[], &[("SITEBOOK_TEST_WORKER_DELAY_MS", "20000")]);
    device.until_job_is("1", "running");
    let shown = device.json(&["jobs", "show", "1", "--json"]);
    assert_eq!(shown["interrupted"], false, "its worker runs it: {shown}");
    worker.kill().unwrap();
    worker.wait().unwrap();
    // The list and the job's page had gone on saying "running" at its step; the JSON keeps
    // the status and says why nothing moves.
    let shown = device.json(&["jobs", "show", "1", "--json"]);
    assert_eq!(
        (&shown["status"], &shown["interrupted"]),
        (&"running".into(), &true.into())
    );
    let listed = device.stdout(&["jobs", "list"]);
    let row = listed
        .lines()
        .find(|line| line.starts_with("1 "))
        .unwrap_or_default();
    assert!(
        row.contains(" interrupted ") && !row.contains("running"),
        "{listed}"
    );
    let page = device.stdout(&["jobs", "show", "1"]);
    assert!(
        page.starts_with("job 1 (parse_estimate): interrupted")
            && page
                .contains("the worker that ran it has stopped; it runs again once a worker starts"),
        "{page}"
    );
    let (mut waiting, said) = device.wait_and_first_word("1");
    assert!(
        said.contains("Job 1 shows as running, but the worker that ran it has stopped"),
        "{said}"
    );
    // The wait goes on, and ends when a worker puts the job back in line and runs it.
    device.run(&["worker", "--exit-when-idle"]).success();
    assert!(waiting.wait().unwrap().success());
}

#[test]
fn waiting_on_a_job_with_no_worker_running_says_to_start_one() {
    let device = Device::new();
    device.run(&["upload", &fixture_workbook()]).success();
    let (mut waiting, said) = device.wait_and_first_word("1");
    assert!(
        said.contains("no worker is running") && said.contains("sitebook worker"),
        "{said}"
    );
    // The wait goes on, and ends when a worker runs the job.
    assert!(waiting.try_wait().unwrap().is_none(), "still waiting");
    device.run(&["worker", "--exit-when-idle"]).success();
    assert!(waiting.wait().unwrap().success());
}

#[test]
fn waiting_on_a_duplicate_whose_job_never_ran_runs_it() {
    let device = Device::new();
    // Uploaded without waiting, and with no worker running: its job stays queued.
    device
        .run(&["upload", &fixture_workbook()])
        .success()
        .stdout(predicate::str::contains("job 1 queued"));
    device
        .run(&["upload", &fixture_workbook(), "--wait"])
        .success()
        .stdout(
            predicate::str::contains("already uploaded")
                .and(predicate::str::contains("job 1 completed")),
        );
    let jobs = device.json(&["jobs", "list", "--json"]);
    assert_eq!(jobs[0]["status"], "completed", "{jobs}");
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_a_path_like_any_other() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"Stra\xdfe \xff.xlsx");
    let path = dir.path().join(name);
    std::fs::copy(fixture_workbook(), &path).unwrap();
    let assert = Command::cargo_bin("sitebook")
        .unwrap()
        .arg("estimate")
        .arg("parse")
        .arg(&path)
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("Estimate"), "{stdout}");
    let device = Device::new();
    device
        .command()
        .arg("upload")
        .arg(&path)
        .arg("--wait")
        .timeout(Duration::from_secs(60))
        .assert()
        .success()
        .stdout(predicate::str::contains("completed"));
}

#[cfg(unix)]
#[test]
fn a_pipe_or_a_device_is_refused_in_words_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.xlsx");
    let made = Process::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Reading a pipe with no writer would block for ever; it is refused at once.
    Command::cargo_bin("sitebook")
        .unwrap()
        .args(["estimate", "parse"])
        .arg(&fifo)
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a pipe, not a workbook file"));
    let device = Device::new();
    device
        .command()
        .arg("upload")
        .arg(&fifo)
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a pipe, not a workbook file"));
    let zero = dir.path().join("zero.xlsx");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    Command::cargo_bin("sitebook")
        .unwrap()
        .args(["estimate", "parse"])
        .arg(&zero)
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a device, not a workbook file"));
}

#[test]
fn the_number_of_workers_is_bounded() {
    for workers in ["0", "65", "100000", "two"] {
        Command::cargo_bin("sitebook")
            .unwrap()
            .args(["worker", "--workers", workers, "--exit-when-idle"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("from 1 to 64"));
    }
}

#[test]
fn a_worker_given_an_org_says_it_runs_every_org_s_jobs_rather_than_ignoring_it() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("sitebook")
        .unwrap()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--org", "moh", "worker", "--exit-when-idle"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "runs the queued jobs of every organization on this device",
        ))
        .stderr(predicate::str::contains("--org moh cannot narrow that"));
    // Refused before anything was opened: no data folder was made for it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_damaged_database_is_called_damaged_and_the_log_it_points_to_holds_the_detail() {
    let device = Device::new();
    let dir = device.dir.path();
    // A disk error or a stray copy tool overwrote the start of the file.
    for leftover in ["sitebook.sqlite-wal", "sitebook.sqlite-shm"] {
        let _ = std::fs::remove_file(dir.join(leftover));
    }
    std::fs::write(dir.join("sitebook.sqlite"), [0x5a_u8; 8192]).unwrap();

    device
        .run(&["org", "list"])
        .code(1)
        .stderr(predicate::str::contains("(sitebook.sqlite) is damaged"))
        .stderr(predicate::str::contains("backup"));
    // What the person can send on is in the log: SQLite's own words about the file.
    let logs = dir.join("logs");
    let logged: String = std::fs::read_dir(&logs)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    assert!(logged.contains("is damaged"), "{logged}");
    assert!(logged.contains("not a database"), "{logged}");
}

#[test]
fn programs_started_together_on_a_new_data_folder_both_open_it() {
    // The window and a worker, or two commands, started at once on a new device: both bring
    // the database up, and neither may see the other's half-made schema.
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let start = |args: &[&str]| {
            Process::new(assert_cmd::cargo::cargo_bin("sitebook"))
                .arg("--data-dir")
                .arg(dir.path())
                .args(args)
                .env("SITEBOOK_PASSWORD", PASSWORD)
                .env("SITEBOOK_NEW_PASSWORD", PASSWORD)
                .env_remove("SITEBOOK_USER")
                .env_remove("SITEBOOK_DATA_DIR")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let children = [
            start(&["--user", "root", "init", "--name", "Root Admin"]),
            start(&["worker", "--exit-when-idle"]),
            start(&["worker", "--exit-when-idle"]),
        ];
        for child in children {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{stderr}");
            assert!(!stderr.contains("could not be brought up"), "{stderr}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_worker_stops_cleanly_on_sigterm() {
    let device = Device::new();
    let mut worker = Process::new(assert_cmd::cargo::cargo_bin("sitebook"))
        .arg("--data-dir")
        .arg(device.dir.path())
        .args(["worker", "--workers", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once it says it runs, a service manager stops it.
    let mut said = String::new();
    let mut stderr = std::io::BufReader::new(worker.stderr.take().unwrap());
    std::io::BufRead::read_line(&mut stderr, &mut said).unwrap();
    assert!(said.contains("Running jobs"), "{said}");
    let killed = Process::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not stop"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "stopped as by Ctrl-C, not killed: {status:?}"
    );
}

#[test]
fn a_line_break_in_a_file_name_keeps_its_table_row_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two\nlines.xlsx");
    std::fs::copy(fixture_workbook(), &path).unwrap();
    let device = Device::new();
    device
        .command()
        .arg("upload")
        .arg(&path)
        .arg("--wait")
        .assert()
        .success();
    let stdout = device.stdout(&["jobs", "list"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a heading and one row: {stdout}");
    assert!(lines[1].contains("two\\nlines.xlsx"), "{stdout}");
}

/// A 200-character file name padded every row of `jobs list` and `estimate list` to its width
/// (in the file column, and in the name of a sheet without a name of work, which is made of
/// it); each list shows its start and `show` the whole of it.
#[test]
fn a_long_file_name_is_clipped_in_the_lists_and_whole_in_show() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("{}.xlsx", "w".repeat(195));
    let path = dir.path().join(&name);
    std::fs::copy(fixture_workbook(), &path).unwrap();
    let device = Device::new();
    device
        .command()
        .args(["upload", "--wait"])
        .arg(&path)
        .assert()
        .success();
    let clipped = format!("{}…", "w".repeat(59));
    let stdout = device.stdout(&["jobs", "list"]);
    let row = stdout.lines().nth(1).unwrap_or_default();
    assert!(
        row.contains(&format!(" {clipped} ")) && row.chars().count() < 140,
        "{stdout}"
    );
    let shown = device.stdout(&["jobs", "show", "1"]);
    assert!(shown.contains(&format!("  file      {name}\n")), "{shown}");

    let listed = device.stdout(&["estimate", "list"]);
    let rows: Vec<&str> = listed.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "the Estimate and Errors sheets: {listed}");
    // The Errors sheet has no name of work: its name is the file's and the sheet's, clipped.
    let errors = rows
        .iter()
        .find(|row| !row.contains("Gandhi Nagar"))
        .unwrap();
    assert_eq!(
        errors.matches(&clipped).count(),
        2,
        "name and file: {listed}"
    );
    assert!(rows.iter().all(|row| row.chars().count() < 200), "{listed}");
    let estimates = device.json(&["estimate", "list", "--json"]);
    assert!(
        estimates
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["fileName"] == name.as_str()),
        "{estimates}"
    );
}
