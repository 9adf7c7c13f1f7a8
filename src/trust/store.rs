//! The Secret (secret-mount mode) or ConfigMap (config-map mode) holding the trusted CAs:
//! created minimal, edited keeping everything ecr did not write.
//!
//! Layout. For each alias ecr trusts: the data key `<alias>.pem` holds that remote's CA bundle
//! (its PEM blocks only, `\n` line ends), and the annotation `trust.ecr/<alias>` records where
//! it came from ([`CaOrigin`] as JSON); that annotation is what makes the key ecr's. The bundle
//! key (`remote.ca.crt` in a Secret, `ca.crt` in a ConfigMap, as ECK requires) holds whatever
//! else it held first (CAs ecr did not put there, untouched), then ecr's CAs in alias order.
//! Aliases have no '.', so `<alias>.pem` is never a bundle key. A Secret's bundle is never left
//! without a certificate: Elasticsearch refuses a listed CA file that holds none (no reload,
//! and no start at the next restart), so when ecr's last CA goes and nothing else is there, a
//! placeholder CA takes its place ([`PLACEHOLDER_CA`]). A created store carries the
//! label `app.kubernetes.io/managed-by=ecr`; a ConfigMap always gets the label
//! `eck.k8s.elastic.co/watched=true` (ECK with `--restrict-watched-resources` needs it).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::{BUNDLE_FILE, CaOrigin, MANAGED_BY, TrustedCa, json::object_at, pem, validate_alias};
use crate::certs;
use crate::eck::CA_KEY;
use crate::error::{Failure, FailureKind, name_list};

/// Prefix of the annotations recording each alias's source.
const SOURCE_ANNOTATION: &str = "trust.ecr/";
/// The label ECK needs on a ConfigMap it must read.
const WATCHED: (&str, &str) = ("eck.k8s.elastic.co/watched", "true");
const DATA: &[&str] = &["data"];
const ANNOTATIONS: &[&str] = &["metadata", "annotations"];
const LABELS: &[&str] = &["metadata", "labels"];

/// What a Secret's bundle holds when it would otherwise be empty: a self-signed CA made with
/// `openssl req -x509 -newkey ec -keyout /dev/null`, so that no key exists to sign anything
/// with it, and trusting it trusts no one.
pub const PLACEHOLDER_CA: &str = include_str!("placeholder.pem");

/// Which object holds the trusted CAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// Data base64-encoded, bundle key `remote.ca.crt`, mounted on the nodes.
    Secret,
    /// Data plain text, bundle key `ca.crt`, read by ECK itself.
    ConfigMap,
}

impl StoreKind {
    fn kind(self) -> &'static str {
        match self {
            Self::Secret => "Secret",
            Self::ConfigMap => "ConfigMap",
        }
    }

    fn bundle_key(self) -> &'static str {
        match self {
            Self::Secret => BUNDLE_FILE,
            Self::ConfigMap => CA_KEY,
        }
    }

    fn encode(self, text: &str) -> Value {
        match self {
            Self::Secret => Value::String(STANDARD.encode(text)),
            Self::ConfigMap => Value::String(text.to_string()),
        }
    }

    fn decode(self, value: &Value) -> Option<String> {
        let text = value.as_str()?;
        match self {
            Self::Secret => String::from_utf8(STANDARD.decode(text).ok()?).ok(),
            Self::ConfigMap => Some(text.to_string()),
        }
    }
}

