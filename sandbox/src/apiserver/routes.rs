//! HTTP routes of the emulated API server: discovery, OpenAPI documents, and resource paths
//! (`/api/v1/...`, `/apis/GROUP/VERSION/...`) parsed into a target, authorized, and
//! answered with get, list, watch, create, update, patch or delete; and pods' port-forwards.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Extension, Json, Router};
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::{Value, json};

use super::auth::{Attributes, User};
use super::discovery;
use super::handle::KubeApi;
use super::handle::Origin;
use super::openapi;
use super::patch::PatchKind;
use super::portforward;
use super::protobuf;
use super::resources::{NAMESPACES, ResourceType};
use super::selectors::Selectors;
use super::status::ApiError;
use super::store::WatchStart;
use super::strategy::FieldValidation;
use super::table::{self, IncludeObject};
use super::watch::{self, WatchRequest};
use super::write::{ObjectAddress, Part, WriteOptions, Written};

pub fn router(api: KubeApi) -> Router {
    Router::new()
        .route("/version", get(discovery::version))
        .route("/api", get(discovery::core_versions))
        .route("/api/v1", get(discovery::core_resources))
        .route("/apis", get(discovery::groups))
        .route("/apis/{group}", get(discovery::group))
        .route("/apis/{group}/{version}", get(discovery::group_resources))
        .route("/openapi/v3", get(openapi::index))
        .route("/openapi/v3/api/v1", get(openapi::core))
        .route("/openapi/v3/apis/{group}/{version}", get(openapi::group))
        .route(
            "/api/v1/namespaces/{namespace}/pods/{pod}/portforward",
            get(portforward::open).post(portforward::open),
        )
        .route("/api/v1/{*rest}", any(core_resource))
        .route("/apis/{group}/{version}/{*rest}", any(group_resource))
        .fallback(|| async { ApiError::unknown_path() })
        .with_state(api)
}

type Params = HashMap<String, String>;

/// Everything a resource request carries.
struct ResourceRequest {
    method: Method,
    group: String,
    version: String,
    path: String,
    params: Params,
    headers: HeaderMap,
    body: Bytes,
}

async fn core_resource(
    State(api): State<KubeApi>,
    Extension(user): Extension<Arc<User>>,
    method: Method,
    Path(path): Path<String>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = ResourceRequest {
        method,
        group: String::new(),
        version: "v1".into(),
        path,
        params,
        headers,
        body,
    };
    handle(&api, &user, request).unwrap_or_else(IntoResponse::into_response)
}

async fn group_resource(
    State(api): State<KubeApi>,
    Extension(user): Extension<Arc<User>>,
    method: Method,
    Path((group, version, path)): Path<(String, String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = ResourceRequest {
        method,
        group,
        version,
        path,
        params,
        headers,
        body,
    };
    handle(&api, &user, request).unwrap_or_else(IntoResponse::into_response)
}

/// Where a resource path points.
struct Location {
    rt: &'static ResourceType,
    /// None: cluster-scoped, or all namespaces.
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
}

impl Location {
    fn parse(api: &KubeApi, group: &str, version: &str, path: &str) -> Result<Self, ApiError> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let find = |plural: &str| {
            api.inner
                .registry
                .find(group, plural)
                .filter(|rt| rt.version == version)
        };
        let (rt, namespace, rest) = match segments.as_slice() {
            ["namespaces", namespace, plural, rest @ ..]
                if find(plural).is_some_and(|rt| rt.namespaced) =>
            {
                (find(plural), Some((*namespace).to_string()), rest)
            }
            [plural, rest @ ..] => (find(plural), None, rest),
            [] => (None, None, &[][..]),
        };
        let rt = rt.ok_or_else(ApiError::unknown_path)?;
        let (name, subresource) = match rest {
            [] => (None, None),
            [name] => (Some((*name).to_string()), None),
            [name, sub] => (Some((*name).to_string()), Some((*sub).to_string())),
            _ => return Err(ApiError::unknown_path()),
        };
        if rt.namespaced && namespace.is_none() && name.is_some() {
            return Err(ApiError::unknown_path());
        }
        Ok(Location {
            rt,
            namespace,
            name,
            subresource,
        })
    }

    /// The namespace RBAC sees: a namespace's own name for requests on it.
    fn authorization_namespace(&self) -> Option<&str> {
        if self.rt == &NAMESPACES {
            self.name.as_deref()
        } else {
            self.namespace.as_deref()
        }
    }

    fn address(&self) -> Result<ObjectAddress<'_>, ApiError> {
        Ok(ObjectAddress {
            rt: self.rt,
            namespace: self.namespace.as_deref().unwrap_or_default(),
            name: self.name.as_deref().unwrap_or_default(),
            part: Part::of_subresource(self.subresource.as_deref())?,
        })
    }
}

