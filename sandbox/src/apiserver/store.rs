//! The object store of one emulated API server: objects by type, namespace and name, the
//! global `resourceVersion` counter, the metadata the server stamps on writes, and the
//! event history and fan-out that watches read.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::json::{self, metadata_mut};
use super::resources::ResourceType;
use super::status::ApiError;

/// How many events the history keeps for watches that resume from a resourceVersion.
const HISTORY_LIMIT: usize = 10_000;
/// How many events a slow watcher may fall behind before its watch is closed.
const FAN_OUT_CAPACITY: usize = 4_096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Debug)]
pub struct Event {
    pub resource: &'static ResourceType,
    pub event_type: EventType,
    pub object: Value,
    pub resource_version: u64,
}

/// What a new watch starts with: the events to replay, then the live ones.
pub struct Subscription {
    pub backlog: Vec<Arc<Event>>,
    pub live: broadcast::Receiver<Arc<Event>>,
}

/// Where a watch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchStart {
    /// Every current object as ADDED, then changes (no resourceVersion, or "0").
    Current,
    /// Changes after this resourceVersion.
    After(u64),
}

/// The identity of a stored object: namespace ("" for cluster-scoped) and name.
type Key = (String, String);

#[derive(Default)]
struct Inner {
    objects: HashMap<&'static str, BTreeMap<Key, Value>>,
    counter: u64,
    history: VecDeque<Arc<Event>>,
    /// The resourceVersion of the newest event dropped from the history.
    forgotten: u64,
}

pub struct Store {
    inner: Mutex<Inner>,
    fan_out: broadcast::Sender<Arc<Event>>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            inner: Mutex::default(),
            fan_out: broadcast::channel(FAN_OUT_CAPACITY).0,
        }
    }
}

impl Store {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current resourceVersion (of the newest write).
    pub fn resource_version(&self) -> u64 {
        self.lock().counter
    }

    pub fn get(&self, rt: &'static ResourceType, namespace: &str, name: &str) -> Option<Value> {
        let inner = self.lock();
        inner
            .objects
            .get(rt.plural)?
            .get(&(namespace.to_string(), name.to_string()))
            .cloned()
    }

    /// The objects of a type, in one namespace or all (None), sorted by namespace and
    /// name, with the resourceVersion the list was read at.
    pub fn list(&self, rt: &'static ResourceType, namespace: Option<&str>) -> (Vec<Value>, u64) {
        let inner = self.lock();
        let items = inner
            .objects
            .get(rt.plural)
            .into_iter()
            .flat_map(|objects| objects.iter())
            .filter(|((ns, _), _)| namespace.is_none_or(|wanted| ns == wanted))
            .map(|(_, object)| object.clone())
            .collect();
        (items, inner.counter)
    }

    /// Stores a new object, stamping uid, creationTimestamp, resourceVersion (and
    /// generation where it counts). With `dry_run`, only says what would be stored.
    pub fn create(
        &self,
        rt: &'static ResourceType,
        mut object: Value,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let key = key_of(&object);
        if inner
            .objects
            .get(rt.plural)
            .is_some_and(|o| o.contains_key(&key))
        {
            return Err(ApiError::already_exists(rt, &key.1));
        }
        let metadata = metadata_mut(&mut object);
        metadata.insert("uid".into(), json!(json::new_uid()));
        metadata.insert("creationTimestamp".into(), json!(json::now_timestamp()));
        if rt.generation {
            metadata.insert("generation".into(), json!(1));
        }
        if dry_run {
            return Ok(object);
        }
        Ok(inner.commit(&self.fan_out, rt, key, object, EventType::Added))
    }

