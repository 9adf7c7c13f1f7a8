//! A node without the `remote_cluster_client` role (left out of its nodeSet's `node.roles`):
//! Elasticsearch answers `_remote/info` there with 400 naming the node
//! (TransportRemoteInfoAction) and refuses every cross-cluster request (RemoteClusterService:
//! "this node does not have the remote_cluster_client role").

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;

use super::errors::EsError;

/// The role, as Elasticsearch names it.
const ROLE: &str = "remote_cluster_client";

/// `router` as the node `node`, which lacks the role, answers.
pub fn without_remote_cluster_client(router: Router, node: String) -> Router {
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let node = node.clone();
        async move {
            let path = request.uri().path();
            if path == "/_remote/info" {
                let reason = format!("node [{node}] does not have the [{ROLE}] role");
                return EsError::illegal_argument(reason).into_response();
            }
            if is_cross_cluster(path) {
                let reason = format!("this node does not have the {ROLE} role");
                return EsError::illegal_argument(reason).into_response();
            }
            next.run(request).await
        }
    }))
}

/// `_resolve/cluster/ALIAS:...` and `ALIAS:INDEX/_search`: requests that reach a remote.
fn is_cross_cluster(path: &str) -> bool {
    let remote = |expression: &str| expression.contains(':') || expression.contains("%3A");
    match path.strip_prefix("/_resolve/cluster/") {
        Some(expression) => remote(expression),
        None => path
            .strip_suffix("/_search")
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(remote),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_cluster_requests_are_recognised() {
        assert!(is_cross_cluster("/_resolve/cluster/two:*"));
        assert!(is_cross_cluster("/two:*/_search"));
        assert!(is_cross_cluster("/two%3A*/_search"));
        assert!(!is_cross_cluster("/logs/_search"));
        assert!(!is_cross_cluster("/_resolve/cluster/logs"));
        assert!(!is_cross_cluster("/_cluster/settings"));
    }
}
