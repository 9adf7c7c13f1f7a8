//! ecr's Elasticsearch client against the sandbox: through a port-forward to an ECK pod and
//! by direct URL, its typed calls, retries, and every failure an operator may meet.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use common::Env;
use common::recipe::{self, standard_sides};
use ecr::elasticsearch::{
    self, Credentials, Elasticsearch, FromEnvironment, TrustOptions, reach_eck_cluster, reach_url,
};
use ecr::error::{Failure, FailureKind};
use ecr::k8s::{Kube, Location};
use ecr::output::{Output, OutputFormat};
use ecr::sandbox::{DEFAULT_VERSION, EsEndpoint, PolicyRule};
use serde_json::{Map, Value, json};

const POD: &str = "cluster-one-es-default-0";
const THROUGH_POD: &str = "cluster-one in ns-one (context sandbox), through a port-forward to pod cluster-one-es-default-0";

fn output() -> Output {
    Output::new(OutputFormat::Text, true)
}

async fn kube(kubeconfig: &Path, namespace: &str) -> Kube {
    let target = Location {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        context: None,
        namespace: Some(namespace.to_string()),
    };
    Kube::connect(&target).await.expect("a kube client")
}

/// `cluster-one` through a port-forward, as `ecr connect cluster-one -n ns-one` reaches it.
async fn through_port_forward(env: &Env) -> anyhow::Result<Elasticsearch> {
    let kube = kube(&env.kubeconfig, "ns-one").await;
    reach_eck_cluster(
        &kube,
        "cluster-one",
        None,
        &TrustOptions::default(),
        &output(),
    )
    .await
}

fn endpoint(env: &Env, namespace: &str, name: &str) -> EsEndpoint {
    env.sandbox
        .elasticsearch("sandbox", namespace, name)
        .expect("an emulated Elasticsearch")
}

/// Writes a PEM file into the test's temp dir.
fn ca_file(env: &Env, name: &str, pem: &str) -> PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, pem).expect("writing the CA file");
    path
}

/// Credentials as the environment would give them, read the way ecr reads them.
fn from_environment(pairs: &[(&str, &str)]) -> Credentials {
    let variables: HashMap<String, String> = pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    match Credentials::from_variables(&variables) {
        Ok(FromEnvironment::Found(credentials)) => credentials,
        other => panic!("expected credentials, got {other:?}"),
    }
}

/// What `--es-ca-file PATH` says.
fn trusting(path: PathBuf) -> TrustOptions {
    TrustOptions {
        ca_file: Some(path),
        ..TrustOptions::default()
    }
}

/// Elasticsearch at `url`, as `elastic` with `password` from the environment.
async fn reach(url: &str, trust: &TrustOptions, password: &str) -> anyhow::Result<Elasticsearch> {
    let url = elasticsearch::parse_url(url).expect("a valid URL");
    let credentials = from_environment(&[("ES_USERNAME", "elastic"), ("ES_PASSWORD", password)]);
    reach_url(&url, trust, credentials, &output()).await
}

/// `cluster-one` by its direct URL, trusting its HTTP CA from a file.
async fn by_url(env: &Env, password: &str) -> anyhow::Result<Elasticsearch> {
    let es = endpoint(env, "ns-one", "cluster-one");
    let trust = trusting(ca_file(env, "http-ca.pem", &es.http_ca_pem));
    reach(&es.url, &trust, password).await
}

/// Asserts a failure's message and hint.
#[track_caller]
fn assert_says(failure: &Failure, message: impl AsRef<str>, hint: &str) {
    assert_eq!(failure.message, message.as_ref());
    assert_eq!(failure.hint.as_deref(), Some(hint));
}

/// Asserts how a failure's message begins.
#[track_caller]
fn assert_starts(failure: &Failure, beginning: String) {
    let message = &failure.message;
    assert!(message.starts_with(&beginning), "{message}");
}

#[track_caller]
fn failure(result: anyhow::Result<impl std::fmt::Debug>) -> Failure {
    let error = result.expect_err("a failure");
    Failure::find(&error)
        .cloned()
        .unwrap_or_else(|| panic!("not a Failure: {error:#}"))
}

