//! The real components ecr is tested against, started on loopback and stopped together:
//! etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (one fake node whose
//! pods become Ready without a kubelet, and pod port-forwards), one or more ECK operators run
//! out of cluster, the load-balancer and volume part of a cloud ([`cloud`]), and, for the
//! clusters that ask for it, real Elasticsearch processes behind their pods ([`kubelet`]).
//!
//! Modules: [`pki`] (the stack's CA, certificates and service-account keys), [`processes`]
//! (children that cannot outlive the stack), [`kube`] (what the stack writes through the API
//! and the waits), [`cloud`] (load-balancer addresses, volumes), [`kubelet`] (Elasticsearch
//! behind the pods).

pub mod cloud;
pub mod kube;
pub mod kubelet;
pub mod observe;
pub mod pki;
pub mod processes;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::sync::oneshot;

use crate::cloud::Cloud;
use crate::kubelet::network::PodNetwork;
use crate::kubelet::{Kubelet, KubeletOptions};
use crate::pki::Pki;
use crate::processes::{Process, free_port};

/// The Elasticsearch versions the stack runs (ECK 3.5 accepts 7.17 to 9.x): the newest 8.x and
/// 9.x whose runnable distribution Maven Central serves (`tests/real/elasticsearch/versions`).
pub const ELASTICSEARCH_VERSIONS: [&str; 2] = ["8.19.21", "9.5.4"];
/// The version of clusters whose pods run nothing.
pub const ELASTICSEARCH_VERSION: &str = ELASTICSEARCH_VERSIONS[0];
/// The heap of each Elasticsearch node.
pub const HEAP: &str = "512m";
/// The settings every Elasticsearch node of the tests has for this machine, in
/// `elasticsearch.yml`'s words:
/// - `node.store.allow_mmap: false`: `vm.max_map_count` is below what mmap needs, and cannot be
///   raised here (ECK's docs advise this setting then);
/// - disk watermarks in bytes of free space: the nodes' data share one disk with the builds,
///   mostly full of other things (Elasticsearch counted 84% to 88% used here), and Elasticsearch's default watermarks are
///   shares of the whole disk. Above 90% it allocates no shard at all, not even the primary of
///   a new index such as `.security-7`, and the cluster stays red (elasticsearch
///   server/src/main/java/org/elasticsearch/cluster/routing/allocation/decider/DiskThresholdDecider.java
///   `canAllocate`); above 95% it makes every index read-only. Byte values keep that
///   protection for a disk that is really full.
pub const NODE_SETTINGS: [(&str, &str); 4] = [
    ("node.store.allow_mmap", "false"),
    ("cluster.routing.allocation.disk.watermark.low", "2gb"),
    ("cluster.routing.allocation.disk.watermark.high", "1gb"),
    (
        "cluster.routing.allocation.disk.watermark.flood_stage",
        "500mb",
    ),
];

/// [`NODE_SETTINGS`] as lines of `elasticsearch.yml`.
pub fn node_settings_yaml() -> String {
    NODE_SETTINGS
        .iter()
        .map(|(key, value)| format!("{key}: {value}\n"))
        .collect()
}

/// An Elasticsearch cluster the stack makes: one nodeSet `default` of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub namespace: String,
    pub name: String,
    pub version: String,
    /// A real Elasticsearch process behind its pod ([`kubelet`]), its data on a persistent
    /// volume; otherwise the pod runs nothing and its data volume is an emptyDir.
    pub running: bool,
}

impl Cluster {
    /// A cluster whose pod runs nothing, of [`ELASTICSEARCH_VERSION`].
    pub fn empty(namespace: &str, name: &str) -> Cluster {
        Cluster {
            namespace: namespace.into(),
            name: name.into(),
            version: ELASTICSEARCH_VERSION.into(),
            running: false,
        }
    }

