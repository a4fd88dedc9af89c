//! The parsing rules of DOMAIN.md §1, checked on sheets built in memory
//! (the parser is a pure function of the grid).

mod workbooks;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sitebook_core::domain::tender::TpType;
use sitebook_core::excel::{
    parse_grids, CellValue, ItemFlag, MergedRegion, ParsedWorkbook, SheetGrid,
};
use std::str::FromStr;
use workbooks::heading_rows;

fn t(s: &str) -> CellValue {
    CellValue::Text(s.into())
}

fn n(s: &str) -> CellValue {
    CellValue::Number(Decimal::from_str(s).unwrap())
}

fn grid(name: &str, cells: &[(&str, CellValue)]) -> SheetGrid {
    let mut g = SheetGrid::new(name);
    for (at, v) in cells {
        g.set_a1(at, v.clone());
    }
    g
}

fn merge(g: &mut SheetGrid, range: &str) {
    g.add_merge(MergedRegion::from_a1(range).unwrap());
}

/// Header on row 1 in the standard letters, with `Unit` and `Per unit`
/// captions so no merges are needed.
fn standard_header() -> Vec<(&'static str, CellValue)> {
    vec![
        ("A1", t("Sl.No")),
        ("B1", t("Qty")),
        ("C1", t("Unit")),
        ("D1", t("Description")),
        ("E1", t("Rate")),
        ("F1", t("Per")),
        ("H1", t("Amount")),
    ]
}

fn with_header(rows: &[(&str, CellValue)]) -> SheetGrid {
    let mut cells = standard_header();
    cells.extend(rows.iter().cloned());
    grid("Estimate", &cells)
}

fn parse_one(g: SheetGrid) -> ParsedWorkbook {
    parse_grids("test.xlsx", &[g]).expect("an estimate")
}

fn warned_cells(p: &ParsedWorkbook) -> Vec<&str> {
    p.warnings.iter().map(|w| w.cell.as_str()).collect()
}

#[test]
fn header_must_be_within_the_first_sixty_rows() {
    let at = |row: u32| {
        let mut g = SheetGrid::new("S");
        for (col, caption) in ["Sl.No", "Qty", "Unit", "Description"].iter().enumerate() {
            g.set(row, col as u32, t(caption));
        }
        g
    };
    let found = parse_grids("f.xlsx", &[at(59)]).unwrap();
    assert_eq!(found.sheets[0].header_row, 60);
    let err = parse_grids("f.xlsx", &[at(60)]).unwrap_err();
    assert_eq!(err.code(), "no_estimate_sheet");
}

#[test]
fn quantity_and_description_must_be_right_of_the_serial() {
    let left = grid(
        "S",
        &[
            ("A1", t("Description")),
            ("B1", t("Qty")),
            ("C1", t("S.No")),
        ],
    );
    assert!(parse_grids("f.xlsx", &[left]).is_err());
    let right = grid(
        "S",
        &[
            ("A1", t("S. No.")),
            ("B1", t("Item")),
            ("C1", t("Quantity")),
        ],
    );
    let parsed = parse_grids("f.xlsx", &[right]).unwrap();
    assert_eq!(parsed.sheets[0].columns.description, "B");
    assert_eq!(parsed.sheets[0].columns.quantity, "C");
}

#[test]
fn no_estimate_sheet_names_the_sheets_and_the_header() {
    let a = grid("Abstract", &[("A1", t("Name of work"))]);
    let b = grid("Datas", &[("A1", t("Sl.No")), ("B1", t("Particulars"))]);
    let err = parse_grids("book.xlsx", &[a, b]).unwrap_err();
    assert_eq!(err.code(), "no_estimate_sheet");
    let msg = err.to_string();
    for needle in [
        "book.xlsx",
        "'Abstract'",
        "'Datas'",
        "Sl.No",
        "Quantity",
        "Description",
        "60",
    ] {
        assert!(msg.contains(needle), "{needle} missing from: {msg}");
    }
}

#[test]
fn standard_letters_are_used_only_when_a_caption_is_blank_because_of_a_merge() {
    let rows = [
        ("A2", t("Sl.No")),
        ("B2", t("Qty")),
        ("C2", t("Unit")),
        ("D2", t("Description")),
        ("E2", t("Rate")),
        ("H1", t("Amount")),
        ("A3", n("1")),
        ("B3", n("2")),
        ("D3", t("Item")),
        ("E3", n("10")),
        ("H3", n("20")),
        ("D4", t("ECV")),
        ("H4", n("20")),
    ];
    // H2 is blank because "Amount" in H1 is merged down over it.
    let mut merged = grid("S", &rows);
    merge(&mut merged, "H1:H2");
    let p = parse_one(merged);
    assert_eq!(p.sheets[0].columns.amount.as_deref(), Some("H"));
    assert_eq!(p.sheets[0].items[0].amount, Some(dec!(20)));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);

    // Without the merge, H2 is just blank: no amount column is assumed.
    let p = parse_one(grid("S", &rows));
    assert_eq!(p.sheets[0].columns.amount, None);
    assert_eq!(p.sheets[0].items[0].amount, Some(dec!(20.00)));
    assert_eq!(p.sheets[0].items[0].flags, [ItemFlag::AmountRecomputed]);
    assert_eq!(warned_cells(&p), ["S!H2"]);
}

#[test]
fn text_numbers_in_indian_and_international_grouping() {
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", t("1,23,456.00")),
        ("D2", t("Earth work")),
        ("E2", t(" 0.50 ")),
        ("H2", t("61,728.00")),
        ("A3", n("2")),
        ("B3", t("1,234.5")),
        ("D3", t("Sand")),
        ("E3", t("2")),
        ("H3", t("2,469.00")),
    ]));
    let items = &p.sheets[0].items;
    assert_eq!(items[0].quantity, Some(dec!(123456)));
    assert_eq!(items[0].rate, Some(dec!(0.5)));
    assert_eq!(items[0].amount, Some(dec!(61728)));
    assert_eq!(items[1].quantity, Some(dec!(1234.5)));
    assert_eq!(items[1].amount, Some(dec!(2469)));
    // Only the missing ECV is worth a warning, under the last item.
    assert_eq!(warned_cells(&p), ["Estimate!H4"]);
    assert!(p.warnings[0].message.contains("ECV"));
}

