//! Discovery documents (`/version`, `/api`, `/api/v1`, `/apis`, `/apis/GROUP`,
//! `/apis/GROUP/VERSION`) in the legacy JSON form. Clients asking for aggregated discovery
//! get it too, with `Content-Type: application/json`, and fall back to the legacy form.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::handle::KubeApi;
use super::resources::{ResourceType, STATUS_VERBS, VERBS};
use super::status::ApiError;

pub async fn version() -> Json<Value> {
    Json(json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-04-23T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    }))
}

pub async fn core_versions(State(api): State<KubeApi>) -> Json<Value> {
    let address = api.inner.url.trim_start_matches("https://").to_string();
    Json(json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }))
}

pub async fn core_resources(State(api): State<KubeApi>) -> Json<Value> {
    Json(resource_list(&api, "", "v1"))
}

pub async fn groups(State(api): State<KubeApi>) -> Json<Value> {
    let groups: Vec<Value> = api
        .inner
        .registry
        .named_groups()
        .into_iter()
        .filter_map(|group| group_document(&api, group))
        .collect();
    Json(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
}

pub async fn group(
    State(api): State<KubeApi>,
    Path(group): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut document = group_document(&api, &group).ok_or_else(ApiError::unknown_path)?;
    document["kind"] = json!("APIGroup");
    document["apiVersion"] = json!("v1");
    Ok(Json(document))
}

pub async fn group_resources(
    State(api): State<KubeApi>,
    Path((group, version)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    if api
        .inner
        .registry
        .in_group_version(&group, &version)
        .next()
        .is_none()
    {
        return Err(ApiError::unknown_path());
    }
    Ok(Json(resource_list(&api, &group, &version)))
}

/// The `APIGroup` entry of a named group, if this server serves it.
fn group_document(api: &KubeApi, group: &str) -> Option<Value> {
    let version = api
        .inner
        .registry
        .all()
        .iter()
        .find(|rt| rt.group == group)?
        .version;
    let group_version = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    Some(json!({"name": group, "versions": [group_version], "preferredVersion": group_version}))
}

fn resource_list(api: &KubeApi, group: &str, version: &str) -> Value {
    let resources: Vec<Value> = api
        .inner
        .registry
        .in_group_version(group, version)
        .flat_map(resource_entries)
        .collect();
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

/// The discovery entries of a type: itself and its status subresource.
fn resource_entries(rt: &'static ResourceType) -> Vec<Value> {
    let mut entry = json!({
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": VERBS,
    });
    if !rt.short_names.is_empty() {
        entry["shortNames"] = json!(rt.short_names);
    }
    if !rt.categories.is_empty() {
        entry["categories"] = json!(rt.categories);
    }
    let mut entries = vec![entry];
    if rt.status_subresource {
        entries.push(json!({
            "name": format!("{}/status", rt.plural),
            "singularName": "",
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": STATUS_VERBS,
        }));
    }
    entries
}
