//! `ecr expose` against the sandbox: the address printed as soon as the load balancer has
//! one, nothing written on a re-run, everything else in `spec.transport` kept, clean timeouts.

mod common;

use std::time::{Duration, Instant};

use common::Env;
use ecr::sandbox::PolicyRule;
use serde_json::{Value, json};

const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";

fn resource(env: &Env) -> Value {
    env.api()
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .unwrap()
}

fn ingress_ip(env: &Env) -> Option<String> {
    let service =
        env.api()
            .get_object("", "services", Some("ns-one"), "cluster-one-es-transport")?;
    service["status"]["loadBalancer"]["ingress"][0]["ip"]
        .as_str()
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_the_address_as_soon_as_the_load_balancer_has_one() {
    let env = Env::start().await;
    let delay = Duration::from_millis(1500);
    env.api().set_load_balancer_delay(delay);
    let started = Instant::now();
    let run = env
        .ecr(&["expose", "cluster-one", "-n", "ns-one", "--yes"])
        .success();
    let elapsed = started.elapsed();
    let ip = ingress_ip(&env).expect("the load balancer has an address");
    assert_eq!(run.stdout, format!("{ip}:9300\n"));
    assert!(
        elapsed >= delay,
        "printed before the address existed: {elapsed:?}"
    );
    assert!(
        elapsed < delay + Duration::from_millis(800),
        "printed {elapsed:?} after start, the address came after {delay:?}"
    );
    assert_eq!(env.api().rolling_restarts("ns-one", "cluster-one"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_run_writes_nothing_and_prints_the_address_at_once() {
    let env = Env::start().await;
    let first = env
        .ecr(&["expose", "cluster-one", "-n", "ns-one", "--yes"])
        .success();
    let since = env.api().requests().len();
    let started = Instant::now();
    let again = env
        .ecr(&["expose", "cluster-one", "-n", "ns-one"])
        .success();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(again.stdout, first.stdout);
    assert_eq!(env.writes_since("sandbox", since).len(), 0);
    assert!(
        again.stderr.contains("already in place, nothing written"),
        "{}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotations_are_added_and_the_rest_of_transport_is_kept() {
    let env = Env::start().await;
    let mut es = resource(&env);
    es["spec"]["transport"] = json!({
        "service": {
            "metadata": {"labels": {"team": "search"}, "annotations": {"owner": "ops"}},
            "spec": {"type": "ClusterIP"},
        },
        "tls": {"subjectAltNames": [{"dns": "transport.example.com"}]},
    });
    env.api().put_object(ES_GROUP, "elasticsearches", es);
    let internal = "service.beta.kubernetes.io/aws-load-balancer-scheme=internal";
    env.ecr(&[
        "expose",
        "cluster-one",
        "-n",
        "ns-one",
        "--annotation",
        internal,
        "--yes",
    ])
    .success();
    let transport = &resource(&env)["spec"]["transport"];
    assert_eq!(
        *transport,
        json!({
            "service": {
                "metadata": {
                    "labels": {"team": "search"},
                    "annotations": {"owner": "ops", "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
                },
                "spec": {"type": "LoadBalancer"},
            },
            "tls": {"subjectAltNames": [{"dns": "transport.example.com"}]},
        })
    );
    let service = env
        .api()
        .get_object("", "services", Some("ns-one"), "cluster-one-es-transport")
        .unwrap();
    assert_eq!(
        service["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"],
        "internal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_balancer_that_never_comes_times_out_cleanly() {
    let env = Env::start().await;
    env.api().set_load_balancer_delay(Duration::from_secs(3600));
    let started = Instant::now();
    let run = env
        .ecr(&[
            "expose",
            "cluster-one",
            "-n",
            "ns-one",
            "--yes",
            "--timeout",
            "1s",
        ])
        .failure();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:") || l.starts_with("hint:"))
        .collect();
    assert_eq!(
        errors[0],
        "error: the service cluster-one-es-transport in ns-one got no load-balancer address within 1s"
    );
    assert!(
        errors[1].starts_with("hint: is a cloud controller (or MetalLB on bare metal) running"),
        "{}",
        errors[1]
    );
    assert!(errors[1].ends_with("try --type NodePort"), "{}", errors[1]);
    assert_eq!(run.stdout, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_wait_returns_after_the_change() {
    let env = Env::start().await;
    env.api().set_load_balancer_delay(Duration::from_secs(3600));
    let run = env
        .ecr(&[
            "expose",
            "cluster-one",
            "-n",
            "ns-one",
            "--yes",
            "--no-wait",
        ])
        .success();
    assert_eq!(run.stdout, "");
    assert_eq!(
        resource(&env)["spec"]["transport"]["service"]["spec"]["type"],
        "LoadBalancer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_port_prints_the_port_any_node_serves() {
    let env = Env::start().await;
    let run = env
        .ecr(&[
            "expose",
            "cluster-one",
            "-n",
            "ns-one",
            "--type",
            "NodePort",
            "--yes",
            "-o",
            "json",
        ])
        .success();
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let service = env
        .api()
        .get_object("", "services", Some("ns-one"), "cluster-one-es-transport")
        .unwrap();
    assert_eq!(report["type"], "NodePort");
    assert_eq!(report["port"], service["spec"]["ports"][0]["nodePort"]);
    assert_eq!(report["address"], Value::Null);
    assert_eq!(report["outcome"], "applied");
    assert!(
        run.stderr.contains("any node's address serves"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_names_service_type_address_and_port() {
    let env = Env::start().await;
    let run = env
        .ecr(&[
            "expose",
            "cluster-one",
            "-n",
            "ns-one",
            "--yes",
            "-o",
            "json",
        ])
        .success();
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["service"], "cluster-one-es-transport");
    assert_eq!(report["type"], "LoadBalancer");
    assert_eq!(report["address"], json!(ingress_ip(&env).unwrap()));
    assert_eq!(report["port"], 9300);
    assert_eq!(report["changes"][0]["kind"], "Elasticsearch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_neither_writes_nor_waits() {
    let env = Env::start().await;
    let since = env.api().requests().len();
    let run = env
        .ecr(&["expose", "cluster-one", "-n", "ns-one", "--dry-run"])
        .success();
    assert_eq!(env.writes_since("sandbox", since).len(), 0);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("ECK recreates the service cluster-one-es-transport as a LoadBalancer"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_before_any_request() {
    let env = Env::start().await;
    let since = env.api().requests().len();
    for args in [
        vec!["--type", "ExternalName"],
        vec!["--timeout", "soon"],
        vec!["--annotation", "no-equals-sign"],
        vec!["--annotation", "bad key=x"],
    ] {
        let run = env.ecr(
            &[
                &["expose", "cluster-one", "-n", "ns-one", "--yes"][..],
                &args[..],
            ]
            .concat(),
        );
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: invalid value"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(env.api().requests().len(), since);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_denials_on_the_watch_are_named() {
    let env = Env::start().await;
    let es = PolicyRule::new(&["get", "patch"], &["elasticsearches"], &[]);
    let services = PolicyRule::new(&["get"], &["services"], &[]);
    env.api()
        .add_user("carol-token", "carol", vec![es, services]);
    let kubeconfig = env.kubeconfig_with_token("sandbox", "carol-token");
    let run = env
        .run_with_kubeconfig(
            env!("CARGO_BIN_EXE_ecr"),
            &["expose", "cluster-one", "-n", "ns-one", "--yes"],
            &kubeconfig,
        )
        .failure();
    assert!(
        run.stderr
            .contains("error: RBAC denied list services in ns-one for user carol\n"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_cluster_lists_those_that_exist() {
    let env = Env::start().await;
    let run = env
        .ecr(&["expose", "cluster-nine", "-n", "ns-one", "--yes"])
        .failure();
    assert_eq!(
        run.stderr,
        "error: no Elasticsearch cluster named cluster-nine in the namespace ns-one\nhint: clusters in ns-one: cluster-one\n"
    );
}
