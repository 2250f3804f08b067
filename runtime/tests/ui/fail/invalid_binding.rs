#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, binding = "1CONTAINER")]
pub struct MyContainer;

fn main() {}
