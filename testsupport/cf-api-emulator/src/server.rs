//! The HTTP side: serving, authentication, fault injection, the request
//! log and routing to the endpoint handlers.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::call::Call;
use crate::envelope::{fail, Reply};
use crate::faults::{self, FaultKind};
use crate::shared::{Logged, Shared};
use crate::{containers, dash, queues, resources, routes, schedules, tails, tokens, versions, workers};

/// API path prefix.
const PREFIX: &str = "/client/v4";

/// Serves until `shutdown` fires.
pub async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted { Ok((s, _)) => s, Err(_) => continue },
            _ = &mut shutdown => return,
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).with_upgrades().await;
        });
    }
}

/// An error from the service makes hyper close the connection unanswered.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Dropped> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    if let Some(id) = path.strip_prefix("/__tail/") {
        return Ok(crate::websocket::upgrade(shared.clone(), req, id.to_string()));
    }
    if let Some(rest) = path.strip_prefix("/__worker/") {
        return Ok(worker_call(&shared, req, rest));
    }
    let raw_query = req.uri().query().map(str::to_string);
    let auth = header(&req, "authorization");
    let content_type = header(&req, "content-type");
    let user_agent = header(&req, "user-agent");
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    if let Some(control) = path.strip_prefix("/__emulator/") {
        return Ok(respond(control_call(&shared, &method, control, &body)));
    }
    let Some(api_path) = path.strip_prefix(PREFIX).map(str::to_string) else {
        return Ok(respond(fail(
            404,
            7003,
            format!("Could not route to {path}, perhaps your object identifier is invalid?"),
        )));
    };
    let logged_body = match content_type.as_deref() {
        Some(c) if c.starts_with("multipart/") => None,
        _ => serde_json::from_slice::<serde_json::Value>(&body).ok(),
    };
    let record = |status: u16| {
        shared.log.lock().unwrap().push(Logged {
            method: method.clone(),
            path: api_path.clone(),
            query: raw_query.clone(),
            status,
            body: logged_body.clone(),
        });
    };
    let latency = shared.latency_ms.load(std::sync::atomic::Ordering::SeqCst);
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let fault = faults::take(&mut shared.faults.lock().unwrap(), &method, &api_path);
    match fault {
        Some(FaultKind::Drop) => {
            record(0);
            return Err(Dropped);
        }
        Some(FaultKind::Status { status, retry_after }) => {
            record(status);
            let mut reply = fail(status, if status == 429 { 971 } else { 10013 }, "injected failure; please try again");
            if let Some(seconds) = retry_after {
                reply.headers.push(("retry-after", seconds.to_string()));
            }
            return Ok(respond(reply));
        }
        _ => {}
    }
    let query = raw_query.as_deref().map(parse_query).unwrap_or_default();
    let reply = route(
        &shared,
        &method,
        &api_path,
        auth.as_deref(),
        Call { method: method.clone(), segments: Vec::new(), query, content_type, user_agent, body },
    );
    match fault {
        Some(FaultKind::DropAfter) => {
            record(0);
            Err(Dropped)
        }
        Some(FaultKind::StatusAfter { status }) => {
            record(status);
            Ok(respond(fail(status, 10013, "injected failure after the work was done; please try again")))
        }
        _ => {
            record(reply.status);
            Ok(respond(reply))
        }
    }
}

/// The API token check every path but token verification makes; the
/// read-only token may only read Workers scripts (`segments` after
/// `/accounts/{id}`).
fn authorized(shared: &Shared, auth: Option<&str>, method: &str, segments: &[String]) -> Result<(), Reply> {
    match auth.and_then(|a| a.strip_prefix("Bearer ")) {
        None => Err(fail(400, 6003, "Invalid request headers: missing Authorization: Bearer <token>")),
        Some(token) if token == shared.config.token => Ok(()),
        Some(token) if token == shared.config.read_token => {
            let reads_scripts = method == "GET"
                && segments.first().map(String::as_str) == Some("workers")
                && !segments.iter().any(|s| s == "tails");
            match reads_scripts {
                true => Ok(()),
                false => Err(fail(403, 10000, "Authentication error")),
            }
        }
        Some(_) => Err(fail(403, 9109, "Invalid access token")),
    }
}

