//! `sitebook deductions`: the active organization's table of additions and deductions that
//! bills are paid by (DOMAIN.md §2a), and `--recovery` for one bill's one-off recoveries. The
//! rules and the arithmetic live in the core; this turns flags into lines.

use clap::{Args, Subcommand, ValueEnum};
use rust_decimal::Decimal;
use sitebook_core::documents::payments::{LinesOfCode, PaymentTable};
use sitebook_core::domain::money::format_indian;
use sitebook_core::domain::payments::{
    Base, Cap, Charge, Effect, LineChange, OneOffRecovery, PaymentLine,
};
use sitebook_core::domain::work::DocDate;
use sitebook_core::tenancy::session::Session;
use sitebook_core::Sitebook;

use crate::output::{print_table, Printer};
use crate::{Failure, UsageError};

#[derive(Subcommand)]
pub enum DeductionsCommand {
    /// The lines bills are paid by (the example set until the first change)
    List,
    /// Add or change a line for its period (owners and admins). The code's lines for other
    /// dates stay, so a new rate `--from 01-08-2025` keeps the old one for bills dated before;
    /// without dates it replaces the code's lines. Settings not given are kept from the code's
    /// line (its threshold, cap, individual's rate, cess rule), and `none` drops one
    Set(Box<SetArgs>),
    /// Remove a code's lines, or with --from one of them (owners and admins)
    Remove {
        /// The line's code
        #[arg(value_name = "CODE")]
        code: String,
        /// Only the code's line in force from this day (dd-mm-yyyy), where it has lines for
        /// several periods; without it, every line of the code goes
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum BaseArg {
    /// The bill's gross
    Gross,
    /// The bill's gross with its additions
    GrossWithAdditions,
}

#[derive(Args)]
pub struct SetArgs {
    /// A short code that names the line from bill to bill (SD, IT-TDS)
    #[arg(value_name = "CODE")]
    code: String,
    /// What the memorandum of payments prints (needed for a new code)
    #[arg(long)]
    label: Option<String>,
    /// A percentage of the base (a new code needs this or --fixed)
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "PERCENT",
        conflicts_with = "fixed"
    )]
    percent: Option<String>,
    /// The same amount on every bill
    #[arg(long, allow_negative_numbers = true, value_name = "AMOUNT")]
    fixed: Option<String>,
    /// An addition (GST billed on the work value) instead of a deduction; `false` makes it a
    /// deduction again
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    addition: Option<bool>,
    /// What the percentage is of (a new code: the gross)
    #[arg(long, value_enum)]
    base: Option<BaseArg>,
    /// Apply only when the contract value exceeds this; `none` to apply always
    #[arg(long, allow_negative_numbers = true, value_name = "AMOUNT")]
    threshold: Option<String>,
    /// Stop once this much has been withheld over the chain (a security deposit); `none` for
    /// no cap
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "AMOUNT",
        conflicts_with = "cap_percent"
    )]
    cap: Option<String>,
    /// Stop once this percentage of the contract value has been withheld; `none` for no cap
    #[arg(long, allow_negative_numbers = true, value_name = "PERCENT")]
    cap_percent: Option<String>,
    /// First day in force (dd-mm-yyyy)
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last day in force (dd-mm-yyyy)
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Nil on the bills of an estimate that already collects labour cess (an `Add LC` row);
    /// `false` to drop the rule
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    unless_estimate_has_lc: Option<bool>,
    /// The rate for an individual or HUF agency, when it differs (income-tax TDS: 1 %);
    /// `none` for one rate for every agency
    #[arg(long, allow_negative_numbers = true, value_name = "PERCENT")]
    individual_percent: Option<String>,
}

fn figure(flag: &str, text: &str) -> Result<Decimal, UsageError> {
    sitebook_core::domain::money::parse_number_text(text)
        .ok_or_else(|| UsageError(format!("--{flag}: '{text}' is not a number")))
}

/// A setting that `none` clears: `None` when not given (kept), `Some(None)` for `none`.
fn clearable(flag: &str, text: &Option<String>) -> Result<Option<Option<Decimal>>, UsageError> {
    text.as_deref()
        .map(|t| {
            if t.trim().eq_ignore_ascii_case("none") {
                Ok(None)
            } else {
                figure(flag, t).map(Some)
            }
        })
        .transpose()
}

fn date(flag: &str, text: &Option<String>) -> Result<Option<DocDate>, UsageError> {
    text.as_deref()
        .map(|t| DocDate::parse_dmy(t).map_err(|e| UsageError(format!("--{flag}: {e}"))))
        .transpose()
}