    /// A cluster with Elasticsearch of `version` running behind its pod.
    pub fn running(namespace: &str, name: &str, version: &str) -> Cluster {
        Cluster {
            namespace: namespace.into(),
            name: name.into(),
            version: version.into(),
            running: true,
        }
    }
}

/// The pods' addresses (kwok hands them out in order from `.1`).
pub const POD_CIDR: &str = "10.244.0.0/24";

/// An ECK operator of the stack: the namespace it runs in (made by the stack), the namespaces
/// it manages (all when empty), and flags of its own (CA lifetimes, say).
#[derive(Debug, Clone)]
pub struct EckOperator {
    pub namespace: String,
    pub managed_namespaces: Vec<String>,
    pub args: Vec<String>,
}

impl EckOperator {
    /// The default installation: `elastic-system`, every namespace.
    pub fn all_namespaces() -> Self {
        EckOperator {
            namespace: "elastic-system".into(),
            managed_namespaces: Vec::new(),
            args: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// The repository's `tests/real` directory (its `build` script and `tools/` modules).
    pub real_dir: PathBuf,
    /// Where the stack keeps its certificates, kubeconfigs, etcd data and logs.
    pub dir: PathBuf,
    pub operators: Vec<EckOperator>,
    /// The stack is ready when ECK has made them and their pods are Ready, and those running
    /// Elasticsearch report a green health.
    pub clusters: Vec<Cluster>,
}

/// What a running stack offers its users.
#[derive(Debug, Clone)]
pub struct StackInfo {
    pub dir: PathBuf,
    /// `system:masters`.
    pub admin_kubeconfig: PathBuf,
    /// A user with no rights until a test grants some ([`pki::LIMITED_USER`]).
    pub limited_kubeconfig: PathBuf,
    pub api_server: String,
    pub logs: PathBuf,
    /// The API server's audit log: every request, with its client's user agent
    /// ([`observe::api_requests`] counts them).
    pub audit_log: PathBuf,
}

/// A running stack; stopping it (or dropping it) stops every process it started.
pub struct Stack {
    pub info: StackInfo,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Stack {
    /// Builds what is missing (`tests/real/build`), then starts everything and waits until
    /// it is ready. The processes belong to a thread of the stack's own, so that they are
    /// stopped when it ends, however the program ends.
    pub fn start(options: Options) -> anyhow::Result<Stack> {
        let bin = build(&options.real_dir)?;
        eprintln!(
            "starting the real stack (logs in {})",
            options.dir.join("logs").display()
        );
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("real-stack".into())
            .spawn(move || run(options, bin, ready_tx, stop_rx))?;
        match ready_rx.recv() {
            Ok(Ok(info)) => Ok(Stack {
                info,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(error)) => {
                let _ = thread.join();
                Err(error)
            }
            Err(_) => {
                let _ = thread.join();
                bail!("the stack's thread ended before the stack was ready")
            }
        }
    }

    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Runs `tests/real/build` (it builds only what is missing) and returns the bin directory.
fn build(real_dir: &Path) -> anyhow::Result<PathBuf> {
    let output = Command::new(real_dir.join("build"))
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running tests/real/build")?;
    if !output.status.success() {
        bail!("tests/real/build failed ({})", output.status);
    }
    Ok(PathBuf::from(String::from_utf8(output.stdout)?.trim()))
}

/// The stack's thread: starts everything, reports, plays the cloud until told to stop, and
/// stops the processes in the reverse order of their start.
fn run(
    options: Options,
    bin: PathBuf,
    ready: mpsc::Sender<anyhow::Result<StackInfo>>,
    stop: oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = ready.send(Err(error.into()));
            return;
        }
    };
    let mut processes = Vec::new();
    runtime.block_on(async {
        match start_all(&options, &bin, &mut processes).await {
            Ok((info, cloud, mut kubelet)) => {
                let _ = ready.send(Ok(info));
                tokio::select! {
                    _ = cloud.run() => {}
                    _ = kubelet.run() => {}
                    _ = stop => {}
                }
                kubelet.stop_all().await;
            }
            Err(error) => {
                let _ = ready.send(Err(error));
            }
        }
    });
    while let Some(mut process) = processes.pop() {
        process.stop(Duration::from_secs(10));
    }
}

/// Everything started, and the clusters ready: the cloud and the kubelet work meanwhile, on
/// one pod network.
async fn start_all(
    options: &Options,
    bin: &Path,
    processes: &mut Vec<Process>,
) -> anyhow::Result<(StackInfo, Cloud, Kubelet)> {
    let (info, client) = start(options, bin, processes).await?;
    let network = Arc::new(PodNetwork::create()?);
    let cloud = Cloud::new(client.clone(), network.clone(), options.dir.join("volumes"));
    let mut kubelet = Kubelet::new(
        client.clone(),
        network,
        KubeletOptions {
            images: bin.join("../elasticsearch"),
            dir: options.dir.join("pods"),
            logs: info.logs.clone(),
            preload: bin.join("libecr-nofile.so"),
        },
    )
    .await?;
    tokio::select! {
        ready = clusters_ready(&options.clusters, &client, processes, &info.logs) => ready?,
        _ = cloud.run() => {}
        _ = kubelet.run() => {}
    }
    Ok((info, cloud, kubelet))
}

async fn start(
    options: &Options,
    bin: &Path,
    processes: &mut Vec<Process>,
) -> anyhow::Result<(StackInfo, ::kube::Client)> {
    let dir = &options.dir;
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs)?;
    let pki = Pki::create(&dir.join("pki"))?;
    let launcher = Launcher { bin, logs: &logs };

    let etcd_url = launcher.etcd(processes, &dir.join("etcd"))?;
    let api_server = launcher.api_server(processes, &pki, &etcd_url, dir)?;
    let admin_kubeconfig = dir.join("kubeconfig");
    let limited_kubeconfig = dir.join("kubeconfig-limited");
    write_kubeconfig(
        &admin_kubeconfig,
        "real",
        &api_server,
        &pki.ca.cert,
        &pki.admin,
    )?;
    write_kubeconfig(
        &limited_kubeconfig,
        "real-limited",
        &api_server,
        &pki.ca.cert,
        &pki.limited,
    )?;
    let client = kube::client(&admin_kubeconfig).await?;
    wait_running(
        processes,
        "the API server to be ready",
        Duration::from_secs(120),
        || kube::api_server_ready(&client),
    )
    .await?;

    launcher.controllers(processes, &admin_kubeconfig, &pki)?;
    let tools = options.real_dir.join("tools");
    let kwok_module = module_dir(&tools.join("kwok"), "sigs.k8s.io/kwok")?;
    // kwok reads its port-forwards from PortForward objects, which the kubelet writes per pod.
    let port_forwards = "kustomize/crd/bases/kwok.x-k8s.io_portforwards.yaml";
    kube::apply_file(&client, &kwok_module.join(port_forwards)).await?;
    launcher.kwok(processes, &admin_kubeconfig, &kwok_module, dir)?;
    kube::create_node(&client).await?;
    wait_running(
        processes,
        "the kwok node to be Ready",
        Duration::from_secs(60),
        || kube::node_ready(&client),
    )
    .await?;
    wait_running(
        processes,
        "the controller manager's default service account",
        Duration::from_secs(60),
        || kube::controller_manager_working(&client),
    )
    .await?;

    let eck = module_dir(&tools.join("eck"), "github.com/elastic/cloud-on-k8s/v3")?;
    // Every CRD: the operator starts a controller per kind and fails on a missing one.
    kube::apply_file(&client, &eck.join("config/crds/v1/all-crds.yaml")).await?;
    for (index, operator) in options.operators.iter().enumerate() {
        kube::create_namespace(&client, &operator.namespace).await?;
        let mut process = launcher.operator(index, operator, &admin_kubeconfig)?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        process.check_running()?;
        processes.push(process);
    }
    let info = StackInfo {
        dir: dir.clone(),
        admin_kubeconfig,
        limited_kubeconfig,
        api_server,
        audit_log: logs.join(AUDIT_LOG),
        logs,
    };
    Ok((info, client))
}

/// How long every cluster of a stack may take to be made and Ready.
const CLUSTERS_READY_WITHIN: Duration = Duration::from_secs(900);

/// Makes the clusters and waits until ECK has made them and their pods are Ready, and those
/// running Elasticsearch are green.
async fn clusters_ready(
    clusters: &[Cluster],
    client: &::kube::Client,
    processes: &mut [Process],
    logs: &Path,
) -> anyhow::Result<()> {
    for cluster in clusters {
        kube::create_elasticsearch(client, cluster).await?;
    }
    // One deadline for all: they start together, and up to eight JVMs on two cores take turns;
    // a loaded machine may need more than the five minutes each this allowed before.
    let deadline = std::time::Instant::now() + CLUSTERS_READY_WITHIN;
    for cluster in clusters {
        let (namespace, name) = (&cluster.namespace, &cluster.name);
        let what = format!("ECK to make Elasticsearch {namespace}/{name} and its pod Ready");
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let waited = wait_running(processes, &what, left, || {
            kube::elasticsearch_ready(client, cluster)
        })
        .await;
        if let Err(error) = waited {
            bail!(
                "{error:#}; {}",
                unready_clusters(clusters, client, logs).await
            );
        }
    }
    Ok(())
}

/// What the stack sees of each cluster that is not ready yet, for a start that timed out (CI
/// keeps only the end of its log).
async fn unready_clusters(clusters: &[Cluster], client: &::kube::Client, logs: &Path) -> String {
    let mut seen = Vec::new();
    for cluster in clusters {
        if let Ok(Some(())) = kube::elasticsearch_ready(client, cluster).await {
            continue;
        }
        seen.push(kube::describe_cluster(client, cluster, logs).await);
    }
    format!("not ready: {}", seen.join("; "))
}

/// Starts the stack's programs, each with its log in `logs`.
struct Launcher<'a> {
    bin: &'a Path,
    logs: &'a Path,
}

fn flag(name: &str, value: impl std::fmt::Display) -> String {
    format!("--{name}={value}")
}

/// The API server's audit log, in the stack's logs.
const AUDIT_LOG: &str = "kube-apiserver-audit.log";

/// Every request once, when answered, with its metadata (who, which user agent, what).
fn write_audit_policy(dir: &Path) -> anyhow::Result<PathBuf> {
    let file = dir.join("audit-policy.yaml");
    std::fs::write(
        &file,
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n",
    )?;
    Ok(file)
}

fn path(path: &Path) -> String {
    path.display().to_string()
}

impl Launcher<'_> {
    fn spawn(&self, name: &str, program: &str, args: &[String]) -> anyhow::Result<Process> {
        Process::spawn(name, &self.bin.join(program), args, self.logs)
    }

