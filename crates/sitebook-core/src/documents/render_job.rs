//! The `generate_bill`, `generate_workslip` and `generate_estimate_abstract` jobs: load the
//! stored input, compute the document with the domain math, render it as PDF and XLSX, write
//! both atomically, and record them with the job's completion in one transaction.
//!
//! Rendering is CPU work, so it runs on a blocking thread, never on the async workers.

use serde::Deserialize;

use crate::documents::{first_bill_figures, nth_bill_figures, StoredInputs};
use crate::domain::bill::{first_bill, nth_bill};
use crate::domain::payments::memorandum;
use crate::domain::permissions::Action;
use crate::domain::workslip::workslip;
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::{JobHandlers, JobKind, RunFailure};
use crate::pdf::{DocumentRequest, EstimateAbstract};
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

/// The two files of one document.
struct Rendered {
    stem: String,
    pdf: Vec<u8>,
    xlsx: Vec<u8>,
    inputs_sha256: String,
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

fn render(stem: String, inputs: StoredInputs, inputs_sha256: String) -> Result<Rendered, String> {
    let failed = |e: &dyn std::fmt::Display| format!("could not render {stem}: {e}");
    let (pdf, xlsx) = match inputs {
        StoredInputs::FirstBill {
            input,
            work,
            payments,
            working_estimate,
            sub_heads,
        } => {
            let bill = first_bill(&input).map_err(|e| failed(&e))?;
            let memorandum = payments
                .map(|terms| memorandum(first_bill_figures(&bill), &terms))
                .transpose()
                .map_err(|e| failed(&e))?;
            let request = DocumentRequest::first_bill(
                bill,
                bill_header(&work, working_estimate),
                &inputs_sha256,
            )
            .with_memorandum(memorandum)
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
        } => {
            let bill = nth_bill(&input).map_err(|e| failed(&e))?;
            let memorandum = payments
                .map(|terms| memorandum(nth_bill_figures(&bill), &terms))
                .transpose()
                .map_err(|e| failed(&e))?;
            let request = DocumentRequest::nth_bill(
                bill,
                bill_header(&work, working_estimate),
                &inputs_sha256,
            )
            .with_memorandum(memorandum)
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
    Ok(Rendered {
        stem,
        pdf,
        xlsx,
        inputs_sha256,
    })
}

/// Renders stored inputs to `(file name, bytes)` for the PDF and the XLSX, named after the
/// document's title.
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
    let rendered = render(stem.to_string(), inputs, inputs_sha256)?;
    Ok(vec![
        (format!("{stem}.pdf"), rendered.pdf),
        (format!("{stem}.xlsx"), rendered.xlsx),
    ])
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
    let pdf = outputs::write(
        ctx,
        &scope,
        &format!("{}.pdf", rendered.stem),
        "pdf",
        &rendered.pdf,
        &rendered.inputs_sha256,
    )
    .map_err(store)?;
    let xlsx = outputs::write(
        ctx,
        &scope,
        &format!("{}.xlsx", rendered.stem),
        "xlsx",
        &rendered.xlsx,
        &rendered.inputs_sha256,
    )
    .map_err(store)?;
    queue::report(ctx, job, 90, "Storing results")
        .await
        .map_err(store)?;
    let mut tx = ctx.write_tx().await.map_err(store)?;
    let pdf_id = outputs::record(ctx, &mut tx, &scope, job.id, &pdf)
        .await
        .map_err(store)?;
    let xlsx_id = outputs::record(ctx, &mut tx, &scope, job.id, &xlsx)
        .await
        .map_err(store)?;
    let result = serde_json::json!({
        "outputIds": [pdf_id, xlsx_id],
        "inputsSha256": rendered.inputs_sha256,
    });
    queue::complete_in(ctx, &mut tx, job, &result)
        .await
        .map_err(store)?;
    tx.commit().await.map_err(|e| store(e.into()))?;
    queue::announce_completed(ctx, job);
    Ok(())
}
