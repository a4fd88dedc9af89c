//! What the contractor is paid (DOMAIN.md §2a): an organization's dated additions and
//! deductions, the per-bill recoveries, and the memorandum of payments that takes a bill's gross
//! down to the net payable by cheque.
//!
//! A bill's lines are frozen into it when it is created ([`PaymentTerms`]), with what earlier
//! bills of the chain already withheld on capped lines, so the memorandum is computed from the
//! bill's stored input alone: editing the table later changes no issued bill.
//!
//! Rules, and decisions where DOMAIN.md is silent:
//! - A percentage line is `ROUND2(base × p / 100)`. Its base is the bill's gross (the value of
//!   work in this bill: a first bill's Total, an Nth bill's since-last Total), or for a line that
//!   says so, the gross with the additions.
//! - Additions come first, then deductions; net = gross + additions − deductions.
//! - A threshold is on the contract value, the agreement's value (the sanctioned ECV with the
//!   agreement's tender premium, [`agreement_value`](super::tender::agreement_value)), not the
//!   estimate amount, which also carries GST and provisions: the line applies only when the
//!   contract value exceeds it (GST-TDS above 2,50,000). A percentage cap is of the same value.
//! - A capped line (security deposit) withholds no more than the cap less what earlier bills of
//!   the chain withheld; once the cap is held it shows 0.00 with a note, so an auditor sees why.
//! - A line is in force on a date when the date is within its validity period, both ends
//!   included; an open end is unbounded.
//! - A net payable below zero is refused: deductions cannot exceed what the bill pays.
//! - Labour cess is deducted only "where it was not already collected in the estimate": a line
//!   marked [`unless_estimate_has_lc`](PaymentLine::unless_estimate_has_lc) shows nil on the
//!   bills of an estimate whose footer has an `Add LC` row, so the contractor is not charged
//!   the cess the department already provided for.
//! - Income-tax TDS depends on who the agency is (section 194C: 1 % for an individual or a
//!   Hindu undivided family, 2 % for others): a percentage line may carry an
//!   [individual's rate](PaymentLine::individual_percent), which the bills of a work whose
//!   agency is marked as one take instead.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::money::{format_indian, format_percent, percent_of, round2, within_limit};
use super::words::amount_in_words;
use super::work::DocDate;

/// Whether a line adds to the gross or is taken from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Added before the deductions (GST billed on the work value).
    Addition,
    /// Withheld or recovered from the bill.
    Deduction,
}

/// What a percentage line is a percentage of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// The bill's gross: the value of work in this bill.
    Gross,
    /// The gross with this bill's additions.
    GrossWithAdditions,
}

/// How much a line takes: a percentage of its base, or a fixed amount per bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Charge {
    /// A percentage of the base.
    Percent(Decimal),
    /// The same amount on every bill.
    Fixed(Decimal),
}

/// The most a line withholds over the whole chain (the security deposit to be held).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Cap {
    /// A fixed total.
    Amount(Decimal),
    /// A percentage of the contract value.
    PercentOfContract(Decimal),
}

/// One dated line of an organization's table of additions and deductions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    /// A short name that identifies the line along a chain (`SD`, `IT-TDS`); capped lines
    /// are matched by it from bill to bill.
    pub code: String,
    /// What the memorandum prints (`Security deposit`).
    pub label: String,
    /// Addition or deduction.
    pub effect: Effect,
    /// What a percentage is taken of.
    pub base: Base,
    /// A percentage or a fixed amount.
    pub charge: Charge,
    /// The line applies only when the contract value exceeds this.
    pub threshold: Option<Decimal>,
    /// The most withheld over the chain.
    pub cap: Option<Cap>,
    /// First day in force (open when `None`).
    pub valid_from: Option<DocDate>,
    /// Last day in force (open when `None`).
    pub valid_to: Option<DocDate>,
    /// Nil on the bills of an estimate that already collects labour cess (its footer has an
    /// `Add LC` row). Lines stored before this was kept read it as `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unless_estimate_has_lc: bool,
    /// A percentage line's rate when the agency is an individual or a Hindu undivided family
    /// (income-tax TDS under section 194C: 1 % against 2 %); `None`, the same rate for every
    /// agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual_percent: Option<Decimal>,
}

/// Why a line cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PaymentLineError {
    /// The code is empty or not a short name.
    #[error(
        "the code must be 1 to 16 letters, digits or dashes (like SD or IT-TDS), not {code:?}"
    )]
    BadCode {
        /// What was given.
        code: String,
    },
    /// The label is empty or too long.
    #[error("the label must be 1 to 80 characters")]
    BadLabel,
    /// A percentage outside 0..=100.
    #[error("{what} must be a percentage from 0 to 100, not {value}")]
    BadPercent {
        /// Which figure.
        what: &'static str,
        /// The figure.
        value: Decimal,
    },
    /// A negative or absurd amount.
    #[error(
        "{what} must be an amount from 0 to {}, not {value}",
        format_indian(super::money::MAX_FIGURE)
    )]
    BadAmount {
        /// Which figure.
        what: &'static str,
        /// The figure.
        value: Decimal,
    },
    /// An amount finer than a paisa: the table would show it rounded, and a bill would take
    /// it rounded, so what was typed is not what is paid.
    #[error("{what} ({value}) has more than two decimal places; give it in rupees and paise")]
    FinerThanPaise {
        /// Which figure.
        what: &'static str,
        /// The figure.
        value: Decimal,
    },
    /// The period ends before it starts.
    #[error(
        "the line is valid from {from} but only until {to}; the end must not be before the start"
    )]
    BadPeriod {
        /// Start.
        from: DocDate,
        /// End.
        to: DocDate,
    },
    /// A cap on an addition means nothing.
    #[error("only a deduction can have a cap")]
    CapOnAddition,
    /// A fixed amount has no rate to vary by the agency.
    #[error("only a percentage line can have an individual's rate")]
    IndividualRateOnFixed,
}

fn check_percent(what: &'static str, value: Decimal) -> Result<(), PaymentLineError> {
    if value < Decimal::ZERO || value > dec!(100) {
        Err(PaymentLineError::BadPercent { what, value })
    } else {
        Ok(())
    }
}

fn check_amount(what: &'static str, value: Decimal) -> Result<(), PaymentLineError> {
    if value < Decimal::ZERO || !within_limit(value) {
        Err(PaymentLineError::BadAmount { what, value })
    } else if super::money::finer_than_paise(value) {
        Err(PaymentLineError::FinerThanPaise { what, value })
    } else {
        Ok(())
    }
}

impl PaymentLine {
    /// Checks the line; every face calls this before a line is stored.
    pub fn validate(&self) -> Result<(), PaymentLineError> {
        let code_ok = (1..=16).contains(&self.code.chars().count())
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !code_ok {
            return Err(PaymentLineError::BadCode {
                code: self.code.chars().take(40).collect(),
            });
        }
        let label = self.label.trim();
        if label.is_empty() || label.chars().count() > 80 || label.chars().any(char::is_control) {
            return Err(PaymentLineError::BadLabel);
        }
        match self.charge {
            Charge::Percent(p) => check_percent("the rate", p)?,
            Charge::Fixed(amount) => check_amount("the fixed amount", amount)?,
        }
        if let Some(p) = self.individual_percent {
            if matches!(self.charge, Charge::Fixed(_)) {
                return Err(PaymentLineError::IndividualRateOnFixed);
            }
            check_percent("the individual's rate", p)?;
        }
        if let Some(threshold) = self.threshold {
            check_amount("the threshold", threshold)?;
        }
        match self.cap {
            Some(_) if self.effect == Effect::Addition => {
                return Err(PaymentLineError::CapOnAddition)
            }
            Some(Cap::Amount(amount)) => check_amount("the cap", amount)?,
            Some(Cap::PercentOfContract(p)) => check_percent("the cap", p)?,
            None => {}
        }
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to) {
            if to < from {
                return Err(PaymentLineError::BadPeriod { from, to });
            }
        }
        Ok(())
    }

    /// Whether the line is in force on `date` (both ends of the period included).
    pub fn in_force_on(&self, date: DocDate) -> bool {
        self.valid_from.is_none_or(|from| from <= date) && self.valid_to.is_none_or(|to| date <= to)
    }

    /// The rate as people say it: `5 %`, or `Rs. 2,500.00 per bill`.
    pub fn charge_text(&self) -> String {
        match (self.charge, self.individual_percent) {
            (Charge::Percent(p), Some(individual)) => format!(
                "{} % ({} % for an individual or HUF)",
                format_percent(p),
                format_percent(individual)
            ),
            (Charge::Percent(p), None) => format!("{} %", format_percent(p)),
            (Charge::Fixed(amount), _) => format!("Rs. {} per bill", format_indian(amount)),
        }
    }

    /// The rate this line takes from a bill whose agency is (or is not) an individual or HUF.
    fn percent_for(&self, p: Decimal, agency_is_individual: bool) -> Decimal {
        match self.individual_percent {
            Some(individual) if agency_is_individual => individual,
            _ => p,
        }
    }
}

