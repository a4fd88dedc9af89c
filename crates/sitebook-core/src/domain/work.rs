//! Work metadata (DOMAIN.md §4): what is entered once per work and reused by every document,
//! and the header block that bills print from it (DOMAIN.md §2).
//!
//! The fields are plain data; [`WorkMetadata::validate`] lists what is wrong with them, and
//! [`WorkMetadata::header_block`] produces the printed lines so the PDF and XLSX headers agree.
//! Dates are a small validated [`DocDate`] rather than a date library: documents only need a
//! calendar day, printed `dd-mm-yyyy` and stored ISO `yyyy-mm-dd` (which sorts).
//!
//! Decisions where DOMAIN.md is silent: a missing date prints `-`; missing MB details print an
//! empty value; header lines print as `label: value`, the form DOMAIN.md gives for the MB line;
//! the estimate amount prints as `Rs. ` plus Indian grouping (the built-in PDF fonts lack `₹`).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::money::{within_limit, CurrencyMark, MAX_FIGURE};
use super::quantities::join_problems;
use super::tender::TenderPremium;

/// Whether the work is new construction or a repair (repairs may deduct old material).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkMode {
    /// New work.
    Original,
    /// Repair work.
    Repair,
}

/// Where the work is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Within a municipality.
    Municipal,
    /// Outside municipal limits.
    NonMunicipal,
}

/// A calendar date, valid by construction, printed `dd-mm-yyyy`, serialized `yyyy-mm-dd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct DocDate {
    // Field order gives chronological ordering for the derived Ord.
    year: u16,
    month: u8,
    day: u8,
}

/// A date that does not exist or cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateError {
    /// Day, month or year out of range (31-04-2024, 29-02-2023, year 0).
    #[error("{day:02}-{month:02}-{year:04} is not a calendar date")]
    NoSuchDate {
        /// The year given.
        year: u32,
        /// The month given.
        month: u32,
        /// The day given.
        day: u32,
    },
    /// Text that is not a date in the expected form.
    #[error("{text:?} is not a date; write it as dd-mm-yyyy")]
    Unreadable {
        /// The text given.
        text: String,
    },
}

