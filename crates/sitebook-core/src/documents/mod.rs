//! Documents: the work data of an estimate, the chain Estimate → Work slip N → Bill N, and the
//! jobs that render bills, work slips and estimate abstracts as PDF and XLSX.
//!
//! Creating a bill or work slip validates everything first — the chain, the quantities, the
//! tender premium — with the pure domain math, so bad input saves nothing. What is saved is the
//! exact domain input (with the work data) as JSON and its sha256; the render job computes the
//! document from that input alone, so the same record always renders to the same bytes, and the
//! hash printed in the files identifies the input.

pub mod editor;
pub mod example;
pub mod input_csv;
pub mod payments;
pub(crate) mod render_job;
pub mod withdraw;
pub mod work_form;

pub use work_form::WorkChanges;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::bill::{
    check_next_bill, first_bill, nth_bill, BillKind, FirstBillInput, ItemQuantity, NthBillInput,
};
use crate::domain::estimate::{
    EstimateFooterInput, EstimateItem, FooterRates, SpecialLsProvision, SubHead,
};
use crate::domain::money::CurrencyMark;
use crate::domain::payments::{
    held_after, memorandum, BillFigures, HeldBefore, OneOffRecovery, PaymentTerms,
};
use crate::domain::work::{Area, DocDate, DocumentDates, MbDetails, WorkMetadata, WorkMode};
use crate::domain::workslip::{
    below_billed, working_estimate, workslip, PhaseQuantities, RateOverride, SupplementalItem,
    WorkingEstimate, Workslip, WorkslipInput, MAX_PHASE,
};
use crate::error::{Error, Result};
use crate::excel::EstimateSheet;
use crate::jobs::Ctx;
use crate::jobs::{queue, JobKind};
use crate::store::documents::{self as stored, DocumentTable, NewDocument};
use crate::store::files::sha256_bytes;
use crate::tenancy::gate::{OrgScope, WriteScope};

use input_csv::SupplementalLine;

/// Everything one document is computed from, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "document", rename_all = "snake_case")]
pub(crate) enum StoredInputs {
    FirstBill {
        input: FirstBillInput,
        #[serde(flatten)]
        context: BillContext,
    },
    NthBill {
        input: NthBillInput,
        #[serde(flatten)]
        context: BillContext,
    },
    Workslip {
        input: WorkslipInput,
        work: WorkMetadata,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        sub_heads: Vec<SubHead>,
        /// The mark printed before amounts, as the organization had it when the document was
        /// made (absent means `Rs.`, so older documents keep their hashes).
        #[serde(default, skip_serializing_if = "CurrencyMark::is_default")]
        currency: CurrencyMark,
    },
    EstimateAbstract {
        items: Vec<EstimateItem>,
        footer: EstimateFooterInput,
        work: WorkMetadata,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        sub_heads: Vec<SubHead>,
        /// The mark printed before amounts, as the organization had it when the document was
        /// made (absent means `Rs.`, so older documents keep their hashes).
        #[serde(default, skip_serializing_if = "CurrencyMark::is_default")]
        currency: CurrencyMark,
    },
}

impl StoredInputs {
    /// The stored JSON and its sha256.
    fn encode(&self) -> Result<(String, String)> {
        let json = serde_json::to_string(self)
            .map_err(|e| Error::Internal(format!("could not store a document's input: {e}")))?;
        let hash = sha256_bytes(json.as_bytes());
        Ok((json, hash))
    }
}

/// What a first or an Nth bill is drawn from besides its own input. Flattened into the stored
/// JSON, so its fields sit beside `input` in the same order as before it was a struct, and
/// stored bills keep their hashes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BillContext {
    pub(crate) work: WorkMetadata,
    /// The deductions frozen into the bill; absent on bills made before they existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) payments: Option<PaymentTerms>,
    /// The work slip whose working estimate gave the items and caps, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) working_estimate: Option<u32>,
    /// The estimate's sub-heads, printed among the rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) sub_heads: Vec<SubHead>,
    /// The sanctioned estimate's items, kept on a final bill that followed a working
    /// estimate: its final bill form accounts for the work against them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sanctioned: Option<Vec<EstimateItem>>,
    /// The mark printed before amounts, as the organization had it when the document was
    /// made (absent means `Rs.`, so older documents keep their hashes).
    #[serde(default, skip_serializing_if = "CurrencyMark::is_default")]
    pub(crate) currency: CurrencyMark,
}

pub use crate::store::documents::{BillView, WorkslipView};

/// What creating a document queued.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueuedDocument {
    /// The bill number or work-slip phase (none for an abstract).
    pub number: Option<u32>,
    /// The job that renders the document's PDF and XLSX.
    #[ts(type = "number")]
    pub job_id: i64,
    /// The sha256 of the stored input, printed in the documents.
    pub inputs_sha256: String,
    /// What the person should know about what was saved (an item billed although the working
    /// estimate deleted it).
    pub warnings: Vec<String>,
    /// For a bill: where its items and caps came from (`the sanctioned estimate`, or the
    /// latest working estimate).
    pub caps_from: Option<String>,
}

async fn estimate_sheet(ctx: &Ctx, scope: &OrgScope, estimate_id: i64) -> Result<EstimateSheet> {
    match crate::store::estimates::sheet(ctx, scope, estimate_id).await? {
        Some(sheet) => Ok(sheet),
        None => Err(scope
            .not_found(ctx, "estimate", estimate_id, "estimates")
            .await),
    }
}

/// Refuses, as "not found", an estimate that is missing or belongs to another org, without
/// reading its sheet.
async fn ensure_estimate(ctx: &Ctx, scope: &OrgScope, estimate_id: i64) -> Result<()> {
    if crate::store::estimates::exists(ctx, scope, estimate_id).await? {
        Ok(())
    } else {
        Err(scope
            .not_found(ctx, "estimate", estimate_id, "estimates")
            .await)
    }
}

/// What every document of an estimate starts from, read once: the parsed sheet, its items as
/// the domain needs them, and the work data.
pub(crate) struct DocumentBase {
    pub sheet: EstimateSheet,
    pub items: Vec<EstimateItem>,
    pub work: WorkMetadata,
    pub sub_heads: Vec<SubHead>,
}

