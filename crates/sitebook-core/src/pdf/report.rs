//! The page layout shared by every PDF document: header block, a paginated table with running
//! totals, the totals block, the amount in words, signatures and page footers.
//!
//! Documents differ only in their columns and rows, so each document module turns its domain
//! result into a [`Report`] and this module does all the placing. Keeping one layout engine
//! means a fix to pagination or alignment reaches every document at once.
//!
//! Pagination rules:
//! - the table's header row is repeated at the top of every page;
//! - every page that the item rows run off ends with a "Carried forward" row and the next page
//!   starts with "Brought forward", both showing the running totals of the money columns
//!   ([`ColumnSpec::carried`]); the totals block never starts a page without them;
//! - a row is never split across pages unless it alone is taller than a page, in which case
//!   its wrapped text continues on the next page (figures stay on its first part);
//! - the totals block is kept together, and so are the words and signatures, which start a
//!   page with the last statement above them (the memorandum) when they would not follow it;
//! - "Page x of y" is drawn last, once the page count is known.
//!
//! Nothing here reads a clock or a random source: the output is a pure function of the report.

use rust_decimal::Decimal;

use super::canvas::{Canvas, Grey};
use super::fonts::{digit_width, printable, text_width, truncate_to_width, wrap, Face};
use crate::render::{format_money, heading_spans, ColumnKind, ColumnSpec, DocumentHeader};

/// Page orientation; the page is always A4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Orientation {
    /// 210 × 297 mm: bills and estimate abstracts.
    Portrait,
    /// 297 × 210 mm: work slips.
    Landscape,
}

impl Orientation {
    /// Width and height in points.
    pub(crate) fn size(self) -> (f32, f32) {
        const SHORT: f32 = 595.2756;
        const LONG: f32 = 841.8898;
        match self {
            Orientation::Portrait => (SHORT, LONG),
            Orientation::Landscape => (LONG, SHORT),
        }
    }
}

/// How a row looks and where its label goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowStyle {
    /// An estimate item.
    Item,
    /// An `AE<n>` row: italic on a light tint, so it cannot be mistaken for an item.
    Excess,
    /// A heading inside the items (`Supplemental Items`): bold, its label from the
    /// description column to the right edge.
    Heading,
    /// A totals line: bold, its label across the columns left of the first money column.
    Total,
    /// The closing total: as [`RowStyle::Total`], tinted and ruled above.
    GrandTotal,
    /// Brought / carried forward.
    Carry,
}

impl RowStyle {
    fn face(self) -> Face {
        match self {
            RowStyle::Item => Face::Regular,
            RowStyle::Excess => Face::Italic,
            RowStyle::Heading | RowStyle::Total | RowStyle::GrandTotal => Face::Bold,
            RowStyle::Carry => Face::BoldItalic,
        }
    }

    fn tint(self) -> Option<Grey> {
        match self {
            RowStyle::Excess => Some(0.93),
            RowStyle::Heading => Some(0.96),
            RowStyle::GrandTotal => Some(0.88),
            RowStyle::Carry => Some(0.95),
            RowStyle::Item | RowStyle::Total => None,
        }
    }
}

/// One table row, already formatted.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Look and label placement.
    pub style: RowStyle,
    /// Text per column; `""` leaves a cell blank. Cells under a label are not drawn.
    pub cells: Vec<String>,
    /// A label spanning several columns (totals, headings).
    pub label: Option<String>,
    /// What this row adds to the running totals, per column (empty for rows that add nothing).
    pub carry: Vec<Decimal>,
}

impl Row {
    /// A row of cells and nothing else.
    pub(crate) fn cells(style: RowStyle, cells: Vec<String>) -> Self {
        Self {
            style,
            cells,
            label: None,
            carry: Vec::new(),
        }
    }

    /// A labelled row; `cells` holds the figures right of the label.
    pub(crate) fn labelled(style: RowStyle, label: impl Into<String>, cells: Vec<String>) -> Self {
        Self {
            style,
            cells,
            label: Some(label.into()),
            carry: Vec::new(),
        }
    }

    /// Adds `amounts` (per column) to the running totals when this row is placed.
    pub(crate) fn carrying(mut self, amounts: Vec<Decimal>) -> Self {
        self.carry = amounts;
        self
    }
}

/// A labelled paragraph after the totals (the amount in words).
#[derive(Debug, Clone)]
pub(crate) struct ClosingLine {
    /// Bold label, e.g. `Amount in words:`.
    pub label: String,
    /// The text.
    pub text: String,
}

/// A titled statement after the totals (the memorandum of payments): numbered particulars, how
/// each was worked out, and its amount, in a small ruled table of its own.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    /// Printed centred above the table.
    pub title: String,
    /// The lines in order.
    pub rows: Vec<StatementRow>,
}

/// One line of a [`Statement`].
#[derive(Debug, Clone)]
pub(crate) struct StatementRow {
    /// `1`, `4(a)`.
    pub number: String,
    /// What the line is.
    pub particulars: String,
    /// How it was worked out.
    pub detail: String,
    /// The amount, formatted.
    pub amount: String,
    /// Bold and tinted (the gross and the net).
    pub emphasised: bool,
}

/// One block of a form's pages.
#[derive(Debug, Clone)]
pub(crate) enum FormPart {
    /// A statement of figures, with its notes under it.
    Statement(Statement, Vec<ClosingLine>),
    /// A heading, its paragraphs and its signature lines, kept together.
    Text {
        /// Bold, on its own line.
        heading: String,
        /// Wrapped to the width.
        paragraphs: Vec<String>,
        /// Signature captions under the text.
        signed_by: Vec<String>,
    },
}

/// A form printed on pages of its own after the document (the running-account or final bill
/// form).
#[derive(Debug, Clone)]
pub(crate) struct FormPages {
    /// Printed large and centred at the top of its first page.
    pub title: String,
    /// The blocks in order.
    pub blocks: Vec<FormPart>,
}

