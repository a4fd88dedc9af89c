//! A realistic chain, end to end, pinned figure by figure (DOMAIN.md §2, §2a, §3): a 30-item
//! estimate with sub-heads, two work slips (one supplemental item, one item deleted), three
//! bills (the last final) under the four example deduction lines with a security deposit
//! whose cap is reached in bill 3, and a one-off recovery.
//!
//! Every expected figure is worked out here from DOMAIN.md's rules, with its own ROUND2 and its
//! own AE split, and compared with what the documents print (PDF text) and store (the XLSX's
//! cached values): the memorandum of payments, the running-account bill form, the final bill
//! form and each work slip's deviation statement.

mod common;
mod workbooks;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use common::{fixture, indian, pdf_text, quantities, round2, Fixture};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sitebook_core::documents::input_csv::SupplementalLine;
use sitebook_core::documents::WorkChanges;
use sitebook_core::domain::bill::{BillKind, ItemQuantity};
use sitebook_core::domain::payments::{Cap, OneOffRecovery};
use workbooks::{num, priced_item, text};

fn percent(base: Decimal, p: Decimal) -> Decimal {
    round2(base * p / dec!(100))
}

const ITEMS: u32 = 30;
const TP: Decimal = dec!(4.5);
const GRAND_TOTAL: Decimal = dec!(380000);
const S1_RATE: Decimal = dec!(450.50);

/// The estimate's items: serial, quantity, rate.
fn estimate_items() -> Vec<(String, Decimal, Decimal)> {
    (1..=ITEMS)
        .map(|i| {
            let quantity = Decimal::from(i * 7 % 23 + 3) + Decimal::from(i % 4) * dec!(0.25);
            let rate = dec!(85.35) + dec!(41.6) * Decimal::from(i);
            (i.to_string(), quantity, rate)
        })
        .collect()
}

/// A 30-item estimate with two sub-heads and its footer.
fn chain_workbook() -> Vec<u8> {
    let mut workbook = workbooks::estimate_workbook("Cement concrete road, ward 12, Nalgonda");
    let sheet = workbook.worksheet_from_name("Estimate").unwrap();
    // The unit sits next to its figure, under the same heading, as in department sheets.
    workbooks::merge(sheet, 2, 1, 2, 2, "Quantity");
    workbooks::merge(sheet, 2, 5, 2, 6, "Per");
    let mut row = 3;
    for (serial, quantity, rate) in estimate_items() {
        match serial.as_str() {
            "1" => {
                text(sheet, row, 3, "SUB HEAD I: Earth work");
                row += 1;
            }
            "16" => {
                text(sheet, row, 3, "SUB HEAD II: Concrete works");
                row += 1;
            }
            _ => {}
        }
        let description =
            format!("Item {serial}: cement concrete work in layers, including curing");
        let cells = (
            serial.parse().unwrap(),
            quantity.try_into().unwrap(),
            "Cum",
            description.as_str(),
            rate.try_into().unwrap(),
            "Cum",
        );
        priced_item(sheet, row, cells, &round2(quantity * rate).to_string());
        row += 1;
    }
    let ecv: Decimal = estimate_items().iter().map(|(_, q, r)| round2(q * r)).sum();
    // The sanctioned footer (DOMAIN.md §1): LC, QC and NAC on the ECV, GST on the sub total,
    // and the L.S. provision balancing to the Grand Total.
    let (lc, qc, nac) = (
        percent(ecv, dec!(1)),
        percent(ecv, dec!(1)),
        percent(ecv, dec!(0.1)),
    );
    let sub_total = ecv + lc + qc + nac;
    let gst = percent(sub_total, dec!(18));
    let footer = [
        ("ECV", ecv),
        ("Add LC @ 1 %", lc),
        ("Add QC @ 1 %", qc),
        ("Add NAC @ 0.1 %", nac),
        ("Sub Total", sub_total),
        ("Add GST @ 18 %", gst),
        (
            "L.S Provision towards unforeseen items",
            GRAND_TOTAL - gst - sub_total,
        ),
        ("Grand Total", GRAND_TOTAL),
    ];
    for (offset, (label, amount)) in (0..).zip(footer) {
        text(sheet, row + offset, 3, label);
        num(sheet, row + offset, 7, amount.try_into().unwrap());
    }
    workbook.save_to_buffer().unwrap()
}

