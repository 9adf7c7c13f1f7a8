//! What the stack writes through the API server as an administrator would: ECK's CRDs, the
//! kwok node, namespaces and Elasticsearch resources, and the waits for them to be ready.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod, Secret, ServiceAccount};
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, GroupVersionKind};
use kube::{Client, Config};
use serde_json::{Value, json};

use crate::{Cluster, HEAP};

const FIELD_MANAGER: &str = "ecr-real-stack";

/// The name of the one node kwok runs every pod on.
pub const NODE_NAME: &str = "kwok-node-0";

/// A client for `kubeconfig`'s current context.
pub async fn client(kubeconfig: &Path) -> anyhow::Result<Client> {
    let kubeconfig = Kubeconfig::read_from(kubeconfig).context("reading the kubeconfig")?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(Client::try_from(config)?)
}

/// Polls `check` every 200 ms until it returns `Some`, failing with `what` after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(error) => last_error = Some(error),
        }
        if Instant::now() > deadline {
            let cause = last_error
                .map(|e| format!(" (last error: {e:#})"))
                .unwrap_or_default();
            bail!("timed out after {timeout:?} waiting for {what}{cause}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The API server answers `/readyz` with `ok`.
pub async fn api_server_ready(client: &Client) -> anyhow::Result<Option<()>> {
    let request = http::Request::get("/readyz").body(Vec::new())?;
    let body = client.request_text(request).await?;
    Ok((body.trim() == "ok").then_some(()))
}

/// Applies every object of a multi-document YAML file server-side, as
/// `kubectl apply --server-side --force-conflicts` does (ECK's CRDs are too big for the
/// annotation a client-side apply writes).
pub async fn apply_file(client: &Client, file: &Path) -> anyhow::Result<usize> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut applied = 0;
    for document in serde_yaml::Deserializer::from_str(&text) {
        let value: Value = serde::Deserialize::deserialize(document)?;
        if value.is_null() {
            continue;
        }
        apply(client, value).await?;
        applied += 1;
    }
    Ok(applied)
}

/// Server-side apply of one object (cluster-scoped unless it names a namespace).
pub async fn apply(client: &Client, object: Value) -> anyhow::Result<()> {
    let object: DynamicObject = serde_json::from_value(object)?;
    let types = object
        .types
        .clone()
        .context("an object without apiVersion and kind")?;
    let gvk = GroupVersionKind::try_from(&types)?;
    let (resource, _) = kube::discovery::pinned_kind(client, &gvk)
        .await
        .with_context(|| format!("discovering {}", types.kind))?;
    let name = object
        .metadata
        .name
        .clone()
        .context("an object without a name")?;
    let api: Api<DynamicObject> = match &object.metadata.namespace {
        Some(namespace) => Api::namespaced_with(client.clone(), namespace, &resource),
        None => Api::all_with(client.clone(), &resource),
    };
    api.patch(
        &name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&object),
    )
    .await
    .with_context(|| format!("applying {} {name}", types.kind))?;
    Ok(())
}

/// A node that kwok manages and reports Ready, with room for every test's pods.
pub async fn create_node(client: &Client) -> anyhow::Result<()> {
    let capacity = json!({"cpu": "64", "memory": "512Gi", "pods": "250"});
    let node: Node = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": NODE_NAME,
            "annotations": {"node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake"},
            "labels": {
                "kubernetes.io/hostname": NODE_NAME,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok"
            }
        },
        "status": {"capacity": capacity, "allocatable": capacity}
    }))?;
    Api::<Node>::all(client.clone())
        .create(&PostParams::default(), &node)
        .await
        .context("creating the kwok node")?;
    Ok(())
}

pub async fn node_ready(client: &Client) -> anyhow::Result<Option<()>> {
    let node = Api::<Node>::all(client.clone()).get(NODE_NAME).await?;
    let ready = node
        .status
        .and_then(|s| s.conditions)
        .unwrap_or_default()
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    Ok(ready.then_some(()))
}

/// The controller manager is at work once it has made the `default` service account.
pub async fn controller_manager_working(client: &Client) -> anyhow::Result<Option<()>> {
    let accounts = Api::<ServiceAccount>::namespaced(client.clone(), "default");
    Ok(accounts.get_opt("default").await?.map(|_| ()))
}

pub async fn create_namespace(client: &Client, name: &str) -> anyhow::Result<()> {
    let namespace: Namespace = serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
    )?;
    match Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
    {
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        other => other
            .map(|_| ())
            .with_context(|| format!("creating namespace {name}")),
    }
}

/// ECK's `Elasticsearch` kind.
pub fn elasticsearch_resource() -> ApiResource {
    let gvk = GroupVersionKind::gvk("elasticsearch.k8s.elastic.co", "v1", "Elasticsearch");
    ApiResource::from_gvk_with_plural(&gvk, "elasticsearches")
}

