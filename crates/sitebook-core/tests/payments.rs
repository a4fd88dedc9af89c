//! Deductions and the memorandum of payments through the real API and job engine (DOMAIN.md
//! §2a): the table and who may change it, lines frozen into each bill, the security deposit
//! stopping at its cap along a chain, one-off recoveries, and the net payable in the PDF.
//! Every expected figure is worked out here from DOMAIN.md's rules, not by the code under test.

mod common;
mod workbooks;

use std::path::PathBuf;

use common::{fixture, fixture_with_estimate, indian, less_premium, pdf_text, round2, Fixture};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sitebook_core::documents::payments::LinesOfCode;
use sitebook_core::documents::withdraw::ChainDocument;
use sitebook_core::documents::{QueuedDocument, WorkChanges};
use sitebook_core::domain::bill::{BillKind, ItemQuantity};
use sitebook_core::domain::payments::{Base, Charge, Effect, OneOffRecovery, PaymentLine};
use sitebook_core::domain::permissions::MembershipRole;
use sitebook_core::domain::work::DocDate;
use sitebook_core::Error;

async fn rendered_pdf(fx: &Fixture, job_id: i64) -> PathBuf {
    fx.rendered(job_id).await.0
}

/// The line of `text` that starts the memorandum row `particulars`, with its amount.
fn memo_line<'t>(text: &'t str, particulars: &str) -> &'t str {
    text.lines()
        .find(|line| line.contains(particulars))
        .unwrap_or_else(|| panic!("no memorandum line {particulars:?} in:\n{text}"))
}

#[tokio::test]
async fn the_table_starts_as_the_example_set_and_only_owners_and_admins_change_it() {
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.member("vera", "AAA", MembershipRole::Viewer).await;
    fx.member("adam", "AAA", MembershipRole::Admin).await;
    let vera = fx.sign_in_to("vera", "AAA").await;
    let adam = fx.sign_in_to("adam", "AAA").await;

    let table = fx.core.deductions_list(&vera).await.unwrap();
    assert!(table.is_example);
    let codes: Vec<&str> = table.lines.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, ["SD", "IT-TDS", "GST-TDS", "LC"]);

    let gst = PaymentLine {
        code: "GST".into(),
        label: "GST on the work value".into(),
        effect: Effect::Addition,
        base: Base::Gross,
        charge: Charge::Percent(dec!(18)),
        threshold: None,
        cap: None,
        valid_from: None,
        valid_to: None,
        unless_estimate_has_lc: false,
        individual_percent: None,
    };
    let refused = fx
        .core
        .deductions_save(&vera, gst.clone())
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Denied(_)), "{refused:?}");

    // The first change makes the table the office's own: the example lines stay, the new
    // one follows them.
    let table = fx.core.deductions_save(&adam, gst).await.unwrap();
    assert!(!table.is_example);
    assert_eq!(table.lines.len(), 5);
    let table = fx
        .core
        .deductions_remove(&adam, "lc", LinesOfCode::Every)
        .await
        .unwrap();
    let codes: Vec<&str> = table.lines.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, ["SD", "IT-TDS", "GST-TDS", "GST"]);
    let missing = fx
        .core
        .deductions_remove(&adam, "LC", LinesOfCode::Every)
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, Error::NotFound(m) if m.contains("SD, IT-TDS, GST-TDS, GST")),
        "{missing:?}"
    );
    // Another org's table is untouched.
    assert!(fx.core.deductions_list(&fx.root).await.unwrap().is_example);

    // Every field spelled out, as in `gst` above: the bad charge is the point.
    let bad = PaymentLine {
        code: "X".into(),
        label: "Too much".into(),
        effect: Effect::Deduction,
        base: Base::Gross,
        charge: Charge::Percent(dec!(120)),
        threshold: None,
        cap: None,
        valid_from: None,
        valid_to: None,
        unless_estimate_has_lc: false,
        individual_percent: None,
    };
    let refused = fx.core.deductions_save(&adam, bad).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Validation(m) if m.contains("Deduction line X") && m.contains("rate")),
        "{refused:?}"
    );

    // As typed in Settings: every field as text, an unreadable one named.
    use sitebook_core::documents::payments::DeductionLineForm;
    let typed = DeductionLineForm {
        code: "PEN".into(),
        label: "Penalty (late completion)".into(),
        effect: "deduction".into(),
        base: "gross".into(),
        charge_kind: "fixed".into(),
        charge_value: "2,500".into(),
        threshold: "lots".into(),
        cap_kind: "none".into(),
        valid_from: "31-02-2026".into(),
        // Typed while the charge was a percentage; the screen hides it for a fixed amount.
        individual_percent: "1".into(),
        ..DeductionLineForm::default()
    };
    // Each refused form is spelled out with its own message, as are the withdrawals in
    // documents.rs.
    let refused = fx
        .core
        .deductions_save_form(&adam, &typed)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Validation(m) if m.contains("threshold: 'lots'") && m.contains("in force from")),
        "{refused:?}"
    );
    let saved = fx
        .core
        .deductions_save_form(
            &adam,
            &DeductionLineForm {
                threshold: String::new(),
                valid_from: "01-04-2026".into(),
                ..typed
            },
        )
        .await
        .unwrap();
    let penalty = saved.lines.iter().find(|l| l.code == "PEN").unwrap();
    assert_eq!(
        penalty.individual_percent, "",
        "a fixed amount has no individual's rate"
    );
    assert_eq!(
        (penalty.charge_value.as_str(), penalty.valid_from.as_str()),
        ("2500", "01-04-2026")
    );

    // Each audit row is checked on its own fields, spelled out (as in tenancy.rs).
    let audit = fx.audit().await;
    assert!(audit.iter().any(|e| e.action == "deductions.edit"
        && e.outcome == "denied"
        && e.username.as_deref() == Some("vera")));
    assert!(audit.iter().any(|e| e.action == "deductions.edit"
        && e.outcome == "allowed"
        && e.username.as_deref() == Some("adam")));
}

