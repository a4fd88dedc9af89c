//! Recognising the words of an estimate sheet: header captions, footer
//! labels, `AE` rows and metadata labels.
//!
//! Everything here works on whole words, never substrings, because that is
//! where the legacy parser went wrong: "output" contains "tp", "Aerial
//! bunched cable" starts with "ae", and "Total station survey" is an item,
//! not a total.

use crate::domain::money::parse_number_text;
use crate::domain::tender::TpType;
use rust_decimal::Decimal;

/// Splits a caption into lowercase words. Dots inside abbreviations vanish
/// (`T.P` → `tp`, `Sl.No` → `slno`, `E.C.V.` → `ecv`) while decimal points
/// stay (`0.1`); every other symbol separates words.
pub fn words(text: &str) -> Vec<String> {
    WordSplitter::default()
        .split(text)
        .iter()
        .map(str::to_string)
        .collect()
}

/// Splits captions into [`words`], reusing its buffers from one caption to
/// the next: the parser matches the label of every row of a sheet, and a
/// `String` per word was most of the cost of a long item description.
#[derive(Debug, Default)]
pub struct WordSplitter {
    cleaned: String,
    spans: Vec<(usize, usize)>,
}

/// What one byte of ASCII text is to the word rules: a letter or digit (lower-cased), a point
/// between two digits (kept, so `12.5` stays one word), or a break between words; any other
/// point is dropped without breaking the word.
enum AsciiByte {
    Kept(u8),
    Dropped,
    Break,
}

#[inline]
fn ascii_word_byte(bytes: &[u8], i: usize) -> AsciiByte {
    let b = bytes[i];
    if b.is_ascii_alphanumeric() {
        AsciiByte::Kept(b.to_ascii_lowercase())
    } else if b == b'.' {
        let between_digits = i > 0
            && bytes[i - 1].is_ascii_digit()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if between_digits {
            AsciiByte::Kept(b'.')
        } else {
            AsciiByte::Dropped
        }
    } else {
        AsciiByte::Break
    }
}

impl WordSplitter {
    /// The words of `text`, borrowed from the splitter's buffers.
    pub fn split(&mut self, text: &str) -> Words<'_> {
        self.cleaned.clear();
        self.spans.clear();
        if text.is_ascii() {
            self.split_ascii(text.as_bytes());
        } else {
            self.split_unicode(text);
        }
        Words {
            cleaned: &self.cleaned,
            spans: &self.spans,
        }
    }

    /// The common case, byte by byte, finding the words as it goes.
    fn split_ascii(&mut self, bytes: &[u8]) {
        let mut word_start = None;
        for i in 0..bytes.len() {
            let kept = match ascii_word_byte(bytes, i) {
                AsciiByte::Kept(kept) => kept,
                AsciiByte::Dropped => continue,
                AsciiByte::Break => {
                    if let Some(start) = word_start.take() {
                        self.spans.push((start, self.cleaned.len()));
                    }
                    self.cleaned.push(' ');
                    continue;
                }
            };
            word_start.get_or_insert(self.cleaned.len());
            self.cleaned.push(char::from(kept));
        }
        if let Some(start) = word_start {
            self.spans.push((start, self.cleaned.len()));
        }
    }

    fn split_unicode(&mut self, text: &str) {
        let cleaned = &mut self.cleaned;
        let mut previous: Option<char> = None;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_alphanumeric() {
                cleaned.extend(c.to_lowercase());
            } else if c == '.' {
                let between_digits = previous.is_some_and(|p| p.is_ascii_digit())
                    && chars.peek().is_some_and(|n| n.is_ascii_digit());
                if between_digits {
                    cleaned.push('.');
                }
            } else {
                cleaned.push(' ');
            }
            previous = Some(c);
        }
        let base = cleaned.as_ptr() as usize;
        self.spans.extend(cleaned.split_whitespace().map(|w| {
            let start = w.as_ptr() as usize - base;
            (start, start + w.len())
        }));
    }
}

/// The words of one caption, as split by a [`WordSplitter`].
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    cleaned: &'a str,
    spans: &'a [(usize, usize)],
}

impl<'a> Words<'a> {
    /// How many words there are.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The `i`th word, if there are that many.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let cleaned = self.cleaned;
        self.spans.get(i).map(|&(start, end)| &cleaned[start..end])
    }

    /// The words in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let cleaned = self.cleaned;
        self.spans
            .iter()
            .map(move |&(start, end)| &cleaned[start..end])
    }

    /// The words as bytes, for comparing without character-boundary checks.
    fn bytes(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let cleaned = self.cleaned.as_bytes();
        self.spans
            .iter()
            .map(move |&(start, end)| &cleaned[start..end])
    }

    fn has(&self, wanted: &[&str]) -> bool {
        self.bytes()
            .any(|w| wanted.iter().any(|x| same_word(w, x.as_bytes())))
    }
}

