//! The work slip workbook (DOMAIN.md §3), landscape: estimate columns, one quantity/amount
//! pair per phase, More, Less and Remarks, then the footer that balances back to the
//! sanctioned Grand Total, every figure a formula with the domain's value cached.
//!
//! Footer formulas follow the footer's roles, column by column (E = estimate amount, X = each
//! phase's amount): Sub Total 1 = Sub + Deduct (+ T.P in X); LC, QC and NAC on Sub Total 1;
//! GST on Sub Total 2; Unused T.P on the estimate's Sub Total 1; the L.S provision as the
//! balancing figure. The deduction and the Grand Total are typed figures, as in the sheet a
//! user would keep by hand.

use rust_decimal::Decimal;
use rust_xlsxwriter::{RowNum, XlsxError};

use crate::domain::bill::{RowKind, TenderPremium};
use crate::domain::estimate::GST_PERCENT;
use crate::domain::estimate::{LABOUR_CESS_PERCENT, NAC_PERCENT, QUALITY_CONTROL_PERCENT};
use crate::domain::money::format_percent;
use crate::domain::workslip::{FooterRole, Workslip, WorkslipFooterLine, WorkslipRow};
use crate::render::{workslip_col, workslip_columns, DocumentRequest};

use super::bills::{premium_formula, premium_sign, verified_premium};
use super::sheet::{cell, new_workbook, sum_formula, Cell, Look, SheetWriter};
use super::SIGNATURES;

/// The work slip sheet's name.
pub const WORKSLIP_SHEET: &str = "Workslip";

/// The work slip workbook.
pub(crate) fn workslip(request: &DocumentRequest<Workslip>) -> Result<Vec<u8>, XlsxError> {
    use workslip_col::*;
    let slip = &request.content;
    let phases = slip.phase_columns.len();
    let current_amount = phase_amount(phases);
    let mut workbook = new_workbook(&request.header)?;
    let (mut sheet, first) = SheetWriter::with_headings(
        workbook.add_worksheet(),
        WORKSLIP_SHEET,
        workslip_columns(&slip.phase_columns),
        &request.header,
        ": ",
    )?;

    let mut row = first;
    for slip_row in &slip.rows {
        let mut cells = sheet.blank_row();
        let line = match slip_row {
            WorkslipRow::Heading { text } => {
                cells[DESCRIPTION] = Cell::Text(text.clone());
                sheet.row(row, cells, Look::Heading)?;
                row += 1;
                continue;
            }
            WorkslipRow::Line(line) => line,
        };
        if line.kind == RowKind::Item {
            row = sheet.sub_head_rows(row, request.sub_heads_before(&line.serial), DESCRIPTION)?;
        }
        let rate = cell(row, RATE);
        cells[SERIAL] = Cell::Text(line.serial.clone());
        cells[DESCRIPTION] = Cell::Text(line.description.clone());
        cells[UNIT] = Cell::Text(line.unit.clone());
        cells[RATE] = Cell::Number(line.estimate_rate);
        if let (Some(quantity), Some(amount)) = (line.estimate_quantity, line.estimate_amount) {
            cells[ESTIMATE_QTY] = Cell::Number(quantity);
            cells[ESTIMATE_AMOUNT] = Cell::money(
                format!("ROUND({}*{rate},2)", cell(row, ESTIMATE_QTY)),
                amount,
            );
        }
        for (k, phase) in (1..).zip(&line.phases) {
            let Some(phase) = phase else { continue };
            let (qty, amt) = (phase_quantity(k), phase_amount(k));
            cells[qty] = Cell::Number(phase.quantity);
            // A phase at another rate than the estimate's names its rate, as Remarks do.
            let phase_rate = match line.phase_rates.get(k - 1) {
                Some(&other) if other != line.estimate_rate => other.to_string(),
                _ => rate.clone(),
            };
            let formula = format!("ROUND({}*{phase_rate},2)", cell(row, qty));
            cells[amt] = Cell::money(formula, phase.amount);
        }
        // An empty estimate amount counts as zero, as the domain counts it.
        let (executed, estimate) = (cell(row, current_amount), cell(row, ESTIMATE_AMOUNT));
        cells[more(phases)] = Cell::money(format!("MAX({executed}-{estimate},0)"), line.more);
        cells[less(phases)] = Cell::money(format!("MAX({estimate}-{executed},0)"), line.less);
        cells[remarks(phases)] = Cell::Text(line.remarks.clone());
        let look = if line.kind == RowKind::Excess {
            Look::Excess
        } else {
            Look::Item
        };
        sheet.row(row, cells, look)?;
        row += 1;
    }

    let footer_first = row;
    let footer = Footer::new(slip, footer_first, first, (row - first) as usize);
    for (index, line) in slip.footer.iter().enumerate() {
        let row = footer_first + index as RowNum;
        let mut cells = sheet.blank_row();
        cells[DESCRIPTION] = Cell::Text(line.label.clone());
        if let Some(value) = line.estimate {
            cells[ESTIMATE_AMOUNT] = footer.cell(line, ESTIMATE_AMOUNT, value, true);
        }
        for (k, &value) in (1..).zip(&line.phases) {
            cells[phase_amount(k)] = footer.cell(line, phase_amount(k), value, false);
        }
        for (col, value) in [(more(phases), line.more), (less(phases), line.less)] {
            if let Some(value) = value {
                cells[col] = footer.cell(line, col, value, false);
            }
        }
        let look = if line.role == FooterRole::GrandTotal {
            Look::GrandTotal
        } else {
            Look::Total
        };
        sheet.row(row, cells, look)?;
    }

    let after = footer_first + slip.footer.len() as RowNum;
    let closing = crate::render::workslip_closing(slip);
    let closing: Vec<(&str, &str)> = closing
        .iter()
        .map(|(label, text)| (label.as_str(), text.as_str()))
        .collect();
    sheet.closing(after, &closing, &SIGNATURES)?;
    sheet.print_setup(&request.header, true)?;
    workbook.save_to_buffer()
}

