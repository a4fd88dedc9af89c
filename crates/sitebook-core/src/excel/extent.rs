//! Cheap scans that find how big each sheet is (or claims to be) before
//! calamine reads it, one per format:
//!
//! - xlsx/xlsm: the `<dimension ref="…">` at the top of each sheet's XML;
//! - xls: the DIMENSIONS record and the cell records' positions in the
//!   `Workbook` stream (calamine reserves the declared size and then builds
//!   a dense grid over every sheet when the file is opened);
//! - ods: the row and column repeat counts in `content.xml` (calamine
//!   expands repeated non-empty rows and cells into a dense grid).
//!
//! None of these allocate in proportion to the claimed size.

use super::grid::{cell_ref, parse_cell_ref, MergedRegion};
use super::xmlscan::{TagKind, TagScanner};
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Cursor, Read};

/// How far into a worksheet's XML the `<dimension>` element is looked for;
/// it precedes the cell data, so a few kilobytes are normally enough.
const DIMENSION_SCAN_BYTES: u64 = 4 << 20;

/// The extent of one sheet, as declared or as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetExtent {
    /// Sheet name (or the entry path when the name is unknown).
    pub sheet: String,
    /// Number of rows spanned.
    pub rows: u64,
    /// Number of columns spanned.
    pub cols: u64,
    /// Where the figure comes from, for the error message.
    pub source: String,
}

impl SheetExtent {
    /// Rows × columns, the size of a dense grid over the sheet.
    pub fn cells(&self) -> u64 {
        self.rows.saturating_mul(self.cols)
    }
}

fn local_name(name: &[u8]) -> &[u8] {
    name.rsplit(|&b| b == b':').next().unwrap_or(name)
}

type ZipArchive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Every worksheet part of an xlsx/xlsm archive, by sheet name, and the parts under
/// `xl/worksheets/` that the workbook does not list (by path), which still get checked.
fn xlsx_worksheet_parts(archive: &mut ZipArchive<'_>) -> Vec<(String, String)> {
    let mut sheets = xlsx_sheet_paths(archive).unwrap_or_default();
    let listed: Vec<String> = sheets.iter().map(|(_, p)| p.clone()).collect();
    let unlisted: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("xl/worksheets/") && n.ends_with(".xml"))
        .filter(|n| !n[14..].contains('/'))
        .map(|n| n.into_owned())
        .filter(|n| !listed.contains(n))
        .collect();
    sheets.extend(unlisted.into_iter().map(|p| (p.clone(), p)));
    sheets
}

/// The declared dimension of every worksheet in an xlsx/xlsm archive.
pub fn xlsx_extents(archive: &mut ZipArchive<'_>) -> io::Result<Vec<SheetExtent>> {
    let sheets = xlsx_worksheet_parts(archive);
    let mut extents = Vec::new();
    for (sheet, path) in sheets {
        let Ok(entry) = archive.by_name(&path) else {
            continue;
        };
        let reader = BufReader::new(entry.take(DIMENSION_SCAN_BYTES));
        if let Some(range) = scan_dimension(reader)? {
            if let Some((rows, cols)) = range_size(&range) {
                extents.push(SheetExtent {
                    sheet,
                    rows,
                    cols,
                    source: format!("declares the range {range}"),
                });
            }
        }
    }
    Ok(extents)
}

/// The fewest bytes one cell element takes in worksheet XML (`<c/>`).
const MIN_CELL_ELEMENT_BYTES: u64 = 4;

/// How many cell elements, empty ones included, a workbook may hold per filled cell allowed.
/// Formatted blank cells (`<c r="B2" s="3"/>`) are normal, but calamine still walks each one.
pub const CELL_ELEMENTS_PER_FILLED_CELL: u64 = 4;

/// A workbook found, while unpacking, to hold more cells than allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyCellElements {
    pub sheet: String,
    /// True when the filled cells passed the limit; false when all cell elements, empty ones
    /// included, passed [`CELL_ELEMENTS_PER_FILLED_CELL`] times it.
    pub filled: bool,
}