/// Byte equality written out: words are a few bytes long, shorter than it
/// takes to call `memcmp`.
fn same_word(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The serial-number caption: `Sl`, `Sl.No`, `S.No`, `Serial`, `Sr.No`, and `SI.No` (a
/// capital I for the l, which most fonts draw alike).
pub fn is_serial_header(text: &str) -> bool {
    let mut splitter = WordSplitter::default();
    let w = splitter.split(text);
    if w.is_empty() || w.len() > 3 {
        return false;
    }
    match w.get(0).unwrap_or_default() {
        "sl" | "slno" | "sno" | "srno" | "sino" | "serial" => true,
        "s" | "sr" | "si" => w.get(1).is_some_and(|n| n == "no" || n == "number"),
        _ => false,
    }
}

/// Whether any word of `text` is one of `wanted`.
fn has_word(text: &str, wanted: &[&str]) -> bool {
    WordSplitter::default().split(text).has(wanted)
}

/// The quantity caption: a word `qty` or `quantity`.
pub fn is_quantity_header(text: &str) -> bool {
    has_word(text, &["qty", "quantity", "quantities"])
}

/// The description caption: a word `item` or `description`.
pub fn is_description_header(text: &str) -> bool {
    has_word(text, &["item", "items", "description"])
}

/// How surely a description caption names the description column: 2 for the word
/// `description`, 1 for `item` alone, 0 for `item` with a word of a code column (`SSR Item
/// No`, `Item code`), which schedules of rates put beside the description.
pub fn description_header_rank(text: &str) -> u8 {
    let mut splitter = WordSplitter::default();
    let words = splitter.split(text);
    if words.has(&["description"]) {
        2
    } else if words.has(&["no", "nos", "number", "code", "ref", "ssr", "sor"]) {
        0
    } else {
        1
    }
}

/// The rate caption (`Rate`, `Rate in Rs.`).
pub fn is_rate_header(text: &str) -> bool {
    has_word(text, &["rate"])
}

/// The amount caption (`Amount`, `Amt`, `Amount Rs.`).
pub fn is_amount_header(text: &str) -> bool {
    has_word(text, &["amount", "amt"])
}

/// The "per" caption (`Per`, `Per unit`).
pub fn is_per_header(text: &str) -> bool {
    WordSplitter::default().split(text).get(0) == Some("per")
}

/// A caption that is just `Unit`/`Units`.
pub fn is_unit_header(text: &str) -> bool {
    let mut splitter = WordSplitter::default();
    let w = splitter.split(text);
    w.len() == 1 && matches!(w.get(0), Some("unit" | "units"))
}

/// An excess row's label: `AE` followed by digits (`AE1`, `AE 2`), or by one separator and
/// digits (`AE-4`, `AE.5`, `AE: 6`), as offices write it.
pub fn is_excess_label(text: &str) -> bool {
    let t = text.trim();
    let Some(prefix) = t.get(..2) else {
        return false;
    };
    if !prefix.eq_ignore_ascii_case("ae") {
        return false;
    }
    let rest = t[2..].trim_start();
    let digits = rest
        .strip_prefix(['-', '.', ':', '/'])
        .map_or(rest, str::trim_start);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A label split at its percentage: the text before the figure, and the figure's digits.
fn around_percent(text: &str) -> Option<(&str, &str)> {
    let percent = text.find('%')?;
    let before = text[..percent].trim_end();
    let start = before
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ',')
        .len();
    Some(before.split_at(start))
}

/// The percentage written in a label (`Add LC @ 1 %` → 1), if any.
pub fn percent_in(text: &str) -> Option<Decimal> {
    parse_number_text(around_percent(text)?.1)
}

/// Whether the percentage in a label is written negative (`T.P @ -4.5 %`, with a hyphen or a
/// minus sign): [`percent_in`] reads only its digits.
fn minus_before_percent(text: &str) -> bool {
    around_percent(text).is_some_and(|(lead, _)| lead.trim_end().ends_with(['-', '\u{2212}']))
}

/// What a footer row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FooterKind {
    /// `Deduct Old Material Cost`.
    DeductOldMaterial,
    /// `ECV`, the estimated contract value.
    Ecv,
    /// `Add Excess T.P @ p %` (tender premium).
    TenderPremium {
        /// The percentage in the label.
        percent: Decimal,
        /// Excess or less.
        kind: TpType,
    },
    /// `Add LC @ 1 %` (labour cess).
    LabourCess(Option<Decimal>),
    /// `Add QC @ 1 %` (quality control).
    QualityControl(Option<Decimal>),
    /// `Add NAC @ 0.1 %`.
    Nac(Option<Decimal>),
    /// `Sub Total`.
    SubTotal,
    /// `Add GST @ 18 %`.
    Gst(Option<Decimal>),
    /// `L.S Provision towards unforeseen items` (the balancing figure).
    LsUnforeseen,
    /// `L.S Provision towards <name>` (a typed constant).
    LsOther(String),
    /// `Total`.
    Total,
    /// `Grand Total`.
    GrandTotal,
}

impl FooterKind {
    /// Whether this label closes the item list when met below the items.
    /// These are matched as whole labels, so they cannot be part of an item
    /// description.
    pub fn ends_items(&self) -> bool {
        matches!(
            self,
            FooterKind::DeductOldMaterial
                | FooterKind::Ecv
                | FooterKind::SubTotal
                | FooterKind::Total
                | FooterKind::GrandTotal
        )
    }

    /// The percentage the label gives, for the rows that have one.
    pub fn percent(&self) -> Option<Decimal> {
        match self {
            FooterKind::TenderPremium { percent, .. } => Some(*percent),
            FooterKind::LabourCess(p)
            | FooterKind::QualityControl(p)
            | FooterKind::Nac(p)
            | FooterKind::Gst(p) => *p,
            _ => None,
        }
    }

    /// A short stable name for JSON.
    pub fn code(&self) -> &'static str {
        match self {
            FooterKind::DeductOldMaterial => "deduct_old_material",
            FooterKind::Ecv => "ecv",
            FooterKind::TenderPremium { .. } => "tp",
            FooterKind::LabourCess(_) => "lc",
            FooterKind::QualityControl(_) => "qc",
            FooterKind::Nac(_) => "nac",
            FooterKind::SubTotal => "sub_total",
            FooterKind::Gst(_) => "gst",
            FooterKind::LsUnforeseen => "ls_unforeseen",
            FooterKind::LsOther(_) => "ls_provision",
            FooterKind::Total => "total",
            FooterKind::GrandTotal => "grand_total",
        }
    }
}

