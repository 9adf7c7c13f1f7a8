//! `ecr setup`: the whole recipe between two ECK clusters, both ways, across kube contexts if
//! need be: one plan, one confirmation, at most one rolling restart per cluster.

use clap::builder::NonEmptyStringValueParser;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use std::io::IsTerminal as _;

use anyhow::Context as _;
use clap::Args;
use kube::ResourceExt as _;
use serde_json::json;

use crate::api_key::{
    KeyAccess,
    planner::{ApiKeyLink, RemoteEnd},
};
use crate::cli::GlobalArgs;
use crate::commands::api_key_links::{self, Flow};
use crate::commands::es_access::EsAccessArgs;
use crate::connect;
use crate::eck;
use crate::eck::EckCluster;
use crate::elasticsearch::Elasticsearch;
use crate::error::{Failure, FailureKind};
use crate::k8s::{Kube, Location, SideFlags};
use crate::output::{Output, OutputFormat};
use crate::plan::{self, Approval, Clients, Outcome};
use crate::remote::ProxyRemote;
use crate::setup::{self, Link};
use crate::trust::planner::{Placement, Via};

/// Do the whole recipe between two clusters: trust, expose, connect, and prove the links
///
/// Trusts each cluster's transport CA in the other (needed on both sides for TLS, even
/// --one-way), exposes both transports (only the remote's with --one-way) and connects in
/// both directions, with aliases named after the clusters. The plan lists every change
/// before anything is written; all spec changes of a cluster are made in one write, so each
/// cluster rolls its pods at most once (and not at all when its trust is already in place).
/// Setup waits for that rolling restart (saying how many pods are updated) before it connects,
/// then proves each link by asking Elasticsearch to reach the remote.
/// Re-running a finished setup writes nothing; an interrupted setup, re-run, finishes the job.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The cluster that connects to the remote [on a terminal: chosen from those ecr finds]
    #[arg(long, value_name = "CLUSTER")]
    pub local: Option<String>,
    /// Namespace of the local cluster [default: -n, then the context's]
    #[arg(long, value_name = "NS")]
    pub local_namespace: Option<String>,
    /// Kube context of the local cluster [default: --context]
    #[arg(long, value_name = "CTX", value_parser = NonEmptyStringValueParser::new())]
    pub local_context: Option<String>,
    /// Reach the local Elasticsearch at this URL instead of through a port-forward
    #[arg(long, value_name = "URL")]
    pub local_es_url: Option<String>,

    /// The remote cluster [on a terminal: chosen from those ecr finds]
    #[arg(long, value_name = "CLUSTER")]
    pub remote: Option<String>,
    /// Namespace of the remote cluster [default: the local one's in the same context]
    #[arg(long, value_name = "NS")]
    pub remote_namespace: Option<String>,
    /// Kube context of the remote cluster [default: --context]
    #[arg(long, value_name = "CTX", value_parser = NonEmptyStringValueParser::new())]
    pub remote_context: Option<String>,
    /// Reach the remote Elasticsearch at this URL instead of through a port-forward
    #[arg(long, value_name = "URL", value_parser = NonEmptyStringValueParser::new())]
    pub remote_es_url: Option<String>,

    /// PEM file of the client certificate (leaf first, then its chain) to show the local
    /// Elasticsearch when it requires one (spec.http.tls.client.authentication); needs
    /// --local-es-client-key
    #[arg(long, value_name = "FILE", requires = "local_es_client_key")]
    pub local_es_client_cert: Option<PathBuf>,
    /// PEM file of the private key of --local-es-client-cert
    #[arg(long, value_name = "FILE", requires = "local_es_client_cert")]
    pub local_es_client_key: Option<PathBuf>,
    /// Secret with the local side's client certificate (tls.crt) and its key (tls.key), in the
    /// local cluster's namespace, instead of --local-es-client-cert and --local-es-client-key
    #[arg(long, value_name = "NAME", conflicts_with = "local_es_client_cert")]
    pub local_es_client_cert_secret: Option<String>,
    /// PEM file of the client certificate to show the remote Elasticsearch when it requires
    /// one; needs --remote-es-client-key
    #[arg(long, value_name = "FILE", requires = "remote_es_client_key")]
    pub remote_es_client_cert: Option<PathBuf>,
    /// PEM file of the private key of --remote-es-client-cert
    #[arg(long, value_name = "FILE", requires = "remote_es_client_cert")]
    pub remote_es_client_key: Option<PathBuf>,
    /// Secret with the remote side's client certificate (tls.crt) and its key (tls.key), in the
    /// remote cluster's namespace, instead of --remote-es-client-cert and --remote-es-client-key
    #[arg(long, value_name = "NAME", conflicts_with = "remote_es_client_cert")]
    pub remote_es_client_cert_secret: Option<String>,

    /// Only the local cluster connects to the remote
    #[arg(long)]
    pub one_way: bool,

    /// Link by cross-cluster API keys (Elasticsearch 8.14+, enterprise or trial license on
    /// both), as ecr connect --api-key does for each direction, instead of trusting transport
    /// CAs: each cluster rolls once, for all it needs
    #[arg(long)]
    pub api_key: bool,

    /// With --api-key: index patterns each cluster may search on the other (repeatable)
    #[arg(long, value_name = "PATTERN", requires = "api_key", value_parser = NonEmptyStringValueParser::new())]
    pub search: Vec<String>,

    /// With --api-key: index patterns each cluster may replicate from the other (repeatable)
    #[arg(long, value_name = "PATTERN", requires = "api_key", value_parser = NonEmptyStringValueParser::new())]
    pub replication: Vec<String>,

    /// How long to wait for each load balancer and each connection, e.g. 90s or 5m
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    /// How long to wait for each cluster's rolling restart after a first trust (ECK restarts
    /// one pod at a time, waiting for green: minutes per pod), e.g. 30m or 3h
    #[arg(long, value_name = "DURATION", default_value = "2h", value_parser = humantime::parse_duration)]
    pub roll_timeout: Duration,
}

