//! `ecr completions SHELL`: shell completions generated from the command line's definition.

use clap::Args;
use clap_complete::Shell;

use crate::output::Output;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script of `command` (ecr's whole command line) for the shell asked.
pub fn run(
    args: &CompletionsArgs,
    command: &mut clap::Command,
    output: &Output,
) -> anyhow::Result<()> {
    output.bytes(&script(args.shell, command))
}

/// The completion script for `shell`, as `completions/` holds it.
pub fn script(shell: Shell, command: &mut clap::Command) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, command, "ecr", &mut script);
    script
}
