//! Withdrawing the latest bill or work slip of a chain: the one way a wrong document is
//! corrected. Issued documents are otherwise immutable, so only the last of a chain can go,
//! with a reason; its record moves to `withdrawn_documents` (so the number can be made again
//! from the one before), its files stay on disk marked withdrawn, and the audit log records
//! who withdrew what and why, in the same transaction. A withdrawn document's files leave the
//! data folder (exported, or opened in the system viewer) only as copies marked withdrawn: the
//! PDF stamped on every page, the workbook behind a notice sheet.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::clock::from_db_time;
use crate::error::{Error, Result};
use crate::jobs::{queue, Ctx};
use crate::pdf::stamp_withdrawn;
use crate::render::{RenderError, WithdrawnNotice};
use crate::store::documents::{self as stored, DocumentTable};
use crate::store::files::{viewer_copies_dir, write_atomic};
use crate::store::outputs::{self, IfExists};
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::gate::{OrgScope, WriteScope};
use crate::xlsx::stamp_withdrawn_workbook;

/// Which chain a withdrawal is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChainDocument {
    /// The chain of bills of an estimate.
    Bill,
    /// The chain of work slips (phases) of an estimate.
    Workslip,
}

impl ChainDocument {
    fn table(self) -> DocumentTable {
        match self {
            ChainDocument::Bill => DocumentTable::Bills,
            ChainDocument::Workslip => DocumentTable::Workslips,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ChainDocument::Bill => "bill",
            ChainDocument::Workslip => "work slip",
        }
    }
}

/// What a withdrawal did.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Withdrawn {
    /// `bill` or `work slip`.
    pub document: String,
    /// The number of the document withdrawn: the bill's number, or the work slip's phase.
    pub number: u32,
    /// Why it was withdrawn (one line, 3 to 500 characters); the audit log keeps it too.
    pub reason: String,
    /// How many of its files are now marked withdrawn.
    #[ts(type = "number")]
    pub files_marked: i64,
}

/// The withdrawn documents of one chain of an estimate of the scope's org, oldest first.
pub async fn withdrawn_list(
    ctx: &Ctx,
    scope: &OrgScope,
    document: ChainDocument,
    estimate_id: i64,
) -> Result<Vec<stored::WithdrawnView>> {
    stored::withdrawn(ctx, scope, document.table(), estimate_id).await
}

/// Withdraws `number`, which must be the latest bill (or work slip) of the estimate.
pub async fn withdraw_latest(
    ctx: &Ctx,
    scope: &WriteScope,
    estimate_id: i64,
    document: ChainDocument,
    number: u32,
    reason: &str,
) -> Result<Withdrawn> {
    let name = document.name();
    let reason = reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        return Err(Error::Validation(format!(
            "Say why {name} {number} is withdrawn, in 3 to 500 characters; the reason is kept \
             in the audit log."
        )));
    }
    if reason.chars().any(char::is_control) {
        return Err(Error::Validation(
            "The reason must be one line of text, without control characters.".into(),
        ));
    }
    let table = document.table();

    let mut tx = ctx.write_tx().await?;
    let latest = match stored::chain_head(&mut tx, scope, table, estimate_id).await? {
        // Numbers start at 1: bill 0 is no bill, not one of the chain before the latest.
        Some(latest) if number >= 1 && i64::from(number) <= latest.number => latest,
        latest => {
            // Withdrawn already, it is said so: "no bill 1" reads as if it never existed.
            let withdrawn =
                stored::last_withdrawal(&mut tx, scope, table, (estimate_id, number)).await?;
            drop(tx);
            super::ensure_estimate(ctx, scope, estimate_id).await?;
            let before = withdrawn.map_or(String::new(), |(at, why)| {
                format!(
                    " ({name} {number} was withdrawn at {at}: {})",
                    crate::error::excerpt(&why)
                )
            });
            let latest = latest.map_or(String::new(), |latest| {
                format!("; its latest is {name} {}", latest.number)
            });
            return Err(Error::NotFound(format!(
                "Estimate {estimate_id} has no {name} {number} to withdraw{before}{latest}."
            )));
        }
    };
    if latest.number != i64::from(number) {
        return Err(Error::Precondition(format!(
            "Only the latest {name} of estimate {estimate_id} ({name} {}) can be withdrawn; \
             {name} {number} is part of the chain it continues.",
            latest.number
        )));
    }
    if let Some(job_id) = latest.job_id {
        if queue::unfinished(&mut *tx, scope, job_id).await? {
            return Err(Error::Precondition(files_being_made_refusal(
                name,
                i64::from(number),
                job_id,
            )));
        }
    }
    if document == ChainDocument::Workslip {
        // Bills that follow this work slip's working estimate (their stored input names it)
        // would lose the caps their successors continue from.
        if let Some(bill) =
            stored::first_bill_following(&mut tx, scope, estimate_id, number).await?
        {
            return Err(Error::Precondition(followed_workslip_refusal(
                estimate_id,
                i64::from(number),
                bill,
            )));
        }
    }

    stored::move_to_withdrawn(ctx, &mut tx, scope, table, latest.id, reason).await?;
    let files_marked = match latest.job_id {
        Some(job_id) => outputs::mark_withdrawn(&mut tx, scope, job_id).await?,
        None => 0,
    };
    AuditEvent::new("document.withdraw", Outcome::Success)
        .by_name(Some(scope.user_id()), scope.username())
        .in_scope(scope)
        .object(
            table.document_name(),
            format!("estimate {estimate_id} {name} {number}"),
        )
        .reason(reason)
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    Ok(Withdrawn {
        document: name.to_owned(),
        number,
        reason: reason.to_owned(),
        files_marked,
    })
}

