//! Every bad input of issue 3 gives a clear, coded error that names the
//! file, quickly and without building anything large.

mod workbooks;

use rust_xlsxwriter::Workbook;
use sitebook_core::excel::{parse_estimate_bytes, parse_estimate_file, Limits, ParseError};
use std::io::{Cursor, Write};
use workbooks::*;

/// Asserts the error code and that the message names the file.
fn expect_error(
    result: Result<impl std::fmt::Debug, ParseError>,
    code: &str,
    file: &str,
) -> String {
    let err = result.expect_err("should be refused");
    assert_eq!(err.code(), code, "{err}");
    let msg = err.to_string();
    assert!(msg.contains(file), "message should name {file}: {msg}");
    msg
}

#[test]
fn a_csv_renamed_xlsx_is_not_a_workbook() {
    let csv = b"Sl.No,Quantity,Item Description,Rate,Amount\n1,12.5,Pole,450,5625\n";
    let msg = expect_error(
        parse(csv, "estimate.xlsx"),
        "not_a_workbook",
        "estimate.xlsx",
    );
    assert!(msg.contains("text or CSV"), "{msg}");
}

#[test]
fn other_documents_renamed_xlsx_are_not_workbooks() {
    let docx = {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("[Content_Types].xml", o).unwrap();
        z.write_all(br#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).unwrap();
        z.finish().unwrap().into_inner()
    };
    let msg = expect_error(parse(&docx, "letter.xlsx"), "not_a_workbook", "letter.xlsx");
    assert!(msg.contains("Word"), "{msg}");

    let plain_zip = {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        z.start_file("notes.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"hello").unwrap();
        z.finish().unwrap().into_inner()
    };
    expect_error(parse(&plain_zip, "a.ods"), "not_a_workbook", "a.ods");
}

#[test]
fn a_truncated_file_is_reported_as_incomplete() {
    let full = domain_example_workbook();
    for cut in [full.len() / 2, full.len() - 10, 3] {
        let msg = expect_error(parse(&full[..cut], "cut.xlsx"), "truncated", "cut.xlsx");
        assert!(msg.contains("again"), "{msg}");
    }
    let xls = std::fs::read(fixture("estimate.xls")).unwrap();
    expect_error(
        parse(&xls[..xls.len() / 3], "cut.xls"),
        "truncated",
        "cut.xls",
    );
}

#[test]
fn an_empty_file_is_reported_as_empty() {
    expect_error(parse(b"", "empty.xlsx"), "empty_file", "empty.xlsx");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.ods");
    std::fs::write(&path, b"").unwrap();
    expect_error(
        parse_estimate_file(&path, &Limits::default()),
        "empty_file",
        "empty.ods",
    );
}

#[test]
fn a_password_protected_workbook_asks_for_an_unprotected_copy() {
    let msg = expect_error(
        parse(&encrypted_xlsx(), "locked.xlsx"),
        "password_protected",
        "locked.xlsx",
    );
    assert!(
        msg.contains("password") && msg.contains("unprotected copy"),
        "{msg}"
    );
    // Whatever it is named.
    expect_error(
        parse(&encrypted_xlsx(), "locked.xls"),
        "password_protected",
        "locked.xls",
    );
}

#[test]
fn a_zip_bomb_is_refused_fast_without_inflating() {
    let bomb = zip_bomb_xlsx();
    assert!(
        bomb.len() < 2_000_000,
        "the bomb itself is small: {}",
        bomb.len()
    );

    // How fast the refusal comes is measured in benches/parse.rs, not asserted here.
    let msg = expect_error(parse(&bomb, "bomb.xlsx"), "zip_bomb", "bomb.xlsx");
    assert!(msg.contains("xl/worksheets/sheet1.xml"), "{msg}");
}

#[test]
fn many_honest_entries_over_the_total_are_refused_too() {
    let limits = Limits {
        max_uncompressed_bytes: 1_000_000,
        ..Limits::default()
    };
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for row in 0..20_000u32 {
        // Varied text keeps the compression ratio ordinary.
        ws.write_string(
            row,
            0,
            format!("row {row} {}", row.wrapping_mul(2_654_435_761)),
        )
        .unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let msg = expect_error(
        parse_estimate_bytes(&bytes, "big.xlsx", &limits),
        "zip_bomb",
        "big.xlsx",
    );
    assert!(msg.contains("expand to more than"), "{msg}");
}

#[test]
fn a_shared_string_table_claiming_absurd_size_is_refused() {
    // calamine reserves `uniqueCount` strings up front: 10^12 of them would
    // abort the process on allocation, from a file of a few kilobytes.
    let bytes = rewrite_zip(&domain_example_workbook(), |name, data| {
        if name == "xl/sharedStrings.xml" {
            let xml = String::from_utf8(data).unwrap();
            let start = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
            let end = start + xml[start..].find('"').unwrap();
            format!("{}1000000000000{}", &xml[..start], &xml[end..]).into_bytes()
        } else {
            data
        }
    });
    let msg = expect_error(parse(&bytes, "sst.xlsx"), "zip_bomb", "sst.xlsx");
    assert!(msg.contains("1,000,000,000,000 strings"), "{msg}");
}

#[test]
fn a_sheet_claiming_billions_of_cells_is_refused_before_reading() {
    let bytes = sheet_claiming_billions_of_cells();
    assert!(bytes.len() < 10_000, "{} bytes", bytes.len());
    let msg = expect_error(parse(&bytes, "huge.xlsx"), "too_many_cells", "huge.xlsx");
    for needle in ["'Estimate'", "A1:XFD1048576", "17,179,869,184", "5,000,000"] {
        assert!(msg.contains(needle), "{needle} missing: {msg}");
    }
}

#[test]
fn without_a_dimension_the_streaming_reader_still_enforces_the_limits() {
    let no_dimension = rewrite_zip(&domain_example_workbook(), |name, data| {
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(data).unwrap();
            let start = xml.find("<dimension").unwrap();
            let end = start + xml[start..].find("/>").unwrap() + 2;
            format!("{}{}", &xml[..start], &xml[end..]).into_bytes()
        } else {
            data
        }
    });
    assert!(parse(&no_dimension, "nodim.xlsx").is_ok());
    // One limit at a time, spelled out: each case names the limit that refuses the file.
    let few_cells = Limits {
        max_cells: 60,
        ..Limits::default()
    };
    let msg = expect_error(
        parse_estimate_bytes(&no_dimension, "nodim.xlsx", &few_cells),
        "too_many_cells",
        "nodim.xlsx",
    );
    assert!(
        msg.contains("'Estimate'") && msg.contains("60 filled cells"),
        "{msg}"
    );
    let few_rows = Limits {
        max_rows: 20,
        ..Limits::default()
    };
    let msg = expect_error(
        parse_estimate_bytes(&no_dimension, "nodim.xlsx", &few_rows),
        "too_many_cells",
        "nodim.xlsx",
    );
    assert!(msg.contains("row 21"), "{msg}");
}

/// The example estimate with one more row of `count` reference-less cells, each `cell`.
fn with_a_row_of(count: usize, cell: &str) -> Vec<u8> {
    rewrite_zip(&domain_example_workbook(), |name, data| {
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(data).unwrap();
            let row = format!(r#"<row r="900">{}</row></sheetData>"#, cell.repeat(count));
            xml.replacen("</sheetData>", &row, 1).into_bytes()
        } else {
            data
        }
    })
}

#[test]
fn reference_less_cells_past_the_limit_are_refused_while_unpacking_before_any_reading() {
    let limits = Limits {
        max_cells: 2_000,
        ..Limits::default()
    };
    let filled = with_a_row_of(3_000, "<c><v>7</v></c>");
    let err = sitebook_core::excel::limits::precheck(
        &filled,
        sitebook_core::excel::sniff::WorkbookFormat::Xlsx,
        "rowful.xlsx",
        &limits,
    )
    .expect_err("refused by the pre-check, before calamine reads a cell");
    let msg = err.to_string();
    assert_eq!(err.code(), "too_many_cells");
    for needle in [
        "rowful.xlsx",
        "'Estimate'",
        "2,000 filled cells",
        "counted while unpacking",
    ] {
        assert!(msg.contains(needle), "{needle} missing: {msg}");
    }

    // Empty cells cost calamine a step each too: many more than the filled limit are refused.
    let empty = with_a_row_of(9_000, "<c/>");
    let msg = expect_error(
        parse_estimate_bytes(&empty, "blank.xlsx", &limits),
        "too_many_cells",
        "blank.xlsx",
    );
    assert!(msg.contains("most of them empty"), "{msg}");
    // A few thousand formatted blanks within the bound are an ordinary workbook.
    let some_empty = with_a_row_of(3_000, r#"<c s="0"/>"#);
    assert!(parse_estimate_bytes(&some_empty, "styled.xlsx", &limits).is_ok());
}

#[test]
fn a_merge_over_the_whole_sheet_fails_naming_the_range_instead_of_giving_no_items() {
    let merged_whole = rewrite_zip(&domain_example_workbook(), |name, data| {
        if name != "xl/worksheets/sheet1.xml" {
            return data;
        }
        let xml = String::from_utf8(data).unwrap();
        let whole = r#"<mergeCell ref="A1:XFD1048576"/>"#;
        match xml.find("<mergeCells") {
            Some(at) => {
                let open_end = at + xml[at..].find('>').unwrap() + 1;
                format!("{}{whole}{}", &xml[..open_end], &xml[open_end..])
            }
            None => xml.replacen(
                "</sheetData>",
                &format!("</sheetData><mergeCells count=\"1\">{whole}</mergeCells>"),
                1,
            ),
        }
        .into_bytes()
    });
    let msg = expect_error(
        parse(&merged_whole, "merged.xlsx"),
        "items_under_merge",
        "merged.xlsx",
    );
    for needle in ["'Estimate'", "A1:XFD1048576", "unmerge"] {
        assert!(msg.contains(needle), "{needle} missing: {msg}");
    }
}

/// `zip` with the stored CRC of `part` changed, in its local header and the central directory.
fn with_wrong_crc(zip: &[u8], part: &str) -> Vec<u8> {
    let mut out = zip.to_vec();
    for (signature, name_len_at, crc_at, header_len) in
        [(b"PK\x03\x04", 26, 14, 30), (b"PK\x01\x02", 28, 16, 46)]
    {
        let mut at = 0;
        while let Some(found) = out[at..].windows(4).position(|w| w == signature) {
            let start = at + found;
            let name_len =
                u16::from_le_bytes([out[start + name_len_at], out[start + name_len_at + 1]]);
            let name = &out[start + header_len..start + header_len + usize::from(name_len)];
            if name == part.as_bytes() {
                out[start + crc_at] ^= 0x5a;
            }
            at = start + 4;
        }
    }
    out
}

#[test]
fn a_part_that_does_not_match_its_crc_is_refused_by_name() {
    for (bytes, name, part) in [
        (
            domain_example_workbook(),
            "crc.xlsx",
            "xl/worksheets/sheet1.xml",
        ),
        (
            domain_example_workbook(),
            "crc-strings.xlsx",
            "xl/sharedStrings.xml",
        ),
        (
            std::fs::read(fixture("estimate.ods")).unwrap(),
            "crc.ods",
            "content.xml",
        ),
    ] {
        assert!(parse(&bytes, name).is_ok(), "{name} is sound before");
        let damaged = with_wrong_crc(&bytes, part);
        let msg = expect_error(parse(&damaged, name), "unreadable", name);
        assert!(
            msg.contains(part) && msg.contains("checksum (CRC)"),
            "{name}: {msg}"
        );
    }
}

#[test]
fn a_cell_longer_than_a_spreadsheet_cell_holds_is_refused_by_its_address() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Estimate").unwrap();
    domain_example_sheet(ws);
    let bytes = wb.save_to_buffer().unwrap();
    // Excel cannot write such a cell, so it goes in by hand, as an inline string.
    let long = "D".repeat(40_000);
    let tampered = rewrite_zip(&bytes, |name, data| {
        if name != "xl/worksheets/sheet1.xml" {
            return data;
        }
        let xml = String::from_utf8(data).unwrap();
        let row = format!(
            r#"<row r="300"><c r="D300" t="inlineStr"><is><t>{long}</t></is></c></row></sheetData>"#
        );
        xml.replacen("</sheetData>", &row, 1).into_bytes()
    });
    let msg = expect_error(parse(&tampered, "long.xlsx"), "text_too_long", "long.xlsx");
    assert!(
        msg.contains("'Estimate'!D300") || msg.contains("Estimate!D300"),
        "{msg}"
    );
    assert!(msg.contains("40,000 characters"), "{msg}");
}

#[test]
fn a_damaged_xls_that_is_whole_says_damaged_and_one_cut_short_says_incomplete() {
    let xls = std::fs::read(fixture("estimate.xls")).unwrap();
    // The header's first directory sector, moved far past the end of an otherwise whole file.
    let mut pointing_away = xls.clone();
    pointing_away[48..52].copy_from_slice(&0x00FF_FFF0u32.to_le_bytes());
    let msg = expect_error(parse(&pointing_away, "away.xls"), "unreadable", "away.xls");
    assert!(msg.contains("beyond the end of the file"), "{msg}");
    assert!(!msg.contains("incomplete"), "{msg}");

    for cut in [xls.len() / 2, xls.len() / 4, xls.len() - 512] {
        let msg = expect_error(parse(&xls[..cut], "cut.xls"), "truncated", "cut.xls");
        assert!(msg.contains("incomplete"), "cut at {cut}: {msg}");
    }
}

fn biff_record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

/// A tiny .xls whose one sheet has numbers at A1 and `(row, col)` and a
/// DIMENSIONS record claiming `dims` rows × columns.
fn xls_with_cell(row: u16, col: u16, dims: (u32, u16)) -> Vec<u8> {
    let bof = |dt: u16| {
        let mut d = vec![0x00, 0x06];
        d.extend_from_slice(&dt.to_le_bytes());
        d.extend_from_slice(&[0; 12]);
        biff_record(0x0809, &d)
    };
    let mut globals = bof(0x0005);
    let boundsheet_len = 4 + 8 + 5;
    let sheet_at = (globals.len() + boundsheet_len + 4) as u32;
    let mut bs = sheet_at.to_le_bytes().to_vec();
    bs.extend_from_slice(&[0, 0, 5, 0]);
    bs.extend_from_slice(b"Sheet");
    globals.extend(biff_record(0x0085, &bs));
    globals.extend(biff_record(0x000A, &[]));
    let mut sheet = bof(0x0010);
    let mut d = 0u32.to_le_bytes().to_vec();
    d.extend_from_slice(&dims.0.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&dims.1.to_le_bytes());
    d.extend_from_slice(&[0, 0]);
    sheet.extend(biff_record(0x0200, &d));
    for (row, col) in [(0u16, 0u16), (row, col)] {
        let mut number = row.to_le_bytes().to_vec();
        number.extend_from_slice(&col.to_le_bytes());
        number.extend_from_slice(&[0, 0]);
        number.extend_from_slice(&1.0f64.to_le_bytes());
        sheet.extend(biff_record(0x0203, &number));
    }
    sheet.extend(biff_record(0x000A, &[]));

    let mut ole = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    ole.create_stream("/Workbook")
        .unwrap()
        .write_all(&[globals, sheet].concat())
        .unwrap();
    ole.flush().unwrap();
    ole.into_inner().into_inner()
}

#[test]
fn an_xls_claiming_a_huge_grid_is_refused_before_calamine_builds_it() {
    // Declared: 65,536 × 256 cells; the one cell is at A1.
    let declared = xls_with_cell(0, 0, (65_536, 256));
    let msg = expect_error(parse(&declared, "dims.xls"), "too_many_cells", "dims.xls");
    assert!(
        msg.contains("'Sheet'") && msg.contains("65536 rows"),
        "{msg}"
    );
    // Declared 1 × 1, but the cells span A1:IV65536.
    let far = xls_with_cell(65_535, 255, (1, 1));
    let msg = expect_error(parse(&far, "far.xls"), "too_many_cells", "far.xls");
    assert!(msg.contains("IV65536"), "{msg}");
}

#[test]
fn an_ods_whose_repeats_expand_past_the_limit_is_refused() {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>
<table:table table:name="Estimate"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="100"><text:p>1</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>"#;
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(content.as_bytes()).unwrap();
    let ods = z.finish().unwrap().into_inner();
    let msg = expect_error(parse(&ods, "repeat.ods"), "too_many_cells", "repeat.ods");
    assert!(msg.contains("100,000,000"), "{msg}");
}

#[test]
fn a_workbook_without_an_estimate_sheet() {
    let msg = expect_error(
        parse(&workbook_without_an_estimate(), "rates.xlsx"),
        "no_estimate_sheet",
        "rates.xlsx",
    );
    assert!(msg.contains("'Datas', 'Notes'"), "{msg}");
    assert!(msg.contains("Sl.No") && msg.contains("Quantity"), "{msg}");
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xlsx");
    // A sparse 60 MB file: refusing it must not need its content.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(60 * 1024 * 1024)
        .unwrap();
    let msg = expect_error(
        parse_estimate_file(&path, &Limits::default()),
        "too_large",
        "big.xlsx",
    );
    assert!(msg.contains("52428800"), "{msg}");

    let small_limit = Limits {
        max_file_bytes: 1_000,
        ..Limits::default()
    };
    expect_error(
        parse_estimate_bytes(&domain_example_workbook(), "est.xlsx", &small_limit),
        "too_large",
        "est.xlsx",
    );
}

#[test]
fn unsupported_extensions_and_formats() {
    let xlsx = domain_example_workbook();
    for name in ["estimate.csv", "estimate.pdf", "estimate.xlsb", "estimate"] {
        expect_error(parse(&xlsx, name), "unsupported_type", name);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scan.PDF");
    std::fs::write(&path, b"%PDF-1.4").unwrap();
    expect_error(
        parse_estimate_file(&path, &Limits::default()),
        "unsupported_type",
        "scan.PDF",
    );
    // An .xlsb saved under an .xlsx name.
    let xlsb = rewrite_zip(&xlsx, |name, data| {
        if name == "[Content_Types].xml" {
            String::from_utf8(data)
                .unwrap()
                .replace("sheet.main+xml", "sheet.binary.macroEnabled.main")
                .into_bytes()
        } else {
            data
        }
    });
    let msg = expect_error(
        parse(&xlsb, "binary.xlsx"),
        "unsupported_type",
        "binary.xlsx",
    );
    assert!(msg.contains("xlsb"), "{msg}");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone.xlsx");
    expect_error(
        parse_estimate_file(&path, &Limits::default()),
        "io",
        "gone.xlsx",
    );
}

#[test]
fn damaged_bytes_never_panic() {
    // Flip bytes all over valid workbooks; every outcome must be a Result.
    let inputs = [
        ("d.xlsx", domain_example_workbook()),
        ("d.xls", std::fs::read(fixture("estimate.xls")).unwrap()),
        ("d.ods", std::fs::read(fixture("estimate.ods")).unwrap()),
    ];
    for (name, original) in inputs {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..150 {
            let mut bytes = original.clone();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % bytes.len() as u64) as usize;
                bytes[at] = bytes[at].wrapping_add((state >> 32) as u8 | 1);
            }
            let _ = parse(&bytes, name);
        }
    }
}

/// A figure no estimate can hold (7.9e27 Nos at 1e15) is not read: the warning names the cell,
/// and the item cannot reach a document, where the product would overflow.
#[test]
fn a_figure_beyond_the_bound_is_named_and_not_read() {
    let mut workbook = estimate_workbook("Absurd figures");
    let sheet = workbook.worksheet_from_name("Estimate").unwrap();
    item_cells(
        sheet,
        3,
        (1.0, 7.9e27, "Nos", "An item typed wrong", 1e15, "No"),
    );
    num(sheet, 3, 7, 100.0);
    let parsed = parse(&workbook.save_to_buffer().unwrap(), "absurd.xlsx").unwrap();
    let item = &parsed.sheets[0].items[0];
    assert_eq!(item.quantity, None);
    assert_eq!(item.rate, None);
    let named: Vec<&str> = parsed
        .warnings
        .iter()
        .filter(|w| w.message.contains("beyond the largest figure accepted"))
        .map(|w| w.cell.as_str())
        .collect();
    assert_eq!(
        named,
        ["Estimate!B4", "Estimate!E4"],
        "{:?}",
        parsed.warnings
    );
}

/// A stored value no float holds (`1e400`) or that is no number (`NaN`) was called "the error
/// value #NUM!", which the cell does not hold.
#[test]
fn a_stored_number_beyond_any_float_or_not_a_number_is_named_as_such() {
    let mut workbook = estimate_workbook("Odd stored numbers");
    let sheet = workbook.worksheet_from_name("Estimate").unwrap();
    item_cells(sheet, 3, (1.0, 12.25, "Nos", "Too large", 450.0, "No"));
    item_cells(sheet, 4, (2.0, 13.75, "Nos", "Not a number", 450.0, "No"));
    let bytes = edit_part(
        &workbook.save_to_buffer().unwrap(),
        "xl/worksheets/",
        |xml| {
            xml.replacen("<v>12.25</v>", "<v>1e400</v>", 1).replacen(
                "<v>13.75</v>",
                "<v>NaN</v>",
                1,
            )
        },
    );
    let parsed = parse(&bytes, "odd.xlsx").unwrap();
    let items = &parsed.sheets[0].items;
    assert_eq!((items[0].quantity, items[1].quantity), (None, None));
    let said = |cell: &str| -> Vec<&str> {
        parsed
            .warnings
            .iter()
            .filter(|w| w.cell == cell)
            .map(|w| w.message.as_str())
            .collect()
    };
    let too_large = said("Estimate!B4");
    assert!(
        too_large.len() == 1 && too_large[0].contains("beyond the largest figure accepted"),
        "{too_large:?}"
    );
    assert_eq!(said("Estimate!B5"), ["quantity 'NaN' is not a number"]);
    assert!(
        parsed.warnings.iter().all(|w| !w.message.contains("#NUM!")),
        "{:?}",
        parsed.warnings
    );
}

/// A cell at a position that is no address, or pointing at a text the workbook does not hold,
/// was described in the spreadsheet library's own words.
#[test]
fn a_damaged_cell_position_or_text_reference_is_said_in_plain_words() {
    let workbook = || {
        let mut workbook = estimate_workbook("Damaged cells");
        let sheet = workbook.worksheet_from_name("Estimate").unwrap();
        item_cells(sheet, 3, (1.0, 12.25, "Nos", "An item", 450.0, "No"));
        workbook.save_to_buffer().unwrap()
    };
    let no_address = edit_part(&workbook(), "xl/worksheets/", |xml| {
        xml.replacen(r#"r="B4""#, r#"r="B0""#, 1)
    });
    let msg = expect_error(parse(&no_address, "b0.xlsx"), "unreadable", "b0.xlsx");
    assert!(
        msg.contains("sheet 'Estimate' has a cell whose position is not a cell address like B7")
            && !msg.contains("Range is"),
        "{msg}"
    );
    let text_index = with_a_text_index_out_of_range(&workbook());
    let msg = expect_error(parse(&text_index, "sst.xlsx"), "unreadable", "sst.xlsx");
    assert!(
        msg.contains(
            "sheet 'Estimate' has a cell that refers to a text the workbook does not hold"
        ) && !msg.contains("shared strings table"),
        "{msg}"
    );
}

/// The workbook with its first shared-text cell pointing far past the shared texts.
fn with_a_text_index_out_of_range(bytes: &[u8]) -> Vec<u8> {
    edit_part(bytes, "xl/worksheets/", |xml| {
        let marker = r#"t="s"><v>"#;
        let start = xml.find(marker).expect("a shared text cell") + marker.len();
        let end = start + xml[start..].find("</v>").unwrap();
        format!("{}99999999{}", &xml[..start], &xml[end..])
    })
}

#[test]
fn an_entity_defined_in_the_sheet_itself_is_refused_for_what_it_is() {
    let bytes = edit_part(&domain_example_workbook(), "xl/sharedStrings.xml", |xml| {
        let body = xml.split_once("?>").map_or(xml.as_str(), |(_, rest)| rest);
        let defined = format!(r#"<!DOCTYPE sst [<!ENTITY f "x">]>{body}"#);
        defined.replacen("<t>", "<t>&f;", 1)
    });
    let msg = expect_error(
        parse_estimate_bytes(&bytes, "entity.xlsx", &Limits::default()),
        "unreadable",
        "entity.xlsx",
    );
    // Defined in the file, so not "an entity it never defines".
    assert!(
        msg.contains("uses an XML entity")
            && msg.contains("of a kind spreadsheet programs never write"),
        "{msg}"
    );
    assert!(!msg.contains("never defines"), "{msg}");
}

/// A sheet that declares its own entity and uses it in a cell was read as if the cell were
/// empty, without a word: the workbook is refused, naming the part, whether or not the entity
/// is used.
#[test]
fn a_sheet_declaring_its_own_entities_is_refused_naming_the_part() {
    for used in [false, true] {
        let bytes = edit_part(
            &domain_example_workbook(),
            "xl/worksheets/sheet1.xml",
            |xml| {
                let (declaration, body) = xml.split_once("?>").unwrap();
                let mut body = format!(r#"<!DOCTYPE worksheet [<!ENTITY f "7">]>{body}"#);
                if used {
                    body = body.replacen("<v>", "<v>&f;", 1);
                }
                format!("{declaration}?>{body}")
            },
        );
        let msg = expect_error(
            parse_estimate_bytes(&bytes, "doctype.xlsx", &Limits::default()),
            "unreadable",
            "doctype.xlsx",
        );
        assert!(
            msg.contains("its part 'xl/worksheets/sheet1.xml' declares XML entities of its own"),
            "used {used}: {msg}"
        );
        // Read by the spreadsheet library alone, the part is looked at in the checksum pass.
        let alone = sitebook_core::excel::reader::read_xlsx_by_calamine_alone(
            &bytes,
            "doctype.xlsx",
            &Limits::default(),
        );
        let msg = expect_error(alone, "unreadable", "doctype.xlsx");
        assert!(msg.contains("declares XML entities of its own"), "{msg}");
    }
}

#[test]
fn a_sheet_listed_without_its_part_is_named_once() {
    let mut archive = zip::ZipArchive::new(Cursor::new(domain_example_workbook())).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        if name == "xl/worksheets/sheet1.xml" {
            continue;
        }
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    let bytes = out.finish().unwrap().into_inner();
    let msg = expect_error(
        parse_estimate_bytes(&bytes, "nosheet.xlsx", &Limits::default()),
        "unreadable",
        "nosheet.xlsx",
    );
    assert!(
        msg.contains("is listed, but its part is missing from the file"),
        "{msg}"
    );
    assert_eq!(msg.matches("sheet '").count(), 1, "{msg}");
}
