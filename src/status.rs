//! The whole link of one cluster at a glance: trust (with each copy's expiry and drift), the
//! exposed transport, the remotes and whether they are connected, and what needs attention.

use std::time::{Duration, SystemTime};

use k8s_openapi::api::core::v1::Service;
use serde::Serialize;
use serde_json::Value;

use crate::api_key;
use crate::certs;
use crate::eck;
use crate::eck::EckCluster;
use crate::elasticsearch::Elasticsearch;
use crate::error::counted;
use crate::expose::{self, ServiceType};
use crate::k8s::{Kube, Location};
use crate::trust::planner::{self, Placement, Via};
use crate::trust::spec::node_sets_trusting;
use crate::trust::store::{StoreKind, trusted_cas};
use crate::trust::{CaOrigin, MountLayout, TrustedCa};

/// How long a second probe waits for Elasticsearch's reconnection in the background.
const RECONNECT_GRACE: Duration = Duration::from_secs(1);

/// A CA copy expiring within this many days is a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Everything `ecr status` shows; field names are stable for `-o json`.
#[derive(Debug, Serialize)]
pub struct Status {
    pub cluster: String,
    pub namespace: String,
    pub context: Option<String>,
    /// The Elasticsearch resource's phase (`Ready`, `ApplyingChanges`, ...).
    pub phase: String,
    /// The Elasticsearch version of the resource's spec.
    pub version: String,
    pub trust: Vec<TrustedCaStatus>,
    /// Each nodeSet, and whether it mounts and lists ecr's bundle (secret-mount mode).
    pub node_sets: Vec<NodeSetTrust>,
    pub exposure: ExposureStatus,
    pub remotes: Vec<RemoteStatus>,
    /// Remotes ECK manages through `spec.remoteClusters`.
    pub ref_remotes: Vec<Value>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TrustedCaStatus {
    pub alias: String,
    /// `secret/NAME` or `configmap/NAME`: where the copy is kept.
    pub store: String,
    pub source: CaOrigin,
    pub subject: String,
    pub sha256_fingerprint: String,
    pub not_after: String,
    pub days_left: i64,
    /// Whether the copy holds every certificate the source publishes now; `None` when the
    /// source cannot be read (a file, or no access).
    pub in_sync: Option<bool>,
    /// Whether the source cluster trusts this cluster back; `None` when unknown.
    pub trusted_back: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct NodeSetTrust {
    pub name: String,
    pub mounts_bundle: bool,
}

#[derive(Debug, Serialize)]
pub struct ExposureStatus {
    pub service: String,
    /// The transport service's type; `None` when the service does not exist.
    pub service_type: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RemoteStatus {
    pub alias: String,
    pub mode: String,
    pub address: Option<String>,
    pub connected: bool,
    pub skip_unavailable: bool,
    /// An API-key link (a cross-cluster API key in the keystore), not a certificate-based one.
    pub api_key: bool,
    /// The id of the key ecr put in the keystore for this alias, if any (never the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    /// What the remote says of that key, when ecr knows where the remote is and reaches it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_remote: Option<ApiKeyRemote>,
}

/// An API-key link as its remote shows it: the key, the remote cluster server, the CA.
#[derive(Debug, Serialize)]
pub struct ApiKeyRemote {
    /// `ns-two/cluster-two (context sandbox)`.
    pub remote: String,
    /// The key as the remote lists it: `None` when it does not know it.
    pub key: Option<KeyOnRemote>,
    /// The remote cluster server's service.
    pub server: ExposureStatus,
    /// Whether the copy of the remote's CA the local nodes trust is its current CA.
    pub ca_in_sync: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct KeyOnRemote {
    pub invalidated: bool,
    /// `search logs-*; replication leader-*`.
    pub access: String,
    /// RFC 3339; never when absent.
    pub expiration: Option<String>,
    pub days_left: Option<i64>,
}

/// Each nodeSet, and whether it mounts and lists the bundle of one of `layouts`.
fn node_sets_mounting(spec: &Value, layouts: &[MountLayout]) -> Vec<NodeSetTrust> {
    let per_layout: Vec<Vec<(String, bool)>> = layouts
        .iter()
        .map(|layout| node_sets_trusting(spec, layout))
        .collect();
    let names = per_layout.first().cloned().unwrap_or_default();
    names
        .into_iter()
        .enumerate()
        .map(|(index, (name, _))| NodeSetTrust {
            mounts_bundle: per_layout.iter().any(|node_sets| node_sets[index].1),
            name,
        })
        .collect()
}

/// Reads everything else about `local`, whose Elasticsearch `resource` the caller read; `es`
/// is `None` when Elasticsearch could not be reached (`reach_error` says why: a warning).
pub async fn gather(
    local: &EckCluster,
    resource: &Value,
    base: &Location,
    es: Option<&Elasticsearch>,
    reach_error: Option<String>,
) -> anyhow::Result<Status> {
    let own_ca = eck::read_transport_ca(&local.kube, &local.cluster).await?;
    let placements = Placement::all_in_place(&resource["spec"])?;
    let mut trust = Vec::new();
    for placement in &placements {
        let (store, cas) = planner::trusted_store(local, &resource["spec"], placement).await?;
        for ca in cas {
            trust.push(
                ca_status(base, &store, ca, &own_ca.certificates[0].sha256_fingerprint).await,
            );
        }
    }
    let layouts: Vec<MountLayout> = placements
        .iter()
        .filter(|placement| placement.via == Via::SecretMount)
        .map(|placement| placement.layout.clone())
        .collect();
    let node_sets = node_sets_mounting(&resource["spec"], &layouts);
    let keys = local
        .kube
        .get_json(
            &kube::api::ApiResource::erase::<k8s_openapi::api::core::v1::Secret>(&()),
            &api_key::keys_secret(&local.cluster),
        )
        .await?;
    let mut remotes = match es {
        Some(es) => remote_statuses(es, keys.as_ref()).await?,
        None => Vec::new(),
    };
    for remote in &mut remotes {
        if remote.api_key_id.is_some() {
            remote.api_key_remote = api_key_remote(local, base, remote).await;
        }
    }
    let mut status = Status {
        cluster: local.cluster.clone(),
        namespace: local.kube.namespace().to_string(),
        context: local.kube.server().context.clone(),
        phase: resource
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string(),
        version: resource
            .pointer("/spec/version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        trust,
        node_sets,
        exposure: exposure(&local.kube, &local.cluster).await?,
        remotes,
        ref_remotes: resource
            .pointer("/spec/remoteClusters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        warnings: reach_error.into_iter().collect(),
    };
    let found = warnings(&status);
    status.warnings.extend(found);
    Ok(status)
}

/// Each remote of `_remote/info`, probed: `_remote/info` alone says `connected: false` for
/// good after a failed attempt, and the probe (a cross-cluster request, which writes nothing)
/// makes Elasticsearch try again, as it would for a user's search.
async fn remote_statuses(
    es: &Elasticsearch,
    keys: Option<&Value>,
) -> anyhow::Result<Vec<RemoteStatus>> {
    let version = es.info().await?.version.number;
    let mut remotes = Vec::new();
    for (alias, info) in es.remote_info().await? {
        let connected = probe(es, &alias, &version).await;
        remotes.push(RemoteStatus {
            api_key: info.uses_api_key(),
            mode: info.mode,
            address: info.proxy_address.or_else(|| info.seeds.first().cloned()),
            connected,
            skip_unavailable: info.skip_unavailable,
            api_key_id: api_key::installed_key_id(keys, &alias),
            api_key_remote: None,
            alias,
        });
    }
    Ok(remotes)
}

/// What the remote of an API-key link says of it, found through the copy of its CA that the
/// local remote cluster client trusts (the copy records where it came from); `None` when ecr
/// does not know the remote or cannot reach it (said at debug level).
async fn api_key_remote(
    local: &EckCluster,
    base: &Location,
    remote: &RemoteStatus,
) -> Option<ApiKeyRemote> {
    let store = local
        .kube
        .get_json(
            &planner::store_resource(StoreKind::Secret),
            crate::trust::DEFAULT_CLIENT_SECRET,
        )
        .await
        .ok()??;
    let copy = trusted_cas(&store, StoreKind::Secret)
        .into_iter()
        .find(|ca| ca.alias == remote.alias)?;
    let cluster = planner::source_cluster(base, &copy.source).await.ok()??;
    let place = format!(
        "{}/{}{}",
        cluster.kube.namespace(),
        cluster.cluster,
        cluster
            .kube
            .server()
            .context
            .as_deref()
            .map(|context| format!(" (context {context})"))
            .unwrap_or_default()
    );
    let ca_in_sync = match eck::read_transport_ca(&cluster.kube, &cluster.cluster).await {
        Ok(current) => Some(copy.source.sha256 == current.certificates[0].sha256_fingerprint),
        Err(_) => None,
    };
    let service = api_key::planner::server_service(&cluster).await.ok()?;
    let server = service_status(&cluster.kube, &service).await.ok()?;
    let key = match key_on_remote(&cluster, remote.api_key_id.as_deref()?).await {
        Ok(key) => key,
        Err(error) => {
            tracing::debug!(
                "cannot read the key of {} on {place}: {error:#}",
                remote.alias
            );
            return None;
        }
    };
    Some(ApiKeyRemote {
        remote: place,
        key,
        server,
        ca_in_sync,
    })
}

async fn key_on_remote(cluster: &EckCluster, id: &str) -> anyhow::Result<Option<KeyOnRemote>> {
    // Quiet: the port-forward's notes are about the remote, not what status reports.
    let output = crate::output::Output::new(crate::output::OutputFormat::Text, true);
    let es = crate::elasticsearch::reach_eck_cluster(
        &cluster.kube,
        &cluster.cluster,
        None,
        &crate::elasticsearch::TrustOptions::default(),
        &output,
    )
    .await?;
    Ok(es.api_key(id).await?.map(|key| {
        let expiration = key.expiration.and_then(|millis| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok()
        });
        KeyOnRemote {
            invalidated: key.invalidated,
            access: key
                .access
                .as_ref()
                .map(api_key::describe_access)
                .unwrap_or_default(),
            days_left: expiration
                .map(|at| (at - time::OffsetDateTime::from(SystemTime::now())).whole_days()),
            expiration: expiration.and_then(|at| {
                at.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
        }
    }))
}

/// Whether `alias` answers a probe. Elasticsearch answers the first probe of a link whose
/// last attempt failed with "not connected" while it connects again in the background
/// (`_resolve/cluster`); a second probe a moment later tells.
async fn probe(es: &Elasticsearch, alias: &str, version: &str) -> bool {
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(RECONNECT_GRACE).await;
        }
        match es.probe_remote(alias, version).await {
            Ok(probe) if probe.connected => return true,
            Ok(_) => {}
            Err(error) => tracing::debug!("probing {alias} failed: {error:#}"),
        }
    }
    false
}

async fn ca_status(
    base: &Location,
    store: &str,
    ca: TrustedCa,
    own_fingerprint: &str,
) -> TrustedCaStatus {
    let stored = certs::parse_bundle(ca.pem.as_bytes()).unwrap_or_default();
    let first = stored.first();
    let not_after = first.map(|c| c.not_after.clone()).unwrap_or_default();
    let source = planner::source_cluster(base, &ca.source)
        .await
        .ok()
        .flatten();
    let in_sync = match &source {
        Some(cluster) => match eck::read_transport_ca(&cluster.kube, &cluster.cluster).await {
            // The source's own CA only: the CAs it trusts come and go without making the
            // copy stale (ECK publishes them after its own, see `TransportCa::own_ca_pem`).
            Ok(current) => Some(
                stored
                    .iter()
                    .any(|s| s.sha256_fingerprint == current.certificates[0].sha256_fingerprint),
            ),
            Err(_) => None,
        },
        None => None,
    };
    let trusted_back = match &source {
        Some(cluster) => trusts_fingerprint(cluster, own_fingerprint).await,
        None => None,
    };
    TrustedCaStatus {
        alias: ca.alias,
        store: store.to_string(),
        subject: first.map(|c| c.subject.clone()).unwrap_or_default(),
        sha256_fingerprint: first
            .map(|c| c.sha256_fingerprint.clone())
            .unwrap_or_default(),
        days_left: days_left(&not_after),
        not_after,
        source: ca.source,
        in_sync,
        trusted_back,
    }
}

async fn trusts_fingerprint(cluster: &EckCluster, fingerprint: &str) -> Option<bool> {
    let loaded = planner::loaded_fingerprints(cluster).await.ok()?;
    Some(loaded.iter().any(|known| known == fingerprint))
}

async fn exposure(kube: &Kube, cluster: &str) -> anyhow::Result<ExposureStatus> {
    service_status(kube, &eck::transport_service(cluster)).await
}

/// A service's type and load-balancer or node-port address.
async fn service_status(kube: &Kube, service_name: &str) -> anyhow::Result<ExposureStatus> {
    let service_name = service_name.to_string();
    let service = kube.get::<Service>(&service_name).await?;
    let service_type = service
        .as_ref()
        .and_then(|s| s.spec.as_ref()?.type_.clone());
    let address = service.as_ref().and_then(|service| {
        expose::address_of(service, ServiceType::LoadBalancer)
            .or_else(|| expose::address_of(service, ServiceType::NodePort))
            .map(|address| address.to_string())
    });
    Ok(ExposureStatus {
        service: service_name,
        service_type,
        address,
    })
}

fn days_left(not_after: &str) -> i64 {
    let Ok(expiry) =
        time::OffsetDateTime::parse(not_after, &time::format_description::well_known::Rfc3339)
    else {
        return 0;
    };
    (expiry - time::OffsetDateTime::from(SystemTime::now())).whole_days()
}

/// What needs attention, in the operator's words.
pub fn warnings(status: &Status) -> Vec<String> {
    let mut warnings = Vec::new();
    for ca in &status.trust {
        if ca.days_left <= EXPIRY_WARNING_DAYS {
            warnings.push(format!(
                "the copy of {}'s CA expires in {} ({})",
                ca.alias,
                counted(ca.days_left, "day"),
                ca.not_after
            ));
        }
        if ca.in_sync == Some(false) {
            warnings.push(format!(
                "the copy of {}'s CA is stale: the source publishes another CA now (rotated?); run ecr trust sync {} -n {}",
                ca.alias, status.cluster, status.namespace
            ));
        }
        if ca.trusted_back == Some(false) {
            warnings.push(format!(
                "{} trusts {}, but {} does not trust {} back",
                status.cluster, ca.alias, ca.alias, status.cluster
            ));
        }
    }
    let secret_cas = status
        .trust
        .iter()
        .any(|ca| ca.store.starts_with("Secret/"));
    for node_set in status
        .node_sets
        .iter()
        .filter(|n| secret_cas && !n.mounts_bundle)
    {
        warnings.push(format!(
            "nodeSet {} does not mount and list the trusted CAs: run ecr trust add again",
            node_set.name
        ));
    }
    for remote in &status.remotes {
        warnings.extend(api_key_warnings(remote));
    }
    for remote in status.remotes.iter().filter(|r| !r.connected) {
        warnings.push(match remote.api_key {
            true => crate::connect::api_key_link(&remote.alias, remote.address.as_deref()),
            false => format!("the remote {} is not connected", remote.alias),
        });
    }
    let certificate_links: Vec<&str> = status
        .remotes
        .iter()
        .filter(|remote| !remote.api_key)
        .map(|remote| remote.alias.as_str())
        .collect();
    if !certificate_links.is_empty()
        && let Some(note) = crate::connect::deprecation_note(&status.version)
    {
        warnings.push(format!(
            "{note}: {} {} certificate-based; ecr connect --api-key moves a link to an API key",
            certificate_links.join(", "),
            if certificate_links.len() == 1 {
                "is"
            } else {
                "are"
            }
        ));
    }
    if status.phase != "Ready" {
        warnings.push(format!(
            "{} is in phase {}: pods may still be rolling",
            status.cluster, status.phase
        ));
    }
    warnings
}

/// What needs attention in an API-key link, as its remote shows it.
fn api_key_warnings(remote: &RemoteStatus) -> Vec<String> {
    let Some(found) = &remote.api_key_remote else {
        return Vec::new();
    };
    let alias = &remote.alias;
    let repair = "re-run the ecr connect --api-key command that made the link";
    let mut warnings = Vec::new();
    match &found.key {
        None => warnings.push(format!(
            "the key of {alias} is unknown to {}: {repair}, it makes a new one",
            found.remote
        )),
        Some(key) if key.invalidated => warnings.push(format!(
            "the key of {alias} is invalidated on {}: {repair}, it makes a new one",
            found.remote
        )),
        Some(KeyOnRemote {
            days_left: Some(days),
            expiration: Some(at),
            ..
        }) if *days <= EXPIRY_WARNING_DAYS => warnings.push(format!(
            "the key of {alias} expires in {} ({at}): {repair} with --rotate-key",
            counted(*days, "day")
        )),
        Some(_) => {}
    }
    if found.ca_in_sync == Some(false) {
        warnings.push(format!(
            "the copy of {alias}'s CA that the remote cluster client trusts is stale (rotated?): {repair}"
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(days_left: i64, in_sync: Option<bool>, connected: bool, phase: &str) -> Status {
        Status {
            cluster: "one".into(),
            namespace: "ns".into(),
            context: None,
            phase: phase.into(),
            version: "8.17.0".into(),
            trust: vec![TrustedCaStatus {
                alias: "two".into(),
                store: "Secret/remote-certs".into(),
                source: CaOrigin {
                    context: None,
                    namespace: Some("ns-two".into()),
                    cluster: Some("two".into()),
                    file: None,
                    sha256: "AA".into(),
                },
                subject: "CN=two-transport".into(),
                sha256_fingerprint: "AA".into(),
                not_after: "2027-01-01T00:00:00Z".into(),
                days_left,
                in_sync,
                trusted_back: Some(true),
            }],
            node_sets: vec![NodeSetTrust {
                name: "default".into(),
                mounts_bundle: true,
            }],
            exposure: ExposureStatus {
                service: "one-es-transport".into(),
                service_type: None,
                address: None,
            },
            remotes: vec![RemoteStatus {
                alias: "two".into(),
                mode: "proxy".into(),
                address: None,
                connected,
                skip_unavailable: false,
                api_key: false,
                api_key_id: None,
                api_key_remote: None,
            }],
            ref_remotes: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn an_api_key_link_warns_of_a_key_that_expires_soon_or_is_gone_and_of_a_stale_ca() {
        let mut linked = status(200, Some(true), true, "Ready");
        let remote = &mut linked.remotes[0];
        remote.api_key = true;
        remote.api_key_id = Some("k1".into());
        let found = |key: Option<KeyOnRemote>, ca_in_sync: Option<bool>| ApiKeyRemote {
            remote: "ns-two/two".into(),
            key,
            server: ExposureStatus {
                service: "two-es-remote-cluster".into(),
                service_type: Some("LoadBalancer".into()),
                address: Some("10.0.0.2:9443".into()),
            },
            ca_in_sync,
        };
        let key = |days_left: Option<i64>, invalidated: bool| KeyOnRemote {
            invalidated,
            access: "search a".into(),
            expiration: days_left.map(|_| "2027-01-01T00:00:00Z".to_string()),
            days_left,
        };
        remote.api_key_remote = Some(found(Some(key(None, false)), Some(true)));
        assert_eq!(warnings(&linked), Vec::<String>::new());
        let remote = &mut linked.remotes[0];
        remote.api_key_remote = Some(found(Some(key(Some(12), false)), Some(false)));
        let said = warnings(&linked);
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0].starts_with("the key of two expires in 12 days (2027-01-01T00:00:00Z)"),
            "{said:?}"
        );
        assert!(said[0].ends_with("with --rotate-key"), "{said:?}");
        assert!(said[1].contains("is stale"), "{said:?}");
        linked.remotes[0].api_key_remote = Some(found(None, Some(true)));
        assert!(warnings(&linked)[0].starts_with("the key of two is unknown to ns-two/two"));
    }

    #[test]
    fn on_9_x_certificate_links_are_said_to_be_deprecated_and_api_key_ones_not() {
        let mut on_nine = status(200, Some(true), true, "Ready");
        on_nine.version = "9.1.0".into();
        let found = warnings(&on_nine);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].ends_with(
                "two is certificate-based; ecr connect --api-key moves a link to an API key"
            ),
            "{found:?}"
        );
        on_nine.remotes[0].api_key = true;
        assert_eq!(warnings(&on_nine), Vec::<String>::new());
    }

    #[test]
    fn a_healthy_link_needs_no_attention() {
        assert_eq!(
            warnings(&status(200, Some(true), true, "Ready")),
            Vec::<String>::new()
        );
        assert_eq!(
            warnings(&status(31, None, true, "Ready")),
            Vec::<String>::new(),
            "31 days left is not yet a warning"
        );
    }

    #[test]
    fn each_problem_is_named() {
        let found = warnings(&status(30, Some(false), false, "ApplyingChanges"));
        assert_eq!(
            found,
            [
                "the copy of two's CA expires in 30 days (2027-01-01T00:00:00Z)",
                "the copy of two's CA is stale: the source publishes another CA now (rotated?); run ecr trust sync one -n ns",
                "the remote two is not connected",
                "one is in phase ApplyingChanges: pods may still be rolling",
            ]
        );
    }

    #[test]
    fn an_api_key_link_is_not_blamed_on_transport_trust() {
        let mut status = status(200, Some(true), false, "Ready");
        status.remotes[0].api_key = true;
        status.remotes[0].address = Some("10.0.0.7:9300".into());
        let found = warnings(&status);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("the remote two is not connected: it is an API-key link"),
            "{}",
            found[0]
        );
        assert!(
            found[0].contains("10.0.0.7:9300 is the transport port"),
            "{}",
            found[0]
        );
    }
}
