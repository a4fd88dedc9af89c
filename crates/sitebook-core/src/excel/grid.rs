//! The in-memory sheet model the estimate parser works on: a sparse grid of
//! typed cells plus merged regions, and A1-style cell references.
//!
//! Keeping this independent of calamine lets the parsing rules be tested on
//! grids built by hand, and keeps memory proportional to the cells that hold
//! something (a stray cell at XFD1048576 costs one entry, not a dense grid).

use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// Merges up to this many cells are looked up through a per-cell index;
/// estimate merges are a few cells (B:C, A:H, a description over 3 rows).
const SMALL_MERGE_CELLS: u64 = 1024;
/// Cap on the per-cell merge index, so a file full of merges cannot make
/// the index huge.
const MAX_INDEXED_MERGE_CELLS: u64 = 1_000_000;
/// Cap on larger merges, which are searched one by one.
const MAX_LARGE_MERGES: usize = 1_000;

/// One cell's content, already converted from the file format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CellValue {
    /// Nothing in the cell.
    #[default]
    Empty,
    /// A number, exact.
    Number(Decimal),
    /// Text as stored (dates are given as ISO text).
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A formula error value such as `#REF!` or `#DIV/0!`.
    Error(String),
    /// A formula whose result was never stored in the file (files written by
    /// openpyxl and similar tools), so the value is unknown.
    FormulaWithoutValue,
}

impl CellValue {
    /// True for [`CellValue::Empty`] and for text that is only whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The trimmed text of a text cell, `None` for other kinds or blank text.
    pub fn text(&self) -> Option<&str> {
        match self {
            CellValue::Text(t) if !t.trim().is_empty() => Some(t.trim()),
            _ => None,
        }
    }
}

/// A rectangle of merged cells, 0-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergedRegion {
    /// First row (0-based).
    pub first_row: u32,
    /// First column (0-based).
    pub first_col: u32,
    /// Last row (0-based, inclusive).
    pub last_row: u32,
    /// Last column (0-based, inclusive).
    pub last_col: u32,
}

impl MergedRegion {
    /// Whether the region covers the given cell.
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }

    /// Whether the region spans more than one column.
    pub fn is_wide(&self) -> bool {
        self.last_col > self.first_col
    }

    /// Parses `"B3:C3"`; `None` when malformed.
    pub fn from_a1(range: &str) -> Option<Self> {
        let (start, end) = range.split_once(':')?;
        let (first_row, first_col) = parse_cell_ref(start)?;
        let (last_row, last_col) = parse_cell_ref(end)?;
        Some(Self {
            first_row: first_row.min(last_row),
            first_col: first_col.min(last_col),
            last_row: first_row.max(last_row),
            last_col: first_col.max(last_col),
        })
    }
}

/// One sheet: its name, the non-empty cells and the merged regions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetGrid {
    name: String,
    // Rows in order, each holding its cells sorted by column: the parser
    // reads a handful of cells per row, so a row lookup plus a search
    // among a few cells beats a lookup among every cell of the sheet.
    rows: BTreeMap<u32, Vec<(u32, CellValue)>>,
    cell_count: usize,
    merges: Vec<MergedRegion>,
    // The parser asks "which merge covers this cell?" for every row, so
    // small merges are indexed by cell and only the few large ones scanned.
    merge_by_cell: HashMap<(u32, u32), usize>,
    large_merges: Vec<usize>,
}

impl SheetGrid {
    /// An empty sheet with the given name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// The sheet's name as shown on its tab.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Stores a value at a 0-based position; storing `Empty` removes the cell.
    pub fn set(&mut self, row: u32, col: u32, value: CellValue) {
        if value == CellValue::Empty {
            if let Some(cells) = self.rows.get_mut(&row) {
                if let Ok(i) = cells.binary_search_by_key(&col, |&(c, _)| c) {
                    cells.remove(i);
                    self.cell_count -= 1;
                    if cells.is_empty() {
                        self.rows.remove(&row);
                    }
                }
            }
            return;
        }
        let cells = self.rows.entry(row).or_default();
        // Readers deliver cells left to right, so appending is the norm.
        match cells.last() {
            Some(&(last, _)) if last < col => {
                cells.push((col, value));
                self.cell_count += 1;
            }
            None => {
                cells.push((col, value));
                self.cell_count += 1;
            }
            _ => match cells.binary_search_by_key(&col, |&(c, _)| c) {
                Ok(i) => cells[i].1 = value,
                Err(i) => {
                    cells.insert(i, (col, value));
                    self.cell_count += 1;
                }
            },
        }
    }

    /// Stores a value at an A1 reference such as `"H12"`.
    ///
    /// # Panics
    /// When the reference is malformed; this is a convenience for building
    /// grids in code and tests, where a bad literal is a programming error.
    pub fn set_a1(&mut self, cell: &str, value: CellValue) {
        let (row, col) =
            parse_cell_ref(cell).unwrap_or_else(|| panic!("bad cell reference {cell:?}"));
        self.set(row, col, value);
    }

    /// The value at a 0-based position (`Empty` when nothing is stored).
    pub fn get(&self, row: u32, col: u32) -> &CellValue {
        const EMPTY: CellValue = CellValue::Empty;
        self.rows
            .get(&row)
            .and_then(|cells| {
                cells
                    .binary_search_by_key(&col, |&(c, _)| c)
                    .ok()
                    .map(|i| &cells[i].1)
            })
            .unwrap_or(&EMPTY)
    }

