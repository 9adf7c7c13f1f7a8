//! The CronJob manifest of the README's `ecr trust sync` section: each document read into its
//! typed Kubernetes struct with no field lost, and the job's arguments accepted by ecr itself.

use clap::Parser as _;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use serde::Deserialize as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const SECTION: &str = "### `ecr trust sync";

/// The documents of every `yaml` block in the README's `trust sync` section.
fn manifest_documents() -> Vec<Value> {
    let readme = include_str!("../README.md");
    let start = readme.find(SECTION).expect("the trust sync section");
    let section = &readme[start + SECTION.len()..];
    let section = &section[..section.find("\n### ").unwrap_or(section.len())];
    section
        .split("```yaml\n")
        .skip(1)
        .map(|block| &block[..block.find("```").expect("a closed block")])
        .flat_map(serde_yaml::Deserializer::from_str)
        .map(|document| Value::deserialize(document).expect("a YAML document"))
        .collect()
}

/// `document` read as `K` and written back: equal only if every field is one `K` knows.
fn round_trip<K: DeserializeOwned + Serialize>(document: &Value) -> Value {
    let typed: K = serde_json::from_value(document.clone())
        .unwrap_or_else(|error| panic!("{error}: {document:#}"));
    serde_json::to_value(typed).expect("serializes")
}

#[test]
fn every_document_is_a_typed_kubernetes_object_with_no_field_ignored() {
    let documents = manifest_documents();
    let kinds: Vec<&str> = documents
        .iter()
        .map(|document| document["kind"].as_str().expect("a kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "Role",
            "RoleBinding",
            "CronJob",
            "ClusterRole",
            "ClusterRoleBinding"
        ]
    );
    for document in &documents {
        let written_back = match document["kind"].as_str() {
            Some("ServiceAccount") => round_trip::<ServiceAccount>(document),
            Some("Role") => round_trip::<Role>(document),
            Some("RoleBinding") => round_trip::<RoleBinding>(document),
            Some("ClusterRole") => round_trip::<ClusterRole>(document),
            Some("ClusterRoleBinding") => round_trip::<ClusterRoleBinding>(document),
            Some("CronJob") => round_trip::<CronJob>(document),
            other => panic!("unexpected kind {other:?}"),
        };
        assert_eq!(&written_back, document, "a field is unknown or misplaced");
    }
}

#[test]
fn the_job_runs_a_command_ecr_accepts_as_its_service_account() {
    let documents = manifest_documents();
    let cron_job = documents
        .iter()
        .find(|document| document["kind"] == "CronJob")
        .expect("a CronJob");
    let pod = &cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let account = &documents[0];
    assert_eq!(pod["serviceAccountName"], account["metadata"]["name"]);
    let args: Vec<&str> = pod["containers"][0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|arg| arg.as_str().expect("a string"))
        .collect();
    let parsed = ecr::commands::Cli::try_parse_from([&["ecr"], &args[..]].concat());
    assert!(parsed.is_ok(), "{args:?}: {:?}", parsed.err());
}
