//! `ecr connect --api-key` and the `disconnect` of such a link against the sandbox: the whole
//! recipe in one command, proven; nothing written twice; licenses refused before anything is
//! written; a rotation that invalidates the old key only once the new one works; the key
//! never printed.

mod common;

use common::recipe::Es;
use common::{CONNECT_BY_KEY, Env, Run, SETUP_TWO_CONTEXTS, decode};
use ecr::sandbox::SandboxSpec;
use reqwest::Method;
use serde_json::Value;

/// `CONNECT_BY_KEY --timeout 20s EXTRA`.
fn connect_by_key(env: &Env, extra: &[&str]) -> Run {
    env.ecr(&[&CONNECT_BY_KEY[..], &["--timeout", "20s"], extra].concat())
}

/// The encoded key cluster-one's keystore Secret holds for cluster-two.
fn installed_key(env: &Env) -> Option<String> {
    let secret = env.sandbox.api("sandbox").get_object(
        "",
        "secrets",
        Some("ns-one"),
        "cluster-one-ecr-remote-keys",
    )?;
    let value = &secret["data"]["cluster.remote.cluster-two.credentials"];
    (!value.is_null()).then(|| decode(value))
}

/// The key's id: the part before ':' of the decoded `encoded` value.
fn key_id(encoded: &str) -> String {
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("an encoded key is base64");
    let text = String::from_utf8(decoded).expect("id:key is text");
    text.split_once(':').expect("id:key").0.to_string()
}

/// What cluster-two's Elasticsearch says of its API keys, as the elastic user.
async fn keys_on_two(env: &Env) -> Vec<Value> {
    let es = Es::of(&env.sandbox, "sandbox", "ns-two", "cluster-two");
    let (_, answer) = es.send(Method::GET, "/_security/api_key", None).await;
    answer["api_keys"].as_array().cloned().unwrap_or_default()
}

/// The Elasticsearch resource as stored.
fn es_resource(env: &Env, namespace: &str, name: &str) -> Value {
    env.sandbox
        .api("sandbox")
        .get_object(
            "elasticsearch.k8s.elastic.co",
            "elasticsearches",
            Some(namespace),
            name,
        )
        .expect("the Elasticsearch resource")
}

/// The same `connect --api-key` again: it says all is in place and writes nothing.
fn rerun_writes_nothing(env: &Env) -> Run {
    let before = env.sandbox.api("sandbox").requests().len();
    let again = connect_by_key(env, &["--yes"]).success();
    assert!(
        again.stderr.contains("already in place, nothing written"),
        "{}",
        again.stderr
    );
    assert_eq!(env.writes_since("sandbox", before), Vec::<String>::new());
    again
}

