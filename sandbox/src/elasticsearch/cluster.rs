//! The state of one emulated cluster (settings and remote links behind one lock) and the
//! operations the HTTP handlers call on it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use super::api_keys::ApiKeys;
use super::errors::Cause;
use super::errors::EsError;
use super::faults::Faults;
use super::journal::Journal;
use super::license::{ADVANCED_REMOTE_CLUSTER_SECURITY, non_compliant_cause};
use super::license::{BasicStart, License, LicensesMetadata, TrialStart};
use super::registry::{self, FlatSettings};
use super::remote::{
    self, Connection, Credentials, Demand, Handshake, LinkFailure, LinkStatus, Links, RemoteConfig,
    credentials_setting,
};
use super::settings::{self, AppliedUpdate, ClusterSettings, SettingsUpdate, wildcard_match};
use super::version::Version;
use super::world::{
    ClusterId, ElasticsearchConfig, KeyGrant, RemoteClusterServer, SslLayer, Topology, lock,
    now_millis,
};

/// Every node set of the sandbox's clusters is `default` with three nodes.
pub const NODE_COUNT: u32 = 3;

pub struct Cluster {
    pub config: ElasticsearchConfig,
    pub version: Version,
    /// Stable for the life of this cluster, like a real cluster's UUID.
    pub uuid: String,
    pub journal: Journal,
    pub faults: Faults,
    /// How many of the next settings updates are committed but not acknowledged in time.
    pub unacknowledged: AtomicU32,
    topology: Arc<dyn Topology>,
    state: Mutex<State>,
}

/// The cluster state, which node restarts keep: settings, license, API keys; and the links.
#[derive(Default)]
struct State {
    settings: ClusterSettings,
    licenses: LicensesMetadata,
    api_keys: ApiKeys,
    links: Links,
    /// The node starts the links have seen.
    node_starts: u64,
}

impl Cluster {
    pub fn new(config: ElasticsearchConfig, topology: Arc<dyn Topology>) -> Self {
        Cluster {
            version: Version::parse(&config.version),
            uuid: cluster_uuid(&config),
            journal: Journal::default(),
            faults: Faults::default(),
            unacknowledged: AtomicU32::new(0),
            config,
            topology,
            state: Mutex::default(),
        }
    }

    /// The Elasticsearch cluster name (ECK uses the resource name).
    pub fn name(&self) -> String {
        self.topology.cluster_name(&self.config.cluster)
    }

    /// Whether the nodes formed a cluster (and elected a master).
    pub fn formed(&self) -> bool {
        self.topology.formed(&self.config.cluster)
    }

    /// The node that answers HTTP requests, named as ECK names pods.
    pub fn node_name(&self) -> String {
        self.node_of(0)
    }

    fn node_of(&self, ordinal: u32) -> String {
        format!("{}-es-default-{ordinal}", self.config.cluster.name)
    }

    /// Every node, named as ECK names pods.
    pub fn node_names(&self) -> Vec<String> {
        (0..NODE_COUNT)
            .map(|ordinal| self.node_of(ordinal))
            .collect()
    }

    pub fn settings(&self) -> ClusterSettings {
        lock(&self.state).settings.clone()
    }

    pub fn license(&self) -> License {
        lock(&self.state).licenses.license
    }

    pub fn start_trial(&self, acknowledged: bool) -> TrialStart {
        lock(&self.state)
            .licenses
            .start_trial(acknowledged, now_millis())
    }

    pub fn start_basic(&self) -> BasicStart {
        lock(&self.state).licenses.start_basic()
    }

    /// Works on the cluster's API keys, under the state's lock.
    pub fn with_api_keys<T>(&self, work: impl FnOnce(&mut ApiKeys) -> T) -> T {
        work(&mut lock(&self.state).api_keys)
    }

    /// Whether the keystore holds a cross-cluster API key for `alias`
    /// (`cluster.remote.ALIAS.credentials`, a secure setting only).
    pub fn has_credentials(&self, alias: &str) -> bool {
        self.topology
            .keystore(&self.config.cluster)
            .contains_key(&credentials_setting(alias))
    }

    /// The remote clusters `effective` configures, each with the credentials the keystore
    /// holds for it.
    fn configured(&self, effective: &FlatSettings) -> Vec<RemoteConfig> {
        let keystore = self.topology.keystore(&self.config.cluster);
        let mut remotes = remote::configured_remotes(effective, &self.version);
        for remote in &mut remotes {
            remote.credentials = keystore
                .get(&credentials_setting(&remote.alias))
                .cloned()
                .map(Credentials);
        }
        remotes
    }

    /// The remote cluster settings of the nodes' `elasticsearch.yml` (the union of the
    /// nodes', first one first).
    pub fn node_settings(&self) -> FlatSettings {
        let mut node = FlatSettings::new();
        for config in self.topology.node_configs(&self.config.cluster) {
            for (key, value) in settings::node_remote_settings(&config) {
                node.entry(key).or_insert(value);
            }
        }
        node
    }

