//! `ecr status`: the whole link of a cluster at a glance; exit status 1 when something needs
//! attention, so that it works in cron and CI.

use clap::Args;
use comfy_table::{Table, presets};

use crate::cli::GlobalArgs;
use crate::commands::es_access::EsAccessArgs;
use crate::eck::EckCluster;
use crate::error::NeedsAttention;
use crate::k8s::Kube;
use crate::output::OutputFormat;
use crate::status::{self, Status};

/// Show a cluster's trust, exposure and remotes, and what needs attention
///
/// Trust: each remote CA ecr keeps for the cluster (alias, source, subject, SHA-256, expiry and
/// days left), whether it still matches its source now (in sync), whether the source trusts
/// this cluster back, and whether every nodeSet mounts and lists the bundle. Exposure: the
/// transport service's type and address. Remotes: every alias of _remote/info with its mode,
/// address and connection, and the entries of spec.remoteClusters; for an API-key link, its
/// key's id, and from the remote its access and expiry, the remote cluster server and whether
/// the trusted CA copy is current. Warnings: a copy expiring within 30 days, a stale copy, a
/// trust on one side only, a remote not connected, a key gone or expiring within 30 days, on
/// 9.x a certificate-based link, pods rolling. Exit status 0 when healthy, 1 when something
/// needs attention.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The ECK cluster to look at
    pub cluster: String,

    #[command(flatten)]
    pub es: EsAccessArgs,
}

pub async fn run(args: &StatusArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    let local = EckCluster {
        kube: Kube::connect(&global.location()).await?,
        cluster: args.cluster.clone(),
    };
    let resource = crate::eck::read_elasticsearch(&local.kube, &local.cluster).await?;
    // Access the operator asked for explicitly must work; the default port-forward failing is
    // a finding about the cluster, reported with the rest.
    let explicit = args.es.es_url.is_some() || args.es.es_ca_file.is_some() || args.es.insecure;
    let (es, reach_error) = match args
        .es
        .reach(Some((&local.kube, &local.cluster)), &output)
        .await
    {
        Ok(es) => (Some(es), None),
        Err(error) if explicit => return Err(error),
        Err(error) => (None, Some(format!("cannot read _remote/info: {error:#}"))),
    };
    let status = status::gather(
        &local,
        &resource,
        &global.location(),
        es.as_ref(),
        reach_error,
    )
    .await?;
    match output.format() {
        OutputFormat::Json => output.json(&status)?,
        OutputFormat::Text => output.bytes(render(&status).as_bytes())?,
    }
    if status.warnings.is_empty() {
        Ok(())
    } else {
        Err(NeedsAttention(status.warnings.len()).into())
    }
}