#[tokio::test]
async fn a_chain_pays_the_net_and_the_security_deposit_stops_at_its_cap() {
    let (fx, estimate) = fixture_with_estimate(workbooks::domain_example_workbook()).await;
    fx.edit_work(estimate, less_premium("4.5")).await;
    let work = fx.core.work_show(&fx.root, estimate).await.unwrap();
    assert_eq!(
        work.estimate_amount,
        dec!(130000),
        "the workbook's estimate amount"
    );
    // Item amounts from the estimate as shown, by ROUND2(qty × rate).
    let items = fx.items_shown(estimate).await;
    // Bill figures by DOMAIN.md §2: rows at ROUND2(qty × rate) (AE rows too), T.P 4.5 % Less
    // on the sub total.
    let total_at = |quantity_of: &dyn Fn(&str, Decimal) -> Decimal| {
        let sub: Decimal = items
            .iter()
            .map(|(sl, estimate_qty, rate)| {
                let qty = quantity_of(sl, *estimate_qty);
                let within = qty.min(*estimate_qty);
                round2(within * rate) + round2((qty - within) * rate)
            })
            .sum();
        sub - round2(sub * dec!(4.5) / dec!(100))
    };
    // The contract value is the agreement's (DOMAIN.md §2a), not the estimate amount, which
    // also holds GST and provisions: the estimate's items let at 4.5 % Less, which is what a
    // bill of every estimate quantity is worth.
    let contract = total_at(&|_, q| q);
    // Bill 1 measures half of item 4, so its deposit stays under the cap.
    let bill1_qty = |sl: &str, q: Decimal| if sl == "4" { q / dec!(2) } else { q };
    let bill1_total = total_at(&bill1_qty);
    let bill2_qty = |sl: &str, q: Decimal| match sl {
        "1" => dec!(20),
        "2" => dec!(1300),
        "4" => dec!(5),
        _ => q,
    };
    let bill2_total = total_at(&bill2_qty);

    // The example set on bill 1, with a recovery: SD 5 % (cap 5 % of the contract value),
    // IT-TDS 2 %, GST-TDS not due (the contract is under 2,50,000), and no labour cess: the
    // estimate's footer has an `Add LC @ 1 %` row, so the cess is already collected (§2a).
    let cap = round2(contract * dec!(5) / dec!(100));
    let sd1 = round2(bill1_total * dec!(5) / dec!(100));
    let it1 = round2(bill1_total * dec!(2) / dec!(100));
    let advance = dec!(10000);
    let net1 = bill1_total - sd1 - it1 - advance;
    let first = fx
        .core
        .bill_create_with(
            &fx.root,
            estimate,
            BillKind::FirstPart,
            Some(
                items
                    .iter()
                    .map(|(sl, q, _)| ItemQuantity::new(sl.clone(), bill1_qty(sl, *q)))
                    .collect(),
            ),
            vec![OneOffRecovery {
                label: "Mobilisation advance".into(),
                amount: advance,
            }],
        )
        .await
        .unwrap();
    assert!(
        contract < dec!(250000) && sd1 < cap,
        "{contract}: {sd1} of {cap}"
    );

    // The table changes after bill 1 was recorded but before it is rendered: bill 1 keeps
    // the lines it froze, bill 2 takes the new LC line, 2 % and withheld whatever the
    // estimate holds.
    let mut lc = fx.core.deductions_list(&fx.root).await.unwrap().lines[3].clone();
    assert_eq!(lc.code, "LC");
    assert!(lc.unless_estimate_has_lc, "the example LC line");
    lc.charge = Charge::Percent(dec!(2));
    lc.unless_estimate_has_lc = false;
    fx.core.deductions_save(&fx.root, lc).await.unwrap();

    let text1 = pdf_text(&rendered_pdf(&fx, first.job_id).await);
    assert!(text1.contains("MEMORANDUM OF PAYMENTS"), "{text1}");
    assert!(
        memo_line(&text1, "Security deposit").contains(&indian(sd1)),
        "{text1}"
    );
    assert!(
        memo_line(&text1, "Security deposit").contains(&format!("5 % of {}", indian(bill1_total)))
    );
    assert!(
        memo_line(&text1, "Labour cess").contains("nil: collected in the estimate"),
        "{text1}"
    );
    assert!(memo_line(&text1, "Mobilisation advance").contains("10,000.00"));
    assert!(
        !text1.contains("GST TDS"),
        "not due under 2,50,000: {text1}"
    );
    assert!(
        memo_line(&text1, "Net amount payable by cheque").contains(&indian(net1)),
        "{text1}"
    );
    assert!(text1.contains("Net in words"), "{text1}");

    // Bill 2: the deposit is limited to what is left of the cap.
    let second = fx
        .queue_bill(
            estimate,
            BillKind::NthPart,
            Some(
                items
                    .iter()
                    .map(|(sl, q, _)| ItemQuantity::new(sl.clone(), bill2_qty(sl, *q)))
                    .collect(),
            ),
        )
        .await;
    let gross2 = bill2_total - bill1_total;
    let sd2_uncapped = round2(gross2 * dec!(5) / dec!(100));
    let sd2 = (cap - sd1).min(sd2_uncapped);
    assert!(sd2 < sd2_uncapped, "the case reaches the cap in bill 2");
    let it2 = round2(gross2 * dec!(2) / dec!(100));
    let lc2 = round2(gross2 * dec!(2) / dec!(100));
    let net2 = gross2 - sd2 - it2 - lc2;
    let text2 = pdf_text(&rendered_pdf(&fx, second.job_id).await);
    let sd_line = memo_line(&text2, "Security deposit");
    assert!(sd_line.contains(&indian(sd2)), "{sd_line}");
    assert!(sd_line.contains("limited to"), "{sd_line}");
    assert!(memo_line(&text2, "Total value of work done till date").contains(&indian(bill2_total)));
    assert!(memo_line(&text2, "previous payments").contains(&indian(bill1_total)));
    assert!(memo_line(&text2, "Gross amount of this bill").contains(&indian(gross2)));
    assert!(memo_line(&text2, "Labour cess").contains(&format!("2 % of {}", indian(gross2))));
    assert!(memo_line(&text2, "Net amount payable by cheque").contains(&indian(net2)));

    // Bill 3 (final): the cap is held in full, so no deposit; the chain's nets add up to the
    // final value less everything deducted.
    let third = fx.queue_bill(estimate, BillKind::NthFinal, None).await;
    let text3 = pdf_text(&rendered_pdf(&fx, third.job_id).await);
    let sd_line = memo_line(&text3, "Security deposit");
    assert!(
        sd_line.contains("held in full") && sd_line.contains("0.00"),
        "{sd_line}"
    );
    assert!(memo_line(&text3, "Net amount payable by cheque").contains("0.00"));
    let deducted = sd1 + it1 + advance + sd2 + it2 + lc2;
    assert_eq!(net1 + net2, bill2_total - deducted);
    assert_eq!(sd1 + sd2, cap, "the deposit held is exactly the cap");
}

