#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, outbound = answer)]
pub struct Agent;

/// Takes the request only: not what a handler takes.
async fn answer(_: worker::Request) -> worker::Result<worker::Response> {
    worker::Response::ok("")
}

fn main() {}
