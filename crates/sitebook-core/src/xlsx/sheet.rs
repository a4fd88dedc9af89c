//! The parts every workbook shares: formats, the header block, column headings, cells with
//! formulas and cached values, the closing lines, print setup and document properties.
//!
//! Documents write their rows through [`SheetWriter`], which knows the document's
//! [`ColumnSpec`]s (the same ones the PDF uses) and so picks each cell's alignment and number
//! format from the column, not from the caller.
//!
//! Numbers: a plain figure is handed to the writer as `f64` parsed from the exact decimal's
//! text (the nearest double, so it reads back as the same decimal). A formula's cached value
//! is written as the exact decimal text itself, so a reader that does not calculate (calamine,
//! the project's estimate parser) sees the domain's figure to the paisa.

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    utility::row_col_to_cell, ColNum, Color, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Formula, RowNum, Workbook, Worksheet, XlsxError,
};

use crate::domain::estimate::SubHead;
use crate::domain::work::DocDate;
use crate::pdf::fonts::{printable, wrap, Face};
use crate::render::{
    heading_spans, money_text, ColumnKind, ColumnSpec, Derivation, DocumentHeader, FormStatement,
};

/// Indian digit grouping for money: `1,23,45,678.90`. Excel has no Indian grouping, so the
/// lakh and crore commas come from conditional sections.
pub const INDIAN_MONEY_FORMAT: &str =
    r"[>=10000000]##\,##\,##\,##0.00;[>=100000]##\,##\,##0.00;##,##0.00";

/// Indian grouping for quantities and rates: at least two decimals, up to five.
pub const INDIAN_FIGURE_FORMAT: &str =
    r"[>=10000000]##\,##\,##\,##0.00###;[>=100000]##\,##\,##0.00###;##,##0.00###";

/// The decimals a quantity or rate is shown with: at least two, up to five, and beyond five as
/// many as it has, so that the workbook shows every digit the PDF prints of the same figure.
fn figure_decimals(figure: Decimal) -> String {
    let beyond_five = figure.normalize().scale().saturating_sub(5) as usize;
    format!(".00###{}", "#".repeat(beyond_five))
}

/// The smallest figure the conditional formats above cannot group: 100 crore, which needs a
/// fourth comma they do not have.
const BEYOND_CONDITIONAL_GROUPING: i64 = 1_000_000_000;

/// The format of a figure that the conditional formats cannot show: a negative one, or one of
/// 100 crore or more. It is chosen by the figure's size.
///
/// Conditional sections cannot carry a minus sign the same way in every spreadsheet:
/// LibreOffice drops it in the last section and doubles it in the first, and Excel allows only
/// two conditions, which reach crore and no further. A format of one section is signed by every
/// reader and groups as many digits as it is given, so such a figure gets the one-section
/// grouping that fits its size: thousands below a lakh, then a comma every two digits.
fn sized_number_format(value: Decimal, decimals: &str) -> String {
    let digits = whole_digits(value);
    if digits <= 5 {
        return format!("#,##0{decimals}");
    }
    // The last three digits, then pairs: 1,23,45,678 is `##\,##\,##\,##0`.
    let pairs = (digits - 3).div_ceil(2);
    format!("##{}\\,##0{decimals}", r"\,##".repeat(pairs - 1))
}

/// How many digits the whole part of `value` has (`0.5` has one).
fn whole_digits(value: Decimal) -> usize {
    value.abs().trunc().to_string().len()
}

/// The width, in Excel's digit widths, that a figure takes shown with Indian grouping and
/// `decimals` places; bold type is about a tenth wider.
fn shown_width(figure: Decimal, decimals: u32, bold: bool) -> f32 {
    let digits = whole_digits(figure);
    let commas = if digits <= 3 { 0 } else { 1 + (digits - 4) / 2 };
    let sign = usize::from(figure.is_sign_negative() && !figure.is_zero());
    // Commas and the point are narrower than digits; a spare digit's width covers the cell's
    // padding.
    let width = (digits + decimals as usize + sign + 1) as f32 + (commas + 1) as f32 * 0.5;
    let width = if bold { width * 1.1 } else { width };
    width.ceil()
}

/// Times, like the PDF: the same look on paper, and row heights can be measured with the
/// same metrics the PDF wraps with.
const FONT_NAME: &str = "Times New Roman";
const FONT_SIZE: f64 = 10.0;
const POINTS_PER_LINE: f64 = 13.0;
/// Width in points of one unit of Excel column width (a Calibri 11 digit, 7 px at 96 dpi).
const POINTS_PER_WIDTH_UNIT: f64 = 5.25;
/// The cell's inner padding, both sides together, in points.
const CELL_PADDING: f64 = 4.5;
/// Excel and LibreOffice wrap with their own metrics; measuring against a slightly narrower
/// line errs towards a spare line rather than a clipped one.
const WRAP_SAFETY: f64 = 0.94;

