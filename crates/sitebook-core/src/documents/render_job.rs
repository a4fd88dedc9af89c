//! The `generate_bill`, `generate_workslip` and `generate_estimate_abstract` jobs: load the
//! stored input, compute the document with the domain math, render it as PDF and XLSX, write
//! the files atomically, and record them with the job's completion in one transaction.
//!
//! A bill with frozen terms carries its memorandum of payments and its department form (the
//! running-account form, or the final bill form) in the same two files. A work slip also gets
//! its deviation statement as a PDF and XLSX of its own, and a job warning when the working
//! estimate exceeds the sanctioned Grand Total.
//!
//! Rendering is CPU work, so it runs on a blocking thread, never on the async workers.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::documents::{first_bill_figures, nth_bill_figures, BillContext, StoredInputs};
use crate::domain::bill::{first_bill, nth_bill, FirstBill, NthBill};
use crate::domain::bill_forms::{account_of_work, payment_account, AccountOfWork, BilledRow};
use crate::domain::deviation::deviation_statement;
use crate::domain::estimate::{EstimateItem, SubHead};
use crate::domain::money::{CurrencyMark, LabelledAmount};
use crate::domain::payments::{memorandum, BillFigures, Memorandum, MemorandumError, PaymentTerms};
use crate::domain::permissions::Action;
use crate::domain::work::{DocDate, DocumentDates, HeaderLine, WorkMetadata};
use crate::domain::workslip::workslip;
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::Ctx;
use crate::jobs::{JobHandlers, JobKind, RunFailure};
use crate::pdf::{DocumentRequest, EstimateAbstract};
use crate::render::{
    final_bill_form, memorandum_statement, running_account_form, BillForm, FormStatement,
    MemorandumLinks, RenderError,
};
use crate::store::documents::{DocumentTable, StoredDocument};
use crate::store::files::sha256_bytes;
use crate::store::outputs;
use crate::tenancy::gate::OrgScope;

#[derive(Deserialize)]
struct Payload {
    bill_id: Option<i64>,
    workslip_id: Option<i64>,
    estimate_id: Option<i64>,
    inputs: Option<StoredInputs>,
}

