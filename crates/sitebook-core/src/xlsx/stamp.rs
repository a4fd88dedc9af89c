//! A withdrawn document's workbook as it leaves the office: the workbook as it was made, behind
//! a first sheet named WITHDRAWN (red tab, the one shown on opening) that says it is not in
//! force and when, by whom and why it was withdrawn; and every other sheet prints a header that
//! says so on each page. It is the workbook's counterpart of the PDF's stamp
//! ([`crate::pdf::stamp_withdrawn`]): the stored file is never changed, only the copies that
//! leave the data folder are marked.
//!
//! Only workbooks Sitebook wrote are marked. The parts it edits (the workbook, its relationships,
//! the content types and the worksheets) are the known XML rust_xlsxwriter writes, edited where
//! they must change and copied byte for byte elsewhere; a part not as expected refuses the copy,
//! rather than hand on a workbook Excel would have to repair.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::render::{RenderError, WithdrawnNotice};

/// The notice sheet's name, and its part and relationship in the package.
const NOTICE_SHEET: &str = "WITHDRAWN";
const NOTICE_PART: &str = "xl/worksheets/withdrawn.xml";
const NOTICE_RELATIONSHIP: &str = "rIdSitebookWithdrawn";
/// The header printed on every page of the workbook's own sheets (header codes: `&C` centres,
/// `&"-,Bold"` sets bold), unescaped.
const PRINTED_HEADER: &str = "&C&\"-,Bold\"WITHDRAWN: not the document in force (see the sheet \
                              WITHDRAWN)";
/// The sentence under the notice's lines.
const KEPT_AS_MADE: &str =
    "The sheets after this one are the workbook as it was made, kept as the record of what was \
     issued.";
/// Largest part read: Sitebook's workbooks are a few megabytes; this bounds a damaged one.
const MAX_PART_BYTES: u64 = 256 << 20;
/// Most characters Excel keeps in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// `original`, a workbook Sitebook wrote, marked as withdrawn with `notice`. A file that is not
/// such a workbook is refused, with the reason.
pub fn stamp_withdrawn_workbook(
    original: &[u8],
    notice: &WithdrawnNotice,
) -> Result<Vec<u8>, RenderError> {
    let fail = |why: String| RenderError::WorkbookStamp(why);
    let zip_fail = |e: zip::result::ZipError| fail(format!("reading or writing its parts: {e}"));
    let mut archive = ZipArchive::new(Cursor::new(original)).map_err(zip_fail)?;
    let mut out = ZipWriter::new(Cursor::new(Vec::with_capacity(original.len() + 4096)));
    // A fixed time, as rust_xlsxwriter writes: the same notice gives the same bytes.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut edited = [false; 3];
    for index in 0..archive.len() {
        let name = archive
            .by_index_raw(index)
            .map_err(zip_fail)?
            .name()
            .map_err(zip_fail)?
            .into_owned();
        let edit: fn(&str) -> Result<String, String> = match name.as_str() {
            "xl/workbook.xml" => {
                edited[0] = true;
                mark_workbook
            }
            "xl/_rels/workbook.xml.rels" => {
                edited[1] = true;
                add_relationship
            }
            "[Content_Types].xml" => {
                edited[2] = true;
                add_content_type
            }
            NOTICE_PART => return Err(fail(format!("it already has a part {NOTICE_PART}"))),
            _ if is_worksheet(&name) => mark_worksheet,
            _ => {
                let part = archive.by_index_raw(index).map_err(zip_fail)?;
                out.raw_copy_file(part).map_err(zip_fail)?;
                continue;
            }
        };
        let mut xml = String::new();
        archive
            .by_index(index)
            .map_err(zip_fail)?
            .take(MAX_PART_BYTES)
            .read_to_string(&mut xml)
            .map_err(|e| fail(format!("{name}: {e}")))?;
        let marked = edit(&xml).map_err(|why| fail(format!("{name}: {why}")))?;
        out.start_file(name.as_str(), options).map_err(zip_fail)?;
        out.write_all(marked.as_bytes())
            .map_err(|e| fail(format!("{name}: {e}")))?;
    }
    if edited.contains(&false) {
        return Err(fail(
            "it lacks the workbook, its relationships or its content types".into(),
        ));
    }
    out.start_file(NOTICE_PART, options).map_err(zip_fail)?;
    out.write_all(notice_sheet(notice).as_bytes())
        .map_err(|e| fail(format!("{NOTICE_PART}: {e}")))?;
    Ok(out.finish().map_err(zip_fail)?.into_inner())
}

fn is_worksheet(name: &str) -> bool {
    name.strip_prefix("xl/worksheets/")
        .is_some_and(|rest| !rest.contains('/') && rest.ends_with(".xml"))
}

