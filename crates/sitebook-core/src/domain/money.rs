//! Money: the one rounding rule, numbers typed as text, and Indian digit grouping.
//!
//! Every money figure in Sitebook is an exact [`Decimal`]; floats never touch money or
//! quantities. The department rounds half-up (away from zero on a tie) to two places, and it
//! does so at specific points of each formula. [`round2`] is that rule, and every other module
//! calls it rather than rounding on its own, so a change of convention has one home.
//!
//! Workbooks often hold numbers as text (`"1,23,456.00"`, `" 12 "`, `"Rs. 1,200/-"`); the
//! legacy parser read those as zero. [`parse_number_text`] reads them, and refuses anything
//! ambiguous rather than guessing.
//!
//! [`MAX_FIGURE`] bounds every quantity, rate and total that enters the domain. Decimal
//! arithmetic panics on overflow, and a hostile workbook must not be able to crash the app with
//! a rate of 10^20; with inputs below 10^12 no product or realistic sum comes near the limit.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

/// Largest absolute quantity, rate or total the domain accepts: 10^12 (one lakh crore).
///
/// No public work comes near it, yet products of two such figures (10^24) and sums of millions
/// of rows stay far inside `Decimal`'s range (about 7.9 × 10^28), so arithmetic cannot overflow.
pub const MAX_FIGURE: Decimal = dec!(1_000_000_000_000);

/// Rounds half-up (ties away from zero) to two decimal places: the department's ROUND2.
///
/// The result always carries exactly two decimal places (`100` becomes `100.00`) and never a
/// negative zero, so identical figures serialize and display identically. That matters because
/// documents are evidence: the same inputs must produce the same bytes.
pub fn round2(d: Decimal) -> Decimal {
    let mut rounded = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    if rounded.is_zero() {
        rounded.set_sign_positive(true);
    }
    rounded
}

/// `ROUND2(base × percent / 100)`: the shape of every premium, cess and tax line.
pub fn percent_of(base: Decimal, percent: Decimal) -> Decimal {
    round2(base * percent / dec!(100))
}

/// `ROUND2(quantity × rate)`: the amount of one row of any document.
pub fn amount(quantity: Decimal, rate: Decimal) -> Decimal {
    round2(quantity * rate)
}

/// Whether a figure is within [`MAX_FIGURE`] in absolute value.
pub fn within_limit(value: Decimal) -> bool {
    value.abs() <= MAX_FIGURE
}

/// Whether a money figure (an amount, or a rate per unit) is finer than a paisa: it would print
/// rounded, or be paid rounded, and so not be what was typed. Trailing zeros do not count.
pub fn finer_than_paise(value: Decimal) -> bool {
    value.normalize().scale() > 2
}

/// A labelled money figure: one line of a totals or footer block, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledAmount {
    /// The text printed in the description column, e.g. `Add LC @ 1 %`.
    pub label: String,
    /// The figure printed in the amount column, already rounded.
    pub amount: Decimal,
}

impl LabelledAmount {
    /// Builds a line; `amount` is stored as given, so callers pass rounded figures.
    pub fn new(label: impl Into<String>, amount: Decimal) -> Self {
        Self {
            label: label.into(),
            amount,
        }
    }
}

/// Why `text`, which [`parse_number_text`] did not read, is no figure: "is too large" for
/// digits beyond the 28 a Decimal keeps (a person typed a number, and should be told so),
/// "is not a number" for anything else.
pub fn unread_figure_reason(text: &str) -> &'static str {
    let digits = text.trim().trim_start_matches(['-', '+']);
    let too_many_digits = digits
        .chars()
        .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1
        && digits.chars().filter(char::is_ascii_digit).count() > 28;
    if too_many_digits {
        "is too large to be a quantity, rate or amount"
    } else {
        "is not a number"
    }
}

