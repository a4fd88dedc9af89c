//! A real SigV4-checking S3 server (s3s-fs) for tests and benchmarks: the folders under a root
//! are its buckets. Shared by the sync tests (in process) and the `s3_test_server` example (a
//! process of its own, for the desktop end-to-end test and the rclone comparison).

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnectionBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use tokio::sync::Semaphore;

/// Serves `root` on `listener` with one access key, until the task is dropped.
#[allow(dead_code)] // Not every test binary that includes this module serves without a hold.
pub async fn serve(
    root: &Path,
    access_key: &str,
    secret_key: &str,
    listener: tokio::net::TcpListener,
) {
    serve_holding_downloads(root, access_key, secret_key, listener, None).await
}

/// Holds the server's object downloads (GETs of a key, not listings) until a test or a
/// benchmark lets them through, so it can see what happens while they wait.
#[derive(Debug)]
pub struct DownloadGate {
    permits: Semaphore,
    waiting: AtomicUsize,
    /// Added to every download, as a distant server's round trip would be (milliseconds).
    delay_ms: AtomicU64,
}

#[allow(dead_code)] // Each user of this module takes the part it needs.
impl DownloadGate {
    /// Downloads let through while the gate is open: more than any test or benchmark makes.
    const ALL_THROUGH: usize = 1 << 40;

    /// A gate that holds every download until [`DownloadGate::let_through`].
    pub fn closed() -> Arc<Self> {
        Arc::new(Self {
            permits: Semaphore::new(0),
            waiting: AtomicUsize::new(0),
            delay_ms: AtomicU64::new(0),
        })
    }

    /// A gate that lets every download through until [`DownloadGate::hold`].
    pub fn open() -> Arc<Self> {
        let gate = Self::closed();
        gate.open_up();
        gate
    }

    /// Lets `count` more downloads through.
    pub fn let_through(&self, count: usize) {
        self.permits.add_permits(count);
    }

    /// Holds the downloads from now on.
    pub fn hold(&self) {
        self.permits
            .forget_permits(self.permits.available_permits());
    }

    /// Lets every download through from now on.
    pub fn open_up(&self) {
        self.permits.add_permits(Self::ALL_THROUGH);
    }

    /// Makes every download take `delay` longer, as a bucket far away would.
    pub fn delay_each(&self, delay: std::time::Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// How many downloads wait at the gate now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    async fn pass(&self) {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        if let Ok(permit) = self.permits.acquire().await {
            permit.forget();
        }
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let delay = self.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
    }
}

/// [`serve`], where each download waits at `downloads`, when given.
pub async fn serve_holding_downloads(
    root: &Path,
    access_key: &str,
    secret_key: &str,
    listener: tokio::net::TcpListener,
    downloads: Option<Arc<DownloadGate>>,
) {
    let filesystem = s3s_fs::FileSystem::new(root).expect("the S3 root folder exists");
    let service = {
        let mut builder = S3ServiceBuilder::new(filesystem);
        builder.set_auth(SimpleAuth::from_single(access_key, secret_key));
        builder.build()
    };
    let http = ConnectionBuilder::new(TokioExecutor::new());
    while let Ok((socket, _)) = listener.accept().await {
        // Without it, a response written in two parts waits for the client's delayed ack: about
        // 40 ms a request on Linux, which no real service adds.
        let _ = socket.set_nodelay(true);
        let held = Holding {
            service: service.clone(),
            downloads: downloads.clone(),
            root: root.to_path_buf(),
        };
        let connection = http
            .serve_connection(TokioIo::new(socket), held)
            .into_owned();
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}

/// The S3 service, with the downloads held at a gate when one is given, and a folder's key
/// answered as S3 answers a missing object.
#[derive(Clone)]
struct Holding {
    service: S3Service,
    downloads: Option<Arc<DownloadGate>>,
    root: std::path::PathBuf,
}

type Served = Result<s3s::HttpResponse, s3s::HttpError>;

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Holding {
    type Response = s3s::HttpResponse;
    type Error = s3s::HttpError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Served> + Send>>;

    fn call(&self, request: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        // Path-style: "/bucket/key…" is an object, "/bucket" with a query a listing.
        let path = request.uri().path().trim_start_matches('/');
        let of_an_object = path.contains('/');
        let method = request.method();
        // s3s-fs answers a key that names one of its folders with a 500, where a real service
        // has no such object (404). rclone asks for its target that way first, and a 500 costs
        // it ten retries with back-off.
        let reads = *method == hyper::Method::GET || *method == hyper::Method::HEAD;
        if reads && of_an_object && self.root.join(path).is_dir() {
            let missing = hyper::Response::builder()
                .status(404)
                .header("content-type", "application/xml")
                .body(s3s::Body::from(
                    "<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>"
                        .to_string(),
                ))
                .expect("a plain response");
            return Box::pin(async move { Ok(missing) });
        }
        let is_download = *method == hyper::Method::GET && of_an_object;
        let downloads = self.downloads.clone().filter(|_| is_download);
        let service = self.service.clone();
        Box::pin(async move {
            if let Some(downloads) = downloads {
                downloads.pass().await;
            }
            hyper::service::Service::call(&service, request).await
        })
    }
}
