//! `real-stack`: the real stack in the foreground until Ctrl-C, with two Elasticsearch
//! clusters (`cluster-one` in `ns-one`, `cluster-two` in `ns-two`), for trying ecr, kubectl
//! and curl by hand. `tests/real/up` builds and runs it.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use ecr_real_stack::{EckOperator, Options, Stack, kube};

/// The Elasticsearch version of the clusters `up` makes.
const VERSION: &str = "8.19.7";

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
    eprintln!(
        "starting the real stack (logs in {})",
        dir.join("logs").display()
    );
    let stack = Stack::start(Options {
        real_dir,
        dir,
        operators: vec![EckOperator::all_namespaces()],
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        let client = kube::client(&stack.info.admin_kubeconfig).await?;
        let clusters = [("ns-one", "cluster-one"), ("ns-two", "cluster-two")];
        for (namespace, name) in clusters {
            kube::create_elasticsearch(&client, namespace, name, VERSION, 1).await?;
        }
        for (namespace, name) in clusters {
            let what = format!("ECK to make Elasticsearch {namespace}/{name} and its pod Ready");
            kube::wait_for(&what, Duration::from_secs(180), || {
                kube::elasticsearch_ready(&client, namespace, name, 1)
            })
            .await?;
        }
        println!(
            "export KUBECONFIG={}",
            stack.info.admin_kubeconfig.display()
        );
        println!(
            "# a user with no rights but those you grant: KUBECONFIG={}",
            stack.info.limited_kubeconfig.display()
        );
        eprintln!("the real stack is up; Ctrl-C stops it");
        tokio::signal::ctrl_c().await?;
        anyhow::Ok(())
    });
    eprintln!("stopping the real stack");
    stack.stop();
    outcome
}
