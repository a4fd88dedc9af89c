//! From domain results to report rows: what each PDF document prints in which column.
//!
//! Each function here reads a computed domain document and formats its figures into the
//! shared [`Report`] shape; none of them does arithmetic beyond what the layout needs for its
//! running totals. Column positions come from [`super::model`], the same place the workbook
//! renderer reads them from.

use rust_decimal::Decimal;

use crate::domain::bill::{FirstBill, NthBill, RowKind};
use crate::domain::words::amount_in_words;
use crate::domain::workslip::{FooterRole, Workslip, WorkslipRow};

use super::report::{
    ClosingLine, FormPages, FormPart, Orientation, Report, Row, RowStyle, Statement, StatementRow,
};
use crate::domain::deviation::DeviationStatement;
use crate::render::{
    deviation_closing, deviation_col, first_bill_col, format_figure, format_money, nth_bill_col,
    workslip_closing, workslip_col, BillForm, ColumnSpec, DocumentRequest, EstimateAbstract,
    FormBlock, FormStatement, ItemLine, SIGNATURES,
};

const BILL_FONT_SIZE: f32 = 9.0;
const WIDE_FONT_SIZE: f32 = 7.5;

fn style_of(kind: RowKind) -> RowStyle {
    match kind {
        RowKind::Excess => RowStyle::Excess,
        RowKind::Item | RowKind::Supplemental => RowStyle::Item,
    }
}

/// A row of `n` blank cells to fill in by column.
fn blank(n: usize) -> Vec<String> {
    vec![String::new(); n]
}

/// Running-total contributions: `amounts` placed at their columns.
fn carry(n: usize, amounts: &[(usize, Decimal)]) -> Vec<Decimal> {
    let mut carry = vec![Decimal::ZERO; n];
    for &(column, amount) in amounts {
        carry[column] = amount;
    }
    carry
}

/// Money, or nothing when there is no figure.
fn money_or_blank(value: Option<Decimal>) -> String {
    value.map(format_money).unwrap_or_default()
}

/// Zero shown as a blank: More and Less are one-sided, and a column of 0.00s hides the
/// figures that matter.
fn money_unless_zero(value: Decimal) -> String {
    if value.is_zero() {
        String::new()
    } else {
        format_money(value)
    }
}

impl ItemLine<'_> {
    /// The line as a PDF row, carrying its amount into the page subtotals.
    fn row(&self, n: usize, style: RowStyle) -> Row {
        use first_bill_col::*;
        let mut cells = blank(n);
        cells[SERIAL] = self.serial.to_owned();
        cells[QUANTITY] = format_figure(self.quantity);
        cells[UNIT] = self.unit.to_owned();
        cells[ITEM] = self.description.to_owned();
        cells[RATE] = format_figure(self.rate);
        cells[PER] = "1".to_owned();
        cells[PER_UNIT] = self.per_unit.to_owned();
        cells[AMOUNT] = format_money(self.amount);
        Row::cells(style, cells).carrying(carry(n, &[(AMOUNT, self.amount)]))
    }
}

/// A statement of figures as the PDF draws it, and its notes as closing lines.
fn statement_parts(statement: &FormStatement) -> (Statement, Vec<ClosingLine>) {
    let rows = statement
        .lines
        .iter()
        .map(|line| StatementRow {
            number: line.number.clone(),
            particulars: line.particulars.clone(),
            detail: line.detail.clone(),
            amount: money_or_blank(line.amount),
            emphasised: line.emphasised,
        })
        .collect();
    let notes = statement
        .notes
        .iter()
        .map(|(label, text)| ClosingLine {
            label: label.clone(),
            text: text.clone(),
        })
        .collect();
    (
        Statement {
            title: statement.title.clone(),
            rows,
        },
        notes,
    )
}

/// A bill's memorandum of payments as a statement, and the net in words after it.
fn memorandum_parts(memorandum: Option<&FormStatement>) -> (Vec<Statement>, Vec<ClosingLine>) {
    match memorandum {
        Some(memorandum) => {
            let (statement, notes) = statement_parts(memorandum);
            (vec![statement], notes)
        }
        None => (Vec::new(), Vec::new()),
    }
}

/// A bill form's blocks as the PDF places them, on pages of their own.
fn form_pages(form: Option<&BillForm>) -> Option<FormPages> {
    let form = form?;
    let blocks = form
        .blocks
        .iter()
        .map(|block| match block {
            FormBlock::Statement(statement) => {
                let (statement, notes) = statement_parts(statement);
                FormPart::Statement(statement, notes)
            }
            FormBlock::Text {
                heading,
                paragraphs,
                signed_by,
            } => FormPart::Text {
                heading: heading.clone(),
                paragraphs: paragraphs.clone(),
                signed_by: signed_by.clone(),
            },
        })
        .collect();
    Some(FormPages {
        title: form.title.clone(),
        blocks,
    })
}

