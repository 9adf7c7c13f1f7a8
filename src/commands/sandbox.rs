//! `ecr sandbox up` and `ecr sandbox demo`: the built-in emulated ECK environment, to try ecr
//! (and test it) without a Kubernetes cluster.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::output::Output;
use crate::sandbox::{Sandbox, SandboxSpec};

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it
    ///
    /// The sandbox is an emulated Kubernetes API on loopback (HTTPS, bearer token) with ECK's
    /// behaviour and two Elasticsearch clusters: cluster-one in ns-one and cluster-two in ns-two.
    /// kubectl and ecr both work against it.
    Up(UpArgs),
    /// Run the recipe against a fresh sandbox, showing each command and its result
    Demo,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where to write the kubeconfig [default: ecr-sandbox/kubeconfig in the temp directory]
    #[arg(long, value_name = "PATH")]
    pub kubeconfig_out: Option<PathBuf>,
}

pub async fn run(command: SandboxCommand, output: &Output) -> anyhow::Result<()> {
    match command {
        SandboxCommand::Up(args) => up(args, output).await,
        SandboxCommand::Demo => demo(output).await,
    }
}

async fn up(args: UpArgs, output: &Output) -> anyhow::Result<()> {
    let sandbox = Sandbox::start(SandboxSpec::standard())
        .await
        .context("starting the sandbox")?;
    let path = args
        .kubeconfig_out
        .unwrap_or_else(|| std::env::temp_dir().join("ecr-sandbox").join("kubeconfig"));
    write_kubeconfig(&sandbox, &path)?;
    let clusters = describe_clusters(&sandbox, path.parent().unwrap_or(Path::new(".")))?;
    let usage = format!(
        "The sandbox is up. In another shell:\n\n    export KUBECONFIG={}\n    kubectl get es -A\n    \
         ecr ca extract cluster-one -n ns-one\n\nElasticsearch clusters (user elastic; their \
         certificates name the services, and also 127.0.0.1 on these direct URLs):\n{clusters}\n\
         The password of each: kubectl get secret CLUSTER-es-elastic-user -n NAMESPACE \
         -o go-template='{{{{.data.elastic | base64decode}}}}'\n\nPress Ctrl-C to stop.\n",
        path.display()
    );
    output.bytes(usage.as_bytes())?;
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    output.status("Stopped", "the sandbox");
    Ok(())
}

/// One line per Elasticsearch cluster: where it answers and its HTTP CA, written next to the
/// kubeconfig for `curl --cacert`. Passwords stay in their secrets, as with ECK.
fn describe_clusters(sandbox: &Sandbox, dir: &Path) -> anyhow::Result<String> {
    let mut lines = String::new();
    for endpoint in sandbox.elasticsearch_endpoints() {
        let cluster = &endpoint.cluster;
        let ca = dir.join(format!(
            "{}-{}-http-ca.crt",
            cluster.namespace, cluster.name
        ));
        std::fs::write(&ca, &endpoint.http_ca_pem)
            .with_context(|| format!("writing {}", ca.display()))?;
        lines.push_str(&format!(
            "    {} (namespace {}): {}  CA {}\n",
            cluster.name,
            cluster.namespace,
            endpoint.url,
            ca.display()
        ));
    }
    Ok(lines)
}

/// Trust both ways, as a user would type it.
const TRUST_BOTH_WAYS: &[&str] = &[
    "trust",
    "add",
    "cluster-one",
    "-n",
    "ns-one",
    "--from",
    "cluster-two",
    "--from-namespace",
    "ns-two",
    "--mutual",
    "--yes",
];