#[tokio::test]
async fn labour_cess_is_withheld_only_where_the_estimate_did_not_collect_it() {
    // DOMAIN.md §2a: labour cess, 1 % of the gross, "where it was not already collected in
    // the estimate". This estimate's footer is only ECV and Grand Total: no `Add LC` row.
    let (fx, estimate) =
        fixture_with_estimate(workbooks::estimate_with_items("A road without cess", 4)).await;
    fx.edit_work(estimate, less_premium("4.5")).await;
    let sub = ecv_of(&fx, estimate).await;
    let total = sub - round2(sub * dec!(4.5) / dec!(100));
    let lc = round2(total / dec!(100));
    assert!(lc > Decimal::ZERO, "the case has a cess to withhold");

    let bill = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    let text = pdf_text(&rendered_pdf(&fx, bill.job_id).await);
    let line = memo_line(&text, "Labour cess");
    assert!(
        line.contains(&format!("1 % of {}", indian(total))) && line.contains(&indian(lc)),
        "{line}"
    );
    assert!(!line.contains("nil"), "{line}");

    // The same office's estimate with an `Add LC @ 1 %` row: its bill shows the cess nil.
    let collected = fx
        .parsed_estimate(workbooks::domain_example_workbook())
        .await;
    let bill = fx.queue_bill(collected, BillKind::FirstPart, None).await;
    let text = pdf_text(&rendered_pdf(&fx, bill.job_id).await);
    let line = memo_line(&text, "Labour cess");
    assert!(line.contains("nil: collected in the estimate"), "{line}");
    assert!(line.trim_end().ends_with("0.00"), "{line}");
}

