//! Remote cluster settings (step 4 of the recipe): the proxy address as operators type it,
//! and the exact `_cluster/settings` change that points an alias at it, or removes the alias.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use serde_json::{Map, Value, json};

use crate::elasticsearch::ClusterSettings;
use crate::error::{Failure, FailureKind};

/// The transport port, when an address names none.
pub const DEFAULT_TRANSPORT_PORT: u16 = 9300;

/// Where a remote's transport layer answers: `HOST:PORT`, IPv6 hosts in brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAddress {
    pub host: String,
    pub port: u16,
}

impl fmt::Display for ProxyAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.parse::<Ipv6Addr>().is_ok() {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl std::str::FromStr for ProxyAddress {
    type Err = Failure;

    /// `host`, `host:port`, `ipv4:port`, `[ipv6]:port`, `[ipv6]` or a bare IPv6 address.
    fn from_str(text: &str) -> Result<Self, Failure> {
        let invalid = |why: &str| {
            Failure::new(
                FailureKind::Invalid,
                format!("{text:?} is not a proxy address: {why}"),
            )
            .with_hint("give HOST or HOST:PORT (IPv6 as [ADDRESS]:PORT); the port defaults to 9300")
        };
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| invalid("no closing ']'"))?;
            host.parse::<Ipv6Addr>()
                .map_err(|_| invalid("not an IPv6 address in brackets"))?;
            match after {
                "" => (host, None),
                _ => (
                    host,
                    Some(
                        after
                            .strip_prefix(':')
                            .ok_or_else(|| invalid("expected ':' after ']'"))?,
                    ),
                ),
            }
        } else if text.parse::<Ipv6Addr>().is_ok() {
            (text, None)
        } else {
            match text.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            }
        };
        if !(host.parse::<IpAddr>().is_ok() || is_host_name(host)) {
            return Err(invalid("the host is neither an IP address nor a DNS name"));
        }
        let port = match port {
            None => DEFAULT_TRANSPORT_PORT,
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|port| *port > 0)
                .ok_or_else(|| invalid("the port is not a number from 1 to 65535"))?,
        };
        Ok(ProxyAddress {
            host: host.to_string(),
            port,
        })
    }
}

/// An RFC 1123 host name: dot-separated labels of letters, digits and '-'.
pub fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// A remote in proxy mode, as `ecr connect` is asked to set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRemote {
    pub alias: String,
    pub address: ProxyAddress,
    /// TLS server name sent to an SNI-routing proxy.
    pub server_name: Option<String>,
    pub skip_unavailable: Option<bool>,
    pub socket_connections: Option<u32>,
}

/// A `PUT _cluster/settings` body: the keys to set, `null` for those to remove.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingsChange {
    pub persistent: Map<String, Value>,
    pub transient: Map<String, Value>,
}

impl SettingsChange {
    pub fn is_empty(&self) -> bool {
        self.persistent.is_empty() && self.transient.is_empty()
    }

    /// The exact request body, without empty scopes.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        for (scope, settings) in [
            ("persistent", &self.persistent),
            ("transient", &self.transient),
        ] {
            if !settings.is_empty() {
                body.insert(scope.into(), Value::Object(settings.clone()));
            }
        }
        Value::Object(body)
    }

    /// The first setting that the settings Elasticsearch echoed after this change do not show
    /// as changed: each key set to its value (echoed as text), none of the removed keys left.
    pub fn setting_not_shown(&self, echoed: &ClusterSettings) -> Option<String> {
        let not_shown = |change: &Map<String, Value>, echoed: &Map<String, Value>| {
            change
                .iter()
                .find(|(key, value)| match (value, echoed.get(*key)) {
                    (Value::Null, echoed) => !echoed.is_none_or(Value::is_null),
                    (value, Some(echoed)) => setting_text(value) != setting_text(echoed),
                    (_, None) => true,
                })
                .map(|(key, _)| key.clone())
        };
        not_shown(&self.persistent, &echoed.persistent)
            .or_else(|| not_shown(&self.transient, &echoed.transient))
    }

    /// The settings as they will be once this change is applied.
    pub fn applied_to(&self, current: &ClusterSettings) -> ClusterSettings {
        let apply = |scope: &Map<String, Value>, change: &Map<String, Value>| {
            let mut scope = scope.clone();
            for (key, value) in change {
                match value {
                    Value::Null => scope.remove(key),
                    value => scope.insert(key.clone(), value.clone()),
                };
            }
            scope
        };
        ClusterSettings {
            persistent: apply(&current.persistent, &self.persistent),
            transient: apply(&current.transient, &self.transient),
        }
    }
}

