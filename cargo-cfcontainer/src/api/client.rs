//! One authenticated client for the account: the envelope, error lines
//! with code and message, retries with backoff, timeouts.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::kill_hook::KillHook;
use super::{Secret, DEFAULT_BASE_URL};
use crate::output::Output;
use crate::Error;

/// How often a call is tried at most.
const ATTEMPTS: u32 = 6;
/// First backoff; it doubles per attempt up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// The longest `Retry-After` honoured before giving up.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Per-request timeout (uploads of a few MB included).
const TIMEOUT: Duration = Duration::from_secs(120);

/// The waits between the attempts of one call: [`FIRST_BACKOFF`], then
/// double each time up to [`MAX_BACKOFF`]. A `Retry-After` of the API (up
/// to [`MAX_RETRY_AFTER`]) replaces one wait; the doubling goes on behind it.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: FIRST_BACKOFF }
    }
}

impl Backoff {
    /// The wait before the next attempt, given the API's `Retry-After`.
    pub fn next_wait(&mut self, retry_after: Option<Duration>) -> Duration {
        let own = self.next;
        self.next = (self.next * 2).min(MAX_BACKOFF);
        match retry_after {
            Some(after) if after <= MAX_RETRY_AFTER => after,
            _ => own,
        }
    }
}

/// An answer read to its end.
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    text: String,
}

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

/// Where a page of a list is in the whole list: by page number, or by
/// the token of the next page.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ResultInfo {
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
    #[serde(default)]
    total_pages: Option<u32>,
    #[serde(default)]
    total_count: Option<u32>,
    /// The token that asks for the next page, while there is one.
    #[serde(default)]
    pub(super) next_page_token: Option<String>,
    /// The cursor of the next page, for lists paged by cursor (R2's).
    #[serde(default)]
    pub(super) cursor: Option<String>,
}

#[derive(Deserialize)]
struct ApiMessage {
    #[serde(default)]
    code: u32,
    #[serde(default)]
    message: String,
}

impl Client {
    /// A client from `CLOUDFLARE_API_TOKEN` and `CLOUDFLARE_API_BASE_URL`
    /// for `account_id` (the crate's settings resolve it from
    /// `CLOUDFLARE_ACCOUNT_ID` or the files); without one, the error says
    /// how to give it.
    pub fn from_env(account_id: Option<&str>) -> Result<Client, Error> {
        let account = account_id.ok_or(Error::NoAccount)?;
        Client::for_token(Some(account.to_string()))
    }

    /// A client from `CLOUDFLARE_API_TOKEN` and `CLOUDFLARE_API_BASE_URL`
    /// for `account`; without one, only the calls outside the account
    /// ([`Client::verify_token`]) work.
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

    /// The token, to key hashes that must not be guessable without it.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// `GET {base}{path}` of an endpoint outside the account (the token,
    /// zones); `label` names it in progress and errors.
    pub(super) async fn get_outside<T: DeserializeOwned>(
        &self,
        path: &str,
        label: &str,
        out: &Output,
    ) -> Result<T, Error> {
        let target = Target { method: Method::GET, url: format!("{}{path}", self.base), label: label.to_string() };
        self.send(target, &Body::Empty, Retry::Safe, None, out).await.map(|(result, _)| result)
    }

    /// `GET /accounts/{account}{path}`.
    pub(super) async fn get<T: DeserializeOwned>(&self, path: &str, out: &Output) -> Result<T, Error> {
        self.call(Method::GET, path, Body::Empty, Retry::Safe, out).await
    }

    /// `GET /accounts/{account}{path}` with where its page is in the list.
    pub(super) async fn get_page<T: DeserializeOwned>(
        &self,
        path: &str,
        out: &Output,
    ) -> Result<(T, Option<ResultInfo>), Error> {
        let url = format!("{}/accounts/{}{path}", self.base, self.account);
        let label = format!("GET {}", path.split('?').next().unwrap_or(path));
        self.send(Target { method: Method::GET, url, label }, &Body::Empty, Retry::Safe, None, out).await
    }

