//! The parse result and its JSON form (the `estimate parse --json` shape):
//! decimals are written as strings, rows are numbered from 1 as in the
//! spreadsheet, and money is shown with at least two decimals.

use super::sniff::WorkbookFormat;
use crate::domain::tender::TpType;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Everything found in one workbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedWorkbook {
    /// The file as the caller named it.
    pub file: String,
    /// The format detected from the bytes (absent when parsing bare grids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<WorkbookFormat>,
    /// Each sheet that holds an estimate, in workbook order.
    pub sheets: Vec<EstimateSheet>,
    /// Everything worth a second look, each naming its cell.
    pub warnings: Vec<Warning>,
}

impl ParsedWorkbook {
    /// The sheet that is the estimate when one document is made from the workbook: the first
    /// whose footer has an ECV row, else the first named like an estimate, else the first
    /// found. A `Datas` sheet of rate analyses, or an old copy, can hold a table with the same
    /// captions and come before it.
    pub fn main_sheet(&self) -> Option<&EstimateSheet> {
        let has_ecv =
            |sheet: &&EstimateSheet| sheet.footer.rows.iter().any(|row| row.kind == "ecv");
        let named = |sheet: &&EstimateSheet| sheet.name.to_lowercase().contains("estimate");
        self.sheets
            .iter()
            .find(|sheet| has_ecv(sheet) && named(sheet))
            .or_else(|| self.sheets.iter().find(has_ecv))
            .or_else(|| self.sheets.iter().find(named))
            .or_else(|| self.sheets.first())
    }

    /// The estimate sheet named `name`, as typed by a person: surrounding spaces and the case
    /// of letters do not count.
    pub fn sheet_named(&self, name: &str) -> Option<&EstimateSheet> {
        let wanted = name.trim().to_lowercase();
        self.sheets
            .iter()
            .find(|sheet| sheet.name.trim().to_lowercase() == wanted)
    }

    /// The warnings whose cell is on `sheet`.
    pub fn warnings_on<'w>(&'w self, sheet: &'w str) -> impl Iterator<Item = &'w Warning> + 'w {
        let prefix = format!("{}!", super::grid::quoted_sheet_name(sheet));
        self.warnings
            .iter()
            .filter(move |warning| warning.cell.starts_with(&prefix))
    }
}

/// A problem found while parsing, tied to a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// `Sheet!H12`.
    pub cell: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

/// One estimate sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimateSheet {
    /// Sheet name.
    pub name: String,
    /// The header row (1-based).
    pub header_row: u32,
    /// Which column holds what.
    pub columns: ColumnLetters,
    /// Item rows, in order.
    pub items: Vec<WorkbookItem>,
    /// Heading rows inside the item list.
    pub headings: Vec<Heading>,
    /// `AE<n>` rows.
    pub excess_rows: Vec<ExcessRow>,
    /// The totals below the items.
    pub footer: Footer,
    /// The `label : value` lines above the header.
    pub metadata: Metadata,
}

/// The detected columns, as letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnLetters {
    /// Serial number column.
    pub serial: String,
    /// Quantity column.
    pub quantity: String,
    /// Plural unit column.
    pub unit: Option<String>,
    /// Description column.
    pub description: String,
    /// Rate column.
    pub rate: Option<String>,
    /// The "per" number column (usually 1).
    pub per: Option<String>,
    /// The singular unit the rate is per.
    pub per_unit: Option<String>,
    /// Amount column.
    pub amount: Option<String>,
}

/// Why an item row needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemFlag {
    /// A quantity, rate or amount cell holds an error value (`#REF!`…).
    FormulaError,
    /// A quantity or rate formula has no stored result.
    MissingValue,
    /// A quantity, rate or amount cell holds text that is not a number.
    NotANumber,
    /// A quantity, rate or amount beyond the largest figure accepted (almost certainly a
    /// misread or mistyped cell); it was not read.
    OutOfRange,
    /// The amount was computed here as ROUND2(qty × rate).
    AmountRecomputed,
    /// The stated amount differs from ROUND2(qty × rate) by more than 0.01.
    AmountMismatch,
}

