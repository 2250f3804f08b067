//! `GET /user/tokens/verify`: whether the bearer token is valid. Unlike
//! the account endpoints, a bad token is answered 401 with code 1000, as
//! the API documents for this endpoint.

use serde_json::json;

use crate::call::Call;
use crate::envelope::{fail, ok, Reply};
use crate::shared::Shared;

/// The token's id and status.
pub fn verify(shared: &Shared, method: &str, auth: Option<&str>, call: &Call) -> Reply {
    if method != "GET" {
        return fail(405, 10405, format!("method {method} not allowed on /user/tokens/verify"));
    }
    if let Err(reply) = call.only_query(&[]) {
        return reply;
    }
    match auth.and_then(|a| a.strip_prefix("Bearer ")) {
        Some(token) if token == shared.config.token || token == shared.config.read_token => ok(json!({
            "id": "ed17574386854bf78a67040be0a770b0",
            "status": "active",
            "not_before": null,
            "expires_on": null,
        })),
        Some(_) => fail(401, 1000, "Invalid API Token"),
        None => fail(400, 6003, "Invalid request headers: missing Authorization: Bearer <token>"),
    }
}
