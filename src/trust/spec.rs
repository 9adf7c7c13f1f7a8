//! The Elasticsearch resource's spec with trust in place: the CA Secret mounted and listed on
//! nodeSets (secret-mount mode), or the CA ConfigMap named for ECK (config-map mode).

use serde_json::{Map, Value, json};

use super::MountLayout;
use super::config::ensure_ca_path;
use super::json::{list_at, name_of, named_entry, object_at};
use crate::error::{Failure, FailureKind, name_list};

/// The container ECK runs Elasticsearch in; a podTemplate entry of that name is merged into it.
const ELASTICSEARCH_CONTAINER: &str = "elasticsearch";

/// A spec as it must be written, and what writing it costs.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecEdit {
    pub spec: Value,
    /// nodeSets whose config or podTemplate changed: ECK rolls their pods.
    pub rolled_node_sets: Vec<String>,
}

/// secret-mount mode: on each selected nodeSet (`None`: all of them), the Secret as a volume,
/// mounted read-only on the `elasticsearch` container, and its bundle listed in the config's
/// `xpack.security.transport.ssl.certificate_authorities`. What is already there is kept as
/// it is; anything else at the volume's name or the mount's path is refused, and then nothing
/// changes. Once in place, later CA changes only touch the Secret: Elasticsearch reloads the
/// file, and pods do not roll.
pub fn spec_with_mount(
    spec: &Value,
    layout: &MountLayout,
    node_sets: Option<&[String]>,
) -> Result<SpecEdit, Failure> {
    let names = node_set_names(spec)?;
    if let Some(unknown) = node_sets
        .into_iter()
        .flatten()
        .find(|wanted| !names.contains(wanted))
    {
        return Err(Failure::new(
            FailureKind::NotFound,
            format!("the cluster has no nodeSet named {unknown}"),
        )
        .with_hint(format!("its nodeSets: {}", name_list(&names, "none"))));
    }
    let mut edited = spec.clone();
    let mut rolled_node_sets = Vec::new();
    let all = edited["nodeSets"].as_array_mut().into_iter().flatten();
    for (node_set, name) in all.zip(&names) {
        if node_sets.is_some_and(|wanted| !wanted.contains(name)) {
            continue;
        }
        let before = node_set.clone();
        mount(node_set, layout, name)?;
        if *node_set != before {
            rolled_node_sets.push(name.clone());
        }
    }
    Ok(SpecEdit {
        spec: edited,
        rolled_node_sets,
    })
}

/// config-map mode: the ConfigMap ECK reads extra trusted CAs from. One already named there
/// is kept (ecr then adds to it); otherwise `wanted` is set. nodeSets are never touched, so no
/// pod rolls.
pub fn spec_with_ca_config_map(spec: &Value, wanted: &str) -> (Value, String) {
    let configured = spec["transport"]["tls"]["certificateAuthorities"]["configMapName"]
        .as_str()
        .filter(|name| !name.is_empty());
    if let Some(name) = configured {
        return (spec.clone(), name.to_string());
    }
    let mut edited = spec.clone();
    json_patch::merge(
        &mut edited,
        &json!({"transport": {"tls": {"certificateAuthorities": {"configMapName": wanted}}}}),
    );
    (edited, wanted.to_string())
}

/// Each nodeSet, and whether it already mounts the Secret and lists its bundle as it should.
pub fn node_sets_trusting(spec: &Value, layout: &MountLayout) -> Vec<(String, bool)> {
    let all = spec["nodeSets"].as_array().into_iter().flatten();
    all.map(|node_set| {
        let name = name_of(node_set).unwrap_or_default().to_string();
        let mut edited = node_set.clone();
        let in_place = mount(&mut edited, layout, &name).is_ok() && edited == *node_set;
        (name, in_place)
    })
    .collect()
}

fn node_set_names(spec: &Value) -> Result<Vec<String>, Failure> {
    let node_sets = spec["nodeSets"].as_array().ok_or_else(|| {
        Failure::new(
            FailureKind::Invalid,
            "the Elasticsearch resource has no list of nodeSets",
        )
    })?;
    Ok(node_sets
        .iter()
        .map(|node_set| name_of(node_set).unwrap_or_default().to_string())
        .collect())
}

