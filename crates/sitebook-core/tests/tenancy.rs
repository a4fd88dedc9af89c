//! Core integration tests of accounts, organizations, memberships, the session and the gate,
//! on a temp data dir with no window.

mod common;

use chrono::Duration;
use common::{fixture, Fixture, PASSWORD};
use sitebook_core::domain::permissions::{Action, EffectiveRole, MembershipRole, UserKind};
use sitebook_core::tenancy::accounts::{NewAccount, Password};
use sitebook_core::tenancy::audit_log::AuditFilter;
use sitebook_core::tenancy::orgs::{NewOrg, OrgType};
use sitebook_core::tenancy::session::Session;
use sitebook_core::Error;

/// Asserts that `result` was refused as denied.
#[track_caller]
/// A standard account named `username` ("`username` Person"), with the fixtures' password.
fn standard_account(username: &str, personal_org: bool) -> NewAccount {
    NewAccount {
        username: username.into(),
        full_name: format!("{username} Person"),
        kind: UserKind::Standard,
        password: Password::new(PASSWORD),
        personal_org,
    }
}

fn assert_denied<T: std::fmt::Debug>(result: sitebook_core::Result<T>) {
    assert!(matches!(result, Err(Error::Denied(_))), "{result:?}");
}

// Alike in shape to leaks.rs's `member_names`, over another list and field.
/// The codes of the orgs `session` may see, as the org list gives them.
async fn org_codes(fx: &Fixture, session: &Session) -> Vec<String> {
    fx.core
        .org_list(session)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.code)
        .collect()
}

fn denied_rows_for(
    rows: &[sitebook_core::tenancy::audit_log::AuditEntry],
    user: &str,
    action: &str,
) -> usize {
    rows.iter()
        .filter(|r| r.username.as_deref() == Some(user) && r.action == action)
        .filter(|r| r.outcome == "denied")
        .count()
}

#[tokio::test]
async fn first_account_is_a_superuser_owning_a_personal_org() {
    let fx = fixture().await;
    assert_eq!(fx.root.user().kind, UserKind::Superuser);
    let active = fx.root.active_org().expect("personal org is active");
    assert_eq!(active.name, "Root's Organization");
    assert_eq!(active.slug, "root");
    let members = fx.core.member_list(&fx.root).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].role, MembershipRole::Owner);
    assert!(members[0].primary);
    let again = fx
        .core
        .init_first_account("second", "Second Person", Password::new(PASSWORD))
        .await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
}

