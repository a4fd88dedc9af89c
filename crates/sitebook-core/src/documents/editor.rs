//! What the bill and work-slip editors of the desktop app stand on: the draft (what an editor
//! shows before anything is typed) and the preview (the live figures of what has been typed).
//!
//! Both go through the same gathering and the same domain functions that create the documents,
//! so the totals a person watches while typing are exactly the totals that will print, and a
//! problem the preview shows is exactly the problem saving would refuse. Nothing here writes.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::input_csv::SupplementalLine;
use super::{
    cap_source, document_base, estimate_sheet, items_of, latest_working_estimate, measures_nothing,
    next_bill_inputs, next_bill_terms, next_workslip_input, stored_workslip_inputs,
    workslip_blocked, workslip_warnings, BillRequest, ComputedBill,
};
use crate::domain::bill::{check_next_bill, BillInputError, ItemQuantity, NthBillFigures, RowKind};
use crate::domain::estimate::{EstimateItem, SubHead};
use crate::domain::money::CurrencyMark;
use crate::domain::money::{finer_than_paise, parse_number_text};
use crate::domain::payments::{memorandum, Memorandum, MemorandumError, OneOffRecovery};
use crate::domain::work::{DocDate, DocumentDates};
use crate::domain::workslip::{
    working_estimate, workslip, RateOverride, WorkslipInputError, WorkslipRow,
};
use crate::error::{Error, Result};
use crate::jobs::Ctx;
use crate::render::memorandum_statement;
use crate::tenancy::gate::OrgScope;

/// A quantity as typed into an editor: the item's serial and the text of the cell.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QuantityEntry {
    /// The serial of the estimate item the quantity is for (`1`, `2a`).
    pub sl_no: String,
    /// The cell as typed: the till-date quantity on a bill, the executed one on a work slip; blank
    /// means not entered.
    pub quantity: String,
}

/// A supplemental (not-in-estimate) item typed into the work-slip editor, as text.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SupplementalEntry {
    /// The serial the new item gets (such as `S1`), so later phases can refer to it.
    pub sl_no: String,
    /// What the item is, as it will print.
    pub description: String,
    /// The unit printed next to the quantity (`Nos`, `Cum`).
    pub unit: String,
    /// The rate per unit in rupees, as typed.
    pub rate: String,
    /// The quantity executed in this phase, as typed.
    pub executed: String,
}

/// A rate typed into the work-slip editor for an estimate item, as text. It replaces the
/// estimate's rate on the item's whole row, in this work slip and the ones after (DOMAIN.md §3).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RateEntry {
    /// The serial of the estimate item the rate is for.
    pub sl_no: String,
    /// The rate per unit in rupees, as typed; blank keeps the rate in force.
    pub rate: String,
}

/// A one-off recovery typed into the bill editor (an advance, materials issued), as text.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecoveryEntry {
    /// What is recovered, in words, as the memorandum will print it.
    pub label: String,
    /// The amount to recover in rupees, as typed; a comma only groups digits.
    pub amount: String,
}

/// One line of a previewed memorandum of payments, as it will print.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewMemoLine {
    /// The line's number on the form: `1`, `4(a)`.
    pub number: String,
    /// What the line is, in words.
    pub particulars: String,
    /// How the figure was worked out (`1 - 2`), or empty.
    pub detail: String,
    /// The figure in rupees with two decimals; empty when the line has none.
    pub amount: String,
    /// The gross and the net, shown in bold.
    pub is_total: bool,
}

/// A previewed bill's memorandum of payments: from its gross to the net payable by cheque.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewMemorandum {
    /// The numbered lines, from the value of work done to the net payable.
    pub lines: Vec<PreviewMemoLine>,
    /// The net amount payable by cheque, in rupees with two decimals.
    pub net_payable: String,
    /// The net payable in words, as the bill prints it.
    pub net_in_words: String,
    /// Which day's deduction lines it applies, and why that day: "Deductions in force on
    /// 12-06-2025, the bill's date (the DOBR)".
    pub in_force_on: String,
    /// When the deductions come to more than the bill pays: by how much, in rupees with two
    /// decimals. The net line is then below zero, there are no words, and the bill cannot be
    /// saved; the lines show which one takes too much.
    pub short_by: Option<String>,
}

impl PreviewMemorandum {
    fn of(memorandum: &Memorandum, mark: CurrencyMark, dated: (DocDate, &str)) -> Self {
        Self {
            lines: memorandum_statement(memorandum, mark)
                .lines
                .into_iter()
                .map(|line| PreviewMemoLine {
                    number: line.number,
                    particulars: line.particulars,
                    detail: line.detail,
                    amount: line.amount.map(amount_text).unwrap_or_default(),
                    is_total: line.emphasised,
                })
                .collect(),
            net_payable: amount_text(memorandum.net_payable),
            net_in_words: memorandum.net_in_words.clone(),
            in_force_on: format!(
                "Deductions in force on {}, the bill's date ({}).",
                dated.0, dated.1
            ),
            short_by: (memorandum.net_payable < Decimal::ZERO)
                .then(|| amount_text(-memorandum.net_payable)),
        }
    }
}

