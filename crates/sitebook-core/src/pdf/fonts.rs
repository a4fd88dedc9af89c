//! The bundled fonts, shaping, and the text metrics the layout uses: measuring, fitting and
//! greedy word wrap.
//!
//! Documents print names of works and agencies in Indian scripts, so the PDFs carry their own
//! fonts (bundled in `assets/fonts`, OFL; the app works on machines that have none of them):
//! Noto Serif in four faces for Latin, digits and `₹`, and Noto Serif (Noto Sans for Odia,
//! which has no serif) in regular and bold for Devanagari, Telugu, Tamil, Kannada, Malayalam,
//! Bengali, Gujarati, Gurmukhi and Odia.
//!
//! Text is shaped word by word: a word is split into runs by the font that covers each
//! character (Latin first for letters, the current run's font for marks, joiners, digits and
//! punctuation), and each run is shaped with rustybuzz, so conjuncts and reordered matras come
//! out right. Spaces are always the Latin face's space. What is measured here is exactly what
//! [`shape_line`] hands the PDF writer, so a width that fits here fits on paper.
//!
//! Latin runs are shaped without kerning or ligatures: a ledger's columns read better with
//! every letter where its advance puts it, and it lets an ASCII word (nearly every word and
//! every figure) be measured by table lookup instead of by the shaper. Other words are shaped
//! once per thread and remembered.
//!
//! [`printable`] runs before measuring: a character no bundled font covers becomes U+FFFD
//! (after a few readable stand-ins), and [`uncovered_characters`] lets the caller warn about
//! it by field, so nothing turns into a silent `?`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;
use std::sync::OnceLock;

/// The four faces the documents use.
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
    fn index(self) -> usize {
        self as usize
    }

    fn is_bold(self) -> bool {
        matches!(self, Face::Bold | Face::BoldItalic)
    }

    /// The Latin font of this face.
    fn latin(self) -> FontId {
        FontId(self.index())
    }

    /// The fonts tried for a character in this face: its Latin font, then each script in the
    /// same weight (the Indian scripts have no italics, so italic rows use the upright font).
    fn fonts(self) -> impl Iterator<Item = FontId> {
        let weight = usize::from(self.is_bold());
        std::iter::once(self.latin())
            .chain((0..SCRIPT_FAMILIES).map(move |family| FontId(4 + 2 * family + weight)))
    }
}

/// One bundled font file.
pub(crate) struct BundledFont {
    /// The file name under `assets/fonts`.
    pub(crate) file: &'static str,
    /// The font program.
    pub(crate) data: &'static [u8],
}

macro_rules! bundled {
    ($($file:literal),* $(,)?) => {
        [$(BundledFont {
            file: $file,
            data: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/", $file)),
        }),*]
    };
}

/// Number of script families after the four Latin faces, each in regular then bold.
const SCRIPT_FAMILIES: usize = 9;

/// Every bundled font: the Latin faces in [`Face`] order, then each script regular and bold.
pub(crate) static BUNDLED: [BundledFont; 4 + 2 * SCRIPT_FAMILIES] = bundled![
    "NotoSerif-Regular.ttf",
    "NotoSerif-Bold.ttf",
    "NotoSerif-Italic.ttf",
    "NotoSerif-BoldItalic.ttf",
    "NotoSerifDevanagari-Regular.ttf",
    "NotoSerifDevanagari-Bold.ttf",
    "NotoSerifTelugu-Regular.ttf",
    "NotoSerifTelugu-Bold.ttf",
    "NotoSerifTamil-Regular.ttf",
    "NotoSerifTamil-Bold.ttf",
    "NotoSerifKannada-Regular.ttf",
    "NotoSerifKannada-Bold.ttf",
    "NotoSerifMalayalam-Regular.ttf",
    "NotoSerifMalayalam-Bold.ttf",
    "NotoSerifBengali-Regular.ttf",
    "NotoSerifBengali-Bold.ttf",
    "NotoSerifGujarati-Regular.ttf",
    "NotoSerifGujarati-Bold.ttf",
    "NotoSerifGurmukhi-Regular.ttf",
    "NotoSerifGurmukhi-Bold.ttf",
    "NotoSansOriya-Regular.ttf",
    "NotoSansOriya-Bold.ttf",
];

/// An index into [`BUNDLED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FontId(pub(crate) usize);

/// Glyph and advance (in em) of each printable ASCII character, U+0020..=U+007E.
type AsciiTable = [(u16, f32); 95];

struct LoadedFont {
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
    ascii: AsciiTable,
}

