//! `sitebook deductions`: the active organization's table of additions and deductions that
//! bills are paid by (DOMAIN.md §2a), and `--recovery` for one bill's one-off recoveries. The
//! rules and the arithmetic live in the core; this turns flags into lines.

use clap::{Args, Subcommand, ValueEnum};
use rust_decimal::Decimal;
use sitebook_core::documents::payments::{LinesOfCode, PaymentTable};
use sitebook_core::domain::money::format_indian;
use sitebook_core::domain::payments::{Base, Cap, Charge, Effect, OneOffRecovery, PaymentLine};
use sitebook_core::domain::work::DocDate;
use sitebook_core::tenancy::session::Session;
use sitebook_core::Sitebook;

use crate::output::{print_table, Printer};
use crate::{Failure, UsageError};

#[derive(Subcommand)]
pub enum DeductionsCommand {
    /// The lines bills are paid by (the example set until the first change)
    List,
    /// Add a line for its period (owners and admins): the code's lines for other dates stay,
    /// so a new rate `--from 01-08-2025` keeps the old one for bills dated before; without
    /// dates it replaces the code's lines
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
// One of the two, and a missing one is told as "--percent or --fixed".
#[command(group(clap::ArgGroup::new("charge").required(true).args(["percent", "fixed"])))]
pub struct SetArgs {
    /// A short code that names the line from bill to bill (SD, IT-TDS)
    #[arg(value_name = "CODE")]
    code: String,
    /// What the memorandum of payments prints
    #[arg(long)]
    label: String,
    /// A percentage of the base
    #[arg(long, allow_negative_numbers = true, value_name = "PERCENT")]
    percent: Option<String>,
    /// The same amount on every bill
    #[arg(long, allow_negative_numbers = true, value_name = "AMOUNT")]
    fixed: Option<String>,
    /// An addition (GST billed on the work value) instead of a deduction
    #[arg(long)]
    addition: bool,
    /// What the percentage is of
    #[arg(long, value_enum, default_value = "gross")]
    base: BaseArg,
    /// Apply only when the contract value exceeds this
    #[arg(long, allow_negative_numbers = true, value_name = "AMOUNT")]
    threshold: Option<String>,
    /// Stop once this much has been withheld over the chain (a security deposit)
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "AMOUNT",
        conflicts_with = "cap_percent"
    )]
    cap: Option<String>,
    /// Stop once this percentage of the contract value has been withheld
    #[arg(long, allow_negative_numbers = true, value_name = "PERCENT")]
    cap_percent: Option<String>,
    /// First day in force (dd-mm-yyyy)
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last day in force (dd-mm-yyyy)
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Nil on the bills of an estimate that already collects labour cess (an `Add LC` row)
    #[arg(long)]
    unless_estimate_has_lc: bool,
    /// The rate for an individual or HUF agency, when it differs (income-tax TDS: 1 %)
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "PERCENT",
        requires = "percent"
    )]
    individual_percent: Option<String>,
}

fn figure(flag: &str, text: &str) -> Result<Decimal, UsageError> {
    sitebook_core::domain::money::parse_number_text(text)
        .ok_or_else(|| UsageError(format!("--{flag}: '{text}' is not a number")))
}

fn figure_opt(flag: &str, text: &Option<String>) -> Result<Option<Decimal>, UsageError> {
    text.as_deref().map(|t| figure(flag, t)).transpose()
}

fn date(flag: &str, text: &Option<String>) -> Result<Option<DocDate>, UsageError> {
    text.as_deref()
        .map(|t| DocDate::parse_dmy(t).map_err(|e| UsageError(format!("--{flag}: {e}"))))
        .transpose()
}

impl SetArgs {
    fn line(&self) -> Result<PaymentLine, UsageError> {
        let charge = match (&self.percent, &self.fixed) {
            (Some(p), _) => Charge::Percent(figure("percent", p)?),
            (None, Some(a)) => Charge::Fixed(figure("fixed", a)?),
            (None, None) => return Err(UsageError("give --percent or --fixed".into())),
        };
        let cap = match (
            figure_opt("cap", &self.cap)?,
            figure_opt("cap-percent", &self.cap_percent)?,
        ) {
            (Some(amount), _) => Some(Cap::Amount(amount)),
            (None, Some(p)) => Some(Cap::PercentOfContract(p)),
            (None, None) => None,
        };
        Ok(PaymentLine {
            code: self.code.trim().to_owned(),
            label: self.label.trim().to_owned(),
            effect: if self.addition {
                Effect::Addition
            } else {
                Effect::Deduction
            },
            base: match self.base {
                BaseArg::Gross => Base::Gross,
                BaseArg::GrossWithAdditions => Base::GrossWithAdditions,
            },
            charge,
            threshold: figure_opt("threshold", &self.threshold)?,
            cap,
            valid_from: date("from", &self.from)?,
            valid_to: date("until", &self.until)?,
            unless_estimate_has_lc: self.unless_estimate_has_lc,
            individual_percent: figure_opt("individual-percent", &self.individual_percent)?,
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
    let table = match command {
        DeductionsCommand::List => core.deductions_list(session).await?,
        DeductionsCommand::Set(args) => core.deductions_save(session, args.line()?).await?,
        DeductionsCommand::Remove { code, from } => {
            let which = match from {
                Some(day) => LinesOfCode::starting(day)?,
                None => LinesOfCode::Every,
            };
            core.deductions_remove(session, code, which).await?
        }
    };
    print(&table, out);
    Ok(())
}
