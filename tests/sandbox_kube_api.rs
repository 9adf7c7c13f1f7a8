//! The sandbox's emulated Kubernetes API server and ECK emulation, held to the real
//! API server's and ECK's contract: Status bodies, preconditions, patches, watches,
//! faults, the objects ECK makes, and real kubectl against it.

mod common;

use std::process::Command;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::{StreamExt, TryStreamExt};
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, Method, Request, StatusCode};
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

use common::{es_api, kube_client};
use ecr::sandbox::{
    ElasticsearchSpec, Fault, FaultKind, KubeApi, KubeClusterSpec, PolicyRule, Sandbox, SandboxSpec,
};

const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";

async fn standard() -> Sandbox {
    Sandbox::start(SandboxSpec::standard())
        .await
        .expect("the sandbox starts")
}

async fn client(sandbox: &Sandbox) -> Client {
    kube_client(sandbox, "sandbox", None, false).await
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

/// One raw HTTP request through the client's connection and credentials.
async fn raw(
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

async fn get(client: &Client, path: &str) -> Reply {
    raw(client, Method::GET, path, None, None).await
}

/// The resourceVersion a list of these objects was read at.
async fn list_version<K>(api: &Api<K>) -> String
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
async fn merge_patch<K>(api: &Api<K>, name: &str, patch: Value) -> K
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.patch(name, &PatchParams::default(), &Patch::Merge(patch))
        .await
        .expect("patched")
}

/// A merge patch of `cluster-one` in `ns-one`, raw; `query` goes after the path.
async fn patch_cluster_one(client: &Client, query: &str, patch: Value) -> Reply {
    let path = format!(
        "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches/cluster-one{query}"
    );
    let content_type = Some("application/merge-patch+json");
    raw(client, Method::PATCH, &path, content_type, Some(patch)).await
}

/// The Status body the API server sends for a failure.
fn status(reason: &str, code: u16, message: &str, details: Value) -> Value {
    let mut status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    if !details.is_null() {
        status["details"] = details;
    }
    status
}

fn secret(api: &KubeApi, namespace: &str, name: &str) -> Value {
    api.get_object("", "secrets", Some(namespace), name)
        .unwrap_or_else(|| panic!("secret {name} in {namespace}"))
}

/// The PEM of the transport CA ECK keeps for a cluster.
fn transport_ca_pem(api: &KubeApi, namespace: &str, name: &str) -> String {
    let material = api
        .cluster_material(namespace, name)
        .expect("ECK's material");
    material.transport_ca.cert_pem().to_string()
}

fn decoded(secret: &Value, key: &str) -> String {
    let data = secret["data"][key].as_str().expect("the key is present");
    String::from_utf8(STANDARD.decode(data).expect("base64")).expect("UTF-8")
}

fn subjects(pem: &str) -> Vec<String> {
    x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes())
        .map(|pem| {
            let pem = pem.expect("a PEM block");
            let cert = pem.parse_x509().expect("an X.509 certificate");
            cert.subject().to_string()
        })
        .collect()
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401() {
    let sandbox = standard().await;
    let client = kube_client(&sandbox, "sandbox", Some("not-a-token"), false).await;
    let reply = get(&client, "/api/v1/namespaces/ns-one/secrets").await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.body,
        status("Unauthorized", 401, "Unauthorized", Value::Null)
    );
    let last = sandbox.api("sandbox").requests().pop().expect("recorded");
    assert_eq!((last.status, last.user.as_str()), (401, "system:anonymous"));
}

#[tokio::test]
async fn rbac_denials_read_like_the_api_server() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    api.add_user(
        "alice-token",
        "alice",
        vec![PolicyRule::new(&["get"], &["secrets"], &["ns-two"])],
    );
    let alice = kube_client(&sandbox, "sandbox", Some("alice-token"), false).await;

    let reply = get(&alice, "/api/v1/namespaces/ns-one/secrets/x").await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.body,
        status(
            "Forbidden",
            403,
            "secrets \"x\" is forbidden: User \"alice\" cannot get resource \"secrets\" in API group \"\" in the namespace \"ns-one\"",
            json!({"name": "x", "kind": "secrets"})
        )
    );
    let reply = get(&alice, "/api/v1/namespaces/ns-one/secrets").await;
    assert_eq!(
        reply.body["message"],
        "secrets is forbidden: User \"alice\" cannot list resource \"secrets\" in API group \"\" in the namespace \"ns-one\""
    );
    let reply = get(
        &alice,
        "/apis/elasticsearch.k8s.elastic.co/v1/elasticsearches",
    )
    .await;
    assert_eq!(
        reply.body["message"],
        "elasticsearches.elasticsearch.k8s.elastic.co is forbidden: User \"alice\" cannot list resource \"elasticsearches\" in API group \"elasticsearch.k8s.elastic.co\" at the cluster scope"
    );
    let allowed = get(
        &alice,
        "/api/v1/namespaces/ns-two/secrets/cluster-two-es-elastic-user",
    )
    .await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        get(&alice, "/apis").await.status,
        200,
        "discovery is open to every user"
    );
}

