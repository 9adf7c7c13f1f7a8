//! An Elasticsearch outside ECK, set up by hand as its administrator would: one node in a pod
//! of the test's own (no Elasticsearch resource, no operator), TLS on its transport, HTTP and
//! remote cluster server (port 9443) with certificates the test makes, a user of the file
//! realm, a self-generated trial license, and its port 9443 behind a LoadBalancer Service of
//! its own. The stack's kubelet runs it as it runs ECK's pods ([`kubelet::LABEL`]).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, ensure};
use ecr_real_stack::{HEAP, kube as stack_kube, kubelet, node_settings_yaml, observe::PortForward};
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::Api;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::nodes::Nodes;

/// The name its certificate carries for the remote cluster server: what a client names in
/// `server_name` (the load balancer's address is not in it).
pub const SERVER_NAME: &str = "outside-es.example";
/// The pod's name, its Service's and its label's.
const NAME: &str = "outside-es";
/// The file-realm user that makes the API keys (`superuser`: manage_security among others).
pub const USER: &str = "outside-admin";
/// How long Elasticsearch may take to start (on two busy cores).
const START_TIMEOUT: Duration = Duration::from_secs(600);

/// The running node, its CA and its administrator.
pub struct Outside {
    pub namespace: String,
    /// The CA of every certificate of the node, as a PEM file.
    pub ca_file: PathBuf,
    pub password: String,
    /// The address of its LoadBalancer Service (port 9443).
    pub address: String,
    http: reqwest::Client,
    _files: TempDir,
}

impl Outside {
    /// Starts the node in `namespace` and waits until it is Ready and exposed.
    pub async fn start(n: &Nodes, namespace: &str) -> anyhow::Result<Outside> {
        let files = tempfile::tempdir()?;
        let pki = Pki::new(namespace)?;
        let ca_file = files.path().join("outside-ca.crt");
        std::fs::write(&ca_file, &pki.ca)?;
        let password = password();
        let users = format!("{USER}:{}\n", bcrypt_hash(&password)?);
        stack_kube::create_namespace(&n.client, namespace).await?;
        let data = json!({
            "elasticsearch.yml": format!("{CONFIG}{}", node_settings_yaml()),
            "users": users,
            "users_roles": format!("superuser:{USER}\n"),
            "ca.crt": pki.ca,
            "tls.crt": pki.cert,
            "tls.key": pki.key,
        });
        stack_kube::apply(
            &n.client,
            json!({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": format!("{NAME}-config"), "namespace": namespace},
                   "stringData": data}),
        )
        .await?;
        stack_kube::apply(&n.client, pod(namespace, &n.version)).await?;
        stack_kube::apply(
            &n.client,
            json!({"apiVersion": "v1", "kind": "Service",
                   "metadata": {"name": NAME, "namespace": namespace},
                   "spec": {"type": "LoadBalancer", "selector": {"app": NAME},
                            "ports": [{"name": "rcs", "port": 9443, "targetPort": 9443}]}}),
        )
        .await?;
        let ca = reqwest::Certificate::from_pem(pki.ca.as_bytes())?;
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .build()?;
        let address = exposed(n, namespace).await?;
        let outside = Outside {
            namespace: namespace.to_string(),
            ca_file,
            password,
            address,
            http,
            _files: files,
        };
        outside.ready(n).await?;
        Ok(outside)
    }

    /// A port-forward to its HTTP port (9200) on this machine's loopback, where its
    /// certificate names 127.0.0.1.
    pub fn forward(&self, n: &Nodes) -> anyhow::Result<PortForward> {
        PortForward::start(&n.kubeconfig, &self.namespace, &format!("pod/{NAME}"))
    }

    /// A request to it as its administrator, through `forward`, verified against its CA.
    pub async fn request(
        &self,
        forward: &PortForward,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("https://127.0.0.1:{}{path}", forward.port);
        let mut request = self
            .http
            .request(method.parse()?, &url)
            .basic_auth(USER, Some(&self.password));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path} on the Elasticsearch outside ECK"))?;
        let status = response.status();
        let body: Value = response.json().await?;
        ensure!(
            status.is_success(),
            "{method} {path} on the Elasticsearch outside ECK: {status} {body}"
        );
        Ok(body)
    }

    /// Waits until the kubelet made the pod Ready (Elasticsearch in a cluster) and its trial
    /// license is on.
    async fn ready(&self, n: &Nodes) -> anyhow::Result<()> {
        let pods = Api::<Pod>::namespaced(n.client.clone(), &self.namespace);
        let what = format!(
            "the Elasticsearch outside ECK ({}/{NAME}) to be Ready",
            self.namespace
        );
        stack_kube::wait_for(&what, START_TIMEOUT, || async {
            let pod = pods.get(NAME).await?;
            Ok(stack_kube::pod_ready(&pod).then_some(()))
        })
        .await?;
        // The self-generated license comes with the first cluster state (404 until then).
        let forward = self.forward(n)?;
        let what = "the Elasticsearch outside ECK to run its trial license";
        stack_kube::wait_for(what, Duration::from_secs(120), || async {
            let license = self.request(&forward, "GET", "/_license", None).await;
            Ok(license
                .is_ok_and(|l| l["license"]["type"] == "trial")
                .then_some(()))
        })
        .await
    }
}

