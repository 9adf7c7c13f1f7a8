//! Cluster settings as `_cluster/settings` handles them: reading a PUT body (flat, nested or
//! mixed keys, `null` to remove), applying it per scope with validation, rendering flat or nested.

use serde_json::{Map, Value, json};

use super::errors::EsError;
use super::registry::{self, FlatSettings, SettingValue};

/// Where a setting lives: persistent survives a full restart, transient does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Persistent,
    Transient,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Persistent => "persistent",
            Scope::Transient => "transient",
        }
    }
}

/// The changes of one scope: a value to set, or `None` to remove (a key ending in `*` removes
/// every matching key).
pub type ScopeChanges = std::collections::BTreeMap<String, Option<SettingValue>>;

/// A parsed `PUT _cluster/settings` body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsUpdate {
    pub persistent: ScopeChanges,
    pub transient: ScopeChanges,
}

impl SettingsUpdate {
    /// Reads a request body such as `{"persistent": {"cluster.remote.a": {"mode": "proxy"}}}`.
    pub fn from_json(body: &Value) -> Result<Self, EsError> {
        let Value::Object(fields) = body else {
            return Err(EsError::parse("request body is required"));
        };
        let mut update = SettingsUpdate::default();
        for (field, value) in fields {
            let changes = match field.as_str() {
                "persistent" => &mut update.persistent,
                "transient" => &mut update.transient,
                _ => {
                    return Err(EsError::x_content_parse(format!(
                        "[cluster_update_settings_request] unknown field [{field}]"
                    )));
                }
            };
            flatten_into(changes, "", value)?;
        }
        match update.persistent.is_empty() && update.transient.is_empty() {
            true => Err(EsError::request_validation("no settings to update")),
            false => Ok(update),
        }
    }

    fn changes(&self, scope: Scope) -> &ScopeChanges {
        match scope {
            Scope::Persistent => &self.persistent,
            Scope::Transient => &self.transient,
        }
    }
}

/// Adds the settings under `prefix` in `value` to `changes`, joining nested keys with dots.
fn flatten_into(changes: &mut ScopeChanges, prefix: &str, value: &Value) -> Result<(), EsError> {
    match value {
        Value::Object(fields) => fields.iter().try_for_each(|(key, inner)| {
            let key = match prefix {
                "" => key.clone(),
                _ => format!("{prefix}.{key}"),
            };
            flatten_into(changes, &key, inner)
        }),
        Value::Null if prefix.is_empty() => Ok(()),
        leaf => {
            let parsed = leaf_value(prefix, leaf)?;
            match changes.insert(prefix.to_owned(), parsed) {
                Some(_) => Err(EsError::parse(format!(
                    "duplicate settings key [{prefix}] found"
                ))),
                None => Ok(()),
            }
        }
    }
}

/// A JSON leaf as Elasticsearch stores it: scalars as text, arrays as lists of text.
fn leaf_value(key: &str, leaf: &Value) -> Result<Option<SettingValue>, EsError> {
    match leaf {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|item| scalar_text(item).ok_or_else(|| not_a_scalar(key, item)))
            .collect::<Result<_, _>>()
            .map(|items| Some(SettingValue::List(items))),
        scalar => scalar_text(scalar)
            .map(|text| Some(SettingValue::Text(text)))
            .ok_or_else(|| not_a_scalar(key, scalar)),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn not_a_scalar(key: &str, value: &Value) -> EsError {
    EsError::parse(format!(
        "expected a string, number or boolean in [{key}], found [{value}]"
    ))
}

/// The settings of both scopes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterSettings {
    pub persistent: FlatSettings,
    pub transient: FlatSettings,
}

/// The outcome of an accepted update: the new settings, and what was set (for the response).
#[derive(Clone, Debug, PartialEq)]
pub struct AppliedUpdate {
    pub settings: ClusterSettings,
    pub persistent: FlatSettings,
    pub transient: FlatSettings,
}

