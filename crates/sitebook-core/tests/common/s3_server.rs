//! A real SigV4-checking S3 server (s3s-fs) for tests and benchmarks: the folders under a root
//! are its buckets. Shared by the sync tests (in process) and the `s3_test_server` example (a
//! process of its own, for the desktop end-to-end test and the rclone comparison).

use std::path::Path;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnectionBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

/// Serves `root` on `listener` with one access key, until the task is dropped.
pub async fn serve(
    root: &Path,
    access_key: &str,
    secret_key: &str,
    listener: tokio::net::TcpListener,
) {
    let filesystem = s3s_fs::FileSystem::new(root).expect("the S3 root folder exists");
    let service = {
        let mut builder = S3ServiceBuilder::new(filesystem);
        builder.set_auth(SimpleAuth::from_single(access_key, secret_key));
        builder.build()
    };
    let http = ConnectionBuilder::new(TokioExecutor::new());
    while let Ok((socket, _)) = listener.accept().await {
        let connection = http
            .serve_connection(TokioIo::new(socket), service.clone())
            .into_owned();
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}
