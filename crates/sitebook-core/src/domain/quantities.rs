//! The quantities a bill or a work slip is given (a line of `sl_no,quantity` each), the
//! problems they can have, and how they are placed on an estimate's items: matched by serial,
//! every problem collected rather than the first reported, so a person fixing a 500-row file
//! sees every mistake at once. Split out of `bill.rs`, which computes with what this checks.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::estimate::EstimateItem;
use super::money::within_limit;

/// The line of a file a figure was read from. A serial the estimate does not have is only
/// found once the figures meet the estimate, far from the file; carrying the line lets that
/// problem still send the person to the file and line to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file's name as the person gave it.
    pub file: Arc<str>,
    /// The line, counting the header as line 1.
    pub line: u64,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.file, self.line)
    }
}

/// `"q.csv line 4: "` before a problem whose figure came from a file, nothing otherwise.
pub(crate) fn origin_prefix(origin: &Option<Origin>) -> String {
    origin
        .as_ref()
        .map_or_else(String::new, |origin| format!("{origin}: "))
}

/// A quantity entered for one estimate item, named by its serial (a line of the CSV
/// `sl_no,till_date_qty`, or a stored till-date figure).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemQuantity {
    /// The estimate item's serial.
    pub sl_no: String,
    /// The quantity: till-date for bills, executed for work slips.
    pub quantity: Decimal,
    /// The file line it was read from, for messages only: not stored, and not part of the
    /// figure (two equal figures from different lines are equal, and a document's recorded
    /// inputs hash the same however they were entered).
    #[serde(skip)]
    pub origin: Option<Origin>,
}

impl ItemQuantity {
    /// A quantity typed somewhere other than a file, or read back from storage.
    pub fn new(sl_no: impl Into<String>, quantity: Decimal) -> Self {
        Self {
            sl_no: sl_no.into(),
            quantity,
            origin: None,
        }
    }

    /// The same quantity, remembered as read from `origin`.
    pub fn read_from(self, origin: Origin) -> Self {
        Self {
            origin: Some(origin),
            ..self
        }
    }
}

impl PartialEq for ItemQuantity {
    fn eq(&self, other: &Self) -> bool {
        // Every field named, so that one added later cannot be left out of equality unseen.
        let Self {
            sl_no,
            quantity,
            origin: _,
        } = self;
        (sl_no, quantity) == (&other.sl_no, &other.quantity)
    }
}

impl Eq for ItemQuantity {}

