//! The in-memory sheet model the estimate parser works on: a sparse grid of
//! typed cells plus merged regions, and A1-style cell references.
//!
//! Keeping this independent of calamine lets the parsing rules be tested on
//! grids built by hand, and keeps memory proportional to the cells that hold
//! something (a stray cell at XFD1048576 costs one entry, not a dense grid).

use rust_decimal::Decimal;
use std::collections::HashMap;

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

/// One cell as stored: 0-based row and column, and the value.
type Entry = (u32, u32, CellValue);

/// One sheet: its name, the non-empty cells and the merged regions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetGrid {
    name: String,
    // Every cell in one vector, sorted by row then column, with the index
    // where each row starts: readers deliver cells in that order, so
    // storing a cell is an append, and the parser walks whole rows as
    // slices instead of looking each cell up.
    cells: Vec<Entry>,
    row_starts: Vec<(u32, usize)>,
    merges: Vec<MergedRegion>,
    // The parser asks "which merge covers this cell?" for every row, so
    // small merges are indexed by cell and only the few large ones scanned.
    merge_by_cell: HashMap<(u32, u32), usize>,
    large_merges: Vec<usize>,
    /// Hidden in the workbook (its tab not shown), as offices hide a superseded version.
    hidden: bool,
}

/// The cells of one row of a [`SheetGrid`].
#[derive(Debug, Clone, Copy)]
pub struct RowCells<'a> {
    row: u32,
    cells: &'a [Entry],
}

impl<'a> RowCells<'a> {
    /// The row's 0-based index.
    pub fn row(&self) -> u32 {
        self.row
    }

    /// The value in a column of this row (`Empty` when nothing is stored).
    pub fn get(&self, col: u32) -> &'a CellValue {
        const EMPTY: CellValue = CellValue::Empty;
        let cells = self.cells;
        match cells.binary_search_by_key(&col, |&(_, c, _)| c) {
            Ok(i) => &cells[i].2,
            Err(_) => &EMPTY,
        }
    }

    /// The row's cells, left to right, as `(col, value)`.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u32, &'a CellValue)> + 'a {
        self.cells.iter().map(|(_, col, value)| (*col, value))
    }
}

impl SheetGrid {
    /// An empty sheet with the given name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// A sheet holding the given `(row, col, value)` cells, as if each were
    /// [`set`](Self::set) in turn: a later cell replaces an earlier one at
    /// the same position, and `Empty` removes it. Cells already in row-major
    /// order are taken as they are; others are sorted, so building costs
    /// O(n log n) whatever order a (possibly hostile) file lists them in.
    pub fn from_cells(name: impl Into<String>, cells: Vec<(u32, u32, CellValue)>) -> Self {
        let mut grid = Self::new(name);
        grid.replace_cells(cells);
        grid
    }

    /// Adds cells as [`from_cells`](Self::from_cells) does, after the ones
    /// already stored.
    pub fn extend_cells(&mut self, cells: Vec<(u32, u32, CellValue)>) {
        if cells.is_empty() {
            return;
        }
        let mut all = std::mem::take(&mut self.cells);
        all.extend(cells);
        self.replace_cells(all);
    }

    fn replace_cells(&mut self, mut cells: Vec<Entry>) {
        let in_order = cells
            .windows(2)
            .all(|pair| (pair[0].0, pair[0].1) < (pair[1].0, pair[1].1));
        if !in_order {
            // Stable, so that among cells at one position the last given
            // is the last of its run, and wins.
            cells.sort_by_key(|&(row, col, _)| (row, col));
            cells.dedup_by(|later, kept| {
                let same = (later.0, later.1) == (kept.0, kept.1);
                if same {
                    std::mem::swap(&mut later.2, &mut kept.2);
                }
                same
            });
        }
        if cells.iter().any(|(_, _, value)| *value == CellValue::Empty) {
            cells.retain(|(_, _, value)| *value != CellValue::Empty);
        }
        self.row_starts.clear();
        for (i, &(row, _, _)) in cells.iter().enumerate() {
            if self.row_starts.last().is_none_or(|&(last, _)| last != row) {
                self.row_starts.push((row, i));
            }
        }
        self.cells = cells;
    }

    /// The sheet's name as shown on its tab.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the workbook hides the sheet's tab.
    pub fn is_hidden(&self) -> bool {
        self.hidden
    }

    /// Marks the sheet hidden (or shown) as the workbook says.
    pub fn set_hidden(&mut self, hidden: bool) {
        self.hidden = hidden;
    }

    /// Index into `row_starts` of a row, or where it would go.
    fn find_row(&self, row: u32) -> Result<usize, usize> {
        self.row_starts.binary_search_by_key(&row, |&(r, _)| r)
    }

