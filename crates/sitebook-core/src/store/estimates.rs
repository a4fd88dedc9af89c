//! Stored estimates: one per estimate sheet of a parsed workbook, with its items, headings and
//! AE rows in sheet order, its footer and metadata, and the parse warnings that name its cells.
//!
//! Money and quantities are kept as exact decimal text; nothing is rounded on the way in or out.

use serde::Serialize;
use sqlx::{FromRow, Sqlite, Transaction};
use ts_rs::TS;

use crate::context::Base;
use crate::error::{Error, Result};
use crate::excel::grid::quoted_sheet_name;
use crate::excel::model::{money_text, plain_text};
use crate::excel::{EstimateSheet, ParsedWorkbook, Warning, WorkbookItem};
use crate::tenancy::gate::{OrgScope, WriteScope};

/// One line of the estimates list.
#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EstimateSummary {
    /// The estimate's database id, by which it is opened and documents refer to it.
    #[ts(type = "number")]
    pub id: i64,
    /// The name of the work from the sheet, or the file and sheet name when it gives none.
    pub name: String,
    /// The name of the workbook the estimate was uploaded in.
    pub file_name: String,
    /// The sheet of that workbook the estimate was read from.
    pub sheet_name: String,
    /// How many items (not headings or excess rows) the estimate has.
    #[ts(type = "number")]
    pub item_count: i64,
    /// The estimated contract value from the footer, in rupees as exact decimal text.
    pub ecv: Option<String>,
    /// The grand total (the sanctioned amount) from the footer, in rupees as exact decimal text.
    pub grand_total: Option<String>,
    /// How many parse warnings name cells of this sheet.
    #[ts(type = "number")]
    pub warning_count: i64,
    /// When the estimate was stored: RFC 3339 UTC text.
    pub created_at: String,
}

/// One row of the items table: an item, a heading, or an AE (excess) row.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EstimateItemView {
    /// The spreadsheet row (1-based) the line was read from.
    pub row: u32,
    /// The serial as written in the sheet (`1`, `2a`), if any; empty on excess rows.
    pub sl_no: String,
    /// The item description, a heading's text, or an excess row's label.
    pub description: String,
    /// The quantity as exact decimal text; `None` on headings or when the cell is empty.
    pub quantity: Option<String>,
    /// The unit printed next to the quantity; empty when none is given.
    pub unit: String,
    /// The rate per unit in rupees as exact decimal text, when given.
    pub rate: Option<String>,
    /// The amount in rupees as exact decimal text, as the workbook gives it.
    pub amount: Option<String>,
    /// True for a heading (a sub-head with no figures).
    pub heading: bool,
    /// A warning concerns this row (an error value, a missing or disagreeing figure).
    pub flagged: bool,
}

/// One line of an estimate's footer (ECV, GST, grand total and the like) that has an amount.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FooterLine {
    /// The footer row's label, as written in the sheet.
    pub label: String,
    /// The amount in rupees as exact decimal text.
    pub amount: String,
}

/// One line of an estimate's header block: the name of the work, sanctions, agency and the rest.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MetadataLine {
    /// What the line is (`Name of the work`, `Ref. to Agreement`).
    pub label: String,
    /// The value as the sheet gives it.
    pub value: String,
}

/// Something the parser noticed in a cell of the workbook and could not take as it stands.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ParseWarning {
    /// The cell the warning is about, `Sheet!H12`.
    pub cell: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The spreadsheet row the cell is on, to highlight it.
    pub row: Option<u32>,
}

/// An estimate with everything the estimate view shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EstimateDetail {
    /// The estimate's database id, by which it is opened and documents refer to it.
    #[ts(type = "number")]
    pub id: i64,
    /// The name of the work from the sheet, or the file and sheet name when it gives none.
    pub name: String,
    /// The name of the workbook the estimate was uploaded in.
    pub file_name: String,
    /// The sheet of that workbook the estimate was read from.
    pub sheet_name: String,
    /// The spreadsheet row (1-based) of the column headings above the items.
    pub header_row: u32,
    /// The header block lines: name of the work, amount, sanctions, agreement, agency and others.
    pub metadata: Vec<MetadataLine>,
    /// The items, headings and excess rows, in sheet order.
    pub items: Vec<EstimateItemView>,
    /// The footer lines that have an amount, in sheet order.
    pub footer: Vec<FooterLine>,
    /// The parse warnings that name cells of this sheet.
    pub warnings: Vec<ParseWarning>,
    /// When the estimate was stored: RFC 3339 UTC text.
    pub created_at: String,
}