/// How many lines `text` takes in a cell `width` units wide, wrapped as the PDF wraps it.
///
/// Neither Excel nor LibreOffice fits a row's height to wrapped text when it opens a file,
/// and neither ever fits merged cells, so every row with wrapped text gets a measured height.
///
/// Each line break in the text starts a line, and an empty line between two breaks is a line
/// too: the cell shows it, where the PDF's wrapping drops it.
fn lines_in(text: &str, width: f64, bold: bool) -> usize {
    let face = if bold { Face::Bold } else { Face::Regular };
    let points = ((width * POINTS_PER_WIDTH_UNIT - CELL_PADDING) * WRAP_SAFETY) as f32;
    printable(text.trim_end_matches(['\n', '\r']))
        .split('\n')
        .map(|paragraph| wrap(face, FONT_SIZE as f32, paragraph, points).len().max(1))
        .sum()
}

/// The columns (first and last) each signature caption spans: the split of the columns into
/// one run per caption, in order, that leaves the most room around the most crowded caption.
/// Split by column count, a form's narrow `No.` column got "Assistant Executive Engineer" on
/// its own and cut it. With more captions than columns, the last ones share the last column.
fn caption_spans(widths: &[f64], captions: &[&str]) -> Vec<(usize, usize)> {
    let slots = captions.len().min(widths.len());
    if slots == 0 {
        return Vec::new();
    }
    // A caption's width in digit widths: Times is narrower than the digit of Excel's unit.
    let needs: Vec<f64> = captions
        .iter()
        .map(|c| c.chars().count() as f64 * 0.85 + 1.0)
        .collect();
    let mut best: Option<(f64, Vec<usize>)> = None;
    let mut cuts = Vec::with_capacity(slots);
    choose_cuts(widths, &needs[..slots], 0, &mut cuts, &mut best);
    let starts = best.map(|(_, starts)| starts).unwrap_or_default();
    (0..captions.len())
        .map(|i| {
            let slot = i.min(slots - 1);
            let first = starts[slot];
            let last = starts
                .get(slot + 1)
                .map_or(widths.len() - 1, |next| next - 1);
            (first, last)
        })
        .collect()
}

/// Tries every way of starting the runs of `needs.len()` captions at or after `from`, keeping
/// in `best` the start columns whose tightest caption has the most room.
fn choose_cuts(
    widths: &[f64],
    needs: &[f64],
    from: usize,
    starts: &mut Vec<usize>,
    best: &mut Option<(f64, Vec<usize>)>,
) {
    let placed = starts.len();
    if placed == needs.len() {
        let room = (0..placed)
            .map(|slot| {
                let end = starts.get(slot + 1).copied().unwrap_or(widths.len());
                widths[starts[slot]..end].iter().sum::<f64>() - needs[slot]
            })
            .fold(f64::INFINITY, f64::min);
        if best.as_ref().is_none_or(|(most, _)| room > *most) {
            *best = Some((room, starts.clone()));
        }
        return;
    }
    // The first run starts at column 0; each later one after the previous, leaving a column
    // for every run still to place.
    let candidates = if placed == 0 {
        0..1
    } else {
        from..widths.len() - (needs.len() - placed - 1)
    };
    for start in candidates {
        starts.push(start);
        choose_cuts(widths, needs, start + 1, starts, best);
        starts.pop();
    }
}

/// The row height for `lines` lines of text, at most the 409 points a spreadsheet row can be:
/// Excel refuses a taller row, and a cell longer than that is read in the formula bar.
fn height_of(lines: usize) -> f64 {
    (lines as f64 * POINTS_PER_LINE + 2.0).min(MAX_ROW_HEIGHT)
}

/// The tallest row Excel allows, in points.
const MAX_ROW_HEIGHT: f64 = 409.0;

/// How a row looks; mirrors the PDF's row styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// An estimate item.
    Item,
    /// An `AE<n>` row: italic, tinted.
    Excess,
    /// A heading among the items: bold, tinted.
    Heading,
    /// A totals line: bold.
    Total,
    /// The closing total: bold, tinted.
    GrandTotal,
}

