//! Reading the audit log, always through a proof from the gate: an org's owners and admins read
//! that org's rows through an `OrgScope`; superusers and oversight read every row through an
//! `AllOrgsAudit` grant.

use serde::Serialize;
use sqlx::FromRow;
use ts_rs::TS;

use crate::error::Result;
use crate::tenancy::gate::{AllOrgsAudit, OrgScope};
use crate::Ctx;

/// One audit row as people read it.
#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub at: String,
    pub username: Option<String>,
    pub org_code: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    #[ts(type = "\"allowed\" | \"denied\" | \"success\" | \"failure\"")]
    pub outcome: String,
    pub reason: Option<String>,
    pub device: String,
    /// How many identical reads this row stands for (1, or more when a person's same read was
    /// repeated within a minute).
    #[ts(type = "number")]
    pub repeats: i64,
}

/// Which audit rows to list.
#[derive(Debug, Clone, Copy)]
pub struct AuditFilter {
    pub denied_only: bool,
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
    ctx: &Ctx,
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

/// The newest rows of every organization, and those with no organization.
pub async fn list_all(
    ctx: &Ctx,
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
pub async fn get_in_org(ctx: &Ctx, scope: &OrgScope, id: i64) -> Result<AuditEntry> {
    let row = sqlx::query_as::<_, AuditEntry>(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE id = ? AND org_id = ?"
    ))
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    match row {
        Some(row) => Ok(row),
        None => Err(scope.not_found(ctx, "audit entry", id, "audit_log").await),
    }
}

/// One row of any organization.
pub async fn get_any(ctx: &Ctx, _grant: &AllOrgsAudit, id: i64) -> Result<AuditEntry> {
    sqlx::query_as::<_, AuditEntry>(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&ctx.db)
    .await?
    .ok_or_else(|| crate::Error::NotFound(format!("Audit entry {id} was not found.")))
}
