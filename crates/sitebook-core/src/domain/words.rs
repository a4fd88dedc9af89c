//! Amount in words, Indian system: the one routine every document uses.
//!
//! Bills print their payable amount in words, and a mismatch between figures and words is the
//! kind of error an auditor notices first. So there is exactly one implementation, it works on
//! the [`round2`]ed figure (the same one printed in numbers), and it follows the department's
//! wording: `Rupees Twelve Lakh Thirty Four Thousand Five Hundred Sixty Seven and Paise Eighty
//! Nine Only`.
//!
//! Conventions: no "and" inside the rupee part, no hyphens ("Twenty One"), crore counts above 99
//! are spelled with the same Indian system ("One Lakh Twenty Three Thousand Crore"), zero paise
//! drop the paise clause, a negative figure is prefixed with `Minus `, and an amount under one
//! rupee still names the rupees (`Rupees Zero and Paise Fifty Only`) so every line has the same
//! shape.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::money::round2;

const UNITS: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];

const TENS: [&str; 10] = [
    "", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety",
];

const CRORE: u128 = 10_000_000;
const LAKH: u128 = 100_000;
const THOUSAND: u128 = 1_000;

/// Spells a money figure in words, Indian system, with paise.
///
/// The figure is rounded with [`round2`] first. Examples:
/// `1234567.89` → `Rupees Twelve Lakh Thirty Four Thousand Five Hundred Sixty Seven and Paise
/// Eighty Nine Only`; `100` → `Rupees One Hundred Only`; `0` → `Rupees Zero Only`.
pub fn amount_in_words(d: Decimal) -> String {
    let rounded = round2(d);
    let magnitude = rounded.abs();
    let rupees = magnitude
        .trunc()
        .to_u128()
        .expect("a Decimal's integer part always fits in u128");
    let paise = ((magnitude - magnitude.trunc()) * Decimal::ONE_HUNDRED)
        .to_u128()
        .expect("paise of a two-place figure are 0..=99");

    let mut words = Vec::new();
    if rounded.is_sign_negative() {
        words.push("Minus");
    }
    words.push("Rupees");
    if rupees == 0 {
        words.push(UNITS[0]);
    } else {
        push_indian(rupees, &mut words);
    }
    if paise > 0 {
        words.push("and");
        words.push("Paise");
        push_below_hundred(paise, &mut words);
    }
    words.push("Only");
    words.join(" ")
}

/// Pushes the words for a positive integer: crore, lakh, thousand, hundred, then the rest.
fn push_indian(n: u128, words: &mut Vec<&'static str>) {
    let crores = n / CRORE;
    if crores > 0 {
        // Above 99 crore the count of crores is itself spelled in the Indian system.
        push_indian(crores, words);
        words.push("Crore");
    }
    let below_crore = n % CRORE;
    for (size, name) in [(LAKH, "Lakh"), (THOUSAND, "Thousand")] {
        let count = below_crore / size % 100;
        if count > 0 {
            push_below_hundred(count, words);
            words.push(name);
        }
    }
    let hundreds = below_crore / 100 % 10;
    if hundreds > 0 {
        words.push(UNITS[hundreds as usize]);
        words.push("Hundred");
    }
    let rest = below_crore % 100;
    if rest > 0 {
        push_below_hundred(rest, words);
    }
}