#[tokio::test]
async fn an_individuals_bill_withholds_income_tax_tds_at_one_percent() {
    // Section 194C as §2a gives it: 1 % for an individual or HUF agency, 2 % for others. The
    // same work billed twice over, once for each kind of agency.
    let fx = fixture().await;
    let mut lines = Vec::new();
    for individual in [false, true] {
        let estimate = fx
            .parsed_estimate(workbooks::estimate_with_items(
                &format!("A drain, the agency an individual: {individual}"),
                6,
            ))
            .await;
        let work = fx
            .edit_work(
                estimate,
                WorkChanges {
                    agency: Some("Sri Rama Rao".into()),
                    agency_is_individual: Some(individual),
                    ..less_premium("4.5")
                },
            )
            .await;
        assert_eq!(work.agency_is_individual, individual);
        let ecv = ecv_of(&fx, estimate).await;
        let total = ecv - round2(ecv * dec!(4.5) / dec!(100));
        let bill = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
        let text = pdf_text(&rendered_pdf(&fx, bill.job_id).await);
        let rate = if individual { dec!(1) } else { dec!(2) };
        let line = memo_line(&text, "Income tax TDS").to_owned();
        assert!(
            line.contains(&format!("{rate} % of {}", indian(total)))
                && line.contains(&indian(round2(total * rate / dec!(100)))),
            "{line}"
        );
        lines.push(line);
    }
    assert_ne!(lines[0], lines[1]);
}

/// The workbook's ECV, worked out here from the items as shown: the sum of ROUND2(qty × rate).
async fn ecv_of(fx: &Fixture, estimate: i64) -> Decimal {
    let shown = fx.core.estimate_show(&fx.root, estimate).await.unwrap();
    shown
        .items
        .iter()
        .filter(|i| !i.heading && !i.sl_no.is_empty())
        .map(|i| {
            let quantity: Decimal = i.quantity.as_deref().unwrap().parse().unwrap();
            let rate: Decimal = i.rate.as_deref().unwrap().parse().unwrap();
            round2(quantity * rate)
        })
        .sum()
}

#[tokio::test]
async fn gst_tds_is_due_on_the_agreements_value_not_the_estimate_amount() {
    // DOMAIN.md §2a: GST-TDS only "where the contract's value exceeds 2,50,000". Neither
    // workbook states an estimate amount, so the work's estimate amount is its Grand Total,
    // 1,00,00,00,000: far above the threshold. What decides is the agreement's value, the ECV
    // let at the tendered 4.5 % Less.
    let fx = fixture().await;
    let mut due = Vec::new();
    for items in [4, 40] {
        let estimate = fx
            .parsed_estimate(workbooks::estimate_with_items(
                &format!("A road of {items} items"),
                items,
            ))
            .await;
        fx.edit_work(estimate, less_premium("4.5")).await;
        let work = fx.core.work_show(&fx.root, estimate).await.unwrap();
        assert_eq!(work.estimate_amount, dec!(1000000000));
        let ecv = ecv_of(&fx, estimate).await;
        let agreement = ecv - round2(ecv * dec!(4.5) / dec!(100));
        // Bill 1 at the estimate's quantities is worth the agreement's value.
        let bill = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
        let text = pdf_text(&rendered_pdf(&fx, bill.job_id).await);
        let gst_tds = text.lines().find(|line| line.contains("GST TDS"));
        due.push((agreement > dec!(250000), gst_tds.map(str::to_owned)));
        if let Some(line) = gst_tds {
            let expected = round2(agreement * dec!(2) / dec!(100));
            assert!(
                line.contains(&format!("2 % of {}", indian(agreement)))
                    && line.contains(&indian(expected)),
                "{line}"
            );
        }
    }
    assert!(
        matches!(&due[..], [(false, None), (true, Some(_))]),
        "4 items are let under 2,50,000 and owe no GST-TDS, 40 items over it owe it: {due:?}"
    );
}

