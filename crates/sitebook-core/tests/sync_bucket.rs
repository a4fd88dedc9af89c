//! The syncer against a real SigV4-checking S3 server (s3s-fs) on 127.0.0.1, started by the
//! test itself: outputs sync exactly once with their sha256, a restart picks up where a crash
//! left off, two devices of one org never overwrite each other, and a wrong secret fails in
//! plain words with nothing marked synced.

mod common;
mod workbooks;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::s3_server::DownloadGate;
use common::{fixture_with, Fixture};
use sitebook_core::documents::withdraw::ChainDocument;
use sitebook_core::domain::bill::BillKind;
use sitebook_core::domain::permissions::MembershipRole;
use sitebook_core::secrets::Secret;
use sitebook_core::sync::config::SyncSettings;
use sitebook_core::sync::BucketCheckProgress;
use sitebook_core::sync::SyncTuning;
use sitebook_core::tenancy::session::Session;

const ACCESS_KEY: &str = "GKsitebooktest0001";
const SECRET_KEY: &str = "sitebook-test-secret-key-0001";
const BUCKET: &str = "district-works";

/// An s3s-fs server on a free loopback port, serving the folders under `root` as buckets.
struct S3Server {
    address: SocketAddr,
    root: PathBuf,
    task: tokio::task::JoinHandle<()>,
    /// The temporary folder `root` is, removed after the server stops.
    _storage: tempfile::TempDir,
}

impl S3Server {
    /// Starts a server whose buckets live in a fresh temporary folder.
    async fn start() -> Self {
        Self::start_holding_downloads(None).await
    }

    /// [`S3Server::start`], where each download waits at `downloads`, if given.
    async fn start_holding_downloads(downloads: Option<Arc<DownloadGate>>) -> Self {
        let storage = tempfile::tempdir().unwrap();
        let root = storage.path();
        std::fs::create_dir_all(root.join(BUCKET)).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let served = root.to_path_buf();
        let task = tokio::spawn(async move {
            common::s3_server::serve_holding_downloads(
                &served, ACCESS_KEY, SECRET_KEY, listener, downloads,
            )
            .await;
        });
        Self {
            address,
            root: root.to_path_buf(),
            task,
            _storage: storage,
        }
    }

    /// Points the org of `session` on `fx` at this server, with the right secret.
    async fn configure(&self, fx: &Fixture, session: &Session) {
        fx.core
            .sync_configure(session, &self.settings(), Some(&Secret::new(SECRET_KEY)))
            .await
            .unwrap();
    }

    fn settings(&self) -> SyncSettings {
        SyncSettings {
            endpoint: format!("http://{}", self.address),
            region: "us-east-1".into(),
            bucket: BUCKET.into(),
            prefix: "sitebook".into(),
            path_style: true,
            access_key_id: ACCESS_KEY.into(),
        }
    }

    /// Where s3s-fs keeps the object of org AAA's output `filename` of `kind`, under the
    /// `sitebook` prefix.
    fn object_path(&self, kind: &str, filename: &str) -> PathBuf {
        self.root
            .join(BUCKET)
            .join("sitebook/aaa")
            .join(kind)
            .join(filename)
    }

    /// Every object in the bucket, by key, with its bytes (s3s-fs keeps them as files).
    fn objects(&self) -> Vec<(String, Vec<u8>)> {
        let bucket = self.root.join(BUCKET);
        let mut found = Vec::new();
        let mut folders = vec![bucket.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    let key = path
                        .strip_prefix(&bucket)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    found.push((key, std::fs::read(&path).unwrap()));
                }
            }
        }
        found.sort();
        found
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn quick_sync() -> SyncTuning {
    let mut tuning = SyncTuning::default();
    tuning.timeouts.connect = Duration::from_secs(2);
    tuning.timeouts.request = Duration::from_secs(10);
    tuning.timeouts.retries = 0;
    // With no retry inside a call, a pooled connection that the server closed while it sat
    // idle (s3s closes one after refusing a taken key before reading the body) would fail the
    // next request on it, which the app's default of two retries absorbs. One connection a
    // request keeps each test's outcome to what it tests.
    tuning.timeouts.keep_connections = false;
    tuning.retry_base = Duration::from_secs(1);
    tuning
}

async fn device(dir_name: &str) -> (Fixture, Session) {
    let fx = fixture_with(|options| {
        options.sync = quick_sync();
        options.device = Some(dir_name.into());
    })
    .await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    (fx, admin)
}

/// Device `old-laptop` with the six outputs of `road.xlsx` and `bridge.xlsx` made and synced
/// to `server`, and those outputs.
async fn old_laptop_synced_to(
    server: &S3Server,
) -> (
    Fixture,
    Session,
    Vec<sitebook_core::store::outputs::OutputView>,
) {
    let (old_laptop, old_admin) = device("old-laptop").await;
    make_outputs(&old_laptop, &old_admin, "road.xlsx").await;
    make_outputs(&old_laptop, &old_admin, "bridge.xlsx").await;
    server.configure(&old_laptop, &old_admin).await;
    assert_eq!(
        old_laptop.core.sync_run(&old_admin).await.unwrap().synced,
        6
    );
    let originals = old_laptop
        .core
        .outputs_list(&old_admin, None)
        .await
        .unwrap();
    (old_laptop, old_admin, originals)
}

/// Asks `device` for a restore where none is under way, and returns the new job's id.
async fn new_restore(device: &Fixture, session: &Session) -> i64 {
    let request = device.core.sync_restore(session).await.unwrap();
    assert!(!request.already_underway, "no restore was under way");
    request.job_id
}

/// A fresh server, and device `laptop-1` (see [`device`]) with the three outputs of
/// `road.xlsx` made and sync not yet configured.
async fn bucket_and_laptop() -> (S3Server, Fixture, Session) {
    let server = S3Server::start().await;
    let (fx, admin) = device("laptop-1").await;
    make_outputs(&fx, &admin, "road.xlsx").await;
    (server, fx, admin)
}

/// [`bucket_and_laptop`] with the three outputs synced.
async fn synced_laptop() -> (S3Server, Fixture, Session) {
    let (server, fx, admin) = bucket_and_laptop().await;
    server.configure(&fx, &admin).await;
    assert_eq!(fx.core.sync_run(&admin).await.unwrap().synced, 3);
    (server, fx, admin)
}

/// [`synced_laptop`] on a server that holds every download until the test lets it through.
async fn synced_laptop_holding_downloads() -> (S3Server, Fixture, Session, Arc<DownloadGate>) {
    let downloads = DownloadGate::closed();
    let server = S3Server::start_holding_downloads(Some(downloads.clone())).await;
    let (fx, admin) = device("laptop-1").await;
    make_outputs(&fx, &admin, "road.xlsx").await;
    server.configure(&fx, &admin).await;
    assert_eq!(fx.core.sync_run(&admin).await.unwrap().synced, 3);
    (server, fx, admin, downloads)
}

