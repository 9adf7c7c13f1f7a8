//! The flow of API-key links, shared by `connect --api-key` (one link) and `setup --api-key`
//! (one way or both): the checks, the foundation in one plan and one confirmation, the waits
//! for the rolling restarts and the load balancers, the settings, the proofs, and then the keys
//! the links no longer use invalidated.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::api_key::{
    self,
    planner::{ApiKeyLink, KeySource},
};
use crate::cli::GlobalArgs;
use crate::commands::es_access::EsAccessArgs;
use crate::connect;
use crate::eck::{self, EckCluster};
use crate::elasticsearch::{Elasticsearch, RemoteClusterInfo, Secret};
use crate::error::{Failure, FailureKind};
use crate::output::{Output, OutputFormat};
use crate::plan::{self, Approval, Clients, Outcome};
use crate::remote::{ProxyAddress, ProxyRemote};

/// What the flow is asked to do.
pub struct Flow<'a> {
    pub links: Vec<ApiKeyLink>,
    /// How ecr reaches a cluster's Elasticsearch.
    pub access: &'a dyn Fn(&EckCluster) -> EsAccessArgs,
    /// How ecr reaches the Elasticsearch of a remote outside ECK (its URL), to make its keys.
    pub outside_access: Option<EsAccessArgs>,
    /// A key made on a remote outside ECK by its administrator, when ecr cannot make one.
    pub given_key: Option<Secret>,
    /// How long to wait for each load balancer and each link.
    pub timeout: Duration,
    /// How long to wait for each cluster's rolling restart.
    pub roll_timeout: Duration,
}

impl Flow<'_> {
    /// The remote outside ECK, by URL, with credentials from the environment; `None` without
    /// a URL (its key is then given).
    async fn reach_outside(&self, output: &Output) -> anyhow::Result<Option<Arc<Elasticsearch>>> {
        match &self.outside_access {
            Some(access) => Ok(Some(Arc::new(access.reach(None, output).await?))),
            None => Ok(None),
        }
    }

    /// Where a link's key comes from: its remote's Elasticsearch, or else the given key.
    fn key_source<'a>(
        &'a self,
        remote_es: Option<&'a Elasticsearch>,
    ) -> anyhow::Result<KeySource<'a>> {
        match (remote_es, &self.given_key) {
            (Some(es), _) => Ok(KeySource::Remote(es)),
            (None, Some(key)) => Ok(KeySource::Given(key)),
            (None, None) => Err(Failure::new(
                FailureKind::Invalid,
                "ecr has no way to the remote's key: it needs the remote's Elasticsearch to make one, or the key",
            )
            .with_hint(format!(
                "give --remote-es-url URL (with ES_USERNAME and ES_PASSWORD of a user with manage_security), \
                 or the remote's administrator's key in {}",
                api_key::GIVEN_KEY_VARIABLE
            ))
            .into()),
        }
    }

    async fn reach(
        &self,
        side: &EckCluster,
        output: &Output,
    ) -> anyhow::Result<Arc<Elasticsearch>> {
        let access = (self.access)(side);
        let es = access
            .reach(Some((&side.kube, side.cluster.as_str())), output)
            .await?;
        Ok(Arc::new(es))
    }
}

/// Runs the flow; with `-o json`, prints the outcome of each phase and each link's proof.
pub async fn run(flow: &Flow<'_>, global: &GlobalArgs, output: &Output) -> anyhow::Result<()> {
    let report = carry_out(flow, global, output).await?;
    if output.format() == OutputFormat::Json {
        output.json(&report)?;
    }
    Ok(())
}

async fn carry_out(flow: &Flow<'_>, global: &GlobalArgs, output: &Output) -> anyhow::Result<Value> {
    let sides = api_key::planner::clusters_of(flow.links.iter());
    let mut reached = Vec::new();
    for side in &sides {
        reached.push(flow.reach(side, output).await?);
    }
    let es_of = |cluster: &EckCluster| -> &Arc<Elasticsearch> {
        let index = sides
            .iter()
            .position(|side| side.same_as(cluster))
            .unwrap_or_default();
        &reached[index]
    };
    // Each link's remote Elasticsearch, where ecr reaches one: `None` for a remote outside ECK
    // whose key is given.
    let mut remotes = Vec::new();
    for link in &flow.links {
        remotes.push(match link.remote_cluster() {
            Some(cluster) => Some(Arc::clone(es_of(cluster))),
            None => flow.reach_outside(output).await?,
        });
    }
    let mut warnings = Vec::new();
    for (link, remote_es) in flow.links.iter().zip(&remotes) {
        crate::trust::validate_alias(&link.alias)?;
        let resource = eck::read_elasticsearch(&link.local.kube, &link.local.cluster).await?;
        warnings.extend(connect::check_alias_free(
            &link.local,
            &resource,
            &link.alias,
        )?);
        api_key::planner::check(link, es_of(&link.local), remote_es.as_deref()).await?;
        let current = es_of(&link.local).remote_info().await?.remove(&link.alias);
        warnings.extend(api_key::migration_warning(
            &link.alias,
            &link.local.cluster,
            current.as_ref(),
        ));
    }
    let mut pairs = Vec::new();
    for (link, remote_es) in flow.links.iter().zip(&remotes) {
        pairs.push((link, flow.key_source(remote_es.as_deref())?));
    }
    let clients = sides
        .iter()
        .zip(&reached)
        .fold(Clients::default(), |clients, (side, es)| {
            clients.with_kube(&side.kube).with_elasticsearch(es)
        });
    let clients = remotes
        .iter()
        .flatten()
        .fold(clients, |clients, es| clients.with_elasticsearch(es));
    let foundation = plan::carry_out(output, global.approval(), &clients, || async {
        let mut plan = api_key::planner::plan_foundation(&pairs, now_millis()).await?;
        warnings.iter().for_each(|warning| plan.warn(warning));
        for link in &flow.links {
            plan.then(format!(
                "once the clusters run their new spec{}, {} connects to {} under {} and the link is proven",
                link.remote_cluster()
                    .map(|remote| format!(
                        " and the remote cluster server of {} has an address",
                        remote.cluster
                    ))
                    .unwrap_or_default(),
                link.local.cluster,
                link.remote_name(),
                link.alias
            ));
        }
        Ok(plan)
    })
    .await?;
    foundation.announce(output, &foundation_goal(&flow.links));
    if matches!(foundation, Outcome::DryRun(_)) {
        return Ok(json!({"foundation": foundation.to_json()}));
    }
    // A port-forward goes to one pod: every client is made again once the rolls are over.
    drop((reached, remotes));
    let addresses = await_foundation(flow, &sides, output).await?;
    let later = Approval {
        yes: global.yes || matches!(foundation, Outcome::Applied(_)),
        dry_run: false,
    };
    let mut proven = Vec::new();
    let mut cleanups = Vec::new();
    for (link, address) in flow.links.iter().zip(addresses) {
        let (report, cleanup) = connect_link(flow, link, address, later, output).await?;
        proven.push(report);
        cleanups.push(cleanup);
    }
    Ok(json!({"foundation": foundation.to_json(), "links": proven, "cleanup": cleanups}))
}

