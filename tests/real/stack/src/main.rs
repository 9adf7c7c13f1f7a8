//! `real-stack`: the real stack in the foreground until Ctrl-C, with two Elasticsearch
//! clusters (`cluster-one` in `ns-one`, `cluster-two` in `ns-two`), for trying ecr, kubectl
//! and curl by hand. `tests/real/up` builds and runs it.

use std::path::PathBuf;

use anyhow::Context;
use ecr_real_stack::{ELASTICSEARCH_VERSION, EckOperator, Options, Stack};

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
        .context("usage: real-stack TESTS_REAL_DIR")?
        .canonicalize()?;
    // tests/real -> the repository's target/real/up; a previous run's files go (its processes
    // stopped with it).
    let repository = real_dir
        .parent()
        .and_then(|p| p.parent())
        .context("tests/real has no repository")?;
    let dir = repository.join("target/real/up");
    let _ = std::fs::remove_dir_all(&dir);
    let clusters = [("ns-one", "cluster-one"), ("ns-two", "cluster-two")];
    let stack = Stack::start(Options {
        real_dir,
        dir,
        operators: vec![EckOperator::all_namespaces()],
        clusters: clusters
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .to_vec(),
        version: ELASTICSEARCH_VERSION.to_string(),
    })?;
    println!(
        "export KUBECONFIG={}",
        stack.info.admin_kubeconfig.display()
    );
    println!(
        "# a user with no rights but those you grant: KUBECONFIG={}",
        stack.info.limited_kubeconfig.display()
    );
    eprintln!("the real stack is up; Ctrl-C stops it");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(tokio::signal::ctrl_c());
    eprintln!("stopping the real stack");
    stack.stop();
    Ok(outcome?)
}
