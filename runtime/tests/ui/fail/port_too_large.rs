#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 70000)]
pub struct MyContainer;

fn main() {}