// Here and below, each test spells out its own grid cell by cell, so a failing rule reads alone.
#[test]
fn recomputed_amounts_round_half_up() {
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("1.5")),
        ("D2", t("Half paisa")),
        ("E2", n("0.35")),
        ("H2", CellValue::FormulaWithoutValue),
        ("A3", n("2")),
        ("B3", n("-1.5")),
        ("D3", t("Negative half paisa")),
        ("E3", n("0.35")),
        ("H3", CellValue::Empty),
    ]));
    let items = &p.sheets[0].items;
    // 0.525 → 0.53 (banker's rounding would give 0.52).
    assert_eq!(items[0].amount, Some(dec!(0.53)));
    assert_eq!(items[1].amount, Some(dec!(-0.53)));
    assert_eq!(items[0].flags, [ItemFlag::AmountRecomputed]);
    assert_eq!(&warned_cells(&p)[..2], ["Estimate!H2", "Estimate!H3"]);
    assert!(p.warnings[0].message.contains("no saved result"));
    assert!(p.warnings[1].message.contains("blank"));
}

#[test]
fn mismatch_tolerance_is_one_paisa() {
    let row = |r: u32, amount: &str| {
        vec![
            (format!("A{r}"), n("1")),
            (format!("B{r}"), n("3")),
            (format!("D{r}"), t("Thing")),
            (format!("E{r}"), n("33.33")),
            (format!("H{r}"), n(amount)),
        ]
    };
    let mut cells: Vec<(String, CellValue)> = Vec::new();
    cells.extend(row(2, "99.99"));
    cells.extend(row(3, "100.00"));
    cells.extend(row(4, "100.01"));
    cells.extend(row(5, "99.97"));
    let mut g = with_header(&[]);
    for (at, v) in cells {
        g.set_a1(&at, v);
    }
    let p = parse_one(g);
    let flagged: Vec<u32> = p.sheets[0]
        .items
        .iter()
        .filter(|i| i.flags.contains(&ItemFlag::AmountMismatch))
        .map(|i| i.row)
        .collect();
    assert_eq!(flagged, [4, 5]);
    assert!(warned_cells(&p).starts_with(&["Estimate!H4", "Estimate!H5"]));
}

#[test]
fn a_repeated_serial_and_a_negative_quantity_are_named_at_import() {
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("10")),
        ("D2", t("Excavation")),
        ("E2", n("100")),
        ("H2", n("1000")),
        ("A3", n("1")),
        ("B3", n("-5")),
        ("D3", t("Refilling")),
        ("E3", n("50")),
        ("H3", n("-250")),
    ]));
    assert_eq!(p.sheets[0].items.len(), 2, "both rows are still read");
    let messages: Vec<(String, String)> = p
        .warnings
        .iter()
        .map(|w| (w.cell.clone(), w.message.clone()))
        .collect();
    assert!(
        messages.iter().any(|(cell, message)| cell == "Estimate!A3"
            && message.starts_with("item 1 repeats the serial of the item on row 2")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|(cell, message)| cell == "Estimate!B3"
            && message.starts_with("the quantity is negative (-5)")),
        "{messages:?}"
    );
}

#[test]
fn a_negative_rate_is_named_at_import() {
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("3")),
        ("D2", t("Plastering")),
        ("E2", n("-100")),
        ("H2", n("-300")),
    ]));
    assert_eq!(p.sheets[0].items.len(), 1, "the row is still read");
    assert!(
        p.warnings.iter().any(
            |w| w.cell == "Estimate!E2" && w.message.starts_with("the rate is negative (-100)")
        ),
        "{:?}",
        p.warnings
    );
}

#[test]
fn an_unrounded_amount_is_read_in_paise() {
    // `=B*E` without ROUND: the cell shows 1,240.67 but holds 1,240.6725, and 1.005 must go
    // half-up to 1.01 (DOMAIN.md: H = ROUND2(B × E)); neither is a mismatch.
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("12.345")),
        ("D2", t("Cable laying")),
        ("E2", n("100.5")),
        ("H2", n("1240.6725")),
        ("A3", n("2")),
        ("B3", n("1")),
        ("D3", t("Clamp")),
        ("E3", n("1.005")),
        ("H3", n("1.005")),
    ]));
    let items = &p.sheets[0].items;
    let amounts: Vec<Option<Decimal>> = items.iter().map(|i| i.amount).collect();
    assert_eq!(amounts, [Some(dec!(1240.67)), Some(dec!(1.01))]);
    assert!(items.iter().all(|i| i.flags.is_empty()), "{items:?}");
}

#[test]
fn excess_rows_are_ae_and_digits_in_either_column() {
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("10")),
        ("D2", t("Aerial bunched cable")),
        ("E2", n("100")),
        ("H2", n("1000")),
        ("A3", t("AE 2")),
        ("B3", n("1")),
        ("E3", n("100")),
        ("H3", n("100")),
        ("D4", t("ae3")),
        ("B4", n("2")),
        ("E4", n("100")),
        ("H4", n("200")),
        ("A5", n("2")),
        ("B5", n("1")),
        ("D5", t("AE")),
        ("E5", n("5")),
        ("H5", n("5")),
        ("D6", t("ECV")),
        ("H6", n("1305")),
    ]));
    let s = &p.sheets[0];
    let labels: Vec<&str> = s.excess_rows.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["AE 2", "ae3"]);
    assert!(s.excess_rows.iter().all(|e| e.item_row == Some(2)));
    let items: Vec<&str> = s.items.iter().map(|i| i.description.as_str()).collect();
    assert_eq!(items, ["Aerial bunched cable", "AE"]);
    // AE amounts count towards the ECV: 1000 + 100 + 200 + 5.
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

fn footer_sheet(footer: &[(&str, CellValue)]) -> SheetGrid {
    let mut cells = vec![
        ("A2", n("1")),
        ("B2", n("100")),
        ("D2", t("Supply of ECV valve")),
        ("E2", n("700")),
        ("H2", n("70000")),
        ("A3", n("2")),
        ("B3", n("10")),
        ("D3", t("Total station survey")),
        ("E3", n("3500")),
        ("H3", n("35000")),
    ];
    cells.extend(footer.iter().cloned());
    with_header(&cells)
}

