//! The scenarios: the documented recipe by hand, and ecr's commands, each ending in what real
//! Elasticsearch says about the links (`_remote/info`, `_cluster/settings`) and in what the
//! Kubernetes API says about restarts.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, ensure};
use ecr_real_stack::{HEAP, kube as stack_kube, node_settings_yaml, observe};
use time::OffsetDateTime;

use crate::nodes::{ClusterRef, Nodes, Run};
use crate::outside::{Outside, SERVER_NAME, USER};

/// How long an ecr command that waits for rolling restarts may take here.
const ROLL_TIMEOUT_FLAG: &str = "--roll-timeout=10m";

/// The recipe of ECK's page, with kubectl and curl (`recipe.sh`), ends connected both ways:
/// the reference ecr is held to.
pub async fn recipe_by_hand(n: &Nodes) -> anyhow::Result<()> {
    let script = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/real/nodes/recipe.sh"
    ));
    let run = n.script(
        &script,
        &[
            ("NS1", &n.one),
            ("ES1", "cluster-one"),
            ("NS2", &n.two),
            ("ES2", "cluster-two"),
            ("VERSION", &n.version),
            ("HEAP", HEAP),
            ("NODE_SETTINGS", &node_settings_yaml()),
        ],
    );
    run.expect_code(0, "the recipe by hand")?;
    ensure!(
        n.connected(n.cluster_one(), "cluster-two").await?,
        "cluster-one is not connected to cluster-two"
    );
    ensure!(
        n.connected(n.cluster_two(), "cluster-one").await?,
        "cluster-two is not connected to cluster-one"
    );
    Ok(())
}

fn setup_args(n: &Nodes) -> Vec<&str> {
    vec![
        "setup",
        "--local",
        "cluster-one",
        "--local-namespace",
        &n.one,
        "--remote",
        "cluster-two",
        "--remote-namespace",
        &n.two,
        ROLL_TIMEOUT_FLAG,
        "--yes",
    ]
}

