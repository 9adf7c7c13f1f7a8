//! ECK's licensing of the clusters it manages, as ECK 3.5 does it: the operator's licenses
//! (Secrets labelled `license.k8s.elastic.co/scope: operator`, ECK's own trial among them once
//! its trial controller filled it in: see `trial`), the cluster license each cluster gets from
//! the best of them (`NAME-es-license`, deleted when there is none), and what ECK posts to each
//! Elasticsearch to match it (`start_trial`, or `start_basic`).
//! ECK: `pkg/controller/license/license_controller.go`, `pkg/controller/common/license/
//! {check,match,model}.go`, `pkg/controller/elasticsearch/license/apply.go`.
//!
//! Left out: signatures (the sandbox checks none) and the signed cluster licenses of an
//! enterprise license (the sandbox's Elasticsearch takes none): an enterprise license only
//! opens the operator's enterprise features ([`enterprise_features_enabled`]).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::apply::apply_owned;
use super::license_secrets::{
    LICENSE_KEY, LICENSE_SCOPE_LABEL, LICENSE_TYPE, LICENSE_TYPE_LABEL, license_json,
};
use super::pods::Pods;
use super::resource::{Pause, owner_reference, paused};
use super::trial;
use crate::apiserver::resources::{ELASTICSEARCHES, SECRETS};
use crate::apiserver::{Change, Controller, KubeApi, json};
use crate::controllers::conventions::TYPE_LABEL;
use crate::elasticsearch::now_millis;

/// On a cluster license: the uid of the operator license it comes from.
const LICENSE_NAME_LABEL: &str = "license.k8s.elastic.co/name";

/// ECK's license controller and the license step of its Elasticsearch reconcile: registered
/// after the kubelet, which runs the Elasticsearch it posts to.
pub struct Licenses {
    pods: Arc<dyn Pods>,
}

impl Licenses {
    pub fn new(pods: Arc<dyn Pods>) -> Self {
        Licenses { pods }
    }
}

impl Controller for Licenses {
    /// A cluster written is licensed; an operator license written or deleted relicenses every
    /// cluster (ECK's license controller enqueues them all); ECK's trial Secret is filled in.
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        let object = change.object;
        if change.is_write_of(&ELASTICSEARCHES) {
            reconcile(
                api,
                self.pods.as_ref(),
                json::namespace(object),
                json::name(object),
            );
            return;
        }
        if change.resource != &SECRETS {
            return;
        }
        if !change.deleted && trial::is_enterprise_trial(object) {
            trial::reconcile(api, object);
        }
        if json::label(object, LICENSE_SCOPE_LABEL) == Some("operator") {
            for cluster in api.list(&ELASTICSEARCHES, None) {
                let (namespace, name) = (json::namespace(&cluster), json::name(&cluster));
                reconcile(api, self.pods.as_ref(), namespace, name);
            }
        }
    }
}

/// Gives one cluster its cluster license, then posts what its Elasticsearch needs to match it.
fn reconcile(api: &KubeApi, pods: &dyn Pods, namespace: &str, name: &str) {
    let Some(resource) = api.get(&ELASTICSEARCHES, namespace, name) else {
        return;
    };
    if paused(&resource) == Some(Pause::Everything) {
        return;
    }
    reconcile_cluster_license(api, &resource);
    apply(api, pods, namespace, name, Health::Known);
}

/// An operator license, as ECK reads it from its Secret (ECK: `EnterpriseLicense`).
struct OperatorLicense {
    uid: String,
    license_type: String,
    issuer: String,
    start_millis: u64,
    expiry_millis: u64,
}

impl OperatorLicense {
    fn from_secret(secret: &Value) -> Option<Self> {
        Some(Self::from_json(&license_json(secret)?["license"]))
    }

    fn from_json(spec: &Value) -> Self {
        let text = |field: &str| spec[field].as_str().unwrap_or_default().to_string();
        let millis = |field: &str| spec[field].as_u64().unwrap_or_default();
        OperatorLicense {
            uid: text("uid"),
            license_type: text("type"),
            issuer: text("issuer"),
            start_millis: millis("start_date_in_millis"),
            expiry_millis: millis("expiry_date_in_millis"),
        }
    }

    /// `IsECKManagedTrial`: a trial that ECK issued, or an empty one it can fill in.
    fn is_eck_managed_trial(&self) -> bool {
        trial::is_trial_type(&self.license_type)
            && (self.issuer.is_empty() || self.issuer == trial::ECK_LICENSE_ISSUER)
    }

