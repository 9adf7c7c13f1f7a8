//! Hardening under faults (issue #9): the commands that plan writes, driven against a sandbox
//! whose API server or Elasticsearch fails on purpose. Passing failures of reads are retried,
//! boundedly; a concurrent write is re-read and re-planned on; an API server that goes away
//! mid-plan leaves nothing half-written and a re-run finishes; Elasticsearch failing while a
//! link is proven is waited out within `--timeout`.

mod common;

use std::time::{Duration, Instant};

use common::{Env, Run};
use ecr::sandbox::{EsEndpoint, Fault, FaultKind, SandboxSpec};
use http::Method;
use serde_json::{Value, json};

const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";
const BUNDLE: &str = "/usr/share/elasticsearch/config/other/remote.ca.crt";
/// The Elasticsearch resource every planning command reads first.
const RESOURCE_PATH: &str =
    "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches/cluster-one";

fn resource(env: &Env, context: &str, namespace: &str, name: &str) -> Value {
    env.sandbox
        .api(context)
        .get_object(ES_GROUP, "elasticsearches", Some(namespace), name)
        .expect("the Elasticsearch resource")
}

fn cluster_one(env: &Env) -> Value {
    resource(env, "sandbox", "ns-one", "cluster-one")
}

fn es(env: &Env, context: &str, namespace: &str, name: &str) -> EsEndpoint {
    env.sandbox
        .elasticsearch(context, namespace, name)
        .expect("an emulated Elasticsearch")
}

/// The statuses the API server answered to `method` on `path` (whatever the query, but
/// watches left out) since the `since`-th request.
fn statuses(env: &Env, since: usize, method: &str, path: &str) -> Vec<u16> {
    env.api().requests()[since..]
        .iter()
        .filter(|r| r.method == method && !r.path.contains("watch="))
        .filter(|r| r.path.split('?').next() == Some(path))
        .map(|r| r.status)
        .collect()
}

/// The statuses Elasticsearch answered to `method` on paths starting with `path`.
fn es_statuses(es: &EsEndpoint, method: &str, path: &str) -> Vec<u16> {
    es.handle
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(path))
        .map(|r| r.status)
        .collect()
}

/// The failure ecr printed: everything from its `error:` line on (progress comes before).
#[track_caller]
fn error_lines(run: &Run) -> Vec<&str> {
    let lines: Vec<&str> = run.stderr.lines().collect();
    let first = lines
        .iter()
        .position(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line:\n{}", run.stderr));
    lines[first..].to_vec()
}

/// A planning command: how to get the sandbox ready for it, how to run it, and what must
/// hold once it succeeded.
struct Command {
    name: &'static str,
    prepare: fn(&Env),
    run: fn(&Env) -> Run,
    /// The exit status when all went well (`status` says 1 when something needs attention).
    code: i32,
    check: fn(&Env, &Run),
}

fn nothing(_: &Env) {}

fn trusts_cluster_two(env: &Env, _: &Run) {
    assert!(
        env.api()
            .get_object("", "secrets", Some("ns-one"), "remote-certs")
            .is_some()
    );
    assert_eq!(
        cluster_one(env)["spec"]["nodeSets"][0]["config"]["xpack.security.transport.ssl.certificate_authorities"],
        json!([BUNDLE])
    );
}

fn is_exposed(env: &Env, run: &Run) {
    assert_eq!(
        cluster_one(env)["spec"]["transport"]["service"]["spec"]["type"],
        "LoadBalancer"
    );
    assert!(run.stdout.trim().ends_with(":9300"), "{}", run.stdout);
}

fn is_connected(env: &Env, run: &Run) {
    let settings = es(env, "sandbox", "ns-one", "cluster-one")
        .handle
        .persistent_settings();
    assert_eq!(settings["cluster.remote.cluster-two.mode"], "proxy");
    assert!(
        run.stderr
            .contains("_remote/info says cluster-two: connected true"),
        "{}",
        run.stderr
    );
}

fn reports_one_way_trust(_: &Env, run: &Run) {
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["trust"][0]["alias"], "cluster-two");
    assert_eq!(report["trust"][0]["in_sync"], true);
    assert_eq!(report["trust"][0]["trusted_back"], false);
}

