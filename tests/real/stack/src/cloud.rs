//! The part of a cloud provider this stack plays: a Service of type LoadBalancer gets an
//! address in `status.loadBalancer.ingress`, written through the status subresource as a
//! cloud controller manager writes it: the address of a pod the service selects.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Service};
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::json;

/// Assigns addresses until the task is dropped.
pub async fn run_load_balancers(client: Client) {
    loop {
        if let Err(error) = assign_addresses(&client).await {
            eprintln!("real-stack: load balancers: {error:#}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
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
