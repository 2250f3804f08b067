//! The registry front: the account's registry as Cloudflare's serves it,
//! on two ports of 127.0.0.1 (plain HTTP, and TLS with a certificate made
//! at start), in front of the real local registry. It checks that a
//! request's Basic password is one the credentials endpoint handed out for
//! it, answers what Cloudflare's registry adds to the distribution API
//! (`GET /v2/_catalog?tags=true`, `DELETE` of a manifest by tag, `PUT
//! /v2/gc/layers`) and forwards the rest, streaming, with the real
//! registry's htpasswd credentials. Every request is logged.

mod catalog;
mod tls;
mod upstream;

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response};

use upstream::{full, Body};

use crate::grants::Refusal;
use crate::registry::{Registry, MANIFEST_TYPES};
use crate::registry_calls::{Authorization, RegistryCall, Scheme};
use crate::shared::Shared;

/// Where a running front listens.
#[derive(Debug, Clone)]
pub struct RegistryFront {
    /// `127.0.0.1:<port>` served over plain HTTP (a client speaks HTTP to
    /// a registry on this machine, as `cargo cfcontainer` does).
    pub plain_host: String,
    /// `127.0.0.1:<port>` served over TLS (as the official CLI always
    /// speaks to its registry).
    pub tls_host: String,
    /// A PEM file with the CA certificate behind the TLS port's
    /// certificate (`NODE_EXTRA_CA_CERTS` for Node.js).
    pub ca_file: PathBuf,
}

/// What both listeners share.
struct Front {
    shared: Arc<Shared>,
    real: Registry,
    plain_origin: String,
    tls_origin: String,
}

/// Starts the front on `runtime` for `shared`'s registry: its hosts, and
/// the directory holding the CA file (removed when dropped).
pub fn open(shared: Arc<Shared>, runtime: &tokio::runtime::Handle) -> (RegistryFront, tempfile::TempDir) {
    let real = shared.config.registry.clone().expect("the registry front needs Config::registry");
    let identity = tls::Identity::generate().expect("the registry front's certificate");
    let dir = tempfile::tempdir().expect("a directory for the front's CA");
    let ca_file = dir.path().join("registry-front-ca.pem");
    std::fs::write(&ca_file, &identity.ca_pem).expect("write the front's CA");
    let bind = || {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind a registry front port");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let host = listener.local_addr().expect("listener address").to_string();
        (listener, host)
    };
    let ((plain, plain_host), (secure, tls_host)) = (bind(), bind());
    shared.state.lock().unwrap().front_hosts = vec![plain_host.clone(), tls_host.clone()];
    let front = Arc::new(Front {
        shared,
        real,
        plain_origin: format!("http://{plain_host}"),
        tls_origin: format!("https://{tls_host}"),
    });
    let acceptor = tokio_rustls::TlsAcceptor::from(identity.server);
    runtime.spawn(serve(plain, front.clone(), None));
    runtime.spawn(serve(secure, front, Some(acceptor)));
    (RegistryFront { plain_host, tls_host, ca_file }, dir)
}

/// Serves one port (TLS when `tls` is given) until the runtime stops.
async fn serve(listener: std::net::TcpListener, front: Arc<Front>, tls: Option<tokio_rustls::TlsAcceptor>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let front = front.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let scheme = if tls.is_some() { Scheme::Https } else { Scheme::Http };
            let service = hyper::service::service_fn(move |req| handle(front.clone(), scheme, req));
            let builder = hyper::server::conn::http1::Builder::new();
            match tls {
                Some(acceptor) => {
                    let Ok(stream) = acceptor.accept(stream).await else { return };
                    let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
                }
                None => {
                    let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
                }
            }
        });
    }
}

async fn handle(front: Arc<Front>, scheme: Scheme, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let text = |name| req.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string);
    let (accept, content_type) = (text(ACCEPT), text(CONTENT_TYPE));
    let basic = basic_credentials(req.headers());
    let authorization = match (&basic, req.headers().contains_key(AUTHORIZATION)) {
        (Some((user, _)), _) => Authorization::Basic { user: user.clone() },
        (None, true) => Authorization::Other,
        (None, false) => Authorization::Missing,
    };
    let method = req.method().to_string();
    let path = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let origin = match scheme {
        Scheme::Http => &front.plain_origin,
        Scheme::Https => &front.tls_origin,
    };
    let password = basic.map(|(_, password)| password);
    let response = answer(&front, origin, password.as_deref(), req).await.unwrap_or_else(|why| {
        registry_error(502, "UNAVAILABLE", &format!("the registry behind the front failed: {why}"))
    });
    let status = response.status().as_u16();
    let call = RegistryCall { scheme, method, path, accept, content_type, authorization, status };
    front.shared.registry_calls.lock().unwrap().push(call);
    Ok(response)
}

