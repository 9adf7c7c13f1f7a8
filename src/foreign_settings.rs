//! Settings of a remote alias that ecr neither wrote nor can change through `_cluster/settings`:
//! the entries ECK manages through `spec.remoteClusters`, and remote settings in a nodeSet's
//! `config` (its `elasticsearch.yml`). What each means for `connect` and `disconnect`, before
//! anything is written.

use serde_json::{Map, Value};

use crate::eck::flat_node_set_configs;
use crate::elasticsearch::ClusterSettings;
use crate::error::{Failure, FailureKind};
use crate::remote::{SNIFF_ONLY, alias_prefix};

/// The annotation in which ECK records the aliases it wrote (ECK:
/// `pkg/controller/elasticsearch/remotecluster/annotations.go`): it removes only those.
pub const MANAGED_REMOTE_CLUSTERS: &str = "elasticsearch.k8s.elastic.co/managed-remote-clusters";

/// The remote settings of one alias in one nodeSet's `config`, as flat keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSetSettings {
    pub node_set: String,
    pub settings: Map<String, Value>,
}

/// Each nodeSet whose `config` sets something of `alias` (dotted, nested or mixed keys).
/// Elasticsearch reads them as node settings: `GET _cluster/settings` does not show them, yet
/// every settings update is checked together with them, and no update can remove them.
pub fn in_node_configs(spec: &Value, alias: &str) -> Vec<NodeSetSettings> {
    let prefix = alias_prefix(alias);
    flat_node_set_configs(spec)
        .into_iter()
        .filter_map(|(node_set, mut settings)| {
            settings.retain(|key, _| key.starts_with(&prefix));
            (!settings.is_empty()).then_some(NodeSetSettings { node_set, settings })
        })
        .collect()
}

