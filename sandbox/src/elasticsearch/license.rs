//! The cluster's license, part of its cluster state (so it outlives node restarts): basic
//! until a trial is started, which can happen once in the life of a cluster, even after a
//! return to basic (ES: `license/StartTrialClusterTask.java`, `StartBasicClusterTask.java`,
//! `LicensesMetadata.isEligibleForTrial`), and the features each type allows.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::errors::{Cause, EsError};

/// Midnight, 1 January 2024 UTC: when the emulated basic license was issued.
const BASIC_ISSUED_AT_MILLIS: u64 = 1_704_067_200_000;
/// A self-generated trial lasts 30 days (ES: `LicenseSettings.NON_BASIC_SELF_GENERATED_LICENSE_DURATION`).
const TRIAL_MILLIS: u64 = 30 * 24 * 3600 * 1000;

/// The Enterprise-level feature API-key remote clusters need on both clusters
/// (ES: `Security.ADVANCED_REMOTE_CLUSTER_SECURITY_FEATURE`).
pub const ADVANCED_REMOTE_CLUSTER_SECURITY: &str = "advanced-remote-cluster-security";

/// The license in the cluster state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum License {
    #[default]
    Basic,
    Trial {
        issued_at_millis: u64,
    },
}

/// The license and whether a trial ever ran: ES's `LicensesMetadata`, whose trial version
/// `start_basic` keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LicensesMetadata {
    pub license: License,
    trial_started: bool,
}

/// What `POST _license/start_basic?acknowledge=true` did (ES: `PostStartBasicResponse.Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BasicStart {
    GeneratedBasic,
    /// Answered 403 "Operation failed: Current license is basic.".
    AlreadyUsingBasic,
}

/// What `POST _license/start_trial` did (ES: `PostStartTrialResponse.Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrialStart {
    NeedsAcknowledgement,
    Started,
    AlreadyActivated,
}

impl LicensesMetadata {
    /// Starts a trial, once per cluster, and only when acknowledged.
    pub fn start_trial(&mut self, acknowledged: bool, now_millis: u64) -> TrialStart {
        match (acknowledged, self.trial_started) {
            (false, _) => TrialStart::NeedsAcknowledgement,
            (true, false) => {
                self.license = License::Trial {
                    issued_at_millis: now_millis,
                };
                self.trial_started = true;
                TrialStart::Started
            }
            (true, true) => TrialStart::AlreadyActivated,
        }
    }

    /// Returns to basic, acknowledged (as ECK posts it); the trial stays used.
    pub fn start_basic(&mut self) -> BasicStart {
        match self.license {
            License::Basic => BasicStart::AlreadyUsingBasic,
            License::Trial { .. } => {
                self.license = License::Basic;
                BasicStart::GeneratedBasic
            }
        }
    }
}

impl License {
    pub fn type_name(self) -> &'static str {
        match self {
            License::Basic => "basic",
            License::Trial { .. } => "trial",
        }
    }

    /// Whether Enterprise-level features (such as [`ADVANCED_REMOTE_CLUSTER_SECURITY`]) are
    /// allowed: a trial allows every feature, basic none of them.
    pub fn allows_enterprise_features(self) -> bool {
        matches!(self, License::Trial { .. })
    }

    /// The body of `GET _license`.
    pub fn to_json(self, uid: &str, issued_to: &str) -> Value {
        let mut license = json!({
            "status": "active",
            "uid": uid,
            "type": self.type_name(),
            "issue_date": iso_millis(self.issued_at()),
            "issue_date_in_millis": self.issued_at(),
            "max_nodes": 1000,
            "max_resource_units": null,
            "issued_to": issued_to,
            "issuer": "elasticsearch",
            "start_date_in_millis": -1,
        });
        if let License::Trial { issued_at_millis } = self {
            let expiry = issued_at_millis + TRIAL_MILLIS;
            license["expiry_date"] = json!(iso_millis(expiry));
            license["expiry_date_in_millis"] = json!(expiry);
        }
        json!({ "license": license })
    }

    fn issued_at(self) -> u64 {
        match self {
            License::Basic => BASIC_ISSUED_AT_MILLIS,
            License::Trial { issued_at_millis } => issued_at_millis,
        }
    }
}

