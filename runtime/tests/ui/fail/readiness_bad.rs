#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, readiness(timeout = "soon", first_retry_ms = 0, max_retries = 3))]
pub struct MyContainer;

fn main() {}
