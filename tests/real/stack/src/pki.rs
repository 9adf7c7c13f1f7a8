//! The stack's own public-key infrastructure, made fresh at every start: one CA that signs the
//! API server's serving certificate and the users' client certificates (the API server maps a
//! client certificate's CN to the user and its O to groups), and the key pair that signs and
//! verifies service-account tokens.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

/// A certificate and its key, written as PEM files.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Everything the components and the kubeconfigs need, as files in the stack's directory.
#[derive(Debug, Clone)]
pub struct Pki {
    pub ca: CertFiles,
    pub api_server: CertFiles,
    pub admin: CertFiles,
    pub limited: CertFiles,
    /// Signs service-account tokens (the API server and the controller manager use it).
    pub service_account_key: PathBuf,
    pub service_account_public_key: PathBuf,
}

/// The user with every right (`system:masters`).
pub const ADMIN_USER: &str = "ecr-admin";
/// A user with no rights but those a test grants through RBAC.
pub const LIMITED_USER: &str = "ecr-limited";

impl Pki {
    pub fn create(dir: &Path) -> anyhow::Result<Pki> {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let ca_key = KeyPair::generate().context("generating the CA key")?;
        let mut ca_params = params("ecr real stack CA", &[])?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).context("signing the CA")?;
        let ca = write(dir, "ca", &ca_cert.pem(), &ca_key)?;
        let issuer = Issuer::from_params(&ca_params, &ca_key);

        let api_server_names = [
            "127.0.0.1",
            "localhost",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
            "10.96.0.1",
        ];
        let issue = |name: &str, common_name: &str, groups: &[&str], san: &[&str], usage| {
            let mut params = params(common_name, san)?;
            for group in groups {
                params
                    .distinguished_name
                    .push(DnType::OrganizationName, *group);
            }
            params.extended_key_usages = vec![usage];
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ];
            params.use_authority_key_identifier_extension = true;
            let key = KeyPair::generate().context("generating a key")?;
            let cert = params
                .signed_by(&key, &issuer)
                .with_context(|| format!("signing the certificate of {name}"))?;
            write(dir, name, &cert.pem(), &key)
        };
        let api_server = issue(
            "api-server",
            "kube-apiserver",
            &[],
            &api_server_names,
            ExtendedKeyUsagePurpose::ServerAuth,
        )?;
        let admin = issue(
            "admin",
            ADMIN_USER,
            &["system:masters"],
            &[],
            ExtendedKeyUsagePurpose::ClientAuth,
        )?;
        let limited = issue(
            "limited",
            LIMITED_USER,
            &[],
            &[],
            ExtendedKeyUsagePurpose::ClientAuth,
        )?;

        let service_account = KeyPair::generate().context("generating the service-account key")?;
        let service_account_key = dir.join("service-account.key");
        let service_account_public_key = dir.join("service-account.pub");
        fs::write(&service_account_key, service_account.serialize_pem())?;
        fs::write(
            &service_account_public_key,
            service_account.public_key_pem(),
        )?;
        Ok(Pki {
            ca,
            api_server,
            admin,
            limited,
            service_account_key,
            service_account_public_key,
        })
    }
}

fn params(common_name: &str, subject_alt_names: &[&str]) -> anyhow::Result<CertificateParams> {
    let names: Vec<String> = subject_alt_names.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(names).context("parsing certificate names")?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(30);
    Ok(params)
}

fn write(dir: &Path, name: &str, cert_pem: &str, key: &KeyPair) -> anyhow::Result<CertFiles> {
    let files = CertFiles {
        cert: dir.join(format!("{name}.crt")),
        key: dir.join(format!("{name}.key")),
    };
    fs::write(&files.cert, cert_pem)
        .with_context(|| format!("writing {}", files.cert.display()))?;
    fs::write(&files.key, key.serialize_pem())
        .with_context(|| format!("writing {}", files.key.display()))?;
    Ok(files)
}
