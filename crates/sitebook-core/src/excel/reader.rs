//! The thin layer between calamine and the parser: turns each sheet of an
//! already pre-checked workbook into a [`SheetGrid`] of typed cells.
//!
//! - xlsx/xlsm are streamed cell by cell (`worksheet_cells_reader`), never
//!   through `worksheet_range`, so memory follows the cells present, and a
//!   formula with no stored result is recognised.
//! - xls and ods are read through calamine's dense ranges, which the
//!   pre-check has already bounded.
//! - Numbers become exact decimals through their shortest text form, so a
//!   cell holding 450.1 is exactly 450.1.

use super::error::ParseError;
use super::extent;
use super::grid::{CellValue, MergedRegion, SheetGrid};
use super::limits::{group_digits, Limits};
use super::sniff::WorkbookFormat;
use calamine::{Data, DataRef, Dimensions, ExcelDateTime, Ods, Reader, SheetType, Xls, Xlsx};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::{BufReader, Cursor};
use std::str::FromStr;

/// Excel keeps 15 significant digits; anything beyond is binary noise
/// (0.1 + 0.2 stored as 0.30000000000000004).
const EXCEL_SIGNIFICANT_DIGITS: u32 = 15;

/// Reads every worksheet of a workbook that passed
/// [`precheck`](super::limits::precheck).
pub fn read_sheets(
    bytes: &[u8],
    format: WorkbookFormat,
    file: &str,
    limits: &Limits,
) -> Result<Vec<SheetGrid>, ParseError> {
    let mut budget = CellBudget {
        file,
        limits,
        stored: 0,
    };
    // calamine has arithmetic on untrusted lengths that panics on some
    // damaged files (overflow checks in debug builds, slicing in any
    // build). A panic here must become an error, not take the app down.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match format {
        WorkbookFormat::Xlsx | WorkbookFormat::Xlsm => read_xlsx(bytes, file, &mut budget),
        WorkbookFormat::Xls => read_xls(bytes, file, &mut budget),
        WorkbookFormat::Ods => read_ods(bytes, file, &mut budget),
    }));
    read.unwrap_or_else(|_| {
        Err(unreadable(
            file,
            "the spreadsheet reader failed on damaged data",
        ))
    })
}

/// Counts the cells kept across the workbook and checks their positions.
struct CellBudget<'a> {
    file: &'a str,
    limits: &'a Limits,
    stored: u64,
}

impl CellBudget<'_> {
    fn admit(&mut self, sheet: &str, row: u32, col: u32) -> Result<(), ParseError> {
        self.stored += 1;
        let detail = if u64::from(row) >= self.limits.max_rows {
            format!(
                "has a cell in row {}, beyond the {}-row limit",
                group_digits(u64::from(row) + 1),
                group_digits(self.limits.max_rows)
            )
        } else if u64::from(col) >= self.limits.max_cols {
            format!(
                "has a cell in column {}, beyond the {}-column limit",
                group_digits(u64::from(col) + 1),
                group_digits(self.limits.max_cols)
            )
        } else if self.stored > self.limits.max_cells {
            format!(
                "brings the workbook past the limit of {} filled cells",
                group_digits(self.limits.max_cells)
            )
        } else {
            return Ok(());
        };
        Err(ParseError::TooManyCells {
            file: self.file.into(),
            sheet: sheet.into(),
            detail,
        })
    }
}

fn unreadable(file: &str, detail: impl ToString) -> ParseError {
    ParseError::Unreadable {
        file: file.into(),
        detail: detail.to_string(),
    }
}

fn merged(d: &Dimensions) -> MergedRegion {
    MergedRegion {
        first_row: d.start.0,
        first_col: d.start.1,
        last_row: d.end.0,
        last_col: d.end.1,
    }
}

fn worksheet_names<RS, R: Reader<RS>>(workbook: &R) -> Vec<String>
where
    RS: std::io::Read + std::io::Seek,
{
    workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect()
}

