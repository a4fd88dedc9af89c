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

use crate::domain::money::{finer_than_paise, parse_number_text, within_limit};
use crate::domain::quantities::{ItemQuantity, Origin, MAX_LISTED_PROBLEMS};
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
    /// The file line it was read from, when it was, for messages.
    pub origin: Option<Origin>,
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
    if rows.is_empty() && problems.is_empty() {
        // Given on purpose and read as "no figures", a header alone would make the document
        // from the defaults (a work slip at the estimate's quantities) without a word: far more
        // often it is an export that lost its rows, or the wrong file.
        return Err(Error::Validation(format!(
            "{file_name}: has the header and no lines of data, so nothing was saved. Give one \
             line per item under '{}'.",
            header.join(",")
        )));
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

/// Whether `serial` is met for the first time in the file; if not, a problem naming the line
/// it was first given on.
fn first_time(
    serial: &str,
    line: u64,
    first_line_of: &mut HashMap<String, u64>,
    problems: &mut Vec<String>,
) -> bool {
    match first_line_of.get(serial) {
        Some(first) => {
            problems.push(format!("line {line}: item {serial} repeats line {first}"));
            false
        }
        None => {
            first_line_of.insert(serial.to_owned(), line);
            true
        }
    }
}

/// A figure of a CSV field, or a problem naming its line and field. Every check that needs no
/// estimate is made here, where the file and line are known, rather than once the figures are
/// matched to items, where only the serial is.
fn number(line: u64, field: &str, text: &str, problems: &mut Vec<String>) -> Option<Decimal> {
    match parse_number_text(text) {
        Some(value) if !within_limit(value) => {
            problems.push(format!(
                "line {line}: {field} {value} is too large to be a real {}",
                if field == "rate" { "rate" } else { "quantity" }
            ));
            None
        }
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
    serial_figures(file_name, text, quantity_column, |line, text, problems| {
        number(line, quantity_column, text, problems)
    })
}

/// The figures of a `sl_no,<column>` file, each serial once, each figure read by `figure`;
/// refused with every bad line named.
fn serial_figures(
    file_name: &str,
    text: &str,
    column: &str,
    figure: impl Fn(u64, &str, &mut Vec<String>) -> Option<Decimal>,
) -> Result<Vec<ItemQuantity>> {
    let (rows, mut problems) = records(file_name, text, &["sl_no", column])?;
    let file: std::sync::Arc<str> = file_name.into();
    let mut figures: Vec<ItemQuantity> = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::with_capacity(rows.len());
    for (line, fields) in rows {
        let serial = fields[0].clone();
        if serial.is_empty() {
            problems.push(format!("line {line}: sl_no is empty"));
            continue;
        }
        if !first_time(&serial, line, &mut first_line_of, &mut problems) {
            continue;
        }
        if let Some(value) = figure(line, &fields[1], &mut problems) {
            figures.push(ItemQuantity::new(serial, value).read_from(Origin {
                file: file.clone(),
                line,
            }));
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| line_number(p));
        return Err(bad_lines(file_name, problems));
    }
    Ok(figures)
}

/// Rates that replace estimate items' rates in a work slip, from a file whose header is
/// `sl_no,rate`.
pub fn rates(file_name: &str, text: &str) -> Result<Vec<RateOverride>> {
    Ok(serial_figures(file_name, text, "rate", rate)?
        .into_iter()
        .map(|entry| RateOverride {
            sl_no: entry.sl_no,
            rate: entry.quantity,
            origin: entry.origin,
        })
        .collect())
}

/// A rate of a CSV line: a figure, in rupees and paise, since a finer rate would print as typed
/// but be paid rounded.
fn rate(line: u64, text: &str, problems: &mut Vec<String>) -> Option<Decimal> {
    let rate = number(line, "rate", text, problems)?;
    if finer_than_paise(rate) {
        problems.push(format!(
            "line {line}: rate {rate} has more than two decimal places; give it in rupees and \
             paise"
        ));
        return None;
    }
    Some(rate)
}

/// Supplemental items with their executed quantities.
pub fn supplemental(file_name: &str, text: &str) -> Result<Vec<SupplementalLine>> {
    let (rows, mut problems) = records(
        file_name,
        text,
        &["sl_no", "description", "unit", "rate", "executed_qty"],
    )?;
    let file: std::sync::Arc<str> = file_name.into();
    let mut lines = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::with_capacity(rows.len());
    for (line, fields) in rows {
        if fields[0].is_empty() || fields[1].is_empty() {
            problems.push(format!("line {line}: sl_no and description are required"));
            continue;
        }
        if !first_time(&fields[0], line, &mut first_line_of, &mut problems) {
            continue;
        }
        let rate = rate(line, &fields[3], &mut problems);
        let executed = number(line, "executed_qty", &fields[4], &mut problems);
        if let (Some(rate), Some(executed)) = (rate, executed) {
            lines.push(SupplementalLine {
                sl_no: fields[0].clone(),
                description: fields[1].clone(),
                unit: fields[2].clone(),
                rate,
                executed,
                origin: Some(Origin {
                    file: file.clone(),
                    line,
                }),
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
    fn each_figure_remembers_its_line_without_it_becoming_part_of_the_figure() {
        let text = "sl_no,till_date_qty\n\n1,5\n7,2\n";
        let read = quantities("q.csv", text, "till_date_qty").unwrap();
        let lines: Vec<String> = read
            .iter()
            .map(|entry| entry.origin.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(lines, ["q.csv line 3", "q.csv line 4"]);
        // Recorded inputs are hashed from their JSON: a bill's must not change with the file
        // its figures were typed in.
        assert_eq!(read[0], ItemQuantity::new("1", dec!(5)));
        assert_eq!(
            serde_json::to_string(&read[0]).unwrap(),
            serde_json::to_string(&ItemQuantity::new("1", dec!(5))).unwrap()
        );
        let extra = supplemental(
            "s.csv",
            "sl_no,description,unit,rate,executed_qty\n\nS1,Extra,Nos,10,1\n",
        )
        .unwrap();
        assert_eq!(
            extra[0].origin.as_ref().unwrap().to_string(),
            "s.csv line 3"
        );
        let rates = rates("r.csv", "sl_no,rate\n4,10.50\n").unwrap();
        assert_eq!(
            rates[0].origin.as_ref().unwrap().to_string(),
            "r.csv line 2"
        );
        assert_eq!(
            serde_json::to_string(&rates[0]).unwrap(),
            serde_json::to_string(&RateOverride::new("4", dec!(10.50))).unwrap()
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
    fn a_file_of_its_header_alone_is_refused_not_read_as_no_figures() {
        for text in ["sl_no,executed_qty\n", "sl_no,executed_qty\n,\n\n"] {
            let Err(Error::Validation(message)) = quantities("executed.csv", text, "executed_qty")
            else {
                panic!("expected a validation error for {text:?}");
            };
            assert!(
                message.starts_with("executed.csv: has the header and no lines of data"),
                "{message}"
            );
            assert!(message.contains("under 'sl_no,executed_qty'"), "{message}");
        }
        assert!(matches!(
            rates("r.csv", "sl_no,rate\n"),
            Err(Error::Validation(_))
        ));
        let Err(Error::Validation(message)) =
            supplemental("s.csv", "sl_no,description,unit,rate,executed_qty\n")
        else {
            panic!("expected a validation error");
        };
        assert!(
            message.contains("s.csv: has the header and no lines"),
            "{message}"
        );
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
    fn checks_that_need_no_estimate_name_the_line_and_field() {
        let text = "sl_no,till_date_qty\n1,5\n2,9999999999999999\n";
        let Err(Error::Validation(message)) = quantities("q.csv", text, "till_date_qty") else {
            panic!("expected a validation error");
        };
        assert!(
            message.contains(
                "q.csv: nothing was saved because 1 line is bad: line 3: till_date_qty \
                 9999999999999999 is too large to be a real quantity."
            ),
            "{message}"
        );

        let Err(Error::Validation(message)) = rates("r.csv", "sl_no,rate\n1,10.125\n2,10.50\n")
        else {
            panic!("expected a validation error");
        };
        assert!(
            message.contains(
                "r.csv: nothing was saved because 1 line is bad: line 2: rate 10.125 has more \
                 than two decimal places"
            ),
            "{message}"
        );
        // Trailing zeros are not finer than a paisa.
        assert_eq!(
            rates("r.csv", "sl_no,rate\n1,10.500\n").unwrap()[0].rate,
            dec!(10.5)
        );

        let text = "sl_no,description,unit,rate,executed_qty\n\
                    S1,Extra earthwork,Cum,450.50,12\n\
                    S2,Railing,Rmt,99.999,3\n\
                    S1,Extra earthwork again,Cum,450.50,1\n\
                    S3,Paint,Sqm,12,1e30\n";
        let Err(Error::Validation(message)) = supplemental("s.csv", text) else {
            panic!("expected a validation error");
        };
        for needle in [
            "s.csv: nothing was saved because 3 lines are bad",
            "line 3: rate 99.999 has more than two decimal places",
            "line 4: item S1 repeats line 2",
            "line 5: executed_qty",
        ] {
            assert!(message.contains(needle), "{needle} missing: {message}");
        }
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
