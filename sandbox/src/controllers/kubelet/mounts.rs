//! The files of a pod's Elasticsearch container as the kubelet mounts them: a path, the
//! volumeMount holding it, its volume, and the key of that Secret or ConfigMap, read live
//! (ECK's own transport CA secret, which the sandbox does not store, from ECK).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::apiserver::KubeApi;
use crate::apiserver::json;
use crate::apiserver::resources::{CONFIGMAPS, SECRETS};
use crate::controllers::conventions::{
    CLUSTER_NAME_LABEL, STATEFULSET_LABEL, transport_certs_secret,
};
use crate::controllers::eck::Eck;

const CONTAINER: &str = "elasticsearch";

/// The content of `path` in the pod's Elasticsearch container, when a Secret or ConfigMap
/// volume provides it. `subPath` mounts are read live too (the kubelet would not update
/// them: an approximation).
pub fn read_file(api: &KubeApi, eck: &Eck, pod: &Value, path: &str) -> Option<String> {
    let container = pod["spec"]["containers"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == CONTAINER)?;
    let (mount, file) = mount_holding(container, path)?;
    let volume = pod["spec"]["volumes"]
        .as_array()?
        .iter()
        .find(|volume| volume["name"] == mount["name"])?;
    if let Some(secret) = volume.get("secret") {
        let name = secret["secretName"].as_str()?;
        let key = key_of(&secret["items"], &file)?;
        secret_file(api, eck, pod, name, &key)
    } else if let Some(config_map) = volume.get("configMap") {
        let name = config_map["name"].as_str()?;
        let key = key_of(&config_map["items"], &file)?;
        let stored = api.get(&CONFIGMAPS, json::namespace(pod), name)?;
        stored["data"][&key].as_str().map(str::to_string)
    } else {
        None
    }
}

/// A key of a stored Secret, decoded.
pub fn stored_secret_text(api: &KubeApi, namespace: &str, name: &str, key: &str) -> Option<String> {
    let secret = api.get(&SECRETS, namespace, name)?;
    let bytes = STANDARD.decode(secret["data"][key].as_str()?).ok()?;
    String::from_utf8(bytes).ok()
}

/// The innermost mount holding `path`, and the file's path inside the mounted volume.
fn mount_holding<'a>(container: &'a Value, path: &str) -> Option<(&'a Value, String)> {
    container["volumeMounts"]
        .as_array()?
        .iter()
        .filter_map(|mount| {
            let mount_path = mount["mountPath"].as_str()?.trim_end_matches('/');
            let relative = if mount_path == path {
                ""
            } else {
                path.strip_prefix(mount_path)?.strip_prefix('/')?
            };
            let sub_path = mount["subPath"].as_str().unwrap_or_default();
            let file = match (sub_path, relative) {
                ("", "") => return None,
                ("", relative) => relative.to_string(),
                (sub_path, "") => sub_path.to_string(),
                (sub_path, relative) => format!("{sub_path}/{relative}"),
            };
            Some((mount_path.len(), mount, file))
        })
        .max_by_key(|(depth, _, _)| *depth)
        .map(|(_, mount, file)| (mount, file))
}

/// The key behind a file of a Secret or ConfigMap volume: its `items` mapping, or the file
/// name itself when the volume projects every key.
fn key_of(items: &Value, file: &str) -> Option<String> {
    match items.as_array().filter(|items| !items.is_empty()) {
        Some(items) => items
            .iter()
            .find(|item| item["path"] == file)
            .and_then(|item| item["key"].as_str())
            .map(str::to_string),
        None => (!file.contains('/')).then(|| file.to_string()),
    }
}

/// A key of the Secret a pod mounts: ECK's own transport certificates, or a stored Secret.
fn secret_file(api: &KubeApi, eck: &Eck, pod: &Value, secret: &str, key: &str) -> Option<String> {
    let namespace = json::namespace(pod);
    let statefulset = json::label(pod, STATEFULSET_LABEL)?;
    if secret == transport_certs_secret(statefulset) {
        let cluster = json::label(pod, CLUSTER_NAME_LABEL)?;
        return (key == "ca.crt")
            .then(|| eck.transport_certs_ca(namespace, cluster))
            .flatten();
    }
    stored_secret_text(api, namespace, secret, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn container() -> Value {
        json!({"volumeMounts": [
            {"name": "config", "mountPath": "/es/config"},
            {"name": "remote", "mountPath": "/es/config/remote/"},
            {"name": "single", "mountPath": "/es/config/one.crt", "subPath": "ca.crt"},
        ]})
    }

    #[test]
    fn the_innermost_mount_holds_a_file() {
        let container = container();
        let found = |path| mount_holding(&container, path).map(|(m, f)| (m["name"].clone(), f));
        assert_eq!(
            found("/es/config/remote/ca.crt"),
            Some((json!("remote"), "ca.crt".into()))
        );
        assert_eq!(
            found("/es/config/a/b.crt"),
            Some((json!("config"), "a/b.crt".into()))
        );
        assert_eq!(
            found("/es/config/one.crt"),
            Some((json!("single"), "ca.crt".into()))
        );
        assert_eq!(found("/es/configx/ca.crt"), None);
    }

    #[test]
    fn items_map_files_to_keys() {
        let items = json!([{"key": "ca.crt", "path": "remote.ca.crt"}]);
        assert_eq!(key_of(&items, "remote.ca.crt"), Some("ca.crt".into()));
        assert_eq!(key_of(&items, "ca.crt"), None);
        assert_eq!(key_of(&Value::Null, "ca.crt"), Some("ca.crt".into()));
        assert_eq!(key_of(&Value::Null, "a/ca.crt"), None);
    }
}
