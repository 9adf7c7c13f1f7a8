//! The secure settings ECK gathers for a cluster's keystore from `spec.secureSettings`: every
//! key of each listed secret, or, where `entries` are given, those keys under their `path`
//! (ECK: `pkg/controller/common/keystore/user_secret.go`). A secret that does not exist is
//! skipped with a warning (a Warning event in ECK), not a reconcile error. Their hash goes into
//! the pods' config hash (ECK: `nodespec/podspec.go`), so a change of the data rolls the pods;
//! each node builds its keystore at start (ECK's init container, from the aggregated secret
//! `NAME-es-secure-settings`), and keeps it until it restarts. Except with Elasticsearch 9.5+
//! and the annotation `eck.k8s.elastic.co/file-based-secure-settings: "true"` (ECK 3.5): ECK
//! then delivers them as file-based cluster secrets, which the nodes reload without a restart,
//! and they roll nothing (ECK: driver/stateful/keystore.go, `reconcileSecureSettings`).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::apply::apply_owned;
use super::resource::{Cluster, version_at_least};
use crate::apiserver::KubeApi;
use crate::apiserver::resources::SECRETS;
use crate::apiserver::write::WriteOptions;

/// Setting name to value: what a keystore built now would hold.
pub type SecureSettings = BTreeMap<String, String>;

/// The secure settings of the cluster's secrets as they are now.
pub fn gather(api: &KubeApi, resource: &Value) -> SecureSettings {
    let namespace = crate::apiserver::json::namespace(resource);
    resource["spec"]["secureSettings"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|source| entries_of(api, namespace, source))
        .collect()
}

const FILE_BASED_ANNOTATION: &str = "eck.k8s.elastic.co/file-based-secure-settings";

/// Whether ECK delivers the secure settings as file-based cluster secrets (reloaded by the
/// running nodes) rather than in the keystore built at start.
pub fn delivered_as_files(resource: &Value) -> bool {
    let version = resource["spec"]["version"].as_str().unwrap_or_default();
    crate::apiserver::json::annotation(resource, FILE_BASED_ANNOTATION) == Some("true")
        && version_at_least(version, [9, 5, 0])
}

/// A digest of the settings, for the pods' config hash (empty when there are none).
pub fn hash(settings: &SecureSettings) -> String {
    if settings.is_empty() {
        return String::new();
    }
    let mut digest = Sha256::new();
    for (name, value) in settings {
        digest.update(name.as_bytes());
        digest.update([0]);
        digest.update(value.as_bytes());
        digest.update([0]);
    }
    format!("{:x}", digest.finalize())
}

/// Writes the aggregated `NAME-es-secure-settings` the keystores are built from, or deletes
/// it when there are no secure settings (ECK: keystore/user_secret.go,
/// `reconcileSecureSettings`).
pub(super) fn reconcile_secret(api: &KubeApi, cluster: &Cluster<'_>, settings: &SecureSettings) {
    let name = format!("{}-es-secure-settings", cluster.name);
    if settings.is_empty() {
        // Not there is fine: nothing to delete.
        let _ = api.remove(
            &SECRETS,
            cluster.namespace,
            &name,
            None,
            &WriteOptions::default(),
        );
        return;
    }
    let data: serde_json::Map<String, Value> = settings
        .iter()
        .map(|(key, value)| (key.clone(), json!(STANDARD.encode(value))))
        .collect();
    let secret = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": name,
            "namespace": cluster.namespace,
            "labels": cluster.labels(),
            "ownerReferences": cluster.owner_reference(),
        },
        "data": data,
    });
    apply_owned(api, &SECRETS, secret);
}

fn entries_of(api: &KubeApi, namespace: &str, source: &Value) -> Vec<(String, String)> {
    let secret_name = source["secretName"].as_str().unwrap_or_default();
    let Some(secret) = api.get(&SECRETS, namespace, secret_name) else {
        tracing::warn!("Secure settings secret not found: {namespace}/{secret_name}");
        return Vec::new();
    };
    let data: BTreeMap<String, String> = secret["data"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), decoded(value)?)))
        .collect();
    match source["entries"].as_array() {
        Some(entries) => entries
            .iter()
            .filter_map(|entry| {
                let key = entry["key"].as_str()?;
                let path = entry["path"].as_str().unwrap_or(key);
                Some((path.to_string(), data.get(key)?.clone()))
            })
            .collect(),
        None => data.into_iter().collect(),
    }
}

fn decoded(value: &Value) -> Option<String> {
    let bytes = STANDARD.decode(value.as_str()?).ok()?;
    String::from_utf8(bytes).ok()
}