pub(crate) async fn document_base(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<DocumentBase> {
    let sheet = estimate_sheet(ctx, scope, estimate_id).await?;
    let items = items_of(estimate_id, &sheet)?;
    let work = match saved_work(ctx, scope, estimate_id).await? {
        Some(work) => work,
        None => work_from_estimate(&sheet),
    };
    let sub_heads = sub_heads_of(&sheet);
    Ok(DocumentBase {
        sheet,
        items,
        work,
        sub_heads,
    })
}

/// The sheet's heading rows as sub-heads, each before the first item below it. A heading
/// with no item after it (a trailing caption) heads nothing and is left out.
fn sub_heads_of(sheet: &EstimateSheet) -> Vec<SubHead> {
    sheet
        .headings
        .iter()
        .filter_map(|heading| {
            let item = sheet.items.iter().find(|item| item.row > heading.row)?;
            Some(SubHead {
                before_serial: item
                    .sl_no
                    .clone()
                    .unwrap_or_else(|| format!("row {}", item.row)),
                text: heading.text.trim().to_owned(),
                sl_no: heading
                    .sl_no
                    .as_deref()
                    .map(str::trim)
                    .filter(|serial| !serial.is_empty())
                    .map(str::to_owned),
            })
        })
        .filter(|head| !head.text.is_empty())
        .collect()
}

/// The estimate's items as the domain needs them. Items without a quantity or rate (error
/// values in the workbook) cannot be billed, so they are refused by row.
pub(crate) fn items_of(estimate_id: i64, sheet: &EstimateSheet) -> Result<Vec<EstimateItem>> {
    domain_items(sheet).map_err(|unusable| {
        Error::Validation(format!(
            "Estimate {estimate_id} has items without a quantity or rate ({}); fix them in the \
             workbook and upload it again.",
            unusable.join(", ")
        ))
    })
}

/// The cells of row `row` whose figure could not be read, each with what it holds
/// (`Estimate!B4, the quantity`), as the parse warning named them.
fn unreadable_cells(
    sheet: &EstimateSheet,
    row: u32,
    quantity: Option<Decimal>,
    rate: Option<Decimal>,
) -> String {
    let columns = &sheet.columns;
    let cell = |column: Option<&str>, what: &str| match column {
        Some(column) => format!("{}!{column}{row}, the {what}", sheet.name),
        None => format!("{}!row {row}, the {what}", sheet.name),
    };
    let mut cells = Vec::new();
    if quantity.is_none() {
        cells.push(cell(Some(&columns.quantity), "quantity"));
    }
    if rate.is_none() {
        cells.push(cell(columns.rate.as_deref(), "rate"));
    }
    cells.join("; ")
}

/// A parsed sheet's items as the domain needs them, or the cells (`Sheet!B4, the quantity`)
/// of the items that lack a quantity or rate. Amounts are ROUND2(quantity × rate), whatever
/// was cached.
fn domain_items(sheet: &EstimateSheet) -> std::result::Result<Vec<EstimateItem>, Vec<String>> {
    let mut items = Vec::new();
    let mut unusable = Vec::new();
    for item in &sheet.items {
        let (Some(quantity), Some(rate)) = (item.quantity, item.rate) else {
            unusable.push(unreadable_cells(sheet, item.row, item.quantity, item.rate));
            continue;
        };
        let domain_item = EstimateItem {
            sl_no: item
                .sl_no
                .clone()
                .unwrap_or_else(|| format!("row {}", item.row)),
            description: item.description.clone(),
            quantity,
            unit: item.unit.clone().unwrap_or_default(),
            rate,
            per_unit: item.per_unit.clone().unwrap_or_default(),
            // Every printed row re-multiplies (DOMAIN.md ruling): a cached amount that
            // disagrees was reported as a warning when the workbook was parsed, and no
            // document carries it.
            amount: crate::domain::money::amount(quantity, rate),
        };
        items.push(domain_item);
    }
    if unusable.is_empty() {
        Ok(items)
    } else {
        Err(unusable)
    }
}

/// `items` (the sheet's, in its order) with the sheet's own AE rows among them where the
/// workbook has them, for the abstract, which reproduces the sanctioned estimate: its ECV counts
/// them. An AE row prints no serial, its label as the item, and its own units (else those of
/// the item above it); its amount is ROUND2(quantity × rate), as every printed row's. The
/// cells of AE rows without a quantity or rate are returned instead.
fn with_excess_rows(
    sheet: &EstimateSheet,
    items: Vec<EstimateItem>,
) -> std::result::Result<Vec<EstimateItem>, Vec<String>> {
    if sheet.excess_rows.is_empty() {
        return Ok(items);
    }
    let mut rows: Vec<(u32, EstimateItem)> =
        sheet.items.iter().map(|item| item.row).zip(items).collect();
    let mut unusable = Vec::new();
    for excess in &sheet.excess_rows {
        let (Some(quantity), Some(rate)) = (excess.quantity, excess.rate) else {
            unusable.push(unreadable_cells(
                sheet,
                excess.row,
                excess.quantity,
                excess.rate,
            ));
            continue;
        };
        let above = rows
            .iter()
            .filter(|(row, item)| *row < excess.row && !item.sl_no.is_empty())
            .max_by_key(|(row, _)| *row)
            .map(|(_, item)| (item.unit.clone(), item.per_unit.clone()))
            .unwrap_or_default();
        // Units as a pair: the row's own when it writes one, else the item's.
        let (unit, per_unit) = match &excess.unit {
            Some(unit) => (unit.clone(), excess.per_unit.clone().unwrap_or_default()),
            None => above,
        };
        rows.push((
            excess.row,
            EstimateItem {
                sl_no: String::new(),
                description: excess.label.trim().to_owned(),
                quantity,
                unit,
                rate,
                per_unit,
                amount: crate::domain::money::amount(quantity, rate),
            },
        ));
    }
    if !unusable.is_empty() {
        return Err(unusable);
    }
    rows.sort_by_key(|(row, _)| *row);
    Ok(rows.into_iter().map(|(_, item)| item).collect())
}

/// The tender premium the workbook's own footer states, if any.
fn workbook_tender_premium(sheet: &EstimateSheet) -> Option<crate::domain::bill::TenderPremium> {
    match (sheet.footer.tp_percent, &sheet.footer.tp_kind) {
        (Some(percent), Some(kind)) => crate::domain::bill::TenderPremium::new(percent, *kind).ok(),
        _ => None,
    }
}

/// Whether the workbook's footer reads as an AMC work's (an ECV but no QC line).
fn workbook_is_amc(sheet: &EstimateSheet) -> bool {
    sheet.footer.ecv.is_some() && sheet.footer.qc.is_none()
}

/// Whether the estimate provides labour cess and NAC: a workbook with a footer provides what
/// its rows say (the same reading that spares the contractor the cess on the bills), and one
/// with no footer at all is given the whole footer of DOMAIN.md §1.
fn workbook_provides_lc_and_nac(sheet: &EstimateSheet) -> (bool, bool) {
    let footer = &sheet.footer;
    if footer.ecv.is_none() {
        return (true, true);
    }
    (
        footer.collects_labour_cess(),
        footer.rows.iter().any(|row| row.kind == "nac"),
    )
}

/// The percentages the workbook's footer adds at, each the usual one where its row prints none.
fn workbook_footer_rates(sheet: &EstimateSheet) -> FooterRates {
    let footer = &sheet.footer;
    let usual = FooterRates::default();
    FooterRates {
        labour_cess: footer.lc_percent.unwrap_or(usual.labour_cess),
        quality_control: footer.qc_percent.unwrap_or(usual.quality_control),
        nac: footer.nac_percent.unwrap_or(usual.nac),
        gst: footer.gst_percent.unwrap_or(usual.gst),
    }
}

/// Work data pre-filled from what the workbook said.
fn work_from_estimate(sheet: &EstimateSheet) -> WorkMetadata {
    let meta = &sheet.metadata;
    let footer = &sheet.footer;
    let tender_premium = workbook_tender_premium(sheet);
    WorkMetadata {
        name_of_work: meta.name_of_work.clone().unwrap_or_default(),
        work_mode: if footer.deduct_old_material.is_some() {
            WorkMode::Repair
        } else {
            WorkMode::Original
        },
        is_amc: workbook_is_amc(sheet),
        area: Area::Municipal,
        estimate_amount: meta
            .estimate_amount
            .or(footer.grand_total)
            .unwrap_or_default(),
        grand_total: footer.grand_total.unwrap_or_default(),
        administrative_sanction_ref: meta.administrative_sanction.clone().unwrap_or_default(),
        technical_sanction_ref: meta.technical_sanction.clone().unwrap_or_default(),
        agreement_ref: meta.agreement.clone().unwrap_or_default(),
        agency: meta.agency.clone().unwrap_or_default(),
        agency_is_individual: false,
        tender_premium,
        mb_details: None,
        dates: DocumentDates::default(),
    }
}

/// The work data of an estimate: as saved, or pre-filled from the workbook.
pub async fn work(ctx: &Ctx, scope: &OrgScope, estimate_id: i64) -> Result<WorkMetadata> {
    match saved_work(ctx, scope, estimate_id).await? {
        Some(work) => Ok(work),
        None => Ok(work_from_estimate(
            &estimate_sheet(ctx, scope, estimate_id).await?,
        )),
    }
}

/// The work data saved for an estimate of the scope's org, if any.
async fn saved_work(ctx: &Ctx, scope: &OrgScope, estimate_id: i64) -> Result<Option<WorkMetadata>> {
    stored::work_json(ctx, scope, estimate_id)
        .await?
        .map(|json| {
            serde_json::from_str(&json).map_err(|e| {
                Error::Internal(format!(
                    "work data of estimate {estimate_id} is damaged: {e}"
                ))
            })
        })
        .transpose()
}

/// Saves work data after checking it.
pub async fn save_work(
    ctx: &Ctx,
    scope: &WriteScope,
    estimate_id: i64,
    work: &WorkMetadata,
) -> Result<()> {
    ensure_estimate(ctx, scope, estimate_id).await?;
    work.validate_entry()
        .map_err(|e| Error::Validation(format!("Work data of estimate {estimate_id}: {e}.")))?;
    let json = serde_json::to_string(work)
        .map_err(|e| Error::Internal(format!("could not store work data: {e}")))?;
    stored::save_work_json(ctx, scope, estimate_id, &json).await
}

/// The estimate's bills in order, the latest saying why it cannot be withdrawn now.
pub async fn bills(ctx: &Ctx, scope: &OrgScope, estimate_id: i64) -> Result<Vec<BillView>> {
    ensure_estimate(ctx, scope, estimate_id).await?;
    // Each bill's figures from its own stored input, as its memorandum printed them: the list
    // says what each bill pays without opening its PDF.
    let mut bills = Vec::new();
    for (mut bill, json) in stored::bills_with_inputs(ctx, scope, estimate_id).await? {
        let stored: StoredInputs = serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("bill {} is damaged: {e}", bill.number)))?;
        if let Some((Ok(computed), terms)) = stored.bill_and_terms() {
            let figures = computed.figures();
            bill.gross = Some(figures.gross);
            bill.net_payable = terms
                .and_then(|terms| memorandum(figures, terms).ok())
                .map(|memo| memo.net_payable);
        }
        bills.push(bill);
    }
    if let Some(latest) = bills.last_mut() {
        latest.withdrawal_refused =
            files_being_made(ctx, scope, "bill", latest.number, latest.job_id).await?;
    }
    Ok(bills)
}

