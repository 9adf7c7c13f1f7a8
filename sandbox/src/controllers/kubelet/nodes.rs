//! What each node has loaded, and when a change reaches it, as on real clusters: a node
//! loads its CA files when it starts (ECK restarts the pods one at a time when their
//! template changes: see `eck::pods`); a change of a mounted file's content waits for the
//! kubelet's sync of the volume (about a minute), then for Elasticsearch's check of its SSL
//! files (every 5 s). A reload that finds a file without a certificate keeps the old trust;
//! a node starting with one trusts nothing. Each TLS layer (transport, remote cluster client)
//! has its own files. The keystore is built when the node starts, from the secure settings
//! as they are then (ECK's init container), and kept until it restarts:
//! `_nodes/reload_secure_settings` rereads that same keystore. File-based secure settings
//! (ECK 3.5, Elasticsearch 9.5+) are reloaded like CA files instead.
//!
//! The sandbox scales these delays down ([`TrustDelays::default`]); tests set their own.
//! Content changes are noticed when the sandbox looks: after each write through the API,
//! and whenever a cluster asks about trust.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;
use tokio::time::Instant;

use super::node_files::{self, CaFiles};
use crate::apiserver::KubeApi;
use crate::apiserver::json;
use crate::apiserver::resources::ELASTICSEARCHES;
use crate::controllers::conventions::{CONFIG_HASH_ANNOTATION, TrustDelays};
use crate::controllers::eck::Eck;
use crate::controllers::eck::secure_settings::{self, SecureSettings, delivered_as_files};
use crate::elasticsearch::SslLayer;
use crate::trust_anchor::TrustAnchor;

/// The nodes of the kube cluster's Elasticsearch clusters, by context, namespace and pod name.
#[derive(Default)]
pub struct Nodes {
    views: Mutex<HashMap<(String, String, String), NodeView>>,
}

/// What one running node has loaded now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeState {
    /// The CAs its transport layer trusts.
    pub transport: Vec<TrustAnchor>,
    /// The CAs it trusts as the client of API-key remote clusters.
    pub remote_cluster_client: Vec<TrustAnchor>,
    /// Its keystore, as built when it started.
    pub keystore: SecureSettings,
}

#[derive(Debug)]
struct NodeView {
    /// The pod template the node runs (a restarted pod has a new one, and loads its files
    /// anew): its [`revision`].
    revision: String,
    transport: Reloading<Vec<TrustAnchor>>,
    remote_cluster_client: Reloading<Vec<TrustAnchor>>,
    keystore: Reloading<SecureSettings>,
}

/// What a node has loaded of something it reloads (the CAs of one TLS layer, file-based
/// secure settings), and a change on its way to it.
#[derive(Debug, PartialEq)]
struct Reloading<T> {
    loaded: T,
    pending: Option<Pending<T>>,
}

/// A change on its way to a node.
#[derive(Debug, PartialEq)]
struct Pending<T> {
    next: T,
    due: Instant,
}

/// What a node's files hold now, per layer, and the secure settings as they are now.
struct NodeFiles {
    transport: CaFiles,
    remote_cluster_client: CaFiles,
    secure_settings: SecureSettings,
    /// Whether the running node reloads `secure_settings` (file-based) or keeps the keystore
    /// it started with.
    reloads_secure_settings: bool,
}

