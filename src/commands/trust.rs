//! `ecr trust add` / `remove` / `sync`: step 2 of the recipe, a remote's transport CA trusted
//! by a cluster (one rolling restart at most, the first time), and kept current after rotations.

use clap::builder::NonEmptyStringValueParser;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use time::OffsetDateTime;

use crate::cli::GlobalArgs;
use crate::eck::EckCluster;
use crate::error::{Failure, FailureKind, counted, name_list};
use crate::k8s::{Kube, Location, SideFlags};
use crate::plan::{self, Clients, Outcome};
use crate::trust::planner::{self, Placement, Via};
use crate::trust::sync::SyncRules;
use crate::trust::{self, MountLayout};

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Trust a remote cluster's transport CA in CLUSTER (step 2 of the recipe)
    ///
    /// Writes, in this order: the secret (default remote-certs) holding each trusted remote's
    /// CA and the bundle Elasticsearch reads, then, only if not already there, on each selected
    /// nodeSet: a secret volume, a volumeMount on the elasticsearch container, and the bundle
    /// path in xpack.security.transport.ssl.certificate_authorities.
    ///
    /// Restarts: changing a nodeSet's config or podTemplate makes ECK roll all its pods, one at
    /// a time. That happens the first time only: Elasticsearch reloads CA files when they
    /// change and Kubernetes updates mounted secrets in place, so every later trust add and
    /// trust remove changes only the secret. With --via config-map, ECK (2.8+)
    /// reads the CAs from a ConfigMap named in spec.transport.tls.certificateAuthorities:
    /// no restart at all. ECK also publishes those CAs after the cluster's own CA in its
    /// public transport secret; ecr copies only a remote's own CA (the first), so trusting
    /// a cluster never means trusting whom it trusts.
    Add(AddArgs),
    /// Stop trusting a remote's CA: changes only the secret (or ConfigMap), never restarts
    Remove(RemoveArgs),
    /// Refresh the trusted CAs from their sources, after a CA rotation: writes only the store
    ///
    /// Re-reads the source recorded with each alias (the remote's own CA, the first of its
    /// public transport secret, in the kube context and namespace trust add read it from) and,
    /// where it changed, adds the new certificate under the same alias, before the old ones.
    /// The old ones stay until they expire (or until --prune), so connections survive the
    /// overlap: ECK renews its CAs keeping the key, and nodes move to the renewed CA over
    /// time, while a user-provided CA replaced with a new key needs the new one trusted at
    /// once.
    ///
    /// Only the secret (or ConfigMap) is written, never the Elasticsearch resource: no
    /// restart, since Elasticsearch reloads CA files when they change. A second run writes
    /// nothing, so it is safe in a CronJob (see the README). Aliases from a CA file are left as
    /// they are. A source that cannot be read is named, its alias kept, and the exit status is
    /// 1 once the others are synced. In a pod (its service account, no kubeconfig), every
    /// source is read in that Kubernetes cluster, whatever context was recorded.
    Sync(SyncArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The Elasticsearch cluster that will trust the remote
    pub cluster: String,

    /// The ECK-managed remote cluster whose transport CA to trust
    #[arg(
        long,
        value_name = "REMOTE",
        required_unless_present = "ca_file",
        conflicts_with = "ca_file"
    )]
    pub from: Option<String>,

    /// Namespace of REMOTE [default: CLUSTER's namespace, or --from-context's namespace]
    #[arg(long, value_name = "NS", requires = "from", conflicts_with = "ca_file")]
    pub from_namespace: Option<String>,

    /// Kube context of REMOTE, when it runs in another Kubernetes cluster [default: --context]
    #[arg(
        long,
        value_name = "CTX",
        requires = "from",
        conflicts_with = "ca_file",
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub from_context: Option<String>,

    /// The CA (PEM) of a cluster outside Kubernetes; needs --alias
    #[arg(long, value_name = "FILE", requires = "alias")]
    pub ca_file: Option<PathBuf>,

    #[command(flatten)]
    pub placement: PlacementArgs,

    /// Name of this remote's CA in the secret, usually its remote-cluster alias [default: REMOTE]
    #[arg(long, value_name = "NAME")]
    pub alias: Option<String>,

    /// Only these nodeSets (repeatable) [default: every nodeSet]
    #[arg(long = "node-set", value_name = "NAME", value_parser = NonEmptyStringValueParser::new())]
    pub node_sets: Vec<String>,

    /// Also trust CLUSTER's CA in REMOTE (REMOTE must be ECK-managed)
    #[arg(long, requires = "from", conflicts_with = "ca_file")]
    pub mutual: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The Elasticsearch cluster that trusts the remote
    pub cluster: String,

    /// The remote's CA to remove, by the name it was added under
    #[arg(long, value_name = "NAME")]
    pub alias: String,

    #[command(flatten)]
    pub placement: PlacementArgs,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The Elasticsearch cluster whose trusted CAs to refresh
    #[arg(required_unless_present = "all_namespaces")]
    pub cluster: Option<String>,

    /// Refresh every store labelled app.kubernetes.io/managed-by=ecr, in every namespace you
    /// may list (those you may not are skipped with a warning)
    #[arg(short = 'A', long, conflicts_with_all = ["cluster", "via", "secret"])]
    pub all_namespaces: bool,

    /// Drop the replaced certificates now, rather than when they expire
    #[arg(long)]
    pub prune: bool,

    /// How CLUSTER trusts the CAs, to find its store
    #[arg(long, value_enum, default_value_t = Via::SecretMount)]
    pub via: Via,

    /// The secret (or, with --via config-map, the ConfigMap) holding CLUSTER's trusted CAs
    #[arg(long, value_name = "NAME", default_value = trust::DEFAULT_SECRET)]
    pub secret: String,
}

