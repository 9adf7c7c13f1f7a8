//! The bad-input catalogue: every subcommand and flag given a wrong value, each run against a
//! sandbox. Each one must exit non-zero (2 for clap's usage errors, 1 for ecr's own), say why
//! in at most two lines (`error:` then `hint:`), never panic, and write nothing. Each part of
//! the catalogue keeps every case's whole output, with its exit code, in a snapshot
//! (tests/snapshots/bad_input__*.snap), so that a changed message is a visible diff.

mod common;

use common::{Env, Run, snapshot};

/// ecr's own refusals: exit code 1.
const REFUSED: i32 = 1;
/// clap's usage errors: exit code 2.
const USAGE: i32 = 2;

/// Replaced in a case by the test's temp dir.
const DIR: &str = "{dir}";
/// Replaced in a case by [`TOO_LONG`].
const LONG: &str = "{long}";

/// 64 characters: one more than an alias, a Kubernetes name or an annotation name may have.
const TOO_LONG: &str = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl";

#[test]
fn too_long_is_one_character_too_long() {
    assert_eq!(TOO_LONG.len(), 64);
    assert!(TOO_LONG.chars().all(|c| c.is_ascii_lowercase()));
}

/// Every request that is not a read, to the API servers and to every Elasticsearch.
fn writes(env: &Env) -> Vec<String> {
    let mut writes = Vec::new();
    for context in env.sandbox.contexts() {
        for request in env.sandbox.api(context).requests() {
            // A server-side dry run writes nothing.
            if request.method != "GET" && !request.path.contains("dryRun=All") {
                writes.push(format!("{context}: {} {}", request.method, request.path));
            }
        }
    }
    for endpoint in env.sandbox.elasticsearch_endpoints() {
        for request in endpoint.handle.requests() {
            if !matches!(request.method.as_str(), "GET" | "HEAD") {
                writes.push(format!(
                    "{}: {} {}",
                    endpoint.url, request.method, request.path
                ));
            }
        }
    }
    writes
}

/// What is wrong with the outcome of one case, if anything.
fn judge(run: &Run, code: i32) -> Vec<String> {
    let mut problems = Vec::new();
    if run.code != Some(code) {
        problems.push(format!("exit code {:?}, expected {code}", run.code));
    }
    let all = format!("{}{}", run.stdout, run.stderr);
    if all.contains("panicked") || all.contains("RUST_BACKTRACE") || all.contains("stack backtrace")
    {
        problems.push("a panic or a backtrace".to_string());
    }
    // clap answers a missing subcommand with the help, on stderr, and exit code 2
    let help = code == USAGE && run.stderr.contains("\nUsage: ecr ");
    if !run.stderr.starts_with("error:") && !help {
        problems.push("stderr does not start with `error:`".to_string());
    }
    if code == REFUSED {
        let lines: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        if lines.len() > 2 {
            problems.push(format!(
                "{} lines on stderr, at most 2 expected",
                lines.len()
            ));
        }
        if lines.iter().skip(1).any(|line| !line.starts_with("hint:")) {
            problems.push("a line after the first that is not a `hint:`".to_string());
        }
    }
    problems
}

/// Runs every case against one sandbox, fails with the list of every case that misbehaved, and
/// compares every case's whole output with the snapshot `name`.
fn check_all<S: AsRef<str>>(env: &Env, name: &str, code: i32, cases: &[S]) {
    let checked = check_each(env, code, cases);
    assert!(
        checked.failures.is_empty(),
        "{} of {} cases misbehaved:\n{}",
        checked.failures.len(),
        cases.len(),
        checked.failures.join("\n")
    );
    assert_catalogue_snapshot(env, name, &checked.transcripts);
}

/// What the cases of one part of the catalogue did.
struct Checked {
    /// Each case that misbehaved, with what was wrong.
    failures: Vec<String>,
    /// Each case's command line, exit code, stdout and stderr, one after the other.
    transcripts: String,
}

