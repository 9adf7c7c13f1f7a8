//! Remote clusters: which aliases the effective settings configure, whether each link would
//! really connect (address, mutual TLS trust, cluster name, time to connect), and `_remote/info`.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::errors::Cause;
use super::registry::{self, AliasSettings, FlatSettings, SettingValue, Strategy};
use super::version::Version;
use super::world::{ClusterId, Topology};

/// Elasticsearch's `cluster.remote.initial_connect_timeout` default, shown by `_remote/info`.
pub const INITIAL_CONNECT_TIMEOUT: &str = "30s";
const DEFAULT_PROXY_SOCKET_CONNECTIONS: u32 = 18;
const DEFAULT_NODE_CONNECTIONS: u32 = 3;

/// An alias the effective settings make a remote cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteConfig {
    pub alias: String,
    pub connection: Connection,
    pub skip_unavailable: bool,
    /// The keystore's `cluster.remote.ALIAS.credentials`: its presence makes the alias an
    /// API-key link, to the remote cluster server (ES: `RemoteClusterCredentialsManager`).
    pub credentials: Option<Credentials>,
}

/// A cross-cluster API key as the keystore holds it (base64 of `ID:SECRET`); never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials(pub String);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Credentials(<redacted>)")
    }
}

/// The keystore entry that makes `alias` an API-key link.
pub fn credentials_setting(alias: &str) -> String {
    format!("cluster.remote.{alias}.credentials")
}

/// How the alias reaches its cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    Proxy {
        address: String,
        server_name: String,
        socket_connections: u32,
    },
    Sniff {
        seeds: Vec<String>,
        node_connections: u32,
    },
}

impl Connection {
    /// The address a connection attempt goes to first.
    pub fn first_address(&self) -> &str {
        match self {
            Connection::Proxy { address, .. } => address,
            Connection::Sniff { seeds, .. } => seeds.first().map_or("", String::as_str),
        }
    }
}

/// The remote clusters of `effective`, sorted by alias. Aliases with only some settings
/// (say, a mode but no address) are not remote clusters, as in Elasticsearch.
pub fn configured_remotes(effective: &FlatSettings, version: &Version) -> Vec<RemoteConfig> {
    aliases(effective)
        .into_iter()
        .filter_map(|alias| remote_config(effective, alias, version))
        .collect()
}

fn aliases(settings: &FlatSettings) -> BTreeSet<&str> {
    settings
        .keys()
        .filter_map(|key| registry::remote_key(key).map(|(alias, _)| alias))
        .collect()
}

fn remote_config(effective: &FlatSettings, alias: &str, version: &Version) -> Option<RemoteConfig> {
    let settings = AliasSettings::new(effective, alias);
    if !settings.is_enabled() {
        return None;
    }
    let connection = match settings.mode() {
        Strategy::Proxy => Connection::Proxy {
            address: settings
                .get("proxy_address")
                .map(registry::text)?
                .to_owned(),
            server_name: settings
                .get("server_name")
                .map_or("", registry::text)
                .to_owned(),
            socket_connections: settings
                .count("proxy_socket_connections", DEFAULT_PROXY_SOCKET_CONNECTIONS),
        },
        Strategy::Sniff => Connection::Sniff {
            seeds: settings.get("seeds").map(registry::list_items)?,
            node_connections: settings.count("node_connections", DEFAULT_NODE_CONNECTIONS),
        },
    };
    Some(RemoteConfig {
        alias: alias.to_owned(),
        connection,
        skip_unavailable: settings.flag("skip_unavailable", version.skip_unavailable_by_default()),
        credentials: None,
    })
}

/// What Java's TLS stack says of a peer certificate that chains to no trusted CA.
const UNTRUSTED_CERTIFICATE: &str = "PKIX path building failed: \
    sun.security.provider.certpath.SunCertPathBuilderException: \
    unable to find valid certification path to requested target";

