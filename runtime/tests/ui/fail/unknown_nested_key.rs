#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, dev(remot = true), observability(log = true))]
pub struct MyContainer;

fn main() {}
