use proptest::prelude::*;
use serde_json::json;

use super::*;

fn access(search: &[&str], replication: &[&str]) -> KeyAccess {
    let owned = |names: &[&str]| names.iter().map(ToString::to_string).collect::<Vec<_>>();
    KeyAccess::new(&owned(search), &owned(replication)).unwrap()
}

fn link() -> KeyUse {
    KeyUse {
        namespace: "ns-one".into(),
        cluster: "cluster-one".into(),
        alias: "two".into(),
    }
}

fn key(id: &str, access: Value) -> ApiKeyInfo {
    ApiKeyInfo {
        id: id.into(),
        name: Some(link().key_name()),
        kind: Some("cross_cluster".into()),
        creation: Some(1),
        expiration: None,
        invalidated: false,
        access: Some(access),
        metadata: Some(link().metadata()),
    }
}

/// A keys Secret as the API server returns it: `data` values base64 of the encoded key.
fn secret_holding(alias: &str, id: &str) -> Value {
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    json!({"metadata": {"name": "cluster-one-ecr-remote-keys"},
        "data": {credentials_setting(alias): b64(&b64(&format!("{id}:s3cr3t"))), "other": "eA=="}})
}

#[test]
fn access_needs_a_pattern_and_patterns_one_at_a_time() {
    assert!(KeyAccess::new(&[], &[]).is_err());
    let comma = KeyAccess::new(&["a,b".into()], &[]).unwrap_err();
    assert_eq!(comma.message, "\"a,b\" is not an index pattern");
    assert!(KeyAccess::new(&[" ".into()], &[]).is_err());
}

#[test]
fn access_is_requested_sorted_and_without_empty_kinds() {
    let wanted = access(&["metrics-*", "logs-*", "logs-*"], &[]);
    assert_eq!(
        wanted.to_json(),
        json!({"search": [{"names": ["logs-*", "metrics-*"]}]})
    );
    assert_eq!(wanted.describe(), "search logs-*, metrics-*");
    assert_eq!(access(&["a"], &["b"]).describe(), "search a; replication b");
}

#[test]
fn granted_access_is_compared_by_names_and_refuses_extras() {
    let wanted = access(&["logs-*"], &["leader"]);
    let shown = json!({"search": [{"names": ["logs-*"], "allow_restricted_indices": false}],
        "replication": [{"names": ["leader"]}]});
    assert!(wanted.is_granted_by(&shown));
    let with_query = json!({"search": [{"names": ["logs-*"], "query": {"match_all": {}}}],
        "replication": [{"names": ["leader"]}]});
    assert!(!wanted.is_granted_by(&with_query));
    assert!(!wanted.is_granted_by(&json!({"search": [{"names": ["logs-*"]}]})));
    let split = json!({"search": [{"names": ["b"]}, {"names": ["a"]}]});
    assert!(access(&["a", "b"], &[]).is_granted_by(&split));
}

#[test]
fn keys_are_named_for_their_use_and_never_like_eck() {
    let request = link().key_request(&access(&["logs-*"], &[]), Some("30d"));
    assert_eq!(request["name"], "ecr-ns-one-cluster-one-two");
    assert_eq!(request["expiration"], "30d");
    assert_eq!(
        request["metadata"],
        json!({"ecr_link": {"namespace": "ns-one", "cluster": "cluster-one", "alias": "two"}})
    );
    assert!(!link().key_name().starts_with("eck-"));
    assert!(link().made_for(&key("k", json!({}))));
    let foreign = ApiKeyInfo {
        metadata: None,
        ..key("k", json!({}))
    };
    assert!(!link().made_for(&foreign));
}

#[test]
fn the_installed_key_id_is_read_and_its_secret_dropped() {
    let secret = secret_holding("two", "key-1");
    assert_eq!(
        installed_key_id(Some(&secret), "two").as_deref(),
        Some("key-1")
    );
    assert_eq!(installed_key_id(Some(&secret), "three"), None);
    assert_eq!(installed_key_id(None, "two"), None);
    let garbled = json!({"data": {credentials_setting("two"): "!!"}});
    assert_eq!(installed_key_id(Some(&garbled), "two"), None);
}