/// Why a link does not carry data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkFailure {
    /// Nothing answers at the address (no exposed transport service there).
    Refused { address: String },
    /// The remote's certificate does not chain to a CA this cluster trusts.
    UntrustedRemote { address: String },
    /// The remote does not trust this cluster's certificate.
    RejectedByRemote { address: String },
    /// The address now leads to another cluster than the one this link first reached.
    ClusterNameMismatch {
        address: String,
        expected: String,
        found: String,
    },
    /// Sniff mode: the seed answered, but the nodes it advertises are pod addresses out of reach.
    NoSeedNodeLeft { alias: String },
    /// Still connecting when the caller stopped waiting.
    Timeout { address: String },
    /// Hostname verification (`verification_mode: full`): the remote's certificate carries
    /// neither the SNI `server_name` nor the host of the address.
    HostNotInCertificate { address: String, host: String },
    /// An API-key link dialed a transport port (9300) instead of a remote cluster server.
    NotRemoteClusterPort { address: String },
}

impl LinkFailure {
    /// The exception Elasticsearch reports for this failure.
    pub fn to_cause(&self) -> Cause {
        match self {
            LinkFailure::Refused { address } => connect_failure(address, "connect_exception")
                .caused_by(Cause::new(
                    "connect_exception",
                    format!("Connection refused: {address}"),
                )),
            LinkFailure::UntrustedRemote { address } => {
                general_failure(address).caused_by(tls_failure(UNTRUSTED_CERTIFICATE))
            }
            LinkFailure::RejectedByRemote { address } => general_failure(address)
                .caused_by(tls_failure("Received fatal alert: certificate_unknown")),
            LinkFailure::ClusterNameMismatch {
                address,
                expected,
                found,
            } => general_failure(address).caused_by(Cause::new(
                "illegal_state_exception",
                format!(
                    "handshake with [{address}] failed: remote cluster name [{found}] \
                         does not match expected remote cluster name [{expected}]"
                ),
            )),
            LinkFailure::NoSeedNodeLeft { alias } => Cause::new(
                "no_seed_node_left_exception",
                format!("no seed node left for cluster: [{alias}]"),
            ),
            LinkFailure::Timeout { address } => connect_failure(
                address,
                &format!("connect_timeout[{INITIAL_CONNECT_TIMEOUT}]"),
            ),
            // Java's HostnameChecker, as the TLS handshake reports it.
            LinkFailure::HostNotInCertificate { address, host } => {
                let reason = match host.parse::<std::net::IpAddr>() {
                    Ok(_) => {
                        format!("No subject alternative names matching IP address {host} found")
                    }
                    Err(_) => format!("No subject alternative DNS name matching {host} found."),
                };
                general_failure(address).caused_by(tls_failure(&reason))
            }
            // ES: `TransportService`'s remote cluster handshake handler.
            LinkFailure::NotRemoteClusterPort { address } => {
                general_failure(address).caused_by(Cause::new(
                    "illegal_argument_exception",
                    "remote cluster handshake action requires channel profile to be \
                     [_remote_cluster], but got [default]",
                ))
            }
        }
    }
}

fn connect_failure(address: &str, what: &str) -> Cause {
    Cause::new(
        "connect_transport_exception",
        format!("[][{address}] {what}"),
    )
}

fn general_failure(address: &str) -> Cause {
    connect_failure(address, "general node connection failure")
}

fn tls_failure(reason: &str) -> Cause {
    Cause::new("s_s_l_handshake_exception", reason)
}

/// Where a link stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    Connected,
    /// Reachable, but the asynchronous connection has not completed yet.
    Connecting {
        remaining: Duration,
    },
    Failed(LinkFailure),
}

/// What a successful transport handshake found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handshake {
    pub address: String,
    pub cluster_name: String,
}

/// Tries the handshake of `remote` from `local` through the emulated network.
pub fn probe(
    remote: &RemoteConfig,
    local: &ClusterId,
    topology: &dyn Topology,
) -> Result<Handshake, LinkFailure> {
    let address = remote.connection.first_address();
    let cluster = reach(address, local, topology)?;
    match remote.connection {
        Connection::Proxy { .. } => Ok(Handshake {
            address: address.to_owned(),
            cluster_name: topology.cluster_name(&cluster),
        }),
        Connection::Sniff { .. } => Err(LinkFailure::NoSeedNodeLeft {
            alias: remote.alias.clone(),
        }),
    }
}

