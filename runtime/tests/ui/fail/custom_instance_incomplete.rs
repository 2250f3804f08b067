#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, instance_type(vcpu = 1, memory_mb = 1024))]
pub struct MyContainer;

fn main() {}