fn trust_one_way(env: &Env) {
    env.trust_one_from_two(&["--yes"]).success();
}

fn trust_and_expose(env: &Env) {
    env.trust_and_expose_both_ways();
}

fn trust_add(env: &Env) -> Run {
    env.trust_one_from_two(&["--yes"])
}

fn expose(env: &Env) -> Run {
    env.ecr(&["expose", "cluster-one", "-n", "ns-one", "--yes"])
}

fn connect(env: &Env) -> Run {
    connect_proxy(env, "10s")
}

fn status(env: &Env) -> Run {
    env.ecr(&["status", "cluster-one", "-n", "ns-one", "-o", "json"])
}

fn connect_ref(env: &Env) -> Run {
    env.connect_ref_one_to_two()
}

const COMMANDS: [Command; 4] = [
    Command {
        name: "trust add",
        prepare: nothing,
        run: trust_add,
        code: 0,
        check: trusts_cluster_two,
    },
    Command {
        name: "expose",
        prepare: nothing,
        run: expose,
        code: 0,
        check: is_exposed,
    },
    Command {
        name: "connect --proxy",
        prepare: trust_and_expose,
        run: connect,
        code: 0,
        check: is_connected,
    },
    Command {
        name: "status",
        prepare: trust_one_way,
        run: status,
        code: 1,
        check: reports_one_way_trust,
    },
];

/// Each passing failure, how many times it is armed, and the statuses ecr then sees.
fn passing_failures() -> Vec<(&'static str, FaultKind, u32, Vec<u16>)> {
    vec![
        ("503", FaultKind::Status(503), 2, vec![503, 503, 200]),
        (
            "429 with Retry-After",
            FaultKind::TooManyRequests {
                retry_after_secs: 1,
            },
            1,
            vec![429, 200],
        ),
        (
            "dropped connection",
            FaultKind::DropConnection,
            1,
            vec![0, 200],
        ),
    ]
}

fn on_the_resource_read(kind: FaultKind, times: u32) -> Fault {
    Fault::new(kind)
        .method(Method::GET)
        .path_prefix(RESOURCE_PATH)
        .times(times)
}

/// Every planning command gets through a 503, a 429 (waiting as asked) and a dropped
/// connection on its first read, and ends with the same result as without them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_retried_through_passing_failures_by_every_planning_command() {
    for command in &COMMANDS {
        for (fault, kind, times, seen) in passing_failures() {
            let env = Env::start().await;
            (command.prepare)(&env);
            let since = env.api().requests().len();
            env.api().inject_fault(on_the_resource_read(kind, times));
            let started = Instant::now();
            let run = (command.run)(&env);
            let what = format!("{} through a {fault}", command.name);
            assert_eq!(run.code, Some(command.code), "{what}: {}", run.stderr);
            let statuses = statuses(&env, since, "GET", RESOURCE_PATH);
            assert_eq!(statuses[..seen.len()], seen, "{what}: {statuses:?}");
            if fault.starts_with("429") {
                assert!(
                    started.elapsed() >= Duration::from_secs(1),
                    "{what}: no wait"
                );
            }
            (command.check)(&env, &run);
        }
    }
}

/// `expose` waits for the address on a watch; the watch's list meeting a passing failure is
/// started again, as any read is retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wait_of_expose_is_retried_through_passing_failures() {
    let services = "/api/v1/namespaces/ns-one/services";
    for (fault, kind, times, seen) in passing_failures() {
        let env = Env::start().await;
        let since = env.api().requests().len();
        env.api().inject_fault(
            Fault::new(kind)
                .method(Method::GET)
                .path_prefix(services)
                .times(times),
        );
        let run = expose(&env);
        assert_eq!(run.code, Some(0), "through a {fault}: {}", run.stderr);
        assert_eq!(
            statuses(&env, since, "GET", services),
            seen,
            "through a {fault}"
        );
        is_exposed(&env, &run);
    }
}

