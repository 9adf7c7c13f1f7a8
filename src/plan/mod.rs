//! Plans as data: the exact writes a command will make, computed from what it read. Showing
//! them, `--dry-run`, confirmation, applying, re-planning on conflict and verifying all come
//! from one `Plan`; an empty plan means everything is already in place. A plan says what
//! changes and where (API server, namespace and name; or the Elasticsearch cluster), never
//! holds a client: applying takes them apart (`Clients`).
//!
//! The plan's data is here; `patch` computes merge patches and checks the server's answers,
//! `render` shows a plan to the operator, `apply` carries it out.

mod apply;
mod patch;
mod render;

use kube::api::ApiResource;
use serde_json::Value;

use crate::elasticsearch::ClusterSettings;
use crate::k8s::{Kube, Server};
use crate::remote::SettingsChange;

pub use apply::{Clients, carry_out};
pub use render::ChangeSummary;

/// Where a Kubernetes object is: the API server (with the kube context it was reached
/// through) and the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPlace {
    pub server: Server,
    pub namespace: String,
}

impl ObjectPlace {
    /// Where `kube` works: its server and namespace.
    pub fn of(kube: &Kube) -> Self {
        ObjectPlace {
            server: kube.server().clone(),
            namespace: kube.namespace().to_string(),
        }
    }
}

/// One object to create or update, as it is and as it must be.
#[derive(Clone)]
pub struct Write {
    pub place: ObjectPlace,
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
    /// The cluster, as its client describes it (`Elasticsearch::description`).
    pub cluster: String,
    /// The settings as read, to show what changes.
    pub current: ClusterSettings,
    /// The exact `PUT _cluster/settings` request.
    pub change: SettingsChange,
    pub effect: String,
}

/// A cross-cluster API key made on a remote cluster, its encoded value written at once into a
/// Secret of the local one. The value exists only once Elasticsearch answers: in the plan the
/// Secret's entry `data_key` is `null`, and applying fills it. It is never shown.
#[derive(Clone)]
pub struct KeyCreation {
    /// The cluster that makes the key, as its client describes it.
    pub cluster: String,
    /// The exact `POST _security/cross_cluster/api_key` body (no secret in it).
    pub request: Value,
    /// The Secret as it must be, but for the key.
    pub store: Write,
    pub data_key: String,
}

/// Existing API keys of a cluster changed.
#[derive(Clone)]
pub struct KeysWrite {
    /// The cluster that holds the keys, as its client describes it.
    pub cluster: String,
    pub action: KeyAction,
    pub effect: String,
}

#[derive(Clone, PartialEq, Eq)]
pub enum KeyAction {
    /// `PUT _security/cross_cluster/api_key/ID` with this body.
    Update { id: String, body: Value },
    /// `DELETE _security/api_key` of these ids.
    Invalidate { ids: Vec<String> },
}

/// One change a plan makes.
#[derive(Clone)]
pub enum Change {
    /// A Kubernetes object created or updated.
    Object(Box<Write>),
    /// Cluster settings of an Elasticsearch cluster.
    Settings(SettingsWrite),
    /// A key made on one cluster and stored for another.
    KeyCreation(Box<KeyCreation>),
    /// Keys updated or invalidated.
    Keys(KeysWrite),
}

impl From<KeyCreation> for Change {
    fn from(creation: KeyCreation) -> Self {
        Change::KeyCreation(Box::new(creation))
    }
}

impl From<KeysWrite> for Change {
    fn from(write: KeysWrite) -> Self {
        Change::Keys(write)
    }
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
}

impl Change {
    fn is_noop(&self) -> bool {
        match self {
            Change::Object(write) => write.before.as_ref() == Some(&write.after),
            Change::Settings(write) => write.change.is_empty(),
            Change::KeyCreation(_) => false,
            Change::Keys(write) => write.action == KeyAction::Invalidate { ids: Vec::new() },
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
