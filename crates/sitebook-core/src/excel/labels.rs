//! Recognising the words of an estimate sheet: header captions, footer
//! labels, `AE` rows and metadata labels.
//!
//! Everything here works on whole words, never substrings, because that is
//! where the legacy parser went wrong: "output" contains "tp", "Aerial
//! bunched cable" starts with "ae", and "Total station survey" is an item,
//! not a total.

use crate::domain::money::parse_number_text;
use rust_decimal::Decimal;

/// Splits a caption into lowercase words. Dots inside abbreviations vanish
/// (`T.P` → `tp`, `Sl.No` → `slno`, `E.C.V.` → `ecv`) while decimal points
/// stay (`0.1`); every other symbol separates words.
pub fn words(text: &str) -> Vec<String> {
    let mut cleaned = String::with_capacity(text.len());
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
    cleaned.split_whitespace().map(str::to_string).collect()
}

/// Fragments at least one of which every footer label contains once
/// lowercased and stripped of dots. Checking them first keeps the parser
/// fast on long item descriptions, which are nearly all of the rows.
const FOOTER_FRAGMENTS: [&str; 13] = [
    "ecv",
    "contract",
    "total",
    "material",
    "tp",
    "tender",
    "lc",
    "cess",
    "qc",
    "quality",
    "nac",
    "gst",
    "provision",
];

fn may_be_footer(text: &str) -> bool {
    let folded: String = text
        .chars()
        .filter(|&c| c != '.')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    FOOTER_FRAGMENTS.iter().any(|f| folded.contains(f))
}

fn has(words: &[String], wanted: &[&str]) -> bool {
    words.iter().any(|w| wanted.contains(&w.as_str()))
}

fn has_pair(words: &[String], first: &str, second: &str) -> bool {
    words.windows(2).any(|p| p[0] == first && p[1] == second)
}

/// The serial-number caption: `Sl`, `Sl.No`, `S.No`, `Serial`, `Sr.No`.
pub fn is_serial_header(text: &str) -> bool {
    let w = words(text);
    if w.is_empty() || w.len() > 3 {
        return false;
    }
    match w[0].as_str() {
        "sl" | "slno" | "sno" | "srno" | "serial" => true,
        "s" | "sr" => w.get(1).is_some_and(|n| n == "no" || n == "number"),
        _ => false,
    }
}

/// The quantity caption: a word `qty` or `quantity`.
pub fn is_quantity_header(text: &str) -> bool {
    has(&words(text), &["qty", "quantity", "quantities"])
}

/// The description caption: a word `item` or `description`.
pub fn is_description_header(text: &str) -> bool {
    has(&words(text), &["item", "items", "description"])
}

/// The rate caption (`Rate`, `Rate in Rs.`).
pub fn is_rate_header(text: &str) -> bool {
    has(&words(text), &["rate"])
}

/// The amount caption (`Amount`, `Amt`, `Amount Rs.`).
pub fn is_amount_header(text: &str) -> bool {
    has(&words(text), &["amount", "amt"])
}

/// The "per" caption (`Per`, `Per unit`).
pub fn is_per_header(text: &str) -> bool {
    words(text).first().is_some_and(|w| w == "per")
}

/// A caption that is just `Unit`/`Units`.
pub fn is_unit_header(text: &str) -> bool {
    let w = words(text);
    w.len() == 1 && (w[0] == "unit" || w[0] == "units")
}

/// An excess row's label: `AE` followed by digits (`AE1`, `AE 2`).
pub fn is_excess_label(text: &str) -> bool {
    let t = text.trim();
    let Some(prefix) = t.get(..2) else {
        return false;
    };
    if !prefix.eq_ignore_ascii_case("ae") {
        return false;
    }
    let digits = t[2..].trim_start();
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The percentage written in a label (`Add LC @ 1 %` → 1), if any.
pub fn percent_in(text: &str) -> Option<Decimal> {
    let percent = text.find('%')?;
    let before = text[..percent].trim_end();
    let start = before
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ',')
        .len();
    parse_number_text(&before[start..])
}

/// Whether the tender premium is deducted ("Less") rather than added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PremiumKind {
    /// Added to the ECV.
    Excess,
    /// Deducted from the ECV.
    Less,
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
        kind: PremiumKind,
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

/// Words that may accompany a total-like label without changing it
/// (`Total Amount Rs.`, `ECV (Estimated Contract Value)`).
const FILLER: [&str; 4] = ["amount", "rs", "value", "in"];

