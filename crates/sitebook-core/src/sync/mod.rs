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

use std::time::Duration;

pub use bucket::BucketTimeouts;

/// How the syncer works; the defaults are the product's, tests shorten the times.
#[derive(Debug, Clone)]
pub struct SyncTuning {
    /// Uploads at a time per organization.
    pub concurrency: usize,
    /// Rows claimed at a time.
    pub batch: u32,
    pub timeouts: BucketTimeouts,
    /// First retry delay of a transient failure; doubles up to 15 minutes.
    pub retry_base: Duration,
    /// How often the background syncer looks at the outbox.
    pub poll_interval: Duration,
    /// Files larger than this go up in parts (multipart upload), read from disk part by part.
    pub multipart_threshold: u64,
    /// The size of each part (S3 needs at least 5 MiB for every part but the last).
    pub part_size: usize,
}

impl Default for SyncTuning {
    fn default() -> Self {
        Self {
            concurrency: 4,
            batch: 64,
            timeouts: BucketTimeouts::default(),
            retry_base: Duration::from_secs(10),
            poll_interval: Duration::from_secs(15),
            multipart_threshold: 32 * 1024 * 1024,
            part_size: 8 * 1024 * 1024,
        }
    }
}
