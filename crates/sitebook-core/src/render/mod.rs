//! The document model both renderers share: what a request to render carries, and each
//! document's column layout.
//!
//! The PDF renderer ([`crate::pdf`]) and the workbook renderer ([`crate::xlsx`]) must never
//! disagree about a document: the same headings, the same column order, the same columns
//! treated as money. So the layout of every document kind is declared here once, as a list of
//! [`ColumnSpec`]s, and both renderers read it. The figures themselves come from the domain
//! layer ([`crate::domain`]) and are never recomputed here.
//!
//! A request is a [`DocumentRequest`]: the domain result (a [`FirstBill`], an [`NthBill`], a
//! [`Workslip`] or an [`EstimateAbstract`]) plus a [`DocumentHeader`] with the title, the header
//! lines and the SHA-256 of the inputs, which every output records (bills are evidence).

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::domain::bill::{FirstBill, NthBill};
use crate::domain::deviation::DeviationStatement;
use crate::domain::estimate::{
    estimate_footer, items_total, EstimateFooter, EstimateFooterError, EstimateFooterInput,
    EstimateItem, SubHead,
};
use crate::domain::money::{format_indian, group_indian, round2};
use crate::domain::work::{DocDate, HeaderLine};
use crate::domain::workslip::{PhaseColumn, Workslip};

use thiserror::Error;

use crate::domain::money::CurrencyMark;

mod forms;

pub use forms::{
    deviation_closing, deviation_col, deviation_columns, final_bill_form, form_columns,
    memorandum_statement, running_account_form, workslip_closing, BillForm, Derivation, FormBlock,
    FormLine, FormStatement, MemorandumLinks, MEMORANDUM_TITLE,
};

/// Why a document could not be rendered.
#[derive(Debug, Error)]
pub enum RenderError {
    /// The request's inputs hash is not 64 lowercase hex digits.
    #[error("the inputs hash must be 64 lowercase hex digits (a SHA-256), got {given:?}")]
    InvalidInputsHash {
        /// What was given (at most 80 characters of it).
        given: String,
    },
    /// An archival PDF needs a creation date, and the clock is never used for it.
    #[error("\"{title}\" has no document date; a PDF is dated from its data (the bill's DOBR, the document date), never from the clock")]
    MissingDocumentDate {
        /// The document's title.
        title: String,
    },
    /// The PDF writer refused the document (for a PDF/A rule, it names the rule).
    #[error("the PDF could not be written: {0}")]
    PdfWriter(String),
    /// The workbook writer failed.
    #[error("writing the workbook failed: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    /// A stored workbook could not be read to mark it withdrawn (it is not one Sitebook wrote).
    #[error("the withdrawn workbook could not be marked: {0}")]
    WorkbookStamp(String),
}

/// What a copy of a withdrawn document says about its withdrawal: the PDF's stamp
/// ([`crate::pdf::stamp_withdrawn`]) and the workbook's notice sheet
/// ([`crate::xlsx::stamp_withdrawn_workbook`]) print the same lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawnNotice {
    /// The document, as people name it: `Bill 2 of estimate 14`.
    pub document: String,
    /// When it was withdrawn, as the app shows dates (`06-12-2026`).
    pub withdrawn_on: String,
    /// Who withdrew it.
    pub withdrawn_by: String,
    /// Why, as given.
    pub reason: String,
}

impl WithdrawnNotice {
    /// The two lines of the notice: what the copy is, then who withdrew it, when and why. The
    /// reason comes last: on a PDF page, a long one is cut where the page ends.
    pub fn lines(&self) -> [String; 2] {
        [
            format!(
                "WITHDRAWN: {} is not in force; this copy is kept as a record.",
                self.document
            ),
            format!(
                "Withdrawn on {} by {}: {}.",
                self.withdrawn_on,
                self.withdrawn_by,
                self.reason.trim().trim_end_matches('.')
            ),
        ]
    }
}