/// Recognises a footer label, or `None` for anything else.
pub fn footer_kind(text: &str) -> Option<FooterKind> {
    if !may_be_footer(text) {
        return None;
    }
    let w = words(text);
    if w.is_empty() {
        return None;
    }
    let only = |allowed: &[&str]| {
        w.iter()
            .all(|x| allowed.contains(&x.as_str()) || FILLER.contains(&x.as_str()))
    };
    let percent = percent_in(text);

    if w.len() <= 6
        && has(&w, &["old"])
        && has(&w, &["material", "materials"])
        && has(&w, &["deduct", "less", "cost"])
    {
        return Some(FooterKind::DeductOldMaterial);
    }
    if only(&["ecv", "estimated", "estimate", "contract"])
        && (has(&w, &["ecv"]) || has_pair(&w, "contract", "value"))
    {
        return Some(FooterKind::Ecv);
    }
    if only(&["grand", "total"]) && has(&w, &["grand"]) && has(&w, &["total"]) {
        return Some(FooterKind::GrandTotal);
    }
    if only(&["sub", "total", "subtotal"])
        && (has_pair(&w, "sub", "total") || has(&w, &["subtotal"]))
    {
        return Some(FooterKind::SubTotal);
    }
    if only(&["total"]) && has(&w, &["total"]) {
        return Some(FooterKind::Total);
    }
    if has(&w, &["tp"]) || has_pair(&w, "tender", "premium") {
        // A premium is only a premium with its percentage.
        let percent = percent?;
        let kind = if has(&w, &["less", "deduct"]) {
            PremiumKind::Less
        } else {
            PremiumKind::Excess
        };
        return Some(FooterKind::TenderPremium { percent, kind });
    }
    if has(&w, &["lc"]) || has_pair(&w, "labour", "cess") || has_pair(&w, "labor", "cess") {
        return Some(FooterKind::LabourCess(percent));
    }
    if has(&w, &["qc"]) || has_pair(&w, "quality", "control") {
        return Some(FooterKind::QualityControl(percent));
    }
    if has(&w, &["nac"]) {
        return Some(FooterKind::Nac(percent));
    }
    if has(&w, &["gst"]) {
        return Some(FooterKind::Gst(percent));
    }
    let lump_sum = w[0] == "ls" || has_pair(&w, "lump", "sum");
    if lump_sum && has(&w, &["provision", "provisions"]) {
        if has(&w, &["unforeseen", "unforseen"]) {
            return Some(FooterKind::LsUnforeseen);
        }
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
    let w = words(label);
    // "Name of the Agency" names the agency, not the work: check it first.
    if has(&w, &["agency", "contractor"]) {
        Some(MetadataField::Agency)
    } else if has(&w, &["agreement", "agt"]) {
        Some(MetadataField::Agreement)
    } else if has(&w, &["technical"]) {
        Some(MetadataField::TechnicalSanction)
    } else if has(&w, &["administrative", "admn", "admin"]) {
        Some(MetadataField::AdministrativeSanction)
    } else if has(&w, &["estimate", "estimated"]) && has(&w, &["amount", "cost", "value"]) {
        Some(MetadataField::EstimateAmount)
    } else if has(&w, &["name"]) && has(&w, &["work", "works"]) {
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
        ] {
            assert!(is_serial_header(yes), "{yes}");
        }
        for no in [
            "Slab",
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
        for yes in ["AE1", "AE 2", "ae12", " AE3 "] {
            assert!(is_excess_label(yes), "{yes}");
        }
        for no in [
            "Aerial bunched cable",
            "AE",
            "AEX1",
            "AE 1a",
            "Assistant Engineer",
        ] {
            assert!(!is_excess_label(no), "{no}");
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
    fn tender_premium_needs_the_word_and_a_percentage() {
        assert_eq!(
            footer_kind("Add Excess T.P @ 5 %"),
            Some(FooterKind::TenderPremium {
                percent: dec!(5),
                kind: PremiumKind::Excess
            })
        );
        assert_eq!(
            footer_kind("Deduct TP @ 4.5% Less"),
            Some(FooterKind::TenderPremium {
                percent: dec!(4.5),
                kind: PremiumKind::Less
            })
        );
        assert_eq!(
            footer_kind("Tender premium @ 2 %"),
            Some(FooterKind::TenderPremium {
                percent: dec!(2),
                kind: PremiumKind::Excess
            })
        );
        assert_eq!(footer_kind("Add output charges @ 2 %"), None);
        assert_eq!(footer_kind("T.P"), None);
        // A non-ASCII character right before the figure.
        assert_eq!(percent_in("Add Excess T.P @Ù5 %"), Some(dec!(5)));
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
