//! Tests of an assembled sandbox that reach inside it: a pod's port 9200 as the kubelet serves
//! it (`controllers/kubelet/hosting.rs`), without going through a port-forward. They live at
//! the crate's root because they start a whole [`Sandbox`].

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

use crate::{ElasticsearchSpec, KubeClusterSpec, Sandbox, SandboxSpec};

const SECRET: &str = "plain-es-http-certs-public";

async fn plain_sandbox() -> Sandbox {
    let cluster = ElasticsearchSpec {
        http_tls: false,
        ..ElasticsearchSpec::new("ns", "plain")
    };
    let spec = SandboxSpec {
        kube_clusters: vec![KubeClusterSpec::new("k", vec![cluster])],
    };
    Sandbox::start(spec).await.expect("the sandbox starts")
}

/// `GET /` in plain HTTP/1.1 as `elastic`: the status line of the answer, if any.
async fn plain_get(stream: impl AsyncRead + AsyncWrite + Unpin, password: &str) -> String {
    let answer = plain_answer(stream, "/", password).await;
    answer.lines().next().unwrap_or_default().to_string()
}

/// `GET path` in plain HTTP/1.1 as `elastic`: the whole answer.
async fn plain_answer(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    path: &str,
    password: &str,
) -> String {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("elastic:{password}"));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: es\r\nAuthorization: Basic {basic}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_without_the_remote_cluster_client_role_refuses_remote_info() {
    let sandbox = plain_sandbox().await;
    let api = sandbox.api("k");
    let es = sandbox.elasticsearch("k", "ns", "plain").expect("served");
    let remote_info = |node: Option<&str>| {
        let pod_port = api.kubelet.hosting.connect("ns", "plain", node);
        plain_answer(
            pod_port.expect("served"),
            "/_remote/info",
            &es.elastic_password,
        )
    };
    let answer = remote_info(Some("plain-es-default-0")).await;
    assert!(answer.starts_with("HTTP/1.1 400 Bad Request"), "{answer}");
    assert!(
        answer.contains("node [plain-es-default-0] does not have the [remote_cluster_client] role"),
        "{answer}"
    );
    let answer = remote_info(None).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_http_tls_still_publishes_its_http_certificate_and_answers_plain_http() {
    let sandbox = plain_sandbox().await;
    let api = sandbox.api("k");
    // ECK reconciles the HTTP certificates with GarbageCollectSecrets: false.
    assert!(api.get_object("", "secrets", Some("ns"), SECRET).is_some());
    let es = sandbox.elasticsearch("k", "ns", "plain").expect("served");
    let address = es.url.strip_prefix("http://").expect("a plain URL");
    let direct = tokio::net::TcpStream::connect(address)
        .await
        .expect("listens");
    assert_eq!(
        plain_get(direct, &es.elastic_password).await,
        "HTTP/1.1 200 OK"
    );
    let pod_port = api
        .kubelet
        .hosting
        .connect("ns", "plain", None)
        .expect("served");
    assert_eq!(
        plain_get(pod_port, &es.elastic_password).await,
        "HTTP/1.1 200 OK"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_http_tls_on_again_publishes_the_ca_and_serves_https() {
    let sandbox = plain_sandbox().await;
    let api = sandbox.api("k");
    let group = "elasticsearch.k8s.elastic.co";
    let mut resource = api
        .get_object(group, "elasticsearches", Some("ns"), "plain")
        .expect("the resource");
    resource["spec"]
        .as_object_mut()
        .expect("a spec")
        .remove("http");
    api.put_object(group, "elasticsearches", resource);
    assert!(api.get_object("", "secrets", Some("ns"), SECRET).is_some());
    let es = sandbox.elasticsearch("k", "ns", "plain").expect("served");
    assert!(es.url.starts_with("https://"), "{}", es.url);
    let pod_port = api
        .kubelet
        .hosting
        .connect("ns", "plain", None)
        .expect("served");
    // A TLS alert, not an HTTP answer.
    let answer = plain_get(pod_port, &es.elastic_password).await;
    assert!(!answer.starts_with("HTTP/"), "{answer}");
    assert_eq!(api.rolling_restarts("ns", "plain"), 1);
}
