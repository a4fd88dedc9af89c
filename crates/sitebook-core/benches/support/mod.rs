//! What the benchmarks share: the top of a generated estimate sheet, laid out as DOMAIN.md §1
//! describes (title, name of work, then the header row on row 3).

use rust_xlsxwriter::{Workbook, Worksheet};

/// The header texts of the estimate columns A..H.
const HEADERS: [&str; 8] = [
    "Sl.No",
    "Quantity",
    "",
    "Item Description",
    "Rate",
    "Per",
    "",
    "Amount",
];

/// A workbook with an `Estimate` sheet holding the title, the name-of-work line and the header
/// row; items go from row index 3 on.
pub fn estimate_workbook(name_of_work: &str) -> Workbook {
    let mut workbook = Workbook::new();
    let sheet: &mut Worksheet = workbook.add_worksheet().set_name("Estimate").unwrap();
    sheet.write_string(0, 0, "ESTIMATE").unwrap();
    sheet
        .write_string(1, 0, format!("Name of the work : {name_of_work}"))
        .unwrap();
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string(2, col as u16, *header).unwrap();
    }
    workbook
}
