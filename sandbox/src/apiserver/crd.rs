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

/// The Elasticsearch CRD, version v1.
pub fn elasticsearch() -> &'static CrdVersion {
    &ELASTICSEARCH_V1
}