/// The sub-head rows the estimate has before the item with `serial`, then that item's row.
fn after_sub_heads<T>(request: &DocumentRequest<T>, serial: &str, n: usize, row: Row) -> Vec<Row> {
    let mut rows: Vec<Row> = request
        .sub_heads_before(serial)
        .map(|head| {
            let mut cells = blank(n);
            // Every table's first column is its serial; a numbered heading keeps its number.
            if let (Some(first), Some(serial)) = (cells.first_mut(), &head.sl_no) {
                first.clone_from(serial);
            }
            Row::labelled(RowStyle::Heading, head.text.clone(), cells)
        })
        .collect();
    rows.push(row);
    rows
}

/// Labelled totals in the Amount column of the 8-column layout; the last line is the grand
/// total.
fn amount_totals<'a>(
    n: usize,
    lines: impl ExactSizeIterator<Item = (&'a str, Decimal)>,
) -> Vec<Row> {
    use first_bill_col::AMOUNT;
    let last = lines.len().saturating_sub(1);
    lines
        .enumerate()
        .map(|(i, (label, amount))| {
            let mut cells = blank(n);
            cells[AMOUNT] = format_money(amount);
            let style = if i == last {
                RowStyle::GrandTotal
            } else {
                RowStyle::Total
            };
            Row::labelled(style, label.to_owned(), cells)
        })
        .collect()
}

// Each document below maps its own row type onto its own columns. The maps look alike and are
// kept apart on purpose: a column added to one document must not move another's.

/// The first bill (8 columns).
pub(crate) fn first_bill<'a>(
    request: &'a DocumentRequest<FirstBill>,
    columns: &'a [ColumnSpec],
) -> Report<'a> {
    let bill = &request.content;
    let n = columns.len();
    let body = bill
        .rows
        .iter()
        .flat_map(|row| {
            let line = ItemLine {
                serial: &row.serial,
                quantity: row.quantity,
                unit: &row.unit,
                description: &row.description,
                rate: row.rate,
                per_unit: &row.per_unit,
                amount: row.amount,
            };
            after_sub_heads(request, &row.serial, n, line.row(n, style_of(row.kind)))
        })
        .collect();
    let totals = amount_totals(
        n,
        bill.totals
            .iter()
            .map(|line| (line.label.as_str(), line.amount)),
    );
    bill_report(
        request,
        columns,
        BILL_FONT_SIZE,
        (body, totals),
        ("Total:", bill.total),
        &bill.amount_in_words,
    )
}

/// The Nth bill (11 columns).
pub(crate) fn nth_bill<'a>(
    request: &'a DocumentRequest<NthBill>,
    columns: &'a [ColumnSpec],
) -> Report<'a> {
    use nth_bill_col::*;
    let bill = &request.content;
    let n = columns.len();
    let body = bill
        .rows
        .iter()
        .flat_map(|row| {
            let mut cells = blank(n);
            cells[SERIAL] = row.serial.clone();
            cells[ITEM] = row.description.clone();
            cells[TILL_DATE_QTY] = format_figure(row.till_date.quantity);
            cells[UNIT] = row.unit.clone();
            cells[RATE] = format_figure(row.rate);
            cells[TILL_DATE_AMOUNT] = format_money(row.till_date.amount);
            cells[PREVIOUS_QTY] = format_figure(row.previous.quantity);
            cells[PREVIOUS_AMOUNT] = format_money(row.previous.amount);
            cells[SINCE_LAST_QTY] = format_figure(row.since_last.quantity);
            cells[SINCE_LAST_AMOUNT] = format_money(row.since_last.amount);
            cells[REMARKS] = row.remarks();
            let amounts = [
                (TILL_DATE_AMOUNT, row.till_date.amount),
                (PREVIOUS_AMOUNT, row.previous.amount),
                (SINCE_LAST_AMOUNT, row.since_last.amount),
            ];
            let printed = Row::cells(style_of(row.kind), cells).carrying(carry(n, &amounts));
            after_sub_heads(request, &row.serial, n, printed)
        })
        .collect();
    let last = bill.totals.len().saturating_sub(1);
    let totals = bill
        .totals
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut cells = blank(n);
            cells[TILL_DATE_AMOUNT] = format_money(line.figures.till_date);
            cells[PREVIOUS_AMOUNT] = format_money(line.figures.previous);
            cells[SINCE_LAST_AMOUNT] = format_money(line.figures.since_last);
            let style = if i == last {
                RowStyle::GrandTotal
            } else {
                RowStyle::Total
            };
            Row::labelled(style, line.label.clone(), cells)
        })
        .collect();
    bill_report(
        request,
        columns,
        WIDE_FONT_SIZE,
        (body, totals),
        (
            "Amount payable now (since last measurements):",
            bill.amount_payable,
        ),
        &bill.amount_in_words,
    )
}

