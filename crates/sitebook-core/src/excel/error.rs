//! Why a workbook could not be parsed. Every variant names the file (and the
//! sheet or cell when there is one) and tells the user what to do; `code()`
//! gives a stable identifier for job logs, the CLI and the desktop shell.
//!
//! All of these are permanent: retrying the same bytes gives the same error.

use thiserror::Error;

/// A workbook that cannot be turned into an estimate.
#[derive(Debug, Error)]
pub enum ParseError {
    /// The file name's extension is not one of .xlsx, .xlsm, .xls, .ods
    /// (or the content is a spreadsheet format we do not read, such as .xlsb).
    #[error("{file}: {found} files are not supported; save the workbook as .xlsx, .xlsm, .xls or .ods and try again")]
    UnsupportedType {
        /// The file as the user named it.
        file: String,
        /// What was found, e.g. `".csv"` or `"Excel binary (.xlsb)"`.
        found: String,
    },

    /// Zero bytes.
    #[error("{file} is empty (0 bytes); pick the saved workbook, not an empty placeholder")]
    EmptyFile {
        /// The file as the user named it.
        file: String,
    },

    /// The bytes are not a spreadsheet workbook at all.
    #[error("{file} is not a spreadsheet workbook ({what}); open it in Excel or LibreOffice and save it as .xlsx")]
    NotAWorkbook {
        /// The file as the user named it.
        file: String,
        /// What it looks like instead, e.g. "it looks like text or CSV".
        what: String,
    },

    /// The file ends early (an interrupted copy or download).
    #[error("{file} is incomplete (the file ends early, as after an interrupted copy or download); copy or download it again")]
    Truncated {
        /// The file as the user named it.
        file: String,
    },

    /// The workbook is encrypted with a password.
    #[error("{file} is password-protected; open it, remove the password (or save an unprotected copy) and upload that copy")]
    PasswordProtected {
        /// The file as the user named it.
        file: String,
    },

    /// The file on disk is bigger than the configured size limit.
    #[error("{file} is {size} bytes, more than the {limit}-byte limit; remove unused sheets or images, or raise the upload size limit")]
    TooLarge {
        /// The file as the user named it.
        file: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },

    /// The compressed workbook would expand far beyond a plausible size.
    #[error("{file} is refused: {detail}; this is not a normal estimate workbook, so save a fresh copy of the estimate and try again")]
    ZipBomb {
        /// The file as the user named it.
        file: String,
        /// Which entry and which limit, in words.
        detail: String,
    },

    /// A sheet is (or claims to be) larger than the cell limits.
    #[error("{file}: sheet '{sheet}' {detail}; delete the unused rows and columns (or copy the estimate into a new workbook) and try again")]
    TooManyCells {
        /// The file as the user named it.
        file: String,
        /// The sheet at fault.
        sheet: String,
        /// The size claimed or found, and the limit, in words.
        detail: String,
    },

    /// No sheet has an estimate header row.
    #[error("{file}: no estimate sheet found; searched {sheets} for a header row in the first {rows} rows with a serial column (Sl.No, S.No, Serial, Sr.No) followed by a Quantity (or Qty) column and an Item/Description column; check that this is the estimate workbook")]
    NoEstimateSheet {
        /// The file as the user named it.
        file: String,
        /// The sheets searched, quoted and comma-separated.
        sheets: String,
        /// How many rows from the top were searched.
        rows: u32,
    },

    /// A cell holds more text than a spreadsheet cell can.
    #[error("{file}: cell {cell} holds {chars} characters, more than the 32,767 a spreadsheet cell can hold, so the file was altered or damaged; shorten that text and try again")]
    TextTooLong {
        /// The file as the user named it.
        file: String,
        /// The cell, as `'Estimate'!D9`.
        cell: String,
        /// How many characters it holds, grouped.
        chars: String,
    },

    /// One merged cell covers the rows below the header, so no item can be read from them.
    #[error("{file}: sheet '{sheet}': the cells {range} are merged into one cell that covers the item rows below the header, so no items can be read; unmerge them (in Excel: Home → Merge & Center) and try again")]
    ItemsUnderMerge {
        /// The file as the user named it.
        file: String,
        /// The sheet at fault.
        sheet: String,
        /// The merged range, as `A1:XFD1048576`.
        range: String,
    },

    /// The workbook's structure is damaged or could not be decoded.
    #[error("{file} could not be read ({detail}); open it in Excel or LibreOffice, save it again and retry")]
    Unreadable {
        /// The file as the user named it.
        file: String,
        /// The reader's explanation.
        detail: String,
    },

    /// The file could not be read from disk.
    #[error("{file} could not be opened ({source}); check that the file exists and is readable")]
    Io {
        /// The file as the user named it.
        file: String,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
}

impl ParseError {
    /// A stable machine-readable code for this kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::UnsupportedType { .. } => "unsupported_type",
            ParseError::EmptyFile { .. } => "empty_file",
            ParseError::NotAWorkbook { .. } => "not_a_workbook",
            ParseError::Truncated { .. } => "truncated",
            ParseError::PasswordProtected { .. } => "password_protected",
            ParseError::TooLarge { .. } => "too_large",
            ParseError::ZipBomb { .. } => "zip_bomb",
            ParseError::TooManyCells { .. } => "too_many_cells",
            ParseError::NoEstimateSheet { .. } => "no_estimate_sheet",
            ParseError::ItemsUnderMerge { .. } => "items_under_merge",
            ParseError::TextTooLong { .. } => "text_too_long",
            ParseError::Unreadable { .. } => "unreadable",
            ParseError::Io { .. } => "io",
        }
    }
}

/// The sentence for a part whose data does not match its CRC.
pub(crate) fn checksum_detail(part: &str) -> String {
    format!(
        "its part {part} does not match its checksum (CRC), so the file was damaged after it \
         was saved"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_say_what_to_do() {
        let e = ParseError::PasswordProtected {
            file: "est.xlsx".into(),
        };
        assert_eq!(e.code(), "password_protected");
        let msg = e.to_string();
        assert!(
            msg.contains("est.xlsx") && msg.contains("unprotected copy"),
            "{msg}"
        );
    }
}
