//! First and Nth bill workbooks: the PDF's table as live formulas over typed quantities and
//! rates, each formula carrying the domain's figure as its cached value.
//!
//! The formulas are the domain's rules written in Excel (DOMAIN.md §2), so a user who edits a
//! quantity sees every dependent figure follow: `ROUND(qty × rate, 2)` on every row, AE rows
//! included (an auditor re-multiplies each row); sub totals as rounded sums; the T.P line as
//! `ROUND(sub × p / 100, 2)`. The memorandum of payments below the table goes on from them: its
//! value till date is the table's Total cell, and its percentage lines and net are formulas
//! (a capped line as `MIN(…, what the cap leaves)`), so an edited quantity reaches the net.
//! What the bill was given stays typed: the previous bill's Total, fixed lines and recoveries.
//!
//! The domain's bill carries the T.P line's label and figure but not the premium itself, so
//! the percentage is read back from the label and used only after checking that it reproduces
//! both the label and the figure ([`verified_premium`]); otherwise that line is written as a
//! plain figure and nothing is guessed.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_xlsxwriter::{RowNum, Workbook, XlsxError};

use crate::domain::bill::{FirstBill, NthBill, NthBillRow, RowKind, TenderPremium, TpType};
use crate::domain::money::format_percent;
use crate::render::{
    first_bill_col, first_bill_columns, format_money, nth_bill_col, nth_bill_columns,
    DocumentRequest, ItemLine,
};

use super::forms::form_sheet;
use super::sheet::{
    cell, new_workbook, sum_formula, Cell, Look, SheetWriter, StatementSources, TableFigure,
};
use super::SIGNATURES;

/// The bill sheet's name.
pub const BILL_SHEET: &str = "Bill";

/// The premium a label like `Deduct T.P @ 4.5 % Less` stands for, when rebuilding it gives
/// back exactly that label and every `(base, figure)` pair.
pub(crate) fn verified_premium(
    label: &str,
    label_of: impl Fn(&TenderPremium) -> String,
    checks: &[(Decimal, Decimal)],
    figure_of: impl Fn(&TenderPremium, Decimal) -> Decimal,
) -> Option<TenderPremium> {
    let (_, after_at) = label.split_once("@ ")?;
    let (percent, rest) = after_at.split_once(" %")?;
    let percent = Decimal::from_str(percent.trim()).ok()?;
    let kind = if rest.contains("Less") {
        TpType::Less
    } else {
        TpType::Excess
    };
    let premium = TenderPremium::new(percent, kind).ok()?;
    let reproduces = label_of(&premium) == label
        && checks
            .iter()
            .all(|&(base, figure)| figure_of(&premium, base) == figure);
    reproduces.then_some(premium)
}

/// `ROUND(<base>*p/100,2)`, the formula of every premium line.
pub(crate) fn premium_formula(base: &str, premium: &TenderPremium) -> String {
    format!(
        "ROUND(({base})*{}/100,2)",
        format_percent(premium.percent())
    )
}

/// `+` for an Excess premium, `-` for a Less one.
pub(crate) fn premium_sign(premium: &TenderPremium) -> &'static str {
    match premium.kind() {
        TpType::Excess => "+",
        TpType::Less => "-",
    }
}

impl ItemLine<'_> {
    /// The line's cells in the 8-column workbook, all but the Amount, whose formula depends
    /// on the document.
    pub(crate) fn cells(&self, sheet: &SheetWriter<'_>) -> Vec<Cell> {
        use first_bill_col::*;
        let mut cells = sheet.blank_row();
        cells[SERIAL] = Cell::Text(self.serial.to_owned());
        cells[QUANTITY] = Cell::Number(self.quantity);
        cells[UNIT] = Cell::Text(self.unit.to_owned());
        cells[ITEM] = Cell::Text(self.description.to_owned());
        cells[RATE] = Cell::Number(self.rate);
        cells[PER] = Cell::Number(Decimal::ONE);
        cells[PER_UNIT] = Cell::Text(self.per_unit.to_owned());
        cells
    }
}

