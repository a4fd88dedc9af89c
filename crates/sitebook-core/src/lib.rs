//! Sitebook core: everything the product does, with no window.
//!
//! The CLI and the desktop shell are two thin faces over [`api::Sitebook`]. Inside, every
//! org-scoped operation passes through the one gate ([`tenancy::gate::authorize`]), which checks
//! the permission matrix ([`domain::permissions`]), writes the audit row, and hands out the
//! [`tenancy::gate::OrgScope`] that org-owned data requires.

pub mod api;
pub mod clock;
pub mod domain;
pub mod error;
pub mod excel;
pub mod logging;
pub mod store;
pub mod tenancy;

pub use api::Sitebook;
pub use error::{ApiError, Error, Result};

/// What every core operation needs: the database, the clock and the name of this device.
/// Only [`Sitebook::open`] builds one; outside the crate it is an opaque handle.
#[derive(Clone)]
pub struct Ctx {
    pub(crate) db: sqlx::SqlitePool,
    pub(crate) clock: clock::Clock,
    pub(crate) device: String,
}

impl Ctx {
    pub(crate) fn now_text(&self) -> String {
        clock::to_db_time(self.clock.now())
    }
}
