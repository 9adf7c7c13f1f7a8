//! Validation of custom resources against a CRD's structural schema, in the API server's
//! order: null fields dropped, unknown fields pruned (kept under
//! `x-kubernetes-preserve-unknown-fields`), defaults applied, then types, required
//! fields, enums, patterns, lengths and bounds checked, with the server's field errors.

use regex::Regex;
use serde_json::{Map, Value};

use super::status::{FieldError, go_value};

/// What validation found: errors make the write fail (422); pruned unknown fields are
/// warned about, or refused under `fieldValidation=Strict`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub errors: Vec<FieldError>,
    pub unknown_fields: Vec<String>,
}

/// Prunes, defaults and validates `object` (a whole resource) in place.
pub fn validate(schema: &Value, object: &mut Value) -> Outcome {
    let mut outcome = Outcome::default();
    let Some(map) = object.as_object_mut() else {
        outcome.errors.push(type_error("", object, "object"));
        return outcome;
    };
    // The server handles the type fields and metadata itself.
    for (field, value) in map.iter_mut() {
        if matches!(field.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        match schema["properties"].get(field) {
            Some(sub) => walk(sub, value, field, &mut outcome),
            None => outcome.unknown_fields.push(field.clone()),
        }
    }
    let unknown = &outcome.unknown_fields;
    map.retain(|field, _| !unknown.contains(field));
    outcome
}

fn walk(schema: &Value, value: &mut Value, path: &str, outcome: &mut Outcome) {
    if !type_matches(schema, value) {
        let expected = if int_or_string(schema) {
            "integer,string"
        } else {
            schema["type"].as_str().unwrap_or_default()
        };
        outcome.errors.push(type_error(path, value, expected));
        return;
    }
    check_enum(schema, value, path, outcome);
    match value {
        Value::Object(map) => walk_object(schema, map, path, outcome),
        Value::Array(items) => {
            check_count(schema, items.len(), path, outcome);
            for (i, item) in items.iter_mut().enumerate() {
                walk(&schema["items"], item, &format!("{path}[{i}]"), outcome);
            }
        }
        Value::String(s) => check_string(schema, s, path, outcome),
        Value::Number(_) => check_bounds(schema, value, path, outcome),
        Value::Bool(_) | Value::Null => {}
    }
}

fn walk_object(schema: &Value, map: &mut Map<String, Value>, path: &str, outcome: &mut Outcome) {
    let properties = schema["properties"].as_object();
    let additional = schema["additionalProperties"]
        .as_object()
        .map(|_| &schema["additionalProperties"]);
    let preserve = schema["x-kubernetes-preserve-unknown-fields"].as_bool() == Some(true);
    // Nulls in fields that are not nullable are dropped before defaulting.
    map.retain(|field, value| {
        !value.is_null()
            || property(schema, field).is_some_and(|s| s["nullable"] == Value::Bool(true))
    });
    for (field, sub) in properties.into_iter().flatten() {
        if let (false, Some(default)) = (map.contains_key(field), sub.get("default")) {
            map.insert(field.clone(), default.clone());
        }
    }
    let mut unknown = Vec::new();
    for (field, value) in map.iter_mut() {
        if let Some(sub) = property(schema, field) {
            walk(sub, value, &child(path, field), outcome);
        } else if let Some(additional) = additional {
            walk(additional, value, &format!("{path}[{field}]"), outcome);
        } else if !preserve {
            unknown.push(field.clone());
        }
    }
    map.retain(|field, _| !unknown.contains(field));
    outcome
        .unknown_fields
        .extend(unknown.iter().map(|field| child(path, field)));
    for required in schema["required"].as_array().into_iter().flatten() {
        if let Some(field) = required.as_str().filter(|f| !map.contains_key(*f)) {
            outcome
                .errors
                .push(FieldError::required(&child(path, field)));
        }
    }
}

fn property<'a>(schema: &'a Value, field: &str) -> Option<&'a Value> {
    schema["properties"].get(field)
}