/// Whether a label names a tender premium (`T.P`, `tender premium`), with or without the
/// percentage that [`footer_kind`] needs to read it as one.
pub fn names_tender_premium(text: &str) -> bool {
    let mut splitter = WordSplitter::default();
    let v = if text.is_ascii() {
        FooterWords::of_ascii(text.as_bytes())
    } else {
        FooterWords::of(&splitter.split(text))
    };
    v.has(TP) || v.pair(TENDER_PREMIUM)
}

/// Recognises a footer label, or `None` for anything else.
pub fn footer_kind(text: &str) -> Option<FooterKind> {
    footer_kind_with(text, &mut WordSplitter::default())
}

/// [`footer_kind`], splitting words with the caller's buffers.
pub fn footer_kind_with(text: &str, splitter: &mut WordSplitter) -> Option<FooterKind> {
    // This runs on the label of every row, nearly all of them long item
    // descriptions: one pass over the words answers every question below,
    // where asking each question of every word was most of the parse.
    let v = if text.is_ascii() {
        FooterWords::of_ascii(text.as_bytes())
    } else {
        FooterWords::of(&splitter.split(text))
    };
    if v.count == 0 {
        return None;
    }
    let percent = || percent_in(text);

    if v.count <= 6 && v.has(OLD) && v.has(MATERIAL | MATERIALS) && v.has(DEDUCT | LESS | COST) {
        return Some(FooterKind::DeductOldMaterial);
    }
    if v.only(ECV | ESTIMATED | ESTIMATE | CONTRACT) && (v.has(ECV) || v.pair(CONTRACT_VALUE)) {
        return Some(FooterKind::Ecv);
    }
    // `Grand Total`, also `G. Total`, `G.Total` and `Grand Total (Rounded off)`, and the
    // rounded sanctioned amount written `Say Rs.` where a sheet has no Grand Total row (one
    // below a Grand Total is never read: the estimate ends there).
    let grand = v.only(GRAND | G | GTOTAL | TOTAL | ROUNDED | ROUND | OFF)
        && ((v.has(GRAND | G) && v.has(TOTAL)) || v.has(GTOTAL));
    if grand || (v.only(SAY) && v.has(SAY)) {
        return Some(FooterKind::GrandTotal);
    }
    if v.only(SUB | TOTAL | SUBTOTAL) && (v.pair(SUB_TOTAL) || v.has(SUBTOTAL)) {
        return Some(FooterKind::SubTotal);
    }
    if v.only(TOTAL) && v.has(TOTAL) {
        return Some(FooterKind::Total);
    }
    if v.has(TP) || v.pair(TENDER_PREMIUM) {
        // A premium is only a premium with its percentage.
        let percent = percent()?;
        // `T.P @ 4.5 % below` and `T.P @ -4.5 %` are written for a tender below the estimate.
        let kind = if v.has(LESS | DEDUCT | BELOW) || minus_before_percent(text) {
            TpType::Less
        } else {
            TpType::Excess
        };
        return Some(FooterKind::TenderPremium { percent, kind });
    }
    if v.has(LC) || v.pair(LABOUR_CESS) {
        return Some(FooterKind::LabourCess(percent()));
    }
    if v.has(QC) || v.pair(QUALITY_CONTROL) {
        return Some(FooterKind::QualityControl(percent()));
    }
    if v.has(NAC) {
        return Some(FooterKind::Nac(percent()));
    }
    if v.has(GST) {
        return Some(FooterKind::Gst(percent()));
    }
    let lump_sum = v.first_is_ls || v.pair(LUMP_SUM) || v.has(LS);
    let provision = v.has(PROVISION | PROVISIONS);
    // The balancing provision is written many ways: `L.S provision towards unforeseen items`,
    // `LS towards unforeseen items`, `Provision for unforeseen items`, `Unforeseen items (L.S)`.
    if (lump_sum || provision) && (v.has(UNFORESEEN | UNFORSEEN) || spells_unforeseen(text)) {
        return Some(FooterKind::LsUnforeseen);
    }
    if lump_sum && provision {
        let name = text
            .as_bytes()
            .windows(7)
            .position(|w| w.eq_ignore_ascii_case(b"towards"))
            .map(|i| text[i + 7..].trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| text.trim().to_string());
        return Some(FooterKind::LsOther(name));
    }
    None
}

