//! ecr: connect Elasticsearch clusters run by ECK as remote clusters, safely and repeatably.
//!
//! The binary (`main.rs`) is a thin layer over `commands`, which call modules named after
//! concepts. The modules, one line each:
//!
//! - `cli`: the options every subcommand takes (`--context`, `-n`, `-o`, `--yes`, ...).
//! - `commands`: the command line (`Cli`) and one thin module per subcommand.
//! - `k8s`: Kubernetes access: kubeconfig and contexts, where a cluster is (`Location`),
//!   reads retried, failures explained.
//! - `eck`: the ECK model: the Elasticsearch resource, the names ECK gives what it makes.
//! - `elasticsearch`: the Elasticsearch client: reaching a cluster, its calls, their failures.
//! - `certs`: X.509 certificates read from ECK's secrets, checked and described.
//! - `trust`: trust planning (step 2): CA stores, nodeSet mounts, syncing after rotations.
//! - `expose`: exposing a cluster's transport layer (step 3) and its address.
//! - `remote`: remote cluster settings (step 4): proxy addresses and the settings change.
//! - `foreign_settings`: remote settings ecr did not write (ECK's, `elasticsearch.yml`'s).
//! - `connect`: connecting clusters (step 4): the plans, the proof, the diagnosis.
//! - `api_key`: API-key remote clusters: the key, the keystore, the remote cluster server.
//! - `setup`: the whole recipe between two clusters in one plan.
//! - `status`: one cluster's trust, exposure and remotes at a glance.
//! - `plan`: plans as data: their changes, patches, rendering and applying.
//! - `output`: the one output layer (stdout for results, stderr for people).
//! - `error`: failures the operator can act on, with hints.
//! - `retry`: bounded retries of reads, for both clients.
//! - `sandbox`: the emulated environment (Kubernetes API, ECK, Elasticsearch): the crate
//!   `ecr-sandbox` (`sandbox/`), re-exported for `ecr sandbox` and the tests.

pub mod api_key;
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
