//! The emulated Elasticsearch behind each Elasticsearch resource: made once ECK has made the
//! cluster's certificates, dropped with the resource, and served over HTTPS both directly on
//! a loopback port and, for port-forwards, over in-memory connections with ECK's certificate.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use axum::Router;
use serde_json::Value;
use tokio::io::DuplexStream;
use tokio_rustls::TlsAcceptor;

use super::api::KubeApi;
use super::eck::{ClusterMaterial, http_certificate_names};
use super::elasticsearch::{ClusterId, Elasticsearch, ElasticsearchConfig, Topology};
use super::object;
use super::resources::ELASTICSEARCHES;
use super::server::{self, ServerHandle};
use super::tls;

/// How much a port-forwarded connection buffers in each direction.
const PIPE_CAPACITY: usize = 64 * 1024;

/// How to reach one emulated Elasticsearch directly, and the cluster itself.
#[derive(Clone)]
pub struct EsEndpoint {
    pub cluster: ClusterId,
    /// `https://127.0.0.1:PORT`, with a certificate from the cluster's HTTP CA whose names
    /// are ECK's plus `127.0.0.1` and `localhost`.
    pub url: String,
    /// The PEM of the cluster's HTTP CA (`NAME-es-http-certs-public`, `ca.crt`).
    pub http_ca_pem: String,
    /// The password of the `elastic` user.
    pub elastic_password: String,
    pub handle: Elasticsearch,
}

/// One served cluster.
struct HostedCluster {
    endpoint: EsEndpoint,
    router: Router,
    /// TLS with the certificate ECK publishes (service names only), for port-forwards.
    port_forward_tls: TlsAcceptor,
    /// Stops the direct listener when the cluster goes.
    _direct: ServerHandle,
}

/// The emulated Elasticsearch clusters of one API server, by namespace and name.
#[derive(Default)]
pub struct Hosting {
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
    /// `spec.version`, fixed from then on).
    pub fn cluster_changed(&self, api: &KubeApi, namespace: &str, name: &str) {
        let key = (namespace.to_string(), name.to_string());
        let mut clusters = self.lock();
        if clusters.contains_key(&key) {
            return;
        }
        let (Some(resource), Some(material)) = (
            api.inner.store.get(&ELASTICSEARCHES, namespace, name),
            api.cluster_material(namespace, name),
        ) else {
            return;
        };
        match host(api, &resource, material) {
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

    /// Opens an in-memory connection to the cluster's HTTPS port, as a pod's port 9200
    /// answers: TLS with ECK's HTTP certificate, then the cluster's API.
    pub fn connect(&self, namespace: &str, name: &str) -> Option<DuplexStream> {
        let (acceptor, router) = {
            let clusters = self.lock();
            let hosted = clusters.get(&(namespace.to_string(), name.to_string()))?;
            (hosted.port_forward_tls.clone(), hosted.router.clone())
        };
        let (client, server) = tokio::io::duplex(PIPE_CAPACITY);
        tokio::spawn(server::serve_connection(
            acceptor,
            server,
            server::answer_with(router),
        ));
        Some(client)
    }
}

/// Makes the emulated Elasticsearch of a resource and starts its direct listener.
fn host(
    api: &KubeApi,
    resource: &Value,
    material: ClusterMaterial,
) -> anyhow::Result<HostedCluster> {
    let cluster = ClusterId {
        context: api.inner.context.clone(),
        namespace: object::namespace(resource).to_string(),
        name: object::name(resource).to_string(),
    };
    let version = resource["spec"]["version"].as_str().unwrap_or_default();
    let topology: Arc<dyn Topology> = api.inner.topology.clone();
    let handle = Elasticsearch::new(
        ElasticsearchConfig::new(cluster.clone(), version, &material.elastic_password),
        topology,
    );
    let router = handle.router();
    let mut direct_names = http_certificate_names(&cluster.namespace, &cluster.name);
    direct_names.extend(["127.0.0.1".to_string(), "localhost".to_string()]);
    let direct_cert = material.http_ca.issue(&direct_names[0], &direct_names)?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .context("binding a loopback port for Elasticsearch")?;
    listener
        .set_nonblocking(true)
        .context("making the Elasticsearch listener non-blocking")?;
    let url = format!("https://{}", listener.local_addr()?);
    // Writes may come from outside the runtime (tests holding a handle): enter it to serve.
    let _runtime = api.inner.runtime.enter();
    let listener = tokio::net::TcpListener::from_std(listener)
        .context("registering the Elasticsearch listener")?;
    let direct = server::serve_with(
        listener,
        tls::server_config(&direct_cert)?,
        server::answer_with(router.clone()),
    );
    Ok(HostedCluster {
        endpoint: EsEndpoint {
            cluster,
            url,
            http_ca_pem: material.http_ca.cert_pem().to_string(),
            elastic_password: material.elastic_password.clone(),
            handle,
        },
        router,
        port_forward_tls: TlsAcceptor::from(tls::server_config(&material.http_cert)?),
        _direct: direct,
    })
}