#[tokio::test]
async fn not_found_bodies_name_the_resource_or_the_path() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let reply = get(&client, "/api/v1/namespaces/ns-one/secrets/x").await;
    assert_eq!(
        reply.body,
        status(
            "NotFound",
            404,
            "secrets \"x\" not found",
            json!({"name": "x", "kind": "secrets"})
        )
    );
    let reply = get(
        &client,
        "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches/x",
    )
    .await;
    assert_eq!(
        reply.body,
        status(
            "NotFound",
            404,
            "elasticsearches.elasticsearch.k8s.elastic.co \"x\" not found",
            json!({"name": "x", "group": ES_GROUP, "kind": "elasticsearches"})
        )
    );
    let reply = get(&client, "/apis/example.com/v1/widgets").await;
    assert_eq!(
        reply.body,
        status(
            "NotFound",
            404,
            "the server could not find the requested resource",
            json!({})
        )
    );
    let error = Api::<Secret>::namespaced(client, "ns-one")
        .get("x")
        .await
        .unwrap_err();
    assert!(matches!(error, kube::Error::Api(s) if s.reason == "NotFound" && s.code == 404));
}

#[tokio::test]
async fn without_the_crd_the_custom_resource_is_unknown() {
    let spec = SandboxSpec {
        kube_clusters: vec![KubeClusterSpec {
            crd_installed: false,
            ..KubeClusterSpec::new("bare", vec![])
        }],
    };
    let sandbox = Sandbox::start(spec).await.expect("the sandbox starts");
    let client = kube_client(&sandbox, "bare", None, false).await;
    let groups = get(&client, "/apis").await.body;
    assert_eq!(groups["groups"][0]["name"], "apps");
    assert_eq!(groups["groups"].as_array().map(Vec::len), Some(1));
    let reply = get(
        &client,
        "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/default/elasticsearches",
    )
    .await;
    assert_eq!(
        (reply.status.as_u16(), reply.body["message"].as_str()),
        (
            404,
            Some("the server could not find the requested resource")
        )
    );
    assert_eq!(
        get(&client, "/apis/elasticsearch.k8s.elastic.co/v1")
            .await
            .status,
        404
    );
    let index = get(&client, "/openapi/v3").await.body;
    let listed: Vec<&String> = index["paths"].as_object().expect("paths").keys().collect();
    assert_eq!(listed, ["api/v1", "apis/apps/v1"]);
    assert_eq!(
        get(&client, "/openapi/v3/apis/elasticsearch.k8s.elastic.co/v1")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn openapi_v3_documents_are_where_the_index_says_and_cached_by_hash() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let index = get(&client, "/openapi/v3").await;
    assert_eq!(index.status, 200);
    let paths = index.body["paths"].as_object().expect("paths");
    let listed: Vec<&String> = paths.keys().collect();
    assert_eq!(
        listed,
        [
            "api/v1",
            "apis/apps/v1",
            "apis/elasticsearch.k8s.elastic.co/v1"
        ]
    );
    let url = paths["apis/elasticsearch.k8s.elastic.co/v1"]["serverRelativeURL"]
        .as_str()
        .expect("a URL");
    let (path, hash) = url.split_once("?hash=").expect("a hash");
    assert_eq!(path, "/openapi/v3/apis/elasticsearch.k8s.elastic.co/v1");
    let document = get(&client, url).await;
    assert_eq!(document.status, 200);
    assert_eq!(document.headers[CONTENT_TYPE], "application/json");
    assert_eq!(document.headers["cache-control"], "public, immutable");
    assert_eq!(document.headers["etag"], format!("\"{hash}\""));
    let patch = &document.body["paths"]["/apis/elasticsearch.k8s.elastic.co/v1/namespaces/{namespace}/elasticsearches/{name}"]
        ["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"],
        json!({"group": ES_GROUP, "version": "v1", "kind": "Elasticsearch"})
    );
    let parameters: Vec<&str> = patch["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(parameters, ["dryRun", "fieldManager", "fieldValidation"]);
    let unhashed = get(&client, path).await;
    assert_eq!(unhashed.headers["cache-control"], "no-cache, private");
    assert_eq!(unhashed.body, document.body);
    let stale = get(&client, &format!("{path}?hash=0123")).await;
    assert_eq!(stale.status, 301);
    assert_eq!(stale.headers["location"], url);
}

#[tokio::test]
async fn discovery_lists_kinds_short_names_and_verbs() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let groups = client.list_api_groups().await.expect("the group list");
    let names: Vec<&str> = groups.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["apps", ES_GROUP]);
    let resources = client
        .list_api_group_resources("elasticsearch.k8s.elastic.co/v1")
        .await
        .expect("resources");
    let es = &resources.resources[0];
    assert_eq!(
        (es.name.as_str(), es.kind.as_str(), es.namespaced),
        ("elasticsearches", "Elasticsearch", true)
    );
    assert_eq!(es.short_names, Some(vec!["es".to_string()]));
    let core = client
        .list_core_api_resources("v1")
        .await
        .expect("core resources");
    let names: Vec<&str> = core.resources.iter().map(|r| r.name.as_str()).collect();
    for expected in ["namespaces", "secrets", "services", "configmaps", "pods"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert_eq!(
        client.apiserver_version().await.expect("version").major,
        "1"
    );
}

