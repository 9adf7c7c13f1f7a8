//! API-key remote clusters (Elasticsearch 8.14+, the model 9.x recommends): what a link needs
//! on each side, as pure functions of what was read. The remote serves its remote cluster
//! server (port 9443) through ECK; a cross-cluster API key made there goes into the local
//! cluster's keystore as `cluster.remote.ALIAS.credentials`, through a Secret that
//! `spec.secureSettings` names; the local nodes trust the remote's transport CA for that
//! client connection only. `planner` reads the clusters and makes the `Plan`.

pub mod planner;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::elasticsearch::{ApiKeyInfo, RemoteClusterInfo};
use crate::error::{Failure, FailureKind};

/// The port of the remote cluster server (Elasticsearch's `remote_cluster.port` default, and
/// the `rcs` port of ECK's service).
pub const REMOTE_CLUSTER_PORT: u16 = 9443;
/// Every key ecr makes is named with this prefix; never `eck-`, which ECK lists as its own
/// and fails on (cloud-on-k8s: pkg/controller/remotecluster/keys.go).
const KEY_PREFIX: &str = "ecr-";
/// The metadata key that marks a key as ecr's, with the link it serves.
const METADATA_KEY: &str = "ecr_link";
/// The lowest Elasticsearch version whose API-key remote clusters are generally available.
pub const MINIMUM_VERSION: (u32, u32) = (8, 14);
/// The license feature of API-key links: enterprise level, checked on both clusters
/// (ES: `XPackLicenseState`/`Security.ADVANCED_REMOTE_CLUSTER_SECURITY_FEATURE`).
const LICENSES: &[&str] = &["enterprise", "trial"];

/// The service ECK makes for the remote cluster server of `cluster` with
/// `spec.remoteClusterServer.enabled` (cloud-on-k8s: pkg/controller/elasticsearch/services).
pub fn remote_cluster_service(cluster: &str) -> String {
    format!("{cluster}-es-remote-cluster")
}

/// The name the remote cluster server's certificate carries for that service: ECK adds it to
/// the transport certificates' SANs (certificates/transport/csr.go), so a client checking host
/// names (the remote cluster client's `verification_mode` is `full` by default) accepts it as
/// the `server_name`.
pub fn server_name(cluster: &str, namespace: &str) -> String {
    format!("{}.{namespace}.svc", remote_cluster_service(cluster))
}

/// The keystore entry that makes `alias` an API-key link.
pub fn credentials_setting(alias: &str) -> String {
    format!("cluster.remote.{alias}.credentials")
}

/// The Secret of ecr's keys for `cluster`'s keystore, named after the cluster: each cluster's
/// keystore gets its own keys only (ECK's own is `CLUSTER-es-remote-api-keys`).
pub fn keys_secret(cluster: &str) -> String {
    format!("{cluster}-ecr-remote-keys")
}

/// What a cross-cluster key lets the local cluster do on the remote: index patterns to search
/// and to replicate (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAccess {
    pub search: Vec<String>,
    pub replication: Vec<String>,
}

impl KeyAccess {
    pub fn new(search: &[String], replication: &[String]) -> Result<Self, Failure> {
        if search.is_empty() && replication.is_empty() {
            return Err(Failure::new(
                FailureKind::Invalid,
                "an API-key link needs access: --search PATTERN... and/or --replication PATTERN...",
            )
            .with_hint(
                "the key's access is what the local cluster may read on the remote, e.g. --search 'logs-*'",
            ));
        }
        if let Some(bad) = search
            .iter()
            .chain(replication)
            .find(|pattern| pattern.trim().is_empty() || pattern.contains(','))
        {
            return Err(Failure::new(
                FailureKind::Invalid,
                format!("{bad:?} is not an index pattern"),
            )
            .with_hint("give one pattern per value: --search 'logs-*' --search 'metrics-*'"));
        }
        Ok(KeyAccess {
            search: sorted(search),
            replication: sorted(replication),
        })
    }

    /// The `access` of the key's request: one entry per kind, its names sorted.
    pub fn to_json(&self) -> Value {
        let mut access = Map::new();
        for (kind, names) in [("search", &self.search), ("replication", &self.replication)] {
            if !names.is_empty() {
                access.insert(kind.into(), json!([{"names": names}]));
            }
        }
        Value::Object(access)
    }