fn row_of(cell: &str) -> Option<u32> {
    let reference = cell.rsplit('!').next()?;
    let digits: String = reference.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether `warning` names a cell of the sheet called `sheet`.
fn names_sheet(warning: &Warning, sheet: &str) -> bool {
    warning
        .cell
        .strip_prefix(&quoted_sheet_name(sheet))
        .is_some_and(|rest| rest.starts_with('!'))
}

/// The warnings an estimate made from `sheet` keeps: those on its own cells, and, for the
/// workbook's main estimate, those on sheets that became no estimate (a `Datas` sheet taken
/// for rate analyses), which would otherwise be lost once the workbook is stored.
fn warnings_of_sheet(parsed: &ParsedWorkbook, sheet: &str) -> Vec<Warning> {
    let is_main = parsed.main_sheet().is_some_and(|main| main.name == sheet);
    parsed
        .warnings
        .iter()
        .filter(|w| {
            names_sheet(w, sheet)
                || (is_main && !parsed.sheets.iter().any(|s| names_sheet(w, &s.name)))
        })
        .cloned()
        .collect()
}

struct ItemRow {
    row: u32,
    kind: &'static str,
    sl_no: Option<String>,
    description: String,
    quantity: Option<String>,
    unit: Option<String>,
    rate: Option<String>,
    per_unit: Option<String>,
    amount: Option<String>,
    flagged: bool,
}

fn item_rows(sheet: &EstimateSheet) -> Vec<ItemRow> {
    let mut rows: Vec<ItemRow> = Vec::new();
    for item in &sheet.items {
        rows.push(ItemRow {
            row: item.row,
            kind: "item",
            sl_no: item.sl_no.clone(),
            description: item.description.clone(),
            quantity: item.quantity.map(plain_text),
            unit: item.unit.clone(),
            rate: item.rate.map(money_text),
            per_unit: item.per_unit.clone(),
            amount: item.amount.map(money_text),
            flagged: !item.flags.is_empty(),
        });
    }
    for heading in &sheet.headings {
        rows.push(ItemRow {
            row: heading.row,
            kind: "heading",
            sl_no: heading.sl_no.clone(),
            description: heading.text.clone(),
            quantity: None,
            unit: None,
            rate: None,
            per_unit: None,
            amount: None,
            flagged: false,
        });
    }
    for excess in &sheet.excess_rows {
        rows.push(ItemRow {
            row: excess.row,
            kind: "excess",
            sl_no: None,
            description: excess.label.clone(),
            quantity: excess.quantity.map(plain_text),
            unit: excess.unit.clone(),
            rate: excess.rate.map(money_text),
            per_unit: excess.per_unit.clone(),
            amount: excess.amount.map(money_text),
            flagged: false,
        });
    }
    rows.sort_by_key(|r| r.row);
    rows
}

/// Item rows per INSERT: 13 values each stays far below SQLite's 32,766 bound on variables,
/// and a full chunk's statement is prepared once and reused from sqlx's cache.
const ITEM_ROWS_PER_STATEMENT: usize = 100;

/// A parsed workbook turned into the rows that store it, ready before the write lock is taken:
/// the decimals written as text, the sheets as JSON, the items in order. The transaction then
/// only runs SQL, so a burst's group commit holds the lock for the inserts alone.
pub(crate) struct PreparedEstimates {
    sheets: Vec<PreparedSheet>,
}

struct PreparedSheet {
    name: String,
    sheet_name: String,
    header_row: u32,
    item_count: i64,
    ecv: Option<String>,
    grand_total: Option<String>,
    sheet_json: String,
    warnings_json: String,
    rows: Vec<ItemRow>,
}

/// Prepares every estimate sheet of a workbook named `file_name` for [`insert_prepared`].
pub(crate) fn prepare(file_name: &str, parsed: &ParsedWorkbook) -> Result<PreparedEstimates> {
    let mut sheets = Vec::with_capacity(parsed.sheets.len());
    for sheet in &parsed.sheets {
        let name = sheet
            .metadata
            .name_of_work
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("{file_name} — {}", sheet.name));
        sheets.push(PreparedSheet {
            name,
            sheet_name: sheet.name.clone(),
            header_row: sheet.header_row,
            item_count: i64::try_from(sheet.items.len()).unwrap_or(i64::MAX),
            ecv: sheet.footer.ecv.map(money_text),
            grand_total: sheet.footer.grand_total.map(money_text),
            sheet_json: to_json(&without_items(sheet))?,
            warnings_json: to_json(&warnings_of_sheet(parsed, &sheet.name))?,
            rows: item_rows(sheet),
        });
    }
    Ok(PreparedEstimates { sheets })
}

