//! `ecr connect` / `ecr disconnect`: step 4 of the recipe, a remote written into the cluster
//! settings (or `spec.remoteClusters`), and the connection proven before ecr says it is done.

use clap::builder::NonEmptyStringValueParser;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use crate::api_key::{
    self, KeyAccess,
    planner::{ApiKeyLink, RemoteEnd},
};
use crate::cli::GlobalArgs;
use crate::commands::api_key_links::{self, Flow};
use crate::commands::es_access::EsAccessArgs;
use crate::connect;
use crate::eck::EckCluster;
use crate::elasticsearch::{Elasticsearch, Secret};
use crate::error::{Failure, FailureKind};
use crate::k8s::{Kube, Location, SideFlags};
use crate::output::{Output, OutputFormat};
use crate::plan::{self, Clients, Outcome};
use crate::remote::{self, ProxyAddress, ProxyRemote};
use crate::trust;

/// Connect a remote cluster, and prove the connection (step 4 of the recipe)
///
/// With --proxy, writes the persistent settings cluster.remote.ALIAS.mode: proxy and
/// cluster.remote.ALIAS.proxy_address (plus --server-name, --skip-unavailable and
/// --proxy-socket-connections when given) with PUT _cluster/settings, removing the alias's
/// sniff-mode settings (seeds, node_connections, proxy) and transient settings in the same
/// request. Refused when ECK manages the alias (spec.remoteClusters) or a nodeSet's config
/// (elasticsearch.yml) gives it sniff settings, which no settings update can remove. Then polls
/// _remote/info until ALIAS is connected and asks _resolve/cluster whether data flows. When
/// it does not connect, ecr says what _remote/info says and checks the usual causes where it
/// can: a CA not trusted on one side, the remote not exposed or at another address, pods
/// still rolling. With --ref, adds {name: ALIAS, elasticsearchRef: REMOTE} to
/// spec.remoteClusters instead (same Kubernetes cluster; ECK needs an enterprise license).
/// With --api-key, makes an API-key link (the model Elasticsearch 9 recommends) to the ECK
/// cluster --remote, in any Kubernetes cluster: one plan for both sides, each rolled once; the
/// key's value is never shown.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The ECK cluster that gets the remote [omit it to reach any Elasticsearch by --es-url]
    pub cluster: Option<String>,

    /// Connect in proxy mode to ADDRESS (HOST or HOST:PORT, port 9300 by default, IPv6 as
    /// [ADDRESS]:PORT); without ADDRESS, to the address `ecr expose` reports for --remote
    #[arg(long, value_name = "ADDRESS", num_args = 0..=1, required_unless_present_any = ["reference", "api_key"])]
    pub proxy: Option<Option<String>>,

    /// Connect through spec.remoteClusters to this ECK cluster of the same Kubernetes cluster
    #[arg(
        long = "ref",
        value_name = "REMOTE",
        conflicts_with = "proxy",
        requires = "cluster"
    )]
    pub reference: Option<String>,

    /// Connect through a cross-cluster API key (Elasticsearch 8.14+, enterprise or trial
    /// license on both sides) to the ECK cluster --remote: its remote cluster server is turned
    /// on and exposed (port 9443, one rolling restart of the remote), a key with the access of
    /// --search and --replication is made there and put in this cluster's keystore, with the
    /// remote's CA trusted by the remote cluster client only (one rolling restart of this
    /// cluster); then the settings, and the proof
    #[arg(long, conflicts_with = "reference", requires = "cluster")]
    pub api_key: bool,

    /// With --api-key and --proxy: PEM file of the CA that signed the certificate of the
    /// remote's remote cluster server (a remote outside ECK)
    #[arg(
        long,
        value_name = "FILE",
        requires = "api_key",
        requires = "proxy",
        conflicts_with = "remote"
    )]
    pub ca_file: Option<PathBuf>,

    /// Index patterns the API key lets this cluster search on the remote (repeatable)
    #[arg(long, value_name = "PATTERN", requires = "api_key", value_parser = NonEmptyStringValueParser::new())]
    pub search: Vec<String>,

    /// Index patterns the API key lets this cluster replicate from the remote (repeatable)
    #[arg(long, value_name = "PATTERN", requires = "api_key", value_parser = NonEmptyStringValueParser::new())]
    pub replication: Vec<String>,

    /// Lifetime of a new API key, as Elasticsearch reads it (e.g. 90d or 12h) [default: it
    /// never expires]; a key in place is kept until --rotate-key
    #[arg(long, value_name = "DURATION", requires = "api_key", value_parser = parse_key_expiration)]
    pub key_expiration: Option<String>,

    /// Make a new API key even if the one in place works: the new key is installed and the link
    /// proven before the old one is invalidated
    #[arg(long, requires = "api_key")]
    pub rotate_key: bool,

    /// Reach the remote's Elasticsearch at this URL instead of through a port-forward (with
    /// --api-key, to make the key: as a user with a password, never an API key; for a remote
    /// outside ECK, from ES_USERNAME and ES_PASSWORD)
    #[arg(long, value_name = "URL", requires = "api_key", value_parser = NonEmptyStringValueParser::new())]
    pub remote_es_url: Option<String>,

    /// PEM file of the CA of the remote's HTTP certificate, with --remote-es-url [default: the
    /// system's trusted roots, or ECK's for an ECK remote]
    #[arg(long, value_name = "FILE", requires = "remote_es_url")]
    pub remote_es_ca_file: Option<PathBuf>,

    /// How long to wait for each cluster's rolling restart (--api-key), e.g. 30m or 3h
    #[arg(long, value_name = "DURATION", default_value = "2h", value_parser = humantime::parse_duration)]
    pub roll_timeout: Duration,

    /// The remote ECK cluster whose exposed address --proxy connects to
    #[arg(long, value_name = "REMOTE")]
    pub remote: Option<String>,

    /// Namespace of the remote [default: the namespace of CLUSTER, or --remote-context's]
    #[arg(long, value_name = "NS")]
    pub remote_namespace: Option<String>,

    /// Kube context of the remote [default: --context]
    #[arg(long, value_name = "CTX", value_parser = NonEmptyStringValueParser::new())]
    pub remote_context: Option<String>,

    /// The remote's alias in this cluster [default: the remote's name]
    #[arg(long, value_name = "NAME")]
    pub alias: Option<String>,

    /// TLS server name (SNI) to send, for a proxy or ingress that routes by it; a cluster that
    /// checks host names (verification_mode: full) checks it against the remote's certificate
    /// before the proxy address's host
    #[arg(
        long,
        value_name = "HOST",
        requires = "proxy",
        conflicts_with = "reference"
    )]
    pub server_name: Option<String>,

    /// Let searches skip this remote when it is unavailable (true when given without a value)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", requires = "proxy", conflicts_with = "reference")]
    pub skip_unavailable: Option<bool>,

    /// How many sockets to open to the proxy [Elasticsearch's default: 18]
    #[arg(long, value_name = "N", requires = "proxy", conflicts_with = "reference", value_parser = clap::value_parser!(u32).range(1..))]
    pub proxy_socket_connections: Option<u32>,

    /// How long to wait for the connection, e.g. 60s or 5m (a CA just added to a mounted secret
    /// reaches the nodes in about a minute)
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    /// Do not wait for the connection to be proven
    #[arg(long)]
    pub no_verify: bool,

    #[command(flatten)]
    pub es: EsAccessArgs,
}

