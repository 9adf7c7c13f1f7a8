//! `ecr setup` against the sandbox, with the two clusters behind two kube contexts: one command
//! ends connected both ways with at most one rolling restart per cluster; a re-run writes
//! nothing; an interruption at any step, re-run, still ends connected.

mod common;

use common::{Env, Run};
use ecr::sandbox::{Fault, FaultKind, SandboxSpec};

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
    assert!(run.stderr.contains("Plan 4 change(s)"), "{}", run.stderr);
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
