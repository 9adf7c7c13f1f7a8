//! The store after `trust sync`, pure: each alias's CA refreshed from its source as read now,
//! the replaced certificates kept beside the new ones until they expire or are pruned.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::store::{StoreKind, store_with, trusted_cas};
use super::{CaOrigin, TrustedCa, pem};
use crate::certs::{self, CertificateInfo};
use crate::error::{Failure, FailureKind};

/// When kept certificates go: once expired at `now`, or at once with `prune`.
#[derive(Debug, Clone, Copy)]
pub struct SyncRules {
    pub now: OffsetDateTime,
    pub prune: bool,
}

/// The CA bundles the sources publish now (their own CA first), by where they were read
/// (the recorded fingerprint aside).
#[derive(Debug, Clone, Default)]
pub struct CurrentCas(BTreeMap<CaOrigin, String>);

impl CurrentCas {
    pub fn insert(&mut self, source: &CaOrigin, pem: String) {
        self.0.insert(source.place(), pem);
    }

    pub fn get(&self, source: &CaOrigin) -> Option<&str> {
        self.0.get(&source.place()).map(String::as_str)
    }
}

/// `existing` with every alias whose source was read now refreshed: the source's own CA
/// first (the recorded fingerprint is its), then the earlier ones it replaces,
/// each kept while `rules` allow. Aliases not read now, and everything ecr did not write,
/// stay as they are. Syncing the result again with the same rules changes nothing.
pub fn store_synced(
    existing: &Value,
    kind: StoreKind,
    current: &CurrentCas,
    rules: &SyncRules,
) -> Result<Value, Failure> {
    let mut store = existing.clone();
    for trusted in trusted_cas(existing, kind) {
        let Some(now_pem) = current.get(&trusted.source) else {
            continue;
        };
        let refreshed = refreshed(&trusted, now_pem, rules)?;
        store = store_with(Some(&store), kind, "", "", &refreshed)?;
    }
    Ok(store)
}

/// `trusted` as it must be once its source publishes `now_pem`: the source's own CA (the
/// bundle's first certificate), then the certificates it replaced. Those the source publishes
/// after its own are CAs it trusts, not earlier versions of its own: they go at once (a copy
/// made of a whole bundle holds them).
fn refreshed(trusted: &TrustedCa, now_pem: &str, rules: &SyncRules) -> Result<TrustedCa, Failure> {
    let unusable = |error: String| {
        Failure::new(
            FailureKind::Invalid,
            format!(
                "the CA read now for {} is not usable: {error}",
                trusted.alias
            ),
        )
    };
    let published = described_blocks(now_pem).map_err(unusable)?;
    let Some(own) = published.first().cloned() else {
        return Err(unusable("it holds no certificate".into()));
    };
    let sha256 = own.1.sha256_fingerprint.clone();
    let stored = described_blocks(&trusted.pem).unwrap_or_default();
    let kept = stored.into_iter().filter(|(_, stored)| {
        !published
            .iter()
            .any(|(_, now)| now.sha256_fingerprint == stored.sha256_fingerprint)
            && still_kept(stored, rules)
    });
    let pem = std::iter::once(own)
        .chain(kept)
        .map(|(block, _)| block)
        .collect();
    Ok(TrustedCa {
        alias: trusted.alias.clone(),
        pem,
        source: CaOrigin {
            sha256,
            ..trusted.source.clone()
        },
    })
}

/// Each certificate of a bundle as ecr stores it, with what it says.
fn described_blocks(bundle: &str) -> Result<Vec<(String, CertificateInfo)>, String> {
    pem::split(bundle)
        .into_iter()
        .map(|block| {
            let mut described =
                certs::parse_bundle(block.as_bytes()).map_err(|error| error.to_string())?;
            Ok((block, described.remove(0)))
        })
        .collect()
}

