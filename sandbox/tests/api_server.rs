//! The emulated API server held to the real one's contract: authentication and RBAC, Status
//! bodies, discovery and OpenAPI, preconditions, patches, validation, watches and faults.

mod common;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{Method, Request};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

use common::{
    ES_GROUP, client, es_api, get, kube_client, list_version, merge_patch, patch_cluster_one, raw,
    standard, status,
};
use ecr_sandbox::{
    EckRelease, Fault, FaultKind, KubeClusterSpec, PolicyRule, Sandbox, SandboxSpec,
};

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
async fn an_older_ecks_crd_knows_no_service_template_of_the_remote_cluster_server() {
    let mut spec = SandboxSpec::standard();
    spec.kube_clusters[0].eck_release = EckRelease::Eck3_2;
    let sandbox = Sandbox::start(spec).await.expect("the sandbox starts");
    let client = client(&sandbox).await;
    let server = json!({"spec": {"remoteClusterServer": {"enabled": true,
        "service": {"spec": {"type": "LoadBalancer"}}}}});
    let reply = patch_cluster_one(
        &client,
        "?fieldValidation=Strict&dryRun=All",
        server.clone(),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown field \"spec.remoteClusterServer.service\"")),
        "{}",
        reply.body
    );
    let reply = patch_cluster_one(&client, "", server).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["spec"]["remoteClusterServer"],
        json!({"enabled": true}),
        "the field is pruned"
    );

    let current = standard().await;
    let client = self::client(&current).await;
    let enabled = json!({"spec": {"remoteClusterServer": {"enabled": true,
        "service": {"spec": {"type": "LoadBalancer"}}}}});
    let reply = patch_cluster_one(&client, "?fieldValidation=Strict&dryRun=All", enabled).await;
    assert_eq!(reply.status, 200, "ECK 3.5's CRD has it: {}", reply.body);
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
