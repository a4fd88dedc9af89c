//! The estimate parser (DOMAIN.md §1) as a pure function of sheet grids:
//! find the header row on every sheet, detect the columns from the header
//! captions, then read metadata lines, items, headings, `AE` rows and the
//! footer, checking the arithmetic the department's rules define.
//!
//! Nothing here touches files, so each rule is testable on a grid built in
//! memory. Every warning names its cell as `Sheet!H12`.

use super::error::ParseError;
use super::grid::{column_letters, qualified_ref, CellValue, RowCells, SheetGrid};
use super::labels::{self, FooterKind, MetadataField, WordSplitter};
use super::model::{
    money_text, plain_text, ColumnLetters, EstimateSheet, ExcessRow, Footer, FooterRow, Heading,
    ItemFlag, LsProvision, Metadata, MetadataLine, ParsedWorkbook, Warning, WorkbookItem,
};
use crate::domain::estimate::{
    GST_PERCENT, LABOUR_CESS_PERCENT, MAX_TEXT_CHARS, NAC_PERCENT, QUALITY_CONTROL_PERCENT,
};
use crate::domain::money::{
    format_indian, parse_number_text, percent_of, round2, within_limit, MAX_FIGURE,
};
use crate::domain::tender::TpType;
use crate::error::excerpt;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// The header row must be within this many rows from the top.
pub const HEADER_SEARCH_ROWS: u32 = 60;

/// An amount may differ from ROUND2(qty × rate) by this much without comment.
const TOLERANCE: Decimal = dec!(0.01);

/// Standard positions relative to the serial column (A serial, B qty,
/// C unit, D description, E rate, F per-1, G per-unit, H amount), used only
/// when a header caption is blank because of a merge.
const STD_UNIT: u32 = 2;
const STD_RATE: u32 = 4;
const STD_PER: u32 = 5;
const STD_PER_UNIT: u32 = 6;
const STD_AMOUNT: u32 = 7;

/// Which 0-based column holds what on an estimate sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Serial number.
    pub serial: u32,
    /// Quantity.
    pub quantity: u32,
    /// Plural unit.
    pub unit: Option<u32>,
    /// Item description.
    pub description: u32,
    /// Rate.
    pub rate: Option<u32>,
    /// The "per" number.
    pub per: Option<u32>,
    /// The singular unit of the rate.
    pub per_unit: Option<u32>,
    /// Amount.
    pub amount: Option<u32>,
}

impl Columns {
    fn letters(&self) -> ColumnLetters {
        ColumnLetters {
            serial: column_letters(self.serial),
            quantity: column_letters(self.quantity),
            unit: self.unit.map(column_letters),
            description: column_letters(self.description),
            rate: self.rate.map(column_letters),
            per: self.per.map(column_letters),
            per_unit: self.per_unit.map(column_letters),
            amount: self.amount.map(column_letters),
        }
    }
}

/// The header row found on a sheet (0-based row and the three anchoring
/// columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderRow {
    /// 0-based row.
    pub row: u32,
    /// Column of the serial caption.
    pub serial: u32,
    /// Column of the quantity caption.
    pub quantity: u32,
    /// Column of the description caption.
    pub description: u32,
}

/// Parses every estimate sheet among `sheets`. `file` names the workbook in
/// the result and in errors.
pub fn parse_grids(file: &str, sheets: &[SheetGrid]) -> Result<ParsedWorkbook, ParseError> {
    // Spreadsheet programs keep sheet names unique regardless of case; two alike mean the
    // file was made by hand, and the estimates could not be told apart.
    let mut names = std::collections::HashSet::new();
    for sheet in sheets {
        if !names.insert(sheet.name().to_lowercase()) {
            return Err(ParseError::Unreadable {
                file: file.into(),
                detail: format!(
                    "two of its sheets are named '{}', which spreadsheet programs never allow, \
                     so the file was altered or damaged",
                    sheet.name()
                ),
            });
        }
    }
    let mut parsed = Vec::new();
    let mut warnings = Vec::new();
    for sheet in sheets {
        if let Some(header) = find_header(sheet) {
            refuse_overlong_text(file, sheet)?;
            let (estimate, sheet_warnings) = SheetParser::new(sheet, header).parse();
            if estimate.items.is_empty() {
                if let Some(range) = merge_over_the_items(sheet, header) {
                    return Err(ParseError::ItemsUnderMerge {
                        file: file.into(),
                        sheet: sheet.name().to_string(),
                        range,
                    });
                }
            }
            parsed.push((estimate, sheet_warnings));
        }
    }
    // A `Datas` sheet of rate analyses can hold tables with an estimate's captions, each with
    // its `Total`. Every estimate's footer has an ECV (DOMAIN.md §1), so beside a sheet that
    // has one, a table without is such a sheet, not a second estimate: it is named once and
    // left out, with its own warnings.
    let has_ecv = |sheet: &EstimateSheet| sheet.footer.rows.iter().any(|row| row.kind == "ecv");
    let beside_an_estimate = parsed.iter().any(|(sheet, _)| has_ecv(sheet));
    let mut kept = Vec::with_capacity(parsed.len());
    for (sheet, sheet_warnings) in parsed {
        if beside_an_estimate && !has_ecv(&sheet) {
            warnings.push(Warning {
                cell: qualified_ref(&sheet.name, sheet.header_row - 1, 0),
                message: "this sheet has a table with an estimate's captions but no ECV row, \
                          beside a sheet that has one; it was taken for rate analyses, not read \
                          as a second estimate"
                    .to_owned(),
            });
            continue;
        }
        warnings.extend(sheet_warnings);
        kept.push(sheet);
    }
    // Offices hide a superseded version rather than delete it; read as an estimate like any
    // other, it would be billed against with nothing to say it is not the sanctioned one.
    for sheet in sheets.iter().filter(|grid| grid.is_hidden()) {
        if let Some(estimate) = kept.iter().find(|estimate| estimate.name == sheet.name()) {
            warnings.push(Warning {
                cell: qualified_ref(&estimate.name, 0, 0),
                message: "this sheet is hidden in the workbook, as a superseded version often \
                          is; it was read as an estimate all the same, so check that it is the \
                          one sanctioned before billing against it"
                    .to_owned(),
            });
        }
    }
    let parsed = kept;
    if parsed.is_empty() {
        let names: Vec<String> = sheets
            .iter()
            .map(|s| format!("'{}'", s.name().replace('\'', "''")))
            .collect();
        let sheets = match names.len() {
            0 => "a workbook with no sheets".to_string(),
            1 => format!("sheet {}", names[0]),
            _ => format!("sheets {}", names.join(", ")),
        };
        return Err(ParseError::NoEstimateSheet {
            file: file.into(),
            sheets,
            rows: HEADER_SEARCH_ROWS,
        });
    }
    Ok(ParsedWorkbook {
        file: file.into(),
        format: None,
        sheets: parsed,
        warnings,
    })
}

