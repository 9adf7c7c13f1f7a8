//! The Elasticsearch resource's spec with trust in place: the CA Secret mounted and listed on
//! nodeSets (secret-mount mode), or the CA ConfigMap named for ECK (config-map mode).

use serde_json::{Map, Value, json};

use super::MountLayout;
use super::ca_setting::ensure_ca_path;
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

/// The secret-mount layouts in place on at least one nodeSet, whatever `--secret` and
/// `--mount-path` made them: a Secret volume named after its Secret, mounted on the
/// `elasticsearch` container, its bundle listed in the config.
pub fn layouts_in_place(spec: &Value) -> Vec<MountLayout> {
    let mut layouts: Vec<MountLayout> = Vec::new();
    for node_set in spec["nodeSets"].as_array().into_iter().flatten() {
        let pod_spec = &node_set["podTemplate"]["spec"];
        let mounts = pod_spec["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|container| name_of(container) == Some(ELASTICSEARCH_CONTAINER))
            .flat_map(|container| container["volumeMounts"].as_array().into_iter().flatten());
        for mount in mounts {
            let (Some(volume), Some(path)) = (name_of(mount), mount["mountPath"].as_str()) else {
                continue;
            };
            let Ok(layout) = MountLayout::new(volume, path) else {
                continue;
            };
            let in_place = || {
                node_sets_trusting(spec, &layout)
                    .iter()
                    .any(|(_, trusting)| *trusting)
            };
            if !layouts.contains(&layout) && in_place() {
                layouts.push(layout);
            }
        }
    }
    layouts
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
    refuse_claim_name(node_set, layout, name)?;
    let pod_spec = object_at(node_set, &["podTemplate", "spec"])
        .ok_or_else(|| malformed(name, "podTemplate.spec"))?;
    ensure_volume(pod_spec, layout, name)?;
    ensure_volume_mount(pod_spec, layout, name)?;
    let config = object_at(node_set, &["config"]).ok_or_else(|| malformed(name, "config"))?;
    ensure_ca_path(config, layout.layer, &layout.bundle_path(), name)
}

/// A volume named like one of the nodeSet's volumeClaimTemplates would fight ECK's claim
/// volume for the name (the StatefulSet puts the claim in its place), so the secret would not
/// be mounted, or the claim not where ECK expects it.
fn refuse_claim_name(node_set: &Value, layout: &MountLayout, name: &str) -> Result<(), Failure> {
    let claims = node_set["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten();
    if !claims
        .filter_map(|claim| claim["metadata"]["name"].as_str())
        .any(|claim| claim == layout.volume)
    {
        return Ok(());
    }
    Err(Failure::new(
        FailureKind::Invalid,
        format!(
            "the volume {} would take the name of a volumeClaimTemplate of nodeSet {name}",
            layout.volume
        ),
    )
    .with_hint("choose another --secret: ecr names its volume after the secret"))
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

/// What a volume shows, for a message: `the secret x`, `another volume (emptyDir)`.
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
                |kind| format!("another volume ({kind})"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::{DEFAULT_MOUNT_PATH, DEFAULT_SECRET};

    const CORP_CA: &str = "/usr/share/elasticsearch/config/corp/ca.crt";
    const BUNDLE: &str = "/usr/share/elasticsearch/config/other/remote.ca.crt";

    fn layout() -> MountLayout {
        MountLayout::new(DEFAULT_SECRET, DEFAULT_MOUNT_PATH).unwrap()
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(ToString::to_string).collect()
    }

    /// A production-like spec: three nodeSets, user volumes and mounts, env, resources,
    /// volumeClaimTemplates, and a corporate CA listed as a string, a nested list, and not at all.
    fn production() -> Value {
        json!({
            "version": "8.17.0",
            "http": {"tls": {"selfSignedCertificate": {"disabled": false}}},
            "transport": {"service": {"spec": {"type": "LoadBalancer"}}},
            "nodeSets": [
                {
                    "name": "masters", "count": 3,
                    "config": {"node.roles": ["master"], "xpack.security.transport.ssl.certificate_authorities": CORP_CA},
                    "podTemplate": {
                        "metadata": {"labels": {"team": "search"}, "annotations": {"note": "x"}},
                        "spec": {
                            "initContainers": [{"name": "sysctl", "securityContext": {"privileged": true},
                                                "command": ["sh", "-c", "sysctl -w vm.max_map_count=262144"]}],
                            "containers": [{
                                "name": "elasticsearch",
                                "env": [{"name": "ES_JAVA_OPTS", "value": "-Xms2g -Xmx2g"}],
                                "resources": {"limits": {"memory": "4Gi", "cpu": 2}},
                                "volumeMounts": [{"name": "corp-ca", "mountPath": "/usr/share/elasticsearch/config/corp", "readOnly": true}]
                            }],
                            "volumes": [{"name": "corp-ca", "secret": {"secretName": "corp-ca", "defaultMode": 420}}],
                            "nodeSelector": {"pool": "masters"}
                        }
                    },
                    "volumeClaimTemplates": [{"metadata": {"name": "elasticsearch-data"},
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}, "storageClassName": "standard"}}]
                },
                {
                    "name": "data", "count": 5,
                    "config": {"node.roles": ["data", "ingest"],
                               "xpack": {"security": {"transport": {"ssl": {"certificate_authorities": [CORP_CA]}}}, "ml": {"enabled": false}}},
                    "podTemplate": {"spec": {"containers": [
                        {"name": "exporter", "image": "exporter:1"},
                        {"name": "elasticsearch", "resources": {"requests": {"memory": "8Gi"}}}
                    ]}}
                },
                {"name": "coordinating", "count": 2, "config": {"node.roles": []}}
            ]
        })
    }

    fn ours_volume() -> Value {
        json!({"name": "remote-certs", "secret": {"secretName": "remote-certs"}})
    }

    fn ours_mount() -> Value {
        json!({"name": "remote-certs", "mountPath": DEFAULT_MOUNT_PATH, "readOnly": true})
    }

    #[test]
    fn layouts_in_place_are_found_whatever_their_names() {
        // The corporate CA is mounted and listed, but not as ecr's bundle.
        assert_eq!(layouts_in_place(&production()), vec![]);
        let partners =
            MountLayout::new("partner-cas", "/usr/share/elasticsearch/config/partners").unwrap();
        let on_data = spec_with_mount(&production(), &partners, Some(&names(&["data"])))
            .unwrap()
            .spec;
        assert_eq!(layouts_in_place(&on_data), vec![partners.clone()]);
        let both = spec_with_mount(&on_data, &layout(), None).unwrap().spec;
        let found = layouts_in_place(&both);
        assert_eq!(found.len(), 2);
        assert!(found.contains(&partners) && found.contains(&layout()));
        // Mounted but not listed: not in place.
        let mut unlisted = on_data;
        unlisted["nodeSets"][1]["config"]["xpack"]["security"]["transport"]["ssl"]["certificate_authorities"] =
            json!([CORP_CA]);
        assert_eq!(layouts_in_place(&unlisted), vec![]);
    }

    #[test]
    fn the_first_mount_adds_exactly_volume_mount_and_path_on_every_node_set() {
        let edit = spec_with_mount(&production(), &layout(), None).unwrap();
        let mut expected = production();
        let masters = &mut expected["nodeSets"][0];
        masters["config"]["xpack.security.transport.ssl.certificate_authorities"] =
            json!([CORP_CA, BUNDLE]);
        masters["podTemplate"]["spec"]["volumes"] = json!([{"name": "corp-ca", "secret": {"secretName": "corp-ca", "defaultMode": 420}}, ours_volume()]);
        masters["podTemplate"]["spec"]["containers"][0]["volumeMounts"] = json!([{"name": "corp-ca", "mountPath": "/usr/share/elasticsearch/config/corp", "readOnly": true}, ours_mount()]);
        let data = &mut expected["nodeSets"][1];
        data["config"]["xpack"]["security"]["transport"]["ssl"]["certificate_authorities"] =
            json!([CORP_CA, BUNDLE]);
        data["podTemplate"]["spec"]["volumes"] = json!([ours_volume()]);
        data["podTemplate"]["spec"]["containers"][1]["volumeMounts"] = json!([ours_mount()]);
        let coordinating = &mut expected["nodeSets"][2];
        coordinating["config"]["xpack.security.transport.ssl.certificate_authorities"] =
            json!([BUNDLE]);
        coordinating["podTemplate"] = json!({"spec": {
            "volumes": [ours_volume()],
            "containers": [{"name": "elasticsearch", "volumeMounts": [ours_mount()]}]
        }});
        assert_eq!(edit.spec, expected);
        assert_eq!(
            edit.rolled_node_sets,
            names(&["masters", "data", "coordinating"])
        );
        assert_crd_shape(&edit.spec);
    }

    #[test]
    fn a_volume_named_like_a_claim_template_is_refused() {
        let claim = MountLayout::new("data-claim", DEFAULT_MOUNT_PATH).unwrap();
        let mut spec = production();
        spec["nodeSets"][1]["volumeClaimTemplates"] =
            json!([{"metadata": {"name": "data-claim"}, "spec": {}}]);
        let failure = spec_with_mount(&spec, &claim, None).unwrap_err();
        assert_eq!(
            failure.message,
            "the volume data-claim would take the name of a volumeClaimTemplate of nodeSet data"
        );
        assert!(spec_with_mount(&spec, &claim, Some(&names(&["masters"]))).is_ok());
    }

    #[test]
    fn a_second_mount_changes_nothing_and_rolls_nothing() {
        let first = spec_with_mount(&production(), &layout(), None).unwrap();
        let second = spec_with_mount(&first.spec, &layout(), None).unwrap();
        assert_eq!(second.spec, first.spec);
        assert!(second.rolled_node_sets.is_empty());
    }

    #[test]
    fn only_the_selected_node_sets_change() {
        let edit = spec_with_mount(&production(), &layout(), Some(&names(&["data"]))).unwrap();
        assert_eq!(edit.rolled_node_sets, names(&["data"]));
        assert_eq!(edit.spec["nodeSets"][0], production()["nodeSets"][0]);
        assert_eq!(edit.spec["nodeSets"][2], production()["nodeSets"][2]);
        assert_ne!(edit.spec["nodeSets"][1], production()["nodeSets"][1]);
        assert_eq!(
            node_sets_trusting(&edit.spec, &layout()),
            vec![
                ("masters".into(), false),
                ("data".into(), true),
                ("coordinating".into(), false)
            ]
        );
    }

    #[test]
    fn an_unknown_node_set_is_named_with_those_that_exist() {
        let failure =
            spec_with_mount(&production(), &layout(), Some(&names(&["data", "hot"]))).unwrap_err();
        assert_eq!(failure.kind, FailureKind::NotFound);
        assert_eq!(failure.message, "the cluster has no nodeSet named hot");
        assert_eq!(
            failure.hint.as_deref(),
            Some("its nodeSets: masters, data, coordinating")
        );
    }

    #[test]
    fn a_spec_without_node_sets_is_refused() {
        let failure = spec_with_mount(&json!({"version": "8.17.0"}), &layout(), None).unwrap_err();
        assert_eq!(failure.kind, FailureKind::Invalid);
    }

    #[test]
    fn a_setup_made_by_hand_from_ecks_docs_is_recognised() {
        let spec = json!({"version": "8.17.0", "nodeSets": [{
            "name": "default", "count": 1,
            "config": {"xpack.security.transport.ssl.certificate_authorities": [BUNDLE]},
            "podTemplate": {"spec": {
                "containers": [{"name": "elasticsearch", "volumeMounts": [{"name": "remote-certs", "mountPath": DEFAULT_MOUNT_PATH}]}],
                "volumes": [{"name": "remote-certs", "secret": {"secretName": "remote-certs", "defaultMode": 292}}]
            }}
        }]});
        let edit = spec_with_mount(&spec, &layout(), None).unwrap();
        assert_eq!(
            edit,
            SpecEdit {
                spec: spec.clone(),
                rolled_node_sets: vec![]
            }
        );
        assert_eq!(
            node_sets_trusting(&spec, &layout()),
            vec![("default".into(), true)]
        );
    }

    #[test]
    fn a_mount_path_with_a_trailing_slash_is_the_same_directory() {
        let mut spec = spec_with_mount(&production(), &layout(), None)
            .unwrap()
            .spec;
        spec["nodeSets"][1]["podTemplate"]["spec"]["containers"][1]["volumeMounts"][0]["mountPath"] =
            json!(format!("{DEFAULT_MOUNT_PATH}/"));
        let edit = spec_with_mount(&spec, &layout(), None).unwrap();
        assert_eq!(edit.spec, spec);
        assert!(edit.rolled_node_sets.is_empty());
    }

    #[test]
    fn a_string_holding_our_path_is_still_turned_into_a_list() {
        let spec = spec_with_mount(&production(), &layout(), None)
            .unwrap()
            .spec;
        let mut broken = spec.clone();
        broken["nodeSets"][2]["config"]["xpack.security.transport.ssl.certificate_authorities"] =
            json!(BUNDLE);
        assert_eq!(
            node_sets_trusting(&broken, &layout())[2],
            ("coordinating".into(), false)
        );
        let edit = spec_with_mount(&broken, &layout(), None).unwrap();
        assert_eq!(edit.spec, spec);
        assert_eq!(edit.rolled_node_sets, names(&["coordinating"]));
    }

    /// Each conflict is refused, naming the nodeSet and what is in the way.
    #[test]
    fn what_is_taken_is_refused() {
        type Case = (&'static str, fn(&mut Value), &'static str);
        let cases: [Case; 6] = [
            (
                "volume taken by another secret",
                |spec| {
                    spec["nodeSets"][0]["podTemplate"]["spec"]["volumes"][0]["name"] =
                        json!("remote-certs")
                },
                "the volume remote-certs in nodeSet masters is taken by the secret corp-ca",
            ),
            (
                "volume taken by an emptyDir",
                |spec| {
                    spec["nodeSets"][1]["podTemplate"]["spec"]["volumes"] =
                        json!([{"name": "remote-certs", "emptyDir": {}}])
                },
                "the volume remote-certs in nodeSet data is taken by another volume (emptyDir)",
            ),
            (
                "mount path taken",
                |spec| {
                    spec["nodeSets"][0]["podTemplate"]["spec"]["containers"][0]["volumeMounts"][0]
                        ["mountPath"] = json!(DEFAULT_MOUNT_PATH)
                },
                "the mount path /usr/share/elasticsearch/config/other in nodeSet masters is taken by the volume corp-ca",
            ),
            (
                "our volume mounted elsewhere",
                |spec| spec["nodeSets"][1]["podTemplate"]["spec"]["containers"][1]["volumeMounts"] = json!([{"name": "remote-certs", "mountPath": "/usr/share/elasticsearch/config/remote"}]),
                "the volume remote-certs in nodeSet data is already mounted at /usr/share/elasticsearch/config/remote",
            ),
            (
                "our volume mounted with subPath",
                |spec| spec["nodeSets"][1]["podTemplate"]["spec"]["containers"][1]["volumeMounts"] = json!([{"name": "remote-certs", "mountPath": DEFAULT_MOUNT_PATH, "subPath": "remote.ca.crt"}]),
                "the volume remote-certs in nodeSet data is mounted with a subPath, which Kubernetes never updates when the secret changes",
            ),
            (
                "CA setting at two places",
                |spec| {
                    spec["nodeSets"][0]["config"]["xpack"] =
                        json!({"security.transport.ssl.certificate_authorities": []})
                },
                "the config of nodeSet masters sets xpack.security.transport.ssl.certificate_authorities at more than one place: \
              xpack > security.transport.ssl.certificate_authorities, xpack.security.transport.ssl.certificate_authorities",
            ),
        ];
        for (case, break_it, message) in cases {
            let mut spec = production();
            break_it(&mut spec);
            let failure = spec_with_mount(&spec, &layout(), None).unwrap_err();
            assert_eq!(failure.kind, FailureKind::Invalid, "{case}");
            assert_eq!(failure.message, message, "{case}");
            assert!(failure.hint.is_some(), "{case}");
            let trusting = node_sets_trusting(&spec, &layout());
            assert!(trusting.iter().all(|(_, in_place)| !in_place), "{case}");
        }
    }

    #[test]
    fn a_conflict_on_an_unselected_node_set_does_not_matter() {
        let mut spec = production();
        spec["nodeSets"][0]["podTemplate"]["spec"]["volumes"][0]["name"] = json!("remote-certs");
        let edit =
            spec_with_mount(&spec, &layout(), Some(&names(&["data", "coordinating"]))).unwrap();
        assert_eq!(edit.rolled_node_sets, names(&["data", "coordinating"]));
    }

    #[test]
    fn the_config_map_already_named_is_kept() {
        let spec = json!({"version": "8.17.0", "nodeSets": [{"name": "default", "count": 1}],
            "transport": {"tls": {"certificateAuthorities": {"configMapName": "corp-cas"}}, "service": {"spec": {"type": "LoadBalancer"}}}});
        assert_eq!(
            spec_with_ca_config_map(&spec, "remote-certs"),
            (spec, "corp-cas".into())
        );
    }

    #[test]
    fn a_config_map_is_named_when_none_is_and_node_sets_are_untouched() {
        let spec = json!({"version": "8.17.0", "nodeSets": [{"name": "default", "count": 1}],
            "transport": {"service": {"spec": {"type": "LoadBalancer"}}, "tls": {"subjectAltNames": [{"dns": "es.example.com"}]}}});
        let (edited, name) = spec_with_ca_config_map(&spec, "remote-certs");
        let mut expected = spec.clone();
        expected["transport"]["tls"]["certificateAuthorities"] =
            json!({"configMapName": "remote-certs"});
        assert_eq!((edited, name), (expected, "remote-certs".into()));
        let bare = json!({"version": "8.17.0", "nodeSets": [{"name": "default"}]});
        let (edited, _) = spec_with_ca_config_map(&bare, "remote-certs");
        assert_eq!(
            edited["transport"],
            json!({"tls": {"certificateAuthorities": {"configMapName": "remote-certs"}}})
        );
        assert_eq!(edited["nodeSets"], bare["nodeSets"]);
        assert_crd_shape(&edited);
    }

    /// The spec fits ECK's CRD: the types and required fields of every part its schema
    /// describes (nodeSets a non-empty list of objects with a name; volumes, mounts and
    /// containers with their required fields).
    pub(super) fn assert_crd_shape(spec: &Value) {
        let crd: Value =
            serde_json::from_str(include_str!("../../sandbox/src/crd/elasticsearch-v1.json"))
                .unwrap();
        let schema = &crd["schema"]["openAPIV3Schema"]["properties"]["spec"];
        let mut errors = Vec::new();
        schema_errors(schema, spec, "spec", &mut errors);
        assert!(errors.is_empty(), "{errors:#?}\n{spec:#}");
        for node_set in spec["nodeSets"].as_array().unwrap() {
            assert!(node_set["name"].is_string(), "{node_set}");
            for (field, fits) in [
                ("count", Value::is_u64 as fn(&Value) -> bool),
                ("config", Value::is_object),
                ("podTemplate", Value::is_object),
            ] {
                assert!(node_set.get(field).is_none_or(fits), "{field}: {node_set}");
            }
        }
    }

    fn schema_errors(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
        let fits = match schema["type"].as_str() {
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            _ => true,
        };
        if !fits {
            errors.push(format!("{path}: not of type {}", schema["type"]));
            return;
        }
        for required in schema["required"].as_array().into_iter().flatten() {
            let field = required.as_str().unwrap();
            if value.get(field).is_none() {
                errors.push(format!("{path}.{field}: required"));
            }
        }
        let min = schema["minItems"].as_u64().unwrap_or(0);
        if value
            .as_array()
            .is_some_and(|items| (items.len() as u64) < min)
        {
            errors.push(format!("{path}: fewer than {min} items"));
        }
        match value {
            Value::Object(fields) => {
                for (field, sub) in fields {
                    if let Some(sub_schema) = schema["properties"].get(field) {
                        schema_errors(sub_schema, sub, &format!("{path}.{field}"), errors);
                    }
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    schema_errors(&schema["items"], item, &format!("{path}[{index}]"), errors);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_shape_check_sees_what_the_crd_refuses() {
        let mut errors = Vec::new();
        let crd: Value =
            serde_json::from_str(include_str!("../../sandbox/src/crd/elasticsearch-v1.json"))
                .unwrap();
        let schema = &crd["schema"]["openAPIV3Schema"]["properties"]["spec"];
        let bad = json!({"version": "8.17.0", "nodeSets": [{"count": "3",
            "podTemplate": {"spec": {"containers": [{"volumeMounts": [{"name": "v"}]}], "volumes": [{"secret": {}}]}}}]});
        schema_errors(schema, &bad, "spec", &mut errors);
        errors.sort();
        assert_eq!(
            errors,
            [
                "spec.nodeSets[0].count: not of type \"integer\"",
                "spec.nodeSets[0].name: required",
                "spec.nodeSets[0].podTemplate.spec.containers[0].name: required",
                "spec.nodeSets[0].podTemplate.spec.containers[0].volumeMounts[0].mountPath: required",
                "spec.nodeSets[0].podTemplate.spec.volumes[0].name: required",
            ]
        );
    }

    /// Generated specs: random nodeSets, extra config, user volumes and mounts that do not
    /// conflict, the CA setting in every form, sometimes ecr's mount already in place.
    mod properties {
        use super::*;
        use crate::trust::ca_setting::ca_values;
        use proptest::prelude::*;
        use proptest::sample::subsequence;

        const PATHS: &str = "/usr/share/elasticsearch/config/[a-z]{1,6}/ca\\.crt";

        fn leaf() -> impl Strategy<Value = Value> {
            prop_oneof![
                "[a-z0-9 ]{0,8}".prop_map(Value::from),
                any::<i32>().prop_map(Value::from),
                any::<bool>().prop_map(Value::from),
                prop::collection::vec("[a-z]{1,5}", 0..3).prop_map(Value::from),
                Just(json!({})),
            ]
        }

        /// The CA setting in one of its forms, holding `paths`.
        fn ca_setting(form: u8, paths: &[String]) -> Value {
            let list = json!(paths);
            match form {
                0 => json!({}),
                1 => json!({"xpack.security.transport.ssl.certificate_authorities": list}),
                2 => {
                    json!({"xpack": {"security": {"transport": {"ssl": {"certificate_authorities": list, "supported_protocols": ["TLSv1.3"]}}}, "ml.enabled": false}})
                }
                3 => json!({"xpack.security": {"transport.ssl.certificate_authorities": list}}),
                4 => {
                    json!({"xpack.security.transport.ssl.certificate_authorities": paths.first().cloned().unwrap_or_else(|| CORP_CA.into())})
                }
                5 => json!({"xpack.security.transport": {"ssl.certificate_authorities": null}}),
                _ => json!({"xpack.security.transport.ssl": {"certificate_authorities": []}}),
            }
        }

        fn node_set(name: String, already: bool) -> impl Strategy<Value = Value> {
            let config = (
                prop::collection::btree_map("[a-w][a-z]{0,5}(\\.[a-z]{1,5}){0,2}", leaf(), 0..4),
                0u8..7,
                prop::collection::vec(PATHS, 0..3),
            );
            let pod = (
                0u8..4,
                prop::collection::btree_set("v-[a-z]{1,6}", 0..3),
                any::<bool>(),
            );
            (config, pod, 0u32..10).prop_map(move |((extra, form, mut paths), (pod_form, volumes, sidecar), count)| {
                let mut config = ca_setting(form, &paths);
                if already && form != 4 {
                    paths.push(BUNDLE.into());
                    config = ca_setting(form.max(1), &paths);
                }
                for (key, value) in extra {
                    config[key] = value;
                }
                let mut node_set = json!({"name": name, "count": count, "config": config});
                if pod_form == 0 && !already {
                    return node_set;
                }
                let mut user_volumes: Vec<Value> = volumes.iter().map(|volume| json!({"name": volume, "emptyDir": {}})).collect();
                let mut mounts: Vec<Value> = volumes.iter().map(|volume| json!({"name": volume, "mountPath": format!("/usr/share/elasticsearch/config/{volume}")})).collect();
                if already {
                    user_volumes.push(json!({"name": "remote-certs", "secret": {"secretName": "remote-certs", "defaultMode": 292}}));
                    mounts.insert(0, json!({"name": "remote-certs", "mountPath": DEFAULT_MOUNT_PATH}));
                }
                let mut containers = Vec::new();
                if sidecar {
                    containers.push(json!({"name": "sidecar", "image": "busybox", "volumeMounts": [{"name": "x", "mountPath": DEFAULT_MOUNT_PATH}]}));
                }
                if pod_form >= 2 || already {
                    containers.push(json!({"name": "elasticsearch", "env": [{"name": "A", "value": "1"}],
                                           "resources": {"limits": {"memory": "2Gi"}}, "volumeMounts": mounts}));
                }
                node_set["podTemplate"] = json!({"metadata": {"labels": {"app": name}}, "spec": {"volumes": user_volumes, "containers": containers}});
                if pod_form == 3 {
                    node_set["podTemplate"]["spec"]["initContainers"] = json!([{"name": "sysctl", "command": ["sysctl", "-w", "vm.max_map_count=262144"]}]);
                }
                node_set
            })
        }

        fn spec_and_selection() -> impl Strategy<Value = (Value, Option<Vec<String>>)> {
            prop::collection::btree_map("[a-z][a-z0-9-]{0,8}", any::<bool>(), 1..4)
                .prop_flat_map(|names| {
                    let node_sets: Vec<_> = names.iter().map(|(name, already)| node_set(name.clone(), *already)).collect();
                    let all: Vec<String> = names.keys().cloned().collect();
                    let count = all.len();
                    (node_sets, prop::option::of(subsequence(all, 0..=count)))
                })
                .prop_map(|(node_sets, selected)| {
                    (json!({"version": "8.17.0", "http": {"service": {"spec": {"type": "ClusterIP"}}}, "nodeSets": node_sets}), selected)
                })
        }

        /// Leaves of a JSON value (scalars, empty lists and objects) by JSON pointer.
        fn leaves<'a>(value: &'a Value, pointer: String, found: &mut Vec<(String, &'a Value)>) {
            let children: Vec<(String, &Value)> = match value {
                Value::Object(fields) => fields
                    .iter()
                    .map(|(key, child)| (key.replace('~', "~0").replace('/', "~1"), child))
                    .collect(),
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(index, child)| (index.to_string(), child))
                    .collect(),
                _ => Vec::new(),
            };
            if children.is_empty() {
                found.push((pointer.clone(), value));
            }
            for (segment, child) in children {
                leaves(child, format!("{pointer}/{segment}"), found);
            }
        }

        fn under_ca_setting(pointer: &str) -> bool {
            pointer.contains("/config/")
                && pointer
                    .split('/')
                    .any(|segment| segment.ends_with("certificate_authorities"))
        }

        /// Whether a pointer of the output is something ecr adds: under the CA setting, inside
        /// ecr's volume or mount, or the name of a container entry it created.
        fn owned_by_ecr(output: &Value, pointer: &str) -> bool {
            let segments: Vec<&str> = pointer.split('/').collect();
            let in_ours = (2..segments.len()).any(|end| {
                matches!(segments[end - 2], "volumes" | "volumeMounts")
                    && output.pointer(&format!("{}/name", segments[..end].join("/")))
                        == Some(&json!("remote-certs"))
            });
            let container_name = segments.len() > 2
                && segments[segments.len() - 3] == "containers"
                && output.pointer(pointer) == Some(&json!("elasticsearch"));
            under_ca_setting(pointer) || in_ours || container_name
        }

        fn paths_in(value: &Value) -> Vec<Value> {
            match value {
                Value::String(_) => vec![value.clone()],
                Value::Array(items) => items.clone(),
                _ => Vec::new(),
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn mounting_is_idempotent_preserving_and_lists_every_path((spec, selected) in spec_and_selection()) {
                let layout = layout();
                let edit = spec_with_mount(&spec, &layout, selected.as_deref()).unwrap();

                // (a) idempotence
                let again = spec_with_mount(&edit.spec, &layout, selected.as_deref()).unwrap();
                prop_assert_eq!(&again.spec, &edit.spec);
                prop_assert!(again.rolled_node_sets.is_empty());

                // (b) preservation: every input leaf is still there, every new leaf is ecr's
                let mut before = Vec::new();
                leaves(&spec, String::new(), &mut before);
                for (pointer, value) in before.iter().filter(|(pointer, _)| !under_ca_setting(pointer)) {
                    let now = edit.spec.pointer(pointer);
                    match value {
                        Value::Array(_) => prop_assert!(now.is_some_and(Value::is_array), "{}", pointer),
                        Value::Object(_) => prop_assert!(now.is_some_and(Value::is_object), "{}", pointer),
                        _ => prop_assert_eq!(now, Some(*value), "{}", pointer),
                    }
                }
                let mut after = Vec::new();
                leaves(&edit.spec, String::new(), &mut after);
                for (pointer, _) in after.iter().filter(|(pointer, _)| spec.pointer(pointer).is_none()) {
                    prop_assert!(owned_by_ecr(&edit.spec, pointer), "{} is not ecr's", pointer);
                }

                // (c) the CA setting is one list holding every path the input had, then ours;
                // rolled nodeSets are exactly the selected ones that changed
                for (old, new) in spec["nodeSets"].as_array().unwrap().iter().zip(edit.spec["nodeSets"].as_array().unwrap()) {
                    let name = old["name"].as_str().unwrap().to_string();
                    let chosen = selected.as_ref().is_none_or(|wanted| wanted.contains(&name));
                    prop_assert_eq!(edit.rolled_node_sets.contains(&name), chosen && old != new);
                    if !chosen {
                        prop_assert_eq!(old, new);
                        continue;
                    }
                    let old_paths = ca_values(old["config"].as_object().unwrap()).first().map(|value| paths_in(value)).unwrap_or_default();
                    let new_values = ca_values(new["config"].as_object().unwrap());
                    prop_assert_eq!(new_values.len(), 1);
                    let mut expected = old_paths.clone();
                    if !expected.contains(&json!(BUNDLE)) {
                        expected.push(json!(BUNDLE));
                    }
                    prop_assert_eq!(new_values[0], &Value::Array(expected));
                }
                let trusting_before = node_sets_trusting(&spec, &layout);
                let trusting_after = node_sets_trusting(&edit.spec, &layout);
                for ((name, was), (_, is)) in trusting_before.iter().zip(&trusting_after) {
                    let chosen = selected.as_ref().is_none_or(|wanted| wanted.contains(name));
                    prop_assert_eq!(*is, chosen || *was, "{}", name);
                }
                assert_crd_shape(&edit.spec);
            }
        }
    }
}
