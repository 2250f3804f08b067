//! Egress control in workerd with our networking sidecar and the real
//! engine: the e2e worker's `egress` class is set as the JS library's own
//! egress test sets its class (`examples/egress-tests` of
//! `@cloudflare/containers` 0.3.7), and its container's plain-HTTP
//! requests get the answers that test expects of the JS library.

use crate::support::stack::{available, Stack};

/// What the container got for `GET http://<target>`: its status line and
/// body (the test server's `/http/` relays them).
fn from_container(stack: &Stack, target: &str) -> (String, String) {
    let response = stack.request("GET", "egress", "egress", &format!("/http/{target}")).call();
    let body = match response {
        Ok(r) => r.into_string().unwrap(),
        Err(e) => panic!("the container did not answer: {e}\n{}", stack.log()),
    };
    let (status, body) = body.split_once("\n\n").unwrap_or((&body, ""));
    (status.to_string(), body.to_string())
}

#[test]
fn the_js_librarys_egress_table_gets_the_same_answers_from_rust_handlers_and_lists() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    // (host, status line, body), the JS library's expectations.
    let table = [
        ("denied.com", "HTTP/1.1 520", "Origin is disallowed"),
        ("random.com", "HTTP/1.1 520", "Origin is disallowed"),
        ("by-host.com", "HTTP/1.1 200", "outboundByHost: by-host.com"),
        ("api.globtest.com", "HTTP/1.1 200", "outboundByHost glob: api.globtest.com"),
        ("a.b.globtest.com", "HTTP/1.1 200", "outboundByHost glob: a.b.globtest.com"),
        ("globtest.com", "HTTP/1.1 520", "Origin is disallowed"),
    ];
    for (host, status, body) in table {
        let (got_status, got_body) = from_container(&stack, host);
        assert!(got_status.starts_with(status), "{host}: {got_status}\n{got_body}\n{}", stack.log());
        assert_eq!(got_body, body, "{host}");
    }
    // The catch-all sees the path the container asked for, and its class.
    let (status, body) = from_container(&stack, "allowed.com/some/path");
    assert!(status.starts_with("HTTP/1.1 200"), "{status} {body}");
    assert_eq!(body, "catch-all: allowed.com /some/path from Egress");
}