#[tokio::test]
async fn a_table_kept_before_the_cess_condition_and_the_individual_rate_gains_them_on_the_shipped_lines(
) {
    let fx = fixture().await;
    // The office made the table its own, with a cess line of its own wording beside the
    // shipped one, and its own 2 % income-tax line for individuals' works.
    let shipped = fx.core.deductions_list(&fx.root).await.unwrap().lines;
    let own = PaymentLine {
        code: "CESS".into(),
        label: "Cess, as our office words it".into(),
        unless_estimate_has_lc: false,
        ..shipped[3].clone()
    };
    fx.core.deductions_save(&fx.root, own).await.unwrap();
    let own_tds = PaymentLine {
        code: "TDS-2".into(),
        label: "Income tax TDS (194C, our wording)".into(),
        individual_percent: None,
        ..shipped[1].clone()
    };
    fx.core.deductions_save(&fx.root, own_tds).await.unwrap();
    // As a version before either was kept stored them: no line carries them, and migrations
    // 16 and 17 have not run.
    let pool = fx.core.unscoped_pool_for_tests();
    sqlx::query(
        "UPDATE payment_lines SET line_json = json_remove(line_json, \
         '$.unless_estimate_has_lc', '$.individual_percent')",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version IN (16, 17)")
        .execute(pool)
        .await
        .unwrap();

    let reopened =
        sitebook_core::Sitebook::open(sitebook_core::api::OpenOptions::new(fx.dir.path()))
            .await
            .unwrap();
    let conditions: Vec<(String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT code, json_extract(line_json, '$.unless_estimate_has_lc'), \
         json_extract(line_json, '$.individual_percent') FROM payment_lines ORDER BY position",
    )
    .fetch_all(reopened.unscoped_pool_for_tests())
    .await
    .unwrap();
    assert_eq!(
        conditions,
        [
            ("SD".to_owned(), None, None),
            ("IT-TDS".to_owned(), None, Some("1".to_owned())),
            ("GST-TDS".to_owned(), None, None),
            ("LC".to_owned(), Some(1), None),
            ("CESS".to_owned(), None, None),
            ("TDS-2".to_owned(), None, None),
        ]
    );
    // What the migrations wrote reads back as the lines the office sees.
    let table = fx.core.deductions_list(&fx.root).await.unwrap();
    let line = |code: &str| table.lines.iter().find(|l| l.code == code).unwrap().clone();
    assert_eq!(line("IT-TDS").individual_percent, Some(dec!(1)));
    assert!(line("LC").unless_estimate_has_lc);
    assert_eq!(line("TDS-2").individual_percent, None);
}

/// Queues bill 1 on `estimate` at the default quantities with one one-off recovery.
async fn first_bill_recovering(
    fx: &Fixture,
    estimate: i64,
    label: &str,
    amount: Decimal,
) -> sitebook_core::Result<QueuedDocument> {
    let recovery = OneOffRecovery {
        label: label.into(),
        amount,
    };
    fx.core
        .bill_create_with(
            &fx.root,
            estimate,
            BillKind::FirstPart,
            None,
            vec![recovery],
        )
        .await
}

#[tokio::test]
async fn recoveries_beyond_the_bill_are_refused_and_save_nothing() {
    let (fx, estimate) = fixture_with_estimate(workbooks::domain_example_workbook()).await;
    let refused = first_bill_recovering(&fx, estimate, "Materials issued", dec!(5000000))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Validation(m) if m.contains("Bill 1") && m.contains("deductions")),
        "{refused:?}"
    );
    let blank = first_bill_recovering(&fx, estimate, " ", dec!(5))
        .await
        .unwrap_err();
    assert!(
        matches!(&blank, Error::Validation(m) if m.contains("label")),
        "{blank:?}"
    );
    assert!(fx.bills(estimate).await.is_empty());
}