/// The files of one document, named, and what its job should warn about.
struct Rendered {
    files: Vec<(String, Vec<u8>)>,
    inputs_sha256: String,
    /// The job step and message of each warning: a work slip whose working estimate exceeds
    /// the sanctioned Grand Total, a field with characters no bundled font draws.
    warnings: Vec<(&'static str, String)>,
}

type Step = (String, RunFailure);

fn permanent(step: &str, message: impl Into<String>) -> Step {
    (step.to_string(), RunFailure::Permanent(message.into()))
}

/// A job's document: its file stem, inputs, inputs hash, estimate, and when it was recorded
/// (`None` for an abstract, which is not stored as a document).
type JobDocument = (String, StoredInputs, String, i64, Option<String>);

async fn stored_inputs(ctx: &Ctx, scope: &OrgScope, job: &ClaimedJob) -> Result<JobDocument, Step> {
    let payload: Payload = serde_json::from_str(&job.payload)
        .map_err(|e| permanent("inputs", format!("the job's request is damaged: {e}")))?;
    let (table, id, stem) = match (job.kind, payload.bill_id, payload.workslip_id) {
        (JobKind::GenerateBill, Some(id), _) => (DocumentTable::Bills, id, "bill"),
        (JobKind::GenerateWorkslip, _, Some(id)) => (DocumentTable::Workslips, id, "workslip"),
        (JobKind::GenerateEstimateAbstract, _, _) => {
            let estimate = payload.estimate_id.unwrap_or_default();
            let inputs = payload
                .inputs
                .ok_or_else(|| permanent("inputs", "the abstract request has no inputs"))?;
            let json =
                serde_json::to_string(&inputs).map_err(|e| permanent("inputs", e.to_string()))?;
            return Ok((
                format!("estimate{estimate}-abstract-job{}", job.id),
                inputs,
                sha256_bytes(json.as_bytes()),
                estimate,
                None,
            ));
        }
        _ => return Err(permanent("inputs", "the job names no document")),
    };
    let row = crate::store::documents::stored(ctx, scope, table, id)
        .await
        .map_err(|e| ("inputs".to_string(), e.into()))?;
    let StoredDocument {
        estimate_id: estimate,
        number,
        inputs_json: json,
        inputs_sha256: hash,
        created_at,
    } = row.ok_or_else(|| permanent("inputs", format!("{stem} {id} no longer exists")))?;
    let inputs: StoredInputs = serde_json::from_str(&json)
        .map_err(|e| permanent("inputs", format!("the stored {stem} is damaged: {e}")))?;
    Ok((
        format!("estimate{estimate}-{stem}{number}-job{}", job.id),
        inputs,
        hash,
        estimate,
        Some(created_at),
    ))
}

/// A bill's header block: the work data, and where its caps came from once the estimate has a
/// working estimate.
fn bill_header(
    work: &crate::domain::work::WorkMetadata,
    working_estimate: Option<u32>,
    mark: CurrencyMark,
) -> Vec<crate::domain::work::HeaderLine> {
    let mut lines = work.header_block_in(mark);
    if working_estimate.is_some() {
        lines.push(crate::domain::work::HeaderLine {
            label: "Quantities as per".to_owned(),
            value: super::cap_source(working_estimate),
        });
    }
    lines
}

/// The department's form for a bill with frozen terms: the final bill form for a final bill,
/// the running-account form otherwise.
fn bill_form(
    memo: &Memorandum,
    terms: &PaymentTerms,
    work: &WorkMetadata,
    final_account: Option<AccountOfWork>,
    mark: CurrencyMark,
) -> BillForm {
    let account = payment_account(memo, terms);
    let links = MemorandumLinks::of(memo, terms);
    let mb = work.mb_details.as_ref().map(|mb| mb.describe());
    match final_account {
        Some(work_done) => final_bill_form(&work_done, &account, &links, mb.as_deref(), mark),
        None => running_account_form(&account, &links, mb.as_deref(), mark),
    }
}

/// The memorandum and form of a bill whose terms were frozen (none on older bills).
fn payment_parts(
    figures: BillFigures,
    payments: Option<&PaymentTerms>,
    work: &WorkMetadata,
    mark: CurrencyMark,
    final_account: impl FnOnce() -> Option<AccountOfWork>,
) -> Result<(Option<FormStatement>, Option<BillForm>), MemorandumError> {
    let Some(terms) = payments else {
        return Ok((None, None));
    };
    let memo = memorandum(figures, terms)?;
    let form = bill_form(&memo, terms, work, final_account(), mark);
    Ok((Some(memorandum_statement(&memo, mark)), Some(form)))
}

/// Where a document comes from: what its PDF records beside the inputs hash, and the date of
/// last resort.
pub(crate) struct Provenance {
    /// The organization's name, recorded as the author (none for a bill drawn straight from
    /// a workbook).
    pub(crate) organization: Option<String>,
    /// The sha256 of the workbook the estimate was imported from.
    pub(crate) source_sha256: Option<String>,
    /// The day the document (for an abstract, its estimate) was recorded.
    pub(crate) recorded_on: Option<DocDate>,
}

/// The date a document is stamped with, from its data: a bill's DOBR, a work slip's DOMR, an
/// abstract's DOI, else the work's other dates, else the day it was recorded. Never the clock
/// at rendering, so a document rendered again is the same file.
pub(crate) fn document_date(
    kind: DatedAs,
    dates: &DocumentDates,
    recorded_on: Option<DocDate>,
) -> Option<DocDate> {
    dated_from(kind, dates, recorded_on).map(|(date, _)| date)
}

/// [`document_date`], with the field it came from, for saying so ("the DOBR").
pub(crate) fn dated_from(
    kind: DatedAs,
    dates: &DocumentDates,
    recorded_on: Option<DocDate>,
) -> Option<(DocDate, &'static str)> {
    let named = |date: Option<DocDate>, field: &'static str| date.map(|date| (date, field));
    let dobr = named(dates.bill_recorded, "the DOBR");
    let domr = named(dates.measurement_recorded, "the DOMR");
    let doi = named(dates.intimation, "the DOI");
    let recorded = named(recorded_on, "the day it is recorded");
    let first = match kind {
        DatedAs::Bill => [dobr, domr],
        DatedAs::Workslip => [domr, dobr],
        DatedAs::Estimate => [doi, recorded],
    };
    first
        .into_iter()
        .chain([named(dates.completion, "the DOC"), doi, recorded])
        .flatten()
        .next()
}

#[derive(Clone, Copy)]
pub(crate) enum DatedAs {
    Bill,
    Workslip,
    Estimate,
}

/// One warning per printed field holding characters no bundled font draws (they print as
/// U+FFFD), naming the field and the characters.
fn unprintable_warnings<'a>(
    fields: impl IntoIterator<Item = (String, &'a str)>,
) -> Vec<(&'static str, String)> {
    fields
        .into_iter()
        .filter_map(|(field, text)| {
            let missing = crate::pdf::uncovered_characters(text);
            (!missing.is_empty()).then(|| {
                let shown: Vec<String> = missing
                    .iter()
                    .map(|c| format!("'{c}' (U+{:04X})", u32::from(*c)))
                    .collect();
                let message = format!(
                    "{field}: no bundled font has {}; the PDF shows \u{FFFD} in its place \
                     (the XLSX keeps the text)",
                    shown.join(", ")
                );
                ("fonts", message)
            })
        })
        .collect()
}

/// A warning for each header value too long for a bill's header, which prints it cut.
fn cut_header_warnings(work: &WorkMetadata) -> Vec<(&'static str, String)> {
    printed_fields(work, &[], &[])
        .into_iter()
        .filter(|(_, text)| crate::pdf::header_value_is_cut(text))
        .map(|(field, text)| {
            let message = format!(
                "{field} ({} characters) is longer than a bill's header prints: the PDF shows \
                 its first ten lines and ends them with '...' (the XLSX keeps it whole); \
                 shorten it in the work data",
                text.trim().chars().count()
            );
            ("layout", message)
        })
        .collect()
}

/// The printed text fields of a document's inputs, each named as the user knows it.
fn printed_fields<'a>(
    work: &'a WorkMetadata,
    items: &'a [EstimateItem],
    sub_heads: &'a [SubHead],
) -> Vec<(String, &'a str)> {
    let mut fields = vec![
        ("Name of the work".to_owned(), work.name_of_work.as_str()),
        ("Name of the Agency".to_owned(), work.agency.as_str()),
        (
            "Ref. to Administrative sanction".to_owned(),
            work.administrative_sanction_ref.as_str(),
        ),
        (
            "Ref. to Technical sanction".to_owned(),
            work.technical_sanction_ref.as_str(),
        ),
        ("Ref. to Agreement".to_owned(), work.agreement_ref.as_str()),
    ];
    for item in items {
        fields.push((
            format!("item {} description", item.sl_no),
            &item.description,
        ));
        fields.push((format!("item {} unit", item.sl_no), &item.unit));
    }
    for head in sub_heads {
        fields.push((
            format!("sub-head before item {}", head.before_serial),
            &head.text,
        ));
    }
    fields
}

