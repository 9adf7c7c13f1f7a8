//! Reads both sides of an API-key link and makes its plans. The foundation, in this order: the
//! key made on the remote and stored for the local keystore (before the remote rolls, while its
//! pods answer), the remote's CA for the local remote cluster client, one write of the local
//! resource (keystore Secret and CA: one rolling restart), then the remote's resource (its
//! remote cluster server and that server's load balancer: one rolling restart). Once both have
//! rolled and the address is known: the settings. Once the link is proven: the keys it
//! replaced invalidated.

use std::time::Duration;

use base64::Engine as _;
use k8s_openapi::api::core::v1::Secret as SecretObject;
use kube::api::ApiResource;
use serde_json::{Value, json};

use super::{
    GIVEN_KEY_VARIABLE, KeyAccess, KeyDecision, KeyUse, REMOTE_CLUSTER_PORT, ServerExposure,
    credentials_setting, decide, eck_exposes_server, installed_key_id, keys_secret,
    own_server_service, own_server_service_name, remote_cluster_server_enabled,
    remote_cluster_server_patch, remote_cluster_service, secret_with_key_slot, server_name,
    spec_with_remote_cluster_server, spec_with_secure_settings,
};
use crate::eck::{self, EckCluster};
use crate::elasticsearch::{Elasticsearch, Secret};
use crate::error::{Failure, FailureKind, plural};
use crate::expose::{self, Address};
use crate::plan::{KeyAction, KeyCreation, KeysWrite, ObjectPlace, Plan, Write};
use crate::remote::{ProxyAddress, ProxyRemote};
use crate::trust::planner::{self as trust_planner, pause_warning, resource_write};
use crate::trust::spec::spec_with_mount;
use crate::trust::store::StoreKind;
use crate::trust::{
    CaLayer, DEFAULT_CLIENT_MOUNT_PATH, DEFAULT_CLIENT_SECRET, MountLayout, TrustedCa,
};

/// The remote end of an API-key link.
pub enum RemoteEnd {
    /// An ECK cluster: ecr turns its remote cluster server on and exposes it.
    Eck(EckCluster),
    /// A cluster ecr does not manage (outside Kubernetes, say): where its remote cluster server
    /// answers, the CA of that server's certificate, and the name to check the certificate by.
    Outside {
        address: ProxyAddress,
        ca: TrustedCa,
        server_name: Option<String>,
    },
}

/// An API-key link as asked for: `local` connects to `remote` under `alias`.
pub struct ApiKeyLink {
    pub local: EckCluster,
    pub remote: RemoteEnd,
    pub alias: String,
    pub access: KeyAccess,
    /// The new key's lifetime, as Elasticsearch reads it (`30d`); none: it never expires.
    pub expiration: Option<String>,
    /// Make a new key even when the installed one works.
    pub rotate: bool,
}

impl ApiKeyLink {
    pub fn key_use(&self) -> KeyUse {
        KeyUse {
            namespace: self.local.kube.namespace().to_string(),
            cluster: self.local.cluster.clone(),
            alias: self.alias.clone(),
        }
    }

    /// The remote's name for people: its cluster's, or else the alias.
    pub fn remote_name(&self) -> &str {
        match &self.remote {
            RemoteEnd::Eck(cluster) => &cluster.cluster,
            RemoteEnd::Outside { .. } => &self.alias,
        }
    }

    /// The remote, when ECK runs it.
    pub fn remote_cluster(&self) -> Option<&EckCluster> {
        match &self.remote {
            RemoteEnd::Eck(cluster) => Some(cluster),
            RemoteEnd::Outside { .. } => None,
        }
    }

    /// The remote's CA, as the local remote cluster client is to trust it.
    async fn remote_ca(&self) -> anyhow::Result<TrustedCa> {
        match &self.remote {
            RemoteEnd::Eck(cluster) => {
                trust_planner::ca_of_cluster(cluster, Some(&self.alias)).await
            }
            RemoteEnd::Outside { ca, .. } => Ok(ca.clone()),
        }
    }

