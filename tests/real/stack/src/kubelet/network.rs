//! The pod network: each pod has a network namespace of its own with its pod address on `eth0`,
//! one end of a veth pair whose other end is on a bridge in a namespace of the stack's. Pods
//! reach each other, and the load balancers' addresses (on the bridge), as on a cluster
//! network, and bind every interface as ECK renders it (`network.host: "0"`) without listening
//! anywhere on this machine: the host's own network is never touched.
//!
//! Names carry the stack's process id, so that a stack cleans up what a killed one left.

use std::os::fd::AsRawFd;
use std::process::Command;

use anyhow::{Context, bail};

/// Every namespace of this module starts with this.
const PREFIX: &str = "ecr-";
const BRIDGE: &str = "br0";
/// The network's prefix length: pods' addresses are in [`crate::POD_CIDR`] (10.244.0.0/24),
/// load balancers' in 10.244.1.0/24, all on one link.
const PREFIX_LENGTH: u8 = 16;
/// The load balancers' addresses, on the bridge: `10.244.1.N`.
const BALANCER_PREFIX: &str = "10.244.1.";

/// The bridge's namespace; dropped, it removes every pod namespace it made, and itself.
pub struct PodNetwork {
    namespace: String,
    stack: u32,
    balancers: std::sync::atomic::AtomicU32,
}

/// A pod's network namespace; [`PodNetwork::remove`] deletes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodNamespace {
    pub name: String,
}

impl PodNamespace {
    /// The namespace's file, for `ip netns exec` and `setns`.
    pub fn path(&self) -> String {
        format!("/run/netns/{}", self.name)
    }

    /// The processes inside it.
    pub fn pids(&self) -> Vec<i32> {
        let Ok(output) = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
        else {
            return Vec::new();
        };
        String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    /// A TCP connection to `port` on the pod's own loopback, made from inside its namespace:
    /// what kwok's port-forward reaches.
    pub fn connect(&self, port: u16) -> anyhow::Result<std::net::TcpStream> {
        in_namespace(&self.path(), move || {
            Ok(std::net::TcpStream::connect(("127.0.0.1", port))?)
        })
    }
}

/// Runs `make` in the network namespace at `path` (a socket stays in the namespace it was
/// made in). setns changes the calling thread only: a thread of its own, which then ends.
fn in_namespace<T: Send + 'static>(
    path: &str,
    make: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let path = path.to_string();
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).with_context(|| format!("opening {path}"))?;
        // SAFETY: setns on a namespace file we hold open, for this thread only.
        if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            bail!("entering {path}: {}", std::io::Error::last_os_error());
        }
        make()
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the thread entering {} panicked", "a network namespace"))?
}

impl PodNetwork {
    /// Removes what stacks no longer running left, then makes the bridge.
    pub fn create() -> anyhow::Result<PodNetwork> {
        remove_orphans();
        let stack = std::process::id();
        let namespace = format!("{PREFIX}{stack}-net");
        ip(&["netns", "add", &namespace])?;
        ip(&["-n", &namespace, "link", "add", BRIDGE, "type", "bridge"])?;
        ip(&["-n", &namespace, "link", "set", BRIDGE, "up"])?;
        Ok(PodNetwork {
            namespace,
            stack,
            balancers: 0.into(),
        })
    }

    /// A new load-balancer address, on the bridge: pods reach it on their link.
    pub fn add_balancer_address(&self) -> anyhow::Result<String> {
        let index = 1 + self
            .balancers
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let address = format!("{BALANCER_PREFIX}{index}");
        let cidr = format!("{address}/{PREFIX_LENGTH}");
        ip(&["-n", &self.namespace, "addr", "add", &cidr, "dev", BRIDGE])?;
        Ok(address)
    }

    /// A listener on `address:port` in the bridge's namespace (a load balancer's front).
    pub fn listen(&self, address: &str, port: u16) -> anyhow::Result<std::net::TcpListener> {
        let address = format!("{address}:{port}");
        in_namespace(&self.path(), move || {
            Ok(std::net::TcpListener::bind(&address)?)
        })
    }

    /// A connection from the bridge's namespace to a pod's `address:port`.
    pub fn connect(&self, address: &str, port: u16) -> anyhow::Result<std::net::TcpStream> {
        let address = format!("{address}:{port}");
        in_namespace(&self.path(), move || {
            Ok(std::net::TcpStream::connect(&address)?)
        })
    }

    fn path(&self) -> String {
        format!("/run/netns/{}", self.namespace)
    }

    /// A namespace for the pod numbered `index` (unique while it lives), with `address`.
    pub fn add_pod(&self, index: u32, address: &str) -> anyhow::Result<PodNamespace> {
        let pod = PodNamespace {
            name: format!("{PREFIX}{}-{index}", self.stack),
        };
        // The veth end on the bridge; its peer is the pod's eth0.
        let link = &format!("v{index}");
        let (net, name) = (&self.namespace, &pod.name);
        ip(&["netns", "add", name])?;
        ip(&[
            "-n", net, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", name,
        ])?;
        ip(&["-n", net, "link", "set", link, "master", BRIDGE, "up"])?;
        let cidr = format!("{address}/{PREFIX_LENGTH}");
        ip(&["-n", name, "addr", "add", &cidr, "dev", "eth0"])?;
        ip(&["-n", name, "link", "set", "eth0", "up"])?;
        ip(&["-n", name, "link", "set", "lo", "up"])?;
        Ok(pod)
    }

    /// Deletes a pod's namespace (its veth pair goes with it); its processes must be gone.
    pub fn remove(&self, pod: &PodNamespace) {
        let _ = ip(&["netns", "del", &pod.name]);
    }
}

impl Drop for PodNetwork {
    fn drop(&mut self) {
        remove_namespaces(|name| name.starts_with(&format!("{PREFIX}{}-", self.stack)));
    }
}

/// Namespaces of stacks whose process is gone: their processes are killed, then they go.
fn remove_orphans() {
    remove_namespaces(|name| {
        let stack = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        stack.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
    });
}

fn remove_namespaces(selected: impl Fn(&str) -> bool) {
    let Ok(entries) = std::fs::read_dir("/run/netns") else {
        return;
    };
    for name in entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
    {
        if name.starts_with(PREFIX) && selected(&name) {
            let namespace = PodNamespace { name: name.clone() };
            for pid in namespace.pids() {
                // SAFETY: kill(2); these are processes of a stack of ours.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            let _ = ip(&["netns", "del", &name]);
        }
    }
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    let output = Command::new("ip")
        .args(args)
        .output()
        .context("running ip (iproute2)")?;
    if !output.status.success() {
        bail!(
            "ip {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