/// Waits until `count` downloads wait at the gate at once (within 10 s).
async fn wait_for_downloads(downloads: &DownloadGate, count: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while downloads.waiting() < count {
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {count} downloads in flight at once",
            downloads.waiting()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// [`synced_laptop`] for the background syncer: it passes every 200 ms and checks the bucket
/// every `check_every`.
async fn synced_laptop_polling(check_every: Duration) -> (S3Server, Fixture, Session) {
    let server = S3Server::start().await;
    let fx = fixture_with(|options| {
        options.sync = quick_sync();
        options.sync.poll_interval = Duration::from_millis(200);
        options.sync.check_every = check_every;
        options.device = Some("laptop-1".into());
    })
    .await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    make_outputs(&fx, &admin, "road.xlsx").await;
    server.configure(&fx, &admin).await;
    assert_eq!(fx.core.sync_run(&admin).await.unwrap().synced, 3);
    (server, fx, admin)
}

/// Uploads a small estimate named after `name`, runs its parse job, then renders its
/// abstract: three outputs (the parse result JSON, the abstract's PDF and XLSX).
async fn make_outputs(fx: &Fixture, session: &Session, name: &str) {
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    let job = fx
        .upload_and_wait(session, name, workbooks::estimate_with_items(name, 5))
        .await;
    let queued = fx
        .core
        .estimate_abstract(session, job.estimate_id.unwrap())
        .await
        .unwrap();
    fx.core
        .job_wait(session, queued.job_id, |_| {})
        .await
        .unwrap();
    pool.shutdown().await;
}

/// Asserts that each output of the device is among `objects`, byte for byte, under some key.
async fn assert_every_output_is_among(
    fx: &Fixture,
    session: &Session,
    objects: &[(String, Vec<u8>)],
) {
    for output in fx.core.outputs_list(session, None).await.unwrap() {
        assert!(
            objects
                .iter()
                .any(|(_, bytes)| sha256_hex(bytes) == output.sha256),
            "{} of device {} is missing",
            output.filename,
            fx.core.device()
        );
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_sync_exactly_once_with_their_sha256_and_test_connection_works() {
    // Outputs made before sync was configured wait in the outbox.
    let (server, fx, admin) = bucket_and_laptop().await;
    let before = fx.core.sync_status(&admin).await.unwrap();
    assert_eq!(before.counts.pending, 3, "{before:?}");

    server.configure(&fx, &admin).await;
    let said = fx.core.sync_test(&admin).await.unwrap();
    assert!(said.contains("written, read back and deleted"), "{said}");
    assert!(server.objects().is_empty(), "the probe was deleted");

    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!(
        (counts.synced, counts.pending, counts.failed),
        (3, 0, 0),
        "{counts:?}"
    );
    let objects = server.objects();
    let outputs = fx.core.outputs_list(&admin, None).await.unwrap();
    assert_eq!(objects.len(), outputs.len());
    for output in &outputs {
        let key = format!("sitebook/aaa/{}/{}", output.kind, output.filename);
        let (_, bytes) = objects
            .iter()
            .find(|(k, _)| *k == key)
            .unwrap_or_else(|| panic!("{key} is in the bucket: {objects:?}"));
        assert_eq!(sha256_hex(bytes), output.sha256, "{key}");
    }

    // A second run uploads nothing again; a new output is picked up.
    let again = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!(again.synced, 3);
    make_outputs(&fx, &admin, "bridge.xlsx").await;
    let after = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((after.synced, after.pending), (6, 0), "{after:?}");
    assert_eq!(server.objects().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fails_in_plain_words_and_nothing_is_marked_synced() {
    let (server, fx, admin) = bucket_and_laptop().await;
    fx.core
        .sync_configure(
            &admin,
            &server.settings(),
            Some(&Secret::new("not-the-secret")),
        )
        .await
        .unwrap();

    let refused = fx.core.sync_test(&admin).await.unwrap_err();
    assert_eq!(refused.code(), "sync_failed");
    let message = refused.to_string();
    assert!(
        message.contains("refused the access key id or the secret"),
        "{message}"
    );
    assert!(!message.contains("not-the-secret"), "{message}");

    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!(counts.synced, 0, "{counts:?}");
    // The first refusal stops the pass; uploads already in flight (up to 4) fail with it.
    assert!(counts.failed >= 1, "{counts:?}");
    assert_eq!(counts.failed + counts.pending, 3, "{counts:?}");
    assert!(counts
        .last_error
        .unwrap()
        .contains("signature did not match"));
    assert!(server.objects().is_empty());

    // Fixing the secret puts the failed row back in line, and everything goes.
    server.configure(&fx, &admin).await;
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((counts.synced, counts.failed), (3, 0), "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncing_now_sends_what_waits_out_a_retry_without_waiting_for_it() {
    let (server, fx, admin) = bucket_and_laptop().await;
    server.configure(&fx, &admin).await;
    // As a pass that met a server answering 503 leaves them: waiting, with the problem, until
    // a backoff far ahead (the server is back now).
    sqlx::query(
        "UPDATE sync_outbox SET next_attempt_at = '2999-01-01T00:00:00Z', attempts = 6, \
         last_error = 'the bucket answered 503 (Service Unavailable)'",
    )
    .execute(fx.core.unscoped_pool_for_tests())
    .await
    .unwrap();
    // Asked for now, they go now (a person who just reconnected had been told of the old 503
    // and saw nothing move for up to 15 minutes).
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((counts.synced, counts.pending), (3, 0), "{counts:?}");
    assert_eq!(server.objects().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_set_afresh_after_the_last_was_forgotten_gets_every_output() {
    let (_old, fx, admin) = synced_laptop().await;
    fx.core.sync_forget(&admin).await.unwrap();
    let new = S3Server::start().await;
    new.configure(&fx, &admin).await;
    // It had counted them synced, to a bucket that held none of them.
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!(counts.synced, 3, "{counts:?}");
    assert_eq!(new.objects().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_gone_from_the_keyring_shows_as_the_last_sync_problem() {
    let (server, fx, admin) = bucket_and_laptop().await;
    server.configure(&fx, &admin).await;
    // Someone cleared the keyring: the pass stops before it reaches any output.
    let path = fx.dir.path().canonicalize().unwrap();
    let tag = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        path.to_string_lossy().as_bytes(),
    ));
    keyring_core::Entry::new_in_store(
        &fx.keyring,
        "sitebook",
        &format!("s3-secret-access-key:aaa:{}", &tag[..16]),
    )
    .unwrap()
    .delete_credential()
    .unwrap();
    let refused = fx.core.sync_run(&admin).await.unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("missing from the system keyring"),
        "{refused}"
    );
    // The status says so afterwards, where it had shown only outputs waiting.
    let status = fx.core.sync_status(&admin).await.unwrap();
    assert_eq!(status.counts.pending, 3, "{:?}", status.counts);
    let said = status.counts.last_error.unwrap_or_default();
    assert!(said.contains("missing from the system keyring"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_of_one_org_keep_both_copies_on_a_conflict() {
    let server = S3Server::start().await;
    let (first, first_admin) = device("laptop-1").await;
    let (second, second_admin) = device("laptop-2").await;
    // The same file names with other content: the two workbooks have other names of work.
    make_outputs(&first, &first_admin, "road.xlsx").await;
    make_outputs(&second, &second_admin, "road-v2.xlsx").await;
    for (fx, admin) in [(&first, &first_admin), (&second, &second_admin)] {
        server.configure(fx, admin).await;
    }
    let first_counts = first.core.sync_run(&first_admin).await.unwrap();
    assert_eq!(first_counts.synced, 3);
    let second_counts = second.core.sync_run(&second_admin).await.unwrap();
    assert_eq!(
        second_counts.synced + second_counts.conflict,
        3,
        "{second_counts:?}"
    );

    let objects = server.objects();
    // Every output of both devices is in the bucket, byte for byte, under some key.
    for (fx, admin) in [(&first, &first_admin), (&second, &second_admin)] {
        assert_every_output_is_among(fx, admin, &objects).await;
    }
    let conflicts: Vec<&String> = objects
        .iter()
        .map(|(key, _)| key)
        .filter(|key| key.contains("(conflict from laptop-2 "))
        .collect();
    assert_eq!(
        conflicts.len() as i64,
        second_counts.conflict,
        "{objects:?}"
    );
    assert!(second_counts.conflict >= 1, "{second_counts:?}");
    // Each conflicted output says, in the list, which name its copy was kept under; the
    // synced ones say nothing.
    for output in second.core.outputs_list(&second_admin, None).await.unwrap() {
        match output.sync_state.as_str() {
            "conflict" => {
                let problem = output.sync_problem.as_deref().unwrap_or_default();
                assert!(
                    problem.contains("already held other content")
                        && conflicts.iter().any(|key| problem.contains(key.as_str())),
                    "{problem}"
                );
            }
            "synced" => assert_eq!(output.sync_problem, None, "{output:?}"),
            other => panic!("{other}: {output:?}"),
        }
    }
}

/// A go-between for `upstream` that hands each PUT on whole, waits until the server has
/// answered, and then drops the connection without passing the answer back: the object is
/// stored, and the client only sees its connection break. Everything else passes through.
async fn proxy_losing_put_answers(upstream: SocketAddr) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut server = tokio::net::TcpStream::connect(upstream).await.unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                server.write_all(&head).await.unwrap();
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                if head.starts_with("put ") {
                    let length: usize = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .map_or(0, |value| value.trim().parse().unwrap());
                    let mut body = vec![0u8; length];
                    client.read_exact(&mut body).await.unwrap();
                    server.write_all(&body).await.unwrap();
                    let _ = server.read(&mut byte).await;
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_whose_answer_is_lost_counts_as_synced_in_the_same_pass() {
    let server = S3Server::start().await;
    let fx = fixture_with(|options| {
        options.sync = quick_sync();
        // One request a connection, so every PUT meets the go-between afresh.
        options.sync.timeouts.keep_connections = false;
        options.device = Some("laptop-1".into());
    })
    .await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    make_outputs(&fx, &admin, "road.xlsx").await;
    let proxy = proxy_losing_put_answers(server.address).await;
    let settings = SyncSettings {
        endpoint: format!("http://{proxy}"),
        ..server.settings()
    };
    fx.core
        .sync_configure(&admin, &settings, Some(&Secret::new(SECRET_KEY)))
        .await
        .unwrap();

    let counts = fx.core.sync_run(&admin).await.unwrap();
    // Each put's answer was lost, but each object is in the bucket with the output's sha256:
    // the rows are synced now, not left to retry, and nothing went under a conflict key.
    assert_eq!(
        (
            counts.synced,
            counts.pending,
            counts.conflict,
            counts.failed
        ),
        (3, 0, 0, 0),
        "{counts:?}"
    );
    let objects = server.objects();
    assert_eq!(
        objects.len(),
        3,
        "{:?}",
        objects.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    assert_every_output_is_among(&fx, &admin, &objects).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_left_uploading_by_a_stopped_sync_are_sent_by_the_next_pass() {
    let (server, fx, admin) = bucket_and_laptop().await;
    server.configure(&fx, &admin).await;
    // A `sync run` stopped with Ctrl-C (or killed) left its rows uploading; one row is being
    // sent by another process still running (pid 1 always is).
    let stopped = {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let pool = fx.core.unscoped_pool_for_tests();
    sqlx::query("UPDATE sync_outbox SET state = 'uploading', claimed_by = ?")
        .bind(stopped)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE sync_outbox SET claimed_by = 1 WHERE id = (SELECT MIN(id) FROM sync_outbox)",
    )
    .execute(pool)
    .await
    .unwrap();
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((counts.synced, counts.uploading), (2, 1), "{counts:?}");

    // The background syncer of the next start puts back every row a crash left, and sends it.
    let syncer = fx.core.spawn_syncer();
    let mut counts = fx.core.sync_status(&admin).await.unwrap().counts;
    for _ in 0..200 {
        if counts.synced == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        counts = fx.core.sync_status(&admin).await.unwrap().counts;
    }
    syncer.abort();
    assert_eq!((counts.synced, counts.uploading), (3, 0), "{counts:?}");
    assert_eq!(server.objects().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_moved_to_another_bucket_gets_every_output_again() {
    let (old, fx, admin) = bucket_and_laptop().await;
    old.configure(&fx, &admin).await;
    assert_eq!(fx.core.sync_run(&admin).await.unwrap().synced, 3);

    // The office moves to another bucket: "synced" meant the old one, which the new lacks.
    // (Both test servers are on 127.0.0.1; a new host counts the same as a new bucket.)
    let new = S3Server::start().await;
    std::fs::create_dir_all(new.root.join("district-works-2")).unwrap();
    let mut moved = new.settings();
    moved.bucket = "district-works-2".into();
    fx.core
        .sync_configure(&admin, &moved, Some(&Secret::new(SECRET_KEY)))
        .await
        .unwrap();
    let status = fx.core.sync_status(&admin).await.unwrap().counts;
    assert_eq!((status.pending, status.synced), (3, 0), "{status:?}");
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((counts.synced, counts.pending), (3, 0), "{counts:?}");
    let in_new_bucket = std::fs::read_dir(new.root.join("district-works-2"))
        .unwrap()
        .count();
    assert!(in_new_bucket > 0, "the outputs went to the new bucket");

    // Saving the same target again (a new secret, say) sends nothing again.
    fx.core
        .sync_configure(&admin, &moved, Some(&Secret::new(SECRET_KEY)))
        .await
        .unwrap();
    assert_eq!(fx.core.sync_status(&admin).await.unwrap().counts.synced, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_link_downloads_the_file_until_it_expires() {
    let (server, fx, admin) = bucket_and_laptop().await;
    let pdf = output_of_kind(&fx, &admin, "pdf").await;

    // Not in the bucket yet: no link.
    server.configure(&fx, &admin).await;
    let early = fx
        .core
        .output_share(&admin, pdf.id, Duration::from_secs(600))
        .await
        .unwrap_err();
    assert!(
        early.to_string().contains("not in the bucket yet"),
        "{early}"
    );

    fx.core.sync_run(&admin).await.unwrap();
    let link = fx
        .core
        .output_share(&admin, pdf.id, Duration::from_secs(600))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let response = client.get(&link.url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", link.url);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(sha256_hex(&bytes), pdf.sha256);
    assert!(fx
        .audit()
        .await
        .iter()
        .any(|row| row.action == "output.share" && row.outcome == "success"));

    // A link past its time is refused by the server.
    let short = fx
        .core
        .output_share(&admin, pdf.id, Duration::from_secs(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = client.get(&short.url).send().await.unwrap();
    assert_eq!(expired.status(), 403);

    // More than 7 days is refused before anything is signed; viewers may not share.
    assert!(fx
        .core
        .output_share(&admin, pdf.id, Duration::from_secs(8 * 86_400))
        .await
        .is_err());
    fx.user(
        "vera",
        sitebook_core::domain::permissions::UserKind::Standard,
        Some(("AAA", MembershipRole::Viewer)),
    )
    .await;
    let viewer = fx.sign_in("vera").await;
    let refused = fx
        .core
        .output_share(&viewer, pdf.id, Duration::from_secs(600))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "denied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_bills_files_are_not_shared_by_link() {
    let (server, fx, admin) = bucket_and_laptop().await;
    server.configure(&fx, &admin).await;
    let estimate = fx.core.estimates_list(&admin).await.unwrap()[0].id;
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    let bill = fx
        .core
        .bill_create(&admin, estimate, BillKind::FirstPart, None)
        .await
        .unwrap();
    fx.core.job_wait(&admin, bill.job_id, |_| {}).await.unwrap();
    pool.shutdown().await;
    fx.core.sync_run(&admin).await.unwrap();
    let files = fx
        .core
        .outputs_list(&admin, Some(bill.job_id))
        .await
        .unwrap();
    assert_eq!(files.len(), 2);
    // In force and synced, it is shared.
    fx.core
        .output_share(&admin, files[0].id, Duration::from_secs(600))
        .await
        .unwrap();

    fx.core
        .document_withdraw(&admin, estimate, ChainDocument::Bill, 1, "wrong agency")
        .await
        .unwrap();
    for file in &files {
        let refused = fx
            .core
            .output_share(&admin, file.id, Duration::from_secs(600))
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!(
                "{} belongs to a withdrawn bill or work slip, so it is not shared by link: the \
                 bucket holds it as it was made, unmarked. Save a copy with Save as… instead: the \
                 copy is marked WITHDRAWN.",
                file.filename
            )
        );
        assert_eq!(refused.code(), "precondition_failed");
    }
}

/// What the fault proxy does to one connection.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Relay both ways.
    Pass,
    /// Close the connection before reading anything.
    Drop,
    /// Answer the request with this status and close.
    Status(u16),
    /// Relay the request, then only the first bytes of the answer, and close.
    CutAnswer,
    /// Wait this long before relaying (longer than the client's timeout).
    Delay(u64),
}

/// A loopback TCP relay in front of the S3 server that injects `plan`'s faults, one per new
/// connection, in order; connections past the plan pass. The counter counts connections.
async fn fault_proxy(
    upstream: SocketAddr,
    plan: Vec<Fault>,
) -> (
    SocketAddr,
    tokio::task::JoinHandle<()>,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    let task = tokio::spawn(async move {
        let mut plan = plan.into_iter();
        while let Ok((mut client, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let fault = plan.next().unwrap_or(Fault::Pass);
            tokio::spawn(async move {
                match fault {
                    Fault::Drop => drop(client),
                    Fault::Status(status) => {
                        let mut head = vec![0u8; 64 * 1024];
                        let _ = client.read(&mut head).await;
                        let answer = format!(
                            "HTTP/1.1 {status} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                        let _ = client.write_all(answer.as_bytes()).await;
                    }
                    Fault::CutAnswer => {
                        let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                            return;
                        };
                        let (mut from_client, mut to_server) = client.split();
                        let (mut from_server, mut to_client) = server.split();
                        let forward = tokio::io::copy(&mut from_client, &mut to_server);
                        let mut answer = [0u8; 20];
                        let back = async {
                            let read = from_server.read(&mut answer).await.unwrap_or(0);
                            let _ = to_client.write_all(&answer[..read]).await;
                        };
                        tokio::select! { _ = forward => {}, _ = back => {} }
                    }
                    Fault::Delay(millis) => {
                        tokio::time::sleep(Duration::from_millis(millis)).await;
                        relay(client, upstream).await;
                    }
                    Fault::Pass => relay(client, upstream).await,
                }
            });
        }
    });
    (address, task, connections)
}

async fn relay(mut client: tokio::net::TcpStream, upstream: SocketAddr) {
    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

/// Seeds `count` output files and their rows for job `job_id` of org AAA, as the tests'
/// raw pool allows (the real API makes outputs only through jobs, which would take minutes).
async fn seed_outputs(fx: &Fixture, job_id: i64, count: usize) {
    for n in 0..count {
        let bytes = format!("%PDF-1.7 seeded output {n} {}", "x".repeat(n * 37)).into_bytes();
        seed_output(fx, job_id, &format!("seeded-{n:03}.pdf"), &bytes).await;
    }
}

// Run on its own by scripts/test-all.sh (`--ignored`, after the parallel suite): under the
// whole suite's load on 2 cores it has met "database is locked" on a read after the syncer
// stopped, a cause still open in issue 12. Alone it checks what it is for: exactly once.
#[ignore = "run alone by scripts/test-all.sh; see the comment above"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_sync_exactly_once_across_a_dozen_faults_and_three_restarts() {
    let server = S3Server::start().await;
    let plan = vec![
        Fault::Pass,
        Fault::Drop,
        Fault::Status(503),
        Fault::Pass,
        Fault::CutAnswer,
        Fault::Status(500),
        Fault::Delay(2_500),
        Fault::Pass,
        Fault::Status(429),
        Fault::Drop,
        Fault::CutAnswer,
        Fault::Pass,
        Fault::Status(503),
        Fault::Delay(2_500),
        Fault::Drop,
        Fault::CutAnswer,
    ];
    let planned = plan.len();
    let injected = plan.iter().filter(|f| !matches!(f, Fault::Pass)).count();
    assert!(injected >= 12, "a dozen faults at least");
    let (proxy, proxy_task, connections) = fault_proxy(server.address, plan).await;

    let fx = fixture_with(|options| {
        options.sync = quick_sync();
        options.sync.timeouts.request = Duration::from_secs(2);
        options.sync.timeouts.keep_connections = false;
        options.sync.poll_interval = Duration::from_millis(50);
        options.device = Some("laptop-1".into());
    })
    .await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    make_outputs(&fx, &admin, "road.xlsx").await;
    let job_id = fx.core.jobs_list(&admin, 10).await.unwrap()[0].id;
    seed_outputs(&fx, job_id, 200).await;
    let mut settings = server.settings();
    settings.endpoint = format!("http://{proxy}");
    fx.core
        .sync_configure(&admin, &settings, Some(&Secret::new(SECRET_KEY)))
        .await
        .unwrap();

    // Three restarts: a syncer killed mid-batch, each time.
    for run in 0..3 {
        let syncer = fx.core.spawn_syncer();
        tokio::time::sleep(Duration::from_millis(400 + run * 300)).await;
        syncer.abort();
        // Whatever was waiting for its backoff is due by the next start.
        fx.core.clock().advance(chrono::Duration::hours(1));
    }
    // The last start runs until everything is there.
    let syncer = fx.core.spawn_syncer();
    // Reading the status audits the read, which is a write: it once met "database is locked"
    // here, because a syncer aborted inside `BEGIN` left its connection in a transaction; the
    // transaction is now begun in a task of its own (`Ctx::write_tx`), so a locked database is
    // a failure again.
    let status = || async { fx.core.sync_status(&admin).await.unwrap().counts };
    let mut counts = status().await;
    for _ in 0..600 {
        if counts.synced == 203 {
            break;
        }
        fx.core.clock().advance(chrono::Duration::hours(1));
        tokio::time::sleep(Duration::from_millis(100)).await;
        counts = status().await;
    }
    syncer.abort();
    proxy_task.abort();
    assert!(
        connections.load(std::sync::atomic::Ordering::SeqCst) > planned,
        "every planned fault met a request"
    );
    assert_eq!(
        (
            counts.synced,
            counts.conflict,
            counts.failed,
            counts.pending,
            counts.uploading
        ),
        (203, 0, 0, 0, 0),
        "{counts:?}"
    );

    // Exactly once: one object per output, no conflict copies, every byte right.
    let objects = server.objects();
    assert_eq!(
        objects.len(),
        203,
        "{:?}",
        objects.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    let recorded: Vec<(i64, Option<String>, String)> =
        sqlx::query_as("SELECT output_id, object_key, state FROM sync_outbox ORDER BY output_id")
            .fetch_all(fx.core.unscoped_pool_for_tests())
            .await
            .unwrap();
    for output in fx.core.outputs_list(&admin, None).await.unwrap() {
        let key = format!("sitebook/aaa/{}/{}", output.kind, output.filename);
        let Some((_, bytes)) = objects.iter().find(|(k, _)| *k == key) else {
            let row = recorded.iter().find(|(id, _, _)| *id == output.id);
            let stray: Vec<&String> = objects
                .iter()
                .map(|(k, _)| k)
                .filter(|k| !k.starts_with("sitebook/aaa/") || k.contains("conflict"))
                .collect();
            panic!(
                "{key} is not in the bucket; its outbox row is {row:?}; stray objects: {stray:?}"
            );
        };
        assert_eq!(sha256_hex(bytes), output.sha256, "{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_gone_from_disk_fails_alone_and_the_others_still_sync() {
    let server = S3Server::start().await;
    // One upload at a time, so that the missing file (the first recorded, so the first sent)
    // is done before the others start: it must not stop them.
    let fx = fixture_with(|options| {
        options.sync = quick_sync();
        options.sync.concurrency = 1;
    })
    .await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    make_outputs(&fx, &admin, "road.xlsx").await;
    let gone = output_of_kind(&fx, &admin, "json").await;
    std::fs::remove_file(fx.dir.path().join("outputs/aaa").join(&gone.filename)).unwrap();
    server.configure(&fx, &admin).await;
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!(
        (counts.synced, counts.failed, counts.pending),
        (2, 1, 0),
        "{counts:?}"
    );
    let problem = counts.last_error.unwrap();
    assert!(
        problem.contains(&gone.filename) && problem.contains("could not be read"),
        "{problem}"
    );
    assert_eq!(server.objects().len(), 2);
    // The list says which output failed and why; the others have no problem to tell.
    let listed = fx.core.outputs_list(&admin, None).await.unwrap();
    for output in &listed {
        if output.id == gone.id {
            assert_eq!(output.sync_state, "failed");
            assert_eq!(output.sync_problem.as_deref(), Some(problem.as_str()));
        } else {
            assert_eq!(
                (output.sync_state.as_str(), output.sync_problem.as_deref()),
                ("synced", None)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_into_an_empty_data_dir_gives_byte_identical_files_and_overwrites_nothing() {
    let server = S3Server::start().await;
    let (old_laptop, old_admin, originals) = old_laptop_synced_to(&server).await;

    // The new laptop has the same org and files of its own, some under names that objects
    // also have (other content: another name of work).
    let (new_laptop, new_admin) = device("new-laptop").await;
    make_outputs(&new_laptop, &new_admin, "road-v2.xlsx").await;
    let own = new_laptop
        .core
        .outputs_list(&new_admin, None)
        .await
        .unwrap();
    let mut own_bytes = Vec::new();
    for output in &own {
        own_bytes.push(read_output(&new_laptop, &new_admin, output.id).await);
    }
    server.configure(&new_laptop, &new_admin).await;

    let pool = new_laptop.core.start_workers(Some(1)).await.unwrap();
    let job_id = new_restore(&new_laptop, &new_admin).await;
    let job = new_laptop
        .core
        .job_wait(&new_admin, job_id, |_| {})
        .await
        .unwrap();
    assert_eq!(
        job.status,
        sitebook_core::jobs::JobStatus::Completed,
        "{job:?}"
    );
    assert_eq!(job.kind, sitebook_core::jobs::JobKind::RestoreOutputs);

    let restored = new_laptop
        .core
        .outputs_list(&new_admin, Some(job_id))
        .await
        .unwrap();
    assert_eq!(
        restored.len(),
        originals.len(),
        "every object of the org came back"
    );
    for original in &originals {
        let copy = restored
            .iter()
            .find(|r| r.sha256 == original.sha256)
            .unwrap_or_else(|| panic!("{} was not restored", original.filename));
        assert!(copy.restored, "{copy:?}");
        assert_eq!(
            copy.sync_state, "synced",
            "restored files are not sent back"
        );
        let bytes = read_output(&new_laptop, &new_admin, copy.id).await;
        let original_bytes = read_output(&old_laptop, &old_admin, original.id).await;
        assert_eq!(
            bytes, original_bytes,
            "{} is byte-identical",
            original.filename
        );
    }
    // The new laptop's own files are untouched, and nothing restored took their names.
    for (output, bytes) in own.iter().zip(&own_bytes) {
        assert_eq!(
            &read_output(&new_laptop, &new_admin, output.id).await,
            bytes
        );
        assert!(!output.restored);
        assert!(restored.iter().all(|r| r.filename != output.filename));
    }

    // Syncing afterwards sends the new laptop's own files only (beside the old ones, as
    // conflict copies where the names meet); the restored ones are not sent back.
    let objects_before = server.objects().len();
    let counts = new_laptop.core.sync_run(&new_admin).await.unwrap();
    assert_eq!(counts.pending + counts.failed, 0, "{counts:?}");
    assert_eq!(server.objects().len(), objects_before + own.len());

    // A second restore finds nothing new.
    let again = new_restore(&new_laptop, &new_admin).await;
    new_laptop
        .core
        .job_wait(&new_admin, again, |_| {})
        .await
        .unwrap();
    pool.shutdown().await;
    assert!(new_laptop
        .core
        .outputs_list(&new_admin, Some(again))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_after_a_restore_never_overwrites_a_restored_file_that_has_its_name() {
    // Job and estimate numbers are each device's own, so another device's files carry names
    // that this device's jobs make too: the old laptop's second upload (job 3, estimate 2) and
    // its abstract (job 4) have the names of the new laptop's, once its restore is job 1.
    let server = S3Server::start().await;
    let (_old_laptop, _old_admin, originals) = old_laptop_synced_to(&server).await;

    let (new_laptop, new_admin) = device("new-laptop").await;
    server.configure(&new_laptop, &new_admin).await;
    let restore = new_restore(&new_laptop, &new_admin).await;
    new_laptop.completed_job_as(&new_admin, restore).await;
    let pool = new_laptop.core.start_workers(Some(1)).await.unwrap();
    new_laptop
        .upload_and_wait(
            &new_admin,
            "culvert.xlsx",
            workbooks::estimate_with_items("culvert", 3),
        )
        .await;
    let drain = new_laptop
        .upload_and_wait(
            &new_admin,
            "drain.xlsx",
            workbooks::estimate_with_items("drain", 4),
        )
        .await;
    let abstract_job = new_laptop
        .core
        .estimate_abstract(&new_admin, drain.estimate_id.unwrap())
        .await
        .unwrap()
        .job_id;
    new_laptop
        .core
        .job_wait(&new_admin, abstract_job, |_| {})
        .await
        .unwrap();
    pool.shutdown().await;

    let outputs = new_laptop
        .core
        .outputs_list(&new_admin, None)
        .await
        .unwrap();
    let restored: Vec<_> = outputs.iter().filter(|o| o.restored).collect();
    let own: Vec<_> = outputs.iter().filter(|o| !o.restored).collect();
    assert_eq!((restored.len(), own.len()), (6, 4), "{outputs:?}");
    // The setup does what it says: the new laptop's jobs wanted names the restore had taken.
    for wanted in [
        format!("estimate-job{}.json", drain.id),
        format!(
            "estimate{}-abstract-job{abstract_job}.pdf",
            drain.estimate_id.unwrap()
        ),
    ] {
        assert!(
            originals.iter().any(|o| o.filename == wanted),
            "the old laptop made {wanted}: {originals:?}"
        );
    }

    // Every row still describes the bytes in its file, and no two rows name one file.
    let mut names: Vec<&str> = outputs.iter().map(|o| o.filename.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), outputs.len(), "{outputs:?}");
    for output in &outputs {
        let bytes = read_output(&new_laptop, &new_admin, output.id).await;
        assert_eq!(
            sha256_hex(&bytes),
            output.sha256,
            "{} was overwritten",
            output.filename
        );
    }
    // The restored files are the old laptop's, whole, under their names.
    for original in &originals {
        assert!(
            restored
                .iter()
                .any(|r| r.filename == original.filename && r.sha256 == original.sha256),
            "{} is restored as it was",
            original.filename
        );
    }
    // The new laptop's own files sit beside them under a numbered name.
    let own_names: std::collections::BTreeSet<&str> =
        own.iter().map(|o| o.filename.as_str()).collect();
    let (estimate, job) = (drain.estimate_id.unwrap(), drain.id);
    for expected in [
        format!("estimate-job{job} (2).json"),
        format!("estimate{estimate}-abstract-job{abstract_job} (2).pdf"),
        format!("estimate{estimate}-abstract-job{abstract_job} (2).xlsx"),
    ] {
        assert!(
            own_names.contains(expected.as_str()),
            "{expected}: {own_names:?}"
        );
    }

    // Both PDFs deleted by hand, the restored one and the abstract's own: made again, the
    // abstract keeps the name its row has, not the one the restored file freed.
    let folder = new_laptop.dir.path().join("outputs/aaa");
    let own_pdf = format!("estimate{estimate}-abstract-job{abstract_job} (2).pdf");
    let own_bytes = std::fs::read(folder.join(&own_pdf)).unwrap();
    std::fs::remove_file(folder.join(&own_pdf)).unwrap();
    std::fs::remove_file(folder.join(format!("estimate{estimate}-abstract-job{abstract_job}.pdf")))
        .unwrap();
    new_laptop
        .core
        .job_retry(&new_admin, abstract_job)
        .await
        .unwrap();
    new_laptop.completed_job_as(&new_admin, abstract_job).await;
    assert_eq!(std::fs::read(folder.join(&own_pdf)).unwrap(), own_bytes);
    let again = new_laptop
        .core
        .outputs_list(&new_admin, None)
        .await
        .unwrap();
    let fingerprint = |list: &[sitebook_core::store::outputs::OutputView]| {
        let mut rows: Vec<(i64, String)> =
            list.iter().map(|o| (o.id, o.filename.clone())).collect();
        rows.sort();
        rows
    };
    assert_eq!(
        fingerprint(&again),
        fingerprint(&outputs),
        "the same rows, the same names"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_fetches_back_a_synced_file_gone_from_the_data_folder_under_its_own_row() {
    let (server, fx, admin) = synced_laptop().await;
    let before = fx.core.outputs_list(&admin, None).await.unwrap();
    let bytes_of: Vec<Vec<u8>> = {
        let mut all = Vec::new();
        for output in &before {
            all.push(read_output(&fx, &admin, output.id).await);
        }
        all
    };
    // Two files deleted by hand; the third one's copy in the bucket was replaced there since.
    let folder = fx.dir.path().join("outputs/aaa");
    let (gone, replaced) = (&before[..2], &before[2]);
    for output in &before {
        std::fs::remove_file(folder.join(&output.filename)).unwrap();
    }
    std::fs::write(
        server.object_path(&replaced.kind, &replaced.filename),
        b"other bytes put there by hand",
    )
    .unwrap();

    // Opening one says where its copy is and what fetches it back.
    let missing = fx
        .core
        .output_path(&admin, gone[0].id)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains(&gone[0].filename) && missing.contains("Restore from bucket"),
        "{missing}"
    );

    let job_id = new_restore(&fx, &admin).await;
    let job = fx.completed_job_as(&admin, job_id).await;
    let after = fx.core.outputs_list(&admin, None).await.unwrap();
    let ids = |outputs: &[sitebook_core::store::outputs::OutputView]| -> Vec<i64> {
        outputs.iter().map(|o| o.id).collect()
    };
    assert_eq!(ids(&after), ids(&before), "no row added or removed");
    for (output, bytes) in before.iter().zip(&bytes_of).take(2) {
        assert_eq!(
            &read_output(&fx, &admin, output.id).await,
            bytes,
            "{} is back as it was",
            output.filename
        );
    }
    assert!(
        after
            .iter()
            .all(|o| o.sync_state == "synced" && !o.restored),
        "{after:?}"
    );
    // The replaced copy is not taken for ours: named, and the file stays missing.
    assert!(!folder.join(&replaced.filename).exists());
    let notes: Vec<&str> = job.error_log.iter().map(|e| e.error.as_str()).collect();
    assert!(
        notes.iter().any(|note| note.contains(&replaced.filename)
            && note.contains("no longer the one this computer sent")),
        "{notes:?}"
    );
    assert_eq!(notes.len(), 1, "{notes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_gives_the_files_a_cleanup_removed_back_to_the_jobs_that_made_them() {
    use sitebook_core::jobs::queue::JobFilesView;
    let (_server, fx, admin) = synced_laptop().await;
    let before = fx.core.outputs_list(&admin, None).await.unwrap();
    let mut bytes_of = Vec::new();
    for output in &before {
        bytes_of.push(read_output(&fx, &admin, output.id).await);
    }
    let mut jobs: Vec<i64> = before.iter().map(|o| o.job_id).collect();
    jobs.dedup();
    assert_eq!(jobs.len(), 2, "the parse and the abstract: {before:?}");

    // Never saved, all three are taken by the retention cleanup, files and rows; their copies
    // stay in the bucket.
    fx.core.clock().advance(chrono::Duration::days(31));
    let cleaned = fx.core.outputs_cleanup(&admin, 30).await.unwrap();
    assert_eq!(cleaned.removed_rows, 3, "{cleaned:?}");
    assert!(fx.core.outputs_list(&admin, None).await.unwrap().is_empty());
    for &job in &jobs {
        let files = fx.core.job_files(&admin, job).await.unwrap();
        assert!(files.removed > 0 && files.can_make_again, "{files:?}");
    }

    // The restore fetches them back as the files of the jobs that made them, under their own
    // names, not as strangers restored beside a "removed" notice.
    let restore = new_restore(&fx, &admin).await;
    fx.completed_job_as(&admin, restore).await;
    let after = fx.core.outputs_list(&admin, None).await.unwrap();
    assert_eq!(after.len(), 3, "{after:?}");
    for (original, bytes) in before.iter().zip(&bytes_of) {
        let back = after
            .iter()
            .find(|o| o.job_id == original.job_id && o.filename == original.filename)
            .unwrap_or_else(|| panic!("{} is not its job's again: {after:?}", original.filename));
        assert!(!back.restored && back.sync_state == "synced", "{back:?}");
        assert_eq!(
            (&back.sha256, &back.kind),
            (&original.sha256, &original.kind)
        );
        assert_eq!(&read_output(&fx, &admin, back.id).await, bytes);
    }
    for &job in &jobs {
        assert_eq!(
            fx.core.job_files(&admin, job).await.unwrap(),
            JobFilesView {
                removed: 0,
                missing: 0,
                can_make_again: false,
            },
            "job {job} has all its files again"
        );
    }
    let result: String = sqlx::query_scalar("SELECT result FROM jobs WHERE id = ?")
        .bind(restore)
        .fetch_one(fx.core.unscoped_pool_for_tests())
        .await
        .unwrap();
    let result: serde_json::Value = serde_json::from_str(&result).unwrap();
    assert_eq!(
        (&result["fetchedBack"], &result["restored"]),
        (&3.into(), &0.into())
    );

    // Nothing waits to be sent back, and a second restore finds nothing missing.
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((counts.pending, counts.synced), (0, 3), "{counts:?}");
    let again = new_restore(&fx, &admin).await;
    fx.completed_job_as(&admin, again).await;
    assert_eq!(fx.core.outputs_list(&admin, None).await.unwrap().len(), 3);
}

async fn read_output(fx: &Fixture, session: &Session, id: i64) -> Vec<u8> {
    std::fs::read(fx.core.output_path(session, id).await.unwrap()).unwrap()
}

/// A finished job of the same org and person as `job_id`, to record outputs under.
async fn another_job_beside(fx: &Fixture, job_id: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO jobs (org_id, user_id, kind, status, progress, next_run_at, created_at) \
         SELECT org_id, user_id, 'generate_bill', 'completed', 100, created_at, created_at \
         FROM jobs WHERE id = ? RETURNING id",
    )
    .bind(job_id)
    .fetch_one(fx.core.unscoped_pool_for_tests())
    .await
    .unwrap()
}

/// Records a file of `bytes` as an output of `job_id` waiting for sync, as a job would.
async fn seed_output(fx: &Fixture, job_id: i64, filename: &str, bytes: &[u8]) -> i64 {
    let pool = fx.core.unscoped_pool_for_tests();
    let (org_id, user_id): (i64, i64) =
        sqlx::query_as("SELECT org_id, user_id FROM jobs WHERE id = ?")
            .bind(job_id)
            .fetch_one(pool)
            .await
            .unwrap();
    let folder = fx.dir.path().join("outputs/aaa");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(filename), bytes).unwrap();
    let sha = sha256_hex(bytes);
    let output_id: i64 = sqlx::query_scalar(
        "INSERT INTO output_files (org_id, user_id, job_id, filename, kind, stored_path, \
         size, sha256, inputs_sha256, created_at) VALUES (?, ?, ?, ?, 'pdf', ?, ?, ?, ?, \
         '2026-11-20T09:00:00.000Z') RETURNING id",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(job_id)
    .bind(filename)
    .bind(format!("outputs/aaa/{filename}"))
    .bind(bytes.len() as i64)
    .bind(&sha)
    .bind(&sha)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sync_outbox (org_id, output_id, sha256, state, next_attempt_at, \
         created_at) VALUES (?, ?, ?, 'pending', '2026-11-20T09:00:00.000Z', \
         '2026-11-20T09:00:00.000Z')",
    )
    .bind(org_id)
    .bind(output_id)
    .bind(&sha)
    .execute(pool)
    .await
    .unwrap();
    output_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_file_goes_up_in_parts_and_a_cut_upload_leaves_no_object_under_its_key() {
    let server = S3Server::start().await;
    const PART: usize = 5 * 1024 * 1024;
    let fx = fixture_with(|options| {
        options.sync = quick_sync();
        options.sync.concurrency = 1;
        options.sync.multipart_threshold = PART as u64;
        options.sync.part_size = PART;
        options.sync.timeouts.keep_connections = false;
    })
    .await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    make_outputs(&fx, &admin, "road.xlsx").await;
    server.configure(&fx, &admin).await;
    assert_eq!(fx.core.sync_run(&admin).await.unwrap().synced, 3);

    // 12 MiB and a bit: three parts.
    let big: Vec<u8> = (0..(12 * 1024 * 1024 + 4321))
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let job_id = fx.core.jobs_list(&admin, 10).await.unwrap()[0].id;
    seed_output(&fx, job_id, "site-photos-bill.pdf", &big).await;

    // Through a proxy that lets the HEAD and the start of the upload pass, then cuts every
    // connection: the parts never complete.
    let mut plan = vec![Fault::Pass, Fault::Pass, Fault::Pass];
    plan.extend(std::iter::repeat_n(Fault::Drop, 40));
    let (proxy, proxy_task, _) = fault_proxy(server.address, plan).await;
    let mut settings = server.settings();
    settings.endpoint = format!("http://{proxy}");
    fx.core
        .sync_configure(&admin, &settings, None)
        .await
        .unwrap();
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((counts.synced, counts.pending), (3, 1), "{counts:?}");
    assert!(
        server
            .objects()
            .iter()
            .all(|(key, _)| !key.ends_with("site-photos-bill.pdf")),
        "no half object under the final key"
    );
    proxy_task.abort();

    // Straight to the server again: the whole file goes up, in parts, and is verified.
    fx.core
        .sync_configure(&admin, &server.settings(), None)
        .await
        .unwrap();
    fx.core.clock().advance(chrono::Duration::hours(1));
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!(
        (counts.synced, counts.pending, counts.failed),
        (4, 0, 0),
        "{counts:?}"
    );
    let (_, stored) = server
        .objects()
        .into_iter()
        .find(|(key, _)| key.ends_with("site-photos-bill.pdf"))
        .expect("the big file is in the bucket");
    assert_eq!(stored.len(), big.len());
    assert!(stored == big, "byte for byte");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_with_our_content_but_no_sha256_metadata_counts_as_synced_not_a_conflict() {
    let (server, fx, admin) = bucket_and_laptop().await;
    // What an upload cut off between the object and its metadata leaves: the very bytes under
    // the key, with no sha256 beside them (s3s-fs keeps objects as plain files).
    let json = output_of_kind(&fx, &admin, "json").await;
    let bytes = read_output(&fx, &admin, json.id).await;
    let object = server.object_path("json", &json.filename);
    std::fs::create_dir_all(object.parent().unwrap()).unwrap();
    std::fs::write(&object, &bytes).unwrap();

    server.configure(&fx, &admin).await;
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((counts.synced, counts.conflict), (3, 0), "{counts:?}");
    assert_eq!(
        std::fs::read(&object).unwrap(),
        bytes,
        "the object is left as it was"
    );
}

/// The device's first output of this kind (`json`, `pdf`, `xlsx`).
async fn output_of_kind(
    fx: &Fixture,
    session: &Session,
    kind: &str,
) -> sitebook_core::store::outputs::OutputView {
    fx.core
        .outputs_list(session, None)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == kind)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_audit_anchor_is_copied_to_the_bucket_once_as_a_new_object() {
    let server = S3Server::start().await;
    let (fx, admin) = device("laptop-1").await;
    server.configure(&fx, &admin).await;
    let anchors = || -> Vec<(String, Vec<u8>)> {
        server
            .objects()
            .into_iter()
            .filter(|(key, _)| key.starts_with("sitebook/aaa/audit/anchor-laptop-1-"))
            .collect()
    };
    // No anchor yet: nothing to copy.
    fx.core.sync_run(&admin).await.unwrap();
    assert!(anchors().is_empty());

    let first = fx.core.audit_verify(&fx.root).await.unwrap();
    assert!(first.is_intact());
    fx.core.sync_run(&admin).await.unwrap();
    fx.core.sync_run(&admin).await.unwrap();
    let copied = anchors();
    assert_eq!(copied.len(), 1, "{copied:?}");
    let local = std::fs::read(fx.dir.path().join("audit-anchor.json")).unwrap();
    assert_eq!(copied[0].1, local);
    assert!(
        copied[0]
            .0
            .ends_with(&format!("{:012}.json", first.head_id.unwrap())),
        "{}",
        copied[0].0
    );

    // A later anchor is a second object; the first stays as it was.
    let second = fx.core.audit_verify(&fx.root).await.unwrap();
    assert!(second.head_id > first.head_id);
    fx.core.sync_run(&admin).await.unwrap();
    let copied_again = anchors();
    assert_eq!(copied_again.len(), 2, "{copied_again:?}");
    assert!(copied_again.contains(&copied[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_does_not_answer_costs_a_pass_one_timeout_not_one_per_output() {
    let server = S3Server::start().await;
    let fx = fixture_with(|options| {
        options.sync = quick_sync();
        options.sync.concurrency = 1;
        options.sync.timeouts.request = Duration::from_secs(1);
    })
    .await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    make_outputs(&fx, &admin, "road.xlsx").await;
    // Every connection is held well past the client's timeout before anything is relayed.
    let (proxy, proxy_task, connections) =
        fault_proxy(server.address, vec![Fault::Delay(30_000); 20]).await;
    let mut settings = server.settings();
    settings.endpoint = format!("http://{proxy}");
    fx.core
        .sync_configure(&admin, &settings, Some(&Secret::new(SECRET_KEY)))
        .await
        .unwrap();
    let counts = fx.core.sync_run(&admin).await.unwrap();
    proxy_task.abort();
    assert_eq!((counts.pending, counts.synced), (3, 0), "{counts:?}");
    // The first output's put, and the look whether it landed anyway (an answer may be lost);
    // then the pass ends, and the other outputs wait for the next one.
    let made = connections.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        made <= 2,
        "{made} connections: one timeout should end the pass"
    );
    let said = counts.last_error.unwrap_or_default();
    assert!(!said.contains("not tried"), "the cause comes first: {said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_passes_over_what_sitebook_did_not_store_and_names_it() {
    let (server, fx, admin) = bucket_and_laptop().await;
    server.configure(&fx, &admin).await;
    assert_eq!(fx.core.sync_run(&admin).await.unwrap().synced, 3);
    // Put there by hand: a file with no sha256 of Sitebook's, and one whose name no disk takes.
    let org_folder = server.root.join(BUCKET).join("sitebook").join("aaa");
    std::fs::write(org_folder.join("pdf").join("injected.pdf"), b"not a pdf").unwrap();
    let long = format!("{}.pdf", "n".repeat(240));
    std::fs::write(org_folder.join("pdf").join(&long), b"long").unwrap();

    let (laptop, laptop_admin) = device("new-laptop").await;
    server.configure(&laptop, &laptop_admin).await;
    let job_id = new_restore(&laptop, &laptop_admin).await;
    let job = laptop.completed_job_as(&laptop_admin, job_id).await;
    let restored = laptop
        .core
        .outputs_list(&laptop_admin, Some(job_id))
        .await
        .unwrap();
    assert_eq!(
        restored.len(),
        3,
        "the three outputs, and nothing else: {restored:?}"
    );
    let passed_over: Vec<&str> = job.error_log.iter().map(|e| e.error.as_str()).collect();
    assert!(
        passed_over
            .iter()
            .any(|e| e.contains("injected.pdf") && e.contains("no sha256")),
        "{passed_over:?}"
    );
    assert!(
        passed_over
            .iter()
            .any(|e| e.contains(&long) && e.contains("longer than")),
        "{passed_over:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_fetches_several_files_at_once_and_stores_each_whole() {
    let (server, fx, admin, downloads) = synced_laptop_holding_downloads().await;
    let (laptop, laptop_admin) = device("new-laptop").await;
    server.configure(&laptop, &laptop_admin).await;
    let job_id = new_restore(&laptop, &laptop_admin).await;

    let restoring = laptop.completed_job_as(&laptop_admin, job_id);
    let letting_through = async {
        // All three downloads are asked for before the first is answered.
        wait_for_downloads(&downloads, 3).await;
        downloads.open_up();
    };
    let (job, ()) = tokio::join!(restoring, letting_through);
    assert!(job.error_log.is_empty(), "{:?}", job.error_log);

    let fingerprint = |outputs: Vec<sitebook_core::store::outputs::OutputView>| {
        let mut seen: Vec<(String, String, i64)> = outputs
            .into_iter()
            .map(|o| (o.filename, o.sha256, o.size))
            .collect();
        seen.sort();
        seen
    };
    let made = fingerprint(fx.core.outputs_list(&admin, None).await.unwrap());
    let restored = fingerprint(
        laptop
            .core
            .outputs_list(&laptop_admin, Some(job_id))
            .await
            .unwrap(),
    );
    assert_eq!(restored.len(), 3);
    assert_eq!(restored, made, "each file restored whole, under its name");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_a_crash_left_written_but_unrecorded_is_taken_up_not_restored_beside_itself() {
    let (server, _fx, _admin) = synced_laptop().await;
    let mut objects = server.objects();
    objects.sort();
    assert_eq!(objects.len(), 3);
    let name_of = |key: &str| key.rsplit('/').next().unwrap().to_string();

    // A restore stopped by a crash after its batch's renames and before its commit: the first
    // object's file is in place with its bytes and no row. The second object's name is taken by
    // a file of other bytes that no row names either (put there by hand).
    let (laptop, laptop_admin) = device("new-laptop").await;
    server.configure(&laptop, &laptop_admin).await;
    let folder = laptop.dir.path().join("outputs/aaa");
    std::fs::create_dir_all(&folder).unwrap();
    let (left_key, left_bytes) = &objects[0];
    let (other_key, other_bytes) = &objects[1];
    std::fs::write(folder.join(name_of(left_key)), left_bytes).unwrap();
    let stranger = b"someone else's file under the same name".to_vec();
    std::fs::write(folder.join(name_of(other_key)), &stranger).unwrap();

    let job_id = new_restore(&laptop, &laptop_admin).await;
    let job = laptop.completed_job_as(&laptop_admin, job_id).await;
    assert!(job.error_log.is_empty(), "{:?}", job.error_log);
    let restored = laptop
        .core
        .outputs_list(&laptop_admin, Some(job_id))
        .await
        .unwrap();
    assert_eq!(restored.len(), 3, "{restored:?}");

    let (stem, extension) = name_of(other_key)
        .rsplit_once('.')
        .map(|(stem, ext)| (stem.to_string(), ext.to_string()))
        .unwrap();
    let expected_names: std::collections::BTreeSet<String> = [
        name_of(left_key),
        format!("{stem} (restored 2).{extension}"),
        name_of(&objects[2].0),
    ]
    .into();
    let names: std::collections::BTreeSet<String> =
        restored.iter().map(|o| o.filename.clone()).collect();
    assert_eq!(
        names, expected_names,
        "the file left in place keeps its name"
    );
    for output in &restored {
        let bytes = read_output(&laptop, &laptop_admin, output.id).await;
        assert!(
            objects.iter().any(|(_, object)| *object == bytes),
            "{} holds an object's bytes",
            output.filename
        );
        assert_eq!(output.sync_state, "synced", "{output:?}");
    }
    // No second copy of the file taken up, and the stranger's file untouched.
    let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert_eq!(on_disk.len(), 4, "{on_disk:?}");
    assert_eq!(
        std::fs::read(folder.join(name_of(other_key))).unwrap(),
        stranger
    );
    assert_ne!(other_bytes, &stranger);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_left_in_place_that_gains_its_row_during_the_restore_is_not_recorded_twice() {
    let (server, _fx, _admin, downloads) = synced_laptop_holding_downloads().await;
    let mut objects = server.objects();
    objects.sort();
    let (key, bytes) = objects[0].clone();
    let name = key.rsplit('/').next().unwrap().to_string();
    let (laptop, laptop_admin) = device("new-laptop").await;
    server.configure(&laptop, &laptop_admin).await;
    let folder = laptop.dir.path().join("outputs/aaa");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(&name), &bytes).unwrap();

    let job_id = new_restore(&laptop, &laptop_admin).await;
    let restoring = laptop.completed_job_as(&laptop_admin, job_id);
    let meanwhile = async {
        // The restore has read the names here and waits for its downloads; now a job of this
        // device records the same file under the same name, as its commit would.
        wait_for_downloads(&downloads, 1).await;
        let other_job = another_job_beside(&laptop, job_id).await;
        seed_output(&laptop, other_job, &name, &bytes).await;
        downloads.open_up();
    };
    let (job, ()) = tokio::join!(restoring, meanwhile);
    assert!(job.error_log.is_empty(), "{:?}", job.error_log);

    let outputs = laptop.core.outputs_list(&laptop_admin, None).await.unwrap();
    let named: Vec<&str> = outputs
        .iter()
        .map(|o| o.filename.as_str())
        .filter(|filename| *filename == name)
        .collect();
    assert_eq!(named.len(), 1, "one row names the file: {outputs:?}");
    assert_eq!(outputs.len(), 3, "{outputs:?}");
    assert!(
        outputs.iter().all(|o| !o.filename.contains("(restored")),
        "{outputs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_asked_for_twice_runs_once_and_restores_each_file_once() {
    let (server, _fx, _admin) = synced_laptop().await;
    let (laptop, laptop_admin) = device("new-laptop").await;
    server.configure(&laptop, &laptop_admin).await;

    // Restore clicked twice before anything happened: the second click gets the first job.
    let first = laptop.core.sync_restore(&laptop_admin).await.unwrap();
    let second = laptop.core.sync_restore(&laptop_admin).await.unwrap();
    assert!(
        !first.already_underway,
        "the first request queues a restore"
    );
    assert_eq!(
        second.job_id, first.job_id,
        "one restore at a time per organization"
    );
    assert!(
        second.already_underway,
        "the second request is told it joined the restore under way"
    );
    let first = first.job_id;
    let job = laptop.completed_job_as(&laptop_admin, first).await;
    assert!(job.error_log.is_empty(), "{:?}", job.error_log);

    let outputs = laptop.core.outputs_list(&laptop_admin, None).await.unwrap();
    assert_eq!(outputs.len(), 3, "each file restored once: {outputs:?}");
    assert!(
        outputs.iter().all(|o| !o.filename.contains("(restored")),
        "{outputs:?}"
    );

    // Once it has ended, asking again starts a new restore (which finds nothing to fetch).
    let again = laptop.core.sync_restore(&laptop_admin).await.unwrap();
    assert!(!again.already_underway, "the last restore has ended");
    let again = again.job_id;
    assert_ne!(again, first);
    laptop.completed_job_as(&laptop_admin, again).await;
    assert_eq!(
        laptop
            .core
            .outputs_list(&laptop_admin, None)
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_orgs_whose_codes_differ_only_by_a_dash_keep_apart_in_the_bucket() {
    let server = S3Server::start().await;
    let fx = fixture_with(|options| options.sync = quick_sync()).await;
    // Made in this order, the second's local slug is 'pwd-zone-1-2'; on another computer, made
    // the other way round, it would be 'pwd-zone-1': a folder named after slugs would mix the
    // two there. The bucket folder is the code itself.
    fx.org("PWD-Zone_1").await;
    fx.org("PWD-Zone-1").await;
    for code in ["PWD-Zone_1", "PWD-Zone-1"] {
        let session = fx.root_in(code).await;
        make_outputs(&fx, &session, &format!("{code}.xlsx")).await;
        server.configure(&fx, &session).await;
        assert_eq!(fx.core.sync_run(&session).await.unwrap().synced, 3);
    }
    let keys: Vec<String> = server.objects().into_iter().map(|(key, _)| key).collect();
    let under = |folder: &str| keys.iter().filter(|k| k.starts_with(folder)).count();
    assert_eq!(under("sitebook/pwd-zone_1/"), 3, "{keys:?}");
    assert_eq!(under("sitebook/pwd-zone-1/"), 3, "{keys:?}");
    assert_eq!(keys.len(), 6, "{keys:?}");

    // The upgrade of a data dir synced under slugs: the orgs whose slug is not their code get
    // their outputs sent again (to the code's folder); the others are left as they are.
    fx.org("MOH").await;
    let moh = fx.root_in("MOH").await;
    make_outputs(&fx, &moh, "moh.xlsx").await;
    server.configure(&fx, &moh).await;
    assert_eq!(fx.core.sync_run(&moh).await.unwrap().synced, 3);
    let pool = fx.core.unscoped_pool_for_tests();
    sqlx::raw_sql(include_str!(
        "../../../migrations/0021_sync_keys_by_code.sql"
    ))
    .execute(pool)
    .await
    .unwrap();
    for (code, pending) in [("PWD-Zone_1", 3), ("PWD-Zone-1", 3), ("MOH", 0)] {
        let session = fx.root_in(code).await;
        let counts = fx.core.sync_status(&session).await.unwrap().counts;
        assert_eq!(counts.pending, pending, "{code}: {counts:?}");
        // Sent again, they meet what is there already, and nothing is stored twice.
        assert_eq!(
            fx.core.sync_run(&session).await.unwrap().synced,
            3,
            "{code}"
        );
    }
    assert_eq!(server.objects().len(), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_check_sends_again_what_was_deleted_there_and_keeps_what_replaced_ours() {
    let (server, fx, admin) = synced_laptop().await;

    // Nothing changed in the bucket: the check finds everything and sends nothing.
    let quiet = fx.core.sync_check(&admin, false).await.unwrap();
    assert_eq!(quiet.check.checked, 3);
    assert!(quiet.check.missing.is_empty() && quiet.check.altered.is_empty());
    assert!(
        quiet
            .summary
            .starts_with("All 3 synced outputs of AAA are in the bucket"),
        "{}",
        quiet.summary
    );

    // Someone deletes the PDF in the bucket's console and overwrites the JSON with a shorter
    // file of their own (s3s-fs keeps objects as plain files, their metadata beside them).
    let pdf = output_of_kind(&fx, &admin, "pdf").await;
    let json = output_of_kind(&fx, &admin, "json").await;
    std::fs::remove_file(server.object_path("pdf", &pdf.filename)).unwrap();
    let foreign = b"{\"not\": \"ours\"}".to_vec();
    std::fs::write(server.object_path("json", &json.filename), &foreign).unwrap();

    let report = fx.core.sync_check(&admin, false).await.unwrap();
    assert_eq!(report.check.checked, 3);
    assert_eq!(report.check.missing, vec![pdf.filename.clone()]);
    assert_eq!(report.check.altered, vec![json.filename.clone()]);
    assert!(
        report.summary.contains("1 was no longer in the bucket")
            && report
                .summary
                .contains("1 was replaced there by other content")
            && report.summary.contains("They are in line to be sent again")
            && report.summary.contains(
                "After sending again: 2 synced, 1 kept as conflicts, 0 waiting, 0 failed."
            ),
        "{}",
        report.summary
    );
    // Sent again at once: the PDF under its own key, ours of the JSON beside the foreign one.
    assert_eq!(
        (
            report.counts.synced,
            report.counts.conflict,
            report.counts.pending
        ),
        (2, 1, 0),
        "{:?}",
        report.counts
    );
    let objects = server.objects();
    assert_every_output_is_among(&fx, &admin, &objects).await;
    let pdf_key = format!("sitebook/aaa/pdf/{}", pdf.filename);
    assert!(
        objects.iter().any(|(key, _)| *key == pdf_key),
        "{objects:?}"
    );
    let json_key = format!("sitebook/aaa/json/{}", json.filename);
    let (_, held) = objects.iter().find(|(key, _)| *key == json_key).unwrap();
    assert_eq!(*held, foreign, "what replaced ours is not overwritten");

    // A second check finds everything where the first put it.
    let after = fx.core.sync_check(&admin, false).await.unwrap();
    assert_eq!(
        (after.check.checked, after.check.requeued()),
        (3, 0),
        "{}",
        after.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_check_with_sync_paused_queues_what_is_missing_and_sends_nothing() {
    let (server, fx, admin) = synced_laptop().await;
    fx.core.sync_set_enabled(&admin, false).await.unwrap();
    let xlsx = output_of_kind(&fx, &admin, "xlsx").await;
    let object = server.object_path("xlsx", &xlsx.filename);
    std::fs::remove_file(&object).unwrap();

    let report = fx.core.sync_check(&admin, false).await.unwrap();
    assert_eq!(report.check.missing, vec![xlsx.filename.clone()]);
    assert_eq!((report.counts.synced, report.counts.pending), (2, 1));
    assert!(
        report.summary.contains("Sync is paused"),
        "{}",
        report.summary
    );
    assert!(!object.exists(), "nothing was sent while paused");

    fx.core.sync_set_enabled(&admin, true).await.unwrap();
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((counts.synced, counts.pending), (3, 0), "{counts:?}");
    assert_eq!(
        std::fs::read(&object).unwrap(),
        read_output(&fx, &admin, xlsx.id).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_syncer_checks_the_bucket_by_itself_and_sends_again_what_was_deleted() {
    // Every pass checks; the app's default is once a day.
    let (server, fx, admin) = synced_laptop_polling(Duration::ZERO).await;
    let pdf = output_of_kind(&fx, &admin, "pdf").await;
    let object = server.object_path("pdf", &pdf.filename);
    let sent = std::fs::read(&object).unwrap();

    let syncer = fx.core.spawn_syncer();
    std::fs::remove_file(&object).unwrap();
    // Back in the bucket, and its row settled again (a row is synced only once the object
    // was read back whole).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let counts = fx.core.sync_status(&admin).await.unwrap().counts;
        if object.exists() && (counts.synced, counts.pending, counts.uploading) == (3, 0, 0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the deleted object was not sent again: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    syncer.abort();
    assert_eq!(std::fs::read(&object).unwrap(), sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_another_port_of_the_same_host_is_checked_and_given_every_output() {
    // The app's daily check: only the settings saved below make a check due.
    let (first, fx, admin) = synced_laptop_polling(SyncTuning::default().check_every).await;
    // Another port of the same host is taken for the same store (a proxy put in front, say),
    // so nothing is queued again when it is saved; but it may be another server. The
    // background syncer lists the bucket before its next pass and sends what it lacks.
    let second = S3Server::start().await;
    assert_eq!(second.address.ip(), first.address.ip());
    second.configure(&fx, &admin).await;
    assert_eq!(fx.core.sync_status(&admin).await.unwrap().counts.synced, 3);

    let syncer = fx.core.spawn_syncer();
    let held = |server: &S3Server| -> Vec<String> {
        server.objects().into_iter().map(|(key, _)| key).collect()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let counts = fx.core.sync_status(&admin).await.unwrap().counts;
        if held(&second) == held(&first) && (counts.synced, counts.pending) == (3, 0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the second server did not get the outputs: {counts:?} {:?}",
            held(&second)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    syncer.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_run_by_hand_checks_a_newly_set_bucket_first_and_gives_it_every_output() {
    let (first, fx, admin) = synced_laptop_polling(SyncTuning::default().check_every).await;
    let second = S3Server::start().await;
    second.configure(&fx, &admin).await;
    let held = |server: &S3Server| -> Vec<String> {
        server.objects().into_iter().map(|(key, _)| key).collect()
    };
    assert_eq!(held(&first).len(), 3);
    assert!(held(&second).is_empty());
    let target = fx.core.sync_status(&admin).await.unwrap().target.unwrap();
    assert_eq!(target.checked_at, None, "saved settings make a check due");

    // No background syncer: `sitebook sync run` (the desktop's "Sync now") alone.
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!(held(&second), held(&first));
    assert_eq!((counts.synced, counts.pending), (3, 0));
    let target = fx.core.sync_status(&admin).await.unwrap().target.unwrap();
    assert!(target.checked_at.is_some(), "the check is recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_held_up_by_its_configurers_departure_says_so_and_resumes_as_whoever_turns_it_on() {
    let (server, fx, _alice) = synced_laptop_polling(SyncTuning::default().check_every).await;
    fx.member("carol", "AAA", MembershipRole::Admin).await;
    let carol = fx.sign_in("carol").await;
    assert_eq!(
        fx.core
            .sync_status(&carol)
            .await
            .unwrap()
            .target
            .unwrap()
            .halted,
        None
    );

    // Alice, who set sync up, leaves; the syncer acts as her and so sends nothing more.
    fx.core.member_remove(&carol, "alice").await.unwrap();
    make_outputs(&fx, &carol, "bridge.xlsx").await;
    let syncer = fx.core.spawn_syncer();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let status = fx.core.sync_status(&carol).await.unwrap();
    assert_eq!((status.counts.synced, status.counts.pending), (3, 3));
    let halted = status.target.unwrap().halted.expect("the hold-up is told");
    assert!(
        halted.contains("alice, who saved these settings, may no longer change sync in AAA"),
        "{halted}"
    );
    assert!(halted.contains("turns sync on again"), "{halted}");

    // Carol turns it on again (it never went off): the syncer now acts as her.
    let view = fx.core.sync_set_enabled(&carol, true).await.unwrap();
    assert_eq!(view.halted, None);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let counts = fx.core.sync_status(&carol).await.unwrap().counts;
        if counts.synced == 6 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sync did not resume: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    syncer.abort();
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_check_is_remembered_so_a_restarted_syncer_does_not_check_again() {
    let (server, fx, admin) = synced_laptop_polling(SyncTuning::default().check_every).await;
    let checked_at = || async {
        let status = fx.core.sync_status(&admin).await.unwrap();
        status.target.unwrap().checked_at
    };
    // The setup's `sync run` made the first check; saved again, the settings are new.
    assert!(checked_at().await.is_some());
    server.configure(&fx, &admin).await;
    assert_eq!(checked_at().await, None, "new settings: never checked");

    // The first syncer finds the bucket unchecked, checks it, and notes when.
    let syncer = fx.core.spawn_syncer();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let first = loop {
        if let Some(at) = checked_at().await {
            break at;
        }
        assert!(std::time::Instant::now() < deadline, "never checked");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    syncer.abort();

    // As the app starts again, the next day's check is not due: a deleted object stays
    // deleted through many passes of a new syncer.
    let pdf = output_of_kind(&fx, &admin, "pdf").await;
    let object = server.object_path("pdf", &pdf.filename);
    std::fs::remove_file(&object).unwrap();
    let syncer = fx.core.spawn_syncer();
    tokio::time::sleep(Duration::from_secs(2)).await;
    syncer.abort();
    assert!(
        !object.exists(),
        "the restarted syncer listed the bucket again"
    );
    assert_eq!(checked_at().await.as_deref(), Some(first.as_str()));

    // Asked for, the check runs and sends the object again; new settings clear the time.
    let report = fx.core.sync_check(&admin, false).await.unwrap();
    assert_eq!(report.check.missing, std::slice::from_ref(&pdf.filename));
    assert!(object.exists());
    assert!(checked_at().await.is_some());
    server.configure(&fx, &admin).await;
    assert_eq!(checked_at().await, None, "a saved target is checked anew");
}

/// Objects another tool stored in the org's pdf folder under names `object_store` refuses (a
/// line break, a tab, and a control character that XML 1.0 cannot carry at all), sorting
/// before, among and after Sitebook's own.
const UNREADABLE_NAMES: [&str; 4] = [
    "0\ncopied first.pdf",
    "copied\u{1}by script.pdf",
    "copied\nby hand.pdf",
    "zz\tlast.pdf",
];

fn put_unreadable_names(server: &S3Server) {
    for name in UNREADABLE_NAMES {
        std::fs::write(server.object_path("pdf", name), b"%PDF-1.7").unwrap();
    }
}

fn shown(name: &str) -> String {
    name.replace(['\n', '\t', '\u{1}'], "\u{2424}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_sets_aside_objects_whose_names_cannot_be_read_and_goes_on() {
    let (server, fx, admin) = synced_laptop().await;
    put_unreadable_names(&server);
    // More names than one page of the listing holds (1,000), so it goes on across pages, after
    // a name set aside, and into the next kind folder (xlsx sorts after pdf).
    for n in 0..1200 {
        std::fs::write(
            server.object_path("pdf", &format!("plain-{n:04}.pdf")),
            b"x",
        )
        .unwrap();
    }
    let pdf = output_of_kind(&fx, &admin, "pdf").await;
    std::fs::remove_file(server.object_path("pdf", &pdf.filename)).unwrap();

    let report = fx.core.sync_check(&admin, false).await.unwrap();
    assert_eq!(report.check.checked, 3);
    assert_eq!(
        report.check.missing,
        std::slice::from_ref(&pdf.filename),
        "only the removed output is missing: the listing lost nothing after the names set aside"
    );
    assert!(report.check.altered.is_empty(), "{:?}", report.check);
    let expected: Vec<String> = UNREADABLE_NAMES
        .iter()
        .map(|name| format!("sitebook/aaa/pdf/{}", shown(name)))
        .collect();
    assert_eq!(report.check.unreadable, expected);
    let summary = &report.summary;
    assert!(
        summary.contains("4 objects under AAA's folder whose names Sitebook cannot read")
            && summary.contains(&expected[1])
            && summary.contains("left as they are"),
        "{summary}"
    );
    assert!(!summary.contains(['\n', '\t', '\u{1}']), "{summary:?}");
    assert!(
        server.object_path("pdf", &pdf.filename).exists(),
        "the missing output was sent again"
    );
}

/// Restores `server`'s bucket on a new laptop, checks the three outputs of road.xlsx came back,
/// and returns what the restore's job log says it passed over.
async fn restored_on_a_new_laptop(server: &S3Server) -> Vec<String> {
    let (laptop, laptop_admin) = device("new-laptop").await;
    server.configure(&laptop, &laptop_admin).await;
    let job_id = new_restore(&laptop, &laptop_admin).await;
    let job = laptop.completed_job_as(&laptop_admin, job_id).await;
    let restored = laptop
        .core
        .outputs_list(&laptop_admin, Some(job_id))
        .await
        .unwrap();
    let mut kinds: Vec<&str> = restored.iter().map(|o| o.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, ["json", "pdf", "xlsx"], "{restored:?}");
    job.error_log.into_iter().map(|e| e.error).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_passes_over_names_it_cannot_read_and_restores_the_rest() {
    let (server, _fx, _admin) = synced_laptop().await;
    put_unreadable_names(&server);

    let passed_over = restored_on_a_new_laptop(&server).await;
    for name in UNREADABLE_NAMES {
        assert!(
            passed_over
                .iter()
                .any(|e| e.contains(&shown(name)) && e.contains("cannot read")),
            "{name:?} in {passed_over:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_fetches_objects_named_with_percent_or_brackets_by_their_own_names() {
    let (server, _fx, _admin) = synced_laptop().await;
    // Put there by another tool, under names `object_store` would percent-encode (asking for
    // "Bill 50%25 final.pdf", no such object): the restore had failed on the first of them,
    // its own outputs thrown away, blaming the bucket's name and region.
    let foreign = ["Bill 50% final.pdf", "Bill #3 [draft].pdf"];
    for name in foreign {
        std::fs::write(server.object_path("pdf", name), b"%PDF-1.7").unwrap();
    }
    // Each was fetched under its own name and found not to be Sitebook's.
    let passed_over = restored_on_a_new_laptop(&server).await;
    for name in foreign {
        assert!(
            passed_over
                .iter()
                .any(|e| e.contains(name) && e.contains("carries no sha256")),
            "{name:?} in {passed_over:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_check_is_seen_to_move_in_the_sync_feed_and_leaves_it_when_done() {
    // The server lets each download through only when the test says.
    let (server, fx, admin, downloads) = synced_laptop_holding_downloads().await;
    let in_folder = server
        .objects()
        .iter()
        .filter(|(key, _)| key.starts_with("sitebook/aaa/"))
        .count() as u64;
    assert!(fx
        .core
        .sync_status(&admin)
        .await
        .unwrap()
        .checking
        .is_none());

    let mut feed = fx.core.subscribe_sync(&admin).await.unwrap();
    let checking = fx.core.sync_check(&admin, true);
    let watching = async {
        for compared in 0..3u64 {
            let wanted = BucketCheckProgress {
                deep: true,
                listed: in_folder,
                compared,
                outputs: 3,
            };
            let seen = tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    let status = feed.next().await.expect("the core runs");
                    if status.checking == Some(wanted) {
                        break;
                    }
                }
            })
            .await;
            assert!(seen.is_ok(), "never saw {wanted:?}");
            if compared == 0 {
                // The outputs are read back side by side, not one after another.
                wait_for_downloads(&downloads, 3).await;
            }
            downloads.let_through(1);
        }
    };
    let (report, ()) = tokio::join!(checking, watching);
    let report = report.unwrap();
    assert_eq!(report.check.checked, 3);
    assert_eq!(report.check.requeued(), 0, "{}", report.summary);
    let after = tokio::time::timeout(Duration::from_secs(5), feed.next())
        .await
        .expect("the end of the check is news")
        .unwrap();
    assert_eq!(after.checking, None);
    assert!(after.target.unwrap().checked_at.is_some());
    assert_eq!(fx.core.sync_status(&admin).await.unwrap().checking, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_deleted_while_the_deep_check_reads_it_is_found_missing_not_a_failure() {
    let (server, fx, admin, downloads) = synced_laptop_holding_downloads().await;
    let pdf = output_of_kind(&fx, &admin, "pdf").await;

    let checking = fx.core.sync_check(&admin, true);
    let deleting = async {
        // Listed, and its download asked for: then someone deletes it in the bucket's console.
        wait_for_downloads(&downloads, 3).await;
        std::fs::remove_file(server.object_path("pdf", &pdf.filename)).unwrap();
        downloads.open_up();
    };
    let (report, ()) = tokio::join!(checking, deleting);
    let report = report.unwrap();
    assert_eq!(report.check.missing, std::slice::from_ref(&pdf.filename));
    assert!(report.check.altered.is_empty(), "{:?}", report.check);
    assert!(
        server.object_path("pdf", &pdf.filename).exists(),
        "sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_deep_check_notices_other_bytes_of_the_same_size() {
    let (server, fx, admin) = synced_laptop().await;
    // The JSON's object gets other bytes of the same length, its metadata untouched.
    let json = output_of_kind(&fx, &admin, "json").await;
    let object = server.object_path("json", &json.filename);
    let mut forged = std::fs::read(&object).unwrap();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b' ' { b'\n' } else { b' ' };
    std::fs::write(&object, &forged).unwrap();

    let quick = fx.core.sync_check(&admin, false).await.unwrap();
    assert_eq!(quick.check.requeued(), 0, "{}", quick.summary);

    let deep = fx.core.sync_check(&admin, true).await.unwrap();
    assert_eq!(deep.check.checked, 3);
    assert_eq!(deep.check.altered, vec![json.filename.clone()]);
    assert!(deep.check.missing.is_empty());
    // Ours goes beside the forged object, which is left as it is.
    assert_eq!(
        (deep.counts.synced, deep.counts.conflict),
        (2, 1),
        "{:?}",
        deep.counts
    );
    assert_eq!(std::fs::read(&object).unwrap(), forged);
    let ours = read_output(&fx, &admin, json.id).await;
    assert!(
        server
            .objects()
            .iter()
            .any(|(key, bytes)| key.contains("(conflict from laptop-1 ") && *bytes == ours),
        "{:?}",
        server.objects().iter().map(|(k, _)| k).collect::<Vec<_>>()
    );
}
