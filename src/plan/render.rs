//! A plan as the operator reads it: one line per change, the diff of each object (secret
//! values described, never shown), the exact settings request, and the outcome's one line
//! (or its JSON with `-o json`).

use base64::Engine as _;
use kube::api::ApiResource;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{Change, KeyAction, KeyCreation, KeysWrite, Outcome, Plan, SettingsWrite, Write};
use crate::certs;
use crate::error::counted;
use crate::output::{Output, OutputFormat};

/// What a plan says about one of its changes, for `-o json`.
#[derive(Debug, Serialize)]
pub struct ChangeSummary {
    pub action: &'static str,
    pub kind: String,
    /// What is changed: `ns-one/cluster-one (context sandbox)`, or an Elasticsearch cluster.
    pub target: String,
    pub effect: String,
    /// The exact request body, for cluster settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
}

impl Plan {
    pub fn summary(&self) -> Vec<ChangeSummary> {
        self.changes.iter().map(Change::summary).collect()
    }

    /// The plan for people: one line per change, then the diff of each.
    pub fn show(&self, output: &Output) {
        output.status("Plan", counted(self.changes.len(), "change"));
        for change in &self.changes {
            output.status(
                change.action(),
                format!("{}: {}", change.title(), change.effect()),
            );
        }
        for step in &self.then {
            output.status("Then", step);
        }
        for change in &self.changes {
            output.diff(&change.title(), &change.diff());
        }
        for warning in &self.warnings {
            output.warn(warning);
        }
    }
}

impl Change {
    pub(super) fn action(&self) -> &'static str {
        match self {
            Change::Object(write) if write.before.is_none() => "Create",
            Change::KeyCreation(_) => "Create",
            Change::Keys(KeysWrite {
                action: KeyAction::Invalidate { .. },
                ..
            }) => "Invalidate",
            _ => "Update",
        }
    }

    pub fn title(&self) -> String {
        match self {
            Change::Object(write) => write.title(),
            Change::Settings(write) => format!("cluster settings of {}", write.cluster),
            Change::KeyCreation(creation) => format!(
                "cross-cluster API key {} on {}",
                creation.request["name"].as_str().unwrap_or_default(),
                creation.cluster
            ),
            Change::Keys(write) => match &write.action {
                KeyAction::Update { id, .. } => format!("API key {id} on {}", write.cluster),
                KeyAction::Invalidate { ids } => format!(
                    "{} {} on {}",
                    if ids.len() == 1 {
                        "API key"
                    } else {
                        "API keys"
                    },
                    ids.join(", "),
                    write.cluster
                ),
            },
        }
    }

    fn effect(&self) -> &str {
        match self {
            Change::Object(write) => &write.effect,
            Change::Settings(write) => &write.effect,
            Change::KeyCreation(creation) => &creation.store.effect,
            Change::Keys(write) => &write.effect,
        }
    }

    fn diff(&self) -> String {
        match self {
            Change::Object(write) => write.diff(),
            Change::Settings(write) => write.request(),
            Change::KeyCreation(creation) => creation.shown(),
            Change::Keys(write) => write.request(),
        }
    }

    fn summary(&self) -> ChangeSummary {
        match self {
            Change::Object(write) => ChangeSummary {
                action: if write.before.is_some() {
                    "update"
                } else {
                    "create"
                },
                kind: write.resource.kind.clone(),
                target: write.target(),
                effect: write.effect.clone(),
                request: None,
            },
            Change::Settings(write) => ChangeSummary {
                action: "update",
                kind: "ClusterSettings".into(),
                target: write.cluster.clone(),
                effect: write.effect.clone(),
                request: Some(write.change.body()),
            },
            Change::KeyCreation(creation) => ChangeSummary {
                action: "create",
                kind: "CrossClusterApiKey".into(),
                target: creation.cluster.clone(),
                effect: format!(
                    "{}; stored in {}",
                    creation.store.effect,
                    creation.store.title()
                ),
                request: Some(creation.request.clone()),
            },
            Change::Keys(write) => ChangeSummary {
                action: match write.action {
                    KeyAction::Update { .. } => "update",
                    KeyAction::Invalidate { .. } => "invalidate",
                },
                kind: "ApiKey".into(),
                target: write.cluster.clone(),
                effect: write.effect.clone(),
                request: Some(write.body()),
            },
        }
    }
}

impl SettingsWrite {
    /// The exact request, as `--dry-run` promises, with the values it replaces.
    fn request(&self) -> String {
        let body = serde_json::to_string_pretty(&self.change.body()).unwrap_or_default();
        let mut text = format!("PUT /_cluster/settings\n{body}\n");
        for (scope, current, changed) in [
            (
                "persistent",
                &self.current.persistent,
                &self.change.persistent,
            ),
            ("transient", &self.current.transient, &self.change.transient),
        ] {
            for key in changed.keys() {
                if let Some(old) = current.get(key) {
                    text.push_str(&format!("# {scope} {key} was {old}\n"));
                }
            }
        }
        text
    }
}

impl KeyCreation {
    /// The request, then the Secret that receives the key.
    fn shown(&self) -> String {
        let body = serde_json::to_string_pretty(&self.request).unwrap_or_default();
        format!(
            "POST /_security/cross_cluster/api_key\n{body}\n# the key goes into {}:\n{}",
            self.store.title(),
            self.store.diff()
        )
    }
}

