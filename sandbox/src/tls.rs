//! Certificates for the sandbox: self-signed CAs (the API servers' own, and the ones ECK
//! makes per Elasticsearch cluster), the certificates they issue, and the rustls server
//! configuration (always with the ring provider).

use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use time::{Duration, OffsetDateTime};

/// How long the sandbox's CAs and certificates are valid, as ECK's default (8760h).
const VALIDITY: Duration = Duration::days(365);

/// A self-signed certificate authority that keeps its private key, so it can issue.
pub struct CertificateAuthority {
    params: CertificateParams,
    key: KeyPair,
    cert_pem: String,
}

/// A certificate and its private key, both PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCert {
    pub cert_pem: String,
    pub key_pem: String,
}

impl CertificateAuthority {
    /// A new CA with a fresh key, subject `CN=common_name` (and `OU=unit` when given).
    pub fn new(common_name: &str, unit: Option<&str>) -> anyhow::Result<Self> {
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(common_name, unit);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        set_validity(&mut params);
        let key = KeyPair::generate().context("generating a CA key")?;
        let cert_pem = params
            .self_signed(&key)
            .context("self-signing a CA certificate")?
            .pem();
        Ok(CertificateAuthority {
            params,
            key,
            cert_pem,
        })
    }

    /// The same CA renewed as ECK renews its own: a new certificate (new validity and serial
    /// number) for the same key and subject, so what it issued keeps verifying.
    pub fn renewed(&self) -> anyhow::Result<Self> {
        let mut params = self.params.clone();
        set_validity(&mut params);
        let serial = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        let key = KeyPair::from_pem(&self.key.serialize_pem()).context("copying the CA key")?;
        let cert_pem = params
            .self_signed(&key)
            .context("self-signing a renewed CA certificate")?
            .pem();
        Ok(CertificateAuthority {
            params,
            key,
            cert_pem,
        })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// Issues a server and client certificate for these names (IP addresses become IP SANs).
    pub fn issue(
        &self,
        common_name: &str,
        subject_alt_names: &[String],
    ) -> anyhow::Result<IssuedCert> {
        let mut params = CertificateParams::new(subject_alt_names.to_vec())
            .context("parsing subject alternative names")?;
        params.distinguished_name = distinguished_name(common_name, None);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        set_validity(&mut params);
        let key = KeyPair::generate().context("generating a certificate key")?;
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params
            .signed_by(&key, &issuer)
            .context("signing a certificate")?;
        Ok(IssuedCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("subject", &self.params.distinguished_name)
            .finish_non_exhaustive()
    }
}

fn distinguished_name(common_name: &str, unit: Option<&str>) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    if let Some(unit) = unit {
        name.push(DnType::OrganizationalUnitName, unit);
    }
    name.push(DnType::CommonName, common_name);
    name
}

fn set_validity(params: &mut CertificateParams) {
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + VALIDITY;
}

/// A rustls server configuration serving this certificate, offering h2 and HTTP/1.1.
pub fn server_config(cert: &IssuedCert) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    server_config_for_clients(cert, None)
}

/// The same, and when `client_cas` (PEM) is given, requiring a client certificate signed by
/// one of them, as Elasticsearch does with `xpack.security.http.ssl.client_authentication:
/// required`.
pub fn server_config_for_clients(
    cert: &IssuedCert,
    client_cas: Option<&str>,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let chain = CertificateDer::pem_slice_iter(cert.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .context("reading the server certificate PEM")?;
    let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes())
        .context("reading the server key PEM")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("choosing TLS versions")?;
    let builder = match client_cas {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for ca in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                roots
                    .add(ca.context("reading a client CA PEM")?)
                    .context("trusting a client CA")?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .context("building the client certificate verifier")?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .context("building the TLS server configuration")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
