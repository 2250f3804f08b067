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

/// One page of `items`, as `page` and `per_page` ask (1 and the largest
/// page by default), with `result_info` saying where it is.
pub fn ok_page(items: Vec<Value>, page: Option<usize>, per_page: Option<usize>, max_per_page: usize) -> Reply {
    let per_page = per_page.unwrap_or(max_per_page).clamp(1, max_per_page.max(1));
    let page = page.unwrap_or(1).max(1);
    let total = items.len();
    let shown: Vec<Value> = items.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let info = json!({
        "page": page, "per_page": per_page, "count": shown.len(),
        "total_count": total, "total_pages": total.div_ceil(per_page),
    });
    let mut reply = ok(Value::Array(shown));
    reply.body["result_info"] = info;
    reply
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
