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

use serde::Deserialize;

use crate::documents::{first_bill_figures, nth_bill_figures, StoredInputs};
use crate::domain::bill::{first_bill, nth_bill};
use crate::domain::bill_forms::{account_of_work, payment_account, AccountOfWork, BilledRow};
use crate::domain::deviation::deviation_statement;
use crate::domain::money::LabelledAmount;
use crate::domain::payments::{memorandum, BillFigures, Memorandum, MemorandumError, PaymentTerms};
use crate::domain::permissions::Action;
use crate::domain::work::WorkMetadata;
use crate::domain::workslip::workslip;
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::{JobHandlers, JobKind, RunFailure};
use crate::pdf::{DocumentRequest, EstimateAbstract};
use crate::render::{
    final_bill_form, memorandum_statement, running_account_form, BillForm, FormStatement,
};
use crate::store::files::sha256_bytes;
use crate::store::outputs;
use crate::tenancy::gate::OrgScope;
use crate::Ctx;

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
    /// A work slip whose working estimate exceeds the sanctioned Grand Total.
    warnings: Vec<String>,
}

type Step = (String, RunFailure);

fn permanent(step: &str, message: impl Into<String>) -> Step {
    (step.to_string(), RunFailure::Permanent(message.into()))
}

async fn stored_inputs(
    ctx: &Ctx,
    scope: &OrgScope,
    job: &ClaimedJob,
) -> Result<(String, StoredInputs, String), Step> {
    let payload: Payload = serde_json::from_str(&job.payload)
        .map_err(|e| permanent("inputs", format!("the job's request is damaged: {e}")))?;
    let (table, id, stem) = match (job.kind, payload.bill_id, payload.workslip_id) {
        (JobKind::GenerateBill, Some(id), _) => ("bills", id, "bill"),
        (JobKind::GenerateWorkslip, _, Some(id)) => ("workslips", id, "workslip"),
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
            ));
        }
        _ => return Err(permanent("inputs", "the job names no document")),
    };
    let row: Option<(i64, i64, String, String)> = sqlx::query_as(&format!(
        "SELECT estimate_id, {number}, inputs_json, inputs_sha256 FROM {table} \
         WHERE id = ? AND org_id = ?",
        number = if table == "bills" { "number" } else { "phase" }
    ))
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await
    .map_err(|e| ("inputs".to_string(), crate::Error::from(e).into()))?;
    let (estimate, number, json, hash) =
        row.ok_or_else(|| permanent("inputs", format!("{stem} {id} no longer exists")))?;
    let inputs: StoredInputs = serde_json::from_str(&json)
        .map_err(|e| permanent("inputs", format!("the stored {stem} is damaged: {e}")))?;
    Ok((
        format!("estimate{estimate}-{stem}{number}-job{}", job.id),
        inputs,
        hash,
    ))
}

/// A bill's header block: the work data, and where its caps came from once the estimate has a
/// working estimate.
fn bill_header(
    work: &crate::domain::work::WorkMetadata,
    working_estimate: Option<u32>,
) -> Vec<crate::domain::work::HeaderLine> {
    let mut lines = work.header_block();
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
) -> BillForm {
    let account = payment_account(memo, terms);
    let mb = work.mb_details.as_ref().map(|mb| mb.describe());
    match final_account {
        Some(work_done) => final_bill_form(&work_done, &account, mb.as_deref()),
        None => running_account_form(&account, mb.as_deref()),
    }
}

/// The memorandum and form of a bill whose terms were frozen (none on older bills).
fn payment_parts(
    figures: BillFigures,
    payments: Option<&PaymentTerms>,
    work: &WorkMetadata,
    final_account: impl FnOnce() -> Option<AccountOfWork>,
) -> Result<(Option<FormStatement>, Option<BillForm>), MemorandumError> {
    let Some(terms) = payments else {
        return Ok((None, None));
    };
    let memo = memorandum(figures, terms)?;
    let form = bill_form(&memo, terms, work, final_account());
    Ok((Some(memorandum_statement(&memo)), Some(form)))
}

