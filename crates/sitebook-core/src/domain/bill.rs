//! Bills (DOMAIN.md §2): the bill chain, excess-over-estimate (AE) rows, and the math of the
//! first (8-column) and Nth (11-column) bills. The tender premium they apply lives in
//! [`super::tender`], and the quantities they are given, with their checks, in
//! [`super::quantities`]; both are re-exported here.
//!
//! A bill is evidence, so the output of [`first_bill`] and [`nth_bill`] is a complete, plain
//! description of the document: every row, every total, the labels, the title and the amount in
//! words. Renderers (PDF, XLSX, the UI preview) draw it and do no arithmetic, so they cannot
//! disagree with each other or with this module.
//!
//! Rules followed, and decisions where DOMAIN.md is silent:
//! - Row amounts are `ROUND2(qty × rate)`; sub totals are sums of rounded rows; the T.P line is
//!   `ROUND2(Sub × p/100)`, printed positive with `Add … Excess` / `Deduct … Less`.
//! - Quantities are matched to estimate items by serial (`sl_no`, trimmed). An estimate with a
//!   repeated serial cannot be billed by serial, so that is an error rather than a guess.
//! - An item missing from the quantities means "no work since the previous bill": zero on a
//!   first bill, the previous till-date quantity on an Nth bill. Every estimate item gets a
//!   row, in estimate order, so serials line up with the estimate and the measurement book.
//! - "Previous" is the immediately previous bill's till-date figures *as that bill printed
//!   them* ([`PrintedTillDate`]): its rows, item by item and AE row by AE row, and its Sub Total,
//!   T.P and Total. They are copied, not recomputed: a work slip that moves an item's cap, or a
//!   tender premium edited between two bills, would otherwise change what the earlier bill is
//!   shown to have paid, and the amount payable now would no longer be this bill's Total less
//!   the previous one's. Bills stored before the figures were carried recompute them from the
//!   previous quantity, as they always did.
//! - On an Nth bill the since-last column is `F − H` on every line, the T.P and Total lines
//!   included (rather than a premium recomputed on the since-last sub total). Payments over the
//!   whole chain then add up to the final till-date total to the paisa, with no rounding drift.
//! - AE rows: a quantity above the estimate quantity is split into a row capped at the
//!   estimate quantity and an `AE<n>` row for the excess ([`split_at_estimate`]). Each printed
//!   row is `ROUND2(its qty × rate)` (DOMAIN.md ruling: an auditor re-multiplies every row), so
//!   the two rows can add up to 0.01 more or less than the unsplit row would; totals are the
//!   sums of the printed rows. On an Nth bill the previous quantity is split at the same cap.
//! - Input problems are collected, not stopped at the first, so a user fixing a 500-row
//!   quantities file sees every mistake at once.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::estimate::EstimateItem;
use super::money::{amount, round2, within_limit, LabelledAmount};
use super::quantities::{check_items, place_previous, place_quantities};
pub use super::quantities::{BillInputError, BillInputErrors, ItemQuantity, MAX_LISTED_PROBLEMS};
pub use super::tender::{TenderPremium, TenderPremiumError, TpType};
use super::titles::bill_title;
use super::words::amount_in_words;

// ---------------------------------------------------------------------------------------------
// The bill chain
// ---------------------------------------------------------------------------------------------

/// The kind of bill a user asks for (the CLI's `first-part|first-final|nth-part|nth-final`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BillKind {
    /// Bill 1, a running-account (part) payment.
    FirstPart,
    /// Bill 1, which is also the last.
    FirstFinal,
    /// Bill 2 or later, a part payment.
    NthPart,
    /// Bill 2 or later, closing the chain.
    NthFinal,
}

impl BillKind {
    /// Whether this is bill 1 (8 columns) rather than an Nth bill (11 columns).
    pub fn is_first(self) -> bool {
        matches!(self, Self::FirstPart | Self::FirstFinal)
    }

    /// Whether this bill closes the chain.
    pub fn is_final(self) -> bool {
        matches!(self, Self::FirstFinal | Self::NthFinal)
    }
}

/// Why a bill cannot be added to an estimate's chain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainError {
    /// Bill `number` is final; nothing may follow it.
    #[error(
        "bill {final_number} is a final bill, so no further bill can be made for this estimate"
    )]
    ClosedByFinal {
        /// The final bill's number.
        final_number: u32,
    },
    /// A first bill was asked for, but bills already exist.
    #[error(
        "a first bill already exists ({} so far); make an Nth bill instead",
        if *existing == 1 { "1 bill".to_owned() } else { format!("{existing} bills") }
    )]
    FirstBillExists {
        /// How many bills exist.
        existing: u32,
    },
    /// An Nth bill was asked for, but there is no bill yet (bill 2 before bill 1).
    #[error("there is no bill 1 yet; make a first bill before an Nth bill")]
    NoPreviousBill,
    /// A specific number was asked for that is not the next one (bill N+1 before bill N).
    #[error(
        "bill {requested} cannot be made yet: the next bill for this estimate is bill {expected}"
    )]
    OutOfSequence {
        /// The number asked for.
        requested: u32,
        /// The only number that may come next.
        expected: u32,
    },
    /// The stored chain skips a number.
    #[error("the stored bills skip bill {missing}; the chain is inconsistent")]
    MissingBill {
        /// The first missing number.
        missing: u32,
    },
    /// The stored chain has a number twice.
    #[error("bill {number} is stored twice; the chain is inconsistent")]
    DuplicateBill {
        /// The repeated number.
        number: u32,
    },
}

/// Checks that a bill of `requested` kind may follow the `existing` bills of one estimate
/// (each `(number, is_final)`, in any order) and returns its number.
///
/// Refuses any bill after a final bill, a first bill when bills exist, an Nth bill when none
/// does, and a stored chain that is not exactly `1..=n`.
pub fn check_next_bill(existing: &[(u32, bool)], requested: BillKind) -> Result<u32, ChainError> {
    let mut numbers: Vec<u32> = existing.iter().map(|&(number, _)| number).collect();
    numbers.sort_unstable();
    for pair in numbers.windows(2) {
        if pair[0] == pair[1] {
            return Err(ChainError::DuplicateBill { number: pair[0] });
        }
    }
    for (expected, &number) in (1u32..).zip(&numbers) {
        if number != expected {
            return Err(ChainError::MissingBill { missing: expected });
        }
    }
    if let Some(&(final_number, _)) = existing.iter().find(|&&(_, is_final)| is_final) {
        return Err(ChainError::ClosedByFinal { final_number });
    }
    // The numbers are exactly 1..=n by now, so the highest is the count.
    let count = numbers.last().copied().unwrap_or(0);
    match (requested.is_first(), count) {
        (true, 0) => Ok(1),
        (true, existing) => Err(ChainError::FirstBillExists { existing }),
        (false, 0) => Err(ChainError::NoPreviousBill),
        (false, existing) => Ok(existing + 1),
    }
}

/// Like [`check_next_bill`], for a caller that names the number it wants: refuses bill N+1
/// while bill N does not exist.
pub fn check_requested_bill(
    existing: &[(u32, bool)],
    number: u32,
    requested: BillKind,
) -> Result<(), ChainError> {
    let expected = check_next_bill(existing, requested)?;
    if number == expected {
        Ok(())
    } else {
        Err(ChainError::OutOfSequence {
            requested: number,
            expected,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Excess over estimate (AE rows)
// ---------------------------------------------------------------------------------------------

/// A quantity split at the estimate quantity, with amounts that add up exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AeSplit {
    /// The quantity up to the estimate quantity (the item row).
    pub within_quantity: Decimal,
    /// `ROUND2(within_quantity × rate)`.
    pub within_amount: Decimal,
    /// The quantity above the estimate quantity (the `AE<n>` row), zero when none.
    pub excess_quantity: Decimal,
    /// `ROUND2(excess_quantity × rate)`: the AE row re-multiplies like every printed row.
    pub excess_amount: Decimal,
}

impl AeSplit {
    /// Whether an `AE<n>` row is needed.
    pub fn has_excess(&self) -> bool {
        self.excess_quantity > Decimal::ZERO
    }

    /// The item row's quantity and amount.
    pub fn within(&self) -> QuantityAmount {
        QuantityAmount {
            quantity: self.within_quantity,
            amount: self.within_amount,
        }
    }

    /// The AE row's quantity and amount.
    pub fn excess(&self) -> QuantityAmount {
        QuantityAmount {
            quantity: self.excess_quantity,
            amount: self.excess_amount,
        }
    }
}

/// A bill column's T.P line (printed positive) and Total, from its Sub Total.
fn premium_and_total(
    sub_total: Decimal,
    tender_premium: Option<TenderPremium>,
) -> (Option<LabelledAmount>, Decimal) {
    match tender_premium {
        Some(tp) => {
            let premium = tp.amount_on(sub_total);
            (
                Some(LabelledAmount::new(tp.bill_label(), premium)),
                sub_total + tp.signed(premium),
            )
        }
        None => (None, sub_total),
    }
}

/// Splits `quantity` at `estimate_quantity` (a negative estimate quantity caps at zero).
///
/// Used by bills and work slips alike. Each half is `ROUND2(its quantity × rate)`, so the two
/// can differ from `ROUND2(quantity × rate)` by 0.01 when both halves round the same way.
pub fn split_at_estimate(quantity: Decimal, estimate_quantity: Decimal, rate: Decimal) -> AeSplit {
    let cap = estimate_quantity.max(Decimal::ZERO);
    let within_quantity = quantity.min(cap);
    let excess_quantity = quantity - within_quantity;
    let within_amount = amount(within_quantity, rate);
    AeSplit {
        within_quantity,
        within_amount,
        excess_quantity,
        excess_amount: amount(excess_quantity, rate),
    }
}

/// Hands out `AE1`, `AE2`, … in document order; one per document.
#[derive(Debug, Clone, Default)]
pub struct AeNumbering {
    issued: u32,
}

impl AeNumbering {
    /// A fresh numbering starting at `AE1`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next label.
    pub fn next_label(&mut self) -> String {
        self.issued += 1;
        format!("AE{}", self.issued)
    }
}

// ---------------------------------------------------------------------------------------------
// Rows shared by both bill shapes
// ---------------------------------------------------------------------------------------------

/// What a document row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// An estimate item (capped at the estimate quantity when an AE row follows).
    Item,
    /// The excess of the item above it over the estimate quantity (`AE<n>`, no serial).
    Excess,
    /// A work-slip item that is not in the estimate.
    Supplemental,
}

// ---------------------------------------------------------------------------------------------
// First bill (8 columns)
// ---------------------------------------------------------------------------------------------

/// Everything a first bill depends on; serializable so its hash can be recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstBillInput {
    /// The estimate's items, in estimate order.
    pub items: Vec<EstimateItem>,
    /// Till-date quantities by serial; items not listed are billed at zero.
    pub quantities: Vec<ItemQuantity>,
    /// The accepted tender premium, if any.
    pub tender_premium: Option<TenderPremium>,
    /// Whether this first bill is also the final bill.
    pub is_final: bool,
}

/// One row of a first bill: `S.No | Quantity | Unit | Item | Rate | Per | Unit | Amount`.
/// The Per column always reads 1 (rates are per one unit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstBillRow {
    /// Item or AE row.
    pub kind: RowKind,
    /// The serial; empty on AE rows.
    pub serial: String,
    /// The item description, or `AE<n>` on AE rows.
    pub description: String,
    /// Quantity billed on this row.
    pub quantity: Decimal,
    /// Plural unit, printed after the quantity.
    pub unit: String,
    /// Rate per one `per_unit`.
    pub rate: Decimal,
    /// Singular unit, printed after "1" in the Per column.
    pub per_unit: String,
    /// `ROUND2(quantity × rate)` (see [`split_at_estimate`] for AE rows).
    pub amount: Decimal,
}

