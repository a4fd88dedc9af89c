//! The bill and work-slip editors' backend through the real API: drafts start from the right
//! figures, previews compute live totals and AE rows without saving anything, problems name
//! their item, and what the editor creates continues the chain.

mod common;
mod workbooks;

use common::{besides_work_data, fixture_with_estimate, Fixture};
use rust_decimal::Decimal;
use sitebook_core::documents::editor::{
    DocumentPreview, EditorItem, QuantityEntry, RateEntry, RecoveryEntry, SupplementalEntry,
};
use sitebook_core::documents::WorkChanges;
use sitebook_core::domain::permissions::MembershipRole;
use sitebook_core::Error;

/// A fresh device with the worked-example estimate parsed, and its estimate id.
async fn with_example_estimate() -> (Fixture, i64) {
    fixture_with_estimate(workbooks::domain_example_workbook()).await
}

/// The bill editor's preview of `estimate` as root (`is_final`: a final bill).
async fn bill_preview(
    fx: &Fixture,
    estimate: i64,
    is_final: bool,
    entries: &[QuantityEntry],
    recoveries: &[RecoveryEntry],
) -> DocumentPreview {
    fx.core
        .bill_preview(&fx.root, estimate, is_final, entries, recoveries)
        .await
        .expect("bill preview")
}

/// The work-slip editor's preview of `estimate` as root.
async fn workslip_preview(
    fx: &Fixture,
    estimate: i64,
    entries: &[QuantityEntry],
    supplemental: &[SupplementalEntry],
    rates: &[RateEntry],
) -> DocumentPreview {
    fx.core
        .workslip_preview(&fx.root, estimate, entries, supplemental, rates)
        .await
        .expect("work slip preview")
}

fn entry(sl_no: &str, quantity: &str) -> QuantityEntry {
    QuantityEntry {
        sl_no: sl_no.into(),
        quantity: quantity.into(),
    }
}

/// One entry per item of a draft, at the quantity the editor first shows.
fn at_suggested_quantities(items: &[EditorItem]) -> Vec<QuantityEntry> {
    items
        .iter()
        .map(|item| entry(&item.sl_no, &item.suggested_quantity))
        .collect()
}

/// One entry per item of a draft: item 1 at `quantity`, every other item at nothing.
fn only_item_one_measured(items: &[EditorItem], quantity: &str) -> Vec<QuantityEntry> {
    items
        .iter()
        .map(|item| {
            let measured = if item.sl_no == "1" { quantity } else { "0" };
            entry(&item.sl_no, measured)
        })
        .collect()
}

fn decimal(text: &Option<String>) -> Decimal {
    text.as_deref().unwrap().parse().unwrap()
}

/// The amount column of a totals line by its label.
fn total(preview: &DocumentPreview, label_start: &str, column: usize) -> Decimal {
    let line = preview
        .totals
        .iter()
        .find(|t| t.label.starts_with(label_start))
        .unwrap_or_else(|| panic!("no {label_start} line in {:?}", preview.totals));
    decimal(&line.figures[column])
}

