//! `sitebook sync …` through the real binary and the real OS keyring: the secret reaches the
//! keyring and no other place (database, WAL, logs, stdout, stderr), and a machine with no
//! keyring refuses it in plain words.

mod common;

use assert_cmd::Command;
use common::{fixture_workbook, sitebook_as_root};
use tempfile::TempDir;

const PASSWORD: &str = "sync-pass-1";
const SECRET: &str = "Zq9-sitebook-cli-secret-7Hk2";

fn sitebook(dir: &TempDir, args: &[&str]) -> Command {
    let mut command = sitebook_as_root(dir.path(), PASSWORD);
    command
        .env("SITEBOOK_S3_SECRET", SECRET)
        .env_remove("SITEBOOK_USER")
        .env_remove("SITEBOOK_DATA_DIR")
        .args(args);
    command
}

fn device() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    sitebook(&dir, &["init", "--name", "Root Admin"])
        .assert()
        .success();
    dir
}

const CONFIG: [&str; 12] = [
    "sync",
    "config",
    "--endpoint",
    "http://127.0.0.1:3900",
    "--bucket",
    "district-works",
    "--region",
    "garage",
    "--path-style",
    "--access-key-id",
    "GK31c2f218a2e44f485b94239e",
    "--json",
];

fn everything_written(dir: &TempDir) -> Vec<u8> {
    let mut all = Vec::new();
    let mut folders = vec![dir.path().to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            if entry.path().is_dir() {
                folders.push(entry.path());
            } else if let Ok(bytes) = std::fs::read(entry.path()) {
                all.extend(bytes);
            }
        }
    }
    all
}

// Like sitebook-core's tests/sync_config.rs (`data_dir_bytes`, `contains`): the two crates' tests share
// no module.
fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn with_no_keyring_the_secret_is_refused_and_nothing_is_stored() {
    let dir = device();
    let output = sitebook(&dir, &CONFIG)
        // A session bus that is not there: what a headless box without a Secret Service has.
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/sitebook-test-bus",
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("keyring_unavailable"), "{stderr}");
    assert!(stderr.contains("No keyring is reachable"), "{stderr}");
    assert!(!holds(&output.stdout, SECRET) && !holds(&output.stderr, SECRET));
    let shown = sitebook(&dir, &["sync", "show", "--json"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&shown.stdout).trim(), "null");
    assert!(!holds(&everything_written(&dir), SECRET));

    // The parse result of one upload waits for a target, and is counted in good English.
    sitebook(&dir, &["upload", &fixture_workbook(), "--wait"])
        .env_remove("SITEBOOK_TEST_WORKER_DELAY_MS")
        .assert()
        .success();
    let status = sitebook(&dir, &["sync", "status"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "No sync target is set; 1 output waits on this computer."
    );
}

#[test]
#[ignore = "needs a Secret Service; scripts/test-all.sh runs it under dbus-run-session"]
fn the_secret_reaches_the_os_keyring_and_no_other_place() {
    let dir = device();
    let mut printed = Vec::new();
    let configured = sitebook(&dir, &CONFIG).output().unwrap();
    assert!(configured.status.success(), "{configured:?}");
    printed.extend(&configured.stdout);
    printed.extend(&configured.stderr);
    let view: serde_json::Value = serde_json::from_slice(&configured.stdout).unwrap();
    assert_eq!(view["bucket"], "district-works");
    assert_eq!(view["pathStyle"], true);

    for args in [
        &["sync", "show"][..],
        &["sync", "show", "--json"],
        &["audit", "list"],
    ] {
        let output = sitebook(&dir, args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        printed.extend(&output.stdout);
        printed.extend(&output.stderr);
    }
    assert!(!holds(&printed, SECRET), "the secret was printed");
    assert!(
        !holds(&everything_written(&dir), SECRET),
        "the secret is in the data dir"
    );

    // A forgotten target needs its secret again.
    sitebook(&dir, &["sync", "forget"]).assert().success();
    let again = sitebook(&dir, &CONFIG[..11])
        .arg("--keep-secret")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1), "{again:?}");
}

/// The core's `s3_test_server` example (s3s-fs, which checks SigV4) on a free port, serving
/// the folders under `root` as buckets. scripts/test-all.sh builds the examples first.
struct S3Server(std::process::Child, String);

impl S3Server {
    fn start(root: &std::path::Path) -> Self {
        Self::start_delaying_downloads(root, 0)
    }

