#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, intercept_https)]
pub struct Agent;

fn main() {}