#[test]
fn footer_labels_end_items_only_as_whole_labels() {
    let p = parse_one(footer_sheet(&[
        ("D4", t("Deduct Old Material Cost")),
        ("H4", n("-5000")),
        ("D5", t("ECV")),
        ("H5", n("100000")),
    ]));
    let s = &p.sheets[0];
    assert_eq!(
        s.items.len(),
        2,
        "descriptions containing ECV/Total stay items"
    );
    assert_eq!(s.footer.deduct_old_material, Some(dec!(-5000)));
    assert_eq!(s.footer.ecv, Some(dec!(100000)));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);

    // A wrong ECV is reported against its cell.
    let p = parse_one(footer_sheet(&[("D4", t("E.C.V.")), ("H4", n("104000"))]));
    assert_eq!(warned_cells(&p), ["Estimate!H4"]);
    assert!(p.warnings[0].message.contains("105000.00"));
}

#[test]
fn tender_premium_is_a_word_with_a_percentage() {
    let p = parse_one(footer_sheet(&[
        ("D4", t("ECV")),
        ("H4", n("105000")),
        ("D5", t("Add output charges @ 5 %")),
        ("H5", n("1")),
        ("D6", t("Deduct Tender Premium @ 4.5 % Less")),
        ("H6", n("4725")),
        ("D7", t("Add LC @ 1 %")),
        ("H7", n("1050")),
        ("D8", t("Add NAC @ 0.1 %")),
        ("H8", n("105")),
        ("D9", t("Sub Total")),
        ("H9", n("101430")),
    ]));
    let f = &p.sheets[0].footer;
    assert_eq!(f.tp_percent, Some(dec!(4.5)));
    assert_eq!(f.tp_kind, Some(TpType::Less));
    assert_eq!(f.tp, Some(dec!(4725)));
    // Sub Total = ECV − T.P + LC + NAC (no QC row, as for AMC works).
    assert_eq!(f.sub_total, Some(dec!(101430)));
    assert_eq!(f.rows[1].kind, "other");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn footer_values_without_results_are_recomputed_in_order() {
    let p = parse_one(footer_sheet(&[
        ("D4", t("ECV")),
        ("H4", CellValue::FormulaWithoutValue),
        ("D5", t("Add Excess T.P @ 5 %")),
        ("H5", CellValue::FormulaWithoutValue),
        ("D6", t("Add LC @ 1 %")),
        ("H6", CellValue::FormulaWithoutValue),
        ("D7", t("Add QC @ 1 %")),
        ("H7", CellValue::FormulaWithoutValue),
        ("D8", t("Add NAC @ 0.1 %")),
        ("H8", CellValue::FormulaWithoutValue),
        ("D9", t("Sub Total")),
        ("H9", CellValue::FormulaWithoutValue),
        ("D10", t("Add GST @ 18 %")),
        ("H10", CellValue::FormulaWithoutValue),
        ("D11", t("L.S Provision towards shifting of poles")),
        ("H11", n("2000")),
        ("D12", t("L.S Provision towards unforeseen items")),
        ("H12", CellValue::FormulaWithoutValue),
        ("D13", t("Grand Total")),
        ("H13", n("140000")),
    ]));
    let f = &p.sheets[0].footer;
    assert_eq!(f.ecv, Some(dec!(105000.00)));
    assert_eq!(f.tp, Some(dec!(5250.00)));
    assert_eq!(f.lc, Some(dec!(1050.00)));
    assert_eq!(f.qc, Some(dec!(1050.00)));
    assert_eq!(f.nac, Some(dec!(105.00)));
    assert_eq!(f.sub_total, Some(dec!(112455.00)));
    assert_eq!(f.gst, Some(dec!(20241.90)));
    assert_eq!(f.ls_provisions.len(), 1);
    assert_eq!(f.ls_provisions[0].name, "shifting of poles");
    // 140000 − 20241.90 − 112455.00 − 2000
    assert_eq!(f.ls_unforeseen, Some(dec!(5303.10)));
    assert_eq!(
        warned_cells(&p),
        [
            "Estimate!H4",
            "Estimate!H5",
            "Estimate!H6",
            "Estimate!H7",
            "Estimate!H8",
            "Estimate!H9",
            "Estimate!H10",
            "Estimate!H12"
        ]
    );
}

#[test]
fn the_balancing_provision_is_checked_against_the_grand_total() {
    let p = parse_one(footer_sheet(&[
        ("D4", t("ECV")),
        ("H4", n("105000")),
        ("D5", t("Sub Total")),
        ("H5", n("105000")),
        ("D6", t("Add GST @ 18 %")),
        ("H6", n("18900")),
        ("D7", t("L.S Provision towards unforeseen items")),
        ("H7", n("1000")),
        ("D8", t("Grand Total")),
        ("H8", n("125000")),
    ]));
    // 125000 − 18900 − 105000 = 1100, not 1000.
    assert_eq!(warned_cells(&p), ["Estimate!H7"]);
    assert!(p.warnings[0].message.contains("1100.00"));
    assert_eq!(p.sheets[0].footer.ls_unforeseen, Some(dec!(1000)));
}

#[test]
fn errors_and_missing_values_in_operands_flag_the_row() {
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", CellValue::FormulaWithoutValue),
        ("D2", t("Quantity formula never calculated")),
        ("E2", n("10")),
        ("H2", CellValue::FormulaWithoutValue),
        ("A3", n("2")),
        ("B3", t("#REF!")),
        ("D3", t("Pasted error text")),
        ("E3", CellValue::Error("#DIV/0!".into())),
        ("H3", n("5")),
        ("A4", n("3")),
        ("B4", t("two")),
        ("D4", t("Words for numbers")),
        ("E4", n("1")),
        ("H4", n("2")),
        ("D5", t("ECV")),
        ("H5", n("7")),
    ]));
    let items = &p.sheets[0].items;
    assert_eq!(items[0].flags, [ItemFlag::MissingValue]);
    assert_eq!(items[0].amount, None);
    assert_eq!(items[1].flags, [ItemFlag::FormulaError]);
    assert_eq!(items[2].flags, [ItemFlag::NotANumber]);
    assert_eq!(
        warned_cells(&p),
        [
            "Estimate!B2",
            "Estimate!H2",
            "Estimate!B3",
            "Estimate!E3",
            "Estimate!B4"
        ]
    );
    assert!(p.warnings[3].message.contains("#DIV/0!"));
}

