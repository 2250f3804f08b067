// `Hooks::fetch` takes the Control first, then the request.
#[cfcontainer::container(port = 8080, image = "registry.cloudflare.com/acct/app:1", hooks)]
pub struct Gate;

impl cfcontainer::Hooks for Gate {
    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        let _ = req;
        worker::Response::error("no", 401)
    }
}

fn main() {}
