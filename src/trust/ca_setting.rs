//! `xpack.security.transport.ssl.certificate_authorities` (or the remote cluster client's) in
//! a nodeSet's `config`, wherever and however it is written (dotted, nested or mixed; list,
//! string or null), kept a list.

use serde_json::{Map, Value};

use crate::error::{Failure, FailureKind};

/// The setting, as Elasticsearch splits it.
const SETTING: [&str; 5] = [
    "xpack",
    "security",
    "transport",
    "ssl",
    "certificate_authorities",
];

/// Which connections of the nodes trust the CAs of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaLayer {
    /// The transport layer: nodes of this cluster and of certificate-based remotes, both ways.
    Transport,
    /// The client side of API-key links only: connections this cluster opens to remote
    /// cluster servers (port 9443). A remote's CA here does not widen what the transport
    /// trusts (ES: `RemoteClusterSecuritySettings`, `xpack.security.remote_cluster_client.ssl`).
    RemoteClusterClient,
}

impl CaLayer {
    /// The CA setting of this layer, as Elasticsearch splits it.
    fn setting(self) -> [&'static str; 5] {
        match self {
            CaLayer::Transport => SETTING,
            CaLayer::RemoteClusterClient => [
                "xpack",
                "security",
                "remote_cluster_client",
                "ssl",
                "certificate_authorities",
            ],
        }
    }

    /// The setting as one dotted key.
    pub fn setting_name(self) -> String {
        self.setting().join(".")
    }
}

/// Makes `path` one of the trusted CA files of `config`, keeping every path already there.
///
/// ECK merges this setting after its own list with go-ucfg's `AppendValues`: a list is
/// appended to ECK's paths, but a plain string replaces them (and the nodes stop trusting
/// their own cluster). So the value is always written as a list, at the place where the key
/// already is, or as a new dotted key.
pub fn ensure_ca_path(
    config: &mut Map<String, Value>,
    layer: CaLayer,
    path: &str,
    node_set: &str,
) -> Result<(), Failure> {
    let setting = layer.setting();
    let places = places(config, &setting);
    let place = match places.as_slice() {
        [] => vec![setting.join(".")],
        [place] => place.clone(),
        _ => {
            let shown: Vec<String> = places.iter().map(|place| describe(place)).collect();
            return Err(Failure::new(
                FailureKind::Invalid,
                format!(
                    "the config of nodeSet {node_set} sets {} at more than one place: {}",
                    setting.join("."),
                    shown.join(", ")
                ),
            )
            .with_hint("keep it at one place, as a list, then run this again"));
        }
    };
    let value = value_at(config, &place).ok_or_else(|| {
        Failure::new(
            FailureKind::Invalid,
            format!(
                "{} in the config of nodeSet {node_set} cannot be reached",
                describe(&place)
            ),
        )
    })?;
    let mut paths = match value.take() {
        Value::Null => Vec::new(),
        Value::String(single) => vec![Value::String(single)],
        Value::Array(paths) => paths,
        other => {
            *value = other;
            return Err(Failure::new(
                FailureKind::Invalid,
                format!(
                    "{} in the config of nodeSet {node_set} is neither a list of paths nor a path",
                    describe(&place)
                ),
            )
            .with_hint("write it as a list of CA file paths"));
        }
    };
    if !paths.iter().any(|known| known.as_str() == Some(path)) {
        paths.push(Value::String(path.to_string()));
    }
    *value = Value::Array(paths);
    Ok(())
}

/// The values of the setting, one per place where `config` sets it.
#[cfg(test)]
pub fn ca_values(config: &Map<String, Value>) -> Vec<&Value> {
    places(config, &SETTING)
        .iter()
        .filter_map(|place| {
            let (last, parents) = place.split_last()?;
            parents
                .iter()
                .try_fold(config, |map, key| map.get(key)?.as_object())?
                .get(last)
        })
        .collect()
}

/// Every key path in `map` that spells `setting`: `a.b: {c: ...}` spells `a.b.c`.
fn places(map: &Map<String, Value>, setting: &[&str]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for (key, value) in map {
        let parts: Vec<&str> = key.split('.').collect();
        let Some(rest) = setting.strip_prefix(parts.as_slice()) else {
            continue;
        };
        if rest.is_empty() {
            found.push(vec![key.clone()]);
        } else if let Some(inner) = value.as_object() {
            for mut place in places(inner, rest) {
                place.insert(0, key.clone());
                found.push(place);
            }
        }
    }
    found
}

