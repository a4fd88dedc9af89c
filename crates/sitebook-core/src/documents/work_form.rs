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
    /// The measurement book's number.
    pub book: String,
    /// The first page, as typed.
    pub first_page: String,
    /// The last page, as typed.
    pub last_page: String,
}

/// The work data form. Blank optional fields mean "not recorded yet".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkForm {
    /// The name of the work, printed at the head of every document.
    pub name_of_work: String,
    /// Original work or repair work.
    #[ts(type = "\"original\" | \"repair\"")]
    pub work_mode: String,
    /// Whether it is an annual maintenance contract.
    pub is_amc: bool,
    /// Municipal or non-municipal area.
    #[ts(type = "\"municipal\" | \"non_municipal\"")]
    pub area: String,
    /// The estimate (contract) amount, in rupees as typed.
    pub estimate_amount: String,
    /// The sanctioned grand total, in rupees as typed.
    pub grand_total: String,
    /// The administrative sanction reference.
    pub administrative_sanction_ref: String,
    /// The technical sanction reference.
    pub technical_sanction_ref: String,
    /// The agreement reference.
    pub agreement_ref: String,
    /// The agency (contractor) doing the work.
    pub agency: String,
    /// The agency is an individual or a Hindu undivided family: income-tax TDS at the
    /// individual's rate.
    #[serde(default)]
    pub agency_is_individual: bool,
    /// Blank for no tender premium.
    pub tp_percent: String,
    /// Whether the premium is above (excess) or below (less) the estimate rates.
    #[ts(type = "\"excess\" | \"less\"")]
    pub tp_type: String,
    /// The measurement book of the measurements.
    pub mb_measurements: MbPagesForm,
    /// The measurement book of the abstract.
    pub mb_abstract: MbPagesForm,
    /// Date of intimation. Every date is `dd-mm-yyyy`, blank when not yet known.
    pub doi: String,
    /// Date of completion.
    pub doc: String,
    /// Date of measurement recording.
    pub domr: String,
    /// Date of bill recording.
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
    /// The form showing `work`, every field as text.
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
            agency_is_individual: work.agency_is_individual,
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
            // "4.5 %" is how the percentage is written on paper; the sign says nothing more.
            match parse_number_text(self.tp_percent.trim().trim_end_matches('%')) {
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
                        // Its own words already name the tender premium.
                        problems.push(crate::error::capitalised(&e.to_string()));
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
            agency_is_individual: self.agency_is_individual,
            tender_premium,
            mb_details,
            dates,
        };
        work.validate_entry()
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

/// Changes to work data as a person types them, field by field: each `Some` replaces that
/// field of the form, and the form is then read by [`WorkForm::to_work`]. The CLI's flags and
/// the desktop's form therefore go through one reader and one check.
#[derive(Debug, Clone, Default)]
pub struct WorkChanges {
    /// The name of the work.
    pub name_of_work: Option<String>,
    /// `original` or `repair`.
    pub work_mode: Option<String>,
    /// Whether it is an annual maintenance contract.
    pub is_amc: Option<bool>,
    /// `municipal` or `non_municipal` (also `non-municipal`).
    pub area: Option<String>,
    /// The estimate (contract) amount, in rupees as typed.
    pub estimate_amount: Option<String>,
    /// The sanctioned grand total, in rupees as typed.
    pub grand_total: Option<String>,
    /// The administrative sanction reference.
    pub administrative_sanction_ref: Option<String>,
    /// The technical sanction reference.
    pub technical_sanction_ref: Option<String>,
    /// The agreement reference.
    pub agreement_ref: Option<String>,
    /// The agency (contractor).
    pub agency: Option<String>,
    /// Whether the agency is an individual or a Hindu undivided family.
    pub agency_is_individual: Option<bool>,
    /// The tender premium percentage; blank removes the premium.
    pub tp_percent: Option<String>,
    /// `excess` or `less`.
    pub tp_type: Option<String>,
    /// The measurement book of the measurements, as `BOOK:FIRST-LAST` (`123:1-20`).
    pub mb_measurements: Option<String>,
    /// The measurement book of the abstract, as `BOOK:FIRST-LAST`.
    pub mb_abstract: Option<String>,
    /// Date of intimation, `dd-mm-yyyy`.
    pub doi: Option<String>,
    /// Date of completion, `dd-mm-yyyy`.
    pub doc: Option<String>,
    /// Date of measurement recording, `dd-mm-yyyy`.
    pub domr: Option<String>,
    /// Date of bill recording, `dd-mm-yyyy`.
    pub dobr: Option<String>,
}

