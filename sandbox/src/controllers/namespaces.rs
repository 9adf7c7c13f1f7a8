//! The namespace controller (kube-controller-manager's): deleting a namespace deletes every
//! object in it.

use crate::apiserver::resources::NAMESPACES;
use crate::apiserver::{Change, Controller, KubeApi, json};

pub struct Namespaces;

impl Controller for Namespaces {
    fn react(&self, api: &KubeApi, change: &Change<'_>) {
        if !change.is_deletion_of(&NAMESPACES) {
            return;
        }
        let namespace = json::name(change.object);
        for rt in api.resource_types().iter().filter(|rt| rt.namespaced) {
            api.remove_unless(rt, namespace, |_| false);
        }
    }
}
