//! ecr's Elasticsearch client: reaching a cluster (through a port-forward to an ECK pod, or
//! by URL), the typed calls ecr makes, and their failures explained for the operator.

mod access;
mod call;
mod client;
mod credentials;
mod errors;
mod portforward;
mod responses;
pub mod tls;

pub use access::{TrustOptions, parse_url, reach_eck_cluster, reach_url};
pub use client::{Elasticsearch, LinkProbe};
pub use credentials::{CredentialSource, Credentials, FromEnvironment, Secret};
pub use responses::{
    ClusterSettings, Info, License, RemoteClusterInfo, ResolvedCluster, SettingsUpdated, Version,
};
pub use tls::CaSource;
