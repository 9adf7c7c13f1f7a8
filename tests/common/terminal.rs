//! A real terminal for the tests that answer ecr's prompts: a tmux server of the test's own
//! (its socket named after the process and the test), so that nothing else is touched.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Terminal {
    socket: String,
}

impl Terminal {
    /// Runs `command` in a new 200x50 terminal; `name` keeps concurrent tests apart.
    pub fn start(name: &str, command: &str) -> Self {
        let terminal = Terminal {
            socket: format!("ecr-test-{}-{name}", std::process::id()),
        };
        terminal.tmux(&[
            "new-session",
            "-d",
            "-s",
            "main",
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
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", "main", "-S", "-5000"])
    }

    pub fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the terminal never showed {text:?}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}