fn route(shared: &Shared, method: &str, path: &str, auth: Option<&str>, mut call: Call) -> Reply {
    let segments: Vec<String> = path.trim_start_matches('/').split('/').map(percent_decode).collect();
    if segments == ["user", "tokens", "verify"] {
        return tokens::verify(shared, method, auth, &call);
    }
    if segments.first().map(String::as_str) == Some("zones") {
        if let Err(r) = authorized(shared, auth, method, &[]) {
            return r;
        }
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        return match (method, parts.as_slice()) {
            ("GET", ["zones"]) => routes::zones(&shared.config, &call),
            ("GET", ["zones", id, "workers", "routes"]) => {
                routes::zone_routes(&shared.state.lock().unwrap(), &shared.config, id, &call)
            }
            _ => fail(404, 7003, format!("Could not route to {path}, perhaps your object identifier is invalid?")),
        };
    }
    if segments.len() < 3 || segments[0] != "accounts" {
        return fail(404, 7003, format!("Could not route to {path}, perhaps your object identifier is invalid?"));
    }
    // Authorized by an upload session's token instead of the API token.
    if method == "POST" && segments[2..] == ["workers", "assets", "upload"] && segments[1] == shared.config.account_id {
        return crate::assets::upload(&mut shared.state.lock().unwrap(), auth, &call);
    }
    if let Err(r) = authorized(shared, auth, method, &segments[2..]) {
        return r;
    }
    if segments[1] != shared.config.account_id {
        return fail(403, 10000, "Authentication error");
    }
    call.segments = segments[2..].to_vec();
    let parts: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let mut state = shared.state.lock().unwrap();
    let routed = match (method, parts.as_slice()) {
        ("GET", ["workers", "scripts"]) => Some(workers::list(&state, &call)),
        ("PUT", ["workers", "scripts", name]) => Some(
            resources::refuse_unheld(&shared.config, &state, name, &call)
                .unwrap_or_else(|| workers::upload(&mut state, name, &call)),
        ),
        ("DELETE", ["workers", "scripts", name]) => Some(workers::delete(&mut state, name, &call)),
        ("GET", ["workers", "scripts", name, "settings"]) => Some(workers::settings(&state, name, &call)),
        ("GET", ["workers", "scripts", name, "secrets"]) => Some(workers::secrets(&state, name, &call)),
        ("GET", ["workers", "workers", name]) => Some(workers::worker(&state, name, &call)),
        ("POST", ["workers", "scripts", name, "assets-upload-session"]) => {
            Some(crate::assets::start_session(&mut state, name, &call))
        }
        ("GET", ["workers", "scripts", name, "script-settings"]) => Some(workers::script_settings(&state, name, &call)),
        ("PATCH", ["workers", "scripts", name, "script-settings"]) => {
            Some(workers::patch_script_settings(&mut state, name, &call))
        }
        ("GET", ["workers", "subdomain"]) => Some(workers::account_subdomain(&call)),
        ("GET", ["workers", "scripts", name, "subdomain"]) => Some(workers::script_subdomain(&state, name, &call)),
        ("GET", ["workers", "scripts", name, "routes"]) => Some(routes::get_routes(&state, name, &call)),
        ("PUT", ["workers", "scripts", name, "routes"]) => {
            Some(routes::put_routes(&mut state, &shared.config, name, &call))
        }
        ("POST", ["workers", "scripts", name, "versions"]) => Some(
            resources::refuse_unheld(&shared.config, &state, name, &call)
                .unwrap_or_else(|| versions::upload(&mut state, name, &call)),
        ),
        ("GET", ["workers", "scripts", name, "versions"]) => {
            Some(versions::list(&state, name, shared.config.max_per_page, &call))
        }
        ("GET", ["workers", "scripts", name, "versions", id]) => Some(versions::get(&state, name, id, &call)),
        ("POST", ["workers", "scripts", name, "deployments"]) => Some(versions::deploy(&mut state, name, &call)),
        ("GET", ["workers", "scripts", name, "deployments"]) => Some(versions::deployments(&state, name, &call)),
        ("POST", ["workers", "scripts", name, "tails"]) => {
            Some(tails::create(&mut state, &shared.ws_base, name, &call))
        }
        ("GET", ["workers", "scripts", name, "tails"]) => Some(tails::list(&state, &shared.ws_base, name, &call)),
        ("DELETE", ["workers", "scripts", name, "tails", id]) => Some(tails::delete(&mut state, name, id, &call)),
        ("GET", ["containers", "me"]) => Some(containers::me(&shared.config, &call)),
        ("GET", ["containers", "dash", "applications"]) => Some(dash::applications(&state, &shared.config, &call)),
        ("GET", ["containers", "dash", "applications", id, "instances"]) => {
            Some(dash::instances(&state, &shared.config, id, &call))
        }
        ("GET", ["workers", "services", name]) => Some(workers::service(&state, name, &call)),
        ("GET", ["r2", "buckets", name]) => Some(queues::r2_bucket(&shared.config, name, &call)),
        ("GET", ["workers", "dispatch", "namespaces"]) => Some(queues::dispatch_namespaces(&shared.config, &call)),
        ("GET", ["r2", "buckets"]) => Some(resources::r2_buckets(&shared.config, &call)),
        ("GET", ["storage", "kv", "namespaces"]) => Some(resources::kv_namespaces(&shared.config, &call)),
        ("GET", ["d1", "database"]) => Some(resources::d1_databases(&shared.config, &call)),
        ("GET", ["vectorize", "v2", "indexes"]) => Some(resources::vectorize_indexes(&shared.config, &call)),
        ("GET", ["hyperdrive", "configs"]) => Some(resources::hyperdrive_configs(&shared.config, &call)),
        ("GET", ["queues"]) => Some(queues::list(&state, &shared.config, &call)),
        ("POST", ["queues", id, "consumers"]) => Some(queues::add_consumer(&mut state, &shared.config, id, &call)),
        ("PUT", ["queues", id, "consumers", consumer]) => {
            Some(queues::update_consumer(&mut state, &shared.config, id, consumer, &call))
        }
        ("GET", ["workers", "domains"]) => Some(routes::get_domains(&state, &shared.config, &call)),
        ("PUT", ["workers", "scripts", name, "domains", "records"]) => {
            Some(routes::put_domains(&mut state, &shared.config, name, &call))
        }
        ("GET", ["workers", "scripts", name, "schedules"]) => Some(schedules::get(&state, name, &call)),
        ("PUT", ["workers", "scripts", name, "schedules"]) => Some(schedules::put(&mut state, name, &call)),
        ("POST", ["workers", "scripts", name, "subdomain"]) => {
            Some(workers::set_script_subdomain(&mut state, name, &call))
        }
        ("GET", ["workers", "durable_objects", "namespaces"]) => {
            Some(workers::namespaces(&state, &shared.config, &call))
        }
        ("POST", ["containers", "registries", host, "credentials"]) => {
            Some(containers::credentials(&mut state, &shared.config, host, &call))
        }
        ("GET", ["containers", "applications"]) => Some(containers::list(&state, &shared.config, &call)),
        ("POST", ["containers", "applications"]) => Some(containers::create(&mut state, &shared.config, &call)),
        ("GET", ["containers", "applications", id]) => Some(containers::get(&state, &shared.config, id, &call)),
        ("PATCH", ["containers", "applications", id]) => Some(containers::patch(&mut state, &shared.config, id, &call)),
        ("DELETE", ["containers", "applications", id]) => Some(containers::delete(&mut state, id, &call)),
        ("POST", ["containers", "applications", id, "rollouts"]) => {
            Some(containers::rollout(&mut state, &shared.config, id, &call))
        }
        ("GET", ["containers", "applications", id, "rollouts"]) => Some(containers::rollouts(&state, id, &call)),
        _ => None,
    };
    routed.unwrap_or_else(|| {
        let known = matches!(
            parts.as_slice(),
            ["workers", "scripts"]
                | ["workers", "scripts", _]
                | ["workers", "scripts", _, "settings"]
                | ["workers", "scripts", _, "script-settings"]
                | ["containers", "applications"]
                | ["containers", "applications", _]
                | ["containers", "applications", _, "rollouts"]
        );
        if known {
            fail(405, 10405, format!("method {} not allowed on {path}", call.method))
        } else {
            fail(404, 7003, format!("Could not route to {path}, perhaps your object identifier is invalid?"))
        }
    })
}