impl DocDate {
    /// Builds a date, refusing days that do not exist; years 1900..=9999.
    pub fn new(year: u32, month: u32, day: u32) -> Result<Self, DateError> {
        let invalid = DateError::NoSuchDate { year, month, day };
        if !(1900..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(invalid);
        }
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days_in_month = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=days_in_month).contains(&day) {
            return Err(invalid);
        }
        Ok(Self {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The day before, if it is within the years a date may have.
    pub fn day_before(self) -> Option<Self> {
        let (year, month, day) = (
            u32::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        );
        if day > 1 {
            return Self::new(year, month, day - 1).ok();
        }
        let (year, month) = if month > 1 {
            (year, month - 1)
        } else {
            (year.checked_sub(1)?, 12)
        };
        // The last day of that month: the first of 31, 30, 29, 28 that exists.
        (28..=31)
            .rev()
            .find_map(|last| Self::new(year, month, last).ok())
    }

    /// The day after, if it is within the years a date may have.
    pub fn day_after(self) -> Option<Self> {
        let (year, month, day) = (
            u32::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        );
        Self::new(year, month, day + 1)
            .or_else(|_| Self::new(year, month + 1, 1))
            .or_else(|_| Self::new(year + 1, 1, 1))
            .ok()
    }

    /// The day of a stored timestamp (`YYYY-MM-DD…`, as the store writes them), if it is
    /// one.
    pub fn from_timestamp(timestamp: &str) -> Option<Self> {
        let part = |range: std::ops::Range<usize>| timestamp.get(range)?.parse::<u32>().ok();
        let dashes = timestamp.get(4..5) == Some("-") && timestamp.get(7..8) == Some("-");
        if !dashes {
            return None;
        }
        Self::new(part(0..4)?, part(5..7)?, part(8..10)?).ok()
    }

    /// Reads `dd-mm-yyyy` (also with `/` or `.`; one-digit day and month allowed).
    pub fn parse_dmy(text: &str) -> Result<Self, DateError> {
        let [day, month, year] = split_date(text)?;
        Self::from_parts(year, month, day, text)
    }

    /// The date of the three parts of `text`, the year in four digits.
    fn from_parts(year: &str, month: &str, day: &str, text: &str) -> Result<Self, DateError> {
        if year.len() != 4 {
            return Err(unreadable(text));
        }
        Self::new(
            number(year, text)?,
            number(month, text)?,
            number(day, text)?,
        )
    }

    /// Reads ISO `yyyy-mm-dd`, the stored form.
    pub fn parse_iso(text: &str) -> Result<Self, DateError> {
        let [year, month, day] = split_date(text)?;
        Self::from_parts(year, month, day, text)
    }

    /// The ISO form, `yyyy-mm-dd`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// The year.
    pub fn year(&self) -> u32 {
        self.year.into()
    }

    /// The month, 1..=12.
    pub fn month(&self) -> u32 {
        self.month.into()
    }

    /// The day of the month.
    pub fn day(&self) -> u32 {
        self.day.into()
    }
}

fn unreadable(text: &str) -> DateError {
    DateError::Unreadable {
        text: text.to_owned(),
    }
}

fn split_date(text: &str) -> Result<[&str; 3], DateError> {
    let parts: Vec<&str> = text.trim().split(['-', '/', '.']).collect();
    match parts.as_slice() {
        &[a, b, c] if [a, b, c].iter().all(|p| !p.is_empty() && p.len() <= 4) => Ok([a, b, c]),
        _ => Err(unreadable(text)),
    }
}

fn number(part: &str, text: &str) -> Result<u32, DateError> {
    if part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().map_err(|_| unreadable(text))
    } else {
        Err(unreadable(text))
    }
}

/// The printed form, `dd-mm-yyyy`.
impl fmt::Display for DocDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}-{:04}", self.day, self.month, self.year)
    }
}

impl From<DocDate> for String {
    fn from(date: DocDate) -> Self {
        date.iso()
    }
}

impl TryFrom<String> for DocDate {
    type Error = DateError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse_iso(&text)
    }
}

/// A measurement-book reference: book number and page range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MbPages {
    /// The MB number as written (`123`, `MB-12/2024`).
    pub book: String,
    /// First page.
    pub first_page: u32,
    /// Last page.
    pub last_page: u32,
}

impl MbPages {
    fn describe(&self) -> String {
        format!(
            "MB.No. {} P.No. {} to {}",
            self.book, self.first_page, self.last_page
        )
    }
}

/// Where the measurements and the abstract are recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MbDetails {
    /// The measurements' book and pages.
    pub measurements: MbPages,
    /// The abstract's book and pages.
    pub abstract_pages: MbPages,
}

impl MbDetails {
    /// `MB.No. <m> P.No. <a> to <b> (Measurements) & MB.No. <n> P.No. <c> to <d> (Abstract)`.
    pub fn describe(&self) -> String {
        format!(
            "{} (Measurements) & {} (Abstract)",
            self.measurements.describe(),
            self.abstract_pages.describe()
        )
    }
}

/// The four dates a bill prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentDates {
    /// DOI: date of intimation.
    pub intimation: Option<DocDate>,
    /// DOC: date of completion.
    pub completion: Option<DocDate>,
    /// DOMR: date of measurement recording.
    pub measurement_recorded: Option<DocDate>,
    /// DOBR: date of bill recording.
    pub bill_recorded: Option<DocDate>,
}

