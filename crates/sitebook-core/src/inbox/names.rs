//! Which names in the inbox folder are workbooks to take, where each one imports to, and what
//! it is called once it has been moved out. Pure rules on names and relative paths, no I/O, so
//! the watcher and its tests agree on them exactly.

use std::path::{Component, Path};

/// Where handled files go, inside the inbox folder. Never read as org codes (no org may have
/// it as its code).
pub const IMPORTED_DIR: &str = crate::domain::names::INBOX_OWN_FOLDERS[0];
/// Where refused or failed files go, with a note saying why; never read as an org code.
pub const FAILED_DIR: &str = crate::domain::names::INBOX_OWN_FOLDERS[1];

/// Whom a file in the inbox is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Directly in the folder: the org that was active when the inbox was set.
    Home,
    /// In a subfolder named after an org code (any case).
    OrgFolder(String),
}

/// Files that are never workbooks being delivered: hidden files, Office owner files (`~$…`),
/// LibreOffice locks (`.~lock.…#`), the partial files of downloads and copies, the files
/// Windows keeps in any folder it has shown (`Thumbs.db`, `desktop.ini`), and the temporary
/// file Excel writes beside a workbook while saving it (eight hex digits, no extension).
pub fn is_ignored(name: &str) -> bool {
    let lower = name.to_lowercase();
    let excel_saving = name.len() == 8 && name.chars().all(|c| c.is_ascii_hexdigit());
    excel_saving
        || lower == "thumbs.db"
        || lower == "desktop.ini"
        || name.starts_with('.')
        || name.starts_with("~$")
        || (name.starts_with(".~lock.") && name.ends_with('#'))
        || [".tmp", ".part", ".crdownload", ".partial", ".download", "~"]
            .iter()
            .any(|suffix| lower.ends_with(suffix))
}

/// The names a lock file beside `file_name` has while another program holds the workbook
/// open: LibreOffice's `.~lock.NAME#`, and Office's owner file `~$NAME`, which drops the first
/// one or two characters of a longer name. A workbook open elsewhere is not taken: moved out,
/// the next save would bring it back as a second import, and on Windows it cannot be moved.
pub fn lock_names(file_name: &str) -> Vec<String> {
    let mut names = vec![format!(".~lock.{file_name}#"), format!("~${file_name}")];
    let mut rest = file_name.chars();
    for _ in 0..2 {
        if rest.next().is_none() || rest.as_str().is_empty() {
            break;
        }
        names.push(format!("~${}", rest.as_str()));
    }
    names
}

/// The route of a path relative to the inbox folder, or `None` for paths the watcher leaves
/// alone: ignored names, anything deeper than one subfolder, and the `imported/` and `failed/`
/// folders themselves.
///
/// A name that is not UTF-8 (from a FAT drive or an old zip) is read with stand-ins for the
/// bytes it cannot show: such a file is imported like any other, and such a subfolder is
/// refused as no organization's code, where it used to be passed over without a word.
pub fn route(relative: &Path) -> Option<Route> {
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy()),
            _ => return None,
        }
    }
    match parts.as_slice() {
        [name] if !is_ignored(name) && !is_reserved(name) => Some(Route::Home),
        [folder, name] if !is_ignored(name) && is_org_folder(folder) => {
            Some(Route::OrgFolder(folder.to_string()))
        }
        _ => None,
    }
}

/// Whether a path relative to the inbox is a file the watcher sees but never takes because it
/// lies deeper than one org subfolder (`MOH/2024/a.xlsx`), so that it can say so instead of
/// passing it over. Hidden and temporary names, and anything under `imported/` or `failed/`,
/// are not: those are left alone on purpose.
pub fn is_too_deep(relative: &Path) -> bool {
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy()),
            _ => return false,
        }
    }
    let [first, between @ .., name] = parts.as_slice() else {
        return false;
    };
    !between.is_empty()
        && is_org_folder(first)
        && !between.iter().any(|folder| folder.starts_with('.'))
        && !is_ignored(name)
}

/// Whether a subfolder of the inbox may name an organization.
pub fn is_org_folder(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !is_reserved(name)
}

/// The names the watcher keeps for itself, whatever sits there.
fn is_reserved(name: &str) -> bool {
    name.eq_ignore_ascii_case(IMPORTED_DIR) || name.eq_ignore_ascii_case(FAILED_DIR)
}

/// The longest file name the usual file systems take, in bytes.
const MAX_NAME_BYTES: usize = 255;
/// What the note beside a file in `failed/` adds to its name.
const NOTE_SUFFIX: &str = ".error.txt";

/// The name a handled file gets: its date of handling first, so the folder sorts by day, and a
/// number when that name is already taken (`attempt` 0 is the plain name). A name that would
/// grow past what a file system takes (with its note's ending) loses the end of its stem: a
/// file whose own name was legal could otherwise never be moved out.
pub fn handled_name(date: &str, file_name: &str, attempt: u32) -> String {
    let (stem, extension) = match file_name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (file_name, String::new()),
    };
    let number = match attempt {
        0 => String::new(),
        n => format!(" ({})", n + 1),
    };
    let fixed = date.len() + 1 + number.len() + extension.len() + NOTE_SUFFIX.len();
    let mut room = MAX_NAME_BYTES.saturating_sub(fixed).min(stem.len());
    while !stem.is_char_boundary(room) {
        room -= 1;
    }
    format!("{date} {}{number}{extension}", &stem[..room])
}

