//! Size limits for untrusted workbooks and the pre-check that enforces them
//! before calamine reads anything.
//!
//! calamine trusts the file: it inflates zip entries, loads the whole shared
//! string table, and for .xls/.ods builds a dense rows × columns grid of
//! every sheet when the workbook is opened. A 1.6 KB file can therefore ask
//! for hundreds of gigabytes and abort the process. The pre-check looks only
//! at metadata (file length, the zip directory's declared sizes, declared or
//! scanned sheet extents), so a hostile file is refused in milliseconds and
//! with little memory. The zip reader itself refuses to inflate an entry past
//! its declared size, so the declared sizes checked here are binding.
//!
//! One check does inflate: a worksheet large enough to hold more cells than
//! the limit allows has its cell elements counted as it is unpacked, and is
//! refused the moment the count passes the limit (cells need carry neither a
//! reference nor a value, so nothing cheaper bounds them).

use super::error::ParseError;
use super::extent::{self, SheetExtent};
use super::ole::{OleError, OleFile};
use super::sniff::WorkbookFormat;
use std::io::{BufReader, Cursor};

const MIB: u64 = 1024 * 1024;

/// Limits applied to every workbook.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Largest total of the zip entries' uncompressed sizes, in bytes.
    pub max_uncompressed_bytes: u64,
    /// Largest uncompressed:compressed ratio allowed for a large zip entry.
    pub max_entry_ratio: u64,
    /// Entries smaller than this are not ratio-checked: very regular parts
    /// (styles, rows of formatted blank cells) legitimately compress very
    /// well, and a few megabytes are harmless whatever the ratio.
    pub ratio_check_min_bytes: u64,
    /// Most cells a sheet may span (rows × columns), and most cells stored
    /// over the whole workbook.
    pub max_cells: u64,
    /// Most rows a sheet may span.
    pub max_rows: u64,
    /// Most columns a sheet may span.
    pub max_cols: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 50 * MIB,
            max_uncompressed_bytes: 200 * MIB,
            max_entry_ratio: 100,
            ratio_check_min_bytes: 10 * MIB,
            max_cells: 5_000_000,
            // The formats' own maxima: the cell bound is the real guard, and
            // a stray cell far out in an .xlsx costs nothing when streamed.
            max_rows: 1_048_576,
            max_cols: 16_384,
        }
    }
}

/// Refuses a file bigger than `max_file_bytes`.
pub fn check_file_size(size: u64, file: &str, limits: &Limits) -> Result<(), ParseError> {
    if size > limits.max_file_bytes {
        return Err(ParseError::TooLarge {
            file: file.into(),
            size,
            limit: limits.max_file_bytes,
        });
    }
    Ok(())
}

/// Runs every check that can be made without letting calamine read the
/// file: size, zip entry sizes and ratios, and sheet extents.
pub fn precheck(
    bytes: &[u8],
    format: WorkbookFormat,
    file: &str,
    limits: &Limits,
) -> Result<(), ParseError> {
    check_file_size(bytes.len() as u64, file, limits)?;
    let unreadable = |detail: String| ParseError::Unreadable {
        file: file.into(),
        detail,
    };
    let extents = match format {
        WorkbookFormat::Xlsx | WorkbookFormat::Xlsm | WorkbookFormat::Ods => {
            let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
                .map_err(|e| unreadable(format!("damaged zip container: {e}")))?;
            check_zip_entries(&mut archive, file, limits)?;
            if format == WorkbookFormat::Ods {
                let content = archive
                    .by_name("content.xml")
                    .map_err(|_| unreadable("the spreadsheet has no content.xml".into()))?;
                extent::ods_extents(BufReader::new(content))
                    .map_err(|e| unreadable(damaged_part("'content.xml'", &e)))?
            } else {
                let strings = extent::xlsx_shared_string_count(&mut archive)
                    .map_err(|e| unreadable(damaged_part("the shared strings", &e)))?;
                if let Some(count) = strings.filter(|&n| n > limits.max_cells) {
                    return Err(ParseError::ZipBomb {
                        file: file.into(),
                        detail: format!(
                            "its shared-string table claims {} strings (the limit is {})",
                            group_digits(count),
                            group_digits(limits.max_cells)
                        ),
                    });
                }
                let over = extent::xlsx_cell_elements_over(&mut archive, limits.max_cells)
                    .map_err(|e| unreadable(damaged_part("a worksheet", &e)))?;
                if let Some(over) = over {
                    let detail = if over.filled {
                        format!(
                            "brings the workbook past the limit of {} filled cells (counted \
                             while unpacking the sheet)",
                            group_digits(limits.max_cells)
                        )
                    } else {
                        format!(
                            "brings the workbook past {} cells, most of them empty (the limit \
                             is {} filled cells, counted while unpacking the sheet)",
                            group_digits(limits.max_cells * extent::CELL_ELEMENTS_PER_FILLED_CELL),
                            group_digits(limits.max_cells)
                        )
                    };
                    return Err(ParseError::TooManyCells {
                        file: file.into(),
                        sheet: over.sheet,
                        detail,
                    });
                }
                extent::xlsx_extents(&mut archive)
                    .map_err(|e| unreadable(damaged_part("a worksheet", &e)))?
            }
        }
        WorkbookFormat::Xls => {
            let ole = OleFile::parse(bytes).map_err(|e| match e {
                OleError::Truncated => ParseError::Truncated { file: file.into() },
                OleError::Malformed(why) => unreadable(format!("damaged compound file: {why}")),
            })?;
            let stream = match ole.read_stream("Workbook") {
                Ok(Some(s)) => s,
                Ok(None) => match ole.read_stream("Book") {
                    Ok(Some(s)) => s,
                    _ => return Err(unreadable("no Workbook stream".into())),
                },
                Err(OleError::Truncated) => {
                    return Err(ParseError::Truncated { file: file.into() })
                }
                Err(OleError::Malformed(why)) => return Err(unreadable(why.into())),
            };
            let scan = extent::xls_scan(&stream);
            if scan.password_protected {
                return Err(ParseError::PasswordProtected { file: file.into() });
            }
            if let Some(why) = scan.damaged {
                return Err(unreadable(format!("damaged workbook stream: {why}")));
            }
            scan.extents
        }
    };
    check_extents(&extents, file, limits)
}

