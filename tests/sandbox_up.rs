//! `ecr sandbox up` as a user runs it: a foreground process that real kubectl and ecr both
//! use through the kubeconfig it writes, and that stops cleanly on Ctrl-C.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct RunningSandbox {
    child: Child,
    kubeconfig: std::path::PathBuf,
    home: tempfile::TempDir,
}

impl RunningSandbox {
    /// Starts `ecr sandbox up` and waits for the line that says it is up.
    fn start() -> Self {
        let home = tempfile::tempdir().unwrap();
        let kubeconfig = home.path().join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_ecr"))
            .args(["sandbox", "up", "--kubeconfig-out"])
            .arg(&kubeconfig)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ecr sandbox up starts");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut printed = String::new();
        for line in stdout.lines() {
            let line = line.unwrap();
            printed.push_str(&line);
            printed.push('\n');
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        assert!(
            printed.contains(&format!("export KUBECONFIG={}", kubeconfig.display())),
            "{printed}"
        );
        assert!(kubeconfig.exists());
        Self {
            child,
            kubeconfig,
            home,
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let cache = self.home.path().join("cache");
        let mut command = Command::new(program);
        if program == "kubectl" {
            command.arg("--cache-dir").arg(&cache);
        }
        let output = command
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.home.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{program} {args:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn kubectl(&self, args: &[&str]) -> String {
        String::from_utf8(self.run("kubectl", args).stdout).unwrap()
    }

    fn ecr(&self, args: &[&str]) -> String {
        String::from_utf8(self.run(env!("CARGO_BIN_EXE_ecr"), args).stdout).unwrap()
    }

    /// Ctrl-C, as the user would press it; the process must end by itself, successfully.
    fn interrupt(mut self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "ecr sandbox up ended with {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "ecr sandbox up did not stop on Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn kubectl_and_ecr_agree_against_a_running_sandbox() {
    let sandbox = RunningSandbox::start();

    let clusters = sandbox.kubectl(&[
        "get",
        "es",
        "-A",
        "-o",
        "custom-columns=NS:.metadata.namespace,NAME:.metadata.name",
    ]);
    assert_eq!(
        clusters.split_whitespace().collect::<Vec<_>>(),
        [
            "NS",
            "NAME",
            "ns-one",
            "cluster-one",
            "ns-two",
            "cluster-two"
        ]
    );

    for (namespace, cluster) in [("ns-one", "cluster-one"), ("ns-two", "cluster-two")] {
        let secret = format!("{cluster}-es-transport-certs-public");
        let from_kubectl = sandbox.kubectl(&[
            "get",
            "secret",
            &secret,
            "-n",
            namespace,
            "-o",
            r#"go-template={{index .data "ca.crt" | base64decode}}"#,
        ]);
        assert!(from_kubectl.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(
            sandbox.ecr(&["ca", "extract", cluster, "-n", namespace]),
            from_kubectl
        );
    }

    sandbox.kubectl(&[
        "patch",
        "es",
        "cluster-one",
        "-n",
        "ns-one",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"transport":{"service":{"spec":{"type":"LoadBalancer"}}}}}"#,
    ]);
    sandbox.kubectl(&[
        "wait",
        "service/cluster-one-es-transport",
        "-n",
        "ns-one",
        "--for=jsonpath={.status.loadBalancer.ingress[0].ip}",
        "--timeout=10s",
    ]);
    let address = sandbox.kubectl(&[
        "get",
        "service",
        "cluster-one-es-transport",
        "-n",
        "ns-one",
        "-o",
        "jsonpath={.status.loadBalancer.ingress[0].ip}",
    ]);
    assert!(address.starts_with("127."), "{address}");

    sandbox.interrupt();
}

#[test]
fn the_default_kubeconfig_path_is_printed() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecr"))
        .args(["sandbox", "up"])
        .env("TMPDIR", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_lines = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    while !first_lines.contains("export KUBECONFIG=") {
        assert!(
            stdout.read_line(&mut first_lines).unwrap() > 0,
            "no kubeconfig path printed: {first_lines}"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let expected = home.path().join("ecr-sandbox").join("kubeconfig");
    assert!(
        first_lines.contains(&expected.display().to_string()),
        "{first_lines}"
    );
    assert!(Path::new(&expected).exists());
}

#[test]
fn the_demo_runs_the_whole_recipe_and_ends_connected_both_ways() {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ecr"))
        .args(["sandbox", "demo"])
        .env("NO_COLOR", "1")
        .env("HOME", home.path())
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    for step in ["ca extract", "trust add", "expose", "connect"] {
        assert!(
            stderr.contains(&format!("Running ecr {step}")),
            "the demo skips {step}:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("Unchanged cluster-one and cluster-two trust each other's CA"),
        "{stderr}"
    );
    let connected = stdout.matches("\"connected\": true").count();
    assert_eq!(
        connected, 2,
        "both sides' _remote/info say connected:\n{stdout}"
    );
    assert!(
        stderr.trim_end().ends_with(
            "Finished the whole recipe, both ways: each cluster is connected to the other, and \
             cluster-one also by an API key"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("_remote/info says cluster-two-by-key: connected true"),
        "the API-key link is proven:\n{stderr}"
    );
}
