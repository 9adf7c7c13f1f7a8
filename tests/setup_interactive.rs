//! `ecr setup` driven through a real terminal (tmux): the prompts for what the command line
//! leaves out, the plan and its confirmation, through to both links proven.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Env;
use ecr::sandbox::SandboxSpec;

/// A tmux server of the test's own, so that nothing else on the machine is touched.
struct Terminal {
    socket: String,
}

impl Terminal {
    fn start(command: &str) -> Self {
        let socket = format!("ecr-test-{}", std::process::id());
        let terminal = Terminal { socket };
        terminal.tmux(&[
            "new-session",
            "-d",
            "-s",
            "setup",
            "-x",
            "200",
            "-y",
            "50",
            command,
        ]);
        terminal
    }

    fn tmux(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Everything the terminal has shown so far.
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", "setup", "-S", "-5000"])
    }

    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the terminal never showed {text:?}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "setup"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

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
        let terminal = Terminal::start(&command);
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
        assert!(screen.contains("Plan 4 change(s)"), "{screen}");
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
