//! The sandbox: an embedded, faithful stand-in for Kubernetes clusters run with ECK. Each
//! kube cluster is an emulated API server on loopback (HTTPS, bearer tokens, discovery,
//! watch, patches, real `Status` errors) with ECK's behaviour emulated on top, so that ecr
//! and real `kubectl` can be tried and tested against it without a cluster.
//!
//! The map, built like Kubernetes (each folder uses only those listed before it, and
//! the leaves):
//! - `apiserver/`: the API server, which knows no controller: the handle [`KubeApi`]
//!   (`handle`), the write path (`write`), the store and its `watch`, `routes`, `auth`,
//!   admission and validation (`schema`, `strategy`), `patch`, `discovery`, `openapi`,
//!   `protobuf`, `table`, port-forwards (`portforward`), the HTTPS `server`, the served
//!   `resources` and ECK's `crd`; `json` holds the helpers over objects.
//! - `elasticsearch/`: the emulated Elasticsearch of one cluster, which knows nothing of
//!   Kubernetes: it sees the world through its `Topology`.
//! - `controllers/`: what reacts to the API server's changes and writes back through it:
//!   `eck/` (the operator), `load_balancers` (the cloud's), `namespaces` (deletion),
//!   `kubelet/` (pods: the emulated Elasticsearch each resource runs, mounted files, when
//!   nodes load them; the place for pod start times), and `conventions` (ECK's labels and
//!   names, and the trust delays, which they all share).
//! - `network/`: what links the clusters of every context: where a transport service
//!   answers, who trusts whom (the `Topology` each emulated Elasticsearch sees).
//! - `kube_cluster`: one kube cluster assembled ([`KubeCluster`]): its API server and its
//!   controllers, registered in the order they react; it derefs to its [`KubeApi`].
//! - leaves: `serving` (the HTTP accept loop both servers use), `tls` (CAs and server
//!   configs), `trust_anchor` (the sandbox's own reading of CA certificates), `faults`
//!   (failures armed in either server), `kubeconfig`.
//!
//! The one interface between the API server and its controllers is `Controller`:
//! `fn react(&self, api: &KubeApi, change: &Change)`, with `Change { resource, object,
//! deleted, origin }`. Every write tells each registered controller, in order and
//! synchronously, so ECK's reaction is in the store as soon as the write returns.
//! [`Sandbox::elasticsearch`] finds the emulated clusters across contexts,
//! [`KubeCluster::elasticsearch`] within one: each kube cluster owns its clusters, and they
//! go with it.

mod apiserver;
mod controllers;
pub mod elasticsearch;
mod faults;
mod kube_cluster;
mod kubeconfig;
mod network;
mod serving;
#[cfg(test)]
mod tests;
mod tls;
mod trust_anchor;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::{Value, json};

pub use apiserver::{EckRelease, KubeApi, PolicyRule, RequestRecord};
pub use controllers::conventions::TrustDelays;
pub use controllers::eck::ClusterMaterial;
pub use controllers::kubelet::EsEndpoint;
pub use faults::{Fault, FaultKind};
pub use kube_cluster::KubeCluster;
pub use tls::{CertificateAuthority, IssuedCert};
pub use trust_anchor::{TrustAnchor, trust_anchors};

use apiserver::json;
use apiserver::resources::{ELASTICSEARCHES, NAMESPACES};
use apiserver::server;
use apiserver::write::Part;
use controllers::conventions::{OPERATOR_NAMESPACE, SharedDelays};
use controllers::load_balancers::AddressPool;
use kube_cluster::{ClusterConfig, Shared};
use network::Network;
use serving::ServerHandle;

/// The Elasticsearch version the standard sandbox runs.
pub const DEFAULT_VERSION: &str = "8.17.0";

/// What a sandbox holds: one or more kube clusters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxSpec {
    pub kube_clusters: Vec<KubeClusterSpec>,
}

/// One kube cluster: its kubeconfig context (also its cluster and user name) and the
/// Elasticsearch clusters ECK runs in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeClusterSpec {
    pub context: String,
    pub elasticsearch: Vec<ElasticsearchSpec>,
    /// false: ECK's CRD is not installed (its paths answer 404, discovery omits it).
    pub crd_installed: bool,
    /// Which ECK's CRD is installed.
    pub eck_release: EckRelease,
}