#[test]
fn a_working_key_with_the_wanted_access_is_kept() {
    let wanted = access(&["logs-*"], &[]);
    let installed = key("k1", wanted.to_json());
    assert_eq!(
        decide(Some("k1"), Some(&installed), &wanted, false, 10),
        KeyDecision::Keep { id: "k1".into() }
    );
    assert_eq!(
        decide(
            Some("k1"),
            Some(&installed),
            &access(&["other"], &[]),
            false,
            10
        ),
        KeyDecision::UpdateAccess { id: "k1".into() }
    );
    assert_eq!(
        decide(Some("k1"), Some(&installed), &wanted, true, 10),
        KeyDecision::Create {
            superseded: Some("k1".into())
        },
        "--rotate-key makes a new one"
    );
}

#[test]
fn a_key_that_cannot_work_is_replaced() {
    let wanted = access(&["logs-*"], &[]);
    let expired = ApiKeyInfo {
        expiration: Some(5),
        ..key("k1", wanted.to_json())
    };
    let replace = KeyDecision::Create {
        superseded: Some("k1".into()),
    };
    assert_eq!(
        decide(Some("k1"), Some(&expired), &wanted, false, 10),
        replace
    );
    assert_eq!(decide(Some("k1"), None, &wanted, false, 10), replace);
    let rest = ApiKeyInfo {
        kind: Some("rest".into()),
        ..key("k1", wanted.to_json())
    };
    assert_eq!(decide(Some("k1"), Some(&rest), &wanted, false, 10), replace);
    assert_eq!(
        decide(None, None, &wanted, false, 10),
        KeyDecision::Create { superseded: None }
    );
}

