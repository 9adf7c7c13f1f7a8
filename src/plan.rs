//! Plans as data: the exact writes a command will make, computed from what it read. Showing
//! them, `--dry-run`, confirmation, applying, re-planning on conflict and verifying all come
//! from one `Plan`; an empty plan means everything is already in place. Each write is verified
//! against the server's answer to it (the object as stored, the settings as updated), which
//! shows what a re-read would, without another request.

use std::future::Future;
use std::io::IsTerminal as _;
use std::sync::Arc;

use anyhow::Context as _;
use base64::Engine as _;
use kube::api::ApiResource;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::certs;
use crate::elasticsearch::{ClusterSettings, Elasticsearch};
use crate::error::{Failure, FailureKind};
use crate::k8s::Kube;
use crate::output::{Output, OutputFormat};
use crate::remote::SettingsChange;

/// How many times a plan is re-made after someone else's concurrent write.
const ATTEMPTS: usize = 5;

/// One object to create or update, as it is and as it must be.
#[derive(Clone)]
pub struct Write {
    pub kube: Kube,
    pub resource: ApiResource,
    pub name: String,
    /// The object as read (with its resourceVersion), `None` when it is to be created.
    pub before: Option<Value>,
    /// The object as it must be.
    pub after: Value,
    /// What the write sets in motion, e.g. "rolls the pods of nodeSet default" or "no restart".
    pub effect: String,
}

/// A change of an Elasticsearch cluster's settings, as read and as requested.
#[derive(Clone)]
pub struct SettingsWrite {
    pub es: Arc<Elasticsearch>,
    /// The settings as read, to show what changes.
    pub current: ClusterSettings,
    /// The exact `PUT _cluster/settings` request.
    pub change: SettingsChange,
    pub effect: String,
}

/// One change a plan makes.
#[derive(Clone)]
pub enum Change {
    /// A Kubernetes object created or updated.
    Object(Box<Write>),
    /// Cluster settings of an Elasticsearch cluster.
    Settings(SettingsWrite),
}

impl From<Write> for Change {
    fn from(write: Write) -> Self {
        Change::Object(Box::new(write))
    }
}

impl From<SettingsWrite> for Change {
    fn from(write: SettingsWrite) -> Self {
        Change::Settings(write)
    }
}

