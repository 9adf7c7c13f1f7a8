//! Reaching Elasticsearch: an ECK cluster through a port-forward to one of its pods (or at a
//! URL) with ECK's password and HTTP CA, or any Elasticsearch by URL with a CA file or the
//! system roots. Every missing piece is a failure saying what to check.

use std::path::PathBuf;

use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::ResourceExt as _;
use reqwest::Url;

use super::client::{Connection, Elasticsearch};
use super::credentials::{self, Credentials};
use super::errors::{Route, Target, shown};
use super::portforward::PortForward;
use super::tls::{self, CaSource};
use crate::certs;
use crate::eck::{self, CA_KEY, CLUSTER_NAME_LABEL, ELASTIC_USER, HTTP_PORT};
use crate::error::{Failure, FailureKind};
use crate::k8s::{self, Kube};
use crate::output::Output;

/// What ecr trusts for Elasticsearch's certificate, besides the default (ECK's HTTP CA for
/// an ECK cluster, the system roots for a URL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustOptions {
    /// A PEM file of CA certificates (`--es-ca-file`).
    pub ca_file: Option<PathBuf>,
    /// Verify nothing (`--insecure`), with a warning each time.
    pub insecure: bool,
}

/// Checks an Elasticsearch URL: http or https, a host, no credentials, no query.
pub fn parse_url(text: &str) -> Result<Url, Failure> {
    // A URL with credentials is never echoed.
    let echoed = if text.contains('@') { "URL" } else { text };
    let invalid =
        |why: String| Failure::new(FailureKind::Invalid, format!("--es-url {echoed} {why}"));
    let url = Url::parse(text).map_err(|error| invalid(format!("is not a URL: {error}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            Failure::new(FailureKind::Invalid, "--es-url must not hold credentials").with_hint(
                format!(
                    "set {} and {}, or {}, in the environment instead",
                    credentials::USERNAME_VARIABLE,
                    credentials::PASSWORD_VARIABLE,
                    credentials::API_KEY_VARIABLE
                ),
            ),
        );
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "is not an http or https URL (it is {})",
            url.scheme()
        ))
        .with_hint("Elasticsearch's REST API is at https://HOST:9200 by default"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host".to_string()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must not have a query or a fragment".to_string()));
    }
    Ok(url)
}

/// The ECK cluster `cluster` in the client's namespace, as its `elastic` user: through a
/// port-forward to one of its running pods, verified against ECK's HTTP CA with the HTTP
/// service's DNS name (or in plain HTTP when the cluster turns HTTP TLS off); or at `url`
/// when one is given, whose scheme then decides.
pub async fn reach_eck_cluster(
    kube: &Kube,
    cluster: &str,
    url: Option<&Url>,
    trust: &TrustOptions,
    output: &Output,
) -> anyhow::Result<Elasticsearch> {
    k8s::validate_name("cluster name", cluster)?;
    let credentials = elastic_credentials(kube, cluster).await?;
    let eck_http = match (&trust.ca_file, trust.insecure) {
        (None, false) => read_eck_http(kube, cluster).await?,
        // The operator chose what to trust: ECK's CA is not read.
        _ => EckHttp::Tls(None),
    };
    let context = match &kube.server().context {
        Some(context) => format!("context {context}"),
        None => "in-cluster".to_string(),
    };
    let whereabouts = format!("{cluster} in {} ({context})", kube.namespace());
    let (endpoint, trust) = match (url, eck_http) {
        (Some(url), eck_http) => {
            warn_if_plain_http(url, output);
            let endpoint = Endpoint::url(url, format!("{whereabouts}, at {}", shown(url)));
            (endpoint, choose_trust(trust, eck_http.ca(), output)?)
        }
        (None, EckHttp::Plain) => {
            let endpoint = Endpoint::port_forward(kube, cluster, &whereabouts, Scheme::Http);
            (endpoint.await?, Trust::plain_http()?)
        }
        (None, eck_http) => {
            let endpoint = Endpoint::port_forward(kube, cluster, &whereabouts, Scheme::Https);
            (endpoint.await?, choose_trust(trust, eck_http.ca(), output)?)
        }
    };
    client(endpoint, trust, &credentials)
}