/// Reads a number that a spreadsheet stored as text.
///
/// Accepted, around optional surrounding whitespace:
/// - digits with an optional decimal point: `12`, `12.5`, `.5`, `12.`;
/// - grouping commas in the integer part, either Indian (`1,23,45,678`) or international
///   (`12,345,678`), but only at consistent positions: `12,34` is refused, because in some
///   locales it means 12.34 and a wrong guess would silently change money;
/// - a leading `-` or `+` (also the Unicode minus sign), or accounting parentheses
///   `(1,200.00)` for a negative;
/// - a currency prefix `Rs.`, `Rs`, `INR` or `₹` (any case), and the Indian `/-` suffix.
///
/// Anything else (words, percentages, exponents, two signs, more significant digits than the
/// 28 a Decimal keeps) gives `None`. The scale of the
/// text is kept (`"1,234.50"` reads as `1234.50`), and a negative zero reads as zero.
pub fn parse_number_text(s: &str) -> Option<Decimal> {
    let mut text = s.trim();
    let mut negative = false;

    if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        negative = true;
        text = inner.trim();
    }

    // A sign may come before or after the currency mark ("-Rs. 5", "Rs. -5"), but only once.
    let mut signed = negative;
    if let Some((is_negative, rest)) = take_sign(text) {
        if signed {
            return None;
        }
        negative = is_negative;
        signed = true;
        text = rest.trim_start();
    }
    text = strip_currency(text).trim_start();
    if let Some((is_negative, rest)) = take_sign(text) {
        if signed {
            return None;
        }
        negative = is_negative;
        text = rest.trim_start();
    }
    text = text.strip_suffix("/-").unwrap_or(text).trim_end();

    let plain = ungroup_digits(text)?;
    let mut value = Decimal::from_str(&plain).ok()?;
    if !keeps_every_digit(&plain, value) {
        return None;
    }
    if negative {
        value.set_sign_negative(true);
    }
    if value.is_zero() {
        value.set_sign_positive(true);
    }
    Some(value)
}

fn take_sign(text: &str) -> Option<(bool, &str)> {
    let mut chars = text.chars();
    match chars.next()? {
        '-' | '\u{2212}' => Some((true, chars.as_str())),
        '+' => Some((false, chars.as_str())),
        _ => None,
    }
}

fn strip_currency(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix('₹') {
        return rest;
    }
    for prefix in ["rs.", "inr", "rs"] {
        if let Some(head) = text.get(..prefix.len()) {
            if head.eq_ignore_ascii_case(prefix) {
                return &text[prefix.len()..];
            }
        }
    }
    text
}

/// Checks the digits and grouping of an unsigned number and returns it without commas.
/// Whether `value` is exactly the unsigned decimal `plain`: a Decimal holds 28 significant
/// digits and rounds the rest away without a word, so a figure typed past them would be read
/// as another.
fn keeps_every_digit(plain: &str, value: Decimal) -> bool {
    // 28 digits and a point always fit: only a longer figure, rare, is compared in full.
    if plain.len() <= 29 {
        return true;
    }
    let (integer, fraction) = plain.split_once('.').unwrap_or((plain, ""));
    let integer = integer.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let typed = match (integer.is_empty(), fraction.is_empty()) {
        (true, true) => "0".to_owned(),
        (true, false) => format!("0.{fraction}"),
        (false, true) => integer.to_owned(),
        (false, false) => format!("{integer}.{fraction}"),
    };
    typed == value.normalize().to_string()
}

fn ungroup_digits(text: &str) -> Option<String> {
    let (integer, fraction) = match text.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (text, None),
    };
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if let Some(fraction) = fraction {
        if !all_digits(fraction) {
            return None;
        }
    }
    let fraction = fraction.unwrap_or("");
    if integer.is_empty() && fraction.is_empty() {
        return None;
    }

    let groups: Vec<&str> = integer.split(',').collect();
    if groups.len() > 1 && !grouping_is_consistent(&groups) {
        return None;
    }
    if !groups.iter().all(|g| all_digits(g)) {
        return None;
    }

    let mut plain: String = groups.concat();
    if plain.is_empty() {
        plain.push('0');
    }
    if !fraction.is_empty() {
        plain.push('.');
        plain.push_str(fraction);
    }
    Some(plain)
}

/// Indian grouping is 1–2 digits, then pairs, then a final three; international grouping is
/// 1–3 digits, then threes. A mix of the two is refused.
fn grouping_is_consistent(groups: &[&str]) -> bool {
    let (first, rest) = groups.split_first().expect("split always yields a group");
    let (last, middle) = rest.split_last().expect("more than one group");
    if last.len() != 3 || first.is_empty() {
        return false;
    }
    let indian = first.len() <= 2 && middle.iter().all(|g| g.len() == 2);
    let international = first.len() <= 3 && middle.iter().all(|g| g.len() == 3);
    indian || international
}

