//! Realistic, deterministic inputs for the renderer tests, benchmarks and sample writer:
//! street-lighting and civil items with descriptions of varied length, quantities that
//! sometimes exceed the estimate (so AE rows appear), and rates with two or three decimals.
//!
//! Everything is derived from the item index by a fixed generator, so a given `n` always
//! gives the same documents.

#![allow(dead_code)]

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sitebook_core::domain::bill::{
    first_bill, nth_bill, FirstBillInput, ItemQuantity, NthBillInput, TenderPremium, TpType,
};
use sitebook_core::domain::estimate::{EstimateFooterInput, EstimateItem};
use sitebook_core::domain::money::amount;
use sitebook_core::domain::work::{
    Area, DocDate, DocumentDates, MbDetails, MbPages, WorkMetadata, WorkMode,
};
use sitebook_core::domain::workslip::{workslip, PhaseQuantities, SupplementalItem, WorkslipInput};
use sitebook_core::pdf::{sha256_hex, DocumentRequest, EstimateAbstract};

const OPENINGS: [&str; 8] = [
    "Supplying and erection of",
    "Providing and laying",
    "Supply, installation, testing and commissioning of",
    "Dismantling and removing",
    "Providing and fixing",
    "Excavation in all kinds of soil for",
    "Painting with two coats of synthetic enamel paint over",
    "Laying and jointing of",
];

const SUBJECTS: [&str; 8] = [
    "9.5 mtr long GI octagonal street light pole with single arm bracket",
    "40 mm dia PVC conduit pipe",
    "LED street light fitting 90 W, IP66, with surge protection device",
    "old sodium vapour lamp fittings",
    "3.5 core 25 sq.mm armoured aluminium cable",
    "foundation of poles",
    "steel tubular poles",
    "cement concrete 1:2:4 using 20 mm graded hard broken granite metal",
];

const DETAILS: [&str; 6] = [
    "",
    "including cost and conveyance of all materials, labour and T&P charges complete as directed by the Engineer-in-charge.",
    "with all accessories, earthing with GI strip, and making good the damages.",
    "in all kinds of soil including shoring, dewatering, refilling and ramming in layers of 15 cm, consolidating and watering, including lead up to 50 m and lift up to 1.5 m, and disposal of surplus earth as directed.",
    "complete.",
    "including curing for 14 days, centering and shuttering, scaffolding and all incidental charges, as per the specifications and the drawings approved by the competent authority.",
];

const UNITS: [(&str, &str); 6] = [
    ("Nos", "No"),
    ("Mtrs", "Mtr"),
    ("Cum", "Cum"),
    ("Sqm", "Sqm"),
    ("Rmt", "Rmt"),
    ("Set", "Set"),
];

/// A fixed pseudo-random step (64-bit LCG), so fixtures need no crate.
fn mix(seed: u64) -> u64 {
    seed.wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407)
        >> 17
}

/// `n` estimate items.
pub fn items(n: usize) -> Vec<EstimateItem> {
    (0..n)
        .map(|i| {
            let r = mix(i as u64 + 7);
            let description = format!(
                "{} {} {}",
                OPENINGS[(r % 8) as usize],
                SUBJECTS[(r / 8 % 8) as usize],
                DETAILS[(r / 64 % 6) as usize]
            )
            .trim()
            .to_owned();
            let (unit, per_unit) = UNITS[(r / 512 % 6) as usize];
            let quantity = Decimal::new((r / 4096 % 40_000) as i64 + 100, 2);
            let rate = if r.is_multiple_of(5) {
                Decimal::new((r / 7 % 9_000_000) as i64 + 1_000, 3)
            } else {
                Decimal::new((r / 7 % 20_000_000) as i64 + 5_000, 2)
            };
            EstimateItem {
                sl_no: (i + 1).to_string(),
                description,
                quantity,
                unit: unit.to_owned(),
                rate,
                per_unit: per_unit.to_owned(),
                amount: amount(quantity, rate),
            }
        })
        .collect()
}

