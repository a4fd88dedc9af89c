//! End-to-end parsing of generated .xlsx estimates: every rule of DOMAIN.md
//! §1 on a realistic sheet, plus the JSON shape of `estimate parse --json`.

mod workbooks;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use rust_xlsxwriter::Workbook;
use sitebook_core::excel::{
    parse_estimate_file, EstimateSheet, ItemFlag, Limits, ParsedWorkbook, WorkbookFormat,
};
use workbooks::*;

fn domain_example() -> ParsedWorkbook {
    parse(&domain_example_workbook(), "estimate.xlsx").expect("parses")
}

fn only_sheet(parsed: &ParsedWorkbook) -> &EstimateSheet {
    assert_eq!(parsed.sheets.len(), 1, "{:?}", parsed.sheets);
    &parsed.sheets[0]
}

#[test]
fn finds_the_estimate_sheet_header_and_columns() {
    let parsed = domain_example();
    assert_eq!(parsed.format, Some(WorkbookFormat::Xlsx));
    let sheet = only_sheet(&parsed);
    assert_eq!(sheet.name, "Estimate");
    assert_eq!(sheet.header_row, 6);
    // Spelled out as in excel_fixtures_lo.rs: each format is checked on its own.
    let c = &sheet.columns;
    // Unit and per-unit have no caption: they come from the merges.
    assert_eq!(
        (
            c.serial.as_str(),
            c.quantity.as_str(),
            c.unit.as_deref(),
            c.description.as_str()
        ),
        ("A", "B", Some("C"), "D")
    );
    assert_eq!(
        (
            c.rate.as_deref(),
            c.per.as_deref(),
            c.per_unit.as_deref(),
            c.amount.as_deref()
        ),
        (Some("E"), Some("F"), Some("G"), Some("H"))
    );
}

#[test]
fn reads_items_with_text_numbers_and_exact_decimals() {
    let parsed = domain_example();
    let items = &only_sheet(&parsed).items;
    let rows: Vec<u32> = items.iter().map(|i| i.row).collect();
    // Row 7 (column numbers), the headings, the AE row and the footer are
    // not items.
    assert_eq!(rows, [9, 10, 12, 14]);

    let pole = &items[0];
    assert_eq!(pole.sl_no.as_deref(), Some("1"));
    assert_eq!(pole.quantity, Some(dec!(12.5)));
    assert_eq!(pole.unit.as_deref(), Some("Nos"));
    assert_eq!(pole.rate, Some(dec!(450)));
    assert_eq!(pole.per_unit.as_deref(), Some("No"));
    assert_eq!(pole.amount, Some(dec!(5625)));
    assert!(pole.flags.is_empty());

    // "Aerial bunched cable" is an item, not an AE row; its quantity and
    // rate are text; its amount formula has no stored result.
    let cable = &items[1];
    assert_eq!(cable.description, "Aerial bunched cable 3x50+1x35 sq.mm");
    assert_eq!(cable.quantity, Some(dec!(1234.50)));
    assert_eq!(cable.rate, Some(dec!(10)));
    assert_eq!(cable.amount, Some(dec!(12345.00)));
    assert_eq!(cable.flags, [ItemFlag::AmountRecomputed]);

    // 1000.10 is exactly 1000.10, and it disagrees with 1 × 1000.
    let pump = &items[2];
    assert_eq!(pump.description, "Pump set with output 5 HP");
    assert_eq!(pump.amount, Some(dec!(1000.10)));
    assert_eq!(pump.flags, [ItemFlag::AmountMismatch]);

    let survey = &items[3];
    assert_eq!(survey.description, "Total station survey of route");
    assert_eq!(survey.rate, Some(dec!(40064.95)));
    assert_eq!(survey.amount, Some(dec!(80129.90)));
}

#[test]
fn headings_and_excess_rows() {
    let parsed = domain_example();
    let sheet = only_sheet(&parsed);
    let headings = heading_rows(sheet);
    assert_eq!(
        headings,
        [(8, None, "Cable works"), (13, None, "Electrical works")]
    );

    assert_eq!(sheet.excess_rows.len(), 1);
    let ae = &sheet.excess_rows[0];
    assert_eq!(
        (ae.row, ae.label.as_str(), ae.item_row),
        (11, "AE1", Some(10))
    );
    assert_eq!(ae.amount, Some(dec!(900)));
}

