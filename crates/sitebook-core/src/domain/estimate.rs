//! The estimate model shared by the workbook parser and every document, and the estimate
//! footer math (DOMAIN.md §1, footer rows 1–11).
//!
//! The parser turns an Estimate sheet into [`EstimateItem`]s; bills and work slips read those
//! items (quantity, rate, units) and never look at the workbook again. The footer turns the
//! item total into the sanctioned Grand Total:
//!
//! ```text
//! ECV        = ROUND2(items + deduct old material)
//! TP         = ROUND2(ECV × p/100)          (deducted instead when the premium is Less)
//! LC, QC     = ROUND2(ECV × 1/100)          (no QC for AMC works)
//! NAC        = ROUND2(ECV × 0.1/100)
//!              (LC and NAC only where the estimate provides them: the footer rows are optional)
//! Sub Total  = ECV + TP + LC + QC + NAC
//! GST        = ROUND2(Sub Total × 18/100)
//! LS         = Grand Total − GST − Sub Total − special LS provisions   (balancing figure)
//! ```
//!
//! Decisions where DOMAIN.md is silent:
//! - *Deduct Old Material Cost* is always a deduction: a positive figure typed by the user is
//!   applied as its negative, because the label already says "deduct".
//! - An estimate normally carries an *Excess* premium (`Add Excess T.P @ p %`). A *Less*
//!   premium is deducted and labelled `Deduct Less T.P @ p %` rather than refused.
//! - The LS provision is a balancing figure and may come out negative when the typed Grand
//!   Total is too small. That is reported as data ([`EstimateFooter::is_short`]), not as an
//!   error: the workbook is the user's, and the abstract should show what it says.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::money::{
    amount, format_percent, percent_of, round2, within_limit, LabelledAmount, MAX_FIGURE,
};
use super::tender::TenderPremium;

/// Labour cess, percent of the base (ECV in an estimate, Sub Total 1 in a work slip).
pub const LABOUR_CESS_PERCENT: Decimal = dec!(1);
/// Quality control charge, percent of the same base; not levied on AMC works.
pub const QUALITY_CONTROL_PERCENT: Decimal = dec!(1);
/// NAC, percent of the same base.
pub const NAC_PERCENT: Decimal = dec!(0.1);
/// GST, percent of the sub total.
pub const GST_PERCENT: Decimal = dec!(18);

/// One item row of the Estimate sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimateItem {
    /// The serial as written in the sheet (`1`, `2a`, `3.1`); items are matched on it.
    pub sl_no: String,
    /// The item description, often a long paragraph.
    pub description: String,
    /// Estimated quantity.
    pub quantity: Decimal,
    /// The plural unit printed next to the quantity (`Nos`, `Cum`, `Sqm`).
    pub unit: String,
    /// Rate per one `per_unit`.
    pub rate: Decimal,
    /// The singular unit the rate is quoted per (`No`, `Cum`, `Sqm`).
    pub per_unit: String,
    /// The amount as the workbook gives it (normally `ROUND2(quantity × rate)`).
    pub amount: Decimal,
}

/// The most characters one text field may hold: a spreadsheet cell's limit, which every
/// document's workbook must respect. A longer text is refused where it enters, naming it, so no
/// document is saved that could never be written.
pub const MAX_TEXT_CHARS: usize = 32_767;

/// The first of `fields` (name, text) longer than [`MAX_TEXT_CHARS`]: its name and length.
pub fn overlong_text<'a>(
    fields: impl IntoIterator<Item = (&'static str, &'a str)>,
) -> Option<(&'static str, usize)> {
    fields.into_iter().find_map(|(name, text)| {
        let chars = text.chars().count();
        (chars > MAX_TEXT_CHARS).then_some((name, chars))
    })
}

impl EstimateItem {
    /// Its description or unit, when longer than [`MAX_TEXT_CHARS`]: which, and how long.
    pub fn overlong_text(&self) -> Option<(&'static str, usize)> {
        overlong_text([
            ("description", self.description.as_str()),
            ("unit", self.unit.as_str()),
            ("unit of the rate", self.per_unit.as_str()),
        ])
    }

    /// `ROUND2(quantity × rate)`: what the amount should be, whatever the workbook cached.
    pub fn computed_amount(&self) -> Decimal {
        amount(self.quantity, self.rate)
    }
}

/// The sum of the items' amounts, rounded: the figure the estimate footer starts from.
pub fn items_total(items: &[EstimateItem]) -> Decimal {
    round2(items.iter().map(|item| item.amount).sum())
}