#[test]
fn headings_by_missing_rate_or_wide_merge() {
    let mut g = with_header(&[
        ("D2", t("Civil works")),
        ("A3", t("B")),
        ("D3", t("Electrical works, merged")),
        ("A4", n("1")),
        ("B4", n("2")),
        ("D4", t("Lamp")),
        ("E4", n("50")),
        ("H4", n("100")),
        ("D5", t("Lump sum without rate")),
        ("H5", n("500")),
        ("D6", t("ECV")),
        ("H6", n("100")),
    ]);
    merge(&mut g, "D3:H3");
    let p = parse_one(g);
    let s = &p.sheets[0];
    let headings = heading_rows(s);
    assert_eq!(
        headings,
        [
            (2, None, "Civil works"),
            (3, Some("B"), "Electrical works, merged"),
            (5, None, "Lump sum without rate")
        ]
    );
    assert_eq!(s.items.len(), 1);
    // A heading that carries an amount is suspicious.
    assert_eq!(warned_cells(&p), ["Estimate!H5"]);
}

#[test]
fn every_warning_names_a_sheet_and_cell() {
    let g = grid(
        "Abstract Estimate",
        &[
            ("B10", t("Sl No")),
            ("C10", t("Quantity")),
            ("D10", t("Unit")),
            ("E10", t("Description of item")),
            ("F10", t("Rate")),
            ("I10", t("Amount")),
            ("B11", n("1")),
            ("C11", n("2")),
            ("E11", t("Cable")),
            ("F11", n("3")),
            ("I11", n("7")),
        ],
    );
    let p = parse_one(g);
    assert_eq!(
        warned_cells(&p),
        ["'Abstract Estimate'!I11", "'Abstract Estimate'!I12"]
    );
    assert!(p.warnings[0].message.contains("differs"));
    assert!(p.warnings[1].message.contains("ECV"));
}

#[test]
fn metadata_fields_above_the_header() {
    let mut g = grid(
        "Estimate",
        &[
            ("A1", t("ABSTRACT ESTIMATE")),
            ("A2", t("Name of work : Repairs to street lights")),
            ("A3", t("Estimate amount :")),
            ("D3", n("250000")),
            ("A4", t("Ref. to Administrative sanction")),
            ("C4", t(": AS 1/2024")),
            ("A5", t("Ref. to Technical sanction : TS 7/2024")),
            ("A6", t("Ref. to Agreement : Agt 3/2024-25")),
            ("A7", t("Name of the Agency : M/s Ravi & Co")),
            ("A8", t("Sub division : Town-II")),
            ("A9", t("Estimated cost : about two lakh")),
        ],
    );
    for (col, caption) in ["Sl.No", "Qty", "Unit", "Description", "Rate"]
        .iter()
        .enumerate()
    {
        g.set(9, col as u32, t(caption));
    }
    let p = parse_one(g);
    let m = &p.sheets[0].metadata;
    assert_eq!(p.sheets[0].header_row, 10);
    assert_eq!(m.title.as_deref(), Some("ABSTRACT ESTIMATE"));
    assert_eq!(m.name_of_work.as_deref(), Some("Repairs to street lights"));
    assert_eq!(m.estimate_amount, Some(dec!(250000)));
    assert_eq!(m.administrative_sanction.as_deref(), Some("AS 1/2024"));
    assert_eq!(m.technical_sanction.as_deref(), Some("TS 7/2024"));
    assert_eq!(m.agreement.as_deref(), Some("Agt 3/2024-25"));
    assert_eq!(m.agency.as_deref(), Some("M/s Ravi & Co"));
    let other: Vec<(u32, &str, &str)> = m
        .other
        .iter()
        .map(|o| (o.row, o.label.as_str(), o.value.as_str()))
        .collect();
    assert_eq!(
        other,
        [
            (8, "Sub division", "Town-II"),
            (9, "Estimated cost", "about two lakh")
        ]
    );
    // The unreadable second estimate amount is kept and reported.
    assert!(
        warned_cells(&p).contains(&"Estimate!A9"),
        "{:?}",
        p.warnings
    );
}

#[test]
fn a_less_premium_typed_negative_is_read_by_its_label() {
    // ECV 1,05,000 less 4.5 % is 4,725.00; the sheet writes the deduction with its sign.
    let p = parse_one(footer_sheet(&[
        ("D4", t("ECV")),
        ("H4", n("105000")),
        ("D5", t("Less T.P @ 4.5 %")),
        ("H5", n("-4725")),
        ("D6", t("Sub Total")),
        ("H6", n("100275")),
    ]));
    let f = &p.sheets[0].footer;
    assert_eq!(f.tp_kind, Some(TpType::Less));
    assert_eq!(f.tp, Some(dec!(4725)));
    assert_eq!(f.sub_total, Some(dec!(100275)));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);

    // Written `below`, or with a negative rate, it is a premium below the estimate too.
    for label in ["T.P @ 4.5 % below", "T.P @ -4.5 %"] {
        let p = parse_one(footer_sheet(&[
            ("D4", t("ECV")),
            ("H4", n("105000")),
            ("D5", t(label)),
            ("H5", n("4725")),
            ("D6", t("Sub Total")),
            ("H6", n("100275")),
        ]));
        assert_eq!(p.sheets[0].footer.tp_kind, Some(TpType::Less), "{label}");
        assert!(p.warnings.is_empty(), "{label}: {:?}", p.warnings);
    }
}