/// Puts the volume, the mount and the CA path on one nodeSet.
fn mount(node_set: &mut Value, layout: &MountLayout, name: &str) -> Result<(), Failure> {
    let pod_spec = object_at(node_set, &["podTemplate", "spec"])
        .ok_or_else(|| malformed(name, "podTemplate.spec"))?;
    ensure_volume(pod_spec, layout, name)?;
    ensure_volume_mount(pod_spec, layout, name)?;
    let config = object_at(node_set, &["config"]).ok_or_else(|| malformed(name, "config"))?;
    ensure_ca_path(config, &layout.bundle_path(), name)
}

fn ensure_volume(
    pod_spec: &mut Map<String, Value>,
    layout: &MountLayout,
    node_set: &str,
) -> Result<(), Failure> {
    let volumes = list_at(pod_spec, "volumes")
        .ok_or_else(|| malformed(node_set, "podTemplate.spec.volumes"))?;
    let volume = named_entry(
        volumes,
        &layout.volume,
        || json!({"name": layout.volume, "secret": {"secretName": layout.secret}}),
    );
    if volume["secret"]["secretName"].as_str() == Some(layout.secret.as_str()) {
        return Ok(());
    }
    Err(Failure::new(
        FailureKind::Invalid,
        format!(
            "the volume {} in nodeSet {node_set} is taken by {}",
            layout.volume,
            volume_source(volume)
        ),
    )
    .with_hint("choose another --secret: ecr names its volume after the secret"))
}

/// What a volume shows, for a message: `the secret x`, `an emptyDir`.
fn volume_source(volume: &Value) -> String {
    let secret = volume["secret"]["secretName"].as_str();
    let config_map = volume["configMap"]["name"].as_str();
    match (secret, config_map) {
        (Some(secret), _) => format!("the secret {secret}"),
        (_, Some(config_map)) => format!("the ConfigMap {config_map}"),
        _ => volume
            .as_object()
            .and_then(|fields| fields.keys().find(|field| *field != "name"))
            .map_or_else(
                || "another volume".into(),
                |kind| format!("a {kind} volume"),
            ),
    }
}

fn ensure_volume_mount(
    pod_spec: &mut Map<String, Value>,
    layout: &MountLayout,
    node_set: &str,
) -> Result<(), Failure> {
    let where_ = "podTemplate.spec.containers";
    let containers = list_at(pod_spec, "containers").ok_or_else(|| malformed(node_set, where_))?;
    let container = named_entry(
        containers,
        ELASTICSEARCH_CONTAINER,
        || json!({"name": ELASTICSEARCH_CONTAINER}),
    )
    .as_object_mut()
    .ok_or_else(|| malformed(node_set, where_))?;
    let mounts = list_at(container, "volumeMounts")
        .ok_or_else(|| malformed(node_set, "the elasticsearch container's volumeMounts"))?;
    let taken_by = mounts.iter().find(|mount| {
        name_of(mount) != Some(layout.volume.as_str()) && same_path(mount, &layout.mount_path)
    });
    if let Some(other) = taken_by {
        return Err(Failure::new(
            FailureKind::Invalid,
            format!(
                "the mount path {} in nodeSet {node_set} is taken by the volume {}",
                layout.mount_path,
                name_of(other).unwrap_or("without a name")
            ),
        )
        .with_hint("choose another --mount-path"));
    }
    let mount = named_entry(
        mounts,
        &layout.volume,
        || json!({"name": layout.volume, "mountPath": layout.mount_path, "readOnly": true}),
    );
    if !same_path(mount, &layout.mount_path) {
        let elsewhere = mount["mountPath"].as_str().unwrap_or_default();
        return Err(Failure::new(
            FailureKind::Invalid,
            format!(
                "the volume {} in nodeSet {node_set} is already mounted at {elsewhere}",
                layout.volume
            ),
        )
        .with_hint(format!(
            "use --mount-path {elsewhere}, or remove that mount"
        )));
    }
    if mount["subPath"].as_str().is_some_and(|sub| !sub.is_empty()) {
        return Err(Failure::new(
            FailureKind::Invalid,
            format!(
                "the volume {} in nodeSet {node_set} is mounted with a subPath, which Kubernetes never updates when the secret changes",
                layout.volume
            ),
        )
        .with_hint("mount the whole volume, without subPath"));
    }
    Ok(())
}

/// Whether a volumeMount is at `path` (a trailing '/' does not make another directory).
fn same_path(mount: &Value, path: &str) -> bool {
    mount["mountPath"]
        .as_str()
        .is_some_and(|mounted| mounted.trim_end_matches('/') == path)
}

fn malformed(node_set: &str, what: &str) -> Failure {
    Failure::new(
        FailureKind::Invalid,
        format!("{what} of nodeSet {node_set} is not what the CRD allows"),
    )
}
