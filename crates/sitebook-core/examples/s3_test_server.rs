//! A local S3 server for the desktop end-to-end test and the sync benchmark: s3s-fs, which
//! checks SigV4 signatures, presign expiry and multipart rules like a real service.
//!
//! `s3_test_server ROOT ACCESS_KEY SECRET_KEY [PORT]` serves the folders under ROOT as buckets on
//! 127.0.0.1 and prints `http://127.0.0.1:PORT` once it listens. Not a product feature: it is
//! built from dev-dependencies only.
//!
//! Lines on its standard input hold object downloads, so a test can see what the app shows while
//! one waits: `hold` makes the next downloads wait, `let N` lets N of them through, and `open`
//! lets all through again (as at the start). `S3_TEST_DOWNLOAD_DELAY_MS` adds that many
//! milliseconds to every download, as a bucket far away would (for the benchmarks).

#[path = "../tests/common/s3_server.rs"]
mod s3_server;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, access_key, secret_key, rest @ ..] = args.as_slice() else {
        eprintln!("usage: s3_test_server ROOT ACCESS_KEY SECRET_KEY [PORT]");
        std::process::exit(2);
    };
    let port = rest
        .first()
        .map_or(0, |p| p.parse::<u16>().expect("a port number"));
    std::fs::create_dir_all(root).expect("the root folder can be made");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free");
    println!("http://{}", listener.local_addr().expect("a bound address"));
    let downloads = s3_server::DownloadGate::open();
    if let Ok(ms) = std::env::var("S3_TEST_DOWNLOAD_DELAY_MS") {
        let ms = ms
            .parse()
            .expect("S3_TEST_DOWNLOAD_DELAY_MS is milliseconds");
        downloads.delay_each(std::time::Duration::from_millis(ms));
    }
    let gate = downloads.clone();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            match line.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["hold"] => gate.hold(),
                ["let", n] => gate.let_through(n.parse().expect("a count of downloads")),
                ["open"] => gate.open_up(),
                _ => eprintln!("s3_test_server: unknown command {line:?}"),
            }
        }
    });
    s3_server::serve_holding_downloads(
        std::path::Path::new(root),
        access_key,
        secret_key,
        listener,
        Some(downloads),
    )
    .await;
}