pub async fn run(args: &SetupArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    for (flag, url) in [
        ("--local-es-url", &args.local_es_url),
        ("--remote-es-url", &args.remote_es_url),
    ] {
        if let Some(url) = url {
            crate::elasticsearch::parse_url(url).map_err(|failure| {
                Failure::new(failure.kind, format!("{flag}: {}", failure.message))
            })?;
        }
    }
    let (local_location, remote_location) = global.location().locate_link(
        SideFlags {
            context: args.local_context.as_deref(),
            namespace: args.local_namespace.as_deref(),
        },
        SideFlags {
            context: args.remote_context.as_deref(),
            namespace: args.remote_namespace.as_deref(),
        },
    );
    let local = Wanted {
        role: "local",
        cluster: args.local.as_ref(),
        location: local_location,
        listed_namespace: args.local_namespace.as_ref().or(global.namespace.as_ref()),
    };
    let remote = Wanted {
        role: "remote",
        cluster: args.remote.as_ref(),
        location: remote_location,
        listed_namespace: args.remote_namespace.as_ref(),
    };
    let link = Link {
        local: local.resolve().await?,
        remote: remote.resolve().await?,
        one_way: args.one_way,
    };
    if link.local.same_as(&link.remote) {
        return Err(Failure::new(
            FailureKind::Invalid,
            format!("{} cannot be its own remote", link.local.cluster),
        )
        .with_hint("give two different clusters: --local and --remote")
        .into());
    }
    if args.api_key {
        return setup_by_api_key(args, link, global, &output).await;
    }
    let placement = Placement::default_for(Via::SecretMount)?;
    let warnings = setup::check_links(&link).await?;
    let approval = global.approval();
    let kubes = Clients::default()
        .with_kube(&link.local.kube)
        .with_kube(&link.remote.kube);
    let foundation = plan::carry_out(&output, approval, &kubes, || async {
        let mut plan = setup::plan_foundation(&link, &placement).await?;
        warnings.iter().for_each(|warning| plan.warn(warning));
        plan.then(links_intent(&link));
        Ok(plan)
    })
    .await?;
    foundation.announce(
        &output,
        &format!(
            "{} and {} trust each other's CA, and are exposed",
            link.local.cluster, link.remote.cluster
        ),
    );
    if matches!(foundation, Outcome::DryRun(_)) {
        return Ok(());
    }
    for side in [&link.local, &link.remote] {
        let spinner = output.spinner(format!("waiting for ECK to roll {}", side.cluster));
        setup::wait_for_roll(side, args.roll_timeout, |message| {
            spinner.set_message(message)
        })
        .await?;
        spinner.finish_and_clear();
    }
    // Only now: a port-forward goes to one pod, and a pod reached before the roll is gone
    // after it (the real stack showed it; the sandbox rolls at once).
    let directions = directions(args, &link, &output).await?;
    // The foundation's confirmation covered the links; ask only if it wrote nothing.
    let links_approval = Approval {
        yes: global.yes || matches!(foundation, Outcome::Applied(_)),
        dry_run: false,
    };
    let elasticsearch = directions
        .iter()
        .fold(Clients::default(), |clients, (es, _)| {
            clients.with_elasticsearch(es)
        });
    let links = plan::carry_out(&output, links_approval, &elasticsearch, || {
        setup::plan_links(&directions)
    })
    .await?;
    links.announce(&output, "each remote is configured");
    let mut proven = Vec::new();
    for (es, remote) in &directions {
        let info = match connect::prove(es, &remote.alias, args.timeout, &output).await? {
            Ok(info) => info,
            Err(last_seen) => {
                let (local, target) = if remote.alias == link.remote.cluster {
                    (&link.local, &link.remote)
                } else {
                    (&link.remote, &link.local)
                };
                let findings = connect::diagnose(local, target, &remote.address)
                    .await
                    .findings;
                let waited = humantime::format_duration(args.timeout).to_string();
                return Err(
                    connect::not_connected(&remote.alias, &waited, &last_seen, &findings).into(),
                );
            }
        };
        output.status(
            "Connected",
            format!(
                "{}: {}",
                es.description(),
                connect::describe_link(&remote.alias, Some(&info))
            ),
        );
        proven
            .push(json!({"cluster": es.description(), "alias": remote.alias, "remote_info": info}));
    }
    if output.format() == OutputFormat::Json {
        output.json(&json!({"foundation": foundation.to_json(), "links": links.to_json(), "remote_info": proven}))?;
    }
    Ok(())
}