/// The prefix under which each output records its inputs' hash, in PDF metadata and in
/// workbook properties: `sitebook-inputs-sha256:<64 hex digits>`.
pub const INPUTS_HASH_PREFIX: &str = "sitebook-inputs-sha256:";

/// The prefix under which a PDF records the sha256 of the workbook its estimate came from:
/// `sitebook-source-sha256:<64 hex digits>`.
pub const SOURCE_HASH_PREFIX: &str = "sitebook-source-sha256:";

/// The title of an estimate abstract: the first row of an estimate workbook (DOMAIN.md §1),
/// so the abstract's workbook reads back through the estimate parser.
pub const ESTIMATE_TITLE: &str = "ESTIMATE";

/// Everything printed above a document's table, and the facts recorded in its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentHeader {
    /// The title line (`CC First & Part Bill`, `WORKING ESTIMATE-2`, `ESTIMATE`).
    pub title: String,
    /// The header block under the title, usually [`WorkMetadata::header_block`].
    ///
    /// [`WorkMetadata::header_block`]: crate::domain::work::WorkMetadata::header_block
    pub lines: Vec<HeaderLine>,
    /// Lowercase hex SHA-256 of the document's serialized inputs (see [`sha256_hex`]).
    pub inputs_sha256: String,
    /// The date stamped as the file's creation date, taken from the document's data, never
    /// the clock, so that identical inputs give identical bytes. A PDF is refused without one.
    pub document_date: Option<DocDate>,
    /// The organization the document belongs to, recorded as its author.
    pub organization: Option<String>,
    /// Lowercase hex SHA-256 of the workbook the estimate was imported from, when known.
    pub source_sha256: Option<String>,
    /// The mark printed before amounts (`Rs.` unless the organization chose `₹`).
    pub currency: CurrencyMark,
}

impl DocumentHeader {
    /// Checks what the renderers rely on: the hash is exactly 64 lowercase hex digits, so it
    /// can be written into metadata without escaping and compared as text.
    pub fn validate(&self) -> Result<(), RenderError> {
        let hash = &self.inputs_sha256;
        let well_formed =
            hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if well_formed {
            Ok(())
        } else {
            Err(RenderError::InvalidInputsHash {
                given: hash.chars().take(80).collect(),
            })
        }
    }

    /// The metadata tag recorded in every output: `sitebook-inputs-sha256:<hex>`.
    pub fn inputs_tag(&self) -> String {
        format!("{INPUTS_HASH_PREFIX}{}", self.inputs_sha256)
    }
}

/// A request to render one document: the computed domain result and its header.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRequest<T> {
    /// Title, header lines, inputs hash and date.
    pub header: DocumentHeader,
    /// The domain result to draw.
    pub content: T,
    /// A bill's memorandum of payments, printed after its totals.
    pub memorandum: Option<FormStatement>,
    /// The department's bill form (running-account or final), on pages of its own after the
    /// bill.
    pub form: Option<BillForm>,
    /// The estimate's sub-heads, each printed before the item row it precedes.
    pub sub_heads: Vec<SubHead>,
}

impl<T> DocumentRequest<T> {
    /// Stamps `date` as the files' creation date.
    pub fn with_document_date(mut self, date: DocDate) -> Self {
        self.header.document_date = Some(date);
        self
    }

    /// Records where the document comes from: its organization and the source workbook's
    /// sha256.
    pub fn with_provenance(
        mut self,
        organization: Option<String>,
        source_sha256: Option<String>,
    ) -> Self {
        self.header.organization = organization;
        self.header.source_sha256 = source_sha256;
        self
    }

    /// Prints amounts after `mark`.
    pub fn with_currency(mut self, mark: CurrencyMark) -> Self {
        self.header.currency = mark;
        self
    }

    /// Stamps the header with everything a stored document records besides its figures: its
    /// date, its organization, the source workbook's sha256 and the currency mark.
    pub fn with_origin(
        self,
        date: DocDate,
        organization: Option<String>,
        source_sha256: Option<String>,
        mark: CurrencyMark,
    ) -> Self {
        self.with_document_date(date)
            .with_provenance(organization, source_sha256)
            .with_currency(mark)
    }