#[test]
fn figures_beyond_the_limit_are_named_and_never_computed_with() {
    // Each of these once overflowed the footer's arithmetic inside the parse worker, and the
    // person was told the workbook was damaged. Now each is a warning on its own cell.
    let huge_rate = parse_one(footer_sheet(&[
        ("D4", t("ECV")),
        ("H4", n("105000")),
        ("D5", t("Sub Total")),
        ("H5", n("105000")),
        ("D6", t("Add GST @ 79228162514264337593543950335 %")),
        ("H6", n("18900")),
    ]));
    let warning = &huge_rate.warnings[0];
    assert_eq!(warning.cell, "Estimate!D6");
    assert!(
        warning.message.contains("outside 0 to 100 %"),
        "{}",
        warning.message
    );
    assert_eq!(huge_rate.sheets[0].footer.gst, None);
    assert_eq!(huge_rate.sheets[0].footer.rows[2].kind, "other");

    let huge_sub_total = parse_one(footer_sheet(&[
        ("D4", t("ECV")),
        ("H4", n("105000")),
        ("D5", t("Sub Total")),
        ("H5", n("5000000000000000000000000000")),
        ("D6", t("Add GST @ 18 %")),
        ("H6", n("18900")),
    ]));
    assert_eq!(warned_cells(&huge_sub_total), ["Estimate!H5"]);
    // The bound in the grouping every figure of the window is shown in.
    assert!(
        huge_sub_total.warnings[0]
            .message
            .contains("beyond the largest figure accepted (10,00,00,00,00,000.00)"),
        "{}",
        huge_sub_total.warnings[0].message
    );
    assert_eq!(huge_sub_total.sheets[0].footer.sub_total, None);

    // Two item amounts whose sum is beyond `Decimal`, and a rate text of 1e300 as a float
    // beyond `Decimal` is written: each is refused on its own cell, in a few words.
    let huge_amounts = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("1")),
        ("D2", t("Item one")),
        ("E2", n("5")),
        ("H2", n("50000000000000000000000000000")),
        ("A3", n("2")),
        ("B3", n("1")),
        ("D3", t("Item two")),
        ("E3", t("1e300")),
        ("H3", n("50000000000000000000000000000")),
        ("D4", t("ECV")),
        ("H4", CellValue::FormulaWithoutValue),
    ]));
    let s = &huge_amounts.sheets[0];
    assert_eq!(s.items[0].amount, None);
    assert!(s.items[0].flags.contains(&ItemFlag::OutOfRange));
    assert_eq!(s.items[1].rate, None);
    let on = |cell: &str| {
        huge_amounts
            .warnings
            .iter()
            .find(|w| w.cell == cell)
            .map(|w| w.message.clone())
            .unwrap_or_default()
    };
    assert!(on("Estimate!H2").contains("beyond the largest figure accepted"));
    assert!(
        on("Estimate!E3").contains("rate 1e300 is beyond"),
        "{}",
        on("Estimate!E3")
    );
    assert!(
        on("Estimate!H4").contains("cannot be recomputed"),
        "{}",
        on("Estimate!H4")
    );
}

#[test]
fn a_total_above_the_ecv_without_a_saved_result_is_recomputed_as_the_items_sum() {
    // Saved by a tool that keeps no results: the `Total` had been "cannot be recomputed",
    // though it is the sum of the items the ECV is recomputed from one row later.
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("10")),
        ("D2", t("Earth work")),
        ("E2", n("245.5")),
        ("H2", n("2455")),
        ("A3", n("2")),
        ("B3", n("3")),
        ("D3", t("Door")),
        ("E3", n("4500.25")),
        ("H3", n("13500.75")),
        ("D4", t("Total")),
        ("H4", CellValue::FormulaWithoutValue),
        ("D5", t("ECV")),
        ("H5", CellValue::FormulaWithoutValue),
    ]));
    let footer = &p.sheets[0].footer;
    // 2,455.00 + 13,500.75, worked by hand.
    assert_eq!(footer.total, Some(dec!(15955.75)));
    assert_eq!(footer.ecv, Some(dec!(15955.75)));
    let on_total: Vec<&str> = p
        .warnings
        .iter()
        .filter(|w| w.cell == "Estimate!H4")
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        on_total,
        [
            "'Total' has no saved result; recomputed as the sum of the item and AE amounts = \
          15955.75"
        ]
    );
    // A typed Total above the ECV that the items do not add up to is named.
    let wrong = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("10")),
        ("D2", t("Earth work")),
        ("E2", n("245.5")),
        ("H2", n("2455")),
        ("D3", t("Total")),
        ("H3", n("2555")),
        ("D4", t("ECV")),
        ("H4", n("2455")),
    ]));
    assert!(
        wrong.warnings.iter().any(|w| w.cell == "Estimate!H3"
            && w.message
                == "'Total' is 2555.00 but the sum of the item and AE amounts gives 2455.00"),
        "{:?}",
        wrong.warnings
    );
}

#[test]
fn a_quantity_typed_with_the_unit_of_its_unit_column_is_read_and_named() {
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", t("10 Nos")),
        ("C2", t("Nos")),
        ("D2", t("Door frames")),
        ("E2", n("450.5")),
        ("H2", n("4505")),
        ("A3", n("2")),
        ("B3", t("12.5cum.")),
        ("C3", t("Cum")),
        ("D3", t("Earth work")),
        ("E3", n("245.5")),
        ("H3", n("3068.75")),
        // Another unit than its column's: which was meant is not for the parser to guess.
        ("A4", n("3")),
        ("B4", t("7 Mtrs")),
        ("C4", t("Nos")),
        ("D4", t("Wire")),
        ("E4", n("10")),
        ("H4", n("70")),
        ("D5", t("ECV")),
        ("H5", n("7643.75")),
    ]));
    let items = &p.sheets[0].items;
    assert_eq!(items[0].quantity, Some(dec!(10)));
    assert_eq!(items[1].quantity, Some(dec!(12.5)));
    assert_eq!(items[2].quantity, None);
    assert!(items[0].flags.is_empty() && items[1].flags.is_empty());
    assert!(items[2].flags.contains(&ItemFlag::NotANumber));
    let on = |cell: &str| -> Vec<&str> {
        p.warnings
            .iter()
            .filter(|w| w.cell == cell)
            .map(|w| w.message.as_str())
            .collect()
    };
    assert_eq!(
        on("Estimate!B2"),
        [
            "quantity '10 Nos' was read as 10, its unit being the Unit column's; type the number \
          alone so that the workbook's own amount can use it"
        ]
    );
    assert_eq!(on("Estimate!B3").len(), 1);
    assert_eq!(on("Estimate!B4"), ["quantity '7 Mtrs' is not a number"]);
    // 4,505.00 + 3,068.75 (ROUND2(12.5 × 245.50)), and the third keeps its stated 70.00.
    assert_eq!(
        items.iter().filter_map(|item| item.amount).sum::<Decimal>(),
        dec!(7573.75) + dec!(70)
    );
}

