//! The pods of a cluster, as ECK's StatefulSets run them: `NAME-es-NODESET-I`, made from
//! their StatefulSet's template (each data claim named after its pod, as the StatefulSet
//! controller does), running and ready; and what ECK needs of them from the kubelet
//! ([`Pods`]).

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::apiserver::{KubeApi, json};
use crate::elasticsearch::Elasticsearch;

/// What ECK needs of the pods it runs; the kubelet provides it.
pub trait Pods: Send + Sync {
    /// The Elasticsearch API of the cluster's pods, once they run.
    fn elasticsearch(&self, namespace: &str, name: &str) -> Option<Elasticsearch>;
    /// A step of a rolling upgrade restarted pods of clusters in `namespace`: their nodes
    /// load their files as they are now.
    fn restarted(&self, api: &KubeApi, namespace: &str);
}

/// The pods of every StatefulSet of a cluster (the `index`-th one: it tells their IPs apart),
/// on the kube cluster's node `host_ip`.
pub fn desired(statefulsets: &[Value], index: u32, host_ip: &str) -> Vec<Value> {
    let mut ordinal_in_cluster = 0u32;
    let mut pods = Vec::new();
    for statefulset in statefulsets {
        for ordinal in 0..statefulset["spec"]["replicas"].as_u64().unwrap_or(0) {
            ordinal_in_cluster += 1;
            let ip = format!("10.244.{}.{}", index % 256, ordinal_in_cluster % 256);
            pods.push(pod(statefulset, ordinal, &ip, host_ip));
        }
    }
    pods
}

fn pod(statefulset: &Value, ordinal: u64, ip: &str, host_ip: &str) -> Value {
    let name = format!("{}-{ordinal}", json::name(statefulset));
    let template = &statefulset["spec"]["template"];
    let mut spec = template["spec"].clone();
    spec["hostname"] = json!(name);
    spec["subdomain"] = statefulset["spec"]["serviceName"].clone();
    claim_volumes(
        &mut spec,
        &statefulset["spec"]["volumeClaimTemplates"],
        &name,
    );
    let image = spec["containers"][0]["image"].clone();
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": json::namespace(statefulset),
            "labels": template["metadata"]["labels"],
            "annotations": template["metadata"]["annotations"],
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
                "name": spec["containers"][0]["name"],
                "ready": true,
                "started": true,
                "restartCount": 0,
                "image": image,
                "state": {"running": {}},
            }],
        },
    })
}

/// Points each volume of a claim template at the pod's own claim, `CLAIM-POD`.
fn claim_volumes(spec: &mut Value, claims: &Value, pod: &str) {
    for volume in spec["volumes"].as_array_mut().into_iter().flatten() {
        let claimed = claims
            .as_array()
            .into_iter()
            .flatten()
            .any(|claim| claim["metadata"]["name"] == volume["name"]);
        if claimed && !volume["persistentVolumeClaim"].is_null() {
            let claim = format!("{}-{pod}", volume["name"].as_str().unwrap_or_default());
            volume["persistentVolumeClaim"]["claimName"] = json!(claim);
        }
    }
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