    /// Whether a key's `access`, as Elasticsearch shows it, grants exactly this: the same
    /// names, and nothing that ecr would not ask for (a query, field security, restricted
    /// indices).
    pub fn is_granted_by(&self, access: &Value) -> bool {
        [("search", &self.search), ("replication", &self.replication)]
            .into_iter()
            .all(|(kind, wanted)| names_granted(&access[kind]).as_ref() == Some(wanted))
    }

    /// `search logs-*, metrics-*; replication leader-*`.
    pub fn describe(&self) -> String {
        [("search", &self.search), ("replication", &self.replication)]
            .into_iter()
            .filter(|(_, names)| !names.is_empty())
            .map(|(kind, names)| format!("{kind} {}", names.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A key's `access` as Elasticsearch shows it, in one line: `search logs-*; replication a`
/// (entries that grant more than names say so).
pub fn describe_access(access: &Value) -> String {
    ["search", "replication"]
        .into_iter()
        .filter_map(|kind| {
            let names = names_granted(&access[kind]);
            match names {
                Some(names) if names.is_empty() => None,
                Some(names) => Some(format!("{kind} {}", names.join(", "))),
                None => Some(format!(
                    "{kind} (with a query, field security or restricted indices)"
                )),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn sorted(names: &[String]) -> Vec<String> {
    let mut names = names.to_vec();
    names.sort();
    names.dedup();
    names
}

/// The names of one kind of access, sorted; `None` when an entry grants more than names.
fn names_granted(entries: &Value) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for entry in entries.as_array().into_iter().flatten() {
        let plain = entry
            .as_object()?
            .iter()
            .all(|(field, value)| match field.as_str() {
                "names" => true,
                "allow_restricted_indices" => value == &json!(false),
                _ => false,
            });
        if !plain {
            return None;
        }
        names.extend(
            entry["names"]
                .as_array()?
                .iter()
                .filter_map(|name| name.as_str().map(str::to_string)),
        );
    }
    Some(sorted(&names))
}

/// Where a key is used: the local cluster and the alias it knows the remote by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub namespace: String,
    pub cluster: String,
    pub alias: String,
}

impl KeyUse {
    /// `ecr-NS-CLUSTER-ALIAS`: the key's name on the remote, which says where it is used.
    pub fn key_name(&self) -> String {
        format!(
            "{KEY_PREFIX}{}-{}-{}",
            self.namespace, self.cluster, self.alias
        )
    }

    /// The key's metadata: the link it serves, by which ecr finds its keys again.
    pub fn metadata(&self) -> Value {
        json!({METADATA_KEY: {"namespace": self.namespace, "cluster": self.cluster, "alias": self.alias}})
    }

    /// Whether `key` was made by ecr for this use.
    pub fn made_for(&self, key: &ApiKeyInfo) -> bool {
        key.name.as_deref() == Some(self.key_name().as_str())
            && key
                .metadata
                .as_ref()
                .is_some_and(|metadata| metadata[METADATA_KEY] == self.metadata()[METADATA_KEY])
    }

    /// The body of `POST _security/cross_cluster/api_key`.
    pub fn key_request(&self, access: &KeyAccess, expiration: Option<&str>) -> Value {
        let mut body = json!({
            "name": self.key_name(),
            "access": access.to_json(),
            "metadata": self.metadata(),
        });
        if let Some(expiration) = expiration {
            body["expiration"] = json!(expiration);
        }
        body
    }
}

/// The environment variable that gives `connect --api-key` a key made on the remote by its
/// administrator (its `encoded` value), for a remote ecr cannot make keys on.
pub const GIVEN_KEY_VARIABLE: &str = "ECR_REMOTE_API_KEY";

/// The id of the key a keys Secret holds for `alias`. The secret part is never kept.
pub fn installed_key_id(secret: Option<&Value>, alias: &str) -> Option<String> {
    let stored = secret?["data"][credentials_setting(alias)].as_str()?;
    let encoded = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .ok()?;
    key_id(std::str::from_utf8(&encoded).ok()?)
}

/// The id of a key from its `encoded` value (base64 of `id:api_key`): the part before ':'.
pub fn key_id(encoded: &str) -> Option<String> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, _) = text.split_once(':')?;
    (!id.is_empty()).then(|| id.to_string())
}

/// What to do about the key of a link, from the key its Secret holds (as the remote shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyDecision {
    /// The installed key grants what is wanted and works.
    Keep { id: String },
    /// The installed key works but grants something else: its access is replaced, in place.
    UpdateAccess { id: String },
    /// A new key, installed in place of `superseded` (invalidated once the new one is proven).
    Create { superseded: Option<String> },
}

/// Decides from the installed key's id and what the remote says of it (`None`: unknown there).
pub fn decide(
    installed_id: Option<&str>,
    installed: Option<&ApiKeyInfo>,
    wanted: &KeyAccess,
    rotate: bool,
    now_millis: i64,
) -> KeyDecision {
    let usable = installed
        .filter(|key| Some(key.id.as_str()) == installed_id)
        .filter(|key| key.kind.as_deref() == Some("cross_cluster") && key.is_usable(now_millis));
    match usable {
        Some(key)
            if !rotate && wanted.is_granted_by(key.access.as_ref().unwrap_or(&Value::Null)) =>
        {
            KeyDecision::Keep { id: key.id.clone() }
        }
        Some(key) if !rotate => KeyDecision::UpdateAccess { id: key.id.clone() },
        _ => KeyDecision::Create {
            superseded: installed_id.map(str::to_string),
        },
    }
}

/// The keys Secret with room for `alias`'s key: its data entry is `null` in the plan (ecr has
/// no key before the remote makes it) and filled when applied. Every other entry is kept.
pub fn secret_with_key_slot(
    existing: Option<&Value>,
    namespace: &str,
    name: &str,
    alias: &str,
) -> Value {
    let mut secret = existing.cloned().unwrap_or_else(|| {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace,
                "labels": {crate::trust::MANAGED_BY.0: crate::trust::MANAGED_BY.1}},
            "type": "Opaque",
        })
    });
    if !secret["data"].is_object() {
        secret["data"] = json!({});
    }
    secret["data"][credentials_setting(alias)] = Value::Null;
    secret
}