/// The example table every new organization starts with, for the office to edit. The rates
/// are the usual ones (DOMAIN.md §2a), not law: they differ between states and years.
pub fn example_lines() -> Vec<PaymentLine> {
    let line = |code: &str, label: &str, charge, threshold, cap| PaymentLine {
        code: code.to_owned(),
        label: label.to_owned(),
        effect: Effect::Deduction,
        base: Base::Gross,
        charge,
        threshold,
        cap,
        valid_from: None,
        valid_to: None,
        unless_estimate_has_lc: false,
        individual_percent: None,
    };
    vec![
        // 5 % of each bill until 5 % of the contract value is held.
        line(
            "SD",
            "Security deposit",
            Charge::Percent(dec!(5)),
            None,
            Some(Cap::PercentOfContract(dec!(5))),
        ),
        // Section 194C: 1 % for an individual or HUF, 2 % for others.
        PaymentLine {
            individual_percent: Some(dec!(1)),
            ..line(
                "IT-TDS",
                "Income tax TDS (194C)",
                Charge::Percent(dec!(2)),
                None,
                None,
            )
        },
        // Section 51: only where the contract's value exceeds 2,50,000.
        line(
            "GST-TDS",
            "GST TDS (CGST 1 % + SGST 1 %)",
            Charge::Percent(dec!(2)),
            Some(dec!(250000)),
            None,
        ),
        // Only where the estimate did not already collect it.
        PaymentLine {
            unless_estimate_has_lc: true,
            ..line(
                "LC",
                "Labour cess (BOCW welfare)",
                Charge::Percent(dec!(1)),
                None,
                None,
            )
        },
    ]
}

/// A recovery entered for one bill only (an advance, materials issued from stores).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneOffRecovery {
    /// What is recovered.
    pub label: String,
    /// How much.
    pub amount: Decimal,
}

impl OneOffRecovery {
    /// Checks the recovery as typed.
    pub fn validate(&self) -> Result<(), PaymentLineError> {
        let label = self.label.trim();
        if label.is_empty() || label.chars().count() > 80 || label.chars().any(char::is_control) {
            return Err(PaymentLineError::BadLabel);
        }
        check_amount("the recovery", self.amount)
    }
}

/// What a capped line withheld in the earlier bills of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldBefore {
    /// The line's code.
    pub code: String,
    /// The total withheld so far.
    pub amount: Decimal,
}

/// Everything a bill's memorandum depends on besides its own figures; frozen into the bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerms {
    /// The organization's lines in force on the bill's date, in table order.
    pub lines: Vec<PaymentLine>,
    /// This bill's one-off recoveries.
    pub recoveries: Vec<OneOffRecovery>,
    /// The contract value that thresholds and percentage caps are read against: the
    /// agreement's value when the bill was made.
    pub contract_value: Decimal,
    /// What capped lines withheld in the earlier bills.
    pub held_before: Vec<HeldBefore>,
    /// What the earlier bills added (GST billed on the work), for the bill forms' authorised
    /// additions up to date. Bills stored before it was kept read it as zero.
    #[serde(default)]
    pub additions_before: Decimal,
    /// The previous bill's value of work done till date (its Total). The memorandum deducts
    /// this as the previous payments (DOMAIN.md ruling: the amount payable now is the till-date
    /// Total less the previous bill's), so a chain pays exactly its final value even when a new
    /// working estimate re-splits an earlier quantity at another cap and the bill's own
    /// previous column comes out a paisa apart. `None` for a first bill, and on bills stored
    /// before it was kept (their previous column is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_before: Option<Decimal>,
    /// Whether the estimate's footer has an `Add LC` row: the cess is then already collected,
    /// and lines marked [`PaymentLine::unless_estimate_has_lc`] are nil. Bills stored before
    /// it was kept read it as `false`, as they were computed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimate_has_lc: bool,
    /// Whether the agency is an individual or HUF, so lines with an
    /// [individual's rate](PaymentLine::individual_percent) take it. Bills stored before it
    /// was kept read it as `false`, as they were computed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub agency_is_individual: bool,
}

impl PaymentTerms {
    /// Whether a memorandum line under `code` is withheld (a capped line's, the security
    /// deposit) rather than recovered. A one-off recovery has no code, and never is.
    pub fn withholds(&self, code: &str) -> bool {
        !code.is_empty()
            && self
                .lines
                .iter()
                .any(|line| line.cap.is_some() && line.code == code)
    }

    /// What a cap comes to in rupees: a percentage cap is of the contract value.
    pub fn cap_amount(&self, cap: Cap) -> Decimal {
        match cap {
            Cap::Amount(amount) => round2(amount),
            Cap::PercentOfContract(p) => percent_of(self.contract_value, p),
        }
    }

    /// What the earlier bills of the chain withheld on capped lines, whether or not their line
    /// is in force on this bill's date.
    pub fn held_earlier(&self) -> Decimal {
        self.held_before.iter().map(|held| held.amount).sum()
    }
}

/// One addition or deduction as the memorandum prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemorandumLine {
    /// The line's code, or empty for a one-off recovery.
    pub code: String,
    /// What it is.
    pub label: String,
    /// How it was worked out: `5 % of 47,750.00`, `cap of 25,000.00 held in full`.
    pub detail: String,
    /// The amount.
    pub amount: Decimal,
    /// How a percentage line's amount follows from the bill's gross, for a workbook that
    /// recalculates it; `None` for a fixed amount, a nil line and a one-off recovery, which are
    /// given figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<PercentageWorking>,
}

/// A percentage line worked out: `min(ROUND2(base × percent / 100), limit)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PercentageWorking {
    /// The rate taken (the individual's rate where the agency is one).
    pub percent: Decimal,
    /// What it is a percentage of.
    pub base: Base,
    /// What the line's cap left for this bill, when it has a cap.
    pub limit: Option<Decimal>,
}

/// The memorandum of payments at the end of a bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memorandum {
    /// 1. Total value of work done till date.
    pub value_till_date: Decimal,
    /// 2. Deduct the amount of previous payments.
    pub previous_payments: Decimal,
    /// 3. This bill's gross.
    pub gross: Decimal,
    /// 4a. Each addition.
    pub additions: Vec<MemorandumLine>,
    /// 4b. Each deduction, then each one-off recovery.
    pub deductions: Vec<MemorandumLine>,
    /// 5. Net payable by cheque.
    pub net_payable: Decimal,
    /// The net in words.
    pub net_in_words: String,
}

impl Memorandum {
    /// The total of the additions.
    pub fn total_additions(&self) -> Decimal {
        self.additions.iter().map(|line| line.amount).sum()
    }