/// Any Elasticsearch at `url` (checked by `parse_url`), with these credentials.
pub async fn reach_url(
    url: &Url,
    trust: &TrustOptions,
    credentials: Credentials,
    output: &Output,
) -> anyhow::Result<Elasticsearch> {
    warn_if_plain_http(url, output);
    let endpoint = Endpoint::url(url, shown(url).to_string());
    client(endpoint, choose_trust(trust, None, output)?, &credentials)
}

fn warn_if_plain_http(url: &Url, output: &Output) {
    if url.scheme() == "http" {
        output.warn(format!(
            "{} is plain http: the credentials and everything read or written travel unencrypted",
            shown(url)
        ));
    }
}

/// How a pod's HTTP port speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Https,
    /// HTTP TLS turned off in the cluster's spec.
    Http,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }

    /// What the description of a port-forward adds.
    fn remark(self) -> &'static str {
        match self {
            Scheme::Https => "",
            Scheme::Http => " (plain HTTP: TLS is disabled on this cluster)",
        }
    }
}

/// Where requests go, and how messages name it.
struct Endpoint {
    base: Url,
    description: String,
    route: Route,
    port_forward: Option<PortForward>,
}

impl Endpoint {
    fn url(url: &Url, description: String) -> Self {
        Endpoint {
            base: url.clone(),
            description,
            route: Route::Url(url.clone()),
            port_forward: None,
        }
    }

    /// A port-forward to a running pod of `cluster`, addressed by its HTTP service's name.
    /// In plain HTTP ecr still puts no credentials on the network in the clear: the only
    /// plain hop is from ecr to its own loopback listener, and from there the port-forward
    /// travels inside ecr's TLS connection to the API server, which hands it to the kubelet,
    /// which reaches the pod's port from inside the pod's network namespace.
    async fn port_forward(
        kube: &Kube,
        cluster: &str,
        whereabouts: &str,
        scheme: Scheme,
    ) -> anyhow::Result<Self> {
        let pod = running_pod(kube, cluster).await?;
        let port_forward = PortForward::start(kube, &pod, HTTP_PORT).await?;
        let host = eck::http_service_host(cluster, kube.namespace());
        let port = port_forward.address().port();
        let base = Url::parse(&format!("{}://{host}:{port}", scheme.as_str()))
            .map_err(|error| anyhow::anyhow!("the service name {host} makes no URL: {error}"))?;
        Ok(Endpoint {
            base,
            description: format!(
                "{whereabouts}, through a port-forward to pod {pod}{}",
                scheme.remark()
            ),
            route: Route::PortForward {
                pod,
                namespace: kube.namespace().to_string(),
            },
            port_forward: Some(port_forward),
        })
    }
}

/// The `elastic` user with the password ECK keeps for it.
async fn elastic_credentials(kube: &Kube, cluster: &str) -> anyhow::Result<Credentials> {
    let secret = eck::elastic_user_secret(cluster);
    let password = read_secret_key(kube, cluster, &secret, ELASTIC_USER).await?;
    let password = String::from_utf8(password).map_err(|_| {
        Failure::new(
            FailureKind::Invalid,
            format!(
                "the password in the secret {secret} in {} is not text",
                kube.namespace()
            ),
        )
    })?;
    Ok(Credentials::eck_elastic(
        credentials::Secret::new(password),
        secret,
        kube.namespace().to_string(),
    ))
}

/// The TLS configuration and the name of what it trusts.
struct Trust {
    config: rustls::ClientConfig,
    source: CaSource,
}

impl Trust {
    /// For plain HTTP, where no certificate comes to be verified: trusts nothing.
    fn plain_http() -> anyhow::Result<Self> {
        Ok(Trust {
            config: tls::client_config(rustls::RootCertStore::empty())?,
            source: CaSource::PlainHttp,
        })
    }
}

/// What ECK says of a cluster's HTTP layer.
enum EckHttp {
    /// TLS, verified against ECK's HTTP CA when ecr read it.
    Tls(Option<Box<Trust>>),
    /// TLS turned off in the cluster's spec: ECK publishes no HTTP CA.
    Plain,
}

impl EckHttp {
    fn ca(self) -> Option<Trust> {
        match self {
            EckHttp::Tls(ca) => ca.map(|ca| *ca),
            EckHttp::Plain => None,
        }
    }
}

