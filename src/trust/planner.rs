//! Reads what trust needs from the clusters and turns it into a `Plan`: the store of CAs first,
//! then the Elasticsearch resource (never for sync), each write conditional on the version read.

use std::collections::BTreeSet;
use std::path::Path;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::ApiResource;
use serde_json::Value;

use super::spec::{layouts_in_place, node_sets_trusting, spec_with_ca_config_map, spec_with_mount};
use super::store::{StoreKind, store_with, store_without, trusted_cas};
use super::sync::{CurrentCas, SyncRules, store_synced};
use super::{CaOrigin, MANAGED_BY, MountLayout, TrustedCa};
use crate::certs;
use crate::eck::{self, EckCluster, TransportCa};
use crate::error::{Failure, FailureKind, plural};
use crate::k8s::{Kube, Location, SideFlags};
use crate::plan::{ObjectPlace, Plan, Write};

/// How a cluster is made to trust remote CAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
    /// A secret mounted into every selected nodeSet, listed in certificate_authorities
    /// (ECK's documented recipe; the first time rolls the pods)
    SecretMount,
    /// A ConfigMap named in spec.transport.tls.certificateAuthorities (ECK 2.8+; no restart ever)
    ConfigMap,
}

/// Where the CAs are kept and which nodeSets load them.
#[derive(Debug, Clone)]
pub struct Placement {
    pub via: Via,
    pub layout: MountLayout,
    /// `None`: every nodeSet.
    pub node_sets: Option<Vec<String>>,
}

impl Placement {
    /// The default secret (or ConfigMap) and mount path, on every nodeSet.
    pub fn default_for(via: Via) -> anyhow::Result<Self> {
        Ok(Placement {
            via,
            layout: MountLayout::new(super::DEFAULT_SECRET, super::DEFAULT_MOUNT_PATH)?,
            node_sets: None,
        })
    }

    /// Every place a cluster with this spec may keep trusted CAs: each secret its nodeSets
    /// mount as ecr does, whatever its name (the default secret when none is mounted yet: it
    /// may hold CAs waiting for their mount), and the ConfigMap for ECK.
    pub fn all_in_place(spec: &Value) -> anyhow::Result<Vec<Self>> {
        let mut placements: Vec<Self> = layouts_in_place(spec)
            .into_iter()
            .map(|layout| Placement {
                via: Via::SecretMount,
                layout,
                node_sets: None,
            })
            .collect();
        if placements.is_empty() {
            placements.push(Self::default_for(Via::SecretMount)?);
        }
        placements.push(Self::default_for(Via::ConfigMap)?);
        Ok(placements)
    }
}

/// The own transport CA of an ECK-managed cluster (not the CAs it trusts), with where it
/// came from.
pub async fn ca_of_cluster(cluster: &EckCluster, alias: Option<&str>) -> anyhow::Result<TrustedCa> {
    let transport_ca = eck::read_transport_ca(&cluster.kube, &cluster.cluster).await?;
    let alias = alias.unwrap_or(&cluster.cluster).to_string();
    super::validate_alias(&alias)?;
    Ok(TrustedCa {
        alias,
        source: CaOrigin {
            context: cluster.kube.server().context.clone(),
            namespace: Some(transport_ca.namespace.clone()),
            cluster: Some(transport_ca.cluster.clone()),
            file: None,
            sha256: transport_ca.certificates[0].sha256_fingerprint.clone(),
        },
        pem: transport_ca.own_ca_pem(),
    })
}

/// The CA of a cluster outside Kubernetes, from a PEM file.
pub fn ca_of_file(path: &Path, alias: &str) -> anyhow::Result<TrustedCa> {
    super::validate_alias(alias)?;
    let bytes = std::fs::read(path).map_err(|error| {
        Failure::new(
            FailureKind::NotFound,
            format!("cannot read the CA file {}: {error}", path.display()),
        )
    })?;
    let certificates = certs::parse_bundle(&bytes).map_err(|error| {
        Failure::new(
            FailureKind::Invalid,
            format!(
                "the CA file {} is not PEM certificates: {error}",
                path.display()
            ),
        )
    })?;
    let pem = String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            FailureKind::Invalid,
            format!("the CA file {} is not text", path.display()),
        )
    })?;
    let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(TrustedCa {
        alias: alias.to_string(),
        source: CaOrigin {
            context: None,
            namespace: None,
            cluster: None,
            file: Some(file.display().to_string()),
            sha256: certificates[0].sha256_fingerprint.clone(),
        },
        pem,
    })
}

