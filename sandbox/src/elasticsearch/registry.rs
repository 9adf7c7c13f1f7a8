//! The dynamic cluster settings the emulated cluster knows, which values each accepts and
//! which other settings it depends on, with Elasticsearch's own error messages.

use std::collections::BTreeMap;

/// One setting's stored value: Elasticsearch keeps what the client sent, as text or a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingValue {
    Text(String),
    List(Vec<String>),
}

/// Settings keyed by their flat name (`cluster.remote.a.mode`), sorted as Elasticsearch sorts them.
pub type FlatSettings = BTreeMap<String, SettingValue>;

/// How a remote cluster is connected to (`cluster.remote.ALIAS.mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Sniff,
    Proxy,
}

impl Strategy {
    fn parse(raw: &str) -> Option<Self> {
        match raw.to_uppercase().as_str() {
            "SNIFF" => Some(Strategy::Sniff),
            "PROXY" => Some(Strategy::Proxy),
            _ => None,
        }
    }

    /// The constant name Elasticsearch prints in validation errors.
    fn constant(self) -> &'static str {
        match self {
            Strategy::Sniff => "SNIFF",
            Strategy::Proxy => "PROXY",
        }
    }

    /// The name `_remote/info` prints.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Sniff => "sniff",
            Strategy::Proxy => "proxy",
        }
    }
}

/// The values a setting accepts.
#[derive(Clone, Copy, Debug)]
enum ValueKind {
    /// One of `allowed` (case-insensitive); otherwise `error` with `{}` replaced by the upper-cased value.
    Choice {
        allowed: &'static [&'static str],
        error: &'static str,
    },
    HostPort,
    HostPortList,
    IntAtLeast(i32),
    Bool,
    Time,
    Text,
}

/// What else must hold for a setting to be accepted next to the other settings of its scope.
#[derive(Clone, Copy, Debug)]
enum Requirement {
    Nothing,
    /// The alias's mode must be this one.
    Mode(Strategy),
    /// The alias must be enabled: proxy mode with a `proxy_address`, or sniff mode with `seeds`.
    RemoteEnabled,
}

#[derive(Clone, Copy, Debug)]
struct Definition {
    kind: ValueKind,
    requirement: Requirement,
    /// Another setting of the same alias that must be set too (an affix dependency).
    needs: Option<&'static str>,
}

const MODE: ValueKind = ValueKind::Choice {
    allowed: &["SNIFF", "PROXY"],
    error: "No enum constant org.elasticsearch.transport.RemoteConnectionStrategy.ConnectionStrategy.{}",
};
const COMPRESSION: ValueKind = ValueKind::Choice {
    allowed: &["TRUE", "FALSE", "INDEXING_DATA"],
    error: "No enum constant org.elasticsearch.transport.Compression.Enabled.{}",
};
const COMPRESSION_SCHEME: ValueKind = ValueKind::Choice {
    allowed: &["DEFLATE", "LZ4"],
    error: "No enum constant org.elasticsearch.transport.Compression.Scheme.{}",
};

/// The settings of each remote alias, by what follows `cluster.remote.ALIAS.`
/// (Elasticsearch: `RemoteClusterSettings`, formerly `RemoteClusterService`,
/// `SniffConnectionStrategy` and `ProxyConnectionStrategy`). `proxy` is sniff mode's
/// undocumented proxy, still there in 9.x, and it needs `seeds`.
const REMOTE_SETTINGS: &[(&str, Definition)] = &[
    ("mode", definition(MODE, Requirement::Nothing)),
    ("proxy_address", proxy_only(ValueKind::HostPort)),
    ("server_name", proxy_only(ValueKind::Text)),
    (
        "proxy_socket_connections",
        proxy_only(ValueKind::IntAtLeast(1)),
    ),
    ("seeds", sniff_only(ValueKind::HostPortList)),
    ("node_connections", sniff_only(ValueKind::IntAtLeast(1))),
    (
        "proxy",
        Definition {
            needs: Some("seeds"),
            ..sniff_only(ValueKind::HostPort)
        },
    ),
    ("skip_unavailable", when_enabled(ValueKind::Bool)),
    ("transport.compress", when_enabled(COMPRESSION)),
    (
        "transport.compression_scheme",
        when_enabled(COMPRESSION_SCHEME),
    ),
    ("transport.ping_schedule", when_enabled(ValueKind::Time)),
];

