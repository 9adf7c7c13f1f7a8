//! The real suite, part 2: the whole recipe against real Elasticsearch nodes behind ECK's pods
//! (tests/real/stack, its kubelet), on each pinned version: one stack per version, its clusters
//! shared out to the scenarios, stopped before the next version's starts.
//!
//! `cargo test --test real-nodes [FILTER]` (e.g. `9.5.4::setup`); the last line is
//! `N passed, N failed`.

#[path = "../../common/mod.rs"]
mod common;
mod nodes;
mod outside;
mod scenarios;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use ecr_real_stack::{Cluster, ELASTICSEARCH_VERSIONS, EckOperator, Options, Stack, StackInfo};
use futures::future::BoxFuture;
use libtest_mimic::{Arguments, Conclusion, Trial};

use nodes::Nodes;

type ScenarioFn = for<'a> fn(&'a Nodes) -> BoxFuture<'a, anyhow::Result<()>>;

struct Scenario {
    name: &'static str,
    /// Its two clusters' namespaces (each cluster is named after its position: `cluster-one`,
    /// `cluster-two`).
    namespaces: [&'static str; 2],
    /// Whether the second is an ECK cluster that the stack starts, or an Elasticsearch outside
    /// ECK that the scenario starts itself ([`outside`]).
    second: Second,
    /// The operator that manages its namespaces.
    operator: Operator,
    run: ScenarioFn,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "recipe_by_hand_connects_both_ways",
        second: Second::Eck,
        namespaces: ["recipe-one", "recipe-two"],
        operator: Operator::Default,
        run: |n| Box::pin(scenarios::recipe_by_hand(n)),
    },
    Scenario {
        name: "setup_connects_both_ways_with_one_restart_each",
        second: Second::Eck,
        namespaces: ["setup-one", "setup-two"],
        operator: Operator::Default,
        run: |n| Box::pin(scenarios::setup_both_ways(n)),
    },
    Scenario {
        name: "a_missing_trust_is_diagnosed_and_the_link_proven_once_trusted",
        second: Second::Eck,
        namespaces: ["steps-one", "steps-two"],
        operator: Operator::Default,
        run: |n| Box::pin(scenarios::step_by_step(n)),
    },
    Scenario {
        name: "trust_sync_heals_a_real_ca_rotation_without_a_restart",
        second: Second::Eck,
        namespaces: ["rotation-one", "rotation-two"],
        operator: Operator::FastCaRenewal,
        run: |n| Box::pin(scenarios::ca_rotation(n)),
    },
    Scenario {
        name: "connect_by_api_key_searches_the_remote_with_one_restart_each",
        second: Second::Eck,
        namespaces: ["apikey-one", "apikey-two"],
        operator: Operator::EnterpriseTrial,
        run: |n| Box::pin(scenarios::api_key_link(n)),
    },
    Scenario {
        name: "connect_by_api_key_to_elasticsearch_outside_eck",
        namespaces: ["outside-one", "outside-two"],
        second: Second::OutsideEck,
        operator: Operator::EnterpriseTrial,
        run: |n| Box::pin(scenarios::api_key_link_outside_eck(n)),
    },
];