#[tokio::test]
async fn a_bill_refused_for_its_quantities_names_its_refused_recovery_too() {
    let (fx, estimate) = fixture_with_estimate(workbooks::domain_example_workbook()).await;
    let refused = fx
        .core
        .bill_create_with(
            &fx.root,
            estimate,
            BillKind::FirstPart,
            Some(vec![ItemQuantity::new("99", dec!(5))]),
            vec![OneOffRecovery {
                label: "Cement issued".into(),
                amount: dec!(2500.555),
            }],
        )
        .await
        .unwrap_err();
    let Error::Validation(message) = &refused else {
        panic!("{refused:?}");
    };
    assert!(message.contains("item 99"), "{message}");
    assert!(
        message.contains("Recovery \"Cement issued\"") && message.contains("2500.555"),
        "{message}"
    );
    assert!(fx.bills(estimate).await.is_empty());
}

/// DOMAIN.md ruling: the amount payable now is the till-date Total less the previous bill's.
#[tokio::test]
async fn a_new_deposit_rate_from_a_date_keeps_the_old_rate_before_it_and_one_cap() {
    // Two items worth 10,000 each (ECV and contract 20,000, no premium): the example security
    // deposit is 5 %, capped at 5 % of the contract, 1,000.00.
    let fx = fixture().await;
    let estimate = fx
        .parsed_estimate(two_items(
            "Deposit rate revised",
            [(100.0, 100.0), (10.0, 1000.0)],
        ))
        .await;
    let dated = |dobr: &str| WorkChanges {
        dobr: Some(dobr.into()),
        ..WorkChanges::default()
    };
    fx.edit_work(estimate, dated("02-07-2025")).await;
    let first_till_date = [("1", dec!(50)), ("2", dec!(0))];
    let made = fx
        .queue_bill_at(estimate, BillKind::FirstPart, &first_till_date)
        .await;
    rendered_pdf(&fx, made.job_id).await;

    // The office's new rate, 7.5 % from 01-08-2025, under the same code and cap.
    let mut sd = fx.core.deductions_list(&fx.root).await.unwrap().lines[0].clone();
    assert_eq!(
        (sd.code.as_str(), sd.charge),
        ("SD", Charge::Percent(dec!(5)))
    );
    sd.charge = Charge::Percent(dec!(7.5));
    sd.valid_from = Some(DocDate::parse_dmy("01-08-2025").unwrap());
    let table = fx.core.deductions_save(&fx.root, sd).await.unwrap();
    let sd_lines: Vec<(Charge, Option<String>, Option<String>)> = table
        .lines
        .iter()
        .filter(|line| line.code == "SD")
        .map(|line| {
            let text = |d: Option<DocDate>| d.map(|d| d.to_string());
            (line.charge, text(line.valid_from), text(line.valid_to))
        })
        .collect();
    assert_eq!(
        sd_lines,
        [
            (Charge::Percent(dec!(5)), None, Some("31-07-2025".into())),
            (Charge::Percent(dec!(7.5)), Some("01-08-2025".into()), None),
        ]
    );

    // Bill 1 was wrong and is made again, dated as before: it withholds 5 % of 5,000.00.
    fx.core
        .document_withdraw(&fx.root, estimate, ChainDocument::Bill, 1, "measured twice")
        .await
        .unwrap();
    let first = fx
        .queue_bill_at(estimate, BillKind::FirstPart, &first_till_date)
        .await;
    let text1 = pdf_text(&rendered_pdf(&fx, first.job_id).await);
    let sd1 = round2(dec!(5000) * dec!(5) / dec!(100));
    let sd_line = memo_line(&text1, "Security deposit");
    assert!(
        sd_line.contains(&indian(sd1)) && sd_line.contains("5 % of 5,000.00"),
        "{sd_line}"
    );

    // Bill 2 of 05-08-2025 measures the rest: gross 15,000.00, 7.5 % of which (1,125.00)
    // passes what is left of the one cap, 1,000.00 − 250.00.
    fx.edit_work(estimate, dated("05-08-2025")).await;
    let second = fx
        .queue_bill_at(
            estimate,
            BillKind::NthPart,
            &[("1", dec!(100)), ("2", dec!(10))],
        )
        .await;
    let text2 = pdf_text(&rendered_pdf(&fx, second.job_id).await);
    let cap = round2(dec!(20000) * dec!(5) / dec!(100));
    let sd2 = cap - sd1;
    assert!(
        round2(dec!(15000) * dec!(7.5) / dec!(100)) > sd2,
        "the case reaches the cap"
    );
    let sd_line = memo_line(&text2, "Security deposit");
    assert!(
        sd_line.contains(&indian(sd2)) && sd_line.contains("limited to"),
        "{sd_line}"
    );
    // The running-account form holds both bills' deposit, at no one rate.
    let withheld = memo_line(&text2, "Amount withheld");
    assert!(withheld.contains(&indian(cap)), "{withheld}");
    assert!(!withheld.contains('%'), "{withheld}");

    // The dated line goes alone when asked; the earlier one stays as it was.
    let table = fx
        .core
        .deductions_remove(&fx.root, "SD", LinesOfCode::starting("01-08-2025").unwrap())
        .await
        .unwrap();
    let left: Vec<_> = table.lines.iter().filter(|l| l.code == "SD").collect();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].charge, Charge::Percent(dec!(5)));
}

