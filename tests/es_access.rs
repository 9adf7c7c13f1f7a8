//! How ecr reaches an ECK cluster's HTTP API as the resource's spec shapes it: the pod it
//! port-forwards to (node roles), plain HTTP or TLS from `spec.http.tls`, a user's own HTTP
//! certificate, client certificates, and credentials where ECK keeps no `elastic` user.

mod common;

use std::path::PathBuf;

use common::{Env, put_secret};
use ecr::elasticsearch::{ClientCertificate, Elasticsearch, TrustOptions, reach_eck_cluster};
use ecr::error::{Failure, FailureKind};
use ecr::k8s::{Kube, Location};
use ecr::output::{Output, OutputFormat};
use ecr::sandbox::{CertificateAuthority, ElasticsearchSpec, KubeClusterSpec, SandboxSpec};
use serde_json::{Value, json};

const GROUP: &str = "elasticsearch.k8s.elastic.co";
const PUBLIC_HTTP: &str = "cluster-one-es-http-certs-public";
/// The name the user's HTTP certificate carries (not one of ECK's service names).
const USERS_NAME: &str = "es.example.org";

async fn reach(env: &Env, trust: &TrustOptions) -> anyhow::Result<Elasticsearch> {
    let target = Location {
        kubeconfig: Some(env.kubeconfig.clone()),
        context: None,
        namespace: Some("ns-one".to_string()),
    };
    let kube = Kube::connect(&target).await.expect("a kube client");
    let output = Output::new(OutputFormat::Text, true);
    reach_eck_cluster(&kube, "cluster-one", None, trust, &output).await
}

#[track_caller]
fn failure<T: std::fmt::Debug>(result: anyhow::Result<T>) -> Failure {
    let error = result.expect_err("a failure");
    Failure::find(&error)
        .cloned()
        .unwrap_or_else(|| panic!("not a Failure: {error:#}"))
}

/// Changes cluster-one's resource as a user's `kubectl edit` would.
async fn edit_cluster_one(env: &Env, edit: impl FnOnce(&mut Value)) {
    let api = env.api();
    let mut resource = api
        .get_object(GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .expect("cluster-one");
    edit(&mut resource["spec"]);
    api.put_object(GROUP, "elasticsearches", resource);
    env.rolled("ns-one", "cluster-one").await;
}

fn public_http_keys(env: &Env) -> Vec<String> {
    let secret = env
        .api()
        .get_object("", "secrets", Some("ns-one"), PUBLIC_HTTP)
        .expect("ECK publishes the HTTP certificate");
    let data = secret["data"].as_object().expect("data");
    data.keys().cloned().collect()
}

fn file(env: &Env, name: &str, contents: &str) -> PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, contents).expect("written");
    path
}

// Item 2: node roles.

/// cluster-one with two nodeSets: `a-masters` (first by name) and `b-ccs`.
async fn two_node_sets() -> Env {
    let cluster = ElasticsearchSpec {
        node_sets: vec![("a-masters".to_string(), 1), ("b-ccs".to_string(), 1)],
        ..ElasticsearchSpec::new("ns-one", "cluster-one")
    };
    let spec = SandboxSpec {
        kube_clusters: vec![KubeClusterSpec::new("sandbox", vec![cluster])],
    };
    Env::with(spec).await
}

