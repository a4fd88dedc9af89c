//! Two-organization leak tests: for every org-owned table, the scoped reads of one org return
//! none of the other org's rows. New org-owned tables add a case here. Uploads, jobs, job
//! events, estimates and outputs are covered in `ingestion.rs`, deductions in `payments.rs`.
//! The inbox folder is not org-owned: it is one setting of the device, whose subfolders name
//! the org each file goes to (`inbox.rs`: org subfolders route files, and a forbidden one is refused).

mod common;
mod workbooks;

use common::{fixture, Fixture};
use rust_decimal_macros::dec;
use sitebook_core::documents::withdraw::ChainDocument;
use sitebook_core::documents::WorkChanges;
use sitebook_core::domain::bill::{BillKind, ItemQuantity};
use sitebook_core::domain::permissions::MembershipRole;
use sitebook_core::jobs::JobStatus;
use sitebook_core::tenancy::audit_log::AuditFilter;
use sitebook_core::tenancy::session::Session;
use sitebook_core::Error;

// Alike in shape to tenancy.rs's `org_codes`, over another list and field.
/// The usernames in the member list `session` sees.
async fn member_names(fx: &Fixture, session: &Session) -> Vec<String> {
    fx.core
        .member_list(session)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.username)
        .collect()
}

#[tokio::test]
async fn memberships_do_not_leak_across_orgs() {
    let fx = fixture().await;
    let (alice, bert) = fx.two_orgs(MembershipRole::Admin).await;
    let a = member_names(&fx, &alice).await;
    let b = member_names(&fx, &bert).await;
    assert_eq!(a, ["alice"]);
    assert_eq!(b, ["bert"]);
    // Acting on the other org's member is "not a member here", not a change there.
    let cross = fx
        .core
        .member_set_role(&alice, "bert", MembershipRole::Viewer)
        .await;
    assert!(
        matches!(cross, Err(sitebook_core::Error::NotFound(_))),
        "{cross:?}"
    );
    let b_again = fx.core.member_list(&bert).await.unwrap();
    assert_eq!(b_again[0].role, MembershipRole::Admin);
}

#[tokio::test]
async fn audit_rows_do_not_leak_across_orgs() {
    let fx = fixture().await;
    let (alice, bert) = fx.two_orgs(MembershipRole::Owner).await;
    fx.core.org_show(&alice).await.unwrap();
    fx.core.org_show(&bert).await.unwrap();
    let all = AuditFilter {
        denied_only: false,
        limit: 10_000,
    };
    let a = fx.core.audit_list(&alice, all).await.unwrap();
    let b = fx.core.audit_list(&bert, all).await.unwrap();
    assert!(a.iter().any(|r| r.org_code.as_deref() == Some("AAA")));
    assert!(b.iter().any(|r| r.org_code.as_deref() == Some("BBB")));
    assert!(
        a.iter().all(|r| r.org_code.as_deref() == Some("AAA")),
        "{a:?}"
    );
    assert!(
        b.iter().all(|r| r.org_code.as_deref() == Some("BBB")),
        "{b:?}"
    );
}

/// Uploads the worked example as `session`, runs its parse, a first bill and a first work slip
/// to the end, and returns the estimate id.
async fn estimate_with_documents(fx: &common::Fixture, session: &Session, name: &str) -> i64 {
    let pool = fx.core.start_workers(Some(1)).await.unwrap();
    let parse = fx
        .upload_and_wait(session, name, workbooks::domain_example_workbook())
        .await;
    let estimate = parse.estimate_id.expect("parsed");
    let bill = fx
        .core
        .bill_create(session, estimate, BillKind::FirstPart, None)
        .await
        .unwrap();
    let slip = fx
        .core
        .workslip_create(
            session,
            estimate,
            vec![ItemQuantity::new("1", dec!(10))],
            Vec::new(),
            Vec::new(),
        )
        .await
        .unwrap();
    for job in [bill.job_id, slip.job_id] {
        let done = fx.core.job_wait(session, job, |_| {}).await.unwrap();
        assert_eq!(done.status, JobStatus::Completed, "{done:?}");
    }
    pool.shutdown().await;
    estimate
}

fn is_not_found<T: std::fmt::Debug>(result: Result<T, Error>) -> bool {
    matches!(result, Err(Error::NotFound(_)))
}

