//! What every integration test needs: a fresh sandbox of its own, a temp dir holding its
//! kubeconfig, and the real `ecr` (and `kubectl`) binaries run against it as a user would.
#![allow(dead_code)] // each test binary uses its own part of this

pub mod recipe;
pub mod snapshot;
pub mod terminal;

use std::path::{Path, PathBuf};
use std::process::Output;

use ecr::sandbox::{EsEndpoint, KubeApi, KubeCluster, Sandbox, SandboxSpec};
use kube::api::{Api, DynamicObject};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, GroupVersionKind};
use kube::{Client, Config};
use tempfile::TempDir;

/// `ecr trust add cluster-one -n ns-one --from cluster-two --from-namespace ns-two`.
pub const TRUST_ONE_FROM_TWO: [&str; 9] = [
    "trust",
    "add",
    "cluster-one",
    "-n",
    "ns-one",
    "--from",
    "cluster-two",
    "--from-namespace",
    "ns-two",
];

/// `ecr setup` of cluster-one (ns-one, context sandbox-one) with cluster-two (ns-two, context
/// sandbox-two) in `SandboxSpec::two_contexts()`, each wait 10s at most.
pub const SETUP_TWO_CONTEXTS: [&str; 15] = [
    "setup",
    "--local",
    "cluster-one",
    "--local-namespace",
    "ns-one",
    "--local-context",
    "sandbox-one",
    "--remote",
    "cluster-two",
    "--remote-namespace",
    "ns-two",
    "--remote-context",
    "sandbox-two",
    "--timeout",
    "10s",
];

/// `ecr connect cluster-one -n ns-one --proxy --remote cluster-two --remote-namespace ns-two`.
pub const CONNECT_ONE_TO_TWO: [&str; 9] = [
    "connect",
    "cluster-one",
    "-n",
    "ns-one",
    "--proxy",
    "--remote",
    "cluster-two",
    "--remote-namespace",
    "ns-two",
];

/// `ecr connect cluster-one -n ns-one --api-key --remote cluster-two --remote-namespace ns-two
/// --search logs-*`.
pub const CONNECT_BY_KEY: [&str; 11] = [
    "connect",
    "cluster-one",
    "-n",
    "ns-one",
    "--api-key",
    "--remote",
    "cluster-two",
    "--remote-namespace",
    "ns-two",
    "--search",
    "logs-*",
];

pub struct Env {
    pub sandbox: Sandbox,
    pub dir: TempDir,
    pub kubeconfig: PathBuf,
}

/// What a run of a binary left behind, as text.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "expected success; stderr:\n{}",
            self.stderr
        );
        self
    }

    /// As [`Run::success`] and [`Run::failure`], for callers that report rather than panic.
    pub fn expect_code(self, code: i32, what: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            self.code == Some(code),
            "{what}: exit code {:?}, expected {code}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        anyhow::ensure!(
            !self.stderr.contains("panicked"),
            "{what}: ecr panicked:\n{}",
            self.stderr
        );
        Ok(self)
    }

    #[track_caller]
    pub fn failure(self) -> Self {
        assert_eq!(
            self.code,
            Some(1),
            "expected exit code 1; stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "ecr panicked:\n{}",
            self.stderr
        );
        self
    }
}

impl Env {
    pub async fn start() -> Self {
        Self::with(SandboxSpec::standard()).await
    }

    /// The standard sandbox with HTTP TLS off on both clusters
    /// (`spec.http.tls.selfSignedCertificate.disabled: true`).
    pub async fn without_http_tls() -> Self {
        let mut spec = SandboxSpec::standard();
        for cluster in &mut spec.kube_clusters[0].elasticsearch {
            cluster.http_tls = false;
        }
        Self::with(spec).await
    }

