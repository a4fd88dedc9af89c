//! The document chain through the real API and job engine: work data, bills 1 and 2, AE rows,
//! work slips, the estimate abstract, byte-identical re-renders, the files read back (PDF text
//! with pdftotext, XLSX with our own parser), and every bad input saving nothing.

mod common;
mod workbooks;

use common::{
    besides_work_data, extra_excavation, fixture, fixture_with_estimate, less_premium, pdf_text,
    quantities, Fixture,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sitebook_core::documents::input_csv::SupplementalLine;
use sitebook_core::documents::WorkChanges;
use sitebook_core::domain::bill::{BillKind, ItemQuantity};
use sitebook_core::domain::money::CurrencyMark;
use sitebook_core::domain::permissions::MembershipRole;
use sitebook_core::store::outputs::IfExists;
use sitebook_core::Error;

/// A fresh device with the worked-example estimate parsed, and its estimate id.
async fn with_example_estimate() -> (Fixture, i64) {
    fixture_with_estimate(workbooks::domain_example_workbook()).await
}

async fn rendered(fx: &Fixture, job_id: i64) -> (std::path::PathBuf, std::path::PathBuf) {
    fx.rendered(job_id).await
}

async fn bill_count(fx: &Fixture, estimate: i64) -> usize {
    fx.bills(estimate).await.len()
}

async fn outputs_of(fx: &Fixture, job_id: i64) -> Vec<sitebook_core::store::outputs::OutputView> {
    fx.core.outputs_list(&fx.root, Some(job_id)).await.unwrap()
}

/// A first bill of the example estimate, rendered, with what its files held when made.
struct MadeBill {
    job_id: i64,
    pdf: std::path::PathBuf,
    xlsx: std::path::PathBuf,
    pdf_bytes: Vec<u8>,
    xlsx_bytes: Vec<u8>,
    pdf_row: sitebook_core::store::outputs::OutputView,
}

impl MadeBill {
    /// Retries its job, and asserts that it makes the same files again: names and bytes.
    async fn made_again_the_same(&self, fx: &Fixture) {
        let queued = fx.core.job_retry(&fx.root, self.job_id).await.unwrap();
        assert_eq!(queued.status, sitebook_core::jobs::JobStatus::Queued);
        let again = rendered(fx, self.job_id).await;
        assert_eq!(
            again,
            (self.pdf.clone(), self.xlsx.clone()),
            "the same names"
        );
        assert_eq!(
            std::fs::read(&self.pdf).unwrap(),
            self.pdf_bytes,
            "the same bytes"
        );
        assert_eq!(std::fs::read(&self.xlsx).unwrap(), self.xlsx_bytes);
    }
}

async fn first_bill_made(fx: &Fixture, estimate: i64) -> MadeBill {
    let job_id = fx
        .queue_bill(estimate, BillKind::FirstPart, None)
        .await
        .job_id;
    let (pdf, xlsx) = rendered(fx, job_id).await;
    let (pdf_bytes, xlsx_bytes) = (std::fs::read(&pdf).unwrap(), std::fs::read(&xlsx).unwrap());
    let pdf_row = outputs_of(fx, job_id)
        .await
        .into_iter()
        .find(|o| o.kind == "pdf")
        .unwrap();
    MadeBill {
        job_id,
        pdf,
        xlsx,
        pdf_bytes,
        xlsx_bytes,
        pdf_row,
    }
}

async fn withdraw_first_bill(fx: &Fixture, estimate: i64) {
    use sitebook_core::documents::withdraw::ChainDocument;
    fx.core
        .document_withdraw(&fx.root, estimate, ChainDocument::Bill, 1, "wrong agency")
        .await
        .unwrap();
}

async fn assert_refused_as_withdrawn(fx: &Fixture, job_id: i64) {
    let refused = fx.core.job_retry(&fx.root, job_id).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Precondition(m) if m.contains("withdrawn")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn bill_two_deducts_bill_ones_till_date_and_shows_ae_rows() {
    let (fx, estimate) = with_example_estimate().await;
    let work = fx
        .edit_work(
            estimate,
            WorkChanges {
                agreement_ref: Some("Agt 7/2024".into()),
                ..less_premium("4.5")
            },
        )
        .await;
    assert_eq!(
        work.name_of_work, "Providing LT lines to Gandhi Nagar colony",
        "pre-filled"
    );

    // Bill 1 at the estimate quantities (the default).
    let first = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    assert_eq!(first.number, Some(1));
    let (pdf1, _) = rendered(&fx, first.job_id).await;
    let text1 = pdf_text(&pdf1);
    assert!(text1.contains("CC First & Part Bill"), "{text1}");
    assert!(text1.contains("Agt 7/2024"));
    assert!(text1.contains("Deduct T.P @ 4.5 % Less"), "{text1}");

    // Bill 2: item 1 measured past its estimate quantity of 12.5.
    let till_date = [("1", dec!(20)), ("2", dec!(1300))];
    let second = fx
        .queue_bill_at(estimate, BillKind::NthPart, &till_date)
        .await;
    assert_eq!(second.number, Some(2));
    // The Jobs pane names the document a render job makes, where an import shows its file.
    let job = fx.core.job_show(&fx.root, second.job_id).await.unwrap();
    assert_eq!(
        job.file_name.as_deref(),
        Some(format!("Bill 2 of estimate {estimate}").as_str())
    );
    let (pdf2, xlsx2) = rendered(&fx, second.job_id).await;
    let text2 = pdf_text(&pdf2);
    assert!(text2.contains("CC Second & Part Bill"), "{text2}");
    // Item 1: till date capped at 12.50 (5,625.00), previous = bill 1's 12.50 / 5,625.00,
    // and the AE row carries the 7.50 excess at the same rate (3,375.00).
    let item1 = text2
        .lines()
        // The row's first line: the description wraps, and its figures sit on its first line.
        .find(|l| l.contains("Supply and erection"))
        .expect("item 1 row");
    assert!(
        item1.contains("12.50") && item1.matches("5,625.00").count() == 2,
        "{item1}"
    );
    let ae1 = text2
        .lines()
        .find(|l| l.contains("AE1"))
        .expect("an AE row");
    assert!(ae1.contains("7.50") && ae1.contains("3,375.00"), "{ae1}");
    assert!(text2.contains("Amount in words"), "{text2}");
    // The bill fits its page; the running-account form follows on a page of its own.
    assert!(text2.contains("Page 1 of 2"), "{text2}");
    let form_page = text2.split('\u{c}').nth(1).expect("a second page");
    assert!(form_page.contains("RUNNING ACCOUNT BILL"), "{form_page}");
    // The inputs hash printed in the PDF is the one recorded for the bill.
    assert!(
        text2.contains(&second.inputs_sha256[..16]),
        "the footer names the inputs hash"
    );
    assert!(std::fs::metadata(&xlsx2).unwrap().len() > 1000);

    let bills = fx.bills(estimate).await;
    assert_eq!(bills.iter().map(|b| b.number).collect::<Vec<_>>(), [1, 2]);
}

#[tokio::test]
async fn identical_inputs_render_identical_bytes_and_xlsx_reads_back() {
    let (fx, estimate) = with_example_estimate().await;
    let a = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    let b = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    assert_eq!(a.inputs_sha256, b.inputs_sha256);
    let (pdf_a, xlsx_a) = rendered(&fx, a.job_id).await;
    let (pdf_b, xlsx_b) = rendered(&fx, b.job_id).await;
    assert_eq!(
        std::fs::read(&pdf_a).unwrap(),
        std::fs::read(&pdf_b).unwrap()
    );
    assert_eq!(
        std::fs::read(&xlsx_a).unwrap(),
        std::fs::read(&xlsx_b).unwrap()
    );

    // The abstract workbook, re-imported by our own parser, gives the same items and totals.
    let original = fx.core.estimate_show(&fx.root, estimate).await.unwrap();
    let reread = sitebook_core::excel::parse_estimate_file(
        &xlsx_a,
        &sitebook_core::excel::Limits::default(),
    )
    .unwrap();
    let sheet = &reread.sheets[0];
    let original_items: Vec<_> = original
        .items
        .iter()
        .filter(|i| !i.heading && !i.sl_no.is_empty())
        .collect();
    assert_eq!(sheet.items.len(), original_items.len());
    // The estimate's AE row comes back as an AE row, at its quantity and rate.
    let excess: Vec<_> = sheet
        .excess_rows
        .iter()
        .map(|e| (e.label.as_str(), e.quantity, e.rate))
        .collect();
    assert_eq!(excess, [("AE1", Some(dec!(2)), Some(dec!(450)))]);
    for (again, before) in sheet.items.iter().zip(&original_items) {
        assert_eq!(again.description, before.description);
        assert_eq!(
            again.quantity.map(|q| q.normalize().to_string()),
            before.quantity.clone()
        );
        assert_eq!(
            again.rate,
            before.rate.as_deref().map(|r| r.parse().unwrap())
        );
    }
    assert_eq!(sheet.footer.grand_total, Some(dec!(130000)));
    assert!(sheet.footer.ecv.is_some());
    let text = pdf_text(&pdf_a);
    assert!(
        text.contains("ESTIMATE") && text.contains("Grand Total"),
        "{text}"
    );
}

#[tokio::test]
async fn work_slips_balance_to_the_sanctioned_total_and_stop_at_ten() {
    let (fx, estimate) = with_example_estimate().await;
    let executed = quantities(&[("1", dec!(10)), ("3", dec!(0))]);
    let supplemental = vec![extra_excavation(dec!(450.50), dec!(12))];
    let slip = fx
        .queue_workslip(estimate, executed.clone(), supplemental)
        .await;
    assert_eq!(slip.number, Some(1));
    let (pdf, _) = rendered(&fx, slip.job_id).await;
    let text = pdf_text(&pdf);
    assert!(text.contains("WORKING ESTIMATE"), "{text}");
    assert!(text.contains("Supplemental Items"));
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Deleted") && flat.contains("Proposed as per site"),
        "{text}"
    );
    let grand = text
        .lines()
        .find(|l| l.contains("Grand Total") && !l.contains("words"))
        .unwrap();
    assert_eq!(
        grand.matches("1,30,000.00").count(),
        2,
        "every column balances: {grand}"
    );

    // Each later slip executes one more of item 1, so that it records something.
    let executed_in = |phase: u32| quantities(&[("1", Decimal::from(9 + phase)), ("3", dec!(0))]);
    for phase in 2..=10 {
        let next = fx
            .queue_workslip(estimate, executed_in(phase), Vec::new())
            .await;
        assert_eq!(next.number, Some(phase));
    }
    let eleventh = fx
        .core
        .workslip_create(&fx.root, estimate, executed_in(11), Vec::new(), Vec::new())
        .await;
    match eleventh {
        Err(Error::Precondition(message)) => {
            assert!(message.contains("10 work slips"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bad_bill_input_is_refused_with_a_clear_error_and_saves_nothing() {
    let (fx, estimate) = with_example_estimate().await;

    // Bill 2 before bill 1.
    let early = fx
        .core
        .bill_create(&fx.root, estimate, BillKind::NthPart, None)
        .await;
    assert!(
        matches!(&early, Err(Error::Precondition(m)) if m.contains("no bill 1")),
        "{early:?}"
    );
    // Quantities for unknown items.
    let unknown = fx
        .core
        .bill_create(
            &fx.root,
            estimate,
            BillKind::FirstPart,
            Some(vec![ItemQuantity::new("99", dec!(1))]),
        )
        .await;
    assert!(
        matches!(&unknown, Err(Error::Validation(m)) if m.contains("99")),
        "{unknown:?}"
    );
    assert_eq!(bill_count(&fx, estimate).await, 0, "nothing saved");

    fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    // A till-date quantity below bill 1's names the item.
    let lower = fx
        .core
        .bill_create(
            &fx.root,
            estimate,
            BillKind::NthPart,
            Some(vec![ItemQuantity::new("1", dec!(5))]),
        )
        .await;
    match &lower {
        Err(Error::Validation(message)) => {
            assert!(
                message.contains("item 1") && message.contains("PSCC pole"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(bill_count(&fx, estimate).await, 1, "nothing saved");

    fx.queue_bill(estimate, BillKind::NthFinal, None).await;
    // Any bill after a final bill.
    let after = fx
        .core
        .bill_create(&fx.root, estimate, BillKind::NthPart, None)
        .await;
    assert!(
        matches!(&after, Err(Error::Precondition(m)) if m.contains("final bill")),
        "{after:?}"
    );
    assert_eq!(bill_count(&fx, estimate).await, 2);
    // Nor a work slip, recorded or previewed: the final bill closed the work.
    let slip = fx
        .core
        .workslip_create(
            &fx.root,
            estimate,
            quantities(&[("1", dec!(12))]),
            Vec::new(),
            Vec::new(),
        )
        .await;
    assert!(
        matches!(&slip, Err(Error::Precondition(m))
            if m.contains("closed by its final bill (bill 2)")
                && m.contains("withdraw the final bill first")),
        "{slip:?}"
    );
    let preview = fx
        .core
        .workslip_preview(&fx.root, estimate, &[], &[], &[])
        .await;
    assert!(
        matches!(&preview, Err(Error::Precondition(_))),
        "{preview:?}"
    );
    assert!(fx.workslips(estimate).await.is_empty());
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.phase, None);
    assert!(
        draft
            .blocked
            .as_deref()
            .unwrap()
            .contains("closed by its final bill"),
        "{:?}",
        draft.blocked
    );
}

#[tokio::test]
async fn viewers_cannot_create_documents_and_other_orgs_estimates_are_not_found() {
    let (fx, estimate) = with_example_estimate().await;
    fx.org("MOH").await;
    fx.user(
        "vic",
        sitebook_core::domain::permissions::UserKind::Standard,
        Some((
            "MOH",
            sitebook_core::domain::permissions::MembershipRole::Admin,
        )),
    )
    .await;
    let vic = fx.sign_in("vic").await;
    // Vic's org is MOH; the estimate belongs to root's personal org.
    let cross = fx
        .core
        .bill_create(&vic, estimate, BillKind::FirstPart, None)
        .await;
    assert!(matches!(cross, Err(Error::NotFound(_))), "{cross:?}");
    assert!(matches!(
        fx.core.work_show(&vic, estimate).await,
        Err(Error::NotFound(_))
    ));
    let root = fx.root_in("MOH").await;
    fx.core
        .member_set_role(
            &root,
            "vic",
            sitebook_core::domain::permissions::MembershipRole::Viewer,
        )
        .await
        .unwrap();
    let denied = fx
        .core
        .bill_create(&vic, estimate, BillKind::FirstPart, None)
        .await;
    assert!(matches!(denied, Err(Error::Denied(_))), "{denied:?}");
}

#[tokio::test]
async fn the_abstract_reproduces_the_sanctioned_estimate_not_the_agreement_premium() {
    let (fx, estimate) = with_example_estimate().await;
    // The agreement's premium (work data) differs from the estimate's own 5 % Excess.
    fx.edit_work(
        estimate,
        WorkChanges {
            grand_total: Some("140000".into()),
            ..less_premium("4.5")
        },
    )
    .await;
    let queued = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    let (pdf, xlsx) = rendered(&fx, queued.job_id).await;

    // The footer by DOMAIN.md §1's rules on the estimate's own items (whose printed amounts
    // re-multiply, so one deliberately wrong cached amount in the workbook is not carried),
    // at the workbook's own T.P 5 % Excess and Grand Total 1,30,000.
    let round2 = |value: rust_decimal::Decimal| {
        value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    };
    let shown = fx.core.estimate_show(&fx.root, estimate).await.unwrap();
    let ecv: rust_decimal::Decimal = shown
        .items
        .iter()
        // The estimate's own AE row (AE1, 2 Nos @ 450) counts, as the sanctioned ECV counts it.
        .filter(|i| !i.heading)
        .map(|i| {
            let quantity: rust_decimal::Decimal = i.quantity.as_deref().unwrap().parse().unwrap();
            let rate: rust_decimal::Decimal = i.rate.as_deref().unwrap().parse().unwrap();
            round2(quantity * rate)
        })
        .sum();
    let sub_total = ecv
        + round2(ecv * dec!(0.05))
        + round2(ecv * dec!(0.01))
        + round2(ecv * dec!(0.01))
        + round2(ecv * dec!(0.001));
    let gst = round2(sub_total * dec!(0.18));
    let ls = dec!(130000) - gst - sub_total;
    let reread =
        sitebook_core::excel::parse_estimate_file(&xlsx, &sitebook_core::excel::Limits::default())
            .unwrap();
    let footer = &reread.sheets[0].footer;
    assert_eq!(footer.tp_percent, Some(dec!(5)));
    assert_eq!(footer.sub_total, Some(sub_total));
    assert_eq!(footer.gst, Some(gst));
    assert_eq!(footer.ls_unforeseen, Some(ls));
    assert_eq!(footer.grand_total, Some(dec!(130000)));
    let text = pdf_text(&pdf);
    assert!(text.contains("Add Excess T.P @ 5 %"), "{text}");
    assert!(
        !text.contains("4.5 %"),
        "the agreement premium leaked in: {text}"
    );
}

#[tokio::test]
async fn the_abstract_adds_gst_at_the_rate_the_estimate_was_sanctioned_at() {
    // The worked example as sanctioned before 2022, with GST at 12 %.
    let bytes =
        workbooks::domain_example_edited(|sheet| workbooks::text(sheet, 21, 3, "Add GST @ 12 %"));
    let (fx, estimate) = fixture_with_estimate(bytes).await;
    let queued = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    let (pdf, xlsx) = rendered(&fx, queued.job_id).await;

    // From the parsed Sub Total at 12 %, where 18 % had been used whatever the workbook said.
    let reread =
        sitebook_core::excel::parse_estimate_file(&xlsx, &sitebook_core::excel::Limits::default())
            .unwrap();
    let footer = &reread.sheets[0].footer;
    let sub_total = footer.sub_total.unwrap();
    let gst = (sub_total * dec!(0.12))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(footer.gst_percent, Some(dec!(12)));
    assert_eq!(footer.gst, Some(gst));
    assert_eq!(footer.ls_unforeseen, Some(dec!(130000) - gst - sub_total));
    let text = pdf_text(&pdf);
    assert!(text.contains("Add GST @ 12 %"), "{text}");
    assert!(!text.contains("18 %"), "{text}");
}

#[tokio::test]
async fn a_numbered_heading_keeps_its_number_in_the_documents() {
    // The example's "Cable works" heading numbered A, as an item with sub-items is (`4` over
    // `4(a)` and `4(b)`): the documents had printed it without its number.
    let bytes = workbooks::domain_example_edited(|sheet| workbooks::text(sheet, 7, 0, "A"));
    let (fx, estimate) = fixture_with_estimate(bytes).await;
    let queued = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    let (pdf, xlsx) = rendered(&fx, queued.job_id).await;
    let text = pdf_text(&pdf);
    let heading = text
        .lines()
        .find(|line| line.contains("Cable works"))
        .unwrap_or_else(|| panic!("no heading in {text}"));
    assert_eq!(
        heading.split_whitespace().collect::<Vec<_>>(),
        ["A", "Cable", "works"],
        "{heading}"
    );
    let reread =
        sitebook_core::excel::parse_estimate_file(&xlsx, &sitebook_core::excel::Limits::default())
            .unwrap();
    let headings = &reread.sheets[0].headings;
    let cable = headings
        .iter()
        .find(|h| h.text == "Cable works")
        .unwrap_or_else(|| panic!("{headings:?}"));
    assert_eq!(cable.sl_no.as_deref(), Some("A"));
    // The unnumbered heading stays unnumbered.
    let electrical = headings
        .iter()
        .find(|h| h.text == "Electrical works")
        .unwrap();
    assert_eq!(electrical.sl_no, None);

    // A bill prints it too.
    let bill = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    let (pdf, _) = rendered(&fx, bill.job_id).await;
    let text = pdf_text(&pdf);
    assert!(
        text.lines()
            .any(|line| line.split_whitespace().collect::<Vec<_>>() == ["A", "Cable", "works"]),
        "{text}"
    );
}

#[tokio::test]
async fn an_item_whose_quantity_cannot_be_read_is_named_by_its_cell() {
    // Item 2's quantity typed with its unit in the cell (B10): the parse warns of B10, and a
    // bill or the abstract is refused naming that cell, where it said "Estimate!row 10".
    let bytes = workbooks::domain_example_edited(|sheet| workbooks::text(sheet, 9, 1, "10 Nos"));
    let (fx, estimate) = fixture_with_estimate(bytes).await;
    let shown = fx.core.estimate_show(&fx.root, estimate).await.unwrap();
    assert!(
        shown.warnings.iter().any(|w| w.cell == "Estimate!B10"),
        "{:?}",
        shown.warnings
    );
    let expected = format!(
        "Estimate {estimate} has items without a quantity or rate (Estimate!B10, the \
         quantity); fix them in the workbook and upload it again."
    );
    let refused = fx
        .core
        .bill_create(&fx.root, estimate, BillKind::FirstPart, None)
        .await
        .unwrap_err();
    assert_eq!(refused.to_string(), expected);
    let refused = fx
        .core
        .estimate_abstract(&fx.root, estimate)
        .await
        .unwrap_err();
    assert_eq!(refused.to_string(), expected);
}

#[tokio::test]
async fn an_amount_that_multiplies_past_the_largest_figure_is_named_and_no_document_is_made() {
    // Item 1 at a quantity and a rate of 9,99,99,99,99,999 each, its amount a formula with no
    // saved result: each figure is within the limit, their product (about 10^24) is not.
    let bytes = workbooks::domain_example_edited(|sheet| {
        workbooks::item_cells(
            sheet,
            8,
            (
                1.0,
                999_999_999_999.0,
                "Nos",
                "Pole",
                999_999_999_999.0,
                "No",
            ),
        );
        workbooks::formula_without_result(sheet, 8, 7, "=ROUND(B9*E9,2)");
    });
    let (fx, estimate) = fixture_with_estimate(bytes).await;
    // 999,999,999,999² = 999,999,999,998,000,000,000,001.
    let product = "999999999998000000000001.00";
    let shown = fx.core.estimate_show(&fx.root, estimate).await.unwrap();
    let warned = shown
        .warnings
        .iter()
        .find(|w| w.cell == "Estimate!H9")
        .expect("the amount's cell is named");
    assert!(
        warned.message.contains(&format!(
            "= {product} is beyond the largest figure accepted"
        )),
        "{}",
        warned.message
    );

    let refused = fx
        .core
        .bill_create(&fx.root, estimate, BillKind::FirstPart, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains(
            "item 1 (Pole): its amount comes to 9,99,99,99,99,99,80,00,00,00,00,001.00, beyond \
             the largest figure accepted"
        ),
        "{refused}"
    );
    let refused = fx
        .core
        .workslip_create(
            &fx.root,
            estimate,
            quantities(&[("1", dec!(1))]),
            Vec::new(),
            Vec::new(),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("the work slip's Sub Total Amount comes to")
            && refused.contains("beyond the largest figure accepted"),
        "{refused}"
    );
    assert_eq!(bill_count(&fx, estimate).await, 0);
    assert!(fx.workslips(estimate).await.is_empty());
}

#[tokio::test]
async fn a_document_job_names_no_source_and_its_estimates_parse_says_upload() {
    let (fx, estimate) = with_example_estimate().await;
    let bill = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    let jobs = fx.core.jobs_list(&fx.root, 10).await.unwrap();
    let source_of = |id: i64| {
        jobs.iter()
            .find(|job| job.id == id)
            .map(|job| job.source.clone())
            .expect("the job is listed")
    };
    // The bill reads no workbook brought in: it was said to come "from upload".
    assert_eq!(source_of(bill.job_id), "");
    let parse = jobs
        .iter()
        .find(|job| job.kind == sitebook_core::jobs::JobKind::ParseEstimate)
        .expect("the estimate's parse");
    assert_eq!(parse.source, "upload");
}

#[test]
fn a_quick_bill_says_which_of_several_sheets_it_read_and_takes_the_one_named() {
    use sitebook_core::api::stateless;
    // A hidden old copy first, the current estimate after it: both are estimates.
    let bytes = workbooks::hidden_sheet_workbook();
    let parsed = workbooks::parse(&bytes, "two estimates.xlsx").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("two estimates.xlsx");
    std::fs::write(&source, &bytes).unwrap();
    let render = |sheet: Option<&str>| {
        stateless::write_quick_first_bill(
            &parsed,
            &source,
            sheet,
            false,
            None,
            &dir.path().join(sheet.unwrap_or("first")),
            sitebook_core::store::outputs::IfExists::Refuse,
        )
    };
    let hidden_warning = |bill: &stateless::QuickBill| {
        bill.warnings
            .iter()
            .any(|w| w.cell == "'Estimate old'!A1" && w.message.contains("hidden"))
    };

    // Left to choose, it takes the first and says so, with the parse's word that it is hidden.
    let first = render(None).unwrap();
    assert_eq!(first.sheet, "Estimate old");
    assert_eq!(first.other_sheets, ["Estimate"]);
    assert!(hidden_warning(&first), "{:?}", first.warnings);
    assert_eq!(first.written.len(), 2);

    // Named (as typed: case and spaces do not count), the current one.
    let named = render(Some(" estimate ")).unwrap();
    assert_eq!(named.sheet, "Estimate");
    assert_eq!(named.other_sheets, ["Estimate old"]);
    assert!(!hidden_warning(&named), "{:?}", named.warnings);

    let refused = render(Some("Abstract")).unwrap_err().to_string();
    assert_eq!(
        refused,
        "two estimates.xlsx: no estimate sheet is named 'Abstract'; its estimate sheets are \
         'Estimate old', 'Estimate'."
    );
}

#[tokio::test]
async fn an_estimate_without_items_gets_no_bill_and_no_work_slip() {
    let fx = fixture().await;
    let estimate = fx.parsed_estimate(workbooks::heading_only_workbook()).await;
    let refused = fx
        .core
        .bill_create(&fx.root, estimate, BillKind::FirstPart, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Validation(m) if m.contains("no items to bill")),
        "{refused:?}"
    );
    let refused = fx
        .core
        .workslip_create(&fx.root, estimate, Vec::new(), Vec::new(), Vec::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Validation(m) if m.contains("no items")),
        "{refused:?}"
    );
    // The number was not used up: nothing was saved.
    assert_eq!(bill_count(&fx, estimate).await, 0);
    assert!(fx.workslips(estimate).await.is_empty());
}

#[tokio::test]
async fn bills_follow_the_latest_working_estimate() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.cap_source, "the sanctioned estimate");

    // Work slip 1: item 1 executed 10 (estimate 12.5), item 3 deleted, S1 proposed: 12 Cum.
    fx.queue_workslip(
        estimate,
        quantities(&[("1", dec!(10)), ("3", dec!(0))]),
        vec![extra_excavation(dec!(450.50), dec!(12))],
    )
    .await;
    // Work slip 2 changes only the supplemental item, by its S-number: 20 Cum.
    let slip2 = fx
        .queue_workslip(
            estimate,
            vec![ItemQuantity::new("S1", dec!(20))],
            Vec::new(),
        )
        .await;
    assert_eq!(slip2.number, Some(2));

    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.cap_source, "WORKING ESTIMATE-2 (work slip 2)");
    let caps: Vec<(&str, &str)> = draft
        .items
        .iter()
        .map(|i| {
            (
                i.sl_no.as_str(),
                i.estimate_quantity.as_deref().unwrap_or("none"),
            )
        })
        .collect();
    assert_eq!(
        caps,
        [
            ("1", "10"),
            ("2", "1234.5"),
            ("3", "0"),
            ("4", "2"),
            ("S1", "20")
        ]
    );

    // Bill 1: 12 of item 1 (cap 10 → AE 2), 1 of the deleted item 3 (all AE, with a
    // warning), 25 Cum of S1 (cap 20 → AE 5), at the working rates.
    let first = fx
        .queue_bill_at(
            estimate,
            BillKind::FirstPart,
            &[
                ("1", dec!(12)),
                ("2", dec!(1234.5)),
                ("3", dec!(1)),
                ("4", dec!(2)),
                ("S1", dec!(25)),
            ],
        )
        .await;
    let warnings = besides_work_data(&first.warnings);
    assert_eq!(warnings.len(), 1, "{:?}", first.warnings);
    assert!(
        warnings[0].starts_with("item 3 (Pump set")
            && warnings[0].contains("deleted in WORKING ESTIMATE-2"),
        "{:?}",
        first.warnings
    );
    let (pdf, _) = rendered(&fx, first.job_id).await;
    let text = pdf_text(&pdf);
    assert!(
        text.contains("Quantities as per: WORKING ESTIMATE-2 (work slip 2)")
            || text.contains("Quantities as per") && text.contains("WORKING ESTIMATE-2"),
        "{text}"
    );
    let row = |label: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(label) || l.split_whitespace().any(|w| w == label))
            .unwrap_or_else(|| panic!("no row {label:?} in {text}"))
            .to_owned()
    };
    // Amounts by ROUND2(qty × rate): 10 × 450 = 4,500; AE 2 × 450 = 900; item 3 at 0 and its
    // AE 1 × 1,000 = 1,000; S1 20 × 450.50 = 9,010 and its AE 5 × 450.50 = 2,252.50.
    assert!(row("Supply").contains("4,500.00"), "{}", row("Supply"));
    assert!(row("AE1").contains("900.00"), "{}", row("AE1"));
    assert!(row("AE2").contains("1,000.00"), "{}", row("AE2"));
    assert!(row("S1").contains("9,010.00"), "{}", row("S1"));
    assert!(row("AE3").contains("2,252.50"), "{}", row("AE3"));
}

#[tokio::test]
async fn a_file_changed_in_the_data_folder_is_not_handed_out_and_is_made_again_by_its_job() {
    let (fx, estimate) = with_example_estimate().await;
    let bill = first_bill_made(&fx, estimate).await;
    // Four bytes overwritten in the middle (a disk error, a hand edit), the size unchanged.
    let mut damaged = bill.xlsx_bytes.clone();
    let middle = damaged.len() / 2;
    damaged[middle..middle + 4].copy_from_slice(b"XXXX");
    std::fs::write(&bill.xlsx, &damaged).unwrap();
    let xlsx_row = outputs_of(&fx, bill.job_id)
        .await
        .into_iter()
        .find(|o| o.kind == "xlsx")
        .unwrap();

    // Exported, previewed or opened, it is refused, naming the file and how to have it back;
    // it had been copied out as it was, a corrupt workbook, without a word.
    let saved = tempfile::tempdir().unwrap();
    let refused = fx
        .core
        .output_export(&fx.root, xlsx_row.id, saved.path(), IfExists::Refuse)
        .await
        .unwrap_err();
    let told = refused.to_string();
    assert!(
        matches!(&refused, Error::Precondition(_))
            && told.contains(&xlsx_row.filename)
            && told.contains("has changed in the data folder")
            && told.contains(&format!("sitebook jobs retry {}", bill.job_id)),
        "{told}"
    );
    assert!(
        std::fs::read_dir(saved.path()).unwrap().next().is_none(),
        "nothing written"
    );
    assert!(fx.core.output_bytes(&fx.root, xlsx_row.id).await.is_err());
    assert!(fx.core.output_path(&fx.root, xlsx_row.id).await.is_err());
    // The PDF beside it is untouched and still handed out.
    fx.core
        .output_export(&fx.root, bill.pdf_row.id, saved.path(), IfExists::Refuse)
        .await
        .unwrap();

    // Its job, which had said its files were all here, makes it again byte for byte.
    bill.made_again_the_same(&fx).await;
    fx.core
        .output_export(&fx.root, xlsx_row.id, saved.path(), IfExists::Refuse)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(saved.path().join(&xlsx_row.filename)).unwrap(),
        bill.xlsx_bytes
    );
}

/// How many pages `pdf` has, as poppler's `pdfinfo` reads it.
fn page_count(pdf: &std::path::Path) -> usize {
    let output = std::process::Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo is installed with pdftotext by scripts/install-system-deps.sh");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|pages| pages.trim().parse().ok())
        .expect("pdfinfo gives the page count")
}

#[tokio::test]
async fn a_withdrawn_bills_pdf_leaves_the_data_folder_stamped_on_every_page_and_stays_as_made() {
    let (fx, estimate) = with_example_estimate().await;
    let bill = first_bill_made(&fx, estimate).await;
    let saved = tempfile::tempdir().unwrap();
    // In force, its files leave as they were made.
    let exported = fx
        .core
        .output_export(&fx.root, bill.pdf_row.id, saved.path(), IfExists::Refuse)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&exported).unwrap(), bill.pdf_bytes);
    std::fs::remove_file(&exported).unwrap();

    use sitebook_core::documents::withdraw::ChainDocument;
    fx.core
        .document_withdraw(
            &fx.root,
            estimate,
            ChainDocument::Bill,
            1,
            "Measured on the wrong MB page",
        )
        .await
        .unwrap();
    let exported = fx
        .core
        .output_export(&fx.root, bill.pdf_row.id, saved.path(), IfExists::Refuse)
        .await
        .unwrap();
    assert_eq!(exported, saved.path().join(&bill.pdf_row.filename));
    let copy = std::fs::read(&exported).unwrap();
    assert_ne!(copy, bill.pdf_bytes, "the copy is stamped");
    // Every page of the bill is there, under the stamp, and says who withdrew it and why.
    let pages = page_count(&bill.pdf);
    assert!(pages >= 1);
    assert_eq!(page_count(&exported), pages);
    let text = pdf_text(&exported);
    let original = pdf_text(&bill.pdf);
    let stamped_pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(stamped_pages.len(), pages, "{text}");
    for page in &stamped_pages {
        assert!(
            page.contains(&format!(
                "WITHDRAWN: Bill 1 of estimate {estimate} is not in force; this copy is kept as \
                 a record."
            )) && page.contains("Withdrawn on ")
                && page.contains(" by root: Measured on the wrong MB page."),
            "{page}"
        );
    }
    // The bill's own text is all still there: the stamp hides nothing.
    let figure = original
        .lines()
        .find(|l| l.contains("Supply and erection"))
        .expect("item 1's row")
        .split_whitespace()
        .last()
        .unwrap()
        .to_owned();
    assert!(text.contains(&figure), "{figure} in {text}");

    // The stored file stays as it was made: the record of what was issued.
    assert_eq!(std::fs::read(&bill.pdf).unwrap(), bill.pdf_bytes);
    let (_, previewed) = fx
        .core
        .output_bytes(&fx.root, bill.pdf_row.id)
        .await
        .unwrap();
    assert_eq!(
        previewed, bill.pdf_bytes,
        "the in-app preview shows the record"
    );
    // The system viewer opens a stamped copy, not the record.
    let viewed = fx
        .core
        .output_path(&fx.root, bill.pdf_row.id)
        .await
        .unwrap();
    assert_ne!(viewed, bill.pdf);
    assert!(pdf_text(&viewed).contains("WITHDRAWN: Bill 1 of estimate"));
    assert_eq!(std::fs::read(&bill.pdf).unwrap(), bill.pdf_bytes);
    // Each export counts as a download, stamped or not.
    let counted = outputs_of(&fx, bill.job_id).await;
    let pdf_row = counted.iter().find(|o| o.kind == "pdf").unwrap();
    assert_eq!(pdf_row.download_count, 2);
}

