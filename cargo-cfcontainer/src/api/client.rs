//! One authenticated client for the account: the envelope, error lines
//! with code and message, retries with backoff, timeouts.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::kill_hook::KillHook;
use super::{Secret, TokenStatus, Zone, DEFAULT_BASE_URL};
use crate::output::Output;
use crate::{Error, WorkerSettings};

/// How often a call is tried at most.
const ATTEMPTS: u32 = 6;
/// First backoff; it doubles per attempt up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// The longest `Retry-After` honoured before giving up.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Per-request timeout (uploads of a few MB included).
const TIMEOUT: Duration = Duration::from_secs(120);

/// Whether a failed call may simply be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Repeating it cannot do harm (reads, PUT, PATCH, DELETE, credentials).
    Safe,
    /// Repeating might do the work twice: only an answered 429 is retried;
    /// other failures are returned for the caller to reconcile.
    Reconcile,
}

/// A request body.
pub enum Body {
    /// No body.
    Empty,
    /// A JSON document (see [`Body::json`]).
    Json(Value),
    /// A JSON document for an endpoint whose behaviour is versioned by a
    /// date (`Cloudflare-Workers-Script-Api-Date`), sent as the official
    /// CLI sends it.
    DatedJson(Value, &'static str),
    /// A multipart form (kept as bytes so retries can rebuild it).
    Multipart(Vec<Part>),
}

impl Body {
    /// A typed body as JSON.
    pub fn json<T: Serialize>(body: &T) -> Body {
        // Our bodies are structs with string keys: serializing cannot fail.
        Body::Json(serde_json::to_value(body).expect("API bodies serialize to JSON"))
    }
}

/// A multipart form part.
#[derive(Clone)]
pub struct Part {
    /// Field name (also sent as file name for modules).
    pub name: String,
    /// Content type.
    pub content_type: String,
    /// Bytes.
    pub data: Vec<u8>,
    /// Sent with `filename=`.
    pub file: bool,
}

/// Where a request goes, and how progress and errors name it.
struct Target {
    method: Method,
    url: String,
    /// `GET /workers/scripts`: the method and the path without the account.
    label: String,
}

impl Target {
    fn get(url: String, label: &str) -> Target {
        Target { method: Method::GET, url, label: label.to_string() }
    }
}

/// A client bound to one account and token.
pub struct Client {
    http: reqwest::Client,
    base: String,
    account: String,
    token: Secret,
    kill_hook: KillHook,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<ApiMessage>,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    result_info: Option<ResultInfo>,
}

/// Where a page of a list is in the whole list.
#[derive(Debug, Clone, Copy, Deserialize)]
struct ResultInfo {
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
    #[serde(default)]
    total_pages: Option<u32>,
    #[serde(default)]
    total_count: Option<u32>,
}

#[derive(Deserialize)]
struct ApiMessage {
    #[serde(default)]
    code: u32,
    #[serde(default)]
    message: String,
}

impl Client {
    /// A client from `CLOUDFLARE_API_TOKEN`, `CLOUDFLARE_ACCOUNT_ID` (or the
    /// crate's `account_id`) and `CLOUDFLARE_API_BASE_URL`.
    pub fn from_env(settings: &WorkerSettings) -> Result<Client, Error> {
        let account = settings.account_id.clone().ok_or(Error::NoAccount)?;
        Client::for_token(Some(account))
    }

