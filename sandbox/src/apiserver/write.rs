//! The write path shared by HTTP requests, tests and controllers: identity checks,
//! `resourceVersion` preconditions, status-subresource rules, per-type preparation,
//! storage, then every registered controller told of the change.

use serde_json::{Value, json};

use super::handle::{Change, KubeApi, Origin};
use super::json::{self, metadata_mut};
use super::patch::{self, PatchKind};
use super::resources::{NAMESPACES, ResourceType};
use super::status::ApiError;
use super::strategy::{self, FieldValidation};

/// Which part of an object a write changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The main resource: the stored status is kept (for types with a status subresource).
    Main,
    /// The `status` subresource: only the status changes.
    Status,
    /// Everything, as given (controllers and tests).
    Whole,
}

impl Part {
    pub fn of_subresource(subresource: Option<&str>) -> Result<Self, ApiError> {
        match subresource {
            None => Ok(Part::Main),
            Some("status") => Ok(Part::Status),
            Some(_) => Err(ApiError::unknown_path()),
        }
    }
}

/// One object addressed by a request.
#[derive(Debug, Clone, Copy)]
pub struct ObjectAddress<'a> {
    pub rt: &'static ResourceType,
    /// "" for cluster-scoped resources.
    pub namespace: &'a str,
    pub name: &'a str,
    pub part: Part,
}

/// Options of a write.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub field_validation: FieldValidation,
    pub origin: Origin,
}

/// A stored object, whether the write created it, and warnings for the client.
#[derive(Debug)]
pub struct Written {
    pub object: Value,
    pub created: bool,
    pub warnings: Vec<String>,
}

impl KubeApi {
    /// Creates or replaces an object (status included) as a controller would: bumps the
    /// resourceVersion, fires watch events and runs the ECK emulation. Panics when the API
    /// server refuses the object (a test helper).
    pub fn put_object(&self, group: &str, resource: &str, object: Value) {
        let rt = self.resource_type(group, resource);
        if let Err(error) = self.upsert(rt, object, Part::Whole) {
            panic!(
                "the sandbox refused to store the {resource}: {}",
                error.message
            );
        }
    }

    /// Deletes an object (and what is owned by it) if it exists.
    pub fn delete_object(&self, group: &str, resource: &str, namespace: Option<&str>, name: &str) {
        let rt = self.resource_type(group, resource);
        // Already absent is what the caller wants.
        let _ = self.remove(
            rt,
            namespace.unwrap_or_default(),
            name,
            None,
            &WriteOptions::default(),
        );
    }

    /// POST: creates an object named by `metadata.name` or `generateName`.
    pub(super) fn create(
        &self,
        rt: &'static ResourceType,
        namespace: &str,
        mut body: Value,
        options: &WriteOptions,
    ) -> Result<Written, ApiError> {
        check_namespace_field(rt, namespace, &body)?;
        let name = name_for_create(&mut body);
        let target = ObjectAddress {
            rt,
            namespace,
            name: &name,
            part: Part::Main,
        };
        self.write(target, options, true, |current| match current {
            Some(_) => Err(ApiError::already_exists(rt, &name)),
            None => {
                metadata_mut(&mut body).remove("resourceVersion");
                Ok(body)
            }
        })
    }

    /// PUT: replaces an object, honouring a `resourceVersion` precondition.
    pub(super) fn replace(
        &self,
        target: ObjectAddress<'_>,
        body: Value,
        options: &WriteOptions,
    ) -> Result<Written, ApiError> {
        check_namespace_field(target.rt, target.namespace, &body)?;
        self.write(target, options, false, |current| match current {
            Some(_) => Ok(body),
            None => Err(ApiError::not_found(target.rt, target.name)),
        })
    }

    /// PATCH: applies a patch to the stored object (server-side apply may create it).
    pub(super) fn patch(
        &self,
        target: ObjectAddress<'_>,
        kind: PatchKind,
        body: &[u8],
        options: &WriteOptions,
    ) -> Result<Written, ApiError> {
        let may_create = kind == PatchKind::Apply && target.part == Part::Main;
        self.write(target, options, may_create, |current| match current {
            Some(current) => patch::apply(kind, current, body),
            None if may_create => patch::apply(kind, &json!({}), body),
            None => Err(ApiError::not_found(target.rt, target.name)),
        })
    }