/// Counts the cell elements (`<c …>`, with any namespace prefix) of the worksheets while
/// inflating them, and stops as soon as the workbook's filled cells pass `max_cells`, or its
/// cell elements of any kind pass [`CELL_ELEMENTS_PER_FILLED_CELL`] × `max_cells`.
///
/// A sheet need not declare its size, and cells need not carry a reference, so neither the
/// `<dimension>` nor the positions bound the work calamine would do; only the cells themselves
/// do. Parts too small to pass what is left of the budget are not inflated at all (their
/// largest possible count, one cell per four bytes of declared size, is charged instead), so an
/// ordinary workbook costs nothing here and a hostile one is refused after inflating a few
/// bytes per allowed cell.
pub fn xlsx_cell_elements_over(
    archive: &mut ZipArchive<'_>,
    max_cells: u64,
) -> io::Result<Option<TooManyCellElements>> {
    let max_elements = max_cells.saturating_mul(CELL_ELEMENTS_PER_FILLED_CELL);
    // What earlier parts hold at most (uninflated ones) or exactly (counted ones).
    let (mut filled, mut elements) = (0u64, 0u64);
    for (sheet, path) in xlsx_worksheet_parts(archive) {
        let Ok(entry) = archive.by_name(&path) else {
            continue;
        };
        let most = entry.size() / MIN_CELL_ELEMENT_BYTES;
        if filled.saturating_add(most) <= max_cells {
            filled += most;
            elements += most;
            continue;
        }
        let mut counter = CellElementCounter::default();
        let mut reader = entry;
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let read = reader.read(&mut chunk)?;
            if read == 0 {
                break;
            }
            counter.feed(&chunk[..read]);
            let over_filled = filled.saturating_add(counter.filled) > max_cells;
            let all = counter.filled.saturating_add(counter.empty);
            if over_filled || elements.saturating_add(all) > max_elements {
                return Ok(Some(TooManyCellElements {
                    sheet,
                    filled: over_filled,
                }));
            }
        }
        filled = filled.saturating_add(counter.filled);
        elements = elements.saturating_add(counter.filled.saturating_add(counter.empty));
    }
    Ok(None)
}

/// Where [`CellElementCounter`] is in the XML.
#[derive(Default, Clone, Copy)]
enum CounterState {
    #[default]
    Outside,
    /// In a tag's name: its length so far and its last two bytes.
    Name { len: u32, last: u8, before_last: u8 },
    /// In a cell's start tag, past its name: the open quote, if any, and the previous byte.
    CellTag { quote: Option<u8>, previous: u8 },
}

/// Counts cell start tags, filled (`<c …>…</c>`) and empty (`<c …/>`), across chunk boundaries.
#[derive(Default)]
struct CellElementCounter {
    filled: u64,
    empty: u64,
    state: CounterState,
}

impl CellElementCounter {
    fn feed(&mut self, mut bytes: &[u8]) {
        while let Some((&b, rest)) = bytes.split_first() {
            match self.state {
                CounterState::Outside => {
                    let Some(at) = bytes.iter().position(|&b| b == b'<') else {
                        return;
                    };
                    self.state = CounterState::Name {
                        len: 0,
                        last: 0,
                        before_last: 0,
                    };
                    bytes = &bytes[at + 1..];
                    continue;
                }
                CounterState::Name {
                    len,
                    last,
                    before_last,
                } => {
                    if matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>') {
                        let is_cell =
                            last == b'c' && (len == 1 || (len > 2 && before_last == b':'));
                        self.state = match (is_cell, b) {
                            (false, _) => CounterState::Outside,
                            (true, b'>') => {
                                self.filled += 1;
                                CounterState::Outside
                            }
                            (true, _) => CounterState::CellTag {
                                quote: None,
                                previous: b,
                            },
                        };
                    } else {
                        self.state = CounterState::Name {
                            len: len.saturating_add(1),
                            last: b,
                            before_last: last,
                        };
                    }
                }
                CounterState::CellTag { quote, previous } => {
                    self.state = match quote {
                        Some(q) if b == q => CounterState::CellTag {
                            quote: None,
                            previous: b,
                        },
                        Some(_) => CounterState::CellTag { quote, previous: b },
                        None if b == b'"' || b == b'\'' => CounterState::CellTag {
                            quote: Some(b),
                            previous: b,
                        },
                        None if b == b'>' => {
                            if previous == b'/' {
                                self.empty += 1;
                            } else {
                                self.filled += 1;
                            }
                            CounterState::Outside
                        }
                        None => CounterState::CellTag { quote, previous: b },
                    };
                }
            }
            bytes = rest;
        }
    }
}

