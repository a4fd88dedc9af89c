//! A dedicated parse-worker executable. The CLI and the desktop app answer to the worker
//! argument themselves; this binary exists so that the core's own tests have a worker program
//! without building either face.

/// See [`sitebook_core::Allocator`].
#[global_allocator]
static ALLOCATOR: sitebook_core::Allocator = sitebook_core::Allocator;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.split_first() {
        Some((first, rest)) if first == sitebook_core::jobs::worker_process::WORKER_ARG => {
            sitebook_core::jobs::worker_process::run_worker_main(rest)
        }
        _ => {
            eprintln!(
                "usage: sitebook-parse-worker {} LIMITS_JSON MEMORY_BYTES (then requests on stdin)",
                sitebook_core::jobs::worker_process::WORKER_ARG
            );
            2
        }
    };
    std::process::exit(code);
}
