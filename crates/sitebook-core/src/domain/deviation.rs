//! The deviation statement of a work slip (DOMAIN.md §2a): item by item, the sanctioned
//! quantity and amount against the working estimate's, the excess and the saving, and whether
//! the working estimate has outgrown its sanction.
//!
//! It restates a computed [`Workslip`] (never its input), so it cannot disagree with the work
//! slip it accompanies. An item's working figures are its current-phase row; an AE row after
//! it is a line of its own with no sanctioned figures, as is a supplemental item, so all of
//! either is excess. Every line then satisfies Amount = ROUND2(Quantity x Rate).
//!
//! The work slip balances back to the sanctioned Grand Total through its L.S. provision. When
//! that provision turns negative the working estimate costs more than was sanctioned, which
//! needs a revised administrative sanction: [`DeviationStatement::revised_sanction_needed`].

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::bill::{QuantityAmount, RowKind};
use super::money::format_indian;
use super::workslip::{FooterRole, Workslip};

/// One item of the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationLine {
    /// The serial (`3`, `S1`).
    pub serial: String,
    /// The description.
    pub description: String,
    /// Plural unit.
    pub unit: String,
    /// The rate the working estimate uses.
    pub rate: Decimal,
    /// Sanctioned quantity; `None` for a supplemental item.
    pub sanctioned_quantity: Option<Decimal>,
    /// Sanctioned amount (zero for a supplemental item).
    pub sanctioned_amount: Decimal,
    /// Working-estimate quantity (of the item's row, or of the AE row).
    pub working_quantity: Decimal,
    /// Working-estimate amount.
    pub working_amount: Decimal,
    /// Working above sanctioned, else zero.
    pub excess: Decimal,
    /// Sanctioned above working, else zero.
    pub saving: Decimal,
    /// `Deleted`, `Supplemental item`, `Beyond sanctioned qty` (an AE row), or empty.
    pub remarks: String,
}

/// A work slip's deviation statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationStatement {
    /// The work slip's phase.
    pub phase: u32,
    /// The items in work-slip order.
    pub lines: Vec<DeviationLine>,
    /// Sum of the sanctioned amounts.
    pub sanctioned_total: Decimal,
    /// Sum of the working amounts.
    pub working_total: Decimal,
    /// Sum of the excesses.
    pub total_excess: Decimal,
    /// Sum of the savings.
    pub total_saving: Decimal,
    /// The sanctioned Grand Total.
    pub sanctioned_grand_total: Decimal,
    /// The working estimate's L.S. provision towards unforeseen items.
    pub ls_provision: Decimal,
}

impl DeviationStatement {
    /// Excess less saving: how far the items moved from the sanction.
    pub fn net_deviation(&self) -> Decimal {
        self.total_excess - self.total_saving
    }

    /// By how much the working estimate exceeds the sanctioned Grand Total, when it does.
    pub fn revised_sanction_needed(&self) -> Option<Decimal> {
        (self.ls_provision < Decimal::ZERO).then(|| -self.ls_provision)
    }

    /// The sentence that flags a needed revised sanction, on screen, in print and on the job.
    pub fn revised_sanction_notice(&self) -> Option<String> {
        self.revised_sanction_needed().map(|over| {
            format!(
                "Working estimate {} exceeds the sanctioned Grand Total of Rs. {} by Rs. {} \
                 (its L.S. provision is -{}): a revised administrative sanction is needed.",
                self.phase,
                format_indian(self.sanctioned_grand_total),
                format_indian(over),
                format_indian(over)
            )
        })
    }
}