/// Remove a remote cluster: every setting of its alias, or its spec.remoteClusters entry
///
/// Without --ref, refused for an alias that ECK manages through spec.remoteClusters (ECK would
/// write it again): remove that entry with --ref. Settings of the alias in a nodeSet's config
/// (elasticsearch.yml) cannot be removed this way; the plan says so.
#[derive(Debug, Args)]
pub struct DisconnectArgs {
    /// The ECK cluster that has the remote [omit it to reach any Elasticsearch by --es-url]
    pub cluster: Option<String>,

    /// The remote's alias
    #[arg(long, value_name = "NAME")]
    pub alias: String,

    /// Remove the spec.remoteClusters entry instead of the settings
    #[arg(long = "ref", requires = "cluster")]
    pub reference: bool,

    /// The remote ECK cluster of an API-key link: the keys ecr made for the link are
    /// invalidated there
    #[arg(
        long,
        value_name = "REMOTE",
        requires = "cluster",
        conflicts_with = "reference"
    )]
    pub remote: Option<String>,

    /// Namespace of the remote [default: the namespace of CLUSTER, or --remote-context's]
    #[arg(long, value_name = "NS", requires = "remote")]
    pub remote_namespace: Option<String>,

    /// Kube context of the remote [default: --context]
    #[arg(long, value_name = "CTX", requires = "remote", value_parser = NonEmptyStringValueParser::new())]
    pub remote_context: Option<String>,

    /// Reach the remote's Elasticsearch at this URL instead of through a port-forward; without
    /// --remote, the remote of an API-key link outside ECK, as a user of ES_USERNAME and
    /// ES_PASSWORD: the keys ecr made for the link are invalidated there
    #[arg(long, value_name = "URL", requires = "cluster", conflicts_with = "reference", value_parser = NonEmptyStringValueParser::new())]
    pub remote_es_url: Option<String>,

    /// PEM file of the CA of the remote's HTTP certificate, with --remote-es-url [default: the
    /// system's trusted roots, or ECK's for an ECK remote]
    #[arg(long, value_name = "FILE", requires = "remote_es_url")]
    pub remote_es_ca_file: Option<PathBuf>,

    #[command(flatten)]
    pub es: EsAccessArgs,
}

