//! One kube cluster assembled: its API server and the controllers registered on it, in the
//! order they are told of each change. [`KubeCluster`] derefs to its [`KubeApi`] and carries
//! the operations that are really the controllers' (ECK's CA rotation, the kubelet's
//! Elasticsearch endpoints, the load balancers' delay).

use std::ops::Deref;
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::apiserver::resources::SECRETS;
use crate::apiserver::write::Part;
use crate::apiserver::{ApiConfig, Controller, EckRelease, KubeApi};
use crate::controllers::conventions::SharedDelays;
use crate::controllers::eck::{self, ClusterMaterial, Eck};
use crate::controllers::kubelet::{EsEndpoint, Kubelet, VolumeSync};
use crate::controllers::load_balancers::{AddressPool, LoadBalancers};
use crate::controllers::namespaces::Namespaces;
use crate::network::Network;

/// What a kube cluster is made of, besides what its sandbox shares.
pub(crate) struct ClusterConfig {
    pub context: String,
    pub url: String,
    pub ca_pem: String,
    pub admin_token: String,
    pub crd_installed: bool,
    pub eck_release: EckRelease,
}

/// What the kube clusters of one sandbox share.
pub(crate) struct Shared<'a> {
    pub addresses: &'a Arc<AddressPool>,
    pub network: &'a Arc<Network>,
    pub delays: &'a Arc<SharedDelays>,
}

/// A kube cluster: its API server (which it derefs to) and its controllers.
#[derive(Clone)]
pub struct KubeCluster {
    api: KubeApi,
    eck: Eck,
    pub(crate) kubelet: Arc<Kubelet>,
    load_balancers: Arc<LoadBalancers>,
}

impl Deref for KubeCluster {
    type Target = KubeApi;

    fn deref(&self) -> &KubeApi {
        &self.api
    }
}

impl KubeCluster {
    /// Builds the controllers, registers them on a new API server, and joins the network.
    pub(crate) fn assemble(config: ClusterConfig, shared: Shared<'_>) -> Self {
        let eck = Eck::new(Arc::clone(shared.delays));
        let network: Arc<dyn crate::elasticsearch::Topology> = shared.network.clone();
        let kubelet = Arc::new(Kubelet::new(
            eck.clone(),
            network,
            Arc::clone(shared.delays),
        ));
        let pods: Weak<dyn eck::Pods> = Arc::downgrade(&kubelet) as Weak<dyn eck::Pods>;
        eck.run_pods_with(pods);
        let load_balancers = Arc::new(LoadBalancers::new(Arc::clone(shared.addresses)));
        // The order of reactions: ECK reconciles, the kubelet runs what ECK made, ECK's
        // licenses and remote-cluster settings reach that Elasticsearch (the license first,
        // as in ECK's reconcile); then services get addresses,
        // namespaces are emptied; last, a client's changes wake ECK and the volume sync.
        let controllers: Vec<Arc<dyn Controller>> = vec![
            Arc::new(eck.clone()),
            kubelet.clone(),
            Arc::new(eck::Licenses::new(kubelet.clone())),
            Arc::new(eck::RemoteClusters::new(eck.clone(), kubelet.clone())),
            load_balancers.clone(),
            Arc::new(Namespaces),
            Arc::new(eck::OwnedObjects(eck.clone())),
            Arc::new(VolumeSync(kubelet.clone())),
        ];
        let api = KubeApi::new(ApiConfig {
            context: config.context,
            url: config.url,
            ca_pem: config.ca_pem,
            admin_token: config.admin_token,
            crd_installed: config.crd_installed,
            eck_release: config.eck_release,
            node_address: shared.addresses.next_address(),
            controllers,
            pods: kubelet.clone(),
        });
        shared.network.join(&api, &kubelet);
        KubeCluster {
            api,
            eck,
            kubelet,
            load_balancers,
        }
    }

    /// The API server.
    pub fn api(&self) -> &KubeApi {
        &self.api
    }

    /// Gives that Elasticsearch cluster a new transport CA (with a new key) and updates
    /// its public transport secret, as a replaced user-provided CA would.
    pub fn rotate_transport_ca(&self, namespace: &str, name: &str) {
        self.eck.rotate_transport_ca(&self.api, namespace, name);
    }

    /// Renews that Elasticsearch cluster's transport CA as ECK does before it expires (same
    /// key, new certificate) and updates its public transport secret.
    pub fn renew_transport_ca(&self, namespace: &str, name: &str) {
        self.eck.renew_transport_ca(&self.api, namespace, name);
    }

    /// How many rolling restarts ECK would have done for that cluster: one per change that
    /// rebuilt the pods (config, podTemplate or version) of any of its nodeSets.
    pub fn rolling_restarts(&self, namespace: &str, name: &str) -> u32 {
        self.eck.rolling_restarts(namespace, name)
    }

    /// The CAs, certificates and password ECK made for that cluster.
    pub fn cluster_material(&self, namespace: &str, name: &str) -> Option<ClusterMaterial> {
        self.eck.material(namespace, name)
    }

    /// Starts a trial license on that Elasticsearch cluster by hand, as
    /// `POST _license/start_trial?acknowledge=true` does; false when it has none to start (no
    /// such cluster, or a trial started before). ECK turns it back to basic after the next
    /// restart of a node: [`KubeCluster::start_eck_trial`] is the trial that lasts.
    pub fn start_trial(&self, namespace: &str, name: &str) -> bool {
        self.elasticsearch(namespace, name)
            .is_some_and(|endpoint| endpoint.handle.start_trial())
    }

    /// Starts ECK's enterprise trial as a user does: creates the Secret `eck-trial-license` in
    /// the operator's namespace, labelled `license.k8s.elastic.co/type: enterprise_trial` and
    /// annotated `elastic.co/eula: accepted`. ECK then starts Elasticsearch's trial on every
    /// cluster of this kube cluster, and keeps it through restarts.
    pub fn start_eck_trial(&self) -> anyhow::Result<()> {
        self.api
            .upsert(&SECRETS, eck::trial_request(), Part::Whole)
            .map(drop)
            .map_err(|error| anyhow::anyhow!("creating ECK's trial secret: {}", error.message))
    }

    /// The emulated Elasticsearch of that Elasticsearch resource, while it exists.
    pub fn elasticsearch(&self, namespace: &str, name: &str) -> Option<EsEndpoint> {
        self.kubelet.endpoint(namespace, name)
    }

    /// The emulated Elasticsearch of every Elasticsearch resource, by namespace and name.
    pub fn elasticsearch_endpoints(&self) -> Vec<EsEndpoint> {
        self.kubelet.endpoints()
    }

    /// How long a LoadBalancer service waits for its address (default 300 ms).
    pub fn set_load_balancer_delay(&self, delay: Duration) {
        self.load_balancers.set_delay(delay);
    }
}
