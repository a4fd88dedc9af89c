//! Workbook builders shared by the integration tests. Every workbook is
//! generated here with rust_xlsxwriter; nothing is hand-written XML except
//! where a test needs bytes no spreadsheet writer would produce.

#![allow(dead_code)]

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook, Worksheet};
use sitebook_core::excel::{
    parse_estimate_bytes, EstimateSheet, Limits, ParseError, ParsedWorkbook,
};
use std::io::{Cursor, Read, Write};

/// Parses in-memory bytes with the default limits.
pub fn parse(bytes: &[u8], name: &str) -> Result<ParsedWorkbook, ParseError> {
    parse_estimate_bytes(bytes, name, &Limits::default())
}

/// A parsed sheet's headings as (row, serial, text), the way the tests compare them.
pub fn heading_rows(sheet: &EstimateSheet) -> Vec<(u32, Option<&str>, &str)> {
    sheet
        .headings
        .iter()
        .map(|h| (h.row, h.sl_no.as_deref(), h.text.as_str()))
        .collect()
}

/// Writes a text or number into a cell by A1-ish 0-based coordinates.
pub fn text(ws: &mut Worksheet, row: u32, col: u16, s: &str) {
    ws.write_string(row, col, s).unwrap();
}

pub fn num(ws: &mut Worksheet, row: u32, col: u16, n: f64) {
    ws.write_number(row, col, n).unwrap();
}

/// A formula with a stored result (as Excel or LibreOffice would save it).
pub fn formula(ws: &mut Worksheet, row: u32, col: u16, f: &str, result: &str) {
    ws.write_formula(row, col, Formula::new(f).set_result(result))
        .unwrap();
}

/// A formula whose stored result will be removed by
/// [`strip_unsaved_results`], as in files written by openpyxl.
pub fn formula_without_result(ws: &mut Worksheet, row: u32, col: u16, f: &str) {
    ws.write_formula(row, col, Formula::new(f)).unwrap();
}

pub fn merge(ws: &mut Worksheet, r1: u32, c1: u16, r2: u32, c2: u16, s: &str) {
    ws.merge_range(r1, c1, r2, c2, s, &Format::new()).unwrap();
}

/// Writes the estimate header on `row` as department sheets lay it out: `Sl.No`, `Quantity`
/// merged B:C, `Item Description`, `Rate`, `Per` merged F:G and `Amount`.
pub fn merged_header(ws: &mut Worksheet, row: u32) {
    text(ws, row, 0, "Sl.No");
    merge(ws, row, 1, row, 2, "Quantity");
    text(ws, row, 3, "Item Description");
    text(ws, row, 4, "Rate");
    merge(ws, row, 5, row, 6, "Per");
    text(ws, row, 7, "Amount");
}

/// An item as its row holds it: serial, quantity, unit, description, rate and the rate's unit.
pub type ItemCells<'a> = (f64, f64, &'a str, &'a str, f64, &'a str);

/// Writes an item row's cells A to G (the rate per one unit); the amount in H is the caller's.
pub fn item_cells(ws: &mut Worksheet, row: u32, item: ItemCells) {
    let (serial, quantity, unit, description, rate, per) = item;
    num(ws, row, 0, serial);
    num(ws, row, 1, quantity);
    text(ws, row, 2, unit);
    text(ws, row, 3, description);
    num(ws, row, 4, rate);
    num(ws, row, 5, 1.0);
    text(ws, row, 6, per);
}

/// Writes an item row whose amount is `=ROUND(B*E,2)` with `amount` as its stored result.
pub fn priced_item(ws: &mut Worksheet, row: u32, item: ItemCells, amount: &str) {
    item_cells(ws, row, item);
    formula(ws, row, 7, &format!("=ROUND(B{0}*E{0},2)", row + 1), amount);
}

/// rust_xlsxwriter stores `0` as the result of a formula written without
/// one; openpyxl stores nothing. Removing those zero results gives the
/// openpyxl form (`<f>…</f>` with no `<v>`).
pub fn strip_unsaved_results(xlsx: &[u8]) -> Vec<u8> {
    rewrite_zip(xlsx, |name, data| {
        if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            let xml = String::from_utf8(data).unwrap();
            xml.replace("</f><v>0</v>", "</f>").into_bytes()
        } else {
            data
        }
    })
}

