//! Stored bills and work slips: the rows of `bills`, `bill_quantities`, `workslips`, `works`
//! and `withdrawn_documents`, and nothing else writes them.
//!
//! Each document row keeps its exact domain input as JSON with the input's sha256; this module
//! reads and writes that text and leaves its meaning (and the chain's rules) to `documents/`.
//! Reads take a scope and filter by its org, so another org's row reads as absent; every write
//! takes a [`WriteScope`].

use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{FromRow, Sqlite, Transaction};
use ts_rs::TS;

use crate::context::Base;
use crate::domain::bill::ItemQuantity;
use crate::error::{Error, Result};
use crate::tenancy::gate::{OrgScope, WriteScope};

/// A bill of the chain, as `bill list` shows it.
#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BillView {
    /// The bill's row id.
    #[ts(type = "number")]
    pub id: i64,
    /// The estimate the bill belongs to.
    #[ts(type = "number")]
    pub estimate_id: i64,
    /// The bill's number in the estimate's chain, from 1.
    #[ts(type = "number")]
    pub number: i64,
    /// Whether this is the final bill, which closes the chain.
    pub is_final: bool,
    /// The job that renders its PDF and XLSX, once queued.
    #[ts(type = "number | null")]
    pub job_id: Option<i64>,
    /// The sha256 of the stored input, printed in the documents.
    pub inputs_sha256: String,
    /// When the bill was recorded (UTC, database time text).
    pub created_at: String,
    /// Why the bill cannot be withdrawn now, in the words a withdrawal would be refused with;
    /// `None` when nothing but being the latest stands in the way. Filled by the documents
    /// layer, which owns the rule.
    #[sqlx(skip)]
    pub withdrawal_refused: Option<String>,
    /// What the bill pays for: its gross (the value of work in this bill), to the paisa, as
    /// decimal text. Filled by the documents layer from the stored input.
    #[sqlx(skip)]
    #[ts(type = "string | null")]
    pub gross: Option<Decimal>,
    /// The net payable by cheque, after its memorandum's additions and deductions; `None` for a
    /// bill made before bills carried their deductions.
    #[sqlx(skip)]
    #[ts(type = "string | null")]
    pub net_payable: Option<Decimal>,
}

/// A work slip of the chain, as the estimate view lists it.
#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkslipView {
    /// The work slip's row id.
    #[ts(type = "number")]
    pub id: i64,
    /// The estimate the work slip belongs to.
    #[ts(type = "number")]
    pub estimate_id: i64,
    /// The phase, from 1: work slip N of the estimate.
    #[ts(type = "number")]
    pub phase: i64,
    /// The job that renders its PDF and XLSX, once queued.
    #[ts(type = "number | null")]
    pub job_id: Option<i64>,
    /// The sha256 of the stored input, printed in the documents.
    pub inputs_sha256: String,
    /// When the work slip was recorded (UTC, database time text).
    pub created_at: String,
    /// The first bill made on this work slip's working estimate, if any: while it stands, the
    /// work slip cannot be withdrawn.
    #[ts(type = "number | null")]
    pub followed_by_bill: Option<i64>,
    /// Why the work slip cannot be withdrawn now, in the words a withdrawal would be refused
    /// with; `None` when nothing but being the latest stands in the way. Filled by the documents
    /// layer, which owns the rule.
    #[sqlx(skip)]
    pub withdrawal_refused: Option<String>,
}

/// A bill or work slip taken out of its chain, as `bill list --withdrawn` shows it: its number
/// may since have been made again.
#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WithdrawnView {
    /// Its number in the estimate's chain (a work slip's phase).
    #[ts(type = "number")]
    pub number: i64,
    /// The job that rendered its files, which are kept, marked withdrawn.
    #[ts(type = "number | null")]
    pub job_id: Option<i64>,
    /// When it was made (UTC, database time text).
    pub created_at: String,
    /// When it was withdrawn (UTC, database time text).
    pub withdrawn_at: String,
    /// Who withdrew it.
    pub withdrawn_by: String,
    /// Why, as given when it was withdrawn.
    pub reason: String,
}

