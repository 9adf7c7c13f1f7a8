//! Proving a link as Elasticsearch really behaves: it never retries a failed link by itself
//! (`_remote/info` only reports), and trust reaches the nodes some time after it is written
//! (ECK rolls the pods one at a time; a changed mounted file waits for the kubelet's sync and
//! Elasticsearch's reload). ecr's proof must make Elasticsearch try again.

mod common;

use std::time::Duration;

use common::{Env, Run, setting_puts};
use ecr::sandbox::{CertificateAuthority, EsEndpoint, SandboxSpec, TrustDelays};
use serde_json::Value;

/// `GET _remote/info` on a cluster's direct URL, as an operator would look.
async fn remote_info(endpoint: &EsEndpoint) -> Value {
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(common::recipe::tls_config(&endpoint.http_ca_pem, &[]))
        .build()
        .expect("a client");
    http.get(format!("{}/_remote/info", endpoint.url))
        .basic_auth("elastic", Some(&endpoint.elastic_password))
        .send()
        .await
        .expect("Elasticsearch answers")
        .json()
        .await
        .expect("JSON")
}

/// Polls `ecr status` until the cluster is `Ready` (ECK finished rolling its pods).
fn wait_until_rolled(env: &Env, context: Option<&str>, namespace: &str, cluster: &str) {
    let mut args = vec!["status", cluster, "-n", namespace, "-o", "json"];
    if let Some(context) = context {
        args.extend(["--context", context]);
    }
    for _ in 0..50 {
        let run: Run = env.ecr(&args);
        let report: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
        if report["phase"] == "Ready" {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{cluster} is still rolling after 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_rerun_after_fixing_trust_connects() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--yes"]).success();
    wait_until_rolled(&env, None, "ns-one", "cluster-one");
    env.ecr(&["expose", "cluster-two", "-n", "ns-two", "--yes"])
        .success();
    let failed = env
        .connect_one_to_two(&["--yes", "--timeout", "2s"])
        .failure();
    assert!(
        failed
            .stderr
            .contains("cluster-two did not connect within 2s"),
        "{}",
        failed.stderr
    );

    // cluster-two trusts cluster-one back: its pods roll, cluster-one's do not restart.
    env.trust_two_from_one().success();
    wait_until_rolled(&env, None, "ns-two", "cluster-two");
    let one = env.endpoint("ns-one", "cluster-one");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        remote_info(&one).await["cluster-two"]["connected"],
        false,
        "the trust is in place, but Elasticsearch does not retry a failed link by itself"
    );

    let before = setting_puts(&one);
    let rerun = env
        .connect_one_to_two(&["--yes", "--timeout", "10s"])
        .success();
    assert!(
        rerun
            .stderr
            .contains("Connected _remote/info says cluster-two: connected true"),
        "{}",
        rerun.stderr
    );
    assert_eq!(setting_puts(&one), before, "the re-run writes nothing");
    assert_eq!(
        remote_info(&one).await["cluster-two"]["connected"],
        true,
        "the re-run's proof made Elasticsearch connect"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_probes_a_link_whose_first_attempt_failed() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--yes"]).success();
    wait_until_rolled(&env, None, "ns-one", "cluster-one");
    env.ecr(&["expose", "cluster-two", "-n", "ns-two", "--yes"])
        .success();
    env.connect_one_to_two(&["--yes", "--no-verify"]).success();
    env.trust_two_from_one().success();
    wait_until_rolled(&env, None, "ns-two", "cluster-two");
    let one = env.endpoint("ns-one", "cluster-one");
    assert_eq!(remote_info(&one).await["cluster-two"]["connected"], false);

    let run = env
        .ecr(&["status", "cluster-one", "-n", "ns-one", "-o", "json"])
        .success();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["remotes"][0]["alias"], "cluster-two");
    assert_eq!(
        report["remotes"][0]["connected"],
        true,
        "{run:?}",
        run = run.stderr
    );
    let writes = one
        .handle
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(
        writes, 1,
        "status writes nothing (the one PUT is connect's)"
    );
}

/// Each side already mounts ecr's store (a first trust of another CA, rolled), so setup
/// only changes the store's content: the new CA reaches the nodes after the kubelet's sync
/// and Elasticsearch's reload, seconds after the link settings are written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_succeeds_when_the_trust_reaches_the_nodes_after_the_settings() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let partner = CertificateAuthority::new("partner", None).expect("a CA");
    let partner_file = env.dir.path().join("partner.crt");
    std::fs::write(&partner_file, partner.cert_pem()).expect("written");
    let file = partner_file.to_str().expect("UTF-8");
    for (context, namespace, cluster) in [
        ("sandbox-one", "ns-one", "cluster-one"),
        ("sandbox-two", "ns-two", "cluster-two"),
    ] {
        env.ecr(&[
            "trust",
            "add",
            cluster,
            "-n",
            namespace,
            "--context",
            context,
            "--ca-file",
            file,
            "--alias",
            "partner",
            "--yes",
        ])
        .success();
        wait_until_rolled(&env, Some(context), namespace, cluster);
    }
    env.sandbox.set_trust_delays(TrustDelays {
        volume_sync: Duration::from_secs(3),
        ..TrustDelays::default()
    });

    let run = env.setup_two_contexts(&["--yes"]).success();
    for alias in ["cluster-two", "cluster-one"] {
        let proven = format!("_remote/info says {alias}: connected true");
        assert!(run.stderr.contains(&proven), "{}", run.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settings_update_not_acknowledged_in_time_is_read_back() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    wait_until_rolled(&env, None, "ns-one", "cluster-one");
    let one = env.endpoint("ns-one", "cluster-one");
    one.handle.answer_unacknowledged(1);
    env.connect_one_to_two(&["--yes"]).success();
    assert_eq!(
        one.handle.persistent_settings()["cluster.remote.cluster-two.mode"],
        "proxy"
    );
    let reads = one
        .handle
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/_cluster/settings"))
        .count();
    assert!(
        reads >= 2,
        "the plan's read, and the read after the unacknowledged PUT"
    );
}

/// A first trust rolls the pods one at a time: setup waits for the roll, says how far it got
/// when its time runs out, and how to resume.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_waits_for_the_roll_and_says_how_to_resume() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    env.sandbox.set_trust_delays(TrustDelays {
        pod_restart: Duration::from_millis(1500),
        ..TrustDelays::default()
    });
    let run = env
        .setup_two_contexts(&["--yes", "--roll-timeout", "2s"])
        .failure();
    assert!(
        run.stderr
            .contains("error: cluster-one is still restarting its pods after 2s (pods updated ")
            && run.stderr.contains(" of 3)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("re-run the same ecr command to resume"),
        "{}",
        run.stderr
    );

    env.sandbox.set_trust_delays(TrustDelays::default());
    let resumed = env.setup_two_contexts(&["--yes"]).success();
    assert!(
        resumed
            .stderr
            .contains("_remote/info says cluster-two: connected true"),
        "{}",
        resumed.stderr
    );
}
