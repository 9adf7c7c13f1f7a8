//! ecr: connect Elasticsearch clusters run by ECK as remote clusters.

pub mod sandbox;
