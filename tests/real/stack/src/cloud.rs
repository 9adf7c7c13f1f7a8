//! The part of a cloud provider this stack plays: a Service of type LoadBalancer gets an
//! address of its own on the pod network, written to `status.loadBalancer.ingress` through the
//! status subresource as a cloud controller manager writes it, and a balancer there that
//! forwards each connection to a pod the service selects, the one Ready now: an address that
//! survives the pods' restarts, as a cloud's does. And a persistent volume claim gets a volume
//! (a directory of the stack's, `hostPath`), made as a provisioner makes one, which the
//! controller manager then binds to the claim.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod, Service};
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

use crate::kubelet::network::PodNetwork;

pub struct Cloud {
    client: Client,
    network: Arc<PodNetwork>,
    volumes: PathBuf,
    /// The services (by uid) that have a balancer.
    balanced: Mutex<BTreeSet<String>>,
}

impl Cloud {
    pub fn new(client: Client, network: Arc<PodNetwork>, volumes: PathBuf) -> Cloud {
        Cloud {
            client,
            network,
            volumes,
            balanced: Mutex::default(),
        }
    }

    /// Assigns addresses and provisions volumes until the task is dropped (the balancers
    /// already made keep working).
    pub async fn run(&self) {
        loop {
            if let Err(error) = self.balance().await {
                eprintln!("real-stack: load balancers: {error:#}");
            }
            if let Err(error) = provision_volumes(&self.client, &self.volumes).await {
                eprintln!("real-stack: volumes: {error:#}");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    async fn balance(&self) -> anyhow::Result<()> {
        let services = Api::<Service>::all(self.client.clone())
            .list(&ListParams::default())
            .await?;
        for service in services.items.iter().filter(|s| needs_address(s)) {
            let uid = service.metadata.uid.clone().unwrap_or_default();
            if self
                .balanced
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&uid)
            {
                continue;
            }
            let namespace = service.metadata.namespace.clone().unwrap_or_default();
            let name = service.metadata.name.clone().unwrap_or_default();
            let spec = service.spec.clone().unwrap_or_default();
            let address = self.network.add_balancer_address()?;
            for port in spec.ports.unwrap_or_default() {
                let target = match port.target_port {
                    Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(p)) => p,
                    _ => port.port,
                };
                let listener = self.network.listen(&address, port.port as u16)?;
                let backend = Backend {
                    client: self.client.clone(),
                    network: self.network.clone(),
                    namespace: namespace.clone(),
                    selector: spec.selector.clone().unwrap_or_default(),
                    port: target as u16,
                };
                tokio::spawn(backend.serve(listener));
            }
            let status = json!({"status": {"loadBalancer": {"ingress": [{"ip": address, "ipMode": "VIP"}]}}});
            Api::<Service>::namespaced(self.client.clone(), &namespace)
                .patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
                .await?;
            self.balanced
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(uid);
        }
        Ok(())
    }
}

/// Where a balancer sends connections: the pods its service selects.
struct Backend {
    client: Client,
    network: Arc<PodNetwork>,
    namespace: String,
    selector: BTreeMap<String, String>,
    port: u16,
}

impl Backend {
    async fn serve(self, listener: std::net::TcpListener) {
        let Ok(listener) = listener
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpListener::from_std(listener))
        else {
            return;
        };
        let backend = Arc::new(self);
        while let Ok((mut inbound, _)) = listener.accept().await {
            let backend = backend.clone();
            tokio::spawn(async move {
                let Ok(Some(pod)) = backend.pod_address().await else {
                    return;
                };
                let (network, port) = (backend.network.clone(), backend.port);
                let outbound =
                    tokio::task::spawn_blocking(move || network.connect(&pod, port)).await;
                if let Ok(Ok(outbound)) = outbound
                    && outbound.set_nonblocking(true).is_ok()
                    && let Ok(mut outbound) = tokio::net::TcpStream::from_std(outbound)
                {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    }

    /// The address of a selected pod: a Ready one if there is one.
    async fn pod_address(&self) -> anyhow::Result<Option<String>> {
        if self.selector.is_empty() {
            return Ok(None);
        }
        let labels: Vec<String> = self
            .selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let pods = Api::<Pod>::namespaced(self.client.clone(), &self.namespace)
            .list(&ListParams::default().labels(&labels.join(",")))
            .await?;
        let mut candidates: Vec<(bool, String)> = pods
            .items
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter_map(|p| {
                let address = p.status.as_ref()?.pod_ip.clone()?;
                Some((!crate::kube::pod_ready(p), address))
            })
            .collect();
        candidates.sort();
        Ok(candidates.into_iter().next().map(|(_, address)| address))
    }
}

/// A volume for each claim that has none: its size, access modes and class, reserved for it.
async fn provision_volumes(client: &Client, volumes: &Path) -> anyhow::Result<()> {
    let claims = Api::<PersistentVolumeClaim>::all(client.clone())
        .list(&ListParams::default())
        .await?;
    let pending = claims.items.iter().filter(|c| {
        let phase = c.status.as_ref().and_then(|s| s.phase.as_deref());
        let bound_to = c.spec.as_ref().and_then(|s| s.volume_name.as_deref());
        phase == Some("Pending") && bound_to.is_none_or(str::is_empty)
    });
    for claim in pending {
        let uid = claim.metadata.uid.as_deref().unwrap_or_default();
        let namespace = claim.metadata.namespace.as_deref().unwrap_or("default");
        let name = claim.metadata.name.as_deref().unwrap_or_default();
        let spec = claim.spec.clone().unwrap_or_default();
        let size = spec
            .resources
            .and_then(|r| r.requests)
            .and_then(|r| r.get("storage").cloned());
        let volume: PersistentVolume = serde_json::from_value(json!({
            "metadata": {"name": format!("pvc-{uid}")},
            "spec": {
                "capacity": {"storage": size.map_or("1Gi".to_string(), |q| q.0)},
                "accessModes": spec.access_modes.unwrap_or_else(|| vec!["ReadWriteOnce".into()]),
                "storageClassName": spec.storage_class_name.unwrap_or_default(),
                "persistentVolumeReclaimPolicy": "Retain",
                "claimRef": {"namespace": namespace, "name": name, "uid": uid},
                "hostPath": {"path": volumes.join(format!("{namespace}_{name}_{uid}")), "type": "DirectoryOrCreate"}
            }
        }))?;
        match Api::<PersistentVolume>::all(client.clone())
            .create(&PostParams::default(), &volume)
            .await
        {
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            other => {
                other?;
            }
        }
    }
    Ok(())
}

fn needs_address(service: &Service) -> bool {
    let is_load_balancer =
        service.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("LoadBalancer");
    let has_address = service
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|l| l.ingress.as_ref())
        .is_some_and(|i| !i.is_empty());
    is_load_balancer && !has_address
}
