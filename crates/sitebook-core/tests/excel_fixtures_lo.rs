//! .xls and .ods estimates written by another tool (LibreOffice), read from
//! committed fixtures so the tests need no LibreOffice.
//!
//! How they were made is in tests/fixtures/README.md; a test below checks
//! that the committed .xlsx source still matches the generator.

mod workbooks;

use workbooks::*;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sitebook_core::excel::{parse_estimate_file, ItemFlag, Limits, ParsedWorkbook, WorkbookFormat};

fn parse_fixture(name: &str) -> ParsedWorkbook {
    parse_estimate_file(&fixture(name), &Limits::default()).expect("fixture parses")
}

/// What LibreOffice made of the source workbook, the same for .xls and
/// .ods. LibreOffice computed the formulas that had no stored result: the
/// cable amount became 12345, while GST and the L.S provision became
/// #VALUE! because their formulas read the Sub Total stored as text.
fn check_libreoffice_estimate(parsed: &ParsedWorkbook) {
    let names: Vec<&str> = parsed.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Estimate", "Errors"], "Datas has no header");

    let est = &parsed.sheets[0];
    assert_eq!(est.header_row, 6);
    // Spelled out as in excel_xlsx_estimates.rs: each format is checked on its own; the rows below
    // are a table of expected items.
    let c = &est.columns;
    assert_eq!(
        [
            c.unit.as_deref(),
            c.rate.as_deref(),
            c.per_unit.as_deref(),
            c.amount.as_deref()
        ],
        [Some("C"), Some("E"), Some("G"), Some("H")],
        "unit and per-unit come from the merged captions"
    );
    type ItemSummary<'a> = (
        u32,
        Option<&'a str>,
        Option<Decimal>,
        Option<&'a str>,
        Option<Decimal>,
    );
    let items: Vec<ItemSummary> = est
        .items
        .iter()
        .map(|i| {
            (
                i.row,
                i.sl_no.as_deref(),
                i.quantity,
                i.unit.as_deref(),
                i.amount,
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            (
                9,
                Some("1"),
                Some(dec!(12.5)),
                Some("Nos"),
                Some(dec!(5625))
            ),
            (
                10,
                Some("2"),
                Some(dec!(1234.5)),
                Some("Mtrs"),
                Some(dec!(12345))
            ),
            (
                12,
                Some("3"),
                Some(dec!(1)),
                Some("Set"),
                Some(dec!(1000.10))
            ),
            (
                14,
                Some("4"),
                Some(dec!(2)),
                Some("Nos"),
                Some(dec!(80129.90))
            ),
        ]
    );
    assert_eq!(est.items[2].flags, [ItemFlag::AmountMismatch]);
    assert_eq!(
        est.items[1].description,
        "Aerial bunched cable 3x50+1x35 sq.mm"
    );
    let headings = heading_rows(est);
    assert_eq!(
        headings,
        [(8, None, "Cable works"), (13, None, "Electrical works")]
    );
    assert_eq!(est.excess_rows.len(), 1);
    assert_eq!(est.excess_rows[0].label, "AE1");

    let f = &est.footer;
    assert_eq!(f.ecv, Some(dec!(100000)));
    assert_eq!((f.tp_percent, f.tp), (Some(dec!(5)), Some(dec!(5000))));
    assert_eq!(f.sub_total, Some(dec!(107100)));
    assert_eq!((f.gst, f.ls_unforeseen), (None, None));
    assert_eq!(f.grand_total, Some(dec!(130000)));
    assert_eq!(
        est.metadata.name_of_work.as_deref(),
        Some("Providing LT lines to Gandhi Nagar colony")
    );
    assert_eq!(est.metadata.estimate_amount, Some(dec!(130000)));

    let errors = &parsed.sheets[1];
    let flags: Vec<&[ItemFlag]> = errors.items.iter().map(|i| i.flags.as_slice()).collect();
    assert_eq!(
        flags,
        [
            &[ItemFlag::FormulaError][..],
            &[ItemFlag::FormulaError][..],
            &[][..]
        ]
    );

    let warnings: Vec<(&str, &str)> = parsed
        .warnings
        .iter()
        .map(|w| {
            let code = ["#VALUE!", "#DIV/0!", "#REF!", "differs"]
                .into_iter()
                .find(|c| w.message.contains(c))
                .unwrap_or("?");
            (w.cell.as_str(), code)
        })
        .collect();
    assert_eq!(
        warnings,
        [
            ("Estimate!H12", "differs"),
            ("Estimate!H22", "#VALUE!"),
            ("Estimate!H23", "#VALUE!"),
            ("Errors!B2", "#DIV/0!"),
            ("Errors!H2", "#DIV/0!"),
            ("Errors!E3", "#REF!"),
            ("Errors!H3", "#REF!"),
            ("Errors!H5", "#DIV/0!"),
        ],
        "{:#?}",
        parsed.warnings
    );
}

#[test]
fn xls_written_by_libreoffice() {
    let parsed = parse_fixture("estimate.xls");
    assert_eq!(parsed.format, Some(WorkbookFormat::Xls));
    check_libreoffice_estimate(&parsed);
}

#[test]
fn ods_written_by_libreoffice() {
    let parsed = parse_fixture("estimate.ods");
    assert_eq!(parsed.format, Some(WorkbookFormat::Ods));
    check_libreoffice_estimate(&parsed);
}

#[test]
fn the_content_decides_the_format_not_the_name() {
    for (fixture_name, renamed, format) in [
        ("estimate.xls", "really-xls.XLSX", WorkbookFormat::Xls),
        ("estimate.ods", "really-ods.xls", WorkbookFormat::Ods),
        ("estimate.xlsx", "really-xlsx.ods", WorkbookFormat::Xlsx),
    ] {
        let bytes = std::fs::read(fixture(fixture_name)).unwrap();
        let parsed = parse(&bytes, renamed).unwrap();
        assert_eq!(parsed.format, Some(format), "{renamed}");
        assert_eq!(parsed.file, renamed);
        assert_eq!(parsed.sheets[0].items.len(), 4);
    }
}

#[test]
fn the_committed_xlsx_source_is_the_generated_one() {
    // Guards against the fixtures drifting from the generator silently.
    let committed = std::fs::read(fixture("estimate.xlsx")).unwrap();
    let a = parse(&committed, "a.xlsx").unwrap();
    let b = parse(&fixture_source_workbook(), "a.xlsx").unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_hidden_sheet_is_warned_of_in_xls_and_ods_too() {
    for (name, format) in [
        ("hidden.xls", WorkbookFormat::Xls),
        ("hidden.ods", WorkbookFormat::Ods),
    ] {
        let parsed = parse_fixture(name);
        assert_eq!(parsed.format, Some(format), "{name}");
        assert_hidden_sheet_warned(&parsed);
    }
}