/// Pushes 1..=99 as words ("Eighty Nine", "Twelve", "Forty").
fn push_below_hundred(n: u128, words: &mut Vec<&'static str>) {
    debug_assert!((1..100).contains(&n));
    let n = n as usize;
    if n < 20 {
        words.push(UNITS[n]);
    } else {
        words.push(TENS[n / 10]);
        if !n.is_multiple_of(10) {
            words.push(UNITS[n % 10]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn domain_example() {
        assert_eq!(
            amount_in_words(dec!(1234567.89)),
            "Rupees Twelve Lakh Thirty Four Thousand Five Hundred Sixty Seven and Paise Eighty Nine Only"
        );
    }

    #[test]
    fn whole_rupees_omit_paise() {
        assert_eq!(amount_in_words(dec!(100)), "Rupees One Hundred Only");
        assert_eq!(amount_in_words(dec!(100.00)), "Rupees One Hundred Only");
        assert_eq!(
            amount_in_words(dec!(47750)),
            "Rupees Forty Seven Thousand Seven Hundred Fifty Only"
        );
    }

    #[test]
    fn zero_and_small_amounts() {
        assert_eq!(amount_in_words(dec!(0)), "Rupees Zero Only");
        assert_eq!(amount_in_words(dec!(0.001)), "Rupees Zero Only");
        assert_eq!(
            amount_in_words(dec!(0.5)),
            "Rupees Zero and Paise Fifty Only"
        );
        assert_eq!(
            amount_in_words(dec!(0.05)),
            "Rupees Zero and Paise Five Only"
        );
        assert_eq!(amount_in_words(dec!(19)), "Rupees Nineteen Only");
        assert_eq!(amount_in_words(dec!(21)), "Rupees Twenty One Only");
    }

    #[test]
    fn rounds_before_spelling() {
        assert_eq!(
            amount_in_words(dec!(1.005)),
            "Rupees One and Paise One Only"
        );
        assert_eq!(amount_in_words(dec!(0.999)), "Rupees One Only");
    }

    #[test]
    fn crores_including_above_ninety_nine() {
        assert_eq!(amount_in_words(dec!(10000000)), "Rupees One Crore Only");
        assert_eq!(
            amount_in_words(dec!(1230000000)),
            "Rupees One Hundred Twenty Three Crore Only"
        );
        assert_eq!(
            amount_in_words(dec!(1234567890.12)),
            "Rupees One Hundred Twenty Three Crore Forty Five Lakh Sixty Seven Thousand \
             Eight Hundred Ninety and Paise Twelve Only"
        );
        assert_eq!(
            amount_in_words(dec!(1230000000000)),
            "Rupees One Lakh Twenty Three Thousand Crore Only"
        );
        assert_eq!(
            amount_in_words(dec!(100000000000000)),
            "Rupees One Crore Crore Only"
        );
    }

    #[test]
    fn negatives_are_prefixed() {
        assert_eq!(
            amount_in_words(dec!(-1234)),
            "Minus Rupees One Thousand Two Hundred Thirty Four Only"
        );
        assert_eq!(amount_in_words(dec!(-0.001)), "Rupees Zero Only");
    }

    /// Reads the words back into a number, independently of the speller: each scale word
    /// multiplies what precedes it, and "Crore" closes everything read so far.
    fn words_to_value(text: &str) -> Decimal {
        let mut tokens: Vec<&str> = text.split(' ').collect();
        assert_eq!(tokens.pop(), Some("Only"));
        let negative = tokens.first() == Some(&"Minus");
        if negative {
            tokens.remove(0);
        }
        assert_eq!(tokens.remove(0), "Rupees");
        let (rupee_words, paise_words) = match tokens.iter().position(|t| *t == "and") {
            Some(i) => {
                assert_eq!(tokens[i + 1], "Paise");
                (&tokens[..i], &tokens[i + 2..])
            }
            None => (&tokens[..], &[][..]),
        };
        let rupees = read_integer(rupee_words);
        let paise = read_integer(paise_words);
        assert!(paise < 100);
        let value = Decimal::from(rupees) + Decimal::new(paise as i64, 2);
        if negative {
            -value
        } else {
            value
        }
    }

    fn read_integer(tokens: &[&str]) -> u128 {
        let (mut closed, mut section, mut current) = (0u128, 0u128, 0u128);
        for token in tokens {
            if let Some(n) = UNITS.iter().position(|w| w == token) {
                current += n as u128;
            } else if let Some(n) = TENS.iter().position(|w| !w.is_empty() && w == token) {
                current += 10 * n as u128;
            } else {
                match *token {
                    "Hundred" => current *= 100,
                    "Thousand" => (section, current) = (section + current * 1_000, 0),
                    "Lakh" => (section, current) = (section + current * 100_000, 0),
                    "Crore" => {
                        (closed, section, current) = ((closed + section + current) * CRORE, 0, 0)
                    }
                    other => panic!("unexpected word {other:?}"),
                }
            }
        }
        closed + section + current
    }

    fn money() -> impl Strategy<Value = Decimal> {
        (-(10i64.pow(17))..10i64.pow(17)).prop_map(|paise| Decimal::new(paise, 2))
    }

    proptest! {
        #[test]
        fn words_read_back_to_the_same_amount(d in money()) {
            prop_assert_eq!(words_to_value(&amount_in_words(d)), d);
        }

        #[test]
        fn scale_words_appear_exactly_when_due(d in money()) {
            let words = amount_in_words(d);
            let rupees = d.abs().trunc();
            prop_assert_eq!(words.contains("Crore"), rupees >= dec!(10000000));
            prop_assert_eq!(words.contains(" and Paise "), d.fract() != Decimal::ZERO);
            prop_assert_eq!(words.starts_with("Minus "), d < Decimal::ZERO);
            prop_assert!(words.ends_with(" Only"));
            prop_assert!(!words.contains("  "));
        }

        #[test]
        fn sub_paisa_amounts_read_back_rounded(d in (-(10i64.pow(12))..10i64.pow(12), 3u32..6)
            .prop_map(|(m, s)| Decimal::new(m, s)))
        {
            prop_assert_eq!(words_to_value(&amount_in_words(d)), round2(d));
        }
    }
}
