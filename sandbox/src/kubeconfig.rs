//! The kubeconfig that points clients at the sandbox: one cluster, user and context per
//! emulated API server, with the CA embedded and the admin's bearer token.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::apiserver::KubeApi;

/// A kubeconfig (YAML) for these contexts; the first is the current one.
pub fn render(contexts: &[(&str, &KubeApi)]) -> String {
    let clusters: Vec<Value> = contexts
        .iter()
        .map(|(name, api)| {
            json!({"name": name, "cluster": {
                "server": api.url(),
                "certificate-authority-data": STANDARD.encode(api.ca_pem()),
            }})
        })
        .collect();
    let users: Vec<Value> = contexts
        .iter()
        .map(|(name, api)| json!({"name": name, "user": {"token": api.admin_token()}}))
        .collect();
    let named_contexts: Vec<Value> = contexts
        .iter()
        .map(|(name, _)| json!({"name": name, "context": {"cluster": name, "user": name}}))
        .collect();
    let current = contexts.first().map(|(name, _)| *name).unwrap_or_default();
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": current,
        "clusters": clusters,
        "users": users,
        "contexts": named_contexts,
    });
    serde_yaml::to_string(&config).expect("a JSON value always serializes to YAML")
}
