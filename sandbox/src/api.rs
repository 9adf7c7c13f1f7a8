//! `KubeApi`: the handle to one emulated API server, shared by its HTTP routes, its
//! controllers (ECK, load balancers), its emulated Elasticsearch clusters and tests, which
//! read and change its state directly.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use serde_json::Value;

use super::auth::{PolicyRule, Users};
use super::cloud::{AddressPool, LoadBalancers};
use super::eck::{ClusterMaterial, Eck};
use super::es_hosting::{EsEndpoint, Hosting};
use super::faults::{Fault, Faults};
use super::objects::{Part, WriteOptions};
use super::resources::{Registry, ResourceType};
use super::store::Store;
use super::strategy::Allocator;
use super::topology::SandboxTopology;

/// One request the API server answered (or dropped: status 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    pub status: u16,
    /// The authenticated user, or `system:anonymous`.
    pub user: String,
}

/// A cheap, cloneable handle to one emulated API server.
#[derive(Clone)]
pub struct KubeApi {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    /// The kubeconfig context (and cluster) name.
    pub(super) context: String,
    pub(super) url: String,
    pub(super) ca_pem: String,
    pub(super) admin_token: String,
    pub(super) registry: Registry,
    pub(super) store: Store,
    pub(super) users: Users,
    pub(super) faults: Faults,
    pub(super) requests: Mutex<Vec<RequestRecord>>,
    pub(super) allocator: Allocator,
    pub(super) eck: Eck,
    pub(super) load_balancers: LoadBalancers,
    /// The loopback address standing for this kube cluster's nodes (NodePort services).
    pub(super) node_address: String,
    /// The emulated Elasticsearch of each Elasticsearch resource.
    pub(super) hosting: Hosting,
    /// The sandbox-wide network and trust those clusters see.
    pub(super) topology: Arc<SandboxTopology>,
    pub(super) runtime: tokio::runtime::Handle,
}

/// A handle that does not keep its API server alive (the topology's, so that API servers,
/// their clusters and the topology form no cycle).
#[derive(Clone)]
pub(super) struct WeakKubeApi(Weak<Inner>);

impl WeakKubeApi {
    pub(super) fn upgrade(&self) -> Option<KubeApi> {
        self.0.upgrade().map(|inner| KubeApi { inner })
    }
}

/// What a new API server is made of.
pub(super) struct ApiConfig {
    pub context: String,
    pub url: String,
    pub ca_pem: String,
    pub admin_token: String,
    pub crd_installed: bool,
    pub addresses: Arc<AddressPool>,
    pub topology: Arc<SandboxTopology>,
}

impl KubeApi {
    /// A new API server, registered in the sandbox's topology.
    pub(super) fn new(config: ApiConfig) -> Self {
        let inner = Inner {
            context: config.context,
            node_address: config.addresses.next_address(),
            users: Users::new(&config.admin_token),
            url: config.url,
            ca_pem: config.ca_pem,
            admin_token: config.admin_token,
            registry: Registry::new(config.crd_installed),
            store: Store::default(),
            faults: Faults::default(),
            requests: Mutex::default(),
            allocator: Allocator::default(),
            eck: Eck::default(),
            load_balancers: LoadBalancers::new(config.addresses),
            hosting: Hosting::default(),
            topology: config.topology,
            runtime: tokio::runtime::Handle::current(),
        };
        let api = KubeApi {
            inner: Arc::new(inner),
        };
        api.inner.topology.register(&api);
        api
    }

    pub(super) fn downgrade(&self) -> WeakKubeApi {
        WeakKubeApi(Arc::downgrade(&self.inner))
    }

    /// The kubeconfig context of this API server.
    pub fn context(&self) -> &str {
        &self.inner.context
    }

    /// The address of this kube cluster's nodes: NodePort services answer at
    /// `NODE_ADDRESS:NODE_PORT`, and pods show it as `status.hostIP`.
    pub fn node_address(&self) -> &str {
        &self.inner.node_address
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.inner.url.clone()
    }

    /// The PEM of the CA that signed the API server's certificate.
    pub fn ca_pem(&self) -> String {
        self.inner.ca_pem.clone()
    }

    /// The bearer token of `kubernetes-admin`, who may do anything.
    pub fn admin_token(&self) -> String {
        self.inner.admin_token.clone()
    }

