//! The data dir belongs to the OS account that runs Sitebook (issue: reliability, defect 4):
//! on a shared office PC, another account must not read workbooks, bills, the audit log or
//! password hashes around the gate.
#![cfg(unix)]

mod common;
mod workbooks;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{fixture, test_clock, test_options};

/// Every folder and file under `root`, with its permission bits.
fn modes(root: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut found = vec![(root.to_path_buf(), true, mode(root))];
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            let is_dir = path.is_dir();
            found.push((path.clone(), is_dir, mode(&path)));
            if is_dir {
                folders.push(path);
            }
        }
    }
    found
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_dir_and_everything_sitebook_writes_there_is_private() {
    let fx = fixture().await;
    fx.parsed_estimate(workbooks::estimate_with_items("Private road", 4))
        .await;
    // The fixture saves the workbook it uploads beside the data; that file is the test's.
    let source = fx.dir.path().join("works.xlsx");
    let all: Vec<_> = modes(fx.dir.path())
        .into_iter()
        .filter(|(path, _, _)| *path != source)
        .collect();
    let files: Vec<_> = all.iter().filter(|(_, dir, _)| !dir).collect();
    for wanted in ["sitebook.sqlite", "uploads", "outputs"] {
        assert!(
            all.iter()
                .any(|(path, _, _)| path.to_string_lossy().contains(wanted)),
            "{wanted} was written: {all:?}"
        );
    }
    assert!(files.len() >= 3, "{all:?}");
    for (path, is_dir, mode) in &all {
        let wanted = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, wanted, "{} is {mode:o}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_left_readable_is_made_private_when_the_core_opens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let old_output = data.join("outputs/moh/bill-1.pdf");
    std::fs::create_dir_all(old_output.parent().unwrap()).unwrap();
    std::fs::write(&old_output, b"%PDF-1.7 an old bill").unwrap();
    for path in [&data, &data.join("outputs"), &data.join("outputs/moh")] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&old_output, std::fs::Permissions::from_mode(0o644)).unwrap();

    let core = sitebook_core::Sitebook::open(test_options(&data, test_clock()))
        .await
        .unwrap();
    drop(core);
    for (path, is_dir, mode) in modes(&data) {
        let wanted = if is_dir { 0o700 } else { 0o600 };
        assert_eq!(mode, wanted, "{} is {mode:o}", path.display());
    }
    assert_eq!(
        std::fs::read(&old_output).unwrap(),
        b"%PDF-1.7 an old bill",
        "repairing never touches content"
    );
}
