//! The scenarios: each drives the `ecr` binary (and kubectl, as the recipe does) on a backend,
//! checks what the issue asks of the real components, and records what it saw. The same code
//! runs on the real stack and on the sandbox; `main` compares the two records.

use anyhow::{Context, ensure};
use base64::Engine;
use serde_json::Value;

use crate::backend::{Backend, Run};
use crate::common::terminal::Terminal;
use crate::outcome::Outcome;

/// Where ecr mounts the trust secret, and the file it lists (README, "trust add").
const TRUST_MOUNT: &str = "/usr/share/elasticsearch/config/other";
const TRUST_FILE: &str = "/usr/share/elasticsearch/config/other/remote.ca.crt";
/// ECK's own transport CA file, first in the list it renders
/// (cloud-on-k8s v3.5.0 pkg/controller/elasticsearch/settings/merged_config.go, xpackConfig).
const ECK_TRANSPORT_CA: &str = "/usr/share/elasticsearch/config/transport-certs/ca.crt";

/// `ecr trust add cluster-one -n NAMESPACE --from SOURCE --from-namespace SOURCE_NAMESPACE EXTRA…`.
fn trust_add(
    b: &Backend,
    namespace: &str,
    source: &str,
    source_namespace: &str,
    extra: &[&str],
) -> Run {
    b.ecr(&trust_add_args(namespace, source, source_namespace, extra))
}

fn trust_add_args<'a>(
    namespace: &'a str,
    source: &'a str,
    source_namespace: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "trust",
        "add",
        "cluster-one",
        "-n",
        namespace,
        "--from",
        source,
        "--from-namespace",
        source_namespace,
    ];
    args.extend_from_slice(extra);
    args
}

/// `ecr ca extract` prints exactly what kubectl reads from the secret ECK made.
pub async fn ca_extract(b: &Backend) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let ecr = b.ecr(&["ca", "extract", "cluster-one", "-n", "extract-one"]);
    let ecr = outcome.checked("ca extract", ecr, 0, b.context())?;
    let kubectl = b.kubectl_get(
        "secret",
        "cluster-one-es-transport-certs-public",
        "extract-one",
        r"jsonpath={.data.ca\.crt}",
    )?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(kubectl.trim())?;
    let from_kubectl = String::from_utf8(decoded)?;
    ensure!(
        ecr.stdout == from_kubectl,
        "ecr printed:\n{}\nkubectl read:\n{from_kubectl}",
        ecr.stdout
    );
    outcome.note("ca extract equals kubectl's read", true);
    Ok(outcome)
}

/// `trust add --mutual` is accepted by the API server under ECK's CRD and rendered by ECK; a
/// second `trust add` changes only the secret.
pub async fn trust_add_mutual(b: &Backend) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let run = trust_add(
        b,
        "mutual-one",
        "cluster-two",
        "mutual-two",
        &["--mutual", "--yes"],
    );
    outcome.checked("trust add --mutual", run, 0, b.context())?;
    for (namespace, name) in [("mutual-one", "cluster-one"), ("mutual-two", "cluster-two")] {
        let rendered = rendered_trust(b, namespace, name).await?;
        outcome.note(&format!("{name}: what ECK rendered"), rendered);
    }

    b.settle("mutual-one", "cluster-one").await?;
    let before = b.statefulset("mutual-one", "cluster-one").await?;
    let run = trust_add(b, "mutual-one", "cluster-three", "mutual-three", &["--yes"]);
    outcome.checked("second trust add", run, 0, b.context())?;
    b.settle("mutual-one", "cluster-one").await?;
    let after = b.statefulset("mutual-one", "cluster-one").await?;
    ensure!(
        before.spec.as_ref().map(|s| &s.template) == after.spec.as_ref().map(|s| &s.template),
        "the second trust add changed the StatefulSet's pod template"
    );
    outcome.note("second trust add: pod template unchanged", true);
    let secret = b
        .secret("mutual-one", "remote-certs")
        .await?
        .context("no remote-certs")?;
    let mut keys: Vec<String> = secret.data.unwrap_or_default().into_keys().collect();
    keys.sort();
    outcome.note("remote-certs keys", keys.join(","));
    Ok(outcome)
}