/// The keys Secret without `alias`'s key.
pub fn secret_without_key(existing: &Value, alias: &str) -> Value {
    let mut secret = existing.clone();
    if let Some(data) = secret["data"].as_object_mut() {
        data.remove(&credentials_setting(alias));
    }
    secret
}

/// `spec.secureSettings` naming `secret` (the whole Secret: each key becomes a keystore
/// entry, cloud-on-k8s: pkg/controller/common/keystore/user_secret.go); entries kept.
pub fn spec_with_secure_settings(spec: &Value, secret: &str) -> Value {
    let mut spec = spec.clone();
    let sources = spec["secureSettings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !sources.iter().any(|source| source["secretName"] == secret) {
        let mut sources = sources;
        sources.push(json!({"secretName": secret}));
        spec["secureSettings"] = Value::Array(sources);
    }
    spec
}

/// How the remote cluster server gets its load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerExposure {
    /// ECK 3.3+ makes its service `CLUSTER-es-remote-cluster` a LoadBalancer from
    /// `spec.remoteClusterServer.service`.
    EckService,
    /// Before 3.3 ECK's Elasticsearch resource has no such field (cloud-on-k8s v3.2.0
    /// pkg/apis/elasticsearch/v1/elasticsearch_types.go, `RemoteClusterServer`), so ecr makes a
    /// LoadBalancer Service of its own, [`own_server_service`].
    OwnService,
}

/// What a merge patch adds to an Elasticsearch resource to serve remote clusters.
pub fn remote_cluster_server_patch(exposure: ServerExposure) -> Value {
    match exposure {
        ServerExposure::EckService => {
            json!({"remoteClusterServer": {"enabled": true, "service": {"spec": {"type": "LoadBalancer"}}}})
        }
        ServerExposure::OwnService => json!({"remoteClusterServer": {"enabled": true}}),
    }
}

/// `spec.remoteClusterServer` enabled, with ECK's service a load balancer where ECK can make
/// it one; fields already there are kept.
pub fn spec_with_remote_cluster_server(spec: &Value, exposure: ServerExposure) -> Value {
    let mut spec = spec.clone();
    json_patch::merge(&mut spec, &remote_cluster_server_patch(exposure));
    spec
}

