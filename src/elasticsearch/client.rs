//! `Elasticsearch`: one cluster reached over HTTPS (or plain HTTP), with the typed calls ecr
//! makes. Reads are retried while they fail for a passing reason; writes are sent once.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use anyhow::Context as _;
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::call::{Call, CallError, Privilege, retry_after};
use super::errors::{self, Target};
use super::portforward::PortForward;
use super::responses::{
    ClusterSettings, Info, License, LicenseAnswer, RemoteClusterInfo, RemoteInfoAnswer,
    ResolveClusterAnswer, ResolvedCluster, SearchAnswer, SettingsUpdated,
};
use crate::error::{Failure, FailureKind};
use crate::k8s::retry::read_with_retries;

/// How long ecr waits for a connection, and for a whole answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// What a client is made of; `access` fills it in.
pub(super) struct Connection {
    pub base: Url,
    pub tls: rustls::ClientConfig,
    pub authorization: HeaderValue,
    pub target: Target,
    /// The loopback port-forward whose address `base`'s host resolves to.
    pub port_forward: Option<PortForward>,
}

/// A client for one Elasticsearch cluster. Dropping it closes its port-forward, if any.
pub struct Elasticsearch {
    http: reqwest::Client,
    base: Url,
    authorization: HeaderValue,
    target: Target,
    port_forward: Option<PortForward>,
}

/// Shows what the client talks to, never its credentials.
impl fmt::Debug for Elasticsearch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Elasticsearch")
            .field("description", &self.target.description)
            .field("ca", &self.target.ca)
            .finish_non_exhaustive()
    }
}