/// One estimate item as an editor lists it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EditorItem {
    /// The item's serial as the estimate writes it (`1`, `2a`, `3.1`).
    pub sl_no: String,
    /// The item description, often a long paragraph.
    pub description: String,
    /// The plural unit printed next to the quantity (`Nos`, `Cum`, `Sqm`).
    pub unit: String,
    /// The rate per unit in rupees, with two decimals.
    pub rate: String,
    /// The quantity the estimate (or the latest working estimate) allows; none in the work-slip
    /// editor for an earlier slip's supplemental item, which the estimate does not have (the
    /// working estimate prints that cell blank).
    pub estimate_quantity: Option<String>,
    /// The previous bill's till-date figure, or the last work slip's executed figure.
    pub previous_quantity: Option<String>,
    /// What the quantity cell starts with.
    pub suggested_quantity: String,
    /// A work slip may give the item a rate of its own (an estimate item in the work-slip
    /// editor; a bill takes the rates it is given, and a supplemental item keeps the rate it
    /// was proposed at).
    pub rate_changeable: bool,
    /// The estimate's own rate, where an earlier work slip's rate replaces it (`rate` is then
    /// the one in force).
    pub estimate_rate: Option<String>,
}

/// What the bill editor shows before anything is typed.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BillDraft {
    /// The estimate the bill is for.
    #[ts(type = "number")]
    pub estimate_id: i64,
    /// The number the next bill gets; `None` when no bill can follow.
    pub number: Option<u32>,
    /// Bill 1 (quantities up to date from zero) rather than an Nth bill.
    pub is_first: bool,
    /// Why no bill can be created now, in words.
    pub blocked: Option<String>,
    /// `T.P @ 5 % Excess`, when the work has a tender premium.
    pub tender_premium: Option<String>,
    /// Where the items and their caps come from: `the sanctioned estimate`, or the latest
    /// working estimate once the estimate has work slips.
    pub cap_source: String,
    /// The work slip whose quantities are the caps, once the estimate has work slips: the
    /// editor's quantity column is then that work slip's, not the estimate's.
    pub caps_from_workslip: Option<u32>,
    /// The measurement-book and date lines the bill prints, from the work data. The bills of a
    /// chain share them unless the work data is changed between bills, so the editor shows them.
    pub work_lines: Vec<String>,
    /// The items, each with the quantity its cell starts from.
    pub items: Vec<EditorItem>,
}

// The work slip's draft has the bill's fields by the same names on purpose: one editor
// (QuantityEditor.tsx) serves both.
/// What the work-slip editor shows before anything is typed.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkslipDraft {
    /// The estimate the work slip is for.
    #[ts(type = "number")]
    pub estimate_id: i64,
    /// The phase the next work slip gets; `None` when all ten exist.
    pub phase: Option<u32>,
    /// Why no work slip can be created now, in words.
    pub blocked: Option<String>,
    /// The items (with the supplemental ones proposed so far), each with its starting quantity.
    pub items: Vec<EditorItem>,
}

/// A row of a previewed document.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewRow {
    /// What the row is: an estimate item, the excess over an item's estimate, a supplemental item
    /// or a sub-head.
    #[ts(type = "\"item\" | \"excess\" | \"supplemental\" | \"heading\"")]
    pub kind: String,
    /// The serial; empty on AE rows and on headings the workbook does not number.
    pub sl_no: String,
    /// The item description, or a sub-head's text.
    pub description: String,
    /// The unit printed next to the quantity; empty on headings.
    pub unit: String,
    /// The rate in rupees with two decimals; `None` on headings.
    pub rate: Option<String>,
    /// One figure per column of [`DocumentPreview::columns`]; `None` is an empty cell.
    pub figures: Vec<Option<String>>,
    /// A work slip's remark on the row (`Deleted`, `Excess as per estimated`); empty on bills.
    pub remarks: String,
}

/// A totals line of a previewed document.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewTotal {
    /// What the total is, as it will print.
    pub label: String,
    /// One figure per column, like a row's; `None` is an empty cell.
    pub figures: Vec<Option<String>>,
}

/// One problem with what was typed; `sl_no` names the item when there is one.
#[derive(Debug, Clone, Serialize, TS, Default)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewProblem {
    /// The serial of the item the problem is on; `None` for a problem of the whole document.
    pub sl_no: Option<String>,
    /// The problem in one sentence, naming the item when there is one.
    pub message: String,
    /// The problem is with the rate a work slip gives the item, not its quantity: the editor
    /// shows it beside the rate.
    pub on_rate: bool,
    /// The bill's one-off recovery line (counted from 0) the problem is on: the editor marks
    /// that line's fields and shows the problem under it.
    pub recovery: Option<u32>,
    /// The work slip's new supplemental line (counted from 0) the problem is on, likewise.
    pub supplemental: Option<u32>,
}

/// The live figures of a bill or work slip being entered. A problem that names an item leaves
/// that item at its default (not entered) and the rest is computed, so the other rows keep
/// their figures while the problem shows on its row; a problem of the whole document leaves
/// the rows and totals empty. Either way nothing can be saved until the problems are fixed.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DocumentPreview {
    /// The document's title, such as `Bill 2` or `Work slip 1`.
    pub title: String,
    /// Headings of the figure columns; each is a quantity or an amount column.
    pub columns: Vec<PreviewColumn>,
    /// The document's rows, sub-heads among them where the printed document has them.
    pub rows: Vec<PreviewRow>,
    /// The totals lines under the rows.
    pub totals: Vec<PreviewTotal>,
    /// The document's total in words, as it will print.
    pub amount_in_words: String,
    /// Everything that must be fixed before the document can be saved; empty when it can be.
    pub problems: Vec<PreviewProblem>,
    /// What saving would note but not refuse (an item billed that the working estimate
    /// deleted).
    pub warnings: Vec<String>,
    /// A bill's memorandum of payments; none for a work slip.
    pub memorandum: Option<PreviewMemorandum>,
}

