//! `ecr setup`: the whole recipe between two ECK clusters, both ways, across kube contexts if
//! need be: one plan, one confirmation, at most one rolling restart per cluster.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::commands::es_access::EsAccessArgs;
use crate::connect::{self, Cluster};
use crate::elasticsearch::Elasticsearch;
use crate::k8s::{Kube, Target};
use crate::output::{Output, OutputFormat};
use crate::plan::{self, Approval, Outcome};
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
/// Re-running a finished setup writes nothing; an interrupted setup, re-run, finishes the job.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The cluster that connects to the remote
    #[arg(long, value_name = "CLUSTER")]
    pub local: String,
    /// Namespace of the local cluster [default: -n, then the context's]
    #[arg(long, value_name = "NS")]
    pub local_namespace: Option<String>,
    /// Kube context of the local cluster [default: --context]
    #[arg(long, value_name = "CTX")]
    pub local_context: Option<String>,
    /// Reach the local Elasticsearch at this URL instead of through a port-forward
    #[arg(long, value_name = "URL")]
    pub local_es_url: Option<String>,

    /// The remote cluster
    #[arg(long, value_name = "CLUSTER")]
    pub remote: String,
    /// Namespace of the remote cluster [default: the local one's in the same context]
    #[arg(long, value_name = "NS")]
    pub remote_namespace: Option<String>,
    /// Kube context of the remote cluster [default: --context]
    #[arg(long, value_name = "CTX")]
    pub remote_context: Option<String>,
    /// Reach the remote Elasticsearch at this URL instead of through a port-forward
    #[arg(long, value_name = "URL")]
    pub remote_es_url: Option<String>,

    /// Only the local cluster connects to the remote
    #[arg(long)]
    pub one_way: bool,

    /// How long to wait for each load balancer and each connection, e.g. 90s or 5m
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
}

pub async fn run(args: &SetupArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    let link = Link {
        local: side(
            global,
            &args.local,
            args.local_context.as_ref(),
            args.local_namespace.as_ref(),
            global.namespace.as_ref(),
        )
        .await?,
        remote: side(
            global,
            &args.remote,
            args.remote_context.as_ref(),
            args.remote_namespace.as_ref(),
            None,
        )
        .await?,
        one_way: args.one_way,
    };
    let placement = Placement::default_for(Via::SecretMount)?;
    let approval = Approval {
        yes: global.yes,
        dry_run: global.dry_run,
    };
    output.status("Then", links_intent(&link));
    let foundation = plan::carry_out(&output, approval, || {
        setup::plan_foundation(&link, &placement)
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
    let directions = directions(args, &link, &output).await?;
    // The foundation's confirmation covered the links; ask only if it wrote nothing.
    let links_approval = Approval {
        yes: global.yes || matches!(foundation, Outcome::Applied(_)),
        dry_run: false,
    };
    let links = plan::carry_out(&output, links_approval, || setup::plan_links(&directions)).await?;
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
                return Err(connect::not_connected(
                    &remote.alias,
                    &waited,
                    last_seen.as_ref(),
                    &findings,
                )
                .into());
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

async fn side(
    global: &GlobalArgs,
    cluster: &str,
    context: Option<&String>,
    namespace: Option<&String>,
    fallback_namespace: Option<&String>,
) -> anyhow::Result<Cluster> {
    crate::k8s::validate_name("cluster name", cluster)?;
    let target = Target {
        kubeconfig: global.kubeconfig.clone(),
        context: context.or(global.context.as_ref()).cloned(),
        namespace: namespace.or(fallback_namespace).cloned(),
    };
    Ok(Cluster {
        kube: Kube::connect(&target).await?,
        cluster: cluster.to_string(),
    })
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
    let local_es = Arc::new(reach(&link.local, args.local_es_url.clone(), output).await?);
    let mut directions = vec![(local_es, setup::remote_at(&link.remote, remote_address))];
    if let Some(address) = local_address {
        let remote_es = Arc::new(reach(&link.remote, args.remote_es_url.clone(), output).await?);
        directions.push((remote_es, setup::remote_at(&link.local, address)));
    }
    Ok(directions)
}

async fn reach(
    side: &Cluster,
    es_url: Option<String>,
    output: &Output,
) -> anyhow::Result<Elasticsearch> {
    let access = EsAccessArgs {
        es_url,
        ..EsAccessArgs::default()
    };
    access
        .reach(Some((&side.kube, side.cluster.as_str())), output)
        .await
}