#[test]
fn a_code_column_captioned_item_is_not_taken_for_the_description() {
    // Schedules of rates put the item's code before its description.
    let p = parse_one(grid(
        "Estimate",
        &[
            ("A1", t("Sl.No")),
            ("B1", t("SSR Item No")),
            ("C1", t("Description of work")),
            ("D1", t("Qty")),
            ("E1", t("Unit")),
            ("F1", t("Rate")),
            ("G1", t("Amount")),
            ("A2", n("1")),
            ("B2", t("SSR 2.1.3")),
            ("C2", t("Earth work excavation")),
            ("D2", n("10")),
            ("E2", t("Cum")),
            ("F2", n("100")),
            ("G2", n("1000")),
            ("C3", t("ECV")),
            ("G3", n("1000")),
        ],
    ));
    let item = &p.sheets[0].items[0];
    assert_eq!(item.description, "Earth work excavation");
    assert_eq!(item.quantity, Some(dec!(10)));
    assert_eq!(item.amount, Some(dec!(1000)));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn a_rate_per_hundred_units_is_named_with_its_fix() {
    // 250 Nos at 850 per 100 Nos: the sheet's 2,125.00 is a hundredth of what a bill would
    // price the row at (250 × 850), so the Per cell is named, with the rate per one unit.
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("250")),
        ("C2", t("Nos")),
        ("D2", t("Supply of cable clamps")),
        ("E2", n("850")),
        ("F2", n("100")),
        ("G2", t("No")),
        ("H2", n("2125")),
        ("A3", n("2")),
        ("B3", n("4")),
        ("C3", t("Nos")),
        ("D3", t("Supply of poles")),
        ("E3", n("5000")),
        ("F3", n("1")),
        ("G3", t("No")),
        ("H3", n("20000")),
        ("D4", t("ECV")),
        ("H4", n("22125")),
    ]));
    let on_per: Vec<_> = p
        .warnings
        .iter()
        .filter(|w| w.cell.starts_with("Estimate!F"))
        .collect();
    assert_eq!(on_per.len(), 1, "{:?}", p.warnings);
    assert_eq!(on_per[0].cell, "Estimate!F2");
    assert!(
        on_per[0].message.contains("per 100 units"),
        "{}",
        on_per[0].message
    );
    assert!(
        on_per[0]
            .message
            .contains("so they would price this item 100 times over;"),
        "{}",
        on_per[0].message
    );
    assert!(
        on_per[0].message.contains("8.5 per one unit"),
        "{}",
        on_per[0].message
    );
}

#[test]
fn items_below_the_footer_are_named_not_dropped_in_silence() {
    // A sub-head's 'Total' among the items ends them (DOMAIN §1), so the items under it
    // cannot be read; each is named instead of vanishing.
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("2")),
        ("D2", t("Earth work")),
        ("E2", n("100")),
        ("H2", n("200")),
        ("D3", t("Total")),
        ("H3", n("200")),
        ("D4", t("SUB HEAD II")),
        ("A5", n("2")),
        ("B5", n("3")),
        ("D5", t("PCC 1:4:8")),
        ("E5", n("1000")),
        ("H5", n("3000")),
    ]));
    assert_eq!(p.sheets[0].items.len(), 1);
    let below: Vec<_> = p
        .warnings
        .iter()
        .filter(|w| w.message.contains("looks like an item"))
        .collect();
    assert_eq!(below.len(), 1, "{:?}", p.warnings);
    assert_eq!(below[0].cell, "Estimate!B5");
    assert!(
        below[0].message.contains("below 'Total' on row 3"),
        "{}",
        below[0].message
    );

    // A second block of items below the Grand Total is named once, at its first item.
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("2")),
        ("D2", t("Earth work")),
        ("E2", n("100")),
        ("H2", n("200")),
        ("D3", t("ECV")),
        ("H3", n("200")),
        ("D4", t("Grand Total")),
        ("H4", n("200")),
        ("D6", t("PART B")),
        ("A7", n("1")),
        ("B7", n("5")),
        ("D7", t("Painting")),
        ("E7", n("50")),
        ("H7", n("250")),
        ("A8", n("2")),
        ("B8", n("1")),
        ("D8", t("Signage")),
        ("E8", n("900")),
        ("H8", n("900")),
    ]));
    let below: Vec<_> = p
        .warnings
        .iter()
        .filter(|w| w.message.contains("below the Grand Total"))
        .collect();
    assert_eq!(below.len(), 1, "{:?}", p.warnings);
    assert_eq!(below[0].cell, "Estimate!B7");
    assert!(
        below[0].message.contains("on row 4"),
        "{}",
        below[0].message
    );
}

#[test]
fn a_line_of_units_or_column_numbers_under_the_header_is_not_an_item() {
    for under_the_header in [
        // A second line of captions: the units of each column.
        vec![
            ("A2", t("No.")),
            ("C2", t("Unit")),
            ("E2", t("Rs.")),
            ("H2", t("Rs.")),
        ],
        // The columns numbered as text, and in brackets.
        ["1", "2", "3", "4", "5", "6", "7", "8"]
            .iter()
            .zip(["A2", "B2", "C2", "D2", "E2", "F2", "G2", "H2"])
            .map(|(number, at)| (at, t(number)))
            .collect(),
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"]
            .iter()
            .zip(["A2", "B2", "C2", "D2", "E2", "F2", "G2", "H2"])
            .map(|(number, at)| (at, t(number)))
            .collect(),
    ] {
        let mut rows = under_the_header.clone();
        rows.extend([
            ("D3", t("SUB HEAD I")),
            ("A4", n("1")),
            ("B4", n("2")),
            ("D4", t("Earth work")),
            ("E4", n("100")),
            ("H4", n("200")),
            ("D5", t("ECV")),
            ("H5", n("200")),
        ]);
        let p = parse_one(with_header(&rows));
        let s = &p.sheets[0];
        assert_eq!(s.items.len(), 1, "{under_the_header:?}");
        assert_eq!(s.items[0].description, "Earth work");
        // The sub-head right under it is kept as a heading.
        assert_eq!(s.headings.len(), 1, "{under_the_header:?}");
        assert!(
            p.warnings.is_empty(),
            "{under_the_header:?}: {:?}",
            p.warnings
        );
    }
}

