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
#[allow(dead_code)]
pub fn sheet_as_shown(xlsx: &Path, recalculate: Recalculate) -> Vec<Vec<String>> {
    let mut sheets = exported(xlsx, recalculate, 1);
    assert_eq!(sheets.len(), 1, "one sheet exported");
    sheets.remove(0).1
}

/// Every sheet of `xlsx` by name, in the workbook's order, as rows of cells as shown.
#[allow(dead_code)]
pub fn sheets_as_shown(xlsx: &Path, recalculate: Recalculate) -> Vec<(String, Vec<Vec<String>>)> {
    // Sheet −1 asks for every sheet, each in a file named `<stem>-<sheet>.csv`.
    exported(xlsx, recalculate, -1)
}

/// The text of `xlsx` as LibreOffice prints it (to PDF, as it would to paper, with the
/// column widths and number formats in the file): a figure too wide for its column prints
/// as `###`.
#[allow(dead_code)]
pub fn printed_text(xlsx: &Path) -> String {
    let work = tempfile::tempdir().unwrap();
    convert(xlsx, &work.path().join("profile"), "pdf", work.path());
    let stem = xlsx.file_stem().unwrap().to_string_lossy().into_owned();
    super::pdf_text(&work.path().join(format!("{stem}.pdf")))
}

/// Runs headless LibreOffice with its own `profile` to convert `xlsx` to `target` in `outdir`;
/// returns what it said.
///
/// LibreOffice itself sometimes aborts at start-up ("Unspecified Application Error"), most
/// often on its first runs on a new machine, when several start at once: that is a failure of
/// the reader, not of the file, so a run that wrote nothing is tried again, up to three times,
/// before the test fails with everything soffice said.
fn convert(xlsx: &Path, profile: &Path, target: &str, outdir: &Path) -> std::process::Output {
    const TRIES: usize = 3;
    let mut said = Vec::new();
    for attempt in 1..=TRIES {
        let output = Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args(["--headless", "--convert-to", target, "--outdir"])
            .arg(outdir)
            .arg(xlsx)
            .output()
            .expect("LibreOffice (soffice) is installed by scripts/install-system-deps.sh --tests");
        if output.status.success() {
            return output;
        }
        said.push(format!(
            "attempt {attempt} ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
        std::thread::sleep(std::time::Duration::from_millis(500 * attempt as u64));
    }
    panic!("soffice failed {TRIES} times: {}", said.join("\n"));
}

fn exported(xlsx: &Path, recalculate: Recalculate, sheet: i32) -> Vec<(String, Vec<Vec<String>>)> {
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
    // Comma, quote, UTF-8, from line 1, …, "save cell contents as shown", …, sheet.
    let target = format!(
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,{sheet}"
    );
    let output = convert(xlsx, &profile, &target, work.path());
    let stem = xlsx.file_stem().unwrap().to_string_lossy().into_owned();
    let read = |csv: PathBuf| -> Vec<Vec<String>> {
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
    };
    if sheet > 0 {
        // Named `<stem>.csv`, or `<stem>-<sheet>.csv` when a sheet is chosen; the only CSV.
        let csv = std::fs::read_dir(work.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| {
                path.extension().is_some_and(|e| e == "csv")
                    && path
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(stem.as_str()))
            })
            .unwrap_or_else(|| work.path().join(format!("{stem}.csv")));
        return vec![(String::new(), read(csv))];
    }
    // LibreOffice reports each sheet it writes, in order: "Writing sheet <name> -> <path>".
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let sheets: Vec<(String, Vec<Vec<String>>)> = said
        .lines()
        .filter_map(|line| line.strip_prefix("Writing sheet "))
        .filter_map(|rest| rest.split_once(" -> "))
        .map(|(name, path)| (name.to_owned(), read(PathBuf::from(path.trim()))))
        .collect();
    assert!(!sheets.is_empty(), "soffice exported no sheet: {said}");
    sheets
}
