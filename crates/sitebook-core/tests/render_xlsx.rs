//! Workbook renderer tests, reading the files back with calamine (as a non-calculating reader
//! would) and inspecting the package XML for print setup and properties.
//!
//! The strongest check is [`every_formula_recomputes_to_its_cached_value`]: a small exact
//! evaluator for the formula subset the renderer writes (cell references, + − × ÷, ROUND,
//! SUM, MAX) recomputes every formula from the typed figures, in decimals, and compares it
//! with the cached value, which is the domain's figure. So Excel recalculating a workbook
//! gives the numbers the PDF prints.

mod render;

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::str::FromStr;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;
use sitebook_core::domain::bill::{first_bill, FirstBillInput};
use sitebook_core::domain::workslip::FooterRole;
use sitebook_core::pdf::DocumentRequest;
use sitebook_core::xlsx;

/// One sheet: cached values and formulas.
struct Sheet {
    values: Range<Data>,
    formulas: Range<String>,
}

fn open(bytes: &[u8], name: &str) -> Sheet {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    Sheet {
        values: workbook.worksheet_range(name).unwrap(),
        formulas: workbook.worksheet_formula(name).unwrap(),
    }
}

fn decimal(value: &Data) -> Option<Decimal> {
    match value {
        // The shortest text that reads back as the same double: the decimal that was written.
        Data::Float(f) => Decimal::from_str(&f.to_string()).ok(),
        Data::Int(i) => Some(Decimal::from(*i)),
        _ => None,
    }
}

impl Sheet {
    fn number(&self, row: u32, col: u32) -> Option<Decimal> {
        self.values.get_value((row, col)).and_then(decimal)
    }

    fn text(&self, row: u32, col: u32) -> String {
        match self.values.get_value((row, col)) {
            Some(Data::String(s)) => s.clone(),
            _ => String::new(),
        }
    }

    fn formula(&self, row: u32, col: u32) -> String {
        self.formulas
            .get_value((row, col))
            .cloned()
            .unwrap_or_default()
    }

    /// The first row whose column A reads `text`.
    fn row_of(&self, text: &str) -> u32 {
        let (first, _) = self.values.start().unwrap();
        let (last, _) = self.values.end().unwrap();
        (first..=last).find(|&r| self.text(r, 0) == text).unwrap()
    }

    /// The row whose column `col` reads `label`.
    fn label_row(&self, col: u32, label: &str) -> Option<u32> {
        let (first, _) = self.values.start().unwrap();
        let (last, _) = self.values.end().unwrap();
        (first..=last).find(|&r| self.text(r, col) == label)
    }

    /// Every formula cell: (row, col, formula).
    fn formula_cells(&self) -> Vec<(u32, u32, String)> {
        let Some((row0, col0)) = self.formulas.start() else {
            return Vec::new();
        };
        self.formulas
            .cells()
            .filter(|(_, _, f)| !f.is_empty())
            .map(|(r, c, f)| (row0 + r as u32, col0 + c as u32, f.clone()))
            .collect()
    }
}

/// A part of the workbook package, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

// ----- an exact evaluator for the renderer's formulas --------------------------------------

struct Evaluator<'s> {
    sheet: &'s Sheet,
    memo: HashMap<(u32, u32), Decimal>,
}

fn round_half_up(value: Decimal, places: Decimal) -> Decimal {
    let places = u32::try_from(places.trunc().mantissa()).unwrap();
    value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
}

fn cell_ref(text: &str) -> (u32, u32) {
    let letters: String = text.chars().take_while(char::is_ascii_alphabetic).collect();
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1))
        - 1;
    let row: u32 = text[letters.len()..].parse().unwrap();
    (row - 1, col)
}

impl<'s> Evaluator<'s> {
    fn new(sheet: &'s Sheet) -> Self {
        Self {
            sheet,
            memo: HashMap::new(),
        }
    }

    fn cell(&mut self, at: (u32, u32)) -> Decimal {
        if let Some(&v) = self.memo.get(&at) {
            return v;
        }
        let formula = self.sheet.formula(at.0, at.1);
        let value = if formula.is_empty() {
            self.sheet.number(at.0, at.1).unwrap_or_default()
        } else {
            let tokens = tokenize(&formula);
            let mut pos = 0;
            let v = self.expr(&tokens, &mut pos);
            assert_eq!(pos, tokens.len(), "trailing tokens in {formula}");
            v
        };
        self.memo.insert(at, value);
        value
    }

