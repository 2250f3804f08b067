//! Requests to the real registry behind the front, with its htpasswd
//! credentials; bodies stream both ways.

use base64::Engine;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, HOST, LINK, LOCATION};
use hyper::{Method, Request, Response};

use crate::registry::Registry;

/// A body the front sends or answers with.
pub type Body = BoxBody<Bytes, hyper::Error>;

/// `bytes` as a body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

/// No body.
pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed()
}

/// Headers that belong to one connection, never passed on (RFC 9110 7.6.1;
/// hyper frames each message itself).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Sends `method path_and_query` with `headers` (besides the connection's
/// own, `Host` and `Authorization`) and `body` to the real registry.
pub async fn send(
    real: &Registry,
    method: Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response<Incoming>, String> {
    let stream = tokio::net::TcpStream::connect(&real.host)
        .await
        .map_err(|e| format!("connecting to the registry at {}: {e}", real.host))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {}: {e}", real.host))?;
    tokio::spawn(connection);
    let mut request = Request::builder().method(method).uri(path_and_query);
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) && name != HOST && name != AUTHORIZATION {
            request = request.header(name, value);
        }
    }
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", real.username, real.password));
    let request = request
        .header(HOST, &real.host)
        .header(AUTHORIZATION, format!("Basic {basic}"))
        .body(body)
        .map_err(|e| format!("building the request to {path_and_query}: {e}"))?;
    sender.send_request(request).await.map_err(|e| format!("{path_and_query} at {}: {e}", real.host))
}

/// The real registry's answer as the front's: connection headers dropped,
/// its own URLs in `Location` and `Link` turned into the front's `origin`.
pub fn relay(answer: Response<Incoming>, real: &Registry, origin: &str) -> Response<Body> {
    let (mut parts, body) = answer.into_parts();
    let real_origin = format!("http://{}", real.host);
    for name in HOP_BY_HOP {
        parts.headers.remove(name);
    }
    for name in [LOCATION, LINK] {
        rewrite(&mut parts.headers, name, &real_origin, origin);
    }
    Response::from_parts(parts, body.boxed())
}

fn rewrite(headers: &mut HeaderMap, name: HeaderName, from: &str, to: &str) {
    let values: Vec<HeaderValue> = headers
        .get_all(&name)
        .iter()
        .map(|v| match v.to_str() {
            Ok(text) => HeaderValue::from_str(&text.replace(from, to)).unwrap_or_else(|_| v.clone()),
            Err(_) => v.clone(),
        })
        .collect();
    headers.remove(&name);
    for value in values {
        headers.append(name.clone(), value);
    }
}

/// Reads all of a (small) answer: its status and body.
pub async fn read(answer: Response<Incoming>) -> Result<(u16, Bytes), String> {
    let status = answer.status().as_u16();
    let body = answer.into_body().collect().await.map_err(|e| format!("reading the registry's answer: {e}"))?;
    Ok((status, body.to_bytes()))
}

#[cfg(test)]
mod tests {
    use hyper::header::{HeaderMap, HeaderValue, LINK, LOCATION};

    #[test]
    fn the_real_registrys_urls_become_the_fronts_and_paths_stay() {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_static("http://127.0.0.1:5055/v2/a/blobs/uploads/u?_state=x"));
        headers.insert(LINK, HeaderValue::from_static("</v2/_catalog?last=a&n=1>; rel=\"next\""));
        super::rewrite(&mut headers, LOCATION, "http://127.0.0.1:5055", "https://127.0.0.1:9");
        super::rewrite(&mut headers, LINK, "http://127.0.0.1:5055", "https://127.0.0.1:9");
        assert_eq!(headers[LOCATION], "https://127.0.0.1:9/v2/a/blobs/uploads/u?_state=x");
        assert_eq!(headers[LINK], "</v2/_catalog?last=a&n=1>; rel=\"next\"");
    }
}
