//! `ecr ca extract` against the sandbox: the same bytes kubectl reads, one request, and every
//! failure explained in one or two lines.

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::Env;
use ecr::sandbox::{Fault, FaultKind, PolicyRule, SandboxSpec};
use serde_json::{Value, json};

const SECRET_PATH: &str = "/api/v1/namespaces/ns-one/secrets/cluster-one-es-transport-certs-public";
const KUBECTL_CA: &str = r#"{{index .data "ca.crt" | base64decode}}"#;

/// Replaces the data of cluster-one's public transport secret.
fn overwrite_ca_secret(env: &Env, data: Value) {
    let mut secret = env
        .api()
        .get_object(
            "",
            "secrets",
            Some("ns-one"),
            "cluster-one-es-transport-certs-public",
        )
        .unwrap();
    secret["data"] = data;
    env.api().put_object("", "secrets", secret);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_exactly_what_kubectl_prints_with_one_request() {
    let env = Env::start().await;
    let before = env.api().requests().len();
    let ecr = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "ns-one"])
        .success();
    assert_eq!(
        env.api().requests().len() - before,
        1,
        "one API request: {:?}",
        env.api().requests()
    );

    let secret = "cluster-one-es-transport-certs-public";
    let go_template = format!("--template={KUBECTL_CA}");
    let kubectl = env
        .kubectl(&[
            "get",
            "secret",
            secret,
            "-n",
            "ns-one",
            "-o",
            "go-template",
            &go_template,
        ])
        .success();
    assert_eq!(ecr.stdout, kubectl.stdout);
    assert_eq!(
        ecr.stdout,
        env.transport_ca("sandbox", "ns-one", "cluster-one")
    );
    assert!(ecr.stdout.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(
        ecr.stderr
            .contains("Certificate OU=cluster-one, CN=cluster-one-transport, expires "),
        "{}",
        ecr.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_through_the_second_context_of_a_kubeconfig() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let ecr = env
        .ecr(&[
            "ca",
            "extract",
            "cluster-two",
            "-n",
            "ns-two",
            "--context",
            "sandbox-two",
        ])
        .success();
    let go_template = format!("--template={KUBECTL_CA}");
    let kubectl = env
        .kubectl(&[
            "--context",
            "sandbox-two",
            "get",
            "secret",
            "cluster-two-es-transport-certs-public",
            "-n",
            "ns-two",
            "-o",
            "go-template",
            &go_template,
        ])
        .success();
    assert_eq!(ecr.stdout, kubectl.stdout);
    assert_eq!(
        ecr.stdout,
        env.transport_ca("sandbox-two", "ns-two", "cluster-two")
    );
    assert_ne!(
        ecr.stdout,
        env.transport_ca("sandbox-one", "ns-one", "cluster-one")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_describes_every_certificate() {
    let env = Env::start().await;
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "ns-one", "-o", "json"])
        .success();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let pem = env.transport_ca("sandbox", "ns-one", "cluster-one");
    assert_eq!(report["pem"], json!(pem));
    assert_eq!(report["cluster"], "cluster-one");
    assert_eq!(report["namespace"], "ns-one");
    assert_eq!(report["secret"], "cluster-one-es-transport-certs-public");
    let certificates = report["certificates"].as_array().unwrap();
    assert_eq!(certificates.len(), 1);
    let own = &certificates[0];
    assert!(
        own["subject"]
            .as_str()
            .unwrap()
            .contains("CN=cluster-one-transport")
    );
    assert_eq!(own["subject"], own["issuer"], "ECK's CA is self-signed");
    let der = x509_der(&pem);
    assert_eq!(
        own["sha256_fingerprint"],
        json!(ecr::certs::fingerprint(&der))
    );
    assert!(own["not_before"].as_str().unwrap() < own["not_after"].as_str().unwrap());
}

fn x509_der(pem: &str) -> Vec<u8> {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).expect("PEM");
    block.contents
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_writes_the_file_and_nothing_to_stdout() {
    let env = Env::start().await;
    let path = env.dir.path().join("cluster-one-ca.pem");
    let run = env
        .ecr(&[
            "ca",
            "extract",
            "cluster-one",
            "-n",
            "ns-one",
            "--out",
            path.to_str().unwrap(),
        ])
        .success();
    assert_eq!(run.stdout, "");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        env.transport_ca("sandbox", "ns-one", "cluster-one")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_prints_the_pem_and_nothing_else() {
    let env = Env::start().await;
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "ns-one", "-q"])
        .success();
    assert_eq!(run.stderr, "");
    assert!(run.stdout.starts_with("-----BEGIN CERTIFICATE-----"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_cluster_lists_the_clusters_that_exist() {
    let env = Env::start().await;
    let run = env
        .ecr(&["ca", "extract", "cluster-nine", "-n", "ns-one"])
        .failure();
    assert_eq!(
        run.stderr,
        "error: no Elasticsearch cluster named cluster-nine in the namespace ns-one\nhint: clusters in ns-one: cluster-one\n"
    );
    assert_eq!(run.stdout, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_without_clusters_says_so() {
    let env = Env::start().await;
    env.api().put_object(
        "",
        "namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "empty"}}),
    );
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "empty"])
        .failure();
    assert_eq!(
        run.stderr,
        "error: no Elasticsearch cluster named cluster-one in the namespace empty\n\
         hint: there are no Elasticsearch clusters in empty; see kubectl get es -A\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_namespace_is_named_with_those_that_exist() {
    let env = Env::start().await;
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "ns-nine"])
        .failure();
    let mut lines = run.stderr.lines();
    assert_eq!(
        lines.next(),
        Some("error: the namespace ns-nine does not exist")
    );
    let hint = lines.next().expect("a hint");
    assert!(
        hint.starts_with("hint: namespaces: ")
            && hint.contains("ns-one")
            && hint.contains("ns-two"),
        "{hint}"
    );
    assert_eq!(lines.next(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_eck_says_the_crd_is_missing() {
    let mut spec = SandboxSpec::standard();
    for cluster in &mut spec.kube_clusters {
        cluster.crd_installed = false;
        cluster.elasticsearch.clear();
    }
    let env = Env::with(spec).await;
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "default"])
        .failure();
    let url = env.api().url();
    assert_eq!(
        run.stderr,
        format!(
            "error: the API server at {url} (context sandbox) does not know Elasticsearch resources\n\
             hint: ECK's CRDs are not installed there; install ECK, or choose another --context\n"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_context_lists_the_contexts() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "--context", "prod"])
        .failure();
    assert_eq!(
        run.stderr,
        "error: the context prod does not exist in the kubeconfig\nhint: contexts in the kubeconfig: sandbox-one, sandbox-two\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_api_server_is_named() {
    let env = Env::start().await;
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let path = env.dir.path().join("kubeconfig-dead");
    let server = format!("https://127.0.0.1:{port}");
    std::fs::write(
        &path,
        common::kubeconfig_yaml("dead", &server, &env.api().ca_pem(), "token"),
    )
    .unwrap();
    let run = env.run_with_kubeconfig(
        env!("CARGO_BIN_EXE_ecr"),
        &["ca", "extract", "cluster-one", "-n", "ns-one"],
        &path,
    );
    let run = run.failure();
    let mut lines = run.stderr.lines();
    let error = lines.next().unwrap();
    assert!(
        error.starts_with(&format!(
            "error: cannot reach the Kubernetes API server at {server} (context dead) to get secrets/cluster-one-es-transport-certs-public in ns-one: "
        )),
        "{error}"
    );
    assert!(error.to_lowercase().contains("refused"), "{error}");
    assert!(lines.next().unwrap().starts_with("hint: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_credentials_are_a_401() {
    let env = Env::start().await;
    let path = env.kubeconfig_with_token("sandbox", "not-a-valid-token");
    let run = env.run_with_kubeconfig(
        env!("CARGO_BIN_EXE_ecr"),
        &["ca", "extract", "cluster-one", "-n", "ns-one"],
        &path,
    );
    let url = env.api().url();
    assert_eq!(
        run.failure().stderr,
        format!(
            "error: the API server at {url} (context sandbox) rejected the credentials (401 Unauthorized)\n\
             hint: log in again, or refresh the token or certificate in the kubeconfig\n"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_denials_name_the_verb_and_the_resource() {
    let env = Env::start().await;
    let only_pods = PolicyRule {
        verbs: vec!["get".into(), "list".into()],
        resources: vec!["pods".into()],
        namespaces: vec![],
    };
    env.api().add_user("alice-token", "alice", vec![only_pods]);
    let path = env.kubeconfig_with_token("sandbox", "alice-token");
    let run = env.run_with_kubeconfig(
        env!("CARGO_BIN_EXE_ecr"),
        &["ca", "extract", "cluster-one", "-n", "ns-one"],
        &path,
    );
    assert_eq!(
        run.failure().stderr,
        "error: RBAC denied get secrets in ns-one for user alice\n\
         hint: ask for a Role (or ClusterRole) that allows get on secrets\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_without_ca_crt_is_explained() {
    let env = Env::start().await;
    overwrite_ca_secret(&env, json!({"tls.crt": "aGVsbG8="}));
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "ns-one"])
        .failure();
    assert_eq!(
        run.stderr,
        "error: the secret cluster-one-es-transport-certs-public in ns-one has no ca.crt\n\
         hint: keys present: tls.crt; ECK writes ca.crt when it reconciles the cluster\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_crt_that_is_no_certificate_is_refused() {
    let env = Env::start().await;
    overwrite_ca_secret(
        &env,
        json!({"ca.crt": base64::engine::general_purpose::STANDARD.encode("not a certificate")}),
    );
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "ns-one"])
        .failure();
    assert_eq!(
        run.stderr,
        "error: the ca.crt of the secret cluster-one-es-transport-certs-public in ns-one is not a certificate bundle: \
         it holds no PEM certificate\n"
    );
    assert_eq!(run.stdout, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_name_is_refused_before_any_request() {
    let env = Env::start().await;
    let before = env.api().requests().len();
    let run = env
        .ecr(&["ca", "extract", "Cluster_One", "-n", "ns-one"])
        .failure();
    assert!(
        run.stderr.starts_with(
            "error: cluster name \"Cluster_One\" is not a valid Kubernetes name\nhint: "
        )
    );
    assert_eq!(env.api().requests().len(), before);
}

fn fault(times: u32, kind: FaultKind) -> Fault {
    Fault {
        method: Some(http::Method::GET),
        path_prefix: Some(SECRET_PATH.into()),
        times,
        kind,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_server_errors_are_retried() {
    let env = Env::start().await;
    env.api().inject_fault(fault(2, FaultKind::Status(503)));
    let before = env.api().requests().len();
    env.ecr(&["ca", "extract", "cluster-one", "-n", "ns-one", "-q"])
        .success();
    let statuses: Vec<u16> = env.api().requests()[before..]
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_after_the_wait_the_server_asks_for() {
    let env = Env::start().await;
    env.api().inject_fault(fault(
        1,
        FaultKind::TooManyRequests {
            retry_after_secs: 1,
        },
    ));
    let started = Instant::now();
    env.ecr(&["ca", "extract", "cluster-one", "-n", "ns-one", "-q"])
        .success();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "ecr did not wait as asked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_is_retried() {
    let env = Env::start().await;
    env.api().inject_fault(fault(1, FaultKind::DropConnection));
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "ns-one"])
        .success();
    assert_eq!(
        run.stdout,
        env.transport_ca("sandbox", "ns-one", "cluster-one")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_keeps_failing_is_reported_after_a_few_attempts() {
    let env = Env::start().await;
    env.api().inject_fault(fault(100, FaultKind::Status(503)));
    let run = env
        .ecr(&["ca", "extract", "cluster-one", "-n", "ns-one"])
        .failure();
    let url = env.api().url();
    let first = run.stderr.lines().next().unwrap().to_string();
    assert!(
        first.starts_with(&format!(
            "error: the API server at {url} (context sandbox) answered 503 to get secrets in ns-one (tried 4 times): "
        )),
        "{first}"
    );
}
