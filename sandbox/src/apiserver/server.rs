//! The API server's HTTPS listener, and what comes before routing for every API request:
//! recording, fault injection and authentication.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tower::ServiceExt;

use super::auth::ANONYMOUS_USER;
use super::handle::{KubeApi, RequestRecord};
use super::status::ApiError;
use crate::faults::FaultKind;
use crate::serving::{ServerHandle, serve_admitting};

/// An injected fault that closes the connection without an answer.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault")]
struct Dropped;

/// A listener on an unused loopback port.
pub async fn bind() -> anyhow::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding a loopback port for the sandbox API server")
}

/// Accepts TLS connections on `listener` and serves `router` for `api` on each.
pub fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    api: KubeApi,
    router: Router,
) -> ServerHandle {
    let faults = api.clone();
    serve_admitting(
        listener,
        Some(tls),
        move || !faults.inner.faults.gone(),
        move |request| handle(api.clone(), router.clone(), request),
    )
}

async fn handle(
    api: KubeApi,
    router: Router,
    request: http::Request<Incoming>,
) -> Result<Response, Dropped> {
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_string(), ToString::to_string);
    let user = api.inner.users.authenticate(request.headers());
    let mut record = RequestRecord {
        method: method.to_string(),
        path: path.clone(),
        status: 0,
        user: user
            .as_ref()
            .map_or(ANONYMOUS_USER.to_string(), |u| u.name.clone()),
    };
    let fault = api.inner.faults.take(&method, &path);
    if let Some(FaultKind::ConcurrentWrite {
        group,
        resource,
        object,
    }) = &fault
    {
        api.put_object(group, resource, object.clone());
    }
    let response = match (fault, user) {
        (Some(FaultKind::DropConnection | FaultKind::GoAway), _) => {
            api.record_request(record);
            return Err(Dropped);
        }
        (Some(FaultKind::Status(code)), _) => ApiError::from_code(code).into_response(),
        (Some(FaultKind::TooManyRequests { retry_after_secs }), _) => {
            ApiError::too_many_requests(retry_after_secs).into_response()
        }
        (None | Some(FaultKind::ConcurrentWrite { .. }), None) => {
            ApiError::unauthorized().into_response()
        }
        (None | Some(FaultKind::ConcurrentWrite { .. }), Some(user)) => {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(user);
            match router.oneshot(request).await {
                Ok(response) => response,
                Err(infallible) => match infallible {},
            }
        }
    };
    record.status = response.status().as_u16();
    api.record_request(record);
    Ok(response)
}
