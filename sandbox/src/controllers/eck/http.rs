//! A cluster's HTTP certificate as ECK makes and publishes it
//! (pkg/controller/common/certificates/http_reconcile.go): its self-signed certificate with
//! ECK's names, or the user's from `spec.http.tls.certificate.secretName`; reconciled and
//! published whether HTTP TLS is on or not. And how the pods serve it: plain HTTP when TLS is
//! off, a client certificate required with `spec.http.tls.client.authentication` (ECK 3.4+).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::material::{ClusterMaterial, HttpCertificates, HttpLayer};
use super::resource::Cluster;
use crate::apiserver::KubeApi;
use crate::apiserver::resources::SECRETS;
use crate::tls::IssuedCert;

/// How ECK first configures the HTTP layer (kept here, beside its reconcile).
impl HttpLayer {
    /// ECK's own certificate, before any reconcile.
    pub fn eck(material_http_cert: &IssuedCert, ca_pem: &str) -> Self {
        HttpLayer {
            tls: true,
            certificates: eck_certificates(material_http_cert, ca_pem),
            client_authentication: false,
        }
    }
}

/// The names ECK gives its HTTP certificate (`createValidatedHTTPCertificateTemplate`): the
/// common name `NAME-es-http.NS.es.local`, the short name, the DNS names of the HTTP and
/// internal HTTP services, and a wildcard per nodeSet's headless service; never `localhost`.
pub fn http_certificate_names(namespace: &str, name: &str, node_sets: &[&str]) -> Vec<String> {
    let service = format!("{name}-es-http");
    let internal = format!("{name}-es-internal-http");
    let mut names = vec![
        format!("{service}.{namespace}.es.local"),
        service.clone(),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}"),
        format!("{internal}.{namespace}.svc"),
        format!("{internal}.{namespace}"),
    ];
    names.extend(
        node_sets
            .iter()
            .map(|node_set| format!("*.{name}-es-{node_set}.{namespace}.svc")),
    );
    names
}

/// Brings the cluster's HTTP layer in line with its spec: re-issues ECK's certificate when
/// its names change, takes the user's certificate when one is named (keeping the last one
/// while the user's secret is missing or incomplete, as ECK's failing reconcile does).
pub fn reconcile(api: &KubeApi, cluster: &Cluster<'_>, material: &mut ClusterMaterial) {
    let node_sets: Vec<&str> = cluster.node_sets.iter().map(|ns| ns.name).collect();
    let names = http_certificate_names(cluster.namespace, cluster.name, &node_sets);
    if names != material.http_cert_names {
        match material.http_ca.issue(&names[0], &names) {
            Ok(issued) => {
                material.http_cert = issued;
                material.http_cert_names = names;
            }
            Err(error) => tracing::error!(
                "cannot issue {}'s HTTP certificate: {error:#}",
                cluster.name
            ),
        }
    }
    let eck_ca = material.http_ca.cert_pem().to_string();
    let certificates = match users_secret(cluster) {
        None => eck_certificates(&material.http_cert, &eck_ca),
        Some(secret) => match users_certificates(api, cluster.namespace, secret, &eck_ca) {
            Some(certificates) => certificates,
            None => {
                tracing::warn!(
                    "{}: the HTTP certificate secret {secret} is missing or incomplete",
                    cluster.name
                );
                material.http.certificates.clone()
            }
        },
    };
    let spec = &cluster.resource["spec"]["http"]["tls"];
    material.http = HttpLayer {
        tls: cluster.http_tls,
        certificates,
        client_authentication: cluster.http_tls && spec["client"]["authentication"] == true,
    };
}

fn users_secret<'a>(cluster: &Cluster<'a>) -> Option<&'a str> {
    cluster.resource["spec"]["http"]["tls"]["certificate"]["secretName"]
        .as_str()
        .filter(|name| !name.is_empty())
}

/// ECK's self-signed certificate: `tls.crt` is the leaf followed by the CA.
fn eck_certificates(leaf: &IssuedCert, ca_pem: &str) -> HttpCertificates {
    HttpCertificates {
        served: IssuedCert {
            cert_pem: format!("{}\n{ca_pem}", leaf.cert_pem.trim_end()),
            key_pem: leaf.key_pem.clone(),
        },
        ca_pem: ca_pem.to_string(),
        public_ca: Some(ca_pem.to_string()),
    }
}

/// The user's `tls.crt` and `tls.key`, and `ca.crt` if the secret has one. Without one ECK
/// still mounts a `ca.crt` (its own self-signed CA, so that Elasticsearch can reload), but
/// publishes none (`populateFromCustomCertificateContents`).
fn users_certificates(
    api: &KubeApi,
    namespace: &str,
    secret: &str,
    eck_ca: &str,
) -> Option<HttpCertificates> {
    let found = api.get(&SECRETS, namespace, secret)?;
    let key = |name: &str| {
        let bytes = STANDARD.decode(found["data"][name].as_str()?).ok()?;
        String::from_utf8(bytes).ok()
    };
    let public_ca = key("ca.crt");
    Some(HttpCertificates {
        served: IssuedCert {
            cert_pem: key("tls.crt")?,
            key_pem: key("tls.key")?,
        },
        ca_pem: public_ca.clone().unwrap_or_else(|| eck_ca.to_string()),
        public_ca,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecks_tls_crt_is_the_leaf_followed_by_the_ca() {
        let ca = crate::tls::CertificateAuthority::new("one-http", Some("one")).unwrap();
        let names = http_certificate_names("ns", "one", &[]);
        let leaf = ca.issue(&names[0], &names).unwrap();
        let certificates = eck_certificates(&leaf, ca.cert_pem());
        let blocks = certificates
            .served
            .cert_pem
            .matches("BEGIN CERTIFICATE")
            .count();
        assert_eq!(blocks, 2);
        assert!(certificates.served.cert_pem.ends_with(ca.cert_pem()));
        assert_eq!(certificates.public_ca.as_deref(), Some(ca.cert_pem()));
    }

    #[test]
    fn names_are_ecks_with_the_internal_service_and_node_set_wildcards() {
        assert_eq!(
            http_certificate_names("ns", "one", &["default"]),
            [
                "one-es-http.ns.es.local",
                "one-es-http",
                "one-es-http.ns.svc",
                "one-es-http.ns",
                "one-es-internal-http.ns.svc",
                "one-es-internal-http.ns",
                "*.one-es-default.ns.svc",
            ]
        );
    }
}
