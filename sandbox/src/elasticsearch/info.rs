//! What a cluster says about itself: `GET /`, `GET /_license` (its license) and
//! `GET /_cluster/health` (green, all nodes present, no indices; 503 when the nodes could not
//! form a cluster).

use serde_json::{Value, json};

use super::cluster::{Cluster, NODE_COUNT};
use super::errors::EsError;

pub fn root(cluster: &Cluster) -> Value {
    json!({
        "name": cluster.node_name(),
        "cluster_name": cluster.name(),
        "cluster_uuid": cluster.uuid,
        "version": cluster.version.to_json(),
        "tagline": "You Know, for Search",
    })
}

pub fn license(cluster: &Cluster) -> Value {
    cluster
        .license()
        .to_json(&license_uid(&cluster.uuid), &cluster.name())
}

/// A UUID-shaped license id derived from the cluster UUID (stable per cluster).
fn license_uid(cluster_uuid: &str) -> String {
    let hex: String = cluster_uuid
        .bytes()
        .map(|byte| format!("{:02x}", byte))
        .collect::<String>()
        .chars()
        .take(32)
        .collect();
    let part = |from: usize, to: usize| hex.get(from..to).unwrap_or("0");
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// Green with every node, or, when the nodes formed no cluster, the 503 a node without a
/// master answers (at once here, after `master_timeout` in Elasticsearch).
pub fn health(cluster: &Cluster) -> Result<Value, EsError> {
    if !cluster.formed() {
        return Err(EsError::master_not_discovered());
    }
    Ok(json!({
        "cluster_name": cluster.name(),
        "status": "green",
        "timed_out": false,
        "number_of_nodes": NODE_COUNT,
        "number_of_data_nodes": NODE_COUNT,
        "active_primary_shards": 0,
        "active_shards": 0,
        "relocating_shards": 0,
        "initializing_shards": 0,
        "unassigned_shards": 0,
        "unassigned_primary_shards": 0,
        "delayed_unassigned_shards": 0,
        "number_of_pending_tasks": 0,
        "number_of_in_flight_fetch": 0,
        "task_max_waiting_in_queue_millis": 0,
        "active_shards_percent_as_number": 100.0,
    }))
}