impl Nodes {
    /// Notices the changes of every running node of a cluster, and returns what each has
    /// loaded now.
    pub fn loaded(
        &self,
        api: &KubeApi,
        eck: &Eck,
        delays: TrustDelays,
        namespace: &str,
        name: &str,
    ) -> Vec<NodeState> {
        let now = Instant::now();
        let pods = node_files::running_nodes(api, namespace, name);
        // What a node starting now builds its keystore from.
        let resource = api.get(&ELASTICSEARCHES, namespace, name);
        let secure = resource
            .as_ref()
            .map_or_else(SecureSettings::new, |resource| {
                secure_settings::gather(api, resource)
            });
        let reloads = resource.as_ref().is_some_and(delivered_as_files);
        let mut views = self.views.lock().unwrap_or_else(PoisonError::into_inner);
        pods.iter()
            .map(|pod| {
                let key = (
                    api.context().to_string(),
                    namespace.to_string(),
                    json::name(pod).to_string(),
                );
                let files = NodeFiles {
                    transport: node_files::ca_files(api, eck, pod, SslLayer::Transport),
                    remote_cluster_client: node_files::ca_files(
                        api,
                        eck,
                        pod,
                        SslLayer::RemoteClusterClient,
                    ),
                    secure_settings: secure.clone(),
                    reloads_secure_settings: reloads,
                };
                let revision = revision(pod);
                let view = views
                    .entry(key)
                    .or_insert_with(|| NodeView::started(&revision, &files));
                view.notice(
                    &revision,
                    files,
                    now + delays.volume_sync + delays.ssl_reload,
                );
                view.settle(now);
                view.state()
            })
            .collect()
    }
}

/// What a node runs: its pod's spec and config hash (ECK's hash covers `elasticsearch.yml`
/// and the keystore, so a pod restarted for a new volume shows it in its spec).
fn revision(pod: &Value) -> String {
    let hash = json::annotation(pod, CONFIG_HASH_ANNOTATION).unwrap_or_default();
    format!("{hash} {}", pod["spec"])
}

/// Whether every node trusts `anchor` in its `cas` (and there is at least one node).
pub fn every_node_trusts<'a>(
    mut cas: impl ExactSizeIterator<Item = &'a [TrustAnchor]>,
    anchor: &TrustAnchor,
) -> bool {
    cas.len() > 0 && cas.all(|cas| node_files::trusts(cas, anchor))
}

impl NodeView {
    /// A node that starts with these files and builds its keystore now.
    fn started(revision: &str, files: &NodeFiles) -> Self {
        NodeView {
            revision: revision.to_string(),
            transport: Reloading::started(&files.transport),
            remote_cluster_client: Reloading::started(&files.remote_cluster_client),
            keystore: Reloading::new(files.secure_settings.clone()),
        }
    }

    /// Schedules what changed since the last look: a restarted node loaded its files and
    /// built its keystore at start; a running one reloads its CA files (and file-based
    /// secure settings) once the kubelet synced them, and keeps its keystore.
    fn notice(&mut self, revision: &str, files: NodeFiles, reload_due: Instant) {
        if revision != self.revision {
            *self = NodeView::started(revision, &files);
            return;
        }
        self.transport.notice_files(files.transport, reload_due);
        self.remote_cluster_client
            .notice_files(files.remote_cluster_client, reload_due);
        if files.reloads_secure_settings {
            self.keystore.notice(files.secure_settings, reload_due);
        }
    }

    fn settle(&mut self, now: Instant) {
        self.transport.settle(now);
        self.remote_cluster_client.settle(now);
        self.keystore.settle(now);
    }

    fn state(&self) -> NodeState {
        NodeState {
            transport: self.transport.loaded.clone(),
            remote_cluster_client: self.remote_cluster_client.loaded.clone(),
            keystore: self.keystore.loaded.clone(),
        }
    }
}

impl<T: PartialEq> Reloading<T> {
    fn new(loaded: T) -> Self {
        Reloading {
            loaded,
            pending: None,
        }
    }

    /// Schedules `next` for `due`, unless it is what the node has or will have (a change
    /// already on its way keeps its due time).
    fn notice(&mut self, next: T, due: Instant) {
        let wanted = self.pending.as_ref().map_or(&self.loaded, |p| &p.next);
        if next != *wanted {
            let due = self.pending.as_ref().map_or(due, |p| p.due);
            self.pending = Some(Pending { next, due });
        }
    }

    fn settle(&mut self, now: Instant) {
        if let Some(pending) = self.pending.take_if(|p| p.due <= now) {
            self.loaded = pending.next;
        }
    }
}

