//! Real kubectl against the sandbox: reads, patches, waits, creates (in protobuf too) and
//! applies, as an operator following ECK's recipe would.

mod common;

use serde_json::{Value, json};

use common::{ES_GROUP, decoded, kubectl, kubectl_in, secret, standard, transport_ca_pem};
use ecr_sandbox::KubeApi;

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
