//! A request as the endpoint handlers see it.

use bytes::Bytes;

use serde_json::{Map, Value};

use crate::envelope::{fail, invalid, Reply};

/// A request as handlers see it.
pub struct Call {
    pub method: String,
    /// Path segments after `/accounts/{account}`.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
    pub body: Bytes,
}

impl Call {
    /// The query parameter `key` as a number, if given as one.
    pub fn number(&self, key: &str) -> Option<usize> {
        self.query.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.parse().ok())
    }

    /// True for the official CLI's requests (`User-Agent: wrangler/...`),
    /// which the API records as their source.
    pub fn is_official_cli(&self) -> bool {
        self.user_agent.as_deref().is_some_and(|ua| ua.starts_with("wrangler/"))
    }

    /// The body as JSON, whatever its Content-Type (the official CLI sends
    /// some JSON bodies as text/plain, which the API takes).
    pub fn json_any_type(&self) -> Result<Value, Reply> {
        serde_json::from_slice(&self.body).map_err(|_| invalid("the body must be JSON"))
    }

    /// The body as JSON, which must come as `application/json`.
    pub fn json(&self) -> Result<Value, Reply> {
        if self.content_type.as_deref().map(|c| c.starts_with("application/json")) != Some(true) {
            return Err(invalid("Content-Type must be application/json"));
        }
        serde_json::from_slice(&self.body).map_err(|_| invalid("the body must be JSON"))
    }

    /// The body as a JSON object, which must come as `application/json`.
    pub fn json_object(&self) -> Result<Map<String, Value>, Reply> {
        match self.json()? {
            Value::Object(body) => Ok(body),
            _ => Err(invalid("the body must be a JSON object")),
        }
    }

    /// Fails unless every query parameter is one of `allowed`.
    pub fn only_query(&self, allowed: &[&str]) -> Result<(), Reply> {
        match self.query.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            Some((k, _)) => Err(fail(400, 10021, format!("unknown query parameter `{k}`"))),
            None => Ok(()),
        }
    }
}