/// How documents write the currency before an amount: `Rs.` (the default, as departments
/// have always typed it) or the rupee sign `₹`. An organization's setting; each document keeps
/// the mark it was made with, so a document rendered again is the same file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub enum CurrencyMark {
    /// `Rs. 1,200.00`
    #[default]
    #[serde(rename = "Rs.")]
    Rs,
    /// `₹ 1,200.00`
    #[serde(rename = "₹")]
    RupeeSign,
}

impl CurrencyMark {
    /// The mark as printed.
    pub fn symbol(self) -> &'static str {
        match self {
            CurrencyMark::Rs => "Rs.",
            CurrencyMark::RupeeSign => "\u{20B9}",
        }
    }

    /// `amount` after the mark: `Rs. 1,23,456.00`.
    pub fn amount(self, amount: Decimal) -> String {
        format!("{} {}", self.symbol(), format_indian(amount))
    }

    /// Whether this is the default, `Rs.` (stored inputs leave it out, so documents made before
    /// the setting existed keep their hashes).
    pub fn is_default(&self) -> bool {
        *self == CurrencyMark::Rs
    }

    /// Reads a mark as a person types it: `Rs.`, `Rs`, `₹`, `INR`, `rupee`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "rs." | "rs" => Some(CurrencyMark::Rs),
            "\u{20B9}" | "inr" | "rupee" | "rupee-sign" => Some(CurrencyMark::RupeeSign),
            _ => None,
        }
    }
}

/// Formats a figure with two decimals and Indian grouping: `1,23,45,678.90`, `-1,234.00`.
///
/// The figure is rounded with [`round2`] first, so a value that rounds to zero prints `0.00`
/// without a sign.
pub fn format_indian(d: Decimal) -> String {
    let rounded = round2(d);
    let text = format!("{:.2}", rounded.abs());
    let (integer, fraction) = text
        .split_once('.')
        .expect("a two-decimal format always has a point");
    let sign = if rounded.is_sign_negative() { "-" } else { "" };
    format!("{sign}{}.{fraction}", group_indian(integer))
}

/// Inserts Indian grouping commas into a run of digits: the last three, then pairs.
pub fn group_indian(digits: &str) -> String {
    if digits.len() <= 3 {
        return digits.to_owned();
    }
    let (head, last_three) = digits.split_at(digits.len() - 3);
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 2);
    let first_pair_len = if head.len() % 2 == 1 { 1 } else { 2 };
    grouped.push_str(&head[..first_pair_len]);
    let mut rest = &head[first_pair_len..];
    while !rest.is_empty() {
        grouped.push(',');
        grouped.push_str(&rest[..2]);
        rest = &rest[2..];
    }
    grouped.push(',');
    grouped.push_str(last_three);
    grouped
}

/// Formats a percentage for a label without trailing zeros: `5`, `4.5`, `0.1`.
pub fn format_percent(percent: Decimal) -> String {
    percent.normalize().to_string()
}