/// The work's metadata.
pub fn metadata() -> WorkMetadata {
    WorkMetadata {
        name_of_work: "Improvements to street lighting and allied civil works in Ward 4, \
                       Gandhi Nagar, including replacement of old fittings with LED fittings"
            .into(),
        work_mode: WorkMode::Original,
        is_amc: false,
        area: Area::Municipal,
        estimate_amount: dec!(12345678.50),
        grand_total: dec!(15000000),
        administrative_sanction_ref: "G.O.Rt.No. 112, MA&UD (Elec) Dept., dt. 04-01-2024".into(),
        technical_sanction_ref: "TS No. 4/2024-25 of the Superintending Engineer".into(),
        agreement_ref: "Agt No. 7/2024-25 dt. 15-02-2024".into(),
        agency: "Sri Lakshmi Electricals & Contractors".into(),
        agency_is_individual: false,
        tender_premium: Some(tp_less()),
        mb_details: Some(MbDetails {
            measurements: MbPages {
                book: "123".into(),
                first_page: 1,
                last_page: 48,
            },
            abstract_pages: MbPages {
                book: "124".into(),
                first_page: 5,
                last_page: 9,
            },
        }),
        dates: DocumentDates {
            intimation: Some(DocDate::new(2024, 2, 1).unwrap()),
            completion: None,
            measurement_recorded: Some(DocDate::new(2024, 3, 15).unwrap()),
            bill_recorded: Some(DocDate::new(2024, 3, 20).unwrap()),
        },
    }
}

/// 4.5 % Less, the worked example's premium.
pub fn tp_less() -> TenderPremium {
    TenderPremium::new(dec!(4.5), TpType::Less).unwrap()
}

/// The hash of anything printable with `Debug` (the tests' stand-in for serialized inputs).
pub fn hash_of<T: std::fmt::Debug>(input: &T) -> String {
    sha256_hex(format!("{input:?}").as_bytes())
}

/// Till-date quantities: most at the estimate, every seventh above it (AE rows), every
/// eleventh not yet started.
pub fn till_date(items: &[EstimateItem], stage: u32) -> Vec<ItemQuantity> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let quantity = match (i % 7, i % 11) {
                (0, _) if stage >= 2 => item.quantity * dec!(1.25),
                (0, _) => item.quantity * dec!(1.1),
                (_, 0) if stage == 1 => Decimal::ZERO,
                _ if stage == 1 => (item.quantity * dec!(0.6)).round_dp(2),
                _ => item.quantity,
            };
            ItemQuantity::new(item.sl_no.clone(), quantity)
        })
        .collect()
}

/// A first bill over `n` items with a 4.5 % Less premium.
pub fn first_bill_request(n: usize) -> DocumentRequest<sitebook_core::domain::bill::FirstBill> {
    let items = items(n);
    let input = FirstBillInput {
        quantities: till_date(&items, 1),
        items,
        tender_premium: Some(tp_less()),
        is_final: false,
    };
    let bill = first_bill(&input).unwrap();
    DocumentRequest::first_bill(bill, metadata().header_block(), hash_of(&input))
        .with_document_date(DocDate::new(2024, 3, 20).unwrap())
}

/// Bill 2 over `n` items, deducting bill 1's till-date quantities.
pub fn nth_bill_request(n: usize) -> DocumentRequest<sitebook_core::domain::bill::NthBill> {
    let items = items(n);
    let input = NthBillInput {
        number: 2,
        is_final: false,
        till_date: till_date(&items, 2),
        previous_till_date: till_date(&items, 1),
        previous_printed: None,
        items,
        tender_premium: Some(tp_less()),
    };
    let bill = nth_bill(&input).unwrap();
    DocumentRequest::nth_bill(bill, metadata().header_block(), hash_of(&input))
        .with_document_date(DocDate::new(2024, 6, 11).unwrap())
}