/// Whether a certificate the source no longer holds stays trusted for now.
fn still_kept(certificate: &CertificateInfo, rules: &SyncRules) -> bool {
    !rules.prune
        && OffsetDateTime::parse(&certificate.not_after, &Rfc3339)
            .is_ok_and(|not_after| not_after > rules.now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::store::fixtures::{self, CAS};
    use rcgen::{CertificateParams, DistinguishedName, DnType, IsCa, KeyPair};
    use std::sync::LazyLock;
    use time::Duration;

    /// A CA of `key`, valid from `start` for `days`: a renewal keeps the key.
    fn ca(key: &KeyPair, name: &str, start: OffsetDateTime, days: i64) -> String {
        let mut params = CertificateParams::default();
        let mut subject = DistinguishedName::new();
        subject.push(DnType::CommonName, name);
        params.distinguished_name = subject;
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.not_before = start;
        params.not_after = start + Duration::days(days);
        params.self_signed(key).unwrap().pem()
    }

    static START: LazyLock<OffsetDateTime> =
        LazyLock::new(|| OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
    /// `b`'s transport CA: the first, its renewal (same key, a year later), a replacement
    /// (new key), each valid for a year and a day.
    static ROTATIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
        let key = KeyPair::generate().unwrap();
        let other = KeyPair::generate().unwrap();
        vec![
            ca(&key, "b-transport", *START, 366),
            ca(&key, "b-transport", *START + Duration::days(365), 366),
            ca(&other, "b-transport", *START + Duration::days(365), 366),
        ]
    });

    fn source_of_b() -> CaOrigin {
        CaOrigin {
            context: Some("eu".into()),
            namespace: Some("ns-two".into()),
            cluster: Some("b".into()),
            file: None,
            sha256: fingerprint(&ROTATIONS[0]),
        }
    }

    fn fingerprint(pem: &str) -> String {
        certs::parse_bundle(pem.as_bytes()).unwrap()[0]
            .sha256_fingerprint
            .clone()
    }

    fn trusting_b(kind: StoreKind) -> Value {
        let trusted = TrustedCa {
            alias: "b".into(),
            pem: ROTATIONS[0].clone(),
            source: source_of_b(),
        };
        store_with(Some(&fixtures::hand_made(kind)), kind, "", "", &trusted).unwrap()
    }

    fn now_holding(pem: &str) -> CurrentCas {
        let mut current = CurrentCas::default();
        current.insert(&source_of_b(), pem.to_string());
        current
    }

    fn rules(days_after_start: i64, prune: bool) -> SyncRules {
        SyncRules {
            now: *START + Duration::days(days_after_start),
            prune,
        }
    }

    fn b_of(store: &Value, kind: StoreKind) -> TrustedCa {
        trusted_cas(store, kind).remove(0)
    }

    #[test]
    fn a_rotated_ca_is_added_before_the_old_one_which_stays_until_it_expires() {
        for kind in [StoreKind::Secret, StoreKind::ConfigMap] {
            for rotated in &ROTATIONS[1..] {
                let store = trusting_b(kind);
                let current = now_holding(rotated);
                let synced = store_synced(&store, kind, &current, &rules(365, false)).unwrap();
                let b = b_of(&synced, kind);
                assert_eq!(b.pem, format!("{rotated}{}", ROTATIONS[0]));
                assert_eq!(b.source.sha256, fingerprint(rotated));
                assert!(fixtures::bundle(&synced, kind).ends_with(&b.pem));
                let again = store_synced(&synced, kind, &current, &rules(365, false)).unwrap();
                assert_eq!(again, synced);

                let expired = store_synced(&synced, kind, &current, &rules(367, false)).unwrap();
                assert_eq!(b_of(&expired, kind).pem, *rotated);
                let pruned = store_synced(&synced, kind, &current, &rules(365, true)).unwrap();
                assert_eq!(pruned, expired);
            }
        }
    }

    #[test]
    fn only_the_sources_own_ca_is_copied_and_the_cas_it_trusts_go() {
        let partner = &CAS[0];
        let whole_bundle = format!("{}{partner}", ROTATIONS[0]);
        for kind in [StoreKind::Secret, StoreKind::ConfigMap] {
            // A copy made of the whole bundle, as ecr made them before.
            let trusted = TrustedCa {
                alias: "b".into(),
                pem: whole_bundle.clone(),
                source: source_of_b(),
            };
            let store =
                store_with(Some(&fixtures::hand_made(kind)), kind, "", "", &trusted).unwrap();
            let same = store_synced(&store, kind, &now_holding(&whole_bundle), &rules(1, false));
            assert_eq!(b_of(&same.unwrap(), kind).pem, ROTATIONS[0]);
            let renewed = format!("{}{partner}", ROTATIONS[1]);
            let synced =
                store_synced(&store, kind, &now_holding(&renewed), &rules(1, false)).unwrap();
            let b = b_of(&synced, kind);
            assert_eq!(b.pem, format!("{}{}", ROTATIONS[1], ROTATIONS[0]));
            assert_eq!(b.source.sha256, fingerprint(&ROTATIONS[1]));
        }
    }

    #[test]
    fn an_unchanged_source_changes_nothing_and_an_unread_one_is_left_alone() {
        let store = trusting_b(StoreKind::Secret);
        let same = now_holding(&ROTATIONS[0]);
        assert_eq!(
            store_synced(&store, StoreKind::Secret, &same, &rules(1, true)).unwrap(),
            store
        );
        let unread = CurrentCas::default();
        assert_eq!(
            store_synced(&store, StoreKind::Secret, &unread, &rules(900, true)).unwrap(),
            store
        );
    }

    #[test]
    fn a_source_that_now_holds_no_certificate_is_refused() {
        let store = trusting_b(StoreKind::Secret);
        let failure = store_synced(
            &store,
            StoreKind::Secret,
            &now_holding("gone"),
            &rules(1, false),
        )
        .unwrap_err();
        assert_eq!(failure.kind, FailureKind::Invalid);
        assert!(failure.message.contains("for b is not usable"), "{failure}");
    }

    #[test]
    fn sources_are_matched_by_place_not_fingerprint() {
        let mut current = CurrentCas::default();
        current.insert(&source_of_b(), "x".into());
        let renewed = CaOrigin {
            sha256: "other".into(),
            ..source_of_b()
        };
        assert_eq!(current.get(&renewed), Some("x"));
        let elsewhere = CaOrigin {
            context: None,
            ..source_of_b()
        };
        assert_eq!(current.get(&elsewhere), None);
        assert_eq!(current.0.len(), 1);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn syncing_is_idempotent_and_keeps_what_is_not_ecrs(
                (kind, store) in fixtures::kind().prop_flat_map(|kind| (Just(kind), fixtures::existing(kind))),
                rotated in 0..CAS.len(),
                days in 0..800i64,
                prune in any::<bool>(),
            ) {
                let with_b = store_with(Some(&store), kind, "", "", &TrustedCa {
                    alias: "b".into(), pem: ROTATIONS[0].clone(), source: source_of_b(),
                }).unwrap();
                let current = now_holding(&CAS[rotated]);
                let rules = rules(days, prune);
                let once = store_synced(&with_b, kind, &current, &rules).unwrap();
                let twice = store_synced(&once, kind, &current, &rules).unwrap();
                prop_assert_eq!(&twice, &once);
                prop_assert_eq!(fixtures::without_ecr(&once), fixtures::without_ecr(&store));
                prop_assert_eq!(fixtures::foreign_part(&once, kind), fixtures::foreign_part(&store, kind));
                let others = |store: &Value| -> Vec<TrustedCa> {
                    trusted_cas(store, kind).into_iter().filter(|ca| ca.alias != "b").collect()
                };
                prop_assert_eq!(others(&once), others(&store));
                let b = b_of_alias(&once, kind);
                prop_assert!(b.pem.starts_with(&CAS[rotated]));
                prop_assert_eq!(b.pem.len() > CAS[rotated].len(), !prune && days < 366);
            }
        }

        fn b_of_alias(store: &Value, kind: StoreKind) -> TrustedCa {
            trusted_cas(store, kind)
                .into_iter()
                .find(|ca| ca.alias == "b")
                .unwrap()
        }
    }
}
