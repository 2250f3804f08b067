#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, max_instances = 5000000000)]
pub struct MyContainer;

fn main() {}
