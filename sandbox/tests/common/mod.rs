//! What the sandbox's own tests share: a standard sandbox, kube clients of its contexts, raw
//! requests, and real kubectl run against it.
#![allow(dead_code)] // each test binary uses its own part of this

use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ecr_sandbox::{KubeApi, KubeCluster, Sandbox, SandboxSpec};
use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method, Request, StatusCode};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, GroupVersionKind};
use kube::{Client, Config};
use serde_json::{Value, json};

pub const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";

pub async fn standard() -> Sandbox {
    Sandbox::start(SandboxSpec::standard())
        .await
        .expect("the sandbox starts")
}

pub async fn client(sandbox: &Sandbox) -> Client {
    kube_client(sandbox, "sandbox", None, false).await
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// One raw HTTP request through the client's connection and credentials.
pub async fn raw(
    client: &Client,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let response = client
        .send(
            request
                .body(kube::client::Body::from(body))
                .expect("a valid request"),
        )
        .await
        .expect("the server answers");
    let (parts, body) = response.into_parts();
    let bytes = body.collect_bytes().await.expect("a complete body");
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

pub async fn get(client: &Client, path: &str) -> Reply {
    raw(client, Method::GET, path, None, None).await
}

/// The resourceVersion a list of these objects was read at.
pub async fn list_version<K>(api: &Api<K>) -> String
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.list(&Default::default())
        .await
        .expect("a list")
        .metadata
        .resource_version
        .expect("a resourceVersion")
}

/// Merge-patches one object, which must succeed.
pub async fn merge_patch<K>(api: &Api<K>, name: &str, patch: Value) -> K
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.patch(name, &PatchParams::default(), &Patch::Merge(patch))
        .await
        .expect("patched")
}

/// A merge patch of `cluster-one` in `ns-one`, raw; `query` goes after the path.
pub async fn patch_cluster_one(client: &Client, query: &str, patch: Value) -> Reply {
    let path = format!(
        "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches/cluster-one{query}"
    );
    let content_type = Some("application/merge-patch+json");
    raw(client, Method::PATCH, &path, content_type, Some(patch)).await
}

/// The Status body the API server sends for a failure.
pub fn status(reason: &str, code: u16, message: &str, details: Value) -> Value {
    let mut status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    if !details.is_null() {
        status["details"] = details;
    }
    status
}

pub fn secret(api: &KubeApi, namespace: &str, name: &str) -> Value {
    api.get_object("", "secrets", Some(namespace), name)
        .unwrap_or_else(|| panic!("secret {name} in {namespace}"))
}

/// The PEM of the transport CA ECK keeps for a cluster.
pub fn transport_ca_pem(api: &KubeCluster, namespace: &str, name: &str) -> String {
    let material = api
        .cluster_material(namespace, name)
        .expect("ECK's material");
    material.transport_ca.cert_pem().to_string()
}

pub fn decoded(secret: &Value, key: &str) -> String {
    let data = secret["data"][key].as_str().expect("the key is present");
    String::from_utf8(STANDARD.decode(data).expect("base64")).expect("UTF-8")
}

pub fn subjects(pem: &str) -> Vec<String> {
    x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes())
        .map(|pem| {
            let pem = pem.expect("a PEM block");
            let cert = pem.parse_x509().expect("an X.509 certificate");
            cert.subject().to_string()
        })
        .collect()
}

/// A client of one context, as the admin or with `token`; kube's own retries on or off.
pub async fn kube_client(
    sandbox: &Sandbox,
    context: &str,
    token: Option<&str>,
    retry: bool,
) -> Client {
    let mut yaml = sandbox.kubeconfig_yaml();
    if let Some(token) = token {
        yaml = yaml.replace(&sandbox.api(context).admin_token(), token);
    }
    let kubeconfig = Kubeconfig::from_yaml(&yaml).expect("the kubeconfig parses");
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("the kubeconfig makes a client configuration");
    config.default_retry = retry;
    Client::try_from(config).expect("a client")
}

/// ECK's Elasticsearch resources of a namespace, for dynamic kube APIs.
pub fn es_api(client: &Client, namespace: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk(ES_GROUP, "v1", "Elasticsearch");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "elasticsearches");
    Api::namespaced_with(client.clone(), namespace, &resource)
}

/// Runs real kubectl against the sandbox, with its own HOME and cache.
pub fn kubectl(
    kubeconfig: &std::path::Path,
    home: &std::path::Path,
    args: &[&str],
) -> (bool, String, String) {
    let output = Command::new("kubectl")
        .env("HOME", home)
        .env("KUBECONFIG", kubeconfig)
        .arg("--cache-dir")
        .arg(home.join("cache"))
        .args(args)
        .output()
        .expect("kubectl runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs kubectl against the sandbox's `sandbox` context, with `dir` as its home, off the
/// test's runtime.
pub async fn kubectl_in(
    sandbox: &Sandbox,
    dir: &std::path::Path,
    args: &[&str],
) -> (bool, String, String) {
    let kubeconfig = dir.join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).expect("written");
    let home = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(ToString::to_string).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        kubectl(&kubeconfig, &home, &args)
    })
    .await
    .expect("joined")
}