/// The `uniqueCount` an xlsx shared-string table declares. calamine
/// reserves room for that many strings when the workbook is opened, so an
/// absurd figure in a tiny file would exhaust memory.
pub fn xlsx_shared_string_count(archive: &mut ZipArchive<'_>) -> io::Result<Option<u64>> {
    let Some(path) = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"))
        .map(|n| n.into_owned())
    else {
        return Ok(None);
    };
    let entry = archive.by_name(&path).map_err(io::Error::other)?;
    let mut scanner = TagScanner::new(BufReader::new(entry.take(DIMENSION_SCAN_BYTES)));
    loop {
        match scanner.next_tag() {
            Ok(Some(tag)) if local_name(tag.name) == b"sst" => {
                return Ok(tag
                    .attr("uniqueCount")
                    .and_then(|c| c.trim().parse::<u64>().ok()));
            }
            Ok(Some(_)) => {}
            Ok(None) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

/// The merged regions of every worksheet in an xlsx/xlsm archive, keyed by
/// sheet name. calamine can report them too, but only by parsing each
/// sheet's XML a second time in full; `<mergeCells>` follows the cell data,
/// so here the inflated XML is searched for it byte-wise and only that
/// element is parsed. `None` when the sheet parts cannot be located, so the
/// caller can fall back to calamine.
///
/// `inflated` is a part the caller has already inflated, as its entry name
/// and XML, so that it is not inflated a second time.
pub fn xlsx_merged_regions(
    bytes: &[u8],
    inflated: Option<(&str, &[u8])>,
) -> Option<HashMap<String, Vec<MergedRegion>>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let sheets = xlsx_sheet_paths(&mut archive).ok()?;
    let mut out = HashMap::new();
    for (name, path) in sheets {
        let regions = match inflated {
            Some((entry, xml)) if entry == path => merge_cells_in(xml),
            _ => merge_cells_in(archive.by_name(&path).ok()?),
        };
        out.insert(name, regions.ok()?);
    }
    Some(out)
}

/// Finds `<mergeCells>` (with any namespace prefix) in a worksheet's XML
/// and reads its `<mergeCell ref="…">` children.
fn merge_cells_in(mut xml: impl Read) -> io::Result<Vec<MergedRegion>> {
    const NEEDLE: &[u8] = b"mergeCells";
    const CHUNK: usize = 64 * 1024;
    // Enough overlap between chunks for the needle and a short prefix.
    const OVERLAP: usize = 64;
    // The worksheet XML is megabytes of cells before this element; a
    // vectorised search keeps the scan a small fraction of inflating it.
    let finder = memchr::memmem::Finder::new(NEEDLE);
    let mut window: Vec<u8> = Vec::with_capacity(CHUNK + OVERLAP);
    loop {
        let kept = window.len();
        window.resize(kept + CHUNK, 0);
        let n = xml.read(&mut window[kept..])?;
        window.truncate(kept + n);
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut from = 0;
        while let Some(found) = finder.find(&window[from..]) {
            let at = from + found;
            if let Some(tag_start) = tag_start_before(&window, at) {
                let rest = Cursor::new(window[tag_start..].to_vec()).chain(xml);
                return read_merge_cells(BufReader::new(rest));
            }
            from = at + 1;
        }
        let keep = window.len().saturating_sub(OVERLAP);
        window.drain(..keep);
    }
}

/// The `<` opening the element whose local name starts at `at`, when the
/// bytes before it are `<` or `<prefix:`.
fn tag_start_before(window: &[u8], at: usize) -> Option<usize> {
    let before = &window[..at];
    match before.last()? {
        b'<' => Some(at - 1),
        b':' => {
            let prefix_len = before[..before.len() - 1]
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            let lt = before.len() - 1 - prefix_len;
            (lt > 0 && before[lt - 1] == b'<' && prefix_len > 0).then(|| lt - 1)
        }
        _ => None,
    }
}

fn read_merge_cells(xml: impl BufRead) -> io::Result<Vec<MergedRegion>> {
    let mut scanner = TagScanner::new(xml);
    let mut regions = Vec::new();
    while let Some(tag) = scanner.next_tag()? {
        match (local_name(tag.name), tag.kind) {
            (b"mergeCell", TagKind::Start | TagKind::Empty) => {
                if let Some(region) = tag.attr("ref").and_then(|r| MergedRegion::from_a1(&r)) {
                    regions.push(region);
                }
            }
            (b"mergeCells", TagKind::End) => break,
            _ => {}
        }
    }
    Ok(regions)
}

/// Sheet names and their part paths, from `xl/workbook.xml` and its rels.
fn xlsx_sheet_paths(archive: &mut ZipArchive<'_>) -> io::Result<Vec<(String, String)>> {
    let mut id_to_target = HashMap::new();
    {
        let rels = archive
            .by_name("xl/_rels/workbook.xml.rels")
            .map_err(io::Error::other)?;
        let mut scanner = TagScanner::new(BufReader::new(rels));
        while let Some(tag) = scanner.next_tag()? {
            if local_name(tag.name) == b"Relationship" {
                if let (Some(id), Some(target)) = (tag.attr("Id"), tag.attr("Target")) {
                    let path = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_string(),
                        None => format!("xl/{}", target.trim_start_matches("./")),
                    };
                    id_to_target.insert(id.into_owned(), path);
                }
            }
        }
    }
    let workbook = archive
        .by_name("xl/workbook.xml")
        .map_err(io::Error::other)?;
    let mut scanner = TagScanner::new(BufReader::new(workbook));
    let mut sheets = Vec::new();
    while let Some(tag) = scanner.next_tag()? {
        if local_name(tag.name) == b"sheet" && tag.kind != TagKind::End {
            if let (Some(name), Some(id)) = (tag.attr("name"), tag.attr_local("id")) {
                if let Some(path) = id_to_target.get(id.as_ref()) {
                    sheets.push((name.into_owned(), path.clone()));
                }
            }
        }
    }
    Ok(sheets)
}

/// The `ref` of the sheet's `<dimension>`, if it comes before the cells.
fn scan_dimension(reader: impl BufRead) -> io::Result<Option<String>> {
    let mut scanner = TagScanner::new(reader);
    loop {
        match scanner.next_tag() {
            Ok(Some(tag)) => match local_name(tag.name) {
                b"dimension" => return Ok(tag.attr("ref").map(|r| r.into_owned())),
                b"sheetData" => return Ok(None),
                _ => {}
            },
            Ok(None) => return Ok(None),
            // The scan window ended inside a tag; the streaming reader
            // still bounds what is actually read.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

/// Rows and columns spanned by `"A1:XFD1048576"` or `"B3"`.
pub fn range_size(range: &str) -> Option<(u64, u64)> {
    let (start, end) = range.split_once(':').unwrap_or((range, range));
    let (r1, c1) = parse_cell_ref(start)?;
    let (r2, c2) = parse_cell_ref(end)?;
    Some((
        u64::from(r1.abs_diff(r2)) + 1,
        u64::from(c1.abs_diff(c2)) + 1,
    ))
}

/// Attributes that give a self-closing .ods cell a value or a formula.
const ODS_VALUE_ATTRS: [&str; 7] = [
    "office:value-type",
    "office:value",
    "office:string-value",
    "office:date-value",
    "office:time-value",
    "office:boolean-value",
    "table:formula",
];

/// Most merged regions recorded from an .ods; more than this is not an
/// estimate, and the parser only needs the ones near the header anyway.
const MAX_ODS_MERGES: usize = 1_000_000;

/// The extent of every table in an .ods `content.xml`, counting repeated
/// rows and cells the way calamine expands them.
pub fn ods_extents(content_xml: impl BufRead) -> io::Result<Vec<SheetExtent>> {
    Ok(scan_ods(content_xml, false)?.0)
}

/// The merged regions of every table in an .ods `content.xml` (calamine
/// does not report them for this format), keyed by sheet name.
pub fn ods_merged_regions(
    content_xml: impl BufRead,
) -> io::Result<HashMap<String, Vec<MergedRegion>>> {
    Ok(scan_ods(content_xml, true)?.1)
}

type OdsScan = (Vec<SheetExtent>, HashMap<String, Vec<MergedRegion>>);

fn scan_ods(content_xml: impl BufRead, collect_merges: bool) -> io::Result<OdsScan> {
    #[derive(Default)]
    struct Table {
        name: String,
        row: u64,
        row_repeat: u64,
        col: u64,
        row_has_content: bool,
        max_row: Option<u64>,
        max_col: Option<u64>,
    }
    fn finish(table: Table, out: &mut Vec<SheetExtent>) {
        if let (Some(r), Some(c)) = (table.max_row, table.max_col) {
            out.push(SheetExtent {
                source: format!(
                    "has content up to row {} and column {} once repeated rows and cells are expanded",
                    r.saturating_add(1),
                    c.saturating_add(1)
                ),
                sheet: table.name,
                rows: r.saturating_add(1),
                cols: c.saturating_add(1),
            });
        }
    }
    let repeat = |v: Option<std::borrow::Cow<'_, str>>| -> u64 {
        v.and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    };

    let mut out = Vec::new();
    let mut merges: HashMap<String, Vec<MergedRegion>> = HashMap::new();
    let mut merge_count = 0usize;
    let mut scanner = TagScanner::new(content_xml);
    let mut table: Option<Table> = None;
    // Depth of cells we are inside, so sub-tables in cells are not counted
    // as rows of the outer table.
    let mut cell_depth = 0u32;
    while let Some(tag) = scanner.next_tag()? {
        match (tag.name, tag.kind) {
            (b"table:table", TagKind::Start) if cell_depth == 0 => {
                if let Some(t) = table.take() {
                    finish(t, &mut out);
                }
                table = Some(Table {
                    name: tag.attr("table:name").unwrap_or_default().into_owned(),
                    ..Table::default()
                });
            }
            (b"table:table", TagKind::End) if cell_depth == 0 => {
                if let Some(t) = table.take() {
                    finish(t, &mut out);
                }
            }
            (b"table:table-row", TagKind::Start | TagKind::Empty) if cell_depth == 0 => {
                if let Some(t) = table.as_mut() {
                    t.row_repeat = repeat(tag.attr("table:number-rows-repeated"));
                    t.col = 0;
                    t.row_has_content = false;
                    if tag.kind == TagKind::Empty {
                        t.row = t.row.saturating_add(t.row_repeat);
                    }
                }
            }
            (b"table:table-row", TagKind::End) if cell_depth == 0 => {
                if let Some(t) = table.as_mut() {
                    if t.row_has_content {
                        let last = t.row.saturating_add(t.row_repeat.saturating_sub(1));
                        t.max_row = Some(t.max_row.map_or(last, |m| m.max(last)));
                    }
                    t.row = t.row.saturating_add(t.row_repeat);
                }
            }
            (b"table:table-cell" | b"table:covered-table-cell", kind) => {
                if kind == TagKind::End {
                    cell_depth = cell_depth.saturating_sub(1);
                    continue;
                }
                if cell_depth > 0 {
                    if kind == TagKind::Start {
                        cell_depth += 1;
                    }
                    continue;
                }
                let Some(t) = table.as_mut() else { continue };
                let count = repeat(tag.attr("table:number-columns-repeated"));
                let spanned_cols = repeat(tag.attr("table:number-columns-spanned"));
                let spanned_rows = repeat(tag.attr("table:number-rows-spanned"));
                if collect_merges
                    && (spanned_cols > 1 || spanned_rows > 1)
                    && merge_count < MAX_ODS_MERGES
                {
                    let region = (
                        u32::try_from(t.row),
                        u32::try_from(t.col),
                        u32::try_from(t.row.saturating_add(spanned_rows.saturating_sub(1))),
                        u32::try_from(t.col.saturating_add(spanned_cols.saturating_sub(1))),
                    );
                    if let (Ok(first_row), Ok(first_col), Ok(last_row), Ok(last_col)) = region {
                        merge_count += 1;
                        merges
                            .entry(t.name.clone())
                            .or_default()
                            .push(MergedRegion {
                                first_row,
                                first_col,
                                last_row,
                                last_col,
                            });
                    }
                }
                // A cell with children (text), a value or a formula holds
                // something (as calamine judges it); a bare self-closing
                // cell is only formatting.
                let has_content =
                    kind == TagKind::Start || ODS_VALUE_ATTRS.iter().any(|a| tag.has_attr(a));
                if has_content {
                    let last = t.col.saturating_add(count.saturating_sub(1));
                    t.max_col = Some(t.max_col.map_or(last, |m| m.max(last)));
                    t.row_has_content = true;
                }
                t.col = t.col.saturating_add(count);
                if kind == TagKind::Start {
                    cell_depth += 1;
                }
            }
            _ => {}
        }
    }
    if let Some(t) = table.take() {
        finish(t, &mut out);
    }
    Ok((out, merges))
}

/// What the BIFF scan of an .xls `Workbook` stream found.
#[derive(Debug, Default)]
pub struct XlsScan {
    /// A FILEPASS record: the workbook is encrypted.
    pub password_protected: bool,
    /// Per sheet, the larger of the declared and the actual extent.
    pub extents: Vec<SheetExtent>,
    /// A record that would make the reader fail or misbehave.
    pub damaged: Option<&'static str>,
}

const BIFF_BOF: u16 = 0x0809;
const BIFF_EOF: u16 = 0x000A;
const BIFF_FILEPASS: u16 = 0x002F;
const BIFF_BOUNDSHEET: u16 = 0x0085;
const BIFF_DIMENSIONS: u16 = 0x0200;
const BIFF_MULRK: u16 = 0x00BD;
const BIFF_FORMULA: u16 = 0x0006;
/// Records that carry one cell at (row, col) in their first four bytes and
/// that calamine turns into grid cells.
const BIFF_SINGLE_CELLS: [u16; 7] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006];

fn le_u16(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn le_u32(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Walks the BIFF records of an .xls `Workbook` stream.
pub fn xls_scan(stream: &[u8]) -> XlsScan {
    #[derive(Default)]
    struct SheetScan {
        name: String,
        declared: Option<(u64, u64)>,
        min: Option<(u32, u32)>,
        max: Option<(u32, u32)>,
    }
    impl SheetScan {
        fn see(&mut self, row: u32, col: u32) {
            self.min = Some(
                self.min
                    .map_or((row, col), |(r, c)| (r.min(row), c.min(col))),
            );
            self.max = Some(
                self.max
                    .map_or((row, col), |(r, c)| (r.max(row), c.max(col))),
            );
        }
        fn into_extent(self) -> Option<SheetExtent> {
            let used = match (self.min, self.max) {
                (Some((r1, c1)), Some((r2, c2))) => Some((
                    u64::from(r2 - r1) + 1,
                    u64::from(c2 - c1) + 1,
                    format!("has cells up to {}", cell_ref(r2, c2)),
                )),
                _ => None,
            };
            let declared = self.declared.map(|(rows, cols)| {
                (
                    rows,
                    cols,
                    format!("declares {rows} rows by {cols} columns"),
                )
            });
            let (rows, cols, source) = match (used, declared) {
                (Some(u), Some(d)) => {
                    if d.0.saturating_mul(d.1) > u.0.saturating_mul(u.1) {
                        d
                    } else {
                        u
                    }
                }
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) => return None,
            };
            Some(SheetExtent {
                sheet: self.name,
                rows,
                cols,
                source,
            })
        }
    }

    let mut scan = XlsScan::default();
    let mut sheet_names: HashMap<u32, String> = HashMap::new();
    let mut depth = 0u32;
    let mut seen_globals = false;
    let mut current: Option<SheetScan> = None;
    let mut offset = 0usize;
    while let (Some(typ), Some(len)) = (le_u16(stream, offset), le_u16(stream, offset + 2)) {
        let start = offset;
        let data_start = offset + 4;
        let data_end = data_start + len as usize;
        let Some(data) = stream.get(data_start..data_end) else {
            break;
        };
        offset = data_end;
        match typ {
            BIFF_BOF => {
                if depth == 0 {
                    if seen_globals {
                        current = Some(SheetScan {
                            name: sheet_names
                                .get(&(start as u32))
                                .cloned()
                                .unwrap_or_else(|| format!("sheet at offset {start}")),
                            ..SheetScan::default()
                        });
                    }
                    seen_globals = true;
                }
                depth += 1;
            }
            BIFF_EOF => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some(extent) = current.take().and_then(SheetScan::into_extent) {
                        scan.extents.push(extent);
                    }
                }
            }
            // Only the sheet's own substream (depth 1) feeds its grid;
            // embedded charts have their own BOF/EOF.
            _ if depth != 1 => {}
            BIFF_FILEPASS if current.is_none() => {
                // Everything after this record is encrypted.
                scan.password_protected = true;
                return scan;
            }
            BIFF_BOUNDSHEET if current.is_none() => {
                if let (Some(pos), Some(name)) = (le_u32(data, 0), boundsheet_name(data)) {
                    if pos as usize >= stream.len() {
                        scan.damaged = Some("a sheet starts beyond the end of the workbook");
                        return scan;
                    }
                    sheet_names.insert(pos, name);
                }
            }
            BIFF_DIMENSIONS => {
                if let Some(sheet) = current.as_mut() {
                    match calamine_reserved_extent(data) {
                        Ok(Some(extent)) => sheet.declared = Some(extent),
                        Ok(None) => {}
                        Err(why) => {
                            scan.damaged = Some(why);
                            return scan;
                        }
                    }
                }
            }
            BIFF_MULRK => {
                if let Some(sheet) = current.as_mut() {
                    // Row, first column, 6 bytes per cell, last column.
                    let fields = (
                        le_u16(data, 0),
                        le_u16(data, 2),
                        le_u16(data, data.len().saturating_sub(2)),
                    );
                    match fields {
                        (Some(row), Some(first), Some(last))
                            if data.len() >= 6
                                && last >= first
                                && data.len() == 6 + 6 * (usize::from(last - first) + 1) =>
                        {
                            sheet.see(row.into(), first.into());
                            sheet.see(row.into(), last.into());
                        }
                        _ => {
                            scan.damaged = Some("a multiple-number record is inconsistent");
                            return scan;
                        }
                    }
                }
            }
            // calamine slices the formula tokens by the length stored in
            // the record without checking it.
            BIFF_FORMULA
                if current.is_some()
                    && (data.len() < 22
                        || 22 + usize::from(le_u16(data, 20).unwrap_or(0)) > data.len()) =>
            {
                scan.damaged = Some("a formula record is shorter than it says");
                return scan;
            }
            t if BIFF_SINGLE_CELLS.contains(&t) => {
                if let (Some(sheet), Some(row), Some(col)) =
                    (current.as_mut(), le_u16(data, 0), le_u16(data, 2))
                {
                    sheet.see(row.into(), col.into());
                }
            }
            _ => {}
        }
    }
    if let Some(extent) = current.take().and_then(SheetScan::into_extent) {
        scan.extents.push(extent);
    }
    scan
}

/// The rows × columns calamine reserves for a DIMENSIONS record, computed
/// the way it does (so that what is checked is what would be allocated).
/// Records it would reject are ignored; first/last figures that would make
/// its arithmetic wrap are an error.
fn calamine_reserved_extent(data: &[u8]) -> Result<Option<(u64, u64)>, &'static str> {
    let wide = |at| le_u16(data, at).map(u32::from);
    let fields = match data.len() {
        10 => (wide(0), wide(2), wide(4), wide(6)),
        14 | 16 => (le_u32(data, 0), le_u32(data, 4), wide(8), wide(10)),
        _ => return Ok(None),
    };
    let (Some(first_row), Some(row_end), Some(mut first_col), Some(col_end)) = fields else {
        return Ok(None);
    };
    if first_col > 0xFF || col_end < first_col {
        first_col = 0;
    }
    if row_end == 0 || col_end == 0 {
        return Ok(Some((1, 1)));
    }
    // The "end" figures are one past the last row and column.
    if first_row > row_end - 1 {
        return Err("the sheet dimensions are inconsistent");
    }
    Ok(Some((
        u64::from(row_end - first_row),
        u64::from(col_end - first_col),
    )))
}