/// The estimate's work slips in phase order, each saying why it cannot be withdrawn now.
pub async fn workslips(ctx: &Ctx, scope: &OrgScope, estimate_id: i64) -> Result<Vec<WorkslipView>> {
    ensure_estimate(ctx, scope, estimate_id).await?;
    let mut slips = stored::workslips(ctx, scope, estimate_id).await?;
    for slip in &mut slips {
        slip.withdrawal_refused = slip
            .followed_by_bill
            .map(|bill| withdraw::followed_workslip_refusal(estimate_id, slip.phase, bill));
    }
    if let Some(latest) = slips.last_mut() {
        // A withdrawal asks about the job first, so the list names the same reason.
        if let Some(refusal) =
            files_being_made(ctx, scope, "work slip", latest.phase, latest.job_id).await?
        {
            latest.withdrawal_refused = Some(refusal);
        }
    }
    Ok(slips)
}

/// Why the latest document of a chain cannot be withdrawn yet, when the job making its files has
/// not ended. The lists reload as a job ends, so the refusal goes with it.
async fn files_being_made(
    ctx: &Ctx,
    scope: &OrgScope,
    name: &str,
    number: i64,
    job_id: Option<i64>,
) -> Result<Option<String>> {
    let Some(job_id) = job_id else {
        return Ok(None);
    };
    Ok(queue::unfinished(&ctx.db, scope, job_id)
        .await?
        .then(|| withdraw::files_being_made_refusal(name, number, job_id)))
}

/// The inputs of the next bill, gathered but not yet checked: the number the chain gives it,
/// and the domain input. Shared by creating a bill and previewing one in the editor.
pub(crate) enum BillInputs {
    First(FirstBillInput),
    Nth(NthBillInput),
}

/// A computed bill of either shape.
pub(crate) enum ComputedBill {
    First(crate::domain::bill::FirstBill),
    Nth(crate::domain::bill::NthBill),
}

/// A first bill's figures for its memorandum: all of its Total is this bill's gross.
pub(crate) fn first_bill_figures(bill: &crate::domain::bill::FirstBill) -> BillFigures {
    BillFigures {
        value_till_date: bill.total,
        previous_payments: Decimal::ZERO,
        gross: bill.total,
    }
}

/// An Nth bill's figures for its memorandum: the Total line's F, H and J.
pub(crate) fn nth_bill_figures(bill: &crate::domain::bill::NthBill) -> BillFigures {
    BillFigures {
        value_till_date: bill.total.till_date,
        previous_payments: bill.total.previous,
        gross: bill.total.since_last,
    }
}

impl ComputedBill {
    /// The three figures the memorandum of payments starts from.
    pub(crate) fn figures(&self) -> BillFigures {
        match self {
            ComputedBill::First(bill) => first_bill_figures(bill),
            ComputedBill::Nth(bill) => nth_bill_figures(bill),
        }
    }

    /// Its till-date figures as printed, which the next bill deducts.
    pub(crate) fn printed_till_date(&self) -> crate::domain::bill::PrintedTillDate {
        match self {
            ComputedBill::First(bill) => bill.printed_till_date(),
            ComputedBill::Nth(bill) => bill.printed_till_date(),
        }
    }
}

impl StoredInputs {
    /// A stored bill's computed figures and frozen terms, or `None` for other documents.
    pub(crate) fn bill_and_terms(
        &self,
    ) -> Option<(
        std::result::Result<ComputedBill, crate::domain::bill::BillInputErrors>,
        Option<&PaymentTerms>,
    )> {
        match self {
            StoredInputs::FirstBill { input, context } => Some((
                first_bill(input).map(ComputedBill::First),
                context.payments.as_ref(),
            )),
            StoredInputs::NthBill { input, context } => Some((
                nth_bill(input).map(ComputedBill::Nth),
                context.payments.as_ref(),
            )),
            _ => None,
        }
    }
}

impl BillInputs {
    fn is_final(&self) -> bool {
        match self {
            BillInputs::First(input) => input.is_final,
            BillInputs::Nth(input) => input.is_final,
        }
    }

    pub(crate) fn compute(
        &self,
    ) -> std::result::Result<ComputedBill, crate::domain::bill::BillInputErrors> {
        Ok(match self {
            BillInputs::First(input) => ComputedBill::First(first_bill(input)?),
            BillInputs::Nth(input) => ComputedBill::Nth(nth_bill(input)?),
        })
    }
}

/// Which bill is asked for: a named kind (the CLI, checked against the chain), or simply the
/// next one, part or final (the editor, which follows the chain).
#[derive(Debug, Clone, Copy)]
pub enum BillRequest {
    /// This kind of bill, refused if the chain is not at it.
    Kind(BillKind),
    /// The chain's next bill, as a part bill or the final one.
    Next {
        /// Whether the bill closes the chain.
        is_final: bool,
    },
}

impl BillRequest {
    /// The kind this request means for a chain that already holds `existing` bills.
    pub(crate) fn kind(self, existing: &[BillView]) -> BillKind {
        match self {
            BillRequest::Kind(kind) => kind,
            BillRequest::Next { is_final } => match (existing.is_empty(), is_final) {
                (true, false) => BillKind::FirstPart,
                (true, true) => BillKind::FirstFinal,
                (false, false) => BillKind::NthPart,
                (false, true) => BillKind::NthFinal,
            },
        }
    }
}

/// The latest work slip's working estimate, which bills follow once an estimate has one.
pub(crate) async fn latest_working_estimate(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<Option<WorkingEstimate>> {
    let Some(latest) = stored_workslip_inputs(ctx, scope, estimate_id).await?.pop() else {
        return Ok(None);
    };
    working_estimate(&latest).map(Some).map_err(|e| {
        Error::Internal(format!(
            "work slip {} of estimate {estimate_id} no longer computes: {e}",
            latest.phase
        ))
    })
}

/// Where a bill's items and caps come from, in words for the editor, the CLI and the PDF.
pub(crate) fn cap_source(working: Option<u32>) -> String {
    match working {
        Some(phase) => format!(
            "{} (work slip {phase})",
            crate::domain::titles::workslip_title(phase)
        ),
        None => "the sanctioned estimate".to_owned(),
    }
}

/// The next bill, gathered but not checked: its number, its domain input, the work data, and
/// the working estimate it follows (if the estimate has work slips).
pub(crate) struct NextBill {
    pub number: u32,
    pub inputs: BillInputs,
    pub work: WorkMetadata,
    pub working: Option<WorkingEstimate>,
    pub sub_heads: Vec<SubHead>,
    /// The sanctioned estimate's items, when a working estimate replaced them.
    pub sanctioned: Option<Vec<EstimateItem>>,
    /// Whether the sanctioned estimate already collects labour cess (an `Add LC` row).
    pub estimate_has_lc: bool,
    /// The agreement's value: the sanctioned ECV with the work's tender premium.
    pub agreement_value: Decimal,
    /// The estimate's latest bill so far, which this one follows.
    pub previous: Option<PreviousBill>,
}

/// An estimate's latest bill as it was made: computed again from its frozen inputs (which give
/// the same document every time), with the deductions it froze, if it was made after they
/// existed. Read once per next bill: for the figures it deducts and for the chain's deductions.
pub(crate) struct PreviousBill {
    computed: ComputedBill,
    terms: Option<PaymentTerms>,
    /// The work's dates frozen into it, which (with its record day) give the date it printed.
    dates: DocumentDates,
    /// The measurement-book pages it printed.
    mb_details: Option<MbDetails>,
}

impl PreviousBill {
    /// The scope's latest bill of `estimate_id`, if it has one.
    async fn latest(ctx: &Ctx, scope: &OrgScope, estimate_id: i64) -> Result<Option<Self>> {
        let Some(json) = stored::latest_bill_inputs(ctx, scope, estimate_id).await? else {
            return Ok(None);
        };
        let stored: StoredInputs = serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("a stored bill is damaged: {e}")))?;
        let (dates, mb_details) = match &stored {
            StoredInputs::FirstBill { context, .. } | StoredInputs::NthBill { context, .. } => {
                (context.work.dates, context.work.mb_details.clone())
            }
            _ => (DocumentDates::default(), None),
        };
        let (computed, terms) = stored
            .bill_and_terms()
            .ok_or_else(|| Error::Internal("a stored bill holds another document".into()))?;
        let computed = computed
            .map_err(|e| Error::Internal(format!("a stored bill no longer computes: {e}")))?;
        Ok(Some(Self {
            computed,
            terms: terms.cloned(),
            dates,
            mb_details,
        }))
    }
}