/// Whether a row among the items is a running total rather than a heading: a sub-head's total
/// (`Total of Sub Head I`, `Sub Total (A)`) or a page's sum carried over (`C/o`, `B/F`).
pub fn is_running_total(text: &str) -> bool {
    const OPENINGS: [&str; 10] = [
        "sub total",
        "sub-total",
        "subtotal",
        "carried over",
        "carried forward",
        "brought forward",
        "brought over",
        "c/o",
        "c/f",
        "b/f",
    ];
    let text = text.trim().to_lowercase();
    // `Total of Sub Head I`, `Total (A)`, `Total - Civil`; not `Total station survey`.
    let a_total_of_a_part = text.strip_prefix("total").is_some_and(|rest| {
        let rest = rest.trim_start();
        rest.starts_with("of ") || rest.starts_with(|c: char| !c.is_alphanumeric())
    });
    a_total_of_a_part || OPENINGS.iter().any(|opening| text.starts_with(opening))
}

/// Whether a label spells "unforeseen" across a hyphen or a space (`Un-foreseen items`).
fn spells_unforeseen(text: &str) -> bool {
    let letters: String = text
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    letters.contains("unforeseen") || letters.contains("unforseen")
}

// The words footer labels are made of, one bit each.
const ECV: u64 = 1;
const ESTIMATED: u64 = 1 << 1;
const ESTIMATE: u64 = 1 << 2;
const CONTRACT: u64 = 1 << 3;
const VALUE: u64 = 1 << 4;
const GRAND: u64 = 1 << 5;
const TOTAL: u64 = 1 << 6;
const SUB: u64 = 1 << 7;
const SUBTOTAL: u64 = 1 << 8;
const AMOUNT: u64 = 1 << 9;
const RS: u64 = 1 << 10;
const IN: u64 = 1 << 11;
const TP: u64 = 1 << 12;
const TENDER: u64 = 1 << 13;
const PREMIUM: u64 = 1 << 14;
const LESS: u64 = 1 << 15;
const DEDUCT: u64 = 1 << 16;
const LC: u64 = 1 << 17;
const LABOUR: u64 = 1 << 18;
const LABOR: u64 = 1 << 19;
const CESS: u64 = 1 << 20;
const QC: u64 = 1 << 21;
const QUALITY: u64 = 1 << 22;
const CONTROL: u64 = 1 << 23;
const NAC: u64 = 1 << 24;
const GST: u64 = 1 << 25;
const LUMP: u64 = 1 << 26;
const SUM: u64 = 1 << 27;
const PROVISION: u64 = 1 << 28;
const PROVISIONS: u64 = 1 << 29;
const UNFORESEEN: u64 = 1 << 30;
const UNFORSEEN: u64 = 1 << 31;
const OLD: u64 = 1 << 32;
const MATERIAL: u64 = 1 << 33;
const MATERIALS: u64 = 1 << 34;
const COST: u64 = 1 << 35;
const BELOW: u64 = 1 << 36;
const G: u64 = 1 << 37;
const ROUNDED: u64 = 1 << 38;
const ROUND: u64 = 1 << 39;
const OFF: u64 = 1 << 40;
const GTOTAL: u64 = 1 << 41;
const LS: u64 = 1 << 42;
const SAY: u64 = 1 << 43;