    /// A client from `CLOUDFLARE_API_TOKEN` and `CLOUDFLARE_API_BASE_URL`
    /// for `account`; without one, only [`Client::verify_token`] works.
    pub fn for_token(account: Option<String>) -> Result<Client, Error> {
        let token = std::env::var("CLOUDFLARE_API_TOKEN").ok().filter(|t| !t.is_empty()).ok_or(Error::NoToken)?;
        let account = account.unwrap_or_default();
        let base = std::env::var("CLOUDFLARE_API_BASE_URL")
            .ok()
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| DEFAULT_BASE_URL.into());
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(15))
            .user_agent(concat!("cargo-cfcontainer/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Local { what: "set up the HTTP client".into(), why: e.to_string() })?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            account,
            token: Secret::new(token),
            kill_hook: KillHook::from_env(),
        })
    }

    /// The account id.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// True if the client has an account to call.
    pub fn has_account(&self) -> bool {
        !self.account.is_empty()
    }

    /// `GET /user/tokens/verify`: whether the token is valid.
    pub async fn verify_token(&self, out: &Output) -> Result<TokenStatus, Error> {
        let url = format!("{}/user/tokens/verify", self.base);
        let verified =
            self.send(Target::get(url, "GET /user/tokens/verify"), &Body::Empty, Retry::Safe, None, out).await;
        verified.map(|(status, _)| status)
    }

    /// `GET /zones?name=...` of this account: the zone called `name`.
    pub async fn zone_named(&self, name: &str, out: &Output) -> Result<Option<Zone>, Error> {
        let url = format!("{}/zones?name={name}&account.id={}", self.base, self.account);
        let (zones, _): (Vec<Zone>, _) =
            self.send(Target::get(url, "GET /zones"), &Body::Empty, Retry::Safe, None, out).await?;
        Ok(zones.into_iter().find(|z| z.name == name))
    }

    /// The token, to key hashes that must not be guessable without it.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// `GET /accounts/{account}{path}`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str, out: &Output) -> Result<T, Error> {
        self.call(Method::GET, path, Body::Empty, Retry::Safe, out).await
    }

    /// `DELETE /accounts/{account}{path}`; `Ok(false)` if it was already gone (404).
    pub async fn delete(&self, path: &str, out: &Output) -> Result<bool, Error> {
        match self.call::<Value>(Method::DELETE, path, Body::Empty, Retry::Safe, out).await {
            Ok(_) => Ok(true),
            Err(Error::Api { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Calls `/accounts/{account}{path}` and returns the envelope's result.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Body,
        retry: Retry,
        out: &Output,
    ) -> Result<T, Error> {
        let url = format!("{}/accounts/{}{path}", self.base, self.account);
        let label = format!("{method} {}", path.split('?').next().unwrap_or(path));
        self.send(Target { method, url, label }, &body, retry, None, out).await.map(|(result, _)| result)
    }

    /// `POST /accounts/{account}/workers/assets/upload?base64=true`: one
    /// bucket of static assets, authorized by the upload session's token
    /// instead of the API token.
    pub async fn upload_assets(
        &self,
        session: &Secret,
        parts: Vec<Part>,
        out: &Output,
    ) -> Result<super::AssetsUploaded, Error> {
        let url = format!("{}/accounts/{}/workers/assets/upload?base64=true", self.base, self.account);
        let body = Body::Multipart(parts);
        let target = Target { method: Method::POST, url, label: "POST /workers/assets/upload".into() };
        self.send(target, &body, Retry::Safe, Some(session), out).await.map(|(result, _)| result)
    }

    /// `GET` of a list, following its pages (`result_info`) to the end: a
    /// list read as one page would miss what a large account has beyond it.
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str, out: &Output) -> Result<Vec<T>, Error> {
        let mut items: Vec<T> = Vec::new();
        let mut page = 1;
        let mut per_page = None;
        loop {
            let paged = match (page, per_page) {
                (1, _) => path.to_string(),
                (_, Some(per_page)) => format!("{path}{}page={page}&per_page={per_page}", separator(path)),
                (_, None) => format!("{path}{}page={page}", separator(path)),
            };
            let url = format!("{}/accounts/{}{paged}", self.base, self.account);
            let label = format!("GET {path}");
            let (batch, info): (Vec<T>, _) =
                self.send(Target::get(url, &label), &Body::Empty, Retry::Safe, None, out).await?;
            let fetched = batch.len();
            items.extend(batch);
            let Some(info) = info else { return Ok(items) };
            let more = match (info.total_pages, info.total_count) {
                (Some(pages), _) => info.page.unwrap_or(page) < pages,
                (None, Some(count)) => (items.len() as u32) < count,
                (None, None) => false,
            };
            if !more || fetched == 0 {
                return Ok(items);
            }
            per_page = info.per_page;
            page = info.page.unwrap_or(page) + 1;
        }
    }

    /// Sends `body` to `target`, retrying as `retry` allows, authorized
    /// by `bearer` (default: the API token).
    async fn send<T: DeserializeOwned>(
        &self,
        target: Target,
        body: &Body,
        retry: Retry,
        bearer: Option<&Secret>,
        out: &Output,
    ) -> Result<(T, Option<ResultInfo>), Error> {
        let Target { method, url, label } = target;
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            out.verbose(&format!("{label} (attempt {attempt})"));
            let sent = self.request(method.clone(), &url, body, bearer.unwrap_or(&self.token))?.send().await;
            let last = attempt == ATTEMPTS;
            let response = match sent {
                Ok(r) => r,
                Err(e) if retry == Retry::Safe && !last => {
                    out.verbose(&format!("{label}: {e}; retrying in {backoff:?}"));
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
                Err(e) => {
                    return Err(Error::ApiUnreachable {
                        call: label,
                        base: self.base.clone(),
                        why: transport_error(&e),
                    })
                }
            };
            let status = response.status();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs);
            let text = match response.text().await {
                Ok(t) => t,
                Err(e) if retry == Retry::Safe && !last => {
                    out.verbose(&format!("{label}: {e}; retrying"));
                    tokio::time::sleep(backoff).await;
                    continue;
                }
                Err(e) => {
                    return Err(Error::ApiUnreachable {
                        call: label,
                        base: self.base.clone(),
                        why: transport_error(&e),
                    })
                }
            };
            self.kill_hook.answered();
            let retryable =
                status == StatusCode::TOO_MANY_REQUESTS || (retry == Retry::Safe && status.is_server_error());
            if retryable && !last {
                let wait = match retry_after {
                    Some(after) if after <= MAX_RETRY_AFTER => after,
                    _ => backoff,
                };
                out.verbose(&format!("{label}: HTTP {}; retrying in {wait:?}", status.as_u16()));
                tokio::time::sleep(wait).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
            return parse(&label, status, &text);
        }
        unreachable!("the last attempt returns")
    }

    fn request(
        &self,
        method: Method,
        url: &str,
        body: &Body,
        bearer: &Secret,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let builder = self.http.request(method, url).bearer_auth(bearer.expose());
        Ok(match body {
            Body::Empty => builder,
            Body::Json(value) => builder.json(value),
            Body::DatedJson(value, date) => builder.header("Cloudflare-Workers-Script-Api-Date", *date).json(value),
            Body::Multipart(parts) => {
                let mut form = reqwest::multipart::Form::new();
                for part in parts {
                    let mut p =
                        reqwest::multipart::Part::bytes(part.data.clone()).mime_str(&part.content_type).map_err(
                            |e| Error::Local { what: format!("prepare upload part {}", part.name), why: e.to_string() },
                        )?;
                    if part.file {
                        p = p.file_name(part.name.clone());
                    }
                    form = form.part(part.name.clone(), p);
                }
                builder.multipart(form)
            }
        })
    }
}

fn parse<T: DeserializeOwned>(label: &str, status: StatusCode, text: &str) -> Result<(T, Option<ResultInfo>), Error> {
    let envelope: Option<Envelope> = serde_json::from_str(text).ok();
    let failed = |code: Option<u32>, message: String| Error::Api {
        call: label.to_string(),
        status: status.as_u16(),
        code,
        message,
        hint: hint(status.as_u16()),
    };
    let Some(envelope) = envelope else {
        let snippet: String = text.chars().take(120).collect();
        return Err(failed(
            None,
            format!("the answer is not a Cloudflare API envelope: {}", crate::error::one_line(&snippet)),
        ));
    };
    if !status.is_success() || !envelope.success {
        let first = envelope.errors.first();
        let message = first.map(|e| describe(&e.message)).unwrap_or_else(|| "no error message".into());
        return Err(failed(first.map(|e| e.code), message));
    }
    let result =
        serde_json::from_value(envelope.result).map_err(|e| failed(None, format!("unexpected result shape: {e}")))?;
    Ok((result, envelope.result_info))
}

/// Container endpoints put `{"error": NAME, "details": {...}}` in the message.
#[derive(Deserialize)]
struct ContainerError {
    error: String,
    #[serde(default)]
    details: Option<serde_json::Map<String, Value>>,
}

/// The message of an API error, with container error documents unpacked.
fn describe(message: &str) -> String {
    let Ok(doc) = serde_json::from_str::<ContainerError>(message) else {
        return crate::error::one_line(message);
    };
    match doc.details.filter(|d| !d.is_empty()) {
        Some(details) => {
            let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            let parts: Vec<String> = details.iter().map(|(k, v)| format!("{k}: {}", text(v))).collect();
            format!("{} ({})", doc.error, parts.join(", "))
        }
        None => doc.error,
    }
}

fn separator(path: &str) -> char {
    if path.contains('?') {
        '&'
    } else {
        '?'
    }
}

fn hint(status: u16) -> &'static str {
    match status {
        401 | 403 => "check that CLOUDFLARE_API_TOKEN is valid with Workers Scripts Edit and Containers Edit permissions, and CLOUDFLARE_ACCOUNT_ID",
        412 => "the account changed since it was read; rerun",
        429 => "rate limited by Cloudflare; wait a minute and rerun",
        500..=599 => "Cloudflare had a server error; rerun (deploys converge)",
        _ => "fix the input named above and rerun",
    }
}

fn transport_error(error: &reqwest::Error) -> String {
    let mut why = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        why = format!("{why}: {s}");
        source = s.source();
    }
    crate::error::one_line(&why)
}