impl KeysWrite {
    fn body(&self) -> Value {
        match &self.action {
            KeyAction::Update { body, .. } => body.clone(),
            KeyAction::Invalidate { ids } => json!({"ids": ids}),
        }
    }

    /// The exact request.
    fn request(&self) -> String {
        let line = match &self.action {
            KeyAction::Update { id, .. } => format!("PUT /_security/cross_cluster/api_key/{id}"),
            KeyAction::Invalidate { .. } => "DELETE /_security/api_key".to_string(),
        };
        let body = serde_json::to_string_pretty(&self.body()).unwrap_or_default();
        format!("{line}\n{body}\n")
    }
}

impl Write {
    /// `Secret ns-one/remote-certs (context sandbox)`.
    pub fn title(&self) -> String {
        format!("{} {}", self.resource.kind, self.target())
    }

    /// `ns-one/remote-certs`, with the context when there is one.
    fn target(&self) -> String {
        let namespace = &self.place.namespace;
        match &self.place.server.context {
            Some(context) => format!("{namespace}/{} (context {context})", self.name),
            None => format!("{namespace}/{}", self.name),
        }
    }

    /// A unified diff of the object as people read it (YAML, without server bookkeeping,
    /// secret values described instead of shown).
    pub fn diff(&self) -> String {
        let before = self
            .before
            .as_ref()
            .map(|object| readable(&self.resource, object))
            .unwrap_or_default();
        let after = readable(&self.resource, &self.after);
        similar::TextDiff::from_lines(&before, &after)
            .unified_diff()
            .context_radius(3)
            .header("as it is", "as it will be")
            .to_string()
    }
}

/// The object as a person reviewing the change wants to read it.
fn readable(resource: &ApiResource, object: &Value) -> String {
    let mut object = object.clone();
    if let Some(fields) = object.as_object_mut() {
        fields.remove("status");
    }
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for bookkeeping in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
        ] {
            metadata.remove(bookkeeping);
        }
    }
    if resource.kind == "Secret" {
        describe_secret_data(&mut object);
    }
    serde_yaml::to_string(&object)
        .unwrap_or_else(|error| format!("(cannot show this object: {error})\n"))
}

/// Secret values are never shown: certificates are described, anything else is counted; a
/// `null` entry is one that applying fills (a key not made yet).
fn describe_secret_data(secret: &mut Value) {
    let Some(data) = secret.get_mut("data").and_then(Value::as_object_mut) else {
        return;
    };
    for value in data.values_mut() {
        if value.is_null() {
            *value = json!("(made when applied, not shown)");
            continue;
        }
        let bytes = value
            .as_str()
            .and_then(|encoded| {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .ok()
            })
            .unwrap_or_default();
        *value = match certs::parse_bundle(&bytes) {
            Ok(certificates) => Value::Array(
                certificates
                    .iter()
                    .map(|c| json!(format!("{} (SHA-256 {})", c.subject, c.sha256_fingerprint)))
                    .collect(),
            ),
            Err(_) => json!(format!("({} bytes, not shown)", bytes.len())),
        };
    }
}

impl Outcome {
    /// Tells what happened in one line on stderr; `goal` says what holds once the plan is
    /// applied. With `-o json`, also prints `{goal, outcome, changes}` on stdout.
    pub fn report(&self, output: &Output, goal: &str) -> anyhow::Result<()> {
        self.announce(output, goal);
        if output.format() == OutputFormat::Json {
            let mut report = self.to_json();
            report.insert("goal".into(), json!(goal));
            output.json(&report)?;
        }
        Ok(())
    }

    /// The one line on stderr, for commands that print their own result.
    pub fn announce(&self, output: &Output, goal: &str) {
        match self {
            Outcome::InPlace => output.status(
                "Unchanged",
                format!("{goal}: already in place, nothing written"),
            ),
            Outcome::DryRun(_) => output.status("Dry run", "nothing written"),
            Outcome::Applied(_) => output.status("Done", goal),
        }
    }

    /// `outcome` (`in_place`, `dry_run` or `applied`) and `changes`, for `-o json`.
    pub fn to_json(&self) -> Map<String, Value> {
        let (outcome, plan) = match self {
            Outcome::InPlace => ("in_place", None),
            Outcome::DryRun(plan) => ("dry_run", Some(plan)),
            Outcome::Applied(plan) => ("applied", Some(plan)),
        };
        let changes = plan.map(Plan::summary).unwrap_or_default();
        let mut fields = Map::new();
        fields.insert("outcome".into(), json!(outcome));
        fields.insert("changes".into(), json!(changes));
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_described_not_shown() {
        let secret = json!({"kind": "Secret", "data": {"password": "c2VjcmV0"}});
        let shown = readable(
            &ApiResource::erase::<k8s_openapi::api::core::v1::Secret>(&()),
            &secret,
        );
        assert!(
            !shown.contains("c2VjcmV0") && !shown.contains("secret\n"),
            "{shown}"
        );
        assert!(shown.contains("(6 bytes, not shown)"), "{shown}");
    }
}
