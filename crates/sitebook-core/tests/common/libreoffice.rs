//! LibreOffice, headless, as an independent reader of the workbooks we write: it exports a
//! sheet as the text a person sees (number formats applied), either from the cached values or
//! after recalculating every formula itself.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether LibreOffice recalculates formulas when it opens the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recalculate {
    /// Show the values cached in the file.
    Never,
    /// Compute every formula again and show that.
    Always,
}

/// The first sheet of `xlsx` as rows of cells, text as shown (formats applied).
pub fn sheet_as_shown(xlsx: &Path, recalculate: Recalculate) -> Vec<Vec<String>> {
    let work = tempfile::tempdir().unwrap();
    let profile = work.path().join("profile");
    let mode = match recalculate {
        Recalculate::Always => 0,
        Recalculate::Never => 1,
    };
    // OOXMLRecalcMode: 0 always, 1 never, 2 ask. Each run gets its own profile so that
    // parallel tests do not share one, and the setting is certain.
    std::fs::create_dir_all(profile.join("user")).unwrap();
    std::fs::write(
        profile.join("user/registrymodifications.xcu"),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"#
        ),
    )
    .unwrap();
    let output = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--convert-to",
            // Comma, quote, UTF-8, from line 1, …, "save cell contents as shown".
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
            "--outdir",
        ])
        .arg(work.path())
        .arg(xlsx)
        .output()
        .expect("LibreOffice (soffice) is installed by scripts/install-system-deps.sh --tests");
    assert!(
        output.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv: PathBuf = work
        .path()
        .join(xlsx.with_extension("csv").file_name().unwrap());
    let text = std::fs::read_to_string(&csv).unwrap_or_else(|e| {
        panic!(
            "soffice wrote no {}: {e}; it said {}",
            csv.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}
