//! Watch responses: a stream of newline-delimited JSON events (`ADDED`, `MODIFIED`,
//! `DELETED`, `BOOKMARK`) for one type, filtered by namespace and selectors, starting
//! from a resourceVersion, ending after `timeoutSeconds`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use futures::{StreamExt, stream};
use http::header::CONTENT_TYPE;
use serde_json::{Value, json};
use tokio_stream::wrappers::BroadcastStream;

use super::resources::ResourceType;
use super::selectors::Selectors;
use super::status::ApiError;
use super::store::{Event, Store, WatchStart};

/// The API server's default watch length when the client sets none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// What a watch request asks for.
pub struct WatchRequest {
    pub rt: &'static ResourceType,
    pub namespace: Option<String>,
    pub selectors: Selectors,
    pub start: WatchStart,
    pub timeout: Option<Duration>,
    /// `sendInitialEvents=true`: current objects, then a bookmark marking their end.
    pub send_initial_events: bool,
    /// Turns each object into what the client asked for (an object, or a Table row).
    pub render: Box<dyn Fn(&Value) -> Value + Send + Sync>,
}

impl WatchRequest {
    fn wants(&self, event: &Event) -> bool {
        event.resource == self.rt
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| super::json::namespace(&event.object) == ns)
            && self.selectors.matches(&event.object)
    }

    fn line(&self, event_type: &str, object: &Value) -> String {
        let mut line = json!({"type": event_type, "object": (self.render)(object)}).to_string();
        line.push('\n');
        line
    }

    fn bookmark(&self, resource_version: u64) -> String {
        let object = json!({
            "kind": self.rt.kind,
            "apiVersion": self.rt.api_version(),
            "metadata": {
                "resourceVersion": resource_version.to_string(),
                "annotations": {"k8s.io/initial-events-end": "true"},
            },
        });
        let mut line = json!({"type": "BOOKMARK", "object": object}).to_string();
        line.push('\n');
        line
    }
}

/// Starts a watch and answers with its event stream.
pub fn respond(store: &Store, request: WatchRequest) -> Result<Response, ApiError> {
    let start = if request.send_initial_events {
        WatchStart::Current
    } else {
        request.start
    };
    let resource_version = store.resource_version();
    let subscription = store.subscribe(request.rt, start)?;
    let request = Arc::new(request);
    let backlog: Vec<String> = subscription
        .backlog
        .iter()
        .filter(|e| request.wants(e))
        .map(|e| request.line(e.event_type.as_str(), &e.object))
        .chain(
            request
                .send_initial_events
                .then(|| request.bookmark(resource_version)),
        )
        .collect();
    let live_request = Arc::clone(&request);
    // A watcher that falls too far behind is closed, as the API server does.
    let live = BroadcastStream::new(subscription.live)
        .take_while(|event| std::future::ready(event.is_ok()))
        .filter_map(move |event| {
            let line = event
                .ok()
                .filter(|e| live_request.wants(e))
                .map(|e| live_request.line(e.event_type.as_str(), &e.object));
            std::future::ready(line)
        });
    let timeout = tokio::time::sleep(request.timeout.unwrap_or(DEFAULT_TIMEOUT));
    let events = stream::iter(backlog)
        .chain(live)
        .take_until(timeout)
        .map(Ok::<_, std::convert::Infallible>);
    Response::builder()
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from_stream(events))
        .map_err(|e| ApiError::bad_request(e.to_string()))
}
