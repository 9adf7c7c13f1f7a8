//! The operator: ECK's reconcile of each Elasticsearch resource (certificates, secrets,
//! services, StatefulSets, pods, status), its rolling upgrades, and its reactions as a
//! controller of the API server ([`Eck`], [`OwnedObjects`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use serde_json::{Value, json};
use tokio::time::Instant;

use super::apply::apply_owned;
use super::http::http_certificate_names;
use super::licenses::{self, Health};
use super::material::{ClusterMaterial, HttpLayer};
use super::pods::Pods;
use super::resource::{Cluster, Pause, PodTemplates, paused, statefulset_name};
use super::{elasticsearch_yml, http, pods, secrets, secure_settings, services, statefulsets};
use crate::apiserver::resources::{
    CONFIGMAPS, ELASTICSEARCHES, PODS, ResourceType, SECRETS, SERVICES, STATEFULSETS,
};
use crate::apiserver::{Change, Controller, KubeApi, Origin, json};
use crate::controllers::conventions::{
    CLUSTER_NAME_LABEL, STATEFULSET_LABEL, SharedDelays, TYPE_LABEL, transport_ca_paths,
};
use crate::tls::CertificateAuthority;

impl ClusterMaterial {
    fn new(namespace: &str, name: &str) -> anyhow::Result<Self> {
        let http_ca = CertificateAuthority::new(&format!("{name}-http"), Some(name))?;
        let names = http_certificate_names(namespace, name, &[]);
        let http_cert = http_ca.issue(&names[0], &names)?;
        let transport_ca = transport_ca(name)?;
        Ok(ClusterMaterial {
            transport_bundle: transport_ca.cert_pem().to_string(),
            transport_ca: Arc::new(transport_ca),
            http: HttpLayer::eck(&http_cert, http_ca.cert_pem()),
            http_cert,
            http_cert_names: names,
            http_ca: Arc::new(http_ca),
            elastic_password: json::random_secret(24),
        })
    }
}

fn transport_ca(name: &str) -> anyhow::Result<CertificateAuthority> {
    CertificateAuthority::new(&format!("{name}-transport"), Some(name))
}

struct ClusterState {
    material: ClusterMaterial,
    /// Distinguishes the pod IPs of clusters.
    index: u32,
    observed: Option<PodTemplates>,
    rolling_restarts: u32,
    roll: pods::Roll,
    /// How many times a node of the cluster (re)started since it was made.
    node_starts: u64,
}

impl ClusterState {
    /// The existing nodeSets whose pods a change rebuilds; a rolling restart of the cluster
    /// is counted when there are any: ECK rolls them all in one upgrade, one pod at a time.
    fn observe(&mut self, templates: PodTemplates) -> Vec<String> {
        let rolled: Vec<String> = match &self.observed {
            Some(previous) => templates
                .iter()
                .filter(|(name, template)| previous.get(*name).is_some_and(|p| p != *template))
                .map(|(name, _)| name.clone())
                .collect(),
            None => Vec::new(),
        };
        self.rolling_restarts += u32::from(!rolled.is_empty());
        self.observed = Some(templates);
        rolled
    }
}

#[derive(Default)]
struct State {
    clusters: HashMap<(String, String), ClusterState>,
    next_index: u32,
}

/// The operator of one API server: a cheap handle, shared with its timers.
#[derive(Clone)]
pub struct Eck {
    state: Arc<Mutex<State>>,
    delays: Arc<SharedDelays>,
    /// The kubelet's, once the kube cluster is assembled.
    pods: Arc<OnceLock<Weak<dyn Pods>>>,
}

impl Controller for Eck {
    /// Reconciles an Elasticsearch resource when it changes, and the clusters that use a
    /// ConfigMap of extra CAs when it does; cleans up after a deleted resource.
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        let (namespace, name) = (json::namespace(change.object), json::name(change.object));
        if change.is_deletion_of(&ELASTICSEARCHES) {
            self.cluster_deleted(api, namespace, name);
        } else if change.is_write_of(&ELASTICSEARCHES) {
            self.reconcile(api, namespace, name);
        } else if change.resource == &CONFIGMAPS {
            self.config_map_changed(api, namespace, name);
        } else if change.resource == &SECRETS
            && json::label(change.object, TYPE_LABEL) != Some("elasticsearch")
        {
            // A user's secret (ECK's own are not secure settings sources).
            self.secret_changed(api, namespace, name);
        }
    }
}

