//! `ecr trust sync` against the sandbox: after a source's CA rotates, the new CA is trusted
//! beside the old one, only the store is written, nothing restarts, and a re-run writes nothing.

mod common;

use common::{Env, Run, decode, recipe};
use ecr::sandbox::SandboxSpec;
use ecr::trust::store::{StoreKind, trusted_cas};
use serde_json::Value;

fn store(env: &Env, context: &str, namespace: &str) -> Value {
    env.sandbox
        .api(context)
        .get_object("", "secrets", Some(namespace), "remote-certs")
        .expect("the store")
}

/// The PEM trusted under `alias`, and the bundle Elasticsearch reads.
fn trusted(env: &Env, context: &str, namespace: &str, alias: &str) -> (String, String) {
    let secret = store(env, context, namespace);
    let ca = trusted_cas(&secret, StoreKind::Secret)
        .into_iter()
        .find(|ca| ca.alias == alias)
        .expect("the alias is trusted");
    (ca.pem, decode(&secret["data"]["remote.ca.crt"]))
}

fn trust(env: &Env, namespace: &str, cluster: &str, from_ns: &str, from: &str) {
    env.ecr(&[
        "trust",
        "add",
        cluster,
        "-n",
        namespace,
        "--from",
        from,
        "--from-namespace",
        from_ns,
        "--yes",
    ])
    .success();
}

fn sync_one(env: &Env, extra: &[&str]) -> Run {
    env.ecr(&[&["trust", "sync", "cluster-one", "-n", "ns-one"], extra].concat())
}