/// A sub-head of the estimate (`SUB HEAD I`, a description with no quantity or rate), kept in
/// every document before the item it stood above in the workbook (DOMAIN.md ruling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubHead {
    /// The serial of the first item under it.
    pub before_serial: String,
    /// Its text.
    pub text: String,
    /// Its own serial, where the workbook numbers it: an item whose sub-items carry the
    /// quantities (`4`, over `4(a)` and `4(b)`), or a lettered part (`A`). Left out when none,
    /// so inputs stored before it was kept keep their hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sl_no: Option<String>,
}

/// A typed `L.S Provision towards <name>` constant (footer row 10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialLsProvision {
    /// What the provision is for; printed after "L.S Provision towards".
    pub name: String,
    /// The constant the user typed.
    pub amount: Decimal,
}

/// Everything the estimate footer depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimateFooterInput {
    /// Sum of the item amounts (see [`items_total`]).
    pub items_total: Decimal,
    /// `Deduct Old Material Cost` for repair works; applied as a deduction whatever its sign.
    pub deduct_old_material: Option<Decimal>,
    /// The tender premium provided for in the estimate, if any.
    pub tender_premium: Option<TenderPremium>,
    /// Annual maintenance contract: no QC row.
    pub is_amc: bool,
    /// Whether the estimate provides labour cess (`Add LC @ 1 %`). A workbook whose footer has
    /// no LC row does not, and its bills withhold the cess instead (DOMAIN.md §2a). Inputs
    /// stored before this was read had every row, and keep their hash.
    #[serde(default = "provided", skip_serializing_if = "is_provided")]
    pub provides_labour_cess: bool,
    /// Whether the estimate provides NAC (`Add NAC @ 0.1 %`); as for labour cess.
    #[serde(default = "provided", skip_serializing_if = "is_provided")]
    pub provides_nac: bool,
    /// Typed `L.S Provision towards <name>` constants, in sheet order.
    pub special_ls_provisions: Vec<SpecialLsProvision>,
    /// The sanctioned Grand Total the user typed.
    pub grand_total: Decimal,
    /// The percentages the footer adds at: the workbook's own, the usual ones where it prints
    /// none. Left out when all are the usual ones, so inputs stored before they were read keep
    /// their hash.
    #[serde(default, skip_serializing_if = "FooterRates::are_usual")]
    pub rates: FooterRates,
}

/// The percentages an estimate's footer adds at (DOMAIN.md §1 gives the usual ones; an estimate
/// sanctioned under other rates, GST at 12 % before 2022 say, prints its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FooterRates {
    /// Labour cess, percent of ECV.
    pub labour_cess: Decimal,
    /// Quality control, percent of ECV.
    pub quality_control: Decimal,
    /// NAC, percent of ECV.
    pub nac: Decimal,
    /// GST, percent of the Sub Total.
    pub gst: Decimal,
}

impl Default for FooterRates {
    fn default() -> Self {
        Self {
            labour_cess: LABOUR_CESS_PERCENT,
            quality_control: QUALITY_CONTROL_PERCENT,
            nac: NAC_PERCENT,
            gst: GST_PERCENT,
        }
    }
}

impl FooterRates {
    /// Whether these are DOMAIN.md §1's usual rates.
    pub fn are_usual(&self) -> bool {
        *self == Self::default()
    }
}

/// The computed estimate footer: named figures for code, [`lines`](Self::lines) for renderers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimateFooter {
    /// Deduct Old Material Cost, negative, when present.
    pub deduct_old_material: Option<Decimal>,
    /// Estimated contract value.
    pub ecv: Decimal,
    /// Tender premium, signed (negative for a Less premium), when present.
    pub tender_premium: Option<Decimal>,
    /// Labour cess on ECV; `None` where the estimate does not provide it.
    pub labour_cess: Option<Decimal>,
    /// Quality control on ECV; `None` for AMC works.
    pub quality_control: Option<Decimal>,
    /// NAC on ECV; `None` where the estimate does not provide it.
    pub nac: Option<Decimal>,
    /// ECV + TP + LC + QC + NAC.
    pub sub_total: Decimal,
    /// GST on the sub total.
    pub gst: Decimal,
    /// The balancing `L.S Provision towards unforeseen items`.
    pub ls_provision: Decimal,
    /// The typed special LS provisions, as given.
    pub special_ls_provisions: Vec<SpecialLsProvision>,
    /// The sanctioned Grand Total.
    pub grand_total: Decimal,
    /// The footer rows in sheet order, labelled as DOMAIN.md prints them.
    pub lines: Vec<LabelledAmount>,
}

