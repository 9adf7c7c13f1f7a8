//! The benchmark: ecr against the manual recipe of ECK's documentation (kubectl and curl), on
//! one sandbox, in one run. Started by `bench/run`, which builds ecr first; prints a Markdown
//! report on stdout and its progress on stderr.
//!
//! - `ca extract`: ecr and kubectl's go-template, interleaved, medians and their ratio.
//! - The two-way flow: `bench/recipe.sh`, `ecr setup`, and ecr's step-by-step commands, each on
//!   a fresh pair of clusters (one namespace per run, in two kube contexts), interleaved.
//!   Wall time, requests the API servers and Elasticsearch answered, rolling restarts.
//! - ecr's peak RSS (the largest of all its runs) and the release binary's size.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use ecr::sandbox::{ElasticsearchSpec, KubeClusterSpec, Sandbox, SandboxSpec};
use serde_json::{Value, json};

mod measure;
use measure::{Measured, ecr_binary, measure, mib, ms, ratio};

const EXTRACT_PAIRS: usize = 21;
const FLOW_ROUNDS: usize = 5;
const CONTEXTS: [&str; 2] = ["sandbox-one", "sandbox-two"];
const CLUSTERS: [&str; 2] = ["cluster-one", "cluster-two"];

// Targets of issue #9.
const EXTRACT_RATIO_TARGET: f64 = 0.25;
const FLOW_RATIO_TARGET: f64 = 0.5;
const RSS_TARGET_MIB: f64 = 40.0;

/// How each flow reaches Elasticsearch: the recipe curls the URL the sandbox serves (the docs
/// port-forward, which the sandbox emulates for kube-rs only), and so does ecr, except in
/// `SetupPortForward`, which shows ecr's default, a port-forward through the API server.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flow {
    Recipe,
    Setup,
    SetupPortForward,
    Steps,
}

impl Flow {
    const ALL: [Flow; 4] = [
        Flow::Recipe,
        Flow::Setup,
        Flow::SetupPortForward,
        Flow::Steps,
    ];

    fn label(self) -> &'static str {
        match self {
            Flow::Recipe => "recipe: kubectl + curl (`bench/recipe.sh`)",
            Flow::Setup => "`ecr setup --local-es-url ... --remote-es-url ...`",
            Flow::SetupPortForward => "`ecr setup` through port-forwards (its default)",
            Flow::Steps => {
                "ecr step by step (`trust add --mutual`, `expose` ×2, `connect --es-url` ×2)"
            }
        }
    }

    /// The namespace holding this flow's pair of clusters in a round, in both contexts.
    fn namespace(self, round: usize) -> String {
        let flow = match self {
            Flow::Recipe => "recipe",
            Flow::Setup => "setup",
            Flow::SetupPortForward => "forward",
            Flow::Steps => "steps",
        };
        format!("{flow}-{round}")
    }
}

/// One run of a flow.
struct FlowRun {
    wall: Duration,
    api_requests: usize,
    es_requests: usize,
    restarts: u32,
    max_rss_kib: u64,
}

struct Bench {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    ecr: PathBuf,
    /// The largest RSS of any ecr run.
    ecr_max_rss_kib: Cell<u64>,
    /// `--requests`: list every request of each flow on stderr.
    show_requests: bool,
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let sandbox = runtime.block_on(Sandbox::start(spec()))?;
    let dir = tempfile::tempdir()?;
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig)?;
    let ecr = ecr_binary()?;
    let bench = Bench {
        sandbox,
        dir,
        kubeconfig,
        ecr,
        ecr_max_rss_kib: Cell::new(0),
        show_requests: std::env::args().any(|arg| arg == "--requests"),
    };
    bench.warm_kubectl_cache()?;
    let extract = bench.extract()?;
    let flows = bench.flows()?;
    print!("{}", bench.report(&extract, &flows)?);
    Ok(())
}