/// An independent ROUND2 used by tests across the domain: integer arithmetic on the mantissa,
/// sharing no code with [`round2`], so the two can check each other.
#[cfg(test)]
pub(crate) fn half_up_reference(d: Decimal) -> Decimal {
    let scale = d.scale();
    let mantissa = d.mantissa();
    if scale <= 2 {
        return Decimal::from_i128_with_scale(mantissa * 10i128.pow(2 - scale), 2);
    }
    let divisor = 10i128.pow(scale - 2);
    let magnitude = mantissa.abs();
    let mut cents = magnitude / divisor;
    if (magnitude % divisor) * 2 >= divisor {
        cents += 1;
    }
    Decimal::from_i128_with_scale(if mantissa < 0 { -cents } else { cents }, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round2_rounds_ties_away_from_zero() {
        assert_eq!(round2(dec!(2.345)), dec!(2.35));
        assert_eq!(round2(dec!(2.344999)), dec!(2.34));
        assert_eq!(round2(dec!(-2.345)), dec!(-2.35));
        assert_eq!(round2(dec!(0.005)), dec!(0.01));
        // Banker's rounding would give 2.34 here; the department's rule gives 2.35.
        assert_eq!(round2(dec!(2.345)).to_string(), "2.35");
    }

    #[test]
    fn round2_always_has_two_places_and_no_negative_zero() {
        assert_eq!(round2(dec!(100)).to_string(), "100.00");
        assert_eq!(round2(dec!(1.5)).to_string(), "1.50");
        assert_eq!(round2(dec!(-0.001)).to_string(), "0.00");
    }

    #[test]
    fn percent_of_matches_domain_examples() {
        assert_eq!(percent_of(dec!(100000), dec!(5)), dec!(5000.00));
        assert_eq!(percent_of(dec!(107100), dec!(18)), dec!(19278.00));
        assert_eq!(percent_of(dec!(50000), dec!(4.5)), dec!(2250.00));
        assert_eq!(percent_of(dec!(100000), dec!(0.1)), dec!(100.00));
    }

    #[test]
    fn parses_plain_and_grouped_numbers() {
        assert_eq!(parse_number_text("1,234.50"), Some(dec!(1234.50)));
        assert_eq!(parse_number_text("1,23,456.00"), Some(dec!(123456.00)));
        assert_eq!(parse_number_text("12,345,678"), Some(dec!(12345678)));
        assert_eq!(parse_number_text("1,23,45,678.90"), Some(dec!(12345678.90)));
        assert_eq!(parse_number_text(" 12 "), Some(dec!(12)));
        assert_eq!(parse_number_text("\u{a0}7.5\t"), Some(dec!(7.5)));
        assert_eq!(parse_number_text("-5"), Some(dec!(-5)));
        assert_eq!(parse_number_text("+5"), Some(dec!(5)));
        assert_eq!(parse_number_text(".5"), Some(dec!(0.5)));
        assert_eq!(parse_number_text("12."), Some(dec!(12)));
        assert_eq!(parse_number_text("0012"), Some(dec!(12)));
    }

    #[test]
    fn a_figure_with_more_digits_than_can_be_kept_is_refused_not_rounded() {
        // 31 significant digits: the last three would be rounded away.
        assert_eq!(parse_number_text("4.500000000000000000000000000001"), None);
        assert_eq!(parse_number_text("0.1234567890123456789012345678901"), None);
        // Zeros past the 28th digit change nothing, and 28 digits are kept whole.
        assert_eq!(
            parse_number_text("4.500000000000000000000000000000000"),
            Some(dec!(4.5))
        );
        assert_eq!(
            parse_number_text("1.234567890123456789012345678"),
            Some(dec!(1.234567890123456789012345678))
        );
        assert_eq!(parse_number_text("-0.000"), Some(dec!(0)));
        assert_eq!(parse_number_text("(1,234.50)"), Some(dec!(-1234.50)));
    }

    #[test]
    fn keeps_the_scale_of_the_text() {
        assert_eq!(
            parse_number_text("1,234.50").unwrap().to_string(),
            "1234.50"
        );
    }

    #[test]
    fn parses_accounting_and_currency_forms() {
        assert_eq!(parse_number_text("(1,200.00)"), Some(dec!(-1200.00)));
        assert_eq!(parse_number_text("Rs. 1,200"), Some(dec!(1200)));
        assert_eq!(parse_number_text("rs 1,200/-"), Some(dec!(1200)));
        assert_eq!(parse_number_text("INR 99.95"), Some(dec!(99.95)));
        assert_eq!(parse_number_text("₹1,00,000"), Some(dec!(100000)));
        assert_eq!(parse_number_text("-Rs. 5"), Some(dec!(-5)));
        assert_eq!(parse_number_text("Rs. -5"), Some(dec!(-5)));
        assert_eq!(parse_number_text("\u{2212}3"), Some(dec!(-3)));
        assert_eq!(parse_number_text("-0.00").unwrap().to_string(), "0.00");
    }

    #[test]
    fn refuses_non_numbers_and_ambiguous_grouping() {
        for text in [
            "",
            "  ",
            "-",
            ".",
            "abc",
            "12a",
            "1.2.3",
            "12,34",
            "1,2,3",
            "1,234,56,789",
            "123,45,678",
            ",123",
            "1,234,",
            "1e5",
            "5%",
            "--5",
            "(-5)",
            "Rs.",
            "1 234",
            "Nos",
        ] {
            assert_eq!(parse_number_text(text), None, "{text:?} should not parse");
        }
    }

    #[test]
    fn formats_with_indian_grouping() {
        assert_eq!(format_indian(dec!(12345678.9)), "1,23,45,678.90");
        assert_eq!(format_indian(dec!(100000)), "1,00,000.00");
        assert_eq!(format_indian(dec!(107100)), "1,07,100.00");
        assert_eq!(format_indian(dec!(999)), "999.00");
        assert_eq!(format_indian(dec!(1000)), "1,000.00");
        assert_eq!(format_indian(dec!(-1234)), "-1,234.00");
        assert_eq!(format_indian(dec!(0)), "0.00");
        assert_eq!(format_indian(dec!(-0.004)), "0.00");
        assert_eq!(
            format_indian(dec!(1234567890123.456)),
            "12,34,56,78,90,123.46"
        );
    }

    #[test]
    fn formats_percent_without_trailing_zeros() {
        assert_eq!(format_percent(dec!(5.00)), "5");
        assert_eq!(format_percent(dec!(4.50)), "4.5");
        assert_eq!(format_percent(dec!(0.1)), "0.1");
    }

    fn any_decimal() -> impl Strategy<Value = Decimal> {
        (-10i64.pow(15)..10i64.pow(15), 0u32..=8).prop_map(|(m, s)| Decimal::new(m, s))
    }

    /// Groups a run of digits in threes: `1,234,567`.
    fn group_international(digits: &str) -> String {
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        grouped
    }

    proptest! {
        /// A quantity or amount written in either grouping is read back unchanged.
        #[test]
        fn grouped_numbers_read_back_unchanged(
            whole in 0u64..1_000_000_000_000,
            fraction in proptest::option::of(0u32..1000),
        ) {
            let digits = whole.to_string();
            let tail = fraction.map(|f| format!(".{f:03}")).unwrap_or_default();
            let expected = Decimal::from_str(&format!("{digits}{tail}")).unwrap();
            for grouped in [group_indian(&digits), group_international(&digits), digits.clone()] {
                let text = format!("{grouped}{tail}");
                prop_assert_eq!(parse_number_text(&text), Some(expected), "{}", text);
            }
        }

        /// A comma followed by anything but a full group of three digits (`12,5`, `1,2,3`,
        /// `12,3456`) is refused, never guessed.
        #[test]
        fn ambiguous_commas_are_refused(
            head in "[1-9][0-9]{0,2}",
            groups in proptest::collection::vec("[0-9]{1,5}", 1..4),
            fraction in proptest::option::of("[0-9]{1,3}"),
        ) {
            prop_assume!(groups.last().is_some_and(|g| g.len() != 3));
            let tail = fraction.map(|f| format!(".{f}")).unwrap_or_default();
            let text = format!("{head},{}{tail}", groups.join(","));
            prop_assert_eq!(parse_number_text(&text), None, "{}", text);
        }

        #[test]
        fn round2_is_half_up_at_two_places(d in any_decimal()) {
            let rounded = round2(d);
            prop_assert_eq!(rounded, half_up_reference(d));
            prop_assert_eq!(rounded.scale(), 2);
            // Never more than half a paisa away.
            prop_assert!((rounded - d).abs() <= dec!(0.005));
        }

        #[test]
        fn format_then_parse_round_trips(d in any_decimal()) {
            let printed = format_indian(d);
            prop_assert_eq!(parse_number_text(&printed), Some(round2(d)));
        }

        #[test]
        fn international_grouping_parses_too(n in 0u64..10u64.pow(15), paise in 0u32..100) {
            let digits = n.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            let text = format!("{grouped}.{paise:02}");
            let expected = Decimal::from(n) + Decimal::new(i64::from(paise), 2);
            prop_assert_eq!(parse_number_text(&text), Some(expected));
        }
    }

    #[test]
    fn an_unread_figure_is_said_too_large_only_when_it_is_digits_beyond_what_is_kept() {
        let huge = "99999999999999999999999999999";
        assert_eq!(parse_number_text(huge), None);
        assert_eq!(
            unread_figure_reason(huge),
            "is too large to be a quantity, rate or amount"
        );
        assert_eq!(
            unread_figure_reason("-1,00,00,00,00,00,00,00,00,00,00,00,00,000.5"),
            "is too large to be a quantity, rate or amount"
        );
        assert_eq!(unread_figure_reason("ten"), "is not a number");
        assert_eq!(unread_figure_reason("1,2,3"), "is not a number");
        assert_eq!(unread_figure_reason("1.2.3"), "is not a number");
    }
}