/// `ecr setup` both ways: connected and proven, with one rolling restart per cluster; a
/// re-run writes nothing; `status` is healthy (on 9.x but for the certificate model's
/// deprecation); `disconnect` leaves no setting of the alias;
/// `trust remove` of the last CA leaves the node running on the placeholder CA; `connect
/// --ref` on a basic license is answered by ECK's event.
pub async fn setup_both_ways(n: &Nodes) -> anyhow::Result<()> {
    let (one, two) = (n.cluster_one(), n.cluster_two());
    let run = n.ecr(&setup_args(n)).expect_code(0, "ecr setup")?;
    ensure!(
        run.stdout.matches("Connected").count() + run.stderr.matches("Connected").count() == 2,
        "ecr setup did not prove both links:\n{}{}",
        run.stdout,
        run.stderr
    );
    for cluster in [one, two] {
        ensure!(
            n.restarts(cluster).await? == 1,
            "{cluster:?} restarted {} times, not once",
            n.restarts(cluster).await?
        );
    }
    ensure!(
        n.connected(one, "cluster-two").await? && n.connected(two, "cluster-one").await?,
        "not connected both ways"
    );
    // ecr names itself, so that an operator's audit finds its requests: the API server's
    // audit log and Elasticsearch's count of requests per client both know it.
    let (epoch, now) = (OffsetDateTime::UNIX_EPOCH, OffsetDateTime::now_utc());
    let api = observe::api_requests(&n.info.audit_log, ecr::USER_AGENT, epoch, now)?;
    let es = observe::elasticsearch_requests(&n.client, &n.kubeconfig, two, ecr::USER_AGENT, epoch)
        .await?;
    ensure!(
        api > 0 && es > 0,
        "{api} API requests and {es} Elasticsearch requests with ecr's user agent"
    );

    let before = versions(n).await?;
    wrote_nothing(n.ecr(&setup_args(n)), "a second ecr setup")?;
    ensure!(
        versions(n).await? == before,
        "the second ecr setup changed a resource"
    );
    for cluster in [one, two] {
        ensure!(
            n.restarts(cluster).await? == 1,
            "the second ecr setup restarted {cluster:?}"
        );
    }

    // On 9.x the one thing that needs attention is the certificate-based model itself, which
    // Elasticsearch 9 deprecates: status says so (exit 1) and names the API-key way instead.
    let deprecated = !n.version.starts_with("8.");
    for (namespace, name) in [one, two] {
        let status = n
            .ecr(&["status", name, "-n", namespace])
            .expect_code(if deprecated { 1 } else { 0 }, "ecr status")?;
        let attention: Vec<&str> = status
            .stdout
            .lines()
            .filter(|line| line.starts_with("  - "))
            .collect();
        let healthy = match deprecated {
            true => {
                attention.len() == 1
                    && attention[0]
                        .contains("Elasticsearch 9 deprecates certificate-based remote clusters")
                    && attention[0].contains("ecr connect --api-key")
            }
            false => status.stdout.contains("Healthy") && attention.is_empty(),
        };
        ensure!(healthy, "ecr status of {name}:\n{}", status.stdout);
    }

    n.ecr(&[
        "disconnect",
        "cluster-one",
        "-n",
        &n.one,
        "--alias",
        "cluster-two",
        "--yes",
    ])
    .expect_code(0, "ecr disconnect")?;
    let left = n.remote_settings(one).await?;
    ensure!(
        !left
            .iter()
            .any(|k| k.starts_with("cluster.remote.cluster-two.")),
        "settings of cluster-two left after disconnect: {left:?}"
    );

    let pod = pod_uid(n, one).await?;
    n.ecr(&[
        "trust",
        "remove",
        "cluster-one",
        "-n",
        &n.one,
        "--alias",
        "cluster-two",
        "--yes",
    ])
    .expect_code(0, "ecr trust remove of the last CA")?;
    // The kubelet brings the secret's files up to date, then Elasticsearch reloads them.
    tokio::time::sleep(Duration::from_secs(30)).await;
    ensure!(
        pod_uid(n, one).await? == pod,
        "trust remove restarted cluster-one"
    );
    let health = n.es(one, "GET", "/_cluster/health").await?;
    ensure!(
        health["status"] == "green",
        "cluster-one after trust remove: {health}"
    );
    let status = n.ecr(&["status", "cluster-one", "-n", &n.one]);
    ensure!(
        status.code.is_some(),
        "ecr status after trust remove did not finish"
    );

    // `connect --ref` on a basic license: ecr warns, and ECK answers with an event once it
    // reaches Elasticsearch (cloud-on-k8s v3.5.0 pkg/controller/elasticsearch/remotecluster/elasticsearch.go).
    let run = n
        .ecr(&[
            "connect",
            "cluster-one",
            "-n",
            &n.one,
            "--ref",
            "cluster-two",
            "--remote-namespace",
            &n.two,
            "--yes",
        ])
        .expect_code(0, "ecr connect --ref")?;
    ensure!(
        run.stderr.contains("enterprise license"),
        "ecr connect --ref did not warn:\n{}",
        run.stderr
    );
    let what = "ECK's event about remote clusters on a basic license";
    stack_kube::wait_for(what, Duration::from_secs(120), || async {
        let events =
            kube::Api::<k8s_openapi::api::core::v1::Event>::namespaced(n.client.clone(), &n.one)
                .list(&kube::api::ListParams::default().fields("involvedObject.name=cluster-one"))
                .await?;
        Ok(events
            .items
            .iter()
            .any(|e| {
                e.message
                    .as_deref()
                    .is_some_and(|m| m.contains("Remote cluster is an enterprise feature"))
            })
            .then_some(()))
    })
    .await?;
    Ok(())
}