/// A computed first or Nth bill, as [`bill_files`] draws it. The two bills have their own
/// columns and renderers, but go through the same steps to their files.
trait DrawnBill: Sized {
    fn figures(&self) -> BillFigures;
    fn is_final(&self) -> bool;
    /// What a final bill form accounts for: the rows billed till date, the T.P line and the
    /// total.
    fn account(&self) -> (Vec<BilledRow<'_>>, Option<LabelledAmount>, Decimal);
    fn request(self, header: Vec<HeaderLine>, inputs_sha256: &str) -> DocumentRequest<Self>;
    /// The PDF and the XLSX.
    fn draw(request: &DocumentRequest<Self>) -> Result<(Vec<u8>, Vec<u8>), RenderError>;
}

impl DrawnBill for FirstBill {
    fn figures(&self) -> BillFigures {
        first_bill_figures(self)
    }
    fn is_final(&self) -> bool {
        self.is_final
    }
    fn account(&self) -> (Vec<BilledRow<'_>>, Option<LabelledAmount>, Decimal) {
        let rows = self
            .rows
            .iter()
            .map(|row| BilledRow {
                kind: row.kind,
                serial: &row.serial,
                quantity: row.quantity,
                amount: row.amount,
            })
            .collect();
        (rows, self.tender_premium.clone(), self.total)
    }
    fn request(self, header: Vec<HeaderLine>, inputs_sha256: &str) -> DocumentRequest<Self> {
        DocumentRequest::first_bill(self, header, inputs_sha256)
    }
    fn draw(request: &DocumentRequest<Self>) -> Result<(Vec<u8>, Vec<u8>), RenderError> {
        Ok((
            crate::pdf::render_first_bill(request)?,
            crate::xlsx::render_first_bill(request)?,
        ))
    }
}

// The same shape as the first bill's impl by nature (one trait, two bills); what differs is
// which figures each reads.
impl DrawnBill for NthBill {
    fn figures(&self) -> BillFigures {
        nth_bill_figures(self)
    }
    fn is_final(&self) -> bool {
        self.is_final
    }
    fn account(&self) -> (Vec<BilledRow<'_>>, Option<LabelledAmount>, Decimal) {
        let rows = self
            .rows
            .iter()
            .map(|row| BilledRow {
                kind: row.kind,
                serial: &row.serial,
                quantity: row.till_date.quantity,
                amount: row.till_date.amount,
            })
            .collect();
        let premium = self.tender_premium.as_ref().map(|line| LabelledAmount {
            label: line.label.clone(),
            amount: line.figures.till_date,
        });
        (rows, premium, self.total.till_date)
    }
    fn request(self, header: Vec<HeaderLine>, inputs_sha256: &str) -> DocumentRequest<Self> {
        DocumentRequest::nth_bill(self, header, inputs_sha256)
    }
    fn draw(request: &DocumentRequest<Self>) -> Result<(Vec<u8>, Vec<u8>), RenderError> {
        Ok((
            crate::pdf::render_nth_bill(request)?,
            crate::xlsx::render_nth_bill(request)?,
        ))
    }
}

/// A bill's PDF and XLSX, with its memorandum and department form when its terms were frozen;
/// warns of fields no bundled font draws. `origin` is the document date, the organization and
/// the source workbook's hash.
fn bill_files<B: DrawnBill>(
    bill: B,
    items: &[EstimateItem],
    context: BillContext,
    inputs_sha256: &str,
    origin: (DocDate, Option<String>, Option<String>),
    warnings: &mut Vec<(&'static str, String)>,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let BillContext {
        work,
        payments,
        working_estimate,
        sub_heads,
        sanctioned,
        currency,
    } = context;
    let (memo, form) = payment_parts(bill.figures(), payments.as_ref(), &work, currency, || {
        bill.is_final().then(|| {
            let (rows, premium, total) = bill.account();
            account_of_work(
                &rows,
                sanctioned.as_deref().unwrap_or(items),
                premium.as_ref(),
                total,
            )
        })
    })
    .map_err(|e| e.to_string())?;
    warnings.extend(unprintable_warnings(printed_fields(
        &work, items, &sub_heads,
    )));
    warnings.extend(cut_header_warnings(&work));
    let (date, organization, source_sha256) = origin;
    let request = bill
        .request(
            bill_header(&work, working_estimate, currency),
            inputs_sha256,
        )
        .with_origin(date, organization, source_sha256, currency)
        .with_memorandum(memo)
        .with_form(form)
        .with_sub_heads(sub_heads);
    B::draw(&request).map_err(|e| e.to_string())
}

fn render(
    stem: String,
    inputs: StoredInputs,
    inputs_sha256: String,
    provenance: Provenance,
) -> Result<Rendered, String> {
    let failed = |e: &dyn std::fmt::Display| format!("could not render {stem}: {e}");
    // A bill is recorded before it is drawn, with its inputs frozen, so a retry draws the same
    // inputs again: say the way out.
    let bill_failed = |e: &dyn std::fmt::Display| {
        format!(
            "could not render {stem}: {e}. The bill stays recorded with its inputs frozen; \
             withdraw it, correct the cause, and make it again"
        )
    };
    let mut extra = Vec::new();
    let mut warnings = Vec::new();
    let Provenance {
        organization,
        source_sha256,
        recorded_on,
    } = provenance;
    let dated = |kind: DatedAs, work: &WorkMetadata| {
        document_date(kind, &work.dates, recorded_on).ok_or_else(|| {
            format!(
                "could not render {stem}: it has no date (no DOBR, DOMR, DOC or DOI, and no \
                 record date); enter the work's dates first"
            )
        })
    };
    let (pdf, xlsx) = match inputs {
        StoredInputs::FirstBill { input, context } => {
            let bill = first_bill(&input).map_err(|e| failed(&e))?;
            let date = dated(DatedAs::Bill, &context.work)?;
            let origin = (date, organization, source_sha256);
            bill_files(
                bill,
                &input.items,
                context,
                &inputs_sha256,
                origin,
                &mut warnings,
            )
            .map_err(|e| bill_failed(&e))?
        }
        StoredInputs::NthBill { input, context } => {
            let bill = nth_bill(&input).map_err(|e| failed(&e))?;
            let date = dated(DatedAs::Bill, &context.work)?;
            let origin = (date, organization, source_sha256);
            bill_files(
                bill,
                &input.items,
                context,
                &inputs_sha256,
                origin,
                &mut warnings,
            )
            .map_err(|e| bill_failed(&e))?
        }
        StoredInputs::Workslip {
            input,
            work,
            sub_heads,
            currency,
        } => {
            let slip = workslip(&input).map_err(|e| failed(&e))?;
            let mut fields = printed_fields(&work, &input.items, &sub_heads);
            for item in &input.supplemental_items {
                fields.push((
                    format!("item {} description", item.sl_no),
                    &item.description,
                ));
                fields.push((format!("item {} unit", item.sl_no), &item.unit));
            }
            warnings.extend(unprintable_warnings(fields));
            warnings.extend(cut_header_warnings(&work));
            let date = dated(DatedAs::Workslip, &work)?;
            let deviation = DocumentRequest::deviation_statement(
                deviation_statement(&slip),
                work.header_block_in(currency),
                &inputs_sha256,
            )
            .with_origin(date, organization.clone(), source_sha256.clone(), currency)
            .with_sub_heads(sub_heads.clone());
            warnings.extend(
                deviation
                    .content
                    .revised_sanction_notice()
                    .map(|notice| ("deviation", notice)),
            );
            extra.push((
                format!("{stem}-deviation.pdf"),
                crate::pdf::render_deviation_statement(&deviation).map_err(|e| failed(&e))?,
            ));
            extra.push((
                format!("{stem}-deviation.xlsx"),
                crate::xlsx::render_deviation_statement(&deviation).map_err(|e| failed(&e))?,
            ));
            let request =
                DocumentRequest::workslip(slip, work.header_block_in(currency), &inputs_sha256)
                    .with_origin(date, organization, source_sha256, currency)
                    .with_sub_heads(sub_heads);
            (
                crate::pdf::render_workslip(&request).map_err(|e| failed(&e))?,
                crate::xlsx::render_workslip(&request).map_err(|e| failed(&e))?,
            )
        }
        StoredInputs::EstimateAbstract {
            items,
            footer,
            work,
            sub_heads,
            currency,
        } => {
            warnings.extend(unprintable_warnings(printed_fields(
                &work, &items, &sub_heads,
            )));
            warnings.extend(cut_header_warnings(&work));
            let estimate = EstimateAbstract::new(items, footer).map_err(|e| failed(&e))?;
            let request = DocumentRequest::estimate_abstract(
                estimate,
                work.header_block_in(currency),
                &inputs_sha256,
            )
            .with_origin(
                dated(DatedAs::Estimate, &work)?,
                organization,
                source_sha256,
                currency,
            )
            .with_sub_heads(sub_heads);
            (
                crate::pdf::render_estimate_abstract(&request).map_err(|e| failed(&e))?,
                crate::xlsx::render_estimate_abstract(&request).map_err(|e| failed(&e))?,
            )
        }
    };
    let mut files = vec![(format!("{stem}.pdf"), pdf), (format!("{stem}.xlsx"), xlsx)];
    files.extend(extra);
    Ok(Rendered {
        files,
        inputs_sha256,
        warnings,
    })
}

/// Renders stored inputs to `(file name, bytes)` for each file of the document (the PDF and the
/// XLSX, and for a work slip its deviation statement's), named after the document's title.
pub(crate) fn render_files(
    inputs: StoredInputs,
    inputs_sha256: String,
    provenance: Provenance,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let stem = match &inputs {
        StoredInputs::FirstBill { input, .. } if input.is_final => "first-and-final-bill",
        StoredInputs::FirstBill { .. } => "first-part-bill",
        StoredInputs::NthBill { .. } => "bill",
        StoredInputs::Workslip { .. } => "workslip",
        StoredInputs::EstimateAbstract { .. } => "estimate-abstract",
    };
    Ok(render(stem.to_string(), inputs, inputs_sha256, provenance)?.files)
}

/// Makes the engine run the document jobs with [`run`].
pub(crate) fn register(handlers: &mut JobHandlers) {
    for kind in [
        JobKind::GenerateBill,
        JobKind::GenerateWorkslip,
        JobKind::GenerateEstimateAbstract,
    ] {
        handlers.register(kind, |ctx, job| {
            Box::pin(async move { run(ctx, job).await.into() })
        });
    }
}

/// Runs one attempt of a document job.
pub(crate) async fn run(ctx: &Ctx, job: &ClaimedJob) -> Result<(), Step> {
    let scope = crate::jobs::write_scope_for(
        ctx,
        job,
        Action::DocumentGenerate,
        "generate documents here",
    )
    .await?;
    let (stem, inputs, hash, estimate_id, recorded_at) = stored_inputs(ctx, &scope, job).await?;
    let source = crate::store::estimates::source(ctx, &scope, estimate_id)
        .await
        .map_err(|e| ("inputs".to_string(), e.into()))?;
    let provenance = Provenance {
        organization: Some(scope.org_name().to_owned()),
        source_sha256: source.as_ref().map(|s| s.sha256.clone()),
        recorded_on: recorded_at
            .as_deref()
            .and_then(DocDate::from_timestamp)
            .or(source.and_then(|s| s.recorded_on)),
    };
    queue::report(ctx, job, 10, "Inputs loaded")
        .await
        .map_err(|e| ("inputs".to_string(), e.into()))?;

    let slot = crate::jobs::cpu_slot(ctx, job, 10, "Waiting to render").await;
    let rendered = tokio::task::spawn_blocking(move || render(stem, inputs, hash, provenance))
        .await
        .map_err(|e| permanent("render", format!("rendering stopped: {e}")))?
        .map_err(|message| permanent("render", message))?;
    drop(slot);
    queue::report(ctx, job, 70, "PDF and XLSX rendered")
        .await
        .map_err(|e| ("render".to_string(), e.into()))?;
    if queue::heartbeat(ctx, job)
        .await
        .map_err(|e| ("store".to_string(), e.into()))?
    {
        return Err(("store".to_string(), RunFailure::Cancelled));
    }

    let store = |e: crate::error::Error| ("store".to_string(), RunFailure::from(e));
    for (step, warning) in &rendered.warnings {
        queue::warn(ctx, job, step, warning).await.map_err(store)?;
    }
    let mut written = Vec::with_capacity(rendered.files.len());
    let mut folder = None;
    for (name, bytes) in &rendered.files {
        let kind = if name.ends_with(".pdf") {
            "pdf"
        } else {
            "xlsx"
        };
        let name = outputs::name_for_job(ctx, &scope, (job.id, job.made_before), name)
            .await
            .map_err(store)?;
        let (output, written_into) = outputs::write_leaving_folder_unsynced(
            ctx,
            &scope,
            &name,
            kind,
            bytes,
            &rendered.inputs_sha256,
        )
        .map_err(store)?;
        written.push(output);
        folder = Some(written_into);
    }
    // Both files' names made durable at once, before the rows that name them commit.
    if let Some(folder) = folder {
        crate::store::files::sync_folder(&folder);
    }
    queue::report(ctx, job, 90, "Storing results")
        .await
        .map_err(store)?;
    let mut tx = ctx.write_tx().await.map_err(store)?;
    let mut output_ids = Vec::with_capacity(written.len());
    for file in &written {
        output_ids.push(
            outputs::record(ctx, &mut tx, &scope, job.id, file)
                .await
                .map_err(store)?,
        );
    }
    let result = serde_json::json!({
        "outputIds": output_ids,
        "inputsSha256": rendered.inputs_sha256,
    });
    queue::complete_and_commit(ctx, tx, job, &result)
        .await
        .map_err(store)
}