impl DocumentDates {
    /// The pairs of dates given in an order that cannot happen. The work is intimated first;
    /// it is completed, and measured, after that; a bill is recorded from measurements already
    /// recorded. Completion and measurement are not ordered: a part bill's measurements come
    /// before the work is complete, a final bill's after.
    pub fn order_problems(&self) -> Vec<WorkMetadataError> {
        const DOI: &str = "date of intimation (DOI)";
        const DOC: &str = "date of completion (DOC)";
        const DOMR: &str = "date of measurement recording (DOMR)";
        const DOBR: &str = "date of bill recording (DOBR)";
        let pairs = [
            ((DOC, self.completion), (DOI, self.intimation)),
            ((DOMR, self.measurement_recorded), (DOI, self.intimation)),
            ((DOBR, self.bill_recorded), (DOI, self.intimation)),
            (
                (DOBR, self.bill_recorded),
                (DOMR, self.measurement_recorded),
            ),
        ];
        pairs
            .into_iter()
            .filter_map(|((later, later_date), (earlier, earlier_date))| {
                let (later_date, earlier_date) = (later_date?, earlier_date?);
                (later_date < earlier_date).then_some(WorkMetadataError::DateOrder {
                    later,
                    later_date,
                    earlier,
                    earlier_date,
                })
            })
            .collect()
    }

    /// `DOI dd-mm-yyyy DOC dd-mm-yyyy DOMR dd-mm-yyyy DOBR dd-mm-yyyy`, `-` for a missing date.
    pub fn describe(&self) -> String {
        let show = |date: Option<DocDate>| date.map_or_else(|| "-".to_owned(), |d| d.to_string());
        format!(
            "DOI {} DOC {} DOMR {} DOBR {}",
            show(self.intimation),
            show(self.completion),
            show(self.measurement_recorded),
            show(self.bill_recorded)
        )
    }
}

/// The work's metadata, entered once and reused by every document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkMetadata {
    /// Name of the work.
    pub name_of_work: String,
    /// Original or repair.
    pub work_mode: WorkMode,
    /// Annual maintenance contract (no QC charge).
    pub is_amc: bool,
    /// Municipal or not.
    pub area: Area,
    /// The estimate amount printed in headers.
    pub estimate_amount: Decimal,
    /// The sanctioned grand total that work slips balance to.
    pub grand_total: Decimal,
    /// Ref. to Administrative sanction.
    pub administrative_sanction_ref: String,
    /// Ref. to Technical sanction.
    pub technical_sanction_ref: String,
    /// Ref. to Agreement.
    pub agreement_ref: String,
    /// Name of the Agency.
    pub agency: String,
    /// The agency is an individual or a Hindu undivided family, so income-tax TDS (section
    /// 194C) is at the individual's rate. Work data saved before it was kept reads as `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub agency_is_individual: bool,
    /// Tender premium % and type, once the tender is accepted.
    pub tender_premium: Option<TenderPremium>,
    /// MB numbers and pages, once recorded.
    pub mb_details: Option<MbDetails>,
    /// DOI, DOC, DOMR, DOBR.
    pub dates: DocumentDates,
}

/// The longest name of work a document's header block prints whole (about ten lines on a
/// portrait page); longer names ran the header off the first page.
pub const MAX_NAME_OF_WORK_CHARS: usize = 1_000;

