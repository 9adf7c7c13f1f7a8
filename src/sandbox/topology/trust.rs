//! Which transport CAs a cluster's nodes trust: the files each running node's rendered
//! `elasticsearch.yml` lists in `xpack.security.transport.ssl.certificate_authorities`, read
//! as mounted (Elasticsearch reloads them), and matched by public key while not expired. A
//! file without a certificate makes the node trust nothing, as Elasticsearch refuses it.

use serde_json::Value;

use super::mounts;
use crate::certs::{self, TrustAnchor};
use crate::sandbox::api::KubeApi;
use crate::sandbox::eck::{
    CLUSTER_NAME_LABEL, STATEFULSET_LABEL, config_secret_name, transport_ca_paths,
};
use crate::sandbox::object;
use crate::sandbox::resources::PODS;

/// Whether the cluster has running nodes and each loads an unexpired CA with `anchor`'s key.
pub fn every_node_trusts(api: &KubeApi, namespace: &str, name: &str, anchor: &TrustAnchor) -> bool {
    let nodes = running_nodes(api, namespace, name);
    !nodes.is_empty() && nodes.iter().all(|pod| node_trusts(api, pod, anchor))
}

pub(super) fn running_nodes(api: &KubeApi, namespace: &str, name: &str) -> Vec<Value> {
    let (pods, _) = api.inner.store.list(&PODS, Some(namespace));
    pods.into_iter()
        .filter(|pod| {
            object::label(pod, CLUSTER_NAME_LABEL) == Some(name)
                && pod["status"]["phase"] == "Running"
        })
        .collect()
}

fn node_trusts(api: &KubeApi, pod: &Value, anchor: &TrustAnchor) -> bool {
    // Elasticsearch refuses a listed CA file that holds no certificate ("failed to parse any
    // certificates"): such a node loads no transport trust at all.
    let loaded: Option<Vec<Vec<TrustAnchor>>> = ca_files(api, pod)
        .iter()
        .filter_map(|path| mounts::read_file(api, pod, path))
        .map(|pem| Some(certs::trust_anchors(pem.as_bytes())).filter(|cas| !cas.is_empty()))
        .collect();
    loaded
        .into_iter()
        .flatten()
        .flatten()
        .any(|ca| ca.public_key == anchor.public_key && ca.is_current())
}

/// The CA files listed by the `elasticsearch.yml` ECK rendered for the node's StatefulSet.
fn ca_files(api: &KubeApi, pod: &Value) -> Vec<String> {
    node_config(api, pod)
        .map(|config| transport_ca_paths(&config))
        .unwrap_or_default()
}

/// The `elasticsearch.yml` ECK rendered for the node's StatefulSet, as nested JSON.
pub(super) fn node_config(api: &KubeApi, pod: &Value) -> Option<Value> {
    let statefulset = object::label(pod, STATEFULSET_LABEL)?;
    let secret = config_secret_name(statefulset);
    mounts::stored_secret_text(api, object::namespace(pod), &secret, "elasticsearch.yml")
        .and_then(|yaml| serde_yaml::from_str::<Value>(&yaml).ok())
}
