//! A port-forward to a pod's HTTP port (HTTPS or plain) as a loopback address: each connection
//! accepted on 127.0.0.1 gets its own port-forward through the API server, and all stop when
//! it is dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::error::{Failure, FailureKind};
use crate::k8s::Kube;

/// The pod a port-forward leads to, and the last reason a connection through it failed.
#[derive(Clone)]
struct ForwardedPod {
    kube: Kube,
    pod: String,
    port: u16,
    last_failure: Arc<Mutex<Option<Failure>>>,
}

impl ForwardedPod {
    fn record(&self, failure: Failure) {
        tracing::debug!("port-forward to {}: {failure}", self.pod);
        *self
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(failure);
    }
}

/// A loopback listener forwarding to `port` of a pod; stops accepting, and closes every
/// connection, when dropped.
pub struct PortForward {
    address: SocketAddr,
    forwarded: ForwardedPod,
    accepting: JoinHandle<()>,
}

impl PortForward {
    /// Listens on 127.0.0.1 (an unused port); opens nothing until a connection comes.
    pub async fn start(kube: &Kube, pod: &str, port: u16) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("listening on a loopback port for the port-forward")?;
        let address = listener
            .local_addr()
            .context("reading the port-forward's loopback address")?;
        let forwarded = ForwardedPod {
            kube: kube.clone(),
            pod: pod.to_string(),
            port,
            last_failure: Arc::default(),
        };
        let accepting = tokio::spawn(accept(listener, forwarded.clone()));
        Ok(PortForward {
            address,
            forwarded,
            accepting,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Why the last connection through the port-forward failed, if one did.
    pub fn last_failure(&self) -> Option<Failure> {
        self.forwarded
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for PortForward {
    fn drop(&mut self) {
        // The accept loop owns the connections' tasks: aborting it drops them, and each
        // dropped stream makes kube close its WebSocket.
        self.accepting.abort();
    }
}

async fn accept(listener: TcpListener, forwarded: ForwardedPod) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    connections.spawn(forward(client, forwarded.clone()));
                }
                Err(error) => {
                    forwarded.record(Failure::new(
                        FailureKind::Unavailable,
                        format!("the loopback listener failed: {error}"),
                    ));
                    return;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Carries one loopback connection through its own port-forward until either side closes,
/// or the kubelet reports that the pod's port cannot be reached.
async fn forward(mut client: TcpStream, forwarded: ForwardedPod) {
    let mut forwarder =
        match forwarded
            .kube
            .port_forward(&forwarded.pod, &[forwarded.port])
            .await
        {
            Ok(forwarder) => forwarder,
            Err(error) => {
                forwarded.record(Failure::find(&error).cloned().unwrap_or_else(|| {
                    Failure::new(FailureKind::Unavailable, format!("{error:#}"))
                }));
                return;
            }
        };
    let (Some(mut upstream), Some(refusal)) = (
        forwarder.take_stream(forwarded.port),
        forwarder.take_error(forwarded.port),
    ) else {
        return;
    };
    tokio::select! {
        copied = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {
            if let Err(error) = copied {
                tracing::debug!("port-forward connection to {} ended: {error}", forwarded.pod);
            }
        }
        Some(message) = refusal => {
            forwarded.record(Failure::new(FailureKind::Unavailable, message.trim().to_string()));
        }
    }
}
