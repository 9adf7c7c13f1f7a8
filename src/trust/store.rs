//! The Secret (secret-mount mode) or ConfigMap (config-map mode) holding the trusted CAs:
//! created minimal, edited keeping everything ecr did not write.
//!
//! Layout. For each alias ecr trusts: the data key `<alias>.pem` holds that remote's CA bundle
//! (its PEM blocks only, `\n` line ends), and the annotation `trust.ecr/<alias>` records where
//! it came from ([`CaSource`] as JSON); that annotation is what makes the key ecr's. The bundle
//! key (`remote.ca.crt` in a Secret, `ca.crt` in a ConfigMap, as ECK requires) holds whatever
//! else it held first (CAs ecr did not put there, untouched), then ecr's CAs in alias order.
//! Aliases have no '.', so `<alias>.pem` is never a bundle key. A created store carries the
//! label `app.kubernetes.io/managed-by=ecr`; a ConfigMap always gets the label
//! `eck.k8s.elastic.co/watched=true` (ECK with `--restrict-watched-resources` needs it).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::{BUNDLE_FILE, CaSource, MANAGED_BY, TrustedCa, json::object_at, pem, validate_alias};
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
            let source: CaSource = serde_json::from_str(recorded).ok()?;
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
    let before = recorded_pems(store, kind);
    edit(store)?;
    let after = recorded_pems(store, kind);
    let rebuilt = kind.encode(&pem::rebuilt(&bundle, &before, &after));
    set(store, kind, DATA, kind.bundle_key().into(), Some(rebuilt))
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
