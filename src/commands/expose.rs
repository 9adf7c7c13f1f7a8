//! `ecr expose`: step 3 of the recipe, the transport layer behind a LoadBalancer (or a
//! NodePort), and its address printed the moment Kubernetes reports it.

use std::time::Duration;

use clap::Args;
use k8s_openapi::api::core::v1::Service;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::eck;
use crate::expose::{self, Address, Exposure, ServiceType};
use crate::k8s::Kube;
use crate::output::OutputFormat;
use crate::plan::{self, Clients, Outcome};

/// Expose a cluster's transport layer and print its address (step 3 of the recipe)
///
/// Sets spec.transport.service.spec.type (and any --annotation on
/// spec.transport.service.metadata) of the Elasticsearch resource, keeping everything else in
/// spec.transport. This does not restart pods, but ECK recreates (or the cloud re-provisions)
/// the transport service, so it is confirmed like any change. Then it watches the service
/// CLUSTER-es-transport until it has an address and prints ADDRESS:PORT alone on stdout, so
/// that `$(ecr expose ...)` works. For NodePort it prints the node port: any node's address
/// serves.
#[derive(Debug, Args)]
pub struct ExposeArgs {
    /// The Elasticsearch cluster whose transport layer to expose
    pub cluster: String,

    /// How to expose it
    #[arg(long = "type", value_enum, default_value_t = ServiceType::LoadBalancer)]
    pub service_type: ServiceType,

    /// An annotation for the transport service (repeatable), e.g. for an internal load
    /// balancer: service.beta.kubernetes.io/aws-load-balancer-scheme=internal,
    /// networking.gke.io/load-balancer-type=Internal,
    /// service.beta.kubernetes.io/azure-load-balancer-internal=true
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = expose::parse_annotation)]
    pub annotations: Vec<(String, String)>,

    /// How long to wait for the address, e.g. 90s or 5m
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    /// Return once the change is made, without waiting for the address
    #[arg(long)]
    pub no_wait: bool,
}

pub async fn run(args: &ExposeArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let output = global.output();
    let exposure = Exposure {
        service_type: args.service_type,
        annotations: args.annotations.iter().cloned().collect(),
    };
    let kube = Kube::connect(&global.location()).await?;
    let approval = global.approval();
    let clients = Clients::default().with_kube(&kube);
    let outcome = plan::carry_out(&output, approval, &clients, || {
        expose::plan_expose(&kube, &args.cluster, &exposure)
    })
    .await?;
    let goal = format!(
        "the transport layer of {} is exposed as a {}",
        args.cluster, exposure.service_type
    );
    outcome.announce(&output, &goal);
    if matches!(outcome, Outcome::DryRun(_)) || args.no_wait {
        return print_result(&output, &outcome, &args.cluster, &exposure, None);
    }
    let service = eck::transport_service(&args.cluster);
    let spinner = output.spinner(format!(
        "waiting for the service {service} to get an address"
    ));
    let wanted = exposure.service_type;
    let ready = move |service: Option<&Service>| {
        service
            .and_then(|s| expose::address_of(s, wanted))
            .is_some()
    };
    let found = kube
        .wait_for::<Service>(&service, args.timeout, ready)
        .await?;
    spinner.finish_and_clear();
    let address = found
        .and_then(|service| expose::address_of(&service, wanted))
        .ok_or_else(|| {
            expose::timed_out(
                &kube,
                &args.cluster,
                &exposure,
                &humantime::format_duration(args.timeout).to_string(),
            )
        })?;
    if let Address::NodePort { node_port } = &address {
        output.status(
            "NodePort",
            format!("{node_port}: any node's address serves, as NODE_ADDRESS:{node_port}"),
        );
    }
    print_result(&output, &outcome, &args.cluster, &exposure, Some(&address))
}

/// `ADDRESS:PORT` (or the node port) alone on stdout; with `-o json`, the service, its type,
/// address and port, and what was changed.
fn print_result(
    output: &crate::output::Output,
    outcome: &Outcome,
    cluster: &str,
    exposure: &Exposure,
    address: Option<&Address>,
) -> anyhow::Result<()> {
    match output.format() {
        OutputFormat::Text => match address {
            Some(address) => output.bytes(format!("{address}\n").as_bytes()),
            None => Ok(()),
        },
        OutputFormat::Json => {
            let (host, port) = match address {
                Some(Address::LoadBalancer { host, port }) => (Some(host.clone()), Some(*port)),
                Some(Address::NodePort { node_port }) => (None, Some(*node_port)),
                None => (None, None),
            };
            let mut report = outcome.to_json();
            report.insert("service".into(), json!(eck::transport_service(cluster)));
            report.insert("type".into(), json!(exposure.service_type.as_str()));
            report.insert("address".into(), json!(host));
            report.insert("port".into(), json!(port));
            output.json(&report)
        }
    }
}
