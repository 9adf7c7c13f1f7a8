//! A scenario's two clusters on the real stack, `cluster-one` and `cluster-two`, each in a
//! namespace of the scenario's, each one real Elasticsearch node: ecr and scripts run against
//! them as a user would, and what they did is read back from the API and from Elasticsearch.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail, ensure};
use ecr_real_stack::{StackInfo, kube as stack_kube};
use k8s_openapi::api::core::v1::{Event, Secret};
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;
use tempfile::TempDir;

pub use crate::common::Run;
use crate::common::run_program;

pub struct Nodes {
    pub version: String,
    pub one: String,
    pub two: String,
    pub kubeconfig: PathBuf,
    pub client: Client,
    home: TempDir,
}

/// One of the scenario's clusters: its namespace and name.
pub type ClusterRef<'a> = (&'a str, &'a str);

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
        run_program(
            env!("CARGO_BIN_EXE_ecr"),
            args,
            &self.kubeconfig,
            self.home.path(),
            &[],
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

    /// How many times the cluster's pod has been replaced: the StatefulSet controller's events
    /// for the pods it created, less the first.
    pub async fn restarts(&self, (namespace, name): ClusterRef<'_>) -> anyhow::Result<i32> {
        let set = format!("{name}-es-default");
        let events = Api::<Event>::namespaced(self.client.clone(), namespace)
            .list(&ListParams::default().fields(&format!("involvedObject.name={set}")))
            .await?;
        let created: i32 = events
            .items
            .iter()
            // The same reason is given for the claims it makes: "create Claim ...".
            .filter(|e| e.reason.as_deref() == Some("SuccessfulCreate"))
            .filter(|e| e.message.as_deref().is_some_and(|m| !m.contains("Claim")))
            .map(|e| e.count.unwrap_or(1))
            .sum();
        Ok(created - 1)
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

    /// A request to the cluster's Elasticsearch as the `elastic` user, through a port-forward
    /// of the real API server (`kubectl port-forward`, as a user reaches it).
    pub async fn es(
        &self,
        cluster: ClusterRef<'_>,
        method: &str,
        path: &str,
    ) -> anyhow::Result<Value> {
        let (namespace, name) = cluster;
        let password = {
            let secret = Api::<Secret>::namespaced(self.client.clone(), namespace)
                .get(&format!("{name}-es-elastic-user"))
                .await?;
            let data = secret.data.unwrap_or_default();
            String::from_utf8(
                data.get("elastic")
                    .context("no elastic password")?
                    .0
                    .clone(),
            )?
        };
        let forward = PortForward::start(
            &self.kubeconfig,
            namespace,
            &format!("service/{name}-es-http"),
        )?;
        let url = format!("https://127.0.0.1:{}{path}", forward.port);
        // Loopback to a port-forward: the certificate names the service, not 127.0.0.1.
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()?;
        let response = http
            .request(method.parse()?, &url)
            .basic_auth("elastic", Some(password))
            .send()
            .await
            .with_context(|| format!("{method} {path} on {namespace}/{name}"))?;
        let status = response.status();
        let body: Value = response.json().await?;
        ensure!(
            status.is_success(),
            "{method} {path} on {namespace}/{name}: {status} {body}"
        );
        Ok(body)
    }

    /// Whether the cluster's `_remote/info` says `alias` is connected.
    pub async fn connected(&self, cluster: ClusterRef<'_>, alias: &str) -> anyhow::Result<bool> {
        let info = self.es(cluster, "GET", "/_remote/info").await?;
        Ok(info[alias]["connected"] == true)
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

/// `kubectl port-forward` on a free local port, stopped when dropped.
struct PortForward {
    child: Child,
    port: u16,
}

impl PortForward {
    fn start(kubeconfig: &Path, namespace: &str, target: &str) -> anyhow::Result<PortForward> {
        let mut child = Command::new("kubectl")
            .args(["-n", namespace, "port-forward", target, ":9200"])
            .env("KUBECONFIG", kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("running kubectl port-forward")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        let first = lines
            .next()
            .context("kubectl port-forward said nothing")??;
        // "Forwarding from 127.0.0.1:PORT -> 9200"
        let port = first
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            bail!("unexpected output of kubectl port-forward: {first}");
        };
        // Keep reading its output, or it blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(PortForward { child, port })
    }
}

impl Drop for PortForward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
