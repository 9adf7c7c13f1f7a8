//! ECK's handling of `spec.remoteClusters` (same Kubernetes cluster), as ECK 3.5 does it:
//! gated on the operator's enterprise license (a trial counts; otherwise nothing but a
//! warning), persistent sniff-mode `seeds` for each entry (`REMOTE-es-transport.NS.svc:9300`,
//! or the remote cluster server's `:9443` with `apiKey`), the aliases written recorded in the
//! annotation `elasticsearch.k8s.elastic.co/managed-remote-clusters` and only those removed
//! (`seeds: null`), and `NAME-es-remote-ca` holding the transport CAs of the clusters linked
//! either way (its own CA when none).
//! ECK: `pkg/controller/elasticsearch/remotecluster/{elasticsearch,annotations}.go`,
//! `pkg/controller/elasticsearch/certificates/remoteca/reconcile.go`,
//! `pkg/controller/common/license/check.go` (in `licenses`).

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::apply::apply_owned;
use super::licenses::enterprise_features_enabled;
use super::operator::Eck;
use super::pods::Pods;
use super::resource::{Pause, paused};
use crate::apiserver::json;
use crate::apiserver::resources::{ELASTICSEARCHES, SECRETS};
use crate::apiserver::status::ApiError;
use crate::apiserver::{Change, Controller, KubeApi};
use crate::controllers::conventions::{CLUSTER_NAME_LABEL, TYPE_LABEL};

pub const MANAGED_ANNOTATION: &str = "elasticsearch.k8s.elastic.co/managed-remote-clusters";
/// What ECK logs and emits as an event when the license does not allow `remoteClusters`.
pub const UNLICENSED: &str =
    "Remote cluster is an enterprise feature. Enterprise features are disabled";

/// ECK's `spec.remoteClusters` handling, once the cluster's Elasticsearch answers: registered
/// after the kubelet, which starts it. It goes on while orchestration is paused (only
/// `managed: "false"` stops it).
pub struct RemoteClusters {
    eck: Eck,
    pods: Arc<dyn Pods>,
}

impl RemoteClusters {
    pub fn new(eck: Eck, pods: Arc<dyn Pods>) -> Self {
        RemoteClusters { eck, pods }
    }
}

impl Controller for RemoteClusters {
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        if !change.is_write_of(&ELASTICSEARCHES) {
            return;
        }
        let (namespace, name) = (json::namespace(change.object), json::name(change.object));
        let resource = api.get(&ELASTICSEARCHES, namespace, name);
        if resource.is_some_and(|r| paused(&r) != Some(Pause::Everything)) {
            reconcile(api, &self.eck, self.pods.as_ref(), namespace, name);
        }
    }
}

/// Brings the remote cluster settings of one cluster, and the remote CA secrets of every
/// cluster, in line with the `spec.remoteClusters` of all.
pub fn reconcile(api: &KubeApi, eck: &Eck, pods: &dyn Pods, namespace: &str, name: &str) {
    let licensed = enterprise_features_enabled(api);
    if let Some(resource) = api.get(&ELASTICSEARCHES, namespace, name) {
        update_settings(api, pods, &resource, licensed);
    }
    let clusters = api.list(&ELASTICSEARCHES, None);
    for cluster in &clusters {
        remote_ca(api, eck, cluster, &clusters, licensed);
    }
}

/// One entry of `spec.remoteClusters` that names an Elasticsearch resource.
struct Entry {
    alias: String,
    namespace: String,
    name: String,
    /// `apiKey` is set: the remote cluster server is the seed.
    api_key: bool,
}

/// The entries with an `elasticsearchRef` (its namespace defaults to the resource's).
fn entries(resource: &Value) -> Vec<Entry> {
    let own_namespace = json::namespace(resource);
    resource["spec"]["remoteClusters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let reference = &entry["elasticsearchRef"];
            let name = reference["name"].as_str().filter(|n| !n.is_empty())?;
            let namespace = reference["namespace"].as_str().unwrap_or(own_namespace);
            Some(Entry {
                alias: entry["name"].as_str()?.to_string(),
                namespace: namespace.to_string(),
                name: name.to_string(),
                api_key: !entry["apiKey"].is_null(),
            })
        })
        .collect()
}