    /// Prints `memorandum` after the document's totals.
    pub fn with_memorandum(mut self, memorandum: Option<FormStatement>) -> Self {
        self.memorandum = memorandum;
        self
    }

    /// Adds the department's bill form after the bill.
    pub fn with_form(mut self, form: Option<BillForm>) -> Self {
        self.form = form;
        self
    }

    /// Prints `sub_heads` among the rows, each before the item it precedes.
    pub fn with_sub_heads(mut self, sub_heads: Vec<SubHead>) -> Self {
        self.sub_heads = sub_heads;
        self
    }

    /// The sub-heads printed before the item row with `serial` (none before an AE row, whose
    /// serial is empty).
    pub fn sub_heads_before<'s>(&'s self, serial: &'s str) -> impl Iterator<Item = &'s SubHead> {
        self.sub_heads
            .iter()
            .filter(move |head| !serial.is_empty() && head.before_serial == serial)
    }

    fn titled(title: String, content: T, lines: Vec<HeaderLine>, inputs_sha256: String) -> Self {
        Self {
            header: DocumentHeader {
                title,
                lines,
                inputs_sha256,
                document_date: None,
                organization: None,
                source_sha256: None,
                currency: CurrencyMark::Rs,
            },
            content,
            memorandum: None,
            form: None,
            sub_heads: Vec::new(),
        }
    }
}

impl DocumentRequest<FirstBill> {
    /// A first bill, titled as the domain titled it.
    pub fn first_bill(
        bill: FirstBill,
        lines: Vec<HeaderLine>,
        inputs_sha256: impl Into<String>,
    ) -> Self {
        Self::titled(bill.title.clone(), bill, lines, inputs_sha256.into())
    }
}

impl DocumentRequest<NthBill> {
    /// An Nth bill, titled as the domain titled it.
    pub fn nth_bill(
        bill: NthBill,
        lines: Vec<HeaderLine>,
        inputs_sha256: impl Into<String>,
    ) -> Self {
        Self::titled(bill.title.clone(), bill, lines, inputs_sha256.into())
    }
}

impl DocumentRequest<Workslip> {
    /// A work slip, titled as the domain titled it.
    pub fn workslip(
        slip: Workslip,
        lines: Vec<HeaderLine>,
        inputs_sha256: impl Into<String>,
    ) -> Self {
        Self::titled(slip.title.clone(), slip, lines, inputs_sha256.into())
    }
}

impl DocumentRequest<EstimateAbstract> {
    /// An estimate abstract, titled [`ESTIMATE_TITLE`].
    pub fn estimate_abstract(
        estimate: EstimateAbstract,
        lines: Vec<HeaderLine>,
        inputs_sha256: impl Into<String>,
    ) -> Self {
        Self::titled(
            ESTIMATE_TITLE.to_owned(),
            estimate,
            lines,
            inputs_sha256.into(),
        )
    }
}

impl DocumentRequest<DeviationStatement> {
    /// A work slip's deviation statement, titled after its working estimate.
    pub fn deviation_statement(
        statement: DeviationStatement,
        lines: Vec<HeaderLine>,
        inputs_sha256: impl Into<String>,
    ) -> Self {
        let title = format!(
            "DEVIATION STATEMENT - {}",
            crate::domain::titles::workslip_title(statement.phase)
        );
        Self::titled(title, statement, lines, inputs_sha256.into())
    }
}

/// The signature captions under every document, PDF and workbook alike.
pub const SIGNATURES: [&str; 3] = ["Prepared by", "Checked by", "Executive Engineer"];

/// An estimate's items with its footer (DOMAIN.md §1): what the estimate abstract prints.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateAbstract {
    /// The items in sheet order; each prints its `amount` as given.
    pub items: Vec<EstimateItem>,
    /// The footer's inputs; `items_total` always equals the items' own total.
    pub footer_input: EstimateFooterInput,
    /// The computed footer, ECV through Grand Total.
    pub footer: EstimateFooter,
}

