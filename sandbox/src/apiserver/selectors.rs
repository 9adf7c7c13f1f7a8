//! Label and field selectors of list and watch requests (`labelSelector=app=x,tier!=db`,
//! `fieldSelector=metadata.name=x`), with the API server's errors for what it refuses.

use serde_json::Value;

use super::json;
use super::status::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    fn matches(&self, value_of: impl Fn(&str) -> Option<String>) -> bool {
        match self {
            Requirement::Equals(k, v) => value_of(k).as_deref() == Some(v),
            Requirement::NotEquals(k, v) => value_of(k).as_deref() != Some(v),
            Requirement::In(k, vs) => value_of(k).is_some_and(|x| vs.contains(&x)),
            Requirement::NotIn(k, vs) => value_of(k).is_none_or(|x| !vs.contains(&x)),
            Requirement::Exists(k) => value_of(k).is_some(),
            Requirement::NotExists(k) => value_of(k).is_none(),
        }
    }
}

/// Both selectors of a request; the default matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selectors {
    labels: Vec<Requirement>,
    fields: Vec<Requirement>,
}

impl Selectors {
    pub fn parse(
        label_selector: Option<&str>,
        field_selector: Option<&str>,
    ) -> Result<Self, ApiError> {
        let labels = parse_requirements(label_selector.unwrap_or_default(), true)?;
        let fields = parse_requirements(field_selector.unwrap_or_default(), false)?;
        if let Some(unsupported) = fields.iter().map(key).find(|k| !FIELDS.contains(k)) {
            return Err(ApiError::bad_request(format!(
                "field label not supported: {unsupported}"
            )));
        }
        Ok(Selectors { labels, fields })
    }

    pub fn matches(&self, object: &Value) -> bool {
        let label = |k: &str| json::label(object, k).map(str::to_string);
        let field = |k: &str| match k {
            "metadata.name" => Some(json::name(object).to_string()),
            "metadata.namespace" => Some(json::namespace(object).to_string()),
            _ => None,
        };
        self.labels.iter().all(|r| r.matches(label)) && self.fields.iter().all(|r| r.matches(field))
    }
}

/// The fields every resource can be selected by.
const FIELDS: [&str; 2] = ["metadata.name", "metadata.namespace"];

fn key(requirement: &Requirement) -> &str {
    match requirement {
        Requirement::Equals(k, _)
        | Requirement::NotEquals(k, _)
        | Requirement::In(k, _)
        | Requirement::NotIn(k, _)
        | Requirement::Exists(k)
        | Requirement::NotExists(k) => k,
    }
}

/// Parses comma-separated requirements; set-based ones (`in`, `notin`, `!k`, `k`) only
/// for labels, as the API server.
fn parse_requirements(selector: &str, set_based: bool) -> Result<Vec<Requirement>, ApiError> {
    split_top_level(selector)
        .into_iter()
        .map(str::trim)
        .filter(|term| !term.is_empty())
        .map(|term| parse_requirement(term, set_based))
        .collect()
}

/// Splits on commas outside parentheses.
fn split_top_level(selector: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&selector[start..]);
    terms
}

fn parse_requirement(term: &str, set_based: bool) -> Result<Requirement, ApiError> {
    let invalid = || ApiError::bad_request(format!("unable to parse requirement: {term:?}"));
    if let Some((k, v)) = term.split_once("!=") {
        return Ok(Requirement::NotEquals(k.trim().into(), v.trim().into()));
    }
    if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Ok(Requirement::Equals(k.trim().into(), v.trim().into()));
    }
    if !set_based {
        return Err(invalid());
    }
    if let Some(k) = term.strip_prefix('!') {
        return Ok(Requirement::NotExists(k.trim().into()));
    }
    let words: Vec<&str> = term.splitn(2, char::is_whitespace).collect();
    match words.as_slice() {
        [k] => Ok(Requirement::Exists((*k).into())),
        [k, rest] => {
            let rest = rest.trim();
            let (negated, list) = match rest.strip_prefix("notin") {
                Some(list) => (true, list),
                None => (false, rest.strip_prefix("in").ok_or_else(invalid)?),
            };
            let values = list
                .trim()
                .strip_prefix('(')
                .and_then(|l| l.strip_suffix(')'))
                .ok_or_else(invalid)?
                .split(',')
                .map(|v| v.trim().to_string())
                .collect();
            Ok(if negated {
                Requirement::NotIn((*k).into(), values)
            } else {
                Requirement::In((*k).into(), values)
            })
        }
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(labels: Value) -> Value {
        json!({"metadata": {"name": "p", "namespace": "ns", "labels": labels}})
    }

    #[test]
    fn equality_set_and_existence_requirements() {
        let object = pod(json!({"app": "es", "tier": "data"}));
        let matches = |s: &str| Selectors::parse(Some(s), None).unwrap().matches(&object);
        assert!(matches("app=es"));
        assert!(matches("app==es,tier!=master"));
        assert!(matches("tier in (data, ingest),app"));
        assert!(!matches("tier notin (data)"));
        assert!(matches("!missing"));
        assert!(!matches("app=kibana"));
    }

    #[test]
    fn field_selectors_by_name_and_namespace_only() {
        let object = pod(json!({}));
        let s = Selectors::parse(None, Some("metadata.name=p,metadata.namespace!=other")).unwrap();
        assert!(s.matches(&object));
        let error = Selectors::parse(None, Some("spec.nodeName=x")).unwrap_err();
        assert_eq!(error.message, "field label not supported: spec.nodeName");
    }
}