/// The writes that make `truster` trust `ca`; none when it already does.
pub async fn plan_add(
    truster: &EckCluster,
    placement: &Placement,
    ca: &TrustedCa,
) -> anyhow::Result<Plan> {
    let resource = eck::read_elasticsearch(&truster.kube, &truster.cluster).await?;
    let mut plan = Plan::default();
    match placement.via {
        Via::SecretMount => {
            let store = &placement.layout.secret;
            plan.push(store_write(truster, StoreKind::Secret, store, ca).await?);
            let edit = spec_with_mount(
                &resource["spec"],
                &placement.layout,
                placement.node_sets.as_deref(),
            )?;
            if let Some(warning) =
                pause_warning(&truster.cluster, &resource, &edit.rolled_node_sets, false)
            {
                plan.warn(warning);
            }
            plan.push(resource_write(
                truster,
                resource,
                edit.spec,
                restart_effect(&edit.rolled_node_sets),
            ));
        }
        Via::ConfigMap => {
            let (spec, store) =
                spec_with_ca_config_map(&resource["spec"], &placement.layout.secret);
            if let Some(warning) = pause_warning(&truster.cluster, &resource, &[], true) {
                plan.warn(warning);
            }
            plan.push(store_write(truster, StoreKind::ConfigMap, &store, ca).await?);
            plan.push(resource_write(
                truster,
                resource,
                spec,
                "no restart: ECK reads the ConfigMap".into(),
            ));
        }
    }
    Ok(plan)
}

/// What a pause annotation on `resource` holds back of a trust change, when it matters: with
/// `pause-orchestration` ECK still reconciles certificates and the ConfigMap of CAs, and a
/// mounted secret's data reaches the pods without ECK, so only nodeSets to roll wait; with
/// `managed: "false"` ECK also ignores the ConfigMap (`via_eck`).
pub(crate) fn pause_warning(
    cluster: &str,
    resource: &Value,
    rolled_node_sets: &[String],
    via_eck: bool,
) -> Option<String> {
    let paused = eck::paused(resource)?;
    let annotation = paused.annotation();
    if !rolled_node_sets.is_empty() {
        return Some(format!(
            "{cluster} carries {annotation}: ECK rolls no pods while it is there, so the nodes of {} {} load the new CA file only once it is removed",
            plural(rolled_node_sets.len(), "nodeSet"),
            rolled_node_sets.join(", ")
        ));
    }
    (via_eck && paused == eck::Paused::Unmanaged).then(|| {
        format!(
            "{cluster} carries {annotation}: ECK reads the ConfigMap of CAs only once it is removed"
        )
    })
}

/// The write that removes `alias`'s CA from the store; the resource is never touched.
/// Nothing to write when the store does not hold it (any more).
pub async fn plan_remove(
    truster: &EckCluster,
    placement: &Placement,
    alias: &str,
) -> anyhow::Result<Plan> {
    // The store is named per namespace, but the cluster must exist: a typo must not edit it.
    eck::read_elasticsearch(&truster.kube, &truster.cluster).await?;
    let (kind, name, existing) = read_store(truster, placement).await?;
    let mut plan = Plan::default();
    let Some(existing) =
        existing.filter(|store| trusted_cas(store, kind).iter().any(|ca| ca.alias == alias))
    else {
        return Ok(plan);
    };
    plan.push(Write {
        place: ObjectPlace::of(&truster.kube),
        resource: store_resource(kind),
        name,
        after: store_without(&existing, kind, alias)?,
        before: Some(existing),
        effect: no_restart(kind).into(),
    });
    Ok(plan)
}

/// The aliases of the CAs a cluster trusts through ecr's store.
pub async fn trusted_aliases(
    truster: &EckCluster,
    placement: &Placement,
) -> anyhow::Result<Vec<String>> {
    let (kind, _, existing) = read_store(truster, placement).await?;
    Ok(existing
        .map(|store| {
            trusted_cas(&store, kind)
                .into_iter()
                .map(|ca| ca.alias)
                .collect()
        })
        .unwrap_or_default())
}

