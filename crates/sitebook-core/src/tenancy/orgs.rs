//! Organizations: their codes, slugs, types and plans; creating one, renaming one; and
//! importing a roster from CSV, all or nothing.
//!
//! Codes are what people type (`MOH`), matched case-insensitively. Slugs are what file paths
//! use (`outputs/{slug}/`), so they are lowercase ASCII and never change meaning.

use serde::Serialize;
use sqlx::{Sqlite, Transaction};
use ts_rs::TS;

use crate::context::Base;
use crate::domain::money::CurrencyMark;
use crate::domain::names::display_name_problem;
use crate::error::{Error, Result};
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::gate::{GlobalGrant, OrgScope, WriteScope};
use crate::tenancy::identity::Principal;
pub use crate::tenancy::identity::{OrgType, Plan};

/// What it takes to create an organization.
#[derive(Debug, Clone)]
pub struct NewOrg {
    /// The short code people will type to choose it: 2 to 32 letters, digits, `-` or `_`.
    pub code: String,
    /// The organization's full name.
    pub name: String,
    /// What kind of body the organization is.
    pub org_type: OrgType,
}

/// An organization as `org show` reports it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrgDetails {
    /// The short code people type to choose it (`MOH`), matched ignoring case.
    pub code: String,
    /// The organization's full name.
    pub name: String,
    /// The lowercase ASCII name its files live under (`outputs/{slug}/`).
    pub slug: String,
    /// What kind of body the organization is.
    pub org_type: OrgType,
    /// The organization's subscription plan.
    pub plan: Plan,
    /// Whether the organization is active; an inactive one cannot be entered.
    pub active: bool,
    /// How many active memberships the organization has.
    #[ts(type = "number")]
    pub member_count: i64,
    /// The role the person asking acts with in it.
    pub role: crate::domain::permissions::EffectiveRole,
}

/// Checks an org code: 2 to 32 letters, digits, `-` or `_`, starting with a letter or digit.
pub fn validate_code(code: &str) -> std::result::Result<(), String> {
    let valid_chars = code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let starts_well = code
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if crate::domain::names::is_inbox_folder(code) {
        Err(format!(
            "code '{code}' is the name of the inbox's own folder for the files it has handled, \
             so the inbox could never import into such an organization; choose another code"
        ))
    } else if (2..=32).contains(&code.len()) && valid_chars && starts_well {
        Ok(())
    } else {
        Err(format!(
            "code '{}' must be 2 to 32 letters, digits, '-' or '_', starting with a letter or \
             digit",
            crate::error::excerpt(code)
        ))
    }
}

/// Lowercase ASCII letters, digits and single dashes, for file paths.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "org".to_string()
    } else {
        slug
    }
}

/// A slug based on `base` that no organization uses yet (`base`, `base-2`, `base-3`, …).
async fn free_slug(tx: &mut Transaction<'_, Sqlite>, base: &str) -> Result<String> {
    let base = slugify(base);
    let mut candidate = base.clone();
    for n in 2.. {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM organizations WHERE slug = ?")
            .bind(&candidate)
            .fetch_optional(&mut **tx)
            .await?;
        if taken.is_none() {
            break;
        }
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

async fn code_taken(tx: &mut Transaction<'_, Sqlite>, code: &str) -> Result<bool> {
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM organizations WHERE code = ? COLLATE NOCASE")
            .bind(code)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(taken.is_some())
}

/// Inserts one organization inside the caller's transaction and returns its id.
pub(crate) async fn insert_org(
    ctx: &Base,
    tx: &mut Transaction<'_, Sqlite>,
    code: &str,
    name: &str,
    org_type: OrgType,
    plan: Plan,
) -> Result<(i64, String)> {
    let slug = free_slug(tx, code).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO organizations (code, slug, name, org_type, plan, active, created_at) \
         VALUES (?, ?, ?, ?, ?, 1, ?) RETURNING id",
    )
    .bind(code)
    .bind(&slug)
    .bind(name)
    .bind(org_type.as_str())
    .bind(plan.as_str())
    .bind(ctx.now_text())
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, slug))
}