/// Words that may accompany a total-like label without changing it
/// (`Total Amount Rs.`, `ECV (Estimated Contract Value)`).
const FILLER: u64 = AMOUNT | RS | VALUE | IN;

// Two words in a row, one bit each.
const CONTRACT_VALUE: u8 = 1;
const SUB_TOTAL: u8 = 1 << 1;
const TENDER_PREMIUM: u8 = 1 << 2;
const LABOUR_CESS: u8 = 1 << 3;
const QUALITY_CONTROL: u8 = 1 << 4;
const LUMP_SUM: u8 = 1 << 5;

fn footer_word(word: &[u8]) -> u64 {
    match word {
        b"ecv" => ECV,
        b"estimated" => ESTIMATED,
        b"estimate" => ESTIMATE,
        b"contract" => CONTRACT,
        b"value" => VALUE,
        b"grand" => GRAND,
        b"total" => TOTAL,
        b"sub" => SUB,
        b"subtotal" => SUBTOTAL,
        b"amount" => AMOUNT,
        b"rs" => RS,
        b"in" => IN,
        b"tp" => TP,
        b"tender" => TENDER,
        b"premium" => PREMIUM,
        b"less" => LESS,
        b"deduct" => DEDUCT,
        b"lc" => LC,
        b"labour" => LABOUR,
        b"labor" => LABOR,
        b"cess" => CESS,
        b"qc" => QC,
        b"quality" => QUALITY,
        b"control" => CONTROL,
        b"nac" => NAC,
        b"gst" => GST,
        b"lump" => LUMP,
        b"sum" => SUM,
        b"provision" => PROVISION,
        b"provisions" => PROVISIONS,
        b"unforeseen" => UNFORESEEN,
        b"unforseen" => UNFORSEEN,
        b"old" => OLD,
        b"material" => MATERIAL,
        b"materials" => MATERIALS,
        b"cost" => COST,
        b"below" => BELOW,
        b"g" => G,
        b"rounded" => ROUNDED,
        b"round" => ROUND,
        b"off" => OFF,
        b"gtotal" => GTOTAL,
        b"ls" => LS,
        b"say" => SAY,
        _ => 0,
    }
}

/// Which footer words, and which pairs of them, a label holds.
#[derive(Debug, Default, PartialEq, Eq)]
struct FooterWords {
    present: u64,
    pairs: u8,
    /// Whether some word is not a footer word at all.
    other: bool,
    /// How many words there are.
    count: usize,
    /// Whether the first word is `ls`.
    first_is_ls: bool,
    /// The previous word's bit, while reading.
    previous: u64,
}

impl FooterWords {
    fn of(words: &Words<'_>) -> Self {
        let mut found = Self::default();
        words.bytes().for_each(|word| found.add(word));
        found
    }

    /// [`FooterWords::of`] the [`words`] of ASCII text, found in one pass
    /// over its bytes by the same rules as [`WordSplitter`], without
    /// writing the words out: only words as short as a footer word are
    /// looked at.
    fn of_ascii(text: &[u8]) -> Self {
        const LONGEST: usize = 10;
        let mut found = Self::default();
        let mut word = [0u8; LONGEST + 1];
        let mut len = 0;
        let mut in_word = false;
        for i in 0..text.len() {
            let kept = match ascii_word_byte(text, i) {
                AsciiByte::Kept(kept) => kept,
                AsciiByte::Dropped => continue,
                AsciiByte::Break => {
                    if in_word {
                        found.add(&word[..len]);
                        (in_word, len) = (false, 0);
                    }
                    continue;
                }
            };
            in_word = true;
            // A longer word is no footer word; one byte past the longest
            // is enough to tell.
            if len < word.len() {
                word[len] = kept;
                len += 1;
            }
        }
        if in_word {
            found.add(&word[..len]);
        }
        found
    }

