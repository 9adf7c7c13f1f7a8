//! The real suite: ecr against a real kube-apiserver on etcd, the real ECK operator and kwok
//! (tests/real/stack), started once for every scenario and stopped at the end. Each scenario
//! runs on the real stack, then on a sandbox with the same clusters, and the two records must
//! agree, but for the differences listed in `KNOWN_DIFFERENCES` (each also in the README).
//!
//! `cargo test --test real [FILTER]`; the last line is `N passed, N failed`.

mod backend;
#[path = "../common/mod.rs"]
mod common;
mod outcome;
mod scenarios;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use ecr_real_stack::{Cluster, EckOperator, Options, Stack, StackInfo};
use futures::future::BoxFuture;
use libtest_mimic::{Arguments, Failed, Trial};

use backend::Backend;
use outcome::{Outcome, differences};

type ScenarioFn = for<'a> fn(&'a Backend) -> BoxFuture<'a, anyhow::Result<Outcome>>;

struct Scenario {
    name: &'static str,
    /// `(namespace, name)` of its Elasticsearch clusters, each of one node.
    clusters: &'static [(&'static str, &'static str)],
    /// Managed by the operator that renews CAs every two minutes.
    fast_ca_renewal: bool,
    run: ScenarioFn,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "ca_extract_equals_kubectl",
        clusters: &[("extract-one", "cluster-one")],
        fast_ca_renewal: false,
        run: |b| Box::pin(scenarios::ca_extract(b)),
    },
    Scenario {
        name: "trust_add_mutual_rendered_by_eck",
        clusters: &[
            ("mutual-one", "cluster-one"),
            ("mutual-two", "cluster-two"),
            ("mutual-three", "cluster-three"),
        ],
        fast_ca_renewal: false,
        run: |b| Box::pin(scenarios::trust_add_mutual(b)),
    },
    Scenario {
        name: "trust_via_config_map_published_by_eck",
        clusters: &[("cm-one", "cluster-one"), ("cm-two", "cluster-two")],
        fast_ca_renewal: false,
        run: |b| Box::pin(scenarios::trust_via_config_map(b)),
    },
    Scenario {
        name: "expose_prints_the_balancer_address",
        clusters: &[("expose-one", "cluster-one")],
        fast_ca_renewal: false,
        run: |b| Box::pin(scenarios::expose(b)),
    },
    Scenario {
        name: "rbac_denials_are_named",
        clusters: &[
            ("rbac-one", "cluster-one"),
            ("rbac-two", "cluster-two"),
            ("rbac-nothing", "cluster-one"),
        ],
        fast_ca_renewal: false,
        run: |b| Box::pin(scenarios::rbac(b)),
    },
    Scenario {
        name: "conflicting_write_is_re_planned",
        clusters: &[
            ("conflict-one", "cluster-one"),
            ("conflict-two", "cluster-two"),
        ],
        fast_ca_renewal: false,
        run: |b| Box::pin(scenarios::conflict(b)),
    },
    Scenario {
        name: "wrong_names_are_explained",
        clusters: &[("errors-one", "cluster-one")],
        fast_ca_renewal: false,
        run: |b| Box::pin(scenarios::wrong_names(b)),
    },
    Scenario {
        name: "trust_sync_after_eck_renews_a_ca",
        clusters: &[
            ("rotation-one", "cluster-one"),
            ("rotation-two", "cluster-two"),
        ],
        fast_ca_renewal: true,
        run: |b| Box::pin(scenarios::ca_rotation(b)),
    },
];

/// Differences between the real stack and the sandbox that are understood and kept:
/// `(scenario, observation, why)`.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // The scenarios mostly wait for ECK: more of them at once than there are cores.
    args.test_threads.get_or_insert(4);
    let selected: Vec<&'static Scenario> = SCENARIOS
        .iter()
        .filter(|s| args.filter.as_deref().is_none_or(|f| s.name.contains(f)))
        .collect();
    if args.list || selected.is_empty() {
        return libtest_mimic::run(&args, trials(&selected, None)).exit_code();
    }
    let stack = match start_stack(&selected) {
        Ok(stack) => stack,
        Err(error) => {
            eprintln!("error: the real stack did not start: {error:#}");
            println!("0 passed, {} failed", selected.len());
            return ExitCode::FAILURE;
        }
    };
    let info = Arc::new(stack.info.clone());
    let conclusion = libtest_mimic::run(&args, trials(&selected, Some(info)));
    if conclusion.has_failed() {
        eprintln!("the stack's logs: {}", stack.info.logs.display());
    }
    let dir = stack.info.dir.clone();
    stack.stop();
    if !conclusion.has_failed() {
        let _ = std::fs::remove_dir_all(dir);
    }
    println!(
        "{} passed, {} failed",
        conclusion.num_passed, conclusion.num_failed
    );
    conclusion.exit_code()
}

