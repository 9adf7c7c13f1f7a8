//! Request bodies as Elasticsearch reads them: JSON only, refused with its errors.

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::errors::EsError;

/// The request body as JSON (`Null` when there is none), refused as Elasticsearch refuses it.
pub fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, EsError> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap_or("?"));
    let is_json = content_type.is_some_and(|value| {
        let essence = value.split(';').next().unwrap_or_default().trim();
        ["application/json", "application/vnd.elasticsearch+json"].contains(&essence)
    });
    if !is_json {
        return Err(EsError::unsupported_content_type(content_type));
    }
    serde_json::from_slice(body)
        .map_err(|error| EsError::x_content_parse(format!("failed to parse request body: {error}")))
}
