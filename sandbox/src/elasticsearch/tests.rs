//! Router tests: requests sent through the axum router (no TLS), against two clusters on a
//! fake topology whose exposure and trust each test sets.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::world::lock;
use super::*;

const PASSWORD: &str = "s3cret";
const ONE_TRANSPORT: &str = "10.0.0.1:9300";
const TWO_TRANSPORT: &str = "10.0.0.2:9300";

#[derive(Default)]
struct FakeTopology {
    transports: Mutex<HashMap<String, ClusterId>>,
    trust: Mutex<HashSet<(ClusterId, ClusterId)>>,
}

impl FakeTopology {
    fn expose(&self, address: &str, cluster: &ClusterId) {
        lock(&self.transports).insert(address.to_owned(), cluster.clone());
    }

    fn trust(&self, cluster: &ClusterId, other: &ClusterId) {
        lock(&self.trust).insert((cluster.clone(), other.clone()));
    }

    fn distrust(&self, cluster: &ClusterId, other: &ClusterId) {
        lock(&self.trust).remove(&(cluster.clone(), other.clone()));
    }
}

impl Topology for FakeTopology {
    fn transport_at(&self, address: &str) -> Option<ClusterId> {
        lock(&self.transports).get(address).cloned()
    }

    fn trusts(&self, cluster: &ClusterId, other: &ClusterId) -> bool {
        cluster == other || lock(&self.trust).contains(&(cluster.clone(), other.clone()))
    }

    fn cluster_name(&self, cluster: &ClusterId) -> String {
        cluster.name.clone()
    }
}