#[tokio::test]
async fn a_withdrawn_bills_workbook_leaves_behind_a_notice_sheet_with_its_sheets_as_made() {
    use common::libreoffice::{printed_text, sheets_as_shown, Recalculate};
    use sitebook_core::documents::withdraw::ChainDocument;
    let (fx, estimate) = with_example_estimate().await;
    let bill = first_bill_made(&fx, estimate).await;
    let xlsx_row = outputs_of(&fx, bill.job_id)
        .await
        .into_iter()
        .find(|o| o.kind == "xlsx")
        .unwrap();
    fx.core
        .document_withdraw(
            &fx.root,
            estimate,
            ChainDocument::Bill,
            1,
            "Measured on the wrong <MB> page & rates",
        )
        .await
        .unwrap();
    let saved = tempfile::tempdir().unwrap();
    let exported = fx
        .core
        .output_export(&fx.root, xlsx_row.id, saved.path(), IfExists::Refuse)
        .await
        .unwrap();
    assert_eq!(exported, saved.path().join(&xlsx_row.filename));
    assert_ne!(std::fs::read(&exported).unwrap(), bill.xlsx_bytes, "marked");

    // LibreOffice, reading it as Excel would, opens it on the notice, and every sheet after it
    // shows what the workbook as made shows, cell for cell.
    let marked = sheets_as_shown(&exported, Recalculate::Never);
    let made = sheets_as_shown(&bill.xlsx, Recalculate::Never);
    let (notice_name, notice) = &marked[0];
    assert_eq!(notice_name, "WITHDRAWN");
    let notice: Vec<String> = notice.iter().map(|row| row.join("")).collect();
    assert_eq!(notice[0], "WITHDRAWN");
    assert!(
        notice.contains(&format!(
            "WITHDRAWN: Bill 1 of estimate {estimate} is not in force; this copy is kept as a \
             record."
        )),
        "{notice:?}"
    );
    assert!(
        notice.iter().any(|line| line.starts_with("Withdrawn on ")
            && line.ends_with(" by root: Measured on the wrong <MB> page & rates.")),
        "{notice:?}"
    );
    assert_eq!(
        &marked[1..],
        &made[..],
        "the workbook's own sheets, as made"
    );
    // Printed, each page of its own sheets is headed as withdrawn.
    let printed = printed_text(&exported);
    let pages_made = printed_text(&bill.xlsx)
        .split('\u{c}')
        .filter(|page| !page.trim().is_empty())
        .count();
    let headed = printed
        .matches("WITHDRAWN: not the document in force (see the sheet WITHDRAWN)")
        .count();
    assert!(
        pages_made >= 1 && headed >= pages_made,
        "{headed} of {pages_made}: {printed}"
    );

    // The stored file stays as it was made, and the system viewer opens a marked copy.
    assert_eq!(std::fs::read(&bill.xlsx).unwrap(), bill.xlsx_bytes);
    let viewed = fx.core.output_path(&fx.root, xlsx_row.id).await.unwrap();
    assert_ne!(viewed, bill.xlsx);
    assert_eq!(
        sheets_as_shown(&viewed, Recalculate::Never)[0].0,
        "WITHDRAWN"
    );
}