/// Why a part could not be scanned, in words: a checksum failure says the file was damaged
/// after saving; anything else is the scanner's finding.
fn damaged_part(part: &str, error: &std::io::Error) -> String {
    if super::fastxlsx::is_checksum_error(error) {
        super::error::checksum_detail(part)
    } else {
        format!("{part} is damaged ({error})")
    }
}

/// Refuses zip entries that would expand past the limits, judged only from
/// the central directory (nothing is inflated).
fn check_zip_entries(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    file: &str,
    limits: &Limits,
) -> Result<(), ParseError> {
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| ParseError::Unreadable {
                file: file.into(),
                detail: format!("damaged zip entry: {e}"),
            })?;
        let size = entry.size();
        let compressed = entry.compressed_size().max(1);
        if size >= limits.ratio_check_min_bytes
            && size > compressed.saturating_mul(limits.max_entry_ratio)
        {
            return Err(ParseError::ZipBomb {
                file: file.into(),
                detail: format!(
                    "its part '{}' would expand from {} to {} ({}:1, the limit is {}:1)",
                    String::from_utf8_lossy(entry.name_raw()),
                    human_bytes(entry.compressed_size()),
                    human_bytes(size),
                    size / compressed,
                    limits.max_entry_ratio
                ),
            });
        }
        total = total.saturating_add(size);
        if total > limits.max_uncompressed_bytes {
            return Err(ParseError::ZipBomb {
                file: file.into(),
                detail: format!(
                    "its contents would expand to more than {} (the limit is {})",
                    human_bytes(total),
                    human_bytes(limits.max_uncompressed_bytes)
                ),
            });
        }
    }
    Ok(())
}

/// Refuses sheets whose extent exceeds the row, column or cell limits, and
/// workbooks whose sheets together exceed the cell limit.
pub fn check_extents(
    extents: &[SheetExtent],
    file: &str,
    limits: &Limits,
) -> Result<(), ParseError> {
    let mut total: u64 = 0;
    for extent in extents {
        let too_many = |what: String| ParseError::TooManyCells {
            file: file.into(),
            sheet: extent.sheet.clone(),
            detail: format!("{} ({what})", extent.source),
        };
        if extent.rows > limits.max_rows {
            return Err(too_many(format!(
                "{} rows, the limit is {}",
                group_digits(extent.rows),
                group_digits(limits.max_rows)
            )));
        }
        if extent.cols > limits.max_cols {
            return Err(too_many(format!(
                "{} columns, the limit is {}",
                group_digits(extent.cols),
                group_digits(limits.max_cols)
            )));
        }
        total = total.saturating_add(extent.cells());
        if extent.cells() > limits.max_cells {
            return Err(too_many(format!(
                "{} cells, the limit is {}",
                group_digits(extent.cells()),
                group_digits(limits.max_cells)
            )));
        }
        if total > limits.max_cells {
            return Err(too_many(format!(
                "{} cells, {} with the sheets before it, the limit is {}",
                group_digits(extent.cells()),
                group_digits(total),
                group_digits(limits.max_cells)
            )));
        }
    }
    Ok(())
}

/// `12345678` → `"12,345,678"`.
pub(crate) fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn human_bytes(n: u64) -> String {
    if n >= MIB {
        format!("{:.1} MB", n as f64 / MIB as f64)
    } else if n >= 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extent(rows: u64, cols: u64) -> SheetExtent {
        SheetExtent {
            sheet: "S".into(),
            rows,
            cols,
            source: "declares it".into(),
        }
    }

    #[test]
    fn extents_within_limits_pass_and_others_name_the_sheet() {
        let limits = Limits::default();
        assert!(check_extents(&[extent(10_000, 8)], "f.xlsx", &limits).is_ok());
        let err = check_extents(&[extent(1_048_576, 16_384)], "f.xlsx", &limits).unwrap_err();
        assert_eq!(err.code(), "too_many_cells");
        let msg = err.to_string();
        assert!(
            msg.contains("'S'") && msg.contains("17,179,869,184"),
            "{msg}"
        );
        // Each sheet is fine alone, but together they exceed the bound.
        let two = [extent(400_000, 8), extent(300_000, 8)];
        assert_eq!(
            check_extents(&two, "f.xlsx", &limits).unwrap_err().code(),
            "too_many_cells"
        );
        let tight = Limits {
            max_rows: 100,
            ..Limits::default()
        };
        assert!(check_extents(&[extent(101, 1)], "f.xlsx", &tight).is_err());
    }

    #[test]
    fn file_size_limit() {
        let limits = Limits {
            max_file_bytes: 10,
            ..Limits::default()
        };
        assert!(check_file_size(10, "f", &limits).is_ok());
        assert_eq!(
            check_file_size(11, "f", &limits).unwrap_err().code(),
            "too_large"
        );
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000), "1,000");
        assert_eq!(group_digits(17_179_869_184), "17,179,869,184");
    }
}
