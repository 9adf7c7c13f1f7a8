//! Kubernetes names, checked before any request is sent.

use crate::error::{Failure, FailureKind};

/// Checks a name the way the API server checks namespace and Elasticsearch names
/// (an RFC 1123 label), so that a typo is refused before any request is sent.
pub fn validate_name(what: &str, name: &str) -> anyhow::Result<()> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let valid_ends = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid_chars && valid_ends && name.len() <= 63 {
        return Ok(());
    }
    Err(Failure::new(FailureKind::Invalid, format!("{what} {name:?} is not a valid Kubernetes name"))
        .with_hint("use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit")
        .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_like_the_api_server_does() {
        for good in ["ns-one", "a", "cluster-1", &"a".repeat(63)] {
            assert!(validate_name("namespace", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "Upper",
            "ünï",
            "a_b",
            "a.b",
            &"a".repeat(64),
        ] {
            assert!(validate_name("namespace", bad).is_err(), "{bad}");
        }
    }
}