#[tokio::test]
async fn first_bill_preview_shows_live_totals_and_ae_rows_and_saves_nothing() {
    let (fx, estimate) = with_example_estimate().await;

    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.number, Some(1));
    assert!(draft.is_first && draft.blocked.is_none());
    let first = &draft.items[0];
    assert_eq!(
        (first.sl_no.as_str(), first.estimate_quantity.as_deref()),
        ("1", Some("12.5"))
    );
    assert_eq!(
        first.suggested_quantity, "12.5",
        "a first bill starts at the estimate"
    );
    assert_eq!(first.previous_quantity, None);

    // At the estimate quantities the bill's Sub Total is the sum of the estimate's amounts.
    let entries: Vec<QuantityEntry> = at_suggested_quantities(&draft.items);
    let at_estimate = bill_preview(&fx, estimate, false, &entries, &[]).await;
    assert!(
        at_estimate.problems.is_empty(),
        "{:?}",
        at_estimate.problems
    );
    // The estimate's sub-heads print among the items, with no figures.
    let (headings, lines): (Vec<_>, Vec<_>) = at_estimate
        .rows
        .iter()
        .partition(|row| row.kind == "heading");
    assert_eq!(headings.len(), 2);
    assert!(headings
        .iter()
        .all(|h| h.figures.iter().all(Option::is_none)));
    let row_sum: Decimal = lines.iter().map(|row| decimal(&row.figures[1])).sum();
    assert_eq!(total(&at_estimate, "Sub Total", 1), row_sum);
    assert!(lines.iter().all(|row| row.kind == "item"));

    // Item 1 typed past its estimate of 12.5: the editor previews an AE row for the excess.
    let mut over = entries.clone();
    over[0] = entry("1", "20");
    let preview = bill_preview(&fx, estimate, false, &over, &[]).await;
    let at = preview.rows.iter().position(|r| r.sl_no == "1").unwrap();
    let item = &preview.rows[at];
    let ae = &preview.rows[at + 1];
    assert_eq!(
        (item.kind.as_str(), decimal(&item.figures[0])),
        ("item", Decimal::new(125, 1))
    );
    assert_eq!(ae.kind, "excess");
    assert_eq!(ae.description, "AE1");
    assert_eq!(decimal(&ae.figures[0]), Decimal::new(75, 1));
    assert_eq!(decimal(&ae.figures[1]), Decimal::new(337500, 2));
    assert_eq!(
        total(&preview, "Sub Total", 1),
        total(&at_estimate, "Sub Total", 1) + Decimal::new(337500, 2)
    );
    assert!(!preview.amount_in_words.is_empty());

    // A cell that is not a number is a problem naming its item, not an error of the call.
    let mut typo = entries.clone();
    typo[1] = entry("2", "12,5x");
    let preview = bill_preview(&fx, estimate, false, &typo, &[]).await;
    // The other rows keep their figures; item 2 is left at zero until it reads as a number.
    assert_eq!(preview.problems.len(), 1);
    let item4 = preview.rows.iter().find(|r| r.sl_no == "4").unwrap();
    assert_eq!(decimal(&item4.figures[1]), Decimal::new(8012990, 2));
    let item2 = preview.rows.iter().find(|r| r.sl_no == "2").unwrap();
    assert_eq!(decimal(&item2.figures[1]), Decimal::ZERO);
    assert!(!preview.totals.is_empty());
    assert_eq!(preview.problems[0].sl_no.as_deref(), Some("2"));
    assert!(preview.problems[0].message.contains("not a number"));

    assert!(fx.bills(estimate).await.is_empty(), "previews save nothing");
    // Creating with the typo is refused the same way, and saves nothing either.
    match fx
        .core
        .bill_create_entered(&fx.root, estimate, false, &typo, &[])
        .await
    {
        Err(Error::Validation(message)) => assert!(message.contains("item 2"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(fx.bills(estimate).await.is_empty());
}

#[tokio::test]
async fn the_second_bill_starts_from_the_first_and_a_final_bill_closes_the_editor() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    let entries = only_item_one_measured(&draft.items, "10");
    let first = fx
        .core
        .bill_create_entered(&fx.root, estimate, false, &entries, &[])
        .await
        .unwrap();
    assert_eq!(first.number, Some(1));

    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.number, Some(2));
    assert!(!draft.is_first);
    assert_eq!(draft.items[0].previous_quantity.as_deref(), Some("10"));
    assert_eq!(draft.items[0].suggested_quantity, "10");

    // As the editor opens, at bill 1's figures, a part bill would measure nothing: Save is
    // refused, so the preview says why before it is pressed, with the figures still shown.
    let unchanged = at_suggested_quantities(&draft.items);
    let preview = bill_preview(&fx, estimate, false, &unchanged, &[]).await;
    assert_eq!(preview.problems.len(), 1, "{:?}", preview.problems);
    assert_eq!(preview.problems[0].sl_no, None);
    assert!(
        preview.problems[0]
            .message
            .starts_with("Bill 2: no quantity was measured since the last bill"),
        "{}",
        preview.problems[0].message
    );
    assert!(!preview.rows.is_empty());
    // A final bill may close the work on the same figures.
    let preview = bill_preview(&fx, estimate, true, &unchanged, &[]).await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);

    // Below the previous bill's figure: the problem names item 1.
    let preview = bill_preview(&fx, estimate, true, &[entry("1", "4")], &[]).await;
    assert_eq!(preview.problems[0].sl_no.as_deref(), Some("1"));
    assert!(preview.problems[0].message.contains("below the previous"));

    // 12 till date: 2 since the last bill, at the rate of 450.00.
    let preview = bill_preview(&fx, estimate, true, &[entry("1", "12")], &[]).await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    assert_eq!(preview.columns.len(), 6);
    let item1 = preview.rows.iter().find(|r| r.sl_no == "1").unwrap();
    assert_eq!(decimal(&item1.figures[2]), Decimal::from(10), "previous");
    assert_eq!(decimal(&item1.figures[4]), Decimal::from(2), "since last");
    assert_eq!(decimal(&item1.figures[5]), Decimal::new(90000, 2));
    assert_eq!(total(&preview, "Sub Total", 5), Decimal::new(90000, 2));

    let second = fx
        .core
        .bill_create_entered(&fx.root, estimate, true, &[entry("1", "12")], &[])
        .await
        .unwrap();
    assert_eq!(second.number, Some(2));
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.number, None);
    assert!(
        draft.blocked.as_deref().unwrap().contains("final"),
        "{:?}",
        draft.blocked
    );
}

#[tokio::test]
async fn work_slip_preview_balances_to_the_sanctioned_total() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.phase, Some(1));
    let mut entries: Vec<QuantityEntry> = at_suggested_quantities(&draft.items);
    entries[0] = entry("1", "10");
    let preview = workslip_preview(&fx, estimate, &entries, &[], &[]).await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    let grand = preview
        .totals
        .iter()
        .find(|t| t.label.contains("Grand Total"))
        .expect("a Grand Total line");
    let sanctioned = fx
        .core
        .work_show(&fx.root, estimate)
        .await
        .unwrap()
        .grand_total;
    let amounts: Vec<Decimal> = grand
        .figures
        .iter()
        .zip(&preview.columns)
        .filter(|(figure, column)| column.is_amount && figure.is_some())
        .map(|(figure, _)| decimal(figure))
        .collect();
    assert_eq!(
        amounts,
        [sanctioned, sanctioned],
        "estimate and execution columns"
    );
    let item1 = preview.rows.iter().find(|r| r.sl_no == "1").unwrap();
    assert_eq!(decimal(&item1.figures[2]), Decimal::from(10));

    let slip = fx
        .core
        .workslip_create_entered(&fx.root, estimate, &entries, &[], &[])
        .await
        .unwrap();
    assert_eq!(slip.number, Some(1));
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.phase, Some(2));
    assert_eq!(draft.items[0].previous_quantity.as_deref(), Some("10"));
    let listed = fx.workslips(estimate).await;
    assert_eq!(listed.iter().map(|w| w.phase).collect::<Vec<_>>(), [1]);
}

