//! Trust planning: from the Elasticsearch resource and the CA store as read, the objects as
//! they must be written for a cluster to trust remote transport CAs. All pure except `planner`,
//! which reads the clusters and turns the result into a `Plan`.

mod ca_setting;
mod json;
pub(crate) mod pem;
pub mod planner;
pub mod spec;
pub mod store;
pub mod sync;

pub use ca_setting::CaLayer;

use serde::{Deserialize, Serialize};

use crate::error::{Failure, FailureKind};

/// The Secret ecr mounts by default, named as in ECK's documentation.
pub const DEFAULT_SECRET: &str = "remote-certs";
/// Where that Secret is mounted by default, as in ECK's documentation.
pub const DEFAULT_MOUNT_PATH: &str = "/usr/share/elasticsearch/config/other";
/// The Secret of the remote CAs that API-key links trust (the remote cluster client's), and
/// where it is mounted: apart from the transport's, so that neither widens the other.
pub const DEFAULT_CLIENT_SECRET: &str = "ecr-remote-cluster-cas";
pub const DEFAULT_CLIENT_MOUNT_PATH: &str =
    "/usr/share/elasticsearch/config/ecr-remote-cluster-cas";
/// The file Elasticsearch reads: every trusted CA, concatenated, as in ECK's documentation.
pub const BUNDLE_FILE: &str = "remote.ca.crt";
/// The label ecr puts on the stores it creates.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "ecr");

/// Elasticsearch's config directory: SSL files must be inside it.
const CONFIG_DIR: &str = "/usr/share/elasticsearch/config/";
/// Names ECK and Elasticsearch use directly inside the config directory: ECK's own mounts
/// (a user mount at the same path silently replaces ECK's; `transport-certs` also holds each
/// node's certificate, `POD.tls.crt|key`: ECK's settings/merged_config.go), the files ECK's
/// init container links there (initcontainer/prepare_fs.go: the file realm, roles, seed hosts
/// and service tokens), and Elasticsearch's own files.
const RESERVED_IN_CONFIG_DIR: &[&str] = &[
    "transport-certs",
    "transport-remote-certs",
    "http-certs",
    "operator",
    "client-trust-bundle",
    "client-cert",
    "users",
    "roles.yml",
    "users_roles",
    "unicast_hosts.txt",
    "service_tokens",
    "elasticsearch.yml",
    "elasticsearch.keystore",
    "jvm.options",
    "jvm.options.d",
    "log4j2.properties",
];
/// ECK names most of its own volumes so; a user volume of such a name replaces ECK's.
const ECK_VOLUME_PREFIX: &str = "elastic-internal";
/// ECK's pod volumes with plain names (ECK: pkg/controller/elasticsearch/volume/names.go), and
/// what a user volume of that name would replace.
const ECK_VOLUMES: &[(&str, &str)] = &[
    (
        "elasticsearch-data",
        "the data volume: the data would move to ephemeral storage during the roll",
    ),
    ("elasticsearch-logs", "the logs volume"),
    ("tmp-volume", "the /tmp volume"),
    (
        "downward-api",
        "the volume of the pod's labels and annotations",
    ),
    ("file-settings", "the file-based settings volume"),
];
/// Longest alias: a Kubernetes label-like name (the annotation key's name part).
const MAX_ALIAS_LEN: usize = 63;

/// A CA to trust and where it came from (recorded so that `trust sync` can refresh it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedCa {
    pub alias: String,
    pub pem: String,
    pub source: CaOrigin,
}

/// Where a trusted CA was read: a cluster's transport CA secret, or a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CaOrigin {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Fingerprint of the bundle's first certificate, as `crate::certs::fingerprint` writes it.
    pub sha256: String,
}

impl CaOrigin {
    /// The source without its fingerprint: where a CA is read, whatever it holds now.
    pub fn place(&self) -> CaOrigin {
        CaOrigin {
            sha256: String::new(),
            ..self.clone()
        }
    }
}