/// A computed first bill, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstBill {
    /// `CC First & Part Bill` or `CC First & Final Bill`.
    pub title: String,
    /// Always 1.
    pub number: u32,
    /// Whether this bill closes the chain.
    pub is_final: bool,
    /// Item and AE rows in estimate order.
    pub rows: Vec<FirstBillRow>,
    /// `Sub Total Amount`: sum of the row amounts.
    pub sub_total: Decimal,
    /// The T.P line, printed positive, when there is a premium.
    pub tender_premium: Option<LabelledAmount>,
    /// `Total` = Sub ± TP: the amount payable.
    pub total: Decimal,
    /// The totals block in print order: Sub Total Amount, T.P, Total.
    pub totals: Vec<LabelledAmount>,
    /// The Total in words.
    pub amount_in_words: String,
}

/// Computes a first bill (DOMAIN.md §2, 8 columns).
pub fn first_bill(input: &FirstBillInput) -> Result<FirstBill, BillInputErrors> {
    let mut problems = Vec::new();
    let index = check_items(&input.items, &mut problems);
    let quantities = place_quantities(&input.items, &index, &input.quantities, &mut problems);
    if !problems.is_empty() {
        return Err(BillInputErrors { problems });
    }

    let mut numbering = AeNumbering::new();
    let mut rows = Vec::with_capacity(input.items.len());
    for (item, quantity) in input.items.iter().zip(quantities) {
        let split = split_at_estimate(quantity.unwrap_or_default(), item.quantity, item.rate);
        let row = |kind, serial: &str, description: String, quantity, amount| FirstBillRow {
            kind,
            serial: serial.to_owned(),
            description,
            quantity,
            unit: item.unit.clone(),
            rate: item.rate,
            per_unit: item.per_unit.clone(),
            amount,
        };
        rows.push(row(
            RowKind::Item,
            &item.sl_no,
            item.description.clone(),
            split.within_quantity,
            split.within_amount,
        ));
        if split.has_excess() {
            rows.push(row(
                RowKind::Excess,
                "",
                numbering.next_label(),
                split.excess_quantity,
                split.excess_amount,
            ));
        }
    }

    refuse_rows_beyond_limit(
        &input.items,
        rows.iter().map(|row| (row.serial.as_str(), row.amount)),
    )?;
    let sub_total = round2(rows.iter().map(|row| row.amount).sum());
    let mut totals = vec![LabelledAmount::new("Sub Total Amount", sub_total)];
    let (tender_premium, total) = premium_and_total(sub_total, input.tender_premium);
    refuse_totals_beyond_limit([("Sub Total Amount", sub_total), ("Total", total)])?;
    totals.extend(tender_premium.clone());
    totals.push(LabelledAmount::new("Total", total));

    Ok(FirstBill {
        title: bill_title(1, input.is_final),
        number: 1,
        is_final: input.is_final,
        rows,
        sub_total,
        tender_premium,
        total,
        totals,
        amount_in_words: amount_in_words(total),
    })
}

/// Refuses a bill whose rows pass [`MAX_FIGURE`](super::money::MAX_FIGURE). Each quantity and
/// rate is within it, but their products need not be: such a bill would print figures of
/// twenty digits and more, which a spreadsheet cell cannot hold exactly, so its workbook would
/// disagree with itself. Checked before the rows are summed, which keeps the sums far inside
/// `Decimal`'s range. `rows` are (serial, amount); an AE row's serial is empty, and it is
/// named by the item it follows.
fn refuse_rows_beyond_limit<'r>(
    items: &[EstimateItem],
    rows: impl Iterator<Item = (&'r str, Decimal)>,
) -> Result<(), BillInputErrors> {
    let mut problems = Vec::new();
    let mut item_serial = "";
    for (serial, amount) in rows {
        if !serial.is_empty() {
            item_serial = serial;
        }
        if !within_limit(amount) {
            let description = items
                .iter()
                .find(|item| item.sl_no == item_serial)
                .map(|item| item.description.clone())
                .unwrap_or_default();
            problems.push(BillInputError::AmountTooLarge {
                sl_no: item_serial.to_owned(),
                description,
                amount,
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BillInputErrors { problems })
    }
}

/// Refuses a bill whose totals pass [`MAX_FIGURE`](super::money::MAX_FIGURE), though each of
/// its rows is within it; the first such total is named.
fn refuse_totals_beyond_limit(totals: [(&str, Decimal); 2]) -> Result<(), BillInputErrors> {
    match totals
        .into_iter()
        .find(|(_, amount)| !within_limit(*amount))
    {
        Some((label, amount)) => Err(BillInputErrors {
            problems: vec![BillInputError::TotalTooLarge {
                label: label.to_owned(),
                amount,
            }],
        }),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Nth bill (11 columns)
// ---------------------------------------------------------------------------------------------

/// Everything an Nth bill depends on; serializable so its hash can be recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NthBillInput {
    /// The bill number, 2 or more (see [`check_next_bill`]).
    pub number: u32,
    /// Whether this bill closes the chain.
    pub is_final: bool,
    /// The estimate's items, in estimate order.
    pub items: Vec<EstimateItem>,
    /// Till-date quantities by serial; items not listed keep the previous bill's quantity.
    pub till_date: Vec<ItemQuantity>,
    /// The immediately previous bill's till-date quantities (not a sum of earlier bills).
    pub previous_till_date: Vec<ItemQuantity>,
    /// The accepted tender premium, if any.
    pub tender_premium: Option<TenderPremium>,
    /// What the previous bill printed in its till-date columns, deducted here as it stands.
    /// `None` in bills stored before it was carried: they recompute the previous figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_printed: Option<PrintedTillDate>,
}

/// One item's till-date figures as a bill printed them: its row up to the estimate quantity
/// and its AE row (zero when it had none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedItem {
    /// The item's serial.
    pub sl_no: String,
    /// The item's row.
    pub within: QuantityAmount,
    /// Its AE row.
    pub excess: QuantityAmount,
    /// The rate both rows were printed at, kept only where it is not the rate of the bill
    /// that deducts them (a work slip changed it between the two): that bill's previous
    /// column is then at this rate. `None` also in bills stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Decimal>,
}

/// A bill's till-date figures as printed: what the next bill deducts as "previous".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedTillDate {
    /// Every item row with its AE row, in print order.
    pub items: Vec<PrintedItem>,
    /// The Sub Total Amount.
    pub sub_total: Decimal,
    /// The T.P line (printed positive), when the bill had one.
    pub tender_premium: Option<LabelledAmount>,
    /// The Total.
    pub total: Decimal,
}

impl PrintedTillDate {
    /// Gathers printed rows (kind, serial, quantity, amount) into items: an AE row belongs to
    /// the item row above it.
    fn from_rows(
        rows: impl Iterator<Item = (RowKind, String, QuantityAmount, Decimal)>,
        sub_total: Decimal,
        tender_premium: Option<LabelledAmount>,
        total: Decimal,
    ) -> Self {
        let mut items: Vec<PrintedItem> = Vec::new();
        for (kind, serial, figures, rate) in rows {
            match (kind, items.last_mut()) {
                (RowKind::Excess, Some(item)) => item.excess = figures,
                _ => items.push(PrintedItem {
                    sl_no: serial,
                    within: figures,
                    excess: QuantityAmount::ZERO,
                    rate: Some(rate),
                }),
            }
        }
        Self {
            items,
            sub_total,
            tender_premium,
            total,
        }
    }
}

impl PrintedTillDate {
    /// These figures as the bill after them deducts them, at `items`' rates: an item's rate
    /// is kept only where it differs from the one it has now, so that a chain whose rates never
    /// changed records the same input as before rates were kept.
    pub fn deducted_at(mut self, items: &[EstimateItem]) -> Self {
        for printed in &mut self.items {
            let now = items
                .iter()
                .find(|item| item.sl_no.trim() == printed.sl_no.trim())
                .map(|item| item.rate);
            if printed.rate == now {
                printed.rate = None;
            }
        }
        self
    }
}

impl FirstBill {
    /// This bill's figures as the next bill deducts them.
    pub fn printed_till_date(&self) -> PrintedTillDate {
        PrintedTillDate::from_rows(
            self.rows.iter().map(|row| {
                let figures = QuantityAmount {
                    quantity: row.quantity,
                    amount: row.amount,
                };
                (row.kind, row.serial.clone(), figures, row.rate)
            }),
            self.sub_total,
            self.tender_premium.clone(),
            self.total,
        )
    }
}

impl NthBill {
    /// This bill's till-date column as the next bill deducts it.
    pub fn printed_till_date(&self) -> PrintedTillDate {
        PrintedTillDate::from_rows(
            self.rows
                .iter()
                .map(|row| (row.kind, row.serial.clone(), row.till_date, row.rate)),
            self.sub_total.till_date,
            own_premium(
                self.tender_premium
                    .as_ref()
                    .map(|line| LabelledAmount {
                        label: line.label.clone(),
                        amount: line.figures.till_date,
                    })
                    .as_ref(),
            ),
            self.total.till_date,
        )
    }
}

/// A quantity and its amount: one pair of columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantityAmount {
    /// The quantity.
    pub quantity: Decimal,
    /// Its amount, rounded.
    pub amount: Decimal,
}