/// Step by step: cluster-two first trusts an unrelated CA (its nodes then mount the store),
/// cluster-one trusts cluster-two; a link from one to two fails, and ecr names the missing
/// trust; once cluster-two trusts cluster-one (the secret only, no restart), the same command
/// proves the link. The link back is made too: one rolling restart per cluster in all, and a
/// re-run of every step writes nothing.
pub async fn step_by_step(n: &Nodes) -> anyhow::Result<()> {
    let (one, two) = (n.cluster_one(), n.cluster_two());
    let unrelated = n.unrelated_ca().display().to_string();
    let trust_unrelated = || {
        n.ecr(&[
            "trust",
            "add",
            "cluster-two",
            "-n",
            &n.two,
            "--ca-file",
            &unrelated,
            "--alias",
            "unrelated",
            "--yes",
        ])
    };
    let trust = |(namespace, name): ClusterRef, (from_namespace, from): ClusterRef| {
        n.ecr(&[
            "trust",
            "add",
            name,
            "-n",
            namespace,
            "--from",
            from,
            "--from-namespace",
            from_namespace,
            "--yes",
        ])
    };
    let expose = |(namespace, name): ClusterRef| n.ecr(&["expose", name, "-n", namespace, "--yes"]);

    trust_unrelated().expect_code(0, "trust add of an unrelated CA")?;
    trust(one, two).expect_code(0, "trust add cluster-one from cluster-two")?;
    for cluster in [one, two] {
        n.rolled(cluster).await?;
    }
    expose(two).expect_code(0, "expose cluster-two")?;
    let failed = connect_to(n, one, two, "60s");
    let text = format!("{}{}", failed.stdout, failed.stderr);
    ensure!(
        failed.code != Some(0),
        "the link was proven without cluster-two trusting cluster-one:\n{text}"
    );
    ensure!(
        text.contains("trust") && text.contains("cluster-two"),
        "the failure does not name the missing trust on cluster-two:\n{text}"
    );

    trust(two, one).expect_code(0, "trust add cluster-two from cluster-one")?;
    connect_to(n, one, two, "5m").expect_code(0, "connect once cluster-two trusts cluster-one")?;
    expose(one).expect_code(0, "expose cluster-one")?;
    connect_to(n, two, one, "5m").expect_code(0, "connect of cluster-two to cluster-one")?;
    ensure!(
        n.connected(one, "cluster-two").await? && n.connected(two, "cluster-one").await?,
        "not connected both ways"
    );
    for cluster in [one, two] {
        ensure!(
            n.restarts(cluster).await? == 1,
            "{cluster:?} restarted {} times, not once",
            n.restarts(cluster).await?
        );
    }

    let before = versions(n).await?;
    let again = [
        trust_unrelated(),
        trust(one, two),
        trust(two, one),
        expose(two),
        expose(one),
        connect_to(n, one, two, "1m"),
        connect_to(n, two, one, "1m"),
    ];
    for run in again {
        wrote_nothing(run, "a re-run of a step")?;
    }
    ensure!(
        versions(n).await? == before,
        "a re-run of the steps changed a resource"
    );
    Ok(())
}

/// A real CA renewal by ECK: `status` reports the stale copy, `trust sync` heals it without a
/// restart, and the link is proven again.
pub async fn ca_rotation(n: &Nodes) -> anyhow::Result<()> {
    let (one, two) = (n.cluster_one(), n.cluster_two());
    n.ecr(&setup_args(n)).expect_code(0, "ecr setup")?;
    let trusted = n.public_ca(two).await?;
    let what = "ECK to renew cluster-two's transport CA";
    stack_kube::wait_for(what, Duration::from_secs(300), || async {
        Ok((n.public_ca(two).await? != trusted).then_some(()))
    })
    .await?;
    let stale = n.ecr(&["status", "cluster-one", "-n", &n.one]);
    ensure!(
        stale.code == Some(1),
        "status after the renewal: {:?}\n{}",
        stale.code,
        stale.stdout
    );
    ensure!(
        stale.stdout.contains("stale"),
        "status does not report the stale copy:\n{}",
        stale.stdout
    );

    for (namespace, name) in [one, two] {
        n.ecr(&["trust", "sync", name, "-n", namespace, "--yes"])
            .expect_code(0, "trust sync")?;
    }
    connect_to(n, one, two, "3m").expect_code(0, "connect (the active proof) after trust sync")?;
    for cluster in [one, two] {
        ensure!(
            n.restarts(cluster).await? == 1,
            "{cluster:?} restarted {} times, not once",
            n.restarts(cluster).await?
        );
    }
    Ok(())
}

