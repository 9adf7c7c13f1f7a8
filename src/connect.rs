//! Connecting clusters (step 4 of the recipe): the remote's exposed address, the settings and
//! `spec.remoteClusters` plans, the proof that the link carries data, and what is wrong when not.

use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Service;
use serde_json::{Value, json};

use crate::eck;
use crate::eck::EckCluster;
use crate::elasticsearch::{Elasticsearch, LinkProbe, RemoteClusterInfo};
use crate::error::{Failure, FailureKind, name_list};
use crate::expose::{self, Address, ServiceType};
use crate::foreign_settings;
use crate::output::Output;
use crate::plan::{ObjectPlace, Plan, SettingsWrite, Write};
use crate::remote::{self, ProxyAddress, ProxyRemote};
use crate::trust::planner::loaded_fingerprints;

/// How often a link is probed while it is being made.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The address `ecr expose` reports for `remote`: its transport load balancer.
pub async fn exposed_address(remote: &EckCluster) -> anyhow::Result<ProxyAddress> {
    eck::read_elasticsearch(&remote.kube, &remote.cluster).await?;
    let name = eck::transport_service(&remote.cluster);
    let service = remote.kube.get::<Service>(&name).await?;
    let not_exposed = || {
        Failure::new(
            FailureKind::NotFound,
            format!(
                "{} is not exposed yet: its service {name} has no load-balancer address",
                remote.cluster
            ),
        )
        .with_hint(format!(
            "run ecr expose {} -n {} first, or give --proxy ADDRESS",
            remote.cluster,
            remote.kube.namespace()
        ))
    };
    let service = service.ok_or_else(not_exposed)?;
    if expose::address_of(&service, ServiceType::NodePort).is_some() {
        return Err(Failure::new(
            FailureKind::Invalid,
            format!("{} is exposed as a NodePort: ecr cannot tell which node address the other side reaches", remote.cluster),
        )
        .with_hint("give the address: --proxy NODE_ADDRESS:NODE_PORT")
        .into());
    }
    match expose::address_of(&service, ServiceType::LoadBalancer) {
        Some(Address::LoadBalancer { host, port }) => Ok(ProxyAddress { host, port }),
        _ => Err(not_exposed().into()),
    }
}

/// The settings change that points `remote.alias` at its address; nothing when in place.
pub async fn plan_connect(es: &Arc<Elasticsearch>, remote: &ProxyRemote) -> anyhow::Result<Plan> {
    let current = es.cluster_settings().await?;
    let mut plan = Plan::default();
    plan.push(SettingsWrite {
        cluster: es.description().to_string(),
        change: remote::connect_change(&current, remote),
        current,
        effect: format!(
            "{} connects to {} in proxy mode; no restart",
            remote.alias, remote.address
        ),
    });
    Ok(plan)
}

/// Said once in a plan that links 9.x clusters (Elasticsearch 9.0 deprecates the
/// certificate-based security model of remote clusters); `version` is Elasticsearch's.
/// [`check_connect`] says it for an ECK cluster; `connect --es-url` alone asks Elasticsearch.
pub fn deprecation_note(version: &str) -> Option<String> {
    (major_version(version) >= 9).then(|| {
        "Elasticsearch 9 deprecates certificate-based remote clusters (trust between transport \
         CAs, as here) in favour of API-key ones; such links still work"
            .to_string()
    })
}

fn major_version(number: &str) -> u32 {
    number
        .split('.')
        .next()
        .and_then(|major| major.parse().ok())
        .unwrap_or(0)
}

/// The settings change that removes every setting of `alias`; nothing when none is left.
pub async fn plan_disconnect(es: &Arc<Elasticsearch>, alias: &str) -> anyhow::Result<Plan> {
    let current = es.cluster_settings().await?;
    let mut plan = Plan::default();
    plan.push(SettingsWrite {
        cluster: es.description().to_string(),
        change: remote::disconnect_change(&current, alias),
        current,
        effect: format!("the remote {alias} is removed; no restart"),
    });
    Ok(plan)
}