impl WorkChanges {
    /// Writes each given field into `form`. A word that is not one of a field's choices, or an
    /// MB reference that is not `BOOK:FIRST-LAST`, is left out and refused, naming the field;
    /// every other field is written. Amounts, dates and pages are read (and refused) by
    /// [`WorkForm::to_work`]; [`Self::read_into`] does both and names every problem at once.
    fn apply_to(self, form: &mut WorkForm) -> Result<()> {
        let mut problems = Vec::new();
        let mut choice = |label: &str, text: Option<String>, choices: &[&str]| -> Option<String> {
            let text = text?;
            let word = text.trim().to_ascii_lowercase().replace('-', "_");
            if choices.contains(&word.as_str()) {
                Some(word)
            } else {
                problems.push(format!(
                    "{label}: {text:?} is not one of {}",
                    choices.join(", ")
                ));
                None
            }
        };
        let work_mode = choice("Mode", self.work_mode, &["original", "repair"]);
        let area = choice("Area", self.area, &["municipal", "non_municipal"]);
        let tp_type = choice("Tender premium type", self.tp_type, &["excess", "less"]);
        let mut reference =
            |label: &str, text: Option<String>| -> std::result::Result<Option<MbPagesForm>, ()> {
                let Some(text) = text else {
                    return Ok(None);
                };
                MbPagesForm::from_reference(&text).map(Some).ok_or_else(|| {
                    problems.push(format!(
                        "MB ({label}): {text:?} is not BOOK:FIRST-LAST (for example 123:1-20)"
                    ))
                })
            };
        // The two references are one pair: with either refused, neither is written, so the
        // form is not left half-filled (and refused again for that).
        let (mb_measurements, mb_abstract) = match (
            reference("measurements", self.mb_measurements),
            reference("abstract", self.mb_abstract),
        ) {
            (Ok(measurements), Ok(abstract_pages)) => (measurements, abstract_pages),
            _ => (None, None),
        };
        fn set<T>(target: &mut T, value: Option<T>) {
            if let Some(value) = value {
                *target = value;
            }
        }
        set(&mut form.name_of_work, self.name_of_work);
        set(&mut form.work_mode, work_mode);
        set(&mut form.is_amc, self.is_amc);
        set(&mut form.area, area);
        set(&mut form.estimate_amount, self.estimate_amount);
        set(&mut form.grand_total, self.grand_total);
        set(
            &mut form.administrative_sanction_ref,
            self.administrative_sanction_ref,
        );
        set(
            &mut form.technical_sanction_ref,
            self.technical_sanction_ref,
        );
        set(&mut form.agreement_ref, self.agreement_ref);
        set(&mut form.agency, self.agency);
        set(&mut form.agency_is_individual, self.agency_is_individual);
        set(&mut form.tp_percent, self.tp_percent);
        set(&mut form.tp_type, tp_type);
        set(&mut form.mb_measurements, mb_measurements);
        set(&mut form.mb_abstract, mb_abstract);
        set(&mut form.doi, self.doi);
        set(&mut form.doc, self.doc);
        set(&mut form.domr, self.domr);
        set(&mut form.dobr, self.dobr);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(format!("{}.", problems.join("; "))))
        }
    }

    /// Writes the changes into `form` and reads the result, naming every bad field at once,
    /// whether it was refused while writing (a word, an MB reference) or while reading.
    pub fn read_into(self, mut form: WorkForm) -> Result<WorkMetadata> {
        let refused = self.apply_to(&mut form).err();
        match (refused, form.to_work()) {
            (None, read) => read,
            (Some(Error::Validation(first)), Err(Error::Validation(second))) => {
                Err(Error::Validation(format!("{first} {second}")))
            }
            (Some(refused), _) => Err(refused),
        }
    }
}

