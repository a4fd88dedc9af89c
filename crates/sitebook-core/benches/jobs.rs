//! Throughput of the job engine: small-estimate parse jobs on the default pool (one worker per
//! core), each parsed in its own worker process and stored with `synchronous=FULL`. Target:
//! 1,000 queued jobs within 20 s on 2 cores. Each sample runs a batch of 100 jobs queued
//! beforehand (queueing is not timed); 1,000 jobs take ten batches.

use std::time::{Duration, Instant};

#[path = "../tests/workbooks/mod.rs"]
mod workbooks;

use criterion::{criterion_group, criterion_main, Criterion};
use sitebook_core::api::OpenOptions;
use sitebook_core::jobs::WorkerProgram;
use sitebook_core::tenancy::accounts::Password;
use sitebook_core::Sitebook;

const BATCH: usize = 100;

fn small_estimate(n: usize) -> Vec<u8> {
    let mut workbook = workbooks::estimate_workbook(&format!("Small work {n}"));
    let sheet = workbook.worksheet_from_name("Estimate").unwrap();
    for i in 0..5u32 {
        let row = 3 + i;
        sheet.write_number(row, 0, f64::from(i + 1)).unwrap();
        sheet.write_number(row, 1, 2.0).unwrap();
        sheet.write_string(row, 2, "Nos").unwrap();
        sheet
            .write_string(row, 3, format!("Item {i} of work {n}"))
            .unwrap();
        sheet.write_number(row, 4, 100.0).unwrap();
        sheet.write_number(row, 7, 200.0).unwrap();
    }
    sheet.write_string(8, 3, "ECV").unwrap();
    sheet.write_number(8, 7, 1000.0).unwrap();
    workbook.save_to_buffer().unwrap()
}

fn throughput(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut options = OpenOptions::new(dir.path());
    options.jobs.worker_program =
        WorkerProgram::Program(env!("CARGO_BIN_EXE_sitebook-parse-worker").into());
    options.jobs.poll_interval = Duration::from_millis(20);
    let core = runtime.block_on(Sitebook::open(options)).unwrap();
    let root = runtime
        .block_on(core.init_first_account("root", "Root Admin", Password::new("bench-password")))
        .unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut next = 0usize;

    let mut group = c.benchmark_group("jobs");
    group.sample_size(10);
    group.bench_function("100 small-estimate parse jobs, default pool", |b| {
        b.iter_custom(|batches| {
            let mut total = Duration::ZERO;
            for _ in 0..batches {
                let paths: Vec<_> = (0..BATCH)
                    .map(|_| {
                        next += 1;
                        let path = files.path().join(format!("work-{next}.xlsx"));
                        std::fs::write(&path, small_estimate(next)).unwrap();
                        path
                    })
                    .collect();
                runtime.block_on(core.upload(&root, &paths)).unwrap();
                let started = Instant::now();
                runtime.block_on(async {
                    let pool = core.start_workers(None).await.unwrap();
                    while core.unfinished_jobs().await.unwrap() > 0 {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    pool.shutdown().await;
                });
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
    let failed = runtime
        .block_on(core.jobs_list(&root, 100_000))
        .unwrap()
        .into_iter()
        .filter(|job| job.status != sitebook_core::jobs::JobStatus::Completed)
        .count();
    assert_eq!(failed, 0, "every benchmarked job completed");
}

criterion_group!(benches, throughput);
criterion_main!(benches);
