//! The audit log's hash chain, and its anchor outside the database.
//!
//! The triggers that refuse UPDATE and DELETE keep honest code honest, but anyone holding the
//! database file can drop them, or insert a row by hand. So each row stores a SHA-256 over its
//! own content and the hash of the row before it: a forged, changed, removed or reordered row
//! breaks the chain at that row. Rewriting the whole chain from some row on keeps it internally
//! consistent, so the head is also anchored where the database cannot reach: a small file in the
//! data dir (and, when sync is on, an object in the bucket), written only after the chain up to
//! it has been verified. A later verify that finds the anchored row changed or gone reports it.
//!
//! Writers link rows in [`super::audit`]; this module owns the link itself and the walk that
//! verifies it. Keeping the anchor on disk (and verifying before anchoring) is
//! `store::audit_anchor`'s, a layer up.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{FromRow, Row};
use ts_rs::TS;

use crate::context::Base;
use crate::error::Result;

/// The "previous hash" of the first chained row.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How many rows verify reads at a time, so a long log is walked in bounded memory.
const VERIFY_BATCH: i64 = 5_000;

/// The columns of one row that the chain covers, in the order they are hashed.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub(crate) struct ChainedRow {
    pub id: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub org_id: Option<i64>,
    pub org_code: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
    pub device: String,
}

impl ChainedRow {
    /// This row's hash, given the previous row's. Every field is length-prefixed and a missing
    /// value is told apart from an empty one, so no two different rows hash alike by shifting
    /// text from one field to the next.
    pub(crate) fn link(&self, previous: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"sitebook-audit-v1\0");
        hasher.update(previous.as_bytes());
        let id = self.id.to_string();
        let user_id = self.user_id.map(|v| v.to_string());
        let org_id = self.org_id.map(|v| v.to_string());
        let fields: [Option<&str>; 12] = [
            Some(&id),
            Some(&self.at),
            user_id.as_deref(),
            self.username.as_deref(),
            org_id.as_deref(),
            self.org_code.as_deref(),
            Some(&self.action),
            self.object_type.as_deref(),
            self.object_id.as_deref(),
            Some(&self.outcome),
            self.reason.as_deref(),
            Some(&self.device),
        ];
        for field in fields {
            match field {
                None => hasher.update([0u8]),
                Some(text) => {
                    hasher.update([1u8]);
                    hasher.update((text.len() as u64).to_le_bytes());
                    hasher.update(text.as_bytes());
                }
            }
        }
        hex::encode(hasher.finalize())
    }
}

/// The newest row's id and hash: what the next row links to.
pub(crate) async fn head(conn: &mut sqlx::SqliteConnection) -> Result<(i64, String)> {
    let row: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, chain_hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match row {
        // A row from before the chain existed: the chain starts afresh after it.
        Some((id, hash)) => (id, hash.unwrap_or_else(|| GENESIS.to_string())),
        None => (0, GENESIS.to_string()),
    })
}

/// The last head that was verified, kept outside the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditAnchor {
    /// The id of the row whose hash was anchored: the chain's head when it was last verified.
    #[ts(type = "number")]
    pub id: i64,
    /// That row's chain hash, as hex SHA-256.
    pub hash: String,
    /// When the anchor was written.
    pub at: String,
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditBreak {
    /// The first row that fails to link (or the anchored row that is changed or gone).
    #[ts(type = "number")]
    pub id: i64,
    /// What is wrong, in a sentence.
    pub reason: String,
}

/// What verifying the log found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditVerification {
    /// Rows in the chain that were checked and link correctly.
    #[ts(type = "number")]
    pub verified: i64,
    /// Rows written before the chain existed (an upgraded database); not covered.
    #[ts(type = "number")]
    pub before_chain: i64,
    /// The newest row's id, if any.
    #[ts(type = "number | null")]
    pub head_id: Option<i64>,
    /// The anchor the chain was checked against, if one had been written.
    pub anchor: Option<AuditAnchor>,
    /// The first break, or `None` when the log is intact.
    pub broken: Option<AuditBreak>,
}

impl AuditVerification {
    /// True when no break was found.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// The stored hash of row `id`, to anchor it.
pub(crate) async fn hash_of(ctx: &Base, id: i64) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT chain_hash FROM audit_log WHERE id = ?")
            .bind(id)
            .fetch_one(&ctx.db)
            .await?,
    )
}

