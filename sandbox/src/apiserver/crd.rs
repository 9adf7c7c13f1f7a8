//! ECK's `Elasticsearch` CRD, version v1, embedded: its structural schema (for validation)
//! and its printer columns (for tables). `sandbox/src/crd/elasticsearch-v1.json` (ecr's
//! tests read it too) is the `v1` entry of `spec.versions` in ECK's CRD manifest, with the
//! `description` texts removed.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::Value;

/// One column `kubectl get` prints for the resource.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PrinterColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "jsonPath")]
    pub json_path: String,
    #[serde(default)]
    pub priority: u32,
}

/// What the sandbox uses of one CRD version.
#[derive(Debug, Deserialize)]
pub struct CrdVersion {
    pub schema: Schema,
    #[serde(rename = "additionalPrinterColumns", default)]
    pub printer_columns: Vec<PrinterColumn>,
}

#[derive(Debug, Deserialize)]
pub struct Schema {
    #[serde(rename = "openAPIV3Schema")]
    pub open_api_v3_schema: Value,
}

static ELASTICSEARCH_V1: LazyLock<CrdVersion> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../crd/elasticsearch-v1.json"))
        .expect("the embedded Elasticsearch CRD is valid JSON of the CRD version shape")
});

/// The Elasticsearch CRD, version v1, of ECK 3.5.
pub fn elasticsearch() -> &'static CrdVersion {
    &ELASTICSEARCH_V1
}

/// Which ECK's CRD an API server has installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EckRelease {
    /// ECK 3.5, whose CRD is embedded.
    #[default]
    Eck3_5,
    /// ECK 2.16 to 3.2: a remote cluster server, but no `spec.remoteClusterServer.service`
    /// (cloud-on-k8s v3.2.0 pkg/apis/elasticsearch/v1/elasticsearch_types.go,
    /// `RemoteClusterServer`; v3.3.0 added `Service`), so a patch naming it is refused under
    /// strict field validation and pruned otherwise.
    Eck3_2,
}

static ELASTICSEARCH_V1_ECK_3_2: LazyLock<CrdVersion> = LazyLock::new(|| {
    let mut crd: CrdVersion = serde_json::from_str(include_str!("../crd/elasticsearch-v1.json"))
        .expect("the embedded Elasticsearch CRD is valid JSON of the CRD version shape");
    let server = crd
        .schema
        .open_api_v3_schema
        .pointer_mut("/properties/spec/properties/remoteClusterServer/properties")
        .and_then(Value::as_object_mut)
        .expect("ECK 3.5's CRD describes spec.remoteClusterServer");
    server.remove("service");
    crd
});

/// The Elasticsearch CRD, version v1, of that ECK.
pub fn elasticsearch_of(release: EckRelease) -> &'static CrdVersion {
    match release {
        EckRelease::Eck3_5 => &ELASTICSEARCH_V1,
        EckRelease::Eck3_2 => &ELASTICSEARCH_V1_ECK_3_2,
    }
}