/// Where each footer line sits and how its cells are computed.
struct Footer {
    roles: Vec<FooterRole>,
    first: RowNum,
    body_first: RowNum,
    body_rows: usize,
    premium: Option<TenderPremium>,
    unused_premium: Option<TenderPremium>,
}

impl Footer {
    fn new(slip: &Workslip, first: RowNum, body_first: RowNum, body_rows: usize) -> Self {
        let value = |role: FooterRole| slip.footer_line(role);
        let phases = slip.phase_columns.len();
        // The premium line's percentage, checked against every phase's figure.
        let premium = value(FooterRole::TenderPremium).and_then(|line| {
            let sub = value(FooterRole::SubTotalAmount)?;
            let deduct = value(FooterRole::DeductOldMaterial);
            let checks: Vec<(Decimal, Decimal)> = (0..phases)
                .map(|k| {
                    let base = sub.phases[k] + deduct.map_or(Decimal::ZERO, |d| d.phases[k]);
                    (base, line.phases[k])
                })
                .collect();
            verified_premium(
                &line.label,
                |p| format!("T.P @ {} % {:?}", format_percent(p.percent()), p.kind()),
                &checks,
                TenderPremium::signed_amount_on,
            )
        });
        let unused_premium = value(FooterRole::UnusedTenderPremium).and_then(|line| {
            let ecv = value(FooterRole::SubTotal1)?.estimate?;
            let checks: Vec<(Decimal, Decimal)> =
                line.phases.iter().map(|&figure| (ecv, figure)).collect();
            verified_premium(
                &line.label,
                |p| format!("Unused T.P @ {} % on ECV", format_percent(p.percent())),
                &checks,
                TenderPremium::amount_on,
            )
        });
        Self {
            roles: slip.footer.iter().map(|line| line.role).collect(),
            first,
            body_first,
            body_rows,
            premium,
            unused_premium,
        }
    }

    /// The cell of `role` in column `col`, if the footer has that line.
    fn at(&self, role: FooterRole, col: usize) -> Option<String> {
        self.roles
            .iter()
            .position(|&r| r == role)
            .map(|i| cell(self.first + i as RowNum, col))
    }

    /// `+<cell>` for each present role.
    fn plus(&self, roles: &[FooterRole], col: usize) -> String {
        self.signed('+', roles, col)
    }

    /// `-<cell>` for each present role.
    fn minus(&self, roles: &[FooterRole], col: usize) -> String {
        self.signed('-', roles, col)
    }

    fn signed(&self, sign: char, roles: &[FooterRole], col: usize) -> String {
        roles
            .iter()
            .filter_map(|&role| self.at(role, col))
            .map(|c| format!("{sign}{c}"))
            .collect()
    }

    fn cell(&self, line: &WorkslipFooterLine, col: usize, value: Decimal, estimate: bool) -> Cell {
        use FooterRole::*;
        let here = |role| self.at(role, col);
        let percent_of = |base: Option<String>, percent: Decimal| {
            base.map(|b| format!("ROUND({b}*{}/100,2)", format_percent(percent)))
        };
        let formula = match line.role {
            SubTotalAmount => Some(sum_formula(col, self.body_first, self.body_rows)),
            DeductOldMaterial | GrandTotal => None,
            TenderPremium => self.premium.filter(|_| !estimate).and_then(|p| {
                let base = format!(
                    "{}{}",
                    here(SubTotalAmount)?,
                    self.plus(&[DeductOldMaterial], col)
                );
                let amount = premium_formula(&base, &p);
                Some(if premium_sign(&p) == "-" {
                    format!("-{amount}")
                } else {
                    amount
                })
            }),
            SubTotal1 => {
                let premium: &[FooterRole] = if estimate { &[] } else { &[TenderPremium] };
                here(SubTotalAmount).map(|sub| {
                    format!(
                        "{sub}{}{}",
                        self.plus(&[DeductOldMaterial], col),
                        self.plus(premium, col)
                    )
                })
            }
            LabourCess => percent_of(here(SubTotal1), LABOUR_CESS_PERCENT),
            QualityControl => percent_of(here(SubTotal1), QUALITY_CONTROL_PERCENT),
            Nac => percent_of(here(SubTotal1), NAC_PERCENT),
            SubTotal2 => here(SubTotal1).map(|st1| {
                format!(
                    "{st1}{}",
                    self.plus(&[LabourCess, QualityControl, Nac], col)
                )
            }),
            Gst => percent_of(here(SubTotal2), GST_PERCENT),
            UnusedTenderPremium => self.unused_premium.filter(|_| !estimate).and_then(|p| {
                let ecv = self.at(SubTotal1, workslip_col::ESTIMATE_AMOUNT)?;
                Some(premium_formula(&ecv, &p))
            }),
            LsProvision => here(GrandTotal).map(|grand| {
                let unused: &[FooterRole] = if estimate {
                    &[]
                } else {
                    &[UnusedTenderPremium]
                };
                format!(
                    "{grand}{}{}",
                    self.minus(unused, col),
                    self.minus(&[Gst, SubTotal2], col)
                )
            }),
        };
        Cell::money_or_number(formula, value)
    }
}