#[tokio::test]
async fn a_row_the_work_slip_refuses_is_named_and_the_rest_stays_computed() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    let mut entries: Vec<QuantityEntry> = at_suggested_quantities(&draft.items);
    entries[0] = entry("1", "10");
    let refused_serial = entries[1].sl_no.clone();
    entries[1] = entry(&refused_serial, "-3");

    let preview = workslip_preview(&fx, estimate, &entries, &[], &[]).await;
    assert_eq!(preview.problems.len(), 1, "{:?}", preview.problems);
    assert_eq!(
        preview.problems[0].sl_no.as_deref(),
        Some(refused_serial.as_str())
    );
    // The other rows and the totals are still there to check against.
    let item1 = preview.rows.iter().find(|r| r.sl_no == "1").expect("row 1");
    assert_eq!(decimal(&item1.figures[2]), Decimal::from(10));
    assert!(
        preview
            .totals
            .iter()
            .any(|t| t.label.contains("Grand Total")),
        "{:?}",
        preview.totals
    );
}

fn rate(sl_no: &str, rate: &str) -> RateEntry {
    RateEntry {
        sl_no: sl_no.into(),
        rate: rate.into(),
    }
}

#[tokio::test]
async fn a_rate_typed_in_the_work_slip_editor_holds_from_that_slip_until_given_back() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    let estimate_rate = draft.items[0].rate.clone();
    assert!(draft.items.iter().all(|item| item.rate_changeable));
    assert!(draft.items.iter().all(|item| item.estimate_rate.is_none()));
    assert_ne!(
        estimate_rate, "475.00",
        "the test needs a rate that differs"
    );
    let mut entries = at_suggested_quantities(&draft.items);
    entries[0] = entry("1", "10");
    let extra = SupplementalEntry {
        sl_no: "S1".into(),
        description: "Shifting a pole".into(),
        unit: "Nos".into(),
        rate: "1200".into(),
        executed: "1".into(),
    };

    // 10 executed at the typed 475.00 is 4,750.00 on the row.
    let rates = [rate("1", "475")];
    let preview = workslip_preview(
        &fx,
        estimate,
        &entries,
        std::slice::from_ref(&extra),
        &rates,
    )
    .await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    let item1 = preview.rows.iter().find(|r| r.sl_no == "1").unwrap();
    assert_eq!(item1.rate.as_deref(), Some("475.00"));
    assert_eq!(decimal(&item1.figures[3]), Decimal::new(475_000, 2));
    fx.core
        .workslip_create_entered(&fx.root, estimate, &entries, &[extra], &rates)
        .await
        .unwrap();

    // The next slip starts from the rate in force and says what the estimate's was; the
    // supplemental item keeps the rate it was proposed at.
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(draft.items[0].rate, "475.00");
    assert_eq!(
        draft.items[0].estimate_rate.as_deref(),
        Some(estimate_rate.as_str())
    );
    assert!(draft.items[1].estimate_rate.is_none());
    let s1 = draft.items.iter().find(|item| item.sl_no == "S1").unwrap();
    assert!(!s1.rate_changeable);
    assert!(draft.items[0].rate_changeable);

    // 12 at 475.00 holds without retyping it: 5,700.00.
    let mut entries = at_suggested_quantities(&draft.items);
    entries[0] = entry("1", "12");
    let preview = workslip_preview(&fx, estimate, &entries, &[], &[]).await;
    let item1 = preview.rows.iter().find(|r| r.sl_no == "1").unwrap();
    assert_eq!(item1.rate.as_deref(), Some("475.00"));
    let executed = preview
        .columns
        .iter()
        .rposition(|c| c.heading.contains("Amt") || c.heading.contains("Execution"))
        .unwrap();
    assert_eq!(decimal(&item1.figures[executed]), Decimal::new(570_000, 2));

    // The estimate's rate typed back lifts the override.
    let preview =
        workslip_preview(&fx, estimate, &entries, &[], &[rate("1", &estimate_rate)]).await;
    let item1 = preview.rows.iter().find(|r| r.sl_no == "1").unwrap();
    assert_eq!(item1.rate.as_deref(), Some(estimate_rate.as_str()));
}

#[tokio::test]
async fn a_rate_the_work_slip_cannot_take_is_named_beside_its_rate_and_the_rest_computed() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    let entries = at_suggested_quantities(&draft.items);
    let serials: Vec<String> = draft.items.iter().map(|i| i.sl_no.clone()).collect();
    let rates = [
        rate(&serials[0], "4,75"),
        rate(&serials[1], "450.505"),
        rate(&serials[2], "-5"),
    ];
    let preview = workslip_preview(&fx, estimate, &entries, &[], &rates).await;
    let named: Vec<(Option<&str>, bool)> = preview
        .problems
        .iter()
        .map(|p| (p.sl_no.as_deref(), p.on_rate))
        .collect();
    assert_eq!(
        named,
        [
            (Some(serials[0].as_str()), true),
            (Some(serials[1].as_str()), true),
            (Some(serials[2].as_str()), true)
        ],
        "{:?}",
        preview.problems
    );
    assert!(preview.problems[0].message.contains("'4,75' is not read"));
    assert!(preview.problems[0].message.contains("4.75 or 475"));
    assert!(preview.problems[1]
        .message
        .contains("more than two decimal places"));
    assert!(preview.problems[2].message.contains("rate -5 is negative"));
    // A rate too large is named on the rate too, as a rate: it had been put on the item's
    // executed quantity, which was right, as "too large to be a real quantity or rate".
    let huge = workslip_preview(
        &fx,
        estimate,
        &entries,
        &[],
        &[rate(&serials[0], "99999999999999")],
    )
    .await;
    let named: Vec<(Option<&str>, bool, &str)> = huge
        .problems
        .iter()
        .map(|p| (p.sl_no.as_deref(), p.on_rate, p.message.as_str()))
        .collect();
    assert_eq!(named.len(), 1, "{named:?}");
    assert_eq!(named[0].0, Some(serials[0].as_str()));
    assert!(named[0].1, "{named:?}");
    assert!(
        named[0]
            .2
            .ends_with("rate 99999999999999 is too large to be a real rate"),
        "{}",
        named[0].2
    );
    // The rows are still there, each at the rate in force.
    let row = |sl_no: &str| preview.rows.iter().find(|r| r.sl_no == sl_no).unwrap();
    assert_eq!(row(&serials[0]).rate.as_ref(), Some(&draft.items[0].rate));
    assert!(preview
        .totals
        .iter()
        .any(|t| t.label.contains("Grand Total")));

    let refused = fx
        .core
        .workslip_create_entered(&fx.root, estimate, &entries, &[], &rates[..1])
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Validation(_)), "{refused:?}");
    assert!(
        refused.to_string().contains("'4,75' is not read"),
        "{refused}"
    );
    assert!(fx.workslips(estimate).await.is_empty());
}

