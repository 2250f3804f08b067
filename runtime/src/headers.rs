//! Adding headers to a proxied response, whose own headers are immutable.

use worker::{Headers, Response, Result};

/// `response` with `name: value` set. A response that came back from a
/// container (or any `fetch`) has immutable headers; this copies them.
/// A `101 Switching Protocols` response is returned untouched.
///
/// ```ignore
/// let response = MyContainer::named(&env, "a")?.fetch(req).await?;
/// cfcontainer::with_header(response, "x-instance", "a")
/// ```
pub fn with_header(response: Response, name: &str, value: &str) -> Result<Response> {
    if response.status_code() == 101 {
        return Ok(response);
    }
    let headers = Headers::new();
    for (key, existing) in response.headers().entries() {
        headers.append(&key, &existing)?;
    }
    headers.set(name, value)?;
    Ok(response.with_headers(headers))
}