impl NextBill {
    /// The bill's warnings: a quantity far past its item's estimate (a slip of the keyboard,
    /// most likely), an item the working estimate deleted that is still billed, and the
    /// previous bill's MB pages or DOBR printed again.
    pub(crate) fn warnings(&self, computed: &ComputedBill) -> Vec<String> {
        let (items, quantities) = match &self.inputs {
            BillInputs::First(input) => (&input.items, &input.quantities),
            BillInputs::Nth(input) => (&input.items, &input.till_date),
        };
        let mut warnings = crate::domain::quantities::implausible_quantities(items, quantities);
        warnings.extend(self.deleted_items_billed(computed));
        if self.inputs.is_final() && self.work.dates.completion.is_none() {
            warnings.push(
                "A final bill certifies that the work is complete, but the work data has no \
                 date of completion (DOC), so this bill prints \"DOC -\". Give it in Work data."
                    .to_owned(),
            );
        }
        warnings.extend(self.without_its_dobr());
        warnings.extend(self.recorded_as_the_previous_bill());
        warnings
    }

    /// A bill without a DOBR prints "DOBR -" and is dated from another of the work's dates, or
    /// from the day it is made: and that date chooses the deduction lines it applies, so a
    /// forgotten DOBR can change the rates with nothing on the bill to say why.
    fn without_its_dobr(&self) -> Option<String> {
        let dates = &self.work.dates;
        if dates.bill_recorded.is_some() {
            return None;
        }
        let dated = match render_job::dated_from(render_job::DatedAs::Bill, dates, None) {
            Some((day, field)) => format!("is dated {day} from {field}"),
            None => "is dated the day it is made".to_owned(),
        };
        Some(format!(
            "The work data has no date of bill recording (DOBR): bill {} prints \"DOBR -\", \
             {dated}, and deducts by the lines in force that day. Give the DOBR in Work data.",
            self.number
        ))
    }

    /// The work data is entered once and each bill freezes it as it stands, so a bill made
    /// without updating it prints the MB pages and the DOBR of the bill before: a copy an
    /// auditor would take for the earlier bill's record. Two bills rarely share either.
    fn recorded_as_the_previous_bill(&self) -> Vec<String> {
        let Some(previous) = &self.previous else {
            return Vec::new();
        };
        let (number, before) = (self.number, self.number.saturating_sub(1));
        let mut warnings = Vec::new();
        if let Some(pages) = self
            .work
            .mb_details
            .as_ref()
            .filter(|pages| previous.mb_details.as_ref() == Some(*pages))
        {
            warnings.push(format!(
                "Bill {number} prints the same MB pages as bill {before} ({}), but each bill's \
                 measurements and abstract are recorded on pages of their own. Give this \
                 bill's pages in Work data.",
                pages.describe()
            ));
        }
        if let Some(day) = self
            .work
            .dates
            .bill_recorded
            .filter(|day| previous.dates.bill_recorded == Some(*day))
        {
            warnings.push(format!(
                "Bill {number} prints the same date of bill recording (DOBR {day}) as bill \
                 {before}. If it was recorded on another day, give that day in Work data."
            ));
        }
        warnings
    }

    /// A warning for each item the working estimate deleted that this bill still bills (all
    /// of it as AE).
    fn deleted_items_billed(&self, computed: &ComputedBill) -> Vec<String> {
        let Some(working) = &self.working else {
            return Vec::new();
        };
        // Over the item's row and its AE row together (a deleted item's cap is 0, so its row
        // holds only what the previous bill deducts): with the previous bill's rows deducted as
        // printed, a quantity billed before the item was deleted moves from the one row to the
        // other and is not billed again.
        let billed = |serial: &str| -> Decimal {
            let (item, excess) = match computed {
                ComputedBill::First(bill) => item_and_its_excess(
                    bill.rows
                        .iter()
                        .map(|r| (r.serial.as_str(), r.kind, r.quantity)),
                    serial,
                ),
                ComputedBill::Nth(bill) => item_and_its_excess(
                    bill.rows
                        .iter()
                        .map(|r| (r.serial.as_str(), r.kind, r.since_last.quantity)),
                    serial,
                ),
            };
            item + excess.unwrap_or_default()
        };
        // What the AE row prints till date: on a later bill it holds what was billed before the
        // deletion too, so "the 1 billed now" would not match the 7 the row shows.
        let excess_till_date = |serial: &str| -> Option<Decimal> {
            match computed {
                ComputedBill::First(_) => None,
                ComputedBill::Nth(bill) => {
                    item_and_its_excess(
                        bill.rows
                            .iter()
                            .map(|r| (r.serial.as_str(), r.kind, r.till_date.quantity)),
                        serial,
                    )
                    .1
                }
            }
        };
        working
            .deleted
            .iter()
            .filter_map(|serial| {
                let quantity = billed(serial);
                (quantity > Decimal::ZERO).then(|| {
                    let description = working
                        .items
                        .iter()
                        .find(|i| &i.sl_no == serial)
                        .map(|i| crate::domain::quantities::brief(&i.description))
                        .unwrap_or_default();
                    let deleted_in = cap_source(Some(working.phase));
                    match excess_till_date(serial) {
                        Some(till_date) if till_date != quantity => format!(
                            "item {serial} ({description}) was deleted in {deleted_in}; its {} \
                             billed till date is shown as excess over the estimate (AE), {} of \
                             it since the last bill",
                            till_date.normalize(),
                            quantity.normalize()
                        ),
                        _ => format!(
                            "item {serial} ({description}) was deleted in {deleted_in}; the {} \
                             billed now is shown as excess over the estimate (AE)",
                            quantity.normalize()
                        ),
                    }
                })
            })
            .collect()
    }
}

/// The quantity on `serial`'s item row, and on the AE row that follows it if there is one.
fn item_and_its_excess<'a>(
    rows: impl Iterator<Item = (&'a str, crate::domain::bill::RowKind, Decimal)>,
    serial: &str,
) -> (Decimal, Option<Decimal>) {
    let mut rows = rows.skip_while(|(row_serial, _, _)| *row_serial != serial);
    let Some((_, _, item)) = rows.next() else {
        return (Decimal::ZERO, None);
    };
    match rows.next() {
        Some((_, crate::domain::bill::RowKind::Excess, excess)) => (item, Some(excess)),
        _ => (item, None),
    }
}

/// The chain position and inputs of the next bill. `quantities` of `None` means the default:
/// the estimate's (or working estimate's) quantities for a first bill, the previous till-date
/// figures for an Nth bill.
pub(crate) async fn next_bill_inputs(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
    request: BillRequest,
    quantities: Option<Vec<ItemQuantity>>,
) -> Result<NextBill> {
    let DocumentBase {
        sheet,
        items,
        work,
        sub_heads,
    } = document_base(ctx, scope, estimate_id).await?;
    let estimate_has_lc = sheet.footer.collects_labour_cess();
    // The ECV as the sanctioned items give it, as the abstract computes it: a workbook's stated
    // ECV can be a formula's stale cached value.
    let ecv = crate::domain::estimate::ecv(
        crate::domain::estimate::items_total(&items),
        sheet.footer.deduct_old_material,
    );
    let agreement_value = crate::domain::tender::agreement_value(ecv, work.tender_premium.as_ref());
    let working = latest_working_estimate(ctx, scope, estimate_id).await?;
    let (items, sanctioned) = match &working {
        Some(working) => (working.items.clone(), Some(items)),
        None => (items, None),
    };
    let existing = stored::bills(ctx, scope, estimate_id).await?;
    let kind = request.kind(&existing);
    let chain: Vec<(u32, bool)> = existing
        .iter()
        .map(|b| (u32::try_from(b.number).unwrap_or(0), b.is_final))
        .collect();
    let number = check_next_bill(&chain, kind)
        .map_err(|e| Error::Precondition(format!("Estimate {estimate_id}: {e}.")))?;
    let previous_bill = PreviousBill::latest(ctx, scope, estimate_id).await?;
    if let (Some(previous), Some(view)) = (&previous_bill, existing.last()) {
        refuse_dated_before(ctx, &work.dates, number, previous, view)?;
    }
    let inputs = if kind.is_first() {
        let quantities = quantities.unwrap_or_else(|| {
            items
                .iter()
                .map(|item| ItemQuantity::new(item.sl_no.clone(), item.quantity))
                .collect()
        });
        BillInputs::First(FirstBillInput {
            items,
            quantities,
            tender_premium: work.tender_premium,
            is_final: kind.is_final(),
        })
    } else {
        let previous = existing.last().ok_or_else(|| {
            Error::Internal("the chain check let an Nth bill through without bill 1".into())
        })?;
        let previous_till_date = stored::till_date_of(ctx, scope, previous.id).await?;
        let previous_printed = previous_bill
            .as_ref()
            .map(|bill| bill.computed.printed_till_date().deducted_at(&items));
        BillInputs::Nth(NthBillInput {
            number,
            is_final: kind.is_final(),
            items,
            till_date: quantities.unwrap_or_default(),
            previous_till_date,
            tender_premium: work.tender_premium,
            previous_printed,
        })
    };
    Ok(NextBill {
        number,
        inputs,
        work,
        working,
        sub_heads,
        sanctioned,
        estimate_has_lc,
        agreement_value,
        previous: previous_bill,
    })
}

