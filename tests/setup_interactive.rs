//! `ecr setup` driven through a real terminal (tmux): the prompts for what the command line
//! leaves out, the plan and its confirmation, through to both links proven.

mod common;

use common::Env;
use common::terminal::Terminal;
use ecr::sandbox::SandboxSpec;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_prompts_to_the_final_summary() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let command = format!(
        "env KUBECONFIG={} HOME={} NO_COLOR=1 {} setup --timeout 20s; echo ECR-EXITED-$?; sleep 600",
        env.kubeconfig.display(),
        env.dir.path().display(),
        env!("CARGO_BIN_EXE_ecr")
    );
    tokio::task::block_in_place(|| {
        let terminal = Terminal::start("setup", &command);
        terminal.wait_for("Kube context of the local cluster");
        terminal.keys(&["Enter"]); // the current context, sandbox-one
        terminal.wait_for("The local cluster");
        terminal.keys(&["Enter"]); // cluster-one, the only one there
        terminal.wait_for("Kube context of the remote cluster");
        terminal.keys(&["Down", "Enter"]); // sandbox-two
        terminal.wait_for("The remote cluster");
        terminal.keys(&["Enter"]);
        terminal.wait_for("Apply these changes?");
        let screen = terminal.screen();
        assert!(screen.contains("Plan 4 changes"), "{screen}");
        terminal.keys(&["y"]);
        terminal.wait_for("ECR-EXITED-");
        let screen = terminal.screen();
        assert!(screen.contains("ECR-EXITED-0"), "{screen}");
        assert!(
            screen.contains("_remote/info says cluster-two: connected true"),
            "{screen}"
        );
        assert!(
            screen.contains("_remote/info says cluster-one: connected true"),
            "{screen}"
        );
    });
    assert_eq!(
        env.sandbox
            .api("sandbox-one")
            .rolling_restarts("ns-one", "cluster-one"),
        1
    );
    assert_eq!(
        env.sandbox
            .api("sandbox-two")
            .rolling_restarts("ns-two", "cluster-two"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_missing_clusters_are_asked_for_on_the_command_line() {
    let env = Env::with(SandboxSpec::two_contexts()).await;
    let run = env.ecr(&["setup", "--remote", "cluster-two"]).failure();
    assert_eq!(
        run.stderr,
        "error: name the local cluster: --local CLUSTER\nhint: or run ecr setup on a terminal to choose from the clusters ecr finds\n"
    );
}