/// The start of a personal organization's code, from its username: a valid code (2 or more
/// characters) with room left for a `-N` that makes it unique (`x_` gives `x-org`, not `x`).
fn personal_code_base(username: &str) -> String {
    const ROOM_FOR_SUFFIX: usize = 28;
    let mut base: String = slugify(username).chars().take(ROOM_FOR_SUFFIX).collect();
    while base.ends_with('-') {
        base.pop();
    }
    if base.len() < 2 {
        base = if base.is_empty() {
            "personal".to_string()
        } else {
            format!("{base}-org")
        };
    }
    base
}

/// A code no organization uses yet, based on `base` (for personal organizations).
pub(crate) async fn free_code(tx: &mut Transaction<'_, Sqlite>, base: &str) -> Result<String> {
    let base = personal_code_base(base);
    let mut candidate = base.clone();
    for n in 2.. {
        if !crate::domain::names::is_inbox_folder(&candidate) && !code_taken(tx, &candidate).await?
        {
            break;
        }
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

/// Creates one organization.
pub async fn create(ctx: &Base, grant: &GlobalGrant, actor: &Principal, new: NewOrg) -> Result<()> {
    let _ = grant;
    let code = new.code.trim();
    validate_code(code).map_err(|rule| Error::Validation(format!("Organization {rule}.")))?;
    if new.org_type == OrgType::Personal {
        return Err(Error::Validation(format!(
            "A personal organization is made only with its account; create '{code}' as one of {}.",
            OrgType::expected()
        )));
    }
    let name = new.name.trim();
    if let Some(problem) = display_name_problem(name) {
        return Err(Error::Validation(format!(
            "The organization's name {problem}."
        )));
    }
    let mut tx = ctx.write_tx().await?;
    if code_taken(&mut tx, code).await? {
        return Err(Error::Conflict(format!(
            "An organization with the code '{code}' already exists (codes ignore case)."
        )));
    }
    let (id, _) = insert_org(ctx, &mut tx, code, name, new.org_type, Plan::Free).await?;
    AuditEvent::new("org.create", Outcome::Success)
        .by(actor)
        .in_org(id, code)
        .object("organization", code)
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The result of a successful roster import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// How many organizations were created.
    pub imported: usize,
    /// The codes of the organizations created, in the file's order.
    pub codes: Vec<String>,
}

/// Imports a roster with the header `code,name,type`. All or nothing: every bad line is
/// reported by its line number and nothing is written unless every line is good.
pub async fn import_csv(
    ctx: &Base,
    grant: &GlobalGrant,
    actor: &Principal,
    file_name: &str,
    text: &str,
) -> Result<ImportReport> {
    let _ = grant;
    let rows = parse_roster(file_name, text)?;
    let mut tx = ctx.write_tx().await?;
    let mut problems = Vec::new();
    for row in &rows {
        if code_taken(&mut tx, &row.code).await? {
            problems.push(format!(
                "line {}: code '{}' already exists",
                row.line, row.code
            ));
        }
    }
    if !problems.is_empty() {
        return Err(bad_roster(file_name, problems));
    }
    for row in &rows {
        let (id, _) =
            insert_org(ctx, &mut tx, &row.code, &row.name, row.org_type, Plan::Free).await?;
        AuditEvent::new("org.create", Outcome::Success)
            .by(actor)
            .in_org(id, &row.code)
            .object("organization", &row.code)
            .reason(format!("imported from {file_name} line {}", row.line))
            .write_with(ctx, &mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(ImportReport {
        imported: rows.len(),
        codes: rows.into_iter().map(|row| row.code).collect(),
    })
}

struct RosterRow {
    line: u64,
    code: String,
    name: String,
    org_type: OrgType,
}

fn bad_roster(file_name: &str, problems: Vec<String>) -> Error {
    Error::Validation(format!(
        "{file_name}: nothing was imported because {} line{} {} bad: {}.",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        if problems.len() == 1 { "is" } else { "are" },
        problems.join("; ")
    ))
}

/// Most organizations one roster may hold: the largest deployment known has 45.
const MAX_ROSTER_LINES: usize = 5_000;

/// Reads and checks every line of a roster without touching the database.
fn parse_roster(file_name: &str, text: &str) -> Result<Vec<RosterRow>> {
    let lines = crate::csv_text::data_lines(file_name, text, &["code", "name", "type"])?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for (index, (line, record)) in lines.enumerate() {
        if index >= MAX_ROSTER_LINES {
            return Err(Error::Validation(format!(
                "{file_name}: has more than {MAX_ROSTER_LINES} organizations, far more than a \
                 roster holds, so nothing was imported. Check that this is the right file."
            )));
        }
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != 3 {
            problems.push(format!(
                "line {line}: expected 3 fields (code,name,type), found {}",
                record.len()
            ));
            continue;
        }
        let (code, name, kind) = (&record[0], &record[1], &record[2]);
        let mut line_ok = true;
        if let Err(rule) = validate_code(code) {
            problems.push(format!("line {line}: {rule}"));
            line_ok = false;
        }
        if let Some(problem) = display_name_problem(name) {
            problems.push(format!("line {line}: name {problem}"));
            line_ok = false;
        }
        let org_type = OrgType::parse(kind).filter(|t| *t != OrgType::Personal);
        if org_type.is_none() {
            problems.push(format!(
                "line {line}: type '{kind}' is not one of {}",
                OrgType::expected()
            ));
            line_ok = false;
        }
        match seen.entry(code.to_ascii_lowercase()) {
            std::collections::hash_map::Entry::Occupied(first) => {
                problems.push(format!(
                    "line {line}: code '{code}' repeats line {}",
                    first.get()
                ));
                line_ok = false;
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(line);
            }
        }
        if let (true, Some(org_type)) = (line_ok, org_type) {
            rows.push(RosterRow {
                line,
                code: code.to_string(),
                name: name.to_string(),
                org_type,
            });
        }
    }
    if !problems.is_empty() {
        return Err(bad_roster(file_name, problems));
    }
    if rows.is_empty() {
        return Err(Error::Validation(format!(
            "{file_name}: the roster has a header but no organizations."
        )));
    }
    Ok(rows)
}

/// The active organization's details.
pub async fn details(ctx: &Base, scope: &OrgScope) -> Result<OrgDetails> {
    let (code, name, slug, org_type, plan, active): (String, String, String, String, String, bool) =
        sqlx::query_as(
            "SELECT code, name, slug, org_type, plan, active FROM organizations WHERE id = ?",
        )
        .bind(scope.org_id())
        .fetch_one(&ctx.db)
        .await?;
    let member_count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = ? AND active = 1")
            .bind(scope.org_id())
            .fetch_one(&ctx.db)
            .await?;
    Ok(OrgDetails {
        code,
        name,
        slug,
        org_type: OrgType::parse(&org_type).unwrap_or(OrgType::Office),
        plan: Plan::parse(&plan).unwrap_or(Plan::Free),
        active,
        member_count,
        role: scope.role(),
    })
}

/// Gives the scope's organization a new name, audited with the old one. Its code and slug stay,
/// so the codes people type, its folders and its bucket keys keep working; documents already
/// made keep the name they were made with. Returns whether the name changed.
pub(crate) async fn rename(ctx: &Base, scope: &WriteScope, name: &str) -> Result<bool> {
    let name = name.trim();
    if let Some(problem) = display_name_problem(name) {
        return Err(Error::Validation(format!(
            "The organization's new name {problem}."
        )));
    }
    let mut tx = ctx.write_tx().await?;
    let before: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = ?")
        .bind(scope.org_id())
        .fetch_one(&mut *tx)
        .await?;
    if before == name {
        return Ok(false);
    }
    sqlx::query("UPDATE organizations SET name = ? WHERE id = ?")
        .bind(name)
        .bind(scope.org_id())
        .execute(&mut *tx)
        .await?;
    AuditEvent::new("org.rename", Outcome::Success)
        .by_name(Some(scope.user_id()), scope.username())
        .in_scope(scope)
        .object("organization", scope.org_code())
        .reason(format!("from \"{before}\" to \"{name}\""))
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// The mark the scope's organization prints before amounts in its documents.
pub(crate) async fn currency_mark(ctx: &Base, scope: &OrgScope) -> Result<CurrencyMark> {
    let stored: String = sqlx::query_scalar("SELECT currency_mark FROM organizations WHERE id = ?")
        .bind(scope.org_id())
        .fetch_one(&ctx.db)
        .await?;
    // The column's CHECK admits only the two marks; anything else reads as the default.
    Ok(CurrencyMark::parse(&stored).unwrap_or_default())
}

/// Sets the mark the organization's new documents print before amounts (documents already
/// made keep theirs), audited with the new value.
pub(crate) async fn set_currency_mark(
    ctx: &Base,
    scope: &WriteScope,
    mark: CurrencyMark,
) -> Result<()> {
    let mut tx = ctx.write_tx().await?;
    sqlx::query("UPDATE organizations SET currency_mark = ? WHERE id = ?")
        .bind(mark.symbol())
        .bind(scope.org_id())
        .execute(&mut *tx)
        .await?;
    AuditEvent::new("settings.currency", Outcome::Success)
        .by_name(Some(scope.user_id()), scope.username())
        .in_scope(scope)
        .reason(format!(
            "documents print amounts as {}",
            mark.amount(1200.into())
        ))
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_personal_code_is_always_a_valid_code_with_room_for_a_number() {
        assert_eq!(personal_code_base("asha"), "asha");
        assert_eq!(personal_code_base("x_"), "x-org");
        assert_eq!(personal_code_base("a.b"), "a-b");
        let long = personal_code_base(&format!("{}_z", "a".repeat(27)));
        assert_eq!(long, "a".repeat(27));
        for username in ["x_", "x", "q.", &"k".repeat(32), "ab-cd_ef.gh"] {
            let base = personal_code_base(username);
            for candidate in [base.clone(), format!("{base}-99")] {
                assert!(
                    validate_code(&candidate).is_ok(),
                    "{username} gives {candidate}"
                );
            }
        }
    }

    #[test]
    fn a_refused_code_is_quoted_on_one_line_in_its_own_direction() {
        let refused = validate_code("moh\u{202E}\nowner").unwrap_err();
        assert!(
            refused.starts_with("code 'moh<U+202E> owner' must be"),
            "{refused}"
        );
    }

    #[test]
    fn the_inbox_folders_own_names_are_no_org_codes() {
        for code in ["failed", "Imported", "FAILED"] {
            let refused = validate_code(code).unwrap_err();
            assert!(refused.contains("the inbox's own folder"), "{refused}");
        }
        for code in ["failed-2", "imports", "fail"] {
            assert!(validate_code(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn slugs_are_lowercase_dashed_ascii() {
        assert_eq!(slugify("MOH"), "moh");
        assert_eq!(slugify("Asha.Rao_2"), "asha-rao-2");
        assert_eq!(slugify("--"), "org");
    }

    #[test]
    fn roster_reports_every_bad_line_by_number() {
        let text = "code,name,type\nMOH,Ministry of Health,ministry\nX,Too short,office\n\
                    MAFAR,Agriculture,bureau\nmoh,Again,office\n";
        let Err(Error::Validation(message)) = parse_roster("orgs.csv", text) else {
            panic!("expected a validation error");
        };
        assert!(message.contains("line 3: code 'X'"), "{message}");
        assert!(message.contains("line 4: type 'bureau'"), "{message}");
        assert!(
            message.contains("line 5: code 'moh' repeats line 2"),
            "{message}"
        );
        assert!(message.contains("3 lines are bad"), "{message}");
    }

    #[test]
    fn roster_needs_the_exact_header() {
        let Err(Error::Validation(message)) = parse_roster("o.csv", "code,title\nA1,B\n") else {
            panic!("expected a validation error");
        };
        assert!(message.contains("line 1 must be the header"), "{message}");
    }

    #[test]
    fn roster_rejects_wrong_field_counts() {
        let Err(Error::Validation(message)) =
            parse_roster("o.csv", "code,name,type\nAB,Name\nCD,Name,office\n")
        else {
            panic!("expected a validation error");
        };
        assert!(message.contains("line 2: expected 3 fields"), "{message}");
    }
}
