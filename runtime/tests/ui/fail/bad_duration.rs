#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, sleep_after = "3 minutes")]
pub struct MyContainer;

fn main() {}