/// ECK watches what it owns: a client changing or deleting one of its objects makes it
/// reconcile the cluster, which restores the object. Its own writes (and tests' direct
/// ones, which may leave its objects broken on purpose) do not wake it.
pub struct OwnedObjects(pub Eck);

impl Controller for OwnedObjects {
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        if change.origin != Origin::Api {
            return;
        }
        let object = change.object;
        let owned = json::label(object, TYPE_LABEL) == Some("elasticsearch");
        if let (true, Some(cluster)) = (owned, json::label(object, CLUSTER_NAME_LABEL)) {
            self.0.reconcile(api, json::namespace(object), cluster);
        }
    }
}

/// What ECK reports of a cluster (kept here, beside the reconcile that writes it).
impl Cluster<'_> {
    /// Whether every nodeSet's rendered config still lists ECK's own transport CA file: a
    /// plain string in `certificate_authorities` replaces ECK's list, and nodes that do not
    /// trust their own CA cannot form a cluster.
    fn trusts_itself(&self) -> bool {
        self.node_sets.iter().all(|ns| {
            transport_ca_paths(&elasticsearch_yml::merged(self, ns))
                .iter()
                .any(|path| path == elasticsearch_yml::OWN_TRANSPORT_CA)
        })
    }

    /// The resource's status; `to_restart`: the pods still waiting for their restart in a
    /// rolling upgrade (ECK: `reconcile/status.go`, `inProgressOperations.upgrade`).
    fn status(&self, to_restart: &[String]) -> Value {
        let (nodes, health, phase) = match (self.trusts_itself(), to_restart.is_empty()) {
            (true, true) => {
                let nodes: u64 = self.node_sets.iter().map(|ns| ns.count).sum();
                (nodes, "green", "Ready")
            }
            (true, false) => {
                let nodes: u64 = self.node_sets.iter().map(|ns| ns.count).sum();
                (nodes.saturating_sub(1), "yellow", "ApplyingChanges")
            }
            (false, _) => (0, "red", "ApplyingChanges"),
        };
        let mut upgrade = json!({"lastUpdatedTime": null});
        if !to_restart.is_empty() {
            // `nodes,omitempty` in ECK's `UpgradeOperation`.
            let nodes: Vec<Value> = to_restart
                .iter()
                .map(|pod| json!({"name": pod, "status": "PENDING"}))
                .collect();
            upgrade["nodes"] = json!(nodes);
        }
        json!({
            "availableNodes": nodes,
            "health": health,
            "phase": phase,
            "version": self.version,
            "observedGeneration": self.resource["metadata"]["generation"],
            "inProgressOperations": {
                "downscale": {"lastUpdatedTime": null},
                "upgrade": upgrade,
                "upscale": {"lastUpdatedTime": null},
            },
        })
    }
}

impl Eck {
    /// An operator whose rolling upgrades take `delays`.
    pub fn new(delays: Arc<SharedDelays>) -> Self {
        Eck {
            state: Arc::default(),
            delays,
            pods: Arc::default(),
        }
    }

    /// Gives ECK the kubelet's pods (once; a weak handle: the kubelet holds ECK).
    pub fn run_pods_with(&self, pods: Weak<dyn Pods>) {
        if self.pods.set(pods).is_err() {
            tracing::error!("ECK was given the pods of a kubelet twice");
        }
    }