    /// etcd on two free loopback ports (clients, peers) and a third for its metrics; returns
    /// its client URL.
    fn etcd(&self, processes: &mut Vec<Process>, data: &Path) -> anyhow::Result<String> {
        let url = format!("http://127.0.0.1:{}", free_port()?);
        let peer_url = format!("http://127.0.0.1:{}", free_port()?);
        let args = [
            flag("data-dir", path(data)),
            flag("listen-client-urls", &url),
            flag("advertise-client-urls", &url),
            flag("listen-peer-urls", &peer_url),
            flag("initial-advertise-peer-urls", &peer_url),
            flag("initial-cluster", format!("default={peer_url}")),
            flag(
                "listen-metrics-urls",
                format!("http://127.0.0.1:{}", free_port()?),
            ),
            "--unsafe-no-fsync".into(),
        ];
        processes.push(self.spawn("etcd", "etcd", &args)?);
        Ok(url)
    }

    /// The API server with RBAC, client-certificate users and service-account tokens; returns
    /// its URL.
    fn api_server(
        &self,
        processes: &mut Vec<Process>,
        pki: &Pki,
        etcd_url: &str,
        dir: &Path,
    ) -> anyhow::Result<String> {
        let port = free_port()?;
        let args = [
            flag("etcd-servers", etcd_url),
            flag("bind-address", "127.0.0.1"),
            flag("advertise-address", "127.0.0.1"),
            flag("secure-port", port),
            flag("tls-cert-file", path(&pki.api_server.cert)),
            flag("tls-private-key-file", path(&pki.api_server.key)),
            flag("client-ca-file", path(&pki.ca.cert)),
            flag("service-cluster-ip-range", "10.96.0.0/16"),
            flag("allow-privileged", true),
            flag("endpoint-reconciler-type", "none"),
            flag("authorization-mode", "RBAC"),
            flag("service-account-issuer", "https://kubernetes.default.svc"),
            flag(
                "service-account-key-file",
                path(&pki.service_account_public_key),
            ),
            flag(
                "service-account-signing-key-file",
                path(&pki.service_account_key),
            ),
            flag("cert-dir", path(&dir.join("api-server-certs"))),
            flag("audit-policy-file", path(&write_audit_policy(dir)?)),
            flag("audit-log-path", path(&self.logs.join(AUDIT_LOG))),
            flag("audit-log-format", "json"),
        ];
        processes.push(self.spawn("kube-apiserver", "kube-apiserver", &args)?);
        Ok(format!("https://127.0.0.1:{port}"))
    }

