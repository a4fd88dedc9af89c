//! XLSX renderers: the same documents as the PDFs, as editable workbooks (rust_xlsxwriter).
//!
//! Every derived figure is a formula *and* carries the domain's exact figure as its cached
//! value. The legacy app wrote formulas without values, so any reader that does not calculate
//! (calamine, the project's own estimate parser, previewers) saw blanks; here such a reader
//! sees the paisa-exact numbers, and Excel recalculating gives the same numbers because the
//! formulas are the domain's rules (ROUND half-up to 2 places at the same points).
//!
//! Each workbook is set up for print: A4 (landscape for work slips), one page wide, the
//! column headings repeated on every page, a `Page &P of &N` footer, Indian digit grouping
//! ([`INDIAN_MONEY_FORMAT`]). Columns come from the layouts in [`crate::render`], which the
//! PDF renderer uses too.
//!
//! Identical inputs give identical bytes: the creation date in the document properties is the
//! request's document date (or 1970-01-01), never the clock, and rust_xlsxwriter stamps zip
//! entries with a fixed time. The inputs hash is recorded in the properties (subject, keywords
//! and comments: `sitebook-inputs-sha256:<hex>`) and, shortened, in the printed footer.
//!
//! The estimate abstract follows the estimate workbook layout of DOMAIN.md §1, so it can be
//! imported again as an estimate.

mod bills;
mod estimate_abstract;
mod forms;
mod sheet;
mod stamp;
mod workslip;

pub use stamp::stamp_withdrawn_workbook;

use crate::domain::bill::{FirstBill, NthBill};
use crate::domain::deviation::DeviationStatement;
use crate::domain::workslip::Workslip;
use crate::render::{DocumentRequest, EstimateAbstract};

pub use crate::render::RenderError;
pub use sheet::{INDIAN_FIGURE_FORMAT, INDIAN_MONEY_FORMAT};

use crate::render::SIGNATURES;

/// Sheet names: `Bill` for bills, `Workslip` for work slips, `Estimate` for the abstract.
pub mod sheet_names {
    pub use super::bills::BILL_SHEET as BILL;
    pub use super::estimate_abstract::ESTIMATE_SHEET as ESTIMATE;
    pub use super::forms::DEVIATION_SHEET as DEVIATION;
    pub use super::workslip::WORKSLIP_SHEET as WORKSLIP;
}

/// Renders a first bill workbook (sheet `Bill`, columns A..H).
pub fn render_first_bill(request: &DocumentRequest<FirstBill>) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    Ok(bills::first_bill(request)?)
}

/// Renders an Nth bill workbook (sheet `Bill`, columns A..K).
pub fn render_nth_bill(request: &DocumentRequest<NthBill>) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    Ok(bills::nth_bill(request)?)
}

/// Renders a work slip workbook (sheet `Workslip`, landscape).
pub fn render_workslip(request: &DocumentRequest<Workslip>) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    Ok(workslip::workslip(request)?)
}

/// Renders a work slip's deviation statement workbook (sheet `Deviation`, landscape).
pub fn render_deviation_statement(
    request: &DocumentRequest<DeviationStatement>,
) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    Ok(forms::deviation_statement(request)?)
}

/// Renders an estimate abstract workbook (sheet `Estimate`, the estimate workbook layout).
pub fn render_estimate_abstract(
    request: &DocumentRequest<EstimateAbstract>,
) -> Result<Vec<u8>, RenderError> {
    request.header.validate()?;
    Ok(estimate_abstract::estimate_abstract(request)?)
}
