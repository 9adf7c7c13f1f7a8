//! Why a wait's watch failed, in the terms of the request that did (`list` or `watch`), so
//! that a passing failure is retried like any read, and the others explained.

use std::fmt;
use std::time::Duration;

use kube::runtime::{wait, watcher};

use crate::retry::Transient;

/// A wait's watch that failed.
#[derive(Debug)]
pub(super) enum WaitFailure {
    /// The initial `list` or the `watch` failed as any request may.
    Request {
        verb: &'static str,
        error: kube::Error,
    },
    /// The watch broke kube's expectations (no resourceVersion).
    Other(watcher::Error),
}

impl From<wait::Error> for WaitFailure {
    fn from(error: wait::Error) -> Self {
        let wait::Error::ProbeFailed(error) = error;
        match error {
            watcher::Error::InitialListFailed(error) => Self::Request {
                verb: "list",
                error,
            },
            watcher::Error::WatchStartFailed(error) | watcher::Error::WatchFailed(error) => {
                Self::Request {
                    verb: "watch",
                    error,
                }
            }
            watcher::Error::WatchError(status) => Self::Request {
                verb: "watch",
                error: kube::Error::Api(status),
            },
            other => Self::Other(other),
        }
    }
}

impl Transient for WaitFailure {
    /// What passes for any read, and a watch that fell too far behind (410 Gone: the
    /// resourceVersion it started from has been compacted), which a new list heals.
    fn is_transient(&self) -> bool {
        match self {
            Self::Request {
                error: kube::Error::Api(status),
                ..
            } if status.code == 410 => true,
            Self::Request { error, .. } => error.is_transient(),
            Self::Other(_) => false,
        }
    }

    fn asked_delay(&self) -> Option<Duration> {
        match self {
            Self::Request { error, .. } => error.asked_delay(),
            Self::Other(_) => None,
        }
    }
}

impl fmt::Display for WaitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request { verb, error } => write!(f, "{verb}: {error}"),
            Self::Other(error) => write!(f, "{error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn watch_error(code: u16) -> WaitFailure {
        let status = Status {
            code,
            ..Status::default()
        };
        wait::Error::ProbeFailed(watcher::Error::WatchError(Box::new(status))).into()
    }

    #[test]
    fn a_watch_that_fell_behind_or_met_a_passing_failure_is_retried() {
        assert!(watch_error(410).is_transient());
        assert!(watch_error(503).is_transient());
        assert!(!watch_error(403).is_transient());
        let no_version =
            WaitFailure::from(wait::Error::ProbeFailed(watcher::Error::NoResourceVersion));
        assert!(!no_version.is_transient());
    }
}