    /// The controller manager (StatefulSets make pods, the `default` service accounts,
    /// EndpointSlices, garbage collection) and the scheduler (pods onto the kwok node), with no
    /// server of their own: nothing to listen on, no delegated authentication to set up.
    fn controllers(
        &self,
        processes: &mut Vec<Process>,
        kubeconfig: &Path,
        pki: &Pki,
    ) -> anyhow::Result<()> {
        let common = [
            flag("kubeconfig", path(kubeconfig)),
            flag("secure-port", 0),
            flag("leader-elect", false),
        ];
        let mut manager = common.to_vec();
        manager.push(flag("root-ca-file", path(&pki.ca.cert)));
        processes.push(self.spawn(
            "kube-controller-manager",
            "kube-controller-manager",
            &manager,
        )?);
        processes.push(self.spawn("kube-scheduler", "kube-scheduler", &common)?);
        Ok(())
    }

    /// kwok, managing every node, its server (port-forwards) on loopback.
    fn kwok(
        &self,
        processes: &mut Vec<Process>,
        kubeconfig: &Path,
        module: &Path,
        dir: &Path,
    ) -> anyhow::Result<()> {
        let config = dir.join("kwok.yaml");
        write_kwok_config(&config, module)?;
        let port = free_port()?;
        let args = [
            flag("kubeconfig", path(kubeconfig)),
            flag("config", path(&config)),
            flag("manage-all-nodes", true),
            flag("server-address", format!("127.0.0.1:{port}")),
            flag("node-ip", "127.0.0.1"),
            flag("node-port", port),
            // Its heartbeat stage renews a lease; without one the node goes NotReady.
            flag("node-lease-duration-seconds", 40),
            // Not loopback: the API server refuses loopback addresses in EndpointSlices.
            flag("cidr", POD_CIDR),
            flag("enable-crds", "PortForward"),
        ];
        processes.push(self.spawn("kwok", "kwok", &args)?);
        Ok(())
    }