/// Why a document (named as `bill` or `work slip`) cannot be withdrawn while the job making its
/// files has not ended. The estimate's lists say it before anyone types a reason.
pub(crate) fn files_being_made_refusal(name: &str, number: i64, job_id: i64) -> String {
    format!(
        "The files of {name} {number} are still being made by job {job_id}; withdraw it once \
         that job has ended."
    )
}

/// Why work slip `phase` cannot be withdrawn while bill `bill` follows its working estimate.
/// The estimate's list of work slips says it before anyone types a reason.
pub(crate) fn followed_workslip_refusal(estimate_id: i64, phase: i64, bill: i64) -> String {
    format!(
        "Bill {bill} of estimate {estimate_id} was made after work slip {phase} and follows its \
         working estimate; withdraw the bills after it first."
    )
}

/// Copies output `id` out to `destination`, as [`outputs::export`] does, except that a file of
/// a withdrawn bill or work slip leaves marked as withdrawn (the stored file stays as it was
/// made).
pub async fn export_output(
    ctx: &Ctx,
    scope: &OrgScope,
    id: i64,
    destination: &Path,
    if_exists: IfExists,
) -> Result<PathBuf> {
    match stamped_copy(ctx, scope, id).await? {
        Some((filename, bytes)) => {
            outputs::export_copy(ctx, scope, id, &filename, &bytes, destination, if_exists).await
        }
        None => outputs::export(ctx, scope, id, destination, if_exists).await,
    }
}

/// Where the system viewer opens output `id` from: its file in the data folder, or for a
/// withdrawn document's file, a marked copy in the data folder's `withdrawn-copies/` (made
/// again on each Open, so it always says what the record now says; the daily cleanup removes
/// copies a day old).
pub async fn viewer_path(ctx: &Ctx, scope: &OrgScope, id: i64) -> Result<PathBuf> {
    let Some((filename, bytes)) = stamped_copy(ctx, scope, id).await? else {
        return Ok(outputs::locate_intact(ctx, scope, id).await?.1);
    };
    let copy = viewer_copies_dir(&ctx.data_dir).join(format!("output-{id}-{filename}"));
    let target = copy.clone();
    tokio::task::spawn_blocking(move || write_atomic(&target, &bytes))
        .await
        .map_err(|e| Error::Internal(format!("writing a withdrawn copy stopped: {e}")))??;
    Ok(copy)
}

/// Output `id` marked as withdrawn, with its file name, when it is a file of a withdrawn bill
/// or work slip (a PDF stamped on every page, a workbook behind a notice sheet); `None` for
/// every other output, which leaves as it was made.
async fn stamped_copy(ctx: &Ctx, scope: &OrgScope, id: i64) -> Result<Option<(String, Vec<u8>)>> {
    let Some((job_id, kind)) = outputs::withdrawn_output(ctx, scope, id).await? else {
        return Ok(None);
    };
    let stamp: fn(&[u8], &WithdrawnNotice) -> std::result::Result<Vec<u8>, RenderError> =
        match kind.as_str() {
            "pdf" => stamp_withdrawn,
            "xlsx" => stamp_withdrawn_workbook,
            _ => return Ok(None),
        };
    let Some(withdrawal) = stored::withdrawal_of_job(ctx, scope, job_id).await? else {
        return Ok(None);
    };
    let (filename, bytes) = outputs::read_intact(ctx, scope, id).await?;
    let name = if withdrawal.document == "bill" {
        "Bill"
    } else {
        "Work slip"
    };
    let notice = WithdrawnNotice {
        document: format!(
            "{name} {} of estimate {}",
            withdrawal.number, withdrawal.estimate_id
        ),
        withdrawn_on: from_db_time(&withdrawal.withdrawn_at)
            .map_or(withdrawal.withdrawn_at, |at| {
                at.format("%d-%m-%Y %H:%M UTC").to_string()
            }),
        withdrawn_by: withdrawal.withdrawn_by,
        reason: withdrawal.reason,
    };
    let stamped = tokio::task::spawn_blocking(move || stamp(&bytes, &notice))
        .await
        .map_err(|e| Error::Internal(format!("stamping a withdrawn copy stopped: {e}")))?
        .map_err(|e| {
            Error::Internal(format!(
                "Output {id} ({filename}) could not be stamped as withdrawn, so no copy was \
                 made: {e}"
            ))
        })?;
    Ok(Some((filename, stamped)))
}
