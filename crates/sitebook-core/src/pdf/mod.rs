//! PDF renderers for bills, work slips and estimate abstracts: archival PDF/A-2b files with
//! the bundled fonts, subset-embedded, and text shaped for the Indian scripts.
//!
//! Each `render_*` function takes a [`DocumentRequest`] (a computed domain document plus its
//! header and inputs hash) and returns the bytes of an A4 PDF: portrait for bills and estimate
//! abstracts, landscape for work slips. The table layout, running totals and page furniture
//! live in one engine (`report`), fed by one small adapter per document (`documents`).
//!
//! Bills are evidence, filed and produced years later, so every file is PDF/A-2b: all fonts
//! embedded (subset, with ToUnicode maps, so copied text and `pdftotext` give back the
//! Unicode), an sRGB output intent, and an XMP packet with the title, the organization, the
//! generator, and the hashes of the inputs and of the source workbook. The writer, krilla,
//! validates the profile as it writes and refuses to produce a file that breaks it.
//!
//! The bytes are a pure function of the request: the creation date is the document's own date
//! (the caller picks it from the data: a bill's DOBR, say), never the clock, and the document
//! ID is a digest of the kind and the inputs hash. A request without a date is refused.
//!
//! Why krilla and not printpdf (which this module used until it had to print Telugu):
//! printpdf 0.12 can show glyph ids, but it labels a file with whatever conformance it is given
//! and checks none of it (our files claimed a PDF/X subtype they did not meet), and its font
//! features cost an 11-minute build. krilla takes glyph runs from our shaper, subsets and maps
//! the fonts, validates PDF/A-2b as it writes, and builds in about a minute (release). The
//! render times before and after are in BENCHMARKS.md.

mod canvas;
mod documents;
pub(crate) mod fonts;
mod report;
mod stamp;

pub use stamp::stamp_withdrawn;

use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::error::KrillaError;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::{Document, SerializeSettings};

use crate::domain::bill::{FirstBill, NthBill};
use crate::domain::deviation::DeviationStatement;
use crate::domain::work::DocDate;
use crate::domain::workslip::Workslip;

pub use crate::render::{
    deviation_columns, estimate_columns, first_bill_columns, format_figure, format_money,
    nth_bill_columns, sha256_hex, workslip_columns, ColumnKind, ColumnSpec, DocumentHeader,
    DocumentRequest, EstimateAbstract, RenderError, ESTIMATE_TITLE, INPUTS_HASH_PREFIX, SIGNATURES,
    SOURCE_HASH_PREFIX,
};

pub use fonts::uncovered_characters;
pub use report::header_value_is_cut;
use report::{lay_out, Report};

/// Renders a first bill (8 columns, A4 portrait).
pub fn render_first_bill(request: &DocumentRequest<FirstBill>) -> Result<Vec<u8>, RenderError> {
    render(
        request,
        first_bill_columns(),
        documents::first_bill,
        "first-bill",
    )
}

/// Renders an Nth bill (11 columns, A4 portrait).
pub fn render_nth_bill(request: &DocumentRequest<NthBill>) -> Result<Vec<u8>, RenderError> {
    render(request, nth_bill_columns(), documents::nth_bill, "nth-bill")
}

/// Renders a work slip (A4 landscape; the type shrinks when many phases need the width).
pub fn render_workslip(request: &DocumentRequest<Workslip>) -> Result<Vec<u8>, RenderError> {
    let columns = workslip_columns(&request.content.phase_columns);
    render(request, columns, documents::workslip, "workslip")
}

/// Renders a work slip's deviation statement (A4 landscape).
pub fn render_deviation_statement(
    request: &DocumentRequest<DeviationStatement>,
) -> Result<Vec<u8>, RenderError> {
    render(
        request,
        deviation_columns(),
        documents::deviation_statement,
        "deviation-statement",
    )
}

/// Renders an estimate abstract (A4 portrait).
pub fn render_estimate_abstract(
    request: &DocumentRequest<EstimateAbstract>,
) -> Result<Vec<u8>, RenderError> {
    render(
        request,
        estimate_columns(),
        documents::estimate_abstract,
        "estimate-abstract",
    )
}

/// A document whose header passes its checks, laid out by `report` in `columns` and saved.
fn render<T>(
    request: &DocumentRequest<T>,
    columns: Vec<ColumnSpec>,
    report: for<'a> fn(&'a DocumentRequest<T>, &'a [ColumnSpec]) -> Report<'a>,
    kind: &str,
) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    save(&report(request, &columns), kind)
}

/// The archival profile every document is written to.
const ARCHIVAL_PROFILE: Archival = Archival::A2_B;

/// Lays out the report and writes it as a PDF/A-2b file.
fn save(report: &Report<'_>, kind: &str) -> Result<Vec<u8>, RenderError> {
    let header = report.header;
    let date = header
        .document_date
        .ok_or_else(|| RenderError::MissingDocumentDate {
            title: header.title.clone(),
        })?;
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(ARCHIVAL_PROFILE)
        .finish()
        .map_err(|e| RenderError::PdfWriter(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let (width, height) = report.orientation.size();
    for canvas in lay_out(report) {
        let page_settings = PageSettings::from_wh(width, height)
            .ok_or_else(|| RenderError::PdfWriter(format!("bad page size {width}x{height}")))?;
        let mut page = document.start_page_with(page_settings);
        let mut surface = page.surface();
        canvas.draw(&mut surface, height);
        surface.finish();
        page.finish();
    }
    document.set_metadata(metadata(header, kind, date));
    document
        .finish()
        .map_err(|e| RenderError::PdfWriter(describe(&e)))
}

/// The document's Info dictionary and XMP packet: the title, the organization, the generator,
/// and the hashes that trace it back to its inputs and its source workbook. The document ID
/// is a digest of the kind and the inputs hash, so the same inputs give the same bytes.
fn metadata(header: &DocumentHeader, kind: &str, date: DocDate) -> Metadata {
    let tag = header.inputs_tag();
    let mut keywords = vec![tag.clone()];
    if let Some(source) = &header.source_sha256 {
        keywords.push(format!("{SOURCE_HASH_PREFIX}{source}"));
    }
    let mut metadata = Metadata::new()
        .title(header.title.clone())
        .description(tag)
        .keywords(keywords)
        .creator(format!("Sitebook {}", env!("CARGO_PKG_VERSION")))
        .producer(format!(
            "Sitebook renderer (krilla 0.8, {ARCHIVAL_PROFILE:?})"
        ))
        .creation_date(
            DateTime::new(date.year() as u16)
                .month(date.month() as u8)
                .day(date.day() as u8)
                .hour(0)
                .minute(0)
                .second(0)
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        )
        .language("en-IN".to_owned())
        .document_id(format!("sitebook-pdf|{kind}|{}", header.inputs_sha256));
    let author = header.organization.as_deref().unwrap_or("Sitebook");
    metadata = metadata.authors(vec![author.to_owned()]);
    metadata
}

/// One sentence for a writer error; a validation failure names what broke the profile.
fn describe(error: &KrillaError) -> String {
    match error {
        KrillaError::Validation(errors) => {
            let first: Vec<String> = errors
                .iter()
                .take(3)
                .map(|(e, _)| format!("{e:?}"))
                .collect();
            format!(
                "the PDF would not be valid {ARCHIVAL_PROFILE:?} ({} problems: {})",
                errors.len(),
                first.join("; ")
            )
        }
        other => format!("{other:?}"),
    }
}
