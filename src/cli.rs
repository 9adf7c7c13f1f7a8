//! The options every subcommand takes (kubectl's conventions); the subcommands themselves are
//! in `commands`.

use clap::builder::NonEmptyStringValueParser;
use std::path::PathBuf;

use clap::{ArgAction, Args};

use crate::k8s::Location;
use crate::output::{Output, OutputFormat};
use crate::plan::Approval;

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config,
    /// then the pod's service account]
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use [default: the current context]
    #[arg(long, global = true, value_name = "NAME", value_parser = NonEmptyStringValueParser::new())]
    pub context: Option<String>,

    /// Namespace of the cluster [default: the context's namespace, then "default"]
    #[arg(short = 'n', long, global = true, value_name = "NS", value_parser = NonEmptyStringValueParser::new())]
    pub namespace: Option<String>,

    /// Output format: text for people, json (stable and complete) for scripts
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Apply changes without asking for confirmation
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// Show what would change, and change nothing
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Explain each step on stderr (-vv: also each HTTP request); secrets are never shown
    #[arg(short = 'v', long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print only results and errors
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
}

impl GlobalArgs {
    /// Where the command line places the cluster a command acts on (see `Location::locate_link`
    /// for the other one of a link).
    pub fn location(&self) -> Location {
        Location {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
        }
    }

    pub fn output(&self) -> Output {
        Output::new(self.output, self.quiet)
    }

    /// What the operator allowed: `--yes` and `--dry-run`.
    pub fn approval(&self) -> Approval {
        Approval {
            yes: self.yes,
            dry_run: self.dry_run,
        }
    }
}
