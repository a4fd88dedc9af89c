//! Text metrics for the built-in Times faces: measuring, fitting and greedy word wrap.
//!
//! printpdf 0.12 lays out nothing by itself, but it ships the standard-14 faces as small
//! WinAnsi font programs whose glyph advances are the standard metrics. This module reads
//! those advances once into a 256-entry table per face (indexed by WinAnsi byte), so measuring
//! a string is a table lookup per character and wrapping 2,000 descriptions costs well under a
//! millisecond.
//!
//! The built-in fonts can show WinAnsi (CP1252) only. [`printable`] maps the few characters
//! estimates commonly contain outside it (`₹`, `≤`, the Unicode minus) to readable ASCII and
//! everything else to `?`, and every width here is of that printable text, so what is measured
//! is what is drawn.

use std::borrow::Cow;
use std::sync::OnceLock;

use printpdf::BuiltinFont;

/// The four Times faces the documents use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Face {
    /// Body text and figures.
    Regular,
    /// Headings, titles, totals.
    Bold,
    /// AE (excess) rows.
    Italic,
    /// Brought / carried forward rows.
    BoldItalic,
}

impl Face {
    const ALL: [Face; 4] = [Face::Regular, Face::Bold, Face::Italic, Face::BoldItalic];

    /// The printpdf built-in font for this face.
    pub(crate) fn builtin(self) -> BuiltinFont {
        match self {
            Face::Regular => BuiltinFont::TimesRoman,
            Face::Bold => BuiltinFont::TimesBold,
            Face::Italic => BuiltinFont::TimesItalic,
            Face::BoldItalic => BuiltinFont::TimesBoldItalic,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Advance widths in 1/1000 em, per face, per WinAnsi byte.
type WidthTable = [[u16; 256]; 4];

/// The Times space is 250/1000 em in every face. printpdf's font programs have no glyph for
/// U+0020 (nor the no-break space), so it comes from the standard metrics instead.
const TIMES_SPACE: u16 = 250;

/// Sums of widths measured piecewise differ from the whole in the last bits; a text measured
/// to fit exactly must still fit when wrapped word by word.
const WIDTH_TOLERANCE: f32 = 0.01;

/// Used for a glyph a face lacks; the viewer's own font has it, and half an em is the
/// typical Times advance, so wrapping stays close.
const FALLBACK_WIDTH: u16 = 500;

/// The characters of WinAnsi bytes 0x80..=0x9F (PDF 32000-1, Annex D); `None` where the
/// encoding leaves a byte unused.
const HIGH_CONTROL_RANGE: [Option<char>; 32] = [
    Some('\u{20AC}'),
    None,
    Some('\u{201A}'),
    Some('\u{0192}'),
    Some('\u{201E}'),
    Some('\u{2026}'),
    Some('\u{2020}'),
    Some('\u{2021}'),
    Some('\u{02C6}'),
    Some('\u{2030}'),
    Some('\u{0160}'),
    Some('\u{2039}'),
    Some('\u{0152}'),
    None,
    Some('\u{017D}'),
    None,
    None,
    Some('\u{2018}'),
    Some('\u{2019}'),
    Some('\u{201C}'),
    Some('\u{201D}'),
    Some('\u{2022}'),
    Some('\u{2013}'),
    Some('\u{2014}'),
    Some('\u{02DC}'),
    Some('\u{2122}'),
    Some('\u{0161}'),
    Some('\u{203A}'),
    Some('\u{0153}'),
    None,
    Some('\u{017E}'),
    Some('\u{0178}'),
];

/// The WinAnsi byte of `c`, if the encoding has it.
fn win_ansi_byte(c: char) -> Option<u8> {
    match c as u32 {
        cp @ (0x20..=0x7E | 0xA0..=0xFF) => Some(cp as u8),
        _ => HIGH_CONTROL_RANGE
            .iter()
            .position(|&high| high == Some(c))
            .map(|i| 0x80 + i as u8),
    }
}

/// The character a WinAnsi byte stands for.
fn win_ansi_char(byte: u8) -> Option<char> {
    match byte {
        0x20..=0x7E | 0xA0..=0xFF => Some(char::from(byte)),
        0x80..=0x9F => HIGH_CONTROL_RANGE[usize::from(byte - 0x80)],
        _ => None,
    }
}

fn widths() -> &'static WidthTable {
    static TABLE: OnceLock<WidthTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [[FALLBACK_WIDTH; 256]; 4];
        for face in Face::ALL {
            let Some(font) = face.builtin().get_parsed_font() else {
                continue;
            };
            let units_per_em = u32::from(font.units_per_em.max(1));
            let row = &mut table[face.index()];
            for byte in 0u8..=255 {
                let advance = win_ansi_char(byte)
                    .and_then(|c| font.lookup_glyph_index(u32::from(c)))
                    .and_then(|gid| font.get_glyph_width(gid));
                if let Some(advance) = advance {
                    row[usize::from(byte)] = (u32::from(advance) * 1000 / units_per_em) as u16;
                }
            }
            row[0x20] = TIMES_SPACE;
            row[0xA0] = TIMES_SPACE;
        }
        table
    })
}

