//! Secrets live only in the OS keyring (DESIGN.md rule 6): the Secret Service on Linux
//! (`keyring-core` with the zbus store). The database keeps only the name a secret is filed
//! under, never the secret.
//!
//! A [`Secret`] cannot be printed, formatted with `{:?}` or serialized, so it cannot leak into a
//! log line, an error message or `--json` output by accident; the one way to read it is
//! [`Secret::expose`], which only the code that signs requests calls.
//!
//! When no keyring can be reached (a headless machine with no Secret Service), storing a secret
//! is refused with a sentence that says so. There is no fallback to a file.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};

use crate::error::{Error, Result};

/// The service name every Sitebook secret is filed under in the keyring.
const SERVICE: &str = "sitebook";

/// A secret value. No `Debug` detail, no `Display`, no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a typed secret; from here on it cannot be printed, logged or serialized. Spaces and
    /// line ends around it are dropped: no access key's secret has them, and a pasted one often
    /// does, which would fail later as "the signature did not match".
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        Self(value.trim().to_string())
    }

    /// The secret itself, for the one place that must use it (signing requests).
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// True for an empty secret, which is refused rather than stored.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(hidden)")
    }
}

/// Which keyring a core uses.
#[derive(Debug, Clone, Default)]
pub enum KeyringChoice {
    /// The operating system's keyring, reached when first needed.
    #[default]
    Os,
    /// A given store (tests use `keyring_core::mock::Store`).
    Store(Arc<CredentialStore>),
    /// None at all: every attempt to store or read a secret is refused (tests of that path).
    Unavailable,
}

/// The keyring a core reads and writes secrets through.
#[derive(Clone)]
pub struct Keyring {
    choice: KeyringChoice,
}

impl Keyring {
    /// A keyring reached as `choice` says: the OS's, a given store, or none.
    pub fn new(choice: KeyringChoice) -> Self {
        Self { choice }
    }

    fn store(&self) -> Result<Arc<CredentialStore>> {
        match &self.choice {
            KeyringChoice::Store(store) => Ok(store.clone()),
            KeyringChoice::Unavailable => Err(unreachable_keyring("none is configured")),
            KeyringChoice::Os => os_store(),
        }
    }

    fn entry(&self, account: &str) -> Result<Entry> {
        let store = self.store()?;
        Entry::new_in_store(&store, SERVICE, account).map_err(keyring_error)
    }

    /// Files `secret` under `account`, replacing what was there.
    pub async fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        let (keyring, account, secret) = (self.clone(), account.to_string(), secret.clone());
        blocking(move || {
            keyring
                .entry(&account)?
                .set_password(secret.expose())
                .map_err(keyring_error)
        })
        .await
    }

    /// The secret filed under `account`, if any.
    pub async fn get(&self, account: &str) -> Result<Option<Secret>> {
        let (keyring, account) = (self.clone(), account.to_string());
        blocking(move || match keyring.entry(&account)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(keyring_error(error)),
        })
        .await
    }

    /// Removes the secret filed under `account`; nothing there is not an error.
    pub async fn delete(&self, account: &str) -> Result<()> {
        let (keyring, account) = (self.clone(), account.to_string());
        blocking(move || match keyring.entry(&account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(error) => Err(keyring_error(error)),
        })
        .await
    }
}

/// Keyring stores talk to D-Bus or the OS synchronously; keep them off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("the keyring call stopped: {e}")))?
}

#[cfg(target_os = "linux")]
fn os_store() -> Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> =
        zbus_secret_service_keyring_store::Store::new().map_err(|e| {
            tracing::warn!(error = %e, "the Secret Service did not answer");
            unreachable_keyring("the Secret Service did not answer")
        })?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn os_store() -> Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> =
        apple_native_keyring_store::keychain::Store::new().map_err(|e| {
            tracing::warn!(error = %e, "the login keychain did not answer");
            unreachable_keyring("the login keychain did not answer")
        })?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn os_store() -> Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new().map_err(|e| {
        tracing::warn!(error = %e, "the Windows Credential Manager did not answer");
        unreachable_keyring("the Windows Credential Manager did not answer")
    })?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn os_store() -> Result<Arc<CredentialStore>> {
    Err(unreachable_keyring(
        "this build of Sitebook has no keyring support for this operating system yet",
    ))
}

