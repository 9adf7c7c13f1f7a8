//! The Elasticsearch version an emulated cluster claims, and what depends on it: the
//! `version` object of its answers and the default of `skip_unavailable`.

use serde_json::{Value, json};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    number: String,
    major: u32,
    minor: u32,
}

impl Version {
    /// Reads `8.15.3`; parts that are not numbers count as 0.
    pub fn parse(number: &str) -> Self {
        let mut parts = number.split('.').map(|part| part.parse().unwrap_or(0));
        Version {
            number: number.to_owned(),
            major: parts.next().unwrap_or(0),
            minor: parts.next().unwrap_or(0),
        }
    }

    /// `skip_unavailable` defaults to true from 8.15 on, false before.
    pub fn skip_unavailable_by_default(&self) -> bool {
        (self.major, self.minor) >= (8, 15)
    }

    /// Cross-cluster API keys and the remote cluster server came with 8.10 (beta until 8.14).
    pub fn has_cross_cluster_api_keys(&self) -> bool {
        (self.major, self.minor) >= (8, 10)
    }

    /// `GET _resolve/cluster` came with 8.13.
    pub fn has_resolve_cluster(&self) -> bool {
        (self.major, self.minor) >= (8, 13)
    }

    /// `GET _resolve/cluster?timeout=` came with 8.18 (and 9.0); before, an unknown parameter
    /// (ES: `rest/action/admin/indices/RestResolveClusterAction.java`).
    pub fn has_resolve_cluster_timeout(&self) -> bool {
        (self.major, self.minor) >= (8, 18)
    }

    /// The oldest versions this one talks to and reads indices of.
    fn compatibility(&self) -> (&'static str, &'static str) {
        match self.major {
            0..=7 => ("6.8.0", "6.0.0-beta1"),
            8 => ("7.17.0", "7.0.0"),
            _ => ("8.18.0", "8.0.0"),
        }
    }

    fn lucene(&self) -> &'static str {
        match self.major {
            0..=7 => "8.11.3",
            8 => "9.11.1",
            _ => "10.1.0",
        }
    }

    /// The `version` object of `GET /`.
    pub fn to_json(&self) -> Value {
        let (wire, index) = self.compatibility();
        json!({
            "number": self.number,
            "build_flavor": "default",
            "build_type": "docker",
            "build_hash": "0000000000000000000000000000000000000000",
            "build_date": "2024-10-09T22:08:00.328917561Z",
            "build_snapshot": false,
            "lucene_version": self.lucene(),
            "minimum_wire_compatibility_version": wire,
            "minimum_index_compatibility_version": index,
        })
    }

    /// The shorter `version` object of `_resolve/cluster`.
    pub fn to_resolve_json(&self) -> Value {
        let (wire, index) = self.compatibility();
        json!({
            "number": self.number,
            "build_flavor": "default",
            "minimum_wire_compatibility_version": wire,
            "minimum_index_compatibility_version": index,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_unavailable_defaults_to_true_from_8_15() {
        assert!(!Version::parse("8.14.3").skip_unavailable_by_default());
        assert!(Version::parse("8.15.0").skip_unavailable_by_default());
        assert!(Version::parse("9.0.0").skip_unavailable_by_default());
        assert!(!Version::parse("7.17.25").skip_unavailable_by_default());
    }
}