/// Everything one PDF document shows.
pub(crate) struct Report<'a> {
    /// Page orientation.
    pub orientation: Orientation,
    /// Title, header lines, inputs hash.
    pub header: &'a DocumentHeader,
    /// The table's columns.
    pub columns: &'a [ColumnSpec],
    /// Body font size before any shrinking to fit the columns.
    pub font_size: f32,
    /// Item, AE and heading rows.
    pub body: Vec<Row>,
    /// The totals block.
    pub totals: Vec<Row>,
    /// Statements after the totals (a bill's memorandum of payments).
    pub statements: Vec<Statement>,
    /// Amount in words and similar lines.
    pub closing: Vec<ClosingLine>,
    /// Signature captions, left to right.
    pub signatures: &'a [&'a str],
    /// A form on pages of its own after the signatures.
    pub form: Option<FormPages>,
}

// Page furniture, in points.
const MARGIN_X: f32 = 26.0;
const MARGIN_TOP: f32 = 32.0;
/// Nothing of the content goes below this line; the footer lives under it.
const CONTENT_BOTTOM: f32 = 44.0;
const FOOTER_BASELINE: f32 = 24.0;
const FOOTER_RULE: f32 = 34.0;
const CELL_PAD_X: f32 = 2.2;
const MIN_FONT_SIZE: f32 = 4.0;
/// The description keeps at least this many digit widths before the font is shrunk.
const MIN_DESCRIPTION_CHARS: f32 = 24.0;
const TITLE_SIZE: f32 = 13.0;
const HEADER_SIZE: f32 = 9.0;
/// The most lines one header value takes (see where the header block is drawn).
const MAX_HEADER_VALUE_LINES: usize = 10;

/// Whether a header value (a name of work, say) is too long for a portrait page's header
/// block, which then prints its first ten lines and marks the cut. Measured at the narrowest
/// the value column gets (its labels at their widest), so it never misses a cut; a landscape
/// document has room for a little more.
pub fn header_value_is_cut(value: &str) -> bool {
    let (page_width, _) = Orientation::Portrait.size();
    let value_width = (page_width - 2.0 * MARGIN_X) * 0.6 - 6.0;
    wrap(
        Face::Regular,
        HEADER_SIZE,
        &printable(value.trim()),
        value_width,
    )
    .len()
        > MAX_HEADER_VALUE_LINES
}
const RUNNING_HEAD_SIZE: f32 = 8.0;
const FOOTER_SIZE: f32 = 7.5;
const HASH_SIZE: f32 = 5.5;
const SIGNATURE_SPACE: f32 = 40.0;
/// The size of the closing lines (the amounts in words) under the tables.
const CLOSING_SIZE: f32 = 9.5;
const RULE_THIN: f32 = 0.3;
const RULE_GRID: f32 = 0.5;
const RULE_BOLD: f32 = 0.9;

/// A closing line laid out: its bold label, the label's width, and its text wrapped.
type ClosingBlock = (String, f32, Vec<String>);
const HEADER_TINT: Grey = 0.86;

/// Line advance for a font size.
fn line_height(size: f32) -> f32 {
    size * 1.2
}

/// Baseline of the first line below the top of a text box.
fn first_baseline(top: f32, size: f32) -> f32 {
    top - size * 0.86
}

fn cell_pad_y(size: f32) -> f32 {
    (size * 0.3).max(1.5)
}

/// Column positions after fitting the table to the page.
struct Grid {
    /// Left edge of each column, and the right edge of the last.
    edges: Vec<f32>,
    /// The body font size after fitting.
    size: f32,
    /// The headings' font size: the body's, or smaller where the columns had to be squeezed
    /// below their headings' longest words, which would otherwise break mid-word (`Sl.N`/`o`).
    heading_size: f32,
    /// Index of the first money column (where total labels end).
    first_carried: usize,
    /// Index of the description column (where headings start).
    description: usize,
}

impl Grid {
    fn fit(columns: &[ColumnSpec], wanted_size: f32, left: f32, width: f32) -> Self {
        let description = columns
            .iter()
            .position(|c| c.kind == ColumnKind::Description)
            .unwrap_or(0);
        let first_carried = columns
            .iter()
            .position(|c| c.carried)
            .unwrap_or(columns.len());

        let mut size = wanted_size;
        let mut widths = natural_widths(columns, size);
        loop {
            let fixed: f32 = widths.iter().sum::<f32>() - widths[description];
            let room = width - fixed;
            let enough =
                MIN_DESCRIPTION_CHARS * digit_width(Face::Regular, size) + 2.0 * CELL_PAD_X;
            if room >= enough || size <= MIN_FONT_SIZE {
                widths[description] = room;
                break;
            }
            size = (size - 0.25).max(MIN_FONT_SIZE);
            widths = natural_widths(columns, size);
        }
        // At the smallest type a very wide table still must not run off the paper: squeeze
        // the other columns to leave the description a usable strip.
        let floor = 60.0;
        if widths[description] < floor {
            let fixed: f32 = widths.iter().sum::<f32>() - widths[description];
            let scale = (width - floor) / fixed;
            for (i, w) in widths.iter_mut().enumerate() {
                *w = if i == description { floor } else { *w * scale };
            }
        }

        let heading_size = heading_spans(columns)
            .into_iter()
            .map(|(start, end)| {
                let inner = widths[start..end].iter().sum::<f32>() - 2.0 * CELL_PAD_X;
                let longest = longest_word_width(&columns[start].heading, size);
                if longest > inner && inner > 0.0 {
                    // A hair under the exact ratio, so that rounding cannot tip the word over.
                    size * inner / longest * 0.995
                } else {
                    size
                }
            })
            .fold(size, f32::min);

        let mut edges = Vec::with_capacity(columns.len() + 1);
        let mut x = left;
        edges.push(x);
        for w in &widths {
            x += w;
            edges.push(x);
        }
        Grid {
            edges,
            size,
            heading_size,
            first_carried,
            description,
        }
    }

