//! HTTP basic authentication of the `elastic` superuser, refused with Elasticsearch's
//! `security_exception` bodies and challenges. The password is compared, never logged. An
//! `ApiKey` header is read too: the only keys the sandbox makes are cross-cluster ones, which
//! the REST layer refuses (ES: `ApiKeyService.validateApiKeyTypeAndExpiration`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::api_keys::CredentialFailure;
use super::cluster::Cluster;
use super::errors::EsError;
use super::journal::path_and_query;
use super::world::now_millis;

/// The only user of the emulated cluster's native realm.
const SUPERUSER: &str = "elastic";

/// What the `Authorization` header holds.
#[derive(Debug, PartialEq, Eq)]
enum Credentials {
    Missing,
    Undecodable,
    NoSeparator,
    Basic {
        user: String,
        password: String,
    },
    /// `ApiKey BASE64(ID:SECRET)`, as sent.
    ApiKey(String),
}

fn credentials(headers: &HeaderMap) -> Credentials {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if let Some(encoded) = value.and_then(|value| value.strip_prefix("ApiKey ")) {
        return Credentials::ApiKey(encoded.trim().to_owned());
    }
    let Some(encoded) = value.and_then(|value| value.strip_prefix("Basic ")) else {
        return Credentials::Missing;
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(decoded) = decoded else {
        return Credentials::Undecodable;
    };
    match decoded.split_once(':') {
        Some((user, password)) => Credentials::Basic {
            user: user.to_owned(),
            password: password.to_owned(),
        },
        None => Credentials::NoSeparator,
    }
}

/// Middleware: lets the `elastic` user through, answers 401 otherwise.
pub async fn authenticate(
    State(cluster): State<Arc<Cluster>>,
    request: Request,
    next: Next,
) -> Response {
    let uri = path_and_query(&request);
    let refusal = match credentials(request.headers()) {
        Credentials::Basic { user, password }
            if user == SUPERUSER && password == cluster.config.elastic_password =>
        {
            return next.run(request).await;
        }
        Credentials::Basic { user, .. } => {
            format!("unable to authenticate user [{user}] for REST request [{uri}]")
        }
        Credentials::Missing => {
            format!("missing authentication credentials for REST request [{uri}]")
        }
        Credentials::Undecodable => "invalid basic authentication header encoding".to_owned(),
        Credentials::NoSeparator => "invalid basic authentication header value".to_owned(),
        Credentials::ApiKey(encoded) => return api_key_refusal(&cluster, &encoded).into_response(),
    };
    EsError::unauthenticated(refusal).into_response()
}

/// 401 for an API key: a cross-cluster key is the wrong type here, anything else is unknown.
fn api_key_refusal(cluster: &Cluster, encoded: &str) -> EsError {
    let failure = cluster.with_api_keys(|keys| {
        keys.authenticate(encoded, now_millis())
            .map(|key| CredentialFailure::NotRest { id: key.id.clone() })
            .unwrap_or_else(|failure| failure)
    });
    EsError::unauthenticated_by(failure.to_cause())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn reads_basic_credentials() {
        assert_eq!(credentials(&HeaderMap::new()), Credentials::Missing);
        assert_eq!(
            credentials(&with_authorization("Bearer abc")),
            Credentials::Missing
        );
        assert_eq!(
            credentials(&with_authorization("Basic !!!")),
            Credentials::Undecodable
        );
        assert_eq!(
            credentials(&with_authorization("Basic ZWxhc3RpYw==")),
            Credentials::NoSeparator
        );
        assert_eq!(
            credentials(&with_authorization("ApiKey aWQ6cw==")),
            Credentials::ApiKey("aWQ6cw==".into())
        );
        assert_eq!(
            credentials(&with_authorization("Basic ZWxhc3RpYzpwOnc=")),
            Credentials::Basic {
                user: "elastic".into(),
                password: "p:w".into()
            }
        );
    }
}