#[test]
fn a_header_repeated_at_the_top_of_a_printed_page_is_not_an_item() {
    // Page 2 starts on row 4 with the captions again and the columns numbered under them.
    let captions_again: Vec<(String, CellValue)> = standard_header()
        .into_iter()
        .map(|(at, caption)| (at.replace('1', "4"), caption))
        .collect();
    let mut rows = vec![
        ("A2", n("1")),
        ("B2", n("2")),
        ("D2", t("Earth work")),
        ("E2", n("100")),
        ("H2", n("200")),
    ];
    rows.extend(
        captions_again
            .iter()
            .map(|(at, c)| (at.as_str(), c.clone())),
    );
    rows.extend(
        ["1", "2", "3", "4", "5", "6", "7", "8"]
            .iter()
            .zip(["A5", "B5", "C5", "D5", "E5", "F5", "G5", "H5"])
            .map(|(number, at)| (at, n(number))),
    );
    rows.extend([
        ("A6", n("2")),
        ("B6", n("3")),
        ("D6", t("Plastering")),
        ("E6", n("50")),
        ("H6", n("150")),
        ("D7", t("ECV")),
        ("H7", n("350")),
    ]);
    let p = parse_one(with_header(&rows));
    let s = &p.sheets[0];
    let items: Vec<(&str, &str)> = s
        .items
        .iter()
        .map(|i| (i.sl_no.as_deref().unwrap_or(""), i.description.as_str()))
        .collect();
    assert_eq!(items, [("1", "Earth work"), ("2", "Plastering")]);
    assert!(s.headings.is_empty(), "{:?}", s.headings);
    assert_eq!(s.footer.ecv, Some(dec!(350)));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn an_item_whose_figures_stand_on_the_last_row_of_its_description_is_one_item() {
    // Item 2's description wraps onto row 4, where its figures are; item 3's serial and
    // description are merged down over two rows, with the figures on the second.
    let mut g = with_header(&[
        ("A2", t("A")),
        ("D2", t("SUB HEAD A: Water supply")),
        ("A3", n("2")),
        ("D3", t("Providing and fixing 40 mm dia GI pipe")),
        ("B4", n("10")),
        ("C4", t("Rmt")),
        ("D4", t("including specials and testing")),
        ("E4", n("250")),
        ("H4", n("2500")),
        ("A5", n("3")),
        ("D5", t("Providing sluice valve 100 mm")),
        ("B6", n("2")),
        ("C6", t("Nos")),
        ("E6", n("4000")),
        ("H6", n("8000")),
        ("D7", t("ECV")),
        ("H7", n("10500")),
    ]);
    merge(&mut g, "A5:A6");
    merge(&mut g, "D5:D6");
    let p = parse_one(g);
    let s = &p.sheets[0];
    let items: Vec<(Option<&str>, &str, Option<Decimal>)> = s
        .items
        .iter()
        .map(|i| (i.sl_no.as_deref(), i.description.as_str(), i.amount))
        .collect();
    assert_eq!(
        items,
        [
            (
                Some("2"),
                "Providing and fixing 40 mm dia GI pipe including specials and testing",
                Some(dec!(2500))
            ),
            (Some("3"), "Providing sluice valve 100 mm", Some(dec!(8000))),
        ]
    );
    // The lettered sub-head above them stays a heading.
    let headings: Vec<&str> = s.headings.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(headings, ["SUB HEAD A: Water supply"]);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn a_footer_label_under_the_quantity_or_the_rate_is_read_as_the_footer() {
    for (ecv_at, grand_at) in [("E4", "E5"), ("B4", "B5")] {
        let p = parse_one(with_header(&[
            ("A2", n("1")),
            ("B2", n("2")),
            ("D2", t("Earth work")),
            ("E2", n("100")),
            ("H2", n("200")),
            (ecv_at, t("ECV")),
            ("H4", n("200")),
            (grand_at, t("Grand Total")),
            ("H5", n("300")),
        ]));
        let s = &p.sheets[0];
        assert_eq!(s.items.len(), 1, "{ecv_at}: {:?}", s.items);
        assert_eq!(s.footer.ecv, Some(dec!(200)), "{ecv_at}");
        assert_eq!(s.footer.grand_total, Some(dec!(300)), "{ecv_at}");
        assert!(p.warnings.is_empty(), "{ecv_at}: {:?}", p.warnings);
    }
}

#[test]
fn items_whose_descriptions_are_merged_over_two_columns_are_items() {
    let mut g = grid(
        "Estimate",
        &[
            ("A1", t("Sl.No")),
            ("B1", t("Qty")),
            ("C1", t("Unit")),
            ("D1", t("Description")),
            ("F1", t("Rate")),
            ("G1", t("Per")),
            ("H1", t("Amount")),
            ("D2", t("SUB HEAD I: Earth work")),
            ("A3", n("1")),
            ("B3", n("2")),
            ("C3", t("Cum")),
            ("D3", t("Excavation")),
            ("F3", n("100")),
            ("H3", n("200")),
            ("A4", n("2")),
            ("B4", n("3")),
            ("C4", t("Cum")),
            ("D4", t("Filling")),
            ("F4", n("50")),
            ("H4", n("150")),
            ("D5", t("ECV")),
            ("H5", n("350")),
        ],
    );
    for row in 1..=5 {
        merge(&mut g, &format!("D{row}:E{row}"));
    }
    let p = parse_one(g);
    let s = &p.sheets[0];
    let items: Vec<(&str, Option<Decimal>)> = s
        .items
        .iter()
        .map(|i| (i.description.as_str(), i.amount))
        .collect();
    assert_eq!(
        items,
        [
            ("Excavation", Some(dec!(200))),
            ("Filling", Some(dec!(150)))
        ]
    );
    let headings: Vec<&str> = s.headings.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(headings, ["SUB HEAD I: Earth work"]);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn a_sub_heads_total_among_the_items_is_neither_a_heading_nor_an_item() {
    let p = parse_one(with_header(&[
        ("D2", t("SUB HEAD I: Earth work")),
        ("A3", n("1")),
        ("B3", n("2")),
        ("D3", t("Excavation")),
        ("E3", n("100")),
        ("H3", n("200")),
        ("D4", t("Total of Sub Head I")),
        ("H4", n("200")),
        ("D5", t("SUB HEAD II: Masonry")),
        ("A6", n("2")),
        ("B6", n("3")),
        ("D6", t("Brick work")),
        ("E6", n("50")),
        ("H6", n("150")),
        ("D7", t("C/o")),
        ("H7", n("350")),
        ("D8", t("ECV")),
        ("H8", n("350")),
    ]));
    let s = &p.sheets[0];
    let headings: Vec<&str> = s.headings.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(headings, ["SUB HEAD I: Earth work", "SUB HEAD II: Masonry"]);
    assert_eq!(s.items.len(), 2);
    assert_eq!(s.footer.ecv, Some(dec!(350)));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn footer_figures_are_read_in_paise_as_the_sheet_prints_them() {
    // Unrounded `=B*E` items summed by `=SUM(…)`: the ECV cell holds 1,241.3375, prints
    // 1,241.34, and DOMAIN.md §1 has ECV = ROUND2(sum).
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("1.25")),
        ("D2", t("Earth work")),
        ("E2", n("993.07")),
        ("H2", n("1241.3375")),
        ("D3", t("ECV")),
        ("H3", n("1241.3375")),
        ("D4", t("Grand Total (Rounded)")),
        ("H4", n("1500")),
    ]));
    let footer = &p.sheets[0].footer;
    assert_eq!(
        footer.ecv.map(|e| e.to_string()),
        Some("1241.34".to_owned())
    );
    assert_eq!(footer.grand_total, Some(dec!(1500)));

    // The rounded sanctioned amount written `Say Rs.`, on a sheet with no Grand Total row.
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("2")),
        ("D2", t("Earth work")),
        ("E2", n("100")),
        ("H2", n("200")),
        ("D3", t("ECV")),
        ("H3", n("200")),
        ("D4", t("Say Rs.")),
        ("H4", n("300")),
    ]));
    assert_eq!(p.sheets[0].footer.grand_total, Some(dec!(300)));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn the_main_sheet_is_the_estimate_not_a_table_of_rate_analyses_before_it() {
    // A `Datas` sheet with the same captions, but no footer, comes first in the workbook.
    let datas = grid(
        "Datas",
        &[
            ("A1", t("Sl.No")),
            ("B1", t("Qty")),
            ("D1", t("Description")),
            ("E1", t("Rate")),
            ("H1", t("Amount")),
            ("A2", n("1")),
            ("B2", n("1")),
            ("D2", t("Cement")),
            ("E2", n("400")),
            ("H2", n("400")),
        ],
    );
    let estimate = footer_sheet(&[("D4", t("ECV")), ("H4", n("105000"))]);
    let p = parse_grids("two.xlsx", &[datas, estimate]).unwrap();
    // Beside the estimate, the footerless table is rate analysis: named once, not stored as a
    // second estimate (whose works list would show "Cement" as a work).
    let names: Vec<&str> = p.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Estimate"]);
    assert_eq!(p.main_sheet().unwrap().name, "Estimate");
    assert_eq!(warned_cells(&p), ["Datas!A1"]);
    assert!(
        p.warnings[0].message.contains("taken for rate analyses"),
        "{:?}",
        p.warnings
    );
    // A table with a `Total` but no ECV, as each rate analysis has, is left out too; a second
    // sheet with an ECV of its own is a second estimate.
    let with_name = |name: &str, footer: &[(&str, CellValue)]| {
        let mut cells = standard_header();
        cells.extend([
            ("A2", n("1")),
            ("B2", n("1")),
            ("D2", t("Item")),
            ("E2", n("10")),
            ("H2", n("10")),
        ]);
        cells.extend(footer.iter().cloned());
        grid(name, &cells)
    };
    let ecv = [("D3", t("ECV")), ("H3", n("10"))];
    let p = parse_grids(
        "three.xlsx",
        &[
            with_name("Analysis", &[("D3", t("Total")), ("H3", n("10"))]),
            with_name("Estimate", &ecv),
            with_name("Revised estimate", &ecv),
        ],
    )
    .unwrap();
    let names: Vec<&str> = p.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Estimate", "Revised estimate"]);
    assert_eq!(warned_cells(&p), ["Analysis!A1"]);

    // With no ECV row anywhere, the sheet named like an estimate wins; else the first.
    let named = |name: &str| {
        let mut cells = standard_header();
        cells.extend([
            ("A2", n("1")),
            ("B2", n("1")),
            ("D2", t("Item")),
            ("E2", n("10")),
            ("H2", n("10")),
        ]);
        grid(name, &cells)
    };
    let p = parse_grids("three.xlsx", &[named("Datas"), named("Old estimate")]).unwrap();
    assert_eq!(p.main_sheet().unwrap().name, "Old estimate");
    let p = parse_grids("four.xlsx", &[named("Sheet1"), named("Sheet2")]).unwrap();
    assert_eq!(p.main_sheet().unwrap().name, "Sheet1");
}