    /// Creates or replaces an object as given, without preconditions (controllers, tests).
    pub(crate) fn upsert(
        &self,
        rt: &'static ResourceType,
        object: Value,
        part: Part,
    ) -> Result<Written, ApiError> {
        let namespace = json::namespace(&object).to_string();
        let name = json::name(&object).to_string();
        let target = ObjectAddress {
            rt,
            namespace: &namespace,
            name: &name,
            part,
        };
        self.write(target, &WriteOptions::default(), true, |current| {
            let mut object = object.clone();
            let version = current.map(|c| c["metadata"]["resourceVersion"].clone());
            metadata_mut(&mut object)
                .insert("resourceVersion".into(), version.unwrap_or(Value::Null));
            Ok(object)
        })
    }

    /// Replaces the status of an object with what `change` makes of the stored one (None:
    /// nothing to change). Controllers use it; no controller is told of it.
    pub(crate) fn update_status(
        &self,
        rt: &'static ResourceType,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&Value) -> Option<Value>,
    ) {
        let result = self.update_quietly(rt, namespace, name, |current| {
            let current = current.ok_or_else(|| ApiError::not_found(rt, name))?;
            let mut updated = current.clone();
            if let Some(status) = change(current) {
                updated["status"] = status;
            }
            Ok(updated)
        });
        if let Err(error) = result {
            tracing::debug!(%namespace, %name, "status not updated: {}", error.message);
        }
    }

    /// Stores what `build` makes of the stored object (None: absent), as is, and publishes
    /// it to watches; no controller is told of it (a controller's own bookkeeping on the
    /// object it reconciles, such as its status).
    pub(crate) fn update_quietly(
        &self,
        rt: &'static ResourceType,
        namespace: &str,
        name: &str,
        build: impl FnOnce(Option<&Value>) -> Result<Value, ApiError>,
    ) -> Result<Value, ApiError> {
        self.inner.store.update(rt, namespace, name, false, build)
    }

    /// The shared write: builds the desired object from the stored one, checks it, stores
    /// it and lets the controllers react.
    fn write(
        &self,
        target: ObjectAddress<'_>,
        options: &WriteOptions,
        may_create: bool,
        build: impl FnOnce(Option<&Value>) -> Result<Value, ApiError>,
    ) -> Result<Written, ApiError> {
        let ObjectAddress {
            rt,
            namespace,
            name,
            part,
        } = target;
        if may_create && rt.namespaced && self.inner.store.get(&NAMESPACES, "", namespace).is_none()
        {
            return Err(ApiError::namespace_not_found(namespace));
        }
        let mut created = false;
        let mut warnings = Vec::new();
        let object = self
            .inner
            .store
            .update(rt, namespace, name, options.dry_run, |current| {
                let mut desired = build(current)?;
                set_identity(target, &mut desired)?;
                check_resource_version(rt, name, current, &desired)?;
                let mut desired = keep_status_rules(rt, part, current, desired);
                created = current.is_none();
                warnings = strategy::prepare(
                    rt,
                    &mut desired,
                    current,
                    &self.inner.allocator,
                    self.inner.registry.elasticsearch_crd(),
                    options.field_validation,
                )?;
                Ok(desired)
            })?;
        if !options.dry_run {
            self.react(rt, &object, false, options.origin);
        }
        Ok(Written {
            object,
            created,
            warnings,
        })
    }

    /// DELETE: removes an object (honouring a resourceVersion precondition), then what the
    /// cluster removes with it.
    pub(crate) fn remove(
        &self,
        rt: &'static ResourceType,
        namespace: &str,
        name: &str,
        precondition: Option<&str>,
        options: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let deleted = self
            .inner
            .store
            .delete(rt, namespace, name, options.dry_run, |current| {
                let actual = json::meta_str(current, "resourceVersion");
                match precondition {
                    Some(expected) if expected != actual => {
                        Err(ApiError::delete_conflict(rt, name, expected, actual))
                    }
                    _ => Ok(()),
                }
            })?;
        if !options.dry_run {
            self.react(rt, &deleted, true, options.origin);
        }
        Ok(deleted)
    }