    fn left(&self) -> f32 {
        self.edges[0]
    }

    fn right(&self) -> f32 {
        *self.edges.last().expect("a grid has edges")
    }

    fn width_of(&self, from: usize, to: usize) -> f32 {
        self.edges[to] - self.edges[from]
    }
}

/// Each column's width at `size`: its declared characters, widened so no heading word has to
/// break, plus padding. The description's entry is a placeholder.
fn natural_widths(columns: &[ColumnSpec], size: f32) -> Vec<f32> {
    let digit = digit_width(Face::Regular, size);
    columns
        .iter()
        .map(|column| {
            (column.width_chars * digit).max(longest_word_width(&column.heading, size))
                + 2.0 * CELL_PAD_X
        })
        .collect()
}

/// The width of a heading's longest word in bold at `size`: the least a column can be for its
/// heading to wrap only between words.
fn longest_word_width(heading: &str, size: f32) -> f32 {
    printable(heading)
        .split_whitespace()
        .map(|word| text_width(Face::Bold, size, word))
        .fold(0.0, f32::max)
}

/// A row with its text wrapped to its cells.
struct PreparedRow {
    style: RowStyle,
    /// Lines per column (figures and centred cells have at most one).
    cells: Vec<Vec<String>>,
    /// The label's lines and the columns it spans.
    label: Option<(Vec<String>, usize, usize)>,
    lines: usize,
    carry: Vec<Decimal>,
}

/// A pending vertical rule per column edge, open from a y down to wherever it stops.
struct VerticalRuns {
    open: Vec<Option<f32>>,
}

impl VerticalRuns {
    fn new(edges: usize) -> Self {
        Self {
            open: vec![None; edges],
        }
    }

    /// Extends, opens or closes each edge's run for the row whose top is `top`.
    fn row(&mut self, canvas: &mut Canvas, grid: &Grid, present: &dyn Fn(usize) -> bool, top: f32) {
        for (edge, run) in self.open.iter_mut().enumerate() {
            match (present(edge), *run) {
                (true, None) => *run = Some(top),
                (false, Some(start)) => {
                    canvas.rule(
                        (grid.edges[edge], start),
                        (grid.edges[edge], top),
                        RULE_GRID,
                    );
                    *run = None;
                }
                _ => {}
            }
        }
    }

    fn close_all(&mut self, canvas: &mut Canvas, grid: &Grid, bottom: f32) {
        for (edge, run) in self.open.iter_mut().enumerate() {
            if let Some(start) = run.take() {
                canvas.rule(
                    (grid.edges[edge], start),
                    (grid.edges[edge], bottom),
                    RULE_GRID,
                );
            }
        }
    }
}

/// Lays the report out into pages, footers included.
pub(crate) fn lay_out(report: &Report<'_>) -> Vec<Canvas> {
    let mut layout = Layout::new(report);
    layout.first_page();
    let mut start = 0;
    while start < report.body.len() {
        // An item and the AE rows after it stay on one page when they can, and so do the
        // headings (sub-heads) above it: a heading never ends a page alone.
        let headings = report.body[start..]
            .iter()
            .take_while(|row| row.style == RowStyle::Heading)
            .count();
        let item = start + headings;
        let end = if item < report.body.len() {
            item + 1
                + report.body[item + 1..]
                    .iter()
                    .take_while(|row| row.style == RowStyle::Excess)
                    .count()
        } else {
            item
        };
        layout.place_body_group(&report.body[start..end]);
        start = end;
    }
    layout.place_totals(&report.totals);
    let (closing, closing_height) = layout.closing_blocks(&report.closing, report.signatures);
    for (index, statement) in report.statements.iter().enumerate() {
        let last = index + 1 == report.statements.len();
        layout.place_statement(statement, if last { closing_height } else { 0.0 });
    }
    layout.place_closing_blocks(&closing, closing_height, report.signatures);
    if let Some(form) = &report.form {
        layout.place_form(form);
    }
    layout.finish()
}

struct Layout<'r, 'a> {
    report: &'r Report<'a>,
    grid: Grid,
    page_height: f32,
    pages: Vec<Canvas>,
    canvas: Canvas,
    y: f32,
    /// Running totals per column.
    sums: Vec<Decimal>,
    runs: VerticalRuns,
    /// Whether the current page has an open table (header drawn, rows may follow).
    table_open: bool,
    header_height: f32,
    carry_height: f32,
}

impl<'r, 'a> Layout<'r, 'a> {
    fn new(report: &'r Report<'a>) -> Self {
        let (page_width, page_height) = report.orientation.size();
        let grid = Grid::fit(
            report.columns,
            report.font_size,
            MARGIN_X,
            page_width - 2.0 * MARGIN_X,
        );
        let columns = report.columns.len();
        let mut layout = Layout {
            report,
            header_height: 0.0,
            carry_height: line_height(grid.size) + 2.0 * cell_pad_y(grid.size),
            grid,
            page_height,
            pages: Vec::new(),
            canvas: Canvas::default(),
            y: page_height - MARGIN_TOP,
            sums: vec![Decimal::ZERO; columns],
            runs: VerticalRuns::new(columns + 1),
            table_open: false,
        };
        layout.header_height = layout.table_header_lines().2;
        layout
    }

    fn size(&self) -> f32 {
        self.grid.size
    }

    fn width(&self) -> f32 {
        self.grid.right() - self.grid.left()
    }

    // ----- page furniture ------------------------------------------------------------------