fn loaded() -> &'static [LoadedFont] {
    static FONTS: OnceLock<Vec<LoadedFont>> = OnceLock::new();
    FONTS.get_or_init(|| {
        BUNDLED
            .iter()
            .map(|font| {
                let shaper = rustybuzz::Face::from_slice(font.data, 0)
                    .unwrap_or_else(|| panic!("bundled font {} does not parse", font.file));
                let units_per_em = f32::from(shaper.units_per_em().max(1) as u16);
                let mut ascii = [(0, 0.0); 95];
                for (slot, code) in ascii.iter_mut().zip(0x20u8..=0x7E) {
                    if let Some(glyph) = shaper.glyph_index(char::from(code)) {
                        let advance = shaper.glyph_hor_advance(glyph).unwrap_or(0);
                        *slot = (glyph.0, f32::from(advance) / units_per_em);
                    }
                }
                LoadedFont {
                    shaper,
                    units_per_em,
                    ascii,
                }
            })
            .collect()
    })
}

fn covers(font: FontId, c: char) -> bool {
    loaded()[font.0].shaper.glyph_index(c).is_some()
}

/// Whether some bundled font can draw `c`.
fn drawable(c: char) -> bool {
    c.is_ascii_graphic() || c == ' ' || Face::Regular.fonts().any(|font| covers(font, c))
}

/// Readable stand-ins for common characters that no bundled font has.
fn stand_in(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{2264}' => "<=",
        '\u{2265}' => ">=",
        '\u{2248}' => "~",
        '\u{2032}' => "'",
        '\u{2033}' => "\"",
        _ => return None,
    })
}

/// The stand-in for a character nothing can draw.
const REPLACEMENT: char = '\u{FFFD}';

/// Maps `text` to what the bundled fonts can draw: line breaks pass through (the wrapper
/// honours them), carriage returns go, other control characters and odd spaces become
/// spaces, a few symbols get readable stand-ins, and a character no font covers becomes
/// U+FFFD (see [`uncovered_characters`]). Borrowed when nothing changes, which is nearly
/// always.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    let keeps = |c: char| c == '\n' || c == ' ' || (!c.is_control() && drawable(c));
    if text.chars().all(|c| c.is_ascii_graphic() || keeps(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\r' {
            continue;
        }
        if c.is_control() && c != '\n' || c.is_whitespace() && c != '\n' && !drawable(c) {
            out.push(' ');
        } else if keeps(c) {
            out.push(c);
        } else if let Some(replacement) = stand_in(c) {
            out.push_str(replacement);
        } else {
            out.push(REPLACEMENT);
        }
    }
    Cow::Owned(out)
}

/// The distinct characters of `text` that no bundled font covers and that have no stand-in,
/// in order of first appearance: what [`printable`] would draw as U+FFFD.
pub fn uncovered_characters(text: &str) -> Vec<char> {
    let mut missing = Vec::new();
    for c in text.chars() {
        let shown = c.is_control() || c.is_whitespace() || drawable(c) || stand_in(c).is_some();
        if !shown && !missing.contains(&c) {
            missing.push(c);
        }
    }
    missing
}

/// One glyph, positioned in em relative to the pen.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Glyph {
    pub(crate) id: u16,
    pub(crate) advance: f32,
    pub(crate) x_offset: f32,
    pub(crate) y_offset: f32,
    /// The bytes of the line this glyph draws (what copying it out of the PDF gives back).
    pub(crate) text: Range<usize>,
}

/// Consecutive glyphs of one font.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    pub(crate) font: FontId,
    pub(crate) glyphs: Vec<Glyph>,
}

impl Segment {
    /// The advance of the whole segment, in em.
    pub(crate) fn advance(&self) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum()
    }
}

/// A shaped word: its segments, with text ranges relative to the word.
struct ShapedWord {
    segments: Vec<Segment>,
    width: f32,
}

/// Beyond this many remembered words a thread starts afresh (a long-running app renders
/// many documents; each needs only its own words).
const WORD_CACHE_LIMIT: usize = 50_000;

thread_local! {
    static WORDS: RefCell<[HashMap<Box<str>, Rc<ShapedWord>>; 4]> = RefCell::default();
}

/// Picks the font for `c`, given the font of the run so far.
fn font_for(face: Face, c: char, current: Option<FontId>) -> FontId {
    let latin = face.latin();
    if let Some(current) = current {
        let stays = !c.is_alphabetic() || current != latin && !covers(latin, c);
        if stays && covers(current, c) {
            return current;
        }
    }
    face.fonts()
        .chain(Face::Regular.fonts())
        .find(|&font| covers(font, c))
        .unwrap_or(Face::Regular.latin())
}

