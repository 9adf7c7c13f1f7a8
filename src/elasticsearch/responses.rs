//! What Elasticsearch answers to the calls ecr makes, as typed values: only the fields ecr
//! reads, every other field tolerated so that newer versions keep working.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `GET /`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Info {
    /// The node that answered.
    pub name: String,
    pub cluster_name: String,
    pub cluster_uuid: String,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Version {
    /// `8.17.0`.
    pub number: String,
}

/// The `license` of `GET _license`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct License {
    /// `basic`, `trial`, `gold`, `platinum`, `enterprise`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `active`, `expired` or `invalid`.
    pub status: String,
}

#[derive(Deserialize)]
pub(crate) struct LicenseAnswer {
    pub license: License,
}

/// `GET _cluster/settings?flat_settings=true`: each scope as flat keys
/// (`cluster.remote.a.mode`) with string or list values.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ClusterSettings {
    #[serde(default)]
    pub persistent: Map<String, Value>,
    #[serde(default)]
    pub transient: Map<String, Value>,
}

/// The answer to `PUT _cluster/settings`: the settings it set, as Elasticsearch now holds
/// them (removed ones are left out).
#[derive(Debug, Deserialize)]
pub struct SettingsUpdated {
    pub acknowledged: bool,
    #[serde(flatten)]
    pub settings: ClusterSettings,
}

/// One alias of `GET _remote/info`. Proxy mode fills the `proxy` fields, sniff mode the
/// `seeds` and `num_nodes_connected`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct RemoteClusterInfo {
    pub connected: bool,
    /// `proxy` or `sniff`.
    pub mode: String,
    #[serde(default)]
    pub proxy_address: Option<String>,
    /// The SNI name sent to the proxy; empty when none is set.
    #[serde(default)]
    pub server_name: Option<String>,
    #[serde(default)]
    pub num_proxy_sockets_connected: Option<u32>,
    #[serde(default)]
    pub max_proxy_socket_connections: Option<u32>,
    #[serde(default)]
    pub skip_unavailable: bool,
    #[serde(default)]
    pub seeds: Vec<String>,
    #[serde(default)]
    pub num_nodes_connected: Option<u32>,
    /// `::es_redacted::` when the keystore holds a cross-cluster API key for the alias
    /// (`cluster.remote.ALIAS.credentials`): an API-key link, not a certificate-based one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_credentials: Option<String>,
}

impl RemoteClusterInfo {
    /// Whether this is an API-key link: it goes to the remote cluster server (port 9443),
    /// trusted through `xpack.security.remote_cluster_client.ssl`, not the transport CA.
    pub fn uses_api_key(&self) -> bool {
        self.cluster_credentials.is_some()
    }
}

/// `GET _remote/info`: each configured alias.
pub(crate) type RemoteInfoAnswer = BTreeMap<String, RemoteClusterInfo>;

/// One cluster's entry of `GET _resolve/cluster/ALIAS:*`: whether data can flow to it now.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ResolvedCluster {
    pub connected: bool,
    #[serde(default)]
    pub skip_unavailable: bool,
    /// Whether the index expression matched anything (absent when not connected).
    #[serde(default)]
    pub matching_indices: Option<bool>,
    /// Why the cluster could not be resolved, as Elasticsearch says it.
    #[serde(default)]
    pub error: Option<String>,
}

impl ResolvedCluster {
    /// Whether Elasticsearch reached the remote: connected, or refused by the remote for a
    /// cross-cluster API key that it authenticated (a key that may replicate but not search:
    /// the link works). Elasticsearch reports every security exception as `connected: false`,
    /// since the local cluster may raise one before sending (ES: TransportResolveClusterAction);
    /// only the remote words its refusal `towards remote cluster is unauthorized for ...
    /// authenticated by API key id [..]`, the local cluster's names the alias (ES: x-pack
    /// security AuthorizationDenialMessages, `actionDenied` and `remoteActionDenied`).
    pub fn reached(&self) -> bool {
        self.connected
            || self.error.as_deref().is_some_and(|error| {
                error.contains("towards remote cluster is unauthorized for ")
                    && error.contains(" authenticated by API key id [")
            })
    }
}

pub(crate) type ResolveClusterAnswer = BTreeMap<String, ResolvedCluster>;

/// What ecr reads of a search's answer: its `_clusters` summary (cross-cluster searches).
#[derive(Deserialize)]
pub(crate) struct SearchAnswer {
    #[serde(rename = "_clusters")]
    pub clusters: Option<ClustersSummary>,
}

#[derive(Deserialize)]
pub(crate) struct ClustersSummary {
    pub total: u32,
    pub successful: u32,
    #[serde(default)]
    pub skipped: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolved(connected: bool, error: &str) -> ResolvedCluster {
        ResolvedCluster {
            connected,
            skip_unavailable: true,
            matching_indices: None,
            error: Some(error.to_string()),
        }
    }

    #[test]
    fn a_remote_that_refuses_what_the_key_does_not_grant_was_reached() {
        // Elasticsearch 8.19.21's answer on the real stack, through a key that may replicate only.
        let remote = "action [indices:admin/resolve/cluster] towards remote cluster is unauthorized \
            for user [elastic] with assigned roles [superuser] authenticated by API key id \
            [TckuO6IBVWS8TFqtyw_8] of user [elastic], this action is granted by the index \
            privileges [view_index_metadata,manage,read,read_cross_cluster,all]";
        assert!(resolved(false, remote).reached());
        // Refused by the local cluster before sending: nothing reached the remote.
        let local = "action [indices:admin/resolve/cluster] towards remote cluster [two] is \
            unauthorized for user [u] with assigned roles [r] because no remote indices \
            privileges apply for the target cluster";
        assert!(!resolved(false, local).reached());
        assert!(!resolved(false, "Unable to connect to [two]").reached());
        assert!(resolved(true, "no such index [x]").reached());
    }

    #[test]
    fn remote_info_of_both_modes_and_unknown_fields_are_read() {
        let answer: RemoteInfoAnswer = serde_json::from_value(json!({
            "two": {"connected": true, "mode": "proxy", "proxy_address": "10.0.0.1:9300",
                "server_name": "", "num_proxy_sockets_connected": 18,
                "max_proxy_socket_connections": 18, "initial_connect_timeout": "30s",
                "skip_unavailable": false, "cluster_credentials": "::es_redacted::"},
            "old": {"connected": false, "mode": "sniff", "seeds": ["10.0.0.2:9300"],
                "num_nodes_connected": 0, "max_connections_per_cluster": 3,
                "initial_connect_timeout": "30s", "skip_unavailable": true},
        }))
        .unwrap();
        let two = &answer["two"];
        assert!(two.connected);
        assert!(two.uses_api_key());
        assert!(!answer["old"].uses_api_key());
        assert_eq!(two.proxy_address.as_deref(), Some("10.0.0.1:9300"));
        assert_eq!(two.num_proxy_sockets_connected, Some(18));
        let old = &answer["old"];
        assert_eq!(old.mode, "sniff");
        assert_eq!(old.seeds, ["10.0.0.2:9300"]);
        assert_eq!(old.proxy_address, None);
        assert!(old.skip_unavailable);
    }

    #[test]
    fn licenses_name_their_type() {
        let answer: LicenseAnswer = serde_json::from_value(
            json!({"license": {"type": "basic", "status": "active", "uid": "x"}}),
        )
        .unwrap();
        assert_eq!(answer.license.kind, "basic");
    }
}
