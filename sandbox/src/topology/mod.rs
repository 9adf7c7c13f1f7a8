//! What the emulated Elasticsearch clusters see of the network and of TLS trust, computed
//! from the live Kubernetes state of every context of the sandbox on each call: a remote
//! may be in another kube cluster. Addresses are in `exposure`, trust in `trust`.

mod anchor;
mod certificate_names;
mod exposure;
mod keystore;
mod mounts;
mod nodes;
mod trust;

pub use nodes::TrustDelays;

use std::sync::{PoisonError, RwLock};

use super::api::{KubeApi, WeakKubeApi};
use super::elasticsearch::{ClusterId, Topology};
use super::object;
use super::resources::ELASTICSEARCHES;
pub use anchor::{TrustAnchor, trust_anchors};

/// The API servers of one sandbox, by context, as the network joining them.
#[derive(Default)]
pub struct SandboxTopology {
    contexts: RwLock<Vec<(String, WeakKubeApi)>>,
    nodes: nodes::Nodes,
}

impl SandboxTopology {
    /// Adds an API server; its clusters become reachable from every other one.
    pub fn register(&self, api: &KubeApi) {
        self.contexts
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push((api.context().to_string(), api.downgrade()));
    }

    /// The API servers still running.
    fn apis(&self) -> Vec<KubeApi> {
        self.contexts
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|(_, api)| api.upgrade())
            .collect()
    }

    fn api(&self, context: &str) -> Option<KubeApi> {
        self.apis().into_iter().find(|api| api.context() == context)
    }

    /// The trust anchor of the cluster's current transport CA.
    fn current_transport_ca(&self, cluster: &ClusterId) -> Option<TrustAnchor> {
        let material = self
            .api(&cluster.context)?
            .cluster_material(&cluster.namespace, &cluster.name)?;
        trust_anchors(material.transport_ca.cert_pem().as_bytes())
            .into_iter()
            .next()
    }

    /// Whether every running node of `cluster` has loaded the current transport CA of `other`.
    fn nodes_trust(&self, cluster: &ClusterId, other: &ClusterId) -> bool {
        let (Some(api), Some(anchor)) =
            (self.api(&cluster.context), self.current_transport_ca(other))
        else {
            return false;
        };
        let loaded = self.nodes.loaded(&api, &cluster.namespace, &cluster.name);
        nodes::every_node_trusts(&loaded, &anchor)
    }

    /// How long trust changes take to reach the nodes, from now on.
    pub fn set_delays(&self, delays: TrustDelays) {
        self.nodes.set_delays(delays);
    }

    pub fn delays(&self) -> TrustDelays {
        self.nodes.delays()
    }

    /// Notices what a write through the API changed in the files of the nodes of the
    /// clusters in `namespace` (a reload is timed from the write, not from the next look).
    pub fn notice_writes(&self, api: &KubeApi, namespace: &str) {
        let (clusters, _) = api.inner.store.list(&ELASTICSEARCHES, Some(namespace));
        for cluster in clusters {
            self.nodes.loaded(api, namespace, object::name(&cluster));
        }
    }
}

impl Topology for SandboxTopology {
    /// The cluster whose `NAME-es-transport` service answers at `HOST:PORT`: a load
    /// balancer's address and the service port, or the kube cluster's node address and a
    /// node port.
    fn transport_at(&self, address: &str) -> Option<ClusterId> {
        let (host, port) = address.rsplit_once(':')?;
        let port = port.parse().ok()?;
        self.apis().into_iter().find_map(|api| {
            let (namespace, name) = exposure::cluster_at(&api, host, port)?;
            api.inner.hosting.endpoint(&namespace, &name)?;
            Some(ClusterId {
                context: api.context().to_string(),
                namespace,
                name,
            })
        })
    }

    /// Both clusters formed, and every node of `cluster` loads a CA with the key of
    /// `other`'s current transport CA.
    fn trusts(&self, cluster: &ClusterId, other: &ClusterId) -> bool {
        self.formed(cluster) && self.formed(other) && self.nodes_trust(cluster, other)
    }

    /// ECK names the Elasticsearch cluster after the resource.
    fn cluster_name(&self, cluster: &ClusterId) -> String {
        cluster.name.clone()
    }

    /// The restarts ECK made (a rolling upgrade restarts every pod).
    fn node_starts(&self, cluster: &ClusterId) -> u64 {
        self.api(&cluster.context).map_or(0, |api| {
            api.inner.eck.node_starts(&cluster.namespace, &cluster.name)
        })
    }

    /// The nodes trust their own cluster's current transport CA.
    fn formed(&self, cluster: &ClusterId) -> bool {
        self.nodes_trust(cluster, cluster)
    }

    /// Whether the transport certificates ECK issued to `cluster` carry `host`.
    fn certificate_names_match(&self, cluster: &ClusterId, host: &str) -> bool {
        self.api(&cluster.context).is_some_and(|api| {
            let names = certificate_names::transport_names(&api, &cluster.namespace, &cluster.name);
            certificate_names::matches(&names, host)
        })
    }

    /// The names in the keystore ECK builds from `spec.secureSettings`.
    fn keystore(&self, cluster: &ClusterId) -> std::collections::BTreeSet<String> {
        self.api(&cluster.context)
            .map(|api| keystore::setting_names(&api, &cluster.namespace, &cluster.name))
            .unwrap_or_default()
    }

    /// The `elasticsearch.yml` ECK rendered for each running node.
    fn node_configs(&self, cluster: &ClusterId) -> Vec<serde_json::Value> {
        let Some(api) = self.api(&cluster.context) else {
            return Vec::new();
        };
        trust::running_nodes(&api, &cluster.namespace, &cluster.name)
            .iter()
            .filter_map(|pod| trust::node_config(&api, pod))
            .collect()
    }
}