/// The two document tables, for the queries that differ only by table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentTable {
    /// `bills`, numbered by `number`.
    Bills,
    /// `workslips`, numbered by `phase`.
    Workslips,
}

impl DocumentTable {
    fn name(self) -> &'static str {
        match self {
            DocumentTable::Bills => "bills",
            DocumentTable::Workslips => "workslips",
        }
    }

    fn number_column(self) -> &'static str {
        match self {
            DocumentTable::Bills => "number",
            DocumentTable::Workslips => "phase",
        }
    }

    /// How `withdrawn_documents` and the audit log name the table's rows.
    pub(crate) fn document_name(self) -> &'static str {
        match self {
            DocumentTable::Bills => "bill",
            DocumentTable::Workslips => "workslip",
        }
    }
}

/// The saved work data of an estimate of the scope's org, as stored JSON.
pub(crate) async fn work_json(
    ctx: &Base,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT data_json FROM works WHERE estimate_id = ? AND org_id = ?")
            .bind(estimate_id)
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?,
    )
}

/// Saves (or replaces) an estimate's work data, already checked and encoded.
pub(crate) async fn save_work_json(
    ctx: &Base,
    scope: &WriteScope,
    estimate_id: i64,
    json: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO works (estimate_id, org_id, data_json, updated_at, updated_by) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (estimate_id) DO UPDATE SET \
         data_json = excluded.data_json, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(estimate_id)
    .bind(scope.org_id())
    .bind(json)
    .bind(ctx.now_text())
    .bind(scope.user_id())
    .execute(&ctx.db)
    .await?;
    Ok(())
}

/// The bills of an estimate of the scope's org, in number order.
pub(crate) async fn bills(ctx: &Base, scope: &OrgScope, estimate_id: i64) -> Result<Vec<BillView>> {
    Ok(sqlx::query_as::<_, BillView>(
        "SELECT id, estimate_id, number, is_final, job_id, inputs_sha256, created_at FROM bills \
         WHERE estimate_id = ? AND org_id = ? ORDER BY number",
    )
    .bind(estimate_id)
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?)
}

// Alike in shape to `bills` above, over another table, view and order: one query each reads
// plainer than SQL assembled from table names.
/// The work slips of an estimate of the scope's org, in phase order.
pub(crate) async fn workslips(
    ctx: &Base,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<Vec<WorkslipView>> {
    Ok(sqlx::query_as::<_, WorkslipView>(&format!(
        "SELECT w.id, w.estimate_id, w.phase, w.job_id, w.inputs_sha256, w.created_at, ({}) \
         AS followed_by_bill FROM workslips w WHERE w.estimate_id = ? AND w.org_id = ? \
         ORDER BY w.phase",
        first_bill_following_sql("w.estimate_id", "w.org_id", "w.phase")
    ))
    .bind(estimate_id)
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?)
}

/// The till-date quantities stored with one of the scope's bills (none for another org's id).
pub(crate) async fn till_date_of(
    ctx: &Base,
    scope: &OrgScope,
    bill_id: i64,
) -> Result<Vec<ItemQuantity>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT q.sl_no, q.till_date_qty FROM bill_quantities q JOIN bills b ON b.id = q.bill_id \
         WHERE q.bill_id = ? AND b.org_id = ?",
    )
    .bind(bill_id)
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?;
    rows.into_iter()
        .map(|(sl_no, qty)| {
            qty.parse::<Decimal>()
                .map(|qty| ItemQuantity::new(sl_no, qty))
                .map_err(|e| Error::Internal(format!("a stored quantity is damaged: {e}")))
        })
        .collect()
}

/// A bill as listed, with the input its figures come from.
#[derive(FromRow)]
struct BillWithInputs {
    #[sqlx(flatten)]
    view: BillView,
    inputs_json: String,
}

