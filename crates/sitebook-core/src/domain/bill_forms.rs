//! The department's bill forms (DOMAIN.md §2a): the running-account form of an intermediate
//! bill, and the final bill's Account of Work Executed and Memorandum of Payment.
//!
//! Both forms restate, in the department's order, figures the bill and its memorandum already
//! fix, so they are derived from them and never entered: a form can disagree with its bill only
//! if this module is wrong, and the tests check that each form adds up to the bill.
//!
//! Decisions where DOMAIN.md is silent:
//! - "Amount withheld" is what the capped lines (security deposit, retention) hold up to date:
//!   what earlier bills held (whatever lines are in force now) plus this bill's share. Its rate
//!   is printed when it accounts for the whole amount: one capped percentage line, whose rate
//!   on the value up to date gives the amount withheld, give or take each bill's rounding. Once
//!   that line's cap stops it, the rate is printed with the cap ("@ 5 %, up to its cap of
//!   10,000.00"): the form's "@ p %" alone would then not give the amount beside it.
//! - "Authorised additions" are the memorandum's additions up to date (GST billed on the work).
//! - The running-account form's "approximate value of work not yet measured" is nil: every
//!   bill Sitebook makes is of measured work.
//! - "Intermediate payments already made" are the earlier bills' payments before recoveries:
//!   their value with their additions, less what they withheld. So the payment now due is this
//!   bill's gross with its additions less what it withholds, and it splits exactly into the
//!   recoveries and the cheque.
//! - The final account compares what was billed up to date with the agreement, item by item:
//!   each item's billed quantity at its agreement rate against its agreement amount gives the
//!   excess measured (more) or the value recovered by measurement (less); items never executed
//!   are omissions; supplemental items are the authorised extras. What the item's printed
//!   amounts differ from its quantity at the agreement rate by is the rates the working
//!   estimates revised, a line of its own (DOMAIN.md's form has none for it, and a revision is
//!   neither a quantity measured nor an extra item). Its sub total is therefore the bill's own.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::bill::RowKind;
use super::estimate::EstimateItem;
use super::money::{amount, format_indian, format_percent, percent_of, LabelledAmount};
use super::payments::{Base, Charge, Memorandum, PaymentTerms};
use super::words::amount_in_words;

/// How payment of a bill is accounted for, the same in the running-account form and in the
/// final bill's memorandum of payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAccount {
    /// Value of work measured up to date (the bill's till-date Total).
    pub value_measured: Decimal,
    /// Authorised additions up to date.
    pub authorised_additions: Decimal,
    /// Amount withheld up to date by the capped lines.
    pub withheld: Decimal,
    /// The rate printed with the amount withheld, when one capped percentage line holds it.
    pub withheld_rate: Option<Decimal>,
    /// The cap that line stopped at, printed with its rate, when the rate alone would give
    /// more than was withheld.
    pub withheld_cap: Option<Decimal>,
    /// Earlier bills' payments before recoveries.
    pub paid_before: Decimal,
    /// What this bill pays before recoveries.
    pub payment_now_due: Decimal,
    /// This bill's deductions and recoveries other than the amount withheld.
    pub recoveries: Decimal,
    /// The net payable by cheque.
    pub by_cheque: Decimal,
    /// The cheque in words.
    pub by_cheque_in_words: String,
}

impl PaymentAccount {
    /// The balance up-to-date payment: value with additions, less the amount withheld.
    pub fn balance_up_to_date(&self) -> Decimal {
        self.value_measured + self.authorised_additions - self.withheld
    }

    /// `Amount withheld @ 5 %`, with the cap that stopped it when one did, or without a rate
    /// when no single rate applies.
    pub fn withheld_label(&self) -> String {
        match (self.withheld_rate, self.withheld_cap) {
            (Some(rate), None) => format!("Amount withheld @ {} %", format_percent(rate)),
            (Some(rate), Some(cap)) => format!(
                "Amount withheld @ {} %, up to its cap of {}",
                format_percent(rate),
                format_indian(cap)
            ),
            (None, _) => "Amount withheld".to_owned(),
        }
    }
}

