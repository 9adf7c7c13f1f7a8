//! Fault injection: the next N authenticated requests of a cluster (all of them, or those of
//! one method and path prefix) answer a chosen status with an Elasticsearch error body, to
//! test how clients cope with a failing cluster.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cluster::Cluster;
use super::errors::{Cause, EsError};
use super::journal::path_and_query;
use super::lock;

/// A failure with `status` for the next `times` requests matching `method` and
/// `path_prefix` (None matches any); the prefix is compared with the path and query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EsFault {
    pub method: Option<Method>,
    pub path_prefix: Option<String>,
    pub times: u32,
    /// An invalid status counts as 500.
    pub status: u16,
}

impl EsFault {
    /// `times` failures with `status`, of any request; narrow it with the builder methods.
    pub fn new(times: u32, status: u16) -> Self {
        EsFault {
            method: None,
            path_prefix: None,
            times,
            status,
        }
    }

    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    fn matches(&self, method: &Method, path_and_query: &str) -> bool {
        self.times > 0
            && self.method.as_ref().is_none_or(|m| m == method)
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|prefix| path_and_query.starts_with(prefix))
    }
}

/// The armed faults of one cluster, first armed first used.
#[derive(Debug, Default)]
pub struct Faults {
    armed: Mutex<Vec<EsFault>>,
}

impl Faults {
    /// Arms `fault` after those already armed.
    pub fn inject(&self, fault: EsFault) {
        lock(&self.armed).push(fault);
    }

    /// Disarms every fault still armed, as when the cluster recovers.
    pub fn clear(&self) {
        lock(&self.armed).clear();
    }

    /// Takes one occurrence of the first fault this request meets, if any.
    fn take(&self, method: &Method, path_and_query: &str) -> Option<StatusCode> {
        let mut armed = lock(&self.armed);
        let index = armed
            .iter()
            .position(|fault| fault.matches(method, path_and_query))?;
        let fault = &mut armed[index];
        fault.times -= 1;
        let status = fault.status;
        if fault.times == 0 {
            armed.remove(index);
        }
        Some(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
    }
}

/// Middleware: answers with the pending fault instead of handling the request.
pub async fn inject(State(cluster): State<Arc<Cluster>>, request: Request, next: Next) -> Response {
    match cluster
        .faults
        .take(request.method(), &path_and_query(&request))
    {
        Some(status) => fault_error(status).into_response(),
        None => next.run(request).await,
    }
}

/// The error Elasticsearch gives with such a status, or a generic one.
fn fault_error(status: StatusCode) -> EsError {
    let cause = match status {
        StatusCode::TOO_MANY_REQUESTS => Cause::new(
            "es_rejected_execution_exception",
            "rejected execution of coordinating operation [shard_detailed_coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, max_coordinating_and_primary_bytes=0]",
        ),
        StatusCode::SERVICE_UNAVAILABLE => Cause::new(
            "cluster_block_exception",
            "blocked by: [SERVICE_UNAVAILABLE/2/no master];",
        ),
        _ => Cause::new(
            "exception",
            format!("fault injected by the sandbox ({status})"),
        ),
    };
    EsError::new(status, cause)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: &str = "/_cluster/settings";

    #[test]
    fn a_fault_lasts_the_number_of_times_asked() {
        let faults = Faults::default();
        faults.inject(EsFault::new(2, 503));
        assert_eq!(
            faults.take(&Method::GET, ANY),
            Some(StatusCode::SERVICE_UNAVAILABLE)
        );
        assert_eq!(
            faults.take(&Method::PUT, ANY),
            Some(StatusCode::SERVICE_UNAVAILABLE)
        );
        assert_eq!(faults.take(&Method::GET, ANY), None);
        faults.inject(EsFault::new(0, 503));
        assert_eq!(faults.take(&Method::GET, ANY), None);
    }

    #[test]
    fn a_fault_can_be_limited_to_a_method_and_path() {
        let faults = Faults::default();
        faults.inject(
            EsFault::new(1, 502)
                .method(Method::GET)
                .path_prefix("/_remote/info"),
        );
        assert_eq!(faults.take(&Method::GET, ANY), None);
        assert_eq!(faults.take(&Method::PUT, "/_remote/info"), None);
        assert_eq!(
            faults.take(&Method::GET, "/_remote/info?pretty"),
            Some(StatusCode::BAD_GATEWAY)
        );
        assert_eq!(faults.take(&Method::GET, "/_remote/info"), None);
    }

    #[test]
    fn clearing_disarms_what_is_left() {
        let faults = Faults::default();
        faults.inject(EsFault::new(100, 500));
        faults.clear();
        assert_eq!(faults.take(&Method::GET, ANY), None);
    }
}
