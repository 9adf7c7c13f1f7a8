//! The part of a cloud provider this stack plays: a Service of type LoadBalancer gets an
//! address in `status.loadBalancer.ingress`, written through the status subresource as a
//! cloud controller manager writes it: the address of a pod the service selects; and a
//! persistent volume claim gets a volume (a directory of the stack's, `hostPath`), made as a
//! provisioner makes one, which the controller manager then binds to the claim.

use std::collections::BTreeMap;
use std::time::Duration;

use std::path::Path;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod, Service};
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

/// Assigns addresses and provisions volumes (under `volumes`) until the task is dropped.
pub async fn run(client: Client, volumes: &Path) {
    loop {
        if let Err(error) = assign_addresses(&client).await {
            eprintln!("real-stack: load balancers: {error:#}");
        }
        if let Err(error) = provision_volumes(&client, volumes).await {
            eprintln!("real-stack: volumes: {error:#}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
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

async fn assign_addresses(client: &Client) -> anyhow::Result<()> {
    let services = Api::<Service>::all(client.clone())
        .list(&ListParams::default())
        .await?;
    for service in services.items.iter().filter(|s| needs_address(s)) {
        let namespace = service.metadata.namespace.as_deref().unwrap_or("default");
        let name = service.metadata.name.as_deref().unwrap_or_default();
        let selector = service.spec.as_ref().and_then(|s| s.selector.clone());
        let Some(address) = selected_pod_address(client, namespace, selector).await? else {
            continue;
        };
        let status =
            json!({"status": {"loadBalancer": {"ingress": [{"ip": address, "ipMode": "VIP"}]}}});
        Api::<Service>::namespaced(client.clone(), namespace)
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await?;
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

async fn selected_pod_address(
    client: &Client,
    namespace: &str,
    selector: Option<BTreeMap<String, String>>,
) -> anyhow::Result<Option<String>> {
    let Some(selector) = selector.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let labels: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let pods = Api::<Pod>::namespaced(client.clone(), namespace)
        .list(&ListParams::default().labels(&labels.join(",")))
        .await?;
    let mut addresses: Vec<String> = pods
        .items
        .iter()
        .filter_map(|p| p.status.as_ref()?.pod_ip.clone())
        .collect();
    addresses.sort();
    Ok(addresses.into_iter().next())
}