/// Refuses an estimate sheet with a cell longer than a spreadsheet cell holds: its text would
/// be saved into documents that can never be written (an XLSX cell has the same bound).
fn refuse_overlong_text(file: &str, sheet: &SheetGrid) -> Result<(), ParseError> {
    for cells in sheet.rows_from(0) {
        for (col, value) in cells.iter() {
            let Some(text) = value.text() else { continue };
            // Bytes bound characters from above, so most cells need no count.
            if text.len() <= MAX_TEXT_CHARS {
                continue;
            }
            let chars = text.chars().count();
            if chars > MAX_TEXT_CHARS {
                return Err(ParseError::TextTooLong {
                    file: file.into(),
                    cell: qualified_ref(sheet.name(), cells.row(), col),
                    chars: super::limits::group_digits(chars as u64),
                });
            }
        }
    }
    Ok(())
}

/// Rows a merge must reach below the header to count as covering the item rows, not as a
/// header caption merged down over a second header line.
const ITEM_ROWS_UNDER_A_MERGE: u32 = 3;

/// The range of a merge that covers the serial or description column from the header down
/// over the item rows, if there is one: a sheet merged whole reads as a header and no items.
fn merge_over_the_items(sheet: &SheetGrid, header: HeaderRow) -> Option<String> {
    let below = header.row.checked_add(1)?;
    [header.serial, header.description]
        .into_iter()
        .filter_map(|col| sheet.merge_at(below, col))
        .find(|m| m.last_row >= below.saturating_add(ITEM_ROWS_UNDER_A_MERGE - 1))
        .map(|m| {
            format!(
                "{}:{}",
                super::grid::cell_ref(m.first_row, m.first_col),
                super::grid::cell_ref(m.last_row, m.last_col)
            )
        })
}

/// Finds the estimate header: within the first [`HEADER_SEARCH_ROWS`] rows,
/// a serial caption with a quantity caption and a description caption to
/// its right.
pub fn find_header(sheet: &SheetGrid) -> Option<HeaderRow> {
    for cells in sheet.rows_from(0) {
        let row = cells.row();
        if row >= HEADER_SEARCH_ROWS {
            break;
        }
        let texts: Vec<(u32, &str)> = cells
            .iter()
            .filter_map(|(col, v)| v.text().map(|t| (col, t)))
            .collect();
        let Some(&(serial, _)) = texts.iter().find(|(_, t)| labels::is_serial_header(t)) else {
            continue;
        };
        let right = || texts.iter().filter(move |(c, _)| *c > serial);
        let Some(&(quantity, _)) = right().find(|(_, t)| labels::is_quantity_header(t)) else {
            continue;
        };
        // The caption that most surely names the description, the leftmost of equals: a code
        // column (`SSR Item No`) may come before `Description of work`.
        let Some(&(description, _)) = right()
            .filter(|(c, t)| *c != quantity && labels::is_description_header(t))
            .max_by_key(|(c, t)| (labels::description_header_rank(t), std::cmp::Reverse(*c)))
        else {
            continue;
        };
        return Some(HeaderRow {
            row,
            serial,
            quantity,
            description,
        });
    }
    None
}

/// Detects the columns from the header captions. A column whose caption is
/// missing is taken from a merge (the unit under a merged `Quantity`, the
/// singular unit under a merged `Per`) or, when its caption cell is blank
/// because it is covered by a merge, from the standard layout.
pub fn detect_columns(sheet: &SheetGrid, header: HeaderRow) -> Columns {
    let row = header.row;
    let taken = [header.serial, header.quantity, header.description];
    let mut rate = None;
    let mut amount = None;
    let mut per = None;
    let mut unit = None;
    for (col, value) in sheet.row_cells(row) {
        let Some(text) = value.text() else { continue };
        if taken.contains(&col) {
            continue;
        }
        if rate.is_none() && labels::is_rate_header(text) {
            rate = Some(col);
        } else if amount.is_none() && labels::is_amount_header(text) {
            amount = Some(col);
        } else if per.is_none() && labels::is_per_header(text) {
            per = Some(col);
        } else if unit.is_none() && labels::is_unit_header(text) {
            unit = Some(col);
        }
    }

    let mut assigned: Vec<u32> = taken
        .iter()
        .copied()
        .chain([rate, amount, per, unit].into_iter().flatten())
        .collect();
    // "Quantity" spanning B:C leaves the unit in C with no caption.
    if unit.is_none() {
        unit = sheet
            .merge_at(row, header.quantity)
            .filter(|m| m.is_wide() && m.last_col > header.quantity)
            .map(|_| header.quantity.saturating_add(1))
            .filter(|c| !assigned.contains(c));
    }
    // "Per" spanning F:G holds the number 1 in F and the unit in G.
    let mut per_unit = per.and_then(|p| {
        sheet
            .merge_at(row, p)
            .filter(|m| m.is_wide() && m.last_col > p)
            .map(|m| m.last_col)
    });
    assigned.extend(unit.into_iter().chain(per_unit));

    let mut standard = |slot: &mut Option<u32>, offset: u32| {
        if slot.is_some() {
            return;
        }
        let col = header.serial.saturating_add(offset);
        let blank_by_merge = sheet.get(row, col).is_blank() && sheet.merge_at(row, col).is_some();
        if blank_by_merge && !assigned.contains(&col) {
            *slot = Some(col);
            assigned.push(col);
        }
    };
    standard(&mut unit, STD_UNIT);
    standard(&mut rate, STD_RATE);
    standard(&mut per, STD_PER);
    standard(&mut per_unit, STD_PER_UNIT);
    standard(&mut amount, STD_AMOUNT);

    Columns {
        serial: header.serial,
        quantity: header.quantity,
        unit,
        description: header.description,
        rate,
        per,
        per_unit,
        amount,
    }
}

/// A cell read as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Num {
    Value(Decimal),
    Blank,
    /// A formula with no stored result.
    NoValue,
    /// `#REF!`, `#DIV/0!`, …
    Error(String),
    NotNumber(String),
    /// A number beyond [`MAX_FIGURE`], as written. No figure this large reaches any arithmetic,
    /// so no workbook can overflow a sum or a percentage.
    TooLarge(String),
}

fn read_num(value: &CellValue) -> Num {
    match value {
        CellValue::Number(d) if !within_limit(*d) => Num::TooLarge(plain_text(*d)),
        CellValue::Number(d) => Num::Value(*d),
        CellValue::Text(t) if t.trim().is_empty() => Num::Blank,
        CellValue::Text(t) => match parse_number_text(t) {
            Some(d) if !within_limit(d) => Num::TooLarge(t.trim().to_string()),
            Some(d) => Num::Value(d),
            // Digits beyond even `Decimal`'s range (a float such as 1e300), or beyond a
            // float's (a stored 1e400 reads as `inf`).
            None if t
                .trim()
                .parse::<f64>()
                .is_ok_and(|f| f.is_infinite() || f.abs() > 1e12) =>
            {
                Num::TooLarge(t.trim().to_string())
            }
            // Some sheets hold the error as text after a paste-as-values.
            None if t.trim().starts_with('#') && t.trim().ends_with(['!', '?', 'A']) => {
                Num::Error(t.trim().to_string())
            }
            None => Num::NotNumber(t.trim().to_string()),
        },
        CellValue::Empty => Num::Blank,
        CellValue::Bool(b) => Num::NotNumber(if *b { "TRUE" } else { "FALSE" }.into()),
        CellValue::Error(e) => Num::Error(e.clone()),
        CellValue::FormulaWithoutValue => Num::NoValue,
    }
}