impl EstimateAbstract {
    /// Computes the footer for `items`. The `items_total` of `footer_input` is replaced by the
    /// total of `items`, so the printed rows and the footer cannot disagree.
    pub fn new(
        items: Vec<EstimateItem>,
        mut footer_input: EstimateFooterInput,
    ) -> Result<Self, EstimateFooterError> {
        footer_input.items_total = items_total(&items);
        let footer = estimate_footer(&footer_input)?;
        Ok(Self {
            items,
            footer_input,
            footer,
        })
    }
}

/// Lowercase hex SHA-256 of `bytes`: the form [`DocumentHeader::inputs_sha256`] expects.
/// Callers hash the serialized inputs (for example a bill's input as JSON).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What a column holds; decides alignment, number format and how it wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// A serial number, centred.
    Serial,
    /// The item description: wrapped, and given whatever width the others leave.
    Description,
    /// A unit name (`Nos`, `Cum`), centred.
    Unit,
    /// A quantity, right-aligned, at least two decimals.
    Quantity,
    /// A rate, right-aligned, at least two decimals, Indian grouping.
    Rate,
    /// The "Per" column of an estimate or first bill: always the number 1.
    Per,
    /// A money figure, right-aligned, two decimals, Indian grouping.
    Money,
    /// Free text at the right (remarks), wrapped.
    Remarks,
}

impl ColumnKind {
    /// Whether the column holds figures (right-aligned).
    pub fn is_figure(self) -> bool {
        matches!(self, Self::Quantity | Self::Rate | Self::Money)
    }

    /// Whether long text wraps inside the column.
    pub fn wraps(self) -> bool {
        matches!(self, Self::Description | Self::Remarks)
    }
}

/// One column of a document's table, as both renderers draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    /// A heading spanning this column and its neighbours with the same group (the upper tier
    /// of a two-row header), e.g. `Since Last Measurements` over `Qty` and `Amount`.
    pub group: Option<String>,
    /// The column's own heading; empty when [`joins_previous`](Self::joins_previous).
    pub heading: String,
    /// When true the heading cell is merged with the previous column's (the unit beside
    /// `Quantity`, the singular unit beside `Per` in an estimate sheet).
    pub joins_previous: bool,
    /// What the column holds.
    pub kind: ColumnKind,
    /// Width in characters (Excel's unit, the width of a digit). The PDF scales it to the font
    /// size; the description column's PDF width is whatever the page leaves over.
    pub width_chars: f32,
    /// Whether the column is a money column summed down the page: it gets the "Brought
    /// forward" / "Carried forward" running totals.
    pub carried: bool,
}

impl ColumnSpec {
    fn new(heading: &str, kind: ColumnKind, width_chars: f32) -> Self {
        Self {
            group: None,
            heading: heading.to_owned(),
            joins_previous: false,
            kind,
            width_chars,
            carried: false,
        }
    }

    fn carried(mut self) -> Self {
        self.carried = true;
        self
    }

    fn grouped(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }

    fn joining_previous(mut self) -> Self {
        self.joins_previous = true;
        self.heading.clear();
        self
    }
}

// Widths in characters (digit widths). Money fits 99,99,99,999.99 (just under 100 crore) and a
// quantity 99,999.999 at full size; anything wider is set smaller to fit its cell rather than
// allowed to spill. Headings widen a column when one of their words needs it.
const SERIAL_WIDTH: f32 = 4.0;
const UNIT_WIDTH: f32 = 5.0;
const PER_WIDTH: f32 = 3.0;
const QUANTITY_WIDTH: f32 = 9.0;
const RATE_WIDTH: f32 = 10.0;
const MONEY_WIDTH: f32 = 13.0;

/// Heading cells after merging each [`ColumnSpec::joins_previous`] column into its left
/// neighbour, as `(first column, one past the last)`.
pub fn heading_spans(columns: &[ColumnSpec]) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        match spans.last_mut() {
            Some(last) if column.joins_previous => last.1 = i + 1,
            _ => spans.push((i, i + 1)),
        }
    }
    spans
}

