//! The whole recipe between two ECK clusters in one plan: trust both ways and exposure, with
//! at most one write of each Elasticsearch resource; then, once the addresses exist, the links.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::connect;
use crate::eck;
use crate::eck::EckCluster;
use crate::elasticsearch::Elasticsearch;
use crate::error::{Failure, FailureKind};
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

/// The checks `connect` runs before it writes ([`connect::check_connect`]), for each direction
/// setup connects: a refusal stops setup before anything is written; warnings go in the plan.
pub async fn check_links(link: &Link) -> anyhow::Result<Vec<String>> {
    let mut warnings = connect::check_connect(&link.local, &link.remote.cluster).await?;
    if !link.one_way {
        warnings.extend(connect::check_connect(&link.remote, &link.local.cluster).await?);
    }
    Ok(warnings)
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
    match expose::wait_for_load_balancer(&side.kube, &service, timeout).await? {
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

/// How far a cluster's rolling restart is: pods restarted and running of all pods, from the
/// resource's status (ECK lists the pods still to restart in
/// `status.inProgressOperations.upgrade.nodes`, `reconcile/status.go`); `None` once ECK has
/// acted on the current spec, is `Ready`, and counts every pod available. ECK says `Ready` as
/// soon as no pod is left to restart, while the last one may still be starting
/// (`availableNodes`, `omitempty`, counts the Ready ones, `reconcile/state.go`): on real nodes
/// ecr went on to a pod that did not answer for two minutes.
pub fn roll_progress(resource: &Value) -> Option<(u64, u64)> {
    let total: u64 = resource
        .pointer("/spec/nodeSets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|node_set| node_set["count"].as_u64())
        .sum();
    let waiting = resource
        .pointer("/status/inProgressOperations/upgrade/nodes")
        .and_then(Value::as_array)
        .map_or(0, |nodes| nodes.len() as u64);
    let generation = resource
        .pointer("/metadata/generation")
        .and_then(Value::as_i64);
    let observed = resource
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64);
    // An ECK that does not record the generation it acted on is taken at its phase.
    let acted_on = match (observed, generation) {
        (Some(observed), Some(generation)) => observed >= generation,
        _ => true,
    };
    let ready = resource.pointer("/status/phase").and_then(Value::as_str) == Some("Ready");
    let available = resource
        .pointer("/status/availableNodes")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    match acted_on && ready && waiting == 0 && available >= total {
        true => None,
        false => Some((total.saturating_sub(waiting).min(available), total)),
    }
}

/// What a wait for a roll says: `cluster-one: pods updated 1 of 3`.
pub fn describe_roll(cluster: &str, progress: Option<(u64, u64)>) -> String {
    match progress {
        Some((updated, total)) => format!(
            "waiting for ECK to restart the pods of {cluster} with the new trust: pods updated {updated} of {total}"
        ),
        None => format!("{cluster} runs the new trust"),
    }
}

/// Waits (a watch) until ECK has rolled a side's pods onto its current spec, saying how far
/// it is on `progress`; `Err` says how far it got when the time ran out.
pub async fn wait_for_roll(
    side: &EckCluster,
    timeout: Duration,
    progress: impl Fn(String),
) -> anyhow::Result<()> {
    let last = std::sync::Mutex::new(None);
    let done = |resource: Option<&Value>| {
        let Some(resource) = resource else {
            return false;
        };
        let now = roll_progress(resource);
        progress(describe_roll(&side.cluster, now));
        *last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(now);
        now.is_none()
    };
    let found = side
        .kube
        .wait_for_json(&eck::elasticsearch_resource(), &side.cluster, timeout, done)
        .await?;
    if found.is_some() {
        return Ok(());
    }
    let progress = last
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .flatten();
    let how_far = match progress {
        Some((updated, total)) => format!(" (pods updated {updated} of {total})"),
        None => String::new(),
    };
    Err(Failure::new(
        FailureKind::Unavailable,
        format!(
            "{} is still restarting its pods after {}{how_far}",
            side.cluster,
            humantime::format_duration(timeout)
        ),
    )
    .with_hint(
        "a rolling restart takes minutes per pod on real clusters; what is written stays: re-run \
         the same ecr command to resume (it writes nothing more, waits for the rest and proves \
         the links), with a longer --roll-timeout if need be",
    )
    .into())
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resource(phase: &str, observed: i64, waiting: &[&str], available: u64) -> Value {
        let nodes: Vec<Value> = waiting
            .iter()
            .map(|pod| json!({"name": pod, "status": "PENDING"}))
            .collect();
        json!({
            "metadata": {"generation": 2},
            "spec": {"nodeSets": [{"name": "a", "count": 2}, {"name": "b", "count": 1}]},
            "status": {"phase": phase, "observedGeneration": observed, "availableNodes": available,
                "inProgressOperations": {"upgrade": {"nodes": nodes}}},
        })
    }

    #[test]
    fn a_roll_counts_the_pods_still_to_restart() {
        assert_eq!(roll_progress(&resource("Ready", 2, &[], 3)), None);
        assert_eq!(
            roll_progress(&resource(
                "ApplyingChanges",
                2,
                &["x-es-a-1", "x-es-b-0"],
                3
            )),
            Some((1, 3))
        );
        assert_eq!(
            roll_progress(&resource("ApplyingChanges", 2, &["x-es-b-0"], 1)),
            Some((1, 3)),
            "a restarted pod counts once it is available"
        );
        assert_eq!(
            roll_progress(&resource("Ready", 1, &[], 3)),
            Some((3, 3)),
            "ECK has not acted on the new spec yet"
        );
        assert_eq!(
            roll_progress(&resource("Ready", 2, &[], 2)),
            Some((2, 3)),
            "ECK says Ready while the last restarted pod is still starting"
        );
        assert_eq!(
            describe_roll("x", Some((1, 3))),
            "waiting for ECK to restart the pods of x with the new trust: pods updated 1 of 3"
        );
    }
}
