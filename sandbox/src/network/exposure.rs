//! Where a cluster's transport layer can be reached from outside its kube cluster: its
//! `NAME-es-transport` service as a LoadBalancer (ingress IP or host name, service port) or
//! a NodePort (the kube cluster's node address, node port), forwarding to port 9300.

use serde_json::Value;

use crate::apiserver::KubeApi;
use crate::apiserver::json;
use crate::apiserver::resources::SERVICES;
use crate::controllers::conventions::CLUSTER_NAME_LABEL;

/// The port Elasticsearch's transport layer listens on in every pod.
const TRANSPORT_PORT: u64 = 9300;
/// The name of that port in ECK's Elasticsearch container.
const TRANSPORT_PORT_NAME: &str = "transport";

/// The namespace and name of the cluster whose transport service answers at `host:port`.
pub fn cluster_at(api: &KubeApi, host: &str, port: u16) -> Option<(String, String)> {
    let services = api.list(&SERVICES, None);
    services.iter().find_map(|service| {
        let cluster = json::label(service, CLUSTER_NAME_LABEL)?;
        let is_transport = json::name(service) == format!("{cluster}-es-transport");
        (is_transport && answers_at(service, api.node_address(), host, port))
            .then(|| (json::namespace(service).to_string(), cluster.to_string()))
    })
}

/// Whether one of the service's ports is reachable at `host:port` and leads to the
/// transport port (any other target port is refused by the pods).
fn answers_at(service: &Value, node_address: &str, host: &str, port: u16) -> bool {
    let service_type = service["spec"]["type"].as_str().unwrap_or("ClusterIP");
    let balanced =
        service_type == "LoadBalancer" && load_balancer_hosts(service).any(|h| h == host);
    let on_node = matches!(service_type, "NodePort" | "LoadBalancer") && host == node_address;
    let port = u64::from(port);
    service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| targets_transport(entry))
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

/// The port's `targetPort` (by default its `port`) is the transport port, by number or name.
fn targets_transport(entry: &Value) -> bool {
    match &entry["targetPort"] {
        Value::Null => entry["port"].as_u64() == Some(TRANSPORT_PORT),
        Value::String(name) => {
            name == TRANSPORT_PORT_NAME || name.parse::<u64>().ok() == Some(TRANSPORT_PORT)
        }
        number => number.as_u64() == Some(TRANSPORT_PORT),
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
        assert!(answers_at(&lb, "127.0.0.2", "127.0.0.5", 9300));
        assert!(answers_at(&lb, "127.0.0.2", "lb.example", 9300));
        assert!(answers_at(&lb, "127.0.0.2", "127.0.0.2", 30001));
        assert!(!answers_at(&lb, "127.0.0.2", "127.0.0.5", 9301));
        assert!(!answers_at(&lb, "127.0.0.2", "127.0.0.6", 9300));
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
        assert!(answers_at(&kept, "n", "127.0.0.5", 443));
        assert!(answers_at(&named, "n", "127.0.0.5", 443));
        assert!(!answers_at(&moved, "n", "127.0.0.5", 443));
        assert!(!answers_at(&defaulted, "n", "127.0.0.5", 443));
    }

    #[test]
    fn only_node_ports_answer_on_the_node_address() {
        let node_port = service("NodePort", json!([{"port": 9300, "nodePort": 30002}]));
        let cluster_ip = service("ClusterIP", json!([{"port": 9300, "nodePort": 30003}]));
        assert!(answers_at(&node_port, "127.0.0.2", "127.0.0.2", 30002));
        assert!(!answers_at(&node_port, "127.0.0.2", "127.0.0.5", 9300));
        assert!(!answers_at(&cluster_ip, "127.0.0.2", "127.0.0.2", 30003));
    }
}
