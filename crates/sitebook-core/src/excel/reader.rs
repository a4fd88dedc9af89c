//! The thin layer between calamine and the parser: turns each sheet of an
//! already pre-checked workbook into a [`SheetGrid`] of typed cells.
//!
//! - xlsx/xlsm sheets of the common plain shape are read straight from
//!   their XML by the `fastxlsx` module, which gives calamine's
//!   values several times faster; any other sheet is streamed cell by cell
//!   by calamine (`worksheet_cells_reader`), never through
//!   `worksheet_range`, so memory follows the cells present. Either way a
//!   formula with no stored result is recognised.
//! - xls and ods are read through calamine's dense ranges, which the
//!   pre-check has already bounded.
//! - Numbers become exact decimals through their shortest text form, so a
//!   cell holding 450.1 is exactly 450.1.

use super::error::ParseError;
use super::extent;
use super::fastxlsx::{FastWorkbook, SheetXml};
use super::grid::{CellValue, MergedRegion, SheetGrid};
use super::limits::{group_digits, Limits};
use super::sniff::WorkbookFormat;
use calamine::{
    Data, DataRef, Dimensions, ExcelDateTime, Ods, Reader, SheetType, SheetVisible, Xls, Xlsx,
};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};
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
    let mut budget = CellBudget::new(file, limits);
    // calamine has arithmetic on untrusted lengths that panics on some
    // damaged files (overflow checks in debug builds, slicing in any
    // build). A panic here must become an error, not take the app down.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match format {
        WorkbookFormat::Xlsx | WorkbookFormat::Xlsm => read_xlsx(bytes, file, &mut budget),
        WorkbookFormat::Xls => read_xls(bytes, file, &mut budget),
        WorkbookFormat::Ods => read_ods(bytes, file, &mut budget),
    }));
    read.unwrap_or_else(|_| {
        let place = if budget.reading.is_empty() {
            "the parts that list its sheets, strings and styles".to_string()
        } else {
            budget.reading.clone()
        };
        Err(unreadable(
            file,
            format!(
                "the spreadsheet reader stopped on data it could not make sense of in {place}, \
                 which is damaged"
            ),
        ))
    })
}

/// Counts the cells kept across the workbook and checks their positions.
struct CellBudget<'a> {
    file: &'a str,
    limits: &'a Limits,
    stored: u64,
    /// The sheet being read, for the message when the reader gives up on damaged data.
    reading: String,
}