fn cluster_id(name: &str, namespace: &str) -> ClusterId {
    ClusterId {
        context: "sandbox".into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

/// Two clusters, `cluster-one` (tested) and `cluster-two` (its remote), both exposed,
/// trusting nothing but themselves.
struct Sandbox {
    topology: Arc<FakeTopology>,
    one: Elasticsearch,
    one_id: ClusterId,
    two_id: ClusterId,
}

impl Sandbox {
    fn new(version: &str) -> Self {
        let topology = Arc::new(FakeTopology::default());
        let one_id = cluster_id("cluster-one", "ns-one");
        let two_id = cluster_id("cluster-two", "ns-two");
        topology.expose(ONE_TRANSPORT, &one_id);
        topology.expose(TWO_TRANSPORT, &two_id);
        let one = Elasticsearch::new(
            ElasticsearchConfig::new(one_id.clone(), version, PASSWORD),
            topology.clone(),
        );
        Sandbox {
            topology,
            one,
            one_id,
            two_id,
        }
    }

    fn trust_both_ways(&self) {
        self.topology.trust(&self.one_id, &self.two_id);
        self.topology.trust(&self.two_id, &self.one_id);
    }

    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .one
            .router()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let body = match bytes.is_empty() {
            true => Value::Null,
            false => serde_json::from_slice(&bytes).expect("JSON body"),
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, uri: &str) -> Answer {
        self.send(request(Method::GET, uri, None)).await
    }

    async fn put(&self, uri: &str, body: Value) -> Answer {
        self.send(request(Method::PUT, uri, Some(body))).await
    }

    async fn connect_two(&self, extra: Value) -> Answer {
        let mut remote = json!({"mode": "proxy", "proxy_address": TWO_TRANSPORT});
        if let (Some(remote), Value::Object(extra)) = (remote.as_object_mut(), extra) {
            remote.extend(extra);
        }
        self.put(
            "/_cluster/settings",
            json!({"persistent": {"cluster": {"remote": {"two": remote}}}}),
        )
        .await
    }

    async fn remote_two(&self) -> Value {
        self.get("/_remote/info").await.body["two"].clone()
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

fn basic(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

fn request(method: Method, uri: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD));
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("request")
}

fn assert_error(answer: &Answer, status: u16, error_type: &str, reason: &str) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    assert_eq!(answer.body["status"], status);
    assert_eq!(answer.body["error"]["type"], error_type, "{}", answer.body);
    assert_eq!(answer.body["error"]["reason"], reason);
    assert_eq!(answer.body["error"]["root_cause"][0]["type"], error_type);
}

#[tokio::test]
async fn refuses_requests_without_the_elastic_password() {
    let sandbox = Sandbox::new("8.15.3");
    let anonymous = Request::get("/_cluster/settings?flat_settings=true")
        .body(Body::empty())
        .expect("request");
    let answer = sandbox.send(anonymous).await;
    assert_error(
        &answer,
        401,
        "security_exception",
        "missing authentication credentials for REST request [/_cluster/settings?flat_settings=true]",
    );
    let challenges: Vec<_> = answer
        .headers
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .collect();
    assert_eq!(
        challenges,
        ["Basic realm=\"security\" charset=\"UTF-8\"", "ApiKey"]
    );
    assert!(answer.headers.get("x-elastic-product").is_none());

    let wrong = Request::get("/")
        .header(header::AUTHORIZATION, basic("elastic", "guess"))
        .body(Body::empty())
        .expect("request");
    assert_error(
        &sandbox.send(wrong).await,
        401,
        "security_exception",
        "unable to authenticate user [elastic] for REST request [/]",
    );

    let answer = sandbox.get("/").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["x-elastic-product"], "Elasticsearch");
}

#[tokio::test]
async fn records_every_request_without_credentials() {
    let sandbox = Sandbox::new("8.15.3");
    sandbox.get("/_remote/info").await;
    sandbox
        .send(Request::get("/").body(Body::empty()).expect("request"))
        .await;
    let records = sandbox.one.requests();
    assert_eq!(
        records,
        [
            RequestRecord {
                method: "GET".into(),
                path: "/_remote/info".into(),
                status: 200
            },
            RequestRecord {
                method: "GET".into(),
                path: "/".into(),
                status: 401
            },
        ]
    );
    let config = ElasticsearchConfig::new(sandbox.one_id.clone(), "8.15.3", PASSWORD);
    assert!(!format!("{config:?}").contains(PASSWORD));
}

#[tokio::test]
async fn describes_itself() {
    let sandbox = Sandbox::new("8.15.3");
    let root = sandbox.get("/").await.body;
    assert_eq!(root["cluster_name"], "cluster-one");
    assert_eq!(root["name"], "cluster-one-es-default-0");
    assert_eq!(root["version"]["number"], "8.15.3");
    assert_eq!(root["version"]["build_flavor"], "default");
    assert_eq!(root["tagline"], "You Know, for Search");
    assert_eq!(root["cluster_uuid"].as_str().map(str::len), Some(22));
    assert_eq!(
        sandbox.get("/").await.body["cluster_uuid"],
        root["cluster_uuid"]
    );

    let license = sandbox.get("/_license").await.body;
    assert_eq!(license["license"]["type"], "basic");
    assert_eq!(license["license"]["status"], "active");

    let health = sandbox.get("/_cluster/health").await.body;
    assert_eq!(health["status"], "green");
    assert_eq!(health["number_of_nodes"], 3);
}

#[tokio::test]
async fn stores_settings_and_echoes_them_nested_or_flat() {
    let sandbox = Sandbox::new("8.15.3");
    let answer = sandbox
        .put(
            "/_cluster/settings",
            json!({"persistent": {
                "cluster.remote.two.mode": "proxy",
                "cluster.remote.two": {"proxy_address": TWO_TRANSPORT, "skip_unavailable": false},
                "cluster.remote.two.proxy_socket_connections": 18,
                "cluster.routing.allocation.enable": "primaries"}}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.body,
        json!({"acknowledged": true, "transient": {}, "persistent": {
            "cluster": {
                "remote": {"two": {"mode": "proxy", "proxy_address": TWO_TRANSPORT,
                    "skip_unavailable": "false", "proxy_socket_connections": "18"}},
                "routing": {"allocation": {"enable": "primaries"}}}}})
    );
    let flat = sandbox
        .get("/_cluster/settings?flat_settings=true")
        .await
        .body;
    assert_eq!(
        flat["persistent"]["cluster.remote.two.skip_unavailable"],
        "false"
    );
    assert_eq!(flat["transient"], json!({}));
    assert_eq!(sandbox.one.persistent_settings(), flat["persistent"]);

    let nested = sandbox.get("/_cluster/settings").await.body;
    assert_eq!(
        nested["persistent"]["cluster"]["remote"]["two"]["mode"],
        "proxy"
    );

    let removed = sandbox
        .put(
            "/_cluster/settings",
            json!({"persistent": {"cluster.remote.two.*": null}}),
        )
        .await;
    assert_eq!(removed.body["persistent"], json!({}));
    assert_eq!(
        sandbox.one.persistent_settings(),
        json!({"cluster.routing.allocation.enable": "primaries"})
    );
}

#[tokio::test]
async fn include_defaults_lists_unset_defaults() {
    let sandbox = Sandbox::new("8.15.3");
    let answer = sandbox
        .get("/_cluster/settings?include_defaults=true&flat_settings=true")
        .await;
    assert_eq!(
        answer.body["defaults"]["cluster.remote.initial_connect_timeout"],
        "30s"
    );
}

#[tokio::test]
async fn refuses_invalid_settings_with_elasticsearch_errors() {
    let sandbox = Sandbox::new("8.15.3");
    let cases = [
        (
            json!({"persistent": {"x.y.z": "1"}}),
            "persistent setting [x.y.z], not recognized",
        ),
        (
            json!({"persistent": {"cluster.remote.two": {"mode": "proxy", "seeds": ["h:9300"]}}}),
            "Setting \"cluster.remote.two.seeds\" cannot be used with the configured \"cluster.remote.two.mode\" [required=SNIFF, configured=PROXY]",
        ),
        (
            json!({"persistent": {"cluster.remote.two": {"mode": "proxy", "proxy_address": "nohost"}}}),
            "remote hosts need to be configured as [host:port], found [nohost] instead",
        ),
        (
            json!({"transient": {"cluster.remote.two": {"mode": "proxy", "skip_unavailable": true}}}),
            "Cannot configure setting [cluster.remote.two.skip_unavailable] if remote cluster is not enabled.",
        ),
    ];
    for (body, reason) in cases {
        let answer = sandbox.put("/_cluster/settings", body).await;
        assert_error(&answer, 400, "illegal_argument_exception", reason);
    }
    assert_eq!(sandbox.one.persistent_settings(), json!({}));
}

#[tokio::test]
async fn refuses_requests_elasticsearch_refuses() {
    let sandbox = Sandbox::new("8.15.3");
    let no_handler = sandbox.get("/_nope?x=1").await;
    assert_eq!(no_handler.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        no_handler.body,
        json!({"error": "no handler found for uri [/_nope?x=1] and method [GET]"})
    );

    let wrong_method = sandbox
        .send(request(Method::DELETE, "/_remote/info", None))
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    let message = wrong_method.body["error"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "Incorrect HTTP method for uri [/_remote/info] and method [DELETE], allowed: ["
        ),
        "{message}"
    );
    assert_eq!(wrong_method.body["status"], 405);

    let unknown_parameter = sandbox.get("/_cluster/settings?flat=true").await;
    assert_error(
        &unknown_parameter,
        400,
        "illegal_argument_exception",
        "request [/_cluster/settings] contains unrecognized parameter: [flat]",
    );

    let plain_text = Request::put("/_cluster/settings")
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD))
        .body(Body::from("{}"))
        .expect("request");
    let answer = sandbox.send(plain_text).await;
    assert_eq!(answer.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(
        answer.body,
        json!({"error": "Content-Type header is missing", "status": 406})
    );
}