fn flat(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Through a port-forward
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_and_license_through_a_port_forward() {
    let env = Env::start().await;
    let es = through_port_forward(&env).await.expect("reached");
    assert_eq!(es.description(), THROUGH_POD);
    assert_eq!(es.url().host_str(), Some("cluster-one-es-http.ns-one.svc"));
    let info = es.info().await.expect("GET /");
    assert_eq!(info.cluster_name, "cluster-one");
    assert_eq!(info.version.number, DEFAULT_VERSION);
    let license = es.license().await.expect("GET _license");
    assert_eq!(
        (license.kind.as_str(), license.status.as_str()),
        ("basic", "active")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_round_trip_and_null_removes() {
    let env = Env::start().await;
    let es = through_port_forward(&env).await.expect("reached");
    let remote = flat(&[
        ("cluster.remote.two.mode", json!("proxy")),
        ("cluster.remote.two.proxy_address", json!("10.0.0.2:9300")),
    ]);
    let updated = es
        .put_cluster_settings(&json!({"persistent": remote.clone()}))
        .await
        .expect("PUT");
    assert!(updated.acknowledged);
    // What was set is echoed back, as the plan's verification relies on.
    assert_eq!(updated.settings.persistent, remote);
    let settings = es.cluster_settings().await.expect("GET");
    assert_eq!(settings.persistent, remote);
    assert!(settings.transient.is_empty());

    let removal = flat(&[
        ("cluster.remote.two.mode", Value::Null),
        ("cluster.remote.two.proxy_address", Value::Null),
    ]);
    let updated = es
        .put_cluster_settings(&json!({"persistent": removal}))
        .await
        .expect("PUT nulls");
    assert!(updated.acknowledged && updated.settings.persistent.is_empty());
    assert!(
        es.cluster_settings()
            .await
            .expect("GET")
            .persistent
            .is_empty()
    );
    let handle = endpoint(&env, "ns-one", "cluster-one").handle;
    assert_eq!(handle.persistent_settings(), json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_info_and_the_active_probe_after_the_manual_recipe() {
    let env = Env::start().await;
    let (one, two) = standard_sides(&env.sandbox).await;
    let (_, two_address) = recipe::recipe(&env.sandbox, &one, &two).await;
    assert!(one.es(&env.sandbox).connects("two").await);

    let es = through_port_forward(&env).await.expect("reached");
    let remotes = es.remote_info().await.expect("GET _remote/info");
    let link = &remotes["two"];
    assert!(link.connected);
    assert_eq!(link.mode, "proxy");
    assert_eq!(link.proxy_address.as_deref(), Some(two_address.as_str()));
    assert!(link.num_proxy_sockets_connected.unwrap_or_default() > 0);
    assert!(
        link.skip_unavailable,
        "the default since Elasticsearch 8.15"
    );

    let version = es.info().await.expect("GET /").version.number;
    let resolved = es
        .resolve_cluster("two", &version)
        .await
        .expect("GET _resolve/cluster");
    assert!(resolved.connected);
    assert_eq!(resolved.error, None);
    let unknown = failure(es.resolve_cluster("three", &version).await);
    assert_eq!(unknown.kind, FailureKind::NotFound);
    assert_starts(
        &unknown,
        format!("Elasticsearch could not resolve the remote cluster on {THROUGH_POD}: "),
    );
    assert!(
        unknown.message.contains("no_such_remote_cluster_exception"),
        "{}",
        unknown.message
    );
    let probe = es.probe_remote("two", &version).await.expect("proven");
    assert!(probe.connected);
    assert!(es.probe_remote("three", &version).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_port_forward_closes_when_the_client_is_dropped() {
    let env = Env::start().await;
    let es = through_port_forward(&env).await.expect("reached");
    es.info().await.expect("GET /");
    let port = es.url().port().expect("the loopback port");
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
    );
    drop(es);
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the loopback port {port} still accepts connections");
}

/// The API requests of reaching cluster-one through a port-forward and reading `GET /`.
async fn requests_to_reach(env: &Env) -> Vec<String> {
    let since = env.api().requests().len();
    let es = through_port_forward(env).await.expect("reached");
    es.info().await.expect("GET /");
    env.api().requests()[since..]
        .iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_http_tls_on_ecr_reads_the_password_the_ca_and_the_pods_and_nothing_more() {
    let env = Env::start().await;
    assert_eq!(
        requests_to_reach(&env).await,
        [
            "GET /apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches/cluster-one 200",
            "GET /api/v1/namespaces/ns-one/secrets/cluster-one-es-elastic-user 200",
            "GET /api/v1/namespaces/ns-one/secrets/cluster-one-es-http-certs-public 200",
            "GET /api/v1/namespaces/ns-one/pods?&labelSelector=elasticsearch.k8s.elastic.co%2Fcluster-name%3Dcluster-one 200",
            "GET /api/v1/namespaces/ns-one/pods/cluster-one-es-default-0/portforward?&ports=9200 101",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_http_tls_off_ecr_speaks_plain_http_through_the_port_forward() {
    let env = Env::without_http_tls().await;
    let es = through_port_forward(&env).await.expect("reached");
    assert_eq!(
        es.description(),
        format!("{THROUGH_POD} (plain HTTP: TLS is disabled on this cluster)")
    );
    assert_eq!(es.url().scheme(), "http");
    assert_eq!(es.url().host_str(), Some("cluster-one-es-http.ns-one.svc"));
    assert_eq!(es.info().await.expect("GET /").cluster_name, "cluster-one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_http_tls_off_ecr_reads_no_http_certificate() {
    let env = Env::without_http_tls().await;
    let requests = requests_to_reach(&env).await;
    assert!(
        !requests
            .iter()
            .any(|request| request.contains("http-certs-public")),
        "{requests:?}"
    );
    assert_eq!(requests.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_http_ca_with_http_tls_on_is_still_a_missing_secret() {
    let env = Env::start().await;
    let name = "cluster-one-es-http-certs-public";
    env.api().delete_object("", "secrets", Some("ns-one"), name);
    let failure = failure(through_port_forward(&env).await);
    assert_eq!(failure.kind, FailureKind::NotFound);
    assert_says(
        &failure,
        format!(
            "the Elasticsearch cluster cluster-one exists in ns-one, but its secret {name} does not"
        ),
        "ECK creates it when it reconciles the cluster: see kubectl describe es cluster-one -n ns-one",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_reused_and_each_new_one_gets_its_own_port_forward() {
    let env = Env::start().await;
    let es = through_port_forward(&env).await.expect("reached");
    es.info().await.expect("GET /");
    es.license().await.expect("GET _license");
    assert_eq!(port_forwards(&env), 1);
    let port = es.url().port().expect("the loopback port");
    let second = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("accepted");
    for _ in 0..50 {
        if port_forwards(&env) == 2 {
            drop(second);
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("a second connection opened no port-forward");
}

fn port_forwards(env: &Env) -> usize {
    env.api()
        .requests()
        .iter()
        .filter(|request| request.path.contains(&format!("/pods/{POD}/portforward")))
        .count()
}

// ---------------------------------------------------------------------------------------
// By URL
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_url_with_a_ca_file_and_the_password_from_the_environment() {
    let env = Env::start().await;
    let password = endpoint(&env, "ns-one", "cluster-one").elastic_password;
    let es = by_url(&env, &password).await.expect("reached");
    let url = endpoint(&env, "ns-one", "cluster-one").url;
    assert_eq!(es.description(), url);
    assert_eq!(es.info().await.expect("GET /").cluster_name, "cluster-one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eck_cluster_at_a_url_keeps_ecks_password_and_ca() {
    let env = Env::start().await;
    let es = endpoint(&env, "ns-one", "cluster-one");
    let url = elasticsearch::parse_url(&es.url).expect("a valid URL");
    let kube = kube(&env.kubeconfig, "ns-one").await;
    let client = reach_eck_cluster(
        &kube,
        "cluster-one",
        Some(&url),
        &TrustOptions::default(),
        &output(),
    )
    .await
    .expect("reached");
    assert_eq!(
        client.description(),
        format!("cluster-one in ns-one (context sandbox), at {}", es.url)
    );
    assert_eq!(
        client.info().await.expect("GET /").cluster_name,
        "cluster-one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_reaches_without_any_ca() {
    let env = Env::start().await;
    let es = endpoint(&env, "ns-one", "cluster-one");
    let trust = TrustOptions {
        insecure: true,
        ..TrustOptions::default()
    };
    let client = reach(&es.url, &trust, &es.elastic_password)
        .await
        .expect("reached");
    assert_eq!(
        client.info().await.expect("GET /").cluster_name,
        "cluster-one"
    );
}

// ---------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_a_401_that_never_shows_it() {
    let env = Env::start().await;
    let es = by_url(&env, "not-the-password-4711")
        .await
        .expect("a client");
    let error = es.info().await.expect_err("a 401");
    let shown = format!("{error:#} {error:?}");
    assert!(!shown.contains("not-the-password-4711"), "{shown}");
    let failure = Failure::find(&error).cloned().expect("a Failure");
    assert_eq!(failure.kind, FailureKind::Unauthorized);
    let url = endpoint(&env, "ns-one", "cluster-one").url;
    assert_says(
        &failure,
        format!("authentication failed for elastic on {url}"),
        "the credentials came from the environment (ES_USERNAME, ES_PASSWORD): check them",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_secret_that_does_not_match_names_the_secret() {
    let env = Env::start().await;
    let name = "cluster-one-es-elastic-user";
    let mut secret = env
        .api()
        .get_object("", "secrets", Some("ns-one"), name)
        .expect("the password secret");
    let changed = base64::engine::general_purpose::STANDARD.encode("changed-by-hand");
    secret["data"]["elastic"] = json!(changed);
    env.api().put_object("", "secrets", secret);
    let es = through_port_forward(&env).await.expect("a client");
    let failure = failure(es.cluster_settings().await);
    assert_eq!(
        failure.message,
        format!("authentication failed for elastic on {THROUGH_POD}")
    );
    assert!(!format!("{failure:?}").contains("changed-by-hand"));
    assert!(failure.hint.expect("a hint").contains(name));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_that_does_not_match_is_named_in_the_tls_failure() {
    let env = Env::start().await;
    let other_ca = endpoint(&env, "ns-two", "cluster-two").http_ca_pem;
    let path = ca_file(&env, "other-ca.pem", &other_ca);
    let es = endpoint(&env, "ns-one", "cluster-one");
    let client = reach(&es.url, &trusting(path.clone()), &es.elastic_password)
        .await
        .expect("a client");
    let failure = failure(client.info().await);
    assert_says(
        &failure,
        format!(
            "cannot verify the TLS certificate of {} with the CA file {}: invalid peer \
             certificate: UnknownIssuer",
            es.url,
            path.display()
        ),
        "pass the CA that signed Elasticsearch's HTTP certificate with --es-ca-file FILE",
    );
    // A TLS refusal does not heal: it is not retried.
    assert!(es.handle.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wrong_ca_through_a_port_forward_is_named_too() {
    let env = Env::start().await;
    let other_ca = endpoint(&env, "ns-two", "cluster-two").http_ca_pem;
    let trust = trusting(ca_file(&env, "other-ca.pem", &other_ca));
    let kube = kube(&env.kubeconfig, "ns-one").await;
    let es = reach_eck_cluster(&kube, "cluster-one", None, &trust, &output())
        .await
        .expect("a client");
    let failure = failure(es.info().await);
    assert_starts(
        &failure,
        format!("cannot verify the TLS certificate of {THROUGH_POD} with the CA file "),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_file_that_is_not_pem_is_refused_by_name() {
    let env = Env::start().await;
    let path = ca_file(&env, "notes.txt", "not a certificate");
    let kube = kube(&env.kubeconfig, "ns-one").await;
    let trust = trusting(path.clone());
    let failure = failure(reach_eck_cluster(&kube, "cluster-one", None, &trust, &output()).await);
    assert_eq!(
        failure.message,
        format!(
            "the CA file {} is not a CA bundle: it holds no PEM certificate",
            path.display()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_url_is_named() {
    let env = Env::start().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("https://{}", listener.local_addr().expect("an address"));
    drop(listener);
    let ca = endpoint(&env, "ns-one", "cluster-one").http_ca_pem;
    let trust = trusting(ca_file(&env, "ca.pem", &ca));
    let client = reach(&url, &trust, "pw").await.expect("a client");
    let failure = failure(client.info().await);
    assert_eq!(failure.kind, FailureKind::Unavailable);
    assert_starts(
        &failure,
        format!("cannot reach Elasticsearch at {url} (tried 4 times): "),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_forward_denied_by_rbac_says_so() {
    let env = Env::start().await;
    env.api().add_user(
        "viewer-token",
        "viewer",
        vec![PolicyRule::new(
            &["get", "list"],
            &["secrets", "pods", "elasticsearches"],
            &["ns-one"],
        )],
    );
    let kubeconfig = env.kubeconfig_with_token("sandbox", "viewer-token");
    let kube = kube(&kubeconfig, "ns-one").await;
    let es = reach_eck_cluster(
        &kube,
        "cluster-one",
        None,
        &TrustOptions::default(),
        &output(),
    )
    .await
    .expect("a client");
    let failure = failure(es.info().await);
    assert_says(
        &failure,
        format!(
            "cannot reach Elasticsearch through a port-forward to pod {POD} in ns-one (tried 4 \
             times): RBAC denied create pods/portforward in ns-one for user viewer"
        ),
        "ask for a Role (or ClusterRole) that allows create on pods/portforward",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_cluster_is_explained_as_ca_extract_explains_it() {
    let env = Env::start().await;
    let kube = kube(&env.kubeconfig, "ns-one").await;
    let failure = failure(
        reach_eck_cluster(
            &kube,
            "cluster-nine",
            None,
            &TrustOptions::default(),
            &output(),
        )
        .await,
    );
    assert_says(
        &failure,
        "no Elasticsearch cluster named cluster-nine in the namespace ns-one",
        "clusters in ns-one: cluster-one",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_a_running_pod_lists_its_pods() {
    let env = Env::start().await;
    let pods = env.api().list_objects("", "pods", Some("ns-one"));
    assert!(!pods.is_empty());
    for mut pod in pods {
        pod["status"]["phase"] = json!("Pending");
        env.api().put_object("", "pods", pod);
    }
    let failure = failure(through_port_forward(&env).await);
    assert_eq!(failure.kind, FailureKind::NotFound);
    assert_says(
        &failure,
        "no running pod of the Elasticsearch cluster cluster-one in ns-one to port-forward to",
        "its pods: cluster-one-es-default-0 (Pending), cluster-one-es-default-1 (Pending), \
             cluster-one-es-default-2 (Pending); see kubectl get pods -n ns-one -l \
             elasticsearch.k8s.elastic.co/cluster-name=cluster-one",
    );
}

// ---------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------

fn count(es: &EsEndpoint, method: &str, path: &str) -> usize {
    es.handle
        .requests()
        .iter()
        .filter(|request| request.method == method && request.path.starts_with(path))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_retried_through_a_passing_503() {
    let env = Env::start().await;
    let es = through_port_forward(&env).await.expect("reached");
    let handle = endpoint(&env, "ns-one", "cluster-one");
    handle.handle.inject_fault(2, 503);
    let settings = es
        .cluster_settings()
        .await
        .expect("the third attempt succeeds");
    assert!(settings.persistent.is_empty());
    assert_eq!(count(&handle, "GET", "/_cluster/settings"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_give_up_after_four_attempts() {
    let env = Env::start().await;
    let es = through_port_forward(&env).await.expect("reached");
    let handle = endpoint(&env, "ns-one", "cluster-one");
    handle.handle.inject_fault(10, 503);
    let failure = failure(es.remote_info().await);
    assert_eq!(failure.kind, FailureKind::Unavailable);
    assert_eq!(
        failure.message,
        format!(
            "Elasticsearch could not read the remote cluster connections on {THROUGH_POD} (tried \
             4 times): blocked by: [SERVICE_UNAVAILABLE/2/no master]; (cluster_block_exception)"
        )
    );
    assert_eq!(count(&handle, "GET", "/_remote/info"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_sent_once() {
    let env = Env::start().await;
    let es = through_port_forward(&env).await.expect("reached");
    let handle = endpoint(&env, "ns-one", "cluster-one");
    handle.handle.inject_fault(1, 503);
    let setting = flat(&[("cluster.remote.two.mode", json!("proxy"))]);
    let failure = failure(
        es.put_cluster_settings(&json!({"persistent": setting}))
            .await,
    );
    assert_eq!(
        failure.message,
        format!(
            "Elasticsearch could not update the cluster settings on {THROUGH_POD}: blocked by: \
             [SERVICE_UNAVAILABLE/2/no master]; (cluster_block_exception)"
        )
    );
    assert_eq!(count(&handle, "PUT", "/_cluster/settings"), 1);
    assert_eq!(handle.handle.persistent_settings(), json!({}));
}

// ---------------------------------------------------------------------------------------
// Tracing
// ---------------------------------------------------------------------------------------

/// Everything the HTTP, TLS and Kubernetes stacks log at their most verbose (-vvv and more),
/// for the whole test binary.
fn captured_trace() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let writer = log.clone();
        let filter = "trace,ecr::sandbox=off";
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(false)
            .with_writer(move || Capture(writer.clone()))
            .init();
        log
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("the log").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_most_verbose_tracing_never_shows_credentials() {
    let log = captured_trace();
    let env = Env::start().await;
    let password = endpoint(&env, "ns-one", "cluster-one").elastic_password;
    let es = through_port_forward(&env).await.expect("reached");
    es.info().await.expect("GET /");
    let setting = flat(&[("cluster.remote.two.mode", json!("proxy"))]);
    es.put_cluster_settings(&json!({"persistent": setting}))
        .await
        .expect("PUT");
    let direct = by_url(&env, &password).await.expect("reached");
    direct.remote_info().await.expect("GET _remote/info");
    let wrong = by_url(&env, "wrong-password-0815").await.expect("a client");
    assert!(wrong.info().await.is_err());

    let text = String::from_utf8_lossy(&log.lock().expect("the log")).into_owned();
    assert!(text.contains("GET /_remote/info"), "nothing was captured");
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let secrets = [
        password.clone(),
        encode(&password),
        encode(&format!("elastic:{password}")),
        "wrong-password-0815".to_string(),
        env.api().admin_token(),
    ];
    for secret in secrets {
        assert!(!text.contains(&secret), "a credential was logged");
    }
    assert!(!text.to_ascii_lowercase().contains("authorization: basic"));
}
