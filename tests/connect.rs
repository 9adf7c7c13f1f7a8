//! `ecr connect` / `ecr disconnect` against the sandbox: the four documented steps with ecr
//! alone, both ways, proven connected; nothing written twice; failures explained; no secret
//! ever printed.

mod common;

use common::{CONNECT_ONE_TO_TWO, Env, Run, setting_puts};
use ecr::sandbox::{ElasticsearchSpec, KubeClusterSpec, SandboxSpec};
use serde_json::{Value, json};

const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";

fn connect_one_to_two(env: &Env, extra: &[&str]) -> Run {
    env.connect_one_to_two(extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_http_tls_off_on_both_clusters_connect_works_in_plain_http() {
    let env = Env::without_http_tls().await;
    env.trust_and_expose_both_ways();
    let run = connect_one_to_two(&env, &["--yes"]).success();
    assert!(
        run.stderr
            .contains("Connected _remote/info says cluster-two: connected true"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.endpoint("ns-one", "cluster-one")
            .handle
            .persistent_settings()["cluster.remote.cluster-two.mode"],
        "proxy"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_http_tls_off_on_both_clusters_status_sees_the_link() {
    let env = Env::without_http_tls().await;
    env.trust_and_expose_both_ways();
    connect_one_to_two(&env, &["--yes"]).success();
    let run = env
        .ecr(&["status", "cluster-one", "-n", "ns-one", "-o", "json"])
        .success();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["remotes"][0]["alias"], "cluster-two");
    assert_eq!(report["remotes"][0]["connected"], true);
    assert_eq!(report["warnings"], json!([]), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_four_steps_with_ecr_alone_connect_both_ways_through_port_forwards() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    let one = connect_one_to_two(&env, &["--yes"]).success();
    assert!(
        one.stderr
            .contains("Connected _remote/info says cluster-two: connected true"),
        "{}",
        one.stderr
    );
    let two = env
        .ecr(&[
            "connect",
            "cluster-two",
            "-n",
            "ns-two",
            "--proxy",
            "--remote",
            "cluster-one",
            "--remote-namespace",
            "ns-one",
            "--yes",
            "-o",
            "json",
        ])
        .success();
    let report: Value = serde_json::from_str(&two.stdout).unwrap();
    assert_eq!(report["remote_info"]["connected"], true);
    assert_eq!(report["alias"], "cluster-one");

    let one_settings = env
        .endpoint("ns-one", "cluster-one")
        .handle
        .persistent_settings();
    let address = env
        .api()
        .get_object("", "services", Some("ns-two"), "cluster-two-es-transport")
        .unwrap()["status"]["loadBalancer"]["ingress"][0]["ip"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(one_settings["cluster.remote.cluster-two.mode"], "proxy");
    assert_eq!(
        one_settings["cluster.remote.cluster-two.proxy_address"],
        json!(format!("{address}:9300"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_four_steps_across_two_kube_contexts() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let one = ["-n", "ns-one", "--context", "sandbox-one"];
    let two = [
        "--remote-namespace",
        "ns-two",
        "--remote-context",
        "sandbox-two",
    ];
    env.ecr(
        &[
            &["trust", "add", "cluster-one"][..],
            &one,
            &[
                "--from",
                "cluster-two",
                "--from-namespace",
                "ns-two",
                "--from-context",
                "sandbox-two",
                "--mutual",
                "--yes",
            ],
        ]
        .concat(),
    )
    .success();
    env.ecr(
        &[&[
            "expose",
            "cluster-two",
            "-n",
            "ns-two",
            "--context",
            "sandbox-two",
            "--yes",
        ][..]]
        .concat(),
    )
    .success();
    let run = env
        .ecr(
            &[
                &["connect", "cluster-one"][..],
                &one,
                &["--proxy", "--remote", "cluster-two"],
                &two,
                &["--yes"],
            ]
            .concat(),
        )
        .success();
    assert!(run.stderr.contains("connected true"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn also_through_a_direct_url() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    let direct = env.endpoint("ns-one", "cluster-one");
    let ca = env.dir.path().join("http-ca.pem");
    std::fs::write(&ca, &direct.http_ca_pem).unwrap();
    let address = String::from_utf8(
        env.ecr(&["expose", "cluster-two", "-n", "ns-two"])
            .success()
            .stdout
            .into_bytes(),
    )
    .unwrap();
    let args = [
        "connect",
        "--proxy",
        address.trim(),
        "--alias",
        "two",
        "--es-url",
        &direct.url,
        "--es-ca-file",
        ca.to_str().unwrap(),
        "--yes",
    ];
    let run = env
        .ecr_with_environment(
            &args,
            &[
                ("ES_USERNAME", "elastic"),
                ("ES_PASSWORD", &direct.elastic_password),
            ],
        )
        .success();
    assert!(
        run.stderr
            .contains("Connected _remote/info says two: connected true"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains(&direct.elastic_password)
            && !run.stdout.contains(&direct.elastic_password)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_run_writes_nothing() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    connect_one_to_two(&env, &["--yes"]).success();
    let es = env.endpoint("ns-one", "cluster-one");
    let puts = setting_puts(&es);
    let again = connect_one_to_two(&env, &["--yes"]).success();
    assert_eq!(setting_puts(&es), puts);
    assert!(
        again.stderr.contains("already in place, nothing written"),
        "{}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trust_the_connect_fails_in_time_and_names_the_missing_trust() {
    let env = Env::start().await;
    // cluster-two trusts cluster-one, but not the other way round.
    env.trust_two_from_one().success();
    env.ecr(&["expose", "cluster-two", "-n", "ns-two", "--yes"])
        .success();
    let started = std::time::Instant::now();
    let run = connect_one_to_two(&env, &["--yes", "--timeout", "2s"]).failure();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let error = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap();
    assert!(error.starts_with("error: cluster-two did not connect within 2s; _remote/info says cluster-two: connected false"), "{error}");
    let hint = run
        .stderr
        .lines()
        .find(|l| l.starts_with("hint: "))
        .unwrap();
    assert!(
        hint.contains("cluster-one does not trust the current transport CA of cluster-two: run ecr trust add cluster-one -n ns-one --from cluster-two --from-namespace ns-two"),
        "{hint}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_that_is_not_exposed_is_refused_before_any_write() {
    let env = Env::start().await;
    let run = connect_one_to_two(&env, &["--yes"]).failure();
    assert_eq!(
        run.stderr,
        "error: cluster-two is not exposed yet: its service cluster-two-es-transport has no load-balancer address\n\
         hint: run ecr expose cluster-two -n ns-two first, or give --proxy ADDRESS\n"
    );
    assert_eq!(setting_puts(&env.endpoint("ns-one", "cluster-one")), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_removes_every_setting_of_the_alias() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    connect_one_to_two(
        &env,
        &[
            "--yes",
            "--skip-unavailable",
            "--proxy-socket-connections",
            "6",
        ],
    )
    .success();
    let es = env.endpoint("ns-one", "cluster-one");
    assert_eq!(
        es.handle.persistent_settings()["cluster.remote.cluster-two.proxy_socket_connections"],
        "6"
    );
    env.disconnect_one_from_two(&[]).success();
    let left: Vec<String> = es
        .handle
        .persistent_settings()
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("cluster.remote.cluster-two."))
        .cloned()
        .collect();
    assert_eq!(left, Vec::<String>::new());
    let puts = setting_puts(&es);
    let again = env.disconnect_one_from_two(&[]).success();
    assert_eq!(setting_puts(&es), puts);
    assert!(
        again.stderr.contains("already in place"),
        "{}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_exact_request_and_sends_nothing() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    let run = env
        .ecr(&[
            "connect",
            "cluster-one",
            "-n",
            "ns-one",
            "--proxy",
            "10.0.0.7",
            "--alias",
            "two",
            "--server-name",
            "es.example.com",
            "--dry-run",
        ])
        .success();
    assert!(
        run.stderr.contains(
            "PUT /_cluster/settings\n{\n  \"persistent\": {\n    \"cluster.remote.two.mode\": \"proxy\",\n    \
             \"cluster.remote.two.proxy_address\": \"10.0.0.7:9300\",\n    \"cluster.remote.two.server_name\": \"es.example.com\"\n  }\n}\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(setting_puts(&env.endpoint("ns-one", "cluster-one")), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ref_adds_a_remote_clusters_entry_and_keeps_the_others() {
    let env = Env::start().await;
    let mut resource = env
        .api()
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .unwrap();
    resource["spec"]["remoteClusters"] =
        json!([{"name": "legacy", "elasticsearchRef": {"name": "old", "namespace": "ns-old"}}]);
    env.api().put_object(ES_GROUP, "elasticsearches", resource);
    let run = env.connect_ref_one_to_two().success();
    assert!(run.stderr.contains("enterprise license"), "{}", run.stderr);
    let entries = &env
        .api()
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .unwrap()["spec"]["remoteClusters"];
    assert_eq!(
        *entries,
        json!([
            {"name": "legacy", "elasticsearchRef": {"name": "old", "namespace": "ns-old"}},
            {"name": "cluster-two", "elasticsearchRef": {"name": "cluster-two", "namespace": "ns-two"}},
        ])
    );
    assert_eq!(env.api().rolling_restarts("ns-one", "cluster-one"), 0);
    // A proxy remote may not take an alias ECK manages.
    let clash = env
        .ecr(&[
            "connect",
            "cluster-one",
            "-n",
            "ns-one",
            "--proxy",
            "10.0.0.7",
            "--alias",
            "legacy",
            "--yes",
        ])
        .failure();
    assert!(
        clash.stderr.starts_with(
            "error: the alias legacy is managed by ECK through spec.remoteClusters of cluster-one\n"
        ),
        "{}",
        clash.stderr
    );
    env.disconnect_one_from_two(&["--ref"]).success();
    let entries = &env
        .api()
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .unwrap()["spec"]["remoteClusters"];
    assert_eq!(
        *entries,
        json!([{"name": "legacy", "elasticsearchRef": {"name": "old", "namespace": "ns-old"}}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_before_anything_is_written() {
    let env = Env::start().await;
    let cases: [(&[&str], &str); 5] = [
        (
            &["--proxy", "host:99999", "--alias", "two"],
            "error: \"host:99999\" is not a proxy address: the port is not a number from 1 to 65535",
        ),
        (
            &["--proxy", "10.0.0.7", "--alias", "bad:alias"],
            "error: the alias \"bad:alias\" cannot name a remote cluster",
        ),
        (
            &[
                "--proxy",
                "10.0.0.7",
                "--alias",
                "two",
                "--server-name",
                "not a host",
            ],
            "error: --server-name \"not a host\" is not a host name",
        ),
        (
            &[
                "--proxy",
                "10.0.0.7",
                "--alias",
                "two",
                "--es-url",
                "ftp://example.com",
            ],
            "error: ",
        ),
        (
            &["--proxy", "10.0.0.7"],
            "error: name the remote: --alias NAME (or --remote REMOTE)",
        ),
    ];
    for (args, start) in cases {
        let run = env
            .ecr(
                &[
                    &["connect", "cluster-one", "-n", "ns-one", "--yes"][..],
                    args,
                ]
                .concat(),
            )
            .failure();
        assert!(run.stderr.starts_with(start), "{args:?}: {}", run.stderr);
    }
    assert_eq!(setting_puts(&env.endpoint("ns-one", "cluster-one")), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_appears_in_any_output_even_at_the_highest_verbosity() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    let es = env.endpoint("ns-one", "cluster-one");
    let token = env.api().admin_token();
    let basic = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("elastic:{}", es.elastic_password))
    };
    for extra in [
        &["-vvv"][..],
        &["-vvv", "-o", "json"],
        &["--dry-run", "-vv"],
    ] {
        let run = env.ecr_with_environment(
            &[&CONNECT_ONE_TO_TWO[..], &["--yes"], extra].concat(),
            &[("RUST_LOG", "trace")],
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        for secret in [&es.elastic_password, &basic, &token] {
            assert!(
                !run.stdout.contains(secret.as_str()),
                "a secret on stdout with {extra:?}"
            );
            assert!(
                !run.stderr.contains(secret.as_str()),
                "a secret on stderr with {extra:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_8_13_the_link_is_proven_by_a_search_of_the_remote() {
    for version in ["7.17.20", "8.12.2"] {
        let cluster = |namespace: &str, name: &str| ElasticsearchSpec {
            version: version.into(),
            ..ElasticsearchSpec::new(namespace, name)
        };
        let env = Env::with(SandboxSpec {
            kube_clusters: vec![KubeClusterSpec::new(
                "sandbox",
                vec![
                    cluster("ns-one", "cluster-one"),
                    cluster("ns-two", "cluster-two"),
                ],
            )],
        })
        .await;
        env.trust_and_expose_both_ways();
        env.connect_one_to_two(&["--yes", "--timeout", "10s"])
            .success();
        let one = env
            .sandbox
            .elasticsearch("sandbox", "ns-one", "cluster-one")
            .unwrap();
        let requests: Vec<String> = one
            .handle
            .requests()
            .iter()
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .collect();
        for expected in [
            "GET /_resolve/cluster/cluster-two:* 400",
            "GET /cluster-two:*/_search?size=0 200",
        ] {
            assert!(
                requests.contains(&expected.to_string()),
                "{version}: {requests:#?}"
            );
        }
    }
}