#[test]
fn footer_follows_the_worked_example() {
    let parsed = domain_example();
    let f = &only_sheet(&parsed).footer;
    assert_eq!(f.ecv, Some(dec!(100000)));
    assert_eq!(f.tp_percent, Some(dec!(5)));
    assert_eq!(f.tp, Some(dec!(5000)));
    assert_eq!(
        (f.lc, f.qc, f.nac),
        (Some(dec!(1000)), Some(dec!(1000)), Some(dec!(100)))
    );
    assert_eq!(f.sub_total, Some(dec!(107100.00)));
    // GST and the L.S provision had no stored results: recomputed.
    assert_eq!(f.gst, Some(dec!(19278.00)));
    assert_eq!(f.ls_unforeseen, Some(dec!(3622.00)));
    assert_eq!(f.grand_total, Some(dec!(130000)));
    // A plain filter of rows, alike in shape to ones in ingestion.rs; each checks another flag.
    let recomputed: Vec<u32> = f
        .rows
        .iter()
        .filter(|r| r.recomputed)
        .map(|r| r.row)
        .collect();
    assert_eq!(recomputed, [22, 23]);
    // "output … @ 2 %" is not a tender premium.
    let output_row = f.rows.iter().find(|r| r.row == 20).expect("row 20 kept");
    assert_eq!(output_row.kind, "other");
    // Nothing after the Grand Total is read.
    assert!(f.rows.iter().all(|r| r.row <= 24));
}

#[test]
fn metadata_lines_above_the_header() {
    let parsed = domain_example();
    let m = &only_sheet(&parsed).metadata;
    assert_eq!(m.title.as_deref(), Some("ESTIMATE"));
    assert_eq!(
        m.name_of_work.as_deref(),
        Some("Providing LT lines to Gandhi Nagar colony")
    );
    assert_eq!(m.estimate_amount, Some(dec!(130000)));
    assert_eq!(
        m.administrative_sanction.as_deref(),
        Some("AS No. 12/2024 dt. 01-04-2024")
    );
    assert_eq!(m.agency.as_deref(), Some("M/s Sri Sai Electricals"));
}

#[test]
fn warnings_are_exactly_the_expected_cells() {
    let parsed = domain_example();
    let cells: Vec<&str> = parsed.warnings.iter().map(|w| w.cell.as_str()).collect();
    assert_eq!(
        cells,
        [
            "Estimate!H10",
            "Estimate!H12",
            "Estimate!H22",
            "Estimate!H23"
        ],
        "{:#?}",
        parsed.warnings
    );
    let mismatch = &parsed.warnings[1].message;
    assert!(
        mismatch.contains("1000.10") && mismatch.contains("1000.00"),
        "{mismatch}"
    );
    assert!(parsed.warnings[0].message.contains("12345.00"));
}

#[test]
fn json_has_the_cli_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Estimate.XLSX");
    std::fs::write(&path, domain_example_workbook()).unwrap();
    let parsed = parse_estimate_file(&path, &Limits::default()).unwrap();
    let json = serde_json::to_value(&parsed).unwrap();

    assert_eq!(json["file"], path.display().to_string());
    let sheet = &json["sheets"][0];
    assert_eq!(sheet["name"], "Estimate");
    assert_eq!(sheet["header_row"], 6);
    let item = &sheet["items"][0];
    assert_eq!(item["row"], 9);
    assert_eq!(item["sl_no"], "1");
    assert_eq!(item["description"], "Supply and erection of 8 m PSCC pole");
    assert_eq!(item["quantity"], "12.5");
    assert_eq!(item["unit"], "Nos");
    assert_eq!(item["rate"], "450.00");
    assert_eq!(item["amount"], "5625.00");
    assert_eq!(sheet["footer"]["ecv"], "100000.00");
    assert_eq!(sheet["footer"]["grand_total"], "130000.00");
    assert_eq!(
        sheet["metadata"]["name_of_work"],
        "Providing LT lines to Gandhi Nagar colony"
    );
    assert_eq!(json["warnings"][0]["cell"], "Estimate!H10");
    assert!(json["warnings"][0]["message"].is_string());

    // And it reads back.
    let back: ParsedWorkbook = serde_json::from_value(json).unwrap();
    assert_eq!(back, parsed);
}

#[test]
fn shifted_columns_and_a_second_estimate_sheet() {
    let mut wb = Workbook::new();
    domain_example_sheet(wb.add_worksheet().set_name("Estimate").unwrap());
    datas_sheet(wb.add_worksheet().set_name("Datas").unwrap());
    shifted_sheet(wb.add_worksheet().set_name("Estimate 2").unwrap());
    let bytes = strip_unsaved_results(&wb.save_to_buffer().unwrap());
    let parsed = parse(&bytes, "two.xlsm").unwrap();

    let names: Vec<&str> = parsed.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Estimate", "Estimate 2"]);
    let second = &parsed.sheets[1];
    assert_eq!(second.header_row, 8);
    let c = &second.columns;
    assert_eq!(
        (
            c.serial.as_str(),
            c.description.as_str(),
            c.quantity.as_str()
        ),
        ("B", "C", "D")
    );
    assert_eq!(
        (c.unit.as_deref(), c.rate.as_deref(), c.amount.as_deref()),
        (Some("E"), Some("F"), Some("G"))
    );
    let figures: Vec<(Option<&str>, Option<Decimal>, Option<Decimal>)> = second
        .items
        .iter()
        .map(|i| (i.sl_no.as_deref(), i.quantity, i.amount))
        .collect();
    assert_eq!(
        figures,
        [
            (Some("1"), Some(dec!(3.5)), Some(dec!(18201.75))),
            (Some("2"), Some(dec!(10)), Some(dec!(2500.00))),
        ]
    );
    assert_eq!(second.items[1].unit.as_deref(), Some("Sqm"));
    assert_eq!(second.footer.ecv, Some(dec!(20701.75)));
    // The quoted sheet name appears in its warning.
    assert!(
        parsed.warnings.iter().any(|w| w.cell == "'Estimate 2'!G10"),
        "{:#?}",
        parsed.warnings
    );
}

