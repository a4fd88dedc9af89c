//! An organization's sync target: who may set and see it, that the secret goes to the keyring
//! and nowhere else, and that a machine with no keyring refuses to store it.

mod common;

use common::{fixture, fixture_with, Fixture};
use sitebook_core::domain::permissions::{MembershipRole, UserKind};
use sitebook_core::secrets::{KeyringChoice, Secret};
use sitebook_core::sync::config::SyncSettings;
use sitebook_core::tenancy::accounts::Password;
use sitebook_core::Error;

const SECRET: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzz9";

fn settings() -> SyncSettings {
    SyncSettings {
        endpoint: "https://s3.ap-south-1.amazonaws.com".into(),
        region: "ap-south-1".into(),
        bucket: "district-works".into(),
        prefix: "sitebook".into(),
        path_style: false,
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
    }
}

/// What the keyring holds for org `code` of this data dir: slugs are the lowercased code, and
/// the data dir is named by the first 16 hex digits of the sha256 of its path.
fn stored_secret(fx: &Fixture, code: &str) -> Option<String> {
    secret_entry(fx, code).get_password().ok()
}

/// The keyring entry of org `code`'s secret, named as [`stored_secret`] says.
fn secret_entry(fx: &Fixture, code: &str) -> keyring_core::Entry {
    use sha2::Digest;
    let path = fx.dir.path().canonicalize().unwrap();
    let tag = hex::encode(sha2::Sha256::digest(path.to_string_lossy().as_bytes()));
    let account = format!(
        "s3-secret-access-key:{}:{}",
        code.to_ascii_lowercase(),
        &tag[..16]
    );
    keyring_core::Entry::new_in_store(&fx.keyring, "sitebook", &account).unwrap()
}

/// Every byte Sitebook wrote to its data dir: database, WAL, logs, outputs.
fn data_dir_bytes(fx: &Fixture) -> Vec<u8> {
    let mut all = Vec::new();
    let mut folders = vec![fx.dir.path().to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                all.extend(bytes);
            }
        }
    }
    all
}

// Like sitebook-cli's tests/sync.rs (`everything_written`, `holds`): the two crates' tests
// share no module.
fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// A device whose org AAA has an admin (alice), who set a sync target with [`SECRET`].
async fn configured_by_an_admin() -> Fixture {
    let fx = fixture().await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    fx.core
        .sync_configure(&admin, &settings(), Some(&Secret::new(SECRET)))
        .await
        .unwrap();
    fx
}

/// The fixture's data folder opened again where no keyring answers (locked, no D-Bus), with
/// alice signed in to AAA there.
async fn alice_where_no_keyring_answers(
    fx: &Fixture,
) -> (
    sitebook_core::Sitebook,
    sitebook_core::tenancy::session::Session,
) {
    let mut options = common::test_options(fx.dir.path(), common::test_clock());
    options.keyring = KeyringChoice::Unavailable;
    let elsewhere = sitebook_core::Sitebook::open(options).await.unwrap();
    let alice = elsewhere
        .sign_in("alice", Password::new(common::PASSWORD), Some("AAA"))
        .await
        .unwrap();
    (elsewhere, alice)
}

