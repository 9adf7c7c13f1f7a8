//! Turns what the API server (or the network) said into a failure the operator can act on,
//! naming the request, the server and the fix. The one place where `Status` reasons are read.

use std::fmt;

use kube::core::Status;

use crate::error::{Failure, FailureKind};
use crate::retry::root_cause;

/// One request to the API server, as messages name it: `get secrets in ns-one`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub verb: &'static str,
    /// The plural resource name, with its API group for non-core resources.
    pub resource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Request {
    pub fn new(
        verb: &'static str,
        resource: impl Into<String>,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> Self {
        Self {
            verb,
            resource: resource.into(),
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
        }
    }

    /// `secrets/NAME in ns-one`, or `secrets in ns-one` without a name.
    pub fn object(&self) -> String {
        let mut text = self.resource.clone();
        if let Some(name) = &self.name {
            text = format!("{text}/{name}");
        }
        if let Some(namespace) = &self.namespace {
            text = format!("{text} in {namespace}");
        }
        text
    }
}

impl fmt::Display for Request {
    /// RBAC's own words: `get secrets in ns-one`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verb, self.resource)?;
        match &self.namespace {
            Some(namespace) => write!(f, " in {namespace}"),
            None => f.write_str(" (cluster-wide)"),
        }
    }
}

/// The API server a client talks to, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub url: String,
    pub context: Option<String>,
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.context {
            Some(context) => write!(f, "{} (context {context})", self.url),
            None => write!(f, "{} (in-cluster)", self.url),
        }
    }
}

/// Explains a failed request; `attempts` is how many times it was tried.
pub fn explain(
    error: kube::Error,
    request: &Request,
    server: &Server,
    attempts: usize,
) -> anyhow::Error {
    match error {
        kube::Error::Api(status) => explain_status(&status, request, server, attempts).into(),
        kube::Error::HyperError(_) | kube::Error::Service(_) => unreachable(&error, request, server)
            .with_hint("check that the cluster is up and that the kubeconfig points at it (kubectl cluster-info)")
            .into(),
        kube::Error::Auth(_) => anyhow::Error::new(error)
            .context(format!("could not get credentials for the API server at {server}")),
        other => anyhow::Error::new(other).context(format!("{request} failed")),
    }
}

/// Explains a failed write. When the connection broke, whether the write was made is
/// unknown, and the way out is a re-run (which reads again) once the server answers.
pub fn explain_write(error: kube::Error, request: &Request, server: &Server) -> anyhow::Error {
    match error {
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            unreachable(&error, request, server)
                .with_hint(
                    "the write may or may not have been made: once the API server answers again \
                 (kubectl cluster-info), re-run the command; it reads again and finishes the job",
                )
                .into()
        }
        other => explain(other, request, server, 1),
    }
}

/// The API server did not answer: down, unreachable, or the connection was lost.
fn unreachable(error: &kube::Error, request: &Request, server: &Server) -> Failure {
    Failure::new(
        FailureKind::Unavailable,
        format!(
            "cannot reach the Kubernetes API server at {server} to {} {}: {}",
            request.verb,
            request.object(),
            connection_failure(error)
        ),
    )
}

/// What went wrong with the connection, in a few words: a connection the server closed is
/// said so (TLS libraries word it with a link to their manual).
fn connection_failure(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            )
        {
            return "the server closed the connection without answering".into();
        }
        cause = error.source();
    }
    root_cause(error)
}