impl<'a> CellBudget<'a> {
    fn new(file: &'a str, limits: &'a Limits) -> Self {
        Self {
            file,
            limits,
            stored: 0,
            reading: String::new(),
        }
    }

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

/// What calamine found wrong in an .xlsx, as the end of a sentence a clerk can follow ("sheet
/// 'Estimate' …" or "the workbook …"), instead of the reader's own words ("Xml error: at 0..0:
/// unrecognized entity `&lol9;`").
fn xlsx_problem(error: &calamine::XlsxError) -> String {
    use calamine::XlsxError as E;
    match error {
        E::Xml(xml) => {
            let said = xml.to_string();
            match said.split_once("unrecognized entity") {
                Some((_, entity)) => format!(
                    "uses an XML entity ({}) of a kind spreadsheet programs never write, so \
                     the file was altered or damaged",
                    entity.trim().trim_matches('`')
                ),
                None => format!(
                    "is not well-formed XML ({}), so the file was damaged or altered",
                    said.split_once(": ")
                        .map_or(said.as_str(), |(_, rest)| rest)
                ),
            }
        }
        E::XmlAttr(attr) => format!("has a damaged attribute in its XML ({attr})"),
        E::XmlEof(element) => format!("ends before its closing </{element}> tag"),
        E::FileNotFound(part) => format!("refers to a part that is missing ({part})"),
        // Said of a sheet ("sheet 'Estimate' …") or of the workbook, so the sheet is named
        // only where the start of the sentence has not named it.
        E::WorksheetNotFound(_) => "is listed, but its part is missing from the file or lies \
                                   outside the workbook, so the file was altered or damaged"
            .into(),
        // calamine's own words ("Range is missing the expected row component") would tell a
        // person nothing more, and it does not say which text was wrong.
        E::Alphanumeric(_)
        | E::NumericColumn(_)
        | E::RangeWithoutColumnComponent
        | E::RangeWithoutRowComponent => "has a cell whose position is not a cell address like \
                                          B7, so the file was altered or damaged"
            .into(),
        E::ColumnNumberOverflow | E::RowNumberOverflow => "has a cell placed beyond the last \
                                                           row or column a sheet has, so the \
                                                           file was altered or damaged"
            .into(),
        E::Unexpected(said) if said.contains("string index") => "has a cell that refers to a \
                                                                  text the workbook does not \
                                                                  hold, so the file was \
                                                                  altered or damaged"
            .into(),
        E::RelationshipNotFound => "refers to a relationship that is missing".into(),
        E::Zip(zip) => format!("has a damaged zip entry ({zip})"),
        E::Io(io) if super::fastxlsx::is_checksum_error(io) => {
            "does not match its checksum (CRC), so the file was damaged after it was saved".into()
        }
        E::ParseFloat(_) | E::ParseInt(_) => {
            format!("holds a number that cannot be read ({error})")
        }
        other => format!("cannot be read ({other})"),
    }
}

/// What calamine found wrong in an .xls, in the same way as [`xlsx_problem`].
fn xls_problem(error: &calamine::XlsError) -> String {
    use calamine::XlsError as E;
    match error {
        E::EoStream(what) => format!(
            "ends in the middle of a record (while reading its {what}), so the file is damaged"
        ),
        E::Len { .. } | E::ContinueRecordTooShort => {
            format!("has a record whose length does not fit its contents ({error}), so the file is damaged")
        }
        E::Cfb(cfb) => format!("has a damaged container (compound file: {cfb})"),
        E::Unrecognized { .. } | E::InvalidFormat { .. } => {
            format!("holds a record it does not recognise ({error}), so the file is damaged")
        }
        E::WorksheetNotFound(name) => format!("lists a sheet '{name}' it does not hold"),
        other => format!("cannot be read ({other})"),
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

/// Marks the grids of the worksheets the workbook hides.
fn mark_hidden<RS, R: Reader<RS>>(workbook: &R, grids: &mut [SheetGrid])
where
    RS: std::io::Read + std::io::Seek,
{
    for grid in grids {
        let hidden = workbook
            .sheets_metadata()
            .iter()
            .any(|s| s.name == grid.name() && s.visible != SheetVisible::Visible);
        grid.set_hidden(hidden);
    }
}

fn read_xlsx(
    bytes: &[u8],
    file: &str,
    budget: &mut CellBudget<'_>,
) -> Result<Vec<SheetGrid>, ParseError> {
    // calamine's open reads the shared strings and the styles; the fast
    // reader reads the shared strings again and inflates the sheets.
    // Neither needs the other, so they run side by side.
    let (workbook, fast) = std::thread::scope(|scope| {
        let prepare_fast = || {
            let mut fast = FastWorkbook::open(bytes)?;
            fast.prefetch_sheets();
            Some(fast)
        };
        match std::thread::Builder::new().spawn_scoped(scope, prepare_fast) {
            Ok(fast) => {
                let workbook = open_xlsx(bytes, file);
                // A panic in the fast reader leaves the workbook to calamine.
                (workbook, fast.join().ok().flatten())
            }
            // No thread to be had: one after the other, then.
            Err(_) => (open_xlsx(bytes, file), prepare_fast()),
        }
    });
    let mut fast = fast;
    let grids = read_xlsx_with(workbook?, bytes, file, budget, fast.as_mut())?;
    check_parts(bytes, file, fast.as_ref())?;
    Ok(grids)
}

/// The .xlsx worksheets as calamine alone reads them, without the fast reader: what
/// `benches/parse.rs` measures the fast reader's gain against. Not used by the product.
#[doc(hidden)]
pub fn read_xlsx_by_calamine_alone(
    bytes: &[u8],
    file: &str,
    limits: &Limits,
) -> Result<Vec<SheetGrid>, ParseError> {
    let mut budget = CellBudget::new(file, limits);
    let grids = read_xlsx_with(open_xlsx(bytes, file)?, bytes, file, &mut budget, None)?;
    check_parts(bytes, file, None)?;
    Ok(grids)
}

fn open_xlsx<'b>(bytes: &'b [u8], file: &str) -> Result<Xlsx<Cursor<&'b [u8]>>, ParseError> {
    Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => ParseError::PasswordProtected { file: file.into() },
        e => unreadable(file, format!("the workbook {}", xlsx_problem(&e))),
    })
}

