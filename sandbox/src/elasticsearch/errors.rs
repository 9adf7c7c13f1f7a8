//! Elasticsearch's error bodies: `{"error": {"root_cause", "type", "reason", ...}, "status"}`
//! for exceptions, and the bare `{"error": "..."}` messages of its REST layer.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The exception behind an error body, with the fields Elasticsearch prints for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    pub error_type: String,
    pub reason: String,
    /// Extra fields shown next to `type` and `reason` (`index`, `header`, ...).
    pub metadata: Map<String, Value>,
    pub caused_by: Option<Box<Cause>>,
}

impl Cause {
    pub fn new(error_type: &str, reason: impl Into<String>) -> Self {
        Cause {
            error_type: error_type.to_owned(),
            reason: reason.into(),
            metadata: Map::new(),
            caused_by: None,
        }
    }

    pub fn with_metadata(mut self, key: &str, value: Value) -> Self {
        self.metadata.insert(key.to_owned(), value);
        self
    }

    pub fn caused_by(mut self, cause: Cause) -> Self {
        self.caused_by = Some(Box::new(cause));
        self
    }

    /// The JSON object of this exception; `with_cause` adds its `caused_by` chain.
    pub fn to_json(&self, with_cause: bool) -> Value {
        let mut object = Map::new();
        object.insert("type".into(), json!(self.error_type));
        object.insert("reason".into(), json!(self.reason));
        object.extend(self.metadata.clone());
        if let (true, Some(cause)) = (with_cause, &self.caused_by) {
            object.insert("caused_by".into(), cause.to_json(true));
        }
        Value::Object(object)
    }
}

/// What an error body says.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorBody {
    /// `{"error": {"root_cause", "type", "reason", ...}, "status"}`: an exception.
    Exception(Cause),
    /// `{"error": "..."}`, plus `"status"` when `with_status`: what the REST layer says itself.
    Message { text: String, with_status: bool },
}

/// An error answered with one of Elasticsearch's error bodies.
#[derive(Clone, Debug, PartialEq)]
pub struct EsError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl EsError {
    pub fn new(status: StatusCode, cause: Cause) -> Self {
        EsError {
            status,
            body: ErrorBody::Exception(cause),
        }
    }

    fn message(status: StatusCode, text: String, with_status: bool) -> Self {
        EsError {
            status,
            body: ErrorBody::Message { text, with_status },
        }
    }

    /// The exception's type, if the body is an exception.
    #[cfg(test)]
    pub fn error_type(&self) -> Option<&str> {
        match &self.body {
            ErrorBody::Exception(cause) => Some(&cause.error_type),
            ErrorBody::Message { .. } => None,
        }
    }

    /// The exception's reason, or the bare message.
    pub fn reason(&self) -> &str {
        match &self.body {
            ErrorBody::Exception(cause) => &cause.reason,
            ErrorBody::Message { text, .. } => text,
        }
    }

    /// 400 with a bare message: Elasticsearch's answer to a path it has no handler for.
    pub fn no_handler(method: &Method, uri: &str) -> Self {
        let text = format!("no handler found for uri [{uri}] and method [{method}]");
        Self::message(StatusCode::BAD_REQUEST, text, false)
    }

    /// 405 with a bare message listing the methods the path accepts.
    pub fn method_not_allowed(method: &Method, uri: &str, allowed: &[String]) -> Self {
        let text = format!(
            "Incorrect HTTP method for uri [{uri}] and method [{method}], allowed: [{}]",
            allowed.join(", ")
        );
        Self::message(StatusCode::METHOD_NOT_ALLOWED, text, true)
    }

    /// 406 with a bare message: a request body that is not JSON.
    pub fn unsupported_content_type(content_type: Option<&str>) -> Self {
        let text = match content_type {
            None => "Content-Type header is missing".to_owned(),
            Some(value) => format!("Content-Type header [{value}] is not supported"),
        };
        Self::message(StatusCode::NOT_ACCEPTABLE, text, true)
    }

    /// `illegal_argument_exception`, 400: how Elasticsearch refuses a bad setting or parameter.
    pub fn illegal_argument(reason: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Cause::new("illegal_argument_exception", reason),
        )
    }

    /// `parse_exception`, 400: a request body that cannot be read as settings.
    pub fn parse(reason: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Cause::new("parse_exception", reason),
        )
    }

    /// `x_content_parse_exception`, 400: a request body with unexpected fields.
    pub fn x_content_parse(reason: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Cause::new("x_content_parse_exception", reason),
        )
    }

    /// `action_request_validation_exception`, 400, with Elasticsearch's numbered message.
    pub fn request_validation(problem: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Cause::new(
                "action_request_validation_exception",
                format!("Validation Failed: 1: {problem};"),
            ),
        )
    }

    /// `no_such_remote_cluster_exception`, 404: an index expression naming an unknown alias.
    pub fn no_such_remote_cluster(alias: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            Cause::new(
                "no_such_remote_cluster_exception",
                format!("no such remote cluster: [{alias}]"),
            ),
        )
    }

    /// `index_not_found_exception`, 404, with the metadata Elasticsearch attaches.
    pub fn index_not_found(index: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, index_not_found_cause(index))
    }

    /// `master_not_discovered_exception`, 503: what master-level requests get from a node
    /// that found no master.
    pub fn master_not_discovered() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            // Elasticsearch gives this exception no message: its reason prints as null.
            Cause::new("master_not_discovered_exception", "").with_metadata("reason", Value::Null),
        )
    }

    /// `security_exception`, 401, naming the challenges Elasticsearch offers.
    pub fn unauthenticated(reason: impl Into<String>) -> Self {
        Self::unauthenticated_by(Cause::new("security_exception", reason))
    }

    /// 401 for that `security_exception`, naming the challenges Elasticsearch offers.
    pub fn unauthenticated_by(cause: Cause) -> Self {
        let cause = cause.with_metadata("header", json!({ "WWW-Authenticate": CHALLENGES }));
        Self::new(StatusCode::UNAUTHORIZED, cause)
    }

    /// The error body as Elasticsearch prints it.
    pub fn to_json(&self) -> Value {
        let status = self.status.as_u16();
        match &self.body {
            ErrorBody::Exception(cause) => {
                let mut error = Map::new();
                error.insert("root_cause".into(), json!([cause.to_json(false)]));
                if let Value::Object(fields) = cause.to_json(true) {
                    error.extend(fields);
                }
                json!({ "error": error, "status": status })
            }
            ErrorBody::Message {
                text,
                with_status: true,
            } => json!({ "error": text, "status": status }),
            ErrorBody::Message {
                text,
                with_status: false,
            } => json!({ "error": text }),
        }
    }
}

/// The exception Elasticsearch raises for a missing concrete index.
pub fn index_not_found_cause(index: &str) -> Cause {
    Cause::new(
        "index_not_found_exception",
        format!("no such index [{index}]"),
    )
    .with_metadata("resource.type", json!("index_or_alias"))
    .with_metadata("resource.id", json!(index))
    .with_metadata("index_uuid", json!("_na_"))
    .with_metadata("index", json!(index))
}

/// The authentication schemes a 401 answer offers, in `WWW-Authenticate` headers.
const CHALLENGES: [&str; 2] = ["Basic realm=\"security\" charset=\"UTF-8\"", "ApiKey"];

impl IntoResponse for EsError {
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        if self.status == StatusCode::UNAUTHORIZED {
            for challenge in CHALLENGES {
                headers.append(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
                );
            }
        }
        (self.status, headers, axum::Json(self.to_json())).into_response()
    }
}