/// The first bill's 8 columns (DOMAIN.md §2): S.No | Quantity | Unit | Item | Rate | Per |
/// Unit | Amount.
pub fn first_bill_columns() -> Vec<ColumnSpec> {
    use ColumnKind::*;
    vec![
        ColumnSpec::new("S.No", Serial, SERIAL_WIDTH),
        ColumnSpec::new("Quantity", Quantity, QUANTITY_WIDTH),
        ColumnSpec::new("Unit", Unit, UNIT_WIDTH),
        ColumnSpec::new("Item", Description, 50.0),
        ColumnSpec::new("Rate", Rate, RATE_WIDTH),
        ColumnSpec::new("Per", Per, PER_WIDTH),
        ColumnSpec::new("Unit", Unit, UNIT_WIDTH),
        ColumnSpec::new("Amount", Money, MONEY_WIDTH).carried(),
    ]
}

/// Where the first bill's figures sit, by column index.
pub mod first_bill_col {
    /// S.No.
    pub const SERIAL: usize = 0;
    /// Quantity.
    pub const QUANTITY: usize = 1;
    /// Plural unit.
    pub const UNIT: usize = 2;
    /// Item description.
    pub const ITEM: usize = 3;
    /// Rate.
    pub const RATE: usize = 4;
    /// Per (always 1).
    pub const PER: usize = 5;
    /// Singular unit.
    pub const PER_UNIT: usize = 6;
    /// Amount.
    pub const AMOUNT: usize = 7;
}

/// One item row of the 8-column layout that the first bill and the estimate abstract share;
/// the PDF and the XLSX renderers each know how to lay it out.
pub(crate) struct ItemLine<'a> {
    pub serial: &'a str,
    pub quantity: Decimal,
    pub unit: &'a str,
    pub description: &'a str,
    pub rate: Decimal,
    pub per_unit: &'a str,
    pub amount: Decimal,
}

impl<'a> ItemLine<'a> {
    /// An estimate item's row as the abstract prints it.
    pub(crate) fn of_estimate_item(item: &'a EstimateItem) -> Self {
        Self {
            serial: &item.sl_no,
            quantity: item.quantity,
            unit: &item.unit,
            description: &item.description,
            rate: item.rate,
            per_unit: &item.per_unit,
            amount: item.amount,
        }
    }
}

/// The Nth bill's 11 columns (DOMAIN.md §2), the previous and since-last pairs grouped.
pub fn nth_bill_columns() -> Vec<ColumnSpec> {
    use ColumnKind::*;
    const PREVIOUS: &str = "Deduct Previous Measurements";
    const SINCE_LAST: &str = "Since Last Measurements";
    vec![
        ColumnSpec::new("S.No", Serial, SERIAL_WIDTH),
        ColumnSpec::new("Item", Description, 40.0),
        ColumnSpec::new("Quantity Till Date", Quantity, QUANTITY_WIDTH),
        ColumnSpec::new("Unit", Unit, UNIT_WIDTH),
        ColumnSpec::new("Rate per Unit", Rate, RATE_WIDTH),
        ColumnSpec::new("Total Value till date", Money, MONEY_WIDTH).carried(),
        ColumnSpec::new("Qty", Quantity, QUANTITY_WIDTH).grouped(PREVIOUS),
        ColumnSpec::new("Amount", Money, MONEY_WIDTH)
            .grouped(PREVIOUS)
            .carried(),
        ColumnSpec::new("Qty", Quantity, QUANTITY_WIDTH).grouped(SINCE_LAST),
        ColumnSpec::new("Amount", Money, MONEY_WIDTH)
            .grouped(SINCE_LAST)
            .carried(),
        ColumnSpec::new("Remarks", Remarks, 7.0),
    ]
}