/// A few common settings outside `cluster.remote`, so that clients can be seen to preserve them.
const OTHER_SETTINGS: &[(&str, Definition)] = &[
    (
        "action.destructive_requires_name",
        definition(ValueKind::Bool, Requirement::Nothing),
    ),
    (
        "cluster.max_shards_per_node",
        definition(ValueKind::IntAtLeast(1), Requirement::Nothing),
    ),
    (
        "cluster.routing.allocation.enable",
        definition(
            ValueKind::Choice {
                allowed: &["ALL", "PRIMARIES", "NEW_PRIMARIES", "NONE"],
                error: "Illegal allocation.enable value [{}]",
            },
            Requirement::Nothing,
        ),
    ),
    (
        "cluster.routing.rebalance.enable",
        definition(
            ValueKind::Choice {
                allowed: &["ALL", "PRIMARIES", "REPLICAS", "NONE"],
                error: "Illegal rebalance.enable value [{}]",
            },
            Requirement::Nothing,
        ),
    ),
];

/// Defaults shown by `GET _cluster/settings?include_defaults` (a small selection).
const DEFAULTS: &[(&str, &str)] = &[
    ("action.destructive_requires_name", "true"),
    ("cluster.max_shards_per_node", "1000"),
    ("cluster.remote.connections_per_cluster", "3"),
    ("cluster.remote.initial_connect_timeout", "30s"),
    ("cluster.routing.allocation.enable", "all"),
    ("cluster.routing.rebalance.enable", "all"),
];

/// The defaults of the settings `settings` does not set.
pub fn defaults_not_set(settings: &FlatSettings) -> FlatSettings {
    DEFAULTS
        .iter()
        .filter(|(key, _)| !settings.contains_key(*key))
        .map(|(key, value)| (key.to_string(), SettingValue::Text(value.to_string())))
        .collect()
}

const fn definition(kind: ValueKind, requirement: Requirement) -> Definition {
    Definition {
        kind,
        requirement,
        needs: None,
    }
}

const fn proxy_only(kind: ValueKind) -> Definition {
    definition(kind, Requirement::Mode(Strategy::Proxy))
}

const fn sniff_only(kind: ValueKind) -> Definition {
    definition(kind, Requirement::Mode(Strategy::Sniff))
}

const fn when_enabled(kind: ValueKind) -> Definition {
    definition(kind, Requirement::RemoteEnabled)
}

/// Splits `cluster.remote.ALIAS.SUFFIX` into the alias and the suffix.
pub fn remote_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("cluster.remote.")?;
    let (alias, suffix) = rest.split_once('.')?;
    (!alias.is_empty()).then_some((alias, suffix))
}

fn lookup(key: &str) -> Option<Definition> {
    let (table, name) = match remote_key(key) {
        Some((_, suffix)) => (REMOTE_SETTINGS, suffix),
        None => (OTHER_SETTINGS, key),
    };
    table
        .iter()
        .find(|(candidate, _)| *candidate == name)
        .map(|(_, definition)| *definition)
}

/// Whether `key` is a dynamic setting the cluster knows.
pub fn is_known(key: &str) -> bool {
    lookup(key).is_some()
}

/// Checks one value on its own (Elasticsearch's `validateWithoutDependencies`).
/// Returns Elasticsearch's message when the value is refused. `key` must be known.
pub fn check_value(key: &str, value: &SettingValue) -> Result<(), String> {
    let Some(Definition { kind, .. }) = lookup(key) else {
        return Ok(());
    };
    match (kind, value) {
        (ValueKind::HostPortList, SettingValue::List(items)) => {
            items.iter().try_for_each(|item| check_port(item))
        }
        (_, SettingValue::List(_)) => Err(format!(
            "Found list type value for setting [{key}] but but did not expect a list for it."
        )),
        (kind, SettingValue::Text(text)) => check_text(key, kind, text),
    }
}

fn check_text(key: &str, kind: ValueKind, text: &str) -> Result<(), String> {
    match kind {
        ValueKind::Choice { allowed, error } => {
            let upper = text.to_uppercase();
            match allowed.contains(&upper.as_str()) {
                true => Ok(()),
                false => Err(error.replace("{}", &upper)),
            }
        }
        ValueKind::HostPort if text.is_empty() => Ok(()),
        ValueKind::HostPort => check_port(text),
        ValueKind::HostPortList => split_list(text)
            .iter()
            .try_for_each(|item| check_port(item)),
        ValueKind::IntAtLeast(min) => check_int_at_least(key, text, min),
        ValueKind::Bool => parse_bool(text).map(drop),
        ValueKind::Time => check_time(key, text),
        ValueKind::Text => Ok(()),
    }
}

