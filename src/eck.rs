//! The ECK model: the Elasticsearch resource type, the names ECK gives what it makes for a
//! cluster, and reading those things with a diagnosis when they are not where they should be.

use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt as _;
use kube::api::ApiResource;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::certs::{self, CertificateInfo};
use crate::error::{Failure, FailureKind, name_list};
use crate::k8s::{self, Kube};

/// An ECK-managed Elasticsearch cluster: its name, on the kube connection of its namespace.
#[derive(Clone)]
pub struct EckCluster {
    pub kube: Kube,
    pub cluster: String,
}

impl EckCluster {
    /// Whether `other` is the same cluster: same name, namespace and API server.
    pub fn same_as(&self, other: &EckCluster) -> bool {
        self.cluster == other.cluster
            && self.kube.namespace() == other.kube.namespace()
            && self.kube.server().url == other.kube.server().url
    }
}

/// API group of ECK's Elasticsearch resource.
pub const GROUP: &str = "elasticsearch.k8s.elastic.co";
/// Key of the PEM bundle in ECK's public certificate secrets.
pub const CA_KEY: &str = "ca.crt";

/// `elasticsearches.elasticsearch.k8s.elastic.co/v1`, kind `Elasticsearch`.
pub fn elasticsearch_resource() -> ApiResource {
    ApiResource {
        group: GROUP.into(),
        version: "v1".into(),
        api_version: format!("{GROUP}/v1"),
        kind: "Elasticsearch".into(),
        plural: "elasticsearches".into(),
    }
}

/// What keeps ECK from acting on changes to an Elasticsearch resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paused {
    /// `eck.k8s.elastic.co/pause-orchestration: "true"` (ECK 3.5+): only the StatefulSets wait
    /// (no pod rolls); certificates, the ConfigMap of CAs, services, users and remote-cluster
    /// settings still reconcile (ECK: pkg/controller/elasticsearch/driver/stateful/driver.go).
    Orchestration,
    /// `eck.k8s.elastic.co/managed: "false"`: ECK acts on nothing of the cluster.
    Unmanaged,
}

impl Paused {
    /// The annotation, as it is written on the resource.
    pub fn annotation(self) -> &'static str {
        match self {
            Paused::Orchestration => "eck.k8s.elastic.co/pause-orchestration: \"true\"",
            Paused::Unmanaged => "eck.k8s.elastic.co/managed: \"false\"",
        }
    }
}

/// Whether, and how, the resource's annotations pause ECK (the stronger one when both are set).
pub fn paused(resource: &Value) -> Option<Paused> {
    let annotations = &resource["metadata"]["annotations"];
    if annotations["eck.k8s.elastic.co/managed"] == "false" {
        Some(Paused::Unmanaged)
    } else if annotations["eck.k8s.elastic.co/pause-orchestration"] == "true" {
        Some(Paused::Orchestration)
    } else {
        None
    }
}

/// The secret in which ECK publishes a cluster's transport CA (its own CA first, then every
/// CA it was told to trust: see `TransportCa::own_ca_pem`).
pub fn transport_ca_secret(cluster: &str) -> String {
    format!("{cluster}-es-transport-certs-public")
}

/// The service in front of a cluster's transport layer (port 9300), shaped by
/// `spec.transport.service`.
pub fn transport_service(cluster: &str) -> String {
    format!("{cluster}-es-transport")
}

/// The label ECK puts on every pod of a cluster, with the cluster's name as value.
pub const CLUSTER_NAME_LABEL: &str = "elasticsearch.k8s.elastic.co/cluster-name";
/// The user whose password ECK keeps in `elastic_user_secret`, under this same key.
pub const ELASTIC_USER: &str = "elastic";
/// Elasticsearch's HTTPS port, on the HTTP service and on every pod.
pub const HTTP_PORT: u16 = 9200;

/// The secret holding the password of the `elastic` superuser (key `elastic`).
pub fn elastic_user_secret(cluster: &str) -> String {
    format!("{cluster}-es-elastic-user")
}

/// The secret in which ECK publishes the CA of a cluster's HTTP certificate (key `ca.crt`).
pub fn http_ca_secret(cluster: &str) -> String {
    format!("{cluster}-es-http-certs-public")
}

/// The DNS name of a cluster's HTTP service: one of the names its HTTP certificate is for.
pub fn http_service_host(cluster: &str, namespace: &str) -> String {
    format!("{cluster}-es-http.{namespace}.svc")
}

/// A cluster's public transport CA bundle, as ECK publishes it.
#[derive(Debug, Clone, Serialize)]
pub struct TransportCa {
    pub cluster: String,
    pub namespace: String,
    pub secret: String,
    /// The PEM exactly as stored, byte for byte.
    pub pem: String,
    pub certificates: Vec<CertificateInfo>,
}

impl TransportCa {
    /// The cluster's own CA, alone: the bundle's first certificate. ECK publishes its own CA
    /// first and then every CA of the cluster's `certificateAuthorities` ConfigMap (ECK:
    /// pkg/controller/elasticsearch/certificates/transport/public_secret.go); copying those
    /// too would make trust transitive, and keep a CA after the cluster dropped it.
    pub fn own_ca_pem(&self) -> String {
        crate::trust::pem::split(&self.pem)
            .into_iter()
            .next()
            .unwrap_or_default()
    }
}