/// Refuses a package with an entry whose data does not match its CRC, or that declares a
/// document type (see [`declares_doctype`](super::xmlscan::declares_doctype)). Entries the
/// fast reader read whole were checked as they were read; the rest (all of them when it was not
/// used) are inflated once more here, which costs little beside the sheets already read.
fn check_parts(
    bytes: &[u8],
    file: &str,
    fast: Option<&FastWorkbook<'_>>,
) -> Result<(), ParseError> {
    let damaged =
        |part: &str| unreadable(file, super::error::checksum_detail(&format!("'{part}'")));
    let declared = |part: &str| {
        unreadable(
            file,
            format!(
                "its part '{part}' declares XML entities of its own (a DOCTYPE), which \
                 spreadsheet programs never write, so the file was altered; they are not read"
            ),
        )
    };
    if let Some(part) = fast.and_then(FastWorkbook::crc_failure) {
        return Err(damaged(part));
    }
    if let Some(part) = fast.and_then(FastWorkbook::doctype_part) {
        return Err(declared(part));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| unreadable(file, format!("damaged zip container: {e}")))?;
    for index in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(index) else {
            continue;
        };
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            continue;
        };
        if entry.is_dir() || fast.is_some_and(|f| f.verified_parts().contains(&name)) {
            continue;
        }
        let mut start = Vec::new();
        let read = entry
            .by_ref()
            .take(super::xmlscan::PROLOG_BYTES as u64)
            .read_to_end(&mut start)
            .and_then(|_| std::io::copy(&mut entry, &mut std::io::sink()));
        match read {
            Err(error) if super::fastxlsx::is_checksum_error(&error) => {
                return Err(damaged(&name));
            }
            Err(_) => {}
            Ok(rest) => {
                let xml = name.ends_with(".xml") || name.ends_with(".rels");
                if xml && super::xmlscan::declares_doctype(&start, rest == 0) {
                    return Err(declared(&name));
                }
            }
        }
    }
    Ok(())
}

