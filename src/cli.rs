//! The command line: global options (kubectl's conventions) and the subcommands.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::commands::{ca, completions, connect, expose, sandbox, setup, status, trust};
use crate::k8s::Target;
use crate::output::{Output, OutputFormat};
use crate::plan::Approval;

/// Connect Elasticsearch clusters run by ECK as remote clusters.
///
/// ecr turns ECK's manual recipe (extract the transport CA, trust it on the other side,
/// expose the transport layer, connect) into commands that are safe to re-run.
#[derive(Debug, Parser)]
#[command(name = "ecr", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten, next_help_heading = "Global options")]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a cluster's transport CA (step 1 of the recipe)
    #[command(subcommand)]
    Ca(ca::CaCommand),
    /// Trust a remote cluster's transport CA, or stop trusting it (step 2 of the recipe)
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// Expose a cluster's transport layer and print its address (step 3 of the recipe)
    Expose(expose::ExposeArgs),
    /// Connect a remote cluster and prove the connection (step 4 of the recipe)
    Connect(connect::ConnectArgs),
    /// Remove a remote cluster: every setting of its alias, or its spec.remoteClusters entry
    Disconnect(connect::DisconnectArgs),
    /// Show a cluster's trust, exposure and remotes, and what needs attention
    Status(status::StatusArgs),
    /// Do the whole recipe between two clusters: trust, expose, connect, and prove the links
    Setup(setup::SetupArgs),
    /// Try ecr without a cluster: an emulated Kubernetes API with ECK and two clusters
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
    /// Print shell completions for bash, zsh, fish, powershell or elvish
    Completions(completions::CompletionsArgs),
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config,
    /// then the pod's service account]
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use [default: the current context]
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// Namespace of the cluster [default: the context's namespace, then "default"]
    #[arg(short = 'n', long, global = true, value_name = "NS")]
    pub namespace: Option<String>,

    /// Output format: text for people, json (stable and complete) for scripts
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Apply changes without asking for confirmation
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// Show what would change, and change nothing
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Explain each step on stderr (-vv: also each HTTP request); secrets are never shown
    #[arg(short = 'v', long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print only results and errors
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
}

impl GlobalArgs {
    pub fn target(&self) -> Target {
        Target {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
        }
    }

    pub fn output(&self) -> Output {
        Output::new(self.output, self.quiet)
    }

    /// What the operator allowed: `--yes` and `--dry-run`.
    pub fn approval(&self) -> Approval {
        Approval {
            yes: self.yes,
            dry_run: self.dry_run,
        }
    }
}
