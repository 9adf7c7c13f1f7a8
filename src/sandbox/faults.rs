//! Fault injection: tests arm faults that make the next matching requests fail with a
//! status, a 429 with `Retry-After`, or a connection dropped without an answer, or that
//! let another client write first (a concurrent edit between a client's read and write).

use std::sync::Mutex;

use http::Method;

/// A failure for the next `times` requests matching `method` and `path_prefix` (None
/// matches any). The prefix is compared with the path and query of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub method: Option<Method>,
    pub path_prefix: Option<String>,
    pub times: u32,
    pub kind: FaultKind,
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
}

impl Fault {
    /// One occurrence of `kind` on any request; narrow it with the builder methods.
    pub fn new(kind: FaultKind) -> Self {
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

/// The armed faults of one API server, first armed first used.
#[derive(Debug, Default)]
pub struct Faults {
    armed: Mutex<Vec<Fault>>,
}

impl Faults {
    pub fn arm(&self, fault: Fault) {
        self.lock().push(fault);
    }

    /// Disarms every fault still armed.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The fault this request meets, if any (using up one of its occurrences).
    pub fn take(&self, method: &Method, path_and_query: &str) -> Option<FaultKind> {
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.armed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
