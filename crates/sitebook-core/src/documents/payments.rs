//! An organization's table of additions and deductions as stored, and the terms a new bill
//! freezes from it (DOMAIN.md §2a; the arithmetic is [`crate::domain::payments`]).
//!
//! Until an office edits its table it uses the built-in example set, read from code and never
//! written on a read. The first edit copies the example set into the table, marks it as the
//! office's own and applies the edit, in one transaction, so the example set has one source.

use chrono::Datelike;
use serde::Serialize;

use crate::domain::payments::{example_lines, put_dated_line, PaymentLine};
use crate::domain::work::DocDate;
use crate::error::{Error, Result};
use crate::jobs::Ctx;
use crate::tenancy::gate::{OrgScope, WriteScope};

/// An organization's lines, as listed and edited.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentTable {
    /// Whether these are the built-in example lines, never edited here.
    pub is_example: bool,
    /// The lines in table order.
    pub lines: Vec<PaymentLine>,
}

/// The organization's table.
pub async fn table(ctx: &Ctx, scope: &OrgScope) -> Result<PaymentTable> {
    let edited: Option<i64> =
        sqlx::query_scalar("SELECT org_id FROM payment_tables WHERE org_id = ?")
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?;
    if edited.is_none() {
        return Ok(PaymentTable {
            is_example: true,
            lines: example_lines(),
        });
    }
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT line_json FROM payment_lines WHERE org_id = ? ORDER BY position, id",
    )
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?;
    let lines = stored
        .iter()
        .map(|json| {
            serde_json::from_str(json)
                .map_err(|e| Error::Internal(format!("a stored deduction line is damaged: {e}")))
        })
        .collect::<Result<Vec<PaymentLine>>>()?;
    Ok(PaymentTable {
        is_example: false,
        lines,
    })
}

/// The lines in force on `date`, in table order: what a bill of that date freezes.
pub(crate) async fn lines_in_force(
    ctx: &Ctx,
    scope: &OrgScope,
    date: DocDate,
) -> Result<Vec<PaymentLine>> {
    Ok(table(ctx, scope)
        .await?
        .lines
        .into_iter()
        .filter(|line| line.in_force_on(date))
        .collect())
}

/// Today by the device's clock, as a document date.
pub(crate) fn today(ctx: &Ctx) -> DocDate {
    let now = ctx.clock.now();
    DocDate::new(now.year() as u32, now.month(), now.day())
        .unwrap_or_else(|_| DocDate::new(1970, 1, 1).expect("a valid date"))
}