/// The recipe's four steps, both ways, as a user would type them; the trust is given twice,
/// to show that re-running a finished step writes nothing.
const DEMO_STEPS: &[&[&str]] = &[
    &["ca", "extract", "cluster-one", "-n", "ns-one"],
    &["ca", "extract", "cluster-two", "-n", "ns-two", "-o", "json"],
    TRUST_BOTH_WAYS,
    TRUST_BOTH_WAYS,
    &["expose", "cluster-one", "-n", "ns-one", "--yes"],
    &["expose", "cluster-two", "-n", "ns-two", "--yes"],
    &[
        "connect",
        "cluster-one",
        "-n",
        "ns-one",
        "--proxy",
        "--remote",
        "cluster-two",
        "--remote-namespace",
        "ns-two",
        "--yes",
    ],
    &[
        "connect",
        "cluster-two",
        "-n",
        "ns-two",
        "--proxy",
        "--remote",
        "cluster-one",
        "--remote-namespace",
        "ns-one",
        "--yes",
    ],
    // Both links again, as JSON: nothing to write, and each side's _remote/info entry.
    &[
        "connect",
        "cluster-one",
        "-n",
        "ns-one",
        "--proxy",
        "--remote",
        "cluster-two",
        "--remote-namespace",
        "ns-two",
        "-o",
        "json",
    ],
    &[
        "connect",
        "cluster-two",
        "-n",
        "ns-two",
        "--proxy",
        "--remote",
        "cluster-one",
        "--remote-namespace",
        "ns-one",
        "-o",
        "json",
    ],
    // The same recipe in one command: here everything is in place, so it only proves the links.
    &[
        "setup",
        "--local",
        "cluster-one",
        "--local-namespace",
        "ns-one",
        "--remote",
        "cluster-two",
        "--remote-namespace",
        "ns-two",
        "--yes",
    ],
    &["status", "cluster-one", "-n", "ns-one"],
];

/// The model Elasticsearch 9 recommends, beside the certificate link and under another alias,
/// so that the first keeps working: once both clusters run a trial license.
const API_KEY_STEPS: &[&[&str]] = &[
    &[
        "connect",
        "cluster-one",
        "-n",
        "ns-one",
        "--api-key",
        "--remote",
        "cluster-two",
        "--remote-namespace",
        "ns-two",
        "--alias",
        "cluster-two-by-key",
        "--search",
        "*",
        "--yes",
    ],
    &["status", "cluster-one", "-n", "ns-one"],
];

async fn demo(output: &Output) -> anyhow::Result<()> {
    let sandbox = Sandbox::start(SandboxSpec::standard())
        .await
        .context("starting the sandbox")?;
    let dir = tempfile::tempdir().context("creating a temp directory for the demo")?;
    let kubeconfig = dir.path().join("kubeconfig");
    write_kubeconfig(&sandbox, &kubeconfig)?;
    output.status(
        "Started",
        format!("the sandbox; export KUBECONFIG={}", kubeconfig.display()),
    );
    for step in DEMO_STEPS {
        run_step(step, &kubeconfig, output).await?;
    }
    sandbox
        .start_eck_trial()
        .context("starting ECK's enterprise trial")?;
    output.status(
        "Started",
        "ECK's enterprise trial (the Secret eck-trial-license in elastic-system): ECK starts a trial license on both clusters, which API-key links need",
    );
    for step in API_KEY_STEPS {
        run_step(step, &kubeconfig, output).await?;
    }
    output.status(
        "Finished",
        "the whole recipe, both ways: each cluster is connected to the other, and cluster-one also by an API key",
    );
    Ok(())
}

/// Runs ecr itself as a child process, so the demo shows exactly what a user would see.
async fn run_step(args: &[&str], kubeconfig: &Path, output: &Output) -> anyhow::Result<()> {
    let ecr = std::env::current_exe().context("finding the ecr executable")?;
    output.status("Running", format!("ecr {}", args.join(" ")));
    let status = tokio::process::Command::new(ecr)
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .status()
        .await
        .with_context(|| format!("running ecr {}", args.join(" ")))?;
    anyhow::ensure!(status.success(), "ecr {} failed ({status})", args.join(" "));
    Ok(())
}

fn write_kubeconfig(sandbox: &Sandbox, path: &Path) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    sandbox.write_kubeconfig(path)
}