impl Look {
    const ALL: [Look; 5] = [
        Look::Item,
        Look::Excess,
        Look::Heading,
        Look::Total,
        Look::GrandTotal,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// Whether its text is bold (see [`Self::style`]), which wraps and measures wider.
    fn is_bold(self) -> bool {
        matches!(self, Look::Heading | Look::Total | Look::GrandTotal)
    }

    fn style(self, format: Format) -> Format {
        match self {
            Look::Item => format,
            Look::Excess => format
                .set_italic()
                .set_background_color(Color::RGB(0xEDEDED)),
            Look::Heading => format.set_bold().set_background_color(Color::RGB(0xF5F5F5)),
            Look::Total => format.set_bold(),
            Look::GrandTotal => format.set_bold().set_background_color(Color::RGB(0xDDDDDD)),
        }
    }
}

const KINDS: [ColumnKind; 8] = [
    ColumnKind::Serial,
    ColumnKind::Description,
    ColumnKind::Unit,
    ColumnKind::Quantity,
    ColumnKind::Rate,
    ColumnKind::Per,
    ColumnKind::Money,
    ColumnKind::Remarks,
];

fn kind_index(kind: ColumnKind) -> usize {
    KINDS
        .iter()
        .position(|&k| k == kind)
        .expect("every kind is listed")
}

fn base_cell(kind: ColumnKind) -> Format {
    let format = Format::new()
        .set_font_name(FONT_NAME)
        .set_font_size(FONT_SIZE)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    match kind {
        ColumnKind::Serial | ColumnKind::Unit => format.set_align(FormatAlign::Center),
        ColumnKind::Per => format.set_align(FormatAlign::Center).set_num_format("0"),
        ColumnKind::Description | ColumnKind::Remarks => {
            format.set_align(FormatAlign::Left).set_text_wrap()
        }
        ColumnKind::Quantity | ColumnKind::Rate => format
            .set_align(FormatAlign::Right)
            .set_num_format(INDIAN_FIGURE_FORMAT),
        ColumnKind::Money => format
            .set_align(FormatAlign::Right)
            .set_num_format(INDIAN_MONEY_FORMAT),
    }
}

/// Every format a sheet uses, made once per workbook.
pub(crate) struct Formats {
    cells: Vec<Format>,
    title: Format,
    header_line: Format,
    heading: Format,
    closing: Format,
    signature: Format,
}

impl Formats {
    fn new() -> Self {
        let mut cells = Vec::with_capacity(Look::ALL.len() * KINDS.len());
        for look in Look::ALL {
            for kind in KINDS {
                cells.push(look.style(base_cell(kind)));
            }
        }
        // The header lines and the closing lines are the same wrapped, top-left text.
        let wrapped_text = Format::new()
            .set_font_name(FONT_NAME)
            .set_font_size(FONT_SIZE)
            .set_text_wrap()
            .set_align(FormatAlign::Left)
            .set_align(FormatAlign::Top);
        Self {
            cells,
            title: Format::new()
                .set_font_name(FONT_NAME)
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            header_line: wrapped_text.clone(),
            heading: Format::new()
                .set_font_name(FONT_NAME)
                .set_bold()
                .set_font_size(FONT_SIZE)
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xD9D9D9))
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            closing: wrapped_text,
            signature: Format::new()
                .set_font_name(FONT_NAME)
                .set_font_size(FONT_SIZE)
                .set_border_top(FormatBorder::Thin)
                .set_align(FormatAlign::Center),
        }
    }

    fn cell(&self, kind: ColumnKind, look: Look) -> &Format {
        &self.cells[look.index() * KINDS.len() + kind_index(kind)]
    }
}

/// A1 reference of a cell (`H12`).
pub(crate) fn cell(row: RowNum, col: usize) -> String {
    row_col_to_cell(row, col as ColNum)
}

/// `SUM(H5:H9)` rounded, or `0` when the range is empty.
pub(crate) fn sum_formula(col: usize, first: RowNum, rows: usize) -> String {
    if rows == 0 {
        "0".to_owned()
    } else {
        format!(
            "ROUND(SUM({}:{}),2)",
            cell(first, col),
            cell(first + rows as RowNum - 1, col)
        )
    }
}

/// The nearest `f64` to an exact decimal: Rust's float parsing rounds correctly, so the
/// double reads back (shortest round-trip text) as the same decimal for any figure of up to
/// 15 significant digits.
pub(crate) fn to_f64(value: Decimal) -> f64 {
    value
        .normalize()
        .to_string()
        .parse()
        .expect("a decimal's text is a valid float")
}

/// What goes into one cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Nothing (but the cell keeps its border and tint).
    Blank,
    /// Text.
    Text(String),
    /// A figure typed in.
    Number(Decimal),
    /// A formula, with the domain's figure as its cached value.
    Formula {
        /// The formula without `=`.
        formula: String,
        /// The exact value the domain computed.
        value: Decimal,
        /// Whether the value is money (cached ROUND2, `1234.50`) or a quantity.
        money: bool,
    },
}

impl Cell {
    /// A money formula.
    pub(crate) fn money(formula: impl Into<String>, value: Decimal) -> Self {
        Cell::Formula {
            formula: formula.into(),
            value,
            money: true,
        }
    }

    /// A quantity formula.
    pub(crate) fn quantity(formula: impl Into<String>, value: Decimal) -> Self {
        Cell::Formula {
            formula: formula.into(),
            value,
            money: false,
        }
    }

    /// A money formula when one is known to reproduce the figure, else the figure itself.
    pub(crate) fn money_or_number(formula: Option<String>, value: Decimal) -> Self {
        match formula {
            Some(formula) => Cell::money(formula, value),
            None => Cell::Number(value),
        }
    }
}

