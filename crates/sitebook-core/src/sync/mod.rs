//! Optional sync of outputs to an S3-compatible bucket (AWS S3, Cloudflare R2, a Garage
//! cluster, DigitalOcean Spaces, Backblaze B2).
//!
//! - [`config`]: each organization's target (endpoint, region, bucket, prefix, addressing
//!   style, access key id), edited by owners and admins through the gate; the secret goes only
//!   to the OS keyring ([`crate::secrets`]).

pub mod config;