/// The commands that read Elasticsearch (through a port-forward) retry those reads too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elasticsearch_reads_are_retried_through_passing_failures() {
    let reads = [
        (&COMMANDS[2], "/_cluster/settings"),
        (&COMMANDS[3], "/_remote/info"),
    ];
    for (command, path) in reads {
        for (status, times, seen) in [(503, 2, vec![503, 503, 200]), (429, 1, vec![429, 200])] {
            let env = Env::start().await;
            (command.prepare)(&env);
            let one = es(&env, "sandbox", "ns-one", "cluster-one");
            one.handle.inject(
                Fault::new(status)
                    .times(times)
                    .method(Method::GET)
                    .path_prefix(path),
            );
            let run = (command.run)(&env);
            let what = format!("{} through {status} on {path}", command.name);
            assert_eq!(run.code, Some(command.code), "{what}: {}", run.stderr);
            let statuses = es_statuses(&one, "GET", path);
            assert_eq!(statuses[..seen.len()], seen, "{what}: {statuses:?}");
            (command.check)(&env, &run);
        }
    }
}

/// A server that keeps failing is reported after four attempts, in two lines that name the
/// server and the read, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_keeps_failing_is_reported_after_four_attempts_by_every_planning_command() {
    for command in &COMMANDS {
        let env = Env::start().await;
        (command.prepare)(&env);
        let since = env.api().requests().len();
        env.api()
            .inject_fault(on_the_resource_read(FaultKind::Status(503), 100));
        let started = Instant::now();
        let run = (command.run)(&env).failure();
        let elapsed = started.elapsed();
        let what = command.name;
        assert!(elapsed < Duration::from_secs(8), "{what}: {elapsed:?}");
        assert_eq!(
            statuses(&env, since, "GET", RESOURCE_PATH),
            [503; 4],
            "{what}"
        );
        let lines = error_lines(&run);
        assert!(lines.len() <= 2, "{what}: {lines:?}");
        assert_eq!(
            lines[0],
            format!(
                "error: the API server at {} (context sandbox) answered 503 to get \
                 elasticsearches.elasticsearch.k8s.elastic.co in ns-one (tried 4 times): \
                 the server is currently unable to handle the request",
                env.api().url()
            ),
            "{what}"
        );
        assert_eq!(
            env.writes_since("sandbox", since),
            Vec::<String>::new(),
            "{what}"
        );
    }
}

/// Another client's edit of cluster-one, made between ecr's read and its write; what ecr is
/// asked to do on top of it; and what must hold once it is done.
struct ConcurrentEdit {
    name: &'static str,
    edit: fn(&mut Value),
    run: fn(&Env) -> Run,
    check: fn(&Value),
}

