#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, env(RETRIES = 5))]
pub struct MyContainer;

fn main() {}