/// Writes `lines` as the organization's whole table, in order, inside `tx`.
async fn replace_lines(
    ctx: &Ctx,
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    scope: &WriteScope,
    lines: &[PaymentLine],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO payment_tables (org_id, edited_at, edited_by) VALUES (?, ?, ?) \
         ON CONFLICT (org_id) DO UPDATE SET edited_at = excluded.edited_at, \
         edited_by = excluded.edited_by",
    )
    .bind(scope.org_id())
    .bind(ctx.now_text())
    .bind(scope.user_id())
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM payment_lines WHERE org_id = ?")
        .bind(scope.org_id())
        .execute(&mut **tx)
        .await?;
    for (position, line) in lines.iter().enumerate() {
        let json = serde_json::to_string(line)
            .map_err(|e| Error::Internal(format!("could not store a deduction line: {e}")))?;
        sqlx::query(
            "INSERT INTO payment_lines (org_id, position, code, line_json) VALUES (?, ?, ?, ?)",
        )
        .bind(scope.org_id())
        .bind(position as i64)
        .bind(&line.code)
        .bind(json)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Applies `edit` to the table as it stands (the example set, before the first edit) and
/// stores the result, all in one write transaction.
async fn edit_table(
    ctx: &Ctx,
    scope: &WriteScope,
    edit: impl FnOnce(&mut Vec<PaymentLine>) -> Result<()>,
) -> Result<PaymentTable> {
    let mut tx = ctx.write_tx().await?;
    // Read inside the write lock, so two people editing at once cannot lose a line.
    let mut lines = table(ctx, scope).await?.lines;
    edit(&mut lines)?;
    replace_lines(ctx, &mut tx, scope, &lines).await?;
    tx.commit().await?;
    Ok(PaymentTable {
        is_example: false,
        lines,
    })
}

/// Adds a line as its code's line from its first day: the code's earlier lines stay for the
/// days before it ([`put_dated_line`]); a line without dates replaces them all.
pub async fn save_line(ctx: &Ctx, scope: &WriteScope, line: PaymentLine) -> Result<PaymentTable> {
    line.validate()
        .map_err(|e| Error::Validation(format!("Deduction line {}: {e}.", line.code)))?;
    edit_table(ctx, scope, |lines| {
        put_dated_line(lines, line);
        Ok(())
    })
    .await
}

/// Removes the lines with `code` (any case): every one, or the one that starts on a day.
pub async fn remove_line(
    ctx: &Ctx,
    scope: &WriteScope,
    code: &str,
    which: LinesOfCode,
) -> Result<PaymentTable> {
    edit_table(ctx, scope, |lines| {
        let before = lines.len();
        lines.retain(|l| {
            !(l.code.eq_ignore_ascii_case(code)
                && match which {
                    LinesOfCode::Every => true,
                    LinesOfCode::From(from) => l.valid_from == from,
                })
        });
        if lines.len() == before && which != LinesOfCode::Every {
            let dates: Vec<String> = lines
                .iter()
                .filter(|l| l.code.eq_ignore_ascii_case(code))
                .map(|l| {
                    l.valid_from
                        .map_or("no first day".into(), |d| d.to_string())
                })
                .collect();
            if !dates.is_empty() {
                return Err(Error::NotFound(format!(
                    "Deduction line {code} has no line in force from {}; its lines start: {}.",
                    match which {
                        LinesOfCode::From(Some(from)) => from.to_string(),
                        _ => "no first day".into(),
                    },
                    dates.join(", ")
                )));
            }
        }
        if lines.len() == before {
            let known: Vec<&str> = lines.iter().map(|l| l.code.as_str()).collect();
            return Err(Error::NotFound(format!(
                "There is no deduction line {code:?}; the table has {}.",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        }
        Ok(())
    })
    .await
}

/// Which of a code's dated lines to remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinesOfCode {
    /// All of them.
    Every,
    /// The one whose first day in force is this (`None`: the one without a first day).
    From(Option<DocDate>),
}

impl LinesOfCode {
    /// The line that starts on `first_day` as typed (dd-mm-yyyy), or the one without a first
    /// day when it is blank, as the Settings screen lists them.
    pub fn starting(first_day: &str) -> Result<Self> {
        let text = first_day.trim();
        if text.is_empty() {
            return Ok(Self::From(None));
        }
        DocDate::parse_dmy(text)
            .map(|day| Self::From(Some(day)))
            .map_err(|e| Error::Validation(format!("In force from: {e}.")))
    }
}

/// One line of the table as the Settings screen shows and edits it: every field as text, so
/// what a person typed comes back with the field named when it cannot be read.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeductionLineForm {
    /// The line's short name (`SD`, `IT-TDS`), which matches capped lines from bill to bill.
    pub code: String,
    /// What the memorandum prints for the line (`Security deposit`).
    pub label: String,
    /// Whether the line is added to the bill or withheld from it.
    #[ts(type = "\"deduction\" | \"addition\"")]
    pub effect: String,
    /// What a percentage is taken of: the bill's gross, or the gross with its additions.
    #[ts(type = "\"gross\" | \"gross_with_additions\"")]
    pub base: String,
    /// Whether the charge is a percentage of the base or a fixed amount on every bill.
    #[ts(type = "\"percent\" | \"fixed\"")]
    pub charge_kind: String,
    /// The percentage, or the fixed amount in rupees, as typed.
    pub charge_value: String,
    /// Blank: the line always applies.
    pub threshold: String,
    /// How the total withheld over the chain is capped: not at all, at an amount, or at a
    /// percentage of the contract value.
    #[ts(type = "\"none\" | \"amount\" | \"percent_of_contract\"")]
    pub cap_kind: String,
    /// The cap in rupees, or the percentage of the contract value; ignored when there is no cap.
    pub cap_value: String,
    /// dd-mm-yyyy, or blank for open.
    pub valid_from: String,
    /// The last day the line is in force, dd-mm-yyyy, or blank for open.
    pub valid_to: String,
    /// Nil on the bills of an estimate that already collects labour cess (an `Add LC` row).
    #[serde(default)]
    pub unless_estimate_has_lc: bool,
    /// The rate for an individual or HUF agency, as typed; blank when it is the same rate.
    #[serde(default)]
    pub individual_percent: String,
}

/// The table as the Settings screen shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeductionTable {
    /// Whether these are the built-in example lines, which the first edit copies into the office's
    /// own table.
    pub is_example: bool,
    /// The lines in table order.
    pub lines: Vec<DeductionLineForm>,
}

impl From<&PaymentTable> for DeductionTable {
    fn from(table: &PaymentTable) -> Self {
        Self {
            is_example: table.is_example,
            lines: table.lines.iter().map(DeductionLineForm::from).collect(),
        }
    }
}

impl From<&PaymentLine> for DeductionLineForm {
    fn from(line: &PaymentLine) -> Self {
        use crate::domain::payments::{Base, Cap, Charge, Effect};
        let plain = |d: rust_decimal::Decimal| d.normalize().to_string();
        let (charge_kind, charge_value) = match line.charge {
            Charge::Percent(p) => ("percent", plain(p)),
            Charge::Fixed(a) => ("fixed", plain(a)),
        };
        let (cap_kind, cap_value) = match line.cap {
            None => ("none", String::new()),
            Some(Cap::Amount(a)) => ("amount", plain(a)),
            Some(Cap::PercentOfContract(p)) => ("percent_of_contract", plain(p)),
        };
        Self {
            code: line.code.clone(),
            label: line.label.clone(),
            effect: match line.effect {
                Effect::Deduction => "deduction",
                Effect::Addition => "addition",
            }
            .to_owned(),
            base: match line.base {
                Base::Gross => "gross",
                Base::GrossWithAdditions => "gross_with_additions",
            }
            .to_owned(),
            charge_kind: charge_kind.to_owned(),
            charge_value,
            threshold: line.threshold.map(plain).unwrap_or_default(),
            cap_kind: cap_kind.to_owned(),
            cap_value,
            valid_from: line.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            valid_to: line.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            unless_estimate_has_lc: line.unless_estimate_has_lc,
            individual_percent: line.individual_percent.map(plain).unwrap_or_default(),
        }
    }
}

impl DeductionLineForm {
    /// The line the form describes, or a validation error naming every field that cannot be
    /// read (the line's own rules are checked when it is saved).
    pub fn to_line(&self) -> Result<PaymentLine> {
        use crate::domain::money::parse_number_text;
        use crate::domain::payments::{Base, Cap, Charge, Effect};
        let mut problems = Vec::new();
        let mut figure = |field: &str, text: &str| -> Option<rust_decimal::Decimal> {
            let found = parse_number_text(text);
            if found.is_none() {
                problems.push(format!(
                    "{field}: '{}' {}",
                    text.trim(),
                    crate::domain::money::unread_figure_reason(text)
                ));
            }
            found
        };
        let charge_value = figure("rate or amount", &self.charge_value);
        let threshold = (!self.threshold.trim().is_empty())
            .then(|| figure("threshold", &self.threshold))
            .flatten();
        // The screen hides the individual's rate for a fixed amount; what was typed there
        // before the charge changed is not part of the line.
        let individual_percent = (self.charge_kind != "fixed"
            && !self.individual_percent.trim().is_empty())
        .then(|| figure("rate for an individual or HUF", &self.individual_percent))
        .flatten();
        let cap_value = (self.cap_kind != "none")
            .then(|| figure("cap", &self.cap_value))
            .flatten();
        let mut date = |field: &str, text: &str| -> Option<DocDate> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            match DocDate::parse_dmy(text) {
                Ok(date) => Some(date),
                Err(e) => {
                    problems.push(format!("{field}: {e}"));
                    None
                }
            }
        };
        let valid_from = date("in force from", &self.valid_from);
        let valid_to = date("in force until", &self.valid_to);
        let effect = match self.effect.as_str() {
            "addition" => Effect::Addition,
            _ => Effect::Deduction,
        };
        let base = match self.base.as_str() {
            "gross_with_additions" => Base::GrossWithAdditions,
            _ => Base::Gross,
        };
        if !problems.is_empty() {
            return Err(Error::Validation(format!(
                "Deduction line {}: {}.",
                self.code.trim(),
                problems.join("; ")
            )));
        }
        let charge_value = charge_value.unwrap_or_default();
        let charge = match self.charge_kind.as_str() {
            "fixed" => Charge::Fixed(charge_value),
            _ => Charge::Percent(charge_value),
        };
        let cap = match (self.cap_kind.as_str(), cap_value) {
            ("amount", Some(amount)) => Some(Cap::Amount(amount)),
            ("percent_of_contract", Some(p)) => Some(Cap::PercentOfContract(p)),
            _ => None,
        };
        Ok(PaymentLine {
            code: self.code.trim().to_owned(),
            label: self.label.trim().to_owned(),
            effect,
            base,
            charge,
            threshold,
            cap,
            valid_from,
            valid_to,
            unless_estimate_has_lc: self.unless_estimate_has_lc,
            individual_percent,
        })
    }
}