/// A figure of the document's table that a statement below it refers to: its cell (with the
/// sheet's name when the statement is on another sheet) and the figure it holds.
pub(crate) struct TableFigure {
    /// `F28`, or `'Bill'!F28`.
    pub(crate) cell: String,
    /// The figure the cell holds as issued.
    pub(crate) value: Decimal,
}

/// What a statement's lines may refer to outside it: the bill table's till-date Total, and the
/// cells of the bill's memorandum of payments by line (empty when there is none to refer to).
#[derive(Default)]
pub(crate) struct StatementSources {
    /// The table's till-date Total.
    pub(crate) till_date_total: Option<TableFigure>,
    /// The memorandum's amount cells, in its line order.
    pub(crate) memorandum: Vec<String>,
}

impl StatementSources {
    /// The same sources named with their `sheet`, for a statement on another sheet to read.
    pub(crate) fn on_sheet(&self, sheet: &str) -> Self {
        let qualified = |cell: &str| format!("'{sheet}'!{cell}");
        Self {
            till_date_total: self.till_date_total.as_ref().map(|total| TableFigure {
                cell: qualified(&total.cell),
                value: total.value,
            }),
            memorandum: self.memorandum.iter().map(|cell| qualified(cell)).collect(),
        }
    }
}

/// The formula (without `=`) of a statement line derived as `derivation`, where `join` writes
/// the sum of lines by index; `None` writes the figure as typed. A link to the table is made
/// only where the table holds the line's very figure, so a recalculation keeps it.
fn formula_of(
    derivation: &Derivation,
    join: &dyn Fn(&[usize]) -> String,
    sources: &StatementSources,
    amount: Decimal,
) -> Option<String> {
    let sum = |lines: &[usize]| {
        let sum = join(lines);
        if sum.is_empty() {
            "0".to_owned()
        } else {
            sum
        }
    };
    match derivation {
        Derivation::Lines { add, subtract } if subtract.is_empty() => {
            Some(format!("ROUND({},2)", sum(add)))
        }
        Derivation::Lines { add, subtract } => {
            Some(format!("ROUND({}-({}),2)", sum(add), sum(subtract)))
        }
        Derivation::Percentage { of, percent, limit } => {
            let worked = format!("ROUND(({})*{}/100,2)", sum(of), percent.normalize());
            Some(match limit {
                Some(limit) => format!("MIN({worked},{})", limit.normalize()),
                None => worked,
            })
        }
        Derivation::TillDateTotal => sources
            .till_date_total
            .as_ref()
            .filter(|total| total.value == amount)
            .map(|total| total.cell.clone()),
        Derivation::Memorandum { given, lines } => {
            let cells: Option<Vec<&str>> = lines
                .iter()
                .map(|&line| sources.memorandum.get(line).map(String::as_str))
                .collect();
            let mut terms = cells.filter(|cells| !cells.is_empty())?;
            let given = given.normalize().to_string();
            if given != "0" {
                terms.insert(0, &given);
            }
            Some(format!("ROUND({},2)", terms.join("+")))
        }
    }
}

/// Writes one document's sheet.
pub(crate) struct SheetWriter<'w> {
    sheet: &'w mut Worksheet,
    formats: Formats,
    columns: Vec<ColumnSpec>,
    /// The first and last rows of the column headings, repeated on every printed page.
    heading_rows: Option<(RowNum, RowNum)>,
}

impl<'w> SheetWriter<'w> {
    /// A writer for `sheet` with these columns; sets the column widths.
    pub(crate) fn new(
        sheet: &'w mut Worksheet,
        name: &str,
        columns: Vec<ColumnSpec>,
    ) -> Result<Self, XlsxError> {
        sheet.set_name(name)?;
        for (i, column) in columns.iter().enumerate() {
            sheet.set_column_width(i as ColNum, f64::from(column.width_chars) + 1.0)?;
        }
        Ok(Self {
            sheet,
            formats: Formats::new(),
            columns,
            heading_rows: None,
        })
    }

    fn last_col(&self) -> ColNum {
        (self.columns.len() - 1) as ColNum
    }

    /// Total width of the sheet's columns, in characters.
    fn width_chars(&self) -> f64 {
        self.columns
            .iter()
            .map(|c| f64::from(c.width_chars) + 1.0)
            .sum()
    }

    /// A merged full-width line whose height fits its text, which Excel cannot work out
    /// by itself for merged cells.
    fn full_width_line(&mut self, row: RowNum, text: &str, closing: bool) -> Result<(), XlsxError> {
        let format = if closing {
            &self.formats.closing
        } else {
            &self.formats.header_line
        };
        self.sheet
            .merge_range(row, 0, row, self.last_col(), text, format)?;
        let lines = lines_in(text, self.width_chars(), false);
        self.sheet.set_row_height(row, height_of(lines))?;
        Ok(())
    }