impl EstimateFooter {
    /// True when the Grand Total does not cover the computed figures (negative LS provision).
    pub fn is_short(&self) -> bool {
        self.ls_provision < Decimal::ZERO
    }
}

/// A footer input that cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EstimateFooterError {
    /// A figure beyond [`MAX_FIGURE`]; almost certainly a misread cell.
    #[error(
        "the estimate's {field} ({}) is beyond the largest figure accepted ({})",
        super::money::format_indian(*value),
        super::money::format_indian(MAX_FIGURE)
    )]
    FigureTooLarge {
        /// Which input: "item total", "grand total", …
        field: String,
        /// The value given.
        value: Decimal,
    },
}

/// The estimated contract value: the items' total less the old material cost of a repair work
/// (a deduction whatever the sign it was typed with), ROUND2 (DOMAIN.md §1, footer row 2).
pub fn ecv(items_total: Decimal, deduct_old_material: Option<Decimal>) -> Decimal {
    round2(items_total - deduct_old_material.map_or(Decimal::ZERO, |d| round2(d.abs())))
}

/// Computes the estimate footer, ECV through Grand Total (DOMAIN.md §1).
pub fn estimate_footer(input: &EstimateFooterInput) -> Result<EstimateFooter, EstimateFooterError> {
    check_figure("item total", input.items_total)?;
    check_figure("grand total", input.grand_total)?;
    if let Some(deduct) = input.deduct_old_material {
        check_figure("old material deduction", deduct)?;
    }
    for provision in &input.special_ls_provisions {
        check_figure(
            &format!("L.S provision towards {}", provision.name),
            provision.amount,
        )?;
    }

    let deduct = input.deduct_old_material.map(|d| round2(-d.abs()));
    let ecv = ecv(input.items_total, input.deduct_old_material);
    let tender_premium = input.tender_premium.map(|tp| tp.signed_amount_on(ecv));
    let rates = input.rates;
    let labour_cess = input
        .provides_labour_cess
        .then(|| percent_of(ecv, rates.labour_cess));
    let quality_control = (!input.is_amc).then(|| percent_of(ecv, rates.quality_control));
    let nac = input.provides_nac.then(|| percent_of(ecv, rates.nac));
    let sub_total = ecv
        + tender_premium.unwrap_or_default()
        + labour_cess.unwrap_or_default()
        + quality_control.unwrap_or_default()
        + nac.unwrap_or_default();
    let gst = percent_of(sub_total, rates.gst);
    let special_total: Decimal = input
        .special_ls_provisions
        .iter()
        .map(|p| round2(p.amount))
        .sum();
    let grand_total = round2(input.grand_total);
    let ls_provision = grand_total - gst - sub_total - special_total;

    let mut lines = Vec::new();
    if let Some(deduct) = deduct {
        lines.push(LabelledAmount::new("Deduct Old Material Cost", deduct));
    }
    lines.push(LabelledAmount::new("ECV", ecv));
    if let (Some(tp), Some(amount)) = (input.tender_premium, tender_premium) {
        lines.push(LabelledAmount::new(tp.estimate_label(), amount));
    }
    let added_at =
        |what: &str, percent: Decimal| format!("Add {what} @ {} %", format_percent(percent));
    if let Some(lc) = labour_cess {
        lines.push(LabelledAmount::new(added_at("LC", rates.labour_cess), lc));
    }
    if let Some(qc) = quality_control {
        lines.push(LabelledAmount::new(
            added_at("QC", rates.quality_control),
            qc,
        ));
    }
    if let Some(nac) = nac {
        lines.push(LabelledAmount::new(added_at("NAC", rates.nac), nac));
    }
    lines.push(LabelledAmount::new("Sub Total", sub_total));
    lines.push(LabelledAmount::new(added_at("GST", rates.gst), gst));
    lines.push(LabelledAmount::new(
        "L.S Provision towards unforeseen items",
        ls_provision,
    ));
    for provision in &input.special_ls_provisions {
        lines.push(LabelledAmount::new(
            format!("L.S Provision towards {}", provision.name),
            round2(provision.amount),
        ));
    }
    lines.push(LabelledAmount::new("Grand Total", grand_total));

    Ok(EstimateFooter {
        deduct_old_material: deduct,
        ecv,
        tender_premium,
        labour_cess,
        quality_control,
        nac,
        sub_total,
        gst,
        ls_provision,
        special_ls_provisions: input.special_ls_provisions.clone(),
        grand_total,
        lines,
    })
}