#[tokio::test]
async fn a_file_deleted_from_the_data_folder_is_made_again_by_its_job_byte_for_byte() {
    let (fx, estimate) = with_example_estimate().await;
    let bill = first_bill_made(&fx, estimate).await;
    let outputs = outputs_of(&fx, bill.job_id).await;

    // While its files are there, there is nothing to make again.
    let refused = fx.core.job_retry(&fx.root, bill.job_id).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Precondition(m) if m.contains("files are all here")),
        "{refused:?}"
    );

    // Deleted by hand: opening it says which job makes it again, and how.
    std::fs::remove_file(&bill.pdf).unwrap();
    let missing = fx
        .core
        .output_path(&fx.root, bill.pdf_row.id)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains(&bill.pdf_row.filename)
            && missing.contains("Make again")
            && missing.contains(&format!("sitebook jobs retry {}", bill.job_id)),
        "{missing}"
    );
    bill.made_again_the_same(&fx).await;
    let ids = |list: &[sitebook_core::store::outputs::OutputView]| -> Vec<i64> {
        list.iter().map(|o| o.id).collect()
    };
    assert_eq!(
        ids(&outputs_of(&fx, bill.job_id).await),
        ids(&outputs),
        "the same rows, none added"
    );
    assert_eq!(bill_count(&fx, estimate).await, 1, "no second bill");

    // A withdrawn bill's files are kept as they were, never made again.
    withdraw_first_bill(&fx, estimate).await;
    std::fs::remove_file(&bill.xlsx).unwrap();
    assert_refused_as_withdrawn(&fx, bill.job_id).await;

    // The parse's result file is made again by its job from the stored workbook, which keeps
    // the estimate it stored then: no second estimate, and the bill above still follows it.
    let parsed = fx
        .core
        .outputs_list(&fx.root, None)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == "json")
        .unwrap();
    let json_path = fx.dir.path().join("outputs/root").join(&parsed.filename);
    let json_bytes = std::fs::read(&json_path).unwrap();
    let estimate_ids = || async {
        let list = fx.core.estimates_list(&fx.root).await.unwrap();
        list.iter().map(|e| e.id).collect::<Vec<_>>()
    };
    let estimates_before = estimate_ids().await;
    std::fs::remove_file(&json_path).unwrap();
    let missing = fx
        .core
        .output_path(&fx.root, parsed.id)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains(&format!("sitebook jobs retry {}", parsed.job_id)),
        "{missing}"
    );
    fx.core.job_retry(&fx.root, parsed.job_id).await.unwrap();
    let job = fx.completed_job(parsed.job_id).await;
    assert_eq!(job.estimate_id, Some(estimate));
    assert_eq!(std::fs::read(&json_path).unwrap(), json_bytes);
    assert_eq!(
        estimate_ids().await,
        estimates_before,
        "the estimate stored then is the one kept"
    );
    assert_eq!(ids(&outputs_of(&fx, parsed.job_id).await), [parsed.id]);

    // A cleanup removes the parse's result file with its row; the job makes it again, under
    // a new row, and still keeps the estimate it stored then.
    fx.core.clock().advance(chrono::Duration::days(31));
    let cleaned = fx.core.outputs_cleanup(&fx.root, 30).await.unwrap();
    assert!(cleaned.removed_rows >= 1, "{cleaned:?}");
    assert!(!json_path.exists());
    assert!(outputs_of(&fx, parsed.job_id).await.is_empty());
    fx.core.job_retry(&fx.root, parsed.job_id).await.unwrap();
    fx.completed_job(parsed.job_id).await;
    assert_eq!(std::fs::read(&json_path).unwrap(), json_bytes);
    let json_rows = outputs_of(&fx, parsed.job_id).await;
    assert_eq!(json_rows.len(), 1);
    assert_eq!(json_rows[0].filename, parsed.filename);
    assert_eq!(estimate_ids().await, estimates_before);
}

