//! PATCH bodies by content type: JSON merge patch, JSON patch, server-side apply and
//! strategic merge patch (built-in types only; approximated as a merge patch whose
//! `$`-directives are dropped, and server-side apply as a merge of the applied object).

use serde_json::Value;

use super::resources::ResourceType;
use super::status::ApiError;

pub const MERGE: &str = "application/merge-patch+json";
pub const JSON: &str = "application/json-patch+json";
pub const APPLY: &str = "application/apply-patch+yaml";
pub const STRATEGIC: &str = "application/strategic-merge-patch+json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    Merge,
    Json,
    Apply,
    Strategic,
}

impl PatchKind {
    /// The patch type of a request's `Content-Type`; 415 for what this resource refuses.
    pub fn for_request(rt: &ResourceType, content_type: &str) -> Result<Self, ApiError> {
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        let kind = match media_type {
            MERGE => Some(PatchKind::Merge),
            JSON => Some(PatchKind::Json),
            APPLY => Some(PatchKind::Apply),
            STRATEGIC if !rt.custom => Some(PatchKind::Strategic),
            _ => None,
        };
        kind.ok_or_else(|| ApiError::unsupported_patch_type(&accepted(rt)))
    }
}

/// The patch types a resource accepts, in the API server's order.
pub fn accepted(rt: &ResourceType) -> Vec<&'static str> {
    if rt.custom {
        vec![JSON, MERGE, APPLY]
    } else {
        vec![JSON, MERGE, STRATEGIC, APPLY]
    }
}

/// The object `current` becomes under this patch (`current` is Null when the object does
/// not exist yet, which only server-side apply accepts).
pub fn apply(kind: PatchKind, current: &Value, body: &[u8]) -> Result<Value, ApiError> {
    let mut patched = current.clone();
    match kind {
        PatchKind::Merge => json_patch::merge(&mut patched, &parse_json(body)?),
        PatchKind::Strategic => {
            json_patch::merge(&mut patched, &without_directives(parse_json(body)?))
        }
        PatchKind::Apply => {
            let applied: Value = serde_yaml::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
            json_patch::merge(&mut patched, &applied);
        }
        PatchKind::Json => {
            let operations: json_patch::Patch = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            json_patch::patch(&mut patched, &operations)
                .map_err(|e| invalid_patch(&e.to_string()))?;
        }
    }
    Ok(patched)
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))
}

/// A JSON patch that cannot be applied (a failed `test`, a missing path).
fn invalid_patch(reason: &str) -> ApiError {
    ApiError::unprocessable(format!(
        "the server rejected our request due to an error in our request: {reason}"
    ))
}

/// Drops strategic-merge directives (`$patch`, `$retainKeys`, `$setElementOrder/...`).
fn without_directives(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k, without_directives(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_directives).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::resources::{ELASTICSEARCHES, SECRETS};
    use serde_json::json;

    #[test]
    fn strategic_merge_patch_is_refused_for_the_custom_resource_only() {
        assert_eq!(
            PatchKind::for_request(&SECRETS, STRATEGIC),
            Ok(PatchKind::Strategic)
        );
        let error = PatchKind::for_request(&ELASTICSEARCHES, STRATEGIC).unwrap_err();
        assert_eq!(error.code, 415);
        assert_eq!(
            error.message,
            "the body of the request was in an unknown format - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
        );
    }

    #[test]
    fn merge_and_json_patches() {
        let current = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        let merged = apply(
            PatchKind::Merge,
            &current,
            br#"{"a": {"b": null}, "l": [3]}"#,
        )
        .unwrap();
        assert_eq!(merged, json!({"a": {"c": 2}, "l": [3]}));
        let patched = apply(
            PatchKind::Json,
            &current,
            br#"[{"op": "add", "path": "/l/-", "value": 3}]"#,
        )
        .unwrap();
        assert_eq!(patched["l"], json!([1, 2, 3]));
        let failed = apply(
            PatchKind::Json,
            &current,
            br#"[{"op": "test", "path": "/a/b", "value": 9}]"#,
        );
        assert_eq!(failed.unwrap_err().code, 422);
    }
}
