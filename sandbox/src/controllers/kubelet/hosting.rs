//! The emulated Elasticsearch behind each Elasticsearch resource: made once ECK has made the
//! cluster's certificates, dropped with the resource, and served over HTTPS both directly on
//! a loopback port and, for port-forwards, over in-memory connections with the certificate
//! ECK mounts (its own or the user's), requiring a client certificate when the spec asks;
//! or over plain HTTP on both when the resource turns HTTP TLS off. A change of that layer
//! is followed as ECK's rolled pods would: same cluster state, served the other way, directly
//! on a new port. A port-forward to a pod without the `remote_cluster_client` role reaches a
//! node that refuses cross-cluster requests.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use axum::Router;
use serde_json::Value;
use tokio::io::DuplexStream;
use tokio_rustls::TlsAcceptor;

use crate::apiserver::KubeApi;
use crate::apiserver::resources::ELASTICSEARCHES;
use crate::controllers::eck::{ClusterMaterial, Eck, HttpLayer};
use crate::elasticsearch::{
    ClusterId, Elasticsearch, ElasticsearchConfig, Topology, without_remote_cluster_client,
};
use crate::serving::{self, ServerHandle};
use crate::tls;

/// How much a port-forwarded connection buffers in each direction.
const PIPE_CAPACITY: usize = 64 * 1024;

/// How to reach one emulated Elasticsearch directly, and the cluster itself.
#[derive(Clone)]
pub struct EsEndpoint {
    pub cluster: ClusterId,
    /// `https://127.0.0.1:PORT`, with a certificate from ECK's HTTP CA whose names are ECK's
    /// plus `127.0.0.1` and `localhost` (even where pods serve a user's certificate);
    /// `http://127.0.0.1:PORT` when HTTP TLS is off.
    pub url: String,
    /// The PEM of ECK's self-signed HTTP CA (which nothing serves while HTTP TLS is off).
    pub http_ca_pem: String,
    /// The password of the `elastic` user.
    pub elastic_password: String,
    pub handle: Elasticsearch,
}

/// One served cluster.
struct HostedCluster {
    endpoint: EsEndpoint,
    router: Router,
    /// What the pods serve, as ECK configured it when this was hosted.
    layer: HttpLayer,
    /// TLS with the certificate ECK mounts (service names only), for port-forwards; none
    /// when HTTP TLS is off.
    port_forward_tls: Option<TlsAcceptor>,
    /// Stops the direct listener when the cluster goes.
    _direct: ServerHandle,
}

/// The emulated Elasticsearch clusters of one API server, by namespace and name.
#[derive(Default)]
pub(crate) struct Hosting {
    clusters: Mutex<BTreeMap<(String, String), HostedCluster>>,
}

impl Hosting {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<(String, String), HostedCluster>> {
        self.clusters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called after every write to an Elasticsearch resource: starts its emulated
    /// Elasticsearch the first time ECK has made its certificates (version from
    /// `spec.version`, fixed from then on), and serves it again, HTTPS or plain HTTP, when ECK
    /// has turned its HTTP TLS on or off.
    pub fn cluster_changed(
        &self,
        api: &KubeApi,
        eck: &Eck,
        network: &Arc<dyn Topology>,
        namespace: &str,
        name: &str,
    ) {
        let key = (namespace.to_string(), name.to_string());
        let mut clusters = self.lock();
        let (Some(resource), Some(material)) = (
            api.get(&ELASTICSEARCHES, namespace, name),
            eck.material(namespace, name),
        ) else {
            return;
        };
        let cluster = ClusterId {
            context: api.context().to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        };
        let handle = match clusters.get(&key) {
            Some(hosted) if hosted.layer == material.http => return,
            Some(hosted) => hosted.endpoint.handle.clone(),
            None => new_elasticsearch(&cluster, network, &resource, &material),
        };
        match host(api, cluster, handle, material) {
            Ok(hosted) => {
                clusters.insert(key, hosted);
            }
            Err(error) => tracing::error!("cannot serve Elasticsearch {name}: {error:#}"),
        }
    }