#[tokio::test]
async fn two_contexts_are_two_api_servers() {
    let sandbox = Sandbox::start(SandboxSpec::two_contexts())
        .await
        .expect("the sandbox starts");
    assert_eq!(sandbox.contexts(), ["sandbox-one", "sandbox-two"]);
    let kubeconfig: Value = serde_yaml::from_str(&sandbox.kubeconfig_yaml()).expect("YAML");
    assert_eq!(kubeconfig["current-context"], "sandbox-one");
    assert_ne!(
        sandbox.api("sandbox-one").url(),
        sandbox.api("sandbox-two").url()
    );
    let two = kube_client(&sandbox, "sandbox-two", None, false).await;
    let names: Vec<String> = es_api(&two, "ns-two")
        .list(&Default::default())
        .await
        .expect("a list")
        .items
        .into_iter()
        .filter_map(|es| es.metadata.name)
        .collect();
    assert_eq!(names, ["cluster-two"]);
    assert!(
        sandbox
            .api("sandbox-one")
            .get_object(ES_GROUP, "elasticsearches", Some("ns-two"), "cluster-two")
            .is_none()
    );
}

#[tokio::test]
async fn creates_conflict_and_resource_versions_are_preconditions() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), "ns-one");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "trust"}, "data": {"a": "1"}}))
            .expect("a ConfigMap");
    let created = config_maps
        .create(&PostParams::default(), &cm)
        .await
        .expect("created");
    let error = config_maps
        .create(&PostParams::default(), &cm)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, kube::Error::Api(s) if s.reason == "AlreadyExists" && s.message == "configmaps \"trust\" already exists")
    );

    let stale = created
        .metadata
        .resource_version
        .clone()
        .expect("a resourceVersion");
    merge_patch(&config_maps, "trust", json!({"data": {"b": "2"}})).await;
    let mut replacement = created.clone();
    replacement.data = Some([("c".to_string(), "3".to_string())].into());
    let error = config_maps
        .replace("trust", &PostParams::default(), &replacement)
        .await
        .unwrap_err();
    let kube::Error::Api(conflict) = error else {
        panic!("an API error")
    };
    assert_eq!((conflict.code, conflict.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        conflict.message,
        "Operation cannot be fulfilled on configmaps \"trust\": the object has been modified; please apply your changes to the latest version and try again"
    );

    let precondition = json!({"metadata": {"resourceVersion": stale}, "data": {"d": "4"}});
    let reply = raw(
        &client,
        Method::PATCH,
        "/api/v1/namespaces/ns-one/configmaps/trust",
        Some("application/merge-patch+json"),
        Some(precondition),
    )
    .await;
    assert_eq!(
        (reply.status.as_u16(), reply.body["reason"].as_str()),
        (409, Some("Conflict"))
    );
    let current = config_maps.get("trust").await.expect("read");
    let fresh = json!({"metadata": {"resourceVersion": current.metadata.resource_version}, "data": {"d": "4"}});
    let patched = merge_patch(&config_maps, "trust", fresh).await;
    assert_eq!(
        patched.data.expect("data").get("d").map(String::as_str),
        Some("4")
    );
}

#[tokio::test]
async fn merge_json_apply_and_strategic_patches() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "ns-one");
    let name = "cluster-one-es-elastic-user";
    let merge = Patch::Merge(json!({"metadata": {"labels": {"team": "search"}}}));
    secrets
        .patch(name, &PatchParams::default(), &merge)
        .await
        .expect("merge patch");
    let json_patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "add", "path": "/metadata/annotations", "value": {"note": "x"}}
    ]))
    .expect("a JSON patch");
    let patched = secrets
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Json::<()>(json_patch),
        )
        .await
        .expect("JSON patch");
    assert_eq!(patched.metadata.labels.expect("labels")["team"], "search");
    assert_eq!(
        patched.metadata.annotations.expect("annotations")["note"],
        "x"
    );

    let applied = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ecr-copy", "namespace": "ns-one"},
        "stringData": {"ca.crt": "PEM"}});
    let created = secrets
        .patch(
            "ecr-copy",
            &PatchParams::apply("ecr"),
            &Patch::Apply(applied),
        )
        .await
        .expect("apply");
    assert_eq!(created.data.expect("data")["ca.crt"].0, b"PEM");

    let strategic = Patch::Strategic(json!({"metadata": {"labels": {"k": "v"}}}));
    secrets
        .patch(name, &PatchParams::default(), &strategic)
        .await
        .expect("strategic merge on a built-in type");
    let error = es_api(&client, "ns-one")
        .patch("cluster-one", &PatchParams::default(), &strategic)
        .await
        .unwrap_err();
    let kube::Error::Api(refused) = error else {
        panic!("an API error")
    };
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (415, "UnsupportedMediaType")
    );
    assert_eq!(
        refused.message,
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    );
}

