//! Turns a failed call into a failure the operator can act on: rejected credentials, a
//! missing privilege, an untrusted certificate, an unreachable cluster, or Elasticsearch's
//! own error body shown as its reason. The one place where Elasticsearch errors are read.

use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::call::{Call, CallError};
use super::credentials::CredentialSource;
use super::tls::{HttpCa, TlsProblem, tls_failure};
use crate::eck::ELASTIC_USER;
use crate::error::{Failure, FailureKind};
use crate::retry::root_cause;

/// What messages say about the Elasticsearch a client talks to.
#[derive(Debug, Clone)]
pub struct ConnectionFacts {
    /// `cluster-one in ns-one (context sandbox), through a port-forward to pod ...`, or the URL.
    pub description: String,
    pub ca: HttpCa,
    /// Who authenticates: a user name, or `the API key`.
    pub who: String,
    pub credentials: CredentialSource,
    pub route: Route,
    /// Where the client certificate ecr shows came from, if it has one.
    pub client_certificate: Option<String>,
    /// Whether the cluster's spec asks Elasticsearch to require client certificates.
    pub client_authentication: bool,
}

/// How the client reaches Elasticsearch.
#[derive(Debug, Clone)]
pub enum Route {
    Url(Url),
    PortForward { pod: String, namespace: String },
}

/// Explains a failed call; `attempts` is how many times it was sent, `port_forward` why the
/// port-forward last failed, if it did.
pub fn explain(
    error: CallError,
    call: &Call,
    facts: &ConnectionFacts,
    port_forward: Option<Failure>,
    attempts: usize,
) -> anyhow::Error {
    let failure = match error {
        CallError::Status { status, body, .. } => {
            explain_status(status, &body, call, facts, attempts)
        }
        CallError::Transport(error) => {
            explain_transport(&error, call, facts, port_forward, attempts)
        }
    };
    failure.into()
}

fn explain_status(
    status: StatusCode,
    body: &str,
    call: &Call,
    facts: &ConnectionFacts,
    attempts: usize,
) -> Failure {
    let description = &facts.description;
    match status {
        StatusCode::UNAUTHORIZED => Failure::new(
            FailureKind::Unauthorized,
            format!("authentication failed for {} on {description}", facts.who),
        )
        .with_hint(credentials_hint(&facts.credentials)),
        StatusCode::FORBIDDEN => {
            tracing::debug!(
                "{call} was forbidden: {}",
                error_summary(body).unwrap_or_default()
            );
            Failure::new(
                FailureKind::Forbidden,
                format!(
                    "{} may not {} on {description}: that needs {}",
                    facts.who, call.doing, call.privilege
                ),
            )
            .with_hint(format!(
                "use credentials whose roles grant {} (the {ELASTIC_USER} user has it)",
                call.privilege
            ))
        }
        _ => {
            let kind = match status {
                StatusCode::BAD_REQUEST => FailureKind::Invalid,
                StatusCode::NOT_FOUND => FailureKind::NotFound,
                StatusCode::CONFLICT => FailureKind::Conflict,
                _ => FailureKind::Unavailable,
            };
            let said = error_summary(body).unwrap_or_else(|| {
                format!(
                    "{status} to {call}: {}",
                    first_line(body, "no explanation given")
                )
            });
            Failure::new(
                kind,
                format!(
                    "Elasticsearch could not {} on {description}{}: {said}",
                    call.doing,
                    tries(attempts)
                ),
            )
        }
    }
}

fn credentials_hint(source: &CredentialSource) -> String {
    match source {
        CredentialSource::EckSecret { secret, namespace } => format!(
            "ecr used the password ECK keeps in the secret {secret} in {namespace} (key \
             {ELASTIC_USER}); if it was just changed, try again"
        ),
        CredentialSource::Environment(_) => {
            format!("the credentials came from {source}: check them")
        }
        CredentialSource::Prompt => "the password typed at the prompt was refused".to_string(),
    }
}

