//! Which failures of the Kubernetes client pass ([`Transient`]): 429s and 5xx answers, and
//! connections that broke after they were made.

use std::time::Duration;

use crate::retry::{Transient, any_cause};

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
    fn a_429_says_how_long_to_wait() {
        assert_eq!(status(429, 2).asked_delay(), Some(Duration::from_secs(2)));
        assert_eq!(status(429, 0).asked_delay(), None);
    }
}