    /// `IsValid`: between its start and its expiry.
    fn is_valid_at(&self, now_millis: u64) -> bool {
        self.start_millis <= now_millis && now_millis < self.expiry_millis
    }
}

/// The operator's licenses: Secrets of operator scope in any namespace (ECK lists them through
/// its cache, which holds the namespaces it manages: all of them here).
fn operator_licenses(api: &KubeApi) -> Vec<OperatorLicense> {
    api.list(&SECRETS, None)
        .iter()
        .filter(|secret| json::label(secret, LICENSE_SCOPE_LABEL) == Some("operator"))
        .filter_map(OperatorLicense::from_secret)
        .collect()
}

/// ECK's `EnterpriseFeaturesEnabled`: an operator license of type enterprise, or an enterprise
/// trial (the sandbox checks neither signature nor dates here).
pub fn enterprise_features_enabled(api: &KubeApi) -> bool {
    operator_licenses(api).iter().any(|license| {
        license.license_type == "enterprise" || trial::is_trial_type(&license.license_type)
    })
}

/// The cluster license of an ECK trial: only its type, which tells ECK to start
/// Elasticsearch's own trial (ECK: `filterValid` in `match.go`, `client.License` marshalled).
fn eck_trial_cluster_license() -> Value {
    json!({
        "uid": "", "type": "trial", "issue_date_in_millis": 0, "expiry_date_in_millis": 0,
        "issued_to": "", "issuer": "", "start_date_in_millis": 0,
    })
}

/// ECK's `reconcileClusterLicense`: `NAME-es-license` from the best valid operator license (the
/// ECK trial that expires last; the sandbox derives none from enterprise licenses), or no
/// such Secret at all when none is valid, so that the cluster reverts to basic.
fn reconcile_cluster_license(api: &KubeApi, resource: &Value) {
    let (namespace, name) = (json::namespace(resource), json::name(resource));
    let secret_name = cluster_license_name(name);
    let now = now_millis();
    let best = operator_licenses(api)
        .into_iter()
        .filter(|license| license.is_eck_managed_trial() && license.is_valid_at(now))
        .max_by_key(|license| license.expiry_millis);
    let Some(parent) = best else {
        if api.get(&SECRETS, namespace, &secret_name).is_some() {
            api.remove_unless(&SECRETS, namespace, |secret| {
                json::name(secret) != secret_name
            });
        }
        return;
    };
    let license = eck_trial_cluster_license();
    let data = json!({LICENSE_KEY: STANDARD.encode(license.to_string())});
    let stored = api.get(&SECRETS, namespace, &secret_name);
    let parent_label =
        |secret: &Value| json::label(secret, LICENSE_NAME_LABEL) == Some(&parent.uid);
    if stored.is_some_and(|s| s["data"] == data && parent_label(&s)) {
        return;
    }
    let secret = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name,
            "namespace": namespace,
            "labels": {
                TYPE_LABEL: LICENSE_TYPE,
                LICENSE_NAME_LABEL: parent.uid,
                LICENSE_SCOPE_LABEL: "elasticsearch",
                LICENSE_TYPE_LABEL: license["type"],
            },
            "ownerReferences": owner_reference(resource),
        },
        "data": data,
    });
    apply_owned(api, &SECRETS, secret);
}

/// `NAME-es-license` (ECK: `esv1.LicenseSecretName`).
fn cluster_license_name(name: &str) -> String {
    format!("{name}-es-license")
}

/// Whether ECK knows the cluster's health when it reconciles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// It reads the current license (`GET _license`) first.
    Known,
    /// Its observer has not seen the cluster answer yet, as right after a node restarted: it
    /// reads no license and passes an empty one, since the pods have endpoints
    /// (`driver/shared/reconcile.go`: `esReachable` false, `license.Reconcile` still called).
    Unknown,
}

/// What ECK posts to Elasticsearch for its license.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Post {
    StartBasic,
    StartTrial,
}

/// The cluster license ECK expects, as it reads it from `NAME-es-license` (`client.License`).
struct ExpectedLicense {
    uid: String,
    license_type: String,
    signature: String,
    start_millis: u64,
    expiry_millis: u64,
}

impl ExpectedLicense {
    fn from_secret(secret: &Value) -> Option<Self> {
        let license = license_json(secret)?;
        let text = |field: &str| license[field].as_str().unwrap_or_default().to_string();
        Some(ExpectedLicense {
            uid: text("uid"),
            license_type: text("type"),
            signature: text("signature"),
            start_millis: license["start_date_in_millis"].as_u64().unwrap_or_default(),
            expiry_millis: license["expiry_date_in_millis"]
                .as_u64()
                .unwrap_or_default(),
        })
    }

