//! The network that links the sandbox's clusters, and who trusts whom: what the emulated
//! Elasticsearch clusters see, computed from the live Kubernetes state of every context of
//! the sandbox on each call (a remote may be in another kube cluster). Addresses are in
//! `exposure`; what each node has loaded is the kubelet's (`controllers::kubelet`).

mod certificate_names;
mod exposure;

use std::sync::{Arc, PoisonError, RwLock, Weak};

use crate::apiserver::{KubeApi, WeakKubeApi};
use std::collections::BTreeMap;

use crate::controllers::kubelet::{self, Kubelet, NodeState, node_files};
use crate::elasticsearch::{ClusterId, RemoteClusterServer, Topology};
use crate::trust_anchor::{TrustAnchor, trust_anchors};

/// One kube cluster as the network sees it: its API server and its kubelet (held weakly,
/// so that API servers, their clusters and the network form no cycle).
struct Member {
    api: WeakKubeApi,
    kubelet: Weak<Kubelet>,
}

/// A kube cluster still running.
struct Live {
    api: KubeApi,
    kubelet: Arc<Kubelet>,
}

/// The kube clusters of one sandbox, by context, as the network joining them.
#[derive(Default)]
pub struct Network {
    members: RwLock<Vec<Member>>,
}

impl Network {
    /// Adds a kube cluster; its clusters become reachable from every other one.
    pub fn join(&self, api: &KubeApi, kubelet: &Arc<Kubelet>) {
        self.members
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Member {
                api: api.downgrade(),
                kubelet: Arc::downgrade(kubelet),
            });
    }

    /// The kube clusters still running.
    fn live(&self) -> Vec<Live> {
        self.members
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|member| {
                Some(Live {
                    api: member.api.upgrade()?,
                    kubelet: member.kubelet.upgrade()?,
                })
            })
            .collect()
    }

    fn member(&self, context: &str) -> Option<Live> {
        self.live()
            .into_iter()
            .find(|live| live.api.context() == context)
    }

    /// The trust anchor of the cluster's current transport CA.
    fn current_transport_ca(&self, cluster: &ClusterId) -> Option<TrustAnchor> {
        let material = self
            .member(&cluster.context)?
            .kubelet
            .eck()
            .material(&cluster.namespace, &cluster.name)?;
        trust_anchors(material.transport_ca.cert_pem().as_bytes())
            .into_iter()
            .next()
    }

    /// What every running node of `cluster` has loaded now.
    fn nodes(&self, cluster: &ClusterId) -> Vec<NodeState> {
        self.member(&cluster.context)
            .map(|member| {
                member
                    .kubelet
                    .loaded(&member.api, &cluster.namespace, &cluster.name)
            })
            .unwrap_or_default()
    }

    /// Whether every running node of `cluster` has loaded the current transport CA of
    /// `other` among the CAs of one TLS layer.
    fn nodes_trust(
        &self,
        cluster: &ClusterId,
        other: &ClusterId,
        cas: fn(&NodeState) -> &[TrustAnchor],
    ) -> bool {
        let Some(anchor) = self.current_transport_ca(other) else {
            return false;
        };
        let nodes = self.nodes(cluster);
        kubelet::every_node_trusts(nodes.iter().map(cas), &anchor)
    }
}

impl Topology for Network {
    /// The cluster whose `NAME-es-transport` service answers at `HOST:PORT`: a load
    /// balancer's address and the service port, or the kube cluster's node address and a
    /// node port.
    fn transport_at(&self, address: &str) -> Option<ClusterId> {
        let (host, port) = address.rsplit_once(':')?;
        let port = port.parse().ok()?;
        self.live().into_iter().find_map(|member| {
            let (namespace, name) = exposure::cluster_at(&member.api, host, port)?;
            member.kubelet.endpoint(&namespace, &name)?;
            Some(ClusterId {
                context: member.api.context().to_string(),
                namespace,
                name,
            })
        })
    }

    /// Both clusters formed, and every node of `cluster` loads a CA with the key of
    /// `other`'s current transport CA.
    fn trusts(&self, cluster: &ClusterId, other: &ClusterId) -> bool {
        self.formed(cluster)
            && self.formed(other)
            && self.nodes_trust(cluster, other, |node| &node.transport)
    }

    /// ECK names the Elasticsearch cluster after the resource.
    fn cluster_name(&self, cluster: &ClusterId) -> String {
        cluster.name.clone()
    }

    /// The restarts ECK made (a rolling upgrade restarts every pod).
    fn node_starts(&self, cluster: &ClusterId) -> u64 {
        self.member(&cluster.context).map_or(0, |member| {
            member
                .kubelet
                .eck()
                .node_starts(&cluster.namespace, &cluster.name)
        })
    }

    /// The nodes trust their own cluster's current transport CA.
    fn formed(&self, cluster: &ClusterId) -> bool {
        self.nodes_trust(cluster, cluster, |node| &node.transport)
    }

    /// Whether the transport certificates ECK issued to `cluster` carry `host`.
    fn certificate_names_match(&self, cluster: &ClusterId, host: &str) -> bool {
        self.member(&cluster.context).is_some_and(|member| {
            let names =
                certificate_names::transport_names(&member.api, &cluster.namespace, &cluster.name);
            certificate_names::matches(&names, host)
        })
    }

    /// The keystore the first running node built at its start from `spec.secureSettings`.
    fn keystore(&self, cluster: &ClusterId) -> BTreeMap<String, String> {
        self.nodes(cluster)
            .into_iter()
            .next()
            .map(|node| node.keystore)
            .unwrap_or_default()
    }

    /// The cluster whose pods' port 9443 a service answering at `HOST:PORT` leads to.
    fn remote_cluster_port_at(&self, address: &str) -> Option<ClusterId> {
        let (host, port) = address.rsplit_once(':')?;
        let port = port.parse().ok()?;
        self.live().into_iter().find_map(|member| {
            let (namespace, name) = exposure::remote_cluster_port_at(&member.api, host, port)?;
            member.kubelet.endpoint(&namespace, &name)?;
            Some(ClusterId {
                context: member.api.context().to_string(),
                namespace,
                name,
            })
        })
    }

    /// Both clusters formed, and every node of `cluster` loads `other`'s current transport CA
    /// in its remote cluster client CAs.
    fn trusts_as_remote_cluster_client(&self, cluster: &ClusterId, other: &ClusterId) -> bool {
        self.formed(cluster)
            && self.formed(other)
            && self.nodes_trust(cluster, other, |node| &node.remote_cluster_client)
    }

    fn remote_cluster_server(&self, cluster: &ClusterId) -> Option<Arc<dyn RemoteClusterServer>> {
        let member = self.member(&cluster.context)?;
        let endpoint = member.kubelet.endpoint(&cluster.namespace, &cluster.name)?;
        Some(endpoint.handle.remote_cluster_server())
    }

    /// The `elasticsearch.yml` ECK rendered for each running node.
    fn node_configs(&self, cluster: &ClusterId) -> Vec<serde_json::Value> {
        let Some(member) = self.member(&cluster.context) else {
            return Vec::new();
        };
        node_files::running_nodes(&member.api, &cluster.namespace, &cluster.name)
            .iter()
            .filter_map(|pod| node_files::node_config(&member.api, pod))
            .collect()
    }
}
