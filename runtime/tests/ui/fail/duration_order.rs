#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, sleep_after = "30m1h")]
pub struct MyContainer;

fn main() {}
