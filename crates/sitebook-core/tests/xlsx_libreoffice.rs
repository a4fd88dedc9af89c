//! Every kind of workbook Sitebook writes, opened by LibreOffice: recalculating every formula
//! gives exactly the figures cached in the file, and negative figures keep their minus sign
//! and their Indian grouping (DOMAIN.md ruling; issue: "XLSX negative figures keep their
//! sign").

mod common;
mod workbooks;

use std::path::PathBuf;

use common::libreoffice::{printed_text, sheet_as_shown, sheets_as_shown, Recalculate};
use common::{extra_excavation, fixture_with_estimate, less_premium, quantities, Fixture};
use rust_decimal_macros::dec;
use sitebook_core::domain::bill::BillKind;
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
            vec![RateOverride {
                sl_no: "1".into(),
                rate: dec!(1234.56),
            }],
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