/// `--insecure`, else `--es-ca-file`, else ECK's HTTP CA when there is one, else the system roots.
fn choose_trust(
    options: &TrustOptions,
    eck_ca: Option<Trust>,
    output: &Output,
) -> anyhow::Result<Trust> {
    if options.insecure {
        output.warn(
            "--insecure: Elasticsearch's certificate is NOT verified; whoever sits between ecr \
             and Elasticsearch can read the credentials and change what ecr reads and writes",
        );
        return Ok(Trust {
            config: tls::unverified_client_config()?,
            source: CaSource::Unverified,
        });
    }
    if let Some(path) = &options.ca_file {
        return ca_file_trust(path);
    }
    if let Some(trust) = eck_ca {
        return Ok(trust);
    }
    Ok(Trust {
        config: tls::client_config(tls::system_roots()?)?,
        source: CaSource::SystemRoots,
    })
}

fn ca_file_trust(path: &PathBuf) -> anyhow::Result<Trust> {
    let file = path.display();
    let pem = std::fs::read(path).map_err(|error| {
        Failure::new(
            FailureKind::NotFound,
            format!("cannot read the CA file {file}: {error}"),
        )
    })?;
    let roots = pem_roots(&pem, &format!("the CA file {file}"))?;
    Ok(Trust {
        config: tls::client_config(roots)?,
        source: CaSource::File(path.clone()),
    })
}

/// The trust roots of a PEM bundle, checked to be certificates; `what` names where it is.
fn pem_roots(pem: &[u8], what: &str) -> Result<rustls::RootCertStore, Failure> {
    let not_a_bundle = |why: String| {
        Failure::new(
            FailureKind::Invalid,
            format!("{what} is not a CA bundle: {why}"),
        )
        .with_hint("give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----)")
    };
    certs::parse_bundle(pem).map_err(|error| not_a_bundle(error.to_string()))?;
    tls::roots_from_pem(pem)
        .ok_or_else(|| not_a_bundle("a certificate is not usable as a CA".into()))
}

/// ECK's HTTP CA of `cluster`, from its public secret; where that is missing, the cluster's
/// resource says whether it is because HTTP TLS is off (one more request, only then).
async fn read_eck_http(kube: &Kube, cluster: &str) -> anyhow::Result<EckHttp> {
    let secret = eck::http_ca_secret(cluster);
    let Some(found) = kube.get::<Secret>(&secret).await? else {
        let resource = eck::read_elasticsearch(kube, cluster).await?;
        if eck::http_tls_disabled(&resource) {
            return Ok(EckHttp::Plain);
        }
        return Err(missing_secret(kube, cluster, &secret));
    };
    let pem = secret_key(found, kube, cluster, &secret, CA_KEY)?;
    let what = format!(
        "the {CA_KEY} of the secret {secret} in {}",
        kube.namespace()
    );
    let roots = pem_roots(&pem, &what)?;
    Ok(EckHttp::Tls(Some(Box::new(Trust {
        config: tls::client_config(roots)?,
        source: CaSource::EckSecret {
            secret,
            namespace: kube.namespace().to_string(),
        },
    }))))
}

/// One key of one of ECK's secrets for `cluster`; a missing secret or key is explained.
async fn read_secret_key(
    kube: &Kube,
    cluster: &str,
    secret: &str,
    key: &str,
) -> anyhow::Result<Vec<u8>> {
    let Some(found) = kube.get::<Secret>(secret).await? else {
        // A missing cluster (or namespace) is the likelier cause: say that if so.
        eck::read_elasticsearch(kube, cluster).await?;
        return Err(missing_secret(kube, cluster, secret));
    };
    secret_key(found, kube, cluster, secret, key)
}

/// A secret of ECK's for an existing cluster is missing.
fn missing_secret(kube: &Kube, cluster: &str, secret: &str) -> anyhow::Error {
    let namespace = kube.namespace();
    Failure::new(
        FailureKind::NotFound,
        format!("the Elasticsearch cluster {cluster} exists in {namespace}, but its secret {secret} does not"),
    )
    .with_hint(format!(
        "ECK creates it when it reconciles the cluster: see kubectl describe es {cluster} -n {namespace}"
    ))
    .into()
}