fn look_of(kind: RowKind) -> Look {
    match kind {
        RowKind::Excess => Look::Excess,
        RowKind::Item | RowKind::Supplemental => Look::Item,
    }
}

/// The first bill workbook (8 columns, A..H).
pub(crate) fn first_bill(request: &DocumentRequest<FirstBill>) -> Result<Vec<u8>, XlsxError> {
    use first_bill_col::*;
    let bill = &request.content;
    let mut workbook = new_workbook(&request.header)?;
    let (mut sheet, first) = SheetWriter::with_headings(
        workbook.add_worksheet(),
        BILL_SHEET,
        first_bill_columns(),
        &request.header,
        ": ",
    )?;

    let mut row = first;
    for line in &bill.rows {
        row = sheet.sub_head_rows(row, request.sub_heads_before(&line.serial), ITEM)?;
        let mut cells = ItemLine {
            serial: &line.serial,
            quantity: line.quantity,
            unit: &line.unit,
            description: &line.description,
            rate: line.rate,
            per_unit: &line.per_unit,
            amount: line.amount,
        }
        .cells(&sheet);
        let (b, e) = (cell(row, QUANTITY), cell(row, RATE));
        cells[AMOUNT] = Cell::money(format!("ROUND({b}*{e},2)"), line.amount);
        sheet.row(row, cells, look_of(line.kind))?;
        row += 1;
    }

    let body_rows = (row - first) as usize;
    let sub_row = row;
    let sub = cell(sub_row, AMOUNT);
    let mut row = sub_row;
    let mut write_total = |sheet: &mut SheetWriter<'_>, label: &str, value: Cell, look: Look| {
        let mut cells = sheet.blank_row();
        cells[ITEM] = Cell::Text(label.to_owned());
        cells[AMOUNT] = value;
        let written = sheet.row(row, cells, look);
        row += 1;
        written
    };
    write_total(
        &mut sheet,
        "Sub Total Amount",
        Cell::money(sum_formula(AMOUNT, first, body_rows), bill.sub_total),
        Look::Total,
    )?;
    let mut total_formula = Some(sub.clone());
    if let Some(line) = &bill.tender_premium {
        let premium = verified_premium(
            &line.label,
            TenderPremium::bill_label,
            &[(bill.sub_total, line.amount)],
            TenderPremium::amount_on,
        );
        let tp = cell(sub_row + 1, AMOUNT);
        total_formula = premium.map(|p| format!("{sub}{}{tp}", premium_sign(&p)));
        let formula = premium.map(|p| premium_formula(&sub, &p));
        write_total(
            &mut sheet,
            &line.label,
            Cell::money_or_number(formula, line.amount),
            Look::Total,
        )?;
    }
    write_total(
        &mut sheet,
        "Total",
        Cell::money_or_number(total_formula, bill.total),
        Look::GrandTotal,
    )?;

    let total = TableFigure {
        cell: cell(row - 1, AMOUNT),
        value: bill.total,
    };
    let (row, sources) = memorandum(
        &mut sheet,
        row,
        request,
        first_bill_col::ITEM,
        AMOUNT,
        total,
    )?;
    close_bill(
        sheet,
        row,
        request,
        ("Total:", bill.total, &bill.amount_in_words),
    )?;
    finish_bill(workbook, request, &sources)
}

/// A bill's closing lines after its memorandum: the amount it closes with (labelled), that
/// amount in words, the net payable when there is a memorandum, then the signatures and the
/// print set-up.
fn close_bill<T>(
    mut sheet: SheetWriter<'_>,
    row: RowNum,
    request: &DocumentRequest<T>,
    (label, amount, in_words): (&str, Decimal, &str),
) -> Result<(), XlsxError> {
    let amount_text = format!(
        "{} {}",
        request.header.currency.symbol(),
        format_money(amount)
    );
    let mut closing = vec![
        (label, amount_text),
        ("Amount in words:", in_words.to_owned()),
    ];
    closing.extend(net_lines(request));
    let closing: Vec<(&str, &str)> = closing.iter().map(|(l, t)| (*l, t.as_str())).collect();
    let next = sheet.closing(row, &closing, &SIGNATURES)?;
    debug_assert!(next > row);
    sheet.print_setup(&request.header, false)
}

