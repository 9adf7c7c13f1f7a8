//! API-key remote clusters across two kube clusters, driven as a client would: Elasticsearch
//! over HTTP, the kube side through the API server's objects. cluster-two serves its remote
//! cluster server through ECK's `cluster-two-es-remote-cluster` load balancer; cluster-one
//! holds a cross-cluster key of cluster-two in its keystore (`spec.secureSettings`) and trusts
//! cluster-two's transport CA as a remote cluster client.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ecr_sandbox::{ElasticsearchSpec, KubeClusterSpec, Sandbox, SandboxSpec, TrustDelays};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GROUP: &str = "elasticsearch.k8s.elastic.co";
const CA_DIR: &str = "/usr/share/elasticsearch/config/remote-two";

async fn sandbox() -> Sandbox {
    sandbox_with(ecr_sandbox::DEFAULT_VERSION).await
}

/// Two kube clusters, plain HTTP; cluster-one runs `version_one`.
async fn sandbox_with(version_one: &str) -> Sandbox {
    let plain = |namespace: &str, name: &str| ElasticsearchSpec {
        http_tls: false,
        ..ElasticsearchSpec::new(namespace, name)
    };
    let one = ElasticsearchSpec {
        version: version_one.to_string(),
        ..plain("ns-one", "cluster-one")
    };
    let spec = SandboxSpec {
        kube_clusters: vec![
            KubeClusterSpec::new("one", vec![one]),
            KubeClusterSpec::new("two", vec![plain("ns-two", "cluster-two")]),
        ],
    };
    let sandbox = Sandbox::start(spec).await.expect("the sandbox starts");
    sandbox.set_trust_delays(TrustDelays::NONE);
    sandbox
}

struct Answer {
    status: u16,
    body: Value,
}

/// One plain HTTP/1.1 request to a cluster as `elastic`.
async fn es(
    sandbox: &Sandbox,
    context: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let (namespace, name) = match context {
        "one" => ("ns-one", "cluster-one"),
        _ => ("ns-two", "cluster-two"),
    };
    let endpoint = sandbox
        .elasticsearch(context, namespace, name)
        .expect("served");
    let address = endpoint.url.strip_prefix("http://").expect("plain HTTP");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("listens");
    let basic = STANDARD.encode(format!("elastic:{}", endpoint.elastic_password));
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: es\r\nAuthorization: Basic {basic}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    let status = answer[9..12].parse().expect("a status");
    let (_, body) = answer.split_once("\r\n\r\n").expect("a body");
    let body = body.trim();
    // Chunked or not, the JSON sits between the first `{` and the last `}`.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(start), Some(end)) => serde_json::from_str(&body[start..=end]).expect("JSON"),
        _ => Value::Null,
    };
    Answer { status, body: json }
}

fn resource(sandbox: &Sandbox, context: &str, namespace: &str, name: &str) -> Value {
    sandbox
        .api(context)
        .get_object(GROUP, "elasticsearches", Some(namespace), name)
        .expect("the resource")
}

fn secret(namespace: &str, name: &str, data: &[(&str, &str)]) -> Value {
    let data: serde_json::Map<String, Value> = data
        .iter()
        .map(|(key, value)| (key.to_string(), json!(STANDARD.encode(value))))
        .collect();
    json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": name, "namespace": namespace}, "data": data})
}

