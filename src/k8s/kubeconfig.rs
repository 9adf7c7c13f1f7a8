//! Which Kubernetes API server to talk to, as whom, and in which namespace, by kubectl's rules:
//! `--kubeconfig`, else `KUBECONFIG` (several files, merged), else `~/.kube/config`, else the
//! pod's service account; `--context`, else the current context; `-n`, else the context's namespace.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use kube::config::{KubeConfigOptions, Kubeconfig};

use super::location::Location;
use crate::error::{Failure, FailureKind, name_list};

/// How long ecr waits for a connection to the API server.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A configuration ready for a client, with what messages need to say about it.
pub(crate) struct Resolved {
    pub config: kube::Config,
    /// `None` when running in a pod with its service account.
    pub context: Option<String>,
    pub namespace: String,
}

pub(crate) async fn resolve(location: &Location) -> anyhow::Result<Resolved> {
    let mut resolved = match load_kubeconfig(location.kubeconfig.as_deref())? {
        Some(kubeconfig) => from_kubeconfig(kubeconfig, location.context.as_deref()).await?,
        None => in_cluster(location)?,
    };
    if let Some(namespace) = &location.namespace {
        super::names::validate_name("namespace", namespace)?;
        resolved.namespace = namespace.clone();
    }
    // ecr retries its reads itself, a few times and briefly; kube's default would retry
    // writes too, for up to minutes, which a command-line tool must not do silently.
    resolved.config.default_retry = false;
    // An API server that does not take a connection in 10s is not there (kube waits 30s).
    resolved.config.connect_timeout = Some(CONNECT_TIMEOUT);
    Ok(resolved)
}

/// The contexts of the kubeconfig ecr would use, and its current context, for choosing one.
pub fn contexts(explicit: Option<&Path>) -> anyhow::Result<(Vec<String>, Option<String>)> {
    let kubeconfig = load_kubeconfig(explicit)?.unwrap_or_default();
    let names = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    Ok((names, kubeconfig.current_context.filter(|c| !c.is_empty())))
}

fn load_kubeconfig(explicit: Option<&Path>) -> anyhow::Result<Option<Kubeconfig>> {
    if let Some(path) = explicit {
        if !path.exists() {
            return Err(Failure::new(
                FailureKind::NotFound,
                format!("the kubeconfig {} does not exist", path.display()),
            )
            .into());
        }
        return read(path).map(Some);
    }
    if let Some(paths) = std::env::var_os("KUBECONFIG")
        .map(|value| {
            std::env::split_paths(&value)
                .filter(|p| !p.as_os_str().is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|paths| !paths.is_empty())
    {
        return merge_existing(&paths).map(Some);
    }
    match std::env::home_dir().map(|home| home.join(".kube").join("config")) {
        Some(path) if path.exists() => read(&path).map(Some),
        _ => Ok(None),
    }
}

/// Like kubectl, files named in `KUBECONFIG` that do not exist are skipped; all missing is an error.
fn merge_existing(paths: &[PathBuf]) -> anyhow::Result<Kubeconfig> {
    let existing: Vec<&PathBuf> = paths.iter().filter(|path| path.exists()).collect();
    if existing.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Failure::new(
            FailureKind::NotFound,
            format!(
                "KUBECONFIG names {}, and none of them exists",
                names.join(", ")
            ),
        )
        .into());
    }
    existing
        .into_iter()
        .try_fold(Kubeconfig::default(), |merged, path| {
            merged
                .merge(read(path)?)
                .with_context(|| format!("merging the kubeconfig {}", path.display()))
        })
}

fn read(path: &Path) -> anyhow::Result<Kubeconfig> {
    Kubeconfig::read_from(path).map_err(|error| {
        // The parser's message carries a source snippet over several lines: keep the first.
        let first_line = error
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        Failure::new(
            FailureKind::Invalid,
            format!(
                "the kubeconfig {} cannot be read: {first_line}",
                path.display()
            ),
        )
        .with_hint("check that it is a kubeconfig (YAML), e.g. with kubectl config view")
        .into()
    })
}

async fn from_kubeconfig(kubeconfig: Kubeconfig, wanted: Option<&str>) -> anyhow::Result<Resolved> {
    let context = choose_context(&kubeconfig, wanted)?;
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .with_context(|| format!("loading the context {context} from the kubeconfig"))?;
    Ok(Resolved {
        namespace: config.default_namespace.clone(),
        config,
        context: Some(context),
    })
}

fn choose_context(kubeconfig: &Kubeconfig, wanted: Option<&str>) -> anyhow::Result<String> {
    let names: Vec<&str> = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let hint = || format!("contexts in the kubeconfig: {}", name_list(&names, "none"));
    let chosen = wanted
        .map(str::to_string)
        .or_else(|| kubeconfig.current_context.clone().filter(|c| !c.is_empty()));
    match chosen {
        None => Err(Failure::new(
            FailureKind::NotFound,
            "the kubeconfig has no current context; choose one with --context",
        )
        .with_hint(hint())
        .into()),
        Some(context) if !names.contains(&context.as_str()) => Err(Failure::new(
            FailureKind::NotFound,
            format!("the context {context} does not exist in the kubeconfig"),
        )
        .with_hint(hint())
        .into()),
        Some(context) => Ok(context),
    }
}

fn in_cluster(location: &Location) -> anyhow::Result<Resolved> {
    if location.context.is_some() || std::env::var_os("KUBERNETES_SERVICE_HOST").is_none() {
        return Err(Failure::new(FailureKind::NotFound, "no kubeconfig found")
            .with_hint("pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config (in a pod, ecr uses its service account)")
            .into());
    }
    let config =
        kube::Config::incluster().context("loading the pod's service account configuration")?;
    Ok(Resolved {
        namespace: config.default_namespace.clone(),
        config,
        context: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(yaml: &str) -> Kubeconfig {
        Kubeconfig::from_yaml(yaml).expect("test kubeconfig parses")
    }

    const TWO_CONTEXTS: &str = "
apiVersion: v1
kind: Config
current-context: one
contexts:
- name: one
  context: {cluster: c, user: u}
- name: two
  context: {cluster: c, user: u}
";

    #[test]
    fn the_current_context_is_the_default() {
        assert_eq!(
            choose_context(&kubeconfig(TWO_CONTEXTS), None).unwrap(),
            "one"
        );
        assert_eq!(
            choose_context(&kubeconfig(TWO_CONTEXTS), Some("two")).unwrap(),
            "two"
        );
    }

    #[test]
    fn an_unknown_context_lists_the_others() {
        let error = choose_context(&kubeconfig(TWO_CONTEXTS), Some("three")).unwrap_err();
        let failure = Failure::find(&error).unwrap();
        assert_eq!(
            failure.message,
            "the context three does not exist in the kubeconfig"
        );
        assert_eq!(
            failure.hint.as_deref(),
            Some("contexts in the kubeconfig: one, two")
        );
    }

    #[test]
    fn no_current_context_asks_for_one() {
        let config = kubeconfig("apiVersion: v1\nkind: Config\ncontexts: []\n");
        let failure = choose_context(&config, None).unwrap_err();
        assert!(Failure::is(&failure, FailureKind::NotFound));
    }
}
