//! The emulated ECK held to the real operator's behaviour: the secrets, services and pods it
//! makes, what it restores, its CAs, rolling restarts and load-balancer addresses.

mod common;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Secret, Service};
use kube::api::{Api, DynamicObject, PostParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

use common::{
    ES_GROUP, client, decoded, es_api, list_version, merge_patch, secret, standard, subjects,
    transport_ca_pem,
};
use ecr_sandbox::{ElasticsearchSpec, KubeClusterSpec, Sandbox, SandboxSpec};

#[tokio::test]
async fn eck_publishes_secrets_services_and_pods_for_each_cluster() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let public = secret(api, "ns-one", "cluster-one-es-transport-certs-public");
    let labels = &public["metadata"]["labels"];
    assert_eq!(labels["eck.k8s.elastic.co/owner-name"], "cluster-one");
    assert_eq!(labels["eck.k8s.elastic.co/owner-namespace"], "ns-one");
    assert_eq!(labels["eck.k8s.elastic.co/owner-kind"], "Elasticsearch");
    assert_eq!(labels["common.k8s.elastic.co/type"], "elasticsearch");
    assert_eq!(
        labels["elasticsearch.k8s.elastic.co/cluster-name"],
        "cluster-one"
    );
    assert!(
        public["metadata"].get("ownerReferences").is_none(),
        "soft-owned: no ownerReference"
    );
    assert_eq!(
        subjects(&decoded(&public, "ca.crt")),
        ["OU=cluster-one, CN=cluster-one-transport"]
    );

    let http = secret(api, "ns-one", "cluster-one-es-http-certs-public");
    let tls = decoded(&http, "tls.crt");
    let pem = x509_parser::pem::parse_x509_pem(tls.as_bytes())
        .expect("PEM")
        .1;
    let cert = pem.parse_x509().expect("X.509");
    let sans = cert
        .subject_alternative_name()
        .expect("parses")
        .expect("present")
        .value
        .general_names
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert!(
        sans.contains(&"DNSName(cluster-one-es-http.ns-one.svc)".to_string()),
        "{sans:?}"
    );
    assert!(!sans.iter().any(|s| s.contains("localhost")));

    let user = secret(api, "ns-one", "cluster-one-es-elastic-user");
    let material = api
        .cluster_material("ns-one", "cluster-one")
        .expect("ECK's material");
    assert_eq!(decoded(&user, "elastic"), material.elastic_password);

    let transport = api
        .get_object("", "services", Some("ns-one"), "cluster-one-es-transport")
        .expect("transport service");
    assert_eq!(transport["spec"]["clusterIP"], "None");
    assert_eq!(transport["spec"]["ports"][0]["port"], 9300);
    let http_service = api
        .get_object("", "services", Some("ns-one"), "cluster-one-es-http")
        .expect("HTTP service");
    assert_eq!(http_service["spec"]["ports"][0]["port"], 9200);

    let pod = api
        .get_object("", "pods", Some("ns-two"), "cluster-two-es-default-2")
        .expect("a pod");
    assert_eq!(
        pod["metadata"]["labels"]["elasticsearch.k8s.elastic.co/statefulset-name"],
        "cluster-two-es-default"
    );
    assert_eq!(pod["status"]["phase"], "Running");
    let es = api
        .get_object(ES_GROUP, "elasticsearches", Some("ns-one"), "cluster-one")
        .expect("the resource");
    assert_eq!(
        es["status"],
        json!({"availableNodes": 3, "health": "green", "phase": "Ready", "version": "8.17.0", "observedGeneration": 1,
            "inProgressOperations": {"downscale": {"lastUpdatedTime": null},
                "upgrade": {"lastUpdatedTime": null}, "upscale": {"lastUpdatedTime": null}}})
    );
}

#[tokio::test]
async fn eck_restores_what_clients_delete_and_follows_new_clusters() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "ns-one");
    secrets
        .delete("cluster-one-es-transport-certs-public", &Default::default())
        .await
        .expect("deleted");
    assert!(
        secrets
            .get("cluster-one-es-transport-certs-public")
            .await
            .is_ok(),
        "ECK recreates it"
    );

    let resource: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch",
        "metadata": {"name": "cluster-three", "namespace": "ns-one"},
        "spec": {"version": "8.17.0", "nodeSets": [{"name": "hot", "count": 1}]}
    }))
    .expect("a resource");
    es_api(&client, "ns-one")
        .create(&PostParams::default(), &resource)
        .await
        .expect("created");
    assert!(secrets.get("cluster-three-es-elastic-user").await.is_ok());
    es_api(&client, "ns-one")
        .delete("cluster-three", &Default::default())
        .await
        .expect("deleted");
    assert!(
        secrets
            .get_opt("cluster-three-es-transport-certs-public")
            .await
            .expect("a read")
            .is_none()
    );
}

#[tokio::test]
async fn extra_transport_cas_join_the_public_secret_and_rotation_replaces_the_own() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let other = transport_ca_pem(api, "ns-two", "cluster-two");
    api.put_object("", "configmaps", json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "remote-cas", "namespace": "ns-one", "labels": {"eck.k8s.elastic.co/watched": "true"}},
        "data": {"ca.crt": other}}));
    let client = client(&sandbox).await;
    let patch = json!({"spec": {"transport": {"tls": {"certificateAuthorities": {"configMapName": "remote-cas"}}}}});
    merge_patch(&es_api(&client, "ns-one"), "cluster-one", patch).await;
    let public = || {
        decoded(
            &secret(api, "ns-one", "cluster-one-es-transport-certs-public"),
            "ca.crt",
        )
    };
    assert_eq!(
        subjects(&public()),
        [
            "OU=cluster-one, CN=cluster-one-transport",
            "OU=cluster-two, CN=cluster-two-transport"
        ]
    );
    assert_eq!(
        api.rolling_restarts("ns-one", "cluster-one"),
        0,
        "extra CAs roll no pods"
    );

    let before = transport_ca_pem(api, "ns-one", "cluster-one");
    api.rotate_transport_ca("ns-one", "cluster-one");
    let after = transport_ca_pem(api, "ns-one", "cluster-one");
    assert_ne!(before, after);
    assert!(public().starts_with(&after));
}

