//! The manual recipe as ECK documents it, done by hand through the Kubernetes API and
//! Elasticsearch's REST API: what tests compare ecr with, and use to check its results.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Secret, Service};
use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::runtime::wait::await_condition;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{es_api, kube_client};
use ecr::elasticsearch::tls;
use ecr::sandbox::{EsEndpoint, Sandbox};

/// Where the recipe mounts the other cluster's CA, and the file it lists.
pub const REMOTE_CERTS_DIR: &str = "/usr/share/elasticsearch/config/other";
pub const REMOTE_CA: &str = "/usr/share/elasticsearch/config/other/remote.ca.crt";

/// A rustls client configuration (ring, as ecr's own) trusting only `ca_pem`.
pub fn tls_config(ca_pem: &str, alpn: &[&[u8]]) -> rustls::ClientConfig {
    let roots = tls::roots_from_pem(ca_pem.as_bytes()).expect("a PEM CA bundle");
    let mut config = tls::client_config(roots).expect("TLS on ring");
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config
}

/// An Elasticsearch client over the direct URL, as ecr's own will be configured.
pub struct Es {
    pub http: reqwest::Client,
    pub endpoint: EsEndpoint,
}

impl Es {
    pub fn of(sandbox: &Sandbox, context: &str, namespace: &str, name: &str) -> Self {
        let endpoint = sandbox
            .elasticsearch(context, namespace, name)
            .unwrap_or_else(|| panic!("an Elasticsearch for {name}"));
        let tls = tls_config(&endpoint.http_ca_pem, &[b"h2", b"http/1.1"]);
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .build()
            .expect("a reqwest client");
        Es { http, endpoint }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.endpoint.url))
            .basic_auth("elastic", Some(&self.endpoint.elastic_password));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("Elasticsearch answers");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Points `alias` at `address` in proxy mode.
    pub async fn connect_to(&self, alias: &str, address: &str) {
        let settings = json!({"persistent": {
            format!("cluster.remote.{alias}.mode"): "proxy",
            format!("cluster.remote.{alias}.proxy_address"): address,
        }});
        let (status, body) = self
            .send(Method::PUT, "/_cluster/settings", Some(settings))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// Asks for the remote as the README says to prove a link, `GET _resolve/cluster/ALIAS:*`
    /// (Elasticsearch never retries a failed link by itself: a cross-cluster request makes it
    /// connect again), until connected, for 3 s at most.
    pub async fn connects(&self, alias: &str) -> bool {
        self.connected_within(alias, 30).await
    }

    /// Asks for the remote for longer than a connection takes: never connected.
    pub async fn stays_disconnected(&self, alias: &str) -> bool {
        !self.connected_within(alias, 6).await
    }

    /// Whether `_resolve/cluster` says connected within `rounds` requests 100 ms apart.
    pub async fn connected_within(&self, alias: &str, rounds: u32) -> bool {
        let path = format!("/_resolve/cluster/{alias}:*");
        for _ in 0..rounds {
            let (status, resolved) = self.send(Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::OK, "{resolved}");
            if resolved[alias]["connected"] == true {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }
}

/// One side of the recipe: an Elasticsearch resource and a kube client of its context.
pub struct Side {
    pub kube: Client,
    pub context: &'static str,
    pub namespace: &'static str,
    pub name: &'static str,
}

impl Side {
    pub async fn new(
        sandbox: &Sandbox,
        context: &'static str,
        namespace: &'static str,
        name: &'static str,
    ) -> Self {
        let kube = kube_client(sandbox, context, None, false).await;
        Side {
            kube,
            context,
            namespace,
            name,
        }
    }

    pub fn es(&self, sandbox: &Sandbox) -> Es {
        Es::of(sandbox, self.context, self.namespace, self.name)
    }

    /// `ca.crt` of the public transport secret ECK publishes.
    pub async fn transport_ca(&self) -> String {
        let secrets: Api<Secret> = Api::namespaced(self.kube.clone(), self.namespace);
        let secret = secrets
            .get(&format!("{}-es-transport-certs-public", self.name))
            .await
            .expect("the public transport secret");
        let data = secret.data.expect("data");
        String::from_utf8(data["ca.crt"].0.clone()).expect("PEM")
    }

    /// Step 1: the other cluster's CA in a secret `remote-certs` of this namespace.
    pub async fn put_remote_certs(&self, ca_pem: &str) {
        let secrets: Api<Secret> = Api::namespaced(self.kube.clone(), self.namespace);
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "remote-certs"}, "stringData": {"ca.crt": ca_pem}});
        secrets
            .patch(
                "remote-certs",
                &PatchParams::apply("recipe").force(),
                &Patch::Apply(secret),
            )
            .await
            .expect("the secret is applied");
    }

    /// Step 2: mount `remote-certs` and list its file with `authorities` (the whole nodeSet
    /// list is written, as a merge patch replaces lists).
    pub async fn mount_remote_certs(&self, authorities: Value) {
        let node_set = json!({
            "name": "default",
            "count": 3,
            "config": {
                "node.store.allow_mmap": false,
                "xpack.security.transport.ssl.certificate_authorities": authorities,
            },
            "podTemplate": {"spec": {
                "volumes": [{"name": "remote-certs", "secret": {"secretName": "remote-certs",
                    "items": [{"key": "ca.crt", "path": "remote.ca.crt"}]}}],
                "containers": [{"name": "elasticsearch", "volumeMounts": [
                    {"name": "remote-certs", "mountPath": REMOTE_CERTS_DIR, "readOnly": true}]}],
            }},
        });
        self.patch(json!({"spec": {"nodeSets": [node_set]}})).await;
        self.rolled().await;
    }

    /// Waits for ECK's rolling restart to have restarted every pod, as the recipe says to
    /// after changing a nodeSet (`status.inProgressOperations.upgrade.nodes` empty).
    pub async fn rolled(&self) {
        for _ in 0..100 {
            if super::pods_to_roll(&self.status().await) == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("ECK did not finish rolling {} in 5 s", self.name);
    }

    /// Step 3: a LoadBalancer transport service; its `ADDRESS:9300` once it has one.
    pub async fn expose(&self) -> String {
        self.patch(json!({"spec": {"transport": {"service": {"spec": {"type": "LoadBalancer"}}}}}))
            .await;
        let services: Api<Service> = Api::namespaced(self.kube.clone(), self.namespace);
        let addressed = |service: Option<&Service>| ingress_ip(service).is_some();
        let name = format!("{}-es-transport", self.name);
        let service = tokio::time::timeout(
            Duration::from_secs(5),
            await_condition(services, &name, addressed),
        )
        .await
        .expect("the load balancer gets an address in time")
        .expect("the watch works");
        format!("{}:9300", ingress_ip(service.as_ref()).expect("an address"))
    }

    pub async fn patch(&self, patch: Value) -> DynamicObject {
        es_api(&self.kube, self.namespace)
            .patch(self.name, &PatchParams::default(), &Patch::Merge(patch))
            .await
            .expect("the Elasticsearch resource is patched")
    }

    pub async fn status(&self) -> Value {
        let resource = es_api(&self.kube, self.namespace)
            .get(self.name)
            .await
            .expect("the resource");
        resource.data["status"].clone()
    }
}

