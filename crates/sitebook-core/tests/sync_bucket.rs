//! The syncer against a real SigV4-checking S3 server (s3s-fs) on 127.0.0.1, started by the
//! test itself: outputs sync exactly once with their sha256, a restart picks up where a crash
//! left off, two devices of one org never overwrite each other, and a wrong secret fails in
//! plain words with nothing marked synced.

mod common;
mod workbooks;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{fixture_with, Fixture};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnectionBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use sitebook_core::domain::permissions::MembershipRole;
use sitebook_core::secrets::Secret;
use sitebook_core::sync::config::SyncSettings;
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
}

impl S3Server {
    async fn start(root: &Path) -> Self {
        std::fs::create_dir_all(root.join(BUCKET)).unwrap();
        let filesystem = s3s_fs::FileSystem::new(root).unwrap();
        let service = {
            let mut builder = S3ServiceBuilder::new(filesystem);
            builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            builder.build()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let http = ConnectionBuilder::new(TokioExecutor::new());
            while let Ok((socket, _)) = listener.accept().await {
                let connection = http
                    .serve_connection(TokioIo::new(socket), service.clone())
                    .into_owned();
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });
        Self {
            address,
            root: root.to_path_buf(),
            task,
        }
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

/// Uploads a small estimate named after `name`, runs its parse job, then renders its
/// abstract: three outputs (the parse result JSON, the abstract's PDF and XLSX).
async fn make_outputs(fx: &Fixture, session: &Session, name: &str) {
    let path = fx.dir.path().join(name);
    std::fs::write(&path, workbooks::estimate_with_items(name, 5)).unwrap();
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    let outcome = fx.core.upload(session, &[path]).await.unwrap();
    let job = fx
        .core
        .job_wait(session, outcome[0].job_id.unwrap(), |_| {})
        .await
        .unwrap();
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

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_sync_exactly_once_with_their_sha256_and_test_connection_works() {
    let storage = tempfile::tempdir().unwrap();
    let server = S3Server::start(storage.path()).await;
    let (fx, admin) = device("laptop-1").await;
    // Outputs made before sync was configured wait in the outbox.
    make_outputs(&fx, &admin, "road.xlsx").await;
    let before = fx.core.sync_status(&admin).await.unwrap();
    assert_eq!(before.counts.pending, 3, "{before:?}");

    fx.core
        .sync_configure(&admin, &server.settings(), Some(&Secret::new(SECRET_KEY)))
        .await
        .unwrap();
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
    let storage = tempfile::tempdir().unwrap();
    let server = S3Server::start(storage.path()).await;
    let (fx, admin) = device("laptop-1").await;
    make_outputs(&fx, &admin, "road.xlsx").await;
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
    fx.core
        .sync_configure(&admin, &server.settings(), Some(&Secret::new(SECRET_KEY)))
        .await
        .unwrap();
    let counts = fx.core.sync_run(&admin).await.unwrap();
    assert_eq!((counts.synced, counts.failed), (3, 0), "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_of_one_org_keep_both_copies_on_a_conflict() {
    let storage = tempfile::tempdir().unwrap();
    let server = S3Server::start(storage.path()).await;
    let (first, first_admin) = device("laptop-1").await;
    let (second, second_admin) = device("laptop-2").await;
    // The same file names with other content: the two workbooks have other names of work.
    make_outputs(&first, &first_admin, "road.xlsx").await;
    make_outputs(&second, &second_admin, "road-v2.xlsx").await;
    for (fx, admin) in [(&first, &first_admin), (&second, &second_admin)] {
        fx.core
            .sync_configure(admin, &server.settings(), Some(&Secret::new(SECRET_KEY)))
            .await
            .unwrap();
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
        for output in fx.core.outputs_list(admin, None).await.unwrap() {
            assert!(
                objects
                    .iter()
                    .any(|(_, bytes)| sha256_hex(bytes) == output.sha256),
                "{} of one device is missing",
                output.filename
            );
        }
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_left_uploading_by_a_crash_sync_after_a_restart() {
    let storage = tempfile::tempdir().unwrap();
    let server = S3Server::start(storage.path()).await;
    let (fx, admin) = device("laptop-1").await;
    make_outputs(&fx, &admin, "road.xlsx").await;
    fx.core
        .sync_configure(&admin, &server.settings(), Some(&Secret::new(SECRET_KEY)))
        .await
        .unwrap();
    // A syncer died mid-upload: its rows are still marked uploading.
    sqlx::query("UPDATE sync_outbox SET state = 'uploading'")
        .execute(fx.core.unscoped_pool_for_tests())
        .await
        .unwrap();
    assert_eq!(fx.core.sync_run(&admin).await.unwrap().synced, 0);

    // The background syncer of the next start puts them back in line and sends them.
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
