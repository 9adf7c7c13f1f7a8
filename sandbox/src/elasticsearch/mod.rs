//! The emulated Elasticsearch of ecr's sandbox: one cluster's HTTP API (basic auth, cluster
//! settings, remote clusters, and the probes that prove a link), faithful to Elasticsearch 8.x.
//!
//! The sandbox serves [`Elasticsearch::router`] over HTTPS and tells each cluster what the
//! emulated network and TLS trust look like through a [`Topology`].

mod auth;
mod cluster;
mod cross_cluster;
mod errors;
mod faults;
mod info;
mod journal;
mod params;
mod registry;
mod remote;
mod roles;
mod routes;
mod settings;
mod version;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use cluster::Cluster;
pub use roles::without_remote_cluster_client;

use crate::faults::Fault;

/// How the emulated cluster learns what the (emulated) network and TLS trust look like.
pub trait Topology: Send + Sync + 'static {
    /// The cluster whose transport layer answers at `host:port` (an exposed transport service's address), if any.
    fn transport_at(&self, address: &str) -> Option<ClusterId>;
    /// Whether `cluster`'s nodes trust `other`'s transport CA (TLS needs it both ways for a connection).
    fn trusts(&self, cluster: &ClusterId, other: &ClusterId) -> bool;
    /// The Elasticsearch cluster name of `cluster` (checked in the handshake: ECK's cluster name is the resource name).
    fn cluster_name(&self, cluster: &ClusterId) -> String;
    /// Whether `cluster`'s nodes can form a cluster at all (they must trust one another);
    /// one that cannot elects no master and connects to nothing.
    fn formed(&self, _cluster: &ClusterId) -> bool {
        true
    }
    /// Whether `cluster`'s transport certificates carry `host` (a DNS name or an IP).
    fn certificate_names_match(&self, _cluster: &ClusterId, _host: &str) -> bool {
        true
    }
    /// The names of the secure settings in the nodes' keystore.
    fn keystore(&self, _cluster: &ClusterId) -> std::collections::BTreeSet<String> {
        std::collections::BTreeSet::new()
    }
    /// The `elasticsearch.yml` of each running node of `cluster`, as nested JSON: its
    /// settings are node settings, which `_cluster/settings` shows only as defaults.
    fn node_configs(&self, _cluster: &ClusterId) -> Vec<serde_json::Value> {
        Vec::new()
    }
    /// How many times a node of `cluster` (re)started: Elasticsearch connects to its remote
    /// clusters at node start.
    fn node_starts(&self, _cluster: &ClusterId) -> u64 {
        0
    }
}

/// An Elasticsearch resource: its Kubernetes context, namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClusterId {
    pub context: String,
    pub namespace: String,
    pub name: String,
}

/// What an emulated cluster is.
#[derive(Clone)]
pub struct ElasticsearchConfig {
    pub cluster: ClusterId,
    /// The Elasticsearch version it claims, e.g. `8.15.3`.
    pub version: String,
    /// The password of the `elastic` superuser.
    pub elastic_password: String,
    /// How long a remote cluster link takes to connect once it can.
    pub connect_delay: Duration,
}

impl ElasticsearchConfig {
    pub const DEFAULT_CONNECT_DELAY: Duration = Duration::from_millis(200);

    /// A configuration with the default connect delay.
    pub fn new(cluster: ClusterId, version: &str, elastic_password: &str) -> Self {
        ElasticsearchConfig {
            cluster,
            version: version.to_owned(),
            elastic_password: elastic_password.to_owned(),
            connect_delay: Self::DEFAULT_CONNECT_DELAY,
        }
    }
}

/// Shows everything but the password.
impl fmt::Debug for ElasticsearchConfig {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ElasticsearchConfig")
            .field("cluster", &self.cluster)
            .field("version", &self.version)
            .field("elastic_password", &"<redacted>")
            .field("connect_delay", &self.connect_delay)
            .finish()
    }
}

/// One request an emulated cluster answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The path with its query string.
    pub path: String,
    pub status: u16,
}

/// One emulated cluster; clones share it.
#[derive(Clone)]
pub struct Elasticsearch {
    cluster: Arc<Cluster>,
}

impl Elasticsearch {
    pub fn new(config: ElasticsearchConfig, topology: Arc<dyn Topology>) -> Self {
        Elasticsearch {
            cluster: Arc::new(Cluster::new(config, topology)),
        }
    }

    /// All HTTP endpoints, authentication included.
    pub fn router(&self) -> axum::Router {
        routes::router(self.cluster.clone())
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.cluster.journal.records()
    }

    /// Makes the next `times` authenticated requests answer `status` with an Elasticsearch error body.
    pub fn inject_fault(&self, times: u32, status: u16) {
        self.inject(Fault::new(status).times(times));
    }

    /// Makes the next requests that `fault` matches answer its status (after faults armed before).
    pub fn inject(&self, fault: Fault<u16>) {
        self.cluster.faults.arm(fault);
    }

    /// Makes the next `times` settings updates commit but answer `acknowledged: false`, as
    /// when a node does not apply the new cluster state within the ack timeout.
    pub fn answer_unacknowledged(&self, times: u32) {
        self.cluster
            .unacknowledged
            .store(times, std::sync::atomic::Ordering::SeqCst);
    }

    /// Disarms the faults not used up yet, as when the cluster recovers.
    pub fn clear_faults(&self) {
        self.cluster.faults.clear();
    }

    /// Applies a `PUT _cluster/settings` body as a client of the cluster would (ECK does);
    /// Elasticsearch's reason when it refuses it.
    pub fn update_settings(&self, body: &serde_json::Value) -> Result<(), String> {
        settings::SettingsUpdate::from_json(body)
            .and_then(|update| self.cluster.update_settings(&update))
            .map(drop)
            .map_err(|error| error.reason().to_owned())
    }

    /// The persistent settings as a flat JSON object (`{"cluster.remote.a.mode": "proxy"}`).
    pub fn persistent_settings(&self) -> serde_json::Value {
        settings::to_flat_json(&self.cluster.settings().persistent)
    }
}

/// Locks `mutex`, carrying on with the data if a panicking thread poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