/// Refuses bill `number` when the date it would print is before the date the bill it follows
/// printed: each bill freezes the deduction lines in force on its date, and a chain whose dates
/// run backwards would apply lines that had lapsed or not begun, to work measured later.
fn refuse_dated_before(
    ctx: &Ctx,
    dates: &DocumentDates,
    number: u32,
    previous: &PreviousBill,
    previous_view: &BillView,
) -> Result<()> {
    let this = next_bill_date(ctx, dates);
    let before = render_job::document_date(
        render_job::DatedAs::Bill,
        &previous.dates,
        DocDate::from_timestamp(&previous_view.created_at),
    );
    match before {
        Some(before) if this < before => Err(Error::Validation(format!(
            "Bill {number} would be dated {this} (the work's DOBR, else its other dates), before \
             bill {}'s {before}; a bill cannot be dated before the one it follows. Correct the \
             work's dates, or withdraw the bills dated later and make them again.",
            previous_view.number
        ))),
        _ => Ok(()),
    }
}

/// The date a bill made now prints: its DOBR, else the work's other dates, else today, the day
/// it is recorded.
fn next_bill_date(ctx: &Ctx, dates: &DocumentDates) -> DocDate {
    next_bill_dated_from(ctx, dates).0
}

/// [`next_bill_date`], with the field it is taken from ("the DOBR"), for the memorandum to say
/// which day's deduction lines it applies.
pub(crate) fn next_bill_dated_from(ctx: &Ctx, dates: &DocumentDates) -> (DocDate, &'static str) {
    render_job::dated_from(render_job::DatedAs::Bill, dates, None).unwrap_or_else(|| {
        (
            payments::today(ctx),
            "today: the work data gives no DOBR, DOMR, DOC or DOI",
        )
    })
}

/// The deductions the next bill of an estimate freezes: the org's lines in force on the date
/// the bill prints, this bill's recoveries, what capped lines withheld in the
/// bills before it, whether the estimate already collected labour cess, and the agreement's
/// value that caps and thresholds are read against. The recoveries come checked: by
/// [`create_bill`] with the quantities, and by the editor's reading of each typed line.
pub(crate) async fn next_bill_terms(
    ctx: &Ctx,
    scope: &OrgScope,
    next: &NextBill,
    recoveries: Vec<OneOffRecovery>,
) -> Result<PaymentTerms> {
    let work = &next.work;
    // The lines in force on the date the bill prints.
    let lines = payments::lines_in_force(ctx, scope, next_bill_date(ctx, &work.dates)).await?;
    let (held_before, additions_before, value_before) = match &next.previous {
        Some(previous) => chain_so_far(previous)?,
        None => (Vec::new(), Decimal::ZERO, None),
    };
    Ok(PaymentTerms {
        lines,
        recoveries,
        contract_value: next.agreement_value,
        held_before,
        additions_before,
        value_before,
        estimate_has_lc: next.estimate_has_lc,
        agency_is_individual: work.agency_is_individual,
    })
}

/// Why each refused recovery is refused, one sentence each; `None` when all are fine.
fn refused_recoveries(recoveries: &[OneOffRecovery]) -> Option<String> {
    let refused: Vec<String> = recoveries
        .iter()
        .filter_map(|recovery| {
            let why = recovery.validate().err()?;
            Some(format!("Recovery {:?}: {why}.", recovery.label))
        })
        .collect();
    (!refused.is_empty()).then(|| refused.join(" "))
}

/// What capped lines had withheld, what had been added, and the value of work done, up to and
/// including a stored bill. A bill made before deductions existed withheld and added nothing
/// that is known.
fn chain_so_far(previous: &PreviousBill) -> Result<(Vec<HeldBefore>, Decimal, Option<Decimal>)> {
    let computed = &previous.computed;
    let value = computed.figures().value_till_date;
    let Some(terms) = &previous.terms else {
        return Ok((Vec::new(), Decimal::ZERO, Some(value)));
    };
    let memo = memorandum(computed.figures(), terms)
        .map_err(|e| Error::Internal(format!("a stored bill no longer computes: {e}")))?;
    Ok((
        held_after(terms, &memo),
        terms.additions_before + memo.total_additions(),
        Some(value),
    ))
}

/// Validates and records the next bill of an estimate, and queues its documents.
pub async fn create_bill(
    ctx: &Ctx,
    scope: &WriteScope,
    estimate_id: i64,
    request: BillRequest,
    quantities: Option<Vec<ItemQuantity>>,
    recoveries: Vec<OneOffRecovery>,
) -> Result<QueuedDocument> {
    // A refused recovery is told together with whatever is wrong with the quantities, so that
    // putting one right does not only then bring out the other.
    let refused_recoveries = refused_recoveries(&recoveries);
    let checked = async {
        let next = next_bill_inputs(ctx, scope, estimate_id, request, quantities).await?;
        let computed = next
            .inputs
            .compute()
            .map_err(|e| Error::Validation(format!("Bill {}: {e}.", next.number)))?;
        if !next.inputs.is_final() {
            if let Some(nothing) = measures_nothing(&computed) {
                return Err(Error::Validation(format!(
                    "Bill {}: {nothing}.",
                    next.number
                )));
            }
        }
        Ok((next, computed))
    }
    .await;
    let (next, computed) = match (checked, refused_recoveries) {
        (Ok(checked), None) => checked,
        (Ok(_), Some(refused)) => return Err(Error::Validation(refused)),
        (Err(Error::Validation(message)), Some(refused)) => {
            return Err(Error::Validation(format!("{message} {refused}")))
        }
        (Err(error), _) => return Err(error),
    };
    let is_final = next.inputs.is_final();
    let number = next.number;
    let warnings = next.warnings(&computed);
    let working_estimate = next.working.as_ref().map(|w| w.phase);
    let terms = next_bill_terms(ctx, scope, &next, recoveries).await?;
    let NextBill {
        inputs,
        work,
        sub_heads,
        sanctioned,
        ..
    } = next;
    // Only a final bill's form reads the sanctioned items.
    let sanctioned = sanctioned.filter(|_| is_final);
    memorandum(computed.figures(), &terms)
        .map_err(|e| Error::Validation(format!("Bill {number}: {e}.")))?;
    let context = BillContext {
        work,
        payments: Some(terms),
        working_estimate,
        sub_heads,
        sanctioned,
        currency: crate::tenancy::orgs::currency_mark(ctx, scope).await?,
    };
    let (inputs, till_date) = match (inputs, computed) {
        (BillInputs::First(input), _) => {
            let till_date = input.quantities.clone();
            (StoredInputs::FirstBill { input, context }, till_date)
        }
        (BillInputs::Nth(input), ComputedBill::Nth(computed)) => {
            // Store the full till-date column (unlisted items keep the previous figure), so
            // the next bill deducts exactly what this one shows.
            let full: Vec<ItemQuantity> = computed
                .rows
                .iter()
                .filter(|row| !row.serial.is_empty())
                .map(|row| {
                    ItemQuantity::new(
                        row.serial.clone(),
                        row.till_date.quantity + excess_of(&computed, &row.serial),
                    )
                })
                .collect();
            (StoredInputs::NthBill { input, context }, full)
        }
        (BillInputs::Nth(_), ComputedBill::First(_)) => {
            return Err(Error::Internal(
                "an Nth bill computed as a first bill".into(),
            ))
        }
    };
    let (json, hash) = inputs.encode()?;
    let mut tx = ctx.write_tx().await?;
    let bill_id = stored::insert_bill(
        ctx,
        &mut tx,
        scope,
        NewDocument {
            estimate_id,
            number,
            inputs_json: &json,
            inputs_sha256: &hash,
        },
        is_final,
        &till_date,
        || {
            format!(
                "Bill {number} of estimate {estimate_id} was created by someone else a moment \
                 ago, so this one was not saved. Look at the estimate's bills again: the next \
                 is bill {}.",
                number + 1
            )
        },
    )
    .await?;
    let mut queued = queue_rendering(
        ctx,
        tx,
        scope,
        DocumentRow {
            table: DocumentTable::Bills,
            id: bill_id,
            number,
            estimate_id,
        },
        hash,
    )
    .await?;
    queued.warnings = warnings;
    queued.caps_from = Some(cap_source(working_estimate));
    Ok(queued)
}

