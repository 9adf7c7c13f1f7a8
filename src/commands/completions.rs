//! `ecr completions SHELL`: shell completions generated from the command line's definition.

use clap::{Args, CommandFactory as _};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::output::Output;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &CompletionsArgs, output: &Output) -> anyhow::Result<()> {
    output.bytes(&script(args.shell))
}

/// The completion script for `shell`, as `completions/` holds it.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ecr", &mut script);
    script
}
