//! Every kind of workbook Sitebook writes, opened by LibreOffice: recalculating every formula
//! gives exactly the figures cached in the file, and negative figures keep their minus sign
//! and their Indian grouping (DOMAIN.md ruling; issue: "XLSX negative figures keep their
//! sign").

mod common;
mod workbooks;

use std::path::{Path, PathBuf};

use common::libreoffice::{printed_text, sheet_as_shown, sheets_as_shown, Recalculate};
use common::{extra_excavation, fixture_with_estimate, less_premium, quantities, round2, Fixture};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sitebook_core::domain::bill::{BillKind, ItemQuantity};
use sitebook_core::domain::payments::{Base, Cap, Charge, Effect, OneOffRecovery, PaymentLine};
use sitebook_core::domain::workslip::RateOverride;

async fn rendered_xlsx(fx: &Fixture, job_id: i64) -> PathBuf {
    fx.rendered(job_id).await.1
}

/// `-12,34,567.89`-shaped: a minus, then lakh grouping.
fn is_negative_lakh_figure(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('-') else {
        return false;
    };
    let Some((whole, paise)) = digits.split_once('.') else {
        return false;
    };
    let groups: Vec<&str> = whole.split(',').collect();
    paise.len() == 2
        && groups.len() == 3
        && (1..=2).contains(&groups[0].len())
        && groups[1].len() == 2
        && groups[2].len() == 3
        && whole.chars().all(|c| c.is_ascii_digit() || c == ',')
}

#[test]
fn the_harness_really_recalculates() {
    // A formula whose cached result is wrong on purpose: only a real recalculation shows 2.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wrong-cache.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook
        .add_worksheet()
        .write_formula(0, 0, rust_xlsxwriter::Formula::new("=1+1").set_result("3"))
        .unwrap();
    workbook.save(&path).unwrap();
    assert_eq!(sheet_as_shown(&path, Recalculate::Never), [["3"]]);
    assert_eq!(sheet_as_shown(&path, Recalculate::Always), [["2"]]);
}

#[tokio::test]
async fn every_workbook_recalculates_to_its_cached_figures_and_keeps_signs() {
    let (fx, estimate) = fixture_with_estimate(workbooks::domain_example_workbook()).await;
    fx.edit_work(estimate, less_premium("4.5")).await;

    let first = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    let second_till_date = [("1", dec!(20)), ("2", dec!(1300))];
    let second = fx
        .queue_bill_at(estimate, BillKind::NthPart, &second_till_date)
        .await;
    // Item 4 (2 × 80,129.90) executed 5 times over: the working estimate passes the
    // sanctioned 1,30,000 by lakhs, so its L.S provision is a negative lakh figure. Item 1's
    // rate is revised, so the final bill deducts bill 2's item 1 at the rate bill 2 paid.
    let slip = fx
        .core
        .workslip_create(
            &fx.root,
            estimate,
            quantities(&[("3", dec!(0)), ("4", dec!(5))]),
            vec![extra_excavation(dec!(300), dec!(10))],
            vec![RateOverride::new("1", dec!(1234.56))],
        )
        .await
        .unwrap();
    let summary = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    let last = fx.queue_bill(estimate, BillKind::NthFinal, None).await;

    // Every workbook of every job, and every sheet in it: the bills' form sheets and the work
    // slip's deviation statement included.
    let mut sheet_names = Vec::new();
    for (name, job) in [
        ("bill 1", first.job_id),
        ("bill 2", second.job_id),
        ("work slip 1", slip.job_id),
        ("abstract", summary.job_id),
        ("bill 3", last.job_id),
    ] {
        let workbooks: Vec<PathBuf> = fx
            .rendered_all(job)
            .await
            .into_iter()
            .filter(|path| path.extension().is_some_and(|e| e == "xlsx"))
            .collect();
        for xlsx in &workbooks {
            let cached_sheets = sheets_as_shown(xlsx, Recalculate::Never);
            let recalculated_sheets = sheets_as_shown(xlsx, Recalculate::Always);
            assert_eq!(cached_sheets.len(), recalculated_sheets.len(), "{name}");
            for ((sheet, cached), (_, recalculated)) in
                cached_sheets.iter().zip(&recalculated_sheets)
            {
                sheet_names.push(sheet.clone());
                assert!(cached.len() > 8, "{name}, {sheet}: {cached:?}");
                for (row, (before, after)) in cached.iter().zip(recalculated).enumerate() {
                    assert_eq!(
                        before,
                        after,
                        "{name}, sheet {sheet}, row {}: LibreOffice computes other figures than \
                         the file caches",
                        row + 1
                    );
                }
                assert_eq!(cached.len(), recalculated.len(), "{name}, {sheet}");
            }
        }
        let xlsx = rendered_xlsx(&fx, job).await;
        let cached = sheet_as_shown(&xlsx, Recalculate::Never);
        if name == "bill 3" {
            assert!(
                cached
                    .iter()
                    .flatten()
                    .any(|cell| cell.starts_with("Previous at ")),
                "the row deducted at its earlier rate names it: {cached:?}"
            );
        }

        if name == "work slip 1" {
            let row_of = |label: &str| {
                cached
                    .iter()
                    .find(|row| row.iter().any(|c| c.starts_with(label)))
                    .unwrap_or_else(|| panic!("no {label} row in {cached:?}"))
            };
            let ls = row_of("L.S provision");
            assert!(
                ls.iter().any(|c| is_negative_lakh_figure(c)),
                "the L.S provision keeps its minus and lakh grouping: {ls:?}"
            );
            let premium = row_of("T.P @ 4.5 % Less");
            assert!(
                premium
                    .iter()
                    .any(|c| c.starts_with('-') && c[1..].starts_with(|d: char| d.is_ascii_digit())),
                "the T.P Less line is negative: {premium:?}"
            );
        }
    }
    for expected in [
        "Bill",
        "RA Bill Form",
        "Final Bill Form",
        "Workslip",
        "Deviation",
        "Estimate",
    ] {
        assert!(
            sheet_names.iter().any(|name| name == expected),
            "sheet {expected} was checked: {sheet_names:?}"
        );
    }
}