const CONCURRENT_EDITS: [ConcurrentEdit; 3] = [
    ConcurrentEdit {
        name: "expose, while someone annotates the transport service and scales",
        edit: |resource| {
            resource["spec"]["transport"] =
                json!({"service": {"metadata": {"annotations": {"team": "search"}}}});
            resource["spec"]["nodeSets"][0]["count"] = json!(3);
        },
        run: expose,
        check: |resource| {
            let service = &resource["spec"]["transport"]["service"];
            assert_eq!(service["metadata"]["annotations"]["team"], "search");
            assert_eq!(resource["spec"]["nodeSets"][0]["count"], 3);
            assert_eq!(service["spec"]["type"], "LoadBalancer");
        },
    },
    ConcurrentEdit {
        name: "connect --ref, while someone adds another remote",
        edit: |resource| {
            resource["spec"]["remoteClusters"] = json!([{"name": "partner", "elasticsearchRef": {"name": "partner", "namespace": "ns-p"}}]);
        },
        run: connect_ref,
        check: |resource| {
            assert_eq!(
                resource["spec"]["remoteClusters"],
                json!([
                    {"name": "partner", "elasticsearchRef": {"name": "partner", "namespace": "ns-p"}},
                    {"name": "cluster-two", "elasticsearchRef": {"name": "cluster-two", "namespace": "ns-two"}},
                ])
            );
        },
    },
    ConcurrentEdit {
        name: "trust add, while someone changes the podTemplate of the nodeSet",
        edit: |resource| {
            resource["spec"]["nodeSets"][0]["podTemplate"] = json!({
                "metadata": {"labels": {"team": "search"}},
                "spec": {"containers": [{
                    "name": "elasticsearch",
                    "env": [{"name": "ES_JAVA_OPTS", "value": "-Xms2g -Xmx2g"}],
                }]},
            });
        },
        run: trust_add,
        check: |resource| {
            let node_set = &resource["spec"]["nodeSets"][0];
            let template = &node_set["podTemplate"];
            assert_eq!(template["metadata"]["labels"]["team"], "search");
            let container = &template["spec"]["containers"][0];
            assert_eq!(
                container["env"],
                json!([{"name": "ES_JAVA_OPTS", "value": "-Xms2g -Xmx2g"}])
            );
            assert_eq!(
                container["volumeMounts"][0]["mountPath"],
                "/usr/share/elasticsearch/config/other"
            );
            assert_eq!(
                node_set["config"]["xpack.security.transport.ssl.certificate_authorities"],
                json!([BUNDLE])
            );
        },
    },
];

/// A 409 on the write makes ecr read again, re-plan and write on top of the other client's
/// change: both changes hold afterwards, and a re-run finds nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_write_is_re_planned_and_keeps_the_other_writers_fields() {
    for case in &CONCURRENT_EDITS {
        let env = Env::start().await;
        let mut edited = cluster_one(&env);
        (case.edit)(&mut edited);
        edited["metadata"]
            .as_object_mut()
            .expect("metadata")
            .remove("resourceVersion");
        let since = env.api().requests().len();
        env.api().inject_fault(
            Fault::new(FaultKind::ConcurrentWrite {
                group: ES_GROUP.into(),
                resource: "elasticsearches".into(),
                object: edited,
            })
            .method(Method::PATCH)
            .path_prefix(RESOURCE_PATH),
        );
        let run = (case.run)(&env);
        let what = case.name;
        assert_eq!(run.code, Some(0), "{what}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("was changed by someone else during patch")
                && run.stderr.contains("re-planning"),
            "{what}: {}",
            run.stderr
        );
        assert_eq!(
            statuses(&env, since, "PATCH", RESOURCE_PATH),
            [409, 200],
            "{what}"
        );
        (case.check)(&cluster_one(&env));
        let again = env.api().requests().len();
        let rerun = (case.run)(&env).success();
        assert!(
            rerun.stderr.contains("already in place"),
            "{what}: {}",
            rerun.stderr
        );
        assert_eq!(
            env.writes_since("sandbox", again),
            Vec::<String>::new(),
            "{what}"
        );
    }
}

/// How long ecr may take to give up on an API server that went away.
const GIVE_UP_WITHIN: Duration = Duration::from_secs(5);

fn go_away_at_the_resource_patch(path: &str) -> Fault {
    Fault::new(FaultKind::GoAway)
        .method(Method::PATCH)
        .path_prefix(path)
}

