//! The audit log is tamper-evident: every row is chained to the one before it, and the head is
//! anchored in a file outside the database. Each test tampers as someone holding the database
//! file could (raw SQL, triggers dropped and recreated) and checks that `audit_verify` names the
//! first broken entry.

mod common;

use common::{fixture, Fixture, PASSWORD};
use sha2::{Digest, Sha256};
use sitebook_core::domain::permissions::{MembershipRole, UserKind};
use sitebook_core::store::audit_anchor::ANCHOR_FILE;
use sitebook_core::tenancy::accounts::Password;
use sitebook_core::tenancy::audit_chain::AuditAnchor;

/// A fresh device whose log holds a mix of rows: an org, members, a switch, a denial and
/// failed sign-ins.
async fn fixture_with_busy_log() -> Fixture {
    let fx = fixture().await;
    fx.org("MOH").await;
    fx.member("asha", "MOH", MembershipRole::Viewer).await;
    let asha = fx.sign_in_to("asha", "MOH").await;
    // A viewer may not remove members: a denied row.
    assert!(fx.core.member_remove(&asha, "root").await.is_err());
    for _ in 0..2 {
        assert!(fx
            .core
            .sign_in("asha", Password::new("wrong"), None)
            .await
            .is_err());
    }
    fx.core
        .sign_in("asha", Password::new(PASSWORD), Some("MOH"))
        .await
        .unwrap();
    fx
}

/// Verifies the log and asserts that its first break is at `id`, for a reason naming `why`.
async fn expect_break(fx: &Fixture, id: i64, why: &str) {
    let verification = fx.core.audit_verify(&fx.root).await.unwrap();
    let broken = verification.broken.expect("the chain is broken");
    assert_eq!(broken.id, id, "{broken:?}");
    assert!(broken.reason.contains(why), "{}", broken.reason);
}

/// Verifies the intact log, which anchors it, and gives the head anchored.
async fn verified_head(fx: &Fixture) -> i64 {
    fx.core
        .audit_verify(&fx.root)
        .await
        .unwrap()
        .head_id
        .unwrap()
}

async fn row_count(fx: &Fixture) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(fx.core.unscoped_pool_for_tests())
        .await
        .unwrap()
}

/// Runs `statements` with the append-only triggers out of the way, as a person editing the
/// file with the sqlite3 shell could, and puts the triggers back.
async fn tamper(fx: &Fixture, statements: &[&str]) {
    let pool = fx.core.unscoped_pool_for_tests();
    let triggers: Vec<String> = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(triggers.len(), 2);
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_delete")
        .execute(&mut *conn)
        .await
        .unwrap();
    for statement in statements {
        sqlx::query(statement).execute(&mut *conn).await.unwrap();
    }
    for trigger in triggers {
        sqlx::query(&trigger).execute(&mut *conn).await.unwrap();
    }
}

/// The chain link as the format is documented in `tenancy::audit_chain`, written out here the
/// way an attacker who read the source would, to forge a self-consistent chain.
fn forged_link(previous: &str, fields: &[Option<String>]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"sitebook-audit-v1\0");
    hasher.update(previous.as_bytes());
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

type RawRow = (
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
);

async fn raw_rows(fx: &Fixture) -> Vec<RawRow> {
    sqlx::query_as(
        "SELECT id, at, user_id, username, org_id, org_code, action, object_type, object_id, \
         outcome, reason, device, chain_hash FROM audit_log ORDER BY id",
    )
    .fetch_all(fx.core.unscoped_pool_for_tests())
    .await
    .unwrap()
}

#[tokio::test]
async fn an_untouched_log_verifies_and_its_head_is_anchored_outside_the_database() {
    let fx = fixture_with_busy_log().await;
    let verification = fx.core.audit_verify(&fx.root).await.unwrap();
    assert!(verification.is_intact(), "{verification:?}");
    // Verifying is itself an audited read, written after the walk.
    let rows = row_count(&fx).await;
    assert!(verification.verified >= 8, "{verification:?}");
    assert!(verification.verified <= rows);
    assert_eq!(verification.before_chain, 0);

    let anchor: AuditAnchor =
        serde_json::from_slice(&std::fs::read(fx.dir.path().join(ANCHOR_FILE)).unwrap()).unwrap();
    assert_eq!(Some(anchor.id), verification.head_id);
    let stored: String = sqlx::query_scalar("SELECT chain_hash FROM audit_log WHERE id = ?")
        .bind(anchor.id)
        .fetch_one(fx.core.unscoped_pool_for_tests())
        .await
        .unwrap();
    assert_eq!(anchor.hash, stored);

    let again = fx.core.audit_verify(&fx.root).await.unwrap();
    assert!(again.is_intact(), "{again:?}");
    assert_eq!(again.anchor.map(|a| a.id), Some(anchor.id));
}