/// Reads and checks the transport CA of `cluster` in the client's namespace: one request when
/// all is well, a few more to explain what is missing when it is not.
pub async fn read_transport_ca(kube: &Kube, cluster: &str) -> anyhow::Result<TransportCa> {
    k8s::validate_name("cluster name", cluster)?;
    let secret_name = transport_ca_secret(cluster);
    let Some(secret) = kube.get::<Secret>(&secret_name).await? else {
        return Err(explain_missing_cluster(kube, cluster).await);
    };
    let where_ = format!("the secret {secret_name} in {}", kube.namespace());
    let Some(bytes) = secret.data.as_ref().and_then(|data| data.get(CA_KEY)) else {
        let keys: Vec<&String> = secret.data.iter().flat_map(|data| data.keys()).collect();
        return Err(
            Failure::new(FailureKind::Invalid, format!("{where_} has no {CA_KEY}"))
                .with_hint(format!(
                    "keys present: {}; ECK writes {CA_KEY} when it reconciles the cluster",
                    name_list(&keys, "none")
                ))
                .into(),
        );
    };
    let certificates = certs::parse_bundle(&bytes.0).map_err(|error| {
        Failure::new(
            FailureKind::Invalid,
            format!("the {CA_KEY} of {where_} is not a certificate bundle: {error}"),
        )
    })?;
    let pem = String::from_utf8(bytes.0.clone()).map_err(|_| {
        Failure::new(
            FailureKind::Invalid,
            format!("the {CA_KEY} of {where_} is not text"),
        )
    })?;
    Ok(TransportCa {
        cluster: cluster.to_string(),
        namespace: kube.namespace().to_string(),
        secret: secret_name,
        pem,
        certificates,
    })
}

/// Reads the Elasticsearch resource `cluster` as JSON, every field kept; a missing one is
/// explained as for `read_transport_ca`.
pub async fn read_elasticsearch(kube: &Kube, cluster: &str) -> anyhow::Result<Value> {
    k8s::validate_name("cluster name", cluster)?;
    match kube.get_json(&elasticsearch_resource(), cluster).await? {
        Some(resource) => Ok(resource),
        None => Err(explain_missing_cluster(kube, cluster).await),
    }
}

/// Why a cluster (or its transport CA secret) is missing: no such cluster (and which exist),
/// no such namespace, no ECK at all, or a cluster ECK has not reconciled yet.
async fn explain_missing_cluster(kube: &Kube, cluster: &str) -> anyhow::Error {
    let namespace = kube.namespace();
    let secret = transport_ca_secret(cluster);
    let clusters = match kube.list_dynamic(&elasticsearch_resource()).await {
        Ok(clusters) => clusters.iter().map(|es| es.name_any()).collect::<Vec<_>>(),
        Err(error) if Failure::is(&error, FailureKind::NotFound) => {
            return Failure::new(
                FailureKind::NotFound,
                format!(
                    "the API server at {} does not know Elasticsearch resources",
                    kube.server()
                ),
            )
            .with_hint(
                "ECK's CRDs are not installed there; install ECK, or choose another --context",
            )
            .into();
        }
        Err(error) => return error,
    };
    if clusters.iter().any(|name| name == cluster) {
        return Failure::new(
            FailureKind::NotFound,
            format!("the Elasticsearch cluster {cluster} exists in {namespace}, but its secret {secret} does not"),
        )
        .with_hint(format!("ECK creates it when it reconciles the cluster: see kubectl describe es {cluster} -n {namespace}"))
        .into();
    }
    let not_found = Failure::new(
        FailureKind::NotFound,
        format!("no Elasticsearch cluster named {cluster} in the namespace {namespace}"),
    );
    if !clusters.is_empty() {
        return not_found
            .with_hint(format!("clusters in {namespace}: {}", clusters.join(", ")))
            .into();
    }
    match kube.namespace_exists().await {
        Ok(Some(false)) => {
            let namespaces = kube.namespace_names().await;
            Failure::new(
                FailureKind::NotFound,
                format!("the namespace {namespace} does not exist"),
            )
            .with_hint(format!(
                "namespaces: {}",
                name_list(&namespaces, "none that you may list")
            ))
            .into()
        }
        Ok(_) => not_found
            .with_hint(format!(
                "there are no Elasticsearch clusters in {namespace}; see kubectl get es -A"
            ))
            .into(),
        Err(error) => error,
    }
}

/// The value each nodeSet's `config` gives `key` (dotted, nested or mixed), where it does.
pub fn node_config_values(spec: &Value, key: &str) -> Vec<(String, Value)> {
    flat_node_set_configs(spec)
        .into_iter()
        .filter_map(|(node_set, mut settings)| settings.remove(key).map(|value| (node_set, value)))
        .collect()
}

/// Each nodeSet's name and `config` with flat keys (`a.b: {c: v}` becomes `a.b.c: v`), as
/// Elasticsearch reads `elasticsearch.yml`.
pub fn flat_node_set_configs(spec: &Value) -> Vec<(String, Map<String, Value>)> {
    spec["nodeSets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|node_set| {
            let mut flat = Map::new();
            flatten(&node_set["config"], "", &mut flat);
            let name = node_set["name"].as_str().unwrap_or_default().to_string();
            (name, flat)
        })
        .collect()
}

fn flatten(value: &Value, prefix: &str, into: &mut Map<String, Value>) {
    match value {
        Value::Object(fields) => {
            for (key, inner) in fields {
                let key = match prefix {
                    "" => key.clone(),
                    _ => format!("{prefix}.{key}"),
                };
                flatten(inner, &key, into);
            }
        }
        Value::Null => {}
        leaf => {
            into.insert(prefix.to_string(), leaf.clone());
        }
    }
}