/// `setup --api-key`: the flow of `connect --api-key` for each direction at once.
async fn setup_by_api_key(
    args: &SetupArgs,
    link: Link,
    global: &GlobalArgs,
    output: &Output,
) -> anyhow::Result<()> {
    let access = KeyAccess::new(&args.search, &args.replication)?;
    let directed = |local: &EckCluster, remote: &EckCluster| ApiKeyLink {
        local: local.clone(),
        remote: RemoteEnd::Eck(remote.clone()),
        alias: remote.cluster.clone(),
        access: access.clone(),
        expiration: None,
        rotate: false,
    };
    let mut links = vec![directed(&link.local, &link.remote)];
    if !link.one_way {
        links.push(directed(&link.remote, &link.local));
    }
    let (local_access, remote_access) = args.access();
    let access_of = |side: &EckCluster| match side.same_as(&link.local) {
        true => local_access.clone(),
        false => remote_access.clone(),
    };
    let flow = Flow {
        links,
        access: &access_of,
        outside_access: None,
        given_key: None,
        timeout: args.timeout,
        roll_timeout: args.roll_timeout,
    };
    api_key_links::run(&flow, global, output).await
}

/// One side as the command line gives it; what is missing is asked for on a terminal.
struct Wanted<'a> {
    role: &'static str,
    cluster: Option<&'a String>,
    /// Where the side is, by `Location::locate_link`'s rule.
    location: Location,
    /// On a terminal, the clusters offered are those of this namespace, when one is given for
    /// this side (its own flag, or `-n` for the local side); otherwise those of every one.
    listed_namespace: Option<&'a String>,
}

