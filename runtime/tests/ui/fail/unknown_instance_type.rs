#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, instance_type = "standrad")]
pub struct MyContainer;

fn main() {}