    /// The range of `cells` holding row number `row_starts[index]`.
    fn row_span(&self, index: usize) -> std::ops::Range<usize> {
        let start = self.row_starts[index].1;
        let end = self
            .row_starts
            .get(index + 1)
            .map_or(self.cells.len(), |&(_, s)| s);
        start..end
    }

    /// Shifts the start of every row after `index` by one cell.
    fn shift_rows_after(&mut self, index: usize, grow: bool) {
        for (_, start) in &mut self.row_starts[index + 1..] {
            if grow {
                *start += 1;
            } else {
                *start -= 1;
            }
        }
    }

    /// Stores a value at a 0-based position; storing `Empty` removes the cell.
    ///
    /// Appending in row-major order (what readers do) is O(1); storing out
    /// of order moves the cells after the position, so build large grids
    /// from arbitrary orders with [`from_cells`](Self::from_cells).
    pub fn set(&mut self, row: u32, col: u32, value: CellValue) {
        let appends = self
            .cells
            .last()
            .is_none_or(|&(r, c, _)| (r, c) < (row, col));
        if appends {
            if value == CellValue::Empty {
                return;
            }
            if self.row_starts.last().is_none_or(|&(r, _)| r != row) {
                self.row_starts.push((row, self.cells.len()));
            }
            self.cells.push((row, col, value));
            return;
        }
        match self.find_row(row) {
            Ok(index) => {
                let span = self.row_span(index);
                let found = self.cells[span.clone()].binary_search_by_key(&col, |&(_, c, _)| c);
                match (found, value) {
                    (Ok(i), CellValue::Empty) => {
                        self.cells.remove(span.start + i);
                        self.shift_rows_after(index, false);
                        if span.len() == 1 {
                            self.row_starts.remove(index);
                        }
                    }
                    (Ok(i), value) => self.cells[span.start + i].2 = value,
                    (Err(_), CellValue::Empty) => {}
                    (Err(i), value) => {
                        self.cells.insert(span.start + i, (row, col, value));
                        self.shift_rows_after(index, true);
                    }
                }
            }
            Err(index) => {
                if value == CellValue::Empty {
                    return;
                }
                let at = self
                    .row_starts
                    .get(index)
                    .map_or(self.cells.len(), |&(_, s)| s);
                self.cells.insert(at, (row, col, value));
                self.row_starts.insert(index, (row, at));
                self.shift_rows_after(index, true);
            }
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
        self.row(row).get(col)
    }

    /// One row's cells (none when the row holds nothing).
    pub fn row(&self, row: u32) -> RowCells<'_> {
        let cells = match self.find_row(row) {
            Ok(index) => &self.cells[self.row_span(index)],
            Err(_) => &[],
        };
        RowCells { row, cells }
    }

    /// The rows that hold at least one cell, in order, from `first` on.
    pub fn rows_from(&self, first: u32) -> impl Iterator<Item = RowCells<'_>> {
        let skip = self.find_row(first).unwrap_or_else(|i| i);
        (skip..self.row_starts.len()).map(move |index| RowCells {
            row: self.row_starts[index].0,
            cells: &self.cells[self.row_span(index)],
        })
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
        self.cells.len()
    }

    /// The distinct rows that hold at least one cell, in order.
    pub fn rows(&self) -> Vec<u32> {
        self.row_starts.iter().map(|&(row, _)| row).collect()
    }

    /// The cells of one row, left to right, as `(col, value)`.
    pub fn row_cells(&self, row: u32) -> impl DoubleEndedIterator<Item = (u32, &CellValue)> {
        self.row(row).iter()
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
    fn cells_in_bulk_read_as_if_set_one_by_one() {
        // Out of order, repeated (the later wins) and emptied positions.
        let cells = vec![
            (5, 2, CellValue::Text("late row".into())),
            (0, 3, CellValue::Text("first".into())),
            (0, 1, CellValue::Bool(true)),
            (5, 2, CellValue::Text("replaced".into())),
            (2, 0, CellValue::Text("gone".into())),
            (2, 0, CellValue::Empty),
            (0, 0, CellValue::Text("left".into())),
        ];
        let mut one_by_one = SheetGrid::new("S");
        for (row, col, value) in cells.clone() {
            one_by_one.set(row, col, value);
        }
        assert_eq!(SheetGrid::from_cells("S", cells.clone()), one_by_one);
        assert_eq!(one_by_one.rows(), vec![0, 5]);
        assert_eq!(one_by_one.get(5, 2), &CellValue::Text("replaced".into()));

        let (first, rest) = cells.split_at(3);
        let mut in_two = SheetGrid::from_cells("S", first.to_vec());
        in_two.extend_cells(rest.to_vec());
        assert_eq!(in_two, one_by_one);
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
