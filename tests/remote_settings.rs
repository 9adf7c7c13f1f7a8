//! What `ecr connect` / `ecr disconnect` must know of remote cluster settings that ecr did not
//! write: sniff mode's own settings, settings in a nodeSet's `elasticsearch.yml`, aliases ECK
//! manages through `spec.remoteClusters`, and links that are not what they seem (host name
//! verification, API keys).

mod common;

use common::Env;
use common::recipe::Es;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};


fn es_one(env: &Env) -> Es {
    Es::of(&env.sandbox, "sandbox", "ns-one", "cluster-one")
}

async fn put_settings(es: &Es, body: Value) -> (StatusCode, Value) {
    es.send(Method::PUT, "/_cluster/settings", Some(body)).await
}

fn persistent_of(es: &Es, alias: &str) -> Vec<String> {
    let prefix = format!("cluster.remote.{alias}.");
    es.endpoint
        .handle
        .persistent_settings()
        .as_object()
        .expect("an object")
        .keys()
        .filter(|key| key.starts_with(&prefix))
        .cloned()
        .collect()
}

/// Item 3: an alias in sniff mode with sniff's own `proxy` moves to proxy mode in one accepted
/// update: `seeds`, `node_connections` and `proxy` are all cleared, the rest is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_sniff_alias_with_its_proxy_to_proxy_mode_clears_every_sniff_setting() {
    let env = Env::start().await;
    env.trust_and_expose_both_ways();
    let es = es_one(&env);
    let (status, body) = put_settings(
        &es,
        json!({"persistent": {"cluster.remote.cluster-two": {
            "seeds": ["10.9.9.9:9300"], "node_connections": 2, "proxy": "10.9.9.8:9300",
            "transport.compression_scheme": "lz4"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    env.connect_one_to_two(&["--yes"]).success();
    assert_eq!(
        persistent_of(&es, "cluster-two"),
        [
            "cluster.remote.cluster-two.mode",
            "cluster.remote.cluster-two.proxy_address",
            "cluster.remote.cluster-two.transport.compression_scheme",
        ]
    );
}