/// Elasticsearch's `parsePort`: `host:port` with an integer port above zero.
fn check_port(address: &str) -> Result<(), String> {
    let Some((_, port)) = address.rsplit_once(':') else {
        return Err(format!(
            "remote hosts need to be configured as [host:port], found [{address}] instead"
        ));
    };
    match port.parse::<i32>() {
        Ok(port) if port <= 0 => Err(format!("port number must be > 0 but was: [{port}]")),
        Ok(_) => Ok(()),
        Err(_) => Err("failed to parse port".to_owned()),
    }
}

/// Elasticsearch's strict booleans: exactly `true` or `false`.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!(
            "Failed to parse value [{text}] as only [true] or [false] are allowed."
        )),
    }
}

fn check_int_at_least(key: &str, text: &str, min: i32) -> Result<(), String> {
    match text.parse::<i32>() {
        Ok(value) if value >= min => Ok(()),
        Ok(_) => Err(format!(
            "Failed to parse value [{text}] for setting [{key}] must be >= {min}"
        )),
        Err(_) => Err(format!(
            "Failed to parse value [{text}] for setting [{key}]"
        )),
    }
}

/// Elasticsearch's `TimeValue.parseTimeValue`: a number with a unit, or `-1`, or `0`.
fn check_time(key: &str, text: &str) -> Result<(), String> {
    const UNITS: [&str; 7] = ["nanos", "micros", "ms", "s", "m", "h", "d"];
    let normalized = text.trim().to_lowercase();
    if let Some(number) = UNITS.iter().find_map(|unit| normalized.strip_suffix(unit)) {
        return check_time_number(key, text, number.trim());
    }
    let all_zeros = |s: &str| !s.is_empty() && s.chars().all(|c| c == '0');
    let minus_one = normalized
        .strip_prefix('-')
        .and_then(|rest| rest.strip_suffix('1'))
        .is_some_and(|zeros| zeros.chars().all(|c| c == '0'));
    match minus_one || all_zeros(&normalized) {
        true => Ok(()),
        false => Err(format!(
            "failed to parse setting [{key}] with value [{text}] as a time value: unit is missing or unrecognized"
        )),
    }
}

fn check_time_number(key: &str, text: &str, number: &str) -> Result<(), String> {
    match number.parse::<i64>() {
        Ok(value) if value < -1 => Err(format!(
            "failed to parse setting [{key}] with value [{text}] as a time value: negative durations are not supported"
        )),
        Ok(_) => Ok(()),
        Err(_) if number.parse::<f64>().is_ok() => Err(format!(
            "failed to parse [{text}], fractional time values are not supported"
        )),
        Err(_) => Err(format!("failed to parse [{text}]")),
    }
}

/// A list setting given as text: Elasticsearch splits it on commas.
fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The items of a list setting, whichever way it was given.
pub fn list_items(value: &SettingValue) -> Vec<String> {
    match value {
        SettingValue::List(items) => items.clone(),
        SettingValue::Text(text) => split_list(text),
    }
}

/// The text of a scalar setting (a list is not expected there: it reads as empty).
pub fn text(value: &SettingValue) -> &str {
    match value {
        SettingValue::Text(text) => text,
        SettingValue::List(_) => "",
    }
}

/// The settings of one scope, read for one remote alias.
pub struct AliasSettings<'a> {
    settings: &'a FlatSettings,
    alias: &'a str,
}

impl<'a> AliasSettings<'a> {
    pub fn new(settings: &'a FlatSettings, alias: &'a str) -> Self {
        AliasSettings { settings, alias }
    }

    pub fn get(&self, suffix: &str) -> Option<&'a SettingValue> {
        self.settings
            .get(&format!("cluster.remote.{}.{suffix}", self.alias))
    }

    /// The configured mode (sniff when unset, as in Elasticsearch).
    pub fn mode(&self) -> Strategy {
        self.get("mode")
            .and_then(|value| Strategy::parse(text(value)))
            .unwrap_or(Strategy::Sniff)
    }

    /// Whether the alias is a remote cluster at all: proxy mode with an address, or sniff with seeds.
    pub fn is_enabled(&self) -> bool {
        match self.mode() {
            Strategy::Proxy => self
                .get("proxy_address")
                .is_some_and(|v| !text(v).is_empty()),
            Strategy::Sniff => self.get("seeds").is_some_and(|v| !list_items(v).is_empty()),
        }
    }

    /// A positive integer setting, or `default` when unset.
    pub fn count(&self, suffix: &str, default: u32) -> u32 {
        self.get(suffix)
            .and_then(|value| text(value).parse().ok())
            .unwrap_or(default)
    }

    /// A boolean setting, or `default` when unset.
    pub fn flag(&self, suffix: &str, default: bool) -> bool {
        self.get(suffix)
            .and_then(|value| parse_bool(text(value)).ok())
            .unwrap_or(default)
    }
}

