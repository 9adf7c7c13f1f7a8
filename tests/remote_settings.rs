//! What `ecr connect` / `ecr disconnect` must know of remote cluster settings that ecr did not
//! write: sniff mode's own settings, settings in a nodeSet's `elasticsearch.yml`, aliases ECK
//! manages through `spec.remoteClusters`, and links that are not what they seem (host name
//! verification, API keys).

mod common;

use common::Env;
use common::recipe::Es;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";

fn es_one(env: &Env) -> Es {
    Es::of(&env.sandbox, "sandbox", "ns-one", "cluster-one")
}

async fn put_settings(es: &Es, body: Value) -> (StatusCode, Value) {
    es.send(Method::PUT, "/_cluster/settings", Some(body)).await
}

fn persistent_of(es: &Es, alias: &str) -> Vec<String> {
    let prefix = format!("cluster.remote.{alias}.");
    es.endpoint
        .handle
        .persistent_settings()
        .as_object()
        .expect("an object")
        .keys()
        .filter(|key| key.starts_with(&prefix))
        .cloned()
        .collect()
}

/// Item 3: an alias in sniff mode with sniff's own `proxy` moves to proxy mode in one accepted
/// update: `seeds`, `node_connections` and `proxy` are all cleared, the rest is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_sniff_alias_with_its_proxy_to_proxy_mode_clears_every_sniff_setting() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    let es = es_one(&env);
    let (status, body) = put_settings(
        &es,
        json!({"persistent": {"cluster.remote.cluster-two": {
            "seeds": ["10.9.9.9:9300"], "node_connections": 2, "proxy": "10.9.9.8:9300",
            "transport.compression_scheme": "lz4"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    env.connect_one_to_two(&["--yes"]).success();
    assert_eq!(
        persistent_of(&es, "cluster-two"),
        [
            "cluster.remote.cluster-two.mode",
            "cluster.remote.cluster-two.proxy_address",
            "cluster.remote.cluster-two.transport.compression_scheme",
        ]
    );
}

/// Adds `config` to that of the only nodeSet of cluster-one (which ECK renders into
/// elasticsearch.yml), keeping the trust ecr put there.
fn set_node_set_config(env: &Env, config: Value) {
    let api = env.api();
    let mut resource = api
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .expect("cluster-one");
    let node_set_config = &mut resource["spec"]["nodeSets"][0]["config"];
    if node_set_config.is_null() {
        *node_set_config = json!({});
    }
    let (Value::Object(existing), Value::Object(added)) = (node_set_config, config) else {
        panic!("configs are objects");
    };
    existing.extend(added);
    api.put_object(ES_GROUP, "elasticsearches", resource);
}

/// Item 4: sniff settings of the alias in elasticsearch.yml make Elasticsearch refuse proxy
/// mode, and no settings update can remove them: refused before writing, saying where.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sniff_settings_of_the_alias_in_elasticsearch_yml_are_refused_before_writing() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    set_node_set_config(
        &env,
        json!({"cluster.remote.cluster-two.seeds": ["10.9.9.9:9300"]}),
    );
    let es = es_one(&env);
    let (_, settings) = es
        .send(
            Method::GET,
            "/_cluster/settings?include_defaults&flat_settings",
            None,
        )
        .await;
    assert_eq!(settings["persistent"], json!({}));
    assert_eq!(
        settings["defaults"]["cluster.remote.cluster-two.seeds"],
        json!(["10.9.9.9:9300"]),
        "shown among the defaults only"
    );
    let run = env.connect_one_to_two(&["--yes"]).failure();
    assert_eq!(
        run.stderr,
        "error: the config (elasticsearch.yml) of nodeSet default of cluster-one sets \
         cluster.remote.cluster-two.seeds: Elasticsearch refuses proxy mode next to these sniff-mode \
         settings, and no settings update can remove them\n\
         hint: remove them from spec.nodeSets[].config (ECK then restarts the nodes one by one), or \
         connect under another alias (ecr connect --alias NAME)\n"
    );
    assert!(
        es.endpoint
            .handle
            .requests()
            .iter()
            .all(|r| r.method != "PUT")
    );
}

/// Item 4: proxy settings of the alias in elasticsearch.yml are overridden by what ecr writes,
/// and outlive `disconnect`: both plans say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_settings_of_the_alias_in_elasticsearch_yml_are_warned_about() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    set_node_set_config(
        &env,
        json!({"cluster": {"remote": {"cluster-two": {"mode": "proxy", "proxy_address": "10.9.9.9:9300"}}}}),
    );
    let run = env.connect_one_to_two(&["--yes"]).success();
    assert!(
        run.stderr.contains(
            "the config (elasticsearch.yml) of nodeSet default of cluster-one also sets \
             cluster.remote.cluster-two.mode, cluster.remote.cluster-two.proxy_address"
        ),
        "{}",
        run.stderr
    );
    let run = env.disconnect_one_from_two(&[]).success();
    assert!(
        run.stderr.contains("a settings update cannot remove it"),
        "{}",
        run.stderr
    );
    let (_, info) = es_one(&env).send(Method::GET, "/_remote/info", None).await;
    assert_eq!(
        info["cluster-two"]["proxy_address"], "10.9.9.9:9300",
        "{info}"
    );
}