    pub async fn with(spec: SandboxSpec) -> Self {
        let sandbox = Sandbox::start(spec).await.expect("the sandbox starts");
        let dir = tempfile::tempdir().expect("a temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        sandbox
            .write_kubeconfig(&kubeconfig)
            .expect("the kubeconfig is written");
        Self {
            sandbox,
            dir,
            kubeconfig,
        }
    }

    /// The write requests (anything but reads) `context`'s API server received since the
    /// `since`-th request, as `METHOD PATH?QUERY`.
    pub fn writes_since(&self, context: &str, since: usize) -> Vec<String> {
        self.sandbox.api(context).requests()[since..]
            .iter()
            .filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD"))
            // A server-side dry run (planning asks what the installed CRD knows) writes nothing.
            .filter(|r| !r.path.contains("dryRun=All"))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// `ecr trust add cluster-one -n ns-one --from cluster-two --from-namespace ns-two EXTRA`.
    pub fn trust_one_from_two(&self, extra: &[&str]) -> Run {
        self.ecr(&[&TRUST_ONE_FROM_TWO[..], extra].concat())
    }

    /// `ecr trust add cluster-two -n ns-two --from cluster-one --from-namespace ns-one --yes`.
    pub fn trust_two_from_one(&self) -> Run {
        self.ecr(&[
            "trust",
            "add",
            "cluster-two",
            "-n",
            "ns-two",
            "--from",
            "cluster-one",
            "--from-namespace",
            "ns-one",
            "--yes",
        ])
    }

    /// `ecr connect cluster-one -n ns-one --proxy --remote cluster-two --remote-namespace
    /// ns-two EXTRA`.
    pub fn connect_one_to_two(&self, extra: &[&str]) -> Run {
        self.ecr(&[&CONNECT_ONE_TO_TWO[..], extra].concat())
    }

    /// `ecr connect cluster-one -n ns-one --ref cluster-two --remote-namespace ns-two --yes`.
    pub fn connect_ref_one_to_two(&self) -> Run {
        self.ecr(&[
            "connect",
            "cluster-one",
            "-n",
            "ns-one",
            "--ref",
            "cluster-two",
            "--remote-namespace",
            "ns-two",
            "--yes",
        ])
    }

    /// `ecr setup` of cluster-one (ns-one, context sandbox-one) with cluster-two (ns-two,
    /// context sandbox-two) in `SandboxSpec::two_contexts()`, each wait 10s at most, `EXTRA`.
    pub fn setup_two_contexts(&self, extra: &[&str]) -> Run {
        self.ecr(&[&SETUP_TWO_CONTEXTS[..], extra].concat())
    }

    /// `ecr trust add CLUSTER -n NAMESPACE --ca-file FILE --alias ALIAS --yes EXTRA`, the file
    /// holding `pem` in the temp dir.
    pub fn trust_ca_file(
        &self,
        (namespace, cluster): (&str, &str),
        pem: &str,
        alias: &str,
        extra: &[&str],
    ) -> Run {
        let file = self.dir.path().join(format!("{alias}.pem"));
        std::fs::write(&file, pem).expect("the CA file is written");
        let file = file.to_str().expect("a UTF-8 temp path");
        let args = [
            "trust",
            "add",
            cluster,
            "-n",
            namespace,
            "--ca-file",
            file,
            "--alias",
            alias,
            "--yes",
        ];
        self.ecr(&[&args[..], extra].concat())
    }

    /// The `ca.crt` ECK publishes in `CLUSTER-es-transport-certs-public`, read from the store.
    pub fn transport_ca(&self, context: &str, namespace: &str, cluster: &str) -> String {
        let secret = self
            .sandbox
            .api(context)
            .get_object(
                "",
                "secrets",
                Some(namespace),
                &format!("{cluster}-es-transport-certs-public"),
            )
            .expect("ECK's public transport secret");
        decode(&secret["data"]["ca.crt"])
    }

    /// Steps 1 to 3 of the recipe with ecr, both ways, on the standard sandbox.
    pub fn trust_and_expose_both_ways(&self) {
        self.trust_one_from_two(&["--mutual", "--yes"]).success();
        self.ecr(&["expose", "cluster-one", "-n", "ns-one", "--yes"])
            .success();
        self.ecr(&["expose", "cluster-two", "-n", "ns-two", "--yes"])
            .success();
    }

    /// The whole recipe with ecr, both ways, on the standard sandbox.
    pub fn link_both_ways(&self) {
        self.trust_and_expose_both_ways();
        for (local, local_namespace, remote, remote_namespace) in [
            ("cluster-one", "ns-one", "cluster-two", "ns-two"),
            ("cluster-two", "ns-two", "cluster-one", "ns-one"),
        ] {
            self.ecr(&[
                "connect",
                local,
                "-n",
                local_namespace,
                "--proxy",
                "--remote",
                remote,
                "--remote-namespace",
                remote_namespace,
                "--yes",
            ])
            .success();
        }
    }

    /// The emulated Elasticsearch of a cluster, in whichever context it lives.
    pub fn endpoint(&self, namespace: &str, name: &str) -> EsEndpoint {
        self.sandbox
            .elasticsearch_endpoints()
            .into_iter()
            .find(|e| e.cluster.namespace == namespace && e.cluster.name == name)
            .expect("an emulated Elasticsearch")
    }

    /// `ecr disconnect cluster-one -n ns-one --alias cluster-two --yes EXTRA`.
    pub fn disconnect_one_from_two(&self, extra: &[&str]) -> Run {
        let args = [
            "disconnect",
            "cluster-one",
            "-n",
            "ns-one",
            "--alias",
            "cluster-two",
            "--yes",
        ];
        self.ecr(&[&args[..], extra].concat())
    }

    /// Waits for ECK's rolling restart of a cluster of the first context to be over.
    pub async fn rolled(&self, namespace: &str, name: &str) {
        for _ in 0..100 {
            let resource = self
                .api()
                .get_object(
                    "elasticsearch.k8s.elastic.co",
                    "elasticsearches",
                    Some(namespace),
                    name,
                )
                .expect("the resource");
            if pods_to_roll(&resource["status"]) == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("ECK did not finish rolling {name} in 5 s");
    }

    /// The API server of the first (or only) context.
    pub fn api(&self) -> &KubeCluster {
        self.sandbox.api(&self.first_context())
    }

    fn first_context(&self) -> String {
        let yaml = self.sandbox.kubeconfig_yaml();
        let config: serde_yaml::Value =
            serde_yaml::from_str(&yaml).expect("the kubeconfig is YAML");
        config["current-context"]
            .as_str()
            .expect("a current context")
            .to_string()
    }

    /// Runs `ecr ARGS` with this sandbox's kubeconfig, as a user in a shell would.
    pub fn ecr(&self, args: &[&str]) -> Run {
        self.run_with_kubeconfig(env!("CARGO_BIN_EXE_ecr"), args, &self.kubeconfig)
    }

    /// Runs `kubectl ARGS` against the same sandbox, with its caches kept in the temp dir.
    pub fn kubectl(&self, args: &[&str]) -> Run {
        let cache = self.dir.path().join("kube-cache");
        let mut all = vec!["--cache-dir", cache.to_str().expect("a UTF-8 temp path")];
        all.extend_from_slice(args);
        self.run_with_kubeconfig("kubectl", &all, &self.kubeconfig)
    }

    /// Runs a binary with the given kubeconfig; blocking is fine: the sandbox serves from
    /// the runtime's other threads.
    pub fn run_with_kubeconfig(&self, program: &str, args: &[&str], kubeconfig: &Path) -> Run {
        self.run_with_environment(program, args, kubeconfig, &[])
    }

    /// Runs `ecr ARGS` with these environment variables set too (credentials, `RUST_LOG`).
    pub fn ecr_with_environment(&self, args: &[&str], variables: &[(&str, &str)]) -> Run {
        self.run_with_environment(env!("CARGO_BIN_EXE_ecr"), args, &self.kubeconfig, variables)
    }

    fn run_with_environment(
        &self,
        program: &str,
        args: &[&str],
        kubeconfig: &Path,
        variables: &[(&str, &str)],
    ) -> Run {
        run_program(program, args, kubeconfig, self.dir.path(), variables)
    }

    /// Writes a kubeconfig for `context`'s API server that authenticates with `token`.
    pub fn kubeconfig_with_token(&self, context: &str, token: &str) -> PathBuf {
        let api = self.sandbox.api(context);
        let path = self.dir.path().join(format!("kubeconfig-{token}"));
        std::fs::write(
            &path,
            kubeconfig_yaml(context, &api.url(), &api.ca_pem(), token),
        )
        .expect("writing a kubeconfig");
        path
    }
}

/// Runs `program ARGS` as a user would, against `kubeconfig`, with `home` as HOME, none of
/// the environment ecr reads from the machine's (credentials, logging, in-cluster), and these
/// variables set.
pub fn run_program(
    program: &str,
    args: &[&str],
    kubeconfig: &Path,
    home: &Path,
    variables: &[(&str, &str)],
) -> Run {
    let mut command = std::process::Command::new(program);
    command
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .env_remove("ES_USERNAME")
        .env_remove("ES_PASSWORD")
        .env_remove("ES_API_KEY")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .envs(variables.iter().copied());
    let output = tokio::task::block_in_place(|| command.output())
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    Run::from(output)
}

/// A secret's data value (base64) as text.
/// How many `PUT`s (settings writes) an emulated Elasticsearch has answered.
pub fn setting_puts(endpoint: &EsEndpoint) -> usize {
    endpoint
        .handle
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .count()
}

/// Writes an Opaque secret in `ns-one` through `api`, as a user's own secret would be made.
pub fn put_secret(api: &KubeApi, name: &str, data: &[(&str, &str)]) {
    use base64::Engine as _;
    let data: serde_json::Map<String, serde_json::Value> = data
        .iter()
        .map(|(key, value)| {
            let encoded = base64::engine::general_purpose::STANDARD.encode(value);
            (key.to_string(), serde_json::json!(encoded))
        })
        .collect();
    let secret = serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": name, "namespace": "ns-one"}, "data": data});
    api.put_object("", "secrets", secret);
}

/// How many pods ECK's rolling restart has still to restart, from an Elasticsearch resource's
/// status (`inProgressOperations.upgrade.nodes`).
pub fn pods_to_roll(status: &serde_json::Value) -> usize {
    status
        .pointer("/inProgressOperations/upgrade/nodes")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len)
}

pub fn decode(value: &serde_json::Value) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.as_str().expect("base64 text"))
        .expect("base64");
    String::from_utf8(bytes).expect("text")
}

