//! Two-organization leak tests: for every org-owned table, the scoped reads of one org return
//! none of the other org's rows. New org-owned tables add a case here.

mod common;

use common::fixture;
use sitebook_core::domain::permissions::MembershipRole;
use sitebook_core::tenancy::audit_log::AuditFilter;

#[tokio::test]
async fn memberships_do_not_leak_across_orgs() {
    let fx = fixture().await;
    let (alice, bert) = fx.two_orgs(MembershipRole::Admin).await;
    let a: Vec<String> = fx
        .core
        .member_list(&alice)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.username)
        .collect();
    let b: Vec<String> = fx
        .core
        .member_list(&bert)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.username)
        .collect();
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