impl Elasticsearch {
    pub(super) fn new(connection: Connection) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(connection.tls)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(ANSWER_TIMEOUT);
        if let (Some(port_forward), Some(host)) =
            (&connection.port_forward, connection.base.host_str())
        {
            // The certificate is checked against the service's name; the bytes go to loopback.
            builder = builder.no_proxy().resolve(host, port_forward.address());
        }
        let http = builder
            .build()
            .context("setting up the HTTP client for Elasticsearch")?;
        Ok(Elasticsearch {
            http,
            base: connection.base,
            authorization: connection.authorization,
            target: connection.target,
            port_forward: connection.port_forward,
        })
    }

    /// What this client talks to, for messages: `cluster-one in ns-one (context kind),
    /// through a port-forward to pod cluster-one-es-default-0`, or the URL.
    pub fn description(&self) -> &str {
        &self.target.description
    }

    /// The URL requests go to (through the port-forward's loopback address, if there is one).
    pub fn url(&self) -> &Url {
        &self.base
    }

    /// `GET /`: the cluster's name and version.
    pub async fn info(&self) -> anyhow::Result<Info> {
        let call = Call::get("", "read the cluster's name and version", MONITOR);
        self.read(&call).await
    }

    /// `GET _license`: its type and status.
    pub async fn license(&self) -> anyhow::Result<License> {
        let call = Call::get("_license", "read the license", MONITOR);
        let answer: LicenseAnswer = self.read(&call).await?;
        Ok(answer.license)
    }

    /// `GET _cluster/settings?flat_settings=true`: persistent and transient settings, flat.
    pub async fn cluster_settings(&self) -> anyhow::Result<ClusterSettings> {
        let call = Call::get("_cluster/settings", "read the cluster settings", MONITOR)
            .with_query("flat_settings=true");
        self.read(&call).await
    }

    /// `PUT _cluster/settings` with this body (`persistent` and `transient` maps of flat keys,
    /// `null` removing one); whether the master acknowledged it. Sent once, never retried.
    pub async fn put_cluster_settings(&self, body: &Value) -> anyhow::Result<SettingsUpdated> {
        let call = Call::get(
            "_cluster/settings",
            "update the cluster settings",
            Privilege::Cluster("manage"),
        )
        .with_method(Method::PUT)
        .with_query("flat_settings=true");
        self.write(&call, body).await
    }

    /// `GET _remote/info`: each remote cluster alias and how its connection stands.
    pub async fn remote_info(&self) -> anyhow::Result<BTreeMap<String, RemoteClusterInfo>> {
        let call = Call::get(
            "_remote/info",
            "read the remote cluster connections",
            MONITOR,
        );
        let answer: RemoteInfoAnswer = self.read(&call).await?;
        Ok(answer)
    }

    /// Whether data flows to the remote cluster `alias` now, which `_remote/info` alone does
    /// not prove: `_resolve/cluster` (8.13+), or, where Elasticsearch does not know it (older
    /// versions answer 400 or 404), a search of nothing on the remote.
    pub async fn data_flows_to(&self, alias: &str) -> anyhow::Result<bool> {
        match self.resolve_cluster(alias).await {
            Ok(resolved) => Ok(resolved.connected),
            Err(error)
                if Failure::is(&error, FailureKind::Invalid)
                    || Failure::is(&error, FailureKind::NotFound) =>
            {
                tracing::debug!("no _resolve/cluster here ({error:#}): searching the remote");
                self.search_nothing_on(alias).await
            }
            Err(error) => Err(error),
        }
    }

    /// `GET ALIAS:*/_search?size=0`: whether the remote took part in a search, unskipped.
    async fn search_nothing_on(&self, alias: &str) -> anyhow::Result<bool> {
        let mut call = Call::get(
            "_search",
            "search the remote cluster",
            Privilege::Index("read"),
        )
        .with_query("size=0");
        call.segments.insert(0, format!("{alias}:*"));
        let answer: SearchAnswer = self.read(&call).await?;
        Ok(answer.clusters.is_some_and(|clusters| {
            clusters.total > 0 && clusters.successful == clusters.total && clusters.skipped == 0
        }))
    }

    /// `GET _resolve/cluster/ALIAS:*` (Elasticsearch 8.13+): whether data flows to the remote
    /// cluster now, which `_remote/info` alone does not prove.
    pub async fn resolve_cluster(&self, alias: &str) -> anyhow::Result<ResolvedCluster> {
        let mut call = Call::get(
            "_resolve/cluster",
            "resolve the remote cluster",
            Privilege::Index("view_index_metadata"),
        );
        call.segments.push(format!("{alias}:*"));
        let mut answer: ResolveClusterAnswer = self.read(&call).await?;
        answer.remove(alias).ok_or_else(|| {
            Failure::new(
                FailureKind::Invalid,
                format!(
                    "Elasticsearch's answer to {call} from {} says nothing of {alias}",
                    self.description()
                ),
            )
            .into()
        })
    }

    /// A read: retried while it fails for a passing reason, explained when it fails for good.
    async fn read<T: DeserializeOwned>(&self, call: &Call) -> anyhow::Result<T> {
        let (result, attempts) = read_with_retries(|| self.send(call, None)).await;
        let body = result.map_err(|error| self.explain(error, call, attempts))?;
        self.decode(call, &body)
    }

    /// A write: sent once; a failure is reported, and the caller re-reads.
    async fn write<T: DeserializeOwned>(&self, call: &Call, body: &Value) -> anyhow::Result<T> {
        let answer = self
            .send(call, Some(body))
            .await
            .map_err(|error| self.explain(error, call, 1))?;
        self.decode(call, &answer)
    }

    async fn send(&self, call: &Call, body: Option<&Value>) -> Result<Vec<u8>, CallError> {
        tracing::debug!("{call} on {}", self.target.description);
        let mut request = self
            .http
            .request(call.method.clone(), call.url(&self.base))
            .header(AUTHORIZATION, self.authorization.clone());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(CallError::Transport)?;
        let status = response.status();
        let retry_after = retry_after(
            response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok()),
        );
        let body = response.bytes().await.map_err(CallError::Transport)?;
        tracing::trace!("{call}: {status}, {} bytes", body.len());
        if status.is_success() {
            return Ok(body.to_vec());
        }
        Err(CallError::Status {
            status,
            retry_after,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    fn decode<T: DeserializeOwned>(&self, call: &Call, body: &[u8]) -> anyhow::Result<T> {
        serde_json::from_slice(body).with_context(|| {
            format!(
                "Elasticsearch's answer to {call} from {} is not what ecr expects",
                self.description()
            )
        })
    }

    fn explain(&self, error: CallError, call: &Call, attempts: usize) -> anyhow::Error {
        let port_forward = self
            .port_forward
            .as_ref()
            .and_then(PortForward::last_failure);
        errors::explain(error, call, &self.target, port_forward, attempts)
    }
}

const MONITOR: Privilege = Privilege::Cluster("monitor");
