//! Where the time of one estimate parse goes, stage by stage, for profiling
//! (`benches/parse.rs` measures only the whole).
//!
//! ```text
//! cargo run --release -p sitebook-core --example parse_stages -- [FILE] [RUNS]
//! ```
//!
//! FILE defaults to the 10,000-item workbook `cargo bench --bench parse`
//! writes, RUNS to 20; each figure is the best of the runs. With
//! `STAGE=parse` only `parse_grids` is repeated (on grids read once), which
//! suits `perf record`; with `STAGE=all` only the whole `parse_estimate_bytes`.

use sitebook_core::excel::{limits, parse_estimate_bytes, parse_grids, reader, sniff, Limits};
use std::hint::black_box;
use std::time::{Duration, Instant};

const FILE: &str = "estimate.xlsx";

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "target/bench-workbooks/estimate-10000.xlsx".into());
    let runs: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let limits = Limits::default();
    let format = sniff::sniff_format(&bytes, FILE).expect("a workbook");

    match std::env::var("STAGE").as_deref() {
        Ok("parse") => {
            let grids = reader::read_sheets(&bytes, format, FILE, &limits).expect("readable");
            let parse = best_of(runs, || {
                black_box(parse_grids(FILE, &grids).expect("an estimate"));
            });
            println!("parse grids {:.2} ms (best of {runs})", ms(parse));
        }
        Ok("all") => {
            let whole = best_of(runs, || {
                black_box(parse_estimate_bytes(&bytes, FILE, &limits).expect("an estimate"));
            });
            println!("whole parse {:.2} ms (best of {runs})", ms(whole));
        }
        _ => {
            let mut best = [Duration::MAX; 4];
            for _ in 0..runs {
                let mut lap = Lap::start();
                limits::precheck(&bytes, format, FILE, &limits).expect("within limits");
                lap.record(&mut best[0]);
                let grids = reader::read_sheets(&bytes, format, FILE, &limits).expect("readable");
                lap.record(&mut best[1]);
                let parsed = parse_grids(FILE, &grids).expect("an estimate");
                lap.record(&mut best[2]);
                drop(black_box(parsed));
                drop(black_box(grids));
                lap.record(&mut best[3]);
            }
            let total: Duration = best.iter().sum();
            println!(
                "precheck {:.2} ms, read grids {:.2} ms, parse grids {:.2} ms, drop {:.2} ms, \
                 total {:.2} ms (best of {runs} per stage)",
                ms(best[0]),
                ms(best[1]),
                ms(best[2]),
                ms(best[3]),
                ms(total)
            );
        }
    }
}

/// The shortest of `runs` timings of `f`.
fn best_of(runs: u32, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Times consecutive stages.
struct Lap(Instant);

impl Lap {
    fn start() -> Self {
        Self(Instant::now())
    }

    /// Keeps the shorter of `best` and the time since the last record.
    fn record(&mut self, best: &mut Duration) {
        let now = Instant::now();
        *best = (*best).min(now - self.0);
        self.0 = now;
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
