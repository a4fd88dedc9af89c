//! The append-only audit log: one row per access attempt, sign-in event, org switch and
//! membership change.
//!
//! Rows are only ever inserted (triggers in the schema refuse UPDATE and DELETE). Reading them is
//! gated: an org's owners and admins read that org's rows through an `OrgScope`; superusers and
//! oversight read every row through an `AllOrgsAudit` grant.

use serde::Serialize;
use sqlx::FromRow;
use ts_rs::TS;

use crate::error::Result;
use crate::tenancy::gate::{AllOrgsAudit, OrgScope};
use crate::tenancy::session::Principal;
use crate::Ctx;

/// How an audited event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The gate let an action through.
    Allowed,
    /// The gate, or a rule, refused it.
    Denied,
    /// An event that is not a gate decision (a sign-in, a change) succeeded.
    Success,
    /// Such an event failed.
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One audit row being built. Write it with [`AuditEvent::write`].
#[derive(Debug, Clone)]
pub struct AuditEvent {
    action: String,
    outcome: Outcome,
    user_id: Option<i64>,
    username: Option<String>,
    org_id: Option<i64>,
    org_code: Option<String>,
    object_type: Option<String>,
    object_id: Option<String>,
    reason: Option<String>,
}

impl AuditEvent {
    pub fn new(action: impl Into<String>, outcome: Outcome) -> Self {
        Self {
            action: action.into(),
            outcome,
            user_id: None,
            username: None,
            org_id: None,
            org_code: None,
            object_type: None,
            object_id: None,
            reason: None,
        }
    }

    pub fn by(mut self, user: &Principal) -> Self {
        self.user_id = Some(user.id);
        self.username = Some(user.username.clone());
        self
    }

    /// For events about a name that may match no account (a failed sign-in).
    pub fn by_name(mut self, user_id: Option<i64>, username: &str) -> Self {
        self.user_id = user_id;
        self.username = Some(username.to_string());
        self
    }

    pub fn in_org(mut self, org_id: i64, org_code: &str) -> Self {
        self.org_id = Some(org_id);
        self.org_code = Some(org_code.to_string());
        self
    }

    pub fn in_scope(self, scope: &OrgScope) -> Self {
        self.in_org(scope.org_id(), scope.org_code())
    }

    pub fn object(mut self, object_type: &str, object_id: impl ToString) -> Self {
        self.object_type = Some(object_type.to_string());
        self.object_id = Some(object_id.to_string());
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub(crate) async fn write(self, ctx: &Ctx) -> Result<()> {
        self.write_with(ctx, &ctx.db).await
    }

    /// Writes inside a caller's transaction, so that a change and its audit row commit together.
    pub(crate) async fn write_with<'e, E>(self, ctx: &Ctx, executor: E) -> Result<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
    {
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, username, org_id, org_code, action, object_type, \
             object_id, outcome, reason, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(ctx.now_text())
        .bind(self.user_id)
        .bind(self.username)
        .bind(self.org_id)
        .bind(self.org_code)
        .bind(self.action)
        .bind(self.object_type)
        .bind(self.object_id)
        .bind(self.outcome.as_str())
        .bind(self.reason)
        .bind(&ctx.device)
        .execute(executor)
        .await?;
        Ok(())
    }
}

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
    "id, at, username, org_code, action, object_type, object_id, outcome, reason, device";

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
