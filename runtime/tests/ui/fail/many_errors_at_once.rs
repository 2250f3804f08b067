#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", prot = 8080, sleep_after = "soon", instance_type = "huge", class = "1st")]
pub struct MyContainer;

fn main() {}