fn explain_transport(
    error: &reqwest::Error,
    call: &Call,
    facts: &ConnectionFacts,
    port_forward: Option<Failure>,
    attempts: usize,
) -> Failure {
    let description = &facts.description;
    match tls_failure(error) {
        Some(TlsProblem::Untrusted(reason)) => {
            return Failure::new(
                FailureKind::Invalid,
                format!(
                    "cannot verify the TLS certificate of {description} with {}: {reason}",
                    facts.ca
                ),
            )
            .with_hint(
                "pass the CA that signed Elasticsearch's HTTP certificate with --es-ca-file FILE",
            );
        }
        Some(TlsProblem::Refused(alert)) => return refused_handshake(Some(alert), facts),
        // The alert can lose the race with the closed connection (HTTP/2 reports that).
        None if facts.client_authentication && closed_early(error) => {
            return refused_handshake(None, facts);
        }
        None => {}
    }
    if error.is_timeout() {
        return Failure::new(
            FailureKind::Unavailable,
            format!(
                "{description} did not answer {call} in time{}",
                tries(attempts)
            ),
        );
    }
    let cause = root_cause(error);
    match &facts.route {
        Route::Url(url) => Failure::new(
            FailureKind::Unavailable,
            format!(
                "cannot reach Elasticsearch at {}{}: {cause}",
                shown(url),
                tries(attempts)
            ),
        )
        .with_hint("check the URL, and that Elasticsearch listens there and ecr may connect to it"),
        Route::PortForward { pod, namespace } => {
            let (said, hint) = match port_forward {
                Some(failure) => (failure.message, failure.hint),
                None => (cause, None),
            };
            Failure::new(
                FailureKind::Unavailable,
                format!(
                    "cannot reach Elasticsearch through a port-forward to pod {pod} in \
                     {namespace}{}: {said}",
                    tries(attempts)
                ),
            )
            .with_hint(hint.unwrap_or_else(|| {
                format!(
                    "check that the pod is running and ready: kubectl get pod {pod} -n {namespace}"
                )
            }))
        }
    }
}

/// A URL as messages show it: without the trailing slash of an empty path.
pub fn shown(url: &Url) -> &str {
    url.as_str().trim_end_matches('/')
}

/// Elasticsearch ended the TLS handshake with this alert: with client authentication
/// required (`xpack.security.http.ssl.client_authentication: required`, which ECK 3.4+ sets
/// for `spec.http.tls.client.authentication`), it refuses a client without a certificate, or
/// with one it does not trust.
fn refused_handshake(alert: Option<String>, facts: &ConnectionFacts) -> Failure {
    let ended = match alert {
        Some(alert) => format!("{} refused the TLS handshake ({alert})", facts.description),
        None => format!(
            "{} closed the connection right after the TLS handshake",
            facts.description
        ),
    };
    let (said, hint) = match &facts.client_certificate {
        None => (
            format!("{ended}: it requires a client certificate, and ecr showed none"),
            "pass one with --es-client-cert FILE and --es-client-key FILE, or --es-client-cert-secret \
             NAME (a secret with tls.crt and tls.key; ecr setup takes them per side: \
             --local-es-client-cert-secret NAME, --remote-es-client-cert-secret NAME, ...); \
             Elasticsearch must trust its CA (xpack.security.http.ssl.certificate_authorities)",
        ),
        Some(source) => (
            format!("{ended}: it does not accept the client certificate from {source}"),
            "the certificate must be valid now and signed by a CA Elasticsearch trusts for HTTP \
             clients (xpack.security.http.ssl.certificate_authorities: the ca.crt of the HTTP \
             certificate, and the CAs added in the nodeSets' config)",
        ),
    };
    Failure::new(FailureKind::Unauthorized, said).with_hint(hint)
}

/// Whether the connection closed before any answer came (no timeout, no refused connect).
fn closed_early(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(hyper) = current.downcast_ref::<hyper::Error>() {
            return hyper.is_canceled() || hyper.is_incomplete_message() || hyper.is_closed();
        }
        cause = current.source();
    }
    false
}