/// Reaches the remote cluster server at `address` as the client of an API-key link: only the
/// client checks the peer (no mutual TLS), with its own CAs (`remote_cluster_client.ssl`).
pub fn reach_remote_cluster_server(
    address: &str,
    local: &ClusterId,
    topology: &dyn Topology,
) -> Result<ClusterId, LinkFailure> {
    let refused = || LinkFailure::Refused {
        address: address.to_owned(),
    };
    let untrusted = || LinkFailure::UntrustedRemote {
        address: address.to_owned(),
    };
    if let Some(transport) = topology.transport_at(address) {
        return match topology.trusts_as_remote_cluster_client(local, &transport) {
            true => Err(LinkFailure::NotRemoteClusterPort {
                address: address.to_owned(),
            }),
            false => Err(untrusted()),
        };
    }
    let cluster = topology
        .remote_cluster_port_at(address)
        .filter(|cluster| serves_remote_clusters(topology, cluster))
        .ok_or_else(refused)?;
    match topology.trusts_as_remote_cluster_client(local, &cluster) {
        true => Ok(cluster),
        false => Err(untrusted()),
    }
}

/// Whether the nodes of `cluster` listen on 9443: `remote_cluster_server.enabled`.
fn serves_remote_clusters(topology: &dyn Topology, cluster: &ClusterId) -> bool {
    topology.node_configs(cluster).iter().any(|config| {
        let enabled = &config["remote_cluster_server"]["enabled"];
        enabled == true || enabled == "true"
    })
}

fn reach(
    address: &str,
    local: &ClusterId,
    topology: &dyn Topology,
) -> Result<ClusterId, LinkFailure> {
    let address = address.to_owned();
    let Some(cluster) = topology.transport_at(&address) else {
        return Err(LinkFailure::Refused { address });
    };
    if !topology.trusts(local, &cluster) {
        return Err(LinkFailure::UntrustedRemote { address });
    }
    if !topology.trusts(&cluster, local) {
        return Err(LinkFailure::RejectedByRemote { address });
    }
    Ok(cluster)
}

/// How a request treats a remote that is not connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Demand {
    /// Only report (`_remote/info`): never an attempt of its own.
    Report,
    /// A cross-cluster request: a link that failed or dropped is tried again now.
    Reconnect,
}

/// The connection of every alias: its current attempt, and what that attempt found.
///
/// Elasticsearch connects to a remote when the alias's settings change, at node start, when
/// an established connection drops, and on demand (a cross-cluster request); it never
/// retries a failed attempt by itself, and `_remote/info` only reports
/// (ES: `transport/RemoteClusterService.java`, `transport/RemoteConnectionStrategy.java`,
/// `action/admin/cluster/remote/TransportRemoteInfoAction.java`).
#[derive(Debug, Default)]
pub struct Links {
    attempts: HashMap<String, LinkAttempt>,
    /// Per alias, the cluster name its first successful handshake found; later handshakes
    /// must match it until the alias's settings change.
    cluster_names: HashMap<String, String>,
}

#[derive(Debug)]
struct LinkAttempt {
    started_at: Instant,
    /// What the handshake found when the attempt was made: a failure stays until the next
    /// attempt.
    outcome: Result<Handshake, LinkFailure>,
}

impl LinkAttempt {
    fn status(&self, now: Instant, connect_delay: Duration) -> LinkStatus {
        if let Err(failure) = &self.outcome {
            return LinkStatus::Failed(failure.clone());
        }
        let elapsed = now.saturating_duration_since(self.started_at);
        match connect_delay.checked_sub(elapsed) {
            Some(remaining) if !remaining.is_zero() => LinkStatus::Connecting { remaining },
            _ => LinkStatus::Connected,
        }
    }
}

impl Links {
    /// Forgets the attempt and the cluster name of every alias whose settings differ between
    /// `before` and `after`, and returns those aliases: Elasticsearch rebuilds their
    /// connections, and the caller makes the new attempts ([`Links::attempt`]).
    pub fn settings_changed(&mut self, before: &FlatSettings, after: &FlatSettings) -> Vec<String> {
        let all: BTreeSet<&str> = aliases(before).union(&aliases(after)).copied().collect();
        let changed: Vec<String> = all
            .into_iter()
            .filter(|alias| alias_settings(before, alias) != alias_settings(after, alias))
            .map(str::to_owned)
            .collect();
        for alias in &changed {
            self.attempts.remove(alias);
            self.cluster_names.remove(alias);
        }
        changed
    }