    /// Tells every registered controller of the change, in registration order.
    fn react(&self, rt: &'static ResourceType, object: &Value, deleted: bool, origin: Origin) {
        let change = Change {
            resource: rt,
            object,
            deleted,
            origin,
        };
        for controller in &self.inner.controllers {
            controller.react(self, &change);
        }
    }

    /// Deletes the objects of a type in a namespace that `keep` refuses (garbage
    /// collection by a controller or a namespace deletion).
    pub(crate) fn remove_unless(
        &self,
        rt: &'static ResourceType,
        namespace: &str,
        keep: impl Fn(&Value) -> bool,
    ) {
        for object in self.inner.store.list(rt, Some(namespace)).0 {
            if !keep(&object) {
                // Objects removed by an earlier cascade are already gone.
                let _ = self.remove(
                    rt,
                    namespace,
                    json::name(&object),
                    None,
                    &WriteOptions::default(),
                );
            }
        }
    }
}

/// The name of a new object: `metadata.name`, or `generateName` plus a random suffix.
fn name_for_create(body: &mut Value) -> String {
    let metadata = metadata_mut(body);
    let name = metadata
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let generate = metadata
        .get("generateName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = if name.is_empty() && !generate.is_empty() {
        format!("{generate}{}", json::random_suffix(5))
    } else {
        name.to_string()
    };
    metadata.insert("name".into(), json!(name));
    name
}

fn check_namespace_field(rt: &ResourceType, namespace: &str, body: &Value) -> Result<(), ApiError> {
    let given = json::namespace(body);
    if rt.namespaced && !given.is_empty() && given != namespace {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(())
}

/// Checks and fills in `apiVersion`, `kind`, name and namespace.
fn set_identity(target: ObjectAddress<'_>, object: &mut Value) -> Result<(), ApiError> {
    let rt = target.rt;
    if !object.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request is not a JSON object",
        ));
    }
    let api_version = rt.api_version();
    for (field, expected) in [("apiVersion", api_version.as_str()), ("kind", rt.kind)] {
        match object[field].as_str() {
            Some(given) if !given.is_empty() && given != expected => {
                return Err(ApiError::bad_request(format!(
                    "the {field} in the data ({given}) does not match the expected {field} ({expected})"
                )));
            }
            _ => object[field] = json!(expected),
        }
    }
    let given_name = json::name(object).to_string();
    if !given_name.is_empty() && given_name != target.name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({given_name}) does not match the name on the URL ({})",
            target.name
        )));
    }
    let metadata = metadata_mut(object);
    metadata.insert("name".into(), json!(target.name));
    if rt.namespaced {
        metadata.insert("namespace".into(), json!(target.namespace));
    } else {
        metadata.remove("namespace");
    }
    Ok(())
}

/// A `metadata.resourceVersion` in the request must be the stored one.
fn check_resource_version(
    rt: &ResourceType,
    name: &str,
    current: Option<&Value>,
    desired: &Value,
) -> Result<(), ApiError> {
    let wanted = json::meta_str(desired, "resourceVersion");
    match current {
        Some(current)
            if !wanted.is_empty() && wanted != json::meta_str(current, "resourceVersion") =>
        {
            Err(ApiError::conflict(rt, name))
        }
        _ => Ok(()),
    }
}

/// Applies the status-subresource rules: main writes keep the stored status (new objects
/// start without one), status writes change only the status.
fn keep_status_rules(
    rt: &ResourceType,
    part: Part,
    current: Option<&Value>,
    mut desired: Value,
) -> Value {
    if !rt.status_subresource || part == Part::Whole {
        return desired;
    }
    match (part, current) {
        (Part::Status, Some(current)) => {
            let mut updated = current.clone();
            updated["status"] = desired["status"].take();
            updated
        }
        (_, current) => {
            let status = current.map(|c| c["status"].clone()).unwrap_or(Value::Null);
            let map = desired.as_object_mut().expect("identity checked: a map");
            match status {
                Value::Null => map.remove("status"),
                status => map.insert("status".into(), status),
            };
            desired
        }
    }
}