/// The printed amount of `quantity` of an item capped at `cap`: its row and its AE row.
fn capped_amount(quantity: Decimal, cap: Decimal, rate: Decimal) -> Decimal {
    let within = quantity.min(cap);
    round2(within * rate) + round2((quantity - within) * rate)
}

/// One line of `text` containing every one of `parts`.
fn line_with<'t>(text: &'t str, parts: &[&str]) -> &'t str {
    text.lines()
        .find(|line| parts.iter().all(|part| line.contains(part)))
        .unwrap_or_else(|| panic!("no line with {parts:?} in:\n{text}"))
}

/// A sheet of a workbook, as read back by calamine (cached values).
struct Sheet(calamine::Range<Data>);

impl Sheet {
    fn open(path: &Path, name: &str) -> Self {
        let bytes = std::fs::read(path).unwrap();
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        Sheet(
            workbook
                .worksheet_range(name)
                .unwrap_or_else(|e| panic!("no sheet {name} in {}: {e}", path.display())),
        )
    }

    fn text(&self, row: usize, col: usize) -> String {
        match self.0.get((row, col)) {
            Some(Data::String(s)) => s.clone(),
            Some(Data::Float(f)) => f.to_string(),
            Some(Data::Int(i)) => i.to_string(),
            _ => String::new(),
        }
    }

    fn number(&self, row: usize, col: usize) -> Decimal {
        match self.0.get((row, col)) {
            Some(Data::Float(f)) => round2(Decimal::try_from(*f).unwrap()),
            Some(Data::Int(i)) => Decimal::from(*i),
            other => panic!("no number at ({row}, {col}): {other:?}"),
        }
    }

    /// The row whose column `col` starts with `label`.
    fn row_of(&self, col: usize, label: &str) -> usize {
        (0..self.0.height())
            .find(|&row| self.text(row, col).starts_with(label))
            .unwrap_or_else(|| panic!("no row starting {label:?} in column {col}"))
    }

    /// A form line's amount (column D), found by its particulars (column B).
    fn form_amount(&self, particulars: &str) -> Decimal {
        self.number(self.row_of(1, particulars), 3)
    }

    /// A form line's amount, found by its number (column A) in the statement titled `title`.
    fn numbered_amount(&self, title: &str, number: &str) -> Decimal {
        let start = self.row_of(0, title);
        let row = (start..self.0.height())
            .find(|&row| self.text(row, 0) == number)
            .unwrap_or_else(|| panic!("no line {number} under {title}"));
        self.number(row, 3)
    }
}

/// What one bill pays, worked out here.
#[derive(Debug, Clone, Copy, Default)]
struct Pay {
    total: Decimal,
    gross: Decimal,
    sd: Decimal,
    it: Decimal,
    gst: Decimal,
    lc: Decimal,
    recovery: Decimal,
    net: Decimal,
}

/// The till-date Total of a bill: every item at its cap, T.P 4.5 % Less on the sub total.
fn bill_totals(
    quantities: &BTreeMap<String, Decimal>,
    caps: &BTreeMap<String, Decimal>,
    rates: &BTreeMap<String, Decimal>,
) -> (Decimal, Decimal, Decimal) {
    let sub: Decimal = quantities
        .iter()
        .map(|(serial, quantity)| capped_amount(*quantity, caps[serial], rates[serial]))
        .sum();
    let tp = percent(sub, TP);
    (sub, tp, sub - tp)
}

// Named fields like `Pay` above, on purpose: each figure is asserted by its name.
/// A working estimate's deviation figures and its L.S. provision (DOMAIN.md §3 footer).
struct Deviation {
    sanctioned: Decimal,
    working: Decimal,
    excess: Decimal,
    saving: Decimal,
    ls: Decimal,
}