    fn pods(&self) -> Option<Arc<dyn Pods>> {
        self.pods.get()?.upgrade()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Brings everything ECK makes for that cluster in line with its resource, then its
    /// license.
    pub fn reconcile(&self, api: &KubeApi, namespace: &str, name: &str) {
        let restarted = self.reconcile_objects(api, namespace, name);
        // Right after a node restarted, ECK's observer has not seen the cluster answer yet
        // (it polls every 10 s, and a new observer starts with no health: ECK
        // `elasticsearch/observer/observer.go`), so ECK reconciles the license with the empty
        // one, which turns a trial started by hand to basic (`licenses::Health`). With
        // one node that is every restart, as the real stack showed; with more, a race (its
        // poll or `GET _license` reaching the restarting node), which the sandbox settles the
        // same way so that nothing relies on such a trial. Outside the operator's lock: an
        // emulated Elasticsearch holds its own while it reads ECK's certificates (a probe
        // checking trust), so the order is always Elasticsearch, then ECK.
        if let (true, Some(pods)) = (restarted > 0, self.pods()) {
            licenses::apply(api, pods.as_ref(), namespace, name, Health::Unknown);
        }
    }

    /// The objects ECK makes for the cluster; how many of its nodes this restarted. Holds the
    /// operator's lock throughout, so reconciles never interleave.
    fn reconcile_objects(&self, api: &KubeApi, namespace: &str, name: &str) -> u64 {
        let mut state = self.lock();
        let Some(resource) = api.get(&ELASTICSEARCHES, namespace, name) else {
            return 0;
        };
        let pause = paused(&resource);
        if pause == Some(Pause::Everything) {
            return 0;
        }
        let Some(cluster_state) = state.cluster(namespace, name) else {
            return 0;
        };
        let mut cluster = Cluster::new(&resource, cluster_state.index);
        // File-based secure settings are reloaded, not built into the pods: they roll nothing.
        let secure = match secure_settings::delivered_as_files(&resource) {
            true => Default::default(),
            false => secure_settings::gather(api, &resource),
        };
        cluster.secure_settings_hash = secure_settings::hash(&secure);
        // A missing certificateAuthorities ConfigMap fails the transport reconcile, and the
        // rest of ECK's loop with it: StatefulSets wait too (ECK: certificates/reconcile.go,
        // driver/stateful/driver.go).
        let transport = secrets::transport_ca_bundle(api, &cluster, &cluster_state.material);
        let transport_ok = transport.is_some();
        if let Some(bundle) = transport {
            cluster_state.material.transport_bundle = bundle;
        }
        let orchestrated = pause.is_none() && transport_ok;
        let serving = cluster_state.material.http.clone();
        // Certificates reconcile even while orchestration is paused.
        http::reconcile(api, &cluster, &mut cluster_state.material);
        if !orchestrated {
            // The pods keep speaking as they were last rolled.
            cluster_state.material.http.tls = serving.tls;
            cluster_state.material.http.client_authentication = serving.client_authentication;
        }
        let mut secrets = secrets::desired(&cluster, &cluster_state.material);
        let mut restarted = 0;
        let (stateful, to_restart) = if orchestrated {
            let rolled = cluster_state.observe(cluster.pod_templates());
            let now = Instant::now();
            let restart = self.delays.get().pod_restart;
            let roll = &mut cluster_state.roll;
            roll.schedule(&stored_pods_of(api, &cluster, &rolled), now, restart);
            let to_restart;
            (restarted, to_restart) = roll.due(now);
            self.schedule_reconcile(api, namespace, name, roll.next_timer());
            cluster_state.node_starts += restarted;
            (stateful_objects(api, &cluster), to_restart)
        } else {
            Default::default()
        };
        secrets.extend(stateful.configs);
        for secret in secrets {
            apply_owned(api, &SECRETS, secret);
        }
        for service in services::desired(&cluster) {
            services::apply(api, service);
        }
        services::remove_stale(api, &cluster);
        secure_settings::reconcile_secret(api, &cluster, &secure);
        apply_statefulsets(api, stateful.statefulsets, &to_restart);
        for pod in stateful.pods {
            // A pod waiting for its turn in the roll still runs its old template.
            if !to_restart.iter().any(|waiting| waiting == json::name(&pod)) {
                apply_owned(api, &PODS, pod);
            }
        }
        api.update_status(&ELASTICSEARCHES, namespace, name, |_| {
            Some(cluster.status(&to_restart))
        });
        restarted
    }

    /// ECK watches the ConfigMaps of extra CAs: reconcile the clusters that use this one.
    pub fn config_map_changed(&self, api: &KubeApi, namespace: &str, config_map: &str) {
        let clusters = api.list(&ELASTICSEARCHES, Some(namespace));
        for cluster in clusters {
            if secrets::ca_config_map(&cluster) == Some(config_map) {
                self.reconcile(api, namespace, json::name(&cluster));
            }
        }
    }

    /// ECK watches the secrets of `spec.secureSettings`: reconcile the clusters that use this
    /// one (a change of their data rolls the pods).
    pub fn secret_changed(&self, api: &KubeApi, namespace: &str, secret: &str) {
        let clusters = api.list(&ELASTICSEARCHES, Some(namespace));
        for cluster in clusters {
            let uses = cluster["spec"]["secureSettings"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|source| source["secretName"] == secret);
            if uses {
                self.reconcile(api, namespace, json::name(&cluster));
            }
        }
    }

    /// Removes what ECK made for a deleted cluster (garbage collection of owned objects and
    /// ECK's clean-up of soft-owned secrets).
    pub fn cluster_deleted(&self, api: &KubeApi, namespace: &str, name: &str) {
        self.lock()
            .clusters
            .remove(&(namespace.to_string(), name.to_string()));
        for rt in [&SECRETS, &SERVICES, &STATEFULSETS, &PODS] {
            api.remove_unless(rt, namespace, |object| {
                json::label(object, CLUSTER_NAME_LABEL) != Some(name)
            });
        }
    }

    /// Replaces the cluster's transport CA with one of a new key: a user-provided CA replaced.
    pub fn rotate_transport_ca(&self, api: &KubeApi, namespace: &str, name: &str) {
        self.replace_transport_ca(api, namespace, name, |_| transport_ca(name));
    }

    /// Renews the cluster's transport CA as ECK does before it expires: same key.
    pub fn renew_transport_ca(&self, api: &KubeApi, namespace: &str, name: &str) {
        self.replace_transport_ca(api, namespace, name, CertificateAuthority::renewed);
    }

    fn replace_transport_ca(
        &self,
        api: &KubeApi,
        namespace: &str,
        name: &str,
        new_ca: impl FnOnce(&CertificateAuthority) -> anyhow::Result<CertificateAuthority>,
    ) {
        {
            let mut state = self.lock();
            let Some(cluster) = state.cluster(namespace, name) else {
                return;
            };
            match new_ca(&cluster.material.transport_ca) {
                Ok(ca) => cluster.material.transport_ca = Arc::new(ca),
                Err(error) => {
                    tracing::error!("cannot make a new transport CA for {name}: {error:#}")
                }
            }
        }
        self.reconcile(api, namespace, name);
    }

    /// How many times a node of the cluster restarted (Elasticsearch connects to its remotes
    /// at node start).
    pub fn node_starts(&self, namespace: &str, name: &str) -> u64 {
        self.lock()
            .clusters
            .get(&(namespace.to_string(), name.to_string()))
            .map_or(0, |c| c.node_starts)
    }

    pub fn rolling_restarts(&self, namespace: &str, name: &str) -> u32 {
        self.lock()
            .clusters
            .get(&(namespace.to_string(), name.to_string()))
            .map_or(0, |c| c.rolling_restarts)
    }

    /// The `ca.crt` ECK mounts at `config/transport-certs`, as it last wrote it.
    pub fn transport_certs_ca(&self, namespace: &str, name: &str) -> Option<String> {
        Some(self.material(namespace, name)?.transport_bundle)
    }

    pub fn material(&self, namespace: &str, name: &str) -> Option<ClusterMaterial> {
        self.lock()
            .clusters
            .get(&(namespace.to_string(), name.to_string()))
            .map(|c| c.material.clone())
    }

    /// Reconciles the cluster again at `due` (the next pod's turn in a roll), as ECK requeues.
    fn schedule_reconcile(&self, api: &KubeApi, namespace: &str, name: &str, due: Option<Instant>) {
        let (Some(due), Ok(runtime)) = (due, tokio::runtime::Handle::try_current()) else {
            return;
        };
        let (eck, api) = (self.clone(), api.clone());
        let (namespace, name) = (namespace.to_string(), name.to_string());
        runtime.spawn(async move {
            tokio::time::sleep_until(due).await;
            eck.reconcile(&api, &namespace, &name);
            // The restarted nodes load their files as they are now.
            if let Some(pods) = eck.pods() {
                pods.restarted(&api, &namespace);
            }
        });
    }
}

impl State {
    /// The state of a cluster, made (with new CAs and password) on first sight.
    fn cluster(&mut self, namespace: &str, name: &str) -> Option<&mut ClusterState> {
        let key = (namespace.to_string(), name.to_string());
        if !self.clusters.contains_key(&key) {
            let material = ClusterMaterial::new(namespace, name)
                .inspect_err(|error| {
                    tracing::error!("cannot make certificates for {name}: {error:#}")
                })
                .ok()?;
            self.next_index += 1;
            let state = ClusterState {
                material,
                index: self.next_index,
                observed: None,
                rolling_restarts: 0,
                roll: pods::Roll::default(),
                node_starts: 0,
            };
            self.clusters.insert(key.clone(), state);
        }
        self.clusters.get_mut(&key)
    }
}

/// What ECK makes of the cluster's nodeSets: each one's rendered config secret and
/// StatefulSet, and the pods those run.
#[derive(Default)]
struct StatefulObjects {
    configs: Vec<Value>,
    statefulsets: Vec<Value>,
    pods: Vec<Value>,
}

/// The cluster's [`StatefulObjects`], those no longer wanted deleted.
fn stateful_objects(api: &KubeApi, cluster: &Cluster<'_>) -> StatefulObjects {
    let configs: Vec<Value> = cluster
        .node_sets
        .iter()
        .map(|ns| elasticsearch_yml::secret(cluster, ns))
        .collect();
    let statefulsets: Vec<Value> = cluster
        .node_sets
        .iter()
        .map(|ns| statefulsets::desired(cluster, ns))
        .collect();
    let pods = pods::desired(&statefulsets, cluster.index, api.node_address());
    for (rt, objects) in [
        (&SECRETS, &configs),
        (&STATEFULSETS, &statefulsets),
        (&PODS, &pods),
    ] {
        remove_stale(api, rt, cluster, objects);
    }
    StatefulObjects {
        configs,
        statefulsets,
        pods,
    }
}

/// Writes the StatefulSets, then their status as the StatefulSet controller reports it: every
/// pod ready, those waiting in the roll `to_restart` not yet on the new template.
fn apply_statefulsets(api: &KubeApi, statefulsets: Vec<Value>, to_restart: &[String]) {
    for statefulset in statefulsets {
        let (namespace, name) = (
            json::namespace(&statefulset).to_string(),
            json::name(&statefulset).to_string(),
        );
        let replicas = statefulset["spec"]["replicas"].as_u64().unwrap_or(0);
        let waiting = to_restart
            .iter()
            .filter(|pod| {
                pod.strip_prefix(name.as_str())
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|ordinal| ordinal.bytes().all(|b| b.is_ascii_digit()))
            })
            .count() as u64;
        apply_owned(api, &STATEFULSETS, statefulset);
        api.update_status(&STATEFULSETS, &namespace, &name, |stored| {
            Some(statefulsets::status(
                stored,
                replicas,
                replicas.saturating_sub(waiting),
            ))
        });
    }
}

