//! Where "now" comes from. The core never reads the wall clock directly, so that tests can move
//! time (lockouts, retention) without sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};

/// A source of the current UTC time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { fixed: None }
    }

    /// A clock that stands still until [`Clock::advance`] moves it.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(Mutex::new(start))),
        }
    }

    /// The current UTC time: the system's, or where a manual clock stands.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(fixed) => *fixed.lock().expect("clock lock"),
            None => Utc::now(),
        }
    }

    /// Moves a manual clock forward; a system clock ignores it.
    pub fn advance(&self, by: chrono::Duration) {
        if let Some(fixed) = &self.fixed {
            let mut now = fixed.lock().expect("clock lock");
            *now += by;
        }
    }
}

/// The one text form of timestamps in the database: RFC 3339, UTC, milliseconds, so that
/// string order is time order.
pub fn to_db_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads a timestamp in the database's text form (RFC 3339); `None` if it is not one.
pub fn from_db_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}
