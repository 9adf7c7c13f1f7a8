//! The kubelet's part, for the pods ECK makes: it runs each Elasticsearch resource's
//! emulated Elasticsearch (`hosting`), answers port-forwards into pods, mounts their Secret
//! and ConfigMap volumes (`mounts`, `node_files`), and times when a node loads what changed
//! in them (`nodes`: a restarted pod loads its files and builds its keystore at start, a
//! running one reloads its CA files after the volume sync and Elasticsearch's reload).
//!
//! The place for more kubelet-like behaviour: how long a pod takes to start, and what
//! the pods then report (such as `status.availableNodes` below the node count while the
//! last replaced pod is still starting), belongs here, next to `nodes`.

mod hosting;
mod mounts;
pub mod node_files;
mod nodes;

pub use hosting::EsEndpoint;

use std::sync::Arc;

use serde_json::Value;
use tokio::io::DuplexStream;

use super::conventions::{CLUSTER_NAME_LABEL, REMOTE_CLUSTER_CLIENT_LABEL, SharedDelays};
use super::eck::{self, Eck};
use crate::apiserver::Origin;
use crate::apiserver::resources::ELASTICSEARCHES;
use crate::apiserver::{Change, Controller, KubeApi, PodConnections, json};
use crate::elasticsearch::{Elasticsearch, Topology};
use hosting::Hosting;
use nodes::Nodes;
pub use nodes::{NodeState, every_node_trusts};

/// The only port a pod answers on: Elasticsearch's HTTP(S).
const HTTP_PORT: u16 = 9200;

/// The kubelets of one kube cluster, as one.
pub struct Kubelet {
    /// ECK's material for the pods: what their volumes hold that the store does not.
    eck: Eck,
    /// What the emulated Elasticsearch clusters see of the network.
    network: Arc<dyn Topology>,
    delays: Arc<SharedDelays>,
    pub(crate) hosting: Hosting,
    nodes: Nodes,
}

impl Kubelet {
    pub fn new(eck: Eck, network: Arc<dyn Topology>, delays: Arc<SharedDelays>) -> Self {
        Kubelet {
            eck,
            network,
            delays,
            hosting: Hosting::default(),
            nodes: Nodes::default(),
        }
    }

    /// The emulated Elasticsearch of that resource, while it exists.
    pub fn endpoint(&self, namespace: &str, name: &str) -> Option<EsEndpoint> {
        self.hosting.endpoint(namespace, name)
    }

    /// Every emulated Elasticsearch of the kube cluster, by namespace and name.
    pub fn endpoints(&self) -> Vec<EsEndpoint> {
        self.hosting.endpoints()
    }

    /// The operator whose pods these are.
    pub fn eck(&self) -> &Eck {
        &self.eck
    }

    /// Notices the changes of every running node of a cluster, and returns what each has
    /// loaded now.
    pub fn loaded(&self, api: &KubeApi, namespace: &str, name: &str) -> Vec<NodeState> {
        let delays = self.delays.get();
        self.nodes.loaded(api, &self.eck, delays, namespace, name)
    }

    /// Notices what a write changed in the files of the nodes of the clusters in `namespace`
    /// (a reload is timed from the write, not from the next look).
    pub fn notice_writes(&self, api: &KubeApi, namespace: &str) {
        for cluster in api.list(&ELASTICSEARCHES, Some(namespace)) {
            self.loaded(api, namespace, json::name(&cluster));
        }
    }
}

impl Controller for Kubelet {
    /// Runs the emulated Elasticsearch of a resource once ECK made its certificates, serves
    /// it again when ECK changed its HTTP layer, and stops it with the resource.
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        let (namespace, name) = (json::namespace(change.object), json::name(change.object));
        if change.is_deletion_of(&ELASTICSEARCHES) {
            self.hosting.cluster_deleted(namespace, name);
        } else if change.is_write_of(&ELASTICSEARCHES) {
            self.hosting
                .cluster_changed(api, &self.eck, &self.network, namespace, name);
            // Nodes that just started build their keystore now, not when first looked at.
            self.loaded(api, namespace, name);
        }
    }
}

/// The kubelet's sync of mounted volumes, as far as the sandbox looks: after each write by a
/// client of the API (the sandbox's own writes are looked at when a cluster asks about trust).
pub struct VolumeSync(pub Arc<Kubelet>);

impl Controller for VolumeSync {
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        if change.origin == Origin::Api {
            self.0.notice_writes(api, json::namespace(change.object));
        }
    }
}

impl PodConnections for Kubelet {
    /// Port 9200 of a pod of an Elasticsearch cluster: its emulated Elasticsearch, as the
    /// pod's node answers (refusing cross-cluster requests without `remote_cluster_client`).
    fn connect(&self, pod: &Value, port: u16) -> Option<DuplexStream> {
        let cluster = json::label(pod, CLUSTER_NAME_LABEL).filter(|_| port == HTTP_PORT)?;
        let without_role = (json::label(pod, REMOTE_CLUSTER_CLIENT_LABEL) == Some("false"))
            .then(|| json::name(pod));
        self.hosting
            .connect(json::namespace(pod), cluster, without_role)
    }
}

impl eck::Pods for Kubelet {
    fn elasticsearch(&self, namespace: &str, name: &str) -> Option<Elasticsearch> {
        Some(self.hosting.endpoint(namespace, name)?.handle)
    }

    fn restarted(&self, api: &KubeApi, namespace: &str) {
        self.notice_writes(api, namespace);
    }
}
