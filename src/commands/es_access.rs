//! The arguments that say how ecr reaches Elasticsearch, shared by the commands that talk to
//! it (`connect`, `disconnect`): a port-forward to an ECK cluster by default, or a URL.

use clap::builder::NonEmptyStringValueParser;
use std::path::PathBuf;

use clap::Args;

use crate::elasticsearch::{self, ClientCertificate, Credentials, Elasticsearch, TrustOptions};
use crate::error::{Failure, FailureKind};
use crate::k8s::Kube;
use crate::output::Output;

/// How to reach Elasticsearch. Credentials are never arguments: for an ECK cluster ecr reads
/// the `elastic` user's password from the secret CLUSTER-es-elastic-user; for --es-url alone,
/// or a cluster without that secret (spec.auth.disableElasticUser), it reads ES_API_KEY, or
/// ES_USERNAME (default elastic) and ES_PASSWORD, from the environment, and otherwise asks for
/// the password on the terminal.
#[derive(Debug, Clone, Default, Args)]
pub struct EsAccessArgs {
    /// Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of
    /// the cluster's pods [default: a port-forward over the Kubernetes API to port 9200 of a
    /// running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the
    /// cluster's spec.http.tls says, verified against the HTTP service's name
    /// CLUSTER-es-http.NS.svc, or a name the user's own certificate carries]. With a CLUSTER,
    /// its elastic password and HTTP CA are still used; without one, any Elasticsearch, also
    /// outside Kubernetes
    #[arg(long, value_name = "URL", value_parser = NonEmptyStringValueParser::new())]
    pub es_url: Option<String>,

    /// PEM file of the CA(s) that signed Elasticsearch's HTTP certificate [default: the ca.crt
    /// of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user's own
    /// certificate may come without one: then the system's trusted roots); with --es-url
    /// alone, the system's trusted roots]
    #[arg(long, value_name = "FILE")]
    pub es_ca_file: Option<PathBuf>,

    /// Do not verify Elasticsearch's certificate at all. Never the default, warned about on
    /// every use: whoever sits on the path can read the credentials and change what ecr
    /// reads and writes
    #[arg(long, conflicts_with = "es_ca_file")]
    pub insecure: bool,

    /// PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch
    /// when it requires one (spec.http.tls.client.authentication); needs --es-client-key
    #[arg(long, value_name = "FILE", requires = "es_client_key")]
    pub es_client_cert: Option<PathBuf>,

    /// PEM file of the private key of --es-client-cert
    #[arg(long, value_name = "FILE", requires = "es_client_cert")]
    pub es_client_key: Option<PathBuf>,

    /// Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of
    /// the cluster ecr reaches, instead of --es-client-cert and --es-client-key
    #[arg(long, value_name = "NAME", conflicts_with = "es_client_cert")]
    pub es_client_cert_secret: Option<String>,
}

impl EsAccessArgs {
    /// A client for the ECK cluster `cluster` (on its `Kube`), or for `--es-url` alone.
    pub async fn reach(
        &self,
        cluster: Option<(&Kube, &str)>,
        output: &Output,
    ) -> anyhow::Result<Elasticsearch> {
        let url = self
            .es_url
            .as_deref()
            .map(elasticsearch::parse_url)
            .transpose()?;
        let trust = TrustOptions {
            ca_file: self.es_ca_file.clone(),
            insecure: self.insecure,
            client_certificate: self.client_certificate(),
        };
        match (cluster, url) {
            (Some((kube, cluster)), url) => {
                elasticsearch::reach_eck_cluster(kube, cluster, url.as_ref(), &trust, output).await
            }
            (None, Some(url)) => {
                let credentials = Credentials::from_environment_or_prompt(url.as_str(), None)?;
                elasticsearch::reach_url(&url, &trust, credentials, output).await
            }
            (None, None) => Err(Failure::new(
                FailureKind::Invalid,
                "no Elasticsearch to talk to: name an ECK cluster, or pass --es-url URL",
            )
            .into()),
        }
    }
}

impl EsAccessArgs {
    fn client_certificate(&self) -> Option<ClientCertificate> {
        match (
            &self.es_client_cert,
            &self.es_client_key,
            &self.es_client_cert_secret,
        ) {
            (Some(certificate), Some(key), _) => Some(ClientCertificate::Files {
                certificate: certificate.clone(),
                key: key.clone(),
            }),
            (_, _, Some(secret)) => Some(ClientCertificate::Secret(secret.clone())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::OutputFormat;
    use clap::Parser;

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        access: EsAccessArgs,
    }

    #[test]
    fn the_flags_parse_and_insecure_excludes_a_ca_file() {
        let parsed = Command::try_parse_from(["x", "--es-url", "https://es:9200", "--insecure"])
            .unwrap()
            .access;
        assert_eq!(parsed.es_url.as_deref(), Some("https://es:9200"));
        assert!(parsed.insecure);
        let both = Command::try_parse_from(["x", "--insecure", "--es-ca-file", "ca.pem"]);
        assert!(both.is_err());
    }

    #[tokio::test]
    async fn without_a_cluster_or_a_url_nothing_is_reached() {
        let output = Output::new(OutputFormat::Text, true);
        let error = EsAccessArgs::default()
            .reach(None, &output)
            .await
            .unwrap_err();
        assert!(Failure::is(&error, FailureKind::Invalid));
        let bad_url = EsAccessArgs {
            es_url: Some("ftp://es".into()),
            ..EsAccessArgs::default()
        };
        let error = bad_url.reach(None, &output).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "--es-url ftp://es is not an http or https URL (it is ftp)"
        );
    }
}
