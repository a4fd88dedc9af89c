//! A direct reader for the plain shape of .xlsx worksheet XML, used before
//! calamine's streaming cell reader.
//!
//! calamine parses every event of a worksheet through a buffered XML
//! reader; on a 10,000-item estimate that is most of the parse time. Files
//! written by Excel, LibreOffice, openpyxl and rust_xlsxwriter almost
//! always use a small part of the format: `<row>`s of `<c>`s holding a
//! `<v>` and maybe an `<f>`, shared strings that are plain `<t>` runs, and
//! numbers in non-date formats. This module reads exactly that part from
//! the inflated XML and hands back calamine's own [`DataRef`] values, so
//! the conversion to cells stays shared with the calamine path.
//!
//! It is an optimisation only: whenever the package, the shared strings or
//! a sheet holds anything outside that part (inline strings, date formats,
//! entities other than the five predefined ones, comments, namespace
//! prefixes, values it cannot parse the way calamine does), the answer is
//! `None` and the caller reads the sheet with calamine, which then gives
//! the result, or the error, it always gave. So each rule here is written to
//! accept strictly less than calamine accepts, never more or differently.
//!
//! Why it is kept beside calamine: it makes the whole parse of an ordinary
//! estimate several times faster (BENCHMARKS.md, per estimate size). What
//! keeps it honest: no `unsafe`, calamine pinned to the exact version the
//! differential tests (`excel::reader`) proved it against, and a long seeded
//! differential run in CI (`scripts/test-all.sh`).

#![forbid(unsafe_code)]

use super::xmlscan::next_attribute;
use calamine::{CellErrorType, DataRef, Style};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// Whether a read failed because the inflated data does not match the entry's CRC (the zip
/// reader checks it when an entry is read to its end).
pub fn is_checksum_error(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::InvalidData
        && error.to_string().to_ascii_lowercase().contains("checksum")
}

/// Parts larger than this are left to calamine, which streams them; this
/// reader holds a whole part in memory.
const MAX_PART_BYTES: u64 = 64 << 20;

/// Number formats calamine reads as dates or durations by their id alone
/// (ECMA-376 §18.8.30 and the East Asian built-ins).
fn is_date_format_id(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// The workbook-wide parts the fast path needs, read once.
pub struct FastWorkbook<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Entry names by their lowercase form: calamine looks parts up
    /// case-insensitively.
    entries: HashMap<String, String>,
    /// Worksheet part paths by sheet name.
    sheet_paths: HashMap<String, String>,
    strings: Vec<String>,
    /// Worksheet parts inflated ahead of time, by entry name.
    prefetched: HashMap<String, Vec<u8>>,
    /// Entries read to their end here, so the zip reader has checked their CRC.
    verified: std::collections::HashSet<String>,
    /// The first entry whose data did not match its CRC.
    crc_failure: Option<String>,
    /// The first entry read here that declares a document type.
    doctype: Option<String>,
}

impl<'a> FastWorkbook<'a> {
    /// Reads the package layout and the shared strings, or `None` when
    /// either is outside what this reader handles.
    pub fn open(bytes: &'a [u8]) -> Option<Self> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let mut entries = HashMap::new();
        for name in archive.file_names() {
            let name = name.ok()?;
            // calamine also maps `\` to `/`; two names equal up to case would
            // make its lookup depend on the order of the directory.
            if name.contains('\\') {
                return None;
            }
            if entries
                .insert(name.to_ascii_lowercase(), name.to_string())
                .is_some()
            {
                return None;
            }
        }
        let mut workbook = Self {
            archive,
            entries,
            sheet_paths: HashMap::new(),
            strings: Vec::new(),
            prefetched: HashMap::new(),
            verified: std::collections::HashSet::new(),
            crc_failure: None,
            doctype: None,
        };
        workbook.check_workbook_location()?;
        workbook.read_sheet_paths()?;
        workbook.check_number_format_ids()?;
        if let Some(sst) = workbook.part("xl/sharedStrings.xml")? {
            workbook.strings = shared_strings(&sst)?;
        }
        Some(workbook)
    }

    /// Inflates the worksheet parts now, up to [`MAX_PART_BYTES`] in all,
    /// so that this can happen while calamine opens the workbook. A part
    /// that cannot be read here is simply read again later.
    pub fn prefetch_sheets(&mut self) {
        let mut paths: Vec<String> = self
            .sheet_paths
            .values()
            .filter_map(|path| self.entries.get(&path.to_ascii_lowercase()).cloned())
            .collect();
        paths.sort();
        paths.dedup();
        let mut total = 0;
        for path in paths {
            let Some(Some(xml)) = self.part(&path) else {
                continue;
            };
            total += xml.len() as u64;
            if total > MAX_PART_BYTES {
                break;
            }
            self.prefetched.insert(path, xml);
        }
    }

    /// A part's bytes: `Some(None)` when it does not exist, `None` when it
    /// cannot be read or is too large.
    fn part(&mut self, path: &str) -> Option<Option<Vec<u8>>> {
        let Some(name) = self.entries.get(&path.to_ascii_lowercase()) else {
            return Some(None);
        };
        let entry = self.archive.by_name(name).ok()?;
        if entry.size() > MAX_PART_BYTES {
            return None;
        }
        let mut data = Vec::with_capacity(entry.size() as usize);
        if let Err(error) = entry.take(MAX_PART_BYTES).read_to_end(&mut data) {
            if is_checksum_error(&error) {
                self.crc_failure.get_or_insert_with(|| name.clone());
            }
            return None;
        }
        self.verified.insert(name.clone());
        if super::xmlscan::declares_doctype(&data, true) {
            self.doctype.get_or_insert_with(|| name.clone());
        }
        // calamine decodes names and text as UTF-8 and fails on anything
        // else; this reader skips most of the text, so it checks up front.
        std::str::from_utf8(&data).ok()?;
        Some(Some(data))
    }