/// Where the trusted CAs live: the same options for add and remove.
#[derive(Debug, Args)]
pub struct PlacementArgs {
    /// How the cluster is made to trust the CAs
    #[arg(long, value_enum, default_value_t = Via::SecretMount)]
    pub via: Via,

    /// The secret (or, with --via config-map, the ConfigMap) holding the trusted CAs
    #[arg(long, value_name = "NAME", default_value = trust::DEFAULT_SECRET)]
    pub secret: String,

    /// Where the secret is mounted, under /usr/share/elasticsearch/config/
    #[arg(long, value_name = "PATH", default_value = trust::DEFAULT_MOUNT_PATH)]
    pub mount_path: String,
}

impl PlacementArgs {
    fn placement(&self, node_sets: &[String]) -> anyhow::Result<Placement> {
        Ok(Placement {
            via: self.via,
            layout: MountLayout::new(&self.secret, &self.mount_path)?,
            node_sets: (!node_sets.is_empty()).then(|| node_sets.to_vec()),
        })
    }
}

pub async fn run(command: TrustCommand, global: &GlobalArgs) -> anyhow::Result<()> {
    match command {
        TrustCommand::Add(args) => add(&args, global).await,
        TrustCommand::Remove(args) => remove(&args, global).await,
        TrustCommand::Sync(args) => sync(&args, global).await,
    }
}

async fn sync(args: &SyncArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    let base = global.location();
    let kube = Kube::connect(&base).await?;
    let stores = match &args.cluster {
        Some(cluster) => {
            let truster = EckCluster {
                kube: kube.clone(),
                cluster: cluster.clone(),
            };
            let placement = Placement {
                via: args.via,
                layout: MountLayout::new(&args.secret, trust::DEFAULT_MOUNT_PATH)?,
                node_sets: None,
            };
            vec![planner::store_of(&truster, &placement).await?]
        }
        None => {
            let (stores, warnings) = planner::labelled_stores(&kube).await;
            warnings.iter().for_each(|warning| output.warn(warning));
            stores
        }
    };
    let in_pod = kube.server().context.is_none();
    let (current, problems) = planner::read_sources(&base, &stores, in_pod).await?;
    problems.iter().for_each(|problem| output.warn(problem));
    let rules = SyncRules {
        now: OffsetDateTime::now_utc(),
        prune: args.prune,
    };
    let clients = Clients::default().with_kube(&kube);
    let outcome = plan::carry_out(&output, global.approval(), &clients, || {
        planner::plan_sync(&stores, &current, &rules)
    })
    .await?;
    let names: Vec<String> = stores.iter().map(|store| store.describe()).collect();
    let goal = format!(
        "the CAs trusted in {} match their sources",
        name_list(&names, "no store")
    );
    outcome.report(&output, &goal)?;
    match problems.len() {
        0 => Ok(()),
        count => Err(Failure::new(
            FailureKind::NotFound,
            format!(
                "{} could not be read; their CAs were left as they are",
                counted(count, "source")
            ),
        )
        .with_hint("see the warnings above; trust remove an alias whose source is gone for good")
        .into()),
    }
}

