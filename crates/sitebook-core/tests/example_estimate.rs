//! The example estimate that ships with the app (`examples/estimates/cc-road-example.xlsx`), so a
//! newcomer sees a whole bill in the first minute. It is generated here, not kept by hand: the
//! committed file must be exactly what this test builds (`UPDATE_EXAMPLE=1` rewrites it), and it
//! must read back cleanly, with its figures as DOMAIN.md §1 computes them.

mod common;
mod workbooks;

use common::round2;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
use workbooks::{formula, merge, merged_header, num, parse, priced_item, text};

const SHIPPED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/estimates/cc-road-example.xlsx"
);

// A table of the shipped items, one row each on purpose.
/// Sub-heads and items: serial, quantity, unit, description, rate, per.
#[allow(clippy::type_complexity)]
fn items() -> Vec<(
    &'static str,
    Vec<(
        u32,
        Decimal,
        &'static str,
        &'static str,
        Decimal,
        &'static str,
    )>,
)> {
    vec![
        (
            "SUB HEAD I: Earth work",
            vec![
                (1, dec!(180.50), "Cum", "Earth work excavation in all soils for road formation, including disposal within 50 m", dec!(312.40), "Cum"),
                (2, dec!(96.25), "Cum", "Filling with gravel in layers of 150 mm, watered and compacted to 95 % density", dec!(845.75), "Cum"),
            ],
        ),
        (
            "SUB HEAD II: Cement concrete works",
            vec![
                (3, dec!(20.50), "Cum", "Plain cement concrete 1:4:8 with 40 mm metal for base course, including curing", dec!(5120.60), "Cum"),
                (4, dec!(24.00), "Cum", "Reinforced cement concrete M25 for road slab, including formwork and curing", dec!(6480.35), "Cum"),
                (5, dec!(1.050), "MT", "Steel reinforcement Fe 500, cut, bent and tied in place", dec!(78450.00), "MT"),
                (6, dec!(410.00), "Rmt", "Cutting and sealing of contraction joints with polysulphide sealant", dec!(118.20), "Rmt"),
            ],
        ),
        (
            "SUB HEAD III: Drains and finishing",
            vec![
                (7, dec!(50.00), "Rmt", "Precast RCC drain 300 mm wide with cover slabs, laid to gradient", dec!(1240.80), "Rmt"),
                (8, dec!(6), "Nos", "Cement concrete kerb stone ramps at junctions", dec!(2350.00), "No"),
                (9, dec!(240.00), "Sqm", "Road marking with thermoplastic paint, 2.5 mm thick", dec!(642.15), "Sqm"),
                (10, dec!(4), "Nos", "Retro-reflective road signs on MS post, erected", dec!(5870.00), "No"),
            ],
        ),
    ]
}

const GRAND_TOTAL: Decimal = dec!(1000000);

fn ecv() -> Decimal {
    items()
        .iter()
        .flat_map(|(_, rows)| rows.iter())
        .map(|(_, q, _, _, r, _)| round2(q * r))
        .sum()
}

fn example_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    // A fixed date, so the bytes are the same each time the file is generated.
    workbook.set_properties(
        &DocProperties::new()
            .set_title("Example estimate: CC road, ward 12")
            .set_author("Sitebook")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2025, 4, 1).unwrap()),
    );
    let sheet = workbook.add_worksheet().set_name("Estimate").unwrap();
    sheet.set_column_width(3, 60).unwrap();
    text(sheet, 0, 0, "ESTIMATE");
    merge(
        sheet,
        1,
        0,
        1,
        7,
        "Name of the work : Construction of CC road from Gandhi statue to Ramalayam, Ward 12 (example)",
    );
    text(sheet, 2, 0, "Estimate amount : Rs. 10,00,000/-");
    text(
        sheet,
        3,
        0,
        "Ref. to Administrative sanction : AS No. 41/2025 dt. 01-04-2025",
    );
    text(
        sheet,
        4,
        0,
        "Ref. to Technical sanction : TS No. 17/EE/2025 dt. 08-04-2025",
    );
    text(
        sheet,
        5,
        0,
        "Name of the Agency : M/s Example Constructions",
    );
    merged_header(sheet, 6);
    let mut row = 7;
    let first_item_row = row + 2;
    for (heading, rows) in items() {
        text(sheet, row, 3, heading);
        row += 1;
        for (serial, quantity, unit, description, rate, per) in rows {
            let cells = (
                f64::from(serial),
                quantity.try_into().unwrap(),
                unit,
                description,
                rate.try_into().unwrap(),
                per,
            );
            priced_item(sheet, row, cells, &round2(quantity * rate).to_string());
            row += 1;
        }
    }
    let ecv = ecv();
    let (lc, qc, nac) = (
        round2(ecv / dec!(100)),
        round2(ecv / dec!(100)),
        round2(ecv / dec!(1000)),
    );
    let sub_total = ecv + lc + qc + nac;
    let gst = round2(sub_total * dec!(0.18));
    let footer = [
        ("ECV", format!("=SUM(H{first_item_row}:H{row})"), ecv),
        ("Add LC @ 1 %", format!("=ROUND(H{}*0.01,2)", row + 1), lc),
        ("Add QC @ 1 %", format!("=ROUND(H{}*0.01,2)", row + 1), qc),
        (
            "Add NAC @ 0.1 %",
            format!("=ROUND(H{}*0.001,2)", row + 1),
            nac,
        ),
        (
            "Sub Total",
            format!("=SUM(H{}:H{})", row + 1, row + 4),
            sub_total,
        ),
        (
            "Add GST @ 18 %",
            format!("=ROUND(H{}*0.18,2)", row + 5),
            gst,
        ),
        (
            "L.S Provision towards unforeseen items",
            format!("=H{}-H{}-H{}", row + 8, row + 6, row + 5),
            GRAND_TOTAL - gst - sub_total,
        ),
        ("Grand Total", String::new(), GRAND_TOTAL),
    ];
    for (offset, (label, expression, amount)) in (0..).zip(footer) {
        text(sheet, row + offset, 3, label);
        if expression.is_empty() {
            num(sheet, row + offset, 7, amount.try_into().unwrap());
        } else {
            formula(sheet, row + offset, 7, &expression, &amount.to_string());
        }
    }
    text(sheet, row + 10, 3, "Assistant Executive Engineer");
    workbook.save_to_buffer().unwrap()
}

