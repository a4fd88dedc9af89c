//! The estimate abstract workbook, laid out as an estimate workbook (DOMAIN.md §1) so that the
//! project's own estimate parser reads it back.
//!
//! Sheet `Estimate`: row 1 the title (`ESTIMATE`), then `label : value` lines, then the header
//! row `Sl.No | Quantity (B:C merged) | Item Description | Rate | Per (F:G merged) | Amount`,
//! one row per item (A serial, B quantity, C plural unit, D description, E rate, F 1,
//! G singular unit, H amount), and the footer with labels in D and values in H, ECV through
//! Grand Total. Amounts are formulas with cached values; an item whose workbook amount differs
//! from `ROUND(qty × rate)` keeps that amount as a typed figure, as the estimate had it.

use rust_decimal::Decimal;
use rust_xlsxwriter::{RowNum, XlsxError};

use crate::domain::bill::TpType;
use crate::domain::estimate::EstimateFooter;
use crate::domain::money::format_percent;
use crate::domain::words::amount_in_words;
use crate::render::{estimate_col, estimate_columns, DocumentRequest, EstimateAbstract, ItemLine};

use super::sheet::{cell, new_workbook, Cell, Look, SheetWriter};
use super::SIGNATURES;

/// The sheet name the estimate parser looks for first.
pub const ESTIMATE_SHEET: &str = "Estimate";

/// The footer lines of DOMAIN.md §1, in the order the domain lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Deduct,
    Ecv,
    TenderPremium,
    LabourCess,
    QualityControl,
    Nac,
    SubTotal,
    Gst,
    LsUnforeseen,
    LsSpecial,
    GrandTotal,
}

/// The roles of `footer.lines`, rebuilt from which figures the footer has. The domain builds
/// its lines in exactly this order; a length mismatch means it no longer does, and the caller
/// then writes plain figures.
fn roles(footer: &EstimateFooter) -> Vec<Line> {
    let mut roles = Vec::with_capacity(footer.lines.len());
    if footer.deduct_old_material.is_some() {
        roles.push(Line::Deduct);
    }
    roles.push(Line::Ecv);
    if footer.tender_premium.is_some() {
        roles.push(Line::TenderPremium);
    }
    if footer.labour_cess.is_some() {
        roles.push(Line::LabourCess);
    }
    if footer.quality_control.is_some() {
        roles.push(Line::QualityControl);
    }
    if footer.nac.is_some() {
        roles.push(Line::Nac);
    }
    roles.extend([Line::SubTotal, Line::Gst, Line::LsUnforeseen]);
    roles.extend(footer.special_ls_provisions.iter().map(|_| Line::LsSpecial));
    roles.push(Line::GrandTotal);
    roles
}

/// The estimate abstract workbook.
pub(crate) fn estimate_abstract(
    request: &DocumentRequest<EstimateAbstract>,
) -> Result<Vec<u8>, XlsxError> {
    use estimate_col::*;
    let estimate = &request.content;
    let mut workbook = new_workbook(&request.header)?;
    let (mut sheet, first) = SheetWriter::with_headings(
        workbook.add_worksheet(),
        ESTIMATE_SHEET,
        estimate_columns(),
        &request.header,
        " : ",
    )?;

    let mut row = first;
    for item in &estimate.items {
        row = sheet.sub_head_rows(row, request.sub_heads_before(&item.sl_no), ITEM)?;
        let mut cells = ItemLine::of_estimate_item(item).cells(&sheet);
        let formula = (item.amount == item.computed_amount())
            .then(|| format!("ROUND({}*{},2)", cell(row, QUANTITY), cell(row, RATE)));
        cells[AMOUNT] = Cell::money_or_number(formula, item.amount);
        sheet.row(row, cells, Look::Item)?;
        row += 1;
    }

    let footer = &estimate.footer;
    let rates = estimate.footer_input.rates;
    let footer_first = row;
    let roles = roles(footer);
    let trusted = roles.len() == footer.lines.len();
    let at = |role: Line| {
        roles
            .iter()
            .position(|&r| r == role)
            .map(|i| cell(footer_first + i as RowNum, AMOUNT))
    };
    let all = |role: Line| -> Vec<String> {
        roles
            .iter()
            .enumerate()
            .filter(|(_, &r)| r == role)
            .map(|(i, _)| cell(footer_first + i as RowNum, AMOUNT))
            .collect()
    };
    let percent_of = |base: Option<String>, percent: Decimal| {
        base.map(|b| format!("ROUND({b}*{}/100,2)", format_percent(percent)))
    };
    let items_sum = if estimate.items.is_empty() {
        "0".to_owned()
    } else {
        format!(
            "ROUND(SUM({}:{}),2)",
            cell(first, AMOUNT),
            cell(footer_first - 1, AMOUNT)
        )
    };

    for (i, line) in footer.lines.iter().enumerate() {
        let row = footer_first + i as RowNum;
        let role = roles.get(i).copied().filter(|_| trusted);
        let formula = match role {
            Some(Line::Ecv) => Some(match at(Line::Deduct) {
                Some(deduct) => format!("ROUND({items_sum}+{deduct},2)"),
                None => items_sum.clone(),
            }),
            Some(Line::TenderPremium) => estimate.footer_input.tender_premium.and_then(|tp| {
                let amount = percent_of(at(Line::Ecv), tp.percent())?;
                Some(match tp.kind() {
                    TpType::Excess => amount,
                    TpType::Less => format!("-{amount}"),
                })
            }),
            Some(Line::LabourCess) => percent_of(at(Line::Ecv), rates.labour_cess),
            Some(Line::QualityControl) => percent_of(at(Line::Ecv), rates.quality_control),
            Some(Line::Nac) => percent_of(at(Line::Ecv), rates.nac),
            Some(Line::SubTotal) => {
                let parts: Vec<String> = [
                    Line::Ecv,
                    Line::TenderPremium,
                    Line::LabourCess,
                    Line::QualityControl,
                    Line::Nac,
                ]
                .into_iter()
                .filter_map(at)
                .collect();
                Some(parts.join("+"))
            }
            Some(Line::Gst) => percent_of(at(Line::SubTotal), rates.gst),
            Some(Line::LsUnforeseen) => at(Line::GrandTotal).and_then(|grand| {
                let mut formula = format!("{grand}-{}-{}", at(Line::Gst)?, at(Line::SubTotal)?);
                for special in all(Line::LsSpecial) {
                    formula.push('-');
                    formula.push_str(&special);
                }
                Some(formula)
            }),
            Some(Line::Deduct | Line::LsSpecial | Line::GrandTotal) | None => None,
        };
        let mut cells = sheet.blank_row();
        cells[ITEM] = Cell::Text(line.label.clone());
        cells[AMOUNT] = Cell::money_or_number(formula, line.amount);
        let look = if role == Some(Line::GrandTotal) {
            Look::GrandTotal
        } else {
            Look::Total
        };
        sheet.row(row, cells, look)?;
    }

    let words = amount_in_words(footer.grand_total);
    sheet.closing(
        footer_first + footer.lines.len() as RowNum,
        &[("Grand Total in words:", words.as_str())],
        &SIGNATURES,
    )?;
    sheet.print_setup(&request.header, false)?;
    workbook.save_to_buffer()
}
