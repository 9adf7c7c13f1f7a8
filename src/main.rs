//! Parses the command line, runs the command, and turns its outcome into an exit code.

use std::process::ExitCode;

use clap::Parser as _;
use ecr::commands::Cli;
use ecr::error::NeedsAttention;
use ecr::output::{self, Output};

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::init_tracing(cli.global.verbose);
    // One thread: ecr waits on a few requests at a time, and starts faster without a pool.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            Output::error(&anyhow::Error::new(error).context("starting the async runtime"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(ecr::commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.downcast_ref::<NeedsAttention>().is_some() => ExitCode::FAILURE,
        Err(error) => {
            Output::error(&error);
            ExitCode::FAILURE
        }
    }
}
