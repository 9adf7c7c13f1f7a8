//! The `elasticsearch.yml` ECK renders for each nodeSet (secret `NAME-es-NODESET-es-config`):
//! ECK's own settings, then the nodeSet's `config` merged as go-ucfg merges with
//! `AppendValues`: dotted and nested keys are the same setting, maps merge, two lists are
//! concatenated (ECK's first), a scalar replaces (even ECK's list), and an empty list or
//! null leaves ECK's value as it is.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::resource::{Cluster, NodeSet, statefulset_name};
use crate::controllers::conventions::{STATEFULSET_LABEL, config_secret_name};

const CONFIG_DIR: &str = "/usr/share/elasticsearch/config";

/// The file ECK lists first in `certificate_authorities`: the cluster's own transport CA
/// (and the CAs of its `certificateAuthorities` ConfigMap).
pub const OWN_TRANSPORT_CA: &str = "/usr/share/elasticsearch/config/transport-certs/ca.crt";

/// The config secret of one nodeSet.
pub fn secret(cluster: &Cluster<'_>, node_set: &NodeSet<'_>) -> Value {
    let statefulset = statefulset_name(cluster.name, node_set.name);
    let mut labels = cluster.labels();
    labels.insert(STATEFULSET_LABEL.into(), json!(statefulset));
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": config_secret_name(&statefulset),
            "namespace": cluster.namespace,
            "labels": labels,
            "ownerReferences": cluster.owner_reference(),
        },
        "type": "Opaque",
        "data": {"elasticsearch.yml": STANDARD.encode(render(cluster, node_set))},
    })
}

/// The merged configuration, as YAML with nested keys.
pub fn render(cluster: &Cluster<'_>, node_set: &NodeSet<'_>) -> String {
    serde_yaml::to_string(&merged(cluster, node_set))
        .expect("a JSON value always serializes to YAML")
}

/// The merged configuration, with nested keys.
pub fn merged(cluster: &Cluster<'_>, node_set: &NodeSet<'_>) -> Value {
    let mut config = nested(&own_settings(cluster));
    merge(&mut config, &nested(node_set.config));
    config
}

fn own_settings(cluster: &Cluster<'_>) -> Value {
    let mut settings = http_ssl_settings(cluster);
    settings.extend(json_map(json!({
        "cluster.name": cluster.name,
        "discovery.seed_providers": "file",
        "network.host": "0.0.0.0",
        "network.publish_host": "${POD_IP}",
        "node.name": "${POD_NAME}",
        "path.data": "/usr/share/elasticsearch/data",
        "path.logs": "/usr/share/elasticsearch/logs",
        "xpack.security.authc.reserved_realm.enabled": "false",
        "xpack.security.enabled": "true",
        // Each node's own certificate, in ECK's transport-certs directory
        // (ECK: settings/merged_config.go).
        "xpack.security.transport.ssl.certificate": format!("{CONFIG_DIR}/transport-certs/${{POD_NAME}}.tls.crt"),
        "xpack.security.transport.ssl.certificate_authorities": [
            OWN_TRANSPORT_CA,
            format!("{CONFIG_DIR}/transport-remote-certs/ca.crt"),
        ],
        "xpack.security.transport.ssl.enabled": "true",
        "xpack.security.transport.ssl.key": format!("{CONFIG_DIR}/transport-certs/${{POD_NAME}}.tls.key"),
        "xpack.security.transport.ssl.verification_mode": "certificate",
    })));
    settings.extend(remote_cluster_settings(cluster));
    Value::Object(settings)
}

/// The remote cluster server (port 9443, served with the transport certificates) when
/// `spec.remoteClusterServer.enabled`, and the client side when a `spec.remoteClusters` entry
/// uses an API key (ECK: settings/merged_config.go, `baseConfig` and `xpackConfig`).
fn remote_cluster_settings(cluster: &Cluster<'_>) -> Map<String, Value> {
    let transport_cas = json!([
        OWN_TRANSPORT_CA,
        format!("{CONFIG_DIR}/transport-remote-certs/ca.crt"),
    ]);
    let mut settings = Map::new();
    if cluster.remote_cluster_server {
        settings.extend(json_map(json!({
            "remote_cluster_server.enabled": "true",
            "remote_cluster.host": "0",
            "remote_cluster.publish_host": "${POD_NAME}.${HEADLESS_SERVICE_NAME}.${NAMESPACE}.svc",
            "xpack.security.remote_cluster_server.ssl.key": format!("{CONFIG_DIR}/transport-certs/${{POD_NAME}}.tls.key"),
            "xpack.security.remote_cluster_server.ssl.certificate": format!("{CONFIG_DIR}/transport-certs/${{POD_NAME}}.tls.crt"),
            "xpack.security.remote_cluster_server.ssl.certificate_authorities": transport_cas,
        })));
    }
    if cluster.has_remote_cluster_api_key() {
        settings.extend(json_map(json!({
            "xpack.security.remote_cluster_client.ssl.enabled": true,
            "xpack.security.remote_cluster_client.ssl.certificate_authorities": transport_cas,
        })));
    }
    settings
}

