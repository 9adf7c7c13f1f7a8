//! OpenAPI v3 documents: the index (`/openapi/v3`) and one document per served group
//! version, with each resource's operations, the query parameters the server honours and
//! the kinds' schemas. kubectl reads them to learn that the server validates fields itself.
//!
//! The Elasticsearch schema is the CRD's; the core kinds get a permissive object schema
//! (known type fields and metadata, anything else preserved): this server does not carry
//! the built-in types' full schemas. `/openapi/v2` is not served: kubectl 1.32 asks it only
//! when the v3 documents are missing.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, LOCATION};
use http::{HeaderValue, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha512};

use super::handle::KubeApi;
use super::patch;
use super::resources::{Registry, ResourceType};
use super::status::ApiError;

const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1";

/// The `hash` query parameter of a document's URL.
#[derive(Debug, Deserialize)]
pub struct HashParam {
    hash: Option<String>,
}

/// `GET /openapi/v3`: where the document of each served group version is.
pub async fn index(State(api): State<KubeApi>) -> Response {
    let paths: Map<String, Value> = group_versions(&api.inner.registry)
        .into_iter()
        .filter_map(|(group, version)| {
            let document = document(&api.inner.registry, group, version)?;
            let path = document_path(group, version);
            let url = format!("/openapi/v3/{path}?hash={}", hash(&document));
            Some((path, json!({"serverRelativeURL": url})))
        })
        .collect();
    json_response(&json!({"paths": paths}), "no-cache, private", None)
}

/// `GET /openapi/v3/api/v1`.
pub async fn core(State(api): State<KubeApi>, Query(param): Query<HashParam>) -> Response {
    serve(&api, "", "v1", param.hash.as_deref())
}

/// `GET /openapi/v3/apis/GROUP/VERSION`.
pub async fn group(
    State(api): State<KubeApi>,
    Path((group, version)): Path<(String, String)>,
    Query(param): Query<HashParam>,
) -> Response {
    serve(&api, &group, &version, param.hash.as_deref())
}

/// A document as the API server hands it out: cacheable for good under its current hash,
/// redirected to the current hash under another, not cached without one.
fn serve(api: &KubeApi, group: &str, version: &str, wanted: Option<&str>) -> Response {
    let Some(document) = document(&api.inner.registry, group, version) else {
        return ApiError::unknown_path().into_response();
    };
    let current = hash(&document);
    match wanted {
        Some(wanted) if wanted != current => {
            let location = format!(
                "/openapi/v3/{}?hash={current}",
                document_path(group, version)
            );
            let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(LOCATION, value);
            }
            response
        }
        Some(_) => json_response(&document, "public, immutable", Some(&current)),
        None => json_response(&document, "no-cache, private", Some(&current)),
    }
}

fn json_response(body: &Value, cache_control: &'static str, etag: Option<&str>) -> Response {
    let mut response = (
        [
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (CACHE_CONTROL, HeaderValue::from_static(cache_control)),
        ],
        body.to_string(),
    )
        .into_response();
    if let Some(value) = etag.and_then(|e| HeaderValue::from_str(&format!("\"{e}\"")).ok()) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}

/// The served group versions, core first, each once.
fn group_versions(registry: &Registry) -> Vec<(&'static str, &'static str)> {
    let mut served: Vec<(&'static str, &'static str)> = Vec::new();
    for rt in registry.all() {
        if !served.contains(&(rt.group, rt.version)) {
            served.push((rt.group, rt.version));
        }
    }
    served
}

/// `api/v1`, or `apis/GROUP/VERSION`: the key of the index, and the URL under `/openapi/v3`.
fn document_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The upper-case hex SHA-512 of the document, as the API server names its versions.
fn hash(document: &Value) -> String {
    Sha512::digest(document.to_string().as_bytes())
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect()
}

