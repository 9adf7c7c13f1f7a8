//! What the API server does to an object of each type before storing it: name rules,
//! defaults, conversions (`stringData`), allocations (cluster IPs, node ports) and
//! validation, including the CRD schema for Elasticsearch resources.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use regex::Regex;
use serde_json::{Map, Value, json};

use super::crd::CrdVersion;
use super::json::{self, metadata_mut};
use super::resources::{
    CONFIGMAPS, ELASTICSEARCHES, NAMESPACES, PODS, ResourceType, SECRETS, SERVICES,
};
use super::schema;
use super::status::{ApiError, FieldError};

/// How the request wants unknown fields of custom resources handled (`fieldValidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    Ignore,
    #[default]
    Warn,
    Strict,
}

impl FieldValidation {
    pub fn parse(value: Option<&str>) -> Result<Self, ApiError> {
        match value {
            None | Some("") | Some("Warn") => Ok(FieldValidation::Warn),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation parameter unsupported: {other}"
            ))),
        }
    }
}

/// Addresses the API server hands out: service cluster IPs and node ports.
#[derive(Debug)]
pub struct Allocator {
    next_ip: AtomicU32,
    next_node_port: AtomicU32,
}

impl Default for Allocator {
    fn default() -> Self {
        Allocator {
            next_ip: AtomicU32::new(10),
            next_node_port: AtomicU32::new(30_000),
        }
    }
}

impl Allocator {
    fn cluster_ip(&self) -> String {
        let n = self.next_ip.fetch_add(1, Ordering::Relaxed);
        format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff)
    }

    fn node_port(&self) -> u32 {
        self.next_node_port.fetch_add(1, Ordering::Relaxed)
    }
}

/// Prepares `object` for storage (`old` is the stored version on updates) and returns the
/// warnings to send back.
pub fn prepare(
    rt: &'static ResourceType,
    object: &mut Value,
    old: Option<&Value>,
    allocator: &Allocator,
    elasticsearch_crd: &CrdVersion,
    field_validation: FieldValidation,
) -> Result<Vec<String>, ApiError> {
    let name = json::name(object).to_string();
    let invalid = |errors: Vec<FieldError>| ApiError::invalid(rt, &name, &errors);
    let mut errors = validate_name(rt, &name);
    let mut warnings = Vec::new();
    if rt == &NAMESPACES {
        prepare_namespace(object);
    } else if rt == &SECRETS {
        prepare_secret(object)?;
        errors.extend(validate_keys(object, &["data"]));
    } else if rt == &CONFIGMAPS {
        errors.extend(validate_keys(object, &["data", "binaryData"]));
    } else if rt == &SERVICES {
        errors.extend(prepare_service(object, old, allocator));
    } else if rt == &PODS {
        object["status"]["phase"] = object["status"]["phase"]
            .as_str()
            .unwrap_or("Pending")
            .into();
    } else if rt == &ELASTICSEARCHES {
        let outcome = schema::validate(&elasticsearch_crd.schema.open_api_v3_schema, object);
        errors.extend(outcome.errors);
        warnings = unknown_field_warnings(rt, outcome.unknown_fields, field_validation)?;
    }
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(invalid(errors))
    }
}

fn unknown_field_warnings(
    rt: &ResourceType,
    unknown: Vec<String>,
    field_validation: FieldValidation,
) -> Result<Vec<String>, ApiError> {
    let described: Vec<String> = unknown
        .iter()
        .map(|f| format!("unknown field \"{f}\""))
        .collect();
    match field_validation {
        FieldValidation::Strict if !described.is_empty() => Err(ApiError::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {}",
            described.join(", "),
            kind = rt.kind,
            version = rt.version,
        ))),
        FieldValidation::Ignore => Ok(Vec::new()),
        _ => Ok(described),
    }
}

static DNS_SUBDOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
        .expect("a valid regex")
});
static DNS_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").expect("a valid regex"));
static DNS_1035_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]([-a-z0-9]*[a-z0-9])?$").expect("a valid regex"));
static CONFIG_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[-._a-zA-Z0-9]+$").expect("a valid regex"));

/// The name rule of each type, with the API server's messages.
fn validate_name(rt: &ResourceType, name: &str) -> Vec<FieldError> {
    let (regex, max, rule) = if rt == &NAMESPACES {
        (
            &*DNS_LABEL,
            63,
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        )
    } else if rt == &SERVICES {
        (
            &*DNS_1035_LABEL,
            63,
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        )
    } else {
        (
            &*DNS_SUBDOMAIN,
            253,
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        )
    };
    if name.is_empty() {
        return vec![FieldError::new(
            "metadata.name",
            "FieldValueRequired",
            "Required value: name or generateName is required".to_string(),
        )];
    }
    let mut errors = Vec::new();
    if !regex.is_match(name) {
        errors.push(FieldError::invalid("metadata.name", &json!(name), rule));
    }
    if name.len() > max {
        errors.push(FieldError::invalid(
            "metadata.name",
            &json!(name),
            &format!("must be no more than {max} characters"),
        ));
    }
    errors
}

