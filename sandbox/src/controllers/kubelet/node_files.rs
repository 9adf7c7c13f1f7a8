//! Which CAs a node's files give it, per TLS layer: the files its rendered
//! `elasticsearch.yml` lists in `xpack.security.LAYER.ssl.certificate_authorities`, read as
//! mounted now.
//! When the node loads them, and so when trust changes take effect, is `nodes`' business.

use serde_json::Value;

use super::mounts;
use crate::apiserver::KubeApi;
use crate::apiserver::json;
use crate::apiserver::resources::PODS;
use crate::controllers::conventions::{
    CLUSTER_NAME_LABEL, STATEFULSET_LABEL, config_secret_name, ssl_ca_paths,
};
use crate::controllers::eck::Eck;
use crate::elasticsearch::SslLayer;
use crate::trust_anchor::{TrustAnchor, trust_anchors};

/// What loading a node's CA files gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaFiles {
    /// Every certificate of the files that can be read.
    Loaded(Vec<TrustAnchor>),
    /// A listed file holds no certificate: Elasticsearch refuses it ("failed to parse any
    /// certificates"), a starting node stops, a running one keeps what it had.
    Refused,
}

/// The running pods of a cluster, sorted by name.
pub fn running_nodes(api: &KubeApi, namespace: &str, name: &str) -> Vec<Value> {
    let pods = api.list(&PODS, Some(namespace));
    let mut nodes: Vec<Value> = pods
        .into_iter()
        .filter(|pod| {
            json::label(pod, CLUSTER_NAME_LABEL) == Some(name)
                && pod["status"]["phase"] == "Running"
        })
        .collect();
    nodes.sort_by(|a, b| json::name(a).cmp(json::name(b)));
    nodes
}

/// The CAs the node's files of that layer hold now.
pub fn ca_files(api: &KubeApi, eck: &Eck, pod: &Value, layer: SslLayer) -> CaFiles {
    let loaded: Option<Vec<Vec<TrustAnchor>>> = listed_files(api, pod, layer)
        .iter()
        .filter_map(|path| mounts::read_file(api, eck, pod, path))
        .map(|pem| Some(trust_anchors(pem.as_bytes())).filter(|cas| !cas.is_empty()))
        .collect();
    match loaded {
        Some(files) => CaFiles::Loaded(files.into_iter().flatten().collect()),
        None => CaFiles::Refused,
    }
}

/// Whether `loaded` holds an unexpired CA with `anchor`'s key (a renewed CA keeps its key).
pub fn trusts(loaded: &[TrustAnchor], anchor: &TrustAnchor) -> bool {
    loaded
        .iter()
        .any(|ca| ca.public_key == anchor.public_key && ca.is_current())
}

/// The CA files listed by the `elasticsearch.yml` ECK rendered for the node's StatefulSet.
fn listed_files(api: &KubeApi, pod: &Value, layer: SslLayer) -> Vec<String> {
    node_config(api, pod)
        .map(|config| ssl_ca_paths(&config, layer))
        .unwrap_or_default()
}

/// The `elasticsearch.yml` ECK rendered for the node's StatefulSet, as nested JSON.
pub fn node_config(api: &KubeApi, pod: &Value) -> Option<Value> {
    let statefulset = json::label(pod, STATEFULSET_LABEL)?;
    let secret = config_secret_name(statefulset);
    mounts::stored_secret_text(api, json::namespace(pod), &secret, "elasticsearch.yml")
        .and_then(|yaml| serde_yaml::from_str::<Value>(&yaml).ok())
}