/// Whether a serial is an item's (`12`, `2(i)`, `3 a)`) rather than a sub-head's (`A`, `II`):
/// items are numbered, sub-heads lettered.
fn is_item_serial(serial: &str) -> bool {
    serial.chars().any(|c| c.is_ascii_digit())
}

/// A `1 2 3 4 …` row numbering the columns under the header, written as numbers, as text, or
/// as `(1) (2) (3) …`.
fn is_column_numbering_row(cells: RowCells<'_>) -> bool {
    let mut expected = Decimal::ONE;
    let mut count = 0;
    for (_, value) in cells.iter() {
        let number = match value {
            CellValue::Number(d) => Some(*d),
            CellValue::Text(t) => {
                let t = t.trim();
                let bare = t
                    .strip_prefix('(')
                    .and_then(|t| t.strip_suffix(')'))
                    .unwrap_or(t);
                bare.parse::<Decimal>().ok()
            }
            _ => None,
        };
        if number != Some(expected) {
            return false;
        }
        expected += Decimal::ONE;
        count += 1;
    }
    count >= 4
}

/// Text for labels and units: text trimmed, numbers in plain form.
fn display_text(value: &CellValue) -> Option<String> {
    match value {
        CellValue::Text(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
        CellValue::Number(d) => Some(plain_text(*d)),
        _ => None,
    }
}

/// The warning for a figure beyond [`MAX_FIGURE`]: the figure as written, shortened.
fn too_large(what: &str, text: &str) -> String {
    format!(
        "{what} {} is beyond the largest figure accepted ({}), so it was not read; check the cell",
        excerpt(text),
        format_indian(MAX_FIGURE)
    )
}

/// A footer row before its value is resolved.
struct RawFooterRow {
    row: u32,
    label: String,
    kind: Option<FooterKind>,
    value_col: u32,
    value: Num,
}

/// The numbers of an item or AE row.
struct RowFigures {
    quantity: Option<Decimal>,
    rate: Option<Decimal>,
    amount: Option<Decimal>,
    flags: Vec<ItemFlag>,
}

struct SheetParser<'a> {
    sheet: &'a SheetGrid,
    header: HeaderRow,
    cols: Columns,
    warnings: Vec<Warning>,
    words: WordSplitter,
}

impl<'a> SheetParser<'a> {
    fn new(sheet: &'a SheetGrid, header: HeaderRow) -> Self {
        Self {
            sheet,
            header,
            cols: detect_columns(sheet, header),
            warnings: Vec::new(),
            words: WordSplitter::default(),
        }
    }

    fn warn(&mut self, row: u32, col: u32, message: impl Into<String>) {
        self.warnings.push(Warning {
            cell: qualified_ref(self.sheet.name(), row, col),
            message: message.into(),
        });
    }

