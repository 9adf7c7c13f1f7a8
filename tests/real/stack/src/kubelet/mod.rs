//! The part of a kubelet these tests need: a real Elasticsearch process behind each pod that
//! carries [`LABEL`] (ECK's pods of the clusters asked for, and a test's own, an Elasticsearch
//! outside ECK). kwok stays the node's kubelet for everything else (the node's
//! status and lease, pod phases and addresses); this one starts a pod once kwok has given it
//! an address, stops it when it is deleted (ECK's rolling restart) and then removes it, keeps
//! its secret, ConfigMap and downward-API files current after a kubelet-like delay, and sends
//! kwok's port-forwards of port 9200 to the pod's process.
//!
//! Modules: [`network`] (the pods' network namespaces), [`volumes`] (the pods' files),
//! [`container`] (the scripts that run a pod's containers).

pub mod container;
pub mod network;
pub mod volumes;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::{Pod, Volume};
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, Preconditions};
use serde_json::json;
use tokio::task::JoinHandle;

use crate::processes::Process;
use container::{Mount, User};
use network::{PodNamespace, PodNetwork};

/// How often mounted files are brought up to date: the kubelet's own sync is about a minute
/// plus its cache's time; shorter here, so that tests wait less, and still not at once.
const VOLUME_SYNC: Duration = Duration::from_secs(10);
/// How long a pod's processes have to stop after SIGTERM (ECK's pods allow 180 s).
const STOP_GRACE: Duration = Duration::from_secs(60);
/// The user the containers run as; made when missing.
const USER: &str = "ecr-es";
/// The HTTP port, which kwok's port-forwards send to the pod's process.
const HTTP_PORT: u16 = 9200;
/// How long a port-forwarded connection waits for the pod's Elasticsearch to listen.
const RELAY_WAIT: Duration = Duration::from_secs(120);
/// ECK's `readiness.port`: Elasticsearch listens there once the node is in a cluster (ECK's
/// readiness probe checks it: cloud-on-k8s v3.5.0 pkg/controller/elasticsearch/nodespec/readiness_probe.go).
const READINESS_PORT: u16 = 8080;
/// The label of the pods this kubelet runs (the stack puts it in their clusters' pod
/// template; a test may put it on a pod of its own): kwok leaves them not Ready, for this
/// kubelet to make them Ready once Elasticsearch listens on [`READINESS_PORT`].
pub const LABEL: &str = "real-stack.ecr.test/kubelet";

/// Where the pods run, and from what.
pub struct KubeletOptions {
    /// The images: `IMAGES/VERSION` is laid out like the Docker image's `/usr/share/elasticsearch`
    /// (`tests/real/elasticsearch/build`).
    pub images: PathBuf,
    /// The pods' directories (scripts, volumes, hosts files).
    pub dir: PathBuf,
    pub logs: PathBuf,
    /// Preloaded into every container: reports the open-files limit Elasticsearch's bootstrap
    /// checks want, which this machine cannot give (`tests/real/stack/nofile/nofile.c`).
    pub preload: PathBuf,
}

struct RunningPod {
    namespace: String,
    name: String,
    uid: String,
    pod: Pod,
    network: PodNamespace,
    process: Process,
    /// The volumes to keep current, with their directories.
    refreshed: Vec<(Volume, PathBuf)>,
    exit_reported: bool,
    /// Made Ready (its Elasticsearch answers on the readiness port).
    ready: bool,
}

/// Runs pods until the task is dropped (then the stack's [`Kubelet::stop_all`] stops them).
pub struct Kubelet {
    client: Client,
    options: KubeletOptions,
    network: Arc<PodNetwork>,
    user: User,
    pods: BTreeMap<String, RunningPod>,
    /// By `(namespace, pod name)`: a pod's port-forward target outlives each of its
    /// incarnations (a StatefulSet's pod comes back under its name).
    relays: BTreeMap<(String, String), Relay>,
    next_index: u32,
    last_sync: Instant,
}