/// Stores prepared estimate sheets inside the job's transaction, and returns the new estimate
/// ids.
pub(crate) async fn insert_prepared(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    scope: &WriteScope,
    job_id: i64,
    upload_id: i64,
    file_name: &str,
    prepared: &PreparedEstimates,
) -> Result<Vec<i64>> {
    let now = ctx.now_text();
    let mut ids = Vec::new();
    for sheet in &prepared.sheets {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO estimates (org_id, upload_id, job_id, name, file_name, sheet_name, \
             header_row, item_count, ecv, grand_total, sheet_json, warnings_json, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(scope.org_id())
        .bind(upload_id)
        .bind(job_id)
        .bind(&sheet.name)
        .bind(file_name)
        .bind(&sheet.sheet_name)
        .bind(sheet.header_row)
        .bind(sheet.item_count)
        .bind(&sheet.ecv)
        .bind(&sheet.grand_total)
        .bind(&sheet.sheet_json)
        .bind(&sheet.warnings_json)
        .bind(&now)
        .fetch_one(&mut **tx)
        .await?;
        // Many rows to a statement: one round trip to SQLite per chunk instead of per item.
        for (chunk_index, chunk) in sheet.rows.chunks(ITEM_ROWS_PER_STATEMENT).enumerate() {
            let first = chunk_index * ITEM_ROWS_PER_STATEMENT;
            let mut insert = sqlx::QueryBuilder::<Sqlite>::new(
                "INSERT INTO estimate_items (estimate_id, org_id, position, row, kind, sl_no, \
                 description, quantity, unit, rate, per_unit, amount, flagged) ",
            );
            insert.push_values(chunk.iter().enumerate(), |mut values, (offset, row)| {
                values
                    .push_bind(id)
                    .push_bind(scope.org_id())
                    .push_bind(i64::try_from(first + offset).unwrap_or(i64::MAX))
                    .push_bind(row.row)
                    .push_bind(row.kind)
                    .push_bind(row.sl_no.as_deref())
                    .push_bind(row.description.as_str())
                    .push_bind(row.quantity.as_deref())
                    .push_bind(row.unit.as_deref())
                    .push_bind(row.rate.as_deref())
                    .push_bind(row.per_unit.as_deref())
                    .push_bind(row.amount.as_deref())
                    .push_bind(row.flagged);
            });
            insert.build().execute(&mut **tx).await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// The ids of the estimates that the scope's job `job_id` stored, in order.
pub(crate) async fn stored_by_job(ctx: &Base, scope: &WriteScope, job_id: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM estimates WHERE org_id = ? AND job_id = ? ORDER BY id")
            .bind(scope.org_id())
            .bind(job_id)
            .fetch_all(&ctx.db)
            .await?,
    )
}

/// The sheet as `sheet_json` keeps it: without its items, which `estimate_items` holds (and
/// [`sheet`] puts back). Storing them twice cost a 500-item estimate about 100 KB more to write.
fn without_items(sheet: &EstimateSheet) -> EstimateSheet {
    EstimateSheet {
        name: sheet.name.clone(),
        header_row: sheet.header_row,
        columns: sheet.columns.clone(),
        items: Vec::new(),
        headings: sheet.headings.clone(),
        excess_rows: sheet.excess_rows.clone(),
        footer: sheet.footer.clone(),
        metadata: sheet.metadata.clone(),
    }
}

/// One of the scope's estimates as parsed, for the documents: the stored sheet with its items
/// read back from `estimate_items`, in order. `None` when the scope has no such estimate.
///
/// Items come back with no `flags`: a row keeps only whether it had a problem (the estimate's
/// warnings say which), and no document reads them. Sheets stored before items left
/// `sheet_json` still carry them there; the rows, the same figures as the same text, are used
/// for those too.
pub(crate) async fn sheet(
    ctx: &Base,
    scope: &OrgScope,
    estimate_id: i64,
) -> Result<Option<EstimateSheet>> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT sheet_json FROM estimates WHERE id = ? AND org_id = ?")
            .bind(estimate_id)
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?;
    let Some(json) = json else {
        return Ok(None);
    };
    let damaged =
        |what: String| Error::Internal(format!("estimate {estimate_id} is damaged: {what}"));
    let mut sheet: EstimateSheet =
        serde_json::from_str(&json).map_err(|e| damaged(e.to_string()))?;
    let rows = sqlx::query_as::<_, StoredItemRow>(
        "SELECT row, kind, sl_no, description, quantity, unit, rate, per_unit, amount, flagged \
         FROM estimate_items WHERE estimate_id = ? AND org_id = ? AND kind = 'item' \
         ORDER BY position",
    )
    .bind(estimate_id)
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?;
    let figure = |text: Option<String>| -> Result<Option<rust_decimal::Decimal>> {
        text.map(|t| t.parse().map_err(|_| damaged(format!("the figure '{t}'"))))
            .transpose()
    };
    sheet.items = rows
        .into_iter()
        .map(|row| {
            Ok(WorkbookItem {
                row: u32::try_from(row.row).map_err(|_| damaged(format!("row {}", row.row)))?,
                sl_no: row.sl_no,
                description: row.description,
                quantity: figure(row.quantity)?,
                unit: row.unit,
                rate: figure(row.rate)?,
                per_unit: row.per_unit,
                amount: figure(row.amount)?,
                flags: Vec::new(),
            })
        })
        .collect::<Result<_>>()?;
    Ok(Some(sheet))
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::Internal(format!("could not store an estimate: {e}")))
}

/// The columns of an [`EstimateSummary`], from `estimates`.
const SUMMARY_SELECT: &str = "SELECT id, name, file_name, sheet_name, item_count, ecv, \
     grand_total, json_array_length(warnings_json) AS warning_count, created_at FROM estimates";

/// The scope's estimates, newest first.
pub async fn list(ctx: &Base, scope: &OrgScope) -> Result<Vec<EstimateSummary>> {
    Ok(sqlx::query_as::<_, EstimateSummary>(&format!(
        "{SUMMARY_SELECT} WHERE org_id = ? ORDER BY id DESC"
    ))
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?)
}

/// The estimates one of the scope's jobs made (a workbook may hold several), in sheet order.
pub async fn made_by_job(
    ctx: &Base,
    scope: &OrgScope,
    job_id: i64,
) -> Result<Vec<EstimateSummary>> {
    Ok(sqlx::query_as::<_, EstimateSummary>(&format!(
        "{SUMMARY_SELECT} WHERE org_id = ? AND job_id = ? ORDER BY id"
    ))
    .bind(scope.org_id())
    .bind(job_id)
    .fetch_all(&ctx.db)
    .await?)
}

#[derive(FromRow)]
struct EstimateRow {
    id: i64,
    name: String,
    file_name: String,
    sheet_name: String,
    header_row: i64,
    sheet_json: String,
    warnings_json: String,
    created_at: String,
}

// The same columns as `ItemRow`, in the other direction: that one borrows what is written, this
// one owns what is read.
#[derive(FromRow)]
/// One row of `estimate_items` as read back, for the estimate's view and for its documents.
struct StoredItemRow {
    row: i64,
    kind: String,
    sl_no: Option<String>,
    description: String,
    quantity: Option<String>,
    unit: Option<String>,
    rate: Option<String>,
    per_unit: Option<String>,
    amount: Option<String>,
    flagged: bool,
}

/// One of the scope's estimates; another org's is "not found".
pub async fn get(ctx: &Base, scope: &OrgScope, id: i64) -> Result<EstimateDetail> {
    let row = sqlx::query_as::<_, EstimateRow>(
        "SELECT id, name, file_name, sheet_name, header_row, sheet_json, warnings_json, created_at \
         FROM estimates WHERE id = ? AND org_id = ?",
    )
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    let Some(row) = row else {
        return Err(scope.not_found(ctx, "estimate", id, "estimates").await);
    };
    let damaged = |e: serde_json::Error| Error::Internal(format!("estimate {id} is damaged: {e}"));
    let sheet: EstimateSheet = serde_json::from_str(&row.sheet_json).map_err(damaged)?;
    let warnings: Vec<Warning> = serde_json::from_str(&row.warnings_json).map_err(damaged)?;
    let items = sqlx::query_as::<_, StoredItemRow>(
        "SELECT row, kind, sl_no, description, quantity, unit, rate, per_unit, amount, flagged \
         FROM estimate_items WHERE estimate_id = ? AND org_id = ? ORDER BY position",
    )
    .bind(id)
    .bind(scope.org_id())
    .fetch_all(&ctx.db)
    .await?;
    Ok(EstimateDetail {
        id: row.id,
        name: row.name,
        file_name: row.file_name,
        sheet_name: row.sheet_name,
        header_row: u32::try_from(row.header_row).unwrap_or(0),
        metadata: metadata_lines(&sheet),
        items: items
            .into_iter()
            .map(|item| EstimateItemView {
                row: u32::try_from(item.row).unwrap_or(0),
                sl_no: item.sl_no.unwrap_or_default(),
                description: item.description,
                quantity: item.quantity,
                unit: item.unit.unwrap_or_default(),
                rate: item.rate,
                amount: item.amount,
                heading: item.kind == "heading",
                flagged: item.flagged,
            })
            .collect(),
        footer: sheet
            .footer
            .rows
            .iter()
            .filter_map(|line| {
                line.amount.map(|amount| FooterLine {
                    label: line.label.clone(),
                    amount: money_text(amount),
                })
            })
            .collect(),
        warnings: warnings
            .into_iter()
            .map(|w| ParseWarning {
                // A row to highlight only on this estimate's own sheet.
                row: names_sheet(&w, &sheet.name)
                    .then(|| row_of(&w.cell))
                    .flatten(),
                cell: w.cell,
                message: w.message,
            })
            .collect(),
        created_at: row.created_at,
    })
}

fn metadata_lines(sheet: &EstimateSheet) -> Vec<MetadataLine> {
    let m = &sheet.metadata;
    let known = [
        ("Name of the work", m.name_of_work.clone()),
        // Shown to people, as the printed header shows it: rupees in Indian grouping.
        (
            "Estimate amount",
            m.estimate_amount
                .map(|amount| format!("Rs. {}", crate::domain::money::format_indian(amount))),
        ),
        (
            "Ref. to Administrative sanction",
            m.administrative_sanction.clone(),
        ),
        ("Ref. to Technical sanction", m.technical_sanction.clone()),
        ("Ref. to Agreement", m.agreement.clone()),
        ("Name of the Agency", m.agency.clone()),
    ];
    known
        .into_iter()
        .filter_map(|(label, value)| {
            value.map(|value| MetadataLine {
                label: label.to_string(),
                value,
            })
        })
        .chain(m.other.iter().map(|line| MetadataLine {
            label: line.label.clone(),
            value: line.value.clone(),
        }))
        .collect()
}

/// Where an estimate came from: the sha256 of its source workbook, and the day it was
/// recorded.
pub(crate) struct EstimateSource {
    pub(crate) sha256: String,
    pub(crate) recorded_on: Option<crate::domain::work::DocDate>,
}

/// The source of estimate `id` in the scope's organization, if it exists.
pub(crate) async fn source(
    ctx: &Base,
    scope: &OrgScope,
    id: i64,
) -> Result<Option<EstimateSource>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT u.sha256, e.created_at FROM estimates e \
         JOIN uploads u ON u.id = e.upload_id AND u.org_id = e.org_id \
         WHERE e.id = ? AND e.org_id = ?",
    )
    .bind(id)
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    Ok(row.map(|(sha256, created_at)| EstimateSource {
        sha256,
        recorded_on: crate::domain::work::DocDate::from_timestamp(&created_at),
    }))
}

