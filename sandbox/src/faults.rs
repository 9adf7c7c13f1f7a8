//! Fault injection: tests arm faults that make the next matching requests fail with a
//! status, a 429 with `Retry-After`, or a connection dropped without an answer, that
//! let another client write first (a concurrent edit between a client's read and write),
//! or that make the whole API server go away from a given request on.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use http::Method;

/// A failure of kind `K` for the next `times` requests matching `method` and `path_prefix`
/// (None matches any). The prefix is compared with the path and query of the request.
/// The API servers take a [`FaultKind`]; the emulated Elasticsearch clusters a status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault<K = FaultKind> {
    pub method: Option<Method>,
    pub path_prefix: Option<String>,
    pub times: u32,
    pub kind: K,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer a `Status` with this code.
    Status(u16),
    /// Answer 429 with a `Retry-After` header and `details.retryAfterSeconds`.
    TooManyRequests { retry_after_secs: u32 },
    /// Close the connection (HTTP/1.1) or reset the stream (h2) without answering.
    DropConnection,
    /// Store `object` (as `KubeApi::put_object` does: a new resourceVersion, watch events,
    /// ECK acting) just before serving the request normally, as another client's write would.
    ConcurrentWrite {
        group: String,
        resource: String,
        object: serde_json::Value,
    },
    /// The API server goes away, as when its node dies: this request's connection is
    /// dropped, and from then on every request and every new connection too, whatever
    /// faults are armed, until `clear_faults` brings it back. (Connections already upgraded,
    /// watches and port-forwards, are left as they are.)
    GoAway,
}

impl<K> Fault<K> {
    /// One occurrence of `kind` on any request; narrow it with the builder methods.
    pub fn new(kind: K) -> Self {
        Fault {
            method: None,
            path_prefix: None,
            times: 1,
            kind,
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

    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
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

/// Armed faults, first armed first used.
#[derive(Debug)]
pub struct Armed<K> {
    faults: Mutex<Vec<Fault<K>>>,
}

impl<K> Default for Armed<K> {
    fn default() -> Self {
        Armed {
            faults: Mutex::new(Vec::new()),
        }
    }
}

impl<K: Clone> Armed<K> {
    /// Arms `fault` after those already armed.
    pub fn arm(&self, fault: Fault<K>) {
        if fault.times > 0 {
            self.lock().push(fault);
        }
    }

    /// Disarms every fault still armed.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The kind of the first fault this request meets, if any (using up one occurrence).
    pub fn take(&self, method: &Method, path_and_query: &str) -> Option<K> {
        let mut armed = self.lock();
        let index = armed
            .iter()
            .position(|fault| fault.matches(method, path_and_query))?;
        let fault = &mut armed[index];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            armed.remove(index);
        }
        Some(kind)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault<K>>> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The armed faults of one API server, and whether it went away.
#[derive(Debug, Default)]
pub struct Faults {
    armed: Armed<FaultKind>,
    /// Set by a [`FaultKind::GoAway`] that was met, until [`Faults::clear`].
    gone: AtomicBool,
}

impl Faults {
    pub fn arm(&self, fault: Fault) {
        self.armed.arm(fault);
    }

    /// Disarms every fault still armed, and brings back a server that went away.
    pub fn clear(&self) {
        self.armed.clear();
        self.gone.store(false, Ordering::SeqCst);
    }

    /// Whether the server went away: it then takes no connection and answers nothing.
    pub fn gone(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }

    /// The fault this request meets, if any (using up one of its occurrences).
    pub fn take(&self, method: &Method, path_and_query: &str) -> Option<FaultKind> {
        if self.gone() {
            return Some(FaultKind::GoAway);
        }
        let kind = self.armed.take(method, path_and_query)?;
        if kind == FaultKind::GoAway {
            self.gone.store(true, Ordering::SeqCst);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH_ES: &str =
        "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/ns-one/elasticsearches/one";

    #[test]
    fn a_server_that_went_away_fails_everything_until_cleared() {
        let faults = Faults::default();
        faults.arm(Fault::new(FaultKind::Status(503)).method(Method::GET));
        faults.arm(
            Fault::new(FaultKind::GoAway)
                .method(Method::PATCH)
                .path_prefix(PATCH_ES),
        );
        assert_eq!(
            faults.take(&Method::POST, "/api/v1/namespaces/ns-one/secrets"),
            None
        );
        assert!(!faults.gone(), "not before the matching request");
        assert_eq!(
            faults.take(&Method::PATCH, PATCH_ES),
            Some(FaultKind::GoAway)
        );
        assert!(faults.gone());
        for (method, path) in [(Method::GET, "/api"), (Method::PATCH, PATCH_ES)] {
            assert_eq!(
                faults.take(&method, path),
                Some(FaultKind::GoAway),
                "{method} {path}"
            );
        }
        faults.clear();
        assert!(!faults.gone());
        assert_eq!(
            faults.take(&Method::GET, "/api"),
            None,
            "cleared faults are gone too"
        );
    }

    #[test]
    fn faults_are_used_up_in_the_order_armed() {
        let faults = Faults::default();
        faults.arm(Fault::new(FaultKind::Status(500)).times(2));
        faults.arm(Fault::new(FaultKind::DropConnection));
        let taken: Vec<_> = (0..4).map(|_| faults.take(&Method::GET, "/api")).collect();
        assert_eq!(
            taken,
            [
                Some(FaultKind::Status(500)),
                Some(FaultKind::Status(500)),
                Some(FaultKind::DropConnection),
                None
            ]
        );
    }
}