    /// Entries this reader read whole, whose CRC the zip reader therefore checked.
    pub fn verified_parts(&self) -> &std::collections::HashSet<String> {
        &self.verified
    }

    /// The first entry read here that declares a document type, if any.
    pub fn doctype_part(&self) -> Option<&str> {
        self.doctype.as_deref()
    }

    /// The first entry found not to match its CRC, if any.
    pub fn crc_failure(&self) -> Option<&str> {
        self.crc_failure.as_deref()
    }

    /// calamine finds the workbook through the package relationships and
    /// looks every other part up beside it; this reader assumes `xl/`.
    fn check_workbook_location(&mut self) -> Option<()> {
        let rels = self.part("_rels/.rels")??;
        let mut target = None;
        let mut xml = Xml::new(&rels)?;
        while let Some(tag) = xml.next_tag_anywhere()? {
            if tag.kind != Kind::End && tag.name == b"Relationship" {
                let [typ, value] = tag.attrs(["Type", "Target"])?;
                if typ.is_some_and(|t| t.ends_with(b"/relationships/officeDocument")) {
                    // Like calamine, the last one wins.
                    if let Some(value) = value {
                        target = Some(value);
                    }
                }
            }
        }
        matches!(target?, b"xl/workbook.xml" | b"/xl/workbook.xml").then_some(())
    }

    /// Sheet names to part paths, resolved the way calamine resolves them.
    fn read_sheet_paths(&mut self) -> Option<()> {
        let rels = self.part("xl/_rels/workbook.xml.rels")??;
        let mut targets = HashMap::new();
        let mut xml = Xml::new(&rels)?;
        while let Some(tag) = xml.next_tag_anywhere()? {
            if tag.kind != Kind::End && tag.name == b"Relationship" {
                let [id, target] = tag.attrs(["Id", "Target"])?;
                if let (Some(id), Some(target)) = (id, target) {
                    targets.insert(plain_text(id)?, plain_text(target)?);
                }
            }
        }
        let workbook = self.part("xl/workbook.xml")??;
        let mut xml = Xml::new(&workbook)?;
        while let Some(tag) = xml.next_tag_anywhere()? {
            if tag.kind == Kind::End || tag.name != b"sheet" {
                continue;
            }
            let [name, id] = tag.attrs(["name", "r:id"])?;
            // calamine takes the relationship from any `…:id` attribute.
            let mut ids = 0;
            tag.each_attr(|key, _| ids += usize::from(local_name(key) == b"id"))?;
            let (Some(name), Some(id), 1) = (name, id, ids) else {
                continue;
            };
            let Some(target) = targets.get(&plain_text(id)?) else {
                continue;
            };
            if target.starts_with("./") || target.contains("..") {
                return None;
            }
            let path = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("xl/{target}"),
            };
            if self.sheet_paths.insert(decoded(name)?, path).is_some() {
                return None;
            }
        }
        Some(())
    }

    /// A number format id calamine cannot parse as a number is matched
    /// against the custom formats as text, which [`Style`] does not show;
    /// such files are left to calamine.
    fn check_number_format_ids(&mut self) -> Option<()> {
        let Some(styles) = self.part("xl/styles.xml")? else {
            return Some(());
        };
        let mut xml = Xml::new(&styles)?;
        while let Some(tag) = xml.next_tag_anywhere()? {
            if tag.kind == Kind::End {
                continue;
            }
            if let [Some(id)] = tag.attrs(["numFmtId"])? {
                if id.is_empty() || id.len() > 9 || !id.iter().all(u8::is_ascii_digit) {
                    return None;
                }
            }
        }
        Some(())
    }

    /// The cells of one worksheet in file order, each turned by `keep` from
    /// `(row, col, value, has_formula)` into `Some(Some(cell))` to keep it,
    /// `Some(None)` to pass over it, or `None` to abandon the sheet, which
    /// is also abandoned once it holds more than `limit` cells. `None` when
    /// the sheet must be read by calamine (including when it was
    /// abandoned); otherwise the cells and the sheet's XML, for the caller
    /// to find its merged cells in.
    ///
    /// A large sheet is read in two halves on two threads: the second from
    /// a `<row r="…">` past the middle, the first up to it. The first half
    /// must arrive exactly there between two rows, which proves the split
    /// was a row boundary and not text that looks like one; otherwise the
    /// sheet is read again in one piece.
    pub fn read_sheet<T: Send>(
        &mut self,
        name: &str,
        styles: &[Style],
        limit: usize,
        keep: impl Fn(u32, u32, DataRef<'_>, bool) -> Option<Option<T>> + Sync,
    ) -> Option<(Vec<T>, SheetXml)> {
        let requested = self.sheet_paths.get(name)?.to_ascii_lowercase();
        let path = self.entries.get(&requested)?.clone();
        let xml = match self.prefetched.remove(&path) {
            Some(xml) => xml,
            None => self.part(&path)??,
        };
        let plain_styles: Vec<bool> = styles.iter().map(is_plain_number_style).collect();
        let mut cursor = Xml::new(&xml)?;
        cursor.find_sheet_data()?;
        let reader = SheetReader {
            strings: &self.strings,
            plain_styles: &plain_styles,
            limit,
        };
        let (bytes, start) = (cursor.bytes, cursor.at);
        let halves = split_point(bytes, start).and_then(|split| {
            std::thread::scope(|scope| {
                let second = std::thread::Builder::new()
                    .spawn_scoped(scope, || reader.read(bytes, split, None, &keep))
                    .ok()?;
                let first = reader.read(bytes, start, Some(split), &keep);
                let second = second.join().ok()?;
                let mut cells = first?;
                cells.extend(second?);
                Some(cells)
            })
        });
        let cells = match halves {
            Some(cells) => cells,
            None => reader.read(bytes, start, None, &keep)?,
        };
        Some((cells, SheetXml { entry: path, xml }))
    }
}