    /// [`S3Server::start`] with `delay_ms` added to every download, as a distant bucket would.
    fn start_delaying_downloads(root: &std::path::Path, delay_ms: u64) -> Self {
        use std::io::BufRead;
        let program = std::path::Path::new(env!("CARGO_BIN_EXE_sitebook"))
            .parent()
            .unwrap()
            .join("examples/s3_test_server");
        assert!(
            program.exists(),
            "{} is missing: build the core's examples first (cargo build --examples)",
            program.display()
        );
        std::fs::create_dir_all(root.join("district-works")).unwrap();
        let mut child = std::process::Command::new(program)
            .arg(root)
            .args(["GKsitebookcli0001", SECRET])
            .env("S3_TEST_DOWNLOAD_DELAY_MS", delay_ms.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Self(child, line.trim().to_string())
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `sync config` for the test server's bucket, path-style, with the key id it knows.
fn config_for(server: &S3Server) -> [&str; 9] {
    [
        "sync",
        "config",
        "--endpoint",
        server.1.as_str(),
        "--bucket",
        "district-works",
        "--path-style",
        "--access-key-id",
        "GKsitebookcli0001",
    ]
}

#[test]
#[ignore = "needs a Secret Service; scripts/test-all.sh runs it under dbus-run-session"]
fn sync_run_wait_drains_the_outbox_and_a_new_laptop_restores_the_files() {
    let storage = tempfile::tempdir().unwrap();
    let server = S3Server::start(storage.path());
    let workbook = fixture_workbook();
    let config = config_for(&server);

    let old = device();
    sitebook(&old, &["upload", &workbook, "--wait"])
        .assert()
        .success();
    sitebook(&old, &config).assert().success();
    sitebook(&old, &["sync", "run", "--wait"])
        .assert()
        .success();
    let status = sitebook(&old, &["sync", "status", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["counts"]["synced"], 1, "{status}");
    assert_eq!(status["counts"]["pending"], 0, "{status}");

    // The output's object (the audit anchor's copy aside) is deleted in the bucket: `sync
    // check` notices and sends it again.
    let objects = |root: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        let mut folders = vec![root.to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().flatten() {
                if entry.path().is_dir() {
                    folders.push(entry.path());
                } else if !entry.path().to_string_lossy().contains("/audit/") {
                    found.push(entry.path());
                }
            }
        }
        found
    };
    let bucket_root = storage.path().join("district-works");
    let [object] = objects(&bucket_root).try_into().unwrap();
    let sent = std::fs::read(&object).unwrap();
    std::fs::remove_file(&object).unwrap();
    let check = sitebook(&old, &["sync", "check"]).output().unwrap();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{check:?}");
    assert!(
        said.contains("1 was no longer in the bucket") && said.contains("It is in line"),
        "{said}"
    );
    assert_eq!(std::fs::read(&object).unwrap(), sent, "sent again");
    let deep = sitebook(&old, &["sync", "check", "--deep"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&deep.stdout);
    assert!(deep.status.success(), "{deep:?}");
    assert!(said.contains("The one synced output of"), "{said}");
    let status = sitebook(&old, &["sync", "status"]).output().unwrap();
    let said = String::from_utf8_lossy(&status.stdout);
    assert!(said.contains("Bucket last checked: 20"), "{said}");

    let new = device();
    sitebook(&new, &config).assert().success();
    // Asked for twice before anything runs it: the second request is told it joined the first.
    let request = |args: &[&str]| -> serde_json::Value {
        let output = sitebook(&new, args).output().unwrap();
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let first = request(&["sync", "restore", "--json"]);
    let second = request(&["sync", "restore", "--json"]);
    assert_eq!(first["alreadyUnderway"], false, "{first}");
    assert_eq!(second["alreadyUnderway"], true, "{second}");
    assert_eq!(second["jobId"], first["jobId"], "one restore at a time");
    let job = first["jobId"].as_i64().unwrap();
    let said = sitebook(&new, &["sync", "restore"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&said.stdout)
            .contains(&format!("A restore is already under way as job {job}")),
        "{said:?}"
    );
    // Waiting follows that job to its end rather than queueing another.
    let restored = sitebook(&new, &["sync", "restore", "--wait"])
        .output()
        .unwrap();
    assert!(restored.status.success(), "{restored:?}");
    assert!(
        String::from_utf8_lossy(&restored.stderr)
            .contains(&format!("already under way as job {job}; following it")),
        "{restored:?}"
    );
    assert!(
        String::from_utf8_lossy(&restored.stdout).contains("Restored 1 output from"),
        "{restored:?}"
    );
    let list = |dir: &TempDir| -> serde_json::Value {
        let output = sitebook(dir, &["outputs", "list", "--json"])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let (old_list, new_list) = (list(&old), list(&new));
    assert_eq!(new_list[0]["restored"], true, "{new_list}");
    assert_eq!(new_list[0]["sha256"], old_list[0]["sha256"]);
    let export = |dir: &TempDir, list: &serde_json::Value| -> Vec<u8> {
        let target = dir.path().join("exported");
        sitebook(dir, &["outputs", "export", &list[0]["id"].to_string()])
            .arg(&target)
            .assert()
            .success();
        let file = std::fs::read_dir(&target)
            .map(|mut entries| entries.next().unwrap().unwrap().path())
            .unwrap_or(target);
        std::fs::read(file).unwrap()
    };
    assert_eq!(
        export(&new, &new_list),
        export(&old, &old_list),
        "byte-identical"
    );
    // The file is lost on the new laptop: a second restore fetches it back, and says so
    // (counting new outputs alone, it said "Restored 0 outputs").
    let name = new_list[0]["filename"].as_str().unwrap().to_owned();
    let mut folders = vec![new.path().join("outputs")];
    let mut lost = None;
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            if entry.path().is_dir() {
                folders.push(entry.path());
            } else if entry.file_name().to_string_lossy() == name {
                lost = Some(entry.path());
            }
        }
    }
    let lost = lost.unwrap_or_else(|| panic!("{name} is in the new laptop's outputs"));
    std::fs::remove_file(&lost).unwrap();
    let again = sitebook(&new, &["sync", "restore", "--wait"])
        .output()
        .unwrap();
    assert!(again.status.success(), "{again:?}");
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("fetched back 1 file missing from this computer"),
        "{again:?}"
    );
    assert!(lost.exists(), "fetched back to where it was");

    // A file put into the bucket by hand is not taken for an output: a third laptop's restore
    // names it, and the command fails, so that a script does not take it for a whole restore.
    let org_folder = std::fs::read_dir(storage.path().join("district-works"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::create_dir_all(org_folder.join("pdf")).unwrap();
    std::fs::write(org_folder.join("pdf").join("injected.pdf"), b"not a pdf").unwrap();
    let third = device();
    sitebook(&third, &config).assert().success();
    let partial = sitebook(&third, &["sync", "restore", "--wait"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&partial.stderr);
    assert_eq!(partial.status.code(), Some(1), "{said}");
    assert!(
        said.contains("Not restored:") && said.contains("injected.pdf"),
        "{said}"
    );
}

/// Records `count` outputs of made-up bytes (2 – 20 KB, different each) on the device in `dir`,
/// each waiting for sync, as a job records them; returns their names and bytes.
fn seed_outputs(dir: &TempDir, count: usize) -> Vec<(String, Vec<u8>)> {
    let mut state: u64 = 0x5eed_b111;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    let files: Vec<(String, Vec<u8>)> = (0..count)
        .map(|n| {
            let len = 2_048 + (next() as usize % 18_000);
            let mut bytes = b"%PDF-1.7\n".to_vec();
            bytes.extend((0..len).map(|_| next() as u8));
            (format!("bill-{n:03}.pdf"), bytes)
        })
        .collect();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut conn = common::database(dir.path()).await;
        let (org_id, user_id, slug): (i64, i64, String) = sqlx::query_as(
            "SELECT o.id, u.id, o.slug FROM organizations o JOIN memberships m ON m.org_id = \
             o.id JOIN users u ON u.id = m.user_id WHERE u.username = 'root'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let now = "2026-12-05T09:00:00.000Z";
        let job: i64 = sqlx::query_scalar(
            "INSERT INTO jobs (org_id, user_id, kind, status, progress, next_run_at, created_at) \
             VALUES (?, ?, 'generate_bill', 'completed', 100, ?, ?) RETURNING id",
        )
        .bind(org_id)
        .bind(user_id)
        .bind(now)
        .bind(now)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let folder = dir.path().join("outputs").join(&slug);
        std::fs::create_dir_all(&folder).unwrap();
        for (name, bytes) in &files {
            std::fs::write(folder.join(name), bytes).unwrap();
            let sha256 = {
                use sha2::Digest;
                hex::encode(sha2::Sha256::digest(bytes))
            };
            let output: i64 = sqlx::query_scalar(
                "INSERT INTO output_files (org_id, user_id, job_id, filename, kind, stored_path, \
                 size, sha256, inputs_sha256, created_at) VALUES (?, ?, ?, ?, 'pdf', ?, ?, ?, ?, ?) \
                 RETURNING id",
            )
            .bind(org_id)
            .bind(user_id)
            .bind(job)
            .bind(name)
            .bind(format!("outputs/{slug}/{name}"))
            .bind(bytes.len() as i64)
            .bind(&sha256)
            .bind(&sha256)
            .bind(now)
            .fetch_one(&mut conn)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO sync_outbox (org_id, output_id, sha256, state, next_attempt_at, \
                 created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
            )
            .bind(org_id)
            .bind(output)
            .bind(&sha256)
            .bind(now)
            .bind(now)
            .execute(&mut conn)
            .await
            .unwrap();
        }
    });
    files
}

#[test]
#[ignore = "needs a Secret Service; scripts/test-all.sh runs it under dbus-run-session"]
fn a_restore_killed_again_and_again_ends_with_every_file_once_and_whole() {
    let storage = tempfile::tempdir().unwrap();
    // 40 ms a download: 100 files at four at a time take about 1 s of downloads alone, so the
    // kills land before, between and during the restore's batches.
    let server = S3Server::start_delaying_downloads(storage.path(), 40);
    let config = config_for(&server);
    let old = device();
    let files = seed_outputs(&old, 100);
    sitebook(&old, &config).assert().success();
    sitebook(&old, &["sync", "run", "--wait"])
        .assert()
        .success();

    let new = device();
    sitebook(&new, &config).assert().success();
    for wait_ms in [300, 400, 500, 600, 700, 800] {
        let mut restoring = common::root_process(new.path(), PASSWORD)
            .env("SITEBOOK_S3_SECRET", SECRET)
            .env_remove("SITEBOOK_USER")
            .env_remove("SITEBOOK_DATA_DIR")
            .args(["sync", "restore", "--wait"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        restoring.kill().unwrap(); // SIGKILL: no clean-up of any kind
        restoring.wait().unwrap();
    }
    let finished = sitebook(&new, &["sync", "restore", "--wait"])
        .output()
        .unwrap();
    assert!(finished.status.success(), "{finished:?}");

    let listed = sitebook(&new, &["outputs", "list", "--json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let mut names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["filename"].as_str().unwrap())
        .collect();
    names.sort();
    let expected: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, expected, "every file once, under its own name");
    let folder = std::fs::read_dir(new.path().join("outputs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert_eq!(
        on_disk, expected,
        "no second copy of any file, and no temp file of a killed write"
    );
    for (name, bytes) in &files {
        assert_eq!(&std::fs::read(folder.join(name)).unwrap(), bytes, "{name}");
    }
}

#[test]
#[ignore = "needs a Secret Service; scripts/test-all.sh runs it under dbus-run-session"]
fn a_sync_run_the_bucket_refuses_fails_naming_the_cause() {
    let storage = tempfile::tempdir().unwrap();
    let server = S3Server::start(storage.path());
    let dir = device();
    sitebook(&dir, &["upload", &fixture_workbook(), "--wait"])
        .assert()
        .success();
    sitebook(&dir, &config_for(&server))
        .env("SITEBOOK_S3_SECRET", "not-the-secret-at-all")
        .assert()
        .success();
    // Every upload is refused for good: the command fails, and says why, not merely that
    // the other outputs were not tried.
    let run = sitebook(&dir, &["sync", "run"]).output().unwrap();
    let said = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert!(said.contains("could not be sent"), "{said}");
    assert!(!said.contains("not tried"), "{said}");
    // Each refused output is named, under the one reason they share, where one reason had
    // stood for all and none was named.
    let outputs: Vec<serde_json::Value> = serde_json::from_slice(
        &sitebook(&dir, &["outputs", "list", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(!outputs.is_empty());
    let reason = outputs[0]["syncProblem"].as_str().unwrap().to_owned();
    assert!(
        said.contains(&format!(
            "{} could not be sent: {reason}",
            match outputs.len() {
                1 => "1 output".to_owned(),
                n => format!("{n} outputs"),
            }
        )),
        "{said}"
    );
    for output in &outputs {
        assert_eq!(output["syncState"], "failed", "{output}");
        assert_eq!(output["syncProblem"].as_str(), Some(reason.as_str()));
        let line = format!(
            "  {} (output {})",
            output["filename"].as_str().unwrap(),
            output["id"]
        );
        assert!(said.lines().any(|l| l == line), "{line} in {said}");
    }
    // The human list shows each one's state, and names them again with the reason.
    let listed = sitebook(&dir, &["outputs", "list"]).output().unwrap();
    let table = String::from_utf8_lossy(&listed.stdout);
    assert!(table.lines().next().unwrap().contains("SYNC"), "{table}");
    assert_eq!(
        table
            .lines()
            .skip(1)
            .filter(|line| line.split_whitespace().any(|word| word == "failed"))
            .count(),
        outputs.len(),
        "{table}"
    );
    assert!(
        String::from_utf8_lossy(&listed.stderr).contains(&format!("could not be sent: {reason}")),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
}