/// A bill's report from its rows and totals: the amount it closes with (labelled), that amount
/// in words, then the memorandum of payments, the signatures and the bill form's pages.
fn bill_report<'a, T>(
    request: &'a DocumentRequest<T>,
    columns: &'a [ColumnSpec],
    font_size: f32,
    (body, totals): (Vec<Row>, Vec<Row>),
    (label, amount): (&str, Decimal),
    amount_in_words: &str,
) -> Report<'a> {
    let (statements, net_lines) = memorandum_parts(request.memorandum.as_ref());
    let mut closing = vec![
        ClosingLine {
            label: label.to_owned(),
            text: format!(
                "{} {}",
                request.header.currency.symbol(),
                format_money(amount)
            ),
        },
        ClosingLine {
            label: "Amount in words:".to_owned(),
            text: amount_in_words.to_owned(),
        },
    ];
    closing.extend(net_lines);
    Report {
        statements,
        form: form_pages(request.form.as_ref()),
        ..signed_report(
            request,
            columns,
            (Orientation::Portrait, font_size),
            (body, totals),
            closing,
        )
    }
}

/// A report of `body` and `totals` closed by `closing` and signed with the usual captions, with
/// no statements or form pages (those only bills add).
fn signed_report<'a, T>(
    request: &'a DocumentRequest<T>,
    columns: &'a [ColumnSpec],
    (orientation, font_size): (Orientation, f32),
    (body, totals): (Vec<Row>, Vec<Row>),
    closing: Vec<ClosingLine>,
) -> Report<'a> {
    Report {
        orientation,
        header: &request.header,
        columns,
        font_size,
        body,
        totals,
        statements: Vec::new(),
        closing,
        signatures: &SIGNATURES,
        form: None,
    }
}

/// The closing line of a work slip and an estimate abstract.
fn grand_total_in_words(text: String) -> Vec<ClosingLine> {
    vec![ClosingLine {
        label: "Grand Total in words:".to_owned(),
        text,
    }]
}

/// A work slip (landscape).
pub(crate) fn workslip<'a>(
    request: &'a DocumentRequest<Workslip>,
    columns: &'a [ColumnSpec],
) -> Report<'a> {
    use workslip_col::*;
    let slip = &request.content;
    let n = columns.len();
    let phases = slip.phase_columns.len();
    let body = slip
        .rows
        .iter()
        .flat_map(|row| match row {
            WorkslipRow::Heading { text } => {
                vec![Row::labelled(RowStyle::Heading, text.clone(), blank(n))]
            }
            WorkslipRow::Line(line) => {
                let mut cells = blank(n);
                let mut amounts = Vec::with_capacity(phases + 3);
                cells[SERIAL] = line.serial.clone();
                cells[DESCRIPTION] = line.description.clone();
                cells[UNIT] = line.unit.clone();
                cells[ESTIMATE_QTY] = line
                    .estimate_quantity
                    .map(format_figure)
                    .unwrap_or_default();
                cells[RATE] = format_figure(line.estimate_rate);
                cells[ESTIMATE_AMOUNT] = money_or_blank(line.estimate_amount);
                amounts.push((ESTIMATE_AMOUNT, line.estimate_amount.unwrap_or_default()));
                for (k, cell) in (1..).zip(&line.phases) {
                    if let Some(cell) = cell {
                        cells[phase_quantity(k)] = format_figure(cell.quantity);
                        cells[phase_amount(k)] = format_money(cell.amount);
                        amounts.push((phase_amount(k), cell.amount));
                    }
                }
                cells[more(phases)] = money_unless_zero(line.more);
                cells[less(phases)] = money_unless_zero(line.less);
                cells[remarks(phases)] = line.remarks.clone();
                amounts.push((more(phases), line.more));
                amounts.push((less(phases), line.less));
                let printed = Row::cells(style_of(line.kind), cells).carrying(carry(n, &amounts));
                let serial = if line.kind == RowKind::Item {
                    line.serial.as_str()
                } else {
                    ""
                };
                after_sub_heads(request, serial, n, printed)
            }
        })
        .collect();
    let totals = slip
        .footer
        .iter()
        .map(|line| {
            let mut cells = blank(n);
            cells[ESTIMATE_AMOUNT] = money_or_blank(line.estimate);
            for (k, amount) in (1..).zip(&line.phases) {
                cells[phase_amount(k)] = format_money(*amount);
            }
            cells[more(phases)] = money_or_blank(line.more);
            cells[less(phases)] = money_or_blank(line.less);
            let style = if line.role == FooterRole::GrandTotal {
                RowStyle::GrandTotal
            } else {
                RowStyle::Total
            };
            Row::labelled(style, line.label.clone(), cells)
        })
        .collect();
    signed_report(
        request,
        columns,
        (Orientation::Landscape, WIDE_FONT_SIZE),
        (body, totals),
        workslip_closing(slip)
            .into_iter()
            .map(|(label, text)| ClosingLine { label, text })
            .collect(),
    )
}