/// Copies a zip, passing each entry's content through `edit`.
pub fn rewrite_zip(bytes: &[u8], mut edit: impl FnMut(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let data = edit(&name, data);
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Copies a zip with the text of each entry whose name starts with `part` passed through `edit`:
/// the hand alterations of one part's XML that the bad-input tests make.
pub fn edit_part(bytes: &[u8], part: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    rewrite_zip(bytes, |name, data| {
        if name.starts_with(part) {
            edit(String::from_utf8(data).unwrap()).into_bytes()
        } else {
            data
        }
    })
}

// Cell by cell on purpose, not shared with the other sheets: the layout is the test data, and which
// figures are text is part of it.
/// The estimate of DOMAIN.md's worked example (ECV 1,00,000.00, T.P 5 %,
/// Grand Total 1,30,000), laid out as a real estimate sheet, with a `Datas`
/// sheet after it. Rows in comments are 1-based as in the spreadsheet.
///
/// What it exercises:
/// - metadata lines, one split over three cells (row 3);
/// - header on row 6 with `Quantity` merged B:C and `Per` merged F:G;
/// - a `1 2 3 … 8` column-numbering row (row 7);
/// - heading rows: no rate (row 8) and merged A:H (row 13);
/// - numbers stored as text, international and Indian grouping;
/// - amount formulas with and without stored results (rows 9, 10);
/// - an AE row (11), "Aerial bunched cable" (10), "output" (12, 20) and
///   "Total station survey" (14);
/// - an amount that disagrees with ROUND2(qty × rate) (row 12);
/// - the full footer, GST and L.S without stored results (rows 22, 23);
/// - a signature line after the Grand Total (row 26).
pub fn domain_example_sheet(ws: &mut Worksheet) {
    text(ws, 0, 0, "ESTIMATE");
    merge(
        ws,
        1,
        0,
        1,
        7,
        "Name of the work : Providing LT lines to Gandhi Nagar colony",
    );
    text(ws, 2, 0, "Estimate amount");
    text(ws, 2, 1, ":");
    text(ws, 2, 2, "Rs. 1,30,000/-");
    text(
        ws,
        3,
        0,
        "Ref. to Administrative sanction : AS No. 12/2024 dt. 01-04-2024",
    );
    text(ws, 4, 0, "Name of the Agency : M/s Sri Sai Electricals");

    merged_header(ws, 5);
    for col in 0..8u16 {
        num(ws, 6, col, f64::from(col + 1));
    }

    text(ws, 7, 3, "Cable works");

    let pole = (
        1.0,
        12.5,
        "Nos",
        "Supply and erection of 8 m PSCC pole",
        450.0,
        "No",
    );
    priced_item(ws, 8, pole, "5625");

    num(ws, 9, 0, 2.0);
    text(ws, 9, 1, "1,234.50");
    text(ws, 9, 2, "Mtrs");
    text(ws, 9, 3, "Aerial bunched cable 3x50+1x35 sq.mm");
    text(ws, 9, 4, " 10 ");
    num(ws, 9, 5, 1.0);
    text(ws, 9, 6, "Mtr");
    formula_without_result(ws, 9, 7, "=ROUND(B10*E10,2)");

    text(ws, 10, 3, "AE1");
    num(ws, 10, 1, 2.0);
    text(ws, 10, 2, "Nos");
    num(ws, 10, 4, 450.0);
    num(ws, 10, 7, 900.0);

    item_cells(
        ws,
        11,
        (3.0, 1.0, "Set", "Pump set with output 5 HP", 1000.0, "Set"),
    );
    num(ws, 11, 7, 1000.10);

    merge(ws, 12, 0, 12, 7, "Electrical works");

    num(ws, 13, 0, 4.0);
    num(ws, 13, 1, 2.0);
    text(ws, 13, 2, "Nos");
    text(ws, 13, 3, "Total station survey of route");
    text(ws, 13, 4, "40,064.95");
    num(ws, 13, 5, 1.0);
    text(ws, 13, 6, "No");
    text(ws, 13, 7, "80,129.90");

    text(ws, 14, 3, "ECV");
    formula(ws, 14, 7, "=SUM(H9:H14)", "100000");
    text(ws, 15, 3, "Add Excess T.P @ 5 %");
    num(ws, 15, 7, 5000.0);
    text(ws, 16, 3, "Add LC @ 1 %");
    num(ws, 16, 7, 1000.0);
    text(ws, 17, 3, "Add QC @ 1 %");
    num(ws, 17, 7, 1000.0);
    text(ws, 18, 3, "Add NAC @ 0.1 %");
    num(ws, 18, 7, 100.0);
    text(ws, 19, 3, "Add output charges @ 2 %");
    text(ws, 20, 3, "Sub Total");
    text(ws, 20, 7, "1,07,100.00");
    text(ws, 21, 3, "Add GST @ 18 %");
    formula_without_result(ws, 21, 7, "=ROUND(H21*0.18,2)");
    text(ws, 22, 3, "L.S Provision towards unforeseen items");
    formula_without_result(ws, 22, 7, "=H24-H22-H21");
    text(ws, 23, 3, "Grand Total");
    num(ws, 23, 7, 130000.0);
    text(ws, 25, 3, "Assistant Engineer");
}

/// An estimate sheet with a header, a heading and a footer but no item rows: it parses (with a
/// warning), and no bill or work slip can be made from it.
#[allow(dead_code)]
pub fn heading_only_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Estimate").unwrap();
    text(ws, 0, 0, "ESTIMATE");
    text(
        ws,
        1,
        0,
        "Name of the work : An estimate still to be filled in",
    );
    text(ws, 2, 0, "Sl.No");
    text(ws, 2, 1, "Quantity");
    text(ws, 2, 3, "Item Description");
    text(ws, 2, 4, "Rate");
    text(ws, 2, 5, "Per");
    text(ws, 2, 7, "Amount");
    text(ws, 3, 3, "SUB HEAD I");
    text(ws, 4, 3, "ECV");
    num(ws, 4, 7, 0.0);
    text(ws, 5, 3, "Grand Total");
    num(ws, 5, 7, 0.0);
    wb.save_to_buffer().unwrap()
}

/// A `Datas` sheet of rate analysis: text and numbers but no estimate header.
pub fn datas_sheet(ws: &mut Worksheet) {
    text(ws, 0, 0, "Rate analysis");
    text(ws, 1, 0, "Data for 8 m PSCC pole");
    text(ws, 2, 1, "Labour");
    num(ws, 2, 4, 120.0);
    text(ws, 3, 1, "Material");
    num(ws, 3, 4, 330.0);
}

/// The DOMAIN example workbook (`Estimate` + `Datas`), openpyxl-style. Its creation time is
/// fixed, so the file (and the source hash every document records) is the same on every run.
/// The worked example's sheet alone, with `edit` made to it (a cell retyped), saved as
/// openpyxl saves (formulas without results).
pub fn domain_example_edited(edit: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Estimate").unwrap();
    domain_example_sheet(sheet);
    edit(sheet);
    strip_unsaved_results(&workbook.save_to_buffer().unwrap())
}

pub fn domain_example_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 1, 15).unwrap();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    domain_example_sheet(wb.add_worksheet().set_name("Estimate").unwrap());
    datas_sheet(wb.add_worksheet().set_name("Datas").unwrap());
    strip_unsaved_results(&wb.save_to_buffer().unwrap())
}

