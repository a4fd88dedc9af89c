//! Sitebook's pure domain layer: money and the documents built from it.
//!
//! Nothing here does I/O: no files, no database, no clock, no async. Every function is a plain
//! computation from its arguments, so the same inputs always give the same document (bills are
//! evidence), and the whole layer is tested with unit and property tests alone. Money and
//! quantities are exact [`rust_decimal::Decimal`]s, rounded only through [`money::round2`].
//!
//! - [`money`]: ROUND2, numbers stored as text, Indian digit grouping.
//! - [`words`]: amounts in words, Indian system.
//! - [`titles`]: ordinal bill titles and work-slip titles.
//! - [`estimate`]: the estimate item model and the estimate footer.
//! - [`tender`]: the tender premium, shared by the estimate footer and the bills.
//! - [`quantities`]: the quantities a bill or work slip is given, and their checks.
//! - [`bill`]: bill chain, AE rows, first and Nth bills.
//! - [`workslip`]: work slips (working estimates) and their balancing footer.
//! - [`deviation`]: a work slip's deviation statement against the sanction.
//! - [`payments`]: additions, deductions and the memorandum of payments down to the net.
//! - [`bill_forms`]: the running-account and final bill forms, restating a bill's figures.
//! - [`work`]: work metadata entered once and the document header block.
//! - [`permissions`]: user kinds, membership roles and the one permission matrix.
//! - [`names`]: the rule a name of a person or an organization keeps to.

pub mod bill;
pub mod bill_forms;
pub mod deviation;
pub mod estimate;
pub mod money;
pub mod names;
pub mod payments;
pub mod permissions;
pub mod quantities;
pub mod tender;
pub mod titles;
pub mod words;
pub mod work;
pub mod workslip;
