//! The pods of a cluster, as ECK's StatefulSets would run them: `NAME-es-NODESET-I`,
//! labelled with the cluster and StatefulSet names, their Elasticsearch container merged
//! with the nodeSet's pod template the way ECK merges it (user volumes and mounts win
//! over ECK's own of the same name or path), running and ready.

use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::config::config_secret_name;
use super::{Cluster, NodeSet, STATEFULSET_LABEL};

const CONTAINER: &str = "elasticsearch";
const CONFIG_DIR: &str = "/usr/share/elasticsearch/config";

/// The pods of every nodeSet, on the kube cluster's node `host_ip`.
pub fn desired(cluster: &Cluster<'_>, host_ip: &str) -> Vec<Value> {
    let mut ordinal_in_cluster = 0u32;
    let mut pods = Vec::new();
    for node_set in &cluster.node_sets {
        for ordinal in 0..node_set.count {
            ordinal_in_cluster += 1;
            let ip = format!(
                "10.244.{}.{}",
                cluster.index % 256,
                ordinal_in_cluster % 256
            );
            pods.push(pod(cluster, node_set, ordinal, &ip, host_ip));
        }
    }
    pods
}

fn pod(
    cluster: &Cluster<'_>,
    node_set: &NodeSet<'_>,
    ordinal: u64,
    ip: &str,
    host_ip: &str,
) -> Value {
    let statefulset = format!("{}-es-{}", cluster.name, node_set.name);
    let template = node_set.pod_template;
    let mut labels = template["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    labels.extend(cluster.labels());
    labels.insert(STATEFULSET_LABEL.into(), json!(statefulset));
    labels.insert(
        "elasticsearch.k8s.elastic.co/version".into(),
        json!(cluster.version),
    );
    for (role, has) in roles(node_set) {
        let label = format!("elasticsearch.k8s.elastic.co/node-{role}");
        labels.insert(label, json!(has.to_string()));
    }
    let mut annotations = template["metadata"]["annotations"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    annotations.insert(
        "elasticsearch.k8s.elastic.co/config-hash".into(),
        json!(config_hash(node_set)),
    );
    let user_spec = &template["spec"];
    let user_container = user_spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == CONTAINER);
    let sidecars: Vec<&Value> = user_spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["name"] != CONTAINER)
        .collect();
    let mut containers = vec![elasticsearch_container(
        cluster,
        &statefulset,
        user_container,
    )];
    containers.extend(sidecars.into_iter().cloned());
    let mut spec = user_spec.as_object().cloned().unwrap_or_default();
    spec.insert("containers".into(), json!(containers));
    spec.insert(
        "volumes".into(),
        json!(volumes(cluster, &statefulset, user_spec)),
    );
    spec.insert("hostname".into(), json!(format!("{statefulset}-{ordinal}")));
    spec.insert(
        "subdomain".into(),
        json!(format!("{}-es-transport", cluster.name)),
    );
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{statefulset}-{ordinal}"),
            "namespace": cluster.namespace,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": spec,
        "status": {
            "phase": "Running",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "hostIP": host_ip,
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True"},
                {"type": "ContainersReady", "status": "True"},
                {"type": "PodScheduled", "status": "True"},
            ],
            "containerStatuses": [{
                "name": CONTAINER,
                "ready": true,
                "started": true,
                "restartCount": 0,
                "image": image(cluster),
                "state": {"running": {}},
            }],
        },
    })
}

/// The roles ECK labels a pod with, as it reads them from the nodeSet's config
/// (`IsConfiguredWithRole`): `node.roles` when set, else the legacy `node.ROLE` flags, else
/// every role but `voting_only`.
fn roles(node_set: &NodeSet<'_>) -> Vec<(&'static str, bool)> {
    let node = &super::config::nested(node_set.config)["node"];
    let listed = node["roles"].as_array();
    [
        "master",
        "data",
        "ingest",
        "ml",
        "remote_cluster_client",
        "voting_only",
    ]
    .into_iter()
    .map(|role| {
        let has = match listed {
            Some(roles) => roles.iter().any(|listed| listed == role),
            None => match &node[role] {
                Value::Bool(flag) => *flag,
                Value::String(flag) => flag != "false",
                _ => role != "voting_only",
            },
        };
        (role, has)
    })
    .collect()
}

/// Stands in for ECK's config-hash annotation: changes when the pods would roll.
fn config_hash(node_set: &NodeSet<'_>) -> String {
    let template = json!({"config": node_set.config, "podTemplate": node_set.pod_template});
    let digest = Sha256::digest(template.to_string().as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]).to_string()
}

fn image(cluster: &Cluster<'_>) -> String {
    format!(
        "docker.elastic.co/elasticsearch/elasticsearch:{}",
        cluster.version
    )
}

/// The secret behind ECK's `config/transport-certs` mount of a StatefulSet's pods.
pub fn transport_certs_secret(statefulset: &str) -> String {
    format!("{statefulset}-es-transport-certs")
}