fn is_ascii_word(word: &str) -> bool {
    word.bytes().all(|b| (0x21..=0x7E).contains(&b))
}

fn ascii_glyph(face: Face, byte: u8) -> (u16, f32) {
    loaded()[face.latin().0].ascii[usize::from(byte - 0x20)]
}

/// Shapes one run of `text` (from byte `start`) in `font`.
fn shape_run(font: FontId, text: &str, start: usize, glyphs: &mut Vec<Glyph>) {
    let loaded = &loaded()[font.0];
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    // Latin as the ASCII table measures it: no kerning, no ligatures.
    let plain = [
        rustybuzz::Feature::new(rustybuzz::ttf_parser::Tag::from_bytes(b"kern"), 0, ..),
        rustybuzz::Feature::new(rustybuzz::ttf_parser::Tag::from_bytes(b"liga"), 0, ..),
    ];
    let features: &[rustybuzz::Feature] = if font.0 < 4 { &plain } else { &[] };
    let output = rustybuzz::shape(&loaded.shaper, features, buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let scale = loaded.units_per_em;
    let first = glyphs.len();
    for (i, (info, position)) in infos.iter().zip(positions).enumerate() {
        let cluster = info.cluster as usize;
        // A cluster's text runs to the next glyph's cluster that differs (left to right).
        let end = infos[i + 1..]
            .iter()
            .map(|next| next.cluster as usize)
            .find(|&next| next != cluster)
            .unwrap_or(text.len());
        glyphs.push(Glyph {
            id: info.glyph_id as u16,
            advance: position.x_advance as f32 / scale,
            x_offset: position.x_offset as f32 / scale,
            y_offset: position.y_offset as f32 / scale,
            text: start + cluster..start + end.max(cluster),
        });
    }
    if font.0 >= 4 {
        as_one_span(&mut glyphs[first..], start..start + text.len());
    }
}

/// Gives every glyph of a script run the whole run's text, so the PDF writer wraps the run in
/// one `ActualText` span and copying gives back exactly the run.
///
/// Shaped Indian text places marks (an anusvara, a vowel sign above) by pulling them back over
/// their base. Text extraction (poppler's `pdftotext`, and copying in most viewers) reads a
/// mark's position as the end of what came before and the rest as a gap, so per-cluster
/// mapping comes back as "कं क्रीट". With the run as one span, the extractor lays the run's
/// text over the run's width instead.
fn as_one_span(glyphs: &mut [Glyph], run: Range<usize>) {
    for glyph in glyphs {
        glyph.text = run.clone();
    }
}

fn shape_word(face: Face, word: &str) -> ShapedWord {
    let mut segments: Vec<Segment> = Vec::new();
    let mut run_start = 0;
    let mut run_font: Option<FontId> = None;
    for (at, c) in word.char_indices() {
        let font = font_for(face, c, run_font);
        if run_font.is_some_and(|current| current != font) {
            push_run(&mut segments, run_font, word, run_start, at);
            run_start = at;
        }
        run_font = Some(font);
    }
    push_run(&mut segments, run_font, word, run_start, word.len());
    let width = segments.iter().map(Segment::advance).sum();
    ShapedWord { segments, width }
}

fn push_run(
    segments: &mut Vec<Segment>,
    font: Option<FontId>,
    word: &str,
    start: usize,
    end: usize,
) {
    let Some(font) = font else { return };
    if start == end {
        return;
    }
    let mut glyphs = Vec::new();
    shape_run(font, &word[start..end], start, &mut glyphs);
    segments.push(Segment { font, glyphs });
}

/// The shaped word, from the thread's cache.
fn cached_word(face: Face, word: &str) -> Rc<ShapedWord> {
    WORDS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let words = &mut cache[face.index()];
        if let Some(shaped) = words.get(word) {
            return Rc::clone(shaped);
        }
        if words.len() >= WORD_CACHE_LIMIT {
            words.clear();
        }
        let shaped = Rc::new(shape_word(face, word));
        words.insert(word.into(), Rc::clone(&shaped));
        shaped
    })
}

/// Width of one space-free word, in em.
fn word_width(face: Face, word: &str) -> f32 {
    if is_ascii_word(word) {
        word.bytes().map(|b| ascii_glyph(face, b).1).sum()
    } else {
        cached_word(face, word).width
    }
}

/// Width of printable `text` in points at `size`.
pub(crate) fn text_width(face: Face, size: f32, text: &str) -> f32 {
    let space = ascii_glyph(face, b' ').1;
    let mut em = 0.0;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            em += space;
        }
        if !word.is_empty() {
            em += word_width(face, word);
        }
    }
    em * size
}

