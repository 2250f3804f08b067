//! Egress control in workerd with our networking sidecar and the real
//! engine: the e2e worker's `egress` class is set as the JS library's own
//! egress test sets its class (`examples/egress-tests` of
//! `@cloudflare/containers` 0.3.7), and its container's plain-HTTP
//! requests get the answers that test expects of the JS library, and the
//! answers the JS library itself gives in the same workerd, on the same
//! image (testsupport/js-egress).

use crate::support::js_library;
use crate::support::stack::{available, Stack};

/// What the container got for `GET http://<target>` through `container`.
fn asked(stack: &Stack, container: &str, target: &str) -> (String, String) {
    let response = stack.request("GET", container, "egress", &format!("/http/{target}")).call();
    let body = match response {
        Ok(r) => r.into_string().unwrap(),
        Err(e) => panic!("the container did not answer: {e}\n{}", stack.log()),
    };
    let (status, body) = body.split_once("\n\n").unwrap_or((&body, ""));
    (status.to_string(), body.to_string())
}

/// What the container got for `GET http://<target>`: its status line and
/// body (the test server's `/http/` relays them).
fn from_container(stack: &Stack, target: &str) -> (String, String) {
    asked(stack, "egress", target)
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

#[test]
fn the_js_library_in_the_same_workerd_on_the_same_image_answers_each_request_as_ours_does() {
    if !available() {
        return;
    }
    let Some(bundle) = js_library::bundle("js-egress") else { return };
    let ours = Stack::start();
    let js = Stack::start_js(&bundle, "JsEgress", "JS_EGRESS", &ours.image("Egress"));
    // The library's table, and what it leaves out: a path, a host in
    // capitals, a trailing dot, a denied host that is also allowed by a
    // glob, a host that no list names.
    let requests = [
        "denied.com",
        "random.com",
        "by-host.com",
        "api.globtest.com",
        "a.b.globtest.com",
        "globtest.com",
        "allowed.com/some/path?q=1",
        "Allowed.COM/case",
        "by-host.com./dot",
        "x.globtest.com/deep/er",
    ];
    let mut differences = Vec::new();
    for target in requests {
        let ours = asked(&ours, "egress", target);
        let theirs = asked(&js, "egress", target);
        // The class names differ: `Egress` here, `JsEgress` there.
        let theirs = (theirs.0, theirs.1.replace("JsEgress", "Egress"));
        if ours != theirs {
            differences.push(format!("{target}: ours {ours:?}, the JS library's {theirs:?}"));
        }
    }
    assert!(differences.is_empty(), "answered otherwise than the JS library:\n{}", differences.join("\n"));
}

/// Sends a run-time change to `stack`'s `egress` instance.
fn change(stack: &Stack, change: &str, host: &str) {
    let response = stack.request("GET", "egress", "egress", &format!("/egress/{change}/{host}")).call();
    match response {
        Ok(r) => assert_eq!(r.into_string().unwrap(), "changed"),
        Err(e) => panic!("the change {change} {host} failed: {e}\n{}", stack.log()),
    }
}

#[test]
fn lists_changed_at_run_time_apply_at_once_survive_a_restart_and_match_the_js_library() {
    if !available() {
        return;
    }
    let Some(bundle) = js_library::bundle("js-egress") else { return };
    let mut ours = Stack::start();
    let js = Stack::start_js(&bundle, "JsEgress", "JS_EGRESS", &ours.image("Egress"));
    // A change (none first), then what the container gets for a host.
    let steps = [
        (None, "allowed.com", "catch-all: allowed.com / from Egress"),
        (Some(("deny", "allowed.com")), "allowed.com", "Origin is disallowed"),
        (Some(("allow", "new.example")), "new.example", "catch-all: new.example / from Egress"),
        (Some(("remove-denied", "allowed.com")), "allowed.com", "catch-all: allowed.com / from Egress"),
    ];
    for (step, target, body) in steps {
        if let Some((verb, host)) = step {
            change(&ours, verb, host);
            change(&js, verb, host);
        }
        let (_, got) = asked(&ours, "egress", target);
        assert_eq!(got, body, "{target} after {step:?}");
        let (_, theirs) = asked(&js, "egress", target);
        assert_eq!(theirs.replace("JsEgress", "Egress"), body, "the JS library: {target} after {step:?}");
    }
    // Kept in the object's storage: after workerd restarts (every object
    // evicted, the container gone), the next start registers them again.
    change(&ours, "deny", "new.example");
    ours.restart();
    let (status, got) = asked(&ours, "egress", "new.example");
    assert_eq!(got, "Origin is disallowed", "{status}\n{}", ours.log());
    // A bad pattern is refused, in one line.
    let refused = ours.request("GET", "egress", "egress", "/egress/allow/Bad.COM").call();
    let Err(ureq::Error::Status(400, r)) = refused else { panic!("a bad pattern was taken") };
    assert!(r.into_string().unwrap().contains("lowercase"));
}
