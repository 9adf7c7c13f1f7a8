//! `ecr status` against the sandbox: trust, exposure and remotes at a glance, and exit
//! status 1 when something needs attention (a stale copy after a CA rotation, say).

mod common;

use common::{Env, Run};
use serde_json::Value;

fn status_json(env: &Env) -> (Run, Value) {
    let run = env.ecr(&["status", "cluster-one", "-n", "ns-one", "-o", "json"]);
    let report = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    (run, report)
}

/// `ecr status` once ECK has restarted the pods after a first trust (one at a time: status
/// says `ApplyingChanges` meanwhile).
fn status_once_rolled(env: &Env) -> (Run, Value) {
    for _ in 0..30 {
        let (run, report) = status_json(env);
        if report["phase"] == "Ready" {
            return (run, report);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("cluster-one is still rolling after 3 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_full_setup_everything_is_healthy() {
    let env = Env::start().await;
    env.link_both_ways();
    let (run, report) = status_json(&env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(report["warnings"], serde_json::json!([]));
    let ca = &report["trust"][0];
    assert_eq!(ca["alias"], "cluster-two");
    assert_eq!(ca["store"], "Secret/remote-certs");
    assert_eq!(ca["source"]["cluster"], "cluster-two");
    assert_eq!(ca["in_sync"], true);
    assert_eq!(ca["trusted_back"], true);
    assert!(ca["days_left"].as_i64().unwrap() > 300);
    assert_eq!(report["node_sets"][0]["mounts_bundle"], true);
    assert_eq!(report["exposure"]["service_type"], "LoadBalancer");
    assert!(
        report["exposure"]["address"]
            .as_str()
            .unwrap()
            .ends_with(":9300")
    );
    assert_eq!(report["remotes"][0]["alias"], "cluster-two");
    assert_eq!(report["remotes"][0]["connected"], true);

    let text = env
        .ecr(&["status", "cluster-one", "-n", "ns-one"])
        .success();
    assert!(
        text.stdout.contains("Healthy: nothing needs attention."),
        "{}",
        text.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_source_ca_is_reported_stale_with_exit_status_1() {
    let env = Env::start().await;
    env.link_both_ways();
    env.sandbox
        .api("sandbox")
        .rotate_transport_ca("ns-two", "cluster-two");
    let (run, report) = status_json(&env);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        !run.stderr.contains("error:"),
        "attention is not an error: {}",
        run.stderr
    );
    assert_eq!(report["trust"][0]["in_sync"], false);
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings.contains(
            &"the copy of cluster-two's CA is stale: the source publishes another CA now (rotated?); run ecr trust sync cluster-one -n ns-one"
        ),
        "{warnings:?}"
    );
    let text = env.ecr(&["status", "cluster-one", "-n", "ns-one"]);
    assert_eq!(text.code, Some(1));
    assert!(text.stdout.contains("Needs attention"), "{}", text.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trust_on_one_side_only_is_reported() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--yes"]).success();
    let (run, report) = status_json(&env);
    assert_eq!(run.code, Some(1));
    assert_eq!(report["trust"][0]["trusted_back"], false);
    assert!(
        report["warnings"].to_string().contains(
            "cluster-one trusts cluster-two, but cluster-two does not trust cluster-one back"
        ),
        "{}",
        report["warnings"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_any_link_is_shown_plainly() {
    let env = Env::start().await;
    let run = env
        .ecr(&["status", "cluster-one", "-n", "ns-one"])
        .success();
    assert!(
        run.stdout.contains("no remote CA is trusted through ecr"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("no remote cluster in _remote/info"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("cluster-one-es-transport: ClusterIP (no address)"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_cluster_lists_those_that_exist() {
    let env = Env::start().await;
    let run = env
        .ecr(&["status", "cluster-nine", "-n", "ns-one"])
        .failure();
    assert_eq!(
        run.stderr,
        "error: no Elasticsearch cluster named cluster-nine in the namespace ns-one\nhint: clusters in ns-one: cluster-one\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_sync_heals_a_rotation_without_a_restart_and_status_says_so() {
    let env = Env::start().await;
    env.link_both_ways();
    let restarts = env.api().rolling_restarts("ns-one", "cluster-one");
    env.sandbox
        .api("sandbox")
        .rotate_transport_ca("ns-two", "cluster-two");
    assert_eq!(
        status_json(&env).0.code,
        Some(1),
        "the stale copy needs attention"
    );

    env.ecr(&["trust", "sync", "cluster-one", "-n", "ns-one", "--yes"])
        .success();
    assert_eq!(
        env.api().rolling_restarts("ns-one", "cluster-one"),
        restarts,
        "no pod-template change"
    );
    // The link reconnects on its own once the new CA is in the mounted file.
    let healthy = (0..20).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(150));
        status_json(&env).0.code == Some(0)
    });
    assert!(
        healthy,
        "status is healthy again: {}",
        status_json(&env).1["warnings"]
    );

    let since = env.api().requests().len();
    env.ecr(&["trust", "sync", "cluster-one", "-n", "ns-one", "--yes"])
        .success();
    let writes = env.api().requests()[since..]
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(writes, 0, "a second sync writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_of_another_name_is_found_where_the_node_sets_mount_it() {
    let env = Env::start().await;
    let layout = [
        "--secret",
        "partner-cas",
        "--mount-path",
        "/usr/share/elasticsearch/config/partners",
    ];
    env.trust_one_from_two(&[&layout[..], &["--mutual", "--yes"]].concat())
        .success();
    let (run, report) = status_once_rolled(&env);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stderr, report["warnings"]);
    let ca = &report["trust"][0];
    assert_eq!(ca["alias"], "cluster-two");
    assert_eq!(ca["store"], "Secret/partner-cas");
    // cluster-two keeps its copy in a secret of that name too, and status finds it there.
    assert_eq!(ca["trusted_back"], true);
    assert_eq!(report["node_sets"][0]["mounts_bundle"], true);
}