/// Runs every case against one sandbox, and describes each one that misbehaved.
fn check_each<S: AsRef<str>>(env: &Env, code: i32, cases: &[S]) -> Checked {
    let dir = env.dir.path().to_str().expect("a UTF-8 temp path");
    let mut failures = Vec::new();
    let mut transcripts = Vec::new();
    for case in cases {
        let line = case.as_ref().replace(DIR, dir).replace(LONG, TOO_LONG);
        let args = shell_words(&line);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let before = writes(env).len();
        let run = env.ecr(&args);
        transcripts.push(snapshot::transcript(&args, &run));
        let mut problems = judge(&run, code);
        let after = writes(env);
        if after.len() != before {
            problems.push(format!("wrote: {:?}", &after[before..]));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "ecr {line}\n  {}\n  stderr: {}\n  stdout: {}",
                problems.join("; "),
                run.stderr.trim_end().replace('\n', "\n          "),
                run.stdout.trim_end().replace('\n', "\n          ")
            ));
        }
    }
    Checked {
        failures,
        transcripts: transcripts.join("\n"),
    }
}

/// Compares the whole output of a part of the catalogue with the snapshot `name`.
fn assert_catalogue_snapshot(env: &Env, name: &str, transcripts: &str) {
    snapshot::settings(env).bind(|| insta::assert_snapshot!(name, transcripts));
}

