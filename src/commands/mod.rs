//! The command line (`Cli`) and one module per subcommand: each declares its arguments and
//! calls into the concept modules.

pub mod api_key_links;
pub mod ca;
pub mod completions;
pub mod connect;
pub mod es_access;
pub mod expose;
pub mod sandbox;
pub mod setup;
pub mod status;
pub mod trust;

use clap::{CommandFactory as _, Parser, Subcommand};

use crate::cli::GlobalArgs;

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

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Ca(command) => ca::run(command, &cli.global).await,
        Command::Connect(args) => connect::connect(&args, &cli.global).await,
        Command::Disconnect(args) => connect::disconnect(&args, &cli.global).await,
        Command::Setup(args) => setup::run(&args, &cli.global).await,
        Command::Status(args) => status::run(&args, &cli.global).await,
        Command::Expose(args) => expose::run(&args, &cli.global).await,
        Command::Trust(command) => trust::run(command, &cli.global).await,
        Command::Sandbox(command) => sandbox::run(command, &cli.global.output()).await,
        Command::Completions(args) => {
            completions::run(&args, &mut Cli::command(), &cli.global.output())
        }
    }
}