/// Walks the whole chain, oldest row first, and checks it against `anchor` (the last head
/// verified, kept outside the database by `store::audit_anchor`).
pub(crate) async fn verify(ctx: &Base, anchor: Option<AuditAnchor>) -> Result<AuditVerification> {
    let mut conn = ctx.db.acquire().await?;
    let mut report = AuditVerification {
        verified: 0,
        before_chain: 0,
        head_id: None,
        anchor: anchor.clone(),
        broken: None,
    };
    let mut previous: Option<(i64, String)> = None;
    let mut anchor_seen = false;
    let mut after = i64::MIN;
    'walk: loop {
        let rows = sqlx::query(
            "SELECT id, at, user_id, username, org_id, org_code, action, object_type, object_id, \
             outcome, reason, device, chain_hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(VERIFY_BATCH)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let fields = ChainedRow::from_row(&row)?;
            let stored: Option<String> = row.try_get("chain_hash")?;
            after = fields.id;
            report.head_id = Some(fields.id);
            let Some(stored) = stored else {
                if previous.is_none() {
                    report.before_chain += 1;
                    continue;
                }
                report.broken = Some(AuditBreak {
                    id: fields.id,
                    reason: format!(
                        "Entry {} has no chain hash: it was written outside Sitebook.",
                        fields.id
                    ),
                });
                break 'walk;
            };
            let (expected_id, previous_hash) = match &previous {
                Some((id, hash)) => (Some(id + 1), hash.as_str()),
                None => (None, GENESIS),
            };
            if expected_id.is_some_and(|expected| expected != fields.id) {
                report.broken = Some(AuditBreak {
                    id: fields.id,
                    reason: format!(
                        "Entries {} to {} are missing: they were removed.",
                        expected_id.unwrap_or_default(),
                        fields.id - 1
                    ),
                });
                break 'walk;
            }
            if fields.link(previous_hash) != stored {
                report.broken = Some(AuditBreak {
                    id: fields.id,
                    reason: format!(
                        "Entry {} does not match its hash: it, or the entry before it, was \
                         changed or inserted by hand.",
                        fields.id
                    ),
                });
                break 'walk;
            }
            if let Some(anchor) = &anchor {
                if anchor.id == fields.id {
                    anchor_seen = true;
                    if anchor.hash != stored {
                        report.broken = Some(AuditBreak {
                            id: fields.id,
                            reason: format!(
                                "Entry {} differs from the copy anchored at {}: the log was \
                                 rewritten from there on or before.",
                                fields.id, anchor.at
                            ),
                        });
                        break 'walk;
                    }
                }
            }
            report.verified += 1;
            previous = Some((fields.id, stored));
        }
    }
    if report.broken.is_none() {
        if let Some(anchor) = anchor.as_ref().filter(|_| !anchor_seen) {
            report.broken = Some(AuditBreak {
                id: anchor.id,
                reason: format!(
                    "Entry {} was anchored at {} but is no longer in the log: entries were \
                     removed.",
                    anchor.id, anchor.at
                ),
            });
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ChainedRow {
        ChainedRow {
            id: 7,
            at: "2026-12-02T10:00:00Z".into(),
            user_id: Some(3),
            username: Some("asha".into()),
            org_id: Some(1),
            org_code: Some("RDW".into()),
            action: "bill.create".into(),
            object_type: None,
            object_id: None,
            outcome: "allowed".into(),
            reason: None,
            device: "desk-1".into(),
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_link() {
        let base = row().link(GENESIS);
        assert_eq!(base.len(), 64);
        let mut changed = Vec::new();
        let mut r = row();
        r.id = 8;
        changed.push(r.link(GENESIS));
        let mut r = row();
        r.outcome = "denied".into();
        changed.push(r.link(GENESIS));
        let mut r = row();
        r.reason = Some(String::new());
        changed.push(r.link(GENESIS));
        let mut r = row();
        r.user_id = None;
        changed.push(r.link(GENESIS));
        changed.push(row().link(&"1".repeat(64)));
        for other in changed {
            assert_ne!(other, base);
        }
    }

    #[test]
    fn text_moved_between_fields_changes_the_link() {
        let mut a = row();
        a.object_type = Some("bill".into());
        a.object_id = Some("12".into());
        let mut b = row();
        b.object_type = Some("bill1".into());
        b.object_id = Some("2".into());
        assert_ne!(a.link(GENESIS), b.link(GENESIS));
    }
}
