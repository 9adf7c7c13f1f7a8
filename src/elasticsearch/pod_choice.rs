//! Which pod of an ECK cluster ecr port-forwards to: a running one, ready if possible, whose
//! node has the `remote_cluster_client` role. A node without it answers 400 to
//! `_remote/info` and refuses cross-cluster requests (Elasticsearch's
//! TransportRemoteInfoAction), so a pod of a dedicated master or data nodeSet will not do.

use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt as _;
use serde_json::Value;

use super::cluster_spec::{REMOTE_CLUSTER_CLIENT, node_set_has_remote_cluster_client};
use crate::error::{Failure, FailureKind};

/// The label ECK sets on each pod from its node's roles, `"true"` or `"false"` (ECK:
/// pkg/controller/elasticsearch/label/label.go; only for Elasticsearch 7.7 and later).
const ROLE_LABEL: &str = "elasticsearch.k8s.elastic.co/node-remote_cluster_client";
/// The label naming a pod's StatefulSet, `CLUSTER-es-NODESET`.
const STATEFULSET_LABEL: &str = "elasticsearch.k8s.elastic.co/statefulset-name";

/// The pod to port-forward to, among the pods of `cluster` (its `resource` says the nodeSets'
/// roles where a pod has no role label); `selector` and `namespace` are for the hint.
pub fn choose(
    pods: &[Pod],
    resource: &Value,
    cluster: &str,
    namespace: &str,
    selector: &str,
) -> Result<String, Failure> {
    let mut running: Vec<&Pod> = pods.iter().filter(|pod| is_running(pod)).collect();
    running.sort_by_key(|pod| (!is_ready(pod), pod.name_any()));
    if let Some(pod) = running
        .iter()
        .find(|pod| has_remote_cluster_client(pod, resource, cluster))
    {
        return Ok(pod.name_any());
    }
    let whose = format!("the Elasticsearch cluster {cluster} in {namespace}");
    if !running.is_empty() {
        let names: Vec<String> = running.iter().map(|pod| pod.name_any()).collect();
        return Err(Failure::new(
            FailureKind::Invalid,
            format!(
                "no running pod of {whose} has the {REMOTE_CLUSTER_CLIENT} role, which \
                 _remote/info and cross-cluster requests need (running: {})",
                names.join(", ")
            ),
        )
        .with_hint(format!(
            "add {REMOTE_CLUSTER_CLIENT} to node.roles in the config of one of its nodeSets (a \
             nodeSet without node.roles has every role), or pass --es-url to reach a node that has it"
        )));
    }
    let hint = if pods.is_empty() {
        format!(
            "it has no pods (label {selector}): see kubectl describe es {cluster} -n {namespace}"
        )
    } else {
        let states: Vec<String> = pods
            .iter()
            .map(|pod| format!("{} ({})", pod.name_any(), phase(pod)))
            .collect();
        format!(
            "its pods: {}; see kubectl get pods -n {namespace} -l {selector}",
            states.join(", ")
        )
    };
    Err(Failure::new(
        FailureKind::NotFound,
        format!("no running pod of {whose} to port-forward to"),
    )
    .with_hint(hint))
}

/// The pod's role label when ECK set one, else its nodeSet's config in the resource.
fn has_remote_cluster_client(pod: &Pod, resource: &Value, cluster: &str) -> bool {
    let labels = pod.labels();
    if let Some(value) = labels.get(ROLE_LABEL) {
        return value == "true";
    }
    let prefix = format!("{cluster}-es-");
    labels
        .get(STATEFULSET_LABEL)
        .and_then(|statefulset| statefulset.strip_prefix(&prefix))
        .is_none_or(|node_set| node_set_has_remote_cluster_client(resource, node_set))
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|status| status.phase.as_deref())
        .unwrap_or("Unknown")
}

fn is_running(pod: &Pod) -> bool {
    phase(pod) == "Running" && pod.metadata.deletion_timestamp.is_none()
}

fn is_ready(pod: &Pod) -> bool {
    let conditions = pod
        .status
        .as_ref()
        .and_then(|status| status.conditions.as_ref());
    conditions
        .into_iter()
        .flatten()
        .any(|condition| condition.type_ == "Ready" && condition.status == "True")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, node_set: &str, role_label: Option<&str>, ready: bool) -> Pod {
        let mut labels = json!({STATEFULSET_LABEL: format!("c-es-{node_set}")});
        if let Some(value) = role_label {
            labels[ROLE_LABEL] = json!(value);
        }
        serde_json::from_value(json!({
            "metadata": {"name": name, "labels": labels},
            "status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": if ready { "True" } else { "False" }}]},
        }))
        .unwrap()
    }

    fn resource() -> Value {
        json!({"spec": {"nodeSets": [
            {"name": "masters", "config": {"node.roles": ["master"]}},
            {"name": "data", "config": {"node": {"roles": ["data", "remote_cluster_client"]}}},
        ]}})
    }

    fn chosen(pods: &[Pod]) -> Result<String, Failure> {
        choose(pods, &resource(), "c", "ns", "sel")
    }

    #[test]
    fn a_pod_whose_node_set_has_the_role_is_chosen() {
        let pods = [
            pod("c-es-a-0", "masters", None, true),
            pod("c-es-b-0", "data", None, true),
        ];
        assert_eq!(chosen(&pods).unwrap(), "c-es-b-0");
    }

    #[test]
    fn the_role_label_wins_over_the_config_and_ready_pods_come_first() {
        let pods = [
            pod("c-es-a-0", "masters", Some("true"), false),
            pod("c-es-b-0", "data", Some("false"), true),
            pod("c-es-c-0", "other", None, true),
        ];
        assert_eq!(chosen(&pods).unwrap(), "c-es-c-0");
        assert_eq!(chosen(&pods[..2]).unwrap(), "c-es-a-0");
    }

    #[test]
    fn without_the_role_anywhere_the_failure_names_it() {
        let failure = chosen(&[pod("c-es-a-0", "masters", None, true)]).unwrap_err();
        assert_eq!(
            failure.message,
            "no running pod of the Elasticsearch cluster c in ns has the remote_cluster_client \
             role, which _remote/info and cross-cluster requests need (running: c-es-a-0)"
        );
        assert!(failure.hint.unwrap().contains("node.roles"));
        let failure = chosen(&[]).unwrap_err();
        assert_eq!(failure.kind, FailureKind::NotFound);
    }
}