fn handle(api: &KubeApi, user: &User, request: ResourceRequest) -> Result<Response, ApiError> {
    let location = Location::parse(api, &request.group, &request.version, &request.path)?;
    let watching = matches!(
        request.params.get("watch").map(String::as_str),
        Some("true" | "1")
    );
    let verb = match (&request.method, location.name.is_some()) {
        (&Method::GET, true) => "get",
        (&Method::GET, false) if watching => "watch",
        (&Method::GET, false) => "list",
        (&Method::POST, false) => "create",
        (&Method::PUT, true) => "update",
        (&Method::PATCH, true) => "patch",
        (&Method::DELETE, true) => "delete",
        _ => return Err(ApiError::method_not_allowed()),
    };
    if location.name.is_none() && location.subresource.is_some() {
        return Err(ApiError::unknown_path());
    }
    user.authorize(&Attributes {
        verb,
        rt: location.rt,
        subresource: location.subresource.as_deref(),
        namespace: location.authorization_namespace(),
        name: location.name.as_deref(),
    })?;
    match verb {
        "get" => get_object(api, &location, &request),
        "list" => list(api, &location, &request),
        "watch" => start_watch(api, &location, &request),
        "create" => create(api, &location, &request),
        "update" => update(api, &location, &request),
        "patch" => patch_object(api, &location, &request),
        _ => delete(api, &location, &request),
    }
}

fn header(request: &ResourceRequest, name: http::HeaderName) -> &str {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn param<'a>(request: &'a ResourceRequest, name: &str) -> Option<&'a str> {
    request.params.get(name).map(String::as_str)
}

fn selectors(request: &ResourceRequest) -> Result<Selectors, ApiError> {
    Selectors::parse(
        param(request, "labelSelector"),
        param(request, "fieldSelector"),
    )
}

/// A Table of the objects, when the client asked for one.
fn table_response(
    rt: &ResourceType,
    objects: &[Value],
    version: u64,
    request: &ResourceRequest,
) -> Option<Response> {
    table::wants_table(header(request, ACCEPT)).then(|| {
        let include = IncludeObject::parse(param(request, "includeObject"));
        Json(table::table(rt, objects, version, include)).into_response()
    })
}

fn get_object(
    api: &KubeApi,
    location: &Location,
    request: &ResourceRequest,
) -> Result<Response, ApiError> {
    let target = location.address()?;
    let object = api
        .inner
        .store
        .get(target.rt, target.namespace, target.name)
        .ok_or_else(|| ApiError::not_found(target.rt, target.name))?;
    let version = api.inner.store.resource_version();
    Ok(
        table_response(location.rt, std::slice::from_ref(&object), version, request)
            .unwrap_or_else(|| Json(object).into_response()),
    )
}

fn list(
    api: &KubeApi,
    location: &Location,
    request: &ResourceRequest,
) -> Result<Response, ApiError> {
    let rt = location.rt;
    let selectors = selectors(request)?;
    let (items, version) = api.inner.store.list(rt, location.namespace.as_deref());
    let items: Vec<Value> = items.into_iter().filter(|o| selectors.matches(o)).collect();
    if let Some(table) = table_response(rt, &items, version, request) {
        return Ok(table);
    }
    let metadata_only = header(request, ACCEPT).contains("as=PartialObjectMetadataList");
    let items: Vec<Value> = items
        .into_iter()
        .map(|mut item| {
            if metadata_only {
                json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": item["metadata"].take()})
            } else if rt.custom {
                item
            } else {
                // Typed lists carry no type fields on their items.
                if let Some(map) = item.as_object_mut() {
                    map.remove("kind");
                    map.remove("apiVersion");
                }
                item
            }
        })
        .collect();
    let (kind, api_version) = if metadata_only {
        (
            "PartialObjectMetadataList".to_string(),
            "meta.k8s.io/v1".to_string(),
        )
    } else {
        (rt.list_kind(), rt.api_version())
    };
    Ok(Json(json!({
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"resourceVersion": version.to_string()},
        "items": items,
    }))
    .into_response())
}