#[tokio::test]
async fn an_admin_sets_the_target_and_the_secret_goes_only_to_the_keyring() {
    let fx = fixture().await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    assert_eq!(fx.core.sync_settings(&admin).await.unwrap(), None);

    let view = fx
        .core
        .sync_configure(&admin, &settings(), Some(&Secret::new(SECRET)))
        .await
        .unwrap();
    assert_eq!(view.settings, settings());
    assert!(view.enabled);
    assert_eq!(stored_secret(&fx, "AAA").as_deref(), Some(SECRET));
    assert_eq!(stored_secret(&fx, "BBB"), None, "only the active org's");

    // Nowhere else: not in the view a face prints, not in the data dir, not in the audit log.
    let json = serde_json::to_string(&view).unwrap();
    assert!(!json.contains(SECRET) && !format!("{view:?}").contains(SECRET));
    assert!(!contains(&data_dir_bytes(&fx), SECRET));
    let audit = fx.audit().await;
    let row = audit
        .iter()
        .find(|r| r.action == "sync.configure" && r.outcome == "success")
        .expect("the change is audited");
    let reason = row.reason.as_deref().unwrap();
    assert!(
        reason.contains("s3.ap-south-1.amazonaws.com") && reason.contains("district-works"),
        "{reason}"
    );
    assert!(!format!("{audit:?}").contains(SECRET));

    // A change without a secret keeps the stored one; a new secret replaces it.
    let mut moved = settings();
    moved.bucket = "district-works-2026".into();
    let view = fx.core.sync_configure(&admin, &moved, None).await.unwrap();
    assert_eq!(view.settings.bucket, "district-works-2026");
    assert_eq!(stored_secret(&fx, "AAA").as_deref(), Some(SECRET));
    fx.core
        .sync_configure(&admin, &moved, Some(&Secret::new("rotated-secret")))
        .await
        .unwrap();
    assert_eq!(stored_secret(&fx, "AAA").as_deref(), Some("rotated-secret"));

    // Off, on, and forgotten: the secret leaves the keyring with the target.
    assert!(
        !fx.core
            .sync_set_enabled(&admin, false)
            .await
            .unwrap()
            .enabled
    );
    assert!(
        fx.core
            .sync_set_enabled(&admin, true)
            .await
            .unwrap()
            .enabled
    );
    fx.core.sync_forget(&admin).await.unwrap();
    assert_eq!(fx.core.sync_settings(&admin).await.unwrap(), None);
    assert_eq!(stored_secret(&fx, "AAA"), None);

    // Nothing is left to forget or to restore from: both say so, and no restore job waits
    // to fail.
    let jobs_before = fx.core.jobs_list(&admin, 100).await.unwrap().len();
    for refused in [
        fx.core.sync_forget(&admin).await.map(drop),
        fx.core.sync_restore(&admin).await.map(drop),
    ] {
        assert!(
            matches!(&refused, Err(Error::Precondition(m))
                if m == "AAA has no sync target yet. Configure one first."),
            "{refused:?}"
        );
    }
    assert_eq!(
        fx.core.jobs_list(&admin, 100).await.unwrap().len(),
        jobs_before
    );
}

#[tokio::test]
async fn the_first_target_needs_its_secret() {
    let fx = fixture().await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    let refused = fx.core.sync_configure(&admin, &settings(), None).await;
    assert!(
        matches!(&refused, Err(Error::Validation(m)) if m.contains("secret access key")),
        "{refused:?}"
    );
    let refused = fx
        .core
        .sync_configure(&admin, &settings(), Some(&Secret::new("")))
        .await;
    assert!(matches!(refused, Err(Error::Validation(_))), "{refused:?}");
    assert_eq!(fx.core.sync_settings(&admin).await.unwrap(), None);
}

#[tokio::test]
async fn members_viewers_and_oversight_see_the_target_but_cannot_change_it() {
    let fx = configured_by_an_admin().await;
    fx.member("mona", "AAA", MembershipRole::Member).await;
    fx.member("vera", "AAA", MembershipRole::Viewer).await;
    fx.user("otto", UserKind::Oversight, None).await;
    let mut otto = fx.sign_in("otto").await;
    fx.core.org_switch(&mut otto, "AAA").await.unwrap();

    for (name, session) in [
        ("mona", fx.sign_in("mona").await),
        ("vera", fx.sign_in("vera").await),
        ("otto", otto),
    ] {
        let seen = fx.core.sync_settings(&session).await.unwrap().unwrap();
        assert_eq!(seen.settings.bucket, "district-works", "{name}");
        let refused = fx
            .core
            .sync_configure(&session, &settings(), Some(&Secret::new("other")))
            .await;
        assert!(
            matches!(refused, Err(Error::Denied(_))),
            "{name}: {refused:?}"
        );
        assert!(
            matches!(
                fx.core.sync_set_enabled(&session, false).await,
                Err(Error::Denied(_))
            ),
            "{name}"
        );
        assert!(
            matches!(fx.core.sync_forget(&session).await, Err(Error::Denied(_))),
            "{name}"
        );
    }
    assert_eq!(stored_secret(&fx, "AAA").as_deref(), Some(SECRET));
    // Its own audit filter, alike in shape to tenancy.rs: each test looks for other rows.
    let denied = fx
        .audit()
        .await
        .into_iter()
        .filter(|r| r.action == "sync.configure" && r.outcome == "denied")
        .count();
    assert_eq!(denied, 9, "every refused change is audited");
}

