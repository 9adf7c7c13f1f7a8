//! Where a scenario runs: the real stack or the sandbox, seen the same way (a kubeconfig that
//! `ecr` and `kubectl` use, a client to read what they wrote), with the few acts that differ
//! between the two kept here: waiting for ECK, a CA renewal, a user with limited rights.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use ecr::sandbox::{ElasticsearchSpec, KubeClusterSpec, PolicyRule, Sandbox, SandboxSpec};
use ecr_real_stack::{StackInfo, kube as stack_kube};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::authorization::v1::SubjectAccessReview;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::Client;
use kube::api::{Api, DynamicObject, PostParams};
use serde_json::{Value, json};
use tempfile::TempDir;

pub use crate::common::Run;
use crate::common::{kubeconfig_yaml, run_program};

/// The Elasticsearch version of every cluster, on both sides.
pub const VERSION: &str = ecr_real_stack::ELASTICSEARCH_VERSION;
/// The user a limited kubeconfig authenticates as, on both sides.
pub const LIMITED_USER: &str = ecr_real_stack::pki::LIMITED_USER;
/// How long ECK may take to act on a change.
pub const ECK_TIMEOUT: Duration = Duration::from_secs(90);
/// How long ECK must leave a resource unchanged before a scenario writes to it.
const QUIET: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Real,
    Sandbox,
}

pub struct Backend {
    pub kind: Kind,
    pub kubeconfig: PathBuf,
    pub client: Client,
    real: Option<StackInfo>,
    sandbox: Option<Sandbox>,
    dir: TempDir,
}

impl Backend {
    pub async fn real(info: &StackInfo) -> anyhow::Result<Backend> {
        Ok(Backend {
            kind: Kind::Real,
            kubeconfig: info.admin_kubeconfig.clone(),
            client: stack_kube::client(&info.admin_kubeconfig).await?,
            real: Some(info.clone()),
            sandbox: None,
            dir: tempfile::tempdir()?,
        })
    }

    /// A sandbox with these clusters, `(namespace, name)`, each of one node, as on the real side,
    /// and these namespaces of the real stack's (those the sandbox seeds itself left out, so
    /// that its seeds are compared too).
    pub async fn sandbox(
        clusters: &[(String, String)],
        namespaces: &[String],
    ) -> anyhow::Result<Backend> {
        let elasticsearch = clusters
            .iter()
            .map(|(namespace, name)| {
                let mut spec = ElasticsearchSpec::new(namespace, name);
                spec.version = VERSION.to_string();
                spec.node_sets = vec![("default".to_string(), 1)];
                spec
            })
            .collect();
        let sandbox = Sandbox::start(SandboxSpec {
            kube_clusters: vec![KubeClusterSpec::new("sandbox", elasticsearch)],
        })
        .await?;
        let dir = tempfile::tempdir()?;
        let kubeconfig = dir.path().join("kubeconfig");
        sandbox.write_kubeconfig(&kubeconfig)?;
        let client = stack_kube::client(&kubeconfig).await?;
        for namespace in namespaces.iter().filter(|n| !is_seeded(n)) {
            stack_kube::create_namespace(&client, namespace).await?;
        }
        Ok(Backend {
            kind: Kind::Sandbox,
            client,
            kubeconfig,
            real: None,
            sandbox: Some(sandbox),
            dir,
        })
    }