/// Item 12: ECK writes only seeds for the aliases of spec.remoteClusters; over a proxy alias
/// Elasticsearch would refuse them on every reconcile: refused before writing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ref_over_a_proxy_alias_is_refused() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    env.connect_one_to_two(&["--yes"]).success();
    let before = env
        .api()
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .expect("cluster-one");
    let run = env.connect_ref_one_to_two().failure();
    assert!(
        run.stderr.starts_with(
            "error: cluster-two is a proxy-mode remote of cluster-one (the persistent cluster settings): \
             ECK writes only seeds"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: remove the proxy remote first (ecr disconnect cluster-one -n ns-one --alias cluster-two)"),
        "{}",
        run.stderr
    );
    let after = env
        .api()
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .expect("cluster-one");
    assert_eq!(after["spec"], before["spec"]);
}

/// Item 12: removing the settings of an alias ECK manages is undone by ECK: refused, pointing
/// to --ref.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_of_an_alias_eck_manages_points_to_ref() {
    let env = Env::start().await;
    env.connect_ref_one_to_two().success();
    let run = env.disconnect_one_from_two(&[]).failure();
    assert_eq!(
        run.stderr,
        "error: the alias cluster-two is managed by ECK through spec.remoteClusters of cluster-one: \
         removing its settings is undone at ECK's next reconcile, which writes them again\n\
         hint: remove the entry instead: ecr disconnect cluster-one -n ns-one --alias cluster-two --ref\n"
    );
}

/// An operator license of ECK (`license.k8s.elastic.co/scope: operator`) of `license_type`.
fn install_eck_license(env: &Env, license_type: &str) {
    use base64::Engine;
    let license = json!({"license": {"type": license_type, "uid": "sandbox"}}).to_string();
    env.api().put_object(
        "",
        "secrets",
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "eck-license", "namespace": "ns-one",
                "labels": {"license.k8s.elastic.co/scope": "operator"}},
            "data": {"license": base64::engine::general_purpose::STANDARD.encode(license)}}),
    );
}

fn es_resource(env: &Env, namespace: &str, name: &str) -> Value {
    env.api()
        .get_object(ES_GROUP, "elasticsearches", Some(namespace), name)
        .expect("the Elasticsearch resource")
}

fn remote_ca(env: &Env, namespace: &str, name: &str) -> String {
    let secret = env
        .api()
        .get_object(
            "",
            "secrets",
            Some(namespace),
            &format!("{name}-es-remote-ca"),
        )
        .expect("ECK's remote CA secret");
    common::decode(&secret["data"]["ca.crt"])
}

