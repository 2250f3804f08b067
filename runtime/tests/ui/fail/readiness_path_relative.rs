#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, readiness_path = "healthz")]
pub struct MyContainer;

fn main() {}
