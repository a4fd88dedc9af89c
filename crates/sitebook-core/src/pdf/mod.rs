//! PDF renderers for bills, work slips and estimate abstracts (printpdf 0.12, built-in Times).
//!
//! Each `render_*` function takes a [`DocumentRequest`] (a computed domain document plus its
//! header and inputs hash) and returns the bytes of an A4 PDF: portrait for bills and estimate
//! abstracts, landscape for work slips. The table layout, running totals and page furniture
//! live in one engine (`report`), fed by one small adapter per document (`documents`).
//!
//! Bills are evidence, so the bytes are a pure function of the request:
//! - no clock: the creation and modification dates are the request's document date, or
//!   1970-01-01;
//! - printpdf fills the trailer `/ID` from a process-wide counter, so after saving we overwrite
//!   both halves, in place and at the same length, with a digest of the inputs hash and the
//!   document kind (no byte offset moves, so the cross-reference table stays valid);
//! - no XMP packet is written (printpdf would give it a random instance ID);
//! - the inputs hash is recorded in the Info dictionary as Subject, Keywords and Identifier:
//!   `sitebook-inputs-sha256:<hex>`, and printed small in every page footer.
//!
//! The built-in fonts keep a 500-item bill near 100 KB; they show WinAnsi only, so the few
//! characters outside it are mapped to stand-ins ("Rs." for the rupee sign) before measuring.

mod canvas;
mod documents;
pub(crate) mod fonts;
mod report;

use printpdf::{Mm, OffsetDateTime, PdfDocument, PdfPage, PdfSaveOptions, Pt};

use crate::domain::bill::{FirstBill, NthBill};
use crate::domain::deviation::DeviationStatement;
use crate::domain::work::DocDate;
use crate::domain::workslip::Workslip;

pub use crate::render::{
    deviation_columns, estimate_columns, first_bill_columns, format_figure, format_money,
    nth_bill_columns, sha256_hex, workslip_columns, ColumnKind, ColumnSpec, DocumentHeader,
    DocumentRequest, EstimateAbstract, RenderError, ESTIMATE_TITLE, INPUTS_HASH_PREFIX, SIGNATURES,
};

use report::{lay_out, Report};

/// Renders a first bill (8 columns, A4 portrait).
pub fn render_first_bill(request: &DocumentRequest<FirstBill>) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    let columns = first_bill_columns();
    save(&documents::first_bill(request, &columns), "first-bill")
}

/// Renders an Nth bill (11 columns, A4 portrait).
pub fn render_nth_bill(request: &DocumentRequest<NthBill>) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    let columns = nth_bill_columns();
    save(&documents::nth_bill(request, &columns), "nth-bill")
}

/// Renders a work slip (A4 landscape; the type shrinks when many phases need the width).
pub fn render_workslip(request: &DocumentRequest<Workslip>) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    let columns = workslip_columns(&request.content.phase_columns);
    save(&documents::workslip(request, &columns), "workslip")
}

/// Renders a work slip's deviation statement (A4 landscape).
pub fn render_deviation_statement(
    request: &DocumentRequest<DeviationStatement>,
) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    let columns = deviation_columns();
    save(
        &documents::deviation_statement(request, &columns),
        "deviation-statement",
    )
}

/// Renders an estimate abstract (A4 portrait).
pub fn render_estimate_abstract(
    request: &DocumentRequest<EstimateAbstract>,
) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    let columns = estimate_columns();
    save(
        &documents::estimate_abstract(request, &columns),
        "estimate-abstract",
    )
}

/// Lays out, serializes and fixes the document ID.
fn save(report: &Report<'_>, kind: &str) -> Result<Vec<u8>, RenderError> {
    let header = report.header;
    let (width, height) = report.orientation.size();
    let (width, height) = (Mm::from(Pt(width)), Mm::from(Pt(height)));

    let mut document = PdfDocument::new(&header.title);
    document.pages = lay_out(report)
        .into_iter()
        .map(|canvas| PdfPage::new(width, height, canvas.into_ops()))
        .collect();

    let tag = header.inputs_tag();
    let date = pdf_date(header.document_date);
    let info = &mut document.metadata.info;
    info.author = "Sitebook".to_owned();
    info.creator = "Sitebook".to_owned();
    info.producer = "Sitebook renderer (printpdf 0.12)".to_owned();
    info.subject = tag.clone();
    info.identifier = tag.clone();
    info.keywords = vec![tag];
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;

    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut bytes = document.save(&options, &mut warnings);
    let id = sha256_hex(format!("sitebook-pdf-id|{kind}|{}", header.inputs_sha256).as_bytes());
    set_trailer_id(&mut bytes, &id)?;
    Ok(bytes)
}

/// Midnight UTC of `date`, or the Unix epoch.
fn pdf_date(date: Option<DocDate>) -> OffsetDateTime {
    let seconds = date.map_or(0, |d| days_since_epoch(d) * 86_400);
    OffsetDateTime::from_unix_timestamp(seconds)
        .or_else(|_| OffsetDateTime::from_unix_timestamp(0))
        .expect("the Unix epoch is a valid timestamp")
}

/// Days from 1970-01-01 to `date` in the proleptic Gregorian calendar.
fn days_since_epoch(date: DocDate) -> i64 {
    // Counting years from March puts the leap day last, so month lengths follow a pattern.
    let (day, month) = (i64::from(date.day()), i64::from(date.month()));
    let year = i64::from(date.year()) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Replaces the two 32-character strings of the trailer's `/ID[(…)(…)]` with the halves of
/// `id` (64 hex digits). Same length in place, so every byte offset stays valid.
fn set_trailer_id(bytes: &mut [u8], id: &str) -> Result<(), RenderError> {
    const MARKER: &[u8] = b"/ID[(";
    const HALF: usize = 32;
    let start = bytes
        .windows(MARKER.len())
        .rposition(|window| window == MARKER)
        .ok_or(RenderError::UnexpectedPdfTrailer)?
        + MARKER.len();
    let second = start + HALF + 2;
    let well_formed = bytes.len() >= second + HALF + 2
        && &bytes[start + HALF..second] == b")("
        && &bytes[second + HALF..second + HALF + 2] == b")]";
    if !well_formed || id.len() != 2 * HALF {
        return Err(RenderError::UnexpectedPdfTrailer);
    }
    bytes[start..start + HALF].copy_from_slice(&id.as_bytes()[..HALF]);
    bytes[second..second + HALF].copy_from_slice(&id.as_bytes()[HALF..]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_days() {
        let day = |y, m, d| days_since_epoch(DocDate::new(y, m, d).unwrap());
        assert_eq!(day(1970, 1, 1), 0);
        assert_eq!(day(2000, 3, 1), 11_017);
        assert_eq!(day(2024, 3, 20), 19_802);
        assert_eq!(day(1969, 12, 31), -1);
    }

    #[test]
    fn trailer_id_is_replaced_in_place() {
        let mut bytes = b"xref\ntrailer\n<</Root 1 0 R/ID[(ABCDEFGHIJABCDEFGHIJABCDEFGHIJAB)(JJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ)]/Size 3>>\n%%EOF".to_vec();
        let before = bytes.len();
        let id = sha256_hex(b"x");
        set_trailer_id(&mut bytes, &id).unwrap();
        assert_eq!(bytes.len(), before);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains(&format!("/ID[({})({})]", &id[..32], &id[32..])));
        let mut broken = b"trailer <</ID[(short)(short)]>>".to_vec();
        assert!(set_trailer_id(&mut broken, &id).is_err());
    }
}
