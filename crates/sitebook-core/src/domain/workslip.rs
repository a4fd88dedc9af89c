//! Work slips, the "Working Estimate" (DOMAIN.md §3): the estimate set against what was
//! executed, phase by phase (work slips 1..=10), with a footer that always balances back to the
//! sanctioned Grand Total.
//!
//! [`workslip`] turns a [`WorkslipInput`] into a [`Workslip`]: every row, every footer line with
//! a figure per column, the headings, remarks and title. Renderers draw it and add nothing.
//!
//! Footer, per column (E = estimate amounts, X = each phase's execution amounts):
//!
//! ```text
//! Sub Total Amount   sums of the rows (More and Less summed too)
//! Deduct Old Mat.    the deduction, same figure in every column
//! T.P                E empty; X = ROUND2((Sub + Deduct) × p/100), negative for Less
//! Sub Total 1        Sub + Deduct (+ T.P in X)
//! LC, QC, NAC        ROUND2(Sub Total 1 × 1 %, 1 % (not AMC), 0.1 %)
//! Sub Total 2        Sub Total 1 + LC + QC + NAC
//! GST                ROUND2(Sub Total 2 × 18 %)
//! Unused T.P         E empty; X = ROUND2(ECV × p/100), ECV = E's Sub Total 1
//! L.S provision      Grand Total − Unused T.P − GST − Sub Total 2   (balancing)
//! Grand Total        the sanctioned total, in every column
//! ```
//!
//! Decisions where DOMAIN.md is silent:
//! - **Carry-over.** A quantity not given for a phase is unchanged from the previous phase: for
//!   phase 1 that is the estimate quantity, and a supplemental item starts at zero in the phase
//!   that introduces it. Deleting an item takes an explicit 0, so an incomplete quantities file
//!   can never silently delete work.
//! - **Rate override** replaces an estimate item's rate from the work slip that gives it on
//!   (DOMAIN.md §3 allows one per row). The sanctioned column stays at the estimate's rate, which
//!   the Rate (Estimate) column shows, and each phase's column at the rate in force in that
//!   phase, so no earlier figure is restated and Unused T.P stays on the estimate's ECV. Remarks
//!   name every other rate a row's amounts are at (`executed at 900.00`, `Workslip-1 at
//!   950.00`), so each amount re-multiplies. More/Less compare amounts, so they show a rate's
//!   change as well as a quantity's. Overrides apply to estimate items; a supplemental item's
//!   rate is its own.
//! - The estimate amount column is recomputed as `ROUND2(qty × rate)`, not copied from the
//!   workbook, so the work slip is internally consistent even when a cached amount was off.
//! - **AE rows** as for bills ([`split_at_estimate`]): every phase column is split at the same
//!   estimate quantity, and the AE row appears when any phase exceeds it. Its estimate cells
//!   are empty, its excess counts as More, and its remark is `Excess as per estimated` when the
//!   current phase exceeds the estimate.
//! - **More / Less** compare the current phase with the estimate, per row. Remarks: `Deleted`
//!   when the current quantity is 0 (and the estimate's was not), otherwise `Less as per
//!   estimated` / `Excess as per estimated` following Less / More; supplemental items read
//!   `Proposed as per site condition` in the phase that introduces them and `From Workslip-k`
//!   afterwards.
//! - **Supplemental items** are grouped by the phase that introduced them, each group under
//!   `Supplemental Items` (phase 1) or `Supplemental Items-k`, after the estimate items. Before
//!   their phase their cells are empty (`None`).
//! - **Old material**: one deduction, applied alike to the estimate and every phase column.
//! - **T.P label**: the figure is signed, so the label carries no verb: `T.P @ p % Excess` /
//!   `T.P @ p % Less`. Unused T.P is on ECV as its label says (E's Sub Total 1, which equals the
//!   estimate Sub Total when nothing is deducted), and always positive. Without a premium both
//!   rows are left out.
//! - The L.S provision may be negative when the sanctioned total is too small; that is shown,
//!   not refused, so the engineer sees the shortfall.

use std::collections::HashMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::bill::{
    split_at_estimate, AeNumbering, PrintedTillDate, QuantityAmount, RowKind, TenderPremium,
};
use super::estimate::{
    EstimateItem, GST_PERCENT, LABOUR_CESS_PERCENT, NAC_PERCENT, QUALITY_CONTROL_PERCENT,
};
use super::money::{amount, format_percent, percent_of, round2, within_limit, MAX_FIGURE};
use super::quantities::{
    brief, index_by_serial, join_problems, origin_prefix, ItemQuantity, Origin,
};
use super::titles::{supplemental_heading, workslip_title};
use super::words::amount_in_words;

/// The highest work-slip number per estimate.
pub const MAX_PHASE: u32 = 10;

/// An item executed but not in the estimate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SupplementalItem {
    /// Its serial, unique among supplemental items.
    pub sl_no: String,
    /// Its description.
    pub description: String,
    /// Plural unit.
    pub unit: String,
    /// Its rate, shown in the Rate column.
    pub rate: Decimal,
    /// The work slip that first proposed it (1..=current phase).
    pub introduced_in_phase: u32,
    /// The file line it was read from, for messages only, as [`ItemQuantity::origin`]: not
    /// stored, and not part of the item.
    #[serde(skip)]
    pub origin: Option<Origin>,
}

impl PartialEq for SupplementalItem {
    fn eq(&self, other: &Self) -> bool {
        // Every field named, as in `ItemQuantity`'s.
        let Self {
            sl_no,
            description,
            unit,
            rate,
            introduced_in_phase,
            origin: _,
        } = self;
        (sl_no, description, unit, rate, introduced_in_phase)
            == (
                &other.sl_no,
                &other.description,
                &other.unit,
                &other.rate,
                &other.introduced_in_phase,
            )
    }
}

/// The quantities entered for one phase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseQuantities {
    /// Executed quantities of estimate items, by serial.
    pub estimate_items: Vec<ItemQuantity>,
    /// Executed quantities of supplemental items, by their serial.
    pub supplemental_items: Vec<ItemQuantity>,
    /// For an earlier phase, the rate overrides in force in it, so that its column stays at
    /// the rates it was executed at. The current phase's are [`WorkslipInput::rate_overrides`].
    /// Left out when none, as in inputs stored before they were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rate_overrides: Vec<RateOverride>,
}

/// A rate that replaces an estimate item's rate from a work slip on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RateOverride {
    /// The estimate item's serial.
    pub sl_no: String,
    /// The rate to use.
    pub rate: Decimal,
    /// The file line it was read from, for messages only, as [`ItemQuantity::origin`]: not
    /// stored, and not part of the override.
    #[serde(skip)]
    pub origin: Option<Origin>,
}

impl RateOverride {
    /// An override typed somewhere other than a file, or read back from storage.
    pub fn new(sl_no: impl Into<String>, rate: Decimal) -> Self {
        Self {
            sl_no: sl_no.into(),
            rate,
            origin: None,
        }
    }
}

impl PartialEq for RateOverride {
    fn eq(&self, other: &Self) -> bool {
        // Every field named, as in `ItemQuantity`'s.
        let Self {
            sl_no,
            rate,
            origin: _,
        } = self;
        (sl_no, rate) == (&other.sl_no, &other.rate)
    }
}

impl Eq for RateOverride {}

/// Everything a work slip depends on; serializable so its hash can be recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkslipInput {
    /// The work-slip number, 1..=[`MAX_PHASE`].
    pub phase: u32,
    /// The estimate's items, in estimate order.
    pub items: Vec<EstimateItem>,
    /// Supplemental items introduced up to this phase.
    pub supplemental_items: Vec<SupplementalItem>,
    /// Executed quantities for phases 1..=`phase`, in order; the last is the current phase.
    pub executed: Vec<PhaseQuantities>,
    /// The rate overrides in force in this phase (those of earlier phases are each phase's
    /// own, in [`PhaseQuantities::rate_overrides`]).
    pub rate_overrides: Vec<RateOverride>,
    /// Deduct Old Material Cost (repair works); applied as a deduction whatever its sign.
    pub deduct_old_material: Option<Decimal>,
    /// The accepted tender premium, if any.
    pub tender_premium: Option<TenderPremium>,
    /// The premium each earlier phase's slip was made with, phase 1 first, kept only when one
    /// differs from this slip's (the work data's premium was corrected between them): those
    /// columns stay as their slips printed them. Empty when all are this slip's, as in inputs
    /// stored before they were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_premiums: Vec<Option<TenderPremium>>,
    /// AMC works have no QC line.
    pub is_amc: bool,
    /// The sanctioned Grand Total the footer balances to.
    pub sanctioned_grand_total: Decimal,
}

/// Headings of one phase's pair of columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseColumn {
    /// The phase number.
    pub phase: u32,
    /// `Workslip-k Qty`, or `Qty (Execution)` for the current phase.
    pub quantity_heading: String,
    /// `Workslip-k Amt`, or `Amount (Execution)` for the current phase.
    pub amount_heading: String,
}

/// One item, AE or supplemental row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkslipLine {
    /// Estimate item, AE row or supplemental item.
    pub kind: RowKind,
    /// The serial; empty on AE rows.
    pub serial: String,
    /// The description, or `AE<n>`.
    pub description: String,
    /// Plural unit.
    pub unit: String,
    /// Estimate quantity; `None` (empty) on AE and supplemental rows.
    pub estimate_quantity: Option<Decimal>,
    /// The rate in force in the current phase: its amount is at this rate.
    pub rate: Decimal,
    /// Whether `rate` is an override of the estimate's rate.
    pub rate_overridden: bool,
    /// The rate printed in the Rate column: the estimate's, at which the estimate amount is;
    /// on an AE row (all execution, nothing sanctioned) the rate in force now; a supplemental
    /// item's own. Remarks name any other rate the row's amounts are at.
    #[serde(default)]
    pub estimate_rate: Decimal,
    /// Each phase column's rate, 1..=current: the rate the phase's amount is at.
    #[serde(default)]
    pub phase_rates: Vec<Decimal>,
    /// Estimate amount; `None` (empty) on AE and supplemental rows.
    pub estimate_amount: Option<Decimal>,
    /// One cell per phase 1..=current; `None` before a supplemental item was introduced.
    pub phases: Vec<Option<QuantityAmount>>,
    /// Current amount above the estimate amount, else zero.
    pub more: Decimal,
    /// Estimate amount above the current amount, else zero.
    pub less: Decimal,
    /// `Deleted`, `Excess as per estimated`, … or empty.
    pub remarks: String,
}

impl WorkslipLine {
    /// The current phase's cell.
    pub fn current(&self) -> Option<QuantityAmount> {
        self.phases.last().copied().flatten()
    }
}

/// A row of the work-slip table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// Nearly every row is a line, and a slip's rows are made once per document: boxing each line
// would add an allocation a row to save the few headings some bytes.
#[allow(clippy::large_enum_variant)]
pub enum WorkslipRow {
    /// A heading across the table, e.g. `Supplemental Items-2`.
    Heading {
        /// The heading text.
        text: String,
    },
    /// An item, AE or supplemental row.
    Line(WorkslipLine),
}

/// Which footer line this is, so code can find a line without matching its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FooterRole {
    /// 1. Sub Total Amount.
    SubTotalAmount,
    /// 2. Deduct Old Material Cost.
    DeductOldMaterial,
    /// 3. T.P.
    TenderPremium,
    /// 4. Sub Total 1.
    SubTotal1,
    /// 5. Add LC.
    LabourCess,
    /// 5. Add QC.
    QualityControl,
    /// 5. Add NAC.
    Nac,
    /// 6. Sub Total 2.
    SubTotal2,
    /// 7. Add GST.
    Gst,
    /// 8. Unused T.P on ECV.
    UnusedTenderPremium,
    /// 9. L.S provision towards unforeseen items.
    LsProvision,
    /// 10. Grand Total.
    GrandTotal,
}

