//! Request bodies in Kubernetes' protobuf encoding, which kubectl's typed clients send (for
//! example `kubectl create secret generic`). The sandbox decodes the kinds such commands
//! create, Secret and ConfigMap, into the JSON it stores; for other kinds it answers 415.
//! The messages carry only the fields the sandbox keeps: prost skips the others.

use std::collections::BTreeMap;

use prost::Message;
use serde_json::{Map, Value, json};

use super::status::ApiError;

pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// What every protobuf body starts with, before the `runtime.Unknown` envelope.
const MAGIC: &[u8] = b"k8s\0";

/// `k8s.io.apimachinery.pkg.runtime.Unknown`: the envelope naming the kind of `raw`.
#[derive(Clone, PartialEq, Message)]
struct Unknown {
    #[prost(message, optional, tag = "1")]
    type_meta: Option<TypeMeta>,
    #[prost(bytes = "vec", optional, tag = "2")]
    raw: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
struct TypeMeta {
    #[prost(string, optional, tag = "1")]
    api_version: Option<String>,
    #[prost(string, optional, tag = "2")]
    kind: Option<String>,
}

/// `k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta`, the fields a client sets on create.
#[derive(Clone, PartialEq, Message)]
struct ObjectMeta {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "2")]
    generate_name: Option<String>,
    #[prost(string, optional, tag = "3")]
    namespace: Option<String>,
    #[prost(string, optional, tag = "6")]
    resource_version: Option<String>,
    #[prost(btree_map = "string, string", tag = "11")]
    labels: BTreeMap<String, String>,
    #[prost(btree_map = "string, string", tag = "12")]
    annotations: BTreeMap<String, String>,
}

/// `k8s.io.api.core.v1.Secret`.
#[derive(Clone, PartialEq, Message)]
struct Secret {
    #[prost(message, optional, tag = "1")]
    metadata: Option<ObjectMeta>,
    #[prost(btree_map = "string, bytes", tag = "2")]
    data: BTreeMap<String, Vec<u8>>,
    #[prost(string, optional, tag = "3")]
    r#type: Option<String>,
    #[prost(btree_map = "string, string", tag = "4")]
    string_data: BTreeMap<String, String>,
    #[prost(bool, optional, tag = "5")]
    immutable: Option<bool>,
}

/// `k8s.io.api.core.v1.ConfigMap`.
#[derive(Clone, PartialEq, Message)]
struct ConfigMap {
    #[prost(message, optional, tag = "1")]
    metadata: Option<ObjectMeta>,
    #[prost(btree_map = "string, string", tag = "2")]
    data: BTreeMap<String, String>,
    #[prost(btree_map = "string, bytes", tag = "3")]
    binary_data: BTreeMap<String, Vec<u8>>,
    #[prost(bool, optional, tag = "4")]
    immutable: Option<bool>,
}

/// The JSON object a protobuf body encodes.
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad_request("the body does not start with the protobuf magic number"))?;
    let unknown = Unknown::decode(envelope).map_err(|e| bad_request(e.to_string()))?;
    let type_meta = unknown.type_meta.unwrap_or_default();
    let (api_version, kind) = (type_meta.api_version(), type_meta.kind());
    let raw = unknown.raw.unwrap_or_default();
    let decoded = match (api_version, kind) {
        ("v1", "Secret") => Secret::decode(raw.as_slice()).map(secret_json),
        ("v1", "ConfigMap") => ConfigMap::decode(raw.as_slice()).map(config_map_json),
        _ => return Err(unsupported(api_version, kind)),
    };
    let mut object = decoded.map_err(|e| bad_request(e.to_string()))?;
    object["apiVersion"] = json!(api_version);
    object["kind"] = json!(kind);
    Ok(object)
}

fn secret_json(secret: Secret) -> Value {
    let mut object = json!({"metadata": metadata_json(secret.metadata.unwrap_or_default())});
    insert_map(&mut object, "data", base64_values(secret.data));
    insert_map(&mut object, "stringData", secret.string_data);
    // Go sends an unset string as "", which the API server defaults (to Opaque).
    if let Some(kind) = secret.r#type.filter(|kind| !kind.is_empty()) {
        object["type"] = json!(kind);
    }
    if let Some(immutable) = secret.immutable {
        object["immutable"] = json!(immutable);
    }
    object
}

