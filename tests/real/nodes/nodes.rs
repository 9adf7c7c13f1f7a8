//! A scenario's two clusters on the real stack, `cluster-one` and `cluster-two`, each in a
//! namespace of the scenario's, each one real Elasticsearch node: ecr and scripts run against
//! them as a user would, and what they did is read back from the API and from Elasticsearch.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use ecr_real_stack::{StackInfo, kube as stack_kube, observe};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Secret;
use kube::Client;
use kube::api::{Api, DynamicObject};
use serde_json::Value;
use tempfile::TempDir;

pub use crate::common::Run;
use crate::common::run_program;

/// How long ECK and Elasticsearch may take for a rolling restart (on two busy cores).
const ROLL_TIMEOUT: Duration = Duration::from_secs(600);

pub struct Nodes {
    pub version: String,
    pub one: String,
    pub two: String,
    pub kubeconfig: PathBuf,
    pub client: Client,
    pub info: StackInfo,
    home: TempDir,
}

pub use ecr_real_stack::observe::ClusterRef;

impl Nodes {
    pub async fn new(
        info: &StackInfo,
        version: &str,
        namespaces: [&str; 2],
    ) -> anyhow::Result<Nodes> {
        Ok(Nodes {
            version: version.to_string(),
            one: namespaces[0].to_string(),
            two: namespaces[1].to_string(),
            kubeconfig: info.admin_kubeconfig.clone(),
            client: stack_kube::client(&info.admin_kubeconfig).await?,
            info: info.clone(),
            home: tempfile::tempdir()?,
        })
    }

    pub fn cluster_one(&self) -> ClusterRef<'_> {
        (&self.one, "cluster-one")
    }

    pub fn cluster_two(&self) -> ClusterRef<'_> {
        (&self.two, "cluster-two")
    }

    /// `ecr ARGS` as a user runs it, with the stack's kubeconfig.
    pub fn ecr(&self, args: &[&str]) -> Run {
        self.ecr_with(args, &[])
    }

    /// [`Nodes::ecr`] with these environment variables.
    pub fn ecr_with(&self, args: &[&str], variables: &[(&str, &str)]) -> Run {
        run_program(
            env!("CARGO_BIN_EXE_ecr"),
            args,
            &self.kubeconfig,
            self.home.path(),
            variables,
        )
    }

    /// A program of the suite's (a shell script) with these variables and the kubeconfig.
    pub fn script(&self, script: &Path, variables: &[(&str, &str)]) -> Run {
        run_program(
            &script.display().to_string(),
            &[],
            &self.kubeconfig,
            self.home.path(),
            variables,
        )
    }

    /// Waits until ECK has acted on the cluster's latest spec and its pods run it: ECK has
    /// observed the current generation (before that, its status still describes the old spec,
    /// green and Ready), the StatefulSet's pods are all of its latest revision and Ready, and
    /// the cluster is green.
    pub async fn rolled(&self, (namespace, name): ClusterRef<'_>) -> anyhow::Result<()> {
        let what = format!("Elasticsearch {namespace}/{name} to run its latest spec, green");
        stack_kube::wait_for(&what, ROLL_TIMEOUT, || async {
            let es = self.elasticsearch((namespace, name)).await?;
            let observed = es.data["status"]["observedGeneration"].as_i64();
            let current = observed.is_some() && observed >= es.metadata.generation;
            let green =
                es.data["status"]["health"] == "green" && es.data["status"]["phase"] == "Ready";
            let set = Api::<StatefulSet>::namespaced(self.client.clone(), namespace)
                .get(&format!("{name}-es-default"))
                .await?;
            let replicas = set.spec.as_ref().and_then(|s| s.replicas);
            let status = set.status.unwrap_or_default();
            // Not `currentRevision`: with ECK's `OnDelete` strategy the StatefulSet controller
            // never advances it.
            let rolled = status.observed_generation >= set.metadata.generation
                && status.updated_replicas == replicas
                && status.ready_replicas == replicas;
            Ok((current && green && rolled).then_some(()))
        })
        .await
    }

    /// A CA that no cluster of the stack uses (the stack's own, which signs its API server).
    pub fn unrelated_ca(&self) -> PathBuf {
        self.info.dir.join("pki/ca.crt")
    }

    pub async fn elasticsearch(
        &self,
        (namespace, name): ClusterRef<'_>,
    ) -> anyhow::Result<DynamicObject> {
        Ok(Api::<DynamicObject>::namespaced_with(
            self.client.clone(),
            namespace,
            &stack_kube::elasticsearch_resource(),
        )
        .get(name)
        .await?)
    }

    /// How many times the cluster's pod has been replaced.
    pub async fn restarts(&self, cluster: ClusterRef<'_>) -> anyhow::Result<i32> {
        observe::restarts(&self.client, cluster).await
    }

    /// The cluster's transport CA, as ECK publishes it.
    pub async fn public_ca(&self, (namespace, name): ClusterRef<'_>) -> anyhow::Result<String> {
        let secret = Api::<Secret>::namespaced(self.client.clone(), namespace)
            .get(&format!("{name}-es-transport-certs-public"))
            .await?;
        let ca = secret
            .data
            .unwrap_or_default()
            .remove("ca.crt")
            .context("no ca.crt")?;
        Ok(String::from_utf8(ca.0)?)
    }

    /// A request to the cluster's Elasticsearch as the `elastic` user.
    pub async fn es(
        &self,
        cluster: ClusterRef<'_>,
        method: &str,
        path: &str,
    ) -> anyhow::Result<Value> {
        observe::elasticsearch(&self.client, &self.kubeconfig, cluster, method, path).await
    }

    /// A request with a JSON body to the cluster's Elasticsearch as the `elastic` user.
    pub async fn es_with_body(
        &self,
        cluster: ClusterRef<'_>,
        method: &str,
        path: &str,
        body: &Value,
    ) -> anyhow::Result<Value> {
        observe::elasticsearch_with_body(
            &self.client,
            &self.kubeconfig,
            cluster,
            method,
            path,
            Some(body),
        )
        .await
    }

    /// Whether the cluster's `_remote/info` says `alias` is connected.
    pub async fn connected(&self, cluster: ClusterRef<'_>, alias: &str) -> anyhow::Result<bool> {
        observe::connected(&self.client, &self.kubeconfig, cluster, alias).await
    }

    /// The cluster's persistent and transient settings, flat.
    pub async fn remote_settings(&self, cluster: ClusterRef<'_>) -> anyhow::Result<Vec<String>> {
        let settings = self
            .es(cluster, "GET", "/_cluster/settings?flat_settings=true")
            .await?;
        Ok(["persistent", "transient"]
            .iter()
            .flat_map(|kind| {
                settings[kind]
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(key, _)| key)
            })
            .filter(|key| key.starts_with("cluster.remote."))
            .collect())
    }
}