    fn first_page(&mut self) {
        let header = self.report.header;
        let left = self.grid.left();
        let width = self.width();
        self.centred_title(&header.title);
        self.y -= line_height(TITLE_SIZE) + 4.0;

        let labels: Vec<String> = header
            .lines
            .iter()
            .map(|line| {
                if line.label.is_empty() {
                    String::new()
                } else {
                    format!("{}:", printable(&line.label))
                }
            })
            .collect();
        let label_width = labels
            .iter()
            .map(|l| text_width(Face::Bold, HEADER_SIZE, l))
            .fold(0.0, f32::max)
            .min(width * 0.4)
            + 6.0;
        let line_advance = line_height(HEADER_SIZE);
        for (line, label) in header.lines.iter().zip(&labels) {
            let value = printable(line.value.trim());
            let (value_x, value_width) = if label.is_empty() {
                (left, width)
            } else {
                (left + label_width, width - label_width)
            };
            let mut lines = wrap(Face::Regular, HEADER_SIZE, &value, value_width);
            if lines.is_empty() {
                lines.push(String::new());
            }
            // The work data refuses longer names, but a workbook's own can be any length: the
            // header stays on its page, and the cut is marked.
            if lines.len() > MAX_HEADER_VALUE_LINES {
                lines.truncate(MAX_HEADER_VALUE_LINES);
                let last = format!("{} ...", lines[MAX_HEADER_VALUE_LINES - 1]);
                lines[MAX_HEADER_VALUE_LINES - 1] =
                    truncate_to_width(Face::Regular, HEADER_SIZE, &last, value_width);
            }
            let label_lines = if label.is_empty() {
                Vec::new()
            } else {
                wrap(Face::Bold, HEADER_SIZE, label, label_width - 6.0)
            };
            for (i, piece) in label_lines.iter().enumerate() {
                self.canvas.text(
                    left,
                    first_baseline(self.y, HEADER_SIZE) - i as f32 * line_advance,
                    Face::Bold,
                    HEADER_SIZE,
                    piece,
                );
            }
            for (i, piece) in lines.iter().enumerate() {
                self.canvas.text(
                    value_x,
                    first_baseline(self.y, HEADER_SIZE) - i as f32 * line_advance,
                    Face::Regular,
                    HEADER_SIZE,
                    piece,
                );
            }
            self.y -= lines.len().max(label_lines.len()) as f32 * line_advance;
        }
        self.y -= 6.0;
        self.open_table();
    }

    /// Closes the current page and starts the next with its running head.
    fn new_page(&mut self) {
        self.close_table();
        let finished = std::mem::take(&mut self.canvas);
        self.pages.push(finished);
        self.y = self.page_height - MARGIN_TOP;

        let header = self.report.header;
        let left = self.grid.left();
        let width = self.width();
        let head = format!("{} (contd.)", printable(&header.title));
        let head_width = text_width(Face::Bold, RUNNING_HEAD_SIZE, &head);
        let baseline = first_baseline(self.y, RUNNING_HEAD_SIZE);
        self.canvas
            .text(left, baseline, Face::Bold, RUNNING_HEAD_SIZE, &head);
        // The name of the work, so a loose page can be placed.
        if let Some(first) = header.lines.first() {
            let room = width - head_width - 24.0;
            // One line: a name typed on two lines reads on with a space.
            let text = printable(&first.value).replace('\n', " ");
            let short = truncate_to_width(Face::Italic, RUNNING_HEAD_SIZE, text.trim(), room);
            let short_width = text_width(Face::Italic, RUNNING_HEAD_SIZE, &short);
            self.canvas.text(
                left + width - short_width,
                baseline,
                Face::Italic,
                RUNNING_HEAD_SIZE,
                &short,
            );
        }
        self.y -= line_height(RUNNING_HEAD_SIZE) + 4.0;
    }

    /// The column headings: (lines per column, lines per group start, total height).
    #[allow(clippy::type_complexity)]
    fn table_header_lines(&self) -> (Vec<Vec<String>>, Vec<Option<(usize, Vec<String>)>>, f32) {
        let columns = self.report.columns;
        let size = self.grid.heading_size;
        let lh = line_height(size);
        let pad = cell_pad_y(size);
        let two_tier = columns.iter().any(|c| c.group.is_some());

        // A heading that joins the previous column is drawn across both.
        let spans = heading_spans(columns);
        let mut own = vec![Vec::new(); columns.len()];
        for &(start, end) in &spans {
            let text = printable(&columns[start].heading).into_owned();
            own[start] = wrap(
                Face::Bold,
                size,
                &text,
                self.grid.width_of(start, end) - 2.0 * CELL_PAD_X,
            );
        }
        let mut groups = vec![None; columns.len()];
        let mut start = 0;
        while start < columns.len() {
            let mut end = start + 1;
            if let Some(group) = &columns[start].group {
                while end < columns.len() && columns[end].group.as_ref() == Some(group) {
                    end += 1;
                }
                let lines = wrap(
                    Face::Bold,
                    size,
                    &printable(group),
                    self.grid.width_of(start, end) - 2.0 * CELL_PAD_X,
                );
                groups[start] = Some((end, lines));
            }
            start = end;
        }

        let tallest = |pick: &dyn Fn(usize) -> bool| {
            (0..columns.len())
                .filter(|&i| pick(i))
                .map(|i| own[i].len())
                .max()
                .unwrap_or(0)
        };
        let height = if two_tier {
            let group_lines = groups
                .iter()
                .flatten()
                .map(|(_, l)| l.len())
                .max()
                .unwrap_or(1);
            let sub_lines = tallest(&|i| columns[i].group.is_some()).max(1);
            let tiers = (group_lines + sub_lines) as f32 * lh + 4.0 * pad;
            let plain = tallest(&|i| columns[i].group.is_none()) as f32 * lh + 2.0 * pad;
            tiers.max(plain)
        } else {
            tallest(&|_| true).max(1) as f32 * lh + 2.0 * pad
        };
        (own, groups, height)
    }