/// A copy of `xlsx` with one typed figure of its first sheet changed, as a clerk would type it:
/// the cell `reference` keeps its style and only its value is replaced.
fn with_figure_typed(xlsx: &Path, reference: &str, figure: &str) -> PathBuf {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let edited = xlsx.with_file_name("edited.xlsx");
    let mut out = zip::ZipWriter::new(std::fs::File::create(&edited).unwrap());
    let mut replaced = false;
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            let open = format!("<c r=\"{reference}\"");
            let start = xml.find(&open).expect("the cell is in the sheet");
            let end = start + xml[start..].find("</c>").expect("the cell closes");
            let value_at = start + xml[start..end].find("<v>").expect("a typed figure");
            assert!(
                !xml[start..end].contains("<f>"),
                "{reference} is a formula, not a typed figure"
            );
            let value_end = value_at + xml[value_at..].find("</v>").unwrap();
            bytes = format!("{}<v>{figure}{}", &xml[..value_at], &xml[value_end..]).into_bytes();
            replaced = true;
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
    assert!(replaced, "the first sheet was found");
    edited
}

/// The figure at the end of the row whose cells include one starting with `particulars`.
fn figure_of(rows: &[Vec<String>], particulars: &str) -> Decimal {
    let row = rows
        .iter()
        .find(|row| row.iter().any(|cell| cell.starts_with(particulars)))
        .unwrap_or_else(|| panic!("no {particulars:?} row in {rows:?}"));
    let last = row.iter().rev().find(|cell| !cell.is_empty()).unwrap();
    last.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{particulars:?} ends in {last:?}"))
}