/// The SHA-256 fingerprints of every CA `truster` loads through ecr's stores, wherever they
/// are (every place [`Placement::all_in_place`] finds in its spec). A secret counts only when
/// every nodeSet mounts it: a node without it does not trust those CAs.
pub async fn loaded_fingerprints(truster: &EckCluster) -> anyhow::Result<Vec<String>> {
    let resource = eck::read_elasticsearch(&truster.kube, &truster.cluster).await?;
    let spec = &resource["spec"];
    let mut fingerprints = Vec::new();
    for placement in Placement::all_in_place(spec)? {
        let mounted_everywhere = || {
            node_sets_trusting(spec, &placement.layout)
                .iter()
                .all(|(_, trusting)| *trusting)
        };
        if placement.via == Via::SecretMount && !mounted_everywhere() {
            continue;
        }
        let (_, cas) = trusted_store(truster, spec, &placement).await?;
        fingerprints.extend(
            cas.iter()
                .flat_map(|ca| certs::parse_bundle(ca.pem.as_bytes()).unwrap_or_default())
                .map(|certificate| certificate.sha256_fingerprint),
        );
    }
    Ok(fingerprints)
}

/// The CAs a cluster with this `spec` trusts through ecr's store, with the store's
/// `Kind/name`.
pub async fn trusted_store(
    truster: &EckCluster,
    spec: &Value,
    placement: &Placement,
) -> anyhow::Result<(String, Vec<TrustedCa>)> {
    let (kind, name) = store_name_in(spec, placement);
    let existing = truster.kube.get_json(&store_resource(kind), &name).await?;
    let label = format!("{}/{name}", store_resource(kind).kind);
    Ok((
        label,
        existing
            .map(|store| trusted_cas(&store, kind))
            .unwrap_or_default(),
    ))
}

/// The store a cluster reads its trusted CAs from: kind, name, and the object if it exists.
async fn read_store(
    truster: &EckCluster,
    placement: &Placement,
) -> anyhow::Result<(StoreKind, String, Option<Value>)> {
    let (kind, name) = store_name(truster, placement).await?;
    let existing = truster.kube.get_json(&store_resource(kind), &name).await?;
    Ok((kind, name, existing))
}

/// The kind and name of the store a cluster reads its trusted CAs from.
pub(crate) async fn store_name(
    truster: &EckCluster,
    placement: &Placement,
) -> anyhow::Result<(StoreKind, String)> {
    // Read even when the store's name does not depend on it: a cluster that does not exist is
    // then named as such (with the names that do), not reported as a missing store.
    let resource = eck::read_elasticsearch(&truster.kube, &truster.cluster).await?;
    Ok(store_name_in(&resource["spec"], placement))
}

/// The kind and name of the store of a cluster with this `spec` (a ConfigMap already named
/// there is kept).
fn store_name_in(spec: &Value, placement: &Placement) -> (StoreKind, String) {
    match placement.via {
        Via::SecretMount => (StoreKind::Secret, placement.layout.secret.clone()),
        Via::ConfigMap => (
            StoreKind::ConfigMap,
            spec_with_ca_config_map(spec, &placement.layout.secret).1,
        ),
    }
}

pub(crate) async fn store_write(
    truster: &EckCluster,
    kind: StoreKind,
    name: &str,
    ca: &TrustedCa,
) -> anyhow::Result<Write> {
    let resource = store_resource(kind);
    let before = truster.kube.get_json(&resource, name).await?;
    let after = store_with(before.as_ref(), kind, truster.kube.namespace(), name, ca)?;
    Ok(Write {
        place: ObjectPlace::of(&truster.kube),
        resource,
        name: name.to_string(),
        before,
        after,
        effect: no_restart(kind).into(),
    })
}

pub(crate) fn resource_write(
    truster: &EckCluster,
    before: Value,
    spec: Value,
    effect: String,
) -> Write {
    let mut after = before.clone();
    after["spec"] = spec;
    Write {
        place: ObjectPlace::of(&truster.kube),
        resource: eck::elasticsearch_resource(),
        name: truster.cluster.clone(),
        before: Some(before),
        after,
        effect,
    }
}