fn update_settings(api: &KubeApi, pods: &dyn Pods, resource: &Value, licensed: bool) {
    let (namespace, name) = (json::namespace(resource), json::name(resource));
    let wanted = entries(resource);
    let annotated: BTreeSet<String> = json::annotation(resource, MANAGED_ANNOTATION)
        .map(|list| {
            list.split(',')
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if wanted.is_empty() && annotated.is_empty() {
        return;
    }
    if !licensed && !wanted.is_empty() {
        tracing::warn!(%namespace, %name, "{UNLICENSED}");
        return;
    }
    let Some(es) = pods.elasticsearch(namespace, name) else {
        return;
    };
    let in_es: BTreeSet<String> = es
        .persistent_settings()
        .as_object()
        .into_iter()
        .flat_map(|settings| settings.keys())
        .filter_map(|key| key.strip_prefix("cluster.remote.")?.split_once('.'))
        .map(|(alias, _)| alias.to_string())
        .collect();
    let mut managed: BTreeSet<String> = BTreeSet::new();
    let mut remote = Map::new();
    for entry in &wanted {
        let seed = match entry.api_key {
            true => format!(
                "{}-es-remote-cluster.{}.svc:9443",
                entry.name, entry.namespace
            ),
            false => format!("{}-es-transport.{}.svc:9300", entry.name, entry.namespace),
        };
        remote.insert(entry.alias.clone(), json!({"seeds": [seed]}));
        managed.insert(entry.alias.clone());
    }
    for alias in annotated.difference(&managed.clone()) {
        if in_es.contains(alias) {
            remote.insert(alias.clone(), json!({"seeds": null}));
            managed.insert(alias.clone());
        }
    }
    annotate(api, namespace, name, &managed);
    let body = json!({"persistent": {"cluster": {"remote": remote}}});
    if let Err(reason) = es.update_settings(&body) {
        // ECK's reconcile fails and is retried, again and again, with the same refusal.
        tracing::warn!(%namespace, %name, "ECK could not update the remote cluster settings: {reason}");
    }
}

/// Records the aliases ECK manages, sorted and comma-separated; no annotation when none.
fn annotate(api: &KubeApi, namespace: &str, name: &str, managed: &BTreeSet<String>) {
    let value = managed.iter().cloned().collect::<Vec<_>>().join(",");
    let result = api.update_quietly(&ELASTICSEARCHES, namespace, name, |current| {
        let mut updated = current
            .cloned()
            .ok_or_else(|| ApiError::not_found(&ELASTICSEARCHES, name))?;
        let annotations = &mut updated["metadata"]["annotations"];
        if annotations.is_null() {
            *annotations = json!({});
        }
        if let Some(annotations) = annotations.as_object_mut() {
            match value.is_empty() {
                true => annotations.remove(MANAGED_ANNOTATION),
                false => annotations.insert(MANAGED_ANNOTATION.into(), json!(value)),
            };
        }
        Ok(updated)
    });
    if let Err(error) = result {
        tracing::debug!(%namespace, %name, "annotation not updated: {}", error.message);
    }
}

/// `NAME-es-remote-ca`: the transport CAs of the clusters this one names in
/// `spec.remoteClusters` and of those that name it, or its own CA when there are none.
fn remote_ca(api: &KubeApi, eck: &Eck, resource: &Value, all: &[Value], licensed: bool) {
    let (namespace, name) = (json::namespace(resource), json::name(resource));
    let mut linked: BTreeSet<(String, String)> = BTreeSet::new();
    if licensed {
        for entry in entries(resource) {
            linked.insert((entry.namespace, entry.name));
        }
        for other in all {
            if entries(other)
                .iter()
                .any(|entry| entry.namespace == namespace && entry.name == name)
            {
                linked.insert((json::namespace(other).into(), json::name(other).into()));
            }
        }
    }
    if linked.is_empty() {
        linked.insert((namespace.to_string(), name.to_string()));
    }
    let bundle: String = linked
        .iter()
        .filter_map(|(ns, n)| eck.material(ns, n))
        .map(|material| material.transport_ca.cert_pem().to_string())
        .collect();
    if bundle.is_empty() {
        return;
    }
    let secret = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": format!("{name}-es-remote-ca"),
            "namespace": namespace,
            "labels": {TYPE_LABEL: "elasticsearch", CLUSTER_NAME_LABEL: name},
        },
        "type": "Opaque",
        "data": {"ca.crt": STANDARD.encode(bundle)},
    });
    apply_owned(api, &SECRETS, secret);
}