    /// Replaces an object with what `change` makes of the current one (None when absent:
    /// `change` may then create it). Keeps uid and creationTimestamp, bumps generation (where
    /// it counts) when more than metadata and status changed, and stores nothing
    /// (no new resourceVersion, no event) when nothing changed.
    pub fn update(
        &self,
        rt: &'static ResourceType,
        namespace: &str,
        name: &str,
        dry_run: bool,
        change: impl FnOnce(Option<&Value>) -> Result<Value, ApiError>,
    ) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let key = (namespace.to_string(), name.to_string());
        let current = inner
            .objects
            .get(rt.plural)
            .and_then(|o| o.get(&key))
            .cloned();
        let desired = change(current.as_ref())?;
        let Some(current) = current else {
            drop(inner);
            return self.create(rt, desired, dry_run);
        };
        let desired = carry_over_metadata(rt, &current, desired);
        if without_resource_version(&desired) == without_resource_version(&current) || dry_run {
            return Ok(if dry_run { desired } else { current });
        }
        Ok(inner.commit(&self.fan_out, rt, key, desired, EventType::Modified))
    }

    /// Removes an object after `check` accepted it, and returns it as it was last stored
    /// with the resourceVersion of the deletion.
    pub fn delete(
        &self,
        rt: &'static ResourceType,
        namespace: &str,
        name: &str,
        dry_run: bool,
        check: impl FnOnce(&Value) -> Result<(), ApiError>,
    ) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let key = (namespace.to_string(), name.to_string());
        let Some(current) = inner.objects.get(rt.plural).and_then(|o| o.get(&key)) else {
            return Err(ApiError::not_found(rt, name));
        };
        check(current)?;
        if dry_run {
            return Ok(current.clone());
        }
        let object = inner
            .objects
            .get_mut(rt.plural)
            .and_then(|o| o.remove(&key))
            .expect("found above under the same lock");
        Ok(inner.record(&self.fan_out, rt, object, EventType::Deleted))
    }

    /// Starts a watch on one type: the backlog to replay and the live events after it.
    pub fn subscribe(
        &self,
        rt: &'static ResourceType,
        start: WatchStart,
    ) -> Result<Subscription, ApiError> {
        let inner = self.lock();
        let backlog = match start {
            WatchStart::Current => inner.current_as_added(rt),
            WatchStart::After(version) if version < inner.forgotten => {
                return Err(ApiError::gone(version, inner.counter));
            }
            WatchStart::After(version) => inner
                .history
                .iter()
                .filter(|e| e.resource_version > version && e.resource == rt)
                .cloned()
                .collect(),
        };
        // Subscribing under the lock that writers hold while sending: no gap, no repeat.
        let live = self.fan_out.subscribe();
        Ok(Subscription { backlog, live })
    }
}

impl Inner {
    fn commit(
        &mut self,
        fan_out: &broadcast::Sender<Arc<Event>>,
        rt: &'static ResourceType,
        key: Key,
        object: Value,
        event_type: EventType,
    ) -> Value {
        let object = self.record(fan_out, rt, object, event_type);
        self.objects
            .entry(rt.plural)
            .or_default()
            .insert(key, object.clone());
        object
    }

    /// Gives the object the next resourceVersion, appends the event to the history and
    /// sends it to the watchers.
    fn record(
        &mut self,
        fan_out: &broadcast::Sender<Arc<Event>>,
        rt: &'static ResourceType,
        mut object: Value,
        event_type: EventType,
    ) -> Value {
        self.counter += 1;
        metadata_mut(&mut object).insert("resourceVersion".into(), json!(self.counter.to_string()));
        let event = Arc::new(Event {
            resource: rt,
            event_type,
            object: object.clone(),
            resource_version: self.counter,
        });
        if self.history.len() == HISTORY_LIMIT
            && let Some(dropped) = self.history.pop_front()
        {
            self.forgotten = dropped.resource_version;
        }
        self.history.push_back(Arc::clone(&event));
        // No receiver is fine: nobody watches.
        let _ = fan_out.send(event);
        object
    }

    fn current_as_added(&self, rt: &'static ResourceType) -> Vec<Arc<Event>> {
        self.objects
            .get(rt.plural)
            .into_iter()
            .flat_map(|o| o.values())
            .map(|object| {
                Arc::new(Event {
                    resource: rt,
                    event_type: EventType::Added,
                    object: object.clone(),
                    resource_version: 0,
                })
            })
            .collect()
    }
}

fn key_of(object: &Value) -> Key {
    (
        json::namespace(object).to_string(),
        json::name(object).to_string(),
    )
}

/// The desired object with the server-owned metadata of the current one.
fn carry_over_metadata(rt: &ResourceType, current: &Value, mut desired: Value) -> Value {
    let spec_changed = without_meta_and_status(&desired) != without_meta_and_status(current);
    let generation = current["metadata"]["generation"].as_i64();
    let metadata = metadata_mut(&mut desired);
    for field in ["uid", "creationTimestamp", "resourceVersion"] {
        metadata.insert(field.into(), current["metadata"][field].clone());
    }
    if rt.generation {
        let generation = generation.unwrap_or(1) + i64::from(spec_changed);
        metadata.insert("generation".into(), json!(generation));
    }
    desired
}

fn without_resource_version(object: &Value) -> Value {
    let mut object = object.clone();
    metadata_mut(&mut object).remove("resourceVersion");
    object
}

fn without_meta_and_status(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    object
}