fn set_roles(spec: &mut Value, node_set: usize, roles: Value) {
    spec["nodeSets"][node_set]["config"]["node.roles"] = roles;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_port_forward_goes_to_a_pod_whose_node_set_has_the_remote_cluster_client_role() {
    let env = two_node_sets().await;
    edit_cluster_one(&env, |spec| set_roles(spec, 0, json!(["master", "data"]))).await;
    let pod = env
        .api()
        .get_object("", "pods", Some("ns-one"), "cluster-one-es-a-masters-0")
        .expect("the pod");
    let role =
        &pod["metadata"]["labels"]["elasticsearch.k8s.elastic.co/node-remote_cluster_client"];
    assert_eq!(role, "false", "ECK labels the pod with its roles");
    let es = reach(&env, &TrustOptions::default())
        .await
        .expect("reached");
    assert!(
        es.description().ends_with("pod cluster-one-es-b-ccs-0"),
        "{}",
        es.description()
    );
    es.remote_info()
        .await
        .expect("_remote/info answers on a node with the role");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_remote_cluster_client_role_on_any_pod_the_failure_names_it() {
    let env = two_node_sets().await;
    edit_cluster_one(&env, |spec| {
        set_roles(spec, 0, json!(["master"]));
        spec["nodeSets"][1]["config"]["node"] = json!({"roles": ["data", "ingest"]});
    })
    .await;
    let failure = failure(reach(&env, &TrustOptions::default()).await);
    assert_eq!(failure.kind, FailureKind::Invalid);
    assert_eq!(
        failure.message,
        "no running pod of the Elasticsearch cluster cluster-one in ns-one has the \
         remote_cluster_client role, which _remote/info and cross-cluster requests need \
         (running: cluster-one-es-a-masters-0, cluster-one-es-b-ccs-0)"
    );
}

// Item 8: HTTP TLS off.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_http_tls_off_the_public_certificate_stays_and_ecr_speaks_plain_http() {
    let env = Env::without_http_tls().await;
    assert_eq!(public_http_keys(&env), ["ca.crt", "tls.crt"]);
    let es = reach(&env, &TrustOptions::default())
        .await
        .expect("reached");
    assert_eq!(es.url().scheme(), "http");
    assert_eq!(es.info().await.expect("GET /").cluster_name, "cluster-one");
}

// Item 9: the user's HTTP certificate.

struct UsersCertificate {
    ca: CertificateAuthority,
}

/// Gives cluster-one the user's own HTTP certificate for `USERS_NAME` (with `ca.crt` in the
/// user's secret or not), as `spec.http.tls.certificate.secretName`.
async fn use_users_certificate(env: &Env, with_ca: bool) -> UsersCertificate {
    let ca = CertificateAuthority::new("users-ca", None).expect("a CA");
    let leaf = ca
        .issue(USERS_NAME, &[USERS_NAME.to_string()])
        .expect("a certificate");
    let mut data = vec![
        ("tls.crt", leaf.cert_pem.as_str()),
        ("tls.key", leaf.key_pem.as_str()),
    ];
    if with_ca {
        data.push(("ca.crt", ca.cert_pem()));
    }
    put_secret(env.api(), "my-http-cert", &data);
    edit_cluster_one(env, |spec| {
        spec["http"] = json!({"tls": {"certificate": {"secretName": "my-http-cert"}}});
    })
    .await;
    UsersCertificate { ca }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_certificate_is_verified_with_its_ca_against_a_name_it_carries() {
    let env = Env::start().await;
    use_users_certificate(&env, true).await;
    let es = reach(&env, &TrustOptions::default())
        .await
        .expect("reached");
    assert_eq!(es.url().host_str(), Some(USERS_NAME));
    assert_eq!(es.info().await.expect("GET /").cluster_name, "cluster-one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_certificate_without_a_ca_takes_the_ca_file_or_fails_on_the_system_roots() {
    let env = Env::start().await;
    let users = use_users_certificate(&env, false).await;
    assert_eq!(
        public_http_keys(&env),
        ["tls.crt"],
        "no ca.crt is published"
    );
    let es = reach(&env, &TrustOptions::default())
        .await
        .expect("reached");
    let refused = failure(es.info().await);
    assert!(
        refused.message.contains("with the system's trusted roots"),
        "{}",
        refused.message
    );
    assert!(!refused.hint.as_deref().unwrap_or_default().contains("ECK"));
    let trust = TrustOptions {
        ca_file: Some(file(&env, "users-ca.pem", users.ca.cert_pem())),
        ..TrustOptions::default()
    };
    let es = reach(&env, &trust).await.expect("reached");
    assert_eq!(es.info().await.expect("GET /").cluster_name, "cluster-one");
}

// Item 10: client certificates.

/// cluster-one with the user's certificate and CA, requiring client certificates.
async fn require_client_certificates(env: &Env) -> UsersCertificate {
    let users = use_users_certificate(env, true).await;
    edit_cluster_one(env, |spec| {
        spec["http"]["tls"]["client"] = json!({"authentication": true});
    })
    .await;
    users
}

fn client_certificate_files(env: &Env, ca: &CertificateAuthority) -> ClientCertificate {
    let client = ca
        .issue("ecr-client", &["ecr-client".to_string()])
        .expect("a client certificate");
    ClientCertificate::Files {
        certificate: file(env, "client.crt", &client.cert_pem),
        key: file(env, "client.key", &client.key_pem),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_client_certificate_the_refused_handshake_is_explained() {
    let env = Env::start().await;
    require_client_certificates(&env).await;
    let es = reach(&env, &TrustOptions::default())
        .await
        .expect("reached");
    let refused = failure(es.info().await);
    assert_eq!(refused.kind, FailureKind::Unauthorized);
    assert!(
        refused
            .message
            .contains(": it requires a client certificate, and ecr showed none"),
        "{}",
        refused.message
    );
    assert!(refused.hint.unwrap().contains("--es-client-cert FILE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_from_files_is_shown_and_one_from_another_ca_refused() {
    let env = Env::start().await;
    let users = require_client_certificates(&env).await;
    let trust = TrustOptions {
        client_certificate: Some(client_certificate_files(&env, &users.ca)),
        ..TrustOptions::default()
    };
    let es = reach(&env, &trust).await.expect("reached");
    assert_eq!(es.info().await.expect("GET /").cluster_name, "cluster-one");

    let stranger = CertificateAuthority::new("stranger", None).expect("a CA");
    let trust = TrustOptions {
        client_certificate: Some(client_certificate_files(&env, &stranger)),
        ..TrustOptions::default()
    };
    let es = reach(&env, &trust).await.expect("reached");
    let refused = failure(es.info().await);
    assert!(
        refused
            .message
            .contains("it does not accept the client certificate from the files"),
        "{}",
        refused.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_a_client_certificate_from_a_secret() {
    let env = Env::start().await;
    let users = require_client_certificates(&env).await;
    let client = users
        .ca
        .issue("ecr-client", &["ecr-client".to_string()])
        .expect("a client certificate");
    put_secret(
        env.api(),
        "ecr-client-cert",
        &[("tls.crt", &client.cert_pem), ("tls.key", &client.key_pem)],
    );
    let status = ["status", "cluster-one", "-n", "ns-one", "-o", "json"];
    let refused = env.ecr(&status).failure();
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert!(said.contains("--es-client-cert-secret"), "{said}");
    let args = [&status[..], &["--es-client-cert-secret", "ecr-client-cert"]].concat();
    env.ecr(&args).success();
}

// Item 15: no elastic user secret.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_elastic_user_the_environment_gives_the_credentials() {
    let env = Env::start().await;
    let password = env
        .sandbox
        .elasticsearch("sandbox", "ns-one", "cluster-one")
        .expect("served")
        .elastic_password;
    edit_cluster_one(&env, |spec| {
        spec["auth"] = json!({"disableElasticUser": true});
    })
    .await;
    let elastic_user = "cluster-one-es-elastic-user";
    env.api()
        .delete_object("", "secrets", Some("ns-one"), elastic_user);
    assert!(
        env.api()
            .get_object("", "secrets", Some("ns-one"), elastic_user)
            .is_none(),
        "ECK keeps no elastic user secret"
    );
    let status = ["status", "cluster-one", "-n", "ns-one", "-o", "json"];
    let refused = env.ecr(&status).failure();
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert!(
        said.contains(
            "the Elasticsearch cluster cluster-one in ns-one has no elastic user \
             (spec.auth.disableElasticUser), and the environment holds no credentials"
        ),
        "{said}"
    );
    let credentials = [
        ("ES_USERNAME", "elastic"),
        ("ES_PASSWORD", password.as_str()),
    ];
    env.ecr_with_environment(&status, &credentials).success();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_elastic_user_secret_the_environment_gives_the_credentials() {
    let env = Env::start().await;
    let password = env
        .sandbox
        .elasticsearch("sandbox", "ns-one", "cluster-one")
        .expect("served")
        .elastic_password;
    // Users defined elsewhere: the secret is gone, the spec says nothing.
    let elastic_user = "cluster-one-es-elastic-user";
    env.api()
        .delete_object("", "secrets", Some("ns-one"), elastic_user);
    let status = ["status", "cluster-one", "-n", "ns-one", "-o", "json"];
    let refused = env.ecr(&status).failure();
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert!(
        said.contains(
            "the Elasticsearch cluster cluster-one in ns-one has no secret \
             cluster-one-es-elastic-user (its elastic user's password), and the environment \
             holds no credentials"
        ),
        "{said}"
    );
    let credentials = [
        ("ES_USERNAME", "elastic"),
        ("ES_PASSWORD", password.as_str()),
    ];
    env.ecr_with_environment(&status, &credentials).success();
}
