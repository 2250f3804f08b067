#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 0)]
pub struct MyContainer;

fn main() {}
