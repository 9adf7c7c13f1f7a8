//! ecr: connect Elasticsearch clusters run by ECK as remote clusters, safely and repeatably.
//!
//! The binary is a thin layer (`main.rs`, `commands`) over modules named after concepts:
//! Kubernetes access (`k8s`), the ECK model (`eck`), certificates (`certs`), the output layer
//! (`output`), plans of writes (`plan`), trust (`trust`), exposure (`expose`), remote
//! settings (`remote`), the Elasticsearch client (`elasticsearch`), bounded retries of reads
//! for both clients (`retry`), operator-facing failures (`error`), and the emulated environment
//! (`sandbox`).

pub mod certs;
pub mod cli;
pub mod commands;
pub mod connect;
pub mod eck;
pub mod elasticsearch;
pub mod error;
pub mod expose;
pub mod foreign_settings;
pub mod k8s;
pub mod output;
pub mod plan;
pub mod remote;
pub mod retry;
pub use ecr_sandbox as sandbox;
pub mod setup;
pub mod status;
pub mod trust;

/// How ecr names itself to the API server and to Elasticsearch, so that their audit logs say
/// which requests were ecr's.
pub const USER_AGENT: &str = concat!("ecr/", env!("CARGO_PKG_VERSION"));