#[tokio::test]
async fn work_slip_preview_takes_supplemental_items_and_names_an_incomplete_line() {
    let (fx, estimate) = with_example_estimate().await;
    let extra = SupplementalEntry {
        sl_no: "S1".into(),
        description: "Extra earth work excavation".into(),
        unit: "Cum".into(),
        rate: "450.50".into(),
        executed: "12".into(),
    };
    let half_typed = SupplementalEntry {
        description: "Shifting a pole".into(),
        executed: "1".into(),
        ..SupplementalEntry::default()
    };
    let blank = SupplementalEntry::default();

    let preview = workslip_preview(
        &fx,
        estimate,
        &[],
        &[extra.clone(), half_typed.clone()],
        &[],
    )
    .await;
    assert_eq!(preview.problems.len(), 1, "{:?}", preview.problems);
    let message = &preview.problems[0].message;
    assert!(
        message.contains("supplemental line 2")
            && message.contains("a serial")
            && message.contains("a rate"),
        "{message}"
    );
    // It is on the second line, which the editor marks.
    assert_eq!(preview.problems[0].supplemental, Some(1));

    // A rate finer than a paisa is named beside its line; the rest is still computed.
    let fine = SupplementalEntry {
        sl_no: "S2".into(),
        rate: "5.555".into(),
        ..extra.clone()
    };
    let preview = workslip_preview(&fx, estimate, &[], &[extra.clone(), fine], &[]).await;
    assert_eq!(preview.problems.len(), 1, "{:?}", preview.problems);
    assert_eq!(preview.problems[0].sl_no.as_deref(), Some("S2"));
    assert_eq!(preview.problems[0].supplemental, Some(1));
    assert_eq!(
        preview.problems[0].message,
        "supplemental item S2: rate 5.555 has more than two decimal places; give it in rupees \
         and paise"
    );
    assert!(preview.rows.iter().any(|r| r.sl_no == "S1"));

    let preview = workslip_preview(&fx, estimate, &[], &[extra.clone(), blank.clone()], &[]).await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    let s1 = preview
        .rows
        .iter()
        .find(|r| r.sl_no == "S1")
        .expect("the S1 row");
    assert_eq!(s1.kind, "supplemental");
    let execution = preview
        .columns
        .iter()
        .position(|c| c.is_amount && c.heading.contains("Execution"))
        .expect("an execution amount column");
    assert_eq!(decimal(&s1.figures[execution]), Decimal::new(540600, 2));

    match fx
        .core
        .workslip_create_entered(&fx.root, estimate, &[], &[half_typed], &[])
        .await
    {
        Err(Error::Validation(message)) => {
            assert!(message.contains("supplemental line 1"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(fx.workslips(estimate).await.is_empty());
    fx.core
        .workslip_create_entered(&fx.root, estimate, &[], &[extra, blank], &[])
        .await
        .unwrap();
    assert_eq!(fx.workslips(estimate).await.len(), 1);
}

#[tokio::test]
async fn other_orgs_drafts_and_outputs_are_not_found_and_viewers_get_no_editor() {
    let (fx, estimate) = with_example_estimate().await;
    let parse_output = fx.core.outputs_list(&fx.root, None).await.unwrap()[0].id;
    let (name, bytes) = fx.core.output_bytes(&fx.root, parse_output).await.unwrap();
    assert!(name.ends_with(".json") && bytes.starts_with(b"{"), "{name}");

    fx.org("MOH").await;
    fx.member("vic", "MOH", MembershipRole::Admin).await;
    let vic = fx.sign_in("vic").await;
    assert!(matches!(
        fx.core.bill_draft(&vic, estimate).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        fx.core
            .workslip_preview(&vic, estimate, &[], &[], &[])
            .await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        fx.core.output_bytes(&vic, parse_output).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        fx.core.output_path(&vic, parse_output).await,
        Err(Error::NotFound(_))
    ));

    let root = fx.root_in("MOH").await;
    fx.core
        .member_set_role(&root, "vic", MembershipRole::Viewer)
        .await
        .unwrap();
    assert!(matches!(
        fx.core.bill_draft(&vic, estimate).await,
        Err(Error::Denied(_))
    ));
}

fn recovery(label: &str, amount: &str) -> RecoveryEntry {
    RecoveryEntry {
        label: label.into(),
        amount: amount.into(),
    }
}

#[tokio::test]
async fn the_bill_preview_shows_the_deductions_and_the_net_payable_live() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    let entries: Vec<QuantityEntry> = at_suggested_quantities(&draft.items);
    let preview = bill_preview(
        &fx,
        estimate,
        false,
        &entries,
        &[recovery("Mobilisation advance", "10,000"), recovery("", "")],
    )
    .await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    let memo = preview
        .memorandum
        .as_ref()
        .expect("a bill has a memorandum");
    // The example set on this bill's Total (no premium in the work data): SD 5 %, IT-TDS 2 %
    // (GST-TDS is not due on a 1,30,000 contract, and the estimate's `Add LC @ 1 %` row has
    // collected the labour cess), and the advance typed here.
    let round2 = |d: Decimal| {
        d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    };
    let gross = total(&preview, "Total", 1);
    let deducted = round2(gross * Decimal::new(5, 2))
        + round2(gross * Decimal::new(2, 2))
        + Decimal::from(10000);
    let cess = memo
        .lines
        .iter()
        .find(|l| l.particulars.contains("Labour cess"))
        .expect("the cess line is listed, nil");
    assert_eq!(
        (cess.detail.as_str(), cess.amount.as_str()),
        ("nil: collected in the estimate", "0.00")
    );
    assert_eq!(
        memo.net_payable.parse::<Decimal>().unwrap(),
        gross - deducted
    );
    let advance = memo
        .lines
        .iter()
        .find(|l| l.particulars == "Deduct: Mobilisation advance")
        .expect("the recovery is listed");
    assert_eq!(advance.amount, "10000.00");
    assert!(memo
        .lines
        .iter()
        .all(|l| !l.particulars.contains("GST TDS")));
    assert!(memo.net_in_words.starts_with("Rupees "));

    // A second preview spelled out: the recoveries it is given are what it checks.
    // A recovery with no label, or an amount that is not a number, is a problem in place.
    let preview = bill_preview(
        &fx,
        estimate,
        false,
        &entries,
        &[recovery("", "500"), recovery("Stores", "12,5")],
    )
    .await;
    let messages: Vec<&str> = preview
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("recovery 1") && messages[0].contains("say what is recovered"));
    assert!(messages[1].starts_with("recovery 2 (Stores)") && messages[1].contains("12.5"));
    // The bill itself still computes; the memorandum leaves the unreadable lines out.
    let memo = preview.memorandum.as_ref().expect("the rest is computed");
    assert!(memo.lines.iter().all(|l| !l.particulars.contains("Stores")));

    // More recovered than the bill pays: refused before anything is saved.
    let too_much = [recovery("Materials issued", "99,99,999")];
    let preview = bill_preview(&fx, estimate, false, &entries, &too_much).await;
    assert!(preview.problems[0].message.contains("more than the bill"));
    let refused = fx
        .core
        .bill_create_entered(&fx.root, estimate, false, &entries, &too_much)
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Validation(_)), "{refused:?}");
    assert!(fx.bills(estimate).await.is_empty());
}

