//! Fault injection: the next N authenticated requests of a cluster answer a chosen status with
//! an Elasticsearch error body, to test how clients cope with a failing cluster.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cluster::Cluster;
use super::errors::{Cause, EsError};
use super::lock;

#[derive(Debug, Default)]
pub struct Faults {
    pending: Mutex<Option<PendingFault>>,
}

#[derive(Clone, Copy, Debug)]
struct PendingFault {
    remaining: u32,
    status: StatusCode,
}

impl Faults {
    /// Makes the next `times` requests fail with `status` (an invalid status counts as 500).
    pub fn inject(&self, times: u32, status: u16) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        *lock(&self.pending) = (times > 0).then_some(PendingFault {
            remaining: times,
            status,
        });
    }

    /// Takes one pending fault, if any.
    fn take(&self) -> Option<StatusCode> {
        let mut pending = lock(&self.pending);
        let fault = (*pending)?;
        *pending = (fault.remaining > 1).then_some(PendingFault {
            remaining: fault.remaining - 1,
            status: fault.status,
        });
        Some(fault.status)
    }
}

/// Middleware: answers with the pending fault instead of handling the request.
pub async fn inject(State(cluster): State<Arc<Cluster>>, request: Request, next: Next) -> Response {
    match cluster.faults.take() {
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

    #[test]
    fn a_fault_lasts_the_number_of_times_asked() {
        let faults = Faults::default();
        faults.inject(2, 503);
        assert_eq!(faults.take(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(faults.take(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(faults.take(), None);
        faults.inject(0, 503);
        assert_eq!(faults.take(), None);
    }
}
