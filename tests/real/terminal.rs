//! A terminal for the scenarios that answer ecr's prompt: a tmux server of the scenario's own.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

pub struct Terminal {
    socket: String,
}

impl Terminal {
    pub fn start(name: &str, command: &str) -> anyhow::Result<Terminal> {
        let terminal = Terminal {
            socket: format!("ecr-real-{}-{name}", std::process::id()),
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
        ])?;
        Ok(terminal)
    }

    fn tmux(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .context("running tmux")?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Everything the terminal has shown so far.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", "main", "-S", "-5000"])
            .unwrap_or_default()
    }

    pub fn wait_for(&self, text: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.screen().contains(text) {
            if Instant::now() > deadline {
                bail!("the terminal never showed {text:?}:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    pub fn keys(&self, keys: &[&str]) -> anyhow::Result<()> {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        self.tmux(&args).map(|_| ())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