/// The OpenAPI document of one group version, if this server serves it.
pub fn document(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let types: Vec<&'static ResourceType> = registry.in_group_version(group, version).collect();
    if types.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    let mut schemas = meta_schemas();
    for rt in types {
        paths.extend(resource_paths(rt));
        schemas.insert(schema_name(rt, rt.kind), kind_schema(registry, rt));
        schemas.insert(schema_name(rt, &rt.list_kind()), list_schema(rt));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}

/// `io.k8s.api.core.v1.Secret`, `io.k8s.api.apps.v1.StatefulSet`, or for a custom resource
/// its group reversed: `co.elastic.k8s.elasticsearch.v1.Elasticsearch`.
fn schema_name(rt: &ResourceType, kind: &str) -> String {
    if !rt.custom {
        let group = if rt.group.is_empty() {
            "core"
        } else {
            rt.group
        };
        format!("io.k8s.api.{group}.{}.{kind}", rt.version)
    } else {
        let reversed: Vec<&str> = rt.group.split('.').rev().collect();
        format!("{}.{}.{kind}", reversed.join("."), rt.version)
    }
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn gvk(rt: &ResourceType, kind: &str) -> Value {
    json!({"group": rt.group, "version": rt.version, "kind": kind})
}

/// The paths of a resource: its collection, its objects, their status and (pods) their
/// port-forwards; for a namespaced resource also its collection across namespaces.
fn resource_paths(rt: &'static ResourceType) -> Map<String, Value> {
    let root = format!("/{}", document_path(rt.group, rt.version));
    let scope = if rt.namespaced {
        format!("{root}/namespaces/{{namespace}}/{}", rt.plural)
    } else {
        format!("{root}/{}", rt.plural)
    };
    let name = path_parameter("name", &format!("name of the {}", rt.kind));
    let namespace = path_parameter("namespace", "object name and auth scope");
    let scope_parameters: Vec<Value> = if rt.namespaced {
        vec![namespace.clone()]
    } else {
        vec![]
    };
    let with_name = |mut parameters: Vec<Value>| {
        parameters.insert(0, name.clone());
        Value::Array(parameters)
    };
    let mut paths = Map::new();
    paths.insert(
        scope.clone(),
        json!({
            "get": operation(rt, Action::List, ""),
            "post": operation(rt, Action::Post, ""),
            "parameters": scope_parameters,
        }),
    );
    paths.insert(
        format!("{scope}/{{name}}"),
        json!({
            "get": operation(rt, Action::Get, ""),
            "put": operation(rt, Action::Put, ""),
            "patch": operation(rt, Action::Patch, ""),
            "delete": operation(rt, Action::Delete, ""),
            "parameters": with_name(scope_parameters.clone()),
        }),
    );
    if rt.status_subresource {
        paths.insert(
            format!("{scope}/{{name}}/status"),
            json!({
                "get": operation(rt, Action::Get, "Status"),
                "put": operation(rt, Action::Put, "Status"),
                "patch": operation(rt, Action::Patch, "Status"),
                "parameters": with_name(scope_parameters.clone()),
            }),
        );
    }
    if rt.namespaced {
        paths.insert(
            format!("{root}/{}", rt.plural),
            json!({"get": operation(rt, Action::ListAll, ""), "parameters": []}),
        );
    }
    if rt.kind == "Pod" {
        paths.insert(
            format!("{scope}/{{name}}/portforward"),
            port_forward(rt, with_name(scope_parameters)),
        );
    }
    paths
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    List,
    ListAll,
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Action {
    /// The operation's verb in its id, and its `x-kubernetes-action`.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Action::List | Action::ListAll => ("list", "list"),
            Action::Get => ("read", "get"),
            Action::Post => ("create", "post"),
            Action::Put => ("replace", "put"),
            Action::Patch => ("patch", "patch"),
            Action::Delete => ("delete", "delete"),
        }
    }

    /// The query parameters the server honours for this action.
    fn query_parameters(self) -> Vec<Value> {
        let write = [
            query_parameter(
                "dryRun",
                "string",
                "When present (All), the write is not stored",
            ),
            query_parameter(
                "fieldManager",
                "string",
                "The name of the writer (required for server-side apply)",
            ),
            query_parameter(
                "fieldValidation",
                "string",
                "Ignore, Warn (the default) or Strict: how unknown fields are handled",
            ),
        ];
        match self {
            Action::List | Action::ListAll => vec![
                query_parameter("fieldSelector", "string", "Selects objects by field"),
                query_parameter("labelSelector", "string", "Selects objects by label"),
                query_parameter("resourceVersion", "string", "Where a watch starts"),
                query_parameter(
                    "sendInitialEvents",
                    "boolean",
                    "A watch sends the objects first",
                ),
                query_parameter("timeoutSeconds", "integer", "How long a watch lasts"),
                query_parameter("watch", "boolean", "Watch for changes instead of listing"),
            ],
            Action::Get => vec![],
            Action::Post | Action::Put | Action::Patch => write.to_vec(),
            Action::Delete => write[..1].to_vec(),
        }
    }
}

/// One operation on a resource (`subresource` is `Status` for the status subresource).
fn operation(rt: &ResourceType, action: Action, subresource: &str) -> Value {
    let (verb, kubernetes_action) = action.names();
    let scope = match action {
        Action::ListAll => format!("{}ForAllNamespaces", rt.kind),
        _ if rt.namespaced => format!("Namespaced{}", rt.kind),
        _ => rt.kind.to_string(),
    };
    let body_kind = if matches!(action, Action::List | Action::ListAll) {
        rt.list_kind()
    } else {
        rt.kind.to_string()
    };
    let body = reference(&schema_name(rt, &body_kind));
    let ok = json!({"description": "OK", "content": {"application/json": {"schema": body}}});
    let mut responses = json!({"200": ok, "401": {"description": "Unauthorized"}});
    if action == Action::Post {
        responses["201"] =
            json!({"description": "Created", "content": {"application/json": {"schema": body}}});
    }
    let mut operation = json!({
        "operationId": format!("{verb}{}{scope}{subresource}", tag_prefix(rt)),
        "tags": [format!("{}_{}", tag_prefix_lower(rt), rt.version)],
        "parameters": action.query_parameters(),
        "responses": responses,
        "x-kubernetes-action": kubernetes_action,
        "x-kubernetes-group-version-kind": gvk(rt, rt.kind),
    });
    let request_types: Vec<&str> = match action {
        Action::Post | Action::Put => vec!["application/json", "application/yaml"],
        Action::Patch => patch::accepted(rt),
        Action::Delete => vec!["application/json"],
        _ => vec![],
    };
    if !request_types.is_empty() {
        let schema = match action {
            Action::Patch => reference(&format!("{META}.Patch")),
            Action::Delete => reference(&format!("{META}.DeleteOptions")),
            _ => body.clone(),
        };
        let content: Map<String, Value> = request_types
            .into_iter()
            .map(|t| (t.to_string(), json!({"schema": schema})))
            .collect();
        operation["requestBody"] =
            json!({"content": content, "required": action != Action::Delete});
    }
    operation
}

/// `CoreV1`, or the group in camel case and the version: `ElasticsearchK8sElasticCoV1`.
fn tag_prefix(rt: &ResourceType) -> String {
    let mut prefix = upper_first(&tag_prefix_lower(rt));
    prefix.push_str(&upper_first(rt.version));
    prefix
}

/// `core`, or the group in camel case: `elasticsearchK8sElasticCo`.
fn tag_prefix_lower(rt: &ResourceType) -> String {
    if rt.group.is_empty() {
        return "core".to_string();
    }
    let mut parts = rt.group.split('.');
    let first = parts.next().unwrap_or_default().to_string();
    parts.fold(first, |camel, part| camel + &upper_first(part))
}

fn upper_first(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn port_forward(rt: &ResourceType, parameters: Value) -> Value {
    let connect = |verb: &str| {
        json!({
            "operationId": format!("connect{verb}CoreV1NamespacedPodPortforward"),
            "tags": ["core_v1"],
            "parameters": [query_parameter("ports", "integer", "The pod's ports to forward")],
            "responses": {"200": {"description": "OK", "content": {"*/*": {"schema": {"type": "string"}}}}},
            "x-kubernetes-action": "connect",
            "x-kubernetes-group-version-kind": gvk(rt, "PodPortForwardOptions"),
        })
    };
    json!({"get": connect("Get"), "post": connect("Post"), "parameters": parameters})
}

fn path_parameter(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "description": description, "required": true,
           "schema": {"type": "string", "uniqueItems": true}})
}