    /// The total of the deductions and recoveries.
    pub fn total_deductions(&self) -> Decimal {
        self.deductions.iter().map(|line| line.amount).sum()
    }

    /// What a capped line withholds in this bill, by code (zero for other lines).
    pub fn withheld(&self, code: &str) -> Decimal {
        self.deductions
            .iter()
            .filter(|line| line.code == code)
            .map(|line| line.amount)
            .sum()
    }
}

/// Why a memorandum cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MemorandumError {
    /// The deductions come to more than the bill pays.
    #[error(
        "the deductions ({deductions}) come to more than the bill's gross with its additions \
         ({payable}); {remedy}"
    )]
    DeductionsExceedPayment {
        /// Total deductions.
        deductions: String,
        /// Gross plus additions.
        payable: String,
        /// What to change: the one-off recoveries when there are some, else the lines.
        remedy: &'static str,
        /// The memorandum as far as it goes: every line, and the net below zero (no words), so
        /// that the editor can show which line takes too much rather than no memorandum at all.
        shortfall: Box<Memorandum>,
    },
    /// The value of work done till date is below what the bills before paid: a bill pays, and
    /// cannot recover an overpayment (minus quantities are refused for the same reason).
    #[error(
        "this bill's gross is negative ({gross}): the value of work done till date \
         ({value_till_date}) is below the {previous_payments} the bills before it paid. A bill \
         cannot recover an overpayment; if the tender premium or a rate was corrected after \
         those bills, withdraw them (latest first) and make them again"
    )]
    NegativeGross {
        /// The gross, negative.
        gross: String,
        /// Value of work done till date.
        value_till_date: String,
        /// What the bills before paid.
        previous_payments: String,
    },
}

/// The bill's three figures the memorandum starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillFigures {
    /// Total value of work done till date (F Total; a first bill's Total).
    pub value_till_date: Decimal,
    /// Previous payments (H Total; zero on a first bill).
    pub previous_payments: Decimal,
    /// This bill's gross (J Total; a first bill's Total).
    pub gross: Decimal,
}

/// Computes the memorandum of payments of one bill.
pub fn memorandum(
    figures: BillFigures,
    terms: &PaymentTerms,
) -> Result<Memorandum, MemorandumError> {
    let figures = match terms.value_before {
        Some(previous) => BillFigures {
            value_till_date: figures.value_till_date,
            previous_payments: previous,
            gross: figures.value_till_date - previous,
        },
        None => figures,
    };
    let gross = round2(figures.gross);
    if gross < Decimal::ZERO {
        return Err(MemorandumError::NegativeGross {
            gross: format_indian(gross),
            value_till_date: format_indian(round2(figures.value_till_date)),
            previous_payments: format_indian(round2(figures.previous_payments)),
        });
    }
    let applies = |line: &PaymentLine| {
        line.threshold
            .is_none_or(|threshold| terms.contract_value > threshold)
    };
    let worked =
        |line: &PaymentLine, base: Decimal| -> (Decimal, String, Option<PercentageWorking>) {
            match line.charge {
                Charge::Percent(p) => {
                    let p = line.percent_for(p, terms.agency_is_individual);
                    (
                        percent_of(base, p),
                        format!("{} % of {}", format_percent(p), format_indian(base)),
                        Some(PercentageWorking {
                            percent: p,
                            base: line.base,
                            limit: None,
                        }),
                    )
                }
                Charge::Fixed(amount) => (round2(amount), "fixed, per bill".to_owned(), None),
            }
        };

    let mut additions = Vec::new();
    for line in terms
        .lines
        .iter()
        .filter(|line| line.effect == Effect::Addition && applies(line))
    {
        // An addition is always of the gross: there are no additions before it to add.
        let (amount, detail, percentage) = worked(line, gross);
        additions.push(MemorandumLine {
            code: line.code.clone(),
            label: line.label.clone(),
            detail,
            amount,
            percentage: percentage.map(|working| PercentageWorking {
                base: Base::Gross,
                ..working
            }),
        });
    }
    let total_additions: Decimal = additions.iter().map(|line| line.amount).sum();

    let mut deductions = Vec::new();
    for line in terms
        .lines
        .iter()
        .filter(|line| line.effect == Effect::Deduction && applies(line))
    {
        if line.unless_estimate_has_lc && terms.estimate_has_lc {
            deductions.push(MemorandumLine {
                code: line.code.clone(),
                label: line.label.clone(),
                detail: "nil: collected in the estimate".to_owned(),
                amount: round2(Decimal::ZERO),
                percentage: None,
            });
            continue;
        }
        let base = match line.base {
            Base::Gross => gross,
            Base::GrossWithAdditions => gross + total_additions,
        };
        // A bill that pays nothing (a final bill that only closes the chain) has nothing to
        // withhold a per-bill amount from; without this, it could not be made at all.
        if matches!(line.charge, Charge::Fixed(_)) && (gross + total_additions).is_zero() {
            deductions.push(MemorandumLine {
                code: line.code.clone(),
                label: line.label.clone(),
                detail: "nil: this bill pays nothing".to_owned(),
                amount: round2(Decimal::ZERO),
                percentage: None,
            });
            continue;
        }
        let (mut amount, mut detail, mut percentage) = worked(line, base);
        if let Some(cap) = line.cap {
            let cap = terms.cap_amount(cap);
            let held: Decimal = terms
                .held_before
                .iter()
                .filter(|held| held.code == line.code)
                .map(|held| held.amount)
                .sum();
            let room = round2((cap - held).max(Decimal::ZERO));
            if let Some(working) = &mut percentage {
                working.limit = Some(room);
            }
            if room.is_zero() {
                amount = room;
                detail = format!("cap of {} held in full", format_indian(cap));
            } else if amount > room {
                amount = room;
                detail = format!(
                    "{detail}, limited to the {} left of the {} cap",
                    format_indian(room),
                    format_indian(cap)
                );
            }
        }
        deductions.push(MemorandumLine {
            code: line.code.clone(),
            label: line.label.clone(),
            detail,
            amount,
            percentage,
        });
    }
    for recovery in &terms.recoveries {
        deductions.push(MemorandumLine {
            code: String::new(),
            label: recovery.label.trim().to_owned(),
            detail: "this bill".to_owned(),
            amount: round2(recovery.amount),
            percentage: None,
        });
    }
    let total_deductions: Decimal = deductions.iter().map(|line| line.amount).sum();
    let payable = gross + total_additions;
    let mut memo = Memorandum {
        value_till_date: round2(figures.value_till_date),
        previous_payments: round2(figures.previous_payments),
        gross,
        additions,
        deductions,
        net_payable: round2(payable - total_deductions),
        net_in_words: String::new(),
    };
    if total_deductions > payable {
        let recovered: Decimal = terms.recoveries.iter().map(|r| round2(r.amount)).sum();
        // The lines are to blame when they alone take more than the bill pays.
        let by_the_lines = total_deductions - recovered > payable;
        return Err(MemorandumError::DeductionsExceedPayment {
            deductions: format_indian(total_deductions),
            payable: format_indian(payable),
            // A later bill given no new quantities repeats the last one's and pays nothing: the
            // fix is its quantities, not the recoveries.
            remedy: if payable.is_zero() {
                "the bill pays for no work, since nothing was measured after the last bill; give \
                 its till-date quantities, or recover this on a bill that pays for work"
            } else if by_the_lines {
                "the deduction lines in force take more than this bill pays; look at their \
                 fixed amounts under Settings, Deductions"
            } else {
                "reduce the one-off recoveries"
            },
            shortfall: Box::new(memo),
        });
    }
    memo.net_in_words = amount_in_words(memo.net_payable);
    Ok(memo)
}

