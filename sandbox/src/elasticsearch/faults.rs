//! Fault injection: the next N authenticated requests of a cluster (all of them, or those of
//! one method and path prefix: a [`Fault`](crate::Fault) of a status code) answer
//! that status with an Elasticsearch error body, to test how clients cope with a failing cluster.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::{Cause, EsError};
use super::journal::path_and_query;
use crate::faults::Armed;

/// The armed faults of one cluster: each answers a status code.
pub type Faults = Armed<u16>;

/// Middleware: answers with the pending fault instead of handling the request.
pub async fn inject(faults: &Faults, request: Request, next: Next) -> Response {
    match faults.take(request.method(), &path_and_query(&request)) {
        Some(status) => {
            fault_error(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
                .into_response()
        }
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
    use crate::Fault;
    use axum::http::Method;

    const ANY: &str = "/_cluster/settings";

    #[test]
    fn a_fault_lasts_the_number_of_times_asked() {
        let faults = Faults::default();
        faults.arm(Fault::new(503).times(2));
        assert_eq!(faults.take(&Method::GET, ANY), Some(503));
        assert_eq!(faults.take(&Method::PUT, ANY), Some(503));
        assert_eq!(faults.take(&Method::GET, ANY), None);
        faults.arm(Fault::new(503).times(0));
        assert_eq!(faults.take(&Method::GET, ANY), None);
    }

    #[test]
    fn a_fault_can_be_limited_to_a_method_and_path() {
        let faults = Faults::default();
        faults.arm(
            Fault::new(502)
                .method(Method::GET)
                .path_prefix("/_remote/info"),
        );
        assert_eq!(faults.take(&Method::GET, ANY), None);
        assert_eq!(faults.take(&Method::PUT, "/_remote/info"), None);
        assert_eq!(faults.take(&Method::GET, "/_remote/info?pretty"), Some(502));
        assert_eq!(faults.take(&Method::GET, "/_remote/info"), None);
    }

    #[test]
    fn clearing_disarms_what_is_left() {
        let faults = Faults::default();
        faults.arm(Fault::new(500).times(100));
        faults.clear();
        assert_eq!(faults.take(&Method::GET, ANY), None);
    }
}