/// Printable, single-line `text` as glyph segments, ready for the PDF writer; its advance is
/// exactly [`text_width`].
pub(crate) fn shape_line(face: Face, text: &str) -> Vec<Segment> {
    let latin = face.latin();
    let mut segments: Vec<Segment> = Vec::new();
    let mut push = |font: FontId, glyphs: &mut dyn Iterator<Item = Glyph>| match segments.last_mut()
    {
        Some(last) if last.font == font => last.glyphs.extend(glyphs),
        _ => segments.push(Segment {
            font,
            glyphs: glyphs.collect(),
        }),
    };
    let mut offset = 0;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            let (id, advance) = ascii_glyph(face, b' ');
            let space = Glyph {
                id,
                advance,
                x_offset: 0.0,
                y_offset: 0.0,
                text: offset - 1..offset,
            };
            push(latin, &mut std::iter::once(space));
        }
        if is_ascii_word(word) {
            let mut glyphs = word.bytes().enumerate().map(|(at, byte)| {
                let (id, advance) = ascii_glyph(face, byte);
                Glyph {
                    id,
                    advance,
                    x_offset: 0.0,
                    y_offset: 0.0,
                    text: offset + at..offset + at + 1,
                }
            });
            push(latin, &mut glyphs);
        } else if !word.is_empty() {
            let shaped = cached_word(face, word);
            for segment in &shaped.segments {
                let mut glyphs = segment.glyphs.iter().map(|glyph| Glyph {
                    text: offset + glyph.text.start..offset + glyph.text.end,
                    ..glyph.clone()
                });
                push(segment.font, &mut glyphs);
            }
        }
        offset += word.len() + 1;
    }
    segments
}

/// Sums of widths measured piecewise differ from the whole in the last bits; a text measured
/// to fit exactly must still fit when wrapped word by word.
const WIDTH_TOLERANCE: f32 = 0.01;

/// Width of one digit (every Noto Serif digit has the same advance): the unit in which column
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

/// Whether a line may break between `before` and `after` without splitting a cluster: never
/// before a combining mark, vowel sign or joiner, nor after a virama (it joins the next
/// consonant into a conjunct).
fn may_break_between(before: char, after: char) -> bool {
    !is_mark_like(after) && !matches!(after, '\u{200C}' | '\u{200D}') && !is_virama(before)
}

/// The Indian scripts share one layout per 128-code-point block (from ISCII), so their marks
/// sit at the same offsets in every block: signs before the letters, the nukta, the vowel
/// signs up to the virama, length marks, and the vocalic vowel signs.
fn is_indic_mark(c: char) -> bool {
    let code = c as u32;
    (0x0900..=0x0DFF).contains(&code)
        && matches!(code & 0x7F, 0x00..=0x03 | 0x3C | 0x3E..=0x4D | 0x51..=0x57 | 0x62..=0x63)
}

fn is_virama(c: char) -> bool {
    (0x0900..=0x0DFF).contains(&(c as u32)) && (c as u32) & 0x7F == 0x4D
}

/// Combining marks: the Indian scripts' and the general combining blocks.
fn is_mark_like(c: char) -> bool {
    is_indic_mark(c) || matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x20D0..=0x20FF)
}

/// Splits a word wider than the line between clusters; the last piece stays open in `line`
/// so the next word may join it. Returns the open piece's width.
fn break_long_word(
    face: Face,
    size: f32,
    word: &str,
    width: f32,
    lines: &mut Vec<String>,
    line: &mut String,
) -> f32 {
    let mut piece_start = line.len();
    let mut before = None;
    for c in word.chars() {
        line.push(c);
        let overflows = text_width(face, size, &line[piece_start..]) > width;
        let breakable = before.is_some_and(|before| may_break_between(before, c));
        before = Some(c);
        // A mark stays with its letter even if the piece overflows a little.
        if overflows && line.len() > piece_start + c.len_utf8() && breakable {
            line.truncate(line.len() - c.len_utf8());
            lines.push(std::mem::take(line));
            line.push(c);
            piece_start = 0;
        }
    }
    text_width(face, size, &line[piece_start..])
}