#[tokio::test]
async fn a_file_a_cleanup_removed_with_its_row_is_made_again_by_its_job() {
    use sitebook_core::jobs::queue::JobFilesView;
    let (fx, estimate) = with_example_estimate().await;
    let bill = first_bill_made(&fx, estimate).await;
    let whole = JobFilesView {
        removed: 0,
        missing: 0,
        can_make_again: false,
    };
    let files_of_bill = || async { fx.core.job_files(&fx.root, bill.job_id).await.unwrap() };
    assert_eq!(files_of_bill().await, whole);

    // As people do: the PDF is saved, the XLSX never is, and the retention cleanup takes it
    // with its row.
    let saved = tempfile::tempdir().unwrap();
    fx.core
        .output_export(&fx.root, bill.pdf_row.id, saved.path(), IfExists::Refuse)
        .await
        .unwrap();
    fx.core.clock().advance(chrono::Duration::days(31));
    fx.core.outputs_cleanup(&fx.root, 30).await.unwrap();
    assert!(bill.pdf.exists() && !bill.xlsx.exists());
    let left = outputs_of(&fx, bill.job_id).await;
    assert_eq!(
        left.iter().map(|o| o.id).collect::<Vec<_>>(),
        [bill.pdf_row.id]
    );
    assert_eq!(
        files_of_bill().await,
        JobFilesView {
            removed: 1,
            missing: 0,
            can_make_again: true,
        }
    );

    // Made again: the XLSX under its name with the same bytes and a row of its own again; the
    // PDF keeps its row and the download it counted.
    bill.made_again_the_same(&fx).await;
    let rows = outputs_of(&fx, bill.job_id).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let pdf_row = rows.iter().find(|o| o.kind == "pdf").unwrap();
    assert_eq!((pdf_row.id, pdf_row.download_count), (bill.pdf_row.id, 1));
    assert_eq!(files_of_bill().await, whole);
    assert_eq!(bill_count(&fx, estimate).await, 1, "no second bill");

    // Once withdrawn, a bill whose files a cleanup took stays without them.
    withdraw_first_bill(&fx, estimate).await;
    fx.core.clock().advance(chrono::Duration::days(31));
    fx.core.outputs_cleanup(&fx.root, 30).await.unwrap();
    assert!(!bill.xlsx.exists());
    assert_eq!(files_of_bill().await, whole);
    assert_refused_as_withdrawn(&fx, bill.job_id).await;
}