/// An estimate of two items, 1 and 2, each `(quantity, rate)` in Nos, amounts rounded to paise.
fn two_items(title: &str, items: [(f64, f64); 2]) -> Vec<u8> {
    let mut workbook = workbooks::estimate_workbook(title);
    let sheet = workbook.worksheet_from_name("Estimate").unwrap();
    for (row, serial, (quantity, rate)) in [(3u32, 1.0, items[0]), (4, 2.0, items[1])] {
        workbooks::num(sheet, row, 0, serial);
        workbooks::num(sheet, row, 1, quantity);
        workbooks::text(sheet, row, 2, "Nos");
        workbooks::text(sheet, row, 3, &format!("Item {serial}"));
        workbooks::num(sheet, row, 4, rate);
        workbooks::num(sheet, row, 5, 1.0);
        workbooks::text(sheet, row, 6, "No");
        workbooks::num(sheet, row, 7, (quantity * rate * 100.0).round() / 100.0);
    }
    workbook.save_to_buffer().unwrap()
}

/// A working estimate that lowers a cap below a quantity already billed re-splits that quantity
/// in the next bill's previous column (1.67 + 1.67 where bill 1 printed 3.33); the memorandum
/// still deducts what bill 1 was worth, so the chain pays exactly its final value.
#[tokio::test]
async fn a_cap_lowered_between_bills_still_pays_the_chain_exactly() {
    let fx = fixture().await;
    let estimate = fx
        .parsed_estimate(two_items(
            "Cap lowered between bills",
            [(12.0, 0.333), (1.0, 1000.0)],
        ))
        .await;
    let first_till_date = [("1", dec!(10)), ("2", dec!(1))];
    let first = fx
        .queue_bill_at(estimate, BillKind::FirstPart, &first_till_date)
        .await;
    // Bill 1: ROUND2(10 × 0.333) + 1,000 = 1,003.33.
    let bill1 = round2(dec!(10) * dec!(0.333)) + dec!(1000);
    // A work slip balances to the sanctioned total, which this workbook does not give.
    fx.set_grand_total(estimate, "2000").await;
    fx.queue_workslip(estimate, vec![ItemQuantity::new("1", dec!(5))], Vec::new())
        .await;
    let second_till_date = [("1", dec!(12)), ("2", dec!(1))];
    let second = fx
        .queue_bill_at(estimate, BillKind::NthPart, &second_till_date)
        .await;
    // Bill 2 at the new cap of 5: 5 × 0.333 and the AE 7 × 0.333, each rounded, + 1,000.
    let bill2 = round2(dec!(5) * dec!(0.333)) + round2(dec!(7) * dec!(0.333)) + dec!(1000);
    // Its own previous column re-splits bill 1's 10 at that cap: a paisa more than bill 1 was.
    let resplit = round2(dec!(5) * dec!(0.333)) * dec!(2) + dec!(1000);
    assert_ne!(resplit, bill1, "the case re-splits");

    rendered_pdf(&fx, first.job_id).await;
    let text = pdf_text(&rendered_pdf(&fx, second.job_id).await);
    assert!(
        memo_line(&text, "previous payments").contains(&indian(bill1)),
        "{text}"
    );
    assert!(
        memo_line(&text, "Gross amount of this bill").contains(&indian(bill2 - bill1)),
        "{text}"
    );
}