/// `connect --api-key` of cluster-one to cluster-two, with the key's access (`--search` and
/// `--replication` flags and their patterns).
fn connect_by_api_key_args<'a>(n: &'a Nodes, access: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "connect",
        "cluster-one",
        "-n",
        &n.one,
        "--api-key",
        "--remote",
        "cluster-two",
        "--remote-namespace",
        &n.two,
        ROLL_TIMEOUT_FLAG,
        "--yes",
    ];
    args.extend(access);
    args
}

/// The access of the key a scenario asks for first.
const SEARCH_LOGS: &[&str] = &["--search", "logs-*"];

/// `ecr connect --api-key` between two real clusters on a trial license: the key made on
/// cluster-two, installed in cluster-one's keystore through ECK, cluster-two's remote cluster
/// server behind a load balancer; the link is proven and a cross-cluster search finds
/// cluster-two's document, each cluster rolled once; a re-run writes nothing; the key is never
/// printed; `disconnect` leaves no setting of the alias and the key invalidated.
pub async fn api_key_link(n: &Nodes) -> anyhow::Result<()> {
    let (one, two) = (n.cluster_one(), n.cluster_two());
    start_eck_trial(n, &[one, two]).await?;
    // No replica: a single node stays green.
    let index = serde_json::json!({"settings": {"number_of_replicas": 0}});
    n.es_with_body(two, "PUT", "/logs-test", &index).await?;
    let document = serde_json::json!({"message": "from cluster-two"});
    n.es_with_body(two, "PUT", "/logs-test/_doc/1?refresh=true", &document)
        .await?;

    let run = n
        .ecr(&connect_by_api_key_args(n, SEARCH_LOGS))
        .expect_code(0, "ecr connect --api-key")?;
    ensure!(
        run.stderr.contains("Connected") || run.stdout.contains("Connected"),
        "ecr connect --api-key did not prove the link:\n{}{}",
        run.stdout,
        run.stderr
    );
    let info = n.es(one, "GET", "/_remote/info").await?;
    let link = &info["cluster-two"];
    ensure!(
        link["connected"] == true && link["cluster_credentials"] == "::es_redacted::",
        "cluster-one's _remote/info: {info}"
    );
    // skip_unavailable is true by default from 8.15 on: a remote that fails is skipped, with 200.
    let found = n.es(one, "GET", "/cluster-two:logs-*/_search").await?;
    ensure!(
        found["_clusters"]["successful"] == 1 && found["hits"]["hits"][0]["_source"] == document,
        "a cross-cluster search from cluster-one: {found}"
    );
    for cluster in [one, two] {
        let restarts = n.restarts(cluster).await?;
        ensure!(
            restarts == 1,
            "{cluster:?} restarted {restarts} times, not once"
        );
    }

    let key = installed_key(n, "cluster-two").await?;
    let secrets: [(ClusterRef, &[&str]); 2] = [(one, KEY_LINK_SECRETS), (two, &[])];
    let before = versions_with(n, &secrets).await?;
    let again = n.ecr(&connect_by_api_key_args(n, SEARCH_LOGS));
    never_printed(&again, &key)?;
    wrote_nothing(again, "a second ecr connect --api-key")?;
    ensure!(
        versions_with(n, &secrets).await? == before,
        "the second ecr connect --api-key changed a resource"
    );
    never_printed(&run, &key)?;

    // Other access: the key is updated in place (no restart), and the link proven through a
    // key that may replicate only (which cannot search the remote).
    let replication = connect_by_api_key_args(n, &["--replication", "logs-*"]);
    let run = n
        .ecr(&replication)
        .expect_code(0, "ecr connect --api-key --replication")?;
    never_printed(&run, &key)?;
    for cluster in [one, two] {
        let restarts = n.restarts(cluster).await?;
        ensure!(
            restarts == 1,
            "{cluster:?} restarted {restarts} times after the key's access changed"
        );
    }

    let run = n
        .ecr(&[
            "disconnect",
            "cluster-one",
            "-n",
            &n.one,
            "--alias",
            "cluster-two",
            "--remote",
            "cluster-two",
            "--remote-namespace",
            &n.two,
            "--yes",
        ])
        .expect_code(0, "ecr disconnect of the API-key link")?;
    never_printed(&run, &key)?;
    let keys = n.es(two, "GET", "/_security/api_key?name=ecr-*").await?;
    disconnected(n, "cluster-two", &keys).await
}