/// The store as it must be with `ca` trusted (added, or replaced under its alias). With no
/// `existing` store, a minimal new one: never anything copied from another object.
pub fn store_with(
    existing: Option<&Value>,
    kind: StoreKind,
    namespace: &str,
    name: &str,
    ca: &TrustedCa,
) -> Result<Value, Failure> {
    validate_alias(&ca.alias)?;
    let pem = pem::canonical(&ca.pem);
    certs::parse_bundle(pem.as_bytes()).map_err(|error| {
        Failure::new(
            FailureKind::Invalid,
            format!("the CA to trust as {} is not usable: {error}", ca.alias),
        )
    })?;
    let mut store = match existing {
        Some(existing) => checked(existing, kind)?.clone(),
        None => created(kind, namespace, name),
    };
    let key = pem_key(&ca.alias);
    if store["data"].get(&key).is_some() && !aliases(&store).contains(&ca.alias) {
        return Err(Failure::new(
            FailureKind::Invalid,
            format!(
                "the {} {} already has a key {key} that ecr did not write",
                kind.kind(),
                object_name(&store)
            ),
        )
        .with_hint("choose another --alias, or remove that key"));
    }
    let source = serde_json::to_string(&ca.source).map_err(|error| {
        Failure::new(
            FailureKind::Invalid,
            format!("cannot record where {} came from: {error}", ca.alias),
        )
    })?;
    rebundle(&mut store, kind, |store| {
        set(store, kind, DATA, key, Some(kind.encode(&pem)))?;
        set(
            store,
            kind,
            ANNOTATIONS,
            annotation_key(&ca.alias),
            Some(Value::String(source)),
        )
    })?;
    if kind == StoreKind::ConfigMap {
        let (label, value) = WATCHED;
        set(
            &mut store,
            kind,
            LABELS,
            label.into(),
            Some(Value::String(value.into())),
        )?;
    }
    Ok(store)
}

/// The store without `alias`'s CA; everything else stays as it is.
pub fn store_without(existing: &Value, kind: StoreKind, alias: &str) -> Result<Value, Failure> {
    let mut store = checked(existing, kind)?.clone();
    let present = aliases(&store);
    if !present.iter().any(|known| known == alias) {
        return Err(Failure::new(
            FailureKind::NotFound,
            format!(
                "the {} {} holds no CA trusted as {alias}",
                kind.kind(),
                object_name(&store)
            ),
        )
        .with_hint(format!("aliases there: {}", name_list(&present, "none"))));
    }
    rebundle(&mut store, kind, |store| {
        set(store, kind, DATA, pem_key(alias), None)?;
        set(store, kind, ANNOTATIONS, annotation_key(alias), None)
    })?;
    Ok(store)
}

/// What ecr recorded in a store, in alias order: each CA with its source. Records that cannot
/// be read (a missing key, an annotation that is not a source) are left out.
pub fn trusted_cas(existing: &Value, kind: StoreKind) -> Vec<TrustedCa> {
    aliases(existing)
        .into_iter()
        .filter_map(|alias| {
            let recorded = existing["metadata"]["annotations"][annotation_key(&alias)].as_str()?;
            let source: CaOrigin = serde_json::from_str(recorded).ok()?;
            let pem = kind.decode(existing["data"].get(pem_key(&alias))?)?;
            Some(TrustedCa { alias, pem, source })
        })
        .collect()
}

/// Applies `edit` to `store`, then rebuilds its bundle: out go the CAs ecr had recorded
/// before, in come those it records after, the rest stays.
fn rebundle(
    store: &mut Value,
    kind: StoreKind,
    edit: impl FnOnce(&mut Value) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let bundle = match store["data"].get(kind.bundle_key()) {
        None | Some(Value::Null) => String::new(),
        Some(value) => kind.decode(value).ok_or_else(|| {
            Failure::new(
                FailureKind::Invalid,
                format!(
                    "the key {} of the {} {} is not text",
                    kind.bundle_key(),
                    kind.kind(),
                    object_name(store)
                ),
            )
        })?,
    };
    let before = ecr_pems(store, kind);
    edit(store)?;
    let after = recorded_pems(store, kind);
    let mut rebuilt = pem::rebuilt(&bundle, &before, &after);
    if kind == StoreKind::Secret && pem::split(&rebuilt).is_empty() {
        rebuilt = pem::rebuilt(&bundle, &before, &[PLACEHOLDER_CA.to_string()]);
    }
    set(
        store,
        kind,
        DATA,
        kind.bundle_key().into(),
        Some(kind.encode(&rebuilt)),
    )
}

/// Sets (or with `None` removes) `key` in the map at `path` of `store`, created as needed.
fn set(
    store: &mut Value,
    kind: StoreKind,
    path: &[&str],
    key: String,
    value: Option<Value>,
) -> Result<(), Failure> {
    let map = object_at(store, path).ok_or_else(|| malformed(kind))?;
    match value {
        Some(value) => map.insert(key, value),
        None => map.remove(&key),
    };
    Ok(())
}

/// Every CA ecr may have put in the bundle: those it recorded, and the placeholder (which goes
/// out with them, and back only when needed).
fn ecr_pems(store: &Value, kind: StoreKind) -> Vec<String> {
    let mut pems = recorded_pems(store, kind);
    pems.push(PLACEHOLDER_CA.to_string());
    pems
}