/// The answer to `POST _license/start_trial` (ES: `RestPostStartTrialLicense`): 200 when
/// started or when acknowledgement is needed, 403 when a trial was already activated.
pub fn trial_answer(outcome: TrialStart, acknowledged: bool) -> (StatusCode, Value) {
    match outcome {
        TrialStart::Started => (
            StatusCode::OK,
            json!({"acknowledged": true, "trial_was_started": true, "type": "trial"}),
        ),
        TrialStart::AlreadyActivated => (
            StatusCode::FORBIDDEN,
            json!({"acknowledged": acknowledged, "trial_was_started": false,
                "error_message": "Operation failed: Trial was already activated."}),
        ),
        TrialStart::NeedsAcknowledgement => (
            StatusCode::OK,
            json!({
                "acknowledged": false,
                "trial_was_started": false,
                "error_message": "Operation failed: Needs acknowledgement.",
                "acknowledge": {
                    "message": "This API initiates a free 30-day trial for all platinum features. \
                        By starting this trial, you agree that it is subject to the terms and \
                        conditions at https://www.elastic.co/legal/trial_license/. To begin your \
                        free trial, call /start_trial again and specify the \"acknowledge=true\" \
                        parameter.",
                    "security": ["With a trial license, X-Pack security features are available, \
                        but are not enabled by default."],
                },
            }),
        ),
    }
}

/// 403 `security_exception`: what a feature the license does not allow answers
/// (ES: `LicenseUtils.newComplianceException`).
pub fn non_compliant(feature: &str) -> EsError {
    EsError::new(StatusCode::FORBIDDEN, non_compliant_cause(feature))
}

pub fn non_compliant_cause(feature: &str) -> Cause {
    Cause::new(
        "security_exception",
        format!("current license is non-compliant for [{feature}]"),
    )
    .with_metadata("license.expired.feature", json!(feature))
}

/// Milliseconds since the epoch as `2024-01-01T00:00:00.000Z`.
pub fn iso_millis(millis: u64) -> String {
    let seconds = i64::try_from(millis / 1000).unwrap_or(i64::MAX);
    let instant = time::OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let date = instant.format(&format).unwrap_or_default();
    format!("{date}.{:03}Z", millis % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trial_starts_once_and_only_when_acknowledged() {
        let mut licenses = LicensesMetadata::default();
        assert_eq!(
            licenses.start_trial(false, 5),
            TrialStart::NeedsAcknowledgement
        );
        assert_eq!(licenses.license, License::Basic);
        assert_eq!(licenses.start_trial(true, 5), TrialStart::Started);
        assert!(licenses.license.allows_enterprise_features());
        assert_eq!(licenses.start_trial(true, 9), TrialStart::AlreadyActivated);
        assert_eq!(
            licenses.license,
            License::Trial {
                issued_at_millis: 5
            }
        );
    }

    #[test]
    fn a_return_to_basic_keeps_the_trial_used() {
        let mut licenses = LicensesMetadata::default();
        assert_eq!(licenses.start_basic(), BasicStart::AlreadyUsingBasic);
        licenses.start_trial(true, 5);
        assert_eq!(licenses.start_basic(), BasicStart::GeneratedBasic);
        assert_eq!(licenses.license, License::Basic);
        assert_eq!(licenses.start_trial(true, 9), TrialStart::AlreadyActivated);
    }

    #[test]
    fn dates_print_as_elasticsearch_prints_them() {
        assert_eq!(
            iso_millis(BASIC_ISSUED_AT_MILLIS + 1),
            "2024-01-01T00:00:00.001Z"
        );
        let trial = License::Trial {
            issued_at_millis: BASIC_ISSUED_AT_MILLIS,
        };
        assert_eq!(
            trial.to_json("u", "c")["license"]["expiry_date"],
            "2024-01-31T00:00:00.000Z"
        );
    }
}
