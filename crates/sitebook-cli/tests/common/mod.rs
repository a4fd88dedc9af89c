//! Shared by the CLI integration tests: the binary on a data folder, signed in as root, and the
//! core's fixture workbook.

#![allow(dead_code)]

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;
use std::path::Path;

/// The path of the core's fixture estimate workbook (`estimate.xlsx`).
pub fn fixture_workbook() -> String {
    format!(
        "{}/../sitebook-core/tests/fixtures/estimate.xlsx",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// `sitebook` as a plain process on the data folder `dir` as `root`, with `password` to sign in
/// or to set first.
pub fn root_process(dir: &Path, password: &str) -> std::process::Command {
    process_as(dir, "root", password)
}

/// [`root_process`], signed in as `user`.
pub fn process_as(dir: &Path, user: &str, password: &str) -> std::process::Command {
    let mut command = std::process::Command::cargo_bin("sitebook").unwrap();
    command
        .arg("--data-dir")
        .arg(dir)
        .args(["--user", user])
        .env("SITEBOOK_PASSWORD", password)
        .env("SITEBOOK_NEW_PASSWORD", password);
    command
}

/// [`root_process`] as an `assert_cmd` command.
pub fn sitebook_as_root(dir: &Path, password: &str) -> Command {
    Command::from_std(root_process(dir, password))
}

/// A connection to the database of the device in `dir`: to seed it, or to tamper with it as
/// someone holding the file could.
pub async fn database(dir: &Path) -> sqlx::SqliteConnection {
    use sqlx::ConnectOptions;
    sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join("sitebook.sqlite"))
        .connect()
        .await
        .unwrap()
}

/// A PDF's text as `pdftotext` gives it (with `-layout` when `layout`).
pub fn pdf_text(path: &Path, layout: bool) -> String {
    let mut command = std::process::Command::new("pdftotext");
    if layout {
        command.arg("-layout");
    }
    let output = command.arg(path).arg("-").output().expect("pdftotext");
    String::from_utf8_lossy(&output.stdout).into_owned()
}