/// What a person can do to make the keyring reachable, said in the terms of this system.
#[cfg(target_os = "macos")]
const KEYRING_ADVICE: &str = "sign in to this Mac's user session (its login keychain unlocks \
                              with it), unlock the keychain in Keychain Access, and try again";
#[cfg(target_os = "windows")]
const KEYRING_ADVICE: &str = "sign in to Windows as yourself (the Credential Manager belongs to \
                              the signed-in user, not to a service account) and try again";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const KEYRING_ADVICE: &str = "sign in to a desktop session with a keyring (GNOME Keyring or \
                              KWallet), or start one, and try again";

/// What unlocks the keyring, said in the terms of this system.
#[cfg(target_os = "macos")]
const UNLOCK_ADVICE: &str = "unlock the login keychain (Keychain Access, File, Unlock Keychain) \
                             and try again";
#[cfg(target_os = "windows")]
const UNLOCK_ADVICE: &str = "sign in to Windows as yourself and try again";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const UNLOCK_ADVICE: &str = "unlock it with your login password when the desktop asks (or in \
                             Passwords and Keys, the Login keyring), and try again";

fn unreachable_keyring(why: &str) -> Error {
    Error::KeyringUnavailable(format!(
        "No keyring is reachable on this computer ({why}), so no secret was stored or read. \
         Sitebook keeps secrets only in the system keyring: {KEYRING_ADVICE}."
    ))
}

/// Keyring failures carry platform detail but never the secret: keyring-core's errors hold
/// entries and platform messages, not passwords.
fn keyring_error(error: keyring_core::Error) -> Error {
    match error {
        // The keyring is there: it is locked, or its owner said no to the prompt.
        keyring_core::Error::NoStorageAccess(detail) => Error::KeyringUnavailable(format!(
            "The system keyring is locked or refused access ({detail}), so no secret was stored \
             or read: {UNLOCK_ADVICE}."
        )),
        keyring_core::Error::NoDefaultStore => unreachable_keyring("none is configured"),
        other => Error::KeyringUnavailable(format!("The system keyring failed: {other}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_keyring_is_told_to_be_unlocked_not_to_be_installed() {
        let locked = keyring_error(keyring_core::Error::NoStorageAccess(
            "the collection is locked".into(),
        ));
        let Error::KeyringUnavailable(message) = locked else {
            panic!("not a keyring error: {locked:?}");
        };
        assert!(
            message.starts_with(
                "The system keyring is locked or refused access (the collection is locked)"
            ),
            "{message}"
        );
        assert!(message.contains(UNLOCK_ADVICE), "{message}");
        assert!(!message.contains("No keyring is reachable"), "{message}");
    }

    #[test]
    fn a_pasted_secret_loses_the_spaces_around_it_and_a_blank_one_is_empty() {
        assert!(Secret::new(" \n").is_empty());
        assert!(Secret::new(" wJalr\n") == Secret::new("wJalr"));
    }

    #[test]
    fn a_secret_never_shows_its_value_when_formatted() {
        let secret = Secret::new("wJalrXUtnFEMI/K7MDENG");
        let shown = format!("{secret:?} {:?}", Some(&secret));
        assert!(!shown.contains("wJalr"), "{shown}");
        assert_eq!(format!("{secret:?}"), "Secret(hidden)");
    }

    #[tokio::test]
    async fn secrets_round_trip_through_a_store_and_can_be_deleted() {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let keyring = Keyring::new(KeyringChoice::Store(store));
        assert_eq!(keyring.get("s3:moh").await.unwrap(), None);
        keyring.set("s3:moh", &Secret::new("s3cr3t")).await.unwrap();
        assert_eq!(
            keyring.get("s3:moh").await.unwrap(),
            Some(Secret::new("s3cr3t"))
        );
        keyring.delete("s3:moh").await.unwrap();
        keyring.delete("s3:moh").await.unwrap();
        assert_eq!(keyring.get("s3:moh").await.unwrap(), None);
    }

    #[tokio::test]
    async fn with_no_keyring_storing_is_refused_in_plain_words() {
        let keyring = Keyring::new(KeyringChoice::Unavailable);
        let refused = keyring.set("s3:moh", &Secret::new("s3cr3t")).await;
        match refused {
            Err(Error::KeyringUnavailable(message)) => {
                assert!(message.contains("No keyring is reachable"), "{message}");
                assert!(!message.contains("s3cr3t"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
