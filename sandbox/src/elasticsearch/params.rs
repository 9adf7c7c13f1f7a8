//! Query parameters as Elasticsearch reads them: a parameter the endpoint does not know is
//! refused, and booleans are strict (`true`, `false`, or empty for true).

use std::collections::BTreeMap;

use super::errors::EsError;

pub type Params = BTreeMap<String, String>;

/// Parameters every endpoint accepts.
const COMMON: &[&str] = &["error_trace", "filter_path", "human", "pretty"];

/// Refuses parameters outside `known` and the common ones, with Elasticsearch's message.
pub fn check_known(path: &str, params: &Params, known: &[&str]) -> Result<(), EsError> {
    let unknown: Vec<String> = params
        .keys()
        .filter(|name| !known.contains(&name.as_str()) && !COMMON.contains(&name.as_str()))
        .map(|name| format!("[{name}]"))
        .collect();
    let noun = match unknown.len() {
        0 => return Ok(()),
        1 => "parameter",
        _ => "parameters",
    };
    Err(EsError::illegal_argument(format!(
        "request [{path}] contains unrecognized {noun}: {}",
        unknown.join(", ")
    )))
}

/// A boolean parameter, false when absent.
pub fn flag(params: &Params, name: &str) -> Result<bool, EsError> {
    match params.get(name).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("" | "true") => Ok(true),
        Some(other) => Err(EsError::illegal_argument(format!(
            "Failed to parse value [{other}] as only [true] or [false] are allowed."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_unknown_parameters_by_name() {
        let params = Params::from([
            ("flat".into(), "true".into()),
            ("pretty".into(), String::new()),
        ]);
        let error =
            check_known("/_cluster/settings", &params, &["flat_settings"]).expect_err("refused");
        assert_eq!(
            error.reason(),
            "request [/_cluster/settings] contains unrecognized parameter: [flat]"
        );
    }

    #[test]
    fn reads_strict_booleans() {
        let params = Params::from([("a".into(), String::new()), ("b".into(), "yes".into())]);
        assert_eq!(flag(&params, "a"), Ok(true));
        assert_eq!(flag(&params, "missing"), Ok(false));
        assert!(flag(&params, "b").is_err());
    }
}