impl ClusterSettings {
    /// Applies `update` as Elasticsearch does: each value checked alone, then each resulting
    /// scope checked as a whole, then the effective settings. Nothing changes on error.
    pub fn apply(&self, update: &SettingsUpdate) -> Result<AppliedUpdate, EsError> {
        let (transient, transient_set) = apply_scope(
            &self.transient,
            update.changes(Scope::Transient),
            Scope::Transient,
        )?;
        let (persistent, persistent_set) = apply_scope(
            &self.persistent,
            update.changes(Scope::Persistent),
            Scope::Persistent,
        )?;
        let settings = ClusterSettings {
            persistent,
            transient,
        };
        for scope in [
            &settings.transient,
            &settings.persistent,
            &settings.effective(),
        ] {
            registry::check_dependencies(scope).map_err(EsError::illegal_argument)?;
        }
        Ok(AppliedUpdate {
            settings,
            persistent: persistent_set,
            transient: transient_set,
        })
    }

    /// What `_cluster/settings` updates are checked against and remotes are built from:
    /// node settings (`elasticsearch.yml`), then persistent, then transient values
    /// (Elasticsearch: `SettingsUpdater.updateSettings` ends with `validateUpdate`, which
    /// puts the node settings first).
    pub fn over(&self, node: &FlatSettings) -> FlatSettings {
        let mut merged = node.clone();
        merged.extend(self.effective());
        merged
    }

    /// The settings in force: transient values over persistent ones.
    pub fn effective(&self) -> FlatSettings {
        let mut effective = self.persistent.clone();
        effective.extend(self.transient.clone());
        effective
    }
}

/// Applies one scope's changes to `current`: removals first, then values. Returns the new
/// scope and the values set.
fn apply_scope(
    current: &FlatSettings,
    changes: &ScopeChanges,
    scope: Scope,
) -> Result<(FlatSettings, FlatSettings), EsError> {
    let mut removals = Vec::new();
    let mut values = FlatSettings::new();
    for (key, change) in changes {
        let known = registry::is_known(key);
        match change {
            None if known || key.ends_with('*') => removals.push(key.as_str()),
            Some(value) if known => {
                registry::check_value(key, value).map_err(EsError::illegal_argument)?;
                values.insert(key.clone(), value.clone());
            }
            _ => {
                return Err(EsError::illegal_argument(format!(
                    "{} setting [{key}], not recognized",
                    scope.name()
                )));
            }
        }
    }
    let mut next = current.clone();
    next.retain(|key, _| !removals.iter().any(|pattern| wildcard_match(pattern, key)));
    next.extend(values.clone());
    Ok((next, values))
}

/// The remote cluster settings of a node's `elasticsearch.yml` (nested or dotted keys), the
/// only node settings the emulated cluster acts on. A file it cannot read gives none.
pub fn node_remote_settings(config: &Value) -> FlatSettings {
    let mut changes = ScopeChanges::new();
    if flatten_into(&mut changes, "", config).is_err() {
        return FlatSettings::new();
    }
    changes
        .into_iter()
        .filter(|(key, _)| registry::remote_key(key).is_some() && registry::is_known(key))
        .filter_map(|(key, value)| Some((key, value?)))
        .collect()
}

/// Elasticsearch's `Regex.simpleMatch`: `*` matches any run of characters.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let Some((first, rest)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let Some(mut remaining) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('*').collect();
    let (last, middle) = parts.split_last().unwrap_or((&"", &[]));
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

/// Renders settings as Elasticsearch does: flat keys, or nested objects split on dots.
pub fn render(settings: &FlatSettings, flat: bool) -> Value {
    let mut root = Map::new();
    for (key, value) in settings {
        let value = value_json(value);
        match flat {
            true => {
                root.insert(key.clone(), value);
            }
            false => insert_nested(&mut root, key, value),
        }
    }
    Value::Object(root)
}