/// Maps `text` to what the built-in fonts can show: WinAnsi characters and line breaks pass
/// through (the wrapper honours line breaks), a few common others get ASCII stand-ins, other
/// control characters become spaces, the rest `?`. Borrowed when nothing changes, which is
/// nearly always.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if text
        .chars()
        .all(|c| c == '\n' || win_ansi_byte(c).is_some())
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\n' || win_ansi_byte(c).is_some() {
            out.push(c);
            continue;
        }
        match c {
            '\r' => {}
            '\u{20B9}' => out.push_str("Rs."),
            '\u{2212}' => out.push('-'),
            '\u{2264}' => out.push_str("<="),
            '\u{2265}' => out.push_str(">="),
            '\u{2248}' => out.push('~'),
            '\u{03C6}' | '\u{03A6}' => out.push('\u{00D8}'),
            '\u{2032}' => out.push('\''),
            '\u{2033}' => out.push('"'),
            c if c.is_control() || c.is_whitespace() => out.push(' '),
            _ => out.push('?'),
        }
    }
    Cow::Owned(out)
}

/// Width of printable `text` in points at `size`.
pub(crate) fn text_width(face: Face, size: f32, text: &str) -> f32 {
    let row = &widths()[face.index()];
    let thousandths: u32 = text
        .chars()
        .map(|c| u32::from(row[usize::from(win_ansi_byte(c).unwrap_or(b'?'))]))
        .sum();
    thousandths as f32 * size / 1000.0
}

/// Width of one digit (every Times digit has the same advance): the unit in which column
/// widths are declared, so a width in characters means the same on paper and in Excel.
pub(crate) fn digit_width(face: Face, size: f32) -> f32 {
    text_width(face, size, "0")
}

