//! Reading the quantity files people prepare in a spreadsheet: `sl_no,till_date_qty` for bills,
//! `sl_no,executed_qty` for work slips, `sl_no,description,unit,rate,executed_qty` for
//! supplemental items, and `sl_no,rate` for a work slip's rates that replace the estimate's.
//! Every bad line is reported by its number; nothing is half-read.
//!
//! Files come from people and scripts, so reading is linear in the file and bounded: more than
//! [`MAX_DATA_LINES`] lines is refused as soon as the reader passes that line, and the message
//! lists the first [`MAX_LISTED_PROBLEMS`] problems and counts the rest.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::domain::money::parse_number_text;
use crate::domain::quantities::{ItemQuantity, MAX_LISTED_PROBLEMS};
use crate::domain::workslip::RateOverride;
use crate::error::{Error, Result};

/// A supplemental (not-in-estimate) item of a work slip, as its CSV line gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplementalLine {
    /// The serial the item gets in the work slip (such as `S1`).
    pub sl_no: String,
    /// What the item is, as it will print.
    pub description: String,
    /// The unit printed next to the quantity (`Nos`, `Cum`); may be empty.
    pub unit: String,
    /// The rate per unit in rupees.
    pub rate: Decimal,
    /// The quantity executed in this phase.
    pub executed: Decimal,
}

/// The data lines with the right number of fields, and a problem for each other line, so that
/// callers can add their own problems and report every bad line at once.
type Lines = (Vec<(u64, Vec<String>)>, Vec<String>);

/// Most data lines a quantity file may hold: far more items than any estimate has (the largest
/// the parser is measured on has 10,000).
pub const MAX_DATA_LINES: usize = 50_000;

fn records(file_name: &str, text: &str, header: &[&str]) -> Result<Lines> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let lines = crate::csv_text::data_lines(file_name, text, header)?;
    for (index, (line, record)) in lines.enumerate() {
        if index >= MAX_DATA_LINES {
            return Err(Error::Validation(format!(
                "{file_name}: has more than {} lines of data; no estimate has that many items, so \
                 nothing was read. Check that this is the right file.",
                crate::excel::limits::group_digits(MAX_DATA_LINES as u64)
            )));
        }
        match record {
            Ok(record) if record.iter().all(str::is_empty) => {}
            Ok(record) => {
                if record.len() == header.len() {
                    rows.push((line, record.iter().map(str::to_string).collect()));
                } else {
                    problems.push(format!(
                        "line {line}: expected {} fields ({}), found {}",
                        header.len(),
                        header.join(","),
                        record.len()
                    ));
                }
            }
            Err(e) => {
                problems.push(format!(
                    "line {line}: {}",
                    crate::error::excerpt(&e.to_string())
                ));
            }
        }
    }
    Ok((rows, problems))
}

fn bad_lines(file_name: &str, mut problems: Vec<String>) -> Error {
    let count = problems.len();
    let more = count.saturating_sub(MAX_LISTED_PROBLEMS);
    problems.truncate(MAX_LISTED_PROBLEMS);
    Error::Validation(format!(
        "{file_name}: nothing was saved because {count} line{} {} bad: {}{}.",
        if count == 1 { "" } else { "s" },
        if count == 1 { "is" } else { "are" },
        problems.join("; "),
        if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        }
    ))
}

