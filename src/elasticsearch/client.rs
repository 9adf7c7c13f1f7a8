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
use super::errors::{self, ConnectionFacts};
use super::portforward::PortForward;
use super::responses::{
    ClusterSettings, Info, License, LicenseAnswer, RemoteClusterInfo, RemoteInfoAnswer,
    ResolveClusterAnswer, ResolvedCluster, SearchAnswer, SettingsUpdated,
};
use crate::error::{Failure, FailureKind};
use crate::retry::read_with_retries;

/// How long ecr waits for a connection, and for a whole answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// How long Elasticsearch may try to reach a remote for one probe (where it takes a
/// timeout), and how long ecr waits for the probe's answer: a probe is repeated, so each is
/// short (a remote that does not answer can hold a request for its connect timeout, 30 s).
const PROBE_REMOTE_TIMEOUT: &str = "5s";
const PROBE_ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// What a probe of a remote cluster found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkProbe {
    /// Whether the remote answered the cross-cluster request.
    pub connected: bool,
    /// What Elasticsearch says went wrong, when it says.
    pub error: Option<String>,
}

/// Whether the version `8.18.1` is `minimum` or later.
pub fn at_least(version: &str, minimum: (u32, u32)) -> bool {
    let mut parts = version
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found >= minimum
}

/// What a client is made of; `access` fills it in.
pub(super) struct Connection {
    pub base: Url,
    pub tls: rustls::ClientConfig,
    pub authorization: HeaderValue,
    pub facts: ConnectionFacts,
    /// The loopback port-forward whose address `base`'s host resolves to.
    pub port_forward: Option<PortForward>,
}

/// A client for one Elasticsearch cluster. Dropping it closes its port-forward, if any.
pub struct Elasticsearch {
    http: reqwest::Client,
    base: Url,
    authorization: HeaderValue,
    facts: ConnectionFacts,
    port_forward: Option<PortForward>,
    /// `GET /`, read once: the name and version do not change while ecr runs.
    info: tokio::sync::OnceCell<Info>,
}

/// Shows what the client talks to, never its credentials.
impl fmt::Debug for Elasticsearch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Elasticsearch")
            .field("description", &self.facts.description)
            .field("ca", &self.facts.ca)
            .finish_non_exhaustive()
    }
}

impl Elasticsearch {
    pub(super) fn new(connection: Connection) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .user_agent(crate::USER_AGENT)
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
            facts: connection.facts,
            port_forward: connection.port_forward,
            info: tokio::sync::OnceCell::new(),
        })
    }

    /// What this client talks to, for messages: `cluster-one in ns-one (context kind),
    /// through a port-forward to pod cluster-one-es-default-0`, or the URL.
    pub fn description(&self) -> &str {
        &self.facts.description
    }

    /// The URL requests go to (through the port-forward's loopback address, if there is one).
    pub fn url(&self) -> &Url {
        &self.base
    }

    /// `GET /`: the cluster's name and version (asked once per client).
    pub async fn info(&self) -> anyhow::Result<Info> {
        let call = Call::get("", "read the cluster's name and version", MONITOR);
        let info = self.info.get_or_try_init(|| self.read(&call)).await?;
        Ok(info.clone())
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

    /// Asks Elasticsearch to reach the remote cluster `alias` now, and whether data flows:
    /// `_resolve/cluster/ALIAS:*` (8.13+), or, where Elasticsearch does not know it (older
    /// versions answer 400), a search of nothing on the remote. Either is a cross-cluster
    /// request, which makes Elasticsearch connect again to a remote whose last attempt failed;
    /// `_remote/info` never does (ES: `RemoteClusterService.DisconnectedStrategy`). Sent once,
    /// and bounded: Elasticsearch may otherwise wait for the remote's connect timeout.
    pub async fn probe_remote(&self, alias: &str, version: &str) -> anyhow::Result<LinkProbe> {
        match self.resolve_cluster(alias, version).await {
            Ok(resolved) => Ok(LinkProbe {
                connected: resolved.reached(),
                error: resolved.error,
            }),
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
    async fn search_nothing_on(&self, alias: &str) -> anyhow::Result<LinkProbe> {
        let mut call = Call::get(
            "_search",
            "search the remote cluster",
            Privilege::Index("read"),
        )
        .with_query("size=0")
        .with_timeout(PROBE_ANSWER_TIMEOUT);
        call.segments.insert(0, format!("{alias}:*"));
        let answer: SearchAnswer = self.once(&call, None).await?;
        let connected = answer.clusters.is_some_and(|clusters| {
            clusters.total > 0 && clusters.successful == clusters.total && clusters.skipped == 0
        });
        Ok(LinkProbe {
            connected,
            error: None,
        })
    }

    /// `GET _resolve/cluster/ALIAS:*` (Elasticsearch 8.13+), with `?timeout=` where the
    /// version has it (8.18+, ES: `RestResolveClusterAction`).
    pub async fn resolve_cluster(
        &self,
        alias: &str,
        version: &str,
    ) -> anyhow::Result<ResolvedCluster> {
        let mut call = Call::get(
            "_resolve/cluster",
            "resolve the remote cluster",
            Privilege::Index("view_index_metadata"),
        )
        .with_timeout(PROBE_ANSWER_TIMEOUT);
        if at_least(version, (8, 18)) {
            call = call.with_query(format!("timeout={PROBE_REMOTE_TIMEOUT}"));
        }
        call.segments.push(format!("{alias}:*"));
        let mut answer: ResolveClusterAnswer = self.once(&call, None).await?;
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
    pub(super) async fn read<T: DeserializeOwned>(&self, call: &Call) -> anyhow::Result<T> {
        let (result, attempts) = read_with_retries(|| self.send(call, None)).await;
        let body = result.map_err(|error| self.explain(error, call, attempts))?;
        self.decode(call, &body)
    }

    /// A write: sent once; a failure is reported, and the caller re-reads.
    pub(super) async fn write<T: DeserializeOwned>(
        &self,
        call: &Call,
        body: &Value,
    ) -> anyhow::Result<T> {
        self.once(call, Some(body)).await
    }

    /// A call sent once (a write, or a probe that its caller repeats).
    async fn once<T: DeserializeOwned>(
        &self,
        call: &Call,
        body: Option<&Value>,
    ) -> anyhow::Result<T> {
        let answer = self
            .send(call, body)
            .await
            .map_err(|error| self.explain(error, call, 1))?;
        self.decode(call, &answer)
    }

    async fn send(&self, call: &Call, body: Option<&Value>) -> Result<Vec<u8>, CallError> {
        tracing::debug!("{call} on {}", self.facts.description);
        let mut request = self
            .http
            .request(call.method.clone(), call.url(&self.base))
            .header(AUTHORIZATION, self.authorization.clone());
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(timeout) = call.timeout {
            request = request.timeout(timeout);
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
        errors::explain(error, call, &self.facts, port_forward, attempts)
    }
}

const MONITOR: Privilege = Privilege::Cluster("monitor");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_major_and_minor() {
        assert!(at_least("8.18.0", (8, 18)));
        assert!(at_least("9.0.1", (8, 18)));
        assert!(!at_least("8.17.4", (8, 18)));
        assert!(!at_least("unknown", (8, 18)));
    }
}
