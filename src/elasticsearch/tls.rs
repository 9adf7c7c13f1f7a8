//! TLS towards Elasticsearch: rustls on ring, trusting ECK's HTTP CA, a CA file or the system
//! roots, and (only when asked with `--insecure`) nothing at all; and what went wrong when a
//! handshake failed.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Failure, FailureKind};

/// Which certificates ecr trusts for Elasticsearch's HTTPS, as messages name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpCa {
    /// ECK's public HTTP CA secret of the cluster.
    EckSecret { secret: String, namespace: String },
    /// A PEM file given with `--es-ca-file`.
    File(PathBuf),
    /// The operating system's trusted roots.
    SystemRoots,
    /// `--insecure`: no verification.
    Unverified,
    /// Plain HTTP (TLS turned off on the cluster): nothing to verify.
    PlainHttp,
}

impl fmt::Display for HttpCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpCa::EckSecret { secret, namespace } => {
                write!(f, "the HTTP CA from the secret {secret} in {namespace}")
            }
            HttpCa::File(path) => write!(f, "the CA file {}", path.display()),
            HttpCa::SystemRoots => f.write_str("the system's trusted roots"),
            HttpCa::Unverified => f.write_str("no CA (--insecure)"),
            HttpCa::PlainHttp => f.write_str("no CA (plain HTTP)"),
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A rustls client configuration on ring trusting `roots`, offering HTTP/2 and HTTP/1.1.
pub fn client_config(roots: RootCertStore) -> Result<ClientConfig, rustls::Error> {
    let builder =
        ClientConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    Ok(with_alpn(
        builder.with_root_certificates(roots).with_no_client_auth(),
    ))
}

fn with_alpn(mut config: ClientConfig) -> ClientConfig {
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// The certificates of a PEM bundle as trust roots; `None` when one is not a usable CA.
pub fn roots_from_pem(pem: &[u8]) -> Option<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pem) {
        roots.add(certificate.ok()?).ok()?;
    }
    (!roots.is_empty()).then_some(roots)
}

/// The name to verify a server certificate (`pem`, leaf first) against: `preferred` when the
/// certificate carries it (also through a wildcard), else its first DNS name; `None` when it
/// names no host at all.
pub fn host_to_verify(pem: &[u8], preferred: &str) -> Option<String> {
    let leaf = CertificateDer::pem_slice_iter(pem).next()?.ok()?;
    let (_, parsed) = x509_parser::parse_x509_certificate(&leaf).ok()?;
    let names: Vec<String> = parsed
        .subject_alternative_name()
        .ok()
        .flatten()
        .into_iter()
        .flat_map(|extension| extension.value.general_names.iter())
        .filter_map(|name| match name {
            x509_parser::extensions::GeneralName::DNSName(dns) => Some(dns.to_string()),
            _ => None,
        })
        .collect();
    let matches = |name: &str| match name.strip_prefix("*.") {
        Some(domain) => preferred
            .split_once('.')
            .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(domain)),
        None => name.eq_ignore_ascii_case(preferred),
    };
    if names.iter().any(|name| matches(name)) {
        return Some(preferred.to_string());
    }
    names.into_iter().find(|name| !name.starts_with("*."))
}

/// The operating system's trusted roots (those that load; unreadable ones are logged).
pub fn system_roots() -> Result<RootCertStore, Failure> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::debug!("skipping system certificates: {error}");
    }
    let mut roots = RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    tracing::debug!("{added} system roots loaded, {ignored} ignored");
    if roots.is_empty() {
        return Err(Failure::new(
            FailureKind::Invalid,
            "no trusted root certificates found on this system",
        )
        .with_hint("pass the CA of Elasticsearch's HTTP certificate with --es-ca-file FILE"));
    }
    Ok(roots)
}

/// A configuration that accepts any certificate for any name: `--insecure` only.
pub fn unverified_client_config() -> Result<ClientConfig, rustls::Error> {
    let provider = provider();
    let verifier = AcceptAnyCertificate(provider.signature_verification_algorithms);
    let builder =
        ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions()?;
    Ok(with_alpn(
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth(),
    ))
}

/// Accepts every certificate, while still checking that the server holds its key.
#[derive(Debug)]
struct AcceptAnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// What went wrong in a TLS handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsProblem {
    /// rustls refused the server's certificate: why.
    Untrusted(String),
    /// The server ended the handshake with this alert (as rustls names it).
    Refused(String),
}

/// How rustls words an alert it received.
const ALERT_PREFIX: &str = "received fatal alert: ";

/// Whether the call failed in the TLS handshake, and how.
pub fn tls_failure(error: &reqwest::Error) -> Option<TlsProblem> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        match current.downcast_ref::<rustls::Error>() {
            Some(tls @ rustls::Error::InvalidCertificate(_)) => {
                return Some(TlsProblem::Untrusted(tls.to_string()));
            }
            Some(rustls::Error::AlertReceived(alert)) => {
                return Some(TlsProblem::Refused(format!("{alert:?}")));
            }
            _ => {}
        }
        // After the handshake (TLS 1.3 checks the client's certificate then), tokio-rustls
        // hands the alert on as the text of an InvalidData io::Error.
        if let Some(io) = current.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::InvalidData
            && let Some(alert) = io.to_string().strip_prefix(ALERT_PREFIX)
        {
            return Some(TlsProblem::Refused(alert.to_string()));
        }
        // An io::Error hides the error it wraps from `source()`: go inside it first.
        let wrapped = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        cause = wrapped.or_else(|| current.source());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_certificates_make_roots() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::default();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).unwrap().pem();
        assert_eq!(
            roots_from_pem(ca.as_bytes()).map(|roots| roots.len()),
            Some(1)
        );
        assert!(roots_from_pem(b"").is_none());
        assert!(
            roots_from_pem(b"-----BEGIN CERTIFICATE-----\naGk=\n-----END CERTIFICATE-----\n")
                .is_none()
        );
    }

    fn certificate_for(names: &[&str]) -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        let params = rcgen::CertificateParams::new(names).unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn the_host_to_verify_is_the_preferred_name_if_carried_else_the_first_dns_name() {
        let preferred = "one-es-http.ns.svc";
        let host = |names: &[&str]| host_to_verify(certificate_for(names).as_bytes(), preferred);
        assert_eq!(host(&["es.example", preferred]).as_deref(), Some(preferred));
        assert_eq!(
            host(&["*.ns.svc", "es.example"]).as_deref(),
            Some(preferred)
        );
        assert_eq!(
            host(&["*.other.svc", "es.example"]).as_deref(),
            Some("es.example")
        );
        assert_eq!(host(&["10.0.0.1"]), None);
        assert_eq!(host_to_verify(b"", preferred), None);
    }

    #[test]
    fn sources_are_named_for_the_operator() {
        let eck = HttpCa::EckSecret {
            secret: "one-es-http-certs-public".into(),
            namespace: "ns-one".into(),
        };
        assert_eq!(
            eck.to_string(),
            "the HTTP CA from the secret one-es-http-certs-public in ns-one"
        );
        assert_eq!(
            HttpCa::File("/tmp/ca.pem".into()).to_string(),
            "the CA file /tmp/ca.pem"
        );
    }
}
