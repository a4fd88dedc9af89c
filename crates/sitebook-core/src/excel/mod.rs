//! Reading estimate workbooks (.xlsx, .xlsm, .xls, .ods) safely.
//!
//! The pipeline, each step in its own module:
//! 1. [`sniff`]: the extension must be accepted; the format comes from the
//!    bytes (empty, truncated, encrypted and non-workbook files stop here).
//! 2. [`limits`]: file size, zip entry sizes and ratios, and sheet extents
//!    are checked from metadata alone, before calamine reads anything.
//! 3. [`reader`]: calamine (or, for plain .xlsx sheets, a direct reader
//!    that gives the same values faster and is checked against calamine by
//!    differential fuzzing) turns each sheet into a sparse [`SheetGrid`].
//! 4. [`estimate_parser`]: the parser, a pure function of the grids.
//!
//! All errors are [`ParseError`]s with stable codes; all are permanent.
//! Parsing a hostile file is bounded by the limits here, but callers that
//! take files from untrusted sources should still run this in a worker
//! process with a memory (data) limit and a timeout.

pub mod error;
pub mod estimate_parser;
mod extent;
mod fastxlsx;
pub mod grid;
pub mod labels;
pub mod limits;
pub mod model;
mod ole;
pub mod reader;
pub mod sniff;
mod xmlscan;

pub use error::ParseError;
pub use estimate_parser::{parse_grids, HEADER_SEARCH_ROWS};
pub use grid::{CellValue, MergedRegion, RowCells, SheetGrid};
pub use limits::Limits;
pub use model::{
    ColumnLetters, EstimateSheet, ExcessRow, Footer, FooterRow, Heading, ItemFlag, LsProvision,
    Metadata, MetadataLine, ParsedWorkbook, Warning, WorkbookItem,
};
pub use sniff::WorkbookFormat;

use std::path::Path;

/// Parses the estimate workbook at `path`. The file's size is checked
/// before it is read into memory.
pub fn parse_estimate_file(path: &Path, limits: &Limits) -> Result<ParsedWorkbook, ParseError> {
    let file = path.display().to_string();
    sniff::check_extension(&file)?;
    let io_error = |source| ParseError::Io {
        file: file.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io_error)?.len();
    limits::check_file_size(size, &file, limits)?;
    let bytes = std::fs::read(path).map_err(io_error)?;
    parse_estimate_bytes(&bytes, &file, limits)
}

/// Parses an estimate workbook held in memory. `file` is the name the user
/// knows it by: its extension must be an accepted one, and it appears in
/// the result and in every error message.
pub fn parse_estimate_bytes(
    bytes: &[u8],
    file: &str,
    limits: &Limits,
) -> Result<ParsedWorkbook, ParseError> {
    let (format, sheets) = checked_read(bytes, file, limits)?;
    let mut parsed = parse_grids(file, &sheets)?;
    parsed.format = Some(format);
    Ok(parsed)
}

/// Runs every check and reads all sheets into grids, without parsing the
/// estimate (for callers that want the raw cells).
pub fn read_workbook(
    bytes: &[u8],
    file: &str,
    limits: &Limits,
) -> Result<Vec<SheetGrid>, ParseError> {
    checked_read(bytes, file, limits).map(|(_, sheets)| sheets)
}

fn checked_read(
    bytes: &[u8],
    file: &str,
    limits: &Limits,
) -> Result<(WorkbookFormat, Vec<SheetGrid>), ParseError> {
    sniff::check_extension(file)?;
    limits::check_file_size(bytes.len() as u64, file, limits)?;
    let format = sniff::sniff_format(bytes, file)?;
    limits::precheck(bytes, format, file, limits)?;
    let sheets = reader::read_sheets(bytes, format, file, limits)?;
    Ok((format, sheets))
}
