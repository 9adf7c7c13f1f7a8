//! The record of every request an emulated cluster answered (method, path with query, status),
//! for tests and the benchmark. Headers are never recorded, so no credentials end up here.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::cluster::Cluster;
use super::{RequestRecord, lock};

#[derive(Debug, Default)]
pub struct Journal {
    records: Mutex<Vec<RequestRecord>>,
}

impl Journal {
    pub fn records(&self) -> Vec<RequestRecord> {
        lock(&self.records).clone()
    }

    fn push(&self, record: RequestRecord) {
        lock(&self.records).push(record);
    }
}

/// Middleware: answers the request, then records it with its final status.
pub async fn record(State(cluster): State<Arc<Cluster>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = path_and_query(&request);
    let response = next.run(request).await;
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, status, cluster = %cluster.config.cluster.name, "elasticsearch request");
    cluster.journal.push(RequestRecord {
        method,
        path,
        status,
    });
    response
}

/// The request's path with its query string, as Elasticsearch quotes it in messages.
pub fn path_and_query(request: &Request) -> String {
    request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_owned(), ToString::to_string)
}