/// After `disconnect`: cluster-one has no setting of `alias` left, and every key ecr made on
/// the remote (its `GET _security/api_key?name=ecr-*`) is invalidated.
async fn disconnected(n: &Nodes, alias: &str, keys: &serde_json::Value) -> anyhow::Result<()> {
    let left = n.remote_settings(n.cluster_one()).await?;
    let prefix = format!("cluster.remote.{alias}.");
    ensure!(
        !left.iter().any(|k| k.starts_with(&prefix)),
        "settings of {alias} left after disconnect: {left:?}"
    );
    let keys = keys["api_keys"].as_array().cloned().unwrap_or_default();
    ensure!(
        !keys.is_empty() && keys.iter().all(|k| k["invalidated"] == true),
        "the remote's keys after disconnect: {keys:?}"
    );
    Ok(())
}

/// The secrets of cluster-one that an API-key link writes: the key, the remote's CA.
const KEY_LINK_SECRETS: &[&str] = &["cluster-one-ecr-remote-keys", "ecr-remote-cluster-cas"];

/// The encoded key of `alias` in cluster-one's keystore Secret.
async fn installed_key(n: &Nodes, alias: &str) -> anyhow::Result<String> {
    let keystore = secret(n, n.cluster_one(), "cluster-one-ecr-remote-keys").await?;
    let key = keystore
        .data
        .unwrap_or_default()
        .remove(&format!("cluster.remote.{alias}.credentials"))
        .with_context(|| format!("no key of {alias} in cluster-one-ecr-remote-keys"))?;
    Ok(String::from_utf8(key.0)?)
}

