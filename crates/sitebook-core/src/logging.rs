//! Logs: JSON lines through `tracing`, to a daily rolling file in the data dir's `logs/`
//! folder, keeping two weeks. Secrets never reach a log: passwords are not fields of any event.

use std::path::Path;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::error::{Error, Result};

/// How many lines may wait for the writer thread. The library's default (128,000) is a channel
/// whose every slot is written when it is made: about 5 MiB of memory touched at start-up, the
/// largest single thing in the desktop app's own heap. At info level the app logs a few lines a
/// job, and the writer drains them as they come, so a burst of hundreds of jobs stays far below
/// this; past it, lines are dropped rather than making the app wait on the disk.
const BUFFERED_LINES: usize = 8_192;

/// Keeps the log writer running; dropping it flushes what is left.
pub type LogGuard = WorkerGuard;

/// Starts logging to `data_dir/logs/`. Keep the returned guard alive for the life of the
/// program: dropping it flushes and stops the writer.
pub fn init(data_dir: &Path) -> Result<WorkerGuard> {
    let dir = data_dir.join("logs");
    crate::store::files::create_private_dir(&dir).map_err(|source| {
        Error::io(
            format!("Could not create the log folder {}", dir.display()),
            source,
        )
    })?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("sitebook")
        .filename_suffix("log.json")
        .max_log_files(14)
        .build(&dir)
        .map_err(|e| {
            Error::Internal(format!(
                "Could not open the log file in {}: {e}",
                dir.display()
            ))
        })?;
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(appender);
    let filter = EnvFilter::try_from_env("SITEBOOK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().json().with_writer(writer))
        .try_init()
        .map_err(|e| Error::Internal(format!("Logging was already started: {e}")))?;
    Ok(guard)
}