#[tokio::test(start_paused = true)]
async fn a_proxy_link_connects_only_with_an_address_and_mutual_trust_after_a_while() {
    let sandbox = Sandbox::new("8.15.3");
    let answer = sandbox
        .put(
            "/_cluster/settings",
            json!({"persistent": {"cluster.remote.two": {"mode": "proxy", "proxy_address": "10.9.9.9:9300"}}}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        sandbox.remote_two().await["connected"],
        false,
        "nothing listens there"
    );

    sandbox.connect_two(json!({})).await;
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        sandbox.remote_two().await["connected"],
        false,
        "no trust yet"
    );

    sandbox.topology.trust(&sandbox.one_id, &sandbox.two_id);
    assert_eq!(
        sandbox.remote_two().await["connected"],
        false,
        "one-way trust"
    );

    sandbox.topology.trust(&sandbox.two_id, &sandbox.one_id);
    tokio::time::advance(Duration::from_secs(60)).await;
    assert_eq!(
        sandbox.remote_two().await["connected"],
        false,
        "the attempts failed, and Elasticsearch does not retry by itself"
    );

    let resolved = sandbox.get("/_resolve/cluster/two:*").await;
    assert_eq!(
        resolved.body["two"]["connected"], false,
        "a cross-cluster request finds it disconnected, and reconnects in the background"
    );
    let connecting = sandbox.remote_two().await;
    assert_eq!(connecting["connected"], false, "connecting takes a while");
    assert_eq!(connecting["num_proxy_sockets_connected"], 0);

    tokio::time::advance(ElasticsearchConfig::DEFAULT_CONNECT_DELAY).await;
    assert_eq!(
        sandbox.remote_two().await,
        json!({
            "connected": true,
            "mode": "proxy",
            "proxy_address": TWO_TRANSPORT,
            "server_name": "",
            "num_proxy_sockets_connected": 18,
            "max_proxy_socket_connections": 18,
            "initial_connect_timeout": "30s",
            "skip_unavailable": true,
        })
    );

    sandbox.topology.distrust(&sandbox.two_id, &sandbox.one_id);
    assert_eq!(
        sandbox.remote_two().await["connected"],
        false,
        "trust withdrawn"
    );
}