fn start_watch(
    api: &KubeApi,
    location: &Location,
    request: &ResourceRequest,
) -> Result<Response, ApiError> {
    let rt = location.rt;
    let selectors = selectors(request)?;
    let start =
        match param(request, "resourceVersion") {
            None | Some("" | "0") => WatchStart::Current,
            Some(version) => WatchStart::After(version.parse().map_err(|_| {
                ApiError::bad_request(format!("invalid resource version: {version}"))
            })?),
        };
    let timeout = param(request, "timeoutSeconds")
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs);
    let render: Box<dyn Fn(&Value) -> Value + Send + Sync> =
        if table::wants_table(header(request, ACCEPT)) {
            let include = IncludeObject::parse(param(request, "includeObject"));
            Box::new(move |object| {
                let version = object["metadata"]["resourceVersion"]
                    .as_str()
                    .and_then(|v| v.parse().ok());
                table::table(
                    rt,
                    std::slice::from_ref(object),
                    version.unwrap_or(0),
                    include,
                )
            })
        } else {
            Box::new(Value::clone)
        };
    let watch = WatchRequest {
        rt,
        namespace: location.namespace.clone(),
        selectors,
        start,
        timeout,
        send_initial_events: param(request, "sendInitialEvents") == Some("true"),
        render,
    };
    watch::respond(&api.inner.store, watch)
}

fn write_options(request: &ResourceRequest) -> Result<WriteOptions, ApiError> {
    Ok(WriteOptions {
        dry_run: param(request, "dryRun") == Some("All"),
        field_validation: FieldValidation::parse(param(request, "fieldValidation"))?,
        origin: Origin::Api,
    })
}

/// A JSON, YAML or (for the kinds kubectl's typed clients create) protobuf request body.
fn body_object(request: &ResourceRequest) -> Result<Value, ApiError> {
    let content_type = header(request, CONTENT_TYPE);
    if content_type.starts_with(protobuf::MEDIA_TYPE) {
        return protobuf::decode(&request.body);
    }
    let parsed = if content_type.contains("yaml") {
        serde_yaml::from_slice(&request.body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice(&request.body).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| ApiError::bad_request(format!("error decoding the request body: {e}")))
}

fn written(written: Written) -> Response {
    let code = if written.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (code, Json(written.object)).into_response();
    for warning in written.warnings {
        let value = format!("299 - {warning:?}");
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(http::header::WARNING, value);
        }
    }
    response
}

fn create(
    api: &KubeApi,
    location: &Location,
    request: &ResourceRequest,
) -> Result<Response, ApiError> {
    let namespace = location.namespace.as_deref().unwrap_or_default();
    let options = write_options(request)?;
    let mut result = api.create(location.rt, namespace, body_object(request)?, &options)?;
    result.created = true;
    Ok(written(result))
}

fn update(
    api: &KubeApi,
    location: &Location,
    request: &ResourceRequest,
) -> Result<Response, ApiError> {
    let options = write_options(request)?;
    let result = api.replace(location.address()?, body_object(request)?, &options)?;
    Ok(written(result))
}

fn patch_object(
    api: &KubeApi,
    location: &Location,
    request: &ResourceRequest,
) -> Result<Response, ApiError> {
    let kind = PatchKind::for_request(location.rt, header(request, CONTENT_TYPE))?;
    if kind == PatchKind::Apply && param(request, "fieldManager").is_none_or(str::is_empty) {
        return Err(ApiError::unprocessable(
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
        ));
    }
    let options = write_options(request)?;
    let result = api.patch(location.address()?, kind, &request.body, &options)?;
    Ok(written(result))
}

fn delete(
    api: &KubeApi,
    location: &Location,
    request: &ResourceRequest,
) -> Result<Response, ApiError> {
    let target = location.address()?;
    if target.part != Part::Main {
        return Err(ApiError::method_not_allowed());
    }
    let options: Value = if request.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&request.body).map_err(|e| ApiError::bad_request(e.to_string()))?
    };
    let precondition = options["preconditions"]["resourceVersion"].as_str();
    let mut write = write_options(request)?;
    write.dry_run |= options["dryRun"]
        .as_array()
        .is_some_and(|d| d.iter().any(|x| x == "All"));
    let deleted = api.remove(
        target.rt,
        target.namespace,
        target.name,
        precondition,
        &write,
    )?;
    Ok(Json(deleted).into_response())
}
