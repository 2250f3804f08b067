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
use crate::state::State;
use crate::{
    containers, dash, image_registries, queues, resources, routes, schedules, secrets_store, tails, tokens, versions,
    workers,
};

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
    if let Some(handle) = endpoint(shared, method, &parts, &call) {
        return handle(&mut shared.state.lock().unwrap());
    }
    // A path the table knows under another method is answered 405, as the
    // API does; any other 404.
    match METHODS.iter().any(|other| endpoint(shared, other, &parts, &call).is_some()) {
        true => fail(405, 10405, format!("method {} not allowed on {path}", call.method)),
        false => fail(404, 7003, format!("Could not route to {path}, perhaps your object identifier is invalid?")),
    }
}

/// The methods the API's endpoints answer.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// What answers one call of the account's endpoints.
type Handler<'a> = Box<dyn FnOnce(&mut State) -> Reply + 'a>;

/// The route table of the account's endpoints: the handler of `method` on
/// the path `parts` (after `/accounts/{id}/`), `None` if there is none.
/// Choosing a handler runs nothing, so the table also says which methods
/// a path has.
fn endpoint<'a>(shared: &'a Shared, method: &str, parts: &'a [&'a str], call: &'a Call) -> Option<Handler<'a>> {
    let config = &shared.config;
    Some(match (method, parts) {
        ("GET", ["workers", "scripts"]) => answer(move |state| workers::list(state, call)),
        ("PUT", ["workers", "scripts", name]) => answer(move |state| {
            resources::refuse_unheld(config, state, name, call).unwrap_or_else(|| workers::upload(state, name, call))
        }),
        ("DELETE", ["workers", "scripts", name]) => answer(move |state| workers::delete(state, name, call)),
        ("GET", ["workers", "scripts", name, "settings"]) => answer(move |state| workers::settings(state, name, call)),
        ("GET", ["workers", "scripts", name, "secrets"]) => answer(move |state| workers::secrets(state, name, call)),
        ("GET", ["workers", "workers", name]) => answer(move |state| workers::worker(state, name, call)),
        ("POST", ["workers", "scripts", name, "assets-upload-session"]) => {
            answer(move |state| crate::assets::start_session(state, name, call))
        }
        ("GET", ["workers", "scripts", name, "script-settings"]) => {
            answer(move |state| workers::script_settings(state, name, call))
        }
        ("PATCH", ["workers", "scripts", name, "script-settings"]) => {
            answer(move |state| workers::patch_script_settings(state, name, call))
        }
        ("GET", ["workers", "subdomain"]) => answer(move |_| workers::account_subdomain(call)),
        ("GET", ["workers", "scripts", name, "subdomain"]) => {
            answer(move |state| workers::script_subdomain(state, name, call))
        }
        ("GET", ["workers", "scripts", name, "routes"]) => answer(move |state| routes::get_routes(state, name, call)),
        ("PUT", ["workers", "scripts", name, "routes"]) => {
            answer(move |state| routes::put_routes(state, config, name, call))
        }
        ("POST", ["workers", "scripts", name, "versions"]) => answer(move |state| {
            resources::refuse_unheld(config, state, name, call).unwrap_or_else(|| versions::upload(state, name, call))
        }),
        ("GET", ["workers", "scripts", name, "versions"]) => {
            answer(move |state| versions::list(state, name, config.max_per_page, call))
        }
        ("GET", ["workers", "scripts", name, "versions", id]) => {
            answer(move |state| versions::get(state, name, id, call))
        }
        ("POST", ["workers", "scripts", name, "deployments"]) => {
            answer(move |state| versions::deploy(state, name, call))
        }
        ("GET", ["workers", "scripts", name, "deployments"]) => {
            answer(move |state| versions::deployments(state, name, call))
        }
        ("POST", ["workers", "scripts", name, "tails"]) => {
            answer(move |state| tails::create(state, &shared.ws_base, name, call))
        }
        ("GET", ["workers", "scripts", name, "tails"]) => {
            answer(move |state| tails::list(state, &shared.ws_base, name, call))
        }
        ("DELETE", ["workers", "scripts", name, "tails", id]) => {
            answer(move |state| tails::delete(state, name, id, call))
        }
        ("GET", ["containers", "me"]) => answer(move |_| containers::me(config, call)),
        ("GET", ["containers", "dash", "applications"]) => answer(move |state| dash::applications(state, config, call)),
        ("GET", ["containers", "dash", "applications", id, "instances"]) => {
            answer(move |state| dash::instances(state, config, id, call))
        }
        ("GET", ["workers", "services", name]) => answer(move |state| workers::service(state, name, call)),
        ("GET", ["r2", "buckets", name]) => answer(move |_| queues::r2_bucket(config, name, call)),
        ("GET", ["workers", "dispatch", "namespaces"]) => answer(move |_| queues::dispatch_namespaces(config, call)),
        ("GET", ["r2", "buckets"]) => answer(move |_| resources::r2_buckets(config, call)),
        ("GET", ["storage", "kv", "namespaces"]) => answer(move |_| resources::kv_namespaces(config, call)),
        ("GET", ["d1", "database"]) => answer(move |_| resources::d1_databases(config, call)),
        ("GET", ["vectorize", "v2", "indexes"]) => answer(move |_| resources::vectorize_indexes(config, call)),
        ("GET", ["hyperdrive", "configs"]) => answer(move |_| resources::hyperdrive_configs(config, call)),
        ("GET", ["queues"]) => answer(move |state| queues::list(state, config, call)),
        ("POST", ["queues", id, "consumers"]) => answer(move |state| queues::add_consumer(state, config, id, call)),
        ("PUT", ["queues", id, "consumers", consumer]) => {
            answer(move |state| queues::update_consumer(state, config, id, consumer, call))
        }
        ("GET", ["workers", "domains"]) => answer(move |state| routes::get_domains(state, config, call)),
        ("PUT", ["workers", "scripts", name, "domains", "records"]) => {
            answer(move |state| routes::put_domains(state, config, name, call))
        }
        ("GET", ["workers", "scripts", name, "schedules"]) => answer(move |state| schedules::get(state, name, call)),
        ("PUT", ["workers", "scripts", name, "schedules"]) => answer(move |state| schedules::put(state, name, call)),
        ("POST", ["workers", "scripts", name, "subdomain"]) => {
            answer(move |state| workers::set_script_subdomain(state, name, call))
        }
        ("GET", ["workers", "durable_objects", "namespaces"]) => {
            answer(move |state| workers::namespaces(state, config, call))
        }
        ("POST", ["containers", "registries", host, "credentials"]) => {
            answer(move |state| containers::credentials(state, config, host, call))
        }
        ("GET", ["containers", "registries"]) => answer(move |state| image_registries::list(state, call)),
        ("POST", ["containers", "registries"]) => answer(move |state| image_registries::create(state, call)),
        ("DELETE", ["containers", "registries", domain]) => {
            answer(move |state| image_registries::delete(state, domain, call))
        }
        ("GET", ["secrets_store", "stores"]) => answer(move |state| secrets_store::list_stores(state, call)),
        ("POST", ["secrets_store", "stores"]) => {
            answer(move |state| secrets_store::create_store(state, &config.account_id, call))
        }
        ("GET", ["secrets_store", "stores", store, "secrets"]) => {
            answer(move |state| secrets_store::list_secrets(state, store, call))
        }
        ("POST", ["secrets_store", "stores", store, "secrets"]) => {
            answer(move |state| secrets_store::create_secrets(state, store, call))
        }
        ("DELETE", ["secrets_store", "stores", store, "secrets", id]) => {
            answer(move |state| secrets_store::delete_secret(state, store, id, call))
        }
        ("GET", ["containers", "applications"]) => answer(move |state| containers::list(state, config, call)),
        ("POST", ["containers", "applications"]) => answer(move |state| containers::create(state, config, call)),
        ("GET", ["containers", "applications", id]) => answer(move |state| containers::get(state, config, id, call)),
        ("PATCH", ["containers", "applications", id]) => {
            answer(move |state| containers::patch(state, config, id, call))
        }
        ("DELETE", ["containers", "applications", id]) => answer(move |state| containers::delete(state, id, call)),
        ("POST", ["containers", "applications", id, "rollouts"]) => {
            answer(move |state| containers::rollout(state, config, id, call))
        }
        ("GET", ["containers", "applications", id, "rollouts"]) => {
            answer(move |state| containers::rollouts(state, id, call))
        }
        _ => return None,
    })
}

/// `handle` as a [`Handler`] (the signature lets each closure of the table
/// take the state without naming its type).
fn answer<'a>(handle: impl FnOnce(&mut State) -> Reply + 'a) -> Handler<'a> {
    Box::new(handle)
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