#[test]
fn formula_error_values_are_warned_and_flagged() {
    let mut wb = Workbook::new();
    formula_error_sheet(wb.add_worksheet().set_name("Estimate").unwrap());
    let parsed = parse(&wb.save_to_buffer().unwrap(), "errors.xlsx").unwrap();
    let sheet = only_sheet(&parsed);
    let flags: Vec<&[ItemFlag]> = sheet.items.iter().map(|i| i.flags.as_slice()).collect();
    assert_eq!(
        flags,
        [
            &[ItemFlag::FormulaError][..],
            &[ItemFlag::FormulaError][..],
            &[][..]
        ]
    );
    let warned: Vec<(&str, bool)> = parsed
        .warnings
        .iter()
        .map(|w| (w.cell.as_str(), w.message.contains('#')))
        .collect();
    assert_eq!(
        warned,
        [
            ("Estimate!B2", true),
            ("Estimate!H2", true),
            ("Estimate!E3", true),
            ("Estimate!H3", true),
            ("Estimate!H5", true),
        ],
        "{:#?}",
        parsed.warnings
    );
    assert!(parsed.warnings[0].message.contains("#DIV/0!"));
    assert!(parsed.warnings[2].message.contains("#REF!"));
    assert_eq!(sheet.items[0].amount, None);
    assert_eq!(sheet.items[2].amount, Some(dec!(20)));
}

#[test]
fn a_far_away_cell_under_a_small_declared_dimension_stays_sparse() {
    // The declared dimension lies: it says A1:H30 but a cell sits at
    // XFD1048576. Streaming keeps this to one extra cell.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Estimate").unwrap();
    domain_example_sheet(ws);
    text(ws, 1_048_575, 16_383, "stray");
    let bytes = rewrite_zip(&wb.save_to_buffer().unwrap(), |name, data| {
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(data).unwrap();
            assert!(xml.contains(r#"<dimension ref="A1:XFD1048576"/>"#));
            xml.replace(
                r#"<dimension ref="A1:XFD1048576"/>"#,
                r#"<dimension ref="A1:H30"/>"#,
            )
            .into_bytes()
        } else {
            data
        }
    });
    let grids =
        sitebook_core::excel::read_workbook(&bytes, "stray.xlsx", &Limits::default()).unwrap();
    assert_eq!(
        grids[0].get(1_048_575, 16_383),
        &sitebook_core::excel::CellValue::Text("stray".into())
    );
    let parsed = parse(&bytes, "stray.xlsx").unwrap();
    assert_eq!(only_sheet(&parsed).items.len(), 4);
}

#[test]
fn a_hidden_sheet_read_as_an_estimate_is_warned_of() {
    assert_hidden_sheet_warned(&parse(&hidden_sheet_workbook(), "hidden.xlsx").unwrap());
}

#[test]
fn a_negative_ls_provision_is_warned_of() {
    // The worked example sanctioned at 1,20,000: 1,20,000 − 19,278.00 − 1,07,100.00 =
    // −6,378.00 for the unforeseen items, the Grand Total short of what the footer adds up to.
    let bytes = domain_example_edited(|sheet| num(sheet, 23, 7, 120000.0));
    let parsed = parse(&bytes, "short.xlsx").unwrap();
    assert_eq!(
        only_sheet(&parsed).footer.ls_unforeseen,
        Some(dec!(-6378.00))
    );
    let warned: Vec<(&str, &str)> = parsed
        .warnings
        .iter()
        .filter(|w| w.message.contains("does not cover"))
        .map(|w| (w.cell.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(
        warned,
        [(
            "Estimate!H23",
            "'L.S Provision towards unforeseen items' is -6378.00: the Grand Total does not \
             cover the Sub Total, GST and other L.S provisions; check the Grand Total"
        )]
    );
    // The worked example itself, at 1,30,000, is not warned of.
    assert!(!domain_example()
        .warnings
        .iter()
        .any(|w| w.message.contains("does not cover")));
}