fn prepare_namespace(object: &mut Value) {
    let name = json::name(object).to_string();
    let metadata = metadata_mut(object);
    let labels = metadata.entry("labels").or_insert_with(|| json!({}));
    labels["kubernetes.io/metadata.name"] = json!(name);
    object["spec"] = json!({"finalizers": ["kubernetes"]});
    object["status"] = json!({"phase": "Active"});
}

/// Moves `stringData` into `data` (base64) and checks that `data` is base64.
fn prepare_secret(object: &mut Value) -> Result<(), ApiError> {
    let map = object.as_object_mut().expect("objects are maps by now");
    let string_data = map.remove("stringData");
    let data = map.entry("data").or_insert_with(|| json!({}));
    if let Some(Value::Object(string_data)) = string_data {
        for (key, value) in string_data {
            data[key.as_str()] = json!(STANDARD.encode(value.as_str().unwrap_or_default()));
        }
    }
    for value in data.as_object().into_iter().flat_map(Map::values) {
        let encoded = value.as_str().unwrap_or_default();
        STANDARD
            .decode(encoded)
            .map_err(|e| ApiError::bad_request(format!("illegal base64 data: {e}")))?;
    }
    map.entry("type").or_insert_with(|| json!("Opaque"));
    Ok(())
}

/// Secret and ConfigMap keys must be valid file names.
fn validate_keys(object: &Value, maps: &[&str]) -> Vec<FieldError> {
    maps.iter()
        .flat_map(|map| {
            object[*map]
                .as_object()
                .into_iter()
                .flat_map(Map::keys)
                .filter(|key| !CONFIG_KEY.is_match(key))
                .map(move |key| {
                    FieldError::invalid(
                        &format!("{map}[{key}]"),
                        &json!(key),
                        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                    )
                })
        })
        .collect()
}

/// Defaults a service, keeps or allocates its cluster IP and node ports, and validates
/// what the API server would refuse.
fn prepare_service(
    object: &mut Value,
    old: Option<&Value>,
    allocator: &Allocator,
) -> Vec<FieldError> {
    let spec = &mut object["spec"];
    let service_type = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
    spec["type"] = json!(service_type);
    spec["sessionAffinity"] = spec["sessionAffinity"].as_str().unwrap_or("None").into();
    let old_ip = old
        .and_then(|o| o["spec"]["clusterIP"].as_str())
        .unwrap_or_default();
    let requested_ip = spec["clusterIP"].as_str().unwrap_or_default().to_string();
    let mut errors = Vec::new();
    let cluster_ip = match (requested_ip.as_str(), old_ip) {
        ("", "") => allocator.cluster_ip(),
        ("", old) => old.to_string(),
        (new, old) if !old.is_empty() && new != old => {
            errors.push(FieldError::invalid(
                "spec.clusterIP",
                &json!(new),
                "field is immutable",
            ));
            new.to_string()
        }
        (new, _) => new.to_string(),
    };
    if cluster_ip == "None" && service_type == "LoadBalancer" {
        errors.push(FieldError::invalid(
            "spec.clusterIP",
            &json!("None"),
            "may not be set to 'None' for LoadBalancer services",
        ));
    }
    spec["clusterIPs"] = json!([cluster_ip]);
    spec["clusterIP"] = json!(cluster_ip);
    let needs_node_ports = matches!(service_type.as_str(), "NodePort" | "LoadBalancer");
    let old_ports = old.and_then(|o| o["spec"]["ports"].as_array());
    for port in spec["ports"].as_array_mut().into_iter().flatten() {
        port["protocol"] = port["protocol"].as_str().unwrap_or("TCP").into();
        if port["targetPort"].is_null() {
            port["targetPort"] = port["port"].clone();
        }
        if needs_node_ports && port["nodePort"].is_null() {
            let kept = old_ports
                .into_iter()
                .flatten()
                .find(|old| old["port"] == port["port"] && !old["nodePort"].is_null());
            port["nodePort"] = kept.map_or_else(
                || json!(allocator.node_port()),
                |old| old["nodePort"].clone(),
            );
        }
    }
    if service_type != "LoadBalancer" {
        object["status"] = json!({"loadBalancer": {}});
    }
    errors
}