// Takes its maps one by one like `bill_totals`: each is a different table of the chain.
fn deviation_of(
    working: &BTreeMap<String, Decimal>,
    estimate: &BTreeMap<String, Decimal>,
    rates: &BTreeMap<String, Decimal>,
    ecv: Decimal,
) -> Deviation {
    let (mut sanctioned, mut worked, mut excess, mut saving) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for (serial, quantity) in working {
        let rate = rates[serial];
        let (agreed, done) = match estimate.get(serial) {
            Some(estimate_qty) => (
                round2(estimate_qty * rate),
                capped_amount(*quantity, *estimate_qty, rate),
            ),
            None => (Decimal::ZERO, round2(quantity * rate)),
        };
        sanctioned += agreed;
        worked += done;
        excess += (done - agreed).max(Decimal::ZERO);
        saving += (agreed - done).max(Decimal::ZERO);
    }
    let tp = -percent(worked, TP);
    let sub1 = worked + tp;
    let sub2 = sub1 + percent(sub1, dec!(1)) + percent(sub1, dec!(1)) + percent(sub1, dec!(0.1));
    let gst = percent(sub2, dec!(18));
    let unused = percent(ecv, TP);
    Deviation {
        sanctioned,
        working: worked,
        excess,
        saving,
        ls: GRAND_TOTAL - unused - gst - sub2,
    }
}

fn deviation_files(files: &[PathBuf]) -> (PathBuf, PathBuf) {
    let pick = |ext: &str| {
        files
            .iter()
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.contains("-deviation") && name.ends_with(ext)
            })
            .unwrap_or_else(|| panic!("no deviation {ext} in {files:?}"))
            .clone()
    };
    (pick(".pdf"), pick(".xlsx"))
}

