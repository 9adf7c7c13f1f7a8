//! What an Elasticsearch resource says about reaching its HTTP API, read as ECK reads it:
//! plain HTTP or TLS (and with whose certificate), whether Elasticsearch asks clients for a
//! certificate, whether ECK keeps an `elastic` user, and which nodeSets may make
//! cross-cluster requests.

use serde_json::Value;

use crate::eck;

/// How a cluster's HTTP layer speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpTls {
    /// Plain HTTP: the self-signed certificate disabled and no certificate of the user's.
    Off,
    /// ECK's self-signed certificate (ECK's HTTP CA, ECK's names).
    Eck,
    /// The user's certificate, from this secret: its CA and names are the user's.
    User { secret: String },
}

/// The spec fields that decide how ecr reaches the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSpec {
    pub http_tls: HttpTls,
    /// `spec.http.tls.client.authentication` (ECK 3.4+): clients must show a certificate.
    pub client_authentication: bool,
    /// `spec.auth.disableElasticUser`: ECK makes no `elastic` user, nor its secret.
    pub elastic_user_disabled: bool,
}

impl ClusterSpec {
    pub fn read(resource: &Value) -> Self {
        let tls = &resource["spec"]["http"]["tls"];
        let user_secret = tls["certificate"]["secretName"]
            .as_str()
            .filter(|name| !name.is_empty());
        // ECK: TLSOptions.Enabled() in pkg/apis/common/v1/common.go. Whether the secret
        // NAME-es-http-certs-public exists says nothing: ECK keeps publishing it with TLS off
        // (GarbageCollectSecrets: false in pkg/controller/elasticsearch/certificates).
        let http_tls = match user_secret {
            Some(secret) => HttpTls::User {
                secret: secret.to_string(),
            },
            None if tls["selfSignedCertificate"]["disabled"] == true => HttpTls::Off,
            None => HttpTls::Eck,
        };
        ClusterSpec {
            client_authentication: http_tls != HttpTls::Off
                && tls["client"]["authentication"] == true,
            http_tls,
            elastic_user_disabled: resource["spec"]["auth"]["disableElasticUser"] == true,
        }
    }
}

/// The role a node needs to answer `_remote/info` and to make cross-cluster requests.
pub const REMOTE_CLUSTER_CLIENT: &str = "remote_cluster_client";

/// Whether the nodes of `node_set` have the `remote_cluster_client` role, from the nodeSet's
/// `config` as ECK reads it (`IsConfiguredWithRole` in pkg/apis/elasticsearch/v1/
/// elasticsearch_config.go): `node.roles` when set (dotted, nested or mixed), else the
/// legacy `node.remote_cluster_client` flag, else every role. An unknown nodeSet has it too.
pub fn node_set_has_remote_cluster_client(resource: &Value, node_set: &str) -> bool {
    let Some((_, config)) = eck::flat_node_set_configs(&resource["spec"])
        .into_iter()
        .find(|(name, _)| name == node_set)
    else {
        return true;
    };
    if let Some(roles) = config.get("node.roles").and_then(Value::as_array) {
        return roles.iter().any(|role| role == REMOTE_CLUSTER_CLIENT);
    }
    config
        .get("node.remote_cluster_client")
        .is_none_or(|flag| flag != false && flag != "false")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with_tls(tls: Value) -> ClusterSpec {
        ClusterSpec::read(&json!({"spec": {"http": {"tls": tls}}}))
    }

    #[test]
    fn http_tls_is_read_from_the_spec() {
        assert_eq!(
            ClusterSpec::read(&json!({"spec": {}})).http_tls,
            HttpTls::Eck
        );
        let off = json!({"selfSignedCertificate": {"disabled": true}});
        assert_eq!(with_tls(off).http_tls, HttpTls::Off);
        let user = json!({"selfSignedCertificate": {"disabled": true},
                          "certificate": {"secretName": "my-cert"}});
        assert_eq!(
            with_tls(user).http_tls,
            HttpTls::User {
                secret: "my-cert".into()
            }
        );
        let blank = json!({"selfSignedCertificate": {"disabled": true},
                           "certificate": {"secretName": ""}});
        assert_eq!(with_tls(blank).http_tls, HttpTls::Off);
        let sans = json!({"selfSignedCertificate": {"subjectAltNames": [{"dns": "es.example"}]}});
        assert_eq!(with_tls(sans).http_tls, HttpTls::Eck);
    }

    #[test]
    fn client_authentication_needs_tls() {
        assert!(with_tls(json!({"client": {"authentication": true}})).client_authentication);
        let off = json!({"selfSignedCertificate": {"disabled": true},
                         "client": {"authentication": true}});
        assert!(!with_tls(off).client_authentication);
        assert!(!with_tls(json!({})).client_authentication);
    }

    #[test]
    fn the_elastic_user_can_be_disabled() {
        let disabled = json!({"spec": {"auth": {"disableElasticUser": true}}});
        assert!(ClusterSpec::read(&disabled).elastic_user_disabled);
        assert!(!ClusterSpec::read(&json!({"spec": {"auth": {}}})).elastic_user_disabled);
    }

    fn has_role(config: Value) -> bool {
        let resource = json!({"spec": {"nodeSets": [{"name": "a", "config": config}]}});
        node_set_has_remote_cluster_client(&resource, "a")
    }

    #[test]
    fn roles_are_read_dotted_nested_or_mixed() {
        assert!(has_role(Value::Null));
        assert!(has_role(json!({"node.store.allow_mmap": false})));
        assert!(!has_role(json!({"node.roles": ["master", "data"]})));
        assert!(!has_role(json!({"node": {"roles": []}})));
        assert!(has_role(
            json!({"node": {"roles": ["data", "remote_cluster_client"]}})
        ));
        assert!(!has_role(
            json!({"node": {"roles": ["master"], "store.allow_mmap": false}})
        ));
        assert!(!has_role(json!({"node.remote_cluster_client": false})));
        assert!(!has_role(
            json!({"node": {"remote_cluster_client": "false"}})
        ));
        // node.roles wins over the legacy flag, as in ECK.
        assert!(has_role(json!({"node.roles": ["remote_cluster_client"],
                                "node.remote_cluster_client": false})));
    }

    #[test]
    fn an_unknown_node_set_has_every_role() {
        let resource = json!({"spec": {"nodeSets": [{"name": "a", "config": {"node.roles": []}}]}});
        assert!(node_set_has_remote_cluster_client(&resource, "b"));
        assert!(!node_set_has_remote_cluster_client(&resource, "a"));
    }
}