/// ECK's own volumes of a pod: (volume name, secret name, mount path).
fn own_volumes(cluster: &Cluster<'_>, statefulset: &str) -> [(&'static str, String, String); 4] {
    let name = cluster.name;
    [
        (
            "elastic-internal-transport-certificates",
            transport_certs_secret(statefulset),
            format!("{CONFIG_DIR}/transport-certs"),
        ),
        (
            "elastic-internal-remote-certificate-authorities",
            format!("{name}-es-remote-ca"),
            format!("{CONFIG_DIR}/transport-remote-certs"),
        ),
        (
            "elastic-internal-http-certificates",
            format!("{name}-es-http-certs-internal"),
            format!("{CONFIG_DIR}/http-certs"),
        ),
        (
            "elastic-internal-elasticsearch-config",
            config_secret_name(statefulset),
            "/mnt/elastic-internal/elasticsearch-config".to_string(),
        ),
    ]
}

/// The user's volumes, then ECK's own that no user volume shadows by name.
fn volumes(cluster: &Cluster<'_>, statefulset: &str, user_spec: &Value) -> Vec<Value> {
    let user: Vec<Value> = user_spec["volumes"].as_array().cloned().unwrap_or_default();
    let own = own_volumes(cluster, statefulset)
        .into_iter()
        .filter(|(name, _, _)| !user.iter().any(|v| v["name"] == *name))
        .map(|(name, secret, _)| json!({"name": name, "secret": {"secretName": secret, "optional": false}}));
    user.iter().cloned().chain(own).collect()
}

/// ECK's Elasticsearch container with the user's one merged in: the user's mounts, then
/// ECK's own that no user mount shadows by name or path.
fn elasticsearch_container(
    cluster: &Cluster<'_>,
    statefulset: &str,
    user: Option<&Value>,
) -> Value {
    let mut container = user.and_then(Value::as_object).cloned().unwrap_or_default();
    let user_mounts: Vec<Value> = container
        .get("volumeMounts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let own = own_volumes(cluster, statefulset)
        .into_iter()
        .filter(|(name, _, path)| {
            !user_mounts
                .iter()
                .any(|m| m["name"] == *name || m["mountPath"] == *path)
        })
        .map(|(name, _, path)| json!({"name": name, "mountPath": path, "readOnly": true}));
    let mounts: Vec<Value> = user_mounts.iter().cloned().chain(own).collect();
    container.insert("name".into(), json!(CONTAINER));
    container
        .entry("image")
        .or_insert_with(|| json!(image(cluster)));
    container.insert("volumeMounts".into(), json!(mounts));
    container.insert(
        "ports".into(),
        json!([
            {"name": if cluster.http_tls { "https" } else { "http" }, "containerPort": 9200, "protocol": "TCP"},
            {"name": "transport", "containerPort": 9300, "protocol": "TCP"},
        ]),
    );
    Value::Object(container)
}

/// ECK's rolling upgrade of a cluster: its pods restart one at a time, each once the one
/// before is back (`driver/stateful/upgrade_pods_deletion.go`; minutes per pod for real, the
/// sandbox's `TrustDelays::pod_restart`).
#[derive(Debug, Default)]
pub struct Roll {
    /// The pods waiting for their restart, in order, and when their turn comes.
    waiting: Vec<(String, Instant)>,
    /// When the reconcile already scheduled runs.
    timer: Option<Instant>,
}

impl Roll {
    /// Queues the restart of `pods` after those already waiting.
    pub fn schedule(&mut self, pods: &[String], now: Instant, restart: Duration) {
        let mut last = self.waiting.last().map_or(now, |(_, due)| (*due).max(now));
        for pod in pods {
            if !self.waiting.iter().any(|(waiting, _)| waiting == pod) {
                last += restart;
                self.waiting.push((pod.clone(), last));
            }
        }
    }

    /// Lets the pods whose turn came restart: how many did, and which still wait.
    pub fn due(&mut self, now: Instant) -> (u64, Vec<String>) {
        let before = self.waiting.len();
        self.waiting.retain(|(_, due)| *due > now);
        let restarted = (before - self.waiting.len()) as u64;
        let waiting = self.waiting.iter().map(|(pod, _)| pod.clone()).collect();
        (restarted, waiting)
    }

    /// When to reconcile next for the roll, unless a reconcile is already scheduled then.
    pub fn next_timer(&mut self) -> Option<Instant> {
        let next = self.waiting.first().map(|(_, due)| *due);
        if next == self.timer {
            return None;
        }
        self.timer = next;
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_restart_one_after_the_other() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        let mut roll = Roll::default();
        let pods = ["a-0".to_string(), "a-1".to_string()];
        roll.schedule(&pods, start, second);
        roll.schedule(&pods, start, second);
        assert_eq!(roll.due(start), (0, pods.to_vec()));
        assert_eq!(roll.next_timer(), Some(start + second));
        assert_eq!(roll.next_timer(), None, "already scheduled");
        assert_eq!(roll.due(start + second), (1, vec!["a-1".to_string()]));
        assert_eq!(roll.due(start + second * 2), (1, vec![]));
        let mut instant = Roll::default();
        instant.schedule(&pods, start, Duration::ZERO);
        assert_eq!(instant.due(start), (2, vec![]));
    }
}
