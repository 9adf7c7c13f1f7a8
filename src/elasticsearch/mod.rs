//! ecr's Elasticsearch client: reaching a cluster (through a port-forward to an ECK pod, or
//! by URL), the typed calls ecr makes, and their failures explained for the operator.

mod access;
mod api_keys;
mod call;
mod client;
mod client_cert;
mod cluster_spec;
mod credentials;
mod errors;
mod pod_choice;
mod portforward;
mod responses;
pub mod tls;

pub use access::{TrustOptions, parse_url, reach_eck_cluster, reach_url};
pub use api_keys::{ApiKeyInfo, CreatedKey, Invalidated};
pub use client::{Elasticsearch, LinkProbe, at_least};
pub use client_cert::ClientCertificate;
pub use credentials::{CredentialSource, Credentials, FromEnvironment, Secret};
pub use responses::{
    ClusterSettings, Info, License, RemoteClusterInfo, ResolvedCluster, SettingsUpdated, Version,
};
pub use tls::HttpCa;
