//! The inbox watcher, with real files and real inotify.
//!
//! - Latency: from the last byte of a workbook being written (file closed) to its parse job being
//!   queued. Target: at most the settling period (2 s) + 500 ms.
//! - Drain: 200 workbooks copied in at once, until every one has been parsed and moved to
//!   `imported/`.

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "../tests/workbooks/mod.rs"]
mod workbooks;

use criterion::{criterion_group, criterion_main, Criterion};
use sitebook_core::api::OpenOptions;
use sitebook_core::inbox::{InboxNews, InboxOutcome};
use sitebook_core::jobs::WorkerProgram;
use sitebook_core::tenancy::accounts::Password;
use sitebook_core::Sitebook;
use tokio::sync::broadcast::Receiver;

const BURST: usize = 200;

async fn wait_for(news: &mut Receiver<InboxNews>, outcome: InboxOutcome, count: usize) {
    let mut seen = 0;
    while seen < count {
        match news.recv().await {
            Ok(item) if item.outcome == outcome => seen += 1,
            Ok(item) if item.outcome == InboxOutcome::Failed => panic!("{item:?}"),
            Ok(_) => {}
            Err(e) => panic!("the watcher's news stopped: {e}"),
        }
    }
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.flatten().count())
}

fn inbox(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut options = OpenOptions::new(dir.path().join("data"));
    options.jobs.worker_program =
        WorkerProgram::Program(env!("CARGO_BIN_EXE_sitebook-parse-worker").into());
    let core = runtime.block_on(Sitebook::open(options)).unwrap();
    let root = runtime
        .block_on(core.init_first_account("root", "Root Admin", Password::new("bench-password")))
        .unwrap();
    let folder = dir.path().join("inbox");
    runtime.block_on(core.inbox_set(&root, &folder)).unwrap();
    let _pool = runtime.block_on(core.start_workers(None)).unwrap();
    let _watcher = runtime.enter();
    let _task = core.spawn_inbox();
    let staging = dir.path().join("staging");
    std::fs::create_dir(&staging).unwrap();
    let mut next = 0usize;
    let mut fresh = |count: usize| -> Vec<std::path::PathBuf> {
        (0..count)
            .map(|_| {
                next += 1;
                let path = staging.join(format!("estimate-{next:05}.xlsx"));
                std::fs::write(
                    &path,
                    workbooks::estimate_with_items(&format!("Bench road {next}"), 50),
                )
                .unwrap();
                path
            })
            .collect()
    };

    let mut group = c.benchmark_group("inbox");
    group.sample_size(10);
    group.bench_function("file complete to job queued (settle 2 s)", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let source = fresh(1).remove(0);
                let bytes = std::fs::read(&source).unwrap();
                let mut news = core.inbox_news();
                std::fs::write(folder.join(source.file_name().unwrap()), bytes).unwrap();
                let complete = Instant::now();
                runtime.block_on(wait_for(&mut news, InboxOutcome::Queued, 1));
                total += complete.elapsed();
                runtime.block_on(wait_for(&mut news, InboxOutcome::Imported, 1));
            }
            total
        })
    });
    group.bench_function("burst of 200 files, copied in to all imported", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let sources = fresh(BURST);
                let mut news = core.inbox_news();
                let before = files_in(&folder.join("imported"));
                let start = Instant::now();
                for source in &sources {
                    std::fs::copy(source, folder.join(source.file_name().unwrap())).unwrap();
                }
                runtime.block_on(wait_for(&mut news, InboxOutcome::Imported, BURST));
                total += start.elapsed();
                assert_eq!(files_in(&folder.join("imported")), before + BURST);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, inbox);
criterion_main!(benches);