    /// Records a merged region. Beyond what any estimate needs (a million
    /// merged cells in small merges, a thousand large merges) further
    /// merges are ignored rather than allowed to slow every lookup.
    pub fn add_merge(&mut self, region: MergedRegion) {
        // Readers of damaged files may hand over corners in either order.
        let region = MergedRegion {
            first_row: region.first_row.min(region.last_row),
            first_col: region.first_col.min(region.last_col),
            last_row: region.first_row.max(region.last_row),
            last_col: region.first_col.max(region.last_col),
        };
        let rows = u64::from(region.last_row - region.first_row) + 1;
        let cols = u64::from(region.last_col - region.first_col) + 1;
        let area = rows * cols;
        let index = self.merges.len();
        if area <= SMALL_MERGE_CELLS
            && self.merge_by_cell.len() as u64 + area <= MAX_INDEXED_MERGE_CELLS
        {
            for row in region.first_row..=region.last_row {
                for col in region.first_col..=region.last_col {
                    self.merge_by_cell.entry((row, col)).or_insert(index);
                }
            }
        } else if self.large_merges.len() < MAX_LARGE_MERGES {
            self.large_merges.push(index);
        } else {
            return;
        }
        self.merges.push(region);
    }

    /// All merged regions.
    pub fn merges(&self) -> &[MergedRegion] {
        &self.merges
    }

    /// The merged region covering a cell, if any.
    pub fn merge_at(&self, row: u32, col: u32) -> Option<&MergedRegion> {
        if let Some(&i) = self.merge_by_cell.get(&(row, col)) {
            return Some(&self.merges[i]);
        }
        self.large_merges
            .iter()
            .map(|&i| &self.merges[i])
            .find(|m| m.contains(row, col))
    }

    /// Number of non-empty cells stored.
    pub fn cell_count(&self) -> usize {
        self.cell_count
    }

    /// The distinct rows that hold at least one cell, in order.
    pub fn rows(&self) -> Vec<u32> {
        self.rows.keys().copied().collect()
    }

    /// The cells of one row, left to right, as `(col, value)`.
    pub fn row_cells(&self, row: u32) -> impl DoubleEndedIterator<Item = (u32, &CellValue)> {
        self.rows
            .get(&row)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|(col, value)| (*col, value))
    }
}

/// Column letters for a 0-based column: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letters(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// A1 reference for a 0-based position: (11, 7) → `H12`.
pub fn cell_ref(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col), row as u64 + 1)
}

/// Parses an A1 reference (`"H12"`, `"$H$12"`) into a 0-based (row, col).
pub fn parse_cell_ref(cell: &str) -> Option<(u32, u32)> {
    let cell = cell.trim().replace('$', "");
    let split = cell.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = cell.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    let col = letters.bytes().fold(0u32, |acc, b| {
        acc * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32
    }) - 1;
    let row: u32 = digits.parse().ok()?;
    if row == 0 {
        return None;
    }
    Some((row - 1, col))
}

/// A reference naming sheet and cell the way spreadsheets do: `Estimate!H12`,
/// or `'Abstract Estimate'!H12` when the name needs quoting.
pub fn qualified_ref(sheet: &str, row: u32, col: u32) -> String {
    format!("{}!{}", quoted_sheet_name(sheet), cell_ref(row, col))
}

/// Quotes a sheet name when it holds anything but letters, digits, `_` and `.`.
pub fn quoted_sheet_name(sheet: &str) -> String {
    let plain = !sheet.is_empty()
        && sheet
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    if plain {
        sheet.to_string()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_round_trip() {
        for (col, letters) in [(0, "A"), (7, "H"), (25, "Z"), (26, "AA"), (16383, "XFD")] {
            assert_eq!(column_letters(col), letters);
            assert_eq!(parse_cell_ref(&format!("{letters}1")), Some((0, col)));
        }
        assert_eq!(cell_ref(11, 7), "H12");
        assert_eq!(parse_cell_ref("$H$12"), Some((11, 7)));
        assert_eq!(parse_cell_ref("H0"), None);
        assert_eq!(parse_cell_ref("12"), None);
    }

    #[test]
    fn sheet_names_are_quoted_only_when_needed() {
        assert_eq!(qualified_ref("Estimate", 11, 7), "Estimate!H12");
        assert_eq!(qualified_ref("My Est", 0, 0), "'My Est'!A1");
        assert_eq!(qualified_ref("Bob's", 0, 0), "'Bob''s'!A1");
    }

    #[test]
    fn grid_is_sparse_and_ordered() {
        let mut g = SheetGrid::new("S");
        g.set_a1("XFD1048576", CellValue::Text("far".into()));
        g.set_a1("B2", CellValue::Text("b".into()));
        g.set_a1("A2", CellValue::Text("a".into()));
        assert_eq!(g.cell_count(), 3);
        assert_eq!(g.rows(), vec![1, 1_048_575]);
        let row: Vec<u32> = g.row_cells(1).map(|(c, _)| c).collect();
        assert_eq!(row, vec![0, 1]);
        g.set_a1("B2", CellValue::Empty);
        assert_eq!(g.cell_count(), 2);
        g.set_a1("A2", CellValue::Text("again".into()));
        g.set_a1("A2", CellValue::Empty);
        assert_eq!(g.cell_count(), 1);
        assert_eq!(g.rows(), vec![1_048_575]);
    }

    #[test]
    fn merges_are_found_whether_small_or_large() {
        let mut g = SheetGrid::new("S");
        g.add_merge(MergedRegion::from_a1("B3:C3").unwrap());
        g.add_merge(MergedRegion::from_a1("A10:Z2000").unwrap());
        assert_eq!(
            g.merge_at(2, 2),
            Some(&MergedRegion::from_a1("B3:C3").unwrap())
        );
        assert_eq!(g.merge_at(2, 3), None);
        assert!(g.merge_at(1999, 25).is_some_and(|m| m.first_row == 9));
        assert_eq!(g.merge_at(2000, 0), None);
        assert_eq!(g.merges().len(), 2);
    }
}
