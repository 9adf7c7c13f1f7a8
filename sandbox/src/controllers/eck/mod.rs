//! Emulation of the ECK operator, kept to what ecr relies on: for each Elasticsearch
//! resource the certificates, secrets, services and pods ECK makes, its status, the
//! ConfigMap of extra transport CAs (a missing one stops the reconcile), the pause
//! annotations (pause-orchestration holds back only pods and their config), HTTP TLS turned off
//! (`spec.http.tls.selfSignedCertificate.disabled`), and a count of the rolling restarts ECK
//! would do. It acts synchronously after each write, so tests see its result
//! as soon as their request returns (load-balancer addresses excepted: see
//! `load_balancers`).
//!
//! Three controllers of the API server: [`Eck`] (the Elasticsearch reconcile), then, once the
//! kubelet runs the cluster's Elasticsearch, [`RemoteClusters`] (`spec.remoteClusters`), and
//! [`OwnedObjects`] (a client's change to what ECK owns). ECK reaches the pods it runs
//! through [`Pods`], which the kubelet provides.

mod elasticsearch_yml;
mod http;
mod pods;
mod remote_clusters;
mod secrets;
mod services;
mod statefulsets;

pub use http::{HttpLayer, http_certificate_names};

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::conventions::{
    CLUSTER_NAME_LABEL, STATEFULSET_LABEL, SharedDelays, TYPE_LABEL, transport_ca_paths,
};
use crate::apiserver::json;
use crate::apiserver::resources::{
    CONFIGMAPS, ELASTICSEARCHES, PODS, ResourceType, SECRETS, SERVICES, STATEFULSETS,
};
use crate::apiserver::write::{Origin, Part};
use crate::apiserver::{Change, Controller, KubeApi};
use crate::elasticsearch::Elasticsearch;
use crate::tls::{CertificateAuthority, IssuedCert};

const PAUSE_ANNOTATION: &str = "eck.k8s.elastic.co/pause-orchestration";
const MANAGED_ANNOTATION: &str = "eck.k8s.elastic.co/managed";

/// The CAs, certificates and password ECK made for one cluster (what an emulated
/// Elasticsearch serves and checks).
#[derive(Debug, Clone)]
pub struct ClusterMaterial {
    pub transport_ca: Arc<CertificateAuthority>,
    pub http_ca: Arc<CertificateAuthority>,
    /// ECK's self-signed HTTP certificate (the leaf), and the names it was issued for.
    pub http_cert: IssuedCert,
    pub http_cert_names: Vec<String>,
    pub elastic_password: String,
    /// The `ca.crt` of `config/transport-certs` as ECK last wrote it: the own CA, then the CAs
    /// of the `certificateAuthorities` ConfigMap. Kept as it was while that ConfigMap (or its
    /// `ca.crt`) is missing, since ECK's transport reconcile then fails.
    pub transport_bundle: String,
    /// How the HTTP layer speaks and with which certificate, as ECK last configured it from
    /// `spec.http.tls` (pods rolled with a change of it come back speaking the other way).
    pub http: HttpLayer,
}

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

/// What ECK last acted on for one nodeSet: what its pods are built from.
type PodTemplates = BTreeMap<String, Value>;

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

/// What ECK needs of the pods it runs; the kubelet provides it.
pub trait Pods: Send + Sync {
    /// The Elasticsearch API of the cluster's pods, once they run.
    fn elasticsearch(&self, namespace: &str, name: &str) -> Option<Elasticsearch>;
    /// A step of a rolling upgrade restarted pods of clusters in `namespace`: their nodes
    /// load their files as they are now.
    fn restarted(&self, api: &KubeApi, namespace: &str);
}

impl Controller for Eck {
    /// Reconciles an Elasticsearch resource when it changes, and the clusters that use a
    /// ConfigMap of extra CAs when it does; cleans up after a deleted resource.
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        let (namespace, name) = (json::namespace(change.object), json::name(change.object));
        if change.deleted(&ELASTICSEARCHES) {
            self.cluster_deleted(api, namespace, name);
        } else if change.wrote(&ELASTICSEARCHES) {
            self.reconcile(api, namespace, name);
        } else if change.resource == &CONFIGMAPS {
            self.config_map_changed(api, namespace, name);
        }
    }
}

/// ECK's `spec.remoteClusters` handling, once the cluster's Elasticsearch answers: registered
/// after the kubelet, which starts it. It goes on while orchestration is paused (only
/// `managed: "false"` stops it).
pub struct RemoteClusters {
    eck: Eck,
    pods: Arc<dyn Pods>,
}

impl RemoteClusters {
    pub fn new(eck: Eck, pods: Arc<dyn Pods>) -> Self {
        RemoteClusters { eck, pods }
    }
}

impl Controller for RemoteClusters {
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        if !change.wrote(&ELASTICSEARCHES) {
            return;
        }
        let (namespace, name) = (json::namespace(change.object), json::name(change.object));
        let resource = api.get(&ELASTICSEARCHES, namespace, name);
        if resource.is_some_and(|r| json::annotation(&r, MANAGED_ANNOTATION) != Some("false")) {
            remote_clusters::reconcile(api, &self.eck, self.pods.as_ref(), namespace, name);
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

/// The parts of an Elasticsearch resource ECK reads.
pub(super) struct Cluster<'a> {
    pub resource: &'a Value,
    pub name: &'a str,
    pub namespace: &'a str,
    pub version: &'a str,
    pub node_sets: Vec<NodeSet<'a>>,
    pub index: u32,
    /// Whether Elasticsearch serves HTTPS (else plain HTTP), from `spec.http.tls`.
    pub http_tls: bool,
}

pub(super) struct NodeSet<'a> {
    pub name: &'a str,
    pub count: u64,
    pub config: &'a Value,
    pub pod_template: &'a Value,
    pub volume_claim_templates: &'a Value,
}

