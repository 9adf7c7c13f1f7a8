//! The parts of an Elasticsearch resource ECK reads (its nodeSets, HTTP TLS, pause
//! annotations), and the names and labels ECK derives from them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::apiserver::json;
use crate::apiserver::resources::ELASTICSEARCHES;
use crate::controllers::conventions::{CLUSTER_NAME_LABEL, TYPE_LABEL};

pub(super) const PAUSE_ANNOTATION: &str = "eck.k8s.elastic.co/pause-orchestration";
pub(super) const MANAGED_ANNOTATION: &str = "eck.k8s.elastic.co/managed";

/// `NAME-es-NODESET` (ECK: pkg/apis/elasticsearch/v1/name.go, `StatefulSet`).
pub fn statefulset_name(cluster: &str, node_set: &str) -> String {
    format!("{cluster}-es-{node_set}")
}

/// The `ownerReferences` that make an object the resource's (a controller reference).
pub(super) fn owner_reference(resource: &Value) -> Value {
    json!([{
        "apiVersion": ELASTICSEARCHES.api_version(),
        "kind": ELASTICSEARCHES.kind,
        "name": json::name(resource),
        "uid": json::meta_str(resource, "uid"),
        "controller": true,
        "blockOwnerDeletion": true,
    }])
}

/// What ECK last acted on for one nodeSet: what its pods are built from.
pub(super) type PodTemplates = BTreeMap<String, Value>;

/// The parts of an Elasticsearch resource ECK reads.
pub(super) struct Cluster<'a> {
    pub resource: &'a Value,
    pub name: &'a str,
    pub namespace: &'a str,
    pub version: &'a str,
    pub node_sets: Vec<NodeSet<'a>>,
    pub index: u32,
    /// Whether Elasticsearch serves HTTPS (else plain HTTP), from `spec.http.tls`.
    pub http_tls: bool,
    /// `spec.remoteClusterServer.enabled`: port 9443 for API-key remote clusters.
    pub remote_cluster_server: bool,
    /// The hash of the secure settings (`secure_settings::hash`), part of the pods' config
    /// hash: set by the reconcile, which reads the secrets.
    pub secure_settings_hash: String,
}

pub(super) struct NodeSet<'a> {
    pub name: &'a str,
    pub count: u64,
    pub config: &'a Value,
    pub pod_template: &'a Value,
    pub volume_claim_templates: &'a Value,
}

impl<'a> Cluster<'a> {
    pub(super) fn new(resource: &'a Value, index: u32) -> Self {
        let spec = &resource["spec"];
        let node_sets = spec["nodeSets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|ns| NodeSet {
                name: ns["name"].as_str().unwrap_or_default(),
                count: ns["count"].as_u64().unwrap_or(0),
                config: &ns["config"],
                pod_template: &ns["podTemplate"],
                volume_claim_templates: &ns["volumeClaimTemplates"],
            })
            .collect();
        Cluster {
            resource,
            name: json::name(resource),
            namespace: json::namespace(resource),
            version: spec["version"].as_str().unwrap_or_default(),
            node_sets,
            index,
            http_tls: http_tls_enabled(&spec["http"]["tls"]),
            remote_cluster_server: spec["remoteClusterServer"]["enabled"] == true,
            secure_settings_hash: String::new(),
        }
    }

    pub(super) fn spec(&self) -> &'a Value {
        &self.resource["spec"]
    }

    /// The labels ECK puts on everything it makes for the cluster.
    pub(super) fn labels(&self) -> Map<String, Value> {
        let mut labels = Map::new();
        labels.insert(TYPE_LABEL.into(), json!("elasticsearch"));
        labels.insert(CLUSTER_NAME_LABEL.into(), json!(self.name));
        labels
    }

    /// A controller reference to the Elasticsearch resource.
    pub(super) fn owner_reference(&self) -> Value {
        owner_reference(self.resource)
    }

    /// What each nodeSet's pods are built from: a change rolls them.
    pub(super) fn pod_templates(&self) -> PodTemplates {
        self.node_sets
            .iter()
            .map(|ns| {
                let template = json!({"version": self.version, "config": ns.config,
                    "podTemplate": ns.pod_template, "httpTls": self.http_tls,
                    "httpClientAuthentication": self.spec()["http"]["tls"]["client"]["authentication"],
                    "remoteClusterServer": self.remote_cluster_server,
                    "remoteClusterClient": self.has_remote_cluster_api_key(),
                    "secureSettings": self.secure_settings_hash});
                (ns.name.to_string(), template)
            })
            .collect()
    }
}

impl Cluster<'_> {
    /// Whether a `spec.remoteClusters` entry uses an API key (ECK: `HasRemoteClusterAPIKey`):
    /// ECK then configures the client side of API-key remote clusters.
    pub(super) fn has_remote_cluster_api_key(&self) -> bool {
        self.spec()["remoteClusters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|remote| remote["apiKey"].is_object())
    }
}

/// Whether `version` (`8.19.7`, `9.0.0-SNAPSHOT`) is `minimum` or later, by number.
pub(super) fn version_at_least(version: &str, minimum: [u64; 3]) -> bool {
    let parts: Vec<u64> = version
        .split(['.', '-'])
        .take(3)
        .map(|part| part.parse().unwrap_or(0))
        .collect();
    parts.as_slice() >= minimum.as_slice()
}

/// ECK's `TLSOptions.Enabled()`: TLS is on unless the self-signed certificate is disabled and
/// no certificate of the user's is named. (The sandbox's own reading, kept apart from ecr's.)
pub(super) fn http_tls_enabled(tls: &Value) -> bool {
    tls["selfSignedCertificate"]["disabled"] != true
        || tls["certificate"]["secretName"]
            .as_str()
            .is_some_and(|name| !name.is_empty())
}

/// How much of the cluster ECK leaves alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pause {
    /// `pause-orchestration` (ECK 3.5): StatefulSets (pods, their rendered config) wait, the
    /// rest (certificates, services, users, remote-cluster settings) still reconciles
    /// (ECK: pkg/controller/elasticsearch/driver/stateful/driver.go).
    Orchestration,
    /// `managed: "false"`: ECK does nothing.
    Everything,
}

pub(super) fn paused(resource: &Value) -> Option<Pause> {
    if json::annotation(resource, MANAGED_ANNOTATION) == Some("false") {
        Some(Pause::Everything)
    } else if json::annotation(resource, PAUSE_ANNOTATION) == Some("true") {
        Some(Pause::Orchestration)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number() {
        assert!(version_at_least("8.19.7", [8, 6, 1]));
        assert!(version_at_least("8.6.1", [8, 6, 1]));
        assert!(!version_at_least("8.6.0", [8, 6, 1]));
        assert!(!version_at_least("7.17.20", [8, 6, 1]));
    }
}