/// A figure column: its heading and whether it holds money (2 decimals, Indian grouping).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewColumn {
    /// The column heading as it will print (`Quantity`, `Till-date amount`).
    pub heading: String,
    /// True for a money column, false for a quantity column.
    pub is_amount: bool,
}

impl DocumentPreview {
    fn refused(title: String, problems: Vec<PreviewProblem>) -> Self {
        Self {
            title,
            columns: Vec::new(),
            rows: Vec::new(),
            totals: Vec::new(),
            amount_in_words: String::new(),
            problems,
            warnings: Vec::new(),
            memorandum: None,
        }
    }
}

fn column(heading: &str, is_amount: bool) -> PreviewColumn {
    PreviewColumn {
        heading: heading.to_owned(),
        is_amount,
    }
}

fn quantity_text(value: Decimal) -> String {
    value.normalize().to_string()
}

fn amount_text(value: Decimal) -> String {
    format!("{:.2}", value.round_dp(2))
}

fn kind_text(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Item => "item",
        RowKind::Excess => "excess",
        RowKind::Supplemental => "supplemental",
    }
}

/// Reads what was typed. A blank cell is "not entered" (zero on a first bill, the previous
/// figure on an Nth bill). A comma is read only as digit grouping, Indian (`1,25,000.5`) or
/// international (`125,000.5`); anything else with a comma (`12,5`, `1,2,3`) is refused on its
/// row, never guessed: dropping the comma turned `12,5` into 125 on a bill.
pub fn parse_entries(entries: &[QuantityEntry]) -> (Vec<ItemQuantity>, Vec<PreviewProblem>) {
    let mut quantities = Vec::new();
    let mut problems = Vec::new();
    for entry in entries {
        let typed = entry.quantity.trim();
        if typed.is_empty() {
            continue;
        }
        match parse_typed(typed, TypedFigure::Quantity) {
            Ok(quantity) => quantities.push(ItemQuantity::new(entry.sl_no.clone(), quantity)),
            Err(why) => problems.push(PreviewProblem {
                sl_no: Some(entry.sl_no.clone()),
                message: format!("item {}: {why}", entry.sl_no),
                ..PreviewProblem::default()
            }),
        }
    }
    (quantities, problems)
}

/// Reads the rates typed into the work-slip editor, naming each cell that cannot be read
/// beside its rate. A blank cell keeps the rate in force.
pub fn parse_rates(entries: &[RateEntry]) -> (Vec<RateOverride>, Vec<PreviewProblem>) {
    let mut rates = Vec::new();
    let mut problems = Vec::new();
    for entry in entries {
        let typed = entry.rate.trim();
        if typed.is_empty() {
            continue;
        }
        let why = match parse_typed(typed, TypedFigure::Rate) {
            // Checked here as well as where a work slip is created, so that the preview names
            // the cell instead of refusing the whole slip.
            Ok(rate) if finer_than_paise(rate) => {
                format!("rate {rate} has more than two decimal places; give it in rupees and paise")
            }
            Ok(rate) => {
                rates.push(RateOverride::new(entry.sl_no.clone(), rate));
                continue;
            }
            Err(why) => why,
        };
        problems.push(PreviewProblem {
            sl_no: Some(entry.sl_no.clone()),
            message: format!("item {}: {why}", entry.sl_no),
            on_rate: true,
            ..PreviewProblem::default()
        });
    }
    (rates, problems)
}

/// The typed rates, or a validation error listing every unreadable cell.
pub fn rates_or_error(entries: &[RateEntry]) -> Result<Vec<RateOverride>> {
    read_or_refused("The work slip", parse_rates(entries))
}

/// What a typed figure is, for the sentence that says how to type it.
#[derive(Clone, Copy)]
enum TypedFigure {
    Quantity,
    Amount,
    Rate,
}

impl TypedFigure {
    /// The figure with its article and an example of how to type one.
    fn example(self) -> (&'static str, &'static str) {
        match self {
            TypedFigure::Quantity => ("a quantity", "12.5"),
            TypedFigure::Amount => ("an amount", "12.5"),
            TypedFigure::Rate => ("a rate", "450.50"),
        }
    }
}

/// One typed figure, or the sentence saying what was understood and what to type instead.
fn parse_typed(typed: &str, figure: TypedFigure) -> Result<Decimal, String> {
    if let Some(value) = parse_number_text(typed) {
        return Ok(value);
    }
    let (named, example) = figure.example();
    let only_number_characters = typed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+'));
    if let Some((integer, fraction)) = typed.split_once(',').filter(|_| only_number_characters) {
        let one_comma_then_digits = !fraction.is_empty()
            && fraction.chars().all(|c| c.is_ascii_digit())
            && integer.chars().all(|c| c.is_ascii_digit());
        return Err(if one_comma_then_digits {
            format!(
                "'{typed}' is not read: a comma only groups digits (1,250 or 1,25,000.5), so \
                 it could mean {integer}.{fraction} or {integer}{fraction}. Type \
                 {integer}.{fraction} or {integer}{fraction}."
            )
        } else {
            let noun = named.split_once(' ').map_or(named, |(_, noun)| noun);
            format!(
                "'{typed}' is not read: a comma only groups digits, in threes (1,250,000) or \
                 Indian style (12,50,000). Type the {noun} without commas, with a point for \
                 decimals, such as {example}."
            )
        });
    }
    Err(format!(
        "'{typed}' is not a number; type {named} such as {example}"
    ))
}