/// A footer line with a figure per column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkslipFooterLine {
    /// What the line is.
    pub role: FooterRole,
    /// The printed label.
    pub label: String,
    /// The estimate column; `None` where DOMAIN.md leaves it empty (T.P, Unused T.P).
    pub estimate: Option<Decimal>,
    /// One figure per phase column, 1..=current.
    pub phases: Vec<Decimal>,
    /// The More column (Sub Total Amount only).
    pub more: Option<Decimal>,
    /// The Less column (Sub Total Amount only).
    pub less: Option<Decimal>,
}

/// A computed work slip, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workslip {
    /// `WORKING ESTIMATE` or `WORKING ESTIMATE-N`.
    pub title: String,
    /// The work-slip number.
    pub phase: u32,
    /// The phase columns, earlier phases first, the current one last.
    pub phase_columns: Vec<PhaseColumn>,
    /// The table body.
    pub rows: Vec<WorkslipRow>,
    /// Footer lines 1–10 in print order (absent lines left out).
    pub footer: Vec<WorkslipFooterLine>,
    /// The sanctioned Grand Total.
    pub grand_total: Decimal,
    /// The Grand Total in words.
    pub amount_in_words: String,
}

impl Workslip {
    /// The footer line with this role, if the work slip has one.
    pub fn footer_line(&self, role: FooterRole) -> Option<&WorkslipFooterLine> {
        self.footer.iter().find(|line| line.role == role)
    }

    /// The item, AE and supplemental rows, without headings.
    pub fn lines(&self) -> impl Iterator<Item = &WorkslipLine> {
        self.rows.iter().filter_map(|row| match row {
            WorkslipRow::Line(line) => Some(line),
            WorkslipRow::Heading { .. } => None,
        })
    }

    /// Whether the current phase executes exactly what the phase before it did: every line at
    /// its earlier quantity and no supplemental item new. A first work slip is compared with
    /// the estimate, which it may well repeat, so it never does.
    pub fn repeats_the_phase_before(&self) -> bool {
        self.phase >= 2
            && self.lines().all(|line| match line.phases.as_slice() {
                [.., Some(before), Some(now)] => before.quantity == now.quantity,
                _ => false,
            })
    }
}

impl WorkslipInput {
    /// Whether everything but the quantities is as in `other`: the premium, the sanctioned
    /// total, the AMC shape, the old material and the rate overrides. Two phases that differ
    /// in none of these and in no quantity print the same figures.
    pub fn same_terms_as(&self, other: &WorkslipInput) -> bool {
        self.tender_premium == other.tender_premium
            && self.sanctioned_grand_total == other.sanctioned_grand_total
            && self.is_amc == other.is_amc
            && self.deduct_old_material == other.deduct_old_material
            && self.rate_overrides == other.rate_overrides
    }
}

/// One problem with a work slip's input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WorkslipInputError {
    /// The work-slip number is not within 1..=10.
    #[error("work slip {phase} is not allowed: an estimate has work slips 1 to {MAX_PHASE}")]
    PhaseOutOfRange {
        /// The number given.
        phase: u32,
    },
    /// Executed quantities were not given for exactly phases 1..=phase.
    #[error("work slip {phase} needs executed quantities for phases 1 to {phase}, but {given} phase(s) were given")]
    PhaseCountMismatch {
        /// The work-slip number.
        phase: u32,
        /// How many phases of quantities were given.
        given: usize,
    },
    /// The estimate has no items, so there is nothing to compare the execution with.
    #[error(
        "the estimate has no items; check that the workbook's item rows have a quantity and a \
         rate, and upload it again"
    )]
    NoItems,
    /// The estimate repeats a serial.
    #[error("item {sl_no}: the estimate has more than one item with this serial")]
    DuplicateSerial {
        /// The repeated serial.
        sl_no: String,
    },
    /// Two supplemental items share a serial.
    #[error("supplemental item {sl_no}: more than one supplemental item has this serial")]
    DuplicateSupplementalSerial {
        /// The repeated serial.
        sl_no: String,
    },
    /// A supplemental item numbered like an item of the estimate: every bill that follows the
    /// work slip would then hold two items with one serial.
    #[error(
        "{}supplemental item {sl_no}: the estimate already has an item {sl_no}; number \
         supplemental items apart from the estimate's, S1, S2, …",
        origin_prefix(origin)
    )]
    SupplementalSerialTaken {
        /// The serial both share.
        sl_no: String,
        /// The file line that gave it, when it came from a file.
        origin: Option<Origin>,
    },
    /// A quantity for a serial the estimate does not have.
    #[error(
        "work slip {phase}, {}item {sl_no}: there is no such item in the estimate",
        origin_prefix(origin)
    )]
    UnknownItem {
        /// The phase the quantity was given for.
        phase: u32,
        /// The serial given.
        sl_no: String,
        /// The file line that gave it, when it came from a file.
        origin: Option<Origin>,
    },
    /// A quantity for a supplemental serial that was not declared.
    #[error("work slip {phase}, supplemental item {sl_no}: there is no such supplemental item")]
    UnknownSupplementalItem {
        /// The phase the quantity was given for.
        phase: u32,
        /// The serial given.
        sl_no: String,
    },
    /// Two quantities for one item in one phase.
    #[error(
        "work slip {phase}, item {sl_no} ({}): a quantity is given more than once",
        brief(description)
    )]
    DuplicateQuantity {
        /// The phase.
        phase: u32,
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
    },
    /// A negative quantity.
    #[error(
        "work slip {phase}, item {sl_no} ({}): quantity {quantity} is negative",
        brief(description)
    )]
    NegativeQuantity {
        /// The phase.
        phase: u32,
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
        /// The quantity given.
        quantity: Decimal,
    },
    /// A supplemental quantity for a phase before the item was introduced.
    #[error(
        "work slip {phase}, supplemental item {sl_no} ({}): it was introduced in work slip {introduced_in_phase}",
        brief(description)
    )]
    NotYetIntroduced {
        /// The phase the quantity was given for.
        phase: u32,
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
        /// The phase that introduced it.
        introduced_in_phase: u32,
    },
    /// A supplemental item introduced in phase 0 or after the current phase.
    #[error(
        "supplemental item {sl_no} ({}): introduced in work slip {introduced_in_phase}, which is not 1 to {phase}",
        brief(description)
    )]
    IntroducedOutOfRange {
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
        /// The phase given.
        introduced_in_phase: u32,
        /// The current phase.
        phase: u32,
    },
    /// A rate override for a serial the estimate does not have.
    #[error(
        "{}rate override for item {sl_no}: there is no such item in the estimate",
        origin_prefix(origin)
    )]
    UnknownRateOverride {
        /// The serial given.
        sl_no: String,
        /// The file line that gave it, when it came from a file.
        origin: Option<Origin>,
    },
    /// A rate override for a supplemental item, whose rate is the one it was proposed at.
    #[error(
        "{}rate override for item {sl_no}: it is a supplemental item, whose rate is the one it \
         was proposed at and is not overridden; propose the work at another rate as a new \
         supplemental item",
        origin_prefix(origin)
    )]
    SupplementalRateOverride {
        /// The serial given.
        sl_no: String,
        /// The file line that gave it, when it came from a file.
        origin: Option<Origin>,
    },
    /// Two rate overrides for one item.
    #[error("item {sl_no}: more than one rate override is given")]
    DuplicateRateOverride {
        /// The serial.
        sl_no: String,
    },
    /// A negative override or supplemental rate.
    #[error("item {sl_no} ({}): rate {rate} is negative", brief(description))]
    NegativeRate {
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
        /// The rate given.
        rate: Decimal,
    },
    // These two are a bill input's errors (quantities.rs) in the work slip's own error type; the
    // advice differs, since a work slip's items can be typed rather than imported.
    /// A quantity or rate beyond [`MAX_FIGURE`].
    #[error(
        "item {sl_no} ({}): {field} {value} is too large to be a real {field}",
        brief(description)
    )]
    FigureTooLarge {
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
        /// Which figure: `quantity` or `rate`, so the editor shows it on its own box.
        field: &'static str,
        /// The figure given.
        value: Decimal,
    },
    /// A text longer than a spreadsheet cell holds ([`MAX_TEXT_CHARS`](super::estimate::MAX_TEXT_CHARS)).
    #[error(
        "item {sl_no}: its {field} has {chars} characters, more than the 32,767 a spreadsheet \
         cell holds; shorten it and try again"
    )]
    TextTooLong {
        /// The item's serial.
        sl_no: String,
        /// `description`, `unit`, …
        field: String,
        /// Its length in characters.
        chars: usize,
    },
    /// A footer figure beyond [`MAX_FIGURE`]: quantities and rates each within it can multiply
    /// and add up past it, to figures no work has and no spreadsheet cell holds exactly.
    #[error(
        "the work slip's {label} comes to {}, beyond the largest figure accepted ({}); check \
         the quantities and rates",
        super::money::format_indian(*amount),
        super::money::format_indian(MAX_FIGURE)
    )]
    TotalTooLarge {
        /// The footer line, as printed.
        label: String,
        /// Its figure.
        amount: Decimal,
    },
    /// A grand total or deduction that is negative where it cannot be, or beyond [`MAX_FIGURE`].
    #[error(
        "the {what} ({value}) must be between 0 and {}",
        super::money::format_indian(MAX_FIGURE)
    )]
    InvalidTotal {
        /// Which figure.
        what: String,
        /// The value given.
        value: Decimal,
    },
}

/// Every problem found in a work slip's input, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}", join_problems(problems))]
pub struct WorkslipInputErrors {
    /// The problems, at least one.
    pub problems: Vec<WorkslipInputError>,
}

/// Quantities per item per phase, after validation and carry-over.
struct ResolvedQuantities {
    /// `[item][phase - 1]`.
    estimate: Vec<Vec<Decimal>>,
    /// `[supplemental item][phase - 1]`, `None` before the item's phase.
    supplemental: Vec<Vec<Option<Decimal>>>,
    /// `[item][phase - 1]`: the rate in force and whether it overrides the estimate's.
    rates: Vec<Vec<(Decimal, bool)>>,
}

impl ResolvedQuantities {
    /// An estimate item's rate in force in the current (last) phase.
    fn current_rate(&self, position: usize) -> (Decimal, bool) {
        self.rates[position].last().copied().unwrap_or_default()
    }
}

/// A working estimate as the bills that follow it use it (DOMAIN.md ruling: once an estimate
/// has work slips, bills follow the latest one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkingEstimate {
    /// The work slip it comes from.
    pub phase: u32,
    /// Its items in print order: the estimate's items at this phase's executed quantities and
    /// their (possibly overridden) rates, then the supplemental items under their own serials.
    /// Each quantity is the cap above which a bill's AE rows start.
    pub items: Vec<EstimateItem>,
    /// Serials of the items this phase deleted (executed 0), supplemental items an earlier
    /// phase proposed among them: billable only as AE.
    pub deleted: Vec<String>,
}

/// The singular a supplemental item's rate is quoted per (a bill's "Per" column), from its
/// plural unit as typed: as the estimate's own items pair the two, else by the usual
/// abbreviations, else the unit as typed. A work slip asks only for the plural, and bills had
/// printed "Nos" where the estimate's items print "No".
fn per_unit_of(unit: &str, estimate: &[EstimateItem]) -> String {
    const USUAL: [(&str, &str); 10] = [
        ("Nos", "No"),
        ("Mtrs", "Mtr"),
        ("Pts", "Pt"),
        ("Rmts", "Rmt"),
        ("Kgs", "Kg"),
        ("Ltrs", "Ltr"),
        ("Sets", "Set"),
        ("Lots", "Lot"),
        ("Bags", "Bag"),
        ("Qtls", "Qtl"),
    ];
    let unit = unit.trim();
    estimate
        .iter()
        .find(|item| {
            item.unit.trim().eq_ignore_ascii_case(unit) && !item.per_unit.trim().is_empty()
        })
        .map(|item| item.per_unit.trim().to_owned())
        .or_else(|| {
            USUAL
                .iter()
                .find(|(plural, _)| plural.eq_ignore_ascii_case(unit))
                .map(|(_, singular)| (*singular).to_owned())
        })
        .unwrap_or_else(|| unit.to_owned())
}

