//! The active probes that prove a link carries data: `GET _resolve/cluster/ALIAS:*` and
//! `GET ALIAS:*/_search?size=0`, answered from the link status. Clusters hold no indices.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::cluster::{Cluster, RemoteAction};
use super::errors::{Cause, EsError, index_not_found_cause};
use super::remote::{Demand, LinkStatus, RemoteConfig};
use super::settings::wildcard_match;

/// How Elasticsearch names the local cluster in cross-cluster answers.
const LOCAL: &str = "(local)";

/// The index expressions of a request, grouped by the cluster that holds them.
#[derive(Debug, Default, PartialEq)]
pub struct IndicesByCluster {
    pub local: Vec<String>,
    /// Per remote alias, its index expressions.
    pub remote: BTreeMap<String, Vec<String>>,
}

impl IndicesByCluster {
    /// Groups a comma-separated expression such as `one:logs-*,two:*,local`. A cluster part
    /// with no wildcard must be a configured remote cluster.
    pub fn group(expression: &str, remotes: &[RemoteConfig]) -> Result<Self, EsError> {
        let mut targets = IndicesByCluster::default();
        for part in expression
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            match part.split_once(':') {
                Some((cluster, index)) if !part.starts_with('<') => {
                    for alias in matching_aliases(cluster, remotes)? {
                        targets
                            .remote
                            .entry(alias)
                            .or_default()
                            .push(index.to_owned());
                    }
                }
                _ => targets.local.push(part.to_owned()),
            }
        }
        Ok(targets)
    }
}

fn matching_aliases(pattern: &str, remotes: &[RemoteConfig]) -> Result<Vec<String>, EsError> {
    let matching: Vec<String> = remotes
        .iter()
        .filter(|remote| wildcard_match(pattern, &remote.alias))
        .map(|remote| remote.alias.clone())
        .collect();
    match matching.is_empty() && !pattern.contains('*') {
        true => Err(EsError::no_such_remote_cluster(pattern)),
        false => Ok(matching),
    }
}

/// The first expression naming one index (not a pattern): none exists on emulated clusters.
fn first_concrete(indices: &[String]) -> Option<&str> {
    indices
        .iter()
        .map(String::as_str)
        .find(|index| !index.contains('*') && *index != "_all" && !index.starts_with('-'))
}

fn remote_config<'a>(remotes: &'a [RemoteConfig], alias: &str) -> Option<&'a RemoteConfig> {
    remotes.iter().find(|remote| remote.alias == alias)
}

/// The body of `GET _resolve/cluster/EXPRESSION`: never waits for a connection, but a remote
/// found disconnected is tried again in the background, so that the next request may find it
/// connected (ES: `TransportResolveClusterAction` asks with `DisconnectedStrategy.FAIL_IF_DISCONNECTED`,
/// documented in `RemoteClusterService`).
pub fn resolve_cluster(
    cluster: &Cluster,
    remotes: &[RemoteConfig],
    targets: &IndicesByCluster,
) -> Value {
    let mut answer = Map::new();
    if !targets.local.is_empty() {
        answer.insert(LOCAL.into(), resolved(cluster, false, &targets.local));
    }
    for (alias, indices) in &targets.remote {
        let Some(remote) = remote_config(remotes, alias) else {
            continue;
        };
        let entry = match cluster.link_status(remote, Demand::Reconnect) {
            LinkStatus::Connected => {
                match cluster.api_key_access(remote, indices, RemoteAction::ResolveCluster) {
                    Ok(()) => resolved(cluster, remote.skip_unavailable, indices),
                    // Any security exception reads `connected: false`: the local cluster may raise
                    // one before sending, so Elasticsearch cannot tell (ES:
                    // TransportResolveClusterAction, its listener's onFailure).
                    Err(cause) => json!({
                        "connected": false,
                        "skip_unavailable": remote.skip_unavailable,
                        "error": cause.reason,
                    }),
                }
            }
            _ => json!({ "connected": false, "skip_unavailable": remote.skip_unavailable }),
        };
        answer.insert(alias.clone(), entry);
    }
    Value::Object(answer)
}

/// The entry of a reachable cluster: whether the expressions match, or the missing index.
fn resolved(cluster: &Cluster, skip_unavailable: bool, indices: &[String]) -> Value {
    match first_concrete(indices) {
        Some(index) => json!({
            "connected": true,
            "skip_unavailable": skip_unavailable,
            "error": format!("no such index [{index}]"),
        }),
        None => json!({
            "connected": true,
            "skip_unavailable": skip_unavailable,
            "matching_indices": false,
            "version": cluster.version.to_resolve_json(),
        }),
    }
}