/// The sandbox's ECK handles spec.remoteClusters as ECK 3.5 does: nothing without an
/// enterprise license (a trial counts), then sniff seeds to the remote's transport service,
/// the managed aliases recorded in an annotation and only those removed, the remote CAs
/// exchanged through NAME-es-remote-ca; and seeds over a proxy alias refused by Elasticsearch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandboxs_eck_handles_remote_clusters_like_eck() {
    let env = Env::start().await;
    let es = es_one(&env);
    env.connect_ref_one_to_two().success();
    assert_eq!(
        persistent_of(&es, "cluster-two"),
        Vec::<String>::new(),
        "no license, no settings"
    );
    assert_eq!(
        es_resource(&env, "ns-one", "cluster-one")["metadata"]["annotations"]["elasticsearch.k8s.elastic.co/managed-remote-clusters"],
        Value::Null
    );
    install_eck_license(&env, "enterprise_trial");
    // A user's own alias, which ECK must leave alone.
    let (status, body) = put_settings(
        &es,
        json!({"persistent": {"cluster.remote.mine.seeds": ["10.1.1.1:9300"]}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    env.disconnect_one_from_two(&["--ref"]).success();
    env.connect_ref_one_to_two().success();
    assert_eq!(
        es.endpoint.handle.persistent_settings()["cluster.remote.cluster-two.seeds"],
        json!(["cluster-two-es-transport.ns-two.svc:9300"])
    );
    assert_eq!(
        es_resource(&env, "ns-one", "cluster-one")["metadata"]["annotations"]["elasticsearch.k8s.elastic.co/managed-remote-clusters"],
        "cluster-two"
    );
    let one_ca = env.transport_ca("sandbox", "ns-one", "cluster-one");
    let two_ca = env.transport_ca("sandbox", "ns-two", "cluster-two");
    assert!(remote_ca(&env, "ns-one", "cluster-one").contains(two_ca.trim()));
    assert!(remote_ca(&env, "ns-two", "cluster-two").contains(one_ca.trim()));
    env.disconnect_one_from_two(&["--ref"]).success();
    assert_eq!(persistent_of(&es, "cluster-two"), Vec::<String>::new());
    assert_eq!(persistent_of(&es, "mine"), ["cluster.remote.mine.seeds"]);
    // Written behind ecr's back: ECK's seeds over a proxy alias are refused, every time.
    es.connect_to("cluster-two", "10.9.9.9:9300").await;
    let mut resource = es_resource(&env, "ns-one", "cluster-one");
    resource["spec"]["remoteClusters"] = json!([{"name": "cluster-two", "elasticsearchRef": {"name": "cluster-two", "namespace": "ns-two"}}]);
    env.api().put_object(ES_GROUP, "elasticsearches", resource);
    assert_eq!(
        persistent_of(&es, "cluster-two"),
        [
            "cluster.remote.cluster-two.mode",
            "cluster.remote.cluster-two.proxy_address"
        ]
    );
}

/// Puts a cross-cluster API key for `alias` into cluster-one's keystore, as ECK builds it from
/// spec.secureSettings when it restarts the pods (the value is never read).
async fn add_api_key_to_keystore(env: &Env, alias: &str) {
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD.encode("not-a-real-key");
    env.api().put_object(
        "",
        "secrets",
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "remote-keys", "namespace": "ns-one"},
            "data": {format!("cluster.remote.{alias}.credentials"): key}}),
    );
    let mut resource = es_resource(env, "ns-one", "cluster-one");
    resource["spec"]["secureSettings"] = json!([{"secretName": "remote-keys"}]);
    env.api().put_object(ES_GROUP, "elasticsearches", resource);
    env.rolled("ns-one", "cluster-one").await;
}