/// One item row as read from the workbook (the domain's `EstimateItem` is the priced item a
/// bill is computed from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkbookItem {
    /// Row (1-based).
    pub row: u32,
    /// Serial as written (`"1"`, `"2a"`).
    pub sl_no: Option<String>,
    /// Item description.
    pub description: String,
    /// Quantity.
    #[serde(with = "plain_decimal")]
    pub quantity: Option<Decimal>,
    /// Plural unit (`Nos`, `Mtrs`).
    pub unit: Option<String>,
    /// Rate per unit.
    #[serde(with = "money_decimal")]
    pub rate: Option<Decimal>,
    /// The singular unit the rate is per (`No`, `Mtr`).
    pub per_unit: Option<String>,
    /// Amount: as stated, or recomputed when the file had no value.
    #[serde(with = "money_decimal")]
    pub amount: Option<Decimal>,
    /// Problems on this row; empty when it is clean.
    #[serde(default)]
    pub flags: Vec<ItemFlag>,
}

/// A heading row inside the item list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heading {
    /// Row (1-based).
    pub row: u32,
    /// Serial if one is written (`"A"`, `"I"`).
    pub sl_no: Option<String>,
    /// The heading text.
    pub text: String,
}

/// An `AE<n>` excess row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExcessRow {
    /// Row (1-based).
    pub row: u32,
    /// The label as written (`AE1`).
    pub label: String,
    /// Row of the item above it, whose excess it carries.
    pub item_row: Option<u32>,
    /// Quantity.
    #[serde(with = "plain_decimal")]
    pub quantity: Option<Decimal>,
    /// The unit beside the quantity, when the row writes one (else the item's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The unit the rate is per, when the row writes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit: Option<String>,
    /// Rate.
    #[serde(with = "money_decimal")]
    pub rate: Option<Decimal>,
    /// Amount.
    #[serde(with = "money_decimal")]
    pub amount: Option<Decimal>,
}

/// The totals below the items. Absent rows are `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Footer {
    /// `Deduct Old Material Cost`, as written.
    #[serde(with = "money_decimal")]
    pub deduct_old_material: Option<Decimal>,
    /// Estimated contract value.
    #[serde(with = "money_decimal")]
    pub ecv: Option<Decimal>,
    /// Tender premium percentage.
    #[serde(with = "plain_decimal")]
    pub tp_percent: Option<Decimal>,
    /// Tender premium excess or less.
    pub tp_kind: Option<TpType>,
    /// Tender premium amount (shown positive).
    #[serde(with = "money_decimal")]
    pub tp: Option<Decimal>,
    /// Labour cess percentage.
    #[serde(with = "plain_decimal")]
    pub lc_percent: Option<Decimal>,
    /// Labour cess.
    #[serde(with = "money_decimal")]
    pub lc: Option<Decimal>,
    /// Quality control percentage.
    #[serde(with = "plain_decimal")]
    pub qc_percent: Option<Decimal>,
    /// Quality control.
    #[serde(with = "money_decimal")]
    pub qc: Option<Decimal>,
    /// NAC percentage.
    #[serde(with = "plain_decimal")]
    pub nac_percent: Option<Decimal>,
    /// NAC.
    #[serde(with = "money_decimal")]
    pub nac: Option<Decimal>,
    /// Sub total.
    #[serde(with = "money_decimal")]
    pub sub_total: Option<Decimal>,
    /// GST percentage.
    #[serde(with = "plain_decimal")]
    pub gst_percent: Option<Decimal>,
    /// GST.
    #[serde(with = "money_decimal")]
    pub gst: Option<Decimal>,
    /// L.S provision towards unforeseen items (the balancing figure).
    #[serde(with = "money_decimal")]
    pub ls_unforeseen: Option<Decimal>,
    /// Other L.S provisions, each a typed constant.
    pub ls_provisions: Vec<LsProvision>,
    /// A plain `Total` row, if the sheet has one.
    #[serde(with = "money_decimal")]
    pub total: Option<Decimal>,
    /// Grand total (the sanctioned amount).
    #[serde(with = "money_decimal")]
    pub grand_total: Option<Decimal>,
    /// Every footer row as read, including unrecognised ones.
    pub rows: Vec<FooterRow>,
}