/// The bill form's sheet, when the bill has one, its figures read from the bill sheet's
/// `sources`, and the workbook's bytes.
fn finish_bill<T>(
    mut workbook: Workbook,
    request: &DocumentRequest<T>,
    sources: &StatementSources,
) -> Result<Vec<u8>, XlsxError> {
    if let Some(form) = &request.form {
        form_sheet(
            &mut workbook,
            &request.header,
            form,
            &sources.on_sheet(BILL_SHEET),
        )?;
    }
    workbook.save_to_buffer()
}

/// The memorandum of payments after a bill's totals, when the bill has one, its value till
/// date read from the table's `till_date_total`; returns the next row, and the table's Total
/// and the memorandum's cells for the bill form to read.
fn memorandum<T>(
    sheet: &mut SheetWriter<'_>,
    row: RowNum,
    request: &DocumentRequest<T>,
    particulars_end: usize,
    amount_col: usize,
    till_date_total: TableFigure,
) -> Result<(RowNum, StatementSources), XlsxError> {
    let mut sources = StatementSources {
        till_date_total: Some(till_date_total),
        memorandum: Vec::new(),
    };
    let Some(memorandum) = &request.memorandum else {
        return Ok((row, sources));
    };
    let (row, cells) = sheet.statement(row, memorandum, particulars_end, amount_col, &sources)?;
    sources.memorandum = cells;
    Ok((row, sources))
}

/// The net payable and its words, for the closing lines, when the bill has a memorandum.
fn net_lines<T>(request: &DocumentRequest<T>) -> Vec<(&str, String)> {
    match &request.memorandum {
        Some(memorandum) => memorandum
            .notes
            .iter()
            .map(|(label, text)| (label.as_str(), text.clone()))
            .collect(),
        None => Vec::new(),
    }
}

// Opens like `first_bill` above (the same sheet set-up, the same loop over sub-heads), then
// maps its own rows onto its own columns, as the PDF's documents do: a column added to one bill
// must not move the other's.
/// Column H of an Nth bill's row: the previous bill's amount, as a formula only where one
/// gives it back. At a rate a work slip has changed since, the formula names the previous
/// rate; a figure no formula gives (a bill stored before that rate was kept) is written as
/// it stands, since a recalculation at today's rate would change what was paid before.
fn previous_amount(line: &NthBillRow, quantity_cell: String, rate_cell: &str) -> Cell {
    let rate = line.previous_rate.unwrap_or(line.rate);
    if crate::domain::money::amount(line.previous.quantity, rate) != line.previous.amount {
        return Cell::Number(line.previous.amount);
    }
    let rate = match line.previous_rate {
        Some(rate) => rate.to_string(),
        None => rate_cell.to_owned(),
    };
    Cell::money(
        format!("ROUND({quantity_cell}*{rate},2)"),
        line.previous.amount,
    )
}