/// The bills of an estimate of the scope's org in number order, each with its stored input,
/// read together so that each figure is paired with its own bill.
pub(crate) async fn bills_with_inputs(
    ctx: &Base,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<Vec<(BillView, String)>> {
    let rows = sqlx::query_as::<_, BillWithInputs>(
        "SELECT id, estimate_id, number, is_final, job_id, inputs_sha256, created_at, \
         inputs_json FROM bills WHERE estimate_id = ? AND org_id = ? ORDER BY number",
    )
    .bind(estimate_id)
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.view, row.inputs_json))
        .collect())
}

/// The stored input of an estimate's latest bill, if it has one.
pub(crate) async fn latest_bill_inputs(
    ctx: &Base,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT inputs_json FROM bills WHERE estimate_id = ? AND org_id = ? \
         ORDER BY number DESC LIMIT 1",
    )
    .bind(estimate_id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?)
}

/// The stored inputs of an estimate's work slips, in phase order.
pub(crate) async fn workslip_inputs(
    ctx: &Base,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT inputs_json FROM workslips WHERE estimate_id = ? AND org_id = ? ORDER BY phase",
    )
    .bind(estimate_id)
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?)
}

/// One stored bill or work slip as its render job reads it.
pub(crate) struct StoredDocument {
    /// The estimate it belongs to.
    pub estimate_id: i64,
    /// The bill number or work-slip phase.
    pub number: i64,
    /// The exact domain input, as stored.
    pub inputs_json: String,
    /// The sha256 of `inputs_json`.
    pub inputs_sha256: String,
    /// When it was recorded (database time text).
    pub created_at: String,
}

/// One of the scope's bills or work slips by id, for rendering; none if it was withdrawn or is
/// another org's.
pub(crate) async fn stored(
    ctx: &Base,
    scope: &OrgScope,
    table: DocumentTable,
    id: i64,
) -> Result<Option<StoredDocument>> {
    let row: Option<(i64, i64, String, String, String)> = sqlx::query_as(&format!(
        "SELECT estimate_id, {number}, inputs_json, inputs_sha256, created_at FROM {table} \
         WHERE id = ? AND org_id = ?",
        number = table.number_column(),
        table = table.name(),
    ))
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    Ok(row.map(
        |(estimate_id, number, inputs_json, inputs_sha256, created_at)| StoredDocument {
            estimate_id,
            number,
            inputs_json,
            inputs_sha256,
            created_at,
        },
    ))
}

/// A bill or work slip about to be recorded: its estimate, number (or phase) and encoded input.
pub(crate) struct NewDocument<'a> {
    /// The estimate it belongs to.
    pub estimate_id: i64,
    /// The bill number or work-slip phase the chain gives it.
    pub number: u32,
    /// The exact domain input as JSON.
    pub inputs_json: &'a str,
    /// The sha256 of `inputs_json`.
    pub inputs_sha256: &'a str,
}