/// Reads the supplemental items typed into the work-slip editor. A wholly blank row is an
/// unused line of the form; any other row needs a serial, a description, a rate and a quantity.
pub fn parse_supplemental(
    entries: &[SupplementalEntry],
) -> (Vec<SupplementalLine>, Vec<PreviewProblem>) {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let line = u32::try_from(index).unwrap_or(u32::MAX);
        let fields = [
            &entry.sl_no,
            &entry.description,
            &entry.unit,
            &entry.rate,
            &entry.executed,
        ];
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let sl_no = entry.sl_no.trim();
        let name = if sl_no.is_empty() {
            format!("supplemental line {}", index + 1)
        } else {
            format!("supplemental item {sl_no}")
        };
        let mut missing = Vec::new();
        if sl_no.is_empty() {
            missing.push("a serial");
        }
        if entry.description.trim().is_empty() {
            missing.push("a description");
        }
        let rate = parse_number_text(&entry.rate);
        if rate.is_none() {
            missing.push("a rate (a number)");
        }
        let executed = parse_number_text(&entry.executed);
        if executed.is_none() {
            missing.push("an executed quantity (a number)");
        }
        match (rate, executed) {
            // Told beside its line, as the work slip would refuse it (money per unit, in paise).
            (Some(rate), Some(_)) if missing.is_empty() && finer_than_paise(rate) => {
                problems.push(PreviewProblem {
                    supplemental: Some(line),
                    sl_no: Some(sl_no.to_owned()),
                    message: format!(
                        "{name}: rate {rate} has more than two decimal places; give it in rupees \
                         and paise"
                    ),
                    ..PreviewProblem::default()
                })
            }
            (Some(rate), Some(executed)) if missing.is_empty() => lines.push(SupplementalLine {
                sl_no: sl_no.to_owned(),
                description: entry.description.trim().to_owned(),
                unit: entry.unit.trim().to_owned(),
                rate,
                executed,
                origin: None,
            }),
            _ => problems.push(PreviewProblem {
                supplemental: Some(line),
                sl_no: (!sl_no.is_empty()).then(|| sl_no.to_owned()),
                message: format!("{name}: give {}", missing.join(", ")),
                ..PreviewProblem::default()
            }),
        }
    }
    (lines, problems)
}

/// Reads the one-off recoveries typed into the bill editor. A wholly blank row is an unused
/// line of the form; any other needs a label and an amount, read like a quantity (a comma only
/// groups digits).
pub fn parse_recoveries(entries: &[RecoveryEntry]) -> (Vec<OneOffRecovery>, Vec<PreviewProblem>) {
    let mut recoveries = Vec::new();
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let (label, typed) = (entry.label.trim(), entry.amount.trim());
        if label.is_empty() && typed.is_empty() {
            continue;
        }
        // Every problem here is the line's, shown beside it.
        let on_line = |message: String| PreviewProblem {
            recovery: Some(u32::try_from(index).unwrap_or(u32::MAX)),
            message,
            ..PreviewProblem::default()
        };
        let name = format!("recovery {} ({label})", index + 1);
        let read = if label.is_empty() {
            Err(format!(
                "recovery {}: say what is recovered, such as \"Mobilisation advance\"",
                index + 1
            ))
        } else {
            match parse_typed(typed, TypedFigure::Amount) {
                Err(_) if typed.is_empty() => Err(format!("{name}: give the amount to recover")),
                Err(why) => Err(format!("{name}: {why}")),
                Ok(amount) if amount.is_zero() => Err(format!(
                    "{name}: 0.00 recovers nothing; give the amount, or remove the line"
                )),
                Ok(amount) => {
                    let recovery = OneOffRecovery {
                        label: label.to_owned(),
                        amount,
                    };
                    recovery
                        .validate()
                        .map(|()| recovery)
                        .map_err(|why| format!("{name}: {why}"))
                }
            }
        };
        match read {
            Ok(recovery) => recoveries.push(recovery),
            Err(message) => problems.push(on_line(message)),
        }
    }
    (recoveries, problems)
}

/// A bill's typed quantities and recoveries, or one validation error listing every problem in
/// either: a person who puts the quantities right is not then told of a recovery.
pub fn bill_entries_or_error(
    entries: &[QuantityEntry],
    recoveries: &[RecoveryEntry],
) -> Result<(Vec<ItemQuantity>, Vec<OneOffRecovery>)> {
    let (quantities, mut problems) = parse_entries(entries);
    let (recoveries, recovery_problems) = parse_recoveries(recoveries);
    problems.extend(recovery_problems);
    read_or_refused("The bill", ((quantities, recoveries), problems))
}

/// What was read, or one validation error for `document` listing every problem found.
fn read_or_refused<T>(document: &str, (read, problems): (T, Vec<PreviewProblem>)) -> Result<T> {
    if problems.is_empty() {
        return Ok(read);
    }
    let listed: Vec<String> = problems.into_iter().map(|p| p.message).collect();
    Err(Error::Validation(format!(
        "{document}: {}.",
        listed.join("; ")
    )))
}