/// Whether an estimate of this id belongs to the scope's org.
pub(crate) async fn exists(ctx: &Base, scope: &OrgScope, estimate_id: i64) -> Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM estimates WHERE id = ? AND org_id = ?")
            .bind(estimate_id)
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?;
    Ok(found.is_some())
}

#[cfg(test)]
mod tests {
    use super::{names_sheet, row_of};
    use crate::excel::Warning;

    #[test]
    fn a_warning_names_a_sheet_by_its_whole_name_quoted_as_formulas_quote_it() {
        let warning = |cell: &str| Warning {
            cell: cell.to_owned(),
            message: String::new(),
        };
        assert!(names_sheet(&warning("Estimate!H12"), "Estimate"));
        assert!(!names_sheet(&warning("Estimate2!H12"), "Estimate"));
        assert!(names_sheet(&warning("'Road 7'!A1"), "Road 7"));
        assert!(names_sheet(&warning("'Asha''s copy'!B4"), "Asha's copy"));
        assert!(!names_sheet(&warning("'Asha''s copy'!B4"), "Asha"));
    }

    #[test]
    fn rows_come_from_cell_references() {
        assert_eq!(row_of("Estimate!H12"), Some(12));
        assert_eq!(row_of("'Abstract 2'!AB107"), Some(107));
        assert_eq!(row_of("Estimate"), None);
    }
}