#[tokio::test]
async fn invalid_elasticsearch_resources_get_422_with_field_causes() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let patch = json!({"spec": {"nodeSets": [{"name": "default", "count": "three"}]}});
    let reply = patch_cluster_one(&client, "", patch).await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.body["message"],
        "Elasticsearch.elasticsearch.k8s.elastic.co \"cluster-one\" is invalid: spec.nodeSets[0].count: Invalid value: \"string\": spec.nodeSets[0].count in body must be of type integer: \"string\""
    );
    assert_eq!(reply.body["details"]["kind"], "Elasticsearch");
    assert_eq!(
        reply.body["details"]["causes"][0]["field"],
        "spec.nodeSets[0].count"
    );
    assert_eq!(
        reply.body["details"]["causes"][0]["reason"],
        "FieldValueTypeInvalid"
    );

    let missing = json!({"apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch",
        "metadata": {"name": "three"}, "spec": {"nodeSets": []}});
    let reply = raw(
        &client,
        Method::POST,
        "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches",
        Some("application/json"),
        Some(missing),
    )
    .await;
    assert_eq!(
        reply.body["message"],
        "Elasticsearch.elasticsearch.k8s.elastic.co \"three\" is invalid: [spec.nodeSets: Invalid value: 0: spec.nodeSets in body should have at least 1 items, spec.version: Required value]"
    );
    let unknown = json!({"spec": {"transport": {"service": {"spec": {"type": "LoadBalancer"}}}, "typo": true}});
    let reply = patch_cluster_one(&client, "?fieldValidation=Strict", unknown.clone()).await;
    assert_eq!(
        (reply.status.as_u16(), reply.body["reason"].as_str()),
        (400, Some("BadRequest"))
    );
    let reply = patch_cluster_one(&client, "", unknown).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.headers["warning"],
        "299 - \"unknown field \\\"spec.typo\\\"\""
    );
    assert!(
        reply.body["spec"].get("typo").is_none(),
        "unknown fields are pruned"
    );
}

#[tokio::test]
async fn watches_stream_changes_after_a_resource_version_until_their_timeout() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), "ns-one");
    let version = list_version(&config_maps).await;
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "w"}})).expect("a ConfigMap");
    config_maps
        .create(&PostParams::default(), &cm)
        .await
        .expect("created");
    merge_patch(&config_maps, "w", json!({"data": {"k": "v"}})).await;

    let started = std::time::Instant::now();
    let events: Vec<WatchEvent<ConfigMap>> = config_maps
        .watch(&WatchParams::default().timeout(1), &version)
        .await
        .expect("a watch")
        .try_collect()
        .await
        .expect("events");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the watch lasts its timeout"
    );
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            WatchEvent::Added(_) => "ADDED",
            WatchEvent::Modified(_) => "MODIFIED",
            WatchEvent::Deleted(_) => "DELETED",
            _ => "OTHER",
        })
        .collect();
    assert_eq!(kinds, ["ADDED", "MODIFIED"]);

    let selected = config_maps
        .watch(
            &WatchParams::default().fields("metadata.name=w").timeout(1),
            "0",
        )
        .await
        .expect("a watch");
    let first = Box::pin(selected)
        .next()
        .await
        .expect("an event")
        .expect("no error");
    assert!(matches!(first, WatchEvent::Added(cm) if cm.metadata.name.as_deref() == Some("w")));
}

#[tokio::test]
async fn faults_fail_the_next_matching_requests() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let client = client(&sandbox).await;
    let path = "/api/v1/namespaces/ns-one/secrets/cluster-one-es-transport-certs-public";

    api.inject_fault(Fault::new(FaultKind::Status(503)).path_prefix(path));
    let reply = get(&client, path).await;
    assert_eq!(
        (reply.status.as_u16(), reply.body["reason"].as_str()),
        (503, Some("ServiceUnavailable"))
    );
    assert_eq!(get(&client, path).await.status, 200, "one occurrence only");

    api.inject_fault(
        Fault::new(FaultKind::TooManyRequests {
            retry_after_secs: 2,
        })
        .method(Method::GET),
    );
    let reply = get(&client, path).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers[RETRY_AFTER], "2");
    assert_eq!(reply.body["details"]["retryAfterSeconds"], 2);

    api.inject_fault(Fault::new(FaultKind::DropConnection).times(1));
    let dropped = client
        .send(
            Request::get(path)
                .body(kube::client::Body::empty())
                .expect("a request"),
        )
        .await;
    assert!(dropped.is_err(), "no answer: {dropped:?}");
    assert_eq!(get(&client, path).await.status, 200);

    let statuses: Vec<u16> = api
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 200, 429, 0, 200]);

    api.inject_fault(Fault::new(FaultKind::Status(503)).times(2));
    let retrying = kube_client(&sandbox, "sandbox", None, true).await;
    let secret = Api::<Secret>::namespaced(retrying, "ns-one")
        .get("cluster-one-es-transport-certs-public")
        .await;
    assert!(secret.is_ok(), "kube's retries get through two 503s");
}