/// Where the Nth bill's figures sit, by column index (the letters of DOMAIN.md §2).
pub mod nth_bill_col {
    /// A: S.No.
    pub const SERIAL: usize = 0;
    /// B: Item.
    pub const ITEM: usize = 1;
    /// C: quantity till date.
    pub const TILL_DATE_QTY: usize = 2;
    /// D: unit.
    pub const UNIT: usize = 3;
    /// E: rate.
    pub const RATE: usize = 4;
    /// F: total value till date.
    pub const TILL_DATE_AMOUNT: usize = 5;
    /// G: previous quantity.
    pub const PREVIOUS_QTY: usize = 6;
    /// H: previous amount.
    pub const PREVIOUS_AMOUNT: usize = 7;
    /// I: since-last quantity.
    pub const SINCE_LAST_QTY: usize = 8;
    /// J: since-last amount.
    pub const SINCE_LAST_AMOUNT: usize = 9;
    /// K: remarks.
    pub const REMARKS: usize = 10;
}

/// A work slip's columns (DOMAIN.md §3) for its phase columns: Sl.No | Description | Unit |
/// Estimate (Qty, Rate, Amount) | each phase (Qty, Amount) | More | Less | Remarks.
pub fn workslip_columns(phase_columns: &[PhaseColumn]) -> Vec<ColumnSpec> {
    use ColumnKind::*;
    const ESTIMATE: &str = "Estimate";
    let mut columns = vec![
        ColumnSpec::new("Sl.No", Serial, SERIAL_WIDTH),
        ColumnSpec::new("Description of Item", Description, 40.0),
        ColumnSpec::new("Unit", Unit, UNIT_WIDTH),
        ColumnSpec::new("Qty", Quantity, QUANTITY_WIDTH).grouped(ESTIMATE),
        ColumnSpec::new("Rate", Rate, RATE_WIDTH).grouped(ESTIMATE),
        ColumnSpec::new("Amount", Money, MONEY_WIDTH)
            .grouped(ESTIMATE)
            .carried(),
    ];
    for phase in phase_columns {
        columns.push(ColumnSpec::new(
            &phase.quantity_heading,
            Quantity,
            QUANTITY_WIDTH,
        ));
        columns.push(ColumnSpec::new(&phase.amount_heading, Money, MONEY_WIDTH).carried());
    }
    columns.push(ColumnSpec::new("More", Money, MONEY_WIDTH).carried());
    columns.push(ColumnSpec::new("Less", Money, MONEY_WIDTH).carried());
    columns.push(ColumnSpec::new("Remarks", Remarks, 16.0));
    columns
}

/// Where a work slip's fixed columns sit; phase `k` (1-based) has its quantity at
/// [`workslip_col::phase_quantity`]`(k)` and its amount one to the right.
pub mod workslip_col {
    /// Sl.No.
    pub const SERIAL: usize = 0;
    /// Description.
    pub const DESCRIPTION: usize = 1;
    /// Unit.
    pub const UNIT: usize = 2;
    /// Estimate quantity.
    pub const ESTIMATE_QTY: usize = 3;
    /// Rate.
    pub const RATE: usize = 4;
    /// Estimate amount.
    pub const ESTIMATE_AMOUNT: usize = 5;

    /// The quantity column of phase `k` (1-based).
    pub fn phase_quantity(k: usize) -> usize {
        ESTIMATE_AMOUNT + 1 + 2 * (k - 1)
    }

    /// The amount column of phase `k` (1-based).
    pub fn phase_amount(k: usize) -> usize {
        phase_quantity(k) + 1
    }

    /// More, after `phases` phase column pairs.
    pub fn more(phases: usize) -> usize {
        ESTIMATE_AMOUNT + 1 + 2 * phases
    }

    /// Less.
    pub fn less(phases: usize) -> usize {
        more(phases) + 1
    }

    /// Remarks.
    pub fn remarks(phases: usize) -> usize {
        more(phases) + 2
    }
}