fn control_call(shared: &Shared, method: &str, path: &str, body: &Bytes) -> Reply {
    use crate::envelope::ok;
    match (method, path) {
        ("GET", "log") => ok(serde_json::to_value(&*shared.log.lock().unwrap()).unwrap()),
        ("DELETE", "log") => {
            shared.log.lock().unwrap().clear();
            ok(serde_json::Value::Null)
        }
        ("GET", "state") => ok(shared.state.lock().unwrap().snapshot(&shared.config)),
        ("POST", "latency") => {
            match serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|b| b["ms"].as_u64()) {
                Some(ms) => {
                    shared.latency_ms.store(ms, std::sync::atomic::Ordering::SeqCst);
                    ok(serde_json::Value::Null)
                }
                None => fail(400, 10021, "the body must be {\"ms\": <milliseconds>}"),
            }
        }
        ("POST", "instances") => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(body)) => dash::place(&mut shared.state.lock().unwrap(), &body),
            _ => fail(400, 10021, "the body must be a JSON object"),
        },
        ("POST", "faults") => match serde_json::from_slice::<crate::faults::Fault>(body) {
            Ok(f) => {
                shared.faults.lock().unwrap().push(f);
                ok(serde_json::Value::Null)
            }
            Err(e) => fail(400, 10021, format!("bad fault: {e}")),
        },
        _ => fail(404, 7003, format!("no control endpoint {method} /__emulator/{path}")),
    }
}