/// cluster-one trusts cluster-two, whose CA then rotates; returns the old and new CA.
fn trusted_then_rotated(env: &Env) -> (String, String) {
    trust(env, "ns-one", "cluster-one", "ns-two", "cluster-two");
    let old = env.transport_ca("sandbox", "ns-two", "cluster-two");
    env.api().rotate_transport_ca("ns-two", "cluster-two");
    let new = env.transport_ca("sandbox", "ns-two", "cluster-two");
    assert_ne!(old, new, "the sandbox rotated the CA");
    (old, new)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_ca_is_trusted_beside_the_old_one_writing_only_the_store() {
    let env = Env::start().await;
    let (old, new) = trusted_then_rotated(&env);
    let restarts = env.api().rolling_restarts("ns-one", "cluster-one");
    let since = env.api().requests().len();

    let run = sync_one(&env, &["--yes"]).success();
    assert_eq!(
        env.writes_since("sandbox", since),
        vec![
            "PATCH /api/v1/namespaces/ns-one/secrets/remote-certs?&fieldManager=ecr&fieldValidation=Strict"
        ]
    );
    assert_eq!(
        env.api().rolling_restarts("ns-one", "cluster-one"),
        restarts
    );
    let (pem, bundle) = trusted(&env, "sandbox", "ns-one", "cluster-two");
    assert_eq!(pem, format!("{new}{old}"));
    assert_eq!(bundle, pem);
    assert!(run.stderr.contains("no restart"), "{}", run.stderr);

    let since = env.api().requests().len();
    let again = sync_one(&env, &["--yes"]).success();
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
    assert!(
        again.stderr.contains("already in place, nothing written"),
        "{}",
        again.stderr
    );

    sync_one(&env, &["--prune", "--yes"]).success();
    assert_eq!(trusted(&env, "sandbox", "ns-one", "cluster-two").0, new);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_shows_the_store_change_and_writes_nothing() {
    let env = Env::start().await;
    let (old, _) = trusted_then_rotated(&env);
    let since = env.api().requests().len();
    let run = sync_one(&env, &["--dry-run"]).success();
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
    assert!(
        run.stderr
            .contains("Update Secret ns-one/remote-certs (context sandbox): no restart"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Dry run nothing written"),
        "{}",
        run.stderr
    );
    assert_eq!(trusted(&env, "sandbox", "ns-one", "cluster-two").0, old);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_namespaces_syncs_every_store_of_ecr() {
    let env = Env::start().await;
    trust(&env, "ns-one", "cluster-one", "ns-two", "cluster-two");
    trust(&env, "ns-two", "cluster-two", "ns-one", "cluster-one");
    env.api().rotate_transport_ca("ns-one", "cluster-one");
    env.api().rotate_transport_ca("ns-two", "cluster-two");

    env.ecr(&["trust", "sync", "--all-namespaces", "--yes"])
        .success();
    for (namespace, remote_ns, remote) in [
        ("ns-one", "ns-two", "cluster-two"),
        ("ns-two", "ns-one", "cluster-one"),
    ] {
        let current = env.transport_ca("sandbox", remote_ns, remote);
        let (pem, _) = trusted(&env, "sandbox", namespace, remote);
        assert!(
            pem.starts_with(&current),
            "{namespace} trusts {remote}'s new CA"
        );
        assert!(pem.len() > current.len(), "and still the old one");
    }
    let since = env.api().requests().len();
    env.ecr(&["trust", "sync", "-A", "--yes"]).success();
    assert_eq!(env.writes_since("sandbox", since), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_in_another_kube_context_is_read_there() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    env.ecr(&[
        "trust",
        "add",
        "cluster-one",
        "--context",
        "sandbox-one",
        "-n",
        "ns-one",
        "--from",
        "cluster-two",
        "--from-context",
        "sandbox-two",
        "--from-namespace",
        "ns-two",
        "--yes",
    ])
    .success();
    let old = env.transport_ca("sandbox-two", "ns-two", "cluster-two");
    env.sandbox
        .api("sandbox-two")
        .rotate_transport_ca("ns-two", "cluster-two");
    let new = env.transport_ca("sandbox-two", "ns-two", "cluster-two");

    let since = env.sandbox.api("sandbox-two").requests().len();
    sync_one(&env, &["--context", "sandbox-one", "--yes"]).success();
    assert_eq!(
        trusted(&env, "sandbox-one", "ns-one", "cluster-two").0,
        format!("{new}{old}")
    );
    assert_eq!(env.writes_since("sandbox-two", since), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_is_gone_is_named_and_its_ca_kept() {
    let env = Env::start().await;
    trust(&env, "ns-one", "cluster-one", "ns-two", "cluster-two");
    let before = store(&env, "sandbox", "ns-one");
    env.api().delete_object(
        "elasticsearch.k8s.elastic.co",
        "elasticsearches",
        Some("ns-two"),
        "cluster-two",
    );
    let run = sync_one(&env, &["--yes"]).failure();
    assert!(
        run.stderr
            .contains("cannot read the source of cluster-two in the Secret ns-one/remote-certs, cluster cluster-two in ns-two"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 source could not be read"),
        "{}",
        run.stderr
    );
    assert_eq!(store(&env, "sandbox", "ns-one"), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_a_store_is_told_to_trust_first() {
    let env = Env::start().await;
    let run = sync_one(&env, &["--yes"]).failure();
    assert!(
        run.stderr.contains(
            "cluster-one trusts nothing through ecr: the Secret ns-one/remote-certs does not exist"
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_rotation_the_link_reconnects_once_synced() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--mutual", "--yes"]).success();
    let (one, two) = recipe::standard_sides(&env.sandbox).await;
    recipe::expose_and_connect(&env.sandbox, &one, &two).await;
    assert!(
        one.es(&env.sandbox).connects("two").await,
        "connected first"
    );

    env.api().rotate_transport_ca("ns-two", "cluster-two");
    assert!(
        one.es(&env.sandbox).stays_disconnected("two").await,
        "a stale copy breaks the link"
    );
    sync_one(&env, &["--yes"]).success();
    assert!(
        one.es(&env.sandbox).connects("two").await,
        "the link reconnects after sync"
    );
}
