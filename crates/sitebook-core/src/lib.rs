//! Sitebook core: everything the product does, with no window.
//!
//! The CLI and the desktop shell are two thin faces over [`api::Sitebook`]. Inside, every
//! org-scoped operation passes through the one gate ([`tenancy::gate::authorize`]), which checks
//! the permission matrix ([`domain::permissions`]), writes the audit row, and hands out the
//! [`tenancy::gate::OrgScope`] that org-owned data requires.
//!
//! Layers import only downward, in this order (top first):
//! `api` → `inbox`, `sync` → `documents` → `jobs` → `store` → `tenancy`, `excel`,
//! `pdf`/`xlsx` → `render`, `context`, `secrets` → `domain`, `error`, `clock`. The job engine
//! runs work it does not know: the modules above it register a handler per kind of job when the
//! core opens. The context is layered the same way: `store` and `tenancy` take a
//! [`context::Base`] (database, clock, device, data dir), and the job engine's [`Ctx`] adds
//! what the layers from `jobs` up need and dereferences to it. Modules name `crate::error`
//! rather than this root's re-exports, so nothing below imports the root.

// The core's public API is what the CLI, the desktop shell and the tests build on: every item
// of it says what it is.
#![deny(missing_docs)]

pub mod allocator;
pub mod api;
pub mod clock;
pub mod context;
pub mod csv_text;
pub mod documents;
pub mod domain;
pub mod error;
pub mod excel;
pub mod inbox;
pub mod jobs;
pub mod logging;
pub mod pdf;
pub mod render;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod tenancy;
pub mod xlsx;

pub use api::Sitebook;
pub use error::{ApiError, Error, ErrorCode, Result};

/// The allocator every Sitebook program installs (`#[global_allocator]`); see [`allocator`].
pub use allocator::Allocator;
pub use context::Base;
pub use jobs::Ctx;
