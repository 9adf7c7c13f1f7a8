//! The HTTP handlers of licensing and cross-cluster API keys: `POST _license/start_trial`,
//! `POST`/`PUT _security/cross_cluster/api_key`, `GET`/`DELETE _security/api_key`. Creating
//! and updating a cross-cluster key needs an Enterprise-level license; reading and
//! invalidating do not (ES: `RestCreateCrossClusterApiKeyAction.checkFeatureAvailable`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api_key_requests::{CreateRequest, KeySelector, UpdateRequest};
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

/// Cross-cluster keys are an Enterprise-level feature.
fn check_license(cluster: &Cluster) -> Result<(), EsError> {
    match cluster.license().allows_enterprise_features() {
        true => Ok(()),
        false => Err(non_compliant(ADVANCED_REMOTE_CLUSTER_SECURITY)),
    }
}

pub async fn create_cross_cluster_key(
    State(cluster): Shared,
    uri: Uri,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    check_license(&cluster)?;
    check_known(uri.path(), &params, &["refresh"])?;
    let request = CreateRequest::from_json(&json_body(&headers, &body)?)?;
    let created = cluster.with_api_keys(|keys| keys.create(request, now_millis()));
    Ok(axum::Json(created))
}

pub async fn update_cross_cluster_key(
    State(cluster): Shared,
    Path(id): Path<String>,
    uri: Uri,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    check_license(&cluster)?;
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
