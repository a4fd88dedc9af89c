//! The one error type of the core, with stable `code` strings.
//!
//! Every face (CLI, desktop) receives errors as `{code, message}`: the code is for branching,
//! the message is one or two sentences a person can act on. Codes are added only when a face
//! branches on them; everything unexpected is `internal`.

use serde::Serialize;
use ts_rs::TS;

/// The core's result: an [`Error`] unless another error type is named.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core; each variant maps to a stable [`ErrorCode`].
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
    /// Sign-in refused: wrong username or password, or a disabled account.
    #[error("{0}")]
    AuthFailed(String),
    /// Too many failed sign-ins; the account stays locked for a while, as the message says.
    #[error("{0}")]
    AccountLocked(String),
    /// The password is right, but it was set by someone else: its owner must choose a new one
    /// before signing in.
    #[error("{0}")]
    PasswordChangeRequired(String),
    /// An action that needs a signed-in person was asked for with nobody signed in.
    #[error("Nobody is signed in. Sign in first.")]
    NotSignedIn,
    /// The database was written by a newer Sitebook; refusing protects its data.
    #[error("{0}")]
    NewerSchema(String),
    /// A file or folder could not be read or written.
    #[error("{context}: {}", os_words(.source))]
    Io {
        /// What was being done, naming the file (`Could not read /path`).
        context: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The database's own words are for the log ([`Error::to_api`] writes them there); people
    /// get a sentence that says what to do.
    #[error("{}", database_sentence(.0))]
    Database(#[from] sqlx::Error),
    /// The database schema could not be brought up to this version; nothing was changed.
    #[error("{}", migration_sentence(.0))]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The sync bucket refused or could not be reached; the message says which and what to do.
    #[error("{0}")]
    SyncFailed(String),
    /// No OS keyring can be reached, so a secret cannot be stored or read.
    #[error("{0}")]
    KeyringUnavailable(String),
    /// Something that should never happen: a bug or a broken invariant (damaged stored data,
    /// a vanished row).
    #[error("{0}")]
    Internal(String),
}

/// A person's input quoted in a message, cut to a length a message can carry: a one-megabyte
/// line of a file must not come back as a one-megabyte error.
/// `text` ending as a sentence does, so that another sentence can follow it: a reason
/// written without its full stop ("… placeholder") read on into the next ("Moved to …").
pub(crate) fn as_sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// `text` with its first letter a capital, for a clause that now opens a sentence.
pub(crate) fn capitalised(text: &str) -> String {
    let mut letters = text.chars();
    match letters.next() {
        Some(first) => first.to_uppercase().chain(letters).collect(),
        None => String::new(),
    }
}

/// Text someone typed or a workbook held, as a message quotes it: at most 40 characters, on
/// one line, with no direction control left to reorder the message.
pub(crate) fn excerpt(text: &str) -> String {
    crate::domain::names::quoted_safely(text, 40)
}

impl Error {
    /// The stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The code as the closed set the faces switch on.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Error::Validation(_) => ErrorCode::Validation,
            Error::Denied(_) => ErrorCode::Denied,
            Error::NoActiveOrg => ErrorCode::NoActiveOrg,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::Precondition(_) => ErrorCode::PreconditionFailed,
            Error::AuthFailed(_) => ErrorCode::AuthFailed,
            Error::AccountLocked(_) => ErrorCode::AccountLocked,
            Error::PasswordChangeRequired(_) => ErrorCode::PasswordChangeRequired,
            Error::NotSignedIn => ErrorCode::NotSignedIn,
            Error::NewerSchema(_) => ErrorCode::NewerSchema,
            Error::KeyringUnavailable(_) => ErrorCode::KeyringUnavailable,
            Error::SyncFailed(_) => ErrorCode::SyncFailed,
            Error::Io { .. } | Error::Database(_) | Error::Migration(_) | Error::Internal(_) => {
                ErrorCode::Internal
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

    /// Wraps an I/O failure with a sentence saying what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The shape every face sends to people and scripts. An internal error's own detail (the
    /// database's message, the failing I/O) goes to the log here, since the message people
    /// see leaves it out or sums it up.
    pub fn to_api(&self) -> ApiError {
        if self.error_code() == ErrorCode::Internal {
            tracing::error!(detail = ?self, "{self}");
        }
        ApiError {
            code: self.error_code(),
            message: self.to_string(),
        }
    }
}

/// The system's words for an I/O failure, without the "(os error 2)" that means nothing to
/// people (the log keeps the whole error); a full disk is said as the database's full disk is,
/// with what to do.
pub(crate) fn os_words(error: &std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::StorageFull {
        return "the disk is full. Free some space and try again.".into();
    }
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// What a person is told when the database refused or failed: what happened in their terms,
/// and what to do. SQLite's own text ("UNIQUE constraint failed: estimates.job_id, …") is for
/// the log.
fn database_sentence(error: &sqlx::Error) -> String {
    const ASK_FOR_HELP: &str = "Try again; if it keeps happening, send the newest file in the \
         data folder's logs/ to whoever supports Sitebook.";
    match (error, sqlite_primary_code(error)) {
        (sqlx::Error::PoolTimedOut, _) | (_, Some(5 | 6)) => {
            "The database was busy with other work and this did not finish in time. Try again \
             in a moment."
                .into()
        }
        // Reading needs room too: every access is written to the audit log.
        (_, Some(13)) => "The disk is full, so Sitebook could not write to its database. Free \
             some space and try again."
            .into(),
        (_, Some(19)) => format!(
            "This was not saved because it clashes with something already stored. Reload to \
             see what is there now. {ASK_FOR_HELP}"
        ),
        (_, Some(8 | 10 | 14)) => format!(
            "The database file could not be written (it is read-only, or the disk failed), so \
             this was not saved. {ASK_FOR_HELP}"
        ),
        // Trying again cannot mend a damaged file; saying so, and what can, is the help.
        (_, Some(11 | 26)) => "The database file in the data folder (sitebook.sqlite) is damaged, \
             so Sitebook cannot use it; nothing was changed. Keep a copy of the data folder as \
             it is, then put back the folder from your last backup. Outputs that were synced to \
             a bucket can also be fetched into a new data folder (Restore from bucket)."
            .into(),
        _ => format!("Sitebook's database could not complete this. {ASK_FOR_HELP}"),
    }
}

/// SQLite's primary result code of a failure (the low byte of the extended one), with a full
/// disk met outside SQLite (`ENOSPC`) counted as SQLite's own `SQLITE_FULL` (13).
fn sqlite_primary_code(error: &sqlx::Error) -> Option<i32> {
    match error {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .map(|code| code & 0xff),
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => Some(13),
        _ => None,
    }
}

/// What a person is told when the schema could not be brought up to this version. A disk that
/// is full or cannot be written is said as such, with what to do: telling them the version is
/// at fault, and to send a log that the full disk kept from being written, helps nobody.
fn migration_sentence(error: &sqlx::migrate::MigrateError) -> String {
    use sqlx::migrate::MigrateError;
    const UNCHANGED: &str = "the database could not be brought up to this version of Sitebook, \
         so nothing was changed.";
    let statement_failure = match error {
        MigrateError::Execute(failure) | MigrateError::ExecuteMigration(failure, _) => {
            sqlite_primary_code(failure)
        }
        _ => None,
    };
    match statement_failure {
        Some(13) => format!("The disk is full: {UNCHANGED} Free some space and start again."),
        Some(8 | 10 | 14) => format!(
            "The database file could not be written (it is read-only, or the disk failed): \
             {UNCHANGED} Check the data folder's disk and its permissions, then start again."
        ),
        _ => "The database could not be brought up to this version of Sitebook, so nothing was \
              changed. Send the newest file in the data folder's logs/ to whoever supports \
              Sitebook."
            .to_string(),
    }
}

/// `{code, message}` as the UI and `--json` receive it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ApiError {
    /// The stable code a face branches on.
    pub code: ErrorCode,
    /// One or two sentences a person can act on.
    pub message: String,
}

/// Every code a face can receive: the core's, and the few the faces mint themselves. A closed
/// set, exported to TypeScript as a union, so the UI's switches on it are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// Input that breaks a rule.
    Validation,
    /// The gate refused the action.
    Denied,
    /// No organization is active.
    NoActiveOrg,
    /// Missing, or belonging to another organization.
    NotFound,
    /// A unique name or code is already taken.
    Conflict,
    /// A rule about the current state forbids the change.
    PreconditionFailed,
    /// Sign-in refused: wrong username or password, or a disabled account.
    AuthFailed,
    /// The account is locked after too many failed sign-ins.
    AccountLocked,
    /// The password was set by an admin; its owner must choose a new one to sign in.
    PasswordChangeRequired,
    /// Nobody is signed in.
    NotSignedIn,
    /// The database was written by a newer Sitebook.
    NewerSchema,
    /// No OS keyring can be reached to store or read a secret.
    KeyringUnavailable,
    /// The sync bucket refused or could not be reached.
    SyncFailed,
    /// Anything unexpected: I/O, database, migration or a bug; details are in the log.
    Internal,
    /// The command line was wrong (the CLI, before the core is reached).
    Usage,
    /// A job a command waited for failed or was cancelled (the CLI's `--wait`).
    JobFailed,
    /// The system could not open a file in its viewer (the desktop).
    OpenFailed,
}

impl ErrorCode {
    /// The code as sent to faces and scripts (`not_found`), the same text serde writes.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::Denied => "denied",
            ErrorCode::NoActiveOrg => "no_active_org",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::AuthFailed => "auth_failed",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::NotSignedIn => "not_signed_in",
            ErrorCode::NewerSchema => "newer_schema",
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::SyncFailed => "sync_failed",
            ErrorCode::Internal => "internal",
            ErrorCode::Usage => "usage",
            ErrorCode::JobFailed => "job_failed",
            ErrorCode::OpenFailed => "open_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_damaged_database_file_is_called_damaged_with_what_can_mend_it() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sitebook.sqlite");
        std::fs::write(&path, [0x5a_u8; 4096]).unwrap();
        let mut connection = sqlx::SqliteConnection::connect_with(
            &sqlx::sqlite::SqliteConnectOptions::new().filename(&path),
        )
        .await
        .unwrap();
        let not_a_database = sqlx::query("SELECT COUNT(*) FROM sqlite_master")
            .execute(&mut connection)
            .await
            .unwrap_err();

        let told = Error::from(not_a_database).to_string();
        assert!(told.contains("(sitebook.sqlite) is damaged"), "{told}");
        assert!(told.contains("nothing was changed"), "{told}");
        assert!(told.contains("backup"), "{told}");
        assert!(
            !told.contains("Try again"),
            "trying again cannot mend it: {told}"
        );
    }

    #[tokio::test]
    async fn a_schema_change_stopped_by_a_full_disk_says_so_rather_than_blaming_the_version() {
        use sqlx::migrate::MigrateError;
        use sqlx::Connection;
        // SQLite's page limit gives the very error a full disk gives (SQLITE_FULL).
        let mut connection = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query("PRAGMA max_page_count = 2")
            .execute(&mut connection)
            .await
            .unwrap();
        let full = sqlx::query("CREATE TABLE a (x); INSERT INTO a VALUES (zeroblob(100000))")
            .execute(&mut connection)
            .await
            .unwrap_err();

        let told = Error::from(MigrateError::ExecuteMigration(full, 12)).to_string();
        assert!(told.starts_with("The disk is full: "), "{told}");
        assert!(told.contains("nothing was changed"), "{told}");
        assert!(told.ends_with("Free some space and start again."), "{told}");
        assert!(
            !told.contains("logs/"),
            "a full disk keeps the log from being written: {told}"
        );

        // The same from outside SQLite: the operating system's "no space left on device".
        let no_space = sqlx::Error::Io(std::io::Error::from_raw_os_error(28));
        let told = Error::from(MigrateError::Execute(no_space)).to_string();
        assert!(told.starts_with("The disk is full: "), "{told}");

        // A migration that fails for any other reason keeps the sentence about the version.
        let told = Error::from(MigrateError::VersionMismatch(12)).to_string();
        assert!(
            told.starts_with("The database could not be brought up to this version"),
            "{told}"
        );
    }

    #[test]
    fn an_io_failure_is_told_without_the_os_error_number() {
        let missing = Error::io(
            "Could not read /home/asha/ward12.xlsx",
            std::io::Error::from_raw_os_error(2),
        );
        assert_eq!(
            missing.to_string(),
            "Could not read /home/asha/ward12.xlsx: No such file or directory"
        );
        let custom = Error::io(
            "Could not write the output",
            std::io::Error::other("the disk said no (really)"),
        );
        assert_eq!(
            custom.to_string(),
            "Could not write the output: the disk said no (really)"
        );
        let full = Error::io(
            "Could not copy /home/asha/ward12.xlsx into the data folder",
            std::io::Error::from_raw_os_error(28),
        );
        assert_eq!(
            full.to_string(),
            "Could not copy /home/asha/ward12.xlsx into the data folder: the disk is full. Free \
             some space and try again."
        );
    }

    #[test]
    fn a_reason_ends_as_a_sentence_once() {
        assert_eq!(
            as_sentence("not an empty placeholder"),
            "not an empty placeholder."
        );
        assert_eq!(as_sentence("It failed. "), "It failed.");
        assert_eq!(
            as_sentence("(gave up after 4 attempts)"),
            "(gave up after 4 attempts)."
        );
        assert_eq!(as_sentence("Really?"), "Really?");
    }

    /// A real SQLite refusal, from an in-memory database.
    async fn refusal(sql: &str) -> sqlx::Error {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t (name) VALUES ('a')")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap_err()
    }

    #[test]
    fn codes_serialize_as_their_stable_strings() {
        for code in [
            ErrorCode::PreconditionFailed,
            ErrorCode::OpenFailed,
            ErrorCode::Internal,
        ] {
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
        }
    }

    #[tokio::test]
    async fn the_database_s_own_words_never_reach_a_person() {
        for (sql, expected) in [
            (
                "INSERT INTO t (name) VALUES ('a')",
                "clashes with something already stored",
            ),
            (
                "INSERT INTO missing (x) VALUES (1)",
                "could not complete this",
            ),
        ] {
            let error = Error::from(refusal(sql).await);
            let said = error.to_api();
            assert_eq!(said.code, ErrorCode::Internal);
            assert!(said.message.contains(expected), "{}", said.message);
            for raw in [
                "UNIQUE constraint",
                "no such table",
                "Database error",
                "code:",
            ] {
                assert!(!said.message.contains(raw), "{}", said.message);
            }
        }
    }
}