    fn add(&mut self, word: &[u8]) {
        let current = footer_word(word);
        self.first_is_ls |= self.count == 0 && word == b"ls";
        self.count += 1;
        self.present |= current;
        self.other |= current == 0;
        self.pairs |= match (self.previous, current) {
            (CONTRACT, VALUE) => CONTRACT_VALUE,
            (SUB, TOTAL) => SUB_TOTAL,
            (TENDER, PREMIUM) => TENDER_PREMIUM,
            (LABOUR | LABOR, CESS) => LABOUR_CESS,
            (QUALITY, CONTROL) => QUALITY_CONTROL,
            (LUMP, SUM) => LUMP_SUM,
            _ => 0,
        };
        self.previous = current;
    }

    /// Whether any of the words in `words` is present.
    fn has(&self, words: u64) -> bool {
        self.present & words != 0
    }

    fn pair(&self, pair: u8) -> bool {
        self.pairs & pair != 0
    }

    /// Whether every word is one of `allowed` or a filler word.
    fn only(&self, allowed: u64) -> bool {
        !self.other && self.present & !(allowed | FILLER) == 0
    }
}

/// A metadata line's field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataField {
    /// Name of the work.
    NameOfWork,
    /// Estimate amount.
    EstimateAmount,
    /// Reference to the administrative sanction.
    AdministrativeSanction,
    /// Reference to the technical sanction.
    TechnicalSanction,
    /// Reference to the agreement.
    Agreement,
    /// Name of the agency (contractor).
    Agency,
}

/// Recognises the label of a `label : value` line above the header.
pub fn metadata_field(label: &str) -> Option<MetadataField> {
    let mut splitter = WordSplitter::default();
    let w = splitter.split(label);
    // "Name of the Agency" names the agency, not the work: check it first.
    if w.has(&["agency", "contractor"]) {
        Some(MetadataField::Agency)
    } else if w.has(&["agreement", "agt"]) {
        Some(MetadataField::Agreement)
    } else if w.has(&["technical"]) {
        Some(MetadataField::TechnicalSanction)
    } else if w.has(&["administrative", "admn", "admin"]) {
        Some(MetadataField::AdministrativeSanction)
    } else if w.has(&["estimate", "estimated"]) && w.has(&["amount", "cost", "value"]) {
        Some(MetadataField::EstimateAmount)
    } else if w.has(&["name"]) && w.has(&["work", "works"]) {
        Some(MetadataField::NameOfWork)
    } else {
        None
    }
}