/// The items and caps that bills follow after this work slip.
pub fn working_estimate(input: &WorkslipInput) -> Result<WorkingEstimate, WorkslipInputErrors> {
    let resolved = validate(input).map_err(|problems| WorkslipInputErrors { problems })?;
    let current = input.phase as usize - 1;
    let mut items = Vec::with_capacity(input.items.len() + input.supplemental_items.len());
    let mut deleted = Vec::new();
    for (position, item) in input.items.iter().enumerate() {
        let quantity = resolved.estimate[position][current];
        let rate = resolved.current_rate(position).0;
        if quantity.is_zero() && !item.quantity.is_zero() {
            deleted.push(item.sl_no.clone());
        }
        items.push(EstimateItem {
            quantity,
            rate,
            amount: amount(quantity, rate),
            ..item.clone()
        });
    }
    for (position, extra) in input.supplemental_items.iter().enumerate() {
        let quantity = resolved.supplemental[position][current].unwrap_or_default();
        // One an earlier slip proposed and this one sets to 0 is deleted, as an estimate item.
        if quantity.is_zero() && extra.introduced_in_phase < input.phase {
            deleted.push(extra.sl_no.clone());
        }
        items.push(EstimateItem {
            sl_no: extra.sl_no.clone(),
            description: extra.description.clone(),
            quantity,
            unit: extra.unit.clone(),
            rate: extra.rate,
            per_unit: per_unit_of(&extra.unit, &input.items),
            amount: amount(quantity, extra.rate),
        });
    }
    Ok(WorkingEstimate {
        phase: input.phase,
        items,
        deleted,
    })
}

/// An item a work slip sets below what the bills have already measured and paid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BelowBilled {
    /// The item's serial.
    pub sl_no: String,
    /// The quantity this work slip gives it (the cap bills now follow).
    pub executed: Decimal,
    /// The quantity the latest bill had billed till date, its AE row included.
    pub billed: Decimal,
}

impl fmt::Display for BelowBilled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Item {}: this work slip sets {}, but the bills so far have paid for {} of it; \
             the bills after it carry the {} above it as AE (in excess of the work slip)",
            self.sl_no,
            self.executed.normalize(),
            self.billed.normalize(),
            (self.billed - self.executed).normalize()
        )
    }
}

/// The items of `working` whose quantity is below what the latest bill billed till date.
///
/// Not refused: a work slip records the quantities executed in its phase, and a correction
/// below an earlier measurement is the engineer's to make; but the bills that follow will move
/// the difference to AE rows, which the engineer should know before the slip is recorded.
pub fn below_billed(working: &WorkingEstimate, billed: &PrintedTillDate) -> Vec<BelowBilled> {
    let billed_by_serial: HashMap<&str, Decimal> = billed
        .items
        .iter()
        .map(|item| {
            (
                item.sl_no.trim(),
                item.within.quantity + item.excess.quantity,
            )
        })
        .collect();
    working
        .items
        .iter()
        .filter_map(|item| {
            let billed = *billed_by_serial.get(item.sl_no.trim())?;
            (billed > item.quantity).then(|| BelowBilled {
                sl_no: item.sl_no.clone(),
                executed: item.quantity,
                billed,
            })
        })
        .collect()
}

/// The rates a work slip puts at nothing: an estimate item's rate replaced by 0 in this slip,
/// or a supplemental item it proposes at 0. Not refused, since work may be done at no cost to
/// the contract (material issued free, an item done by another agency), but every amount on
/// the row becomes 0.00, as a slip of the keyboard would also make it.
pub fn rates_at_nothing(input: &WorkslipInput) -> Vec<String> {
    let given_earlier = input
        .phase
        .checked_sub(2)
        .and_then(|earlier| input.executed.get(earlier as usize))
        .map(|phase| phase.rate_overrides.as_slice())
        .unwrap_or_default();
    let zero_before = |sl_no: &str| {
        given_earlier
            .iter()
            .any(|earlier| earlier.sl_no.trim() == sl_no.trim() && earlier.rate.is_zero())
    };
    let overrides = input
        .rate_overrides
        .iter()
        .filter(|given| given.rate.is_zero() && !zero_before(&given.sl_no))
        .map(|given| {
            let description = input
                .items
                .iter()
                .find(|item| item.sl_no.trim() == given.sl_no.trim())
                .map(|item| format!(" ({})", brief(&item.description)))
                .unwrap_or_default();
            format!(
                "item {}{description}: its rate is replaced by 0 from this work slip on, so every \
                 amount on its row is 0.00; check the rate",
                given.sl_no.trim()
            )
        });
    let proposed = input
        .supplemental_items
        .iter()
        .filter(|item| item.introduced_in_phase == input.phase && item.rate.is_zero())
        .map(|item| {
            format!(
                "supplemental item {} ({}): it is proposed at a rate of 0, so every amount on \
                 its row is 0.00; check the rate",
                item.sl_no.trim(),
                brief(&item.description)
            )
        });
    overrides.chain(proposed).collect()
}

/// Computes a work slip (DOMAIN.md §3).
pub fn workslip(input: &WorkslipInput) -> Result<Workslip, WorkslipInputErrors> {
    let resolved = validate(input).map_err(|problems| WorkslipInputErrors { problems })?;
    let phase = input.phase;
    let mut rows = Vec::new();
    push_estimate_rows(input, &resolved, &mut rows);
    push_supplemental_rows(input, &resolved, &mut rows);
    let footer = footer(input, &rows);
    // Every row adds into the Sub Total Amount, so a row past the limit takes a footer line
    // past it too; the first such line is named.
    if let Some((label, amount)) = footer.iter().find_map(|line| {
        line.estimate
            .into_iter()
            .chain(line.phases.iter().copied())
            .find(|amount| !within_limit(*amount))
            .map(|amount| (line.label.clone(), amount))
    }) {
        return Err(WorkslipInputErrors {
            problems: vec![WorkslipInputError::TotalTooLarge { label, amount }],
        });
    }
    let grand_total = round2(input.sanctioned_grand_total);
    Ok(Workslip {
        title: workslip_title(phase),
        phase,
        phase_columns: phase_columns(phase),
        rows,
        footer,
        grand_total,
        amount_in_words: amount_in_words(grand_total),
    })
}

/// Headings of the phase columns: earlier phases by number, the current one as "Execution".
fn phase_columns(phase: u32) -> Vec<PhaseColumn> {
    (1..=phase)
        .map(|k| PhaseColumn {
            phase: k,
            quantity_heading: if k == phase {
                "Qty (Execution)".to_owned()
            } else {
                format!("Workslip-{k} Qty")
            },
            amount_heading: if k == phase {
                "Amount (Execution)".to_owned()
            } else {
                format!("Workslip-{k} Amt")
            },
        })
        .collect()
}

/// Each estimate item's row, followed by its AE row when any phase exceeds the estimate.
fn push_estimate_rows(
    input: &WorkslipInput,
    resolved: &ResolvedQuantities,
    rows: &mut Vec<WorkslipRow>,
) {
    let current = input.phase as usize - 1;
    let mut numbering = AeNumbering::new();
    for (position, item) in input.items.iter().enumerate() {
        let (rate, rate_overridden) = resolved.current_rate(position);
        let phase_rates: Vec<Decimal> = resolved.rates[position].iter().map(|r| r.0).collect();
        // The sanctioned column stays at the estimate's rate; each phase at its own.
        let estimate_amount = amount(item.quantity, item.rate);
        let splits: Vec<_> = resolved.estimate[position]
            .iter()
            .zip(&phase_rates)
            .map(|(&quantity, &rate)| split_at_estimate(quantity, item.quantity, rate))
            .collect();
        // Notes name the rates other than the one the row's Rate column shows.
        let notes = |shown: Decimal, quantities: &mut dyn Iterator<Item = Decimal>| {
            rate_notes(input.phase, shown, &phase_rates, quantities)
        };
        let line = |kind, serial: &str, description: String| WorkslipLine {
            kind,
            serial: serial.to_owned(),
            description,
            unit: item.unit.clone(),
            estimate_quantity: None,
            rate,
            rate_overridden,
            estimate_rate: item.rate,
            phase_rates: phase_rates.clone(),
            estimate_amount: None,
            phases: Vec::new(),
            more: Decimal::ZERO,
            less: Decimal::ZERO,
            remarks: String::new(),
        };

        let within = splits
            .iter()
            .map(|s| QuantityAmount {
                quantity: s.within_quantity,
                amount: s.within_amount,
            })
            .collect::<Vec<_>>();
        let (more, less) = more_less(within[current].amount, estimate_amount);
        let remarks = if resolved.estimate[position][current].is_zero() && !item.quantity.is_zero()
        {
            "Deleted"
        } else if less > Decimal::ZERO {
            "Less as per estimated"
        } else if more > Decimal::ZERO {
            "Excess as per estimated"
        } else {
            ""
        };
        rows.push(WorkslipRow::Line(WorkslipLine {
            estimate_quantity: Some(item.quantity),
            estimate_amount: Some(estimate_amount),
            phases: within.into_iter().map(Some).collect(),
            more,
            less,
            remarks: with_notes(
                remarks,
                &notes(item.rate, &mut splits.iter().map(|s| s.within_quantity)),
            ),
            ..line(RowKind::Item, &item.sl_no, item.description.clone())
        }));

        if splits.iter().any(|s| s.has_excess()) {
            let (more, less) = more_less(splits[current].excess_amount, Decimal::ZERO);
            rows.push(WorkslipRow::Line(WorkslipLine {
                phases: splits
                    .iter()
                    .map(|s| {
                        Some(QuantityAmount {
                            quantity: s.excess_quantity,
                            amount: s.excess_amount,
                        })
                    })
                    .collect(),
                more,
                less,
                remarks: with_notes(
                    if splits[current].has_excess() {
                        "Excess as per estimated"
                    } else {
                        ""
                    },
                    &notes(rate, &mut splits.iter().map(|s| s.excess_quantity)),
                ),
                // All execution, no sanction: the Rate column shows the rate in force now.
                estimate_rate: rate,
                ..line(RowKind::Excess, "", numbering.next_label())
            }));
        }
    }
}

/// Supplemental items, grouped under a heading for the phase that introduced them.
fn push_supplemental_rows(
    input: &WorkslipInput,
    resolved: &ResolvedQuantities,
    rows: &mut Vec<WorkslipRow>,
) {
    let phase = input.phase;
    let current = phase as usize - 1;
    for introduced in 1..=phase {
        let mut group = input
            .supplemental_items
            .iter()
            .zip(&resolved.supplemental)
            .filter(|(item, _)| item.introduced_in_phase == introduced)
            .peekable();
        if group.peek().is_none() {
            continue;
        }
        rows.push(WorkslipRow::Heading {
            text: supplemental_heading(introduced),
        });
        for (item, quantities) in group {
            let phases: Vec<Option<QuantityAmount>> = quantities
                .iter()
                .map(|q| {
                    q.map(|quantity| QuantityAmount {
                        quantity,
                        amount: amount(quantity, item.rate),
                    })
                })
                .collect();
            let current_amount = phases[current].map(|cell| cell.amount).unwrap_or_default();
            let set_to_nothing = phases[current].is_some_and(|cell| cell.quantity.is_zero());
            let (more, less) = more_less(current_amount, Decimal::ZERO);
            rows.push(WorkslipRow::Line(WorkslipLine {
                kind: RowKind::Supplemental,
                serial: item.sl_no.clone(),
                description: item.description.clone(),
                unit: item.unit.clone(),
                estimate_quantity: None,
                rate: item.rate,
                rate_overridden: false,
                estimate_rate: item.rate,
                phase_rates: vec![item.rate; input.phase as usize],
                estimate_amount: None,
                phases,
                more,
                less,
                remarks: if introduced == phase {
                    "Proposed as per site condition".to_owned()
                } else if set_to_nothing {
                    // Proposed by an earlier slip and executed 0 now: deleted, as an estimate
                    // item at 0 is.
                    "Deleted".to_owned()
                } else {
                    format!("From Workslip-{introduced}")
                },
            }));
        }
    }
}