/// One problem with a bill's input. Each names the item by serial and, where known, by a
/// shortened description.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BillInputError {
    /// A quantity was given for a serial that is not in the estimate.
    #[error(
        "{}item {sl_no}: there is no such item in the estimate",
        origin_prefix(origin)
    )]
    UnknownItem {
        /// The serial given.
        sl_no: String,
        /// The file line that gave it, when it came from a file.
        origin: Option<Origin>,
    },
    /// Two quantities were given for one item.
    #[error(
        "item {sl_no} ({}): a quantity is given more than once",
        brief(description)
    )]
    DuplicateQuantity {
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
    },
    /// The estimate itself repeats a serial, so quantities cannot be matched by serial.
    #[error("item {sl_no}: the estimate has more than one item with this serial")]
    DuplicateSerial {
        /// The repeated serial.
        sl_no: String,
    },
    /// A negative quantity.
    #[error(
        "item {sl_no} ({}): quantity {quantity} is negative",
        brief(description)
    )]
    NegativeQuantity {
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
        /// The quantity given.
        quantity: Decimal,
    },
    /// The till-date quantity is below the previous bill's, which would make since-last negative.
    #[error(
        "item {sl_no} ({}): till-date quantity {till_date} is below the previous bill's {previous}; \
         enter the quantity measured up to date, not since the last bill",
        brief(description)
    )]
    TillDateBelowPrevious {
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
        /// The till-date quantity given.
        till_date: Decimal,
        /// The previous bill's till-date quantity.
        previous: Decimal,
    },
    /// A quantity or rate beyond [`MAX_FIGURE`](super::money::MAX_FIGURE).
    #[error(
        "item {sl_no} ({}): {value} is too large to be a real quantity or rate",
        brief(description)
    )]
    FigureTooLarge {
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
        /// The figure given.
        value: Decimal,
    },
    /// A row's amount beyond [`MAX_FIGURE`](super::money::MAX_FIGURE): a quantity and a rate
    /// each within it can multiply past it, to a figure no work has and no spreadsheet cell
    /// holds exactly.
    #[error(
        "item {sl_no} ({}): its amount comes to {}, beyond the largest figure accepted ({}); \
         check its quantity and rate",
        brief(description),
        super::money::format_indian(*amount),
        super::money::format_indian(super::money::MAX_FIGURE)
    )]
    AmountTooLarge {
        /// The item's serial.
        sl_no: String,
        /// The item's description.
        description: String,
        /// Quantity × rate, rounded.
        amount: Decimal,
    },
    /// A total of the bill beyond [`MAX_FIGURE`](super::money::MAX_FIGURE): rows each within it
    /// can add up past it.
    #[error(
        "the bill's {label} comes to {}, beyond the largest figure accepted ({}); check the \
         quantities and rates",
        super::money::format_indian(*amount),
        super::money::format_indian(super::money::MAX_FIGURE)
    )]
    TotalTooLarge {
        /// `Sub Total Amount` or `Total`, as the bill labels it.
        label: String,
        /// The total.
        amount: Decimal,
    },
    /// A text longer than a spreadsheet cell holds ([`MAX_TEXT_CHARS`](super::estimate::MAX_TEXT_CHARS)).
    #[error(
        "item {sl_no}: its {field} has {chars} characters, more than the 32,767 a spreadsheet \
         cell holds; shorten it in the workbook and import it again"
    )]
    TextTooLong {
        /// The item's serial.
        sl_no: String,
        /// `description`, `unit`, …
        field: String,
        /// Its length in characters.
        chars: usize,
    },
    /// The previous bill's stored figure cannot be used (unknown item, or negative).
    #[error("item {sl_no}: the previous bill's quantity {quantity} does not fit this estimate")]
    InvalidPreviousQuantity {
        /// The serial stored with the previous bill.
        sl_no: String,
        /// The stored quantity.
        quantity: Decimal,
    },
    /// The estimate has no items, so the bill would be an empty Rs 0.00 document that uses up
    /// its number.
    #[error(
        "the estimate has no items to bill; check that the workbook's item rows have a quantity \
         and a rate, and upload it again"
    )]
    NoItems,
    /// An Nth bill must be bill 2 or later.
    #[error("an Nth bill must be bill 2 or later, not bill {number}")]
    NotAnNthBill {
        /// The number given.
        number: u32,
    },
}

/// Every problem found in a bill's input, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}", join_problems(problems))]
pub struct BillInputErrors {
    /// The problems, at least one.
    pub problems: Vec<BillInputError>,
}

/// Most problems one message spells out; the rest are counted. A file of 50,000 wrong
/// serials should say what is wrong in a sentence a person reads, not in 50,000 clauses.
pub const MAX_LISTED_PROBLEMS: usize = 20;

/// Joins problems into one message, `; `-separated, for the aggregate error's Display: the
/// first [`MAX_LISTED_PROBLEMS`], then how many more there are.
pub(crate) fn join_problems<E: std::fmt::Display>(problems: &[E]) -> String {
    let mut text = String::new();
    for (i, problem) in problems.iter().take(MAX_LISTED_PROBLEMS).enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        text.push_str(&problem.to_string());
    }
    if problems.len() > MAX_LISTED_PROBLEMS {
        text.push_str(&format!(
            "; and {} more",
            problems.len() - MAX_LISTED_PROBLEMS
        ));
    }
    text
}