/// The CAs of every alias ecr recorded, in alias order.
fn recorded_pems(store: &Value, kind: StoreKind) -> Vec<String> {
    aliases(store)
        .iter()
        .filter_map(|alias| kind.decode(store["data"].get(pem_key(alias))?))
        .collect()
}

/// The aliases ecr recorded in `store`, sorted.
fn aliases(store: &Value) -> Vec<String> {
    let mut aliases: Vec<String> = store["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flat_map(|annotations| annotations.keys())
        .filter_map(|key| key.strip_prefix(SOURCE_ANNOTATION))
        .map(str::to_string)
        .collect();
    aliases.sort();
    aliases
}

fn pem_key(alias: &str) -> String {
    format!("{alias}.pem")
}

fn annotation_key(alias: &str) -> String {
    format!("{SOURCE_ANNOTATION}{alias}")
}

fn object_name(store: &Value) -> &str {
    store["metadata"]["name"].as_str().unwrap_or_default()
}

/// `existing`, when it is the kind of object expected.
fn checked(existing: &Value, kind: StoreKind) -> Result<&Value, Failure> {
    match existing.get("kind").and_then(Value::as_str) {
        Some(found) if found != kind.kind() => Err(Failure::new(
            FailureKind::Invalid,
            format!(
                "{} is a {found}, not a {}",
                object_name(existing),
                kind.kind()
            ),
        )),
        _ if !existing.is_object() => Err(malformed(kind)),
        _ => Ok(existing),
    }
}

fn malformed(kind: StoreKind) -> Failure {
    Failure::new(
        FailureKind::Invalid,
        format!("the {} read is not a {} object", kind.kind(), kind.kind()),
    )
}

/// A new store with nothing but what ecr needs: no owner, no labels but ecr's own.
fn created(kind: StoreKind, namespace: &str, name: &str) -> Value {
    let mut store = json!({
        "apiVersion": "v1",
        "kind": kind.kind(),
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {MANAGED_BY.0: MANAGED_BY.1},
            "annotations": {},
        },
        "data": {},
    });
    if kind == StoreKind::Secret {
        store["type"] = json!("Opaque");
    }
    store
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Stores and CAs for the tests of the store and of what edits it.
    use super::*;
    use proptest::prelude::*;
    use rcgen::{CertificateParams, DistinguishedName, DnType, IsCa, KeyPair};
    use std::sync::LazyLock;

    /// Self-signed CAs, made once: `CAS[i]` has the common name `ca-i`.
    pub static CAS: LazyLock<Vec<String>> = LazyLock::new(|| (0..5).map(ca_pem).collect());

    pub fn ca_pem(index: usize) -> String {
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, format!("ca-{index}"));
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    pub fn source(cluster: &str) -> CaOrigin {
        CaOrigin {
            context: Some("eu".into()),
            namespace: Some("search".into()),
            cluster: Some(cluster.into()),
            file: None,
            sha256: "AB:CD".into(),
        }
    }

    pub fn trusted(alias: &str, ca: usize) -> TrustedCa {
        TrustedCa {
            alias: alias.into(),
            pem: CAS[ca].clone(),
            source: source(alias),
        }
    }

    /// The store a user made following ECK's documentation, before ecr.
    pub fn hand_made(kind: StoreKind) -> Value {
        let mut store = json!({
            "apiVersion": "v1", "kind": kind.kind(),
            "metadata": {"name": "remote-certs", "namespace": "search", "resourceVersion": "42", "uid": "u-1",
                         "labels": {"team": "search"},
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "data": {kind.bundle_key(): kind.encode(&format!("# corp root\n{}", CAS[3])), "README": kind.encode("kept")},
        });
        if kind == StoreKind::Secret {
            store["type"] = json!("Opaque");
        }
        store
    }

    /// The bundle Elasticsearch (or ECK) reads from `store`.
    pub fn bundle(store: &Value, kind: StoreKind) -> String {
        store["data"]
            .get(kind.bundle_key())
            .and_then(|value| kind.decode(value))
            .unwrap_or_default()
    }

    pub fn kind() -> impl Strategy<Value = StoreKind> {
        prop_oneof![Just(StoreKind::Secret), Just(StoreKind::ConfigMap)]
    }

    /// A store as someone may have left it: foreign keys, labels, annotations and CAs
    /// (some with comments), and CAs ecr trusted earlier.
    pub fn existing(kind: StoreKind) -> impl Strategy<Value = Value> {
        (
            prop::collection::btree_map("f-[a-z]{1,6}(\\.pem|\\.txt)?", "[ -~]{0,20}", 0..3),
            prop::collection::btree_map("[a-z]{1,6}\\.io/[a-z]{1,6}", "[a-z0-9]{0,6}", 0..3),
            prop::collection::vec((0..CAS.len(), any::<bool>()), 0..3),
            prop::collection::btree_map("[a-e]", 0..CAS.len(), 0..3),
        )
            .prop_map(move |(keys, labels, foreign, ours)| {
                let bundle: String = foreign
                    .iter()
                    .map(|(ca, comment)| format!("{}{}", if *comment { "# theirs\n" } else { "" }, CAS[*ca]))
                    .collect();
                let mut store = json!({"apiVersion": "v1", "kind": kind.kind(),
                    "metadata": {"name": "store", "namespace": "search", "labels": labels, "annotations": labels}, "data": {}});
                for (key, value) in keys {
                    store["data"][key] = kind.encode(&value);
                }
                if !foreign.is_empty() {
                    store["data"][kind.bundle_key()] = kind.encode(&bundle);
                }
                ours.into_iter().fold(store, |store, (alias, ca)| {
                    store_with(Some(&store), kind, "search", "store", &trusted(&alias, ca)).unwrap()
                })
            })
    }

    /// The bundle without the CAs ecr put there.
    pub fn foreign_part(store: &Value, kind: StoreKind) -> String {
        pem::rebuilt(&bundle(store, kind), &ecr_pems(store, kind), &[])
    }

    /// The store without anything ecr writes.
    pub fn without_ecr(store: &Value) -> Value {
        let mut store = store.clone();
        let aliases = aliases(&store);
        for alias in aliases {
            store["data"]
                .as_object_mut()
                .unwrap()
                .remove(&pem_key(&alias));
            store["metadata"]["annotations"]
                .as_object_mut()
                .unwrap()
                .remove(&annotation_key(&alias));
        }
        store["data"].as_object_mut().unwrap().remove("ca.crt");
        store["data"].as_object_mut().unwrap().remove(BUNDLE_FILE);
        store["metadata"]["labels"]
            .as_object_mut()
            .unwrap()
            .remove(WATCHED.0);
        store
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    /// The secret `remote-certs` in `search` with `ca` trusted.
    fn secret_with(existing: Option<&Value>, ca: &TrustedCa) -> Value {
        store_with(existing, StoreKind::Secret, "search", "remote-certs", ca).unwrap()
    }

    fn b64(text: &str) -> Value {
        Value::String(STANDARD.encode(text))
    }

    fn text(store: &Value, kind: StoreKind, key: &str) -> String {
        kind.decode(&store["data"][key]).unwrap()
    }

    const SOURCE_B: &str =
        r#"{"context":"eu","namespace":"search","cluster":"b","sha256":"AB:CD"}"#;

    #[test]
    fn a_new_secret_is_minimal_and_records_the_source() {
        let store = secret_with(None, &trusted("b", 0));
        assert_eq!(
            store,
            json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": "remote-certs",
                    "namespace": "search",
                    "labels": {"app.kubernetes.io/managed-by": "ecr"},
                    "annotations": {"trust.ecr/b": SOURCE_B},
                },
                "type": "Opaque",
                "data": {"b.pem": b64(&CAS[0]), "remote.ca.crt": b64(&CAS[0])},
            })
        );
    }

    #[test]
    fn a_new_config_map_is_plain_text_under_ca_crt_and_watched_by_eck() {
        let store = store_with(
            None,
            StoreKind::ConfigMap,
            "search",
            "remote-cas",
            &trusted("b", 0),
        )
        .unwrap();
        assert_eq!(
            store,
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": "remote-cas",
                    "namespace": "search",
                    "labels": {"app.kubernetes.io/managed-by": "ecr", "eck.k8s.elastic.co/watched": "true"},
                    "annotations": {"trust.ecr/b": SOURCE_B},
                },
                "data": {"b.pem": CAS[0], "ca.crt": CAS[0]},
            })
        );
    }

    #[test]
    fn an_existing_secret_keeps_all_it_had_and_its_cas_come_first() {
        let existing = hand_made(StoreKind::Secret);
        let store = store_with(
            Some(&existing),
            StoreKind::Secret,
            "ignored",
            "ignored",
            &trusted("b", 0),
        )
        .unwrap();
        let mut expected = existing.clone();
        expected["metadata"]["annotations"]["trust.ecr/b"] = json!(SOURCE_B);
        expected["data"]["b.pem"] = b64(&CAS[0]);
        expected["data"]["remote.ca.crt"] = b64(&format!("# corp root\n{}{}", CAS[3], CAS[0]));
        assert_eq!(store, expected);
        let without = store_without(&store, StoreKind::Secret, "b").unwrap();
        assert_eq!(without, existing);
    }

    #[test]
    fn a_users_config_map_gets_ecks_watched_label_but_keeps_its_cas() {
        let existing = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "corp-cas", "namespace": "search"},
            "data": {"ca.crt": CAS[3], "notes": "kept"}});
        let store = store_with(
            Some(&existing),
            StoreKind::ConfigMap,
            "search",
            "corp-cas",
            &trusted("b", 0),
        )
        .unwrap();
        assert_eq!(
            store["metadata"]["labels"],
            json!({"eck.k8s.elastic.co/watched": "true"})
        );
        assert_eq!(
            text(&store, StoreKind::ConfigMap, "ca.crt"),
            format!("{}{}", CAS[3], CAS[0])
        );
        assert_eq!(store["data"]["notes"], json!("kept"));
    }

    #[test]
    fn cas_are_bundled_in_alias_order_and_a_second_write_is_identical() {
        let one = secret_with(None, &trusted("c", 1));
        let two = secret_with(Some(&one), &trusted("a", 0));
        assert_eq!(
            text(&two, StoreKind::Secret, BUNDLE_FILE),
            format!("{}{}", CAS[0], CAS[1])
        );
        let again = secret_with(Some(&two), &trusted("a", 0));
        assert_eq!(again, two);
    }

    #[test]
    fn a_ca_is_replaced_under_its_alias() {
        let before = secret_with(None, &trusted("b", 0));
        let after = secret_with(Some(&before), &trusted("b", 1));
        assert_eq!(text(&after, StoreKind::Secret, BUNDLE_FILE), CAS[1]);
        assert_eq!(text(&after, StoreKind::Secret, "b.pem"), CAS[1]);
    }

    #[test]
    fn a_ca_is_stored_as_its_pem_blocks_only() {
        let mut ca = trusted("b", 0);
        ca.pem = format!("subject=CN = ca-0\r\n{}", CAS[0].replace('\n', "\r\n"));
        let store = store_with(None, StoreKind::ConfigMap, "search", "remote-cas", &ca).unwrap();
        assert_eq!(store["data"]["b.pem"], json!(CAS[0]));
    }

    #[test]
    fn what_is_recorded_reads_back() {
        let one = secret_with(None, &trusted("b", 0));
        let two = secret_with(Some(&one), &trusted("a", 1));
        assert_eq!(
            trusted_cas(&two, StoreKind::Secret),
            vec![trusted("a", 1), trusted("b", 0)]
        );
        assert_eq!(
            trusted_cas(&hand_made(StoreKind::Secret), StoreKind::Secret),
            vec![]
        );
    }

    #[test]
    fn removing_an_unknown_alias_names_those_present() {
        let store = secret_with(None, &trusted("b", 0));
        let failure = store_without(&store, StoreKind::Secret, "c").unwrap_err();
        assert_eq!(failure.kind, FailureKind::NotFound);
        assert_eq!(
            failure.message,
            "the Secret remote-certs holds no CA trusted as c"
        );
        assert_eq!(failure.hint.as_deref(), Some("aliases there: b"));
        let failure =
            store_without(&hand_made(StoreKind::Secret), StoreKind::Secret, "c").unwrap_err();
        assert_eq!(failure.hint.as_deref(), Some("aliases there: none"));
    }

    #[test]
    fn a_key_ecr_did_not_write_is_never_overwritten() {
        let mut existing = hand_made(StoreKind::Secret);
        existing["data"]["b.pem"] = b64("theirs");
        let failure = store_with(
            Some(&existing),
            StoreKind::Secret,
            "search",
            "remote-certs",
            &trusted("b", 0),
        )
        .unwrap_err();
        assert_eq!(failure.kind, FailureKind::Invalid);
        assert_eq!(
            failure.message,
            "the Secret remote-certs already has a key b.pem that ecr did not write"
        );
    }

    #[test]
    fn what_cannot_be_trusted_is_refused() {
        let mut not_pem = trusted("b", 0);
        not_pem.pem = "hello".into();
        let mut bad_alias = trusted("b", 0);
        bad_alias.alias = "a:b".into();
        let mut not_base64 = hand_made(StoreKind::Secret);
        not_base64["data"]["remote.ca.crt"] = json!("%%%");
        let config_map = json!({"kind": "ConfigMap", "metadata": {"name": "remote-certs"}});
        let failures = [
            store_with(None, StoreKind::Secret, "search", "remote-certs", &not_pem),
            store_with(
                None,
                StoreKind::Secret,
                "search",
                "remote-certs",
                &bad_alias,
            ),
            store_with(
                Some(&not_base64),
                StoreKind::Secret,
                "search",
                "remote-certs",
                &trusted("b", 0),
            ),
            store_with(
                Some(&config_map),
                StoreKind::Secret,
                "search",
                "remote-certs",
                &trusted("b", 0),
            ),
        ];
        for failure in failures {
            assert_eq!(failure.unwrap_err().kind, FailureKind::Invalid);
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]

            #[test]
            fn trusting_is_idempotent_and_removing_keeps_what_is_not_ecrs(
                (kind, store) in kind().prop_flat_map(|kind| (Just(kind), existing(kind))),
                alias in "[a-f]",
                ca in 0..5usize,
            ) {
                let ca = trusted(&alias, ca);
                let once = store_with(Some(&store), kind, "search", "store", &ca).unwrap();
                let twice = store_with(Some(&once), kind, "search", "store", &ca).unwrap();
                prop_assert_eq!(&twice, &once);
                prop_assert!(trusted_cas(&once, kind).contains(&ca));

                let removed = store_without(&once, kind, &alias).unwrap();
                prop_assert!(!trusted_cas(&removed, kind).iter().any(|known| known.alias == alias));
                prop_assert_eq!(without_ecr(&removed), without_ecr(&store));
                prop_assert_eq!(foreign_part(&removed, kind), foreign_part(&store, kind));
                let others: Vec<TrustedCa> = trusted_cas(&store, kind).into_iter().filter(|known| known.alias != alias).collect();
                prop_assert_eq!(trusted_cas(&removed, kind), others);
                if !aliases(&store).contains(&alias) {
                    let mut expected = store.clone();
                    if kind == StoreKind::ConfigMap {
                        expected["metadata"]["labels"][WATCHED.0] = json!(WATCHED.1);
                    }
                    if expected["data"].get(kind.bundle_key()).is_none() {
                        let placeholder = if kind == StoreKind::Secret { PLACEHOLDER_CA } else { "" };
                        expected["data"][kind.bundle_key()] = kind.encode(placeholder);
                    }
                    prop_assert_eq!(removed, expected);
                }
            }

            #[test]
            fn a_secret_bundle_always_holds_a_certificate_and_the_placeholder_only_alone(
                store in existing(StoreKind::Secret),
                edits in prop::collection::vec(("[a-f]", proptest::option::of(0..5usize)), 1..6),
            ) {
                let kind = StoreKind::Secret;
                let mut store = store;
                for (alias, ca) in edits {
                    store = match ca {
                        Some(ca) => store_with(Some(&store), kind, "search", "store", &trusted(&alias, ca)).unwrap(),
                        None => match store_without(&store, kind, &alias) {
                            Ok(removed) => removed,
                            Err(_) => continue, // nothing of ecr's to remove: nothing written
                        },
                    };
                    let blocks = pem::split(&bundle(&store, kind));
                    let placeholder = pem::canonical(PLACEHOLDER_CA);
                    let others = blocks.iter().filter(|block| **block != placeholder).count();
                    prop_assert!(!blocks.is_empty(), "an empty bundle");
                    prop_assert_eq!(blocks.contains(&placeholder), others == 0);
                }
            }
        }
    }
}
