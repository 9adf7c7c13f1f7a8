//! The Elasticsearch keystore ECK builds for a cluster's nodes from `spec.secureSettings`:
//! every key of each listed secret, or, where `entries` are given, those keys under their
//! `path` (ECK: `pkg/controller/common/keystore/user_secret.go`). Only names: the
//! sandbox needs to know which secure settings are there, never their values.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::apiserver::KubeApi;
use crate::apiserver::resources::{ELASTICSEARCHES, SECRETS};

/// The setting names in the keystore of the cluster's nodes.
pub fn setting_names(api: &KubeApi, namespace: &str, name: &str) -> BTreeSet<String> {
    let Some(resource) = api.get(&ELASTICSEARCHES, namespace, name) else {
        return BTreeSet::new();
    };
    resource["spec"]["secureSettings"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|source| names_of(api, namespace, source))
        .collect()
}

fn names_of(api: &KubeApi, namespace: &str, source: &Value) -> Vec<String> {
    let Some(secret) = source["secretName"]
        .as_str()
        .and_then(|secret| api.get(&SECRETS, namespace, secret))
    else {
        return Vec::new();
    };
    let keys: Vec<String> = secret["data"]
        .as_object()
        .map(|data| data.keys().cloned().collect())
        .unwrap_or_default();
    match source["entries"].as_array() {
        Some(entries) => entries
            .iter()
            .filter(|entry| {
                entry["key"]
                    .as_str()
                    .is_some_and(|k| keys.iter().any(|x| x == k))
            })
            .filter_map(|entry| entry["path"].as_str().or(entry["key"].as_str()))
            .map(str::to_string)
            .collect(),
        None => keys,
    }
}