/// Checks what else configures `alias` in `local` before a proxy remote is written: refuses an
/// alias that `spec.remoteClusters` names (ECK writes sniff settings for those, and the two
/// would fight) or one whose `elasticsearch.yml` has sniff settings; returns what the plan
/// should warn about (other remote settings there, and on 9.x the deprecation of this model).
/// `connect` and `setup` run it for each direction before they write anything.
pub async fn check_connect(local: &EckCluster, alias: &str) -> anyhow::Result<Vec<String>> {
    let resource = eck::read_elasticsearch(&local.kube, &local.cluster).await?;
    let mut warnings = check_alias_free(local, &resource, alias)?;
    let version = resource.pointer("/spec/version").and_then(Value::as_str);
    warnings.extend(deprecation_note(version.unwrap_or_default()));
    Ok(warnings)
}

/// The part of [`check_connect`] that every model of link shares: refuses an alias that ECK
/// manages or that a nodeSet's config gives sniff settings; what the plan should warn about.
/// `resource` is `local`'s, as read.
pub fn check_alias_free(
    local: &EckCluster,
    resource: &Value,
    alias: &str,
) -> anyhow::Result<Vec<String>> {
    if foreign_settings::managed_by_eck(resource, alias) {
        return Err(Failure::new(
            FailureKind::Invalid,
            format!(
                "the alias {alias} is managed by ECK through spec.remoteClusters of {}",
                local.cluster
            ),
        )
        .with_hint(
            "remove that entry with ecr disconnect --ref, or connect under another alias (ecr connect --alias NAME)",
        )
        .into());
    }
    let found = foreign_settings::in_node_configs(&resource["spec"], alias);
    Ok(foreign_settings::judge_for_connect(
        &local.cluster,
        alias,
        &found,
    )?)
}

/// Checks what else configures `alias` in `local` before its settings are removed: refuses an
/// alias ECK manages (it would add it back); returns what the plan should warn about.
pub async fn check_disconnect(local: &EckCluster, alias: &str) -> anyhow::Result<Vec<String>> {
    let resource = eck::read_elasticsearch(&local.kube, &local.cluster).await?;
    foreign_settings::refuse_disconnect_of_managed(
        &resource,
        &local.cluster,
        local.kube.namespace(),
        alias,
    )?;
    let found = foreign_settings::in_node_configs(&resource["spec"], alias);
    Ok(foreign_settings::warnings_for_disconnect(
        &local.cluster,
        &found,
    ))
}

/// The `spec.remoteClusters` entry `{name: alias, elasticsearchRef: {name, namespace}}` added,
/// keeping the others (the list is written whole, conditional on the version read).
/// Refused when the alias is a proxy-mode remote of `local` already (`es` reads its settings).
pub async fn plan_ref(
    local: &EckCluster,
    es: &Elasticsearch,
    alias: &str,
    remote: &str,
    remote_namespace: &str,
) -> anyhow::Result<Plan> {
    let resource = eck::read_elasticsearch(&local.kube, &local.cluster).await?;
    foreign_settings::refuse_ref_over_proxy(
        &es.cluster_settings().await?,
        &foreign_settings::in_node_configs(&resource["spec"], alias),
        &local.cluster,
        local.kube.namespace(),
        alias,
    )?;
    let wanted =
        json!({"name": alias, "elasticsearchRef": {"name": remote, "namespace": remote_namespace}});
    let mut entries = resource
        .pointer("/spec/remoteClusters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match entries.iter().find(|entry| entry["name"] == alias) {
        Some(entry) if entry["elasticsearchRef"] == wanted["elasticsearchRef"] => {}
        Some(entry) => {
            return Err(Failure::new(
                FailureKind::Invalid,
                format!(
                    "spec.remoteClusters of {} already names {alias}, for {}",
                    local.cluster, entry["elasticsearchRef"]
                ),
            )
            .with_hint("choose another --alias, or disconnect that one first")
            .into());
        }
        None => entries.push(wanted),
    }
    Ok(ref_plan(local, resource, entries))
}