/// Enables cluster-two's remote cluster server behind a load balancer; its address.
async fn serve_remote_clusters(sandbox: &Sandbox) -> String {
    let two = sandbox.api("two");
    two.set_load_balancer_delay(std::time::Duration::ZERO);
    let mut es = resource(sandbox, "two", "ns-two", "cluster-two");
    es["spec"]["remoteClusterServer"] =
        json!({"enabled": true, "service": {"spec": {"type": "LoadBalancer"}}});
    two.put_object(GROUP, "elasticsearches", es);
    for _ in 0..100 {
        let service = two
            .get_object(
                "",
                "services",
                Some("ns-two"),
                "cluster-two-es-remote-cluster",
            )
            .expect("ECK made the service");
        if let Some(ip) = service["status"]["loadBalancer"]["ingress"][0]["ip"].as_str() {
            return format!("{ip}:9443");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the remote cluster service got no address");
}

/// cluster-one: the key in its keystore, cluster-two's transport CA mounted and trusted as a
/// remote cluster client.
fn install_key(sandbox: &Sandbox, encoded: &str) {
    let one = sandbox.api("one");
    let two_ca = sandbox
        .api("two")
        .get_object(
            "",
            "secrets",
            Some("ns-two"),
            "cluster-two-es-transport-certs-public",
        )
        .expect("two's public transport CA");
    let ca_pem = String::from_utf8(
        STANDARD
            .decode(two_ca["data"]["ca.crt"].as_str().expect("ca.crt"))
            .expect("base64"),
    )
    .expect("PEM");
    one.put_object(
        "",
        "secrets",
        secret("ns-one", "two-ca", &[("ca.crt", &ca_pem)]),
    );
    one.put_object(
        "",
        "secrets",
        secret(
            "ns-one",
            "remote-keys",
            &[("cluster.remote.two.credentials", encoded)],
        ),
    );
    let mut es = resource(sandbox, "one", "ns-one", "cluster-one");
    es["spec"]["secureSettings"] = json!([{"secretName": "remote-keys"}]);
    es["spec"]["nodeSets"][0]["config"] = json!({
        "xpack.security.remote_cluster_client.ssl.certificate_authorities": [format!("{CA_DIR}/ca.crt")],
    });
    es["spec"]["nodeSets"][0]["podTemplate"] = json!({"spec": {
        "volumes": [{"name": "remote-two", "secret": {"secretName": "two-ca"}}],
        "containers": [{"name": "elasticsearch",
            "volumeMounts": [{"name": "remote-two", "mountPath": CA_DIR, "readOnly": true}]}],
    }});
    one.put_object(GROUP, "elasticsearches", es);
}

async fn link(sandbox: &Sandbox, address: &str, server_name: Option<&str>) -> Answer {
    let settings = json!({"persistent": {"cluster.remote.two": {
        "mode": "proxy", "proxy_address": address, "server_name": server_name,
        "skip_unavailable": false,
    }}});
    es(sandbox, "one", "PUT", "/_cluster/settings", Some(settings)).await
}

const SERVER_NAME: &str = "cluster-two-es-remote-cluster.ns-two.svc";

async fn create_key(sandbox: &Sandbox) -> Value {
    let body = json!({"name": "one-to-two", "access": {"search": [{"names": ["logs-*"]}]}});
    let created = es(
        sandbox,
        "two",
        "POST",
        "/_security/cross_cluster/api_key",
        Some(body),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    created.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_link_searches_what_the_key_grants_until_it_is_invalidated() {
    let sandbox = sandbox().await;
    let address = serve_remote_clusters(&sandbox).await;
    let started = es(
        &sandbox,
        "two",
        "POST",
        "/_license/start_trial?acknowledge=true",
        None,
    )
    .await;
    assert_eq!(started.body["trial_was_started"], true);
    // cluster-one restarts with the key: only ECK's trial outlives that.
    sandbox.api("one").start_eck_trial().expect("ECK's trial");
    let key = create_key(&sandbox).await;
    install_key(&sandbox, key["encoded"].as_str().expect("encoded"));
    assert_eq!(
        link(&sandbox, &address, Some(SERVER_NAME)).await.status,
        200
    );

    let info = es(&sandbox, "one", "GET", "/_remote/info", None).await;
    assert_eq!(info.body["two"]["cluster_credentials"], "::es_redacted::");
    let search = es(&sandbox, "one", "GET", "/two:logs-*/_search", None).await;
    assert_eq!(search.status, 200, "{}", search.body);
    assert_eq!(search.body["_clusters"]["successful"], 1);
    let secret = key["api_key"].as_str().expect("the secret");
    assert!(!info.body.to_string().contains(secret), "never shown again");

    let outside = es(&sandbox, "one", "GET", "/two:secrets/_search", None).await;
    assert_eq!(outside.status, 403, "{}", outside.body);

    let id = key["id"].as_str().expect("id");
    let invalidate = json!({"ids": [id]});
    es(
        &sandbox,
        "two",
        "DELETE",
        "/_security/api_key",
        Some(invalidate),
    )
    .await;
    let refused = es(&sandbox, "one", "GET", "/two:logs-*/_search", None).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(
        refused.body["error"]["additional_unsuccessful_credentials"],
        format!("API key: api key [{id}] has been invalidated")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_link_fails_as_elasticsearch_fails_it() {
    let sandbox = sandbox().await;
    let address = serve_remote_clusters(&sandbox).await;
    sandbox.start_eck_trial().expect("ECK's trial");
    let key = create_key(&sandbox).await;
    install_key(&sandbox, key["encoded"].as_str().expect("encoded"));

    // Elasticsearch checks host names on this layer by default: an IP is not in the certificate.
    link(&sandbox, &address, None).await;
    let unverified = es(&sandbox, "one", "GET", "/two:logs-*/_search", None).await;
    let host = address.split(':').next().expect("a host");
    assert!(
        unverified.body.to_string().contains(&format!(
            "No subject alternative names matching IP address {host} found"
        )),
        "{}",
        unverified.body
    );

    // Nothing listens on 9443 once the server is disabled; ECK deletes its service.
    let two = sandbox.api("two");
    let mut es_two = resource(&sandbox, "two", "ns-two", "cluster-two");
    es_two["spec"]["remoteClusterServer"]["enabled"] = json!(false);
    two.put_object(GROUP, "elasticsearches", es_two);
    assert!(
        two.get_object(
            "",
            "services",
            Some("ns-two"),
            "cluster-two-es-remote-cluster"
        )
        .is_none()
    );
    link(&sandbox, &address, Some(SERVER_NAME)).await;
    let refused = es(&sandbox, "one", "GET", "/two:logs-*/_search", None).await;
    assert!(
        refused.body.to_string().contains("Connection refused"),
        "{}",
        refused.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_license_and_keys_outlive_restarts_and_a_secret_change_rolls_the_pods() {
    let sandbox = sandbox().await;
    serve_remote_clusters(&sandbox).await;
    let two = sandbox.api("two");
    // Enabling the remote cluster server rolled the pods once.
    assert_eq!(two.rolling_restarts("ns-two", "cluster-two"), 1);
    sandbox.start_eck_trial().expect("ECK's trial");
    let key = create_key(&sandbox).await;
    let mut es_two = resource(&sandbox, "two", "ns-two", "cluster-two");
    es_two["spec"]["nodeSets"][0]["config"] = json!({"node.attr.zone": "a"});
    two.put_object(GROUP, "elasticsearches", es_two);
    assert_eq!(two.rolling_restarts("ns-two", "cluster-two"), 2);
    let license = es(&sandbox, "two", "GET", "/_license", None).await;
    assert_eq!(license.body["license"]["type"], "trial");
    let id = key["id"].as_str().expect("id");
    let keys = es(
        &sandbox,
        "two",
        "GET",
        &format!("/_security/api_key?id={id}"),
        None,
    )
    .await;
    assert_eq!(keys.body["api_keys"][0]["name"], "one-to-two");

    // Changing only the service's template rolls nothing.
    let mut es_two = resource(&sandbox, "two", "ns-two", "cluster-two");
    es_two["spec"]["remoteClusterServer"]["service"]["metadata"] =
        json!({"annotations": {"a": "b"}});
    two.put_object(GROUP, "elasticsearches", es_two);
    assert_eq!(two.rolling_restarts("ns-two", "cluster-two"), 2);

    let one = sandbox.api("one");
    install_key(&sandbox, key["encoded"].as_str().expect("encoded"));
    let aggregated = one
        .get_object(
            "",
            "secrets",
            Some("ns-one"),
            "cluster-one-es-secure-settings",
        )
        .expect("ECK aggregates the secure settings");
    assert!(aggregated["data"]["cluster.remote.two.credentials"].is_string());
    let after_install = one.rolling_restarts("ns-one", "cluster-one");
    one.put_object(
        "",
        "secrets",
        secret(
            "ns-one",
            "remote-keys",
            &[("cluster.remote.two.credentials", "other")],
        ),
    );
    assert_eq!(
        one.rolling_restarts("ns-one", "cluster-one"),
        after_install + 1
    );
    let reload = es(
        &sandbox,
        "one",
        "POST",
        "/_nodes/reload_secure_settings",
        None,
    )
    .await;
    assert_eq!(reload.body["_nodes"]["successful"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_licenses_must_allow_api_key_links_and_the_transport_port_is_the_wrong_one() {
    let sandbox = sandbox().await;
    let address = serve_remote_clusters(&sandbox).await;
    let refused = es(
        &sandbox,
        "two",
        "POST",
        "/_security/cross_cluster/api_key",
        Some(json!({"name": "k", "access": {"search": [{"names": ["*"]}]}})),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.body["error"]["reason"],
        "current license is non-compliant for [advanced-remote-cluster-security]"
    );
    // The trial of cluster-two's operator licenses only its own clusters.
    sandbox.api("two").start_eck_trial().expect("ECK's trial");
    let key = create_key(&sandbox).await;
    install_key(&sandbox, key["encoded"].as_str().expect("encoded"));
    link(&sandbox, &address, Some(SERVER_NAME)).await;
    // cluster-one is still on basic: it refuses to send.
    let local = es(&sandbox, "one", "GET", "/two:logs-*/_search", None).await;
    assert_eq!(local.status, 403, "{}", local.body);
    assert_eq!(
        local.body["error"]["license.expired.feature"],
        "advanced-remote-cluster-security"
    );
    sandbox.api("one").start_eck_trial().expect("ECK's trial");
    let searched = es(&sandbox, "one", "GET", "/two:logs-*/_search", None).await;
    assert_eq!(searched.status, 200, "{}", searched.body);

    // The transport service as a load balancer: 9300 is not the remote cluster port.
    let two = sandbox.api("two");
    let mut es_two = resource(&sandbox, "two", "ns-two", "cluster-two");
    es_two["spec"]["transport"] = json!({"service": {"spec": {"type": "LoadBalancer"}}});
    two.put_object(GROUP, "elasticsearches", es_two);
    let mut transport = None;
    for _ in 0..100 {
        let service = two
            .get_object("", "services", Some("ns-two"), "cluster-two-es-transport")
            .expect("the transport service");
        transport = service["status"]["loadBalancer"]["ingress"][0]["ip"]
            .as_str()
            .map(|ip| format!("{ip}:9300"));
        if transport.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    link(&sandbox, &transport.expect("an address"), Some(SERVER_NAME)).await;
    let wrong_port = es(&sandbox, "one", "GET", "/two:logs-*/_search", None).await;
    assert!(
        wrong_port.body.to_string().contains(
            "remote cluster handshake action requires channel profile to be [_remote_cluster], \
             but got [default]"
        ),
        "{}",
        wrong_port.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_keeps_the_keystore_it_started_with_until_ecks_roll_restarts_it() {
    let sandbox = sandbox().await;
    let address = serve_remote_clusters(&sandbox).await;
    sandbox.start_eck_trial().expect("ECK's trial");
    let key = create_key(&sandbox).await;
    install_key(&sandbox, key["encoded"].as_str().expect("encoded"));
    link(&sandbox, &address, Some(SERVER_NAME)).await;
    let search = || es(&sandbox, "one", "GET", "/two:logs-*/_search", None);
    assert_eq!(search().await.status, 200);

    let restart = std::time::Duration::from_millis(300);
    sandbox.set_trust_delays(TrustDelays {
        pod_restart: restart,
        ..TrustDelays::NONE
    });
    let one = sandbox.api("one");
    let wrong = STANDARD.encode("unknown-id:secret");
    one.put_object(
        "",
        "secrets",
        secret(
            "ns-one",
            "remote-keys",
            &[("cluster.remote.two.credentials", &wrong)],
        ),
    );
    // A reload rereads the keystore built at start: nothing changes before the restart.
    es(
        &sandbox,
        "one",
        "POST",
        "/_nodes/reload_secure_settings",
        None,
    )
    .await;
    assert_eq!(
        search().await.status,
        200,
        "the old keystore is still in force"
    );

    tokio::time::sleep(restart * 4).await;
    let refused = search().await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(
        refused.body["error"]["additional_unsuccessful_credentials"],
        "API key: unable to find apikey with id unknown-id"
    );

    // A secret that does not exist is skipped: no keystore entry, no error, no roll.
    let restarts = one.rolling_restarts("ns-one", "cluster-one");
    let mut es_one = resource(&sandbox, "one", "ns-one", "cluster-one");
    es_one["spec"]["secureSettings"] =
        json!([{"secretName": "remote-keys"}, {"secretName": "nope"}]);
    one.put_object(GROUP, "elasticsearches", es_one);
    assert_eq!(one.rolling_restarts("ns-one", "cluster-one"), restarts);
    let status = resource(&sandbox, "one", "ns-one", "cluster-one")["status"]["phase"].clone();
    assert_eq!(status, "Ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_based_secure_settings_reach_running_nodes_without_a_roll() {
    let sandbox = sandbox_with("9.5.0").await;
    let address = serve_remote_clusters(&sandbox).await;
    sandbox.start_eck_trial().expect("ECK's trial");
    let key = create_key(&sandbox).await;
    install_key(&sandbox, key["encoded"].as_str().expect("encoded"));
    let one = sandbox.api("one");
    let mut es_one = resource(&sandbox, "one", "ns-one", "cluster-one");
    es_one["metadata"]["annotations"] =
        json!({"eck.k8s.elastic.co/file-based-secure-settings": "true"});
    one.put_object(GROUP, "elasticsearches", es_one);
    assert!(
        one.get_object(
            "",
            "secrets",
            Some("ns-one"),
            "cluster-one-es-secure-settings"
        )
        .is_none(),
        "no keystore to build"
    );
    link(&sandbox, &address, Some(SERVER_NAME)).await;
    let search = || es(&sandbox, "one", "GET", "/two:logs-*/_search", None);
    assert_eq!(search().await.status, 200);

    let restarts = one.rolling_restarts("ns-one", "cluster-one");
    let wrong = STANDARD.encode("unknown-id:secret");
    one.put_object(
        "",
        "secrets",
        secret(
            "ns-one",
            "remote-keys",
            &[("cluster.remote.two.credentials", &wrong)],
        ),
    );
    assert_eq!(one.rolling_restarts("ns-one", "cluster-one"), restarts);
    assert_eq!(search().await.status, 401, "reloaded without a restart");
}
