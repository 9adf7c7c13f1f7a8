//! Licenses under the sandbox's ECK, as ECK 3.5 handles them: a trial started by hand in
//! Elasticsearch is turned back to basic when ECK reconciles a cluster right after a node
//! restarted; ECK's own enterprise trial (the `eck-trial-license` Secret) starts
//! Elasticsearch's trial on every cluster of its operator and keeps it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ecr_sandbox::{KubeCluster, Sandbox, SandboxSpec, TrustDelays};
use serde_json::{Value, json};

const GROUP: &str = "elasticsearch.k8s.elastic.co";

async fn sandbox(spec: SandboxSpec) -> Sandbox {
    let sandbox = Sandbox::start(spec).await.expect("the sandbox starts");
    sandbox.set_trust_delays(TrustDelays::NONE);
    sandbox
}

fn license_type(sandbox: &Sandbox, context: &str, namespace: &str, name: &str) -> &'static str {
    sandbox
        .elasticsearch(context, namespace, name)
        .expect("runs")
        .handle
        .license_type()
}

/// Changes a nodeSet's config: ECK rolls the cluster's pods.
fn roll(api: &KubeCluster, namespace: &str, name: &str, zone: &str) {
    let restarts = api.rolling_restarts(namespace, name);
    let mut es = api
        .get_object(GROUP, "elasticsearches", Some(namespace), name)
        .expect("the resource");
    es["spec"]["nodeSets"][0]["config"] = json!({"node.attr.zone": zone});
    api.put_object(GROUP, "elasticsearches", es);
    assert_eq!(api.rolling_restarts(namespace, name), restarts + 1);
}

fn secret(api: &KubeCluster, namespace: &str, name: &str) -> Option<Value> {
    api.get_object("", "secrets", Some(namespace), name)
}

fn decoded_json(secret: &Value, key: &str) -> Value {
    let bytes = STANDARD
        .decode(secret["data"][key].as_str().expect("the key"))
        .expect("base64");
    serde_json::from_slice(&bytes).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eck_turns_a_trial_started_by_hand_to_basic_after_a_restart_for_good() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let api = sandbox.api("sandbox");
    assert!(api.start_trial("ns-one", "cluster-one"));
    assert!(api.start_trial("ns-two", "cluster-two"));
    assert_eq!(
        license_type(&sandbox, "sandbox", "ns-one", "cluster-one"),
        "trial"
    );

    roll(api, "ns-one", "cluster-one", "a");
    assert_eq!(
        license_type(&sandbox, "sandbox", "ns-one", "cluster-one"),
        "basic"
    );
    assert_eq!(
        license_type(&sandbox, "sandbox", "ns-two", "cluster-two"),
        "trial",
        "no restart, no revert: ECK reads the trial and tolerates it"
    );

    // A trial starts once in a cluster's life: not by hand, and not by ECK's trial either.
    assert!(!api.start_trial("ns-one", "cluster-one"));
    api.start_eck_trial().expect("ECK's trial secret");
    assert_eq!(
        license_type(&sandbox, "sandbox", "ns-one", "cluster-one"),
        "basic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecks_trial_licenses_every_cluster_and_survives_restarts() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    sandbox.start_eck_trial().expect("ECK's trial secret");
    let api = sandbox.api("sandbox");
    for (namespace, name) in [("ns-one", "cluster-one"), ("ns-two", "cluster-two")] {
        assert_eq!(license_type(&sandbox, "sandbox", namespace, name), "trial");
    }

    // What ECK wrote: the trial filled in, its status, each cluster's license.
    let trial = secret(api, "elastic-system", "eck-trial-license").expect("the trial");
    assert_eq!(
        trial["metadata"]["labels"]["license.k8s.elastic.co/scope"],
        "operator"
    );
    let license = decoded_json(&trial, "license");
    assert_eq!(license["license"]["type"], "enterprise_trial");
    assert_eq!(license["license"]["issuer"], "Elastic k8s operator");
    let days = (license["license"]["expiry_date_in_millis"]
        .as_u64()
        .expect("expiry")
        - license["license"]["start_date_in_millis"]
            .as_u64()
            .expect("start"))
        / 86_400_000;
    assert_eq!(days, 30);
    let status = secret(api, "elastic-system", "trial-status").expect("the trial status");
    assert!(status["data"]["pubkey"].is_string());
    assert!(
        status["data"]["in-trial-activation"].is_null(),
        "activation completed"
    );
    let cluster_license = secret(api, "ns-one", "cluster-one-es-license").expect("a license");
    assert_eq!(
        cluster_license["metadata"]["labels"]["license.k8s.elastic.co/type"],
        "trial"
    );
    assert_eq!(
        cluster_license["metadata"]["labels"]["license.k8s.elastic.co/name"],
        license["license"]["uid"]
    );

    roll(api, "ns-one", "cluster-one", "a");
    sandbox.set_trust_delays(TrustDelays {
        pod_restart: std::time::Duration::from_millis(20),
        ..TrustDelays::NONE
    });
    roll(api, "ns-one", "cluster-one", "b");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        license_type(&sandbox, "sandbox", "ns-one", "cluster-one"),
        "trial"
    );

    // A second trial is refused; the trial in Elasticsearch outlives the trial secret.
    api.delete_object("", "secrets", Some("elastic-system"), "eck-trial-license");
    assert!(secret(api, "ns-one", "cluster-one-es-license").is_none());
    api.put_object("", "secrets", documented_trial_secret());
    let refused = secret(api, "elastic-system", "eck-trial-license").expect("the secret");
    assert_eq!(
        refused["metadata"]["annotations"]["license.k8s.elastic.co/invalid"],
        "trial can be started only once"
    );
    assert_eq!(
        license_type(&sandbox, "sandbox", "ns-one", "cluster-one"),
        "trial"
    );
}

/// The Secret of the ECK documentation that starts ECK's trial.
fn documented_trial_secret() -> Value {
    json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "eck-trial-license", "namespace": "elastic-system",
            "labels": {"license.k8s.elastic.co/type": "enterprise_trial"},
            "annotations": {"elastic.co/eula": "accepted"}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eck_starts_no_trial_without_the_eula_accepted() {
    let sandbox = sandbox(SandboxSpec::standard()).await;
    let api = sandbox.api("sandbox");
    let mut unaccepted = documented_trial_secret();
    unaccepted["metadata"]["annotations"] = json!({});
    api.put_object("", "secrets", unaccepted);
    let refused = secret(api, "elastic-system", "eck-trial-license").expect("the secret");
    assert_eq!(
        refused["metadata"]["annotations"]["license.k8s.elastic.co/invalid"],
        "Please set the annotation elastic.co/eula to \"accepted\" to accept the EULA"
    );
    assert!(refused["data"]["license"].is_null(), "not filled in");
    assert_eq!(
        license_type(&sandbox, "sandbox", "ns-one", "cluster-one"),
        "basic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operators_trial_licenses_none_of_another_operators_clusters() {
    let sandbox = sandbox(SandboxSpec::two_contexts()).await;
    sandbox
        .api("sandbox-one")
        .start_eck_trial()
        .expect("ECK's trial secret");
    assert_eq!(
        license_type(&sandbox, "sandbox-one", "ns-one", "cluster-one"),
        "trial"
    );
    assert_eq!(
        license_type(&sandbox, "sandbox-two", "ns-two", "cluster-two"),
        "basic"
    );
}