#[tokio::test]
async fn a_row_inserted_by_hand_breaks_the_chain_at_that_row() {
    let fx = fixture_with_busy_log().await;
    let forged: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log (at, user_id, username, action, outcome, device) \
         VALUES ('2026-11-20T09:00:00Z', 1, 'root', 'bill.create', 'allowed', 'test-device') \
         RETURNING id",
    )
    .fetch_one(fx.core.unscoped_pool_for_tests())
    .await
    .unwrap();
    let verification = fx.core.audit_verify(&fx.root).await.unwrap();
    let broken = verification.broken.expect("the forged row is found");
    assert_eq!(broken.id, forged);
    assert!(
        broken.reason.contains("outside Sitebook"),
        "{}",
        broken.reason
    );
    assert_eq!(verification.verified, forged - 1);
    assert!(
        !fx.dir.path().join(ANCHOR_FILE).exists(),
        "a broken chain is never anchored"
    );
}

// Forges its row like the test above, spelled out: the columns it fills are the difference.
#[tokio::test]
async fn a_forged_row_with_a_made_up_hash_is_found() {
    let fx = fixture_with_busy_log().await;
    let forged: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log (at, username, action, outcome, device, chain_hash) \
         VALUES ('2026-11-20T09:00:00Z', 'root', 'org.switch', 'success', 'test-device', ?) \
         RETURNING id",
    )
    .bind("ab".repeat(32))
    .fetch_one(fx.core.unscoped_pool_for_tests())
    .await
    .unwrap();
    expect_break(&fx, forged, "does not match").await;
}

#[tokio::test]
async fn a_denied_row_rewritten_as_allowed_is_found_even_with_the_triggers_put_back() {
    let fx = fixture_with_busy_log().await;
    // A raw read, spelled out like the others in these tests: the SQL is part of the check.
    let denied: i64 =
        sqlx::query_scalar("SELECT id FROM audit_log WHERE outcome = 'denied' ORDER BY id LIMIT 1")
            .fetch_one(fx.core.unscoped_pool_for_tests())
            .await
            .unwrap();
    let rewrite =
        format!("UPDATE audit_log SET outcome = 'allowed', reason = NULL WHERE id = {denied}");
    tamper(&fx, &[&rewrite]).await;
    let verification = fx.core.audit_verify(&fx.root).await.unwrap();
    let broken = verification.broken.expect("the rewrite is found");
    assert_eq!(broken.id, denied);
    assert_eq!(verification.verified, denied - 1);
}

#[tokio::test]
async fn a_row_removed_from_the_middle_is_found() {
    let fx = fixture_with_busy_log().await;
    tamper(&fx, &["DELETE FROM audit_log WHERE id = 3"]).await;
    expect_break(&fx, 4, "Entries 3 to 3 are missing").await;
}

#[tokio::test]
async fn a_whole_chain_rewritten_consistently_is_caught_by_the_anchor() {
    let fx = fixture_with_busy_log().await;
    let first = fx.core.audit_verify(&fx.root).await.unwrap();
    assert!(first.is_intact());
    let anchored = first.head_id.unwrap();

    // Rewrite the first denial as allowed and recompute every hash from there on, so the chain
    // is consistent within the database.
    let rows = raw_rows(&fx).await;
    let denied = rows.iter().position(|r| r.9 == "denied").unwrap();
    let mut previous = rows[denied - 1].12.clone().unwrap();
    let mut statements = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(denied) {
        let outcome = if i == denied {
            "allowed".to_string()
        } else {
            row.9.clone()
        };
        let fields = [
            Some(row.0.to_string()),
            Some(row.1.clone()),
            row.2.map(|v| v.to_string()),
            row.3.clone(),
            row.4.map(|v| v.to_string()),
            row.5.clone(),
            Some(row.6.clone()),
            row.7.clone(),
            row.8.clone(),
            Some(outcome.clone()),
            row.10.clone(),
            Some(row.11.clone()),
        ];
        let hash = forged_link(&previous, &fields);
        statements.push(format!(
            "UPDATE audit_log SET outcome = '{outcome}', chain_hash = '{hash}' WHERE id = {}",
            row.0
        ));
        previous = hash;
    }
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    tamper(&fx, &statements).await;

    let verification = fx.core.audit_verify(&fx.root).await.unwrap();
    let broken = verification.broken.expect("the anchor catches the rewrite");
    assert_eq!(broken.id, anchored);
    assert!(broken.reason.contains("anchored"), "{}", broken.reason);
}