#[tokio::test(start_paused = true)]
async fn changed_settings_reconnect_and_transient_settings_win() {
    let sandbox = Sandbox::new("8.15.3");
    sandbox.trust_both_ways();
    sandbox.connect_two(json!({})).await;
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(sandbox.remote_two().await["connected"], true);

    let answer = sandbox
        .put(
            "/_cluster/settings",
            json!({"transient": {"cluster.remote.two": {
                "mode": "proxy", "proxy_address": TWO_TRANSPORT, "proxy_socket_connections": 6}}}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let reconnecting = sandbox.remote_two().await;
    assert_eq!(reconnecting["connected"], false);
    assert_eq!(reconnecting["max_proxy_socket_connections"], 6);
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(sandbox.remote_two().await["num_proxy_sockets_connected"], 6);
}

#[tokio::test(start_paused = true)]
async fn sniff_links_never_cross_clusters() {
    let sandbox = Sandbox::new("8.14.3");
    sandbox.trust_both_ways();
    sandbox
        .put(
            "/_cluster/settings",
            json!({"persistent": {"cluster.remote.two.seeds": [TWO_TRANSPORT]}}),
        )
        .await;
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        sandbox.remote_two().await,
        json!({
            "connected": false,
            "mode": "sniff",
            "seeds": [TWO_TRANSPORT],
            "num_nodes_connected": 0,
            "max_connections_per_cluster": 3,
            "initial_connect_timeout": "30s",
            "skip_unavailable": false,
        })
    );
}

#[tokio::test(start_paused = true)]
async fn resolve_cluster_reports_each_link() {
    let sandbox = Sandbox::new("8.15.3");
    sandbox
        .connect_two(json!({"skip_unavailable": false}))
        .await;
    assert_eq!(
        sandbox.get("/_resolve/cluster/two:*").await.body,
        json!({"two": {"connected": false, "skip_unavailable": false}})
    );

    sandbox.trust_both_ways();
    sandbox.get("/_resolve/cluster/two:*").await;
    tokio::time::advance(Duration::from_secs(1)).await;
    let resolved = sandbox.get("/_resolve/cluster/two:*,local-*").await.body;
    assert_eq!(resolved["two"]["connected"], true);
    assert_eq!(resolved["two"]["matching_indices"], false);
    assert_eq!(resolved["two"]["version"]["number"], "8.15.3");
    assert_eq!(resolved["(local)"]["connected"], true);

    assert_error(
        &sandbox.get("/_resolve/cluster/three:*").await,
        404,
        "no_such_remote_cluster_exception",
        "no such remote cluster: [three]",
    );
}

#[tokio::test(start_paused = true)]
async fn search_proves_the_link_or_says_why_not() {
    let sandbox = Sandbox::new("8.15.3");
    sandbox
        .connect_two(json!({"skip_unavailable": false}))
        .await;
    sandbox.topology.trust(&sandbox.two_id, &sandbox.one_id);
    let untrusted = sandbox.get("/two:*/_search?size=0").await;
    assert_error(
        &untrusted,
        500,
        "connect_transport_exception",
        "[][10.0.0.2:9300] general node connection failure",
    );
    let cause = untrusted.body["error"]["caused_by"]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(cause.starts_with("PKIX path building failed"), "{cause}");

    sandbox.topology.trust(&sandbox.one_id, &sandbox.two_id);
    let searched = sandbox.get("/two:*/_search?size=0").await;
    assert_eq!(
        searched.status,
        StatusCode::OK,
        "waits for the connection: {}",
        searched.body
    );
    assert_eq!(searched.body["hits"]["total"]["value"], 0);
    assert_eq!(searched.body["_clusters"]["total"], 1);
    assert_eq!(searched.body["_clusters"]["successful"], 1);
    assert_eq!(
        searched.body["_clusters"]["details"]["two"]["status"],
        "successful"
    );
}

#[tokio::test]
async fn search_skips_an_unavailable_remote_when_allowed() {
    let sandbox = Sandbox::new("8.15.3");
    sandbox
        .connect_two(json!({"proxy_address": "10.9.9.9:9300"}))
        .await;
    let answer = sandbox.get("/two:*/_search?size=0").await;
    assert_eq!(answer.status, StatusCode::OK);
    let clusters = &answer.body["_clusters"];
    assert_eq!(clusters["skipped"], 1);
    assert_eq!(clusters["details"]["two"]["status"], "skipped");
    assert_eq!(
        clusters["details"]["two"]["failures"][0]["reason"]["caused_by"]["reason"],
        "Connection refused: 10.9.9.9:9300"
    );
}

#[tokio::test]
async fn injected_faults_answer_the_next_authenticated_requests() {
    let sandbox = Sandbox::new("8.15.3");
    sandbox.one.inject_fault(2, 503);
    sandbox
        .send(Request::get("/").body(Body::empty()).expect("request"))
        .await;
    for _ in 0..2 {
        assert_error(
            &sandbox.get("/_remote/info").await,
            503,
            "cluster_block_exception",
            "blocked by: [SERVICE_UNAVAILABLE/2/no master];",
        );
    }
    assert_eq!(sandbox.get("/_remote/info").await.status, StatusCode::OK);
    let statuses: Vec<u16> = sandbox
        .one
        .requests()
        .iter()
        .map(|record| record.status)
        .collect();
    assert_eq!(statuses, [401, 503, 503, 200]);
}

#[tokio::test]
async fn resolve_cluster_takes_a_timeout_from_8_18() {
    for (version, known) in [("8.17.0", false), ("8.18.0", true), ("9.0.0", true)] {
        let sandbox = Sandbox::new(version);
        sandbox.trust_both_ways();
        sandbox.connect_two(json!({})).await;
        let answer = sandbox.get("/_resolve/cluster/two:*?timeout=5s").await;
        match known {
            true => assert_eq!(answer.status, StatusCode::OK, "{version}: {}", answer.body),
            false => assert_error(
                &answer,
                400,
                "illegal_argument_exception",
                "request [/_resolve/cluster/two:*] contains unrecognized parameter: [timeout]",
            ),
        }
    }
    let old = Sandbox::new("8.12.2").get("/_resolve/cluster/two:*").await;
    assert_eq!(
        old.status,
        StatusCode::BAD_REQUEST,
        "no such endpoint before 8.13"
    );
}

#[tokio::test]
async fn a_settings_update_can_be_committed_without_acknowledgement() {
    let sandbox = Sandbox::new("8.15.3");
    sandbox.one.answer_unacknowledged(1);
    let answer = sandbox.connect_two(json!({})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["acknowledged"], false);
    assert_eq!(
        sandbox.one.persistent_settings()["cluster.remote.two.proxy_address"],
        TWO_TRANSPORT,
        "committed all the same"
    );
    let again = sandbox
        .connect_two(json!({"skip_unavailable": false}))
        .await;
    assert_eq!(again.body["acknowledged"], true);
}

async fn post(sandbox: &Sandbox, uri: &str, body: Option<Value>) -> Answer {
    sandbox.send(request(Method::POST, uri, body)).await
}

#[tokio::test]
async fn a_trial_starts_once_when_acknowledged_and_stays() {
    let sandbox = Sandbox::new("9.1.0");
    assert_eq!(
        sandbox.get("/_license").await.body["license"]["type"],
        "basic"
    );
    let unacknowledged = post(&sandbox, "/_license/start_trial", None).await;
    assert_eq!(unacknowledged.status, StatusCode::OK);
    assert_eq!(unacknowledged.body["trial_was_started"], false);
    assert_eq!(
        unacknowledged.body["error_message"],
        "Operation failed: Needs acknowledgement."
    );
    let started = post(&sandbox, "/_license/start_trial?acknowledge=true", None).await;
    assert_eq!(
        started.body,
        json!({"acknowledged": true, "trial_was_started": true, "type": "trial"})
    );
    let again = post(&sandbox, "/_license/start_trial?acknowledge=true", None).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert_eq!(
        again.body["error_message"],
        "Operation failed: Trial was already activated."
    );
    let license = sandbox.get("/_license").await.body;
    assert_eq!(license["license"]["type"], "trial");
    assert!(license["license"]["expiry_date_in_millis"].is_u64());
}

const KEY_BODY: &str = r#"{"name": "link", "access": {"search": [{"names": ["logs-*"]}]}}"#;

#[tokio::test]
async fn cross_cluster_keys_need_an_enterprise_license() {
    let sandbox = Sandbox::new("9.1.0");
    let body: Value = serde_json::from_str(KEY_BODY).expect("JSON");
    let refused = post(
        &sandbox,
        "/_security/cross_cluster/api_key",
        Some(body.clone()),
    )
    .await;
    assert_error(
        &refused,
        403,
        "security_exception",
        "current license is non-compliant for [advanced-remote-cluster-security]",
    );
    assert_eq!(
        refused.body["error"]["license.expired.feature"],
        "advanced-remote-cluster-security"
    );
    sandbox.one.start_trial();
    let created = post(&sandbox, "/_security/cross_cluster/api_key", Some(body)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let (id, secret) = (&created.body["id"], &created.body["api_key"]);
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        id.as_str().expect("id"),
        secret.as_str().expect("secret")
    ));
    assert_eq!(created.body["encoded"], encoded);
    assert_eq!(created.body["name"], "link");
}

