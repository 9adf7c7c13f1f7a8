//! The command line itself: help, completions, and refusals that need no cluster.

use std::path::Path;

use assert_cmd::Command;
use clap::{CommandFactory as _, ValueEnum as _};
use clap_complete::{Generator as _, Shell};
use ecr::commands::Cli;

fn ecr() -> Command {
    let mut command = Command::cargo_bin("ecr").expect("the ecr binary is built");
    command.env("NO_COLOR", "1").env_remove("KUBECONFIG");
    command
}

#[test]
fn help_lists_every_subcommand_with_a_description() {
    let output = ecr()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(output).unwrap();
    for subcommand in Cli::command().get_subcommands() {
        let about = subcommand
            .get_about()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(
            !about.is_empty(),
            "{} has no description",
            subcommand.get_name()
        );
        let line = format!("{}  ", subcommand.get_name());
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&line) && l.ends_with(&about)),
            "`ecr --help` does not list {} with its description:\n{help}",
            subcommand.get_name()
        );
    }
}

#[test]
fn completions_in_the_repo_are_current() {
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some();
    for shell in Shell::value_variants() {
        let generated = ecr()
            .args(["completions", &shell.to_string()])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert!(!generated.is_empty(), "no completions for {shell}");
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("completions")
            .join(shell.file_name("ecr"));
        if update {
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is stale: run `UPDATE_COMPLETIONS=1 cargo test --test cli completions` and commit it",
            path.display()
        );
    }
}

#[test]
fn an_unknown_shell_is_refused() {
    ecr()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid value 'tcsh'"));
}

#[test]
fn no_kubeconfig_anywhere_is_explained() {
    let home = tempfile::tempdir().unwrap();
    ecr()
        .env("HOME", home.path())
        .env_remove("KUBERNETES_SERVICE_HOST")
        .args(["ca", "extract", "cluster-one"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "error: no kubeconfig found\nhint: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config \
             (in a pod, ecr uses its service account)\n",
        );
}

#[test]
fn a_missing_kubeconfig_file_is_named() {
    ecr()
        .args([
            "ca",
            "extract",
            "cluster-one",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
        ])
        .assert()
        .code(1)
        .stderr("error: the kubeconfig /nonexistent/kubeconfig does not exist\n");
}

#[test]
fn kubeconfig_lists_that_name_no_file_are_explained() {
    ecr()
        .env("KUBECONFIG", "/nonexistent/a:/nonexistent/b")
        .args(["ca", "extract", "cluster-one"])
        .assert()
        .code(1)
        .stderr(
            "error: KUBECONFIG names /nonexistent/a, /nonexistent/b, and none of them exists\n",
        );
}

/// `--help` is the manual: every change to it shows up as a snapshot diff to review.
#[test]
fn the_help_of_every_command_is_reviewed() {
    let mut commands = vec![Vec::new()];
    for command in Cli::command()
        .get_subcommands()
        .filter(|c| c.get_name() != "help")
    {
        let name = command.get_name().to_string();
        commands.push(vec![name.clone()]);
        for sub in command.get_subcommands().filter(|c| c.get_name() != "help") {
            commands.push(vec![name.clone(), sub.get_name().to_string()]);
        }
    }
    for path in commands {
        let mut args = path.clone();
        args.push("--help".into());
        let output = ecr()
            .args(&args)
            .env("COLUMNS", "100")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let name = if path.is_empty() {
            "ecr".to_string()
        } else {
            format!("ecr {}", path.join(" "))
        };
        insta::assert_snapshot!(
            name.replace(' ', "_"),
            String::from_utf8(output).unwrap(),
            &name
        );
    }
}
