//! The watched inbox, with real files and real inotify: a file is imported once, only when it is
//! complete, into the org its folder names (if the person who set the inbox up may upload
//! there), and then moved out of the folder with the outcome in its place.

mod common;
mod workbooks;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{fixture_with, Fixture};
use sitebook_core::domain::permissions::MembershipRole;
use sitebook_core::inbox::{InboxNews, InboxOutcome, InboxState, InboxStatus, InboxTiming};
use sitebook_core::jobs::JobStatus;
use sitebook_core::tenancy::session::Session;
use sitebook_core::Error;

/// The settling period of the default; the tests wait on it for real.
const SETTLE: Duration = Duration::from_secs(2);
/// How long a file that looks cut short waits: minutes by default, seconds here.
const PATIENCE: Duration = Duration::from_secs(6);

fn timing() -> InboxTiming {
    InboxTiming {
        settle: SETTLE,
        unfinished_patience: PATIENCE,
        paused_recheck: Duration::from_millis(500),
    }
}

async fn inbox_fixture() -> Fixture {
    fixture_with(|options| options.inbox_timing = timing()).await
}

fn workbook(n: u32) -> Vec<u8> {
    workbooks::estimate_with_items(&format!("Inbox road {n}"), 12)
}

// Same as sitebook-cli's tests/watch.rs `files_in`: the two crates' tests share no module.
/// Files directly in `dir` (not in subfolders), by name.
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

/// Waits up to ten seconds for the inbox to report `state`, failing with `what`.
async fn wait_for_state(
    status: &mut tokio::sync::watch::Receiver<InboxStatus>,
    state: InboxState,
    what: &str,
) {
    tokio::time::timeout(
        Duration::from_secs(10),
        status.wait_for(|s| s.state == state),
    )
    .await
    .expect(what)
    .unwrap();
}

/// Polls `done` until it holds, failing with `what` after `limit`.
async fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn jobs(fx: &Fixture, session: &Session) -> Vec<sitebook_core::jobs::queue::JobView> {
    fx.core.jobs_list(session, 10_000).await.unwrap()
}

/// An inbox set by root in its own org, with workers and the watcher running.
async fn watched(fx: &Fixture) -> (PathBuf, Vec<tokio::task::JoinHandle<()>>) {
    let folder = fx.dir.path().join("Inbox");
    fx.core.inbox_set(&fx.root, &folder).await.unwrap();
    let pool = fx.core.start_workers(Some(2)).await.unwrap();
    std::mem::forget(pool);
    let watcher = fx.core.spawn_inbox();
    let mut status = fx.core.inbox_status_changes();
    wait_for_state(&mut status, InboxState::Watching, "the watcher starts").await;
    (folder.canonicalize().unwrap(), vec![watcher])
}