/// The notice sheet goes first, so the workbook opens on it; the print titles and areas name
/// their sheet by its position, which moves up by one.
fn mark_workbook(xml: &str) -> Result<String, String> {
    if !xml.contains("xmlns:r=") {
        return Err("the relationships namespace is not declared".into());
    }
    if xml.contains(&format!("<sheet name=\"{NOTICE_SHEET}\"")) {
        return Err(format!("it already has a sheet named {NOTICE_SHEET}"));
    }
    let sheets = xml.find("<sheets>").ok_or("it has no list of sheets")? + "<sheets>".len();
    let next_id = numbers_after(xml, " sheetId=\"").max().unwrap_or(0) + 1;
    let mut marked = String::with_capacity(xml.len() + 128);
    marked.push_str(&xml[..sheets]);
    marked.push_str(&format!(
        "<sheet name=\"{NOTICE_SHEET}\" sheetId=\"{next_id}\" r:id=\"{NOTICE_RELATIONSHIP}\"/>"
    ));
    marked.push_str(&xml[sheets..]);
    let marked = shift_numbers_after(&marked, " localSheetId=\"");
    // Without them the first tab, the notice, is shown and leads the tab bar.
    Ok(without_attribute(
        &without_attribute(&marked, "activeTab"),
        "firstSheet",
    ))
}

fn add_relationship(xml: &str) -> Result<String, String> {
    insert_before(
        xml,
        "</Relationships>",
        &format!(
            "<Relationship Id=\"{NOTICE_RELATIONSHIP}\" Type=\"http://schemas.openxmlformats.org/\
             officeDocument/2006/relationships/worksheet\" Target=\"worksheets/withdrawn.xml\"/>"
        ),
    )
}

fn add_content_type(xml: &str) -> Result<String, String> {
    insert_before(
        xml,
        "</Types>",
        &format!(
            "<Override PartName=\"/{NOTICE_PART}\" ContentType=\"application/vnd.openxmlformats-\
             officedocument.spreadsheetml.worksheet+xml\"/>"
        ),
    )
}

/// A sheet of the workbook as made: no longer the selected tab (two selected tabs would be
/// grouped, and typing into one would change both), and a header on each printed page.
fn mark_worksheet(xml: &str) -> Result<String, String> {
    let xml = xml.replace(" tabSelected=\"1\"", "");
    let header = format!("<oddHeader>{}</oddHeader>", xml_text(PRINTED_HEADER));
    if let Some(start) = xml.find("<oddHeader>") {
        let end = xml[start..]
            .find("</oddHeader>")
            .ok_or("its header is not closed")?
            + start
            + "</oddHeader>".len();
        return Ok(format!("{}{header}{}", &xml[..start], &xml[end..]));
    }
    if xml.contains("<headerFooter>") {
        return Ok(xml.replacen("<headerFooter>", &format!("<headerFooter>{header}"), 1));
    }
    // The header block's place among the sheet's parts is right after the page setup (or the
    // margins, when there is no page setup).
    let after = ["<pageSetup", "<pageMargins"]
        .iter()
        .find_map(|tag| {
            let start = xml.find(tag)?;
            Some(start + xml[start..].find("/>")? + 2)
        })
        .ok_or("it has no page margins to place a header after")?;
    Ok(format!(
        "{}<headerFooter>{header}</headerFooter>{}",
        &xml[..after],
        &xml[after..]
    ))
}