fn keys(found: &NodeSetSettings) -> String {
    found
        .settings
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `connect` in proxy mode makes of `found`: sniff settings there make Elasticsearch
/// refuse the update (they cannot be removed through the API: refused before writing);
/// others are overridden by what ecr writes, but stay behind it: warnings.
pub fn judge_for_connect(
    cluster: &str,
    alias: &str,
    found: &[NodeSetSettings],
) -> Result<Vec<String>, Failure> {
    let prefix = alias_prefix(alias);
    let sniff = |key: &String| {
        key.strip_prefix(&prefix)
            .is_some_and(|setting| SNIFF_ONLY.contains(&setting))
    };
    if let Some(blocking) = found.iter().find(|f| f.settings.keys().any(sniff)) {
        return Err(Failure::new(
            FailureKind::Invalid,
            format!(
                "the config (elasticsearch.yml) of nodeSet {} of {cluster} sets {}: Elasticsearch \
                 refuses proxy mode next to these sniff-mode settings, and no settings update can remove them",
                blocking.node_set,
                keys(blocking)
            ),
        )
        .with_hint(
            "remove them from spec.nodeSets[].config (ECK then restarts the nodes one by one), or connect under \
             another alias (ecr connect --alias NAME)",
        ));
    }
    Ok(found
        .iter()
        .map(|f| {
            format!(
                "the config (elasticsearch.yml) of nodeSet {} of {cluster} also sets {}: GET _cluster/settings \
                 does not show it; what ecr writes takes precedence, but it applies wherever ecr writes nothing \
                 and stays after ecr disconnect",
                f.node_set,
                keys(f)
            )
        })
        .collect())
}

/// What `disconnect` cannot remove: the alias stays configured from `elasticsearch.yml`.
pub fn warnings_for_disconnect(cluster: &str, found: &[NodeSetSettings]) -> Vec<String> {
    found
        .iter()
        .map(|f| {
            format!(
                "the config (elasticsearch.yml) of nodeSet {} of {cluster} sets {}: a settings update cannot \
                 remove it, so the alias keeps these values until that config changes",
                f.node_set,
                keys(f)
            )
        })
        .collect()
}

/// The aliases ECK manages through `spec.remoteClusters`.
pub fn ref_aliases(resource: &Value) -> Vec<String> {
    resource
        .pointer("/spec/remoteClusters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["name"].as_str().map(str::to_string))
        .collect()
}

/// Whether ECK still manages `alias`: named in `spec.remoteClusters`, so that ECK writes its
/// `seeds` again at every reconcile.
pub fn managed_by_eck(resource: &Value, alias: &str) -> bool {
    ref_aliases(resource).iter().any(|name| name == alias)
}

/// Refuses a settings-level disconnect of an alias that ECK manages: ECK would add it back.
pub fn refuse_disconnect_of_managed(
    resource: &Value,
    cluster: &str,
    namespace: &str,
    alias: &str,
) -> Result<(), Failure> {
    if !managed_by_eck(resource, alias) {
        return Ok(());
    }
    Err(Failure::new(
        FailureKind::Invalid,
        format!(
            "the alias {alias} is managed by ECK through spec.remoteClusters of {cluster}: removing its \
             settings is undone at ECK's next reconcile, which writes them again"
        ),
    )
    .with_hint(format!(
        "remove the entry instead: ecr disconnect {cluster} -n {namespace} --alias {alias} --ref"
    )))
}

/// Where `alias` is in proxy mode, if anywhere: a scope of the cluster settings or a nodeSet's
/// `elasticsearch.yml`.
pub fn proxy_mode_of(
    current: &ClusterSettings,
    found: &[NodeSetSettings],
    alias: &str,
) -> Option<String> {
    let key = format!("{}mode", alias_prefix(alias));
    let is_proxy = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .is_some_and(|mode| mode.eq_ignore_ascii_case("proxy"))
    };
    if is_proxy(current.transient.get(&key)) {
        return Some("the transient cluster settings".into());
    }
    if is_proxy(current.persistent.get(&key)) {
        return Some("the persistent cluster settings".into());
    }
    found
        .iter()
        .find(|f| is_proxy(f.settings.get(&key)))
        .map(|f| format!("the config (elasticsearch.yml) of nodeSet {}", f.node_set))
}

/// Refuses `connect --ref` over an alias in proxy mode: ECK writes only `seeds` for its aliases,
/// which Elasticsearch refuses next to `mode: proxy`, so ECK's reconcile would fail on every
/// loop (ECK: `pkg/controller/elasticsearch/remotecluster/elasticsearch.go`).
pub fn refuse_ref_over_proxy(
    current: &ClusterSettings,
    found: &[NodeSetSettings],
    cluster: &str,
    namespace: &str,
    alias: &str,
) -> Result<(), Failure> {
    let Some(place) = proxy_mode_of(current, found, alias) else {
        return Ok(());
    };
    Err(Failure::new(
        FailureKind::Invalid,
        format!(
            "{alias} is a proxy-mode remote of {cluster} ({place}): ECK writes only seeds for the aliases of \
             spec.remoteClusters, Elasticsearch refuses seeds next to mode: proxy, and ECK's reconcile would \
             fail on every loop"
        ),
    )
    .with_hint(format!(
        "remove the proxy remote first (ecr disconnect {cluster} -n {namespace} --alias {alias}), or choose another --alias"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({"nodeSets": [
            {"name": "masters", "config": {"node.roles": ["master"]}},
            {"name": "data", "config": {
                "cluster": {"remote": {"two": {"seeds": ["10.0.0.1:9300"]}}},
                "cluster.remote.two.skip_unavailable": true,
                "cluster.remote.twofold.mode": "proxy"}},
            {"name": "coord", "config": {"cluster.remote.two": {"mode": "proxy", "proxy_address": "a:9300"}}},
        ]})
    }

    #[test]
    fn finds_an_alias_in_dotted_nested_and_mixed_keys_of_each_node_set() {
        let found = in_node_configs(&spec(), "two");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].node_set, "data");
        assert_eq!(
            found[0].settings.keys().collect::<Vec<_>>(),
            [
                "cluster.remote.two.seeds",
                "cluster.remote.two.skip_unavailable"
            ]
        );
        assert_eq!(found[1].node_set, "coord");
        assert!(in_node_configs(&spec(), "three").is_empty());
    }

    #[test]
    fn sniff_settings_in_a_config_are_refused_and_others_are_warned_about() {
        let found = in_node_configs(&spec(), "two");
        let refused = judge_for_connect("one", "two", &found).unwrap_err();
        assert_eq!(refused.kind, FailureKind::Invalid);
        assert!(
            refused
                .message
                .contains("nodeSet data of one sets cluster.remote.two.seeds")
        );
        let warnings = judge_for_connect("one", "two", &found[1..]).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("cluster.remote.two.mode, cluster.remote.two.proxy_address"));
        assert!(judge_for_connect("one", "two", &[]).unwrap().is_empty());
    }

    #[test]
    fn a_proxy_alias_is_found_in_any_scope_or_config() {
        let settings = |persistent: Value, transient: Value| ClusterSettings {
            persistent: persistent.as_object().unwrap().clone(),
            transient: transient.as_object().unwrap().clone(),
        };
        let none = settings(json!({}), json!({}));
        assert_eq!(proxy_mode_of(&none, &[], "two"), None);
        let persistent = settings(json!({"cluster.remote.two.mode": "proxy"}), json!({}));
        assert_eq!(
            proxy_mode_of(&persistent, &[], "two").as_deref(),
            Some("the persistent cluster settings")
        );
        let transient = settings(json!({}), json!({"cluster.remote.two.mode": "PROXY"}));
        assert!(proxy_mode_of(&transient, &[], "two").is_some());
        let found = in_node_configs(&spec(), "two");
        assert_eq!(
            proxy_mode_of(&none, &found, "two").as_deref(),
            Some("the config (elasticsearch.yml) of nodeSet coord")
        );
        assert!(refuse_ref_over_proxy(&persistent, &[], "one", "ns", "two").is_err());
        assert!(refuse_ref_over_proxy(&none, &[], "one", "ns", "two").is_ok());
    }

    #[test]
    fn disconnecting_an_alias_eck_manages_is_refused() {
        let resource = json!({"spec": {"remoteClusters": [{"name": "two", "elasticsearchRef": {"name": "two"}}]}});
        let refused = refuse_disconnect_of_managed(&resource, "one", "ns", "two").unwrap_err();
        assert!(refused.message.contains("undone at ECK's next reconcile"));
        assert_eq!(
            refused.hint.as_deref(),
            Some("remove the entry instead: ecr disconnect one -n ns --alias two --ref")
        );
        assert!(refuse_disconnect_of_managed(&resource, "one", "ns", "three").is_ok());
    }
}
