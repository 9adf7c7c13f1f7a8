//! The bodies of the cross-cluster API key requests, read and validated as Elasticsearch
//! does (ES: `RestCreateCrossClusterApiKeyAction`, `RestUpdateCrossClusterApiKeyAction`,
//! `CrossClusterApiKeyRoleDescriptorBuilder`, `AbstractCreateApiKeyRequest.validate`,
//! `UpdateCrossClusterApiKeyRequest.validate`, `InvalidateApiKeyRequest.validate`).

use serde_json::{Map, Value, json};

use super::errors::EsError;

/// What a key gives access to: index patterns for search and for replication.
#[derive(Clone, Debug, PartialEq)]
pub struct Access {
    /// Entries `{names, field_security?, query?, allow_restricted_indices}`.
    pub search: Vec<Value>,
    /// Entries `{names}`.
    pub replication: Vec<Value>,
}

/// `POST _security/cross_cluster/api_key`.
#[derive(Debug)]
pub struct CreateRequest {
    pub name: String,
    pub access: Access,
    pub expiration_millis: Option<u64>,
    pub metadata: Map<String, Value>,
}

/// `PUT _security/cross_cluster/api_key/ID`: what to replace.
#[derive(Debug)]
pub struct UpdateRequest {
    pub access: Option<Access>,
    pub metadata: Option<Map<String, Value>>,
    pub expiration_millis: Option<u64>,
}

/// `DELETE _security/api_key`: which keys.
#[derive(Debug, Default, PartialEq)]
pub struct KeySelector {
    pub ids: Vec<String>,
    /// An exact name, or a prefix ending in `*` (`*` alone: every key).
    pub name: Option<String>,
    /// `owner: true` alone: every key of the requesting user (every key, in the sandbox).
    pub owned: bool,
}

impl CreateRequest {
    pub fn from_json(body: &Value) -> Result<Self, EsError> {
        let fields = object(body, "cross_cluster_api_key_request_payload")?;
        only_known(
            fields,
            "cross_cluster_api_key_request_payload",
            &["name", "access", "expiration", "metadata"],
        )?;
        let missing: Vec<&str> = ["name", "access"]
            .into_iter()
            .filter(|field| fields.get(*field).is_none_or(Value::is_null))
            .collect();
        if !missing.is_empty() {
            return Err(EsError::illegal_argument(format!(
                "Required [{}]",
                missing.join(", ")
            )));
        }
        let name = fields["name"].as_str().unwrap_or_default().to_owned();
        let access = Access::from_json(&fields["access"])?;
        let expiration_millis = expiration(fields.get("expiration"))?;
        let metadata = metadata(fields.get("metadata"))?.unwrap_or_default();
        validate_name(&name)?;
        Ok(CreateRequest {
            name,
            access,
            expiration_millis,
            metadata,
        })
    }
}

impl UpdateRequest {
    pub fn from_json(body: &Value) -> Result<Self, EsError> {
        let fields = object(body, "update_cross_cluster_api_key_request_payload")?;
        only_known(
            fields,
            "update_cross_cluster_api_key_request_payload",
            &["access", "expiration", "metadata"],
        )?;
        let access = match fields.get("access") {
            None | Some(Value::Null) => None,
            Some(access) => Some(Access::from_json(access)?),
        };
        let metadata = metadata(fields.get("metadata"))?;
        // An expiration alone is not an update of a cross-cluster key.
        if access.is_none() && metadata.is_none() {
            return Err(EsError::request_validation(
                "must update either [access] or [metadata] for cross-cluster API keys",
            ));
        }
        Ok(UpdateRequest {
            access,
            metadata,
            expiration_millis: expiration(fields.get("expiration"))?,
        })
    }
}