    fn parse(mut self) -> (EstimateSheet, Vec<Warning>) {
        let header_row = self.header.row;
        if self.cols.unit.is_none() {
            self.warn(
                header_row,
                self.cols.quantity,
                "no Unit column was found: caption it 'Unit', or merge the Quantity caption over \
                 the quantity and its unit, so that items keep their units",
            );
        }
        if self.cols.rate.is_none() {
            self.warn(
                header_row,
                self.cols.serial.saturating_add(STD_RATE),
                "no Rate column was found in the header row, so items cannot be told from headings by their rate",
            );
        }
        if self.cols.amount.is_none() {
            self.warn(
                header_row,
                self.cols.serial.saturating_add(STD_AMOUNT),
                "no Amount column was found in the header row; amounts are computed as ROUND2(quantity × rate)",
            );
        }
        let metadata = self.parse_metadata();

        let mut items: Vec<WorkbookItem> = Vec::new();
        let mut headings = Vec::new();
        let mut excess_rows = Vec::new();
        let mut footer_rows = Vec::new();
        let mut in_footer = false;
        // Where the footer began, for rows below it that look like items.
        let mut footer_start: Option<(u32, String)> = None;
        let mut grand_total_row = None;
        let first = self.first_body_row();
        // A printed estimate repeats its header at the top of each page, with the line of units
        // or column numbers under it; none of them is an item or a heading.
        let mut repeated_header_at = None;
        for cells in self.sheet.rows_from(first) {
            let row = cells.row();
            if !in_footer {
                if self.repeats_the_header(cells) {
                    repeated_header_at = Some(row);
                    continue;
                }
                let under_a_repeat = repeated_header_at.is_some_and(|at| row <= at + 2);
                if is_column_numbering_row(cells) || (under_a_repeat && self.is_caption_line(cells))
                {
                    continue;
                }
            }
            let description = self.description_at(cells);
            if let Some(grand_total) = grand_total_row {
                if self.looks_like_an_item(cells) {
                    self.warn(
                        row,
                        self.cols.quantity,
                        format!(
                            "this row and any below it look like items, but they lie below the \
                             Grand Total on row {}, where the estimate ends, so they were not \
                             read; a second estimate belongs on a sheet of its own",
                            grand_total + 1
                        ),
                    );
                    break;
                }
                continue;
            }
            if in_footer && self.looks_like_an_item(cells) {
                if let Some((start, label)) = &footer_start {
                    let message = format!(
                        "this row looks like an item, but it lies below '{label}' on row {}, \
                         where the items end, so it was not read as one; a total of a sub-head \
                         among the items needs another label (such as 'Total of Sub Head I')",
                        start + 1
                    );
                    self.warn(row, self.cols.quantity, message);
                }
            }
            if let Some((label_col, text)) = self.footer_label(cells, description) {
                let kind = labels::footer_kind_with(text, &mut self.words);
                let closes_items = kind.as_ref().is_some_and(FooterKind::ends_items);
                if in_footer || closes_items {
                    in_footer = true;
                    footer_start.get_or_insert_with(|| (row, excerpt(text)));
                    let is_grand_total = kind == Some(FooterKind::GrandTotal);
                    let kind = self.with_a_real_rate(kind, row, label_col, text);
                    let (value_col, value) = self.footer_value(cells, label_col);
                    footer_rows.push(RawFooterRow {
                        row,
                        label: text.to_string(),
                        kind,
                        value_col,
                        value,
                    });
                    if is_grand_total {
                        grand_total_row = Some(row);
                    }
                    continue;
                }
            }
            if in_footer {
                continue;
            }

            // A heading merged across A:H holds its text in the serial
            // column; that text is the heading, not a serial number.
            let serial_merged_into_description = self
                .sheet
                .merge_at(row, self.cols.description)
                .is_some_and(|m| m.contains(row, self.cols.serial));
            let sl_no = if serial_merged_into_description {
                None
            } else {
                display_text(cells.get(self.cols.serial))
            };
            let excess_label = [sl_no.as_deref(), description.map(|d| d.0)]
                .into_iter()
                .flatten()
                .find(|t| labels::is_excess_label(t))
                .map(str::to_string);
            if let Some(label) = excess_label {
                let figures = self.read_figures(cells);
                excess_rows.push(ExcessRow {
                    row: row + 1,
                    label,
                    item_row: items.last().map(|i| i.row),
                    quantity: figures.quantity,
                    unit: self.text_in(cells, self.cols.unit),
                    per_unit: self.text_in(cells, self.cols.per_unit),
                    rate: figures.rate,
                    amount: figures.amount,
                });
                continue;
            }

            let has_rate = self.cols.rate.is_some_and(|c| !cells.get(c).is_blank());
            // An item whose serial and first words stand on the row above its figures (a long
            // description wrapped onto a second row, or serial and description cells merged
            // down over it): that row was read as a heading, and is this item's beginning.
            if has_rate && sl_no.is_none() {
                if let Some(start) = headings.pop_if(|h: &mut Heading| {
                    h.row == row && h.sl_no.as_deref().is_some_and(is_item_serial)
                }) {
                    let rest = description.map(|(text, _)| text.trim()).unwrap_or("");
                    let text = if rest.is_empty() {
                        start.text
                    } else {
                        format!("{} {rest}", start.text.trim_end())
                    };
                    items.push(self.item(cells, start.sl_no, text));
                    continue;
                }
            }
            // A description merged across columns marks a heading, unless the row carries an
            // item's quantity and rate (some sheets merge every description over D:E).
            match description {
                Some((text, wide_merge))
                    if !has_rate || (wide_merge && !self.looks_like_an_item(cells)) =>
                {
                    // A sub-head's total or a page's carried-over sum among the items: the
                    // footer is worked out from the items, so it is neither a heading to print
                    // in every document nor an item.
                    if labels::is_running_total(text) {
                        continue;
                    }
                    if !wide_merge {
                        self.warn_numbers_on_heading(cells);
                    }
                    headings.push(Heading {
                        row: row + 1,
                        sl_no,
                        text: text.to_string(),
                    });
                }
                Some((text, _)) => items.push(self.item(cells, sl_no, text.to_string())),
                None if has_rate => {
                    self.warn(
                        row,
                        self.cols.description,
                        "this item has a rate but no description",
                    );
                    items.push(self.item(cells, sl_no, String::new()));
                }
                None => {
                    if let Some(col) = self.cols.amount {
                        if !cells.get(col).is_blank() {
                            self.warn(
                                row,
                                col,
                                "this row has an amount but no description or rate, so it was ignored",
                            );
                        }
                    }
                }
            }
        }

        if items.is_empty() {
            self.warn(
                header_row,
                self.cols.serial,
                "no item rows were found below this header row",
            );
        }
        self.warn_unbillable_items(&items);
        let footer = self.resolve_footer(&items, &excess_rows, footer_rows);
        let estimate = EstimateSheet {
            name: self.sheet.name().to_string(),
            header_row: header_row + 1,
            columns: self.cols.letters(),
            items,
            headings,
            excess_rows,
            footer,
            metadata,
        };
        (estimate, self.warnings)
    }