/// [`read_xlsx`] on an opened workbook, reading through `fast` the sheets
/// it can read.
fn read_xlsx_with(
    mut workbook: Xlsx<Cursor<&[u8]>>,
    bytes: &[u8],
    file: &str,
    budget: &mut CellBudget<'_>,
    mut fast: Option<&mut FastWorkbook<'_>>,
) -> Result<Vec<SheetGrid>, ParseError> {
    // Found on the first sheet, whose XML the fast reader may already hold.
    let mut all_merges = None;
    let mut grids = Vec::new();
    for name in worksheet_names(&workbook) {
        budget.reading = format!("sheet '{name}'");
        let mut cells = Vec::new();
        let mut sheet_xml = None;
        {
            // Opened in any case: it reports a damaged sheet as calamine
            // always has, and it holds the workbook's styles.
            let mut reader = workbook
                .worksheet_cells_reader(&name)
                .map_err(|e| unreadable(file, format!("sheet '{name}' {}", xlsx_problem(&e))))?;
            if let Some(fast) = fast.as_mut() {
                sheet_xml = read_fast(fast, &name, reader.styles(), budget, &mut cells)?;
            }
            while let Some(record) = if sheet_xml.is_some() {
                None
            } else {
                reader
                    .next_cell_with_formula_metadata()
                    .map_err(|e| unreadable(file, format!("sheet '{name}' {}", xlsx_problem(&e))))?
            } {
                let value = from_data_ref(record.value, record.formula.is_some());
                if value != CellValue::Empty {
                    let (row, col) = record.pos;
                    budget.admit(&name, row, col)?;
                    cells.push((row, col, value));
                }
            }
        }
        let mut grid = SheetGrid::from_cells(&name, cells);
        let all_merges = all_merges.get_or_insert_with(|| {
            let inflated = sheet_xml.as_ref();
            extent::xlsx_merged_regions(bytes, inflated.map(|s| (s.entry.as_str(), &s.xml[..])))
        });
        drop(sheet_xml);
        match all_merges.as_mut().and_then(|all| all.remove(&name)) {
            Some(regions) => regions.into_iter().for_each(|m| grid.add_merge(m)),
            None => {
                let merges = workbook.merge_cells_by_sheet_name(&name).map_err(|e| {
                    unreadable(file, format!("sheet '{name}' {}", xlsx_problem(&e)))
                })?;
                merges.iter().for_each(|m| grid.add_merge(merged(m)));
            }
        }
        grids.push(grid);
    }
    mark_hidden(&workbook, &mut grids);
    Ok(grids)
}

/// Reads a sheet through [`FastWorkbook`] into `cells`, giving back its
/// XML; `None` (with `cells` left empty) when calamine has to read it. A
/// sheet that would break a limit is left to calamine too, so the error is
/// the one it gives.
fn read_fast(
    fast: &mut FastWorkbook<'_>,
    name: &str,
    styles: &[calamine::Style],
    budget: &mut CellBudget<'_>,
    cells: &mut Vec<(u32, u32, CellValue)>,
) -> Result<Option<SheetXml>, ParseError> {
    let limits = budget.limits;
    let room = limits.max_cells.saturating_sub(budget.stored);
    let read = fast.read_sheet(
        name,
        styles,
        usize::try_from(room).unwrap_or(usize::MAX),
        |row, col, value, formula| {
            let value = from_data_ref(value, formula);
            if value == CellValue::Empty {
                return Some(None);
            }
            let fits = u64::from(row) < limits.max_rows && u64::from(col) < limits.max_cols;
            fits.then_some(Some((row, col, value)))
        },
    );
    let Some((read, xml)) = read else {
        return Ok(None);
    };
    *cells = read;
    for &(row, col, _) in cells.iter() {
        budget.admit(name, row, col)?;
    }
    Ok(Some(xml))
}

fn read_xls(
    bytes: &[u8],
    file: &str,
    budget: &mut CellBudget<'_>,
) -> Result<Vec<SheetGrid>, ParseError> {
    let mut workbook: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsError::Password => ParseError::PasswordProtected { file: file.into() },
        e => unreadable(file, format!("the workbook {}", xls_problem(&e))),
    })?;
    let mut grids = Vec::new();
    for name in worksheet_names(&workbook) {
        budget.reading = format!("sheet '{name}'");
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| unreadable(file, format!("sheet '{name}' {}", xls_problem(&e))))?;
        // .xls always stores a formula's last result, so no formula pass.
        let mut grid = grid_from_range(&name, &range, None, budget)?;
        if let Ok(merges) = workbook.merge_cells_by_sheet_name(&name) {
            for m in &merges {
                grid.add_merge(merged(m));
            }
        }
        grids.push(grid);
    }
    mark_hidden(&workbook, &mut grids);
    Ok(grids)
}

