//! API errors as the real kube-apiserver reports them: `Status` objects with the same
//! codes, reasons, messages and details, so that clients meet the failures they will meet
//! in production.

use std::fmt;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

use super::resources::{NAMESPACES, ResourceType};

/// One failed field of an `Invalid` (422) error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field path, e.g. `spec.nodeSets[0].count`.
    pub field: String,
    /// The machine-readable cause, e.g. `FieldValueTypeInvalid`.
    pub reason: &'static str,
    /// What comes after `field: ` in the message, e.g. `Required value`.
    pub detail: String,
}

impl FieldError {
    pub fn required(field: &str) -> Self {
        Self::new(field, "FieldValueRequired", "Required value".to_string())
    }

    /// `Invalid value: VALUE: DETAIL`, the API server's general form.
    pub fn invalid(field: &str, value: &Value, detail: &str) -> Self {
        let detail = format!("Invalid value: {}: {detail}", go_value(value));
        Self::new(field, "FieldValueInvalid", detail)
    }

    pub fn new(field: &str, reason: &'static str, detail: String) -> Self {
        FieldError {
            field: field.to_string(),
            reason,
            detail,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.detail)
    }
}

/// How the API server prints a value inside a field error: strings quoted, the rest as JSON.
pub fn go_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// A failed API request, rendered as a `Status` object.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
    /// Sent as the `Retry-After` header.
    pub retry_after_secs: Option<u32>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: String, details: Option<Value>) -> Self {
        ApiError {
            code,
            reason,
            message,
            details,
            retry_after_secs: None,
        }
    }

    /// `secrets "x" not found`.
    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        let message = format!("{} \"{name}\" not found", rt.qualified_resource());
        Self::new(404, "NotFound", message, Some(details(rt, name)))
    }

    /// `namespaces "x" not found`, for writes into a namespace that does not exist.
    pub fn namespace_not_found(namespace: &str) -> Self {
        Self::not_found(&NAMESPACES, namespace)
    }

    /// The body the API server gives for any path it does not serve.
    pub fn unknown_path() -> Self {
        let message = "the server could not find the requested resource".to_string();
        Self::new(404, "NotFound", message, Some(json!({})))
    }

    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        let message = format!("{} \"{name}\" already exists", rt.qualified_resource());
        Self::new(409, "AlreadyExists", message, Some(details(rt, name)))
    }

    /// A `resourceVersion` precondition failed.
    pub fn conflict(rt: &ResourceType, name: &str) -> Self {
        let message = format!(
            "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
             please apply your changes to the latest version and try again",
            rt.qualified_resource()
        );
        Self::new(409, "Conflict", message, Some(details(rt, name)))
    }

    /// A delete precondition failed.
    pub fn delete_conflict(rt: &ResourceType, name: &str, expected: &str, actual: &str) -> Self {
        let message = format!(
            "Operation cannot be fulfilled on {} \"{name}\": the ResourceVersion in the \
             precondition ({expected}) does not match the ResourceVersion in record ({actual}). \
             The object might have been modified",
            rt.qualified_resource()
        );
        Self::new(409, "Conflict", message, Some(details(rt, name)))
    }

    /// 422 with one cause per failed field.
    pub fn invalid(rt: &ResourceType, name: &str, errors: &[FieldError]) -> Self {
        let listed = match errors {
            [one] => one.to_string(),
            many => format!(
                "[{}]",
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let message = format!("{} \"{name}\" is invalid: {listed}", rt.qualified_kind());
        let causes: Vec<Value> = errors
            .iter()
            .map(|e| json!({"reason": e.reason, "message": e.detail, "field": e.field}))
            .collect();
        let mut details = details(rt, name);
        details["kind"] = json!(rt.kind);
        details["causes"] = json!(causes);
        Self::new(422, "Invalid", message, Some(details))
    }

    /// 422 without field causes (a patch that cannot be applied).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, "Invalid", message.into(), None)
    }

    pub fn forbidden(message: String, rt: &ResourceType, name: Option<&str>) -> Self {
        let details = details(rt, name.unwrap_or_default());
        Self::new(403, "Forbidden", message, Some(details))
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized".to_string(), None)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message.into(), None)
    }

    pub fn method_not_allowed() -> Self {
        let message = "the server does not allow this method on the requested resource";
        Self::new(
            405,
            "MethodNotAllowed",
            message.to_string(),
            Some(json!({})),
        )
    }

    /// 415 naming the patch types the resource accepts.
    pub fn unsupported_patch_type(accepted: &[&str]) -> Self {
        Self::unsupported_media_type(&format!(
            "the body of the request was in an unknown format - accepted media types include: {}",
            accepted.join(", ")
        ))
    }

    /// 415: a body in a media type the server cannot decode for this resource.
    pub fn unsupported_media_type(message: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            message.to_string(),
            Some(json!({})),
        )
    }

    /// 410 for a watch from a resourceVersion the history no longer holds.
    pub fn gone(requested: u64, current: u64) -> Self {
        let message = format!("too old resource version: {requested} ({current})");
        Self::new(410, "Expired", message, None)
    }

    pub fn too_many_requests(retry_after_secs: u32) -> Self {
        let details = json!({"retryAfterSeconds": retry_after_secs});
        let message = "Too many requests, please try again later.".to_string();
        let mut error = Self::new(429, "TooManyRequests", message, Some(details));
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    /// A failure with only a status code (what injected faults answer).
    pub fn from_code(code: u16) -> Self {
        let (reason, message) = match code {
            400 => (
                "BadRequest",
                "the server rejected our request for an unknown reason",
            ),
            404 => (
                "NotFound",
                "the server could not find the requested resource",
            ),
            409 => ("Conflict", "the server reported a conflict"),
            500 => (
                "InternalError",
                "an error on the server has prevented the request from succeeding",
            ),
            502 | 503 => (
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ),
            504 => (
                "Timeout",
                "the server was unable to return a response in the time allotted, but may still be processing the request",
            ),
            _ => (
                "Unknown",
                "an error on the server has prevented the request from succeeding",
            ),
        };
        Self::new(code, reason, message.to_string(), Some(json!({})))
    }

    /// The `Status` object sent as the response body.
    pub fn status_body(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

/// `details` naming the object: name, group (when not core) and resource.
fn details(rt: &ResourceType, name: &str) -> Value {
    let mut details = Map::new();
    if !name.is_empty() {
        details.insert("name".into(), json!(name));
    }
    if !rt.group.is_empty() {
        details.insert("group".into(), json!(rt.group));
    }
    details.insert("kind".into(), json!(rt.plural));
    Value::Object(details)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (code, axum::Json(self.status_body())).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
