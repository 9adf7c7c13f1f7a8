//! Reaching Elasticsearch: an ECK cluster as its resource's spec says (a port-forward to a pod
//! that may make cross-cluster requests, or a URL; plain HTTP or TLS with ECK's or the user's
//! certificate; ECK's password or the environment's credentials), or any Elasticsearch by
//! URL with a CA file or the system roots; with a client certificate where one is given.
//! Every missing piece is a failure saying what to check.

use std::path::PathBuf;

use k8s_openapi::api::core::v1::Secret;
use reqwest::Url;
use serde_json::Value;

use super::client::{Connection, Elasticsearch};
use super::client_cert::{ClientCertificate, ClientIdentity};
use super::cluster_spec::{ClusterSpec, HttpTls};
use super::credentials::{self, Credentials};
use super::errors::{ConnectionFacts, Route, shown};
use super::pod_choice;
use super::portforward::PortForward;
use super::tls::{self, HttpCa};
use crate::certs;
use crate::eck::{self, CA_KEY, CLUSTER_NAME_LABEL, ELASTIC_USER, HTTP_PORT};
use crate::error::{Failure, FailureKind};
use crate::k8s::Kube;
use crate::output::Output;

/// What ecr trusts for Elasticsearch's certificate, besides the default (the HTTP CA ECK
/// publishes for an ECK cluster, the system roots for a URL), and what it shows of its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustOptions {
    /// A PEM file of CA certificates (`--es-ca-file`).
    pub ca_file: Option<PathBuf>,
    /// Verify nothing (`--insecure`), with a warning each time.
    pub insecure: bool,
    /// The certificate ecr shows when Elasticsearch asks for one.
    pub client_certificate: Option<ClientCertificate>,
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

