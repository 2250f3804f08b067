#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, hooks)]
pub struct MyContainer;

fn main() {}
