//! The address `dev` listens on. workerd runs behind it on a port of its
//! own, so a reload never closes the socket users connect to: requests
//! that arrive while workerd restarts wait for the new one, and a restart
//! waits for the requests the old one is answering.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};

/// How long a request waits for a workerd before it is answered 503.
const WAIT_FOR_BACKEND: Duration = Duration::from_secs(120);

/// Where requests go right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// workerd is (re)starting: requests wait.
    Paused,
    /// workerd answers here.
    At(SocketAddr),
}

/// The listening front and the switch that points it at a workerd.
pub struct Front {
    backend: watch::Sender<Backend>,
    in_flight: Arc<InFlight>,
    /// The address users connect to.
    pub address: SocketAddr,
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

impl Front {
    /// Listens on `address` (paused until [`Front::resume`]).
    pub async fn listen(address: &str) -> std::io::Result<Front> {
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let (backend, watching) = watch::channel(Backend::Paused);
        let in_flight = Arc::new(InFlight::default());
        let counting = Arc::clone(&in_flight);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let (watching, counting) = (watching.clone(), Arc::clone(&counting));
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |req| forward(req, watching.clone(), Arc::clone(&counting)));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        });
        Ok(Front { backend, in_flight, address })
    }

    /// Holds new requests, then waits (at most `limit`) until the requests
    /// already sent to workerd have their answers: it can then be stopped.
    pub async fn pause(&self, limit: Duration) {
        self.backend.send_replace(Backend::Paused);
        let _ = tokio::time::timeout(limit, self.in_flight.idle()).await;
    }

    /// Sends requests (the held ones first) to the workerd at `backend`.
    pub fn resume(&self, backend: SocketAddr) {
        self.backend.send_replace(Backend::At(backend));
    }
}

/// Requests (and upgraded connections) being answered by workerd.
#[derive(Default)]
struct InFlight {
    count: std::sync::atomic::AtomicUsize,
    changed: Notify,
}

impl InFlight {
    fn enter(self: &Arc<Self>) -> InFlightGuard {
        self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlightGuard(Arc::clone(self))
    }

    async fn idle(&self) {
        loop {
            let notified = self.changed.notified();
            if self.count.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Counts one request until its answer's body has been sent.
struct InFlightGuard(Arc<InFlight>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

async fn forward(
    mut req: Request<Incoming>,
    mut backend: watch::Receiver<Backend>,
    in_flight: Arc<InFlight>,
) -> Result<Response<ProxyBody>, Infallible> {
    let waited = tokio::time::timeout(WAIT_FOR_BACKEND, backend.wait_for(|b| matches!(b, Backend::At(_)))).await;
    let address = match waited.ok().and_then(|r| r.ok()).map(|b| *b) {
        Some(Backend::At(address)) => address,
        _ => return Ok(plain(StatusCode::SERVICE_UNAVAILABLE, "cargo cfcontainer dev: no workerd is running")),
    };
    let guard = in_flight.enter();
    let client_upgrade = hyper::upgrade::on(&mut req);
    let sent = async {
        let stream = TcpStream::connect(address).await.map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
        tokio::spawn(connection.with_upgrades());
        sender.send_request(req).await.map_err(|e| e.to_string())
    };
    let mut response = match sent.await {
        Ok(response) => response,
        Err(why) => {
            return Ok(plain(StatusCode::BAD_GATEWAY, &format!("cargo cfcontainer dev: workerd failed: {why}")))
        }
    };
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        let server_upgrade = hyper::upgrade::on(&mut response);
        tokio::spawn(async move {
            let _guard = guard;
            if let (Ok(client), Ok(server)) = (client_upgrade.await, server_upgrade.await) {
                let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(client), &mut TokioIo::new(server)).await;
            }
        });
        return Ok(response.map(|body| body.boxed()));
    }
    Ok(response.map(|body| Counted { body, _guard: guard }.boxed()))
}

fn plain(status: StatusCode, text: &str) -> Response<ProxyBody> {
    let body = Full::new(Bytes::from(text.to_string())).map_err(|never| match never {}).boxed();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
}

/// A response body that keeps its request counted until it ends.
struct Counted {
    body: Incoming,
    _guard: InFlightGuard,
}

impl Body for Counted {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}
