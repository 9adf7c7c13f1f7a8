//! Where a cluster's transport layer can be reached from outside its kube cluster: its
//! `NAME-es-transport` service as a LoadBalancer (ingress IP or host name, service port) or
//! a NodePort (the kube cluster's node address, node port), forwarding to port 9300. Its
//! remote cluster server (9443) the same way, through any service that selects the cluster's
//! pods: ECK's `NAME-es-remote-cluster` made a LoadBalancer, or one of the user's.

use serde_json::Value;

use crate::apiserver::KubeApi;
use crate::apiserver::json;
use crate::apiserver::resources::SERVICES;
use crate::controllers::conventions::CLUSTER_NAME_LABEL;

/// A port of the Elasticsearch container: its number, and its name there.
struct PodPort {
    number: u64,
    name: &'static str,
}

/// The transport layer's port in every pod.
const TRANSPORT: PodPort = PodPort {
    number: 9300,
    name: "transport",
};
/// The remote cluster server's port (ECK: elasticsearch/network/ports.go).
const REMOTE_CLUSTER: PodPort = PodPort {
    number: 9443,
    name: "remote-cluster",
};

/// The namespace and name of the cluster whose transport service answers at `host:port`.
pub fn cluster_at(api: &KubeApi, host: &str, port: u16) -> Option<(String, String)> {
    let services = api.list(&SERVICES, None);
    services.iter().find_map(|service| {
        let cluster = json::label(service, CLUSTER_NAME_LABEL)?;
        let is_transport = json::name(service) == format!("{cluster}-es-transport");
        (is_transport && answers_at(service, &TRANSPORT, api.node_address(), host, port))
            .then(|| (json::namespace(service).to_string(), cluster.to_string()))
    })
}

/// The namespace and name of the cluster whose pods' port 9443 a service at `host:port`
/// forwards to: a service selecting the pods by their cluster label.
pub fn remote_cluster_port_at(api: &KubeApi, host: &str, port: u16) -> Option<(String, String)> {
    let services = api.list(&SERVICES, None);
    services.iter().find_map(|service| {
        let cluster = service["spec"]["selector"][CLUSTER_NAME_LABEL].as_str()?;
        answers_at(service, &REMOTE_CLUSTER, api.node_address(), host, port)
            .then(|| (json::namespace(service).to_string(), cluster.to_string()))
    })
}

/// Whether one of the service's ports is reachable at `host:port` and leads to `pod_port`.
fn answers_at(
    service: &Value,
    pod_port: &PodPort,
    node_address: &str,
    host: &str,
    port: u16,
) -> bool {
    let service_type = service["spec"]["type"].as_str().unwrap_or("ClusterIP");
    let balanced =
        service_type == "LoadBalancer" && load_balancer_hosts(service).any(|h| h == host);
    let on_node = matches!(service_type, "NodePort" | "LoadBalancer") && host == node_address;
    let port = u64::from(port);
    service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| targets(entry, pod_port))
        .any(|entry| {
            (balanced && entry["port"].as_u64() == Some(port))
                || (on_node && entry["nodePort"].as_u64() == Some(port))
        })
}

fn load_balancer_hosts(service: &Value) -> impl Iterator<Item = &str> {
    service["status"]["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|ingress| [ingress["ip"].as_str(), ingress["hostname"].as_str()])
        .flatten()
}

/// The port's `targetPort` (by default its `port`) is `pod_port`, by number or name.
fn targets(entry: &Value, pod_port: &PodPort) -> bool {
    match &entry["targetPort"] {
        Value::Null => entry["port"].as_u64() == Some(pod_port.number),
        Value::String(name) => {
            name == pod_port.name || name.parse::<u64>().ok() == Some(pod_port.number)
        }
        number => number.as_u64() == Some(pod_port.number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(service_type: &str, ports: Value) -> Value {
        json!({"spec": {"type": service_type, "ports": ports},
            "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.5"}, {"hostname": "lb.example"}]}}})
    }

    #[test]
    fn a_load_balancer_answers_at_its_addresses_and_service_port() {
        let lb = service("LoadBalancer", json!([{"port": 9300, "nodePort": 30001}]));
        assert!(answers_at(&lb, &TRANSPORT, "127.0.0.2", "127.0.0.5", 9300));
        assert!(answers_at(&lb, &TRANSPORT, "127.0.0.2", "lb.example", 9300));
        assert!(answers_at(&lb, &TRANSPORT, "127.0.0.2", "127.0.0.2", 30001));
        assert!(!answers_at(&lb, &TRANSPORT, "127.0.0.2", "127.0.0.5", 9301));
        assert!(!answers_at(&lb, &TRANSPORT, "127.0.0.2", "127.0.0.6", 9300));
    }

    #[test]
    fn a_changed_port_must_still_target_9300() {
        let kept = service("LoadBalancer", json!([{"port": 443, "targetPort": 9300}]));
        let named = service(
            "LoadBalancer",
            json!([{"port": 443, "targetPort": "transport"}]),
        );
        let moved = service("LoadBalancer", json!([{"port": 443, "targetPort": 443}]));
        let defaulted = service("LoadBalancer", json!([{"port": 443}]));
        assert!(answers_at(&kept, &TRANSPORT, "n", "127.0.0.5", 443));
        assert!(answers_at(&named, &TRANSPORT, "n", "127.0.0.5", 443));
        assert!(!answers_at(&moved, &TRANSPORT, "n", "127.0.0.5", 443));
        assert!(!answers_at(&defaulted, &TRANSPORT, "n", "127.0.0.5", 443));
    }

    #[test]
    fn the_remote_cluster_port_is_told_apart_from_the_transport_port() {
        let rcs = service("LoadBalancer", json!([{"name": "rcs", "port": 9443}]));
        assert!(answers_at(&rcs, &REMOTE_CLUSTER, "n", "127.0.0.5", 9443));
        assert!(!answers_at(&rcs, &TRANSPORT, "n", "127.0.0.5", 9443));
        let mine = service("LoadBalancer", json!([{"port": 443, "targetPort": 9443}]));
        assert!(answers_at(&mine, &REMOTE_CLUSTER, "n", "127.0.0.5", 443));
    }

    #[test]
    fn only_node_ports_answer_on_the_node_address() {
        let node_port = service("NodePort", json!([{"port": 9300, "nodePort": 30002}]));
        let cluster_ip = service("ClusterIP", json!([{"port": 9300, "nodePort": 30003}]));
        assert!(answers_at(
            &node_port,
            &TRANSPORT,
            "127.0.0.2",
            "127.0.0.2",
            30002
        ));
        assert!(!answers_at(
            &node_port,
            &TRANSPORT,
            "127.0.0.2",
            "127.0.0.5",
            9300
        ));
        assert!(!answers_at(
            &cluster_ip,
            &TRANSPORT,
            "127.0.0.2",
            "127.0.0.2",
            30003
        ));
    }
}
