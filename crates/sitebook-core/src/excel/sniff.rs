//! Decides what a file really is from its bytes, not its name.
//!
//! calamine's `open_workbook_auto` trusts the (case-sensitive) extension, so
//! a real .xlsx named `.xls`, or a CSV renamed `.xlsx`, fails with a reader
//! error no user can act on. Here the name is only checked against the
//! accepted extensions; the format comes from the magic bytes and, for zip
//! containers, the declared content types.

use super::error::ParseError;
use super::ole::{OleError, OleFile, OLE_MAGIC};
use std::io::{Cursor, Read};
use std::path::Path;

/// The extensions users may drop, compared case-insensitively.
pub const ACCEPTED_EXTENSIONS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

const ZIP_MAGIC: [u8; 4] = *b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: [u8; 4] = *b"PK\x05\x06";
const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";
/// `[Content_Types].xml` is a few kilobytes; more than this is not a workbook
/// we should be decompressing to sniff.
const CONTENT_TYPES_READ_CAP: u64 = 1 << 20;

/// A workbook format we can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkbookFormat {
    /// Office Open XML workbook.
    Xlsx,
    /// Office Open XML workbook with macros (read like xlsx; macros ignored).
    Xlsm,
    /// Excel 97–2003 binary workbook.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
}

impl WorkbookFormat {
    /// Whether the format is a zip container.
    pub fn is_zip(self) -> bool {
        !matches!(self, WorkbookFormat::Xls)
    }
}

/// Checks the file name's extension against [`ACCEPTED_EXTENSIONS`].
pub fn check_extension(file: &str) -> Result<(), ParseError> {
    let extension = Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension {
        Some(ext) if ACCEPTED_EXTENSIONS.contains(&ext.as_str()) => Ok(()),
        Some(ext) => Err(ParseError::UnsupportedType {
            file: file.to_string(),
            found: format!(".{ext}"),
        }),
        None => Err(ParseError::UnsupportedType {
            file: file.to_string(),
            found: "extensionless".to_string(),
        }),
    }
}

/// Identifies the workbook format from the content. `file` is only used in
/// error messages.
pub fn sniff_format(bytes: &[u8], file: &str) -> Result<WorkbookFormat, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::EmptyFile { file: file.into() });
    }
    if bytes.starts_with(&ZIP_MAGIC) {
        return sniff_zip(bytes, file);
    }
    if bytes.starts_with(&OLE_MAGIC) {
        return sniff_ole(bytes, file);
    }
    if bytes.starts_with(&EMPTY_ZIP_MAGIC) {
        return Err(not_a_workbook(file, "it is an empty zip archive"));
    }
    if OLE_MAGIC.starts_with(&bytes[..bytes.len().min(8)]) || ZIP_MAGIC.starts_with(bytes) {
        // The first bytes of a real workbook and then nothing.
        return Err(ParseError::Truncated { file: file.into() });
    }
    Err(not_a_workbook(file, describe_foreign_bytes(bytes)))
}

/// How far from its end a zip's end-of-central-directory record can start: its 22 bytes and
/// a comment of at most 65,535.
const ZIP_END_SEARCH: u64 = 22 + 65_535;
const ZIP_END_MAGIC: [u8; 4] = *b"PK\x05\x06";

/// Whether a file of `len` bytes visibly lacks its end, as a copy still under way does: it is
/// empty, it starts with nothing but zeros (space a copier reserved and has not filled), it is a
/// zip with no end-of-central-directory record where one must be, or a compound file shorter
/// than the sectors its allocation table marks as used. Reads at most its first and last 64 KiB
/// and a compound file's FAT sectors.
///
/// For the inbox, which must not read a file before it is whole: `false` does not mean the
/// workbook is sound (the reader decides that), and a file damaged in one of these ways looks
/// unfinished for good.
pub fn looks_unfinished<R: Read + std::io::Seek>(file: &mut R, len: u64) -> std::io::Result<bool> {
    use std::io::SeekFrom;
    if len == 0 {
        return Ok(true);
    }
    let mut start = [0u8; 8];
    let start_len = len.min(8) as usize;
    file.seek(SeekFrom::Start(0))?;
    file.read_exact(&mut start[..start_len])?;
    let start = &start[..start_len];
    let cut_in_magic = |magic: &[u8]| start.len() < magic.len() && magic.starts_with(start);
    let cut_in_magic = cut_in_magic(&ZIP_MAGIC) || cut_in_magic(&OLE_MAGIC);
    if start.iter().all(|&byte| byte == 0) || cut_in_magic {
        return Ok(true);
    }
    if start.starts_with(&ZIP_MAGIC) {
        let tail_len = len.min(ZIP_END_SEARCH);
        let mut tail = vec![0u8; tail_len as usize];
        file.seek(SeekFrom::Start(len - tail_len))?;
        file.read_exact(&mut tail)?;
        let has_end = tail
            .windows(ZIP_END_MAGIC.len())
            .enumerate()
            .any(|(at, window)| window == ZIP_END_MAGIC && at + 22 <= tail.len());
        return Ok(!has_end);
    }
    if start == OLE_MAGIC {
        let mut read = |offset: usize, wanted: usize| -> Option<Vec<u8>> {
            let end = (offset as u64).checked_add(wanted as u64)?;
            if end > len {
                return None;
            }
            let mut bytes = vec![0u8; wanted];
            file.seek(SeekFrom::Start(offset as u64)).ok()?;
            file.read_exact(&mut bytes).ok()?;
            Some(bytes)
        };
        let claimed = super::ole::length_claimed_by_fat(&mut read);
        return Ok(claimed.is_none_or(|claimed| len < claimed as u64));
    }
    Ok(false)
}