/// Inserts a bill and its full till-date column inside the caller's transaction. A bill of the
/// same number recorded a moment earlier by someone else is refused with `on_taken`'s sentence.
pub(crate) async fn insert_bill(
    ctx: &Base,
    tx: &mut Transaction<'static, Sqlite>,
    scope: &WriteScope,
    bill: NewDocument<'_>,
    is_final: bool,
    till_date: &[ItemQuantity],
    on_taken: impl FnOnce() -> String,
) -> Result<i64> {
    let bill_id: i64 = sqlx::query_scalar(
        "INSERT INTO bills (org_id, estimate_id, number, is_final, inputs_json, inputs_sha256, \
         created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(scope.org_id())
    .bind(bill.estimate_id)
    .bind(bill.number)
    .bind(is_final)
    .bind(bill.inputs_json)
    .bind(bill.inputs_sha256)
    .bind(ctx.now_text())
    .bind(scope.user_id())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| Error::from(e).on_unique(on_taken))?;
    for quantity in till_date {
        sqlx::query("INSERT INTO bill_quantities (bill_id, sl_no, till_date_qty) VALUES (?, ?, ?)")
            .bind(bill_id)
            .bind(&quantity.sl_no)
            .bind(quantity.quantity.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(bill_id)
}

/// Inserts a work slip inside the caller's transaction; a phase recorded a moment earlier by
/// someone else is refused with `on_taken`'s sentence.
pub(crate) async fn insert_workslip(
    ctx: &Base,
    tx: &mut Transaction<'static, Sqlite>,
    scope: &WriteScope,
    slip: NewDocument<'_>,
    on_taken: impl FnOnce() -> String,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO workslips (org_id, estimate_id, phase, inputs_json, inputs_sha256, \
         created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(scope.org_id())
    .bind(slip.estimate_id)
    .bind(slip.number)
    .bind(slip.inputs_json)
    .bind(slip.inputs_sha256)
    .bind(ctx.now_text())
    .bind(scope.user_id())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| Error::from(e).on_unique(on_taken))
}

/// Links a freshly inserted bill or work slip of the scope's org to the job that renders it.
pub(crate) async fn link_job(
    tx: &mut Transaction<'static, Sqlite>,
    scope: &WriteScope,
    table: DocumentTable,
    row_id: i64,
    job_id: i64,
) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE {} SET job_id = ? WHERE id = ? AND org_id = ?",
        table.name()
    ))
    .bind(job_id)
    .bind(row_id)
    .bind(scope.org_id())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest bill or work slip of a chain: its row, number (or phase) and render job.
#[derive(Debug, FromRow)]
pub(crate) struct ChainHead {
    /// The row id.
    pub id: i64,
    /// The bill number or work-slip phase.
    pub number: i64,
    /// The job that renders it, once queued.
    pub job_id: Option<i64>,
}

/// The latest document of one of the scope's estimates in `table`, read inside the caller's
/// transaction (which holds the write lock, so it stays the latest until the commit).
pub(crate) async fn chain_head(
    tx: &mut Transaction<'static, Sqlite>,
    scope: &WriteScope,
    table: DocumentTable,
    estimate_id: i64,
) -> Result<Option<ChainHead>> {
    Ok(sqlx::query_as(&format!(
        "SELECT id, {number} AS number, job_id FROM {table} \
         WHERE estimate_id = ? AND org_id = ? ORDER BY {number} DESC LIMIT 1",
        number = table.number_column(),
        table = table.name(),
    ))
    .bind(estimate_id)
    .bind(scope.org_id())
    .fetch_optional(&mut **tx)
    .await?)
}

/// The query for the first bill that follows a work slip's working estimate (its stored input
/// names the phase), over the SQL expressions given for the estimate, org and phase. One text
/// for the list and the withdrawal, so that they cannot disagree on what "follows" means.
fn first_bill_following_sql(estimate_id: &str, org_id: &str, phase: &str) -> String {
    format!(
        "SELECT min(number) FROM bills WHERE estimate_id = {estimate_id} AND org_id = {org_id} \
         AND json_extract(inputs_json, '$.working_estimate') = {phase}"
    )
}

/// The first of the estimate's bills whose stored input follows work slip `phase`'s working
/// estimate, if any.
pub(crate) async fn first_bill_following(
    tx: &mut Transaction<'static, Sqlite>,
    scope: &WriteScope,
    estimate_id: i64,
    phase: u32,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(&first_bill_following_sql("?", "?", "?"))
        .bind(estimate_id)
        .bind(scope.org_id())
        .bind(phase)
        .fetch_one(&mut **tx)
        .await?)
}

/// When number `number` of an estimate's bills or work slips was last withdrawn, and why, read
/// inside the caller's transaction; `None` if it never was.
pub(crate) async fn last_withdrawal(
    tx: &mut Transaction<'static, Sqlite>,
    scope: &WriteScope,
    table: DocumentTable,
    (estimate_id, number): (i64, u32),
) -> Result<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT withdrawn_at, reason FROM withdrawn_documents \
         WHERE org_id = ? AND estimate_id = ? AND document = ? AND number = ? \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(scope.org_id())
    .bind(estimate_id)
    .bind(table.document_name())
    .bind(number)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The withdrawn bills or work slips of an estimate of the scope's org, oldest withdrawal first.