/// Why a part bill that measures nothing would be a bill of Rs. 0.00 taking a number of the
/// chain, or `None` when it measures something. A final bill may close the work without new
/// measurements, so it is not asked.
pub(crate) fn measures_nothing(computed: &ComputedBill) -> Option<&'static str> {
    match computed {
        // By amounts, not quantities: a quantity too small to come to a paisa (0.0000001)
        // measures nothing either, and would use up the chain's first number on Rs. 0.00.
        ComputedBill::First(bill) if bill.rows.iter().all(|row| row.amount.is_zero()) => Some(
            "every quantity is 0 (or too small to come to a paisa), so this part bill would pay \
             nothing; give the quantities measured",
        ),
        // A premium corrected since the last bill moves the amount without a new measurement.
        ComputedBill::Nth(bill)
            if bill.amount_payable.is_zero()
                && bill.rows.iter().all(|row| row.since_last.amount.is_zero()) =>
        {
            Some(
                "no quantity was measured since the last bill (each till-date quantity is the \
                 one it recorded, or too near it to come to a paisa), so this part bill would \
                 pay nothing; give the quantities measured to date, or make a final bill to \
                 close the work",
            )
        }
        _ => None,
    }
}

/// A freshly inserted bill or work slip: its table, id, number or phase, and estimate.
struct DocumentRow {
    table: DocumentTable,
    id: i64,
    number: u32,
    estimate_id: i64,
}

/// Queues the render job of a freshly inserted bill or work slip, links it to the row, and
/// commits the transaction that inserted the row, so the record and its job exist together.
async fn queue_rendering(
    ctx: &Ctx,
    mut tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    scope: &WriteScope,
    row: DocumentRow,
    inputs_sha256: String,
) -> Result<QueuedDocument> {
    let DocumentRow {
        table,
        id: row_id,
        number,
        estimate_id,
    } = row;
    let (kind, payload) = match table {
        DocumentTable::Bills => (
            JobKind::GenerateBill,
            // `file_name` is what the Jobs pane shows in its File column for this job.
            serde_json::json!({
                "bill_id": row_id,
                "file_name": format!("Bill {number} of estimate {estimate_id}"),
            }),
        ),
        DocumentTable::Workslips => (
            JobKind::GenerateWorkslip,
            serde_json::json!({
                "workslip_id": row_id,
                "file_name": format!("Work slip {number} of estimate {estimate_id}"),
            }),
        ),
    };
    let job_id = queue::enqueue(ctx, &mut tx, scope, kind, None, &payload.to_string()).await?;
    stored::link_job(&mut tx, scope, table, row_id, job_id).await?;
    tx.commit().await?;
    ctx.wake.notify_waiters();
    Ok(QueuedDocument {
        number: Some(number),
        job_id,
        inputs_sha256,
        warnings: Vec::new(),
        caps_from: None,
    })
}

/// The quantity an item's AE row carries in an Nth bill (the part above the estimate).
fn excess_of(bill: &crate::domain::bill::NthBill, serial: &str) -> Decimal {
    let mut excess = Decimal::ZERO;
    let mut after_item = false;
    for row in &bill.rows {
        if row.serial == serial {
            after_item = true;
            continue;
        }
        if after_item {
            if row.kind == crate::domain::bill::RowKind::Excess {
                excess += row.till_date.quantity;
            }
            break;
        }
    }
    excess
}