#[tokio::test]
async fn saving_a_bill_tells_a_bad_quantity_and_a_bad_recovery_in_one_answer() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    let mut entries = at_suggested_quantities(&draft.items);
    entries[0] = entry("1", "1O");
    let recoveries = [recovery("Stores", "")];
    let refused = fx
        .core
        .bill_create_entered(&fx.root, estimate, false, &entries, &recoveries)
        .await
        .unwrap_err();
    let Error::Validation(message) = &refused else {
        panic!("{refused:?}");
    };
    // Both, the quantity first as the editor lists it, so one round of fixes is enough.
    let (quantity, stores) = (message.find("item 1"), message.find("recovery 1 (Stores)"));
    assert!(
        matches!((quantity, stores), (Some(q), Some(r)) if q < r),
        "{message}"
    );
    assert!(fx.bills(estimate).await.is_empty());
}

#[tokio::test]
async fn previews_show_the_estimate_sub_heads_where_they_print() {
    let (fx, estimate) = with_example_estimate().await;
    let preview = bill_preview(&fx, estimate, false, &[], &[]).await;
    let kinds: Vec<(String, String)> = preview
        .rows
        .iter()
        .map(|r| (r.kind.clone(), r.description.chars().take(12).collect()))
        .collect();
    let heading_at = |text: &str| {
        kinds
            .iter()
            .position(|(kind, d)| kind == "heading" && text.starts_with(d.as_str()))
            .unwrap_or_else(|| panic!("no {text} heading in {kinds:?}"))
    };
    assert_eq!(heading_at("Cable works"), 0, "{kinds:?}");
    assert_eq!(preview.rows[1].sl_no, "1");
    let electrical = heading_at("Electrical works");
    assert_eq!(preview.rows[electrical + 1].sl_no, "4");
    assert!(preview.rows[electrical].figures.iter().all(Option::is_none));

    let slip = workslip_preview(&fx, estimate, &[], &[], &[]).await;
    assert_eq!(slip.rows[0].kind, "heading");
    assert_eq!(slip.rows[0].description, "Cable works");
}