#[tokio::test]
async fn the_memorandum_follows_a_quantity_changed_in_the_bill_workbook() {
    let (fx, estimate) = fixture_with_estimate(workbooks::domain_example_workbook()).await;
    fx.edit_work(estimate, less_premium("4.5")).await;
    let items = fx.items_shown(estimate).await;
    // A first bill's Total by DOMAIN.md §2: each row ROUND2(qty × rate), T.P 4.5 % Less.
    let total_with_item_4_at = |item_4: Decimal| {
        let sub: Decimal = items
            .iter()
            .map(|(sl, qty, rate)| round2(if sl == "4" { item_4 } else { *qty } * rate))
            .sum();
        sub - round2(sub * dec!(4.5) / dec!(100))
    };
    let item_4 = items.iter().find(|(sl, ..)| sl == "4").unwrap().1;
    let issued_total = total_with_item_4_at(item_4 / dec!(2));

    // The example lines (SD 5 %, IT-TDS 2 %; GST-TDS under its threshold; LC nil, as the
    // estimate collects it), with SD capped just above what bill 1 withholds, and an 18 % GST
    // addition.
    let lines = fx.core.deductions_list(&fx.root).await.unwrap().lines;
    let mut sd = lines[0].clone();
    assert_eq!(sd.code, "SD");
    let cap = round2(issued_total * dec!(5) / dec!(100)) + dec!(1000);
    sd.cap = Some(Cap::Amount(cap));
    fx.core.deductions_save(&fx.root, sd).await.unwrap();
    let gst = PaymentLine {
        code: "GST".into(),
        label: "GST on the work".into(),
        effect: Effect::Addition,
        base: Base::Gross,
        charge: Charge::Percent(dec!(18)),
        threshold: None,
        cap: None,
        ..lines[1].clone()
    };
    fx.core.deductions_save(&fx.root, gst).await.unwrap();
    let advance = dec!(10000);
    let bill = fx
        .core
        .bill_create_with(
            &fx.root,
            estimate,
            BillKind::FirstPart,
            Some(
                items
                    .iter()
                    .map(|(sl, qty, _)| {
                        ItemQuantity::new(sl.clone(), if sl == "4" { qty / dec!(2) } else { *qty })
                    })
                    .collect(),
            ),
            vec![OneOffRecovery {
                label: "Mobilisation advance".into(),
                amount: advance,
            }],
        )
        .await
        .unwrap();
    let xlsx = rendered_xlsx(&fx, bill.job_id).await;
    let issued = sheet_as_shown(&xlsx, Recalculate::Never);
    let memorandum_as = |total: Decimal| {
        let gst = round2(total * dec!(18) / dec!(100));
        let sd = round2(total * dec!(5) / dec!(100)).min(cap);
        let it = round2(total * dec!(2) / dec!(100));
        (total, gst, sd, it, total + gst - sd - it - advance)
    };
    let read = |rows: &[Vec<String>]| {
        (
            figure_of(rows, "Total value of work done till date"),
            figure_of(rows, "Add: GST on the work"),
            figure_of(rows, "Deduct: Security deposit"),
            figure_of(rows, "Deduct: Income tax"),
            figure_of(rows, "Net amount payable by cheque"),
        )
    };
    assert_eq!(read(&issued), memorandum_as(issued_total));
    assert_eq!(figure_of(&issued, "Deduct: Mobilisation advance"), advance);

    // The clerk types item 4's whole quantity into the workbook: LibreOffice's recalculation
    // carries it down the table into the memorandum, the deposit stopping at its cap.
    let row_4 = issued
        .iter()
        .position(|row| row.first().is_some_and(|serial| serial == "4"))
        .expect("item 4's row");
    let edited = with_figure_typed(&xlsx, &format!("B{}", row_4 + 1), &item_4.to_string());
    let sheets = sheets_as_shown(&edited, Recalculate::Always);
    let sheet = |name: &str| {
        &sheets
            .iter()
            .find(|(sheet, _)| sheet == name)
            .unwrap_or_else(|| panic!("no sheet {name}"))
            .1
    };
    let full_total = total_with_item_4_at(item_4);
    let expected = memorandum_as(full_total);
    assert!(
        round2(full_total * dec!(5) / dec!(100)) > cap,
        "the deposit reaches its cap"
    );
    assert_eq!(read(sheet("Bill")), expected);

    // The running-account form restates the memorandum (DOMAIN.md §2a), and follows it: bill 1
    // has nothing before it, so what is withheld and added up to date is this bill's.
    let (total, gst, sd, it, net) = expected;
    let form = sheet("RA Bill Form");
    let form_figures: Vec<Decimal> = [
        "Value of work measured up to date",
        "Authorised additions up to date",
        "Amount withheld",
        "Balance up-to-date payment",
        "Deduct intermediate payments already made",
        "Payment now due",
        "By recoveries for this work",
        "By cheque",
    ]
    .iter()
    .map(|particulars| figure_of(form, particulars))
    .collect();
    let due = total + gst - sd;
    assert_eq!(
        form_figures,
        [total, gst, sd, due, dec!(0), due, it + advance, net]
    );
}

#[tokio::test]
async fn figures_of_a_hundred_crore_and_more_keep_their_indian_commas() {
    let (fx, estimate) = fixture_with_estimate(workbooks::domain_example_workbook()).await;
    // Item 4 is 2 at 40,064.95; 20,00,000 of it bills an AE row of 19,99,998 x 40,064.95 =
    // 80,12,98,19,870.10, past the crore band that conditional formats reach, and wider than
    // the amount column's usual width.
    let bill = fx
        .queue_bill_at(estimate, BillKind::FirstPart, &[("4", dec!(2000000))])
        .await;
    let xlsx = rendered_xlsx(&fx, bill.job_id).await;
    let shown = sheet_as_shown(&xlsx, Recalculate::Never);
    let cells: Vec<&String> = shown.iter().flatten().collect();
    assert!(
        cells.iter().any(|c| c.as_str() == "80,12,98,19,870.10"),
        "{shown:?}"
    );
    assert!(
        !cells.iter().any(|c| c.starts_with("8012,")),
        "no crore figure grouped short: {shown:?}"
    );
    // Printed, every figure fits its column: none is shown as `###`.
    let printed = printed_text(&xlsx);
    assert!(printed.contains("80,12,98,19,870.10"), "{printed}");
    assert!(!printed.contains("###"), "{printed}");
}
