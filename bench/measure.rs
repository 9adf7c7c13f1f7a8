//! Measuring for both benchmarks: the ecr binary measured, a command's wall time and peak
//! RSS, and the figures' formats.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};

/// `ECR`, or the release build next to this benchmark.
pub fn ecr_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("ECR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/ecr"));
    ensure!(
        path.is_file(),
        "no ecr binary at {} (set ECR)",
        path.display()
    );
    Ok(path)
}

/// One finished process: its wall time and peak RSS (its own or a descendant's).
pub struct Measured {
    pub wall: Duration,
    pub max_rss_kib: u64,
    pub stdout: String,
}

/// Runs a command to its end under GNU time, which reports its peak RSS; fails unless it
/// succeeded. (The command's own wait status would report this benchmark's size: Linux counts
/// the memory a child had before its exec, a copy of its parent's. time is a small parent.)
pub fn measure(command: &Command) -> anyhow::Result<Measured> {
    let peak = tempfile::NamedTempFile::new()?;
    let mut timed = Command::new("/usr/bin/time");
    timed
        .args(["--quiet", "--format", "%M", "--output"])
        .arg(peak.path())
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::null());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    let started = Instant::now();
    let output = timed
        .output()
        .with_context(|| format!("running {:?} under /usr/bin/time", command.get_program()))?;
    let wall = started.elapsed();
    ensure!(
        output.status.success(),
        "{:?} failed ({}):\n{}",
        command.get_program(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report = std::fs::read_to_string(peak.path())?;
    let max_rss_kib = report
        .trim()
        .parse()
        .with_context(|| format!("reading the peak RSS from time's {report:?}"))?;
    Ok(Measured {
        wall,
        max_rss_kib,
        stdout: String::from_utf8(output.stdout)?,
    })
}

pub fn ratio(numerator: Duration, denominator: Duration) -> f64 {
    numerator.as_secs_f64() / denominator.as_secs_f64()
}

pub fn ms(duration: Duration) -> String {
    let millis = duration.as_secs_f64() * 1000.0;
    if millis < 1000.0 {
        format!("{millis:.0} ms")
    } else {
        format!("{:.2} s", millis / 1000.0)
    }
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
