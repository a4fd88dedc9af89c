//! The example estimate that ships with the app, and the one click from it to a first bill.
//!
//! A newcomer's first minute should end with a whole bill on screen, made by the same path
//! their own workbooks take: the example (`examples/estimates/cc-road-example.xlsx`, generated
//! by `tests/example_estimate.rs`) is uploaded into the active organization like any dropped
//! file, parsed by the sandboxed worker, and billed at its estimate quantities. Asking again
//! gives back the bill already made instead of a second import or a bill 2.

use std::path::PathBuf;

/// The example's file name, as the Jobs and Works panes show it.
pub const EXAMPLE_FILE_NAME: &str = "cc-road-example.xlsx";

/// The example workbook's bytes.
pub(crate) const EXAMPLE_ESTIMATE: &[u8] =
    include_bytes!("../../../../examples/estimates/cc-road-example.xlsx");

/// Writes the example where an upload can read it: a folder of its own under the data folder,
/// so the file keeps its name (the Jobs pane shows it) and nothing else is touched.
pub(crate) fn write_example(data_dir: &std::path::Path) -> crate::error::Result<PathBuf> {
    let folder = data_dir.join("examples");
    std::fs::create_dir_all(&folder).map_err(|e| {
        crate::error::Error::Internal(format!(
            "could not make the folder for the example ({}): {e}",
            folder.display()
        ))
    })?;
    let path = folder.join(EXAMPLE_FILE_NAME);
    std::fs::write(&path, EXAMPLE_ESTIMATE).map_err(|e| {
        crate::error::Error::Internal(format!(
            "could not write the example ({}): {e}",
            path.display()
        ))
    })?;
    Ok(path)
}
