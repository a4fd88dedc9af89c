//! How a connection waits for SQLite's write lock while another connection holds it.
//!
//! SQLite's own handler (what `busy_timeout` installs) sleeps 1, 2, 5, 10, 15 … ms between
//! tries. A burst of jobs writes in many short transactions from several connections (claims,
//! progress, the audit rows of their authorizations, the group commit), each holding the lock
//! for well under a millisecond; with the stock handler every write that met the lock lost at
//! least a millisecond and often several, which was most of a short job's time. This handler
//! tries again after 20 µs, doubling up to 1 ms, and still gives up after [`GIVE_UP_AFTER`].

use std::ffi::{c_int, c_void};
use std::time::Duration;

use sqlx::SqliteConnection;

/// How long a connection waits for the lock before the statement fails as busy.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(10);

const FIRST_WAIT: Duration = Duration::from_micros(20);
const LONGEST_WAIT: Duration = Duration::from_millis(1);

/// The pause before try `attempt` (0-based), or `None` once [`GIVE_UP_AFTER`] has been spent.
fn pause_before(attempt: u32) -> Option<Duration> {
    // The doubling phase is short (about 1.3 ms in all), so counting every pause after it as
    // a full LONGEST_WAIT keeps the budget close to GIVE_UP_AFTER without keeping a clock.
    let doubling = (LONGEST_WAIT.as_micros() / FIRST_WAIT.as_micros()).ilog2() + 1;
    let longest_waits =
        u32::try_from(GIVE_UP_AFTER.as_micros() / LONGEST_WAIT.as_micros()).unwrap_or(u32::MAX);
    if attempt >= doubling.saturating_add(longest_waits) {
        return None;
    }
    Some(
        FIRST_WAIT
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
            .min(LONGEST_WAIT),
    )
}

extern "C" fn wait_for_lock(_: *mut c_void, attempt: c_int) -> c_int {
    match pause_before(u32::try_from(attempt).unwrap_or(u32::MAX)) {
        Some(pause) => {
            // SQLite calls this on the connection's own worker thread, which may block.
            std::thread::sleep(pause);
            1
        }
        None => 0,
    }
}

/// Installs the handler on a freshly opened connection (the pools' `after_connect`).
pub(crate) async fn install(connection: &mut SqliteConnection) -> sqlx::Result<()> {
    let mut handle = connection.lock_handle().await?;
    let raw = handle.as_raw_handle();
    // SAFETY: `raw` is this open connection's handle, held locked for the call. The handler is
    // a plain function that touches no shared state, and its data pointer is unused.
    let status = unsafe {
        libsqlite3_sys::sqlite3_busy_handler(
            raw.as_ptr(),
            Some(wait_for_lock),
            std::ptr::null_mut(),
        )
    };
    if status == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Configuration(
            format!("could not install the database's busy handler (SQLite code {status})").into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_from_twenty_microseconds_to_a_millisecond() {
        let pauses: Vec<u128> = (0..8)
            .map(|attempt| pause_before(attempt).unwrap().as_micros())
            .collect();
        assert_eq!(pauses, [20, 40, 80, 160, 320, 640, 1000, 1000]);
    }

    #[test]
    fn it_gives_up_once_the_budget_is_spent_and_not_before() {
        let mut spent = Duration::ZERO;
        let mut attempt = 0;
        while let Some(pause) = pause_before(attempt) {
            spent += pause;
            attempt += 1;
        }
        assert!(spent >= GIVE_UP_AFTER, "gave up after only {spent:?}");
        assert!(
            spent < GIVE_UP_AFTER + Duration::from_millis(10),
            "waited {spent:?}"
        );
    }

    // That a writer meeting the lock waits for it, through the product's own pool, is
    // `tests/tenancy.rs::the_store_runs_with_wal_foreign_keys_and_full_sync`.
}
