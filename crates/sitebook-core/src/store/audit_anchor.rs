//! The audit log's anchor: the last verified head of its hash chain, kept in a small file of
//! the data dir, outside the database it vouches for. It is written only after the whole chain
//! up to it has been verified ([`verify_and_anchor`]), so a log rewritten later, however
//! consistently, no longer matches it. The chain itself is `tenancy::audit_chain`'s.

use std::path::{Path, PathBuf};

use crate::context::Base;
use crate::error::{Error, Result};
use crate::store::files;
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::audit_chain::{self, AuditAnchor, AuditBreak, AuditVerification};
use crate::tenancy::gate::GlobalGrant;
use crate::tenancy::identity::Principal;

/// The file in the data dir that holds the last verified head.
pub const ANCHOR_FILE: &str = "audit-anchor.json";

fn anchor_path(data_dir: &Path) -> PathBuf {
    data_dir.join(ANCHOR_FILE)
}

/// The anchor file, if one was written. A file that cannot be read as an anchor is itself a
/// sign of tampering, so it is an error, not "no anchor".
pub(crate) fn read(data_dir: &Path) -> Result<Option<AuditAnchor>> {
    let path = anchor_path(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::Validation(format!(
                "The audit anchor {} is not readable ({e}); it may have been altered.",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("Could not read {}", path.display()), e)),
    }
}

/// The entry and time of the last anchor written, as the database remembers them.
async fn last_mark(ctx: &Base) -> Result<Option<(i64, String)>> {
    Ok(
        sqlx::query_as("SELECT anchored_id, at FROM audit_anchor_mark WHERE id = 1")
            .fetch_optional(&ctx.db)
            .await?,
    )
}

/// Verifies the chain and, when it is intact, anchors its head in the data dir. Returns the
/// verification, and the new anchor when one was written.
///
/// An anchor file that cannot be read, or that is missing although the database marks one as
/// written, is a break like any other: anchoring afresh then would bless a log rewritten
/// together with the file's removal.
pub async fn verify_and_anchor(ctx: &Base) -> Result<(AuditVerification, Option<AuditAnchor>)> {
    let (anchor, anchor_problem) = match read(&ctx.data_dir) {
        Ok(anchor) => (anchor, None),
        Err(Error::Validation(problem)) => (None, Some((0, problem))),
        Err(other) => return Err(other),
    };
    let mut report = audit_chain::verify(ctx, anchor.clone()).await?;
    let anchor_problem = match (anchor_problem, &anchor) {
        (Some(problem), _) => Some(problem),
        (None, None) => last_mark(ctx).await?.map(|(id, at)| {
            (
                id,
                format!(
                    "The anchor file {ANCHOR_FILE} is missing, though the anchor of entry {id} \
                     was written at {at}: the log cannot be checked against it and may have been \
                     rewritten. Restore the file from a backup or from the sync bucket; if it is \
                     lost for good, a superuser can accept the log as it stands (Audit pane, or \
                     `sitebook audit re-anchor --reason …`), which the log keeps."
                ),
            )
        }),
        (None, Some(_)) => None,
    };
    if let (Some((id, reason)), true) = (anchor_problem, report.is_intact()) {
        report.broken = Some(AuditBreak { id, reason });
    }
    if !report.is_intact() {
        tracing::error!(
            at = report.broken.as_ref().map(|b| b.id),
            reason = report.broken.as_ref().map(|b| b.reason.as_str()),
            "the audit log's hash chain is broken"
        );
        return Ok((report, None));
    }
    let Some(head_id) = report.head_id.filter(|_| report.verified > 0) else {
        return Ok((report, None));
    };
    if report.anchor.as_ref().map(|a| a.id) != Some(head_id) {
        return Ok((report, Some(write_anchor(ctx, head_id).await?)));
    }
    Ok((report, None))
}

/// Anchors entry `head_id` (verified by the caller): the file first, then the database's mark
/// of it.
async fn write_anchor(ctx: &Base, head_id: i64) -> Result<AuditAnchor> {
    let anchor = AuditAnchor {
        id: head_id,
        hash: audit_chain::hash_of(ctx, head_id).await?,
        at: ctx.now_text(),
    };
    let bytes = serde_json::to_vec_pretty(&anchor)
        .map_err(|e| Error::Internal(format!("Could not encode the audit anchor: {e}")))?;
    files::write_atomic(&anchor_path(&ctx.data_dir), &bytes)?;
    let mut tx = ctx.write_tx().await?;
    sqlx::query(
        "INSERT INTO audit_anchor_mark (id, anchored_id, at) VALUES (1, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET anchored_id = excluded.anchored_id, at = excluded.at",
    )
    .bind(anchor.id)
    .bind(&anchor.at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(anchor)
}

/// Accepts the log as it stands as its new anchor, for a data dir whose anchor file was lost
/// or damaged (a disk restored without it, and no sync bucket to fetch it from): without this,
/// `audit verify` would report the break for ever.
///
/// It vouches for the log, it does not mend it: the log's own chain must hold from its first
/// entry, or nothing is written. The re-anchoring is an entry of the log itself, with the
/// superuser's reason and what it replaced, so that it stays visible to every later reader.
pub async fn reanchor(
    ctx: &Base,
    grant: &GlobalGrant,
    actor: &Principal,
    reason: &str,
) -> Result<AuditAnchor> {
    let _ = grant;
    let reason = reason.trim();
    let length = reason.chars().count();
    if !(10..=500).contains(&length) || reason.chars().any(char::is_control) {
        return Err(Error::Validation(
            "Say on one line, in 10 to 500 characters, why the audit log is accepted as it \
             stands (for example: the disk was restored from a backup without the anchor). It \
             is kept in the log."
                .into(),
        ));
    }
    let own = audit_chain::verify(ctx, None).await?;
    if let Some(broken) = own.broken {
        return Err(Error::Precondition(format!(
            "The log's own chain is broken at entry {} ({}); a new anchor would hide that, so \
             none was written.",
            broken.id, broken.reason
        )));
    }
    let replaced = match read(&ctx.data_dir) {
        Ok(Some(anchor)) => format!("the anchor of entry {} written at {}", anchor.id, anchor.at),
        Err(Error::Validation(_)) => "an unreadable anchor file".to_string(),
        Err(other) => return Err(other),
        Ok(None) => match last_mark(ctx).await? {
            Some((id, at)) => format!("a missing anchor file (of entry {id}, written at {at})"),
            None => "no anchor".to_string(),
        },
    };
    AuditEvent::new("audit.reanchor", Outcome::Success)
        .by(actor)
        .reason(format!("{reason} (replacing {replaced})"))
        .write(ctx)
        .await?;
    let with_it = audit_chain::verify(ctx, None).await?;
    let Some(head_id) = with_it.head_id.filter(|_| with_it.is_intact()) else {
        return Err(Error::Internal(
            "The audit log changed while it was anchored afresh; try again.".into(),
        ));
    };
    write_anchor(ctx, head_id).await
}
