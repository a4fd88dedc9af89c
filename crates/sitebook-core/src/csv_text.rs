//! The CSV files people make for the app (organization rosters, quantity files): one reader
//! set-up and one header check, so that every CSV the app takes trims its fields, tolerates a
//! spreadsheet's byte-order mark and short lines, and refuses a wrong header in the same words.

use std::io::Read;
use std::path::Path;

use crate::error::{excerpt, Error, Result};

/// The largest CSV file read: a quantities file at its 50,000-line cap, or a roster, is a few
/// megabytes.
pub const MAX_CSV_BYTES: u64 = 16 << 20;

/// Reads a CSV file a person names: refused when larger than [`MAX_CSV_BYTES`] (a device such as
/// `/dev/zero` included) or when it is not UTF-8 text, each with what to do.
pub fn read_csv_file(path: &Path) -> Result<String> {
    let shown = path.display();
    let file =
        std::fs::File::open(path).map_err(|e| Error::io(format!("Could not read {shown}"), e))?;
    let mut bytes = Vec::new();
    file.take(MAX_CSV_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("Could not read {shown}"), e))?;
    if bytes.len() as u64 > MAX_CSV_BYTES {
        return Err(Error::Validation(format!(
            "{shown} is larger than {} MB, far more than any CSV the app reads; check that this \
             is the right file.",
            MAX_CSV_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::Validation(format!(
            "{shown} is not UTF-8 text; save it from the spreadsheet as 'CSV UTF-8 (comma \
             delimited)' and try again."
        ))
    })
}

/// A reader over `text` whose header line has been read and matched against `header`
/// (lower-case, in order); the records that follow are the data lines.
pub(crate) fn reader_with_header<'t>(
    file_name: &str,
    text: &'t str,
    header: &[&str],
) -> Result<csv::Reader<&'t [u8]>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let found: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Validation(format!("{file_name}: cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    if found != header {
        return Err(Error::Validation(format!(
            "{file_name}: line 1 must be the header '{}' (found '{}').",
            header.join(","),
            excerpt(&found.join(","))
        )));
    }
    Ok(reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_matched_without_case_or_byte_order_mark() {
        let mut reader = reader_with_header(
            "r.csv",
            "\u{feff}Code, NAME ,type\nA,B,C\n",
            &["code", "name", "type"],
        )
        .unwrap();
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(record.iter().collect::<Vec<_>>(), ["A", "B", "C"]);
    }

    #[test]
    fn a_file_too_large_or_not_utf8_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let latin = dir.path().join("latin1.csv");
        std::fs::write(&latin, b"sl_no,till_date_qty\n1,2\xe9\n").unwrap();
        let error = read_csv_file(&latin).unwrap_err().to_string();
        assert!(error.contains("is not UTF-8 text; save it"), "{error}");

        let huge = dir.path().join("huge.csv");
        std::fs::write(&huge, vec![b'1'; MAX_CSV_BYTES as usize + 1]).unwrap();
        let error = read_csv_file(&huge).unwrap_err().to_string();
        assert!(error.contains("is larger than 16 MB"), "{error}");

        // An endless device ends at the cap instead of reading for ever.
        if Path::new("/dev/zero").exists() {
            let error = read_csv_file(Path::new("/dev/zero"))
                .unwrap_err()
                .to_string();
            assert!(error.contains("is larger than 16 MB"), "{error}");
        }
    }

    #[test]
    fn a_header_line_of_a_megabyte_is_quoted_in_a_few_words() {
        let line = "x".repeat(1 << 20);
        let error = reader_with_header("r.csv", &format!("{line}\n"), &["code"]).unwrap_err();
        assert!(error.to_string().len() < 200, "{}", error.to_string().len());
    }

    #[test]
    fn a_wrong_header_names_the_file_and_both_headers() {
        let error = reader_with_header("r.csv", "code,title\n", &["code", "name"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "r.csv: line 1 must be the header 'code,name' (found 'code,title')."
        );
    }
}
