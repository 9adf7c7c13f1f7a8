//! One module per subcommand: each declares its arguments and calls into the concept modules.

pub mod ca;
pub mod completions;

use crate::cli::{Cli, Command};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Ca(command) => ca::run(command, &cli.global).await,
        Command::Completions(args) => completions::run(&args, &cli.global.output()),
    }
}