/// The line a problem names ("line 4: …"), to report problems in file order.
fn line_number(problem: &str) -> u64 {
    problem
        .strip_prefix("line ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn number(line: u64, field: &str, text: &str, problems: &mut Vec<String>) -> Option<Decimal> {
    match parse_number_text(text) {
        Some(value) if value >= Decimal::ZERO => Some(value),
        Some(value) => {
            problems.push(format!("line {line}: {field} {value} is negative"));
            None
        }
        None => {
            problems.push(format!(
                "line {line}: {field} '{}' {}",
                crate::error::excerpt(text),
                crate::domain::money::unread_figure_reason(text)
            ));
            None
        }
    }
}

/// Quantities by serial from a two-column file whose header is `sl_no,<quantity_column>`.
pub fn quantities(file_name: &str, text: &str, quantity_column: &str) -> Result<Vec<ItemQuantity>> {
    let (rows, mut problems) = records(file_name, text, &["sl_no", quantity_column])?;
    let mut quantities: Vec<ItemQuantity> = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::with_capacity(rows.len());
    for (line, fields) in rows {
        let serial = fields[0].clone();
        if serial.is_empty() {
            problems.push(format!("line {line}: sl_no is empty"));
            continue;
        }
        if let Some(first) = first_line_of.get(&serial) {
            problems.push(format!("line {line}: item {serial} repeats line {first}"));
            continue;
        }
        first_line_of.insert(serial.clone(), line);
        if let Some(quantity) = number(line, quantity_column, &fields[1], &mut problems) {
            quantities.push(ItemQuantity::new(serial, quantity));
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| line_number(p));
        return Err(bad_lines(file_name, problems));
    }
    Ok(quantities)
}

/// Rates that replace estimate items' rates in a work slip, from a file whose header is
/// `sl_no,rate`.
pub fn rates(file_name: &str, text: &str) -> Result<Vec<RateOverride>> {
    Ok(quantities(file_name, text, "rate")?
        .into_iter()
        .map(|entry| RateOverride {
            sl_no: entry.sl_no,
            rate: entry.quantity,
        })
        .collect())
}

/// Supplemental items with their executed quantities.
pub fn supplemental(file_name: &str, text: &str) -> Result<Vec<SupplementalLine>> {
    let (rows, mut problems) = records(
        file_name,
        text,
        &["sl_no", "description", "unit", "rate", "executed_qty"],
    )?;
    let mut lines = Vec::new();
    for (line, fields) in rows {
        if fields[0].is_empty() || fields[1].is_empty() {
            problems.push(format!("line {line}: sl_no and description are required"));
            continue;
        }
        let rate = number(line, "rate", &fields[3], &mut problems);
        let executed = number(line, "executed_qty", &fields[4], &mut problems);
        if let (Some(rate), Some(executed)) = (rate, executed) {
            lines.push(SupplementalLine {
                sl_no: fields[0].clone(),
                description: fields[1].clone(),
                unit: fields[2].clone(),
                rate,
                executed,
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| line_number(p));
        return Err(bad_lines(file_name, problems));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn reads_quantities_in_either_grouping() {
        let q = quantities(
            "q.csv",
            "sl_no,till_date_qty\n1,\"1,250.5\"\n2, 3 \n",
            "till_date_qty",
        )
        .unwrap();
        assert_eq!(
            q,
            [
                ItemQuantity::new("1", dec!(1250.5)),
                ItemQuantity::new("2", dec!(3))
            ]
        );
    }

    #[test]
    fn reports_every_bad_line_by_number() {
        let text = "sl_no,till_date_qty\n1,ten\n2,-4\n1,5\n3\n";
        let Err(Error::Validation(message)) = quantities("q.csv", text, "till_date_qty") else {
            panic!("expected a validation error");
        };
        for needle in [
            "line 2: till_date_qty 'ten' is not a number",
            "line 3: till_date_qty -4 is negative",
            "line 4: item 1 repeats line 2",
            "line 5: expected 2 fields",
        ] {
            assert!(message.contains(needle), "{needle} missing: {message}");
        }
    }

    #[test]
    fn a_file_past_the_line_cap_is_refused_and_many_problems_are_counted_not_listed() {
        let mut text = String::from("sl_no,till_date_qty\n");
        for i in 0..=MAX_DATA_LINES {
            text.push_str(&format!("{i},1\n"));
        }
        let Err(Error::Validation(message)) = quantities("big.csv", &text, "till_date_qty") else {
            panic!("expected a validation error");
        };
        assert!(message.contains("more than 50,000 lines"), "{message}");

        let mut text = String::from("sl_no,till_date_qty\n");
        for _ in 0..30 {
            text.push_str("7,1\n");
        }
        let Err(Error::Validation(message)) = quantities("dup.csv", &text, "till_date_qty") else {
            panic!("expected a validation error");
        };
        assert!(message.contains("29 lines are bad"), "{message}");
        assert!(
            message.contains("line 3: item 7 repeats line 2"),
            "{message}"
        );
        assert!(message.ends_with("; and 9 more."), "{message}");
    }

    #[test]
    fn the_header_must_match() {
        let Err(Error::Validation(message)) =
            quantities("q.csv", "serial,qty\n1,2\n", "till_date_qty")
        else {
            panic!("expected a validation error");
        };
        assert!(message.contains("line 1 must be the header 'sl_no,till_date_qty'"));
    }

    #[test]
    fn reads_supplemental_items() {
        let lines = supplemental(
            "s.csv",
            "sl_no,description,unit,rate,executed_qty\nS1,Extra earthwork,Cum,450.50,12\n",
        )
        .unwrap();
        assert_eq!(lines[0].rate, dec!(450.50));
        assert_eq!(lines[0].executed, dec!(12));
    }
}