#[tokio::test]
async fn with_no_keyring_the_secret_is_refused_and_nothing_is_stored() {
    let fx = fixture_with(|options| options.keyring = KeyringChoice::Unavailable).await;
    let (admin, _) = fx.two_orgs(MembershipRole::Owner).await;
    let refused = fx
        .core
        .sync_configure(&admin, &settings(), Some(&Secret::new(SECRET)))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "keyring_unavailable");
    let message = refused.to_string();
    assert!(message.contains("No keyring is reachable"), "{message}");
    assert!(!message.contains(SECRET), "{message}");
    assert_eq!(fx.core.sync_settings(&admin).await.unwrap(), None);
    assert!(!contains(&data_dir_bytes(&fx), SECRET));
}

#[tokio::test]
async fn forgetting_a_target_with_the_keyring_gone_keeps_it_and_says_how_to_stop_sending() {
    let fx = configured_by_an_admin().await;
    // The same data folder, opened where the keyring cannot be reached (locked, no D-Bus).
    let (locked, admin_there) = alice_where_no_keyring_answers(&fx).await;
    let refused = locked.sync_forget(&admin_there).await.unwrap_err();
    assert_eq!(refused.code(), "keyring_unavailable");
    let message = refused.to_string();
    assert!(message.contains("The target was kept"), "{message}");
    assert!(message.contains("`sitebook sync disable`"), "{message}");
    // Pausing needs no keyring, and the secret is still where it was filed.
    let paused = locked.sync_set_enabled(&admin_there, false).await.unwrap();
    assert!(!paused.enabled);
    assert_eq!(stored_secret(&fx, "AAA").as_deref(), Some(SECRET));
}

#[tokio::test]
async fn bad_settings_are_refused_naming_each_field() {
    let fx = fixture().await;
    let (admin, _) = fx.two_orgs(MembershipRole::Admin).await;
    // The bad fields spelled out: each one must be named in the refusal.
    let bad = SyncSettings {
        endpoint: "not a url".into(),
        region: "".into(),
        bucket: "".into(),
        ..settings()
    };
    let refused = fx
        .core
        .sync_configure(&admin, &bad, Some(&Secret::new(SECRET)))
        .await
        .unwrap_err();
    let message = refused.to_string();
    for field in ["endpoint", "region", "bucket"] {
        assert!(message.contains(field), "{field}: {message}");
    }
    assert_eq!(
        stored_secret(&fx, "AAA"),
        None,
        "refused before the keyring"
    );
}