impl KeySelector {
    pub fn from_json(body: &Value) -> Result<Self, EsError> {
        let fields = object(body, "invalidate_api_key")?;
        only_known(
            fields,
            "invalidate_api_key",
            &["ids", "id", "name", "owner", "username", "realm_name"],
        )?;
        let mut ids: Vec<String> = strings(&fields.get("ids").cloned().unwrap_or(Value::Null));
        ids.extend(fields.get("id").and_then(Value::as_str).map(str::to_owned));
        let name = fields
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let owned = fields.get("owner") == Some(&Value::Bool(true));
        check_one_selector(!ids.is_empty(), name.is_some(), owned)?;
        Ok(KeySelector { ids, name, owned })
    }

    /// Whether this selects the key of that id and name (ES: `ApiKeyService` matches a name
    /// ending in `*` as a prefix).
    pub fn selects(&self, id: &str, name: &str) -> bool {
        let by_id = self.ids.iter().any(|wanted| wanted == id);
        let by_name = self
            .name
            .as_deref()
            .is_some_and(|wanted| name_matches(wanted, name));
        let by_owner = self.owned && self.ids.is_empty() && self.name.is_none();
        by_id || by_name || by_owner
    }
}

/// Ids or a name, not both; one of them unless `owner` (ES: `InvalidateApiKeyRequest` and
/// `GetApiKeyRequest` `validate`; selecting by user or realm is not emulated: the sandbox
/// has one user).
pub fn check_one_selector(ids: bool, name: bool, owned: bool) -> Result<(), EsError> {
    let problem = match (ids, name) {
        (true, true) => "only one of [api key id(s), api key name] can be specified",
        (false, false) if !owned => {
            "One of [api key id(s), api key name, username, realm name] must be specified if \
             [owner] flag is false"
        }
        _ => return Ok(()),
    };
    Err(EsError::request_validation(problem))
}

/// An exact name, or a prefix ending in `*`.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

impl Access {
    fn from_json(value: &Value) -> Result<Self, EsError> {
        let fields = object(value, "cross_cluster_api_key_request_access")?;
        only_known(
            fields,
            "cross_cluster_api_key_request_access",
            &["search", "replication"],
        )?;
        let search = entries(fields.get("search"), "search")?;
        let replication = entries(fields.get("replication"), "replication")?;
        if search.is_empty() && replication.is_empty() {
            return Err(EsError::illegal_argument(
                "must specify non-empty access for either [search] or [replication]",
            ));
        }
        if replication
            .iter()
            .any(|entry| entry.get("field_security").is_some() || entry.get("query").is_some())
        {
            return Err(EsError::illegal_argument(
                "replication does not support document or field level security",
            ));
        }
        Ok(Access {
            search: search.into_iter().map(with_search_defaults).collect(),
            replication: replication
                .into_iter()
                .map(|entry| json!({"names": entry["names"]}))
                .collect(),
        })
    }

    pub fn to_json(&self) -> Value {
        let mut access = Map::new();
        if !self.search.is_empty() {
            access.insert("search".into(), json!(self.search));
        }
        if !self.replication.is_empty() {
            access.insert("replication".into(), json!(self.replication));
        }
        Value::Object(access)
    }

    /// The index patterns granted for cross-cluster search.
    pub fn search_patterns(&self) -> Vec<String> {
        self.search
            .iter()
            .flat_map(|entry| strings(&entry["names"]))
            .collect()
    }

