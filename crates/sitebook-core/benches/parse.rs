//! Parsing speed and memory on the sizes the ingestion issue names: a 10,000-item estimate
//! (target ≤ 150 ms, peak RSS ≤ 100 MB) and a zip bomb (rejected within 1 s, RSS ≤ 200 MB).
//!
//! Time is measured in-process by criterion. Memory is the peak RSS of the real parse worker
//! process (`sitebook-parse-worker`, the same code uploads use), read with getrusage after it
//! exits. The workbooks are written to `target/bench-workbooks/` so that the openpyxl script
//! (`benches/openpyxl_parse.py`) reads the very same files.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../tests/workbooks/mod.rs"]
mod workbooks;

/// The allocator of the programs that parse uploads (see `sitebook_core::Allocator`).
#[global_allocator]
static ALLOCATOR: sitebook_core::Allocator = sitebook_core::Allocator;

use criterion::{criterion_group, Criterion};
use sitebook_core::excel::{parse_estimate_bytes, Limits};

const ITEMS: u32 = 10_000;

fn large_estimate() -> Vec<u8> {
    workbooks::estimate_with_items("Resurfacing of district roads, 10,000 items", ITEMS)
}

fn zip_bomb() -> Vec<u8> {
    use std::io::{Cursor, Write};
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#).unwrap();
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let chunk = vec![b'0'; 1 << 20];
    for _ in 0..1024 {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn bench_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-workbooks");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Set on the small launcher process that starts the worker to measure it.
const LAUNCH_WORKER_ENV: &str = "SITEBOOK_BENCH_LAUNCH_WORKER";

/// Peak RSS in MiB of one run of the parse worker on `path`.
///
/// Linux carries a process's peak RSS across `exec`, so a worker spawned
/// from this benchmark (hundreds of MiB in by now) would report this
/// process's peak, not its own. It is started instead from a launcher: this
/// program run afresh, which spawns the worker before it allocates anything.
fn worker_peak_rss_mib(path: &Path) -> f64 {
    let output = Command::new(std::env::current_exe().unwrap())
        .env(LAUNCH_WORKER_ENV, path)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    text.trim().parse::<f64>().unwrap() / 1024.0
}

/// The launcher's side: runs the worker on `path` and prints its peak RSS
/// in KiB.
fn launch_worker(path: &Path) {
    let settings = sitebook_core::jobs::JobSettings {
        worker_program: sitebook_core::jobs::WorkerProgram::Program(
            env!("CARGO_BIN_EXE_sitebook-parse-worker").into(),
        ),
        ..Default::default()
    };
    let name = path.file_name().unwrap().to_string_lossy();
    let mut worker = sitebook_core::jobs::worker_process::worker_command(&settings)
        .unwrap()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let request = sitebook_core::jobs::worker_process::request_line(path, &name);
    {
        use std::io::Write;
        // Dropped at the end of the block: a closed stdin ends the worker after this file.
        let mut stdin = worker.stdin.take().unwrap();
        stdin.write_all(request.as_bytes()).unwrap();
    }
    let status = worker.wait().unwrap();
    assert!(status.code().is_some(), "the worker was killed");
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    println!("{}", usage.ru_maxrss);
}

fn parsing(c: &mut Criterion) {
    let dir = bench_dir();
    let large = large_estimate();
    let large_path = dir.join("estimate-10000.xlsx");
    std::fs::write(&large_path, &large).unwrap();
    let bomb = zip_bomb();
    let bomb_path = dir.join("bomb.xlsx");
    std::fs::write(&bomb_path, &bomb).unwrap();

    let parsed = parse_estimate_bytes(&large, "estimate-10000.xlsx", &Limits::default()).unwrap();
    assert_eq!(parsed.sheets[0].items.len(), ITEMS as usize);
    println!(
        "peak RSS of the parse worker: zip bomb ({} KB file) {:.1} MiB",
        bomb.len() / 1024,
        worker_peak_rss_mib(&bomb_path)
    );
    println!(
        "peak RSS of the parse worker: 10,000-item estimate ({} KB file) {:.1} MiB",
        large.len() / 1024,
        worker_peak_rss_mib(&large_path)
    );

    let mut group = c.benchmark_group("parse");
    group.sample_size(20);
    group.bench_function("10,000-item estimate .xlsx", |b| {
        b.iter(|| parse_estimate_bytes(&large, "estimate-10000.xlsx", &Limits::default()).unwrap())
    });
    group.bench_function("zip bomb rejected (1 GiB inflated)", |b| {
        b.iter(|| parse_estimate_bytes(&bomb, "bomb.xlsx", &Limits::default()).unwrap_err())
    });
    group.finish();
}

/// What the fast reader (`excel/fastxlsx.rs`) gains on estimates of the sizes offices really
/// send, 50 to 2,000 items: the whole parse with it, and with calamine reading the sheets alone.
fn fast_reader_gain(c: &mut Criterion) {
    let mut group = c.benchmark_group("fast reader gain");
    group.sample_size(30);
    for items in [50u32, 200, 500, 1_000, 2_000] {
        let bytes = workbooks::estimate_with_items(&format!("Works of {items} items"), items);
        let name = format!("estimate-{items}.xlsx");
        let limits = Limits::default();
        group.bench_function(format!("{items} items, fast reader"), |b| {
            b.iter(|| parse_estimate_bytes(&bytes, &name, &limits).unwrap())
        });
        group.bench_function(format!("{items} items, calamine alone"), |b| {
            b.iter(|| {
                // The same checks first, so that only the reading differs.
                let format = sitebook_core::excel::sniff::sniff_format(&bytes, &name).unwrap();
                sitebook_core::excel::limits::precheck(&bytes, format, &name, &limits).unwrap();
                let grids = sitebook_core::excel::reader::read_xlsx_by_calamine_alone(
                    &bytes, &name, &limits,
                )
                .unwrap();
                sitebook_core::excel::parse_grids(&name, &grids).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parsing, fast_reader_gain);

fn main() {
    if let Some(path) = std::env::var_os(LAUNCH_WORKER_ENV) {
        launch_worker(Path::new(&path));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
