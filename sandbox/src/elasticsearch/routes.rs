//! The HTTP face of an emulated cluster: one axum handler per endpoint, and the router that
//! puts them behind request recording, authentication and fault injection.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Map, Value, json};

use super::cluster::Cluster;
use super::cross_cluster::{self, IndicesByCluster};
use super::errors::EsError;
use super::journal::path_and_query;
use super::params::{Params, check_known, flag};
use super::remote::{self, Demand, LinkStatus};
use super::request_body::json_body;
use super::settings::{SettingsUpdate, render};
use super::{auth, faults, info, journal, registry, security};

type Shared = State<Arc<Cluster>>;
type Answer = Result<axum::Json<Value>, EsError>;

/// Every endpoint of the emulated cluster, authentication and recording included.
pub fn router(cluster: Arc<Cluster>) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/_cluster/settings", get(get_settings).put(put_settings))
        .route("/_cluster/health", get(health))
        .route("/_license", get(license))
        .route("/_license/start_trial", post(security::start_trial))
        .route(
            "/_security/cross_cluster/api_key",
            post(security::create_cross_cluster_key),
        )
        .route(
            "/_security/cross_cluster/api_key/{id}",
            put(security::update_cross_cluster_key),
        )
        .route(
            "/_security/api_key",
            get(security::get_keys).delete(security::invalidate_keys),
        )
        .route(
            "/_nodes/reload_secure_settings",
            post(security::reload_secure_settings),
        )
        .route("/_remote/info", get(remote_info))
        .route("/_resolve/cluster/{expression}", get(resolve_cluster))
        .route("/{expression}/_search", get(search).post(search))
        .fallback(no_handler)
        .layer(middleware::from_fn(explain_method_not_allowed))
        .layer(middleware::from_fn_with_state(
            cluster.clone(),
            inject_faults,
        ))
        .layer(middleware::from_fn_with_state(
            cluster.clone(),
            auth::authenticate,
        ))
        .layer(middleware::map_response(mark_product))
        .layer(middleware::from_fn_with_state(
            cluster.clone(),
            record_request,
        ))
        .with_state(cluster)
}

/// Middleware: answers with the cluster's pending fault instead of handling the request.
async fn inject_faults(State(cluster): Shared, request: Request, next: Next) -> Response {
    faults::inject(&cluster.faults, request, next).await
}

/// Middleware: answers the request, then records it in the cluster's journal.
async fn record_request(State(cluster): Shared, request: Request, next: Next) -> Response {
    journal::record(
        &cluster.journal,
        &cluster.config.cluster.name,
        request,
        next,
    )
    .await
}

async fn root(State(cluster): Shared, uri: Uri, Query(params): Query<Params>) -> Answer {
    check_known(uri.path(), &params, &[])?;
    Ok(axum::Json(info::root(&cluster)))
}

async fn health(State(cluster): Shared) -> Answer {
    info::health(&cluster).map(axum::Json)
}

async fn license(State(cluster): Shared, uri: Uri, Query(params): Query<Params>) -> Answer {
    check_known(uri.path(), &params, &["accept_enterprise", "local"])?;
    Ok(axum::Json(info::license(&cluster)))
}

async fn get_settings(State(cluster): Shared, uri: Uri, Query(params): Query<Params>) -> Answer {
    const KNOWN: &[&str] = &[
        "flat_settings",
        "include_defaults",
        "local",
        "master_timeout",
    ];
    check_known(uri.path(), &params, KNOWN)?;
    let flat = flag(&params, "flat_settings")?;
    let settings = cluster.settings();
    let mut body = json!({
        "persistent": render(&settings.persistent, flat),
        "transient": render(&settings.transient, flat),
    });
    if flag(&params, "include_defaults")? {
        // Node settings (elasticsearch.yml) show among the defaults, and only there.
        let node = cluster.node_settings();
        let mut defaults = registry::defaults_not_set(&settings.over(&node));
        defaults.extend(
            node.into_iter()
                .filter(|(key, _)| !settings.effective().contains_key(key)),
        );
        body["defaults"] = render(&defaults, flat);
    }
    Ok(axum::Json(body))
}

async fn put_settings(
    State(cluster): Shared,
    uri: Uri,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    check_known(
        uri.path(),
        &params,
        &["flat_settings", "master_timeout", "timeout"],
    )?;
    let flat = flag(&params, "flat_settings")?;
    let update = SettingsUpdate::from_json(&json_body(&headers, &body)?)?;
    let applied = cluster.update_settings(&update)?;
    Ok(axum::Json(json!({
        "acknowledged": cluster.acknowledges(),
        "persistent": render(&applied.persistent, flat),
        "transient": render(&applied.transient, flat),
    })))
}

async fn remote_info(State(cluster): Shared, uri: Uri, Query(params): Query<Params>) -> Answer {
    check_known(uri.path(), &params, &[])?;
    let entries: Map<String, Value> = cluster
        .remotes()
        .iter()
        .map(|remote| {
            let connected = cluster.link_status(remote, Demand::Report) == LinkStatus::Connected;
            let mut entry = remote::info_json(remote, connected);
            // Elasticsearch: RemoteConnectionInfo shows that a key is there, never the key.
            if cluster.has_credentials(&remote.alias) {
                entry["cluster_credentials"] = json!("::es_redacted::");
            }
            (remote.alias.clone(), entry)
        })
        .collect();
    Ok(axum::Json(Value::Object(entries)))
}

async fn resolve_cluster(
    State(cluster): Shared,
    Path(expression): Path<String>,
    uri: Uri,
    Query(params): Query<Params>,
) -> Answer {
    // Older versions have no such endpoint.
    if !cluster.version.has_resolve_cluster() {
        return Err(EsError::no_handler(&Method::GET, &uri.to_string()));
    }
    const INDICES_OPTIONS: &[&str] = &[
        "allow_no_indices",
        "expand_wildcards",
        "ignore_throttled",
        "ignore_unavailable",
    ];
    let mut known = INDICES_OPTIONS.to_vec();
    if cluster.version.has_resolve_cluster_timeout() {
        known.push("timeout");
    }
    check_known(uri.path(), &params, &known)?;
    let remotes = cluster.remotes();
    let targets = IndicesByCluster::group(&expression, &remotes)?;
    Ok(axum::Json(cross_cluster::resolve_cluster(
        &cluster, &remotes, &targets,
    )))
}

async fn search(State(cluster): Shared, Path(expression): Path<String>) -> Answer {
    let remotes = cluster.remotes();
    let targets = IndicesByCluster::group(&expression, &remotes)?;
    cross_cluster::search(&cluster, &remotes, &targets)
        .await
        .map(axum::Json)
}

async fn no_handler(method: Method, uri: Uri) -> EsError {
    EsError::no_handler(&method, &uri.to_string())
}

/// Middleware: gives axum's bare 405 Elasticsearch's body, keeping its `Allow` header.
async fn explain_method_not_allowed(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let uri = path_and_query(&request);
    let response = next.run(request).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let allowed: Vec<String> = allow
        .as_ref()
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(',')
                .map(|method| method.trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let mut explained = EsError::method_not_allowed(&method, &uri, &allowed).into_response();
    if let Some(allow) = allow {
        explained.headers_mut().insert(header::ALLOW, allow);
    }
    explained
}

/// Elasticsearch names itself on every answer past authentication; clients check for it.
async fn mark_product(mut response: Response) -> Response {
    if response.status() != StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            "x-elastic-product",
            HeaderValue::from_static("Elasticsearch"),
        );
    }
    response
}