    /// `GET /accounts/{account}{path}`, `None` for a 404.
    pub(super) async fn get_if_found<T: DeserializeOwned>(&self, path: &str, out: &Output) -> Result<Option<T>, Error> {
        match self.get(path, out).await {
            Ok(found) => Ok(Some(found)),
            Err(Error::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `DELETE /accounts/{account}{path}`; `Ok(false)` if it was already gone (404).
    pub(super) async fn delete(&self, path: &str, out: &Output) -> Result<bool, Error> {
        match self.call::<Value>(Method::DELETE, path, Body::Empty, Retry::Safe, out).await {
            Ok(_) => Ok(true),
            Err(Error::Api { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Calls `/accounts/{account}{path}` and returns the envelope's result.
    pub(super) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Body,
        retry: Retry,
        out: &Output,
    ) -> Result<T, Error> {
        self.call_as(method, path, body, retry, None, out).await
    }

    /// [`Client::call`] authorized by `bearer` instead of the API token.
    pub(super) async fn call_as<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Body,
        retry: Retry,
        bearer: Option<&Secret>,
        out: &Output,
    ) -> Result<T, Error> {
        let url = format!("{}/accounts/{}{path}", self.base, self.account);
        let label = format!("{method} {}", path.split('?').next().unwrap_or(path));
        self.send(Target { method, url, label }, &body, retry, bearer, out).await.map(|(result, _)| result)
    }

    /// `GET` of a list, following its pages (`result_info`) to the end: a
    /// list read as one page would miss what a large account has beyond it.
    pub(super) async fn get_all<T: DeserializeOwned>(&self, path: &str, out: &Output) -> Result<Vec<T>, Error> {
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
            let label = format!("GET {}", path.split('?').next().unwrap_or(path));
            let target = Target { method: Method::GET, url, label };
            let (batch, info): (Vec<T>, _) = self.send(target, &Body::Empty, Retry::Safe, None, out).await?;
            let fetched = batch.len();
            items.extend(batch);
            let Some(info) = info else { return Ok(items) };
            let info: ResultInfo = info;
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
    /// by `bearer` (default: the API token). Every retry waits as
    /// [`Backoff`] says, whatever failed: the connection, the body, or an
    /// answer that may be sent again.
    async fn send<T: DeserializeOwned>(
        &self,
        target: Target,
        body: &Body,
        retry: Retry,
        bearer: Option<&Secret>,
        out: &Output,
    ) -> Result<(T, Option<ResultInfo>), Error> {
        let Target { method, url, label } = target;
        let mut backoff = Backoff::default();
        for attempt in 1..=ATTEMPTS {
            out.verbose(&format!("{label} (attempt {attempt})"));
            let last = attempt == ATTEMPTS;
            let (why, retry_after) = match self.attempt(&method, &url, body, bearer).await? {
                Err(e) if retry == Retry::Safe && !last => (transport_error(&e), None),
                Err(e) => {
                    return Err(Error::ApiUnreachable {
                        call: label,
                        base: self.base.clone(),
                        why: transport_error(&e),
                    })
                }
                Ok(answer) => {
                    self.kill_hook.answered();
                    let status = answer.status;
                    let retryable =
                        status == StatusCode::TOO_MANY_REQUESTS || (retry == Retry::Safe && status.is_server_error());
                    if !retryable || last {
                        return parse(&label, status, &answer.text);
                    }
                    (format!("HTTP {}", status.as_u16()), answer.retry_after)
                }
            };
            let wait = backoff.next_wait(retry_after);
            out.verbose(&format!("{label}: {why}; retrying in {wait:?}"));
            tokio::time::sleep(wait).await;
        }
        unreachable!("the last attempt returns")
    }

    /// One attempt: the answer with its whole body, or why none came.
    async fn attempt(
        &self,
        method: &Method,
        url: &str,
        body: &Body,
        bearer: Option<&Secret>,
    ) -> Result<Result<Answer, reqwest::Error>, Error> {
        let request = self.request(method.clone(), url, body, bearer.unwrap_or(&self.token))?;
        self.kill_hook.sending();
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Ok(Err(e)),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        Ok(response.text().await.map(|text| Answer { status, retry_after, text }))
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
        hint: hint(status.as_u16(), code, label),
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
        let code = first.map(|e| e.code);
        if let Some(code) = code.filter(|code| refuses_the_token(status, *code, label)) {
            return Err(Error::InvalidToken { call: label.to_string(), status: status.as_u16(), code, message });
        }
        return Err(failed(code, message));
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

/// The API's code for a token it does not know (mistyped, revoked or
/// expired), on any call of an account.
const INVALID_ACCESS_TOKEN: u32 = 9109;

/// True if the answer refuses the token itself rather than a call it may
/// not make: code 9109 "Invalid access token" anywhere, or the token
/// check's own 401 (code 1000 "Invalid API Token"). A token that is valid
/// but lacks a permission gets 10000 "Authentication error" (or 9106),
/// which [`hint`] explains; the official CLI tells them apart the same
/// way (only 10000 and 9106 are its authentication errors).
fn refuses_the_token(status: StatusCode, code: u32, label: &str) -> bool {
    code == INVALID_ACCESS_TOKEN || (label == "GET /user/tokens/verify" && status == StatusCode::UNAUTHORIZED)
}

fn hint(status: u16, code: Option<u32>, label: &str) -> String {
    match (status, code) {
        (401 | 403, _) => format!(
            "the token needs the {} permission for this call (and CLOUDFLARE_ACCOUNT_ID must be its account): give CLOUDFLARE_API_TOKEN that permission",
            permission(label)
        ),
        (412, _) => "the account changed since it was read; rerun".into(),
        (429, _) => "rate limited by Cloudflare; wait a minute and rerun".into(),
        (500..=599, _) => "Cloudflare had a server error; rerun (deploys converge)".into(),
        _ => "fix the input named above and rerun".into(),
    }
}

/// The API token permission a call (`METHOD /path`) needs, by the names
/// the dashboard gives them.
fn permission(label: &str) -> &'static str {
    let (method, path) = label.split_once(' ').unwrap_or(("GET", label));
    let read = method == "GET";
    let group = |read_name, edit_name| if read { read_name } else { edit_name };
    if path.contains("/tails") {
        "Workers Tail Read"
    } else if path.starts_with("/containers") {
        group("Containers Read", "Containers Edit")
    } else if path.starts_with("/secrets_store") {
        group("Account Secrets Store Read", "Account Secrets Store Edit")
    } else if path.starts_with("/queues") {
        group("Queues Read", "Queues Edit")
    } else if path.starts_with("/zones") {
        "Zone Read"
    } else if path.starts_with("/user") {
        "a valid token (no permission is needed to verify it)"
    } else {
        group("Workers Scripts Read", "Workers Scripts Edit")
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

/// `value` percent-encoded for a query string.
pub(super) fn query_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_a_quarter_second_to_eight_and_stays_there() {
        let mut backoff = Backoff::default();
        let waits: Vec<u128> = (0..7).map(|_| backoff.next_wait(None).as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 8000, 8000]);
    }

    #[test]
    fn a_retry_after_replaces_one_wait_unless_it_is_longer_than_a_minute() {
        let mut backoff = Backoff::default();
        assert_eq!(backoff.next_wait(Some(Duration::from_secs(3))), Duration::from_secs(3));
        // The doubling went on behind it.
        assert_eq!(backoff.next_wait(None), Duration::from_millis(500));
        assert_eq!(backoff.next_wait(Some(Duration::from_secs(600))), Duration::from_secs(1));
    }

    #[test]
    fn an_invalid_token_is_told_apart_from_a_missing_permission() {
        let invalid = r#"{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}],"result":null}"#;
        let error = parse::<Value>("GET /workers/scripts", StatusCode::FORBIDDEN, invalid).unwrap_err();
        assert!(matches!(error, Error::InvalidToken { code: 9109, .. }), "{error}");
        let denied = r#"{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"result":null}"#;
        let error = parse::<Value>("GET /workers/scripts", StatusCode::FORBIDDEN, denied).unwrap_err();
        assert!(error.to_string().ends_with("the token needs the Workers Scripts Read permission for this call (and CLOUDFLARE_ACCOUNT_ID must be its account): give CLOUDFLARE_API_TOKEN that permission"), "{error}");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(query_value("a b&c=d"), "a+b%26c%3Dd");
    }
}