/// The deviation statement of a computed work slip.
pub fn deviation_statement(slip: &Workslip) -> DeviationStatement {
    let mut lines: Vec<DeviationLine> = Vec::new();
    for line in slip.lines() {
        let current = line.current().unwrap_or(QuantityAmount {
            quantity: Decimal::ZERO,
            amount: Decimal::ZERO,
        });
        // An AE row is stated on a line of its own, as the work slip prints it: folded into
        // its item, the line's amount was two roundings against one quantity, which no
        // auditor re-multiplying Quantity x Rate gets. An AE row of earlier phases only has
        // nothing to state here.
        let excess_row = line.kind == RowKind::Excess;
        if excess_row && current.quantity.is_zero() {
            continue;
        }
        let remarks = match line.kind {
            RowKind::Supplemental if line.remarks == "Deleted" => {
                "Supplemental item, deleted".to_owned()
            }
            RowKind::Supplemental => "Supplemental item".to_owned(),
            RowKind::Excess => "Beyond sanctioned qty".to_owned(),
            _ if line.remarks.starts_with("Deleted") => "Deleted".to_owned(),
            // The working amount is at the rate shown; the sanctioned one at the estimate's.
            _ if line.rate != line.estimate_rate => format!(
                "Sanctioned at {}",
                super::money::format_indian(line.estimate_rate)
            ),
            _ => String::new(),
        };
        lines.push(DeviationLine {
            serial: line.serial.clone(),
            description: line.description.clone(),
            unit: line.unit.clone(),
            rate: line.rate,
            sanctioned_quantity: line.estimate_quantity.filter(|_| !excess_row),
            sanctioned_amount: line
                .estimate_amount
                .filter(|_| !excess_row)
                .unwrap_or_default(),
            working_quantity: current.quantity,
            working_amount: current.amount,
            excess: Decimal::ZERO,
            saving: Decimal::ZERO,
            remarks,
        });
    }
    for line in &mut lines {
        let difference = line.working_amount - line.sanctioned_amount;
        line.excess = difference.max(Decimal::ZERO);
        line.saving = (-difference).max(Decimal::ZERO);
    }
    let sum = |pick: fn(&DeviationLine) -> Decimal| lines.iter().map(pick).sum::<Decimal>();
    let ls_provision = slip
        .footer_line(FooterRole::LsProvision)
        .and_then(|line| line.phases.last().copied())
        .unwrap_or_default();
    DeviationStatement {
        phase: slip.phase,
        sanctioned_total: sum(|l| l.sanctioned_amount),
        working_total: sum(|l| l.working_amount),
        total_excess: sum(|l| l.excess),
        total_saving: sum(|l| l.saving),
        lines,
        sanctioned_grand_total: slip.grand_total,
        ls_provision,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bill::ItemQuantity;
    use crate::domain::workslip::{workslip, PhaseQuantities, SupplementalItem, WorkslipInput};
    use rust_decimal_macros::dec;

    use crate::domain::estimate::cum_item as item;

    fn input(executed: [Decimal; 3], supplemental: Decimal, grand_total: Decimal) -> WorkslipInput {
        WorkslipInput {
            phase: 1,
            items: vec![
                item("1", dec!(10), dec!(100)),
                item("2", dec!(4), dec!(250)),
                item("3", dec!(2), dec!(75.25)),
            ],
            supplemental_items: vec![SupplementalItem {
                sl_no: "S1".to_owned(),
                description: "extra".to_owned(),
                unit: "Nos".to_owned(),
                rate: dec!(40),
                introduced_in_phase: 1,
                origin: None,
            }],
            executed: vec![PhaseQuantities {
                estimate_items: ["1", "2", "3"]
                    .iter()
                    .zip(executed)
                    .map(|(sl, q)| ItemQuantity::new(*sl, q))
                    .collect(),
                supplemental_items: vec![ItemQuantity::new("S1", supplemental)],
                rate_overrides: Vec::new(),
            }],
            rate_overrides: Vec::new(),
            deduct_old_material: None,
            tender_premium: None,
            earlier_premiums: Vec::new(),
            is_amc: false,
            sanctioned_grand_total: grand_total,
        }
    }

    #[test]
    fn excess_saving_and_deleted_items_are_stated_per_item() {
        // 1: 12 of 10 at 100: its row 10 → 1,000 as sanctioned, and the AE row after it
        // 2 → 200, all excess.
        // 2: deleted → saving 1,000.  3: 1 of 2 at 75.25 → 75.25 against 150.50: saving 75.25.
        // S1: 5 at 40 → 200, all excess.
        let slip = workslip(&input([dec!(12), dec!(0), dec!(1)], dec!(5), dec!(5000))).unwrap();
        let statement = deviation_statement(&slip);
        let by = |serial: &str| statement.lines.iter().find(|l| l.serial == serial).unwrap();
        assert_eq!(statement.lines.len(), 5);
        assert_eq!(by("1").working_quantity, dec!(10));
        assert_eq!(by("1").working_amount, dec!(1000));
        assert_eq!((by("1").excess, by("1").saving), (dec!(0), dec!(0)));
        let ae = &statement.lines[1];
        assert_eq!(
            (ae.description.as_str(), ae.remarks.as_str()),
            ("AE1", "Beyond sanctioned qty")
        );
        assert_eq!(ae.sanctioned_quantity, None);
        assert_eq!(
            (ae.working_quantity, ae.working_amount, ae.excess),
            (dec!(2), dec!(200), dec!(200))
        );
        assert_eq!(by("2").saving, dec!(1000));
        assert_eq!(by("2").remarks, "Deleted");
        assert_eq!(by("3").saving, dec!(75.25));
        assert_eq!(by("S1").sanctioned_quantity, None);
        assert_eq!(by("S1").excess, dec!(200));
        assert_eq!(statement.sanctioned_total, dec!(2150.50));
        assert_eq!(statement.working_total, dec!(1475.25));
        assert_eq!(statement.net_deviation(), dec!(1475.25) - dec!(2150.50));
        assert!(statement.revised_sanction_needed().is_none());
    }

    #[test]
    fn every_line_is_its_quantity_times_its_rate_when_an_item_runs_over() {
        // 12 of 10.5 at 123.45: the row is ROUND2(10.5 x 123.45) = ROUND2(1,296.225) =
        // 1,296.23 and the AE row ROUND2(1.5 x 123.45) = ROUND2(185.175) = 185.18. Folded
        // together they were 1,481.41 against 12, which re-multiplies to 1,481.40.
        let mut slip_input = input([dec!(12), dec!(4), dec!(2)], dec!(0), dec!(5000));
        slip_input.items[0] = item("1", dec!(10.5), dec!(123.45));
        slip_input.executed[0].estimate_items[0] = ItemQuantity::new("1", dec!(12));
        let statement = deviation_statement(&workslip(&slip_input).unwrap());
        let figures: Vec<(Decimal, Decimal, Decimal)> = statement
            .lines
            .iter()
            .take(2)
            .map(|l| (l.working_quantity, l.working_amount, l.excess))
            .collect();
        assert_eq!(
            figures,
            [
                (dec!(10.5), dec!(1296.23), dec!(0)),
                (dec!(1.5), dec!(185.18), dec!(185.18))
            ]
        );
        for line in &statement.lines {
            let product = (line.working_quantity * line.rate)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            assert_eq!(line.working_amount, product, "{line:?}");
        }
    }

    #[test]
    fn a_working_estimate_over_the_grand_total_needs_a_revised_sanction() {
        // Items 1,200 + 1,000 + 150.50 + 200 = 2,550.50; with LC, QC, NAC (2.1 %) and
        // GST 18 % it is far above a 2,000 Grand Total.
        let slip = workslip(&input([dec!(12), dec!(4), dec!(2)], dec!(5), dec!(2000))).unwrap();
        let statement = deviation_statement(&slip);
        let over = statement.revised_sanction_needed().expect("flagged");
        // Sub Total 1 = 2,550.50; LC 25.51, QC 25.51, NAC 2.55 → Sub Total 2 = 2,604.07;
        // GST 468.73; LS = 2,000 − 0 − 468.73 − 2,604.07 = −1,072.80.
        assert_eq!(over, dec!(1072.80));
        let notice = statement.revised_sanction_notice().unwrap();
        assert!(
            notice.contains("revised administrative sanction"),
            "{notice}"
        );
        assert!(notice.contains("1,072.80"), "{notice}");
    }
}