pub async fn connect(args: &ConnectArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    let local = local_cluster(args.cluster.as_deref(), global).await?;
    if let (true, Some(local)) = (args.api_key, &local) {
        let link = ApiKeyLink {
            local: local.clone(),
            alias: api_key_alias(args)?,
            remote: remote_end(args, global).await?,
            access: KeyAccess::new(&args.search, &args.replication)?,
            expiration: args.key_expiration.clone(),
            rotate: args.rotate_key,
        };
        return connect_by_api_key(args, link, global, &output).await;
    }
    if let Some(remote) = &args.reference {
        let local =
            local.ok_or_else(|| Failure::new(FailureKind::Invalid, "--ref needs CLUSTER"))?;
        return connect_by_ref(args, remote, &local, global, &output).await;
    }
    let remote_cluster = match &args.remote {
        Some(name) => Some(remote_cluster(args, name, global).await?),
        None => None,
    };
    let wanted = proxy_remote(args, remote_cluster.as_ref()).await?;
    let mut warnings = match &local {
        Some(local) => connect::check_connect(local, &wanted.alias).await?,
        None => Vec::new(),
    };
    let es = Arc::new(reach(&args.es, local.as_ref(), &output).await?);
    if local.is_none() {
        warnings.extend(connect::deprecation_note(&es.info().await?.version.number));
    }
    let clients = Clients::default().with_elasticsearch(&es);
    let outcome = plan::carry_out(&output, global.approval(), &clients, || async {
        let mut plan = connect::plan_connect(&es, &wanted).await?;
        warnings.iter().for_each(|warning| plan.warn(warning));
        Ok(plan)
    })
    .await?;
    let goal = format!(
        "{} is a remote of {} at {}",
        wanted.alias,
        es.description(),
        wanted.address
    );
    outcome.announce(&output, &goal);
    let proven = match (&outcome, args.no_verify) {
        (Outcome::DryRun(_), _) | (_, true) => None,
        _ => Some(
            prove(
                args,
                &es,
                &wanted,
                local.as_ref(),
                remote_cluster.as_ref(),
                &output,
            )
            .await?,
        ),
    };
    if output.format() == OutputFormat::Json {
        let mut report = outcome.to_json();
        report.insert("alias".into(), json!(wanted.alias));
        report.insert("proxy_address".into(), json!(wanted.address.to_string()));
        report.insert("remote_info".into(), json!(proven));
        output.json(&report)?;
    }
    Ok(())
}