/// The stored pods of the cluster's nodeSets `node_sets`, sorted by name.
fn stored_pods_of(api: &KubeApi, cluster: &Cluster<'_>, node_sets: &[String]) -> Vec<String> {
    let statefulsets: Vec<String> = node_sets
        .iter()
        .map(|node_set| statefulset_name(cluster.name, node_set))
        .collect();
    let pods = api.list(&PODS, Some(cluster.namespace));
    let mut names: Vec<String> = pods
        .iter()
        .filter(|pod| {
            json::label(pod, CLUSTER_NAME_LABEL) == Some(cluster.name)
                && json::label(pod, STATEFULSET_LABEL)
                    .is_some_and(|statefulset| statefulsets.iter().any(|s| s == statefulset))
        })
        .map(|pod| json::name(pod).to_string())
        .collect();
    names.sort();
    names
}

/// Deletes the cluster's per-nodeSet objects (pods, config secrets) that are no longer
/// wanted: scaled down, or their nodeSet removed.
fn remove_stale(
    api: &KubeApi,
    rt: &'static ResourceType,
    cluster: &Cluster<'_>,
    desired: &[Value],
) {
    api.remove_unless(rt, cluster.namespace, |object| {
        json::label(object, CLUSTER_NAME_LABEL) != Some(cluster.name)
            || json::label(object, STATEFULSET_LABEL).is_none()
            || desired.iter().any(|d| json::name(d) == json::name(object))
    });
}