    fn expr(&mut self, t: &[String], pos: &mut usize) -> Decimal {
        let mut value = self.term(t, pos);
        while *pos < t.len() && (t[*pos] == "+" || t[*pos] == "-") {
            let op = t[*pos].clone();
            *pos += 1;
            let rhs = self.term(t, pos);
            value = if op == "+" { value + rhs } else { value - rhs };
        }
        value
    }

    // One function per precedence level, like `expr`: the grammar reads best this way.
    fn term(&mut self, t: &[String], pos: &mut usize) -> Decimal {
        let mut value = self.factor(t, pos);
        while *pos < t.len() && (t[*pos] == "*" || t[*pos] == "/") {
            let op = t[*pos].clone();
            *pos += 1;
            let rhs = self.factor(t, pos);
            value = if op == "*" { value * rhs } else { value / rhs };
        }
        value
    }

    fn factor(&mut self, t: &[String], pos: &mut usize) -> Decimal {
        let token = t[*pos].clone();
        *pos += 1;
        match token.as_str() {
            "-" => -self.factor(t, pos),
            "(" => {
                let v = self.expr(t, pos);
                assert_eq!(t[*pos], ")");
                *pos += 1;
                v
            }
            "ROUND" | "MAX" => {
                assert_eq!(t[*pos], "(");
                *pos += 1;
                let a = self.expr(t, pos);
                assert_eq!(t[*pos], ",");
                *pos += 1;
                let b = self.expr(t, pos);
                assert_eq!(t[*pos], ")");
                *pos += 1;
                if token == "ROUND" {
                    round_half_up(a, b)
                } else {
                    a.max(b)
                }
            }
            "SUM" => {
                assert_eq!(t[*pos], "(");
                let (from, to) = (cell_ref(&t[*pos + 1]), cell_ref(&t[*pos + 3]));
                assert_eq!(t[*pos + 2], ":");
                assert_eq!(t[*pos + 4], ")");
                *pos += 5;
                let mut sum = Decimal::ZERO;
                for row in from.0..=to.0 {
                    for col in from.1..=to.1 {
                        sum += self.cell((row, col));
                    }
                }
                sum
            }
            number if number.starts_with(|c: char| c.is_ascii_digit()) => {
                Decimal::from_str(number).unwrap()
            }
            reference => self.cell(cell_ref(reference)),
        }
    }
}

fn tokenize(formula: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = formula.trim_start_matches('=').chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphanumeric() || c == '.' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '$')
            {
                i += 1;
            }
            tokens.push(chars[start..i].iter().filter(|&&c| c != '$').collect());
        } else {
            assert!("+-*/(),:".contains(c), "unexpected {c:?} in {formula}");
            tokens.push(c.to_string());
            i += 1;
        }
    }
    tokens
}

fn check_every_formula(bytes: &[u8], sheet_name: &str) -> usize {
    let sheet = open(bytes, sheet_name);
    let mut evaluator = Evaluator::new(&sheet);
    let cells = sheet.formula_cells();
    assert!(!cells.is_empty());
    for (row, col, formula) in &cells {
        let cached = sheet.number(*row, *col).unwrap_or_else(|| {
            panic!(
                "{sheet_name} row {} col {col}: formula {formula} has no cached value",
                row + 1
            )
        });
        let computed = evaluator.cell((*row, *col));
        assert_eq!(
            computed.normalize(),
            cached.normalize(),
            "{sheet_name} row {} col {col}: {formula}",
            row + 1
        );
    }
    cells.len()
}

// ----- tests ---------------------------------------------------------------------------------

#[test]
fn every_formula_recomputes_to_its_cached_value() {
    let first = xlsx::render_first_bill(&render::first_bill_request(120)).unwrap();
    let nth = xlsx::render_nth_bill(&render::nth_bill_request(300)).unwrap();
    let slip = xlsx::render_workslip(&render::workslip_request(40, 3)).unwrap();
    let estimate = xlsx::render_estimate_abstract(&render::estimate_request(60)).unwrap();
    assert!(check_every_formula(&first, "Bill") > 120);
    assert!(check_every_formula(&nth, "Bill") > 4 * 300);
    assert!(check_every_formula(&slip, "Workslip") > 40 * 5);
    assert!(check_every_formula(&estimate, "Estimate") > 60);
}