    /// Forgets every attempt: restarted nodes connect to their remotes anew at the next look.
    pub fn nodes_started(&mut self) {
        self.attempts.clear();
        self.cluster_names.clear();
    }

    /// Starts a connection attempt of `alias` at `now`, with what its handshake found.
    pub fn attempt(
        &mut self,
        alias: &str,
        handshake: Result<Handshake, LinkFailure>,
        now: Instant,
    ) {
        let outcome = handshake.and_then(|found| self.check_cluster_name(alias, found));
        if let Ok(found) = &outcome {
            self.cluster_names
                .entry(alias.to_owned())
                .or_insert_with(|| found.cluster_name.clone());
        }
        self.attempts.insert(
            alias.to_owned(),
            LinkAttempt {
                started_at: now,
                outcome,
            },
        );
    }

    /// Where the link of `alias` stands at `now`. `handshake` tells what a handshake would
    /// find now: it is used for a new attempt (none made yet, as at node start; or `demand`
    /// asks for one after a failure), and to notice that an established connection dropped,
    /// which Elasticsearch follows with one new attempt.
    pub fn look(
        &mut self,
        alias: &str,
        handshake: impl FnOnce() -> Result<Handshake, LinkFailure>,
        demand: Demand,
        now: Instant,
        connect_delay: Duration,
    ) -> LinkStatus {
        let status = self
            .attempts
            .get(alias)
            .map(|attempt| attempt.status(now, connect_delay));
        match status {
            // None made yet: the node's first attempt.
            None => self.attempt(alias, handshake(), now),
            // An established connection that dropped is tried again at once.
            Some(LinkStatus::Connected) => {
                let current = handshake().and_then(|found| self.check_cluster_name(alias, found));
                if let Err(failure) = current {
                    self.attempt(alias, Err(failure), now);
                }
            }
            // A failed one only when a request asks for the remote.
            Some(LinkStatus::Failed(_)) if demand == Demand::Reconnect => {
                self.attempt(alias, handshake(), now)
            }
            Some(status) => return status,
        }
        match self.attempts.get(alias) {
            Some(attempt) => attempt.status(now, connect_delay),
            None => LinkStatus::Connecting {
                remaining: connect_delay,
            },
        }
    }

    fn check_cluster_name(&self, alias: &str, found: Handshake) -> Result<Handshake, LinkFailure> {
        match self.cluster_names.get(alias) {
            Some(expected) if *expected != found.cluster_name => {
                Err(LinkFailure::ClusterNameMismatch {
                    address: found.address,
                    expected: expected.clone(),
                    found: found.cluster_name,
                })
            }
            _ => Ok(found),
        }
    }
}

fn alias_settings<'a>(
    settings: &'a FlatSettings,
    alias: &str,
) -> Vec<(&'a String, &'a SettingValue)> {
    settings
        .iter()
        .filter(|(key, _)| {
            registry::remote_key(key).is_some_and(|(candidate, _)| candidate == alias)
        })
        .collect()
}