/// Checks that `alias` can name a remote cluster in Elasticsearch (`cluster.remote.ALIAS.*`)
/// and a key and annotation in a Kubernetes store: 1 to 63 ASCII letters, digits, '-' and
/// '_', starting and ending with a letter or digit.
pub fn validate_alias(alias: &str) -> Result<(), Failure> {
    let valid_chars = alias
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let valid_ends = alias.starts_with(|c: char| c.is_ascii_alphanumeric())
        && alias.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid_chars && valid_ends && alias.len() <= MAX_ALIAS_LEN {
        return Ok(());
    }
    Err(Failure::new(
        FailureKind::Invalid,
        format!("the alias {alias:?} cannot name a remote cluster"),
    )
    .with_hint(
        "use at most 63 ASCII letters, digits, '-' and '_', starting and ending with a letter or digit",
    ))
}

/// Where the trusted CAs are mounted in secret-mount mode: the Secret, the pod volume showing
/// it (named after the Secret, as in ECK's documentation), and the directory it appears in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountLayout {
    pub secret: String,
    pub volume: String,
    pub mount_path: String,
    /// The connections that trust what the Secret holds: the setting that lists its bundle.
    pub layer: CaLayer,
}

impl MountLayout {
    /// Checks the Secret's name (a valid name, not one that would shadow ECK's own volumes) and
    /// the mount path (absolute, normalised, strictly inside Elasticsearch's config directory,
    /// neither one of ECK's own mounts nor inside one).
    pub fn new(secret: &str, mount_path: &str) -> Result<Self, Failure> {
        validate_secret(secret)?;
        validate_mount_path(mount_path)?;
        Ok(Self {
            secret: secret.to_string(),
            volume: secret.to_string(),
            mount_path: mount_path.to_string(),
            layer: CaLayer::Transport,
        })
    }

    /// The same Secret and path, listed in `layer`'s CA setting.
    pub fn in_layer(self, layer: CaLayer) -> Self {
        Self { layer, ..self }
    }

    /// The bundle file as Elasticsearch sees it.
    pub fn bundle_path(&self) -> String {
        format!("{}/{BUNDLE_FILE}", self.mount_path)
    }
}

fn validate_secret(secret: &str) -> Result<(), Failure> {
    crate::k8s::validate_name("secret name", secret).map_err(|error| {
        error
            .downcast::<Failure>()
            .unwrap_or_else(|error| Failure::new(FailureKind::Invalid, error.to_string()))
    })?;
    let replaced = match ECK_VOLUMES.iter().find(|(name, _)| *name == secret) {
        Some((_, what)) => format!("ECK's own {secret} volume ({what})"),
        None if secret.starts_with(ECK_VOLUME_PREFIX) => {
            format!("one of ECK's own volumes, named {ECK_VOLUME_PREFIX}-*")
        }
        None => return Ok(()),
    };
    Err(Failure::new(
        FailureKind::Invalid,
        format!("the secret name {secret:?} would name a volume that replaces {replaced}"),
    )
    .with_hint("ecr names its volume after the secret; choose another --secret"))
}

