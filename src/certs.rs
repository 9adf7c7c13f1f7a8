//! X.509 certificates as ecr reads them from ECK's secrets: checked to really be certificates,
//! and described (subject, issuer, validity, SHA-256 fingerprint) for people and scripts.

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::pem::Pem;
use x509_parser::time::ASN1Time;

/// What ecr shows of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    /// RFC 3339, UTC.
    pub not_after: String,
    /// Upper-case hex pairs joined by colons, as `openssl x509 -fingerprint -sha256` prints it.
    pub sha256_fingerprint: String,
}

/// Why a PEM bundle is not a list of certificates.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("it holds no PEM certificate")]
    Empty,
    #[error("it is not valid PEM: {0}")]
    InvalidPem(String),
    #[error("PEM block {index} is {label:?}, not a CERTIFICATE")]
    NotACertificate { index: usize, label: String },
    #[error("certificate {index} is not valid X.509: {reason}")]
    InvalidCertificate { index: usize, reason: String },
}

/// Parses every certificate of a PEM bundle; anything that is not one is an error.
pub fn parse_bundle(pem: &[u8]) -> Result<Vec<CertificateInfo>, BundleError> {
    let mut certificates = Vec::new();
    for (index, block) in Pem::iter_from_buffer(pem).enumerate() {
        let index = index + 1;
        let block = block.map_err(|error| BundleError::InvalidPem(error.to_string()))?;
        if block.label != "CERTIFICATE" {
            return Err(BundleError::NotACertificate {
                index,
                label: block.label,
            });
        }
        certificates.push(
            describe(&block).map_err(|reason| BundleError::InvalidCertificate { index, reason })?,
        );
    }
    if certificates.is_empty() {
        return Err(BundleError::Empty);
    }
    Ok(certificates)
}

fn describe(block: &Pem) -> Result<CertificateInfo, String> {
    let certificate = block.parse_x509().map_err(|error| error.to_string())?;
    let validity = certificate.validity();
    Ok(CertificateInfo {
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        not_before: rfc3339(validity.not_before)?,
        not_after: rfc3339(validity.not_after)?,
        sha256_fingerprint: fingerprint(&block.contents),
    })
}

fn rfc3339(time: ASN1Time) -> Result<String, String> {
    OffsetDateTime::from_unix_timestamp(time.timestamp())
        .ok()
        .and_then(|moment| moment.format(&Rfc3339).ok())
        .ok_or_else(|| format!("its validity date {time} is out of range"))
}

/// SHA-256 over the DER bytes.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, DistinguishedName, DnType, IsCa, KeyPair};

    fn ca_pem(common_name: &str) -> String {
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, common_name);
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("key generation");
        params.self_signed(&key).expect("self-signing").pem()
    }

    #[test]
    fn every_certificate_of_a_bundle_is_described() {
        let bundle = format!("{}{}", ca_pem("one-transport"), ca_pem("extra"));
        let certificates = parse_bundle(bundle.as_bytes()).unwrap();
        assert_eq!(certificates.len(), 2);
        assert_eq!(certificates[0].subject, "CN=one-transport");
        assert_eq!(certificates[0].issuer, "CN=one-transport");
        assert_eq!(certificates[1].subject, "CN=extra");
        assert_eq!(certificates[0].sha256_fingerprint.len(), 32 * 3 - 1);
        assert!(certificates[0].not_after.ends_with('Z'));
    }

    #[test]
    fn what_is_not_a_certificate_is_refused() {
        assert_eq!(parse_bundle(b""), Err(BundleError::Empty));
        assert_eq!(parse_bundle(b"hello, world"), Err(BundleError::Empty));
        let key = KeyPair::generate().unwrap().serialize_pem();
        assert_eq!(
            parse_bundle(key.as_bytes()),
            Err(BundleError::NotACertificate {
                index: 1,
                label: "PRIVATE KEY".into()
            })
        );
        let garbage = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            parse_bundle(garbage.as_bytes()),
            Err(BundleError::InvalidCertificate { index: 1, .. })
        ));
    }

    #[test]
    fn fingerprints_are_formatted_like_openssl() {
        assert!(fingerprint(b"").starts_with("E3:B0:C4:42"));
    }
}