fn query_parameter(name: &str, kind: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "description": description,
           "schema": {"type": kind, "uniqueItems": true}})
}

/// The schema of a kind: the CRD's for a custom resource (its metadata the shared
/// `ObjectMeta`), a permissive object for the built-in kinds.
fn kind_schema(registry: &Registry, rt: &ResourceType) -> Value {
    let mut schema = if rt.custom {
        registry
            .elasticsearch_crd()
            .schema
            .open_api_v3_schema
            .clone()
    } else {
        json!({
            "type": "object",
            "description": format!("{} (this sandbox describes only its type fields and metadata; other fields are not described here)", rt.kind),
            "x-kubernetes-preserve-unknown-fields": true,
            "properties": {},
        })
    };
    schema["properties"]["apiVersion"] = json!({"type": "string"});
    schema["properties"]["kind"] = json!({"type": "string"});
    schema["properties"]["metadata"] =
        json!({"allOf": [reference(&format!("{META}.ObjectMeta"))], "default": {}});
    schema["x-kubernetes-group-version-kind"] = json!([gvk(rt, rt.kind)]);
    schema
}

fn list_schema(rt: &ResourceType) -> Value {
    let list_kind = rt.list_kind();
    json!({
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "items": {"type": "array", "items": reference(&schema_name(rt, rt.kind))},
            "metadata": {"allOf": [reference(&format!("{META}.ListMeta"))], "default": {}},
        },
        "x-kubernetes-group-version-kind": [gvk(rt, &list_kind)],
    })
}