// Alike in shape to `read_xls` above: calamine opens the two formats with different types and
// errors, and .ods needs the formula pass that .xls does not; both build on `grid_from_range`.
fn read_ods(
    bytes: &[u8],
    file: &str,
    budget: &mut CellBudget<'_>,
) -> Result<Vec<SheetGrid>, ParseError> {
    let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::OdsError::Password => ParseError::PasswordProtected { file: file.into() },
        e => unreadable(file, e),
    })?;
    check_parts(bytes, file, None)?;
    // calamine does not expose .ods merges; they are spans on the cells.
    let mut merges = ods_merges(bytes).map_err(|e| unreadable(file, e))?;
    let mut grids = Vec::new();
    for name in worksheet_names(&workbook) {
        budget.reading = format!("sheet '{name}'");
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
    mark_hidden(&workbook, &mut grids);
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
    // Each position occurs once in the formula range, so checking against
    // the values alone is the same as checking as the formulas go in; they
    // are added together because adding cells one by one out of order
    // would move the grid's cells for each.
    let mut unsaved = Vec::new();
    if let Some((row0, col0)) = formulas.and_then(|f| f.start()) {
        for (r, c, formula) in formulas.into_iter().flat_map(|f| f.used_cells()) {
            let (row, col) = (row0 + r as u32, col0 + c as u32);
            if !formula.is_empty() && grid.get(row, col).is_blank() {
                budget.admit(name, row, col)?;
                unsaved.push((row, col, CellValue::FormulaWithoutValue));
            }
        }
    }
    grid.extend_cells(unsaved);
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
        // Beyond `Decimal`: kept as the short scientific text (`1e300`), which the estimate
        // parser reports as too large rather than spelling out 301 digits.
        None if f.is_finite() => CellValue::Text(format!("{f:e}")),
        // A stored `1e400` reads as infinity, `NaN` as itself: kept as those words, which the
        // parser names (too large, not a number). As "#NUM!" they were called an error value
        // the cell does not hold.
        None => CellValue::Text(f.to_string()),
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
    if let Some(short) = short_decimal(f) {
        return Some(short);
    }
    decimal_through_text(f)
}