/// Checks the settings of one scope together (Elasticsearch's `validate(settings, true)`),
/// in key order; returns the first refusal's message.
pub fn check_dependencies(settings: &FlatSettings) -> Result<(), String> {
    settings
        .keys()
        .try_for_each(|key| check_requirement(key, settings))
}

fn check_requirement(key: &str, settings: &FlatSettings) -> Result<(), String> {
    let (Some(definition), Some((alias, _))) = (lookup(key), remote_key(key)) else {
        return Ok(());
    };
    let remote = AliasSettings::new(settings, alias);
    if let Some(needed) = definition.needs
        && remote.get(needed).is_none()
    {
        return Err(format!(
            "missing required setting [cluster.remote.{alias}.{needed}] for setting [{key}]"
        ));
    }
    match definition.requirement {
        Requirement::Mode(required) if remote.mode() != required => Err(format!(
            "Setting \"{key}\" cannot be used with the configured \"cluster.remote.{alias}.mode\" [required={}, configured={}]",
            required.constant(),
            remote.mode().constant()
        )),
        Requirement::RemoteEnabled if !remote.is_enabled() => Err(format!(
            "Cannot configure setting [{key}] if remote cluster is not enabled."
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_value(text: &str) -> SettingValue {
        SettingValue::Text(text.to_owned())
    }

    fn check(key: &str, text: &str) -> Result<(), String> {
        check_value(key, &text_value(text))
    }

    #[test]
    fn knows_remote_settings_of_any_alias_and_nothing_else() {
        assert!(is_known("cluster.remote.a.mode"));
        assert!(is_known(
            "cluster.remote.other-alias.transport.ping_schedule"
        ));
        assert!(is_known("cluster.routing.allocation.enable"));
        assert!(!is_known("cluster.remote.a.b.mode"));
        assert!(!is_known("cluster.remote..mode"));
        assert!(!is_known("cluster.remote.a.credentials"));
        assert!(!is_known("x.y.z"));
    }

    #[test]
    fn refuses_values_with_elasticsearch_messages() {
        let cases = [
            (
                "cluster.remote.a.mode",
                "pigeon",
                "No enum constant org.elasticsearch.transport.RemoteConnectionStrategy.ConnectionStrategy.PIGEON",
            ),
            (
                "cluster.remote.a.proxy_address",
                "nohost",
                "remote hosts need to be configured as [host:port], found [nohost] instead",
            ),
            (
                "cluster.remote.a.proxy_address",
                "host:http",
                "failed to parse port",
            ),
            (
                "cluster.remote.a.proxy_address",
                "host:",
                "failed to parse port",
            ),
            (
                "cluster.remote.a.proxy_address",
                "host:-1",
                "port number must be > 0 but was: [-1]",
            ),
            (
                "cluster.remote.a.proxy_socket_connections",
                "many",
                "Failed to parse value [many] for setting [cluster.remote.a.proxy_socket_connections]",
            ),
            (
                "cluster.remote.a.proxy_socket_connections",
                "0",
                "Failed to parse value [0] for setting [cluster.remote.a.proxy_socket_connections] must be >= 1",
            ),
            (
                "cluster.remote.a.skip_unavailable",
                "yes",
                "Failed to parse value [yes] as only [true] or [false] are allowed.",
            ),
            (
                "cluster.remote.a.transport.ping_schedule",
                "30",
                "failed to parse setting [cluster.remote.a.transport.ping_schedule] with value [30] as a time value: unit is missing or unrecognized",
            ),
            (
                "cluster.remote.a.transport.ping_schedule",
                "-5s",
                "failed to parse setting [cluster.remote.a.transport.ping_schedule] with value [-5s] as a time value: negative durations are not supported",
            ),
            (
                "cluster.remote.a.transport.ping_schedule",
                "1.5s",
                "failed to parse [1.5s], fractional time values are not supported",
            ),
            (
                "cluster.remote.a.seeds",
                "a:1,b",
                "remote hosts need to be configured as [host:port], found [b] instead",
            ),
            (
                "cluster.routing.allocation.enable",
                "some",
                "Illegal allocation.enable value [SOME]",
            ),
        ];
        for (key, value, message) in cases {
            assert_eq!(check(key, value), Err(message.to_owned()), "{key}={value}");
        }
    }

    #[test]
    fn accepts_the_values_elasticsearch_accepts() {
        let cases = [
            ("cluster.remote.a.mode", "PROXY"),
            ("cluster.remote.a.proxy_address", "10.0.0.1:9300"),
            ("cluster.remote.a.proxy_address", "[::1]:9300"),
            ("cluster.remote.a.proxy_address", ""),
            ("cluster.remote.a.transport.ping_schedule", "30s"),
            ("cluster.remote.a.transport.ping_schedule", "-1"),
            ("cluster.remote.a.transport.ping_schedule", "0"),
            ("cluster.remote.a.transport.ping_schedule", "250ms"),
            ("cluster.remote.a.transport.compress", "indexing_data"),
            ("cluster.remote.a.skip_unavailable", "false"),
        ];
        for (key, value) in cases {
            assert_eq!(check(key, value), Ok(()), "{key}={value}");
        }
    }

    #[test]
    fn refuses_a_list_for_a_scalar_setting() {
        let list = SettingValue::List(vec!["a:1".into()]);
        assert!(check_value("cluster.remote.a.proxy_address", &list).is_err());
        assert_eq!(check_value("cluster.remote.a.seeds", &list), Ok(()));
    }

    #[test]
    fn mode_specific_settings_need_their_mode() {
        let settings = FlatSettings::from([
            ("cluster.remote.a.mode".into(), text_value("proxy")),
            ("cluster.remote.a.seeds".into(), text_value("h:9300")),
        ]);
        assert_eq!(
            check_dependencies(&settings),
            Err("Setting \"cluster.remote.a.seeds\" cannot be used with the configured \"cluster.remote.a.mode\" [required=SNIFF, configured=PROXY]".into())
        );
        let sniff_with_address = FlatSettings::from([(
            "cluster.remote.a.proxy_address".into(),
            text_value("h:9300"),
        )]);
        assert_eq!(
            check_dependencies(&sniff_with_address),
            Err("Setting \"cluster.remote.a.proxy_address\" cannot be used with the configured \"cluster.remote.a.mode\" [required=PROXY, configured=SNIFF]".into())
        );
    }

    #[test]
    fn sniff_modes_proxy_needs_seeds_and_sniff_mode() {
        let alone = FlatSettings::from([("cluster.remote.a.proxy".into(), text_value("lb:9300"))]);
        assert_eq!(
            check_dependencies(&alone),
            Err("missing required setting [cluster.remote.a.seeds] for setting [cluster.remote.a.proxy]".into())
        );
        let mut with_seeds = alone.clone();
        with_seeds.insert("cluster.remote.a.seeds".into(), text_value("h:9300"));
        assert_eq!(check_dependencies(&with_seeds), Ok(()));
        let mut proxy_mode = FlatSettings::from([
            ("cluster.remote.a.mode".into(), text_value("proxy")),
            (
                "cluster.remote.a.proxy_address".into(),
                text_value("h:9300"),
            ),
        ]);
        proxy_mode.insert("cluster.remote.a.proxy".into(), text_value("lb:9300"));
        proxy_mode.insert("cluster.remote.a.seeds".into(), text_value("h:9300"));
        assert_eq!(
            check_dependencies(&proxy_mode),
            Err("Setting \"cluster.remote.a.proxy\" cannot be used with the configured \"cluster.remote.a.mode\" [required=SNIFF, configured=PROXY]".into())
        );
    }

    #[test]
    fn knows_the_compression_scheme() {
        assert_eq!(
            check("cluster.remote.a.transport.compression_scheme", "lz4"),
            Ok(())
        );
        assert_eq!(
            check("cluster.remote.a.transport.compression_scheme", "zip"),
            Err("No enum constant org.elasticsearch.transport.Compression.Scheme.ZIP".into())
        );
    }

    #[test]
    fn connection_settings_need_an_enabled_remote() {
        let settings = FlatSettings::from([
            ("cluster.remote.a.mode".into(), text_value("proxy")),
            (
                "cluster.remote.a.skip_unavailable".into(),
                text_value("true"),
            ),
        ]);
        assert_eq!(
            check_dependencies(&settings),
            Err("Cannot configure setting [cluster.remote.a.skip_unavailable] if remote cluster is not enabled.".into())
        );
        let mode_alone =
            FlatSettings::from([("cluster.remote.a.mode".into(), text_value("proxy"))]);
        assert_eq!(check_dependencies(&mode_alone), Ok(()));
    }
}
