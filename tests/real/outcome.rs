//! What a scenario observed, in a form that compares across the real stack and the sandbox:
//! ecr's exit codes and the lines an operator reads (not the YAML diffs, whose context differs
//! by design), with what differs between any two runs (context names, fingerprints, dates,
//! addresses, durations) replaced by placeholders; and facts read back from the API.

use std::fmt::Display;
use std::sync::LazyLock;

use regex::Regex;

use crate::backend::Run;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub observations: Vec<(String, String)>,
}

impl Outcome {
    pub fn note(&mut self, key: &str, value: impl Display) {
        self.observations.push((key.to_string(), value.to_string()));
    }

    /// Records an ecr run, then fails unless it exited with `code`.
    pub fn checked(
        &mut self,
        key: &str,
        run: Run,
        code: i32,
        context: &str,
    ) -> anyhow::Result<Run> {
        self.run(key, &run, context);
        run.expect_code(code, key)
    }

    /// An ecr run: its exit code and the lines it wrote for the operator.
    pub fn run(&mut self, key: &str, run: &Run, context: &str) {
        self.note(&format!("{key}: exit code"), format!("{:?}", run.code));
        let text = format!("{}{}", run.stdout, run.stderr);
        self.note(&format!("{key}: output"), operator_lines(&text, context));
    }
}

/// The lines of ecr's output that are not part of a YAML diff or a PEM block, normalized.
pub fn operator_lines(text: &str, context: &str) -> String {
    let mut in_pem = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.starts_with("-----BEGIN") {
            in_pem = true;
        }
        if !in_pem && is_operator_line(line) {
            lines.push(normalize(line.trim(), context));
        }
        if line.starts_with("-----END") {
            in_pem = false;
        }
    }
    lines.join("\n")
}

/// Cargo-style lines (`     Applied ...`), errors and hints; not a diff's lines, which start
/// with one `+`, `-`, `@` or space, nor YAML.
fn is_operator_line(line: &str) -> bool {
    let trimmed = line.trim_start();
    let diff =
        line.starts_with(['+', '-', '@']) || (line.starts_with(' ') && !line.starts_with("  "));
    let sentence = trimmed
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
        || ["error:", "hint:", "warning:", "note:"]
            .iter()
            .any(|p| trimmed.starts_with(p));
    !diff && sentence
}

static FINGERPRINT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9A-F]{2}:){31}[0-9A-F]{2}").expect("a regex"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z").expect("a regex"));
static ADDRESS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b").expect("a regex"));
static DURATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d+(\.\d+)?(ms|s|m)\b").expect("a regex"));

/// Replaces what differs between two runs of the same scenario with placeholders.
pub fn normalize(line: &str, context: &str) -> String {
    let line = line.replace(&format!("context {context}"), "context CONTEXT");
    let line = line.replace(
        &format!("\"context\":\"{context}\""),
        "\"context\":\"CONTEXT\"",
    );
    let line = FINGERPRINT.replace_all(&line, "FINGERPRINT");
    let line = DATE.replace_all(&line, "DATE");
    let line = ADDRESS.replace_all(&line, "ADDRESS");
    DURATION.replace_all(&line, "DURATION").into_owned()
}

/// The observations on which two outcomes differ: `(key, real, sandbox)`.
pub fn differences(real: &Outcome, sandbox: &Outcome) -> Vec<(String, String, String)> {
    let mut keys: Vec<&String> = real.observations.iter().map(|(k, _)| k).collect();
    for (key, _) in &sandbox.observations {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let value = |outcome: &Outcome, key: &str| {
        outcome
            .observations
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    keys.into_iter()
        .filter_map(|key| {
            let (a, b) = (value(real, key), value(sandbox, key));
            (a != b).then(|| (key.clone(), a, b))
        })
        .collect()
}
