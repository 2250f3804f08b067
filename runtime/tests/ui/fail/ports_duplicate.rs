#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, ports = [8080, 9090, 9090])]
pub struct MyContainer;

fn main() {}