/// The volume, the mount and the CA list ECK rendered for a cluster whose nodeSet ecr
/// patched, once ECK has done it.
async fn rendered_trust(b: &Backend, namespace: &str, name: &str) -> anyhow::Result<String> {
    let what = format!("ECK to render ecr's trust into {namespace}/{name}");
    b.eventually(&what, || async {
        let set = b.statefulset(namespace, name).await?;
        let pod = set
            .spec
            .and_then(|s| s.template.spec)
            .context("no pod template")?;
        let volume = pod
            .volumes
            .unwrap_or_default()
            .into_iter()
            .find(|v| v.name == "remote-certs");
        let mount = pod
            .containers
            .iter()
            .filter(|c| c.name == "elasticsearch")
            .flat_map(|c| c.volume_mounts.clone().unwrap_or_default())
            .find(|m| m.name == "remote-certs");
        let config = b.rendered_config(namespace, name).await?;
        let cas = transport_cas(&config);
        let (Some(volume), Some(mount)) = (volume, mount) else {
            return Ok(None);
        };
        if !cas.iter().any(|ca| ca == TRUST_FILE) {
            return Ok(None);
        }
        ensure!(
            cas.first().map(String::as_str) == Some(ECK_TRANSPORT_CA),
            "ECK's CA is not first: {cas:?}"
        );
        ensure!(
            cas.last().map(String::as_str) == Some(TRUST_FILE),
            "ecr's CA is not after ECK's: {cas:?}"
        );
        ensure!(
            mount.mount_path == TRUST_MOUNT,
            "mounted at {}",
            mount.mount_path
        );
        let secret = volume
            .secret
            .and_then(|s| s.secret_name)
            .unwrap_or_default();
        Ok(Some(format!(
            "volume from secret {secret}, mounted at {} (read-only: {:?}), CAs {}",
            mount.mount_path,
            mount.read_only,
            cas.join(" ")
        )))
    })
    .await
}

/// `xpack.security.transport.ssl.certificate_authorities` of a rendered `elasticsearch.yml`,
/// nested or dotted.
fn transport_cas(config: &Value) -> Vec<String> {
    let nested = &config["xpack"]["security"]["transport"]["ssl"]["certificate_authorities"];
    let dotted = &config["xpack.security.transport.ssl.certificate_authorities"];
    let value = if nested.is_null() { dotted } else { nested };
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Value::String(one) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// `trust add --via config-map` changes no StatefulSet, and ECK publishes the trusted CA after
/// its own in `-es-transport-certs-public`.
pub async fn trust_via_config_map(b: &Backend) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    b.settle("cm-one", "cluster-one").await?;
    let before = b.statefulset("cm-one", "cluster-one").await?;
    let own_ca = b.public_ca("cm-one", "cluster-one").await?;
    let remote_ca = b.public_ca("cm-two", "cluster-two").await?;
    let run = trust_add(
        b,
        "cm-one",
        "cluster-two",
        "cm-two",
        &["--via", "config-map", "--yes"],
    );
    outcome.checked("trust add --via config-map", run, 0, b.context())?;
    let published = b
        .eventually(
            "ECK to publish the trusted CA in cluster-one-es-transport-certs-public",
            || async {
                let ca = b.public_ca("cm-one", "cluster-one").await?;
                Ok(ca.contains(remote_ca.trim()).then_some(ca))
            },
        )
        .await?;
    ensure!(
        published.starts_with(own_ca.trim()),
        "ECK's own CA is not first:\n{published}"
    );
    outcome.note("public ca.crt: own CA first, then the trusted one", true);
    b.settle("cm-one", "cluster-one").await?;
    let after = b.statefulset("cm-one", "cluster-one").await?;
    ensure!(
        before.metadata.generation == after.metadata.generation,
        "the StatefulSet changed: generation {:?} -> {:?}",
        before.metadata.generation,
        after.metadata.generation
    );
    outcome.note("StatefulSet unchanged", true);
    Ok(outcome)
}

/// `ecr expose`: ECK turns `-es-transport` into a LoadBalancer; ecr waits (a watch) and prints
/// the address the load-balancer controller assigns; a re-run writes nothing.
pub async fn expose(b: &Backend) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let run = b.ecr(&["expose", "cluster-one", "-n", "expose-one", "--yes"]);
    let run = outcome.checked("expose", run, 0, b.context())?;
    let service = b.kubectl_get("service", "cluster-one-es-transport", "expose-one", "json")?;
    let service: Value = serde_json::from_str(&service)?;
    outcome.note("service type", &service["spec"]["type"]);
    let address = service["status"]["loadBalancer"]["ingress"][0]["ip"]
        .as_str()
        .context("the service has no address")?;
    ensure!(
        run.stdout.contains(address) || run.stderr.contains(address),
        "ecr did not print the address {address}:\n{}{}",
        run.stdout,
        run.stderr
    );
    outcome.note("ecr printed the assigned address", true);
    let again = b.ecr(&["expose", "cluster-one", "-n", "expose-one", "--yes"]);
    outcome.checked("expose again", again, 0, b.context())?;
    Ok(outcome)
}