fn child(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn int_or_string(schema: &Value) -> bool {
    schema["x-kubernetes-int-or-string"].as_bool() == Some(true)
}

fn type_matches(schema: &Value, value: &Value) -> bool {
    if int_or_string(schema) {
        return is_integer(value) || value.is_string();
    }
    match schema["type"].as_str() {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("boolean") => value.is_boolean(),
        Some("integer") => is_integer(value),
        Some("number") => value.is_number(),
        _ => true,
    }
}

fn is_integer(value: &Value) -> bool {
    value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// The JSON type name the API server reports for a value.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) if is_integer(value) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_error(path: &str, value: &Value, expected: &str) -> FieldError {
    let actual = type_name(value);
    let detail = format!(
        "Invalid value: \"{actual}\": {path} in body must be of type {expected}: \"{actual}\""
    );
    FieldError::new(path, "FieldValueTypeInvalid", detail)
}

fn check_enum(schema: &Value, value: &Value, path: &str, outcome: &mut Outcome) {
    let Some(allowed) = schema["enum"].as_array() else {
        return;
    };
    if !allowed.contains(value) {
        let listed: Vec<String> = allowed.iter().map(go_value).collect();
        let detail = format!(
            "Unsupported value: {}: supported values: {}",
            go_value(value),
            listed.join(", ")
        );
        outcome
            .errors
            .push(FieldError::new(path, "FieldValueNotSupported", detail));
    }
}

fn check_string(schema: &Value, s: &str, path: &str, outcome: &mut Outcome) {
    if let Some(max) = schema["maxLength"]
        .as_u64()
        .filter(|max| s.len() as u64 > *max)
    {
        let detail = format!("Too long: may not be more than {max} bytes");
        outcome
            .errors
            .push(FieldError::new(path, "FieldValueTooLong", detail));
    }
    if let Some(min) = schema["minLength"]
        .as_u64()
        .filter(|min| (s.len() as u64) < *min)
    {
        let detail = format!("{path} in body should be at least {min} chars long");
        outcome
            .errors
            .push(FieldError::invalid(path, &Value::from(s), &detail));
    }
    let pattern = schema["pattern"].as_str();
    if let Some(pattern) = pattern.filter(|p| Regex::new(p).is_ok_and(|re| !re.is_match(s))) {
        let detail = format!("{path} in body should match '{pattern}'");
        outcome
            .errors
            .push(FieldError::invalid(path, &Value::from(s), &detail));
    }
}

fn check_bounds(schema: &Value, value: &Value, path: &str, outcome: &mut Outcome) {
    let Some(number) = value.as_f64() else {
        return;
    };
    if let Some(min) = schema["minimum"].as_f64().filter(|min| number < *min) {
        let detail = format!("{path} in body should be greater than or equal to {min}");
        outcome
            .errors
            .push(FieldError::invalid(path, value, &detail));
    }
    if let Some(max) = schema["maximum"].as_f64().filter(|max| number > *max) {
        let detail = format!("{path} in body should be less than or equal to {max}");
        outcome
            .errors
            .push(FieldError::invalid(path, value, &detail));
    }
}

fn check_count(schema: &Value, count: usize, path: &str, outcome: &mut Outcome) {
    if let Some(min) = schema["minItems"]
        .as_u64()
        .filter(|min| (count as u64) < *min)
    {
        let detail = format!("{path} in body should have at least {min} items");
        outcome
            .errors
            .push(FieldError::invalid(path, &Value::from(count), &detail));
    }
    if let Some(max) = schema["maxItems"]
        .as_u64()
        .filter(|max| count as u64 > *max)
    {
        let detail = format!("{path} in body should have at most {max} items");
        outcome.errors.push(FieldError::new(
            path,
            "FieldValueTooMany",
            format!("Too many: {count}: {detail}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::crd;
    use serde_json::json;

    fn check(mut object: Value) -> (Outcome, Value) {
        let outcome = validate(&crd::elasticsearch().schema.open_api_v3_schema, &mut object);
        (outcome, object)
    }

    fn es(spec: Value) -> Value {
        json!({"apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch",
               "metadata": {"name": "x", "namespace": "ns"}, "spec": spec})
    }

    #[test]
    fn a_valid_resource_passes_with_free_form_config_and_pod_template() {
        let (outcome, _) = check(es(json!({
            "version": "8.17.0",
            "nodeSets": [{"name": "default", "count": 3,
                "config": {"xpack.security.transport.ssl.certificate_authorities": ["a"], "node": {"roles": ["master"]}},
                "podTemplate": {"spec": {"containers": [{"name": "elasticsearch", "volumeMounts": [{"name": "v", "mountPath": "/p"}]}]},
                                "anything": {"kept": true}}}],
            "transport": {"service": {"spec": {"type": "LoadBalancer", "ports": [{"port": 9300, "targetPort": 9300}]}}}
        })));
        assert_eq!(outcome, Outcome::default());
    }

    #[test]
    fn type_and_required_errors_name_the_field() {
        let (outcome, _) = check(es(
            json!({"nodeSets": [{"name": "default", "count": "three"}]}),
        ));
        let messages: Vec<String> = outcome.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "spec.nodeSets[0].count: Invalid value: \"string\": spec.nodeSets[0].count in body must be of type integer: \"string\"",
                "spec.version: Required value",
            ]
        );
    }

    #[test]
    fn unknown_fields_are_pruned_and_defaults_applied() {
        let (outcome, object) = check(es(json!({
            "version": "8.17.0", "typo": 1,
            "nodeSets": [{"name": "default", "count": 1}],
            "transport": {"service": {"spec": {"ports": [{"port": 9300}]}}}
        })));
        assert_eq!(outcome.unknown_fields, ["spec.typo"]);
        assert!(object["spec"].get("typo").is_none());
        assert_eq!(
            object["spec"]["transport"]["service"]["spec"]["ports"][0]["protocol"],
            "TCP"
        );
    }

    #[test]
    fn patterns_lengths_and_enums_are_checked() {
        let (outcome, _) = check(es(json!({
            "version": "8.17.0", "volumeClaimDeletePolicy": "Never",
            "nodeSets": [{"name": "a-name-much-longer-than-twenty-three", "count": 1}]
        })));
        let reasons: Vec<&str> = outcome.errors.iter().map(|e| e.reason).collect();
        assert_eq!(reasons, ["FieldValueTooLong", "FieldValueNotSupported"]);
    }
}
