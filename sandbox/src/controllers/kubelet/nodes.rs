//! What each node has loaded, and when a change reaches it, as on real clusters: a node
//! loads its CA files when it starts (ECK restarts the pods one at a time when their
//! template changes: see `eck::pods`); a change of a mounted file's content waits for the
//! kubelet's sync of the volume (about a minute), then for Elasticsearch's check of its SSL
//! files (every 5 s). A reload that finds a file without a certificate keeps the old trust;
//! a node starting with one trusts nothing.
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
use crate::controllers::conventions::{CONFIG_HASH_ANNOTATION, TrustDelays};
use crate::controllers::eck::Eck;
use crate::trust_anchor::TrustAnchor;

/// The nodes of the kube cluster's Elasticsearch clusters, by context, namespace and pod name.
#[derive(Default)]
pub struct Nodes {
    views: Mutex<HashMap<(String, String, String), NodeView>>,
}

#[derive(Debug)]
struct NodeView {
    /// The pod template the node runs (a restarted pod has a new one, and loads its files
    /// anew): its [`revision`].
    revision: String,
    loaded: Vec<TrustAnchor>,
    pending: Option<Pending>,
}

/// A change on its way to a node.
#[derive(Debug)]
struct Pending {
    cas: Vec<TrustAnchor>,
    due: Instant,
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
    ) -> Vec<Vec<TrustAnchor>> {
        let now = Instant::now();
        let pods = node_files::running_nodes(api, namespace, name);
        let mut views = self.views.lock().unwrap_or_else(PoisonError::into_inner);
        pods.iter()
            .map(|pod| {
                let key = (
                    api.context().to_string(),
                    namespace.to_string(),
                    json::name(pod).to_string(),
                );
                let files = node_files::ca_files(api, eck, pod);
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
                view.loaded.clone()
            })
            .collect()
    }
}

/// What a node runs: its pod's spec and config hash (ECK's hash covers `elasticsearch.yml`
/// only, so a pod restarted for a new volume shows it in its spec).
fn revision(pod: &Value) -> String {
    let hash = json::annotation(pod, CONFIG_HASH_ANNOTATION).unwrap_or_default();
    format!("{hash} {}", pod["spec"])
}

/// Whether every node of `loaded` trusts `anchor` (and there is at least one node).
pub fn every_node_trusts(loaded: &[Vec<TrustAnchor>], anchor: &TrustAnchor) -> bool {
    !loaded.is_empty() && loaded.iter().all(|cas| node_files::trusts(cas, anchor))
}

impl NodeView {
    /// A node that starts with these files: one it refuses stops it, trusting nothing.
    fn started(revision: &str, files: &CaFiles) -> Self {
        NodeView {
            revision: revision.to_string(),
            loaded: match files {
                CaFiles::Loaded(cas) => cas.clone(),
                CaFiles::Refused => Vec::new(),
            },
            pending: None,
        }
    }

    /// Schedules what changed since the last look: a restarted node loaded its files at
    /// start; a running one reloads them once the kubelet synced them.
    fn notice(&mut self, revision: &str, files: CaFiles, reload_due: Instant) {
        if revision != self.revision {
            *self = NodeView::started(revision, &files);
            return;
        }
        let CaFiles::Loaded(cas) = files else {
            // A failed reload keeps the old trust.
            return;
        };
        let wanted = self.pending.as_ref().map_or(&self.loaded, |p| &p.cas);
        if cas != *wanted {
            let due = self.pending.as_ref().map_or(reload_due, |p| p.due);
            self.pending = Some(Pending { cas, due });
        }
    }

    fn settle(&mut self, now: Instant) {
        if let Some(pending) = self.pending.take_if(|p| p.due <= now) {
            self.loaded = pending.cas;
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

    #[test]
    fn a_reload_waits_and_a_failed_one_keeps_the_old_trust() {
        let start = Instant::now();
        let later = start + Duration::from_secs(1);
        let mut node = NodeView::started("h1", &CaFiles::Loaded(vec![ca(1)]));
        node.notice("h1", CaFiles::Loaded(vec![ca(1), ca(2)]), later);
        node.settle(start);
        assert_eq!(node.loaded, [ca(1)], "not reloaded yet");
        node.settle(later);
        assert_eq!(node.loaded, [ca(1), ca(2)]);
        node.notice("h1", CaFiles::Refused, later);
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
        let mut node = NodeView::started("h1", &CaFiles::Loaded(vec![ca(1)]));
        node.notice("h2", CaFiles::Loaded(vec![ca(1), ca(2)]), now);
        assert_eq!(
            node.loaded,
            [ca(1), ca(2)],
            "loaded at start, no reload delay"
        );
        node.notice("h3", CaFiles::Refused, now);
        assert!(
            node.loaded.is_empty(),
            "a node that cannot start trusts nothing"
        );
    }
}