/// The estimate abstract: the estimate's items and its footer (DOMAIN.md §1).
pub(crate) fn estimate_abstract<'a>(
    request: &'a DocumentRequest<EstimateAbstract>,
    columns: &'a [ColumnSpec],
) -> Report<'a> {
    let estimate = &request.content;
    let n = columns.len();
    let body = estimate
        .items
        .iter()
        .flat_map(|item| {
            let line = ItemLine::of_estimate_item(item);
            after_sub_heads(request, &item.sl_no, n, line.row(n, RowStyle::Item))
        })
        .collect();
    let totals = amount_totals(
        n,
        estimate
            .footer
            .lines
            .iter()
            .map(|line| (line.label.as_str(), line.amount)),
    );
    signed_report(
        request,
        columns,
        (Orientation::Portrait, BILL_FONT_SIZE),
        (body, totals),
        grand_total_in_words(amount_in_words(estimate.footer.grand_total)),
    )
}

/// A work slip's deviation statement (landscape): item by item, then the totals, the net
/// deviation, and the flag when a revised sanction is needed.
pub(crate) fn deviation_statement<'a>(
    request: &'a DocumentRequest<DeviationStatement>,
    columns: &'a [ColumnSpec],
) -> Report<'a> {
    use deviation_col::*;
    let statement = &request.content;
    let n = columns.len();
    let body = statement
        .lines
        .iter()
        .flat_map(|line| {
            let mut cells = blank(n);
            cells[SERIAL] = line.serial.clone();
            cells[DESCRIPTION] = line.description.clone();
            cells[UNIT] = line.unit.clone();
            cells[RATE] = format_figure(line.rate);
            cells[SANCTIONED_QTY] = line
                .sanctioned_quantity
                .map(format_figure)
                .unwrap_or_default();
            cells[SANCTIONED_AMOUNT] = format_money(line.sanctioned_amount);
            cells[WORKING_QTY] = format_figure(line.working_quantity);
            cells[WORKING_AMOUNT] = format_money(line.working_amount);
            cells[EXCESS] = money_unless_zero(line.excess);
            cells[SAVING] = money_unless_zero(line.saving);
            cells[REMARKS] = line.remarks.clone();
            let amounts = [
                (SANCTIONED_AMOUNT, line.sanctioned_amount),
                (WORKING_AMOUNT, line.working_amount),
                (EXCESS, line.excess),
                (SAVING, line.saving),
            ];
            let printed = Row::cells(RowStyle::Item, cells).carrying(carry(n, &amounts));
            after_sub_heads(request, &line.serial, n, printed)
        })
        .collect();
    let mut total = blank(n);
    total[SANCTIONED_AMOUNT] = format_money(statement.sanctioned_total);
    total[WORKING_AMOUNT] = format_money(statement.working_total);
    total[EXCESS] = format_money(statement.total_excess);
    total[SAVING] = format_money(statement.total_saving);
    let mut net = blank(n);
    net[EXCESS] = format_money(statement.net_deviation());
    let totals = vec![
        Row::labelled(RowStyle::Total, "Total", total),
        Row::labelled(RowStyle::GrandTotal, "Net deviation (excess - saving)", net),
    ];
    let closing = deviation_closing(statement, request.header.currency)
        .into_iter()
        .map(|(label, text)| ClosingLine { label, text })
        .collect();
    signed_report(
        request,
        columns,
        (Orientation::Landscape, WIDE_FONT_SIZE),
        (body, totals),
        closing,
    )
}
