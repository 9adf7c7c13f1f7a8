//! ECK's enterprise trial, as ECK 3.5's trial controller starts it: a user's empty Secret
//! labelled `license.k8s.elastic.co/type: enterprise_trial` and annotated
//! `elastic.co/eula: accepted` becomes a 30-day operator license of type `enterprise_trial`
//! issued by "Elastic k8s operator" (then `licenses` starts Elasticsearch's trial on every
//! cluster); the Secret `trial-status` in the operator's namespace holds the trial's public key,
//! and `in-trial-activation` until the license is filled in. A trial starts once: an empty trial
//! Secret after that is marked invalid, as is one without the EULA accepted.
//! ECK: `pkg/controller/license/trial/trial_controller.go`, `pkg/controller/common/license/
//! {trial,crud,detection,labels}.go`. The sandbox signs nothing: the signature is random bytes
//! and the key a P-256 one (ECK's is RSA 2048).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rcgen::PublicKeyData;
use serde_json::{Value, json};

use super::license_secrets::{
    LICENSE_KEY, LICENSE_SCOPE_LABEL, LICENSE_TYPE, LICENSE_TYPE_LABEL, license_json,
};
use crate::apiserver::resources::SECRETS;
use crate::apiserver::write::Part;
use crate::apiserver::{KubeApi, json};
use crate::controllers::conventions::{OPERATOR_NAMESPACE, TYPE_LABEL};
use crate::elasticsearch::now_millis;

/// Who issues ECK's trials (ECK: `ECKLicenseIssuer`).
pub const ECK_LICENSE_ISSUER: &str = "Elastic k8s operator";
/// The name the ECK documentation gives the trial Secret.
const TRIAL_SECRET: &str = "eck-trial-license";
const EULA_ANNOTATION: &str = "elastic.co/eula";
const INVALID_ANNOTATION: &str = "license.k8s.elastic.co/invalid";
const WATCHED_LABEL: &str = "eck.k8s.elastic.co/watched";
const TRIAL_STATUS: &str = "trial-status";
const PUBKEY_KEY: &str = "pubkey";
const ACTIVATION_KEY: &str = "in-trial-activation";
const TRIAL_MILLIS: u64 = 30 * 24 * 3600 * 1000;
const EULA_NOT_ACCEPTED: &str =
    "Please set the annotation elastic.co/eula to \"accepted\" to accept the EULA";
const ONLY_ONCE: &str = "trial can be started only once";
const EXPIRED: &str = "trial license expired";

/// The trial types of an operator license (`enterprise-trial`: ECK's earlier name).
pub fn is_trial_type(license_type: &str) -> bool {
    matches!(license_type, "enterprise_trial" | "enterprise-trial")
}

/// ECK's `IsEnterpriseTrial`: the type label says so, and the common type label, if any, is
/// `license`.
pub fn is_enterprise_trial(secret: &Value) -> bool {
    json::label(secret, TYPE_LABEL).is_none_or(|t| t == LICENSE_TYPE)
        && json::label(secret, LICENSE_TYPE_LABEL).is_some_and(is_trial_type)
}

/// The Secret a user creates to start ECK's trial (the ECK documentation's, as
/// `CreateTrialLicense` writes it).
pub fn trial_request() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": TRIAL_SECRET,
            "namespace": OPERATOR_NAMESPACE,
            "labels": {LICENSE_TYPE_LABEL: "enterprise_trial"},
            "annotations": {EULA_ANNOTATION: "accepted"},
        },
    })
}

/// The trial controller's reconcile of a trial Secret, as stored now.
pub fn reconcile(api: &KubeApi, secret: &Value) {
    let Some(license) = trial_license(secret) else {
        return;
    };
    let issuer = license["issuer"].as_str().unwrap_or_default();
    if !is_trial_type(license["type"].as_str().unwrap_or_default())
        || !(issuer.is_empty() || issuer == ECK_LICENSE_ISSUER)
    {
        // Not ECK's to fill in (an externally generated license, or not a trial).
        return;
    }
    if json::annotation(secret, EULA_ANNOTATION) != Some("accepted") {
        mark_invalid(api, secret, EULA_NOT_ACCEPTED);
        return;
    }
    let status = api.get(&SECRETS, OPERATOR_NAMESPACE, TRIAL_STATUS);
    let started = status
        .as_ref()
        .is_some_and(|s| s["data"][ACTIVATION_KEY].is_null());
    if status.is_none() {
        write_status(api, secret, true);
    }
    match (is_populated(&license), started) {
        (false, true) => mark_invalid(api, secret, ONLY_ONCE),
        (false, false) => populate(api, secret, &license),
        (true, _)
            if license["expiry_date_in_millis"]
                .as_u64()
                .unwrap_or_default()
                <= now_millis() =>
        {
            mark_invalid(api, secret, EXPIRED)
        }
        (true, false) => write_status(api, secret, false),
        (true, true) => {}
    }
}

