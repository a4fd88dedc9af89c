//! The real OS keyring: a secret stored, read back and deleted through the Secret Service.
//!
//! It needs a D-Bus session with an unlocked keyring, which `cargo test` alone does not have,
//! so it is ignored there and `scripts/test-all.sh` runs it explicitly under
//! `dbus-run-session` with `gnome-keyring-daemon` (see its "OS keyring" step).

use sitebook_core::secrets::{Keyring, KeyringChoice, Secret};

#[tokio::test]
#[ignore = "needs a Secret Service; scripts/test-all.sh runs it under dbus-run-session"]
async fn a_secret_round_trips_through_the_secret_service() {
    let keyring = Keyring::new(KeyringChoice::Os);
    let account = format!("test-account-{}", std::process::id());
    let secret = Secret::new(format!("s3cr3t-{}", std::process::id()));

    assert_eq!(keyring.get(&account).await.unwrap(), None);
    keyring.set(&account, &secret).await.unwrap();
    assert_eq!(keyring.get(&account).await.unwrap(), Some(secret.clone()));
    // A second keyring handle (a new connection) sees the same item: it is really stored.
    let again = Keyring::new(KeyringChoice::Os);
    assert_eq!(again.get(&account).await.unwrap(), Some(secret));
    keyring.delete(&account).await.unwrap();
    assert_eq!(again.get(&account).await.unwrap(), None);
}