/// HTTPS with ECK's certificate, or plain HTTP when the spec turns HTTP TLS off.
fn http_ssl_settings(cluster: &Cluster<'_>) -> Map<String, Value> {
    let mut settings = json_map(if cluster.http_tls {
        json!({
            "xpack.security.http.ssl.certificate": format!("{CONFIG_DIR}/http-certs/tls.crt"),
            "xpack.security.http.ssl.certificate_authorities": format!("{CONFIG_DIR}/http-certs/ca.crt"),
            "xpack.security.http.ssl.enabled": "true",
            "xpack.security.http.ssl.key": format!("{CONFIG_DIR}/http-certs/tls.key"),
        })
    } else {
        json!({"xpack.security.http.ssl.enabled": "false"})
    });
    // ECK 3.4+ (settings/merged_config.go): required client certificates, trusted from the
    // HTTP CA and the client trust bundle ECK mounts.
    if cluster.http_tls && cluster.spec()["http"]["tls"]["client"]["authentication"] == true {
        settings.insert(
            "xpack.security.http.ssl.client_authentication".into(),
            json!("required"),
        );
        settings.insert(
            "xpack.security.http.ssl.certificate_authorities".into(),
            json!([
                format!("{CONFIG_DIR}/http-certs/ca.crt"),
                format!("{CONFIG_DIR}/client-trust-bundle/client-trust-bundle.crt"),
            ]),
        );
    }
    settings
}

fn json_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The same settings with every dotted key expanded into nested maps.
pub(super) fn nested(config: &Value) -> Value {
    let Some(map) = config.as_object() else {
        return config.clone();
    };
    let mut result = Value::Object(Map::new());
    for (key, value) in map {
        let expanded = key
            .rsplit('.')
            .fold(nested(value), |inner, part| json!({ part: inner }));
        merge(&mut result, &expanded);
    }
    result
}

/// go-ucfg's merge with `AppendValues`.
fn merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (_, Value::Null) => {}
        (base, Value::Array(items)) if items.is_empty() && !base.is_null() => {}
        (Value::Array(base), Value::Array(items)) => base.extend(items.iter().cloned()),
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                merge(base.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(config: Value) -> Value {
        let resource = json!({"metadata": {"name": "c", "namespace": "n"},
            "spec": {"version": "8.17.0", "nodeSets": [{"name": "default", "count": 1, "config": config}]}});
        let cluster = Cluster::new(&resource, 1);
        serde_yaml::from_str(&render(&cluster, &cluster.node_sets[0])).expect("YAML")
    }

    fn authorities(config: Value) -> Value {
        rendered(config)["xpack"]["security"]["transport"]["ssl"]["certificate_authorities"].clone()
    }

    const OWN: [&str; 2] = [
        "/usr/share/elasticsearch/config/transport-certs/ca.crt",
        "/usr/share/elasticsearch/config/transport-remote-certs/ca.crt",
    ];

    #[test]
    fn a_user_list_is_appended_to_ecks_whatever_the_key_form() {
        let expected = json!([OWN[0], OWN[1], "/x/a.crt"]);
        let dotted = json!({"xpack.security.transport.ssl.certificate_authorities": ["/x/a.crt"]});
        let nested = json!({"xpack": {"security": {"transport": {"ssl": {"certificate_authorities": ["/x/a.crt"]}}}}});
        let mixed =
            json!({"xpack.security": {"transport.ssl": {"certificate_authorities": ["/x/a.crt"]}}});
        for config in [dotted, nested, mixed] {
            assert_eq!(authorities(config), expected);
        }
    }

    #[test]
    fn empty_lists_and_nulls_keep_ecks_list_but_a_string_replaces_it() {
        let key = "xpack.security.transport.ssl.certificate_authorities";
        assert_eq!(authorities(json!({ key: [] })), json!(OWN));
        assert_eq!(authorities(json!({ key: null })), json!(OWN));
        assert_eq!(authorities(json!({ key: "/x/a.crt" })), json!("/x/a.crt"));
    }

    #[test]
    fn the_remote_cluster_server_listens_on_every_interface_with_the_transport_certificates() {
        let resource = json!({"metadata": {"name": "c", "namespace": "n"},
            "spec": {"version": "8.17.0", "remoteClusterServer": {"enabled": true},
                "nodeSets": [{"name": "default", "count": 1}]}});
        let cluster = Cluster::new(&resource, 1);
        let config = merged(&cluster, &cluster.node_sets[0]);
        assert_eq!(config["remote_cluster_server"]["enabled"], "true");
        assert_eq!(config["remote_cluster"]["host"], "0");
        let server = &config["xpack"]["security"]["remote_cluster_server"]["ssl"];
        assert_eq!(server["certificate_authorities"], json!(OWN));
        assert!(
            config["xpack"]["security"]["remote_cluster_client"].is_null(),
            "the client side only with an apiKey entry in spec.remoteClusters"
        );
    }

    #[test]
    fn http_ssl_is_off_when_the_spec_turns_http_tls_off() {
        let resource = json!({"metadata": {"name": "c", "namespace": "n"},
            "spec": {"version": "8.17.0", "http": {"tls": {"selfSignedCertificate": {"disabled": true}}},
                "nodeSets": [{"name": "default", "count": 1}]}});
        let cluster = Cluster::new(&resource, 1);
        let config: Value =
            serde_yaml::from_str(&render(&cluster, &cluster.node_sets[0])).expect("YAML");
        assert_eq!(
            config["xpack"]["security"]["http"]["ssl"],
            json!({"enabled": "false"})
        );
    }

    #[test]
    fn other_settings_merge_and_scalars_replace() {
        let config = rendered(json!({"node.store.allow_mmap": false, "cluster.name": "renamed"}));
        assert_eq!(config["node"]["store"]["allow_mmap"], false);
        assert_eq!(config["node"]["name"], "${POD_NAME}");
        assert_eq!(config["cluster"]["name"], "renamed");
    }
}
