//! `KubeApi`: the handle to one emulated API server, shared by its HTTP routes, the
//! controllers registered on it and tests, which read and change its state directly; and
//! what the API server knows of what runs above it, and all it knows: controllers, told of
//! every stored change through one interface ([`Controller`]), and the kubelet's connections
//! into pods (for port-forwards). It names none of them; the sandbox registers them when it
//! assembles a kube cluster. (The interfaces live here, with the handle they are given.)

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use serde_json::Value;
use tokio::io::DuplexStream;

use super::auth::{PolicyRule, Users};
use super::crd::EckRelease;
use super::resources::{Registry, ResourceType};
use super::store::Store;
use super::strategy::Allocator;
use crate::faults::{Fault, Faults};

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
    /// The loopback address standing for this kube cluster's nodes (NodePort services).
    pub(super) node_address: String,
    /// Told of every change, in this order.
    pub(super) controllers: Vec<Arc<dyn Controller>>,
    /// What listens in pods, for port-forwards.
    pub(super) pods: Arc<dyn PodConnections>,
    pub(super) runtime: tokio::runtime::Handle,
}

/// A handle that does not keep its API server alive (the network's, so that API servers,
/// their clusters and the network form no cycle).
#[derive(Clone)]
pub(crate) struct WeakKubeApi(Weak<Inner>);

impl WeakKubeApi {
    pub(crate) fn upgrade(&self) -> Option<KubeApi> {
        self.0.upgrade().map(|inner| KubeApi { inner })
    }
}

/// What a new API server is made of.
pub(crate) struct ApiConfig {
    pub context: String,
    pub url: String,
    pub ca_pem: String,
    pub admin_token: String,
    pub crd_installed: bool,
    pub eck_release: EckRelease,
    /// The loopback address standing for this kube cluster's nodes.
    pub node_address: String,
    /// Told of every change, in this order.
    pub controllers: Vec<Arc<dyn Controller>>,
    pub pods: Arc<dyn PodConnections>,
}

impl KubeApi {
    /// A new API server.
    pub(crate) fn new(config: ApiConfig) -> Self {
        let inner = Inner {
            context: config.context,
            node_address: config.node_address,
            users: Users::new(&config.admin_token),
            url: config.url,
            ca_pem: config.ca_pem,
            admin_token: config.admin_token,
            registry: Registry::new(config.crd_installed, config.eck_release),
            store: Store::default(),
            faults: Faults::default(),
            requests: Mutex::default(),
            allocator: Allocator::default(),
            controllers: config.controllers,
            pods: config.pods,
            runtime: tokio::runtime::Handle::current(),
        };
        KubeApi {
            inner: Arc::new(inner),
        }
    }

    pub(crate) fn downgrade(&self) -> WeakKubeApi {
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

    /// An object as stored (controllers).
    pub(crate) fn get(
        &self,
        rt: &'static ResourceType,
        namespace: &str,
        name: &str,
    ) -> Option<Value> {
        self.inner.store.get(rt, namespace, name)
    }

    /// The objects of a type, in one namespace or all (controllers).
    pub(crate) fn list(&self, rt: &'static ResourceType, namespace: Option<&str>) -> Vec<Value> {
        self.inner.store.list(rt, namespace).0
    }

    /// Every type this server serves.
    pub(crate) fn resource_types(&self) -> &[&'static ResourceType] {
        self.inner.registry.all()
    }

    /// The runtime the API server was started on: controllers' timers run there, and so do
    /// servers started by writes from outside it.
    pub(crate) fn runtime(&self) -> &tokio::runtime::Handle {
        &self.inner.runtime
    }
}

/// Who writes: a client of the API, or the sandbox itself (tests, controllers). Controllers
/// tell them apart as they need: ECK restores what it owns only after a client's change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// An HTTP request.
    Api,
    /// Direct state access: tests may leave ECK's objects broken on purpose, and a
    /// controller's own writes.
    #[default]
    Direct,
}

/// One stored change: an object written (as stored now) or deleted (as it was).
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub resource: &'static ResourceType,
    pub object: &'a Value,
    pub deleted: bool,
    /// Who wrote: a client of the API, or the sandbox itself (tests, controllers).
    pub origin: Origin,
}

impl Change<'_> {
    /// A write (not a deletion) of an object of type `resource`.
    pub fn is_write_of(&self, resource: &ResourceType) -> bool {
        !self.deleted && self.resource == resource
    }

    /// A deletion of an object of type `resource`.
    pub fn is_deletion_of(&self, resource: &ResourceType) -> bool {
        self.deleted && self.resource == resource
    }
}

/// A controller: told of every change, synchronously, in the order controllers were
/// registered, before the write returns to its caller (so a test sees the reaction as soon
/// as its request returns). It reads and writes through the API server's methods, and its
/// own writes reach every controller again, itself included.
pub trait Controller: Send + Sync {
    fn react(&self, api: &KubeApi, change: &Change<'_>);
}

/// The kubelet's side of a port-forward: what listens in a pod.
pub trait PodConnections: Send + Sync {
    /// A connection to `port` inside `pod` (as stored when the port-forward started), if
    /// something listens there.
    fn connect(&self, pod: &Value, port: u16) -> Option<DuplexStream>;
}