/// Waits for the link; on failure, explains it with what both sides show.
async fn prove(
    args: &ConnectArgs,
    es: &Elasticsearch,
    wanted: &ProxyRemote,
    local: Option<&EckCluster>,
    remote: Option<&EckCluster>,
    output: &Output,
) -> anyhow::Result<crate::elasticsearch::RemoteClusterInfo> {
    match connect::prove(es, &wanted.alias, args.timeout, output).await? {
        Ok(info) => {
            output.status(
                "Connected",
                connect::describe_link(&wanted.alias, Some(&info)),
            );
            Ok(info)
        }
        Err(last_seen) => {
            let findings = match (local, remote) {
                (Some(local), Some(remote)) => {
                    connect::diagnose(local, remote, &wanted.address)
                        .await
                        .findings
                }
                (Some(local), None) => connect::hostname_finding(local, None, &wanted.address)
                    .await
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            };
            let waited = humantime::format_duration(args.timeout).to_string();
            Err(connect::not_connected(&wanted.alias, &waited, &last_seen, &findings).into())
        }
    }
}

/// The alias of an API-key link: `--alias`, or the ECK remote's name.
fn api_key_alias(args: &ConnectArgs) -> anyhow::Result<String> {
    match (&args.alias, &args.remote) {
        (Some(alias), _) => Ok(alias.clone()),
        (None, Some(remote)) => Ok(remote.clone()),
        (None, None) => Err(Failure::new(
            FailureKind::Invalid,
            "name the remote outside ECK: --alias NAME",
        )
        .into()),
    }
}

/// The remote of `connect --api-key`: the ECK cluster of `--remote`, or the remote cluster
/// server at `--proxy ADDRESS` (port 9443 unless given) whose certificate `--ca-file` signed.
async fn remote_end(args: &ConnectArgs, global: &GlobalArgs) -> anyhow::Result<RemoteEnd> {
    if let Some(remote) = &args.remote {
        return Ok(RemoteEnd::Eck(remote_cluster(args, remote, global).await?));
    }
    let (Some(Some(address)), Some(ca_file)) = (&args.proxy, &args.ca_file) else {
        return Err(Failure::new(
            FailureKind::Invalid,
            "say where the remote is: --remote REMOTE (an ECK cluster), or --proxy ADDRESS --ca-file FILE",
        )
        .with_hint(
            "for a remote outside ECK, --proxy is its remote cluster server (port 9443 by default) and \
             --ca-file the CA of that server's certificate",
        )
        .into());
    };
    let mut address = address.parse::<ProxyAddress>()?;
    if !address_has_port(args.proxy.as_ref().and_then(Option::as_deref)) {
        address.port = api_key::REMOTE_CLUSTER_PORT;
    }
    Ok(RemoteEnd::Outside {
        address,
        ca: crate::trust::planner::ca_of_file(ca_file, &api_key_alias(args)?)?,
        server_name: args.server_name.clone(),
    })
}

/// Whether a proxy address as typed names its port (`HOST:PORT`, `[IPv6]:PORT`).
fn address_has_port(typed: Option<&str>) -> bool {
    typed.is_some_and(|typed| match typed.rsplit_once(']') {
        Some((_, rest)) => rest.starts_with(':'),
        None => typed.matches(':').count() == 1,
    })
}