/// Two kube contexts; each round of each flow has its own namespace, with `cluster-one` in
/// `sandbox-one` and `cluster-two` in `sandbox-two`.
fn spec() -> SandboxSpec {
    let clusters = |name: &str| {
        (1..=FLOW_ROUNDS)
            .flat_map(|round| Flow::ALL.map(|flow| flow.namespace(round)))
            .map(|namespace| ElasticsearchSpec::new(&namespace, name))
            .collect()
    };
    SandboxSpec {
        kube_clusters: CONTEXTS
            .iter()
            .zip(CLUSTERS)
            .map(|(context, name)| KubeClusterSpec::new(context, clusters(name)))
            .collect(),
    }
}

impl Bench {
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.dir.path().join("kube-cache"))
            .env("NO_COLOR", "1");
        command
    }

    fn kubectl(&self) -> Command {
        self.command(Path::new("kubectl"))
    }

    fn run_ecr<S: AsRef<str>>(&self, args: &[S]) -> anyhow::Result<Measured> {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        let measured = measure(self.command(&self.ecr).args(&args))
            .with_context(|| format!("ecr {}", args.join(" ")))?;
        self.ecr_max_rss_kib
            .set(self.ecr_max_rss_kib.get().max(measured.max_rss_kib));
        Ok(measured)
    }

    /// kubectl caches API discovery for hours, so an operator's kubectl rarely asks for it:
    /// fill the cache first, out of the measurements.
    fn warm_kubectl_cache(&self) -> anyhow::Result<()> {
        for context in CONTEXTS {
            measure(self.kubectl().args(["--context", context, "api-resources"]))?;
        }
        Ok(())
    }

    /// Interleaved pairs, each in turn first; the outputs must be the same PEM.
    fn extract(&self) -> anyhow::Result<Vec<(Duration, Duration)>> {
        eprintln!("ca extract: {EXTRACT_PAIRS} interleaved pairs");
        let namespace = Flow::Recipe.namespace(1);
        let secret = format!("{}-es-transport-certs-public", CLUSTERS[0]);
        let template = r#"go-template={{index .data "ca.crt" | base64decode}}"#;
        let mut pairs = Vec::new();
        for pair in 0..EXTRACT_PAIRS {
            let kubectl = || {
                measure(self.kubectl().args([
                    "--context",
                    CONTEXTS[0],
                    "-n",
                    &namespace,
                    "get",
                    "secret",
                    &secret,
                    "-o",
                    template,
                ]))
            };
            let ecr_args = [
                "--context",
                CONTEXTS[0],
                "-n",
                &namespace,
                "ca",
                "extract",
                CLUSTERS[0],
            ];
            let (by_kubectl, by_ecr) = if pair % 2 == 0 {
                let by_kubectl = kubectl()?;
                (by_kubectl, self.run_ecr(&ecr_args)?)
            } else {
                let by_ecr = self.run_ecr(&ecr_args)?;
                (kubectl()?, by_ecr)
            };
            ensure!(
                by_kubectl.stdout == by_ecr.stdout,
                "ecr ca extract and kubectl printed different CAs"
            );
            pairs.push((by_kubectl.wall, by_ecr.wall));
        }
        Ok(pairs)
    }

    /// Every flow once per round, in a rotating order.
    fn flows(&self) -> anyhow::Result<Vec<(Flow, FlowRun)>> {
        let mut runs = Vec::new();
        for round in 1..=FLOW_ROUNDS {
            for index in 0..Flow::ALL.len() {
                let flow = Flow::ALL[(index + round) % Flow::ALL.len()];
                eprintln!("round {round}/{FLOW_ROUNDS}: {}", flow.label());
                runs.push((flow, self.flow(flow, round)?));
            }
        }
        Ok(runs)
    }

    fn flow(&self, flow: Flow, round: usize) -> anyhow::Result<FlowRun> {
        let namespace = flow.namespace(round);
        let api_before = self.api_requests();
        let measured = match flow {
            Flow::Recipe => measure(&self.recipe(&namespace)?)?,
            Flow::Setup => {
                let urls = self.es_urls(&namespace)?;
                self.run_ecr(&setup_args(&namespace, Some(&urls)))?
            }
            Flow::SetupPortForward => self.run_ecr(&setup_args(&namespace, None))?,
            Flow::Steps => self.ecr_steps(&namespace)?,
        };
        let mut es_requests = 0;
        let mut restarts = 0;
        let mut journal = Vec::new();
        for (context, name) in CONTEXTS.iter().zip(CLUSTERS) {
            let api = self.sandbox.api(context);
            journal.extend(
                api.requests()[api_before[context]..]
                    .iter()
                    .map(|r| format!("{context} {} {} {}", r.status, r.method, r.path)),
            );
            let endpoint = self
                .sandbox
                .elasticsearch(context, &namespace, name)
                .context("the pair's Elasticsearch")?;
            let es = endpoint.handle.requests();
            journal.extend(
                es.iter()
                    .map(|r| format!("{name} {} {} {}", r.status, r.method, r.path)),
            );
            es_requests += es.len();
            restarts += self.sandbox.api(context).rolling_restarts(&namespace, name);
            let remote = CLUSTERS.iter().find(|other| **other != name).unwrap();
            ensure!(
                endpoint.handle.persistent_settings()[format!("cluster.remote.{remote}.mode")]
                    == "proxy",
                "{:?} left {name} without the remote {remote}",
                flow
            );
        }
        if self.show_requests {
            eprintln!("{}", journal.join("\n"));
        }
        Ok(FlowRun {
            wall: measured.wall,
            api_requests: journal.len() - es_requests,
            es_requests,
            restarts,
            max_rss_kib: measured.max_rss_kib,
        })
    }

    /// How many requests each API server has answered so far.
    fn api_requests(&self) -> HashMap<&'static str, usize> {
        CONTEXTS
            .iter()
            .map(|context| (*context, self.sandbox.api(context).requests().len()))
            .collect()
    }

    /// The URL the sandbox serves each Elasticsearch of the pair at.
    fn es_urls(&self, namespace: &str) -> anyhow::Result<[String; 2]> {
        let url = |side: usize| {
            self.sandbox
                .elasticsearch(CONTEXTS[side], namespace, CLUSTERS[side])
                .map(|endpoint| endpoint.url)
                .context("the Elasticsearch endpoint")
        };
        Ok([url(0)?, url(1)?])
    }

    /// `bench/recipe.sh` with its environment: the edited manifests and the Elasticsearch URLs.
    fn recipe(&self, namespace: &str) -> anyhow::Result<Command> {
        let work = self.dir.path().join(namespace);
        std::fs::create_dir_all(&work)?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/recipe.sh");
        let mut command = self.command(&script);
        command.env("WORK", &work);
        let urls = self.es_urls(namespace)?;
        for side in 0..2 {
            let (context, name, prefix) = (CONTEXTS[side], CLUSTERS[side], ["ONE", "TWO"][side]);
            let resource = self
                .sandbox
                .api(context)
                .get_object(
                    "elasticsearch.k8s.elastic.co",
                    "elasticsearches",
                    Some(namespace),
                    name,
                )
                .context("the Elasticsearch resource")?;
            let manifest = work.join(format!("{name}.json"));
            std::fs::write(&manifest, edited_manifest(&resource)?.to_string())?;
            command
                .env(format!("{prefix}_CONTEXT"), context)
                .env(format!("{prefix}_NAMESPACE"), namespace)
                .env(format!("{prefix}_NAME"), name)
                .env(format!("{prefix}_MANIFEST"), &manifest)
                .env(format!("{prefix}_ES_URL"), &urls[side]);
        }
        Ok(command)
    }

    /// The commands of the recipe's steps, one ecr run each; their times and peaks combined.
    fn ecr_steps(&self, namespace: &str) -> anyhow::Result<Measured> {
        let mut total = Measured {
            wall: Duration::ZERO,
            max_rss_kib: 0,
            stdout: String::new(),
        };
        for args in steps_args(namespace, &self.es_urls(namespace)?) {
            let step = self.run_ecr(&args)?;
            total.wall += step.wall;
            total.max_rss_kib = total.max_rss_kib.max(step.max_rss_kib);
        }
        Ok(total)
    }

    fn report(
        &self,
        extract: &[(Duration, Duration)],
        flows: &[(Flow, FlowRun)],
    ) -> anyhow::Result<String> {
        let kubectl_extract = median(extract.iter().map(|pair| pair.0));
        let ecr_extract = median(extract.iter().map(|pair| pair.1));
        let extract_ratio = ratio(ecr_extract, kubectl_extract);
        let mut out = format!(
            "### `ca extract` ({EXTRACT_PAIRS} interleaved pairs, medians)\n\n\
             | command | wall | ratio |\n|---|---:|---:|\n\
             | `kubectl get secret ... -o go-template=...` | {} | |\n\
             | `ecr ca extract` | {} | {extract_ratio:.3}x |\n\n",
            ms(kubectl_extract),
            ms(ecr_extract),
        );
        out += &format!(
            "### The whole flow, both ways ({FLOW_ROUNDS} rounds, interleaved, medians)\n\n\
             | flow | wall | ratio | API requests | Elasticsearch requests | rolling restarts | peak RSS |\n\
             |---|---:|---:|---:|---:|---:|---:|\n"
        );
        let recipe_wall = median(runs(flows, Flow::Recipe).map(|run| run.wall));
        let mut summaries = Vec::new();
        for flow in Flow::ALL {
            let wall = median(runs(flows, flow).map(|run| run.wall));
            let api = median(runs(flows, flow).map(|run| run.api_requests));
            let es = median(runs(flows, flow).map(|run| run.es_requests));
            let restarts = median(runs(flows, flow).map(|run| run.restarts));
            let rss = runs(flows, flow)
                .map(|run| run.max_rss_kib)
                .max()
                .unwrap_or(0);
            out += &format!(
                "| {} | {} | {:.2}x | {api} | {es} | {restarts} | {} |\n",
                flow.label(),
                ms(wall),
                ratio(wall, recipe_wall),
                mib(rss),
            );
            summaries.push((flow, wall, api + es));
        }
        let size = std::fs::metadata(&self.ecr)?.len();
        out += &format!(
            "\necr's peak RSS over all its runs: {}; release binary: {:.1} MB.\n\n",
            mib(self.ecr_max_rss_kib.get()),
            size as f64 / 1e6
        );
        out += &self.verdicts(extract_ratio, &summaries);
        Ok(out)
    }

    /// Each target of issue #9, met or not.
    fn verdicts(&self, extract_ratio: f64, flows: &[(Flow, Duration, usize)]) -> String {
        let of = |wanted: Flow| flows.iter().find(|(flow, ..)| *flow == wanted).unwrap();
        let (_, recipe_wall, recipe_requests) = of(Flow::Recipe);
        let (_, setup_wall, setup_requests) = of(Flow::Setup);
        let rss = self.ecr_max_rss_kib.get() as f64 / 1024.0;
        let flow_ratio = ratio(*setup_wall, *recipe_wall);
        let lines = [
            (
                extract_ratio <= EXTRACT_RATIO_TARGET,
                format!(
                    "`ca extract` at {extract_ratio:.3}x kubectl (target ≤ {EXTRACT_RATIO_TARGET}x)"
                ),
            ),
            (
                flow_ratio <= FLOW_RATIO_TARGET,
                format!(
                    "`ecr setup` at {flow_ratio:.2}x the recipe's wall time (target ≤ {FLOW_RATIO_TARGET}x)"
                ),
            ),
            (
                setup_requests <= recipe_requests,
                format!(
                    "`ecr setup`: {setup_requests} requests, the recipe {recipe_requests} (target: no more)"
                ),
            ),
            (
                rss < RSS_TARGET_MIB,
                format!("ecr's peak RSS {rss:.1} MiB (target < {RSS_TARGET_MIB} MiB)"),
            ),
        ];
        lines
            .iter()
            .map(|(met, line)| format!("- {} {line}\n", if *met { "met:" } else { "MISSED:" }))
            .collect()
    }
}