/// Item 7: an alias whose key is in the keystore is an API-key link; status says so instead
/// of calling it a plain disconnected remote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_recognises_an_api_key_link() {
    let env = Env::start().await;
    add_api_key_to_keystore(&env, "cluster-two").await;
    es_one(&env)
        .connect_to("cluster-two", "10.9.9.9:9300")
        .await;
    let (_, info) = es_one(&env).send(Method::GET, "/_remote/info", None).await;
    assert_eq!(
        info["cluster-two"]["cluster_credentials"],
        "::es_redacted::"
    );
    // Exit status 1: something needs attention.
    let run = env
        .ecr(&["status", "cluster-one", "-n", "ns-one", "-o", "json"])
        .failure();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["remotes"][0]["api_key"], true, "{}", run.stdout);
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("the remote cluster-two is not connected: it is an API-key link"),
        "{warnings}"
    );
    assert!(
        warnings.contains("10.9.9.9:9300 is the transport port, not the remote cluster server's"),
        "{warnings}"
    );
}

/// The hint of `ecr connect` one to two that waits 2 s for a link that does not come up.
fn failed_connect_hint(env: &Env) -> String {
    let run = env
        .connect_one_to_two(&["--yes", "--timeout", "2s"])
        .failure();
    run.stderr
        .lines()
        .find(|line| line.starts_with("hint: "))
        .expect("a hint")
        .to_string()
}

/// Item 7: connect's diagnosis of an API-key link does not blame transport trust.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_diagnosis_of_an_api_key_link_does_not_blame_transport_trust() {
    let env = Env::start().await;
    env.ecr(&["expose", "cluster-two", "-n", "ns-two", "--yes"])
        .success();
    add_api_key_to_keystore(&env, "cluster-two").await;
    let hint = failed_connect_hint(&env);
    assert!(
        hint.starts_with("hint: the remote cluster-two is not connected: it is an API-key link"),
        "{hint}"
    );
    assert!(!hint.contains("does not trust"), "{hint}");
}

/// Item 7: on 9.x, where certificate-based remote clusters are deprecated, the plan says so,
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_9_the_plan_says_once_that_certificate_based_links_are_deprecated() {
    let mut spec = ecr::sandbox::SandboxSpec::standard();
    for cluster in &mut spec.kube_clusters[0].elasticsearch {
        cluster.version = "9.1.0".into();
    }
    let env = Env::with(spec).await;
    env.trust_and_expose_both_ways();
    let run = env.connect_one_to_two(&["--dry-run"]).success();
    assert_eq!(
        run.stderr
            .matches("Elasticsearch 9 deprecates certificate-based remote clusters")
            .count(),
        1,
        "{}",
        run.stderr
    );
    let eight = Env::start().await;
    eight.trust_and_expose_both_ways();
    let run = eight.connect_one_to_two(&["--dry-run"]).success();
    assert!(!run.stderr.contains("deprecates"), "{}", run.stderr);
}

/// Item 5: a cluster that checks host names (verification_mode: full, the default outside
/// ECK) refuses the remote's certificate for a load balancer's address; the diagnosis says so
/// and what --server-name does, and with the transport service's name as SNI the link works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostname_verification_is_diagnosed_and_server_name_is_checked_first() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    set_node_set_config(
        &env,
        json!({"xpack.security.transport.ssl.verification_mode": "full"}),
    );
    let hint = failed_connect_hint(&env);
    assert!(
        hint.contains(
            "cluster-one checks host names on transport connections \
             (xpack.security.transport.ssl.verification_mode: full in nodeSet default)"
        ),
        "{hint}"
    );
    assert!(
        hint.contains("or connect with --server-name cluster-two-es-transport.ns-two.svc"),
        "{hint}"
    );
    env.connect_one_to_two(&[
        "--yes",
        "--timeout",
        "10s",
        "--server-name",
        "cluster-two-es-transport.ns-two.svc",
    ])
    .success();
}
