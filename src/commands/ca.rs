//! `ecr ca extract`: step 1 of the recipe, a cluster's transport CA as ECK publishes it.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::cli::GlobalArgs;
use crate::eck;
use crate::k8s::Kube;
use crate::output::OutputFormat;

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)
    ///
    /// Reads the secret CLUSTER-es-transport-certs-public, key ca.crt, and checks that it holds
    /// X.509 certificates: the cluster's own CA first, then every CA the cluster was told to
    /// trust. With -o json, prints the PEM and, for each certificate, its subject, issuer,
    /// validity and SHA-256 fingerprint.
    Extract(ExtractArgs),
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Name of the Elasticsearch cluster (the Elasticsearch resource)
    pub cluster: String,

    /// Write the PEM to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn run(command: CaCommand, global: &GlobalArgs) -> anyhow::Result<()> {
    match command {
        CaCommand::Extract(args) => extract(&args, global).await,
    }
}

async fn extract(args: &ExtractArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    let kube = Kube::connect(&global.location()).await?;
    let ca = eck::read_transport_ca(&kube, &args.cluster).await?;
    if let Some(path) = &args.out {
        std::fs::write(path, &ca.pem).with_context(|| format!("writing {}", path.display()))?;
        output.status(
            "Wrote",
            format!("the transport CA of {} to {}", ca.cluster, path.display()),
        );
    }
    for certificate in &ca.certificates {
        output.status(
            "Certificate",
            format!(
                "{}, expires {}, SHA-256 {}",
                certificate.subject, certificate.not_after, certificate.sha256_fingerprint
            ),
        );
    }
    match (global.output, &args.out) {
        (OutputFormat::Json, _) => output.json(&ca),
        (OutputFormat::Text, None) => output.bytes(ca.pem.as_bytes()),
        (OutputFormat::Text, Some(_)) => Ok(()),
    }
}