/// One Elasticsearch resource seeded at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElasticsearchSpec {
    pub namespace: String,
    pub name: String,
    pub version: String,
    /// (nodeSet name, count).
    pub node_sets: Vec<(String, u32)>,
    /// false: HTTP TLS turned off as ECK users do it, in the resource's spec
    /// (`spec.http.tls.selfSignedCertificate.disabled: true`): plain HTTP on port 9200, no
    /// `NAME-es-http-certs-public`. Changing the resource later is followed too.
    pub http_tls: bool,
}

impl ElasticsearchSpec {
    /// A cluster of the default version with one nodeSet `default` of 3 nodes.
    pub fn new(namespace: &str, name: &str) -> Self {
        ElasticsearchSpec {
            namespace: namespace.to_string(),
            name: name.to_string(),
            version: DEFAULT_VERSION.to_string(),
            node_sets: vec![("default".to_string(), 3)],
            http_tls: true,
        }
    }

    /// The resource as a user would write it.
    fn resource(&self) -> Value {
        let node_sets: Vec<Value> = self
            .node_sets
            .iter()
            .map(|(name, count)| json!({"name": name, "count": count, "config": {"node.store.allow_mmap": false}}))
            .collect();
        let mut resource = json!({
            "apiVersion": ELASTICSEARCHES.api_version(),
            "kind": ELASTICSEARCHES.kind,
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": {"version": self.version, "nodeSets": node_sets},
        });
        if !self.http_tls {
            resource["spec"]["http"] =
                json!({"tls": {"selfSignedCertificate": {"disabled": true}}});
        }
        resource
    }
}

impl KubeClusterSpec {
    /// A kube cluster with ECK installed and these Elasticsearch clusters.
    pub fn new(context: &str, elasticsearch: Vec<ElasticsearchSpec>) -> Self {
        KubeClusterSpec {
            context: context.to_string(),
            elasticsearch,
            crd_installed: true,
            eck_release: EckRelease::default(),
        }
    }
}

impl SandboxSpec {
    /// One context `sandbox`: `cluster-one` in `ns-one` and `cluster-two` in `ns-two`.
    pub fn standard() -> Self {
        SandboxSpec {
            kube_clusters: vec![KubeClusterSpec::new(
                "sandbox",
                vec![
                    ElasticsearchSpec::new("ns-one", "cluster-one"),
                    ElasticsearchSpec::new("ns-two", "cluster-two"),
                ],
            )],
        }
    }

    /// Two contexts: `sandbox-one` with `cluster-one` in `ns-one`, `sandbox-two` with
    /// `cluster-two` in `ns-two`.
    pub fn two_contexts() -> Self {
        SandboxSpec {
            kube_clusters: vec![
                KubeClusterSpec::new(
                    "sandbox-one",
                    vec![ElasticsearchSpec::new("ns-one", "cluster-one")],
                ),
                KubeClusterSpec::new(
                    "sandbox-two",
                    vec![ElasticsearchSpec::new("ns-two", "cluster-two")],
                ),
            ],
        }
    }
}

/// A running sandbox. Its API servers stop when it is dropped.
pub struct Sandbox {
    contexts: Vec<(String, KubeCluster)>,
    delays: Arc<SharedDelays>,
    _servers: Vec<ServerHandle>,
}

impl Sandbox {
    /// Starts one API server per kube cluster on 127.0.0.1 (an unused port each), and
    /// seeds namespaces and Elasticsearch resources (ECK then makes the rest).
    pub async fn start(spec: SandboxSpec) -> anyhow::Result<Sandbox> {
        let addresses = Arc::new(AddressPool::default());
        let network = Arc::new(Network::default());
        let delays = Arc::new(SharedDelays::default());
        let shared = || Shared {
            addresses: &addresses,
            network: &network,
            delays: &delays,
        };
        let mut contexts = Vec::new();
        let mut servers = Vec::new();
        for cluster in &spec.kube_clusters {
            let (api, server) = start_api_server(cluster, shared()).await.with_context(|| {
                format!("starting the API server of context {}", cluster.context)
            })?;
            seed(&api, cluster).with_context(|| format!("seeding context {}", cluster.context))?;
            contexts.push((cluster.context.clone(), api));
            servers.push(server);
        }
        Ok(Sandbox {
            contexts,
            delays,
            _servers: servers,
        })
    }

