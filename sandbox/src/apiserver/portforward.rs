//! Port-forwards through the API server (`pods/NAME/portforward`), as kube-rs opens them: a
//! WebSocket speaking `v5`/`v4.channel.k8s.io`, whose ports reach what the kubelet says
//! listens in the pod ([`PodConnections`]: port 9200, the pod's emulated Elasticsearch).
//!
//! The channel protocol, as the kubelet speaks it: every binary message starts with its
//! channel byte; port `i` of the request has data channel `2i` and error channel `2i + 1`,
//! and each channel first carries its port as two little-endian bytes. A port that cannot be
//! reached gets the kubelet's message on its error channel. The sandbox serves no transport
//! protocol, so port 9300 is refused like any port the pod does not listen on. kubectl's
//! SPDY (and SPDY-over-WebSocket) port-forwards are not emulated: they get a 400 saying so.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, body::Body};
use futures::{SinkExt, StreamExt};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, WriteHalf};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::auth::{Attributes, User};
use super::handle::KubeApi;
use super::handle::PodConnections;
use super::json;
use super::resources::PODS;
use super::status::ApiError;

/// The subprotocols served, preferred first.
const PROTOCOLS: [&str; 2] = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
/// v5's channel for closing one direction of a stream: `[255, channel]`.
const CLOSE_CHANNEL: u8 = 255;
/// How many frames wait to be sent before the pods' readers pause.
const FRAME_BACKLOG: usize = 16;
const READ_BUFFER: usize = 32 * 1024;

type Params = Vec<(String, String)>;

/// `GET|POST /api/v1/namespaces/NS/pods/POD/portforward?ports=P1,P2`.
pub async fn open(
    State(api): State<KubeApi>,
    Extension(user): Extension<Arc<User>>,
    Path((namespace, pod)): Path<(String, String)>,
    Query(params): Query<Params>,
    request: Request,
) -> Response {
    start(&api, &user, &namespace, &pod, &params, request)
        .unwrap_or_else(IntoResponse::into_response)
}

fn start(
    api: &KubeApi,
    user: &User,
    namespace: &str,
    pod: &str,
    params: &Params,
    request: Request,
) -> Result<Response, ApiError> {
    user.authorize(&Attributes {
        verb: "create",
        rt: &PODS,
        subresource: Some("portforward"),
        namespace: Some(namespace),
        name: Some(pod),
    })?;
    let pod = api
        .inner
        .store
        .get(&PODS, namespace, pod)
        .ok_or_else(|| ApiError::not_found(&PODS, pod))?;
    let (accept, protocol) = websocket_handshake(request.headers())?;
    let ports = requested_ports(params)?;
    let target = PodTarget::new(api, &pod);
    let upgrade = hyper::upgrade::on(request);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else {
            return;
        };
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        forward(socket, &ports, &target).await;
    });
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    headers.insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol),
    );
    Ok(response)
}

/// The `ports` parameters (repeatable, comma-separated), as the API server checks them.
fn requested_ports(params: &Params) -> Result<Vec<u16>, ApiError> {
    let ports: Vec<u16> = params
        .iter()
        .filter(|(key, _)| key == "ports")
        .flat_map(|(_, value)| value.split(','))
        .map(|port| {
            port.trim()
                .parse()
                .ok()
                .filter(|port| *port != 0)
                .ok_or_else(|| ApiError::bad_request(format!("invalid port: {port:?}")))
        })
        .collect::<Result<_, _>>()?;
    if ports.is_empty() {
        return Err(ApiError::bad_request("at least 1 port must be specified"));
    }
    Ok(ports)
}

/// Checks a WebSocket upgrade request: the `Sec-WebSocket-Accept` answer and the chosen
/// subprotocol.
fn websocket_handshake(headers: &HeaderMap) -> Result<(HeaderValue, &'static str), ApiError> {
    let has = |name: header::HeaderName, wanted: &str| {
        headers.get_all(name).iter().any(|value| {
            value.to_str().is_ok_and(|value| {
                value
                    .split(',')
                    .any(|token| token.trim().eq_ignore_ascii_case(wanted))
            })
        })
    };
    if !has(header::CONNECTION, "upgrade") || !headers.contains_key(header::UPGRADE) {
        return Err(ApiError::bad_request("Upgrade request required"));
    }
    let unsupported = || {
        ApiError::bad_request(format!(
            "unable to upgrade: the sandbox forwards ports over WebSocket with {} (as kube-rs \
             does), not over SPDY",
            PROTOCOLS.join(" or ")
        ))
    };
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .filter(|_| has(header::UPGRADE, "websocket"))
        .ok_or_else(unsupported)?;
    let protocol = PROTOCOLS
        .into_iter()
        .find(|protocol| has(header::SEC_WEBSOCKET_PROTOCOL, protocol))
        .ok_or_else(unsupported)?;
    let accept = HeaderValue::from_str(&derive_accept_key(key.as_bytes()))
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    Ok((accept, protocol))
}

/// What the pod's ports lead to.
struct PodTarget {
    pods: Arc<dyn PodConnections>,
    /// The pod as stored when the port-forward started.
    pod: serde_json::Value,
    uid: String,
}

impl PodTarget {
    fn new(api: &KubeApi, pod: &serde_json::Value) -> Self {
        PodTarget {
            pods: Arc::clone(&api.inner.pods),
            pod: pod.clone(),
            uid: json::meta_str(pod, "uid").to_string(),
        }
    }