/// The ECK cluster `cluster` in the client's namespace: through a port-forward to a running
/// pod that may make cross-cluster requests, or at `url` when one is given (whose scheme then
/// decides). The resource's `spec.http.tls` says whether HTTP speaks TLS and with whose
/// certificate; ecr authenticates as the `elastic` user ECK keeps, or, where the cluster has
/// no such secret, with credentials from the environment.
pub async fn reach_eck_cluster(
    kube: &Kube,
    cluster: &str,
    url: Option<&Url>,
    trust: &TrustOptions,
    output: &Output,
) -> anyhow::Result<Elasticsearch> {
    let resource = eck::read_elasticsearch(kube, cluster).await?;
    let spec = ClusterSpec::read(&resource);
    let credentials = cluster_credentials(kube, cluster, &spec).await?;
    let http = read_eck_http(kube, cluster, &spec.http_tls, trust).await?;
    let identity = client_identity(Some(kube), trust).await?;
    let context = match &kube.server().context {
        Some(context) => format!("context {context}"),
        None => "in-cluster".to_string(),
    };
    let whereabouts = format!("{cluster} in {} ({context})", kube.namespace());
    let (endpoint, trust) = match url {
        Some(url) => {
            warn_if_plain_http(url, output);
            let endpoint = Endpoint::url(url, format!("{whereabouts}, at {}", shown(url)));
            (endpoint, choose_trust(trust, http.ca, output)?)
        }
        None => {
            let pod = choose_pod(kube, cluster, &resource).await?;
            let host = http.host?;
            let endpoint = Endpoint::port_forward(kube, pod, &host, &whereabouts, http.scheme);
            let trust = match http.scheme {
                Scheme::Http => Trust::plain_http()?,
                Scheme::Https => choose_trust(trust, http.ca, output)?,
            };
            (endpoint.await?, trust)
        }
    };
    client(
        endpoint,
        trust,
        identity,
        &credentials,
        spec.client_authentication,
    )
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
    let identity = client_identity(None, trust).await?;
    let trust = choose_trust(trust, None, output)?;
    client(endpoint, trust, identity, &credentials, false)
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

    /// A port-forward to `pod`, addressed as `host` (a name its HTTP certificate carries).
    /// In plain HTTP ecr still puts no credentials on the network in the clear: the only
    /// plain hop is from ecr to its own loopback listener, and from there the port-forward
    /// travels inside ecr's TLS connection to the API server, which hands it to the kubelet,
    /// which reaches the pod's port from inside the pod's network namespace.
    async fn port_forward(
        kube: &Kube,
        pod: String,
        host: &str,
        whereabouts: &str,
        scheme: Scheme,
    ) -> anyhow::Result<Self> {
        let port_forward = PortForward::start(kube, &pod, HTTP_PORT).await?;
        let port = port_forward.address().port();
        let base =
            Url::parse(&format!("{}://{host}:{port}", scheme.as_str())).map_err(|error| {
                anyhow::anyhow!("the certificate name {host} makes no URL: {error}")
            })?;
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

/// The pod to port-forward to: running, ready if possible, with the remote_cluster_client role.
async fn choose_pod(kube: &Kube, cluster: &str, resource: &Value) -> anyhow::Result<String> {
    let selector = format!("{CLUSTER_NAME_LABEL}={cluster}");
    let pods = kube.list_pods(&selector).await?;
    Ok(pod_choice::choose(
        &pods,
        resource,
        cluster,
        kube.namespace(),
        &selector,
    )?)
}

/// The `elastic` user with the password ECK keeps for it; where the cluster has none
/// (`spec.auth.disableElasticUser`, or its secret missing because the user is defined
/// elsewhere), credentials from the environment or a password prompt.
async fn cluster_credentials(
    kube: &Kube,
    cluster: &str,
    spec: &ClusterSpec,
) -> anyhow::Result<Credentials> {
    let namespace = kube.namespace();
    let secret = eck::elastic_user_secret(cluster);
    let found = match spec.elastic_user_disabled {
        true => None,
        false => kube.get::<Secret>(&secret).await?,
    };
    let Some(found) = found else {
        let why = match spec.elastic_user_disabled {
            true => format!(
                "the Elasticsearch cluster {cluster} in {namespace} has no elastic user \
                 (spec.auth.disableElasticUser)"
            ),
            false => format!(
                "the Elasticsearch cluster {cluster} in {namespace} has no secret {secret} (its \
                 elastic user's password)"
            ),
        };
        let target = format!("{cluster} in {namespace}");
        return Credentials::from_environment_or_prompt(&target, Some(&why));
    };
    let password = secret_key(found, kube, cluster, &secret, ELASTIC_USER)?;
    let password = String::from_utf8(password).map_err(|_| {
        Failure::new(
            FailureKind::Invalid,
            format!("the password in the secret {secret} in {namespace} is not text"),
        )
    })?;
    Ok(Credentials::eck_elastic(
        credentials::Secret::new(password),
        secret,
        namespace.to_string(),
    ))
}

/// The TLS configuration and the name of what it trusts.
struct Trust {
    config: rustls::ClientConfig,
    source: HttpCa,
}

impl Trust {
    /// For plain HTTP, where no certificate comes to be verified: trusts nothing.
    fn plain_http() -> anyhow::Result<Self> {
        Ok(Trust {
            config: tls::client_config(rustls::RootCertStore::empty())?,
            source: HttpCa::PlainHttp,
        })
    }
}

/// What ecr needs of a cluster's HTTP layer: how it speaks, the name its certificate is
/// verified against, and the CA published for it (when ecr is to trust that one).
struct EckHttp {
    scheme: Scheme,
    /// Only needed through a port-forward (with --es-url, the URL's host is verified).
    host: Result<String, Failure>,
    ca: Option<Trust>,
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
            source: HttpCa::Unverified,
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
        source: HttpCa::SystemRoots,
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
        source: HttpCa::File(path.clone()),
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

/// How `cluster`'s HTTP layer speaks, as its spec says, and what its public secret
/// `CLUSTER-es-http-certs-public` holds: ECK's CA and ECK's names, or the user's certificate
/// (whose names are the user's) with `ca.crt` only when the user's secret has one. ECK's CA
/// is not read when the operator chose what to trust.
async fn read_eck_http(
    kube: &Kube,
    cluster: &str,
    tls: &HttpTls,
    options: &TrustOptions,
) -> anyhow::Result<EckHttp> {
    let service_host = eck::http_service_host(cluster, kube.namespace());
    let chosen = options.ca_file.is_some() || options.insecure;
    let https = |host: Result<String, Failure>, ca: Option<Trust>| EckHttp {
        scheme: Scheme::Https,
        host,
        ca,
    };
    match tls {
        HttpTls::Off => Ok(EckHttp {
            scheme: Scheme::Http,
            host: Ok(service_host),
            ca: None,
        }),
        HttpTls::Eck if chosen => Ok(https(Ok(service_host), None)),
        HttpTls::Eck => {
            let (secret, found) = public_http_secret(kube, cluster).await?;
            let pem = secret_key(found, kube, cluster, &secret, CA_KEY)?;
            Ok(https(
                Ok(service_host),
                Some(published_ca(kube, secret, &pem)?),
            ))
        }
        HttpTls::User { secret: users } => {
            let (secret, found) = public_http_secret(kube, cluster).await?;
            let mut data = found.data.unwrap_or_default();
            let certificate = data.remove(CERTIFICATE_KEY).map(|bytes| bytes.0);
            let host = certificate
                .as_deref()
                .and_then(|pem| tls::host_to_verify(pem, &service_host))
                .ok_or_else(|| no_name_to_verify(kube, cluster, users));
            let ca = match data.remove(CA_KEY) {
                Some(pem) if !chosen => Some(published_ca(kube, secret, &pem.0)?),
                _ => None,
            };
            Ok(https(host, ca))
        }
    }
}

/// The key of the public secret holding the HTTP certificate (leaf first).
const CERTIFICATE_KEY: &str = "tls.crt";

/// The `ca.crt` of the public secret `secret`, as trust roots.
fn published_ca(kube: &Kube, secret: String, pem: &[u8]) -> anyhow::Result<Trust> {
    let namespace = kube.namespace().to_string();
    let roots = pem_roots(
        pem,
        &format!("the {CA_KEY} of the secret {secret} in {namespace}"),
    )?;
    Ok(Trust {
        config: tls::client_config(roots)?,
        source: HttpCa::EckSecret { secret, namespace },
    })
}

/// The user's HTTP certificate names no DNS name to verify it against.
fn no_name_to_verify(kube: &Kube, cluster: &str, users: &str) -> Failure {
    let namespace = kube.namespace();
    Failure::new(
        FailureKind::Invalid,
        format!(
            "the HTTP certificate of {cluster} in {namespace}, the user's own from the secret \
             {users} (spec.http.tls.certificate), names no DNS name to verify it against"
        ),
    )
    .with_hint(format!(
        "give the certificate a DNS name (such as {}), or pass --es-url with an address it names",
        eck::http_service_host(cluster, namespace)
    ))
}

/// The secret `CLUSTER-es-http-certs-public`, which ECK publishes whether HTTP TLS is on or not.
async fn public_http_secret(kube: &Kube, cluster: &str) -> anyhow::Result<(String, Secret)> {
    let name = eck::http_ca_secret(cluster);
    match kube.get::<Secret>(&name).await? {
        Some(found) => Ok((name, found)),
        None => Err(missing_secret(kube, cluster, &name)),
    }
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

/// The client certificate the operator gave, if any (a secret is read through `kube`). A
/// cluster whose spec asks for one may still not require it (ECK applies it only with an
/// enterprise license): a refused handshake is explained instead.
async fn client_identity(
    kube: Option<&Kube>,
    trust: &TrustOptions,
) -> anyhow::Result<Option<ClientIdentity>> {
    match &trust.client_certificate {
        Some(certificate) => Ok(Some(certificate.load(kube).await?)),
        None => Ok(None),
    }
}

fn client(
    endpoint: Endpoint,
    mut trust: Trust,
    identity: Option<ClientIdentity>,
    credentials: &Credentials,
    client_authentication: bool,
) -> anyhow::Result<Elasticsearch> {
    if let Some(identity) = &identity {
        identity.present_in(&mut trust.config);
    }
    Elasticsearch::new(Connection {
        base: endpoint.base,
        tls: trust.config,
        authorization: credentials.authorization()?,
        facts: ConnectionFacts {
            description: endpoint.description,
            ca: trust.source,
            who: credentials.who(),
            credentials: credentials.source().clone(),
            route: endpoint.route,
            client_certificate: identity.map(|identity| identity.source),
            client_authentication,
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