#[test]
fn same_inputs_give_the_same_bytes_and_the_hash_is_recorded() {
    let first = render::first_bill_request(30);
    let a = xlsx::render_first_bill(&first).unwrap();
    let n = xlsx::render_nth_bill(&render::nth_bill_request(30)).unwrap();
    let s = xlsx::render_workslip(&render::workslip_request(10, 2)).unwrap();
    let e = xlsx::render_estimate_abstract(&render::estimate_request(10)).unwrap();
    assert_eq!(a, xlsx::render_first_bill(&first).unwrap());
    assert_eq!(
        n,
        xlsx::render_nth_bill(&render::nth_bill_request(30)).unwrap()
    );
    assert_eq!(
        s,
        xlsx::render_workslip(&render::workslip_request(10, 2)).unwrap()
    );
    assert_eq!(
        e,
        xlsx::render_estimate_abstract(&render::estimate_request(10)).unwrap()
    );

    let core = part(&a, "docProps/core.xml");
    let tag = format!("sitebook-inputs-sha256:{}", first.header.inputs_sha256);
    assert!(
        core.contains(&format!("<cp:keywords>{tag}</cp:keywords>")),
        "{core}"
    );
    assert!(core.contains(&format!("<dc:description>{tag}</dc:description>")));
    assert!(
        core.contains(">2024-03-20T00:00:00Z</dcterms:created>"),
        "{core}"
    );
}

// Alike in shape to the same test in render_pdf.rs: each checks its own renderer.
#[test]
fn different_inputs_record_a_different_hash() {
    let items = render::items(8);
    let mut input = FirstBillInput {
        quantities: render::till_date(&items, 1),
        items,
        tender_premium: None,
        is_final: false,
    };
    let render = |input: &FirstBillInput| {
        let request = DocumentRequest::first_bill(
            first_bill(input).unwrap(),
            Vec::new(),
            render::hash_of(input),
        );
        let bytes = xlsx::render_first_bill(&request).unwrap();
        (part(&bytes, "docProps/core.xml"), bytes)
    };
    let (core_a, a) = render(&input);
    input.quantities[0].quantity += dec!(1);
    let (core_b, b) = render(&input);
    assert_ne!(a, b);
    assert_ne!(core_a, core_b);
}

#[test]
fn first_bill_reads_back_exactly() {
    let request = render::first_bill_request(120);
    let bill = &request.content;
    let bytes = xlsx::render_first_bill(&request).unwrap();
    let sheet = open(&bytes, "Bill");
    assert_eq!(sheet.text(0, 0), "CC First & Part Bill");
    let header = sheet.row_of("S.No");
    let headings: Vec<String> = (0..8).map(|c| sheet.text(header, c)).collect();
    assert_eq!(
        headings,
        ["S.No", "Quantity", "Unit", "Item", "Rate", "Per", "Unit", "Amount"]
    );

    for (i, line) in bill.rows.iter().enumerate() {
        let r = header + 1 + i as u32;
        assert_eq!(sheet.text(r, 0), line.serial);
        assert_eq!(sheet.number(r, 1), Some(line.quantity.normalize()));
        assert_eq!(sheet.text(r, 3), line.description);
        assert_eq!(sheet.number(r, 4), Some(line.rate.normalize()));
        assert_eq!(
            sheet.number(r, 7).map(|d| d.normalize()),
            Some(line.amount.normalize())
        );
        // Every row, AE rows included, re-multiplies its own quantity and rate.
        let formula = sheet.formula(r, 7);
        assert_eq!(formula, format!("ROUND(B{}*E{},2)", r + 1, r + 1));
    }
    let first_total = header + 1 + bill.rows.len() as u32;
    for (i, line) in bill.totals.iter().enumerate() {
        let r = first_total + i as u32;
        assert_eq!(sheet.text(r, 3), line.label);
        assert_eq!(
            sheet.number(r, 7).map(|d| d.normalize()),
            Some(line.amount.normalize())
        );
        assert!(
            !sheet.formula(r, 7).is_empty(),
            "{} has no formula",
            line.label
        );
    }
    let (sub, tp) = (first_total + 1, first_total + 2);
    assert_eq!(
        sheet.formula(first_total + 1, 7),
        format!("ROUND((H{sub})*4.5/100,2)")
    );
    assert_eq!(sheet.formula(first_total + 2, 7), format!("H{sub}-H{tp}"));
    // The worked example's shape: a Less premium is deducted.
    assert_eq!(
        bill.total,
        bill.sub_total - bill.tender_premium.as_ref().unwrap().amount
    );
}