/// A description shortened for an error message: whitespace collapsed, at most 60 characters.
pub(crate) fn brief(description: &str) -> String {
    const LIMIT: usize = 60;
    let collapsed = description.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= LIMIT {
        collapsed
    } else {
        let cut: String = collapsed.chars().take(LIMIT - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Maps serials to item positions, reporting serials the estimate repeats.
pub(crate) fn index_by_serial<'a, T>(
    items: &'a [T],
    serial: impl Fn(&'a T) -> &'a str,
) -> (HashMap<&'a str, usize>, Vec<String>) {
    let mut index = HashMap::with_capacity(items.len());
    let mut repeated = Vec::new();
    for (position, item) in items.iter().enumerate() {
        let sl_no = serial(item).trim();
        if index.insert(sl_no, position).is_some() && !repeated.iter().any(|r| r == sl_no) {
            repeated.push(sl_no.to_owned());
        }
    }
    (index, repeated)
}

/// Checks an estimate's items for repeated serials and out-of-range figures.
pub(super) fn check_items<'a>(
    items: &'a [EstimateItem],
    problems: &mut Vec<BillInputError>,
) -> HashMap<&'a str, usize> {
    if items.is_empty() {
        problems.push(BillInputError::NoItems);
    }
    let (index, repeated) = index_by_serial(items, |item| item.sl_no.as_str());
    problems.extend(
        repeated
            .into_iter()
            .map(|sl_no| BillInputError::DuplicateSerial { sl_no }),
    );
    for item in items {
        for value in [item.rate, item.quantity] {
            if !within_limit(value) {
                problems.push(too_large(item, value));
            }
        }
        if let Some((field, chars)) = item.overlong_text() {
            problems.push(BillInputError::TextTooLong {
                sl_no: item.sl_no.clone(),
                field: field.to_owned(),
                chars,
            });
        }
    }
    index
}

fn too_large(item: &EstimateItem, value: Decimal) -> BillInputError {
    BillInputError::FigureTooLarge {
        sl_no: item.sl_no.clone(),
        description: item.description.clone(),
        value,
    }
}

/// Places the entered quantities on the items (`None` where an item got no entry).
pub(super) fn place_quantities(
    items: &[EstimateItem],
    index: &HashMap<&str, usize>,
    entries: &[ItemQuantity],
    problems: &mut Vec<BillInputError>,
) -> Vec<Option<Decimal>> {
    let mut placed = vec![None; items.len()];
    for entry in entries {
        let Some(&position) = index.get(entry.sl_no.trim()) else {
            problems.push(BillInputError::UnknownItem {
                sl_no: entry.sl_no.clone(),
                origin: entry.origin.clone(),
            });
            continue;
        };
        let item = &items[position];
        if placed[position].is_some() {
            problems.push(BillInputError::DuplicateQuantity {
                sl_no: item.sl_no.clone(),
                description: item.description.clone(),
            });
            continue;
        }
        if entry.quantity < Decimal::ZERO {
            problems.push(BillInputError::NegativeQuantity {
                sl_no: item.sl_no.clone(),
                description: item.description.clone(),
                quantity: entry.quantity,
            });
        } else if !within_limit(entry.quantity) {
            problems.push(too_large(item, entry.quantity));
        }
        placed[position] = Some(entry.quantity);
    }
    placed
}

/// Places the previous bill's stored figures; anything that does not fit is reported.
pub(super) fn place_previous(
    items: &[EstimateItem],
    index: &HashMap<&str, usize>,
    entries: &[ItemQuantity],
    problems: &mut Vec<BillInputError>,
) -> Vec<Decimal> {
    let mut placed = vec![None; items.len()];
    for entry in entries {
        match index.get(entry.sl_no.trim()) {
            Some(&position)
                if placed[position].is_none()
                    && entry.quantity >= Decimal::ZERO
                    && within_limit(entry.quantity) =>
            {
                placed[position] = Some(entry.quantity);
            }
            _ => problems.push(BillInputError::InvalidPreviousQuantity {
                sl_no: entry.sl_no.clone(),
                quantity: entry.quantity,
            }),
        }
    }
    placed.into_iter().map(Option::unwrap_or_default).collect()
}

/// How many times an item's estimate quantity a quantity may reach before it reads as a slip
/// of the keyboard (a digit too many, a figure pasted into the wrong row) rather than work.
pub const IMPLAUSIBLE_MULTIPLE: u32 = 10;

/// A warning, by item, for each quantity more than [`IMPLAUSIBLE_MULTIPLE`] times its item's
/// estimate quantity. Lawful (excess work is billed as AE), so never a refusal; but a bill of
/// 10^11 girders against an estimate of 16 should not go out unremarked. Items with no
/// estimate quantity are left alone: all of their quantity is excess by design.
pub fn implausible_quantities(items: &[EstimateItem], quantities: &[ItemQuantity]) -> Vec<String> {
    let multiple = Decimal::from(IMPLAUSIBLE_MULTIPLE);
    let (by_serial, _) = index_by_serial(items, |item| item.sl_no.as_str());
    quantities
        .iter()
        .filter_map(|entry| {
            let item = &items[*by_serial.get(entry.sl_no.trim())?];
            (item.quantity > Decimal::ZERO && entry.quantity > item.quantity * multiple).then(
                || {
                    format!(
                    "item {} ({}): {} is more than {IMPLAUSIBLE_MULTIPLE} times the estimate's {}; \
                     check the figure",
                    entry.sl_no,
                    brief(&item.description),
                    entry.quantity.normalize(),
                    item.quantity.normalize()
                )
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_of_problems_names_twenty_and_counts_the_rest() {
        let problems: Vec<String> = (1..=25).map(|n| format!("item {n}: wrong")).collect();
        let text = join_problems(&problems);
        assert!(text.starts_with("item 1: wrong; item 2: wrong"), "{text}");
        assert!(text.contains("item 20: wrong; and 5 more"), "{text}");
        assert!(!text.contains("item 21"), "{text}");
        assert_eq!(
            join_problems(&problems[..2]),
            "item 1: wrong; item 2: wrong"
        );
    }

    #[test]
    fn long_descriptions_are_shortened_in_messages() {
        let long = "Earth work excavation   in all kinds of soil ".repeat(5);
        let shown = brief(&long);
        assert_eq!(shown.chars().count(), 60);
        assert!(shown.starts_with("Earth work excavation in all kinds of soil Earth"));
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn an_unknown_serial_from_a_file_is_told_by_its_file_and_line() {
        let items = [EstimateItem {
            sl_no: "1".into(),
            description: "Item 1".into(),
            quantity: Decimal::ONE,
            unit: "Nos".into(),
            rate: Decimal::ONE,
            per_unit: "1".into(),
            amount: Decimal::ONE,
        }];
        let mut problems = Vec::new();
        let index = check_items(&items, &mut problems);
        let typed = ItemQuantity::new("8", Decimal::ONE);
        let from_file = ItemQuantity::new("9", Decimal::ONE).read_from(Origin {
            file: "till-date.csv".into(),
            line: 14,
        });
        place_quantities(&items, &index, &[typed, from_file], &mut problems);
        let told: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            told,
            [
                "item 8: there is no such item in the estimate",
                "till-date.csv line 14: item 9: there is no such item in the estimate"
            ]
        );
    }

    #[test]
    fn a_quantity_far_past_its_estimate_is_named_and_excess_work_is_not() {
        let item = |sl_no: &str, quantity: &str| EstimateItem {
            sl_no: sl_no.into(),
            description: format!("Item {sl_no}"),
            quantity: quantity.parse().unwrap(),
            unit: "Nos".into(),
            rate: Decimal::ONE,
            per_unit: "1".into(),
            amount: quantity.parse().unwrap(),
        };
        let items = [item("1", "16"), item("2", "16"), item("3", "0")];
        let entered = |pairs: &[(&str, &str)]| -> Vec<ItemQuantity> {
            pairs
                .iter()
                .map(|(sl_no, quantity)| ItemQuantity::new(*sl_no, quantity.parse().unwrap()))
                .collect()
        };
        // Ten times is excess work, however much; past it reads as a slip of the keyboard.
        let warned = implausible_quantities(
            &items,
            &entered(&[("1", "160"), ("2", "100000000000"), ("3", "500")]),
        );
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(
            warned[0].starts_with(
                "item 2 (Item 2): 100000000000 is more than 10 times the estimate's 16"
            ),
            "{}",
            warned[0]
        );
    }
}