fn read_xlsx(
    bytes: &[u8],
    file: &str,
    budget: &mut CellBudget<'_>,
) -> Result<Vec<SheetGrid>, ParseError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => ParseError::PasswordProtected { file: file.into() },
        e => unreadable(file, e),
    })?;
    let mut fast_merges = extent::xlsx_merged_regions(bytes);
    let mut grids = Vec::new();
    for name in worksheet_names(&workbook) {
        // A file may list its cells in any order; collecting them first
        // keeps building the grid O(n log n) whatever that order is.
        let mut found = Vec::new();
        {
            let mut cells = workbook
                .worksheet_cells_reader(&name)
                .map_err(|e| unreadable(file, format!("sheet '{name}': {e}")))?;
            while let Some(record) = cells
                .next_cell_with_formula_metadata()
                .map_err(|e| unreadable(file, format!("sheet '{name}': {e}")))?
            {
                let value = from_data_ref(record.value, record.formula.is_some());
                if value != CellValue::Empty {
                    let (row, col) = record.pos;
                    budget.admit(&name, row, col)?;
                    found.push((row, col, value));
                }
            }
        }
        let mut grid = SheetGrid::from_cells(&name, found);
        match fast_merges.as_mut().and_then(|all| all.remove(&name)) {
            Some(regions) => regions.into_iter().for_each(|m| grid.add_merge(m)),
            None => {
                let merges = workbook
                    .merge_cells_by_sheet_name(&name)
                    .map_err(|e| unreadable(file, format!("sheet '{name}': {e}")))?;
                merges.iter().for_each(|m| grid.add_merge(merged(m)));
            }
        }
        grids.push(grid);
    }
    Ok(grids)
}

fn read_xls(
    bytes: &[u8],
    file: &str,
    budget: &mut CellBudget<'_>,
) -> Result<Vec<SheetGrid>, ParseError> {
    let mut workbook: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsError::Password => ParseError::PasswordProtected { file: file.into() },
        e => unreadable(file, e),
    })?;
    let mut grids = Vec::new();
    for name in worksheet_names(&workbook) {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| unreadable(file, format!("sheet '{name}': {e}")))?;
        // .xls always stores a formula's last result, so no formula pass.
        let mut grid = grid_from_range(&name, &range, None, budget)?;
        if let Ok(merges) = workbook.merge_cells_by_sheet_name(&name) {
            for m in &merges {
                grid.add_merge(merged(m));
            }
        }
        grids.push(grid);
    }
    Ok(grids)
}

fn read_ods(
    bytes: &[u8],
    file: &str,
    budget: &mut CellBudget<'_>,
) -> Result<Vec<SheetGrid>, ParseError> {
    let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::OdsError::Password => ParseError::PasswordProtected { file: file.into() },
        e => unreadable(file, e),
    })?;
    // calamine does not expose .ods merges; they are spans on the cells.
    let mut merges = ods_merges(bytes).map_err(|e| unreadable(file, e))?;
    let mut grids = Vec::new();
    for name in worksheet_names(&workbook) {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| unreadable(file, format!("sheet '{name}': {e}")))?;
        let formulas = workbook.worksheet_formula(&name).ok();
        let mut grid = grid_from_range(&name, &range, formulas.as_ref(), budget)?;
        for m in merges.remove(&name).unwrap_or_default() {
            grid.add_merge(m);
        }
        grids.push(grid);
    }
    Ok(grids)
}

fn ods_merges(bytes: &[u8]) -> Result<HashMap<String, Vec<MergedRegion>>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let content = archive.by_name("content.xml").map_err(|e| e.to_string())?;
    extent::ods_merged_regions(BufReader::new(content)).map_err(|e| e.to_string())
}

/// Copies a dense calamine range into a sparse grid. When the formula range
/// is given, a formula cell with no value becomes
/// [`CellValue::FormulaWithoutValue`].
fn grid_from_range(
    name: &str,
    range: &calamine::Range<Data>,
    formulas: Option<&calamine::Range<String>>,
    budget: &mut CellBudget<'_>,
) -> Result<SheetGrid, ParseError> {
    let mut cells = Vec::new();
    if let Some((row0, col0)) = range.start() {
        for (r, c, data) in range.used_cells() {
            let (row, col) = (row0 + r as u32, col0 + c as u32);
            let value = from_data(data);
            if value != CellValue::Empty {
                budget.admit(name, row, col)?;
                cells.push((row, col, value));
            }
        }
    }
    let mut grid = SheetGrid::from_cells(name, cells);
    let mut unresolved = Vec::new();
    if let Some((row0, col0)) = formulas.and_then(|f| f.start()) {
        for (r, c, formula) in formulas.into_iter().flat_map(|f| f.used_cells()) {
            let (row, col) = (row0 + r as u32, col0 + c as u32);
            if !formula.is_empty() && grid.get(row, col).is_blank() {
                budget.admit(name, row, col)?;
                unresolved.push((row, col, CellValue::FormulaWithoutValue));
            }
        }
    }
    grid.extend_cells(unresolved);
    Ok(grid)
}

