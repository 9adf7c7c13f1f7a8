//! The benchmark on the real components: ECK's recipe done by hand with kubectl and curl
//! (`tests/real/nodes/recipe.sh`, the real suite's reference) against ecr, on the real stack
//! of `tests/real` with a real Elasticsearch node behind each cluster's pod. Started by
//! `bench/run --real [VERSION]`; prints a Markdown report on stdout, its progress on stderr.
//!
//! Each flow connects a pair of clusters of its own both ways, one flow after the other on one
//! stack, so that they do not compete for the machine. Measured for each:
//! - wall time and peak RSS of the flow's client processes (GNU time);
//! - the API requests that the API server's audit log attributes to the flow's clients (by
//!   user agent: `kubectl/` for the recipe, `ecr/` for ecr) while the flow ran;
//! - the HTTP requests Elasticsearch counted for those clients (`curl/`, `ecr/`) on both
//!   clusters;
//! - the rolling restarts, from the StatefulSet controller's events.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::ensure;
use ecr_real_stack::observe::{self, ClusterRef};
use ecr_real_stack::{
    Cluster, ELASTICSEARCH_VERSION, EckOperator, HEAP, Options, Stack, StackInfo,
};
use time::OffsetDateTime;

mod measure;
use measure::{Measured, ecr_binary, measure, mib, ms, ratio};

const CLUSTERS: [&str; 2] = ["cluster-one", "cluster-two"];
/// How long ecr may wait for ECK's rolling restarts and for a link here (two busy cores).
const WAIT: &str = "10m";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Recipe,
    Setup,
    Steps,
}

impl Flow {
    const ALL: [Flow; 3] = [Flow::Recipe, Flow::Setup, Flow::Steps];

    fn label(self) -> &'static str {
        match self {
            Flow::Recipe => "recipe: kubectl + curl (`tests/real/nodes/recipe.sh`)",
            Flow::Setup => "`ecr setup`",
            Flow::Steps => "ecr step by step (`trust add --mutual`, `expose` ×2, `connect` ×2)",
        }
    }

    /// The namespaces of the flow's two clusters.
    fn namespaces(self) -> [String; 2] {
        let flow = match self {
            Flow::Recipe => "recipe",
            Flow::Setup => "setup",
            Flow::Steps => "steps",
        };
        [format!("bench-{flow}-one"), format!("bench-{flow}-two")]
    }

    /// The user agent of the flow's clients, to the API server and to Elasticsearch.
    fn agents(self) -> (&'static str, &'static str) {
        match self {
            Flow::Recipe => ("kubectl/", "curl/"),
            Flow::Setup | Flow::Steps => (ecr::USER_AGENT, ecr::USER_AGENT),
        }
    }
}

/// One flow, measured.
struct FlowRun {
    flow: Flow,
    wall: Duration,
    max_rss_kib: u64,
    api_requests: usize,
    es_requests: u64,
    restarts: i32,
}

struct Bench {
    version: String,
    info: StackInfo,
    client: kube::Client,
    ecr: PathBuf,
    kube_cache: tempfile::TempDir,
}