#[tokio::test]
async fn only_the_latest_bill_is_withdrawn_with_a_reason_and_its_number_is_made_again() {
    let (fx, estimate) = with_example_estimate().await;
    fx.org("AAA").await;
    let first = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    rendered(&fx, first.job_id).await;
    let second = fx
        .queue_bill_at(estimate, BillKind::NthPart, &[("1", dec!(20))])
        .await;
    rendered(&fx, second.job_id).await;

    // Each refusal below is spelled out with its own document and message: they are separate rules.
    use sitebook_core::documents::withdraw::ChainDocument;
    let refused = fx
        .core
        .document_withdraw(&fx.root, estimate, ChainDocument::Bill, 1, "wrong rate")
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Precondition(m) if m.contains("Only the latest bill") && m.contains("(bill 2)")),
        "{refused:?}"
    );
    // A bill that was never made is not "part of the chain": it is not there.
    let missing = fx
        .core
        .document_withdraw(&fx.root, estimate, ChainDocument::Bill, 9, "wrong rate")
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, Error::NotFound(m) if m.contains("has no bill 9") && m.contains("latest is bill 2")),
        "{missing:?}"
    );
    let refused = fx
        .core
        .document_withdraw(&fx.root, estimate, ChainDocument::Bill, 2, " ")
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Validation(_)), "{refused:?}");

    let withdrawn = fx
        .core
        .document_withdraw(
            &fx.root,
            estimate,
            ChainDocument::Bill,
            2,
            "Item 1 was measured twice",
        )
        .await
        .unwrap();
    assert_eq!((withdrawn.number, withdrawn.files_marked), (2, 2));
    assert_eq!(bill_count(&fx, estimate).await, 1);
    // Asked again, it says bill 2 was withdrawn, and why, not only that there is none.
    let again = fx
        .core
        .document_withdraw(&fx.root, estimate, ChainDocument::Bill, 2, "wrong rate")
        .await
        .unwrap_err();
    assert!(
        matches!(&again, Error::NotFound(m) if m.contains("has no bill 2 to withdraw (bill 2 was withdrawn at ")
            && m.contains(": Item 1 was measured twice)")
            && m.ends_with("; its latest is bill 1.")),
        "{again:?}"
    );
    // Bill 0 is no bill, not an earlier one of the chain.
    let zero = fx
        .core
        .document_withdraw(&fx.root, estimate, ChainDocument::Bill, 0, "no such bill")
        .await
        .unwrap_err();
    assert!(
        matches!(&zero, Error::NotFound(m)
            if m == &format!("Estimate {estimate} has no bill 0 to withdraw; its latest is bill 1.")),
        "{zero:?}"
    );
    // Its files stay, marked withdrawn; bill 1's are untouched.
    let outputs = fx.core.outputs_list(&fx.root, None).await.unwrap();
    let of_job = |job: i64| outputs.iter().filter(move |o| o.job_id == job);
    assert_eq!(of_job(second.job_id).count(), 2);
    assert!(of_job(second.job_id).all(|o| o.withdrawn));
    assert!(of_job(first.job_id).all(|o| !o.withdrawn));
    let audit = fx.audit().await;
    let row = audit
        .iter()
        .find(|e| e.action == "document.withdraw" && e.outcome == "success")
        .expect("the withdrawal is audited");
    assert_eq!(row.reason.as_deref(), Some("Item 1 was measured twice"));

    // Bill 2 again, from bill 1's figures.
    let again = fx
        .queue_bill_at(estimate, BillKind::NthPart, &[("1", dec!(14))])
        .await;
    assert_eq!(again.number, Some(2));
    let (pdf, _) = rendered(&fx, again.job_id).await;
    let text = pdf_text(&pdf);
    let item1 = text
        .lines()
        .find(|l| l.contains("Supply and erection"))
        .unwrap();
    assert!(
        item1.contains("12.50") && item1.contains("5,625.00"),
        "{item1}"
    );

    // Spelled out like the refusals above: its own document and message.
    // A work slip cannot go from under a bill that followed it.
    let slip = fx.queue_workslip(estimate, Vec::new(), Vec::new()).await;
    rendered(&fx, slip.job_id).await;
    let listed = fx.workslips(estimate).await;
    assert_eq!(
        (listed[0].followed_by_bill, &listed[0].withdrawal_refused),
        (None, &None),
        "no bill follows work slip 1 yet"
    );
    let bill_job = fx
        .core
        .bill_create(
            &fx.root,
            estimate,
            BillKind::NthPart,
            Some(quantities(&[("4", dec!(3))])),
        )
        .await
        .map(|queued| queued.job_id)
        .unwrap();
    rendered(&fx, bill_job).await;
    let refused = fx
        .core
        .document_withdraw(&fx.root, estimate, ChainDocument::Workslip, 1, "wrong")
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Precondition(m) if m.contains("Bill 3") && m.contains("work slip 1")),
        "{refused:?}"
    );
    // The list says so before anyone types a reason, in the refusal's own words.
    // (The window's fake backend says the same words: ui/src/fake/documents.ts.)
    let listed = fx.workslips(estimate).await;
    assert_eq!(listed[0].followed_by_bill, Some(3));
    assert_eq!(
        listed[0].withdrawal_refused.as_deref(),
        Some(refused.to_string().as_str())
    );
    assert_eq!(
        refused.to_string(),
        format!(
            "Bill 3 of estimate {estimate} was made after work slip 1 and follows its working \
             estimate; withdraw the bills after it first."
        )
    );
    // With bill 3 withdrawn, nothing follows the work slip, and it can go.
    fx.core
        .document_withdraw(&fx.root, estimate, ChainDocument::Bill, 3, "wrong quantity")
        .await
        .unwrap();
    let listed = fx.workslips(estimate).await;
    assert_eq!(
        (listed[0].followed_by_bill, &listed[0].withdrawal_refused),
        (None, &None)
    );
    fx.core
        .document_withdraw(&fx.root, estimate, ChainDocument::Workslip, 1, "wrong")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_document_whose_files_are_still_being_made_is_not_withdrawn_and_its_list_says_why() {
    use sitebook_core::documents::withdraw::ChainDocument;
    let (fx, estimate) = with_example_estimate().await;
    // No worker runs in these tests until `rendered` runs the job: bill 1's job stays queued.
    let bill = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    let refused = fx
        .core
        .document_withdraw(&fx.root, estimate, ChainDocument::Bill, 1, "wrong rate")
        .await
        .unwrap_err();
    let expected = format!(
        "The files of bill 1 are still being made by job {}; withdraw it once that job has ended.",
        bill.job_id
    );
    assert!(
        matches!(&refused, Error::Precondition(m) if *m == expected),
        "{refused:?}"
    );
    // The list says it before anyone types a reason, in the refusal's own words
    // (the window shows it on the disabled Withdraw… button).
    let listed = fx.bills(estimate).await;
    assert_eq!(
        listed[0].withdrawal_refused.as_deref(),
        Some(expected.as_str())
    );
    rendered(&fx, bill.job_id).await;
    assert_eq!(fx.bills(estimate).await[0].withdrawal_refused, None);

    // A work slip the same, with the job asked about before the bills that follow it.
    let slip = fx.queue_workslip(estimate, Vec::new(), Vec::new()).await;
    let listed = fx.workslips(estimate).await;
    assert_eq!(
        listed[0].withdrawal_refused.as_deref(),
        Some(
            format!(
                "The files of work slip 1 are still being made by job {}; withdraw it once that \
                 job has ended.",
                slip.job_id
            )
            .as_str()
        )
    );
    let refused = fx
        .core
        .document_withdraw(&fx.root, estimate, ChainDocument::Workslip, 1, "wrong")
        .await
        .unwrap_err();
    assert_eq!(Some(refused.to_string()), listed[0].withdrawal_refused);
    rendered(&fx, slip.job_id).await;
    assert_eq!(fx.workslips(estimate).await[0].withdrawal_refused, None);
    // Once its job ended, the work slip goes.
    fx.core
        .document_withdraw(&fx.root, estimate, ChainDocument::Workslip, 1, "wrong")
        .await
        .unwrap();
}