#[tokio::test]
async fn showing_the_target_says_whether_its_secret_is_still_in_the_keyring() {
    use sitebook_core::sync::config::SecretWhereabouts;
    let fx = configured_by_an_admin().await;
    let viewer = fx.sign_in("alice").await;
    assert_eq!(
        fx.core.sync_secret_whereabouts(&viewer).await.unwrap(),
        Some(SecretWhereabouts::InTheKeyring)
    );
    // Removed by hand in the keyring's own manager: the view had still said "in the keyring",
    // while nothing could be sent.
    secret_entry(&fx, "AAA").delete_credential().unwrap();
    assert_eq!(
        fx.core.sync_secret_whereabouts(&viewer).await.unwrap(),
        Some(SecretWhereabouts::Missing)
    );
    // The same folder opened where no keyring answers: not known, and why.
    drop(viewer);
    let (elsewhere, admin) = alice_where_no_keyring_answers(&fx).await;
    let Some(SecretWhereabouts::KeyringUnreachable(why)) =
        elsewhere.sync_secret_whereabouts(&admin).await.unwrap()
    else {
        panic!("expected the keyring to be unreachable");
    };
    assert!(why.contains("keyring"), "{why}");
    // Without a target there is nothing to look for.
    let fresh = fixture().await;
    let (admin, _) = fresh.two_orgs(MembershipRole::Admin).await;
    assert_eq!(
        fresh.core.sync_secret_whereabouts(&admin).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_copy_of_a_data_folder_never_takes_the_originals_secret_away() {
    let shared = keyring_core::mock::Store::new().unwrap();
    let original = common::fixture_with(|options| {
        options.keyring = sitebook_core::secrets::KeyringChoice::Store(shared.clone());
    })
    .await;
    let (admin, _) = original.two_orgs(MembershipRole::Admin).await;
    original
        .core
        .sync_configure(&admin, &settings(), Some(&Secret::new("original-secret")))
        .await
        .unwrap();

    // A copy of the folder on the same machine (a backup, a second working copy).
    let copy_dir = tempfile::tempdir().unwrap();
    let mut folders = vec![(
        original.dir.path().to_path_buf(),
        copy_dir.path().to_path_buf(),
    )];
    while let Some((from, to)) = folders.pop() {
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(&from).unwrap().flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                folders.push((entry.path(), target));
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let mut options = sitebook_core::api::OpenOptions::new(copy_dir.path());
    options.keyring = sitebook_core::secrets::KeyringChoice::Store(shared.clone());
    let copy = sitebook_core::Sitebook::open(options).await.unwrap();
    let copy_admin = copy
        .sign_in("alice", Password::new(common::PASSWORD), Some("AAA"))
        .await
        .unwrap();

    // The copy reads the original's secret, but neither new settings with a secret of its own
    // nor forgetting its target deletes it (they had, and the original stopped syncing).
    copy.sync_configure(&copy_admin, &settings(), Some(&Secret::new("copy-secret")))
        .await
        .unwrap();
    copy.sync_forget(&copy_admin).await.unwrap();
    assert_eq!(
        stored_secret(&original, "AAA").as_deref(),
        Some("original-secret")
    );
    assert!(
        original.core.sync_settings(&admin).await.unwrap().is_some(),
        "the original keeps its target"
    );
}

#[tokio::test]
async fn two_data_dirs_on_one_machine_keep_their_own_secrets() {
    // One OS user, one keyring, two data dirs with an org of the same code.
    let shared = keyring_core::mock::Store::new().unwrap();
    let first = common::fixture_with(|options| {
        options.keyring = sitebook_core::secrets::KeyringChoice::Store(shared.clone());
    })
    .await;
    let second = common::fixture_with(|options| {
        options.keyring = sitebook_core::secrets::KeyringChoice::Store(shared.clone());
    })
    .await;
    let (first_admin, _) = first.two_orgs(MembershipRole::Admin).await;
    let (second_admin, _) = second.two_orgs(MembershipRole::Admin).await;
    for (device, admin, secret) in [
        (&first, &first_admin, "first-secret"),
        (&second, &second_admin, "second-secret"),
    ] {
        device
            .core
            .sync_configure(admin, &settings(), Some(&Secret::new(secret)))
            .await
            .unwrap();
    }
    // Each data dir's secret checked on its own, spelled out.
    assert_eq!(
        stored_secret(&first, "AAA").as_deref(),
        Some("first-secret")
    );
    assert_eq!(
        stored_secret(&second, "AAA").as_deref(),
        Some("second-secret")
    );
    first.core.sync_forget(&first_admin).await.unwrap();
    assert_eq!(stored_secret(&first, "AAA"), None);
    assert_eq!(
        stored_secret(&second, "AAA").as_deref(),
        Some("second-secret"),
        "forgetting one data dir's target leaves the other's secret alone"
    );
}
