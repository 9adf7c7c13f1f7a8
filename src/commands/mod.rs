//! One module per subcommand: each declares its arguments and calls into the concept modules.

pub mod ca;
pub mod completions;
pub mod connect;
pub mod es_access;
pub mod expose;
pub mod sandbox;
pub mod setup;
pub mod status;
pub mod trust;

use crate::cli::{Cli, Command};

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
        Command::Completions(args) => completions::run(&args, &cli.global.output()),
    }
}