impl QuantityAmount {
    /// Nothing: a row an earlier bill did not print.
    pub const ZERO: Self = Self {
        quantity: Decimal::ZERO,
        amount: Decimal::ZERO,
    };
}

/// One figure in each of the Nth bill's three amount columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NthBillFigures {
    /// Total value till date (column F).
    pub till_date: Decimal,
    /// Deduct previous measurements (column H).
    pub previous: Decimal,
    /// Since last measurements (column J) = F − H.
    pub since_last: Decimal,
}

/// One row of an Nth bill: `S.No | Item | Quantity Till Date | Unit | Rate per Unit | Total
/// Value till date | Previous (Qty, Amount) | Since Last (Qty, Amount) | Remarks`. The Remarks
/// column is left for the engineer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NthBillRow {
    /// Item or AE row.
    pub kind: RowKind,
    /// The serial; empty on AE rows.
    pub serial: String,
    /// The item description, or `AE<n>` on AE rows.
    pub description: String,
    /// Plural unit.
    pub unit: String,
    /// Rate per unit (column E).
    pub rate: Decimal,
    /// Till-date quantity C and value F = ROUND2(C × E).
    pub till_date: QuantityAmount,
    /// Previous bill's quantity G and amount H.
    pub previous: QuantityAmount,
    /// The rate H was printed at by the previous bill, when a work slip has changed the
    /// item's rate since: H is then that bill's quantity at that rate, not at `rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_rate: Option<Decimal>,
    /// Since-last quantity I = C − G and amount J = F − H.
    pub since_last: QuantityAmount,
}

impl NthBillRow {
    /// The Remarks cell: the rate the previous bill printed the row at, when H is at another
    /// rate than E, so that an auditor re-multiplies G by the rate named; empty otherwise,
    /// for the engineer.
    pub fn remarks(&self) -> String {
        self.previous_rate
            .map(|rate| format!("Previous at {}", super::money::format_indian(rate)))
            .unwrap_or_default()
    }
}

/// A totals line of an Nth bill with a figure in each amount column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NthBillTotalLine {
    /// `Sub Total Amount`, the T.P label, or `Total`.
    pub label: String,
    /// The figures in F, H and J.
    pub figures: NthBillFigures,
}

// Its fields follow `FirstBill`'s in name and order, so the two read alike; the figures are
// the Nth bill's own (previous, since-last and till-date columns).
/// A computed Nth bill, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NthBill {
    /// `CC Second & Part Bill`, `CC 11th & Final Bill`, …
    pub title: String,
    /// The bill number.
    pub number: u32,
    /// Whether this bill closes the chain.
    pub is_final: bool,
    /// Item and AE rows in estimate order.
    pub rows: Vec<NthBillRow>,
    /// Sums of the rows in F, H and J.
    pub sub_total: NthBillFigures,
    /// The T.P line (printed positive) when there is a premium.
    pub tender_premium: Option<NthBillTotalLine>,
    /// Sub ± TP in each column.
    pub total: NthBillFigures,
    /// The totals block in print order: Sub Total Amount, T.P, Total.
    pub totals: Vec<NthBillTotalLine>,
    /// The amount payable now: J on the Total line.
    pub amount_payable: Decimal,
    /// The amount payable in words.
    pub amount_in_words: String,
}

/// What an Nth bill's T.P label appends to the premium's own label, naming the previous bill's.
const PREVIOUS_AT: &str = " (previous at ";
const NONE_PREVIOUSLY: &str = " (none previously)";
const NONE_NOW: &str = " (previously; none now)";

/// The premium's own label of a printed T.P line, without what it said of the bill before it;
/// `None` when the line only said that there was a premium before and none now. A bill whose
/// premium changed prints both rates; the next bill compares with this bill's own, so that an
/// unchanged premium is not said to have changed, nor each note nested in the next.
fn own_premium_label(label: &str) -> Option<&str> {
    if label.ends_with(NONE_NOW) {
        return None;
    }
    let own = label.split(PREVIOUS_AT).next().unwrap_or(label);
    Some(own.strip_suffix(NONE_PREVIOUSLY).unwrap_or(own))
}

/// A printed T.P line as the premium's own: its label without the notes on the bill before,
/// and none when the line only noted a premium before and none now.
fn own_premium(line: Option<&LabelledAmount>) -> Option<LabelledAmount> {
    let line = line?;
    Some(LabelledAmount {
        label: own_premium_label(&line.label)?.to_owned(),
        amount: line.amount,
    })
}

/// The rate a T.P label names (`5 % Excess` of `Add T.P @ 5 % Excess`), or the label whole.
fn rate_in_label(label: &str) -> &str {
    label
        .split_once(" @ ")
        .map_or(label, |(_, rate)| rate.trim())
}

