//! Bounded retries for reads that failed for a passing reason: a dropped connection,
//! 429 (waiting as long as the server asks, within reason), or a 5xx. Writes are never
//! retried here: their callers re-read and re-plan instead.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable as _};

/// Retries after the first attempt.
const RETRIES: usize = 3;
/// The longest a server's `Retry-After` may make ecr wait between two attempts.
const LONGEST_WAIT: Duration = Duration::from_secs(10);

/// Runs `read` until it succeeds, fails for good, or has been tried `1 + RETRIES` times.
/// Returns the outcome and how many attempts it took.
pub(crate) async fn read_with_retries<T, Fut>(
    mut read: impl FnMut() -> Fut,
) -> (Result<T, kube::Error>, usize)
where
    Fut: Future<Output = Result<T, kube::Error>>,
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
    .when(is_transient)
    .adjust(|error, next| next.map(|delay| asked_delay(error).unwrap_or(delay)))
    .notify(|error, delay| tracing::debug!("retrying in {delay:?} after: {error}"))
    .await;
    (result, attempts)
}

pub(crate) fn is_transient(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => matches!(status.code, 429 | 500 | 502 | 503 | 504),
        kube::Error::HyperError(_) => true,
        // A connection that could not be made (refused, TLS rejected) will not heal in a second;
        // one that broke after it was made may.
        kube::Error::Service(error) => !is_connect_failure(error.as_ref()),
        _ => false,
    }
}

fn is_connect_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error
            .downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some_and(hyper_util::client::legacy::Error::is_connect)
        {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The wait a 429 asks for in its `Status` details.
fn asked_delay(error: &kube::Error) -> Option<Duration> {
    let kube::Error::Api(status) = error else {
        return None;
    };
    let seconds = status.details.as_ref()?.retry_after_seconds;
    (seconds > 0).then(|| Duration::from_secs(u64::from(seconds)).min(LONGEST_WAIT))
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
        assert!(is_transient(&status(429, 1)));
        assert!(is_transient(&status(503, 0)));
        assert!(!is_transient(&status(403, 0)));
        assert!(!is_transient(&status(404, 0)));
        assert!(!is_transient(&status(409, 0)));
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        assert_eq!(asked_delay(&status(429, 2)), Some(Duration::from_secs(2)));
        assert_eq!(asked_delay(&status(429, 3600)), Some(LONGEST_WAIT));
        assert_eq!(asked_delay(&status(429, 0)), None);
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
