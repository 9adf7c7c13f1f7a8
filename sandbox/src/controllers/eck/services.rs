//! The services ECK makes for a cluster: `NAME-es-http` (9200), `NAME-es-transport`
//! (9300, headless unless `spec.transport.service` says otherwise) and, while
//! `spec.remoteClusterServer.enabled`, `NAME-es-remote-cluster` (9443, port `rcs`, headless
//! unless `spec.remoteClusterServer.service` says otherwise; deleted when disabled again), each
//! shaped by its template in the resource (ECK: elasticsearch/services/services.go,
//! driver/shared/reconcile.go). Switching between headless and not recreates the service, as
//! ECK does when the cluster IP changes. A service change alone rolls no pod.

use serde_json::{Map, Value, json};

use super::apply::apply_owned;
use super::resource::Cluster;
use crate::apiserver::KubeApi;
use crate::apiserver::json;
use crate::apiserver::resources::SERVICES;
use crate::apiserver::write::WriteOptions;

/// One service ECK makes, and its defaults.
struct Shape {
    /// The name suffix: `NAME-es-SUFFIX`.
    name: &'static str,
    /// Where the spec holds the service's template: `spec.FIELD.service`.
    spec_field: &'static str,
    port_name: &'static str,
    port: u16,
    headless_by_default: bool,
}

const HTTP: Shape = Shape {
    name: "http",
    spec_field: "http",
    port_name: "https",
    port: 9200,
    headless_by_default: false,
};

const TRANSPORT: Shape = Shape {
    name: "transport",
    spec_field: "transport",
    port_name: "tls-transport",
    port: 9300,
    headless_by_default: true,
};

const REMOTE_CLUSTER: Shape = Shape {
    name: "remote-cluster",
    spec_field: "remoteClusterServer",
    port_name: "rcs",
    port: 9443,
    headless_by_default: true,
};

/// ECK names the HTTP port after its protocol: `http` when HTTP TLS is off.
fn port_name(cluster: &Cluster<'_>, shape: &Shape) -> &'static str {
    if shape.name == HTTP.name && !cluster.http_tls {
        "http"
    } else {
        shape.port_name
    }
}

pub fn desired(cluster: &Cluster<'_>) -> Vec<Value> {
    let mut shapes = vec![HTTP, TRANSPORT];
    if cluster.remote_cluster_server {
        shapes.push(REMOTE_CLUSTER);
    }
    shapes.iter().map(|shape| service(cluster, shape)).collect()
}

/// The remote cluster service of a cluster whose remote cluster server is disabled: ECK
/// deletes it if it exists.
pub fn remove_stale(api: &KubeApi, cluster: &Cluster<'_>) {
    if !cluster.remote_cluster_server {
        let name = service_name(cluster, &REMOTE_CLUSTER);
        // Not there is fine: nothing to delete.
        let _ = api.remove(
            &SERVICES,
            cluster.namespace,
            &name,
            None,
            &WriteOptions::default(),
        );
    }
}

fn service_name(cluster: &Cluster<'_>, shape: &Shape) -> String {
    format!("{}-es-{}", cluster.name, shape.name)
}

fn service(cluster: &Cluster<'_>, shape: &Shape) -> Value {
    let template = &cluster.spec()[shape.spec_field]["service"];
    let mut labels = template["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    labels.extend(cluster.labels());
    let annotations = template["metadata"]["annotations"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut spec = template["spec"].as_object().cloned().unwrap_or_default();
    let service_type = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    let cluster_ip = spec
        .get("clusterIP")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if shape.headless_by_default && service_type == "ClusterIP" && cluster_ip.is_empty() {
        spec.insert("clusterIP".into(), json!("None"));
    }
    spec.insert("type".into(), json!(service_type));
    default_if_empty(
        &mut spec,
        "ports",
        || json!([{"name": port_name(cluster, shape), "port": shape.port, "protocol": "TCP", "targetPort": shape.port}]),
    );
    default_if_empty(&mut spec, "selector", || Value::Object(cluster.labels()));
    if shape.headless_by_default {
        spec.insert("publishNotReadyAddresses".into(), json!(true));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": service_name(cluster, shape),
            "namespace": cluster.namespace,
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": cluster.owner_reference(),
        },
        "spec": spec,
    })
}

fn default_if_empty(spec: &mut Map<String, Value>, field: &str, default: impl FnOnce() -> Value) {
    let empty = match spec.get(field) {
        None | Some(Value::Null) => true,
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Object(map)) => map.is_empty(),
        Some(_) => false,
    };
    if empty {
        spec.insert(field.into(), default());
    }
}

/// Writes a desired service, deleting the current one first when it cannot be changed
/// in place.
pub fn apply(api: &KubeApi, desired: Value) {
    let (namespace, name) = (json::namespace(&desired), json::name(&desired));
    if let Some(current) = api.get(&SERVICES, namespace, name)
        && headless(&current) != headless(&desired)
    {
        // Gone already is fine: it is about to be recreated.
        let _ = api.remove(&SERVICES, namespace, name, None, &WriteOptions::default());
    }
    apply_owned(api, &SERVICES, desired);
}

fn headless(service: &Value) -> bool {
    service["spec"]["clusterIP"] == "None"
}
