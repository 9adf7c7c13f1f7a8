//! A CA certificate as a node's TLS trust sees it. The sandbox reads certificates with its own
//! code, not ecr's, so that a bug in ecr's reading cannot hide behind the same bug here.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use time::OffsetDateTime;

/// Its public key (the DER SubjectPublicKeyInfo) and its validity. A renewed CA keeps its
/// key, so it verifies what the old one did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    pub public_key: Vec<u8>,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    /// Seconds since the Unix epoch.
    pub not_after: i64,
}

impl TrustAnchor {
    /// Whether the certificate is valid now.
    pub fn is_current(&self) -> bool {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        (self.not_before..=self.not_after).contains(&now)
    }

    fn from_der(der: &CertificateDer) -> Option<TrustAnchor> {
        let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
        let validity = certificate.validity();
        Some(TrustAnchor {
            public_key: certificate.public_key().raw.to_vec(),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
        })
    }
}

/// The certificates of a PEM file as trust anchors; blocks that are not readable
/// certificates are skipped.
pub fn trust_anchors(pem: &[u8]) -> Vec<TrustAnchor> {
    CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .filter_map(|der| TrustAnchor::from_der(&der))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, IsCa, KeyPair, PublicKeyData};

    fn ca(key: &KeyPair) -> String {
        let mut params = CertificateParams::default();
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(key).unwrap().pem()
    }

    #[test]
    fn anchors_carry_the_public_key_and_skip_what_is_not_a_certificate() {
        let key = KeyPair::generate().unwrap();
        let other = KeyPair::generate().unwrap();
        let bundle = format!("{}{}{}", key.serialize_pem(), ca(&key), ca(&other));
        let anchors = trust_anchors(bundle.as_bytes());
        assert_eq!(anchors.len(), 2);
        assert_eq!(anchors[0].public_key, key.subject_public_key_info());
        assert_eq!(anchors[1].public_key, other.subject_public_key_info());
        assert!(anchors[0].is_current());
    }

    #[test]
    fn garbage_gives_no_anchor() {
        let garbage = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        assert_eq!(trust_anchors(garbage.as_bytes()), vec![]);
        assert_eq!(trust_anchors(b"hello"), vec![]);
    }
}
