//! ECK's StatefulSets, one per nodeSet (`NAME-es-NODESET`): the nodeSet's pod template with
//! ECK's own volumes, mounts, labels and annotations merged in (user volumes and mounts win
//! over ECK's of the same name or path), `count` replicas, updated `OnDelete` since ECK deletes
//! the pods itself in a rolling upgrade (ECK: pkg/controller/elasticsearch/nodespec/
//! statefulset.go, podspec.go, volumes.go). The template's config hash covers the rendered
//! `elasticsearch.yml` and the secure settings: CAs that reach the nodes through a mounted
//! Secret's data or the `certificateAuthorities` ConfigMap change no StatefulSet.

use serde_json::{Map, Value, json};

use super::elasticsearch_yml;
use super::resource::{Cluster, NodeSet, statefulset_name, version_at_least};
use crate::controllers::conventions::{
    CONFIG_HASH_ANNOTATION, STATEFULSET_LABEL, config_secret_name, transport_certs_secret,
};

const CONTAINER: &str = "elasticsearch";
const CONFIG_DIR: &str = "/usr/share/elasticsearch/config";
const DATA_VOLUME: &str = "elasticsearch-data";

/// The StatefulSet of one nodeSet, as ECK writes it (its status is the StatefulSet
/// controller's: see [`status`]).
pub fn desired(cluster: &Cluster<'_>, node_set: &NodeSet<'_>) -> Value {
    let name = statefulset_name(cluster.name, node_set.name);
    let mut selector = cluster.labels();
    selector.insert(STATEFULSET_LABEL.into(), json!(name));
    let claims = volume_claim_templates(node_set);
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": name,
            "namespace": cluster.namespace,
            "labels": selector,
            "ownerReferences": cluster.owner_reference(),
        },
        "spec": {
            "replicas": node_set.count,
            "selector": {"matchLabels": selector},
            // One headless service per StatefulSet, of its name (nodespec/statefulset.go).
            "serviceName": name,
            "podManagementPolicy": "Parallel",
            "updateStrategy": {"type": "OnDelete"},
            "template": template(cluster, node_set, &name, &claims),
            "volumeClaimTemplates": claims,
        },
    })
}

/// What the StatefulSet controller reports once the pods run: `ready` of them Ready,
/// `updated` of them on the current template.
pub fn status(statefulset: &Value, ready: u64, updated: u64) -> Value {
    json!({
        "observedGeneration": statefulset["metadata"]["generation"],
        "replicas": statefulset["spec"]["replicas"],
        "readyReplicas": ready,
        "availableReplicas": ready,
        "currentReplicas": updated,
        "updatedReplicas": updated,
    })
}

/// The user's claims, or ECK's default 1Gi data claim unless a volume of the pod template
/// already provides the data (ECK: common/defaults/pvc.go, elasticsearch/volume/defaults.go).
fn volume_claim_templates(node_set: &NodeSet<'_>) -> Value {
    if node_set
        .volume_claim_templates
        .as_array()
        .is_some_and(|claims| !claims.is_empty())
    {
        return node_set.volume_claim_templates.clone();
    }
    if user_volumes(node_set)
        .iter()
        .any(|v| v["name"] == DATA_VOLUME)
    {
        return json!([]);
    }
    json!([{
        "metadata": {"name": DATA_VOLUME},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }])
}