impl Wanted<'_> {
    async fn resolve(&self) -> anyhow::Result<EckCluster> {
        let (location, cluster) = match self.cluster {
            Some(cluster) => (self.location.clone(), cluster.clone()),
            None if interactive() => self.choose().await?,
            None => {
                return Err(Failure::new(
                    FailureKind::Invalid,
                    format!("name the {} cluster: --{} CLUSTER", self.role, self.role),
                )
                .with_hint("or run ecr setup on a terminal to choose from the clusters ecr finds")
                .into());
            }
        };
        crate::k8s::validate_name("cluster name", &cluster)?;
        Ok(EckCluster {
            kube: Kube::connect(&location).await?,
            cluster,
        })
    }

    /// Asks for the context (when there is a choice) and then the cluster among those the
    /// API server lists in every namespace.
    async fn choose(&self) -> anyhow::Result<(Location, String)> {
        let context = match &self.location.context {
            Some(context) => Some(context.clone()),
            None => {
                let (names, current) = crate::k8s::contexts(self.location.kubeconfig.as_deref())?;
                let default = current
                    .and_then(|c| names.iter().position(|n| *n == c))
                    .unwrap_or(0);
                (!names.is_empty())
                    .then(|| {
                        select(
                            &format!("Kube context of the {} cluster", self.role),
                            &names,
                            default,
                        )
                    })
                    .transpose()?
                    .map(|index| names[index].clone())
            }
        };
        let everywhere = Location {
            kubeconfig: self.location.kubeconfig.clone(),
            context,
            namespace: None,
        };
        let kube = Kube::connect(&everywhere).await?;
        let found: Vec<(String, String)> = kube
            .list_dynamic_everywhere(&eck::elasticsearch_resource())
            .await?
            .iter()
            .map(|es| (es.namespace().unwrap_or_default(), es.name_any()))
            .filter(|(namespace, _)| {
                self.listed_namespace
                    .is_none_or(|wanted| wanted == namespace)
            })
            .collect();
        if found.is_empty() {
            return Err(Failure::new(
                FailureKind::NotFound,
                format!("no Elasticsearch cluster found for the {} side", self.role),
            )
            .into());
        }
        let labels: Vec<String> = found
            .iter()
            .map(|(namespace, name)| format!("{name} (namespace {namespace})"))
            .collect();
        let index = select(&format!("The {} cluster", self.role), &labels, 0)?;
        let (namespace, name) = found[index].clone();
        let chosen = Location {
            namespace: Some(namespace),
            ..everywhere
        };
        Ok((chosen, name))
    }
}

/// Prompts are for people: only when both stdin and stderr are terminals.
fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn select(prompt: &str, items: &[String], default: usize) -> anyhow::Result<usize> {
    dialoguer::Select::new()
        .with_prompt(prompt)
        .items(items)
        .default(default)
        .interact_on(&dialoguer::console::Term::stderr())
        .with_context(|| format!("asking: {prompt}"))
}

fn links_intent(link: &Link) -> String {
    let there = format!(
        "{} connects to {} at its load-balancer address",
        link.local.cluster, link.remote.cluster
    );
    if link.one_way {
        format!("{there}, and the link is proven")
    } else {
        format!(
            "{there}, {} to {} likewise, and both links are proven",
            link.remote.cluster, link.local.cluster
        )
    }
}

/// Each direction's client and remote, once the load balancers have addresses.
async fn directions(
    args: &SetupArgs,
    link: &Link,
    output: &Output,
) -> anyhow::Result<Vec<(Arc<Elasticsearch>, ProxyRemote)>> {
    let spinner = output.spinner("waiting for the load balancers");
    let remote_address = setup::wait_for_address(&link.remote, args.timeout).await?;
    let local_address = match link.one_way {
        true => None,
        false => Some(setup::wait_for_address(&link.local, args.timeout).await?),
    };
    spinner.finish_and_clear();
    let (local_access, remote_access) = args.access();
    let local_es = Arc::new(reach(&link.local, &local_access, output).await?);
    let mut directions = vec![(local_es, setup::remote_at(&link.remote, remote_address))];
    if let Some(address) = local_address {
        let remote_es = Arc::new(reach(&link.remote, &remote_access, output).await?);
        directions.push((remote_es, setup::remote_at(&link.local, address)));
    }
    Ok(directions)
}

impl SetupArgs {
    /// How ecr reaches each side's Elasticsearch, as `connect`'s access options would say it:
    /// (local, remote).
    fn access(&self) -> (EsAccessArgs, EsAccessArgs) {
        let side = |url: &Option<String>,
                    certificate: &Option<PathBuf>,
                    key: &Option<PathBuf>,
                    secret: &Option<String>| EsAccessArgs {
            es_url: url.clone(),
            es_client_cert: certificate.clone(),
            es_client_key: key.clone(),
            es_client_cert_secret: secret.clone(),
            ..EsAccessArgs::default()
        };
        (
            side(
                &self.local_es_url,
                &self.local_es_client_cert,
                &self.local_es_client_key,
                &self.local_es_client_cert_secret,
            ),
            side(
                &self.remote_es_url,
                &self.remote_es_client_cert,
                &self.remote_es_client_key,
                &self.remote_es_client_cert_secret,
            ),
        )
    }
}

async fn reach(
    side: &EckCluster,
    access: &EsAccessArgs,
    output: &Output,
) -> anyhow::Result<Elasticsearch> {
    access
        .reach(Some((&side.kube, side.cluster.as_str())), output)
        .await
}