/// Wraps printable `text` greedily into lines no wider than `width` points.
///
/// Explicit line breaks in the text are kept (estimate descriptions use them for lists);
/// runs of spaces collapse; a word longer than the whole line is broken between characters
/// rather than allowed to overflow the cell. Empty text gives no lines.
pub(crate) fn wrap(face: Face, size: f32, text: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let space = text_width(face, size, " ");
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split_whitespace() {
            let word_width = text_width(face, size, word);
            if line.is_empty() {
                // fall through to placing the word on the empty line
            } else if line_width + space + word_width <= width + WIDTH_TOLERANCE {
                line.push(' ');
                line.push_str(word);
                line_width += space + word_width;
                continue;
            } else {
                lines.push(std::mem::take(&mut line));
            }
            if word_width <= width + WIDTH_TOLERANCE {
                line.push_str(word);
                line_width = word_width;
            } else {
                line_width = break_long_word(face, size, word, width, &mut lines, &mut line);
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// Splits a word wider than the line between characters; the last piece stays open in
/// `line` so the next word may join it. Returns the open piece's width.
fn break_long_word(
    face: Face,
    size: f32,
    word: &str,
    width: f32,
    lines: &mut Vec<String>,
    line: &mut String,
) -> f32 {
    let mut piece_width = 0.0;
    for c in word.chars() {
        let mut buffer = [0u8; 4];
        let char_width = text_width(face, size, c.encode_utf8(&mut buffer));
        if piece_width + char_width > width && !line.is_empty() {
            lines.push(std::mem::take(line));
            piece_width = 0.0;
        }
        line.push(c);
        piece_width += char_width;
    }
    piece_width
}

/// Shortens printable `text` with a trailing `...` until it fits `width` points.
pub(crate) fn truncate_to_width(face: Face, size: f32, text: &str, width: f32) -> String {
    if text_width(face, size, text) <= width {
        return text.to_owned();
    }
    let ellipsis = "...";
    let budget = width - text_width(face, size, ellipsis);
    let mut out = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let mut buffer = [0u8; 4];
        let w = text_width(face, size, c.encode_utf8(&mut buffer));
        if used + w > budget {
            break;
        }
        out.push(c);
        used += w;
    }
    out.truncate(out.trim_end().len());
    out.push_str(ellipsis);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_the_standard_times_metrics() {
        // Times-Roman AFM: A 722, m 778, i 278, digits 500, space 250.
        assert!((text_width(Face::Regular, 1000.0, "A") - 722.0).abs() < 1.5);
        assert!((text_width(Face::Regular, 1000.0, "m") - 778.0).abs() < 1.5);
        assert!((text_width(Face::Regular, 1000.0, "i") - 278.0).abs() < 1.5);
        assert_eq!(text_width(Face::Regular, 10.0, "0"), 5.0);
        assert_eq!(text_width(Face::Regular, 10.0, " "), 2.5);
        assert!(text_width(Face::Bold, 10.0, "m") > text_width(Face::Regular, 10.0, "m"));
    }

    #[test]
    fn wrap_respects_the_width_and_keeps_every_word() {
        let text = "Providing and laying cement concrete 1:2:4 using 20mm graded stone \
                    aggregate including cost of all materials, labour and curing complete";
        let width = 120.0;
        let lines = wrap(Face::Regular, 9.0, text, width);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(
                text_width(Face::Regular, 9.0, line) <= width + 0.01,
                "{line:?}"
            );
        }
        assert_eq!(
            lines.join(" "),
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }

    #[test]
    fn wrap_keeps_line_breaks_and_breaks_overlong_words() {
        let lines = wrap(Face::Regular, 10.0, "a\nb", 100.0);
        assert_eq!(lines, ["a", "b"]);
        let long = "x".repeat(80);
        let lines = wrap(Face::Regular, 10.0, &long, 50.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), long);
        for line in &lines {
            assert!(text_width(Face::Regular, 10.0, line) <= 50.0);
        }
        assert!(wrap(Face::Regular, 10.0, "   ", 50.0).is_empty());
    }

    #[test]
    fn printable_replaces_what_the_fonts_cannot_show() {
        assert_eq!(printable("Rate ₹ 1,200 − 5 ≤ 6"), "Rate Rs. 1,200 - 5 <= 6");
        assert_eq!(printable("m² × 2 – 3"), "m² × 2 – 3");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(printable("日本"), "??");
        assert_eq!(printable("a\tb\r\nc"), "a b\nc");
    }

    #[test]
    fn truncation_fits() {
        let text = "Improvements to street lighting in the whole of ward number four";
        let short = truncate_to_width(Face::Regular, 10.0, text, 100.0);
        assert!(short.ends_with("..."));
        assert!(text_width(Face::Regular, 10.0, &short) <= 100.0);
        assert_eq!(truncate_to_width(Face::Regular, 10.0, "ok", 100.0), "ok");
    }
}
