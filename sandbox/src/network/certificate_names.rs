//! The names in the transport certificates ECK issues to a cluster's nodes
//! (ECK: `pkg/controller/elasticsearch/certificates/transport/csr.go`, `buildGeneralNames`):
//! `POD.node.NAME.NS.es.local` (or `POD.SUFFIX` with `otherNameSuffix`), the transport
//! service `NAME-es-transport.NS.svc`, `POD.NAME-es-NODESET`, the pod IP and loopback, and
//! `spec.transport.tls.subjectAltNames`; with the remote cluster server enabled, also
//! `NAME-es-remote-cluster.NS.svc` and `POD.NAME-es-NODESET.NS.svc` (its publish host), since
//! port 9443 serves the same certificates. A load balancer's address is none of them unless
//! the user adds it there.

use crate::apiserver::KubeApi;
use crate::apiserver::json;
use crate::apiserver::resources::ELASTICSEARCHES;
use crate::controllers::conventions::STATEFULSET_LABEL;
use crate::controllers::kubelet::node_files::running_nodes;

/// Every name (DNS or IP) the cluster's node certificates carry, all nodes together.
pub fn transport_names(api: &KubeApi, namespace: &str, name: &str) -> Vec<String> {
    let Some(resource) = api.get(&ELASTICSEARCHES, namespace, name) else {
        return Vec::new();
    };
    let tls = &resource["spec"]["transport"]["tls"];
    let suffix = tls["otherNameSuffix"].as_str().filter(|s| !s.is_empty());
    let remote_cluster_server = resource["spec"]["remoteClusterServer"]["enabled"] == true;
    let mut names = vec![
        format!("{name}-es-transport.{namespace}.svc"),
        "127.0.0.1".to_string(),
    ];
    if remote_cluster_server {
        names.push(format!("{name}-es-remote-cluster.{namespace}.svc"));
    }
    for pod in running_nodes(api, namespace, name) {
        let pod_name = json::name(&pod);
        names.push(match suffix {
            Some(suffix) => format!("{pod_name}.{suffix}"),
            None => format!("{pod_name}.node.{name}.{namespace}.es.local"),
        });
        if let Some(statefulset) = json::label(&pod, STATEFULSET_LABEL) {
            names.push(format!("{pod_name}.{statefulset}"));
            if remote_cluster_server {
                names.push(format!("{pod_name}.{statefulset}.{namespace}.svc"));
            }
        }
        if let Some(ip) = pod["status"]["podIP"].as_str() {
            names.push(ip.to_string());
        }
    }
    names.extend(
        tls["subjectAltNames"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|san| [san["dns"].as_str(), san["ip"].as_str()])
            .flatten()
            .map(str::to_string),
    );
    names
}

/// Whether a certificate with `names` matches `host` as Java's hostname verification does:
/// exact (case-insensitive), or a `*.` wildcard for one leftmost DNS label.
pub fn matches(names: &[String], host: &str) -> bool {
    names.iter().any(|name| {
        name.eq_ignore_ascii_case(host)
            || name.strip_prefix("*.").is_some_and(|rest| {
                host.split_once('.')
                    .is_some_and(|(_, tail)| tail.eq_ignore_ascii_case(rest))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_exactly_or_by_a_leftmost_wildcard() {
        let names = vec![
            "two-es-transport.ns.svc".to_string(),
            "*.lb.example".to_string(),
        ];
        assert!(matches(&names, "TWO-es-transport.ns.svc"));
        assert!(matches(&names, "a.lb.example"));
        assert!(!matches(&names, "a.b.lb.example"));
        assert!(!matches(&names, "10.0.0.7"));
    }
}
