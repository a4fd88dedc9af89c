//! The one error type of the core, with stable `code` strings.
//!
//! Every face (CLI, desktop) receives errors as `{code, message}`: the code is for branching,
//! the message is one or two sentences a person can act on. Codes are added only when a face
//! branches on them; everything unexpected is `internal`.

use serde::Serialize;
use ts_rs::TS;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule: the message names the thing and the rule.
    #[error("{0}")]
    Validation(String),
    /// The gate refused the action (already audited).
    #[error("{0}")]
    Denied(String),
    /// No active organization, so nothing org-scoped is allowed (already audited).
    #[error("No organization is active. Choose one in the picker or pass --org CODE.")]
    NoActiveOrg,
    /// Missing, or belonging to another organization: the two are indistinguishable on purpose.
    #[error("{0}")]
    NotFound(String),
    /// A unique name or code is already taken.
    #[error("{0}")]
    Conflict(String),
    /// A rule about the current state forbids the change (for example the last owner leaving).
    #[error("{0}")]
    Precondition(String),
    #[error("{0}")]
    AuthFailed(String),
    #[error("{0}")]
    AccountLocked(String),
    #[error("Nobody is signed in. Sign in first.")]
    NotSignedIn,
    /// The database was written by a newer Sitebook; refusing protects its data.
    #[error("{0}")]
    NewerSchema(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("Database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("Database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The sync bucket refused or could not be reached; the message says which and what to do.
    #[error("{0}")]
    SyncFailed(String),
    /// No OS keyring can be reached, so a secret cannot be stored or read.
    #[error("{0}")]
    KeyringUnavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation",
            Error::Denied(_) => "denied",
            Error::NoActiveOrg => "no_active_org",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Precondition(_) => "precondition_failed",
            Error::AuthFailed(_) => "auth_failed",
            Error::AccountLocked(_) => "account_locked",
            Error::NotSignedIn => "not_signed_in",
            Error::NewerSchema(_) => "newer_schema",
            Error::KeyringUnavailable(_) => "keyring_unavailable",
            Error::SyncFailed(_) => "sync_failed",
            Error::Io { .. } | Error::Database(_) | Error::Migration(_) | Error::Internal(_) => {
                "internal"
            }
        }
    }

    /// A unique-constraint violation (a race lost to another writer at the same moment)
    /// becomes a `conflict` with the sentence the sequential case would give; any other error
    /// stays as it is.
    pub(crate) fn on_unique(self, message: impl FnOnce() -> String) -> Error {
        if self.is_unique_violation() {
            Error::Conflict(message())
        } else {
            self
        }
    }

    /// A write refused by a unique constraint: another writer got there first.
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(db)) if db.is_unique_violation())
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The shape every face sends to people and scripts.
    pub fn to_api(&self) -> ApiError {
        ApiError {
            code: self.code().to_string(),
            message: self.to_string(),
        }
    }
}

/// `{code, message}` as the UI and `--json` receive it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}