fn assert_no_secret(run: &Run, key: &str) {
    let (id, _) = key.split_at(key.len() / 2);
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(key), "the encoded key was printed:\n{text}");
        assert!(
            !text.contains(id),
            "part of the encoded key was printed:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_command_connects_by_api_key_and_a_re_run_writes_nothing() {
    let env = Env::start().await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    let run = connect_by_key(&env, &["--yes", "-o", "json"]).success();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let report = &report["links"][0];
    assert_eq!(report["remote_info"]["connected"], true, "{}", run.stderr);
    assert_eq!(
        report["remote_info"]["cluster_credentials"], "::es_redacted::",
        "{}",
        run.stdout
    );
    assert!(
        report["proxy_address"].as_str().unwrap().ends_with(":9443"),
        "{}",
        run.stdout
    );
    assert_eq!(
        report["server_name"],
        "cluster-two-es-remote-cluster.ns-two.svc"
    );
    let key = installed_key(&env).expect("the key is in the keystore's Secret");
    assert_no_secret(&run, &key);
    let keys = keys_on_two(&env).await;
    let made: Vec<&Value> = keys
        .iter()
        .filter(|k| k["name"] == "ecr-ns-one-cluster-one-cluster-two")
        .collect();
    assert_eq!(made.len(), 1, "{keys:?}");
    assert_eq!(made[0]["id"], key_id(&key));
    assert_eq!(made[0]["type"], "cross_cluster");

    let resource = es_resource(&env, "ns-one", "cluster-one");
    assert_eq!(
        resource["spec"]["secureSettings"][0]["secretName"],
        "cluster-one-ecr-remote-keys"
    );
    let config = resource["spec"]["nodeSets"][0]["config"].to_string();
    assert!(
        config.contains("xpack.security.remote_cluster_client.ssl.certificate_authorities")
            && !config.contains("xpack.security.transport.ssl.certificate_authorities"),
        "the remote's CA is trusted by the remote cluster client only: {config}"
    );
    let remote = es_resource(&env, "ns-two", "cluster-two");
    assert_eq!(remote["spec"]["remoteClusterServer"]["enabled"], true);

    let again = rerun_writes_nothing(&env);
    assert!(again.stderr.contains("Connected"), "{}", again.stderr);
    assert_eq!(installed_key(&env), Some(key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basic_license_is_refused_naming_the_side_before_anything_is_written() {
    let env = Env::start().await;
    let before = env.sandbox.api("sandbox").requests().len();
    let run = connect_by_key(&env, &["--yes"]).failure();
    assert!(
        run.stderr
            .contains("the local cluster cluster-one has the license basic (active)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
    assert_eq!(env.writes_since("sandbox", before), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_shows_the_key_request_and_writes_nothing() {
    let env = Env::start().await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    let before = env.sandbox.api("sandbox").requests().len();
    let run = connect_by_key(&env, &["--dry-run"]).success();
    assert!(
        run.stderr.contains("POST /_security/cross_cluster/api_key"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("(made when applied, not shown)"),
        "{}",
        run.stderr
    );
    assert_eq!(env.writes_since("sandbox", before), Vec::<String>::new());
    assert!(keys_on_two(&env).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_invalidates_the_old_key_once_the_new_one_is_proven() {
    let env = Env::start().await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    connect_by_key(&env, &["--yes"]).success();
    let old = key_id(&installed_key(&env).unwrap());
    let run = connect_by_key(&env, &["--yes", "--rotate-key"]).success();
    let new = key_id(&installed_key(&env).unwrap());
    assert_ne!(old, new);
    let order = |needle: &str| run.stderr.find(needle).unwrap_or(usize::MAX);
    assert!(
        order("Connected") < order(&format!("Invalidate API key {old}")),
        "the old key goes only after the new one is proven:\n{}",
        run.stderr
    );
    let keys = keys_on_two(&env).await;
    let state = |id: &str| {
        keys.iter()
            .find(|k| k["id"] == id)
            .map(|k| k["invalidated"].clone())
    };
    assert_eq!(state(&old), Some(Value::Bool(true)), "{keys:?}");
    assert_eq!(state(&new), Some(Value::Bool(false)), "{keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_removes_the_settings_invalidates_the_key_and_empties_the_keystore_slot() {
    let env = Env::start().await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    connect_by_key(&env, &["--yes"]).success();
    let id = key_id(&installed_key(&env).unwrap());
    let run = env
        .ecr(&[
            "disconnect",
            "cluster-one",
            "-n",
            "ns-one",
            "--alias",
            "cluster-two",
            "--remote",
            "cluster-two",
            "--remote-namespace",
            "ns-two",
            "--yes",
        ])
        .success();
    assert!(run.stderr.contains("Done"), "{}", run.stderr);
    assert_eq!(installed_key(&env), None);
    let keys = keys_on_two(&env).await;
    let key = keys
        .iter()
        .find(|k| k["id"] == id)
        .expect("the key is listed");
    assert_eq!(key["invalidated"], true);
    let settings = env
        .endpoint("ns-one", "cluster-one")
        .handle
        .persistent_settings();
    assert!(
        !settings.as_object().is_some_and(|settings| settings
            .keys()
            .any(|k| k.starts_with("cluster.remote.cluster-two."))),
        "{settings:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_by_api_key_connects_both_ways_across_contexts_with_one_restart_each() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    let args = [
        &SETUP_TWO_CONTEXTS[..],
        &["--api-key", "--search", "*", "--yes"],
    ]
    .concat();
    let run = env.ecr(&args).success();
    for alias in ["cluster-two", "cluster-one"] {
        assert!(
            run.stderr
                .contains(&format!("_remote/info says {alias}: connected true")),
            "{}",
            run.stderr
        );
    }
    let restarts = |context: &str, namespace: &str, name: &str| {
        env.sandbox.api(context).rolling_restarts(namespace, name)
    };
    let counted = || {
        (
            restarts("sandbox-one", "ns-one", "cluster-one"),
            restarts("sandbox-two", "ns-two", "cluster-two"),
        )
    };
    assert_eq!(
        counted(),
        (1, 1),
        "each cluster rolls once, for its keystore, its CA and its server together"
    );
    let since = [
        env.sandbox.api("sandbox-one").requests().len(),
        env.sandbox.api("sandbox-two").requests().len(),
    ];
    let again = env.ecr(&args).success();
    assert!(again.stderr.contains("nothing written"), "{}", again.stderr);
    assert_eq!(
        env.writes_since("sandbox-one", since[0]),
        Vec::<String>::new()
    );
    assert_eq!(
        env.writes_since("sandbox-two", since[1]),
        Vec::<String>::new()
    );
    assert_eq!(counted(), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reads_the_key_and_the_server_on_the_remote_and_says_when_the_key_is_gone() {
    let env = Env::start().await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    connect_by_key(&env, &["--yes"]).success();
    let id = key_id(&installed_key(&env).unwrap());
    let status = ["status", "cluster-one", "-n", "ns-one"];
    let run = env.ecr(&[&status[..], &["-o", "json"]].concat()).success();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let remote = &report["remotes"][0];
    assert_eq!(remote["api_key_id"], id.as_str());
    let found = &remote["api_key_remote"];
    assert_eq!(found["remote"], "ns-two/cluster-two (context sandbox)");
    assert_eq!(found["key"]["access"], "search logs-*");
    assert_eq!(found["key"]["invalidated"], false);
    assert_eq!(found["server"]["service"], "cluster-two-es-remote-cluster");
    assert_eq!(found["server"]["service_type"], "LoadBalancer");
    assert_eq!(found["ca_in_sync"], true);
    let text = env.ecr(&status).success();
    assert!(
        text.stdout.contains(&format!("(API key {id})"))
            && text.stdout.contains(
                "key on ns-two/cluster-two (context sandbox): search logs-*, never expires"
            ),
        "{}",
        text.stdout
    );

    let es = Es::of(&env.sandbox, "sandbox", "ns-two", "cluster-two");
    let body = serde_json::json!({"ids": [id]});
    es.send(Method::DELETE, "/_security/api_key", Some(body))
        .await;
    let run = env.ecr(&status).failure();
    assert!(
        run.stdout.contains(
            "the key of cluster-two is invalidated on ns-two/cluster-two (context sandbox): re-run the \
             ecr connect --api-key command that made the link, it makes a new one"
        ),
        "{}",
        run.stdout
    );
    connect_by_key(&env, &["--yes"]).success();
    let replaced = key_id(&installed_key(&env).unwrap());
    assert_ne!(replaced, id, "a re-run replaces a key that no longer works");
    env.ecr(&status).success();
}

/// cluster-two as a remote ecr does not manage: its remote cluster server turned on and
/// exposed by hand; where it answers, and a file with its CA.
async fn serve_two_by_hand(env: &Env) -> (String, std::path::PathBuf) {
    let mut remote = es_resource(env, "ns-two", "cluster-two");
    remote["spec"]["remoteClusterServer"] =
        serde_json::json!({"enabled": true, "service": {"spec": {"type": "LoadBalancer"}}});
    env.api()
        .put_object("elasticsearch.k8s.elastic.co", "elasticsearches", remote);
    env.rolled("ns-two", "cluster-two").await;
    let mut host = None;
    for _ in 0..100 {
        let service = env.sandbox.api("sandbox").get_object(
            "",
            "services",
            Some("ns-two"),
            "cluster-two-es-remote-cluster",
        );
        host = service.and_then(|s| {
            s["status"]["loadBalancer"]["ingress"][0]["ip"]
                .as_str()
                .map(str::to_string)
        });
        if host.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let host = host.expect("the remote cluster server gets a load-balancer address");
    let ca_file = env.dir.path().join("cluster-two-transport-ca.pem");
    std::fs::write(
        &ca_file,
        env.transport_ca("sandbox", "ns-two", "cluster-two"),
    )
    .unwrap();
    (host, ca_file)
}

/// `ecr connect cluster-one -n ns-one --api-key --proxy HOST --ca-file FILE --server-name
/// cluster-two-es-remote-cluster.ns-two.svc --alias outside --search logs-* --timeout 20s
/// --yes EXTRA`.
fn connect_outside(
    env: &Env,
    host: &str,
    ca_file: &std::path::Path,
    extra: &[&str],
    variables: &[(&str, &str)],
) -> Run {
    let args = [
        "connect",
        "cluster-one",
        "-n",
        "ns-one",
        "--api-key",
        "--proxy",
        host,
        "--ca-file",
        ca_file.to_str().unwrap(),
        "--server-name",
        "cluster-two-es-remote-cluster.ns-two.svc",
        "--alias",
        "outside",
        "--search",
        "logs-*",
        "--timeout",
        "20s",
        "--yes",
    ];
    env.ecr_with_environment(&[&args[..], extra].concat(), variables)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_outside_eck_is_linked_by_address_ca_file_and_url() {
    let env = Env::start().await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    let (host, ca_file) = serve_two_by_hand(&env).await;
    let endpoint = env.endpoint("ns-two", "cluster-two");
    let http_ca = env.dir.path().join("cluster-two-http-ca.pem");
    std::fs::write(&http_ca, &endpoint.http_ca_pem).unwrap();
    let url = [
        "--remote-es-url",
        &endpoint.url,
        "--remote-es-ca-file",
        http_ca.to_str().unwrap(),
    ];
    let password = [("ES_PASSWORD", endpoint.elastic_password.as_str())];
    let run = connect_outside(&env, &host, &ca_file, &url, &password).success();
    assert!(
        run.stderr.contains(&format!(
            "_remote/info says outside: connected true, mode proxy, proxy_address {host}:9443"
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&endpoint.elastic_password));
    let keys = keys_on_two(&env).await;
    assert!(
        keys.iter()
            .any(|k| k["name"] == "ecr-ns-one-cluster-one-outside" && k["invalidated"] == false),
        "{keys:?}"
    );
    let before = env.sandbox.api("sandbox").requests().len();
    connect_outside(&env, &host, &ca_file, &url, &password).success();
    assert_eq!(env.writes_since("sandbox", before), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_given_through_the_environment_is_installed_unseen() {
    let env = Env::start().await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    let (host, ca_file) = serve_two_by_hand(&env).await;
    let es = Es::of(&env.sandbox, "sandbox", "ns-two", "cluster-two");
    let body =
        serde_json::json!({"name": "by-the-admin", "access": {"search": [{"names": ["logs-*"]}]}});
    let (_, made) = es
        .send(Method::POST, "/_security/cross_cluster/api_key", Some(body))
        .await;
    let encoded = made["encoded"]
        .as_str()
        .expect("the key's encoded value")
        .to_string();
    let given = [("ECR_REMOTE_API_KEY", encoded.as_str())];
    let run = connect_outside(&env, &host, &ca_file, &[], &given).success();
    assert!(
        run.stderr
            .contains("_remote/info says outside: connected true"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("ecr cannot check the version and license of outside"),
        "{}",
        run.stderr
    );
    assert_no_secret(&run, &encoded);
    let before = env.sandbox.api("sandbox").requests().len();
    let again = connect_outside(&env, &host, &ca_file, &[], &given).success();
    assert_eq!(env.writes_since("sandbox", before), Vec::<String>::new());
    assert_no_secret(&again, &encoded);
    let without = connect_outside(&env, &host, &ca_file, &[], &[]).failure();
    assert!(
        without.stderr.contains("hint: give --remote-es-url URL"),
        "{}",
        without.stderr
    );
}

/// Under ECK before 3.3, whose resource has no `spec.remoteClusterServer.service` (the sandbox
/// installs that ECK's CRD), the plan makes a LoadBalancer Service of ecr's own for port 9443;
/// the link is proven through it, a re-run writes nothing, and status shows that service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_eck_3_3_the_remote_cluster_server_gets_a_load_balancer_of_ecrs_own() {
    let mut spec = SandboxSpec::standard();
    spec.kube_clusters[0].eck_release = ecr::sandbox::EckRelease::Eck3_2;
    let env = Env::with(spec).await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    let run = connect_by_key(&env, &["--yes", "-o", "json"]).success();
    assert!(
        run.stderr.contains("cluster-two-ecr-remote-cluster")
            && run.stderr.contains("this ECK (before 3.3) makes none"),
        "{}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["links"][0]["remote_info"]["connected"], true);
    let remote = es_resource(&env, "ns-two", "cluster-two");
    assert_eq!(
        remote["spec"]["remoteClusterServer"],
        serde_json::json!({"enabled": true})
    );
    let service = env
        .sandbox
        .api("sandbox")
        .get_object(
            "",
            "services",
            Some("ns-two"),
            "cluster-two-ecr-remote-cluster",
        )
        .expect("ecr's own service");
    assert_eq!(service["spec"]["type"], "LoadBalancer");
    let address = service["status"]["loadBalancer"]["ingress"][0]["ip"]
        .as_str()
        .expect("an address");
    assert_eq!(
        report["links"][0]["proxy_address"],
        format!("{address}:9443")
    );

    rerun_writes_nothing(&env);

    let status = env
        .ecr(&["status", "cluster-one", "-n", "ns-one", "-o", "json"])
        .success();
    assert!(
        status.stdout.contains("cluster-two-ecr-remote-cluster"),
        "{}",
        status.stdout
    );
}

/// Other access updates the key in place (no restart), and a key that may only replicate still
/// proves the link: the remote refuses the probe for that key, which it could only do once it
/// authenticated the key (real Elasticsearch answers `connected: false` with its refusal).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_may_only_replicate_is_updated_in_place_and_still_proves_the_link() {
    let env = Env::start().await;
    env.sandbox.start_eck_trial().expect("ECK's trial");
    connect_by_key(&env, &["--yes"]).success();
    let api = env.sandbox.api("sandbox");
    let restarts = |name: &str, namespace: &str| api.rolling_restarts(namespace, name);
    let before = (
        restarts("cluster-one", "ns-one"),
        restarts("cluster-two", "ns-two"),
    );

    let replicate_only = [
        &CONNECT_BY_KEY[..9],
        &["--replication", "logs-*", "--timeout", "20s", "--yes"],
    ]
    .concat();
    let run = env.ecr(&replicate_only).success();
    assert!(
        run.stderr
            .contains("the key grants replication logs-* from now on; no restart"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Connected"), "{}", run.stderr);
    let keys = keys_on_two(&env).await;
    let access = &keys[0]["access"];
    assert!(
        access["search"].is_null() && access["replication"][0]["names"][0] == "logs-*",
        "{keys:?}"
    );
    assert_eq!(
        (
            restarts("cluster-one", "ns-one"),
            restarts("cluster-two", "ns-two")
        ),
        before
    );
}