impl Reloading<Vec<TrustAnchor>> {
    /// A node that starts with these files: one it refuses stops it, trusting nothing.
    fn started(files: &CaFiles) -> Self {
        Reloading::new(match files {
            CaFiles::Loaded(cas) => cas.clone(),
            CaFiles::Refused => Vec::new(),
        })
    }

    fn notice_files(&mut self, files: CaFiles, reload_due: Instant) {
        // A failed reload keeps the old trust.
        if let CaFiles::Loaded(cas) = files {
            self.notice(cas, reload_due);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ca(key: u8) -> TrustAnchor {
        TrustAnchor {
            public_key: vec![key],
            not_before: 0,
            not_after: i64::MAX,
        }
    }

    fn files(transport: CaFiles) -> NodeFiles {
        with_settings(transport, SecureSettings::new(), false)
    }

    fn with_settings(transport: CaFiles, secure: SecureSettings, reloads: bool) -> NodeFiles {
        NodeFiles {
            transport,
            remote_cluster_client: CaFiles::Loaded(Vec::new()),
            secure_settings: secure,
            reloads_secure_settings: reloads,
        }
    }

    fn keystore(value: &str) -> SecureSettings {
        SecureSettings::from([(
            "cluster.remote.a.credentials".to_string(),
            value.to_string(),
        )])
    }

    #[test]
    fn a_reload_waits_and_a_failed_one_keeps_the_old_trust() {
        let start = Instant::now();
        let later = start + Duration::from_secs(1);
        let mut node = Reloading::started(&CaFiles::Loaded(vec![ca(1)]));
        node.notice_files(CaFiles::Loaded(vec![ca(1), ca(2)]), later);
        node.settle(start);
        assert_eq!(node.loaded, [ca(1)], "not reloaded yet");
        node.settle(later);
        assert_eq!(node.loaded, [ca(1), ca(2)]);
        node.notice_files(CaFiles::Refused, later);
        node.settle(later + Duration::from_secs(5));
        assert_eq!(
            node.loaded,
            [ca(1), ca(2)],
            "a failed reload keeps the old trust"
        );
    }

    #[test]
    fn a_restarted_node_loads_its_files_and_stops_on_a_refused_one() {
        let now = Instant::now();
        let mut node = NodeView::started("h1", &files(CaFiles::Loaded(vec![ca(1)])));
        node.notice("h2", files(CaFiles::Loaded(vec![ca(1), ca(2)])), now);
        assert_eq!(
            node.state().transport,
            [ca(1), ca(2)],
            "loaded at start, no reload delay"
        );
        node.notice("h3", files(CaFiles::Refused), now);
        assert!(
            node.state().transport.is_empty(),
            "a node that cannot start trusts nothing"
        );
    }

    #[test]
    fn the_keystore_is_built_at_start_and_kept_until_a_restart() {
        let now = Instant::now();
        let loaded = |value| with_settings(CaFiles::Loaded(Vec::new()), keystore(value), false);
        let mut node = NodeView::started("h1", &loaded("old"));
        node.notice("h1", loaded("new"), now);
        node.settle(now);
        assert_eq!(node.state().keystore, keystore("old"), "running: kept");
        node.notice("h2", loaded("new"), now);
        assert_eq!(node.state().keystore, keystore("new"), "restarted: rebuilt");
    }

    #[test]
    fn file_based_secure_settings_are_reloaded_by_a_running_node() {
        let start = Instant::now();
        let later = start + Duration::from_secs(1);
        let files = |value| with_settings(CaFiles::Loaded(Vec::new()), keystore(value), true);
        let mut node = NodeView::started("h1", &files("old"));
        node.notice("h1", files("new"), later);
        node.settle(start);
        assert_eq!(node.state().keystore, keystore("old"), "not synced yet");
        node.settle(later);
        assert_eq!(node.state().keystore, keystore("new"));
    }
}