    /// A document's sheet from the top: the writer with its title, header lines
    /// (`label<separator>value`) and column headings written, and the first body row.
    pub(crate) fn with_headings(
        sheet: &'w mut Worksheet,
        name: &str,
        columns: Vec<ColumnSpec>,
        header: &DocumentHeader,
        separator: &str,
    ) -> Result<(Self, RowNum), XlsxError> {
        let mut writer = Self::new(sheet, name, columns)?;
        let headings = writer.header_block(header, separator)?;
        let first = writer.column_headings(headings)?;
        Ok((writer, first))
    }

    /// The title row and the header lines (`label<separator>value`); returns the next row.
    pub(crate) fn header_block(
        &mut self,
        header: &DocumentHeader,
        separator: &str,
    ) -> Result<RowNum, XlsxError> {
        self.sheet
            .merge_range(0, 0, 0, self.last_col(), &header.title, &self.formats.title)?;
        self.sheet.set_row_height(0, 22)?;
        let mut row = 1;
        for line in &header.lines {
            let text = if line.label.is_empty() {
                line.value.trim().to_owned()
            } else {
                format!("{}{separator}{}", line.label, line.value.trim())
            };
            self.full_width_line(row, &text, false)?;
            row += 1;
        }
        Ok(row)
    }

    /// The column headings at `row` (two rows when columns are grouped); returns the next row.
    pub(crate) fn column_headings(&mut self, row: RowNum) -> Result<RowNum, XlsxError> {
        let two_tier = self.columns.iter().any(|c| c.group.is_some());
        let last = if two_tier { row + 1 } else { row };
        let format = &self.formats.heading;
        // Lines needed by headings spanning both rows, by the lower row, by the group row.
        let (mut tallest_plain, mut tallest_sub, mut tallest_group) = (1, 1, 1);
        for (start, end) in heading_spans(&self.columns) {
            let column = &self.columns[start];
            let (first_col, last_col) = (start as ColNum, (end - 1) as ColNum);
            let width: f64 = self.columns[start..end]
                .iter()
                .map(|c| f64::from(c.width_chars) + 1.0)
                .sum();
            let lines = lines_in(&column.heading, width, true);
            if column.group.is_some() {
                tallest_sub = tallest_sub.max(lines);
            } else {
                tallest_plain = tallest_plain.max(lines);
            }
            let top = if column.group.is_some() { last } else { row };
            if top == last && first_col == last_col {
                self.sheet
                    .write_string_with_format(top, first_col, &column.heading, format)?;
            } else {
                self.sheet
                    .merge_range(top, first_col, last, last_col, &column.heading, format)?;
            }
        }
        if two_tier {
            let mut start = 0;
            while start < self.columns.len() {
                let Some(group) = self.columns[start].group.clone() else {
                    start += 1;
                    continue;
                };
                let mut end = start + 1;
                while end < self.columns.len() && self.columns[end].group.as_ref() == Some(&group) {
                    end += 1;
                }
                let width: f64 = self.columns[start..end]
                    .iter()
                    .map(|c| f64::from(c.width_chars) + 1.0)
                    .sum();
                tallest_group = tallest_group.max(lines_in(&group, width, true));
                if end - start == 1 {
                    self.sheet
                        .write_string_with_format(row, start as ColNum, &group, format)?;
                } else {
                    self.sheet.merge_range(
                        row,
                        start as ColNum,
                        row,
                        (end - 1) as ColNum,
                        &group,
                        format,
                    )?;
                }
                start = end;
            }
        }
        if two_tier {
            // A heading spanning both rows needs their heights together.
            let lower = tallest_sub.max(tallest_plain.saturating_sub(tallest_group));
            self.sheet.set_row_height(row, height_of(tallest_group))?;
            self.sheet.set_row_height(last, height_of(lower))?;
        } else {
            self.sheet
                .set_row_height(row, height_of(tallest_plain.max(tallest_sub)))?;
        }
        self.heading_rows = Some((row, last));
        Ok(last + 1)
    }