    /// An ECK operator out of cluster: no webhook (it needs a service the API server can
    /// call), no telemetry, no leader election, no metrics server.
    fn operator(
        &self,
        index: usize,
        operator: &EckOperator,
        kubeconfig: &Path,
    ) -> anyhow::Result<Process> {
        let mut args = vec![
            "manager".to_string(),
            flag("operator-namespace", &operator.namespace),
            flag("enable-webhook", false),
            flag("enable-leader-election", false),
            "--disable-telemetry".into(),
            flag("metrics-port", 0),
            flag("metrics-host", "127.0.0.1"),
            // Out of the cluster, ECK reaches Elasticsearch only through port-forwards of the
            // pods (cloud-on-k8s v3.5.0 pkg/dev/portforward; the service names it dials do not
            // resolve here, and it has no flag for another URL). Development mode, which this
            // needs, also serves pprof: on loopback.
            "--development".into(),
            "--auto-port-forward".into(),
            flag("debug-http-listen", format!("127.0.0.1:{}", free_port()?)),
        ];
        if !operator.managed_namespaces.is_empty() {
            args.push(flag("namespaces", operator.managed_namespaces.join(",")));
        }
        args.extend(operator.args.iter().cloned());
        let kubeconfig = path(kubeconfig);
        Process::spawn_with_env(
            &format!("elastic-operator-{index}"),
            &self.bin.join("elastic-operator"),
            &args,
            &[("KUBECONFIG", kubeconfig.as_str())],
            self.logs,
        )
    }
}