/// Runs `ecr`, which must fail soon, in at most two lines naming the API server.
#[track_caller]
fn fails_soon_and_briefly(what: &str, ecr: impl FnOnce() -> Run, server: &str) -> Run {
    let started = Instant::now();
    let run = ecr().failure();
    let elapsed = started.elapsed();
    eprintln!("ecr {what} gave up after {elapsed:?}");
    assert!(elapsed < GIVE_UP_WITHIN, "gave up after {elapsed:?}");
    let lines = error_lines(&run);
    assert!(lines.len() <= 2, "{lines:#?}");
    assert!(lines[0].contains(server), "{lines:#?}");
    assert!(
        lines[0].contains(
            " to patch elasticsearches.elasticsearch.k8s.elastic.co/cluster-one in ns-one: "
        ),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with("hint: the write may or may not have been made"),
        "{lines:#?}"
    );
    run
}

/// The API server goes away at the Elasticsearch resource's PATCH, after the secret was
/// written: ecr stops soon, the cluster keeps working (secret there, resource untouched),
/// and once the server is back a re-run finishes, and a third writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_add_interrupted_by_a_vanishing_api_server_is_finished_by_a_re_run() {
    let env = Env::start().await;
    let before = cluster_one(&env);
    env.api()
        .inject_fault(go_away_at_the_resource_patch(RESOURCE_PATH));
    fails_soon_and_briefly("trust add", || trust_add(&env), &env.api().url());
    let secret = env
        .api()
        .get_object("", "secrets", Some("ns-one"), "remote-certs")
        .expect("the secret was written before the server went away");
    assert!(secret["data"]["cluster-two.pem"].is_string());
    assert_eq!(cluster_one(&env), before, "the resource is untouched");
    assert_eq!(env.api().rolling_restarts("ns-one", "cluster-one"), 0);

    env.api().clear_faults();
    let run = trust_add(&env).success();
    trusts_cluster_two(&env, &run);
    let since = env.api().requests().len();
    let third = trust_add(&env).success();
    assert!(
        third.stderr.contains("already in place"),
        "{}",
        third.stderr
    );
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
}

/// The same in `ecr setup` across two kube contexts: the first cluster's API server goes
/// away at its resource's PATCH; the other is left consistent; a re-run finishes the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_interrupted_by_a_vanishing_api_server_is_finished_by_a_re_run() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let one = env.sandbox.api("sandbox-one");
    let before = resource(&env, "sandbox-one", "ns-one", "cluster-one");
    one.inject_fault(go_away_at_the_resource_patch(RESOURCE_PATH));
    fails_soon_and_briefly("setup", || env.setup_two_contexts(&["--yes"]), &one.url());
    assert!(
        one.get_object("", "secrets", Some("ns-one"), "remote-certs")
            .is_some(),
        "the secret was written before the server went away"
    );
    assert_eq!(
        resource(&env, "sandbox-one", "ns-one", "cluster-one"),
        before,
        "the resource is untouched"
    );
    for (context, namespace, cluster) in [
        ("sandbox-one", "ns-one", "cluster-one"),
        ("sandbox-two", "ns-two", "cluster-two"),
    ] {
        assert_eq!(
            es(&env, context, namespace, cluster)
                .handle
                .persistent_settings(),
            json!({}),
            "{cluster}: no remote settings before both sides trust each other"
        );
    }

    one.clear_faults();
    let finished = env.setup_two_contexts(&["--yes"]).success();
    for alias in ["cluster-one", "cluster-two"] {
        assert!(
            finished
                .stderr
                .contains(&format!("_remote/info says {alias}: connected true")),
            "{}",
            finished.stderr
        );
    }
    let node_set = &resource(&env, "sandbox-one", "ns-one", "cluster-one")["spec"]["nodeSets"][0];
    assert_eq!(
        node_set["config"]["xpack.security.transport.ssl.certificate_authorities"],
        json!([BUNDLE])
    );
    let since = (
        one.requests().len(),
        env.sandbox.api("sandbox-two").requests().len(),
    );
    let third = env.setup_two_contexts(&["--yes"]).success();
    assert!(
        third.stderr.contains("already in place"),
        "{}",
        third.stderr
    );
    assert_eq!(
        env.writes_since("sandbox-one", since.0),
        Vec::<String>::new()
    );
    assert_eq!(
        env.writes_since("sandbox-two", since.1),
        Vec::<String>::new()
    );
}

