//! ECK's license Secrets, which its license controller and its trial controller both read and
//! write: their labels, and where they keep the license (cloud-on-k8s v3.5.0
//! pkg/controller/common/license/labels.go, crud.go).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

pub const LICENSE_SCOPE_LABEL: &str = "license.k8s.elastic.co/scope";
pub const LICENSE_TYPE_LABEL: &str = "license.k8s.elastic.co/type";
/// The key of the license JSON in its Secret (ECK: `license.FileName`).
pub const LICENSE_KEY: &str = "license";
/// `common.k8s.elastic.co/type` of every license Secret.
pub const LICENSE_TYPE: &str = "license";

/// The license JSON a license Secret holds under [`LICENSE_KEY`].
pub fn license_json(secret: &Value) -> Option<Value> {
    let bytes = STANDARD
        .decode(secret["data"][LICENSE_KEY].as_str()?)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}