    /// `isECKManagedTrial` of `apply.go`: a trial of nothing but its type.
    fn is_eck_managed_trial(&self) -> bool {
        self.license_type == "trial"
            && self.signature.is_empty()
            && self.uid.is_empty()
            && self.start_millis == 0
            && self.expiry_millis == 0
    }
}

/// ECK's `applyLinkedLicense`. `current`: the type Elasticsearch reported, None for the empty
/// license ECK passes when it read none (type and uid empty). Without a cluster license ECK
/// leaves basic and trial alone (a trial started by hand is tolerated) and posts `start_basic`
/// for anything else, the empty license included: so a hand-started trial is lost when ECK
/// reconciles a cluster it could not read. With one (`updateLicense`), nothing when it is in
/// place (same uid, which the empty license and an ECK trial share, or a trial already
/// running), else `start_trial` for an ECK trial (a signed license would be PUT: the sandbox
/// takes none).
fn post_for(expected: Option<&ExpectedLicense>, current: Option<&str>) -> Option<Post> {
    let current_type = current.unwrap_or_default();
    let Some(desired) = expected else {
        return match current_type {
            "basic" | "trial" => None,
            _ => Some(Post::StartBasic),
        };
    };
    // A license read from Elasticsearch always has a uid; only the empty one has none.
    let same_uid = current.is_none() && desired.uid.is_empty();
    let in_place = same_uid || (current_type == "trial" && desired.license_type == "trial");
    (!in_place && desired.is_eck_managed_trial()).then_some(Post::StartTrial)
}

/// The license step of ECK's reconcile of one cluster, once its pods run: reads the current
/// license when it knows the cluster's `health`, then posts what [`post_for`] says.
pub fn apply(api: &KubeApi, pods: &dyn Pods, namespace: &str, name: &str, health: Health) {
    let Some(es) = pods.elasticsearch(namespace, name) else {
        return;
    };
    let expected = match api.get(&SECRETS, namespace, &cluster_license_name(name)) {
        Some(secret) => match ExpectedLicense::from_secret(&secret) {
            Some(license) => Some(license),
            None => {
                // ECK: "no valid license found in license secret", and retries.
                tracing::warn!(%namespace, %name, "ECK found no valid license in its secret");
                return;
            }
        },
        None => None,
    };
    let current = (health == Health::Known).then(|| es.license_type());
    match post_for(expected.as_ref(), current) {
        Some(Post::StartBasic) => {
            // False is the 403 of a cluster on basic already, which ECK ignores.
            es.start_basic();
        }
        // ECK logs a refusal and goes on: a trial starts once in a cluster's life.
        Some(Post::StartTrial) if !es.start_trial() => {
            tracing::info!(%namespace, %name,
                "failed to start trial most likely because trial was activated previously");
        }
        Some(Post::StartTrial) => {}
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eck_trial() -> ExpectedLicense {
        let secret = json!({"data": {LICENSE_KEY: STANDARD.encode(eck_trial_cluster_license().to_string())}});
        ExpectedLicense::from_secret(&secret).expect("parses")
    }

    #[test]
    fn without_a_cluster_license_only_an_unread_or_other_license_turns_basic() {
        assert_eq!(post_for(None, Some("basic")), None);
        assert_eq!(
            post_for(None, Some("trial")),
            None,
            "a trial by hand is tolerated"
        );
        assert_eq!(
            post_for(None, None),
            Some(Post::StartBasic),
            "unless unread"
        );
        assert_eq!(post_for(None, Some("platinum")), Some(Post::StartBasic));
    }

    #[test]
    fn an_eck_trial_starts_once_read_and_is_left_alone_unread() {
        let trial = eck_trial();
        assert!(trial.is_eck_managed_trial());
        assert_eq!(
            post_for(Some(&trial), Some("basic")),
            Some(Post::StartTrial)
        );
        assert_eq!(post_for(Some(&trial), Some("trial")), None);
        assert_eq!(post_for(Some(&trial), None), None);
    }

    #[test]
    fn an_operator_license_is_valid_between_its_dates() {
        let license = OperatorLicense::from_json(&json!({
            "type": "enterprise_trial", "issuer": trial::ECK_LICENSE_ISSUER,
            "start_date_in_millis": 10, "expiry_date_in_millis": 20,
        }));
        assert!(license.is_eck_managed_trial());
        assert!(license.is_valid_at(10) && !license.is_valid_at(20));
        let undated = OperatorLicense::from_json(&json!({"type": "enterprise_trial"}));
        assert!(!undated.is_valid_at(now_millis()));
    }
}
