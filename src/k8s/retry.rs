//! Bounded retries for reads that failed for a passing reason: a dropped connection,
//! 429 (waiting as long as the server asks, within reason), or a 5xx. Writes are never
//! retried here: their callers re-read and re-plan instead. Shared by the Kubernetes and
//! the Elasticsearch clients, each saying through [`Transient`] which of its failures pass.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable as _};

/// Retries after the first attempt.
const RETRIES: usize = 3;
/// The longest a server's `Retry-After` may make ecr wait between two attempts.
const LONGEST_WAIT: Duration = Duration::from_secs(10);

/// A failure that may pass if the request is sent again.
pub(crate) trait Transient {
    fn is_transient(&self) -> bool;
    /// How long the server asked to wait before trying again, if it said.
    fn asked_delay(&self) -> Option<Duration>;
}

/// Runs `read` until it succeeds, fails for good, or has been tried `1 + RETRIES` times.
/// Returns the outcome and how many attempts it took.
pub(crate) async fn read_with_retries<T, E, Fut>(
    mut read: impl FnMut() -> Fut,
) -> (Result<T, E>, usize)
where
    E: Transient + std::fmt::Display,
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempts = 0;
    let backoff = ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(2))
        .with_max_times(RETRIES)
        .with_jitter();
    let result = (|| {
        attempts += 1;
        read()
    })
    .retry(backoff)
    .when(E::is_transient)
    .adjust(|error, next| next.map(|delay| wait_before_retry(error, delay)))
    .notify(|error, delay| tracing::debug!("retrying in {delay:?} after: {error}"))
    .await;
    (result, attempts)
}

/// The wait the server asked for, within bounds, or else the backoff's.
fn wait_before_retry(error: &impl Transient, backoff: Duration) -> Duration {
    error
        .asked_delay()
        .map_or(backoff, |asked| asked.min(LONGEST_WAIT))
}

impl Transient for kube::Error {
    fn is_transient(&self) -> bool {
        match self {
            kube::Error::Api(status) => matches!(status.code, 429 | 500 | 502 | 503 | 504),
            kube::Error::HyperError(_) => true,
            // A connection that could not be made (refused, TLS rejected) will not heal in a
            // second, nor will a server that did not answer for long; a connection that broke
            // after it was made may.
            kube::Error::Service(error) => {
                !is_connect_failure(error.as_ref()) && !is_timeout(error.as_ref())
            }
            _ => false,
        }
    }

    /// The wait a 429 asks for in its `Status` details.
    fn asked_delay(&self) -> Option<Duration> {
        let kube::Error::Api(status) = self else {
            return None;
        };
        let seconds = status.details.as_ref()?.retry_after_seconds;
        (seconds > 0).then(|| Duration::from_secs(u64::from(seconds)))
    }
}

fn is_connect_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    any_cause(error, |cause| {
        cause
            .downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some_and(hyper_util::client::legacy::Error::is_connect)
    })
}

fn is_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    any_cause(error, |cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    })
}

/// Whether `error` or any of its sources is what `test` looks for.
fn any_cause(
    error: &(dyn std::error::Error + 'static),
    test: impl Fn(&(dyn std::error::Error + 'static)) -> bool,
) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if test(error) {
            return true;
        }
        cause = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::{Status, response::StatusDetails};

    fn status(code: u16, retry_after_seconds: u32) -> kube::Error {
        kube::Error::Api(Box::new(Status {
            code,
            details: Some(StatusDetails {
                name: String::new(),
                group: String::new(),
                kind: String::new(),
                uid: String::new(),
                causes: Vec::new(),
                retry_after_seconds,
            }),
            ..Status::default()
        }))
    }

    #[test]
    fn only_passing_failures_are_retried() {
        assert!(status(429, 1).is_transient());
        assert!(status(503, 0).is_transient());
        assert!(!status(403, 0).is_transient());
        assert!(!status(404, 0).is_transient());
        assert!(!status(409, 0).is_transient());
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let backoff = Duration::from_millis(100);
        let wait = |error| wait_before_retry(&error, backoff);
        assert_eq!(wait(status(429, 2)), Duration::from_secs(2));
        assert_eq!(wait(status(429, 3600)), LONGEST_WAIT);
        assert_eq!(wait(status(429, 0)), backoff);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_bound_and_counts_attempts() {
        let (result, attempts) = read_with_retries(|| async { Err::<(), _>(status(503, 0)) }).await;
        assert!(result.is_err());
        assert_eq!(attempts, 1 + RETRIES);
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_success_is_returned() {
        let mut calls = 0;
        let (result, attempts) = read_with_retries(|| {
            calls += 1;
            let outcome = if calls < 3 {
                Err(status(500, 0))
            } else {
                Ok(calls)
            };
            async move { outcome }
        })
        .await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(attempts, 3);
    }
}
