//! Carrying out a plan: show it, ask, apply each change with the clients it needs, verify
//! each against the server's answer, and re-plan after someone else's concurrent write.

use std::future::Future;
use std::io::IsTerminal as _;
use std::sync::Arc;

use anyhow::Context as _;
use base64::Engine as _;
use serde_json::Value;

use super::patch::{conditional_patch, field_not_shown};
use super::{
    Approval, Change, KeyAction, KeyCreation, KeysWrite, ObjectPlace, Outcome, Plan, SettingsWrite,
    Write,
};
use crate::elasticsearch::Elasticsearch;
use crate::error::{Failure, FailureKind};
use crate::k8s::Kube;
use crate::output::Output;

/// How many times a plan is re-made after someone else's concurrent write.
const ATTEMPTS: usize = 5;

/// The connections a plan's changes are applied through: one per API server (any namespace),
/// one per Elasticsearch cluster.
#[derive(Clone, Default)]
pub struct Clients {
    kube: Vec<Kube>,
    elasticsearch: Vec<Arc<Elasticsearch>>,
}

impl Clients {
    /// Adds the API server `kube` talks to.
    pub fn with_kube(mut self, kube: &Kube) -> Self {
        self.kube.push(kube.clone());
        self
    }

    /// Adds an Elasticsearch cluster.
    pub fn with_elasticsearch(mut self, es: &Arc<Elasticsearch>) -> Self {
        self.elasticsearch.push(Arc::clone(es));
        self
    }

    /// A connection to the API server of `place`, working in its namespace.
    fn kube(&self, place: &ObjectPlace) -> anyhow::Result<Kube> {
        let kube = self
            .kube
            .iter()
            .find(|kube| *kube.server() == place.server)
            .with_context(|| format!("ecr has no client for the API server {}", place.server))?;
        kube.in_namespace(&place.namespace)
    }

    /// The client of the Elasticsearch cluster described as `cluster`.
    fn elasticsearch(&self, cluster: &str) -> anyhow::Result<&Elasticsearch> {
        self.elasticsearch
            .iter()
            .find(|es| es.description() == cluster)
            .map(Arc::as_ref)
            .with_context(|| format!("ecr has no client for {cluster}"))
    }
}

impl Plan {
    async fn apply(&self, clients: &Clients, output: &Output) -> anyhow::Result<()> {
        for change in &self.changes {
            change.apply(clients).await?;
            output.status(
                "Applied",
                format!("{} {}", change.action().to_lowercase(), change.title()),
            );
        }
        Ok(())
    }
}

impl Change {
    /// Applies the change; fails unless the server's answer shows it made.
    async fn apply(&self, clients: &Clients) -> anyhow::Result<()> {
        let not_shown = match self {
            Change::Object(write) => {
                let stored = write.apply(&clients.kube(&write.place)?).await?;
                field_not_shown(write.before.as_ref(), &write.after, &stored)
            }
            Change::Settings(write) => write.apply(clients.elasticsearch(&write.cluster)?).await?,
            Change::KeyCreation(creation) => creation.apply(clients).await?,
            Change::Keys(write) => write.apply(clients.elasticsearch(&write.cluster)?).await?,
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
}

impl Write {
    /// Creates or patches the object; the object as the API server stored it.
    async fn apply(&self, kube: &Kube) -> anyhow::Result<Value> {
        match &self.before {
            None => kube.create_json(&self.resource, &self.after).await,
            Some(before) => {
                kube.merge_patch_json(
                    &self.resource,
                    &self.name,
                    &conditional_patch(before, &self.after),
                )
                .await
            }
        }
    }
}

impl SettingsWrite {
    /// Sends the request; the first setting it set that the cluster does not hold, if any.
    async fn apply(&self, es: &Elasticsearch) -> anyhow::Result<Option<String>> {
        let updated = es.put_cluster_settings(&self.change.body()).await?;
        // `acknowledged: false`: committed, but not every node applied it within the
        // ack timeout (ES: `AcknowledgedResponse`). Not a failure: read what holds.
        let settings = match updated.acknowledged {
            true => updated.settings,
            false => es.cluster_settings().await?,
        };
        Ok(self.change.setting_not_shown(&settings))
    }
}

impl KeyCreation {
    /// Makes the key, then writes it into the Secret; the first field of the Secret the API
    /// server did not store as written, if any. A failed Secret write leaves a key that nothing
    /// uses: the next run finds it by its name and metadata and invalidates it.
    async fn apply(&self, clients: &Clients) -> anyhow::Result<Option<String>> {
        let es = clients.elasticsearch(&self.cluster)?;
        let created = es.create_cross_cluster_key(&self.request).await?;
        tracing::debug!(
            "made the cross-cluster API key {} ({})",
            created.name,
            created.id
        );
        let mut store = self.store.clone();
        store.after["data"][&self.data_key] = Value::String(
            base64::engine::general_purpose::STANDARD.encode(created.encoded.expose()),
        );
        let stored = store.apply(&clients.kube(&store.place)?).await?;
        Ok(field_not_shown(
            store.before.as_ref(),
            &store.after,
            &stored,
        ))
    }
}

impl KeysWrite {
    /// Sends the request; what did not take, if anything.
    async fn apply(&self, es: &Elasticsearch) -> anyhow::Result<Option<String>> {
        match &self.action {
            KeyAction::Update { id, body } => {
                es.update_cross_cluster_key(id, body).await?;
                Ok(None)
            }
            KeyAction::Invalidate { ids } => {
                let done = es.invalidate_api_keys(ids).await?;
                // Elasticsearch lists only the keys this request invalidated (ES:
                // `ApiKeyService.invalidateApiKeys` skips those invalid already): any other
                // is read back.
                for id in ids.iter().filter(|id| !done.covers(id)) {
                    if es.api_key(id).await?.is_some_and(|key| !key.invalidated) {
                        return Ok(Some(format!("the invalidation of key {id}")));
                    }
                }
                Ok(None)
            }
        }
    }
}

/// Plans, shows, asks, applies (verifying each write) through `clients`. `make_plan` reads the
/// clusters and computes the plan; after a conflict (someone else wrote in between) it runs
/// again, so that their change is kept and ecr's is made on top of it.
pub async fn carry_out<F, Fut>(
    output: &Output,
    approval: Approval,
    clients: &Clients,
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
        match plan.apply(clients, output).await {
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