fn render(stem: String, inputs: StoredInputs, inputs_sha256: String) -> Result<Rendered, String> {
    let failed = |e: &dyn std::fmt::Display| format!("could not render {stem}: {e}");
    let mut extra = Vec::new();
    let mut warnings = Vec::new();
    let (pdf, xlsx) = match inputs {
        StoredInputs::FirstBill {
            input,
            work,
            payments,
            working_estimate,
            sub_heads,
            sanctioned,
        } => {
            let bill = first_bill(&input).map_err(|e| failed(&e))?;
            let (memo, form) =
                payment_parts(first_bill_figures(&bill), payments.as_ref(), &work, || {
                    bill.is_final.then(|| {
                        let rows: Vec<BilledRow<'_>> = bill
                            .rows
                            .iter()
                            .map(|row| BilledRow {
                                kind: row.kind,
                                serial: &row.serial,
                                amount: row.amount,
                            })
                            .collect();
                        account_of_work(
                            &rows,
                            sanctioned.as_deref().unwrap_or(&input.items),
                            bill.tender_premium.as_ref(),
                            bill.total,
                        )
                    })
                })
                .map_err(|e| failed(&e))?;
            let request = DocumentRequest::first_bill(
                bill,
                bill_header(&work, working_estimate),
                &inputs_sha256,
            )
            .with_memorandum(memo)
            .with_form(form)
            .with_sub_heads(sub_heads);
            (
                crate::pdf::render_first_bill(&request).map_err(|e| failed(&e))?,
                crate::xlsx::render_first_bill(&request).map_err(|e| failed(&e))?,
            )
        }
        StoredInputs::NthBill {
            input,
            work,
            payments,
            working_estimate,
            sub_heads,
            sanctioned,
        } => {
            let bill = nth_bill(&input).map_err(|e| failed(&e))?;
            let (memo, form) =
                payment_parts(nth_bill_figures(&bill), payments.as_ref(), &work, || {
                    bill.is_final.then(|| {
                        let rows: Vec<BilledRow<'_>> = bill
                            .rows
                            .iter()
                            .map(|row| BilledRow {
                                kind: row.kind,
                                serial: &row.serial,
                                amount: row.till_date.amount,
                            })
                            .collect();
                        let premium = bill.tender_premium.as_ref().map(|line| LabelledAmount {
                            label: line.label.clone(),
                            amount: line.figures.till_date,
                        });
                        account_of_work(
                            &rows,
                            sanctioned.as_deref().unwrap_or(&input.items),
                            premium.as_ref(),
                            bill.total.till_date,
                        )
                    })
                })
                .map_err(|e| failed(&e))?;
            let request = DocumentRequest::nth_bill(
                bill,
                bill_header(&work, working_estimate),
                &inputs_sha256,
            )
            .with_memorandum(memo)
            .with_form(form)
            .with_sub_heads(sub_heads);
            (
                crate::pdf::render_nth_bill(&request).map_err(|e| failed(&e))?,
                crate::xlsx::render_nth_bill(&request).map_err(|e| failed(&e))?,
            )
        }
        StoredInputs::Workslip {
            input,
            work,
            sub_heads,
        } => {
            let slip = workslip(&input).map_err(|e| failed(&e))?;
            let deviation = DocumentRequest::deviation_statement(
                deviation_statement(&slip),
                work.header_block(),
                &inputs_sha256,
            )
            .with_sub_heads(sub_heads.clone());
            warnings.extend(deviation.content.revised_sanction_notice());
            extra.push((
                format!("{stem}-deviation.pdf"),
                crate::pdf::render_deviation_statement(&deviation).map_err(|e| failed(&e))?,
            ));
            extra.push((
                format!("{stem}-deviation.xlsx"),
                crate::xlsx::render_deviation_statement(&deviation).map_err(|e| failed(&e))?,
            ));
            let request = DocumentRequest::workslip(slip, work.header_block(), &inputs_sha256)
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
        } => {
            let estimate = EstimateAbstract::new(items, footer).map_err(|e| failed(&e))?;
            let request =
                DocumentRequest::estimate_abstract(estimate, work.header_block(), &inputs_sha256)
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
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let stem = match &inputs {
        StoredInputs::FirstBill { input, .. } if input.is_final => "first-and-final-bill",
        StoredInputs::FirstBill { .. } => "first-part-bill",
        StoredInputs::NthBill { .. } => "bill",
        StoredInputs::Workslip { .. } => "workslip",
        StoredInputs::EstimateAbstract { .. } => "estimate-abstract",
    };
    Ok(render(stem.to_string(), inputs, inputs_sha256)?.files)
}

/// Makes the engine run the document jobs with [`run`].
pub(crate) fn register(handlers: &mut JobHandlers) {
    for kind in [
        JobKind::GenerateBill,
        JobKind::GenerateWorkslip,
        JobKind::GenerateEstimateAbstract,
    ] {
        handlers.register(kind, |ctx, job| Box::pin(run(ctx, job)));
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
    let (stem, inputs, hash) = stored_inputs(ctx, &scope, job).await?;
    queue::report(ctx, job, 10, "Inputs loaded")
        .await
        .map_err(|e| ("inputs".to_string(), e.into()))?;

    let rendered = tokio::task::spawn_blocking(move || render(stem, inputs, hash))
        .await
        .map_err(|e| permanent("render", format!("rendering stopped: {e}")))?
        .map_err(|message| permanent("render", message))?;
    queue::report(ctx, job, 70, "PDF and XLSX rendered")
        .await
        .map_err(|e| ("render".to_string(), e.into()))?;
    if queue::heartbeat(ctx, job)
        .await
        .map_err(|e| ("store".to_string(), e.into()))?
    {
        return Err(("store".to_string(), RunFailure::Cancelled));
    }

    let store = |e: crate::Error| ("store".to_string(), RunFailure::from(e));
    for warning in &rendered.warnings {
        queue::warn(ctx, job, "deviation", warning)
            .await
            .map_err(store)?;
    }
    let mut written = Vec::with_capacity(rendered.files.len());
    for (name, bytes) in &rendered.files {
        let kind = if name.ends_with(".pdf") {
            "pdf"
        } else {
            "xlsx"
        };
        written.push(
            outputs::write(ctx, &scope, name, kind, bytes, &rendered.inputs_sha256)
                .map_err(store)?,
        );
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
    queue::complete_in(ctx, &mut tx, job, &result)
        .await
        .map_err(store)?;
    tx.commit().await.map_err(|e| store(e.into()))?;
    queue::announce_completed(ctx, job);
    Ok(())
}