    /// Writes one cell in the column's format for `look`.
    pub(crate) fn write(
        &mut self,
        row: RowNum,
        col: usize,
        value: &Cell,
        look: Look,
    ) -> Result<(), XlsxError> {
        let kind = self.columns[col].kind;
        self.widen_to_show(col, value, look)?;
        let sized_figure = match value {
            Cell::Number(figure) | Cell::Formula { value: figure, .. } => {
                Some(*figure).filter(|f| {
                    (f.is_sign_negative() && !f.is_zero())
                        || f.abs() >= Decimal::from(BEYOND_CONDITIONAL_GROUPING)
                })
            }
            Cell::Blank | Cell::Text(_) => None,
        };
        let finer_figure = match value {
            Cell::Number(figure) | Cell::Formula { value: figure, .. }
                if matches!(kind, ColumnKind::Quantity | ColumnKind::Rate)
                    && figure.normalize().scale() > 5 =>
            {
                Some(*figure)
            }
            _ => None,
        };
        let own_format;
        let format = match (sized_figure, finer_figure, kind) {
            (Some(figure), _, ColumnKind::Money | ColumnKind::Quantity | ColumnKind::Rate) => {
                let decimals = if kind == ColumnKind::Money {
                    ".00".to_owned()
                } else {
                    figure_decimals(figure)
                };
                own_format = look
                    .style(base_cell(kind))
                    .set_num_format(sized_number_format(figure, &decimals));
                &own_format
            }
            (None, Some(figure), _) => {
                own_format = look.style(base_cell(kind)).set_num_format(
                    INDIAN_FIGURE_FORMAT
                        .replace("0.00###", &format!("0{}", figure_decimals(figure))),
                );
                &own_format
            }
            _ => self.formats.cell(kind, look),
        };
        let col = col as ColNum;
        match value {
            Cell::Blank => {
                self.sheet.write_blank(row, col, format)?;
            }
            Cell::Text(text) => {
                self.sheet
                    .write_string_with_format(row, col, text, format)?;
            }
            Cell::Number(number) => {
                self.sheet
                    .write_number_with_format(row, col, to_f64(*number), format)?;
            }
            Cell::Formula {
                formula,
                value,
                money,
            } => {
                let cached = if *money {
                    money_text(*value)
                } else {
                    value.normalize().to_string()
                };
                self.sheet.write_formula_with_format(
                    row,
                    col,
                    Formula::new(formula).set_result(cached),
                    format,
                )?;
            }
        }
        Ok(())
    }

    /// Widens a figure's column when the figure, as shown, is wider than it: a spreadsheet
    /// shows `###` for a number that does not fit, where the PDF shrinks its type.
    fn widen_to_show(&mut self, col: usize, value: &Cell, look: Look) -> Result<(), XlsxError> {
        let kind = self.columns[col].kind;
        let figure = match value {
            Cell::Number(figure) | Cell::Formula { value: figure, .. } => *figure,
            Cell::Blank | Cell::Text(_) => return Ok(()),
        };
        let decimals = match kind {
            ColumnKind::Money => 2,
            ColumnKind::Quantity | ColumnKind::Rate => figure.normalize().scale().clamp(2, 5),
            _ => return Ok(()),
        };
        let bold = look.is_bold();
        let needed = shown_width(figure, decimals, bold);
        if needed > self.columns[col].width_chars {
            self.columns[col].width_chars = needed;
            self.sheet
                .set_column_width(col as ColNum, f64::from(needed) + 1.0)?;
        }
        Ok(())
    }

    /// Writes a whole row, one cell per column, and sets its height when text wraps.
    pub(crate) fn row(
        &mut self,
        row: RowNum,
        cells: Vec<Cell>,
        look: Look,
    ) -> Result<(), XlsxError> {
        let bold = look.is_bold();
        let mut lines = 1;
        for (col, value) in cells.iter().enumerate() {
            self.write(row, col, value, look)?;
            let column = &self.columns[col];
            if let (true, Cell::Text(text)) = (column.kind.wraps(), value) {
                lines = lines.max(lines_in(text, f64::from(column.width_chars) + 1.0, bold));
            }
        }
        if lines > 1 {
            self.sheet.set_row_height(row, height_of(lines))?;
        }
        Ok(())
    }

