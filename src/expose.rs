//! Exposing a cluster's transport layer (step 3 of the recipe): the resource's
//! `spec.transport.service` as it must be, and the address the transport service reports.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::Service;
use serde_json::{Value, json};

use crate::eck;
use crate::error::{Failure, FailureKind};
use crate::k8s::Kube;
use crate::plan::{ObjectPlace, Plan, Write};

/// How the transport service is reachable from outside the Kubernetes cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServiceType {
    /// A cloud (or MetalLB) load balancer with its own address
    #[value(name = "LoadBalancer")]
    LoadBalancer,
    /// A port on every node of the Kubernetes cluster
    #[value(name = "NodePort")]
    NodePort,
}

impl ServiceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::NodePort => "NodePort",
        }
    }
}

impl fmt::Display for ServiceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub service_type: ServiceType,
    pub annotations: BTreeMap<String, String>,
}

/// Where the transport layer answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// `HOST:PORT` of the load balancer.
    LoadBalancer { host: String, port: u16 },
    /// The node port, open on every node.
    NodePort { node_port: u16 },
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::LoadBalancer { host, port } if host.contains(':') => {
                write!(f, "[{host}]:{port}")
            }
            Address::LoadBalancer { host, port } => write!(f, "{host}:{port}"),
            Address::NodePort { node_port } => write!(f, "{node_port}"),
        }
    }
}

/// The spec with the transport service of the wanted type carrying the wanted annotations;
/// everything else in `spec.transport` (labels, other annotations, ports, TLS) is kept.
pub fn spec_exposed(spec: &Value, exposure: &Exposure) -> Value {
    let mut spec = spec.clone();
    let service = object_at(&mut spec, &["transport", "service"]);
    object_at(service, &["spec"])["type"] = json!(exposure.service_type.as_str());
    if !exposure.annotations.is_empty() {
        let annotations = object_at(service, &["metadata", "annotations"]);
        for (key, value) in &exposure.annotations {
            annotations[key] = json!(value);
        }
    }
    spec
}

/// The map at `path` under `value`, created (or replacing a non-map) where missing.
fn object_at<'a>(value: &'a mut Value, path: &[&str]) -> &'a mut Value {
    let mut current = value;
    for key in path {
        if !current.is_object() {
            *current = json!({});
        }
        current = &mut current[*key];
    }
    if !current.is_object() {
        *current = json!({});
    }
    current
}

/// Parses `KEY=VALUE`, checking the key as the API server checks annotation keys.
pub fn parse_annotation(pair: &str) -> Result<(String, String), String> {
    let (key, value) = pair
        .split_once('=')
        .ok_or_else(|| format!("{pair:?} is not KEY=VALUE"))?;
    let (prefix, name) = key
        .rsplit_once('/')
        .map_or((None, key), |(p, n)| (Some(p), n));
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.')
                .all(|label| crate::k8s::validate_name("", label).is_ok())
    });
    if name_ok && prefix_ok {
        Ok((key.to_string(), value.to_string()))
    } else {
        Err(format!(
            "{key:?} is not a valid annotation key (an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' or '.')"
        ))
    }
}

/// The address of a service (the transport's, or the remote cluster server's), once it has one
/// of the wanted kind: its port named for the transport, or else its first.
pub fn address_of(service: &Service, service_type: ServiceType) -> Option<Address> {
    let spec = service.spec.as_ref()?;
    if spec.type_.as_deref() != Some(service_type.as_str()) {
        return None;
    }
    let ports = spec.ports.as_ref()?;
    let transport = ports
        .iter()
        .find(|port| {
            port.name
                .as_deref()
                .is_some_and(|name| name.contains("transport"))
        })
        .or_else(|| ports.first())?;
    match service_type {
        ServiceType::NodePort => Some(Address::NodePort {
            node_port: u16::try_from(transport.node_port?).ok()?,
        }),
        ServiceType::LoadBalancer => {
            let ingress = service
                .status
                .as_ref()?
                .load_balancer
                .as_ref()?
                .ingress
                .as_ref()?
                .first()?;
            let host = ingress.ip.clone().or_else(|| ingress.hostname.clone())?;
            Some(Address::LoadBalancer {
                host,
                port: u16::try_from(transport.port).ok()?,
            })
        }
    }
}

/// Waits (a watch) for `service` to get a load-balancer address; `None` when the time ran out.
pub async fn wait_for_load_balancer(
    kube: &Kube,
    service: &str,
    timeout: std::time::Duration,
) -> anyhow::Result<Option<Address>> {
    let has_address = |service: Option<&Service>| {
        service
            .and_then(|s| address_of(s, ServiceType::LoadBalancer))
            .is_some()
    };
    let found = kube
        .wait_for::<Service>(service, timeout, has_address)
        .await?;
    Ok(found.and_then(|service| address_of(&service, ServiceType::LoadBalancer)))
}