fn runs(flows: &[(Flow, FlowRun)], wanted: Flow) -> impl Iterator<Item = &FlowRun> {
    flows
        .iter()
        .filter(move |(flow, _)| *flow == wanted)
        .map(|(_, run)| run)
}

/// `ecr setup` of the pair, through these URLs of Elasticsearch, or port-forwards.
fn setup_args(namespace: &str, urls: Option<&[String; 2]>) -> Vec<String> {
    let mut args: Vec<String> = [
        "setup",
        "--local",
        CLUSTERS[0],
        "--local-context",
        CONTEXTS[0],
        "--local-namespace",
        namespace,
        "--remote",
        CLUSTERS[1],
        "--remote-context",
        CONTEXTS[1],
        "--remote-namespace",
        namespace,
        "--yes",
    ]
    .map(String::from)
    .into();
    if let Some([local, remote]) = urls {
        args.extend(["--local-es-url".into(), local.clone()]);
        args.extend(["--remote-es-url".into(), remote.clone()]);
    }
    args
}

/// `trust add --mutual`, then `expose` and `connect` on each side.
fn steps_args(namespace: &str, urls: &[String; 2]) -> Vec<Vec<String>> {
    let on = |side: usize, command: &[&str]| -> Vec<String> {
        let target = ["--context", CONTEXTS[side], "-n", namespace, "--yes"];
        command
            .iter()
            .chain(&target)
            .map(|s| s.to_string())
            .collect()
    };
    let from = |side: usize, flag: &str| -> Vec<String> {
        let other = 1 - side;
        [
            format!("--{flag}"),
            CLUSTERS[other].into(),
            format!("--{flag}-context"),
            CONTEXTS[other].into(),
            format!("--{flag}-namespace"),
            namespace.into(),
        ]
        .into()
    };
    let mut steps = vec![
        [
            on(0, &["trust", "add", CLUSTERS[0], "--mutual"]),
            from(0, "from"),
        ]
        .concat(),
    ];
    for (side, cluster) in CLUSTERS.iter().enumerate() {
        steps.push(on(side, &["expose", cluster]));
    }
    for side in 0..2 {
        steps.push(
            [
                on(side, &["connect", CLUSTERS[side], "--proxy"]),
                from(side, "remote"),
                vec!["--es-url".into(), urls[side].clone()],
            ]
            .concat(),
        );
    }
    steps
}