/// Sheets smaller than this are read on one thread.
const SPLIT_AT_BYTES: usize = 256 << 10;

/// Where to split the rows of `<sheetData>` starting at `start`: the first
/// `<row r="` past the middle, whose row number makes the second half
/// independent of the first.
fn split_point(bytes: &[u8], start: usize) -> Option<usize> {
    let length = bytes.len().checked_sub(start)?;
    if length < SPLIT_AT_BYTES {
        return None;
    }
    let middle = start + length / 2;
    memchr::memmem::find(&bytes[middle..], b"<row r=\"").map(|found| middle + found)
}

/// A worksheet part as read from the archive.
pub struct SheetXml {
    /// The zip entry's name.
    pub entry: String,
    /// The inflated XML.
    pub xml: Vec<u8>,
}

/// Whether calamine reads a number in this style as a plain number.
///
/// calamine decides from the xf's number format: a custom format is a date
/// when its code has date letters, a built-in one when its id is a date id.
/// A [`Style`] does not say which of the two applied, so a style counts as
/// plain only when both readings give a number: the id is not a date id,
/// and the code is `General` or has no ASCII letter at all.
fn is_plain_number_style(style: &Style) -> bool {
    match &style.number_format {
        None => true,
        Some(format) => {
            let id_ok = format.format_id.is_none_or(|id| !is_date_format_id(id));
            let code = &format.format_code;
            let code_ok = code == "General" || !code.bytes().any(|b| b.is_ascii_alphabetic());
            id_ok && code_ok
        }
    }
}

/// Attribute or text bytes as a `String`, when they hold no entity.
fn plain_text(raw: &[u8]) -> Option<String> {
    if raw.contains(&b'&') {
        return None;
    }
    std::str::from_utf8(raw).ok().map(str::to_string)
}

