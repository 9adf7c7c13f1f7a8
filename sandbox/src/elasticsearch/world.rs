//! What an emulated cluster is told of itself and of the world: its identity and config,
//! and the network and TLS trust it sees ([`Topology`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::errors::Cause;

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
    /// Whether `cluster`'s transport certificates carry `host` (a DNS name or an IP); its
    /// remote cluster server serves the same certificates.
    fn certificate_names_match(&self, _cluster: &ClusterId, _host: &str) -> bool {
        true
    }
    /// The secure settings in the keystore of the node that answers (name to value), as it
    /// was built when that node started.
    fn keystore(&self, _cluster: &ClusterId) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
    /// The cluster whose pods' port 9443 (the remote cluster server's) is reached at
    /// `host:port`, whether or not anything listens there.
    fn remote_cluster_port_at(&self, _address: &str) -> Option<ClusterId> {
        None
    }
    /// Whether `cluster`'s nodes trust `other`'s transport CA as clients of API-key remote
    /// clusters (`xpack.security.remote_cluster_client.ssl.certificate_authorities`).
    fn trusts_as_remote_cluster_client(&self, _cluster: &ClusterId, _other: &ClusterId) -> bool {
        false
    }
    /// What `cluster`'s remote cluster server decides about the requests it receives.
    fn remote_cluster_server(&self, _cluster: &ClusterId) -> Option<Arc<dyn RemoteClusterServer>> {
        None
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

/// The receiving side of API-key remote clusters, as a client cluster meets it.
pub trait RemoteClusterServer: Send + Sync {
    /// Whether its license allows `advanced-remote-cluster-security` (checked on receipt too).
    fn allows_api_key_access(&self) -> bool;
    /// The cross-cluster API key that `credentials` (base64 of `ID:SECRET`) presents, or
    /// the 401 the remote answers.
    fn grant(&self, credentials: &str) -> Result<KeyGrant, Cause>;
}

/// What an accepted cross-cluster API key grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGrant {
    pub id: String,
    /// The index patterns of its `access.search` (none: no cross-cluster search).
    pub search: Vec<String>,
}

/// A TLS layer whose settings (`xpack.security.LAYER.ssl.*`) a node reads: the transport's,
/// and the client side of API-key remote clusters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SslLayer {
    Transport,
    RemoteClusterClient,
}

impl SslLayer {
    pub fn settings_key(self) -> &'static str {
        match self {
            SslLayer::Transport => "transport",
            SslLayer::RemoteClusterClient => "remote_cluster_client",
        }
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

/// Milliseconds since the epoch, as Elasticsearch stamps keys and licenses.
pub fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// Locks `mutex`, carrying on with the data if a panicking thread poisoned it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
