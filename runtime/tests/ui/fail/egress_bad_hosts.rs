#[cfcontainer::container(
    image = "registry.cloudflare.com/acct/app:1",
    port = 8080,
    allowed_hosts = ["https://api.example.com", "Example.com", "ok.example.com", "ok.example.com"],
    denied_hosts = ["evil.com:8080", "a..b"],
    outbound_by_host("api/v1" = handler)
)]
pub struct Agent;

async fn handler(
    _: worker::Request,
    _: worker::Env,
    _: cfcontainer::Outbound,
) -> worker::Result<worker::Response> {
    worker::Response::ok("")
}

fn main() {}