    /// The estimate's sub-heads as heading rows from `row` on, their text in `text_col`;
    /// returns the row after them.
    pub(crate) fn sub_head_rows<'h>(
        &mut self,
        mut row: RowNum,
        heads: impl Iterator<Item = &'h SubHead>,
        text_col: usize,
    ) -> Result<RowNum, XlsxError> {
        for head in heads {
            let mut cells = self.blank_row();
            // Every table's first column is its serial; a numbered heading keeps its number.
            if let Some(serial) = &head.sl_no {
                cells[0] = Cell::Text(serial.clone());
            }
            cells[text_col] = Cell::Text(head.text.clone());
            self.row(row, cells, Look::Heading)?;
            row += 1;
        }
        Ok(row)
    }

    /// A row of blank cells, to fill in by column.
    pub(crate) fn blank_row(&self) -> Vec<Cell> {
        vec![Cell::Blank; self.columns.len()]
    }

    /// A titled statement after a blank row: number, particulars (merged up to
    /// `particulars_end`), detail (up to the column before `amount_col`) and amount, each derived
    /// line written as its formula over the lines above or the `sources`; returns the next row
    /// and each line's amount cell.
    pub(crate) fn statement(
        &mut self,
        row: RowNum,
        statement: &FormStatement,
        particulars_end: usize,
        amount_col: usize,
        sources: &StatementSources,
    ) -> Result<(RowNum, Vec<String>), XlsxError> {
        let mut row = row + 1;
        self.sheet.merge_range(
            row,
            0,
            row,
            self.last_col(),
            &statement.title,
            &self.formats.heading,
        )?;
        row += 1;
        let span_width = |sheet: &Self, from: usize, to: usize| -> f64 {
            sheet.columns[from..=to]
                .iter()
                .map(|c| f64::from(c.width_chars) + 1.0)
                .sum()
        };
        let mut cells_of_lines: Vec<String> = Vec::with_capacity(statement.lines.len());
        for line in &statement.lines {
            let look = if line.emphasised {
                Look::GrandTotal
            } else {
                Look::Item
            };
            let text_format = self.formats.cell(ColumnKind::Description, look).clone();
            self.sheet
                .write_string_with_format(row, 0, &line.number, &text_format)?;
            if particulars_end == 1 {
                self.sheet
                    .write_string_with_format(row, 1, &line.particulars, &text_format)?;
            } else {
                self.sheet.merge_range(
                    row,
                    1,
                    row,
                    particulars_end as ColNum,
                    &line.particulars,
                    &text_format,
                )?;
            }
            let detail_first = particulars_end + 1;
            let detail_last = amount_col - 1;
            if detail_first == detail_last {
                self.sheet.write_string_with_format(
                    row,
                    detail_first as ColNum,
                    &line.detail,
                    &text_format,
                )?;
            } else {
                self.sheet.merge_range(
                    row,
                    detail_first as ColNum,
                    row,
                    detail_last as ColNum,
                    &line.detail,
                    &text_format,
                )?;
            }
            let join = |indices: &[usize]| -> String {
                indices
                    .iter()
                    .filter_map(|&i| cells_of_lines.get(i).cloned())
                    .collect::<Vec<_>>()
                    .join("+")
            };
            let value_cell = match (line.amount, &line.derivation) {
                (None, _) => Cell::Blank,
                (Some(amount), None) => Cell::Number(amount),
                (Some(amount), Some(derivation)) => {
                    Cell::money_or_number(formula_of(derivation, &join, sources, amount), amount)
                }
            };
            cells_of_lines.push(cell(row, amount_col));
            self.write(row, amount_col, &value_cell, look)?;
            let lines = lines_in(
                &line.particulars,
                span_width(self, 1, particulars_end),
                line.emphasised,
            )
            .max(lines_in(
                &line.detail,
                span_width(self, detail_first, detail_last),
                false,
            ));
            if lines > 1 {
                self.sheet.set_row_height(row, height_of(lines))?;
            }
            row += 1;
        }
        Ok((row, cells_of_lines))
    }

    /// A bold heading line and wrapped paragraphs across the sheet; returns the next row.
    pub(crate) fn text_block(
        &mut self,
        row: RowNum,
        heading: &str,
        paragraphs: &[String],
    ) -> Result<RowNum, XlsxError> {
        let mut row = row + 1;
        self.sheet
            .merge_range(row, 0, row, self.last_col(), heading, &self.formats.heading)?;
        row += 1;
        for paragraph in paragraphs {
            self.full_width_line(row, paragraph, false)?;
            row += 1;
        }
        Ok(row)
    }

    /// The closing lines and signature captions after a blank row; returns the next row.
    pub(crate) fn closing(
        &mut self,
        row: RowNum,
        lines: &[(&str, &str)],
        signatures: &[&str],
    ) -> Result<RowNum, XlsxError> {
        let mut row = row + 1;
        for (label, text) in lines {
            self.full_width_line(row, &format!("{label} {text}"), true)?;
            row += 1;
        }
        // Room to sign, then the captions spread over the width, each over columns wide
        // enough to show it.
        row += 3;
        let widths: Vec<f64> = self
            .columns
            .iter()
            .map(|c| f64::from(c.width_chars) + 1.0)
            .collect();
        // Captions sharing a run (more captions than columns) share its cell.
        let mut runs: Vec<((usize, usize), String)> = Vec::new();
        for (caption, span) in signatures.iter().zip(caption_spans(&widths, signatures)) {
            match runs.last_mut() {
                Some((last_span, text)) if *last_span == span => {
                    text.push_str(" / ");
                    text.push_str(caption);
                }
                _ => runs.push((span, (*caption).to_owned())),
            }
        }
        for ((first, last), caption) in &runs {
            let (first, last) = (*first as ColNum, *last as ColNum);
            if first == last {
                self.sheet.write_string_with_format(
                    row,
                    first,
                    caption,
                    &self.formats.signature,
                )?;
            } else {
                self.sheet
                    .merge_range(row, first, row, last, caption, &self.formats.signature)?;
            }
        }
        Ok(row + 1)
    }

    /// Print setup: A4, orientation, fit to one page wide, headings repeated, page footer,
    /// and the panes frozen under the headings.
    pub(crate) fn print_setup(
        &mut self,
        header: &DocumentHeader,
        landscape: bool,
    ) -> Result<(), XlsxError> {
        const A4: u8 = 9;
        let sheet = &mut *self.sheet;
        sheet.set_paper_size(A4);
        if landscape {
            sheet.set_landscape();
        } else {
            sheet.set_portrait();
        }
        sheet.set_margins(0.4, 0.4, 0.55, 0.65, 0.3, 0.3);
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_print_center_horizontally(true);
        // `&` starts a code in header and footer text; a literal one is doubled.
        let title = header.title.replace('&', "&&");
        let short_hash = &header.inputs_sha256[..12.min(header.inputs_sha256.len())];
        sheet.set_footer(format!(
            "&L{title}&CPage &P of &N&Rinputs sha256 {short_hash}"
        ));
        if let Some((first, last)) = self.heading_rows {
            sheet.set_repeat_rows(first, last)?;
            sheet.set_freeze_panes(last + 1, 0)?;
        }
        Ok(())
    }
}