/// Why no work slip can follow, when a final bill has closed the work: a working estimate after
/// it would re-open quantities already finally paid, and ask for a sanction the closed work no
/// longer needs.
pub(crate) async fn closed_by_final_bill(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<Option<String>> {
    Ok(stored::bills(ctx, scope, estimate_id)
        .await?
        .into_iter()
        .find(|bill| bill.is_final)
        .map(|closing| {
            format!(
                "Estimate {estimate_id} was closed by its final bill (bill {}), so no work slip \
                 can follow it. To change the work, withdraw the final bill first.",
                closing.number
            )
        }))
}

/// The next work slip of an estimate, gathered but not yet computed.
pub(crate) struct NextWorkslip {
    /// Its input: the earlier phases' figures from the last stored work slip, plus this
    /// phase's.
    pub input: WorkslipInput,
    /// The work data it prints.
    pub work: WorkMetadata,
    /// The estimate's sub-heads.
    pub sub_heads: Vec<SubHead>,
    /// New supplemental lines left out of `input` because an earlier work slip introduced an
    /// item under their serial: each serial, and why.
    pub serials_taken: Vec<(String, String)>,
    /// The last stored work slip's input, if there is one.
    previous: Option<WorkslipInput>,
    /// Said when the work data marks an AMC work whose workbook charges QC ([`amc_note`]).
    pub amc_note: Option<String>,
}

/// The work data and the workbook's footer disagree on whether the work is AMC (no
/// quality-control charge, DOMAIN.md §1): marked AMC while the footer charges QC, the work slip
/// leaves QC out of every column, the estimate's too; marked otherwise while a footer charges
/// none, it adds QC to every column. Either way its Estimate column no longer reproduces the
/// sanctioned estimate. One of the two is wrong, and only the engineer knows which. (Work data
/// never saved reads AMC from the footer, so this is said only of a choice someone made.)
fn amc_note(work: &WorkMetadata, sheet: &EstimateSheet) -> Option<String> {
    match (work.is_amc, sheet.footer.qc) {
        (true, Some(qc)) => Some(format!(
            "The work data marks this an AMC work, which has no QC charge, but the estimate's \
             footer charges QC of Rs. {}: the work slip leaves QC out of every column, the \
             estimate's too, so its Estimate column differs from the sanctioned estimate. If the \
             work is not an AMC, untick AMC in Work data",
            crate::domain::money::format_indian(qc)
        )),
        (false, None) if workbook_is_amc(sheet) => Some(
            "The work data marks this work as not AMC, so the work slip charges QC, but the \
             estimate's footer charges none: the work slip adds QC to every column, the \
             estimate's too, so its Estimate column differs from the sanctioned estimate. If the \
             work is an AMC, tick AMC in Work data"
                .to_owned(),
        ),
        _ => None,
    }
}

impl NextWorkslip {
    /// Why this work slip, computed as `slip`, would only print the last one again under a new
    /// number: no quantity moved, no supplemental item is new and the work data the figures
    /// read did not change. `None` when it records something.
    pub fn repeats_the_last(&self, slip: &Workslip) -> Option<String> {
        let previous = self.previous.as_ref()?;
        (slip.repeats_the_phase_before() && self.input.same_terms_as(previous)).then(|| {
            format!(
                "Work slip {phase} would repeat work slip {last}: every executed quantity is \
                 the one it recorded and no supplemental item is new. Give the quantities that \
                 changed since work slip {last}",
                phase = self.input.phase,
                last = previous.phase,
            )
        })
    }
}

/// Why estimate `estimate_id` can take no work slip `phase` now, if it cannot: a final bill
/// closed the work, it has every work slip allowed, or its work data has no sanctioned grand
/// total to balance to. The editor says it on opening; creating a slip refuses with it.
pub(crate) async fn workslip_blocked(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
    phase: u32,
    work: &WorkMetadata,
    has_items: bool,
) -> Result<Option<String>> {
    if let Some(closed) = closed_by_final_bill(ctx, scope, estimate_id).await? {
        return Ok(Some(closed));
    }
    if phase > MAX_PHASE {
        return Ok(Some(format!(
            "Estimate {estimate_id} already has {MAX_PHASE} work slips, the most allowed."
        )));
    }
    // A workbook without a Grand Total leaves it 0 in the work data, and a slip balanced to 0
    // would print an unforeseen-items provision of minus the whole work. (An estimate with no
    // items has nothing to balance, and is refused for that.)
    if work.grand_total.is_zero() && has_items {
        return Ok(Some(format!(
            "Work slip {phase}: the sanctioned grand total in the work data of estimate \
             {estimate_id} is 0, and a work slip balances to it. Enter the sanctioned amount \
             there first (Sanctioned grand total in the window's work data, `sitebook work \
             edit {estimate_id} --grand-total AMOUNT`)."
        )));
    }
    Ok(None)
}

/// Why the new supplemental `line` cannot be added, when an earlier work slip introduced an
/// item under its serial: it would be a second item of that serial, and the earlier item's
/// quantity goes among the executed quantities instead.
fn serial_taken_earlier(line: &SupplementalLine, earlier: &[SupplementalItem]) -> Option<String> {
    let taken = earlier
        .iter()
        .find(|item| item.sl_no.trim().eq_ignore_ascii_case(line.sl_no.trim()))?;
    // The next S-number after every earlier one, to offer instead.
    let next_free = earlier
        .iter()
        .filter_map(|item| {
            let serial = item.sl_no.trim();
            let digits = serial.strip_prefix(['S', 's'])?.trim();
            digits.parse::<u32>().ok()
        })
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    Some(format!(
        "{}supplemental item {} is work slip {}'s ({}): number the new item S{next_free}, or, to \
         change that item, give its quantity in its own row ({},QUANTITY in a quantities file)",
        crate::domain::quantities::origin_prefix(&line.origin),
        line.sl_no.trim(),
        taken.introduced_in_phase,
        crate::error::excerpt(&taken.description),
        taken.sl_no.trim(),
    ))
}

/// The rate overrides of work slip `phase`: the last slip's, with each rate given now put in
/// its place (DOMAIN.md §3: a rate replaces the estimate's on the item's whole row, in this slip
/// and the ones after). A rate given back at the estimate's own lifts the override. Kept in
/// estimate order, so the same rates always compare equal.
fn with_rates_given(
    phase: u32,
    items: &[EstimateItem],
    mut overrides: Vec<RateOverride>,
    rates: Vec<RateOverride>,
) -> Result<Vec<RateOverride>> {
    // A rate is money per unit: checked where it is entered, so a slip recorded before still
    // renders.
    if let Some(fine) = rates
        .iter()
        .find(|given| crate::domain::money::finer_than_paise(given.rate))
    {
        return Err(Error::Validation(format!(
            "Work slip {phase}: item {}: rate {} has more than two decimal places; give it in \
             rupees and paise.",
            fine.sl_no.trim(),
            fine.rate
        )));
    }
    let position = |sl_no: &str| {
        items
            .iter()
            .position(|item| item.sl_no.trim() == sl_no.trim())
    };
    for given in rates {
        overrides.retain(|earlier| earlier.sl_no.trim() != given.sl_no.trim());
        let at_estimate_rate =
            position(&given.sl_no).is_some_and(|at| items[at].rate == given.rate);
        if !at_estimate_rate {
            overrides.push(given);
        }
    }
    // An unknown serial sorts last, where the work slip's own check names it.
    overrides.sort_by_key(|entry| position(&entry.sl_no).unwrap_or(usize::MAX));
    Ok(overrides)
}

/// The next work slip's input, gathered but not yet checked: the earlier phases' figures from
/// the last stored work slip, plus this phase's quantities, supplemental items and rates.
/// Shared by creating a work slip and previewing one in the editor.
pub(crate) async fn next_workslip_input(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
    executed: Vec<ItemQuantity>,
    supplemental: Vec<SupplementalLine>,
    rates: Vec<RateOverride>,
) -> Result<NextWorkslip> {
    let DocumentBase {
        sheet,
        items,
        work,
        sub_heads,
    } = document_base(ctx, scope, estimate_id).await?;
    let mut earlier = stored_workslip_inputs(ctx, scope, estimate_id).await?;
    let phase = u32::try_from(earlier.len() + 1).unwrap_or(u32::MAX);
    let has_items = !items.is_empty();
    if let Some(blocked) =
        workslip_blocked(ctx, scope, estimate_id, phase, &work, has_items).await?
    {
        return Err(Error::Precondition(blocked));
    }
    let (mut phases, mut supplemental_items) = match earlier.last() {
        Some(input) => (input.executed.clone(), input.supplemental_items.clone()),
        None => (Vec::new(), Vec::new()),
    };
    // Each earlier phase at the rates its own slip was made with, read from that slip (slips
    // stored before a phase kept them carry none).
    for (phase, slip) in phases.iter_mut().zip(&earlier) {
        phase.rate_overrides = slip.rate_overrides.clone();
    }
    let rate_overrides = with_rates_given(
        phase,
        &items,
        earlier
            .last()
            .map(|input| input.rate_overrides.clone())
            .unwrap_or_default(),
        rates,
    )?;
    // A later phase may change an earlier supplemental item's quantity: its serial (`S1`)
    // among the executed quantities is that item's, not an estimate item's.
    let (later_supplemental, executed): (Vec<ItemQuantity>, Vec<ItemQuantity>) =
        executed.into_iter().partition(|entry| {
            supplemental_items
                .iter()
                .any(|item| item.sl_no.trim() == entry.sl_no.trim())
        });
    // A rate is money per unit: a finer one would print as typed but be paid rounded. Checked
    // here, where a line is entered, so that a slip recorded before still renders.
    if let Some(line) = supplemental
        .iter()
        .find(|line| crate::domain::money::finer_than_paise(line.rate))
    {
        return Err(Error::Validation(format!(
            "Work slip {phase}: supplemental item {} ({}): rate {} has more than two decimal \
             places; give it in rupees and paise.",
            line.sl_no.trim(),
            crate::error::excerpt(&line.description),
            line.rate
        )));
    }
    // Left out here and named by the caller: creating refuses the slip, the editor's preview
    // names each beside its line and computes the rest.
    let mut serials_taken = Vec::new();
    let supplemental: Vec<SupplementalLine> = supplemental
        .into_iter()
        .filter(
            |line| match serial_taken_earlier(line, &supplemental_items) {
                Some(why) => {
                    serials_taken.push((line.sl_no.clone(), why));
                    false
                }
                None => true,
            },
        )
        .collect();
    supplemental_items.extend(supplemental.iter().map(|line| SupplementalItem {
        sl_no: line.sl_no.clone(),
        description: line.description.clone(),
        unit: line.unit.clone(),
        rate: line.rate,
        introduced_in_phase: phase,
        origin: line.origin.clone(),
    }));
    phases.push(PhaseQuantities {
        estimate_items: executed,
        supplemental_items: later_supplemental
            .into_iter()
            .chain(
                supplemental
                    .iter()
                    .map(|line| ItemQuantity::new(line.sl_no.clone(), line.executed)),
            )
            .collect(),
        rate_overrides: Vec::new(),
    });
    // Each earlier phase at the premium its own slip was made with, kept only where the work
    // data's premium has been corrected since, so that other inputs stay as they were.
    let earlier_premiums: Vec<_> = earlier.iter().map(|slip| slip.tender_premium).collect();
    let earlier_premiums = if earlier_premiums
        .iter()
        .all(|&premium| premium == work.tender_premium)
    {
        Vec::new()
    } else {
        earlier_premiums
    };
    let input = WorkslipInput {
        phase,
        items,
        supplemental_items,
        executed: phases,
        rate_overrides,
        deduct_old_material: sheet.footer.deduct_old_material,
        tender_premium: work.tender_premium,
        earlier_premiums,
        is_amc: work.is_amc,
        sanctioned_grand_total: work.grand_total,
    };
    let amc_note = amc_note(&work, &sheet);
    Ok(NextWorkslip {
        input,
        work,
        sub_heads,
        serials_taken,
        previous: earlier.pop(),
        amc_note,
    })
}

/// Work slip `phase` refused for `problems`, said once: "Work slip 2, item 7: …" where the
/// domain's first problem is about this slip itself, not "Work slip 2: work slip 2, item 7: …".
fn workslip_refused(phase: u32, problems: impl std::fmt::Display) -> Error {
    let problems = problems.to_string();
    let sentence = match problems.strip_prefix(&format!("work slip {phase}, ")) {
        Some(rest) => format!("Work slip {phase}, {rest}"),
        None => format!("Work slip {phase}: {problems}"),
    };
    Error::Validation(format!("{sentence}."))
}

/// The stored inputs of an estimate's work slips, in phase order.
pub(crate) async fn stored_workslip_inputs(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<Vec<WorkslipInput>> {
    stored::workslip_inputs(ctx, scope, estimate_id)
        .await?
        .iter()
        .map(|json| match serde_json::from_str::<StoredInputs>(json) {
            Ok(StoredInputs::Workslip { input, .. }) => Ok(input),
            _ => Err(Error::Internal("a stored work slip is damaged".into())),
        })
        .collect()
}

/// What the engineer should know before recording a work slip: that it needs a revised
/// sanction, which rates it puts at nothing, and which items it sets below what the bills have
/// already paid for.
pub(crate) async fn workslip_warnings(
    ctx: &Ctx,
    scope: &OrgScope,
    estimate_id: i64,
    input: &WorkslipInput,
    slip: &crate::domain::workslip::Workslip,
) -> Result<Vec<String>> {
    let mut warnings: Vec<String> = crate::domain::deviation::deviation_statement(slip)
        .revised_sanction_notice()
        .into_iter()
        .chain(
            crate::domain::workslip::rates_at_nothing(input)
                .into_iter()
                .map(|warning| format!("{warning}.")),
        )
        .collect();
    if let Some(previous) = PreviousBill::latest(ctx, scope, estimate_id).await? {
        let working = working_estimate(input).map_err(|e| workslip_refused(input.phase, e))?;
        let billed = previous.computed.printed_till_date();
        warnings.extend(
            below_billed(&working, &billed)
                .iter()
                .map(|item| format!("{item}.")),
        );
    }
    Ok(warnings)
}

/// Validates and records the next work slip (phase) of an estimate, and queues its documents.
pub async fn create_workslip(
    ctx: &Ctx,
    scope: &WriteScope,
    estimate_id: i64,
    executed: Vec<ItemQuantity>,
    supplemental: Vec<SupplementalLine>,
    rates: Vec<RateOverride>,
) -> Result<QueuedDocument> {
    let next = next_workslip_input(ctx, scope, estimate_id, executed, supplemental, rates).await?;
    let phase = next.input.phase;
    if let Some((_, why)) = next.serials_taken.first() {
        return Err(Error::Validation(format!("Work slip {phase}: {why}.")));
    }
    let slip = workslip(&next.input).map_err(|e| workslip_refused(phase, e))?;
    if let Some(repeat) = next.repeats_the_last(&slip) {
        return Err(Error::Validation(format!("{repeat}.")));
    }
    let NextWorkslip {
        input,
        work,
        sub_heads,
        amc_note,
        ..
    } = next;
    let mut warnings = workslip_warnings(ctx, scope, estimate_id, &input, &slip).await?;
    warnings.extend(amc_note.map(|note| format!("{note}.")));
    let (json, hash) = StoredInputs::Workslip {
        input,
        work,
        sub_heads,
        currency: crate::tenancy::orgs::currency_mark(ctx, scope).await?,
    }
    .encode()?;
    // Stored and queued as `create_bill` does; the insert and its wording are the work slip's.
    let mut tx = ctx.write_tx().await?;
    let workslip_id = stored::insert_workslip(
        ctx,
        &mut tx,
        scope,
        NewDocument {
            estimate_id,
            number: phase,
            inputs_json: &json,
            inputs_sha256: &hash,
        },
        || {
            format!(
                "Work slip {phase} of estimate {estimate_id} was created by someone else a \
                 moment ago, so this one was not saved. Look at the estimate's work slips \
                 again: the next is work slip {}.",
                phase + 1
            )
        },
    )
    .await?;
    let mut queued = queue_rendering(
        ctx,
        tx,
        scope,
        DocumentRow {
            table: DocumentTable::Workslips,
            id: workslip_id,
            number: phase,
            estimate_id,
        },
        hash,
    )
    .await?;
    queued.warnings = warnings;
    Ok(queued)
}

/// Queues the estimate abstract of an estimate (its items and footer, as PDF and XLSX).
///
/// The abstract reproduces the sanctioned estimate (DOMAIN.md ruling): its T.P %, the rates of
/// its other footer rows, its AMC shape and Grand Total are the workbook's own. The work data's
/// premium is the agreement's, which applies to bills and work slips, not to what was
/// sanctioned.
pub async fn request_abstract(
    ctx: &Ctx,
    scope: &WriteScope,
    estimate_id: i64,
) -> Result<QueuedDocument> {
    let DocumentBase {
        sheet,
        items,
        work,
        sub_heads,
    } = document_base(ctx, scope, estimate_id).await?;
    let (provides_labour_cess, provides_nac) = workbook_provides_lc_and_nac(&sheet);
    let footer = EstimateFooterInput {
        items_total: Decimal::ZERO,
        deduct_old_material: sheet.footer.deduct_old_material,
        tender_premium: workbook_tender_premium(&sheet),
        is_amc: workbook_is_amc(&sheet),
        provides_labour_cess,
        provides_nac,
        special_ls_provisions: sheet
            .footer
            .ls_provisions
            .iter()
            .filter_map(|p| {
                p.amount.map(|amount| SpecialLsProvision {
                    name: p.name.clone(),
                    amount,
                })
            })
            .collect(),
        grand_total: sheet.footer.grand_total.unwrap_or(work.grand_total),
        rates: workbook_footer_rates(&sheet),
    };
    let items = with_excess_rows(&sheet, items).map_err(|unusable| {
        Error::Validation(format!(
            "Estimate {estimate_id} has AE rows without a quantity or rate ({}); fix them in the \
             workbook and upload it again.",
            unusable.join(", ")
        ))
    })?;
    crate::pdf::EstimateAbstract::new(items.clone(), footer.clone())
        .map_err(|e| Error::Validation(format!("Estimate {estimate_id}: {e}.")))?;
    let inputs = StoredInputs::EstimateAbstract {
        items,
        footer,
        work,
        sub_heads,
        currency: crate::tenancy::orgs::currency_mark(ctx, scope).await?,
    };
    let (_, hash) = inputs.encode()?;
    let payload = serde_json::json!({
        "estimate_id": estimate_id,
        "file_name": format!("Abstract of estimate {estimate_id}"),
        "inputs": inputs,
    })
    .to_string();
    let mut tx = ctx.write_tx().await?;
    let job_id = queue::enqueue(
        ctx,
        &mut tx,
        scope,
        JobKind::GenerateEstimateAbstract,
        None,
        &payload,
    )
    .await?;
    tx.commit().await?;
    ctx.wake.notify_waiters();
    Ok(QueuedDocument {
        number: None,
        job_id,
        inputs_sha256: hash,
        warnings: Vec::new(),
        caps_from: None,
    })
}

/// The estimate sheet a quick bill is drawn from: the one named, else the workbook's main one
/// ([`crate::excel::ParsedWorkbook::main_sheet`]). A name that is no estimate sheet is refused,
/// listing those there are.
pub fn quick_bill_sheet<'p>(
    parsed: &'p crate::excel::ParsedWorkbook,
    named: Option<&str>,
) -> Result<&'p EstimateSheet> {
    let found = match named {
        Some(name) => parsed.sheet_named(name),
        None => parsed.main_sheet(),
    };
    found.ok_or_else(|| {
        let sheets: Vec<String> = parsed
            .sheets
            .iter()
            .map(|sheet| format!("'{}'", sheet.name))
            .collect();
        Error::Validation(match named {
            Some(name) if !sheets.is_empty() => format!(
                "{}: no estimate sheet is named '{}'; its estimate sheets are {}.",
                parsed.file,
                name.trim(),
                sheets.join(", ")
            ),
            _ => format!("{}: no estimate sheet was found.", parsed.file),
        })
    })
}

