//! Reading the audit log, always through a proof from the gate: an org's owners and admins read
//! that org's rows through an `OrgScope`; superusers and oversight read every row through an
//! `AllOrgsAudit` grant.

use serde::Serialize;
use sqlx::FromRow;
use ts_rs::TS;

use crate::context::Base;
use crate::error::Result;
use crate::tenancy::gate::{AllOrgsAudit, OrgScope};

/// One audit row as people read it.
#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditEntry {
    /// The row's id; ids grow with time, and the hash chain links them in order.
    #[ts(type = "number")]
    pub id: i64,
    /// When the event happened: RFC 3339 UTC text.
    pub at: String,
    /// The username of the person who acted, or the name a failed sign-in gave; `None` if none.
    pub username: Option<String>,
    /// The code of the organization the event happened in; `None` outside any organization.
    pub org_code: Option<String>,
    /// What was attempted: a permission's audit name (`estimates.view`) or an event (`sign_in`).
    pub action: String,
    /// What kind of thing was acted on (`organization`, `user`, `output`), when one was named.
    pub object_type: Option<String>,
    /// Which one, by its id or code.
    pub object_id: Option<String>,
    /// How it ended: allowed or denied by the gate, or an event's success or failure.
    #[ts(type = "\"allowed\" | \"denied\" | \"success\" | \"failure\"")]
    pub outcome: String,
    /// Why, in words: the refusal, or what was changed.
    pub reason: Option<String>,
    /// The name of the computer the event happened on (its host name unless set otherwise).
    pub device: String,
    /// How many identical reads this row stands for (1, or more when a person's same read was
    /// repeated within a minute).
    #[ts(type = "number")]
    pub repeats: i64,
}

/// Which audit rows to list.
#[derive(Debug, Clone, Copy)]
pub struct AuditFilter {
    /// List only refusals and failures.
    pub denied_only: bool,
    /// The most rows to return, newest first.
    pub limit: u32,
}

impl Default for AuditFilter {
    fn default() -> Self {
        Self {
            denied_only: false,
            limit: 50,
        }
    }
}

const ENTRY_COLUMNS: &str =
    "id, at, username, org_code, action, object_type, object_id, outcome, reason, device, \
     COALESCE((SELECT repeats FROM audit_repeats WHERE audit_id = audit_log.id), 1) AS repeats";

/// The newest rows of the scope's organization.
pub async fn list_for_org(
    ctx: &Base,
    scope: &OrgScope,
    filter: AuditFilter,
) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query_as::<_, AuditEntry>(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE org_id = ? \
         AND (? = 0 OR outcome IN ('denied', 'failure')) ORDER BY id DESC LIMIT ?"
    ))
    .bind(scope.org_id())
    .bind(filter.denied_only)
    .bind(filter.limit)
    .fetch_all(&ctx.db)
    .await?;
    Ok(rows)
}

// Kept apart from `list_for_org`: that one binds its scope's org, this one takes the all-orgs
// grant and binds none, so the gate's types decide which of the two a caller can reach.
/// The newest rows of every organization, and those with no organization.
pub async fn list_all(
    ctx: &Base,
    _grant: &AllOrgsAudit,
    filter: AuditFilter,
) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query_as::<_, AuditEntry>(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log \
         WHERE (? = 0 OR outcome IN ('denied', 'failure')) ORDER BY id DESC LIMIT ?"
    ))
    .bind(filter.denied_only)
    .bind(filter.limit)
    .fetch_all(&ctx.db)
    .await?;
    Ok(rows)
}

/// One row of the scope's organization; a row of another org is reported exactly as missing.
pub async fn get_in_org(ctx: &Base, scope: &OrgScope, id: i64) -> Result<AuditEntry> {
    let row = sqlx::query_as::<_, AuditEntry>(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE id = ? AND org_id = ?"
    ))
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    scope
        .found(ctx, row, ("audit entry", id, "audit_log"))
        .await
}

/// One row of any organization.
pub async fn get_any(ctx: &Base, _grant: &AllOrgsAudit, id: i64) -> Result<AuditEntry> {
    sqlx::query_as::<_, AuditEntry>(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&ctx.db)
    .await?
    .ok_or_else(|| crate::error::Error::NotFound(format!("Audit entry {id} was not found.")))
}