fn trials(selected: &[&'static Scenario], info: Option<Arc<StackInfo>>) -> Vec<Trial> {
    selected
        .iter()
        .map(|&scenario| {
            let info = info.clone();
            Trial::test(scenario.name, move || {
                let info = info.ok_or("the real stack is not running")?;
                run_trial(scenario, &info)
            })
        })
        .collect()
}

/// The stack with one operator for every scenario's namespaces, and a second one renewing
/// the CAs of its own namespaces every two minutes (ECK renews a CA once `now` passes
/// `NotAfter - ca-cert-rotate-before`: cloud-on-k8s v3.5.0
/// pkg/controller/common/certificates/ca_reconcile.go); then every scenario's clusters, Ready.
fn start_stack(selected: &[&Scenario]) -> anyhow::Result<Stack> {
    let namespaces = |fast: bool| -> Vec<String> {
        let mut names: Vec<String> = selected
            .iter()
            .filter(|s| s.fast_ca_renewal == fast)
            .flat_map(|s| {
                s.clusters
                    .iter()
                    .map(|(namespace, _)| namespace.to_string())
            })
            .collect();
        names.dedup();
        names
    };
    let mut operators = vec![EckOperator {
        namespace: "elastic-system".into(),
        managed_namespaces: namespaces(false),
        args: Vec::new(),
    }];
    let renewing = namespaces(true);
    if !renewing.is_empty() {
        operators.push(EckOperator {
            namespace: "elastic-renewing".into(),
            managed_namespaces: renewing,
            args: vec![
                "--ca-cert-validity=6m".into(),
                "--ca-cert-rotate-before=4m".into(),
            ],
        });
    }
    let real_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/real"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("real-stack-{}", std::process::id()));
    let clusters = selected
        .iter()
        .flat_map(|s| s.clusters.iter())
        .map(|(namespace, name)| Cluster::empty(namespace, name))
        .collect();
    Stack::start(Options {
        real_dir,
        dir,
        operators,
        clusters,
    })
}

/// The scenario on the real stack, then on a sandbox, and the comparison of the two.
fn run_trial(scenario: &Scenario, info: &StackInfo) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let real = Backend::real(info).await.map_err(|e| format!("{e:#}"))?;
        let namespaces = backend::namespaces(&real.client)
            .await
            .map_err(|e| format!("{e:#}"))?;
        let clusters: Vec<(String, String)> = scenario
            .clusters
            .iter()
            .map(|(namespace, name)| (namespace.to_string(), name.to_string()))
            .collect();
        for (namespace, name) in &clusters {
            real.settle(namespace, name)
                .await
                .map_err(|e| format!("{e:#}"))?;
        }
        let real = (scenario.run)(&real)
            .await
            .map_err(|e| format!("on the real stack: {e:#}"))?;
        let sandbox = Backend::sandbox(&clusters, &namespaces)
            .await
            .map_err(|e| format!("{e:#}"))?;
        let sandbox = (scenario.run)(&sandbox)
            .await
            .map_err(|e| format!("on the sandbox (the real stack passed): {e:#}"))?;
        let unexplained: Vec<String> = differences(&real, &sandbox)
            .into_iter()
            .filter(|(key, _, _)| {
                !KNOWN_DIFFERENCES
                    .iter()
                    .any(|(s, k, _)| *s == scenario.name && k == key)
            })
            .map(|(key, real, sandbox)| format!("{key}:\n  real:    {real}\n  sandbox: {sandbox}"))
            .collect();
        if unexplained.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the sandbox differs from the real stack:\n{}",
                unexplained.join("\n")
            )
            .into())
        }
    })
}