#[tokio::test]
async fn an_anchor_file_removed_or_garbled_is_a_break_not_a_fresh_start() {
    let fx = fixture_with_busy_log().await;
    let anchored = verified_head(&fx).await;
    let anchor_file = fx.dir.path().join(ANCHOR_FILE);
    let kept = std::fs::read(&anchor_file).unwrap();

    // Removed (as it would be with the log rewritten to match): reported, and not replaced by a
    // new anchor that would bless whatever the log now says.
    std::fs::remove_file(&anchor_file).unwrap();
    expect_break(&fx, anchored, "is missing").await;
    expect_break(&fx, anchored, "Restore the file").await;
    assert!(!anchor_file.exists(), "no fresh anchor was written");

    // Garbled: a break too, not an error of its own.
    std::fs::write(&anchor_file, b"{ not an anchor").unwrap();
    let verification = fx.core.audit_verify(&fx.root).await.unwrap();
    let broken = verification
        .broken
        .expect("a garbled anchor breaks the check");
    assert!(broken.reason.contains("not readable"), "{}", broken.reason);

    // Put back, the log verifies again.
    std::fs::write(&anchor_file, kept).unwrap();
    assert!(fx.core.audit_verify(&fx.root).await.unwrap().is_intact());
}

#[tokio::test]
async fn rows_cut_off_the_end_are_caught_by_the_anchor() {
    let fx = fixture_with_busy_log().await;
    let anchored = verified_head(&fx).await;
    let cut = format!("DELETE FROM audit_log WHERE id >= {}", anchored - 2);
    tamper(&fx, &[&cut]).await;
    expect_break(&fx, anchored, "no longer in the log").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_racing_each_other_keep_one_unbroken_chain() {
    let fx = fixture().await;
    fx.org("MOH").await;
    fx.member("asha", "MOH", MembershipRole::Admin).await;
    let before = row_count(&fx).await;
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..40 {
        let core = fx.core.clone();
        tasks.spawn(async move {
            // Wrong passwords write their rows on their own; right ones inside the sign-in's
            // transaction: both kinds of writer race here.
            let password = if round % 2 == 0 { "wrong" } else { PASSWORD };
            let _ = core
                .sign_in("asha", Password::new(password), Some("MOH"))
                .await;
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap();
    }
    assert!(row_count(&fx).await >= before + 40);
    let verification = fx.core.audit_verify(&fx.root).await.unwrap();
    assert!(verification.is_intact(), "{verification:?}");
    let ids: Vec<i64> = raw_rows(&fx).await.iter().map(|r| r.0).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "no gaps: {ids:?}");
}

#[tokio::test]
async fn a_lost_anchor_is_replaced_only_by_a_superuser_with_a_reason_kept_in_the_log() {
    let fx = fixture_with_busy_log().await;
    let anchored = verified_head(&fx).await;
    std::fs::remove_file(fx.dir.path().join(ANCHOR_FILE)).unwrap();
    expect_break(&fx, anchored, "is missing").await;

    // Not without a reason worth keeping, and by nobody but a superuser.
    assert!(matches!(
        fx.core.audit_reanchor(&fx.root, "lost").await,
        Err(sitebook_core::Error::Validation(_))
    ));
    fx.user("kiran", UserKind::Oversight, None).await;
    let kiran = fx.sign_in("kiran").await;
    assert!(matches!(
        fx.core
            .audit_reanchor(&kiran, "Disk restored from the March backup")
            .await,
        Err(sitebook_core::Error::Denied(_))
    ));
    expect_break(&fx, anchored, "is missing").await;

    let anchor = fx
        .core
        .audit_reanchor(&fx.root, "Disk restored from the March backup")
        .await
        .unwrap();
    assert!(fx.dir.path().join(ANCHOR_FILE).exists());
    assert!(fx.core.audit_verify(&fx.root).await.unwrap().is_intact());
    // The re-anchoring is the anchored entry itself, with who, why and what it replaced.
    let row = fx
        .audit()
        .await
        .into_iter()
        .find(|r| r.action == "audit.reanchor")
        .expect("the re-anchoring is in the log");
    assert_eq!(row.id, anchor.id);
    assert_eq!(row.username.as_deref(), Some("root"));
    let reason = row.reason.unwrap();
    assert!(
        reason.starts_with(&format!(
            "Disk restored from the March backup (replacing a missing anchor file (of entry \
             {anchored}, written at"
        )),
        "{reason}"
    );
}

#[tokio::test]
async fn a_log_whose_own_chain_is_broken_is_not_anchored_afresh() {
    let fx = fixture_with_busy_log().await;
    tamper(&fx, &["DELETE FROM audit_log WHERE id = 3"]).await;
    match fx
        .core
        .audit_reanchor(&fx.root, "Accept the log as it is now")
        .await
    {
        Err(sitebook_core::Error::Precondition(message)) => assert!(
            message.starts_with("The log's own chain is broken at entry 4")
                && message.contains("none was written"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    expect_break(&fx, 4, "Entries 3 to 3 are missing").await;
}
