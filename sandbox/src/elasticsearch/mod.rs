//! The emulated Elasticsearch of ecr's sandbox: one cluster's HTTP API (basic auth, cluster
//! settings, remote clusters, and the probes that prove a link; its license and cross-cluster
//! API keys, kept in its cluster state), faithful to Elasticsearch 8.x and 9.x. A remote
//! cluster is certificate-based (mutual TLS on the transport port), or API-key based when the
//! keystore holds its credentials (the remote cluster server on 9443, both licenses
//! Enterprise or trial, the key's access).
//!
//! The sandbox serves [`Elasticsearch::router`] over HTTPS and tells each cluster what the
//! emulated network and TLS trust look like through a [`Topology`].

mod api_key_requests;
mod api_keys;
mod auth;
mod cluster;
mod cross_cluster;
mod errors;
mod faults;
mod info;
mod journal;
mod license;
mod params;
mod registry;
mod remote;
mod request_body;
mod roles;
mod routes;
mod security;
mod settings;
mod version;
mod world;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use cluster::Cluster;
pub use journal::RequestRecord;
pub use roles::without_remote_cluster_client;
pub(crate) use world::now_millis;
pub use world::{
    ClusterId, ElasticsearchConfig, KeyGrant, RemoteClusterServer, SslLayer, Topology,
};

use crate::faults::Fault;

/// One emulated cluster; clones share it.
#[derive(Clone)]
pub struct Elasticsearch {
    cluster: Arc<Cluster>,
}

impl Elasticsearch {
    pub fn new(config: ElasticsearchConfig, topology: Arc<dyn Topology>) -> Self {
        Elasticsearch {
            cluster: Arc::new(Cluster::new(config, topology)),
        }
    }

    /// All HTTP endpoints, authentication included.
    pub fn router(&self) -> axum::Router {
        routes::router(self.cluster.clone())
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.cluster.journal.records()
    }

    /// Makes the next `times` authenticated requests answer `status` with an Elasticsearch error body.
    pub fn inject_fault(&self, times: u32, status: u16) {
        self.inject(Fault::new(status).times(times));
    }

    /// Makes the next requests that `fault` matches answer its status (after faults armed before).
    pub fn inject(&self, fault: Fault<u16>) {
        self.cluster.faults.arm(fault);
    }

    /// Makes the next `times` settings updates commit but answer `acknowledged: false`, as
    /// when a node does not apply the new cluster state within the ack timeout.
    pub fn answer_unacknowledged(&self, times: u32) {
        self.cluster
            .unacknowledged
            .store(times, std::sync::atomic::Ordering::SeqCst);
    }

    /// Disarms the faults not used up yet, as when the cluster recovers.
    pub fn clear_faults(&self) {
        self.cluster.faults.clear();
    }

    /// Applies a `PUT _cluster/settings` body as a client of the cluster would (ECK does);
    /// Elasticsearch's reason when it refuses it.
    pub fn update_settings(&self, body: &serde_json::Value) -> Result<(), String> {
        settings::SettingsUpdate::from_json(body)
            .and_then(|update| self.cluster.update_settings(&update))
            .map(drop)
            .map_err(|error| error.reason().to_owned())
    }

    /// The receiving side of API-key links, for the network to hand to client clusters.
    pub fn remote_cluster_server(&self) -> Arc<dyn RemoteClusterServer> {
        self.cluster.clone()
    }

    /// Starts a trial license as `POST _license/start_trial?acknowledge=true` does; false
    /// when the cluster had one already (a trial starts once in a cluster's life).
    pub fn start_trial(&self) -> bool {
        self.cluster.start_trial(true) == license::TrialStart::Started
    }

    /// Returns to a basic license as `POST _license/start_basic?acknowledge=true` does; false
    /// when the cluster was on basic already (answered 403). A trial cannot start again.
    pub fn start_basic(&self) -> bool {
        self.cluster.start_basic() == license::BasicStart::GeneratedBasic
    }

    /// The license type: `basic` or `trial`.
    pub fn license_type(&self) -> &'static str {
        self.cluster.license().type_name()
    }

    /// Creates a cross-cluster API key from a `POST _security/cross_cluster/api_key` body,
    /// whatever the license; the answer (`id`, `name`, `api_key`, `encoded`), or
    /// Elasticsearch's reason for refusing the body.
    pub fn create_cross_cluster_api_key(
        &self,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let request =
            api_key_requests::CreateRequest::from_json(body).map_err(|e| e.reason().to_owned())?;
        Ok(self
            .cluster
            .with_api_keys(|keys| keys.create(request, world::now_millis())))
    }

    /// Every API key, invalidated ones included, as `GET _security/api_key` shows them
    /// (never their secrets).
    pub fn api_keys(&self) -> Vec<serde_json::Value> {
        self.cluster.with_api_keys(|keys| {
            keys.find(None, None, false, world::now_millis())
                .into_iter()
                .map(|key| key.to_json())
                .collect()
        })
    }

    /// The persistent settings as a flat JSON object (`{"cluster.remote.a.mode": "proxy"}`).
    pub fn persistent_settings(&self) -> serde_json::Value {
        settings::to_flat_json(&self.cluster.settings().persistent)
    }
}