    /// Names, at import, the items no bill could take as they are: a serial that repeats an
    /// earlier item's (bills and work slips find items by serial, and refused the estimate's
    /// first bill with a quantities file), and a negative quantity or rate.
    fn warn_unbillable_items(&mut self, items: &[WorkbookItem]) {
        let mut first_rows: std::collections::HashMap<String, u32> =
            std::collections::HashMap::new();
        for item in items {
            let row = item.row.saturating_sub(1);
            if let Some(serial) = item
                .sl_no
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                match first_rows.get(serial) {
                    Some(first) => {
                        let message = format!(
                            "item {serial} repeats the serial of the item on row {first}; bills \
                             and work slips find items by serial, so number each item once"
                        );
                        self.warn(row, self.cols.serial, message);
                    }
                    None => {
                        first_rows.insert(serial.to_owned(), item.row);
                    }
                }
            }
            if let Some(quantity) = item.quantity.filter(|q| *q < Decimal::ZERO) {
                let message = format!(
                    "the quantity is negative ({}); an item's quantity is work to be done, and \
                     old material to deduct goes in the footer's Deduct row",
                    plain_text(quantity)
                );
                self.warn(row, self.cols.quantity, message);
            }
            if let Some(rate) = item.rate.filter(|r| *r < Decimal::ZERO) {
                let message = format!(
                    "the rate is negative ({}); a rate is what a unit of the work costs, and \
                     old material to deduct goes in the footer's Deduct row",
                    plain_text(rate)
                );
                let col = self.cols.rate.unwrap_or(self.cols.quantity);
                self.warn(row, col, message);
            }
        }
    }

    /// The first row after the header, skipping the rest of any header cell
    /// merged downwards and a `1 2 3 4 …` column-numbering row.
    fn first_body_row(&self) -> u32 {
        let header = self.header;
        let last_header_row = [header.serial, header.quantity, header.description]
            .iter()
            .filter_map(|&c| self.sheet.merge_at(header.row, c))
            .map(|m| m.last_row)
            .fold(header.row, u32::max);
        // Under the captions some sheets put a line of units (`No. | Unit | … | Rs. | Rs.`), a
        // line numbering the columns, or both; neither is an item.
        let mut next = last_header_row + 1;
        for _ in 0..2 {
            match self.sheet.rows_from(next).next() {
                Some(cells)
                    if cells.row() == next
                        && (is_column_numbering_row(cells) || self.is_caption_line(cells)) =>
                {
                    next += 1;
                }
                _ => break,
            }
        }
        next
    }

    /// The header's captions again, as a printed estimate repeats them at the top of each page:
    /// a serial caption in the serial column, a quantity caption in the quantity column and a
    /// description caption in the description column.
    fn repeats_the_header(&self, cells: RowCells<'a>) -> bool {
        let caption = |col: u32, is: fn(&str) -> bool| cells.get(col).text().is_some_and(is);
        caption(self.cols.serial, labels::is_serial_header)
            && caption(self.cols.quantity, labels::is_quantity_header)
            && caption(self.cols.description, labels::is_description_header)
    }

    /// A second line of captions: short texts, no figure, in at least two of the figure and
    /// serial columns (a sub-head heading holds its text in the description only).
    fn is_caption_line(&self, cells: RowCells<'a>) -> bool {
        const LONGEST_CAPTION: usize = 15;
        let mut captions = 0;
        for (col, value) in cells.iter() {
            match value {
                CellValue::Text(t) if t.trim().is_empty() => {}
                CellValue::Text(t)
                    if parse_number_text(t).is_none()
                        && t.trim().chars().count() <= LONGEST_CAPTION =>
                {
                    let figure_or_serial = [
                        Some(self.cols.serial),
                        Some(self.cols.quantity),
                        self.cols.rate,
                        self.cols.amount,
                    ]
                    .contains(&Some(col));
                    captions += usize::from(figure_or_serial);
                }
                CellValue::Empty => {}
                _ => return false,
            }
        }
        captions >= 2
    }

    /// The description text of a row and whether it sits in a merge wider
    /// than one column (a heading). A merge started on an earlier row does
    /// not count: its text belongs to that row.
    fn description_at(&self, cells: RowCells<'a>) -> Option<(&'a str, bool)> {
        let (row, col) = (cells.row(), self.cols.description);
        let merge = self.sheet.merge_at(row, col).filter(|m| m.first_row == row);
        let wide = merge.is_some_and(|m| m.is_wide());
        if let Some(text) = cells.get(col).text() {
            return Some((text, wide));
        }
        let m = merge?;
        self.sheet
            .get(m.first_row, m.first_col)
            .text()
            .map(|t| (t, wide))
    }

    /// The text that could be a footer label: the row's description (from
    /// [`Self::description_at`]), or the first text left of the amount
    /// column (labels merged across A:G sit in A, and some sheets put them
    /// under the quantity or the rate).
    fn footer_label(
        &self,
        cells: RowCells<'a>,
        description: Option<(&'a str, bool)>,
    ) -> Option<(u32, &'a str)> {
        if let Some((text, _)) = description {
            return Some((self.cols.description, text));
        }
        let limit = self.cols.amount.unwrap_or(u32::MAX);
        cells.iter().filter(|(c, _)| *c < limit).find_map(|(c, v)| {
            v.text()
                .filter(|t| parse_number_text(t).is_none())
                .map(|t| (c, t))
        })
    }

    /// A footer row's value: the amount column, else the rightmost figure
    /// to the right of the label.
    fn footer_value(&self, cells: RowCells<'a>, label_col: u32) -> (u32, Num) {
        if let Some(col) = self.cols.amount {
            let value = read_num(cells.get(col));
            if value != Num::Blank {
                return (col, value);
            }
        }
        let fallback = cells.iter().rev().find(|(c, v)| {
            *c > label_col
                && match v {
                    CellValue::Text(t) => parse_number_text(t).is_some(),
                    other => !other.is_blank() && !matches!(other, CellValue::Bool(_)),
                }
        });
        match fallback {
            Some((col, value)) => (col, read_num(value)),
            None => (self.cols.amount.unwrap_or(label_col + 1), Num::Blank),
        }
    }

    /// A row with a quantity and a rate, both numbers: what an item row holds.
    fn looks_like_an_item(&self, cells: RowCells<'a>) -> bool {
        let number =
            |col: Option<u32>| col.is_some_and(|c| matches!(read_num(cells.get(c)), Num::Value(_)));
        number(Some(self.cols.quantity)) && number(self.cols.rate)
    }

    /// A footer label's percentage outside 0 – 100 % (a T.P, cess or GST of 10^28 %) is no rate
    /// any department uses: the row is named and read as an unrecognised line, so the figure
    /// never enters a computation (nor the abstract that reproduces the footer).
    fn with_a_real_rate(
        &mut self,
        kind: Option<FooterKind>,
        row: u32,
        label_col: u32,
        label: &str,
    ) -> Option<FooterKind> {
        match kind.as_ref().and_then(FooterKind::percent) {
            Some(p) if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED => {
                let message = format!(
                    "'{}' gives a rate of {} %, outside 0 to 100 %, so the row was not read; \
                     correct the percentage in the label",
                    excerpt(label),
                    excerpt(&plain_text(p))
                );
                self.warn(row, label_col, message);
                None
            }
            // Left unread, the premium would be missed with only a Sub Total that disagrees to
            // show for it, named at the Sub Total.
            None if kind.is_none() && labels::names_tender_premium(label) => {
                let message = format!(
                    "'{}' names a tender premium but gives no percentage in its label, so the \
                     row was not read; write it as 'Add Excess T.P @ 4.5 %' or 'Deduct T.P @ 4.5 \
                     % Less'",
                    excerpt(label)
                );
                self.warn(row, label_col, message);
                None
            }
            _ => kind,
        }
    }

    fn warn_numbers_on_heading(&mut self, cells: RowCells<'a>) {
        let candidates = [Some(self.cols.quantity), self.cols.amount];
        for col in candidates.into_iter().flatten() {
            if !cells.get(col).is_blank() {
                self.warn(
                    cells.row(),
                    col,
                    "this row has a figure but no rate, so it was read as a heading; add the rate if it is an item",
                );
                return;
            }
        }
    }

    /// A quantity typed with its unit in one cell (`10 Nos`) whose unit is the one the Unit
    /// column gives: the number is what was meant, so it is read, and the cell is named, since
    /// the workbook's own amount formula cannot multiply text. A unit other than the column's
    /// leaves the cell unread, as any other text.
    fn quantity_typed_with_its_unit(&mut self, cells: RowCells<'a>) -> Option<Decimal> {
        let CellValue::Text(text) = cells.get(self.cols.quantity) else {
            return None;
        };
        let text = text.trim();
        let split = text.find(|c: char| c.is_alphabetic())?;
        let (figure, unit) = text.split_at(split);
        let quantity = parse_number_text(figure).filter(|q| within_limit(*q))?;
        let bare = |unit: &str| unit.trim().trim_end_matches('.').to_lowercase();
        let column_unit = self.text_in(cells, self.cols.unit)?;
        if bare(unit).is_empty() || bare(unit) != bare(&column_unit) {
            return None;
        }
        self.warn(
            cells.row(),
            self.cols.quantity,
            format!(
                "quantity '{}' was read as {}, its unit being the Unit column's; type the number \
                 alone so that the workbook's own amount can use it",
                excerpt(text),
                plain_text(quantity)
            ),
        );
        Some(quantity)
    }

    fn text_in(&self, cells: RowCells<'a>, col: Option<u32>) -> Option<String> {
        col.and_then(|c| display_text(cells.get(c)))
    }

    fn item(
        &mut self,
        cells: RowCells<'a>,
        sl_no: Option<String>,
        description: String,
    ) -> WorkbookItem {
        let figures = self.read_figures(cells);
        WorkbookItem {
            row: cells.row() + 1,
            sl_no,
            description,
            quantity: figures.quantity,
            unit: self.text_in(cells, self.cols.unit),
            rate: figures.rate,
            per_unit: self.text_in(cells, self.cols.per_unit),
            amount: figures.amount,
            flags: figures.flags,
        }
    }

    /// Reads quantity, rate and amount, recomputing a missing amount and
    /// checking a stated one against ROUND2(qty × rate).
    fn read_figures(&mut self, cells: RowCells<'a>) -> RowFigures {
        let row = cells.row();
        let mut flags = Vec::new();
        let quantity = match self.quantity_typed_with_its_unit(cells) {
            Some(quantity) => Some(quantity),
            None => self.read_operand(cells, Some(self.cols.quantity), "quantity", &mut flags),
        };
        let rate = self.read_operand(cells, self.cols.rate, "rate", &mut flags);
        self.warn_rate_not_per_one(cells, rate);
        let expected = quantity
            .zip(rate)
            .and_then(|(q, r)| q.checked_mul(r))
            .map(round2);
        let formula = |q: Option<Decimal>, r: Option<Decimal>, e: Decimal| match (q, r) {
            (Some(q), Some(r)) => format!(
                "ROUND2({} × {}) = {}",
                plain_text(q),
                money_text(r),
                money_text(e)
            ),
            _ => money_text(e),
        };

        // Quantity and rate each within the limit can still multiply past it: such an amount
        // is named as a cell beyond it would be, not worked with.
        let beyond_limit = |e: Decimal| {
            format!(
                "amount {} is beyond the largest figure accepted ({}); check the quantity and \
                 the rate",
                formula(quantity, rate, e),
                format_indian(MAX_FIGURE)
            )
        };
        let amount = match self.cols.amount {
            None => match expected {
                Some(e) if !within_limit(e) => {
                    let message = beyond_limit(e);
                    let at = (row, self.cols.quantity);
                    self.flag(at, &mut flags, ItemFlag::OutOfRange, message);
                    None
                }
                Some(e) => {
                    flags.push(ItemFlag::AmountRecomputed);
                    Some(e)
                }
                None => None,
            },
            Some(col) => match read_num(cells.get(col)) {
                Num::Value(stated) => {
                    if let Some(e) = expected {
                        if (stated - e).abs() > TOLERANCE {
                            let message = format!(
                                "amount {} differs from {}",
                                money_text(stated),
                                formula(quantity, rate, e)
                            );
                            self.flag((row, col), &mut flags, ItemFlag::AmountMismatch, message);
                        }
                    }
                    // In paise (DOMAIN.md: H = ROUND2(B × E)): a workbook whose amount is an
                    // unrounded `=B*E` shows 1,240.67 but holds 1,240.6725, and the documents'
                    // totals must add up the figures they print.
                    Some(round2(stated))
                }
                missing @ (Num::Blank | Num::NoValue) => {
                    let why = if missing == Num::Blank {
                        "amount is blank"
                    } else {
                        "amount formula has no saved result"
                    };
                    let (flag, message) = match expected {
                        Some(e) if !within_limit(e) => (ItemFlag::OutOfRange, beyond_limit(e)),
                        Some(e) => (
                            ItemFlag::AmountRecomputed,
                            format!("{why}; recomputed as {}", formula(quantity, rate, e)),
                        ),
                        None => (
                            ItemFlag::MissingValue,
                            format!("{why} and cannot be recomputed without the quantity and rate"),
                        ),
                    };
                    self.flag((row, col), &mut flags, flag, message);
                    expected.filter(|e| within_limit(*e))
                }
                Num::Error(code) => {
                    self.flag_error_value((row, col), "amount", &code, &mut flags);
                    None
                }
                Num::NotNumber(text) => {
                    self.flag_text((row, col), "amount", &text, &mut flags);
                    None
                }
                Num::TooLarge(text) => {
                    let message = too_large("amount", &text);
                    self.flag((row, col), &mut flags, ItemFlag::OutOfRange, message);
                    None
                }
            },
        };
        flags.dedup();
        RowFigures {
            quantity,
            rate,
            amount,
            flags,
        }
    }

    /// The department's estimates rate every item per one unit (the Per column reads 1), and
    /// every document multiplies quantity by rate. A rate per 10 or per 100 units would come out
    /// that many times too large on every bill, so the Per cell is named with the fix.
    fn warn_rate_not_per_one(&mut self, cells: RowCells<'a>, rate: Option<Decimal>) {
        let Some(col) = self.cols.per else {
            return;
        };
        let Num::Value(per) = read_num(cells.get(col)) else {
            return;
        };
        if per == Decimal::ONE || per <= Decimal::ZERO {
            return;
        }
        let per_one = rate
            .and_then(|rate| rate.checked_div(per))
            .map(|rate| format!(" ({} per one unit)", plain_text(rate.normalize())))
            .unwrap_or_default();
        let message = format!(
            "the rate is per {} units, but bills and work slips rate items per one unit, so they \
             would price this item {0} times over; enter the rate per one unit{per_one} and a Per \
             of 1",
            plain_text(per.normalize()),
        );
        self.warn(cells.row(), col, message);
    }

    /// Reads a quantity or rate cell, warning about anything but a number.
    fn read_operand(
        &mut self,
        cells: RowCells<'a>,
        col: Option<u32>,
        what: &str,
        flags: &mut Vec<ItemFlag>,
    ) -> Option<Decimal> {
        let (row, col) = (cells.row(), col?);
        match read_num(cells.get(col)) {
            // One bound on every figure that can reach a document, so that no product of two
            // of them can overflow: the cell is named, and the item cannot be billed until the
            // workbook is fixed.
            Num::TooLarge(text) => {
                self.flag(
                    (row, col),
                    flags,
                    ItemFlag::OutOfRange,
                    too_large(what, &text),
                );
                None
            }
            Num::Value(d) => Some(d),
            Num::Blank => {
                self.warn(row, col, format!("{what} is blank"));
                None
            }
            Num::NoValue => {
                let message = format!(
                    "{what} is a formula with no saved result; open the workbook in Excel or \
                     LibreOffice and save it so results are stored"
                );
                self.flag((row, col), flags, ItemFlag::MissingValue, message);
                None
            }
            Num::Error(code) => {
                self.flag_error_value((row, col), what, &code, flags);
                None
            }
            Num::NotNumber(text) => {
                self.flag_text((row, col), what, &text, flags);
                None
            }
        }
    }

    /// Warns about the cell at `(row, col)` and flags its item.
    fn flag(
        &mut self,
        (row, col): (u32, u32),
        flags: &mut Vec<ItemFlag>,
        flag: ItemFlag,
        message: String,
    ) {
        self.warn(row, col, message);
        flags.push(flag);
    }

    /// A figure cell (`what`: quantity, rate, amount) that holds an error value such as `#REF!`.
    fn flag_error_value(
        &mut self,
        at: (u32, u32),
        what: &str,
        code: &str,
        flags: &mut Vec<ItemFlag>,
    ) {
        let message =
            format!("{what} is the error value {code}; the row is flagged, fix the formula");
        self.flag(at, flags, ItemFlag::FormulaError, message);
    }

    /// A figure cell (`what`: quantity, rate, amount) that holds text that is not a number.
    fn flag_text(&mut self, at: (u32, u32), what: &str, text: &str, flags: &mut Vec<ItemFlag>) {
        let message = format!("{what} '{}' is not a number", excerpt(text));
        self.flag(at, flags, ItemFlag::NotANumber, message);
    }

    /// Reads the `label : value` lines above the header.
    fn parse_metadata(&mut self) -> Metadata {
        let mut meta = Metadata::default();
        for row_cells in self.sheet.rows_from(0) {
            let row = row_cells.row();
            if row >= self.header.row {
                break;
            }
            let cells: Vec<(u32, String)> = row_cells
                .iter()
                .filter_map(|(c, v)| display_text(v).map(|t| (c, t)))
                .collect();
            if cells.is_empty() {
                continue;
            }
            let Some(split) = cells.iter().position(|(_, t)| t.contains(':')) else {
                if meta.title.is_none() {
                    let joined: Vec<&str> = cells.iter().map(|(_, t)| t.as_str()).collect();
                    meta.title = Some(joined.join(" "));
                }
                continue;
            };
            let (before, after) = cells[split].1.split_once(':').expect("contains ':'");
            let label = cells[..split]
                .iter()
                .map(|(_, t)| t.as_str())
                .chain([before])
                .collect::<Vec<_>>()
                .join(" ")
                .trim()
                .to_string();
            let value = [after]
                .into_iter()
                .chain(cells[split + 1..].iter().map(|(_, t)| t.as_str()))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if label.is_empty() {
                continue;
            }
            let value_col = cells.last().map_or(cells[split].0, |(c, _)| *c);
            let slot = match labels::metadata_field(&label) {
                Some(MetadataField::NameOfWork) => &mut meta.name_of_work,
                Some(MetadataField::AdministrativeSanction) => &mut meta.administrative_sanction,
                Some(MetadataField::TechnicalSanction) => &mut meta.technical_sanction,
                Some(MetadataField::Agreement) => &mut meta.agreement,
                Some(MetadataField::Agency) => &mut meta.agency,
                Some(MetadataField::EstimateAmount) => {
                    match labels::amount_in_text(&value) {
                        Some(amount) if meta.estimate_amount.is_none() => {
                            meta.estimate_amount = Some(amount);
                            continue;
                        }
                        Some(_) => {}
                        None => self.warn(
                            row,
                            value_col,
                            format!("estimate amount '{value}' is not a number"),
                        ),
                    }
                    meta.other.push(MetadataLine {
                        row: row + 1,
                        label,
                        value,
                    });
                    continue;
                }
                None => {
                    meta.other.push(MetadataLine {
                        row: row + 1,
                        label,
                        value,
                    });
                    continue;
                }
            };
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value);
            } else {
                meta.other.push(MetadataLine {
                    row: row + 1,
                    label,
                    value,
                });
            }
        }
        meta
    }

    /// Fills the footer from its rows, recomputing values the file lacks and
    /// checking stated ones by the department's rules.
    fn resolve_footer(
        &mut self,
        items: &[WorkbookItem],
        excess_rows: &[ExcessRow],
        raws: Vec<RawFooterRow>,
    ) -> Footer {
        let mut f = Footer::default();
        // AE rows carry part of an item's amount, so they count towards the
        // ECV. Only a complete set of amounts gives a trustworthy ECV.
        let items_total: Option<Decimal> = items
            .iter()
            .map(|i| i.amount)
            .chain(excess_rows.iter().map(|e| e.amount))
            .try_fold(Decimal::ZERO, |acc, a| a.map(|a| acc + a));
        let mut balancing = Vec::new();

        for raw in raws {
            let kind = raw.kind.clone();
            let stated = self.footer_stated(&raw);
            // A premium's direction is in its label; a `Less T.P` row often also carries a
            // minus sign. Like the old-material deduction, it is read whichever sign was typed.
            let stated = match kind {
                Some(FooterKind::TenderPremium { .. }) => stated.map(|s| s.abs()),
                _ => stated,
            };
            let is_balancing = matches!(
                kind,
                Some(FooterKind::LsUnforeseen | FooterKind::GrandTotal)
            );
            let (value, recomputed) = if is_balancing {
                (stated, false)
            } else {
                let expected = expected_footer_value(&f, items_total, kind.as_ref());
                self.settle(&raw, stated, expected)
            };
            match &kind {
                Some(FooterKind::DeductOldMaterial) => f.deduct_old_material = value,
                Some(FooterKind::Ecv) => f.ecv = value,
                Some(FooterKind::TenderPremium { percent, kind }) => {
                    f.tp_percent = Some(*percent);
                    f.tp_kind = Some(*kind);
                    f.tp = value;
                }
                Some(FooterKind::LabourCess(p)) => {
                    f.lc_percent = *p;
                    f.lc = value;
                }
                Some(FooterKind::QualityControl(p)) => {
                    f.qc_percent = *p;
                    f.qc = value;
                }
                Some(FooterKind::Nac(p)) => {
                    f.nac_percent = *p;
                    f.nac = value;
                }
                Some(FooterKind::SubTotal) => f.sub_total = value,
                Some(FooterKind::Gst(p)) => {
                    f.gst_percent = *p;
                    f.gst = value;
                }
                Some(FooterKind::LsOther(name)) => f.ls_provisions.push(LsProvision {
                    row: raw.row + 1,
                    name: name.clone(),
                    amount: value,
                }),
                Some(FooterKind::Total) => f.total = value,
                Some(FooterKind::LsUnforeseen) => f.ls_unforeseen = value,
                Some(FooterKind::GrandTotal) => f.grand_total = value,
                None => {}
            }
            f.rows.push(FooterRow {
                row: raw.row + 1,
                label: raw.label.clone(),
                kind: kind.as_ref().map_or("other", FooterKind::code).to_string(),
                amount: value,
                recomputed,
            });
            if is_balancing {
                balancing.push((f.rows.len() - 1, raw));
            }
        }
        self.settle_balancing_rows(&mut f, balancing);

        if !f.rows.iter().any(|r| r.kind == "ecv") {
            let (row, col) = match items.last() {
                // The row under the last item, where the ECV belongs.
                Some(item) => (item.row, self.cols.amount.unwrap_or(self.cols.description)),
                None => (self.header.row + 1, self.cols.description),
            };
            self.warn(row, col, "no ECV row was found below the items");
        }
        f
    }

    /// The figure a footer row states, warning about error values and text.
    fn footer_stated(&mut self, raw: &RawFooterRow) -> Option<Decimal> {
        match &raw.value {
            // Money, as the sheet shows it: an unrounded formula (`=SUM(H8:H40)` over `=B8*E8`)
            // holds more places than the two it prints, and every figure is ROUND2 (DOMAIN.md).
            Num::Value(d) => Some(round2(*d)),
            Num::Error(code) => {
                self.warn(
                    raw.row,
                    raw.value_col,
                    format!("'{}' is the error value {code}; fix the formula", raw.label),
                );
                None
            }
            Num::TooLarge(text) if raw.kind.is_some() => {
                let what = format!("'{}'", raw.label);
                self.warn(raw.row, raw.value_col, too_large(&what, text));
                None
            }
            // Unrecognised footer lines (amount in words, notes) may hold text.
            Num::NotNumber(text) if raw.kind.is_some() => {
                self.warn(
                    raw.row,
                    raw.value_col,
                    format!("'{}' value '{text}' is not a number", raw.label),
                );
                None
            }
            _ => None,
        }
    }

    /// Chooses a footer row's value: the stated one (warning if it disagrees
    /// with the rule), or the computed one when the file has none.
    fn settle(
        &mut self,
        raw: &RawFooterRow,
        stated: Option<Decimal>,
        expected: Option<Decimal>,
    ) -> (Option<Decimal>, bool) {
        let rule = rule_name(raw.kind.as_ref());
        let missing = match raw.value {
            Num::NoValue => Some("has no saved result"),
            Num::Blank if raw.kind.is_some() => Some("has no value"),
            _ => None,
        };
        match (stated, expected, missing) {
            (Some(s), Some(e), _) => {
                if (s - e).abs() > TOLERANCE {
                    self.warn(
                        raw.row,
                        raw.value_col,
                        format!(
                            "'{}' is {} but {rule} gives {}",
                            raw.label,
                            money_text(s),
                            money_text(e)
                        ),
                    );
                }
                (Some(s), false)
            }
            (Some(s), None, _) => (Some(s), false),
            (None, Some(e), Some(why)) => {
                self.warn(
                    raw.row,
                    raw.value_col,
                    format!(
                        "'{}' {why}; recomputed as {rule} = {}",
                        raw.label,
                        money_text(e)
                    ),
                );
                (Some(e), true)
            }
            (None, None, Some(why)) => {
                self.warn(
                    raw.row,
                    raw.value_col,
                    format!("'{}' {why} and cannot be recomputed", raw.label),
                );
                (None, false)
            }
            (None, _, None) => (None, false),
        }
    }

    /// The grand total is typed by the user; the unforeseen-items L.S
    /// provision balances the footer up to it. Settled after every other row
    /// because the grand total comes last.
    fn settle_balancing_rows(&mut self, f: &mut Footer, rows: Vec<(usize, RawFooterRow)>) {
        let others: Decimal = f.ls_provisions.iter().filter_map(|p| p.amount).sum();
        let gst = f.gst.unwrap_or_default();
        let (totals, provisions): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .partition(|(_, raw)| raw.kind == Some(FooterKind::GrandTotal));
        for (index, raw) in totals {
            let stated = f.rows[index].amount;
            let expected = f
                .sub_total
                .map(|sub| sub + gst + f.ls_unforeseen.unwrap_or_default() + others);
            // A typed grand total is the sanctioned figure: never "corrected".
            let expected = if stated.is_some() { None } else { expected };
            let (value, recomputed) = self.settle(&raw, stated, expected);
            f.grand_total = value;
            f.rows[index].amount = value;
            f.rows[index].recomputed = recomputed;
        }
        for (index, raw) in provisions {
            let stated = f.rows[index].amount;
            let expected = f
                .grand_total
                .zip(f.sub_total)
                .map(|(grand, sub)| grand - gst - sub - others);
            let (value, recomputed) = self.settle(&raw, stated, expected);
            // A balancing figure below nothing means the sanctioned Grand Total does not cover
            // the works and their GST; a work slip in that state needs a revised sanction
            // (DOMAIN.md §2), and an estimate should be looked at before anything is billed.
            if let Some(short) = value.filter(|ls| *ls < Decimal::ZERO) {
                self.warn(
                    raw.row,
                    raw.value_col,
                    format!(
                        "'{}' is {}: the Grand Total does not cover the Sub Total, GST and \
                         other L.S provisions; check the Grand Total",
                        raw.label,
                        money_text(short)
                    ),
                );
            }
            f.ls_unforeseen = value;
            f.rows[index].amount = value;
            f.rows[index].recomputed = recomputed;
        }
    }
}

