//! Cross-cluster API keys, kept in the cluster's state (the security index of a real
//! cluster, so they outlive node restarts): created, listed, updated and invalidated through
//! `_security`, and checked when a remote cluster presents one on the remote cluster port
//! (ES: `security/authc/ApiKeyService.java`). The secret is kept to be compared, never shown
//! again nor logged.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Map, Value, json};

use super::api_key_requests::{Access, CreateRequest, KeySelector, UpdateRequest, name_matches};
use super::errors::{Cause, EsError};
use axum::http::StatusCode;

/// The user every key of the sandbox belongs to, and its realm.
const OWNER: &str = "elastic";
const OWNER_REALM: &str = "reserved";

/// One cross-cluster API key.
#[derive(Clone)]
pub struct CrossClusterKey {
    pub id: String,
    pub name: String,
    secret: String,
    pub access: Access,
    metadata: Map<String, Value>,
    creation: u64,
    expiration: Option<u64>,
    invalidation: Option<u64>,
}

/// Shows everything but the secret.
impl fmt::Debug for CrossClusterKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CrossClusterKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret", &"<redacted>")
            .field("access", &self.access)
            .field("expiration", &self.expiration)
            .field("invalidation", &self.invalidation)
            .finish()
    }
}

impl CrossClusterKey {
    fn expired(&self, now: u64) -> bool {
        self.expiration.is_some_and(|at| at <= now)
    }

    fn active(&self, now: u64) -> bool {
        self.invalidation.is_none() && !self.expired(now)
    }

    /// The key as `GET _security/api_key` shows it.
    pub fn to_json(&self) -> Value {
        let mut key = json!({
            "id": self.id,
            "name": self.name,
            "type": "cross_cluster",
            "creation": self.creation,
            "invalidated": self.invalidation.is_some(),
            "username": OWNER,
            "realm": OWNER_REALM,
            "realm_type": OWNER_REALM,
            "metadata": self.metadata,
            "role_descriptors": {"cross_cluster": self.access.role_descriptor()},
            "access": self.access.to_json(),
        });
        if let Some(expiration) = self.expiration {
            key["expiration"] = json!(expiration);
        }
        if let Some(invalidation) = self.invalidation {
            key["invalidation"] = json!(invalidation);
        }
        key
    }
}

/// Why credentials presented for cross-cluster access are refused (ES: `ApiKeyService`'s
/// authentication results).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialFailure {
    Malformed,
    Unknown {
        id: String,
    },
    WrongSecret {
        id: String,
    },
    Invalidated {
        id: String,
    },
    Expired,
    /// A cross-cluster key presented to the REST layer, which takes REST keys only.
    NotRest {
        id: String,
    },
}

impl CredentialFailure {
    /// The 401 Elasticsearch answers, with the API key's own reason.
    pub fn to_cause(&self) -> Cause {
        let reason = match self {
            CredentialFailure::Malformed => "invalid API key credentials".to_owned(),
            CredentialFailure::Unknown { id } => format!("unable to find apikey with id {id}"),
            CredentialFailure::WrongSecret { id } => {
                format!("invalid credentials for API key [{id}]")
            }
            CredentialFailure::Invalidated { id } => {
                format!("api key [{id}] has been invalidated")
            }
            CredentialFailure::Expired => "api key is expired".to_owned(),
            CredentialFailure::NotRest { id } => format!(
                "authentication expected API key type of [rest], but API key [{id}] has type \
                 [cross_cluster]"
            ),
        };
        Cause::new(
            "security_exception",
            "unable to authenticate with provided credentials and anonymous access is not \
             allowed for this request",
        )
        .with_metadata(
            "additional_unsuccessful_credentials",
            json!(format!("API key: {reason}")),
        )
    }
}

/// The cluster's cross-cluster API keys, in creation order.
#[derive(Debug, Default)]
pub struct ApiKeys {
    keys: Vec<CrossClusterKey>,
}

