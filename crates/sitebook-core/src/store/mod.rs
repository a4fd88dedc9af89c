//! The embedded SQLite store: where the database lives, how it is opened, and the schema guard.
//!
//! Opening applies the pragmas the design requires (WAL, foreign keys, `synchronous=FULL` because
//! the database holds money documents, a busy timeout) and runs the embedded migrations. A
//! database that an newer Sitebook has migrated is refused before anything touches it, so an old
//! binary can never half-understand and damage newer data.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::error::{Error, Result};

pub mod audit_anchor;
pub mod busy;
pub mod documents;
pub mod estimates;
pub mod files;
pub mod outbox;
pub mod outputs;
pub mod uploads;

/// The migrations compiled into this binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// File name of the database inside the data dir.
pub const DATABASE_FILE: &str = "sitebook.sqlite";

/// The empty file whose lock lets one process at a time bring the schema up to date.
const SCHEMA_LOCK_FILE: &str = "schema.lock";

/// Resolves the data dir: an explicit choice (`--data-dir`), then `SITEBOOK_DATA_DIR`, then the
/// OS app-data dir, which the desktop app and the CLI share.
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os("SITEBOOK_DATA_DIR").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("org", "Sitebook", "Sitebook")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::Internal(
                "Could not find a home folder for the app data. Pass --data-dir DIR or set \
                 SITEBOOK_DATA_DIR."
                    .into(),
            )
        })
}

/// Where a "Save as" dialog starts: the user's Downloads folder, else Documents, else home.
pub fn default_save_dir() -> Option<PathBuf> {
    let dirs = directories::UserDirs::new()?;
    Some(
        dirs.download_dir()
            .or_else(|| dirs.document_dir())
            .unwrap_or_else(|| dirs.home_dir())
            .to_path_buf(),
    )
}

/// Opens (creating if needed) the database in `data_dir` and brings its schema up to date.
pub async fn open(data_dir: &Path) -> Result<SqlitePool> {
    files::create_private_dir(data_dir).map_err(|source| {
        Error::io(
            format!("Could not create the data folder {}", data_dir.display()),
            source,
        )
    })?;
    files::keep_private(data_dir)?;
    let path = data_dir.join(DATABASE_FILE);
    // SQLite gives its WAL and shared-memory files the database file's permissions, so a
    // private database file keeps all three private.
    files::create_private_file_if_missing(&path)?;
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Full)
        // Sorts and statement journals stay in memory: as files they went to the system's
        // /var/tmp, outside the private data dir, about one created and deleted every other job.
        .pragma("temp_store", "memory")
        // Covers the connection's own set-up (switching to WAL takes the lock); once connected,
        // `busy::install` replaces it with the finer handler.
        .busy_timeout(busy::GIVE_UP_AFTER);
    // One process at a time opens, checks and brings the schema up. SQLite has no lock for
    // sqlx's migrator to take: two programs started together on a new data folder (the window
    // and a worker, or two commands) both created the first tables, and one failed. The first
    // connection is made under the lock too: on a new, empty file it switches the database to
    // WAL, which needs the file to itself, and SQLite refuses that at once ("database is
    // locked", without the busy wait) while another process's first connection is switching.
    let lock = schema_lock(data_dir).await?;
    let pool = pool_options(8).connect_with(options).await?;
    refuse_newer_schema(&pool, &path).await?;
    MIGRATOR.run(&pool).await?;
    drop(lock);
    Ok(pool)
}