#[cfg(unix)]
#[tokio::test]
async fn the_root_and_the_systems_own_folders_are_refused_as_the_inbox() {
    let fx = inbox_fixture().await;
    for folder in ["/", "/proc", "/sys/kernel", "/dev", "/usr/share"] {
        match fx.core.inbox_set(&fx.root, Path::new(folder)).await {
            Err(Error::Validation(message)) => assert!(
                message.starts_with(&format!("{folder} is a folder of the system itself"))
                    && message.contains("Choose a folder of your own"),
                "{folder}: {message}"
            ),
            other => panic!("{folder}: {other:?}"),
        }
    }
    assert!(fx.core.inbox_settings(&fx.root).await.unwrap().is_none());
    // A folder of one's own is still taken.
    fx.core
        .inbox_set(&fx.root, &fx.dir.path().join("Inbox"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_that_stalls_past_the_settling_time_is_not_read_until_the_rest_arrives() {
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let mut news = fx.core.inbox_news();
    let bytes = workbook(4);
    let path = inbox.join("stalled.xlsx");
    let half = bytes.len() / 2;
    std::fs::write(&path, &bytes[..half]).unwrap();
    // Settled by size and time, but with no end: it waits, and says so once.
    let waiting = wait_for_news(&mut news, InboxOutcome::Waiting).await;
    assert_eq!(waiting.file_name, "stalled.xlsx");
    assert!(
        waiting.message.contains("still being copied") && waiting.message.contains("6 s"),
        "{}",
        waiting.message
    );
    // The status lists it as arriving, for the top bar.
    wait_until(Duration::from_secs(5), "listed as arriving", || {
        fx.core.inbox_status().arriving == ["stalled.xlsx"]
    })
    .await;
    // Twice the settling period more, the half is still unread.
    tokio::time::sleep(SETTLE * 2).await;
    assert!(jobs(&fx, &fx.root).await.is_empty(), "the half is not read");
    assert_eq!(files_in(&inbox), ["stalled.xlsx"]);
    {
        use std::io::Write;
        let mut rest = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        rest.write_all(&bytes[half..]).unwrap();
    }
    let imported = inbox.join("imported");
    wait_until(Duration::from_secs(60), "the whole file imported", || {
        files_in(&imported).len() == 1
    })
    .await;
    assert_eq!(
        std::fs::read(imported.join("2026-11-20 stalled.xlsx")).unwrap(),
        bytes
    );
    let jobs = jobs(&fx, &fx.root).await;
    assert_eq!(jobs.len(), 1, "read once, whole: {jobs:#?}");
    assert_eq!(jobs[0].status, JobStatus::Completed);
    assert!(fx.core.inbox_status().arriving.is_empty());
    while let Ok(item) = news.try_recv() {
        assert_ne!(item.outcome, InboxOutcome::Waiting, "told once: {item:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_given_up_on_is_read_after_the_patience_and_imported_whole_if_it_goes_on() {
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let bytes = workbook(3);
    let path = inbox.join("paused.xlsx");
    let half = bytes.len() / 2;
    std::fs::write(&path, &bytes[..half]).unwrap();
    // After the patience the half file is read as it is, and its job fails: it is no whole
    // workbook.
    let start = Instant::now();
    loop {
        let listed = jobs(&fx, &fx.root).await;
        if listed.iter().any(|job| job.status == JobStatus::Failed) {
            assert!(
                start.elapsed() >= PATIENCE,
                "read only after the patience, not at {:?}",
                start.elapsed()
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the half file's job fails: {listed:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A few seconds later the copy goes on (a slow network drive woke up). The file is still
    // where it was written.
    tokio::time::sleep(Duration::from_secs(3)).await;
    {
        use std::io::Write;
        let mut rest = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("a failed file waits a while before it is filed under failed/");
        rest.write_all(&bytes[half..]).unwrap();
    }
    let imported = inbox.join("imported");
    wait_until(Duration::from_secs(60), "the whole file imported", || {
        files_in(&imported).len() == 1
    })
    .await;
    assert_eq!(files_in(&imported), ["2026-11-20 paused.xlsx"]);
    assert!(files_in(&inbox.join("failed")).is_empty());
    assert_eq!(fx.core.estimates_list(&fx.root).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowly_written_file_is_imported_once_after_it_completes() {
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let bytes = workbook(1);
    // Written in ten chunks, each pause (600 ms) longer than the debounce but well within the
    // settling period (2 s); the debouncers alone would fire on the half-written file at every
    // pause. The check for jobs runs during the pause, not after it: on a loaded machine a
    // query can take a second, and added to the pause it made the test's own writer look
    // settled.
    let path = inbox.join("slow.xlsx");
    let chunk = bytes.len().div_ceil(10);
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&path).unwrap();
        for piece in bytes.chunks(chunk) {
            file.write_all(piece).unwrap();
            file.flush().unwrap();
            let ((), jobs_meanwhile) = tokio::join!(
                tokio::time::sleep(Duration::from_millis(600)),
                jobs(&fx, &fx.root)
            );
            assert!(
                jobs_meanwhile.is_empty(),
                "nothing is imported while the file is still being written"
            );
        }
    }
    let imported = inbox.join("imported");
    wait_until(Duration::from_secs(60), "slow.xlsx imported", || {
        files_in(&imported) == ["2026-11-20 slow.xlsx"]
    })
    .await;
    assert_eq!(
        std::fs::read(imported.join("2026-11-20 slow.xlsx")).unwrap(),
        bytes
    );
    assert!(files_in(&inbox).is_empty(), "the inbox is emptied");
    let jobs = jobs(&fx, &fx.root).await;
    assert_eq!(jobs.len(), 1, "imported exactly once: {jobs:#?}");
    assert_eq!(jobs[0].status, JobStatus::Completed, "{:?}", jobs[0]);
    assert_eq!(jobs[0].source, "inbox");
    assert_eq!(jobs[0].file_name.as_deref(), Some("slow.xlsx"));
    assert!(jobs[0].estimate_id.is_some(), "the estimate appears");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_200_files_gives_200_jobs_none_twice() {
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let staging = fx.dir.path().join("pen-drive");
    std::fs::create_dir(&staging).unwrap();
    for n in 0..200 {
        std::fs::write(staging.join(format!("estimate-{n:03}.xlsx")), workbook(n)).unwrap();
    }
    // Copied in at once, as a file manager does.
    for n in 0..200 {
        let name = format!("estimate-{n:03}.xlsx");
        std::fs::copy(staging.join(&name), inbox.join(&name)).unwrap();
    }
    let imported = inbox.join("imported");
    wait_until(Duration::from_secs(600), "200 files moved out", || {
        files_in(&imported).len() + files_in(&inbox.join("failed")).len() >= 200
    })
    .await;
    assert!(files_in(&inbox).is_empty());
    assert!(files_in(&inbox.join("failed")).is_empty(), "none failed");
    assert_eq!(files_in(&imported).len(), 200);
    let jobs = jobs(&fx, &fx.root).await;
    assert_eq!(jobs.len(), 200, "one job per file, none twice");
    let mut names: Vec<_> = jobs.iter().map(|j| j.file_name.clone().unwrap()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 200, "every file has its own job");
    assert!(jobs
        .iter()
        .all(|j| j.status == JobStatus::Completed && j.source == "inbox"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_and_temporary_files_are_never_imported() {
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let ignored = [
        "~$estimate.xlsx",
        ".~lock.estimate.xlsx#",
        "estimate.xlsx.tmp",
        "estimate.xlsx.part",
        "estimate.xlsx.crdownload",
        ".hidden.xlsx",
    ];
    for (n, name) in ignored.iter().enumerate() {
        std::fs::write(inbox.join(name), workbook(n as u32)).unwrap();
    }
    std::fs::write(inbox.join("real.xlsx"), workbook(99)).unwrap();
    wait_until(Duration::from_secs(30), "real.xlsx imported", || {
        files_in(&inbox.join("imported")).len() == 1
    })
    .await;
    // Long enough for any ignored file to have settled and been taken, were it taken.
    tokio::time::sleep(SETTLE + Duration::from_secs(2)).await;
    let jobs = jobs(&fx, &fx.root).await;
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    let mut left = files_in(&inbox);
    left.sort();
    let mut expected: Vec<String> = ignored.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(left, expected, "ignored files stay where they are");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_subfolders_route_files_and_a_forbidden_or_unknown_one_is_refused_and_audited() {
    let fx = inbox_fixture().await;
    fx.org("AAA").await;
    fx.org("BBB").await;
    fx.org("CCC").await;
    fx.member("alice", "AAA", MembershipRole::Member).await;
    for (code, role) in [
        ("BBB", MembershipRole::Viewer),
        ("CCC", MembershipRole::Member),
    ] {
        let root = fx.root_in(code).await;
        fx.core.member_add(&root, "alice", role).await.unwrap();
    }
    let alice = fx.sign_in_to("alice", "AAA").await;
    let folder = fx.dir.path().join("Inbox");
    fx.core.inbox_set(&alice, &folder).await.unwrap();
    let inbox = folder.canonicalize().unwrap();
    for sub in ["ccc", "BBB", "ZZZ"] {
        std::fs::create_dir(inbox.join(sub)).unwrap();
    }
    std::fs::write(inbox.join("home.xlsx"), workbook(1)).unwrap();
    std::fs::write(inbox.join("ccc/to-ccc.xlsx"), workbook(2)).unwrap();
    std::fs::write(inbox.join("BBB/to-bbb.xlsx"), workbook(3)).unwrap();
    std::fs::write(inbox.join("ZZZ/to-nowhere.xlsx"), workbook(4)).unwrap();
    // Files already there when the watcher starts are taken too.
    let _pool = fx.core.start_workers(Some(2)).await.unwrap();
    let _watcher = fx.core.spawn_inbox();
    wait_until(Duration::from_secs(60), "four files handled", || {
        files_in(&inbox.join("imported")).len()
            + files_in(&inbox.join("imported/ccc")).len()
            + files_in(&inbox.join("failed/BBB")).len()
            + files_in(&inbox.join("failed/ZZZ")).len()
            >= 6
    })
    .await;
    assert_eq!(files_in(&inbox.join("imported")), ["2026-11-20 home.xlsx"]);
    assert_eq!(
        files_in(&inbox.join("imported/ccc")),
        ["2026-11-20 to-ccc.xlsx"]
    );
    assert_eq!(
        files_in(&inbox.join("failed/BBB")),
        ["2026-11-20 to-bbb.xlsx", "2026-11-20 to-bbb.xlsx.error.txt"]
    );
    let note =
        std::fs::read_to_string(inbox.join("failed/BBB/2026-11-20 to-bbb.xlsx.error.txt")).unwrap();
    assert!(
        note.contains("to-bbb.xlsx") && note.contains("Viewer"),
        "{note}"
    );
    let note =
        std::fs::read_to_string(inbox.join("failed/ZZZ/2026-11-20 to-nowhere.xlsx.error.txt"))
            .unwrap();
    // Alice enters only her own orgs, so she is told what an org she is not in would tell her.
    assert!(
        note.contains("alice may not import into 'ZZZ'.")
            && note.contains("none of your organizations has this code"),
        "{note}"
    );

    // Each file landed in its own org, as alice.
    let in_aaa = jobs(&fx, &alice).await;
    assert_eq!(in_aaa.len(), 1);
    assert_eq!(in_aaa[0].file_name.as_deref(), Some("home.xlsx"));
    assert_eq!(in_aaa[0].username, "alice");
    let alice_ccc = fx.sign_in_to("alice", "CCC").await;
    let in_ccc = jobs(&fx, &alice_ccc).await;
    assert_eq!(in_ccc.len(), 1);
    assert_eq!(in_ccc[0].file_name.as_deref(), Some("to-ccc.xlsx"));
    let alice_bbb = fx.sign_in_to("alice", "BBB").await;
    assert!(
        jobs(&fx, &alice_bbb).await.is_empty(),
        "nothing reached BBB"
    );

    let audit = fx.audit().await;
    assert!(
        audit.iter().any(|row| row.action == "upload.create"
            && row.outcome == "denied"
            && row.username.as_deref() == Some("alice")
            && row.org_code.as_deref() == Some("BBB")),
        "the refusal into BBB is audited"
    );
    assert!(
        audit.iter().any(|row| row.action == "org.enter"
            && row.outcome == "denied"
            && row.object_id.as_deref() == Some("ZZZ")),
        "the unknown org code is audited"
    );
    assert!(audit
        .iter()
        .any(|row| row.action == "inbox.configure" && row.username.as_deref() == Some("alice")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_go_to_failed_with_a_note_and_the_same_content_again_is_already_imported() {
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let mut news = fx.core.inbox_news();
    std::fs::write(inbox.join("notes.txt"), "not a workbook").unwrap();
    std::fs::write(
        inbox.join("garbage.xlsx"),
        b"PK\x03\x04 this is no zip at all",
    )
    .unwrap();
    let first = workbook(7);
    std::fs::write(inbox.join("first.xlsx"), &first).unwrap();
    let failed = inbox.join("failed");
    let imported = inbox.join("imported");
    wait_until(Duration::from_secs(60), "three files handled", || {
        files_in(&failed).len() == 4 && files_in(&imported).len() == 1
    })
    .await;
    let note = std::fs::read_to_string(failed.join("2026-11-20 notes.txt.error.txt")).unwrap();
    assert!(
        note.starts_with("notes.txt: ") && note.contains(".txt"),
        "{note}"
    );
    let note = std::fs::read_to_string(failed.join("2026-11-20 garbage.xlsx.error.txt")).unwrap();
    assert!(note.starts_with("garbage.xlsx: "), "{note}");
    assert_eq!(note.lines().count(), 1, "one sentence, one line: {note}");

    // The same content under another name: no second estimate, and it still leaves the inbox.
    std::fs::write(inbox.join("copy of first.xlsx"), &first).unwrap();
    wait_until(Duration::from_secs(30), "the copy moved out", || {
        files_in(&imported).len() == 2
    })
    .await;
    assert_eq!(
        files_in(&imported),
        ["2026-11-20 copy of first.xlsx", "2026-11-20 first.xlsx"]
    );
    let estimates = fx.core.estimates_list(&fx.root).await.unwrap();
    assert_eq!(estimates.len(), 1, "no second estimate");
    let mut outcomes = Vec::new();
    while let Ok(item) = news.try_recv() {
        outcomes.push((item.file_name, item.outcome));
    }
    assert!(outcomes.contains(&("copy of first.xlsx".into(), InboxOutcome::AlreadyImported)));
    assert!(outcomes.contains(&("garbage.xlsx".into(), InboxOutcome::Failed)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_into_the_folder_is_an_arrival_and_a_file_deleted_while_settling_is_not() {
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let mut news = fx.core.inbox_news();
    // Saved next door, then renamed in: no create event, only a rename.
    let beside = fx.dir.path().join("saved.xlsx");
    std::fs::write(&beside, workbook(3)).unwrap();
    std::fs::rename(&beside, inbox.join("saved.xlsx")).unwrap();
    std::fs::write(inbox.join("brief.xlsx"), &workbook(4)[..100]).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    std::fs::remove_file(inbox.join("brief.xlsx")).unwrap();
    wait_until(Duration::from_secs(30), "saved.xlsx imported", || {
        files_in(&inbox.join("imported")) == ["2026-11-20 saved.xlsx"]
    })
    .await;
    let jobs = jobs(&fx, &fx.root).await;
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    assert_eq!(jobs[0].file_name.as_deref(), Some("saved.xlsx"));
    let mut vanished = false;
    while let Ok(item) = news.try_recv() {
        vanished |= item.file_name == "brief.xlsx" && item.outcome == InboxOutcome::Vanished;
    }
    assert!(vanished, "the deleted file is reported, not imported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_that_disappears_is_reported_and_watched_again_when_it_returns() {
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let mut status = fx.core.inbox_status_changes();
    std::fs::remove_dir_all(&inbox).unwrap();
    wait_for_state(
        &mut status,
        InboxState::Missing,
        "the missing folder is reported",
    )
    .await;
    assert_eq!(
        fx.core.inbox_status().folder.as_deref(),
        Some(inbox.to_str().unwrap())
    );
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("after.xlsx"), workbook(5)).unwrap();
    wait_for_state(&mut status, InboxState::Watching, "watching resumes").await;
    wait_until(Duration::from_secs(30), "after.xlsx imported", || {
        files_in(&inbox.join("imported")).len() == 1
    })
    .await;
}

/// The first `count` files the inbox names as not imported, each with what it said, each named
/// only once.
async fn named_once(
    news: &mut tokio::sync::broadcast::Receiver<InboxNews>,
    count: usize,
) -> std::collections::BTreeMap<String, String> {
    let mut told = std::collections::BTreeMap::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        while told.len() < count {
            let item = news.recv().await.unwrap();
            if item.outcome == InboxOutcome::Ignored {
                assert!(
                    told.insert(item.file_name.clone(), item.message).is_none(),
                    "{} told twice",
                    item.file_name
                );
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{count} files named; only {told:?}"));
    told
}

/// Links planted in a shared inbox: a subfolder named after an org that links to a folder
/// elsewhere (here, the org's own store of uploads in the data folder) and a file that links
/// to another org's stored workbook. The watcher had moved every file of the linked folder into
/// the inbox, and imported the other org's workbook into this one. Neither is read now: each
/// link is named once, and what it points to stays where it is, untouched.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_in_the_inbox_are_named_and_what_they_point_to_is_left_alone() {
    let fx = inbox_fixture().await;
    fx.org("AAA").await;
    let root = fx.root_in("AAA").await;
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("private.xlsx"), workbook(9)).unwrap();
    std::fs::write(elsewhere.path().join("id_rsa"), "PRIVATE KEY").unwrap();
    let folder = fx.dir.path().join("Inbox");
    std::fs::create_dir(&folder).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), folder.join("AAA")).unwrap();
    std::os::unix::fs::symlink(
        elsewhere.path().join("private.xlsx"),
        folder.join("steal.xlsx"),
    )
    .unwrap();
    let mut news = fx.core.inbox_news();
    fx.core.inbox_set(&root, &folder).await.unwrap();
    let inbox = folder.canonicalize().unwrap();
    let _pool = fx.core.start_workers(Some(1)).await.unwrap();
    let _watcher = fx.core.spawn_inbox();
    // One arriving while it watches, through the folder link.
    tokio::time::sleep(Duration::from_secs(1)).await;
    std::fs::write(elsewhere.path().join("later.xlsx"), workbook(10)).unwrap();
    std::fs::write(inbox.join("good.xlsx"), workbook(4)).unwrap();

    let told = named_once(&mut news, 2).await;
    assert!(
        told["AAA"].starts_with(&format!(
            "Not imported: it is a link to {}.",
            elsewhere.path().display()
        )),
        "{told:?}"
    );
    assert!(
        told["steal.xlsx"].starts_with(&format!(
            "Not imported: it is a link to {}. The inbox reads only what is saved into it",
            elsewhere.path().join("private.xlsx").display()
        )),
        "{told:?}"
    );
    wait_until(Duration::from_secs(60), "good.xlsx imported", || {
        files_in(&inbox.join("imported")) == ["2026-11-20 good.xlsx"]
    })
    .await;
    tokio::time::sleep(SETTLE + Duration::from_secs(1)).await;
    while let Ok(item) = news.try_recv() {
        assert!(
            !item.file_name.contains("later") && item.outcome != InboxOutcome::Ignored,
            "{item:?}"
        );
    }
    // Everything the links point to is where it was; only good.xlsx came in.
    assert_eq!(
        files_in(elsewhere.path()),
        ["id_rsa", "later.xlsx", "private.xlsx"]
    );
    assert!(inbox.join("steal.xlsx").symlink_metadata().is_ok());
    assert!(!inbox.join("failed").exists());
    assert_eq!(jobs(&fx, &root).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_cannot_be_moved_out_is_imported_once_and_reported_once() {
    let fx = inbox_fixture().await;
    let folder = fx.dir.path().join("Inbox");
    std::fs::create_dir(&folder).unwrap();
    // `imported` taken by a plain file: the move fails as it would on a read-only mount (the
    // tests may run as root, for whom permissions do not stop a rename).
    std::fs::write(folder.join("imported"), "in the way").unwrap();
    std::fs::write(folder.join("stuck.xlsx"), workbook(8)).unwrap();
    let mut news = fx.core.inbox_news();
    let (inbox, _tasks) = watched(&fx).await;
    let stuck = wait_for_news(&mut news, InboxOutcome::Stuck).await;
    // What is in the way, and what to do, where it had said only "Not a directory".
    assert!(
        stuck.message.contains("could not be moved out")
            && stuck.message.contains(
                "imported is a file, where Sitebook keeps a folder of that name for the \
                 workbooks it has handled; rename or move that file"
            ),
        "{}",
        stuck.message
    );
    // A second watcher on the same data dir (a restart) neither imports nor reports it again.
    let reopened =
        sitebook_core::Sitebook::open(common::test_options(fx.dir.path(), common::test_clock()))
            .await
            .unwrap();
    let mut again = reopened.inbox_news();
    let _watcher = reopened.spawn_inbox();
    tokio::time::sleep(SETTLE + Duration::from_secs(2)).await;
    assert!(again.try_recv().is_err(), "nothing is reported twice");
    assert_eq!(jobs(&fx, &fx.root).await.len(), 1, "imported once");
    assert_eq!(files_in(&inbox), ["imported", "stuck.xlsx"]);

    // Told to move it themselves, the person renames it where it is, once the way is clear:
    // the same bytes under another name are another file, taken (an import already made) and
    // moved out. They had been passed over in silence, forever, as the stuck file's content.
    std::fs::remove_file(inbox.join("imported")).unwrap();
    std::fs::rename(inbox.join("stuck.xlsx"), inbox.join("renamed.xlsx")).unwrap();
    wait_until(Duration::from_secs(30), "renamed.xlsx moved out", || {
        files_in(&inbox).is_empty()
            && files_in(&inbox.join("imported")) == ["2026-11-20 renamed.xlsx"]
    })
    .await;
    assert_eq!(jobs(&fx, &fx.root).await.len(), 1, "still imported once");
}

async fn wait_for_news(
    news: &mut tokio::sync::broadcast::Receiver<sitebook_core::inbox::InboxNews>,
    outcome: InboxOutcome,
) -> sitebook_core::inbox::InboxNews {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let item = news.recv().await.unwrap();
            if item.outcome == outcome {
                return item;
            }
        }
    })
    .await
    .expect("the news arrives")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_saved_again_while_its_first_version_is_read_is_read_again() {
    // The inbox takes a file, and before its job has run the file is saved again with other
    // content. Moved out under the first job's outcome, the second version was never read.
    let fx = inbox_fixture().await;
    let folder = fx.dir.path().join("Inbox");
    fx.core.inbox_set(&fx.root, &folder).await.unwrap();
    let mut news = fx.core.inbox_news();
    let _watcher = fx.core.spawn_inbox();
    let mut status = fx.core.inbox_status_changes();
    wait_for_state(&mut status, InboxState::Watching, "the watcher starts").await;
    let path = folder.join("work.xlsx");
    std::fs::write(&path, workbook(1)).unwrap();
    let start = Instant::now();
    while jobs(&fx, &fx.root).await.is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the first version is taken"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // No worker runs yet, so its job waits; the file is saved again meanwhile.
    let second = workbook(2);
    std::fs::write(&path, &second).unwrap();
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    std::mem::forget(pool);
    let imported = folder.join("imported");
    wait_until(
        Duration::from_secs(60),
        "the second version imported",
        || !files_in(&imported).is_empty(),
    )
    .await;
    assert_eq!(files_in(&imported), ["2026-11-20 work.xlsx"]);
    assert_eq!(
        std::fs::read(imported.join("2026-11-20 work.xlsx")).unwrap(),
        second,
        "the file filed as imported is the version that was read last"
    );
    let jobs = jobs(&fx, &fx.root).await;
    assert_eq!(jobs.len(), 2, "{jobs:#?}");
    assert!(
        jobs.iter().all(|job| job.status == JobStatus::Completed),
        "{jobs:#?}"
    );
    let mut names: Vec<String> = fx
        .core
        .estimates_list(&fx.root)
        .await
        .unwrap()
        .into_iter()
        .map(|estimate| estimate.name)
        .collect();
    names.sort();
    assert_eq!(names, ["Inbox road 1", "Inbox road 2"]);
    // Each version's import is told: the first one's had been passed over without a word.
    let first = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert!(
        first.message.starts_with("Imported")
            && first.message.ends_with(
                "; that was the version saved first. The file was saved again meanwhile, so it \
                 is read again."
            ),
        "{}",
        first.message
    );
    let second = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert!(
        second.message.starts_with("Imported") && second.message.ends_with("; moved to imported/."),
        "{}",
        second.message
    );
    assert_ne!(first.job_id, second.job_id);
}

#[tokio::test]
async fn an_inbox_is_made_only_in_a_folder_that_exists() {
    let fx = inbox_fixture().await;
    // A new folder in an existing one is made for the user.
    let fresh = fx.dir.path().join("Estimates inbox");
    fx.core.inbox_set(&fx.root, &fresh).await.unwrap();
    assert!(fresh.is_dir());
    // A mistyped path, or a drive not plugged in, is not made on the local disk.
    let unplugged = fx.dir.path().join("media/usb-drive/Inbox");
    let refused = fx
        .core
        .inbox_set(&fx.root, &unplugged)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("does not exist, nor does the folder it would go in"),
        "{refused}"
    );
    assert!(!fx.dir.path().join("media").exists(), "nothing was made");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_whose_name_is_not_utf8_is_imported_like_any_other() {
    use std::os::unix::ffi::OsStrExt;
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    // A Latin-1 name, as a FAT pen drive or an old zip gives it: it used to be passed over.
    let name = std::ffi::OsStr::from_bytes(b"Stra\xdfe.xlsx");
    std::fs::write(inbox.join(name), workbook(7)).unwrap();
    let imported = inbox.join("imported");
    wait_until(Duration::from_secs(60), "the file is imported", || {
        files_in(&imported).len() == 1
    })
    .await;
    assert_eq!(files_in(&imported), ["2026-11-20 Stra\u{fffd}e.xlsx"]);
    let jobs = jobs(&fx, &fx.root).await;
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    assert_eq!(jobs[0].status, JobStatus::Completed, "{:?}", jobs[0]);
    assert_eq!(jobs[0].file_name.as_deref(), Some("Stra\u{fffd}e.xlsx"));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_the_inbox_never_takes_are_named_once_and_left_where_they_are() {
    let fx = inbox_fixture().await;
    let folder = fx.dir.path().join("Inbox");
    // One of each, there before the watcher starts (found by its first look) ...
    std::fs::create_dir_all(folder.join("ROOT").join("2024")).unwrap();
    std::fs::write(
        folder.join("ROOT").join("2024").join("old.xlsx"),
        workbook(3),
    )
    .unwrap();
    std::os::unix::fs::symlink(fx.dir.path().join("gone.xlsx"), folder.join("link.xlsx")).unwrap();
    let mut news = fx.core.inbox_news();
    let (inbox, _tasks) = watched(&fx).await;
    // ... and one arriving while it watches, beside a good file.
    let pipe =
        std::ffi::CString::new(inbox.join("pipe.xlsx").as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(pipe.as_ptr(), 0o600) }, 0);
    std::fs::write(inbox.join("good.xlsx"), workbook(4)).unwrap();

    let told = named_once(&mut news, 3).await;
    assert!(told["old.xlsx"].contains("ROOT/2024"), "{told:?}");
    assert!(
        told["old.xlsx"].contains("subfolder named after"),
        "{told:?}"
    );
    assert!(
        told["link.xlsx"].contains("gone.xlsx, which is not there"),
        "{told:?}"
    );
    assert!(told["pipe.xlsx"].contains("not a regular file"), "{told:?}");

    // The good file imports; the others stay where they were, untouched, and a full look at
    // the folder later names none of them again.
    let imported = inbox.join("imported");
    wait_until(Duration::from_secs(60), "good.xlsx imported", || {
        files_in(&imported) == ["2026-11-20 good.xlsx"]
    })
    .await;
    tokio::time::sleep(SETTLE + Duration::from_secs(1)).await;
    while let Ok(item) = news.try_recv() {
        assert_ne!(item.outcome, InboxOutcome::Ignored, "told again: {item:?}");
    }
    assert!(inbox.join("ROOT/2024/old.xlsx").is_file());
    assert!(inbox.join("link.xlsx").symlink_metadata().is_ok());
    assert!(inbox.join("pipe.xlsx").symlink_metadata().is_ok());
    assert_eq!(jobs(&fx, &fx.root).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_watcher_of_a_folder_waits_naming_the_first_and_takes_over_when_it_stops() {
    // Two data folders, as the desktop app on a laptop and `sitebook watch` on an office PC
    // sharing one inbox would have.
    let on = |device: &'static str| {
        fixture_with(move |options| {
            options.inbox_timing = timing();
            options.device = Some(device.into());
        })
    };
    let (first, second) = (on("laptop-1").await, on("office-pc").await);
    let (inbox, first_tasks) = watched(&first).await;

    let mut status = second.core.inbox_status_changes();
    std::mem::forget(second.core.start_workers(Some(1)).await.unwrap());
    let _second_watcher = second
        .core
        .watch_folder(&second.root, &inbox)
        .await
        .unwrap();
    wait_for_state(
        &mut status,
        InboxState::WatchedElsewhere,
        "the second watcher waits",
    )
    .await;
    assert_eq!(
        second.core.inbox_status().watched_by,
        Some(format!(
            "Sitebook on laptop-1, process {}",
            std::process::id()
        ))
    );

    // Meanwhile a file is imported by the first alone.
    std::fs::write(inbox.join("one.xlsx"), workbook(1)).unwrap();
    wait_until(Duration::from_secs(30), "one.xlsx imported", || {
        files_in(&inbox.join("imported")).len() == 1
    })
    .await;
    assert_eq!(jobs(&first, &first.root).await.len(), 1);
    assert!(jobs(&second, &second.root).await.is_empty());

    // The first stops (its lock goes with it): the second takes over and imports what comes.
    for task in first_tasks {
        task.abort();
    }
    wait_for_state(&mut status, InboxState::Watching, "the second takes over").await;
    assert_eq!(second.core.inbox_status().watched_by, None);
    std::fs::write(inbox.join("two.xlsx"), workbook(2)).unwrap();
    wait_until(Duration::from_secs(30), "two.xlsx imported", || {
        files_in(&inbox.join("imported")).len() == 2
    })
    .await;
    assert_eq!(jobs(&second, &second.root).await.len(), 1);
    assert_eq!(jobs(&first, &first.root).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_with_warnings_says_so_where_a_clean_one_says_imported() {
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let mut news = fx.core.inbox_news();
    // One item and its footer, each figure saved with its result.
    let mut clean = workbooks::estimate_workbook("Clean road");
    let sheet = clean.worksheet_from_name("Estimate").unwrap();
    workbooks::merged_header(sheet, 2);
    workbooks::priced_item(sheet, 3, (1.0, 2.0, "Nos", "Pole", 450.0, "No"), "900");
    workbooks::text(sheet, 4, 3, "ECV");
    workbooks::formula(sheet, 4, 7, "=SUM(H4:H4)", "900");
    workbooks::text(sheet, 5, 3, "Grand Total");
    workbooks::num(sheet, 5, 7, 1000.0);
    std::fs::write(inbox.join("clean.xlsx"), clean.save_to_buffer().unwrap()).unwrap();
    let clean = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert_eq!(clean.file_name, "clean.xlsx");
    assert_eq!(clean.message, "Imported; moved to imported/.");

    // The worked example has a formula without a saved result and a typed amount that does
    // not re-multiply, each a warning naming its cell; on an unattended machine this line may
    // be all anyone reads of the import.
    std::fs::write(
        inbox.join("example.xlsx"),
        workbooks::domain_example_workbook(),
    )
    .unwrap();
    let warned = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert_eq!(warned.file_name, "example.xlsx");
    let estimates = fx.core.estimates_list(&fx.root).await.unwrap();
    let example = estimates
        .iter()
        .find(|e| e.file_name == "example.xlsx" && e.warning_count > 0)
        .expect("the example's estimate, with its warnings");
    let shown = fx.core.estimate_show(&fx.root, example.id).await.unwrap();
    assert_eq!(
        warned.message,
        format!(
            "Imported with {} warnings (the estimate lists them); moved to imported/.",
            shown.warnings.len()
        )
    );

    // A workbook of two estimates, one on a hidden tab: both are counted, where the line had
    // read as one clean import.
    std::fs::write(inbox.join("two.xlsx"), workbooks::hidden_sheet_workbook()).unwrap();
    let two = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert_eq!(two.file_name, "two.xlsx");
    let made: Vec<_> = fx
        .core
        .estimates_list(&fx.root)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.file_name == "two.xlsx")
        .collect();
    assert_eq!(made.len(), 2);
    let mut warnings = 0;
    for estimate in &made {
        warnings += fx
            .core
            .estimate_show(&fx.root, estimate.id)
            .await
            .unwrap()
            .warnings
            .len();
    }
    assert_eq!(
        two.message,
        format!(
            "Imported as 2 estimates with {warnings} warnings (the estimates list them); moved \
             to imported/."
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_taken_away_or_filed_under_another_name_is_told_so() {
    let fx = inbox_fixture().await;
    let folder = fx.dir.path().join("Inbox");
    fx.core.inbox_set(&fx.root, &folder).await.unwrap();
    let mut news = fx.core.inbox_news();
    // The watcher alone at first: its jobs wait in line until workers start.
    let _watcher = fx.core.spawn_inbox();
    let mut status = fx.core.inbox_status_changes();
    wait_for_state(&mut status, InboxState::Watching, "the watcher starts").await;
    let inbox = folder.canonicalize().unwrap();

    // Dropped by mistake and deleted once queued: what it held is imported all the same, and
    // that is said, where nothing more had been said at all.
    std::fs::write(inbox.join("mistake.xlsx"), workbook(1)).unwrap();
    wait_for_news(&mut news, InboxOutcome::Queued).await;
    std::fs::remove_file(inbox.join("mistake.xlsx")).unwrap();
    let pool = fx.core.start_workers(Some(2)).await.unwrap();
    std::mem::forget(pool);
    let gone = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert_eq!(gone.file_name, "mistake.xlsx");
    assert!(
        gone.message.starts_with("Imported")
            && gone.message.ends_with(
                "; meanwhile the file was taken out of the inbox, so nothing was moved."
            ),
        "{}",
        gone.message
    );

    // Another workbook under a name already filed today: its new name is given.
    std::fs::write(inbox.join("site.xlsx"), workbook(2)).unwrap();
    let first = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert!(
        first.message.ends_with("; moved to imported/."),
        "{}",
        first.message
    );
    std::fs::write(inbox.join("site.xlsx"), workbook(3)).unwrap();
    let second = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert!(
        second
            .message
            .ends_with("; moved to imported/ as 2026-11-20 site (2).xlsx."),
        "{}",
        second.message
    );
    assert!(inbox.join("imported/2026-11-20 site (2).xlsx").exists());

    // A name as long as a file system takes is shortened to fit the date before it; the
    // shortened name is given, where "moved to imported/." let it be looked for in vain.
    let long = format!("{}.xlsx", "L".repeat(250));
    std::fs::write(inbox.join(&long), workbook(4)).unwrap();
    let shortened = wait_for_news(&mut news, InboxOutcome::Imported).await;
    // 255 bytes, less the date and its space, the extension and the note's `.error.txt`.
    let kept = 255 - "2026-11-20 ".len() - ".xlsx".len() - ".error.txt".len();
    let filed = format!("2026-11-20 {}.xlsx", "L".repeat(kept));
    assert!(
        shortened
            .message
            .ends_with(&format!("; moved to imported/ as {filed}.")),
        "{}",
        shortened.message
    );
    assert!(inbox.join("imported").join(&filed).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_open_in_another_program_waits_until_it_is_closed() {
    // Taken while LibreOffice or Excel has it open, each later save brought the workbook back
    // as another import, and Windows would not let it be moved at all.
    let fx = inbox_fixture().await;
    let (inbox, _tasks) = watched(&fx).await;
    let mut news = fx.core.inbox_news();
    let libreoffice_lock = inbox.join(".~lock.site.xlsx#");
    // Excel's owner file drops the first two characters of a longer name.
    let excel_lock = inbox.join("~$dget 2026.xlsx");
    std::fs::write(
        &libreoffice_lock,
        "Asha,laptop-7,/home/asha,06.12.2026 10:02;",
    )
    .unwrap();
    std::fs::write(&excel_lock, [0u8; 165]).unwrap();
    // A second program's lock on the same workbook: both are named, since deleting only the
    // one named would leave it waiting.
    let second_lock = inbox.join(".~lock.budget 2026.xlsx#");
    std::fs::write(&second_lock, "Ravi,desk-2,/home/ravi,06.12.2026 10:05;").unwrap();
    std::fs::write(inbox.join("site.xlsx"), workbook(1)).unwrap();
    std::fs::write(inbox.join("budget 2026.xlsx"), workbook(2)).unwrap();
    let mut told = Vec::new();
    while told.len() < 2 {
        let waiting = wait_for_news(&mut news, InboxOutcome::Waiting).await;
        told.push((waiting.file_name, waiting.message));
    }
    told.sort();
    assert_eq!(
        told,
        [
            (
                "budget 2026.xlsx".to_owned(),
                "Not read yet: it is open in another program (its lock files .~lock.budget \
                 2026.xlsx# and ~$dget 2026.xlsx are beside it). It is read once that program \
                 closes it. If nothing has it open, delete the lock files."
                    .to_owned()
            ),
            (
                "site.xlsx".to_owned(),
                "Not read yet: it is open in another program (its lock file .~lock.site.xlsx# is \
                 beside it). It is read once that program closes it. If nothing has it open, \
                 delete the lock file."
                    .to_owned()
            ),
        ]
    );
    wait_until(Duration::from_secs(5), "both listed as arriving", || {
        fx.core.inbox_status().arriving == ["budget 2026.xlsx", "site.xlsx"]
    })
    .await;
    // Well past the settling period, neither is read.
    tokio::time::sleep(SETTLE * 2).await;
    assert!(jobs(&fx, &fx.root).await.is_empty());
    // Closed in LibreOffice: that one is taken, the one still open in Excel is not.
    std::fs::remove_file(&libreoffice_lock).unwrap();
    let imported = inbox.join("imported");
    wait_until(Duration::from_secs(30), "site.xlsx imported", || {
        files_in(&imported) == ["2026-11-20 site.xlsx"]
    })
    .await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(jobs(&fx, &fx.root).await.len(), 1);
    assert!(inbox.join("budget 2026.xlsx").exists());
    std::fs::remove_file(&excel_lock).unwrap();
    tokio::time::sleep(SETTLE * 2).await;
    assert_eq!(
        jobs(&fx, &fx.root).await.len(),
        1,
        "still open in the second program"
    );
    std::fs::remove_file(&second_lock).unwrap();
    wait_until(Duration::from_secs(30), "budget 2026.xlsx imported", || {
        files_in(&imported).len() == 2
    })
    .await;
    assert!(fx.core.inbox_status().arriving.is_empty());
    // Said once each, however many ticks they waited.
    while let Ok(item) = news.try_recv() {
        assert_ne!(item.outcome, InboxOutcome::Waiting, "told once: {item:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_whose_import_a_stop_cut_short_is_told_imported_after_the_restart() {
    // The watcher stopped (Ctrl-C) after it queued the file and before its job ended. On the
    // next start the file, still in the inbox, was told "Already imported (the same content
    // came in before)", as if it were a second copy.
    let fx = inbox_fixture().await;
    let folder = fx.dir.path().join("Inbox");
    fx.core.inbox_set(&fx.root, &folder).await.unwrap();
    let mut news = fx.core.inbox_news();
    let first_watcher = fx.core.spawn_inbox();
    let mut status = fx.core.inbox_status_changes();
    wait_for_state(&mut status, InboxState::Watching, "the watcher starts").await;
    let inbox = folder.canonicalize().unwrap();
    let first = workbook(1);
    std::fs::write(inbox.join("first.xlsx"), &first).unwrap();
    std::fs::write(inbox.join("second.xlsx"), workbook(2)).unwrap();
    for _ in 0..2 {
        wait_for_news(&mut news, InboxOutcome::Queued).await;
    }
    first_watcher.abort();
    let _ = first_watcher.await;
    // Workers run while nothing watches: at least one job ends before watching resumes, and
    // the other may still be waiting or running then.
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    std::mem::forget(pool);
    let start = Instant::now();
    while !jobs(&fx, &fx.root)
        .await
        .iter()
        .any(|job| job.status == JobStatus::Completed)
    {
        assert!(start.elapsed() < Duration::from_secs(60), "a job ends");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _second_watcher = fx.core.spawn_inbox();
    let mut told = Vec::new();
    while told.len() < 2 {
        let item = wait_for_news(&mut news, InboxOutcome::Imported).await;
        told.push((item.file_name, item.message));
    }
    told.sort();
    for (file, message) in &told {
        assert!(
            message.starts_with("Imported") && message.ends_with("; moved to imported/."),
            "{file}: {message}"
        );
    }
    assert_eq!(told[0].0, "first.xlsx");
    assert_eq!(told[1].0, "second.xlsx");
    // The same content dropped in again is a copy, and is told so.
    std::fs::write(inbox.join("again.xlsx"), &first).unwrap();
    let again = wait_for_news(&mut news, InboxOutcome::AlreadyImported).await;
    assert_eq!(again.file_name, "again.xlsx");
    assert_eq!(jobs(&fx, &fx.root).await.len(), 2);
}

#[tokio::test]
async fn a_member_may_not_take_over_the_inbox_another_person_set() {
    // The inbox is one per computer and imports as whoever set it: a member had replaced the
    // superuser's without a word, and every file after came in as the member.
    let fx = inbox_fixture().await;
    fx.org("AAA").await;
    fx.member("alice", "AAA", MembershipRole::Member).await;
    fx.member("bob", "AAA", MembershipRole::Admin).await;
    let root = fx.root_in("AAA").await;
    let folder = fx.dir.path().join("Inbox");
    let elsewhere = fx.dir.path().join("Mine");
    std::fs::create_dir_all(&elsewhere).unwrap();
    fx.core.inbox_set(&root, &folder).await.unwrap();

    let alice = fx.sign_in_to("alice", "AAA").await;
    let refusal = "This computer's inbox was set by root, importing into AAA. Only root, a \
                   superuser, or an owner or admin of AAA may replace it or turn it off.";
    match fx.core.inbox_set(&alice, &elsewhere).await {
        Err(Error::Denied(message)) => assert_eq!(message, refusal),
        other => panic!("{other:?}"),
    }
    match fx.core.inbox_clear(&alice).await {
        Err(Error::Denied(message)) => assert_eq!(message, refusal),
        other => panic!("{other:?}"),
    }
    let kept = fx.core.inbox_settings(&alice).await.unwrap().unwrap();
    assert_eq!(
        (kept.username.as_str(), kept.org_code.as_str()),
        ("root", "AAA")
    );
    let denied: Vec<_> = fx
        .audit()
        .await
        .into_iter()
        .filter(|row| row.action == "inbox.configure" && row.outcome == "denied")
        .map(|row| (row.username, row.reason))
        .collect();
    assert_eq!(
        denied,
        vec![
            (
                Some("alice".to_owned()),
                Some("inbox set by another person".to_owned())
            );
            2
        ]
    );

    // An admin of the org it imports into may, and then it is hers to change or turn off.
    let bob = fx.sign_in_to("bob", "AAA").await;
    fx.core.inbox_set(&bob, &elsewhere).await.unwrap();
    fx.core.inbox_clear(&bob).await.unwrap();
    // With none set, anyone who may set one may.
    fx.core.inbox_set(&alice, &elsewhere).await.unwrap();
    fx.core.inbox_set(&alice, &folder).await.unwrap();
}

/// Drops `road.xlsx` into a watched inbox with no worker running, cancels its job while it
/// waits in line, and waits until the file is filed under `failed/` with its note. Returns the
/// inbox, the watcher and the job's id.
async fn a_file_filed_as_cancelled(
    fx: &Fixture,
    news: &mut tokio::sync::broadcast::Receiver<InboxNews>,
) -> (PathBuf, tokio::task::JoinHandle<()>, i64) {
    let folder = fx.dir.path().join("Inbox");
    fx.core.inbox_set(&fx.root, &folder).await.unwrap();
    let watcher = fx.core.spawn_inbox();
    let mut status = fx.core.inbox_status_changes();
    wait_for_state(&mut status, InboxState::Watching, "the watcher starts").await;
    let inbox = folder.canonicalize().unwrap();
    std::fs::write(inbox.join("road.xlsx"), workbook(3)).unwrap();
    let job_id = wait_for_news(news, InboxOutcome::Queued)
        .await
        .job_id
        .unwrap();
    fx.core.job_cancel(&fx.root, job_id).await.unwrap();
    let failed = wait_for_news(news, InboxOutcome::Failed).await;
    assert!(
        failed
            .message
            .starts_with("Not imported. The job was cancelled. Moved to failed/"),
        "{}",
        failed.message
    );
    assert_eq!(
        files_in(&inbox.join("failed")),
        ["2026-11-20 road.xlsx", "2026-11-20 road.xlsx.error.txt"]
    );
    (inbox, watcher, job_id)
}

/// The file of a retried job lies where a first success would have left it, and nothing in
/// `failed/` says it was not imported.
async fn assert_refiled_as_imported(fx: &Fixture, inbox: &Path, told: &InboxNews, job_id: i64) {
    assert_eq!(told.file_name, "road.xlsx");
    assert_eq!(told.job_id, Some(job_id));
    assert!(
        told.message
            .starts_with(&format!("Job {job_id} was retried: imported"))
            && told
                .message
                .ends_with("; moved from failed/ to imported/ as 2026-11-20 road.xlsx."),
        "{}",
        told.message
    );
    assert!(files_in(&inbox.join("failed")).is_empty());
    assert_eq!(files_in(&inbox.join("imported")), ["2026-11-20 road.xlsx"]);
    assert_eq!(fx.core.estimates_list(&fx.root).await.unwrap().len(), 1);
}

/// A cancelled (or failed) inbox job retried to success had left its file under `failed/`,
/// beside a note saying it was not imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_whose_job_is_retried_to_success_moves_from_failed_to_imported() {
    let fx = inbox_fixture().await;
    let mut news = fx.core.inbox_news();
    let (inbox, _watcher, job_id) = a_file_filed_as_cancelled(&fx, &mut news).await;
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    std::mem::forget(pool);
    fx.core.job_retry(&fx.root, job_id).await.unwrap();
    let told = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert_refiled_as_imported(&fx, &inbox, &told, job_id).await;
}

/// Retried while nothing watched the inbox (another process, or the app closed): the next
/// watcher refiles it when it starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_whose_job_was_retried_while_nothing_watched_is_refiled_by_the_next_watcher() {
    let fx = inbox_fixture().await;
    let mut news = fx.core.inbox_news();
    let (inbox, watcher, job_id) = a_file_filed_as_cancelled(&fx, &mut news).await;
    watcher.abort();
    let _ = watcher.await;
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    std::mem::forget(pool);
    fx.core.job_retry(&fx.root, job_id).await.unwrap();
    let start = Instant::now();
    while fx.core.job_show(&fx.root, job_id).await.unwrap().status != JobStatus::Completed {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the retried job ends"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        files_in(&inbox.join("failed")).len(),
        2,
        "nothing watches yet"
    );
    let _next_watcher = fx.core.spawn_inbox();
    let told = wait_for_news(&mut news, InboxOutcome::Imported).await;
    assert_refiled_as_imported(&fx, &inbox, &told, job_id).await;
}

/// A watch whose person lost the organization filed every file dropped in as failed, each for
/// the same reason (and, for `sitebook watch --inbox`, told to "set the inbox up again in
/// Settings", where it was never set). It pauses instead, leaves the files where they are, says
/// why and what to do, and imports them once the person may upload again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_whose_person_lost_the_org_pauses_and_leaves_the_files_alone() {
    let fx = inbox_fixture().await;
    fx.org("AAA").await;
    fx.member("ravi", "AAA", MembershipRole::Member).await;
    let ravi = fx.sign_in_to("ravi", "AAA").await;
    let folder = fx.dir.path().join("Watched");
    std::fs::create_dir_all(&folder).unwrap();
    let mut status = fx.core.inbox_status_changes();
    let _watch = fx.core.watch_folder(&ravi, &folder).await.unwrap();
    wait_for_state(&mut status, InboxState::Watching, "the watch starts").await;
    assert!(fx
        .core
        .account_set_enabled(&fx.root, "ravi", false)
        .await
        .unwrap());
    let mut news = fx.core.inbox_news();
    std::fs::write(folder.join("road.xlsx"), workbook(5)).unwrap();
    wait_for_state(&mut status, InboxState::Paused, "the watch pauses").await;
    let why = status.borrow().paused_because.clone().unwrap();
    assert!(
        why.contains("ravi")
            && why.contains("Start `sitebook watch` again")
            && !why.contains("Settings"),
        "{why}"
    );
    // Looked at again past its settling time and the recheck, it is still left alone.
    tokio::time::sleep(SETTLE * 2).await;
    assert_eq!(files_in(&folder), ["road.xlsx"]);
    assert!(files_in(&folder.join("failed")).is_empty());
    while let Ok(told) = news.try_recv() {
        assert_ne!(told.outcome, InboxOutcome::Failed, "{}", told.message);
    }

    assert!(fx
        .core
        .account_set_enabled(&fx.root, "ravi", true)
        .await
        .unwrap());
    // Saved again, it is looked at again: the gate now allows it, and it is taken.
    std::fs::write(folder.join("road.xlsx"), workbook(5)).unwrap();
    let queued = wait_for_news(&mut news, InboxOutcome::Queued).await;
    assert_eq!(queued.file_name, "road.xlsx");
    wait_for_state(&mut status, InboxState::Watching, "the watch resumes").await;
    assert_eq!(status.borrow().paused_because, None);
}

/// The window's inbox, set in Settings by ravi, a member of AAA, and watched; then ravi's
/// account is disabled. Returns the folder and the watcher's status, still `watching`.
async fn a_settings_inbox_whose_member_is_then_disabled(
    fx: &Fixture,
) -> (PathBuf, tokio::sync::watch::Receiver<InboxStatus>) {
    fx.org("AAA").await;
    fx.member("ravi", "AAA", MembershipRole::Member).await;
    let ravi = fx.sign_in_to("ravi", "AAA").await;
    let folder = fx.dir.path().join("Shared inbox");
    fx.core.inbox_set(&ravi, &folder).await.unwrap();
    let folder = folder.canonicalize().unwrap();
    let mut status = fx.core.inbox_status_changes();
    // Dropping the handle leaves the watcher running.
    fx.core.spawn_inbox();
    wait_for_state(&mut status, InboxState::Watching, "the inbox starts").await;
    assert!(fx
        .core
        .account_set_enabled(&fx.root, "ravi", false)
        .await
        .unwrap());
    (folder, status)
}

/// The window's inbox, set in Settings by a member whose account is then disabled, pauses
/// too, and says who may set it again and where.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_set_in_settings_by_a_member_since_disabled_pauses_and_says_where_to_set_it() {
    let fx = inbox_fixture().await;
    let (folder, mut status) = a_settings_inbox_whose_member_is_then_disabled(&fx).await;
    std::fs::write(folder.join("road.xlsx"), workbook(6)).unwrap();
    wait_for_state(&mut status, InboxState::Paused, "the inbox pauses").await;
    let why = status.borrow().paused_because.clone().unwrap();
    assert!(
        why.contains("ravi can no longer upload")
            && why.contains("It resumes by itself once ravi may upload there again")
            && why.contains("set the inbox again (Settings, Inbox folder)")
            && !why.contains("sitebook watch"),
        "{why}"
    );
    assert_eq!(files_in(&folder), ["road.xlsx"]);
}

/// A paused window inbox asked the gate again only for a file that arrived, so one given its
/// person back while nothing new came stayed "paused" until the next file. It reads its
/// person's standing every second and asks the gate (an audited attempt) only once that has
/// changed: no refusal is repeated while nothing changes, and the waiting file is queued
/// untouched once the account is enabled again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_inbox_resumes_when_its_person_may_upload_again_without_a_new_file() {
    // A waiting file alone would ask the gate again only after an hour.
    let fx = fixture_with(|options| {
        options.inbox_timing = InboxTiming {
            paused_recheck: Duration::from_secs(3600),
            ..timing()
        }
    })
    .await;
    let (folder, mut status) = a_settings_inbox_whose_member_is_then_disabled(&fx).await;
    let mut news = fx.core.inbox_news();
    std::fs::write(folder.join("road.xlsx"), workbook(7)).unwrap();
    wait_for_state(&mut status, InboxState::Paused, "the inbox pauses").await;

    async fn ravis_refused_uploads(fx: &Fixture) -> i64 {
        fx.audit()
            .await
            .iter()
            .filter(|row| {
                row.action == "upload.create"
                    && row.outcome == "denied"
                    && row.username.as_deref() == Some("ravi")
            })
            .map(|row| row.repeats)
            .sum()
    }
    let refused = ravis_refused_uploads(&fx).await;
    assert_eq!(refused, 1, "the pause comes from one refusal");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        ravis_refused_uploads(&fx).await,
        refused,
        "reading the standing is not an access attempt"
    );
    assert_eq!(status.borrow().state, InboxState::Paused);
    assert_eq!(files_in(&folder), ["road.xlsx"]);

    assert!(fx
        .core
        .account_set_enabled(&fx.root, "ravi", true)
        .await
        .unwrap());
    wait_for_state(&mut status, InboxState::Watching, "the inbox resumes").await;
    assert_eq!(status.borrow().paused_because, None);
    let queued = wait_for_news(&mut news, InboxOutcome::Queued).await;
    assert_eq!(queued.file_name, "road.xlsx");
}
