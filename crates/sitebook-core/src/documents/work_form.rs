//! The work data as the desktop form edits it: every field as the text a person sees and types.
//!
//! The form round-trips through [`WorkForm::from_work`] and [`WorkForm::to_work`]. Reading the
//! typed text collects every unreadable field at once, named by its label, and the result is
//! then checked by the same [`WorkMetadata::validate`] the CLI's edits go through, so the two
//! faces cannot disagree about what valid work data is.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::bill::{TenderPremium, TpType};
use crate::domain::money::parse_number_text;
use crate::domain::work::{
    Area, DocDate, DocumentDates, MbDetails, MbPages, WorkMetadata, WorkMode,
};
use crate::error::{Error, Result};

/// A measurement-book reference as typed: book, first and last page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MbPagesForm {
    pub book: String,
    pub first_page: String,
    pub last_page: String,
}

/// The work data form. Blank optional fields mean "not recorded yet".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkForm {
    pub name_of_work: String,
    #[ts(type = "\"original\" | \"repair\"")]
    pub work_mode: String,
    pub is_amc: bool,
    #[ts(type = "\"municipal\" | \"non_municipal\"")]
    pub area: String,
    pub estimate_amount: String,
    pub grand_total: String,
    pub administrative_sanction_ref: String,
    pub technical_sanction_ref: String,
    pub agreement_ref: String,
    pub agency: String,
    /// Blank for no tender premium.
    pub tp_percent: String,
    #[ts(type = "\"excess\" | \"less\"")]
    pub tp_type: String,
    pub mb_measurements: MbPagesForm,
    pub mb_abstract: MbPagesForm,
    /// Dates as `dd-mm-yyyy`, blank when not yet known.
    pub doi: String,
    pub doc: String,
    pub domr: String,
    pub dobr: String,
}