fn not_a_workbook(file: &str, what: &str) -> ParseError {
    ParseError::NotAWorkbook {
        file: file.into(),
        what: what.into(),
    }
}

/// A short guess at what a non-workbook file is, for the error message.
fn describe_foreign_bytes(bytes: &[u8]) -> &'static str {
    let head = &bytes[..bytes.len().min(4096)];
    if head.starts_with(b"%PDF") {
        return "it is a PDF document";
    }
    let trimmed = head
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(head)
        .trim_ascii_start();
    if trimmed.starts_with(b"<") {
        return "it looks like an HTML or XML file";
    }
    // A multi-byte character cut at the 4 KiB boundary is still text.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    if text && !head.contains(&0) {
        "it looks like a text or CSV file"
    } else {
        "its content is not in any workbook format"
    }
}

fn sniff_zip(bytes: &[u8], file: &str) -> Result<WorkbookFormat, ParseError> {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        // The directory at the end of a zip is what goes missing when a copy
        // stops early; any other structural failure is plain damage.
        Err(e) if zip_error_means_truncated(&e) => {
            return Err(ParseError::Truncated { file: file.into() })
        }
        Err(e) => {
            return Err(ParseError::Unreadable {
                file: file.into(),
                detail: e.to_string(),
            })
        }
    };

    if let Some(mimetype) = read_small_entry(&mut archive, "mimetype", 256) {
        let mimetype = mimetype.trim();
        if mimetype == ODS_MIMETYPE {
            return Ok(WorkbookFormat::Ods);
        }
        if mimetype.starts_with("application/vnd.oasis.opendocument") {
            return Err(not_a_workbook(
                file,
                "it is an OpenDocument file but not a spreadsheet",
            ));
        }
    }

    let Some(content_types) =
        read_small_entry(&mut archive, "[Content_Types].xml", CONTENT_TYPES_READ_CAP)
    else {
        return Err(not_a_workbook(
            file,
            "it is a zip archive with no spreadsheet inside",
        ));
    };
    if content_types.contains("sheet.binary.macroEnabled.main") {
        return Err(ParseError::UnsupportedType {
            file: file.into(),
            found: "Excel binary (.xlsb)".into(),
        });
    }
    if content_types.contains("sheet.macroEnabled.main") {
        return Ok(WorkbookFormat::Xlsm);
    }
    if content_types.contains("spreadsheetml.sheet.main")
        || content_types.contains("spreadsheetml.template.main")
    {
        return Ok(WorkbookFormat::Xlsx);
    }
    if content_types.contains("wordprocessingml") {
        return Err(not_a_workbook(file, "it is a Word document"));
    }
    if content_types.contains("presentationml") {
        return Err(not_a_workbook(file, "it is a PowerPoint presentation"));
    }
    Err(not_a_workbook(
        file,
        "it is an Office Open XML package without a workbook",
    ))
}

fn zip_error_means_truncated(e: &zip::result::ZipError) -> bool {
    match e {
        zip::result::ZipError::Io(io) => io.kind() == std::io::ErrorKind::UnexpectedEof,
        zip::result::ZipError::InvalidArchive(why) => {
            let why = why.to_ascii_lowercase();
            why.contains("eocd")
                || why.contains("end of central directory")
                || why.contains("unexpected end")
        }
        _ => false,
    }
}

