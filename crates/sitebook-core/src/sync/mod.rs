//! Optional sync of outputs to an S3-compatible bucket (AWS S3, Cloudflare R2, a Garage
//! cluster, DigitalOcean Spaces, Backblaze B2).
//!
//! - [`config`]: each organization's target (endpoint, region, bucket, prefix, addressing
//!   style, access key id), edited by owners and admins through the gate; the secret goes only
//!   to the OS keyring ([`crate::secrets`]).
//! - `bucket`: create-only puts with the sha256 as metadata, and plain-sentence errors.
//! - `syncer`: drains the outbox (`store::outbox`) into the bucket, never overwriting.

pub(crate) mod bucket;
pub mod config;
pub mod restore;
pub mod syncer;

pub use crate::context::{BucketCheckProgress, BucketTimeouts, SyncTuning};
