//! What the API server knows of what runs above it, and all it knows: controllers, told of
//! every stored change through one interface, and the kubelet's connections into pods (for
//! port-forwards). It names none of them; the sandbox registers them when it assembles a
//! kube cluster.

use serde_json::Value;
use tokio::io::DuplexStream;

use super::handle::KubeApi;
use super::resources::ResourceType;
use super::write::Origin;

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
    pub fn wrote(&self, resource: &ResourceType) -> bool {
        !self.deleted && self.resource == resource
    }

    /// A deletion of an object of type `resource`.
    pub fn deleted(&self, resource: &ResourceType) -> bool {
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