/// The compact view for people.
fn render(status: &Status) -> String {
    let context = status
        .context
        .as_deref()
        .map(|c| format!(" (context {c})"))
        .unwrap_or_default();
    let mut text = format!(
        "{} in {}{context}: phase {}\n",
        status.cluster, status.namespace, status.phase
    );

    text.push_str("\nTrust\n");
    let mut trust = table(&[
        "ALIAS",
        "STORE",
        "SOURCE",
        "SUBJECT",
        "EXPIRES",
        "DAYS",
        "IN SYNC",
        "TRUSTS BACK",
    ]);
    for ca in &status.trust {
        let source = match (&ca.source.cluster, &ca.source.file) {
            (Some(cluster), _) => format!(
                "{}/{}{}",
                ca.source.namespace.as_deref().unwrap_or("?"),
                cluster,
                ca.source
                    .context
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            ),
            (None, Some(file)) => file.clone(),
            (None, None) => "?".into(),
        };
        trust.add_row(vec![
            ca.alias.clone(),
            ca.store.clone(),
            source,
            ca.subject.clone(),
            ca.not_after.clone(),
            ca.days_left.to_string(),
            yes_no(ca.in_sync),
            yes_no(ca.trusted_back),
        ]);
    }
    text.push_str(&section(
        &trust,
        status.trust.is_empty(),
        "no remote CA is trusted through ecr",
    ));
    let node_sets: Vec<String> = status
        .node_sets
        .iter()
        .map(|n| {
            format!(
                "{} {}",
                n.name,
                if n.mounts_bundle {
                    "mounts the bundle"
                } else {
                    "does not mount the bundle"
                }
            )
        })
        .collect();
    text.push_str(&format!("  nodeSets: {}\n", node_sets.join(", ")));

    text.push_str("\nExposure\n");
    text.push_str(&format!(
        "  {}: {} {}\n",
        status.exposure.service,
        status.exposure.service_type.as_deref().unwrap_or("missing"),
        status.exposure.address.as_deref().unwrap_or("(no address)")
    ));

    text.push_str("\nRemotes\n");
    let mut remotes = table(&["ALIAS", "MODE", "ADDRESS", "CONNECTED", "SKIP UNAVAILABLE"]);
    for remote in &status.remotes {
        remotes.add_row(vec![
            remote.alias.clone(),
            match (&remote.api_key_id, remote.api_key) {
                (Some(id), _) => format!("{} (API key {id})", remote.mode),
                (None, true) => format!("{} (API key)", remote.mode),
                (None, false) => remote.mode.clone(),
            },
            remote.address.clone().unwrap_or_default(),
            yes_no(Some(remote.connected)),
            remote.skip_unavailable.to_string(),
        ]);
    }
    text.push_str(&section(
        &remotes,
        status.remotes.is_empty(),
        "no remote cluster in _remote/info",
    ));
    for remote in &status.remotes {
        if let Some(found) = &remote.api_key_remote {
            text.push_str(&format!(
                "  {}: {}\n",
                remote.alias,
                describe_api_key_remote(found)
            ));
        }
    }
    let refs: Vec<&str> = status
        .ref_remotes
        .iter()
        .filter_map(|entry| entry["name"].as_str())
        .collect();
    if !refs.is_empty() {
        text.push_str(&format!("  spec.remoteClusters: {}\n", refs.join(", ")));
    }

    if status.warnings.is_empty() {
        text.push_str("\nHealthy: nothing needs attention.\n");
    } else {
        text.push_str("\nNeeds attention\n");
        for warning in &status.warnings {
            text.push_str(&format!("  - {warning}\n"));
        }
    }
    text
}

/// `key on ns-two/cluster-two: search logs-*, never expires; server cluster-two-es-remote-cluster
/// LoadBalancer 10.0.0.3:9443; CA in sync`.
fn describe_api_key_remote(found: &status::ApiKeyRemote) -> String {
    let key = match &found.key {
        None => "unknown there".to_string(),
        Some(key) if key.invalidated => "invalidated".to_string(),
        Some(key) => format!(
            "{}, {}",
            key.access,
            match &key.expiration {
                Some(at) => format!("expires {at}"),
                None => "never expires".to_string(),
            }
        ),
    };
    let ca = match found.ca_in_sync {
        Some(true) => "CA in sync",
        Some(false) => "CA stale",
        None => "CA not checked",
    };
    format!(
        "key on {}: {key}; server {} {} {}; {ca}",
        found.remote,
        found.server.service,
        found.server.service_type.as_deref().unwrap_or("missing"),
        found.server.address.as_deref().unwrap_or("(no address)")
    )
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_header(header.to_vec());
    table
}

fn section(table: &Table, empty: bool, none: &str) -> String {
    if empty {
        return format!("  {none}\n");
    }
    table
        .lines()
        .map(|line| format!(" {}\n", line.trim_end()))
        .collect()
}

fn yes_no(value: Option<bool>) -> String {
    match value {
        Some(true) => "yes".into(),
        Some(false) => "NO".into(),
        None => "unknown".into(),
    }
}