/// `connect --api-key`: the shared flow of API-key links, for one link.
async fn connect_by_api_key(
    args: &ConnectArgs,
    link: ApiKeyLink,
    global: &GlobalArgs,
    output: &Output,
) -> anyhow::Result<()> {
    let remote_access = EsAccessArgs {
        es_url: args.remote_es_url.clone(),
        es_ca_file: args.remote_es_ca_file.clone(),
        ..EsAccessArgs::default()
    };
    let local = link.local.clone();
    let access = |side: &EckCluster| match side.same_as(&local) {
        true => args.es.clone(),
        false => remote_access.clone(),
    };
    let outside = link.remote_cluster().is_none();
    let outside_access = (outside && args.remote_es_url.is_some()).then(|| remote_access.clone());
    let given_key = std::env::var(api_key::GIVEN_KEY_VARIABLE)
        .ok()
        .filter(|key| outside && outside_access.is_none() && !key.is_empty())
        .map(Secret::new);
    let flow = Flow {
        links: vec![link],
        access: &access,
        outside_access,
        given_key,
        timeout: args.timeout,
        roll_timeout: args.roll_timeout,
    };
    api_key_links::run(&flow, global, output).await
}

/// An expiration as Elasticsearch's `TimeValue` reads it: a whole number and a unit.
fn parse_key_expiration(text: &str) -> Result<String, String> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let units = ["d", "h", "m", "s", "ms"];
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && units.contains(&unit) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a duration Elasticsearch reads: a whole number and d, h, m, s or ms (e.g. 90d)"
        ))
    }
}

async fn connect_by_ref(
    args: &ConnectArgs,
    remote: &str,
    local: &EckCluster,
    global: &GlobalArgs,
    output: &Output,
) -> anyhow::Result<()> {
    let alias = args.alias.clone().unwrap_or_else(|| remote.to_string());
    trust::validate_alias(&alias)?;
    // The same Kubernetes cluster: the remote's namespace is the local one's unless named.
    let namespace = remote_location(args, global)
        .namespace
        .unwrap_or_else(|| local.kube.namespace().to_string());
    crate::k8s::validate_name("namespace", &namespace)?;
    let es = reach(&args.es, Some(local), output).await?;
    let clients = Clients::default().with_kube(&local.kube);
    let outcome = plan::carry_out(output, global.approval(), &clients, || {
        connect::plan_ref(local, &es, &alias, remote, &namespace)
    })
    .await?;
    outcome.report(
        output,
        &format!(
            "{} names {remote} in {namespace} as its remote {alias} in spec.remoteClusters",
            local.cluster
        ),
    )
}

pub async fn disconnect(args: &DisconnectArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    trust::validate_alias(&args.alias)?;
    let local = local_cluster(args.cluster.as_deref(), global).await?;
    if args.reference {
        let local =
            local.ok_or_else(|| Failure::new(FailureKind::Invalid, "--ref needs CLUSTER"))?;
        let clients = Clients::default().with_kube(&local.kube);
        let outcome = plan::carry_out(&output, global.approval(), &clients, || {
            connect::plan_unref(&local, &args.alias)
        })
        .await?;
        return outcome.report(
            &output,
            &format!(
                "spec.remoteClusters of {} no longer names {}",
                local.cluster, args.alias
            ),
        );
    }
    let warnings = match &local {
        Some(local) => connect::check_disconnect(local, &args.alias).await?,
        None => Vec::new(),
    };
    let es = Arc::new(reach(&args.es, local.as_ref(), &output).await?);
    let remote_access = EsAccessArgs {
        es_url: args.remote_es_url.clone(),
        es_ca_file: args.remote_es_ca_file.clone(),
        ..EsAccessArgs::default()
    };
    let remote_es = match (&args.remote, &local) {
        (Some(remote), Some(_)) => {
            let location = global.location().remote(SideFlags {
                context: args.remote_context.as_deref(),
                namespace: args.remote_namespace.as_deref(),
            });
            let kube = Kube::connect(&location).await?;
            Some(remote_access.reach(Some((&kube, remote)), &output).await?)
        }
        // A remote outside ECK, by its URL alone.
        (None, Some(_)) if args.remote_es_url.is_some() => {
            Some(remote_access.reach(None, &output).await?)
        }
        _ => None,
    }
    .map(Arc::new);
    let mut clients = Clients::default().with_elasticsearch(&es);
    if let Some(local) = &local {
        clients = clients.with_kube(&local.kube);
    }
    if let Some(remote_es) = &remote_es {
        clients = clients.with_elasticsearch(remote_es);
    }
    let outcome = plan::carry_out(&output, global.approval(), &clients, || async {
        let mut plan = connect::plan_disconnect(&es, &args.alias).await?;
        if let Some(local) = &local {
            plan.append(
                api_key::planner::plan_key_removal(
                    local,
                    &args.alias,
                    remote_es.as_deref(),
                    api_key_links::now_millis(),
                )
                .await?,
            );
        }
        warnings.iter().for_each(|warning| plan.warn(warning));
        Ok(plan)
    })
    .await?;
    outcome.report(
        &output,
        &format!("{} is no remote of {}", args.alias, es.description()),
    )
}