    /// Where the local remote cluster client finds the remote's CA.
    fn client_ca_layout() -> anyhow::Result<MountLayout> {
        Ok(
            MountLayout::new(DEFAULT_CLIENT_SECRET, DEFAULT_CLIENT_MOUNT_PATH)?
                .in_layer(CaLayer::RemoteClusterClient),
        )
    }
}

/// Where a link's key comes from.
#[derive(Clone, Copy)]
pub enum KeySource<'a> {
    /// Made on the remote through its Elasticsearch, which also checks, updates and
    /// invalidates it.
    Remote(&'a Elasticsearch),
    /// Given by the operator (made by the remote's administrator): installed as it is.
    Given(&'a Secret),
}

/// Refuses before anything is written what cannot work: a version before API-key links were
/// generally available, or a license below enterprise, on either side that ecr reaches (each
/// side checks it).
pub async fn check(
    link: &ApiKeyLink,
    local_es: &Elasticsearch,
    remote_es: Option<&Elasticsearch>,
) -> anyhow::Result<()> {
    let remote = remote_es.map(|es| ("remote", link.remote_name(), es));
    for (side, cluster, es) in [("local", link.local.cluster.as_str(), local_es)]
        .into_iter()
        .chain(remote)
    {
        let version = es.info().await?.version.number;
        if !crate::elasticsearch::at_least(&version, super::MINIMUM_VERSION) {
            return Err(Failure::new(
                FailureKind::Invalid,
                format!(
                    "the {side} cluster {cluster} runs Elasticsearch {version}: API-key remote clusters \
                     need 8.14 or later"
                ),
            )
            .with_hint("upgrade it, or link the clusters by certificates: ecr connect --proxy")
            .into());
        }
        let license = es.license().await?;
        super::check_license(side, cluster, &license.kind, &license.status)?;
    }
    Ok(())
}

/// The foundation of `links` (see the module's doc), each with its remote's Elasticsearch:
/// every key first, while the remotes' pods all answer; then each local cluster's store of
/// remote CAs; then one write of each cluster's resource with all its changes, so that each
/// rolls once, whether it connects, serves, or both. Nothing when all is in place.
pub async fn plan_foundation(
    links: &[(&ApiKeyLink, KeySource<'_>)],
    now_millis: i64,
) -> anyhow::Result<Plan> {
    let mut plan = Plan::default();
    for (link, source) in links {
        let resource = eck::read_elasticsearch(&link.local.kube, &link.local.cluster).await?;
        let keystore_named = secure_settings_name(&resource, &keys_secret(&link.local.cluster));
        match source {
            KeySource::Remote(remote_es) => {
                key_changes(link, remote_es, keystore_named, now_millis, &mut plan).await?
            }
            KeySource::Given(key) => {
                plan.push(given_key_write(link, key, keystore_named).await?);
                plan.warn(format!(
                    "ecr cannot check the version and license of {}: API-key links need Elasticsearch 8.14+ \
                     and an enterprise or trial license there too",
                    link.remote_name()
                ));
            }
        }
    }
    let layout = ApiKeyLink::client_ca_layout()?;
    for (link, _) in links {
        let ca = link.remote_ca().await?;
        plan.push(
            trust_planner::store_write(&link.local, StoreKind::Secret, &layout.secret, &ca).await?,
        );
    }
    let sides = clusters_of(links.iter().map(|(link, _)| *link));
    for side in sides {
        let connects_to: Vec<&str> = links
            .iter()
            .filter(|(link, _)| link.local.same_as(side))
            .map(|(link, _)| link.remote_name())
            .collect();
        let serves = links.iter().any(|(link, _)| {
            link.remote_cluster()
                .is_some_and(|remote| remote.same_as(side))
        });
        plan_side(side, &connects_to, serves, &layout, &mut plan).await?;
    }
    Ok(plan)
}

/// Every ECK cluster of `links`, once each, in the order they come.
pub fn clusters_of<'a>(links: impl Iterator<Item = &'a ApiKeyLink>) -> Vec<&'a EckCluster> {
    let mut sides: Vec<&EckCluster> = Vec::new();
    for side in links.flat_map(|link| {
        [Some(&link.local), link.remote_cluster()]
            .into_iter()
            .flatten()
    }) {
        if !sides.iter().any(|known| known.same_as(side)) {
            sides.push(side);
        }
    }
    sides
}

/// One write of `side`'s resource: the client side of its links to `connects_to` (the
/// keystore Secret and the remotes' CAs), and the remote cluster server when it `serves`.
async fn plan_side(
    side: &EckCluster,
    connects_to: &[&str],
    serves: bool,
    layout: &MountLayout,
    plan: &mut Plan,
) -> anyhow::Result<()> {
    let resource = eck::read_elasticsearch(&side.kube, &side.cluster).await?;
    let mut spec = resource["spec"].clone();
    let mut rolled = Vec::new();
    let mut why = Vec::new();
    if !connects_to.is_empty() {
        let edit = spec_with_mount(&spec, layout, None)?;
        let with_keys = spec_with_secure_settings(&edit.spec, &keys_secret(&side.cluster));
        rolled = edit.rolled_node_sets;
        if with_keys != spec {
            why.push(format!(
                "their keystore gets the keys, and their remote cluster client trusts the CA of {} (not their transport)",
                connects_to.join(", ")
            ));
        }
        spec = with_keys;
    }
    let mut service = None;
    let mut own_service = None;
    if serves {
        let exposure = server_exposure(side, &resource).await?;
        let served = spec_with_remote_cluster_server(&spec, exposure.kind());
        if !remote_cluster_server_enabled(&spec) {
            why.push(format!(
                "they serve the remote cluster server (port {REMOTE_CLUSTER_PORT})"
            ));
        }
        match exposure {
            Exposure::Eck if served != spec => {
                service = Some(format!(
                    "ECK makes the service {} a LoadBalancer (ECK 3.3+)",
                    remote_cluster_service(&side.cluster)
                ));
            }
            Exposure::OwnToMake => own_service = Some(own_service_write(side)),
            Exposure::Eck | Exposure::OwnMade => {}
        }
        spec = served;
    }
    if !why.is_empty() {
        rolled = node_set_names(&spec);
    }
    if let Some(warning) = pause_warning(&side.cluster, &resource, &rolled, false) {
        plan.warn(warning);
    }
    let effect = side_effect(&rolled, &why, service);
    plan.push(resource_write(side, resource, spec, effect));
    if let Some(write) = own_service {
        plan.push(write);
    }
    Ok(())
}

/// How a side's remote cluster server is exposed, as planning finds it.
enum Exposure {
    /// Through ECK's service (ECK 3.3+).
    Eck,
    /// Through ecr's own Service, already made.
    OwnMade,
    /// Through ecr's own Service, to make (ECK before 3.3).
    OwnToMake,
}

impl Exposure {
    fn kind(&self) -> ServerExposure {
        match self {
            Exposure::Eck => ServerExposure::EckService,
            Exposure::OwnMade | Exposure::OwnToMake => ServerExposure::OwnService,
        }
    }
}

/// How `side` exposes its remote cluster server: through ECK's service where the installed
/// CRD has `spec.remoteClusterServer.service` (ECK 3.3+; asked by a server-side dry run),
/// else through a Service of ecr's own (kept once made, even after an upgrade of ECK).
/// Refused where ECK has no remote cluster server at all (before 2.16).
async fn server_exposure(side: &EckCluster, resource: &Value) -> anyhow::Result<Exposure> {
    if eck_exposes_server(&resource["spec"]) {
        return Ok(Exposure::Eck);
    }
    let own = own_server_service_name(&side.cluster);
    if side
        .kube
        .get_json(&service_resource(), &own)
        .await?
        .is_some()
    {
        return Ok(Exposure::OwnMade);
    }
    let patch = json!({"spec": remote_cluster_server_patch(ServerExposure::EckService)});
    let unknown = side
        .kube
        .unknown_fields(&eck::elasticsearch_resource(), &side.cluster, &patch)
        .await?;
    if unknown.is_empty() {
        Ok(Exposure::Eck)
    } else if unknown
        .iter()
        .all(|field| field.starts_with("spec.remoteClusterServer.service"))
    {
        Ok(Exposure::OwnToMake)
    } else {
        Err(Failure::new(
            FailureKind::Invalid,
            format!(
                "{} cannot serve remote clusters: the ECK that runs it knows no {} (ECK 2.16 added the remote cluster server)",
                side.cluster,
                unknown.join(", ")
            ),
        )
        .with_hint("upgrade ECK to 2.16 or later (3.3+ also makes its load balancer), then re-run the same command")
        .into())
    }
}

/// The creation of ecr's own load balancer for `side`'s remote cluster server.
fn own_service_write(side: &EckCluster) -> Write {
    Write {
        place: ObjectPlace::of(&side.kube),
        resource: service_resource(),
        after: own_server_service(&side.cluster, side.kube.namespace()),
        name: own_server_service_name(&side.cluster),
        before: None,
        effect: format!(
            "a load balancer for port {REMOTE_CLUSTER_PORT} of the pods of {}: this ECK (before 3.3) makes none",
            side.cluster
        ),
    }
}

/// The service whose load balancer reaches `remote`'s remote cluster server: ecr's own where
/// it made one, else ECK's.
pub async fn server_service(remote: &EckCluster) -> anyhow::Result<String> {
    let own = own_server_service_name(&remote.cluster);
    Ok(
        match remote
            .kube
            .get_json(&service_resource(), &own)
            .await?
            .is_some()
        {
            true => own,
            false => remote_cluster_service(&remote.cluster),
        },
    )
}

/// What a side's write sets in motion: one rolling restart, for all its reasons; the service.
fn side_effect(rolled: &[String], why: &[String], service: Option<String>) -> String {
    let roll = (!rolled.is_empty()).then(|| {
        format!(
            "ECK rolls the pods of {} {}, one at a time: {}",
            plural(rolled.len(), "nodeSet"),
            rolled.join(", "),
            why.join("; and ")
        )
    });
    let parts: Vec<String> = roll.into_iter().chain(service).collect();
    match parts.is_empty() {
        true => "no restart".into(),
        false => parts.join("; "),
    }
}

/// The key: kept, its access updated, or a new one made and stored for the local keystore.
async fn key_changes(
    link: &ApiKeyLink,
    remote_es: &Elasticsearch,
    keystore_named: bool,
    now_millis: i64,
    plan: &mut Plan,
) -> anyhow::Result<()> {
    let local = &link.local;
    let name = keys_secret(&local.cluster);
    let existing = local.kube.get_json(&secret_resource(), &name).await?;
    let installed_id = installed_key_id(existing.as_ref(), &link.alias);
    let installed = match &installed_id {
        Some(id) => remote_es.api_key(id).await?,
        None => None,
    };
    let decision = decide(
        installed_id.as_deref(),
        installed.as_ref(),
        &link.access,
        link.rotate,
        now_millis,
    );
    match decision {
        KeyDecision::Keep { .. } => {}
        KeyDecision::UpdateAccess { id } => plan.push(KeysWrite {
            cluster: remote_es.description().to_string(),
            action: KeyAction::Update {
                id,
                body: json!({"access": link.access.to_json()}),
            },
            effect: format!(
                "the key grants {} from now on; no restart",
                link.access.describe()
            ),
        }),
        KeyDecision::Create { superseded } => {
            let effect = key_effect(&local.cluster, keystore_named);
            plan.push(KeyCreation {
                cluster: remote_es.description().to_string(),
                request: link
                    .key_use()
                    .key_request(&link.access, link.expiration.as_deref()),
                store: Write {
                    place: ObjectPlace::of(&local.kube),
                    resource: secret_resource(),
                    name: name.clone(),
                    after: secret_with_key_slot(
                        existing.as_ref(),
                        local.kube.namespace(),
                        &name,
                        &link.alias,
                    ),
                    before: existing,
                    effect,
                },
                data_key: credentials_setting(&link.alias),
            });
            if let Some(old) = superseded {
                plan.then(format!(
                    "once the link is proven with the new key, the key {old} it replaces is invalidated on {}",
                    link.remote_name()
                ));
            }
        }
    }
    Ok(())
}

/// The given key in the local keystore's Secret; nothing to write when it holds it already.
async fn given_key_write(
    link: &ApiKeyLink,
    key: &Secret,
    keystore_named: bool,
) -> anyhow::Result<Write> {
    let local = &link.local;
    let given_id = super::key_id(key.expose()).ok_or_else(|| {
        Failure::new(
            FailureKind::Invalid,
            format!("{GIVEN_KEY_VARIABLE} is not an encoded API key (base64 of ID:KEY)"),
        )
        .with_hint("give the `encoded` value of the answer that made the cross-cluster key")
    })?;
    let name = keys_secret(&local.cluster);
    let existing = local.kube.get_json(&secret_resource(), &name).await?;
    let mut after = secret_with_key_slot(
        existing.as_ref(),
        local.kube.namespace(),
        &name,
        &link.alias,
    );
    after["data"][credentials_setting(&link.alias)] =
        match installed_key_id(existing.as_ref(), &link.alias) {
            Some(installed) if installed == given_id => {
                existing.as_ref().map_or(Value::Null, |secret| {
                    secret["data"][credentials_setting(&link.alias)].clone()
                })
            }
            _ => json!(base64::engine::general_purpose::STANDARD.encode(key.expose())),
        };
    Ok(Write {
        place: ObjectPlace::of(&local.kube),
        resource: secret_resource(),
        name,
        before: existing,
        after,
        effect: key_effect(&local.cluster, keystore_named),
    })
}

/// What storing a key sets in motion.
fn key_effect(cluster: &str, keystore_named: bool) -> String {
    match keystore_named {
        true => format!(
            "ECK rolls the pods of {cluster} to put the key in their keystore (it hashes secure settings into the pods)"
        ),
        false => "the keystore takes it once the resource below names this Secret".into(),
    }
}

/// Whether `spec.secureSettings` of `resource` names the Secret `name`.
fn secure_settings_name(resource: &Value, name: &str) -> bool {
    resource
        .pointer("/spec/secureSettings")
        .and_then(Value::as_array)
        .is_some_and(|sources| sources.iter().any(|source| source["secretName"] == name))
}

fn node_set_names(spec: &Value) -> Vec<String> {
    spec["nodeSets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|node_set| node_set["name"].as_str().map(str::to_string))
        .collect()
}

/// Waits (a watch) for the remote cluster server's load balancer to have an address.
async fn wait_for_server_address(
    remote: &EckCluster,
    timeout: Duration,
) -> anyhow::Result<ProxyAddress> {
    let service = server_service(remote).await?;
    match expose::wait_for_load_balancer(&remote.kube, &service, timeout).await? {
        Some(Address::LoadBalancer { host, port }) => Ok(ProxyAddress { host, port }),
        _ => Err(Failure::new(
            FailureKind::Unavailable,
            format!(
                "the service {service} in {} got no load-balancer address within {}",
                remote.kube.namespace(),
                humantime::format_duration(timeout)
            ),
        )
        .with_hint(format!(
            "check that the Kubernetes cluster provides load balancers (kubectl describe service {service} -n {}); \
             then re-run the same command: what is written stays",
            remote.kube.namespace()
        ))
        .into()),
    }
}

/// The settings that point the alias at the remote cluster server, with the name its
/// certificate carries (for an ECK remote, the name ECK gives that server's service).
pub fn proxy_remote(link: &ApiKeyLink, address: ProxyAddress) -> ProxyRemote {
    let server_name = match &link.remote {
        RemoteEnd::Eck(cluster) => Some(server_name(&cluster.cluster, cluster.kube.namespace())),
        RemoteEnd::Outside { server_name, .. } => server_name.clone(),
    };
    ProxyRemote {
        alias: link.alias.clone(),
        address,
        server_name,
        skip_unavailable: None,
        socket_connections: None,
    }
}

/// Where the link's remote cluster server answers: for an ECK remote, once its load balancer
/// has an address (a watch, up to `timeout`).
pub async fn server_address(link: &ApiKeyLink, timeout: Duration) -> anyhow::Result<ProxyAddress> {
    match &link.remote {
        RemoteEnd::Eck(cluster) => wait_for_server_address(cluster, timeout).await,
        RemoteEnd::Outside { address, .. } => Ok(address.clone()),
    }
}

/// The keys ecr made for this link that the local keystore no longer holds, still valid on
/// the remote: superseded by a rotation, or left by an interrupted run. Invalidated once the
/// link is proven with the installed key.
pub async fn plan_cleanup(
    link: &ApiKeyLink,
    remote_es: &Elasticsearch,
    now_millis: i64,
) -> anyhow::Result<Plan> {
    let existing = link
        .local
        .kube
        .get_json(&secret_resource(), &keys_secret(&link.local.cluster))
        .await?;
    let installed = installed_key_id(existing.as_ref(), &link.alias);
    let mut plan = Plan::default();
    plan.push(
        invalidation(
            &link.key_use(),
            remote_es,
            installed.as_deref(),
            now_millis,
            "the local keystore no longer holds it: nothing uses it",
        )
        .await?,
    );
    Ok(plan)
}

/// The end of an API-key link, after its settings are removed: every key ecr made for it
/// invalidated on the remote (when `remote_es` reaches it), then the key taken out of the local
/// keystore. Nothing when the keystore holds no key for `alias`.
pub async fn plan_key_removal(
    local: &EckCluster,
    alias: &str,
    remote_es: Option<&Elasticsearch>,
    now_millis: i64,
) -> anyhow::Result<Plan> {
    let name = keys_secret(&local.cluster);
    let existing = local.kube.get_json(&secret_resource(), &name).await?;
    let mut plan = Plan::default();
    let (Some(existing), Some(id)) = (
        existing.as_ref(),
        installed_key_id(existing.as_ref(), alias),
    ) else {
        return Ok(plan);
    };
    let key_use = KeyUse {
        namespace: local.kube.namespace().to_string(),
        cluster: local.cluster.clone(),
        alias: alias.to_string(),
    };
    match remote_es {
        Some(es) => plan.push(
            invalidation(
                &key_use,
                es,
                None,
                now_millis,
                "the remote no longer accepts it",
            )
            .await?,
        ),
        None => plan.warn(format!(
            "the key {id} stays valid on the remote: give --remote REMOTE (an ECK remote) or \
             --remote-es-url URL (a remote outside ECK) to invalidate it there, or invalidate it \
             yourself (DELETE /_security/api_key with {{\"ids\": [\"{id}\"]}})"
        )),
    }
    let resource = eck::read_elasticsearch(&local.kube, &local.cluster).await?;
    let effect = match secure_settings_name(&resource, &name) {
        true => format!(
            "ECK rolls the pods of {} to take the key out of their keystore",
            local.cluster
        ),
        false => "no restart: no keystore reads this Secret".into(),
    };
    plan.push(Write {
        place: ObjectPlace::of(&local.kube),
        resource: secret_resource(),
        name,
        after: super::secret_without_key(existing, alias),
        before: Some(existing.clone()),
        effect,
    });
    Ok(plan)
}

/// The invalidation of the usable keys ecr made for `key_use`, but `keep`'s.
async fn invalidation(
    key_use: &KeyUse,
    remote_es: &Elasticsearch,
    keep: Option<&str>,
    now_millis: i64,
    why: &str,
) -> anyhow::Result<KeysWrite> {
    let ids: Vec<String> = remote_es
        .api_keys_named(&key_use.key_name())
        .await?
        .into_iter()
        .filter(|key| key_use.made_for(key) && key.is_usable(now_millis))
        .filter(|key| Some(key.id.as_str()) != keep)
        .map(|key| key.id)
        .collect();
    Ok(KeysWrite {
        cluster: remote_es.description().to_string(),
        action: KeyAction::Invalidate { ids },
        effect: why.to_string(),
    })
}

fn secret_resource() -> ApiResource {
    ApiResource::erase::<SecretObject>(&())
}

fn service_resource() -> ApiResource {
    ApiResource::erase::<k8s_openapi::api::core::v1::Service>(&())
}