#[tokio::test]
async fn an_api_server_that_goes_away_answers_nothing_until_it_comes_back() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let client = client(&sandbox).await;
    let secrets = "/api/v1/namespaces/ns-one/secrets";
    assert_eq!(get(&client, "/api").await.status, 200);
    let before = api.requests().len();
    api.inject_fault(Fault::new(FaultKind::GoAway).path_prefix(secrets));
    let send = |path: &str| {
        client.send(
            Request::get(path)
                .body(kube::client::Body::empty())
                .expect("a request"),
        )
    };
    assert!(send(secrets).await.is_err(), "the request that meets it");
    assert!(send("/api").await.is_err(), "any request after it");
    // A fresh client makes a fresh connection: refused too.
    let fresh = kube_client(&sandbox, "sandbox", None, false).await;
    let fresh_answer = fresh
        .send(
            Request::get("/version")
                .body(kube::client::Body::empty())
                .expect("a request"),
        )
        .await;
    assert!(fresh_answer.is_err(), "a new connection: {fresh_answer:?}");
    api.clear_faults();
    assert_eq!(
        get(&client, secrets).await.status,
        200,
        "back after clear_faults"
    );
    // The request that met it was dropped; the later ones came on new connections, closed
    // before they could send anything.
    let journal: Vec<(String, u16)> = api.requests()[before..]
        .iter()
        .map(|r| (r.path.clone(), r.status))
        .collect();
    let expected = [(secrets, 0), (secrets, 200)].map(|(path, status)| (path.to_string(), status));
    assert_eq!(journal, expected);
}

#[tokio::test]
async fn eck_publishes_secrets_services_and_pods_for_each_cluster() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let public = secret(api, "ns-one", "cluster-one-es-transport-certs-public");
    let labels = &public["metadata"]["labels"];
    assert_eq!(labels["eck.k8s.elastic.co/owner-name"], "cluster-one");
    assert_eq!(labels["eck.k8s.elastic.co/owner-namespace"], "ns-one");
    assert_eq!(labels["eck.k8s.elastic.co/owner-kind"], "Elasticsearch");
    assert_eq!(labels["common.k8s.elastic.co/type"], "elasticsearch");
    assert_eq!(
        labels["elasticsearch.k8s.elastic.co/cluster-name"],
        "cluster-one"
    );
    assert!(
        public["metadata"].get("ownerReferences").is_none(),
        "soft-owned: no ownerReference"
    );
    assert_eq!(
        subjects(&decoded(&public, "ca.crt")),
        ["OU=cluster-one, CN=cluster-one-transport"]
    );

    let http = secret(api, "ns-one", "cluster-one-es-http-certs-public");
    let tls = decoded(&http, "tls.crt");
    let pem = x509_parser::pem::parse_x509_pem(tls.as_bytes())
        .expect("PEM")
        .1;
    let cert = pem.parse_x509().expect("X.509");
    let sans = cert
        .subject_alternative_name()
        .expect("parses")
        .expect("present")
        .value
        .general_names
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert!(
        sans.contains(&"DNSName(cluster-one-es-http.ns-one.svc)".to_string()),
        "{sans:?}"
    );
    assert!(!sans.iter().any(|s| s.contains("localhost")));

    let user = secret(api, "ns-one", "cluster-one-es-elastic-user");
    let material = api
        .cluster_material("ns-one", "cluster-one")
        .expect("ECK's material");
    assert_eq!(decoded(&user, "elastic"), material.elastic_password);

    let transport = api
        .get_object("", "services", Some("ns-one"), "cluster-one-es-transport")
        .expect("transport service");
    assert_eq!(transport["spec"]["clusterIP"], "None");
    assert_eq!(transport["spec"]["ports"][0]["port"], 9300);
    let http_service = api
        .get_object("", "services", Some("ns-one"), "cluster-one-es-http")
        .expect("HTTP service");
    assert_eq!(http_service["spec"]["ports"][0]["port"], 9200);

    let pod = api
        .get_object("", "pods", Some("ns-two"), "cluster-two-es-default-2")
        .expect("a pod");
    assert_eq!(
        pod["metadata"]["labels"]["elasticsearch.k8s.elastic.co/statefulset-name"],
        "cluster-two-es-default"
    );
    assert_eq!(pod["status"]["phase"], "Running");
    let es = api
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .expect("the resource");
    assert_eq!(
        es["status"],
        json!({"availableNodes": 3, "health": "green", "phase": "Ready", "version": "8.17.0", "observedGeneration": 1,
            "inProgressOperations": {"downscale": {"lastUpdatedTime": null},
                "upgrade": {"lastUpdatedTime": null}, "upscale": {"lastUpdatedTime": null}}})
    );
}