/// The note left beside a file in `failed/`.
pub fn error_note_name(handled_name: &str) -> String {
    format!("{handled_name}{NOTE_SUFFIX}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn a_long_name_is_cut_to_what_a_file_system_takes_note_and_all() {
        let long = format!("{}.xlsx", "x".repeat(245));
        let handled = handled_name("2026-12-06", &long, 0);
        assert!(handled.starts_with("2026-12-06 xxx") && handled.ends_with("x.xlsx"));
        assert_eq!(error_note_name(&handled).len(), MAX_NAME_BYTES);
        // Cut between characters, never inside one (Telugu letters are 3 bytes each).
        let telugu = format!("{}.ods", "అ".repeat(90));
        for attempt in [0, 1, 41] {
            let handled = handled_name("2026-12-06", &telugu, attempt);
            assert!(
                error_note_name(&handled).len() <= MAX_NAME_BYTES,
                "{handled}"
            );
            assert!(handled.ends_with(".ods"), "{handled}");
        }
        // A name with room to spare is kept whole.
        assert_eq!(
            handled_name("2026-12-06", "bridge.xlsx", 2),
            "2026-12-06 bridge (3).xlsx"
        );
        assert_eq!(handled_name("2026-12-06", "README", 0), "2026-12-06 README");
    }

    #[test]
    fn temporary_and_lock_files_are_ignored() {
        for name in [
            "Thumbs.db",
            "desktop.ini",
            "8E3A2100",
            "0a1b2c3d",
            "~$estimate.xlsx",
            ".~lock.estimate.xlsx#",
            "estimate.xlsx.tmp",
            "ESTIMATE.XLSX.PART",
            "estimate.xlsx.crdownload",
            ".hidden.xlsx",
            "estimate.xlsx~",
        ] {
            assert!(is_ignored(name), "{name} should be ignored");
        }
        for name in [
            "estimate.xlsx",
            "Road 7 (final).ods",
            "old.xls",
            "notes.txt",
            "12345678.xlsx",
            "DEADBEEF1",
        ] {
            assert!(!is_ignored(name), "{name} should be taken");
        }
    }

    #[test]
    fn the_lock_files_of_an_open_workbook_are_named_as_each_program_writes_them() {
        assert_eq!(
            lock_names("site.ods"),
            [".~lock.site.ods#", "~$site.ods", "~$ite.ods", "~$te.ods"]
        );
        assert_eq!(lock_names("a"), [".~lock.a#", "~$a"]);
        // Characters, not bytes: a Devanagari name is cut between letters.
        assert_eq!(lock_names("अनुमान.xlsx")[3], "~$ुमान.xlsx");
        // Each is a name the inbox never takes itself.
        assert!(lock_names("Road 7.xlsx")
            .iter()
            .all(|name| is_ignored(name)));
    }

    #[test]
    fn routes_follow_the_folder_layout() {
        assert_eq!(route(Path::new("a.xlsx")), Some(Route::Home));
        assert_eq!(
            route(Path::new("moh/a.xlsx")),
            Some(Route::OrgFolder("moh".into()))
        );
        assert_eq!(route(Path::new("imported/a.xlsx")), None);
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let latin1 = |bytes: &[u8]| Path::new(std::ffi::OsStr::from_bytes(bytes)).to_owned();
            assert_eq!(route(&latin1(b"Stra\xdfe.xlsx")), Some(Route::Home));
            assert_eq!(
                route(&latin1(b"MO\xffH/b.xlsx")),
                Some(Route::OrgFolder("MO\u{fffd}H".to_owned()))
            );
            assert_eq!(route(&latin1(b"~$Stra\xdfe.xlsx")), None);
        }
        assert_eq!(route(Path::new("Imported")), None);
        assert_eq!(route(Path::new("FAILED/a.xlsx")), None);
        assert_eq!(route(Path::new("moh/deeper/a.xlsx")), None);
        assert_eq!(route(Path::new("moh/~$a.xlsx")), None);
        assert_eq!(route(Path::new(".git/a.xlsx")), None);
        assert_eq!(route(&PathBuf::from("../a.xlsx")), None);
    }

    #[test]
    fn files_below_an_org_subfolder_are_too_deep_unless_hidden_or_handled() {
        assert!(is_too_deep(Path::new("moh/2024/a.xlsx")));
        assert!(is_too_deep(Path::new("archive/2024/march/a.xlsx")));
        for left_alone_on_purpose in [
            "a.xlsx",
            "moh/a.xlsx",
            "imported/2026/a.xlsx",
            "Failed/x/a.xlsx",
            ".git/objects/ab",
            "moh/.cache/a.xlsx",
            "moh/2024/~$a.xlsx",
            "moh/../a.xlsx",
        ] {
            assert!(
                !is_too_deep(Path::new(left_alone_on_purpose)),
                "{left_alone_on_purpose}"
            );
        }
    }

    #[test]
    fn handled_names_carry_the_date_and_never_collide() {
        assert_eq!(handled_name("2026-12-02", "a.xlsx", 0), "2026-12-02 a.xlsx");
        assert_eq!(
            handled_name("2026-12-02", "a.xlsx", 1),
            "2026-12-02 a (2).xlsx"
        );
        assert_eq!(
            handled_name("2026-12-02", "README", 2),
            "2026-12-02 README (3)"
        );
        assert_eq!(
            error_note_name("2026-12-02 a.xlsx"),
            "2026-12-02 a.xlsx.error.txt"
        );
    }
}