pub fn ingress_ip(service: Option<&Service>) -> Option<String> {
    service?
        .status
        .as_ref()?
        .load_balancer
        .as_ref()?
        .ingress
        .as_ref()?
        .first()?
        .ip
        .clone()
}

/// Steps 1 and 2 on `local`: it trusts `remote`'s current transport CA.
pub async fn trust(local: &Side, remote: &Side) {
    local.put_remote_certs(&remote.transport_ca().await).await;
    local.mount_remote_certs(json!([REMOTE_CA])).await;
}

/// The two clusters of the standard sandbox.
pub async fn standard_sides(sandbox: &Sandbox) -> (Side, Side) {
    (
        Side::new(sandbox, "sandbox", "ns-one", "cluster-one").await,
        Side::new(sandbox, "sandbox", "ns-two", "cluster-two").await,
    )
}

/// The whole recipe both ways; returns each side's transport address.
pub async fn recipe(sandbox: &Sandbox, one: &Side, two: &Side) -> (String, String) {
    trust(one, two).await;
    trust(two, one).await;
    expose_and_connect(sandbox, one, two).await
}

/// Steps 3 and 4 both ways: exposes each side and points it at the other's address.
pub async fn expose_and_connect(sandbox: &Sandbox, one: &Side, two: &Side) -> (String, String) {
    let (one_address, two_address) = (one.expose().await, two.expose().await);
    one.es(sandbox).connect_to("two", &two_address).await;
    two.es(sandbox).connect_to("one", &one_address).await;
    (one_address, two_address)
}