/// The estimate sheet's 8 columns (DOMAIN.md §1): Sl.No | Quantity (with the unit) | Item
/// Description | Rate | Per (the 1 with the singular unit) | Amount.
pub fn estimate_columns() -> Vec<ColumnSpec> {
    use ColumnKind::*;
    vec![
        ColumnSpec::new("Sl.No", Serial, SERIAL_WIDTH),
        ColumnSpec::new("Quantity", Quantity, QUANTITY_WIDTH),
        ColumnSpec::new("", Unit, UNIT_WIDTH).joining_previous(),
        ColumnSpec::new("Item Description", Description, 50.0),
        ColumnSpec::new("Rate", Rate, RATE_WIDTH),
        ColumnSpec::new("Per", Per, PER_WIDTH),
        ColumnSpec::new("", Unit, UNIT_WIDTH).joining_previous(),
        ColumnSpec::new("Amount", Money, MONEY_WIDTH).carried(),
    ]
}

/// The estimate sheet's columns are the first bill's, letter for letter (A..H).
pub use first_bill_col as estimate_col;

/// Formats a quantity or rate: Indian grouping, at least two decimals, and every further
/// decimal the figure carries (`120` → `120.00`, `2.5` → `2.50`, `10.125` → `10.125`).
///
/// A rate is not ROUND2ed for display: a rate quoted to three places must print as quoted,
/// or the printed amount would not be the printed quantity times the printed rate.
pub fn format_figure(value: Decimal) -> String {
    let mut normal = value.normalize();
    if normal.scale() < 2 {
        normal.rescale(2);
    }
    if normal.is_zero() {
        normal.set_sign_positive(true);
    }
    let text = normal.abs().to_string();
    let (integer, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if normal.is_sign_negative() { "-" } else { "" };
    format!("{sign}{}.{fraction}", group_indian(integer))
}

/// Formats money: Indian grouping, exactly two decimals (the domain's ROUND2 figure).
pub fn format_money(value: Decimal) -> String {
    format_indian(value)
}

/// The exact decimal as a workbook cell's cached value (`1234.50`), ROUND2ed for money.
pub(crate) fn money_text(value: Decimal) -> String {
    round2(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn figures_keep_their_decimals_with_at_least_two() {
        assert_eq!(format_figure(dec!(120)), "120.00");
        assert_eq!(format_figure(dec!(2.5)), "2.50");
        assert_eq!(format_figure(dec!(10.125)), "10.125");
        assert_eq!(format_figure(dec!(10.1250)), "10.125");
        assert_eq!(format_figure(dec!(1234567.5)), "12,34,567.50");
        assert_eq!(format_figure(dec!(-0.000)), "0.00");
        assert_eq!(format_figure(dec!(-1500)), "-1,500.00");
    }

    #[test]
    fn hash_is_checked() {
        let mut header = DocumentHeader {
            title: "T".into(),
            lines: Vec::new(),
            inputs_sha256: sha256_hex(b"abc"),
            document_date: None,
            organization: None,
            source_sha256: None,
            currency: CurrencyMark::Rs,
        };
        assert_eq!(
            header.inputs_sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(header.validate().is_ok());
        header.inputs_sha256 = header.inputs_sha256.to_uppercase();
        assert!(header.validate().is_err());
        header.inputs_sha256 = "abc".into();
        assert!(header.validate().is_err());
    }

    #[test]
    fn every_layout_has_one_description_and_carries_only_money() {
        let phases = [PhaseColumn {
            phase: 1,
            quantity_heading: "Qty (Execution)".into(),
            amount_heading: "Amount (Execution)".into(),
        }];
        for columns in [
            first_bill_columns(),
            nth_bill_columns(),
            workslip_columns(&phases),
            estimate_columns(),
        ] {
            let descriptions = columns
                .iter()
                .filter(|c| c.kind == ColumnKind::Description)
                .count();
            assert_eq!(descriptions, 1);
            assert!(columns
                .iter()
                .all(|c| !c.carried || c.kind == ColumnKind::Money));
        }
        assert_eq!(nth_bill_columns().len(), 11);
        assert_eq!(first_bill_columns().len(), 8);
        assert_eq!(workslip_columns(&phases).len(), 11);
        assert_eq!(workslip_col::remarks(1), 10);
    }
}