/// A workbook whose properties record the title, the inputs hash and a fixed creation date
/// (the document date, or 1970-01-01): never the clock, so the bytes repeat.
pub(crate) fn new_workbook(header: &DocumentHeader) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let created = match header.document_date {
        Some(date) => excel_date(date)?,
        None => ExcelDateTime::from_ymd(1970, 1, 1)?,
    };
    let tag = header.inputs_tag();
    let properties = DocProperties::new()
        .set_title(&header.title)
        .set_subject(&tag)
        .set_keywords(&tag)
        .set_comment(&tag)
        .set_author("Sitebook")
        .set_creation_datetime(&created);
    workbook.set_properties(&properties);
    Ok(workbook)
}

fn excel_date(date: DocDate) -> Result<ExcelDateTime, XlsxError> {
    // DocDate's years are 1900..=9999, inside u16 and inside Excel's calendar.
    ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn line_breaks_and_empty_lines_each_take_a_line() {
        let wide = 60.0;
        assert_eq!(lines_in("One line", wide, false), 1);
        assert_eq!(lines_in("one\ntwo\n\nfour\n\tfive", wide, false), 5);
        // A break at the very end shows no line of its own.
        assert_eq!(lines_in("one\ntwo\n", wide, false), 2);
        // A long paragraph still wraps within its own lines.
        let long = "word ".repeat(60);
        let wrapped = lines_in(&long, wide, false);
        assert!(wrapped > 2, "{wrapped}");
        assert_eq!(lines_in(&format!("{long}\nlast"), wide, false), wrapped + 1);
    }

    #[test]
    fn each_signature_caption_spans_columns_wide_enough_for_it() {
        // A bill form: No. 7, Particulars 47, How worked out 35, Amount 17.7.
        let form = [7.0, 47.0, 35.0, 17.7];
        let officers = [
            "Assistant Executive Engineer",
            "Deputy Executive Engineer",
            "Executive Engineer",
        ];
        assert_eq!(
            caption_spans(&form, &officers),
            [(0, 1), (2, 2), (3, 3)],
            "the narrow No. column joins the first caption's run"
        );
        // A bill's three captions over eight columns keep an even spread.
        let bill = [6.0, 11.0, 6.0, 40.0, 12.0, 5.0, 6.0, 15.7];
        let spans = caption_spans(&bill, &["Prepared by", "Checked by", "Executive Engineer"]);
        assert_eq!(spans.len(), 3);
        assert_eq!((spans[0].0, spans[2].1), (0, 7));
        for pair in spans.windows(2) {
            assert_eq!(pair[0].1 + 1, pair[1].0, "{spans:?}");
        }
        // More captions than columns: the last ones share the last column.
        assert_eq!(
            caption_spans(&[10.0, 10.0], &["a", "b", "c"]),
            [(0, 0), (1, 1), (1, 1)]
        );
        assert!(caption_spans(&form, &[]).is_empty());
    }

    #[test]
    fn no_row_is_taller_than_a_spreadsheet_allows() {
        assert_eq!(height_of(2), 28.0);
        assert_eq!(height_of(400), MAX_ROW_HEIGHT);
    }

    #[test]
    fn sized_formats_group_the_indian_way_at_every_size() {
        let cases = [
            (dec!(-12.5), "#,##0.00"),
            (dec!(99999), "#,##0.00"),
            (dec!(100000), r"##\,##\,##0.00"),
            (dec!(-9999999), r"##\,##\,##0.00"),
            (dec!(10000000), r"##\,##\,##\,##0.00"),
            (dec!(1000000000), r"##\,##\,##\,##\,##0.00"),
            (dec!(10000000000), r"##\,##\,##\,##\,##0.00"),
            (dec!(100000000000), r"##\,##\,##\,##\,##\,##0.00"),
        ];
        for (value, format) in cases {
            assert_eq!(sized_number_format(value, ".00"), format, "{value}");
        }
    }
}
