//! The sandbox's emulated Elasticsearch clusters end to end: one per Elasticsearch resource,
//! reached directly by URL and by port-forward through the API server (as ecr reaches them),
//! and connected as remote clusters only when every step of the manual recipe is done.

mod common;

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::header::{AUTHORIZATION, HOST};
use http_body_util::BodyExt as _;
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::{Pod, Secret, Service};
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use reqwest::{Method, StatusCode};
use rustls::pki_types::ServerName;
use serde_json::{Value, json};
use tokio::io::DuplexStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use common::recipe::{
    Es, REMOTE_CA, Side, expose_and_connect, recipe, standard_sides, tls_config, trust,
};
use common::{es_api, kube_client};
use ecr::sandbox::{PolicyRule, Sandbox, SandboxSpec};

const POD: &str = "cluster-one-es-default-0";

async fn sandbox(spec: SandboxSpec) -> Sandbox {
    Sandbox::start(spec).await.expect("the sandbox starts")
}

fn basic_auth(password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("elastic:{password}")))
}

// ---------------------------------------------------------------------------------------
// Reaching Elasticsearch
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_direct_url_serves_https_with_basic_auth() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let es = Es::of(&sandbox, "sandbox", "ns-one", "cluster-one");
    assert!(es.endpoint.url.starts_with("https://127.0.0.1:"));
    let (status, root) = es.send(Method::GET, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(root["cluster_name"], "cluster-one");
    assert_eq!(root["version"]["number"], ecr::sandbox::DEFAULT_VERSION);

    let anonymous = es
        .http
        .get(&es.endpoint.url)
        .send()
        .await
        .expect("an answer");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let one = Side::new(&sandbox, "sandbox", "ns-one", "cluster-one").await;
    let secrets: Api<Secret> = Api::namespaced(one.kube.clone(), "ns-one");
    let public = secrets
        .get("cluster-one-es-http-certs-public")
        .await
        .expect("the public HTTP secret");
    let published = String::from_utf8(public.data.expect("data")["ca.crt"].0.clone());
    assert_eq!(published.expect("PEM"), es.endpoint.http_ca_pem);
    let password = secrets
        .get("cluster-one-es-elastic-user")
        .await
        .expect("the user secret");
    let password = String::from_utf8(password.data.expect("data")["elastic"].0.clone());
    assert_eq!(password.expect("UTF-8"), es.endpoint.elastic_password);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_resource_gets_its_own_elasticsearch_for_as_long_as_it_exists() {
    let sandbox = sandbox(SandboxSpec::two_contexts()).await;
    let listed: Vec<(String, String)> = sandbox
        .elasticsearch_endpoints()
        .into_iter()
        .map(|e| (e.cluster.context, e.cluster.name))
        .collect();
    assert_eq!(
        listed,
        [
            ("sandbox-one".to_string(), "cluster-one".to_string()),
            ("sandbox-two".to_string(), "cluster-two".to_string())
        ]
    );

    let client = kube_client(&sandbox, "sandbox-one", None, false).await;
    let resource = json!({"apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch",
        "metadata": {"name": "logs", "namespace": "ns-one"},
        "spec": {"version": "8.15.3", "nodeSets": [{"name": "hot", "count": 1}]}});
    let object: DynamicObject = serde_json::from_value(resource).expect("an object");
    es_api(&client, "ns-one")
        .create(&PostParams::default(), &object)
        .await
        .expect("created");
    let logs = Es::of(&sandbox, "sandbox-one", "ns-one", "logs");
    let (_, root) = logs.send(Method::GET, "/", None).await;
    assert_eq!(root["version"]["number"], "8.15.3");
    assert_eq!(root["cluster_name"], "logs");

    es_api(&client, "ns-one")
        .delete("logs", &DeleteParams::default())
        .await
        .expect("deleted");
    assert!(
        sandbox
            .elasticsearch("sandbox-one", "ns-one", "logs")
            .is_none()
    );
    // The listener's task stops asynchronously, as a deleted pod goes away after a moment.
    let mut gone = false;
    for _ in 0..40 {
        gone = logs.http.get(&logs.endpoint.url).send().await.is_err();
        if gone {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(gone, "the direct listener is closed");
    let pods: Api<Pod> = Api::namespaced(client, "ns-one");
    match pods.portforward("logs-es-hot-0", &[9200]).await {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 404),
        Err(other) => panic!("expected 404, got {other}"),
        Ok(_) => panic!("a deleted cluster's pod cannot be forwarded to"),
    }
}

/// TLS over a fresh port-forward to the pod's 9200, verifying `server_name`.
async fn tls_through_port_forward(
    client: &Client,
    server_name: &str,
    ca_pem: &str,
) -> std::io::Result<TlsStream<DuplexStream>> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ns-one");
    let mut forwarder = pods.portforward(POD, &[9200]).await.expect("port-forward");
    let stream = forwarder.take_stream(9200).expect("the port's stream");
    let connector = TlsConnector::from(Arc::new(tls_config(ca_pem, &[b"http/1.1"])));
    let name = ServerName::try_from(server_name.to_string()).expect("a server name");
    connector.connect(name, stream).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_forward_reaches_elasticsearch_with_ecks_certificate() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let endpoint = sandbox
        .elasticsearch("sandbox", "ns-one", "cluster-one")
        .expect("cluster-one");
    let client = kube_client(&sandbox, "sandbox", None, false).await;

    let service_name = "cluster-one-es-http.ns-one.svc";
    let tls = tls_through_port_forward(&client, service_name, &endpoint.http_ca_pem)
        .await
        .expect("the certificate verifies against the service name");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .expect("an HTTP/1.1 connection");
    tokio::spawn(connection);
    let request = http::Request::get("/")
        .header(HOST, service_name)
        .header(AUTHORIZATION, basic_auth(&endpoint.elastic_password))
        .body(String::new())
        .expect("a request");
    let response = sender.send_request(request).await.expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let root: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(root["cluster_name"], "cluster-one");

    let by_address = tls_through_port_forward(&client, "127.0.0.1", &endpoint.http_ca_pem).await;
    let error = by_address.expect_err("ECK's certificate has no 127.0.0.1");
    assert!(error.to_string().contains("not valid for name"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_forwards_to_other_ports_fail_as_the_kubelet_says() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let client = kube_client(&sandbox, "sandbox", None, false).await;
    let pods: Api<Pod> = Api::namespaced(client, "ns-one");
    let mut forwarder = pods.portforward(POD, &[9300]).await.expect("port-forward");
    let error = forwarder.take_error(9300).expect("the error channel").await;
    let message = error.expect("an error message");
    assert!(
        message.starts_with("an error occurred forwarding 9300 -> 9300: "),
        "{message}"
    );
    assert!(message.contains("connect: connection refused"), "{message}");

    match pods.portforward("no-such-pod", &[9200]).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(
                (status.code, status.message.as_str()),
                (404, "pods \"no-such-pod\" not found")
            );
        }
        Err(other) => panic!("expected 404, got {other}"),
        Ok(_) => panic!("an unknown pod cannot be forwarded to"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_forwarding_needs_create_on_pods_portforward() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let api = sandbox.api("sandbox");
    api.add_user(
        "viewer-token",
        "viewer",
        vec![PolicyRule::new(
            &["get", "list", "create"],
            &["pods"],
            &["ns-one"],
        )],
    );
    api.add_user(
        "forwarder-token",
        "forwarder",
        vec![PolicyRule::new(
            &["create"],
            &["pods/portforward"],
            &["ns-one"],
        )],
    );
    let viewer = kube_client(&sandbox, "sandbox", Some("viewer-token"), false).await;
    match Api::<Pod>::namespaced(viewer, "ns-one")
        .portforward(POD, &[9200])
        .await
    {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 403);
            assert_eq!(
                status.message,
                "pods \"cluster-one-es-default-0\" is forbidden: User \"viewer\" cannot create \
                 resource \"pods/portforward\" in API group \"\" in the namespace \"ns-one\""
            );
        }
        Err(other) => panic!("expected 403, got {other}"),
        Ok(_) => panic!("the viewer may not forward ports"),
    }
    let forwarder = kube_client(&sandbox, "sandbox", Some("forwarder-token"), false).await;
    let mut forwarded = Api::<Pod>::namespaced(forwarder, "ns-one")
        .portforward(POD, &[9200])
        .await
        .expect("allowed");
    assert!(forwarded.take_stream(9200).is_some());
}

// ---------------------------------------------------------------------------------------
// The manual recipe
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manual_recipe_connects_both_ways() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let (one, two) = standard_sides(&sandbox).await;
    let (_, remotes) = one
        .es(&sandbox)
        .send(Method::GET, "/_remote/info", None)
        .await;
    assert_eq!(remotes, json!({}), "no remote before the recipe");
    recipe(&sandbox, &one, &two).await;
    assert!(one.es(&sandbox).connects("two").await);
    assert!(two.es(&sandbox).connects("one").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_one_way_only_connects_neither_way() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let (one, two) = standard_sides(&sandbox).await;
    trust(&one, &two).await;
    expose_and_connect(&sandbox, &one, &two).await;
    assert!(one.es(&sandbox).stays_disconnected("two").await);
    assert!(two.es(&sandbox).stays_disconnected("one").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copy_must_be_both_mounted_and_listed() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let (one, two) = standard_sides(&sandbox).await;
    trust(&two, &one).await;
    let two_address = two.expose().await;
    let es = one.es(&sandbox);
    es.connect_to("two", &two_address).await;

    one.put_remote_certs(&two.transport_ca().await).await;
    one.mount_remote_certs(json!([])).await;
    assert!(es.stays_disconnected("two").await, "mounted, not listed");

    let listed_only = json!({"name": "default", "count": 3, "config": {
        "xpack.security.transport.ssl.certificate_authorities": [REMOTE_CA]}});
    one.patch(json!({"spec": {"nodeSets": [listed_only]}}))
        .await;
    assert!(es.stays_disconnected("two").await, "listed, not mounted");

    one.mount_remote_certs(json!([REMOTE_CA])).await;
    assert!(es.connects("two").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_exposed_cluster_can_be_reached() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let (one, two) = standard_sides(&sandbox).await;
    trust(&one, &two).await;
    trust(&two, &one).await;
    let two_address = two.expose().await;
    one.es(&sandbox).connect_to("two", &two_address).await;
    two.es(&sandbox)
        .connect_to("one", "cluster-one-es-transport.ns-one.svc:9300")
        .await;
    assert!(one.es(&sandbox).connects("two").await);
    assert!(two.es(&sandbox).stays_disconnected("one").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_address_stays_disconnected() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let (one, two) = standard_sides(&sandbox).await;
    let (_, two_address) = recipe(&sandbox, &one, &two).await;
    let host = two_address.trim_end_matches(":9300");
    let es = one.es(&sandbox);
    es.connect_to("two", &format!("{host}:9301")).await;
    assert!(es.stays_disconnected("two").await);
    es.connect_to("two", "127.0.255.254:9300").await;
    assert!(es.stays_disconnected("two").await);
    es.connect_to("two", &two_address).await;
    assert!(es.connects("two").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_string_certificate_authorities_breaks_the_cluster() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let (one, two) = standard_sides(&sandbox).await;
    recipe(&sandbox, &one, &two).await;
    assert!(one.es(&sandbox).connects("two").await);

    one.mount_remote_certs(json!(REMOTE_CA)).await;
    let es = one.es(&sandbox);
    let (status, health) = es.send(Method::GET, "/_cluster/health", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health["error"]["type"], "master_not_discovered_exception");
    assert_eq!(one.status().await["health"], "red");
    assert!(es.stays_disconnected("two").await);
    assert!(two.es(&sandbox).stays_disconnected("one").await);

    one.mount_remote_certs(json!([REMOTE_CA])).await;
    assert_eq!(one.status().await["health"], "green");
    assert!(es.connects("two").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_ca_disconnects_until_the_copy_is_refreshed_without_a_restart() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let api = sandbox.api("sandbox");
    let (one, two) = standard_sides(&sandbox).await;
    recipe(&sandbox, &one, &two).await;
    assert!(one.es(&sandbox).connects("two").await);

    api.rotate_transport_ca("ns-two", "cluster-two");
    assert!(one.es(&sandbox).stays_disconnected("two").await);
    assert!(two.es(&sandbox).stays_disconnected("one").await);

    let restarts = api.rolling_restarts("ns-one", "cluster-one");
    one.put_remote_certs(&two.transport_ca().await).await;
    assert!(one.es(&sandbox).connects("two").await);
    assert!(two.es(&sandbox).connects("one").await);
    assert_eq!(
        api.rolling_restarts("ns-one", "cluster-one"),
        restarts,
        "a mounted secret's data changes in place"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_certificate_authorities_config_map_trusts_without_a_restart() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let api = sandbox.api("sandbox");
    let (one, two) = standard_sides(&sandbox).await;
    trust(&two, &one).await;
    let config_maps: Api<k8s_openapi::api::core::v1::ConfigMap> =
        Api::namespaced(one.kube.clone(), "ns-one");
    let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "extra-cas", "labels": {"eck.k8s.elastic.co/watched": "true"}},
        "data": {"ca.crt": two.transport_ca().await}});
    config_maps
        .patch(
            "extra-cas",
            &PatchParams::apply("recipe"),
            &Patch::Apply(config_map),
        )
        .await
        .expect("the ConfigMap is applied");
    let restarts = api.rolling_restarts("ns-one", "cluster-one");
    one.patch(json!({"spec": {"transport": {"tls": {"certificateAuthorities": {"configMapName": "extra-cas"}}}}}))
        .await;
    let two_address = two.expose().await;
    one.es(&sandbox).connect_to("two", &two_address).await;
    assert!(one.es(&sandbox).connects("two").await);
    assert_eq!(api.rolling_restarts("ns-one", "cluster-one"), restarts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manual_recipe_connects_across_kube_contexts() {
    let sandbox = sandbox(SandboxSpec::two_contexts()).await;
    let one = Side::new(&sandbox, "sandbox-one", "ns-one", "cluster-one").await;
    let two = Side::new(&sandbox, "sandbox-two", "ns-two", "cluster-two").await;
    let (one_address, two_address) = recipe(&sandbox, &one, &two).await;
    assert_ne!(
        one_address, two_address,
        "addresses are unique sandbox-wide"
    );
    assert!(one.es(&sandbox).connects("two").await);
    assert!(two.es(&sandbox).connects("one").await);

    sandbox
        .api("sandbox-two")
        .rotate_transport_ca("ns-two", "cluster-two");
    assert!(one.es(&sandbox).stays_disconnected("two").await);
    one.put_remote_certs(&two.transport_ca().await).await;
    assert!(one.es(&sandbox).connects("two").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_port_answers_on_the_node_address() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let (one, two) = standard_sides(&sandbox).await;
    trust(&one, &two).await;
    trust(&two, &one).await;
    two.patch(json!({"spec": {"transport": {"service": {"spec": {"type": "NodePort"}}}}}))
        .await;
    let services: Api<Service> = Api::namespaced(two.kube.clone(), "ns-two");
    let service = services
        .get("cluster-two-es-transport")
        .await
        .expect("the service");
    let ports = service.spec.and_then(|spec| spec.ports).expect("ports");
    let node_port = ports[0].node_port.expect("a node port");
    let pods: Api<Pod> = Api::namespaced(two.kube.clone(), "ns-two");
    let pod = pods.get("cluster-two-es-default-0").await.expect("a pod");
    let node = pod
        .status
        .and_then(|status| status.host_ip)
        .expect("a host IP");
    assert_eq!(node, sandbox.api("sandbox").node_address());
    one.es(&sandbox)
        .connect_to("two", &format!("{node}:{node_port}"))
        .await;
    assert!(one.es(&sandbox).connects("two").await);
}
