//! The HTTP handlers of licensing, cross-cluster API keys and the keystore:
//! `POST _license/start_trial`, `POST`/`PUT _security/cross_cluster/api_key`,
//! `GET`/`DELETE _security/api_key`, `POST _nodes/reload_secure_settings`. Creating
//! and updating a cross-cluster key needs an Enterprise-level license; reading and
//! invalidating do not (ES: `RestCreateCrossClusterApiKeyAction.checkFeatureAvailable`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api_key_requests::{CreateRequest, KeySelector, UpdateRequest, check_one_selector};
use super::cluster::Cluster;
use super::errors::EsError;
use super::license::{ADVANCED_REMOTE_CLUSTER_SECURITY, non_compliant, trial_answer};
use super::params::{Params, check_known, flag};
use super::request_body::json_body;
use super::world::now_millis;

type Shared = State<Arc<Cluster>>;
type Answer = Result<axum::Json<Value>, EsError>;

pub async fn start_trial(
    State(cluster): Shared,
    uri: Uri,
    Query(params): Query<Params>,
) -> Result<Response, EsError> {
    check_known(
        uri.path(),
        &params,
        &["acknowledge", "type", "master_timeout", "timeout"],
    )?;
    let acknowledged = flag(&params, "acknowledge")?;
    let outcome = cluster.start_trial(acknowledged);
    let (status, body) = trial_answer(outcome, acknowledged);
    Ok((status, axum::Json(body)).into_response())
}

/// Cross-cluster keys exist from 8.10, and are an Enterprise-level feature.
fn check_available(cluster: &Cluster, method: &Method, uri: &Uri) -> Result<(), EsError> {
    if !cluster.version.has_cross_cluster_api_keys() {
        return Err(EsError::no_handler(method, &uri.to_string()));
    }
    match cluster.license().allows_enterprise_features() {
        true => Ok(()),
        false => Err(non_compliant(ADVANCED_REMOTE_CLUSTER_SECURITY)),
    }
}

pub async fn create_cross_cluster_key(
    State(cluster): Shared,
    method: Method,
    uri: Uri,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    check_available(&cluster, &method, &uri)?;
    check_known(uri.path(), &params, &["refresh"])?;
    let request = CreateRequest::from_json(&json_body(&headers, &body)?)?;
    let created = cluster.with_api_keys(|keys| keys.create(request, now_millis()));
    Ok(axum::Json(created))
}

pub async fn update_cross_cluster_key(
    State(cluster): Shared,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    check_available(&cluster, &method, &uri)?;
    check_known(uri.path(), &params, &[])?;
    let request = UpdateRequest::from_json(&json_body(&headers, &body)?)?;
    let updated = cluster.with_api_keys(|keys| keys.update(&id, request, now_millis()))?;
    Ok(axum::Json(json!({ "updated": updated })))
}

pub async fn get_keys(State(cluster): Shared, uri: Uri, Query(params): Query<Params>) -> Answer {
    const KNOWN: &[&str] = &[
        "id",
        "name",
        "owner",
        "realm_name",
        "username",
        "with_limited_by",
        "with_profile_uid",
        "active_only",
    ];
    check_known(uri.path(), &params, KNOWN)?;
    let active_only = flag(&params, "active_only")?;
    let (id, name) = (params.get("id"), params.get("name"));
    check_one_selector(id.is_some(), name.is_some(), true)?;
    let keys: Vec<Value> = cluster.with_api_keys(|keys| {
        keys.find(
            id.map(String::as_str),
            name.map(String::as_str),
            active_only,
            now_millis(),
        )
        .into_iter()
        .map(|key| key.to_json())
        .collect()
    });
    Ok(axum::Json(json!({ "api_keys": keys })))
}

pub async fn invalidate_keys(
    State(cluster): Shared,
    uri: Uri,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    check_known(uri.path(), &params, &[])?;
    let selector = KeySelector::from_json(&json_body(&headers, &body)?)?;
    let answer = cluster.with_api_keys(|keys| keys.invalidate(&selector, now_millis()));
    Ok(axum::Json(answer))
}

/// Each node rereads its keystore file. Under ECK that file is built once, when the pod
/// starts, from the secure settings of that moment, so a reload finds what the node already
/// has: changed secure settings reach a node only through ECK's rolling restart.
pub async fn reload_secure_settings(
    State(cluster): Shared,
    uri: Uri,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    check_known(uri.path(), &params, &["timeout"])?;
    json_body(&headers, &body)?;
    let nodes: serde_json::Map<String, Value> = cluster
        .node_names()
        .into_iter()
        .map(|name| (node_id(&name), json!({ "name": name })))
        .collect();
    Ok(axum::Json(json!({
        "_nodes": {"total": nodes.len(), "successful": nodes.len(), "failed": 0},
        "cluster_name": cluster.name(),
        "nodes": nodes,
    })))
}

/// A node id of Elasticsearch's shape (22 URL-safe characters), stable per node name.
fn node_id(name: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}
