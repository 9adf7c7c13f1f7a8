//! What users read, whole: each changing command's plan and result lines, and `status` in text
//! and JSON, run on a sandbox as an operator would, each compared with its snapshot in
//! tests/snapshots/ (ports, fingerprints, PEM bodies, times and the temp dir filtered out).

mod common;

use common::{CONNECT_BY_KEY, Env, SETUP_TWO_CONTEXTS, TRUST_ONE_FROM_TWO};
use ecr::sandbox::SandboxSpec;

/// `ARGS EXTRA` as one argument list.
fn with<'a>(args: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    [args, extra].concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_from_extract_to_remove() {
    let env = Env::start().await;
    ecr_snapshot!(
        "ca_extract",
        &env,
        &["ca", "extract", "cluster-two", "-n", "ns-two"]
    )
    .success();
    ecr_snapshot!(
        "ca_extract_json",
        &env,
        &["ca", "extract", "cluster-two", "-n", "ns-two", "-o", "json"]
    )
    .success();
    ecr_snapshot!(
        "trust_add_dry_run",
        &env,
        &with(&TRUST_ONE_FROM_TWO, &["--dry-run"])
    )
    .success();
    ecr_snapshot!(
        "trust_add_dry_run_json",
        &env,
        &with(&TRUST_ONE_FROM_TWO, &["--dry-run", "-o", "json"])
    )
    .success();
    ecr_snapshot!("trust_add", &env, &with(&TRUST_ONE_FROM_TWO, &["--yes"])).success();
    ecr_snapshot!(
        "trust_add_all_in_place",
        &env,
        &with(&TRUST_ONE_FROM_TWO, &["--yes"])
    )
    .success();
    let sync = ["trust", "sync", "cluster-one", "-n", "ns-one", "--yes"];
    ecr_snapshot!("trust_sync_nothing_to_do", &env, &sync).success();
    env.sandbox
        .api("sandbox")
        .rotate_transport_ca("ns-two", "cluster-two");
    ecr_snapshot!("trust_sync_after_a_rotation", &env, &sync).success();
    let remove = [
        "trust",
        "remove",
        "cluster-one",
        "-n",
        "ns-one",
        "--alias",
        "cluster-two",
        "--yes",
    ];
    ecr_snapshot!("trust_remove", &env, &remove).success();
    ecr_snapshot!("trust_remove_not_there", &env, &remove);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_from_a_file_and_sync_everywhere() {
    let env = Env::start().await;
    let pem = env.transport_ca("sandbox", "ns-two", "cluster-two");
    let file = env.dir.path().join("partner.pem");
    std::fs::write(&file, pem).expect("the CA file is written");
    let file = file.to_str().expect("a UTF-8 temp path");
    let add = [
        "trust",
        "add",
        "cluster-one",
        "-n",
        "ns-one",
        "--ca-file",
        file,
        "--alias",
        "partner",
        "--via",
        "config-map",
        "--yes",
    ];
    ecr_snapshot!("trust_add_ca_file_config_map", &env, &add).success();
    env.trust_two_from_one().success();
    ecr_snapshot!(
        "trust_sync_all_namespaces",
        &env,
        &["trust", "sync", "-A", "--yes"]
    )
    .success();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expose_connect_and_disconnect() {
    let env = Env::start().await;
    ecr_snapshot!(
        "trust_add_mutual",
        &env,
        &with(&TRUST_ONE_FROM_TWO, &["--mutual", "--yes"])
    )
    .success();
    env.rolled("ns-one", "cluster-one").await;
    env.rolled("ns-two", "cluster-two").await;
    let expose = ["expose", "cluster-two", "-n", "ns-two"];
    ecr_snapshot!("expose_dry_run", &env, &with(&expose, &["--dry-run"])).success();
    ecr_snapshot!("expose", &env, &with(&expose, &["--yes"])).success();
    ecr_snapshot!("expose_all_in_place", &env, &with(&expose, &["--yes"])).success();

    let connect = common::CONNECT_ONE_TO_TWO;
    ecr_snapshot!(
        "connect_proxy_dry_run",
        &env,
        &with(&connect, &["--dry-run"])
    )
    .success();
    ecr_snapshot!("connect_proxy", &env, &with(&connect, &["--yes"])).success();
    ecr_snapshot!(
        "connect_proxy_all_in_place",
        &env,
        &with(&connect, &["--yes"])
    )
    .success();
    let disconnect = [
        "disconnect",
        "cluster-one",
        "-n",
        "ns-one",
        "--alias",
        "cluster-two",
    ];
    ecr_snapshot!(
        "disconnect_dry_run",
        &env,
        &with(&disconnect, &["--dry-run"])
    )
    .success();
    ecr_snapshot!("disconnect", &env, &with(&disconnect, &["--yes"])).success();
    ecr_snapshot!("disconnect_not_there", &env, &with(&disconnect, &["--yes"]));

    let reference = [
        "connect",
        "cluster-one",
        "-n",
        "ns-one",
        "--ref",
        "cluster-two",
        "--remote-namespace",
        "ns-two",
    ];
    ecr_snapshot!(
        "connect_ref_dry_run",
        &env,
        &with(&reference, &["--dry-run"])
    )
    .success();
    ecr_snapshot!("connect_ref", &env, &with(&reference, &["--yes"])).success();
    ecr_snapshot!(
        "disconnect_ref",
        &env,
        &with(&disconnect, &["--ref", "--yes"])
    )
    .success();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_and_its_re_run() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let args = SETUP_TWO_CONTEXTS;
    ecr_snapshot!("setup_dry_run", &env, &with(&args, &["--dry-run"])).success();
    ecr_snapshot!("setup", &env, &with(&args, &["--yes"])).success();
    ecr_snapshot!("setup_all_in_place", &env, &with(&args, &["--yes"])).success();
}

/// `ecr status cluster-one -n ns-one` in text and in JSON, each snapshotted as `NAME` and
/// `NAME_json`.
fn snapshot_status(env: &Env, name: &str) {
    let status = ["status", "cluster-one", "-n", "ns-one"];
    ecr_snapshot!(name, env, &status);
    ecr_snapshot!(format!("{name}_json"), env, &with(&status, &["-o", "json"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_a_cluster_without_links() {
    let env = Env::start().await;
    snapshot_status(&env, "status_no_link");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_a_trust_in_one_direction_only() {
    let env = Env::start().await;
    env.trust_one_from_two(&["--yes"]).success();
    env.rolled("ns-one", "cluster-one").await;
    snapshot_status(&env, "status_one_direction");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_a_connected_and_a_broken_link() {
    let env = Env::start().await;
    env.link_both_ways();
    env.rolled("ns-one", "cluster-one").await;
    snapshot_status(&env, "status_connected");
    // a second remote at an address where nothing listens
    env.ecr(&[
        "connect",
        "cluster-one",
        "-n",
        "ns-one",
        "--proxy",
        "127.0.9.9:9300",
        "--alias",
        "nowhere",
        "--no-verify",
        "--yes",
    ])
    .success();
    snapshot_status(&env, "status_one_not_connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_that_does_not_connect_is_explained() {
    let env = Env::start().await;
    // cluster-two trusts cluster-one, but not the other way round
    env.trust_two_from_one().success();
    env.ecr(&["expose", "cluster-two", "-n", "ns-two", "--yes"])
        .success();
    ecr_snapshot!(
        "connect_without_trust",
        &env,
        &with(&common::CONNECT_ONE_TO_TWO, &["--yes", "--timeout", "2s"])
    )
    .failure();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_by_url_outside_kubernetes() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    env.rolled("ns-one", "cluster-one").await;
    let direct = env.endpoint("ns-one", "cluster-one");
    let ca = env.dir.path().join("http-ca.pem");
    std::fs::write(&ca, &direct.http_ca_pem).expect("the HTTP CA is written");
    let address = env
        .ecr(&["expose", "cluster-two", "-n", "ns-two"])
        .success()
        .stdout;
    let args = [
        "connect",
        "--proxy",
        address.trim(),
        "--alias",
        "two",
        "--es-url",
        &direct.url,
        "--es-ca-file",
        ca.to_str().expect("a UTF-8 temp path"),
        "--yes",
    ];
    let credentials = [
        ("ES_USERNAME", "elastic"),
        ("ES_PASSWORD", direct.elastic_password.as_str()),
    ];
    ecr_snapshot!("connect_by_url", &env, &args, &credentials).success();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_by_api_key_refused_then_planned() {
    let env = Env::start().await;
    ecr_snapshot!(
        "connect_api_key_basic_license",
        &env,
        &with(&CONNECT_BY_KEY, &["--yes"])
    )
    .failure();
    env.sandbox.start_eck_trial().expect("ECK's trial");
    ecr_snapshot!(
        "connect_api_key_dry_run",
        &env,
        &with(&CONNECT_BY_KEY, &["--dry-run"])
    )
    .success();
    ecr_snapshot!(
        "connect_api_key_dry_run_json",
        &env,
        &with(&CONNECT_BY_KEY, &["--dry-run", "-o", "json"])
    )
    .success();
}
