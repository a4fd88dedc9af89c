//! The audit log's anchor: the last verified head of its hash chain, kept in a small file of
//! the data dir, outside the database it vouches for. It is written only after the whole chain
//! up to it has been verified ([`verify_and_anchor`]), so a log rewritten later, however
//! consistently, no longer matches it. The chain itself is `tenancy::audit_chain`'s.

use std::path::{Path, PathBuf};

use crate::context::Base;
use crate::error::{Error, Result};
use crate::store::files;
use crate::tenancy::audit_chain::{self, AuditAnchor, AuditVerification};

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

/// Verifies the chain and, when it is intact, anchors its head in the data dir. Returns the
/// verification, and the new anchor when one was written.
pub async fn verify_and_anchor(ctx: &Base) -> Result<(AuditVerification, Option<AuditAnchor>)> {
    let report = audit_chain::verify(ctx, read(&ctx.data_dir)?).await?;
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
    let hash = audit_chain::hash_of(ctx, head_id).await?;
    let anchor = AuditAnchor {
        id: head_id,
        hash,
        at: ctx.now_text(),
    };
    if report.anchor.as_ref().map(|a| a.id) != Some(head_id) {
        let bytes = serde_json::to_vec_pretty(&anchor)
            .map_err(|e| Error::Internal(format!("Could not encode the audit anchor: {e}")))?;
        files::write_atomic(&anchor_path(&ctx.data_dir), &bytes)?;
        return Ok((report, Some(anchor)));
    }
    Ok((report, None))
}