pub(crate) fn store_resource(kind: StoreKind) -> ApiResource {
    match kind {
        StoreKind::Secret => ApiResource::erase::<Secret>(&()),
        StoreKind::ConfigMap => ApiResource::erase::<ConfigMap>(&()),
    }
}

pub(crate) fn no_restart(kind: StoreKind) -> &'static str {
    match kind {
        StoreKind::Secret => "no restart: Elasticsearch reloads CA files when they change",
        StoreKind::ConfigMap => "no restart: ECK adds these CAs to the transport trust",
    }
}

/// What ECK does after a nodeSet's config or podTemplate changes.
pub(crate) fn restart_effect(rolled_node_sets: &[String]) -> String {
    if rolled_node_sets.is_empty() {
        "no restart".into()
    } else {
        format!(
            "ECK will roll the pods of {} {}, one at a time (only this first time: later trust changes touch only the secret)",
            plural(rolled_node_sets.len(), "nodeSet"),
            rolled_node_sets.join(", ")
        )
    }
}

/// A store of trusted CAs: its kind and name, on a kube connection in its namespace.
#[derive(Clone)]
pub struct StoreLocation {
    pub kube: Kube,
    pub kind: StoreKind,
    pub name: String,
}

impl StoreLocation {
    /// `Secret ns-one/remote-certs`.
    pub fn describe(&self) -> String {
        format!("{:?} {}/{}", self.kind, self.kube.namespace(), self.name)
    }

    async fn read(&self) -> anyhow::Result<Option<Value>> {
        self.kube
            .get_json(&store_resource(self.kind), &self.name)
            .await
    }
}

/// The store `truster` reads its trusted CAs from; a failure naming it when it does not exist.
pub async fn store_of(
    truster: &EckCluster,
    placement: &Placement,
) -> anyhow::Result<StoreLocation> {
    let (kind, name) = store_name(truster, placement).await?;
    let store = StoreLocation {
        kube: truster.kube.clone(),
        kind,
        name,
    };
    if store.read().await?.is_none() {
        return Err(Failure::new(
            FailureKind::NotFound,
            format!(
                "{} trusts nothing through ecr: the {} does not exist",
                truster.cluster,
                store.describe()
            ),
        )
        .with_hint(
            "trust a remote first (ecr trust add), or name the store with --secret and --via",
        )
        .into());
    }
    Ok(store)
}

/// Every store labelled `app.kubernetes.io/managed-by=ecr` in every namespace `kube` may
/// list, and a warning for each namespace whose stores cannot be listed.
pub async fn labelled_stores(kube: &Kube) -> (Vec<StoreLocation>, Vec<String>) {
    let mut namespaces = kube.namespace_names().await;
    let mut warnings = Vec::new();
    if namespaces.is_empty() {
        warnings.push(format!(
            "cannot list the namespaces: looking in {} only",
            kube.namespace()
        ));
        namespaces.push(kube.namespace().to_string());
    }
    let mut stores = Vec::new();
    let selector = format!("{}={}", MANAGED_BY.0, MANAGED_BY.1);
    for namespace in namespaces {
        for kind in [StoreKind::Secret, StoreKind::ConfigMap] {
            match stores_in(kube, &namespace, kind, &selector).await {
                Ok(found) => stores.extend(found),
                Err(error) => warnings.push(format!("skipping {namespace}: {error:#}")),
            }
        }
    }
    (stores, warnings)
}

async fn stores_in(
    kube: &Kube,
    namespace: &str,
    kind: StoreKind,
    selector: &str,
) -> anyhow::Result<Vec<StoreLocation>> {
    let kube = kube.in_namespace(namespace)?;
    let objects = kube
        .list_labelled_json(&store_resource(kind), selector)
        .await?;
    Ok(objects
        .iter()
        .filter_map(|object| object["metadata"]["name"].as_str())
        .map(|name| StoreLocation {
            kube: kube.clone(),
            kind,
            name: name.to_string(),
        })
        .collect())
}

/// The transport CA bundle `source` names, as it is now: read where `source` places it beside
/// `base` (`Location::remote`). `None` for a CA file.
pub async fn current_source_ca(
    base: &Location,
    source: &CaOrigin,
) -> anyhow::Result<Option<TransportCa>> {
    match source_cluster(base, source).await? {
        Some(cluster) => Ok(Some(
            eck::read_transport_ca(&cluster.kube, &cluster.cluster).await?,
        )),
        None => Ok(None),
    }
}