async fn add(args: &AddArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    let placement = args.placement.placement(&args.node_sets)?;
    let local = EckCluster {
        kube: Kube::connect(&global.location()).await?,
        cluster: args.cluster.clone(),
    };
    let (ca, remote) = match (&args.from, &args.ca_file) {
        (Some(remote), _) => {
            let remote = EckCluster {
                kube: Kube::connect(&remote_location(args, global)).await?,
                cluster: remote.clone(),
            };
            (
                planner::ca_of_cluster(&remote, args.alias.as_deref()).await?,
                Some(remote),
            )
        }
        (None, file) => {
            let file = file.as_deref().ok_or_else(|| {
                Failure::new(
                    FailureKind::Invalid,
                    "say whose CA to trust: --from REMOTE or --ca-file FILE",
                )
            })?;
            (
                planner::ca_of_file(file, args.alias.as_deref().unwrap_or_default())?,
                None,
            )
        }
    };
    let mutual = match (&remote, args.mutual) {
        (Some(remote), true) => Some((remote, planner::ca_of_cluster(&local, None).await?)),
        _ => None,
    };
    let clients = match &remote {
        Some(remote) => Clients::default().with_kube(&remote.kube),
        None => Clients::default(),
    }
    .with_kube(&local.kube);
    let outcome = plan::carry_out(&output, global.approval(), &clients, || async {
        let mut plan = planner::plan_add(&local, &placement, &ca).await?;
        if let Some((remote, local_ca)) = &mutual {
            plan.append(planner::plan_add(remote, &placement, local_ca).await?);
        }
        Ok(plan)
    })
    .await?;
    let trusted = match &mutual {
        Some((remote, _)) => format!(
            "{} and {} trust each other's CA",
            local.cluster, remote.cluster
        ),
        None => format!("{} trusts the CA of {}", local.cluster, ca.alias),
    };
    outcome.report(&output, &trusted)
}

async fn remove(args: &RemoveArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    trust::validate_alias(&args.alias)?;
    let placement = args.placement.placement(&[])?;
    let local = EckCluster {
        kube: Kube::connect(&global.location()).await?,
        cluster: args.cluster.clone(),
    };
    let clients = Clients::default().with_kube(&local.kube);
    let outcome = plan::carry_out(&output, global.approval(), &clients, || {
        planner::plan_remove(&local, &placement, &args.alias)
    })
    .await?;
    if matches!(outcome, Outcome::InPlace) {
        let aliases = planner::trusted_aliases(&local, &placement).await?;
        output.warn(format!(
            "{} trusts no CA named {} through ecr; those it does: {}",
            local.cluster,
            args.alias,
            name_list(&aliases, "none")
        ));
    }
    let goal = format!(
        "{} no longer trusts the CA of {}",
        local.cluster, args.alias
    );
    outcome.report(&output, &goal)
}

/// Where `--from-context` and `--from-namespace` place REMOTE.
fn remote_location(args: &AddArgs, global: &GlobalArgs) -> Location {
    let remote = SideFlags {
        context: args.from_context.as_deref(),
        namespace: args.from_namespace.as_deref(),
    };
    global.location().remote(remote)
}