/// `connect --proxy cluster-two`, with the steps before it done, and its timeout.
fn connect_proxy(env: &Env, timeout: &str) -> Run {
    env.connect_one_to_two(&["--timeout", timeout, "--yes"])
}

fn remote_info_failing(times: u32) -> Fault<u16> {
    Fault::new(503)
        .times(times)
        .method(Method::GET)
        .path_prefix("/_remote/info")
}

/// Elasticsearch answering 503 to `_remote/info` for a while (longer than one read's
/// retries) is waited out: ecr keeps polling and proves the link once it answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_polls_through_a_while_of_5xx_on_remote_info() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    let one = es(&env, "sandbox", "ns-one", "cluster-one");
    one.handle.inject(remote_info_failing(6));
    let run = connect_proxy(&env, "20s").success();
    is_connected(&env, &run);
    let polls = es_statuses(&one, "GET", "/_remote/info");
    assert_eq!(polls[..7], [503, 503, 503, 503, 503, 503, 200], "{polls:?}");
    assert_eq!(
        es_statuses(&one, "PUT", "/_cluster/settings"),
        [200],
        "sent once"
    );
}

/// Elasticsearch failing for longer than `--timeout`: ecr stops soon after it, in two lines
/// naming the link it awaited and the last error; the settings were written once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_gives_up_on_5xx_after_its_timeout_naming_the_link_and_the_error() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    let one = es(&env, "sandbox", "ns-one", "cluster-one");
    one.handle.inject(remote_info_failing(10_000));
    let started = Instant::now();
    let run = connect_proxy(&env, "2s").failure();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
    let lines = error_lines(&run);
    assert!(lines.len() <= 2, "{lines:#?}");
    assert!(
        lines[0].starts_with("error: cluster-two did not connect within 2s: "),
        "{lines:#?}"
    );
    assert!(
        lines[0].contains("could not read the remote cluster connections on cluster-one in ns-one")
            && lines[0].ends_with(
                "(tried 4 times): blocked by: [SERVICE_UNAVAILABLE/2/no master]; \
                 (cluster_block_exception)"
            ),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with("hint: the settings are written"),
        "{lines:#?}"
    );
    assert_eq!(
        es_statuses(&one, "PUT", "/_cluster/settings"),
        [200],
        "sent once"
    );
    assert_eq!(
        one.handle.persistent_settings()["cluster.remote.cluster-two.mode"],
        "proxy"
    );
    // As the hint says: once Elasticsearch answers, a re-run proves the link, writing nothing.
    one.handle.clear_faults();
    let run = connect_proxy(&env, "10s").success();
    is_connected(&env, &run);
    assert_eq!(es_statuses(&one, "PUT", "/_cluster/settings"), [200]);
}

/// A settings write Elasticsearch answers 503 is not sent again blindly: ecr stops, naming
/// the write, with nothing changed; a re-run reads again and writes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_settings_write_is_sent_once_and_a_re_run_finishes() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    let one = es(&env, "sandbox", "ns-one", "cluster-one");
    one.handle.inject(
        Fault::new(503)
            .times(1)
            .method(Method::PUT)
            .path_prefix("/_cluster/settings"),
    );
    let run = connect_proxy(&env, "10s").failure();
    let lines = error_lines(&run);
    assert!(lines.len() <= 2, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "error: Elasticsearch could not update the cluster settings on cluster-one"
        ),
        "{lines:#?}"
    );
    assert_eq!(es_statuses(&one, "PUT", "/_cluster/settings"), [503]);
    assert_eq!(one.handle.persistent_settings(), json!({}));
    let run = connect_proxy(&env, "10s").success();
    is_connected(&env, &run);
    assert_eq!(es_statuses(&one, "PUT", "/_cluster/settings"), [503, 200]);
}