/// A user without the rights ecr needs gets ecr's message naming the verb and resource, from
/// the real API server's 403.
pub async fn rbac(b: &Backend) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let readers = b
        .limited_user(
            &["get", "list", "watch"],
            &["elasticsearches", "secrets"],
            &["rbac-one", "rbac-two"],
        )
        .await?;
    let run = b.ecr_with(
        &trust_add_args("rbac-one", "cluster-two", "rbac-two", &["--yes"]),
        &readers,
    );
    outcome.checked("trust add as a reader", run, 1, b.context())?;
    let run = b.ecr_with(
        &["ca", "extract", "cluster-one", "-n", "rbac-nothing"],
        &readers,
    );
    outcome.checked("ca extract where nothing is granted", run, 1, b.context())?;
    Ok(outcome)
}

/// A write between ecr's read and its write: the API server answers 409 to ecr's conditional
/// update, ecr reads again, re-plans and writes, keeping the other writer's change.
pub async fn conflict(b: &Backend) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let command = format!(
        "{} {} trust add cluster-one -n conflict-one --from cluster-two --from-namespace conflict-two; echo ECR-EXITED-$?; sleep 600",
        b.shell_env(),
        env!("CARGO_BIN_EXE_ecr"),
    );
    let terminal = Terminal::start(&format!("conflict-{:?}", b.kind), &command);
    terminal.wait_for("Apply these changes?");
    b.kubectl(&[
        "annotate",
        "elasticsearch",
        "cluster-one",
        "-n",
        "conflict-one",
        "example.com/edited-meanwhile=yes",
    ])
    .expect_code(0, "kubectl annotate")?;
    terminal.keys(&["y", "Enter"]);
    terminal.wait_for("ECR-EXITED-");
    let screen = terminal.screen();
    outcome.note("exited", screen.contains("ECR-EXITED-0"));
    outcome.note(
        "re-planned after a conflict",
        screen.contains("re-planning"),
    );
    let es = b.elasticsearch("conflict-one", "cluster-one").await?;
    let annotations = es.metadata.annotations.unwrap_or_default();
    outcome.note(
        "the other writer's annotation kept",
        annotations.contains_key("example.com/edited-meanwhile"),
    );
    let config = &es.data["spec"]["nodeSets"][0]["config"];
    outcome.note(
        "ecr's change written",
        !config["xpack.security.transport.ssl.certificate_authorities"].is_null(),
    );
    ensure!(
        screen.contains("ECR-EXITED-0") && screen.contains("re-planning"),
        "the terminal showed:\n{screen}"
    );
    Ok(outcome)
}

/// Wrong names and a missing namespace: ecr's messages, with the real API server's `Status`.
pub async fn wrong_names(b: &Backend) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let wrong_source = trust_add_args("errors-one", "nope", "errors-one", &["--yes"]);
    let cases: [(&str, &[&str]); 3] = [
        (
            "a wrong cluster name",
            &["ca", "extract", "nope", "-n", "errors-one"],
        ),
        (
            "a namespace that does not exist",
            &["ca", "extract", "cluster-one", "-n", "no-such-namespace"],
        ),
        ("a wrong source", &wrong_source),
    ];
    for (what, args) in cases {
        let run = b.ecr(args);
        outcome.checked(what, run, 1, b.context())?;
    }
    Ok(outcome)
}

/// ECK renews a transport CA (its operator here renews every two minutes): `trust sync` adds
/// the renewed CA, writing only the secret; a re-run writes nothing.
pub async fn ca_rotation(b: &Backend) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let run = trust_add(b, "rotation-one", "cluster-two", "rotation-two", &["--yes"]);
    outcome.checked("trust add", run, 0, b.context())?;
    let trusted = b.public_ca("rotation-two", "cluster-two").await?;
    let renewed = b
        .ca_renewed("rotation-two", "cluster-two", &trusted)
        .await?;
    b.settle("rotation-one", "cluster-one").await?;
    let before = b.statefulset("rotation-one", "cluster-one").await?;
    const SYNC: [&str; 6] = [
        "trust",
        "sync",
        "cluster-one",
        "-n",
        "rotation-one",
        "--yes",
    ];
    let run = b.ecr(&SYNC);
    outcome.checked("trust sync", run, 0, b.context())?;
    let stored = b
        .secret_text("rotation-one", "remote-certs", "remote.ca.crt")
        .await?
        .context("no remote.ca.crt")?;
    ensure!(
        stored.contains(renewed.trim()),
        "the renewed CA is not trusted:\n{stored}"
    );
    outcome.note("the renewed CA is trusted", true);
    let again = b.ecr(&SYNC);
    outcome.checked("trust sync again", again, 0, b.context())?;
    b.settle("rotation-one", "cluster-one").await?;
    let after = b.statefulset("rotation-one", "cluster-one").await?;
    ensure!(
        before.metadata.generation == after.metadata.generation,
        "trust sync changed the StatefulSet"
    );
    outcome.note("StatefulSet unchanged", true);
    Ok(outcome)
}