fn config_map_json(config_map: ConfigMap) -> Value {
    let mut object = json!({"metadata": metadata_json(config_map.metadata.unwrap_or_default())});
    insert_map(&mut object, "data", config_map.data);
    insert_map(
        &mut object,
        "binaryData",
        base64_values(config_map.binary_data),
    );
    if let Some(immutable) = config_map.immutable {
        object["immutable"] = json!(immutable);
    }
    object
}

fn metadata_json(metadata: ObjectMeta) -> Value {
    let mut object = Value::Object(Map::new());
    let fields = [
        ("name", metadata.name),
        ("generateName", metadata.generate_name),
        ("namespace", metadata.namespace),
        ("resourceVersion", metadata.resource_version),
    ];
    for (key, value) in fields {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            object[key] = json!(value);
        }
    }
    insert_map(&mut object, "labels", metadata.labels);
    insert_map(&mut object, "annotations", metadata.annotations);
    object
}

/// Sets `key` to the map, unless it is empty (as JSON clients omit empty maps).
fn insert_map(object: &mut Value, key: &str, map: BTreeMap<String, String>) {
    if !map.is_empty() {
        object[key] = json!(map);
    }
}

/// Bytes as JSON carries them: base64.
fn base64_values(map: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, String> {
    use base64::Engine;
    map.into_iter()
        .map(|(key, bytes)| (key, base64::engine::general_purpose::STANDARD.encode(bytes)))
        .collect()
}

fn bad_request(problem: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!(
        "error decoding the protobuf request body: {problem}"
    ))
}

/// 415, as a server that cannot decode this kind from protobuf (custom resources) answers.
fn unsupported(api_version: &str, kind: &str) -> ApiError {
    ApiError::unsupported_media_type(&format!(
        "the sandbox decodes protobuf only for v1 Secret and ConfigMap, not {api_version} {kind}; send application/json"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(kind: &str, raw: Vec<u8>) -> Vec<u8> {
        let unknown = Unknown {
            type_meta: Some(TypeMeta {
                api_version: Some("v1".into()),
                kind: Some(kind.into()),
            }),
            raw: Some(raw),
        };
        [MAGIC, &unknown.encode_to_vec()].concat()
    }

    fn meta(name: &str) -> Option<ObjectMeta> {
        Some(ObjectMeta {
            name: Some(name.into()),
            namespace: Some("ns-one".into()),
            labels: BTreeMap::from([("app".into(), "x".into())]),
            ..ObjectMeta::default()
        })
    }

    #[test]
    fn a_secret_becomes_the_json_a_json_client_would_send() {
        let secret = Secret {
            metadata: meta("remote-certs"),
            data: BTreeMap::from([("remote.ca.crt".into(), b"PEM".to_vec())]),
            r#type: Some("Opaque".into()),
            ..Secret::default()
        };
        let decoded = decode(&envelope("Secret", secret.encode_to_vec())).unwrap();
        assert_eq!(
            decoded,
            json!({
                "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": "remote-certs", "namespace": "ns-one", "labels": {"app": "x"}},
                "data": {"remote.ca.crt": "UEVN"},
            })
        );
    }

    #[test]
    fn a_config_map_keeps_text_and_binary_data_apart() {
        let config_map = ConfigMap {
            metadata: meta("trusted"),
            data: BTreeMap::from([("ca.crt".into(), "PEM".into())]),
            binary_data: BTreeMap::from([("raw".into(), vec![0, 1])]),
            immutable: Some(true),
        };
        let decoded = decode(&envelope("ConfigMap", config_map.encode_to_vec())).unwrap();
        assert_eq!(decoded["data"], json!({"ca.crt": "PEM"}));
        assert_eq!(decoded["binaryData"], json!({"raw": "AAE="}));
        assert_eq!(decoded["immutable"], json!(true));
    }

    #[test]
    fn other_kinds_and_broken_bodies_are_refused() {
        let pod = decode(&envelope("Pod", Vec::new())).unwrap_err();
        assert_eq!(pod.code, 415);
        let no_magic = decode(b"{}").unwrap_err();
        assert_eq!(no_magic.code, 400);
        let truncated = decode(&[MAGIC, &[0x0a, 0x05]].concat()).unwrap_err();
        assert_eq!(truncated.code, 400);
    }
}