    /// The resource type named by group and plural; panics when this server does not
    /// serve it (a test helper).
    pub(super) fn resource_type(&self, group: &str, resource: &str) -> &'static ResourceType {
        self.inner
            .registry
            .find(group, resource)
            .unwrap_or_else(|| {
                panic!("the sandbox API server does not serve {resource:?} in group {group:?}")
            })
    }

    /// An object as stored, without going through HTTP.
    pub fn get_object(
        &self,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        let rt = self.resource_type(group, resource);
        self.inner
            .store
            .get(rt, namespace.unwrap_or_default(), name)
    }

    /// The objects of a type, in one namespace or all.
    pub fn list_objects(&self, group: &str, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        let rt = self.resource_type(group, resource);
        self.inner.store.list(rt, namespace).0
    }

    /// Creates or replaces an object (status included) as a controller would: bumps the
    /// resourceVersion, fires watch events and runs the ECK emulation. Panics when the API
    /// server refuses the object (a test helper).
    pub fn put_object(&self, group: &str, resource: &str, object: Value) {
        let rt = self.resource_type(group, resource);
        if let Err(error) = self.upsert(rt, object, Part::Whole) {
            panic!(
                "the sandbox refused to store the {resource}: {}",
                error.message
            );
        }
    }

    /// Deletes an object (and what is owned by it) if it exists.
    pub fn delete_object(&self, group: &str, resource: &str, namespace: Option<&str>, name: &str) {
        let rt = self.resource_type(group, resource);
        // Already absent is what the caller wants.
        let _ = self.remove(
            rt,
            namespace.unwrap_or_default(),
            name,
            None,
            &WriteOptions::default(),
        );
    }

    /// Every HTTP request served so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock_requests().clone()
    }

    pub(super) fn record_request(&self, record: RequestRecord) {
        self.lock_requests().push(record);
    }

    fn lock_requests(&self) -> MutexGuard<'_, Vec<RequestRecord>> {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes the next matching requests fail.
    pub fn inject_fault(&self, fault: Fault) {
        self.inner.faults.arm(fault);
    }

    /// Disarms the faults not used up yet, as when a failing component comes back.
    pub fn clear_faults(&self) {
        self.inner.faults.clear();
    }

    /// Adds a user who authenticates with `token` and may only do what `rules` allow.
    pub fn add_user(&self, token: &str, username: &str, rules: Vec<PolicyRule>) {
        self.inner.users.add(token, username, rules);
    }

    /// Gives that Elasticsearch cluster a new transport CA (with a new key) and updates
    /// its public transport secret, as a replaced user-provided CA would.
    pub fn rotate_transport_ca(&self, namespace: &str, name: &str) {
        self.inner.eck.rotate_transport_ca(self, namespace, name);
    }

    /// Renews that Elasticsearch cluster's transport CA as ECK does before it expires (same
    /// key, new certificate) and updates its public transport secret.
    pub fn renew_transport_ca(&self, namespace: &str, name: &str) {
        self.inner.eck.renew_transport_ca(self, namespace, name);
    }

    /// How many rolling restarts ECK would have done for that cluster: one per change that
    /// rebuilt the pods (config, podTemplate or version) of any of its nodeSets.
    pub fn rolling_restarts(&self, namespace: &str, name: &str) -> u32 {
        self.inner.eck.rolling_restarts(namespace, name)
    }

    /// The CAs, certificates and password ECK made for that cluster.
    pub fn cluster_material(&self, namespace: &str, name: &str) -> Option<ClusterMaterial> {
        self.inner.eck.material(namespace, name)
    }

    /// The emulated Elasticsearch of that Elasticsearch resource, while it exists.
    pub fn elasticsearch(&self, namespace: &str, name: &str) -> Option<EsEndpoint> {
        self.inner.hosting.endpoint(namespace, name)
    }

    /// The emulated Elasticsearch of every Elasticsearch resource, by namespace and name.
    pub fn elasticsearch_endpoints(&self) -> Vec<EsEndpoint> {
        self.inner.hosting.endpoints()
    }

    /// How long a LoadBalancer service waits for its address (default 300 ms).
    pub fn set_load_balancer_delay(&self, delay: Duration) {
        self.inner.load_balancers.set_delay(delay);
    }
}