fn from_data_ref(value: DataRef<'_>, is_formula: bool) -> CellValue {
    let converted = match value {
        DataRef::Int(i) => CellValue::Number(Decimal::from(i)),
        DataRef::Float(f) => number_from_f64(f),
        DataRef::String(s) => CellValue::Text(s),
        DataRef::SharedString(s) => CellValue::Text(s.to_string()),
        DataRef::Bool(b) => CellValue::Bool(b),
        DataRef::DateTime(dt) => CellValue::Text(date_text(&dt)),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellValue::Text(s),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
        DataRef::Empty => CellValue::Empty,
    };
    // openpyxl and similar writers leave formulas without a stored result;
    // some write an empty string result instead of omitting it.
    if is_formula && converted.is_blank() {
        CellValue::FormulaWithoutValue
    } else {
        converted
    }
}

fn from_data(value: &Data) -> CellValue {
    match value {
        Data::Int(i) => CellValue::Number(Decimal::from(*i)),
        Data::Float(f) => number_from_f64(*f),
        Data::String(s) => CellValue::Text(s.clone()),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) => CellValue::Text(date_text(dt)),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellValue::Text(s.clone()),
        Data::Error(e) => CellValue::Error(e.to_string()),
        Data::Empty => CellValue::Empty,
    }
}

fn number_from_f64(f: f64) -> CellValue {
    match decimal_from_f64(f) {
        Some(d) => CellValue::Number(d),
        None if f.is_finite() => CellValue::Text(f.to_string()),
        None => CellValue::Error("#NUM!".into()),
    }
}

/// Converts a spreadsheet float to the decimal the user typed: through the
/// shortest text that round-trips (so 450.1 is exactly 450.1), then to
/// Excel's 15 significant digits (so 0.30000000000000004 becomes 0.3).
/// `None` for NaN, infinities and magnitudes beyond `Decimal`.
pub fn decimal_from_f64(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    let exact = shortest_text(f)
        .and_then(|text| Decimal::from_str(text.as_str()).ok())
        .or_else(|| Decimal::from_f64_retain(f))?;
    let digits = exact
        .mantissa()
        .unsigned_abs()
        .checked_ilog10()
        .unwrap_or(0)
        + 1;
    let rounded = if digits > EXCEL_SIGNIFICANT_DIGITS {
        exact.round_sf(EXCEL_SIGNIFICANT_DIGITS)?
    } else {
        exact
    };
    Some(rounded.normalize())
}

/// The shortest decimal text that reads back as `f`, formatted on the
/// stack (this runs for every number in the workbook). `None` when it does
/// not fit, which only happens for magnitudes `Decimal` cannot hold anyway.
fn shortest_text(f: f64) -> Option<StackText> {
    use std::fmt::Write;
    let mut text = StackText {
        bytes: [0; 48],
        len: 0,
    };
    write!(text, "{f}").ok()?;
    Some(text)
}

struct StackText {
    bytes: [u8; 48],
    len: usize,
}

impl StackText {
    fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in, so this cannot fail.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `2024-03-15`, or `2024-03-15T10:30:00` when there is a time of day.
fn date_text(dt: &ExcelDateTime) -> String {
    if dt.is_duration() {
        return dt.as_f64().to_string();
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn floats_become_the_decimals_people_typed() {
        assert_eq!(decimal_from_f64(450.1), Some(dec!(450.1)));
        assert_eq!(decimal_from_f64(0.1 + 0.2), Some(dec!(0.3)));
        assert_eq!(decimal_from_f64(12.5 * 450.0), Some(dec!(5625)));
        assert_eq!(decimal_from_f64(1234567.89), Some(dec!(1234567.89)));
        assert_eq!(decimal_from_f64(-0.07), Some(dec!(-0.07)));
        assert_eq!(decimal_from_f64(1e-7), Some(dec!(0.0000001)));
        assert_eq!(decimal_from_f64(f64::NAN), None);
        assert_eq!(decimal_from_f64(1e40), None);
        // 1.005 is stored as 1.00499999999999989…; it must stay 1.005 so
        // that ROUND2 gives 1.01 as Excel does.
        assert_eq!(decimal_from_f64(1.005), Some(dec!(1.005)));
    }

    #[test]
    fn formula_without_result_is_marked() {
        assert_eq!(
            from_data_ref(DataRef::Empty, true),
            CellValue::FormulaWithoutValue
        );
        assert_eq!(
            from_data_ref(DataRef::String(String::new()), true),
            CellValue::FormulaWithoutValue
        );
        assert_eq!(from_data_ref(DataRef::Empty, false), CellValue::Empty);
        assert_eq!(
            from_data_ref(DataRef::Float(2.0), true),
            CellValue::Number(dec!(2))
        );
    }
}
