//! Reads what trust needs from a cluster and turns it into a `Plan`: the store of CAs first,
//! then the Elasticsearch resource, each write conditional on the version that was read.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::ApiResource;
use serde_json::Value;

use super::spec::{spec_with_ca_config_map, spec_with_mount};
use super::store::{StoreKind, store_with, store_without};
use super::{MountLayout, TrustedCa};
use crate::eck;
use crate::error::{Failure, FailureKind};
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

/// The writes that make `truster` trust `ca`; none when it already does.
pub async fn plan_add(truster: &Truster, placement: &Placement, ca: &TrustedCa) -> anyhow::Result<Plan> {
    let resource = eck::read_elasticsearch(&truster.kube, &truster.cluster).await?;
    let mut plan = Plan::default();
    match placement.via {
        Via::SecretMount => {
            let store = &placement.layout.secret;
            plan.push(store_write(truster, StoreKind::Secret, store, ca).await?);
            let edit = spec_with_mount(&resource["spec"], &placement.layout, placement.node_sets.as_deref())?;
            plan.push(resource_write(truster, resource, edit.spec, restart_effect(&edit.rolled_node_sets)));
        }
        Via::ConfigMap => {
            let (spec, store) = spec_with_ca_config_map(&resource["spec"], &placement.layout.secret);
            plan.push(store_write(truster, StoreKind::ConfigMap, &store, ca).await?);
            plan.push(resource_write(truster, resource, spec, "no restart: ECK reads the ConfigMap".into()));
        }
    }
    Ok(plan)
}

/// The write that removes `alias`'s CA from the store; the resource is never touched.
pub async fn plan_remove(truster: &Truster, placement: &Placement, alias: &str) -> anyhow::Result<Plan> {
    let resource = eck::read_elasticsearch(&truster.kube, &truster.cluster).await?;
    let (kind, store) = match placement.via {
        Via::SecretMount => (StoreKind::Secret, placement.layout.secret.clone()),
        Via::ConfigMap => (StoreKind::ConfigMap, spec_with_ca_config_map(&resource["spec"], &placement.layout.secret).1),
    };
    let api_resource = store_resource(kind);
    let Some(existing) = truster.kube.get_json(&api_resource, &store).await? else {
        return Err(Failure::new(
            FailureKind::NotFound,
            format!("there is no {} {store} in {}: {} trusts no remote CA there", api_resource.kind, truster.kube.namespace(), truster.cluster),
        )
        .into());
    };
    let after = store_without(&existing, kind, alias)?;
    let mut plan = Plan::default();
    plan.push(Write {
        kube: truster.kube.clone(),
        name: store,
        resource: api_resource,
        before: Some(existing),
        after,
        effect: no_restart(kind).into(),
    });
    Ok(plan)
}

async fn store_write(truster: &Truster, kind: StoreKind, name: &str, ca: &TrustedCa) -> anyhow::Result<Write> {
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