fn date_text(date: Option<DocDate>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

fn pages_form(pages: Option<&MbPages>) -> MbPagesForm {
    pages
        .map(|p| MbPagesForm {
            book: p.book.clone(),
            first_page: p.first_page.to_string(),
            last_page: p.last_page.to_string(),
        })
        .unwrap_or_default()
}

impl WorkForm {
    pub fn from_work(work: &WorkMetadata) -> Self {
        let mb = work.mb_details.as_ref();
        Self {
            name_of_work: work.name_of_work.clone(),
            work_mode: match work.work_mode {
                WorkMode::Original => "original",
                WorkMode::Repair => "repair",
            }
            .to_owned(),
            is_amc: work.is_amc,
            area: match work.area {
                Area::Municipal => "municipal",
                Area::NonMunicipal => "non_municipal",
            }
            .to_owned(),
            estimate_amount: format!("{:.2}", work.estimate_amount),
            grand_total: format!("{:.2}", work.grand_total),
            administrative_sanction_ref: work.administrative_sanction_ref.clone(),
            technical_sanction_ref: work.technical_sanction_ref.clone(),
            agreement_ref: work.agreement_ref.clone(),
            agency: work.agency.clone(),
            tp_percent: work
                .tender_premium
                .map(|tp| tp.percent().normalize().to_string())
                .unwrap_or_default(),
            tp_type: match work.tender_premium.map(|tp| tp.kind()) {
                Some(TpType::Less) => "less",
                _ => "excess",
            }
            .to_owned(),
            mb_measurements: pages_form(mb.map(|m| &m.measurements)),
            mb_abstract: pages_form(mb.map(|m| &m.abstract_pages)),
            doi: date_text(work.dates.intimation),
            doc: date_text(work.dates.completion),
            domr: date_text(work.dates.measurement_recorded),
            dobr: date_text(work.dates.bill_recorded),
        }
    }

    /// The work data this form describes, or one validation error naming every bad field.
    pub fn to_work(&self) -> Result<WorkMetadata> {
        let mut problems: Vec<String> = Vec::new();
        let mut amount = |label: &str, text: &str| -> Decimal {
            parse_number_text(text).unwrap_or_else(|| {
                problems.push(format!("{label}: {text:?} is not an amount"));
                Decimal::ZERO
            })
        };
        let estimate_amount = amount("Estimate amount", &self.estimate_amount);
        let grand_total = amount("Sanctioned grand total", &self.grand_total);
        let tender_premium = if self.tp_percent.trim().is_empty() {
            None
        } else {
            let kind = if self.tp_type == "less" {
                TpType::Less
            } else {
                TpType::Excess
            };
            match parse_number_text(&self.tp_percent) {
                None => {
                    problems.push(format!(
                        "Tender premium: {:?} is not a percentage",
                        self.tp_percent
                    ));
                    None
                }
                Some(percent) => match TenderPremium::new(percent, kind) {
                    Ok(tp) => Some(tp),
                    Err(e) => {
                        problems.push(format!("Tender premium: {e}"));
                        None
                    }
                },
            }
        };
        let mut date = |label: &str, text: &str| -> Option<DocDate> {
            if text.trim().is_empty() {
                return None;
            }
            DocDate::parse_dmy(text)
                .map_err(|e| problems.push(format!("{label}: {e}")))
                .ok()
        };
        let dates = DocumentDates {
            intimation: date("Date of intimation (DOI)", &self.doi),
            completion: date("Date of completion (DOC)", &self.doc),
            measurement_recorded: date("Date of measurement recording (DOMR)", &self.domr),
            bill_recorded: date("Date of bill recording (DOBR)", &self.dobr),
        };
        let mb_details = self.mb_details(&mut problems);
        if !problems.is_empty() {
            return Err(Error::Validation(format!("{}.", problems.join("; "))));
        }
        let work = WorkMetadata {
            name_of_work: self.name_of_work.trim().to_owned(),
            work_mode: if self.work_mode == "repair" {
                WorkMode::Repair
            } else {
                WorkMode::Original
            },
            is_amc: self.is_amc,
            area: if self.area == "non_municipal" {
                Area::NonMunicipal
            } else {
                Area::Municipal
            },
            estimate_amount,
            grand_total,
            administrative_sanction_ref: self.administrative_sanction_ref.trim().to_owned(),
            technical_sanction_ref: self.technical_sanction_ref.trim().to_owned(),
            agreement_ref: self.agreement_ref.trim().to_owned(),
            agency: self.agency.trim().to_owned(),
            tender_premium,
            mb_details,
            dates,
        };
        work.validate()
            .map_err(|e| Error::Validation(format!("Work data: {e}.")))?;
        Ok(work)
    }

    /// Both MB references, or neither: a half-filled pair is reported, not silently dropped.
    fn mb_details(&self, problems: &mut Vec<String>) -> Option<MbDetails> {
        let blank = |p: &MbPagesForm| {
            p.book.trim().is_empty()
                && p.first_page.trim().is_empty()
                && p.last_page.trim().is_empty()
        };
        if blank(&self.mb_measurements) && blank(&self.mb_abstract) {
            return None;
        }
        let mut pages = |label: &str, form: &MbPagesForm| -> Option<MbPages> {
            let page = |text: &str| text.trim().parse::<u32>().ok();
            match (
                form.book.trim(),
                page(&form.first_page),
                page(&form.last_page),
            ) {
                (book, Some(first_page), Some(last_page)) if !book.is_empty() => Some(MbPages {
                    book: book.to_owned(),
                    first_page,
                    last_page,
                }),
                _ => {
                    problems.push(format!(
                        "MB ({label}): give the book number and the first and last page numbers"
                    ));
                    None
                }
            }
        };
        let measurements = pages("measurements", &self.mb_measurements);
        let abstract_pages = pages("abstract", &self.mb_abstract);
        Some(MbDetails {
            measurements: measurements?,
            abstract_pages: abstract_pages?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> WorkMetadata {
        crate::domain::work::sample_metadata()
    }

    #[test]
    fn the_form_round_trips_work_data() {
        let work = sample();
        let form = WorkForm::from_work(&work);
        assert_eq!(form.doi, "01-02-2024");
        assert_eq!(form.tp_percent, "4.5");
        assert_eq!(form.tp_type, "less");
        assert_eq!(form.estimate_amount, "1234567.50");
        assert_eq!(form.to_work().unwrap(), work);
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let mut form = WorkForm::from_work(&sample());
        form.estimate_amount = "1,30,000".into(); // Indian grouping is fine
        form.grand_total = "lots".into();
        form.tp_percent = "120".into();
        form.doc = "31-04-2024".into();
        form.mb_abstract.last_page = String::new();
        let message = form.to_work().unwrap_err().to_string();
        for expected in [
            "Sanctioned grand total",
            "Tender premium",
            "Date of completion (DOC)",
            "MB (abstract)",
        ] {
            assert!(message.contains(expected), "{expected} in {message}");
        }
        assert!(!message.contains("Estimate amount"), "{message}");
    }

    #[test]
    fn blank_optional_fields_mean_not_recorded_and_a_blank_name_is_refused() {
        let mut form = WorkForm::from_work(&sample());
        form.tp_percent = " ".into();
        form.mb_measurements = MbPagesForm::default();
        form.mb_abstract = MbPagesForm::default();
        form.doi = String::new();
        let work = form.to_work().unwrap();
        assert_eq!(work.tender_premium, None);
        assert_eq!(work.mb_details, None);
        assert_eq!(work.dates.intimation, None);
        form.name_of_work = "  ".into();
        assert!(form
            .to_work()
            .unwrap_err()
            .to_string()
            .contains("name of the work"));
    }
}
