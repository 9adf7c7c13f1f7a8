//! The emulated API server: the handle ([`KubeApi`]), the store and its watch, the HTTP
//! routes with authentication, admission and validation, discovery, OpenAPI, tables,
//! port-forwards and fault injection. It knows no controller: controllers register at
//! construction and are told of each change through [`Controller`].

mod auth;
mod crd;
mod discovery;
mod handle;
pub(crate) mod json;
mod openapi;
mod patch;
mod portforward;
mod protobuf;
pub(crate) mod resources;
mod routes;
mod schema;
mod selectors;
pub(crate) mod server;
pub(crate) mod status;
mod store;
mod strategy;
mod table;
mod watch;
pub(crate) mod write;

pub use auth::PolicyRule;
pub use crd::EckRelease;
pub(crate) use handle::{ApiConfig, Change, Controller, Origin, PodConnections, WeakKubeApi};
pub use handle::{KubeApi, RequestRecord};
pub(crate) use routes::router;