/// `cluster-one holds a key of cluster-two and trusts its remote cluster server`, for each link.
fn foundation_goal(links: &[ApiKeyLink]) -> String {
    links
        .iter()
        .map(|link| {
            format!(
                "{} holds a key of {} and trusts its remote cluster server",
                link.local.cluster,
                link.remote_name()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits for every side's roll, then for each link's remote cluster server address.
async fn await_foundation(
    flow: &Flow<'_>,
    sides: &[&EckCluster],
    output: &Output,
) -> anyhow::Result<Vec<ProxyAddress>> {
    let spinner = output.spinner("waiting for the rolling restarts");
    for side in sides {
        crate::setup::wait_for_roll(side, flow.roll_timeout, |message| {
            spinner.set_message(message)
        })
        .await?;
    }
    let mut addresses = Vec::new();
    for link in &flow.links {
        spinner.set_message(format!(
            "waiting for the remote cluster server of {}",
            link.remote_name()
        ));
        addresses.push(api_key::planner::server_address(link, flow.timeout).await?);
    }
    spinner.finish_and_clear();
    Ok(addresses)
}

/// One link's settings, its proof, then the keys it no longer uses invalidated: the link's
/// report, and the cleanup's outcome.
async fn connect_link(
    flow: &Flow<'_>,
    link: &ApiKeyLink,
    address: ProxyAddress,
    approval: Approval,
    output: &Output,
) -> anyhow::Result<(Value, Value)> {
    let local_es = flow.reach(&link.local, output).await?;
    let wanted = api_key::planner::proxy_remote(link, address);
    let settings = plan::carry_out(
        output,
        approval,
        &Clients::default().with_elasticsearch(&local_es),
        || connect::plan_connect(&local_es, &wanted),
    )
    .await?;
    settings.announce(
        output,
        &format!(
            "{} is a remote of {} at {}",
            wanted.alias,
            local_es.description(),
            wanted.address
        ),
    );
    let info = match connect::prove(&local_es, &wanted.alias, flow.timeout, output).await? {
        Ok(info) => info,
        Err(unproven) => {
            let waited = humantime::format_duration(flow.timeout).to_string();
            return Err(connect::not_connected(&wanted.alias, &waited, &unproven, &[]).into());
        }
    };
    output.status(
        "Connected",
        format!(
            "{}: {}",
            local_es.description(),
            connect::describe_link(&wanted.alias, Some(&info))
        ),
    );
    let remote_es = match link.remote_cluster() {
        Some(cluster) => Some(flow.reach(cluster, output).await?),
        None => flow.reach_outside(output).await?,
    };
    // A given key is the remote administrator's to retire.
    let Some(remote_es) = remote_es else {
        return Ok((report(link, &wanted, &settings, &info), Value::Null));
    };
    let cleanup = plan::carry_out(
        output,
        approval,
        &Clients::default().with_elasticsearch(&remote_es),
        || api_key::planner::plan_cleanup(link, &remote_es, now_millis()),
    )
    .await?;
    if let Outcome::Applied(_) = cleanup {
        output.status(
            "Done",
            format!(
                "the keys {} no longer uses are invalidated on {}",
                link.local.cluster,
                link.remote_name()
            ),
        );
    }
    Ok((
        report(link, &wanted, &settings, &info),
        Value::Object(cleanup.to_json()),
    ))
}

/// One link's part of the JSON report.
fn report(
    link: &ApiKeyLink,
    wanted: &ProxyRemote,
    settings: &Outcome,
    info: &RemoteClusterInfo,
) -> Value {
    json!({
        "cluster": link.local.cluster,
        "alias": wanted.alias,
        "proxy_address": wanted.address.to_string(),
        "server_name": wanted.server_name,
        "settings": settings.to_json(),
        "remote_info": info,
    })
}

/// Milliseconds since the epoch, as Elasticsearch dates keys.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}