#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn a_thirty_item_chain_is_paid_to_the_paisa_in_every_form() {
    let fx: Fixture = fixture().await;
    let estimate = fx.parsed_estimate(chain_workbook()).await;
    let contract = GRAND_TOTAL;
    fx.edit_work(
        estimate,
        WorkChanges {
            tp_percent: Some(TP.to_string()),
            tp_type: Some("less".into()),
            estimate_amount: Some(contract.to_string()),
            grand_total: Some(GRAND_TOTAL.to_string()),
            mb_measurements: Some("417:12-30".into()),
            mb_abstract: Some("418:3-5".into()),
            ..WorkChanges::default()
        },
    )
    .await;

    let items = estimate_items();
    let mut rates: BTreeMap<String, Decimal> =
        items.iter().map(|(s, _, r)| (s.clone(), *r)).collect();
    rates.insert("S1".into(), S1_RATE);
    let estimate_qty: BTreeMap<String, Decimal> =
        items.iter().map(|(s, q, _)| (s.clone(), *q)).collect();
    let ecv: Decimal = items.iter().map(|(_, q, r)| round2(q * r)).sum();

    // ----- Work slip 1: item 7 deleted, item 3 up to 30, item 12 down to 4, S1 12 Cum. -----
    let mut ws1 = estimate_qty.clone();
    ws1.insert("7".into(), Decimal::ZERO);
    ws1.insert("3".into(), dec!(30));
    ws1.insert("12".into(), dec!(4));
    ws1.insert("S1".into(), dec!(12));
    let slip1 = fx
        .queue_workslip(
            estimate,
            quantities(&[("7", dec!(0)), ("3", dec!(30)), ("12", dec!(4))]),
            vec![SupplementalLine {
                sl_no: "S1".into(),
                description: "Extra side drain, proposed as per site condition".into(),
                unit: "Cum".into(),
                rate: S1_RATE,
                executed: dec!(12),
                origin: None,
            }],
        )
        .await;
    let expected1 = deviation_of(&ws1, &estimate_qty, &rates, ecv);
    assert!(
        expected1.ls > Decimal::ZERO,
        "work slip 1 stays in sanction"
    );
    assert!(slip1.warnings.is_empty(), "{:?}", slip1.warnings);
    let files = fx.rendered_all(slip1.job_id).await;
    assert_eq!(
        files.len(),
        4,
        "work slip, and its deviation statement: {files:?}"
    );
    let (dev_pdf, dev_xlsx) = deviation_files(&files);
    let sheet = Sheet::open(&dev_xlsx, "Deviation");
    for (serial, working) in &ws1 {
        let row = sheet.row_of(0, serial);
        let rate = rates[serial];
        // An item worked beyond its sanctioned quantity is stated as its row up to that
        // quantity, then an AE row of the rest with nothing sanctioned: each line is its
        // quantity times the rate.
        let (agreed, within, beyond) = match estimate_qty.get(serial) {
            Some(q) => (
                round2(q * rate),
                (*working).min(*q),
                (working - q).max(Decimal::ZERO),
            ),
            None => (Decimal::ZERO, *working, Decimal::ZERO),
        };
        let done = round2(within * rate);
        assert_eq!(sheet.number(row, 5), agreed, "item {serial} sanctioned");
        assert_eq!(sheet.number(row, 6), within, "item {serial} working qty");
        assert_eq!(sheet.number(row, 7), done, "item {serial} working amount");
        assert_eq!(
            sheet.number(row, 8),
            (done - agreed).max(Decimal::ZERO),
            "item {serial} excess"
        );
        assert_eq!(
            sheet.number(row, 9),
            (agreed - done).max(Decimal::ZERO),
            "item {serial} saving"
        );
        if beyond > Decimal::ZERO {
            let ae = row + 1;
            assert!(
                sheet.text(ae, 1).starts_with("AE"),
                "item {serial}'s AE row"
            );
            assert_eq!(sheet.text(ae, 5), "0", "item {serial} AE sanctioned");
            assert_eq!(sheet.number(ae, 6), beyond, "item {serial} AE qty");
            let beyond_amount = round2(beyond * rate);
            assert_eq!(
                sheet.number(ae, 7),
                beyond_amount,
                "item {serial} AE amount"
            );
            assert_eq!(
                sheet.number(ae, 8),
                beyond_amount,
                "item {serial} AE excess"
            );
        }
    }
    assert_eq!(sheet.text(sheet.row_of(0, "7"), 10), "Deleted");
    let total_row = sheet.row_of(1, "Total");
    assert_eq!(sheet.number(total_row, 5), expected1.sanctioned);
    assert_eq!(sheet.number(total_row, 7), expected1.working);
    assert_eq!(sheet.number(total_row, 8), expected1.excess);
    assert_eq!(sheet.number(total_row, 9), expected1.saving);
    assert_eq!(
        sheet.number(sheet.row_of(1, "Net deviation"), 8),
        expected1.excess - expected1.saving
    );
    let text = pdf_text(&dev_pdf);
    assert!(
        text.contains("DEVIATION STATEMENT - WORKING ESTIMATE"),
        "{text}"
    );
    assert!(
        line_with(&text, &["L.S. provision"]).contains(&indian(expected1.ls)),
        "{text}"
    );
    assert!(text.contains("within the sanctioned Grand Total"), "{text}");
    assert!(!text.contains("REVISED SANCTION"), "{text}");

    // ----- Bill 1 (first part), capped by work slip 1: half of each working quantity. -----
    let half = |q: Decimal| (q / dec!(2)).round_dp(3);
    let bill1_qty: BTreeMap<String, Decimal> =
        ws1.iter().map(|(s, q)| (s.clone(), half(*q))).collect();
    let (_, _, total1) = bill_totals(&bill1_qty, &ws1, &rates);

    // The SD cap is set so that bill 3 reaches it: worked out below from the grosses.
    // Bills 2 and 3 first need their totals.
    let mut ws2 = ws1.clone();
    ws2.insert("3".into(), dec!(34));
    ws2.insert("S1".into(), dec!(40));
    let bill2_qty: BTreeMap<String, Decimal> = ws2
        .iter()
        .map(|(s, q)| (s.clone(), (q * dec!(0.8)).round_dp(3)))
        .collect();
    let (_, _, total2) = bill_totals(&bill2_qty, &ws2, &rates);
    let mut bill3_qty = ws2.clone();
    bill3_qty.insert("3".into(), dec!(36)); // 2 beyond the working estimate: AE
    bill3_qty.insert("20".into(), ws2["20"] - dec!(0.5)); // executed short
    let (sub3, tp3, total3) = bill_totals(&bill3_qty, &ws2, &rates);

    let gross = [total1, total2 - total1, total3 - total2];
    let sd_uncapped: Vec<Decimal> = gross.iter().map(|g| percent(*g, dec!(5))).collect();
    let cap = sd_uncapped[0] + sd_uncapped[1] + round2(sd_uncapped[2] / dec!(2));
    let mut sd_line = fx.core.deductions_list(&fx.root).await.unwrap().lines[0].clone();
    assert_eq!(sd_line.code, "SD");
    sd_line.cap = Some(Cap::Amount(cap));
    fx.core.deductions_save(&fx.root, sd_line).await.unwrap();

    // The contract value GST-TDS is due on is the agreement's: the ECV let at 4.5 % Less.
    let ecv: Decimal = estimate_items().iter().map(|(_, q, r)| round2(q * r)).sum();
    let agreement = ecv - percent(ecv, TP);
    assert!(agreement > dec!(250000), "{agreement}");
    let recoveries = [Decimal::ZERO, dec!(2500), Decimal::ZERO];
    let mut pays = Vec::new();
    let mut held = Decimal::ZERO;
    for (k, g) in gross.iter().enumerate() {
        let sd = percent(*g, dec!(5)).min(cap - held);
        held += sd;
        // GST-TDS applies: the agreement exceeds 2,50,000. No labour cess: the
        // estimate's footer has `Add LC @ 1 %`, so the cess was collected there (§2a).
        let (it, gst, lc) = (percent(*g, dec!(2)), percent(*g, dec!(2)), Decimal::ZERO);
        pays.push(Pay {
            total: [total1, total2, total3][k],
            gross: *g,
            sd,
            it,
            gst,
            lc,
            recovery: recoveries[k],
            net: g - sd - it - gst - lc - recoveries[k],
        });
    }
    assert!(pays[2].sd < sd_uncapped[2], "the cap is reached in bill 3");
    assert_eq!(pays.iter().map(|p| p.sd).sum::<Decimal>(), cap);

    let first = fx
        .queue_bill(
            estimate,
            BillKind::FirstPart,
            Some(
                bill1_qty
                    .iter()
                    .map(|(s, q)| ItemQuantity::new(s.clone(), *q))
                    .collect(),
            ),
        )
        .await;
    let (pdf1, xlsx1) = fx.rendered(first.job_id).await;

    // ----- Work slip 2: item 3 up again to 34, S1 to 40 Cum: over the sanction. -----
    let slip2 = fx
        .queue_workslip(
            estimate,
            quantities(&[("3", dec!(34)), ("S1", dec!(40))]),
            Vec::new(),
        )
        .await;
    let expected2 = deviation_of(&ws2, &estimate_qty, &rates, ecv);
    assert!(
        expected2.ls < Decimal::ZERO,
        "the case needs a revised sanction"
    );
    let over = indian(-expected2.ls);
    assert!(
        slip2
            .warnings
            .iter()
            .any(|w| w.contains("revised administrative sanction") && w.contains(&over)),
        "{:?}",
        slip2.warnings
    );
    let files = fx.rendered_all(slip2.job_id).await;
    let (dev_pdf, dev_xlsx) = deviation_files(&files);
    let sheet = Sheet::open(&dev_xlsx, "Deviation");
    let total_row = sheet.row_of(1, "Total");
    assert_eq!(sheet.number(total_row, 5), expected2.sanctioned);
    assert_eq!(sheet.number(total_row, 7), expected2.working);
    assert_eq!(sheet.number(total_row, 8), expected2.excess);
    assert_eq!(sheet.number(total_row, 9), expected2.saving);
    assert_eq!(sheet.text(sheet.row_of(0, "S1"), 10), "Supplemental item");
    let text = pdf_text(&dev_pdf);
    let flag = line_with(&text, &["REVISED SANCTION NEEDED"]);
    assert!(flag.contains(&over), "{flag}");
    // The working estimate itself says so too, under its Grand Total: read alone, with its
    // L.S. provision negative, it had looked balanced at the sanctioned total.
    let (slip_pdf, slip_xlsx) = {
        let pick = |ext: &str| {
            files
                .iter()
                .find(|p| {
                    let name = p.file_name().unwrap().to_string_lossy();
                    !name.contains("-deviation") && name.ends_with(ext)
                })
                .unwrap_or_else(|| panic!("no working estimate {ext} in {files:?}"))
                .clone()
        };
        (pick(".pdf"), pick(".xlsx"))
    };
    let slip_text = pdf_text(&slip_pdf);
    let flag = line_with(&slip_text, &["REVISED SANCTION NEEDED"]);
    assert!(flag.contains(&over), "{flag}");
    let sheet = Sheet::open(&slip_xlsx, "Workslip");
    let row = sheet.row_of(0, "REVISED SANCTION NEEDED");
    assert!(sheet.text(row, 0).contains(&over), "{}", sheet.text(row, 0));
    let job = fx.core.job_show(&fx.root, slip2.job_id).await.unwrap();
    assert!(
        job.error_log
            .iter()
            .any(|entry| entry.error.contains("revised administrative sanction")),
        "the job carries the warning: {:?}",
        job.error_log
    );

    // ----- Bill 2 (part), capped by work slip 2, with a recovery of materials. -----
    let second = fx
        .core
        .bill_create_with(
            &fx.root,
            estimate,
            BillKind::NthPart,
            Some(
                bill2_qty
                    .iter()
                    .map(|(s, q)| ItemQuantity::new(s.clone(), *q))
                    .collect(),
            ),
            vec![OneOffRecovery {
                label: "Cement issued from stores".into(),
                amount: dec!(2500),
            }],
        )
        .await
        .unwrap();
    let (pdf2, xlsx2) = fx.rendered(second.job_id).await;

    // ----- Bill 3 (final). -----
    let third = fx
        .queue_bill(
            estimate,
            BillKind::NthFinal,
            Some(
                bill3_qty
                    .iter()
                    .map(|(s, q)| ItemQuantity::new(s.clone(), *q))
                    .collect(),
            ),
        )
        .await;
    let (pdf3, xlsx3) = fx.rendered(third.job_id).await;

    // ----- Memorandum and running-account form of bills 1 and 2. -----
    for (k, (pdf, xlsx)) in [(&pdf1, &xlsx1), (&pdf2, &xlsx2)].into_iter().enumerate() {
        let pay = pays[k];
        let bill = format!("bill {}", k + 1);
        let text = pdf_text(pdf);
        let memo = |label: &str| line_with(&text, &[label]).to_owned();
        assert!(
            memo("Gross amount of this bill").contains(&indian(pay.gross)),
            "{bill}"
        );
        assert!(memo("Security deposit").contains(&indian(pay.sd)), "{bill}");
        assert!(memo("Income tax TDS").contains(&indian(pay.it)), "{bill}");
        assert!(memo("GST TDS").contains(&indian(pay.gst)), "{bill}");
        assert!(
            memo("Labour cess").contains("nil: collected in the estimate")
                && memo("Labour cess").trim_end().ends_with(&indian(pay.lc)),
            "{bill}"
        );
        assert!(
            memo("Net amount payable by cheque").contains(&indian(pay.net)),
            "{bill}: {text}"
        );
        assert!(text.contains("RUNNING ACCOUNT BILL"), "{bill}: {text}");
        assert!(text.contains("MB.No. 417 P.No. 12 to 30"), "{bill}: {text}");

        let held_before: Decimal = pays[..k].iter().map(|p| p.sd).sum();
        let paid_before = if k == 0 {
            Decimal::ZERO
        } else {
            pays[k - 1].total - held_before
        };
        let withheld = held_before + pay.sd;
        let form = Sheet::open(xlsx, "RA Bill Form");
        let expect = [
            ("1", pay.total),
            ("2", Decimal::ZERO),
            ("3", Decimal::ZERO),
            ("4", withheld),
            ("5", pay.total - withheld),
            ("6", paid_before),
            ("7", pay.gross - pay.sd),
            ("8(a)", pay.it + pay.gst + pay.lc + pay.recovery),
            ("8(b)", Decimal::ZERO),
            ("8(c)", pay.net),
        ];
        for (number, figure) in expect {
            assert_eq!(
                form.numbered_amount("ACCOUNT OF PAYMENT", number),
                figure,
                "{bill}, RA form line {number}"
            );
        }
        assert!(
            line_with(&text, &["Payment now due"]).contains(&indian(pay.gross - pay.sd)),
            "{bill}"
        );
        assert!(
            line_with(&text, &["Amount withheld @ 5 %"]).contains(&indian(withheld)),
            "{bill}"
        );
    }
    let text2 = pdf_text(&pdf2);
    assert!(line_with(&text2, &["Cement issued from stores"]).contains("2,500.00"));

    // ----- The final bill: memorandum, account of work, memorandum of payment. -----
    let pay = pays[2];
    let text = pdf_text(&pdf3);
    let sd_text = line_with(&text, &["Security deposit"]);
    assert!(
        sd_text.contains(&indian(pay.sd)) && sd_text.contains("limited to"),
        "{sd_text}"
    );
    assert!(line_with(&text, &["Net amount payable by cheque"]).contains(&indian(pay.net)));
    // Every bill held 5 %, until the cap stopped the last: the form says both, since 5 % of
    // the value up to date alone would be more than is held.
    assert!(percent(total3, dec!(5)) > cap);
    let held = format!("Amount withheld @ 5 %, up to its cap of {}", indian(cap));
    // The cap in the label, and again as the amount beside it.
    let held_line = line_with(&text, &[&held]);
    assert_eq!(held_line.matches(&indian(cap)).count(), 2, "{held_line}");
    assert!(text.contains("FINAL BILL"), "{text}");
    assert!(text.contains("DISCHARGE CERTIFICATE"), "{text}");
    assert!(text.contains("Deputy Executive Engineer"), "{text}");
    assert!(!text.contains("RUNNING ACCOUNT BILL"), "{text}");

    // The account, item by item against the sanctioned estimate.
    let (mut agreement, mut excess, mut omissions, mut short) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for (serial, quantity, rate) in &items {
        let agreed = round2(quantity * rate);
        agreement += agreed;
        let billed = capped_amount(bill3_qty[serial], ws2[serial], *rate);
        if billed.is_zero() {
            omissions += agreed;
        } else if billed > agreed {
            excess += billed - agreed;
        } else {
            short += agreed - billed;
        }
    }
    let extras = round2(bill3_qty["S1"] * S1_RATE);
    assert_eq!(agreement, ecv);
    assert!(omissions > Decimal::ZERO && excess > Decimal::ZERO && short > Decimal::ZERO);
    assert_eq!(agreement + extras + excess - omissions - short, sub3);

    let form = Sheet::open(&xlsx3, "Final Bill Form");
    assert_eq!(
        form.form_amount("Lumpsum amount in the agreement"),
        agreement
    );
    assert_eq!(form.form_amount("Add: authorised extras"), extras);
    assert_eq!(form.form_amount("Add: items measured"), excess);
    assert_eq!(form.form_amount("Deduct: authorised omissions"), omissions);
    assert_eq!(
        form.form_amount("Deduct: value of items recovered by measurement"),
        short
    );
    assert_eq!(form.form_amount("Sub total"), sub3);
    // Positive under its "Deduct" label, as the bill prints it.
    assert_eq!(form.form_amount("Deduct T.P @ 4.5 % Less"), tp3);
    assert_eq!(form.form_amount("Net total value of work done"), total3);

    let held_before = pays[0].sd + pays[1].sd;
    let expect = [
        ("1", total3),
        ("2", Decimal::ZERO),
        ("3", cap),
        ("4", total3 - cap),
        ("5", total2 - held_before),
        ("6", pay.gross - pay.sd),
        ("7(a)", pay.it + pay.gst + pay.lc),
        ("7(b)", Decimal::ZERO),
        ("7(c)", pay.net),
    ];
    for (number, figure) in expect {
        assert_eq!(
            form.numbered_amount("III. MEMORANDUM OF PAYMENT", number),
            figure,
            "final memorandum of payment line {number}"
        );
    }
    let acquittance = line_with(&text, &["Received Rs."]);
    assert!(acquittance.contains(&indian(pay.net)), "{acquittance}");

    // The chain pays the final value less everything deducted.
    let deducted: Decimal = pays
        .iter()
        .map(|p| p.sd + p.it + p.gst + p.lc + p.recovery)
        .sum();
    assert_eq!(
        pays.iter().map(|p| p.net).sum::<Decimal>(),
        total3 - deducted
    );
}
