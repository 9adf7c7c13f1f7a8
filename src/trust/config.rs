//! `xpack.security.transport.ssl.certificate_authorities` in a nodeSet's `config`, wherever
//! and however it is written (dotted, nested or mixed; list, string or null), kept a list.

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

/// Makes `path` one of the trusted CA files of `config`, keeping every path already there.
///
/// ECK merges this setting after its own list with go-ucfg's `AppendValues`: a list is
/// appended to ECK's paths, but a plain string replaces them (and the nodes stop trusting
/// their own cluster). So the value is always written as a list, at the place where the key
/// already is, or as a new dotted key.
pub fn ensure_ca_path(
    config: &mut Map<String, Value>,
    path: &str,
    node_set: &str,
) -> Result<(), Failure> {
    let places = places(config, &SETTING);
    let place = match places.as_slice() {
        [] => vec![SETTING.join(".")],
        [place] => place.clone(),
        _ => {
            let shown: Vec<String> = places.iter().map(|place| describe(place)).collect();
            return Err(Failure::new(
                FailureKind::Invalid,
                format!(
                    "the config of nodeSet {node_set} sets {} at more than one place: {}",
                    SETTING.join("."),
                    shown.join(", ")
                ),
            )
            .with_hint("keep it at one place, as a list, then run this again"));
        }
    };
    let value = value_at(config, &place).ok_or_else(|| {
        Failure::new(
            FailureKind::Invalid,
            format!("the config of nodeSet {node_set} changed while it was read"),
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
            ));
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
