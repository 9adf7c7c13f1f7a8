//! Emulation of the ECK operator, kept to what ecr relies on: for each Elasticsearch
//! resource the certificates, secrets, services and pods ECK makes, its status, the
//! ConfigMap of extra transport CAs (a missing one stops the reconcile), the pause
//! annotations (pause-orchestration holds back only pods and their config), HTTP TLS turned off
//! (`spec.http.tls.selfSignedCertificate.disabled`), the remote cluster server
//! (`spec.remoteClusterServer`: its settings, its service), the secure settings whose hash
//! rolls the pods (`secure_settings`), and a count of the rolling restarts ECK would do. It acts synchronously after each write, so tests see its result
//! as soon as their request returns (load-balancer addresses excepted: see
//! `load_balancers`).
//!
//! Four controllers of the API server: [`Eck`] (the Elasticsearch reconcile), then, once the
//! kubelet runs the cluster's Elasticsearch, [`Licenses`] (the operator's licenses, its trial,
//! and each cluster's license) and [`RemoteClusters`] (`spec.remoteClusters`), and
//! [`OwnedObjects`] (a client's change to what ECK owns). ECK reaches the pods it runs
//! through [`Pods`], which the kubelet provides.

mod apply;
mod elasticsearch_yml;
mod http;
mod license_secrets;
mod licenses;
mod material;
mod operator;
mod pods;
mod remote_clusters;
mod resource;
mod secrets;
pub mod secure_settings;
mod services;
mod statefulsets;
mod trial;

pub use licenses::Licenses;
pub use material::{ClusterMaterial, HttpLayer};
pub use operator::{Eck, OwnedObjects};
pub use pods::Pods;
pub use remote_clusters::RemoteClusters;
pub use trial::trial_request;
