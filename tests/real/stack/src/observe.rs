//! What the tests and the benchmark read back from the stack, as a user (or an auditor) would:
//! a cluster's Elasticsearch through `kubectl port-forward`, the restarts its StatefulSet
//! controller made, the API server's audit log, and Elasticsearch's own count of the requests
//! each client sent.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail, ensure};
use k8s_openapi::api::core::v1::{Event, Secret};
use kube::Client;
use kube::api::{Api, ListParams};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One of the stack's clusters: its namespace and name.
pub type ClusterRef<'a> = (&'a str, &'a str);

/// A request to the cluster's Elasticsearch as the `elastic` user, through a port-forward of
/// the real API server (`kubectl port-forward`, as a user reaches it). It names no user agent,
/// so that the counts of [`elasticsearch_requests`] leave it out.
pub async fn elasticsearch(
    client: &Client,
    kubeconfig: &Path,
    cluster: ClusterRef<'_>,
    method: &str,
    path: &str,
) -> anyhow::Result<Value> {
    elasticsearch_with_body(client, kubeconfig, cluster, method, path, None).await
}

/// [`elasticsearch`] with a JSON body.
pub async fn elasticsearch_with_body(
    client: &Client,
    kubeconfig: &Path,
    (namespace, name): ClusterRef<'_>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> anyhow::Result<Value> {
    let password = {
        let secret = Api::<Secret>::namespaced(client.clone(), namespace)
            .get(&format!("{name}-es-elastic-user"))
            .await?;
        let data = secret.data.unwrap_or_default();
        String::from_utf8(
            data.get("elastic")
                .context("no elastic password")?
                .0
                .clone(),
        )?
    };
    let forward = PortForward::start(kubeconfig, namespace, &format!("service/{name}-es-http"))?;
    let url = format!("https://127.0.0.1:{}{path}", forward.port);
    // Loopback to a port-forward: the certificate names the service, not 127.0.0.1.
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()?;
    let mut request = http
        .request(method.parse()?, &url)
        .basic_auth("elastic", Some(password));
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("{method} {path} on {namespace}/{name}"))?;
    let status = response.status();
    let body: Value = response.json().await?;
    ensure!(
        status.is_success(),
        "{method} {path} on {namespace}/{name}: {status} {body}"
    );
    Ok(body)
}

/// Whether the cluster's `_remote/info` says `alias` is connected.
pub async fn connected(
    client: &Client,
    kubeconfig: &Path,
    cluster: ClusterRef<'_>,
    alias: &str,
) -> anyhow::Result<bool> {
    let info = elasticsearch(client, kubeconfig, cluster, "GET", "/_remote/info").await?;
    Ok(info[alias]["connected"] == true)
}

/// How many times the cluster's pod has been replaced: the StatefulSet controller's events for
/// the pods it created, less the first.
pub async fn restarts(client: &Client, (namespace, name): ClusterRef<'_>) -> anyhow::Result<i32> {
    let set = format!("{name}-es-default");
    let events = Api::<Event>::namespaced(client.clone(), namespace)
        .list(&ListParams::default().fields(&format!("involvedObject.name={set}")))
        .await?;
    let created: i32 = events
        .items
        .iter()
        // The same reason is given for the claims it makes: "create Claim ...".
        .filter(|e| e.reason.as_deref() == Some("SuccessfulCreate"))
        .filter(|e| e.message.as_deref().is_some_and(|m| !m.contains("Claim")))
        .map(|e| e.count.unwrap_or(1))
        .sum();
    Ok(created - 1)
}

/// The requests the API server answered for clients whose user agent starts with `agent`,
/// received within `[from, to]`, from its audit log (one event per request once answered).
pub fn api_requests(
    audit_log: &Path,
    agent: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> anyhow::Result<usize> {
    let log = std::fs::File::open(audit_log)
        .with_context(|| format!("reading {}", audit_log.display()))?;
    let mut count = 0;
    for line in std::io::BufRead::lines(std::io::BufReader::new(log)) {
        let event: Value = serde_json::from_str(&line?)?;
        let ours = event["userAgent"]
            .as_str()
            .is_some_and(|a| a.starts_with(agent));
        let received = event["requestReceivedTimestamp"]
            .as_str()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        let within = received.is_some_and(|t| from <= t && t <= to);
        if ours && within && event["stage"] != "ResponseStarted" {
            count += 1;
        }
    }
    Ok(count)
}

/// The HTTP requests the cluster's nodes received from clients whose user agent starts with
/// `agent` on connections opened since `from`: Elasticsearch's own count per client
/// (`GET _nodes/stats/http`, `clients`; closed connections stay listed for 5 minutes, and a
/// restarted node starts counting afresh).
pub async fn elasticsearch_requests(
    client: &Client,
    kubeconfig: &Path,
    cluster: ClusterRef<'_>,
    agent: &str,
    from: OffsetDateTime,
) -> anyhow::Result<u64> {
    let stats = elasticsearch(client, kubeconfig, cluster, "GET", "/_nodes/stats/http").await?;
    let since = (from.unix_timestamp_nanos() / 1_000_000) as i64;
    let mut count = 0;
    for node in stats["nodes"]
        .as_object()
        .into_iter()
        .flat_map(|n| n.values())
    {
        for stats in node["http"]["clients"].as_array().into_iter().flatten() {
            let ours = stats["agent"]
                .as_str()
                .is_some_and(|a| a.starts_with(agent));
            let opened = stats["opened_time_millis"].as_i64().unwrap_or_default();
            if ours && opened >= since {
                count += stats["request_count"].as_u64().unwrap_or_default();
            }
        }
    }
    Ok(count)
}

/// `kubectl port-forward` of port 9200 of `target` on a free local port, stopped when dropped.
pub struct PortForward {
    child: Child,
    pub port: u16,
}

impl PortForward {
    pub fn start(kubeconfig: &Path, namespace: &str, target: &str) -> anyhow::Result<PortForward> {
        let mut child = Command::new("kubectl")
            .args(["-n", namespace, "port-forward", target, ":9200"])
            .env("KUBECONFIG", kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("running kubectl port-forward")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        let first = lines
            .next()
            .context("kubectl port-forward said nothing")??;
        // "Forwarding from 127.0.0.1:PORT -> 9200"
        let port = first
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            bail!("unexpected output of kubectl port-forward: {first}");
        };
        // Keep reading its output, or it blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(PortForward { child, port })
    }
}

impl Drop for PortForward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
