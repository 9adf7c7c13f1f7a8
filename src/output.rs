//! The one output layer: results go to stdout (text or JSON), everything for people
//! (status lines, warnings, errors, tracing) goes to stderr, coloured only on a terminal
//! and never when `NO_COLOR` is set (anstream decides both).

use std::fmt::Display;
use std::io::{self, IsTerminal as _, Write as _};
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use anyhow::Context as _;
use serde::Serialize;

use crate::error::Failure;

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

const VERB: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const WARNING: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const ERROR: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const ADDED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const REMOVED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const HINT: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

/// Where every line ecr prints goes through.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    format: OutputFormat,
    quiet: bool,
}

impl Output {
    pub fn new(format: OutputFormat, quiet: bool) -> Self {
        Self { format, quiet }
    }

    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// A progress line on stderr with a right-aligned verb, as cargo prints them.
    pub fn status(&self, verb: &str, message: impl Display) {
        if !self.quiet {
            anstream::eprintln!("{VERB}{verb:>12}{VERB:#} {message}");
        }
    }

    /// A warning on stderr; shown even with `--quiet`, since it asks for attention.
    pub fn warn(&self, message: impl Display) {
        anstream::eprintln!("{WARNING}warning{WARNING:#}: {message}");
    }

    /// A spinner on stderr while ecr waits, on a terminal only (and not with `--quiet`);
    /// it disappears when dropped.
    pub fn spinner(&self, message: impl Into<String>) -> indicatif::ProgressBar {
        if self.quiet || !io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let spinner = indicatif::ProgressBar::new_spinner()
            .with_message(message.into())
            .with_finish(indicatif::ProgressFinish::AndClear);
        spinner.enable_steady_tick(Duration::from_millis(100));
        spinner
    }

    /// A titled unified diff on stderr, coloured on a terminal.
    pub fn diff(&self, title: &str, diff: &str) {
        if self.quiet {
            return;
        }
        anstream::eprintln!("\n{title}");
        for line in diff.lines() {
            let style = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => ADDED,
                Some('-') if !line.starts_with("---") => REMOVED,
                _ => Style::new(),
            };
            anstream::eprintln!("{style}{line}{style:#}");
        }
    }

    /// Raw bytes of a result on stdout, exactly as given.
    pub fn bytes(&self, bytes: &[u8]) -> anyhow::Result<()> {
        let mut stdout = io::stdout().lock();
        ignore_broken_pipe(stdout.write_all(bytes).and_then(|()| stdout.flush()))
    }

    /// A result as pretty JSON on stdout.
    pub fn json(&self, value: &impl Serialize) -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(value).context("encoding the JSON output")?;
        text.push('\n');
        self.bytes(text.as_bytes())
    }

    /// Prints a failed command: `error: ...` on one line, then its hint if it has one.
    pub fn error(error: &anyhow::Error) {
        anstream::eprintln!("{ERROR}error{ERROR:#}: {error:#}");
        if let Some(hint) = Failure::find(error).and_then(|failure| failure.hint.as_deref()) {
            anstream::eprintln!("{HINT}hint{HINT:#}: {hint}");
        }
    }
}

/// A reader that closed the pipe (`ecr ... | head`) has all it wanted: not an error.
fn ignore_broken_pipe(result: io::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}

/// Sends tracing to stderr: `-v` shows ecr's own steps, `-vv` also each HTTP request.
/// `RUST_LOG` overrides. Request headers (tokens, passwords) are never logged.
pub fn init_tracing(verbosity: u8) {
    let default = match verbosity {
        0 => return,
        1 => "ecr=debug",
        _ => "ecr=trace,kube=debug,tower_http=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(anstream::AutoStream::choice(&io::stderr()) != anstream::ColorChoice::Never)
        .init();
}
