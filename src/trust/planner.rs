//! Reads what trust needs from a cluster and turns it into a `Plan`: the store of CAs first,
//! then the Elasticsearch resource, each write conditional on the version that was read.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::ApiResource;
use serde_json::Value;

use super::spec::{node_sets_trusting, spec_with_ca_config_map, spec_with_mount};
use super::store::{StoreKind, store_with, store_without, trusted_cas};
use super::{MountLayout, TrustedCa};
use crate::certs;
use crate::eck;
use crate::k8s::Kube;
use crate::plan::{Plan, Write};

/// How a cluster is made to trust remote CAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
    /// A secret mounted into every selected nodeSet, listed in certificate_authorities
    /// (ECK's documented recipe; the first time rolls the pods)
    SecretMount,
    /// A ConfigMap named in spec.transport.tls.certificateAuthorities (ECK 2.8+; no restart ever)
    ConfigMap,
}

/// The cluster that trusts, on its kube connection.
#[derive(Clone)]
pub struct Truster {
    pub kube: Kube,
    pub cluster: String,
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
}

/// The writes that make `truster` trust `ca`; none when it already does.
pub async fn plan_add(
    truster: &Truster,
    placement: &Placement,
    ca: &TrustedCa,
) -> anyhow::Result<Plan> {
    let resource = eck::read_elasticsearch(&truster.kube, &truster.cluster).await?;
    let mut plan = Plan::default();
    if let Some(annotation) = eck::paused(&resource) {
        plan.warn(format!(
            "{} carries {annotation}: ECK stores these changes but acts on them only once it is removed",
            truster.cluster
        ));
    }
    match placement.via {
        Via::SecretMount => {
            let store = &placement.layout.secret;
            plan.push(store_write(truster, StoreKind::Secret, store, ca).await?);
            let edit = spec_with_mount(
                &resource["spec"],
                &placement.layout,
                placement.node_sets.as_deref(),
            )?;
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

/// The write that removes `alias`'s CA from the store; the resource is never touched.
/// Nothing to write when the store does not hold it (any more).
pub async fn plan_remove(
    truster: &Truster,
    placement: &Placement,
    alias: &str,
) -> anyhow::Result<Plan> {
    let (kind, name, existing) = read_store(truster, placement).await?;
    let mut plan = Plan::default();
    let Some(existing) =
        existing.filter(|store| trusted_cas(store, kind).iter().any(|ca| ca.alias == alias))
    else {
        return Ok(plan);
    };
    plan.push(Write {
        kube: truster.kube.clone(),
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
    truster: &Truster,
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

/// SHA-256 fingerprints of the certificates a cluster really loads through ecr's store: none
/// in secret-mount mode unless every nodeSet mounts and lists the bundle.
pub async fn trusted_fingerprints(
    truster: &Truster,
    placement: &Placement,
) -> anyhow::Result<Vec<String>> {
    if placement.via == Via::SecretMount {
        let resource = eck::read_elasticsearch(&truster.kube, &truster.cluster).await?;
        if !node_sets_trusting(&resource["spec"], &placement.layout)
            .iter()
            .all(|(_, trusting)| *trusting)
        {
            return Ok(Vec::new());
        }
    }
    let (kind, _, existing) = read_store(truster, placement).await?;
    let cas = existing
        .map(|store| trusted_cas(&store, kind))
        .unwrap_or_default();
    Ok(cas
        .iter()
        .flat_map(|ca| certs::parse_bundle(ca.pem.as_bytes()).unwrap_or_default())
        .map(|certificate| certificate.sha256_fingerprint)
        .collect())
}

/// The CAs a cluster trusts through ecr's store, with the store's `Kind/name`.
pub async fn trusted_store(
    truster: &Truster,
    placement: &Placement,
) -> anyhow::Result<(String, Vec<TrustedCa>)> {
    let (kind, name, existing) = read_store(truster, placement).await?;
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
    truster: &Truster,
    placement: &Placement,
) -> anyhow::Result<(StoreKind, String, Option<Value>)> {
    let (kind, name) = match placement.via {
        Via::SecretMount => (StoreKind::Secret, placement.layout.secret.clone()),
        Via::ConfigMap => {
            let resource = eck::read_elasticsearch(&truster.kube, &truster.cluster).await?;
            (
                StoreKind::ConfigMap,
                spec_with_ca_config_map(&resource["spec"], &placement.layout.secret).1,
            )
        }
    };
    let existing = truster.kube.get_json(&store_resource(kind), &name).await?;
    Ok((kind, name, existing))
}

async fn store_write(
    truster: &Truster,
    kind: StoreKind,
    name: &str,
    ca: &TrustedCa,
) -> anyhow::Result<Write> {
    let resource = store_resource(kind);
    let before = truster.kube.get_json(&resource, name).await?;
    let after = store_with(before.as_ref(), kind, truster.kube.namespace(), name, ca)?;
    Ok(Write {
        kube: truster.kube.clone(),
        resource,
        name: name.to_string(),
        before,
        after,
        effect: no_restart(kind).into(),
    })
}

fn resource_write(truster: &Truster, before: Value, spec: Value, effect: String) -> Write {
    let mut after = before.clone();
    after["spec"] = spec;
    Write {
        kube: truster.kube.clone(),
        resource: eck::elasticsearch_resource(),
        name: truster.cluster.clone(),
        before: Some(before),
        after,
        effect,
    }
}

fn store_resource(kind: StoreKind) -> ApiResource {
    match kind {
        StoreKind::Secret => ApiResource::erase::<Secret>(&()),
        StoreKind::ConfigMap => ApiResource::erase::<ConfigMap>(&()),
    }
}

fn no_restart(kind: StoreKind) -> &'static str {
    match kind {
        StoreKind::Secret => "no restart: Elasticsearch reloads CA files when they change",
        StoreKind::ConfigMap => "no restart: ECK adds these CAs to the transport trust",
    }
}

/// What ECK does after a nodeSet's config or podTemplate changes.
fn restart_effect(rolled_node_sets: &[String]) -> String {
    if rolled_node_sets.is_empty() {
        "no restart".into()
    } else {
        format!(
            "ECK will roll the pods of nodeSet(s) {}, one at a time (only this first time: later trust changes touch only the secret)",
            rolled_node_sets.join(", ")
        )
    }
}