impl Scenario {
    /// The namespaces of its ECK clusters.
    fn eck_namespaces(&self) -> impl Iterator<Item = &'static str> {
        let count = match self.second {
            Second::Eck => 2,
            Second::OutsideEck => 1,
        };
        self.namespaces.into_iter().take(count)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Second {
    Eck,
    OutsideEck,
}

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // The scenarios mostly wait for ECK and Elasticsearch.
    args.test_threads.get_or_insert(4);
    let mut total = Conclusion {
        num_filtered_out: 0,
        num_passed: 0,
        num_failed: 0,
        num_ignored: 0,
        num_measured: 0,
    };
    for version in ELASTICSEARCH_VERSIONS {
        let selected: Vec<&'static Scenario> = SCENARIOS
            .iter()
            .filter(|s| {
                let name = trial_name(version, s);
                args.filter.as_deref().is_none_or(|f| name.contains(f))
            })
            .collect();
        if args.list {
            let _ = libtest_mimic::run(&args, trials(version, &selected, None));
            continue;
        }
        if selected.is_empty() {
            continue;
        }
        let conclusion = match start_stack(version, &selected) {
            Ok(stack) => {
                let info = Arc::new(stack.info.clone());
                let conclusion = libtest_mimic::run(&args, trials(version, &selected, Some(info)));
                if conclusion.has_failed() {
                    eprintln!("the {version} stack's logs: {}", stack.info.logs.display());
                }
                let dir = stack.info.dir.clone();
                stack.stop();
                if !conclusion.has_failed() {
                    let _ = std::fs::remove_dir_all(dir);
                }
                conclusion
            }
            Err(error) => {
                eprintln!(
                    "error: the real stack with Elasticsearch {version} did not start: {error:#}"
                );
                Conclusion {
                    num_failed: selected.len() as u64,
                    ..total
                }
            }
        };
        total.num_passed += conclusion.num_passed;
        total.num_failed += conclusion.num_failed;
    }
    println!("{} passed, {} failed", total.num_passed, total.num_failed);
    if total.num_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn trial_name(version: &str, scenario: &Scenario) -> String {
    format!("{version}::{}", scenario.name)
}

fn trials(
    version: &'static str,
    selected: &[&'static Scenario],
    info: Option<Arc<StackInfo>>,
) -> Vec<Trial> {
    selected
        .iter()
        .map(|&scenario| {
            let info = info.clone();
            Trial::test(trial_name(version, scenario), move || {
                let info = info.ok_or("the real stack is not running")?;
                run_trial(scenario, version, &info).map_err(|e| format!("{e:#}").into())
            })
        })
        .collect()
}

/// The operators of the stack, each managing the namespaces of its scenarios.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Operator {
    Default,
    /// Renews the CAs of its clusters every two minutes (cloud-on-k8s v3.5.0
    /// pkg/controller/common/certificates/ca_reconcile.go).
    FastCaRenewal,
    /// Where a scenario may start ECK's enterprise trial, which licenses every cluster this
    /// operator manages, and no other ([`scenarios::ECK_TRIAL_NAMESPACE`]).
    EnterpriseTrial,
}

impl Operator {
    const ALL: [Operator; 3] = [
        Operator::Default,
        Operator::FastCaRenewal,
        Operator::EnterpriseTrial,
    ];

    fn namespace(self) -> &'static str {
        match self {
            Operator::Default => "elastic-system",
            Operator::FastCaRenewal => "elastic-renewing",
            Operator::EnterpriseTrial => scenarios::ECK_TRIAL_NAMESPACE,
        }
    }

    fn args(self) -> Vec<String> {
        match self {
            Operator::FastCaRenewal => vec![
                "--ca-cert-validity=6m".into(),
                "--ca-cert-rotate-before=4m".into(),
            ],
            Operator::Default | Operator::EnterpriseTrial => Vec::new(),
        }
    }
}

/// The operators the selected scenarios need; every cluster runs Elasticsearch `version`.
fn start_stack(version: &str, selected: &[&Scenario]) -> anyhow::Result<Stack> {
    let mut operators = Vec::new();
    for operator in Operator::ALL {
        let managed: Vec<String> = selected
            .iter()
            .filter(|s| s.operator == operator)
            .flat_map(|s| s.eck_namespaces().map(str::to_string))
            .collect();
        if managed.is_empty() {
            continue;
        }
        operators.push(EckOperator {
            namespace: operator.namespace().into(),
            managed_namespaces: managed,
            args: operator.args(),
        });
    }
    let clusters = selected
        .iter()
        .flat_map(|s| {
            s.eck_namespaces()
                .zip(["cluster-one", "cluster-two"])
                .map(|(namespace, name)| Cluster::running(namespace, name, version))
        })
        .collect();
    Stack::start(Options {
        real_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/real")),
        dir: PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("real-nodes-{version}-{}", std::process::id())),
        operators,
        clusters,
    })
}

fn run_trial(scenario: &Scenario, version: &str, info: &StackInfo) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let nodes = Nodes::new(info, version, scenario.namespaces).await?;
        (scenario.run)(&nodes).await
    })
}