#[tokio::test]
async fn eck_restores_what_clients_delete_and_follows_new_clusters() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "ns-one");
    secrets
        .delete("cluster-one-es-transport-certs-public", &Default::default())
        .await
        .expect("deleted");
    assert!(
        secrets
            .get("cluster-one-es-transport-certs-public")
            .await
            .is_ok(),
        "ECK recreates it"
    );

    let resource: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch",
        "metadata": {"name": "cluster-three", "namespace": "ns-one"},
        "spec": {"version": "8.17.0", "nodeSets": [{"name": "hot", "count": 1}]}
    }))
    .expect("a resource");
    es_api(&client, "ns-one")
        .create(&PostParams::default(), &resource)
        .await
        .expect("created");
    assert!(secrets.get("cluster-three-es-elastic-user").await.is_ok());
    es_api(&client, "ns-one")
        .delete("cluster-three", &Default::default())
        .await
        .expect("deleted");
    assert!(
        secrets
            .get_opt("cluster-three-es-transport-certs-public")
            .await
            .expect("a read")
            .is_none()
    );
}

#[tokio::test]
async fn extra_transport_cas_join_the_public_secret_and_rotation_replaces_the_own() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let other = transport_ca_pem(api, "ns-two", "cluster-two");
    api.put_object("", "configmaps", json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "remote-cas", "namespace": "ns-one", "labels": {"eck.k8s.elastic.co/watched": "true"}},
        "data": {"ca.crt": other}}));
    let client = client(&sandbox).await;
    let patch = json!({"spec": {"transport": {"tls": {"certificateAuthorities": {"configMapName": "remote-cas"}}}}});
    merge_patch(&es_api(&client, "ns-one"), "cluster-one", patch).await;
    let public = || {
        decoded(
            &secret(api, "ns-one", "cluster-one-es-transport-certs-public"),
            "ca.crt",
        )
    };
    assert_eq!(
        subjects(&public()),
        [
            "OU=cluster-one, CN=cluster-one-transport",
            "OU=cluster-two, CN=cluster-two-transport"
        ]
    );
    assert_eq!(
        api.rolling_restarts("ns-one", "cluster-one"),
        0,
        "extra CAs roll no pods"
    );

    let before = transport_ca_pem(api, "ns-one", "cluster-one");
    api.rotate_transport_ca("ns-one", "cluster-one");
    let after = transport_ca_pem(api, "ns-one", "cluster-one");
    assert_ne!(before, after);
    assert!(public().starts_with(&after));
}

#[tokio::test]
async fn pod_template_changes_count_as_rolling_restarts_unless_paused() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let client = client(&sandbox).await;
    let es = es_api(&client, "ns-one");
    let config = json!({"spec": {"nodeSets": [{"name": "default", "count": 3,
        "config": {"xpack.security.transport.ssl.certificate_authorities": ["/usr/share/elasticsearch/config/ecr/ca.crt"]}}]}});
    merge_patch(&es, "cluster-one", config).await;
    assert_eq!(api.rolling_restarts("ns-one", "cluster-one"), 1);
    let rendered = decoded(
        &secret(api, "ns-one", "cluster-one-es-default-es-config"),
        "elasticsearch.yml",
    );
    let rendered: Value = serde_yaml::from_str(&rendered).expect("YAML");
    assert_eq!(
        rendered["xpack"]["security"]["transport"]["ssl"]["certificate_authorities"],
        json!([
            "/usr/share/elasticsearch/config/transport-certs/ca.crt",
            "/usr/share/elasticsearch/config/transport-remote-certs/ca.crt",
            "/usr/share/elasticsearch/config/ecr/ca.crt",
        ]),
        "ECK appends the user's list to its own"
    );
    let lb = json!({"spec": {"transport": {"service": {"spec": {"type": "LoadBalancer"}}}}});
    let patched = merge_patch(&es, "cluster-one", lb).await;
    assert_eq!(
        api.rolling_restarts("ns-one", "cluster-one"),
        1,
        "service changes roll nothing"
    );
    assert_eq!(patched.metadata.generation, Some(3));

    let pause = json!({"metadata": {"annotations": {"eck.k8s.elastic.co/pause-orchestration": "true"}},
        "spec": {"nodeSets": [{"name": "default", "count": 3, "podTemplate": {"metadata": {"labels": {"a": "b"}}}}]}});
    merge_patch(&es, "cluster-one", pause).await;
    assert_eq!(
        api.rolling_restarts("ns-one", "cluster-one"),
        1,
        "paused: ECK does not act"
    );
    let resume =
        json!({"metadata": {"annotations": {"eck.k8s.elastic.co/pause-orchestration": null}}});
    merge_patch(&es, "cluster-one", resume).await;
    assert_eq!(api.rolling_restarts("ns-one", "cluster-one"), 2);
}

