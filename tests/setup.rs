//! `ecr setup` against the sandbox, with the two clusters behind two kube contexts: one command
//! ends connected both ways with at most one rolling restart per cluster; a re-run writes
//! nothing; an interruption at any step, re-run, still ends connected.

mod common;

use common::{Env, Run, put_secret};
use ecr::sandbox::{
    CertificateAuthority, ElasticsearchSpec, Fault, FaultKind, KubeClusterSpec, SandboxSpec,
};
use serde_json::{Value, json};

const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";

fn setup(env: &Env, extra: &[&str]) -> Run {
    env.setup_two_contexts(extra)
}

/// Writes to either kube API server since `since` (one count per context).
fn kube_writes(env: &Env, since: (usize, usize)) -> usize {
    [("sandbox-one", since.0), ("sandbox-two", since.1)]
        .iter()
        .map(|(context, from)| {
            env.sandbox.api(context).requests()[*from..]
                .iter()
                .filter(|r| r.method != "GET")
                .count()
        })
        .sum()
}

fn request_counts(env: &Env) -> (usize, usize) {
    (
        env.sandbox.api("sandbox-one").requests().len(),
        env.sandbox.api("sandbox-two").requests().len(),
    )
}

fn settings_puts(env: &Env) -> usize {
    env.sandbox
        .elasticsearch_endpoints()
        .iter()
        .map(|e| {
            e.handle
                .requests()
                .iter()
                .filter(|r| r.method == "PUT")
                .count()
        })
        .sum()
}

