//! The controllers of a kube cluster, above its API server: each is told of every change
//! through [`crate::apiserver::Controller`] and writes back through the API. ECK (`eck`),
//! the cloud's load balancers (`load_balancers`), the namespace controller (`namespaces`)
//! and the kubelet's part (`kubelet`: pods, mounted files, restarts, the emulated
//! Elasticsearch each resource runs). `conventions` holds what they share.

pub mod conventions;
pub mod eck;
pub mod kubelet;
pub mod load_balancers;
pub mod namespaces;