#[tokio::test]
async fn a_later_work_slip_lists_earlier_supplemental_items_to_change() {
    let (fx, estimate) = with_example_estimate().await;
    fx.queue_workslip(
        estimate,
        vec![sitebook_core::domain::bill::ItemQuantity::new(
            "1",
            Decimal::from(10),
        )],
        vec![sitebook_core::documents::input_csv::SupplementalLine {
            sl_no: "S1".into(),
            description: "Extra earth work excavation".into(),
            unit: "Cum".into(),
            rate: Decimal::new(45050, 2),
            executed: Decimal::from(12),
            origin: None,
        }],
    )
    .await;
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    let listed: Vec<(&str, Option<&str>, Option<&str>)> = draft
        .items
        .iter()
        .map(|i| {
            (
                i.sl_no.as_str(),
                i.estimate_quantity.as_deref(),
                i.previous_quantity.as_deref(),
            )
        })
        .collect();
    // Every row starts from work slip 1's figure (item 2 kept its estimate quantity there),
    // and S1 is listed with no estimate quantity.
    assert_eq!(listed[0], ("1", Some("12.5"), Some("10")));
    assert_eq!(listed[1], ("2", Some("1234.5"), Some("1234.5")));
    assert_eq!(listed.last(), Some(&("S1", None, Some("12"))));

    // As the editor opens, every row at work slip 1's figure: saving would repeat it.
    let unchanged = at_suggested_quantities(&draft.items);
    let preview = workslip_preview(&fx, estimate, &unchanged, &[], &[]).await;
    assert_eq!(preview.problems.len(), 1, "{:?}", preview.problems);
    assert_eq!(preview.problems[0].sl_no, None);
    assert!(
        preview.problems[0]
            .message
            .starts_with("Work slip 2 would repeat work slip 1"),
        "{}",
        preview.problems[0].message
    );
    assert!(!preview.rows.is_empty(), "the figures stay in view");

    // A new line under S1's serial is named beside that line, with the serial to use instead;
    // S1 itself and the rest stay computed.
    let second_s1 = SupplementalEntry {
        sl_no: "s1".into(),
        description: "Shifting a pole".into(),
        unit: "Nos".into(),
        rate: "1500".into(),
        executed: "1".into(),
    };
    let preview = workslip_preview(&fx, estimate, &[entry("1", "11")], &[second_s1], &[]).await;
    assert_eq!(preview.problems.len(), 1, "{:?}", preview.problems);
    assert_eq!(
        preview.problems[0].sl_no, None,
        "not on work slip 1's S1 row"
    );
    assert_eq!(preview.problems[0].supplemental, Some(0));
    assert_eq!(
        preview.problems[0].message,
        "supplemental item s1 is work slip 1's (Extra earth work excavation): number the new \
         item S2, or, to change that item, give its quantity in its own row (S1,QUANTITY in a \
         quantities file)"
    );
    assert_eq!(
        preview.rows.iter().filter(|r| r.sl_no == "S1").count(),
        1,
        "work slip 1's S1 only"
    );
    assert!(!preview
        .rows
        .iter()
        .any(|r| r.description == "Shifting a pole"));

    let preview = workslip_preview(&fx, estimate, &[entry("S1", "20")], &[], &[]).await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    let s1 = preview.rows.iter().find(|r| r.sl_no == "S1").unwrap();
    let phase2_qty = preview
        .columns
        .iter()
        .position(|c| !c.is_amount && c.heading.contains("Execution"))
        .unwrap();
    assert_eq!(decimal(&s1.figures[phase2_qty]), Decimal::from(20));
}

#[tokio::test]
async fn a_quantity_far_past_the_estimate_is_warned_of_in_the_preview() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    let first = &draft.items[0];
    // Item 1's estimate quantity is 12.5 (the test above pins it): 125 is ten times and
    // passes as excess work; 126 is past ten times.
    let preview_with = |quantity: &'static str| {
        let entries: Vec<QuantityEntry> = draft
            .items
            .iter()
            .map(|item| {
                if item.sl_no == first.sl_no {
                    entry(&item.sl_no, quantity)
                } else {
                    entry(&item.sl_no, &item.suggested_quantity)
                }
            })
            .collect();
        let fx = &fx;
        async move { bill_preview(fx, estimate, false, &entries, &[]).await }
    };
    let ten_times = preview_with("125").await;
    assert!(
        besides_work_data(&ten_times.warnings).is_empty(),
        "{:?}",
        ten_times.warnings
    );
    let past = preview_with("126").await;
    assert!(
        past.problems.is_empty(),
        "warned, not refused: {:?}",
        past.problems
    );
    let warnings = besides_work_data(&past.warnings);
    assert_eq!(warnings.len(), 1, "{:?}", past.warnings);
    assert!(
        warnings[0].starts_with("item 1 (")
            && warnings[0].contains("126 is more than 10 times the estimate's 12.5"),
        "{}",
        past.warnings[0]
    );
}