/// What a row's Remarks say of rates other than the estimate's, so that an auditor can
/// re-multiply every amount: `executed at 900.00` for the current phase, `Workslip-1 at
/// 950.00` for an earlier one.
/// A phase where nothing was executed on the row needs no note: nothing there is at any rate.
fn rate_notes(
    phase: u32,
    estimate_rate: Decimal,
    phase_rates: &[Decimal],
    quantities: impl Iterator<Item = Decimal>,
) -> Vec<String> {
    (1..)
        .zip(phase_rates.iter().zip(quantities))
        .filter(|&(_, (&rate, quantity))| rate != estimate_rate && !quantity.is_zero())
        .map(|(k, (&rate, _))| {
            let rate = super::money::format_indian(rate);
            if k == phase {
                format!("executed at {rate}")
            } else {
                format!("Workslip-{k} at {rate}")
            }
        })
        .collect()
}

/// A remark followed by the rate notes, `; ` between.
fn with_notes(remark: &str, notes: &[String]) -> String {
    std::iter::once(remark)
        .chain(notes.iter().map(String::as_str))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// `(More, Less)` of an executed amount against an estimate amount.
fn more_less(executed: Decimal, estimate: Decimal) -> (Decimal, Decimal) {
    // Through round2 so that "nothing" is always 0.00, never 0 or -0.00.
    if executed > estimate {
        (round2(executed - estimate), round2(Decimal::ZERO))
    } else {
        (round2(Decimal::ZERO), round2(estimate - executed))
    }
}

/// The footer figures of one column.
struct ColumnFigures {
    sub_total: Decimal,
    deduct: Option<Decimal>,
    tender_premium: Option<Decimal>,
    sub_total_1: Decimal,
    labour_cess: Decimal,
    quality_control: Option<Decimal>,
    nac: Decimal,
    sub_total_2: Decimal,
    gst: Decimal,
    unused_tender_premium: Option<Decimal>,
    ls_provision: Decimal,
    grand_total: Decimal,
}

fn column_figures(
    input: &WorkslipInput,
    sub_total: Decimal,
    execution: Option<Decimal>, // Some(ECV) for a phase column, None for the estimate column
    premium: Option<TenderPremium>,
) -> ColumnFigures {
    // The sums go through round2 although their terms are already whole paise: rust_decimal
    // returns the other term unchanged when one is zero, so `0.00 + 0` is `0`, without the two
    // places every printed figure has (and a difference could be -0.00).
    let deduct = input.deduct_old_material.map(|d| round2(-d.abs()));
    let base = round2(sub_total + deduct.unwrap_or_default());
    let premium = execution.and(premium);
    let tender_premium = premium.map(|tp| tp.signed_amount_on(base));
    let sub_total_1 = round2(base + tender_premium.unwrap_or_default());
    let labour_cess = percent_of(sub_total_1, LABOUR_CESS_PERCENT);
    let quality_control = (!input.is_amc).then(|| percent_of(sub_total_1, QUALITY_CONTROL_PERCENT));
    let nac = percent_of(sub_total_1, NAC_PERCENT);
    let sub_total_2 = round2(sub_total_1 + labour_cess + quality_control.unwrap_or_default() + nac);
    let gst = percent_of(sub_total_2, GST_PERCENT);
    let unused_tender_premium = premium.zip(execution).map(|(tp, ecv)| tp.amount_on(ecv));
    let grand_total = round2(input.sanctioned_grand_total);
    let ls_provision =
        round2(grand_total - unused_tender_premium.unwrap_or_default() - gst - sub_total_2);
    ColumnFigures {
        sub_total,
        deduct,
        tender_premium,
        sub_total_1,
        labour_cess,
        quality_control,
        nac,
        sub_total_2,
        gst,
        unused_tender_premium,
        ls_provision,
        grand_total,
    }
}

/// The premium phase column `k` (from 0) is at: its own slip's for an earlier phase, when kept.
fn phase_premium(input: &WorkslipInput, k: usize) -> Option<TenderPremium> {
    if k + 1 < input.phase as usize {
        if let Some(&premium) = input.earlier_premiums.get(k) {
            return premium;
        }
    }
    input.tender_premium
}

fn footer(input: &WorkslipInput, rows: &[WorkslipRow]) -> Vec<WorkslipFooterLine> {
    let lines: Vec<&WorkslipLine> = rows
        .iter()
        .filter_map(|row| match row {
            WorkslipRow::Line(line) => Some(line),
            WorkslipRow::Heading { .. } => None,
        })
        .collect();
    let sum =
        |pick: &dyn Fn(&WorkslipLine) -> Decimal| round2(lines.iter().map(|line| pick(line)).sum());

    let estimate = column_figures(
        input,
        sum(&|line| line.estimate_amount.unwrap_or_default()),
        None,
        None,
    );
    let ecv = estimate.sub_total_1;
    let premiums: Vec<Option<TenderPremium>> = (0..input.phase as usize)
        .map(|k| phase_premium(input, k))
        .collect();
    let phases: Vec<ColumnFigures> = (0..input.phase as usize)
        .map(|k| {
            let sub_total = sum(&|line| line.phases[k].map(|cell| cell.amount).unwrap_or_default());
            column_figures(input, sub_total, Some(ecv), premiums[k])
        })
        .collect();

    let mut footer = Vec::new();
    let mut push = |role, label: String, pick: fn(&ColumnFigures) -> Option<Decimal>| {
        // A line exists when a phase column has it; the estimate cell may still be empty.
        if phases.iter().any(|f| pick(f).is_some()) {
            footer.push(WorkslipFooterLine {
                role,
                label,
                estimate: pick(&estimate),
                phases: phases.iter().map(|f| pick(f).unwrap_or_default()).collect(),
                more: None,
                less: None,
            });
        }
    };
    push(FooterRole::SubTotalAmount, "Sub Total Amount".into(), |f| {
        Some(f.sub_total)
    });
    push(
        FooterRole::DeductOldMaterial,
        "Deduct Old Material Cost".into(),
        |f| f.deduct,
    );
    let rate_of = |premium: Option<TenderPremium>| match premium {
        Some(tp) => format!(
            "{} % {}",
            format_percent(tp.percent()),
            match tp.kind() {
                super::bill::TpType::Less => "Less",
                super::bill::TpType::Excess => "Excess",
            }
        ),
        None => "nil".to_owned(),
    };
    // A column at another premium (the work data's was corrected since its slip) is named.
    let others: Vec<String> = (1..)
        .zip(&premiums)
        .filter(|&(_, premium)| *premium != input.tender_premium)
        .map(|(k, &premium)| format!("Workslip-{k} at {}", rate_of(premium)))
        .collect();
    let with_others = |label: String| {
        if others.is_empty() {
            label
        } else {
            format!("{label} ({})", others.join(", "))
        }
    };
    push(
        FooterRole::TenderPremium,
        with_others(format!("T.P @ {}", rate_of(input.tender_premium))),
        |f| f.tender_premium,
    );
    push(FooterRole::SubTotal1, "Sub Total 1".into(), |f| {
        Some(f.sub_total_1)
    });
    push(FooterRole::LabourCess, "Add LC @ 1%".into(), |f| {
        Some(f.labour_cess)
    });
    push(FooterRole::QualityControl, "Add QC @ 1%".into(), |f| {
        f.quality_control
    });
    push(FooterRole::Nac, "Add NAC @ 0.1 %".into(), |f| Some(f.nac));
    push(FooterRole::SubTotal2, "Sub Total 2".into(), |f| {
        Some(f.sub_total_2)
    });
    push(FooterRole::Gst, "Add GST @ 18%".into(), |f| Some(f.gst));
    let unused_rate = input.tender_premium.map_or("nil".to_owned(), |tp| {
        format!("{} %", format_percent(tp.percent()))
    });
    push(
        FooterRole::UnusedTenderPremium,
        with_others(format!("Unused T.P @ {unused_rate} on ECV")),
        |f| f.unused_tender_premium,
    );
    push(
        FooterRole::LsProvision,
        "L.S provision towards unforeseen items".into(),
        |f| Some(f.ls_provision),
    );
    push(FooterRole::GrandTotal, "Grand Total".into(), |f| {
        Some(f.grand_total)
    });

    let sub_total_line = &mut footer[0];
    sub_total_line.more = Some(sum(&|line| line.more));
    sub_total_line.less = Some(sum(&|line| line.less));
    footer
}

/// Checks the input and resolves every quantity and rate, or lists every problem.
fn validate(input: &WorkslipInput) -> Result<ResolvedQuantities, Vec<WorkslipInputError>> {
    let mut problems = Vec::new();
    let phase = input.phase;
    if !(1..=MAX_PHASE).contains(&phase) {
        // Nothing else can be checked meaningfully against an impossible phase.
        return Err(vec![WorkslipInputError::PhaseOutOfRange { phase }]);
    }
    if input.items.is_empty() {
        problems.push(WorkslipInputError::NoItems);
    }
    if input.executed.len() != phase as usize {
        problems.push(WorkslipInputError::PhaseCountMismatch {
            phase,
            given: input.executed.len(),
        });
    }
    for (what, value, may_be_negative) in [
        (
            "sanctioned grand total",
            Some(input.sanctioned_grand_total),
            false,
        ),
        ("old material deduction", input.deduct_old_material, true),
    ] {
        if let Some(value) = value {
            if !within_limit(value) || (!may_be_negative && value < Decimal::ZERO) {
                problems.push(WorkslipInputError::InvalidTotal {
                    what: what.to_owned(),
                    value,
                });
            }
        }
    }

    let (index, repeated) = index_by_serial(&input.items, |item| item.sl_no.as_str());
    problems.extend(
        repeated
            .into_iter()
            .map(|sl_no| WorkslipInputError::DuplicateSerial { sl_no }),
    );
    let (supplemental_index, repeated) =
        index_by_serial(&input.supplemental_items, |item| item.sl_no.as_str());
    problems.extend(
        repeated
            .into_iter()
            .map(|sl_no| WorkslipInputError::DuplicateSupplementalSerial { sl_no }),
    );
    let mut taken: Vec<&SupplementalItem> = input
        .supplemental_items
        .iter()
        .filter(|item| index.contains_key(item.sl_no.trim()))
        .collect();
    taken.dedup_by(|a, b| a.sl_no.trim() == b.sl_no.trim());
    problems.extend(
        taken
            .into_iter()
            .map(|item| WorkslipInputError::SupplementalSerialTaken {
                sl_no: item.sl_no.trim().to_owned(),
                origin: item.origin.clone(),
            }),
    );

    let too_large = |sl_no: &str, description: &str, field: &'static str, value: Decimal| {
        WorkslipInputError::FigureTooLarge {
            sl_no: sl_no.to_owned(),
            description: description.to_owned(),
            field,
            value,
        }
    };
    let overlong = |sl_no: &str, (field, chars): (&str, usize)| WorkslipInputError::TextTooLong {
        sl_no: sl_no.to_owned(),
        field: field.to_owned(),
        chars,
    };
    for item in &input.items {
        for (field, value) in [("quantity", item.quantity), ("rate", item.rate)] {
            if !within_limit(value) {
                problems.push(too_large(&item.sl_no, &item.description, field, value));
            }
        }
        if let Some(found) = item.overlong_text() {
            problems.push(overlong(&item.sl_no, found));
        }
    }
    for item in &input.supplemental_items {
        let texts = [
            ("description", item.description.as_str()),
            ("unit", item.unit.as_str()),
        ];
        if let Some(found) = super::estimate::overlong_text(texts) {
            problems.push(overlong(&item.sl_no, found));
        }
        if !within_limit(item.rate) {
            problems.push(too_large(&item.sl_no, &item.description, "rate", item.rate));
        } else if item.rate < Decimal::ZERO {
            problems.push(WorkslipInputError::NegativeRate {
                sl_no: item.sl_no.clone(),
                description: item.description.clone(),
                rate: item.rate,
            });
        }
        if !(1..=phase).contains(&item.introduced_in_phase) {
            problems.push(WorkslipInputError::IntroducedOutOfRange {
                sl_no: item.sl_no.clone(),
                description: item.description.clone(),
                introduced_in_phase: item.introduced_in_phase,
                phase,
            });
        }
    }

    let mut rates: Vec<(Decimal, bool)> =
        input.items.iter().map(|item| (item.rate, false)).collect();
    // The current phase's overrides are checked here; an earlier phase's were when its slip
    // was made, and are applied as they were.
    let mut phase_rates: Vec<Vec<(Decimal, bool)>> =
        vec![Vec::with_capacity(phase as usize); input.items.len()];
    for k in 1..phase {
        let given = input
            .executed
            .get(k as usize - 1)
            .map_or(&[][..], |q| q.rate_overrides.as_slice());
        for (position, item) in input.items.iter().enumerate() {
            let overridden = given
                .iter()
                .find(|entry| entry.sl_no.trim() == item.sl_no.trim())
                .map(|entry| entry.rate)
                .filter(|&rate| rate >= Decimal::ZERO && within_limit(rate));
            phase_rates[position].push(overridden.map_or((item.rate, false), |rate| (rate, true)));
        }
    }
    for entry in &input.rate_overrides {
        let Some(&position) = index.get(entry.sl_no.trim()) else {
            let supplemental = input
                .supplemental_items
                .iter()
                .any(|extra| extra.sl_no.trim() == entry.sl_no.trim());
            let sl_no = entry.sl_no.clone();
            let origin = entry.origin.clone();
            problems.push(if supplemental {
                WorkslipInputError::SupplementalRateOverride { sl_no, origin }
            } else {
                WorkslipInputError::UnknownRateOverride { sl_no, origin }
            });
            continue;
        };
        let item = &input.items[position];
        if rates[position].1 {
            problems.push(WorkslipInputError::DuplicateRateOverride {
                sl_no: item.sl_no.clone(),
            });
        } else if !within_limit(entry.rate) {
            problems.push(too_large(
                &item.sl_no,
                &item.description,
                "rate",
                entry.rate,
            ));
        } else if entry.rate < Decimal::ZERO {
            problems.push(WorkslipInputError::NegativeRate {
                sl_no: item.sl_no.clone(),
                description: item.description.clone(),
                rate: entry.rate,
            });
        }
        rates[position] = (entry.rate, true);
    }

    // Carry quantities forward phase by phase.
    let mut estimate: Vec<Vec<Decimal>> =
        vec![Vec::with_capacity(phase as usize); input.items.len()];
    let mut supplemental: Vec<Vec<Option<Decimal>>> =
        vec![Vec::with_capacity(phase as usize); input.supplemental_items.len()];
    let nothing_given = PhaseQuantities::default();
    for k in 1..=phase {
        let given = input.executed.get(k as usize - 1).unwrap_or(&nothing_given);
        let entered = place(
            k,
            &given.estimate_items,
            &index,
            |p| (&input.items[p].sl_no, &input.items[p].description),
            |entry| WorkslipInputError::UnknownItem {
                phase: k,
                sl_no: entry.sl_no.clone(),
                origin: entry.origin.clone(),
            },
            &mut problems,
        );
        for (position, item) in input.items.iter().enumerate() {
            let previous = estimate[position].last().copied().unwrap_or(item.quantity);
            estimate[position].push(entered.get(&position).copied().unwrap_or(previous));
        }

        let entered = place(
            k,
            &given.supplemental_items,
            &supplemental_index,
            |p| {
                let item = &input.supplemental_items[p];
                (&item.sl_no, &item.description)
            },
            |entry| WorkslipInputError::UnknownSupplementalItem {
                phase: k,
                sl_no: entry.sl_no.clone(),
            },
            &mut problems,
        );
        for (position, item) in input.supplemental_items.iter().enumerate() {
            let cell = if k < item.introduced_in_phase {
                if entered.contains_key(&position) {
                    problems.push(WorkslipInputError::NotYetIntroduced {
                        phase: k,
                        sl_no: item.sl_no.clone(),
                        description: item.description.clone(),
                        introduced_in_phase: item.introduced_in_phase,
                    });
                }
                None
            } else {
                let previous = supplemental[position]
                    .last()
                    .copied()
                    .flatten()
                    .unwrap_or_default();
                Some(entered.get(&position).copied().unwrap_or(previous))
            };
            supplemental[position].push(cell);
        }
    }

    for (position, current) in rates.into_iter().enumerate() {
        phase_rates[position].push(current);
    }
    if problems.is_empty() {
        Ok(ResolvedQuantities {
            estimate,
            supplemental,
            rates: phase_rates,
        })
    } else {
        Err(problems)
    }
}