/// Reads an amount written in a metadata line: `Rs. 1,30,000/-` → 130000.
pub fn amount_in_text(text: &str) -> Option<Decimal> {
    let mut t = text.trim();
    for prefix in ["Rs.", "Rs", "rs.", "rs", "RS.", "RS", "₹", "INR"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim_start();
            break;
        }
    }
    let t = t.trim_end_matches("/-").trim_end();
    parse_number_text(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn words_handle_abbreviations_and_decimals() {
        assert_eq!(words("Add Excess T.P @ 5 %"), ["add", "excess", "tp", "5"]);
        assert_eq!(words("Sl.No."), ["slno"]);
        assert_eq!(words("Add NAC @ 0.1 %"), ["add", "nac", "0.1"]);
        assert_eq!(words("E.C.V."), ["ecv"]);
    }

    #[test]
    fn serial_captions() {
        for yes in [
            "Sl", "Sl.No", "S.No", "Sl. No.", "Serial", "Sr.No", "Sr. No", "S. No.", "SL NO",
            "SI.No", "SI. No.", "SI No",
        ] {
            assert!(is_serial_header(yes), "{yes}");
        }
        for no in [
            "Slab",
            "SI",
            "SI units",
            "Sample",
            "Single",
            "Description",
            "Sl.No of the work order given",
        ] {
            assert!(!is_serial_header(no), "{no}");
        }
    }

    #[test]
    fn column_captions() {
        assert!(is_quantity_header("Quantity"));
        assert!(is_quantity_header("Qty."));
        assert!(!is_quantity_header("Quality"));
        assert!(is_description_header("Item Description"));
        assert!(is_description_header("Description of Item"));
        assert!(!is_description_header("Itemised"));
        assert_eq!(description_header_rank("Description of work"), 2);
        assert_eq!(description_header_rank("Item No. and Description"), 2);
        assert_eq!(description_header_rank("Item"), 1);
        assert_eq!(description_header_rank("SSR Item No"), 0);
        assert_eq!(description_header_rank("Item code"), 0);
        assert!(is_rate_header("Rate Rs."));
        assert!(!is_rate_header("Separate"));
        assert!(is_amount_header("Amount"));
        assert!(is_per_header("Per"));
        assert!(!is_per_header("Percentage"));
        assert!(is_unit_header("Unit"));
        assert!(!is_unit_header("Per unit"));
    }

    #[test]
    fn excess_rows_are_ae_and_digits_only() {
        for yes in [
            "AE1", "AE 2", "ae12", " AE3 ", "AE-4", "AE.5", "AE: 6", "ae/7",
        ] {
            assert!(is_excess_label(yes), "{yes}");
        }
        for no in [
            "Aerial bunched cable",
            "AE",
            "AEX1",
            "AE 1a",
            "AE-",
            "AE--4",
            "AE-4a",
            "Assistant Engineer",
        ] {
            assert!(!is_excess_label(no), "{no}");
        }
    }

    #[test]
    fn footer_words_of_ascii_text_match_the_split_words() {
        let mut splitter = WordSplitter::default();
        for text in [
            "",
            "...",
            "E.C.V.",
            "Add Excess T.P @ 5 %",
            "L.S Provisions towards Shifting of poles",
            "Sub-Total (Rs.)",
            "Unforeseenx lump sum 1.5.6 x1.2y provisionsss",
            "  contract value  ",
            "Labor cess 0.1. cess",
        ] {
            assert_eq!(
                FooterWords::of_ascii(text.as_bytes()),
                FooterWords::of(&splitter.split(text)),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn footer_words_agree_on_any_ascii_text(
            text in "([a-zA-Z0-9]{1,12}|[ .,@%:()/-]{1,2}|ls|tp|sub|total|cess|labour){0,12}"
        ) {
            let mut splitter = WordSplitter::default();
            proptest::prop_assert_eq!(
                FooterWords::of_ascii(text.as_bytes()),
                FooterWords::of(&splitter.split(&text))
            );
        }
    }

    #[test]
    fn footer_labels_are_whole_labels() {
        assert_eq!(footer_kind("ECV"), Some(FooterKind::Ecv));
        assert_eq!(footer_kind("E.C.V"), Some(FooterKind::Ecv));
        assert_eq!(
            footer_kind("Estimated Contract Value"),
            Some(FooterKind::Ecv)
        );
        assert_eq!(footer_kind("Supply of ECV valve"), None);
        assert_eq!(footer_kind("Total"), Some(FooterKind::Total));
        assert_eq!(footer_kind("Total Amount Rs."), Some(FooterKind::Total));
        assert_eq!(footer_kind("Total station survey"), None);
        assert_eq!(footer_kind("Sub Total"), Some(FooterKind::SubTotal));
        assert_eq!(footer_kind("Grand Total"), Some(FooterKind::GrandTotal));
        for written in [
            "G. Total",
            "G.Total",
            "Say Rs.",
            "Say",
            "Grand total (Rounded)",
            "Grand Total (Round off)",
        ] {
            assert_eq!(
                footer_kind(written),
                Some(FooterKind::GrandTotal),
                "{written}"
            );
        }
        // Words around the total that are no rounding still make it another line.
        assert_eq!(footer_kind("Grand Total of Sub Head I"), None);
        assert_eq!(footer_kind("G.I. pipe total length"), None);
        assert_eq!(footer_kind("Say 10 Nos of poles"), None);
        for written in [
            "L.S Provision towards unforeseen items",
            "L.S. Provision towards Un-foreseen items",
            "LS provision for un foreseen items",
            "LS towards unforeseen items",
            "Provision for unforeseen items & rounding off",
            "Unforeseen items (L.S)",
        ] {
            assert_eq!(
                footer_kind(written),
                Some(FooterKind::LsUnforeseen),
                "{written}"
            );
        }
        assert_eq!(
            footer_kind("Deduct Old Material Cost"),
            Some(FooterKind::DeductOldMaterial)
        );
        assert!(footer_kind("Deduct Old Material Cost")
            .unwrap()
            .ends_items());
        assert!(!footer_kind("Add LC @ 1 %").unwrap().ends_items());
    }

    #[test]
    fn running_totals_among_the_items_are_told_from_headings() {
        for total in [
            "Total of Sub Head I",
            "Sub Total (A)",
            "Total (A)",
            "Total - Civil",
            "Carried over",
            "C/o",
            "B/F",
            "Brought forward from page 2",
        ] {
            assert!(is_running_total(total), "{total}");
        }
        for heading in [
            "SUB HEAD I: Earth work",
            "Civil works",
            "Total station survey",
        ] {
            assert!(!is_running_total(heading), "{heading}");
        }
    }

    #[test]
    fn tender_premium_needs_the_word_and_a_percentage() {
        assert_eq!(
            footer_kind("Add Excess T.P @ 5 %"),
            Some(FooterKind::TenderPremium {
                percent: dec!(5),
                kind: TpType::Excess
            })
        );
        assert_eq!(
            footer_kind("Deduct TP @ 4.5% Less"),
            Some(FooterKind::TenderPremium {
                percent: dec!(4.5),
                kind: TpType::Less
            })
        );
        assert_eq!(
            footer_kind("Tender premium @ 2 %"),
            Some(FooterKind::TenderPremium {
                percent: dec!(2),
                kind: TpType::Excess
            })
        );
        assert_eq!(footer_kind("Add output charges @ 2 %"), None);
        assert_eq!(footer_kind("T.P"), None);
        assert!(names_tender_premium("T.P") && names_tender_premium("Add Excess Tender Premium"));
        assert!(!names_tender_premium("Add output charges @ 2 %"));
        // A non-ASCII character right before the figure.
        assert_eq!(percent_in("Add Excess T.P @Ù5 %"), Some(dec!(5)));
    }

    #[test]
    fn a_premium_below_the_estimate_is_less_however_it_is_written() {
        let less = |percent| {
            Some(FooterKind::TenderPremium {
                percent,
                kind: TpType::Less,
            })
        };
        assert_eq!(footer_kind("T.P @ 4.5 % below"), less(dec!(4.5)));
        assert_eq!(footer_kind("T.P @ -4.5 %"), less(dec!(4.5)));
        assert_eq!(
            footer_kind("Tender premium @ \u{2212} 3.25 %"),
            less(dec!(3.25))
        );
        // A hyphen elsewhere in the label says nothing about the direction.
        assert_eq!(
            footer_kind("T.P - Excess @ 4.5 %"),
            Some(FooterKind::TenderPremium {
                percent: dec!(4.5),
                kind: TpType::Excess
            })
        );
    }

    #[test]
    fn other_footer_rows() {
        assert_eq!(
            footer_kind("Add LC @ 1 %"),
            Some(FooterKind::LabourCess(Some(dec!(1))))
        );
        assert_eq!(
            footer_kind("Add QC @ 1 %"),
            Some(FooterKind::QualityControl(Some(dec!(1))))
        );
        assert_eq!(
            footer_kind("Add NAC @ 0.1 %"),
            Some(FooterKind::Nac(Some(dec!(0.1))))
        );
        assert_eq!(
            footer_kind("Add GST @ 18 %"),
            Some(FooterKind::Gst(Some(dec!(18))))
        );
        assert_eq!(
            footer_kind("L.S Provision towards unforeseen items"),
            Some(FooterKind::LsUnforeseen)
        );
        assert_eq!(
            footer_kind("L.S Provisions towards Shifting of poles"),
            Some(FooterKind::LsOther("Shifting of poles".into()))
        );
    }

    #[test]
    fn metadata_labels() {
        assert_eq!(
            metadata_field("Name of the work"),
            Some(MetadataField::NameOfWork)
        );
        assert_eq!(
            metadata_field("Name of the Agency"),
            Some(MetadataField::Agency)
        );
        assert_eq!(
            metadata_field("Estimate amount"),
            Some(MetadataField::EstimateAmount)
        );
        assert_eq!(
            metadata_field("Ref. to Administrative sanction"),
            Some(MetadataField::AdministrativeSanction)
        );
        assert_eq!(
            metadata_field("Ref. to Technical sanction"),
            Some(MetadataField::TechnicalSanction)
        );
        assert_eq!(
            metadata_field("Ref. to Agreement"),
            Some(MetadataField::Agreement)
        );
        assert_eq!(metadata_field("Date"), None);
        assert_eq!(amount_in_text("Rs. 1,30,000/-"), Some(dec!(130000)));
    }
}