/// The changes of a command, in the order they must happen (a secret before what mounts it).
#[derive(Clone, Default)]
pub struct Plan {
    changes: Vec<Change>,
    /// What the operator should know before approving (shown as warnings).
    warnings: Vec<String>,
    /// What follows once these changes are made, for commands of several phases.
    then: Vec<String>,
}

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
    /// Adds a change, unless it would change nothing.
    pub fn push(&mut self, change: impl Into<Change>) {
        let change = change.into();
        if !change.is_noop() {
            self.changes.push(change);
        }
    }

    /// Adds another plan's changes after this one's.
    pub fn append(&mut self, other: Plan) {
        self.changes.extend(other.changes);
        other
            .warnings
            .into_iter()
            .for_each(|warning| self.warn(warning));
        self.then.extend(other.then);
    }

    /// What the command does next, once these changes are made; shown with the plan.
    pub fn then(&mut self, step: impl Into<String>) {
        self.then.push(step.into());
    }

    /// Something the operator should know before approving; shown only with changes.
    /// Said once, however many changes call for it.
    pub fn warn(&mut self, warning: impl Into<String>) {
        let warning = warning.into();
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn summary(&self) -> Vec<ChangeSummary> {
        self.changes.iter().map(Change::summary).collect()
    }

    /// The plan for people: one line per change, then the diff of each.
    pub fn show(&self, output: &Output) {
        output.status("Plan", format!("{} change(s)", self.changes.len()));
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

    async fn apply(&self, output: &Output) -> anyhow::Result<()> {
        for change in &self.changes {
            change.apply().await?;
            output.status(
                "Applied",
                format!("{} {}", change.action().to_lowercase(), change.title()),
            );
        }
        Ok(())
    }
}

impl Change {
    fn is_noop(&self) -> bool {
        match self {
            Change::Object(write) => write.before.as_ref() == Some(&write.after),
            Change::Settings(write) => write.change.is_empty(),
        }
    }

    fn action(&self) -> &'static str {
        match self {
            Change::Object(write) if write.before.is_none() => "Create",
            _ => "Update",
        }
    }

    pub fn title(&self) -> String {
        match self {
            Change::Object(write) => write.title(),
            Change::Settings(write) => format!("cluster settings of {}", write.es.description()),
        }
    }

    fn effect(&self) -> &str {
        match self {
            Change::Object(write) => &write.effect,
            Change::Settings(write) => &write.effect,
        }
    }

    fn diff(&self) -> String {
        match self {
            Change::Object(write) => write.diff(),
            Change::Settings(write) => write.request(),
        }
    }

    /// Applies the change; fails unless the server's answer shows it made.
    async fn apply(&self) -> anyhow::Result<()> {
        let not_shown = match self {
            Change::Object(write) => write.field_not_shown(&write.apply().await?),
            Change::Settings(write) => {
                let updated = write.es.put_cluster_settings(&write.change.body()).await?;
                // `acknowledged: false`: committed, but not every node applied it within the
                // ack timeout (ES: `AcknowledgedResponse`). Not a failure: read what holds.
                let settings = match updated.acknowledged {
                    true => updated.settings,
                    false => write.es.cluster_settings().await?,
                };
                write.change.setting_not_shown(&settings)
            }
        };
        match not_shown {
            None => Ok(()),
            Some(field) => Err(Failure::new(
                FailureKind::Conflict,
                format!(
                    "after writing, {} still differs from the plan: {field} did not take",
                    self.title()
                ),
            )
            .with_hint(
                "the server dropped or changed part of it (an older ECK, a webhook, another \
                 controller?); re-run to see the new plan",
            )
            .into()),
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
                target: write.es.description().to_string(),
                effect: write.effect.clone(),
                request: Some(write.change.body()),
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

impl Write {
    /// `Secret ns-one/remote-certs (context sandbox)`.
    pub fn title(&self) -> String {
        format!("{} {}", self.resource.kind, self.target())
    }

    /// `ns-one/remote-certs`, with the context when there is one.
    fn target(&self) -> String {
        let namespace = self.kube.namespace();
        match &self.kube.server().context {
            Some(context) => format!("{namespace}/{} (context {context})", self.name),
            None => format!("{namespace}/{}", self.name),
        }
    }

    /// Creates or patches the object; the object as the API server stored it.
    async fn apply(&self) -> anyhow::Result<Value> {
        match &self.before {
            None => self.kube.create_json(&self.resource, &self.after).await,
            Some(before) => {
                self.kube
                    .merge_patch_json(
                        &self.resource,
                        &self.name,
                        &conditional_patch(before, &self.after),
                    )
                    .await
            }
        }
    }

    fn field_not_shown(&self, stored: &Value) -> Option<String> {
        field_not_shown(self.before.as_ref(), &self.after, stored)
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

/// The merge patch (RFC 7386) from `before` to `after`, conditional on `before`'s
/// resourceVersion so that a concurrent write makes it fail rather than be lost.
pub fn conditional_patch(before: &Value, after: &Value) -> Value {
    let mut patch = merge_patch(before, after);
    if let (Some(patch), Some(version)) = (
        patch.as_object_mut(),
        before.pointer("/metadata/resourceVersion"),
    ) {
        let metadata = patch.entry("metadata").or_insert_with(|| json!({}));
        if let Some(metadata) = metadata.as_object_mut() {
            metadata.insert("resourceVersion".into(), version.clone());
        }
    }
    patch
}

/// The smallest merge patch that turns `before` into `after`: maps are patched key by key,
/// anything else (lists included) is replaced whole, removed keys are set to null.
pub fn merge_patch(before: &Value, after: &Value) -> Value {
    let (Value::Object(before), Value::Object(after)) = (before, after) else {
        return after.clone();
    };
    let mut patch = Map::new();
    for (key, new) in after {
        match before.get(key) {
            Some(old) if old == new => {}
            Some(old) => {
                patch.insert(key.clone(), merge_patch(old, new));
            }
            None => {
                patch.insert(key.clone(), new.clone());
            }
        }
    }
    for key in before.keys().filter(|key| !after.contains_key(*key)) {
        patch.insert(key.clone(), Value::Null);
    }
    Value::Object(patch)
}

/// The first field (a dotted path) that the write from `before` to `after` set and `stored`
/// does not hold as it was set; fields the server adds, such as defaults and bookkeeping, do
/// not matter.
fn field_not_shown(before: Option<&Value>, after: &Value, stored: &Value) -> Option<String> {
    let written = merge_patch(before.unwrap_or(&json!({})), after);
    first_not_shown(&written, stored, "")
}

/// Where `stored` differs from what the merge patch `patch` makes of it, below `at`.
fn first_not_shown(patch: &Value, stored: &Value, at: &str) -> Option<String> {
    let Value::Object(fields) = patch else {
        return (patch != stored).then(|| at.to_string());
    };
    fields.iter().find_map(|(key, value)| {
        let path = match at {
            "" => key.clone(),
            _ => format!("{at}.{key}"),
        };
        match (value, stored.get(key)) {
            (Value::Null, None | Some(Value::Null)) => None,
            (Value::Object(_), None) => first_not_shown(value, &json!({}), &path),
            (Value::Object(_), Some(inner)) if inner.is_object() => {
                first_not_shown(value, inner, &path)
            }
            (value, Some(inner)) if value == inner => None,
            _ => Some(path),
        }
    })
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

/// Secret values are never shown: certificates are described, anything else is counted.
fn describe_secret_data(secret: &mut Value) {
    let Some(data) = secret.get_mut("data").and_then(Value::as_object_mut) else {
        return;
    };
    for value in data.values_mut() {
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

/// What the operator allowed on the command line.
#[derive(Debug, Clone, Copy)]
pub struct Approval {
    pub yes: bool,
    pub dry_run: bool,
}

/// How carrying out a plan ended.
pub enum Outcome {
    /// Everything was already in place: nothing was written.
    InPlace,
    /// `--dry-run`: the plan was shown, nothing was written.
    DryRun(Plan),
    /// The plan was applied and verified.
    Applied(Plan),
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

/// Plans, shows, asks, applies (verifying each write). `make_plan` reads the clusters and computes the
/// plan; after a conflict (someone else wrote in between) it runs again, so that their change
/// is kept and ecr's is made on top of it.
pub async fn carry_out<F, Fut>(
    output: &Output,
    approval: Approval,
    mut make_plan: F,
) -> anyhow::Result<Outcome>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Plan>>,
{
    let mut confirmed = false;
    for attempt in 1..=ATTEMPTS {
        let plan = make_plan().await?;
        if plan.is_empty() {
            return Ok(if attempt == 1 {
                Outcome::InPlace
            } else {
                Outcome::Applied(plan)
            });
        }
        plan.show(output);
        if approval.dry_run {
            return Ok(Outcome::DryRun(plan));
        }
        if !confirmed {
            confirm(approval)?;
            confirmed = true;
        }
        match plan.apply(output).await {
            Ok(()) => return Ok(Outcome::Applied(plan)),
            Err(error) if Failure::is(&error, FailureKind::Conflict) => {
                output.warn(format!("{error:#}; reading it again and re-planning"));
            }
            Err(error) => return Err(error),
        }
    }
    Err(Failure::new(
        FailureKind::Conflict,
        format!("the objects kept changing while ecr was writing them (tried {ATTEMPTS} times)"),
    )
    .with_hint("find out who else is editing them, then re-run; what was written is kept and a re-run finishes")
    .into())
}

/// Asks on the terminal; without one, only `--yes` allows writing.
fn confirm(approval: Approval) -> anyhow::Result<()> {
    if approval.yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::new(
            FailureKind::Invalid,
            "refusing to write without confirmation: there is no terminal to ask on",
        )
        .with_hint("re-run with --yes to apply this plan, or with --dry-run to only show it")
        .into());
    }
    let approved = dialoguer::Confirm::new()
        .with_prompt("Apply these changes?")
        .default(false)
        .interact_on(&dialoguer::console::Term::stderr())
        .context("asking for confirmation")?;
    if approved {
        Ok(())
    } else {
        Err(Failure::new(
            FailureKind::Invalid,
            "nothing was changed: the plan was not approved",
        )
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_warning_is_said_once_however_many_plans_call_for_it() {
        let mut plan = Plan::default();
        plan.warn("deprecated");
        let mut other = Plan::default();
        other.warn("deprecated");
        other.warn("also");
        plan.append(other);
        assert_eq!(plan.warnings, ["deprecated", "also"]);
    }

    #[test]
    fn a_merge_patch_holds_only_what_changed() {
        let before = json!({"a": 1, "b": {"c": 2, "d": 3}, "list": [1, 2], "gone": true});
        let after = json!({"a": 1, "b": {"c": 2, "d": 4}, "list": [1, 2, 3], "new": "x"});
        assert_eq!(
            merge_patch(&before, &after),
            json!({"b": {"d": 4}, "list": [1, 2, 3], "new": "x", "gone": null})
        );
    }

    #[test]
    fn a_write_is_verified_by_the_object_the_server_answers() {
        let before = json!({"metadata": {"resourceVersion": "7"}, "spec": {"a": 1, "old": true}});
        let after = json!({"metadata": {"resourceVersion": "7"}, "spec": {"a": 2}});
        let stored = json!({"metadata": {"resourceVersion": "8", "generation": 2},
                            "spec": {"a": 2, "defaulted": "x"}});
        assert_eq!(field_not_shown(Some(&before), &after, &stored), None);
        // A field the server pruned, or kept: the write did not take.
        let pruned = json!({"metadata": {"resourceVersion": "8"}, "spec": {}});
        assert_eq!(
            field_not_shown(Some(&before), &after, &pruned).as_deref(),
            Some("spec.a")
        );
        let kept = json!({"metadata": {"resourceVersion": "8"}, "spec": {"a": 2, "old": true}});
        assert_eq!(
            field_not_shown(Some(&before), &after, &kept).as_deref(),
            Some("spec.old")
        );
        // A created object: all of it must be there.
        let created = json!({"metadata": {"name": "s", "uid": "u"}, "data": {"k": "v"}});
        let wanted = json!({"metadata": {"name": "s"}, "data": {"k": "v"}});
        assert_eq!(field_not_shown(None, &wanted, &created), None);
        let other = json!({"data": {"k": "w"}});
        assert_eq!(
            field_not_shown(None, &other, &created).as_deref(),
            Some("data.k")
        );
    }

    #[test]
    fn a_patch_is_conditional_on_the_version_read() {
        let before = json!({"metadata": {"name": "x", "resourceVersion": "42"}, "spec": {"a": 1}});
        let after = json!({"metadata": {"name": "x", "resourceVersion": "42"}, "spec": {"a": 2}});
        assert_eq!(
            conditional_patch(&before, &after),
            json!({"metadata": {"resourceVersion": "42"}, "spec": {"a": 2}})
        );
    }

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

    /// JSON documents without nulls (a merge patch cannot set a null).
    fn object() -> impl Strategy<Value = Value> {
        prop::collection::btree_map("[a-c]", document(), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    }

    fn document() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-z]{0,4}".prop_map(Value::from)
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                prop::collection::btree_map("[a-c]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn applying_the_merge_patch_gives_the_target(before in document(), after in document()) {
            let mut patched = before.clone();
            json_patch::merge(&mut patched, &merge_patch(&before, &after));
            prop_assert_eq!(patched, after);
        }

        #[test]
        fn what_the_patch_makes_is_verified(before in object(), after in object(), extra in document()) {
            let mut stored = before.clone();
            json_patch::merge(&mut stored, &merge_patch(&before, &after));
            // What the server adds under its own keys (never a, b or c) does not matter.
            stored["server"] = extra;
            prop_assert_eq!(field_not_shown(Some(&before), &after, &stored), None);
        }

        #[test]
        fn an_object_patched_to_itself_needs_no_change(object in document()) {
            let expected = if object.is_object() { json!({}) } else { object.clone() };
            prop_assert_eq!(merge_patch(&object, &object), expected);
        }
    }
}
