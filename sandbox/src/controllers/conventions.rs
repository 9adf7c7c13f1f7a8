//! What ECK, the kubelet and the network agree on about the objects ECK makes: the labels
//! and names of its pods' secrets, where `elasticsearch.yml` lists the transport CAs, and
//! how long trust changes take. A leaf: every controller imports it, it imports none.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;

use crate::elasticsearch::SslLayer;

/// The operator's own namespace, where ECK is installed (and its trial Secret goes).
pub const OPERATOR_NAMESPACE: &str = "elastic-system";
/// On everything ECK makes for a cluster: `elasticsearch`.
pub const TYPE_LABEL: &str = "common.k8s.elastic.co/type";
/// On everything ECK makes for a cluster: the resource's name.
pub const CLUSTER_NAME_LABEL: &str = "elasticsearch.k8s.elastic.co/cluster-name";
/// On the per-nodeSet objects (pods, config secrets): their StatefulSet.
pub const STATEFULSET_LABEL: &str = "elasticsearch.k8s.elastic.co/statefulset-name";
/// On pods: `false` when the node lacks the `remote_cluster_client` role.
pub const REMOTE_CLUSTER_CLIENT_LABEL: &str =
    "elasticsearch.k8s.elastic.co/node-remote_cluster_client";
/// On pods: the hash of their `elasticsearch.yml` (a change restarts them).
pub const CONFIG_HASH_ANNOTATION: &str = "elasticsearch.k8s.elastic.co/config-hash";

/// The secret holding a StatefulSet's `elasticsearch.yml`.
pub fn config_secret_name(statefulset: &str) -> String {
    format!("{statefulset}-es-config")
}

/// The secret behind ECK's `config/transport-certs` mount of a StatefulSet's pods.
pub fn transport_certs_secret(statefulset: &str) -> String {
    format!("{statefulset}-es-transport-certs")
}

/// The CA files Elasticsearch loads for the transport layer, from a configuration with
/// nested keys: a list, or a string that Elasticsearch splits at commas.
pub fn transport_ca_paths(config: &Value) -> Vec<String> {
    ssl_ca_paths(config, SslLayer::Transport)
}

/// The files of `xpack.security.LAYER.ssl.certificate_authorities` (a list, or a
/// comma-separated string).
pub fn ssl_ca_paths(config: &Value, layer: SslLayer) -> Vec<String> {
    match &config["xpack"]["security"][layer.settings_key()]["ssl"]["certificate_authorities"] {
        Value::Array(paths) => paths
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Value::String(paths) => paths
            .split(',')
            .map(str::trim)
            .filter(|path| !path.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// How long trust changes take to reach the nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustDelays {
    /// ECK's restart of one pod in a rolling upgrade (minutes, waiting for green).
    pub pod_restart: Duration,
    /// The kubelet's sync of a mounted Secret or ConfigMap (about a minute).
    pub volume_sync: Duration,
    /// Elasticsearch's check of its SSL files for changes (`resource.reload.interval.high`, 5 s).
    pub ssl_reload: Duration,
}

impl TrustDelays {
    /// No delay at all: every change is loaded as soon as it is seen.
    pub const NONE: TrustDelays = TrustDelays {
        pod_restart: Duration::ZERO,
        volume_sync: Duration::ZERO,
        ssl_reload: Duration::ZERO,
    };
}

/// Real delays scaled down so that tests stay fast, while still later than the write.
impl Default for TrustDelays {
    fn default() -> Self {
        TrustDelays {
            pod_restart: Duration::from_millis(100),
            volume_sync: Duration::from_millis(60),
            ssl_reload: Duration::from_millis(20),
        }
    }
}

/// The [`TrustDelays`] of one sandbox, shared by its controllers and changed by tests.
#[derive(Debug, Default)]
pub struct SharedDelays(Mutex<TrustDelays>);

impl SharedDelays {
    pub fn set(&self, delays: TrustDelays) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = delays;
    }

    pub fn get(&self) -> TrustDelays {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
