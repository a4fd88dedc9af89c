//! Names people give to people and organizations: the rule every face and every roster
//! applies before a name is stored, shown in pickers and member lists, and written to the audit
//! log beside other people's.

/// The longest name of a person or an organization: the picker, the member list and the
/// documents' author line show it whole.
pub const MAX_DISPLAY_NAME_CHARS: usize = 120;

/// The folders the inbox keeps inside itself for the files it has handled. A subfolder of the
/// inbox named after an org code imports into that org, so no org may take one of these as its
/// code.
pub const INBOX_OWN_FOLDERS: [&str; 2] = ["imported", "failed"];

/// Whether `code` names one of the inbox's own folders (any case).
pub fn is_inbox_folder(code: &str) -> bool {
    INBOX_OWN_FOLDERS
        .iter()
        .any(|folder| folder.eq_ignore_ascii_case(code))
}

/// What is wrong with a person's or an organization's name as typed, if anything. It is shown
/// in lists and logs beside other people's, so it must read as what it is: no line breaks (a
/// name on two lines forged a second row of the member list), no direction overrides (which
/// make a name read as another), and at least one letter or digit.
pub fn display_name_problem(name: &str) -> Option<String> {
    let chars = name.chars().count();
    if name.trim().is_empty() {
        Some("is empty".into())
    } else if chars > MAX_DISPLAY_NAME_CHARS {
        Some(format!(
            "has {chars} characters; it may have at most {MAX_DISPLAY_NAME_CHARS}"
        ))
    } else if name.chars().any(char::is_control) {
        Some("holds a line break, tab or other control character".into())
    } else if name.chars().any(is_direction_control) {
        Some("holds a character that overrides the direction of text".into())
    } else if name.chars().any(is_invisible) {
        Some(
            "holds an invisible character (a zero-width space, soft hyphen, word joiner or \
             byte-order mark), which would make it look like another name"
                .into(),
        )
    } else if !name.chars().any(char::is_alphanumeric) {
        Some("has no letter or digit".into())
    } else {
        None
    }
}

/// `text` as a message may quote it back to the person who typed it: on one line (a control
/// character becomes a space), with each direction control written out as `<U+202E>` so that
/// it cannot reorder the sentence around it, and cut to `longest` characters with "…" after.
pub fn quoted_safely(text: &str, longest: usize) -> String {
    let mut quoted = String::new();
    for (shown, c) in text.chars().enumerate() {
        if shown == longest {
            quoted.push('…');
            break;
        }
        if c.is_control() {
            quoted.push(' ');
        } else if is_direction_control(c) {
            quoted.push_str(&format!("<U+{:04X}>", u32::from(c)));
        } else {
            quoted.push(c);
        }
    }
    quoted
}

/// Unicode's explicit embedding, override and isolate controls (the marks LRM and RLM, which
/// change no order on their own, are allowed).
pub(crate) fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that draw nothing and join nothing: a name holding one looks like the name
/// without it. The zero-width joiner and non-joiner are not among them, since Indian scripts
/// need them to spell a name.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invisible_character_is_refused_but_the_joiners_of_indian_scripts_are_kept() {
        for name in [
            "P\u{200B}WD Roads",
            "\u{FEFF}PWD",
            "PWD\u{2060}",
            "Ro\u{00AD}ads",
        ] {
            assert!(
                display_name_problem(name).is_some_and(|p| p.contains("invisible")),
                "{name:?}"
            );
        }
        // "Lakshmi" in Telugu with a zero-width non-joiner, and Devanagari with a joiner.
        assert_eq!(display_name_problem("లక్\u{200C}ష్మి"), None);
        assert_eq!(display_name_problem("क्\u{200D}ष"), None);
    }

    #[test]
    fn a_name_must_read_as_what_it_is() {
        assert_eq!(display_name_problem("Asha Rao"), None);
        assert_eq!(display_name_problem("ఆశా రావు"), None);
        assert_eq!(display_name_problem("Ministry of Health (MOH)"), None);
        for (name, problem) in [
            ("", "is empty"),
            ("   ", "is empty"),
            ("Asha\nasha  Asha Rao  owner", "control character"),
            ("Evil\u{202E}emaN", "overrides the direction"),
            ("\u{200B}\u{200B}", "invisible character"),
            ("-- --", "no letter or digit"),
        ] {
            let found = display_name_problem(name).unwrap_or_default();
            assert!(found.contains(problem), "{name:?}: {found}");
        }
        let long = "a".repeat(MAX_DISPLAY_NAME_CHARS + 1);
        assert!(display_name_problem(&long).unwrap().contains("at most 120"));
    }

    #[test]
    fn quoted_text_cannot_reorder_or_break_the_sentence_around_it() {
        assert_eq!(quoted_safely("ravi", 40), "ravi");
        assert_eq!(quoted_safely("ఆశా రావు", 40), "ఆశా రావు");
        assert_eq!(quoted_safely("evil\u{202E}nimda", 40), "evil<U+202E>nimda");
        assert_eq!(
            quoted_safely("a\u{2067}b\u{2069}", 40),
            "a<U+2067>b<U+2069>"
        );
        assert_eq!(quoted_safely("two\nlines\ttab", 40), "two lines tab");
        assert_eq!(quoted_safely("abcdef", 4), "abcd…");
        assert_eq!(quoted_safely("abcd", 4), "abcd");
        let long = "a".repeat(MAX_DISPLAY_NAME_CHARS + 1);
        assert!(display_name_problem(&long).unwrap().contains("at most 120"));
    }
}
