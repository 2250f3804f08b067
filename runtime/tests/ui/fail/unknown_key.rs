#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", prot = 8080)]
pub struct MyContainer;

fn main() {}