/// [`crate::NODE_SETTINGS`] as a nodeSet's `config` (`false` a boolean, as a user writes it).
fn node_config() -> Value {
    crate::NODE_SETTINGS
        .iter()
        .map(|(key, value)| {
            let value = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
            (key.to_string(), value)
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// An Elasticsearch cluster as a user would write it: one nodeSet `default` of one node. A
/// cluster whose pod runs nothing keeps its data on an emptyDir, as ECK's docs allow; one that
/// runs keeps ECK's default volume claim, so that its data outlives a restart, and a heap of
/// [`crate::HEAP`] (Elasticsearch would take half of this machine's memory).
pub async fn create_elasticsearch(client: &Client, cluster: &Cluster) -> anyhow::Result<()> {
    let (namespace, name) = (&cluster.namespace, &cluster.name);
    create_namespace(client, namespace).await?;
    let pod_template = if cluster.running {
        let heap = format!("-Xms{HEAP} -Xmx{HEAP}");
        json!({
            "metadata": {"labels": {crate::kubelet::LABEL: "true"}},
            "spec": {"containers": [{"name": "elasticsearch", "env": [{"name": "ES_JAVA_OPTS", "value": heap}]}]}
        })
    } else {
        json!({"spec": {"volumes": [{"name": "elasticsearch-data", "emptyDir": {}}]}})
    };
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "elasticsearch.k8s.elastic.co/v1",
        "kind": "Elasticsearch",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "version": cluster.version,
            "nodeSets": [{
                "name": "default",
                "count": 1,
                "config": node_config(),
                "podTemplate": pod_template
            }]
        }
    }))?;
    Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &elasticsearch_resource())
        .create(&PostParams::default(), &object)
        .await
        .with_context(|| format!("creating Elasticsearch {namespace}/{name}"))?;
    Ok(())
}

/// ECK has published the cluster's transport CA and every pod of its nodeSet `default` is
/// Ready; for a cluster that runs Elasticsearch, ECK reports its health green too.
pub async fn elasticsearch_ready(client: &Client, cluster: &Cluster) -> anyhow::Result<Option<()>> {
    let (namespace, name) = (&cluster.namespace, &cluster.name);
    let secrets = Api::<Secret>::namespaced(client.clone(), namespace);
    if secrets
        .get_opt(&format!("{name}-es-transport-certs-public"))
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let sets = Api::<StatefulSet>::namespaced(client.clone(), namespace);
    let Some(set) = sets.get_opt(&format!("{name}-es-default")).await? else {
        return Ok(None);
    };
    if set.status.and_then(|s| s.ready_replicas).unwrap_or(0) != 1 {
        return Ok(None);
    }
    if !cluster.running {
        return Ok(Some(()));
    }
    let es =
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &elasticsearch_resource())
            .get(name)
            .await?;
    Ok((es.data["status"]["health"] == "green").then_some(()))
}

/// Whether the pod's `Ready` condition is true.
pub fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True")
        })
}

/// What an Elasticsearch resource, its pod and the pod's log say, in one line: ECK's phase and
/// health, the pod's phase and readiness, and the last warning or error Elasticsearch logged
/// (the kubelet's log of the pod's latest start, `pod-NAMESPACE-POD-N.log` in `logs`).
pub async fn describe_cluster(client: &Client, cluster: &Cluster, logs: &Path) -> String {
    let (namespace, name) = (&cluster.namespace, &cluster.name);
    let pod_name = format!("{name}-es-default-0");
    let es =
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &elasticsearch_resource())
            .get_opt(name)
            .await;
    let es = match es {
        Ok(Some(es)) => format!(
            "phase {}, health {}",
            es.data["status"]["phase"].as_str().unwrap_or("none"),
            es.data["status"]["health"].as_str().unwrap_or("none")
        ),
        Ok(None) => "no Elasticsearch resource".into(),
        Err(error) => format!("not read ({error})"),
    };
    let pod = match Api::<Pod>::namespaced(client.clone(), namespace)
        .get_opt(&pod_name)
        .await
    {
        Ok(Some(pod)) => {
            let ready = if pod_ready(&pod) {
                "Ready"
            } else {
                "not Ready"
            };
            let phase = pod.status.and_then(|s| s.phase);
            format!("pod {}, {ready}", phase.as_deref().unwrap_or("no phase"))
        }
        Ok(None) => "no pod".into(),
        Err(error) => format!("pod not read ({error})"),
    };
    let log = last_warning(logs, &format!("pod-{namespace}-{pod_name}-"))
        .map(|line| format!(", last logged: {line}"))
        .unwrap_or_default();
    format!("{namespace}/{name}: {es}, {pod}{log}")
}

/// The last `WARN` or `ERROR` line of the newest log in `logs` whose name starts with `prefix`
/// and goes on with the start's number.
fn last_warning(logs: &Path, prefix: &str) -> Option<String> {
    let newest = std::fs::read_dir(logs)
        .ok()?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let start: u32 = name
                .strip_prefix(prefix)?
                .strip_suffix(".log")?
                .parse()
                .ok()?;
            Some((start, name))
        })
        .max()?;
    let text = std::fs::read_to_string(logs.join(newest.1)).ok()?;
    let line = text
        .lines()
        .rev()
        .find(|line| line.contains("][WARN ") || line.contains("][ERROR"))?;
    Some(line.chars().take(400).collect())
}

#[cfg(test)]
mod tests {
    use super::last_warning;

    #[test]
    fn the_last_warning_comes_from_the_newest_start_of_the_pod() {
        let logs = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(logs.path().join(name), text).unwrap();
        write("pod-ns-es-0-3.log", "[t][WARN ][o.e.X] [n] an old start\n");
        write(
            "pod-ns-es-0-12.log",
            "[t][WARN ][o.e.X] [n] first\n[t][ERROR][o.e.Y] [n] second\n[t][INFO ][o.e.Z] [n] later\n",
        );
        write(
            "pod-ns-es-0-other-99.log",
            "[t][WARN ][o.e.X] [n] another pod\n",
        );
        assert_eq!(
            last_warning(logs.path(), "pod-ns-es-0-").as_deref(),
            Some("[t][ERROR][o.e.Y] [n] second")
        );
        assert_eq!(last_warning(logs.path(), "pod-other-"), None);
    }
}