// Cell by cell on purpose: this layout differs from the others in every column.
/// A second layout: header on row 8, starting in column B, with its own
/// column order and a separate `Unit` caption.
pub fn shifted_sheet(ws: &mut Worksheet) {
    text(ws, 0, 1, "Abstract estimate");
    text(ws, 7, 1, "S.No");
    text(ws, 7, 2, "Description of item");
    text(ws, 7, 3, "Qty");
    text(ws, 7, 4, "Unit");
    text(ws, 7, 5, "Rate");
    text(ws, 7, 6, "Amount");
    text(ws, 8, 1, "1");
    text(ws, 8, 2, "Cement concrete 1:2:4");
    num(ws, 8, 3, 3.5);
    text(ws, 8, 4, "Cum");
    num(ws, 8, 5, 5200.50);
    num(ws, 8, 6, 18201.75);
    num(ws, 9, 1, 2.0);
    text(ws, 9, 2, "Plastering 12 mm");
    num(ws, 9, 3, 10.0);
    text(ws, 9, 4, "Sqm");
    num(ws, 9, 5, 250.0);
    formula_without_result(ws, 9, 6, "=ROUND(D10*F10,2)");
    text(ws, 10, 2, "ECV");
    num(ws, 10, 6, 20701.75);
}

// Cell by cell on purpose: each row holds another error value in another cell.
/// A short estimate whose quantity, rate and amount cells hold formula
/// error values, as Excel saves them.
pub fn formula_error_sheet(ws: &mut Worksheet) {
    text(ws, 0, 0, "Sl.No");
    text(ws, 0, 1, "Qty");
    text(ws, 0, 2, "Unit");
    text(ws, 0, 3, "Description");
    text(ws, 0, 4, "Rate");
    text(ws, 0, 7, "Amount");
    num(ws, 1, 0, 1.0);
    formula(ws, 1, 1, "=1/0", "#DIV/0!");
    text(ws, 1, 2, "Nos");
    text(ws, 1, 3, "Street light fitting");
    num(ws, 1, 4, 2500.0);
    formula(ws, 1, 7, "=ROUND(B2*E2,2)", "#DIV/0!");
    num(ws, 2, 0, 2.0);
    num(ws, 2, 1, 4.0);
    text(ws, 2, 2, "Nos");
    text(ws, 2, 3, "Cable end box");
    formula(ws, 2, 4, "=#REF!*2", "#REF!");
    formula(ws, 2, 7, "=ROUND(B3*E3,2)", "#REF!");
    num(ws, 3, 0, 3.0);
    num(ws, 3, 1, 2.0);
    text(ws, 3, 2, "Nos");
    text(ws, 3, 3, "Clean item");
    num(ws, 3, 4, 10.0);
    num(ws, 3, 7, 20.0);
    text(ws, 4, 3, "ECV");
    formula(ws, 4, 7, "=SUM(H2:H4)", "#REF!");
}