#[tokio::test]
async fn pod_template_changes_count_as_rolling_restarts_unless_paused() {
    let sandbox = standard().await;
    let api = sandbox.api("sandbox");
    let client = client(&sandbox).await;
    let es = es_api(&client, "ns-one");
    let config = json!({"spec": {"nodeSets": [{"name": "default", "count": 3,
        "config": {"xpack.security.transport.ssl.certificate_authorities": ["/usr/share/elasticsearch/config/ecr/ca.crt"]}}]}});
    merge_patch(&es, "cluster-one", config).await;
    assert_eq!(api.rolling_restarts("ns-one", "cluster-one"), 1);
    let rendered = decoded(
        &secret(api, "ns-one", "cluster-one-es-default-es-config"),
        "elasticsearch.yml",
    );
    let rendered: Value = serde_yaml::from_str(&rendered).expect("YAML");
    assert_eq!(
        rendered["xpack"]["security"]["transport"]["ssl"]["certificate_authorities"],
        json!([
            "/usr/share/elasticsearch/config/transport-certs/ca.crt",
            "/usr/share/elasticsearch/config/transport-remote-certs/ca.crt",
            "/usr/share/elasticsearch/config/ecr/ca.crt",
        ]),
        "ECK appends the user's list to its own"
    );
    let lb = json!({"spec": {"transport": {"service": {"spec": {"type": "LoadBalancer"}}}}});
    let patched = merge_patch(&es, "cluster-one", lb).await;
    assert_eq!(
        api.rolling_restarts("ns-one", "cluster-one"),
        1,
        "service changes roll nothing"
    );
    assert_eq!(patched.metadata.generation, Some(3));

    let pause = json!({"metadata": {"annotations": {"eck.k8s.elastic.co/pause-orchestration": "true"}},
        "spec": {"nodeSets": [{"name": "default", "count": 3, "podTemplate": {"metadata": {"labels": {"a": "b"}}}}]}});
    merge_patch(&es, "cluster-one", pause).await;
    assert_eq!(
        api.rolling_restarts("ns-one", "cluster-one"),
        1,
        "paused: ECK does not act"
    );
    let resume =
        json!({"metadata": {"annotations": {"eck.k8s.elastic.co/pause-orchestration": null}}});
    merge_patch(&es, "cluster-one", resume).await;
    assert_eq!(api.rolling_restarts("ns-one", "cluster-one"), 2);
}

#[tokio::test]
async fn the_transport_service_gets_a_load_balancer_address_as_a_watch_event() {
    let sandbox = standard().await;
    let client = client(&sandbox).await;
    let services: Api<Service> = Api::namespaced(client.clone(), "ns-one");
    let version = list_version(&services).await;
    let lb = json!({"spec": {"transport": {"service": {"spec": {"type": "LoadBalancer"}}}}});
    merge_patch(&es_api(&client, "ns-one"), "cluster-one", lb).await;

    let watch = services
        .watch(
            &WatchParams::default()
                .fields("metadata.name=cluster-one-es-transport")
                .timeout(5),
            &version,
        )
        .await
        .expect("a watch");
    let mut watch = Box::pin(watch);
    let mut seen = Vec::new();
    let address = loop {
        let event = watch
            .next()
            .await
            .expect("an event before the timeout")
            .expect("no error");
        let (kind, service) = match event {
            WatchEvent::Added(s) => ("ADDED", s),
            WatchEvent::Modified(s) => ("MODIFIED", s),
            WatchEvent::Deleted(s) => ("DELETED", s),
            other => panic!("unexpected {other:?}"),
        };
        seen.push(kind);
        let ingress = service
            .status
            .and_then(|s| s.load_balancer)
            .and_then(|lb| lb.ingress);
        if let Some(ip) = ingress
            .and_then(|i| i.into_iter().next())
            .and_then(|i| i.ip)
        {
            break ip;
        }
    };
    assert!(address.starts_with("127.0."), "{address}");
    assert_eq!(
        seen,
        ["DELETED", "ADDED", "MODIFIED"],
        "headless to LoadBalancer recreates the service"
    );
}

#[tokio::test]
async fn seeded_clusters_follow_their_spec() {
    let spec = SandboxSpec {
        kube_clusters: vec![KubeClusterSpec::new(
            "k",
            vec![ElasticsearchSpec {
                node_sets: vec![("master".into(), 1), ("data".into(), 2)],
                version: "7.17.20".into(),
                ..ElasticsearchSpec::new("logs", "small")
            }],
        )],
    };
    let sandbox = Sandbox::start(spec).await.expect("the sandbox starts");
    let api = sandbox.api("k");
    let pods: Vec<String> = api
        .list_objects("", "pods", Some("logs"))
        .iter()
        .map(|p| {
            p["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        pods,
        ["small-es-data-0", "small-es-data-1", "small-es-master-0"]
    );
    let es = api
        .get_object(ES_GROUP, "elasticsearches", Some("logs"), "small")
        .expect("the resource");
    assert_eq!(
        (
            es["status"]["availableNodes"].as_u64(),
            es["status"]["version"].as_str()
        ),
        (Some(3), Some("7.17.20"))
    );
}
