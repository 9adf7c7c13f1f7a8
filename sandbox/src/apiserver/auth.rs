//! Authentication by bearer token and a small RBAC: the admin may do anything, users added
//! by tests only what their rules allow, with the real API server's Forbidden messages.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::resources::ResourceType;
use super::status::ApiError;

/// The user name the admin token authenticates as.
pub const ADMIN_USER: &str = "kubernetes-admin";
/// How requests without a valid token are recorded.
pub const ANONYMOUS_USER: &str = "system:anonymous";

/// What a user may do: verbs on resources in namespaces. Resources name subresources as
/// RBAC does (`pods/portforward`, `elasticsearches/status`), and `pods` does not cover them.
/// `"*"` matches anything; no namespaces means every namespace and the cluster scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    pub verbs: Vec<String>,
    pub resources: Vec<String>,
    pub namespaces: Vec<String>,
}

impl PolicyRule {
    /// A rule from string slices: `PolicyRule::new(&["get"], &["secrets"], &["ns-one"])`.
    pub fn new(verbs: &[&str], resources: &[&str], namespaces: &[&str]) -> Self {
        let owned = |items: &[&str]| items.iter().map(ToString::to_string).collect();
        PolicyRule {
            verbs: owned(verbs),
            resources: owned(resources),
            namespaces: owned(namespaces),
        }
    }

    fn allows(&self, request: &Attributes<'_>) -> bool {
        let matches = |list: &[String], value: &str| list.iter().any(|x| x == "*" || x == value);
        matches(&self.verbs, request.verb)
            && matches(&self.resources, &request.resource())
            && (self.namespaces.is_empty()
                || request
                    .namespace
                    .is_some_and(|ns| matches(&self.namespaces, ns)))
    }
}

/// An authenticated user: the admin (no rules: everything allowed) or a restricted one.
#[derive(Debug)]
pub struct User {
    pub name: String,
    rules: Option<Vec<PolicyRule>>,
}

/// What a request asks to do, as RBAC sees it.
#[derive(Debug)]
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub rt: &'static ResourceType,
    pub subresource: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

impl Attributes<'_> {
    /// `secrets`, or `elasticsearches/status` for a subresource.
    fn resource(&self) -> String {
        match self.subresource {
            Some(sub) => format!("{}/{sub}", self.rt.plural),
            None => self.rt.plural.to_string(),
        }
    }
}

impl User {
    /// Ok when the user may do this; the API server's Forbidden error otherwise.
    pub fn authorize(&self, request: &Attributes<'_>) -> Result<(), ApiError> {
        let Some(rules) = &self.rules else {
            return Ok(());
        };
        if rules.iter().any(|rule| rule.allows(request)) {
            return Ok(());
        }
        let object = match request.name {
            Some(name) => format!("{} \"{name}\"", request.rt.qualified_resource()),
            None => request.rt.qualified_resource(),
        };
        let scope = match request.namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let message = format!(
            "{object} is forbidden: User \"{}\" cannot {} resource \"{}\" in API group \"{}\" {scope}",
            self.name,
            request.verb,
            request.resource(),
            request.rt.group,
        );
        Err(ApiError::forbidden(message, request.rt, request.name))
    }
}

/// The tokens one API server accepts.
#[derive(Debug)]
pub struct Users {
    by_token: RwLock<HashMap<String, Arc<User>>>,
}

impl Users {
    pub fn new(admin_token: &str) -> Self {
        let admin = Arc::new(User {
            name: ADMIN_USER.to_string(),
            rules: None,
        });
        Users {
            by_token: RwLock::new(HashMap::from([(admin_token.to_string(), admin)])),
        }
    }

    pub fn add(&self, token: &str, name: &str, rules: Vec<PolicyRule>) {
        let user = Arc::new(User {
            name: name.to_string(),
            rules: Some(rules),
        });
        self.by_token
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(token.to_string(), user);
    }

    /// The user whose bearer token the request carries, if any.
    pub fn authenticate(&self, headers: &HeaderMap) -> Option<Arc<User>> {
        let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        self.by_token
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(token.trim())
            .cloned()
    }
}