fn validate_mount_path(path: &str) -> Result<(), Failure> {
    let invalid = |why: &str| {
        Failure::new(
            FailureKind::Invalid,
            format!("the mount path {path:?} {why}"),
        )
        .with_hint(format!(
            "use an absolute path inside {CONFIG_DIR} (Elasticsearch reads SSL files only from there), such as {DEFAULT_MOUNT_PATH}"
        ))
    };
    let Some(inside) = path.strip_prefix(CONFIG_DIR) else {
        return Err(invalid("is not inside Elasticsearch's config directory"));
    };
    let segments: Vec<&str> = inside.split('/').collect();
    if segments
        .iter()
        .any(|segment| segment.is_empty() || *segment == "." || *segment == "..")
        || path.chars().any(char::is_control)
    {
        return Err(invalid("is not a normalised directory path"));
    }
    if let Some(reserved) = RESERVED_IN_CONFIG_DIR
        .iter()
        .find(|reserved| segments[0] == **reserved)
    {
        return Err(invalid(&format!(
            "would hide {CONFIG_DIR}{reserved}, which ECK or Elasticsearch uses"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_valid_remote_names_and_annotation_names() {
        for good in ["a", "cluster-b", "eu_west_1", "A9", &"a".repeat(63)] {
            assert_eq!(validate_alias(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "a:b",
            "a*",
            "a.b",
            "a/b",
            "-a",
            "a_",
            "ünï",
            "a b",
            &"a".repeat(64),
        ] {
            let failure = validate_alias(bad).unwrap_err();
            assert_eq!(failure.kind, FailureKind::Invalid, "{bad}");
            assert!(failure.hint.is_some());
        }
    }

    #[test]
    fn the_default_layout_is_ecks_documented_one() {
        let layout = MountLayout::new(DEFAULT_SECRET, DEFAULT_MOUNT_PATH).unwrap();
        assert_eq!(layout.volume, "remote-certs");
        assert_eq!(
            layout.bundle_path(),
            "/usr/share/elasticsearch/config/other/remote.ca.crt"
        );
    }

    #[test]
    fn mount_paths_stay_inside_the_config_directory_and_off_ecks_mounts() {
        for good in [
            "/usr/share/elasticsearch/config/other",
            "/usr/share/elasticsearch/config/remote/trust",
            "/usr/share/elasticsearch/config/transport-certs-extra",
        ] {
            assert!(MountLayout::new("remote-certs", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "other",
            "/usr/share/elasticsearch/config",
            "/usr/share/elasticsearch/config/",
            "/usr/share/elasticsearch/config/other/",
            "/usr/share/elasticsearch/config//other",
            "/usr/share/elasticsearch/config/./other",
            "/usr/share/elasticsearch/config/../data",
            "/usr/share/elasticsearch/config/other/../../data",
            "/usr/share/elasticsearch/data/certs",
            "/etc/certs",
            "/usr/share/elasticsearch/config/transport-certs",
            "/usr/share/elasticsearch/config/transport-remote-certs",
            "/usr/share/elasticsearch/config/http-certs/extra",
            "/usr/share/elasticsearch/config/operator",
            "/usr/share/elasticsearch/config/client-trust-bundle",
            "/usr/share/elasticsearch/config/client-cert/x",
            "/usr/share/elasticsearch/config/elasticsearch.yml",
            "/usr/share/elasticsearch/config/transport-certs/extra",
            "/usr/share/elasticsearch/config/users",
            "/usr/share/elasticsearch/config/roles.yml",
            "/usr/share/elasticsearch/config/users_roles",
            "/usr/share/elasticsearch/config/unicast_hosts.txt",
            "/usr/share/elasticsearch/config/service_tokens",
            "/usr/share/elasticsearch/config/other\n",
        ] {
            let failure = MountLayout::new("remote-certs", bad).unwrap_err();
            assert_eq!(failure.kind, FailureKind::Invalid, "{bad:?}");
            assert!(failure.hint.is_some());
        }
    }

    #[test]
    fn secret_names_are_kubernetes_names_that_leave_ecks_volumes_alone() {
        for bad in [
            "",
            "Remote",
            "remote_certs",
            "elastic-internal-transport-certificates",
            "elasticsearch-data",
            "elasticsearch-logs",
            "tmp-volume",
            "downward-api",
            "file-settings",
        ] {
            let failure = MountLayout::new(bad, DEFAULT_MOUNT_PATH).unwrap_err();
            assert_eq!(failure.kind, FailureKind::Invalid, "{bad}");
            assert!(failure.hint.is_some(), "{bad}");
        }
    }

    #[test]
    fn a_secret_named_like_ecks_data_volume_says_what_it_would_do() {
        let failure = MountLayout::new("elasticsearch-data", DEFAULT_MOUNT_PATH).unwrap_err();
        assert_eq!(
            failure.message,
            "the secret name \"elasticsearch-data\" would name a volume that replaces ECK's own \
             elasticsearch-data volume (the data volume: the data would move to ephemeral storage during the roll)"
        );
    }

    #[test]
    fn sources_are_recorded_without_empty_fields() {
        let source = CaOrigin {
            context: None,
            namespace: Some("ns".into()),
            cluster: Some("b".into()),
            file: None,
            sha256: "AB:CD".into(),
        };
        let json = serde_json::to_string(&source).unwrap();
        assert_eq!(json, r#"{"namespace":"ns","cluster":"b","sha256":"AB:CD"}"#);
        assert_eq!(serde_json::from_str::<CaOrigin>(&json).unwrap(), source);
    }
}