impl Kubelet {
    pub async fn new(
        client: Client,
        network: Arc<PodNetwork>,
        options: KubeletOptions,
    ) -> anyhow::Result<Kubelet> {
        let user = ensure_user()?;
        // The mount point of the image in every container (the host's own tree is not touched
        // otherwise: each container mounts over it in a namespace of its own).
        std::fs::create_dir_all(container::IMAGE_HOME)?;
        std::fs::create_dir_all(&options.dir)?;
        Ok(Kubelet {
            client,
            options,
            network,
            user,
            pods: BTreeMap::new(),
            relays: BTreeMap::new(),
            next_index: 1,
            last_sync: Instant::now(),
        })
    }

    /// Reconciles every half second until dropped.
    pub async fn run(&mut self) {
        loop {
            if let Err(error) = self.reconcile().await {
                eprintln!("real-stack: kubelet: {error:#}");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn reconcile(&mut self) -> anyhow::Result<()> {
        let listed = Api::<Pod>::all(self.client.clone())
            .list(&ListParams::default().labels(LABEL))
            .await?;
        let keys: Vec<(String, String)> = listed
            .items
            .iter()
            .map(|pod| {
                let namespace = pod.metadata.namespace.clone().unwrap_or_default();
                (namespace, pod.metadata.name.clone().unwrap_or_default())
            })
            .collect();
        for key in keys {
            if !self.relays.contains_key(&key) {
                let relay = Relay::start(&self.client, &key.0, &key.1).await?;
                self.relays.insert(key, relay);
            }
        }
        // Pods asked to go: removed once stopped (below).
        let leaving: Vec<(String, String, String)> = listed
            .items
            .iter()
            .filter(|pod| pod.metadata.deletion_timestamp.is_some())
            .map(|pod| {
                let meta = &pod.metadata;
                let text = |field: &Option<String>| field.clone().unwrap_or_default();
                (text(&meta.namespace), text(&meta.name), text(&meta.uid))
            })
            .collect();
        let wanted: BTreeMap<String, Pod> = listed
            .items
            .into_iter()
            .filter(runs)
            .filter_map(|pod| Some((pod.metadata.uid.clone()?, pod)))
            .collect();
        let gone: Vec<String> = self
            .pods
            .keys()
            .filter(|uid| !wanted.contains_key(*uid))
            .cloned()
            .collect();
        for uid in gone {
            if let Some(pod) = self.pods.remove(&uid) {
                let (namespace, name) = (pod.namespace.clone(), pod.name.clone());
                self.stop(pod).await;
                remove_pod(&self.client, &namespace, &name, &uid).await?;
            }
        }
        // And those that never ran here (no address yet).
        for (namespace, name, uid) in leaving {
            if !self.pods.contains_key(&uid) {
                remove_pod(&self.client, &namespace, &name, &uid).await?;
            }
        }
        for (uid, pod) in wanted {
            if !self.pods.contains_key(&uid) {
                let what = format!(
                    "starting pod {}/{}",
                    pod.metadata.namespace.as_deref().unwrap_or_default(),
                    pod.metadata.name.as_deref().unwrap_or_default()
                );
                if let Some(running) = self.start(pod).await.context(what)? {
                    self.pods.insert(uid, running);
                }
            }
        }
        for pod in self.pods.values_mut() {
            report_exit(pod);
            if !pod.ready && listening(&pod.network, READINESS_PORT).await {
                mark_ready(&self.client, pod).await?;
                pod.ready = true;
            }
        }
        if self.last_sync.elapsed() >= VOLUME_SYNC {
            self.last_sync = Instant::now();
            for pod in self.pods.values() {
                sync_volumes(&self.client, pod).await?;
            }
        }
        Ok(())
    }

    /// Makes the pod's network, files and scripts, and starts it; `None` while a volume is not
    /// ready (a claim not bound yet) or a pod of the same name is still stopping.
    async fn start(&mut self, pod: Pod) -> anyhow::Result<Option<RunningPod>> {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let spec = pod.spec.clone().context("the pod has no spec")?;
        let dir = self.options.dir.join(format!("{namespace}_{name}_{uid}"));
        let volumes_dir = dir.join("volumes");
        let mut sources = BTreeMap::new();
        let mut refreshed = Vec::new();
        for volume in spec.volumes.iter().flatten() {
            let Some(path) = volumes::materialize(&self.client, &pod, volume, &volumes_dir).await?
            else {
                return Ok(None);
            };
            if volume.secret.is_some()
                || volume.config_map.is_some()
                || volume.downward_api.is_some()
            {
                refreshed.push((volume.clone(), path.clone()));
            }
            sources.insert(volume.name.clone(), path);
        }
        let image = self.image(&spec.containers)?;
        let containers_dir = dir.join("containers");
        std::fs::create_dir_all(&containers_dir)?;
        let mut write_container =
            |container: &k8s_openapi::api::core::v1::Container| -> anyhow::Result<PathBuf> {
                let mounts = container
                    .volume_mounts
                    .iter()
                    .flatten()
                    .map(|m| {
                        let source = sources
                            .get(&m.name)
                            .with_context(|| format!("mount of unknown volume {}", m.name))?;
                        let source = match m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                            Some(sub) => source.join(sub),
                            None => source.clone(),
                        };
                        Ok(Mount {
                            source,
                            target: m.mount_path.clone(),
                            read_only: m.read_only.unwrap_or(false),
                        })
                    })
                    .collect::<anyhow::Result<Vec<Mount>>>()?;
                let mut env = container::environment(&pod, container)?;
                env.push(("LD_PRELOAD".into(), container::PRELOAD_IN_CONTAINER.into()));
                let layer = dir.join("layers").join(&container.name);
                let script = container::container_script(
                    &image,
                    &layer,
                    &mounts,
                    &self.options.preload,
                    container,
                    &env,
                    self.user,
                );
                let file = containers_dir.join(format!("{}.sh", container.name));
                std::fs::write(&file, script)?;
                Ok(file)
            };
        let init: Vec<PathBuf> = spec
            .init_containers
            .iter()
            .flatten()
            .map(&mut write_container)
            .collect::<anyhow::Result<_>>()?;
        let main = spec
            .containers
            .iter()
            .find(|c| c.name == "elasticsearch")
            .context("the pod has no elasticsearch container")?;
        let main = write_container(main)?;
        let hosts = dir.join("hosts");
        std::fs::write(&hosts, container::hosts_file(&pod))?;
        let pod_script = dir.join("pod.sh");
        std::fs::write(
            &pod_script,
            container::pod_script(&name, &hosts, &init, &main),
        )?;

        let address = pod
            .status
            .as_ref()
            .and_then(|s| s.pod_ip.clone())
            .context("no pod address")?;
        let index = self.next_index;
        self.next_index += 1;
        let network = self.network.add_pod(index, &address)?;
        let mut command = Command::new("ip");
        command.args([
            "netns",
            "exec",
            &network.name,
            "unshare",
            "--mount",
            "--uts",
            "--pid",
            "--fork",
        ]);
        // Its own /proc too: a JVM attaching to itself (Elasticsearch 9's entitlement agent)
        // looks itself up there by the pid it sees.
        command.args([
            "--mount-proc",
            "--kill-child",
            "--propagation",
            "private",
            "bash",
        ]);
        command.arg(&pod_script);
        let log_name = format!("pod-{namespace}-{name}-{index}");
        // SIGKILL if the stack dies: unshare's --kill-child then ends every process of the
        // pod's PID namespace.
        let process = Process::spawn_command(&log_name, command, &self.options.logs)?;
        if let Some(relay) = self.relays.get(&(namespace.clone(), name.clone())) {
            *relay.pod.lock().unwrap_or_else(|e| e.into_inner()) = Some(network.clone());
        }
        eprintln!(
            "real-stack: kubelet: started pod {namespace}/{name} at {address} (log {log_name}.log)"
        );
        Ok(Some(RunningPod {
            namespace,
            name,
            uid,
            pod,
            network,
            process,
            refreshed,
            exit_reported: false,
            ready: false,
        }))
    }

    /// The image of the pod's Elasticsearch version (the tag of its containers' image).
    fn image(
        &self,
        containers: &[k8s_openapi::api::core::v1::Container],
    ) -> anyhow::Result<PathBuf> {
        let image = containers
            .iter()
            .find(|c| c.name == "elasticsearch")
            .and_then(|c| c.image.clone())
            .context("the elasticsearch container has no image")?;
        let version = image.rsplit(':').next().unwrap_or_default();
        let dir = self.options.images.join(version);
        if !dir.join("bin").is_dir() {
            bail!(
                "no Elasticsearch image for {image} in {} (tests/real/elasticsearch/versions lists those built)",
                self.options.images.display()
            );
        }
        Ok(dir)
    }

    /// SIGTERM to every process of the pod (Elasticsearch shuts down gracefully), SIGKILL after
    /// the grace period, then its network goes.
    async fn stop(&self, mut pod: RunningPod) {
        if let Some(relay) = self.relays.get(&(pod.namespace.clone(), pod.name.clone())) {
            *relay.pod.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        for pid in pod.network.pids() {
            // SAFETY: kill(2) on a process of the pod's network namespace.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + STOP_GRACE;
        while !pod.process.exited() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        pod.process.stop(Duration::ZERO);
        self.network.remove(&pod.network);
        eprintln!(
            "real-stack: kubelet: stopped pod {}/{} ({})",
            pod.namespace, pod.name, pod.uid
        );
    }

    /// Stops every pod (the stack is stopping).
    pub async fn stop_all(&mut self) {
        let pods = std::mem::take(&mut self.pods);
        for pod in pods.into_values() {
            self.stop(pod).await;
        }
    }
}

/// Removes a pod whose processes stopped, as the kubelet does once its containers ended: at
/// once, and only that pod (its UID), never the StatefulSet's next one of the same name. A pod
/// already gone is fine.
async fn remove_pod(client: &Client, namespace: &str, name: &str, uid: &str) -> anyhow::Result<()> {
    let params = DeleteParams {
        grace_period_seconds: Some(0),
        preconditions: Some(Preconditions {
            uid: Some(uid.to_string()),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    match Api::<Pod>::namespaced(client.clone(), namespace)
        .delete(name, &params)
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 || status.code == 409 => Ok(()),
        Err(error) => Err(error).with_context(|| format!("removing pod {namespace}/{name}")),
    }
}

/// A pod with an address, not being deleted.
fn runs(pod: &Pod) -> bool {
    let addressed = pod
        .status
        .as_ref()
        .and_then(|s| s.pod_ip.as_ref())
        .is_some();
    addressed && pod.metadata.deletion_timestamp.is_none()
}

/// Once per exit, says that a pod's processes ended while it should run, with its log's end.
fn report_exit(pod: &mut RunningPod) {
    if !pod.exit_reported && pod.process.exited() {
        pod.exit_reported = true;
        eprintln!(
            "real-stack: kubelet: pod {}/{} stopped by itself; the end of {}:\n{}",
            pod.namespace,
            pod.name,
            pod.process.log.display(),
            crate::processes::log_tail(&pod.process.log, 20)
        );
    }
}

/// Whether something listens on `port` in the pod (ECK's readiness probe: a TCP check).
async fn listening(network: &PodNamespace, port: u16) -> bool {
    let network = network.clone();
    matches!(
        tokio::task::spawn_blocking(move || network.connect(port)).await,
        Ok(Ok(_))
    )
}

/// The pod's Ready and ContainersReady conditions, and its container's `ready`, as the kubelet
/// reports them once the readiness probe passes.
async fn mark_ready(client: &Client, pod: &RunningPod) -> anyhow::Result<()> {
    let now =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?;
    let condition = |kind: &str| json!({"type": kind, "status": "True", "lastTransitionTime": now});
    let status = json!({"status": {
        "conditions": [condition("Ready"), condition("ContainersReady")],
        "containerStatuses": [{"name": "elasticsearch", "ready": true}]
    }});
    Api::<Pod>::namespaced(client.clone(), &pod.namespace)
        .patch_status(
            &pod.name,
            &PatchParams::default(),
            &Patch::Strategic(&status),
        )
        .await
        .with_context(|| format!("marking pod {}/{} Ready", pod.namespace, pod.name))?;
    eprintln!(
        "real-stack: kubelet: pod {}/{} is Ready",
        pod.namespace, pod.name
    );
    Ok(())
}

/// Brings the pod's secret, ConfigMap and downward-API files up to date.
async fn sync_volumes(client: &Client, pod: &RunningPod) -> anyhow::Result<()> {
    let current = Api::<Pod>::namespaced(client.clone(), &pod.namespace)
        .get_opt(&pod.name)
        .await?
        .filter(|p| p.metadata.uid.as_deref() == Some(pod.uid.as_str()))
        .unwrap_or_else(|| pod.pod.clone());
    for (volume, dir) in &pod.refreshed {
        if let Some(payload) = volumes::payload(client, &current, volume).await? {
            volumes::write_atomically(dir, &payload)?;
        }
    }
    Ok(())
}

/// A loopback listener relaying into the pod's network namespace, and the `PortForward` that
/// sends kwok's port-forwards of the pod's HTTP port to it. It exists from the moment the pod
/// does, and a connection waits for the pod's Elasticsearch to listen (as a connection to a
/// starting container waits to be answered) rather than fail: ECK dials a pod as soon as it
/// exists, and a port-forward that fails early leaves its request hanging for the client's
/// whole timeout (client-go's port-forward keeps the local connection open).
struct Relay {
    /// The pod's current network namespace, while it runs.
    pod: Arc<Mutex<Option<PodNamespace>>>,
    task: JoinHandle<()>,
}

impl Relay {
    async fn start(client: &Client, namespace: &str, name: &str) -> anyhow::Result<Relay> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        crate::kube::apply(
            client,
            json!({
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "PortForward",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"forwards": [{"ports": [HTTP_PORT], "target": {"address": "127.0.0.1", "port": port}}]}
            }),
        )
        .await?;
        let pod: Arc<Mutex<Option<PodNamespace>>> = Arc::default();
        let slot = pod.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let slot = slot.clone();
                tokio::spawn(async move {
                    if let Some(mut outbound) = connect_when_listening(&slot).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Ok(Relay { pod, task })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A connection to the pod's HTTP port, once something listens there (within [`RELAY_WAIT`]).
async fn connect_when_listening(
    slot: &Mutex<Option<PodNamespace>>,
) -> Option<tokio::net::TcpStream> {
    let deadline = Instant::now() + RELAY_WAIT;
    while Instant::now() < deadline {
        let pod = slot.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(pod) = pod
            && let Ok(Ok(stream)) =
                tokio::task::spawn_blocking(move || pod.connect(HTTP_PORT)).await
            && stream.set_nonblocking(true).is_ok()
        {
            return tokio::net::TcpStream::from_std(stream).ok();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    None
}

/// The containers' user, made when this machine lacks it (`useradd --system`).
fn ensure_user() -> anyhow::Result<User> {
    let id = |flag: &str| -> Option<u32> {
        let output = Command::new("id").args([flag, USER]).output().ok()?;
        String::from_utf8(output.stdout).ok()?.trim().parse().ok()
    };
    if id("-u").is_none() {
        let status = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                USER,
            ])
            .status()
            .context("running useradd")?;
        if !status.success() {
            bail!(
                "useradd {USER} failed ({status}): the real stack's pods need root, as a kubelet does"
            );
        }
    }
    Ok(User {
        uid: id("-u").context("no uid for the containers' user")?,
        gid: id("-g").context("no gid for the containers' user")?,
    })
}