    /// A connection to `port` inside the pod, if something listens there.
    fn connect(&self, port: u16) -> Option<DuplexStream> {
        self.pods.connect(&self.pod, port)
    }

    /// What kubectl shows (and the kubelet sends) when nothing listens on `port`.
    fn refusal(&self, port: u16) -> String {
        let uid = &self.uid;
        format!(
            "an error occurred forwarding {port} -> {port}: error forwarding port {port} to pod {uid}, \
             uid : failed to execute portforward in network namespace \"/var/run/netns/cni-{uid}\": \
             failed to connect to localhost:{port} inside namespace \"{uid}\", IPv4: dial tcp4 \
             127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: \
             connection refused "
        )
    }
}

/// One binary message on a channel.
fn frame(channel: u8, payload: &[u8]) -> Message {
    let mut bytes = Vec::with_capacity(payload.len() + 1);
    bytes.push(channel);
    bytes.extend_from_slice(payload);
    Message::binary(bytes)
}

/// The data channel of the `index`th requested port (its error channel is the next one).
fn data_channel(index: usize) -> u8 {
    u8::try_from(index * 2).unwrap_or(u8::MAX - 1)
}

/// Runs one port-forward until the client closes it.
async fn forward<S>(socket: WebSocketStream<S>, ports: &[u16], target: &PodTarget)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut incoming) = socket.split();
    let (frames, mut outgoing) = mpsc::channel::<Message>(FRAME_BACKLOG);
    let sender = tokio::spawn(async move {
        while let Some(message) = outgoing.recv().await {
            if sink.send(message).await.is_err() {
                break;
            }
        }
    });
    let mut writers = Vec::with_capacity(ports.len());
    for (index, port) in ports.iter().enumerate() {
        writers.push(open_port(index, *port, target, &frames).await);
    }
    drop(frames);
    while let Some(Ok(message)) = incoming.next().await {
        match message {
            Message::Binary(bytes) => deliver(&mut writers, &bytes).await,
            Message::Close(_) => break,
            _ => {}
        }
    }
    sender.abort();
}

/// Announces a port on both its channels, then connects it: the pod's bytes go out on the
/// data channel; a refusal goes on the error channel. Returns where the client's bytes go.
async fn open_port(
    index: usize,
    port: u16,
    target: &PodTarget,
    frames: &mpsc::Sender<Message>,
) -> Option<WriteHalf<DuplexStream>> {
    let data = data_channel(index);
    for channel in [data, data + 1] {
        // The sender only stops when the client is gone.
        let _ = frames.send(frame(channel, &port.to_le_bytes())).await;
    }
    let Some(stream) = target.connect(port) else {
        let _ = frames
            .send(frame(data + 1, target.refusal(port).as_bytes()))
            .await;
        return None;
    };
    let (reader, writer) = tokio::io::split(stream);
    tokio::spawn(pump_from_pod(reader, data, frames.clone()));
    Some(writer)
}

async fn pump_from_pod(
    mut reader: impl AsyncRead + Unpin,
    channel: u8,
    frames: mpsc::Sender<Message>,
) {
    let mut buffer = vec![0u8; READ_BUFFER];
    while let Ok(read @ 1..) = reader.read(&mut buffer).await {
        if frames.send(frame(channel, &buffer[..read])).await.is_err() {
            break;
        }
    }
}

/// Hands a client message to its port: data to the pod, or (v5) the end of its input.
async fn deliver(writers: &mut [Option<WriteHalf<DuplexStream>>], message: &[u8]) {
    let Some((&channel, payload)) = message.split_first() else {
        return;
    };
    let (index, closing) = match (channel, payload) {
        (CLOSE_CHANNEL, [closed, ..]) => (usize::from(*closed) / 2, true),
        (channel, _) if channel % 2 == 0 => (usize::from(channel) / 2, false),
        _ => return,
    };
    let Some(slot) = writers.get_mut(index) else {
        return;
    };
    let Some(writer) = slot else {
        return;
    };
    let delivered = if closing {
        writer.shutdown().await
    } else {
        writer.write_all(payload).await
    };
    if closing || delivered.is_err() {
        *slot = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ports_are_read_from_every_parameter() {
        let ports = requested_ports(&params(&[("ports", "9200,9300"), ("ports", "1234")]));
        assert_eq!(ports, Ok(vec![9200, 9300, 1234]));
        assert!(requested_ports(&params(&[])).is_err());
        assert!(requested_ports(&params(&[("ports", "http")])).is_err());
        assert!(requested_ports(&params(&[("ports", "70000")])).is_err());
    }

    #[test]
    fn the_handshake_needs_an_upgrade_and_a_known_protocol() {
        let mut headers = HeaderMap::new();
        assert!(websocket_handshake(&headers).is_err());
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, Upgrade"),
        );
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(
            header::SEC_WEBSOCKET_KEY,
            HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ=="),
        );
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("v4.channel.k8s.io, v5.channel.k8s.io"),
        );
        let (accept, protocol) = websocket_handshake(&headers).expect("a valid upgrade");
        assert_eq!(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(protocol, "v5.channel.k8s.io");
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("channel.k8s.io"),
        );
        assert!(websocket_handshake(&headers).is_err());
    }
}