/// Elasticsearch's `{"error": {...}, "status": N}`, or `{"error": "text"}`.
#[derive(Deserialize)]
struct ErrorAnswer {
    error: ErrorField,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorField {
    Exception(Exception),
    Text(String),
}

#[derive(Deserialize)]
struct Exception {
    #[serde(rename = "type")]
    kind: Option<String>,
    reason: Option<String>,
    #[serde(default)]
    root_cause: Vec<Exception>,
    caused_by: Option<Box<Exception>>,
}

impl Exception {
    /// `reason (type)`, or what the root cause says when there is no reason.
    fn summary(&self) -> Option<String> {
        let kind = self.kind.as_deref().unwrap_or("error");
        match self.reason.as_deref().filter(|reason| !reason.is_empty()) {
            Some(reason) => Some(format!("{reason} ({kind})")),
            None => self
                .root_cause
                .iter()
                .find_map(|cause| cause.reason.is_some().then(|| cause.summary()).flatten())
                .or_else(|| self.kind.clone()),
        }
    }
}

/// What an error body says, in one or two lines: its reason and type, then its cause when
/// that says something more.
pub fn error_summary(body: &str) -> Option<String> {
    let answer: ErrorAnswer = serde_json::from_str(body).ok()?;
    match answer.error {
        ErrorField::Text(text) => Some(text),
        ErrorField::Exception(exception) => {
            let summary = exception.summary()?;
            let cause = exception.caused_by.as_deref().and_then(Exception::summary);
            Some(match cause {
                Some(cause) if !summary.contains(&cause) => {
                    format!("{summary}\ncaused by: {cause}")
                }
                _ => summary,
            })
        }
    }
}

fn first_line<'a>(body: &'a str, empty: &'a str) -> &'a str {
    let line = body.lines().map(str::trim).find(|line| !line.is_empty());
    let line = line.unwrap_or(empty);
    match line.char_indices().nth(200) {
        Some((end, _)) => &line[..end],
        None => line,
    }
}

fn tries(attempts: usize) -> String {
    if attempts > 1 {
        format!(" (tried {attempts} times)")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elasticsearch::call::Privilege;
    use reqwest::Method;

    fn facts() -> ConnectionFacts {
        ConnectionFacts {
            description: "cluster-one in ns-one (context kind)".into(),
            ca: HttpCa::SystemRoots,
            who: "elastic".into(),
            credentials: CredentialSource::EckSecret {
                secret: "cluster-one-es-elastic-user".into(),
                namespace: "ns-one".into(),
            },
            route: Route::Url(Url::parse("https://es.example:9200").unwrap()),
            client_certificate: None,
            client_authentication: false,
        }
    }

    fn put_settings() -> Call {
        Call::get(
            "_cluster/settings",
            "update the cluster settings",
            Privilege::Cluster("manage"),
        )
        .with_method(Method::PUT)
    }

    fn failure(status: u16, body: &str, attempts: usize) -> Failure {
        let error = CallError::Status {
            status: StatusCode::from_u16(status).unwrap(),
            retry_after: None,
            body: body.into(),
        };
        let error = explain(error, &put_settings(), &facts(), None, attempts);
        Failure::find(&error).cloned().unwrap()
    }

    #[test]
    fn a_rejected_password_says_where_it_came_from() {
        let failure = failure(
            401,
            r#"{"error":{"type":"security_exception","reason":"unable to authenticate user [elastic]"},"status":401}"#,
            1,
        );
        assert_eq!(failure.kind, FailureKind::Unauthorized);
        assert_eq!(
            failure.message,
            "authentication failed for elastic on cluster-one in ns-one (context kind)"
        );
        assert!(
            failure
                .hint
                .unwrap()
                .contains("cluster-one-es-elastic-user")
        );
    }

    #[test]
    fn forbidden_names_the_privilege() {
        let body = r#"{"error":{"root_cause":[{"type":"security_exception","reason":"action [cluster:admin/settings/update] is unauthorized for user [ops]"}],"type":"security_exception","reason":"action [cluster:admin/settings/update] is unauthorized for user [ops]"},"status":403}"#;
        let failure = failure(403, body, 1);
        assert_eq!(failure.kind, FailureKind::Forbidden);
        assert_eq!(
            failure.message,
            "elastic may not update the cluster settings on cluster-one in ns-one (context kind): \
             that needs the `manage` cluster privilege"
        );
    }

    #[test]
    fn error_bodies_are_shown_as_their_reason_and_type() {
        let body = r#"{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"persistent setting [cluster.remote.a.seeds], not recognized"}],"type":"illegal_argument_exception","reason":"persistent setting [cluster.remote.a.seeds], not recognized"},"status":400}"#;
        let failure = failure(400, body, 1);
        assert_eq!(failure.kind, FailureKind::Invalid);
        assert_eq!(
            failure.message,
            "Elasticsearch could not update the cluster settings on cluster-one in ns-one \
             (context kind): persistent setting [cluster.remote.a.seeds], not recognized \
             (illegal_argument_exception)"
        );
    }

    #[test]
    fn a_cause_adds_a_second_line_and_a_missing_reason_falls_back() {
        let body = r#"{"error":{"type":"settings_exception","reason":"bad value","caused_by":{"type":"number_format_exception","reason":"For input string: \"x\""}},"status":400}"#;
        assert_eq!(
            error_summary(body).unwrap(),
            "bad value (settings_exception)\ncaused by: For input string: \"x\" (number_format_exception)"
        );
        let body = r#"{"error":{"root_cause":[{"type":"master_not_discovered_exception","reason":null}],"type":"master_not_discovered_exception","reason":null},"status":503}"#;
        assert_eq!(
            error_summary(body).unwrap(),
            "master_not_discovered_exception"
        );
        assert_eq!(
            error_summary(r#"{"error":"Incorrect HTTP method","status":405}"#).unwrap(),
            "Incorrect HTTP method"
        );
        assert_eq!(error_summary("<html>Bad Gateway</html>"), None);
    }

    #[test]
    fn server_errors_count_the_attempts_and_other_bodies_show_their_first_line() {
        let failure = failure(502, "\n<html>Bad Gateway</html>\n", 4);
        assert_eq!(failure.kind, FailureKind::Unavailable);
        assert_eq!(
            failure.message,
            "Elasticsearch could not update the cluster settings on cluster-one in ns-one \
             (context kind) (tried 4 times): 502 Bad Gateway to PUT /_cluster/settings: \
             <html>Bad Gateway</html>"
        );
    }
}
