//! Egress keys compile to the class's settings, in the attribute's order.

use cfcontainer::ContainerClass;

#[cfcontainer::container(
    image = "registry.cloudflare.com/acct/app:1",
    port = 8080,
    enable_internet = false,
    allowed_hosts = ["api.example.com", "*.example.org", "10.0.0.1", "[2001:db8::1]"],
    denied_hosts = ["ads.example.com"],
    intercept_https,
    outbound_by_host("api.example.com" = add_key, "*.example.org" = cfcontainer_handlers::pass_on),
    outbound = cfcontainer_handlers::pass_on
)]
pub struct Agent;

async fn add_key(
    req: worker::Request,
    _: worker::Env,
    _: cfcontainer::Outbound,
) -> worker::Result<worker::Response> {
    worker::Fetch::Request(req).send().await
}

mod cfcontainer_handlers {
    pub async fn pass_on(
        _: worker::Request,
        _: worker::Env,
        out: cfcontainer::Outbound,
    ) -> worker::Result<worker::Response> {
        worker::Response::ok(out.host)
    }
}

fn main() {
    let egress = Agent::CONFIG.egress;
    assert_eq!(egress.allowed_hosts, Some(&["api.example.com", "*.example.org", "10.0.0.1", "[2001:db8::1]"][..]));
    assert_eq!(egress.denied_hosts, Some(&["ads.example.com"][..]));
    assert!(egress.intercept_https && egress.catch_all);
    assert_eq!(egress.by_host, ["api.example.com", "*.example.org"]);
    assert!(egress.is_set() && egress.intercepts_all());
    assert!(!cfcontainer::Egress::NONE.is_set());
}