fn value_json(value: &SettingValue) -> Value {
    match value {
        SettingValue::Text(text) => json!(text),
        SettingValue::List(items) => json!(items),
    }
}

/// Inserts `value` at the dotted `key`; where a value already sits on the path, the rest of
/// the key stays dotted at that level.
fn insert_nested(object: &mut Map<String, Value>, key: &str, value: Value) {
    let Some((head, tail)) = key.split_once('.') else {
        object.insert(key.to_owned(), value);
        return;
    };
    let child = object
        .entry(head.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    match child {
        Value::Object(inner) => insert_nested(inner, tail, value),
        _ => {
            object.insert(key.to_owned(), value);
        }
    }
}

/// Flat settings as a JSON object, for tests and diagnostics.
pub fn to_flat_json(settings: &FlatSettings) -> Value {
    render(settings, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn update(body: Value) -> SettingsUpdate {
        SettingsUpdate::from_json(&body).expect("valid body")
    }

    fn applied(start: &ClusterSettings, body: Value) -> ClusterSettings {
        start.apply(&update(body)).expect("accepted").settings
    }

    fn refusal(start: &ClusterSettings, body: Value) -> String {
        let error = start.apply(&update(body)).expect_err("refused");
        assert_eq!(error.status.as_u16(), 400);
        error.reason().to_owned()
    }

    fn text(value: &str) -> SettingValue {
        SettingValue::Text(value.to_owned())
    }

    #[test]
    fn reads_flat_nested_and_mixed_keys_alike() {
        let flat = update(json!({"persistent": {
            "cluster.remote.a.mode": "proxy", "cluster.remote.a.proxy_address": "h:9300"}}));
        let nested = update(json!({"persistent": {"cluster": {"remote": {"a": {
            "mode": "proxy", "proxy_address": "h:9300"}}}}}));
        let mixed = update(json!({"persistent": {"cluster.remote": {
            "a.mode": "proxy", "a": {"proxy_address": "h:9300"}}}}));
        assert_eq!(flat, nested);
        assert_eq!(flat, mixed);
    }

    #[test]
    fn stores_scalars_as_text_the_way_elasticsearch_echoes_them() {
        let settings = applied(
            &ClusterSettings::default(),
            json!({"persistent": {"cluster.remote.a": {
                "mode": "proxy", "proxy_address": "h:9300",
                "skip_unavailable": true, "proxy_socket_connections": 18}}}),
        );
        assert_eq!(
            settings.persistent["cluster.remote.a.skip_unavailable"],
            text("true")
        );
        assert_eq!(
            settings.persistent["cluster.remote.a.proxy_socket_connections"],
            text("18")
        );
    }

    #[test]
    fn null_removes_and_wildcards_remove_every_match() {
        let start = applied(
            &ClusterSettings::default(),
            json!({"persistent": {"cluster.remote.a.mode": "proxy",
                "cluster.remote.a.proxy_address": "h:9300",
                "cluster.remote.b.seeds": ["h:9300"],
                "cluster.routing.allocation.enable": "primaries"}}),
        );
        let removed = applied(
            &start,
            json!({"persistent": {"cluster.remote.a.mode": null, "cluster.remote.a.proxy_address": null}}),
        );
        assert_eq!(
            removed.persistent.keys().collect::<Vec<_>>(),
            [
                "cluster.remote.b.seeds",
                "cluster.routing.allocation.enable"
            ]
        );
        let wiped = applied(&start, json!({"persistent": {"cluster.remote.*": null}}));
        assert_eq!(
            wiped.persistent.keys().collect::<Vec<_>>(),
            ["cluster.routing.allocation.enable"]
        );
    }

    #[test]
    fn refuses_unknown_settings_per_scope() {
        let start = ClusterSettings::default();
        assert_eq!(
            refusal(&start, json!({"persistent": {"x.y.z": 1}})),
            "persistent setting [x.y.z], not recognized"
        );
        assert_eq!(
            refusal(&start, json!({"transient": {"x.y.z": null}})),
            "transient setting [x.y.z], not recognized"
        );
    }

    #[test]
    fn validates_the_result_of_the_whole_request() {
        let start = ClusterSettings::default();
        assert_eq!(
            refusal(
                &start,
                json!({"persistent": {"cluster.remote.a": {"mode": "proxy", "seeds": ["h:9300"]}}})
            ),
            "Setting \"cluster.remote.a.seeds\" cannot be used with the configured \"cluster.remote.a.mode\" [required=SNIFF, configured=PROXY]"
        );
        let sniff = applied(
            &start,
            json!({"persistent": {"cluster.remote.a.seeds": ["h:9300"]}}),
        );
        let switched = applied(
            &sniff,
            json!({"persistent": {"cluster.remote.a": {
                "seeds": null, "mode": "proxy", "proxy_address": "h:9300"}}}),
        );
        assert_eq!(switched.persistent["cluster.remote.a.mode"], text("proxy"));
    }

    #[test]
    fn removing_the_address_but_not_skip_unavailable_is_refused() {
        let start = applied(
            &ClusterSettings::default(),
            json!({"persistent": {"cluster.remote.a": {
                "mode": "proxy", "proxy_address": "h:9300", "skip_unavailable": false}}}),
        );
        assert_eq!(
            refusal(
                &start,
                json!({"persistent": {"cluster.remote.a": {"mode": null, "proxy_address": null}}})
            ),
            "Cannot configure setting [cluster.remote.a.skip_unavailable] if remote cluster is not enabled."
        );
    }

    #[test]
    fn each_scope_must_be_consistent_on_its_own() {
        let start = applied(
            &ClusterSettings::default(),
            json!({"persistent": {"cluster.remote.a": {"mode": "proxy", "proxy_address": "h:9300"}}}),
        );
        assert!(
            refusal(
                &start,
                json!({"transient": {"cluster.remote.a.server_name": "x.example"}})
            )
            .contains("[required=PROXY, configured=SNIFF]")
        );
    }

    #[test]
    fn reads_remote_settings_from_a_nodes_yaml_only() {
        let config = json!({"cluster": {"name": "one", "remote": {"a": {"seeds": ["h:9300"]}}},
            "cluster.remote.a.node_connections": 2, "xpack.security.enabled": true});
        assert_eq!(
            node_remote_settings(&config),
            FlatSettings::from([
                ("cluster.remote.a.node_connections".into(), text("2")),
                (
                    "cluster.remote.a.seeds".into(),
                    SettingValue::List(vec!["h:9300".into()])
                ),
            ])
        );
    }

    #[test]
    fn transient_values_win_over_persistent_ones() {
        let settings = applied(
            &ClusterSettings::default(),
            json!({
                "persistent": {"cluster.routing.allocation.enable": "none"},
                "transient": {"cluster.routing.allocation.enable": "all"}}),
        );
        assert_eq!(
            settings.effective()["cluster.routing.allocation.enable"],
            text("all")
        );
    }

    #[test]
    fn reports_only_the_values_set() {
        let start = applied(
            &ClusterSettings::default(),
            json!({"persistent": {"cluster.routing.allocation.enable": "none"}}),
        );
        let result = start
            .apply(&update(json!({"persistent": {
                "action.destructive_requires_name": "true",
                "cluster.routing.allocation.enable": null}})))
            .expect("accepted");
        assert_eq!(
            render(&result.persistent, false),
            json!({"action": {"destructive_requires_name": "true"}})
        );
    }

    #[test]
    fn refuses_bodies_elasticsearch_refuses() {
        for (body, error_type) in [
            (json!({}), "action_request_validation_exception"),
            (
                json!({"persistent": {}}),
                "action_request_validation_exception",
            ),
            (json!({"settings": {}}), "x_content_parse_exception"),
            (json!([]), "parse_exception"),
            (
                json!({"persistent": {"a.b": [{"c": 1}]}}),
                "parse_exception",
            ),
            (
                json!({"persistent": {"a.b": 1, "a": {"b": 2}}}),
                "parse_exception",
            ),
        ] {
            let error = SettingsUpdate::from_json(&body).expect_err("refused");
            assert_eq!(error.error_type(), Some(error_type), "{body}");
        }
    }

    #[test]
    fn renders_flat_or_nested() {
        let settings = FlatSettings::from([
            ("cluster.remote.a.mode".into(), text("proxy")),
            (
                "cluster.remote.a.seeds".into(),
                SettingValue::List(vec!["h:1".into()]),
            ),
        ]);
        assert_eq!(
            render(&settings, false),
            json!({"cluster": {"remote": {"a": {"mode": "proxy", "seeds": ["h:1"]}}}})
        );
        assert_eq!(
            render(&settings, true),
            json!({"cluster.remote.a.mode": "proxy", "cluster.remote.a.seeds": ["h:1"]})
        );
    }

    #[test]
    fn wildcards_match_like_elasticsearch() {
        assert!(wildcard_match(
            "cluster.remote.a.*",
            "cluster.remote.a.mode"
        ));
        assert!(wildcard_match("*.mode", "cluster.remote.a.mode"));
        assert!(wildcard_match("cluster.*.a.*", "cluster.remote.a.mode"));
        assert!(!wildcard_match(
            "cluster.remote.a.*",
            "cluster.remote.ab.mode"
        ));
        assert!(!wildcard_match("a*aa", "aa"));
    }

    /// A remote alias's settings drawn from what clients write, valid or not.
    fn remote_changes() -> impl Strategy<Value = Value> {
        let alias = prop::sample::select(vec!["a", "b"]);
        let change = prop_oneof![
            Just(json!({"mode": "proxy", "proxy_address": "h:9300"})),
            Just(
                json!({"mode": "proxy", "proxy_address": "h:9300", "skip_unavailable": true,
                "proxy_socket_connections": 6, "server_name": "h.example"})
            ),
            Just(json!({"mode": "sniff", "seeds": ["h:9300"], "proxy_address": null})),
            Just(
                json!({"mode": null, "proxy_address": null, "skip_unavailable": null,
                "proxy_socket_connections": null, "server_name": null, "seeds": null})
            ),
            Just(json!({"transport.ping_schedule": "30s"})),
            Just(json!({"mode": "proxy", "seeds": ["h:9300"]})),
        ];
        prop::collection::vec((alias, change), 1..3).prop_map(|changes| {
            let mut remote = Map::new();
            for (alias, change) in changes {
                remote.insert(alias.to_owned(), change);
            }
            json!({"cluster": {"remote": remote}})
        })
    }

    proptest! {
        #[test]
        fn applying_the_same_update_twice_changes_nothing_more(
            first in remote_changes(),
            second in remote_changes(),
            transient in any::<bool>(),
        ) {
            let unrelated = applied(
                &ClusterSettings::default(),
                json!({"persistent": {"cluster.routing.allocation.enable": "primaries"},
                       "transient": {"action.destructive_requires_name": false}}),
            );
            let scope = if transient { "transient" } else { "persistent" };
            let start = unrelated
                .apply(&update(json!({ scope: first })))
                .map(|result| result.settings)
                .unwrap_or(unrelated);
            let second = update(json!({ scope: second }));
            if let Ok(once) = start.apply(&second) {
                let twice = once.settings.apply(&second).expect("accepted again");
                prop_assert_eq!(&twice.settings, &once.settings);
                prop_assert_eq!(
                    &once.settings.persistent["cluster.routing.allocation.enable"],
                    &text("primaries")
                );
                prop_assert_eq!(
                    &once.settings.transient["action.destructive_requires_name"],
                    &text("false")
                );
            }
        }
    }
}