/// Work slip `phase` over `n` items, with supplemental items introduced in phases 1 and 2.
pub fn workslip_request(
    n: usize,
    phase: u32,
) -> DocumentRequest<sitebook_core::domain::workslip::Workslip> {
    let items = items(n);
    let supplemental_items = vec![
        SupplementalItem {
            sl_no: "S1".into(),
            description: "Shifting of existing transformer structure to the new location \
                          including all labour and T&P"
                .into(),
            unit: "LS".into(),
            rate: dec!(45000),
            introduced_in_phase: 1,
            origin: None,
        },
        SupplementalItem {
            sl_no: "S2".into(),
            description: "Providing cable jointing kit for 3.5 core 25 sq.mm cable".into(),
            unit: "Nos".into(),
            rate: dec!(1850.50),
            introduced_in_phase: 2.min(phase),
            origin: None,
        },
    ];
    let executed = (1..=phase)
        .map(|k| PhaseQuantities {
            estimate_items: items
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 3 == (k as usize) % 3)
                .map(|(i, item)| {
                    let factor = match i % 4 {
                        0 => dec!(1.2),
                        1 => dec!(0.8),
                        2 => Decimal::ZERO,
                        _ => dec!(1),
                    };
                    ItemQuantity::new(item.sl_no.clone(), item.quantity * factor)
                })
                .collect(),
            supplemental_items: supplemental_items
                .iter()
                .filter(|s| s.introduced_in_phase <= k)
                .map(|s| ItemQuantity::new(s.sl_no.clone(), Decimal::from(k + 1)))
                .collect(),
            rate_overrides: Vec::new(),
        })
        .collect();
    // Sanctioned: the next lakh above the item total with about 40 % for premium and taxes.
    let base = sitebook_core::domain::estimate::items_total(&items) * dec!(1.4);
    let sanctioned_grand_total = ((base / dec!(100000)).floor() + Decimal::ONE) * dec!(100000);
    let input = WorkslipInput {
        phase,
        items,
        supplemental_items,
        executed,
        rate_overrides: Vec::new(),
        deduct_old_material: None,
        tender_premium: Some(TenderPremium::new(dec!(5), TpType::Excess).unwrap()),
        earlier_premiums: Vec::new(),
        is_amc: false,
        sanctioned_grand_total,
    };
    let slip = workslip(&input).unwrap();
    DocumentRequest::workslip(slip, metadata().header_block(), hash_of(&input))
        .with_document_date(DocDate::new(2024, 5, 2).unwrap())
}

/// The estimate abstract of `n` items, TP 5 % Excess, Grand Total a round figure above.
pub fn estimate_request(n: usize) -> DocumentRequest<EstimateAbstract> {
    let items = items(n);
    let footer_input = EstimateFooterInput {
        items_total: Decimal::ZERO,
        deduct_old_material: None,
        tender_premium: Some(TenderPremium::new(dec!(5), TpType::Excess).unwrap()),
        is_amc: false,
        provides_labour_cess: true,
        provides_nac: true,
        special_ls_provisions: Vec::new(),
        grand_total: dec!(0),
        rates: Default::default(),
    };
    let mut estimate = EstimateAbstract::new(items.clone(), footer_input.clone()).unwrap();
    // A typed Grand Total: the next lakh above what the footer needs.
    let needed = estimate.footer.sub_total + estimate.footer.gst;
    let grand_total = ((needed / dec!(100000)).floor() + Decimal::ONE) * dec!(100000);
    estimate = EstimateAbstract::new(
        items,
        EstimateFooterInput {
            grand_total,
            ..footer_input
        },
    )
    .unwrap();
    let lines = vec![sitebook_core::domain::work::HeaderLine {
        label: "Name of the work".into(),
        value: metadata().name_of_work,
    }];
    let hash = hash_of(&(&estimate.items, &estimate.footer_input));
    DocumentRequest::estimate_abstract(estimate, lines, hash)
        .with_document_date(DocDate::new(2024, 1, 15).unwrap())
}