/// The ECK cluster a CA was copied from, on a connection where its recorded context and
/// namespace place it beside `base` (`Location::remote`). `None` for a CA file.
pub async fn source_cluster(
    base: &Location,
    source: &CaOrigin,
) -> anyhow::Result<Option<EckCluster>> {
    let Some(cluster) = &source.cluster else {
        return Ok(None);
    };
    let target = base.remote(SideFlags {
        context: source.context.as_deref(),
        namespace: source.namespace.as_deref(),
    });
    Ok(Some(EckCluster {
        kube: Kube::connect(&target).await?,
        cluster: cluster.clone(),
    }))
}

/// What the sources of these stores hold now, each read once, and a problem named for each
/// source that cannot be read (its aliases are then left as they are). With
/// `ignore_recorded_contexts` (ecr in a pod) every source is read in `base`'s context.
pub async fn read_sources(
    base: &Location,
    stores: &[StoreLocation],
    ignore_recorded_contexts: bool,
) -> anyhow::Result<(CurrentCas, Vec<String>)> {
    let mut current = CurrentCas::default();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for store in stores {
        let Some(existing) = store.read().await? else {
            continue;
        };
        for trusted in trusted_cas(&existing, store.kind) {
            if !seen.insert(trusted.source.place()) {
                continue;
            }
            let mut read_as = trusted.source.clone();
            if ignore_recorded_contexts {
                read_as.context = None;
            }
            match current_source_ca(base, &read_as).await {
                Ok(Some(now)) => current.insert(&trusted.source, now.pem),
                Ok(None) => {}
                Err(error) => problems.push(format!(
                    "cannot read the source of {} in the {}, {}: {error:#}",
                    trusted.alias,
                    store.describe(),
                    describe_source(&trusted.source)
                )),
            }
        }
    }
    Ok((current, problems))
}

/// `cluster-two in ns-two (context sandbox-two)`.
fn describe_source(source: &CaOrigin) -> String {
    let mut text = format!(
        "cluster {} in {}",
        source.cluster.as_deref().unwrap_or_default(),
        source
            .namespace
            .as_deref()
            .unwrap_or("the default namespace")
    );
    if let Some(context) = &source.context {
        text.push_str(&format!(" (context {context})"));
    }
    text
}

/// The writes that bring each store's CAs in line with `current`; none when they are.
pub async fn plan_sync(
    stores: &[StoreLocation],
    current: &CurrentCas,
    rules: &SyncRules,
) -> anyhow::Result<Plan> {
    let mut plan = Plan::default();
    for store in stores {
        let Some(existing) = store.read().await? else {
            continue;
        };
        plan.push(Write {
            place: ObjectPlace::of(&store.kube),
            resource: store_resource(store.kind),
            name: store.name.clone(),
            after: store_synced(&existing, store.kind, current, rules)?,
            before: Some(existing),
            effect: no_restart(store.kind).into(),
        });
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn annotated(annotations: Value) -> Value {
        json!({"metadata": {"annotations": annotations}})
    }

    #[test]
    fn a_pause_is_mentioned_only_where_it_holds_something_back() {
        let paused = annotated(json!({"eck.k8s.elastic.co/pause-orchestration": "true"}));
        let unmanaged = annotated(json!({"eck.k8s.elastic.co/managed": "false"}));
        let rolled = ["hot".to_string()];
        for (resource, rolled, via_eck, warned) in [
            (&paused, &rolled[..], false, true),
            (&paused, &[][..], false, false),
            (&paused, &[][..], true, false),
            (&unmanaged, &rolled[..], false, true),
            (&unmanaged, &[][..], false, false),
            (&unmanaged, &[][..], true, true),
            (&annotated(json!({})), &rolled[..], true, false),
        ] {
            let warning = pause_warning("one", resource, rolled, via_eck);
            assert_eq!(warning.is_some(), warned, "{resource} {rolled:?} {via_eck}");
        }
        assert_eq!(
            pause_warning("one", &paused, &rolled, false).unwrap(),
            "one carries eck.k8s.elastic.co/pause-orchestration: \"true\": ECK rolls no pods while it is there, \
             so the nodes of nodeSet hot load the new CA file only once it is removed"
        );
    }
}