/// The body of `GET EXPRESSION/_search`: an empty result, with `_clusters` when remote
/// clusters take part. A failing remote is skipped when `skip_unavailable`, fatal otherwise.
pub async fn search(
    cluster: &Cluster,
    remotes: &[RemoteConfig],
    targets: &IndicesByCluster,
) -> Result<Value, EsError> {
    if let Some(index) = first_concrete(&targets.local) {
        return Err(EsError::index_not_found(index));
    }
    let mut body = empty_search();
    if targets.remote.is_empty() {
        return Ok(body);
    }
    let mut details = Map::new();
    if !targets.local.is_empty() {
        details.insert(LOCAL.into(), successful(&targets.local));
    }
    for (alias, indices) in &targets.remote {
        let Some(remote) = remote_config(remotes, alias) else {
            continue;
        };
        let detail = match (
            remote_search(cluster, remote, indices).await,
            remote.skip_unavailable,
        ) {
            (Ok(()), _) => successful(indices),
            (Err(cause), true) => skipped(indices, &cause),
            (Err(cause), false) => return Err(search_failure(cause)),
        };
        details.insert(alias.clone(), detail);
    }
    body["_clusters"] = clusters_summary(details);
    Ok(body)
}

/// Searches one remote: reconnects and waits for it unless the remote may be skipped, in which
/// case a disconnected remote fails at once and is tried again in the background
/// (ES: `RemoteClusterService.DisconnectedStrategy.RECONNECT_UNLESS_SKIP_UNAVAILABLE`).
async fn remote_search(
    cluster: &Cluster,
    remote: &RemoteConfig,
    indices: &[String],
) -> Result<(), Cause> {
    let status = match remote.skip_unavailable {
        true => cluster.link_status(remote, Demand::Reconnect),
        false => cluster.wait_for_link(remote).await,
    };
    match status {
        LinkStatus::Connected => {
            cluster.api_key_access(remote, indices, RemoteAction::Search)?;
            first_concrete(indices).map_or(Ok(()), |index| Err(index_not_found_cause(index)))
        }
        LinkStatus::Connecting { .. } => Err(Cause::new(
            "connect_transport_exception",
            format!("Unable to connect to [{}]", remote.alias),
        )),
        LinkStatus::Failed(failure) => Err(failure.to_cause()),
    }
}

fn search_failure(cause: Cause) -> EsError {
    let status = match cause.error_type.as_str() {
        "index_not_found_exception" => StatusCode::NOT_FOUND,
        // A key the remote refused (it names the credentials tried), or a refusal by license
        // or privileges.
        "security_exception"
            if cause
                .metadata
                .contains_key("additional_unsuccessful_credentials") =>
        {
            StatusCode::UNAUTHORIZED
        }
        "security_exception" => StatusCode::FORBIDDEN,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    EsError::new(status, cause)
}

fn no_shards() -> Value {
    json!({ "total": 0, "successful": 0, "skipped": 0, "failed": 0 })
}

fn empty_search() -> Value {
    json!({
        "took": 1,
        "timed_out": false,
        "_shards": no_shards(),
        "hits": { "total": { "value": 0, "relation": "eq" }, "max_score": null, "hits": [] },
    })
}

fn successful(indices: &[String]) -> Value {
    json!({
        "status": "successful",
        "indices": indices.join(","),
        "took": 1,
        "timed_out": false,
        "_shards": no_shards(),
    })
}

fn skipped(indices: &[String], cause: &Cause) -> Value {
    json!({
        "status": "skipped",
        "indices": indices.join(","),
        "timed_out": false,
        "failures": [{ "shard": -1, "index": null, "reason": cause.to_json(true) }],
    })
}

fn clusters_summary(details: Map<String, Value>) -> Value {
    let count = |status: &str| {
        details
            .values()
            .filter(|detail| detail["status"] == status)
            .count()
    };
    json!({
        "total": details.len(),
        "successful": count("successful"),
        "skipped": count("skipped"),
        "running": 0,
        "partial": 0,
        "failed": 0,
        "details": details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elasticsearch::remote::Connection;

    fn remote(alias: &str) -> RemoteConfig {
        RemoteConfig {
            alias: alias.into(),
            connection: Connection::Proxy {
                address: "h:9300".into(),
                server_name: String::new(),
                socket_connections: 18,
            },
            skip_unavailable: false,
            credentials: None,
        }
    }

    #[test]
    fn groups_expressions_by_cluster() {
        let remotes = [remote("one"), remote("two")];
        let targets =
            IndicesByCluster::group("one:logs-*,*:metrics,local-*", &remotes).expect("grouped");
        assert_eq!(targets.local, ["local-*"]);
        assert_eq!(targets.remote["one"], ["logs-*", "metrics"]);
        assert_eq!(targets.remote["two"], ["metrics"]);
    }

    #[test]
    fn an_unknown_alias_is_refused_but_an_empty_pattern_is_not() {
        let remotes = [remote("one")];
        let error = IndicesByCluster::group("three:*", &remotes).expect_err("unknown");
        assert_eq!(error.status, StatusCode::NOT_FOUND);
        assert_eq!(error.reason(), "no such remote cluster: [three]");
        assert_eq!(
            IndicesByCluster::group("t*:*", &remotes).expect("grouped"),
            IndicesByCluster::default()
        );
    }
}