    /// Stops the emulated Elasticsearch of a deleted resource.
    pub fn cluster_deleted(&self, namespace: &str, name: &str) {
        self.lock()
            .remove(&(namespace.to_string(), name.to_string()));
    }

    pub fn endpoint(&self, namespace: &str, name: &str) -> Option<EsEndpoint> {
        self.lock()
            .get(&(namespace.to_string(), name.to_string()))
            .map(|hosted| hosted.endpoint.clone())
    }

    pub fn endpoints(&self) -> Vec<EsEndpoint> {
        self.lock()
            .values()
            .map(|hosted| hosted.endpoint.clone())
            .collect()
    }

    /// Opens an in-memory connection to the cluster's HTTP port, as a pod's port 9200
    /// answers: TLS with the mounted HTTP certificate (unless HTTP TLS is off), then the
    /// cluster's API, as the node `without_role` answers when it lacks `remote_cluster_client`.
    pub fn connect(
        &self,
        namespace: &str,
        name: &str,
        without_role: Option<&str>,
    ) -> Option<DuplexStream> {
        let (acceptor, mut router) = {
            let clusters = self.lock();
            let hosted = clusters.get(&(namespace.to_string(), name.to_string()))?;
            (hosted.port_forward_tls.clone(), hosted.router.clone())
        };
        if let Some(node) = without_role {
            router = without_remote_cluster_client(router, node.to_string());
        }
        // No acceptor: the pod's port speaks plain HTTP (HTTP TLS off).
        let (client, server) = tokio::io::duplex(PIPE_CAPACITY);
        tokio::spawn(serving::serve_connection(
            acceptor,
            server,
            serving::answer_with(router),
        ));
        Some(client)
    }
}

/// The emulated Elasticsearch of a resource.
fn new_elasticsearch(
    cluster: &ClusterId,
    network: &Arc<dyn Topology>,
    resource: &Value,
    material: &ClusterMaterial,
) -> Elasticsearch {
    let version = resource["spec"]["version"].as_str().unwrap_or_default();
    Elasticsearch::new(
        ElasticsearchConfig::new(cluster.clone(), version, &material.elastic_password),
        Arc::clone(network),
    )
}

/// Serves an emulated Elasticsearch as ECK configured its HTTP layer: starts its direct
/// listener and prepares its port-forward TLS, if any.
fn host(
    api: &KubeApi,
    cluster: ClusterId,
    handle: Elasticsearch,
    material: ClusterMaterial,
) -> anyhow::Result<HostedCluster> {
    let router = handle.router();
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .context("binding a loopback port for Elasticsearch")?;
    listener
        .set_nonblocking(true)
        .context("making the Elasticsearch listener non-blocking")?;
    let layer = material.http.clone();
    let (scheme, direct_tls, port_forward_tls) = if layer.tls {
        let client_cas = layer
            .client_authentication
            .then_some(layer.certificates.ca_pem.as_str());
        let mut direct_names = material.http_cert_names.clone();
        direct_names.extend(["127.0.0.1".to_string(), "localhost".to_string()]);
        let direct_cert = material.http_ca.issue(&direct_names[0], &direct_names)?;
        let served = &layer.certificates.served;
        let port_forward = tls::server_config_for_clients(served, client_cas)?;
        (
            "https",
            Some(tls::server_config_for_clients(&direct_cert, client_cas)?),
            Some(TlsAcceptor::from(port_forward)),
        )
    } else {
        ("http", None, None)
    };
    let url = format!("{scheme}://{}", listener.local_addr()?);
    // Writes may come from outside the runtime (tests holding a handle): enter it to serve.
    let _runtime = api.runtime().enter();
    let listener = tokio::net::TcpListener::from_std(listener)
        .context("registering the Elasticsearch listener")?;
    let direct = serving::serve_with(listener, direct_tls, serving::answer_with(router.clone()));
    Ok(HostedCluster {
        endpoint: EsEndpoint {
            cluster,
            url,
            http_ca_pem: material.http_ca.cert_pem().to_string(),
            elastic_password: material.elastic_password.clone(),
            handle,
        },
        router,
        layer,
        port_forward_tls,
        _direct: direct,
    })
}