/// The sheet name in a BOUNDSHEET record (BIFF8 layout, with a BIFF5
/// fallback when the flags byte is absent).
fn boundsheet_name(data: &[u8]) -> Option<String> {
    let cch = *data.get(6)? as usize;
    let flags = *data.get(7)?;
    if flags & 0x01 != 0 {
        let bytes = data.get(8..8 + cch * 2)?;
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        Some(String::from_utf16_lossy(&units))
    } else if let Some(bytes) = data.get(8..8 + cch) {
        Some(bytes.iter().map(|&b| b as char).collect())
    } else {
        let bytes = data.get(7..7 + cch)?;
        Some(bytes.iter().map(|&b| b as char).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_sizes() {
        assert_eq!(range_size("A1:XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(range_size("B3"), Some((1, 1)));
        assert_eq!(range_size("A1:H40"), Some((40, 8)));
        assert_eq!(range_size("nonsense"), None);
    }

    #[test]
    fn merge_cells_are_found_after_the_cell_data() {
        let mut xml = String::from(r#"<worksheet><sheetData>"#);
        for r in 1..5000 {
            xml.push_str(&format!(
                r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>mergeCells {r}</t></is></c></row>"#
            ));
        }
        xml.push_str(r#"</sheetData><x:mergeCells count="2"><x:mergeCell ref="B3:C3"/><x:mergeCell ref="A13:H13"/></x:mergeCells></worksheet>"#);
        let regions = merge_cells_in(xml.as_bytes()).unwrap();
        assert_eq!(
            regions,
            [
                MergedRegion::from_a1("B3:C3").unwrap(),
                MergedRegion::from_a1("A13:H13").unwrap()
            ]
        );
        assert!(merge_cells_in(&b"<worksheet><sheetData/></worksheet>"[..])
            .unwrap()
            .is_empty());
    }

    #[test]
    fn dimension_is_found_before_sheet_data() {
        let xml = br#"<?xml version="1.0"?><worksheet xmlns="x"><sheetPr/><dimension ref="A1:H40"/><sheetData><row r="1"/></sheetData></worksheet>"#;
        assert_eq!(scan_dimension(&xml[..]).unwrap().as_deref(), Some("A1:H40"));
        let no_dim = br#"<worksheet><sheetData><row r="1"><c r="A1"/></row></sheetData><dimension ref="A1:B2"/></worksheet>"#;
        assert_eq!(scan_dimension(&no_dim[..]).unwrap(), None);
    }

    #[test]
    fn cell_elements_are_counted_across_chunks_with_or_without_a_prefix() {
        let xml = br#"<worksheet><cols><col min="1"/></cols><sheetData><row><c/><c r="A2"><v>1</v></c><x:c>
<c
t="s" x="a/>b"></c><c r="C3" s="1" /><cell/><cfRule/></row></sheetData></worksheet>"#;
        for split in 0..xml.len() {
            let mut counter = CellElementCounter::default();
            counter.feed(&xml[..split]);
            counter.feed(&xml[split..]);
            assert_eq!((counter.filled, counter.empty), (3, 2), "split at {split}");
        }
    }

    #[test]
    fn ods_repeats_are_counted_without_expanding() {
        let xml = r#"<office:document-content><office:body><office:spreadsheet>
            <table:table table:name="Big">
              <table:table-column table:number-columns-repeated="16384"/>
              <table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>
              <table:table-row table:number-rows-repeated="1000000">
                <table:table-cell table:number-columns-repeated="3"/>
                <table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="200"/>
              </table:table-row>
              <table:table-row table:number-rows-repeated="48575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
            </table:table>
            <table:table table:name="Small"><table:table-row><table:table-cell/><table:table-cell><text:p>a</text:p></table:table-cell></table:table-row></table:table>
            </office:spreadsheet></office:body></office:document-content>"#;
        let extents = ods_extents(xml.as_bytes()).unwrap();
        assert_eq!(extents.len(), 2);
        assert_eq!((extents[0].rows, extents[0].cols), (1_000_001, 203));
        assert_eq!(extents[0].sheet, "Big");
        assert_eq!((extents[1].rows, extents[1].cols), (1, 2));
    }

    #[test]
    fn self_closing_ods_cells_with_a_formula_count_as_content() {
        let xml = r#"<table:table table:name="F"><table:table-row table:number-rows-repeated="10"><table:table-cell table:number-columns-repeated="500"/><table:table-cell table:formula="of:=1"/></table:table-row></table:table>"#;
        let extents = ods_extents(xml.as_bytes()).unwrap();
        assert_eq!((extents[0].rows, extents[0].cols), (10, 501));
    }

    #[test]
    fn ods_spans_become_merged_regions() {
        let xml = r#"<table:table table:name="E"><table:table-row><table:table-cell/><table:table-cell table:number-columns-spanned="2"><text:p>Quantity</text:p></table:table-cell><table:covered-table-cell/></table:table-row><table:table-row><table:table-cell table:number-rows-spanned="3" table:number-columns-spanned="1"/></table:table-row></table:table>"#;
        let merges = ods_merged_regions(xml.as_bytes()).unwrap();
        assert_eq!(
            merges["E"],
            [
                MergedRegion::from_a1("B1:C1").unwrap(),
                MergedRegion::from_a1("A2:A4").unwrap()
            ]
        );
    }

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    #[test]
    fn xls_scan_reads_declared_and_used_extent_and_password() {
        let mut globals = record(BIFF_BOF, &[0x00, 0x06, 0x05, 0x00]);
        let mut boundsheet = vec![0u8; 4];
        boundsheet.extend_from_slice(&[0, 0, 4, 0]);
        boundsheet.extend_from_slice(b"Data");
        let boundsheet_len = 4 + boundsheet.len();
        let sheet_offset = globals.len() + boundsheet_len + 4;
        boundsheet[..4].copy_from_slice(&(sheet_offset as u32).to_le_bytes());
        globals.extend(record(BIFF_BOUNDSHEET, &boundsheet));
        globals.extend(record(BIFF_EOF, &[]));
        let mut sheet = record(BIFF_BOF, &[0x00, 0x06, 0x10, 0x00]);
        let mut dims = Vec::new();
        dims.extend_from_slice(&0u32.to_le_bytes());
        dims.extend_from_slice(&65536u32.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        dims.extend_from_slice(&256u16.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        sheet.extend(record(BIFF_DIMENSIONS, &dims));
        sheet.extend(record(0x0203, &[3, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        sheet.extend(record(BIFF_EOF, &[]));
        let stream = [globals.clone(), sheet].concat();
        let scan = xls_scan(&stream);
        assert!(!scan.password_protected);
        assert_eq!(scan.extents.len(), 1);
        assert_eq!(scan.extents[0].sheet, "Data");
        assert_eq!(scan.extents[0].cells(), 65536 * 256);

        // Dimensions whose first row is past the last would make calamine's
        // arithmetic wrap into an enormous reservation.
        let mut bad_dims = vec![0u8; 14];
        bad_dims[0..4].copy_from_slice(&9u32.to_le_bytes());
        bad_dims[4..8].copy_from_slice(&3u32.to_le_bytes());
        bad_dims[10..12].copy_from_slice(&4u16.to_le_bytes());
        let mut wrapped = globals.clone();
        wrapped.extend(record(BIFF_BOF, &[0x00, 0x06, 0x10, 0x00]));
        wrapped.extend(record(BIFF_DIMENSIONS, &bad_dims));
        assert!(xls_scan(&wrapped).damaged.is_some());

        let mut locked = record(BIFF_BOF, &[0x00, 0x06, 0x05, 0x00]);
        locked.extend(record(BIFF_FILEPASS, &[1, 0]));
        assert!(xls_scan(&locked).password_protected);
    }
}