#[tokio::test]
async fn the_transport_service_gets_a_load_balancer_address_as_a_watch_event() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let services: Api<Service> = Api::namespaced(client.clone(), "ns-one");
    let version = list_version(&services).await;
    let lb = json!({"spec": {"transport": {"service": {"spec": {"type": "LoadBalancer"}}}}});
    merge_patch(&es_api(&client, "ns-one"), "cluster-one", lb).await;

    let watch = services
        .watch(
            &WatchParams::default()
                .fields("metadata.name=cluster-one-es-transport")
                .timeout(5),
            &version,
        )
        .await
        .expect("a watch");
    let mut watch = Box::pin(watch);
    let mut seen = Vec::new();
    let address = loop {
        let event = watch
            .next()
            .await
            .expect("an event before the timeout")
            .expect("no error");
        let (kind, service) = match event {
            WatchEvent::Added(s) => ("ADDED", s),
            WatchEvent::Modified(s) => ("MODIFIED", s),
            WatchEvent::Deleted(s) => ("DELETED", s),
            other => panic!("unexpected {other:?}"),
        };
        seen.push(kind);
        let ingress = service
            .status
            .and_then(|s| s.load_balancer)
            .and_then(|lb| lb.ingress);
        if let Some(ip) = ingress
            .and_then(|i| i.into_iter().next())
            .and_then(|i| i.ip)
        {
            break ip;
        }
    };
    assert!(address.starts_with("127.0."), "{address}");
    assert_eq!(
        seen,
        ["DELETED", "ADDED", "MODIFIED"],
        "headless to LoadBalancer recreates the service"
    );
}