    /// Draws the column headings at the current y.
    fn open_table(&mut self) {
        let (own, groups, height) = self.table_header_lines();
        let columns = self.report.columns;
        let size = self.grid.heading_size;
        let lh = line_height(size);
        let pad = cell_pad_y(size);
        let top = self.y;
        let bottom = top - height;
        let (left, right) = (self.grid.left(), self.grid.right());
        self.canvas
            .fill(left, bottom, right - left, height, HEADER_TINT);
        self.canvas.rule((left, top), (right, top), RULE_BOLD);
        self.canvas.rule((left, bottom), (right, bottom), RULE_BOLD);

        // The upper tier is as tall as the tallest group label.
        let group_height = groups
            .iter()
            .flatten()
            .map(|(_, lines)| lines.len())
            .max()
            .map_or(0.0, |n| n as f32 * lh + 2.0 * pad);
        for (start, group) in groups.iter().enumerate() {
            let Some((end, lines)) = group else { continue };
            let (x0, x1) = (self.grid.edges[start], self.grid.edges[*end]);
            self.centred_lines(lines, x0, x1, top, top - group_height, Face::Bold, size);
            self.canvas.rule(
                (x0, top - group_height),
                (x1, top - group_height),
                RULE_GRID,
            );
        }
        for (start, end) in heading_spans(columns) {
            let cell_top = if columns[start].group.is_some() {
                top - group_height
            } else {
                top
            };
            let (x0, x1) = (self.grid.edges[start], self.grid.edges[end]);
            self.centred_lines(&own[start], x0, x1, cell_top, bottom, Face::Bold, size);
        }

        for edge in 0..=columns.len() {
            let x = self.grid.edges[edge];
            let interior = edge > 0 && edge < columns.len();
            if interior && columns[edge].joins_previous {
                continue;
            }
            let same_group = interior
                && columns[edge].group.is_some()
                && columns[edge].group == columns[edge - 1].group;
            let from = if same_group { top - group_height } else { top };
            self.canvas.rule((x, from), (x, bottom), RULE_GRID);
        }
        self.y = bottom;
        self.table_open = true;
    }

    /// Draws `lines` centred horizontally between `x0`..`x1` and vertically in `top`..`bottom`.
    #[allow(clippy::too_many_arguments)]
    fn centred_lines(
        &mut self,
        lines: &[String],
        x0: f32,
        x1: f32,
        top: f32,
        bottom: f32,
        face: Face,
        size: f32,
    ) {
        let lh = line_height(size);
        let block = lines.len() as f32 * lh;
        let block_top = top - ((top - bottom) - block).max(0.0) / 2.0;
        for (i, line) in lines.iter().enumerate() {
            let w = text_width(face, size, line);
            self.canvas.text(
                x0 + ((x1 - x0) - w) / 2.0,
                first_baseline(block_top, size) - i as f32 * lh,
                face,
                size,
                line,
            );
        }
    }

    fn close_table(&mut self) {
        if self.table_open {
            let (left, right) = (self.grid.left(), self.grid.right());
            self.runs.close_all(&mut self.canvas, &self.grid, self.y);
            self.canvas.rule((left, self.y), (right, self.y), RULE_BOLD);
            self.table_open = false;
        }
    }

    // ----- rows ----------------------------------------------------------------------------