impl SetArgs {
    fn change(&self) -> Result<LineChange, UsageError> {
        let charge = match (&self.percent, &self.fixed) {
            (Some(p), _) => Some(Charge::Percent(figure("percent", p)?)),
            (None, Some(a)) => Some(Charge::Fixed(figure("fixed", a)?)),
            (None, None) => None,
        };
        let cap = match (
            clearable("cap", &self.cap)?,
            clearable("cap-percent", &self.cap_percent)?,
        ) {
            (Some(amount), _) => Some(amount.map(Cap::Amount)),
            (None, Some(p)) => Some(p.map(Cap::PercentOfContract)),
            (None, None) => None,
        };
        Ok(LineChange {
            label: self.label.as_deref().map(|label| label.trim().to_owned()),
            effect: self.addition.map(|addition| {
                if addition {
                    Effect::Addition
                } else {
                    Effect::Deduction
                }
            }),
            base: self.base.map(|base| match base {
                BaseArg::Gross => Base::Gross,
                BaseArg::GrossWithAdditions => Base::GrossWithAdditions,
            }),
            charge,
            threshold: clearable("threshold", &self.threshold)?,
            cap,
            valid_from: date("from", &self.from)?,
            valid_to: date("until", &self.until)?,
            unless_estimate_has_lc: self.unless_estimate_has_lc,
            individual_percent: clearable("individual-percent", &self.individual_percent)?,
        })
    }
}

/// `--recovery "LABEL=AMOUNT"`: a one-off recovery of one bill.
pub fn recovery(text: &str) -> Result<OneOffRecovery, UsageError> {
    let (label, amount) = text.rsplit_once('=').ok_or_else(|| {
        UsageError(format!(
            "--recovery: '{text}' should read LABEL=AMOUNT, e.g. \"Mobilisation advance=25000\""
        ))
    })?;
    Ok(OneOffRecovery {
        label: label.trim().to_owned(),
        amount: figure("recovery", amount)?,
    })
}

/// The conditions a line applies under, or blank when it always does.
fn applies_when(line: &PaymentLine) -> String {
    let mut conditions = Vec::new();
    if let Some(threshold) = line.threshold {
        conditions.push(format!("contract > {}", format_indian(threshold)));
    }
    if line.unless_estimate_has_lc {
        conditions.push("estimate without LC".to_owned());
    }
    conditions.join(", ")
}

fn print(table: &PaymentTable, out: &Printer) {
    if out.is_json() {
        out.json(table);
        return;
    }
    if table.is_example {
        say!("The example set (usual rates, not law): change a line to make the table your own.");
    }
    let rows: Vec<Vec<String>> = table
        .lines
        .iter()
        .map(|line| {
            let period = match (line.valid_from, line.valid_to) {
                (None, None) => "always".to_owned(),
                (from, to) => format!(
                    "{} to {}",
                    from.map(|d| d.to_string()).unwrap_or_else(|| "…".into()),
                    to.map(|d| d.to_string()).unwrap_or_else(|| "…".into())
                ),
            };
            vec![
                line.code.clone(),
                line.label.clone(),
                match line.effect {
                    Effect::Addition => "add",
                    Effect::Deduction => "deduct",
                }
                .to_owned(),
                line.charge_text(),
                match line.base {
                    Base::Gross => "gross",
                    Base::GrossWithAdditions => "gross + additions",
                }
                .to_owned(),
                applies_when(line),
                match line.cap {
                    Some(Cap::Amount(amount)) => format_indian(amount),
                    Some(Cap::PercentOfContract(p)) => format!("{} % of contract", p.normalize()),
                    None => String::new(),
                },
                period,
            ]
        })
        .collect();
    print_table(
        &[
            "CODE", "LABEL", "EFFECT", "RATE", "BASE", "APPLIES", "CAP", "IN FORCE",
        ],
        &rows,
    );
}

pub async fn deductions(
    core: &Sitebook,
    session: &Session,
    command: &DeductionsCommand,
    out: &Printer,
) -> Result<(), Failure> {
    // The settings a change kept without their being typed, told after the table.
    let mut kept: Option<(String, Vec<String>)> = None;
    let table = match command {
        DeductionsCommand::List => core.deductions_list(session).await?,
        DeductionsCommand::Set(args) => {
            let change = args.change()?;
            let code = args.code.trim();
            let current = core.deductions_list(session).await?;
            let changed = change
                .apply(code, &current.lines)
                .map_err(|e| UsageError(format!("{e} (--label; --percent or --fixed)")))?;
            kept = Some((changed.line.code.clone(), changed.kept));
            core.deductions_save(session, changed.line).await?
        }
        DeductionsCommand::Remove { code, from } => {
            let which = match from {
                Some(day) => LinesOfCode::starting(day)?,
                None => LinesOfCode::Every,
            };
            core.deductions_remove(session, code, which).await?
        }
    };
    print(&table, out);
    if let Some((code, settings)) = kept.filter(|(_, settings)| !settings.is_empty()) {
        if !out.is_json() {
            tell!("Kept from {code}'s earlier line: {}.", settings.join("; "));
        }
    }
    Ok(())
}