fn assert_connected_both_ways(run: &Run) {
    assert!(
        run.stderr
            .contains("_remote/info says cluster-two: connected true"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("_remote/info says cluster-one: connected true"),
        "{}",
        run.stderr
    );
}

fn restarts(env: &Env) -> (u32, u32) {
    (
        env.sandbox
            .api("sandbox-one")
            .rolling_restarts("ns-one", "cluster-one"),
        env.sandbox
            .api("sandbox-two")
            .rolling_restarts("ns-two", "cluster-two"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_command_connects_both_ways_across_contexts_with_one_restart_each() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let run = setup(&env, &["--yes"]).success();
    assert_connected_both_ways(&run);
    assert_eq!(restarts(&env), (1, 1), "one rolling restart per cluster");

    let since = request_counts(&env);
    let puts = settings_puts(&env);
    let again = setup(&env, &["--yes"]).success();
    assert_eq!(
        kube_writes(&env, since),
        0,
        "a re-run writes nothing to Kubernetes"
    );
    assert_eq!(settings_puts(&env), puts, "nor to Elasticsearch");
    assert_connected_both_ways(&again);
    assert_eq!(restarts(&env), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_lists_the_plan_and_writes_nothing() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let since = request_counts(&env);
    let run = setup(&env, &["--dry-run"]).success();
    assert_eq!(kube_writes(&env, since), 0);
    assert!(
        run.stderr
            .contains("Then cluster-one connects to cluster-two at its load-balancer address"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Plan 4 changes"), "{}", run.stderr);
}

/// Setup's help: the remote's namespace defaults to the local one's in the same context (it
/// was the context's namespace, whatever -n said).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_one_context_the_remote_is_looked_for_in_the_local_namespace() {
    let env = Env::with(SandboxSpec {
        kube_clusters: vec![KubeClusterSpec::new(
            "sandbox",
            vec![
                ElasticsearchSpec::new("ns-one", "cluster-one"),
                ElasticsearchSpec::new("ns-one", "cluster-two"),
            ],
        )],
    })
    .await;
    let run = env
        .ecr(&[
            "setup",
            "-n",
            "ns-one",
            "--local",
            "cluster-one",
            "--remote",
            "cluster-two",
            "--dry-run",
        ])
        .success();
    assert!(
        run.stderr
            .contains("Elasticsearch ns-one/cluster-two (context sandbox)"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_way_exposes_and_connects_only_towards_the_remote() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let run = setup(&env, &["--one-way", "--yes"]).success();
    assert!(
        run.stderr
            .contains("_remote/info says cluster-two: connected true"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("says cluster-one:"), "{}", run.stderr);
    let local = env
        .sandbox
        .api("sandbox-one")
        .get_object(
            "elasticsearch.k8s.elastic.co",
            "elasticsearches",
            Some("ns-one"),
            "cluster-one",
        )
        .unwrap();
    assert!(
        local["spec"].get("transport").is_none(),
        "the local cluster is not exposed"
    );
}

/// An interruption at each kind of step: the write fails for good, ecr stops, and a plain
/// re-run finishes the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interruption_at_any_step_is_finished_by_a_re_run() {
    let points: [(&str, http::Method, &str); 4] = [
        (
            "sandbox-two",
            http::Method::POST,
            "/api/v1/namespaces/ns-two/secrets",
        ),
        (
            "sandbox-one",
            http::Method::PATCH,
            "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches/cluster-one",
        ),
        (
            "sandbox-two",
            http::Method::PATCH,
            "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-two/elasticsearches/cluster-two",
        ),
        (
            "sandbox-two",
            http::Method::GET,
            "/api/v1/namespaces/ns-two/pods/cluster-two-es-default-0/portforward",
        ),
    ];
    for (context, method, path) in points {
        let env = Env::with(SandboxSpec::two_contexts()).await;
        env.sandbox.api(context).inject_fault(
            Fault::new(FaultKind::Status(500))
                .method(method.clone())
                .path_prefix(path)
                .times(20),
        );
        let interrupted = setup(&env, &["--yes"]);
        assert_eq!(
            interrupted.code,
            Some(1),
            "{method} {path}: {}",
            interrupted.stderr
        );
        // Whatever was done stays done; the failing component comes back and a re-run finishes.
        env.sandbox.api(context).clear_faults();
        let finished = setup(&env, &["--yes"]).success();
        assert_connected_both_ways(&finished);
        let (one, two) = restarts(&env);
        assert!(
            one <= 1 && two <= 1,
            "{method} {path}: restarts {one}, {two}"
        );
    }
}

/// Changes a cluster's resource as a user's `kubectl edit` would.
fn edit_cluster(env: &Env, context: &str, cluster: (&str, &str), edit: impl FnOnce(&mut Value)) {
    let (namespace, name) = cluster;
    let api = env.sandbox.api(context);
    let mut resource = api
        .get_object(ES_GROUP, "elasticsearches", Some(namespace), name)
        .expect("the resource");
    edit(&mut resource["spec"]);
    api.put_object(ES_GROUP, "elasticsearches", resource);
}

/// The writes to both kube API servers since `since`, as `METHOD PATH`.
fn writes_since(env: &Env, since: (usize, usize)) -> Vec<String> {
    [
        env.writes_since("sandbox-one", since.0),
        env.writes_since("sandbox-two", since.1),
    ]
    .concat()
}

/// A refusal by the checks `connect` runs: exit 1, the reason, and nothing written anywhere.
#[track_caller]
fn refused_before_writing(env: &Env, expected: &str) {
    let since = request_counts(env);
    let puts = settings_puts(env);
    let run = setup(env, &["--yes"]).failure();
    assert!(run.stderr.starts_with(expected), "{}", run.stderr);
    assert!(
        !run.stderr.contains("choose another --alias"),
        "setup has no --alias: {}",
        run.stderr
    );
    assert_eq!(writes_since(env, since), Vec::<String>::new());
    assert_eq!(settings_puts(env), puts, "nothing written to Elasticsearch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_that_eck_manages_is_refused_before_anything_is_written() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    edit_cluster(&env, "sandbox-one", ("ns-one", "cluster-one"), |spec| {
        spec["remoteClusters"] = json!([{"name": "cluster-two",
            "elasticsearchRef": {"name": "cluster-two", "namespace": "ns-two"}}]);
    });
    refused_before_writing(
        &env,
        "error: the alias cluster-two is managed by ECK through spec.remoteClusters of cluster-one\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sniff_settings_in_elasticsearch_yml_are_refused_before_anything_is_written() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    edit_cluster(&env, "sandbox-two", ("ns-two", "cluster-two"), |spec| {
        spec["nodeSets"][0]["config"] =
            json!({"cluster.remote.cluster-one.seeds": ["10.9.9.9:9300"]});
    });
    refused_before_writing(
        &env,
        "error: the config (elasticsearch.yml) of nodeSet default of cluster-two sets \
         cluster.remote.cluster-one.seeds: Elasticsearch refuses proxy mode",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_warns_of_other_remote_settings_in_elasticsearch_yml() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    edit_cluster(&env, "sandbox-one", ("ns-one", "cluster-one"), |spec| {
        spec["nodeSets"][0]["config"] =
            json!({"cluster.remote.cluster-two.skip_unavailable": true});
    });
    let run = setup(&env, &["--dry-run"]).success();
    assert!(
        run.stderr.contains(
            "the config (elasticsearch.yml) of nodeSet default of cluster-one also sets \
             cluster.remote.cluster-two.skip_unavailable"
        ),
        "{}",
        run.stderr
    );
}

/// cluster-one serves the user's HTTP certificate and requires client certificates signed by
/// the user's CA (ECK 3.4+: spec.http.tls.client.authentication); the secret ecr-client-cert
/// holds one.
async fn require_client_certificates_on_cluster_one(env: &Env) {
    let ca = CertificateAuthority::new("users-ca", None).expect("a CA");
    let http = ca
        .issue("es.example.org", &["es.example.org".to_string()])
        .expect("a certificate");
    put_secret(
        env.sandbox.api("sandbox-one"),
        "my-http-cert",
        &[
            ("tls.crt", &http.cert_pem),
            ("tls.key", &http.key_pem),
            ("ca.crt", ca.cert_pem()),
        ],
    );
    let client = ca
        .issue("ecr-client", &["ecr-client".to_string()])
        .expect("a client certificate");
    put_secret(
        env.sandbox.api("sandbox-one"),
        "ecr-client-cert",
        &[("tls.crt", &client.cert_pem), ("tls.key", &client.key_pem)],
    );
    edit_cluster(env, "sandbox-one", ("ns-one", "cluster-one"), |spec| {
        spec["http"] = json!({"tls": {"certificate": {"secretName": "my-http-cert"},
            "client": {"authentication": true}}});
    });
    env.rolled("ns-one", "cluster-one").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_side_that_requires_client_certificates_is_reached_with_the_given_secret() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    require_client_certificates_on_cluster_one(&env).await;
    let refused = setup(&env, &["--yes"]).failure();
    assert!(
        refused
            .stderr
            .contains("it requires a client certificate, and ecr showed none"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("--local-es-client-cert-secret NAME"),
        "{}",
        refused.stderr
    );
    let run = setup(
        &env,
        &["--yes", "--local-es-client-cert-secret", "ecr-client-cert"],
    )
    .success();
    assert_connected_both_ways(&run);
}

/// On 9.x, where certificate-based remote clusters are deprecated, setup says so once, in the
/// plan the user confirms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_9_setup_says_once_that_certificate_based_links_are_deprecated() {
    let mut spec = SandboxSpec::two_contexts();
    for kube_cluster in &mut spec.kube_clusters {
        for cluster in &mut kube_cluster.elasticsearch {
            cluster.version = "9.1.0".into();
        }
    }
    let env = Env::with(spec).await;
    for extra in ["--dry-run", "--yes"] {
        let run = setup(&env, &[extra]).success();
        assert_eq!(
            run.stderr
                .matches("Elasticsearch 9 deprecates certificate-based remote clusters")
                .count(),
            1,
            "{extra}: {}",
            run.stderr
        );
    }
}