/// A first bill at the estimate's quantities, straight from a parsed workbook's `sheet`, with
/// no database: the `sitebook bill render` quick path. Returns `(file name, bytes)` for the PDF
/// and the XLSX. `source_sha256` is the workbook's; `saved_on`, the day it was last saved,
/// dates the bill when the workbook gives no date of its own.
pub fn quick_first_bill(
    parsed: &crate::excel::ParsedWorkbook,
    sheet: &EstimateSheet,
    is_final: bool,
    tender_premium: Option<crate::domain::bill::TenderPremium>,
    source_sha256: Option<String>,
    saved_on: Option<crate::domain::work::DocDate>,
) -> Result<Vec<(String, Vec<u8>)>> {
    let items = domain_items(sheet).map_err(|unusable| {
        Error::Validation(format!(
            "{}: items without a quantity or rate ({}); fix them in the workbook first.",
            parsed.file,
            unusable.join(", ")
        ))
    })?;
    let mut work = work_from_estimate(sheet);
    if tender_premium.is_some() {
        work.tender_premium = tender_premium;
    }
    let quantities = items
        .iter()
        .map(|item| ItemQuantity::new(item.sl_no.clone(), item.quantity))
        .collect();
    let input = FirstBillInput {
        items,
        quantities,
        tender_premium: work.tender_premium,
        is_final,
    };
    first_bill(&input).map_err(|e| Error::Validation(format!("{}: {e}.", parsed.file)))?;
    let inputs = StoredInputs::FirstBill {
        input,
        context: BillContext {
            work,
            payments: None,
            working_estimate: None,
            sub_heads: sub_heads_of(sheet),
            sanctioned: None,
            currency: CurrencyMark::Rs,
        },
    };
    let (_, hash) = inputs.encode()?;
    let provenance = render_job::Provenance {
        organization: None,
        source_sha256,
        recorded_on: saved_on,
    };
    render_job::render_files(inputs, hash, provenance).map_err(Error::Validation)
}