/// A call of the emulated Worker: `/__worker/{script}/{path}`.
fn worker_call(shared: &Shared, req: Request<Incoming>, rest: &str) -> Response<Full<Bytes>> {
    let (script, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(s, p)| (s, format!("/{p}")));
    let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let client_ip = header(&req, "cf-connecting-ip").unwrap_or_else(|| "127.0.0.1".into());
    let invocation =
        tails::Invocation { method: req.method().to_string(), path: format!("{path}{query}"), headers, client_ip };
    let answer = tails::invoke(&mut shared.state.lock().unwrap(), script, &invocation);
    let (status, body) = answer.unwrap_or((404, format!("no Worker {script}\n")));
    Response::builder().status(status).body(Full::new(Bytes::from(body))).expect("valid response")
}

fn respond(reply: Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(reply.status).header("content-type", "application/json");
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    builder.body(Full::new(Bytes::from(reply.body.to_string()))).expect("valid response")
}

fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The query's pairs as a browser's `URLSearchParams` (the official CLI's)
/// writes them: percent-escapes and `+` for a space.
fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// A path segment with its percent-escapes decoded; an escape that is not
/// UTF-8 becomes U+FFFD, so a bad request is answered, never a panic.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percent_sign_before_a_multibyte_character_is_kept_not_a_panic() {
        assert_eq!(percent_decode("%a\u{e9}t\u{e9}"), "%a\u{e9}t\u{e9}");
        assert_eq!(percent_decode("my%20worker%41"), "my workerA");
    }

    #[test]
    fn a_query_decodes_escapes_and_plus_as_a_space() {
        assert_eq!(
            parse_query("name=a+b%2Fc&flag&x=%e2%82%ac"),
            vec![("name".into(), "a b/c".into()), ("flag".into(), String::new()), ("x".into(), "\u{20ac}".into())]
        );
    }
}