/// `ecr connect --api-key` from cluster-one (on ECK's trial) to an Elasticsearch outside ECK
/// ([`Outside`]: its own certificate, a file-realm user, a self-generated trial), by its
/// load balancer's address, its CA and the server name its certificate carries; the key made
/// through its URL (a port-forward here) as its administrator, from the environment. The link
/// is proven and a cross-cluster search finds its document; cluster-one rolls once; a re-run
/// writes nothing; the key is never printed; `disconnect --remote-es-url` removes the settings
/// and invalidates the key there.
pub async fn api_key_link_outside_eck(n: &Nodes) -> anyhow::Result<()> {
    let one = n.cluster_one();
    start_eck_trial(n, &[one]).await?;
    let outside = Outside::start(n, &n.two).await?;
    let forward = outside.forward(n)?;
    let index = serde_json::json!({"settings": {"number_of_replicas": 0}});
    outside
        .request(&forward, "PUT", "/logs-outside", Some(&index))
        .await?;
    let document = serde_json::json!({"message": "from outside ECK"});
    outside
        .request(
            &forward,
            "PUT",
            "/logs-outside/_doc/1?refresh=true",
            Some(&document),
        )
        .await?;

    let proxy = format!("{}:9443", outside.address);
    let url = format!("https://127.0.0.1:{}", forward.port);
    let ca_file = outside.ca_file.display().to_string();
    let credentials = [
        ("ES_USERNAME", USER),
        ("ES_PASSWORD", outside.password.as_str()),
    ];
    let connect = [
        "connect",
        "cluster-one",
        "-n",
        &n.one,
        "--api-key",
        "--alias",
        "outside",
        "--proxy",
        &proxy,
        "--ca-file",
        &ca_file,
        "--server-name",
        SERVER_NAME,
        "--remote-es-url",
        &url,
        "--remote-es-ca-file",
        &ca_file,
        "--search",
        "logs-*",
        ROLL_TIMEOUT_FLAG,
        "--yes",
    ];
    let run = n
        .ecr_with(&connect, &credentials)
        .expect_code(0, "ecr connect --api-key to the Elasticsearch outside ECK")?;
    let info = n.es(one, "GET", "/_remote/info").await?;
    let link = &info["outside"];
    ensure!(
        link["connected"] == true
            && link["cluster_credentials"] == "::es_redacted::"
            && link["proxy_address"] == proxy.as_str()
            && link["server_name"] == SERVER_NAME,
        "cluster-one's _remote/info: {info}"
    );
    let found = n.es(one, "GET", "/outside:logs-*/_search").await?;
    ensure!(
        found["_clusters"]["successful"] == 1 && found["hits"]["hits"][0]["_source"] == document,
        "a cross-cluster search from cluster-one: {found}"
    );
    let restarts = n.restarts(one).await?;
    ensure!(
        restarts == 1,
        "cluster-one restarted {restarts} times, not once"
    );
    let key = installed_key(n, "outside").await?;
    never_printed(&run, &key)?;

    let secrets: [(ClusterRef, &[&str]); 1] = [(one, KEY_LINK_SECRETS)];
    let before = versions_with(n, &secrets).await?;
    let again = n.ecr_with(&connect, &credentials);
    never_printed(&again, &key)?;
    wrote_nothing(
        again,
        "a second ecr connect --api-key to the Elasticsearch outside ECK",
    )?;
    ensure!(
        versions_with(n, &secrets).await? == before,
        "the second ecr connect --api-key changed a resource"
    );

    let disconnect = [
        "disconnect",
        "cluster-one",
        "-n",
        &n.one,
        "--alias",
        "outside",
        "--remote-es-url",
        &url,
        "--remote-es-ca-file",
        &ca_file,
        "--yes",
    ];
    let run = n.ecr_with(&disconnect, &credentials).expect_code(
        0,
        "ecr disconnect of the link to the Elasticsearch outside ECK",
    )?;
    never_printed(&run, &key)?;
    let keys = outside
        .request(&forward, "GET", "/_security/api_key?name=ecr-*", None)
        .await?;
    disconnected(n, "outside", &keys).await
}

/// The namespace of the operator whose clusters a scenario may license with ECK's trial.
pub const ECK_TRIAL_NAMESPACE: &str = "elastic-trial";

