//! `real-stack`: the real stack in the foreground until Ctrl-C, with two Elasticsearch
//! clusters running real Elasticsearch (`cluster-one` in `ns-one`, `cluster-two` in `ns-two`,
//! of the version given, the newest 8.x by default), for trying ecr, kubectl and curl by hand.
//! `tests/real/up [VERSION]` builds and runs it.

use std::path::PathBuf;

use anyhow::Context;
use ecr_real_stack::{Cluster, ELASTICSEARCH_VERSIONS, EckOperator, Options, Stack};

fn main() -> std::process::ExitCode {
    match up() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn up() -> anyhow::Result<()> {
    let real_dir: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .context("usage: real-stack TESTS_REAL_DIR [VERSION]")?
        .canonicalize()?;
    let version = std::env::args()
        .nth(2)
        .unwrap_or_else(|| ELASTICSEARCH_VERSIONS[0].to_string());
    // tests/real -> the repository's target/real/up; a previous run's files go (its processes
    // stopped with it).
    let repository = real_dir
        .parent()
        .and_then(|p| p.parent())
        .context("tests/real has no repository")?;
    let dir = repository.join("target/real/up");
    let _ = std::fs::remove_dir_all(&dir);
    let stack = Stack::start(Options {
        real_dir,
        dir,
        operators: vec![EckOperator::all_namespaces()],
        clusters: vec![
            Cluster::running("ns-one", "cluster-one", &version),
            Cluster::running("ns-two", "cluster-two", &version),
        ],
    })?;
    println!(
        "export KUBECONFIG={}",
        stack.info.admin_kubeconfig.display()
    );
    println!(
        "# a user with no rights but those you grant: KUBECONFIG={}",
        stack.info.limited_kubeconfig.display()
    );
    eprintln!("the real stack is up; Ctrl-C (or SIGTERM) stops it");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Ctrl-C, or SIGTERM (a background job ignores SIGINT).
    let outcome = runtime.block_on(async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            outcome = tokio::signal::ctrl_c() => outcome,
            _ = terminate.recv() => Ok(()),
        }
    });
    eprintln!("stopping the real stack");
    stack.stop();
    Ok(outcome?)
}
