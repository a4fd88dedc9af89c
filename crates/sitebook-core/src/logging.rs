//! Logs: JSON lines through `tracing`, to a daily rolling file in the data dir's `logs/`
//! folder, keeping two weeks. Secrets never reach a log: passwords are not fields of any event.
//! Each day's file is private to the account (0600 on Unix), like everything in the data dir.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_appender::rolling::{Builder, RollingFileAppender, Rotation};
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
    let appender = PrivateDailyFiles::open(dir)?;
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

const FILE_PREFIX: &str = "sitebook";
const FILE_SUFFIX: &str = "log.json";

/// The rolling appender, with each day's file made private before the appender writes to it.
/// The appender opens its files with the process's default mode (0644 under the usual umask),
/// and a log names people, organizations and files; so the file for the day is created 0600
/// (or tightened, if the appender got there first) when the day changes, UTC like the
/// appender's own rotation.
struct PrivateDailyFiles {
    appender: RollingFileAppender,
    dir: PathBuf,
    private_day: NaiveDate,
}

impl PrivateDailyFiles {
    fn open(dir: PathBuf) -> Result<Self> {
        let today = chrono::Utc::now().date_naive();
        make_days_file_private(&dir, today)?;
        let appender = Builder::new()
            .rotation(Rotation::DAILY)
            .filename_prefix(FILE_PREFIX)
            .filename_suffix(FILE_SUFFIX)
            .max_log_files(14)
            .build(&dir)
            .map_err(|e| {
                Error::Internal(format!(
                    "Could not open the log file in {}: {e}",
                    dir.display()
                ))
            })?;
        Ok(Self {
            appender,
            dir,
            private_day: today,
        })
    }
}

impl Write for PrivateDailyFiles {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let today = chrono::Utc::now().date_naive();
        if today != self.private_day {
            // A log line matters less than the file's privacy, but neither is worth failing the
            // line over: a file that could not be tightened is repaired at the next start.
            let _ = make_days_file_private(&self.dir, today);
            self.private_day = today;
        }
        self.appender.write(line)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.appender.flush()
    }
}

/// The name the appender gives a day's file: `sitebook.2026-12-05.log.json`.
fn days_file(dir: &Path, day: NaiveDate) -> PathBuf {
    dir.join(format!(
        "{FILE_PREFIX}.{}.{FILE_SUFFIX}",
        day.format("%Y-%m-%d")
    ))
}

fn make_days_file_private(dir: &Path, day: NaiveDate) -> Result<()> {
    let path = days_file(dir, day);
    crate::store::files::create_private_file_if_missing(&path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(format!("Could not protect {}", path.display()), e))?;
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn modes(dir: &Path) -> Vec<(String, u32)> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|entry| {
                let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
                (entry.file_name().to_string_lossy().into_owned(), mode)
            })
            .collect()
    }

    #[test]
    fn the_days_log_file_is_private_and_is_the_one_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = PrivateDailyFiles::open(dir.path().to_path_buf()).unwrap();
        log.write_all(b"{\"msg\":\"one line\"}\n").unwrap();
        log.flush().unwrap();
        let files = modes(dir.path());
        // One file: the private one made ahead is the one the appender writes to.
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(files[0].1, 0o600, "{files:?}");
        let written = std::fs::read_to_string(dir.path().join(&files[0].0)).unwrap();
        assert!(written.contains("one line"), "{written}");
    }

    #[test]
    fn a_days_file_the_appender_made_first_is_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let path = days_file(dir.path(), day);
        std::fs::write(&path, b"").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        make_days_file_private(dir.path(), day).unwrap();
        assert_eq!(
            modes(dir.path()),
            vec![("sitebook.2026-12-06.log.json".to_string(), 0o600)]
        );
    }
}