/// ECK's enterprise trial for the clusters of its operator, which starts Elasticsearch's trial
/// on each (cloud-on-k8s v3.5.0 pkg/controller/license/trial/trial_controller.go); waits for
/// these clusters to run it. Not `POST _license/start_trial` by hand: ECK reverts such a trial
/// to basic when it reconciles a cluster it cannot reach yet, as after a restart (it then
/// takes the license for none: pkg/controller/elasticsearch/driver/shared/reconcile.go calls
/// license.Reconcile with an empty license, and pkg/controller/elasticsearch/license/apply.go
/// posts start_basic for any type but basic and trial).
async fn start_eck_trial(n: &Nodes, clusters: &[ClusterRef<'_>]) -> anyhow::Result<()> {
    let trial: k8s_openapi::api::core::v1::Secret = serde_json::from_value(serde_json::json!({
        "metadata": {
            "name": "eck-trial-license",
            "labels": {"license.k8s.elastic.co/type": "enterprise_trial"},
            "annotations": {"elastic.co/eula": "accepted"}
        }
    }))?;
    let created = kube::Api::<k8s_openapi::api::core::v1::Secret>::namespaced(
        n.client.clone(),
        ECK_TRIAL_NAMESPACE,
    )
    .create(&kube::api::PostParams::default(), &trial)
    .await;
    match created {
        // The trial is the operator's: another scenario of its clusters may have started it.
        Err(kube::Error::Api(status)) if status.code == 409 => {}
        other => {
            other.context("creating ECK's trial license")?;
        }
    }
    for &cluster in clusters {
        let what = format!("ECK to start the trial on {cluster:?}");
        stack_kube::wait_for(&what, Duration::from_secs(300), || async {
            let license = n.es(cluster, "GET", "/_license").await?;
            Ok((license["license"]["type"] == "trial").then_some(()))
        })
        .await?;
    }
    Ok(())
}

/// Neither the encoded key nor its secret part is in the output (its id may be: `status`
/// names it).
fn never_printed(run: &Run, key: &str) -> anyhow::Result<()> {
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD.decode(key)?;
    let decoded = String::from_utf8(decoded)?;
    let (_, secret) = decoded
        .split_once(':')
        .context("an encoded key is id:key")?;
    for text in [&run.stdout, &run.stderr] {
        ensure!(
            !text.contains(key) && !text.contains(secret),
            "the key was printed:\n{text}"
        );
    }
    Ok(())
}

/// `ecr connect` of `from` to `to` (`--proxy`, the alias named after `to`), proving the link
/// within `timeout`.
fn connect_to(n: &Nodes, (namespace, name): ClusterRef, to: ClusterRef, timeout: &str) -> Run {
    let timeout = format!("--timeout={timeout}");
    n.ecr(&[
        "connect",
        name,
        "-n",
        namespace,
        "--proxy",
        "--remote",
        to.1,
        "--remote-namespace",
        to.0,
        &timeout,
        "--yes",
    ])
}

/// The command succeeded and says it wrote nothing.
fn wrote_nothing(run: Run, what: &str) -> anyhow::Result<()> {
    let run = run.expect_code(0, what)?;
    let text = format!("{}{}", run.stdout, run.stderr);
    ensure!(!text.contains("Applied"), "{what} wrote:\n{text}");
    Ok(())
}

/// The generations of both clusters, the resourceVersions of their trust secrets, and their remote
/// settings.
async fn versions(n: &Nodes) -> anyhow::Result<Vec<String>> {
    let secrets: &[&str] = &["remote-certs"];
    versions_with(n, &[(n.cluster_one(), secrets), (n.cluster_two(), secrets)]).await
}

/// The generations of these clusters, the resourceVersions of their secrets named with them,
/// and their remote settings.
async fn versions_with(
    n: &Nodes,
    clusters: &[(ClusterRef<'_>, &[&str])],
) -> anyhow::Result<Vec<String>> {
    let mut versions = Vec::new();
    for &(cluster, names) in clusters {
        // The generation, not the resourceVersion: ECK writes the status (health, available
        // nodes) for a while after a roll, and ecr writes only the spec.
        let es = n.elasticsearch(cluster).await?;
        versions.push(format!("generation {:?}", es.metadata.generation));
        for name in names.iter() {
            let secret = secret(n, cluster, name).await?;
            versions.push(secret.metadata.resource_version.unwrap_or_default());
        }
        versions.extend(n.remote_settings(cluster).await?);
    }
    Ok(versions)
}

async fn secret(
    n: &Nodes,
    (namespace, _): ClusterRef<'_>,
    name: &str,
) -> anyhow::Result<k8s_openapi::api::core::v1::Secret> {
    kube::Api::<k8s_openapi::api::core::v1::Secret>::namespaced(n.client.clone(), namespace)
        .get(name)
        .await
        .with_context(|| format!("no secret {namespace}/{name}"))
}

async fn pod_uid(n: &Nodes, (namespace, name): ClusterRef<'_>) -> anyhow::Result<String> {
    let pods =
        kube::Api::<k8s_openapi::api::core::v1::Pod>::namespaced(n.client.clone(), namespace);
    let pod = pods.get(&format!("{name}-es-default-0")).await?;
    pod.metadata.uid.context("a pod without uid")
}