/// One key of one of ECK's secrets for `cluster`; a missing key is explained.
fn secret_key(
    found: Secret,
    kube: &Kube,
    cluster: &str,
    secret: &str,
    key: &str,
) -> anyhow::Result<Vec<u8>> {
    let namespace = kube.namespace();
    found
        .data
        .and_then(|mut data| data.remove(key))
        .map(|bytes| bytes.0)
        .ok_or_else(|| {
            Failure::new(
                FailureKind::Invalid,
                format!("the secret {secret} in {namespace} has no key {key}"),
            )
            .with_hint(format!(
                "ECK writes it when it reconciles the cluster: see kubectl describe es {cluster} -n {namespace}"
            ))
            .into()
        })
}

/// A running pod of the cluster, a ready one if there is one.
async fn running_pod(kube: &Kube, cluster: &str) -> anyhow::Result<String> {
    let namespace = kube.namespace();
    let selector = format!("{CLUSTER_NAME_LABEL}={cluster}");
    let mut pods = kube.list_pods(&selector).await?;
    pods.sort_by_key(|pod| (!is_ready(pod), pod.name_any()));
    if let Some(pod) = pods.iter().find(|pod| is_running(pod)) {
        return Ok(pod.name_any());
    }
    let hint = if pods.is_empty() {
        format!(
            "it has no pods (label {selector}): see kubectl describe es {cluster} -n {namespace}"
        )
    } else {
        let states: Vec<String> = pods
            .iter()
            .map(|pod| format!("{} ({})", pod.name_any(), phase(pod)))
            .collect();
        format!(
            "its pods: {}; see kubectl get pods -n {namespace} -l {selector}",
            states.join(", ")
        )
    };
    Err(Failure::new(
        FailureKind::NotFound,
        format!("no running pod of the Elasticsearch cluster {cluster} in {namespace} to port-forward to"),
    )
    .with_hint(hint)
    .into())
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|status| status.phase.as_deref())
        .unwrap_or("Unknown")
}

fn is_running(pod: &Pod) -> bool {
    phase(pod) == "Running" && pod.metadata.deletion_timestamp.is_none()
}

fn is_ready(pod: &Pod) -> bool {
    let conditions = pod
        .status
        .as_ref()
        .and_then(|status| status.conditions.as_ref());
    conditions
        .into_iter()
        .flatten()
        .any(|condition| condition.type_ == "Ready" && condition.status == "True")
}

fn client(
    endpoint: Endpoint,
    trust: Trust,
    credentials: &Credentials,
) -> anyhow::Result<Elasticsearch> {
    Elasticsearch::new(Connection {
        base: endpoint.base,
        tls: trust.config,
        authorization: credentials.authorization()?,
        target: Target {
            description: endpoint.description,
            ca: trust.source,
            who: credentials.who(),
            credentials: credentials.source().clone(),
            route: endpoint.route,
        },
        port_forward: endpoint.port_forward,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_and_https_urls_are_taken() {
        for good in [
            "https://es.example:9200",
            "http://127.0.0.1:9200/",
            "https://proxy.example/elasticsearch/",
            "https://[::1]:9200",
        ] {
            assert!(parse_url(good).is_ok(), "{good}");
        }
        let refused = |text: &str| parse_url(text).unwrap_err().message;
        assert_eq!(
            refused("ftp://es.example"),
            "--es-url ftp://es.example is not an http or https URL (it is ftp)"
        );
        assert_eq!(
            refused("es.example:9200"),
            "--es-url es.example:9200 is not an http or https URL (it is es.example)"
        );
        assert!(refused("not a url").starts_with("--es-url not a url is not a URL"));
        assert_eq!(
            refused("https://es.example:9200/?pretty"),
            "--es-url https://es.example:9200/?pretty must not have a query or a fragment"
        );
    }

    #[test]
    fn a_url_with_credentials_is_refused_without_echoing_them() {
        for text in [
            "https://elastic:hunter2@es.example",
            "https://elastic:hunter2@es example",
        ] {
            let failure = parse_url(text).unwrap_err();
            assert!(!failure.message.contains("hunter2"), "{}", failure.message);
        }
        let failure = parse_url("https://elastic:hunter2@es.example").unwrap_err();
        assert_eq!(failure.message, "--es-url must not hold credentials");
        assert!(failure.hint.unwrap().contains("ES_PASSWORD"));
    }
}