fn provided() -> bool {
    true
}

fn is_provided(provides: &bool) -> bool {
    *provides
}

fn check_figure(field: &str, value: Decimal) -> Result<(), EstimateFooterError> {
    if within_limit(value) {
        Ok(())
    } else {
        Err(EstimateFooterError::FigureTooLarge {
            field: field.to_owned(),
            value,
        })
    }
}

/// A sanctioned item for the domain's unit tests: described by its serial, in Cum, with no
/// amount of its own (the forms and statements under test work from quantity and rate).
#[cfg(test)]
pub(crate) fn cum_item(sl_no: &str, quantity: Decimal, rate: Decimal) -> EstimateItem {
    EstimateItem {
        sl_no: sl_no.to_owned(),
        description: format!("item {sl_no}"),
        quantity,
        unit: "Cum".to_owned(),
        rate,
        per_unit: "Cum".to_owned(),
        amount: Decimal::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::half_up_reference;
    use crate::domain::tender::TpType;
    use proptest::prelude::*;

    fn input(items_total: Decimal, grand_total: Decimal) -> EstimateFooterInput {
        EstimateFooterInput {
            items_total,
            deduct_old_material: None,
            tender_premium: Some(TenderPremium::new(dec!(5), TpType::Excess).unwrap()),
            is_amc: false,
            provides_labour_cess: true,
            provides_nac: true,
            special_ls_provisions: Vec::new(),
            grand_total,
            rates: FooterRates::default(),
        }
    }

    fn labels(footer: &EstimateFooter) -> Vec<&str> {
        footer.lines.iter().map(|l| l.label.as_str()).collect()
    }

    #[test]
    fn domain_worked_example() {
        let footer = estimate_footer(&input(dec!(100000.00), dec!(130000))).unwrap();
        assert_eq!(footer.ecv, dec!(100000.00));
        assert_eq!(footer.tender_premium, Some(dec!(5000.00)));
        assert_eq!(footer.labour_cess, Some(dec!(1000.00)));
        assert_eq!(footer.quality_control, Some(dec!(1000.00)));
        assert_eq!(footer.nac, Some(dec!(100.00)));
        assert_eq!(footer.sub_total, dec!(107100.00));
        assert_eq!(footer.gst, dec!(19278.00));
        assert_eq!(footer.ls_provision, dec!(3622.00));
        assert_eq!(footer.grand_total, dec!(130000.00));
        assert!(!footer.is_short());
        assert_eq!(
            labels(&footer),
            [
                "ECV",
                "Add Excess T.P @ 5 %",
                "Add LC @ 1 %",
                "Add QC @ 1 %",
                "Add NAC @ 0.1 %",
                "Sub Total",
                "Add GST @ 18 %",
                "L.S Provision towards unforeseen items",
                "Grand Total",
            ]
        );
    }

    #[test]
    fn an_estimate_sanctioned_at_other_rates_is_reproduced_at_its_own() {
        // ECV 8,710.00 with LC 1.5 %, QC 2 %, NAC 0.2 %, GST 12 %, no T.P, Grand Total 11,000:
        // LC 130.65, QC 174.20, NAC 17.42; Sub Total 8,710 + 130.65 + 174.20 + 17.42 =
        // 9,032.27; GST ROUND2(9,032.27 × 0.12) = ROUND2(1,083.8724) = 1,083.87; L.S 11,000 −
        // 1,083.87 − 9,032.27 = 883.86.
        let footer = estimate_footer(&EstimateFooterInput {
            tender_premium: None,
            rates: FooterRates {
                labour_cess: dec!(1.5),
                quality_control: dec!(2),
                nac: dec!(0.2),
                gst: dec!(12),
            },
            ..input(dec!(8710.00), dec!(11000))
        })
        .unwrap();
        assert_eq!(
            (footer.labour_cess, footer.quality_control, footer.nac),
            (Some(dec!(130.65)), Some(dec!(174.20)), Some(dec!(17.42)))
        );
        assert_eq!(footer.sub_total, dec!(9032.27));
        assert_eq!(footer.gst, dec!(1083.87));
        assert_eq!(footer.ls_provision, dec!(883.86));
        assert_eq!(
            labels(&footer),
            [
                "ECV",
                "Add LC @ 1.5 %",
                "Add QC @ 2 %",
                "Add NAC @ 0.2 %",
                "Sub Total",
                "Add GST @ 12 %",
                "L.S Provision towards unforeseen items",
                "Grand Total",
            ]
        );
        // The usual rates are not stored, so an input stored before rates were read hashes the
        // same; other rates are.
        let usual = serde_json::to_string(&input(dec!(1), dec!(2))).unwrap();
        assert!(!usual.contains("rates"), "{usual}");
        let other = EstimateFooterInput {
            rates: FooterRates {
                gst: dec!(12),
                ..FooterRates::default()
            },
            ..input(dec!(1), dec!(2))
        };
        let stored = serde_json::to_string(&other).unwrap();
        assert_eq!(
            serde_json::from_str::<EstimateFooterInput>(&stored).unwrap(),
            other
        );
    }

    #[test]
    fn an_estimate_without_lc_or_nac_rows_adds_neither() {
        // The worked example without its LC row: Sub Total 1,07,100 − 1,000 = 1,06,100.00,
        // GST ROUND2(1,06,100 × 0.18) = 19,098.00, LS 1,30,000 − 19,098 − 1,06,100 = 4,802.00.
        let footer = estimate_footer(&EstimateFooterInput {
            provides_labour_cess: false,
            ..input(dec!(100000.00), dec!(130000))
        })
        .unwrap();
        assert_eq!(footer.labour_cess, None);
        assert_eq!(footer.sub_total, dec!(106100.00));
        assert_eq!(footer.gst, dec!(19098.00));
        assert_eq!(footer.ls_provision, dec!(4802.00));
        assert!(!labels(&footer).contains(&"Add LC @ 1 %"));
        assert!(labels(&footer).contains(&"Add NAC @ 0.1 %"));
        // Without NAC either: 1,06,000.00, GST 19,080.00, LS 4,920.00.
        let footer = estimate_footer(&EstimateFooterInput {
            provides_labour_cess: false,
            provides_nac: false,
            ..input(dec!(100000.00), dec!(130000))
        })
        .unwrap();
        assert_eq!(footer.nac, None);
        assert_eq!(footer.sub_total, dec!(106000.00));
        assert_eq!(footer.gst, dec!(19080.00));
        assert_eq!(footer.ls_provision, dec!(4920.00));
    }

    #[test]
    fn inputs_stored_before_the_rows_were_optional_read_with_every_row_and_hash_the_same() {
        let every_row = input(dec!(100000.00), dec!(130000));
        let stored = serde_json::to_string(&every_row).unwrap();
        assert!(!stored.contains("provides"), "{stored}");
        let read: EstimateFooterInput = serde_json::from_str(&stored).unwrap();
        assert_eq!(read, every_row);
        let without_lc = EstimateFooterInput {
            provides_labour_cess: false,
            ..every_row
        };
        let stored = serde_json::to_string(&without_lc).unwrap();
        assert_eq!(
            serde_json::from_str::<EstimateFooterInput>(&stored).unwrap(),
            without_lc
        );
    }

    #[test]
    fn amc_works_have_no_qc() {
        let footer = estimate_footer(&EstimateFooterInput {
            is_amc: true,
            ..input(dec!(100000.00), dec!(130000))
        })
        .unwrap();
        assert_eq!(footer.quality_control, None);
        assert_eq!(footer.sub_total, dec!(106100.00));
        assert_eq!(footer.gst, dec!(19098.00));
        assert_eq!(footer.ls_provision, dec!(4802.00));
        assert!(!labels(&footer).contains(&"Add QC @ 1 %"));
    }

    #[test]
    fn old_material_is_deducted_before_ecv_and_special_ls_reduces_the_balance() {
        let footer = estimate_footer(&EstimateFooterInput {
            deduct_old_material: Some(dec!(5000)),
            special_ls_provisions: vec![SpecialLsProvision {
                name: "shifting of services".into(),
                amount: dec!(1500),
            }],
            ..input(dec!(105000.00), dec!(130000))
        })
        .unwrap();
        assert_eq!(footer.deduct_old_material, Some(dec!(-5000.00)));
        assert_eq!(footer.ecv, dec!(100000.00));
        assert_eq!(footer.ls_provision, dec!(2122.00));
        assert_eq!(labels(&footer)[0], "Deduct Old Material Cost");
        let special = &footer.lines[footer.lines.len() - 2];
        assert_eq!(special.label, "L.S Provision towards shifting of services");
        assert_eq!(special.amount, dec!(1500.00));
    }

    #[test]
    fn less_premium_is_deducted() {
        let footer = estimate_footer(&EstimateFooterInput {
            tender_premium: Some(TenderPremium::new(dec!(4.5), TpType::Less).unwrap()),
            ..input(dec!(100000.00), dec!(120000))
        })
        .unwrap();
        assert_eq!(footer.tender_premium, Some(dec!(-4500.00)));
        assert_eq!(footer.sub_total, dec!(97600.00));
        assert_eq!(labels(&footer)[1], "Deduct Less T.P @ 4.5 %");
    }

    #[test]
    fn short_grand_total_gives_negative_ls() {
        let footer = estimate_footer(&input(dec!(100000.00), dec!(120000))).unwrap();
        assert_eq!(footer.ls_provision, dec!(-6378.00));
        assert!(footer.is_short());
    }

    #[test]
    fn absurd_figures_are_refused() {
        let err = estimate_footer(&input(dec!(1_000_000_000_000_000), dec!(130000))).unwrap_err();
        assert!(
            matches!(err, EstimateFooterError::FigureTooLarge { ref field, .. } if field == "item total")
        );
        assert_eq!(
            err.to_string(),
            "the estimate's item total (1,00,00,00,00,00,00,000.00) is beyond the largest figure accepted \
             (10,00,00,00,00,000.00)"
        );
    }

    #[test]
    fn computed_amount_rounds_half_up() {
        let item = EstimateItem {
            sl_no: "1".into(),
            description: "Earth work".into(),
            quantity: dec!(2.5),
            unit: "Cum".into(),
            rate: dec!(10.01),
            per_unit: "Cum".into(),
            amount: dec!(25.03),
        };
        // 2.5 × 10.01 = 25.025, a tie that rounds up.
        assert_eq!(item.computed_amount(), dec!(25.03));
        assert_eq!(items_total(&[item.clone(), item]), dec!(50.06));
    }

    proptest! {
        #[test]
        fn footer_lines_add_up_to_the_grand_total(
            items in 0i64..10i64.pow(11),
            deduct in proptest::option::of(0i64..10i64.pow(8)),
            tp in proptest::option::of((0u32..=10_000, any::<bool>())),
            is_amc in any::<bool>(),
            provides_labour_cess in any::<bool>(),
            provides_nac in any::<bool>(),
            grand in 0i64..10i64.pow(12),
        ) {
            let tender_premium = tp.map(|(bp, excess)| {
                let kind = if excess { TpType::Excess } else { TpType::Less };
                TenderPremium::new(Decimal::new(bp.into(), 2), kind).unwrap()
            });
            let footer = estimate_footer(&EstimateFooterInput {
                items_total: Decimal::new(items, 2),
                deduct_old_material: deduct.map(|d| Decimal::new(d, 2)),
                tender_premium,
                is_amc,
                provides_labour_cess,
                provides_nac,
                special_ls_provisions: Vec::new(),
                grand_total: Decimal::new(grand, 2),
                rates: FooterRates::default(),
            }).unwrap();

            // Every line between ECV and Sub Total adds up to the Sub Total, and the rest of
            // the footer balances back to the Grand Total.
            let ecv_at = footer.lines.iter().position(|l| l.label == "ECV").unwrap();
            let sub_at = footer.lines.iter().position(|l| l.label == "Sub Total").unwrap();
            let parts: Decimal = footer.lines[ecv_at..sub_at].iter().map(|l| l.amount).sum();
            prop_assert_eq!(parts, footer.sub_total);
            let after: Decimal = footer.lines[sub_at..footer.lines.len() - 1].iter().map(|l| l.amount).sum();
            prop_assert_eq!(after, footer.grand_total);

            // Each percentage line is half-up at two places on the right base.
            let ecv = footer.ecv;
            prop_assert_eq!(
                footer.labour_cess,
                provides_labour_cess.then(|| half_up_reference(ecv / dec!(100)))
            );
            prop_assert_eq!(footer.nac, provides_nac.then(|| half_up_reference(ecv / dec!(1000))));
            prop_assert_eq!(footer.gst, half_up_reference(footer.sub_total * dec!(0.18)));
            for line in &footer.lines {
                prop_assert!(line.amount.scale() <= 2);
            }
        }
    }
}