/// The notice: the word, the notice's two lines, and what the other sheets are.
fn notice_sheet(notice: &WithdrawnNotice) -> String {
    let [what, when] = notice.lines();
    let rows: Vec<String> = [NOTICE_SHEET, what.as_str(), when.as_str(), KEPT_AS_MADE]
        .iter()
        .zip([1, 3, 4, 6])
        .map(|(text, row)| {
            format!(
                "<row r=\"{row}\"><c r=\"A{row}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\
                 {}</t></is></c></row>",
                xml_text(&cell_text(text))
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet \
         xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
         <sheetPr><tabColor rgb=\"FFC00000\"/></sheetPr><dimension ref=\"A1:A6\"/><sheetViews>\
         <sheetView tabSelected=\"1\" workbookViewId=\"0\"/></sheetViews><sheetFormatPr \
         defaultRowHeight=\"15\"/><cols><col min=\"1\" max=\"1\" width=\"120\" \
         customWidth=\"1\"/></cols><sheetData>{}</sheetData><pageMargins left=\"0.7\" \
         right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>",
        rows.concat()
    )
}

/// Text a cell can hold: no characters XML 1.0 forbids (a typed reason may carry them), and no
/// more than Excel keeps.
fn cell_text(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .take(MAX_CELL_CHARS)
        .collect()
}

/// `text` as XML character data.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn insert_before(xml: &str, closing: &str, addition: &str) -> Result<String, String> {
    let at = xml.rfind(closing).ok_or(format!("it has no {closing}"))?;
    Ok(format!("{}{addition}{}", &xml[..at], &xml[at..]))
}

/// The whole numbers written right after each `prefix` (an attribute's opening, up to its
/// quote).
fn numbers_after<'a>(xml: &'a str, prefix: &'a str) -> impl Iterator<Item = u64> + 'a {
    xml.match_indices(prefix).filter_map(move |(at, _)| {
        let rest = &xml[at + prefix.len()..];
        rest[..rest.find('"')?].parse().ok()
    })
}

/// `xml` with each whole number after `prefix` one more.
fn shift_numbers_after(xml: &str, prefix: &str) -> String {
    let mut shifted = String::with_capacity(xml.len() + 16);
    let mut rest = xml;
    while let Some(at) = rest.find(prefix) {
        let start = at + prefix.len();
        shifted.push_str(&rest[..start]);
        rest = &rest[start..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        match rest[..digits].parse::<u64>() {
            Ok(n) => shifted.push_str(&(n + 1).to_string()),
            Err(_) => shifted.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    shifted.push_str(rest);
    shifted
}

/// `xml` without any ` name="…"` attribute.
fn without_attribute(xml: &str, name: &str) -> String {
    let opening = format!(" {name}=\"");
    let mut kept = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(at) = rest.find(&opening) {
        kept.push_str(&rest[..at]);
        let value = &rest[at + opening.len()..];
        rest = value.find('"').map_or("", |end| &value[end + 1..]);
    }
    kept.push_str(rest);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workbook_opens_on_the_notice_and_print_titles_keep_their_sheet() {
        let xml = "<workbook xmlns:r=\"r\"><bookViews><workbookView xWindow=\"240\" \
                   activeTab=\"1\"/></bookViews><sheets><sheet name=\"Bill\" sheetId=\"1\" \
                   r:id=\"rId1\"/><sheet name=\"Form\" sheetId=\"2\" r:id=\"rId2\"/></sheets>\
                   <definedNames><definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">\
                   Bill!$10:$10</definedName><definedName name=\"_xlnm.Print_Titles\" \
                   localSheetId=\"1\">Form!$1:$1</definedName></definedNames></workbook>";
        let marked = mark_workbook(xml).unwrap();
        assert!(marked.contains(
            "<sheets><sheet name=\"WITHDRAWN\" sheetId=\"3\" r:id=\"rIdSitebookWithdrawn\"/>\
             <sheet name=\"Bill\""
        ));
        assert!(
            marked.contains("localSheetId=\"1\">Bill!$10:$10"),
            "{marked}"
        );
        assert!(marked.contains("localSheetId=\"2\">Form!$1:$1"), "{marked}");
        assert!(
            marked.contains("<workbookView xWindow=\"240\"/>"),
            "{marked}"
        );
        assert!(mark_workbook(&marked).is_err(), "marked twice");
    }

    #[test]
    fn each_sheet_gets_the_header_wherever_its_header_block_stands() {
        let header = "<oddHeader>&amp;C&amp;\"-,Bold\"WITHDRAWN: not the document in force (see \
                      the sheet WITHDRAWN)</oddHeader>";
        let with_footer = "<sheetView tabSelected=\"1\" workbookViewId=\"0\"/><pageSetup \
                           paperSize=\"9\"/><headerFooter><oddFooter>x</oddFooter></headerFooter>";
        assert_eq!(
            mark_worksheet(with_footer).unwrap(),
            format!(
                "<sheetView workbookViewId=\"0\"/><pageSetup paperSize=\"9\"/><headerFooter>\
                 {header}<oddFooter>x</oddFooter></headerFooter>"
            )
        );
        let bare = "<pageMargins left=\"0.7\"/><drawing r:id=\"rId1\"/>";
        assert_eq!(
            mark_worksheet(bare).unwrap(),
            format!(
                "<pageMargins left=\"0.7\"/><headerFooter>{header}</headerFooter><drawing \
                 r:id=\"rId1\"/>"
            )
        );
        let own = "<pageMargins/><headerFooter><oddHeader>Mine</oddHeader></headerFooter>";
        assert!(mark_worksheet(own)
            .unwrap()
            .contains(&format!("<headerFooter>{header}</headerFooter>")));
        assert!(mark_worksheet("<sheetData/>").is_err());
    }

    #[test]
    fn a_typed_reason_is_escaped_and_stripped_of_what_xml_forbids() {
        let notice = WithdrawnNotice {
            document: "Bill 2 of estimate 14".into(),
            withdrawn_on: "07-12-2026 10:15 UTC".into(),
            withdrawn_by: "asha".into(),
            reason: "MB <page> 12 & 13\u{1} wrong".into(),
        };
        let sheet = notice_sheet(&notice);
        assert!(
            sheet.contains(
                "Withdrawn on 07-12-2026 10:15 UTC by asha: MB &lt;page&gt; 12 &amp; 13 wrong."
            ),
            "{sheet}"
        );
        assert!(!sheet.contains('\u{1}'));
    }
}