/// The entries as quantities, or a validation error listing every unreadable cell.
pub fn entries_or_error(document: &str, entries: &[QuantityEntry]) -> Result<Vec<ItemQuantity>> {
    read_or_refused(document, parse_entries(entries))
}

/// The editor's rows: each item with the previous document's figure (zero for an item it did
/// not list) when there is a previous document, starting from that figure, else from the
/// estimate's quantity.
fn editor_items(items: &[EstimateItem], previous: Option<&[ItemQuantity]>) -> Vec<EditorItem> {
    items
        .iter()
        .map(|item| {
            let previous_quantity = previous.map(|previous| {
                previous
                    .iter()
                    .find(|q| q.sl_no == item.sl_no)
                    .map_or(Decimal::ZERO, |q| q.quantity)
            });
            EditorItem {
                sl_no: item.sl_no.clone(),
                description: item.description.clone(),
                unit: item.unit.clone(),
                rate: amount_text(item.rate),
                estimate_quantity: Some(quantity_text(item.quantity)),
                previous_quantity: previous_quantity.map(quantity_text),
                suggested_quantity: quantity_text(previous_quantity.unwrap_or(item.quantity)),
                rate_changeable: false,
                estimate_rate: None,
            }
        })
        .collect()
}

/// What the bill editor starts with.
pub async fn bill_draft(ctx: &Ctx, scope: &OrgScope, estimate_id: i64) -> Result<BillDraft> {
    let base = document_base(ctx, scope, estimate_id).await?;
    let working = latest_working_estimate(ctx, scope, estimate_id).await?;
    let existing = crate::store::documents::bills(ctx, scope, estimate_id).await?;
    let kind = BillRequest::Next { is_final: false }.kind(&existing);
    let chain: Vec<(u32, bool)> = existing
        .iter()
        .map(|b| (u32::try_from(b.number).unwrap_or(0), b.is_final))
        .collect();
    let (number, blocked) = match check_next_bill(&chain, kind) {
        Ok(number) => (Some(number), None),
        Err(e) => (None, Some(format!("No bill can follow: {e}."))),
    };
    let previous = match (&blocked, existing.last()) {
        (None, Some(last)) => {
            Some(crate::store::documents::till_date_of(ctx, scope, last.id).await?)
        }
        _ => None,
    };
    let items = match &working {
        Some(working) => editor_items(&working.items, previous.as_deref()),
        None => editor_items(&base.items, previous.as_deref()),
    };
    Ok(BillDraft {
        estimate_id,
        number,
        is_first: kind.is_first(),
        blocked,
        tender_premium: base.work.tender_premium.map(|tp| tp.bill_label()),
        cap_source: cap_source(working.as_ref().map(|w| w.phase)),
        caps_from_workslip: working.map(|w| w.phase),
        work_lines: vec![
            base.work
                .mb_details
                .as_ref()
                .map_or_else(|| "no M.B. pages".to_owned(), |mb| mb.describe()),
            if base.work.dates == DocumentDates::default() {
                "no dates".to_owned()
            } else {
                base.work.dates.describe()
            },
        ],
        items,
    })
}

fn bill_problem(problem: &BillInputError) -> PreviewProblem {
    let sl_no = match problem {
        BillInputError::UnknownItem { sl_no, .. }
        | BillInputError::DuplicateQuantity { sl_no, .. }
        | BillInputError::DuplicateSerial { sl_no }
        | BillInputError::NegativeQuantity { sl_no, .. }
        | BillInputError::TillDateBelowPrevious { sl_no, .. }
        | BillInputError::FigureTooLarge { sl_no, .. }
        | BillInputError::AmountTooLarge { sl_no, .. }
        | BillInputError::TextTooLong { sl_no, .. }
        | BillInputError::InvalidPreviousQuantity { sl_no, .. } => Some(sl_no.clone()),
        BillInputError::NotAnNthBill { .. }
        | BillInputError::NoItems
        | BillInputError::TotalTooLarge { .. } => None,
    };
    PreviewProblem {
        sl_no,
        message: problem.to_string(),
        ..PreviewProblem::default()
    }
}

/// Puts the estimate's sub-heads among a preview's rows, each before the item it precedes,
/// as the printed document has them.
fn with_sub_heads(rows: Vec<PreviewRow>, sub_heads: &[SubHead]) -> Vec<PreviewRow> {
    let mut out = Vec::with_capacity(rows.len() + sub_heads.len());
    for row in rows {
        if row.kind == "item" {
            out.extend(
                sub_heads
                    .iter()
                    .filter(|head| head.before_serial == row.sl_no)
                    .map(|head| PreviewRow {
                        kind: "heading".to_owned(),
                        sl_no: head.sl_no.clone().unwrap_or_default(),
                        description: head.text.clone(),
                        unit: String::new(),
                        rate: None,
                        figures: vec![None; row.figures.len()],
                        remarks: String::new(),
                    }),
            );
        }
        out.push(row);
    }
    out
}

/// The serials a second computation leaves out, with `found` added to `problems`; `None` when a
/// problem concerns the whole document, so that nothing can be computed around it.
fn serials_to_leave_out(
    found: Vec<PreviewProblem>,
    problems: &mut Vec<PreviewProblem>,
) -> Option<std::collections::HashSet<String>> {
    let whole_document = found.iter().any(|p| p.sl_no.is_none());
    let named = found.iter().filter_map(|p| p.sl_no.clone()).collect();
    problems.extend(found);
    (!whole_document).then_some(named)
}