/// The Nth bill workbook (11 columns, A..K).
pub(crate) fn nth_bill(request: &DocumentRequest<NthBill>) -> Result<Vec<u8>, XlsxError> {
    use nth_bill_col::*;
    let bill = &request.content;
    let mut workbook = new_workbook(&request.header)?;
    let (mut sheet, first) = SheetWriter::with_headings(
        workbook.add_worksheet(),
        BILL_SHEET,
        nth_bill_columns(),
        &request.header,
        ": ",
    )?;

    let mut row = first;
    for line in &bill.rows {
        row = sheet.sub_head_rows(row, request.sub_heads_before(&line.serial), ITEM)?;
        let mut cells = sheet.blank_row();
        cells[SERIAL] = Cell::Text(line.serial.clone());
        cells[ITEM] = Cell::Text(line.description.clone());
        cells[TILL_DATE_QTY] = Cell::Number(line.till_date.quantity);
        cells[UNIT] = Cell::Text(line.unit.clone());
        cells[RATE] = Cell::Number(line.rate);
        cells[PREVIOUS_QTY] = Cell::Number(line.previous.quantity);
        let e = cell(row, RATE);
        let amount_of = |qty_col: usize| format!("ROUND({}*{e},2)", cell(row, qty_col));
        cells[TILL_DATE_AMOUNT] = Cell::money(amount_of(TILL_DATE_QTY), line.till_date.amount);
        cells[PREVIOUS_AMOUNT] = previous_amount(line, cell(row, PREVIOUS_QTY), &e);
        let remarks = line.remarks();
        if !remarks.is_empty() {
            cells[REMARKS] = Cell::Text(remarks);
        }
        cells[SINCE_LAST_QTY] = Cell::quantity(
            format!("{}-{}", cell(row, TILL_DATE_QTY), cell(row, PREVIOUS_QTY)),
            line.since_last.quantity,
        );
        cells[SINCE_LAST_AMOUNT] = Cell::money(
            format!(
                "{}-{}",
                cell(row, TILL_DATE_AMOUNT),
                cell(row, PREVIOUS_AMOUNT)
            ),
            line.since_last.amount,
        );
        sheet.row(row, cells, look_of(line.kind))?;
        row += 1;
    }

    let amount_cols = [TILL_DATE_AMOUNT, PREVIOUS_AMOUNT, SINCE_LAST_AMOUNT];
    let body_rows = (row - first) as usize;
    let sub_row = row;
    let tp_row = sub_row + 1;
    let premium = bill.tender_premium.as_ref().and_then(|line| {
        verified_premium(
            &line.label,
            TenderPremium::bill_label,
            &[
                (bill.sub_total.till_date, line.figures.till_date),
                (bill.sub_total.previous, line.figures.previous),
            ],
            TenderPremium::amount_on,
        )
    });
    let mut row = sub_row;
    for (index, line) in bill.totals.iter().enumerate() {
        let is_sub = index == 0;
        let is_tp = !is_sub && bill.tender_premium.is_some() && index == 1;
        let is_total = index + 1 == bill.totals.len();
        let figures = [
            line.figures.till_date,
            line.figures.previous,
            line.figures.since_last,
        ];
        let mut cells = sheet.blank_row();
        cells[ITEM] = Cell::Text(line.label.clone());
        for (&col, &value) in amount_cols.iter().zip(&figures) {
            let sub = cell(sub_row, col);
            let formula = if is_sub {
                Some(sum_formula(col, first, body_rows))
            } else if is_tp {
                premium.map(|p| {
                    if col == SINCE_LAST_AMOUNT {
                        // F − H, as the domain makes the premium's since-last figure.
                        format!(
                            "{}-{}",
                            cell(tp_row, TILL_DATE_AMOUNT),
                            cell(tp_row, PREVIOUS_AMOUNT)
                        )
                    } else {
                        premium_formula(&sub, &p)
                    }
                })
            } else if bill.tender_premium.is_none() {
                Some(sub)
            } else {
                premium.map(|p| format!("{sub}{}{}", premium_sign(&p), cell(tp_row, col)))
            };
            cells[col] = Cell::money_or_number(formula, value);
        }
        let look = if is_total {
            Look::GrandTotal
        } else {
            Look::Total
        };
        sheet.row(row, cells, look)?;
        row += 1;
    }

    let till_date_total = TableFigure {
        cell: cell(row - 1, TILL_DATE_AMOUNT),
        value: bill
            .totals
            .last()
            .map_or(Decimal::ZERO, |total| total.figures.till_date),
    };
    let (row, sources) = memorandum(
        &mut sheet,
        row,
        request,
        RATE,
        SINCE_LAST_AMOUNT,
        till_date_total,
    )?;
    close_bill(
        sheet,
        row,
        request,
        (
            "Amount payable now (since last measurements):",
            bill.amount_payable,
            &bill.amount_in_words,
        ),
    )?;
    finish_bill(workbook, request, &sources)
}