#[tokio::test]
async fn bills_work_slips_and_their_drafts_do_not_leak_across_orgs() {
    let fx = fixture().await;
    let (alice, bert) = fx.two_orgs(MembershipRole::Admin).await;
    let a = estimate_with_documents(&fx, &alice, "a.xlsx").await;
    let b = estimate_with_documents(&fx, &bert, "b.xlsx").await;

    for (me, mine, theirs) in [(&alice, a, b), (&bert, b, a)] {
        assert_eq!(fx.core.bill_list(me, mine).await.unwrap().len(), 1);
        assert_eq!(fx.core.workslip_list(me, mine).await.unwrap().len(), 1);
        // Every read and every change of the other org's chain is "not found" here.
        assert!(is_not_found(fx.core.bill_list(me, theirs).await));
        assert!(is_not_found(fx.core.workslip_list(me, theirs).await));
        assert!(is_not_found(fx.core.bill_draft(me, theirs).await));
        assert!(is_not_found(fx.core.workslip_draft(me, theirs).await));
        assert!(is_not_found(fx.core.work_show(me, theirs).await));
        assert!(is_not_found(
            fx.core.work_edit(me, theirs, WorkChanges::default()).await
        ));
        assert!(is_not_found(fx.core.estimate_abstract(me, theirs).await));
        assert!(is_not_found(
            fx.core
                .bill_create(me, theirs, BillKind::NthPart, None)
                .await
        ));
        assert!(is_not_found(
            fx.core
                .document_withdraw(me, theirs, ChainDocument::Bill, 1, "not ours")
                .await
        ));
        assert!(is_not_found(
            fx.core
                .document_withdraw(me, theirs, ChainDocument::Workslip, 1, "not ours")
                .await
        ));
        // Each org's outputs are its own three files of each document (PDF, XLSX and the
        // slip's deviation statement included) plus its parse result; none of the other's.
        let my_jobs: Vec<i64> = fx
            .core
            .jobs_list(me, 100)
            .await
            .unwrap()
            .iter()
            .map(|j| j.id)
            .collect();
        assert_eq!(my_jobs.len(), 3, "parse, bill and slip: {my_jobs:?}");
        let outputs = fx.core.outputs_list(me, None).await.unwrap();
        assert!(!outputs.is_empty());
        assert!(
            outputs.iter().all(|o| my_jobs.contains(&o.job_id)),
            "{outputs:?}"
        );
    }
    // Nothing the other org tried changed either chain.
    assert_eq!(fx.core.bill_list(&alice, a).await.unwrap().len(), 1);
    assert_eq!(fx.core.bill_list(&bert, b).await.unwrap().len(), 1);
    assert_eq!(fx.core.workslip_list(&bert, b).await.unwrap().len(), 1);
}

/// The sync target, its outbox and the organization's settings (the currency mark) are each
/// org's own: configuring them in one org changes and shows nothing in the other.
#[tokio::test]
async fn sync_targets_outboxes_and_org_settings_do_not_leak_across_orgs() {
    use sitebook_core::domain::money::CurrencyMark;
    use sitebook_core::secrets::Secret;
    use sitebook_core::sync::config::SyncSettings;

    let fx = fixture().await;
    let (alice, bert) = fx.two_orgs(MembershipRole::Owner).await;
    // Its own target spelled out: which org holds it is what the test checks.
    let settings = SyncSettings {
        endpoint: "https://s3.ap-south-1.amazonaws.com".into(),
        region: "ap-south-1".into(),
        bucket: "aaa-works".into(),
        prefix: "sitebook".into(),
        path_style: false,
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
    };
    fx.core
        .sync_configure(&alice, &settings, Some(&Secret::new("aaa-secret")))
        .await
        .unwrap();
    fx.core
        .currency_mark_set(&alice, CurrencyMark::RupeeSign)
        .await
        .unwrap();

    let theirs = fx.core.sync_status(&bert).await.unwrap();
    assert!(theirs.target.is_none(), "B sees no target: {theirs:?}");
    assert_eq!(fx.core.sync_settings(&bert).await.unwrap(), None);
    assert_eq!(
        fx.core.currency_mark(&bert).await.unwrap(),
        CurrencyMark::Rs,
        "B keeps the default mark"
    );
    // Acting on sync in B acts on B's (absent) target, never on A's.
    assert!(fx.core.sync_test(&bert).await.is_err());
    fx.core.sync_set_enabled(&bert, false).await.unwrap_err();
    let mine = fx.core.sync_status(&alice).await.unwrap();
    assert_eq!(
        mine.target.expect("A's target").settings.bucket,
        "aaa-works"
    );
    assert_eq!(
        fx.core.currency_mark(&alice).await.unwrap(),
        CurrencyMark::RupeeSign
    );
}