/// Matches one phase's entries to item positions, reporting unknown, repeated, negative and
/// oversized quantities.
fn place<'a>(
    phase: u32,
    entries: &[ItemQuantity],
    index: &HashMap<&str, usize>,
    describe: impl Fn(usize) -> (&'a String, &'a String),
    unknown: impl Fn(&ItemQuantity) -> WorkslipInputError,
    problems: &mut Vec<WorkslipInputError>,
) -> HashMap<usize, Decimal> {
    let mut placed = HashMap::with_capacity(entries.len());
    for entry in entries {
        let Some(&position) = index.get(entry.sl_no.trim()) else {
            problems.push(unknown(entry));
            continue;
        };
        let (sl_no, description) = describe(position);
        if placed.contains_key(&position) {
            problems.push(WorkslipInputError::DuplicateQuantity {
                phase,
                sl_no: sl_no.clone(),
                description: description.clone(),
            });
        } else if entry.quantity < Decimal::ZERO {
            problems.push(WorkslipInputError::NegativeQuantity {
                phase,
                sl_no: sl_no.clone(),
                description: description.clone(),
                quantity: entry.quantity,
            });
        } else if !within_limit(entry.quantity) {
            problems.push(WorkslipInputError::FigureTooLarge {
                sl_no: sl_no.clone(),
                description: description.clone(),
                field: "quantity",
                value: entry.quantity,
            });
        }
        placed.entry(position).or_insert(entry.quantity);
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bill::TpType;
    use crate::domain::money::half_up_reference;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn item(sl_no: &str, quantity: Decimal, rate: Decimal) -> EstimateItem {
        EstimateItem {
            sl_no: sl_no.to_owned(),
            description: format!("Item {sl_no}"),
            quantity,
            unit: "Nos".to_owned(),
            rate,
            per_unit: "No".to_owned(),
            amount: amount(quantity, rate),
        }
    }

    fn supplemental(sl_no: &str, rate: Decimal, introduced_in_phase: u32) -> SupplementalItem {
        SupplementalItem {
            sl_no: sl_no.to_owned(),
            description: format!("Extra {sl_no}"),
            unit: "Nos".to_owned(),
            rate,
            introduced_in_phase,
            origin: None,
        }
    }

    fn quantities(estimate: &[(&str, Decimal)], extra: &[(&str, Decimal)]) -> PhaseQuantities {
        let list = |pairs: &[(&str, Decimal)]| {
            pairs
                .iter()
                .map(|&(s, q)| ItemQuantity::new(s, q))
                .collect()
        };
        PhaseQuantities {
            estimate_items: list(estimate),
            supplemental_items: list(extra),
            rate_overrides: Vec::new(),
        }
    }

    fn base_input() -> WorkslipInput {
        WorkslipInput {
            phase: 1,
            items: vec![
                item("1", dec!(100), dec!(500)),
                item("2", dec!(50), dec!(1000)),
            ],
            supplemental_items: vec![supplemental("S1", dec!(300), 1)],
            executed: vec![quantities(
                &[("1", dec!(120)), ("2", dec!(40))],
                &[("S1", dec!(10))],
            )],
            rate_overrides: Vec::new(),
            deduct_old_material: None,
            tender_premium: Some(TenderPremium::new(dec!(5), TpType::Less).unwrap()),
            earlier_premiums: Vec::new(),
            is_amc: false,
            sanctioned_grand_total: dec!(130000),
        }
    }

    #[test]
    fn a_slip_whose_figures_multiply_past_the_largest_figure_is_refused_naming_the_line() {
        // Item 2 at 10^12 executed at a rate of 10^12: each figure within the limit, its amount
        // 10^24 and the execution column's Sub Total Amount with it.
        let mut input = base_input();
        input.items[1].rate = dec!(1_000_000_000_000);
        input.executed = vec![quantities(
            &[("1", dec!(120)), ("2", dec!(1_000_000_000_000))],
            &[("S1", dec!(10))],
        )];
        let problems = workslip(&input).unwrap_err().problems;
        // The estimate column first: 100 × 500 + 50 × 10^12.
        let estimate_sub_total = dec!(50_000) + dec!(50) * dec!(1_000_000_000_000);
        assert_eq!(
            problems,
            [WorkslipInputError::TotalTooLarge {
                label: "Sub Total Amount".into(),
                amount: round2(estimate_sub_total),
            }]
        );
        assert!(problems[0].to_string().starts_with(
            "the work slip's Sub Total Amount comes to 5,00,00,00,00,50,000.00, beyond"
        ));
    }

    fn figures(slip: &Workslip, role: FooterRole) -> (Option<Decimal>, Vec<Decimal>) {
        let line = slip
            .footer_line(role)
            .unwrap_or_else(|| panic!("no {role:?} line"));
        (line.estimate, line.phases.clone())
    }

    #[test]
    fn a_rate_revised_in_a_later_slip_leaves_the_sanction_and_the_earlier_slips_as_they_were() {
        // Items 1 (100 × 500) and 2 (50 × 1,000), 5 % Less. Work slip 1 executes 80 and 50 at
        // the estimate's rates; work slip 2 executes the same, with item 2 at 900 from now on.
        let mut input = base_input();
        input.supplemental_items.clear();
        input.executed = vec![
            quantities(&[("1", dec!(80)), ("2", dec!(50))], &[]),
            quantities(&[], &[]),
        ];
        input.phase = 2;
        input.rate_overrides = vec![RateOverride::new("2", dec!(900))];
        let slip = workslip(&input).unwrap();
        let item_two = slip.lines().find(|line| line.serial == "2").unwrap();
        // Sanctioned: 50 × 1,000.00; work slip 1: 50 × 1,000.00; now: 50 × 900.00.
        assert_eq!(item_two.estimate_rate, dec!(1000));
        assert_eq!(item_two.estimate_amount, Some(dec!(50000.00)));
        let amounts: Vec<Decimal> = item_two.phases.iter().map(|c| c.unwrap().amount).collect();
        assert_eq!(amounts, [dec!(50000.00), dec!(45000.00)]);
        assert_eq!(item_two.less, dec!(5000.00));
        assert_eq!(
            item_two.remarks,
            "Less as per estimated; executed at 900.00"
        );
        // E is the estimate's ECV, 50,000 + 50,000; Unused T.P is 5 % of it in every column.
        assert_eq!(
            figures(&slip, FooterRole::SubTotalAmount).0,
            Some(dec!(100000.00))
        );
        assert_eq!(
            figures(&slip, FooterRole::UnusedTenderPremium).1,
            [dec!(5000.00), dec!(5000.00)]
        );
        // The deviation statement sees the saving the rate makes.
        let statement = super::super::deviation::deviation_statement(&slip);
        let line = statement.lines.iter().find(|l| l.serial == "2").unwrap();
        assert_eq!(
            (line.sanctioned_amount, line.working_amount, line.saving),
            (dec!(50000.00), dec!(45000.00), dec!(5000.00))
        );
        assert_eq!(line.remarks, "Sanctioned at 1,000.00");

        // Work slip 3 keeps phase 2's rate for phase 2's column (as its own slip recorded it)
        // and executes 55 of item 2 at 950.
        input.executed[1].rate_overrides = input.rate_overrides.clone();
        input.executed.push(quantities(&[("2", dec!(55))], &[]));
        input.phase = 3;
        input.rate_overrides = vec![RateOverride::new("2", dec!(950))];
        let slip = workslip(&input).unwrap();
        let lines: Vec<&WorkslipLine> = slip.lines().collect();
        let (item_two, excess) = (lines[1], lines[2]);
        let amounts: Vec<Decimal> = item_two.phases.iter().map(|c| c.unwrap().amount).collect();
        assert_eq!(amounts, [dec!(50000.00), dec!(45000.00), dec!(47500.00)]);
        assert_eq!(
            item_two.remarks,
            "Less as per estimated; Workslip-2 at 900.00; executed at 950.00"
        );
        // The 5 beyond the estimate's 50, on a row of its own at the 950.00 its Rate shows.
        assert_eq!(excess.current().unwrap().amount, dec!(4750.00));
        assert_eq!(excess.estimate_rate, dec!(950));
        assert_eq!(excess.remarks, "Excess as per estimated");
    }

    #[test]
    fn a_supplemental_items_rate_is_quoted_per_the_singular_of_its_unit() {
        let per_unit_of_s1 = |unit: &str, estimate_per_unit: &str| {
            let mut input = base_input();
            input.supplemental_items[0].unit = unit.to_owned();
            for item in &mut input.items {
                item.per_unit = estimate_per_unit.to_owned();
            }
            let working = working_estimate(&input).unwrap();
            let s1 = working
                .items
                .iter()
                .find(|item| item.sl_no == "S1")
                .unwrap();
            (s1.unit.clone(), s1.per_unit.clone())
        };
        // As the estimate's own items pair "Nos" with their singular.
        assert_eq!(per_unit_of_s1("Nos", "No"), ("Nos".into(), "No".into()));
        assert_eq!(per_unit_of_s1("nos", "Each"), ("nos".into(), "Each".into()));
        // No estimate item has the unit: the usual abbreviation, else the unit as typed.
        assert_eq!(per_unit_of_s1("Mtrs", "No"), ("Mtrs".into(), "Mtr".into()));
        assert_eq!(per_unit_of_s1("Cum", "No"), ("Cum".into(), "Cum".into()));
    }

    #[test]
    fn an_item_set_below_what_was_billed_is_named_with_both_quantities() {
        use crate::domain::bill::PrintedItem;
        // Item 1 is cut to 80 after bills paid for 90 (85 on its row, 5 as AE); item 2 at 40
        // had 40 billed, which is not below; S1 was never billed.
        let working = working_estimate(&WorkslipInput {
            executed: vec![quantities(
                &[("1", dec!(80)), ("2", dec!(40))],
                &[("S1", dec!(3))],
            )],
            ..base_input()
        })
        .unwrap();
        let row = |quantity: Decimal| QuantityAmount {
            quantity,
            amount: Decimal::ZERO,
        };
        let billed = PrintedTillDate {
            items: vec![
                PrintedItem {
                    sl_no: "1".into(),
                    within: row(dec!(85)),
                    excess: row(dec!(5)),
                    rate: None,
                },
                PrintedItem {
                    sl_no: " 2".into(),
                    within: row(dec!(40)),
                    excess: row(Decimal::ZERO),
                    rate: None,
                },
            ],
            sub_total: Decimal::ZERO,
            tender_premium: None,
            total: Decimal::ZERO,
        };
        let found = below_billed(&working, &billed);
        assert_eq!(
            found,
            [BelowBilled {
                sl_no: "1".into(),
                executed: dec!(80),
                billed: dec!(90),
            }]
        );
        let text = found[0].to_string();
        assert!(text.starts_with("Item 1: this work slip sets 80, but the bills so far have paid for 90 of it; the bills after it carry the 10 above it as AE"), "{text}");
    }

    #[test]
    fn first_work_slip_worked_example() {
        let slip = workslip(&base_input()).unwrap();
        assert_eq!(slip.title, "WORKING ESTIMATE");
        assert_eq!(
            slip.phase_columns,
            [PhaseColumn {
                phase: 1,
                quantity_heading: "Qty (Execution)".into(),
                amount_heading: "Amount (Execution)".into(),
            }]
        );

        let shape: Vec<String> = slip
            .rows
            .iter()
            .map(|row| match row {
                WorkslipRow::Heading { text } => format!("# {text}"),
                WorkslipRow::Line(l) => format!(
                    "{}|{}|{:?}|{:?}|{}|{}|{}",
                    l.serial,
                    l.description,
                    l.estimate_amount,
                    l.current().map(|c| (c.quantity, c.amount)),
                    l.more,
                    l.less,
                    l.remarks
                ),
            })
            .collect();
        assert_eq!(
            shape,
            [
                "1|Item 1|Some(50000.00)|Some((100, 50000.00))|0.00|0.00|",
                "|AE1|None|Some((20, 10000.00))|10000.00|0.00|Excess as per estimated",
                "2|Item 2|Some(50000.00)|Some((40, 40000.00))|0.00|10000.00|Less as per estimated",
                "# Supplemental Items",
                "S1|Extra S1|None|Some((10, 3000.00))|3000.00|0.00|Proposed as per site condition",
            ]
        );

        let sub = slip.footer_line(FooterRole::SubTotalAmount).unwrap();
        assert_eq!(
            (sub.estimate, sub.phases.clone()),
            (Some(dec!(100000.00)), vec![dec!(103000.00)])
        );
        assert_eq!(
            (sub.more, sub.less),
            (Some(dec!(13000.00)), Some(dec!(10000.00)))
        );
        assert_eq!(
            figures(&slip, FooterRole::TenderPremium),
            (None, vec![dec!(-5150.00)])
        );
        assert_eq!(
            figures(&slip, FooterRole::SubTotal1),
            (Some(dec!(100000.00)), vec![dec!(97850.00)])
        );
        assert_eq!(
            figures(&slip, FooterRole::LabourCess),
            (Some(dec!(1000.00)), vec![dec!(978.50)])
        );
        assert_eq!(
            figures(&slip, FooterRole::QualityControl),
            (Some(dec!(1000.00)), vec![dec!(978.50)])
        );
        assert_eq!(
            figures(&slip, FooterRole::Nac),
            (Some(dec!(100.00)), vec![dec!(97.85)])
        );
        assert_eq!(
            figures(&slip, FooterRole::SubTotal2),
            (Some(dec!(102100.00)), vec![dec!(99904.85)])
        );
        // 99,904.85 × 18 % = 17,982.873 → 17,982.87.
        assert_eq!(
            figures(&slip, FooterRole::Gst),
            (Some(dec!(18378.00)), vec![dec!(17982.87)])
        );
        assert_eq!(
            figures(&slip, FooterRole::UnusedTenderPremium),
            (None, vec![dec!(5000.00)])
        );
        assert_eq!(
            figures(&slip, FooterRole::LsProvision),
            (Some(dec!(9522.00)), vec![dec!(7112.28)])
        );
        assert_eq!(
            figures(&slip, FooterRole::GrandTotal),
            (Some(dec!(130000.00)), vec![dec!(130000.00)])
        );

        let labels: Vec<&str> = slip.footer.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Sub Total Amount",
                "T.P @ 5 % Less",
                "Sub Total 1",
                "Add LC @ 1%",
                "Add QC @ 1%",
                "Add NAC @ 0.1 %",
                "Sub Total 2",
                "Add GST @ 18%",
                "Unused T.P @ 5 % on ECV",
                "L.S provision towards unforeseen items",
                "Grand Total",
            ]
        );
        assert_eq!(slip.amount_in_words, "Rupees One Lakh Thirty Thousand Only");
    }

    #[test]
    fn later_phase_carries_over_and_remarks_history() {
        let slip = workslip(&WorkslipInput {
            phase: 2,
            items: vec![
                item("1", dec!(100), dec!(500)),
                item("2", dec!(50), dec!(1000)),
                item("3", dec!(10), dec!(200)),
            ],
            supplemental_items: vec![
                supplemental("S1", dec!(300), 1),
                supplemental("S2", dec!(100), 2),
            ],
            executed: vec![
                quantities(&[("1", dec!(120)), ("3", dec!(0))], &[("S1", dec!(10))]),
                quantities(&[("2", dec!(60))], &[("S1", dec!(12)), ("S2", dec!(5))]),
            ],
            rate_overrides: vec![RateOverride::new("3", dec!(250))],
            deduct_old_material: Some(dec!(2000)),
            tender_premium: None,
            earlier_premiums: Vec::new(),
            is_amc: true,
            sanctioned_grand_total: dec!(150000),
        })
        .unwrap();

        assert_eq!(slip.title, "WORKING ESTIMATE-2");
        let headings: Vec<(&str, &str)> = slip
            .phase_columns
            .iter()
            .map(|c| (c.quantity_heading.as_str(), c.amount_heading.as_str()))
            .collect();
        assert_eq!(
            headings,
            [
                ("Workslip-1 Qty", "Workslip-1 Amt"),
                ("Qty (Execution)", "Amount (Execution)")
            ]
        );

        let lines: Vec<&WorkslipLine> = slip.lines().collect();
        let cells = |l: &WorkslipLine| -> Vec<Option<Decimal>> {
            l.phases.iter().map(|c| c.map(|c| c.quantity)).collect()
        };
        // Item 1: 120 in phase 1, not given in phase 2 so still 120.
        assert_eq!(lines[0].serial, "1");
        assert_eq!(cells(lines[0]), [Some(dec!(100)), Some(dec!(100))]);
        assert_eq!(
            (lines[1].description.as_str(), cells(lines[1])),
            ("AE1", vec![Some(dec!(20)), Some(dec!(20))])
        );
        // Item 2: the estimate quantity in phase 1, 60 in phase 2.
        assert_eq!(cells(lines[2]), [Some(dec!(50)), Some(dec!(50))]);
        assert_eq!(
            (lines[3].description.as_str(), cells(lines[3])),
            ("AE2", vec![Some(dec!(0)), Some(dec!(10))])
        );
        assert_eq!(lines[3].more, dec!(10000.00));
        // Item 3: deleted, with its rate overridden from this slip on: the sanctioned column
        // keeps the estimate's 10 × 200.00, and nothing executed needs the new rate named.
        assert_eq!(lines[4].remarks, "Deleted");
        assert_eq!((lines[4].rate, lines[4].rate_overridden), (dec!(250), true));
        assert_eq!(
            (lines[4].estimate_rate, lines[4].phase_rates.as_slice()),
            (dec!(200), &[dec!(200), dec!(250)][..])
        );
        assert_eq!(lines[4].estimate_amount, Some(dec!(2000.00)));
        assert_eq!(lines[4].less, dec!(2000.00));
        // Supplemental items, grouped by the phase that introduced them.
        assert_eq!(
            (lines[5].serial.as_str(), lines[5].remarks.as_str()),
            ("S1", "From Workslip-1")
        );
        assert_eq!(cells(lines[5]), [Some(dec!(10)), Some(dec!(12))]);
        assert_eq!(
            (lines[6].serial.as_str(), lines[6].remarks.as_str()),
            ("S2", "Proposed as per site condition")
        );
        assert_eq!(cells(lines[6]), [None, Some(dec!(5))]);
        let texts: Vec<&str> = slip
            .rows
            .iter()
            .filter_map(|r| match r {
                WorkslipRow::Heading { text } => Some(text.as_str()),
                WorkslipRow::Line(_) => None,
            })
            .collect();
        assert_eq!(texts, ["Supplemental Items", "Supplemental Items-2"]);

        // E: 50,000 + 50,000 + 2,000 (item 3 at the estimate's 200); phase 1: 60,000 + 50,000
        // + 0 + 3,000; phase 2: 60,000 + 60,000 + 0 + 3,600 + 500.
        assert_eq!(
            figures(&slip, FooterRole::SubTotalAmount),
            (
                Some(dec!(102000.00)),
                vec![dec!(113000.00), dec!(124100.00)]
            )
        );
        assert_eq!(
            figures(&slip, FooterRole::DeductOldMaterial),
            (Some(dec!(-2000.00)), vec![dec!(-2000.00), dec!(-2000.00)])
        );
        assert_eq!(
            figures(&slip, FooterRole::SubTotal1),
            (
                Some(dec!(100000.00)),
                vec![dec!(111000.00), dec!(122100.00)]
            )
        );
        assert!(slip.footer_line(FooterRole::QualityControl).is_none());
        assert!(slip.footer_line(FooterRole::TenderPremium).is_none());
        assert!(slip.footer_line(FooterRole::UnusedTenderPremium).is_none());
        assert_eq!(
            figures(&slip, FooterRole::GrandTotal),
            (
                Some(dec!(150000.00)),
                vec![dec!(150000.00), dec!(150000.00)]
            )
        );
    }

    #[test]
    fn a_premium_corrected_after_a_slip_leaves_that_slips_column_at_its_own() {
        // Work slip 1 was made at 5 % Less; the work data's premium is then corrected to 8 %
        // Excess, and work slip 2 repeats the quantities. Each phase's Sub Total Amount:
        // item 1 100 × 500 + AE 20 × 500, item 2 40 × 1,000, S1 10 × 300 = 1,03,000.00.
        let mut input = base_input();
        input.phase = 2;
        input.executed.push(quantities(&[], &[]));
        input.earlier_premiums = vec![Some(TenderPremium::new(dec!(5), TpType::Less).unwrap())];
        input.tender_premium = Some(TenderPremium::new(dec!(8), TpType::Excess).unwrap());
        let slip = workslip(&input).unwrap();
        assert_eq!(
            figures(&slip, FooterRole::SubTotalAmount).1,
            [dec!(103000.00), dec!(103000.00)]
        );
        let premium = slip.footer_line(FooterRole::TenderPremium).unwrap();
        assert_eq!(premium.label, "T.P @ 8 % Excess (Workslip-1 at 5 % Less)");
        // 5 % of 1,03,000.00 taken off in phase 1, 8 % added now.
        assert_eq!(premium.phases, [dec!(-5150.00), dec!(8240.00)]);
        assert_eq!(
            figures(&slip, FooterRole::SubTotal1).1,
            [dec!(97850.00), dec!(111240.00)]
        );
        // Unused T.P on the ECV of 1,00,000.00 at each column's own rate.
        let unused = slip.footer_line(FooterRole::UnusedTenderPremium).unwrap();
        assert_eq!(
            unused.label,
            "Unused T.P @ 8 % on ECV (Workslip-1 at 5 % Less)"
        );
        assert_eq!(unused.phases, [dec!(5000.00), dec!(8000.00)]);
        // Phase 1's column is what work slip 1 printed, made alone at 5 % Less.
        let mut alone = base_input();
        alone.tender_premium = Some(TenderPremium::new(dec!(5), TpType::Less).unwrap());
        let first = workslip(&alone).unwrap();
        for role in [
            FooterRole::TenderPremium,
            FooterRole::LsProvision,
            FooterRole::Gst,
        ] {
            assert_eq!(
                figures(&slip, role).1[0],
                figures(&first, role).1[0],
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_supplemental_item_a_later_slip_sets_to_nothing_is_deleted() {
        // Work slip 1 proposes S1 (10 at 300); work slip 2 sets it to 0.
        let mut input = base_input();
        input.phase = 2;
        input.executed.push(quantities(&[], &[("S1", dec!(0))]));
        let slip = workslip(&input).unwrap();
        let s1 = slip.lines().find(|line| line.serial == "S1").unwrap();
        assert_eq!(s1.remarks, "Deleted");
        assert_eq!(s1.current().unwrap().amount, dec!(0.00));
        let statement = super::super::deviation::deviation_statement(&slip);
        let line = statement.lines.iter().find(|l| l.serial == "S1").unwrap();
        assert_eq!(line.remarks, "Supplemental item, deleted");
        // Bills after it take S1 only as AE, with the warning an estimate item gets.
        assert_eq!(working_estimate(&input).unwrap().deleted, ["S1"]);
        // Proposed at 0 in the slip that proposes it, it is not "deleted".
        let mut proposed_at_nothing = base_input();
        proposed_at_nothing.executed[0] = quantities(&[], &[("S1", dec!(0))]);
        assert!(working_estimate(&proposed_at_nothing)
            .unwrap()
            .deleted
            .is_empty());
    }

    #[test]
    fn a_rate_put_at_nothing_is_warned_of_in_the_slip_that_puts_it() {
        let mut input = base_input();
        assert!(rates_at_nothing(&input).is_empty());
        // Work slip 1 replaces item 2's rate by 0 and proposes S1 at 0.
        input.rate_overrides = vec![RateOverride::new("2", dec!(0))];
        input.supplemental_items = vec![supplemental("S1", dec!(0), 1)];
        assert_eq!(
            rates_at_nothing(&input),
            [
                "item 2 (Item 2): its rate is replaced by 0 from this work slip on, so every \
                 amount on its row is 0.00; check the rate",
                "supplemental item S1 (Extra S1): it is proposed at a rate of 0, so every amount \
                 on its row is 0.00; check the rate",
            ]
        );
        // Work slip 2 keeps both as they were: nothing new to warn of.
        input.executed[0].rate_overrides = input.rate_overrides.clone();
        input.executed.push(quantities(&[("1", dec!(130))], &[]));
        input.phase = 2;
        assert!(rates_at_nothing(&input).is_empty());
        // Replacing item 1's rate by 0.00 in work slip 2 is new.
        input
            .rate_overrides
            .push(RateOverride::new("1", dec!(0.00)));
        let warnings = rates_at_nothing(&input);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("item 1 (Item 1): its rate is replaced by 0"));
    }

    #[test]
    fn the_working_estimate_gives_later_bills_their_items_and_caps() {
        // Phase 1: item 1 executed 120 (rate 500), item 2 deleted, S1 10 at 300; phase 2
        // changes only S1, to 25.
        let mut input = base_input();
        input.executed[0] = quantities(&[("1", dec!(120)), ("2", dec!(0))], &[("S1", dec!(10))]);
        input.phase = 2;
        input.executed.push(quantities(&[], &[("S1", dec!(25))]));
        let working = working_estimate(&input).unwrap();
        let caps: Vec<(&str, Decimal, Decimal)> = working
            .items
            .iter()
            .map(|i| (i.sl_no.as_str(), i.quantity, i.rate))
            .collect();
        assert_eq!(
            caps,
            [
                ("1", dec!(120), dec!(500)),
                ("2", dec!(0), dec!(1000)),
                ("S1", dec!(25), dec!(300)),
            ]
        );
        assert_eq!(working.deleted, ["2"]);
        assert_eq!(working.phase, 2);
        assert_eq!(working.items[2].amount, dec!(7500.00));
    }

    #[test]
    fn an_estimate_without_items_gives_no_work_slip() {
        let err = workslip(&WorkslipInput {
            items: Vec::new(),
            supplemental_items: Vec::new(),
            executed: vec![PhaseQuantities::default()],
            ..base_input()
        })
        .unwrap_err();
        assert_eq!(err.problems, [WorkslipInputError::NoItems]);
    }

    #[test]
    fn phase_must_be_one_to_ten() {
        for phase in [0, 11, 99] {
            let err = workslip(&WorkslipInput {
                phase,
                ..base_input()
            })
            .unwrap_err();
            assert_eq!(
                err.problems,
                [WorkslipInputError::PhaseOutOfRange { phase }]
            );
        }
        let err = workslip(&WorkslipInput {
            phase: 11,
            ..base_input()
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "work slip 11 is not allowed: an estimate has work slips 1 to 10"
        );
        let ten = WorkslipInput {
            phase: 10,
            executed: vec![PhaseQuantities::default(); 10],
            ..base_input()
        };
        assert_eq!(workslip(&ten).unwrap().title, "WORKING ESTIMATE-10");
    }

    #[test]
    fn every_input_problem_is_reported() {
        let err = workslip(&WorkslipInput {
            phase: 2,
            supplemental_items: vec![
                supplemental("S1", dec!(-3), 2),
                supplemental("S2", dec!(1), 3),
            ],
            executed: vec![
                quantities(
                    &[("9", dec!(1)), ("2", dec!(-4))],
                    &[("S1", dec!(1)), ("S7", dec!(1))],
                ),
                quantities(&[("1", dec!(1)), ("1", dec!(2))], &[]),
            ],
            rate_overrides: vec![
                RateOverride::new("8", dec!(1)),
                RateOverride::new("S1", dec!(1)),
                RateOverride::new("1", dec!(-1)),
            ],
            sanctioned_grand_total: dec!(-5),
            ..base_input()
        })
        .unwrap_err();
        assert_eq!(
            err.problems,
            [
                WorkslipInputError::InvalidTotal {
                    what: "sanctioned grand total".into(),
                    value: dec!(-5)
                },
                WorkslipInputError::NegativeRate {
                    sl_no: "S1".into(),
                    description: "Extra S1".into(),
                    rate: dec!(-3)
                },
                WorkslipInputError::IntroducedOutOfRange {
                    sl_no: "S2".into(),
                    description: "Extra S2".into(),
                    introduced_in_phase: 3,
                    phase: 2,
                },
                WorkslipInputError::UnknownRateOverride {
                    sl_no: "8".into(),
                    origin: None
                },
                WorkslipInputError::SupplementalRateOverride {
                    sl_no: "S1".into(),
                    origin: None
                },
                WorkslipInputError::NegativeRate {
                    sl_no: "1".into(),
                    description: "Item 1".into(),
                    rate: dec!(-1)
                },
                WorkslipInputError::UnknownItem {
                    phase: 1,
                    sl_no: "9".into(),
                    origin: None
                },
                WorkslipInputError::NegativeQuantity {
                    phase: 1,
                    sl_no: "2".into(),
                    description: "Item 2".into(),
                    quantity: dec!(-4),
                },
                WorkslipInputError::UnknownSupplementalItem {
                    phase: 1,
                    sl_no: "S7".into()
                },
                WorkslipInputError::NotYetIntroduced {
                    phase: 1,
                    sl_no: "S1".into(),
                    description: "Extra S1".into(),
                    introduced_in_phase: 2,
                },
                WorkslipInputError::DuplicateQuantity {
                    phase: 2,
                    sl_no: "1".into(),
                    description: "Item 1".into()
                },
            ]
        );
        assert!(err
            .to_string()
            .contains("work slip 1, item 2 (Item 2): quantity -4 is negative"));
    }

    #[test]
    fn a_supplemental_item_may_not_take_an_estimate_items_serial() {
        // Bills after the work slip would hold two items numbered 2, and none could be made.
        let err = workslip(&WorkslipInput {
            supplemental_items: vec![supplemental(" 2 ", dec!(300), 1)],
            executed: vec![quantities(&[("1", dec!(120))], &[("2", dec!(10))])],
            ..base_input()
        })
        .unwrap_err();
        assert!(
            err.problems
                .contains(&WorkslipInputError::SupplementalSerialTaken {
                    sl_no: "2".into(),
                    origin: None
                }),
            "{:?}",
            err.problems
        );
        assert!(err.to_string().contains("number supplemental items apart"));
    }

    #[test]
    fn a_phase_repeats_the_one_before_only_when_no_line_moves_and_no_item_is_new() {
        let first = base_input();
        let second = |phase_2: PhaseQuantities, supplemental_items: Vec<SupplementalItem>| {
            workslip(&WorkslipInput {
                phase: 2,
                supplemental_items,
                executed: vec![first.executed[0].clone(), phase_2],
                ..base_input()
            })
            .unwrap()
        };
        let s1 = || vec![supplemental("S1", dec!(300), 1)];
        // Nothing given, or the same figures given again: each line keeps its quantity.
        assert!(second(quantities(&[], &[]), s1()).repeats_the_phase_before());
        assert!(
            second(quantities(&[("1", dec!(120))], &[("S1", dec!(10))]), s1())
                .repeats_the_phase_before()
        );
        // A moved estimate item, a moved supplemental item, or a new one.
        assert!(!second(quantities(&[("2", dec!(41))], &[]), s1()).repeats_the_phase_before());
        assert!(!second(quantities(&[], &[("S1", dec!(11))]), s1()).repeats_the_phase_before());
        let mut with_s2 = s1();
        with_s2.push(supplemental("S2", dec!(50), 2));
        assert!(!second(quantities(&[], &[("S2", dec!(0))]), with_s2).repeats_the_phase_before());
        // A first work slip at the estimate's quantities is what a first slip may be.
        let at_estimate = workslip(&WorkslipInput {
            executed: vec![quantities(&[], &[])],
            supplemental_items: Vec::new(),
            ..base_input()
        })
        .unwrap();
        assert!(!at_estimate.repeats_the_phase_before());
    }

    #[test]
    fn terms_are_the_same_until_the_premium_total_shape_or_rates_change() {
        let base = base_input();
        assert!(base.same_terms_as(&base_input()));
        let changed = [
            WorkslipInput {
                tender_premium: None,
                earlier_premiums: Vec::new(),
                ..base_input()
            },
            WorkslipInput {
                sanctioned_grand_total: base.sanctioned_grand_total + dec!(1),
                ..base_input()
            },
            WorkslipInput {
                is_amc: !base.is_amc,
                ..base_input()
            },
            WorkslipInput {
                deduct_old_material: Some(dec!(1)),
                ..base_input()
            },
            WorkslipInput {
                rate_overrides: vec![RateOverride::new("1", dec!(510))],
                ..base_input()
            },
        ];
        for other in changed {
            assert!(!base.same_terms_as(&other), "{other:?}");
        }
    }

    #[test]
    fn quantities_must_cover_every_phase() {
        let err = workslip(&WorkslipInput {
            phase: 3,
            ..base_input()
        })
        .unwrap_err();
        assert_eq!(
            err.problems,
            [WorkslipInputError::PhaseCountMismatch { phase: 3, given: 1 }]
        );
    }

    // --- properties -------------------------------------------------------------------------

    fn decimal(max_mantissa: i64, scale: u32) -> impl Strategy<Value = Decimal> {
        (0..=max_mantissa).prop_map(move |m| Decimal::new(m, scale))
    }

    fn any_input() -> impl Strategy<Value = WorkslipInput> {
        (1u32..=4)
            .prop_flat_map(|phase| {
                let items =
                    proptest::collection::vec((decimal(50_000, 2), decimal(5_000_000, 2)), 1..8);
                let extras = proptest::collection::vec((decimal(1_000_000, 2), 1..=phase), 0..3);
                let executed = proptest::collection::vec(
                    (
                        proptest::collection::vec(proptest::option::of(decimal(80_000, 2)), 8),
                        proptest::collection::vec(proptest::option::of(decimal(10_000, 2)), 3),
                    ),
                    phase as usize,
                );
                let premium = proptest::option::of((0i64..=3_000, any::<bool>()));
                let overrides =
                    proptest::collection::vec(proptest::option::of(decimal(5_000_000, 2)), 8);
                (
                    Just(phase),
                    items,
                    extras,
                    executed,
                    overrides,
                    premium,
                    proptest::option::of(decimal(1_000_000, 2)),
                    any::<bool>(),
                    decimal(10i64.pow(12), 2),
                )
            })
            .prop_map(
                |(phase, items, extras, executed, overrides, premium, deduct, is_amc, grand)| {
                    let items: Vec<EstimateItem> = items
                        .iter()
                        .enumerate()
                        .map(|(i, &(q, r))| item(&(i + 1).to_string(), q, r))
                        .collect();
                    let supplemental_items: Vec<SupplementalItem> = extras
                        .iter()
                        .enumerate()
                        .map(|(i, &(rate, introduced))| {
                            supplemental(&format!("S{}", i + 1), rate, introduced)
                        })
                        .collect();
                    let executed = executed
                        .into_iter()
                        .enumerate()
                        .map(|(k, (estimate_q, extra_q))| PhaseQuantities {
                            estimate_items: items
                                .iter()
                                .zip(estimate_q)
                                .filter_map(|(item, q)| {
                                    q.map(|q| ItemQuantity::new(item.sl_no.clone(), q))
                                })
                                .collect(),
                            supplemental_items: supplemental_items
                                .iter()
                                .zip(extra_q)
                                .filter(|(extra, _)| extra.introduced_in_phase as usize <= k + 1)
                                .filter_map(|(extra, q)| {
                                    q.map(|q| ItemQuantity::new(extra.sl_no.clone(), q))
                                })
                                .collect(),
                            rate_overrides: Vec::new(),
                        })
                        .collect();
                    WorkslipInput {
                        phase,
                        rate_overrides: items
                            .iter()
                            .zip(overrides)
                            .filter_map(|(item, rate)| {
                                rate.map(|rate| RateOverride::new(item.sl_no.clone(), rate))
                            })
                            .collect(),
                        items,
                        supplemental_items,
                        executed,
                        deduct_old_material: deduct,
                        tender_premium: premium.map(|(bp, excess)| {
                            let kind = if excess { TpType::Excess } else { TpType::Less };
                            TenderPremium::new(Decimal::new(bp, 2), kind).unwrap()
                        }),
                        earlier_premiums: Vec::new(),
                        is_amc,
                        sanctioned_grand_total: grand,
                    }
                },
            )
    }

    fn value(slip: &Workslip, role: FooterRole, column: Option<usize>) -> Decimal {
        slip.footer_line(role)
            .map(|line| match column {
                None => line.estimate.unwrap_or_default(),
                Some(k) => line.phases[k],
            })
            .unwrap_or_default()
    }

    proptest! {
        #[test]
        fn grand_total_row_is_the_sanctioned_total_in_every_column(input in any_input()) {
            let slip = workslip(&input).unwrap();
            let sanctioned = half_up_reference(input.sanctioned_grand_total);
            let grand = slip.footer.last().unwrap();
            prop_assert_eq!(grand.role, FooterRole::GrandTotal);
            prop_assert_eq!(grand.estimate, Some(sanctioned));
            prop_assert_eq!(grand.phases.len(), input.phase as usize);
            for figure in &grand.phases {
                prop_assert_eq!(*figure, sanctioned);
            }
            // And the column really balances to it.
            let columns = std::iter::once(None).chain((0..input.phase as usize).map(Some));
            for column in columns {
                let balance = value(&slip, FooterRole::SubTotal2, column)
                    + value(&slip, FooterRole::Gst, column)
                    + value(&slip, FooterRole::UnusedTenderPremium, column)
                    + value(&slip, FooterRole::LsProvision, column);
                prop_assert_eq!(balance, sanctioned);
            }
        }

        #[test]
        fn footer_totals_are_the_sum_of_rows_and_lines(input in any_input()) {
            let slip = workslip(&input).unwrap();
            let lines: Vec<&WorkslipLine> = slip.lines().collect();
            let estimate_sum: Decimal = lines.iter().filter_map(|l| l.estimate_amount).sum();
            prop_assert_eq!(value(&slip, FooterRole::SubTotalAmount, None), estimate_sum);
            for k in 0..input.phase as usize {
                let phase_sum: Decimal = lines.iter().filter_map(|l| l.phases[k]).map(|c| c.amount).sum();
                prop_assert_eq!(value(&slip, FooterRole::SubTotalAmount, Some(k)), phase_sum);
            }
            let sub = slip.footer_line(FooterRole::SubTotalAmount).unwrap();
            let more: Decimal = lines.iter().map(|l| l.more).sum();
            let less: Decimal = lines.iter().map(|l| l.less).sum();
            prop_assert_eq!((sub.more, sub.less), (Some(more), Some(less)));
            let current = input.phase as usize - 1;
            prop_assert_eq!(more - less, sub.phases[current] - estimate_sum);

            let ecv = value(&slip, FooterRole::SubTotal1, None);
            for column in std::iter::once(None).chain((0..input.phase as usize).map(Some)) {
                let v = |role| value(&slip, role, column);
                let base = v(FooterRole::SubTotalAmount) + v(FooterRole::DeductOldMaterial);
                if let (Some(tp), Some(_)) = (input.tender_premium, column) {
                    let premium = half_up_reference(base * tp.percent() / dec!(100));
                    let signed = if tp.kind() == TpType::Less { -premium } else { premium };
                    prop_assert_eq!(v(FooterRole::TenderPremium), signed);
                    prop_assert_eq!(v(FooterRole::UnusedTenderPremium), half_up_reference(ecv * tp.percent() / dec!(100)));
                }
                let sub1 = v(FooterRole::SubTotal1);
                prop_assert_eq!(sub1, base + v(FooterRole::TenderPremium));
                prop_assert_eq!(v(FooterRole::LabourCess), half_up_reference(sub1 / dec!(100)));
                prop_assert_eq!(v(FooterRole::Nac), half_up_reference(sub1 / dec!(1000)));
                prop_assert_eq!(
                    v(FooterRole::QualityControl),
                    if input.is_amc { Decimal::ZERO } else { half_up_reference(sub1 / dec!(100)) }
                );
                let sub2 = v(FooterRole::SubTotal2);
                prop_assert_eq!(sub2, sub1 + v(FooterRole::LabourCess) + v(FooterRole::QualityControl) + v(FooterRole::Nac));
                prop_assert_eq!(v(FooterRole::Gst), half_up_reference(sub2 * dec!(0.18)));
            }
            for line in &slip.footer {
                for figure in line.estimate.iter().chain(&line.phases).chain(&line.more).chain(&line.less) {
                    prop_assert!(figure.scale() == 2, "{} has {}", line.label, figure);
                    prop_assert!(!figure.is_zero() || figure.is_sign_positive(), "{} has -0", line.label);
                }
            }
            for line in &lines {
                let cells = line.phases.iter().flatten().map(|c| c.amount);
                for figure in cells.chain([line.more, line.less]).chain(line.estimate_amount) {
                    prop_assert!(figure.scale() == 2 && (!figure.is_zero() || figure.is_sign_positive()));
                }
            }
        }

        #[test]
        fn every_printed_row_is_quantity_times_rate_in_every_phase(input in any_input()) {
            let slip = workslip(&input).unwrap();
            let lines: Vec<&WorkslipLine> = slip.lines().collect();
            for line in &lines {
                // Each phase at its own rate: the estimate's before this slip (the generated
                // inputs give earlier phases no override), the rate in force now in this one.
                prop_assert_eq!(line.phase_rates.len(), line.phases.len());
                let estimate_rate = match line.kind {
                    // An AE row shows the rate in force; its item's earlier phases were at the
                    // item's estimate rate.
                    RowKind::Excess => {
                        prop_assert_eq!(line.estimate_rate, line.rate);
                        line.phase_rates[0]
                    }
                    _ => line.estimate_rate,
                };
                for (k, cell) in line.phases.iter().enumerate() {
                    let rate = if k + 1 == line.phases.len() { line.rate } else { estimate_rate };
                    prop_assert_eq!(line.phase_rates[k], rate);
                    if let Some(cell) = cell {
                        prop_assert_eq!(cell.amount, half_up_reference(cell.quantity * rate));
                    }
                }
            }
            for line in lines.iter().filter(|line| line.kind == RowKind::Item) {
                let estimate_quantity = line.estimate_quantity.unwrap();
                let item = input.items.iter().find(|item| item.sl_no == line.serial).unwrap();
                // The sanctioned column at the estimate's own rate, whatever the overrides.
                prop_assert_eq!(line.estimate_rate, item.rate);
                prop_assert_eq!(line.estimate_amount, Some(half_up_reference(estimate_quantity * item.rate)));
                for k in 0..input.phase as usize {
                    prop_assert!(line.phases[k].unwrap().quantity <= estimate_quantity);
                }
            }
        }
    }
}