/// Computes an Nth bill (DOMAIN.md §2, 11 columns).
pub fn nth_bill(input: &NthBillInput) -> Result<NthBill, BillInputErrors> {
    let mut problems = Vec::new();
    if input.number < 2 {
        problems.push(BillInputError::NotAnNthBill {
            number: input.number,
        });
    }
    let index = check_items(&input.items, &mut problems);
    let till_date = place_quantities(&input.items, &index, &input.till_date, &mut problems);
    let previous = place_previous(
        &input.items,
        &index,
        &input.previous_till_date,
        &mut problems,
    );

    // Nothing since the last bill unless told otherwise.
    let till_date: Vec<Decimal> = till_date
        .iter()
        .zip(&previous)
        .map(|(entered, &previous)| entered.unwrap_or(previous))
        .collect();
    for ((item, &till), &prev) in input.items.iter().zip(&till_date).zip(&previous) {
        if till >= Decimal::ZERO && till < prev {
            problems.push(BillInputError::TillDateBelowPrevious {
                sl_no: item.sl_no.clone(),
                description: item.description.clone(),
                till_date: till,
                previous: prev,
            });
        }
    }
    if !problems.is_empty() {
        return Err(BillInputErrors { problems });
    }

    let printed: Option<std::collections::HashMap<&str, &PrintedItem>> =
        input.previous_printed.as_ref().map(|printed| {
            printed
                .items
                .iter()
                .map(|item| (item.sl_no.trim(), item))
                .collect()
        });
    let mut numbering = AeNumbering::new();
    let mut rows = Vec::with_capacity(input.items.len());
    for ((item, &till), &prev) in input.items.iter().zip(&till_date).zip(&previous) {
        let now = split_at_estimate(till, item.quantity, item.rate);
        let (before_within, before_excess, previous_rate) = match &printed {
            // An item the previous bill did not print (a supplemental item since) had nothing.
            Some(printed) => printed
                .get(item.sl_no.trim())
                .map_or((QuantityAmount::ZERO, QuantityAmount::ZERO, None), |p| {
                    (p.within, p.excess, p.rate.filter(|&rate| rate != item.rate))
                }),
            None => {
                let before = split_at_estimate(prev, item.quantity, item.rate);
                (before.within(), before.excess(), None)
            }
        };
        let row = |kind,
                   serial: &str,
                   description: String,
                   now: QuantityAmount,
                   before: QuantityAmount| {
            NthBillRow {
                kind,
                serial: serial.to_owned(),
                description,
                unit: item.unit.clone(),
                rate: item.rate,
                till_date: now,
                previous: before,
                // Nothing deducted is at any rate.
                previous_rate: previous_rate.filter(|_| !before.quantity.is_zero()),
                since_last: QuantityAmount {
                    quantity: now.quantity - before.quantity,
                    amount: round2(now.amount - before.amount),
                },
            }
        };
        rows.push(row(
            RowKind::Item,
            &item.sl_no,
            item.description.clone(),
            now.within(),
            before_within,
        ));
        // An AE row the previous bill printed stays, to deduct it, even when a raised cap
        // leaves no excess now.
        if now.has_excess() || before_excess != QuantityAmount::ZERO {
            rows.push(row(
                RowKind::Excess,
                "",
                numbering.next_label(),
                now.excess(),
                before_excess,
            ));
        }
    }

    let column_sum = |pick: fn(&NthBillRow) -> Decimal| round2(rows.iter().map(pick).sum());
    // Every line's J is F − H, so that payments over the chain add up exactly (module doc).
    let columns = |till_date: Decimal, previous: Decimal| NthBillFigures {
        till_date,
        previous,
        since_last: till_date - previous,
    };
    refuse_rows_beyond_limit(
        &input.items,
        rows.iter()
            .map(|row| (row.serial.as_str(), row.till_date.amount)),
    )?;
    let sub_till_date = column_sum(|row| row.till_date.amount);
    let (premium_till_date, total_till_date) =
        premium_and_total(sub_till_date, input.tender_premium);
    refuse_totals_beyond_limit([
        ("Sub Total Amount", sub_till_date),
        ("Total", total_till_date),
    ])?;
    // The previous column's totals: as the previous bill printed them, or recomputed for a bill
    // stored before they were carried.
    let (sub_previous, (premium_previous, total_previous)) = match &input.previous_printed {
        Some(printed) => (
            printed.sub_total,
            (own_premium(printed.tender_premium.as_ref()), printed.total),
        ),
        None => {
            let sub = column_sum(|row| row.previous.amount);
            (sub, premium_and_total(sub, input.tender_premium))
        }
    };
    let sub_total = columns(sub_till_date, sub_previous);
    let mut totals = vec![NthBillTotalLine {
        label: "Sub Total Amount".to_owned(),
        figures: sub_total,
    }];
    // The T.P line is printed while either column has a premium; it carries this bill's label,
    // and the previous bill's rate too when the premium was changed between them, so that each
    // column re-multiplies at the rate it names.
    let amount =
        |premium: &Option<LabelledAmount>| premium.as_ref().map_or(Decimal::ZERO, |p| p.amount);
    let label = match (&premium_till_date, &premium_previous) {
        (Some(now), Some(before)) if now.label != before.label => Some(format!(
            "{}{PREVIOUS_AT}{})",
            now.label,
            rate_in_label(&before.label)
        )),
        (Some(now), None) => Some(format!("{}{NONE_PREVIOUSLY}", now.label)),
        (None, Some(before)) => Some(format!("{}{NONE_NOW}", before.label)),
        (Some(now), Some(_)) => Some(now.label.clone()),
        (None, None) => None,
    };
    // A premium that changed sides between the bills (Excess, then Less) is put in the
    // previous column in this bill's sense, negative: the row then reads F − H like every
    // other, and each column's Total is its Sub Total with its premium the one way.
    let adds = |premium: &LabelledAmount| premium.label.starts_with("Add ");
    let previous = match (&premium_till_date, &premium_previous) {
        (Some(now), Some(before)) if adds(now) != adds(before) => -before.amount,
        _ => amount(&premium_previous),
    };
    let tender_premium = label.map(|label| NthBillTotalLine {
        label,
        figures: columns(amount(&premium_till_date), previous),
    });
    let total = columns(total_till_date, total_previous);
    totals.extend(tender_premium.clone());
    totals.push(NthBillTotalLine {
        label: "Total".to_owned(),
        figures: total,
    });

    Ok(NthBill {
        title: bill_title(input.number, input.is_final),
        number: input.number,
        is_final: input.is_final,
        rows,
        sub_total,
        tender_premium,
        total,
        totals,
        amount_payable: total.since_last,
        amount_in_words: amount_in_words(total.since_last),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::money::half_up_reference;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn item(sl_no: &str, quantity: Decimal, rate: Decimal) -> EstimateItem {
        EstimateItem {
            sl_no: sl_no.to_owned(),
            description: format!("Item {sl_no} description"),
            quantity,
            unit: "Nos".to_owned(),
            rate,
            per_unit: "No".to_owned(),
            amount: amount(quantity, rate),
        }
    }

    fn tp(percent: Decimal, kind: TpType) -> Option<TenderPremium> {
        Some(TenderPremium::new(percent, kind).unwrap())
    }

    fn first(
        items: Vec<EstimateItem>,
        quantities: Vec<ItemQuantity>,
        premium: Option<TenderPremium>,
    ) -> FirstBill {
        first_bill(&FirstBillInput {
            items,
            quantities,
            tender_premium: premium,
            is_final: false,
        })
        .unwrap()
    }

    #[test]
    fn rows_and_totals_past_the_largest_figure_are_refused_naming_the_item_or_the_total() {
        let refused = |items: Vec<EstimateItem>, quantities: Vec<ItemQuantity>| {
            first_bill(&FirstBillInput {
                items,
                quantities,
                tender_premium: None,
                is_final: false,
            })
            .unwrap_err()
            .problems
        };
        // 10^12 × 10^12: each figure at the limit, their product far past it.
        let huge = item("7", dec!(1_000_000_000_000), dec!(1_000_000_000_000));
        let problems = refused(
            vec![huge.clone()],
            vec![ItemQuantity::new("7", dec!(1_000_000_000_000))],
        );
        assert_eq!(
            problems,
            [BillInputError::AmountTooLarge {
                sl_no: "7".into(),
                description: huge.description.clone(),
                amount: dec!(1_000_000_000_000_000_000_000_000.00),
            }]
        );
        assert!(problems[0].to_string().contains(
            "its amount comes to 10,00,00,00,00,00,00,00,00,00,00,000.00, beyond the largest \
             figure accepted (10,00,00,00,00,000.00)"
        ));
        // Two rows of 9,00,00,00,00,000.00 each: within the limit, their sum not.
        let two = vec![
            item("1", dec!(900_000), dec!(1_000_000)),
            item("2", dec!(900_000), dec!(1_000_000)),
        ];
        let at_estimate = two
            .iter()
            .map(|item| ItemQuantity::new(item.sl_no.clone(), item.quantity))
            .collect();
        let problems = refused(two, at_estimate);
        assert_eq!(
            problems,
            [BillInputError::TotalTooLarge {
                label: "Sub Total Amount".into(),
                amount: dec!(1_800_000_000_000.00),
            }]
        );
        assert!(problems[0]
            .to_string()
            .starts_with("the bill's Sub Total Amount comes to 18,00,00,00,00,000.00, beyond"));
        // The limit itself is a figure accepted.
        let at_limit = first(
            vec![item("1", dec!(1_000_000), dec!(1_000_000))],
            vec![ItemQuantity::new("1", dec!(1_000_000))],
            None,
        );
        assert_eq!(at_limit.total, dec!(1_000_000_000_000.00));
    }

    #[test]
    fn an_estimate_without_items_gives_no_bill() {
        let first = first_bill(&FirstBillInput {
            items: Vec::new(),
            quantities: Vec::new(),
            tender_premium: None,
            is_final: false,
        })
        .unwrap_err();
        assert_eq!(first.problems, [BillInputError::NoItems]);
        let nth = nth_bill(&NthBillInput {
            number: 2,
            is_final: true,
            items: Vec::new(),
            till_date: Vec::new(),
            previous_till_date: Vec::new(),
            previous_printed: None,
            tender_premium: None,
        })
        .unwrap_err();
        assert_eq!(nth.problems, [BillInputError::NoItems]);
        assert!(nth.to_string().contains("no items to bill"), "{nth}");
    }

    // --- tender premium ---------------------------------------------------------------------

    #[test]
    fn tender_premium_range_is_inclusive() {
        assert!(TenderPremium::new(dec!(0), TpType::Excess).is_ok());
        assert!(TenderPremium::new(dec!(100), TpType::Less).is_ok());
        for bad in [dec!(-0.01), dec!(100.01), dec!(250)] {
            assert_eq!(
                TenderPremium::new(bad, TpType::Excess),
                Err(TenderPremiumError::OutOfRange { percent: bad })
            );
        }
    }

    /// Deserializes from string fields with serde's own value deserializer (no format crate).
    fn premium_from(percent: &str, kind: &str) -> Result<TenderPremium, serde::de::value::Error> {
        use serde::de::value::MapDeserializer;
        TenderPremium::deserialize(MapDeserializer::new(
            [("percent", percent), ("kind", kind)].into_iter(),
        ))
    }

    #[test]
    fn tender_premium_cannot_be_deserialized_out_of_range() {
        assert_eq!(
            premium_from("4.5", "less").unwrap(),
            TenderPremium::new(dec!(4.5), TpType::Less).unwrap()
        );
        let bad = premium_from("101", "excess").unwrap_err();
        assert!(bad.to_string().contains("between 0 and 100"), "{bad}");
        assert!(premium_from("5", "sideways").is_err());
    }

    #[test]
    fn tender_premium_labels() {
        assert_eq!(
            tp(dec!(4.5), TpType::Less).unwrap().bill_label(),
            "Deduct T.P @ 4.5 % Less"
        );
        assert_eq!(
            tp(dec!(5.00), TpType::Excess).unwrap().bill_label(),
            "Add T.P @ 5 % Excess"
        );
    }

    // --- chain ------------------------------------------------------------------------------

    #[test]
    fn chain_accepts_the_next_bill() {
        assert_eq!(check_next_bill(&[], BillKind::FirstPart), Ok(1));
        assert_eq!(check_next_bill(&[], BillKind::FirstFinal), Ok(1));
        assert_eq!(check_next_bill(&[(1, false)], BillKind::NthPart), Ok(2));
        assert_eq!(
            check_next_bill(&[(2, false), (1, false)], BillKind::NthFinal),
            Ok(3)
        );
        assert_eq!(
            check_requested_bill(&[(1, false)], 2, BillKind::NthPart),
            Ok(())
        );
    }

    #[test]
    fn chain_refuses_out_of_order_bills() {
        assert_eq!(
            check_next_bill(&[], BillKind::NthPart),
            Err(ChainError::NoPreviousBill)
        );
        assert_eq!(
            check_next_bill(&[(1, false)], BillKind::FirstPart),
            Err(ChainError::FirstBillExists { existing: 1 })
        );
        for (existing, so_far) in [(1, "1 bill so far"), (3, "3 bills so far")] {
            assert_eq!(
                ChainError::FirstBillExists { existing }.to_string(),
                format!("a first bill already exists ({so_far}); make an Nth bill instead")
            );
        }
        assert_eq!(
            check_requested_bill(&[(1, false)], 3, BillKind::NthPart),
            Err(ChainError::OutOfSequence {
                requested: 3,
                expected: 2
            })
        );
        assert_eq!(
            check_requested_bill(&[], 2, BillKind::NthPart),
            Err(ChainError::NoPreviousBill)
        );
    }

    #[test]
    fn chain_is_closed_by_a_final_bill() {
        assert_eq!(
            check_next_bill(&[(1, false), (2, true)], BillKind::NthPart),
            Err(ChainError::ClosedByFinal { final_number: 2 })
        );
        assert_eq!(
            check_next_bill(&[(1, true)], BillKind::FirstPart),
            Err(ChainError::ClosedByFinal { final_number: 1 })
        );
    }

    #[test]
    fn chain_reports_inconsistent_storage() {
        assert_eq!(
            check_next_bill(&[(1, false), (3, false)], BillKind::NthPart),
            Err(ChainError::MissingBill { missing: 2 })
        );
        assert_eq!(
            check_next_bill(&[(1, false), (1, false)], BillKind::NthPart),
            Err(ChainError::DuplicateBill { number: 1 })
        );
        assert_eq!(
            check_next_bill(&[(0, false)], BillKind::NthPart),
            Err(ChainError::MissingBill { missing: 1 })
        );
    }

    // --- AE split ---------------------------------------------------------------------------

    #[test]
    fn split_caps_at_the_estimate_quantity() {
        let split = split_at_estimate(dec!(12), dec!(10), dec!(100));
        assert_eq!(split.within_quantity, dec!(10));
        assert_eq!(split.within_amount, dec!(1000.00));
        assert_eq!(split.excess_quantity, dec!(2));
        assert_eq!(split.excess_amount, dec!(200.00));
        assert!(split.has_excess());

        let none = split_at_estimate(dec!(8), dec!(10), dec!(100));
        assert_eq!(
            (none.within_quantity, none.excess_quantity),
            (dec!(8), dec!(0))
        );
        assert_eq!(none.excess_amount, dec!(0));
        assert!(!none.has_excess());
    }

    #[test]
    fn each_half_of_a_split_re_multiplies_on_its_own() {
        // The case: 11 of 10.5 Cum at 123.45. The AE row is 0.5 × 123.45 = 61.725 →
        // 61.73, not 1357.95 − 1296.23 = 61.72.
        let split = split_at_estimate(dec!(11), dec!(10.5), dec!(123.45));
        assert_eq!(
            (split.within_amount, split.excess_amount),
            (dec!(1296.23), dec!(61.73))
        );
        // Both halves are ties that round up on their own (0.005 → 0.01 each): each row is
        // printed as its own product, so together they are 0.02 although 1 × 0.01 is 0.01.
        let split = split_at_estimate(dec!(1), dec!(0.5), dec!(0.01));
        assert_eq!(
            (split.within_amount, split.excess_amount),
            (dec!(0.01), dec!(0.01))
        );
        // Both halves round down on their own (0.004 → 0.00).
        let split = split_at_estimate(dec!(0.8), dec!(0.4), dec!(0.01));
        assert_eq!(
            (split.within_amount, split.excess_amount),
            (dec!(0.00), dec!(0.00))
        );
        // Usually nothing bites: 2.5 × 0.13 = 0.325 → 0.33 = 0.26 + 0.07.
        let split = split_at_estimate(dec!(2.5), dec!(2), dec!(0.13));
        assert_eq!(
            (split.within_amount, split.excess_amount),
            (dec!(0.26), dec!(0.07))
        );
    }

    #[test]
    fn ae_labels_count_through_the_document() {
        let mut numbering = AeNumbering::new();
        let labels: Vec<String> = (0..3).map(|_| numbering.next_label()).collect();
        assert_eq!(labels, ["AE1", "AE2", "AE3"]);
    }

    // --- first bill -------------------------------------------------------------------------

    #[test]
    fn first_bill_domain_example_less() {
        let bill = first(
            vec![item("1", dec!(100), dec!(500))],
            vec![ItemQuantity::new("1", dec!(100))],
            tp(dec!(4.5), TpType::Less),
        );
        assert_eq!(bill.title, "CC First & Part Bill");
        assert_eq!(bill.sub_total, dec!(50000.00));
        let premium = bill.tender_premium.clone().unwrap();
        assert_eq!(premium.label, "Deduct T.P @ 4.5 % Less");
        assert_eq!(premium.amount, dec!(2250.00));
        assert_eq!(bill.total, dec!(47750.00));
        assert_eq!(
            bill.totals,
            [
                LabelledAmount::new("Sub Total Amount", dec!(50000.00)),
                LabelledAmount::new("Deduct T.P @ 4.5 % Less", dec!(2250.00)),
                LabelledAmount::new("Total", dec!(47750.00)),
            ]
        );
        assert_eq!(
            bill.amount_in_words,
            "Rupees Forty Seven Thousand Seven Hundred Fifty Only"
        );
    }

    #[test]
    fn first_bill_excess_adds_and_rows_round_half_up() {
        let bill = first(
            vec![
                item("1", dec!(10), dec!(10.01)),
                item("2", dec!(4), dec!(250)),
            ],
            vec![
                ItemQuantity::new("1", dec!(2.5)),
                ItemQuantity::new("2", dec!(4)),
            ],
            tp(dec!(5), TpType::Excess),
        );
        // 2.5 × 10.01 = 25.025 rounds up to 25.03.
        assert_eq!(bill.rows[0].amount, dec!(25.03));
        assert_eq!(bill.sub_total, dec!(1025.03));
        // 1025.03 × 5 % = 51.2515 → 51.25.
        assert_eq!(bill.tender_premium.unwrap().amount, dec!(51.25));
        assert_eq!(bill.total, dec!(1076.28));
    }

    #[test]
    fn first_bill_without_premium_or_quantities() {
        let bill = first(
            vec![item("1", dec!(10), dec!(10)), item("2", dec!(5), dec!(3))],
            vec![],
            None,
        );
        assert_eq!(bill.rows.len(), 2);
        assert!(bill
            .rows
            .iter()
            .all(|row| row.quantity.is_zero() && row.amount.is_zero()));
        assert_eq!(bill.totals.len(), 2);
        assert_eq!(bill.total, dec!(0.00));
        assert_eq!(bill.amount_in_words, "Rupees Zero Only");
    }

    #[test]
    fn first_bill_final_title() {
        let bill = first_bill(&FirstBillInput {
            items: vec![item("1", dec!(1), dec!(1))],
            quantities: vec![],
            tender_premium: None,
            is_final: true,
        })
        .unwrap();
        assert_eq!(bill.title, "CC First & Final Bill");
        assert!(bill.is_final);
    }

    #[test]
    fn first_bill_splits_excess_into_numbered_ae_rows() {
        let bill = first(
            vec![
                item("1", dec!(10), dec!(100)),
                item("2", dec!(5), dec!(20)),
                item("3", dec!(3), dec!(7)),
            ],
            vec![
                ItemQuantity::new("1", dec!(12)),
                ItemQuantity::new("2", dec!(5)),
                ItemQuantity::new("3", dec!(4.5)),
            ],
            None,
        );
        let shape: Vec<(RowKind, &str, &str, Decimal, Decimal)> = bill
            .rows
            .iter()
            .map(|r| {
                (
                    r.kind,
                    r.serial.as_str(),
                    r.description.as_str(),
                    r.quantity,
                    r.amount,
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (
                    RowKind::Item,
                    "1",
                    "Item 1 description",
                    dec!(10),
                    dec!(1000.00)
                ),
                (RowKind::Excess, "", "AE1", dec!(2), dec!(200.00)),
                (
                    RowKind::Item,
                    "2",
                    "Item 2 description",
                    dec!(5),
                    dec!(100.00)
                ),
                (
                    RowKind::Item,
                    "3",
                    "Item 3 description",
                    dec!(3),
                    dec!(21.00)
                ),
                (RowKind::Excess, "", "AE2", dec!(1.5), dec!(10.50)),
            ]
        );
        assert_eq!(bill.rows[1].rate, dec!(100));
        assert_eq!(bill.rows[1].unit, "Nos");
        assert_eq!(bill.sub_total, dec!(1331.50));
    }

    #[test]
    fn first_bill_collects_every_problem_and_names_the_items() {
        let err = first_bill(&FirstBillInput {
            items: vec![
                item("1", dec!(10), dec!(100)),
                item("2", dec!(5), dec!(20)),
                item("2", dec!(5), dec!(20)),
                item("3", dec!(1), dec!(2_000_000_000_000)),
            ],
            quantities: vec![
                ItemQuantity::new("1", dec!(-1)),
                ItemQuantity::new("9", dec!(1)),
                ItemQuantity::new(" 1 ", dec!(2)),
            ],
            tender_premium: None,
            is_final: false,
        })
        .unwrap_err();
        assert_eq!(
            err.problems,
            [
                BillInputError::DuplicateSerial { sl_no: "2".into() },
                BillInputError::FigureTooLarge {
                    sl_no: "3".into(),
                    description: "Item 3 description".into(),
                    value: dec!(2_000_000_000_000),
                },
                BillInputError::NegativeQuantity {
                    sl_no: "1".into(),
                    description: "Item 1 description".into(),
                    quantity: dec!(-1),
                },
                BillInputError::UnknownItem {
                    sl_no: "9".into(),
                    origin: None
                },
                BillInputError::DuplicateQuantity {
                    sl_no: "1".into(),
                    description: "Item 1 description".into(),
                },
            ]
        );
        let message = err.to_string();
        assert!(
            message.contains("item 1 (Item 1 description): quantity -1 is negative"),
            "{message}"
        );
        assert!(
            message.contains("item 9: there is no such item"),
            "{message}"
        );
    }

    // --- Nth bill ---------------------------------------------------------------------------

    fn estimate() -> Vec<EstimateItem> {
        vec![
            item("1", dec!(10), dec!(100)),
            item("2", dec!(20), dec!(12.5)),
            item("3", dec!(4), dec!(1000)),
        ]
    }

    fn nth(
        number: u32,
        till_date: Vec<ItemQuantity>,
        previous: Vec<ItemQuantity>,
        premium: Option<TenderPremium>,
    ) -> Result<NthBill, BillInputErrors> {
        nth_bill(&NthBillInput {
            number,
            is_final: false,
            items: estimate(),
            till_date,
            previous_till_date: previous,
            previous_printed: None,
            tender_premium: premium,
        })
    }

    /// Two items, 10 Cum at 845.75 and 5 Nos at 100, let at 4.5 % below the estimate.
    fn two_items(first_cap: Decimal) -> Vec<EstimateItem> {
        vec![
            item("1", first_cap, dec!(845.75)),
            item("2", dec!(5), dec!(100)),
        ]
    }

    #[test]
    fn a_cap_raised_by_a_work_slip_leaves_the_previous_bill_as_printed() {
        // Bill 1: 10.2 of item 1 against an estimate of 10, so 10 at 8,457.50 and AE1 0.2 at
        // 169.15 (0.2 × 845.75); Sub Total 8,626.65, T.P 388.20 (4.5 % of it, half up),
        // Total 8,238.45.
        let less = tp(dec!(4.5), TpType::Less);
        let bill_one = first(
            two_items(dec!(10)),
            vec![ItemQuantity::new("1", dec!(10.2))],
            less,
        );
        assert_eq!(bill_one.total, dec!(8238.45));
        // A work slip then raises item 1's quantity to 10.1; bill 2 measures 10.2 and 5.
        let bill_two = nth_bill(&NthBillInput {
            number: 2,
            is_final: false,
            items: two_items(dec!(10.1)),
            till_date: vec![
                ItemQuantity::new("1", dec!(10.2)),
                ItemQuantity::new("2", dec!(5)),
            ],
            previous_till_date: vec![ItemQuantity::new("1", dec!(10.2))],
            previous_printed: Some(bill_one.printed_till_date()),
            tender_premium: less,
        })
        .unwrap();
        // Till date: 10.1 × 845.75 = 8,542.075 → 8,542.08; AE 0.1 → 84.58; 5 × 100 = 500.00.
        // Sub 9,126.66, T.P 410.70 (410.6997), Total 8,715.96.
        let (item, ae) = (&bill_two.rows[0], &bill_two.rows[1]);
        assert_eq!(item.till_date.amount, dec!(8542.08));
        assert_eq!(ae.till_date.amount, dec!(84.58));
        // Previous: bill 1's rows as it printed them, not 10.2 split again at the new cap.
        assert_eq!(item.previous.quantity, dec!(10));
        assert_eq!(item.previous.amount, dec!(8457.50));
        assert_eq!(ae.previous.quantity, dec!(0.2));
        assert_eq!(ae.previous.amount, dec!(169.15));
        // So the AE row's since-last is negative: the raised cap moved 0.1 out of the excess.
        assert_eq!(ae.since_last.quantity, dec!(-0.1));
        assert_eq!(ae.since_last.amount, dec!(84.58) - dec!(169.15));
        assert_eq!(bill_two.sub_total.previous, dec!(8626.65));
        assert_eq!(bill_two.total.previous, dec!(8238.45));
        assert_eq!(bill_two.total.till_date, dec!(8715.96));
        // Payable: this bill's Total less bill 1's, to the paisa.
        assert_eq!(bill_two.amount_payable, dec!(8715.96) - dec!(8238.45));
        assert_eq!(
            bill_two.amount_in_words,
            "Rupees Four Hundred Seventy Seven and Paise Fifty One Only"
        );
    }

    /// Bill 1 of 10 of item 1 (8,457.50) and 1 of item 2 (100.00), Sub 8,557.50, at the
    /// premium `first`; then bill 2, which measures 5 of item 2, at the premium `then`.
    fn premium_changed_between_bills(
        first_premium: Option<TenderPremium>,
        then: Option<TenderPremium>,
    ) -> (FirstBill, NthBill) {
        let measured = vec![
            ItemQuantity::new("1", dec!(10)),
            ItemQuantity::new("2", dec!(1)),
        ];
        let bill_one = first(two_items(dec!(10)), measured.clone(), first_premium);
        let bill_two = nth_bill(&NthBillInput {
            number: 2,
            is_final: false,
            items: two_items(dec!(10)),
            till_date: vec![ItemQuantity::new("2", dec!(5))],
            previous_till_date: measured,
            previous_printed: Some(bill_one.printed_till_date()),
            tender_premium: then,
        })
        .unwrap();
        (bill_one, bill_two)
    }

    #[test]
    fn a_premium_edited_between_bills_leaves_the_previous_bill_as_printed() {
        // Bill 1 at 4.5 % less: T.P 385.09 (385.0875), Total 8,172.41. The work's premium is
        // corrected to 5 % before bill 2.
        let (bill_one, bill_two) =
            premium_changed_between_bills(tp(dec!(4.5), TpType::Less), tp(dec!(5), TpType::Less));
        assert_eq!(bill_one.total, dec!(8172.41));
        // Till date: Sub 8,957.50, T.P 447.88 (447.875 half up), Total 8,509.62.
        let premium = bill_two.tender_premium.as_ref().unwrap();
        // The label names both rates, so each column re-multiplies at the rate it names.
        assert_eq!(
            premium.label,
            "Deduct T.P @ 5 % Less (previous at 4.5 % Less)"
        );
        assert_eq!(premium.figures.till_date, dec!(447.88));
        // The previous column keeps bill 1's 4.5 %, as printed.
        assert_eq!(premium.figures.previous, dec!(385.09));
        assert_eq!(bill_two.total.previous, dec!(8172.41));
        assert_eq!(bill_two.amount_payable, dec!(8509.62) - dec!(8172.41));
    }

    #[test]
    fn a_premium_unchanged_since_the_bill_that_changed_it_is_not_said_to_have_changed() {
        // Bill 1 at 4.5 % Less, bill 2 at 5 % Less (its label names both), then bill 3 at 5 %
        // Less again, measuring 6 of item 2.
        let (_, bill_two) =
            premium_changed_between_bills(tp(dec!(4.5), TpType::Less), tp(dec!(5), TpType::Less));
        let input = NthBillInput {
            number: 3,
            is_final: false,
            items: two_items(dec!(10)),
            till_date: vec![ItemQuantity::new("2", dec!(6))],
            previous_till_date: vec![
                ItemQuantity::new("1", dec!(10)),
                ItemQuantity::new("2", dec!(5)),
            ],
            previous_printed: Some(bill_two.printed_till_date()),
            tender_premium: tp(dec!(5), TpType::Less),
        };
        let bill_three = nth_bill(&input).unwrap();
        let premium = bill_three.tender_premium.as_ref().unwrap();
        assert_eq!(premium.label, "Deduct T.P @ 5 % Less");
        // Previous: bill 2's till-date T.P, 5 % of 8,957.50 = 447.875 → 447.88. Till date:
        // Sub 8,457.50 + 600.00 = 9,057.50, T.P 452.875 → 452.88.
        assert_eq!(premium.figures.previous, dec!(447.88));
        assert_eq!(premium.figures.till_date, dec!(452.88));
        // Since last: 1 more of item 2 (100.00) less 5.00 more premium.
        assert_eq!(bill_three.amount_payable, dec!(100.00) - dec!(5.00));

        // A chain stored with the nested label reads as its own premium too.
        let mut stored = bill_two.printed_till_date();
        stored.tender_premium.as_mut().unwrap().label =
            "Deduct T.P @ 5 % Less (previous at 4.5 % Less)".into();
        let again = nth_bill(&NthBillInput {
            previous_printed: Some(stored),
            ..input
        })
        .unwrap();
        assert_eq!(again.tender_premium.unwrap().label, "Deduct T.P @ 5 % Less");
    }

    #[test]
    fn a_rate_changed_by_a_work_slip_leaves_the_previous_amount_at_the_rate_it_was_paid_at() {
        // Bill 1: 10 of item 1 at 845.75 = 8,457.50, no premium. A work slip then sets item 1's
        // rate to 900; bill 2 measures 12 till date.
        let bill_one = first(
            two_items(dec!(10)),
            vec![ItemQuantity::new("1", dec!(10))],
            None,
        );
        let mut items = two_items(dec!(20));
        items[0].rate = dec!(900);
        let printed = bill_one.printed_till_date().deducted_at(&items);
        assert_eq!(printed.items[0].rate, Some(dec!(845.75)));
        assert_eq!(printed.items[1].rate, None, "item 2's rate did not change");
        let bill_two = nth_bill(&NthBillInput {
            number: 2,
            is_final: false,
            items,
            till_date: vec![ItemQuantity::new("1", dec!(12))],
            previous_till_date: vec![ItemQuantity::new("1", dec!(10))],
            previous_printed: Some(printed),
            tender_premium: None,
        })
        .unwrap();
        let row = &bill_two.rows[0];
        // F = 12 × 900 = 10,800.00; H = bill 1's 8,457.50 (10 × 845.75), not 10 × 900.
        assert_eq!(row.till_date.amount, dec!(10800.00));
        assert_eq!(row.previous.amount, dec!(8457.50));
        assert_eq!(row.since_last.amount, dec!(10800.00) - dec!(8457.50));
        assert_eq!(row.previous_rate, Some(dec!(845.75)));
        assert_eq!(row.remarks(), "Previous at 845.75");
        assert_eq!(bill_two.rows[1].remarks(), "");
        assert_eq!(bill_two.amount_payable, dec!(2342.50));
    }

    #[test]
    fn a_premium_that_changed_sides_reads_f_minus_h_in_this_bills_sense() {
        // Bill 1 at 5 % Excess: T.P 427.88 (427.875 half up) added, Total 8,985.38. The
        // agreement turns out to be 7.5 % Less before bill 2: till date Sub 8,957.50, T.P
        // 671.81 (671.8125) deducted, Total 8,285.69.
        let (bill_one, bill_two) =
            premium_changed_between_bills(tp(dec!(5), TpType::Excess), tp(dec!(7.5), TpType::Less));
        assert_eq!(bill_one.total, dec!(8985.38));
        let premium = bill_two.tender_premium.as_ref().unwrap();
        assert_eq!(
            premium.label,
            "Deduct T.P @ 7.5 % Less (previous at 5 % Excess)"
        );
        // Deducted now 671.81; "deducted" before −427.88 (it was added); since last 1,099.69.
        assert_eq!(premium.figures.till_date, dec!(671.81));
        assert_eq!(premium.figures.previous, dec!(-427.88));
        assert_eq!(premium.figures.since_last, dec!(1099.69));
        // Each column's Total is its Sub Total less its premium, J included.
        for (sub, tp, total) in [
            (
                bill_two.sub_total.till_date,
                premium.figures.till_date,
                bill_two.total.till_date,
            ),
            (
                bill_two.sub_total.previous,
                premium.figures.previous,
                bill_two.total.previous,
            ),
            (
                bill_two.sub_total.since_last,
                premium.figures.since_last,
                bill_two.total.since_last,
            ),
        ] {
            assert_eq!(sub - tp, total);
        }
        assert_eq!(bill_two.total.previous, dec!(8985.38));
        assert_eq!(bill_two.amount_payable, dec!(8285.69) - dec!(8985.38));
    }

    #[test]
    fn a_premium_entered_or_removed_between_bills_says_so_on_its_line() {
        let quantities = vec![ItemQuantity::new("1", dec!(10))];
        let second = |first_premium, second_premium| {
            let bill_one = first(two_items(dec!(10)), quantities.clone(), first_premium);
            nth_bill(&NthBillInput {
                number: 2,
                is_final: false,
                items: two_items(dec!(10)),
                till_date: vec![ItemQuantity::new("2", dec!(5))],
                previous_till_date: quantities.clone(),
                previous_printed: Some(bill_one.printed_till_date()),
                tender_premium: second_premium,
            })
            .unwrap()
            .tender_premium
            .unwrap()
        };
        let entered = second(None, tp(dec!(5), TpType::Less));
        assert_eq!(entered.label, "Deduct T.P @ 5 % Less (none previously)");
        assert_eq!(entered.figures.previous, dec!(0));
        let removed = second(tp(dec!(5), TpType::Less), None);
        assert_eq!(
            removed.label,
            "Deduct T.P @ 5 % Less (previously; none now)"
        );
        assert_eq!(removed.figures.till_date, dec!(0));
    }

    #[test]
    fn bill_two_deducts_bill_ones_till_date_figures() {
        let bill_one_quantities = vec![
            ItemQuantity::new("1", dec!(4)),
            ItemQuantity::new("2", dec!(8.4)),
            ItemQuantity::new("3", dec!(1)),
        ];
        let premium = tp(dec!(4.5), TpType::Less);
        let bill_one = first(estimate(), bill_one_quantities.clone(), premium);
        let bill_two = nth(
            2,
            vec![
                ItemQuantity::new("1", dec!(9)),
                ItemQuantity::new("2", dec!(8.4)),
                ItemQuantity::new("3", dec!(3)),
            ],
            bill_one_quantities,
            premium,
        )
        .unwrap();

        assert_eq!(bill_two.title, "CC Second & Part Bill");
        for (row, previous) in bill_two.rows.iter().zip(&bill_one.rows) {
            assert_eq!(row.previous.quantity, previous.quantity);
            assert_eq!(row.previous.amount, previous.amount);
        }
        let since: Vec<(Decimal, Decimal)> = bill_two
            .rows
            .iter()
            .map(|r| (r.since_last.quantity, r.since_last.amount))
            .collect();
        assert_eq!(
            since,
            [
                (dec!(5), dec!(500.00)),
                (dec!(0.0), dec!(0.00)),
                (dec!(2), dec!(2000.00))
            ]
        );

        // F: 900 + 105 + 3000 = 4005; H: 400 + 105 + 1000 = 1505; J = 2500.
        assert_eq!(bill_two.sub_total.till_date, dec!(4005.00));
        assert_eq!(bill_two.sub_total.previous, bill_one.sub_total);
        assert_eq!(bill_two.sub_total.since_last, dec!(2500.00));
        // TP: F 180.225 → 180.23; H 67.725 → 67.73 (bill 1's figure); J = 112.50.
        let premium_line = bill_two.tender_premium.clone().unwrap();
        assert_eq!(premium_line.label, "Deduct T.P @ 4.5 % Less");
        assert_eq!(
            premium_line.figures.previous,
            bill_one.tender_premium.unwrap().amount
        );
        assert_eq!(
            premium_line.figures,
            NthBillFigures {
                till_date: dec!(180.23),
                previous: dec!(67.73),
                since_last: dec!(112.50)
            }
        );
        assert_eq!(bill_two.total.previous, bill_one.total);
        assert_eq!(bill_two.amount_payable, dec!(2387.50));
        assert_eq!(
            bill_two.total.till_date - bill_one.total,
            bill_two.amount_payable
        );
        assert_eq!(
            bill_two.amount_in_words,
            "Rupees Two Thousand Three Hundred Eighty Seven and Paise Fifty Only"
        );
        let labels: Vec<&str> = bill_two.totals.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Sub Total Amount", "Deduct T.P @ 4.5 % Less", "Total"]
        );
    }

    #[test]
    fn nth_bill_keeps_previous_quantity_for_unlisted_items() {
        let bill = nth(
            3,
            vec![ItemQuantity::new("1", dec!(6))],
            vec![
                ItemQuantity::new("1", dec!(5)),
                ItemQuantity::new("2", dec!(3)),
            ],
            None,
        )
        .unwrap();
        assert_eq!(bill.title, "CC Third & Part Bill");
        assert_eq!(bill.rows[1].till_date.quantity, dec!(3));
        assert_eq!(bill.rows[1].since_last.quantity, dec!(0));
        assert_eq!(bill.rows[2].till_date.quantity, dec!(0));
        assert_eq!(bill.amount_payable, dec!(100.00));
        assert_eq!(bill.totals.len(), 2);
    }

    #[test]
    fn nth_bill_refuses_till_date_below_previous() {
        let err = nth(
            2,
            vec![
                ItemQuantity::new("2", dec!(7)),
                ItemQuantity::new("3", dec!(-1)),
            ],
            vec![
                ItemQuantity::new("2", dec!(8)),
                ItemQuantity::new("7", dec!(1)),
            ],
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.problems,
            [
                BillInputError::NegativeQuantity {
                    sl_no: "3".into(),
                    description: "Item 3 description".into(),
                    quantity: dec!(-1),
                },
                BillInputError::InvalidPreviousQuantity {
                    sl_no: "7".into(),
                    quantity: dec!(1)
                },
                BillInputError::TillDateBelowPrevious {
                    sl_no: "2".into(),
                    description: "Item 2 description".into(),
                    till_date: dec!(7),
                    previous: dec!(8),
                },
            ]
        );
        assert!(err.to_string().contains(
            "item 2 (Item 2 description): till-date quantity 7 is below the previous bill's 8"
        ));
    }

    #[test]
    fn nth_bill_must_not_be_bill_one() {
        let err = nth(1, vec![], vec![], None).unwrap_err();
        assert_eq!(err.problems, [BillInputError::NotAnNthBill { number: 1 }]);
    }

    #[test]
    fn nth_bill_splits_excess_now_and_before() {
        // Item 1: estimate 10. Bill 1 measured 11 (AE 1), bill 2 measures 14.
        let bill = nth(
            2,
            vec![
                ItemQuantity::new("1", dec!(14)),
                ItemQuantity::new("3", dec!(5)),
            ],
            vec![
                ItemQuantity::new("1", dec!(11)),
                ItemQuantity::new("3", dec!(3)),
            ],
            None,
        )
        .unwrap();
        let excess: Vec<&NthBillRow> = bill
            .rows
            .iter()
            .filter(|r| r.kind == RowKind::Excess)
            .collect();
        assert_eq!(excess.len(), 2);
        assert_eq!(excess[0].description, "AE1");
        assert_eq!(
            excess[0].till_date,
            QuantityAmount {
                quantity: dec!(4),
                amount: dec!(400.00)
            }
        );
        assert_eq!(
            excess[0].previous,
            QuantityAmount {
                quantity: dec!(1),
                amount: dec!(100.00)
            }
        );
        assert_eq!(
            excess[0].since_last,
            QuantityAmount {
                quantity: dec!(3),
                amount: dec!(300.00)
            }
        );
        assert_eq!(excess[1].description, "AE2");
        assert_eq!(excess[1].previous.quantity, dec!(0));
        let capped = &bill.rows[0];
        assert_eq!(capped.till_date.quantity, dec!(10));
        assert_eq!(capped.previous.quantity, dec!(10));
        assert_eq!(capped.since_last.amount, dec!(0.00));
    }

    // --- properties -------------------------------------------------------------------------

    fn decimal(max_mantissa: i64, scale: u32) -> impl Strategy<Value = Decimal> {
        (0..=max_mantissa).prop_map(move |m| Decimal::new(m, scale))
    }

    fn premium() -> impl Strategy<Value = Option<TenderPremium>> {
        proptest::option::of((0i64..=10_000, any::<bool>()).prop_map(|(bp, excess)| {
            let kind = if excess { TpType::Excess } else { TpType::Less };
            TenderPremium::new(Decimal::new(bp, 2), kind).unwrap()
        }))
    }

    /// Items with estimate quantities, and a few till-date quantity levels per item that only
    /// grow, often past the estimate so that AE rows appear.
    fn chain_case() -> impl Strategy<Value = (Vec<EstimateItem>, Vec<Vec<Decimal>>)> {
        proptest::collection::vec(
            (
                decimal(100_000, 3),
                decimal(10_000_000, 2),
                proptest::collection::vec(decimal(60_000, 3), 1..5),
            ),
            1..12,
        )
        .prop_map(|rows| {
            let mut items = Vec::new();
            let mut levels_per_item = Vec::new();
            for (i, (quantity, rate, steps)) in rows.into_iter().enumerate() {
                items.push(item(&(i + 1).to_string(), quantity, rate));
                let mut running = Decimal::ZERO;
                levels_per_item.push(
                    steps
                        .into_iter()
                        .map(|step| {
                            running += step;
                            running
                        })
                        .collect::<Vec<_>>(),
                );
            }
            (items, levels_per_item)
        })
    }

    fn quantities_at(levels: &[Vec<Decimal>], bill: usize) -> Vec<ItemQuantity> {
        levels
            .iter()
            .enumerate()
            .map(|(i, steps)| {
                ItemQuantity::new((i + 1).to_string(), steps[bill.min(steps.len() - 1)])
            })
            .collect()
    }

    proptest! {
        #[test]
        fn ae_split_keeps_quantity_times_rate(
            quantity in decimal(10_000_000, 3),
            estimate in decimal(10_000_000, 3),
            rate in decimal(100_000_000, 2),
        ) {
            let split = split_at_estimate(quantity, estimate, rate);
            prop_assert_eq!(split.within_quantity + split.excess_quantity, quantity);
            prop_assert!(split.within_quantity <= estimate);
            prop_assert_eq!(split.has_excess(), quantity > estimate);
            // Every printed row re-multiplies (DOMAIN.md ruling), and the two rows stay within a
            // paisa of the unsplit product.
            prop_assert_eq!(split.within_amount, half_up_reference(split.within_quantity * rate));
            prop_assert_eq!(split.excess_amount, half_up_reference(split.excess_quantity * rate));
            prop_assert!((split.within_amount + split.excess_amount - half_up_reference(quantity * rate)).abs() <= dec!(0.01));
            prop_assert_eq!(split.excess_amount.scale(), 2);
        }

        #[test]
        fn first_bill_totals_are_the_sum_of_rows((items, levels) in chain_case(), premium in premium()) {
            let bill = first(items.clone(), quantities_at(&levels, 0), premium);
            let rows_sum: Decimal = bill.rows.iter().map(|r| r.amount).sum();
            prop_assert_eq!(bill.sub_total, rows_sum);
            let expected_premium = premium.map(|tp| half_up_reference(rows_sum * tp.percent() / dec!(100)));
            prop_assert_eq!(bill.tender_premium.as_ref().map(|l| l.amount), expected_premium);
            let signed = match (premium, expected_premium) {
                (Some(tp), Some(p)) if tp.kind() == TpType::Less => -p,
                (_, p) => p.unwrap_or_default(),
            };
            prop_assert_eq!(bill.total, rows_sum + signed);
            prop_assert_eq!(bill.totals.last().unwrap().amount, bill.total);
            // Every printed row is ROUND2(its quantity × rate), AE rows included, and an item's
            // rows carry exactly the entered quantity.
            for row in &bill.rows {
                prop_assert_eq!(row.amount, half_up_reference(row.quantity * row.rate));
            }
            for (item, q) in items.iter().zip(quantities_at(&levels, 0)) {
                let row_at = bill.rows.iter().position(|r| r.serial == item.sl_no).unwrap();
                let mut quantity = bill.rows[row_at].quantity;
                if let Some(next) = bill.rows.get(row_at + 1).filter(|r| r.kind == RowKind::Excess) {
                    quantity += next.quantity;
                }
                prop_assert_eq!(quantity, q.quantity);
            }
            for (i, label) in bill.rows.iter().filter(|r| r.kind == RowKind::Excess).map(|r| &r.description).enumerate() {
                prop_assert_eq!(label, &format!("AE{}", i + 1));
            }
            for figure in bill.rows.iter().map(|r| r.amount).chain(bill.totals.iter().map(|t| t.amount)) {
                prop_assert_eq!(figure.scale(), 2);
                prop_assert!(!figure.is_zero() || figure.is_sign_positive(), "negative zero");
            }
        }

        #[test]
        fn payments_over_a_chain_add_up_to_the_last_till_date_total(
            (items, levels) in chain_case(),
            premium in premium(),
        ) {
            let bills = levels.iter().map(Vec::len).max().unwrap();
            let first_bill = first(items.clone(), quantities_at(&levels, 0), premium);
            let mut paid = first_bill.total;
            let mut last_total = first_bill.total;
            let mut printed = first_bill.printed_till_date();
            for number in 1..bills {
                let input = NthBillInput {
                    number: number as u32 + 1,
                    is_final: false,
                    items: items.clone(),
                    till_date: quantities_at(&levels, number),
                    previous_till_date: quantities_at(&levels, number - 1),
                    previous_printed: Some(printed.clone()),
                    tender_premium: premium,
                };
                let bill = nth_bill(&input).unwrap();
                // With the caps and the premium unchanged, the figures the previous bill
                // printed are the ones a bill stored before they were carried recomputes.
                let recomputed = nth_bill(&NthBillInput { previous_printed: None, ..input }).unwrap();
                prop_assert_eq!(&bill, &recomputed);
                printed = bill.printed_till_date();
                for row in &bill.rows {
                    prop_assert_eq!(row.till_date.amount, half_up_reference(row.till_date.quantity * row.rate));
                    prop_assert_eq!(row.previous.amount, half_up_reference(row.previous.quantity * row.rate));
                    prop_assert_eq!(row.since_last.amount, row.till_date.amount - row.previous.amount);
                    prop_assert_eq!(row.since_last.quantity, row.till_date.quantity - row.previous.quantity);
                    prop_assert!(row.since_last.quantity >= Decimal::ZERO);
                }
                for line in &bill.totals {
                    let f = line.figures;
                    prop_assert_eq!(f.since_last, f.till_date - f.previous);
                    for figure in [f.till_date, f.previous, f.since_last] {
                        prop_assert_eq!(figure.scale(), 2);
                        prop_assert!(!figure.is_zero() || figure.is_sign_positive(), "negative zero");
                    }
                }
                let column = |pick: fn(&NthBillRow) -> Decimal| bill.rows.iter().map(pick).sum::<Decimal>();
                prop_assert_eq!(bill.sub_total.till_date, column(|r| r.till_date.amount));
                prop_assert_eq!(bill.sub_total.previous, column(|r| r.previous.amount));
                prop_assert_eq!(bill.sub_total.since_last, column(|r| r.since_last.amount));
                prop_assert_eq!(bill.total.previous, last_total);
                paid += bill.amount_payable;
                last_total = bill.total.till_date;
            }
            prop_assert_eq!(paid, last_total);
        }

        #[test]
        fn the_previous_column_is_what_the_previous_bill_printed_when_caps_and_premiums_move(
            (items, levels) in chain_case(),
            premiums in proptest::collection::vec(premium(), 4),
            caps in proptest::collection::vec(proptest::collection::vec(decimal(5_000, 2), 12), 4),
        ) {
            // Each bill follows a working estimate of its own: every item's cap may move, and
            // the work's premium may be edited, between two bills.
            let capped = |bill: usize| -> Vec<EstimateItem> {
                items.iter().zip(&caps[bill % caps.len()]).map(|(item, &cap)| EstimateItem {
                    quantity: cap,
                    ..item.clone()
                }).collect()
            };
            let bills = levels.iter().map(Vec::len).max().unwrap();
            let first_bill = first(capped(0), quantities_at(&levels, 0), premiums[0]);
            let mut paid = first_bill.total;
            let mut printed = first_bill.printed_till_date();
            for number in 1..bills {
                let bill = nth_bill(&NthBillInput {
                    number: number as u32 + 1,
                    is_final: false,
                    items: capped(number),
                    till_date: quantities_at(&levels, number),
                    previous_till_date: quantities_at(&levels, number - 1),
                    previous_printed: Some(printed.clone()),
                    tender_premium: premiums[number % premiums.len()],
                }).unwrap();
                // Item by item, and AE row by AE row, H is what the previous bill printed.
                let mut serial = String::new();
                for row in &bill.rows {
                    if row.kind != RowKind::Excess {
                        serial = row.serial.clone();
                    }
                    let before = printed.items.iter().find(|p| p.sl_no == serial).unwrap();
                    let expected = if row.kind == RowKind::Excess { before.excess } else { before.within };
                    prop_assert_eq!(row.previous, expected);
                    prop_assert_eq!(row.till_date.amount, half_up_reference(row.till_date.quantity * row.rate));
                    prop_assert_eq!(row.since_last.amount, row.till_date.amount - row.previous.amount);
                }
                // Every printed AE row of the previous bill is deducted somewhere.
                let deducted: Decimal = bill.rows.iter().map(|r| r.previous.amount).sum();
                let printed_rows: Decimal = printed.items.iter().map(|p| p.within.amount + p.excess.amount).sum();
                prop_assert_eq!(deducted, printed_rows);
                prop_assert_eq!(bill.sub_total.previous, printed.sub_total);
                prop_assert_eq!(bill.total.previous, printed.total);
                for line in &bill.totals {
                    prop_assert_eq!(line.figures.since_last, line.figures.till_date - line.figures.previous);
                }
                paid += bill.amount_payable;
                printed = bill.printed_till_date();
            }
            // The payments of the chain add up to the last bill's till-date Total.
            prop_assert_eq!(paid, printed.total);
        }
    }
}
