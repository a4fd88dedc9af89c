//! Opening an output in the system's own program, with a plain sentence when that cannot work.
//!
//! On Linux the opener asks `xdg-open`, which returns at once and reports nothing when no
//! program is set for the file's type, so a click on Open would do nothing silently. Here
//! `xdg-open` is run and its exit status read (it waits only while the desktop hands the file
//! over), and each failure becomes a sentence naming the file and what to do instead. Other
//! systems keep the opener plugin's answer.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What the person reads when the file could not be opened.
pub fn failure_sentence(
    path: &Path,
    status: Option<ExitStatus>,
    spawn_error: Option<&std::io::Error>,
) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let kind = path
        .extension()
        .map(|e| format!(".{} files", e.to_string_lossy().to_lowercase()))
        .unwrap_or_else(|| "this file".to_owned());
    if let Some(error) = spawn_error {
        return format!(
            "This system has no xdg-open to find a program for {kind} ({error}), so {name} was \
             not opened. Use Save as… and open the copy in your own program."
        );
    }
    match status.and_then(|s| s.code()) {
        Some(2) => format!("{name} is missing from the outputs folder, so it could not be opened."),
        Some(3) => format!(
            "No program on this computer is set to open {kind}, so {name} was not opened. \
             Install one (a PDF viewer, or a spreadsheet program for .xlsx), or use Save as…"
        ),
        Some(code) => format!(
            "The program set for {kind} could not open {name} (xdg-open exit status {code}). \
             Use Save as… and open the copy instead."
        ),
        None => {
            format!("Opening {name} was stopped before it finished. Try again, or use Save as…")
        }
    }
}

/// Opens `path` with the desktop's program for its type; `Err` says why it could not.
pub fn open_with_xdg(path: &Path) -> Result<(), String> {
    let mut child = match Command::new("xdg-open")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => return Err(failure_sentence(path, None, Some(&error))),
    };
    // xdg-open hands the file over and exits; a program that keeps it waiting has opened it.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(failure_sentence(path, Some(status), None)),
            Ok(None) if Instant::now() >= deadline => return Ok(()),
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => return Err(failure_sentence(path, None, Some(&error))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    fn exit(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    #[test]
    fn each_failure_names_the_file_and_what_to_do() {
        let path = Path::new("/data/outputs/root/estimate1-bill1-job3.pdf");
        let none = failure_sentence(path, Some(exit(3)), None);
        assert!(
            none.contains("No program on this computer is set to open .pdf files"),
            "{none}"
        );
        assert!(none.contains("estimate1-bill1-job3.pdf"), "{none}");
        let failed = failure_sentence(path, Some(exit(4)), None);
        assert!(
            failed.contains("could not open estimate1-bill1-job3.pdf"),
            "{failed}"
        );
        assert!(failed.contains("Save as"), "{failed}");
        let missing = failure_sentence(path, Some(exit(2)), None);
        assert!(missing.contains("missing"), "{missing}");
        let error = std::io::Error::from(std::io::ErrorKind::NotFound);
        let no_tool = failure_sentence(path, None, Some(&error));
        assert!(no_tool.contains("no xdg-open"), "{no_tool}");
    }

    #[test]
    fn a_failing_opener_is_reported_not_swallowed() {
        // A directory that does not exist: xdg-open (when present) fails, and the failure is
        // returned as a sentence; without xdg-open the sentence says so.
        let outcome = open_with_xdg(Path::new("/nonexistent-sitebook-dir/missing.pdf"));
        let message = outcome.expect_err("opening a missing file cannot succeed");
        assert!(message.contains("missing.pdf"), "{message}");
    }
}