fn explain_status(status: &Status, request: &Request, server: &Server, attempts: usize) -> Failure {
    match status.code {
        401 => Failure::new(
            FailureKind::Unauthorized,
            format!("the API server at {server} rejected the credentials (401 Unauthorized)"),
        )
        .with_hint("log in again, or refresh the token or certificate in the kubeconfig"),
        403 => Failure::new(
            FailureKind::Forbidden,
            format!("RBAC denied {request}{}", denied_user(&status.message)),
        )
        .with_hint(format!(
            "ask for a Role (or ClusterRole) that allows {} on {}",
            request.verb, request.resource
        )),
        404 => Failure::new(
            FailureKind::NotFound,
            format!("{} not found", request.object()),
        ),
        409 => Failure::new(
            FailureKind::Conflict,
            format!(
                "{} was changed by someone else during {}",
                request.object(),
                request.verb
            ),
        ),
        422 => Failure::new(
            FailureKind::Invalid,
            format!(
                "the API server refused to {} {}: {}",
                request.verb,
                request.object(),
                status.message
            ),
        ),
        code => Failure::new(
            FailureKind::Unavailable,
            format!(
                "the API server at {server} answered {code} to {request}{}: {}",
                tries(attempts),
                status_text(status)
            ),
        ),
    }
}

/// The `User "x"` part of a Forbidden message, so the operator knows which identity to fix.
fn denied_user(message: &str) -> String {
    message
        .split_once("User \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(user, _)| format!(" for user {user}"))
        .unwrap_or_default()
}

fn tries(attempts: usize) -> String {
    if attempts > 1 {
        format!(" (tried {attempts} times)")
    } else {
        String::new()
    }
}

fn status_text(status: &Status) -> String {
    match (status.reason.as_str(), status.message.as_str()) {
        ("", "") => "no explanation given".to_string(),
        (reason, "") => reason.to_string(),
        (_, message) => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> Server {
        Server {
            url: "https://127.0.0.1:6443".into(),
            context: Some("prod".into()),
        }
    }

    fn status(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(Box::new(Status {
            code,
            reason: reason.into(),
            message: message.into(),
            ..Status::default()
        }))
    }

    fn failure(error: kube::Error, request: &Request) -> Failure {
        let error = explain(error, request, &server(), 1);
        Failure::find(&error).cloned().expect("a Failure")
    }

    #[test]
    fn forbidden_names_verb_resource_namespace_and_user() {
        let request = Request::new("get", "secrets", Some("ns-one"), Some("x"));
        let message = r#"secrets "x" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "ns-one""#;
        let failure = failure(status(403, "Forbidden", message), &request);
        assert_eq!(failure.kind, FailureKind::Forbidden);
        assert_eq!(
            failure.message,
            "RBAC denied get secrets in ns-one for user alice"
        );
    }

    #[test]
    fn server_errors_name_the_server_and_the_attempts() {
        let request = Request::new(
            "list",
            "elasticsearches.elasticsearch.k8s.elastic.co",
            Some("ns-one"),
            None,
        );
        let error = explain(
            status(503, "ServiceUnavailable", "etcd is down"),
            &request,
            &server(),
            4,
        );
        assert_eq!(
            error.to_string(),
            "the API server at https://127.0.0.1:6443 (context prod) answered 503 to list \
             elasticsearches.elasticsearch.k8s.elastic.co in ns-one (tried 4 times): etcd is down"
        );
    }

    #[test]
    fn a_write_whose_connection_broke_says_its_outcome_is_unknown() {
        let request = Request::new(
            "patch",
            "elasticsearches.elasticsearch.k8s.elastic.co",
            Some("ns-one"),
            Some("one"),
        );
        let closed = std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "peer closed connection without sending TLS close_notify: https://docs.rs/rustls",
        );
        let error = explain_write(kube::Error::Service(Box::new(closed)), &request, &server());
        let failure = Failure::find(&error).expect("a Failure");
        assert_eq!(
            failure.message,
            "cannot reach the Kubernetes API server at https://127.0.0.1:6443 (context prod) to patch \
             elasticsearches.elasticsearch.k8s.elastic.co/one in ns-one: the server closed the \
             connection without answering"
        );
        assert!(
            failure
                .hint
                .as_deref()
                .unwrap_or_default()
                .starts_with("the write may or may not have been made")
        );
    }

    #[test]
    fn cluster_wide_requests_say_so() {
        let request = Request::new("get", "namespaces", None, Some("ns-one"));
        assert_eq!(request.to_string(), "get namespaces (cluster-wide)");
        assert_eq!(request.object(), "namespaces/ns-one");
    }
}