#[tokio::test]
async fn the_memorandum_says_which_days_deductions_it_applies_and_a_final_bill_asks_for_its_doc() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    let entries = at_suggested_quantities(&draft.items);
    let in_force = |preview: &DocumentPreview| {
        preview
            .memorandum
            .as_ref()
            .expect("a memorandum")
            .in_force_on
            .clone()
    };
    let asks_for_doc = |preview: &DocumentPreview| {
        preview
            .warnings
            .iter()
            .any(|w| w.contains("no date of completion (DOC)"))
    };

    // No dates in the work data: the bill is dated the day it is made.
    let undated = bill_preview(&fx, estimate, true, &entries, &[]).await;
    assert!(
        in_force(&undated)
            .ends_with("the bill's date (today: the work data gives no DOBR, DOMR, DOC or DOI)."),
        "{}",
        in_force(&undated)
    );
    assert!(asks_for_doc(&undated), "{:?}", undated.warnings);
    // The date chooses the deduction lines, so a bill without its DOBR says how it is dated.
    let no_dobr = |preview: &DocumentPreview| -> Vec<String> {
        preview
            .warnings
            .iter()
            .filter(|w| w.contains("no date of bill recording (DOBR)"))
            .cloned()
            .collect()
    };
    assert_eq!(
        no_dobr(&undated),
        [
            "The work data has no date of bill recording (DOBR): bill 1 prints \"DOBR -\", is \
             dated the day it is made, and deducts by the lines in force that day. Give the \
             DOBR in Work data."
        ]
    );
    // A part bill certifies no completion, so it is not asked for one.
    let part = bill_preview(&fx, estimate, false, &entries, &[]).await;
    assert!(!asks_for_doc(&part), "{:?}", part.warnings);

    // The DOMR dates it when there is no DOBR; the DOBR, once given, comes first.
    let dates = |domr: &str, dobr: Option<&str>| WorkChanges {
        doc: Some("01-06-2025".into()),
        domr: Some(domr.into()),
        dobr: dobr.map(Into::into),
        ..WorkChanges::default()
    };
    fx.edit_work(estimate, dates("10-06-2025", None)).await;
    let by_domr = bill_preview(&fx, estimate, true, &entries, &[]).await;
    assert_eq!(
        in_force(&by_domr),
        "Deductions in force on 10-06-2025, the bill's date (the DOMR)."
    );
    assert!(!asks_for_doc(&by_domr), "{:?}", by_domr.warnings);
    assert_eq!(
        no_dobr(&by_domr),
        [
            "The work data has no date of bill recording (DOBR): bill 1 prints \"DOBR -\", is \
             dated 10-06-2025 from the DOMR, and deducts by the lines in force that day. Give \
             the DOBR in Work data."
        ]
    );
    fx.edit_work(estimate, dates("10-06-2025", Some("12-06-2025")))
        .await;
    let by_dobr = bill_preview(&fx, estimate, true, &entries, &[]).await;
    assert_eq!(
        in_force(&by_dobr),
        "Deductions in force on 12-06-2025, the bill's date (the DOBR)."
    );
    assert_eq!(no_dobr(&by_dobr), Vec::<String>::new());
    // The draft shows the lines the bill will print from the work data, which bills share.
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    assert_eq!(
        draft.work_lines,
        [
            "no M.B. pages",
            "DOI - DOC 01-06-2025 DOMR 10-06-2025 DOBR 12-06-2025"
        ]
    );
}

#[tokio::test]
async fn a_bill_that_would_print_the_last_bills_mb_pages_or_dobr_is_warned_of() {
    let (fx, estimate) = with_example_estimate().await;
    let recorded = |measurements: &str, abstract_pages: &str, domr: &str, dobr: &str| WorkChanges {
        mb_measurements: Some(measurements.into()),
        mb_abstract: Some(abstract_pages.into()),
        domr: Some(domr.into()),
        dobr: Some(dobr.into()),
        ..WorkChanges::default()
    };
    let copied = |warnings: &[String]| -> Vec<String> {
        warnings
            .iter()
            .filter(|w| w.contains("same MB pages") || w.contains("same date of bill recording"))
            .cloned()
            .collect()
    };
    fx.edit_work(
        estimate,
        recorded("417:12-30", "418:3-5", "10-06-2025", "12-06-2025"),
    )
    .await;
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    let mut entries = only_item_one_measured(&draft.items, "10");
    // A first bill has no bill before it to repeat.
    let first = bill_preview(&fx, estimate, false, &entries, &[]).await;
    assert_eq!(copied(&first.warnings), Vec::<String>::new());
    fx.core
        .bill_create_entered(&fx.root, estimate, false, &entries, &[])
        .await
        .unwrap();

    // Bill 2, with the work data as bill 1 left it: both are told, in the preview and when
    // the bill is saved (as the command line makes it).
    entries[0] = entry("1", "20");
    let expected = [
        "Bill 2 prints the same MB pages as bill 1 (MB.No. 417 P.No. 12 to 30 (Measurements) & \
         MB.No. 418 P.No. 3 to 5 (Abstract)), but each bill's measurements and abstract are \
         recorded on pages of their own. Give this bill's pages in Work data.",
        "Bill 2 prints the same date of bill recording (DOBR 12-06-2025) as bill 1. If it was \
         recorded on another day, give that day in Work data.",
    ];
    let second = bill_preview(&fx, estimate, false, &entries, &[]).await;
    assert_eq!(copied(&second.warnings), expected);
    let saved = fx
        .core
        .bill_create_entered(&fx.root, estimate, false, &entries, &[])
        .await
        .unwrap();
    assert_eq!(saved.number, Some(2));
    assert_eq!(copied(&saved.warnings), expected);

    // Bill 3 recorded on pages and a day of its own: nothing to tell.
    fx.edit_work(
        estimate,
        recorded("417:31-44", "418:6-7", "20-06-2025", "22-06-2025"),
    )
    .await;
    entries[0] = entry("1", "30");
    let third = bill_preview(&fx, estimate, false, &entries, &[]).await;
    assert_eq!(copied(&third.warnings), Vec::<String>::new());
    // New pages on bill 2's day tell only of the day.
    fx.edit_work(
        estimate,
        recorded("417:31-44", "418:6-7", "10-06-2025", "12-06-2025"),
    )
    .await;
    let same_day = bill_preview(&fx, estimate, false, &entries, &[]).await;
    assert_eq!(
        copied(&same_day.warnings),
        [expected[1]
            .replace("Bill 2", "Bill 3")
            .replace("bill 1", "bill 2")]
    );
}

#[tokio::test]
async fn each_recovery_problem_names_its_line_and_a_recovery_of_nothing_is_refused() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    let entries = at_suggested_quantities(&draft.items);
    let preview = bill_preview(
        &fx,
        estimate,
        false,
        &entries,
        &[
            recovery("Seigniorage", "0"),
            recovery("", "500"),
            recovery("Penalty", "-100"),
            recovery("Machinery advance", "1,000"),
        ],
    )
    .await;
    let on_line = |line: u32| -> Vec<&str> {
        preview
            .problems
            .iter()
            .filter(|p| p.recovery == Some(line))
            .map(|p| p.message.as_str())
            .collect()
    };
    assert!(
        on_line(0)[0].contains("0.00 recovers nothing"),
        "{:?}",
        preview.problems
    );
    assert_eq!(
        on_line(1),
        ["recovery 2: say what is recovered, such as \"Mobilisation advance\""]
    );
    assert!(
        on_line(2)[0].starts_with("recovery 3 (Penalty)"),
        "{:?}",
        preview.problems
    );
    assert!(on_line(3).is_empty(), "{:?}", preview.problems);
    // Problems of items or of the whole bill name no recovery line.
    assert!(preview
        .problems
        .iter()
        .all(|p| p.recovery.is_some() || p.sl_no.is_some() || !p.message.starts_with("recovery")));
}