#[test]
fn the_shipped_example_is_the_generated_one() {
    let generated = example_workbook();
    if std::env::var_os("UPDATE_EXAMPLE").is_some() {
        std::fs::create_dir_all(std::path::Path::new(SHIPPED).parent().unwrap()).unwrap();
        std::fs::write(SHIPPED, &generated).unwrap();
    }
    let shipped = std::fs::read(SHIPPED).expect("the example estimate ships in examples/");
    assert!(
        shipped == generated,
        "examples/estimates/cc-road-example.xlsx differs from what this test generates; \
         run with UPDATE_EXAMPLE=1 and review"
    );
}

#[test]
fn the_example_reads_back_cleanly_with_its_own_figures() {
    let shipped = std::fs::read(SHIPPED).unwrap();
    let parsed = parse(&shipped, "cc-road-example.xlsx").unwrap();
    let sheet = &parsed.sheets[0];
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let items: Vec<_> = sheet
        .items
        .iter()
        .filter(|i| i.quantity.is_some())
        .collect();
    assert_eq!(items.len(), 10);
    assert_eq!(sheet.footer.ecv, Some(ecv()));
    assert_eq!(sheet.footer.grand_total, Some(GRAND_TOTAL));
    assert!(ecv() > dec!(700000) && ecv() < dec!(800000), "{}", ecv());
    assert_eq!(
        sheet.metadata.name_of_work.as_deref(),
        Some("Construction of CC road from Gandhi statue to Ramalayam, Ward 12 (example)")
    );
}

#[tokio::test]
async fn one_call_imports_the_example_and_bills_it_and_a_second_gives_the_same_bill() {
    let fx = common::fixture().await;
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    let queued = fx.core.example_first_bill(&fx.root).await.unwrap();
    let again = fx.core.example_first_bill(&fx.root).await.unwrap();
    pool.shutdown().await;
    assert_eq!(queued.number, Some(1));
    assert_eq!(
        again.job_id, queued.job_id,
        "no second import and no bill 2"
    );
    let estimates = fx.core.estimates_list(&fx.root).await.unwrap();
    assert_eq!(estimates.len(), 1, "{estimates:?}");

    let (pdf, _) = fx.rendered(queued.job_id).await;
    let text = common::pdf_text(&pdf);
    assert!(text.contains("CC First & Part Bill"), "{text}");
    assert!(text.contains("Gandhi statue to Ramalayam"), "{text}");
    // The bill is the estimate at its own quantities: its sub total is the ECV.
    let ecv = ecv();
    let indian = {
        let whole = ecv.trunc().to_string();
        let (head, tail) = whole.split_at(whole.len() - 3);
        let mut groups = Vec::new();
        let mut rest = head;
        while rest.len() > 2 {
            let (left, right) = rest.split_at(rest.len() - 2);
            groups.insert(0, right.to_owned());
            rest = left;
        }
        groups.insert(0, rest.to_owned());
        format!(
            "{},{tail}.{:02}",
            groups.join(","),
            (ecv.fract() * dec!(100)).trunc()
        )
    };
    let sub_total = text
        .lines()
        .find(|line| line.contains("Sub Total"))
        .unwrap_or_else(|| panic!("no Sub Total in {text}"));
    assert!(
        sub_total.contains(&indian),
        "{sub_total} should show {indian}"
    );
}
