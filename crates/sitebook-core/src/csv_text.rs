//! The CSV files people make for the app (organization rosters, quantity files): one reader
//! set-up and one header check, so that every CSV the app takes trims its fields, tolerates a
//! spreadsheet's byte-order mark and short lines, refuses a wrong header in the same words, and
//! tells each problem on the line a text editor shows it on, whatever the line endings.

use std::borrow::Cow;
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

/// `text` with each line ending a single `\n`: the csv crate counts the lines of `\r\n` and
/// lone `\r` endings wrong (BurntSushi/rust-csv#395), and a spreadsheet saved as CSV on Windows
/// ends its lines with `\r\n`.
fn with_one_line_ending(text: &str) -> Cow<'_, [u8]> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n").into_bytes())
    } else {
        Cow::Borrowed(text.as_bytes())
    }
}

/// The data lines of a CSV file after its header, each with the line it starts on as a text
/// editor numbers them, whatever the file's line endings and blank lines (the csv crate gives
/// a record the position where its reading began, before the blank lines it skips).
pub(crate) struct DataLines<'t> {
    reader: csv::Reader<std::io::Cursor<Cow<'t, [u8]>>>,
    /// How far the bytes have been counted, and the line that byte is on.
    counted: (usize, u64),
}

impl DataLines<'_> {
    /// The line of the first byte at or after `byte` that is not a line break.
    fn line_from(&mut self, byte: u64) -> u64 {
        let bytes: &[u8] = self.reader.get_ref().get_ref();
        let from = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        let start = from + bytes[from..].iter().take_while(|b| **b == b'\n').count();
        let (counted, line) = self.counted;
        if start >= counted {
            let breaks = bytes[counted..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.counted = (start, line + breaks as u64);
        }
        self.counted.1
    }
}

impl Iterator for DataLines<'_> {
    type Item = (u64, csv::Result<csv::StringRecord>);

    fn next(&mut self) -> Option<Self::Item> {
        let mut record = csv::StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => {
                let byte = record.position().map_or(0, csv::Position::byte);
                Some((self.line_from(byte), Ok(record)))
            }
            Err(e) => {
                let byte = e.position().map_or(0, csv::Position::byte);
                Some((self.line_from(byte), Err(e)))
            }
        }
    }
}

/// The data lines of `text` (see [`DataLines`]), once its header line has been read and matched
/// against `header` (lower-case, in order).
pub(crate) fn data_lines<'t>(
    file_name: &str,
    text: &'t str,
    header: &[&str],
) -> Result<DataLines<'t>> {
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(Error::Validation(format!(
            "{file_name} is empty; its line 1 must be the header '{}'.",
            header.join(",")
        )));
    }
    if let Some(line) = unclosed_quote(text) {
        return Err(Error::Validation(format!(
            "{file_name}: line {line} opens a quote (\") that is never closed, so every line after \
             it would be read as part of one field; nothing was read. Close the quote, or remove \
             it."
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(std::io::Cursor::new(with_one_line_ending(text)));
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
    Ok(DataLines {
        reader,
        counted: (0, 1),
    })
}

/// The line of a quoted field that the text never closes, read as the CSV reader reads it: a
/// quote opens a field only at its start (`12" pipe` is text), and `""` inside one is a quote.
/// The reader itself takes such a field to the end of the file without a word.
fn unclosed_quote(text: &str) -> Option<usize> {
    let (mut line, mut opened_on) = (1, None);
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (opened_on, c) {
            (None, '"') if at_field_start => opened_on = Some(line),
            (Some(_), '"') if chars.peek() == Some(&'"') => {
                chars.next();
            }
            (Some(_), '"') => opened_on = None,
            _ => {}
        }
        if c == '\n' {
            line += 1;
        }
        if opened_on.is_none() {
            at_field_start = match c {
                ',' | '\n' | '\r' => true,
                ' ' | '\t' => at_field_start,
                _ => false,
            };
        }
    }
    opened_on
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_never_closed_is_named_by_its_line_and_an_inch_mark_is_text() {
        let header = ["sl_no", "executed_qty"];
        let refused = data_lines("q.csv", "sl_no,executed_qty\n1,5\n2,\"9\n3,4\n", &header)
            .err()
            .unwrap()
            .to_string();
        assert!(refused.contains("q.csv: line 3 opens a quote"), "{refused}");
        // An inch mark inside a field, and a quoted field with a doubled quote, are fine.
        assert_eq!(
            unclosed_quote("a,12\" pipe,3\nb,\"say \"\"hi\"\"\",4\n"),
            None
        );
        assert_eq!(unclosed_quote("a, \"x\n"), Some(1));
    }

    #[test]
    fn a_header_is_matched_without_case_or_byte_order_mark() {
        let mut lines = data_lines(
            "r.csv",
            "\u{feff}Code, NAME ,type\nA,B,C\n",
            &["code", "name", "type"],
        )
        .unwrap();
        let (line, record) = lines.next().unwrap();
        assert_eq!(line, 2);
        assert_eq!(record.unwrap().iter().collect::<Vec<_>>(), ["A", "B", "C"]);
    }

    #[test]
    fn each_record_is_told_on_its_line_whatever_the_endings_and_blank_lines() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = [
                "code,name,type",
                "A,B,C",
                "",
                "",
                "D,\"E",
                "F\",G",
                " , , ",
                "H,I,J",
            ]
            .join(ending);
            let lines: Vec<(u64, Vec<String>)> =
                data_lines("r.csv", &text, &["code", "name", "type"])
                    .unwrap()
                    .map(|(line, record)| {
                        (line, record.unwrap().iter().map(str::to_string).collect())
                    })
                    .collect();
            let firsts: Vec<(u64, &str)> = lines
                .iter()
                .map(|(line, fields)| (*line, fields[0].as_str()))
                .collect();
            // Two blank lines skipped; a quoted field over two lines starts its record on 5.
            assert_eq!(
                firsts,
                [(2, "A"), (5, "D"), (7, ""), (8, "H")],
                "{ending:?}"
            );
        }
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
        let Err(error) = data_lines("r.csv", &format!("{line}\n"), &["code"]) else {
            panic!("a header of a megabyte was taken");
        };
        assert!(error.to_string().len() < 200, "{}", error.to_string().len());
    }

    #[test]
    fn an_empty_file_is_said_to_be_empty() {
        for empty in ["", "\u{feff}", "\r\n\n  \n"] {
            let Err(error) = data_lines("r.csv", empty, &["code", "name"]) else {
                panic!("an empty file was taken");
            };
            assert_eq!(
                error.to_string(),
                "r.csv is empty; its line 1 must be the header 'code,name'."
            );
        }
    }

    #[test]
    fn a_wrong_header_names_the_file_and_both_headers() {
        let Err(error) = data_lines("r.csv", "code,title\n", &["code", "name"]) else {
            panic!("a wrong header was taken");
        };
        assert_eq!(
            error.to_string(),
            "r.csv: line 1 must be the header 'code,name' (found 'code,title')."
        );
    }
}