    /// The name of the kube context ecr reports.
    pub fn context(&self) -> &'static str {
        match self.kind {
            Kind::Real => "real",
            Kind::Sandbox => "sandbox",
        }
    }

    pub fn ecr(&self, args: &[&str]) -> Run {
        self.ecr_with(args, &self.kubeconfig)
    }

    pub fn ecr_with(&self, args: &[&str], kubeconfig: &Path) -> Run {
        run_program(
            env!("CARGO_BIN_EXE_ecr"),
            args,
            kubeconfig,
            self.dir.path(),
            &[],
        )
    }

    pub fn kubectl(&self, args: &[&str]) -> Run {
        run_program("kubectl", args, &self.kubeconfig, self.dir.path(), &[])
    }

    /// `kubectl get KIND NAME -n NAMESPACE -o OUTPUT`, as the recipe reads things.
    pub fn kubectl_get(
        &self,
        kind: &str,
        name: &str,
        namespace: &str,
        output: &str,
    ) -> anyhow::Result<String> {
        let args = ["get", kind, name, "-n", namespace, "-o", output];
        Ok(self
            .kubectl(&args)
            .expect_code(0, &format!("kubectl get {kind} {name}"))?
            .stdout)
    }

    /// The environment a terminal command needs to act as this backend's admin.
    pub fn shell_env(&self) -> String {
        format!(
            "env KUBECONFIG={} HOME={} NO_COLOR=1",
            self.kubeconfig.display(),
            self.dir.path().display()
        )
    }

    /// Waits for `check` on the real side (ECK acts in its own time); the sandbox's ECK has
    /// acted before the write returned, so there it is checked once.
    pub async fn eventually<T, F, Fut>(&self, what: &str, mut check: F) -> anyhow::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<T>>>,
    {
        match self.kind {
            Kind::Real => stack_kube::wait_for(what, ECK_TIMEOUT, check).await,
            Kind::Sandbox => check()
                .await?
                .with_context(|| format!("the sandbox has not done it: {what}")),
        }
    }

    /// Lets ECK finish what it does with the resource as it is now: on the real side, until its
    /// status has observed the resource's generation and ECK has left the resource alone for a
    /// few seconds. ECK writes its status and annotations for a while after a cluster is Ready;
    /// an ecr write racing one of them is re-planned (as it should be), which the sandbox,
    /// being synchronous, would not show.
    pub async fn settle(&self, namespace: &str, name: &str) -> anyhow::Result<()> {
        if self.kind == Kind::Sandbox {
            return Ok(());
        }
        let what = format!("ECK to leave Elasticsearch {namespace}/{name} alone");
        self.eventually(&what, || async {
            let before = self.elasticsearch(namespace, name).await?;
            let generation = before.metadata.generation.unwrap_or(0);
            let observed = before.data["status"]["observedGeneration"]
                .as_i64()
                .unwrap_or(-1);
            if observed < generation {
                return Ok(None);
            }
            tokio::time::sleep(QUIET).await;
            let after = self.elasticsearch(namespace, name).await?;
            Ok((after.metadata.resource_version == before.metadata.resource_version).then_some(()))
        })
        .await
    }

    /// Waits until ECK renews the cluster's transport CA, which then differs from `current`:
    /// the real operator of the rotation scenario renews it every two minutes; the sandbox
    /// renews it when asked, as ECK does (same key, new certificate).
    pub async fn ca_renewed(
        &self,
        namespace: &str,
        name: &str,
        current: &str,
    ) -> anyhow::Result<String> {
        if let Some(sandbox) = &self.sandbox {
            sandbox.api("sandbox").renew_transport_ca(namespace, name);
        }
        let what = format!("ECK to renew the transport CA of {namespace}/{name}");
        stack_kube::wait_for(&what, Duration::from_secs(300), || async {
            let ca = self.public_ca(namespace, name).await?;
            Ok((ca != current).then_some(ca))
        })
        .await
    }

    /// A kubeconfig for [`LIMITED_USER`], allowed `verbs` on `resources` (plural names, with
    /// their subresources, e.g. `pods/portforward`) in `namespaces` and nothing else.
    pub async fn limited_user(
        &self,
        verbs: &[&str],
        resources: &[&str],
        namespaces: &[&str],
    ) -> anyhow::Result<PathBuf> {
        match (&self.real, &self.sandbox) {
            (Some(info), _) => {
                for namespace in namespaces {
                    self.grant(namespace, verbs, resources).await?;
                }
                Ok(info.limited_kubeconfig.clone())
            }
            (None, Some(sandbox)) => {
                let token = "limited-token";
                let api = sandbox.api("sandbox");
                api.add_user(
                    token,
                    LIMITED_USER,
                    vec![PolicyRule::new(verbs, resources, namespaces)],
                );
                let path = self.dir.path().join("kubeconfig-limited");
                // Named as the real stack's limited context is, after the admin one.
                let yaml = kubeconfig_yaml("sandbox-limited", &api.url(), &api.ca_pem(), token);
                std::fs::write(&path, yaml)?;
                Ok(path)
            }
            (None, None) => unreachable!("a backend is real or a sandbox"),
        }
    }

    /// A Role with these rights in `namespace`, bound to [`LIMITED_USER`].
    async fn grant(
        &self,
        namespace: &str,
        verbs: &[&str],
        resources: &[&str],
    ) -> anyhow::Result<()> {
        let rules: Vec<Value> = resources
            .iter()
            .map(|resource| json!({"apiGroups": [api_group(resource)], "resources": [resource], "verbs": verbs}))
            .collect();
        let role: Role = serde_json::from_value(json!({
            "metadata": {"name": "ecr-limited", "namespace": namespace},
            "rules": rules
        }))?;
        let binding: RoleBinding = serde_json::from_value(json!({
            "metadata": {"name": "ecr-limited", "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "ecr-limited"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": LIMITED_USER}]
        }))?;
        Api::<Role>::namespaced(self.client.clone(), namespace)
            .create(&PostParams::default(), &role)
            .await?;
        Api::<RoleBinding>::namespaced(self.client.clone(), namespace)
            .create(&PostParams::default(), &binding)
            .await?;
        // The API server's authorizer learns of new RBAC objects through its informers, a
        // moment later: ask it until it allows what was granted.
        for verb in verbs {
            for resource in resources {
                let what =
                    format!("RBAC to allow {LIMITED_USER} to {verb} {resource} in {namespace}");
                stack_kube::wait_for(&what, ECK_TIMEOUT, || {
                    self.allowed(namespace, verb, resource)
                })
                .await?;
            }
        }
        Ok(())
    }

    /// Whether the API server's authorizer allows [`LIMITED_USER`] this (a SubjectAccessReview).
    async fn allowed(
        &self,
        namespace: &str,
        verb: &str,
        resource: &str,
    ) -> anyhow::Result<Option<()>> {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        let review: SubjectAccessReview = serde_json::from_value(json!({
            "spec": {
                "user": LIMITED_USER,
                "resourceAttributes": {
                    "namespace": namespace,
                    "verb": verb,
                    "group": api_group(resource),
                    "resource": resource,
                    "subresource": subresource
                }
            }
        }))?;
        let answer = Api::<SubjectAccessReview>::all(self.client.clone())
            .create(&PostParams::default(), &review)
            .await?;
        Ok(answer.status.is_some_and(|s| s.allowed).then_some(()))
    }

    pub async fn elasticsearch(
        &self,
        namespace: &str,
        name: &str,
    ) -> anyhow::Result<DynamicObject> {
        let resource = stack_kube::elasticsearch_resource();
        Api::<DynamicObject>::namespaced_with(self.client.clone(), namespace, &resource)
            .get(name)
            .await
            .with_context(|| format!("reading Elasticsearch {namespace}/{name}"))
    }

    pub async fn secret(&self, namespace: &str, name: &str) -> anyhow::Result<Option<Secret>> {
        Ok(Api::<Secret>::namespaced(self.client.clone(), namespace)
            .get_opt(name)
            .await?)
    }

    /// A key of a secret, as text.
    pub async fn secret_text(
        &self,
        namespace: &str,
        name: &str,
        key: &str,
    ) -> anyhow::Result<Option<String>> {
        let secret = self.secret(namespace, name).await?;
        let value = secret
            .and_then(|s| s.data)
            .and_then(|d| d.get(key).cloned());
        Ok(value.map(|v| String::from_utf8_lossy(&v.0).into_owned()))
    }

    /// `ca.crt` of the cluster's `-es-transport-certs-public`, as ECK published it.
    pub async fn public_ca(&self, namespace: &str, name: &str) -> anyhow::Result<String> {
        let secret = format!("{name}-es-transport-certs-public");
        self.secret_text(namespace, &secret, "ca.crt")
            .await?
            .with_context(|| format!("{namespace}/{secret} has no ca.crt"))
    }

    /// The StatefulSet of the cluster's nodeSet `default`.
    pub async fn statefulset(&self, namespace: &str, name: &str) -> anyhow::Result<StatefulSet> {
        let set = format!("{name}-es-default");
        Api::<StatefulSet>::namespaced(self.client.clone(), namespace)
            .get(&set)
            .await
            .with_context(|| format!("reading StatefulSet {namespace}/{set}"))
    }

    /// The `elasticsearch.yml` ECK rendered for the nodeSet `default`.
    pub async fn rendered_config(&self, namespace: &str, name: &str) -> anyhow::Result<Value> {
        let secret = format!("{name}-es-default-es-config");
        let text = self
            .secret_text(namespace, &secret, "elasticsearch.yml")
            .await?
            .with_context(|| format!("{namespace}/{secret} has no elasticsearch.yml"))?;
        Ok(serde_yaml::from_str(&text)?)
    }
}

/// Namespaces every cluster has, and ECK's own.
fn is_seeded(namespace: &str) -> bool {
    namespace == "default" || namespace.starts_with("kube-") || namespace == "elastic-system"
}

/// The namespaces that exist.
pub async fn namespaces(client: &Client) -> anyhow::Result<Vec<String>> {
    let list = Api::<Namespace>::all(client.clone())
        .list(&Default::default())
        .await?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect())
}

/// The API group of a resource the limited user may be granted.
fn api_group(resource: &str) -> &'static str {
    match resource {
        "elasticsearches" => "elasticsearch.k8s.elastic.co",
        "statefulsets" => "apps",
        _ => "",
    }
}