/// One alias's entry of `GET _remote/info`.
pub fn info_json(remote: &RemoteConfig, connected: bool) -> Value {
    let mut entry = json!({ "connected": connected });
    let fields = match &remote.connection {
        Connection::Proxy {
            address,
            server_name,
            socket_connections,
        } => json!({
            "mode": Strategy::Proxy.name(),
            "proxy_address": address,
            "server_name": server_name,
            "num_proxy_sockets_connected": if connected { *socket_connections } else { 0 },
            "max_proxy_socket_connections": socket_connections,
        }),
        Connection::Sniff {
            seeds,
            node_connections,
        } => json!({
            "mode": Strategy::Sniff.name(),
            "seeds": seeds,
            "num_nodes_connected": 0,
            "max_connections_per_cluster": node_connections,
        }),
    };
    if let (Value::Object(entry), Value::Object(fields)) = (&mut entry, fields) {
        entry.extend(fields);
        entry.insert(
            "initial_connect_timeout".into(),
            json!(INITIAL_CONNECT_TIMEOUT),
        );
        entry.insert("skip_unavailable".into(), json!(remote.skip_unavailable));
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> FlatSettings {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), SettingValue::Text(value.to_string())))
            .collect()
    }

    fn handshake(cluster_name: &str) -> Handshake {
        Handshake {
            address: "h:9300".into(),
            cluster_name: cluster_name.into(),
        }
    }

    #[test]
    fn only_enabled_aliases_are_remote_clusters() {
        let effective = settings(&[
            ("cluster.remote.a.mode", "proxy"),
            ("cluster.remote.a.proxy_address", "h:9300"),
            ("cluster.remote.b.mode", "proxy"),
            ("cluster.remote.c.seeds", "s:9300"),
        ]);
        let remotes = configured_remotes(&effective, &Version::parse("8.15.3"));
        let aliases: Vec<_> = remotes.iter().map(|remote| remote.alias.as_str()).collect();
        assert_eq!(aliases, ["a", "c"]);
        assert_eq!(
            remotes[0],
            RemoteConfig {
                alias: "a".into(),
                connection: Connection::Proxy {
                    address: "h:9300".into(),
                    server_name: String::new(),
                    socket_connections: 18,
                },
                skip_unavailable: true,
                credentials: None,
            }
        );
    }

    #[test]
    fn skip_unavailable_default_follows_the_version() {
        let effective = settings(&[("cluster.remote.a.seeds", "s:9300")]);
        let old = configured_remotes(&effective, &Version::parse("8.14.0"));
        assert!(!old[0].skip_unavailable);
    }

    fn refused() -> Result<Handshake, LinkFailure> {
        Err(LinkFailure::Refused {
            address: "h:9300".into(),
        })
    }

    #[test]
    fn a_failed_attempt_stays_failed_until_a_request_asks_for_the_remote() {
        let delay = Duration::from_millis(200);
        let start = Instant::now();
        let after = |ms| start + Duration::from_millis(ms);
        let mut links = Links::default();
        let changed = links.settings_changed(
            &FlatSettings::new(),
            &settings(&[("cluster.remote.a.mode", "proxy")]),
        );
        assert_eq!(changed, ["a"]);
        links.attempt("a", refused(), start);
        let reached = || Ok(handshake("two"));
        assert!(
            matches!(
                links.look("a", reached, Demand::Report, after(5_000), delay),
                LinkStatus::Failed(LinkFailure::Refused { .. })
            ),
            "reachable now, but nothing tries again by itself"
        );
        assert_eq!(
            links.look("a", reached, Demand::Reconnect, after(5_000), delay),
            LinkStatus::Connecting {
                remaining: Duration::from_millis(200)
            },
            "a cross-cluster request tries again"
        );
        assert_eq!(
            links.look("a", reached, Demand::Report, after(5_200), delay),
            LinkStatus::Connected
        );
    }

    #[test]
    fn a_dropped_connection_is_tried_again_once() {
        let delay = Duration::ZERO;
        let now = Instant::now();
        let mut links = Links::default();
        let reached = || Ok(handshake("two"));
        assert_eq!(
            links.look("a", reached, Demand::Report, now, delay),
            LinkStatus::Connected,
            "the first look is the node's first attempt"
        );
        assert!(matches!(
            links.look("a", refused, Demand::Report, now, delay),
            LinkStatus::Failed(_)
        ));
        assert!(
            matches!(
                links.look("a", reached, Demand::Report, now, delay),
                LinkStatus::Failed(_)
            ),
            "the one new attempt failed: it stays failed"
        );
    }

    #[test]
    fn a_link_keeps_to_the_cluster_it_first_reached() {
        let delay = Duration::ZERO;
        let now = Instant::now();
        let mut links = Links::default();
        links.attempt("a", Ok(handshake("two")), now);
        links.attempt("a", Ok(handshake("three")), now);
        assert!(matches!(
            links.look("a", || Ok(handshake("three")), Demand::Report, now, delay),
            LinkStatus::Failed(LinkFailure::ClusterNameMismatch { .. })
        ));
        let before = settings(&[("cluster.remote.a.proxy_address", "h:9300")]);
        let after = settings(&[("cluster.remote.a.proxy_address", "h:9400")]);
        links.settings_changed(&before, &after);
        links.attempt("a", Ok(handshake("three")), now);
        assert_eq!(
            links.look("a", || Ok(handshake("three")), Demand::Report, now, delay),
            LinkStatus::Connected
        );
    }
}