/// The value at a key path found by `places` (or a new key of `config`, set to null).
fn value_at<'a>(config: &'a mut Map<String, Value>, place: &[String]) -> Option<&'a mut Value> {
    let (last, parents) = place.split_last()?;
    let map = parents
        .iter()
        .try_fold(config, |map, key| map.get_mut(key)?.as_object_mut())?;
    Some(map.entry(last.clone()).or_insert(Value::Null))
}

/// A key path as the config's YAML would show it.
fn describe(place: &[String]) -> String {
    place.join(" > ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OURS: &str = "/usr/share/elasticsearch/config/other/remote.ca.crt";
    const THEIRS: &str = "/usr/share/elasticsearch/config/extra/ca.crt";

    fn ensured(config: Value) -> Result<Value, Failure> {
        let mut config = config.as_object().cloned().unwrap();
        ensure_ca_path(&mut config, CaLayer::Transport, OURS, "data")?;
        Ok(Value::Object(config))
    }

    #[test]
    fn an_absent_setting_becomes_a_dotted_list() {
        let config = json!({"node.roles": ["data"], "xpack.security.authc": {"realms": {}}});
        assert_eq!(
            ensured(config).unwrap(),
            json!({"node.roles": ["data"], "xpack.security.authc": {"realms": {}},
                   "xpack.security.transport.ssl.certificate_authorities": [OURS]})
        );
    }

    #[test]
    fn the_path_is_appended_where_the_setting_already_is() {
        let cases = [
            (
                json!({"xpack.security.transport.ssl.certificate_authorities": [THEIRS]}),
                json!({"xpack.security.transport.ssl.certificate_authorities": [THEIRS, OURS]}),
            ),
            (
                json!({"xpack": {"security": {"transport": {"ssl": {"certificate_authorities": [THEIRS], "supported_protocols": ["TLSv1.3"]}}}}}),
                json!({"xpack": {"security": {"transport": {"ssl": {"certificate_authorities": [THEIRS, OURS], "supported_protocols": ["TLSv1.3"]}}}}}),
            ),
            (
                json!({"xpack.security": {"transport.ssl.certificate_authorities": [THEIRS]}}),
                json!({"xpack.security": {"transport.ssl.certificate_authorities": [THEIRS, OURS]}}),
            ),
            (
                json!({"xpack.security.transport": {"ssl": {"certificate_authorities": null}}}),
                json!({"xpack.security.transport": {"ssl": {"certificate_authorities": [OURS]}}}),
            ),
            (
                json!({"xpack.security.transport.ssl.certificate_authorities": []}),
                json!({"xpack.security.transport.ssl.certificate_authorities": [OURS]}),
            ),
        ];
        for (config, expected) in cases {
            assert_eq!(ensured(config.clone()).unwrap(), expected, "{config}");
        }
    }

    #[test]
    fn a_plain_string_becomes_a_list_so_ecks_own_paths_stay() {
        let config = json!({"xpack.security.transport.ssl.certificate_authorities": THEIRS});
        assert_eq!(
            ensured(config).unwrap(),
            json!({"xpack.security.transport.ssl.certificate_authorities": [THEIRS, OURS]})
        );
        let ours_as_string =
            json!({"xpack": {"security.transport.ssl.certificate_authorities": OURS}});
        assert_eq!(
            ensured(ours_as_string).unwrap(),
            json!({"xpack": {"security.transport.ssl.certificate_authorities": [OURS]}})
        );
    }

    #[test]
    fn a_path_already_listed_is_not_listed_twice() {
        let config =
            json!({"xpack.security.transport.ssl.certificate_authorities": [OURS, THEIRS]});
        assert_eq!(ensured(config.clone()).unwrap(), config);
    }

    #[test]
    fn similar_settings_are_not_mistaken_for_it() {
        let config = json!({
            "xpack.security.http.ssl.certificate_authorities": [THEIRS],
            "xpack.security.transport.ssl": {"certificate_authorities_extra": 1},
            "xpack.security.transport.sslx.certificate_authorities": [THEIRS],
        });
        let edited = ensured(config.clone()).unwrap();
        let mut expected = config;
        expected["xpack.security.transport.ssl.certificate_authorities"] = json!([OURS]);
        assert_eq!(edited, expected);
    }

    #[test]
    fn a_setting_at_two_places_is_refused() {
        let config = json!({
            "xpack.security.transport.ssl.certificate_authorities": [THEIRS],
            "xpack": {"security": {"transport.ssl": {"certificate_authorities": []}}},
        });
        let failure = ensured(config).unwrap_err();
        assert_eq!(failure.kind, FailureKind::Invalid);
        assert_eq!(
            failure.message,
            "the config of nodeSet data sets xpack.security.transport.ssl.certificate_authorities at more than one place: \
             xpack > security > transport.ssl > certificate_authorities, xpack.security.transport.ssl.certificate_authorities"
        );
        assert!(failure.hint.is_some());
    }

    #[test]
    fn a_setting_that_is_not_paths_is_refused() {
        for value in [json!(3), json!({"a": 1}), json!(true)] {
            let config = json!({"xpack.security.transport.ssl.certificate_authorities": value});
            let failure = ensured(config).unwrap_err();
            assert_eq!(failure.kind, FailureKind::Invalid);
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// The setting spelt with a nesting choice at each of its four dots, holding `value`.
        fn spelt(nest_at: &[bool], value: Value) -> Value {
            let mut groups = vec![vec![SETTING[0]]];
            for (part, nest) in SETTING[1..].iter().zip(nest_at) {
                match groups.last_mut() {
                    Some(group) if !nest => group.push(part),
                    _ => groups.push(vec![part]),
                }
            }
            groups
                .iter()
                .rev()
                .fold(value, |inner, group| json!({group.join("."): inner}))
        }

        /// Adds `addition` to `target`, merging the maps both have (nulls are kept).
        fn deep_insert(target: &mut Value, addition: Value) {
            match (target, addition) {
                (Value::Object(target), Value::Object(addition)) => {
                    for (key, value) in addition {
                        match target.get_mut(&key) {
                            Some(existing) => deep_insert(existing, value),
                            None => {
                                target.insert(key, value);
                            }
                        }
                    }
                }
                (target, addition) => *target = addition,
            }
        }

        fn setting_value() -> impl Strategy<Value = Value> {
            let path = "/usr/share/elasticsearch/config/[a-z]{1,3}/ca.crt";
            prop_oneof![
                Just(Value::Null),
                path.prop_map(Value::from),
                prop::collection::vec(path, 0..3).prop_map(Value::from),
                any::<i32>().prop_map(Value::from),
                Just(json!({"a": 1})),
            ]
        }

        fn config() -> impl Strategy<Value = (Map<String, Value>, usize)> {
            let spelling = (prop::collection::vec(any::<bool>(), 4), setting_value());
            (
                prop::collection::vec(spelling, 0..3),
                prop::collection::btree_map("[a-z]{1,5}(\\.[a-z]{1,5})?", any::<i32>(), 0..3),
            )
                .prop_map(|(spellings, others)| {
                    let mut config = json!(others);
                    let mut distinct = Vec::new();
                    for (nest_at, value) in spellings {
                        if !distinct.contains(&nest_at) {
                            distinct.push(nest_at.clone());
                        }
                        deep_insert(&mut config, spelt(&nest_at, value));
                    }
                    let config = config.as_object().cloned().unwrap_or_default();
                    (config, distinct.len())
                })
        }

        proptest! {
            #[test]
            fn the_path_is_listed_once_and_nothing_else_moves((config, spellings) in config()) {
                let mut edited = config.clone();
                match ensure_ca_path(&mut edited, CaLayer::Transport, OURS, "data") {
                    Ok(()) => {
                        prop_assert!(spellings <= 1);
                        let values = ca_values(&edited);
                        prop_assert_eq!(values.len(), 1);
                        let paths = values[0].as_array().expect("always a list");
                        prop_assert_eq!(paths.iter().filter(|p| p.as_str() == Some(OURS)).count(), 1);
                        let before: Vec<Value> = match ca_values(&config).first() {
                            Some(Value::Array(paths)) => paths.clone(),
                            Some(Value::String(path)) => vec![json!(path)],
                            _ => Vec::new(),
                        };
                        prop_assert!(paths.starts_with(&before), "{paths:?} lost some of {before:?}");
                        for (key, value) in config.iter().filter(|(key, _)| !key.starts_with("xpack")) {
                            prop_assert_eq!(edited.get(key), Some(value));
                        }
                        let mut again = edited.clone();
                        ensure_ca_path(&mut again, CaLayer::Transport, OURS, "data").expect("still valid");
                        prop_assert_eq!(again, edited);
                    }
                    Err(failure) => {
                        prop_assert_eq!(failure.kind, FailureKind::Invalid);
                        prop_assert_eq!(edited, config);
                    }
                }
            }
        }
    }

    #[test]
    fn values_are_found_in_every_form() {
        let config = json!({"xpack.security": {"transport.ssl.certificate_authorities": [THEIRS]}});
        assert_eq!(
            ca_values(config.as_object().unwrap()),
            vec![&json!([THEIRS])]
        );
    }
}