fn user_volumes(node_set: &NodeSet<'_>) -> Vec<Value> {
    node_set.pod_template["spec"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn template(cluster: &Cluster<'_>, node_set: &NodeSet<'_>, name: &str, claims: &Value) -> Value {
    let user = node_set.pod_template;
    let mut labels = object_field(&user["metadata"]["labels"]);
    labels.extend(pod_labels(cluster, node_set, name));
    let mut annotations = object_field(&user["metadata"]["annotations"]);
    annotations.insert("co.elastic.logs/module".into(), json!("elasticsearch"));
    annotations.insert(
        CONFIG_HASH_ANNOTATION.into(),
        json!(config_hash(&hashed_config(cluster, node_set)).to_string()),
    );
    let own = own_volumes(cluster, name, claims);
    let volumes = volumes(&own, &user_volumes(node_set));
    let mut spec = object_field(&user["spec"]);
    spec.insert(
        "containers".into(),
        json!(containers(cluster, &user["spec"], &own, &volumes)),
    );
    spec.insert("volumes".into(), json!(volumes));
    spec.entry("terminationGracePeriodSeconds")
        .or_insert(json!(180));
    json!({"metadata": {"labels": labels, "annotations": annotations}, "spec": spec})
}

fn object_field(value: &Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

/// The labels of the pods (ECK: elasticsearch/label/label.go, `NewPodLabels`).
fn pod_labels(cluster: &Cluster<'_>, node_set: &NodeSet<'_>, name: &str) -> Map<String, Value> {
    let mut labels = cluster.labels();
    labels.insert(STATEFULSET_LABEL.into(), json!(name));
    labels.insert(
        "elasticsearch.k8s.elastic.co/version".into(),
        json!(cluster.version),
    );
    let scheme = if cluster.http_tls { "https" } else { "http" };
    labels.insert(
        "elasticsearch.k8s.elastic.co/http-scheme".into(),
        json!(scheme),
    );
    for (role, has) in roles(node_set) {
        let label = format!("elasticsearch.k8s.elastic.co/node-{role}");
        labels.insert(label, json!(has.to_string()));
    }
    labels
}

/// The roles ECK labels a pod with, as it reads them from the nodeSet's config
/// (`IsConfiguredWithRole`): `node.roles` when set, else the legacy `node.ROLE` flags, else
/// every role but `voting_only`.
fn roles(node_set: &NodeSet<'_>) -> Vec<(&'static str, bool)> {
    let node = &elasticsearch_yml::nested(node_set.config)["node"];
    let listed = node["roles"].as_array();
    [
        "master",
        "data",
        "ingest",
        "ml",
        "remote_cluster_client",
        "voting_only",
    ]
    .into_iter()
    .map(|role| {
        let has = match listed {
            Some(roles) => roles.iter().any(|listed| listed == role),
            None => match &node[role] {
                Value::Bool(flag) => *flag,
                Value::String(flag) => flag != "false",
                _ => role != "voting_only",
            },
        };
        (role, has)
    })
    .collect()
}

/// What the config hash covers: the rendered `elasticsearch.yml`, then the keystore's hash
/// (ECK: `nodespec/podspec.go` writes `keystoreResources.Hash` into the same hash).
fn hashed_config(cluster: &Cluster<'_>, node_set: &NodeSet<'_>) -> String {
    elasticsearch_yml::render(cluster, node_set) + &cluster.secure_settings_hash
}

/// ECK hashes the canonical config (and its scripts, which the sandbox has none of) with
/// FNV-32a (nodespec/podspec.go, `buildAnnotations`); here the rendered file.
fn config_hash(rendered: &str) -> u32 {
    rendered.bytes().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// One of ECK's own volumes and where the Elasticsearch container mounts it (none: the
/// claims, whose mount is the data mount).
struct OwnVolume {
    volume: Value,
    mount: Option<Value>,
}

impl OwnVolume {
    fn new(name: &str, source: Value, path: &str, read_only: bool) -> Self {
        let mut volume = source;
        volume["name"] = json!(name);
        let mut mount = json!({"name": name, "mountPath": path});
        if read_only {
            mount["readOnly"] = json!(true);
        }
        OwnVolume {
            volume,
            mount: Some(mount),
        }
    }
}

fn secret(name: String) -> Value {
    json!({"secret": {"secretName": name, "optional": false}})
}

fn config_map(name: String) -> Value {
    json!({"configMap": {"name": name, "optional": false}})
}

fn empty_dir() -> Value {
    json!({"emptyDir": {}})
}

/// ECK's volumes and mounts (names: elasticsearch/volume/names.go; the shared `-local`
/// directories: elasticsearch/initcontainer/prepare_fs.go; the list: nodespec/volumes.go).
fn own_volumes(cluster: &Cluster<'_>, statefulset: &str, claims: &Value) -> Vec<OwnVolume> {
    let mut own = local_volumes();
    own.extend(cluster_volumes(cluster.name));
    own.extend(node_set_volumes(statefulset));
    own.extend(optional_volumes(cluster));
    // The claims' volumes; the StatefulSet controller names each pod's claim.
    own.extend(claims.as_array().into_iter().flatten().map(|claim| {
        let name = &claim["metadata"]["name"];
        OwnVolume {
            volume: json!({"name": name, "persistentVolumeClaim": {"claimName": "claim-name-placeholder"}}),
            mount: None,
        }
    }));
    own
}

/// The directories of the pod itself: emptyDirs shared with ECK's init container, and the
/// pod's labels.
fn local_volumes() -> Vec<OwnVolume> {
    let downward_api = json!({"downwardAPI": {"items": [
        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
    ]}});
    let mut own = vec![OwnVolume::new(
        "downward-api",
        downward_api,
        "/mnt/elastic-internal/downward-api",
        true,
    )];
    own.extend(
        [
            ("elastic-internal-elasticsearch-bin-local", "bin"),
            ("elastic-internal-elasticsearch-config-local", "config"),
            ("elastic-internal-elasticsearch-plugins-local", "plugins"),
            ("elasticsearch-logs", "logs"),
        ]
        .map(|(name, dir)| {
            OwnVolume::new(
                name,
                empty_dir(),
                &format!("/usr/share/elasticsearch/{dir}"),
                false,
            )
        }),
    );
    own.push(OwnVolume::new("tmp-volume", empty_dir(), "/tmp", false));
    own
}

/// The Secrets and ConfigMaps ECK makes for the cluster `es`, mounted read-only.
fn cluster_volumes(es: &str) -> Vec<OwnVolume> {
    let mut scripts = config_map(format!("{es}-es-scripts"));
    scripts["configMap"]["defaultMode"] = json!(0o755);
    let mut probe_user = secret(format!("{es}-es-internal-users"));
    probe_user["secret"]["items"] = json!([
        {"key": "elastic-internal-probe", "path": "elastic-internal-probe"},
        {"key": "elastic-internal-pre-stop", "path": "elastic-internal-pre-stop"},
    ]);
    let internal = |dir: &str| format!("/mnt/elastic-internal/{dir}");
    [
        (
            "elastic-internal-http-certificates",
            secret(format!("{es}-es-http-certs-internal")),
            format!("{CONFIG_DIR}/http-certs"),
        ),
        (
            "elastic-internal-probe-user",
            probe_user,
            internal("pod-mounted-users"),
        ),
        (
            "elastic-internal-remote-certificate-authorities",
            secret(format!("{es}-es-remote-ca")),
            format!("{CONFIG_DIR}/transport-remote-certs/"),
        ),
        ("elastic-internal-scripts", scripts, internal("scripts")),
        (
            "elastic-internal-unicast-hosts",
            config_map(format!("{es}-es-unicast-hosts")),
            internal("unicast-hosts"),
        ),
        (
            "elastic-internal-xpack-file-realm",
            secret(format!("{es}-es-xpack-file-realm")),
            internal("xpack-file-realm"),
        ),
    ]
    .into_iter()
    .map(|(name, source, path)| OwnVolume::new(name, source, &path, true))
    .collect()
}

/// The StatefulSet's own Secrets: its rendered config and its nodes' certificates.
fn node_set_volumes(statefulset: &str) -> [OwnVolume; 2] {
    [
        OwnVolume::new(
            "elastic-internal-elasticsearch-config",
            secret(config_secret_name(statefulset)),
            "/mnt/elastic-internal/elasticsearch-config",
            true,
        ),
        OwnVolume::new(
            "elastic-internal-transport-certificates",
            secret(transport_certs_secret(statefulset)),
            &format!("{CONFIG_DIR}/transport-certs"),
            true,
        ),
    ]
}

/// File-based settings from 8.6.1 (elasticsearch/filesettings/file_settings.go), and with
/// HTTP client authentication the trusted client CAs and ECK's own client certificate.
fn optional_volumes(cluster: &Cluster<'_>) -> Vec<OwnVolume> {
    let es = cluster.name;
    let mut own = Vec::new();
    if version_at_least(cluster.version, [8, 6, 1]) {
        own.push(OwnVolume::new(
            "file-settings",
            secret(format!("{es}-es-file-settings")),
            &format!("{CONFIG_DIR}/operator"),
            true,
        ));
    }
    if cluster.http_tls && cluster.spec()["http"]["tls"]["client"]["authentication"] == true {
        for (name, suffix, dir) in [
            (
                "elastic-internal-client-trust-bundle",
                "client-trust-bundle",
                "client-trust-bundle",
            ),
            (
                "elastic-internal-client-cert",
                "internal-client-cert",
                "client-cert",
            ),
        ] {
            let source = secret(format!("{es}-es-{suffix}"));
            own.push(OwnVolume::new(
                name,
                source,
                &format!("{CONFIG_DIR}/{dir}"),
                true,
            ));
        }
    }
    own
}

/// The user's volumes, then ECK's that no user volume shadows by name, sorted by name as ECK
/// sorts them (common/defaults/pod_template.go, `WithVolumes`).
fn volumes(own: &[OwnVolume], user: &[Value]) -> Vec<Value> {
    let own = own
        .iter()
        .map(|o| &o.volume)
        .filter(|volume| !user.iter().any(|v| v["name"] == volume["name"]));
    let mut volumes: Vec<Value> = user.iter().chain(own).cloned().collect();
    sort_by_name(&mut volumes);
    volumes
}

fn sort_by_name(items: &mut [Value]) {
    items.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
}

/// ECK's Elasticsearch container with the user's merged in, then the user's other containers.
fn containers(
    cluster: &Cluster<'_>,
    user_spec: &Value,
    own: &[OwnVolume],
    volumes: &[Value],
) -> Vec<Value> {
    let user_containers = user_spec["containers"].as_array();
    let user = user_containers
        .into_iter()
        .flatten()
        .find(|c| c["name"] == CONTAINER);
    let sidecars = user_containers
        .into_iter()
        .flatten()
        .filter(|c| c["name"] != CONTAINER)
        .cloned();
    let mut containers = vec![elasticsearch_container(cluster, user, own, volumes)];
    containers.extend(sidecars);
    containers
}

/// The user's mounts, then ECK's own that no user mount shadows by name or path (and the
/// data mount when a volume holds the data: elasticsearch/volume/defaults.go), sorted by name
/// (common/container/defaulter.go, `WithVolumeMounts`).
fn elasticsearch_container(
    cluster: &Cluster<'_>,
    user: Option<&Value>,
    own: &[OwnVolume],
    volumes: &[Value],
) -> Value {
    let mut container = user.map(object_field).unwrap_or_default();
    let user_mounts: Vec<Value> = container
        .get("volumeMounts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let data_mount = volumes
        .iter()
        .any(|v| v["name"] == DATA_VOLUME)
        .then(|| json!({"name": DATA_VOLUME, "mountPath": "/usr/share/elasticsearch/data"}));
    let own_mounts = own
        .iter()
        .filter_map(|o| o.mount.clone())
        .chain(data_mount)
        .filter(|mount| {
            !user_mounts
                .iter()
                .any(|m| m["name"] == mount["name"] || m["mountPath"] == mount["mountPath"])
        });
    let mut mounts: Vec<Value> = user_mounts.iter().cloned().chain(own_mounts).collect();
    sort_by_name(&mut mounts);
    container.insert("name".into(), json!(CONTAINER));
    container.entry("image").or_insert_with(|| {
        json!(format!(
            "docker.elastic.co/elasticsearch/elasticsearch:{}",
            cluster.version
        ))
    });
    container.insert("volumeMounts".into(), json!(mounts));
    container.insert(
        "ports".into(),
        json!([
            {"name": if cluster.http_tls { "https" } else { "http" }, "containerPort": 9200, "protocol": "TCP"},
            {"name": "transport", "containerPort": 9300, "protocol": "TCP"},
        ]),
    );
    // 2Gi of memory unless the user says otherwise (nodespec/defaults.go).
    container
        .entry("resources")
        .or_insert_with(|| json!({"requests": {"memory": "2Gi"}, "limits": {"memory": "2Gi"}}));
    Value::Object(container)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_hash_is_fnv_32a() {
        // FNV-1a 32 of "a", a published test vector.
        assert_eq!(config_hash("a"), 0xe40c_292c);
    }
}
