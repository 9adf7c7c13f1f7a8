//! The state of one emulated cluster (settings and remote links behind one lock) and the
//! operations the HTTP handlers call on it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use super::errors::EsError;
use super::faults::Faults;
use super::journal::Journal;
use super::registry::{self, FlatSettings};
use super::remote::{
    self, Connection, Demand, Handshake, LinkFailure, LinkStatus, Links, RemoteConfig,
};
use super::settings::{self, AppliedUpdate, ClusterSettings, SettingsUpdate};
use super::version::Version;
use super::world::{ElasticsearchConfig, Topology, lock};

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

#[derive(Default)]
struct State {
    settings: ClusterSettings,
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
        format!("{}-es-default-0", self.config.cluster.name)
    }

    pub fn settings(&self) -> ClusterSettings {
        lock(&self.state).settings.clone()
    }

    /// Whether the keystore holds a cross-cluster API key for `alias`
    /// (`cluster.remote.ALIAS.credentials`, a secure setting only).
    pub fn has_credentials(&self, alias: &str) -> bool {
        self.topology
            .keystore(&self.config.cluster)
            .contains(&format!("cluster.remote.{alias}.credentials"))
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
        for remote in remote::configured_remotes(&after, &self.version) {
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
        remote::configured_remotes(&effective, &self.version)
    }

    fn handshake(&self, remote: &RemoteConfig) -> Result<Handshake, LinkFailure> {
        remote::probe(remote, &self.config.cluster, self.topology.as_ref())
            .and_then(|found| self.verify_host(remote, found))
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

    /// With `verification_mode: full` (Elasticsearch's default; ECK sets `certificate`), the
    /// remote's certificate must carry the SNI `server_name` (checked first) or else the host
    /// of the address as written (Elasticsearch: `SecurityNetty4Transport`'s client SSL
    /// engine gets that host; the JDK's `X509TrustManagerImpl.checkIdentity` tries the SNI
    /// name, then the peer host).
    fn verify_host(
        &self,
        remote: &RemoteConfig,
        found: Handshake,
    ) -> Result<Handshake, LinkFailure> {
        let Connection::Proxy { server_name, .. } = &remote.connection else {
            return Ok(found);
        };
        let (Some(target), true) = (
            self.topology.transport_at(&found.address),
            self.verifies_hosts(),
        ) else {
            return Ok(found);
        };
        let host = host_of(&found.address);
        let carried =
            |name: &str| !name.is_empty() && self.topology.certificate_names_match(&target, name);
        match carried(server_name) || carried(&host) {
            true => Ok(found),
            false => Err(LinkFailure::HostNotInCertificate {
                address: found.address,
                host,
            }),
        }
    }

    /// Whether the nodes check host names on transport connections: the setting absent (the
    /// default is `full`) or `full` in any node's elasticsearch.yml.
    fn verifies_hosts(&self) -> bool {
        self.topology
            .node_configs(&self.config.cluster)
            .iter()
            .any(|config| {
                let mode = &config["xpack"]["security"]["transport"]["ssl"]["verification_mode"];
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
