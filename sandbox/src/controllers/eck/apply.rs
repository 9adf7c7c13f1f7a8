//! How ECK writes what it owns: through the API, keeping what others added.

use serde_json::Value;

use crate::apiserver::resources::ResourceType;
use crate::apiserver::write::Part;
use crate::apiserver::{KubeApi, json};

/// Creates or updates an object ECK owns. Labels and annotations others added are kept,
/// and so is the stored status when ECK does not set one.
pub fn apply_owned(api: &KubeApi, rt: &'static ResourceType, mut desired: Value) {
    let current = api.get(rt, json::namespace(&desired), json::name(&desired));
    if let Some(current) = current {
        for field in ["labels", "annotations"] {
            let mut merged = current["metadata"][field]
                .as_object()
                .cloned()
                .unwrap_or_default();
            merged.extend(
                desired["metadata"][field]
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            );
            desired["metadata"][field] = Value::Object(merged);
        }
        if desired["status"].is_null() && !current["status"].is_null() {
            desired["status"] = current["status"].clone();
        }
    }
    if let Err(error) = api.upsert(rt, desired, Part::Whole) {
        tracing::warn!("ECK could not write a {}: {}", rt.singular, error.message);
    }
}