    /// The role descriptor Elasticsearch derives from the access (`role_descriptors`).
    pub fn role_descriptor(&self) -> Value {
        let cluster: Vec<&str> = [
            (!self.search.is_empty()).then_some("cross_cluster_search"),
            (!self.replication.is_empty()).then_some("cross_cluster_replication"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let with_privileges = |entries: &[Value], privileges: &[&str]| -> Vec<Value> {
            entries
                .iter()
                .map(|entry| {
                    let mut entry = entry.clone();
                    entry["privileges"] = json!(privileges);
                    entry["allow_restricted_indices"] = json!(false);
                    entry
                })
                .collect()
        };
        let mut indices = with_privileges(
            &self.search,
            &["read", "read_cross_cluster", "view_index_metadata"],
        );
        indices.extend(with_privileges(
            &self.replication,
            &[
                "cross_cluster_replication",
                "cross_cluster_replication_internal",
            ],
        ));
        json!({
            "cluster": cluster,
            "indices": indices,
            "applications": [],
            "run_as": [],
            "metadata": {},
            "transient_metadata": {"enabled": true},
        })
    }
}

/// The fields of one entry, for search and replication alike (the builder then refuses
/// document and field level security for replication).
const INDEX_FIELDS: &[&str] = &[
    "names",
    "field_security",
    "query",
    "allow_restricted_indices",
];

fn entries(value: Option<&Value>, field: &str) -> Result<Vec<Value>, EsError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(EsError::x_content_parse(format!(
                "[cross_cluster_api_key_request_access] failed to parse field [{field}]"
            )));
        }
    };
    items.iter().map(entry).collect()
}

/// One `{names: [...]}` entry (ES: `RoleDescriptor.parseIndexWithPrivileges`).
fn entry(item: &Value) -> Result<Value, EsError> {
    let fields = item
        .as_object()
        .ok_or_else(|| parse_failure("expected field [names] value to be an object"))?;
    if let Some(unknown) = fields
        .keys()
        .find(|key| !INDEX_FIELDS.contains(&key.as_str()))
    {
        return Err(parse_failure(&format!("unexpected field [{unknown}]")));
    }
    let names = strings(fields.get("names").unwrap_or(&Value::Null));
    if fields.get("names").is_none_or(Value::is_null) {
        return Err(parse_failure("missing required [names] field"));
    }
    if names.is_empty() {
        return Err(EsError::illegal_argument(
            "indices privileges must refer to at least one index name or index name pattern",
        ));
    }
    let mut entry = item.clone();
    entry["names"] = json!(names);
    Ok(entry)
}

fn parse_failure(problem: &str) -> EsError {
    EsError::parse(format!(
        "failed to parse indices privileges for role [cross_cluster]. {problem}"
    ))
}

fn with_search_defaults(mut entry: Value) -> Value {
    if entry.get("allow_restricted_indices").is_none() {
        entry["allow_restricted_indices"] = json!(false);
    }
    entry
}

/// A string or a list of strings, as a list.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn object<'a>(value: &'a Value, parser: &str) -> Result<&'a Map<String, Value>, EsError> {
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    match value {
        Value::Object(fields) => Ok(fields),
        Value::Null => Ok(&EMPTY),
        _ => Err(EsError::x_content_parse(format!(
            "[{parser}] Expected START_OBJECT"
        ))),
    }
}

fn only_known(fields: &Map<String, Value>, parser: &str, known: &[&str]) -> Result<(), EsError> {
    match fields.keys().find(|key| !known.contains(&key.as_str())) {
        Some(unknown) => Err(EsError::x_content_parse(format!(
            "[{parser}] unknown field [{unknown}]"
        ))),
        None => Ok(()),
    }
}

fn validate_name(name: &str) -> Result<(), EsError> {
    let problem = if name.is_empty() {
        "api key name is required"
    } else if name.chars().count() > 256 {
        "api key name may not be more than 256 characters long"
    } else if name != name.trim() {
        "api key name may not begin or end with whitespace"
    } else if name.starts_with('_') {
        "api key name may not begin with an underscore"
    } else {
        return Ok(());
    };
    Err(EsError::request_validation(problem))
}

fn metadata(value: Option<&Value>) -> Result<Option<Map<String, Value>>, EsError> {
    let Some(Value::Object(metadata)) = value else {
        return Ok(None);
    };
    if metadata.keys().any(|key| key.starts_with('_')) {
        return Err(EsError::request_validation(
            "API key metadata keys may not start with [_]",
        ));
    }
    Ok(Some(metadata.clone()))
}