/// What a footer row should hold by the rules, from the rows above it.
fn expected_footer_value(
    f: &Footer,
    items_total: Option<Decimal>,
    kind: Option<&FooterKind>,
) -> Option<Decimal> {
    match kind? {
        // The deduction reduces the ECV whichever sign was typed.
        FooterKind::Ecv => {
            items_total.map(|total| round2(total - f.deduct_old_material.unwrap_or_default().abs()))
        }
        FooterKind::TenderPremium { percent, .. } => f.ecv.map(|e| percent_of(e, *percent)),
        FooterKind::LabourCess(p) => f
            .ecv
            .map(|e| percent_of(e, p.unwrap_or(LABOUR_CESS_PERCENT))),
        FooterKind::QualityControl(p) => f
            .ecv
            .map(|e| percent_of(e, p.unwrap_or(QUALITY_CONTROL_PERCENT))),
        FooterKind::Nac(p) => f.ecv.map(|e| percent_of(e, p.unwrap_or(NAC_PERCENT))),
        FooterKind::SubTotal => f.ecv.map(|e| {
            let tp = f.tp.unwrap_or_default();
            let tp = if f.tp_kind == Some(TpType::Less) {
                -tp
            } else {
                tp
            };
            e + tp + f.lc.unwrap_or_default() + f.qc.unwrap_or_default() + f.nac.unwrap_or_default()
        }),
        FooterKind::Gst(p) => f.sub_total.map(|s| percent_of(s, p.unwrap_or(GST_PERCENT))),
        // Above the ECV a `Total` is the items' sum; below it, a total of what the sheet does
        // not say, so no rule is assumed.
        FooterKind::Total if f.ecv.is_none() => items_total,
        _ => None,
    }
}

fn rule_name(kind: Option<&FooterKind>) -> &'static str {
    match kind {
        Some(FooterKind::Ecv) => "ROUND2(sum of item and AE amounts − old material deduction)",
        Some(FooterKind::TenderPremium { .. }) => "ROUND2(ECV × T.P %)",
        Some(FooterKind::LabourCess(_)) => "ROUND2(ECV × LC %)",
        Some(FooterKind::QualityControl(_)) => "ROUND2(ECV × QC %)",
        Some(FooterKind::Nac(_)) => "ROUND2(ECV × NAC %)",
        Some(FooterKind::SubTotal) => "ECV ± T.P + LC + QC + NAC",
        Some(FooterKind::Gst(_)) => "ROUND2(Sub Total × GST %)",
        Some(FooterKind::LsUnforeseen) => "Grand Total − GST − Sub Total − other L.S provisions",
        Some(FooterKind::GrandTotal) => "Sub Total + GST + L.S provisions",
        Some(FooterKind::Total) => "the sum of the item and AE amounts",
        _ => "",
    }
}