#[tokio::test]
async fn a_recovery_past_what_the_bill_pays_keeps_the_memorandum_with_its_net_below_zero() {
    let (fx, estimate) = with_example_estimate().await;
    let draft = fx.core.bill_draft(&fx.root, estimate).await.unwrap();
    let entries = at_suggested_quantities(&draft.items);
    let net_of = |preview: &DocumentPreview| -> Decimal {
        preview
            .memorandum
            .as_ref()
            .unwrap()
            .net_payable
            .parse()
            .unwrap()
    };
    let pays = net_of(&bill_preview(&fx, estimate, false, &entries, &[]).await);
    assert!(pays > Decimal::ONE_THOUSAND, "{pays}");

    // Recovering exactly what the bill pays leaves nothing, and is no problem.
    let all = bill_preview(
        &fx,
        estimate,
        false,
        &entries,
        &[recovery("Mobilisation advance", &pays.to_string())],
    )
    .await;
    assert_eq!(net_of(&all), Decimal::ZERO);
    assert_eq!(all.memorandum.as_ref().unwrap().short_by, None);
    assert!(all.problems.is_empty(), "{:?}", all.problems);

    // 1,000.50 more is refused, and the memorandum stays, its net 1,000.50 below zero.
    let past = pays + Decimal::new(100_050, 2);
    let preview = bill_preview(
        &fx,
        estimate,
        false,
        &entries,
        &[recovery("Mobilisation advance", &past.to_string())],
    )
    .await;
    let memo = preview
        .memorandum
        .as_ref()
        .expect("the memorandum stays in view");
    assert_eq!(memo.short_by.as_deref(), Some("1000.50"));
    assert_eq!(memo.lines.last().unwrap().amount, "-1000.50");
    assert!(memo
        .lines
        .iter()
        .any(|line| line.particulars.contains("Mobilisation advance")
            && line.amount == format!("{past:.2}")));
    assert!(
        preview
            .problems
            .iter()
            .any(|p| p.message.ends_with("reduce the one-off recoveries")),
        "{:?}",
        preview.problems
    );
}

/// The work slip's AMC warning, previewed at the suggested quantities (also returned): none
/// with the work data as read, and the one said once AMC is set to `is_amc`.
async fn amc_warning_once_set(
    fx: &Fixture,
    estimate: i64,
    is_amc: bool,
) -> (String, Vec<QuantityEntry>) {
    let draft = fx.core.workslip_draft(&fx.root, estimate).await.unwrap();
    let entries = at_suggested_quantities(&draft.items);
    let amc_warning =
        |preview: &DocumentPreview| preview.warnings.iter().find(|w| w.contains("AMC")).cloned();
    let as_read = workslip_preview(fx, estimate, &entries, &[], &[]).await;
    assert_eq!(amc_warning(&as_read), None, "{:?}", as_read.warnings);
    fx.edit_work(
        estimate,
        WorkChanges {
            is_amc: Some(is_amc),
            ..WorkChanges::default()
        },
    )
    .await;
    let set = workslip_preview(fx, estimate, &entries, &[], &[]).await;
    let warning = amc_warning(&set).expect("the contradiction is said");
    (warning, entries)
}

#[tokio::test]
async fn a_work_unmarked_amc_whose_workbook_charges_no_qc_is_warned_of_in_the_work_slip() {
    // The worked example without its "Add QC @ 1 %" row (and a Sub Total 1,000.00 less): the
    // work data, never saved, reads it as an AMC work, and nothing needs saying.
    let bytes = workbooks::domain_example_edited(|sheet| {
        sheet.clear_cell(17, 3);
        sheet.clear_cell(17, 7);
        workbooks::text(sheet, 20, 7, "1,06,100.00");
    });
    let (fx, estimate) = fixture_with_estimate(bytes).await;
    assert!(fx.core.work_show(&fx.root, estimate).await.unwrap().is_amc);
    // Someone unticks AMC: the slip now charges QC the estimate never did, and says so.
    let (warning, _) = amc_warning_once_set(&fx, estimate, false).await;
    assert!(
        warning.contains("the estimate's footer charges none")
            && warning.contains("tick AMC in Work data"),
        "{warning}"
    );
}

#[tokio::test]
async fn a_work_marked_amc_whose_workbook_charges_qc_is_warned_of_in_the_work_slip() {
    // The worked example's footer charges "Add QC @ 1 %" of 1,000.00: it is not an AMC work.
    let (fx, estimate) = with_example_estimate().await;
    let (warning, entries) = amc_warning_once_set(&fx, estimate, true).await;
    assert!(
        warning.contains("the estimate's footer charges QC of Rs. 1,000.00")
            && warning.contains("untick AMC in Work data"),
        "{warning}"
    );
    // Saving the work slip says it too.
    let queued = fx
        .core
        .workslip_create_entered(&fx.root, estimate, &entries, &[], &[])
        .await
        .unwrap();
    assert!(
        queued
            .warnings
            .iter()
            .any(|w| w.contains("marks this an AMC work")),
        "{:?}",
        queued.warnings
    );
}