    /// Applies a settings update; links whose settings changed start connecting anew, with
    /// what the network and trust allow at this moment. The result is checked together with
    /// the node settings, which it cannot remove.
    pub fn update_settings(&self, update: &SettingsUpdate) -> Result<AppliedUpdate, EsError> {
        let node = self.node_settings();
        let mut state = lock(&self.state);
        self.notice_node_starts(&mut state);
        let applied = state.settings.apply(update)?;
        let before = state.settings.over(&node);
        let after = applied.settings.over(&node);
        registry::check_dependencies(&after).map_err(EsError::illegal_argument)?;
        let changed = state.links.settings_changed(&before, &after);
        let now = Instant::now();
        for remote in self.configured(&after) {
            if changed.contains(&remote.alias) {
                let handshake = self.handshake(&remote);
                state.links.attempt(&remote.alias, handshake, now);
            }
        }
        state.settings = applied.settings.clone();
        Ok(applied)
    }

    /// Whether this committed update is acknowledged: not while `unacknowledged` counts down,
    /// as when a node does not apply the new cluster state within the ack timeout.
    pub fn acknowledges(&self) -> bool {
        self.unacknowledged
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_err()
    }

    /// A node that (re)started since the last look connects to its remotes anew.
    fn notice_node_starts(&self, state: &mut State) {
        let starts = self.topology.node_starts(&self.config.cluster);
        if state.node_starts != starts {
            state.node_starts = starts;
            state.links.nodes_started();
        }
    }

    /// The remote clusters the effective settings configure.
    pub fn remotes(&self) -> Vec<RemoteConfig> {
        let node = self.node_settings();
        let effective = lock(&self.state).settings.over(&node);
        self.configured(&effective)
    }

    /// A certificate-based link dials the transport port with mutual TLS; an API-key link
    /// dials the remote cluster server as a TLS client only.
    fn handshake(&self, remote: &RemoteConfig) -> Result<Handshake, LinkFailure> {
        let topology = self.topology.as_ref();
        let local = &self.config.cluster;
        match (&remote.credentials, &remote.connection) {
            (Some(_), Connection::Proxy { address, .. }) => {
                let target = remote::reach_remote_cluster_server(address, local, topology)?;
                let found = Handshake {
                    address: address.clone(),
                    cluster_name: topology.cluster_name(&target),
                };
                self.verify_host(remote, found, &target, SslLayer::RemoteClusterClient)
            }
            _ => {
                let found = remote::probe(remote, local, topology)?;
                match topology.transport_at(&found.address) {
                    Some(target) => self.verify_host(remote, found, &target, SslLayer::Transport),
                    None => Ok(found),
                }
            }
        }
    }

    /// What a request through an API-key link needs beyond the connection: both licenses
    /// allow the feature (checked when sending and when receiving: ES
    /// `SecurityServerTransportInterceptor`, `CrossClusterAccessServerTransportFilter`), the
    /// remote accepts the key, and the key grants search on the indices named. A wildcard
    /// only matches what the key grants; a concrete index outside it is refused, in the
    /// remote's words for `action`.
    pub fn api_key_access(
        &self,
        remote: &RemoteConfig,
        indices: &[String],
        action: RemoteAction,
    ) -> Result<(), Cause> {
        let Some(credentials) = &remote.credentials else {
            return Ok(());
        };
        if !self.license().allows_enterprise_features() {
            return Err(non_compliant_cause(ADVANCED_REMOTE_CLUSTER_SECURITY));
        }
        let server = self
            .topology
            .remote_cluster_port_at(remote.connection.first_address())
            .and_then(|target| self.topology.remote_cluster_server(&target));
        let Some(server) = server else {
            return Ok(());
        };
        if !server.allows_api_key_access() {
            return Err(non_compliant_cause(ADVANCED_REMOTE_CLUSTER_SECURITY));
        }
        let grant = server.grant(&credentials.0)?;
        let refused = indices.iter().find(|index| {
            grant.search.is_empty()
                || (!index.contains('*') && !grant.search.iter().any(|p| wildcard_match(p, index)))
        });
        match refused {
            Some(index) => Err(action.unauthorized(&grant, index)),
            None => Ok(()),
        }
    }

    /// Where the link to `remote` stands now. A request that only reports (`_remote/info`)
    /// makes no attempt; a cross-cluster one (`demand`) tries a failed link again.
    pub fn link_status(&self, remote: &RemoteConfig, demand: Demand) -> LinkStatus {
        let now = Instant::now();
        let mut state = lock(&self.state);
        self.notice_node_starts(&mut state);
        state.links.look(
            &remote.alias,
            || self.handshake(remote),
            demand,
            now,
            self.config.connect_delay,
        )
    }