impl ApiKeys {
    /// Creates a key; the answer is the only place its secret ever shows.
    pub fn create(&mut self, request: CreateRequest, now: u64) -> Value {
        let key = CrossClusterKey {
            id: random_text(15),
            name: request.name,
            secret: random_text(16),
            access: request.access,
            metadata: request.metadata,
            creation: now,
            expiration: request.expiration_millis.map(|millis| now + millis),
            invalidation: None,
        };
        let encoded = STANDARD.encode(format!("{}:{}", key.id, key.secret));
        let mut answer = json!({
            "id": key.id,
            "name": key.name,
            "api_key": key.secret,
            "encoded": encoded,
        });
        if let Some(expiration) = key.expiration {
            answer["expiration"] = json!(expiration);
        }
        self.keys.push(key);
        answer
    }

    /// The keys of that id and name (each filter optional), active ones only when asked. No
    /// match is an empty list, not an error (ES: `ApiKeyService.getApiKeys`).
    pub fn find(
        &self,
        id: Option<&str>,
        name: Option<&str>,
        active_only: bool,
        now: u64,
    ) -> Vec<&CrossClusterKey> {
        self.keys
            .iter()
            .filter(|key| id.is_none_or(|id| key.id == id))
            .filter(|key| name.is_none_or(|pattern| name_matches(pattern, &key.name)))
            .filter(|key| !active_only || key.active(now))
            .collect()
    }

    /// Replaces what the update names; whether anything changed (ES:
    /// `ApiKeyService.updateApiKeys`, `validateForUpdate`).
    pub fn update(&mut self, id: &str, request: UpdateRequest, now: u64) -> Result<bool, EsError> {
        let Some(key) = self.keys.iter_mut().find(|key| key.id == id) else {
            return Err(EsError::new(
                StatusCode::NOT_FOUND,
                Cause::new(
                    "resource_not_found_exception",
                    format!("no API key owned by requesting user found for ID [{id}]"),
                ),
            ));
        };
        if key.invalidation.is_some() {
            return Err(EsError::illegal_argument(format!(
                "cannot update invalidated API key [{id}]"
            )));
        }
        if key.expired(now) {
            return Err(EsError::illegal_argument(format!(
                "cannot update expired API key [{id}]"
            )));
        }
        let before = (key.access.clone(), key.metadata.clone(), key.expiration);
        if let Some(access) = request.access {
            key.access = access;
        }
        if let Some(metadata) = request.metadata {
            key.metadata = metadata;
        }
        if let Some(millis) = request.expiration_millis {
            key.expiration = Some(now + millis);
        }
        Ok(before != (key.access.clone(), key.metadata.clone(), key.expiration))
    }

    /// Invalidates the selected keys. Keys invalidated before are not found again, so a
    /// repeated call invalidates nothing and fails nothing (ES: `ApiKeyService.invalidateApiKeys`
    /// looks for keys not invalidated yet).
    pub fn invalidate(&mut self, selector: &KeySelector, now: u64) -> Value {
        let mut invalidated = Vec::new();
        for key in self
            .keys
            .iter_mut()
            .filter(|key| key.invalidation.is_none() && selector.selects(&key.id, &key.name))
        {
            key.invalidation = Some(now);
            invalidated.push(key.id.clone());
        }
        json!({
            "invalidated_api_keys": invalidated,
            "previously_invalidated_api_keys": [],
            "error_count": 0,
        })
    }

    /// The key that `encoded` (base64 of `ID:SECRET`) presents, if it may be used now.
    pub fn authenticate(
        &self,
        encoded: &str,
        now: u64,
    ) -> Result<&CrossClusterKey, CredentialFailure> {
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(CredentialFailure::Malformed)?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or(CredentialFailure::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|key| key.id == id)
            .ok_or_else(|| CredentialFailure::Unknown { id: id.to_owned() })?;
        if key.secret != secret {
            return Err(CredentialFailure::WrongSecret { id: id.to_owned() });
        }
        if key.invalidation.is_some() {
            return Err(CredentialFailure::Invalidated { id: id.to_owned() });
        }
        if key.expired(now) {
            return Err(CredentialFailure::Expired);
        }
        Ok(key)
    }
}

