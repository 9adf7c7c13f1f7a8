//! Helpers over Kubernetes objects held as JSON: reading and writing `metadata`, time
//! stamps and the random identifiers the API server and ECK hand out.

use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The object's `metadata`, created empty when missing (and the object made a map).
pub fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.is_object() {
        *object = Value::Object(Map::new());
    }
    let metadata = object
        .as_object_mut()
        .expect("made an object above")
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !metadata.is_object() {
        *metadata = Value::Object(Map::new());
    }
    metadata.as_object_mut().expect("made an object above")
}

/// A string field of `metadata`, or "" when absent.
pub fn meta_str<'a>(object: &'a Value, field: &str) -> &'a str {
    object["metadata"][field].as_str().unwrap_or_default()
}

pub fn name(object: &Value) -> &str {
    meta_str(object, "name")
}

pub fn namespace(object: &Value) -> &str {
    meta_str(object, "namespace")
}

/// A label's value, when the object carries it.
pub fn label<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object["metadata"]["labels"][key].as_str()
}

/// An annotation's value, when the object carries it.
pub fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object["metadata"]["annotations"][key].as_str()
}

/// Now, as the API server writes time stamps (RFC 3339, whole seconds, UTC).
pub fn now_timestamp() -> String {
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("0 is a valid nanosecond");
    now.format(&Rfc3339)
        .expect("an RFC 3339 date is formattable")
}

/// Seconds elapsed since an RFC 3339 time stamp (None when it does not parse).
pub fn seconds_since(timestamp: &str) -> Option<i64> {
    let then = OffsetDateTime::parse(timestamp, &Rfc3339).ok()?;
    Some((OffsetDateTime::now_utc() - then).whole_seconds())
}

/// Random bytes from the system's secure generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random generator is available");
    bytes
}

/// A random version-4 UUID, as `metadata.uid`.
pub fn new_uid() -> String {
    let mut b: [u8; 16] = random_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A random string over an alphabet without vowels or look-alikes, as the API server's
/// `generateName` suffixes.
pub fn random_suffix(len: usize) -> String {
    random_string(b"bcdfghjklmnpqrstvwxz2456789", len)
}

/// A random alphanumeric secret (passwords and tokens), at most 64 characters.
pub fn random_secret(len: usize) -> String {
    random_string(
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        len,
    )
}

fn random_string(alphabet: &[u8], len: usize) -> String {
    let bytes: [u8; 64] = random_bytes();
    bytes
        .iter()
        .take(len)
        .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
        .collect()
}
