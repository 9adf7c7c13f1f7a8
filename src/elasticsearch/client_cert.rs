//! A client certificate for Elasticsearch's HTTP layer, for clusters that require one (ECK 3.4+
//! `spec.http.tls.client.authentication`, which sets `xpack.security.http.ssl.
//! client_authentication: required`): from PEM files or from a secret in the cluster's
//! namespace, never from the command line itself.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Secret;
use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, SignatureScheme};

use crate::error::{Failure, FailureKind};
use crate::k8s::Kube;

/// Where the client certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCertificate {
    /// `--es-client-cert` and `--es-client-key`: PEM files of the certificate (chain) and key.
    Files { certificate: PathBuf, key: PathBuf },
    /// `--es-client-cert-secret`: a secret with `tls.crt` and `tls.key`, in the namespace of
    /// the cluster ecr reaches.
    Secret(String),
}

/// A loaded client certificate, and what messages call it.
pub struct ClientIdentity {
    key: Arc<CertifiedKey>,
    pub source: String,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// Reads the certificate and its key; a secret is read through `kube` (none with
    /// `--es-url` alone: then only files will do).
    pub async fn load(&self, kube: Option<&Kube>) -> anyhow::Result<ClientIdentity> {
        match self {
            ClientCertificate::Files { certificate, key } => {
                let source = format!("the files {} and {}", certificate.display(), key.display());
                let read = |path: &PathBuf| {
                    std::fs::read(path).map_err(|error| {
                        Failure::new(
                            FailureKind::NotFound,
                            format!(
                                "cannot read the client certificate file {}: {error}",
                                path.display()
                            ),
                        )
                    })
                };
                Ok(ClientIdentity::from_pem(
                    &read(certificate)?,
                    &read(key)?,
                    source,
                )?)
            }
            ClientCertificate::Secret(name) => {
                let Some(kube) = kube else {
                    return Err(Failure::new(
                        FailureKind::Invalid,
                        "--es-client-cert-secret needs an ECK cluster to read the secret from",
                    )
                    .with_hint(
                        "with --es-url alone, pass --es-client-cert FILE and --es-client-key FILE",
                    )
                    .into());
                };
                let namespace = kube.namespace();
                let source = format!("the secret {name} in {namespace}");
                let secret = kube.get::<Secret>(name).await?.ok_or_else(|| {
                    Failure::new(FailureKind::NotFound, format!("the client certificate secret {name} does not exist in {namespace}"))
                        .with_hint("give a secret with tls.crt and tls.key (kubectl create secret tls NAME --cert FILE --key FILE)")
                })?;
                let mut data = secret.data.unwrap_or_default();
                let mut take = |key: &str| {
                    data.remove(key).map(|bytes| bytes.0).ok_or_else(|| {
                        Failure::new(FailureKind::Invalid, format!("{source} has no key {key}"))
                            .with_hint("a client certificate secret holds tls.crt and tls.key")
                    })
                };
                let (certificate, key) = (take("tls.crt")?, take("tls.key")?);
                Ok(ClientIdentity::from_pem(&certificate, &key, source)?)
            }
        }
    }
}

impl ClientIdentity {
    fn from_pem(certificate: &[u8], key: &[u8], source: String) -> Result<Self, Failure> {
        let invalid = |why: String| {
            Failure::new(
                FailureKind::Invalid,
                format!("the client certificate from {source} {why}"),
            )
            .with_hint(
                "give a PEM certificate (-----BEGIN CERTIFICATE-----) and its PEM private key",
            )
        };
        let chain = CertificateDer::pem_slice_iter(certificate)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| invalid(format!("is not PEM: {error}")))?;
        if chain.is_empty() {
            return Err(invalid("holds no certificate".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key)
            .map_err(|error| invalid(format!("has no usable private key: {error}")))?;
        let provider = rustls::crypto::ring::default_provider();
        let key = CertifiedKey::from_der(chain, key, &provider)
            .map_err(|error| invalid(format!("does not go with its key: {error}")))?;
        Ok(ClientIdentity {
            key: Arc::new(key),
            source,
        })
    }

    /// Makes `config` present this certificate when Elasticsearch asks for one.
    pub fn present_in(&self, config: &mut ClientConfig) {
        config.client_auth_cert_resolver = Arc::new(Present(self.key.clone()));
    }
}

/// Always the one certificate.
#[derive(Debug)]
struct Present(Arc<CertifiedKey>);

impl ResolvesClientCert for Present {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["ecr".to_string()]).unwrap();
        (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
    }

    #[test]
    fn a_certificate_and_its_key_make_an_identity() {
        let (certificate, key) = issued();
        let identity =
            ClientIdentity::from_pem(certificate.as_bytes(), key.as_bytes(), "files".into())
                .unwrap();
        assert_eq!(identity.source, "files");
    }

    #[test]
    fn a_key_of_another_certificate_is_refused_without_showing_it() {
        let (certificate, _) = issued();
        let (_, other_key) = issued();
        let failure = ClientIdentity::from_pem(
            certificate.as_bytes(),
            other_key.as_bytes(),
            "the secret s in ns".into(),
        )
        .unwrap_err();
        assert!(
            failure.message.starts_with(
                "the client certificate from the secret s in ns does not go with its key"
            ),
            "{}",
            failure.message
        );
        assert!(!failure.message.contains("PRIVATE KEY"));
        let failure = ClientIdentity::from_pem(b"", other_key.as_bytes(), "x".into()).unwrap_err();
        assert_eq!(
            failure.message,
            "the client certificate from x holds no certificate"
        );
    }
}