#[tokio::test]
async fn seeded_clusters_follow_their_spec() {
    let spec = SandboxSpec {
        kube_clusters: vec![KubeClusterSpec::new(
            "k",
            vec![ElasticsearchSpec {
                node_sets: vec![("master".into(), 1), ("data".into(), 2)],
                version: "7.17.20".into(),
                ..ElasticsearchSpec::new("logs", "small")
            }],
        )],
    };
    let sandbox = Sandbox::start(spec).await.expect("the sandbox starts");
    let api = sandbox.api("k");
    let pods: Vec<String> = api
        .list_objects("", "pods", Some("logs"))
        .iter()
        .map(|p| {
            p["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        pods,
        ["small-es-data-0", "small-es-data-1", "small-es-master-0"]
    );
    let es = api
        .get_object(ES_GROUP, "elasticsearches", Some("logs"), "small")
        .expect("the resource");
    assert_eq!(
        (
            es["status"]["availableNodes"].as_u64(),
            es["status"]["version"].as_str()
        ),
        (Some(3), Some("7.17.20"))
    );
}

/// Runs real kubectl against the sandbox, with its own HOME and cache.
fn kubectl(
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_lists_es_and_reads_the_ca_with_a_go_template() {
    let sandbox = standard().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).expect("written");
    let home = dir.path().to_path_buf();
    let (ok, list, err) = tokio::task::spawn_blocking({
        let (kubeconfig, home) = (kubeconfig.clone(), home.clone());
        move || kubectl(&kubeconfig, &home, &["get", "es", "-A"])
    })
    .await
    .expect("joined");
    assert!(ok, "{err}");
    let lines: Vec<Vec<&str>> = list
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines[0],
        [
            "NAMESPACE",
            "NAME",
            "HEALTH",
            "NODES",
            "VERSION",
            "PHASE",
            "AGE"
        ]
    );
    assert_eq!(
        lines[1][..6],
        ["ns-one", "cluster-one", "green", "3", "8.17.0", "Ready"]
    );
    assert_eq!(lines[2][..2], ["ns-two", "cluster-two"]);

    let (ok, pem, err) = tokio::task::spawn_blocking(move || {
        kubectl(
            &kubeconfig,
            &home,
            &[
                "get",
                "secret",
                "cluster-one-es-transport-certs-public",
                "-n",
                "ns-one",
                "-o",
                "go-template={{index .data \"ca.crt\" | base64decode}}",
            ],
        )
    })
    .await
    .expect("joined");
    assert!(ok, "{err}");
    assert_eq!(
        pem,
        transport_ca_pem(sandbox.api("sandbox"), "ns-one", "cluster-one")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_patches_es_and_waits_for_the_load_balancer() {
    let sandbox = standard().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).expect("written");
    let home = dir.path().to_path_buf();
    let (ok, out, err) = tokio::task::spawn_blocking(move || {
        let patched = kubectl(
            &kubeconfig,
            &home,
            &[
                "patch",
                "es",
                "cluster-one",
                "-n",
                "ns-one",
                "--type",
                "merge",
                "-p",
                r#"{"spec":{"transport":{"service":{"spec":{"type":"LoadBalancer"}}}}}"#,
            ],
        );
        assert!(patched.0, "{}", patched.2);
        assert_eq!(
            patched.1,
            "elasticsearch.elasticsearch.k8s.elastic.co/cluster-one patched\n"
        );
        kubectl(
            &kubeconfig,
            &home,
            &[
                "wait",
                "--for=jsonpath={.status.loadBalancer.ingress}",
                "-n",
                "ns-one",
                "service/cluster-one-es-transport",
                "--timeout=10s",
            ],
        )
    })
    .await
    .expect("joined");
    assert!(ok, "{err}");
    assert_eq!(out, "service/cluster-one-es-transport condition met\n");
    let service = sandbox
        .api("sandbox")
        .get_object("", "services", Some("ns-one"), "cluster-one-es-transport")
        .expect("service");
    assert_eq!(service["spec"]["type"], "LoadBalancer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_creates_a_secret_from_a_file_in_protobuf() {
    let sandbox = standard().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).expect("written");
    let home = dir.path().to_path_buf();
    let ca = dir.path().join("remote.ca.crt");
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").expect("written");
    let from_file = format!("--from-file={}", ca.display());
    let (ok, out, err) = tokio::task::spawn_blocking(move || {
        let args = [
            "create",
            "secret",
            "generic",
            "remote-certs",
            "-n",
            "ns-one",
        ];
        kubectl(
            &kubeconfig,
            &home,
            &[&args[..], &[from_file.as_str()]].concat(),
        )
    })
    .await
    .expect("joined");
    assert!(ok, "{err}");
    assert_eq!(out, "secret/remote-certs created\n");
    let secret = sandbox
        .api("sandbox")
        .get_object("", "secrets", Some("ns-one"), "remote-certs")
        .expect("the secret");
    assert_eq!(secret["type"], "Opaque");
    assert_eq!(
        secret["data"]["remote.ca.crt"],
        "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="
    );
    let requests = sandbox.api("sandbox").requests();
    let create = requests.last().expect("the create request");
    assert_eq!((create.method.as_str(), create.status), ("POST", 201));
}

/// Runs kubectl against the sandbox's `sandbox` context, with `dir` as its home, off the
/// test's runtime.
async fn kubectl_in(
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

/// The manifest a user edits: cluster-one's apiVersion, kind, name, namespace and spec.
fn cluster_one_manifest(api: &KubeApi) -> Value {
    let es = api
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .expect("cluster-one");
    json!({
        "apiVersion": "elasticsearch.k8s.elastic.co/v1",
        "kind": "Elasticsearch",
        "metadata": {"name": "cluster-one", "namespace": "ns-one"},
        "spec": es["spec"],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_applies_an_edited_manifest_with_validation_left_to_the_server() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut manifest = cluster_one_manifest(api);
    manifest["spec"]["nodeSets"][0]["config"]["node.attr.zone"] = json!("a");
    let file = dir.path().join("es.yaml");
    std::fs::write(&file, serde_yaml::to_string(&manifest).expect("YAML")).expect("written");
    let before = api.requests().len();
    let file = file.display().to_string();
    let (ok, out, err) = kubectl_in(&sandbox, dir.path(), &["apply", "-f", &file]).await;
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "elasticsearch.elasticsearch.k8s.elastic.co/cluster-one configured\n"
    );
    let es = api
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .expect("cluster-one");
    assert_eq!(es["spec"]["nodeSets"][0]["config"]["node.attr.zone"], "a");
    let asked: Vec<String> = api.requests()[before..]
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r.method,
                r.path.split("?hash=").next().unwrap_or_default(),
                r.status
            )
        })
        .collect();
    for expected in [
        "GET /openapi/v3?timeout=32s 200",
        "GET /openapi/v3/apis/elasticsearch.k8s.elastic.co/v1 200",
        "PATCH /apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches/cluster-one?fieldManager=kubectl-client-side-apply&fieldValidation=Strict 200",
    ] {
        assert!(
            asked.iter().any(|a| a == expected),
            "{expected} not in {asked:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_apply_of_an_unknown_spec_field_is_refused_by_the_server() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut manifest = cluster_one_manifest(api);
    manifest["spec"]["versoin"] = json!("8.18.0");
    let file = dir.path().join("es.json");
    std::fs::write(&file, manifest.to_string()).expect("written");
    let file = file.display().to_string();
    let (ok, _, err) = kubectl_in(&sandbox, dir.path(), &["apply", "-f", &file]).await;
    assert!(!ok, "an unknown field passed strict validation");
    assert!(
        err.contains(r#"strict decoding error: unknown field "spec.versoin""#),
        "{err}"
    );
    let es = api
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .expect("cluster-one");
    assert_eq!(es["spec"].get("versoin"), None);
    let refused = api.requests().pop().expect("recorded");
    assert_eq!((refused.method.as_str(), refused.status), ("PATCH", 400));
    assert!(
        refused.path.contains("fieldValidation=Strict"),
        "{}",
        refused.path
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_creates_a_secret_from_a_manifest() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("secret.yaml");
    let manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: remote-certs\n  namespace: ns-one\nstringData:\n  ca.crt: a CA\n";
    std::fs::write(&file, manifest).expect("written");
    let file = file.display().to_string();
    let (ok, out, err) = kubectl_in(&sandbox, dir.path(), &["create", "-f", &file]).await;
    assert!(ok, "{err}");
    assert_eq!(out, "secret/remote-certs created\n");
    assert_eq!(
        decoded(&secret(api, "ns-one", "remote-certs"), "ca.crt"),
        "a CA"
    );
    let requests = api.requests();
    let asked: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert!(
        asked
            .iter()
            .any(|p| p.starts_with("/openapi/v3/api/v1?hash=")),
        "{asked:#?}"
    );
    assert!(
        !asked.iter().any(|p| p.starts_with("/openapi/v2")),
        "{asked:#?}"
    );
}
