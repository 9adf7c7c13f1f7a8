//! The resource types the emulated API server serves, and the facts about each that
//! discovery, routing, error messages and tables need.

use super::crd::{self, CrdVersion, EckRelease};

/// The API group of ECK's Elasticsearch custom resource.
pub const ES_GROUP: &str = "elasticsearch.k8s.elastic.co";

/// Verbs every served resource supports (what discovery advertises).
pub const VERBS: [&str; 7] = [
    "create", "delete", "get", "list", "patch", "update", "watch",
];

/// Verbs of a `status` subresource.
pub const STATUS_VERBS: [&str; 3] = ["get", "patch", "update"];

/// One served resource type: group, version, resource (plural), kind and scope.
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// `status` is a subresource: writes to the main resource keep the stored status.
    pub status_subresource: bool,
    /// A custom resource: no strategic merge patch, list items keep their type fields.
    pub custom: bool,
    /// `metadata.generation` counts spec changes (custom resources, workloads).
    pub generation: bool,
}

pub static NAMESPACES: ResourceType = ResourceType {
    group: "",
    version: "v1",
    plural: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    short_names: &["ns"],
    categories: &[],
    status_subresource: true,
    custom: false,
    generation: false,
};

pub static SECRETS: ResourceType = ResourceType {
    group: "",
    version: "v1",
    plural: "secrets",
    singular: "secret",
    kind: "Secret",
    namespaced: true,
    short_names: &[],
    categories: &[],
    status_subresource: false,
    custom: false,
    generation: false,
};

pub static CONFIGMAPS: ResourceType = ResourceType {
    group: "",
    version: "v1",
    plural: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    namespaced: true,
    short_names: &["cm"],
    categories: &[],
    status_subresource: false,
    custom: false,
    generation: false,
};

pub static SERVICES: ResourceType = ResourceType {
    group: "",
    version: "v1",
    plural: "services",
    singular: "service",
    kind: "Service",
    namespaced: true,
    short_names: &["svc"],
    categories: &["all"],
    status_subresource: true,
    custom: false,
    generation: false,
};

pub static PODS: ResourceType = ResourceType {
    group: "",
    version: "v1",
    plural: "pods",
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    short_names: &["po"],
    categories: &["all"],
    status_subresource: true,
    custom: false,
    generation: false,
};

/// The API group of StatefulSets.
pub const APPS_GROUP: &str = "apps";

pub static STATEFULSETS: ResourceType = ResourceType {
    group: APPS_GROUP,
    version: "v1",
    plural: "statefulsets",
    singular: "statefulset",
    kind: "StatefulSet",
    namespaced: true,
    short_names: &["sts"],
    categories: &["all"],
    status_subresource: true,
    custom: false,
    generation: true,
};

pub static ELASTICSEARCHES: ResourceType = ResourceType {
    group: ES_GROUP,
    version: "v1",
    plural: "elasticsearches",
    singular: "elasticsearch",
    kind: "Elasticsearch",
    namespaced: true,
    short_names: &["es"],
    categories: &["elastic"],
    status_subresource: true,
    custom: true,
    generation: true,
};

impl ResourceType {
    /// `v1`, or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// How the API server names the type in most messages: `secrets`, or
    /// `elasticsearches.elasticsearch.k8s.elastic.co`.
    pub fn qualified_resource(&self) -> String {
        qualify(self.plural, self.group)
    }

    /// How validation errors name the type: `Secret`, or
    /// `Elasticsearch.elasticsearch.k8s.elastic.co`.
    pub fn qualified_kind(&self) -> String {
        qualify(self.kind, self.group)
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }
}

fn qualify(name: &str, group: &str) -> String {
    if group.is_empty() {
        name.to_string()
    } else {
        format!("{name}.{group}")
    }
}

/// The resource types one API server serves: the built-in ones, plus ECK's custom
/// resource when its CRD is installed.
#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<&'static ResourceType>,
    eck_release: EckRelease,
}

impl Registry {
    pub fn new(crd_installed: bool, eck_release: EckRelease) -> Self {
        let mut types = vec![
            &NAMESPACES,
            &SECRETS,
            &CONFIGMAPS,
            &SERVICES,
            &PODS,
            &STATEFULSETS,
        ];
        if crd_installed {
            types.push(&ELASTICSEARCHES);
        }
        Registry { types, eck_release }
    }

    /// The installed Elasticsearch CRD (its schema validates and describes the resources).
    pub fn elasticsearch_crd(&self) -> &'static CrdVersion {
        crd::elasticsearch_of(self.eck_release)
    }

    pub fn all(&self) -> &[&'static ResourceType] {
        &self.types
    }

    /// The type with this group and plural, served or not by this API server.
    pub fn find(&self, group: &str, plural: &str) -> Option<&'static ResourceType> {
        self.types
            .iter()
            .copied()
            .find(|rt| rt.group == group && rt.plural == plural)
    }

    /// The types served under one group version, in discovery order.
    pub fn in_group_version<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'static ResourceType> + 'a {
        self.types
            .iter()
            .copied()
            .filter(move |rt| rt.group == group && rt.version == version)
    }

    /// The named API groups (everything but the core group), each once.
    pub fn named_groups(&self) -> Vec<&'static str> {
        let mut groups: Vec<&'static str> = self
            .types
            .iter()
            .map(|rt| rt.group)
            .filter(|g| !g.is_empty())
            .collect();
        groups.dedup();
        groups
    }
}
