//! Cross-cluster API keys (Elasticsearch 8.14+): made, read, updated and invalidated on the
//! remote cluster of an API-key link. Their secret part is held in a [`Secret`] from the
//! moment Elasticsearch answers, and never shown.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::call::{Call, Privilege};
use super::client::Elasticsearch;
use super::credentials::Secret;

/// Making and invalidating keys needs `manage_security`; reading every user's keys too (a
/// user with `manage_own_api_key` sees only its own).
const MANAGE_SECURITY: Privilege = Privilege::Cluster("manage_security");

/// A key as `GET _security/api_key` shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: Option<String>,
    /// `cross_cluster` or `rest` (absent before 8.10, where every key is a REST one).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// When it was made, in milliseconds since the epoch.
    #[serde(default)]
    pub creation: Option<i64>,
    /// When it expires, in milliseconds since the epoch; never when absent.
    #[serde(default)]
    pub expiration: Option<i64>,
    #[serde(default)]
    pub invalidated: bool,
    /// A cross-cluster key's `search` and `replication` access.
    #[serde(default)]
    pub access: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
}

impl ApiKeyInfo {
    /// Whether the key can still authenticate at `now_millis`.
    pub fn is_usable(&self, now_millis: i64) -> bool {
        !self.invalidated
            && self
                .expiration
                .is_none_or(|expiration| expiration > now_millis)
    }
}

#[derive(Deserialize)]
struct ApiKeysAnswer {
    #[serde(default)]
    api_keys: Vec<ApiKeyInfo>,
}

/// A key just made: `encoded` (base64 of `id:api_key`) is what the other cluster's keystore
/// takes as `cluster.remote.ALIAS.credentials`.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub id: String,
    pub name: String,
    pub encoded: Secret,
}

#[derive(Deserialize)]
struct CreatedKeyAnswer {
    id: String,
    name: String,
    encoded: String,
}

/// What `DELETE _security/api_key` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Invalidated {
    #[serde(default)]
    pub invalidated_api_keys: Vec<String>,
    #[serde(default)]
    pub previously_invalidated_api_keys: Vec<String>,
    #[serde(default)]
    pub error_count: u32,
}

impl Invalidated {
    /// Whether the answer names `id` as invalid (this request's doing, or an earlier one's
    /// where Elasticsearch says so).
    pub fn covers(&self, id: &str) -> bool {
        self.invalidated_api_keys
            .iter()
            .chain(&self.previously_invalidated_api_keys)
            .any(|done| done == id)
    }
}

#[derive(Deserialize)]
struct UpdatedAnswer {
    updated: bool,
}

impl Elasticsearch {
    /// `POST _security/cross_cluster/api_key` with `body` (`name`, `access`, and maybe
    /// `expiration` and `metadata`). Elasticsearch refuses it when ecr authenticates with an
    /// API key: it must be a user's password (ES: `TransportCreateCrossClusterApiKeyAction`).
    pub async fn create_cross_cluster_key(&self, body: &Value) -> anyhow::Result<CreatedKey> {
        let call = Call::get(
            "_security/cross_cluster/api_key",
            "create a cross-cluster API key",
            MANAGE_SECURITY,
        )
        .with_method(Method::POST);
        let answer: CreatedKeyAnswer = self.write(&call, body).await?;
        Ok(CreatedKey {
            id: answer.id,
            name: answer.name,
            encoded: Secret::new(answer.encoded),
        })
    }

    /// `GET _security/api_key?id=ID`: the key, or `None` when Elasticsearch knows no such key
    /// (it answers 404, or an empty list, depending on the version).
    pub async fn api_key(&self, id: &str) -> anyhow::Result<Option<ApiKeyInfo>> {
        let call = Call::get("_security/api_key", "read an API key", MANAGE_SECURITY)
            .with_query(format!("id={}", urlencoding(id)));
        match self.read::<ApiKeysAnswer>(&call).await {
            Ok(answer) => Ok(answer.api_keys.into_iter().find(|key| key.id == id)),
            Err(error)
                if crate::error::Failure::is(&error, crate::error::FailureKind::NotFound) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// `GET _security/api_key?name=NAME`: the keys of that name, valid or not.
    pub async fn api_keys_named(&self, name: &str) -> anyhow::Result<Vec<ApiKeyInfo>> {
        let call = Call::get("_security/api_key", "list API keys", MANAGE_SECURITY)
            .with_query(format!("name={}", urlencoding(name)));
        match self.read::<ApiKeysAnswer>(&call).await {
            Ok(answer) => Ok(answer.api_keys),
            Err(error)
                if crate::error::Failure::is(&error, crate::error::FailureKind::NotFound) =>
            {
                Ok(Vec::new())
            }
            Err(error) => Err(error),
        }
    }

    /// `PUT _security/cross_cluster/api_key/ID` with `body` (`access` replaces the key's):
    /// whether anything changed.
    pub async fn update_cross_cluster_key(&self, id: &str, body: &Value) -> anyhow::Result<bool> {
        let mut call = Call::get(
            "_security/cross_cluster/api_key",
            "update a cross-cluster API key",
            MANAGE_SECURITY,
        )
        .with_method(Method::PUT);
        call.segments.push(id.to_string());
        let answer: UpdatedAnswer = self.write(&call, body).await?;
        Ok(answer.updated)
    }

    /// `DELETE _security/api_key` of these ids: idempotent, an invalidated key stays listed.
    pub async fn invalidate_api_keys(&self, ids: &[String]) -> anyhow::Result<Invalidated> {
        let call = Call::get("_security/api_key", "invalidate API keys", MANAGE_SECURITY)
            .with_method(Method::DELETE);
        self.write(&call, &json!({"ids": ids})).await
    }
}

/// A query value: key ids and names are URL-safe base64 or ecr's names, but a name pattern
/// may hold `*`, which stays as it is.
fn urlencoding(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace("%2A", "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_usable_until_invalidated_or_expired() {
        let key: ApiKeyInfo = serde_json::from_value(json!({
            "id": "k1", "name": "ecr-a", "type": "cross_cluster", "creation": 1000,
            "expiration": 5000, "invalidated": false, "username": "elastic", "realm": "file",
            "access": {"search": [{"names": ["logs-*"]}]}
        }))
        .unwrap();
        assert!(key.is_usable(4999));
        assert!(!key.is_usable(5000));
        let invalidated = ApiKeyInfo {
            invalidated: true,
            expiration: None,
            ..key
        };
        assert!(!invalidated.is_usable(0));
    }

    #[test]
    fn invalidation_counts_keys_invalidated_before() {
        let answer: Invalidated = serde_json::from_value(json!({
            "invalidated_api_keys": ["a"], "previously_invalidated_api_keys": ["b"],
            "error_count": 0
        }))
        .unwrap();
        assert!(answer.covers("a") && answer.covers("b") && !answer.covers("c"));
    }

    #[test]
    fn name_patterns_keep_their_wildcards() {
        assert_eq!(urlencoding("ecr-ns-one-*"), "ecr-ns-one-*");
        assert_eq!(urlencoding("a b&c"), "a+b%26c");
    }
}
