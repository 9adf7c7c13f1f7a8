//! The whole recipe between two ECK clusters in one plan: trust both ways and exposure, with
//! at most one write of each Elasticsearch resource; then, once the addresses exist, the links.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Service;

use crate::connect;
use crate::eck;
use crate::eck::EckCluster;
use crate::elasticsearch::Elasticsearch;
use crate::expose::{self, Address, Exposure, ServiceType};
use crate::plan::Plan;
use crate::remote::{ProxyAddress, ProxyRemote};
use crate::trust::TrustedCa;
use crate::trust::planner::{self, Placement};
use crate::trust::spec::spec_with_mount;
use crate::trust::store::StoreKind;

/// The two sides of a link; `one_way`: only `local` connects to `remote`.
pub struct Link {
    pub local: EckCluster,
    pub remote: EckCluster,
    pub one_way: bool,
}

impl Link {
    /// The sides that must be exposed: the remote, and the local one unless one-way.
    pub fn exposed(&self) -> Vec<&EckCluster> {
        if self.one_way {
            vec![&self.remote]
        } else {
            vec![&self.local, &self.remote]
        }
    }
}

/// Trust both ways (TLS needs it on both sides even one-way) and exposure: for each cluster,
/// its store of CAs first, then one write of its resource holding every spec change.
pub async fn plan_foundation(link: &Link, placement: &Placement) -> anyhow::Result<Plan> {
    let local_ca = planner::ca_of_cluster(&link.local, None).await?;
    let remote_ca = planner::ca_of_cluster(&link.remote, None).await?;
    let mut plan = side_plan(&link.local, &remote_ca, !link.one_way, placement).await?;
    plan.append(side_plan(&link.remote, &local_ca, true, placement).await?);
    Ok(plan)
}

async fn side_plan(
    side: &EckCluster,
    trusted: &TrustedCa,
    exposed: bool,
    placement: &Placement,
) -> anyhow::Result<Plan> {
    let resource = eck::read_elasticsearch(&side.kube, &side.cluster).await?;
    let mut plan = Plan::default();
    plan.push(
        planner::store_write(side, StoreKind::Secret, &placement.layout.secret, trusted).await?,
    );
    let edit = spec_with_mount(
        &resource["spec"],
        &placement.layout,
        placement.node_sets.as_deref(),
    )?;
    if let Some(warning) =
        planner::pause_warning(&side.cluster, &resource, &edit.rolled_node_sets, false)
    {
        plan.warn(warning);
    }
    let mut spec = edit.spec;
    let mut effect = planner::restart_effect(&edit.rolled_node_sets);
    if exposed {
        let exposure = load_balancer();
        let before = spec.clone();
        spec = expose::spec_exposed(&spec, &exposure);
        if spec != before {
            effect.push_str("; ECK recreates the transport service as a LoadBalancer");
        }
    }
    plan.push(planner::resource_write(side, resource, spec, effect));
    Ok(plan)
}

fn load_balancer() -> Exposure {
    Exposure {
        service_type: ServiceType::LoadBalancer,
        annotations: Default::default(),
    }
}

/// Waits (a watch) for a side's transport load balancer to have an address.
pub async fn wait_for_address(
    side: &EckCluster,
    timeout: Duration,
) -> anyhow::Result<ProxyAddress> {
    let service = eck::transport_service(&side.cluster);
    let ready = |service: Option<&Service>| {
        service
            .and_then(|s| expose::address_of(s, ServiceType::LoadBalancer))
            .is_some()
    };
    let found = side
        .kube
        .wait_for::<Service>(&service, timeout, ready)
        .await?;
    match found.and_then(|service| expose::address_of(&service, ServiceType::LoadBalancer)) {
        Some(Address::LoadBalancer { host, port }) => Ok(ProxyAddress { host, port }),
        _ => Err(expose::timed_out(
            &side.kube,
            &side.cluster,
            &load_balancer(),
            &humantime::format_duration(timeout).to_string(),
        )
        .into()),
    }
}

/// A proxy remote named after the cluster it points at.
pub fn remote_at(target: &EckCluster, address: ProxyAddress) -> ProxyRemote {
    ProxyRemote {
        alias: target.cluster.clone(),
        address,
        server_name: None,
        skip_unavailable: None,
        socket_connections: None,
    }
}

/// The settings changes of every direction, once the addresses are known.
pub async fn plan_links(directions: &[(Arc<Elasticsearch>, ProxyRemote)]) -> anyhow::Result<Plan> {
    let mut plan = Plan::default();
    for (es, remote) in directions {
        plan.append(connect::plan_connect(es, remote).await?);
    }
    Ok(plan)
}