/// One problem with work metadata.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WorkMetadataError {
    /// The name of the work is blank.
    #[error("the name of the work is empty")]
    EmptyName,
    /// A money figure that is negative or beyond [`MAX_FIGURE`].
    #[error(
        "the {what} ({value}) must be between 0 and {}",
        super::money::format_indian(MAX_FIGURE)
    )]
    InvalidAmount {
        /// Which figure.
        what: String,
        /// The value given.
        value: Decimal,
    },
    /// A name of work too long for a document's header.
    #[error(
        "the name of the work has {chars} characters; a bill's header holds {MAX_NAME_OF_WORK_CHARS}, so shorten it"
    )]
    NameTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// A money figure with more than two decimal places: it would print rounded, and be
    /// rounded again differently by the next save.
    #[error("the {what} ({value}) has more than two decimal places; give it in rupees and paise")]
    AmountPrecision {
        /// Which figure.
        what: String,
        /// The value given.
        value: Decimal,
    },
    /// A text longer than [`MAX_TEXT_CHARS`](super::estimate::MAX_TEXT_CHARS).
    #[error(
        "the {field} has {chars} characters, more than the 32,767 a spreadsheet cell holds; \
         shorten it"
    )]
    TextTooLong {
        /// Which field.
        field: String,
        /// Its length in characters.
        chars: usize,
    },
    /// A date before one it cannot precede (a work completed before it was intimated).
    #[error("the {later} ({later_date}) is before the {earlier} ({earlier_date})")]
    DateOrder {
        /// The date that comes too early, by name.
        later: &'static str,
        /// Its value.
        later_date: DocDate,
        /// The date it cannot precede, by name.
        earlier: &'static str,
        /// Its value.
        earlier_date: DocDate,
    },
    /// An MB page range that starts at 0 or runs backwards.
    #[error("the {which} pages {first} to {last} are not a page range")]
    InvalidPages {
        /// `measurements` or `abstract`.
        which: String,
        /// First page given.
        first: u32,
        /// Last page given.
        last: u32,
    },
}

/// Every problem found in work metadata.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}", join_problems(problems))]
pub struct WorkMetadataErrors {
    /// The problems, at least one.
    pub problems: Vec<WorkMetadataError>,
}

/// One line of a document's header block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderLine {
    /// The label (`Name of the work`); empty for the dates line, which carries its own labels.
    pub label: String,
    /// The value.
    pub value: String,
}

impl HeaderLine {
    fn new(label: &str, value: impl Into<String>) -> Self {
        Self {
            label: label.to_owned(),
            value: value.into(),
        }
    }

    /// The printed line: `label: value`, or the value alone when there is no label.
    pub fn text(&self) -> String {
        if self.label.is_empty() {
            self.value.clone()
        } else {
            format!("{}: {}", self.label, self.value)
        }
    }
}

