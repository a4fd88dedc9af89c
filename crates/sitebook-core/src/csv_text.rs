//! The CSV files people make for the app (organization rosters, quantity files): one reader
//! set-up and one header check, so that every CSV the app takes trims its fields, tolerates a
//! spreadsheet's byte-order mark and short lines, and refuses a wrong header in the same words.

use crate::error::{Error, Result};

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
            found.join(",")
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
    fn a_wrong_header_names_the_file_and_both_headers() {
        let error = reader_with_header("r.csv", "code,title\n", &["code", "name"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "r.csv: line 1 must be the header 'code,name' (found 'code,title')."
        );
    }
}