fn main() -> anyhow::Result<()> {
    let version = std::env::args()
        .nth(1)
        .unwrap_or_else(|| ELASTICSEARCH_VERSION.to_string());
    let ecr = ecr_binary()?;
    let stack = start_stack(&version)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let bench = Bench {
        version,
        client: runtime.block_on(ecr_real_stack::kube::client(&stack.info.admin_kubeconfig))?,
        info: stack.info.clone(),
        ecr,
        kube_cache: tempfile::tempdir()?,
    };
    // kubectl caches API discovery for hours, so an operator's kubectl rarely asks for it.
    measure(bench.kubectl().arg("api-resources"))?;
    let mut runs = Vec::new();
    for flow in Flow::ALL {
        eprintln!("flow: {}", flow.label());
        runs.push(runtime.block_on(bench.run(flow))?);
    }
    print!("{}", bench.report(&runs));
    let dir = stack.info.dir.clone();
    stack.stop();
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// One operator for every flow's namespaces, and every flow's pair of clusters running.
fn start_stack(version: &str) -> anyhow::Result<Stack> {
    let namespaces: Vec<String> = Flow::ALL.iter().flat_map(|f| f.namespaces()).collect();
    let clusters = Flow::ALL
        .iter()
        .flat_map(|flow| {
            let [one, two] = flow.namespaces();
            [
                Cluster::running(&one, CLUSTERS[0], version),
                Cluster::running(&two, CLUSTERS[1], version),
            ]
        })
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Stack::start(Options {
        real_dir: root.join("tests/real"),
        dir: root.join(format!("target/real/bench-{}", std::process::id())),
        operators: vec![EckOperator {
            namespace: "elastic-system".into(),
            managed_namespaces: namespaces,
            args: Vec::new(),
        }],
        clusters,
    })
}

impl Bench {
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env("KUBECONFIG", &self.info.admin_kubeconfig)
            .env("KUBECACHEDIR", self.kube_cache.path())
            .env("NO_COLOR", "1");
        command
    }

    fn kubectl(&self) -> Command {
        self.command(Path::new("kubectl"))
    }

    /// Runs the flow's commands one after the other, then counts what they asked for.
    async fn run(&self, flow: Flow) -> anyhow::Result<FlowRun> {
        let started = OffsetDateTime::now_utc();
        let mut wall = Duration::ZERO;
        let mut max_rss_kib = 0;
        for command in self.commands(flow) {
            let Measured {
                wall: took,
                max_rss_kib: rss,
                stdout,
            } = measure(&command)?;
            // What the flow printed, as progress: the plans and the proofs.
            eprint!("{stdout}");
            wall += took;
            max_rss_kib = max_rss_kib.max(rss);
        }
        let ended = OffsetDateTime::now_utc();
        let namespaces = flow.namespaces();
        let pair: [ClusterRef; 2] = [(&namespaces[0], CLUSTERS[0]), (&namespaces[1], CLUSTERS[1])];
        let (api_agent, es_agent) = flow.agents();
        let mut es_requests = 0;
        let mut restarts = 0;
        for (cluster, other) in pair.iter().zip(CLUSTERS.iter().rev()) {
            let connected =
                observe::connected(&self.client, &self.info.admin_kubeconfig, *cluster, other)
                    .await?;
            ensure!(
                connected,
                "after {}, {cluster:?} is not connected to {other}",
                flow.label()
            );
            es_requests += observe::elasticsearch_requests(
                &self.client,
                &self.info.admin_kubeconfig,
                *cluster,
                es_agent,
                started,
            )
            .await?;
            restarts += observe::restarts(&self.client, *cluster).await?;
        }
        Ok(FlowRun {
            flow,
            wall,
            max_rss_kib,
            api_requests: observe::api_requests(&self.info.audit_log, api_agent, started, ended)?,
            es_requests,
            restarts,
        })
    }

    fn commands(&self, flow: Flow) -> Vec<Command> {
        let [one, two] = flow.namespaces();
        match flow {
            Flow::Recipe => {
                let script =
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real/nodes/recipe.sh");
                let mut recipe = self.command(&script);
                recipe
                    .env("NS1", &one)
                    .env("ES1", CLUSTERS[0])
                    .env("NS2", &two)
                    .env("ES2", CLUSTERS[1])
                    .env("VERSION", &self.version)
                    .env("HEAP", HEAP);
                vec![recipe]
            }
            Flow::Setup => vec![self.ecr(&[
                "setup",
                "--local",
                CLUSTERS[0],
                "--local-namespace",
                &one,
                "--remote",
                CLUSTERS[1],
                "--remote-namespace",
                &two,
                &format!("--roll-timeout={WAIT}"),
                "--yes",
            ])],
            Flow::Steps => {
                let sides = [(&one, CLUSTERS[0]), (&two, CLUSTERS[1])];
                let mut steps = vec![self.ecr(&[
                    "trust",
                    "add",
                    CLUSTERS[0],
                    "-n",
                    &one,
                    "--mutual",
                    "--from",
                    CLUSTERS[1],
                    "--from-namespace",
                    &two,
                    "--yes",
                ])];
                for (namespace, cluster) in sides {
                    steps.push(self.ecr(&["expose", cluster, "-n", namespace, "--yes"]));
                }
                for (side, (namespace, cluster)) in sides.iter().enumerate() {
                    let (remote_namespace, remote) = sides[1 - side];
                    steps.push(self.ecr(&[
                        "connect",
                        cluster,
                        "-n",
                        namespace,
                        "--proxy",
                        "--remote",
                        remote,
                        "--remote-namespace",
                        remote_namespace,
                        &format!("--timeout={WAIT}"),
                        "--yes",
                    ]));
                }
                steps
            }
        }
    }

    fn ecr(&self, args: &[&str]) -> Command {
        let mut command = self.command(&self.ecr);
        command.args(args);
        command
    }

    fn report(&self, runs: &[FlowRun]) -> String {
        let recipe = runs
            .iter()
            .find(|run| run.flow == Flow::Recipe)
            .map_or(Duration::from_secs(1), |run| run.wall);
        let mut out = format!(
            "### On the real components: Elasticsearch {}, one node per cluster, each flow once\n\n\
             | flow | wall | ratio | API requests | Elasticsearch requests | rolling restarts | peak RSS |\n\
             |---|---:|---:|---:|---:|---:|---:|\n",
            self.version
        );
        for run in runs {
            out += &format!(
                "| {} | {} | {:.2}x | {} | {} | {} | {} |\n",
                run.flow.label(),
                ms(run.wall),
                ratio(run.wall, recipe),
                run.api_requests,
                run.es_requests,
                run.restarts,
                mib(run.max_rss_kib),
            );
        }
        out
    }
}