/// Waits for `check` while making sure that no process of the stack has died meanwhile.
async fn wait_running<F, Fut>(
    processes: &mut [Process],
    what: &str,
    timeout: Duration,
    mut check: F,
) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<()>>>,
{
    // A process that died is the cause of a wait that cannot end: fail at once, with its log.
    kube::wait_for(what, timeout, || {
        let alive: anyhow::Result<()> = processes.iter_mut().try_for_each(|p| p.check_running());
        let check = check();
        async move {
            alive?;
            check.await
        }
    })
    .await
}

/// The directory of a module that `tools/NAME`'s go.mod requires (in Go's module cache).
fn module_dir(module_root: &Path, module: &str) -> anyhow::Result<PathBuf> {
    let output = Command::new("go")
        .args(["list", "-m", "-f", "{{.Dir}}", module])
        .current_dir(module_root)
        .output()
        .context("running go list")?;
    if !output.status.success() {
        bail!(
            "go list -m {module} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(PathBuf::from(String::from_utf8(output.stdout)?.trim()))
}

/// kwok's configuration: its own stages for fast nodes and pods (Ready at once, deleted when
/// asked), from its module's `kustomize/stage/`; but the pods that the [`kubelet`] runs
/// ([`kubelet::LABEL`]) start not Ready: the kubelet makes them Ready when Elasticsearch is,
/// as a real kubelet does through ECK's readiness probe; and it deletes them itself once their
/// processes stopped, by UID, as a real kubelet does (kwok deletes by name: a late delete of
/// the old pod took the StatefulSet's new one of the same name).
fn write_kwok_config(file: &Path, kwok: &Path) -> anyhow::Result<()> {
    let stages = [
        "node/fast/node-initialize.yaml",
        "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
        "pod/fast/pod-ready.yaml",
        "pod/fast/pod-complete.yaml",
        "pod/fast/pod-delete.yaml",
    ];
    let mut config = String::new();
    for stage in stages {
        let path = kwok.join("kustomize/stage").join(stage);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let documents = if stage.ends_with("pod-ready.yaml") {
            split_pod_ready(&text)?
        } else if stage.ends_with("pod-delete.yaml") {
            vec![serde_yaml::to_string(&without_kubelet_pods(&text)?)?]
        } else {
            vec![text]
        };
        for document in documents {
            config.push_str("---\n");
            config.push_str(&document);
            config.push('\n');
        }
    }
    std::fs::write(file, config)?;
    Ok(())
}

/// A kwok stage restricted to the pods with ([`Exists`](LabelSelection::Exists)) or without the
/// kubelet's label.
fn select_kubelet_pods(
    stage: &mut serde_yaml::Value,
    selection: LabelSelection,
) -> anyhow::Result<()> {
    let key = format!(".metadata.labels[\"{}\"]", kubelet::LABEL);
    let expressions = stage["spec"]["selector"]["matchExpressions"]
        .as_sequence_mut()
        .context("a kwok stage without matchExpressions")?;
    expressions.retain(|e| e["key"] != key.as_str());
    let operator = match selection {
        LabelSelection::Exists => "Exists",
        LabelSelection::DoesNotExist => "DoesNotExist",
    };
    let expression = serde_json::json!({"key": key, "operator": operator});
    expressions.push(serde_yaml::to_value(expression)?);
    Ok(())
}

#[derive(Clone, Copy)]
enum LabelSelection {
    Exists,
    DoesNotExist,
}

/// A kwok stage for every pod but the kubelet's.
fn without_kubelet_pods(text: &str) -> anyhow::Result<serde_yaml::Value> {
    let mut stage: serde_yaml::Value = serde_yaml::from_str(text)?;
    select_kubelet_pods(&mut stage, LabelSelection::DoesNotExist)?;
    Ok(stage)
}

/// kwok's `pod-ready` stage for every pod but the kubelet's, and a copy for those that leaves
/// them Running but not Ready.
fn split_pod_ready(text: &str) -> anyhow::Result<Vec<String>> {
    let others = without_kubelet_pods(text)?;
    let mut started = others.clone();
    select_kubelet_pods(&mut started, LabelSelection::Exists)?;
    started["metadata"]["name"] = "pod-started-by-real-stack".into();
    let template = started["spec"]["next"]["statusTemplate"]
        .as_str()
        .context("kwok's pod-ready stage has no statusTemplate")?;
    let not_ready = ["Ready", "ContainersReady"]
        .iter()
        .fold(template.to_string(), |t, condition| {
            t.replace(
                &format!("status: \"True\"\n  type: {condition}\n"),
                &format!("status: \"False\"\n  type: {condition}\n"),
            )
        })
        .replace("ready: true", "ready: false");
    if not_ready == template {
        bail!("kwok's pod-ready statusTemplate changed: cannot make it not Ready");
    }
    started["spec"]["next"]["statusTemplate"] = not_ready.into();
    Ok(vec![
        serde_yaml::to_string(&others)?,
        serde_yaml::to_string(&started)?,
    ])
}

fn write_kubeconfig(
    file: &Path,
    name: &str,
    server: &str,
    ca: &Path,
    user: &pki::CertFiles,
) -> anyhow::Result<()> {
    let kubeconfig = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority": ca}}],
        "users": [{"name": name, "user": {"client-certificate": user.cert, "client-key": user.key}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    });
    std::fs::write(file, serde_yaml::to_string(&kubeconfig)?)
        .with_context(|| format!("writing {}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// kwok's `pod/fast/pod-delete.yaml` (v0.8.0).
    const POD_DELETE: &str = "apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    delete: true
";

    #[test]
    fn kwok_deletes_every_pod_but_those_the_kubelet_runs() {
        let stage = without_kubelet_pods(POD_DELETE).unwrap();
        let expressions = stage["spec"]["selector"]["matchExpressions"]
            .as_sequence()
            .unwrap();
        assert_eq!(expressions.len(), 2, "{expressions:?}");
        assert_eq!(expressions[0]["key"], ".metadata.deletionTimestamp");
        let label = format!(".metadata.labels[\"{}\"]", kubelet::LABEL);
        assert_eq!(expressions[1]["key"], label.as_str());
        assert_eq!(expressions[1]["operator"], "DoesNotExist");
        assert_eq!(stage["spec"]["next"]["delete"], true);
    }

    #[test]
    fn selecting_the_kubelets_pods_replaces_the_other_selection() {
        let mut stage = without_kubelet_pods(POD_DELETE).unwrap();
        select_kubelet_pods(&mut stage, LabelSelection::Exists).unwrap();
        let expressions = stage["spec"]["selector"]["matchExpressions"]
            .as_sequence()
            .unwrap();
        assert_eq!(expressions.len(), 2, "{expressions:?}");
        assert_eq!(expressions[1]["operator"], "Exists");
    }
}