impl Footer {
    /// Whether the estimate already collects labour cess: it has an `Add LC` row that is not
    /// nil. Bills then withhold no cess from the contractor (DOMAIN.md §2a).
    pub fn collects_labour_cess(&self) -> bool {
        self.rows.iter().any(|row| row.kind == "lc") && self.lc.is_none_or(|lc| !lc.is_zero())
    }
}

/// An `L.S Provision towards <name>` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LsProvision {
    /// Row (1-based).
    pub row: u32,
    /// What the provision is for.
    pub name: String,
    /// The amount.
    #[serde(with = "money_decimal")]
    pub amount: Option<Decimal>,
}

/// One footer row as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FooterRow {
    /// Row (1-based).
    pub row: u32,
    /// The label as written.
    pub label: String,
    /// `ecv`, `tp`, `gst`, … or `other`.
    pub kind: String,
    /// The value (recomputed when the file had none).
    #[serde(with = "money_decimal")]
    pub amount: Option<Decimal>,
    /// Whether the value was computed here.
    #[serde(default)]
    pub recomputed: bool,
}

/// The `label : value` lines above the header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// The first line without a colon (usually `ESTIMATE`).
    pub title: Option<String>,
    /// Name of the work.
    pub name_of_work: Option<String>,
    /// Estimate amount.
    #[serde(with = "money_decimal")]
    pub estimate_amount: Option<Decimal>,
    /// Reference to the administrative sanction.
    pub administrative_sanction: Option<String>,
    /// Reference to the technical sanction.
    pub technical_sanction: Option<String>,
    /// Reference to the agreement.
    pub agreement: Option<String>,
    /// Name of the agency.
    pub agency: Option<String>,
    /// Other `label : value` lines.
    pub other: Vec<MetadataLine>,
}

/// A `label : value` line not recognised as a known field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataLine {
    /// Row (1-based).
    pub row: u32,
    /// Text before the colon.
    pub label: String,
    /// Text after the colon.
    pub value: String,
}

/// Money as text with at least two decimals (`"450.00"`), more if present.
pub fn money_text(d: Decimal) -> String {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// A quantity or percentage as text without trailing zeros (`"12.5"`).
pub fn plain_text(d: Decimal) -> String {
    d.normalize().to_string()
}

fn parse_decimal_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    let text: Option<String> = Option::deserialize(deserializer)?;
    text.map(|t| t.parse::<Decimal>().map_err(serde::de::Error::custom))
        .transpose()
}

/// Serde for `Option<Decimal>` as money text.
pub mod money_decimal {
    use super::*;

    /// Writes `Some` as money text, `None` as null.
    pub fn serialize<S: serde::Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&money_text(*d)),
            None => s.serialize_none(),
        }
    }

    /// Reads decimal text or null.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        parse_decimal_text(d)
    }
}

/// Serde for `Option<Decimal>` as plain text.
pub mod plain_decimal {
    use super::*;

    /// Writes `Some` as plain decimal text, `None` as null.
    pub fn serialize<S: serde::Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&plain_text(*d)),
            None => s.serialize_none(),
        }
    }

    /// Reads decimal text or null.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        parse_decimal_text(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn decimal_text_forms() {
        assert_eq!(money_text(dec!(450)), "450.00");
        assert_eq!(money_text(dec!(5625.5)), "5625.50");
        assert_eq!(money_text(dec!(12.345)), "12.345");
        assert_eq!(money_text(dec!(-3622)), "-3622.00");
        assert_eq!(plain_text(dec!(12.500)), "12.5");
        assert_eq!(plain_text(dec!(100)), "100");
    }
}