/// The payment account of a bill from its memorandum and its frozen terms.
pub fn payment_account(memorandum: &Memorandum, terms: &PaymentTerms) -> PaymentAccount {
    let capped = || terms.lines.iter().filter(|line| line.cap.is_some());
    let held_earlier = terms.held_earlier();
    let held_now: Decimal = memorandum
        .deductions
        .iter()
        .filter(|line| terms.withholds(&line.code))
        .map(|line| line.amount)
        .sum();
    let additions_now = memorandum.total_additions();
    let additions_to_date = terms.additions_before + additions_now;
    let withheld = held_earlier + held_now;
    // The rate is printed when it accounts for the whole amount: one capped percentage line,
    // at whose rate the value up to date gives the amount withheld, give or take the paise of
    // each bill's rounding. Once its cap stops it, the rate is printed with the cap, provided
    // the earlier bills held at that rate too (up to the cap). A rate changed along the chain
    // leaves it out.
    let about = |a: Decimal, b: Decimal| (a - b).abs() <= Decimal::ONE;
    let (withheld_rate, withheld_cap) = match capped().collect::<Vec<_>>().as_slice() {
        [line] => match (line.charge, line.cap) {
            (Charge::Percent(rate), Some(cap)) => {
                let (base, base_before) = match line.base {
                    Base::Gross => (memorandum.value_till_date, memorandum.previous_payments),
                    Base::GrossWithAdditions => (
                        memorandum.value_till_date + additions_to_date,
                        memorandum.previous_payments + terms.additions_before,
                    ),
                };
                let at_rate = percent_of(base, rate);
                let cap = terms.cap_amount(cap);
                let held_at_rate_before =
                    about(held_earlier, percent_of(base_before, rate).min(cap));
                if about(at_rate, withheld) {
                    (Some(rate), None)
                } else if withheld == cap && at_rate > cap && held_at_rate_before {
                    (Some(rate), Some(cap))
                } else {
                    (None, None)
                }
            }
            _ => (None, None),
        },
        _ => (None, None),
    };
    PaymentAccount {
        value_measured: memorandum.value_till_date,
        authorised_additions: additions_to_date,
        withheld,
        withheld_rate,
        withheld_cap,
        paid_before: memorandum.previous_payments + terms.additions_before - held_earlier,
        payment_now_due: memorandum.gross + additions_now - held_now,
        recoveries: memorandum.total_deductions() - held_now,
        by_cheque: memorandum.net_payable,
        by_cheque_in_words: amount_in_words(memorandum.net_payable),
    }
}

/// One billed row of a final bill, as the account of work reads it: AE rows follow the item
/// or supplemental row they exceed.
#[derive(Debug, Clone, Copy)]
pub struct BilledRow<'a> {
    /// Item, supplemental or AE row.
    pub kind: RowKind,
    /// The serial; empty on AE rows.
    pub serial: &'a str,
    /// The till-date quantity.
    pub quantity: Decimal,
    /// The printed till-date amount.
    pub amount: Decimal,
}

/// The final bill's I. Account of Work Executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOfWork {
    /// (i) The agreement's items at their agreement quantities and rates.
    pub agreement_value: Decimal,
    /// (ii) Supplemental items executed.
    pub authorised_extras: Decimal,
    /// (iii) Items measured beyond their agreement quantities, at agreement rates.
    pub measured_in_excess: Decimal,
    /// What the rates the working estimates revised add to the items billed (less, when
    /// negative): their printed amounts less their quantities at the agreement rates.
    #[serde(default)]
    pub rates_revised: Decimal,
    /// (iv) Agreement items never executed.
    pub omissions: Decimal,
    /// (v) Agreement items executed short of their agreement quantities, at agreement rates.
    pub recovered_by_measurement: Decimal,
    /// (i) + (ii) + (iii) + rates revised − (iv) − (v): the bill's sub total.
    pub sub_total: Decimal,
    /// The tender premium line, its amount signed (negative when deducted).
    pub tender_premium: Option<LabelledAmount>,
    /// The net total value of work done: the bill's till-date Total.
    pub net_value: Decimal,
}