/// Path of a committed fixture under `tests/fixtures/`.
pub fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The workbook the .xls and .ods fixtures are converted from: the DOMAIN
/// example (`Estimate`), the rate-analysis sheet (`Datas`) and a sheet of
/// formula errors (`Errors`).
pub fn fixture_source_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    domain_example_sheet(wb.add_worksheet().set_name("Estimate").unwrap());
    datas_sheet(wb.add_worksheet().set_name("Datas").unwrap());
    formula_error_sheet(wb.add_worksheet().set_name("Errors").unwrap());
    strip_unsaved_results(&wb.save_to_buffer().unwrap())
}

/// An OLE container as Office writes for a password-protected .xlsx.
pub fn encrypted_xlsx() -> Vec<u8> {
    let mut ole = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    ole.create_storage("/\u{6}DataSpaces").unwrap();
    ole.create_stream("/EncryptionInfo")
        .unwrap()
        .write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0])
        .unwrap();
    ole.create_stream("/EncryptedPackage")
        .unwrap()
        .write_all(&vec![0x5a; 9000])
        .unwrap();
    ole.flush().unwrap();
    ole.into_inner().into_inner()
}

pub const XLSX_CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;

/// A small .xlsx whose one sheet inflates to 300 MB of zeros.
pub fn zip_bomb_xlsx() -> Vec<u8> {
    // 300 MB of zeros as the sheet, streamed into the zip 1 MB at a time.
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("[Content_Types].xml", deflated).unwrap();
    z.write_all(XLSX_CONTENT_TYPES.as_bytes()).unwrap();
    z.start_file("xl/worksheets/sheet1.xml", deflated).unwrap();
    let chunk = vec![b'0'; 1 << 20];
    for _ in 0..300 {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// A tiny .xlsx whose sheet spans A1:XFD1048576.
pub fn sheet_claiming_billions_of_cells() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Estimate").unwrap();
    ws.write_string(0, 0, "Sl.No").unwrap();
    ws.write_string(1_048_575, 16_383, "far away").unwrap();
    wb.save_to_buffer().unwrap()
}

/// Rate-analysis and notes sheets, and no estimate header anywhere.
pub fn workbook_without_an_estimate() -> Vec<u8> {
    let mut wb = Workbook::new();
    datas_sheet(wb.add_worksheet().set_name("Datas").unwrap());
    wb.add_worksheet().set_name("Notes").unwrap();
    wb.save_to_buffer().unwrap()
}

/// A workbook with an `Estimate` sheet holding the title, the name-of-work line and the header
/// row (columns A..H); items go from row index 3 on.
pub fn estimate_workbook(name_of_work: &str) -> Workbook {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Estimate").unwrap();
    text(sheet, 0, 0, "ESTIMATE");
    text(sheet, 1, 0, &format!("Name of the work : {name_of_work}"));
    // Spelled out, not shared with render_xlsx.rs, which checks rendered output against its own
    // literal.
    let headers = [
        "Sl.No",
        "Quantity",
        "",
        "Item Description",
        "Rate",
        "Per",
        "",
        "Amount",
    ];
    for (col, header) in headers.iter().enumerate() {
        text(sheet, 2, col as u16, header);
    }
    workbook
}

/// An `Estimate` sheet of `items` priced items laid out as DOMAIN.md §1 describes (title, name of
/// work, header on row 3), with a stored amount formula per item and the ECV and grand-total
/// footer. The name of work makes each call's bytes distinct.
pub fn estimate_with_items(name_of_work: &str, items: u32) -> Vec<u8> {
    let mut workbook = estimate_workbook(name_of_work);
    let sheet = workbook.worksheet_from_name("Estimate").unwrap();
    for i in 0..items {
        let row = 3 + i;
        let quantity = f64::from(i % 97 + 1) * 1.25;
        let rate = f64::from(i % 389 + 10) * 10.5;
        let description = format!(
            "Supplying and laying item {i} including cost of materials, labour and transport"
        );
        let item = (
            f64::from(i + 1),
            quantity,
            "Nos",
            description.as_str(),
            rate,
            "No",
        );
        let amount = (quantity * rate * 100.0).round() / 100.0;
        priced_item(sheet, row, item, &amount.to_string());
    }
    let footer = 3 + items;
    text(sheet, footer, 3, "ECV");
    sheet
        .write_formula(footer, 7, Formula::new(format!("=SUM(H4:H{footer})")))
        .unwrap();
    text(sheet, footer + 1, 3, "Grand Total");
    num(sheet, footer + 1, 7, 1.0e9);
    workbook.save_to_buffer().unwrap()
}

/// A superseded version kept on a hidden tab before the current one, as offices keep it: the
/// worked example twice, `Estimate old` hidden. The source of `fixtures/hidden.xls|ods`.
pub fn hidden_sheet_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 1, 15).unwrap();
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let old = workbook.add_worksheet().set_name("Estimate old").unwrap();
    domain_example_sheet(old);
    old.set_hidden(true);
    let current = workbook.add_worksheet().set_name("Estimate").unwrap();
    domain_example_sheet(current);
    // The tab shown on opening: a workbook's active sheet cannot be hidden.
    current.set_active(true);
    workbook.save_to_buffer().unwrap()
}

/// What every format of [`hidden_sheet_workbook`] parses to: both estimates, and one warning,
/// on the hidden one.
pub fn assert_hidden_sheet_warned(parsed: &ParsedWorkbook) {
    let names: Vec<&str> = parsed.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Estimate old", "Estimate"]);
    let hidden: Vec<(&str, &str)> = parsed
        .warnings
        .iter()
        .filter(|w| w.message.contains("hidden"))
        .map(|w| (w.cell.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(
        hidden,
        [(
            "'Estimate old'!A1",
            "this sheet is hidden in the workbook, as a superseded version often is; it was read \
             as an estimate all the same, so check that it is the one sanctioned before billing \
             against it"
        )],
        "one warning, on the hidden sheet only"
    );
}