/// Puts `line` into an organization's table as its code's line from its first day (DOMAIN.md
/// §2a: each organization keeps dated lines, and each bill freezes the lines in force on its
/// date). The line takes over from its first day: the code's lines that began earlier stay,
/// ending the day before it at the latest; those that begin after its last day stay whole;
/// the rest go. So a new rate "from 01-08-2025" keeps the old rate for every earlier date, an
/// end date given to a line ends it, and a line without dates replaces the code's lines. The
/// code's lines stay together, in date order, where its first line stood.
pub fn put_dated_line(lines: &mut Vec<PaymentLine>, line: PaymentLine) {
    let same_code = |other: &PaymentLine| other.code.eq_ignore_ascii_case(&line.code);
    let at = lines.iter().position(same_code).unwrap_or(lines.len());
    let mut versions = Vec::new();
    let mut others = Vec::with_capacity(lines.len());
    for (index, existing) in std::mem::take(lines).into_iter().enumerate() {
        if !same_code(&existing) {
            others.push((index, existing));
            continue;
        }
        let begins_after = line
            .valid_to
            .is_some_and(|end| existing.valid_from.is_some_and(|from| from > end));
        if begins_after {
            versions.push(existing);
            continue;
        }
        let day_before = line.valid_from.and_then(DocDate::day_before);
        let began_earlier = line
            .valid_from
            .is_some_and(|start| existing.valid_from.is_none_or(|from| from < start));
        if let (true, Some(end)) = (began_earlier, day_before) {
            versions.push(PaymentLine {
                valid_to: Some(existing.valid_to.map_or(end, |to| to.min(end))),
                ..existing
            });
        }
    }
    versions.push(line);
    // Open starts (None) sort first.
    versions.sort_by_key(|version| version.valid_from);
    let before = others.iter().take_while(|(index, _)| *index < at).count();
    let mut others = others.into_iter().map(|(_, line)| line);
    lines.extend(others.by_ref().take(before));
    lines.extend(versions);
    lines.extend(others);
}

/// A change to a code's line, as typed: each setting left `None` is kept from the code's line
/// it takes over from, the way the desktop's Edit starts from the line's own settings. Without
/// it, a new rate typed alone (`--percent 1`) would silently drop the line's threshold, cap,
/// individual's rate or cess rule, and a bill would deduct what the office never meant to.
/// `Some(None)` clears an optional setting. Dates are the new line's own and never kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineChange {
    /// What the memorandum prints.
    pub label: Option<String>,
    /// Addition or deduction.
    pub effect: Option<Effect>,
    /// What a percentage is of.
    pub base: Option<Base>,
    /// A percentage or a fixed amount.
    pub charge: Option<Charge>,
    /// The contract value above which the line applies, or `Some(None)` for always.
    pub threshold: Option<Option<Decimal>>,
    /// The most withheld over the chain, or `Some(None)` for no cap.
    pub cap: Option<Option<Cap>>,
    /// An individual's or HUF's rate, or `Some(None)` for one rate for every agency.
    pub individual_percent: Option<Option<Decimal>>,
    /// Nil where the estimate collects labour cess.
    pub unless_estimate_has_lc: Option<bool>,
    /// First day in force.
    pub valid_from: Option<DocDate>,
    /// Last day in force.
    pub valid_to: Option<DocDate>,
}

/// A [`LineChange`] made into a whole line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedLine {
    /// The line to store.
    pub line: PaymentLine,
    /// The conditions kept from the earlier line without being typed (`its threshold (contract
    /// above 2,50,000.00)`), so the person is told what still applies and how to drop it.
    pub kept: Vec<String>,
}

/// Why a change cannot be made into a line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LineChangeError {
    /// A new code needs what no earlier line can give.
    #[error("{code} is a new line, so it needs {missing}")]
    NewLineIncomplete {
        /// The code.
        code: String,
        /// `a label`, `a rate or a fixed amount`, or both.
        missing: String,
    },
}

impl LineChange {
    /// The whole line for `code`, starting from the code's line in force on the change's first
    /// day (or its latest line, for an undated change or a day none covers).
    pub fn apply(&self, code: &str, lines: &[PaymentLine]) -> Result<ChangedLine, LineChangeError> {
        let of_code: Vec<&PaymentLine> = lines
            .iter()
            .filter(|line| line.code.eq_ignore_ascii_case(code))
            .collect();
        let earlier = self
            .valid_from
            .and_then(|day| of_code.iter().rev().find(|line| line.in_force_on(day)))
            .or(of_code.last())
            .copied();
        let Some(earlier) = earlier else {
            return self.new_line(code);
        };
        let charge = self.charge.unwrap_or(earlier.charge);
        let effect = self.effect.unwrap_or(earlier.effect);
        let mut kept = Vec::new();
        // A setting that the new charge or effect rules out is not kept: it would only make
        // the line invalid, and what was typed says it no longer applies.
        let threshold = self.threshold.unwrap_or_else(|| {
            earlier.threshold.inspect(|t| {
                kept.push(format!(
                    "its threshold (contract above {}; --threshold none drops it)",
                    format_indian(*t)
                ))
            })
        });
        let cap = match self.cap {
            Some(cap) => cap,
            None if effect == Effect::Addition => None,
            None => earlier.cap.inspect(|cap| {
                let text = match cap {
                    Cap::Amount(amount) => format_indian(*amount),
                    Cap::PercentOfContract(p) => {
                        format!("{} % of the contract", format_percent(*p))
                    }
                };
                kept.push(format!("its cap ({text}; --cap none drops it)"));
            }),
        };
        let individual_percent = match self.individual_percent {
            Some(individual) => individual,
            None if matches!(charge, Charge::Fixed(_)) => None,
            // The same rate for individuals as for everyone says nothing.
            None if earlier.individual_percent.map(Charge::Percent) == Some(charge) => None,
            None => earlier.individual_percent.inspect(|p| {
                kept.push(format!(
                    "its rate for an individual or HUF ({} %; --individual-percent none drops it)",
                    format_percent(*p)
                ))
            }),
        };
        let unless_estimate_has_lc = self.unless_estimate_has_lc.unwrap_or_else(|| {
            if earlier.unless_estimate_has_lc {
                kept.push(
                    "its nil where the estimate collects labour cess \
                     (--unless-estimate-has-lc false drops it)"
                        .to_owned(),
                );
            }
            earlier.unless_estimate_has_lc
        });
        Ok(ChangedLine {
            line: PaymentLine {
                code: earlier.code.clone(),
                label: self.label.clone().unwrap_or_else(|| earlier.label.clone()),
                effect,
                base: self.base.unwrap_or(earlier.base),
                charge,
                threshold,
                cap,
                valid_from: self.valid_from,
                valid_to: self.valid_to,
                unless_estimate_has_lc,
                individual_percent,
            },
            kept,
        })
    }

    fn new_line(&self, code: &str) -> Result<ChangedLine, LineChangeError> {
        let (label, charge) = match (&self.label, self.charge) {
            (Some(label), Some(charge)) => (label.clone(), charge),
            (label, charge) => {
                let missing = match (label, charge) {
                    (None, None) => "a label and a rate or fixed amount",
                    (None, _) => "a label",
                    _ => "a rate or fixed amount",
                };
                return Err(LineChangeError::NewLineIncomplete {
                    code: code.to_owned(),
                    missing: missing.to_owned(),
                });
            }
        };
        Ok(ChangedLine {
            line: PaymentLine {
                code: code.to_owned(),
                label,
                effect: self.effect.unwrap_or(Effect::Deduction),
                base: self.base.unwrap_or(Base::Gross),
                charge,
                threshold: self.threshold.flatten(),
                cap: self.cap.flatten(),
                valid_from: self.valid_from,
                valid_to: self.valid_to,
                unless_estimate_has_lc: self.unless_estimate_has_lc.unwrap_or(false),
                individual_percent: self.individual_percent.flatten(),
            },
            kept: Vec::new(),
        })
    }
}