/// A one-context kubeconfig, the way a cluster admin would hand it out.
pub fn kubeconfig_yaml(context: &str, server: &str, ca_pem: &str, token: &str) -> String {
    use base64::Engine as _;
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: {context}\n\
         clusters:\n- name: {context}\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\n\
         users:\n- name: {context}\n  user:\n    token: {token}\n\
         contexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\n"
    )
}

/// A kube client for a sandbox context; `token` replaces the admin's; `retry` keeps kube's
/// retries of 429/503/504.
pub async fn kube_client(
    sandbox: &Sandbox,
    context: &str,
    token: Option<&str>,
    retry: bool,
) -> Client {
    let mut yaml = sandbox.kubeconfig_yaml();
    if let Some(token) = token {
        yaml = yaml.replace(&sandbox.api(context).admin_token(), token);
    }
    let kubeconfig = Kubeconfig::from_yaml(&yaml).expect("the kubeconfig parses");
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("the kubeconfig makes a client configuration");
    config.default_retry = retry;
    Client::try_from(config).expect("a client")
}

/// ECK's Elasticsearch custom resource, for dynamic kube APIs.
pub fn es_resource() -> ApiResource {
    let gvk = GroupVersionKind::gvk("elasticsearch.k8s.elastic.co", "v1", "Elasticsearch");
    ApiResource::from_gvk_with_plural(&gvk, "elasticsearches")
}

/// The Elasticsearch resources of a namespace.
pub fn es_api(client: &Client, namespace: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), namespace, &es_resource())
}
