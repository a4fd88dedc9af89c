//! A real SigV4-checking S3 server (s3s-fs) for tests and benchmarks: the folders under a root
//! are its buckets. Shared by the sync tests (in process) and the `s3_test_server` example (a
//! process of its own, for the desktop end-to-end test and the rclone comparison).

use std::path::Path;
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

/// [`serve`], where each download of an object (a GET of a key, not a listing) first waits for
/// a permit of `downloads`, when given: a test lets them through one by one to see what happens
/// in between.
pub async fn serve_holding_downloads(
    root: &Path,
    access_key: &str,
    secret_key: &str,
    listener: tokio::net::TcpListener,
    downloads: Option<Arc<Semaphore>>,
) {
    let filesystem = s3s_fs::FileSystem::new(root).expect("the S3 root folder exists");
    let service = {
        let mut builder = S3ServiceBuilder::new(filesystem);
        builder.set_auth(SimpleAuth::from_single(access_key, secret_key));
        builder.build()
    };
    let http = ConnectionBuilder::new(TokioExecutor::new());
    while let Ok((socket, _)) = listener.accept().await {
        let held = Holding {
            service: service.clone(),
            downloads: downloads.clone(),
        };
        let connection = http
            .serve_connection(TokioIo::new(socket), held)
            .into_owned();
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}

/// The S3 service, with the downloads held at a semaphore when one is given.
#[derive(Clone)]
struct Holding {
    service: S3Service,
    downloads: Option<Arc<Semaphore>>,
}

type Served = Result<s3s::HttpResponse, s3s::HttpError>;

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Holding {
    type Response = s3s::HttpResponse;
    type Error = s3s::HttpError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Served> + Send>>;

    fn call(&self, request: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        // Path-style: "/bucket/key…" is an object, "/bucket" with a query a listing.
        let is_download = request.method() == hyper::Method::GET
            && request.uri().path().trim_start_matches('/').contains('/');
        let downloads = self.downloads.clone().filter(|_| is_download);
        let service = self.service.clone();
        Box::pin(async move {
            if let Some(downloads) = downloads {
                if let Ok(permit) = downloads.acquire().await {
                    permit.forget();
                }
            }
            hyper::service::Service::call(&service, request).await
        })
    }
}
