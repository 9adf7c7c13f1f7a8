//! Whole-output snapshots (as uv's `uv_snapshot!`): the command line, its exit code, stdout and
//! stderr in one text, with what changes from run to run replaced by a placeholder: `[TMPDIR]`,
//! `[PEM]`, `[PORT]`, `[TIME]` and numbered `[FINGERPRINT-N]`. Load-balancer addresses stay:
//! the sandbox hands them out in order (127.0.0.2, .3, ...), and they are what users copy.

use super::{Env, Run};

/// Runs `ecr ARGS` on an [`Env`] (with these environment variables set, if given) and
/// compares its whole output with the snapshot `NAME`; gives back the [`Run`].
#[macro_export]
macro_rules! ecr_snapshot {
    ($name:expr, $env:expr, $args:expr $(,)?) => {
        $crate::ecr_snapshot!($name, $env, $args, &[])
    };
    ($name:expr, $env:expr, $args:expr, $variables:expr $(,)?) => {{
        let env: &$crate::common::Env = $env;
        let args: &[&str] = $args;
        let run = env.ecr_with_environment(args, $variables);
        $crate::common::snapshot::settings(env).bind(|| {
            ::insta::assert_snapshot!($name, $crate::common::snapshot::transcript(args, &run));
        });
        run
    }};
}

/// The snapshot settings for runs on `env`: each filter hides one thing that differs between
/// two runs of the same scenario, and nothing else.
pub fn settings(env: &Env) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_omit_expression(true);
    let dir = env.dir.path().to_str().expect("a UTF-8 temp path");
    // the test's own temp dir (kubeconfig, CA files)
    settings.add_filter(&regex::escape(dir), "[TMPDIR]");
    // the body of a PEM certificate (a fresh key pair per sandbox): its lines as printed, in a
    // YAML block or a diff (the indent and the diff's sign kept), or escaped in a JSON string
    settings.add_filter(
        r"(?m)(-----BEGIN CERTIFICATE-----\n)(^[-+ ]?[ \t]*)[A-Za-z0-9+/=]+\n(?:^[-+ ]?[ \t]*[A-Za-z0-9+/=]+\n)*",
        "${1}${2}[PEM]\n",
    );
    settings.add_filter(
        r"(-----BEGIN CERTIFICATE-----\\n)[A-Za-z0-9+/=\\]+?(\\n-----END CERTIFICATE-----)",
        "${1}[PEM]${2}",
    );
    // the ports the sandbox's servers and ecr's port-forwards listen on
    settings.add_filter(r"\b(127\.0\.0\.1|localhost):\d{1,5}\b", "${1}:[PORT]");
    settings.add_filter(r"\[::1\]:\d{1,5}\b", "[::1]:[PORT]");
    // certificate validity in RFC 3339 (the sandbox makes its CAs when it starts); the days
    // left stay, as they do not change
    settings.add_filter(
        r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})",
        "[TIME]",
    );
    settings
}

/// `$ ecr ARGS`, the exit code, stdout and stderr, as one text.
pub fn transcript(args: &[&str], run: &Run) -> String {
    let code = run.code.map_or_else(
        || "none (killed by a signal)".to_string(),
        |c| c.to_string(),
    );
    let text = format!(
        "$ ecr {}\nexit: {code}\n--- stdout\n{}--- stderr\n{}",
        shell_line(args),
        with_final_newline(&run.stdout),
        with_final_newline(&run.stderr)
    );
    number_fingerprints(&text)
}

/// Names each SHA-256 fingerprint (a fresh CA per sandbox; ecr prints them as openssl does,
/// hex pairs joined by colons) by the order in which it first appears: `[FINGERPRINT-1]`,
/// `[FINGERPRINT-2]`, ..., so that a snapshot still shows which certificates are the same and
/// which differ (a rotated CA, say).
fn number_fingerprints(text: &str) -> String {
    let pattern =
        regex::Regex::new(r"\b[0-9A-F]{2}(?::[0-9A-F]{2}){31}\b").expect("a valid pattern");
    let mut seen: Vec<String> = Vec::new();
    pattern
        .replace_all(text, |found: &regex::Captures| {
            let key = found[0].to_string();
            let index = match seen.iter().position(|k| *k == key) {
                Some(index) => index,
                None => {
                    seen.push(key);
                    seen.len() - 1
                }
            };
            format!("[FINGERPRINT-{}]", index + 1)
        })
        .into_owned()
}

/// The arguments as a shell line: an empty argument or one with a space in single quotes.
pub fn shell_line(args: &[&str]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|arg| {
            if arg.is_empty() || arg.contains(' ') {
                format!("'{arg}'")
            } else {
                arg.to_string()
            }
        })
        .collect();
    quoted.join(" ")
}

/// The text as printed, with a visible mark where it does not end with a newline.
fn with_final_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n[no newline at the end]\n")
    }
}
