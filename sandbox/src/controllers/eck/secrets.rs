//! The secrets ECK publishes for a cluster: the public transport CA (with the CAs of the
//! `certificateAuthorities` ConfigMap appended, soft-owned: labels, no ownerReference),
//! the public HTTP certificates (also when HTTP TLS is off, soft-owned too) and the `elastic`
//! user's password (none with `spec.auth.disableElasticUser`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::material::ClusterMaterial;
use super::resource::Cluster;
use crate::apiserver::KubeApi;
use crate::apiserver::json;
use crate::apiserver::resources::{CONFIGMAPS, ELASTICSEARCHES};

/// The label ECK's restricted watches select on.
const WATCHED_LABEL: &str = "eck.k8s.elastic.co/watched";

/// The ConfigMap named by `spec.transport.tls.certificateAuthorities.configMapName`.
pub fn ca_config_map(resource: &Value) -> Option<&str> {
    resource["spec"]["transport"]["tls"]["certificateAuthorities"]["configMapName"]
        .as_str()
        .filter(|name| !name.is_empty())
}

pub fn desired(cluster: &Cluster<'_>, material: &ClusterMaterial) -> Vec<Value> {
    let name = cluster.name;
    let mut soft_owned = cluster.labels();
    soft_owned.insert(
        "eck.k8s.elastic.co/owner-kind".into(),
        json!(ELASTICSEARCHES.kind),
    );
    soft_owned.insert("eck.k8s.elastic.co/owner-name".into(), json!(name));
    soft_owned.insert(
        "eck.k8s.elastic.co/owner-namespace".into(),
        json!(cluster.namespace),
    );
    let mut credentials = cluster.labels();
    credentials.insert("eck.k8s.elastic.co/credentials".into(), json!("true"));
    let transport = secret(
        cluster,
        &format!("{name}-es-transport-certs-public"),
        soft_owned.clone(),
        false,
        &[("ca.crt", &material.transport_bundle)],
    );
    // Published whether HTTP TLS is on or not (ECK reconciles it with GarbageCollectSecrets
    // false), soft-owned like the transport one: `ca.crt` only when there is a CA to publish.
    let certificates = &material.http.certificates;
    let mut http_data = vec![("tls.crt", certificates.served.cert_pem.as_str())];
    http_data.extend(certificates.public_ca.as_deref().map(|ca| ("ca.crt", ca)));
    let http = secret(
        cluster,
        &http_certs_public(name),
        soft_owned,
        false,
        &http_data,
    );
    // No `elastic` user, nor its secret, with spec.auth.disableElasticUser.
    let elastic_user =
        (cluster.resource["spec"]["auth"]["disableElasticUser"] != true).then(|| {
            secret(
                cluster,
                &format!("{name}-es-elastic-user"),
                credentials,
                true,
                &[("elastic", &material.elastic_password)],
            )
        });
    [Some(transport), Some(http), elastic_user]
        .into_iter()
        .flatten()
        .collect()
}

fn http_certs_public(cluster: &str) -> String {
    format!("{cluster}-es-http-certs-public")
}

/// The cluster's own transport CA followed by the CAs of its ConfigMap (ECK:
/// certificates/transport/public_secret.go); `None` when the ConfigMap or its `ca.crt` is
/// missing, which fails ECK's transport reconcile (certificates/transport/trust.go). The
/// sandbox's ECK runs as with `--restrict-watched-resources` (ECK 3.5+): it sees only
/// ConfigMaps labelled `eck.k8s.elastic.co/watched: "true"` (cmd/manager/main.go).
pub fn transport_ca_bundle(
    api: &KubeApi,
    cluster: &Cluster<'_>,
    material: &ClusterMaterial,
) -> Option<String> {
    let mut bundle = material.transport_ca.cert_pem().to_string();
    let Some(config_map) = ca_config_map(cluster.resource) else {
        return Some(bundle);
    };
    let extra = api
        .get(&CONFIGMAPS, cluster.namespace, config_map)
        .filter(|cm| json::label(cm, WATCHED_LABEL) == Some("true"))
        .and_then(|cm| cm["data"]["ca.crt"].as_str().map(str::to_string));
    let Some(extra) = extra else {
        tracing::warn!(
            "{}: the certificateAuthorities ConfigMap {config_map} (labelled {WATCHED_LABEL}) or its ca.crt is missing: the transport certificates are not reconciled",
            cluster.name
        );
        return None;
    };
    if !bundle.ends_with('\n') {
        bundle.push('\n');
    }
    bundle.push_str(&extra);
    Some(bundle)
}

fn secret(
    cluster: &Cluster<'_>,
    name: &str,
    labels: Map<String, Value>,
    owned: bool,
    data: &[(&str, &str)],
) -> Value {
    let data: Map<String, Value> = data
        .iter()
        .map(|(key, value)| ((*key).to_string(), json!(STANDARD.encode(value))))
        .collect();
    let mut secret = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": cluster.namespace, "labels": labels},
        "type": "Opaque",
        "data": data,
    });
    if owned {
        secret["metadata"]["ownerReferences"] = cluster.owner_reference();
    }
    secret
}