/// The data folder's schema lock, held until dropped; waits while another process holds it.
async fn schema_lock(data_dir: &Path) -> Result<std::fs::File> {
    let path = data_dir.join(SCHEMA_LOCK_FILE);
    files::create_private_file_if_missing(&path)?;
    let failed = |source| {
        Error::io(
            format!("Could not lock {} for the schema check", path.display()),
            source,
        )
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(&failed)?;
    tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(|e| Error::Internal(format!("the schema lock's thread failed: {e}")))?
        .map_err(failed)
}

/// A second, small pool on the same database for writes whose loss on a power cut costs
/// nothing: a running job's progress and heartbeat, its upload's processing mark, and its
/// claim (a lost claim puts the job back in line). Its commits skip the fsync
/// (`synchronous=NORMAL` in WAL mode keeps the database consistent, only the newest of these
/// commits can be lost), so a parse no longer pays a disk flush for each step it reports; the
/// next durable commit of the main pool carries them to disk. Open it after [`open`].
pub async fn open_courtesy(data_dir: &Path) -> Result<SqlitePool> {
    let path = data_dir.join(DATABASE_FILE);
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Normal)
        .pragma("temp_store", "memory")
        .busy_timeout(busy::GIVE_UP_AFTER);
    Ok(pool_options(2).connect_with(options).await?)
}

/// How both pools keep their connections.
fn pool_options(max_connections: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        // sqlx would otherwise ping a connection each time it leaves the pool: one more
        // round trip to the connection's thread for every statement run on the pool, to prove
        // what the statement itself proves (that the connection's thread is alive); an
        // in-process database has no network link that could have dropped in between.
        .test_before_acquire(false)
        .after_connect(|connection, _| Box::pin(busy::install(connection)))
        .after_release(|connection, _| Box::pin(holds_no_transaction(connection)))
}

/// Whether a connection handed back to the pool may serve again: only if sqlx counts no open
/// transaction on it.
///
/// A statement that meets a full disk inside a transaction (SQLite's SQLITE_FULL) can make
/// SQLite roll the whole transaction back by itself. The ROLLBACK that sqlx then sends fails
/// ("no transaction is active"), and sqlx keeps counting the transaction as open, so every
/// `BEGIN IMMEDIATE` on that connection was refused from then on ("attempted to call
/// begin_with at non-zero transaction depth"): once the disk had been full, jobs could not
/// store anything, nor be recovered, until Sitebook was started again, however much space was
/// freed. Such a connection is closed instead, and the pool opens a fresh one when needed.
async fn holds_no_transaction(connection: &mut sqlx::SqliteConnection) -> sqlx::Result<bool> {
    use sqlx::{Connection, Database, Sqlite, TransactionManager};
    let depth = |connection: &sqlx::SqliteConnection| {
        <Sqlite as Database>::TransactionManager::get_transaction_depth(connection)
    };
    if depth(connection) == 0 {
        return Ok(true);
    }
    // A transaction dropped unfinished queued its ROLLBACK just before its connection came
    // back; one round trip to the connection's thread lets that run first.
    connection.ping().await?;
    Ok(depth(connection) == 0)
}

async fn refuse_newer_schema(pool: &SqlitePool, path: &Path) -> Result<()> {
    let has_history: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(pool)
    .await?;
    if has_history.is_none() {
        return Ok(());
    }
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await?;
    let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    match applied {
        Some(applied) if applied > known => Err(Error::NewerSchema(format!(
            "The database {} was written by a newer version of Sitebook (schema {applied}; this \
             version understands up to {known}). Install the newer Sitebook, or point \
             --data-dir at another folder.",
            path.display()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_transaction_a_full_disk_rolled_back_leaves_the_pool_able_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATABASE_FILE);
        // SQLite's page limit fails a statement as a full disk does (SQLITE_FULL), and SQLite
        // then rolls the whole transaction back by itself, as it may on a full disk.
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("max_page_count", "40");
        // One connection, so the one that met the full disk is the one asked for next.
        let pool = pool_options(1).connect_with(options).await.unwrap();
        sqlx::query("CREATE TABLE t (x BLOB)")
            .execute(&pool)
            .await
            .unwrap();

        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        let full = sqlx::query("INSERT INTO t VALUES (zeroblob(1000000))")
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert!(
            Error::from(full)
                .to_string()
                .starts_with("The disk is full"),
            "the test meets a full disk"
        );
        drop(tx);

        // Space again (here: rows that fit): every later transaction begins and commits.
        for _ in 0..3 {
            let mut tx = pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .expect("a transaction begins once the disk has room again");
            sqlx::query("INSERT INTO t VALUES (x'00')")
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 3);
    }
}