/// The write that shapes the transport service as wanted; none when it already is.
pub async fn plan_expose(kube: &Kube, cluster: &str, exposure: &Exposure) -> anyhow::Result<Plan> {
    let resource = eck::read_elasticsearch(kube, cluster).await?;
    let current = resource
        .pointer("/spec/transport/service/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP (headless)")
        .to_string();
    let mut after = resource.clone();
    after["spec"] = spec_exposed(&resource["spec"], exposure);
    let effect = if current == exposure.service_type.as_str() {
        "annotations only: no pod restart".to_string()
    } else {
        format!(
            "ECK recreates the service {} as a {} (it was {current}); no pod restart",
            eck::transport_service(cluster),
            exposure.service_type
        )
    };
    let mut plan = Plan::default();
    plan.push(Write {
        place: ObjectPlace::of(kube),
        resource: eck::elasticsearch_resource(),
        name: cluster.to_string(),
        before: Some(resource),
        after,
        effect,
    });
    Ok(plan)
}

/// Why no address came, and what usually fixes it.
pub fn timed_out(kube: &Kube, cluster: &str, exposure: &Exposure, waited: &str) -> Failure {
    let service = eck::transport_service(cluster);
    let namespace = kube.namespace();
    match exposure.service_type {
        ServiceType::LoadBalancer => Failure::new(
            FailureKind::Unavailable,
            format!("the service {service} in {namespace} got no load-balancer address within {waited}"),
        )
        .with_hint(format!(
            "is a cloud controller (or MetalLB on bare metal) running, and is there quota left? \
             see kubectl describe service {service} -n {namespace}; without load balancers, try --type NodePort"
        )),
        ServiceType::NodePort => Failure::new(
            FailureKind::Unavailable,
            format!("the service {service} in {namespace} got no node port within {waited}"),
        )
        .with_hint(format!("see kubectl describe service {service} -n {namespace}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exposure(service_type: ServiceType, annotations: &[(&str, &str)]) -> Exposure {
        Exposure {
            service_type,
            annotations: annotations
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn only_the_type_and_the_annotations_change() {
        let spec = json!({
            "version": "8.17.0",
            "transport": {
                "service": {
                    "metadata": {"labels": {"team": "search"}, "annotations": {"keep": "me"}},
                    "spec": {"type": "ClusterIP", "ports": [{"name": "tcp-transport", "port": 9400, "targetPort": 9300}]},
                },
                "tls": {"certificateAuthorities": {"configMapName": "cas"}},
            },
            "nodeSets": [{"name": "default", "count": 3}],
        });
        let wanted = exposure(
            ServiceType::LoadBalancer,
            &[(
                "service.beta.kubernetes.io/aws-load-balancer-internal",
                "true",
            )],
        );
        let exposed = spec_exposed(&spec, &wanted);
        let mut expected = spec.clone();
        expected["transport"]["service"]["spec"]["type"] = json!("LoadBalancer");
        expected["transport"]["service"]["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-internal"] =
            json!("true");
        assert_eq!(exposed, expected);
    }

    #[test]
    fn a_spec_without_transport_gets_one() {
        let exposed = spec_exposed(
            &json!({"nodeSets": []}),
            &exposure(ServiceType::NodePort, &[]),
        );
        assert_eq!(
            exposed["transport"],
            json!({"service": {"spec": {"type": "NodePort"}}})
        );
    }

    #[test]
    fn annotation_keys_are_checked() {
        assert_eq!(parse_annotation("a=b"), Ok(("a".into(), "b".into())));
        assert_eq!(
            parse_annotation("networking.gke.io/load-balancer-type=Internal"),
            Ok((
                "networking.gke.io/load-balancer-type".into(),
                "Internal".into()
            ))
        );
        assert_eq!(parse_annotation("a=b=c"), Ok(("a".into(), "b=c".into())));
        for bad in [
            "novalue",
            "=x",
            "-a=x",
            "a b=x",
            "Bad_Prefix/a=x",
            "/a=x",
            "ü=x",
        ] {
            assert!(parse_annotation(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ipv6_addresses_are_bracketed() {
        let address = Address::LoadBalancer {
            host: "fd00::1".into(),
            port: 9300,
        };
        assert_eq!(address.to_string(), "[fd00::1]:9300");
    }

    proptest! {
        #[test]
        fn exposing_twice_is_exposing_once(
            annotations in prop::collection::btree_map("[a-z]{1,8}", "[a-z0-9]{0,8}", 0..4),
            existing in prop::collection::btree_map("[a-z]{1,8}", "[a-z0-9]{0,8}", 0..4),
            node_port in any::<bool>(),
        ) {
            let spec = json!({"transport": {"service": {"metadata": {"annotations": existing}}}, "nodeSets": []});
            let wanted = Exposure {
                service_type: if node_port { ServiceType::NodePort } else { ServiceType::LoadBalancer },
                annotations,
            };
            let once = spec_exposed(&spec, &wanted);
            prop_assert_eq!(spec_exposed(&once, &wanted), once.clone());
            for (key, value) in existing.iter().filter(|(k, _)| !wanted.annotations.contains_key(*k)) {
                prop_assert_eq!(&once["transport"]["service"]["metadata"]["annotations"][key], &json!(value));
            }
        }
    }
}