/// The `spec.remoteClusters` entry named `alias` removed, the others kept.
pub async fn plan_unref(local: &EckCluster, alias: &str) -> anyhow::Result<Plan> {
    let resource = eck::read_elasticsearch(&local.kube, &local.cluster).await?;
    let entries: Vec<Value> = resource
        .pointer("/spec/remoteClusters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|entry| entry["name"] != alias)
        .cloned()
        .collect();
    Ok(ref_plan(local, resource, entries))
}

fn ref_plan(local: &EckCluster, resource: Value, entries: Vec<Value>) -> Plan {
    let mut after = resource.clone();
    if entries.is_empty() {
        if let Some(spec) = after["spec"].as_object_mut() {
            spec.remove("remoteClusters");
        }
    } else {
        after["spec"]["remoteClusters"] = Value::Array(entries);
    }
    let mut plan = Plan::default();
    plan.push(Write {
        place: ObjectPlace::of(&local.kube),
        resource: eck::elasticsearch_resource(),
        name: local.cluster.clone(),
        before: Some(resource),
        after,
        effect: "ECK configures the remote itself (sniff mode); no pod restart".into(),
    });
    plan.warn(
        "ECK acts on spec.remoteClusters only with an enterprise license; with a basic license it just \
         emits an event (ecr connect --proxy works on a basic license)",
    );
    plan
}

/// A link that did not come up in time: what `_remote/info` last said of it, and what
/// Elasticsearch last said when asked to reach it.
#[derive(Debug, Default)]
pub struct Unproven {
    pub info: Option<RemoteClusterInfo>,
    pub said: Option<String>,
}

/// Proves that data flows to `alias`: every poll asks Elasticsearch to reach the remote
/// ([`Elasticsearch::probe_remote`]), which also makes it connect again after a failed
/// attempt. Elasticsearch never retries a failed link by itself and `_remote/info` only
/// reports, so waiting on `_remote/info` would wait forever once the first attempt failed
/// (the trust not yet on the nodes, pods rolling, a load balancer not forwarding yet). A
/// failing Elasticsearch (a 5xx while pods roll) is waited out. `Ok(info)` when the link
/// works; `Err(last info seen)` when the time ran out.
pub async fn prove(
    es: &Elasticsearch,
    alias: &str,
    timeout: Duration,
    output: &Output,
) -> anyhow::Result<Result<RemoteClusterInfo, Unproven>> {
    let spinner = output.spinner(format!(
        "waiting for {alias} to connect (asking Elasticsearch to reach it)"
    ));
    let deadline = Instant::now() + timeout;
    let mut last_seen = Unproven::default();
    loop {
        match poll_link(es, alias).await {
            Ok((probe, info)) => {
                last_seen.info = info;
                if let (true, Some(info)) = (probe.connected, &last_seen.info) {
                    spinner.finish_and_clear();
                    return Ok(Ok(info.clone()));
                }
                spinner.set_message(waiting_for(alias, &probe, Instant::now(), deadline));
                last_seen.said = probe.error;
            }
            Err(error) if Instant::now() >= deadline => {
                spinner.finish_and_clear();
                return Err(kept_failing(alias, timeout, &error).into());
            }
            Err(error) => tracing::debug!("probing {alias} failed, polling on: {error:#}"),
        }
        if Instant::now() >= deadline {
            spinner.finish_and_clear();
            return Ok(Err(last_seen));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// One poll: the probe, then what `_remote/info` says of `alias` now.
async fn poll_link(
    es: &Elasticsearch,
    alias: &str,
) -> anyhow::Result<(LinkProbe, Option<RemoteClusterInfo>)> {
    let version = es.info().await?.version.number;
    let probe = match es.probe_remote(alias, &version).await {
        Ok(probe) => probe,
        // Elasticsearch answers, but is still trying to reach the remote when the probe's
        // time is up: a remote whose handshake is refused can hold the probe past its
        // `timeout` (Elasticsearch 8.19, seen on the real stack). The link is not up; the
        // diagnosis at the deadline says why.
        Err(error) if Failure::is(&error, FailureKind::Unavailable) => LinkProbe {
            connected: false,
            error: Some(format!("{error:#}")),
        },
        Err(error) => return Err(error),
    };
    let info = es.remote_info().await?.remove(alias);
    Ok((probe, info))
}

/// What the spinner says while a link is not up yet.
fn waiting_for(alias: &str, probe: &LinkProbe, now: Instant, deadline: Instant) -> String {
    let left = humantime::format_duration(Duration::from_secs(
        deadline.saturating_duration_since(now).as_secs(),
    ));
    match &probe.error {
        Some(error) => format!("waiting for {alias} to connect ({left} left): {error}"),
        None => format!("waiting for {alias} to connect ({left} left): not reachable yet"),
    }
}

/// Elasticsearch failed until the time ran out: the link awaited, and the last failure.
fn kept_failing(alias: &str, timeout: Duration, error: &anyhow::Error) -> Failure {
    Failure::new(
        FailureKind::Unavailable,
        format!(
            "{alias} did not connect within {}: {error:#}",
            humantime::format_duration(timeout)
        ),
    )
    .with_hint(
        "the settings are written; once Elasticsearch answers again, re-run the command to prove \
         the link (it writes nothing more)",
    )
}

/// What ecr can check when a link does not come up between two ECK clusters.
pub struct Diagnosis {
    pub findings: Vec<String>,
}

/// Looks at both sides for the usual causes: a CA not trusted on one side, the remote not
/// exposed or at another address, pods still rolling after a trust change.
pub async fn diagnose(
    local: &EckCluster,
    remote: &EckCluster,
    address: &ProxyAddress,
) -> Diagnosis {
    let mut findings: Vec<String> = hostname_finding(local, Some(remote), address)
        .await
        .into_iter()
        .collect();
    for (truster, trusted) in [(local, remote), (remote, local)] {
        match trusts(truster, trusted).await {
            Ok(true) => {}
            Ok(false) => findings.push(format!(
                "{} does not trust the current transport CA of {}: run ecr trust add {} -n {} --from {} --from-namespace {}",
                truster.cluster,
                trusted.cluster,
                truster.cluster,
                truster.kube.namespace(),
                trusted.cluster,
                trusted.kube.namespace()
            )),
            Err(error) => tracing::debug!("cannot check the trust of {}: {error:#}", truster.cluster),
        }
    }
    match exposed_address(remote).await {
        Ok(exposed) if exposed != *address => findings.push(format!(
            "{} is exposed at {exposed}, not at {address}",
            remote.cluster
        )),
        Ok(_) => {}
        Err(error) => findings.push(format!("{error:#}")),
    }
    for cluster in [local, remote] {
        if let Ok(resource) = eck::read_elasticsearch(&cluster.kube, &cluster.cluster).await {
            let phase = resource
                .pointer("/status/phase")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            if phase != "Ready" {
                findings.push(format!(
                    "{} is in phase {phase}: pods may still be rolling after a trust change; wait and re-run",
                    cluster.cluster
                ));
            }
        }
    }
    Diagnosis { findings }
}

/// The transport SSL setting whose `full` makes Elasticsearch check host names.
const VERIFICATION_MODE: &str = "xpack.security.transport.ssl.verification_mode";

/// When `local` checks host names on transport connections (a nodeSet's config sets
/// `verification_mode: full`, the default of a cluster outside ECK), the remote's certificate
/// must carry the host of the proxy address, or the `server_name`, which is sent as SNI and
/// checked first (Elasticsearch: `SecurityNetty4Transport`; JDK:
/// `X509TrustManagerImpl.checkIdentity`). ECK's transport certificates carry the transport
/// service's name and pod names, not a load balancer's address.
pub async fn hostname_finding(
    local: &EckCluster,
    remote: Option<&EckCluster>,
    address: &ProxyAddress,
) -> Option<String> {
    let resource = eck::read_elasticsearch(&local.kube, &local.cluster)
        .await
        .ok()?;
    let (node_set, _) = eck::node_config_values(&resource["spec"], VERIFICATION_MODE)
        .into_iter()
        .find(|(_, mode)| mode.as_str() == Some("full"))?;
    let service_name = match remote {
        Some(remote) => format!(
            "{}.{}.svc",
            eck::transport_service(&remote.cluster),
            remote.kube.namespace()
        ),
        None => "REMOTE-es-transport.NS.svc".to_string(),
    };
    Some(format!(
        "{} checks host names on transport connections ({VERIFICATION_MODE}: full in nodeSet {node_set}): the \
         remote's transport certificate must carry {}, the host of the proxy address, and ECK's carry {service_name} \
         and pod names only; add {} to the remote's spec.transport.tls.subjectAltNames (ECK reissues the \
         certificates), or connect with --server-name {service_name}: Elasticsearch sends it as SNI and the host \
         check tries it first",
        local.cluster, address.host, address.host
    ))
}

/// A license that is not active stops remote clusters; any active one, basic included,
/// allows cross-cluster search.
pub async fn license_finding(es: &Elasticsearch) -> Option<String> {
    let license = es.license().await.ok()?;
    (license.status != "active").then(|| {
        format!(
            "the {} license of {} is {}: remote clusters need an active license",
            license.kind,
            es.description(),
            license.status
        )
    })
}

/// Whether `truster` loads `trusted`'s current CA through ecr's stores (either way of trusting).
async fn trusts(truster: &EckCluster, trusted: &EckCluster) -> anyhow::Result<bool> {
    let ca = eck::read_transport_ca(&trusted.kube, &trusted.cluster).await?;
    let wanted = &ca.certificates[0].sha256_fingerprint;
    Ok(loaded_fingerprints(truster)
        .await?
        .iter()
        .any(|known| known == wanted))
}

/// One line on what `_remote/info` says about a link that is not up.
pub fn describe_link(alias: &str, info: Option<&RemoteClusterInfo>) -> String {
    match info {
        None => format!("_remote/info does not list {alias}"),
        Some(info) => format!(
            "_remote/info says {alias}: connected {}, mode {}, proxy_address {}, {} of {} sockets connected",
            info.connected,
            info.mode,
            info.proxy_address.as_deref().unwrap_or("none"),
            info.num_proxy_sockets_connected.unwrap_or(0),
            info.max_proxy_socket_connections.unwrap_or(0)
        ),
    }
}

/// What to say of an API-key link that is not up: its trust and port are not the transport
/// layer's, so ecr's transport checks do not apply (Elasticsearch: `RemoteConnectionInfo`
/// shows `cluster_credentials` when the keystore holds `cluster.remote.ALIAS.credentials`).
pub fn api_key_link(alias: &str, address: Option<&str>) -> String {
    let mut text = format!(
        "the remote {alias} is not connected: it is an API-key link (cluster.remote.{alias}.credentials in the \
         keystore), which goes to the remote's remote cluster server (port 9443, service REMOTE-es-remote-cluster \
         with spec.remoteClusterServer.enabled) and trusts its CA through xpack.security.remote_cluster_client.ssl, \
         not the transport CA; re-run the ecr connect --api-key command that made it: it puts back what is \
         missing, and a key that no longer works is replaced"
    );
    if let Some(address) = address.filter(|a| a.ends_with(":9300")) {
        text.push_str(&format!(
            "; {address} is the transport port, not the remote cluster server's"
        ));
    }
    text
}

/// The failure of a link that did not come up, with what was found. The transport findings
/// do not apply to an API-key link.
pub fn not_connected(
    alias: &str,
    waited: &str,
    unproven: &Unproven,
    findings: &[String],
) -> Failure {
    let info = unproven.info.as_ref();
    let hint = if let Some(info) = info.filter(|info| info.uses_api_key()) {
        api_key_link(alias, info.proxy_address.as_deref())
    } else if findings.is_empty() {
        "check that each side trusts the other's transport CA (ecr trust add), that the remote is exposed at \
         that address (ecr expose), and that nothing between them drops port 9300; a cluster outside ECK also \
         checks host names (verification_mode: full by default): the remote's certificate must then carry the \
         proxy address's host or the --server-name. Once the cause is fixed, re-run the same command: it writes \
         nothing more and proves the link again (it asks Elasticsearch to reach the remote, which makes it \
         reconnect)"
            .to_string()
    } else {
        name_list(findings, "")
    };
    let said = match &unproven.said {
        Some(said) => format!("; Elasticsearch said: {said}"),
        None => String::new(),
    };
    Failure::new(
        FailureKind::Unavailable,
        format!(
            "{alias} did not connect within {waited}; {}{said}",
            describe_link(alias, info)
        ),
    )
    .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_nothing_found_the_hint_says_a_re_run_proves_the_link_again() {
        let failure = not_connected("two", "10s", &Unproven::default(), &[]);
        assert_eq!(
            failure.message,
            "two did not connect within 10s; _remote/info does not list two"
        );
        let hint = failure.hint.unwrap_or_default();
        assert!(hint.starts_with("check that each side trusts"), "{hint}");
        assert!(
            hint.ends_with(
                "Once the cause is fixed, re-run the same command: it writes nothing more and \
                 proves the link again (it asks Elasticsearch to reach the remote, which makes it \
                 reconnect)"
            ),
            "{hint}"
        );
    }
}