    /// With `verification_mode: full` (Elasticsearch's default; ECK sets `certificate` for the
    /// transport, nothing for the remote cluster client), the remote's certificate must carry
    /// the SNI `server_name` (checked first) or else the host of the address as written
    /// (Elasticsearch: `SecurityNetty4Transport`'s client SSL engine gets that host; the JDK's
    /// `X509TrustManagerImpl.checkIdentity` tries the SNI name, then the peer host).
    fn verify_host(
        &self,
        remote: &RemoteConfig,
        found: Handshake,
        target: &ClusterId,
        layer: SslLayer,
    ) -> Result<Handshake, LinkFailure> {
        let Connection::Proxy { server_name, .. } = &remote.connection else {
            return Ok(found);
        };
        if !self.verifies_hosts(layer) {
            return Ok(found);
        }
        let host = host_of(&found.address);
        let carried =
            |name: &str| !name.is_empty() && self.topology.certificate_names_match(target, name);
        match carried(server_name) || carried(&host) {
            true => Ok(found),
            false => Err(LinkFailure::HostNotInCertificate {
                address: found.address,
                host,
            }),
        }
    }

    /// Whether the nodes check host names on that layer's connections: the setting absent
    /// (the default is `full`) or `full` in any node's elasticsearch.yml.
    fn verifies_hosts(&self, layer: SslLayer) -> bool {
        self.topology
            .node_configs(&self.config.cluster)
            .iter()
            .any(|config| {
                let mode =
                    &config["xpack"]["security"][layer.settings_key()]["ssl"]["verification_mode"];
                mode.is_null() || mode == "full"
            })
    }

    /// Like [`Cluster::link_status`] on demand, but waits for a connection under way to
    /// complete, as a cross-cluster search of a remote that may not be skipped does.
    pub async fn wait_for_link(&self, remote: &RemoteConfig) -> LinkStatus {
        let status = self.link_status(remote, Demand::Reconnect);
        let LinkStatus::Connecting { remaining } = status else {
            return status;
        };
        tokio::time::sleep(remaining).await;
        match self.link_status(remote, Demand::Report) {
            LinkStatus::Connecting { .. } => LinkStatus::Failed(LinkFailure::Timeout {
                address: remote.connection.first_address().to_owned(),
            }),
            status => status,
        }
    }
}

/// The remote's refusal of a search the key does not grant (an approximation of
/// Elasticsearch's authorization denial message).
/// A request that goes through a link to the remote's indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteAction {
    Search,
    ResolveCluster,
}

impl RemoteAction {
    /// The remote's refusal of the action to a cross-cluster key it authenticated, as the
    /// local `elastic` user sent it (ES: x-pack security `AuthorizationDenialMessages`,
    /// `actionDenied` of a cross-cluster access authentication, words seen on the real stack).
    fn unauthorized(self, grant: &KeyGrant, index: &str) -> Cause {
        let (action, on_indices, privileges) = match self {
            RemoteAction::Search => (
                "indices:data/read/search",
                format!(" on indices [{index}]"),
                "read,all",
            ),
            RemoteAction::ResolveCluster => (
                "indices:admin/resolve/cluster",
                String::new(),
                "view_index_metadata,manage,read,read_cross_cluster,all",
            ),
        };
        Cause::new(
            "security_exception",
            format!(
                "action [{action}] towards remote cluster is unauthorized for user [elastic] with \
                 assigned roles [superuser] authenticated by API key id [{}] of user [elastic]\
                 {on_indices}, this action is granted by the index privileges [{privileges}]",
                grant.id
            ),
        )
    }
}

/// The receiving side of API-key links: this cluster's license and keys.
impl RemoteClusterServer for Cluster {
    fn allows_api_key_access(&self) -> bool {
        self.license().allows_enterprise_features()
    }

    fn grant(&self, credentials: &str) -> Result<KeyGrant, Cause> {
        self.with_api_keys(|keys| {
            keys.authenticate(credentials, now_millis())
                .map(|key| KeyGrant {
                    id: key.id.clone(),
                    search: key.access.search_patterns(),
                })
                .map_err(|failure| failure.to_cause())
        })
    }
}

/// The host of `HOST:PORT` as written (IPv6 without its brackets).
fn host_of(address: &str) -> String {
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_string()
}

/// A 22-character URL-safe identifier, different for every cluster instance.
fn cluster_uuid(config: &ElasticsearchConfig) -> String {
    use base64::Engine;
    use std::hash::BuildHasher;
    let random = std::collections::hash_map::RandomState::new();
    let half = |salt: u8| random.hash_one((salt, &config.cluster)).to_be_bytes();
    let bytes = [half(0), half(1)].concat();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