/// The live figures of the next bill at the typed quantities.
pub async fn preview_bill(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
    is_final: bool,
    entries: &[QuantityEntry],
    recoveries: &[RecoveryEntry],
) -> Result<DocumentPreview> {
    let (quantities, mut problems) = parse_entries(entries);
    let (recoveries, recovery_problems) = parse_recoveries(recoveries);
    problems.extend(recovery_problems);
    let request = BillRequest::Next { is_final };
    let mut quantities = quantities;
    let mut next =
        next_bill_inputs(ctx, scope, estimate_id, request, Some(quantities.clone())).await?;
    let title = format!("Bill {}", next.number);
    let computed = match next.inputs.compute() {
        Ok(computed) => computed,
        Err(errors) => {
            // Leave out the entries the problems name and compute the rest once more.
            let found = errors.problems.iter().map(bill_problem).collect();
            let Some(named) = serials_to_leave_out(found, &mut problems) else {
                return Ok(DocumentPreview::refused(title, problems));
            };
            quantities.retain(|q| !named.contains(&q.sl_no));
            next = next_bill_inputs(ctx, scope, estimate_id, request, Some(quantities)).await?;
            match next.inputs.compute() {
                Ok(computed) => computed,
                Err(_) => return Ok(DocumentPreview::refused(title, problems)),
            }
        }
    };
    // Said only when nothing else is wrong: an entry left out above may be the measurement.
    if !is_final && problems.is_empty() {
        if let Some(nothing) = measures_nothing(&computed) {
            problems.push(PreviewProblem {
                message: format!("Bill {}: {nothing}.", next.number),
                ..PreviewProblem::default()
            });
        }
    }
    let warnings = next.warnings(&computed);
    let terms = next_bill_terms(ctx, scope, &next, recoveries).await?;
    let memo = match memorandum(computed.figures(), &terms) {
        Ok(memo) => Some(memo),
        Err(error) => {
            problems.push(PreviewProblem {
                message: error.to_string(),
                ..PreviewProblem::default()
            });
            // Deductions past the payment still show their lines: the person sees which one
            // takes too much.
            match error {
                MemorandumError::DeductionsExceedPayment { shortfall, .. } => Some(*shortfall),
                MemorandumError::NegativeGross { .. } => None,
            }
        }
    };
    let memo = match memo {
        Some(memo) => Some(PreviewMemorandum::of(
            &memo,
            crate::tenancy::orgs::currency_mark(ctx, scope).await?,
            super::next_bill_dated_from(ctx, &next.work.dates),
        )),
        None => None,
    };
    let sub_heads = next.sub_heads;
    Ok(match computed {
        ComputedBill::First(bill) => DocumentPreview {
            title: bill.title,
            columns: vec![column("Quantity", false), column("Amount", true)],
            rows: with_sub_heads(
                bill.rows
                    .into_iter()
                    .map(|row| PreviewRow {
                        kind: kind_text(row.kind).to_owned(),
                        sl_no: row.serial,
                        description: row.description,
                        unit: row.unit,
                        rate: Some(amount_text(row.rate)),
                        figures: vec![
                            Some(quantity_text(row.quantity)),
                            Some(amount_text(row.amount)),
                        ],
                        remarks: String::new(),
                    })
                    .collect(),
                &sub_heads,
            ),
            totals: bill
                .totals
                .into_iter()
                .map(|line| PreviewTotal {
                    label: line.label,
                    figures: vec![None, Some(amount_text(line.amount))],
                })
                .collect(),
            amount_in_words: bill.amount_in_words,
            problems,
            warnings,
            memorandum: memo,
        },
        ComputedBill::Nth(bill) => {
            let amounts = |figures: &NthBillFigures| {
                vec![
                    None,
                    Some(amount_text(figures.till_date)),
                    None,
                    Some(amount_text(figures.previous)),
                    None,
                    Some(amount_text(figures.since_last)),
                ]
            };
            DocumentPreview {
                title: bill.title,
                columns: vec![
                    // The typed till-date quantity has its own column in the editor; this is
                    // the part billed on the row (capped at the estimate on an item row).
                    column("Billed qty", false),
                    column("Till-date amount", true),
                    column("Previous qty", false),
                    column("Previous amount", true),
                    column("Since-last qty", false),
                    column("Since-last amount", true),
                ],
                rows: with_sub_heads(
                    bill.rows
                        .into_iter()
                        .map(|row| PreviewRow {
                            kind: kind_text(row.kind).to_owned(),
                            sl_no: row.serial,
                            description: row.description,
                            unit: row.unit,
                            rate: Some(amount_text(row.rate)),
                            figures: [row.till_date, row.previous, row.since_last]
                                .iter()
                                .flat_map(|figure| {
                                    [
                                        Some(quantity_text(figure.quantity)),
                                        Some(amount_text(figure.amount)),
                                    ]
                                })
                                .collect(),
                            remarks: String::new(),
                        })
                        .collect(),
                    &sub_heads,
                ),
                totals: bill
                    .totals
                    .iter()
                    .map(|line| PreviewTotal {
                        label: line.label.clone(),
                        figures: amounts(&line.figures),
                    })
                    .collect(),
                amount_in_words: bill.amount_in_words,
                problems,
                warnings,
                memorandum: memo,
            }
        }
    })
}