/// Splits a case as a shell would: on spaces, except inside single quotes (`''` is an empty
/// argument).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            ' ' if !quoted => words.extend(word.take()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// A file in the temp dir that is not PEM, for --ca-file.
fn write_garbage(env: &Env) {
    std::fs::write(env.dir.path().join("garbage.pem"), "not a certificate\n").unwrap();
    std::fs::write(
        env.dir.path().join("key.pem"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    std::fs::write(env.dir.path().join("empty.pem"), "").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_are_refused_by_the_parser() {
    let env = Env::start().await;
    check_all(
        &env,
        "usage_errors",
        USAGE,
        &[
            // subcommands and global options
            "nope",
            "''",
            "名前",
            "ca",
            "ca nope",
            "ca extract",
            "ca extract cluster-one --bogus",
            "-o yaml ca extract cluster-one -n ns-one",
            "-o '' ca extract cluster-one -n ns-one",
            "-o JSON ca extract cluster-one -n ns-one",
            "-o 名前 status cluster-one -n ns-one",
            "-v -q status cluster-one -n ns-one",
            "status cluster-one -n ns-one -vv --quiet",
            "--output",
            "-n",
            "--context",
            "--kubeconfig",
            "--kubeconfig '' ca extract cluster-one -n ns-one",
            "ca extract cluster-one -n ns-one --out ''",
            "trust add cluster-one -n ns-one --ca-file '' --alias a --yes",
            "connect cluster-one -n ns-one --proxy h --alias a --es-ca-file ''",
            // empty values
            "--context '' ca extract cluster-one -n ns-one",
            "ca extract cluster-one -n ''",
            "expose cluster-one -n '' --yes --no-wait",
            "trust add cluster-one -n ns-one --from cluster-two --from-namespace ns-two --yes --node-set ''",
            "connect cluster-one -n ns-one --yes --no-verify --proxy host --alias a --es-url ''",
            // completions
            "completions",
            "completions tcsh",
            "completions ''",
            "completions 名前",
            "completions BASH",
            "completions bash zsh",
            // expose
            "expose",
            "expose cluster-one -n ns-one --type ClusterIP",
            "expose cluster-one -n ns-one --type ''",
            "expose cluster-one -n ns-one --type loadbalancer",
            "expose cluster-one -n ns-one --type 名前",
            "expose cluster-one -n ns-one --timeout 5x",
            "expose cluster-one -n ns-one --timeout -1s",
            "expose cluster-one -n ns-one --timeout=-1s",
            "expose cluster-one -n ns-one --timeout ''",
            "expose cluster-one -n ns-one --timeout 5",
            "expose cluster-one -n ns-one --timeout 五秒",
            "expose cluster-one -n ns-one --timeout 99999999999999999999s",
            "expose cluster-one -n ns-one --annotation a:b",
            "expose cluster-one -n ns-one --annotation novalue",
            "expose cluster-one -n ns-one --annotation ''",
            "expose cluster-one -n ns-one --annotation =v",
            "expose cluster-one -n ns-one --annotation=-a=v",
            "expose cluster-one -n ns-one --annotation a-=v",
            "expose cluster-one -n ns-one --annotation 'a b=v'",
            "expose cluster-one -n ns-one --annotation clüster=v",
            "expose cluster-one -n ns-one --annotation 名前=v",
            "expose cluster-one -n ns-one --annotation /a=v",
            "expose cluster-one -n ns-one --annotation a/=v",
            "expose cluster-one -n ns-one --annotation Ex.com/a=v",
            "expose cluster-one -n ns-one --annotation a..b/c=v",
            "expose cluster-one -n ns-one --annotation a/b/c=v",
            "expose cluster-one -n ns-one --annotation {long}=v",
            // connect and disconnect
            "connect cluster-one -n ns-one",
            "connect cluster-one -n ns-one --proxy h --ref cluster-two",
            "connect --ref cluster-two",
            "connect cluster-one --proxy h --alias a --timeout 5x",
            "connect cluster-one --proxy h --alias a --timeout ''",
            "connect cluster-one --proxy h --alias a --timeout=-1s",
            "connect cluster-one --proxy h --alias a --proxy-socket-connections 0",
            "connect cluster-one --proxy h --alias a --proxy-socket-connections=-1",
            "connect cluster-one --proxy h --alias a --proxy-socket-connections x",
            "connect cluster-one --proxy h --alias a --proxy-socket-connections 99999999999",
            "connect cluster-one --proxy h --alias a --skip-unavailable maybe",
            "connect cluster-one --proxy h --alias a --skip-unavailable ''",
            "connect cluster-one --proxy h --alias a --insecure --es-ca-file ca.pem",
            "connect cluster-one --proxy h --alias a --es-url",
            "disconnect cluster-one -n ns-one",
            "disconnect --ref --alias a",
            "disconnect cluster-one --alias a --insecure --es-ca-file ca.pem",
            // trust
            "trust",
            "trust nope",
            "trust add cluster-one -n ns-one",
            "trust add cluster-one --from cluster-two --ca-file ca.pem --alias a",
            "trust add cluster-one --ca-file ca.pem",
            "trust add cluster-one --from cluster-two --via nope",
            "trust add cluster-one --from cluster-two --via ''",
            "trust remove cluster-one -n ns-one",
            "trust remove cluster-one --alias a --via secret",
            "trust sync",
            "trust sync -A cluster-one",
            "trust sync -A --secret x",
            "trust sync -A --via config-map",
            "trust sync cluster-one --via 名前",
            // setup, status, sandbox
            "setup --timeout 5x",
            "setup --timeout ''",
            "setup --local cluster-one --bogus",
            "status",
            "status cluster-one --insecure --es-ca-file ca.pem",
            "sandbox",
            "sandbox nope",
            "sandbox demo extra",
            "sandbox up --bogus",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_names_and_paths_are_refused_before_anything_is_written() {
    let env = Env::start().await;
    write_garbage(&env);
    check_all(
        &env,
        "wrong_names_and_paths",
        REFUSED,
        &[
            // kube access
            "--context nope ca extract cluster-one -n ns-one",
            "--context 名前 ca extract cluster-one -n ns-one",
            "--kubeconfig /nonexistent/dir/kubeconfig ca extract cluster-one -n ns-one",
            "--kubeconfig {dir} ca extract cluster-one -n ns-one",
            // ca extract
            "ca extract nope -n ns-one",
            "ca extract '' -n ns-one",
            "ca extract clüster -n ns-one",
            "ca extract 名前 -n ns-one",
            "ca extract Cluster-One -n ns-one",
            "ca extract {long} -n ns-one",
            "ca extract cluster-one -n nope",
            "ca extract cluster-one -n 名前",
            "ca extract cluster-one -n {long}",
            "ca extract cluster-one -n ns-one --out /nonexistent/dir/x.pem",
            "ca extract cluster-one -n ns-one --out {dir}",
            // expose
            "expose nope -n ns-one --yes --no-wait",
            "expose '' -n ns-one --yes --no-wait",
            "expose clüster -n ns-one --yes --no-wait",
            "expose 名前 -n ns-one --yes --no-wait",
            "expose {long} -n ns-one --yes --no-wait",
            "expose cluster-one -n nope --yes --no-wait",
            "--context nope expose cluster-one -n ns-one --yes --no-wait",
            // status
            "status nope -n ns-one",
            "status '' -n ns-one",
            "status clüster -n ns-one",
            "status cluster-one -n 名前",
            // sandbox
            "sandbox up --kubeconfig-out {dir}",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_trust_values_are_refused_before_anything_is_written() {
    let env = Env::start().await;
    write_garbage(&env);
    let add = |extra: &str| {
        format!(
            "trust add cluster-one -n ns-one --from cluster-two --from-namespace ns-two --yes {extra}"
        )
    };
    let mut cases: Vec<String> = vec![
        add("--alias a:b"),
        add("--alias=-a"),
        add("--alias ''"),
        add("--alias clüster"),
        add("--alias 名前"),
        add("--alias 'a b'"),
        add("--alias {long}"),
        add("--mount-path /etc/x"),
        add("--mount-path relative/x"),
        add("--mount-path ''"),
        add("--mount-path /usr/share/elasticsearch/config"),
        add("--mount-path /usr/share/elasticsearch/config/"),
        add("--mount-path /usr/share/elasticsearch/config/../data"),
        add("--mount-path /usr/share/elasticsearch/config/./other"),
        add("--mount-path /usr/share/elasticsearch/config/other/.."),
        add("--mount-path /usr/share/elasticsearch/config/transport-certs"),
        add("--mount-path /usr/share/elasticsearch/config/http-certs"),
        add("--mount-path /usr/share/elasticsearch/config/http-certs/x"),
        add("--mount-path /usr/share/elasticsearch/config/elasticsearch.yml"),
        // ECK's own files and directories in the config directory
        add("--mount-path /usr/share/elasticsearch/config/transport-certs/extra"),
        add("--mount-path /usr/share/elasticsearch/config/users"),
        add("--mount-path /usr/share/elasticsearch/config/roles.yml"),
        add("--mount-path /usr/share/elasticsearch/config/users_roles"),
        add("--mount-path /usr/share/elasticsearch/config/unicast_hosts.txt"),
        add("--mount-path /usr/share/elasticsearch/config/service_tokens"),
        // volume names of ECK's own (the volume is named after the secret)
        add("--secret elasticsearch-data"),
        add("--secret elasticsearch-logs"),
        add("--secret tmp-volume"),
        add("--secret downward-api"),
        add("--secret file-settings"),
        add("--secret elastic-internal-scripts"),
        add("--secret ''"),
        add("--secret Remote_Certs"),
        add("--secret 名前"),
        add("--secret {long}"),
        add("--node-set nope"),
        add("--from-context nope"),
    ];
    cases.extend(
        [
            "trust add nope -n ns-one --from cluster-two --from-namespace ns-two --yes",
            "trust add '' -n ns-one --from cluster-two --from-namespace ns-two --yes",
            "trust add clüster -n ns-one --from cluster-two --from-namespace ns-two --yes",
            "trust add cluster-one -n nope --from cluster-two --from-namespace ns-two --yes",
            "trust add cluster-one -n ns-one --from nope --from-namespace ns-two --yes",
            "trust add cluster-one -n ns-one --from '' --from-namespace ns-two --yes",
            "trust add cluster-one -n ns-one --from 名前 --from-namespace ns-two --yes",
            "trust add cluster-one -n ns-one --from cluster-two --from-namespace nope --yes",
            "trust add cluster-one -n ns-one --from cluster-two --from-namespace '' --yes",
            "trust add cluster-one -n ns-one --from cluster-two --from-namespace clüster --yes",
            "trust add cluster-one -n ns-one --ca-file /nonexistent/dir/ca.pem --alias a --yes",
            "trust add cluster-one -n ns-one --ca-file {dir} --alias a --yes",
            "trust add cluster-one -n ns-one --ca-file {dir}/garbage.pem --alias a --yes",
            "trust add cluster-one -n ns-one --ca-file {dir}/key.pem --alias a --yes",
            "trust add cluster-one -n ns-one --ca-file {dir}/empty.pem --alias a --yes",
            "trust add cluster-one -n ns-one --ca-file {dir}/kubeconfig --alias a:b --yes",
            "trust remove cluster-one -n ns-one --alias a:b --yes",
            "trust remove cluster-one -n ns-one --alias '' --yes",
            "trust remove cluster-one -n ns-one --alias=-a --yes",
            "trust remove cluster-one -n ns-one --alias {long} --yes",
            "trust remove cluster-one -n ns-one --alias a --mount-path /etc/x --yes",
            "trust remove cluster-one -n ns-one --alias a --secret '' --yes",
            "trust sync nope -n ns-one --yes",
            "trust sync '' -n ns-one --yes",
            "trust sync clüster -n ns-one --yes",
            "trust sync cluster-one -n nope --yes",
            "trust sync cluster-one -n ns-one --secret '' --yes",
            "trust sync cluster-one -n ns-one --secret 名前 --yes",
            "--context nope trust sync -A --yes",
        ]
        .map(String::from),
    );
    check_all(&env, "wrong_trust_values", REFUSED, &cases);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_connections_are_refused_before_anything_is_written() {
    let env = Env::start().await;
    write_garbage(&env);
    let connect = |extra: &str| format!("connect cluster-one -n ns-one --yes --no-verify {extra}");
    let mut cases: Vec<String> = vec![
        connect("--proxy host:99999 --alias a"),
        connect("--proxy host:0 --alias a"),
        connect("--proxy host: --alias a"),
        connect("--proxy host:x --alias a"),
        connect("--proxy [::1 --alias a"),
        connect("--proxy [::1]x --alias a"),
        connect("--proxy [nope]:9300 --alias a"),
        connect("--proxy 'a b' --alias a"),
        connect("--proxy '' --alias a"),
        connect("--proxy :9300 --alias a"),
        connect("--proxy clüster:9300 --alias a"),
        connect("--proxy 名前 --alias a"),
        connect("--proxy https://host:9300 --alias a"),
        connect("--proxy=-host --alias a"),
        connect("--proxy host --alias a:b"),
        connect("--proxy host --alias=-a"),
        connect("--proxy host --alias ''"),
        connect("--proxy host --alias 名前"),
        connect("--proxy host --alias {long}"),
        connect("--proxy host"),
        connect("--proxy"),
        connect("--proxy host --alias a --server-name 'a b'"),
        connect("--proxy host --alias a --server-name ''"),
        connect("--proxy host --alias a --server-name 名前"),
        connect("--proxy host --alias a --es-url ftp://x"),
        connect("--proxy host --alias a --es-url 'not a url'"),
        connect("--proxy host --alias a --es-ca-file /nonexistent/dir/ca.pem"),
        connect("--proxy host --alias a --es-ca-file {dir}/garbage.pem"),
        connect("--proxy --remote nope"),
        connect("--proxy --remote ''"),
        connect("--proxy --remote cluster-two --remote-namespace nope"),
        connect("--proxy --remote cluster-two --remote-namespace ns-two --remote-context nope"),
        connect("--ref cluster-two --alias a:b"),
        connect("--ref cluster-two --remote-namespace Ns_Two"),
        connect("--ref 名前"),
    ];
    cases.extend(
        [
        "connect nope -n ns-one --proxy host --alias a --yes --no-verify",
        "connect '' -n ns-one --proxy host --alias a --yes --no-verify",
        "connect clüster -n ns-one --proxy host --alias a --yes --no-verify",
        "connect cluster-one -n nope --proxy host --alias a --yes --no-verify",
        "connect --proxy host --alias a --yes --no-verify",
        "connect --es-url ftp://x --proxy host --alias a --yes --no-verify",
        "connect --es-url http://[::1 --proxy host --alias a --yes --no-verify",
        "disconnect cluster-one -n ns-one --alias a:b --yes",
        "disconnect cluster-one -n ns-one --alias '' --yes",
        "disconnect cluster-one -n ns-one --alias 名前 --yes",
        "disconnect cluster-one -n ns-one --alias=-a --yes",
        "disconnect nope -n ns-one --alias a --yes",
        "disconnect clüster -n ns-one --alias a --yes",
        "disconnect --alias a --yes",
        "disconnect --es-url ftp://x --alias a --yes",
        "disconnect cluster-one -n ns-one --alias a --es-ca-file /nonexistent/dir/ca.pem --yes",
        // setup
        "setup --yes",
        "setup --local '' --local-namespace ns-one --remote cluster-two --remote-namespace ns-two --yes",
        "setup --local 名前 --local-namespace ns-one --remote cluster-two --remote-namespace ns-two --yes",
        "setup --local cluster-one --local-namespace ns-one --remote clüster --remote-namespace ns-two --yes",
        "setup --local cluster-one --local-namespace ns-one --remote cluster-two --remote-namespace '' --yes",
        "setup --local cluster-one --local-namespace ns-one --local-context nope --remote cluster-two --remote-namespace ns-two --yes",
        "setup --local cluster-one --local-namespace ns-one --remote cluster-two --remote-namespace ns-two --remote-context nope --yes",
        ]
        .map(String::from),
    );
    check_all(&env, "wrong_connections", REFUSED, &cases);
}

/// Cases ecr once got wrong (found by this catalogue), each with the exit code it must have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_once_wrong_are_refused() {
    let env = Env::start().await;
    write_garbage(&env);
    let ca = env.transport_ca("sandbox", "ns-two", "cluster-two");
    std::fs::write(env.dir.path().join("ca.pem"), ca).unwrap();
    // clap waives `requires` when the required flag conflicts with one given: these flags
    // are silently ignored instead of refused
    let ignored_flags = check_each(
        &env,
        USAGE,
        &[
            "connect cluster-one -n ns-one --ref cluster-two --server-name x --yes",
            "connect cluster-one -n ns-one --ref cluster-two --skip-unavailable --yes",
            "connect cluster-one -n ns-one --ref cluster-two --proxy-socket-connections 3 --yes",
            "trust add cluster-one -n ns-one --ca-file {dir}/ca.pem --alias a --mutual --yes",
            "trust add cluster-one -n ns-one --ca-file {dir}/ca.pem --alias b --from-namespace x --yes",
            "trust add cluster-one -n ns-one --ca-file {dir}/ca.pem --alias c --from-context x --yes",
        ],
    );
    let refused_badly = check_each(
        &env,
        REFUSED,
        &[
            // a kubeconfig that is not YAML: a multi-line message with a source snippet
            "--kubeconfig {dir}/garbage.pem ca extract cluster-one -n ns-one",
            // no Elasticsearch to read: exit 1 with nothing on stderr
            "status cluster-one -n ns-one --es-url ftp://x",
            "status cluster-one -n ns-one --es-ca-file /nonexistent/dir/ca.pem",
            "status cluster-one -n ns-one --es-ca-file {dir}/garbage.pem",
            // an unknown or invalid cluster: exit 0, "nothing written"
            "trust remove nope -n ns-one --alias a --yes",
            "trust remove 名前 -n ns-one --alias a --yes",
            // a line of the plan before the error
            "setup --local nope --local-namespace ns-one --remote cluster-two --remote-namespace ns-two --yes",
            "setup --local cluster-one --local-namespace nope --remote cluster-two --remote-namespace ns-two --yes",
            "setup --local cluster-one --local-namespace ns-one --remote nope --remote-namespace ns-two --yes",
            // the URL is checked only after trust and exposure are written
            "setup --local cluster-one --local-namespace ns-one --remote cluster-two --remote-namespace ns-two --remote-es-url ftp://x --yes",
            "setup --local cluster-one --local-namespace ns-one --local-es-url ftp://x --remote cluster-two --remote-namespace ns-two --yes",
            // a cluster as its own remote: exit 0, written
            "setup --local cluster-one --local-namespace ns-one --remote cluster-one --remote-namespace ns-one --yes",
        ],
    );
    let failures = [ignored_flags.failures, refused_badly.failures].concat();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let transcripts = [ignored_flags.transcripts, refused_badly.transcripts].join("\n");
    assert_catalogue_snapshot(&env, "cases_once_wrong", &transcripts);
}
