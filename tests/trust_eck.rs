//! Trust against ECK as its source code behaves: names ECK owns are refused, a remote's own CA
//! is copied (not the CAs it trusts), `pause-orchestration` holds back only pod rolls, and a
//! missing `certificateAuthorities` ConfigMap stops ECK's transport reconcile.

mod common;

use common::{Env, decode};
use ecr::{certs, sandbox};
use serde_json::{Value, json};

const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";

fn elasticsearch(env: &Env, namespace: &str, name: &str) -> Value {
    env.api()
        .get_object(ES_GROUP, "elasticsearches", Some(namespace), name)
        .expect("the Elasticsearch resource")
}

fn config_map_ca(env: &Env, namespace: &str, name: &str) -> String {
    let config_map = env
        .api()
        .get_object("", "configmaps", Some(namespace), name)
        .expect("the ConfigMap");
    config_map["data"]["ca.crt"].as_str().unwrap().to_string()
}

fn fingerprints(pem: &str) -> Vec<String> {
    certs::parse_bundle(pem.as_bytes())
        .unwrap()
        .into_iter()
        .map(|certificate| certificate.sha256_fingerprint)
        .collect()
}

/// The first certificate of cluster-two's public bundle: its own CA.
fn own_ca_of_two(env: &Env) -> String {
    fingerprints(&env.transport_ca("sandbox", "ns-two", "cluster-two")).remove(0)
}

/// cluster-two trusts a partner CA (cluster-one's HTTP CA stands in for it) through ECK's
/// ConfigMap, so ECK appends it to cluster-two's public transport bundle; returns its
/// fingerprint.
fn two_trusts_a_partner(env: &Env) -> String {
    let partner = env
        .sandbox
        .elasticsearch("sandbox", "ns-one", "cluster-one")
        .unwrap()
        .http_ca_pem;
    env.trust_ca_file(
        ("ns-two", "cluster-two"),
        &partner,
        "partner",
        &["--via", "config-map"],
    )
    .success();
    let partner = fingerprints(&partner).remove(0);
    let published = fingerprints(&env.transport_ca("sandbox", "ns-two", "cluster-two"));
    assert_eq!(
        published.len(),
        2,
        "ECK publishes its own CA, then the partner's"
    );
    assert_eq!(published[1], partner);
    partner
}