/// The prefix of every setting of `alias`.
pub fn alias_prefix(alias: &str) -> String {
    format!("cluster.remote.{alias}.")
}

/// The keys ecr sets for `remote`, with values as Elasticsearch echoes them (strings).
pub fn wanted_settings(remote: &ProxyRemote) -> BTreeMap<String, String> {
    let prefix = alias_prefix(&remote.alias);
    let mut wanted = BTreeMap::from([
        (format!("{prefix}mode"), "proxy".to_string()),
        (format!("{prefix}proxy_address"), remote.address.to_string()),
    ]);
    let optional = [
        ("server_name", remote.server_name.clone()),
        (
            "skip_unavailable",
            remote.skip_unavailable.map(|b| b.to_string()),
        ),
        (
            "proxy_socket_connections",
            remote.socket_connections.map(|n| n.to_string()),
        ),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            wanted.insert(format!("{prefix}{key}"), value);
        }
    }
    wanted
}

/// Settings that belong to sniff mode: Elasticsearch refuses them next to `mode: proxy`.
/// `proxy` is sniff mode's own, undocumented proxy, still known in 9.x
/// (Elasticsearch: `RemoteClusterSettings.SniffConnectionStrategySettings`).
pub const SNIFF_ONLY: [&str; 3] = ["seeds", "node_connections", "proxy"];

/// The change that makes `alias` a proxy-mode remote at `address`: the wanted persistent keys
/// that differ, sniff-only keys of the alias removed, and the alias's transient keys removed
/// (they would shadow the persistent ones). Other settings of the alias (ping schedule,
/// compression) and of other aliases are kept. Empty when all is in place.
pub fn connect_change(current: &ClusterSettings, remote: &ProxyRemote) -> SettingsChange {
    let prefix = alias_prefix(&remote.alias);
    let mut change = SettingsChange::default();
    for (key, value) in wanted_settings(remote) {
        if current.persistent.get(&key).map(setting_text).as_deref() != Some(value.as_str()) {
            change.persistent.insert(key, json!(value));
        }
    }
    for key in current.persistent.keys() {
        if let Some(setting) = key.strip_prefix(&prefix)
            && SNIFF_ONLY.contains(&setting)
        {
            change.persistent.insert(key.clone(), Value::Null);
        }
    }
    change.transient = nulls(&current.transient, &prefix);
    change
}

/// The change that removes every setting of `alias`, in both scopes.
pub fn disconnect_change(current: &ClusterSettings, alias: &str) -> SettingsChange {
    let prefix = alias_prefix(alias);
    SettingsChange {
        persistent: nulls(&current.persistent, &prefix),
        transient: nulls(&current.transient, &prefix),
    }
}

/// The aliases configured in either scope.
pub fn configured_aliases(current: &ClusterSettings) -> Vec<String> {
    let mut aliases: Vec<String> = current
        .persistent
        .keys()
        .chain(current.transient.keys())
        .filter_map(|key| key.strip_prefix("cluster.remote."))
        .filter_map(|rest| rest.split_once('.').map(|(alias, _)| alias.to_string()))
        .collect();
    aliases.sort();
    aliases.dedup();
    aliases
}

fn nulls(scope: &Map<String, Value>, prefix: &str) -> Map<String, Value> {
    scope
        .keys()
        .filter(|key| key.starts_with(prefix))
        .map(|key| (key.clone(), Value::Null))
        .collect()
}