pub(crate) async fn withdrawn(
    ctx: &Base,
    scope: &OrgScope,
    table: DocumentTable,
    estimate_id: i64,
) -> Result<Vec<WithdrawnView>> {
    Ok(sqlx::query_as::<_, WithdrawnView>(
        "SELECT w.number, w.job_id, w.created_at, w.withdrawn_at, u.username AS withdrawn_by, \
         w.reason FROM withdrawn_documents w JOIN users u ON u.id = w.withdrawn_by \
         WHERE w.org_id = ? AND w.estimate_id = ? AND w.document = ? ORDER BY w.id",
    )
    .bind(scope.org_id())
    .bind(estimate_id)
    .bind(table.document_name())
    .fetch_all(&ctx.db)
    .await?)
}

/// The withdrawal of the bill or work slip whose files job `job_id` made, if it was withdrawn:
/// what it was (`bill` or `workslip`, its estimate and number), when, by whom and why.
pub(crate) async fn withdrawal_of_job(
    ctx: &Base,
    scope: &OrgScope,
    job_id: i64,
) -> Result<Option<WithdrawalOfJob>> {
    Ok(sqlx::query_as::<_, WithdrawalOfJob>(
        "SELECT w.document, w.estimate_id, w.number, w.withdrawn_at, u.username AS withdrawn_by, \
         w.reason FROM withdrawn_documents w JOIN users u ON u.id = w.withdrawn_by \
         WHERE w.org_id = ? AND w.job_id = ? ORDER BY w.id DESC LIMIT 1",
    )
    .bind(scope.org_id())
    .bind(job_id)
    .fetch_optional(&ctx.db)
    .await?)
}

/// A withdrawal, as a copy of the withdrawn document's file is stamped with it.
#[derive(Debug, Clone, FromRow)]
pub(crate) struct WithdrawalOfJob {
    /// `bill` or `workslip`.
    pub(crate) document: String,
    /// Its estimate.
    pub(crate) estimate_id: i64,
    /// Its number in the chain (a work slip's phase).
    pub(crate) number: i64,
    /// When (UTC, database time text).
    pub(crate) withdrawn_at: String,
    /// Who withdrew it.
    pub(crate) withdrawn_by: String,
    /// Why.
    pub(crate) reason: String,
}

/// Moves one of the scope's bills or work slips (and a bill's till-date quantities) into
/// `withdrawn_documents`, with who withdrew it, when and why, inside the caller's transaction.
pub(crate) async fn move_to_withdrawn(
    ctx: &Base,
    tx: &mut Transaction<'static, Sqlite>,
    scope: &WriteScope,
    table: DocumentTable,
    id: i64,
    reason: &str,
) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO withdrawn_documents (org_id, estimate_id, document, number, job_id, \
         inputs_json, inputs_sha256, created_at, created_by, withdrawn_at, withdrawn_by, reason) \
         SELECT org_id, estimate_id, ?, {number}, job_id, inputs_json, inputs_sha256, \
         created_at, created_by, ?, ?, ? FROM {table} WHERE id = ? AND org_id = ?",
        number = table.number_column(),
        table = table.name(),
    ))
    .bind(table.document_name())
    .bind(ctx.now_text())
    .bind(scope.user_id())
    .bind(reason)
    .bind(id)
    .bind(scope.org_id())
    .execute(&mut **tx)
    .await?;
    if table == DocumentTable::Bills {
        sqlx::query("DELETE FROM bill_quantities WHERE bill_id = ?")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(&format!(
        "DELETE FROM {} WHERE id = ? AND org_id = ?",
        table.name()
    ))
    .bind(id)
    .bind(scope.org_id())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