/// The local ECK cluster, when one is named.
async fn local_cluster(
    cluster: Option<&str>,
    global: &GlobalArgs,
) -> anyhow::Result<Option<EckCluster>> {
    let Some(cluster) = cluster else {
        return Ok(None);
    };
    crate::k8s::validate_name("cluster name", cluster)?;
    Ok(Some(EckCluster {
        kube: Kube::connect(&global.location()).await?,
        cluster: cluster.to_string(),
    }))
}

/// The remote ECK cluster of `--remote`, placed by `Location::locate_link`'s rule.
async fn remote_cluster(
    args: &ConnectArgs,
    name: &str,
    global: &GlobalArgs,
) -> anyhow::Result<EckCluster> {
    Ok(EckCluster {
        kube: Kube::connect(&remote_location(args, global)).await?,
        cluster: name.to_string(),
    })
}

/// Where `--remote-context` and `--remote-namespace` place the remote.
fn remote_location(args: &ConnectArgs, global: &GlobalArgs) -> Location {
    let remote = SideFlags {
        context: args.remote_context.as_deref(),
        namespace: args.remote_namespace.as_deref(),
    };
    global.location().remote(remote)
}

/// What the command line asks for, checked before anything is read or written.
async fn proxy_remote(
    args: &ConnectArgs,
    remote: Option<&EckCluster>,
) -> anyhow::Result<ProxyRemote> {
    let alias = match (&args.alias, remote) {
        (Some(alias), _) => alias.clone(),
        (None, Some(remote)) => remote.cluster.clone(),
        (None, None) => {
            return Err(Failure::new(
                FailureKind::Invalid,
                "name the remote: --alias NAME (or --remote REMOTE)",
            )
            .into());
        }
    };
    trust::validate_alias(&alias)?;
    if let Some(server_name) = &args.server_name
        && !remote::is_host_name(server_name)
    {
        return Err(Failure::new(
            FailureKind::Invalid,
            format!("--server-name {server_name:?} is not a host name"),
        )
        .into());
    }
    let address = match (args.proxy.as_ref().and_then(Option::as_deref), remote) {
        (Some(address), _) => address.parse::<ProxyAddress>()?,
        (None, Some(remote)) => connect::exposed_address(remote).await?,
        (None, None) => {
            return Err(Failure::new(
                FailureKind::Invalid,
                "say where the remote answers: --proxy ADDRESS, or --remote REMOTE",
            )
            .with_hint("--remote takes the address that ecr expose reports for that cluster")
            .into());
        }
    };
    Ok(ProxyRemote {
        alias,
        address,
        server_name: args.server_name.clone(),
        skip_unavailable: args.skip_unavailable,
        socket_connections: args.proxy_socket_connections,
    })
}

async fn reach(
    es: &EsAccessArgs,
    local: Option<&EckCluster>,
    output: &Output,
) -> anyhow::Result<Elasticsearch> {
    es.reach(
        local.map(|cluster| (&cluster.kube, cluster.cluster.as_str())),
        output,
    )
    .await
}
