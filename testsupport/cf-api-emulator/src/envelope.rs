//! Cloudflare's response envelope and the errors the emulator returns.

use serde_json::{json, Value};

/// An answer: HTTP status, extra headers and the JSON body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

/// `{"success": true, "errors": [], "messages": [], "result": result}`.
pub fn ok(result: Value) -> Reply {
    Reply {
        status: 200,
        headers: Vec::new(),
        body: json!({ "success": true, "errors": [], "messages": [], "result": result }),
    }
}

/// A failure with one error in the envelope and `result: null`.
pub fn fail(status: u16, code: u32, message: impl Into<String>) -> Reply {
    let message: String = message.into();
    Reply {
        status,
        headers: Vec::new(),
        body: json!({ "success": false, "errors": [{ "code": code, "message": message }], "messages": [], "result": null }),
    }
}

/// A container-platform failure: its message is a JSON document
/// `{"error": NAME, "details": {...}}`, as the real API sends.
pub fn container_fail(status: u16, error: &str, details: Value) -> Reply {
    fail(status, 1000, json!({ "error": error, "details": details }).to_string())
}

/// A Workers validation failure (HTTP 400, code 10021).
pub fn invalid(message: impl Into<String>) -> Reply {
    fail(400, 10021, message)
}
