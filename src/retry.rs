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

/// Whether `error` or any of its sources is what `test` looks for.
pub(crate) fn any_cause(
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

/// The innermost error of a chain: "connection refused", not "client error (Connect)".
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure that passes or not, asking for a wait or not.
    #[derive(Debug)]
    struct Failed {
        passing: bool,
        asked: Option<Duration>,
    }

    impl std::fmt::Display for Failed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "failed")
        }
    }

    impl Transient for Failed {
        fn is_transient(&self) -> bool {
            self.passing
        }
        fn asked_delay(&self) -> Option<Duration> {
            self.asked
        }
    }

    const PASSING: Failed = Failed {
        passing: true,
        asked: None,
    };

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let backoff = Duration::from_millis(100);
        let wait = |asked| {
            wait_before_retry(
                &Failed {
                    passing: true,
                    asked,
                },
                backoff,
            )
        };
        assert_eq!(wait(Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(wait(Some(Duration::from_secs(3600))), LONGEST_WAIT);
        assert_eq!(wait(None), backoff);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_bound_and_counts_attempts() {
        let (result, attempts) = read_with_retries(|| async { Err::<(), _>(PASSING) }).await;
        assert!(result.is_err());
        assert_eq!(attempts, 1 + RETRIES);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_for_good_is_not_retried() {
        let failed_for_good = || async {
            Err::<(), _>(Failed {
                passing: false,
                asked: None,
            })
        };
        let (result, attempts) = read_with_retries(failed_for_good).await;
        assert!(result.is_err());
        assert_eq!(attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_success_is_returned() {
        let mut calls = 0;
        let (result, attempts) = read_with_retries(|| {
            calls += 1;
            let outcome = if calls < 3 { Err(PASSING) } else { Ok(calls) };
            async move { outcome }
        })
        .await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(attempts, 3);
    }
}