/// `bytes` random bytes as URL-safe base64, the shape of Elasticsearch's key ids and secrets.
fn random_text(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    if SystemRandom::new().fill(&mut buffer).is_err() {
        tracing::error!("the system's random source failed");
    }
    URL_SAFE_NO_PAD.encode(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(keys: &mut ApiKeys, name: &str, expiration: Option<&str>) -> Value {
        let mut body = json!({"name": name, "access": {"search": [{"names": ["logs-*"]}]}});
        if let Some(expiration) = expiration {
            body["expiration"] = json!(expiration);
        }
        keys.create(CreateRequest::from_json(&body).expect("valid"), 1_000)
    }

    #[test]
    fn a_created_key_authenticates_until_invalidated() {
        let mut keys = ApiKeys::default();
        let created = create(&mut keys, "link", None);
        let encoded = created["encoded"].as_str().expect("encoded");
        let id = created["id"].as_str().expect("id");
        assert_eq!(id.len(), 20);
        assert_eq!(
            keys.authenticate(encoded, 2_000).map(|k| k.id.as_str()),
            Ok(id)
        );
        let wrong = STANDARD.encode(format!("{id}:nope"));
        assert_eq!(
            keys.authenticate(&wrong, 2_000).map(|k| k.id.clone()),
            Err(CredentialFailure::WrongSecret { id: id.into() })
        );
        let selector = KeySelector::from_json(&json!({"ids": [id]})).expect("valid");
        assert_eq!(
            keys.invalidate(&selector, 3_000)["invalidated_api_keys"],
            json!([id])
        );
        assert_eq!(
            keys.invalidate(&selector, 4_000)["invalidated_api_keys"],
            json!([]),
            "idempotent"
        );
        assert!(matches!(
            keys.authenticate(encoded, 5_000),
            Err(CredentialFailure::Invalidated { .. })
        ));
        assert!(keys.find(Some(id), None, true, 5_000).is_empty());
        assert_eq!(
            keys.find(Some(id), None, false, 5_000)[0].to_json()["invalidation"],
            3_000
        );
    }

    #[test]
    fn an_expired_key_neither_authenticates_nor_updates() {
        let mut keys = ApiKeys::default();
        let created = create(&mut keys, "short", Some("1s"));
        assert_eq!(created["expiration"], 2_000);
        let encoded = created["encoded"].as_str().expect("encoded");
        assert_eq!(
            keys.authenticate(encoded, 2_000).map(|k| k.id.clone()),
            Err(CredentialFailure::Expired)
        );
        let id = created["id"].as_str().expect("id");
        let update = UpdateRequest::from_json(&json!({"metadata": {"a": 1}})).expect("valid");
        let refused = keys.update(id, update, 2_000).expect_err("refused");
        assert_eq!(
            refused.reason(),
            format!("cannot update expired API key [{id}]")
        );
    }

    #[test]
    fn an_update_says_whether_it_changed_anything() {
        let mut keys = ApiKeys::default();
        let id = create(&mut keys, "k", None)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let same = json!({"access": {"search": [{"names": ["logs-*"]}]}});
        let update = |body: &Value| UpdateRequest::from_json(body).expect("valid");
        assert_eq!(keys.update(&id, update(&same), 1_500), Ok(false));
        let other = json!({"access": {"replication": [{"names": ["a"]}]}});
        assert_eq!(keys.update(&id, update(&other), 1_500), Ok(true));
        assert!(keys.update("nope", update(&other), 1_500).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let mut keys = ApiKeys::default();
        let secret = create(&mut keys, "k", None)["api_key"]
            .as_str()
            .expect("secret")
            .to_owned();
        assert!(!format!("{keys:?}").contains(&secret));
    }
}