impl WorkMetadata {
    /// Checks work data as it is entered: [`Self::validate`], and dates in an order that can
    /// happen.
    ///
    /// Kept apart from `validate`, which documents run again when they are drawn: a bill frozen
    /// before the order was checked must still render.
    pub fn validate_entry(&self) -> Result<(), WorkMetadataErrors> {
        let mut problems = self.validate().err().map_or_else(Vec::new, |e| e.problems);
        problems.extend(self.dates.order_problems());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(WorkMetadataErrors { problems })
        }
    }

    /// Lists every problem: blank name, negative or absurd amounts, impossible page ranges.
    pub fn validate(&self) -> Result<(), WorkMetadataErrors> {
        let mut problems = Vec::new();
        if self.name_of_work.trim().is_empty() {
            problems.push(WorkMetadataError::EmptyName);
        }
        let name_chars = self.name_of_work.trim().chars().count();
        if name_chars > MAX_NAME_OF_WORK_CHARS {
            problems.push(WorkMetadataError::NameTooLong { chars: name_chars });
        }
        let texts = [
            ("name of the work", self.name_of_work.as_str()),
            (
                "reference to the administrative sanction",
                self.administrative_sanction_ref.as_str(),
            ),
            (
                "reference to the technical sanction",
                self.technical_sanction_ref.as_str(),
            ),
            ("reference to the agreement", self.agreement_ref.as_str()),
            ("name of the agency", self.agency.as_str()),
        ];
        for (field, text) in texts {
            let chars = text.chars().count();
            if chars > super::estimate::MAX_TEXT_CHARS {
                problems.push(WorkMetadataError::TextTooLong {
                    field: field.to_owned(),
                    chars,
                });
            }
        }
        for (what, value) in [
            ("estimate amount", self.estimate_amount),
            ("grand total", self.grand_total),
        ] {
            if value < Decimal::ZERO || !within_limit(value) {
                problems.push(WorkMetadataError::InvalidAmount {
                    what: what.to_owned(),
                    value,
                });
            } else if super::money::finer_than_paise(value) {
                problems.push(WorkMetadataError::AmountPrecision {
                    what: what.to_owned(),
                    value,
                });
            }
        }
        if let Some(mb) = &self.mb_details {
            for (which, pages) in [
                ("measurements", &mb.measurements),
                ("abstract", &mb.abstract_pages),
            ] {
                if pages.first_page == 0 || pages.first_page > pages.last_page {
                    problems.push(WorkMetadataError::InvalidPages {
                        which: which.to_owned(),
                        first: pages.first_page,
                        last: pages.last_page,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(WorkMetadataErrors { problems })
        }
    }

    /// The header block under a bill's title, in DOMAIN.md §2 order, amounts in `Rs.`.
    pub fn header_block(&self) -> Vec<HeaderLine> {
        self.header_block_in(CurrencyMark::Rs)
    }

    /// The header block with amounts after `mark`.
    pub fn header_block_in(&self, mark: CurrencyMark) -> Vec<HeaderLine> {
        vec![
            HeaderLine::new("Name of the work", self.name_of_work.trim()),
            HeaderLine::new("Estimate Amount", mark.amount(self.estimate_amount)),
            HeaderLine::new(
                "Ref. to Administrative sanction",
                self.administrative_sanction_ref.trim(),
            ),
            HeaderLine::new(
                "Ref. to Technical sanction",
                self.technical_sanction_ref.trim(),
            ),
            HeaderLine::new("Ref. to Agreement", self.agreement_ref.trim()),
            HeaderLine::new("Name of the Agency", self.agency.trim()),
            HeaderLine::new(
                "M.B.No Details",
                self.mb_details
                    .as_ref()
                    .map(MbDetails::describe)
                    .unwrap_or_default(),
            ),
            HeaderLine::new("", self.dates.describe()),
        ]
    }
}

/// A filled-in work used by the tests of this module and of the forms built on it.
#[cfg(test)]
pub(crate) fn sample_metadata() -> WorkMetadata {
    use crate::domain::bill::TpType;
    use rust_decimal_macros::dec;
    WorkMetadata {
        name_of_work: "Improvements to street lighting, Ward 4".into(),
        work_mode: WorkMode::Original,
        is_amc: false,
        area: Area::Municipal,
        estimate_amount: dec!(1234567.5),
        grand_total: dec!(1500000),
        administrative_sanction_ref: "G.O.Rt.No. 12".into(),
        technical_sanction_ref: "TS 4/2024".into(),
        agreement_ref: "Agt 7/2024-25".into(),
        agency: "Sri Lakshmi Electricals".into(),
        agency_is_individual: false,
        tender_premium: Some(TenderPremium::new(dec!(4.5), TpType::Less).unwrap()),
        mb_details: Some(MbDetails {
            measurements: MbPages {
                book: "123".into(),
                first_page: 1,
                last_page: 20,
            },
            abstract_pages: MbPages {
                book: "124".into(),
                first_page: 5,
                last_page: 6,
            },
        }),
        dates: DocumentDates {
            intimation: Some(DocDate::new(2024, 2, 1).unwrap()),
            completion: None,
            measurement_recorded: Some(DocDate::new(2024, 3, 15).unwrap()),
            bill_recorded: Some(DocDate::new(2024, 3, 20).unwrap()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn metadata() -> WorkMetadata {
        sample_metadata()
    }

    #[test]
    fn header_block_lines() {
        let lines: Vec<String> = metadata()
            .header_block()
            .iter()
            .map(HeaderLine::text)
            .collect();
        assert_eq!(
            lines,
            [
                "Name of the work: Improvements to street lighting, Ward 4",
                "Estimate Amount: Rs. 12,34,567.50",
                "Ref. to Administrative sanction: G.O.Rt.No. 12",
                "Ref. to Technical sanction: TS 4/2024",
                "Ref. to Agreement: Agt 7/2024-25",
                "Name of the Agency: Sri Lakshmi Electricals",
                "M.B.No Details: MB.No. 123 P.No. 1 to 20 (Measurements) & MB.No. 124 P.No. 5 to 6 (Abstract)",
                "DOI 01-02-2024 DOC - DOMR 15-03-2024 DOBR 20-03-2024",
            ]
        );
    }

    #[test]
    fn validation_lists_every_problem() {
        assert_eq!(metadata().validate(), Ok(()));
        let mut bad = metadata();
        bad.name_of_work = "  ".into();
        bad.grand_total = dec!(-1);
        bad.mb_details.as_mut().unwrap().abstract_pages.first_page = 9;
        assert_eq!(
            bad.validate().unwrap_err().problems,
            [
                WorkMetadataError::EmptyName,
                WorkMetadataError::InvalidAmount {
                    what: "grand total".into(),
                    value: dec!(-1)
                },
                WorkMetadataError::InvalidPages {
                    which: "abstract".into(),
                    first: 9,
                    last: 6
                },
            ]
        );
        // The limit is printed as a rupee figure is, not as 1000000000000.
        assert_eq!(
            bad.validate().unwrap_err().problems[1].to_string(),
            "the grand total (-1) must be between 0 and 10,00,00,00,00,000.00"
        );
    }

    #[test]
    fn amounts_are_in_paise_and_the_name_fits_a_header() {
        let mut bad = metadata();
        bad.estimate_amount = dec!(1000000.555);
        bad.grand_total = dec!(130000.50);
        bad.name_of_work = "Road ".repeat(201);
        assert_eq!(
            bad.validate().unwrap_err().problems,
            [
                WorkMetadataError::NameTooLong { chars: 1_004 },
                WorkMetadataError::AmountPrecision {
                    what: "estimate amount".into(),
                    value: dec!(1000000.555)
                },
            ]
        );
        // Trailing zeros are not places of precision.
        bad.estimate_amount = dec!(1000000.5500);
        bad.name_of_work = "Road ".repeat(200);
        assert_eq!(bad.validate(), Ok(()));
    }

    #[test]
    fn dates_in_an_order_that_cannot_happen_are_refused_on_entry_only() {
        let date = |text: &str| Some(DocDate::parse_dmy(text).unwrap());
        let mut work = metadata();
        assert_eq!(work.validate_entry(), Ok(()));
        // Completed, measured and billed before the intimation; billed before measured.
        work.dates = DocumentDates {
            intimation: date("10-03-2024"),
            completion: date("09-03-2024"),
            measurement_recorded: date("01-03-2024"),
            bill_recorded: date("28-02-2024"),
        };
        let problems = work.validate_entry().unwrap_err().problems;
        let texts: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "the date of completion (DOC) (09-03-2024) is before the date of intimation (DOI) (10-03-2024)",
                "the date of measurement recording (DOMR) (01-03-2024) is before the date of intimation (DOI) (10-03-2024)",
                "the date of bill recording (DOBR) (28-02-2024) is before the date of intimation (DOI) (10-03-2024)",
                "the date of bill recording (DOBR) (28-02-2024) is before the date of measurement recording (DOMR) (01-03-2024)",
            ]
        );
        // The drawing of a document frozen with such dates still passes.
        assert_eq!(work.validate(), Ok(()));
        // The same day is in order, and a part bill measured before completion is too.
        work.dates = DocumentDates {
            intimation: date("01-03-2024"),
            completion: date("30-03-2024"),
            measurement_recorded: date("01-03-2024"),
            bill_recorded: date("01-03-2024"),
        };
        assert_eq!(work.validate_entry(), Ok(()));
        // A missing date is never out of order.
        work.dates.intimation = None;
        work.dates.measurement_recorded = None;
        assert_eq!(work.validate_entry(), Ok(()));
    }

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert!(DocDate::new(2024, 2, 29).is_ok());
        assert!(DocDate::new(2000, 2, 29).is_ok());
        for (y, m, d) in [
            (2023, 2, 29),
            (1900, 2, 29),
            (2024, 4, 31),
            (2024, 13, 1),
            (2024, 1, 0),
            (0, 1, 1),
        ] {
            assert_eq!(
                DocDate::new(y, m, d),
                Err(DateError::NoSuchDate {
                    year: y,
                    month: m,
                    day: d
                })
            );
        }
        assert_eq!(
            DocDate::new(2023, 2, 29).unwrap_err().to_string(),
            "29-02-2023 is not a calendar date"
        );
    }

    #[test]
    fn dates_read_and_print_day_first() {
        let date = DocDate::parse_dmy("5/3/2024").unwrap();
        assert_eq!((date.day(), date.month(), date.year()), (5, 3, 2024));
        assert_eq!(date.to_string(), "05-03-2024");
        assert_eq!(date.iso(), "2024-03-05");
        assert_eq!(DocDate::parse_dmy("05.03.2024"), Ok(date));
        assert_eq!(DocDate::parse_iso("2024-03-05"), Ok(date));
        for text in [
            "2024-03-05",
            "5-3-24",
            "05-03",
            "aa-bb-cccc",
            "",
            "1-2-3-2024",
            "+5-3-2024",
        ] {
            assert!(DocDate::parse_dmy(text).is_err(), "{text:?}");
        }
        assert!(DocDate::parse_dmy("31-04-2024").is_err());
        assert!(DocDate::new(2024, 1, 31).unwrap() < DocDate::new(2024, 2, 1).unwrap());
    }

    #[test]
    fn dates_deserialize_only_when_valid() {
        use serde::de::value::{Error as ValueError, StringDeserializer};
        use serde::de::IntoDeserializer;
        let read = |text: &str| {
            let deserializer: StringDeserializer<ValueError> = text.to_owned().into_deserializer();
            DocDate::deserialize(deserializer)
        };
        assert_eq!(
            read("2024-02-29").unwrap(),
            DocDate::new(2024, 2, 29).unwrap()
        );
        assert!(read("2023-02-29").is_err());
        assert_eq!(
            String::from(DocDate::new(2024, 2, 29).unwrap()),
            "2024-02-29"
        );
    }

    proptest! {
        #[test]
        fn printed_dates_read_back(year in 1900u32..=9999, month in 1u32..=12, day in 1u32..=31) {
            if let Ok(date) = DocDate::new(year, month, day) {
                prop_assert_eq!(DocDate::parse_dmy(&date.to_string()), Ok(date));
                prop_assert_eq!(DocDate::parse_iso(&date.iso()), Ok(date));
            } else {
                prop_assert!(day > 28);
            }
        }
    }

    #[test]
    fn the_day_before_and_after_cross_months_years_and_leap_days() {
        let date = |d, m, y| DocDate::new(y, m, d).unwrap();
        assert_eq!(date(1, 8, 2025).day_before(), Some(date(31, 7, 2025)));
        assert_eq!(date(1, 3, 2024).day_before(), Some(date(29, 2, 2024)));
        assert_eq!(date(1, 3, 2025).day_before(), Some(date(28, 2, 2025)));
        assert_eq!(date(1, 1, 2025).day_before(), Some(date(31, 12, 2024)));
        assert_eq!(date(1, 5, 2025).day_before(), Some(date(30, 4, 2025)));
        assert_eq!(date(1, 1, 1900).day_before(), None);
        assert_eq!(date(31, 7, 2025).day_after(), Some(date(1, 8, 2025)));
        assert_eq!(date(28, 2, 2024).day_after(), Some(date(29, 2, 2024)));
        assert_eq!(date(28, 2, 2025).day_after(), Some(date(1, 3, 2025)));
        assert_eq!(date(31, 12, 2024).day_after(), Some(date(1, 1, 2025)));
        assert_eq!(date(31, 12, 9999).day_after(), None);
    }
}