#[test]
fn a_header_without_a_unit_column_is_named() {
    // Quantity in B with its units in C, but C has no caption and the Quantity caption is not
    // merged over it: the units cannot be told from a stray column, so the header says so.
    let p = parse_one(grid(
        "Estimate",
        &[
            ("A1", t("Sl.No")),
            ("B1", t("Qty")),
            ("D1", t("Description")),
            ("E1", t("Rate")),
            ("H1", t("Amount")),
            ("A2", n("1")),
            ("B2", n("2")),
            ("C2", t("Cum")),
            ("D2", t("Earth work")),
            ("E2", n("100")),
            ("H2", n("200")),
            ("D3", t("ECV")),
            ("H3", n("200")),
        ],
    ));
    assert_eq!(warned_cells(&p), ["Estimate!B1"]);
    assert!(
        p.warnings[0].message.contains("no Unit column"),
        "{}",
        p.warnings[0].message
    );
}

#[test]
fn a_tender_premium_row_without_its_percentage_is_named_at_its_label() {
    let p = parse_one(with_header(&[
        ("A2", n("1")),
        ("B2", n("10")),
        ("D2", t("Excavation")),
        ("E2", n("100")),
        ("H2", n("1000")),
        ("D3", t("ECV")),
        ("H3", n("1000")),
        ("D4", t("Add Excess T.P")),
        ("F4", t("4.5 %")),
        ("H4", n("45")),
        ("D5", t("Grand Total")),
        ("H5", n("2000")),
    ]));
    assert_eq!(p.sheets[0].footer.tp_percent, None, "not guessed");
    assert!(
        p.warnings.iter().any(|w| w.cell == "Estimate!D4"
            && w.message.starts_with(
                "'Add Excess T.P' names a tender premium but gives no percentage in its label"
            )),
        "{:?}",
        p.warnings
    );
}