/// An `expiration` time value (`30m`, `1d`) in milliseconds (ES: `TimeValue.parseTimeValue`).
fn expiration(value: Option<&Value>) -> Result<Option<u64>, EsError> {
    let Some(text) = value.and_then(Value::as_str) else {
        return Ok(None);
    };
    time_value_millis(text).map(Some).ok_or_else(|| {
        EsError::parse(format!(
            "failed to parse setting [expiration] with value [{text}] as a time value: unit is \
             missing or unrecognized"
        ))
    })
}

fn time_value_millis(text: &str) -> Option<u64> {
    const UNITS: [(&str, f64); 7] = [
        ("nanos", 1e-6),
        ("micros", 1e-3),
        ("ms", 1.0),
        ("s", 1e3),
        ("m", 60e3),
        ("h", 3600e3),
        ("d", 86_400e3),
    ];
    let text = text.trim().to_ascii_lowercase();
    UNITS.iter().find_map(|(unit, factor)| {
        let number: f64 = text.strip_suffix(unit)?.trim().parse().ok()?;
        (number >= 0.0).then(|| (number * factor) as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_request_needs_a_name_and_some_access() {
        let missing = CreateRequest::from_json(&json!({})).expect_err("refused");
        assert_eq!(missing.reason(), "Required [name, access]");
        let empty =
            CreateRequest::from_json(&json!({"name": "k", "access": {}})).expect_err("refused");
        assert_eq!(
            empty.reason(),
            "must specify non-empty access for either [search] or [replication]"
        );
        let no_names = CreateRequest::from_json(&json!({"name": "k", "access": {"search": [{}]}}))
            .expect_err("refused");
        assert_eq!(
            no_names.reason(),
            "failed to parse indices privileges for role [cross_cluster]. missing required [names] field"
        );
        let underscore = CreateRequest::from_json(
            &json!({"name": "_k", "access": {"search": [{"names": ["a"]}]}}),
        )
        .expect_err("refused");
        assert_eq!(
            underscore.reason(),
            "Validation Failed: 1: api key name may not begin with an underscore;"
        );
    }

    #[test]
    fn a_create_request_reads_access_and_expiration() {
        let request = CreateRequest::from_json(&json!({
            "name": "k",
            "access": {"search": [{"names": "logs-*"}], "replication": [{"names": ["a"]}]},
            "expiration": "2h",
        }))
        .expect("valid");
        assert_eq!(request.expiration_millis, Some(7_200_000));
        assert_eq!(request.access.search_patterns(), ["logs-*"]);
        assert_eq!(
            request.access.role_descriptor()["cluster"],
            json!(["cross_cluster_search", "cross_cluster_replication"])
        );
        let dls = CreateRequest::from_json(&json!({
            "name": "k", "access": {"replication": [{"names": ["a"], "query": "{}"}]},
        }))
        .expect_err("refused");
        assert_eq!(
            dls.reason(),
            "replication does not support document or field level security"
        );
    }

    #[test]
    fn an_update_must_change_access_or_metadata() {
        let error = UpdateRequest::from_json(&json!({"expiration": "1d"})).expect_err("refused");
        assert_eq!(
            error.reason(),
            "Validation Failed: 1: must update either [access] or [metadata] for cross-cluster API keys;"
        );
    }

    #[test]
    fn names_select_exactly_or_by_a_trailing_wildcard() {
        assert!(name_matches("eck-*", "eck-a"));
        assert!(name_matches("*", "x"));
        assert!(!name_matches("eck", "eck-a"));
        assert!(KeySelector::from_json(&json!({})).is_err());
        assert!(KeySelector::from_json(&json!({"ids": ["a"], "name": "b"})).is_err());
        let by_id = KeySelector::from_json(&json!({"ids": ["a"]})).expect("valid");
        assert!(by_id.selects("a", "z") && !by_id.selects("x", "b"));
        let owned = KeySelector::from_json(&json!({"owner": true})).expect("valid");
        assert!(owned.selects("x", "b"));
    }
}
