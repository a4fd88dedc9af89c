//! The sheets that restate a document's figures in the department's forms: a bill's
//! running-account or final bill form (a second sheet of the bill's workbook), and a work
//! slip's deviation statement (a workbook of its own).
//!
//! As everywhere in the workbooks, each derived figure is a formula carrying the domain's
//! figure as its cached value, so a recalculating reader arrives at the printed figures. A bill
//! form's payment figures read the bill sheet's Total and memorandum, so the form follows a
//! quantity edited in the bill as the memorandum does.

use rust_xlsxwriter::{Workbook, XlsxError};

use crate::domain::deviation::DeviationStatement;
use crate::render::{
    deviation_closing, deviation_col, deviation_columns, form_columns, BillForm, DocumentHeader,
    DocumentRequest, FormBlock,
};

use super::sheet::{cell, new_workbook, sum_formula, Cell, Look, SheetWriter, StatementSources};
use super::SIGNATURES;

/// The deviation statement's sheet name.
pub const DEVIATION_SHEET: &str = "Deviation";

/// Adds `form` as a sheet named after it, under the bill's header block.
pub(crate) fn form_sheet(
    workbook: &mut Workbook,
    header: &DocumentHeader,
    form: &BillForm,
    sources: &StatementSources,
) -> Result<(), XlsxError> {
    let name = if form.title.contains("FINAL") {
        "Final Bill Form"
    } else {
        "RA Bill Form"
    };
    let mut sheet = SheetWriter::new(workbook.add_worksheet(), name, form_columns())?;
    let form_header = DocumentHeader {
        title: format!("{} ({})", form.title, header.title),
        ..header.clone()
    };
    let mut row = sheet.header_block(&form_header, ": ")?;
    for block in &form.blocks {
        row = match block {
            FormBlock::Statement(statement) => {
                let (next, _) = sheet.statement(row, statement, 1, 3, sources)?;
                let notes: Vec<(&str, &str)> = statement
                    .notes
                    .iter()
                    .map(|(label, text)| (label.as_str(), text.as_str()))
                    .collect();
                if notes.is_empty() {
                    next
                } else {
                    sheet.closing(next, &notes, &[])?
                }
            }
            FormBlock::Text {
                heading,
                paragraphs,
                signed_by,
            } => {
                let next = sheet.text_block(row, heading, paragraphs)?;
                let signed_by: Vec<&str> = signed_by.iter().map(String::as_str).collect();
                sheet.closing(next, &[], &signed_by)?
            }
        };
    }
    sheet.print_setup(&form_header, false)?;
    Ok(())
}

/// The deviation statement workbook: the items with their excess and saving as formulas, the
/// totals, the net deviation, and the sanction check.
pub(crate) fn deviation_statement(
    request: &DocumentRequest<DeviationStatement>,
) -> Result<Vec<u8>, XlsxError> {
    use deviation_col::*;
    let statement = &request.content;
    let mut workbook = new_workbook(&request.header)?;
    let (mut sheet, first) = SheetWriter::with_headings(
        workbook.add_worksheet(),
        DEVIATION_SHEET,
        deviation_columns(),
        &request.header,
        ": ",
    )?;
    let mut row = first;
    for line in &statement.lines {
        row = sheet.sub_head_rows(row, request.sub_heads_before(&line.serial), DESCRIPTION)?;
        let mut cells = sheet.blank_row();
        cells[SERIAL] = Cell::Text(line.serial.clone());
        cells[DESCRIPTION] = Cell::Text(line.description.clone());
        cells[UNIT] = Cell::Text(line.unit.clone());
        cells[RATE] = Cell::Number(line.rate);
        if let Some(quantity) = line.sanctioned_quantity {
            cells[SANCTIONED_QTY] = Cell::Number(quantity);
        }
        // Typed, not re-multiplied: the sanctioned amount is at the estimate's rate, which a
        // work slip's rate override may leave behind the Rate shown.
        cells[SANCTIONED_AMOUNT] = Cell::Number(line.sanctioned_amount);
        cells[WORKING_QTY] = Cell::Number(line.working_quantity);
        cells[WORKING_AMOUNT] = Cell::Number(line.working_amount);
        let (sanctioned, working) = (cell(row, SANCTIONED_AMOUNT), cell(row, WORKING_AMOUNT));
        cells[EXCESS] = Cell::money(format!("MAX({working}-{sanctioned},0)"), line.excess);
        cells[SAVING] = Cell::money(format!("MAX({sanctioned}-{working},0)"), line.saving);
        cells[REMARKS] = Cell::Text(line.remarks.clone());
        sheet.row(row, cells, Look::Item)?;
        row += 1;
    }
    let body_rows = (row - first) as usize;
    let total_row = row;
    let mut cells = sheet.blank_row();
    cells[DESCRIPTION] = Cell::Text("Total".to_owned());
    for (col, value) in [
        (SANCTIONED_AMOUNT, statement.sanctioned_total),
        (WORKING_AMOUNT, statement.working_total),
        (EXCESS, statement.total_excess),
        (SAVING, statement.total_saving),
    ] {
        cells[col] = Cell::money(sum_formula(col, first, body_rows), value);
    }
    sheet.row(total_row, cells, Look::Total)?;
    let mut cells = sheet.blank_row();
    cells[DESCRIPTION] = Cell::Text("Net deviation (excess - saving)".to_owned());
    cells[EXCESS] = Cell::money(
        format!("{}-{}", cell(total_row, EXCESS), cell(total_row, SAVING)),
        statement.net_deviation(),
    );
    sheet.row(total_row + 1, cells, Look::GrandTotal)?;

    let closing = deviation_closing(statement, request.header.currency);
    let closing: Vec<(&str, &str)> = closing
        .iter()
        .map(|(label, text)| (label.as_str(), text.as_str()))
        .collect();
    sheet.closing(total_row + 2, &closing, &SIGNATURES)?;
    sheet.print_setup(&request.header, true)?;
    workbook.save_to_buffer()
}