/// Whether `spec` asks ECK for the remote cluster server's load balancer.
pub fn eck_exposes_server(spec: &Value) -> bool {
    spec.pointer("/remoteClusterServer/service/spec/type") == Some(&json!("LoadBalancer"))
}

/// The name of ecr's own load balancer for `cluster`'s remote cluster server: apart from
/// ECK's names (`CLUSTER-es-...`).
pub fn own_server_service_name(cluster: &str) -> String {
    format!("{cluster}-ecr-remote-cluster")
}

/// ecr's own LoadBalancer Service for `cluster`'s remote cluster server (ECK before 3.3): its
/// port 9443 on ECK's pods of the cluster, selected as ECK's own service selects them
/// (cloud-on-k8s pkg/controller/elasticsearch/services/services.go `NewRemoteClusterService`,
/// label.NewLabels).
pub fn own_server_service(cluster: &str, namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": own_server_service_name(cluster),
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "ecr"}
        },
        "spec": {
            "type": "LoadBalancer",
            "selector": {
                "elasticsearch.k8s.elastic.co/cluster-name": cluster,
                "common.k8s.elastic.co/type": "elasticsearch"
            },
            "ports": [{"name": "rcs", "protocol": "TCP", "port": REMOTE_CLUSTER_PORT, "targetPort": REMOTE_CLUSTER_PORT}]
        }
    })
}

/// Whether `spec` already enables the remote cluster server (then enabling it rolls nothing).
pub fn remote_cluster_server_enabled(spec: &Value) -> bool {
    spec.pointer("/remoteClusterServer/enabled") == Some(&json!(true))
}

/// What moving a certificate-based alias to an API key costs, when `current` (its
/// `_remote/info` entry) says it is one. Each node of the local cluster restarts with the key
/// in its keystore, and from then on dials the alias's address as an API-key link; the
/// settings can point it at the remote cluster server only once every node has the key
/// (before, a node without the key would dial 9443 as a certificate-based link). So the alias
/// fails on more and more nodes during the roll, until the settings change right after it.
pub fn migration_warning(
    alias: &str,
    cluster: &str,
    current: Option<&RemoteClusterInfo>,
) -> Option<String> {
    let current = current.filter(|info| !info.uses_api_key())?;
    Some(format!(
        "the alias {alias} is a certificate-based link now ({} mode{}): it stops working on each node of {cluster} \
         as the node restarts with the key, until the settings move it to the remote cluster server right after \
         the rolling restart, so for about as long as that restart; to keep it working meanwhile, connect under \
         another --alias and move searches to it, then ecr disconnect --alias {alias}",
        current.mode,
        current
            .proxy_address
            .as_deref()
            .map(|address| format!(", {address}"))
            .unwrap_or_default()
    ))
}

/// Refuses a license that cannot carry API-key links, naming the side. The hint is ECK's way:
/// a trial started by hand is lost at the next rolling restart, since ECK 3.5 then reconciles
/// the license of a cluster whose health it does not know yet with an empty current license
/// (driver/shared/reconcile.go), and posts `start_basic` for it (cloud-on-k8s:
/// pkg/controller/elasticsearch/license/apply.go, `applyLinkedLicense`), as the real stack
/// showed.
pub fn check_license(side: &str, cluster: &str, kind: &str, status: &str) -> Result<(), Failure> {
    if LICENSES.contains(&kind) && status == "active" {
        return Ok(());
    }
    Err(Failure::new(
        FailureKind::Invalid,
        format!(
            "the {side} cluster {cluster} has the license {kind} ({status}): API-key remote clusters \
             need an active enterprise or trial license on both clusters"
        ),
    )
    .with_hint(
        "under ECK, give the operator an enterprise license or its trial (a Secret eck-trial-license in \
         its namespace, labelled license.k8s.elastic.co/type=enterprise_trial and annotated \
         elastic.co/eula=accepted): ECK turns a trial started by hand (POST _license/start_trial) \
         back to basic; certificate-based links (ecr connect --proxy) work on a basic license",
    ))
}

#[cfg(test)]
mod tests;