    /// The context names, in the order of the spec.
    pub fn contexts(&self) -> Vec<&str> {
        self.contexts
            .iter()
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// A kubeconfig for every context (the first is current), with the CA embedded and
    /// the admin's bearer token; no default namespace.
    pub fn kubeconfig_yaml(&self) -> String {
        let contexts: Vec<(&str, &KubeApi)> = self
            .contexts
            .iter()
            .map(|(name, cluster)| (name.as_str(), cluster.api()))
            .collect();
        kubeconfig::render(&contexts)
    }

    pub fn write_kubeconfig(&self, path: &Path) -> anyhow::Result<()> {
        std::fs::write(path, self.kubeconfig_yaml())
            .with_context(|| format!("writing the sandbox kubeconfig to {}", path.display()))
    }

    /// The emulated Elasticsearch of a resource, while it exists.
    pub fn elasticsearch(&self, context: &str, namespace: &str, name: &str) -> Option<EsEndpoint> {
        let (_, api) = self.contexts.iter().find(|(name, _)| name == context)?;
        api.elasticsearch(namespace, name)
    }

    /// Every emulated Elasticsearch, by context (in the order of the spec), namespace and name.
    pub fn elasticsearch_endpoints(&self) -> Vec<EsEndpoint> {
        self.contexts
            .iter()
            .flat_map(|(_, api)| api.elasticsearch_endpoints())
            .collect()
    }

    /// Starts ECK's enterprise trial in every context ([`KubeCluster::start_eck_trial`]), as
    /// API-key remote clusters need (both sides must be Enterprise or trial).
    pub fn start_eck_trial(&self) -> anyhow::Result<()> {
        for (_, cluster) in &self.contexts {
            cluster.start_eck_trial()?;
        }
        Ok(())
    }

    /// How long trust changes take to reach the nodes from now on: ECK's restart of each pod
    /// in a rolling upgrade, the kubelet's sync of a mounted volume, Elasticsearch's reload of
    /// its CA files. By default real delays scaled down ([`TrustDelays::default`]).
    pub fn set_trust_delays(&self, delays: TrustDelays) {
        self.delays.set(delays);
    }

    /// The kube cluster of a context (its API server, which it derefs to, and its
    /// controllers); panics on an unknown context (a test helper).
    pub fn api(&self, context: &str) -> &KubeCluster {
        self.contexts
            .iter()
            .find(|(name, _)| name == context)
            .map(|(_, api)| api)
            .unwrap_or_else(|| panic!("the sandbox has no context {context:?}"))
    }
}

async fn start_api_server(
    spec: &KubeClusterSpec,
    shared: Shared<'_>,
) -> anyhow::Result<(KubeCluster, ServerHandle)> {
    let listener = server::bind().await?;
    let address = listener.local_addr().context("reading the bound address")?;
    let ca = CertificateAuthority::new(&format!("{}-ca", spec.context), None)?;
    let certificate = ca.issue(
        "kube-apiserver",
        &["127.0.0.1".to_string(), "localhost".to_string()],
    )?;
    let cluster = KubeCluster::assemble(
        ClusterConfig {
            context: spec.context.clone(),
            url: format!("https://{address}"),
            ca_pem: ca.cert_pem().to_string(),
            admin_token: json::random_secret(40),
            crd_installed: spec.crd_installed,
            eck_release: spec.eck_release,
        },
        shared,
    );
    let api = cluster.api();
    let router = apiserver::router(api.clone());
    let server = server::serve(
        listener,
        tls::server_config(&certificate)?,
        api.clone(),
        router,
    );
    Ok((cluster, server))
}

/// The namespaces every cluster has, then each Elasticsearch resource and its namespace.
fn seed(api: &KubeApi, spec: &KubeClusterSpec) -> anyhow::Result<()> {
    if !spec.crd_installed && !spec.elasticsearch.is_empty() {
        bail!("Elasticsearch resources need ECK's CRD installed");
    }
    // Those of every real cluster, and ECK's own namespace where ECK is installed.
    let mut namespaces = vec!["default", "kube-node-lease", "kube-public", "kube-system"];
    if spec.crd_installed {
        namespaces.push(OPERATOR_NAMESPACE);
    }
    namespaces.extend(spec.elasticsearch.iter().map(|es| es.namespace.as_str()));
    for namespace in namespaces {
        if api.get(&NAMESPACES, "", namespace).is_none() {
            let object =
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
            api.upsert(&NAMESPACES, object, Part::Main)
                .map_err(|e| anyhow::anyhow!("namespace {namespace}: {}", e.message))?;
        }
    }
    for es in &spec.elasticsearch {
        api.upsert(&ELASTICSEARCHES, es.resource(), Part::Main)
            .map_err(|e| anyhow::anyhow!("Elasticsearch {}: {}", es.name, e.message))?;
    }
    Ok(())
}