#[tokio::test]
async fn keys_are_listed_updated_and_invalidated_without_their_secret() {
    let sandbox = Sandbox::new("9.1.0");
    sandbox.one.start_trial();
    let body: Value = serde_json::from_str(KEY_BODY).expect("JSON");
    let created = post(&sandbox, "/_security/cross_cluster/api_key", Some(body)).await;
    let id = created.body["id"].as_str().expect("id").to_owned();
    let secret = created.body["api_key"].as_str().expect("secret").to_owned();
    let listed = sandbox.get(&format!("/_security/api_key?id={id}")).await;
    let key = &listed.body["api_keys"][0];
    assert_eq!(key["type"], "cross_cluster");
    assert_eq!(
        key["access"],
        json!({"search": [{"names": ["logs-*"], "allow_restricted_indices": false}]})
    );
    assert!(!listed.body.to_string().contains(&secret));
    let by_name = sandbox.get("/_security/api_key?name=li*").await;
    assert_eq!(by_name.body["api_keys"].as_array().map(Vec::len), Some(1));
    let unknown = sandbox.get("/_security/api_key?id=nope").await;
    assert_eq!(unknown.body, json!({"api_keys": []}));
    let updated = sandbox
        .put(
            &format!("/_security/cross_cluster/api_key/{id}"),
            json!({"metadata": {"purpose": "demo"}}),
        )
        .await;
    assert_eq!(updated.body, json!({"updated": true}));
    let invalidate = || {
        sandbox.send(request(
            Method::DELETE,
            "/_security/api_key",
            Some(json!({"ids": [id]})),
        ))
    };
    assert_eq!(invalidate().await.body["invalidated_api_keys"], json!([id]));
    let again = invalidate().await;
    assert_eq!(again.body["invalidated_api_keys"], json!([]));
    assert_eq!(again.body["error_count"], 0);
    let active = sandbox
        .get(&format!("/_security/api_key?id={id}&active_only=true"))
        .await;
    assert_eq!(active.body, json!({"api_keys": []}));
    let refused = sandbox
        .put(
            &format!("/_security/cross_cluster/api_key/{id}"),
            json!({"metadata": {}}),
        )
        .await;
    assert_error(
        &refused,
        400,
        "illegal_argument_exception",
        &format!("cannot update invalidated API key [{id}]"),
    );
}

#[tokio::test]
async fn a_cross_cluster_key_cannot_authenticate_a_rest_request() {
    let sandbox = Sandbox::new("9.1.0");
    sandbox.one.start_trial();
    let body: Value = serde_json::from_str(KEY_BODY).expect("JSON");
    let created = post(&sandbox, "/_security/cross_cluster/api_key", Some(body)).await;
    let encoded = created.body["encoded"].as_str().expect("encoded");
    let request = Request::get("/_license")
        .header(header::AUTHORIZATION, format!("ApiKey {encoded}"))
        .body(Body::empty())
        .expect("request");
    let refused = sandbox.send(request).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let id = created.body["id"].as_str().expect("id");
    assert_eq!(
        refused.body["error"]["additional_unsuccessful_credentials"],
        format!(
            "API key: authentication expected API key type of [rest], but API key [{id}] has \
             type [cross_cluster]"
        )
    );
}