/// What capped lines have withheld up to and including a bill: the `held_before` of the next.
pub fn held_after(terms: &PaymentTerms, memorandum: &Memorandum) -> Vec<HeldBefore> {
    let mut held = terms.held_before.clone();
    for line in terms.lines.iter().filter(|line| line.cap.is_some()) {
        let now = memorandum.withheld(&line.code);
        match held.iter_mut().find(|h| h.code == line.code) {
            Some(entry) => entry.amount += now,
            None => held.push(HeldBefore {
                code: line.code.clone(),
                amount: now,
            }),
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::half_up_reference;
    use proptest::prelude::*;

    fn example(code: &str) -> PaymentLine {
        example_lines()
            .into_iter()
            .find(|line| line.code == code)
            .unwrap()
    }

    #[test]
    fn a_new_rate_typed_alone_keeps_the_lines_conditions_and_says_so() {
        let lines = example_lines();
        let rate_only = |percent| LineChange {
            charge: Some(Charge::Percent(percent)),
            ..LineChange::default()
        };
        let gst = rate_only(dec!(2)).apply("GST-TDS", &lines).unwrap();
        assert_eq!(gst.line, example("GST-TDS"));
        assert_eq!(
            gst.kept,
            ["its threshold (contract above 2,50,000.00; --threshold none drops it)"]
        );
        // A new rate from a day: the earlier line's cap goes on, under the new dates.
        let from = DocDate::parse_dmy("01-08-2025").unwrap();
        let sd = LineChange {
            valid_from: Some(from),
            ..rate_only(dec!(7.5))
        }
        .apply("sd", &lines)
        .unwrap();
        assert_eq!(
            sd.line,
            PaymentLine {
                charge: Charge::Percent(dec!(7.5)),
                valid_from: Some(from),
                ..example("SD")
            }
        );
        assert_eq!(
            sd.kept,
            ["its cap (5 % of the contract; --cap none drops it)"]
        );
        let it = rate_only(dec!(3)).apply("IT-TDS", &lines).unwrap();
        assert_eq!(it.line.individual_percent, Some(dec!(1)));
        let lc = rate_only(dec!(2)).apply("LC", &lines).unwrap();
        assert!(lc.line.unless_estimate_has_lc, "{:?}", lc.line);
        assert_eq!(lc.kept.len(), 1);
    }

    #[test]
    fn a_change_clears_what_it_says_and_what_its_charge_rules_out() {
        let lines = example_lines();
        let gst = LineChange {
            threshold: Some(None),
            ..LineChange::default()
        }
        .apply("GST-TDS", &lines)
        .unwrap();
        assert_eq!(gst.line.threshold, None);
        assert!(gst.kept.is_empty());
        // A fixed amount has no individual's rate; a rate equal to the individual's makes it
        // say nothing.
        let fixed = LineChange {
            charge: Some(Charge::Fixed(dec!(500))),
            ..LineChange::default()
        }
        .apply("IT-TDS", &lines)
        .unwrap();
        assert_eq!(fixed.line.individual_percent, None);
        assert_eq!(fixed.line.validate(), Ok(()));
        let one = LineChange {
            charge: Some(Charge::Percent(dec!(1))),
            ..LineChange::default()
        }
        .apply("IT-TDS", &lines)
        .unwrap();
        assert_eq!(one.line.individual_percent, None);
        // An addition keeps no cap.
        let added = LineChange {
            effect: Some(Effect::Addition),
            ..LineChange::default()
        }
        .apply("SD", &lines)
        .unwrap();
        assert_eq!(added.line.cap, None);
        assert_eq!(added.line.validate(), Ok(()));
    }

    #[test]
    fn a_new_code_needs_its_label_and_charge() {
        let lines = example_lines();
        assert_eq!(
            LineChange {
                charge: Some(Charge::Percent(dec!(1))),
                ..LineChange::default()
            }
            .apply("WC", &lines)
            .unwrap_err()
            .to_string(),
            "WC is a new line, so it needs a label"
        );
        let new = LineChange {
            label: Some("Water charges".into()),
            charge: Some(Charge::Fixed(dec!(250))),
            threshold: Some(None),
            ..LineChange::default()
        }
        .apply("WC", &lines)
        .unwrap();
        assert_eq!(new.line.effect, Effect::Deduction);
        assert_eq!((new.line.threshold, new.line.cap), (None, None));
        assert!(new.kept.is_empty());
    }

    fn percent_line(code: &str, effect: Effect, p: Decimal) -> PaymentLine {
        PaymentLine {
            code: code.to_owned(),
            label: format!("{code} line"),
            effect,
            base: Base::Gross,
            charge: Charge::Percent(p),
            threshold: None,
            cap: None,
            valid_from: None,
            valid_to: None,
            unless_estimate_has_lc: false,
            individual_percent: None,
        }
    }

    fn terms(lines: Vec<PaymentLine>, contract_value: Decimal) -> PaymentTerms {
        PaymentTerms {
            lines,
            recoveries: Vec::new(),
            contract_value,
            held_before: Vec::new(),
            additions_before: Decimal::ZERO,
            value_before: None,
            estimate_has_lc: false,
            agency_is_individual: false,
        }
    }

    fn first_bill_figures(total: Decimal) -> BillFigures {
        BillFigures {
            value_till_date: total,
            previous_payments: Decimal::ZERO,
            gross: total,
        }
    }

    #[test]
    fn the_example_set_on_a_first_bill() {
        // DOMAIN.md §2's bill: items 50,000.00 at 4.5 % Less → Total 47,750.00; contract
        // 3,00,000 (above the GST-TDS threshold). Worked by hand from §2a:
        // SD 5 % = 2,387.50 (cap 15,000 not reached), IT 2 % = 955.00, GST-TDS 2 % = 955.00,
        // LC 1 % = 477.50; net = 47,750.00 − 4,775.00 = 42,975.00.
        let memo = memorandum(
            first_bill_figures(dec!(47750.00)),
            &terms(example_lines(), dec!(300000)),
        )
        .unwrap();
        let amounts: Vec<Decimal> = memo.deductions.iter().map(|l| l.amount).collect();
        assert_eq!(
            amounts,
            [dec!(2387.50), dec!(955.00), dec!(955.00), dec!(477.50)]
        );
        assert_eq!(memo.deductions[0].detail, "5 % of 47,750.00");
        assert_eq!(memo.net_payable, dec!(42975.00));
        assert_eq!(
            memo.net_in_words,
            "Rupees Forty Two Thousand Nine Hundred Seventy Five Only"
        );
    }

    #[test]
    fn labour_cess_is_not_deducted_when_the_estimate_collected_it() {
        // DOMAIN.md §2a: labour cess is 1 % of the gross "where it was not already collected
        // in the estimate". The same bill as above, of an estimate whose footer has an
        // `Add LC` row: SD 2,387.50 + IT 955.00 + GST-TDS 955.00 + LC nil = 4,297.50;
        // net = 47,750.00 − 4,297.50 = 43,452.50.
        let with_lc = PaymentTerms {
            estimate_has_lc: true,
            ..terms(example_lines(), dec!(300000))
        };
        let memo = memorandum(first_bill_figures(dec!(47750.00)), &with_lc).unwrap();
        let lc = memo.deductions.iter().find(|l| l.code == "LC").unwrap();
        assert_eq!(lc.amount, dec!(0.00));
        assert_eq!(lc.detail, "nil: collected in the estimate");
        assert_eq!(memo.total_deductions(), dec!(4297.50));
        assert_eq!(memo.net_payable, dec!(43452.50));

        // A line not marked for it is deducted whatever the estimate holds.
        let mut plain_lc = example_lines();
        plain_lc[3].unless_estimate_has_lc = false;
        let memo = memorandum(
            first_bill_figures(dec!(47750.00)),
            &PaymentTerms {
                estimate_has_lc: true,
                ..terms(plain_lc, dec!(300000))
            },
        )
        .unwrap();
        assert_eq!(memo.withheld("LC"), dec!(477.50));
    }

    #[test]
    fn an_individual_or_huf_agency_pays_income_tax_tds_at_one_percent() {
        // Section 194C, as §2a gives it: 1 % for an individual or HUF, 2 % for others. The
        // example bill (gross 47,750.00, contract 3,00,000) for an individual's firm: SD
        // 2,387.50 + IT 477.50 + GST-TDS 955.00 + LC 477.50 = 4,297.50; net 43,452.50.
        let individual = PaymentTerms {
            agency_is_individual: true,
            ..terms(example_lines(), dec!(300000))
        };
        let memo = memorandum(first_bill_figures(dec!(47750.00)), &individual).unwrap();
        let it = memo.deductions.iter().find(|l| l.code == "IT-TDS").unwrap();
        assert_eq!(
            (it.amount, it.detail.as_str()),
            (dec!(477.50), "1 % of 47,750.00")
        );
        assert_eq!(memo.net_payable, dec!(43452.50));
        // Lines without an individual's rate take their one rate for every agency.
        assert_eq!(memo.withheld("GST-TDS"), dec!(955.00));
        assert_eq!(
            example_lines()[1].charge_text(),
            "2 % (1 % for an individual or HUF)"
        );

        let mut fixed = example_lines()[1].clone();
        fixed.charge = Charge::Fixed(dec!(500));
        assert_eq!(
            fixed.validate(),
            Err(PaymentLineError::IndividualRateOnFixed)
        );
        fixed.charge = Charge::Percent(dec!(2));
        fixed.individual_percent = Some(dec!(150));
        assert!(fixed
            .validate()
            .unwrap_err()
            .to_string()
            .contains("individual's rate"));
    }

    #[test]
    fn terms_and_lines_stored_before_the_waiver_read_as_before() {
        // A bill frozen before the estimate's LC row was kept deducted the cess; it must still.
        let old_line = r#"{"code":"LC","label":"Labour cess","effect":"deduction","base":"gross",
            "charge":{"kind":"percent","value":"1"},"threshold":null,"cap":null,
            "valid_from":null,"valid_to":null}"#;
        let line: PaymentLine = serde_json::from_str(old_line).unwrap();
        assert!(!line.unless_estimate_has_lc);
        // And a line without the mark serialises as it always did, so input hashes keep.
        assert!(!serde_json::to_string(&line).unwrap().contains("unless"));
    }

    #[test]
    fn a_threshold_is_on_the_contract_value() {
        let memo = memorandum(
            first_bill_figures(dec!(10000)),
            &terms(example_lines(), dec!(250000)),
        )
        .unwrap();
        assert!(
            memo.deductions.iter().all(|l| l.code != "GST-TDS"),
            "2,50,000 does not exceed 2,50,000"
        );
        let memo = memorandum(
            first_bill_figures(dec!(10000)),
            &terms(example_lines(), dec!(250000.01)),
        )
        .unwrap();
        assert_eq!(memo.withheld("GST-TDS"), dec!(200.00));
    }

    #[test]
    fn the_security_deposit_stops_at_its_cap() {
        let mut sd = percent_line("SD", Effect::Deduction, dec!(5));
        sd.cap = Some(Cap::Amount(dec!(1000)));
        let mut chain_terms = terms(vec![sd], dec!(0));
        // 5 % of 12,000 = 600; then 5 % of 12,000 = 600 but only 400 is left; then nothing.
        let mut withheld = Vec::new();
        for _ in 0..3 {
            let memo = memorandum(first_bill_figures(dec!(12000)), &chain_terms).unwrap();
            withheld.push((memo.withheld("SD"), memo.deductions[0].detail.clone()));
            chain_terms.held_before = held_after(&chain_terms, &memo);
        }
        assert_eq!(withheld[0], (dec!(600.00), "5 % of 12,000.00".to_owned()));
        assert_eq!(
            withheld[1],
            (
                dec!(400.00),
                "5 % of 12,000.00, limited to the 400.00 left of the 1,000.00 cap".to_owned()
            )
        );
        assert_eq!(
            withheld[2],
            (dec!(0.00), "cap of 1,000.00 held in full".to_owned())
        );
    }

    #[test]
    fn additions_come_first_and_may_carry_deductions() {
        // GST 18 % on 10,000 = 1,800 added; a 2 % line on the gross with additions takes
        // 2 % of 11,800 = 236; a 1 % line on the gross alone takes 100.
        let gst = percent_line("GST", Effect::Addition, dec!(18));
        let mut on_total = percent_line("X", Effect::Deduction, dec!(2));
        on_total.base = Base::GrossWithAdditions;
        let on_gross = percent_line("Y", Effect::Deduction, dec!(1));
        let memo = memorandum(
            first_bill_figures(dec!(10000)),
            &terms(vec![on_total, gst, on_gross], dec!(0)),
        )
        .unwrap();
        assert_eq!(memo.total_additions(), dec!(1800.00));
        assert_eq!(memo.withheld("X"), dec!(236.00));
        assert_eq!(memo.withheld("Y"), dec!(100.00));
        assert_eq!(memo.net_payable, dec!(11464.00));
    }

    #[test]
    fn one_off_recoveries_are_deducted_and_cannot_exceed_the_payment() {
        let mut t = terms(Vec::new(), dec!(0));
        t.recoveries.push(OneOffRecovery {
            label: "Mobilisation advance".into(),
            amount: dec!(2500),
        });
        let memo = memorandum(first_bill_figures(dec!(10000)), &t).unwrap();
        assert_eq!(memo.net_payable, dec!(7500.00));
        assert_eq!(memo.deductions[0].detail, "this bill");
        t.recoveries[0].amount = dec!(10000.01);
        let refused = memorandum(first_bill_figures(dec!(10000)), &t).unwrap_err();
        assert!(refused.to_string().contains("10,000.01"), "{refused}");
        assert!(
            refused
                .to_string()
                .ends_with("reduce the one-off recoveries"),
            "{refused}"
        );
        // The refusal keeps the memorandum as far as it goes, for the editor to show: the
        // recovery's line, and a net 0.01 below zero (10,000.00 less 10,000.01).
        let MemorandumError::DeductionsExceedPayment { shortfall, .. } = refused else {
            panic!("{refused:?}");
        };
        assert_eq!(shortfall.gross, dec!(10000.00));
        assert_eq!(shortfall.deductions.len(), 1);
        assert_eq!(shortfall.deductions[0].label, "Mobilisation advance");
        assert_eq!(shortfall.deductions[0].amount, dec!(10000.01));
        assert_eq!(shortfall.net_payable, dec!(-0.01));
        assert_eq!(shortfall.net_in_words, "");
        // A later bill with nothing measured since the last pays nothing: its quantities are
        // what is missing, not a smaller recovery.
        let nothing_since = BillFigures {
            value_till_date: dec!(10000),
            previous_payments: dec!(10000),
            gross: dec!(0),
        };
        let refused = memorandum(nothing_since, &t).unwrap_err().to_string();
        assert!(
            refused.ends_with(
                "(0.00); the bill pays for no work, since nothing was measured after the last \
                 bill; give its till-date quantities, or recover this on a bill that pays for work"
            ),
            "{refused}"
        );
    }

    /// `code` at `p` %, in force from `from` to `to` (dd-mm-yyyy, or open).
    fn dated(code: &str, p: Decimal, from: Option<&str>, to: Option<&str>) -> PaymentLine {
        let date = |text: Option<&str>| text.map(|t| DocDate::parse_dmy(t).unwrap());
        PaymentLine {
            valid_from: date(from),
            valid_to: date(to),
            ..percent_line(code, Effect::Deduction, p)
        }
    }

    /// Each line as (code, percent, from, to) for comparison.
    fn periods(lines: &[PaymentLine]) -> Vec<(String, String, String, String)> {
        let text = |date: Option<DocDate>| date.map_or("…".to_owned(), |d| d.to_string());
        lines
            .iter()
            .map(|line| {
                let p = match line.charge {
                    Charge::Percent(p) => p.to_string(),
                    Charge::Fixed(a) => a.to_string(),
                };
                (
                    line.code.clone(),
                    p,
                    text(line.valid_from),
                    text(line.valid_to),
                )
            })
            .collect()
    }

    fn period(code: &str, p: &str, from: &str, to: &str) -> (String, String, String, String) {
        (code.into(), p.into(), from.into(), to.into())
    }

    #[test]
    fn a_new_rate_from_a_date_keeps_the_old_rate_for_the_days_before_it() {
        let mut lines = vec![
            dated("IT", dec!(2), None, None),
            dated("SD", dec!(5), None, None),
            dated("LC", dec!(1), None, None),
        ];
        put_dated_line(&mut lines, dated("sd", dec!(7.5), Some("01-08-2025"), None));
        assert_eq!(
            periods(&lines),
            [
                period("IT", "2", "…", "…"),
                period("SD", "5", "…", "31-07-2025"),
                period("sd", "7.5", "01-08-2025", "…"),
                period("LC", "1", "…", "…"),
            ]
        );
        // A bill of 02-07-2025 still freezes 5 %, one of 05-08-2025 7.5 %.
        let in_force = |d: &str| {
            let day = DocDate::parse_dmy(d).unwrap();
            lines
                .iter()
                .filter(|line| line.code.eq_ignore_ascii_case("SD") && line.in_force_on(day))
                .map(|line| line.charge)
                .collect::<Vec<_>>()
        };
        assert_eq!(in_force("02-07-2025"), [Charge::Percent(dec!(5))]);
        assert_eq!(in_force("31-07-2025"), [Charge::Percent(dec!(5))]);
        assert_eq!(in_force("01-08-2025"), [Charge::Percent(dec!(7.5))]);

        // A line for one month takes over from its first day; a later line stays whole.
        put_dated_line(&mut lines, dated("SD", dec!(10), Some("01-01-2026"), None));
        put_dated_line(
            &mut lines,
            dated("SD", dec!(6), Some("01-09-2025"), Some("30-09-2025")),
        );
        assert_eq!(
            periods(&lines)[1..5],
            [
                period("SD", "5", "…", "31-07-2025"),
                period("sd", "7.5", "01-08-2025", "31-08-2025"),
                period("SD", "6", "01-09-2025", "30-09-2025"),
                period("SD", "10", "01-01-2026", "…"),
            ]
        );
        // An end date given to a line that has none ends it.
        put_dated_line(
            &mut lines,
            dated("SD", dec!(10), Some("01-01-2026"), Some("31-03-2026")),
        );
        assert_eq!(
            periods(&lines)[4],
            period("SD", "10", "01-01-2026", "31-03-2026")
        );
        put_dated_line(&mut lines, dated("SD", dec!(5), None, None));
        assert_eq!(
            periods(&lines),
            [
                period("IT", "2", "…", "…"),
                period("SD", "5", "…", "…"),
                period("LC", "1", "…", "…"),
            ]
        );
        put_dated_line(&mut lines, dated("SD", dec!(5), None, Some("31-07-2025")));
        assert_eq!(periods(&lines)[1], period("SD", "5", "…", "31-07-2025"));
        assert_eq!(lines.iter().filter(|l| l.code == "SD").count(), 1);
        // A new code goes last.
        put_dated_line(&mut lines, dated("GST", dec!(2), Some("01-04-2025"), None));
        assert_eq!(periods(&lines)[3], period("GST", "2", "01-04-2025", "…"));
    }

    #[test]
    fn a_refusal_names_the_recoveries_only_when_they_are_to_blame() {
        // A fixed charge of 600 on a bill of 500, with no one-off recovery at all.
        let charge_again = || PaymentLine {
            charge: Charge::Fixed(dec!(600)),
            ..percent_line("PEN", Effect::Deduction, dec!(0))
        };
        let charge = charge_again();
        let refused = memorandum(first_bill_figures(dec!(500)), &terms(vec![charge], dec!(0)))
            .unwrap_err()
            .to_string();
        assert!(!refused.contains("recoveries"), "{refused}");
        assert!(refused.contains("fixed amounts"), "{refused}");
        // A recovery of nothing beside it is not blamed either.
        let mut with_nil_recovery = terms(vec![charge_again()], dec!(0));
        with_nil_recovery.recoveries.push(OneOffRecovery {
            label: "Security deposit".into(),
            amount: dec!(0),
        });
        let refused = memorandum(first_bill_figures(dec!(500)), &with_nil_recovery)
            .unwrap_err()
            .to_string();
        assert!(!refused.contains("recoveries"), "{refused}");
        assert!(refused.contains("under Settings, Deductions"), "{refused}");
    }

    #[test]
    fn a_bill_that_pays_nothing_has_no_fixed_amount_withheld() {
        let water = || PaymentLine {
            charge: Charge::Fixed(dec!(1500.50)),
            ..percent_line("WATER", Effect::Deduction, dec!(0))
        };
        let lines = || vec![percent_line("SD", Effect::Deduction, dec!(5)), water()];
        // A final bill that only closes the chain: the value till date is what was paid.
        let closing = BillFigures {
            value_till_date: dec!(156580.37),
            previous_payments: dec!(156580.37),
            gross: dec!(0),
        };
        let memo = memorandum(closing, &terms(lines(), dec!(1000000))).unwrap();
        let water_line = memo.deductions.iter().find(|l| l.code == "WATER").unwrap();
        assert_eq!(water_line.amount, dec!(0));
        assert_eq!(water_line.detail, "nil: this bill pays nothing");
        assert_eq!(memo.net_payable, dec!(0));
        // A bill that pays 2,000.00 still has it withheld: 2,000.00 − 5 % (100.00) − 1,500.50.
        let memo = memorandum(
            first_bill_figures(dec!(2000)),
            &terms(lines(), dec!(1000000)),
        )
        .unwrap();
        assert_eq!(memo.net_payable, dec!(399.50));
    }

    #[test]
    fn a_negative_gross_is_refused_in_words_not_deducted_from() {
        // Till date 81,600 (the premium corrected from 5 to 2 %) after 84,000 paid.
        let figures = BillFigures {
            value_till_date: dec!(81600),
            previous_payments: dec!(84000),
            gross: dec!(-2400),
        };
        let refused = memorandum(figures, &terms(Vec::new(), dec!(0))).unwrap_err();
        assert_eq!(
            refused,
            MemorandumError::NegativeGross {
                gross: "-2,400.00".into(),
                value_till_date: "81,600.00".into(),
                previous_payments: "84,000.00".into(),
            }
        );
        assert!(
            refused.to_string().contains("withdraw them (latest first)"),
            "{refused}"
        );
    }

    #[test]
    fn lines_are_in_force_within_their_period() {
        let mut line = percent_line("SD", Effect::Deduction, dec!(5));
        line.valid_from = Some(DocDate::new(2025, 4, 1).unwrap());
        line.valid_to = Some(DocDate::new(2026, 3, 31).unwrap());
        assert!(!line.in_force_on(DocDate::new(2025, 3, 31).unwrap()));
        assert!(line.in_force_on(DocDate::new(2025, 4, 1).unwrap()));
        assert!(line.in_force_on(DocDate::new(2026, 3, 31).unwrap()));
        assert!(!line.in_force_on(DocDate::new(2026, 4, 1).unwrap()));
        line.valid_to = Some(DocDate::new(2025, 1, 1).unwrap());
        assert!(matches!(
            line.validate(),
            Err(PaymentLineError::BadPeriod { .. })
        ));
    }

    #[test]
    fn bad_lines_are_refused_with_the_field() {
        let good = percent_line("SD", Effect::Deduction, dec!(5));
        assert_eq!(good.validate(), Ok(()));
        for (line, says) in [
            (
                PaymentLine {
                    code: "S D".into(),
                    ..good.clone()
                },
                "code",
            ),
            (
                PaymentLine {
                    label: " ".into(),
                    ..good.clone()
                },
                "label",
            ),
            (
                PaymentLine {
                    charge: Charge::Percent(dec!(101)),
                    ..good.clone()
                },
                "rate",
            ),
            (
                PaymentLine {
                    charge: Charge::Fixed(dec!(-1)),
                    ..good.clone()
                },
                "fixed amount",
            ),
            (
                PaymentLine {
                    effect: Effect::Addition,
                    cap: Some(Cap::Amount(dec!(5))),
                    ..good.clone()
                },
                "cap",
            ),
            // Finer than a paisa: the table would show Rs. 0.00 and a bill take 0.01.
            (
                PaymentLine {
                    charge: Charge::Fixed(dec!(0.005)),
                    ..good.clone()
                },
                "the fixed amount (0.005) has more than two decimal places",
            ),
            (
                PaymentLine {
                    threshold: Some(dec!(250000.001)),
                    ..good.clone()
                },
                "the threshold (250000.001) has more than two decimal places",
            ),
            (
                PaymentLine {
                    cap: Some(Cap::Amount(dec!(1000.125))),
                    ..good.clone()
                },
                "the cap (1000.125) has more than two decimal places",
            ),
        ] {
            let error = line.validate().unwrap_err().to_string();
            assert!(error.contains(says), "{error}");
        }
        // Trailing zeros are not finer than a paisa.
        let typed_long = PaymentLine {
            charge: Charge::Fixed(dec!(2500.5000)),
            ..good.clone()
        };
        assert_eq!(typed_long.validate(), Ok(()));
        let recovery = |amount| OneOffRecovery {
            label: "Advance".into(),
            amount,
        };
        assert_eq!(recovery(dec!(10000.10)).validate(), Ok(()));
        let error = recovery(dec!(10000.105))
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("the recovery (10000.105) has more than two decimal places"),
            "{error}"
        );
    }

    fn decimal(max_mantissa: i64, scale: u32) -> impl Strategy<Value = Decimal> {
        (0..=max_mantissa).prop_map(move |m| Decimal::new(m, scale))
    }

    fn any_line() -> impl Strategy<Value = PaymentLine> {
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            (
                prop_oneof![
                    decimal(2_000, 2).prop_map(Charge::Percent),
                    decimal(100_000, 2).prop_map(Charge::Fixed)
                ],
                proptest::option::of(decimal(2_000, 2)),
            ),
            proptest::option::of(decimal(50_000_000, 2)),
            proptest::option::of(prop_oneof![
                decimal(10_000_000, 2).prop_map(Cap::Amount),
                decimal(1_000, 2).prop_map(Cap::PercentOfContract)
            ]),
        )
            .prop_map(
                |(addition, with_additions, unless_lc, (charge, individual), threshold, cap)| {
                    let effect = if addition {
                        Effect::Addition
                    } else {
                        Effect::Deduction
                    };
                    PaymentLine {
                        code: "L".to_owned(),
                        label: "line".to_owned(),
                        effect,
                        base: if with_additions {
                            Base::GrossWithAdditions
                        } else {
                            Base::Gross
                        },
                        charge,
                        threshold,
                        cap: cap.filter(|_| effect == Effect::Deduction),
                        valid_from: None,
                        valid_to: None,
                        unless_estimate_has_lc: unless_lc,
                        individual_percent: individual
                            .filter(|_| matches!(charge, Charge::Percent(_))),
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn net_is_gross_plus_additions_less_deductions(
            lines in proptest::collection::vec(any_line(), 0..6),
            gross in decimal(1_000_000_000, 2),
            contract in decimal(10_000_000_000, 2),
            estimate_has_lc in any::<bool>(),
            agency_is_individual in any::<bool>(),
        ) {
            let lines: Vec<PaymentLine> = lines
                .into_iter()
                .enumerate()
                .map(|(i, line)| PaymentLine { code: format!("L{i}"), ..line })
                .collect();
            // Independently: each line by the reference ROUND2, caps left aside. A deduction
            // marked for estimates without LC takes nothing when this estimate has it.
            let applies = |l: &PaymentLine| l.threshold.is_none_or(|t| contract > t);
            let waived = |l: &PaymentLine| {
                l.effect == Effect::Deduction && l.unless_estimate_has_lc && estimate_has_lc
            };
            let worked = |l: &PaymentLine, base: Decimal| match l.charge {
                Charge::Percent(p) => {
                    let p = match l.individual_percent {
                        Some(individual) if agency_is_individual => individual,
                        _ => p,
                    };
                    half_up_reference(base * p / dec!(100))
                }
                Charge::Fixed(a) => half_up_reference(a),
            };
            let additions: Decimal = lines.iter()
                .filter(|l| l.effect == Effect::Addition && applies(l))
                .map(|l| worked(l, gross))
                .sum();
            let deduction_of = |l: &PaymentLine| {
                if waived(l) {
                    return Decimal::ZERO;
                }
                let base = match l.base { Base::Gross => gross, Base::GrossWithAdditions => gross + additions };
                worked(l, base)
            };
            let uncapped: Decimal = lines.iter()
                .filter(|l| l.effect == Effect::Deduction && applies(l))
                .map(deduction_of)
                .sum();
            let bill_terms = PaymentTerms {
                estimate_has_lc,
                agency_is_individual,
                ..terms(lines.clone(), contract)
            };
            match memorandum(first_bill_figures(gross), &bill_terms) {
                Ok(memo) => {
                    prop_assert_eq!(memo.net_payable, memo.gross + memo.total_additions() - memo.total_deductions());
                    prop_assert!(memo.net_payable >= Decimal::ZERO);
                    prop_assert_eq!(memo.total_additions(), additions);
                    prop_assert!(memo.total_deductions() <= uncapped);
                    for line in lines.iter().filter(|l| l.effect == Effect::Deduction && applies(l)) {
                        if line.cap.is_none() {
                            prop_assert_eq!(memo.withheld(&line.code), deduction_of(line));
                        } else {
                            prop_assert!(memo.withheld(&line.code) <= deduction_of(line));
                        }
                    }
                }
                Err(MemorandumError::DeductionsExceedPayment { .. }) => {
                    prop_assert!(uncapped > gross + additions);
                }
                Err(MemorandumError::NegativeGross { .. }) => prop_assert!(gross < Decimal::ZERO),
            }
        }

        #[test]
        fn the_security_deposit_held_never_exceeds_its_cap(
            grosses in proptest::collection::vec(decimal(500_000_000, 2), 1..12),
            rate in decimal(1_000, 2),
            cap in decimal(100_000_000, 2),
        ) {
            let mut sd = percent_line("SD", Effect::Deduction, rate);
            sd.cap = Some(Cap::Amount(cap));
            let mut chain = terms(vec![sd], dec!(0));
            let mut held = Decimal::ZERO;
            let mut paid = Decimal::ZERO;
            let mut value = Decimal::ZERO;
            for gross in grosses {
                let figures = BillFigures { value_till_date: value + gross, previous_payments: value, gross };
                let memo = memorandum(figures, &chain).unwrap();
                held += memo.withheld("SD");
                prop_assert!(held <= half_up_reference(cap), "{} held of a {} cap", held, cap);
                paid += memo.net_payable;
                value += gross;
                chain.held_before = held_after(&chain, &memo);
            }
            // Over the chain, what was paid is the value of the work less what was withheld.
            prop_assert_eq!(paid, value - held);
            // And the cap is reached whenever the uncapped deposit would have passed it.
            let uncapped_total: Decimal = chain.held_before.iter().map(|h| h.amount).sum();
            prop_assert_eq!(uncapped_total, held);
        }
    }
}