#[tokio::test]
async fn passwords_are_stored_only_as_argon2id_hashes() {
    let fx = fixture().await;
    // A raw read, spelled out like the others in these tests: the SQL is part of the check.
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'root'")
            .fetch_one(fx.core.unscoped_pool_for_tests())
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn five_failures_in_fifteen_minutes_lock_the_account_for_fifteen_minutes() {
    let fx = fixture().await;
    fx.user("bob", UserKind::Standard, None).await;
    for attempt in 1..=4 {
        let result = fx
            .core
            .sign_in("bob", Password::new("wrong pass"), None)
            .await;
        assert!(
            matches!(result, Err(Error::AuthFailed(_))),
            "attempt {attempt}: {result:?}"
        );
        fx.core.clock().advance(Duration::minutes(2));
    }
    let fifth = fx
        .core
        .sign_in("bob", Password::new("wrong pass"), None)
        .await;
    assert!(matches!(fifth, Err(Error::AccountLocked(_))), "{fifth:?}");
    // Even the right password is refused while locked.
    let locked = fx.core.sign_in("bob", Password::new(PASSWORD), None).await;
    assert!(matches!(locked, Err(Error::AccountLocked(_))), "{locked:?}");
    fx.core
        .clock()
        .advance(Duration::minutes(15) + Duration::seconds(1));
    fx.core
        .sign_in("bob", Password::new(PASSWORD), None)
        .await
        .expect("the lock expires after 15 minutes");

    let audit = fx.audit().await;
    let failures = audit
        .iter()
        .filter(|r| {
            r.action == "sign_in" && r.outcome == "failure" && r.username.as_deref() == Some("bob")
        })
        .count();
    assert_eq!(failures, 6, "5 wrong passwords + 1 refused while locked");
    assert_eq!(denied_rows_for(&audit, "bob", "sign_in.lockout"), 1);
}

#[tokio::test]
async fn an_admin_of_the_members_org_unlocks_a_locked_account_and_no_one_else_can() {
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.org("BBB").await;
    fx.member("bob", "AAA", MembershipRole::Member).await;
    fx.member("adam", "AAA", MembershipRole::Admin).await;
    fx.member("vera", "AAA", MembershipRole::Viewer).await;
    fx.member("bea", "BBB", MembershipRole::Admin).await;
    let adam = fx.sign_in_to("adam", "AAA").await;
    let vera = fx.sign_in_to("vera", "AAA").await;
    let bea = fx.sign_in_to("bea", "BBB").await;
    for _ in 0..5 {
        let _ = fx
            .core
            .sign_in("bob", Password::new("wrong pass"), None)
            .await;
    }
    let locked = fx.core.sign_in("bob", Password::new(PASSWORD), None).await;
    match &locked {
        Err(Error::AccountLocked(message)) => {
            assert!(message.contains("sitebook member unlock bob"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let bob_in_list = |members: Vec<sitebook_core::tenancy::memberships::MemberView>| {
        members.into_iter().find(|m| m.username == "bob").unwrap()
    };
    let listed = bob_in_list(fx.core.member_list(&adam).await.unwrap());
    let until = listed.locked_until.expect("the list shows the lock");
    assert!(until.ends_with('Z'), "{until}");

    // A viewer may not, and an admin of an org bob is not in finds no such member.
    let refused = fx.core.member_unlock(&vera, "bob").await.unwrap_err();
    assert!(matches!(refused, Error::Denied(_)), "{refused:?}");
    let elsewhere = fx.core.member_unlock(&bea, "bob").await.unwrap_err();
    assert!(matches!(elsewhere, Error::NotFound(_)), "{elsewhere:?}");
    assert!(fx
        .core
        .sign_in("bob", Password::new(PASSWORD), None)
        .await
        .is_err());

    assert!(fx.core.member_unlock(&adam, "bob").await.unwrap());
    let listed = bob_in_list(fx.core.member_list(&adam).await.unwrap());
    assert_eq!(listed.locked_until, None);
    fx.core
        .sign_in("bob", Password::new(PASSWORD), None)
        .await
        .expect("bob signs in at once, well before the 15 minutes");
    assert!(!fx.core.member_unlock(&adam, "bob").await.unwrap());

    // The unlocks are audited with who, whom and what was lifted; the refusals too.
    let audit = fx.audit().await;
    let unlocks: Vec<_> = audit
        .iter()
        .filter(|r| r.action == "member.unlock" && r.outcome == "success")
        .collect();
    assert_eq!(unlocks.len(), 2, "{unlocks:?}");
    assert!(unlocks
        .iter()
        .all(|r| r.username.as_deref() == Some("adam") && r.object_id.as_deref() == Some("bob")));
    assert!(unlocks[1]
        .reason
        .as_deref()
        .unwrap()
        .starts_with("locked until "));
    assert_eq!(unlocks[0].reason.as_deref(), Some("was not locked"));
    assert_eq!(denied_rows_for(&audit, "vera", "members.manage"), 1);
}

#[tokio::test]
async fn failures_spread_over_more_than_fifteen_minutes_do_not_lock() {
    let fx = fixture().await;
    fx.user("bob", UserKind::Standard, None).await;
    for _ in 0..6 {
        let result = fx
            .core
            .sign_in("bob", Password::new("wrong pass"), None)
            .await;
        assert!(matches!(result, Err(Error::AuthFailed(_))), "{result:?}");
        fx.core.clock().advance(Duration::minutes(4));
    }
    fx.core
        .sign_in("bob", Password::new(PASSWORD), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_user_and_duplicate_username_give_clear_errors() {
    let fx = fixture().await;
    fx.user("asha", UserKind::Standard, None).await;
    // An unknown user and a wrong password get the same words, so sign-in never tells a
    // stranger who has an account here; the audit log keeps the difference.
    let unknown = fx
        .core
        .sign_in("nobody", Password::new(PASSWORD), None)
        .await;
    let wrong = fx
        .core
        .sign_in("asha", Password::new("not the password"), None)
        .await;
    match (unknown, wrong) {
        (Err(Error::AuthFailed(unknown)), Err(Error::AuthFailed(wrong))) => {
            assert_eq!(unknown, wrong);
            assert!(
                unknown.contains("username or password is wrong"),
                "{unknown}"
            );
        }
        other => panic!("{other:?}"),
    }
    let reasons: Vec<_> = fx
        .audit()
        .await
        .into_iter()
        .filter(|row| row.action == "sign_in")
        .filter_map(|row| row.reason)
        .collect();
    assert!(reasons.iter().any(|r| r == "unknown user"), "{reasons:?}");
    assert!(reasons.iter().any(|r| r == "wrong password"), "{reasons:?}");
    let duplicate = fx
        .core
        .user_add(
            &fx.root.without_active_org(),
            NewAccount {
                username: "ASHA".into(),
                full_name: "Another Asha".into(),
                kind: UserKind::Standard,
                password: Password::new(PASSWORD),
                personal_org: false,
            },
            None,
        )
        .await;
    assert!(
        matches!(duplicate, Err(Error::Conflict(_))),
        "{duplicate:?}"
    );
}

#[tokio::test]
async fn new_accounts_get_a_personal_org_unless_asked_not_to() {
    let fx = fixture().await;
    let created = fx
        .core
        .user_add(
            &fx.root,
            NewAccount {
                username: "meera.k".into(),
                full_name: "Meera Krishnan".into(),
                kind: UserKind::Standard,
                password: Password::new(PASSWORD),
                personal_org: true,
            },
            Some(MembershipRole::Viewer),
        )
        .await
        .unwrap();
    assert_eq!(created.username, "meera.k");
    let meera = fx.sign_in("meera.k").await;
    let orgs = fx.core.org_list(&meera).await.unwrap();
    let personal = orgs
        .iter()
        .find(|o| o.slug == "meera-k")
        .expect("personal org");
    assert_eq!(personal.name, "Meera's Organization");
    assert_eq!(personal.role, EffectiveRole::Owner);
    assert_eq!(personal.plan.as_str(), "free");
    // The personal org came first, so it is primary and active by default.
    assert!(personal.active);
    let root_org = orgs.iter().find(|o| o.slug == "root").expect("root's org");
    assert_eq!(root_org.role, EffectiveRole::Viewer);
}

#[tokio::test]
async fn org_codes_match_case_insensitively_and_are_unique() {
    let fx = fixture().await;
    fx.org("MOH").await;
    let duplicate = fx
        .core
        .org_create(
            &fx.root,
            NewOrg {
                code: "moh".into(),
                name: "Again".into(),
                org_type: OrgType::Office,
            },
        )
        .await;
    assert!(
        matches!(duplicate, Err(Error::Conflict(_))),
        "{duplicate:?}"
    );
    let mut root = fx.root.clone();
    fx.core.org_switch(&mut root, "mOh").await.unwrap();
    assert_eq!(root.active_org().unwrap().code, "MOH");
    let unknown = fx.core.org_switch(&mut root, "NOPE").await;
    assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
}

#[tokio::test]
async fn a_personal_organization_is_made_only_with_its_account() {
    let fx = fixture().await;
    let created = fx
        .core
        .org_create(
            &fx.root,
            NewOrg {
                code: "MINE".into(),
                name: "Mine".into(),
                org_type: OrgType::Personal,
            },
        )
        .await;
    match created {
        Err(Error::Validation(message)) => assert!(
            message.starts_with("A personal organization is made only with its account")
                && message.contains("ministry, office, agency, special, commission, company"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    let roster = "code,name,type\nMOF,Finance,ministry\nMINE,Mine,personal\n";
    match fx.core.org_import(&fx.root, "roster.csv", roster).await {
        Err(Error::Validation(message)) => assert!(
            message.contains("line 3: type 'personal' is not one of ministry, office, agency, special, commission, company")
                && message.contains("nothing was imported"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    let codes = org_codes(&fx, &fx.root).await;
    assert!(
        !codes.contains(&"MINE".to_string()) && !codes.contains(&"MOF".to_string()),
        "{codes:?}"
    );
}

#[tokio::test]
async fn roster_import_is_all_or_nothing() {
    let fx = fixture().await;
    fx.org("MOH").await;
    let bad = "code,name,type\nMOF,Finance,ministry\nMOH,Health again,ministry\nOCM,Chief Minister,bureau\n";
    let result = fx.core.org_import(&fx.root, "roster.csv", bad).await;
    match result {
        Err(Error::Validation(message)) => {
            assert!(message.contains("line 4: type 'bureau'"), "{message}");
            assert!(message.contains("nothing was imported"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Line 3 clashes with the database only once the file itself is clean.
    let clash = "code,name,type\nMOF,Finance,ministry\nMOH,Health again,ministry\n";
    match fx.core.org_import(&fx.root, "roster.csv", clash).await {
        Err(Error::Validation(message)) => {
            assert!(
                message.contains("line 3: code 'MOH' already exists"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    let codes = org_codes(&fx, &fx.root).await;
    assert!(
        !codes.contains(&"MOF".to_string()),
        "nothing of a bad roster is imported"
    );

    let roster = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/orgs.csv"
    ))
    .unwrap();
    let report = fx
        .core
        .org_import(&fx.root, "orgs.csv", &roster.replace("MOH,", "MOH2,"))
        .await
        .unwrap();
    assert!(report.imported >= 10);
}

#[tokio::test]
async fn active_org_resolution_follows_the_documented_order() {
    let fx = fixture().await;
    for code in ["AAA", "BBB", "CCC"] {
        fx.org(code).await;
    }
    // Nobody: a standard user with no membership has no active org, and is denied.
    fx.user("lone", UserKind::Standard, None).await;
    let lone = fx.sign_in("lone").await;
    assert!(lone.active_org().is_none());
    let denied = fx.core.authorize(&lone, Action::OrgView).await;
    assert!(matches!(denied, Err(Error::NoActiveOrg)), "{denied:?}");
    let audit = fx.audit().await;
    assert_eq!(
        denied_rows_for(&audit, "lone", "org.view"),
        1,
        "the refusal is audited"
    );

    // First membership, when none is primary... the first one added is primary.
    fx.member("ravi", "BBB", MembershipRole::Member).await;
    let root = fx.root_in("CCC").await;
    fx.core
        .member_add(&root, "ravi", MembershipRole::Member)
        .await
        .unwrap();
    assert_eq!(fx.sign_in("ravi").await.active_org().unwrap().code, "BBB");

    // Last used beats primary.
    let mut ravi = fx.sign_in("ravi").await;
    fx.core.org_switch(&mut ravi, "ccc").await.unwrap();
    assert_eq!(fx.sign_in("ravi").await.active_org().unwrap().code, "CCC");

    // Explicit beats last used, and is not remembered.
    assert_eq!(
        fx.sign_in_to("ravi", "BBB")
            .await
            .active_org()
            .unwrap()
            .code,
        "BBB"
    );
    assert_eq!(fx.sign_in("ravi").await.active_org().unwrap().code, "CCC");

    // A last-used org that can no longer be entered falls back to the primary membership.
    fx.core.member_remove(&root, "ravi").await.unwrap();
    assert_eq!(fx.sign_in("ravi").await.active_org().unwrap().code, "BBB");
}

#[tokio::test]
async fn standard_users_cannot_switch_into_orgs_without_a_membership() {
    let fx = fixture().await;
    fx.org("MOH").await;
    fx.org("MAFAR").await;
    fx.member("field", "MOH", MembershipRole::Member).await;
    let mut field = fx.sign_in("field").await;
    let codes = org_codes(&fx, &field).await;
    assert_eq!(codes, ["MOH"]);
    assert_denied(fx.core.org_switch(&mut field, "MAFAR").await);
    assert_eq!(
        field.active_org().unwrap().code,
        "MOH",
        "a refused switch changes nothing"
    );
    let audit = fx.audit().await;
    assert_eq!(denied_rows_for(&audit, "field", "org.switch"), 1);
    // An org that exists and one that does not are refused in the same words, so refusals
    // cannot be used to list the organizations on the machine.
    let refusal = |result: sitebook_core::Result<()>| match result {
        Err(Error::Denied(message)) => message,
        other => panic!("{other:?}"),
    };
    let existing = refusal(fx.core.org_switch(&mut field, "mafar").await);
    let missing = refusal(fx.core.org_switch(&mut field, "mafaz").await);
    assert_eq!(
        existing.replace("mafar", "X"),
        missing.replace("mafaz", "X")
    );
    assert!(
        existing.starts_with("You cannot enter 'mafar'"),
        "{existing}"
    );

    // A member of an org made inactive knows it exists, and is told why.
    sqlx::query("UPDATE organizations SET active = 0 WHERE code IN ('MOH', 'MAFAR')")
        .execute(fx.core.unscoped_pool_for_tests())
        .await
        .unwrap();
    let own = refusal(fx.core.org_switch(&mut field, "moh").await);
    assert_eq!(own, "MOH is inactive; nobody can switch into it.");
    let other = refusal(fx.core.org_switch(&mut field, "mafar").await);
    assert!(other.starts_with("You cannot enter 'mafar'"), "{other}");
}

#[tokio::test]
async fn operations_and_oversight_reach_every_org_with_their_powers() {
    let fx = fixture().await;
    fx.org("MOH").await;
    fx.org("OOBC").await;
    fx.user("ops", UserKind::Operations, None).await;
    fx.user("cmo", UserKind::Oversight, None).await;
    fx.user("target", UserKind::Standard, None).await;

    let mut ops = fx.sign_in("ops").await;
    fx.core.org_switch(&mut ops, "oobc").await.unwrap();
    assert_eq!(ops.active_org().unwrap().role, EffectiveRole::Operations);
    fx.core
        .member_add(&ops, "target", MembershipRole::Admin)
        .await
        .unwrap();
    let owner = fx
        .core
        .member_set_role(&ops, "target", MembershipRole::Owner)
        .await;
    assert!(
        matches!(owner, Err(Error::Denied(_))),
        "operations is never owner: {owner:?}"
    );

    let mut cmo = fx.sign_in("cmo").await;
    let all = org_codes(&fx, &cmo).await;
    assert!(
        all.contains(&"MOH".to_string())
            && all.contains(&"OOBC".to_string())
            && all.contains(&"root".to_string())
    );
    fx.core.org_switch(&mut cmo, "MOH").await.unwrap();
    assert!(fx.core.view(&cmo).await.unwrap().read_only);
    // Spelled out, not looped: each refused write names its own call, so a failure reads alone.
    fx.core.org_show(&cmo).await.expect("oversight reads");
    fx.core
        .member_list(&cmo)
        .await
        .expect("oversight reads members");
    assert_denied(
        fx.core
            .member_add(&cmo, "target", MembershipRole::Viewer)
            .await,
    );
    assert_denied(
        fx.core
            .org_create(
                &cmo,
                NewOrg {
                    code: "NEW".into(),
                    name: "New".into(),
                    org_type: OrgType::Office,
                },
            )
            .await,
    );
    let audit = fx.audit().await;
    assert_eq!(denied_rows_for(&audit, "cmo", "members.manage"), 1);
    assert_eq!(denied_rows_for(&audit, "cmo", "org.create"), 1);
    // The refused member command names the account it was about.
    let refused = audit
        .iter()
        .find(|r| r.action == "members.manage" && r.username.as_deref() == Some("cmo"))
        .unwrap();
    assert_eq!(
        (refused.object_type.as_deref(), refused.object_id.as_deref()),
        (Some("user"), Some("target"))
    );
    // Oversight reads every organization's audit rows.
    let seen = fx
        .core
        .audit_list(
            &cmo,
            AuditFilter {
                denied_only: false,
                limit: 1000,
            },
        )
        .await
        .unwrap();
    assert!(seen.iter().any(|r| r.org_code.as_deref() == Some("OOBC")));
}

#[tokio::test]
async fn owners_alone_manage_owners_and_the_last_owner_stays() {
    let fx = fixture().await;
    fx.org("MOH").await;
    // One member of each role, spelled out: each name is used below.
    fx.member("olga", "MOH", MembershipRole::Owner).await;
    fx.member("adam", "MOH", MembershipRole::Admin).await;
    fx.member("mia", "MOH", MembershipRole::Member).await;
    fx.member("vik", "MOH", MembershipRole::Viewer).await;

    // Spelled out, not looped: each refused change names its own roles, so a failure reads alone.
    let adam = fx.sign_in("adam").await;
    fx.core
        .member_set_role(&adam, "mia", MembershipRole::Admin)
        .await
        .expect("admins manage admins");
    assert_denied(
        fx.core
            .member_set_role(&adam, "mia", MembershipRole::Owner)
            .await,
    );
    assert_denied(
        fx.core
            .member_set_role(&adam, "olga", MembershipRole::Member)
            .await,
    );
    assert_denied(fx.core.member_remove(&adam, "olga").await);

    let vik = fx.sign_in("vik").await;
    let viewer_write = fx
        .core
        .member_set_role(&vik, "mia", MembershipRole::Viewer)
        .await;
    assert!(
        matches!(viewer_write, Err(Error::Denied(_))),
        "{viewer_write:?}"
    );

    let olga = fx.sign_in("olga").await;
    let last = fx
        .core
        .member_set_role(&olga, "olga", MembershipRole::Admin)
        .await;
    assert!(
        matches!(&last, Err(Error::Denied(m)) if m.contains("last owner")),
        "{last:?}"
    );
    let leave = fx.core.member_remove(&olga, "olga").await;
    assert!(
        matches!(&leave, Err(Error::Denied(m)) if m.contains("last owner")),
        "{leave:?}"
    );

    fx.core
        .member_set_role(&olga, "mia", MembershipRole::Owner)
        .await
        .unwrap();
    fx.core
        .member_remove(&olga, "olga")
        .await
        .expect("no longer the last owner");
    let members = fx
        .core
        .member_list(&fx.sign_in_to("mia", "MOH").await)
        .await
        .unwrap();
    assert!(members.iter().all(|m| m.username != "olga"));

    // Each audit row is checked on its own fields, spelled out (as in payments.rs).
    let audit = fx.audit().await;
    assert!(audit.iter().any(|r| r.action == "member.role"
        && r.outcome == "success"
        && r.reason.as_deref() == Some("admin -> owner")));
    assert!(audit.iter().any(|r| r.action == "member.remove"
        && r.outcome == "success"
        && r.object_id.as_deref() == Some("olga")));
    assert!(audit.iter().any(|r| r.action == "member.role"
        && r.outcome == "denied"
        && r.reason.as_deref() == Some("last owner")));
}

#[tokio::test]
async fn a_revoked_membership_takes_effect_immediately() {
    let fx = fixture().await;
    fx.org("MOH").await;
    fx.member("mia", "MOH", MembershipRole::Admin).await;
    let mia = fx.sign_in("mia").await;
    fx.core.member_list(&mia).await.unwrap();
    let root = fx.root_in("MOH").await;
    fx.core
        .member_set_role(&root, "mia", MembershipRole::Viewer)
        .await
        .unwrap();
    assert_denied(fx.core.member_list(&mia).await);
    fx.core.member_remove(&root, "mia").await.unwrap();
    assert_denied(fx.core.org_show(&mia).await);
}

#[tokio::test]
async fn another_orgs_audit_row_is_not_found_and_the_attempt_is_audited() {
    let fx = fixture().await;
    fx.org("MOH").await;
    fx.org("MAFAR").await;
    fx.member("hadmin", "MOH", MembershipRole::Admin).await;
    fx.member("aadmin", "MAFAR", MembershipRole::Admin).await;
    let aadmin = fx.sign_in("aadmin").await;
    fx.core.org_show(&aadmin).await.unwrap();
    let mafar_row = fx
        .core
        .audit_list(&aadmin, AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.org_code.as_deref() == Some("MAFAR"))
        .expect("a MAFAR row");

    let hadmin = fx.sign_in("hadmin").await;
    let cross = fx.core.audit_show(&hadmin, mafar_row.id).await;
    let missing = fx.core.audit_show(&hadmin, 9_999_999).await;
    match (cross, missing) {
        (Err(Error::NotFound(a)), Err(Error::NotFound(b))) => {
            assert_eq!(
                a.replace(&mafar_row.id.to_string(), "N"),
                b.replace("9999999", "N")
            );
        }
        other => panic!("{other:?}"),
    }
    // Both attempts are audited in MOH, which hadmin's fellow admins read, as the same denial:
    // the log no more tells them which ids exist in MAFAR than the answer did.
    let audit = fx.audit().await;
    let denial_of = |id: String| {
        audit
            .iter()
            .find(|r| {
                r.username.as_deref() == Some("hadmin")
                    && r.outcome == "denied"
                    && r.object_id.as_deref() == Some(id.as_str())
            })
            .map(|r| (r.org_code.clone(), r.action.clone(), r.reason.clone()))
            .unwrap_or_else(|| panic!("no denied row for {id}"))
    };
    let cross_row = denial_of(mafar_row.id.to_string());
    assert_eq!(cross_row, denial_of("9999999".to_string()));
    assert_eq!(cross_row.0.as_deref(), Some("MOH"));
    assert_eq!(
        cross_row.2.as_deref(),
        Some("no such object in this organization")
    );
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    let fx = fixture().await;
    let pool = fx.core.unscoped_pool_for_tests();
    let update = sqlx::query("UPDATE audit_log SET outcome = 'allowed'")
        .execute(pool)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM audit_log").execute(pool).await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[tokio::test]
async fn audit_rows_record_time_user_org_action_outcome_and_device() {
    let fx = fixture().await;
    fx.org("MOH").await;
    let mut root = fx.root.clone();
    fx.core.org_switch(&mut root, "MOH").await.unwrap();
    let row = fx
        .audit()
        .await
        .into_iter()
        .find(|r| r.action == "org.switch")
        .unwrap();
    assert_eq!(row.username.as_deref(), Some("root"));
    assert_eq!(row.org_code.as_deref(), Some("MOH"));
    assert_eq!(row.outcome, "success");
    assert_eq!(row.device, "test-device");
    assert_eq!(row.at, "2026-11-20T09:00:00.000Z");
}

#[tokio::test]
async fn owners_and_admins_see_only_their_orgs_audit_rows() {
    let fx = fixture().await;
    fx.org("MOH").await;
    fx.member("hadmin", "MOH", MembershipRole::Admin).await;
    fx.member("mem", "MOH", MembershipRole::Member).await;
    let hadmin = fx.sign_in("hadmin").await;
    let rows = fx
        .core
        .audit_list(
            &hadmin,
            AuditFilter {
                denied_only: false,
                limit: 1000,
            },
        )
        .await
        .unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r.org_code.as_deref() == Some("MOH")),
        "{rows:?}"
    );
    let mem = fx.sign_in("mem").await;
    assert_denied(fx.core.audit_list(&mem, AuditFilter::default()).await);
    let denied = fx
        .core
        .audit_list(
            &hadmin,
            AuditFilter {
                denied_only: true,
                limit: 1000,
            },
        )
        .await
        .unwrap();
    assert!(denied
        .iter()
        .all(|r| r.outcome == "denied" || r.outcome == "failure"));
    assert!(denied.iter().any(|r| r.username.as_deref() == Some("mem")));
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let fx = fixture().await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
    )
    .execute(fx.core.unscoped_pool_for_tests())
    .await
    .unwrap();
    let reopened =
        sitebook_core::Sitebook::open(sitebook_core::api::OpenOptions::new(fx.dir.path())).await;
    match reopened {
        Err(error @ Error::NewerSchema(_)) => {
            assert_eq!(error.code(), "newer_schema");
            assert!(
                error.to_string().contains("newer version of Sitebook"),
                "{error}"
            );
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a newer database must be refused"),
    }
}

#[tokio::test]
async fn the_store_runs_with_wal_foreign_keys_and_full_sync() {
    let fx = fixture().await;
    let pool = fx.core.unscoped_pool_for_tests();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    assert_eq!(foreign_keys, 1);
    assert_eq!(synchronous, 2, "FULL");

    // A busy timeout: a writer that meets another connection's write lock waits for it (the
    // store's own busy handler, which replaces SQLite's `busy_timeout`) instead of failing.
    sqlx::query("CREATE TABLE busy_probe (value INTEGER)")
        .execute(pool)
        .await
        .unwrap();
    let mut holder = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
    sqlx::query("INSERT INTO busy_probe VALUES (1)")
        .execute(&mut *holder)
        .await
        .unwrap();
    let released = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        holder.commit().await.unwrap();
    });
    sqlx::query("INSERT INTO busy_probe VALUES (2)")
        .execute(pool)
        .await
        .expect("a second writer waits for the lock");
    released.await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM busy_probe")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn the_gate_grants_a_write_proof_only_for_write_actions_and_roles_that_may_write() {
    use sitebook_core::tenancy::gate::authorize_write;
    let fx = fixture().await;
    let (member, _) = fx.two_orgs(MembershipRole::Member).await;
    fx.member("vera", "AAA", MembershipRole::Viewer).await;
    let viewer = fx.sign_in("vera").await;
    let ctx = fx.core.context();

    let scope = authorize_write(ctx, &member, Action::UploadCreate)
        .await
        .expect("a member may upload");
    assert_eq!(scope.org_code(), "AAA");
    // A read action never yields a write proof, whoever asks.
    for action in Action::ALL.into_iter().filter(|a| !a.is_write()) {
        let refused = authorize_write(ctx, &fx.root, action).await;
        assert!(matches!(refused, Err(Error::Internal(_))), "{action:?}");
    }
    // A viewer is refused every write, and each refusal is audited.
    assert_denied(authorize_write(ctx, &viewer, Action::UploadCreate).await);
    assert_eq!(
        denied_rows_for(&fx.audit().await, "vera", "upload.create"),
        1
    );
}

#[tokio::test]
async fn an_oversight_account_cannot_remove_even_its_own_membership() {
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.user(
        "otto",
        UserKind::Oversight,
        Some(("AAA", MembershipRole::Member)),
    )
    .await;
    let otto = fx.sign_in_to("otto", "AAA").await;
    assert_denied(fx.core.member_remove(&otto, "otto").await);
    assert_eq!(
        denied_rows_for(&fx.audit().await, "otto", "membership.leave"),
        1
    );
    let members = fx
        .core
        .member_list(&fx.sign_in_to("root", "AAA").await)
        .await
        .unwrap();
    assert!(
        members.iter().any(|m| m.username == "otto"),
        "still a member"
    );
}

#[tokio::test]
async fn an_enormous_org_code_is_neither_stored_nor_echoed_whole() {
    let fx = fixture().await;
    let huge = format!("\u{1b}[31m{}", "X".repeat(100_000));
    let mut root = fx.root.clone();
    let Err(Error::NotFound(message)) = fx.core.org_switch(&mut root, &huge).await else {
        panic!("an unknown code is not found");
    };
    assert!(message.len() < 300, "{} characters echoed", message.len());
    assert!(!message.contains('\u{1b}'), "no control characters echoed");
    // Its own audit lookup, alike in shape to sync_config.rs: each test looks for other rows.
    let row = fx
        .audit()
        .await
        .into_iter()
        .find(|row| row.action == "org.switch" && row.outcome == "denied")
        .unwrap();
    let stored = row.object_id.unwrap();
    assert!(stored.len() < 100, "{} characters stored", stored.len());
}

#[tokio::test]
async fn an_enormous_unknown_username_is_not_stored_whole() {
    let fx = fixture().await;
    let huge = format!("\u{1b}[31m{}", "Y".repeat(100_000));
    let refused = fx
        .core
        .sign_in(&huge, Password::new("whatever-it-is"), None)
        .await;
    assert!(matches!(refused, Err(Error::AuthFailed(_))), "{refused:?}");
    let row = fx
        .audit()
        .await
        .into_iter()
        .find(|row| row.outcome == "failure" && row.reason.as_deref() == Some("unknown user"))
        .expect("the refused sign-in is audited");
    let stored = row.username.unwrap();
    assert!(stored.len() < 100, "{} characters stored", stored.len());
    assert!(!stored.contains('\u{1b}'), "no control characters stored");
    assert!(stored.starts_with("[31mYYYY"), "{stored}");
}

#[tokio::test]
async fn a_repeated_read_is_counted_on_one_audit_row_and_denials_each_get_their_own() {
    let fx = fixture().await;
    let (alice, _) = fx.two_orgs(MembershipRole::Viewer).await;
    for _ in 0..8 {
        fx.core.jobs_list(&alice, 10).await.unwrap();
    }
    let views = |entries: &[sitebook_core::tenancy::audit_log::AuditEntry]| {
        entries
            .iter()
            .filter(|e| e.action == "jobs.view" && e.username.as_deref() == Some("alice"))
            .map(|e| e.repeats)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        views(&fx.audit().await),
        [8],
        "one row standing for eight reads"
    );

    // A minute later the same read starts a row of its own.
    fx.core.clock().advance(chrono::Duration::seconds(61));
    fx.core.jobs_list(&alice, 10).await.unwrap();
    assert_eq!(views(&fx.audit().await), [1, 8], "newest first");

    // Refusals are never folded: each is a row.
    for _ in 0..3 {
        assert!(fx.core.job_retry(&alice, 999).await.is_err());
    }
    let denied = fx
        .audit()
        .await
        .into_iter()
        .filter(|e| e.username.as_deref() == Some("alice") && e.outcome == "denied")
        .count();
    assert_eq!(denied, 3);
}

#[tokio::test]
async fn names_that_would_read_as_something_else_are_refused() {
    let fx = fixture().await;
    // A full name on two lines printed a forged row in the member list.
    let forged = fx
        .core
        .user_add(
            &fx.root.without_active_org(),
            NewAccount {
                username: "mallory".into(),
                full_name: "Mallory\nasha  Asha Rao  owner".into(),
                kind: UserKind::Standard,
                password: Password::new(PASSWORD),
                personal_org: true,
            },
            None,
        )
        .await;
    match forged {
        Err(Error::Validation(message)) => {
            assert!(message.contains("control character"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // A roster line whose name overrides the direction of text, one with no name at all, and
    // one that looks like another org's name but for a zero-width space.
    let roster = "code,name,type\nMOF,Finance\u{202E}ecnaniF,ministry\nMOT,--,ministry\n\
                  MOX,Fin\u{200B}ance,ministry\n";
    match fx.core.org_import(&fx.root, "roster.csv", roster).await {
        Err(Error::Validation(message)) => {
            assert!(
                message.contains("line 2: name holds a character that overrides"),
                "{message}"
            );
            assert!(
                message.contains("line 3: name has no letter or digit"),
                "{message}"
            );
            assert!(
                message.contains("line 4: name holds an invisible character"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A roster of more organizations than any deployment has is refused before it is read on.
    let mut huge = String::from("code,name,type\n");
    for i in 0..5_001 {
        huge.push_str(&format!("C{i},Office {i},agency\n"));
    }
    match fx.core.org_import(&fx.root, "huge.csv", &huge).await {
        Err(Error::Validation(message)) => {
            assert!(
                message.contains("more than 5000 organizations"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(!org_codes(&fx, &fx.root).await.contains(&"MOF".to_string()));
}

#[tokio::test]
async fn a_refusal_names_who_can_grant_the_action() {
    let fx = fixture().await;
    fx.org("MOH").await;
    fx.member("adm", "MOH", MembershipRole::Admin).await;
    fx.member("mem", "MOH", MembershipRole::Member).await;
    // Only an owner may make an owner: asking an admin would not help.
    let adm = fx.sign_in("adm").await;
    match fx
        .core
        .member_set_role(&adm, "mem", MembershipRole::Owner)
        .await
    {
        Err(Error::Denied(message)) => {
            assert!(
                message.ends_with("Ask an owner of this organization."),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    // A member may ask an admin to manage members.
    let mem = fx.sign_in("mem").await;
    match fx
        .core
        .member_add(&mem, "adm", MembershipRole::Viewer)
        .await
    {
        Err(Error::Denied(message)) => {
            assert!(
                message.ends_with("Ask an owner or admin of this organization."),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_owner_enrols_and_unlocks_only_people_they_already_manage() {
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.org("BBB").await;
    fx.member("amy", "AAA", MembershipRole::Admin).await;
    fx.member("al", "AAA", MembershipRole::Admin).await;
    fx.member("bob", "AAA", MembershipRole::Member).await;
    fx.member("bea", "BBB", MembershipRole::Admin).await;
    fx.member("ben", "BBB", MembershipRole::Member).await;
    fx.member("eve", "BBB", MembershipRole::Owner).await;
    fx.user("cmo", UserKind::Oversight, None).await;
    // amy is an admin of BBB too: she manages its members as well as AAA's.
    fx.core
        .member_add(&fx.root_in("BBB").await, "amy", MembershipRole::Admin)
        .await
        .unwrap();

    // eve owns BBB, but manages no one in AAA: she may not enrol AAA's admin into BBB (and
    // then unlock them there, guessing their password without end), nor root, nor oversight.
    let eve = fx.sign_in_to("eve", "BBB").await;
    for (whom, says) in [
        ("al", "only people you already manage"),
        ("bob", "only people you already manage"),
        (
            "root",
            "Only a superuser may add 'root', a superuser account",
        ),
        (
            "cmo",
            "Only a superuser may add 'cmo', an oversight account",
        ),
    ] {
        match fx.core.member_add(&eve, whom, MembershipRole::Viewer).await {
            Err(Error::Denied(message)) => assert!(message.contains(says), "{whom}: {message}"),
            other => panic!("{whom}: {other:?}"),
        }
    }
    // amy manages bob in AAA, so she may bring him into BBB; root may bring anyone.
    let amy = fx.sign_in_to("amy", "BBB").await;
    fx.core
        .member_add(&amy, "bob", MembershipRole::Member)
        .await
        .expect("an admin of bob's org brings him in");
    fx.core
        .member_add(&fx.root_in("BBB").await, "cmo", MembershipRole::Viewer)
        .await
        .expect("a superuser adds anyone");

    // Locked out, an oversight account is unlocked by a superuser only; a standard member by
    // whoever manages the org's members.
    for name in ["cmo", "ben"] {
        for _ in 0..5 {
            let _ = fx
                .core
                .sign_in(name, Password::new("wrong pass"), None)
                .await;
        }
    }
    let bea = fx.sign_in_to("bea", "BBB").await;
    match fx.core.member_unlock(&bea, "cmo").await {
        Err(Error::Denied(message)) => {
            assert!(
                message.contains("Only a superuser may unlock 'cmo'"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(fx.core.member_unlock(&bea, "ben").await.unwrap());
    assert!(fx
        .core
        .member_unlock(&fx.root_in("BBB").await, "cmo")
        .await
        .unwrap());

    // Each refusal is audited in BBB, naming whom it concerned.
    let audit = fx.audit().await;
    for (who, action, whom) in [
        ("eve", "member.add", "al"),
        ("eve", "member.add", "root"),
        ("bea", "member.unlock", "cmo"),
    ] {
        assert!(
            audit.iter().any(|r| r.username.as_deref() == Some(who)
                && r.action == action
                && r.outcome == "denied"
                && r.org_code.as_deref() == Some("BBB")
                && r.object_id.as_deref() == Some(whom)),
            "{who} {action} {whom}"
        );
    }
}

#[tokio::test]
async fn an_oversight_account_is_never_an_owner_nor_counted_as_one() {
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.member("olga", "AAA", MembershipRole::Owner).await;
    fx.member("adi", "AAA", MembershipRole::Admin).await;
    fx.user("cmo", UserKind::Oversight, None).await;
    let root = fx.root_in("AAA").await;
    // root owns nothing in AAA by membership; olga is its one owner.
    let refused = fx
        .core
        .member_add(&root, "cmo", MembershipRole::Owner)
        .await;
    assert!(matches!(refused, Err(Error::Validation(_))), "{refused:?}");
    fx.core
        .member_add(&root, "cmo", MembershipRole::Viewer)
        .await
        .unwrap();
    let refused = fx
        .core
        .member_set_role(&root, "cmo", MembershipRole::Owner)
        .await;
    assert!(matches!(refused, Err(Error::Validation(_))), "{refused:?}");

    // An owner membership of an oversight account left from before (written directly, as an
    // older version allowed) does not let the one real owner step down.
    let pool = fx.core.unscoped_pool_for_tests();
    sqlx::query(
        "UPDATE memberships SET role = 'owner' WHERE user_id = \
         (SELECT id FROM users WHERE username = 'cmo')",
    )
    .execute(pool)
    .await
    .unwrap();
    let olga = fx.sign_in_to("olga", "AAA").await;
    let demoted = fx
        .core
        .member_set_role(&olga, "olga", MembershipRole::Admin)
        .await;
    assert!(
        matches!(&demoted, Err(Error::Denied(m)) if m.contains("last owner")),
        "{demoted:?}"
    );
}

#[tokio::test]
async fn a_new_account_joins_someones_personal_organization_only_when_given_a_role_there() {
    let fx = fixture().await;
    let root = fx.sign_in("root").await;
    let active = root.active_org().expect("root's own organization").clone();
    assert_eq!(active.org_type, OrgType::Personal);
    let add = |username: &'static str, role: Option<MembershipRole>| {
        let core = &fx.core;
        let root = root.clone();
        async move {
            core.user_add(&root, standard_account(username, false), role)
                .await
                .unwrap();
        }
    };
    // By default a newcomer does not see root's own estimates; asked for, they may.
    add("newbie", None).await;
    add("helper", Some(MembershipRole::Viewer)).await;
    let members: Vec<String> = fx
        .core
        .member_list(&root)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.username)
        .collect();
    assert!(!members.contains(&"newbie".to_owned()), "{members:?}");
    assert!(members.contains(&"helper".to_owned()), "{members:?}");

    // Left out only by someone who may make accounts that belong nowhere: an oversight
    // account, read-only, makes none at all there (it is refused as a members change).
    fx.user("cmo", UserKind::Oversight, None).await;
    let cmo = fx.sign_in_to("cmo", &active.code).await;
    assert_denied(
        fx.core
            .user_add(&cmo, standard_account("stray", false), None)
            .await,
    );
}

#[tokio::test]
async fn a_personal_organization_never_takes_the_name_of_an_inbox_folder() {
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.core
        .user_add(
            &fx.root_in("AAA").await,
            standard_account("failed", true),
            Some(MembershipRole::Member),
        )
        .await
        .unwrap();
    let codes = org_codes(&fx, &fx.sign_in("failed").await).await;
    assert!(codes.contains(&"failed-2".to_owned()), "{codes:?}");
    assert!(
        !codes.iter().any(|c| c.eq_ignore_ascii_case("failed")),
        "{codes:?}"
    );
}

#[tokio::test]
async fn a_reset_or_unlock_needs_the_account_managed_in_every_organization_it_belongs_to() {
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.org("BBB").await;
    fx.member("dave", "AAA", MembershipRole::Admin).await;
    fx.member("olga", "AAA", MembershipRole::Owner).await;
    fx.member("carol", "BBB", MembershipRole::Owner).await;
    fx.user("ops", UserKind::Operations, None).await;
    let root_in_aaa = fx.root_in("AAA").await;
    fx.core
        .member_add(&root_in_aaa, "carol", MembershipRole::Member)
        .await
        .unwrap();
    // bob is a member of AAA and owns the personal organization made with his account.
    fx.core
        .user_add(
            &root_in_aaa,
            standard_account("bob", true),
            Some(MembershipRole::Member),
        )
        .await
        .unwrap();

    // A new password hands over the account everywhere it belongs: dave, an admin of AAA, may
    // not take AAA's owner (and with her, AAA), nor carol, who owns BBB; nor may he unlock them
    // to guess at their passwords. He may reset bob's, whom he manages wherever bob belongs but
    // in bob's own personal organization.
    let dave = fx.sign_in_to("dave", "AAA").await;
    let reset = |session: Session, whom: &'static str| {
        let core = &fx.core;
        async move {
            core.member_reset_password(&session, whom, Password::new("taken-over-1"))
                .await
        }
    };
    for whom in ["olga", "carol"] {
        match reset(dave.clone(), whom).await {
            Err(Error::Denied(message)) => assert!(
                message.contains(&format!(
                    "reset the password of '{whom}' only if you manage"
                )),
                "{message}"
            ),
            other => panic!("{whom}: {other:?}"),
        }
        assert_denied(fx.core.member_unlock(&dave, whom).await);
    }
    reset(dave.clone(), "bob").await.unwrap();

    // Operations acts as an admin everywhere, never an owner.
    let ops = fx.sign_in_to("ops", "AAA").await;
    assert_denied(reset(ops.clone(), "carol").await);
    assert_denied(reset(ops.clone(), "olga").await);
    reset(ops, "dave").await.unwrap();

    // olga owns AAA, but not BBB, which carol owns; she manages dave everywhere he belongs.
    let olga = fx.sign_in_to("olga", "AAA").await;
    assert_denied(reset(olga.clone(), "carol").await);
    reset(olga, "dave").await.unwrap();
    reset(root_in_aaa, "carol").await.unwrap();

    // Neither old password was changed by a refusal; each refusal is audited in AAA.
    fx.sign_in("olga").await;
    let audit = fx.audit().await;
    for (who, action, whom) in [
        ("dave", "member.password_reset", "olga"),
        ("dave", "member.password_reset", "carol"),
        ("dave", "member.unlock", "olga"),
        ("ops", "member.password_reset", "carol"),
        ("olga", "member.password_reset", "carol"),
    ] {
        assert!(
            audit.iter().any(|r| r.username.as_deref() == Some(who)
                && r.action == action
                && r.outcome == "denied"
                && r.org_code.as_deref() == Some("AAA")
                && r.object_id.as_deref() == Some(whom)
                && r.reason.as_deref()
                    == Some("not an account this person manages in each of its organizations")),
            "{who} {action} {whom}"
        );
    }
}

#[tokio::test]
async fn a_person_changes_their_password_and_an_admin_resets_a_forgotten_one() {
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.member("ada", "AAA", MembershipRole::Admin).await;
    fx.member("bob", "AAA", MembershipRole::Member).await;
    fx.user("cmo", UserKind::Oversight, None).await;
    fx.core
        .member_add(&fx.root_in("AAA").await, "cmo", MembershipRole::Viewer)
        .await
        .unwrap();

    // bob changes his own: the current one is checked, the new one must differ and be long.
    let change = |current: &str, new: &str| {
        let (current, new) = (Password::new(current), Password::new(new));
        fx.core.change_password("bob", current, new, None)
    };
    assert!(matches!(
        change("wrong pass", "bobs-new-pass").await,
        Err(Error::AuthFailed(_))
    ));
    assert!(matches!(
        change(PASSWORD, PASSWORD).await,
        Err(Error::Validation(_))
    ));
    assert!(matches!(
        change(PASSWORD, "short").await,
        Err(Error::Validation(_))
    ));
    let session = change(PASSWORD, "bobs-new-pass").await.unwrap();
    assert_eq!(session.active_org().unwrap().code, "AAA");
    assert!(matches!(
        fx.core.sign_in("bob", Password::new(PASSWORD), None).await,
        Err(Error::AuthFailed(_))
    ));
    fx.core
        .sign_in("bob", Password::new("bobs-new-pass"), None)
        .await
        .expect("the new password signs in");

    // He forgets it; ada, who manages AAA's members, sets a temporary one. It signs in to
    // nothing until bob replaces it, so ada does not go on knowing his password.
    let ada = fx.sign_in_to("ada", "AAA").await;
    fx.core
        .member_reset_password(&ada, "bob", Password::new("temporary-1"))
        .await
        .unwrap();
    match fx
        .core
        .sign_in("bob", Password::new("temporary-1"), None)
        .await
    {
        Err(Error::PasswordChangeRequired(message)) => {
            assert!(message.contains("choose a new one"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    fx.core
        .change_password(
            "bob",
            Password::new("temporary-1"),
            Password::new("bobs-own-again"),
            None,
        )
        .await
        .unwrap();
    fx.core
        .sign_in("bob", Password::new("bobs-own-again"), None)
        .await
        .expect("his own password signs in");

    // ada may not reset her own this way, nor an oversight account's; root may.
    assert!(matches!(
        fx.core
            .member_reset_password(&ada, "ada", Password::new("whatever-1"))
            .await,
        Err(Error::Validation(_))
    ));
    assert_denied(
        fx.core
            .member_reset_password(&ada, "cmo", Password::new("whatever-1"))
            .await,
    );
    fx.core
        .member_reset_password(&fx.root_in("AAA").await, "cmo", Password::new("whatever-1"))
        .await
        .unwrap();

    let audit = fx.audit().await;
    let rows = |action: &str, outcome: &str| {
        audit
            .iter()
            .filter(|r| r.action == action && r.outcome == outcome)
            .count()
    };
    assert_eq!(rows("password.change", "success"), 2);
    assert_eq!(
        rows("password.change", "failure"),
        1,
        "the wrong current one"
    );
    assert_eq!(rows("member.password_reset", "success"), 2);
    assert_eq!(rows("member.password_reset", "denied"), 1);
    assert!(audit
        .iter()
        .any(|r| r.action == "sign_in" && r.reason.as_deref() == Some("password change required")));
}

#[tokio::test]
async fn a_change_that_fails_after_the_gate_is_audited_as_failed_beside_the_allowed_row() {
    let fx = fixture().await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    let rows_of = |audit: &[sitebook_core::tenancy::audit_log::AuditEntry], action: &str| {
        audit
            .iter()
            .filter(|r| r.action == action)
            .map(|r| (r.outcome.clone(), r.reason.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
    };

    // The gate lets an admin set up sync; the settings then refuse the endpoint.
    let bad = sitebook_core::sync::config::SyncSettings {
        endpoint: "not a url".into(),
        region: "us-east-1".into(),
        bucket: "district-works".into(),
        prefix: String::new(),
        path_style: true,
        access_key_id: "AKIAEXAMPLE".into(),
    };
    let refused = fx.core.sync_configure(&admin, &bad, None).await;
    assert!(matches!(refused, Err(Error::Validation(_))), "{refused:?}");
    let rows = rows_of(&fx.audit().await, "sync.configure");
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Newest first: the failure, then the gate's decision.
    assert_eq!(rows[0].0, "failure", "{rows:?}");
    assert!(
        rows[0]
            .1
            .starts_with("validation: The sync settings were not saved: the endpoint 'not a url'"),
        "{rows:?}"
    );
    assert_eq!(rows[1], ("allowed".to_string(), String::new()));

    // An object this org does not have is one denied row, not a failure as well.
    let missing = fx.core.job_cancel(&admin, 987_654).await;
    assert!(matches!(missing, Err(Error::NotFound(_))), "{missing:?}");
    let rows = rows_of(&fx.audit().await, "job.cancel_own");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "denied");

    // A change that works has its allowed row alone.
    fx.core.outputs_cleanup(&admin, 30).await.unwrap();
    let rows = rows_of(&fx.audit().await, "outputs.cleanup");
    assert_eq!(rows, vec![("allowed".to_string(), String::new())]);

    // A member command: adding someone who is a member already.
    let again = fx
        .core
        .member_add(&admin, "alice", MembershipRole::Member)
        .await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    let audit = fx.audit().await;
    let failed = audit
        .iter()
        .find(|r| r.action == "members.manage" && r.outcome == "failure")
        .expect("the failed member command is in the log");
    assert_eq!(failed.object_id.as_deref(), Some("alice"));
    assert!(
        failed
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("conflict: 'alice' is already a member of AAA")),
        "{failed:?}"
    );

    // The same for an action of no organization: a code already taken.
    let taken = NewOrg {
        code: "aaa".into(),
        name: "Again".into(),
        org_type: OrgType::Office,
    };
    let duplicate = fx.core.org_create(&fx.root, taken).await;
    assert!(
        matches!(duplicate, Err(Error::Conflict(_))),
        "{duplicate:?}"
    );
    let rows = rows_of(&fx.audit().await, "org.create");
    assert_eq!(rows[0].0, "failure", "{rows:?}");
    assert!(rows[0].1.starts_with("conflict: "), "{rows:?}");
    assert_eq!(rows[1], ("allowed".to_string(), String::new()));
}

#[tokio::test]
async fn a_refusal_is_logged_in_words_a_clerk_reads() {
    // The log had "role viewer may not members.view": the action's name, which its own column
    // already shows, where the reason is read by people.
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.member("vera", "AAA", MembershipRole::Viewer).await;
    let vera = fx.sign_in_to("vera", "AAA").await;
    assert!(matches!(
        fx.core.member_list(&vera).await,
        Err(Error::Denied(_))
    ));
    let audit = fx.audit().await;
    let refused = audit
        .iter()
        .find(|r| r.username.as_deref() == Some("vera") && r.outcome == "denied")
        .unwrap();
    assert_eq!(refused.action, "members.view");
    assert_eq!(
        refused.reason.as_deref(),
        Some("role viewer may not see the members")
    );
}

#[tokio::test]
async fn those_who_manage_every_organization_see_every_account() {
    // A superuser could add, disable and reset accounts, but not see which there were.
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.org("BBB").await;
    fx.member("alice", "AAA", MembershipRole::Admin).await;
    let root_in_bbb = fx.root_in("BBB").await;
    fx.core
        .member_add(&root_in_bbb, "alice", MembershipRole::Viewer)
        .await
        .unwrap();
    fx.user("olga", UserKind::Oversight, None).await;
    fx.core
        .account_set_enabled(&fx.root, "olga", false)
        .await
        .unwrap();
    fx.core
        .account_set_enabled(&fx.root, "olga", true)
        .await
        .unwrap();
    fx.member("bob", "AAA", MembershipRole::Member).await;
    fx.core
        .account_set_enabled(&fx.root, "bob", false)
        .await
        .unwrap();

    let listed = fx.core.accounts_list(&fx.root).await.unwrap();
    let names: Vec<&str> = listed.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(names, ["alice", "bob", "olga", "root"]);
    let alice = &listed[0];
    assert_eq!(alice.kind, UserKind::Standard);
    assert!(alice.enabled);
    let orgs: Vec<(&str, MembershipRole, bool)> = alice
        .organizations
        .iter()
        .map(|m| (m.org_code.as_str(), m.role, m.primary))
        .collect();
    assert_eq!(
        orgs,
        [
            ("AAA", MembershipRole::Admin, true),
            ("BBB", MembershipRole::Viewer, false)
        ]
    );
    assert!(!listed[1].enabled, "bob is disabled");
    assert_eq!(listed[2].kind, UserKind::Oversight);
    assert!(listed[2].organizations.is_empty());

    // Oversight reads it too; a standard account, even an org's admin, may not.
    let olga = fx.sign_in("olga").await;
    assert_eq!(fx.core.accounts_list(&olga).await.unwrap().len(), 4);
    let alice = fx.sign_in_to("alice", "AAA").await;
    match fx.core.accounts_list(&alice).await {
        Err(Error::Denied(message)) => assert!(
            message.contains("may not see every account on this computer"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_owner_renames_the_organization_keeping_its_code_and_others_are_refused() {
    let fx = fixture().await;
    fx.org("AAA").await;
    fx.user(
        "olga",
        UserKind::Standard,
        Some(("AAA", MembershipRole::Owner)),
    )
    .await;
    fx.user(
        "adam",
        UserKind::Standard,
        Some(("AAA", MembershipRole::Admin)),
    )
    .await;
    fx.user("otto", UserKind::Oversight, None).await;
    let olga = fx.sign_in_to("olga", "AAA").await;

    let renamed = fx
        .core
        .org_rename(&olga, "  Roads Division, Nellore  ")
        .await
        .unwrap();
    assert_eq!(
        (
            renamed.code.as_str(),
            renamed.name.as_str(),
            renamed.slug.as_str()
        ),
        ("AAA", "Roads Division, Nellore", "aaa")
    );
    // Everyone sees the new name at once, by the code they already type.
    let listed = fx.core.org_list(&fx.root).await.unwrap();
    let aaa = listed.iter().find(|o| o.code == "AAA").unwrap();
    assert_eq!(aaa.name, "Roads Division, Nellore");
    let audit = fx.audit().await;
    assert!(
        audit.iter().any(|row| row.action == "org.rename"
            && row.outcome == "success"
            && row.username.as_deref() == Some("olga")
            && row.reason.as_deref()
                == Some("from \"Organization AAA\" to \"Roads Division, Nellore\"")),
        "{audit:?}"
    );
    // The same name again changes nothing and records nothing.
    fx.core
        .org_rename(&olga, "Roads Division, Nellore")
        .await
        .unwrap();
    let renames = |rows: &[sitebook_core::tenancy::audit_log::AuditEntry]| {
        rows.iter()
            .filter(|r| r.action == "org.rename" && r.outcome == "success")
            .count()
    };
    assert_eq!(renames(&fx.audit().await), 1);

    // A name as bad as a new org's is refused the same way, naming the rule.
    let refused = fx
        .core
        .org_rename(&olga, "Roads\nDivision")
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Validation(m) if m == "The organization's new name holds a line break, tab or other control character."),
        "{refused:?}"
    );
    // An admin runs the org but does not rename it; oversight changes nothing; each refusal
    // is audited.
    let adam = fx.sign_in_to("adam", "AAA").await;
    assert_denied(fx.core.org_rename(&adam, "Adam's office").await);
    let mut otto = fx.sign_in("otto").await;
    fx.core.org_switch(&mut otto, "AAA").await.unwrap();
    assert_denied(fx.core.org_rename(&otto, "Otto's office").await);
    let rows = fx.audit().await;
    assert_eq!(denied_rows_for(&rows, "adam", "org.rename"), 1);
    assert_eq!(denied_rows_for(&rows, "otto", "org.rename"), 1);
    // A superuser may.
    let mut root = fx.root.clone();
    fx.core.org_switch(&mut root, "AAA").await.unwrap();
    assert_eq!(
        fx.core
            .org_rename(&root, "Roads Division")
            .await
            .unwrap()
            .name,
        "Roads Division"
    );
}