/// A setting's value as text, the way Elasticsearch echoes it (`true`, `18`, lists as JSON).
fn setting_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn address(text: &str) -> Result<ProxyAddress, Failure> {
        text.parse()
    }

    #[test]
    fn addresses_are_read_as_operators_write_them() {
        let cases = [
            ("10.0.0.7", "10.0.0.7:9300"),
            ("10.0.0.7:9400", "10.0.0.7:9400"),
            ("es.example.com", "es.example.com:9300"),
            ("es.example.com:443", "es.example.com:443"),
            ("[fd00::1]:9400", "[fd00::1]:9400"),
            ("[fd00::1]", "[fd00::1]:9300"),
            ("fd00::1", "[fd00::1]:9300"),
        ];
        for (text, shown) in cases {
            assert_eq!(address(text).unwrap().to_string(), shown, "{text}");
        }
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for text in [
            "",
            ":9300",
            "host:",
            "host:0",
            "host:65536",
            "host:http",
            "[fd00::1",
            "[nothost]:1",
            "a b",
            "-x.com",
            "ü.com",
            "[fd00::1]9300",
        ] {
            let error = address(text).unwrap_err();
            assert_eq!(error.kind, FailureKind::Invalid, "{text}");
            assert!(error.hint.is_some());
        }
    }

    fn remote(alias: &str, address_text: &str) -> ProxyRemote {
        ProxyRemote {
            alias: alias.into(),
            address: address(address_text).unwrap(),
            server_name: None,
            skip_unavailable: None,
            socket_connections: None,
        }
    }

    fn settings(persistent: Value, transient: Value) -> ClusterSettings {
        ClusterSettings {
            persistent: persistent.as_object().unwrap().clone(),
            transient: transient.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn connect_writes_what_differs_and_clears_what_conflicts() {
        let current = settings(
            json!({
                "cluster.remote.two.mode": "sniff",
                "cluster.remote.two.seeds": ["10.1.1.1:9300"],
                "cluster.remote.two.node_connections": "3",
                "cluster.remote.two.proxy": "10.1.1.9:9300",
                "cluster.remote.two.transport.compression_scheme": "lz4",
                "cluster.remote.two.transport.ping_schedule": "30s",
                "cluster.remote.other.mode": "proxy",
                "cluster.routing.allocation.enable": "all",
            }),
            json!({"cluster.remote.two.proxy_address": "1.1.1.1:9300", "indices.recovery.max_bytes_per_sec": "50mb"}),
        );
        let change = connect_change(&current, &remote("two", "127.0.0.3"));
        assert_eq!(
            change.body(),
            json!({
                "persistent": {
                    "cluster.remote.two.mode": "proxy",
                    "cluster.remote.two.proxy_address": "127.0.0.3:9300",
                    "cluster.remote.two.seeds": null,
                    "cluster.remote.two.node_connections": null,
                    "cluster.remote.two.proxy": null,
                },
                "transient": {"cluster.remote.two.proxy_address": null},
            })
        );
        let after = change.applied_to(&current);
        assert_eq!(
            after.persistent["cluster.remote.two.transport.ping_schedule"],
            "30s"
        );
        assert_eq!(
            after.persistent["cluster.remote.two.transport.compression_scheme"],
            "lz4"
        );
        assert_eq!(after.persistent["cluster.remote.other.mode"], "proxy");
        assert_eq!(
            after.transient["indices.recovery.max_bytes_per_sec"],
            "50mb"
        );
        assert!(connect_change(&after, &remote("two", "127.0.0.3")).is_empty());
    }

    #[test]
    fn a_settings_change_is_verified_by_what_elasticsearch_echoes() {
        let mut wanted = remote("two", "127.0.0.3:9300");
        wanted.skip_unavailable = Some(true);
        let current = settings(
            json!({"cluster.remote.two.seeds": "10.0.0.1:9300"}),
            json!({}),
        );
        let change = connect_change(&current, &wanted);
        let echoed = settings(
            json!({
                "cluster.remote.two.mode": "proxy",
                "cluster.remote.two.proxy_address": "127.0.0.3:9300",
                "cluster.remote.two.skip_unavailable": "true",
            }),
            json!({}),
        );
        assert_eq!(change.setting_not_shown(&echoed), None);
        let mut missing = echoed.clone();
        missing
            .persistent
            .remove("cluster.remote.two.proxy_address");
        assert_eq!(
            change.setting_not_shown(&missing).as_deref(),
            Some("cluster.remote.two.proxy_address")
        );
        let mut not_removed = echoed;
        not_removed
            .persistent
            .insert("cluster.remote.two.seeds".into(), json!("10.0.0.1:9300"));
        assert_eq!(
            change.setting_not_shown(&not_removed).as_deref(),
            Some("cluster.remote.two.seeds")
        );
    }

    #[test]
    fn values_echoed_as_strings_count_as_in_place() {
        let mut wanted = remote("two", "127.0.0.3:9300");
        wanted.skip_unavailable = Some(true);
        wanted.socket_connections = Some(18);
        let current = settings(
            json!({
                "cluster.remote.two.mode": "proxy",
                "cluster.remote.two.proxy_address": "127.0.0.3:9300",
                "cluster.remote.two.skip_unavailable": "true",
                "cluster.remote.two.proxy_socket_connections": "18",
            }),
            json!({}),
        );
        assert!(connect_change(&current, &wanted).is_empty());
    }

    #[test]
    fn disconnect_removes_every_key_of_the_alias_only() {
        let current = settings(
            json!({"cluster.remote.two.mode": "proxy", "cluster.remote.two.proxy_address": "a:1", "cluster.remote.twofold.mode": "proxy"}),
            json!({"cluster.remote.two.skip_unavailable": "true"}),
        );
        assert_eq!(
            disconnect_change(&current, "two").body(),
            json!({
                "persistent": {"cluster.remote.two.mode": null, "cluster.remote.two.proxy_address": null},
                "transient": {"cluster.remote.two.skip_unavailable": null},
            })
        );
        assert_eq!(configured_aliases(&current), ["two", "twofold"]);
    }

    fn flat_settings() -> impl Strategy<Value = Map<String, Value>> {
        let key = prop_oneof![
            "cluster\\.remote\\.(two|three)\\.(mode|proxy_address|proxy|seeds|node_connections|server_name|skip_unavailable|transport\\.ping_schedule|transport\\.compression_scheme)",
            "cluster\\.routing\\.[a-z]{1,6}",
        ];
        prop::collection::btree_map(key, "[a-z0-9:.]{1,8}", 0..8)
            .prop_map(|m| m.into_iter().map(|(k, v)| (k, json!(v))).collect())
    }

    proptest! {
        #[test]
        fn connecting_is_idempotent_and_keeps_other_settings(
            persistent in flat_settings(),
            transient in flat_settings(),
            skip in proptest::option::of(any::<bool>()),
        ) {
            let current = ClusterSettings { persistent, transient };
            let mut wanted = remote("two", "127.0.0.9:9300");
            wanted.skip_unavailable = skip;
            let after = connect_change(&current, &wanted).applied_to(&current);
            prop_assert!(connect_change(&after, &wanted).is_empty());
            for (key, value) in &current.persistent {
                if !key.starts_with("cluster.remote.two.") {
                    prop_assert_eq!(after.persistent.get(key), Some(value));
                }
            }
            for (key, value) in wanted_settings(&wanted) {
                prop_assert_eq!(after.persistent.get(&key), Some(&json!(value)));
            }
            prop_assert!(!after.transient.keys().any(|k| k.starts_with("cluster.remote.two.")));
            for setting in SNIFF_ONLY {
                let key = format!("cluster.remote.two.{setting}");
                prop_assert!(!after.persistent.contains_key(&key));
            }
        }

        #[test]
        fn disconnecting_leaves_no_trace_of_the_alias(persistent in flat_settings(), transient in flat_settings()) {
            let current = ClusterSettings { persistent, transient };
            let after = disconnect_change(&current, "two").applied_to(&current);
            prop_assert!(!configured_aliases(&after).contains(&"two".to_string()));
            prop_assert!(disconnect_change(&after, "two").is_empty());
        }
    }
}