/// Its settings, as an administrator writes them for one node that serves remote clusters
/// (and the stack's [`ecr_real_stack::NODE_SETTINGS`] for this machine).
const CONFIG: &str = "\
cluster.name: outside
node.name: outside-es
network.host: 0
discovery.type: single-node
# The kubelet makes the pod Ready when this port listens (the node is in a cluster).
readiness.port: 8080
xpack.license.self_generated.type: trial
xpack.security.enabled: true
xpack.security.transport.ssl.enabled: true
xpack.security.transport.ssl.key: certs/tls.key
xpack.security.transport.ssl.certificate: certs/tls.crt
xpack.security.transport.ssl.certificate_authorities: certs/ca.crt
xpack.security.http.ssl.enabled: true
xpack.security.http.ssl.key: certs/tls.key
xpack.security.http.ssl.certificate: certs/tls.crt
remote_cluster_server.enabled: true
xpack.security.remote_cluster_server.ssl.key: certs/tls.key
xpack.security.remote_cluster_server.ssl.certificate: certs/tls.crt
";

/// The pod: Elasticsearch's image, its files mounted where its configuration names them. The
/// image's directories belong to root, so an init container copies its configuration into a
/// writable one (Elasticsearch writes its keystore there), and data and logs have volumes of
/// their own, as ECK's pods do.
fn pod(namespace: &str, version: &str) -> Value {
    let home = "/usr/share/elasticsearch";
    let config = format!("{home}/config");
    let file = |key: &str, path: &str| json!({"name": "files", "mountPath": format!("{config}/{path}"), "subPath": key, "readOnly": true});
    let image = format!("docker.elastic.co/elasticsearch/elasticsearch:{version}");
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": NAME, "namespace": namespace,
                     "labels": {"app": NAME, kubelet::LABEL: "true"}},
        "spec": {
            // No service-account token: Elasticsearch does not talk to Kubernetes (ECK's pods
            // do without one too).
            "automountServiceAccountToken": false,
            "initContainers": [{
                "name": "copy-config",
                "image": image,
                "command": ["bash", "-c", format!("cp -r {config}/. /mnt/config/")],
                "volumeMounts": [{"name": "config", "mountPath": "/mnt/config"}]
            }],
            "containers": [{
                "name": "elasticsearch",
                "image": image,
                "env": [{"name": "ES_JAVA_OPTS", "value": format!("-Xms{HEAP} -Xmx{HEAP}")}],
                "volumeMounts": [
                    {"name": "config", "mountPath": config},
                    {"name": "data", "mountPath": format!("{home}/data")},
                    {"name": "logs", "mountPath": format!("{home}/logs")},
                    file("elasticsearch.yml", "elasticsearch.yml"),
                    file("users", "users"),
                    file("users_roles", "users_roles"),
                    file("ca.crt", "certs/ca.crt"),
                    file("tls.crt", "certs/tls.crt"),
                    file("tls.key", "certs/tls.key"),
                ]
            }],
            "volumes": [
                {"name": "files", "secret": {"secretName": format!("{NAME}-config")}},
                {"name": "config", "emptyDir": {}},
                {"name": "data", "emptyDir": {}},
                {"name": "logs", "emptyDir": {}}
            ]
        }
    })
}

/// The address the cloud gives its Service.
async fn exposed(n: &Nodes, namespace: &str) -> anyhow::Result<String> {
    let services = Api::<Service>::namespaced(n.client.clone(), namespace);
    let what = format!("an address for the Service {namespace}/{NAME}");
    stack_kube::wait_for(&what, Duration::from_secs(60), || async {
        let service = services.get(NAME).await?;
        Ok(service
            .status
            .and_then(|s| s.load_balancer)
            .and_then(|l| l.ingress)
            .and_then(|i| i.into_iter().next())
            .and_then(|i| i.ip))
    })
    .await
}

/// The node's CA and its one certificate, for every layer: the remote cluster server's name
/// ([`SERVER_NAME`]), the Service's, and 127.0.0.1 for a port-forward's client.
struct Pki {
    ca: String,
    cert: String,
    key: String,
}

impl Pki {
    fn new(namespace: &str) -> anyhow::Result<Pki> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "outside-es test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate()?;
        let ca = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);
        let mut params = CertificateParams::new(vec![
            SERVER_NAME.to_string(),
            format!("{NAME}.{namespace}.svc"),
        ])?;
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, SERVER_NAME);
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &issuer)?;
        Ok(Pki {
            ca: ca.pem(),
            cert: cert.pem(),
            key: key.serialize_pem(),
        })
    }
}

/// The file realm's hash of a password (`$2a$`, the bcrypt prefix Elasticsearch reads).
fn bcrypt_hash(password: &str) -> anyhow::Result<String> {
    let hash = bcrypt::hash_with_result(password, 10)?;
    Ok(hash.format_for_version(bcrypt::Version::TwoA))
}

/// A password nobody knows in advance: 128 bits from the process's random hasher keys.
fn password() -> String {
    use std::hash::BuildHasher as _;
    let random = || std::collections::hash_map::RandomState::new().hash_one(0u8);
    format!("{:016x}{:016x}", random(), random())
}
