//! HTTP serving for the sandbox (HTTP/1.1 and h2, upgrades included), over TLS or plain:
//! the accept loop and the per-connection service shared by the API servers and the
//! emulated Elasticsearch clusters (which serve plain HTTP when their HTTP TLS is off, and
//! serve port-forwards over in-memory pipes).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;
use tower::util::Oneshot;

/// Stops the server (and its open connections) when dropped.
#[derive(Debug)]
pub struct ServerHandle(JoinHandle<()>);

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A request handler that answers with `router` alone.
pub fn answer_with(
    router: Router,
) -> impl Fn(http::Request<Incoming>) -> Oneshot<Router, http::Request<Body>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |request| router.clone().oneshot(request.map(Body::new))
}

/// Accepts connections on `listener`, TLS ones when `tls` is given and plain HTTP ones
/// otherwise, and answers every request on them with `handler` (an error closes the
/// connection without an answer).
pub fn serve_with<H, F, E>(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    handler: H,
) -> ServerHandle
where
    H: Fn(http::Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    serve_admitting(listener, tls, || true, handler)
}

/// As [`serve_with`], closing at once every connection made while `admit` says no (a
/// server that went away).
pub fn serve_admitting<A, H, F, E>(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    admit: A,
    handler: H,
) -> ServerHandle
where
    A: Fn() -> bool + Send + 'static,
    H: Fn(http::Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let acceptor = tls.map(TlsAcceptor::from);
    ServerHandle(tokio::spawn(async move {
        // Dropping the set (when this task is aborted) aborts every connection.
        let mut connections = JoinSet::new();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of file descriptors or similar: give the system a moment.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            };
            if !admit() {
                drop(stream);
                continue;
            }
            connections.spawn(serve_connection(acceptor.clone(), stream, handler.clone()));
            // Reap finished connections so the set does not grow without bound.
            while connections.try_join_next().is_some() {}
        }
    }))
}

/// Serves HTTP/1.1 or h2 (upgrades included) over one connection on `stream`, which may be
/// a socket or an in-memory pipe, until either side closes it: TLS first when `acceptor` is
/// given, plain HTTP otherwise.
pub async fn serve_connection<S, H, F, E>(acceptor: Option<TlsAcceptor>, stream: S, handler: H)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(http::Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Response, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    match acceptor {
        Some(acceptor) => {
            if let Ok(stream) = acceptor.accept(stream).await {
                serve_http(stream, handler).await;
            }
        }
        None => serve_http(stream, handler).await,
    }
}

async fn serve_http<S, H, F, E>(stream: S, handler: H)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(http::Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Response, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let service = hyper::service::service_fn(handler);
    let builder = auto::Builder::new(TokioExecutor::new());
    // A client going away mid-request is not the server's problem.
    let _ = builder
        .serve_connection_with_upgrades(TokioIo::new(stream), service)
        .await;
}