/// The operator's manifest with the documented edits: the `remote-certs` volume and its
/// mount, the mounted file in `certificate_authorities`, and a LoadBalancer transport.
fn edited_manifest(resource: &Value) -> anyhow::Result<Value> {
    let mut spec = resource["spec"].clone();
    let Some(node_sets) = spec["nodeSets"].as_array_mut() else {
        bail!("the resource has no nodeSets");
    };
    for node_set in node_sets {
        node_set["config"]["xpack.security.transport.ssl.certificate_authorities"] =
            json!(["/usr/share/elasticsearch/config/other/remote.ca.crt"]);
        node_set["podTemplate"] = json!({"spec": {
            "containers": [{"name": "elasticsearch", "volumeMounts": [
                {"mountPath": "/usr/share/elasticsearch/config/other", "name": "remote-certs"}]}],
            "volumes": [{"name": "remote-certs", "secret": {"secretName": "remote-certs"}}],
        }});
    }
    spec["transport"] = json!({"service": {"spec": {"type": "LoadBalancer"}}});
    Ok(json!({
        "apiVersion": resource["apiVersion"],
        "kind": resource["kind"],
        "metadata": {"name": resource["metadata"]["name"], "namespace": resource["metadata"]["namespace"]},
        "spec": spec,
    }))
}

fn median<T: Ord + Copy>(values: impl Iterator<Item = T>) -> T {
    let mut values: Vec<T> = values.collect();
    values.sort();
    values[values.len() / 2]
}