#[test]
fn nth_bill_has_formulas_and_values_in_every_figure_column() {
    let request = render::nth_bill_request(2000);
    let bill = &request.content;
    let bytes = xlsx::render_nth_bill(&request).unwrap();
    let sheet = open(&bytes, "Bill");
    let header = sheet.row_of("S.No");
    // Two heading rows: the groups above, Qty / Amount below.
    assert_eq!(sheet.text(header, 6), "Deduct Previous Measurements");
    assert_eq!(sheet.text(header + 1, 6), "Qty");
    let first = header + 2;
    for (i, line) in bill.rows.iter().enumerate().step_by(37) {
        let r = first + i as u32;
        let n = r + 1;
        assert_eq!(
            sheet.number(r, 2),
            Some(line.till_date.quantity.normalize())
        );
        assert_eq!(sheet.number(r, 6), Some(line.previous.quantity.normalize()));
        assert_eq!(
            sheet.number(r, 8),
            Some(line.since_last.quantity.normalize())
        );
        assert_eq!(sheet.number(r, 9), Some(line.since_last.amount.normalize()));
        assert_eq!(sheet.formula(r, 8), format!("C{n}-G{n}"));
        assert_eq!(sheet.formula(r, 9), format!("F{n}-H{n}"));
    }
    let total_row = sheet.label_row(1, "Total").unwrap();
    assert_eq!(
        sheet.number(total_row, 9),
        Some(bill.amount_payable.normalize())
    );
    assert_eq!(
        sheet.number(total_row, 5),
        Some(bill.total.till_date.normalize())
    );
    assert!(!sheet.formula(total_row, 9).is_empty());
}