/// Reads a small text entry, `None` when absent, unreadable or over `cap`.
fn read_small_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    cap: u64,
) -> Option<String> {
    let entry = archive.by_name(name).ok()?;
    if entry.size() > cap {
        return None;
    }
    let mut text = String::new();
    entry.take(cap).read_to_string(&mut text).ok()?;
    Some(text)
}

fn sniff_ole(bytes: &[u8], file: &str) -> Result<WorkbookFormat, ParseError> {
    let ole = match OleFile::parse(bytes) {
        Ok(ole) => ole,
        Err(OleError::Truncated) => return Err(ParseError::Truncated { file: file.into() }),
        Err(OleError::Malformed(why)) => {
            return Err(ParseError::Unreadable {
                file: file.into(),
                detail: format!("damaged compound file: {why}"),
            })
        }
    };
    // Office stores a password-protected .xlsx as an OLE container holding
    // the encrypted package; without the password nothing inside is usable.
    if ole.has_stream("EncryptedPackage") || ole.has_stream("EncryptionInfo") {
        return Err(ParseError::PasswordProtected { file: file.into() });
    }
    if ole.has_stream("Workbook") || ole.has_stream("Book") {
        return Ok(WorkbookFormat::Xls);
    }
    if ole.has_stream("WordDocument") {
        return Err(not_a_workbook(file, "it is a Word 97-2003 document"));
    }
    Err(not_a_workbook(
        file,
        "it is an Office 97-2003 file without a workbook",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_case_insensitive_and_limited() {
        assert!(check_extension("a/b/Estimate.XLSX").is_ok());
        assert!(check_extension("e.Ods").is_ok());
        let err = check_extension("e.csv").unwrap_err();
        assert_eq!(err.code(), "unsupported_type");
        assert!(err.to_string().contains(".csv"));
        assert_eq!(
            check_extension("README").unwrap_err().code(),
            "unsupported_type"
        );
    }

    #[test]
    fn foreign_bytes_are_described() {
        let e = sniff_format(b"Sl.No,Qty,Item\n1,2,Cable\n", "x.xlsx").unwrap_err();
        assert_eq!(e.code(), "not_a_workbook");
        assert!(e.to_string().contains("text or CSV"), "{e}");
        let e = sniff_format(b"%PDF-1.7 ...", "x.xlsx").unwrap_err();
        assert!(e.to_string().contains("PDF"), "{e}");
        assert_eq!(
            sniff_format(b"", "x.xlsx").unwrap_err().code(),
            "empty_file"
        );
        assert_eq!(
            sniff_format(b"PK\x03", "x.xlsx").unwrap_err().code(),
            "truncated"
        );
        assert_eq!(
            sniff_format(&OLE_MAGIC[..5], "x.xls").unwrap_err().code(),
            "truncated"
        );
    }

    fn unfinished(bytes: &[u8]) -> bool {
        looks_unfinished(&mut Cursor::new(bytes), bytes.len() as u64).unwrap()
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn a_workbook_cut_anywhere_looks_unfinished_and_a_whole_one_does_not() {
        for name in ["estimate.xlsx", "estimate.ods", "estimate.xls"] {
            let whole = fixture(name);
            assert!(!unfinished(&whole), "{name} whole");
            // Every cut a copier's buffer could leave, down to the first bytes.
            for cut in (1..whole.len()).step_by(97).chain([whole.len() - 1]) {
                assert!(
                    unfinished(&whole[..cut]),
                    "{name} cut at {cut} of {}",
                    whole.len()
                );
            }
            // The size reserved up front and not yet filled past the cut. (A compound file's
            // allocation table comes early, so one filled past it is not told from a whole
            // one; it is read when it settles, as before.)
            let mut reserved = whole.clone();
            if name != "estimate.xls" {
                let cut = whole.len() / 2;
                reserved[cut..].fill(0);
                assert!(unfinished(&reserved), "{name} reserved, half filled");
            }
            reserved.fill(0);
            assert!(unfinished(&reserved), "{name} reserved, nothing written");
        }
        assert!(unfinished(b""));
    }

    #[test]
    fn foreign_files_are_left_to_the_reader_to_refuse() {
        assert!(!unfinished(b"Sl.No,Qty,Item\n1,2,Cable\n"));
        assert!(!unfinished(b"%PDF-1.7 ..."));
        // A zip's end record after a comment is still found.
        let mut commented = fixture("estimate.xlsx");
        let comment = vec![b'x'; 40_000];
        let end = commented.len() - 2;
        commented.truncate(end);
        commented.extend_from_slice(&(comment.len() as u16).to_le_bytes());
        commented.extend_from_slice(&comment);
        assert!(!unfinished(&commented));
    }
}