#[tokio::test]
async fn sub_heads_of_the_estimate_are_kept_in_every_document() {
    // The worked example has two sub-heads: "Cable works" above item 1, and "Electrical
    // works" (merged A:H) above item 4.
    let (fx, estimate) = with_example_estimate().await;
    let bill = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    let slip = fx.queue_workslip(estimate, Vec::new(), Vec::new()).await;
    let summary = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    for (name, job) in [
        ("bill", bill.job_id),
        ("work slip", slip.job_id),
        ("abstract", summary.job_id),
    ] {
        let (pdf, xlsx) = rendered(&fx, job).await;
        let text = pdf_text(&pdf);
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{name}: no {needle:?} in {text}"))
        };
        assert!(at("Cable works") < at("PSCC pole"), "{name}: {text}");
        assert!(at("PSCC pole") < at("Electrical works"), "{name}: {text}");
        assert!(
            at("Electrical works") < at("Total station survey"),
            "{name}: {text}"
        );
        // The workbook has them too, as rows of their own among the items.
        let cells = sitebook_core::excel::read_workbook(
            &std::fs::read(&xlsx).unwrap(),
            "doc.xlsx",
            &sitebook_core::excel::Limits::default(),
        )
        .unwrap();
        let texts: Vec<String> = cells[0]
            .rows_from(0)
            .map(|row| {
                row.iter()
                    .filter_map(|(_, value)| value.text())
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect();
        let row_of = |needle: &str| {
            texts
                .iter()
                .position(|row| row.contains(needle))
                .unwrap_or_else(|| panic!("{name}: no {needle:?} row in the workbook"))
        };
        assert!(row_of("Cable works") < row_of("PSCC pole"), "{name}");
        assert!(
            row_of("Electrical works") < row_of("Total station survey"),
            "{name}"
        );
    }
    // The abstract read back by the estimate parser has its headings again.
    let (_, xlsx) = rendered(&fx, summary.job_id).await;
    let reread =
        sitebook_core::excel::parse_estimate_file(&xlsx, &sitebook_core::excel::Limits::default())
            .unwrap();
    let headings: Vec<&str> = reread.sheets[0]
        .headings
        .iter()
        .map(|h| h.text.as_str())
        .collect();
    assert!(
        headings.contains(&"Cable works") && headings.contains(&"Electrical works"),
        "{headings:?}"
    );
}

/// A text longer than a spreadsheet cell can hold is refused where it enters, naming the item or
/// field, and nothing is saved; before, its bill was saved and then never rendered (the number
/// used up for good).
#[tokio::test]
async fn a_text_too_long_for_a_cell_is_refused_by_name_and_uses_up_no_number() {
    let fx = fixture().await;
    let long = "x".repeat(40_000);
    let mut workbook = workbooks::estimate_workbook("Long description works");
    let sheet = workbook.worksheet_from_name("Estimate").unwrap();
    // No spreadsheet writer makes such a cell, so the text is put into the file afterwards.
    for (row, (serial, description)) in [(3u32, ("1", "Earth work")), (4, ("2", "LONG-TEXT"))] {
        workbooks::num(sheet, row, 0, serial.parse().unwrap());
        workbooks::num(sheet, row, 1, 2.0);
        workbooks::text(sheet, row, 2, "Cum");
        workbooks::text(sheet, row, 3, description);
        workbooks::num(sheet, row, 4, 100.0);
        workbooks::num(sheet, row, 5, 1.0);
        workbooks::text(sheet, row, 6, "Cum");
        workbooks::num(sheet, row, 7, 200.0);
    }
    let sound = workbook.save_to_buffer().unwrap();
    let bytes = workbooks::rewrite_zip(&sound, |name, data| {
        if name == "xl/sharedStrings.xml" {
            String::from_utf8(data)
                .unwrap()
                .replace("LONG-TEXT", &long)
                .into_bytes()
        } else {
            data
        }
    });

    // From a workbook, the text is refused as it enters, by its cell.
    let path = fx.dir.path().join("long.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    let job = fx.core.upload(&fx.root, &[path]).await.unwrap()[0]
        .job_id
        .unwrap();
    let failed = fx.core.job_wait(&fx.root, job, |_| {}).await.unwrap();
    pool.shutdown().await;
    let message = failed.error_message.unwrap_or_default();
    assert!(
        message.contains("Estimate!D5") && message.contains("40,000 characters"),
        "{message}"
    );

    // Entered by the other doors (a supplemental item, the work data), it is refused there,
    // and no number is used up.
    let estimate = fx.parsed_estimate(sound).await;
    fx.set_grand_total(estimate, "100000").await;
    let refused = fx
        .core
        .workslip_create(
            &fx.root,
            estimate,
            vec![ItemQuantity::new("1", dec!(1))],
            vec![SupplementalLine {
                sl_no: "S1".into(),
                description: long.clone(),
                unit: "Cum".into(),
                rate: dec!(10),
                executed: dec!(1),
                origin: None,
            }],
            Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("40000 characters"),
        "{refused}"
    );
    assert!(
        fx.workslips(estimate).await.is_empty(),
        "no work slip saved"
    );

    let refused = fx
        .core
        .work_edit(
            &fx.root,
            estimate,
            WorkChanges {
                agency: Some(long.clone()),
                ..WorkChanges::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("the name of the agency has 40000 characters"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_character_no_bundled_font_draws_is_a_job_warning_naming_the_field() {
    let (fx, estimate) = with_example_estimate().await;
    fx.edit_work(
        estimate,
        WorkChanges {
            name_of_work: Some("CC road సిమెంట్ రోడ్డు 道路".into()),
            agency: Some("Sri Lakshmi 建設 श्री".into()),
            ..WorkChanges::default()
        },
    )
    .await;
    let queued = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    let (pdf, _) = rendered(&fx, queued.job_id).await;
    let job = fx.core.job_show(&fx.root, queued.job_id).await.unwrap();
    let warnings: Vec<&str> = job
        .error_log
        .iter()
        .filter(|entry| entry.step == "fonts")
        .map(|entry| entry.error.as_str())
        .collect();
    assert_eq!(warnings.len(), 2, "{:?}", job.error_log);
    assert!(
        warnings[0]
            .starts_with("Name of the work: no bundled font has '道' (U+9053), '路' (U+8DEF)"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[1]
            .starts_with("Name of the Agency: no bundled font has '建' (U+5EFA), '設' (U+8A2D)"),
        "{}",
        warnings[1]
    );
    // The scripts that have fonts are drawn; the uncovered characters are marked, not "?".
    let text = pdf_text(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("CC road సిమెంట్ రోడ్డు \u{FFFD}\u{FFFD}"),
        "{text}"
    );
    assert!(flat.contains("Sri Lakshmi \u{FFFD}\u{FFFD} श्री"), "{text}");
}

#[tokio::test]
async fn the_rupee_sign_is_an_org_setting_and_each_document_keeps_the_mark_it_was_made_with() {
    let (fx, estimate) = with_example_estimate().await;
    assert_eq!(
        fx.core.currency_mark(&fx.root).await.unwrap(),
        CurrencyMark::Rs
    );
    let quantities = || Some(vec![ItemQuantity::new("1", dec!(10))]);
    let first = fx
        .queue_bill(estimate, BillKind::FirstPart, quantities())
        .await;
    let (pdf1, _) = rendered(&fx, first.job_id).await;
    let text1 = pdf_text(&pdf1);
    assert!(
        text1.contains("Estimate Amount:") && text1.contains("Rs. "),
        "{text1}"
    );
    assert!(!text1.contains('₹'), "{text1}");

    fx.core
        .currency_mark_set(&fx.root, CurrencyMark::RupeeSign)
        .await
        .unwrap();
    let second = fx
        .queue_bill_at(estimate, BillKind::NthPart, &[("1", dec!(12))])
        .await;
    let (pdf2, xlsx2) = rendered(&fx, second.job_id).await;
    let text2 = pdf_text(&pdf2);
    let flat = text2.split_whitespace().collect::<Vec<_>>().join(" ");
    // The header's estimate amount, the amount payable, the memorandum's net and the form's
    // cheque take the sign; no amount is written "Rs." any more.
    assert!(flat.contains("Estimate Amount: ₹ 1,30,000.00"), "{text2}");
    assert!(flat.contains("(since last measurements): ₹ "), "{text2}");
    assert!(flat.contains("Net payable by cheque: ₹ "), "{text2}");
    assert!(flat.contains("By cheque: ₹ "), "{text2}");
    assert!(!flat.contains("Rs. "), "{text2}");
    let mut workbook = zip::ZipArchive::new(std::fs::File::open(&xlsx2).unwrap()).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut workbook.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(strings.contains("₹ "), "{strings}");

    let audit = fx.audit().await;
    assert!(
        audit.iter().any(|entry| entry.action == "settings.currency"
            && entry.reason.as_deref() == Some("documents print amounts as ₹ 1,200.00")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn only_owners_and_admins_change_the_currency_mark() {
    let fx = fixture().await;
    fx.org("AAA").await;
    for (name, role) in [
        ("mia", MembershipRole::Member),
        ("vera", MembershipRole::Viewer),
        ("adam", MembershipRole::Admin),
    ] {
        fx.member(name, "AAA", role).await;
    }
    for name in ["mia", "vera"] {
        let session = fx.sign_in_to(name, "AAA").await;
        assert_eq!(
            fx.core.currency_mark(&session).await.unwrap(),
            CurrencyMark::Rs
        );
        let refused = fx
            .core
            .currency_mark_set(&session, CurrencyMark::RupeeSign)
            .await
            .unwrap_err();
        assert!(matches!(refused, Error::Denied(_)), "{name}: {refused:?}");
    }
    let adam = fx.sign_in_to("adam", "AAA").await;
    fx.core
        .currency_mark_set(&adam, CurrencyMark::RupeeSign)
        .await
        .unwrap();
    let mia = fx.sign_in_to("mia", "AAA").await;
    assert_eq!(
        fx.core.currency_mark(&mia).await.unwrap(),
        CurrencyMark::RupeeSign
    );
    // Another organization keeps its own (the default).
    assert_eq!(
        fx.core.currency_mark(&fx.root).await.unwrap(),
        CurrencyMark::Rs
    );
}

#[tokio::test]
async fn a_deleted_item_already_billed_is_warned_of_at_the_slip_and_when_billed_again() {
    let (fx, estimate) = with_example_estimate().await;
    // Bill 1 measures 1 of item 3 (a pump set) while the estimate still has it.
    let first = fx
        .queue_bill_at(estimate, BillKind::FirstPart, &[("3", dec!(1))])
        .await;
    assert!(
        besides_work_data(&first.warnings).is_empty(),
        "{:?}",
        first.warnings
    );
    // Work slip 1 then deletes item 3, which the editor's preview and the slip itself both
    // say: the 1 already paid for is now above the work slip.
    let preview = fx
        .core
        .workslip_preview(
            &fx.root,
            estimate,
            &[sitebook_core::documents::editor::QuantityEntry {
                sl_no: "3".into(),
                quantity: "0".into(),
            }],
            &[],
            &[],
        )
        .await
        .unwrap();
    let slip = fx
        .queue_workslip(estimate, quantities(&[("3", dec!(0))]), Vec::new())
        .await;
    let expected = "Item 3: this work slip sets 0, but the bills so far have paid for 1 of it; \
                    the bills after it carry the 1 above it as AE (in excess of the work slip).";
    for warnings in [&preview.warnings, &slip.warnings] {
        assert!(warnings.iter().any(|w| w == expected), "{warnings:?}");
    }
    // Bill 2 measures nothing more of it: its 1 moves from the item's row to an AE row, and
    // nothing is billed again, so nothing is said.
    let second = fx
        .queue_bill_at(estimate, BillKind::NthPart, &[("3", dec!(1))])
        .await;
    assert!(
        besides_work_data(&second.warnings).is_empty(),
        "{:?}",
        second.warnings
    );
    // Bill 3 measures 1.5 in all: the 0.5 since bill 2 is billed against a deleted item, and
    // the warning gives both figures, since the AE row prints the 1.5.
    let third = fx
        .queue_bill_at(estimate, BillKind::NthPart, &[("3", dec!(1.5))])
        .await;
    let warnings = besides_work_data(&third.warnings);
    assert_eq!(warnings.len(), 1, "{:?}", third.warnings);
    assert!(
        warnings[0].starts_with("item 3 (Pump set")
            && warnings[0].ends_with(
                "its 1.5 billed till date is shown as excess over the estimate (AE), 0.5 of it \
                 since the last bill"
            ),
        "{:?}",
        third.warnings
    );
}

#[tokio::test]
async fn a_name_of_work_too_long_for_the_header_is_warned_of_where_it_is_cut() {
    // A workbook's own name of work is not held to the work data's limit: 160 words, about
    // 1,300 characters, which a bill's header cannot print whole.
    let words: Vec<String> = (1..=160).map(|n| format!("stretch{n:03}")).collect();
    let name = words.join(" ");
    let fx = fixture().await;
    let estimate = fx
        .parsed_estimate(workbooks::estimate_with_items(&name, 4))
        .await;
    let bill = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    let (pdf, xlsx) = rendered(&fx, bill.job_id).await;
    let job = fx.core.job_show(&fx.root, bill.job_id).await.unwrap();
    let cut: Vec<&str> = job
        .error_log
        .iter()
        .filter(|entry| entry.step == "layout")
        .map(|entry| entry.error.as_str())
        .collect();
    assert_eq!(cut.len(), 1, "{:?}", job.error_log);
    assert!(
        cut[0].starts_with(&format!(
            "Name of the work ({} characters) is longer than a bill's header prints",
            name.chars().count()
        )),
        "{}",
        cut[0]
    );
    // The bill's first page marks the cut, without the last words; the XLSX keeps them.
    let text = pdf_text(&pdf);
    let first_page = text.split('\u{c}').next().unwrap();
    assert!(first_page.contains("stretch080 ..."), "{first_page}");
    assert!(!first_page.contains("stretch160"), "{first_page}");
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    assert!(
        sheet
            .cells()
            .any(|(_, _, cell)| cell.to_string().contains("stretch160")),
        "the XLSX keeps the whole name"
    );
}

#[tokio::test]
async fn the_abstract_prints_the_estimates_own_ae_rows_and_counts_them_in_its_ecv() {
    use workbooks::{formula, priced_item, text};
    let mut workbook = workbooks::estimate_workbook("AE in the estimate");
    let sheet = workbook.worksheet_from_name("Estimate").unwrap();
    priced_item(
        sheet,
        3,
        (1.0, 10.0, "Cum", "Earthwork excavation", 300.0, "Cum"),
        "3000",
    );
    // The excess over item 1 at its rate, as a revised estimate carries it: no serial.
    workbooks::num(sheet, 4, 1, 2.0);
    text(sheet, 4, 3, "AE1");
    workbooks::num(sheet, 4, 4, 300.0);
    formula(sheet, 4, 7, "=ROUND(B5*E5,2)", "600");
    priced_item(
        sheet,
        5,
        (2.0, 5.0, "Sqm", "Plastering", 100.0, "Sqm"),
        "500",
    );
    text(sheet, 6, 3, "ECV");
    formula(sheet, 6, 7, "=SUM(H4:H6)", "4100");
    text(sheet, 7, 3, "Add Excess T.P @ 5 %");
    formula(sheet, 7, 7, "=ROUND(H7*5/100,2)", "205");
    text(sheet, 8, 3, "Grand Total");
    workbooks::num(sheet, 8, 7, 6000.0);
    let (fx, estimate) = fixture_with_estimate(workbook.save_to_buffer().unwrap()).await;

    let queued = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    let (pdf, xlsx) = rendered(&fx, queued.job_id).await;
    // DOMAIN.md §1 on the rows as the workbook has them (every footer row but ECV is
    // optional, and this one has no LC, QC or NAC line): ECV 3,000 + 600 + 500 = 4,100.00;
    // T.P 5 % = 205.00; Sub Total 4,305.00; GST 18 % = ROUND2(774.90) = 774.90;
    // L.S = 6,000 − 774.90 − 4,305.00 = 920.10.
    let text = pdf_text(&pdf);
    let lines: Vec<String> = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(
        lines.iter().any(|l| l == "2.00 AE1 300.00 1 600.00"),
        "{text}"
    );
    for (label, amount) in [
        ("ECV", "4,100.00"),
        ("Add Excess T.P @ 5 %", "205.00"),
        ("Sub Total", "4,305.00"),
        ("Add GST @ 18 %", "774.90"),
        ("L.S Provision towards unforeseen items", "920.10"),
    ] {
        assert!(
            lines.iter().any(|l| *l == format!("{label} {amount}")),
            "{label} {amount} in {text}"
        );
    }
    // No row the workbook does not have: a cess the abstract invented would say it was
    // collected in the estimate while the bills withhold it.
    for absent in ["Add LC", "Add QC", "Add NAC"] {
        assert!(!text.contains(absent), "{absent} in {text}");
    }

    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect();
    let amount_of = |label: &str| {
        let row = rows
            .iter()
            .find(|row| row[3] == label)
            .unwrap_or_else(|| panic!("no {label} row in {rows:?}"));
        row[7].clone()
    };
    assert_eq!(amount_of("AE1"), "600");
    assert_eq!(amount_of("ECV"), "4100");
    assert_eq!(amount_of("Sub Total"), "4305");
    assert!(
        !rows
            .iter()
            .any(|row| row[3].starts_with("Add LC") || row[3].starts_with("Add NAC")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_work_slip_refuses_a_rate_finer_than_a_paisa_and_a_second_item_of_an_earlier_serial() {
    let (fx, estimate) = with_example_estimate().await;
    let refuse = |executed: Vec<ItemQuantity>, supplemental: Vec<SupplementalLine>| {
        let fx = &fx;
        async move {
            fx.core
                .workslip_create(&fx.root, estimate, executed, supplemental, Vec::new())
                .await
                .unwrap_err()
                .to_string()
        }
    };
    let one = quantities(&[("1", dec!(10))]);
    let refused = refuse(one.clone(), vec![extra_excavation(dec!(450.555), dec!(12))]).await;
    assert_eq!(
        refused,
        "Work slip 1: supplemental item S1 (Extra earth work excavation): rate 450.555 has \
         more than two decimal places; give it in rupees and paise."
    );
    fx.queue_workslip(
        estimate,
        one.clone(),
        vec![extra_excavation(dec!(450.50), dec!(12))],
    )
    .await;

    // S1 again in the next slip would be a second item S1; its quantity goes among the executed.
    let refused = refuse(one.clone(), vec![extra_excavation(dec!(450.50), dec!(15))]).await;
    assert_eq!(
        refused,
        "Work slip 2: supplemental item S1 is work slip 1's (Extra earth work excavation): \
         number the new item S2, or, to change that item, give its quantity in its own row \
         (S1,QUANTITY in a quantities file)."
    );
    // An item the estimate lacks is named once, with its slip.
    let refused = refuse(quantities(&[("77", dec!(1))]), Vec::new()).await;
    assert_eq!(
        refused,
        "Work slip 2, item 77: there is no such item in the estimate."
    );
    assert_eq!(
        fx.core
            .workslip_list(&fx.root, estimate)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_work_slip_waits_for_a_sanctioned_grand_total_to_balance_to() {
    let (fx, estimate) = with_example_estimate().await;
    // As a workbook without a Grand Total row leaves it.
    fx.set_grand_total(estimate, "0").await;
    let refused = fx
        .core
        .workslip_create(
            &fx.root,
            estimate,
            quantities(&[("1", dec!(10))]),
            Vec::new(),
            Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Precondition(_)), "{refused:?}");
    assert_eq!(
        refused.to_string(),
        format!(
            "Work slip 1: the sanctioned grand total in the work data of estimate {estimate} is \
             0, and a work slip balances to it. Enter the sanctioned amount there first \
             (Sanctioned grand total in the window's work data, `sitebook work edit {estimate} \
             --grand-total AMOUNT`)."
        )
    );
    assert!(fx.workslips(estimate).await.is_empty(), "nothing saved");
    // The window's editor says the same as it opens, rather than on Save.
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.phase, None);
    assert_eq!(draft.blocked.as_deref(), Some(refused.to_string().as_str()));
    fx.set_grand_total(estimate, "130000").await;
    fx.queue_workslip(estimate, quantities(&[("1", dec!(10))]), Vec::new())
        .await;
}

#[tokio::test]
async fn a_work_slip_rate_holds_in_the_slips_after_it_until_the_estimate_rate_is_given_back() {
    use sitebook_core::documents::editor::QuantityEntry;
    use sitebook_core::domain::workslip::RateOverride;
    let (fx, estimate) = with_example_estimate().await;
    let rate = |sl_no: &str, rate: Decimal| RateOverride::new(sl_no, rate);
    let slip = |item_1: Decimal, rates: Vec<RateOverride>| {
        let fx = &fx;
        async move {
            fx.core
                .workslip_create(
                    &fx.root,
                    estimate,
                    quantities(&[("1", item_1)]),
                    Vec::new(),
                    rates,
                )
                .await
        }
    };
    // The rate a bill after the latest work slip prints for item 1.
    let billed_rate = || {
        let fx = &fx;
        async move {
            let entries = [QuantityEntry {
                sl_no: "1".into(),
                quantity: "5".into(),
            }];
            let preview = fx
                .core
                .bill_preview(&fx.root, estimate, false, &entries, &[])
                .await
                .unwrap();
            let row = preview.rows.iter().find(|row| row.sl_no == "1").unwrap();
            (
                row.rate.clone().unwrap(),
                row.figures.last().cloned().flatten().unwrap(),
            )
        }
    };
    let refused = slip(dec!(10), vec![rate("1", dec!(475.555))])
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "Work slip 1: item 1: rate 475.555 has more than two decimal places; give it in rupees \
         and paise."
    );
    slip(dec!(10), vec![rate("1", dec!(475))]).await.unwrap();
    // 5 × 475.00 = 2,375.00 (the estimate's 450.00 would give 2,250.00).
    assert_eq!(
        billed_rate().await,
        ("475.00".to_owned(), "2375.00".to_owned())
    );
    // A slip that gives no rate keeps it; a rate alone is a change worth a slip.
    slip(dec!(11), Vec::new()).await.unwrap();
    assert_eq!(billed_rate().await.0, "475.00");
    slip(dec!(11), vec![rate("1", dec!(480))]).await.unwrap();
    assert_eq!(
        billed_rate().await,
        ("480.00".to_owned(), "2400.00".to_owned())
    );
    // The estimate's own rate given back lifts the override.
    slip(dec!(11), vec![rate("1", dec!(450))]).await.unwrap();
    assert_eq!(
        billed_rate().await,
        ("450.00".to_owned(), "2250.00".to_owned())
    );
    assert_eq!(fx.workslips(estimate).await.len(), 4);
}

#[tokio::test]
async fn a_work_slip_that_would_repeat_the_last_is_refused_until_something_changed() {
    let (fx, estimate) = with_example_estimate().await;
    fx.queue_workslip(
        estimate,
        quantities(&[("1", dec!(10)), ("3", dec!(0))]),
        vec![extra_excavation(dec!(450.50), dec!(12))],
    )
    .await;
    let create = |executed: Vec<ItemQuantity>, supplemental: Vec<SupplementalLine>| {
        let fx = &fx;
        async move {
            fx.core
                .workslip_create(&fx.root, estimate, executed, supplemental, Vec::new())
                .await
        }
    };
    let repeat = "Work slip 2 would repeat work slip 1: every executed quantity is the one it \
                  recorded and no supplemental item is new. Give the quantities that changed \
                  since work slip 1.";
    // An empty executed file, and the same figures typed again (S1's among them).
    for executed in [
        Vec::new(),
        quantities(&[("1", dec!(10)), ("3", dec!(0))]),
        vec![ItemQuantity::new("S1", dec!(12))],
    ] {
        let refused = create(executed.clone(), Vec::new()).await.unwrap_err();
        assert_eq!(refused.to_string(), repeat, "{executed:?}");
    }
    assert_eq!(fx.workslips(estimate).await.len(), 1, "nothing saved");

    // A changed premium moves every figure below the Sub Total, so that slip records something.
    fx.edit_work(estimate, less_premium("4.5")).await;
    create(Vec::new(), Vec::new())
        .await
        .expect("the new premium is recorded");
    // And a moved quantity makes the next one.
    create(vec![ItemQuantity::new("S1", dec!(13))], Vec::new())
        .await
        .expect("S1 moved");
    assert_eq!(fx.workslips(estimate).await.len(), 3);
}

#[tokio::test]
async fn a_part_bill_that_measures_nothing_is_refused_and_a_final_one_closes_the_work() {
    let (fx, estimate) = with_example_estimate().await;
    let zeros = quantities(&[
        ("1", dec!(0)),
        ("2", dec!(0)),
        ("3", dec!(0)),
        ("4", dec!(0)),
    ]);
    let refused = fx
        .core
        .bill_create(&fx.root, estimate, BillKind::FirstPart, Some(zeros))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.starts_with("Bill 1: every quantity is 0 (or too small to come to a paisa)"),
        "{refused}"
    );
    // A quantity too small to come to a paisa measures nothing either (it made a bill of 0.00).
    let speck = quantities(&[("1", dec!(0.0000001))]);
    let refused = fx
        .core
        .bill_create(&fx.root, estimate, BillKind::FirstPart, Some(speck))
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("would pay nothing"), "{refused}");
    assert_eq!(bill_count(&fx, estimate).await, 0, "nothing saved");
    fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    // The same till-date quantities again: nothing since bill 1, and no premium change.
    let refused = fx
        .core
        .bill_create(&fx.root, estimate, BillKind::NthPart, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.starts_with("Bill 2: no quantity was measured since the last bill"),
        "{refused}"
    );
    assert_eq!(bill_count(&fx, estimate).await, 1, "nothing saved");
    // A final bill may close the work on what was measured.
    fx.queue_bill(estimate, BillKind::NthFinal, None).await;
    assert_eq!(bill_count(&fx, estimate).await, 2);
}

#[tokio::test]
async fn a_quantity_finer_than_five_decimals_shows_every_digit_in_the_workbook_as_in_the_pdf() {
    use common::libreoffice::{sheets_as_shown, Recalculate};
    let (fx, estimate) = with_example_estimate().await;
    let bill = fx
        .queue_bill_at(estimate, BillKind::FirstPart, &[("3", dec!(0.123456789))])
        .await;
    let (pdf, xlsx) = rendered(&fx, bill.job_id).await;
    let text = pdf_text(&pdf);
    assert!(text.contains("0.123456789"), "{text}");
    // As LibreOffice shows the cell: the shared format stops at five decimals (0.12346).
    let shown = sheets_as_shown(&xlsx, Recalculate::Never);
    let cells: Vec<&String> = shown[0].1.iter().flatten().collect();
    assert!(cells.iter().any(|cell| *cell == "0.123456789"), "{cells:?}");
    // And nowhere is it cut to five.
    assert!(
        !cells.iter().any(|cell| cell.starts_with("0.12346")),
        "{cells:?}"
    );
}

#[tokio::test]
async fn the_bill_list_says_what_each_bill_pays_as_its_memorandum_prints_it() {
    use sitebook_core::domain::money::format_indian;
    let (fx, estimate) = with_example_estimate().await;
    let first = first_bill_made(&fx, estimate).await;
    let second = fx
        .queue_bill_at(estimate, BillKind::NthPart, &[("3", dec!(2))])
        .await;
    let (second_pdf, _) = rendered(&fx, second.job_id).await;
    let bills = fx.bills(estimate).await;
    assert_eq!(bills.len(), 2);
    for (bill, pdf) in bills.iter().zip([&first.pdf, &second_pdf]) {
        let text = pdf_text(pdf);
        let (gross, net) = (bill.gross.unwrap(), bill.net_payable.unwrap());
        assert!(net < gross, "bill {}: deductions come off", bill.number);
        let printed = |label: &str| {
            text.lines()
                .find(|line| line.contains(label))
                .unwrap_or_else(|| panic!("{label}: {text}"))
                .to_owned()
        };
        assert!(
            printed("Gross amount of this bill").ends_with(&format_indian(gross)),
            "bill {}: {text}",
            bill.number
        );
        assert!(
            printed("Net payable by cheque:").ends_with(&format!("Rs. {}", format_indian(net))),
            "bill {}: {text}",
            bill.number
        );
    }
}