/// Shortens printable `text` with a trailing `...` until it fits `width` points.
pub(crate) fn truncate_to_width(face: Face, size: f32, text: &str, width: f32) -> String {
    if text_width(face, size, text) <= width {
        return text.to_owned();
    }
    let ellipsis = "...";
    let budget = width - text_width(face, size, ellipsis);
    let mut end = 0;
    for (at, c) in text.char_indices() {
        let candidate = at + c.len_utf8();
        if text_width(face, size, &text[..candidate]) > budget {
            break;
        }
        end = candidate;
    }
    let mut out = text[..end].trim_end().to_owned();
    out.push_str(ellipsis);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_the_noto_serif_metrics() {
        // Noto Serif: digits 559/1000 em (tabular), space 260.
        assert!((text_width(Face::Regular, 1000.0, "0") - 559.0).abs() < 0.5);
        assert!((text_width(Face::Regular, 1000.0, " ") - 260.0).abs() < 0.5);
        assert_eq!(
            text_width(Face::Regular, 10.0, "0123456789"),
            10.0 * digit_width(Face::Regular, 10.0)
        );
        assert!(text_width(Face::Bold, 10.0, "m") > text_width(Face::Regular, 10.0, "m"));
    }

    #[test]
    fn a_shaped_line_advances_exactly_its_measured_width() {
        for text in [
            "Providing CC 1:2:4",
            "సిమెంట్ కాంక్రీట్ రోడ్డు 12 m",
            "सीमेंट कंक्रीट सड़क, ₹ 1,200",
            "ಕನ್ನಡ தமிழ் മലയാളം বাংলা ગુજરાતી ਪੰਜਾਬੀ ଓଡ଼ିଆ",
        ] {
            for face in [Face::Regular, Face::Bold, Face::Italic, Face::BoldItalic] {
                let drawn: f32 = shape_line(face, text).iter().map(Segment::advance).sum();
                let measured = text_width(face, 1.0, text);
                assert!(
                    (drawn - measured).abs() < 1e-4,
                    "{text}: {drawn} vs {measured}"
                );
                for segment in shape_line(face, text) {
                    assert!(segment.glyphs.iter().all(|g| g.id != 0), "notdef in {text}");
                }
            }
        }
    }

    #[test]
    fn each_script_is_drawn_in_its_own_font_and_conjuncts_are_shaped() {
        let fonts = |text: &str| -> Vec<&str> {
            shape_line(Face::Regular, text)
                .iter()
                .map(|s| BUNDLED[s.font.0].file)
                .collect()
        };
        assert_eq!(fonts("road"), ["NotoSerif-Regular.ttf"]);
        assert_eq!(fonts("రోడ్డు"), ["NotoSerifTelugu-Regular.ttf"]);
        assert_eq!(
            fonts("CC सड़क"),
            ["NotoSerif-Regular.ttf", "NotoSerifDevanagari-Regular.ttf"]
        );
        assert_eq!(fonts("ଓଡ଼ିଆ"), ["NotoSansOriya-Regular.ttf"]);
        // क्ष is one conjunct glyph, fewer glyphs than its three characters.
        let glyphs = &shape_line(Face::Regular, "क्ष")[0].glyphs;
        assert!(glyphs.len() < 3, "{glyphs:?}");
        // A reordered matra (ि drawn before क): the run's glyphs all carry the run's text, so
        // copying gives back "कि" in logical order.
        let glyphs = &shape_line(Face::Regular, "x कि")[1].glyphs;
        assert!(
            glyphs.iter().all(|g| g.text == (2.."x कि".len())),
            "{glyphs:?}"
        );
    }

    #[test]
    fn wrap_respects_the_width_and_keeps_every_word() {
        let text = "Providing and laying cement concrete 1:2:4 using 20mm graded stone \
                    aggregate including cost of all materials, labour and curing complete \
                    సిమెంట్ కాంక్రీట్ రోడ్డు निर्माण कार्य";
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
        // A long Telugu word breaks between clusters, never before a vowel sign.
        let long = "కాంక్రీటు".repeat(6);
        let lines = wrap(Face::Regular, 10.0, &long, 40.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), long);
        for line in &lines {
            assert!(!line.starts_with(is_mark_like), "{line}");
        }
    }

    #[test]
    fn printable_keeps_what_the_fonts_draw_and_marks_the_rest() {
        assert_eq!(printable("Rate ₹ 1,200 − 5 ≤ 6"), "Rate ₹ 1,200 − 5 <= 6");
        assert_eq!(printable("m² × 2 – 3"), "m² × 2 – 3");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert!(matches!(printable("సిమెంట్ रोड"), Cow::Borrowed(_)));
        assert_eq!(printable("日本"), "\u{FFFD}\u{FFFD}");
        assert_eq!(printable("a\tb\r\nc"), "a b\nc");
        assert_eq!(uncovered_characters("日本 road 日 ≤ ₹"), ['日', '本']);
        assert!(uncovered_characters("సిమెంట్ ₹ − m²").is_empty());
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