    fn prepare(&self, row: &Row) -> PreparedRow {
        let columns = self.report.columns;
        let size = self.size();
        let face = row.style.face();
        let label_span = row.label.as_ref().map(|_| match row.style {
            RowStyle::Heading => (self.grid.description, columns.len()),
            _ => (0, self.grid.first_carried.max(1)),
        });
        let covered = |i: usize| label_span.is_some_and(|(from, to)| i >= from && i < to);

        let mut lines = 1;
        let cells: Vec<Vec<String>> = columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                let text = row.cells.get(i).map(String::as_str).unwrap_or("");
                if covered(i) || text.trim().is_empty() {
                    return Vec::new();
                }
                let text = printable(text);
                if column.kind.wraps() {
                    let inner = self.grid.width_of(i, i + 1) - 2.0 * CELL_PAD_X;
                    let wrapped = wrap(face, size, &text, inner);
                    lines = lines.max(wrapped.len());
                    wrapped
                } else {
                    vec![text.split_whitespace().collect::<Vec<_>>().join(" ")]
                }
            })
            .collect();
        let label = row
            .label
            .as_ref()
            .zip(label_span)
            .map(|(text, (from, to))| {
                let inner = self.grid.width_of(from, to) - 2.0 * CELL_PAD_X;
                let wrapped = wrap(face, size, &printable(text), inner);
                lines = lines.max(wrapped.len());
                (wrapped, from, to)
            });
        PreparedRow {
            style: row.style,
            cells,
            label,
            lines,
            carry: row.carry.clone(),
        }
    }

    fn row_height(&self, lines: usize) -> f32 {
        lines as f32 * line_height(self.size()) + 2.0 * cell_pad_y(self.size())
    }

    /// Room left above the content bottom, keeping space for a "Carried forward" row.
    fn room(&self) -> f32 {
        self.y - CONTENT_BOTTOM - self.carry_height
    }

    /// Room a fresh continuation page offers for rows.
    fn fresh_page_room(&self) -> f32 {
        self.page_height
            - MARGIN_TOP
            - (line_height(RUNNING_HEAD_SIZE) + 4.0)
            - self.header_height
            - self.carry_height
            - CONTENT_BOTTOM
            - self.carry_height
    }

    fn place_body_group(&mut self, rows: &[Row]) {
        let prepared: Vec<PreparedRow> = rows.iter().map(|row| self.prepare(row)).collect();
        if prepared.len() > 1 {
            let height: f32 = prepared.iter().map(|p| self.row_height(p.lines)).sum();
            if height > self.room() && height <= self.fresh_page_room() {
                self.page_break();
            }
        }
        for row in &prepared {
            self.place_body_row(row);
        }
    }

    fn place_body_row(&mut self, prepared: &PreparedRow) {
        let lh = line_height(self.size());
        let mut from = 0;
        let mut counted = false;
        while from < prepared.lines {
            let remaining = prepared.lines - from;
            if self.row_height(remaining) <= self.room() {
                self.draw_row(prepared, from, prepared.lines, !counted);
                return;
            }
            // Only a row taller than a whole page is split; others move to the next page.
            if self.row_height(remaining) > self.fresh_page_room() {
                let fitting = ((self.room() - 2.0 * cell_pad_y(self.size())) / lh).floor();
                if fitting >= 1.0 {
                    let to = from + fitting as usize;
                    self.draw_row(prepared, from, to, !counted);
                    counted = true;
                    from = to;
                }
            }
            self.page_break();
        }
    }

    /// Carried forward, a new page, the headings, brought forward.
    fn page_break(&mut self) {
        self.draw_carry_row("Carried forward");
        self.new_page();
        self.open_table();
        self.draw_carry_row("Brought forward");
    }

    fn draw_carry_row(&mut self, label: &str) {
        let cells = self
            .report
            .columns
            .iter()
            .zip(&self.sums)
            .map(|(column, sum)| {
                if column.carried {
                    format_money(*sum)
                } else {
                    String::new()
                }
            })
            .collect();
        let prepared = self.prepare(&Row::labelled(RowStyle::Carry, label, cells));
        self.draw_row(&prepared, 0, prepared.lines, false);
    }

    /// Draws lines `from..to` of a prepared row at the current y.
    fn draw_row(&mut self, row: &PreparedRow, from: usize, to: usize, count_carry: bool) {
        let columns = self.report.columns;
        let size = self.size();
        let face = row.style.face();
        let lh = line_height(size);
        let pad = cell_pad_y(size);
        let height = self.row_height(to - from);
        let top = self.y;
        let bottom = top - height;
        let (left, right) = (self.grid.left(), self.grid.right());

        if let Some(tint) = row.style.tint() {
            self.canvas.fill(left, bottom, right - left, height, tint);
        }
        let top_rule = if row.style == RowStyle::GrandTotal {
            RULE_BOLD
        } else {
            RULE_THIN
        };
        self.canvas.rule((left, top), (right, top), top_rule);

        let first_carried = self.grid.first_carried.max(1);
        let description = self.grid.description;
        let present = |edge: usize| -> bool {
            let outer = edge == 0 || edge == columns.len();
            outer
                || match row.style {
                    RowStyle::Item | RowStyle::Excess => true,
                    RowStyle::Heading => false,
                    RowStyle::Total | RowStyle::GrandTotal | RowStyle::Carry => {
                        edge >= first_carried
                    }
                }
        };
        // A heading's tint and label start at the description column; the serial column
        // keeps its rule so the item grid reads through.
        let present_for_row =
            |edge: usize| present(edge) || (row.style == RowStyle::Heading && edge == description);
        self.runs
            .row(&mut self.canvas, &self.grid, &present_for_row, top);

        let baseline = |line: usize| first_baseline(top - pad, size) - (line - from) as f32 * lh;
        for (i, (column, lines)) in columns.iter().zip(&row.cells).enumerate() {
            let (x0, x1) = (self.grid.edges[i], self.grid.edges[i + 1]);
            let inner = x1 - x0 - 2.0 * CELL_PAD_X;
            for (line, text) in lines.iter().enumerate().take(to).skip(from) {
                let natural = text_width(face, size, text);
                // A figure wider than its column is set smaller rather than allowed to spill.
                let (draw_size, width) = if natural > inner && inner > 0.0 {
                    (size * inner / natural, inner)
                } else {
                    (size, natural)
                };
                let x = match column.kind {
                    k if k.is_figure() => x1 - CELL_PAD_X - width,
                    ColumnKind::Serial | ColumnKind::Unit | ColumnKind::Per => {
                        x0 + (x1 - x0 - width) / 2.0
                    }
                    _ => x0 + CELL_PAD_X,
                };
                self.canvas.text(x, baseline(line), face, draw_size, text);
            }
        }
        if let Some((lines, span_from, span_to)) = &row.label {
            let (x0, x1) = (self.grid.edges[*span_from], self.grid.edges[*span_to]);
            for (line, text) in lines.iter().enumerate().take(to).skip(from) {
                let x = if row.style == RowStyle::Heading {
                    x0 + CELL_PAD_X
                } else {
                    x1 - CELL_PAD_X - text_width(face, size, text)
                };
                self.canvas.text(x, baseline(line), face, size, text);
            }
        }

        if count_carry {
            for (sum, amount) in self.sums.iter_mut().zip(&row.carry) {
                *sum += *amount;
            }
        }
        self.y = bottom;
    }

    // ----- totals and closing -------------------------------------------------------------

    fn place_totals(&mut self, totals: &[Row]) {
        let prepared: Vec<PreparedRow> = totals.iter().map(|row| self.prepare(row)).collect();
        let needed: f32 = prepared.iter().map(|p| self.row_height(p.lines)).sum();
        // The block stays together; the room kept for "Carried forward" is not needed after it.
        if needed > self.room() + self.carry_height {
            self.page_break();
        }
        for row in &prepared {
            self.draw_row(row, 0, row.lines, false);
        }
        self.close_table();
    }

    /// `statement` in a ruled table; `kept_with` is the height of what must follow it on its
    /// page (the amount in words and the signatures, after the last one).
    fn place_statement(&mut self, statement: &Statement, kept_with: f32) {
        const SIZE: f32 = 9.0;
        const PAD: f32 = 2.0;
        const TINT: Grey = 0.93;
        let lh = line_height(SIZE);
        let left = self.grid.left();
        let width = self.width();
        // Wide enough for the longest number: 4(aa) once an office keeps more than 26 lines.
        let number_width = statement
            .rows
            .iter()
            .map(|row| text_width(Face::Bold, SIZE, &printable(&row.number)) + 2.0 * CELL_PAD_X)
            .fold(26.0, f32::max);
        let amount_width = 84.0;
        let detail_width = (width * 0.34).min(210.0);
        let particulars_width = width - number_width - detail_width - amount_width;
        let inner = |w: f32| w - 2.0 * CELL_PAD_X;
        let prepared: Vec<(Vec<String>, Vec<String>, f32)> = statement
            .rows
            .iter()
            .map(|row| {
                let face = if row.emphasised {
                    Face::Bold
                } else {
                    Face::Regular
                };
                let particulars = wrap(
                    face,
                    SIZE,
                    &printable(&row.particulars),
                    inner(particulars_width),
                );
                let detail = wrap(
                    Face::Regular,
                    SIZE,
                    &printable(&row.detail),
                    inner(detail_width),
                );
                let lines = particulars.len().max(detail.len()).max(1);
                (particulars, detail, lines as f32 * lh + 2.0 * PAD)
            })
            .collect();
        let title_height = lh + 6.0;
        let needed = 10.0 + title_height + prepared.iter().map(|p| p.2).sum::<f32>();
        // A statement that fits on a fresh page starts on one rather than being split; a longer
        // one (an office with many deduction lines) breaks between rows, its title repeated.
        // The last one starts a page with the words and signatures under it when they would
        // not follow it on this one: the signatures sign the net amount, and a page of the
        // words alone read as a stray.
        let page_room = self.page_height - MARGIN_TOP - CONTENT_BOTTOM;
        let with_what_follows = needed + kept_with;
        let fits_here = |height: f32| self.y - height >= CONTENT_BOTTOM;
        if (!fits_here(with_what_follows) && with_what_follows <= page_room)
            || (!fits_here(needed) && needed <= page_room)
        {
            self.new_page();
        }
        let detail_left = left + number_width + particulars_width;
        let verticals = [
            left,
            left + number_width,
            detail_left,
            left + width - amount_width,
            left + width,
        ];

        self.y -= 10.0;
        self.centred_bold((left, width), SIZE + 1.0, &statement.title);
        self.y -= title_height;
        let mut top = self.y;
        self.canvas
            .rule((left, top), (left + width, top), RULE_GRID);
        for (row, (particulars, detail, height)) in statement.rows.iter().zip(&prepared) {
            if self.y - height < CONTENT_BOTTOM && self.y < top {
                for x in verticals {
                    self.canvas.rule((x, top), (x, self.y), RULE_GRID);
                }
                self.new_page();
                self.centred_bold(
                    (left, width),
                    SIZE + 1.0,
                    &format!("{} (contd.)", statement.title),
                );
                self.y -= title_height;
                top = self.y;
                self.canvas
                    .rule((left, top), (left + width, top), RULE_GRID);
            }
            let face = if row.emphasised {
                Face::Bold
            } else {
                Face::Regular
            };
            if row.emphasised {
                self.canvas
                    .fill(left, self.y - height, width, *height, TINT);
            }
            let baseline = first_baseline(self.y - PAD, SIZE);
            self.canvas.text(
                left + CELL_PAD_X,
                baseline,
                face,
                SIZE,
                &printable(&row.number),
            );
            for (i, line) in particulars.iter().enumerate() {
                let y = baseline - i as f32 * lh;
                self.canvas
                    .text(left + number_width + CELL_PAD_X, y, face, SIZE, line);
            }
            for (i, line) in detail.iter().enumerate() {
                let y = baseline - i as f32 * lh;
                self.canvas
                    .text(detail_left + CELL_PAD_X, y, Face::Regular, SIZE, line);
            }
            let amount = printable(&row.amount);
            let amount_x = left + width - CELL_PAD_X - text_width(face, SIZE, &amount);
            self.canvas.text(amount_x, baseline, face, SIZE, &amount);
            self.y -= height;
            self.canvas
                .rule((left, self.y), (left + width, self.y), RULE_THIN);
        }
        for x in verticals {
            self.canvas.rule((x, top), (x, self.y), RULE_GRID);
        }
        self.canvas
            .rule((left, self.y), (left + width, self.y), RULE_GRID);
    }

    /// The closing lines laid out (label, its width, the wrapped text) and the height they take
    /// with the signatures under them.
    fn closing_blocks(
        &self,
        closing: &[ClosingLine],
        signatures: &[&str],
    ) -> (Vec<ClosingBlock>, f32) {
        let width = self.width();
        let lh = line_height(CLOSING_SIZE);
        let blocks: Vec<ClosingBlock> = closing
            .iter()
            .map(|line| {
                let label = printable(&line.label).into_owned();
                let label_width = text_width(Face::Bold, CLOSING_SIZE, &label) + 4.0;
                let text = wrap(
                    Face::Regular,
                    CLOSING_SIZE,
                    &printable(&line.text),
                    width - label_width,
                );
                (label, label_width, text)
            })
            .collect();
        let words_height: f32 = blocks
            .iter()
            .map(|(_, _, t)| t.len().max(1) as f32 * lh + 3.0)
            .sum();
        let signature_height = if signatures.is_empty() {
            0.0
        } else {
            SIGNATURE_SPACE + lh + 4.0
        };
        (blocks, 8.0 + words_height + signature_height)
    }

    /// Closing lines and the signatures under them, kept together.
    fn place_closing(&mut self, closing: &[ClosingLine], signatures: &[&str]) {
        let (blocks, needed) = self.closing_blocks(closing, signatures);
        self.place_closing_blocks(&blocks, needed, signatures);
    }

    fn place_closing_blocks(&mut self, blocks: &[ClosingBlock], needed: f32, signatures: &[&str]) {
        let left = self.grid.left();
        let width = self.width();
        let lh = line_height(CLOSING_SIZE);
        if self.y - needed < CONTENT_BOTTOM {
            self.new_page();
        }

        self.y -= 8.0;
        for (label, label_width, text) in blocks {
            let baseline = first_baseline(self.y, CLOSING_SIZE);
            self.canvas
                .text(left, baseline, Face::Bold, CLOSING_SIZE, label);
            for (i, piece) in text.iter().enumerate() {
                self.canvas.text(
                    left + label_width,
                    baseline - i as f32 * lh,
                    Face::Regular,
                    CLOSING_SIZE,
                    piece,
                );
            }
            self.y -= text.len().max(1) as f32 * lh + 3.0;
        }

        if !signatures.is_empty() {
            self.y -= SIGNATURE_SPACE;
            let slot = width / signatures.len() as f32;
            let line_width = (slot - 24.0).min(150.0);
            for (i, caption) in signatures.iter().enumerate() {
                let centre = left + slot * (i as f32 + 0.5);
                self.canvas.rule(
                    (centre - line_width / 2.0, self.y),
                    (centre + line_width / 2.0, self.y),
                    RULE_GRID,
                );
                let caption = printable(caption);
                let w = text_width(Face::Regular, CLOSING_SIZE, &caption);
                self.canvas.text(
                    centre - w / 2.0,
                    first_baseline(self.y - 2.0, CLOSING_SIZE),
                    Face::Regular,
                    CLOSING_SIZE,
                    &caption,
                );
            }
            self.y -= lh + 4.0;
        }
    }

    /// A document's or a form's title, large and centred at the current line.
    fn centred_title(&mut self, text: &str) {
        self.centred_bold((self.grid.left(), self.width()), TITLE_SIZE, text);
    }

    /// `text` in bold at the current line, centred in the span from `left` that is `width`
    /// wide (from its left edge when it is wider).
    fn centred_bold(&mut self, (left, width): (f32, f32), size: f32, text: &str) {
        let text = printable(text);
        let drawn_width = text_width(Face::Bold, size, &text);
        self.canvas.text(
            left + (width - drawn_width).max(0.0) / 2.0,
            first_baseline(self.y, size),
            Face::Bold,
            size,
            &text,
        );
    }

    /// A form on a fresh page: its title, then each block, keeping each block together.
    fn place_form(&mut self, form: &FormPages) {
        self.new_page();
        self.centred_title(&form.title);
        self.y -= line_height(TITLE_SIZE) + 2.0;
        // Which work, so the form can be read apart from its bill.
        let first_lines: Vec<ClosingLine> = self
            .report
            .header
            .lines
            .iter()
            .take(1)
            .map(|line| ClosingLine {
                label: format!("{}:", line.label),
                text: line.value.clone(),
            })
            .chain(std::iter::once(ClosingLine {
                label: "Bill:".to_owned(),
                text: self.report.header.title.clone(),
            }))
            .collect();
        self.place_closing(&first_lines, &[]);
        for block in &form.blocks {
            match block {
                FormPart::Statement(statement, notes) => {
                    let (notes, notes_height) = self.closing_blocks(notes, &[]);
                    self.place_statement(statement, notes_height);
                    self.place_closing_blocks(&notes, notes_height, &[]);
                }
                FormPart::Text {
                    heading,
                    paragraphs,
                    signed_by,
                } => {
                    let signed_by: Vec<&str> = signed_by.iter().map(String::as_str).collect();
                    self.place_text(heading, paragraphs, &signed_by);
                }
            }
        }
    }

    /// A bold heading, wrapped paragraphs and the signatures under them, kept together.
    fn place_text(&mut self, heading: &str, paragraphs: &[String], signed_by: &[&str]) {
        const SIZE: f32 = 9.5;
        let left = self.grid.left();
        let width = self.width();
        let lh = line_height(SIZE);
        let wrapped: Vec<Vec<String>> = paragraphs
            .iter()
            .map(|text| wrap(Face::Regular, SIZE, &printable(text), width))
            .collect();
        let signatures = if signed_by.is_empty() {
            0.0
        } else {
            8.0 + SIGNATURE_SPACE + line_height(9.5) + 4.0
        };
        let needed = 12.0
            + lh
            + wrapped
                .iter()
                .map(|lines| lines.len() as f32 * lh + 4.0)
                .sum::<f32>()
            + signatures;
        if self.y - needed < CONTENT_BOTTOM {
            self.new_page();
        }
        self.y -= 12.0;
        self.centred_bold((left, width), SIZE + 0.5, heading);
        self.y -= lh + 2.0;
        for lines in &wrapped {
            for line in lines {
                self.canvas.text(
                    left,
                    first_baseline(self.y, SIZE),
                    Face::Regular,
                    SIZE,
                    line,
                );
                self.y -= lh;
            }
            self.y -= 4.0;
        }
        if !signed_by.is_empty() {
            self.place_closing(&[], signed_by);
        }
    }

    /// Closes the last page and draws every page's footer.
    fn finish(mut self) -> Vec<Canvas> {
        self.close_table();
        let last = std::mem::take(&mut self.canvas);
        self.pages.push(last);
        let count = self.pages.len();
        let left = self.grid.left();
        let right = self.grid.right();
        let header = self.report.header;
        let hash_text = format!("inputs sha256 {}", header.inputs_sha256);
        let title = printable(&header.title);
        for (index, page) in self.pages.iter_mut().enumerate() {
            page.rule((left, FOOTER_RULE), (right, FOOTER_RULE), RULE_THIN);
            let number = format!("Page {} of {}", index + 1, count);
            let number_width = text_width(Face::Regular, FOOTER_SIZE, &number);
            let centre = (left + right) / 2.0;
            page.text(
                centre - number_width / 2.0,
                FOOTER_BASELINE,
                Face::Regular,
                FOOTER_SIZE,
                &number,
            );
            page.grey_text(
                left,
                FOOTER_BASELINE,
                Face::Regular,
                HASH_SIZE,
                0.35,
                &hash_text,
            );
            let room = right - (centre + number_width / 2.0) - 12.0;
            let short = truncate_to_width(Face::Italic, FOOTER_SIZE, &title, room);
            let short_width = text_width(Face::Italic, FOOTER_SIZE, &short);
            page.text(
                right - short_width,
                FOOTER_BASELINE,
                Face::Italic,
                FOOTER_SIZE,
                &short,
            );
        }
        self.pages
    }
}
