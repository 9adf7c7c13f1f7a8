//! Emulation of a cloud provider's service controller: a Service of type LoadBalancer gets
//! `status.loadBalancer.ingress[0].ip` after a short delay (a MODIFIED event for watches).
//! Addresses are loopback ones (127.0.x.y), unique within a sandbox (nodes take theirs from
//! the same pool).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::apiserver::resources::SERVICES;
use crate::apiserver::{Change, Controller, KubeApi, json};

const DEFAULT_DELAY: Duration = Duration::from_millis(300);

/// The load-balancer addresses of one sandbox, shared by its API servers.
#[derive(Debug)]
pub struct AddressPool {
    next: AtomicU32,
}

impl Default for AddressPool {
    fn default() -> Self {
        // 127.0.0.1 is where the API servers listen.
        AddressPool {
            next: AtomicU32::new(2),
        }
    }
}

impl AddressPool {
    /// A loopback address no other user of the pool got.
    pub fn next_address(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("127.0.{}.{}", (n >> 8) & 0xff, n & 0xff)
    }
}

/// The service controller of one API server.
#[derive(Debug)]
pub struct LoadBalancers {
    addresses: Arc<AddressPool>,
    delay: Mutex<Duration>,
}

impl LoadBalancers {
    pub fn new(addresses: Arc<AddressPool>) -> Self {
        LoadBalancers {
            addresses,
            delay: Mutex::new(DEFAULT_DELAY),
        }
    }

    pub fn set_delay(&self, delay: Duration) {
        *self.delay.lock().unwrap_or_else(|p| p.into_inner()) = delay;
    }

    /// Called after every write to a service: schedules an address for a LoadBalancer
    /// service that has none.
    pub fn observe(&self, api: &KubeApi, service: &Value) {
        if !wants_address(service) {
            return;
        }
        let delay = *self.delay.lock().unwrap_or_else(|p| p.into_inner());
        let (api, namespace, name) = (
            api.clone(),
            json::namespace(service).to_string(),
            json::name(service).to_string(),
        );
        let addresses = Arc::clone(&self.addresses);
        api.runtime().clone().spawn(async move {
            tokio::time::sleep(delay).await;
            api.update_status(&SERVICES, &namespace, &name, |current| {
                wants_address(current)
                    .then(|| json!({"loadBalancer": {"ingress": [{"ip": addresses.next_address(), "ipMode": "VIP"}]}}))
            });
        });
    }
}

impl Controller for LoadBalancers {
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        if change.is_write_of(&SERVICES) {
            self.observe(api, change.object);
        }
    }
}

fn wants_address(service: &Value) -> bool {
    service["spec"]["type"] == "LoadBalancer"
        && service["status"]["loadBalancer"]["ingress"][0].is_null()
}