/// The license a trial Secret holds: an empty one of type `enterprise_trial` while it has no
/// data (ECK: `TrialLicense`); None when its data holds no license.
fn trial_license(secret: &Value) -> Option<Value> {
    if secret["data"]
        .as_object()
        .is_none_or(|data| data.is_empty())
    {
        return Some(json!({"type": "enterprise_trial"}));
    }
    Some(license_json(secret)?["license"].clone())
}

/// ECK's `IsMissingFields`: a license it filled in has them all.
fn is_populated(license: &Value) -> bool {
    let text = |field: &str| license[field].as_str().is_some_and(|v| !v.is_empty());
    let millis = |field: &str| license[field].as_u64().is_some_and(|v| v > 0);
    ["issuer", "issued_to", "uid"].into_iter().all(text)
        && [
            "expiry_date_in_millis",
            "start_date_in_millis",
            "issue_date_in_millis",
        ]
        .into_iter()
        .all(millis)
}

/// Fills in the trial (`populateTrialLicense`: 30 days from now), signs it and labels the
/// Secret an operator license (`UpdateEnterpriseLicense`).
fn populate(api: &KubeApi, secret: &Value, license: &Value) {
    let now = now_millis();
    let text = |field: &str, default: &str| {
        license[field]
            .as_str()
            .filter(|v| !v.is_empty())
            .unwrap_or(default)
            .to_string()
    };
    let filled = json!({"license": {
        // A random version-4 UUID, as ECK's `uuid.NewUUID()` gives the trial.
        "uid": text("uid", &json::new_uid()),
        "type": license["type"],
        "issue_date_in_millis": now,
        "expiry_date_in_millis": now + TRIAL_MILLIS,
        "issued_to": text("issued_to", "Unknown"),
        "issuer": text("issuer", ECK_LICENSE_ISSUER),
        "start_date_in_millis": now,
        "signature": STANDARD.encode(json::random_bytes::<64>()),
        "cluster_licenses": null,
    }});
    let mut updated = secret.clone();
    updated["data"] = json!({LICENSE_KEY: STANDARD.encode(filled.to_string())});
    let labels = &mut updated["metadata"]["labels"];
    labels[TYPE_LABEL] = json!(LICENSE_TYPE);
    labels[LICENSE_SCOPE_LABEL] = json!("operator");
    labels[LICENSE_TYPE_LABEL] = license["type"].clone();
    labels[WATCHED_LABEL] = json!("true");
    write(api, updated);
}

/// `setValidationMsg`: the reason in an annotation (written only when it changes, as an
/// unchanged update is no event).
fn mark_invalid(api: &KubeApi, secret: &Value, reason: &str) {
    tracing::info!(name = json::name(secret), "trial license invalid: {reason}");
    if json::annotation(secret, INVALID_ANNOTATION) == Some(reason) {
        return;
    }
    let mut updated = secret.clone();
    updated["metadata"]["annotations"][INVALID_ANNOTATION] = json!(reason);
    write(api, updated);
}

/// `ExpectedTrialStatus`: the trial's public key (kept once made), and `in-trial-activation`
/// until the trial license is filled in.
fn write_status(api: &KubeApi, secret: &Value, in_activation: bool) {
    let stored = api.get(&SECRETS, OPERATOR_NAMESPACE, TRIAL_STATUS);
    let pubkey = match stored.as_ref().and_then(|s| s["data"][PUBKEY_KEY].as_str()) {
        Some(pubkey) => pubkey.to_string(),
        None => match rcgen::KeyPair::generate() {
            Ok(key) => STANDARD.encode(key.subject_public_key_info()),
            Err(error) => {
                tracing::error!("ECK could not make the trial's key: {error}");
                return;
            }
        },
    };
    let mut data = json!({PUBKEY_KEY: pubkey});
    if in_activation {
        data[ACTIVATION_KEY] = json!(STANDARD.encode("true"));
    }
    write(
        api,
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": TRIAL_STATUS,
                "namespace": OPERATOR_NAMESPACE,
                "annotations": {
                    "trial.k8s.elastic.co/secret-name": json::name(secret),
                    "trial.k8s.elastic.co/secret-namespace": json::namespace(secret),
                },
                "labels": {WATCHED_LABEL: "true"},
            },
            "data": data,
        }),
    );
}

fn write(api: &KubeApi, secret: Value) {
    if let Err(error) = api.upsert(&SECRETS, secret, Part::Whole) {
        tracing::warn!("ECK could not write a trial secret: {}", error.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_secret_is_an_enterprise_trial() {
        assert!(is_enterprise_trial(&trial_request()));
        let mut other = trial_request();
        other["metadata"]["labels"][TYPE_LABEL] = json!("elasticsearch");
        assert!(!is_enterprise_trial(&other));
    }

    #[test]
    fn an_empty_trial_is_not_populated_and_a_filled_one_is() {
        let empty = trial_license(&trial_request()).expect("an empty trial");
        assert!(!is_populated(&empty));
        let filled = json!({"issuer": ECK_LICENSE_ISSUER, "issued_to": "Unknown", "uid": json::new_uid(),
            "expiry_date_in_millis": 3, "start_date_in_millis": 1, "issue_date_in_millis": 1});
        assert!(is_populated(&filled));
    }
}