impl MbPagesForm {
    /// Reads `BOOK:FIRST-LAST` (`123:1-20`) into its three parts, as typed; the pages are
    /// checked as numbers when the form is read. The book is what comes before the last colon.
    pub fn from_reference(text: &str) -> Option<Self> {
        let (book, pages) = text.rsplit_once(':')?;
        let (first, last) = pages.split_once('-')?;
        Some(Self {
            book: book.trim().to_owned(),
            first_page: first.trim().to_owned(),
            last_page: last.trim().to_owned(),
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
        let work = WorkMetadata {
            agency_is_individual: true,
            ..sample()
        };
        let form = WorkForm::from_work(&work);
        assert!(form.agency_is_individual);
        assert_eq!(form.doi, "01-02-2024");
        assert_eq!(form.tp_percent, "4.5");
        assert_eq!(form.tp_type, "less");
        assert_eq!(form.estimate_amount, "1234567.50");
        assert_eq!(form.to_work().unwrap(), work);
    }

    #[test]
    fn a_tender_premium_written_with_its_percent_sign_is_read() {
        let mut form = WorkForm::from_work(&sample());
        form.tp_percent = "4.5 %".into();
        form.tp_type = "less".into();
        let work = form.to_work().unwrap();
        let premium = work.tender_premium.unwrap();
        assert_eq!(premium.percent(), rust_decimal_macros::dec!(4.5));
        // Out of range, it is named once, where it read "Tender premium: tender premium …".
        form.tp_percent = "-5".into();
        let message = form.to_work().unwrap_err().to_string();
        assert_eq!(message.matches("ender premium").count(), 1, "{message}");
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
    fn typed_changes_go_through_the_form_and_name_what_is_wrong() {
        let mut form = WorkForm::from_work(&sample());
        WorkChanges {
            tp_percent: Some("5".into()),
            tp_type: Some("Excess".into()),
            area: Some("non-municipal".into()),
            mb_measurements: Some("MB/7:12-30".into()),
            doi: Some("02-02-2024".into()),
            ..WorkChanges::default()
        }
        .apply_to(&mut form)
        .unwrap();
        let work = form.to_work().unwrap();
        assert_eq!(
            work.tender_premium,
            Some(TenderPremium::new(Decimal::from(5), TpType::Excess).unwrap())
        );
        assert_eq!(work.area, Area::NonMunicipal);
        let mb = work.mb_details.unwrap();
        assert_eq!(
            (
                mb.measurements.book.as_str(),
                mb.measurements.first_page,
                mb.measurements.last_page
            ),
            ("MB/7", 12, 30)
        );
        assert_eq!(
            work.dates.intimation,
            Some(DocDate::new(2024, 2, 2).unwrap())
        );

        let refused = WorkChanges {
            work_mode: Some("rebuild".into()),
            mb_abstract: Some("12-30".into()),
            ..WorkChanges::default()
        }
        .apply_to(&mut WorkForm::from_work(&sample()))
        .unwrap_err()
        .to_string();
        assert!(refused.contains("Mode: \"rebuild\""), "{refused}");
        let all = WorkChanges {
            mb_measurements: Some("12-30".into()),
            estimate_amount: Some("abc".into()),
            doi: Some("31-02-2024".into()),
            ..WorkChanges::default()
        }
        .read_into(WorkForm::from_work(&sample()))
        .unwrap_err()
        .to_string();
        for expected in [
            "MB (measurements)",
            "Estimate amount",
            "Date of intimation (DOI)",
        ] {
            assert!(all.contains(expected), "{expected} in {all}");
        }
        assert!(
            refused.contains("MB (abstract): \"12-30\" is not BOOK:FIRST-LAST"),
            "{refused}"
        );
        // A reference refused as typed is not refused again for the blank it leaves.
        let without_mb = WorkMetadata {
            mb_details: None,
            ..sample()
        };
        let once = WorkChanges {
            mb_measurements: Some("12:1-5:3".into()),
            mb_abstract: Some("1:1-2".into()),
            doi: Some("31-02-2024".into()),
            ..WorkChanges::default()
        }
        .read_into(WorkForm::from_work(&without_mb))
        .unwrap_err()
        .to_string();
        assert_eq!(once.matches("MB (measurements)").count(), 1, "{once}");
        assert!(once.contains("Date of intimation (DOI)"), "{once}");
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