#[test]
fn the_keys_secret_gets_a_slot_and_keeps_the_rest() {
    let created = secret_with_key_slot(None, "ns-one", "cluster-one-ecr-remote-keys", "two");
    assert_eq!(created["data"][credentials_setting("two")], Value::Null);
    assert_eq!(
        created["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "ecr"
    );
    let existing = secret_holding("three", "k3");
    let edited = secret_with_key_slot(Some(&existing), "ns-one", "x", "two");
    assert_eq!(edited["data"]["other"], "eA==");
    assert_eq!(
        edited["data"][credentials_setting("three")],
        existing["data"][credentials_setting("three")]
    );
    let without = secret_without_key(&edited, "three");
    assert!(without["data"].get(credentials_setting("three")).is_none());
    assert_eq!(without["data"]["other"], "eA==");
}

#[test]
fn secure_settings_and_the_remote_cluster_server_are_added_once() {
    let spec = json!({"secureSettings": [{"secretName": "s3", "entries": [{"key": "a"}]}],
        "nodeSets": []});
    let with = spec_with_secure_settings(&spec, "k");
    assert_eq!(
        with["secureSettings"],
        json!([{"secretName": "s3", "entries": [{"key": "a"}]}, {"secretName": "k"}])
    );
    assert_eq!(spec_with_secure_settings(&with, "k"), with);
    let served = spec_with_remote_cluster_server(
        &json!({"remoteClusterServer": {"service": {"metadata": {"labels": {"a": "b"}}}}}),
        ServerExposure::EckService,
    );
    assert!(eck_exposes_server(&served));
    assert!(remote_cluster_server_enabled(&served));
    assert_eq!(
        served["remoteClusterServer"]["service"]["metadata"]["labels"]["a"],
        "b"
    );
    assert_eq!(
        served["remoteClusterServer"]["service"]["spec"]["type"],
        "LoadBalancer"
    );
    assert!(!remote_cluster_server_enabled(&json!({})));
}

#[test]
fn licenses_below_enterprise_are_refused_naming_the_side() {
    assert!(check_license("remote", "two", "trial", "active").is_ok());
    assert!(check_license("remote", "two", "enterprise", "active").is_ok());
    let basic = check_license("remote", "two", "basic", "active").unwrap_err();
    assert_eq!(
        basic.message,
        "the remote cluster two has the license basic (active): API-key remote clusters need an \
         active enterprise or trial license on both clusters"
    );
    assert!(check_license("local", "one", "platinum", "active").is_err());
    assert!(check_license("local", "one", "trial", "expired").is_err());
}

#[test]
fn moving_a_certificate_link_says_what_it_costs_and_an_api_key_link_costs_nothing() {
    let info = |credentials: Option<&str>| RemoteClusterInfo {
        connected: true,
        mode: "proxy".into(),
        proxy_address: Some("10.0.0.2:9300".into()),
        server_name: None,
        num_proxy_sockets_connected: Some(18),
        max_proxy_socket_connections: Some(18),
        skip_unavailable: false,
        seeds: Vec::new(),
        num_nodes_connected: None,
        cluster_credentials: credentials.map(str::to_string),
    };
    let warning = migration_warning("two", "one", Some(&info(None))).unwrap();
    assert!(
        warning.starts_with(
            "the alias two is a certificate-based link now (proxy mode, 10.0.0.2:9300)"
        ),
        "{warning}"
    );
    assert!(
        warning.contains("connect under another --alias"),
        "{warning}"
    );
    assert_eq!(
        migration_warning("two", "one", Some(&info(Some("::es_redacted::")))),
        None
    );
    assert_eq!(migration_warning("two", "one", None), None);
}

#[test]
fn names_follow_eck() {
    assert_eq!(remote_cluster_service("two"), "two-es-remote-cluster");
    assert_eq!(server_name("two", "ns"), "two-es-remote-cluster.ns.svc");
    assert_eq!(keys_secret("one"), "one-ecr-remote-keys");
    assert_eq!(credentials_setting("two"), "cluster.remote.two.credentials");
}

proptest! {
    /// Whatever the order and repetition of the patterns given, the key asked for grants
    /// exactly them, so that a re-run with the same patterns keeps it.
    #[test]
    fn a_requested_access_is_granted_by_itself(
        search in proptest::collection::vec("[a-z*-]{1,8}", 0..4),
        replication in proptest::collection::vec("[a-z*-]{1,8}", 0..4),
    ) {
        prop_assume!(!search.is_empty() || !replication.is_empty());
        let wanted = KeyAccess::new(&search, &replication).unwrap();
        prop_assert!(wanted.is_granted_by(&wanted.to_json()));
        let mut reversed = search.clone();
        reversed.reverse();
        prop_assert_eq!(KeyAccess::new(&reversed, &replication).unwrap(), wanted);
    }

    /// The id of any installed key is read back, whatever its secret part holds.
    #[test]
    fn installed_ids_are_read_back(id in "[A-Za-z0-9_-]{1,20}", secret in ".{0,30}") {
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        let stored = json!({"data": {credentials_setting("a"): b64(&b64(&format!("{id}:{secret}")))}});
        prop_assert_eq!(installed_key_id(Some(&stored), "a"), Some(id));
    }
}

#[test]
fn before_eck_3_3_the_server_is_enabled_and_exposed_by_a_service_of_ecrs_own() {
    let served = spec_with_remote_cluster_server(&json!({}), ServerExposure::OwnService);
    assert_eq!(served, json!({"remoteClusterServer": {"enabled": true}}));
    assert!(remote_cluster_server_enabled(&served) && !eck_exposes_server(&served));
    let service = own_server_service("two", "ns-two");
    assert_eq!(service["metadata"]["name"], "two-ecr-remote-cluster");
    assert!(
        !service["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("two-es-")
    );
    assert_eq!(service["spec"]["type"], "LoadBalancer");
    assert_eq!(
        service["spec"]["selector"]["elasticsearch.k8s.elastic.co/cluster-name"],
        "two"
    );
    assert_eq!(service["spec"]["ports"][0]["targetPort"], 9443);
}
