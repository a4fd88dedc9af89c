//! Document titles: ordinal bill titles, work-slip titles and the supplemental heading.
//!
//! The department writes the first ten ordinals in words (`CC First & Part Bill`) and the rest
//! as figures with English suffixes (`CC 11th & Part Bill`, `CC 21st & Final Bill`). Keeping the
//! titles here means the PDF, the XLSX and the bill list in the UI can never disagree.

const ORDINAL_WORDS: [&str; 10] = [
    "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
];

/// The ordinal used in titles: `First` … `Tenth`, then `11th`, `12th`, `13th`, `21st`, `22nd`,
/// `23rd`, `101st`, `111th` …  Zero, which no document uses, reads `0th`.
pub fn ordinal(n: u32) -> String {
    if (1..=10).contains(&n) {
        return ORDINAL_WORDS[n as usize - 1].to_owned();
    }
    // 11, 12 and 13 (and 111, 212, …) take "th" even though they end in 1, 2, 3.
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The title of bill `number`: `CC First & Part Bill`, `CC Second & Final Bill`,
/// `CC 11th & Part Bill`.
pub fn bill_title(number: u32, is_final: bool) -> String {
    let stage = if is_final { "Final" } else { "Part" };
    format!("CC {} & {stage} Bill", ordinal(number))
}

/// The title of work slip `phase`: `WORKING ESTIMATE` for phase 1, `WORKING ESTIMATE-N` after.
pub fn workslip_title(phase: u32) -> String {
    suffixed("WORKING ESTIMATE", phase)
}

/// The heading over supplemental items introduced in work slip `phase`: `Supplemental Items`
/// for phase 1, `Supplemental Items-N` after, mirroring the work-slip title.
pub fn supplemental_heading(phase: u32) -> String {
    suffixed("Supplemental Items", phase)
}

fn suffixed(base: &str, phase: u32) -> String {
    if phase <= 1 {
        base.to_owned()
    } else {
        format!("{base}-{phase}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_ten_are_words() {
        let words: Vec<String> = (1..=10).map(ordinal).collect();
        assert_eq!(
            words,
            [
                "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth",
                "Ninth", "Tenth"
            ]
        );
    }

    #[test]
    fn later_ordinals_use_suffixes() {
        for (n, expected) in [
            (11, "11th"),
            (12, "12th"),
            (13, "13th"),
            (14, "14th"),
            (20, "20th"),
            (21, "21st"),
            (22, "22nd"),
            (23, "23rd"),
            (24, "24th"),
            (101, "101st"),
            (102, "102nd"),
            (111, "111th"),
            (112, "112th"),
            (113, "113th"),
            (1001, "1001st"),
            (0, "0th"),
        ] {
            assert_eq!(ordinal(n), expected);
        }
    }

    #[test]
    fn bill_titles() {
        assert_eq!(bill_title(1, false), "CC First & Part Bill");
        assert_eq!(bill_title(2, true), "CC Second & Final Bill");
        assert_eq!(bill_title(11, false), "CC 11th & Part Bill");
        assert_eq!(bill_title(22, true), "CC 22nd & Final Bill");
    }

    #[test]
    fn workslip_titles_and_headings() {
        assert_eq!(workslip_title(1), "WORKING ESTIMATE");
        assert_eq!(workslip_title(2), "WORKING ESTIMATE-2");
        assert_eq!(workslip_title(10), "WORKING ESTIMATE-10");
        assert_eq!(supplemental_heading(1), "Supplemental Items");
        assert_eq!(supplemental_heading(3), "Supplemental Items-3");
    }
}