/// The meta/v1 types the documents refer to. `ObjectMeta` describes the fields clients
/// write and preserves the rest.
fn meta_schemas() -> Map<String, Value> {
    let string_map =
        json!({"type": "object", "additionalProperties": {"type": "string", "default": ""}});
    let mut schemas = Map::new();
    schemas.insert(
        format!("{META}.ObjectMeta"),
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "namespace": {"type": "string"},
                "generateName": {"type": "string"},
                "labels": string_map,
                "annotations": string_map,
                "resourceVersion": {"type": "string"},
                "uid": {"type": "string"},
                "generation": {"type": "integer", "format": "int64"},
                "creationTimestamp": {"type": "string", "format": "date-time"},
                "deletionTimestamp": {"type": "string", "format": "date-time"},
                "finalizers": {"type": "array", "items": {"type": "string", "default": ""}},
            },
            "x-kubernetes-preserve-unknown-fields": true,
        }),
    );
    schemas.insert(
        format!("{META}.ListMeta"),
        json!({"type": "object", "properties": {
            "resourceVersion": {"type": "string"},
            "continue": {"type": "string"},
        }}),
    );
    for kind in ["Status", "DeleteOptions"] {
        schemas.insert(
            format!("{META}.{kind}"),
            json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                   "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": kind}]}),
        );
    }
    schemas.insert(
        format!("{META}.Patch"),
        json!({"type": "object", "description": "A patch in one of the accepted patch types"}),
    );
    schemas
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::crd::EckRelease;
    use crate::apiserver::resources::ES_GROUP;

    fn patch_operations<'a>(document: &'a Value, kind: &str) -> Vec<(&'a String, &'a Value)> {
        document["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(path, item)| item.get("patch").map(|op| (path, op)))
            .filter(|(_, op)| op["x-kubernetes-group-version-kind"]["kind"] == kind)
            .collect()
    }

    fn parameter_names(operation: &Value) -> Vec<&str> {
        operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str())
            .collect()
    }

    #[test]
    fn every_patch_of_every_kind_takes_field_validation() {
        let registry = Registry::new(true, EckRelease::default());
        for (group, version) in group_versions(&registry) {
            let document = document(&registry, group, version).expect("served");
            for rt in registry.in_group_version(group, version) {
                let patches = patch_operations(&document, rt.kind);
                let expected = if rt.status_subresource { 2 } else { 1 };
                assert_eq!(patches.len(), expected, "{}", rt.kind);
                for (path, op) in patches {
                    assert_eq!(op["x-kubernetes-group-version-kind"], gvk(rt, rt.kind));
                    let names = parameter_names(op);
                    for name in ["fieldValidation", "dryRun", "fieldManager"] {
                        assert!(names.contains(&name), "{path} lacks {name}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_elasticsearch_document_carries_the_crd_schema_and_its_paths() {
        let document =
            document(&Registry::new(true, EckRelease::default()), ES_GROUP, "v1").expect("served");
        let schema =
            &document["components"]["schemas"]["co.elastic.k8s.elasticsearch.v1.Elasticsearch"];
        assert_eq!(
            schema["x-kubernetes-group-version-kind"],
            json!([{"group": ES_GROUP, "version": "v1", "kind": "Elasticsearch"}])
        );
        assert_eq!(
            schema["properties"]["spec"],
            crate::apiserver::crd::elasticsearch()
                .schema
                .open_api_v3_schema["properties"]["spec"]
        );
        let item = &document["paths"]["/apis/elasticsearch.k8s.elastic.co/v1/namespaces/{namespace}/elasticsearches/{name}"];
        for method in ["get", "put", "patch", "delete"] {
            assert!(item[method].is_object(), "{method}");
        }
        let patch_types = item["patch"]["requestBody"]["content"]
            .as_object()
            .expect("content");
        assert!(!patch_types.contains_key(patch::STRATEGIC));
        assert!(patch_types.contains_key(patch::MERGE));
        let all = &document["paths"]["/apis/elasticsearch.k8s.elastic.co/v1/elasticsearches"];
        assert_eq!(all["get"]["x-kubernetes-action"], "list");
    }

    #[test]
    fn without_the_crd_there_is_no_elasticsearch_document() {
        let registry = Registry::new(false, EckRelease::default());
        assert_eq!(document(&registry, ES_GROUP, "v1"), None);
        assert_eq!(group_versions(&registry), [("", "v1"), ("apps", "v1")]);
        assert_eq!(
            group_versions(&Registry::new(true, EckRelease::default())),
            [("", "v1"), ("apps", "v1"), (ES_GROUP, "v1")]
        );
    }

    #[test]
    fn built_in_kinds_of_a_group_are_named_as_kubernetes_names_them() {
        let document =
            document(&Registry::new(true, EckRelease::default()), "apps", "v1").expect("served");
        let schemas = &document["components"]["schemas"];
        assert!(schemas["io.k8s.api.apps.v1.StatefulSet"].is_object());
        assert!(schemas["io.k8s.api.apps.v1.StatefulSetList"].is_object());
    }

    #[test]
    fn core_kinds_are_described_permissively_with_namespaces_cluster_scoped() {
        let document =
            document(&Registry::new(true, EckRelease::default()), "", "v1").expect("served");
        let secret = &document["components"]["schemas"]["io.k8s.api.core.v1.Secret"];
        assert_eq!(secret["x-kubernetes-preserve-unknown-fields"], true);
        assert_eq!(
            secret["x-kubernetes-group-version-kind"],
            json!([{"group": "", "version": "v1", "kind": "Secret"}])
        );
        let paths = document["paths"].as_object().expect("paths");
        assert!(paths.contains_key("/api/v1/namespaces/{name}/status"));
        assert!(paths.contains_key("/api/v1/namespaces/{namespace}/secrets/{name}"));
        assert!(paths.contains_key("/api/v1/namespaces/{namespace}/pods/{name}/portforward"));
        assert!(!paths.contains_key("/api/v1/namespaces/{namespace}/namespaces"));
    }

    #[test]
    fn the_hash_names_the_document() {
        let registry = Registry::new(true, EckRelease::default());
        let one = document(&registry, "", "v1").expect("served");
        assert_eq!(
            hash(&one),
            hash(&document(&registry, "", "v1").expect("served"))
        );
        assert_eq!(hash(&one).len(), 128);
        assert_ne!(
            hash(&one),
            hash(&document(&registry, ES_GROUP, "v1").expect("served"))
        );
    }
}