/// Whether `status` finds cluster-one's copy of cluster-two's CA in sync with its source.
fn copy_in_sync(env: &Env) -> Value {
    let run = env.ecr(&["status", "cluster-one", "-n", "ns-one", "-o", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let copy = report["trust"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ca| ca["alias"] == "cluster-two");
    copy.expect("cluster-one trusts cluster-two")["in_sync"].clone()
}

fn pause(env: &Env, namespace: &str, name: &str, annotation: Value) {
    let mut resource = elasticsearch(env, namespace, name);
    resource["metadata"]["annotations"] = annotation;
    env.api().put_object(ES_GROUP, "elasticsearches", resource);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volume_named_like_a_volume_claim_template_is_refused_before_writing() {
    let env = Env::start().await;
    let mut resource = elasticsearch(&env, "ns-one", "cluster-one");
    resource["spec"]["nodeSets"][0]["volumeClaimTemplates"] = json!([{
        "metadata": {"name": "trusted-cas"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }]);
    env.api().put_object(ES_GROUP, "elasticsearches", resource);
    let since = env.api().requests().len();
    let run = env
        .trust_one_from_two(&["--secret", "trusted-cas", "--yes"])
        .failure();
    assert!(
        run.stderr.starts_with(
            "error: the volume trusted-cas would take the name of a volumeClaimTemplate of nodeSet default\n\
             hint: choose another --secret"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_remotes_own_ca_is_copied_not_those_it_trusts() {
    let env = Env::start().await;
    let partner = two_trusts_a_partner(&env);
    env.trust_one_from_two(&["--via", "config-map", "--yes"])
        .success();
    let copied = fingerprints(&config_map_ca(&env, "ns-one", "remote-certs"));
    assert_eq!(
        copied,
        [own_ca_of_two(&env)],
        "cluster-one trusts cluster-two only"
    );
    let published = fingerprints(&env.transport_ca("sandbox", "ns-one", "cluster-one"));
    assert!(!published.contains(&partner), "trust is not transitive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_trusting_someone_new_leaves_the_copy_in_sync() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--yes"]).success();
    two_trusts_a_partner(&env);

    assert_eq!(copy_in_sync(&env), json!(true));
    let since = env.api().requests().len();
    env.ecr(&["trust", "sync", "cluster-one", "-n", "ns-one", "--yes"])
        .success();
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_ca_keeps_its_key_and_sync_copies_it() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--yes"]).success();
    let before = env.transport_ca("sandbox", "ns-two", "cluster-two");
    env.api().renew_transport_ca("ns-two", "cluster-two");
    let after = env.transport_ca("sandbox", "ns-two", "cluster-two");
    assert_ne!(fingerprints(&before), fingerprints(&after));
    let key = |pem: &str| sandbox::trust_anchors(pem.as_bytes()).remove(0).public_key;
    assert_eq!(
        key(&before),
        key(&after),
        "ECK renews its CA with the same key"
    );

    assert_eq!(
        copy_in_sync(&env),
        json!(false),
        "a new certificate to copy"
    );
    env.ecr(&["trust", "sync", "cluster-one", "-n", "ns-one", "--yes"])
        .success();
    let secret = env
        .api()
        .get_object("", "secrets", Some("ns-one"), "remote-certs")
        .unwrap();
    let bundle = fingerprints(&decode(&secret["data"]["remote.ca.crt"]));
    assert!(bundle.contains(&fingerprints(&after)[0]), "{bundle:?}");
    assert_eq!(copy_in_sync(&env), json!(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_orchestration_is_mentioned_only_where_pods_must_roll() {
    let env = Env::start().await;
    pause(
        &env,
        "ns-one",
        "cluster-one",
        json!({"eck.k8s.elastic.co/pause-orchestration": "true"}),
    );
    let via_config_map = env
        .trust_one_from_two(&["--via", "config-map", "--yes"])
        .success();
    assert!(
        !via_config_map.stderr.contains("pause"),
        "{}",
        via_config_map.stderr
    );
    // ECK still reconciles the certificates of a paused cluster: the CA is trusted now.
    let published = fingerprints(&env.transport_ca("sandbox", "ns-one", "cluster-one"));
    assert!(published.contains(&own_ca_of_two(&env)), "{published:?}");

    let restarts = env.api().rolling_restarts("ns-one", "cluster-one");
    let mount = env.trust_one_from_two(&["--yes"]).success();
    assert!(
        mount.stderr.contains(
            "warning: cluster-one carries eck.k8s.elastic.co/pause-orchestration: \"true\": ECK rolls no pods \
             while it is there, so the nodes of nodeSet default load the new CA file only once it is removed"
        ),
        "{}",
        mount.stderr
    );
    assert_eq!(
        env.api().rolling_restarts("ns-one", "cluster-one"),
        restarts,
        "paused: no roll yet"
    );
    let again = env.trust_one_from_two(&["--yes"]).success();
    assert!(!again.stderr.contains("pause"), "{}", again.stderr);

    pause(&env, "ns-one", "cluster-one", json!({}));
    assert_eq!(
        env.api().rolling_restarts("ns-one", "cluster-one"),
        restarts + 1,
        "resumed: ECK rolls the pods"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmanaged_clusters_are_warned_about_even_for_the_config_map() {
    let env = Env::start().await;
    pause(
        &env,
        "ns-one",
        "cluster-one",
        json!({"eck.k8s.elastic.co/managed": "false"}),
    );
    let run = env
        .trust_one_from_two(&["--via", "config-map", "--dry-run"])
        .success();
    assert!(
        run.stderr.contains(
            "warning: cluster-one carries eck.k8s.elastic.co/managed: \"false\": \
             ECK reads the ConfigMap of CAs only once it is removed"
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_map_is_written_before_the_resource_names_it() {
    let env = Env::start().await;
    let since = env.api().requests().len();
    env.trust_one_from_two(&["--via", "config-map", "--yes"])
        .success();
    let writes = env.writes_since("sandbox", since);
    let position = |resource: &str| {
        writes
            .iter()
            .position(|write| write.contains(resource))
            .unwrap_or_else(|| panic!("no write of {resource}: {writes:?}"))
    };
    assert!(
        position("/configmaps") < position("/elasticsearches/cluster-one"),
        "{writes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_ca_config_map_stops_ecks_transport_reconcile_until_it_exists() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--via", "config-map", "--yes"])
        .success();
    let published = env.transport_ca("sandbox", "ns-one", "cluster-one");
    assert_eq!(fingerprints(&published).len(), 2);
    let restarts = env.api().rolling_restarts("ns-one", "cluster-one");

    // Name a ConfigMap that does not exist, and change the pods in the same write.
    let mut resource = elasticsearch(&env, "ns-one", "cluster-one");
    resource["spec"]["transport"]["tls"]["certificateAuthorities"]["configMapName"] =
        json!("missing");
    resource["spec"]["nodeSets"][0]["podTemplate"] =
        json!({"metadata": {"labels": {"team": "search"}}});
    env.api().put_object(ES_GROUP, "elasticsearches", resource);
    assert_eq!(
        env.transport_ca("sandbox", "ns-one", "cluster-one"),
        published,
        "the transport certificates stay as they were"
    );
    assert_eq!(
        env.api().rolling_restarts("ns-one", "cluster-one"),
        restarts,
        "nor does ECK get to the StatefulSets"
    );

    let mut config_map = env
        .api()
        .get_object("", "configmaps", Some("ns-one"), "remote-certs")
        .unwrap();
    // ECK (3.5+, --restrict-watched-resources) sees a ConfigMap only with its label.
    config_map["metadata"] = json!({"name": "missing", "namespace": "ns-one"});
    env.api().put_object("", "configmaps", config_map.clone());
    assert_eq!(
        env.api().rolling_restarts("ns-one", "cluster-one"),
        restarts
    );
    config_map["metadata"]["labels"] = json!({"eck.k8s.elastic.co/watched": "true"});
    env.api().put_object("", "configmaps", config_map);
    assert_eq!(
        env.api().rolling_restarts("ns-one", "cluster-one"),
        restarts + 1
    );
    assert_eq!(
        fingerprints(&env.transport_ca("sandbox", "ns-one", "cluster-one")).len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecks_public_secrets_are_soft_owned_by_labels_not_owner_references() {
    let env = Env::start().await;
    for secret in [
        "cluster-one-es-transport-certs-public",
        "cluster-one-es-http-certs-public",
    ] {
        let secret = env
            .api()
            .get_object("", "secrets", Some("ns-one"), secret)
            .unwrap();
        assert_eq!(
            secret["metadata"]["ownerReferences"],
            Value::Null,
            "{secret}"
        );
        let labels = &secret["metadata"]["labels"];
        assert_eq!(labels["eck.k8s.elastic.co/owner-name"], "cluster-one");
        assert_eq!(labels["eck.k8s.elastic.co/owner-namespace"], "ns-one");
        assert_eq!(labels["eck.k8s.elastic.co/owner-kind"], "Elasticsearch");
    }
}