/// What the work-slip editor starts with.
pub async fn workslip_draft(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<WorkslipDraft> {
    let items = items_of(estimate_id, &estimate_sheet(ctx, scope, estimate_id).await?)?;
    let earlier = stored_workslip_inputs(ctx, scope, estimate_id).await?;
    let next = u32::try_from(earlier.len() + 1).unwrap_or(u32::MAX);
    let work = super::work(ctx, scope, estimate_id).await?;
    let blocked = workslip_blocked(ctx, scope, estimate_id, next, &work, !items.is_empty()).await?;
    let phase = blocked.is_none().then_some(next);
    // After a work slip, each row starts from its working quantity, and the supplemental items
    // proposed so far are listed too, so a later phase can change them (by their S-number).
    let working = earlier
        .last()
        .map(working_estimate)
        .transpose()
        .map_err(|e| Error::Internal(format!("the last work slip no longer computes: {e}")))?;
    let mut listed = match &working {
        Some(working) => {
            // The rate in force is the last slip's (an estimate item's may have been replaced).
            let mut listed: Vec<EstimateItem> = items
                .iter()
                .zip(&working.items)
                .map(|(item, worked)| EstimateItem {
                    rate: worked.rate,
                    ..item.clone()
                })
                .collect();
            listed.extend(
                working.items[items.len()..]
                    .iter()
                    .map(|extra| EstimateItem {
                        quantity: Decimal::ZERO,
                        amount: Decimal::ZERO,
                        ..extra.clone()
                    }),
            );
            let previous: Vec<ItemQuantity> = working
                .items
                .iter()
                .map(|item| ItemQuantity::new(item.sl_no.clone(), item.quantity))
                .collect();
            editor_items(&listed, Some(&previous))
        }
        None => editor_items(&items, None),
    };
    // Supplemental items come after the estimate's, with no estimate quantity of their own.
    for supplemental in listed.iter_mut().skip(items.len()) {
        supplemental.estimate_quantity = None;
    }
    // They keep the rate they were proposed at; an estimate item's may change.
    for (listed, item) in listed.iter_mut().zip(&items) {
        listed.rate_changeable = true;
        let estimate_rate = amount_text(item.rate);
        if listed.rate != estimate_rate {
            listed.estimate_rate = Some(estimate_rate);
        }
    }
    let items = listed;
    Ok(WorkslipDraft {
        estimate_id,
        phase,
        blocked,
        items,
    })
}

fn workslip_problem(problem: &WorkslipInputError) -> PreviewProblem {
    let sl_no = match problem {
        WorkslipInputError::DuplicateSerial { sl_no }
        | WorkslipInputError::UnknownItem { sl_no, .. }
        | WorkslipInputError::DuplicateQuantity { sl_no, .. }
        | WorkslipInputError::NegativeQuantity { sl_no, .. }
        | WorkslipInputError::UnknownRateOverride { sl_no, .. }
        | WorkslipInputError::SupplementalRateOverride { sl_no, .. }
        | WorkslipInputError::DuplicateRateOverride { sl_no }
        | WorkslipInputError::NegativeRate { sl_no, .. }
        | WorkslipInputError::FigureTooLarge { sl_no, .. }
        | WorkslipInputError::TextTooLong { sl_no, .. }
        | WorkslipInputError::DuplicateSupplementalSerial { sl_no }
        | WorkslipInputError::UnknownSupplementalItem { sl_no, .. }
        | WorkslipInputError::NotYetIntroduced { sl_no, .. }
        | WorkslipInputError::IntroducedOutOfRange { sl_no, .. } => Some(sl_no.clone()),
        _ => None,
    };
    let on_rate = matches!(
        problem,
        WorkslipInputError::UnknownRateOverride { .. }
            | WorkslipInputError::SupplementalRateOverride { .. }
            | WorkslipInputError::DuplicateRateOverride { .. }
            | WorkslipInputError::NegativeRate { .. }
            | WorkslipInputError::FigureTooLarge { field: "rate", .. }
    );
    PreviewProblem {
        on_rate,
        sl_no,
        message: problem.to_string(),
        ..PreviewProblem::default()
    }
}

/// The typed supplemental items, or a validation error listing every incomplete line.
pub fn supplemental_or_error(entries: &[SupplementalEntry]) -> Result<Vec<SupplementalLine>> {
    read_or_refused("The work slip", parse_supplemental(entries))
}

/// The live figures of the next work slip at the typed executed quantities and supplemental
/// items.
pub async fn preview_workslip(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
    entries: &[QuantityEntry],
    supplemental: &[SupplementalEntry],
    rates: &[RateEntry],
) -> Result<DocumentPreview> {
    let (quantities, mut problems) = parse_entries(entries);
    let (lines, line_problems) = parse_supplemental(supplemental);
    problems.extend(line_problems);
    let (rates, rate_problems) = parse_rates(rates);
    problems.extend(rate_problems);
    let mut next = next_workslip_input(
        ctx,
        scope,
        estimate_id,
        quantities.clone(),
        lines.clone(),
        rates.clone(),
    )
    .await?;
    // A new line under an earlier item's serial is named beside that line (not on the earlier
    // item's row, whose quantity is right), and the rest computed.
    problems.extend(next.serials_taken.iter().map(|(sl_no, why)| {
        let line = supplemental
            .iter()
            .position(|entry| entry.sl_no.trim().eq_ignore_ascii_case(sl_no.trim()));
        PreviewProblem {
            supplemental: line.map(|line| u32::try_from(line).unwrap_or(u32::MAX)),
            message: why.clone(),
            ..PreviewProblem::default()
        }
    }));
    let title = format!("Work slip {}", next.input.phase);
    // A cell that could not be read was left out; the rest is computed around it. So is a row
    // the computation refuses (its quantity and rate both): the other rows' figures and the
    // totals stay in view.
    let slip = match workslip(&next.input) {
        Ok(slip) => slip,
        Err(errors) => {
            let found = errors.problems.iter().map(workslip_problem).collect();
            let Some(named) = serials_to_leave_out(found, &mut problems) else {
                return Ok(DocumentPreview::refused(title, problems));
            };
            let quantities = quantities
                .into_iter()
                .filter(|q| !named.contains(&q.sl_no))
                .collect();
            let lines = lines
                .into_iter()
                .filter(|line| !named.contains(&line.sl_no))
                .collect();
            let rates = rates
                .into_iter()
                .filter(|rate| !named.contains(&rate.sl_no))
                .collect();
            next = next_workslip_input(ctx, scope, estimate_id, quantities, lines, rates).await?;
            match workslip(&next.input) {
                Ok(slip) => slip,
                Err(_) => return Ok(DocumentPreview::refused(title, problems)),
            }
        }
    };
    // Said only when nothing else is wrong: a line left out above may be the one that moved.
    if problems.is_empty() {
        if let Some(repeat) = next.repeats_the_last(&slip) {
            problems.push(PreviewProblem {
                message: format!("{repeat}."),
                ..PreviewProblem::default()
            });
        }
    }
    let mut columns = vec![
        column("Estimate qty", false),
        column("Estimate amount", true),
    ];
    for phase in &slip.phase_columns {
        columns.push(column(&phase.quantity_heading, false));
        columns.push(column(&phase.amount_heading, true));
    }
    columns.push(column("More", true));
    columns.push(column("Less", true));
    let rows = slip
        .rows
        .iter()
        .map(|row| match row {
            WorkslipRow::Heading { text } => PreviewRow {
                kind: "heading".to_owned(),
                sl_no: String::new(),
                description: text.clone(),
                unit: String::new(),
                rate: None,
                figures: vec![None; columns.len()],
                remarks: String::new(),
            },
            WorkslipRow::Line(line) => {
                let mut figures = vec![
                    line.estimate_quantity.map(quantity_text),
                    line.estimate_amount.map(amount_text),
                ];
                for cell in &line.phases {
                    figures.push(cell.map(|c| quantity_text(c.quantity)));
                    figures.push(cell.map(|c| amount_text(c.amount)));
                }
                figures.push(Some(amount_text(line.more)));
                figures.push(Some(amount_text(line.less)));
                PreviewRow {
                    kind: kind_text(line.kind).to_owned(),
                    sl_no: line.serial.clone(),
                    description: line.description.clone(),
                    unit: line.unit.clone(),
                    rate: Some(amount_text(line.rate)),
                    figures,
                    remarks: line.remarks.clone(),
                }
            }
        })
        .collect();
    let rows = with_sub_heads(rows, &next.sub_heads);
    let mut warnings = workslip_warnings(ctx, scope, estimate_id, &next.input, &slip).await?;
    warnings.extend(next.amc_note.as_ref().map(|note| format!("{note}.")));
    let totals = slip
        .footer
        .iter()
        .map(|line| {
            let mut figures = vec![None, line.estimate.map(amount_text)];
            for value in &line.phases {
                figures.push(None);
                figures.push(Some(amount_text(*value)));
            }
            figures.push(line.more.map(amount_text));
            figures.push(line.less.map(amount_text));
            PreviewTotal {
                label: line.label.clone(),
                figures,
            }
        })
        .collect();
    Ok(DocumentPreview {
        title: slip.title,
        columns,
        rows,
        totals,
        amount_in_words: slip.amount_in_words,
        problems,
        warnings,
        memorandum: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn entry(sl_no: &str, quantity: &str) -> QuantityEntry {
        QuantityEntry {
            sl_no: sl_no.into(),
            quantity: quantity.into(),
        }
    }

    #[test]
    fn commas_are_read_only_as_digit_grouping() {
        let (quantities, problems) = parse_entries(&[
            entry("1", "1,250"),
            entry("2", "1,25,000.5"),
            entry("3", " 7.5 "),
            entry("4", ""),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            quantities,
            [
                ItemQuantity::new("1", dec!(1250)),
                ItemQuantity::new("2", dec!(125000.5)),
                ItemQuantity::new("3", dec!(7.5)),
            ]
        );
    }

    #[test]
    fn an_ambiguous_comma_is_refused_on_its_row_saying_what_to_type() {
        let (quantities, problems) =
            parse_entries(&[entry("1", "12,5"), entry("2", "1,2,3"), entry("3", "4")]);
        assert_eq!(
            quantities,
            [ItemQuantity::new("3", dec!(4))],
            "12,5 is never read as 125"
        );
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].sl_no.as_deref(), Some("1"));
        assert!(
            problems[0].message.contains("could mean 12.5 or 125")
                && problems[0].message.contains("Type 12.5 or 125"),
            "{}",
            problems[0].message
        );
        assert_eq!(problems[1].sl_no.as_deref(), Some("2"));
        assert!(
            problems[1].message.contains("a comma only groups digits"),
            "{}",
            problems[1].message
        );
    }
}
