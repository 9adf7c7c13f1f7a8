//! One call to Elasticsearch as ecr describes it: method and path, what it does in the
//! operator's words, the privilege it needs, and how it can fail.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};

use crate::retry::Transient;

/// What Elasticsearch must grant for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    Cluster(&'static str),
    /// On the indices the call names.
    Index(&'static str),
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Privilege::Cluster(name) => write!(f, "the `{name}` cluster privilege"),
            Privilege::Index(name) => write!(f, "the `{name}` index privilege"),
        }
    }
}

/// A request ecr sends.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    /// Path segments, encoded when the URL is built.
    pub segments: Vec<String>,
    pub query: Option<String>,
    /// How long ecr waits for the answer, when shorter than the client's default.
    pub timeout: Option<Duration>,
    /// What it does, to complete "could not ...": `read the cluster settings`.
    pub doing: &'static str,
    pub privilege: Privilege,
}

impl Call {
    pub fn get(path: &str, doing: &'static str, privilege: Privilege) -> Self {
        Call {
            method: Method::GET,
            segments: path.split('/').map(str::to_string).collect(),
            query: None,
            timeout: None,
            doing,
            privilege,
        }
    }

    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    pub fn with_query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The call's URL under `base`, which may have a path of its own (a reverse proxy's).
    pub fn url(&self, base: &Url) -> Url {
        let mut url = base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(&self.segments);
        }
        url.set_query(self.query.as_deref());
        url
    }
}

impl fmt::Display for Call {
    /// `GET /_cluster/settings`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} /{}", self.method, self.segments.join("/"))
    }
}

/// How a call failed.
#[derive(Debug)]
pub enum CallError {
    /// No answer: not connected, TLS refused, connection lost, timed out.
    Transport(reqwest::Error),
    /// An answer with an error status.
    Status {
        status: StatusCode,
        /// What `Retry-After` asked for.
        retry_after: Option<Duration>,
        body: String,
    },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Transport(error) => write!(f, "{error}"),
            CallError::Status { status, .. } => write!(f, "{status}"),
        }
    }
}

impl Transient for CallError {
    fn is_transient(&self) -> bool {
        match self {
            CallError::Transport(error) => {
                (error.is_connect() || error.is_timeout() || error.is_request())
                    && super::tls::tls_failure(error).is_none()
            }
            CallError::Status { status, .. } => {
                matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
            }
        }
    }

    fn asked_delay(&self) -> Option<Duration> {
        match self {
            CallError::Status { retry_after, .. } => *retry_after,
            CallError::Transport(_) => None,
        }
    }
}

/// `Retry-After` in seconds (the form Elasticsearch and proxies use; a date is ignored).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    let seconds: u64 = value?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_base_path_and_encode_segments() {
        let base = Url::parse("https://es.example:9200").unwrap();
        let call = Call::get("_cluster/settings", "read", Privilege::Cluster("monitor"))
            .with_query("flat_settings=true");
        assert_eq!(
            call.url(&base).as_str(),
            "https://es.example:9200/_cluster/settings?flat_settings=true"
        );
        let proxied = Url::parse("https://proxy.example/es/").unwrap();
        let mut resolve = Call::get("_resolve/cluster", "probe", Privilege::Index("read"));
        resolve.segments.push("a b:*".into());
        assert_eq!(
            resolve.url(&proxied).as_str(),
            "https://proxy.example/es/_resolve/cluster/a%20b:*"
        );
        assert_eq!(resolve.to_string(), "GET /_resolve/cluster/a b:*");
    }

    #[test]
    fn only_busy_and_failing_servers_are_retried() {
        let status = |code: u16| CallError::Status {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: retry_after(Some("2")),
            body: String::new(),
        };
        for code in [429, 500, 502, 503, 504] {
            assert!(status(code).is_transient(), "{code}");
        }
        for code in [400, 401, 403, 404, 409] {
            assert!(!status(code).is_transient(), "{code}");
        }
        assert_eq!(status(429).asked_delay(), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }
}