/// Text with the five predefined entities decoded; `None` for any other
/// reference or for bytes that are not UTF-8.
fn decoded(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?;
    if !text.contains('&') {
        return Some(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';')?;
        out.push(match &after[..semi] {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => return None,
        });
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Whether text is UTF-8 whose references are all predefined entities,
/// without decoding it.
fn well_formed_text(raw: &[u8]) -> Option<()> {
    std::str::from_utf8(raw).ok()?;
    let mut rest = raw;
    while let Some(amp) = memchr::memchr(b'&', rest) {
        let after = &rest[amp + 1..];
        let entity = ["amp;", "lt;", "gt;", "quot;", "apos;"]
            .iter()
            .find(|e| after.starts_with(e.as_bytes()))?;
        rest = &after[entity.len()..];
    }
    Some(())
}

/// The shared-string table, as calamine builds it: each `<si>` is the
/// concatenation of its `<t>` texts, each trimmed of ASCII whitespace unless
/// `xml:space="preserve"`.
fn shared_strings(sst: &[u8]) -> Option<Vec<String>> {
    let mut xml = Xml::new(sst)?;
    loop {
        let tag = xml.next_tag_anywhere()??;
        if tag.name == b"sst" && tag.kind == Kind::Start {
            break;
        }
        if local_name(tag.name) == b"sst" {
            return None;
        }
    }
    let mut strings = Vec::new();
    loop {
        let tag = xml.tag()?;
        match (tag.kind, tag.name) {
            (Kind::End, b"sst") => return Some(strings),
            (Kind::Empty, b"si") => strings.push(String::new()),
            (Kind::Start, b"si") => strings.push(string_item(&mut xml)?),
            _ => return None,
        }
    }
}

/// One `<si>` after its start tag, up to and including `</si>`.
fn string_item(xml: &mut Xml<'_>) -> Option<String> {
    let mut value = String::new();
    loop {
        let tag = xml.next_tag_skipping_text()?;
        // Phonetic runs are skipped by calamine; prefixed names are matched
        // by local name there. Neither is worth the code here.
        if tag.name.contains(&b':') || matches!(tag.name, b"rPh" | b"phoneticPr" | b"sst") {
            return None;
        }
        match (tag.kind, tag.name) {
            (Kind::End, b"si") => return Some(value),
            (Kind::Start | Kind::Empty, b"si") => return None,
            (Kind::Empty, b"t") => {}
            (Kind::Start, b"t") => {
                let [space] = tag.attrs(["xml:space"])?;
                let preserve = space == Some(b"preserve".as_slice());
                let raw = xml.text();
                if !xml.tag()?.is_end(b"t") {
                    return None;
                }
                let text = decoded(raw)?;
                // Line ends are normalised and `_xHHHH_` escapes decoded by
                // calamine; leave both to it.
                if text.contains('\r') || text.contains("_x") {
                    return None;
                }
                if preserve {
                    value.push_str(&text);
                } else {
                    value.push_str(text.trim_matches([' ', '\t', '\r', '\n']));
                }
            }
            (Kind::End, b"t") => return None,
            _ => {}
        }
    }
}

/// Walks `<sheetData>` keeping calamine's row and column counters, which
/// place cells that have no `r` attribute.
struct SheetReader<'s, 'p> {
    strings: &'s [String],
    plain_styles: &'p [bool],
    limit: usize,
}

/// Where a walk stands: the row and column a cell without `r` takes.
struct Position {
    row: u32,
    col: u32,
}

impl<'s> SheetReader<'s, '_> {
    /// The kept cells of the rows from `start`, up to `</sheetData>`, or
    /// when `end` is given, up to exactly that offset between two rows.
    fn read<T>(
        &self,
        bytes: &[u8],
        start: usize,
        end: Option<usize>,
        keep: &impl Fn(u32, u32, DataRef<'s>, bool) -> Option<Option<T>>,
    ) -> Option<Vec<T>> {
        let mut xml = Xml { bytes, at: start };
        let mut at = Position { row: 0, col: 0 };
        let mut cells = Vec::new();
        let mut keep = |row, col, value, formula| {
            if let Some(cell) = keep(row, col, value, formula)? {
                if cells.len() == self.limit {
                    return None;
                }
                cells.push(cell);
            }
            Some(())
        };
        loop {
            xml.skip_whitespace();
            if Some(xml.at) == end {
                return Some(cells);
            }
            let tag = xml.tag_here()?;
            match (tag.kind, tag.name) {
                (Kind::End, b"sheetData") if end.is_none() => return Some(cells),
                (Kind::Start | Kind::Empty, b"row") => {
                    if let [Some(r)] = tag.attrs(["r"])? {
                        at.row = row_number(r)?;
                    }
                    if tag.kind == Kind::Start {
                        self.read_row(&mut xml, &mut at, &mut keep)?;
                    }
                    at.row += 1;
                    at.col = 0;
                }
                _ => return None,
            }
        }
    }

    fn read_row(
        &self,
        xml: &mut Xml<'_>,
        at: &mut Position,
        keep: &mut impl FnMut(u32, u32, DataRef<'s>, bool) -> Option<()>,
    ) -> Option<()> {
        loop {
            if xml.literal(b"</row>") {
                return Some(());
            }
            let (empty, [r, s, t]) = match xml.cell_tag() {
                Some(cell) => cell,
                None => {
                    let tag = xml.tag()?;
                    match (tag.kind, tag.name) {
                        (Kind::End, b"row") => return Some(()),
                        (Kind::Start | Kind::Empty, b"c") => {
                            (tag.kind == Kind::Empty, tag.attrs(["r", "s", "t"])?)
                        }
                        _ => return None,
                    }
                }
            };
            let (row, col) = match r {
                Some(r) => {
                    let (row, col) = cell_position(r)?;
                    at.col = col;
                    (row, col)
                }
                None => (at.row, at.col),
            };
            let (value, formula) = if empty {
                (DataRef::Empty, false)
            } else {
                self.read_cell(xml, s, t)?
            };
            at.col += 1;
            keep(row, col, value, formula)?;
        }
    }

    /// The children of one `<c>`: the last `<v>` gives the value, any
    /// `<f>` makes it a formula.
    fn read_cell(
        &self,
        xml: &mut Xml<'_>,
        style: Option<&[u8]>,
        typ: Option<&[u8]>,
    ) -> Option<(DataRef<'s>, bool)> {
        let mut value = DataRef::Empty;
        let mut formula = false;
        loop {
            // The usual children, compared as whole literals before the
            // general tag reading.
            if xml.literal(b"</c>") {
                return Some((value, formula));
            }
            if xml.literal(b"<v>") {
                let text = xml.text();
                if !xml.literal(b"</v>") && !xml.tag()?.is_end(b"v") {
                    return None;
                }
                value = self.value(text, style, typ)?;
                continue;
            }
            if xml.literal(b"<f>") {
                well_formed_text(xml.text())?;
                if !xml.literal(b"</f>") && !xml.tag()?.is_end(b"f") {
                    return None;
                }
                formula = true;
                continue;
            }
            let tag = xml.tag()?;
            match (tag.kind, tag.name) {
                (Kind::End, b"c") => return Some((value, formula)),
                (Kind::Start | Kind::Empty, b"f") => {
                    check_formula_attrs(&tag)?;
                    if tag.kind == Kind::Start {
                        well_formed_text(xml.text())?;
                        if !xml.tag()?.is_end(b"f") {
                            return None;
                        }
                    }
                    formula = true;
                }
                (Kind::Start | Kind::Empty, b"v") => {
                    let text: &[u8] = if tag.kind == Kind::Start {
                        let text = xml.text();
                        if !xml.tag()?.is_end(b"v") {
                            return None;
                        }
                        text
                    } else {
                        b""
                    };
                    value = self.value(text, style, typ)?;
                }
                _ => return None,
            }
        }
    }

    /// A `<v>`'s text read by the cell's type, as calamine reads it.
    fn value(&self, text: &[u8], style: Option<&[u8]>, typ: Option<&[u8]>) -> Option<DataRef<'s>> {
        if text.contains(&b'&') {
            return None;
        }
        match typ {
            None | Some(b"n") => {
                if text.is_empty() {
                    return Some(DataRef::Empty);
                }
                if let Some(style) = style {
                    let index = number_value(digits(style)?)?;
                    // An index past the styles has no format: a number.
                    if !self.plain_styles.get(index).copied().unwrap_or(true) {
                        return None;
                    }
                }
                Some(DataRef::Float(plain_number(text)?))
            }
            Some(b"s") => {
                if text.is_empty() {
                    return Some(DataRef::Empty);
                }
                let index = number_value(digits(text)?)?;
                self.strings
                    .get(index)
                    .map(|s| DataRef::SharedString(s.as_str()))
            }
            Some(b"b") => match text {
                b"" => Some(DataRef::Empty),
                b"0" => Some(DataRef::Bool(false)),
                b"1" => Some(DataRef::Bool(true)),
                _ => None,
            },
            Some(b"e") => {
                if text.is_empty() {
                    return Some(DataRef::Empty);
                }
                let code: CellErrorType = std::str::from_utf8(text).ok()?.parse().ok()?;
                Some(DataRef::Error(code))
            }
            Some(b"str") => {
                let text = std::str::from_utf8(text).ok()?;
                if text.contains('\r') || text.contains("_x") {
                    return None;
                }
                Some(DataRef::String(text.to_string()))
            }
            _ => None,
        }
    }
}

/// calamine validates a shared formula's `si` and `ref`.
fn check_formula_attrs(tag: &Tag<'_>) -> Option<()> {
    let [t, si, range] = tag.attrs(["t", "si", "ref"])?;
    if t != Some(b"shared".as_slice()) {
        return Some(());
    }
    let si = digits(si?)?;
    if si.len() > 9 {
        return None;
    }
    if let Some(range) = range {
        let (first, last) = match range.iter().position(|&b| b == b':') {
            Some(i) => (&range[..i], &range[i + 1..]),
            None => (range, range),
        };
        let (r1, c1) = cell_position(first)?;
        let (r2, c2) = cell_position(last)?;
        if r2 < r1 || c2 < c1 {
            return None;
        }
    }
    Some(())
}

/// Non-empty ASCII digits, or `None`.
fn digits(text: &[u8]) -> Option<&[u8]> {
    (!text.is_empty() && text.len() <= 18 && text.iter().all(u8::is_ascii_digit)).then_some(text)
}

/// The value of at most 18 ASCII digits.
fn number_value(digits: &[u8]) -> Option<usize> {
    usize::try_from(
        digits
            .iter()
            .fold(0u64, |acc, &b| acc * 10 + u64::from(b - b'0')),
    )
    .ok()
}

/// A row number `1`..`9999999` as a 0-based row.
fn row_number(text: &[u8]) -> Option<u32> {
    let text = digits(text).filter(|t| t.len() <= 7 && t[0] != b'0')?;
    let row = text
        .iter()
        .fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0'));
    Some(row - 1)
}

/// `B12` as the 0-based (11, 1): one to three capitals, then the row.
fn cell_position(text: &[u8]) -> Option<(u32, u32)> {
    let letters = text.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if !(1..=3).contains(&letters) {
        return None;
    }
    let col = text[..letters]
        .iter()
        .fold(0u32, |acc, &b| acc * 26 + u32::from(b - b'A') + 1);
    Some((row_number(&text[letters..])?, col - 1))
}

/// A decimal number in the form spreadsheets write (`-12.5`, `1.2E-7`),
/// which every float parser reads to the same nearest `f64`.
fn plain_number(text: &[u8]) -> Option<f64> {
    let mut i = usize::from(text.first() == Some(&b'-'));
    let int_digits = text[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if int_digits == 0 {
        return None;
    }
    i += int_digits;
    if text.get(i) == Some(&b'.') {
        let frac = text[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if frac == 0 {
            return None;
        }
        i += 1 + frac;
    }
    if matches!(text.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(text.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = text[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp == 0 {
            return None;
        }
        i += exp;
    }
    if i != text.len() {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// Whether an XML declaration's `encoding`, if it has one, is UTF-8.
fn is_utf8_declaration(declaration: &[u8]) -> bool {
    let Some(at) = memchr::memmem::find(declaration, b"encoding") else {
        return true;
    };
    let Some(rest) = declaration[at + 8..].trim_ascii_start().strip_prefix(b"=") else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    let Some((&quote, rest)) = rest.split_first() else {
        return false;
    };
    matches!(quote, b'"' | b'\'')
        && rest
            .iter()
            .position(|&b| b == quote)
            .is_some_and(|end| rest[..end].eq_ignore_ascii_case(b"utf-8"))
}

fn local_name(name: &[u8]) -> &[u8] {
    name.rsplit(|&b| b == b':').next().unwrap_or(name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Start,
    End,
    Empty,
}

/// One tag of an in-memory XML part.
struct Tag<'x> {
    kind: Kind,
    name: &'x [u8],
    attrs: &'x [u8],
}

impl<'x> Tag<'x> {
    fn is_end(&self, name: &[u8]) -> bool {
        self.kind == Kind::End && self.name == name
    }

    /// The raw values of the wanted attributes. `None` when the attribute
    /// list is malformed or names a wanted attribute twice.
    fn attrs<const N: usize>(&self, wanted: [&str; N]) -> Option<[Option<&'x [u8]>; N]> {
        let mut found = [None; N];
        let mut twice = false;
        self.each_attr(|key, value| {
            if let Some(slot) = wanted.iter().position(|w| w.as_bytes() == key) {
                twice |= found[slot].replace(value).is_some();
            }
        })?;
        (!twice).then_some(found)
    }

    /// Calls `f` with each attribute's name and raw value; `None` when the
    /// list is malformed.
    fn each_attr(&self, mut f: impl FnMut(&'x [u8], &'x [u8])) -> Option<()> {
        let mut rest = self.attrs;
        loop {
            if rest.trim_ascii_start().is_empty() {
                return Some(());
            }
            let (key, value, after) = next_attribute(rest)?;
            if key.is_empty() || key.iter().any(|b| b.is_ascii_whitespace()) {
                return None;
            }
            if value.contains(&b'<') {
                return None;
            }
            rest = after;
            // Attributes are separated by whitespace.
            if rest.first().is_some_and(|b| !b.is_ascii_whitespace()) {
                return None;
            }
            f(key, value);
        }
    }
}

/// A cursor over XML text that knows tags and nothing else: comments,
/// processing instructions (past the declaration), CDATA and doctypes all
/// stop it.
struct Xml<'x> {
    bytes: &'x [u8],
    at: usize,
}

impl<'x> Xml<'x> {
    /// `None` when the XML declaration names an encoding other than UTF-8.
    fn new(bytes: &'x [u8]) -> Option<Self> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut xml = Self { bytes, at: 0 };
        xml.skip_whitespace();
        if xml.bytes[xml.at..].starts_with(b"<?xml") {
            let declaration = &xml.bytes[xml.at..];
            match memchr::memmem::find(declaration, b"?>") {
                // Another declared encoding would make the bytes mean
                // something else to calamine.
                Some(end) if is_utf8_declaration(&declaration[..end]) => xml.at += end + 2,
                _ => return None,
            }
        }
        Some(xml)
    }

    fn skip_whitespace(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    /// Whether `literal` follows (after whitespace); if so, moves past it.
    fn literal<const N: usize>(&mut self, literal: &[u8; N]) -> bool {
        self.skip_whitespace();
        // Compared as arrays, which compiles to a few integer comparisons.
        let next = self.bytes.get(self.at..self.at + N);
        let found = next
            .and_then(|next| <&[u8; N]>::try_from(next).ok())
            .is_some_and(|next| next == literal);
        if found {
            self.at += N;
        }
        found
    }

    /// A `<c>` start tag whose attributes are all written `name="value"`,
    /// read in one pass, as whether it is empty (`<c …/>`) and its `r`, `s`
    /// and `t`. `None`, with the cursor unmoved, for anything else, which
    /// the general tag reading then judges.
    fn cell_tag(&mut self) -> Option<(bool, [Option<&'x [u8]>; 3])> {
        let bytes = self.bytes;
        let mut i = self.at;
        if bytes.get(i..i + 2)? != b"<c" {
            return None;
        }
        i += 2;
        let mut found = [None; 3];
        loop {
            match bytes.get(i)? {
                b'>' => {
                    self.at = i + 1;
                    return Some((false, found));
                }
                b'/' if bytes.get(i + 1) == Some(&b'>') => {
                    self.at = i + 2;
                    return Some((true, found));
                }
                b if b.is_ascii_whitespace() => {}
                _ => return None,
            }
            while bytes.get(i)?.is_ascii_whitespace() {
                i += 1;
            }
            if matches!(bytes[i], b'>' | b'/') {
                continue;
            }
            let name_len = bytes[i..].iter().position(|&b| {
                b.is_ascii_whitespace() || matches!(b, b'=' | b'>' | b'/' | b'<' | b'"' | b'\'')
            })?;
            let name = &bytes[i..i + name_len];
            i += name_len;
            if name.is_empty() || bytes.get(i..i + 2)? != b"=\"" {
                return None;
            }
            i += 2;
            // Values are a few bytes: a plain loop beats a vector search.
            let value_len = bytes[i..].iter().position(|&b| b == b'"' || b == b'<')?;
            if bytes[i + value_len] == b'<' {
                return None;
            }
            let value = &bytes[i..i + value_len];
            i += value_len + 1;
            let slot = match name {
                b"r" => 0,
                b"s" => 1,
                b"t" => 2,
                _ => continue,
            };
            if found[slot].replace(value).is_some() {
                return None;
            }
        }
    }

    /// The text up to the next `<` (or the end).
    fn text(&mut self) -> &'x [u8] {
        let rest = &self.bytes[self.at..];
        // Mostly a number or an index: a plain loop beats a vector search.
        let len = rest.iter().position(|&b| b == b'<').unwrap_or(rest.len());
        self.at += len;
        &rest[..len]
    }

    /// The next tag, after whitespace only.
    fn tag(&mut self) -> Option<Tag<'x>> {
        self.skip_whitespace();
        self.tag_here()
    }

    /// The next tag, passing over any text.
    fn next_tag_skipping_text(&mut self) -> Option<Tag<'x>> {
        self.text();
        self.tag_here()
    }

    /// The next tag, passing over text; `Some(None)` at the end.
    fn next_tag_anywhere(&mut self) -> Option<Option<Tag<'x>>> {
        self.text();
        if self.at == self.bytes.len() {
            return Some(None);
        }
        self.tag_here().map(Some)
    }

    /// Positions the cursor just inside `<sheetData>`, or on its own end
    /// tag when it is written `<sheetData/>`.
    fn find_sheet_data(&mut self) -> Option<()> {
        loop {
            self.text();
            let tag = self.tag_here()?;
            if local_name(tag.name) != b"sheetData" {
                continue;
            }
            // calamine stops at the first element with this local name,
            // prefixed or not.
            if tag.name != b"sheetData" {
                return None;
            }
            match tag.kind {
                Kind::Start => return Some(()),
                Kind::Empty => {
                    self.bytes = b"</sheetData>";
                    self.at = 0;
                    return Some(());
                }
                Kind::End => return None,
            }
        }
    }

    fn tag_here(&mut self) -> Option<Tag<'x>> {
        let rest = &self.bytes[self.at..];
        if rest.first() != Some(&b'<') {
            return None;
        }
        let (mut kind, name_start) = match rest.get(1)? {
            b'!' | b'?' => return None,
            b'/' => (Kind::End, 2),
            _ => (Kind::Start, 1),
        };
        let name_len = rest[name_start..].iter().position(|&b| {
            b.is_ascii_whitespace() || matches!(b, b'>' | b'/' | b'<' | b'"' | b'\'')
        })?;
        let name_end = name_start + name_len;
        let name = &rest[name_start..name_end];
        // Most tags have no attributes (`<v>`, `</c>`); the rest are
        // searched from quote to quote, since a `>` inside an attribute
        // value does not end the tag.
        let mut end = name_end;
        let mut quote = None;
        loop {
            let b = *rest.get(end)?;
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'>' => break,
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'<' => return None,
                None => {}
            }
            end += 1;
        }
        let mut attrs = &rest[name_end..end];
        if let Some(before_slash) = attrs.strip_suffix(b"/") {
            if kind == Kind::End {
                return None;
            }
            kind = Kind::Empty;
            attrs = before_slash;
        }
        self.at += end + 1;
        // A `<` inside an attribute value is refused when the value is read. Attributes are
        // set off from the name by white space: `<c/r="B1">` is not a cell with a reference,
        // and calamine reads no cell there.
        let glued = attrs.first().is_some_and(|b| !b.is_ascii_whitespace());
        let malformed =
            name.is_empty() || glued || (kind == Kind::End && !attrs.trim_ascii().is_empty());
        if malformed {
            return None;
        }
        Some(Tag { kind, name, attrs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_utf8_declarations_are_read() {
        assert!(is_utf8_declaration(br#"<?xml version="1.0""#));
        assert!(is_utf8_declaration(
            br#"<?xml version="1.0" encoding = 'utf-8'"#
        ));
        assert!(!is_utf8_declaration(
            br#"<?xml version="1.0" encoding="ISO-8859-1" x="UTF-8""#
        ));
        assert!(Xml::new(br#"<?xml version="1.0" encoding="UTF-16"?><a/>"#).is_none());
    }

    #[test]
    fn positions_and_numbers_follow_the_strict_forms() {
        assert_eq!(cell_position(b"A1"), Some((0, 0)));
        assert_eq!(cell_position(b"XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_position(b"a1"), None);
        assert_eq!(cell_position(b"A0"), None);
        assert_eq!(cell_position(b"A01"), None);
        assert_eq!(cell_position(b"ABCD1"), None);
        assert_eq!(plain_number(b"-12.5"), Some(-12.5));
        assert_eq!(plain_number(b"1.2E-7"), Some(1.2e-7));
        for odd in [
            &b""[..],
            b"1.",
            b".5",
            b"+1",
            b" 1",
            b"1e",
            b"inf",
            b"NaN",
            b"0x10",
        ] {
            assert_eq!(plain_number(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn only_formats_that_are_numbers_either_way_are_plain() {
        let style = |code: &str, id: u32| {
            let mut format = calamine::NumberFormat::default();
            format.format_code = code.to_string();
            format.format_id = Some(id);
            let mut style = Style::default();
            style.number_format = Some(format);
            style
        };
        assert!(is_plain_number_style(&Style::default()));
        assert!(is_plain_number_style(&style("General", 0)));
        assert!(is_plain_number_style(&style("#,##0.00", 4)));
        assert!(is_plain_number_style(&style("0.000", 164)));
        assert!(!is_plain_number_style(&style("General", 30)));
        assert!(!is_plain_number_style(&style("mm-dd-yy", 14)));
        assert!(!is_plain_number_style(&style("dd/mm/yyyy", 164)));
        assert!(!is_plain_number_style(&style("[Red]0.00", 165)));
    }

    #[test]
    fn shared_strings_are_read_like_calamine() {
        let sst = br#"<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="x" count="4" uniqueCount="4"><si><t> Rate </t></si><si><t xml:space="preserve"> Per </t></si><si><r><rPr><b/></rPr><t>A &amp; </t></r><r><t>B</t></r></si><si/><si><t/></si></sst>"#;
        assert_eq!(
            shared_strings(sst),
            Some(vec![
                "Rate".into(),
                " Per ".into(),
                "A &B".into(),
                String::new(),
                String::new()
            ])
        );
        for unsupported in [
            &br#"<sst><si><t>a_x000D_b</t></si></sst>"#[..],
            br#"<sst><si><t>a&#10;b</t></si></sst>"#,
            br#"<sst><si><t>a</t><rPh><t>b</t></rPh></si></sst>"#,
            br#"<sst><si><x:t>a</x:t></si></sst>"#,
            br#"<sst><!-- c --><si><t>a</t></si></sst>"#,
            br#"<sst><si><t><![CDATA[a]]></t></si></sst>"#,
        ] {
            assert_eq!(shared_strings(unsupported), None);
        }
    }

    fn cells(sheet: &str, strings: &[String]) -> Option<Vec<(u32, u32, String, bool)>> {
        let mut xml = Xml::new(sheet.as_bytes())?;
        xml.find_sheet_data()?;
        let reader = SheetReader {
            strings,
            plain_styles: &[true, false],
            limit: usize::MAX,
        };
        reader.read(xml.bytes, xml.at, None, &|row, col, value, formula| {
            Some(Some((row, col, format!("{value:?}"), formula)))
        })
    }

    /// A `<sheetData>` of `rows` rows, some cells without `r`, so that a
    /// wrong row or column counter in either half would show.
    fn many_rows(rows: u32) -> String {
        let mut xml = String::from("<worksheet><sheetData>");
        for row in 1..=rows {
            xml.push_str(&format!(
                "<row r=\"{row}\"><c r=\"A{row}\"><v>{row}</v></c><c t=\"s\"><v>{}</v></c>\
                 <c r=\"D{row}\"><f>B{row}*2</f><v>{}.5</v></c><c><v>7</v></c></row>\n",
                row % 2,
                row * 3
            ));
        }
        xml.push_str("</sheetData></worksheet>");
        xml
    }

    #[test]
    fn a_large_sheet_read_in_two_halves_reads_as_in_one() {
        let xml = many_rows(5_000);
        let strings = ["even".to_string(), "odd".to_string()];
        let reader = SheetReader {
            strings: &strings,
            plain_styles: &[],
            limit: usize::MAX,
        };
        let keep = |row, col, value: DataRef<'_>, formula| {
            Some(Some((row, col, format!("{value:?}"), formula)))
        };
        let mut cursor = Xml::new(xml.as_bytes()).unwrap();
        cursor.find_sheet_data().unwrap();
        let split = split_point(cursor.bytes, cursor.at).expect("large enough to split");
        let whole = reader.read(cursor.bytes, cursor.at, None, &keep).unwrap();
        let mut halves = reader
            .read(cursor.bytes, cursor.at, Some(split), &keep)
            .unwrap();
        halves.extend(reader.read(cursor.bytes, split, None, &keep).unwrap());
        assert_eq!(whole.len(), 20_000);
        assert_eq!(halves, whole);
        assert_eq!(whole[5], (1, 1, "SharedString(\"even\")".into(), false));

        // The first half must stop exactly between two rows: an end inside
        // a row (here inside a cell) is no boundary, and gives nothing.
        let inside = split + xml[split..].find("<v>").unwrap();
        assert_eq!(
            reader.read(cursor.bytes, cursor.at, Some(inside), &keep),
            None
        );
        // A sheet too small to split is read on one thread.
        let small = many_rows(10);
        assert_eq!(split_point(small.as_bytes(), 0), None);
    }

    #[test]
    fn a_sheet_split_across_threads_is_read_whole_by_read_sheet() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet().set_name("Big").unwrap();
        for row in 0..6_000u32 {
            sheet.write_number(row, 0, f64::from(row)).unwrap();
            sheet
                .write_string(row, 1, format!("item {}", row % 50))
                .unwrap();
            sheet.write_number(row, 2, f64::from(row) * 1.25).unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let mut fast = FastWorkbook::open(&bytes).unwrap();
        let (cells, xml) = fast
            .read_sheet("Big", &[], usize::MAX, |row, col, value, _| {
                Some(Some((row, col, format!("{value:?}"))))
            })
            .unwrap();
        let start = memchr::memmem::find(&xml.xml, b"<sheetData>").unwrap() + 11;
        assert!(
            split_point(&xml.xml, start).is_some(),
            "the test must split"
        );
        assert_eq!(cells.len(), 18_000);
        let in_order = cells
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1));
        assert!(in_order, "the halves are joined in sheet order");
        assert_eq!(
            cells[3 * 4_321 + 1],
            (4_321, 1, "SharedString(\"item 21\")".into())
        );
        // The limit applies to what is kept.
        let mut fast = FastWorkbook::open(&bytes).unwrap();
        assert!(fast
            .read_sheet("Big", &[], 100, |row, col, _, _| Some(Some((row, col))))
            .is_none());
    }

    #[test]
    fn cells_are_placed_and_typed_like_calamine() {
        let strings = vec!["Qty".to_string()];
        let sheet = r#"<?xml version="1.0"?><worksheet><dimension ref="A1:C3"/><sheetData>
<row r="2"><c r="A2" t="s"><v>0</v></c><c><v>1.5</v></c><c t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>
<row><c t="b"><v>1</v></c><c t="e"><v>#REF!</v></c><c r="E3" s="0"><f t="shared" ref="E3:E4" si="0">A1</f></c></row>
<row r="9"/><row><c r="A10" t="str"><f>A1</f><v></v></c></row>
</sheetData><mergeCells count="0"/></worksheet>"#;
        assert_eq!(
            cells(sheet, &strings),
            Some(vec![
                (1, 0, r#"SharedString("Qty")"#.into(), false),
                (1, 1, "Float(1.5)".into(), false),
                (1, 2, r#"String("ab")"#.into(), true),
                (2, 0, "Bool(true)".into(), false),
                (2, 1, "Error(Ref)".into(), false),
                (2, 4, "Empty".into(), true),
                (9, 0, r#"String("")"#.into(), true),
            ])
        );
        assert_eq!(
            cells("<worksheet><sheetData/></worksheet>", &strings),
            Some(vec![])
        );
        // Other attribute spellings take the general tag reading.
        let sheet = r#"<sheetData><row><c r='B2' s = "0" ><v>2</v></c><c r="C2"
 t="n"/><c><v>3</v></c></row></sheetData>"#;
        assert_eq!(
            cells(sheet, &strings),
            Some(vec![
                (1, 1, "Float(2.0)".into(), false),
                (1, 2, "Empty".into(), false),
                // As in calamine, a cell's own `r` does not move the row
                // counter that places the cells without one.
                (0, 3, "Float(3.0)".into(), false),
            ])
        );
        for unsupported in [
            r#"<sheetData><row><c t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#,
            r#"<sheetData><row><c s="1"><v>45000</v></c></row></sheetData>"#,
            r#"<sheetData><row><c t="d"><v>2024-01-01</v></c></row></sheetData>"#,
            r#"<sheetData><row><c t="s"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row><c><v> 1</v></c></row></sheetData>"#,
            r#"<sheetData><row><!-- x --></row></sheetData>"#,
            r#"<x:sheetData><x:row/></x:sheetData>"#,
            r#"<sheetData><row><c r="A1"r="B1"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row><c><f t="shared">A1</f></c></row></sheetData>"#,
            r#"<sheetData><row><c><f>A1&nbsp;</f></c></row></sheetData>"#,
            r#"<sheetData><row>"#,
            r#"<sheetData><row><c r="A1" / ><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row><c r="A<1"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row><col r="A1"><v>1</v></col></row></sheetData>"#,
        ] {
            assert_eq!(cells(unsupported, &strings), None, "{unsupported}");
        }
    }
}