#[test]
fn work_slip_balances_to_the_sanctioned_total_in_every_column() {
    let request = render::workslip_request(25, 3);
    let slip = &request.content;
    let bytes = xlsx::render_workslip(&request).unwrap();
    let sheet = open(&bytes, "Workslip");
    let grand = sheet.label_row(1, "Grand Total").unwrap();
    let amount_columns = [5u32, 7, 9, 11];
    for col in amount_columns {
        assert_eq!(sheet.number(grand, col), Some(slip.grand_total.normalize()));
    }
    let lc = sheet.label_row(1, "Add LC @ 1%").unwrap();
    let st1 = sheet.label_row(1, "Sub Total 1").unwrap();
    assert_eq!(
        sheet.formula(lc, 11),
        format!("ROUND(L{}*1/100,2)", st1 + 1)
    );
    let line = slip.footer_line(FooterRole::LsProvision).unwrap();
    let ls = sheet.label_row(1, &line.label).unwrap();
    assert_eq!(sheet.number(ls, 11), Some(line.phases[2].normalize()));
    assert!(sheet.label_row(1, "Supplemental Items-2").is_some());
    let xml = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(xml.contains(r#"orientation="landscape""#));
}

#[test]
fn print_setup_is_a4_fit_to_width_with_titles_and_page_numbers() {
    let bytes = xlsx::render_nth_bill(&render::nth_bill_request(50)).unwrap();
    let sheet_xml = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet_xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#),
        "{sheet_xml:.600}"
    );
    assert!(sheet_xml.contains(r#"paperSize="9""#));
    assert!(sheet_xml.contains(r#"fitToHeight="0""#));
    assert!(sheet_xml.contains("Page &amp;P of &amp;N"));
    // The title's ampersand is escaped for the footer's code syntax.
    assert!(sheet_xml.contains("CC Second &amp;&amp; Part Bill"));
    let workbook_xml = part(&bytes, "xl/workbook.xml");
    let sheet = open(&bytes, "Bill");
    let header = sheet.row_of("S.No") + 1;
    assert!(
        workbook_xml.contains(&format!(
            r#"<definedName name="_xlnm.Print_Titles" localSheetId="0">Bill!${}:${}</definedName>"#,
            header,
            header + 1
        )),
        "{workbook_xml}"
    );
    let styles = part(&bytes, "xl/styles.xml");
    assert!(
        styles.contains(r"[&gt;=10000000]##\,##\,##\,##0.00;[&gt;=100000]##\,##\,##0.00;##,##0.00")
    );
}

#[test]
fn estimate_abstract_follows_the_estimate_layout() {
    let request = render::estimate_request(12);
    let footer = &request.content.footer;
    let bytes = xlsx::render_estimate_abstract(&request).unwrap();
    let sheet = open(&bytes, "Estimate");
    assert_eq!(sheet.text(0, 0), "ESTIMATE");
    assert!(sheet
        .text(1, 0)
        .starts_with("Name of the work : Improvements"));
    let header = sheet.row_of("Sl.No");
    assert_eq!(
        // The expected header spelled out, not taken from tests/workbooks: the check must not share
        // its source.
        (0..8).map(|c| sheet.text(header, c)).collect::<Vec<_>>(),
        [
            "Sl.No",
            "Quantity",
            "",
            "Item Description",
            "Rate",
            "Per",
            "",
            "Amount"
        ]
    );
    let first_footer = header + 1 + 12;
    for (i, line) in footer.lines.iter().enumerate() {
        let r = first_footer + i as u32;
        assert_eq!(sheet.text(r, 3), line.label);
        assert_eq!(sheet.number(r, 7), Some(line.amount.normalize()));
    }
    let ecv = first_footer + 1;
    assert_eq!(
        sheet.formula(first_footer + 1, 7),
        format!("ROUND(H{ecv}*5/100,2)")
    );
    let merges = part(&bytes, "xl/worksheets/sheet1.xml");
    let h = header + 1;
    assert!(merges.contains(&format!(r#"<mergeCell ref="B{h}:C{h}"/>"#)));
    assert!(merges.contains(&format!(r#"<mergeCell ref="F{h}:G{h}"/>"#)));
}

#[test]
fn an_estimate_abstract_at_its_workbooks_own_rates_writes_them_into_its_formulas() {
    use sitebook_core::domain::estimate::{EstimateFooterInput, FooterRates};
    let usual = render::estimate_request(12);
    let footer_input = EstimateFooterInput {
        rates: FooterRates {
            labour_cess: dec!(1.5),
            quality_control: dec!(2),
            nac: dec!(0.2),
            gst: dec!(12),
        },
        ..usual.content.footer_input.clone()
    };
    let estimate =
        sitebook_core::render::EstimateAbstract::new(usual.content.items.clone(), footer_input)
            .unwrap();
    let ecv = estimate.footer.ecv;
    let request = DocumentRequest::estimate_abstract(estimate, Vec::new(), "0".repeat(64));
    let bytes = xlsx::render_estimate_abstract(&request).unwrap();
    let sheet = open(&bytes, "Estimate");
    let ecv_row = sheet.label_row(3, "ECV").unwrap();
    let ecv_cell = format!("H{}", ecv_row + 1);
    // LC 1.5 % of ECV, worked here: ROUND2(ECV × 0.015).
    let lc_row = sheet.label_row(3, "Add LC @ 1.5 %").unwrap();
    assert_eq!(
        sheet.formula(lc_row, 7),
        format!("ROUND({ecv_cell}*1.5/100,2)")
    );
    assert_eq!(
        sheet.number(lc_row, 7),
        Some(
            (ecv * dec!(0.015))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
                .normalize()
        )
    );
    for (label, percent) in [("Add QC @ 2 %", "2"), ("Add NAC @ 0.2 %", "0.2")] {
        let row = sheet.label_row(3, label).unwrap();
        assert_eq!(
            sheet.formula(row, 7),
            format!("ROUND({ecv_cell}*{percent}/100,2)")
        );
    }
    let sub_total = format!("H{}", sheet.label_row(3, "Sub Total").unwrap() + 1);
    assert_eq!(
        sheet.formula(sheet.label_row(3, "Add GST @ 12 %").unwrap(), 7),
        format!("ROUND({sub_total}*12/100,2)")
    );
}