#[tokio::test]
async fn a_bill_without_a_dobr_applies_the_lines_in_force_on_the_date_it_prints() {
    // A fixed penalty of 150 in force until 31-03-2024. A bill with no DOBR prints its DOMR as its
    // date, so a bill measured on 15-03-2024 withholds it, while one with no dates at all is
    // dated the day it is recorded (today, long after) and does not.
    let fx = fixture().await;
    let penalty = PaymentLine {
        code: "PEN".into(),
        label: "Penalty for the late monsoon works".into(),
        effect: Effect::Deduction,
        base: Base::Gross,
        charge: Charge::Fixed(dec!(150)),
        threshold: None,
        cap: None,
        valid_from: None,
        valid_to: Some(sitebook_core::domain::work::DocDate::parse_dmy("31-03-2024").unwrap()),
        unless_estimate_has_lc: false,
        individual_percent: None,
    };
    fx.core.deductions_save(&fx.root, penalty).await.unwrap();
    let mut texts = Vec::new();
    for domr in [Some("15-03-2024"), None] {
        let estimate = fx
            .parsed_estimate(workbooks::estimate_with_items(
                &format!("Monsoon works measured on {domr:?}"),
                4,
            ))
            .await;
        fx.edit_work(
            estimate,
            WorkChanges {
                domr: domr.map(Into::into),
                ..less_premium("4.5")
            },
        )
        .await;
        let bill = fx.queue_bill(estimate, BillKind::FirstPart, None).await;
        texts.push(pdf_text(&rendered_pdf(&fx, bill.job_id).await));
    }
    let line = memo_line(&texts[0], "Penalty for the late monsoon works");
    assert!(line.contains("150.00"), "{line}");
    assert!(
        !texts[1].contains("Penalty for the late monsoon works"),
        "{}",
        texts[1]
    );
}

#[tokio::test]
async fn a_premium_lowered_after_a_bill_gives_a_negative_gross_which_is_refused_in_words() {
    // Bill 1 pays the whole estimate at 4.5 % Less; the premium is then corrected to 10 %
    // Less, so the same quantities are worth less till date than bill 1 already paid.
    let (fx, estimate) = fixture_with_estimate(workbooks::domain_example_workbook()).await;
    fx.edit_work(estimate, less_premium("4.5")).await;
    fx.queue_bill(estimate, BillKind::FirstPart, None).await;
    fx.edit_work(estimate, less_premium("10")).await;
    let ecv = ecv_of(&fx, estimate).await;
    let paid = ecv - round2(ecv * dec!(4.5) / dec!(100));
    let now = ecv - round2(ecv * dec!(10) / dec!(100));
    for kind in [BillKind::NthPart, BillKind::NthFinal] {
        let refused = fx
            .core
            .bill_create(&fx.root, estimate, kind, None)
            .await
            .unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains(&format!("gross is negative (-{})", indian(paid - now)))
                && message.contains(&indian(now))
                && message.contains(&indian(paid))
                && !message.contains("recoveries"),
            "{message}"
        );
    }
    assert_eq!(fx.bills(estimate).await.len(), 1, "nothing saved");
}

#[tokio::test]
async fn a_bill_dated_before_the_one_it_follows_is_refused() {
    let (fx, estimate) = fixture_with_estimate(workbooks::domain_example_workbook()).await;
    let dated = |doi: &str, domr: &str, dobr: &str| WorkChanges {
        doi: Some(doi.into()),
        domr: Some(domr.into()),
        dobr: Some(dobr.into()),
        ..less_premium("4.5")
    };
    fx.edit_work(estimate, dated("01-04-2025", "05-08-2025", "10-08-2025"))
        .await;
    fx.queue_bill_at(estimate, BillKind::FirstPart, &[("1", dec!(5))])
        .await;
    // Bill 2's dates moved back to June, before bill 1's August.
    fx.edit_work(estimate, dated("01-04-2025", "25-05-2025", "01-06-2025"))
        .await;
    let refused = fx
        .core
        .bill_create(
            &fx.root,
            estimate,
            BillKind::NthPart,
            Some(vec![ItemQuantity::new("1", dec!(8))]),
        )
        .await
        .unwrap_err();
    let message = refused.to_string();
    assert!(
        message.contains("Bill 2 would be dated 01-06-2025")
            && message.contains("before bill 1's 10-08-2025"),
        "{message}"
    );
    // The same day as bill 1 is in order.
    fx.edit_work(estimate, dated("01-04-2025", "05-08-2025", "10-08-2025"))
        .await;
    fx.queue_bill_at(estimate, BillKind::NthPart, &[("1", dec!(8))])
        .await;
    assert_eq!(fx.bills(estimate).await.len(), 2);
}
