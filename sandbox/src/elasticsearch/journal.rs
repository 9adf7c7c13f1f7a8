//! The record of every request an emulated cluster answered (method, path with query, status),
//! for tests and the benchmark. Headers are never recorded, so no credentials end up here.

use std::sync::{Mutex, PoisonError};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// One request an emulated cluster answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The path with its query string.
    pub path: String,
    pub status: u16,
}

#[derive(Debug, Default)]
pub struct Journal {
    records: Mutex<Vec<RequestRecord>>,
}

impl Journal {
    pub fn records(&self) -> Vec<RequestRecord> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn push(&self, record: RequestRecord) {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }
}

/// Middleware: answers the request, then records it with its final status.
pub async fn record(journal: &Journal, cluster: &str, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = path_and_query(&request);
    let response = next.run(request).await;
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, status, %cluster, "elasticsearch request");
    journal.push(RequestRecord {
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