impl<'a> Cluster<'a> {
    fn new(resource: &'a Value, index: u32) -> Self {
        let spec = &resource["spec"];
        let node_sets = spec["nodeSets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|ns| NodeSet {
                name: ns["name"].as_str().unwrap_or_default(),
                count: ns["count"].as_u64().unwrap_or(0),
                config: &ns["config"],
                pod_template: &ns["podTemplate"],
                volume_claim_templates: &ns["volumeClaimTemplates"],
            })
            .collect();
        Cluster {
            resource,
            name: json::name(resource),
            namespace: json::namespace(resource),
            version: spec["version"].as_str().unwrap_or_default(),
            node_sets,
            index,
            http_tls: http_tls_enabled(&spec["http"]["tls"]),
        }
    }

    fn spec(&self) -> &'a Value {
        &self.resource["spec"]
    }

    /// The labels ECK puts on everything it makes for the cluster.
    fn labels(&self) -> Map<String, Value> {
        let mut labels = Map::new();
        labels.insert(TYPE_LABEL.into(), json!("elasticsearch"));
        labels.insert(CLUSTER_NAME_LABEL.into(), json!(self.name));
        labels
    }

    /// A controller reference to the Elasticsearch resource.
    fn owner_reference(&self) -> Value {
        json!([{
            "apiVersion": ELASTICSEARCHES.api_version(),
            "kind": ELASTICSEARCHES.kind,
            "name": self.name,
            "uid": json::meta_str(self.resource, "uid"),
            "controller": true,
            "blockOwnerDeletion": true,
        }])
    }

    /// What each nodeSet's pods are built from: a change rolls them.
    fn pod_templates(&self) -> PodTemplates {
        self.node_sets
            .iter()
            .map(|ns| {
                let template = json!({"version": self.version, "config": ns.config,
                    "podTemplate": ns.pod_template, "httpTls": self.http_tls,
                    "httpClientAuthentication": self.spec()["http"]["tls"]["client"]["authentication"]});
                (ns.name.to_string(), template)
            })
            .collect()
    }

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

/// ECK's `TLSOptions.Enabled()`: TLS is on unless the self-signed certificate is disabled and
/// no certificate of the user's is named. (The sandbox's own reading, kept apart from ecr's.)
fn http_tls_enabled(tls: &Value) -> bool {
    tls["selfSignedCertificate"]["disabled"] != true
        || tls["certificate"]["secretName"]
            .as_str()
            .is_some_and(|name| !name.is_empty())
}

/// How much of the cluster ECK leaves alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pause {
    /// `pause-orchestration` (ECK 3.5): StatefulSets (pods, their rendered config) wait, the
    /// rest (certificates, services, users, remote-cluster settings) still reconciles
    /// (ECK: pkg/controller/elasticsearch/driver/stateful/driver.go).
    Orchestration,
    /// `managed: "false"`: ECK does nothing.
    Everything,
}

fn paused(resource: &Value) -> Option<Pause> {
    if json::annotation(resource, MANAGED_ANNOTATION) == Some("false") {
        Some(Pause::Everything)
    } else if json::annotation(resource, PAUSE_ANNOTATION) == Some("true") {
        Some(Pause::Orchestration)
    } else {
        None
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

    /// Brings everything ECK makes for that cluster in line with its resource. Holds the
    /// operator's lock throughout, so reconciles never interleave.
    pub fn reconcile(&self, api: &KubeApi, namespace: &str, name: &str) {
        let mut state = self.lock();
        let Some(resource) = api.get(&ELASTICSEARCHES, namespace, name) else {
            return;
        };
        let pause = paused(&resource);
        if pause == Some(Pause::Everything) {
            return;
        }
        let Some(cluster_state) = state.cluster(namespace, name) else {
            return;
        };
        let cluster = Cluster::new(&resource, cluster_state.index);
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
        let (stateful, to_restart) = if orchestrated {
            let rolled = cluster_state.observe(cluster.pod_templates());
            let now = Instant::now();
            let restart = self.delays.get().pod_restart;
            let roll = &mut cluster_state.roll;
            roll.schedule(&stored_pods_of(api, &cluster, &rolled), now, restart);
            let (restarted, to_restart) = roll.due(now);
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
        .map(|node_set| statefulsets::statefulset_name(cluster.name, node_set))
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

/// Creates or updates an object ECK owns. Labels and annotations others added are kept,
/// and so is the stored status when ECK does not set one.
fn apply_owned(api: &KubeApi, rt: &'static ResourceType, mut desired: Value) {
    let current = api.get(rt, json::namespace(&desired), json::name(&desired));
    if let Some(current) = current {
        for field in ["labels", "annotations"] {
            let mut merged = current["metadata"][field]
                .as_object()
                .cloned()
                .unwrap_or_default();
            merged.extend(
                desired["metadata"][field]
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            );
            desired["metadata"][field] = Value::Object(merged);
        }
        if desired["status"].is_null() && !current["status"].is_null() {
            desired["status"] = current["status"].clone();
        }
    }
    if let Err(error) = api.upsert(rt, desired, Part::Whole) {
        tracing::warn!("ECK could not write a {}: {}", rt.singular, error.message);
    }
}