/// [`decimal_from_f64`] by way of the shortest text that reads back as `f`.
fn decimal_through_text(f: f64) -> Option<Decimal> {
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

/// Powers of ten that are exact as `f64`s, up to Excel's digit count.
const EXACT_POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// [`decimal_from_f64`] without formatting, for the usual case of a figure
/// with at most 15 significant digits (every number typed into a sheet):
/// finds the fewest decimal places `s` for which an integer `m < 10^15`
/// gives `m / 10^s == f`. That division is exact arithmetic on exact values
/// rounded once, so it equals reading the text `m·10^-s`; and two decimals
/// of at most 15 significant digits never read back as the same `f64`, so
/// this is the very number the shortest text gives. `None` (use the text)
/// for zero, whose sign the text keeps, and for anything longer.
fn short_decimal(f: f64) -> Option<Decimal> {
    const LIMIT: f64 = 1e15;
    if f == 0.0 {
        return None;
    }
    let magnitude = f.abs();
    for (scale, power) in EXACT_POWERS_OF_TEN.iter().enumerate() {
        let scaled = magnitude * power;
        if scaled >= LIMIT {
            return None;
        }
        let mantissa = scaled.round();
        if mantissa / power == magnitude {
            // Below 10^15, so exact in both types.
            let mantissa = mantissa as i64;
            let signed = if f < 0.0 { -mantissa } else { mantissa };
            return Some(Decimal::new(signed, scale as u32).normalize());
        }
    }
    None
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

    /// Reads an xlsx with and without the fast reader.
    fn both_ways(bytes: &[u8]) -> [Result<Vec<SheetGrid>, ParseError>; 2] {
        [true, false].map(|fast| read_way(bytes, fast))
    }

    /// Reads an xlsx with the fast reader or with calamine alone.
    fn read_way(bytes: &[u8], fast: bool) -> Result<Vec<SheetGrid>, ParseError> {
        let limits = Limits::default();
        let mut budget = CellBudget::new("t.xlsx", &limits);
        let mut fast = fast.then(|| FastWorkbook::open(bytes)).flatten();
        read_xlsx_with(
            open_xlsx(bytes, "t.xlsx")?,
            bytes,
            "t.xlsx",
            &mut budget,
            fast.as_mut(),
        )
    }

    /// A workbook with every kind of value the fast reader handles, and some
    /// it leaves to calamine (dates, a coloured format).
    fn varied_workbook(with_dates: bool) -> Vec<u8> {
        use rust_xlsxwriter::{Format, Formula, Workbook};
        let mut workbook = Workbook::new();
        let money = Format::new().set_num_format("#,##0.00");
        let red = Format::new().set_num_format("[Red]0.00");
        let sheet = workbook.add_worksheet().set_name("Est & Co").unwrap();
        sheet.write_string(0, 0, "  Sl.No  ").unwrap();
        sheet.write_string(0, 1, "Qty <m³> & \"rate\"").unwrap();
        sheet.write_string(0, 2, "line\nbreak").unwrap();
        sheet.write_number(1, 0, 1.0).unwrap();
        sheet.write_number(1, 1, 0.1 + 0.2).unwrap();
        sheet
            .write_number_with_format(1, 2, 1234567.891, &money)
            .unwrap();
        sheet.write_number(1, 3, -1e-7).unwrap();
        sheet.write_number(1, 4, 1e20).unwrap();
        sheet.write_boolean(1, 5, true).unwrap();
        sheet
            .write_formula(2, 0, Formula::new("=A2*2").set_result("2"))
            .unwrap();
        sheet.write_formula(2, 1, Formula::new("=B2")).unwrap();
        sheet
            .write_formula(2, 2, Formula::new("=\"a\"&\"b\"").set_result("ab"))
            .unwrap();
        sheet
            .write_formula(2, 3, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        sheet
            .merge_range(3, 0, 3, 7, "Heading", &Format::new())
            .unwrap();
        sheet.write_string(5, 16383, "far").unwrap();
        if with_dates {
            let date = Format::new().set_num_format("dd/mm/yyyy");
            sheet
                .write_number_with_format(4, 0, 45000.0, &date)
                .unwrap();
            sheet.write_number_with_format(4, 1, 2.5, &red).unwrap();
        }
        let second = workbook.add_worksheet().set_name("Second").unwrap();
        second.write_string(0, 0, "Total").unwrap();
        second.write_number(0, 1, 42.0).unwrap();
        workbook.save_to_buffer().unwrap()
    }

    #[test]
    fn the_fast_xlsx_reader_gives_what_calamine_gives() {
        let fixture = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/estimate.xlsx"
        ))
        .unwrap();
        for bytes in [varied_workbook(false), varied_workbook(true), fixture] {
            let [fast, slow] = both_ways(&bytes);
            let fast = fast.unwrap();
            assert_eq!(fast, slow.unwrap());
            assert!(fast.iter().all(|g| g.cell_count() > 0));
        }
    }

    #[test]
    fn the_fast_xlsx_reader_reads_plain_sheets() {
        let bytes = varied_workbook(false);
        let mut fast = FastWorkbook::open(&bytes).expect("a plain package");
        for name in ["Est & Co", "Second"] {
            let read = fast.read_sheet(name, &[], usize::MAX, |_, _, _, _| Some(Some(())));
            assert!(read.is_some(), "{name}");
        }
        // A date format is calamine's to read.
        let bytes = varied_workbook(true);
        let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(&bytes[..])).unwrap();
        let reader = xlsx.worksheet_cells_reader("Est & Co").unwrap();
        let mut fast = FastWorkbook::open(&bytes).unwrap();
        assert!(fast
            .read_sheet("Est & Co", reader.styles(), usize::MAX, |_, _, _, _| Some(
                Some(())
            ))
            .is_none());
    }

    #[test]
    fn limits_hit_on_the_fast_path_give_calamines_error() {
        let bytes = varied_workbook(false);
        for limits in [
            Limits {
                max_cells: 5,
                ..Limits::default()
            },
            Limits {
                max_cols: 100,
                ..Limits::default()
            },
        ] {
            let [fast, slow] = [true, false].map(|fast| {
                let mut budget = CellBudget::new("t.xlsx", &limits);
                let mut fast = fast.then(|| FastWorkbook::open(&bytes)).flatten();
                read_xlsx_with(
                    open_xlsx(&bytes, "t.xlsx")?,
                    &bytes,
                    "t.xlsx",
                    &mut budget,
                    fast.as_mut(),
                )
            });
            let fast = fast.unwrap_err();
            assert!(matches!(fast, ParseError::TooManyCells { .. }));
            assert_eq!(fast.to_string(), slow.unwrap_err().to_string());
        }
    }

    /// The package `bytes` with the part `name` replaced by `data`.
    fn with_part(bytes: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            let entry_name = entry.name().unwrap().to_string();
            out.start_file(
                entry_name.as_str(),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            if entry_name == name {
                out.write_all(data).unwrap();
            } else {
                std::io::copy(&mut entry, &mut out).unwrap();
            }
        }
        out.finish().unwrap().into_inner()
    }

    /// Fragments that matter to a worksheet or shared-string reader.
    const MUTATION_TOKENS: &[&str] = &[
        "<",
        ">",
        "/",
        "\"",
        "'",
        "&",
        "&amp;",
        "&#38;",
        "&bogus;",
        " ",
        "=",
        ":",
        "9",
        "-",
        ".",
        "E",
        "e5",
        "x",
        "\r",
        "\n",
        "_x000D_",
        "r=\"A1\"",
        "r=\"XFE1\"",
        "r=\"B0\"",
        "r=\"7\"",
        "t=\"s\"",
        "t=\"str\"",
        "t=\"e\"",
        "t=\"b\"",
        "t=\"n\"",
        "t=\"d\"",
        "t=\"inlineStr\"",
        "s=\"1\"",
        "s=\"99\"",
        "<v>",
        "</v>",
        "<v/>",
        "<f>",
        "</f>",
        "<f t=\"shared\" si=\"0\" ref=\"A1:A2\"/>",
        "<c>",
        "</c>",
        "<c r=\"C9\">",
        "<row>",
        "</row>",
        "<row r=\"3\">",
        "<is><t>a</t></is>",
        "<!-- c -->",
        "<![CDATA[x]]>",
        "<?pi?>",
        "xml:space=\"preserve\"",
        "<x:c>",
        "</sheetData>",
        "<t>",
        "</t>",
        "<si>",
        "</si>",
        "<r><t>b</t></r>",
        "<rPh><t>c</t></rPh>",
        "#REF!",
        "#N/A",
        "TRUE",
        "1e308",
        "0.30000000000000004",
    ];

    proptest::proptest! {
        /// The arithmetic shortcut gives what the text route gives, for
        /// figures as typed (a few digits, some decimals) and any float.
        #[test]
        fn short_decimals_match_the_text_route(
            mantissa in -10_000_000_000_000_000i64..10_000_000_000_000_000,
            scale in 0u32..18,
            bits in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL,
        ) {
            let typed = Decimal::new(mantissa, scale).to_string().parse::<f64>().unwrap();
            for f in [typed, bits] {
                if let Some(short) = short_decimal(f) {
                    proptest::prop_assert_eq!(Some(short), decimal_through_text(f), "{}", f);
                }
            }
        }
    }

    /// The differential run's size and seed: 400 random cases in every test run, and as many
    /// as `SITEBOOK_DIFFERENTIAL_CASES` from the seed `SITEBOOK_DIFFERENTIAL_SEED` in CI's
    /// long run (a failure there is replayed with the same two values).
    fn differential_config() -> proptest::prelude::ProptestConfig {
        let number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        let mut config = proptest::prelude::ProptestConfig::with_cases(
            number("SITEBOOK_DIFFERENTIAL_CASES").map_or(400, |cases| cases as u32),
        );
        if let Some(seed) = number("SITEBOOK_DIFFERENTIAL_SEED") {
            config.rng_seed = proptest::test_runner::RngSeed::Fixed(seed);
        }
        config
    }

    /// calamine pinned exactly (Cargo.toml) is what makes the differential tests mean
    /// something: a new calamine may read some part differently, and the fast reader must be
    /// proved against it (the long run, `scripts/test-all.sh`) before this line changes.
    #[test]
    fn calamine_is_the_version_the_fast_reader_was_proved_against() {
        const PROVED_AGAINST: &str = "0.38.0";
        let lock =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock"))
                .expect("the workspace's Cargo.lock");
        let locked = lock
            .split("[[package]]")
            .find(|package| package.contains("\nname = \"calamine\"\n"))
            .and_then(|package| {
                package
                    .lines()
                    .find_map(|line| line.strip_prefix("version = "))
            })
            .map(|version| version.trim_matches('"').to_string());
        assert_eq!(
            locked.as_deref(),
            Some(PROVED_AGAINST),
            "calamine changed: run the differential tests long against it, then update this"
        );
    }

    /// The workbook every differential case damages, written once: writing it again for each
    /// of CI's 15,000 cases took a good part of the long run.
    static UNDAMAGED: std::sync::LazyLock<Vec<u8>> =
        std::sync::LazyLock::new(|| varied_workbook(false));

    proptest::proptest! {
        #![proptest_config(differential_config())]
        /// Differential fuzzing: a worksheet or shared-string table with
        /// random edits reads exactly as calamine reads it, value for value
        /// and error for error, or is left to calamine. Cases where calamine
        /// itself panics are left out (they become an error either way).
        #[test]
        fn the_fast_reader_agrees_with_calamine_on_damaged_parts(
            part in proptest::sample::select(vec![
                "xl/worksheets/sheet1.xml",
                "xl/worksheets/sheet2.xml",
                "xl/sharedStrings.xml",
            ]),
            edits in proptest::collection::vec(
                (0.0f64..1.0, 0usize..MUTATION_TOKENS.len(), 0usize..6, proptest::bool::ANY),
                1..4,
            ),
        ) {
            let original = &*UNDAMAGED;
            let mut archive = zip::ZipArchive::new(Cursor::new(&original[..])).unwrap();
            let mut xml = Vec::new();
            std::io::Read::read_to_end(&mut archive.by_name(part).unwrap(), &mut xml).unwrap();
            for (at, token, cut, insert) in edits {
                let at = (at * xml.len() as f64) as usize;
                let end = (at + cut).min(xml.len());
                let replacement: &[u8] = if insert { MUTATION_TOKENS[token].as_bytes() } else { b"" };
                xml.splice(at..end, replacement.iter().copied());
            }
            let damaged = with_part(original, part, &xml);
            let slow = std::panic::catch_unwind(|| read_way(&damaged, false));
            if let Ok(slow) = slow {
                let fast = read_way(&damaged, true);
                match (fast, slow) {
                    (Ok(fast), Ok(slow)) => proptest::prop_assert_eq!(fast, slow),
                    (fast, slow) => proptest::prop_assert_eq!(
                        fast.map_err(|e| e.to_string()).err(),
                        slow.map_err(|e| e.to_string()).err()
                    ),
                }
            }
        }
    }

    #[test]
    fn short_decimals_cover_typed_figures() {
        assert_eq!(short_decimal(131.25), Some(dec!(131.25)));
        assert_eq!(short_decimal(-0.07), Some(dec!(-0.07)));
        assert_eq!(short_decimal(0.1 + 0.2), None);
        assert_eq!(short_decimal(0.0), None);
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