/// The front's answer to `req`; `Err` if the real registry failed.
async fn answer(
    front: &Front,
    origin: &str,
    password: Option<&str>,
    req: Request<Incoming>,
) -> Result<Response<Body>, String> {
    let path = req.uri().path().to_string();
    let Some(rest) = path.strip_prefix("/v2/") else {
        return Ok(registry_error(404, "NOT_FOUND", "only /v2/ is served"));
    };
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    let granted = match password {
        Some(password) => front.shared.state.lock().unwrap().grants.check(password, writes),
        None => Err(Refusal::Unauthorized),
    };
    match granted {
        Ok(()) => {}
        Err(Refusal::Unauthorized) => return Ok(unauthorized()),
        Err(Refusal::Denied) => return Ok(registry_error(403, "DENIED", "requested access to the resource is denied")),
    }
    let account = &front.shared.config.account_id;
    let query = req.uri().query().unwrap_or_default().to_string();
    match rest {
        // Cloudflare's: collect the layers no manifest refers to any more.
        // The official CLI 4.164 sends it with no body after deleting a
        // manifest and only checks that the answer is a success. A body is
        // read (so the connection stays usable) and ignored.
        "gc/layers" if *req.method() == Method::PUT => {
            let _ = http_body_util::BodyExt::collect(req.into_body()).await;
            Ok(Response::builder().status(202).body(upstream::empty()).expect("an empty answer builds"))
        }
        "gc/layers" => Ok(registry_error(405, "UNSUPPORTED", "the operation is unsupported")),
        "_catalog" if *req.method() == Method::GET && query.split('&').any(|p| p == "tags=true") => {
            catalog::page(&front.real, account, front.shared.config.max_per_page, &query).await
        }
        "" | "_catalog" => forward(front, origin, req).await,
        name if !name.starts_with(&format!("{account}/")) => {
            Ok(registry_error(403, "DENIED", "requested access to the resource is denied"))
        }
        _ => match rest.rsplit_once("/manifests/") {
            Some((name, tag)) if *req.method() == Method::DELETE && !tag.contains(':') => {
                delete_by_tag(front, origin, name, tag).await
            }
            _ => forward(front, origin, req).await,
        },
    }
}

/// Passes `req` on to the real registry as it is, body streaming.
async fn forward(front: &Front, origin: &str, req: Request<Incoming>) -> Result<Response<Body>, String> {
    use http_body_util::BodyExt;
    let (parts, body) = req.into_parts();
    let path = parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let answer = upstream::send(&front.real, parts.method, &path, &parts.headers, body.boxed()).await?;
    Ok(upstream::relay(answer, &front.real, origin))
}

/// Cloudflare's registry deletes a manifest by tag; distribution 2.8
/// refuses that, so the front finds the tag's digest and deletes by it
/// (which also drops any other tag of the same manifest).
async fn delete_by_tag(front: &Front, origin: &str, name: &str, tag: &str) -> Result<Response<Body>, String> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static(MANIFEST_TYPES));
    let path = format!("/v2/{name}/manifests/{tag}");
    let head = upstream::send(&front.real, Method::HEAD, &path, &headers, upstream::empty()).await?;
    let digest = head.headers().get("docker-content-digest").and_then(|d| d.to_str().ok()).map(str::to_string);
    let digest = match (head.status().as_u16(), digest) {
        (200, Some(digest)) => digest,
        (404, _) => return Ok(registry_error(404, "MANIFEST_UNKNOWN", "manifest unknown")),
        (status, _) => return Err(format!("HEAD {path} answered {status} without a digest")),
    };
    let path = format!("/v2/{name}/manifests/{digest}");
    let deleted = upstream::send(&front.real, Method::DELETE, &path, &headers, upstream::empty()).await?;
    Ok(upstream::relay(deleted, &front.real, origin))
}

/// The user and password of `Authorization: Basic ...`, if it decodes.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers.get(AUTHORIZATION)?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let (user, password) = String::from_utf8(decoded).ok()?.split_once(':').map(|(u, p)| (u.into(), p.into()))?;
    Some((user, password))
}

/// 401 with the challenge a registry sends.
fn unauthorized() -> Response<Body> {
    let mut response = registry_error(401, "UNAUTHORIZED", "authentication required");
    response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Registry Realm\""));
    response
}

/// An error in the distribution API's shape.
fn registry_error(status: u16, code: &str, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "errors": [{ "code": code, "message": message, "detail": null }] });
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .header("docker-distribution-api-version", "registry/2.0")
        .body(full(body.to_string()))
        .expect("an error answer builds")
}

#[cfg(test)]
mod tests {
    use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION};

    #[test]
    fn basic_credentials_decode_and_anything_else_does_not() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic djE6cGE6c3M=")); // v1:pa:ss
        assert_eq!(super::basic_credentials(&headers), Some(("v1".into(), "pa:ss".into())));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer djE6cGE6c3M="));
        assert_eq!(super::basic_credentials(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic %%%"));
        assert_eq!(super::basic_credentials(&headers), None);
    }
}