/// The account of work of a final bill: its till-date rows against the agreement's items.
/// `tender_premium` is the bill's T.P line (shown positive) and `total` its till-date Total.
pub fn account_of_work(
    rows: &[BilledRow<'_>],
    agreement: &[EstimateItem],
    tender_premium: Option<&LabelledAmount>,
    total: Decimal,
) -> AccountOfWork {
    // Each item's billed quantity and value: its row and the AE rows after it.
    let mut billed: Vec<(&str, RowKind, Decimal, Decimal)> = Vec::new();
    for row in rows {
        match (row.kind, billed.last_mut()) {
            (RowKind::Excess, Some(last)) => {
                last.2 += row.quantity;
                last.3 += row.amount;
            }
            _ => billed.push((row.serial, row.kind, row.quantity, row.amount)),
        }
    }
    let mut account = AccountOfWork {
        agreement_value: Decimal::ZERO,
        authorised_extras: Decimal::ZERO,
        measured_in_excess: Decimal::ZERO,
        rates_revised: Decimal::ZERO,
        omissions: Decimal::ZERO,
        recovered_by_measurement: Decimal::ZERO,
        sub_total: Decimal::ZERO,
        tender_premium: None,
        net_value: total,
    };
    for item in agreement {
        let agreed = item.computed_amount();
        account.agreement_value += agreed;
        let (quantity, done) = billed
            .iter()
            .filter(|(serial, kind, _, _)| *serial == item.sl_no && *kind != RowKind::Supplemental)
            .fold(
                (Decimal::ZERO, Decimal::ZERO),
                |(q, a), (_, _, quantity, amount)| (q + quantity, a + amount),
            );
        if done.is_zero() && quantity.is_zero() {
            account.omissions += agreed;
            continue;
        }
        let at_agreement_rate = amount(quantity, item.rate);
        if at_agreement_rate > agreed {
            account.measured_in_excess += at_agreement_rate - agreed;
        } else {
            account.recovered_by_measurement += agreed - at_agreement_rate;
        }
        account.rates_revised += done - at_agreement_rate;
    }
    let in_agreement = |serial: &str| agreement.iter().any(|item| item.sl_no == serial);
    account.authorised_extras = billed
        .iter()
        .filter(|(serial, kind, _, _)| *kind == RowKind::Supplemental || !in_agreement(serial))
        .map(|(_, _, _, amount)| *amount)
        .sum();
    account.sub_total = account.agreement_value
        + account.authorised_extras
        + account.measured_in_excess
        + account.rates_revised
        - account.omissions
        - account.recovered_by_measurement;
    account.tender_premium = tender_premium.map(|tp| LabelledAmount {
        label: tp.label.clone(),
        amount: total - account.sub_total,
    });
    account
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payments::{
        held_after, memorandum, Base, BillFigures, Cap, Effect, HeldBefore, MemorandumLine,
        PaymentLine,
    };
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    proptest! {
        /// Along any chain, the intermediate payments a bill's form says were made are exactly
        /// the earlier forms' payments now due, and each payment now due splits into the
        /// recoveries and the cheque.
        #[test]
        fn each_form_carries_the_chain_forward(
            grosses in proptest::collection::vec(1i64..5_000_000_000, 1..8),
            sd_rate in 0u32..1_000,
            gst_rate in 0u32..2_000,
            cap in 0i64..10_000_000_000,
        ) {
            let percent_line = |code: &str, effect, p: Decimal, cap| PaymentLine {
                code: code.to_owned(),
                label: code.to_owned(),
                effect,
                base: Base::Gross,
                charge: Charge::Percent(p),
                threshold: None,
                cap,
                valid_from: None,
                valid_to: None,
                unless_estimate_has_lc: false,
                individual_percent: None,
            };
            let mut terms = PaymentTerms {
                lines: vec![
                    percent_line("GST", Effect::Addition, Decimal::new(gst_rate.into(), 2), None),
                    percent_line(
                        "SD",
                        Effect::Deduction,
                        Decimal::new(sd_rate.into(), 2),
                        Some(Cap::Amount(Decimal::new(cap, 2))),
                    ),
                    percent_line("TDS", Effect::Deduction, dec!(2), None),
                ],
                recoveries: Vec::new(),
                contract_value: Decimal::ZERO,
                held_before: Vec::new(),
                additions_before: Decimal::ZERO,
                value_before: None,
                estimate_has_lc: false,
                agency_is_individual: false,
            };
            let (mut value, mut paid_so_far) = (Decimal::ZERO, Decimal::ZERO);
            let (mut cheques, mut added, mut deducted) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
            for gross in grosses {
                let gross = Decimal::new(gross, 2);
                let figures = BillFigures {
                    value_till_date: value + gross,
                    previous_payments: value,
                    gross,
                };
                let memo = memorandum(figures, &terms).unwrap();
                let account = payment_account(&memo, &terms);
                prop_assert_eq!(account.paid_before, paid_so_far);
                prop_assert_eq!(
                    account.balance_up_to_date() - account.paid_before,
                    account.payment_now_due
                );
                prop_assert_eq!(account.recoveries + account.by_cheque, account.payment_now_due);
                prop_assert!(account.recoveries >= Decimal::ZERO);
                paid_so_far += account.payment_now_due;
                cheques += account.by_cheque;
                added += memo.total_additions();
                deducted += memo.total_deductions();
                value += gross;
                terms.held_before = held_after(&terms, &memo);
                terms.additions_before += memo.total_additions();
            }
            // The cheques of a chain pay its final value with its additions, less every
            // deduction, to the paisa.
            prop_assert_eq!(cheques, value + added - deducted);
        }
    }

    use crate::domain::estimate::cum_item as item;

    fn line(code: &str, amount: Decimal) -> MemorandumLine {
        MemorandumLine {
            code: code.to_owned(),
            label: code.to_owned(),
            detail: String::new(),
            amount,
            percentage: None,
        }
    }

    fn sd_line() -> PaymentLine {
        PaymentLine {
            code: "SD".to_owned(),
            label: "Security deposit".to_owned(),
            effect: Effect::Deduction,
            base: Base::Gross,
            charge: Charge::Percent(dec!(5)),
            threshold: None,
            cap: Some(Cap::Amount(dec!(10000))),
            valid_from: None,
            valid_to: None,
            unless_estimate_has_lc: false,
            individual_percent: None,
        }
    }

    /// The terms of a later bill on a 5,00,000 contract under [`sd_line`] alone, with `held`
    /// of deposit and `added` of additions from the bills before it.
    fn sd_terms(held: Decimal, added: Decimal) -> PaymentTerms {
        PaymentTerms {
            lines: vec![sd_line()],
            recoveries: Vec::new(),
            contract_value: dec!(500000),
            held_before: vec![HeldBefore {
                code: "SD".to_owned(),
                amount: held,
            }],
            additions_before: added,
            value_before: None,
            estimate_has_lc: false,
            agency_is_individual: false,
        }
    }

    #[test]
    fn the_payment_now_due_splits_into_recoveries_and_the_cheque() {
        // Second bill: 1,20,000 till date, 80,000 before, so 40,000 gross; GST 18 % added;
        // SD 5 % of 40,000 = 2,000 (4,000 held before); TDS 2 % of 40,000 = 800.
        let terms = sd_terms(dec!(4000), dec!(14400));
        let memorandum = Memorandum {
            value_till_date: dec!(120000),
            previous_payments: dec!(80000),
            gross: dec!(40000),
            additions: vec![line("GST", dec!(7200))],
            deductions: vec![line("SD", dec!(2000)), line("IT-TDS", dec!(800))],
            net_payable: dec!(44400),
            net_in_words: String::new(),
        };
        let account = payment_account(&memorandum, &terms);
        assert_eq!(account.value_measured, dec!(120000));
        assert_eq!(account.authorised_additions, dec!(21600));
        assert_eq!(account.withheld, dec!(6000));
        assert_eq!(account.withheld_rate, Some(dec!(5)));
        assert_eq!(account.balance_up_to_date(), dec!(135600));
        // Before: 80,000 + 14,400 − 4,000.
        assert_eq!(account.paid_before, dec!(90400));
        assert_eq!(account.payment_now_due, dec!(45200));
        assert_eq!(
            account.balance_up_to_date() - account.paid_before,
            account.payment_now_due
        );
        assert_eq!(account.recoveries, dec!(800));
        assert_eq!(account.recoveries + account.by_cheque, dec!(45200));
        assert_eq!(account.withheld_label(), "Amount withheld @ 5 %");
    }

    #[test]
    fn a_deposit_stopped_by_its_cap_prints_its_rate_with_the_cap() {
        // 3,00,000 till date, 1,60,000 before (5 % of which, 8,000, is held). SD 5 % of
        // 1,40,000 would be 7,000, but 2,000 is left of the 10,000 cap, so the cap is reached.
        // 5 % of 3,00,000 is 15,000, not the 10,000 withheld: "@ 5 %" alone would be wrong.
        let terms = sd_terms(dec!(8000), Decimal::ZERO);
        let memorandum = |till_date: Decimal, before: Decimal, held_now: Decimal| Memorandum {
            value_till_date: till_date,
            previous_payments: before,
            gross: till_date - before,
            additions: Vec::new(),
            deductions: vec![line("SD", held_now)],
            net_payable: till_date - before - held_now,
            net_in_words: String::new(),
        };
        let account = payment_account(&memorandum(dec!(300000), dec!(160000), dec!(2000)), &terms);
        assert_eq!(account.withheld, dec!(10000));
        assert_eq!(
            account.withheld_label(),
            "Amount withheld @ 5 %, up to its cap of 10,000.00"
        );

        // Exactly at the cap by the rate (5 % of 2,00,000): the rate alone says it.
        let account = payment_account(&memorandum(dec!(200000), dec!(160000), dec!(2000)), &terms);
        assert_eq!(account.withheld_label(), "Amount withheld @ 5 %");

        // Short of the cap and off the rate (the rate changed along the chain): neither.
        let account = payment_account(&memorandum(dec!(150000), dec!(120000), dec!(1000)), &terms);
        assert_eq!(account.withheld, dec!(9000));
        assert_eq!(account.withheld_label(), "Amount withheld");

        // At the cap, but the 8,000 held on 1,00,000 before was not 5 % of it (the rate
        // changed): no one rate stands for the amount, with its cap or without.
        let account = payment_account(&memorandum(dec!(300000), dec!(100000), dec!(2000)), &terms);
        assert_eq!(account.withheld, dec!(10000));
        assert_eq!(account.withheld_label(), "Amount withheld");
    }

    #[test]
    fn a_deposit_held_stays_in_the_account_when_no_deposit_line_is_in_force() {
        // Bill 1 withheld 16,536.75 of SD; bill 2's date falls after the SD line's last day,
        // so it withholds nothing, and its form still holds bill 1's deposit. Bill 2 is worth
        // 3,64,118.96 on 3,30,734.99 before (6,94,853.95 till date), with 2 % TDS only.
        let tds = PaymentLine {
            code: "IT-TDS".to_owned(),
            cap: None,
            charge: Charge::Percent(dec!(2)),
            ..sd_line()
        };
        let terms = PaymentTerms {
            lines: vec![tds],
            recoveries: Vec::new(),
            contract_value: dec!(747634.01),
            held_before: vec![HeldBefore {
                code: "SD".to_owned(),
                amount: dec!(16536.75),
            }],
            additions_before: Decimal::ZERO,
            value_before: None,
            estimate_has_lc: false,
            agency_is_individual: false,
        };
        let tds_now = dec!(7282.38); // 2 % of 3,64,118.96 = 7,282.3792
        let memorandum = Memorandum {
            value_till_date: dec!(694853.95),
            previous_payments: dec!(330734.99),
            gross: dec!(364118.96),
            additions: Vec::new(),
            deductions: vec![line("IT-TDS", tds_now)],
            net_payable: dec!(364118.96) - tds_now,
            net_in_words: String::new(),
        };
        let account = payment_account(&memorandum, &terms);
        assert_eq!(account.withheld, dec!(16536.75));
        assert_eq!(account.withheld_label(), "Amount withheld");
        // Bill 1 paid 3,30,734.99 less its deposit; 6,94,853.95 − 16,536.75 is due up to date.
        assert_eq!(account.paid_before, dec!(330734.99) - dec!(16536.75));
        assert_eq!(
            account.balance_up_to_date(),
            dec!(694853.95) - dec!(16536.75)
        );
        assert_eq!(account.payment_now_due, dec!(364118.96));
    }

    #[test]
    fn the_account_of_work_reconciles_the_agreement_to_the_bill() {
        let agreement = vec![
            item("1", dec!(10), dec!(100)), // 1,000.00, billed 1,200.00: excess 200
            item("2", dec!(5), dec!(200)),  // 1,000.00, never done: omission
            item("3", dec!(4), dec!(50.5)), // 202.00, billed 151.50: short 50.50
            item("4", dec!(1), dec!(10.01)), // 10.01, billed exactly
        ];
        let rows = [
            billed(RowKind::Item, "1", dec!(10), dec!(1000)),
            billed(RowKind::Excess, "", dec!(2), dec!(200)),
            billed(RowKind::Item, "2", Decimal::ZERO, Decimal::ZERO),
            billed(RowKind::Item, "3", dec!(3), dec!(151.50)),
            billed(RowKind::Item, "4", dec!(1), dec!(10.01)),
            billed(RowKind::Supplemental, "S1", dec!(3), dec!(300)),
            billed(RowKind::Excess, "", dec!(0.3), dec!(30)),
        ];
        let sub_total = dec!(1000) + dec!(200) + dec!(151.50) + dec!(10.01) + dec!(330);
        // Deduct T.P @ 5 % Less on 1,691.51 = 84.58 (84.5755 rounded).
        let tp = LabelledAmount {
            label: "Deduct T.P @ 5 % Less".to_owned(),
            amount: dec!(84.58),
        };
        let total = sub_total - dec!(84.58);
        let account = account_of_work(&rows, &agreement, Some(&tp), total);
        assert_eq!(account.agreement_value, dec!(2212.01));
        assert_eq!(account.authorised_extras, dec!(330));
        assert_eq!(account.measured_in_excess, dec!(200));
        assert_eq!(account.omissions, dec!(1000));
        assert_eq!(account.recovered_by_measurement, dec!(50.50));
        assert_eq!(account.rates_revised, Decimal::ZERO);
        assert_eq!(account.sub_total, sub_total);
        assert_eq!(account.tender_premium.unwrap().amount, dec!(-84.58));
        assert_eq!(account.net_value, total);
    }

    fn billed(kind: RowKind, serial: &str, quantity: Decimal, amount: Decimal) -> BilledRow<'_> {
        BilledRow {
            kind,
            serial,
            quantity,
            amount,
        }
    }

    #[test]
    fn a_rate_revised_by_a_work_slip_is_its_own_line_not_a_quantity_measured() {
        let agreement = vec![
            item("A", dec!(10), dec!(123.45)), // 1,234.50
            item("B", dec!(20), dec!(67.89)),  // 1,357.80
            item("C", dec!(10), dec!(100)),    // 1,000.00
            item("D", dec!(5), dec!(200)),     // 1,000.00
        ];
        let rows = [
            // A: its agreement quantity, at 130.00 from a work slip: 10 × 130 = 1,300.00.
            billed(RowKind::Item, "A", dec!(10), dec!(1300.00)),
            // B: 12 of 20 at its own rate: 12 × 67.89 = 814.68.
            billed(RowKind::Item, "B", dec!(12), dec!(814.68)),
            // C: 8 of 10, at 130.00: 8 × 130 = 1,040.00.
            billed(RowKind::Item, "C", dec!(8), dec!(1040.00)),
            // D: 5 and 1 above, at 180.00: 6 × 180 = 1,080.00.
            billed(RowKind::Item, "D", dec!(5), dec!(900.00)),
            billed(RowKind::Excess, "", dec!(1), dec!(180.00)),
        ];
        let account = account_of_work(&rows, &agreement, None, dec!(4134.68));
        // No item is measured beyond its agreement quantity but D (6 × 200 − 1,000 = 200).
        assert_eq!(account.measured_in_excess, dec!(200.00));
        // Short, at agreement rates: B (20 − 12) × 67.89 = 543.12, C 2 × 100 = 200.
        assert_eq!(account.recovered_by_measurement, dec!(743.12));
        // Revised: A 10 × (130 − 123.45) = 65.50, C 8 × 30 = 240, D 6 × (180 − 200) = −120.
        assert_eq!(account.rates_revised, dec!(185.50));
        // The bill's own sub total: 1,300.00 + 814.68 + 1,040.00 + 1,080.00.
        assert_eq!(account.sub_total, dec!(4234.68));
        assert_eq!(
            account.agreement_value + account.measured_in_excess + account.rates_revised
                - account.recovered_by_measurement,
            dec!(4234.68)
        );
    }
}
