//! Writing the append-only audit log: one row per access attempt, sign-in event, org switch and
//! membership change.
//!
//! Rows are only ever inserted (triggers in the schema refuse UPDATE and DELETE). Every tenancy
//! module writes through [`AuditEvent`], so this module depends on none of them; reading the
//! log, which the gate guards, is `audit_log`.
//!
//! An allowed read repeated by the same person in the same organization, of the same object
//! or of none, within [`READ_REPEAT_WINDOW`] is counted on the first row (in `audit_repeats`)
//! instead of adding a row: every decision is still recorded, but a pane that refreshes eight times a second leaves
//! one row "×8", not eight. Denials, writes and other events always get a row of their own.
//!
//! Every row is linked into the hash chain of [`audit_chain`] as it is written. The repeat
//! counts sit outside the chain: they may grow after the row is sealed.

use crate::context::Base;
use crate::error::Result;
use crate::tenancy::audit_chain::{self, ChainedRow};
use crate::tenancy::identity::Principal;

/// Text someone typed that matched nothing (an org code, a username), as the log stores it and
/// messages echo it: without control characters, and cut to 40 characters, so a pasted
/// megabyte is neither kept nor printed back whole.
pub(crate) fn as_typed(text: &str) -> String {
    cut_for_log(text, 40)
}

/// `text` on one line, without control characters or direction controls (which would make
/// the row read as another), cut to `shown` characters with "…" after.
pub(crate) fn cut_for_log(text: &str, shown: usize) -> String {
    let clean: String = text
        .trim()
        .chars()
        .filter(|&c| !c.is_control() && !crate::domain::names::is_direction_control(c))
        .collect();
    if clean.chars().count() <= shown {
        clean
    } else {
        format!("{}…", clean.chars().take(shown).collect::<String>())
    }
}

/// How long identical allowed reads keep counting on the first row.
pub const READ_REPEAT_WINDOW: chrono::Duration = chrono::Duration::seconds(60);

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
    /// Starts a row for `action` (an audit name such as `member.add`) that ended with `outcome`.
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

    /// Names the signed-in person who acted.
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

    /// Names the organization the event happened in.
    pub fn in_org(mut self, org_id: i64, org_code: &str) -> Self {
        self.org_id = Some(org_id);
        self.org_code = Some(org_code.to_string());
        self
    }

    /// Names the thing acted on: its kind (`user`, `output`) and its id or code.
    pub fn object(mut self, object_type: &str, object_id: impl ToString) -> Self {
        self.object_type = Some(object_type.to_string());
        self.object_id = Some(object_id.to_string());
        self
    }

    /// Says why, in words: the refusal, or what changed.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Writes the row on its own. Linking needs the current head, and another writer may add a
    /// row between reading it and inserting: the row's id is the head's plus one, so the loser
    /// of that race hits the primary key and links again to the new head.
    pub(crate) async fn write(self, ctx: &Base) -> Result<()> {
        self.write_through(ctx, &ctx.db).await
    }

    /// [`AuditEvent::write`], committed without an fsync of its own (`Base::courtesy_db`), for
    /// a row that the caller's next durable commit carries to disk (a WAL is synced in order).
    /// Only for rows whose loss on a power cut goes with the loss of everything they admitted:
    /// see [`crate::tenancy::gate::authorize_job_write`].
    pub(crate) async fn write_with_next_commit(self, ctx: &Base) -> Result<()> {
        self.write_through(ctx, &ctx.courtesy_db).await
    }

    async fn write_through(self, ctx: &Base, pool: &sqlx::SqlitePool) -> Result<()> {
        // Another process may still take the head first; then the insert fails and is retried.
        let _head = ctx.audit_head.lock().await;
        let mut conn = pool.acquire().await?;
        let mut attempts = 0;
        loop {
            match self.clone().write_with(ctx, &mut conn).await {
                Err(error) if error.is_unique_violation() && attempts < 100 => attempts += 1,
                other => return other,
            }
        }
    }

    /// Writes an allowed read, counted on the same person's identical read of the last
    /// [`READ_REPEAT_WINDOW`] when there is one.
    ///
    /// Two single statements, no explicit transaction: reads are the most frequent writes, and
    /// a `BEGIN IMMEDIATE` for each would queue every pane's refresh behind the writers. Two
    /// identical reads at the same instant may both add a row, which loses nothing.
    pub(crate) async fn write_read(self, ctx: &Base) -> Result<()> {
        debug_assert_eq!(self.outcome, Outcome::Allowed);
        let now = ctx.clock.now();
        let counted = sqlx::query(
            "INSERT INTO audit_repeats (audit_id, repeats, last_at) \
             SELECT id, 2, ? FROM audit_log WHERE user_id IS ? AND action = ? AND org_id IS ? \
             AND outcome = 'allowed' AND object_type IS ? AND object_id IS ? AND at >= ? \
             ORDER BY id DESC LIMIT 1 \
             ON CONFLICT(audit_id) DO UPDATE SET repeats = repeats + 1, \
             last_at = excluded.last_at",
        )
        .bind(crate::clock::to_db_time(now))
        .bind(self.user_id)
        .bind(&self.action)
        .bind(self.org_id)
        .bind(&self.object_type)
        .bind(&self.object_id)
        .bind(crate::clock::to_db_time(now - READ_REPEAT_WINDOW))
        .execute(&ctx.db)
        .await?
        .rows_affected();
        if counted == 0 {
            self.write(ctx).await?;
        }
        Ok(())
    }

    /// Writes inside a caller's transaction, so that a change and its audit row commit together.
    /// The caller's transaction holds the write lock (`Ctx::write_tx`), so the head it links to
    /// stays the head until it commits.
    pub(crate) async fn write_with(
        self,
        ctx: &Base,
        conn: &mut sqlx::SqliteConnection,
    ) -> Result<()> {
        let (head_id, head_hash) = audit_chain::head(conn).await?;
        let row = ChainedRow {
            id: head_id + 1,
            at: ctx.now_text(),
            user_id: self.user_id,
            username: self.username,
            org_id: self.org_id,
            org_code: self.org_code,
            action: self.action,
            object_type: self.object_type,
            object_id: self.object_id,
            outcome: self.outcome.as_str().to_string(),
            reason: self.reason,
            device: ctx.device.clone(),
        };
        let hash = row.link(&head_hash);
        sqlx::query(
            "INSERT INTO audit_log (id, at, user_id, username, org_id, org_code, action, \
             object_type, object_id, outcome, reason, device, chain_hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(row.id)
        .bind(row.at)
        .bind(row.user_id)
        .bind(row.username)
        .bind(row.org_id)
        .bind(row.org_code)
        .bind(row.action)
        .bind(row.object_type)
        .bind(row.object_id)
        .bind(row.outcome)
        .bind(row.reason)
        .bind(row.device)
        .bind(hash)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
