//! What ECK made for one cluster and keeps (its CAs, certificates, password, and how the
//! pods serve HTTP): what the kubelet mounts and the emulated Elasticsearch serves.

use std::sync::Arc;

use crate::tls::{CertificateAuthority, IssuedCert};

/// The CAs, certificates and password ECK made for one cluster (what an emulated
/// Elasticsearch serves and checks).
#[derive(Debug, Clone)]
pub struct ClusterMaterial {
    pub transport_ca: Arc<CertificateAuthority>,
    pub http_ca: Arc<CertificateAuthority>,
    /// ECK's self-signed HTTP certificate (the leaf), and the names it was issued for.
    pub http_cert: IssuedCert,
    pub http_cert_names: Vec<String>,
    pub elastic_password: String,
    /// The `ca.crt` of `config/transport-certs` as ECK last wrote it: the own CA, then the CAs
    /// of the `certificateAuthorities` ConfigMap. Kept as it was while that ConfigMap (or its
    /// `ca.crt`) is missing, since ECK's transport reconcile then fails.
    pub transport_bundle: String,
    /// How the HTTP layer speaks and with which certificate, as ECK last configured it from
    /// `spec.http.tls` (pods rolled with a change of it come back speaking the other way).
    pub http: HttpLayer,
}

/// What ECK mounts at `config/http-certs` and publishes in `NAME-es-http-certs-public`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpCertificates {
    /// `tls.crt` (the leaf, then its chain) and `tls.key`: what Elasticsearch serves.
    pub served: IssuedCert,
    /// The mounted `ca.crt`, which Elasticsearch also trusts for client certificates
    /// (`xpack.security.http.ssl.certificate_authorities`).
    pub ca_pem: String,
    /// The published `ca.crt`: none for a user's certificate whose secret has no `ca.crt`.
    pub public_ca: Option<String>,
}

/// How the pods' port 9200 speaks, as ECK last configured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLayer {
    /// false: plain HTTP (`spec.http.tls.selfSignedCertificate.disabled` without a user's
    /// certificate); the certificates are still reconciled and published.
    pub tls: bool,
    pub certificates: HttpCertificates,
    /// Clients must show a certificate signed by a CA of `ca_pem`.
    pub client_authentication: bool,
}
