//! The sandbox's ECK publishes a StatefulSet and a config secret per nodeSet, as ECK v3.5.0
//! does (pkg/controller/elasticsearch/nodespec/statefulset.go, settings/config_volume.go), and
//! its API server serves StatefulSets like the built-in types. ecr's first `trust add` changes
//! the pod template (the volume and the mount); a later one, or `--via config-map`, changes
//! only data that the template does not cover.

mod common;

use common::{Env, decode, kube_client};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::StatefulSet;
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

const STATEFULSET: &str = "cluster-one-es-default";
const ECK_CA: &str = "/usr/share/elasticsearch/config/transport-certs/ca.crt";
const ECK_REMOTE_CA: &str = "/usr/share/elasticsearch/config/transport-remote-certs/ca.crt";
const TRUST_MOUNT: &str = "/usr/share/elasticsearch/config/other";
const TRUST_FILE: &str = "/usr/share/elasticsearch/config/other/remote.ca.crt";

fn statefulset(env: &Env) -> Value {
    env.api()
        .get_object("apps", "statefulsets", Some("ns-one"), STATEFULSET)
        .expect("ECK's StatefulSet of nodeSet default")
}

fn generation(env: &Env) -> i64 {
    statefulset(env)["metadata"]["generation"].as_i64().unwrap()
}

/// `xpack.security.transport.ssl.certificate_authorities` of the rendered elasticsearch.yml.
fn rendered_cas(env: &Env) -> Value {
    let secret = env
        .api()
        .get_object(
            "",
            "secrets",
            Some("ns-one"),
            "cluster-one-es-default-es-config",
        )
        .expect("ECK's config secret");
    let config: Value = serde_yaml::from_str(&decode(&secret["data"]["elasticsearch.yml"]))
        .expect("elasticsearch.yml is YAML");
    config["xpack"]["security"]["transport"]["ssl"]["certificate_authorities"].clone()
}

fn names(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap().to_string())
        .collect()
}

fn template_volumes(set: &Value) -> Vec<String> {
    names(&set["spec"]["template"]["spec"]["volumes"])
}

fn elasticsearch_mounts(set: &Value) -> Vec<Value> {
    set["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .clone()
}

/// A CA of neither cluster, trusted under its own alias.
fn trust_a_partner(env: &Env, extra: &[&str]) {
    let partner = env
        .sandbox
        .elasticsearch("sandbox", "ns-two", "cluster-two")
        .unwrap()
        .http_ca_pem;
    env.trust_ca_file(("ns-one", "cluster-one"), &partner, "partner", extra)
        .success();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eck_makes_a_statefulset_and_a_config_secret_per_node_set() {
    let env = Env::start().await;
    let set = statefulset(&env);
    assert_eq!(set["spec"]["replicas"], 3);
    assert_eq!(set["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
    assert_eq!(set["spec"]["serviceName"], STATEFULSET);
    assert_eq!(set["metadata"]["generation"], 1);
    assert_eq!(set["status"]["observedGeneration"], 1);
    assert_eq!(set["status"]["readyReplicas"], 3);
    assert_eq!(
        template_volumes(&set),
        [
            "downward-api",
            "elastic-internal-elasticsearch-bin-local",
            "elastic-internal-elasticsearch-config",
            "elastic-internal-elasticsearch-config-local",
            "elastic-internal-elasticsearch-plugins-local",
            "elastic-internal-http-certificates",
            "elastic-internal-probe-user",
            "elastic-internal-remote-certificate-authorities",
            "elastic-internal-scripts",
            "elastic-internal-transport-certificates",
            "elastic-internal-unicast-hosts",
            "elastic-internal-xpack-file-realm",
            "elasticsearch-data",
            "elasticsearch-logs",
            "file-settings",
            "tmp-volume",
        ]
    );
    assert_eq!(
        set["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "elasticsearch-data"
    );
    let hash = &set["spec"]["template"]["metadata"]["annotations"]["elasticsearch.k8s.elastic.co/config-hash"];
    assert!(hash.is_string(), "{hash}");
    assert_eq!(rendered_cas(&env), json!([ECK_CA, ECK_REMOTE_CA]));
    let pod = env
        .api()
        .get_object("", "pods", Some("ns-one"), "cluster-one-es-default-0")
        .expect("the first pod");
    assert_eq!(
        pod["metadata"]["annotations"],
        set["spec"]["template"]["metadata"]["annotations"]
    );
    assert_eq!(pod["spec"]["subdomain"], STATEFULSET);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulsets_are_served_to_typed_clients_and_kubectl() {
    let env = Env::start().await;
    let client = kube_client(&env.sandbox, "sandbox", None, false).await;
    let api: Api<StatefulSet> = Api::namespaced(client.clone(), "ns-one");
    let set = api.get(STATEFULSET).await.expect("a typed get");
    assert_eq!(set.spec.unwrap().replicas, Some(3));
    let listed = Api::<StatefulSet>::all(client)
        .list(&ListParams::default())
        .await
        .expect("a typed list");
    assert_eq!(listed.items.len(), 2);
    assert!(listed.metadata.resource_version.is_some());
    let events: Vec<_> = api
        .watch(&WatchParams::default().timeout(1), "0")
        .await
        .expect("a watch")
        .take(1)
        .try_collect()
        .await
        .expect("watch events");
    assert!(
        matches!(&events[..], [WatchEvent::Added(set)] if set.metadata.name.as_deref() == Some(STATEFULSET)),
        "{events:?}"
    );
    let run = env.kubectl(&["get", "sts", "-n", "ns-one"]).success();
    assert!(
        run.stdout.starts_with("NAME") && run.stdout.contains(&format!("{STATEFULSET}   3/3")),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_trust_add_changes_the_template_and_a_second_does_not() {
    let env = Env::start().await;
    let before = generation(&env);
    env.trust_one_from_two(&["--yes"]).success();
    env.rolled("ns-one", "cluster-one").await;
    let set = statefulset(&env);
    assert_eq!(generation(&env), before + 1);
    assert!(template_volumes(&set).contains(&"remote-certs".to_string()));
    let mount = elasticsearch_mounts(&set)
        .into_iter()
        .find(|m| m["name"] == "remote-certs")
        .expect("ecr's mount");
    assert_eq!(mount["mountPath"], TRUST_MOUNT);
    assert_eq!(
        rendered_cas(&env),
        json!([ECK_CA, ECK_REMOTE_CA, TRUST_FILE])
    );

    trust_a_partner(&env, &[]);
    env.rolled("ns-one", "cluster-one").await;
    let after = statefulset(&env);
    assert_eq!(after["spec"]["template"], set["spec"]["template"]);
    assert_eq!(generation(&env), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_via_the_config_map_changes_no_statefulset() {
    let env = Env::start().await;
    let before = statefulset(&env);
    trust_a_partner(&env, &["--via", "config-map"]);
    let after = statefulset(&env);
    assert_eq!(
        after["metadata"]["generation"],
        before["metadata"]["generation"]
    );
    assert_eq!(after["spec"], before["spec"]);
    let published = env.transport_ca("sandbox", "ns-one", "cluster-one");
    assert_eq!(published.matches("BEGIN CERTIFICATE").count(), 2);
}
