//! `ecr trust add` / `trust remove` against the sandbox: trust in place on every nodeSet,
//! everything else kept, one rolling restart at most, nothing written when nothing is to do.

mod common;

use common::{Env, Run, decode, recipe};
use ecr::sandbox::{ElasticsearchSpec, Fault, FaultKind, KubeClusterSpec, PolicyRule, SandboxSpec};
use ecr::trust::store::{PLACEHOLDER_CA, StoreKind, trusted_cas};
use serde_json::{Value, json};

const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";
const BUNDLE: &str = "/usr/share/elasticsearch/config/other/remote.ca.crt";

fn elasticsearch(env: &Env, context: &str, namespace: &str, name: &str) -> Value {
    env.sandbox
        .api(context)
        .get_object(ES_GROUP, "elasticsearches", Some(namespace), name)
        .expect("the Elasticsearch resource")
}

fn restarts(env: &Env, context: &str, namespace: &str, name: &str) -> u32 {
    env.sandbox.api(context).rolling_restarts(namespace, name)
}

/// cluster-one with two nodeSets and what a production resource holds: other settings, a CA
/// path of the user's own (as a plain string, the trap), env, resources, labels, a volume.
fn production_like(env: &Env) {
    let mut resource = elasticsearch(env, "sandbox", "ns-one", "cluster-one");
    let node_set = |name: &str, count: u32| {
        json!({
            "name": name,
            "count": count,
            "config": {
                "node.roles": ["master"],
                "xpack.security.transport.ssl.certificate_authorities": "/usr/share/elasticsearch/config/corp/ca.crt",
            },
            "podTemplate": {
                "metadata": {"labels": {"team": "search"}},
                "spec": {
                    "containers": [{
                        "name": "elasticsearch",
                        "env": [{"name": "ES_JAVA_OPTS", "value": "-Xms2g -Xmx2g"}],
                        "resources": {"limits": {"memory": "4Gi"}},
                        "volumeMounts": [{"name": "corp-ca", "mountPath": "/usr/share/elasticsearch/config/corp"}],
                    }],
                    "volumes": [{"name": "corp-ca", "secret": {"secretName": "corp-ca"}}],
                },
            },
        })
    };
    resource["spec"]["nodeSets"] = json!([node_set("masters", 3), node_set("data", 2)]);
    env.api().put_object(ES_GROUP, "elasticsearches", resource);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_ways_every_node_set_trusts_and_everything_else_is_kept() {
    let env = Env::start().await;
    production_like(&env);
    let before = elasticsearch(&env, "sandbox", "ns-one", "cluster-one");
    let restarts_before = (
        restarts(&env, "sandbox", "ns-one", "cluster-one"),
        restarts(&env, "sandbox", "ns-two", "cluster-two"),
    );

    env.trust_one_from_two(&["--yes"]).success();
    env.trust_two_from_one().success();

    let after = elasticsearch(&env, "sandbox", "ns-one", "cluster-one");
    for (old, new) in before["spec"]["nodeSets"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["spec"]["nodeSets"].as_array().unwrap())
    {
        assert_eq!(new["name"], old["name"]);
        assert_eq!(new["count"], old["count"]);
        assert_eq!(new["config"]["node.roles"], old["config"]["node.roles"]);
        assert_eq!(
            new["config"]["xpack.security.transport.ssl.certificate_authorities"],
            json!(["/usr/share/elasticsearch/config/corp/ca.crt", BUNDLE]),
            "the user's path is kept and the string became a list"
        );
        let template = &new["podTemplate"];
        assert_eq!(template["metadata"], old["podTemplate"]["metadata"]);
        let container = &template["spec"]["containers"][0];
        assert_eq!(
            container["env"],
            old["podTemplate"]["spec"]["containers"][0]["env"]
        );
        assert_eq!(
            container["resources"],
            old["podTemplate"]["spec"]["containers"][0]["resources"]
        );
        assert_eq!(
            container["volumeMounts"],
            json!([
                {"name": "corp-ca", "mountPath": "/usr/share/elasticsearch/config/corp"},
                {"name": "remote-certs", "mountPath": "/usr/share/elasticsearch/config/other", "readOnly": true},
            ])
        );
        assert_eq!(
            template["spec"]["volumes"],
            json!([
                {"name": "corp-ca", "secret": {"secretName": "corp-ca"}},
                {"name": "remote-certs", "secret": {"secretName": "remote-certs"}},
            ])
        );
    }
    for (namespace, cluster, remote_namespace, remote) in [
        ("ns-one", "cluster-one", "ns-two", "cluster-two"),
        ("ns-two", "cluster-two", "ns-one", "cluster-one"),
    ] {
        let secret = env
            .api()
            .get_object("", "secrets", Some(namespace), "remote-certs")
            .unwrap();
        let trusted = trusted_cas(&secret, StoreKind::Secret);
        assert_eq!(trusted.len(), 1);
        assert_eq!(trusted[0].alias, remote);
        assert_eq!(
            trusted[0].pem,
            env.transport_ca("sandbox", remote_namespace, remote)
        );
        assert_eq!(decode(&secret["data"]["remote.ca.crt"]), trusted[0].pem);
        assert!(
            secret["metadata"].get("ownerReferences").is_none(),
            "a fresh secret, not a copy"
        );
        assert!(
            !secret["metadata"]["labels"]
                .to_string()
                .contains("eck.k8s.elastic.co"),
            "no ECK labels on {cluster}'s secret"
        );
    }
    assert_eq!(
        restarts(&env, "sandbox", "ns-one", "cluster-one"),
        restarts_before.0 + 1
    );
    assert_eq!(
        restarts(&env, "sandbox", "ns-two", "cluster-two"),
        restarts_before.1 + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_trusts_both_ways_in_one_command() {
    let env = Env::start().await;
    let run = env.trust_one_from_two(&["--mutual", "--yes"]).success();
    assert!(
        run.stderr
            .contains("Done cluster-one and cluster-two trust each other's CA"),
        "{}",
        run.stderr
    );
    for (namespace, cluster) in [("ns-one", "cluster-one"), ("ns-two", "cluster-two")] {
        let resource = elasticsearch(&env, "sandbox", namespace, cluster);
        assert_eq!(
            resource["spec"]["nodeSets"][0]["config"]["xpack.security.transport.ssl.certificate_authorities"],
            json!([BUNDLE])
        );
        assert_eq!(restarts(&env, "sandbox", namespace, cluster), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_identical_run_writes_nothing() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--yes"]).success();
    let since = env.api().requests().len();
    let run = env.trust_one_from_two(&["--yes"]).success();
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
    assert!(
        run.stderr.contains("already in place, nothing written"),
        "{}",
        run.stderr
    );
    let json = env.trust_one_from_two(&["--yes", "-o", "json"]).success();
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["outcome"], "in_place");
    assert_eq!(report["changes"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_trust_changes_touch_only_the_secret() {
    let spec = SandboxSpec {
        kube_clusters: vec![
            KubeClusterSpec::new(
                "sandbox-one",
                vec![
                    ElasticsearchSpec::new("ns-one", "cluster-one"),
                    ElasticsearchSpec::new("ns-three", "cluster-three"),
                ],
            ),
            KubeClusterSpec::new(
                "sandbox-two",
                vec![ElasticsearchSpec::new("ns-two", "cluster-two")],
            ),
        ],
    };
    let env = Env::with(spec).await;
    let local = [
        "trust",
        "add",
        "cluster-one",
        "-n",
        "ns-one",
        "--context",
        "sandbox-one",
        "--yes",
    ];
    let from_three = [
        &local[..],
        &["--from", "cluster-three", "--from-namespace", "ns-three"],
    ]
    .concat();
    env.ecr(&from_three).success();
    assert_eq!(
        restarts(&env, "sandbox-one", "ns-one", "cluster-one"),
        1,
        "the first trust rolls the pods once"
    );

    let from_other_kube = [
        &local[..],
        &[
            "--from",
            "cluster-two",
            "--from-context",
            "sandbox-two",
            "--from-namespace",
            "ns-two",
        ],
    ]
    .concat();
    let since = env.sandbox.api("sandbox-one").requests().len();
    env.ecr(&from_other_kube).success();
    assert_eq!(
        env.writes_since("sandbox-one", since),
        [
            "PATCH /api/v1/namespaces/ns-one/secrets/remote-certs?&fieldManager=ecr&fieldValidation=Strict"
        ],
        "only the secret is written"
    );
    assert_eq!(
        restarts(&env, "sandbox-one", "ns-one", "cluster-one"),
        1,
        "no restart for the second remote"
    );
    let secret = env
        .sandbox
        .api("sandbox-one")
        .get_object("", "secrets", Some("ns-one"), "remote-certs")
        .unwrap();
    let trusted = trusted_cas(&secret, StoreKind::Secret);
    let aliases: Vec<&str> = trusted.iter().map(|ca| ca.alias.as_str()).collect();
    assert_eq!(aliases, ["cluster-three", "cluster-two"]);
    assert_eq!(trusted[1].source.context.as_deref(), Some("sandbox-two"));
    assert_eq!(
        trusted[1].pem,
        env.transport_ca("sandbox-two", "ns-two", "cluster-two")
    );
    let bundle = decode(&secret["data"]["remote.ca.crt"]);
    assert_eq!(bundle, format!("{}{}", trusted[0].pem, trusted[1].pem));

    let remove = [
        "trust",
        "remove",
        "cluster-one",
        "-n",
        "ns-one",
        "--context",
        "sandbox-one",
    ];
    env.ecr(&[&remove[..], &["--alias", "cluster-three", "--yes"]].concat())
        .success();
    let secret = env
        .sandbox
        .api("sandbox-one")
        .get_object("", "secrets", Some("ns-one"), "remote-certs")
        .unwrap();
    assert_eq!(decode(&secret["data"]["remote.ca.crt"]), trusted[1].pem);
    assert!(secret["data"].get("cluster-three.pem").is_none());
    assert_eq!(
        restarts(&env, "sandbox-one", "ns-one", "cluster-one"),
        1,
        "no restart for a removal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_shows_the_plan_and_writes_nothing() {
    let env = Env::start().await;
    let since = env.api().requests().len();
    let run = env.trust_one_from_two(&["--dry-run"]).success();
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
    assert_eq!(restarts(&env, "sandbox", "ns-one", "cluster-one"), 0);
    assert!(
        run.stderr
            .contains("Create Secret ns-one/remote-certs (context sandbox): no restart"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("ECK will roll the pods of nodeSet default"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("+      - {BUNDLE}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Dry run nothing written"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn via_config_map_never_restarts() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--via", "config-map", "--yes"])
        .success();
    assert_eq!(restarts(&env, "sandbox", "ns-one", "cluster-one"), 0);
    let resource = elasticsearch(&env, "sandbox", "ns-one", "cluster-one");
    assert_eq!(
        resource["spec"]["transport"]["tls"]["certificateAuthorities"]["configMapName"],
        "remote-certs"
    );
    let config_map = env
        .api()
        .get_object("", "configmaps", Some("ns-one"), "remote-certs")
        .unwrap();
    assert_eq!(
        config_map["metadata"]["labels"]["eck.k8s.elastic.co/watched"],
        "true"
    );
    let remote_ca = env.transport_ca("sandbox", "ns-two", "cluster-two");
    assert_eq!(config_map["data"]["ca.crt"], json!(remote_ca));
    // ECK publishes the extra CA after cluster-one's own in its public transport secret.
    assert!(
        env.transport_ca("sandbox", "ns-one", "cluster-one")
            .ends_with(&remote_ca)
    );

    let since = env.api().requests().len();
    env.trust_one_from_two(&["--via", "config-map", "--yes"])
        .success();
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
}

/// `ecr trust add cluster-one --ca-file FILE --alias partner`, FILE holding `pem`; FILE.
fn trust_partner(env: &Env, pem: &str) -> String {
    let file = env.dir.path().join("partner-ca.pem");
    std::fs::write(&file, pem).unwrap();
    let file = file.to_str().unwrap().to_string();
    env.ecr(&[
        "trust",
        "add",
        "cluster-one",
        "-n",
        "ns-one",
        "--ca-file",
        &file,
        "--alias",
        "partner",
        "--yes",
    ])
    .success();
    file
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_file_is_trusted_under_its_alias() {
    let env = Env::start().await;
    let pem = env.transport_ca("sandbox", "ns-two", "cluster-two");
    let file = trust_partner(&env, &pem);
    let secret = env
        .api()
        .get_object("", "secrets", Some("ns-one"), "remote-certs")
        .unwrap();
    let trusted = trusted_cas(&secret, StoreKind::Secret);
    assert_eq!(trusted[0].alias, "partner");
    assert_eq!(trusted[0].pem, pem);
    assert_eq!(trusted[0].source.file.as_deref(), Some(file.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_or_yes_nothing_is_written() {
    let env = Env::start().await;
    let since = env.api().requests().len();
    let run = env.trust_one_from_two(&[]).failure();
    assert!(
        run.stderr.ends_with(
            "error: refusing to write without confirmation: there is no terminal to ask on\n\
             hint: re-run with --yes to apply this plan, or with --dry-run to only show it\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
}

/// The last two lines of stderr, where ecr says what failed.
fn error_lines(run: &Run) -> String {
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: ") || l.starts_with("hint: "))
        .collect();
    lines.join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_error_is_explained_and_writes_nothing() {
    let env = Env::start().await;
    let missing_file = env.dir.path().join("missing.pem");
    let not_pem = env.dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["trust", "add", "cluster-nine", "-n", "ns-one", "--from", "cluster-two", "--from-namespace", "ns-two", "--yes"],
            "error: no Elasticsearch cluster named cluster-nine in the namespace ns-one\nhint: clusters in ns-one: cluster-one".into(),
        ),
        (
            vec!["trust", "add", "cluster-one", "-n", "ns-one", "--from", "cluster-nine", "--from-namespace", "ns-two", "--yes"],
            "error: no Elasticsearch cluster named cluster-nine in the namespace ns-two\nhint: clusters in ns-two: cluster-two".into(),
        ),
        (
            vec!["trust", "add", "cluster-one", "-n", "ns-one", "--ca-file", missing_file.to_str().unwrap(), "--alias", "x", "--yes"],
            format!("error: cannot read the CA file {}: No such file or directory (os error 2)", missing_file.display()),
        ),
        (
            vec!["trust", "add", "cluster-one", "-n", "ns-one", "--ca-file", not_pem.to_str().unwrap(), "--alias", "x", "--yes"],
            format!("error: the CA file {} is not PEM certificates: it holds no PEM certificate", not_pem.display()),
        ),
    ];
    let since = env.api().requests().len();
    for (args, expected) in cases {
        let run = env.ecr(&args).failure();
        assert_eq!(error_lines(&run), expected, "ecr {}", args.join(" "));
    }
    for (args, start) in [
        (vec!["--alias", "no:colons"], "error: "),
        (vec!["--mount-path", "/etc/ssl"], "error: "),
        (
            vec![
                "--mount-path",
                "/usr/share/elasticsearch/config/transport-certs",
            ],
            "error: ",
        ),
    ] {
        let run = env
            .trust_one_from_two(&[&args[..], &["--yes"]].concat())
            .failure();
        let lines = error_lines(&run);
        assert!(
            lines.starts_with(start) && lines.contains("\nhint: "),
            "{args:?}: {lines}"
        );
    }
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_without_its_ca_secret_is_explained() {
    let env = Env::start().await;
    env.api().delete_object(
        "",
        "secrets",
        Some("ns-two"),
        "cluster-two-es-transport-certs-public",
    );
    let run = env.trust_one_from_two(&["--yes"]).failure();
    assert_eq!(
        error_lines(&run),
        "error: the Elasticsearch cluster cluster-two exists in ns-two, but its secret cluster-two-es-transport-certs-public does not\n\
         hint: ECK creates it when it reconciles the cluster: see kubectl describe es cluster-two -n ns-two"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_volume_name_is_refused_before_any_write() {
    let env = Env::start().await;
    let mut resource = elasticsearch(&env, "sandbox", "ns-one", "cluster-one");
    resource["spec"]["nodeSets"][0]["podTemplate"] = json!({"spec": {"containers": [{"name": "elasticsearch"}], "volumes": [{"name": "remote-certs", "configMap": {"name": "something-else"}}]}});
    env.api().put_object(ES_GROUP, "elasticsearches", resource);
    let since = env.api().requests().len();
    let run = env.trust_one_from_two(&["--yes"]).failure();
    assert!(error_lines(&run).starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("remote-certs"), "{}", run.stderr);
    assert_eq!(
        env.writes_since("sandbox", since),
        Vec::<String>::new(),
        "not even the secret is written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rbac_denial_names_the_write() {
    let env = Env::start().await;
    let reader = PolicyRule::new(&["get", "list"], &["*"], &[]);
    let secrets = PolicyRule::new(&["create", "patch"], &["secrets"], &[]);
    env.api()
        .add_user("bob-token", "bob", vec![reader, secrets]);
    let kubeconfig = env.kubeconfig_with_token("sandbox", "bob-token");
    let args = [
        "trust",
        "add",
        "cluster-one",
        "-n",
        "ns-one",
        "--from",
        "cluster-two",
        "--from-namespace",
        "ns-two",
        "--yes",
    ];
    let run = env
        .run_with_kubeconfig(env!("CARGO_BIN_EXE_ecr"), &args, &kubeconfig)
        .failure();
    assert_eq!(
        error_lines(&run),
        "error: RBAC denied patch elasticsearches.elasticsearch.k8s.elastic.co in ns-one for user bob\n\
         hint: ask for a Role (or ClusterRole) that allows patch on elasticsearches.elasticsearch.k8s.elastic.co"
    );
    // The secret came first, as planned: a re-run by someone allowed finishes the job.
    assert!(
        env.api()
            .get_object("", "secrets", Some("ns-one"), "remote-certs")
            .is_some()
    );
    env.trust_one_from_two(&["--yes"]).success();
    assert_eq!(restarts(&env, "sandbox", "ns-one", "cluster-one"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_edit_between_read_and_write_survives() {
    let env = Env::start().await;
    // Someone scales the nodeSet just before ecr's write reaches the API server.
    let mut scaled = elasticsearch(&env, "sandbox", "ns-one", "cluster-one");
    scaled["spec"]["nodeSets"][0]["count"] = json!(5);
    scaled["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    env.api().inject_fault(
        Fault::new(FaultKind::ConcurrentWrite {
            group: ES_GROUP.into(),
            resource: "elasticsearches".into(),
            object: scaled,
        })
        .method(http::Method::PATCH)
        .path_prefix(
            "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches/cluster-one",
        ),
    );
    let run = env.trust_one_from_two(&["--yes"]).success();
    assert!(
        run.stderr.contains("was changed by someone else"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("re-planning"), "{}", run.stderr);
    let resource = elasticsearch(&env, "sandbox", "ns-one", "cluster-one");
    let node_set = &resource["spec"]["nodeSets"][0];
    assert_eq!(node_set["count"], 5, "the concurrent edit is kept");
    assert_eq!(
        node_set["config"]["xpack.security.transport.ssl.certificate_authorities"],
        json!([BUNDLE]),
        "and ecr's change is made on top of it"
    );
    let patches: Vec<u16> = env
        .api()
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/elasticsearches/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(patches, [409, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_what_is_not_trusted_writes_nothing_and_says_what_is() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--yes"]).success();
    let remove = [
        "trust",
        "remove",
        "cluster-one",
        "-n",
        "ns-one",
        "--yes",
        "--alias",
    ];
    env.ecr(&[&remove[..], &["cluster-two"]].concat()).success();
    let since = env.api().requests().len();
    let run = env.ecr(&[&remove[..], &["cluster-two"]].concat()).success();
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
    assert!(
        run.stderr.contains(
            "warning: cluster-one trusts no CA named cluster-two through ecr; those it does: none"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("already in place, nothing written"),
        "{}",
        run.stderr
    );
    assert_eq!(restarts(&env, "sandbox", "ns-one", "cluster-one"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_mutual_trust_the_documented_expose_and_connect_steps_connect() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--mutual", "--yes"]).success();
    let (one, two) = recipe::standard_sides(&env.sandbox).await;
    recipe::expose_and_connect(&env.sandbox, &one, &two).await;
    assert!(
        one.es(&env.sandbox).connects("two").await,
        "cluster-one reaches cluster-two"
    );
    assert!(
        two.es(&env.sandbox).connects("one").await,
        "cluster-two reaches cluster-one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_one_way_is_not_enough_to_connect() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--yes"]).success();
    let (one, two) = recipe::standard_sides(&env.sandbox).await;
    recipe::expose_and_connect(&env.sandbox, &one, &two).await;
    assert!(one.es(&env.sandbox).stays_disconnected("two").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_node_set_lists_those_that_exist() {
    let env = Env::start().await;
    let run = env
        .trust_one_from_two(&["--node-set", "hot", "--yes"])
        .failure();
    let lines = error_lines(&run);
    assert!(
        lines.contains("hot") && lines.contains("default"),
        "{lines}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_last_ca_leaves_a_bundle_elasticsearch_still_loads() {
    let env = Env::start().await;
    // cluster-one trusts cluster-two through ECK's ConfigMap, and a partner through the secret.
    env.trust_one_from_two(&["--via", "config-map", "--yes"])
        .success();
    let partner_ca = env
        .sandbox
        .elasticsearch("sandbox", "ns-one", "cluster-one")
        .unwrap()
        .http_ca_pem;
    trust_partner(&env, &partner_ca);
    env.trust_two_from_one().success();
    for (cluster, namespace) in [("cluster-one", "ns-one"), ("cluster-two", "ns-two")] {
        env.ecr(&["expose", cluster, "-n", namespace, "--yes"])
            .success();
    }
    env.connect_one_to_two(&["--yes", "--timeout", "5s"])
        .success();

    env.ecr(&[
        "trust",
        "remove",
        "cluster-one",
        "-n",
        "ns-one",
        "--alias",
        "partner",
        "--yes",
    ])
    .success();
    // An empty CA file would make Elasticsearch load no trust at all, and drop the link.
    let secret = env
        .api()
        .get_object("", "secrets", Some("ns-one"), "remote-certs")
        .unwrap();
    assert_eq!(decode(&secret["data"]["remote.ca.crt"]), PLACEHOLDER_CA);
    env.connect_one_to_two(&["--yes", "--timeout", "5s"])
        .success();
}

/// ecr's patches ask for strict field validation, so that a field the installed CRD does not
/// know (an older ECK) is refused, naming it, rather than dropped with a warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patches_ask_for_strict_field_validation() {
    let env = Env::start().await;
    let since = env.api().requests().len();
    env.trust_one_from_two(&["--yes"]).success();
    let patches: Vec<String> = env
        .writes_since("sandbox", since)
        .into_iter()
        .filter(|write| write.starts_with("PATCH"))
        .collect();
    assert!(!patches.is_empty(), "trust add patched nothing");
    assert!(
        patches.iter().all(|p| p.contains("fieldValidation=Strict")),
        "{patches:?}"
    );
}
